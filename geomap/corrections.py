"""Corrections as rules: an editor fixes a place once, and geomap applies the fix from then on.

A :class:`Correction` says what a mention (or every mention of a name) really is: another
place, a new place, or not a place at all, and how far that reaches:

- ``mention``: that one span of that article;
- ``article``: every mention of the same name (compared with :func:`normalize`) in that article;
- ``everywhere``: every mention of the name in every article, optionally only in articles
  whose focus includes ``country``.

:func:`apply_rules` is the one place the rules act; it is pure, so parsing, ``reapply`` and
the web app all share it. A "not a place" rule removes the mention (as the finder does
with names on the never-places list): it is neither drawn nor listed as unresolved, and
the rule itself is the record. Rules sit above every gazetteer layer: a narrower scope
wins over a wider one, and among equals the newest rule wins.
"""

from __future__ import annotations

import json
import re
import secrets
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from geomap.errors import InputError
from geomap.gazetteer.base import haversine_km, normalize
from geomap.models import Article, Candidate, Focus, Mention, Place, Resolution

ACTIONS = ("place", "not-a-place", "new-place")
SCOPES = ("mention", "article", "everywhere")
SOURCE = "correction"  # the source (and id prefix) of places that corrections create
NEW_PLACE_KINDS = (
    "city",
    "village",
    "town",
    "district",
    "region",
    "admin1",
    "country",
    "checkpoint",
    "building",
    "landmark",
    "corridor",
    "river",
    "lake",
    "sea",
    "mountain",
    "other",
)
AGREE_KM = 161.0  # as in `geomap eval`: a placement this close to the truth counts


def now_utc() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def slug(name: str) -> str:
    """An id fragment from a name: "Nor Kut checkpoint" -> "nor-kut-checkpoint"."""
    return re.sub(r"[^a-z0-9]+", "-", normalize(name)).strip("-") or "place"


@dataclass(frozen=True)
class Correction:
    """One editor's rule about a mention; stored, exported and applied as it is."""

    article: str
    start: int
    end: int
    surface: str  # the mention's text in that article
    action: str  # "place" | "not-a-place" | "new-place"
    scope: str  # "mention" | "article" | "everywhere"
    editor: str
    place_id: str | None = None  # for "place"
    place_name: str | None = None  # that place's name, for people reading the audit trail
    new_place: dict[str, Any] | None = field(default=None, compare=False, hash=False)
    country: str | None = None  # "everywhere" only in articles whose focus has this country
    note: str = ""
    created_at: str = ""
    old_place_id: str | None = None  # what the engine had said, for the audit trail
    old_place_name: str | None = None
    undone: bool = False
    undone_at: str | None = None
    undone_by: str | None = None
    id: int | None = None  # the store's id
    uid: str = ""  # stable across stores, so importing twice adds nothing

    def __post_init__(self) -> None:
        if self.action not in ACTIONS:
            raise InputError(f"correction action must be one of {', '.join(ACTIONS)}")
        if self.scope not in SCOPES:
            raise InputError(f"correction scope must be one of {', '.join(SCOPES)}")
        if not (isinstance(self.start, int) and isinstance(self.end, int)):
            raise InputError("correction start and end must be whole numbers")
        if not 0 <= self.start < self.end:
            raise InputError(f"correction span {self.start}:{self.end} is empty or negative")
        if not normalize(self.surface):
            raise InputError("correction surface text is empty")
        if self.action == "place" and not self.place_id:
            raise InputError("a 'place' correction needs a place id")
        if self.action == "new-place" and not self.new_place:
            raise InputError("a 'new-place' correction needs the new place")
        if self.country is not None and not re.fullmatch(r"[A-Z]{2}", self.country):
            raise InputError(f"country must be an ISO 3166-1 alpha-2 code, not {self.country!r}")
        if self.country and self.scope != "everywhere":
            raise InputError("a focus country only applies to scope 'everywhere'")

    @property
    def key(self) -> str:
        """The normalised name the rule matches (article and everywhere scopes)."""
        return normalize(self.surface)

    @property
    def target_id(self) -> str | None:
        """The place the rule puts on the map (None for "not a place")."""
        if self.action == "new-place" and self.new_place:
            return f"{SOURCE}:{self.new_place['properties']['id']}"
        return self.place_id if self.action == "place" else None

    def describe_new(self) -> str:
        if self.action == "not-a-place":
            return "not a place"
        if self.action == "new-place" and self.new_place:
            props = self.new_place["properties"]
            return f"new place {props['name']} ({props['kind']})"
        return f"{self.place_id} {self.place_name or ''}".strip()

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Correction:
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(data) - known)
        if unknown:
            raise InputError(f"correction: unknown field(s) {', '.join(unknown)}")
        try:
            return cls(**data)
        except TypeError as exc:
            raise InputError(f"correction: {exc}") from exc


def new_place_feature(
    name: str,
    lat: Any,
    lon: Any,
    kind: str,
    *,
    aliases: Iterable[str] = (),
    country: str | None = None,
    source_note: str = "",
    editor: str = "",
) -> dict[str, Any]:
    """A place no gazetteer has, as a curated-gazetteer Feature (the schema of
    ``data/gazetteer/*.geojson``), so an export can join the curated layer as it is."""
    name = " ".join(str(name).split())
    if not name:
        raise InputError("new place: the name is empty")
    try:
        lat, lon = float(lat), float(lon)
    except (TypeError, ValueError) as exc:
        raise InputError(f"new place {name!r}: lat and lon must be numbers") from exc
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise InputError(f"new place {name!r}: lat {lat} / lon {lon} are out of range")
    kind = (kind or "").strip().lower()
    if not re.fullmatch(r"[a-z][a-z0-9_-]{0,30}", kind):
        raise InputError(f"new place {name!r}: kind must be a short word such as 'village'")
    names = [" ".join(str(a).split()) for a in aliases if str(a).strip()]
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]},
        "properties": {
            "id": f"{slug(name)}-{secrets.token_hex(3)}",
            "name": name,
            "aliases": list(dict.fromkeys(a for a in names if a != name)),
            "kind": kind,
            "country": country or None,
            "precision": "approximate",
            "sources": [source_note.strip() or f"correction by editor {editor or 'unknown'}"],
        },
    }


def feature_place(feature: dict[str, Any]) -> Place:
    """The Place a new-place correction puts on the map."""
    props = feature["properties"]
    lon, lat = feature["geometry"]["coordinates"][:2]
    return Place(
        id=f"{SOURCE}:{props['id']}",
        name=props["name"],
        kind=props["kind"],
        geometry=feature["geometry"],
        source=SOURCE,
        aliases=tuple(props.get("aliases") or ()),
        country=props.get("country"),
        lat=lat,
        lon=lon,
        extra={"sources": list(props.get("sources") or ())},
    )


def make_correction(
    article: Article,
    start: int,
    end: int,
    *,
    scope: str,
    editor: str,
    place_id: str | None = None,
    not_a_place: bool = False,
    new_place: dict[str, Any] | None = None,
    country: str | None = None,
    note: str = "",
    old: Resolution | None = None,
    place_name: str | None = None,
) -> Correction:
    """Check a requested correction against its article and build the rule."""
    chosen = sum([bool(place_id), bool(not_a_place), new_place is not None])
    if chosen != 1:
        raise InputError("say exactly one of: a place id, not a place, or a new place")
    if not (isinstance(start, int) and isinstance(end, int)) or not (
        0 <= start < end <= len(article.text)
    ):
        raise InputError(
            f"span {start}:{end} is outside article {article.id!r} ({len(article.text)} chars)"
        )
    surface = article.text[start:end]
    action = "place" if place_id else "not-a-place" if not_a_place else "new-place"
    country = (country or "").strip().upper() or None
    return Correction(
        article=article.id,
        start=start,
        end=end,
        surface=surface,
        action=action,
        scope=scope,
        editor=editor,
        place_id=place_id or None,
        place_name=place_name if place_id else None,
        new_place=new_place,
        country=country,
        note=note or "",
        created_at=now_utc(),
        old_place_id=old.place.id if old is not None and old.place is not None else None,
        old_place_name=old.place.name if old is not None and old.place is not None else None,
        uid=uuid.uuid4().hex,
    )


# -- applying -------------------------------------------------------------------------------

_SCOPE_RANK = {"mention": 0, "article": 1, "everywhere": 2}
_SENTENCE_END = re.compile(r"[.!?][\"”’)]*(?:\s|$)|\n")


def _sentence_around(text: str, start: int, end: int) -> str:
    """The sentence around a span, for a mention the finder did not produce itself."""
    left = 0
    for m in _SENTENCE_END.finditer(text, 0, start):
        left = m.end()
    after = _SENTENCE_END.search(text, end)
    right = after.end() if after else len(text)
    return text[left:right].strip()


def _occurrences(text: str, surface: str) -> Iterable[tuple[int, int]]:
    pattern = re.compile(rf"(?<![\w-]){re.escape(surface)}(?![\w])")
    for m in pattern.finditer(text):
        yield m.start(), m.end()


def apply_rules(
    article: Article,
    resolutions: Sequence[Resolution],
    rules: Sequence[Correction],
    place_for_id: Callable[[str], Place | None],
    *,
    focus: Focus | None = None,
) -> list[Resolution]:
    """The article's resolutions with the rules applied (pure: nothing is stored).

    ``place_for_id`` turns a rule's place id into a Place (the store's copy, or a
    gazetteer's). A rule whose place cannot be found leaves the engine's decision as it
    was. A "mention" or "article" rule that names a place also adds its span(s) when the
    engine had not found them; "everywhere" names reach new articles through the matcher.
    """
    # narrower scopes first; within a scope the newest first (stable sorts)
    active = sorted(
        (r for r in rules if not r.undone and (r.scope == "everywhere" or r.article == article.id)),
        key=lambda r: (r.created_at, r.id or 0),
        reverse=True,
    )
    active.sort(key=lambda r: _SCOPE_RANK[r.scope])
    if not active:
        return list(resolutions)
    if focus is None and any(r.country for r in active):
        from geomap.resolve import article_focus

        focus = article_focus(resolutions, frame=False)

    def rule_for(m: Mention) -> Correction | None:
        key = None
        for rule in active:
            if rule.scope == "mention":
                if (rule.start, rule.end) == (m.start, m.end):
                    return rule
                continue
            key = key if key is not None else normalize(m.text)
            if rule.key != key:
                continue
            if rule.scope == "article" or not rule.country:
                return rule
            if focus is not None and focus.weight(rule.country) > 0:
                return rule
        return None

    places: dict[str, Place | None] = {}

    def place_of(rule: Correction) -> Place | None:
        pid = rule.target_id or ""
        if pid not in places:
            if rule.action == "new-place" and rule.new_place:
                places[pid] = feature_place(rule.new_place)
            else:
                places[pid] = place_for_id(pid)
        return places[pid]

    def decide(res: Resolution, rule: Correction) -> Resolution | None:
        if rule.action == "not-a-place":
            return None
        place = place_of(rule)
        if place is None:
            return res
        label = f" #{rule.id}" if rule.id else ""
        why = f"corrected by {rule.editor} (rule{label}, scope {rule.scope})"
        if rule.note:
            why += f": {' '.join(rule.note.split())[:200]}"
        return Resolution(res.mention, place, 1.0, why)

    out: list[Resolution] = []
    for res in resolutions:
        rule = rule_for(res.mention)
        if rule is None:
            out.append(res)
            continue
        decided = decide(res, rule)
        if decided is not None:
            out.append(decided)

    # spans the engine missed that a mention- or article-scope rule names as a place
    taken = bytearray(len(article.text))
    for res in resolutions:  # also the removed ones: "not a place" keeps its span off limits
        s, e = res.mention.start, min(res.mention.end, len(taken))
        taken[s:e] = b"\x01" * max(0, e - s)
    added: list[Resolution] = []
    for rule in active:
        if rule.action == "not-a-place" or rule.scope == "everywhere":
            continue
        spans = (
            [(rule.start, rule.end)]
            if rule.scope == "mention"
            else list(_occurrences(article.text, rule.surface))
        )
        for s, e in spans:
            if e > len(article.text) or article.text[s:e] != rule.surface or any(taken[s:e]):
                continue
            mention = Mention(
                article.id, rule.surface, s, e, _sentence_around(article.text, s, e), "correction"
            )
            decided = decide(Resolution(mention, None, 0.0, "added by a correction"), rule)
            if decided is not None and decided.place is not None:
                added.append(decided)
                taken[s:e] = b"\x01" * (e - s)
    if added:
        out = sorted(out + added, key=lambda r: (r.mention.start, r.mention.end))
    return out


def lexicon_names(rules: Iterable[Correction]) -> list[str]:
    """Names that "everywhere" rules make places, for the mention matcher."""
    names = []
    for rule in rules:
        if rule.undone or rule.scope != "everywhere" or rule.action == "not-a-place":
            continue
        names.append(" ".join(rule.surface.split()))
    return list(dict.fromkeys(names))


# -- export / import -------------------------------------------------------------------------


def export_document(rules: Sequence[Correction]) -> dict[str, Any]:
    """One GeoJSON FeatureCollection: the new places as curated-gazetteer features, and
    every rule (undone ones too, for the record) as the foreign member ``corrections``."""
    features: dict[str, dict[str, Any]] = {}
    for rule in rules:
        if rule.action == "new-place" and rule.new_place:
            features.setdefault(rule.new_place["properties"]["id"], rule.new_place)
    return {
        "type": "FeatureCollection",
        "features": list(features.values()),
        "corrections": [
            {k: v for k, v in rule.to_dict().items() if k not in ("id", "new_place")}
            | {"new_place": rule.new_place["properties"]["id"] if rule.new_place else None}
            for rule in rules
        ],
    }


def import_document(doc: Any, source: str) -> list[Correction]:
    """The rules of an exported file, each new place joined back to its rule."""
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise InputError(f"{source}: not a GeoJSON FeatureCollection")
    items = doc.get("corrections")
    if not isinstance(items, list):
        raise InputError(f"{source}: no 'corrections' list (not a geomap corrections export)")
    from geomap.gazetteer.curated import parse_feature

    features: dict[str, dict[str, Any]] = {}
    for index, feature in enumerate(doc.get("features") or []):
        try:
            parse_feature(feature, Path(source), index)
        except Exception as exc:
            raise InputError(f"{source}: feature #{index}: {exc}") from exc
        features[feature["properties"]["id"]] = feature
    rules = []
    for index, raw in enumerate(items):
        if not isinstance(raw, dict):
            raise InputError(f"{source}: correction #{index} is not an object")
        data = dict(raw)
        ref = data.pop("new_place", None)
        if ref is not None:
            if ref not in features:
                raise InputError(f"{source}: correction #{index} names unknown place {ref!r}")
            data["new_place"] = features[ref]
        data.pop("id", None)
        try:
            rules.append(Correction.from_dict(data))
        except InputError as exc:
            raise InputError(f"{source}: correction #{index}: {exc}") from exc
    return rules


def dumps(doc: Any) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=1)


# -- candidates for the editor ----------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    """A place an editor can pick for a mention, with why the gazetteers offered it."""

    id: str
    name: str
    kind: str
    country: str | None
    lat: float
    lon: float
    score: float
    reason: str
    online: bool = False  # from an online geocoder: chosen, it becomes a new place

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _choice(c: Candidate) -> Choice:
    bits = [c.source]
    if c.matched and c.matched != c.name:
        bits.append(f"as {c.matched!r}")
    if c.population:
        bits.append(f"population {c.population:,}")
    if c.admin1:
        bits.append(f"in {c.admin1}")
    online = c.source.startswith("geocoder:")
    if online:
        licence = c.raw.get("licence") if isinstance(c.raw, dict) else None
        bits.append(str(licence or "OpenStreetMap data, ODbL"))
    return Choice(
        c.id,
        c.name,
        c.kind,
        c.country,
        c.lat,
        c.lon,
        round(float(c.score), 3),
        ", ".join(bits),
        online,
    )


def search_places(layers: Sequence[Any], name: str, *, limit: int = 25) -> list[Choice]:
    """What the gazetteer layers (curated first, then offline) offer for a name: the
    candidates the resolver chooses among for that name, most likely first per layer."""
    seen: set[str] = set()
    out: list[Choice] = []
    for layer in layers:
        for c in layer.candidates(name, limit=limit):
            if c.id not in seen:
                seen.add(c.id)
                out.append(_choice(c))
    curated = [c for c in out if c.id.startswith("curated:")]
    rest = sorted((c for c in out if not c.id.startswith("curated:")), key=lambda c: -c.score)
    return (curated + rest)[:limit]


# -- corrections as a test set ---------------------------------------------------------------


@dataclass(frozen=True)
class Agreement:
    rule: Correction
    agrees: bool
    engine_says: str  # the engine's own answer for that span


def score_corrections(
    rules: Sequence[Correction],
    article_for_id: Callable[[str], Article | None],
    parse: Callable[[list[Article]], Any],
) -> list[Agreement]:
    """Whether the engine, without any rule, now gets each stored correction right.

    ``parse`` is an engine's parse with no rules; each correction's article is parsed
    once. A place rule agrees when the engine picks the same place (or, for a new place,
    one within 161 km); a "not a place" rule agrees when nothing is placed on the span.
    """
    active = [r for r in rules if not r.undone]
    by_article: dict[str, list[Resolution]] = {}
    articles = {a: article_for_id(a) for a in dict.fromkeys(r.article for r in active)}
    todo = [a for a in articles.values() if a is not None]
    if todo:
        result = parse(todo)
        for res in result.resolutions:
            by_article.setdefault(res.mention.article_id, []).append(res)
    out = []
    for rule in active:
        found = [
            r
            for r in by_article.get(rule.article, [])
            if r.mention.start < rule.end and rule.start < r.mention.end and r.place is not None
        ]
        said = found[0].place if found else None
        engine_says = f"{said.id} {said.name}" if said else "no place"
        if rule.action == "not-a-place":
            agrees = said is None
        elif said is None:
            agrees = False
        elif said.id == rule.target_id:
            agrees = True
        elif rule.action == "new-place" and rule.new_place and said.lat is not None:
            lon, lat = rule.new_place["geometry"]["coordinates"][:2]
            agrees = haversine_km(lat, lon, said.lat, said.lon or 0.0) <= AGREE_KM
        else:
            agrees = False
        out.append(Agreement(rule, agrees, engine_says))
    return out


def format_agreements(results: Sequence[Agreement]) -> str:
    lines = []
    for a in results:
        r = a.rule
        mark = "agree" if a.agrees else "DIFFER"
        lines.append(
            f"{mark:6} #{r.id} {r.article}[{r.start}:{r.end}] {r.surface!r} ({r.scope}): "
            f"rule {r.describe_new()}; engine {a.engine_says}"
        )
    agree = sum(a.agrees for a in results)
    lines.append(
        f"the engine alone agrees with {agree} of {len(results)} stored corrections"
        + (f" ({agree / len(results):.0%})" if results else "")
    )
    return "\n".join(lines)


def place_lookup(
    curated: Any, offline: Any, rules: Sequence[Correction] = ()
) -> Callable[[str], Place | None]:
    """Turn a place id into a Place through the gazetteer layers (and the new places of
    ``rules``), for :func:`apply_rules` during a parse."""
    made = {
        r.target_id: feature_place(r.new_place)
        for r in rules
        if r.action == "new-place" and r.new_place
    }

    def lookup(place_id: str) -> Place | None:
        if place_id in made:
            return made[place_id]
        if place_id.startswith("curated:"):
            feature = curated.get(place_id)
            return curated.to_candidate(feature).to_place() if feature is not None else None
        cand = offline.get(place_id)
        return cand.to_place() if cand is not None else None

    return lookup


# -- the store side: rules of a store, re-resolving what a rule touches, editors -------------


def rules_from(db_url: Any) -> list[Correction]:
    """The active rules of the store at ``db_url`` (an SQLite path or a PostgreSQL URL; none
    when there is no SQLite store yet: reading rules never creates a database)."""
    from geomap.store import Store

    if not Store.exists(db_url):
        return []
    with Store.open(db_url) as store:
        return store.corrections(active_only=True)


def affected_articles(store: Any, rule: Correction) -> list[str]:
    """The stored articles a rule can change: its own article for "mention" and
    "article" scope; for "everywhere", every article whose text has the name as a word."""
    if rule.scope != "everywhere":
        return [rule.article] if store.article(rule.article) is not None else []
    word = re.compile(rf"(?<![\w-]){re.escape(rule.surface)}(?!\w)", re.IGNORECASE)
    out = []
    for article_id in store.articles_naming(rule.surface):
        article = store.article(article_id)
        if article is not None and word.search(article.text):
            out.append(article_id)
    return out


def reapply(
    store: Any, parse: Callable[[list[Article]], Any], rules: Iterable[Correction]
) -> list[str]:
    """Re-resolve the stored articles that ``rules`` touch with ``parse`` (an engine that
    holds the store's current rules) and store the new decisions; the other articles are
    not read again. Returns the ids of the articles rewritten."""
    ids = list(dict.fromkeys(a for rule in rules for a in affected_articles(store, rule)))
    articles = [a for a in (store.article(i) for i in ids) if a is not None]
    if not articles:
        return []
    result = parse(articles)
    by_article: dict[str, list[Resolution]] = {a.id: [] for a in articles}
    for res in result.resolutions:
        by_article.setdefault(res.mention.article_id, []).append(res)
    for article in articles:
        store.rewrite_article(article, by_article[article.id])
    return [a.id for a in articles]


def token_hash(token: str) -> str:
    """Tokens are 256 random bits, so one SHA-256 is enough to keep them unreadable at rest
    and lets a token be looked up directly (no per-editor slow hash to try)."""
    import hashlib

    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def add_editor(store: Any, name: str) -> str:
    """Create an editor and return its token (shown once; only its hash is stored)."""
    name = " ".join(str(name).split())
    if not re.fullmatch(r"[\w.@-][\w .@-]{0,63}", name):
        raise InputError(
            f"editor name {name!r}: use 1-64 letters, digits, spaces, '.', '@', '-' or '_'"
        )
    token = secrets.token_urlsafe(32)
    store.add_editor(name, token_hash(token), now_utc())
    return token


def editor_for_token(store: Any, token: str) -> str | None:
    """The editor a token belongs to, or None."""
    if not token or len(token) > 200:
        return None
    return store.editor_by_token_hash(token_hash(token))


def gazetteer_layers(settings: Any) -> tuple[Any, Any]:
    """The curated and offline layers alone (no spaCy): enough to check a place id or to
    list what an editor can choose, at a fraction of an engine's start-up."""
    from geomap.gazetteer.curated import CuratedGazetteer
    from geomap.gazetteer.index import OfflineGazetteer, ensure_index

    curated = CuratedGazetteer(settings.gazetteer_path)
    offline = OfflineGazetteer(ensure_index(settings.index_file, progress=False))
    return curated, offline


def submit_correction(
    store: Any,
    place_for_id: Callable[[str], Place | None],
    *,
    article_id: str,
    start: int,
    end: int,
    scope: str,
    editor: str,
    place_id: str | None = None,
    not_a_place: bool = False,
    new_place: dict[str, Any] | None = None,
    country: str | None = None,
    note: str = "",
) -> Correction:
    """Check a correction against the store and the gazetteers, then store it as a rule.

    The CLI and the web share this; re-resolving the affected articles is :func:`reapply`.
    """
    article = store.article(article_id)
    if article is None:
        raise InputError(f"no article {article_id!r} in the store")
    place_name = None
    if place_id:
        place = place_for_id(place_id)
        if place is None:
            raise InputError(f"place {place_id!r} is in none of the gazetteers")
        place_name = place.name
    rule = make_correction(
        article,
        start,
        end,
        scope=scope,
        editor=editor,
        place_id=place_id,
        not_a_place=not_a_place,
        new_place=new_place,
        country=country,
        note=note,
        old=store.resolution_at(article_id, start, end),
        place_name=place_name,
    )
    stored = store.add_correction(rule)
    assert stored is not None  # a fresh uid
    return stored


def eval_corrections(db_url: Any, parse: Callable[[list[Article]], Any], as_json: bool) -> str:
    """``geomap eval --corrections``: the agreement report for the store at ``db_url``."""
    from geomap.store import Store

    if not Store.exists(db_url):
        raise InputError(f"{db_url}: no such store")
    with Store.open(db_url) as store:
        results = score_corrections(store.corrections(), store.article, parse)
    if not as_json:
        return format_agreements(results)
    return json.dumps(
        {
            "corrections": len(results),
            "agree": sum(a.agrees for a in results),
            "cases": [
                {"id": a.rule.id, "agrees": a.agrees, "engine": a.engine_says, "rule": a.rule.uid}
                for a in results
            ],
        },
        indent=2,
    )
