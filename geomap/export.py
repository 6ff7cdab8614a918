"""RFC 7946 output, shared by ``geomap parse``, ``geomap export`` and ``/places.geojson``.

One Feature per place, its mentions as a property; foreign members ``articles``
and ``unresolved`` at the top (allowed by RFC 7946 section 6.1).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import Any

from shapely.geometry import mapping, shape
from shapely.geometry.polygon import orient

from geomap.models import Article, ParseResult, Place, Resolution
from geomap.resolve import article_focus


def rfc7946_geometry(geometry: dict[str, Any]) -> dict[str, Any]:
    """Closed rings, exterior counter-clockwise, holes clockwise (RFC 7946 section 3.1.6)."""
    kind = geometry.get("type")
    if kind not in ("Polygon", "MultiPolygon"):
        return geometry
    geom = shape(geometry)
    if kind == "Polygon":
        fixed = orient(geom, sign=1.0)
    else:
        from shapely.geometry import MultiPolygon

        fixed = MultiPolygon([orient(p, sign=1.0) for p in geom.geoms])
    out = mapping(fixed)
    return json.loads(json.dumps(out))  # tuples -> lists


def mention_record(resolution: Resolution) -> dict[str, Any]:
    m = resolution.mention
    return {
        "article": m.article_id,
        "text": m.text,
        "start": m.start,
        "end": m.end,
        "excerpt": m.sentence,
        "confidence": round(resolution.confidence, 3),
        "why": resolution.why,
    }


def features_from_resolutions(resolutions: Iterable[Resolution]) -> list[dict[str, Any]]:
    features: dict[str, dict[str, Any]] = {}
    for res in resolutions:
        place = res.place
        if place is None:
            continue
        feature = features.get(place.id)
        if feature is None:
            props: dict[str, Any] = {
                "id": place.id,
                "name": place.name,
                "kind": place.kind,
                "status": place.status,
                "aliases": list(place.aliases),
                "country": place.country,
                "source": place.source,
                "geonames_id": place.geonames_id,
                "point": _point(place),
                "confidence": 0.0,
                "mentions": [],
            }
            props.update({k: v for k, v in place.extra.items() if k not in props})
            feature = {
                "type": "Feature",
                "id": place.id,
                "geometry": rfc7946_geometry(place.geometry),
                "properties": props,
            }
            features[place.id] = feature
        props = feature["properties"]
        props["mentions"].append(mention_record(res))
        props["confidence"] = round(max(props["confidence"], res.confidence), 3)
    return list(features.values())


def unresolved_records(resolutions: Iterable[Resolution]) -> list[dict[str, Any]]:
    return [
        {
            "article": r.mention.article_id,
            "text": r.mention.text,
            "start": r.mention.start,
            "end": r.mention.end,
            "excerpt": r.mention.sentence,
            "reason": r.why,
        }
        for r in resolutions
        if r.place is None
    ]


def article_records(
    articles: Iterable[Article], resolutions: Iterable[Resolution]
) -> list[dict[str, Any]]:
    """Each article's metadata with its geographic focus (see :func:`article_focus`)."""
    by_article: dict[str, list[Resolution]] = {}
    for r in resolutions:
        by_article.setdefault(r.mention.article_id, []).append(r)
    return [
        {**a.meta(), "focus": article_focus(by_article.get(a.id, [])).to_dict()} for a in articles
    ]


def feature_collection(
    articles: Iterable[Article], resolutions: Iterable[Resolution]
) -> dict[str, Any]:
    resolutions = list(resolutions)
    return {
        "type": "FeatureCollection",
        "articles": article_records(articles, resolutions),
        "features": features_from_resolutions(resolutions),
        "unresolved": unresolved_records(resolutions),
    }


def result_to_geojson(result: ParseResult) -> dict[str, Any]:
    return feature_collection(result.articles, result.resolutions)


def _point(place: Place) -> list[float]:
    return [round(float(v), 6) for v in place.point]


def place_record(place: Place) -> dict[str, Any]:
    """The place of a mention in ``--format json``: ids, name, kind and one point."""
    lon, lat = _point(place)
    return {
        "id": place.id,
        "geonames_id": place.geonames_id,
        "name": place.name,
        "kind": place.kind,
        "point": [lon, lat],
        "lat": lat,
        "lon": lon,
    }


def result_to_json(result: ParseResult) -> dict[str, Any]:
    """``--format json``: the articles with their focus, and one record per mention."""
    mentions = []
    for r in result.resolutions:
        row = mention_record(r)
        row["place"] = place_record(r.place) if r.place else None
        mentions.append(row)
    return {
        "articles": article_records(result.articles, result.resolutions),
        "mentions": mentions,
    }


CSV_FIELDS = [
    "article",
    "start",
    "end",
    "text",
    "place_id",
    "geonames_id",
    "name",
    "kind",
    "lat",
    "lon",
    "confidence",
]


# a cell starting with one of these is a formula to Excel, LibreOffice and Google Sheets
# (OWASP "CSV injection"); names, titles and ids come from articles and geocoders
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_text(value: str) -> str:
    """A text cell a spreadsheet shows as text: a leading ``'`` defuses a formula. Only for
    text columns: a number such as a negative longitude must stay a number."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def result_to_csv(result: ParseResult) -> str:
    """One row per mention (resolved or not; the place columns are empty when unresolved),
    with one point per place in ``lat``/``lon`` so spreadsheets and GDAL's CSV driver
    (``X_POSSIBLE_NAMES=lon``, ``Y_POSSIBLE_NAMES=lat``) can place it. RFC 4180 quoting;
    text cells that a spreadsheet would run as a formula start with ``'``."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_FIELDS, lineterminator="\r\n")
    writer.writeheader()
    for r in result.resolutions:
        p = r.place
        lon, lat = _point(p) if p else ("", "")
        gid = p.geonames_id if p and p.geonames_id is not None else ""
        writer.writerow(
            {
                "article": csv_text(r.mention.article_id),
                "start": r.mention.start,
                "end": r.mention.end,
                "text": csv_text(r.mention.text),
                "place_id": csv_text(p.id) if p else "",
                "geonames_id": gid,
                "name": csv_text(p.name) if p else "",
                "kind": csv_text(p.kind) if p else "",
                "lat": lat,
                "lon": lon,
                "confidence": round(r.confidence, 3),
            }
        )
    return buf.getvalue()
