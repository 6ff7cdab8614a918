"""The map at archive scale: viewport queries answered the same by the SQLite and the
PostgreSQL store, the /places.geojson?bbox=&zoom= endpoint, and the page in viewport mode
(in headless Chromium where available)."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

from geomap import viewport
from geomap.filters import Filters
from geomap.models import Article, Mention, Place, Resolution
from geomap.store import Store
from geomap.viewport import cell_degrees, split_box
from geomap.web import create_app


def grid_places(n: int) -> list[Place]:
    """``n`` towns on a regular grid over Europe and Asia (lon 0..90, lat 20..60)."""
    side = int(n**0.5) + 1
    out = []
    for i in range(n):
        lon, lat = (i % side) * 90 / side, 20 + (i // side) * 40 / side
        out.append(
            Place(
                f"test:{i}",
                f"Town {i}",
                "town",
                {"type": "Point", "coordinates": [round(lon, 4), round(lat, 4)]},
                "test",
                aliases=(f"Burg{i}",),
                lat=round(lat, 4),
                lon=round(lon, 4),
            )
        )
    return out


def fill(store: Store, seed_result, n_places: int = 240) -> None:
    """The seed article plus articles naming grid towns (town i is named i % 3 + 1 times)."""
    store.save(seed_result)
    batch = []
    for i, place in enumerate(grid_places(n_places)):
        text = " ".join([f"News from {place.name}."] * (i % 3 + 1))
        article = Article(f"g{i}", text, title=f"Grid {i} <b>")
        res = []
        for k in range(i % 3 + 1):
            start = k * (len(place.name) + 11) + 10
            mention = Mention(article.id, place.name, start, start + len(place.name), text)
            res.append(Resolution(mention, place, 0.9, "test"))
        batch.append((article, res))
    store.save_batch(batch)


@pytest.fixture(params=["sqlite", "postgresql"])
def filled(request, tmp_path, seed_result, basemap_dir):
    """A store (either database) holding the seed and 240 grid towns; its app shows at most
    100 places per page, so "/" is in viewport mode."""
    url = (
        str(tmp_path / "big.db") if request.param == "sqlite" else request.getfixturevalue("pg_url")
    )
    with Store.open(url) as store:
        fill(store, seed_result)
    app = create_app(
        {
            "TESTING": True,
            "DATABASE": url,
            "TILES": None,
            "BASEMAP_DIR": str(basemap_dir),
            "MAP_PAGE_PLACES": 100,
        }
    )
    return {"url": url, "client": app.test_client()}


def view(client, bbox: str, zoom: int) -> dict:
    response = client.get(f"/places.geojson?bbox={bbox}&zoom={zoom}")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/geo+json"
    return response.get_json()


def test_world_view_clusters_every_place_once(filled):
    doc = view(filled["client"], "-180,-85,180,85", 2)
    clusters = [f for f in doc["features"] if f["properties"].get("cluster")]
    places = [f for f in doc["features"] if not f["properties"].get("cluster")]
    assert clusters and len(doc["features"]) < 100
    with Store.open(filled["url"]) as store:
        total = store.counts()["places"]
    assert sum(f["properties"]["places"] for f in clusters) + len(places) == total == 247
    assert doc["clustered"] == sum(f["properties"]["places"] for f in clusters)
    for f in clusters:  # each cluster holds one layer's places and says where they are
        w, s, e, n = f["properties"]["bbox"]
        lon, lat = f["geometry"]["coordinates"]
        assert w <= lon <= e and s <= lat <= n
        assert f["properties"]["layer"] in ("town", "city", "admin1", "region", "country")
    # countries and regions larger than a grid square are shapes, not cluster members
    armenia = next(f for f in places if f["properties"]["id"] == "ne:ARM")
    assert armenia["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert armenia["properties"]["mentions"] > 5


def test_the_page_filters_carry_into_viewport_mode(filled):
    client = filled["client"]
    page = client.get("/?kind=town").get_data(as_text=True)
    assert '"viewport":' in page and "kind=town" in page  # 240+ towns: still too many
    with Store.open(filled["url"]) as store:
        towns = store.count_places(Filters(kinds=("town",)))
        assert 240 <= towns < store.count_places()
    doc = view(client, "-180,-85,180,85&kind=town", 2)
    clusters = [f for f in doc["features"] if f["properties"].get("cluster")]
    places = [f for f in doc["features"] if not f["properties"].get("cluster")]
    assert sum(f["properties"]["places"] for f in clusters) + len(places) == towns
    assert {f["properties"]["layer"] for f in doc["features"]} == {"town"}
    assert "ne:ARM" in {
        f["properties"].get("id") for f in view(client, "-180,-85,180,85", 2)["features"]
    }
    top = client.get("/api/places/top?kind=town").get_json()["places"]
    assert top and "ne:ARM" not in {p["id"] for p in top}
    assert client.get("/api/places/search?q=Armenia&kind=town").get_json()["features"] == []
    assert client.get("/api/places/search?q=Armenia").get_json()["features"]
    # a selection small enough for one page is embedded, as for a small store
    few = client.get("/?min_confidence=0.95").get_data(as_text=True)
    assert '"viewport":' not in few


def test_zoomed_view_shows_single_places_with_counts(filled):
    # town 0 sits at (0, 20); at zoom 9 a square is ~0.18 degrees: it is alone in its square
    doc = view(filled["client"], "-0.5,19.5,0.5,20.5", 9)
    [town] = [f for f in doc["features"] if f["properties"].get("id") == "test:0"]
    assert town["properties"]["mentions"] == 1
    assert town["properties"]["aliases"] == ["Burg0"]
    assert town["geometry"] == {"type": "Point", "coordinates": [0.0, 20.0]}
    assert not any(f["properties"].get("cluster") for f in doc["features"])
    # Yerevan, from the seed, is not in this view
    assert all(f["properties"].get("id") != "geonames:616052" for f in doc["features"])


def test_view_across_the_antimeridian_and_bad_requests(filled):
    client = filled["client"]
    # 170..370 east is 170..180 plus -180..10: town 0 at lon 0 is in it
    doc = view(client, "170,19,370,21", 5)
    ids = {f["properties"].get("id") for f in doc["features"]}
    places = sum(f["properties"].get("places", 0) for f in doc["features"])
    assert "test:0" in ids or places > 0
    assert split_box((170, 0, 370, 1)) == [(170, 0, 180, 1), (-180, 0, 10, 1)]
    for bad in ("1,2,3", "a,b,c,d", "10,0,5,1", "0,10,1,5"):
        response = client.get(f"/places.geojson?bbox={bad}&zoom=3")
        assert response.status_code == 400
        assert "bbox" in response.get_data(as_text=True)
    assert client.get("/places.geojson?bbox=0,0,1,1&zoom=99").status_code == 400


def test_both_stores_answer_views_the_same(tmp_path, pg_url, seed_result, basemap_dir):
    answers = []
    for url in (str(tmp_path / "a.db"), pg_url):
        with Store.open(url) as store:
            fill(store, seed_result)
        app = create_app({"TESTING": True, "DATABASE": url, "TILES": None,
                          "BASEMAP_DIR": str(basemap_dir)})  # fmt: skip
        client = app.test_client()
        answers.append(
            [
                view(client, bbox, zoom)
                for bbox, zoom in (("-180,-85,180,85", 2), ("0,20,45,40", 5), ("40,35,50,45", 8))
            ]
            + [client.get("/api/places/search?q=artsakh").get_json()]
            + [client.get("/api/places/top?limit=5").get_json()]
        )

    def canonical(doc):
        if "features" in doc:
            doc["features"].sort(key=lambda f: json.dumps(f, sort_keys=True))
        return doc

    assert [canonical(a) for a in answers[0]] == [canonical(a) for a in answers[1]]


def test_search_and_top_places(filled):
    client = filled["client"]
    found = client.get("/api/places/search?q=ARTSAKH").get_json()["features"]
    assert [f["properties"]["id"] for f in found] == ["curated:nagorno-karabakh"]
    assert len(found[0]["bbox"]) == 4
    towns = client.get("/api/places/search?q=burg1&limit=5").get_json()["features"]
    assert len(towns) == 5 and all("Burg1" in f["properties"]["aliases"][0] for f in towns)
    assert client.get("/api/places/search?q=").get_json()["features"] == []
    top = client.get("/api/places/top?limit=3").get_json()["places"]
    assert top[0]["name"] == "Armenia" and top[0]["mentions"] >= top[1]["mentions"]


def test_map_page_switches_to_viewport_mode(filled, tmp_path, seed_result, basemap_dir):
    page = filled["client"].get("/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '"viewport":' in html and "/places.geojson" in html
    assert "Town 17" not in html  # no place is embedded
    assert len(page.get_data()) < 1_000_000
    # a small store still embeds its places in the page
    small = create_app({"TESTING": True, "DATABASE": str(tmp_path / "s.db"), "TILES": None,
                        "BASEMAP_DIR": str(basemap_dir)})  # fmt: skip
    with Store(tmp_path / "s.db") as store:
        store.save(seed_result)
    html = small.test_client().get("/").get_data(as_text=True)
    assert '"viewport":' not in html and "Yerevan" in html


def test_cell_size_halves_per_zoom():
    assert cell_degrees(3) == pytest.approx(cell_degrees(2) / 2)
    assert cell_degrees(0) == pytest.approx(90.0)


# -- the page in a real browser ------------------------------------------------------------------

CHROMIUM = Path("/usr/bin/chromium")


@pytest.mark.browser
def test_viewport_map_in_chromium(tmp_path, seed_result, basemap_dir):
    sync_api = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    from werkzeug.serving import make_server

    db = tmp_path / "big.db"
    with Store(db) as store:
        fill(store, seed_result)
    app = create_app({"DATABASE": str(db), "TILES": None, "BASEMAP_DIR": str(basemap_dir),
                      "MAP_PAGE_PLACES": 100})  # fmt: skip
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    problems: list[str] = []
    try:
        with sync_api.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1280, "height": 860})

            def guard(route):
                if route.request.url.startswith(base):
                    route.continue_()
                else:
                    problems.append(route.request.url)
                    route.abort()

            page.route("**/*", guard)
            page.on("pageerror", lambda e: problems.append(str(e)))
            page.goto(base + "/")

            def wait(expression: str) -> None:
                deadline = time.monotonic() + 20
                while not page.evaluate(f"() => Boolean({expression})"):
                    assert time.monotonic() < deadline, f"timed out: {expression}"
                    page.wait_for_timeout(100)

            wait("document.querySelector('.folium-map[data-gm-view]')")
            wait("document.querySelectorAll('.gm-cluster').length > 0")  # server clusters
            # search (server side) by another name, pick it: the map flies there and opens it
            page.fill(".gm-search", "Artsakh")
            wait("document.querySelector('.gm-results a[data-place]')")
            page.click(".gm-results a[data-place]")
            wait("document.querySelector('.leaflet-popup-content .gm-popup-name')")
            assert page.inner_text(".gm-popup-name") == "Nagorno-Karabakh"
            wait("document.querySelector('.leaflet-popup-content .gm-excerpts li')")
            # zoom into a cluster of towns by clicking it
            page.evaluate("() => { window.geomapMap.map.closePopup(); }")
            page.evaluate("() => { window.geomapMap.map.setView([30, 45], 3, {animate: false}); }")
            wait("document.querySelectorAll('.gm-cluster').length > 0")
            before = page.evaluate("window.geomapMap.map.getZoom()")
            page.click(".gm-cluster", force=True)  # whichever cluster is on top there
            wait(f"window.geomapMap.map.getZoom() > {before}")
            # the page's filters go with every question the viewport map asks
            page.wait_for_load_state("networkidle")
            page.close()
            page = browser.new_page(viewport={"width": 1280, "height": 860})
            page.route("**/*", guard)
            page.on("pageerror", lambda e: problems.append(str(e)))
            asked: list[str] = []
            page.on("request", lambda r: asked.append(r.url) if "/places" in r.url else None)
            page.goto(base + "/?kind=town")
            wait("document.querySelectorAll('.gm-cluster').length > 0")
            page.fill(".gm-search", "Artsakh")
            wait("document.querySelector('.gm-results .gm-note')")  # not a town
            views = [u for u in asked if "bbox=" in u]
            assert views and all("kind=town" in u for u in views)
            assert all("kind=town" in u for u in asked if "search" in u)
            page.wait_for_load_state("networkidle")  # no request left running in the server
            browser.close()
    finally:
        server.shutdown()
        thread.join(timeout=5)
    assert problems == []


def test_the_viewport_map_page_computes_the_world_views_before_they_are_asked(filled):
    assert viewport.kept_zooms(filled["url"]) == []
    page = filled["client"].get("/")
    assert b'"viewport":' in page.data
    assert viewport.settle(filled["url"], timeout=60)
    assert viewport.kept_zooms(filled["url"]) == list(range(viewport.WORLD_ZOOM + 1))


def test_serve_computes_a_big_stores_world_views_before_the_first_request(
    filled, tmp_path, seed_result, basemap_dir
):
    from geomap.web import warm_map

    app = create_app({"DATABASE": filled["url"], "TILES": None, "MAP_PAGE_PLACES": 100})
    thread = warm_map(app)
    assert thread is not None
    thread.join(timeout=60)
    assert viewport.kept_zooms(filled["url"]) == list(range(viewport.WORLD_ZOOM + 1))
    small = tmp_path / "small.db"
    with Store.open(small) as store:  # the seed alone: the map page embeds its places
        store.save(seed_result)
    assert warm_map(create_app({"DATABASE": str(small), "TILES": None})) is None
    assert viewport.kept_zooms(str(small)) == []


def test_world_views_are_cached_until_the_store_changes(filled):
    client = filled["client"]
    first = view(client, "-180,-85,180,85", 3)
    assert view(client, "-180,-85,180,85", 3) == first
    half = view(client, "45,0,180,85", 3)  # cut from the same cached world
    assert 0 < len(half["features"]) < len(first["features"])
    assert all(
        f["properties"]["bbox"][2] >= 45 for f in half["features"] if "bbox" in f["properties"]
    )
    with Store.open(filled["url"]) as store:  # a new place far from the others
        place = Place("test:new", "Newtown", "town",
                      {"type": "Point", "coordinates": [-120.0, -40.0]}, "test")  # fmt: skip
        article = Article("new", "Newtown is new.", title="New")
        store.save(article, [Resolution(Mention("new", "Newtown", 0, 7, "Newtown"), place, 1, "t")])
    # stale-while-revalidate: the kept world is answered at once while it is recomputed
    ids = {f["properties"].get("id") for f in view(client, "-180,-85,180,85", 3)["features"]}
    assert "test:new" not in ids
    assert viewport.settle(filled["url"], timeout=60)
    ids = {f["properties"].get("id") for f in view(client, "-180,-85,180,85", 3)["features"]}
    assert "test:new" in ids
