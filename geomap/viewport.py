"""The map at archive scale: one map view's places, clustered on the server.

When a store holds more places than fit a page, the map page embeds none and asks
``/places.geojson?bbox=w,s,e,n&zoom=z`` as the reader pans and zooms. Places smaller than
a grid square (about 64 screen pixels at that zoom) are grouped per kind and square and sent
as one point with its count; a square holding one place sends the place itself; places
larger than a square (countries, regions, corridors) are sent as shapes. The answer is
bounded by the number of squares on screen, whatever the size of the store.
"""

from __future__ import annotations

import json
import logging
import math
import threading
import time
from collections.abc import Iterable
from typing import Any

from geomap.errors import GeomapError, InputError
from geomap.filters import Filters
from geomap.mapview import layer_kind
from geomap.models import Geometry, geometry_bounds
from geomap.store import PlaceSummary, Store, round_coords

Box = tuple[float, float, float, float]
CELL_PX = 64  # grid square, in screen pixels
MAX_SHAPES = 300  # large places drawn as shapes per view, largest first
WORLD_ZOOM = 4  # up to this zoom a view is cut from the cached whole world
CACHE_SECONDS = 60.0
# the order a warm-up computes the world views in: the map usually opens at zoom 2-3
WARM_ORDER = (2, 3, 4, 1, 0)
WAIT_SECONDS = 30.0  # a request whose world view is being computed waits this long for it
MAX_KEPT = 64  # world views kept (each zoom of each filter combination is one)
WORLD: Box = (-180.0, -90.0, 180.0, 90.0)
# (store url, zoom, filters) -> (the store's change stamp, when computed, the world view)
_WORLD_CACHE: dict[tuple[str, int, Filters], tuple[tuple[Any, ...], float, dict[str, Any]]] = {}
_PENDING: dict[tuple[str, int, Filters], threading.Event] = {}
NO_FILTERS = Filters()
_PENDING_LOCK = threading.Lock()
log = logging.getLogger(__name__)


def parse_bbox(raw: str) -> Box:
    """``w,s,e,n`` in degrees; longitudes may run past ±180 (a map panned round the world)."""
    try:
        w, s, e, n = (float(x) for x in raw.split(","))
    except ValueError as exc:
        raise InputError(f"bbox must be four numbers west,south,east,north, not {raw!r}") from exc
    if not all(abs(v) < 1e4 for v in (w, s, e, n)) or s > n or w > e:
        raise InputError(f"bbox {raw!r} is not west,south,east,north in degrees")
    return w, max(-90.0, s), e, min(90.0, n)


def split_box(box: Box) -> list[Box]:
    """The view as boxes within [-180, 180] (two when it crosses the antimeridian)."""
    w, s, e, n = box
    if e - w >= 360:
        return [(-180.0, s, 180.0, n)]
    w0 = (w + 180.0) % 360.0 - 180.0
    e0 = w0 + (e - w)
    if e0 <= 180.0:
        return [(w0, s, e0, n)]
    return [(w0, s, 180.0, n), (-180.0, s, e0 - 360.0, n)]


def cell_degrees(zoom: int) -> float:
    """The grid square for a zoom level: CELL_PX screen pixels in degrees of longitude."""
    return 360.0 / (256 * 2**zoom) * CELL_PX


def simplify_for_view(geometry: Geometry, tolerance: float) -> Geometry:
    """A shape simplified to about one screen pixel (``tolerance`` degrees) and rounded to
    match, so that a world view of countries stays small."""
    if geometry.get("type") == "Point":
        return {"type": "Point", "coordinates": round_coords(geometry["coordinates"], 5)}
    from shapely.geometry import mapping, shape

    digits = max(1, min(6, math.ceil(-math.log10(tolerance)) + 1))
    try:
        simple = shape(geometry).simplify(tolerance, preserve_topology=True)
        out = dict(mapping(simple)) if not simple.is_empty else dict(geometry)
    except (ValueError, TypeError, KeyError, AttributeError, IndexError):
        return geometry
    if "coordinates" in out:
        out["coordinates"] = round_coords(json.loads(json.dumps(out["coordinates"])), digits)
    return out


def place_feature(summary: PlaceSummary, tolerance: float) -> dict[str, Any]:
    place = summary.place
    props: dict[str, Any] = {
        "id": place.id,
        "name": place.name,
        "kind": place.kind,
        "layer": layer_kind(place.kind),
        "mentions": summary.mentions,
    }
    aliases = [a for a in place.aliases if a != place.name]
    if aliases:
        props["aliases"] = aliases
    if place.status:
        props["status"] = place.status
    return {
        "type": "Feature",
        "id": place.id,
        "geometry": simplify_for_view(place.geometry, tolerance),
        "properties": props,
    }


def view(store: Store, box: Box, zoom: int, filters: Filters = NO_FILTERS) -> dict[str, Any]:
    """What the map shows of ``box`` at ``zoom``, as a GeoJSON FeatureCollection: places
    (``properties.id``, ``name``, ``kind``, ``layer``, ``mentions``...) and clusters
    (``properties.cluster: true``, ``layer``, ``places``: how many, ``bbox``).

    Views at zoom <= WORLD_ZOOM hold most of the store whatever their box, so they are cut
    from the whole world at that zoom, computed once (see :func:`world`). ``filters`` (the
    map page's dates, confidence, feed...) keep the places with a mention they select and
    count only those mentions.
    """
    if not 0 <= zoom <= 24:
        raise InputError(f"zoom must be between 0 and 24, not {zoom}")
    if zoom > WORLD_ZOOM:
        return _view(store, box, zoom, filters)
    whole = world(store, zoom, filters)
    parts = split_box(box)

    def inside(feature: dict[str, Any]) -> bool:
        b = feature["properties"].get("bbox") or geometry_bounds(feature["geometry"])
        return b is not None and any(
            b[0] <= e and b[2] >= w and b[1] <= n and b[3] >= s for w, s, e, n in parts
        )

    features = [f for f in whole["features"] if inside(f)]
    clustered = sum(f["properties"].get("places", 0) for f in features)
    return {**whole, "features": features, "clustered": clustered}


def world(store: Store, zoom: int, filters: Filters = NO_FILTERS) -> dict[str, Any]:
    """The whole world at ``zoom`` (<= WORLD_ZOOM), stale-while-revalidate.

    Clustering a million mentions takes a few hundred milliseconds, too slow for a request,
    so the answer is kept per store and zoom. When the store has changed (its change stamp)
    or the answer is older than CACHE_SECONDS, the kept answer is still served and a
    background thread computes the new one (:func:`refresh`): a map is at most one refresh
    behind its store. Only a store never seen before is computed during the request, or
    waited for when :func:`refresh` is already computing it (``geomap serve`` and the map
    page start one as soon as they see a store in viewport mode).
    """
    key = (store.url, zoom, filters)
    hit = _WORLD_CACHE.get(key)
    if hit is not None:
        if time.monotonic() - hit[1] > CACHE_SECONDS or hit[0] != store.change_stamp():
            refresh(store.url, (zoom,), filters)
        return hit[2]
    with _PENDING_LOCK:
        pending = _PENDING.get(key)
    if pending is not None and pending.wait(WAIT_SECONDS):
        hit = _WORLD_CACHE.get(key)
        if hit is not None:
            return hit[2]
    stamp = store.change_stamp()
    doc = _view(store, WORLD, zoom, filters)
    if len(_WORLD_CACHE) > MAX_KEPT:  # many filter combinations: start again
        _WORLD_CACHE.clear()
    _WORLD_CACHE[key] = (stamp, time.monotonic(), doc)
    return doc


def refresh(
    url: str, zooms: Iterable[int] = WARM_ORDER, filters: Filters = NO_FILTERS
) -> threading.Thread | None:
    """Compute the world views of the store at ``url`` for ``zooms`` in a background thread
    with its own connection; views already being computed are skipped. Returns the thread
    (None when there was nothing to do), so a caller may join it."""
    with _PENDING_LOCK:
        todo = [z for z in dict.fromkeys(zooms) if (url, z, filters) not in _PENDING]
        events = {z: threading.Event() for z in todo}
        for z, event in events.items():
            _PENDING[(url, z, filters)] = event
    if not todo:
        return None

    def work() -> None:
        try:
            with Store.open(url) as store:
                for z in todo:
                    stamp = store.change_stamp()  # read first: a write during the work
                    doc = _view(store, WORLD, z, filters)  # makes the next request refresh
                    _WORLD_CACHE[(url, z, filters)] = (stamp, time.monotonic(), doc)
                    with _PENDING_LOCK:
                        _PENDING.pop((url, z, filters), None)
                    events[z].set()
        except GeomapError as exc:
            log.warning("cannot compute the world map views of %s: %s", url, exc)
        finally:
            with _PENDING_LOCK:
                for z, event in events.items():
                    if _PENDING.get((url, z, filters)) is event:
                        del _PENDING[(url, z, filters)]
                    event.set()

    # not a daemon: the interpreter waits for it at exit instead of killing it inside SQLite
    thread = threading.Thread(target=work, name="geomap-world-views", daemon=False)
    thread.start()
    return thread


def settle(url: str, timeout: float = WAIT_SECONDS) -> bool:
    """Wait until no world view of the store at ``url`` is being computed (True), or until
    ``timeout`` seconds have passed (False)."""
    deadline = time.monotonic() + timeout
    while True:
        with _PENDING_LOCK:
            events = [e for (u, _z, _f), e in _PENDING.items() if u == url]
        if not events:
            return True
        for event in events:
            if not event.wait(max(0.0, deadline - time.monotonic())):
                return False


def kept_zooms(url: str) -> list[int]:
    """The zooms whose world view of the store at ``url`` is kept (for tests and logs)."""
    return sorted(z for (u, z, f) in list(_WORLD_CACHE) if u == url and not f)


def warm(url: str) -> threading.Thread | None:
    """Start computing the world views of the store at ``url`` that are not kept yet: called
    when a map page in viewport mode is served (and by ``geomap serve`` at start), so the
    first map view is ready, or nearly, by the time the browser asks for it."""
    missing = [z for z in WARM_ORDER if (url, z, NO_FILTERS) not in _WORLD_CACHE]
    return refresh(url, missing) if missing else None


def _view(store: Store, box: Box, zoom: int, filters: Filters = NO_FILTERS) -> dict[str, Any]:
    cell = cell_degrees(zoom)
    merged: dict[tuple[str, int, int], dict[str, Any]] = {}
    large: list[str] = []
    for part in split_box(box):
        large += store.view_large(part, cell, MAX_SHAPES, filters or None)
        for vc in store.view_clusters(part, cell, filters or None):
            key = (layer_kind(vc.kind), int((vc.lon + 180) // cell), int((vc.lat + 90) // cell))
            into = merged.get(key)
            if into is None:
                merged[key] = {"layer": key[0], "n": vc.places, "one": vc.one,
                               "lon": vc.lon * vc.places, "lat": vc.lat * vc.places,
                               "b": list(vc.bounds)}  # fmt: skip
                continue
            into["n"] += vc.places
            into["lon"] += vc.lon * vc.places
            into["lat"] += vc.lat * vc.places
            b = into["b"]
            into["b"] = [min(b[0], vc.bounds[0]), min(b[1], vc.bounds[1]),
                         max(b[2], vc.bounds[2]), max(b[3], vc.bounds[3])]  # fmt: skip
    groups = list(merged.values())
    singles = [g["one"] for g in groups if g["n"] == 1]
    ordered = list(dict.fromkeys(large[:MAX_SHAPES] + singles))
    summaries = {s.place.id: s for s in store.view_places(ordered, filters or None)}
    tolerance = cell / CELL_PX  # one screen pixel
    features = [place_feature(summaries[i], tolerance) for i in ordered if i in summaries]
    for c in groups:
        if c["n"] > 1:
            features.append(
                {
                    "type": "Feature",
                    "geometry": {
                        "type": "Point",
                        "coordinates": [round(c["lon"] / c["n"], 5), round(c["lat"] / c["n"], 5)],
                    },
                    "properties": {
                        "cluster": True,
                        "layer": c["layer"],
                        "places": c["n"],
                        "bbox": [round(x, 5) for x in c["b"]],
                    },
                }
            )
    return {
        "type": "FeatureCollection",
        "features": features,
        "zoom": zoom,
        "cell": cell,
        "clustered": sum(g["n"] for g in groups if g["n"] > 1),
    }


def search(
    store: Store, query: str, limit: int = 20, filters: Filters = NO_FILTERS
) -> dict[str, Any]:
    """Places whose name or another name contains ``query``, most mentioned first, as a
    FeatureCollection whose features carry their ``bbox`` (to fly the map there)."""
    features = []
    for summary in store.search_places(query, limit, filters or None):
        feature = place_feature(summary, 0.0001)
        feature["bbox"] = list(geometry_bounds(summary.place.geometry) or ())
        features.append(feature)
    return {"type": "FeatureCollection", "features": features}
