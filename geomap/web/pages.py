"""HTML pages: the map, the article list, an article with its map, the add form and the
page of an upload being parsed."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.wrappers import Response

from geomap import viewport
from geomap.articles import parse_upload, split_date_prefix
from geomap.errors import InputError
from geomap.filters import Filters, Histogram, histogram
from geomap.mapview import LABELS, MapOptions, MapUrls, build_map, render_parts, store_map
from geomap.models import Article, Resolution
from geomap.store import Store
from geomap.web import get_store
from geomap.web.caching import conditional, etag, visitor
from geomap.web.jobs import Job, JobQueue, QueueFull

bp = Blueprint("pages", __name__)

UPLOAD_TYPES = ".txt, .html or .json"


def map_urls() -> MapUrls:
    def vendor(package: str, filename: str) -> str:
        return url_for("vendor.asset", package=package, filename=filename)

    return MapUrls(
        leaflet_js=vendor("leaflet", "leaflet.js"),
        leaflet_css=vendor("leaflet", "leaflet.css"),
        cluster_js=vendor("leaflet.markercluster", "leaflet.markercluster.js"),
        cluster_css=(
            vendor("leaflet.markercluster", "MarkerCluster.css"),
            vendor("leaflet.markercluster", "MarkerCluster.Default.css"),
        ),
        jquery_js=vendor("jquery", "jquery.min.js"),
        heat_js=vendor("leaflet.heat", "templates/leaflet_heat.min.js"),
        map_js=url_for("static", filename="geomap-map.js"),
        map_css=url_for("static", filename="geomap-map.css"),
        basemap=url_for("api.basemap"),
        mentions=url_for("api.place_mentions", place_id="__ID__"),
        article=url_for("pages.article", article_id="__ID__"),
    )


def _tiles() -> str | None:
    from flask import current_app

    tiles = current_app.config.get("TILES")
    return str(tiles) if tiles else None


@dataclass(frozen=True)
class MapPage:
    """What the map page shows for one selection, kept until the store changes."""

    parts: dict[str, Any]
    counts: dict[str, int]
    panel: FilterPanel
    has_places: bool
    label: str
    viewport: bool  # the map loads its views from the server


def page_settings() -> tuple[Any, ...]:
    """The app settings the map page depends on, besides the store and the query."""
    config = current_app.config
    return (config.get("TILES"), config["MAP_PAGE_PLACES"], config.get("EDITING", True))


@bp.get("/")
def index() -> Response:
    """The map; revalidated by ETag and built once per store revision and selection."""
    stamp = get_store().change_stamp()
    settings = page_settings()
    who = visitor()

    def respond(page: MapPage) -> Response:
        if page.viewport:
            viewport.warm(get_store().url)  # the world views, computed while the page travels
        html = render_template(
            "map.html",
            parts=page.parts,
            counts=page.counts,
            panel=page.panel,
            has_places=page.has_places,
            label=page.label,
            max_article_menu=MAX_ARTICLE_MENU,
        )
        return make_response(html)

    return conditional(
        stamp,
        ("index", request.query_string, settings),
        lambda s: etag("index", s, request.query_string, settings, who),
        map_page,
        respond,
        per_visitor=True,
    )


def map_page() -> MapPage:
    store = get_store()
    filters = Filters.from_args(request.args)
    label = request.args.get("label") or "gazetteer"
    if label not in LABELS:
        raise InputError(f"label must be one of {', '.join(LABELS)}, not {label!r}")
    options = MapOptions(
        tiles=_tiles(),
        focus=request.args.get("place") or None,
        filters=filters or None,
        label=label,
    )
    counts = store.counts()
    limit = current_app.config["MAP_PAGE_PLACES"]
    if counts["places"] > limit and (not filters or store.count_places(filters) > limit):
        # too many places for one page: the map loads each view's from the server
        options.viewport = {
            "url": url_for("api.places_geojson"),
            "search": url_for("api.places_search"),
            "top": url_for("api.places_top"),
            "kinds": store.kind_counts(),
        }
        parts = render_parts(build_map([], map_urls(), None, options))
        options.shown = counts["places"]
    else:
        parts = render_parts(store_map(store, map_urls(), options))
    return MapPage(
        parts, counts, filter_panel(filters), options.shown > 0, label, bool(options.viewport)
    )


# -- analyst filters -------------------------------------------------------------------------------


@dataclass(frozen=True)
class FilterPanel:
    """What the map page's filter box shows: the filters, the date histogram, the choices
    for article and feed, the download links and the review count, all for the selection."""

    filters: Filters
    query: str  # the filters as a query string ("" when none)
    histogram: Histogram
    articles: list[tuple[str, str]]  # (id, title)
    feeds: list[str]
    downloads: list[tuple[str, str]]  # (label, url)
    unresolved: int


MAX_ARTICLE_MENU = 300  # more articles than this: the article filter is a text field

DOWNLOADS = (
    ("geojson", "GeoJSON"),
    ("csv", "CSV (one row per mention)"),
    ("kml", "KML (Google Earth)"),
    ("gpkg", "GeoPackage (QGIS)"),
)


def _url(endpoint: str, **values: str) -> str:
    """url_for with query arguments (typed loosely: Flask's stub types its keywords)."""
    return url_for(endpoint, **values)  # type: ignore[arg-type]


def filter_panel(filters: Filters) -> FilterPanel:
    store = get_store()
    query = filters.query()
    return FilterPanel(
        filters=filters,
        query=urlencode(query),
        histogram=histogram(store.mentions_by_day(filters)),
        articles=store.article_titles(MAX_ARTICLE_MENU + 1),
        feeds=store.feeds(),
        downloads=[(label, _url("api.export", fmt=fmt, **query)) for fmt, label in DOWNLOADS],
        unresolved=store.count_unresolved(filters),
    )


def is_abstention(reason: str) -> bool:
    """The resolver's abstentions say "ambiguous: best guess ..."; other reasons mean that
    no gazetteer knew the name (or the geocoder could not be asked)."""
    return reason.startswith("ambiguous")


@dataclass(frozen=True)
class ReviewItem:
    resolution: Resolution
    title: str
    before: str
    marked: str
    after: str
    abstained: bool


def review_item(res: Resolution, titles: dict[str, str]) -> ReviewItem:
    m = res.mention
    text = m.sentence or m.text
    i = text.find(m.text) if m.text else -1
    if i < 0:
        before, marked, after = text, "", ""
    else:
        before, marked, after = text[:i], m.text, text[i + len(m.text) :]
    return ReviewItem(
        res, titles.get(m.article_id, m.article_id), before, marked, after, is_abstention(res.why)
    )


@bp.get("/review")
def review() -> str:
    """Unresolved and abstained mentions with their reasons and excerpts, for the filters."""
    store = get_store()
    filters = Filters.from_args(request.args)
    articles = store.matching_articles(filters=filters)
    titles = {a.id: a.title or a.id for a in articles}
    items = [review_item(r, titles) for r in store.unresolved(filters=filters)]
    return render_template(
        "review.html",
        items=items,
        abstained=sum(1 for i in items if i.abstained),
        filters=filters,
        back=_url("pages.index", **filters.query()),
    )


@bp.get("/articles")
def articles() -> str:
    return render_template("articles.html", articles=get_store().articles())


@dataclass(frozen=True)
class Segment:
    text: str
    resolution: Resolution | None = None


def segments(article: Article, resolutions: list[Resolution]) -> list[Segment]:
    """The body cut into plain text and mentions (overlaps keep the earlier mention)."""
    out: list[Segment] = []
    pos = 0
    for res in sorted(resolutions, key=lambda r: (r.mention.start, -r.mention.end)):
        m = res.mention
        if m.start < pos or m.end > len(article.text) or m.start >= m.end:
            continue
        if m.start > pos:
            out.append(Segment(article.text[pos : m.start]))
        out.append(Segment(article.text[m.start : m.end], res))
        pos = m.end
    if pos < len(article.text):
        out.append(Segment(article.text[pos:]))
    return out


@dataclass(frozen=True)
class ArticlePage:
    """What an article's page shows, kept until the article's decisions change."""

    article: Article
    segments: list[Segment]
    places: list[Any]
    unresolved: list[Resolution]
    source_url: str | None
    parts: dict[str, Any]


@bp.get("/articles/<path:article_id>")
def article(article_id: str) -> Response:
    """An article beside its map; built once per change of the article (its folium map
    costs tens of milliseconds) and revalidated by ETag."""
    store = get_store()
    stamp = store.article_stamp(article_id)
    if stamp is None:
        abort(404, description=f"There is no article {article_id!r} in the store.")
    settings = page_settings()
    who = visitor()

    def build() -> ArticlePage:
        found = store.article(article_id)
        if found is None:  # deleted since the stamp was read
            abort(404, description=f"There is no article {article_id!r} in the store.")
        resolutions = store.resolutions(article_id)
        options = MapOptions(tiles=_tiles(), article=article_id)
        return ArticlePage(
            article=found,
            segments=segments(found, resolutions),
            places=store.places(article=article_id),
            unresolved=[r for r in resolutions if r.place is None],
            source_url=found.url if (found.url or "").startswith(("https://", "http://")) else None,
            parts=render_parts(store_map(store, map_urls(), options)),
        )

    def respond(page: ArticlePage) -> Response:
        html = render_template(
            "article.html",
            article=page.article,
            segments=page.segments,
            places=page.places,
            unresolved=page.unresolved,
            source_url=page.source_url,
            parts=page.parts,
        )
        return make_response(html)

    return conditional(
        stamp,
        ("article", article_id, settings),
        lambda s: etag("article", article_id, s, settings, who),
        build,
        respond,
        per_visitor=True,
    )


def pasted_article(text: str, title: str) -> Article:
    """Pasted text gets an id from its content, so pasting it twice stores it once."""
    date, body = split_date_prefix(text)
    if not body.strip():
        raise InputError("pasted text: empty input")
    digest = hashlib.sha256(body.encode("utf-8")).hexdigest()[:12]
    return Article(
        id=f"paste-{digest}",
        text=body,
        title=title.strip() or None,
        date=date,
        source="pasted text",
    )


def unclaimed_ids(store: Store, new: list[Article]) -> tuple[list[Article], list[str]]:
    """An upload never replaces a stored article (any web page could make a visitor's
    browser send one): an id the store holds with other content is changed to the first
    free ``<id>-2``, ``<id>-3``... (or the one holding this very content), with a notice
    saying so. The same id with the same content is left alone: ingest skips it. Replacing
    an article stays the CLI's ``geomap ingest``. Called by the upload jobs' one thread
    just before it stores, so two queued uploads with one id cannot both take it."""
    out: list[Article] = []
    notices: list[str] = []
    taken: set[str] = set()
    for article in new:
        chosen = article
        n = 1
        while chosen.id in taken or (
            store.article(chosen.id) is not None and not store.is_unchanged(chosen)
        ):
            n += 1
            chosen = replace(article, id=f"{article.id}-{n}")
        if chosen.id != article.id and article.id in taken:
            notices.append(
                f"This upload has more than one article {article.id!r}: "
                f"one of them was stored as {chosen.id!r}."
            )
        elif chosen.id != article.id:
            notices.append(
                f"The store already has an article {article.id!r} with other content: "
                f"this upload was stored as {chosen.id!r}, and {article.id!r} is unchanged."
            )
        taken.add(chosen.id)
        out.append(chosen)
    return out, notices


def jobs() -> JobQueue:
    queue: JobQueue = current_app.extensions["geomap"]["jobs"]
    return queue


@bp.route("/add", methods=["GET", "POST"])
def add() -> str | Response | tuple[str, int]:
    """Read and check the input here; parse it on the upload thread (geomap.web.jobs) and
    send the browser to the job's page."""
    if request.method == "GET":
        return render_template("add.html", error=None, text="", title="")
    text = request.form.get("text", "")
    title = request.form.get("title", "")
    upload = request.files.get("file")
    try:
        if upload is not None and upload.filename:
            new = parse_upload(upload.filename, upload.read())
            if title.strip() and len(new) == 1:
                new = [replace(new[0], title=title.strip())]
        elif text.strip():
            new = [pasted_article(text, title)]
        else:
            raise InputError(f"paste an article's text or choose a file ({UPLOAD_TYPES})")
    except InputError as exc:
        return render_template("add.html", error=str(exc), text=text, title=title), 400
    try:
        job = jobs().submit(new)
    except QueueFull as exc:
        error = f"The server is busy: {exc}."
        busy = make_response(render_template("add.html", error=error, text=text, title=title), 503)
        busy.headers["Retry-After"] = "30"
        return busy
    return redirect(url_for("pages.job", job_id=job.id), code=303)


JOB_REFRESH_SECONDS = 1


def job_target(job: Job) -> str | None:
    """Where a finished upload is shown: its article, or the list when it held several."""
    if not job.stored:
        return None
    if job.total == 1 and len(job.stored) == 1:
        return url_for("pages.article", article_id=job.stored[0])
    return url_for("pages.articles")


@bp.get("/jobs/<job_id>")
def job(job_id: str) -> Response:
    """An upload's progress; once it is stored without errors, its article page."""
    found = jobs().get(job_id)
    if found is None:
        abort(
            404,
            description="There is no such upload job here (jobs are kept in the server's "
            "memory and forgotten when it restarts).",
        )
    target = job_target(found)
    if found.state == "done" and not found.errors and target is not None:
        for notice in found.notices:  # shown on the article's page
            flash(notice)
        response = redirect(target, code=303)
    else:
        html = render_template("job.html", job=found, target=target, refresh=JOB_REFRESH_SECONDS)
        response = make_response(html)
    response.cache_control.no_store = True
    return response
