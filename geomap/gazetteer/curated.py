"""The curated gazetteer: hand-checked places from ``data/gazetteer/*.geojson``.

Curated features cover what the general offline layer gets wrong or lacks:
contested places under every name (Artsakh / Nagorno-Karabakh), corridors and
borders as lines, regions and seas as polygons. Each file is an RFC 7946
FeatureCollection; the properties are described in ``DESIGN.md``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from geomap.errors import DataMissingError, GazetteerError
from geomap.gazetteer.base import GazetteerLayer, normalize
from geomap.models import Candidate, Geometry

GEOMETRY_TYPES = frozenset(
    {"Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon"}
)


@dataclass(frozen=True)
class CuratedFeature:
    """One curated place as read from a file, with its representative point."""

    id: str
    name: str
    kind: str
    geometry: Geometry = field(compare=False, hash=False)
    aliases: tuple[str, ...] = ()
    status: str | None = None
    country: str | None = None
    lat: float = 0.0
    lon: float = 0.0
    file: str = ""
    properties: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    geonames_id: int | None = None  # listed only where an installed GeoNames source confirms it

    def names(self) -> list[str]:
        """The primary name first, then every alias (duplicates removed, order kept)."""
        return list(dict.fromkeys([self.name, *self.aliases]))


def representative_point(geom: BaseGeometry) -> tuple[float, float]:
    """A (lon, lat) point that lies on the geometry, for markers and distances.

    Lines use the point halfway along them (a corridor's centroid can fall off the
    road); polygons use shapely's representative_point (always inside, unlike a
    centroid of a crescent); point groups use their centroid.
    """
    kind = geom.geom_type
    if kind in ("LineString", "MultiLineString"):
        point = geom.interpolate(0.5, normalized=True)
    elif kind in ("Polygon", "MultiPolygon"):
        point = geom.representative_point()
    else:
        point = geom.centroid
    return float(point.x), float(point.y)


def read_collection(path: Path) -> dict[str, Any]:
    """Parse one file as a GeoJSON FeatureCollection, or raise GazetteerError naming it."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise GazetteerError(f"{path}: cannot read curated gazetteer file: {exc}") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise GazetteerError(f"{path}: invalid JSON: {exc}") from exc
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise GazetteerError(f"{path}: not a GeoJSON FeatureCollection")
    if not isinstance(data.get("features"), list):
        raise GazetteerError(f"{path}: FeatureCollection has no 'features' list")
    return data


def parse_feature(feature: Any, path: Path, index: int) -> CuratedFeature:
    """Turn one GeoJSON Feature into a CuratedFeature, or raise GazetteerError."""
    where = f"{path}: feature #{index}"
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise GazetteerError(f"{where}: not a GeoJSON Feature")
    props = feature.get("properties")
    if not isinstance(props, dict):
        raise GazetteerError(f"{where}: no properties")
    fid = props.get("id")
    if isinstance(fid, str) and fid:
        where = f"{path}: feature {fid!r}"
    for key in ("id", "name", "kind"):
        if not isinstance(props.get(key), str) or not props[key].strip():
            raise GazetteerError(f"{where}: missing or empty property {key!r}")
    aliases = props.get("aliases", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        raise GazetteerError(f"{where}: 'aliases' must be a list of strings")
    geometry = feature.get("geometry")
    if not isinstance(geometry, dict) or geometry.get("type") not in GEOMETRY_TYPES:
        raise GazetteerError(f"{where}: missing or unsupported geometry")
    try:
        geom = shape(geometry)
    except Exception as exc:  # shapely raises several types for malformed coordinates
        raise GazetteerError(f"{where}: malformed geometry: {exc}") from exc
    if geom.is_empty or not geom.is_valid:
        raise GazetteerError(f"{where}: invalid {geometry['type']} geometry")
    gid = props.get("geonames_id")
    if gid is not None and (isinstance(gid, bool) or not isinstance(gid, int) or gid <= 0):
        raise GazetteerError(f"{where}: geonames_id must be a positive integer, not {gid!r}")
    lon, lat = representative_point(geom)
    return CuratedFeature(
        id=props["id"],
        name=props["name"],
        kind=props["kind"],
        geometry=geometry,
        aliases=tuple(aliases),
        status=props.get("status") or None,
        country=props.get("country") or None,
        lat=lat,
        lon=lon,
        file=path.name,
        properties=dict(props),
        geonames_id=gid,
    )


def gazetteer_files(directory: Path) -> list[Path]:
    """The curated files of a directory, sorted so ids and clashes are reported stably."""
    directory = Path(directory)
    if not directory.is_dir():
        raise DataMissingError(f"{directory}: curated gazetteer directory not found")
    return sorted(directory.glob("*.geojson"))


def load_curated(directory: Path) -> list[CuratedFeature]:
    """Every feature of every ``*.geojson`` file in ``directory``; ids must be unique."""
    features: list[CuratedFeature] = []
    seen: dict[str, Path] = {}
    for path in gazetteer_files(directory):
        data = read_collection(path)
        for index, raw in enumerate(data["features"]):
            feature = parse_feature(raw, path, index)
            if feature.id in seen:
                raise GazetteerError(
                    f"{path}: duplicate feature id {feature.id!r} (also in {seen[feature.id]})"
                )
            seen[feature.id] = path
            features.append(feature)
    return features


class CuratedGazetteer(GazetteerLayer):
    """The curated layer as a geopy Geocoder: exact look-up of names and aliases."""

    source = "curated"

    def __init__(
        self,
        directory: Path | None = None,
        *,
        features: Iterable[CuratedFeature] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if features is None:
            if directory is None:
                from geomap.config import Settings

                directory = Settings().gazetteer_path
            features = load_curated(Path(directory))
        self._features = list(features)
        self._by_id = {f.id: f for f in self._features}
        # normalized name -> [(feature, surface name, primary)], primary entries first
        self._index: dict[str, list[tuple[CuratedFeature, str, bool]]] = {}
        for feature in self._features:
            for name in feature.names():
                key = normalize(name)
                if not key:
                    continue
                entries = self._index.setdefault(key, [])
                # names() lists the primary name first, so a later spelling of it is skipped
                if not any(f is feature for f, _, _ in entries):
                    entries.append((feature, name, name == feature.name))
        for entries in self._index.values():
            entries.sort(key=lambda e: not e[2])

    @property
    def features(self) -> list[CuratedFeature]:
        return list(self._features)

    def get(self, feature_id: str) -> CuratedFeature | None:
        """The feature with this id (with or without the ``curated:`` prefix)."""
        prefix = f"{self.source}:"
        if feature_id.startswith(prefix):
            feature_id = feature_id[len(prefix) :]
        return self._by_id.get(feature_id)

    def names(self) -> list[tuple[str, str]]:
        """(surface name, feature id) for every name and alias, for the mention matcher."""
        out: list[tuple[str, str]] = []
        for feature in self._features:
            out.extend((name, feature.id) for name in feature.names())
        return out

    def candidates(self, query: str, *, limit: int = 25) -> list[Candidate]:
        """Features whose name or an alias normalizes to the query's key.

        A leading article is optional: "the Sahel" finds "Sahel" and "Gaza Strip" finds a
        feature listed only as "the Gaza Strip".
        """
        key = normalize(query)
        entries = self._index.get(key, [])
        if not entries:
            bare = key[4:] if key.startswith("the ") else f"the {key}"
            entries = self._index.get(bare, [])
        return [self._candidate(f, name, primary) for f, name, primary in entries[:limit]]

    def to_candidate(self, feature: CuratedFeature) -> Candidate:
        """A feature as a candidate matched by its primary name (for id look-ups)."""
        return self._candidate(feature, feature.name, True)

    def _candidate(self, feature: CuratedFeature, matched: str, primary: bool) -> Candidate:
        return Candidate(
            source=self.source,
            source_id=feature.id,
            name=feature.name,
            kind=feature.kind,
            lat=feature.lat,
            lon=feature.lon,
            geometry=feature.geometry,
            country=feature.country,
            matched=matched,
            primary=primary,
            score=1.0 if primary else 0.9,
            aliases=feature.aliases,
            status=feature.status,
            raw=dict(feature.properties),
            geonames_id=feature.geonames_id,
        )
