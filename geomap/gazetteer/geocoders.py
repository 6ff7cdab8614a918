"""The online layer: geopy's own Nominatim and Photon behind the gazetteer interface.

Asked only for what the curated and offline layers could not place. Every
answer goes through the persistent cache (:mod:`geomap.gazetteer.cache`) first,
requests are spaced by geopy's :class:`~geopy.extra.rate_limiter.RateLimiter`
(and across processes by a slot booked in the cache file), and every fault of
the service (time-out, 429/403, 5xx after retries, connection refused) becomes
one :class:`geomap.errors.GeocoderUnavailable` naming the service and the query,
so the pipeline can record the mention as unresolved and go on.

An answer is untrusted input: each request has a whole-request deadline (the
configured time-out, however slowly the bytes come), a body over
:data:`MAX_ANSWER_BYTES` is refused unread, and the JSON must match the small
schema below (shape, types, coordinate ranges) before geopy or the cache sees it.
Anything else is a :class:`geomap.errors.GeocodingError` for that one name.
"""

from __future__ import annotations

import io
import json
import logging
import re
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, replace
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from geopy import exc as geopy_exc
from geopy.adapters import RequestsAdapter
from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders import Nominatim, Photon
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, TypeAdapter, ValidationError

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
MAX_ANSWER_BYTES = 2_000_000  # a search answer of 5 places is ~50 kB even with polygons
# How a mention's reason says the geocoder failed it (written by failed_reason, counted by
# GeocoderTrouble for the run's summary).
UNAVAILABLE = "geocoder unavailable"
UNUSABLE = "geocoder error"

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


# -- what an answer may look like -------------------------------------------------------


def _not_bool(value: Any) -> Any:
    if isinstance(value, bool):  # pydantic would read true as 1.0
        raise ValueError("a number, not true or false")
    return value


# A finite number, or a string of one (Nominatim sends coordinates as strings).
_Number = Annotated[float, BeforeValidator(_not_bool), Field(allow_inf_nan=False)]
_Lat = Annotated[_Number, Field(ge=-90, le=90)]
_Lon = Annotated[_Number, Field(ge=-180, le=180)]
_Position = tuple[_Lon, _Lat] | tuple[_Lon, _Lat, _Number]


class _Open(BaseModel):
    """Checks the fields geomap reads; others pass (the raw answer is kept as sent)."""

    model_config = ConfigDict(extra="allow", frozen=True)


class _Point(_Open):
    type: Literal["Point"]
    coordinates: _Position


class _Lines(_Open):
    type: Literal["LineString", "MultiPoint"]
    coordinates: list[_Position]


class _Rings(_Open):
    type: Literal["Polygon", "MultiLineString"]
    coordinates: list[list[_Position]]


class _MultiPolygon(_Open):
    type: Literal["MultiPolygon"]
    coordinates: list[list[list[_Position]]]


class _Collection(_Open):
    type: Literal["GeometryCollection"]
    geometries: list[_Geometry]


_Geometry = Annotated[
    _Point | _Lines | _Rings | _MultiPolygon | _Collection, Field(discriminator="type")
]
_Collection.model_rebuild()
_Text = str | None
_Id = int | str | None


class _NominatimPlace(_Open):
    """One result of Nominatim's /search (format json or jsonv2)."""

    lat: _Lat
    lon: _Lon
    place_id: _Id = None
    osm_type: _Text = None
    osm_id: _Id = None
    name: _Text = None
    display_name: _Text = None
    osm_class: _Text = Field(None, alias="class")
    category: _Text = None
    type: _Text = None
    addresstype: _Text = None
    importance: _Number | None = None
    licence: _Text = None
    address: dict[str, str] | None = None
    extratags: dict[str, str | None] | None = None
    namedetails: dict[str, str] | None = None
    geojson: _Geometry | None = None


class _PhotonProperties(_Open):
    name: _Text = None
    osm_type: _Text = None
    osm_id: _Id = None
    osm_key: _Text = None
    osm_value: _Text = None
    type: _Text = None
    country: _Text = None
    countrycode: _Text = None
    state: _Text = None


class _PhotonFeature(_Open):
    geometry: _Point
    properties: _PhotonProperties


class _PhotonAnswer(_Open):
    features: Annotated[list[_PhotonFeature], Field(max_length=100)]


_NOMINATIM_ANSWER = TypeAdapter(Annotated[list[_NominatimPlace], Field(max_length=100)])


class UnusableAnswer(geopy_exc.GeocoderParseError):
    """The service answered, but not with what its API promises (never cached, not retried)."""


def checked_answer(provider: str, data: Any) -> Any:
    """``data`` (parsed JSON) if it has the shape, types and ranges ``provider``'s API
    promises; else UnusableAnswer saying what is wrong, in one line.

    Nominatim's ``{"error": ...}`` object passes: geopy turns it into a query error.
    """
    if provider == "nominatim" and isinstance(data, dict) and "error" in data:
        return data
    try:
        if provider == "nominatim":
            _NOMINATIM_ANSWER.validate_python(data)
        else:
            _PhotonAnswer.model_validate(data)
    except ValidationError as exc:
        problems = exc.errors(include_url=False)
        first = problems[0]
        where = ".".join(str(p) for p in first["loc"]) or "the answer"
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        raise UnusableAnswer(f"unexpected answer: {where}: {first['msg']}{more}") from None
    return data


class _Nominatim(Nominatim):
    """geopy's Nominatim, asking the server to simplify the polygons it returns and
    checking its answers before geopy reads them."""

    def _construct_url(self, base_api: str, params: dict[str, Any]) -> str:
        if params.get("polygon_geojson"):
            params = {**params, "polygon_threshold": POLYGON_THRESHOLD}
        return super()._construct_url(base_api, params)

    def _parse_json(self, places: Any, exactly_one: bool) -> Any:
        return super()._parse_json(checked_answer("nominatim", places), exactly_one)


class _Photon(Photon):
    """geopy's Photon, checking its answers before geopy reads them."""

    def _parse_json(self, resources: Any, exactly_one: bool = True) -> Any:
        return super()._parse_json(checked_answer("photon", resources), exactly_one)


# -- the request ------------------------------------------------------------------------


ERROR_PAGE_BYTES = 65536  # geopy reads an error page whole for its message: only this much


def _cap_error_page(resp: Any, *_: Any, **__: Any) -> Any:
    """A response hook: the body of an error (which geopy reads whole for its message) or
    of a redirect (which requests reads whole to discard it) cut to a short prefix."""
    if resp.status_code >= 400 or resp.is_redirect:
        head = resp.raw.read(ERROR_PAGE_BYTES, decode_content=True)
        resp.close()
        resp.raw = io.BytesIO(head)
    return resp


class _BoundedAdapter(RequestsAdapter):
    """geopy's requests adapter with a whole-request deadline and a size cap.

    requests' time-out bounds each socket read, so a service sending one byte a
    second never times out. Here the request runs in a worker thread the caller
    waits for at most ``timeout`` seconds (headers and body together); the worker
    streams the body, stops at the deadline or past ``max_bytes``, and refuses a
    larger Content-Length unread. urllib3's own retries (2 by default, read
    time-outs included) are off: RateLimiter retries with back-off.
    """

    def __init__(self, *, max_bytes: int = MAX_ANSWER_BYTES, **kwargs: Any) -> None:
        super().__init__(max_retries=0, **kwargs)
        self.session.stream = True  # bodies are read by _body, within deadline and cap
        self.session.hooks["response"].append(_cap_error_page)
        self.max_bytes = max_bytes

    def get_json(self, url: str, *, timeout: float, headers: dict[str, str]) -> Any:
        deadline = time.monotonic() + timeout
        body: Future[bytes] = Future()
        worker = threading.Thread(
            target=self._read, args=(url, timeout, headers, deadline, body), daemon=True
        )
        worker.start()
        try:
            data = body.result(timeout=timeout)
        except FutureTimeout:
            raise geopy_exc.GeocoderTimedOut(f"no complete answer within {timeout:g} s") from None
        try:
            return json.loads(data)
        except ValueError as exc:
            raise UnusableAnswer(f"the answer is not JSON: {exc}") from None

    def _read(
        self,
        url: str,
        timeout: float,
        headers: dict[str, str],
        deadline: float,
        body: Future[bytes],
    ) -> None:
        try:
            body.set_result(self._body(url, timeout, headers, deadline))
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting caller
            body.set_exception(exc)

    def _body(self, url: str, timeout: float, headers: dict[str, str], deadline: float) -> bytes:
        cap = self.max_bytes
        with self._request(url, timeout=timeout, headers=headers) as resp:
            length = resp.headers.get("Content-Length", "")
            if length.isdigit() and int(length) > cap:
                raise UnusableAnswer(f"answer of {int(length):,} bytes refused (limit {cap:,})")
            chunks: list[bytes] = []
            size = 0
            # read1: whatever one socket read brings, so the deadline is checked often
            while chunk := resp.raw.read1(65536, decode_content=True):
                size += len(chunk)
                if size > cap:
                    raise UnusableAnswer(f"answer over {cap:,} bytes refused")
                if time.monotonic() > deadline:
                    raise geopy_exc.GeocoderTimedOut("answer not complete by the deadline")
                chunks.append(chunk)
        return b"".join(chunks)


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
            "adapter_factory": _BoundedAdapter,
        }
        try:
            if provider == "nominatim":
                self.client: Nominatim | Photon = _Nominatim(**common)
            else:
                self.client = _Photon(**common)
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
            UnusableAnswer: "sent an unusable answer",
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

        Raises GeocoderUnavailable when the service cannot answer, GeocodingError when
        it answers with something unusable (either way, a stale cached answer is
        returned instead if there is one). Neither is cached.
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
        except GeocodingError:  # down, or an unusable answer
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


def failed_reason(why: str, error: GeocodingError) -> str:
    """A mention's reason, plus what the geocoder did wrong (GeocoderTrouble counts these)."""
    marker = UNAVAILABLE if isinstance(error, GeocoderUnavailable) else UNUSABLE
    return f"{why}; {marker}: {error}"


@dataclass(frozen=True)
class GeocoderTrouble:
    """How many unresolved mentions of a run the geocoder could not answer for, and
    the first reason of each kind: the run's summary and its exit status say so,
    since such mentions are worth asking again (``geomap resolve --retry-unresolved``).

    Read from the reasons of a run's fresh resolutions (see :func:`failed_reason`), so
    it adds up across processes and cluster workers.
    """

    unavailable: int = 0  # down, timed out, refused: nothing was learned
    unusable: int = 0  # answered, but not with a usable answer
    first_unavailable: str = ""
    first_unusable: str = ""

    @classmethod
    def of(cls, resolutions: Iterable[Resolution]) -> GeocoderTrouble:
        out = cls()
        for r in resolutions:
            if r.place is None:
                _, down, why_down = r.why.rpartition(f"; {UNAVAILABLE}: ")
                _, bad, why_bad = r.why.rpartition(f"; {UNUSABLE}: ")
                if down:
                    out += cls(unavailable=1, first_unavailable=why_down)
                elif bad:
                    out += cls(unusable=1, first_unusable=why_bad)
        return out

    def __add__(self, other: GeocoderTrouble) -> GeocoderTrouble:
        return GeocoderTrouble(
            self.unavailable + other.unavailable,
            self.unusable + other.unusable,
            self.first_unavailable or other.first_unavailable,
            self.first_unusable or other.first_unusable,
        )

    def __bool__(self) -> bool:
        return bool(self.unavailable or self.unusable)

    def lines(self) -> list[str]:
        """One line per kind of trouble, for stderr (the reasons come from the service)."""
        out = []
        if self.unavailable:
            out.append(
                f"geocoder: {self.unavailable} names not looked up "
                f"(service unavailable: {_one_line(self.first_unavailable)})"
            )
        if self.unusable:
            out.append(
                f"geocoder: {self.unusable} names got an unusable answer "
                f"({_one_line(self.first_unusable)})"
            )
        return out


def _one_line(text: str, width: int = 200) -> str:
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


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
    Raises GeocoderUnavailable when the service cannot answer (nothing cached), and
    GeocodingError (its parent) when its answer is unusable: record the mention as
    unresolved with :func:`failed_reason` and go on.
    """
    mention = resolution.mention
    within = focus.main_countries() if focus else []
    found = online_candidates(layer, mention.text, within)
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
