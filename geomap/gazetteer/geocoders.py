"""The online layer: geopy's own Nominatim and Photon behind the gazetteer interface.

Asked only for what the curated and offline layers could not place. Every
answer goes through the persistent cache (:mod:`geomap.gazetteer.cache`) first,
requests are spaced by geopy's :class:`~geopy.extra.rate_limiter.RateLimiter`
(and across processes by a slot booked in the cache file), and every fault of
the service (time-out, 429/403, 5xx after retries, connection refused) becomes
one :class:`geomap.errors.GeocoderUnavailable` naming the service and the query,
so the pipeline can record the mention as unresolved and go on.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

from geopy import exc as geopy_exc
from geopy.adapters import RequestsAdapter
from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders import Nominatim, Photon

from geomap.config import Settings
from geomap.errors import ConfigError, GeocoderUnavailable, GeocodingError
from geomap.gazetteer.base import GazetteerLayer, haversine_km, normalize
from geomap.gazetteer.cache import CacheEntry, GeocoderCache
from geomap.models import Candidate, Focus, Place, Resolution

# RateLimiter logs each retry with a traceback; without this, Python's last-resort
# handler would print them to stderr. Applications that configure logging still see them.
logging.getLogger("geopy").addHandler(logging.NullHandler())

PUBLIC_URLS = {
    "nominatim": "https://nominatim.openstreetmap.org",
    "photon": "https://photon.komoot.io",
}
DEFAULT_LIMIT = 5
POLYGON_THRESHOLD = 0.005  # degrees (~500 m): Nominatim simplifies outlines it sends
BREAKER_SECONDS = 60.0  # after a failure, stop asking the service for this long
MAX_RETRY_AFTER = 30.0  # a longer Retry-After is not waited for: the mention stays unresolved

# 4xx answers that retrying cannot fix: raised at once instead of after back-off.
_NOT_RETRIED = (
    geopy_exc.GeocoderQueryError,
    geopy_exc.GeocoderAuthenticationFailure,
    geopy_exc.GeocoderInsufficientPrivileges,
    geopy_exc.GeocoderParseError,
)


class _GiveUp(Exception):
    """Carries a geopy error past RateLimiter, which retries every GeocoderServiceError."""

    def __init__(self, error: Exception) -> None:
        super().__init__(str(error))
        self.error = error


class _Nominatim(Nominatim):
    """geopy's Nominatim, asking the server to simplify the polygons it returns."""

    def _construct_url(self, base_api: str, params: dict[str, Any]) -> str:
        if params.get("polygon_geojson"):
            params = {**params, "polygon_threshold": POLYGON_THRESHOLD}
        return super()._construct_url(base_api, params)


def _adapter_without_retries(**kwargs: Any) -> RequestsAdapter:
    """geopy's requests adapter, minus urllib3's own retries (2 by default, read
    time-outs included): RateLimiter retries with back-off, and a hung service
    would otherwise cost 3 x 3 time-outs per name."""
    return RequestsAdapter(max_retries=0, **kwargs)


def service_url(provider: str, url: str | None) -> tuple[str, str]:
    """(scheme, domain[/path]) for geopy from ``GEOMAP_GEOCODER_URL``; public when unset."""
    text = (url or PUBLIC_URLS[provider]).strip()
    parts = urlsplit(text if "://" in text else "https://" + text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"geocoder_url must look like http(s)://host[:port][/path], not {url!r}")
    if parts.query or parts.fragment:
        raise ConfigError(f"geocoder_url takes no query or fragment: {url!r}")
    return parts.scheme, parts.netloc + parts.path.rstrip("/")


class OnlineGeocoder(GazetteerLayer):
    """A geopy geocoder (Nominatim or Photon) as a cached, polite gazetteer layer."""

    def __init__(
        self,
        provider: str = "nominatim",
        *,
        url: str | None = None,
        user_agent: str | None = None,
        timeout: float = 10.0,
        min_delay: float = 1.0,
        cache: GeocoderCache | None = None,
        max_retries: int = 2,
        error_wait: float | None = None,
        breaker_seconds: float = BREAKER_SECONDS,
        language: str = "en",
        limit: int = DEFAULT_LIMIT,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if provider not in PUBLIC_URLS:
            raise ConfigError(f"unknown geocoder {provider!r}: use nominatim or photon")
        if provider == "nominatim" and not (user_agent or "").strip():
            raise ConfigError(
                "the Nominatim geocoder needs a real User-Agent: set GEOMAP_USER_AGENT "
                "or --user-agent (e.g. 'newsroom-geomap/1.0 you@example.org')"
            )
        scheme, domain = service_url(provider, url)
        super().__init__(scheme=scheme, timeout=timeout, user_agent=user_agent)
        self.provider = provider
        self.source = f"geocoder:{provider}"
        self.service = f"{scheme}://{domain}"
        self.cache = cache
        self.min_delay = float(min_delay)
        self.language = language
        self.limit = limit
        self.breaker_seconds = breaker_seconds
        self._clock = clock
        self._down_until = 0.0
        self._down_reason = ""
        self._lock = threading.Lock()
        self.requests_made = 0  # HTTP requests, retries included (for --verbose and tests)
        common: dict[str, Any] = {
            "domain": domain,
            "scheme": scheme,
            "user_agent": user_agent,
            "timeout": timeout,
            "adapter_factory": _adapter_without_retries,
        }
        try:
            if provider == "nominatim":
                self.client: Nominatim | Photon = _Nominatim(**common)
            else:
                self.client = Photon(**common)
        except geopy_exc.ConfigurationError as exc:
            raise ConfigError(f"{provider} at {self.service}: {exc}") from exc
        wait = max(2.0 * self.min_delay, 0.5) if error_wait is None else error_wait
        self._ask_limited = RateLimiter(
            self._ask,
            min_delay_seconds=self.min_delay,
            max_retries=max_retries,
            error_wait_seconds=max(wait, self.min_delay),
            swallow_exceptions=False,
        )

    def __repr__(self) -> str:
        return f"OnlineGeocoder({self.provider!r}, url={self.service!r})"

    # -- the network ------------------------------------------------------------------

    def _ask(self, query: str, countries: tuple[str, ...] = ()) -> list[dict[str, Any]]:
        """One HTTP request (RateLimiter calls this, and again on retryable faults);
        ``countries`` (ISO2) limits Nominatim's search to the article's focus."""
        if self.cache is not None:
            wait = self.cache.reserve_slot(self.service, self.min_delay)
            slot = time.time() + wait
            # sleep() runs on another clock than the wall clock slots are booked on and can
            # wake a few microseconds early: sleep again until the slot has really come.
            while (left := slot - time.time()) > 0:
                time.sleep(left)
            self.cache.mark_sent(self.service)
        with self._lock:
            self.requests_made += 1
        try:
            if isinstance(self.client, Nominatim):
                found = self.client.geocode(
                    query,
                    exactly_one=False,
                    limit=self.limit,
                    language=self.language,
                    addressdetails=True,
                    extratags=True,
                    namedetails=True,
                    geometry="geojson",
                    country_codes=list(countries) or None,
                )
            else:
                found = self.client.geocode(
                    query, exactly_one=False, limit=self.limit, language=self.language
                )
        except _NOT_RETRIED as exc:
            raise _GiveUp(exc) from exc
        except geopy_exc.GeocoderRateLimited as exc:
            if exc.retry_after is not None and exc.retry_after > MAX_RETRY_AFTER:
                raise _GiveUp(exc) from exc
            if exc.retry_after:
                time.sleep(max(0.0, exc.retry_after - self._ask_limited.error_wait_seconds))
            raise
        except geopy_exc.GeocoderQuotaExceeded as exc:  # 402: retrying will not help
            raise _GiveUp(exc) from exc
        return [dict(loc.raw) for loc in (found or [])]

    def _describe(self, query: str, error: BaseException) -> str:
        status = {
            geopy_exc.GeocoderRateLimited: "refused the request (429 Too Many Requests)",
            geopy_exc.GeocoderInsufficientPrivileges: "refused the request (403 Forbidden)",
            geopy_exc.GeocoderAuthenticationFailure: "refused the request (authentication)",
            geopy_exc.GeocoderQuotaExceeded: "refused the request (quota exceeded)",
            geopy_exc.GeocoderTimedOut: "timed out or is overloaded",
            geopy_exc.GeocoderUnavailable: "is unreachable",
        }
        what = next(
            (text for cls, text in status.items() if isinstance(error, cls)),
            "failed",
        )
        detail = " ".join(str(error).split())[:160]
        return f"{self.provider} at {self.service} {what} for {query!r}: {detail}"

    def fetch(self, query: str, countries: Iterable[str] = ()) -> CacheEntry:
        """The raw answer for ``query``: from the cache when fresh, else from the service.

        ``countries`` (ISO2 codes) asks only within those countries (Nominatim; Photon's
        answers are filtered by the caller); it is part of the cache key.

        Raises GeocoderUnavailable when the service cannot answer (and no stale
        answer is cached), GeocodingError when it answers with something unusable.
        Neither is cached.
        """
        text = " ".join(query.split())
        key = normalize(text)
        if not key:
            return CacheEntry(self.provider, self.service, text, [], self._clock())
        within = tuple(sorted({c.lower() for c in countries if c}))
        if within and self.provider == "nominatim":
            key = f"{key} @{','.join(within)}"
        else:
            within = ()
        if self.cache is not None:
            hit = self.cache.get(self.provider, self.service, key)
            if hit is not None:
                return hit
        try:
            answer = self._fetch_live(text, within)
        except GeocoderUnavailable:
            stale = (
                self.cache.get(self.provider, self.service, key, allow_stale=True)
                if self.cache is not None
                else None
            )
            if stale is not None and not stale.negative:
                return stale  # stale-if-error: a place known before is not lost
            raise
        if self.cache is not None:
            return self.cache.put(self.provider, self.service, key, text, answer)
        return CacheEntry(self.provider, self.service, text, answer, self._clock())

    def _fetch_live(self, text: str, countries: tuple[str, ...] = ()) -> list[dict[str, Any]]:
        now = self._clock()
        if now < self._down_until:
            raise GeocoderUnavailable(
                f"{self.provider} at {self.service} not asked for {text!r}: "
                f"it failed moments ago ({self._down_reason})"
            )
        try:
            return list(self._ask_limited(text, countries))
        except _GiveUp as wrapped:
            error = wrapped.error
            message = self._describe(text, error)
            if isinstance(error, geopy_exc.GeocoderQueryError | geopy_exc.GeocoderParseError):
                raise GeocodingError(message) from error
            self._trip(error, message)
            raise GeocoderUnavailable(message) from error
        except geopy_exc.GeopyError as error:
            message = self._describe(text, error)
            self._trip(error, message)
            raise GeocoderUnavailable(message) from error

    def _trip(self, error: Exception, message: str) -> None:
        """Stop asking a failing service for a while, so a long run does not crawl."""
        pause = self.breaker_seconds
        retry_after = getattr(error, "retry_after", None)
        if isinstance(retry_after, int | float):
            pause = max(pause, float(retry_after))
        self._down_until = self._clock() + pause
        self._down_reason = message.split(": ", 1)[0]

    # -- the gazetteer interface --------------------------------------------------------

    def candidates(
        self, query: str, *, limit: int = DEFAULT_LIMIT, countries: Iterable[str] = ()
    ) -> list[Candidate]:
        """Places the service finds for ``query``, in its order (best first)."""
        entry = self.fetch(query, countries)
        provenance = {
            "source": self.source,
            "query": entry.query,
            "fetched_at": entry.fetched_iso,
        }
        convert = nominatim_candidate if self.provider == "nominatim" else photon_candidate
        out: list[Candidate] = []
        for rank, raw in enumerate(entry.answer):
            cand = convert(raw, query, rank, len(entry.answer), provenance)
            if cand is not None:
                out.append(cand)
        return out[:limit]


# -- converting answers -----------------------------------------------------------------

_ADDRESSTYPE_KIND = {
    "country": "country",
    "state": "admin1",
    "province": "admin1",
    "region": "admin1",
    "state_district": "admin2",
    "county": "admin2",
    "district": "admin2",
    "municipality": "admin2",
    "city": "city",
    "town": "city",
    "village": "village",
    "hamlet": "village",
    "isolated_dwelling": "village",
    "farm": "village",
    "locality": "locality",
    "suburb": "neighbourhood",
    "quarter": "neighbourhood",
    "neighbourhood": "neighbourhood",
    "city_district": "neighbourhood",
    "borough": "neighbourhood",
    "road": "street",
    "island": "island",
    "islet": "island",
    "continent": "continent",
}
_TYPE_KIND = {
    "border_control": "crossing",
    "river": "river",
    "stream": "river",
    "canal": "river",
    "strait": "water",
    "bay": "water",
    "sea": "water",
    "water": "water",
    "peak": "mountain",
    "volcano": "mountain",
    "mountain_range": "mountain",
    "ridge": "mountain",
    "island": "island",
    "islet": "island",
    "continent": "continent",
    "country": "country",
    "state": "admin1",
    "city": "city",
    "town": "city",
    "village": "village",
    "hamlet": "village",
}
_CLASS_KIND = {
    "waterway": "river",
    "natural": "natural",
    "highway": "street",
    "boundary": "region",
    "landuse": "area",
    "building": "building",
    "amenity": "facility",
    "aeroway": "facility",
    "railway": "facility",
    "military": "facility",
    "man_made": "facility",
    "historic": "facility",
    "tourism": "facility",
    "leisure": "facility",
    "office": "facility",
    "shop": "facility",
    "barrier": "facility",
}
_GEOMETRY_TYPES = {"Polygon", "MultiPolygon", "LineString", "MultiLineString"}
_ALIAS_KEYS = ("name", "alt_name", "old_name", "official_name", "short_name", "int_name")
_OSM_TYPES = {"N": "node", "W": "way", "R": "relation"}


def osm_kind(osm_class: str, osm_type: str, addresstype: str = "") -> str:
    """A geomap kind from OSM's class/type (and Nominatim's addresstype)."""
    if osm_type in ("border_control",):
        return "crossing"
    if addresstype in _ADDRESSTYPE_KIND and osm_class in ("place", "boundary", ""):
        return _ADDRESSTYPE_KIND[addresstype]
    if osm_type in _TYPE_KIND and osm_class in ("place", "waterway", "natural", "boundary", ""):
        return _TYPE_KIND[osm_type]
    if addresstype in _ADDRESSTYPE_KIND:
        return _ADDRESSTYPE_KIND[addresstype]
    return _CLASS_KIND.get(osm_class, "place")


def parse_population(value: Any) -> int:
    """OSM population tags are free text ("12,500", "1 234 567"): keep the digits or 0."""
    if isinstance(value, int | float):
        return max(0, int(value))
    if not isinstance(value, str):
        return 0
    match = re.match(r"\s*(\d[\d,\u00a0\u202f _]*)", value)
    if not match:
        return 0
    digits = re.sub(r"\D", "", match.group(1))
    return int(digits) if digits and len(digits) < 12 else 0


def usable_geometry(value: Any) -> dict[str, Any] | None:
    """A line or area GeoJSON geometry shapely accepts; points are left to lat/lon."""
    if not isinstance(value, dict) or value.get("type") not in _GEOMETRY_TYPES:
        return None
    if not isinstance(value.get("coordinates"), list):
        return None
    try:
        from shapely.geometry import shape

        geom = shape(value)
        if geom.is_empty:
            return None
    except Exception:  # noqa: BLE001 - any malformed geometry from a remote service
        return None
    return {"type": value["type"], "coordinates": value["coordinates"]}


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _float(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number == number else None  # NaN


def _aliases(names: Any, primary: str) -> tuple[str, ...]:
    if not isinstance(names, dict):
        return ()
    seen = {normalize(primary)}
    out: list[str] = []
    keys = [k for k in names if k.split(":", 1)[0] in _ALIAS_KEYS]
    for key in keys:
        value = names.get(key)
        if not isinstance(value, str):
            continue
        for part in value.split(";"):
            part = part.strip()
            if part and normalize(part) not in seen:
                seen.add(normalize(part))
                out.append(part)
    return tuple(out[:40])


def nominatim_candidate(
    raw: dict[str, Any], query: str, rank: int, total: int, provenance: dict[str, Any]
) -> Candidate | None:
    """A Candidate from one Nominatim search result (format json or jsonv2)."""
    lat, lon = _float(raw.get("lat")), _float(raw.get("lon"))
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    names = _dict(raw.get("namedetails"))
    display = str(raw.get("display_name") or "")
    name = str(
        names.get("name:en") or raw.get("name") or names.get("name") or display.split(",")[0]
    ).strip()
    if not name:
        return None
    address = _dict(raw.get("address"))
    extratags = _dict(raw.get("extratags"))
    osm_type, osm_id = raw.get("osm_type"), raw.get("osm_id")
    source_id = f"{osm_type}/{osm_id}" if osm_type and osm_id else f"place/{raw.get('place_id')}"
    country = address.get("country_code")
    importance = _float(raw.get("importance"))
    return Candidate(
        source="geocoder:nominatim",
        source_id=source_id,
        name=name,
        kind=osm_kind(
            str(raw.get("class") or raw.get("category") or ""),
            str(raw.get("type") or ""),
            str(raw.get("addresstype") or ""),
        ),
        lat=lat,
        lon=lon,
        geometry=usable_geometry(raw.get("geojson")),
        population=parse_population(extratags.get("population")),
        country=country.upper() if isinstance(country, str) and len(country) == 2 else None,
        admin1=address.get("state") or address.get("province") or address.get("region"),
        matched=query,
        primary=normalize(query) == normalize(name),
        score=importance if importance is not None else 1.0 - rank / max(total, 1),
        aliases=_aliases(names, name),
        raw={
            "provenance": {**provenance, "licence": raw.get("licence"), "display_name": display},
            "answer": raw,
        },
    )


def photon_candidate(
    raw: dict[str, Any], query: str, rank: int, total: int, provenance: dict[str, Any]
) -> Candidate | None:
    """A Candidate from one Photon GeoJSON feature (points only; the extent stays in raw)."""
    props = _dict(raw.get("properties"))
    coords = _dict(raw.get("geometry")).get("coordinates")
    if not isinstance(coords, list) or len(coords) < 2:
        return None
    lon, lat = _float(coords[0]), _float(coords[1])
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    name = str(props.get("name") or "").strip()
    if not name:
        return None
    osm_type = _OSM_TYPES.get(str(props.get("osm_type")), props.get("osm_type"))
    country = props.get("countrycode")
    return Candidate(
        source="geocoder:photon",
        source_id=f"{osm_type}/{props.get('osm_id')}",
        name=name,
        kind=osm_kind(
            str(props.get("osm_key") or ""),
            str(props.get("osm_value") or ""),
            str(props.get("type") or ""),
        ),
        lat=lat,
        lon=lon,
        geometry=None,
        country=country.upper() if isinstance(country, str) and len(country) == 2 else None,
        admin1=props.get("state"),
        matched=query,
        primary=normalize(query) == normalize(name),
        score=1.0 - rank / max(total, 1),
        raw={"provenance": dict(provenance), "answer": raw},
    )


# -- building the layer and what the pipeline calls -------------------------------------


def build_online_layer(
    settings: Settings, *, cache: GeocoderCache | None = None, **options: Any
) -> OnlineGeocoder | None:
    """The online layer the settings ask for, with its persistent cache; None when "none"."""
    if settings.geocoder == "none":
        return None
    if cache is None:
        cache = GeocoderCache(settings.cache_path, ttl_days=settings.geocoder_cache_ttl_days)
    return OnlineGeocoder(
        settings.geocoder,
        url=settings.geocoder_url,
        user_agent=settings.user_agent,
        timeout=settings.geocoder_timeout,
        min_delay=settings.geocoder_min_delay,
        cache=cache,
        **options,
    )


_LEADING_THE = re.compile(r"^the\s+", re.IGNORECASE)
_POSSESSIVE = re.compile(r"['’]s?$")
# Words a mention and OSM's name may differ by ("Gaza City" / "Gaza", "Rafah crossing").
_GENERIC = {
    "city", "town", "village", "kibbutz", "moshav", "crossing", "border", "checkpoint",
    "province", "region", "district", "county", "governorate", "oblast", "raion",
    "municipality", "river", "the", "of", "and",
}  # fmt: skip


def query_for(mention_text: str) -> str:
    """What to ask a geocoder for a mention: one line, no leading "the", no possessive."""
    text = " ".join(mention_text.split())
    text = _POSSESSIVE.sub("", _LEADING_THE.sub("", text)).strip()
    return text or " ".join(mention_text.split())


def online_candidates(
    layer: OnlineGeocoder, mention_text: str, countries: Iterable[str] = ()
) -> list[Candidate]:
    """Candidates for one mention from the online layer (cache first), searched within
    ``countries`` (the article's focus) when given.

    Raises GeocoderUnavailable when the service cannot answer, GeocodingError
    (its parent) when the answer is unusable: catch GeocodingError.
    """
    return layer.candidates(query_for(mention_text), countries=countries)


def name_matches(mention_text: str, cand: Candidate) -> bool:
    """True when the answer is named like the mention (up to generic words)."""
    key = normalize(query_for(mention_text))
    names = {normalize(cand.name), *(normalize(a) for a in cand.aliases)}
    if key in names:
        return True
    words = set(key.split()) - _GENERIC
    return bool(words) and any(words == set(n.split()) - _GENERIC for n in names)


def pick_online(
    mention_text: str, candidates: list[Candidate], *, countries: Iterable[str] = ()
) -> tuple[Candidate, float, str] | None:
    """The geocoder's best answer with a confidence, or None when it found nothing.

    The service ranks by importance. A name that matches the mention is needed
    for a confident answer (a geocoder finds *something* for almost any word);
    a country named elsewhere in the article helps; namesakes far apart, with
    nothing in the article to choose between them, make it abstain.
    """
    if not candidates:
        return None
    wanted = {c.upper() for c in countries if c}

    def order(item: tuple[int, Candidate]) -> tuple[bool, bool, int]:
        rank, c = item
        return (c.country not in wanted, not name_matches(mention_text, c), rank)

    ranked = [c for _, c in sorted(enumerate(candidates), key=order)]
    best = ranked[0]
    reasons = [f"{best.source} answer {candidates.index(best) + 1} of {len(candidates)}"]
    if name_matches(mention_text, best):
        confidence = 0.7
        reasons.append("name matches")
    else:
        confidence = 0.25
        reasons.append(f"named {best.name!r}, not like the mention")
    in_context = bool(wanted) and best.country in wanted
    if in_context:
        confidence += 0.1
        reasons.append(f"in {best.country}, which the article mentions")
    rivals = [
        c
        for c in ranked[1:]
        if name_matches(mention_text, c) and haversine_km(best.lat, best.lon, c.lat, c.lon) > 161
    ]
    if rivals and not in_context:
        confidence = min(confidence, 0.3)
        reasons.append(f"{len(rivals)} namesake(s) elsewhere")
    return best, round(confidence, 3), "; ".join(reasons)


def online_resolution(
    layer: OnlineGeocoder,
    resolution: Resolution,
    *,
    threshold: float = 0.35,
    countries: Iterable[str] = (),
    focus: Focus | None = None,
) -> Resolution:
    """Give an unresolved (or below-threshold) mention a second chance online.

    Returns a new Resolution with the geocoder's place when it is confident
    enough, else ``resolution`` unchanged except for a reason that says what the
    geocoder answered. ``countries`` (ISO2 codes of places already resolved in
    the article) lets it prefer the right namesake.
    Raises GeocoderUnavailable when the service cannot answer (nothing cached):
    record the mention as unresolved with that message and go on.
    """
    mention = resolution.mention
    within = focus.main_countries() if focus else []
    try:
        found = online_candidates(layer, mention.text, within)
    except GeocoderUnavailable:
        raise
    except GeocodingError as exc:
        return replace(resolution, why=f"{resolution.why}; geocoder error: {exc}")
    picked = pick_online(mention.text, found, countries=countries)
    if picked is None:
        return replace(resolution, why=f"{resolution.why}; {layer.provider}: no match")
    best, confidence, why = picked
    if within and best.country not in within:
        # The article is about somewhere else: a namesake there is not what it means.
        return replace(
            resolution,
            why=f"{resolution.why}; {layer.provider}: only {best.name} ({best.country}), "
            "outside the article's focus",
        )
    if confidence < threshold:
        return replace(
            resolution,
            why=f"{resolution.why}; {layer.provider}: best guess {best.name} ({best.id}) "
            f"at confidence {confidence:.2f}",
        )
    place: Place = best.to_place()
    return Resolution(mention, place, confidence, why)
