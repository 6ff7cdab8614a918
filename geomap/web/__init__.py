"""The geomap web app: a Flask factory over the store, the map and the engine.

``create_app(config)`` in the flaskr style. Config keys: ``DATABASE`` (the SQLite
store), ``TILES`` (None = offline Natural Earth base layer), ``MAX_CONTENT_LENGTH``
(uploads, 5 MB by default), ``ENGINE`` (a zero-argument factory for the parsing
engine, called once, lazily, on the first upload), ``BASEMAP_DIR`` (where the base
layer is cached), ``MAP_PAGE_PLACES`` (above this many places the map loads each
view's places from the server instead of embedding them all; 5000), ``TRUSTED_HOSTS``
(host names the app answers to besides the loopback ones; see geomap.web.security),
``MAX_QUEUED_JOBS`` and ``MAX_QUEUED_BYTES`` (uploads, and characters of their text,
waiting to be parsed before more are refused with 503; 1000 and 64 MB).

Uploads are parsed by one background thread per app (geomap.web.jobs); the map page and
``/places.geojson`` are kept per store revision and revalidated by ETag (geomap.web.caching).
"""

from __future__ import annotations

import gzip
import threading
from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask, Response, current_app, g, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from geomap.errors import GeomapError, InputError, StoreError
from geomap.store import Store
from geomap.web.caching import StoreCache
from geomap.web.jobs import MAX_QUEUED, MAX_QUEUED_BYTES, JobQueue

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
# More places than this and "/" loads them per view from the server (geomap.viewport):
# a page embedding 10,000 places weighs about 1.4 MB.
MAP_PAGE_PLACES = 5000


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    from geomap.config import data_dir, load_settings

    app = Flask(__name__)
    settings = None
    if not config or "DATABASE" not in config or "TILES" not in config:
        settings = load_settings()
    app.config.from_mapping(
        DATABASE=settings.db_url if settings else None,
        TILES=settings.tiles if settings else None,
        MAX_CONTENT_LENGTH=MAX_UPLOAD_BYTES,
        ENGINE=None,
        BASEMAP_DIR=str(data_dir()),
        MAP_PAGE_PLACES=MAP_PAGE_PLACES,
        MAX_QUEUED_JOBS=MAX_QUEUED,
        MAX_QUEUED_BYTES=MAX_QUEUED_BYTES,
    )
    if config:
        app.config.update(config)
    if not config or "MAX_FORM_MEMORY_SIZE" not in config:
        # pasted text is a form field, not a file: give it the same limit as uploads
        app.config["MAX_FORM_MEMORY_SIZE"] = app.config["MAX_CONTENT_LENGTH"]
    app.extensions["geomap"] = {
        "lock": threading.Lock(),  # the engine parses one thing at a time
        "engine": None,
        "jobs": JobQueue(app, app.config["MAX_QUEUED_JOBS"], app.config["MAX_QUEUED_BYTES"]),
        "cache": StoreCache(),
    }

    from geomap.web import api, pages, security, vendor

    security.init_app(app)  # host names, origins, body sizes, script nonces: checked first

    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(vendor.bp)
    from geomap.web import edit

    edit.init_app(app)  # editors, corrections, sessions and CSRF
    app.teardown_appcontext(close_store)
    app.after_request(security_headers)
    app.after_request(compress)
    register_error_pages(app)
    return app


def warm_map(app: Flask) -> Any:
    """When the app's store is big enough for the viewport map, start computing its world
    views in the background (``geomap serve`` calls this before it listens), so that even
    the first map view after a start answers from memory. Returns the thread, or None."""
    from geomap import viewport

    url = app.config["DATABASE"]
    with Store.open(url) as store:
        if store.count_places() <= app.config["MAP_PAGE_PLACES"]:
            return None
    return viewport.warm(str(url))


def get_store() -> Store:
    """One store connection per request, closed when the request ends."""
    if "store" not in g:
        g.store = Store(current_app.config["DATABASE"])
    store: Store = g.store
    return store


def close_store(exc: BaseException | None = None) -> None:
    store = g.pop("store", None)
    if store is not None:
        store.close()


def security_headers(response: Response) -> Response:
    """No MIME sniffing (JSON stays data) and no framing by other sites.

    A 304 gets no policy: the browser updates the stored page's headers from it, and the
    policy stored with the page is the one that matches the page's scripts."""
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if response.mimetype == "text/html" and response.status_code != 304:
        response.headers.setdefault("Content-Security-Policy", content_policy())
    return response


COMPRESSIBLE = {
    "text/html",
    "application/json",
    "application/geo+json",
    "text/css",
    "text/javascript",
    "application/javascript",
}
MIN_COMPRESS = 32 * 1024
_GZIP_CACHE: dict[tuple[int, int], bytes] = {}  # the base layer is the same bytes every time


def compress(response: Response) -> Response:
    """gzip big pages and data for clients that accept it (a 10,000-place page: ~4x less)."""
    if (
        response.direct_passthrough
        or response.is_streamed
        or response.status_code != 200
        or "Content-Encoding" in response.headers
        or response.mimetype not in COMPRESSIBLE
        or "gzip" not in request.headers.get("Accept-Encoding", "").lower()
    ):
        return response
    data = response.get_data()
    if len(data) < MIN_COMPRESS:
        return response
    if response.mimetype == "text/html":
        # a page carries its own script nonce, so it is never sent twice: compressed fast
        # (a 400 kB map page: 5 ms at level 1 against 14 ms at 5, for 13 % more bytes)
        packed = gzip.compress(data, compresslevel=1)
    else:
        key = (len(data), hash(data))
        kept = _GZIP_CACHE.get(key)
        if kept is None:
            kept = gzip.compress(data, compresslevel=5)
            if len(_GZIP_CACHE) > 16:
                _GZIP_CACHE.clear()
            _GZIP_CACHE[key] = kept
        packed = kept
    response.set_data(packed)
    response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    return response


def content_policy() -> str:
    """Only the server's own scripts and data (plus tiles when configured) may load.

    Inline scripts (folium writes some) run only with this response's nonce, which every
    <script> tag of our templates carries, so markup injected into a page cannot run.
    Styles keep 'unsafe-inline': Leaflet and folium set inline styles and <style> blocks,
    and a style cannot run code.
    """
    from geomap.web.security import csp_nonce

    images = "'self' data:"
    tiles = current_app.config.get("TILES")
    if tiles:
        from urllib.parse import urlsplit

        from geomap.mapview import OSM_TILES

        url = OSM_TILES if str(tiles).strip().lower() in ("osm", "openstreetmap") else str(tiles)
        parts = urlsplit(url.replace("{s}", "*"))
        if parts.scheme in ("http", "https") and parts.hostname:
            images += f" {parts.scheme}://{parts.netloc}"
    return (
        f"default-src 'self'; script-src 'self' 'nonce-{csp_nonce()}'; "
        "style-src 'self' 'unsafe-inline'; "
        f"img-src {images}; connect-src 'self'; object-src 'none'; base-uri 'self'; "
        "form-action 'self'; frame-ancestors 'self'"
    )


def _default_engine_factory() -> Callable[[], Any]:
    def make() -> Any:
        from geomap.config import load_settings
        from geomap.pipeline import Engine

        return Engine(load_settings({"db": current_app.config["DATABASE"]}))

    return make


def parse_articles(articles: list[Any]) -> Any:
    """Parse with the app's engine: created once per app, used by one caller at a time (the
    upload jobs' thread, or an editor's correction)."""
    ext = current_app.extensions["geomap"]
    with ext["lock"]:
        if ext["engine"] is None:
            factory = current_app.config.get("ENGINE") or _default_engine_factory()
            ext["engine"] = factory()
        sync = getattr(ext["engine"], "set_rules", None)
        if sync is not None:  # the store's corrections apply to new articles too
            sync(get_store().corrections(active_only=True))
        return ext["engine"].parse(articles)


def error_page(status: int, title: str, message: str) -> tuple[Any, int]:
    if request.path.startswith("/api/"):
        return jsonify({"error": message, "status": status}), status
    return render_template("error.html", status=status, title=title, message=message), status


def register_error_pages(app: Flask) -> None:
    """Every error is a short HTML page; a traceback only ever reaches the log."""

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> tuple[Any, int]:
        status = exc.code or 500
        if status == 413:
            limit = app.config.get("MAX_CONTENT_LENGTH") or 0
            return error_page(
                413,
                "Too large",
                f"The upload is larger than the limit of {limit / 1024 / 1024:.1f} MB.",
            )
        return error_page(status, exc.name, exc.description or exc.name)

    @app.errorhandler(InputError)
    def input_error(exc: InputError) -> tuple[Any, int]:
        return error_page(400, "Cannot read the input", str(exc))

    @app.errorhandler(StoreError)
    def store_error(exc: StoreError) -> tuple[Any, int]:
        app.logger.error("store error: %s", exc)
        return error_page(500, "Database error", str(exc))

    @app.errorhandler(GeomapError)
    def geomap_error(exc: GeomapError) -> tuple[Any, int]:
        app.logger.error("geomap error: %s", exc)
        return error_page(500, "geomap error", str(exc))

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> tuple[Any, int]:
        app.logger.exception("unexpected error")
        return error_page(500, "Internal error", "Something went wrong; the log has details.")
