"""Exports for GIS tools: GeoJSON, CSV, KML (Google Earth) and GeoPackage (QGIS).

GeoJSON and CSV are the writers of ``geomap parse`` (:mod:`geomap.export`); KML and
GeoPackage go through GDAL by way of pyogrio, so the files are what GDAL itself
writes and reads. A GeoPackage has three layers: ``places`` (one feature per place,
its full geometry and mention count), ``mentions`` (one point per mention, at its
place's point) and ``unresolved`` (no geometry). A KML file has one placemark per
place at its point, the name and a plain-text description (GDAL escapes it), so that
Google Earth shows names, not shapes the size of a country.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from geomap.errors import InputError
from geomap.export import feature_collection, result_to_csv
from geomap.models import Article, ParseResult, Place, Resolution

FORMATS = ("geojson", "csv", "kml", "gpkg")
MEDIA_TYPES = {
    "geojson": "application/geo+json",
    "csv": "text/csv; charset=utf-8",
    "kml": "application/vnd.google-earth.kml+xml",
    "gpkg": "application/geopackage+sqlite3",
}
CRS = "EPSG:4326"
GPKG_VERSION = "1.2"  # what every GDAL since 2.2 (and so QGIS) reads without a warning
DESCRIPTION_EXCERPTS = 3  # excerpts quoted in a KML placemark's description


def export_bytes(fmt: str, articles: Sequence[Article], resolutions: Sequence[Resolution]) -> bytes:
    """The selection in ``fmt`` (one of :data:`FORMATS`) as the bytes of a file."""
    if fmt == "geojson":
        doc = feature_collection(articles, resolutions)
        return json.dumps(doc, ensure_ascii=False).encode("utf-8")
    if fmt == "csv":
        return result_to_csv(ParseResult(tuple(articles), tuple(resolutions))).encode("utf-8")
    if fmt not in ("kml", "gpkg"):
        raise InputError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    with tempfile.TemporaryDirectory(prefix="geomap-export-") as tmp:
        path = Path(tmp) / f"export.{fmt}"
        if fmt == "kml":
            write_kml(path, resolutions)
        else:
            write_gpkg(path, articles, resolutions)
        return path.read_bytes()


def _point(place: Place) -> Any:
    """The place's representative point as a shapely Point (lat/lon, else inside it)."""
    import shapely
    from shapely.geometry import shape

    if place.lat is not None and place.lon is not None:
        return shapely.Point(place.lon, place.lat)
    return shape(place.geometry).representative_point()


def _by_place(resolutions: Sequence[Resolution]) -> dict[str, list[Resolution]]:
    out: dict[str, list[Resolution]] = {}
    for r in resolutions:
        if r.place is not None:
            out.setdefault(r.place.id, []).append(r)
    return out


def _strings(values: Sequence[Any]) -> Any:
    import numpy as np

    return np.array(["" if v is None else str(v) for v in values], dtype=object)


def _write(path: Path, geometries: Any, fields: dict[str, Any], **kwargs: Any) -> None:
    import numpy as np
    import shapely
    from pyogrio.raw import write

    wkb = shapely.to_wkb(np.array(geometries, dtype=object)) if geometries is not None else None
    write(
        str(path),
        wkb,
        list(fields.values()),
        list(fields.keys()),
        crs=CRS if geometries is not None else None,
        **kwargs,
    )


def write_kml(path: Path, resolutions: Sequence[Resolution]) -> int:
    """One placemark per place; returns how many."""
    import numpy as np

    groups = _by_place(resolutions)
    places = [rs[0].place for rs in groups.values() if rs[0].place is not None]
    descriptions = []
    for place in places:
        rs = groups[place.id]
        used = sorted({r.mention.text for r in rs} - {place.name})
        lines = [f"{place.kind}, {len(rs)} mention{'s' if len(rs) != 1 else ''}"]
        if used:
            lines.append("named in the articles as: " + ", ".join(used))
        lines += [f"“{r.mention.sentence}” ({r.mention.article_id})" for r in rs][
            :DESCRIPTION_EXCERPTS
        ]
        descriptions.append("\n".join(lines))
    fields = {
        "Name": _strings([p.name for p in places]),
        "Description": _strings(descriptions),
        "place_id": _strings([p.id for p in places]),
        "kind": _strings([p.kind for p in places]),
        "mentions": np.array([len(groups[p.id]) for p in places], dtype="int64"),
        "confidence": np.array(
            [max(r.confidence for r in groups[p.id]) for p in places], dtype="float64"
        ),
    }
    _write(
        path,
        [_point(p) for p in places],
        fields,
        layer="places",
        driver="KML",
        geometry_type="Point",
    )
    return len(places)


def write_gpkg(
    path: Path, articles: Sequence[Article], resolutions: Sequence[Resolution]
) -> dict[str, int]:
    """Layers ``places``, ``mentions`` and ``unresolved``; returns the count of each."""
    import numpy as np
    from shapely.geometry import shape

    dates = {a.id: a.date for a in articles}
    groups = _by_place(resolutions)
    places = [rs[0].place for rs in groups.values() if rs[0].place is not None]
    options = {"dataset_options": {"VERSION": GPKG_VERSION}}
    _write(
        path,
        [shape(p.geometry) for p in places],
        {
            "place_id": _strings([p.id for p in places]),
            "name": _strings([p.name for p in places]),
            "kind": _strings([p.kind for p in places]),
            "status": _strings([p.status for p in places]),
            "country": _strings([p.country for p in places]),
            "source": _strings([p.source for p in places]),
            "aliases": _strings([json.dumps(list(p.aliases), ensure_ascii=False) for p in places]),
            "mentions": np.array([len(groups[p.id]) for p in places], dtype="int64"),
            "confidence": np.array(
                [max(r.confidence for r in groups[p.id]) for p in places], dtype="float64"
            ),
        },
        layer="places",
        driver="GPKG",
        geometry_type="Unknown",
        promote_to_multi=False,
        **options,
    )
    placed = [r for r in resolutions if r.place is not None]
    _write(
        path,
        [_point(r.place) for r in placed if r.place is not None],
        _mention_fields(placed, dates, with_place=True),
        layer="mentions",
        driver="GPKG",
        geometry_type="Point",
        append=True,
    )
    unplaced = [r for r in resolutions if r.place is None]
    _write(
        path,
        None,
        _mention_fields(unplaced, dates, with_place=False),
        layer="unresolved",
        driver="GPKG",
        append=True,
    )
    return {"places": len(places), "mentions": len(placed), "unresolved": len(unplaced)}


def _mention_fields(
    rs: Sequence[Resolution], dates: dict[str, str | None], *, with_place: bool
) -> dict[str, Any]:
    import numpy as np

    fields: dict[str, Any] = {
        "article": _strings([r.mention.article_id for r in rs]),
        "date": _strings([dates.get(r.mention.article_id) for r in rs]),
        "start": np.array([r.mention.start for r in rs], dtype="int64"),
        "end": np.array([r.mention.end for r in rs], dtype="int64"),
        "text": _strings([r.mention.text for r in rs]),
    }
    if with_place:
        fields["place_id"] = _strings([r.place.id if r.place else None for r in rs])
        fields["name"] = _strings([r.place.name if r.place else None for r in rs])
        fields["kind"] = _strings([r.place.kind if r.place else None for r in rs])
        fields["confidence"] = np.array([r.confidence for r in rs], dtype="float64")
    fields["excerpt"] = _strings([r.mention.sentence for r in rs])
    fields["why" if with_place else "reason"] = _strings([r.why for r in rs])
    return fields
