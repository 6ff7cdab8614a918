"""The values that flow through the pipeline, as frozen dataclasses.

Geometries are GeoJSON mappings (``{"type": ..., "coordinates": ...}``) with
``[lon, lat]`` order, so every stage can hand them to shapely or json as is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Geometry = dict[str, Any]


def geometry_bounds(geometry: Geometry) -> tuple[float, float, float, float] | None:
    """(west, south, east, north) of a GeoJSON geometry, or None when it has no coordinates."""
    xs: list[float] = []
    ys: list[float] = []
    stack = [geometry.get("coordinates")]
    while stack:
        item = stack.pop()
        if not item:
            continue
        if isinstance(item[0], int | float):
            xs.append(float(item[0]))
            ys.append(float(item[1]))
        else:
            stack.extend(item)
    for part in geometry.get("geometries") or ():
        box = geometry_bounds(part)
        if box:
            xs += [box[0], box[2]]
            ys += [box[1], box[3]]
    return (min(xs), min(ys), max(xs), max(ys)) if xs else None


@dataclass(frozen=True)
class Article:
    """One news article. ``text`` is the body: offsets index into it."""

    id: str
    text: str
    title: str | None = None
    url: str | None = None
    date: str | None = None
    source: str | None = None  # where it was read from (path or "<stdin>")

    def meta(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "date": self.date, "url": self.url}


@dataclass(frozen=True)
class Mention:
    """A span of an article's body that names (or may name) a place."""

    article_id: str
    text: str
    start: int
    end: int
    sentence: str = ""  # the sentence holding the mention (the excerpt)
    label: str = ""  # how it was found: "GPE", "LOC", "FAC", "gazetteer", ...
    context: str = ""  # a qualifier found next to it ("Texas" in "Paris, Texas")


@dataclass(frozen=True)
class Candidate:
    """One place a name could refer to, as a gazetteer layer returns it."""

    source: str  # "curated", "geonames", "ne", "admin1", "geocoder:nominatim", ...
    source_id: str  # unique within the source; the place id is f"{source}:{source_id}"
    name: str  # the place's primary name
    kind: str  # country, admin1, city, region, corridor, demonym, ...
    lat: float
    lon: float
    geometry: Geometry | None = field(default=None, compare=False, hash=False)
    population: int = 0
    country: str | None = None  # ISO 3166-1 alpha-2
    admin1: str | None = None  # admin-1 code or name
    feature_code: str | None = None  # GeoNames feature code when known (PPLC, ADM1, ...)
    matched: str = ""  # the name string that matched the query
    primary: bool = True  # True when ``matched`` is the primary name (not an alias)
    score: float = 0.0  # the layer's own relevance score, if any
    aliases: tuple[str, ...] = ()
    status: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    geonames_id: int | None = None  # the same place in GeoNames, for linked-data joins

    @property
    def id(self) -> str:
        return f"{self.source}:{self.source_id}"

    def point_geometry(self) -> Geometry:
        return {"type": "Point", "coordinates": [self.lon, self.lat]}

    def to_place(self) -> Place:
        return Place(
            id=self.id,
            name=self.name,
            kind=self.kind,
            geometry=self.geometry or self.point_geometry(),
            source=self.source,
            aliases=self.aliases,
            status=self.status,
            country=self.country,
            lat=self.lat,
            lon=self.lon,
            extra=self._extra(),
            geonames_id=self.geonames_id,
        )

    def _extra(self) -> dict[str, Any]:
        raw = self.raw if isinstance(self.raw, dict) else {}
        extra = dict(raw.get("provenance", {}))
        # the admin-1 region a place lies in: what an article's focus is made of
        if raw.get("admin1_id") and self.kind not in ("country", "admin1"):
            extra["admin1_id"] = raw["admin1_id"]
            if raw.get("admin1_name"):
                extra["admin1_name"] = raw["admin1_name"]
        # who calls a contested place what (curated ``names``: name, lang, usage)
        if isinstance(raw.get("names"), list):
            extra["names"] = raw["names"]
        return extra


@dataclass(frozen=True)
class Place:
    """A resolved place with a real geometry."""

    id: str
    name: str
    kind: str
    geometry: Geometry = field(compare=False, hash=False)
    source: str
    aliases: tuple[str, ...] = ()
    status: str | None = None
    country: str | None = None
    lat: float | None = None  # a representative point, for markers and distances
    lon: float | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    geonames_id: int | None = None  # the same place in GeoNames (None: GeoNames lacks it)

    @property
    def __geo_interface__(self) -> Geometry:
        return self.geometry

    @property
    def point(self) -> list[float]:
        """One [lon, lat] for the place: the gazetteer's point (GeoNames' coordinate where
        GeoNames has the place), else a point inside the geometry. CSV rows, markers and
        point-based scoring need exactly one coordinate pair per place."""
        if self.lat is not None and self.lon is not None:
            return [self.lon, self.lat]
        from shapely.geometry import shape

        inside = shape(self.geometry).representative_point()
        return [round(inside.x, 6), round(inside.y, 6)]


@dataclass(frozen=True)
class Resolution:
    """The resolver's decision for one mention: a place, or None with the reason."""

    mention: Mention
    place: Place | None
    confidence: float
    why: str  # human-readable: why this place won, or why none did


@dataclass(frozen=True)
class FocusArea:
    """A country or admin-1 region an article is about, and its share of the article."""

    id: str  # ISO 3166-1 alpha-2 code for a country ("AM"), the place id for a region
    name: str
    kind: str  # "country" or "admin1"
    weight: float  # share of the article's placed mentions (0..1)


@dataclass(frozen=True)
class Focus:
    """What an article is about, geographically: computed from its confident places, used
    by resolution (small places of the focus become readable and win ties) and by maps
    (they open framed on ``bbox``)."""

    countries: tuple[FocusArea, ...] = ()  # heaviest first
    admin1: tuple[FocusArea, ...] = ()
    bbox: tuple[float, float, float, float] | None = None  # west, south, east, north

    def main_countries(self, share: float = 0.15) -> list[str]:
        """The countries at least ``share`` of the article is about: where its small places
        are looked for (offline and online)."""
        return [a.id for a in self.countries if a.weight >= share]

    def weight(self, country: str | None) -> float:
        return next((a.weight for a in self.countries if a.id == country), 0.0)

    def region_weight(self, admin1_id: str | None) -> float:
        return next((a.weight for a in self.admin1 if a.id == admin1_id), 0.0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "countries": [
                {"code": a.id, "name": a.name, "weight": a.weight} for a in self.countries
            ],
            "admin1": [{"id": a.id, "name": a.name, "weight": a.weight} for a in self.admin1],
            "bbox": list(self.bbox) if self.bbox else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Focus:
        if not data:
            return cls()
        bbox = data.get("bbox")
        return cls(
            countries=tuple(
                FocusArea(c["code"], c["name"], "country", float(c["weight"]))
                for c in data.get("countries", ())
            ),
            admin1=tuple(
                FocusArea(r["id"], r["name"], "admin1", float(r["weight"]))
                for r in data.get("admin1", ())
            ),
            bbox=(bbox[0], bbox[1], bbox[2], bbox[3]) if bbox else None,
        )


@dataclass(frozen=True)
class ParseResult:
    """What :func:`geomap.pipeline.geoparse` returns: pure data, nothing stored."""

    articles: tuple[Article, ...]
    resolutions: tuple[Resolution, ...]
    errors: tuple[str, ...] = ()  # one-line messages for inputs that failed

    @property
    def resolved(self) -> list[Resolution]:
        return [r for r in self.resolutions if r.place is not None]

    @property
    def unresolved(self) -> list[Resolution]:
        return [r for r in self.resolutions if r.place is None]
