"""Data endpoints: the GeoJSON download, popup excerpts on demand, the base layer, the
state of an upload job."""

from __future__ import annotations

import json
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, jsonify, request
from werkzeug.wrappers import Response as WsgiResponse

from geomap.errors import DataMissingError, InputError
from geomap.filters import Filters
from geomap.formats import FORMATS, MEDIA_TYPES, export_bytes
from geomap.mapview import basemap_geojson, excerpt_html
from geomap.store import Store
from geomap.web import get_store
from geomap.web.caching import Body, conditional, etag

bp = Blueprint("api", __name__)

MAX_PAGE = 100


def _int_arg(name: str, default: int, lo: int, hi: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        abort(400, description=f"{name} must be a whole number, not {raw!r}")
    if not lo <= value <= hi:
        abort(400, description=f"{name} must be between {lo} and {hi}")
    return value


def request_filters() -> Filters:
    """The page's filters from the query string (a bad value is a 400 naming it)."""
    return Filters.from_args(request.args)


@bp.get("/places.geojson")
def places_geojson() -> WsgiResponse:
    """The parse schema (RFC 7946 plus foreign members), as a download; takes the page's
    filters (``from``, ``to``, ``min_confidence``, ``article``, ``feed``, ``kind``)."""
    if request.args.get("bbox"):
        return _viewport(get_store())
    store = get_store()
    filters = request_filters()
    article = filters.article
    if article is not None and store.article(article) is None:
        abort(404, description=f"There is no article {article!r} in the store.")
    stamp = store.change_stamp()

    def build() -> Body:
        doc = store.to_geojson(filters=filters)
        return Body.of(json.dumps(doc, ensure_ascii=False).encode("utf-8"))

    def respond(body: Body) -> WsgiResponse:
        name = "geomap-places.geojson" if article is None else "geomap-article.geojson"
        response = Response(
            mimetype="application/geo+json",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
        return body.send(response)

    # the whole store is built once per revision and shared; a selection per request
    key = None if request.args else "places.geojson"
    return conditional(
        stamp, key, lambda s: etag("places", s, request.query_string), build, respond
    )


def _viewport(store: Store) -> Response:
    """One map view, clustered on the server (geomap.viewport): the map of a big store."""
    import json

    from geomap import viewport

    try:
        box = viewport.parse_bbox(request.args["bbox"])
    except InputError as exc:
        abort(400, description=str(exc))
    zoom = _int_arg("zoom", 2, 0, 24)
    doc = viewport.view(store, box, zoom, request_filters())
    body = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
    return Response(body, mimetype="application/geo+json")


@bp.get("/api/places/search")
def places_search() -> Response:
    """Places whose name or other name contains ``q`` (the map's search box in viewport mode)."""
    from geomap import viewport

    query = (request.args.get("q") or "").strip()
    limit = _int_arg("limit", 20, 1, MAX_PAGE)
    if not query:
        return jsonify({"type": "FeatureCollection", "features": []})
    return jsonify(viewport.search(get_store(), query[:200], limit, request_filters()))


@bp.get("/api/places/top")
def places_top() -> Response:
    """The most mentioned places, for the map's list in viewport mode."""
    limit = _int_arg("limit", 200, 1, 1000)
    rows = get_store().top_places(limit, request_filters() or None)
    return jsonify(
        {"places": [{"id": i, "name": n, "mentions": c, "bbox": b} for i, n, c, b in rows]}
    )


@bp.get("/export.<fmt>")
def export(fmt: str) -> Response:
    """The current selection as GeoJSON, CSV, KML or GeoPackage (the page's download menu)."""
    if fmt not in FORMATS:
        abort(404, description=f"No export format {fmt!r}; choose one of {', '.join(FORMATS)}.")
    filters = request_filters()
    store = get_store()
    if filters.article is not None and store.article(filters.article) is None:
        abort(404, description=f"There is no article {filters.article!r} in the store.")
    articles, resolutions = store.selection(filters=filters)
    data = export_bytes(fmt, articles, resolutions)
    return Response(
        data,
        mimetype=MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="geomap-export.{fmt}"'},
    )


@bp.get("/api/places/<path:place_id>/mentions")
def place_mentions(place_id: str) -> Response:
    """One page of a place's excerpts, each with server-escaped HTML for the popup."""
    from geomap.web.pages import map_urls

    offset = _int_arg("offset", 0, 0, 10**9)
    limit = _int_arg("limit", 20, 1, MAX_PAGE)
    filters = request_filters()
    store = get_store()
    place = store.place(place_id)
    if place is None:
        abort(404, description=f"There is no place {place_id!r} in the store.")
    total, rows = store.mentions(place_id, offset=offset, limit=limit, filters=filters)
    urls = map_urls()
    items = [
        {
            "article": r.article_id,
            "title": r.article_title,
            "date": r.article_date,
            "text": r.text,
            "start": r.start,
            "end": r.end,
            "excerpt": r.excerpt,
            "confidence": round(r.confidence, 3),
            "html": str(excerpt_html(r, urls, place.name)),
        }
        for r in rows
    ]
    nxt = offset + len(rows)
    return jsonify(
        {
            "place": {
                "id": place.id,
                "name": place.name,
                "kind": place.kind,
                "aliases": list(place.aliases),
            },
            "total": total,
            "offset": offset,
            "limit": limit,
            "next": nxt if nxt < total else None,
            "items": items,
        }
    )


@bp.get("/static/basemap/countries.geojson")
def basemap() -> Response:
    """Natural Earth country outlines, built once from the installed shapefile."""
    try:
        data = basemap_geojson(Path(current_app.config["BASEMAP_DIR"]))
    except DataMissingError as exc:
        abort(404, description=str(exc))
    response = Response(data, mimetype="application/geo+json")
    response.cache_control.max_age = 7 * 24 * 3600
    response.cache_control.public = True
    return response


@bp.get("/api/jobs/<job_id>")
def job_state(job_id: str) -> Response:
    """An upload job as JSON (``state``: queued, parsing, done or failed; ``parsed`` of
    ``total``; the stored ``articles``; ``errors``), for scripts that upload."""
    from geomap.web.pages import job_target, jobs

    found = jobs().get(job_id)
    if found is None:
        abort(404, description="There is no such upload job here.")
    response = jsonify({**found.to_dict(), "url": job_target(found)})
    response.cache_control.no_store = True
    return response
