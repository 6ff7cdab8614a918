"""The map in a real browser: headless Debian Chromium driven by Playwright, against a live
server on 127.0.0.1. No browser download: skipped where /usr/bin/chromium or Playwright is
missing (``.ci/run`` installs the ``chromium`` package so that CI runs it)."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import SEED_PATH, guarded_page, serving

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = pytest.mark.browser
sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
if not CHROMIUM.exists():
    pytest.skip(
        f"{CHROMIUM} is missing (apt-get install chromium) - browser tests skipped",
        allow_module_level=True,
    )


@pytest.fixture(scope="module")
def live_server(tmp_path_factory, engine, basemap_dir):
    """The real app (real engine, real seed) served by werkzeug on a free loopback port."""
    from geomap.articles import load_articles
    from geomap.store import Store, ingest

    db = tmp_path_factory.mktemp("browser") / "browser.db"
    articles, errors = load_articles([SEED_PATH])
    assert not errors
    with Store(db) as store:
        report = ingest(store, engine.parse, articles)
        assert not report.errors
    with serving(db, basemap_dir, engine) as url:
        yield {"url": url, "db": db}


@pytest.fixture
def page(browser, live_server):
    with guarded_page(browser, live_server["url"]) as page:
        yield page


def wait_js(page, expression, timeout=15.0):
    """Poll a JS expression (page.wait_for_function would need 'unsafe-eval' under our CSP)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(f"() => Boolean({expression})"):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {expression}")
        page.wait_for_timeout(100)


def open_map(page, path="/"):
    """Load a page with a map and wait for its places and the base layer."""
    page.goto(page.base + path)
    wait_js(page, "window.geomapMap && document.querySelector('.leaflet-gm-base-pane canvas')")


def place_names(page):
    return page.evaluate("window.geomapMap.entries.map(e => e.place.n)")


def click_area(page, name):
    """Zoom to a polygon or line and click it where nothing covers it (a real mouse click)."""
    page.evaluate(
        """name => {
            const api = window.geomapMap;
            const e = api.entries.find(x => x.place.n === name);
            api.map.fitBounds(e.layer.getBounds(), {animate: false, maxZoom: 9});
        }""",
        name,
    )
    find = """name => {
        const api = window.geomapMap;
        const e = api.entries.find(x => x.place.n === name);
        const box = api.map.getContainer().getBoundingClientRect();
        const b = e.layer.getBounds();
        const tries = [e.layer.getCenter()];
        for (let i = 1; i < 8; i++) for (let j = 1; j < 8; j++) {
            tries.push(L.latLng(b.getSouth() + (b.getNorth() - b.getSouth()) * i / 8,
                                b.getWest() + (b.getEast() - b.getWest()) * j / 8));
        }
        for (const ll of tries) {
            const p = api.map.latLngToContainerPoint(ll);
            const x = box.left + p.x, y = box.top + p.y;
            if (document.elementFromPoint(x, y) === e.layer._path) return [x, y];
        }
        return null;
    }"""
    deadline = time.monotonic() + 15
    point = page.evaluate(find, name)
    while point is None and time.monotonic() < deadline:
        page.wait_for_timeout(200)  # the map may still be settling
        point = page.evaluate(find, name)
    assert point is not None, f"no visible point of {name} to click"
    page.mouse.click(point[0], point[1])


def test_map_renders_offline(page):
    open_map(page)
    wait_js(page, "document.querySelectorAll('.leaflet-gm-areas-pane path').length > 0")
    names = place_names(page)
    assert {"Yerevan", "Baku", "Nagorno-Karabakh", "Zangezur corridor", "Armenia"} <= set(names)
    assert page.locator(".gm-line-label", has_text="Zangezur corridor").is_visible()
    dashed = page.evaluate(
        "window.geomapMap.entries.find(e => e.place.n === 'Zangezur corridor')"
        ".layer.options.dashArray"
    )
    assert dashed  # a proposed corridor is drawn dashed
    assert page.locator(".gm-legend").is_visible()
    assert page.locator(".leaflet-control-layers").count() == 1
    assert page.locator(".gm-ranked li").count() == len(names)
    assert page.locator(".leaflet-marker-icon").count() > 0  # markers or clusters


def test_clicking_yerevan_shows_the_sentence(page):
    open_map(page)
    page.fill(".gm-search", "Yerev")
    page.locator(".gm-results a", has_text="Yerevan").click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    page.locator(".leaflet-popup-close-button").click()
    # now click the marker itself, unclustered after the zoom
    page.locator('.leaflet-marker-icon[title="Yerevan"]').click()
    popup.wait_for()
    assert popup.locator("h3").inner_text() == "Yerevan"
    text = popup.inner_text()
    assert "pressure on Yerevan to open a land link" in text
    assert popup.locator("mark", has_text="Yerevan").count() >= 1
    link = popup.locator("a[href^='/articles/']").first
    assert link.get_attribute("href") == "/articles/000_42821f2fae6c857c"
    ref = popup.locator(".gm-popup-ref")  # the GeoNames id and point, as plain text
    found = re.fullmatch(r"GeoNames (\d+) · ([\d.]+), ([\d.]+)", ref.inner_text())
    assert found is not None
    gid, lat, lon = found.groups()
    assert gid == "616052" and abs(float(lat) - 40.18) < 0.01 and abs(float(lon) - 44.51) < 0.01
    assert ref.locator("a").count() == 0


def test_clicking_karabakh_shows_both_names(page):
    open_map(page)
    click_area(page, "Nagorno-Karabakh")
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert popup.locator("h3").inner_text() == "Nagorno-Karabakh"
    assert "Artsakh" in popup.locator(".gm-popup-aliases").first.inner_text()
    assert popup.locator("mark", has_text="Artsakh").count() >= 1


def test_geojson_download_parses(page, tmp_path):
    open_map(page)
    with page.expect_download() as info:
        page.click("#download-geojson")
    target = tmp_path / "download.geojson"
    info.value.save_as(target)
    doc = json.loads(target.read_text("utf-8"))
    assert doc["type"] == "FeatureCollection"
    names = {f["properties"]["name"] for f in doc["features"]}
    assert {"Yerevan", "Zangezur corridor", "Nagorno-Karabakh"} <= names


def test_pasting_an_article_adds_its_places(page):
    page.goto(page.base + "/add")
    page.fill("input[name=title]", "Storm in Georgia")
    page.fill("textarea[name=text]", "Heavy rain flooded streets in Tbilisi and Batumi on Sunday.")
    page.click("button[type=submit]")
    page.wait_for_url("**/articles/paste-*")
    open_map(page, page.url.replace(page.base, ""))
    assert page.locator("h1").inner_text() == "Storm in Georgia"
    assert page.locator(".gm-text mark", has_text="Tbilisi").count() == 1
    assert "Tbilisi" in place_names(page)
    open_map(page)
    assert {"Tbilisi", "Yerevan"} <= set(place_names(page))


def test_script_payload_shows_as_text_and_runs_nothing(page, live_server, xss_result):
    from geomap.store import Store

    with Store(live_server["db"]) as store:
        store.save(xss_result)
    page.goto(page.base + "/articles/xss-1")
    wait_js(page, "window.geomapMap")
    assert page.locator("h1").inner_text().startswith("Title <script>window.pwned=1;")
    assert "<img src=x onerror=" in page.locator(".gm-text").inner_text()
    page.locator("a.gm-mention", has_text="Yerevan").click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert "<script>window.pwned=1;alert(1)</script>" in popup.inner_text()
    open_map(page)
    page.locator(".leaflet-control-layers").hover()
    assert page.locator(".leaflet-control-layers-overlays", has_text="<script>").count() == 1
    page.wait_for_timeout(300)
    assert page.evaluate("window.pwned") is None
    assert page.locator("img[src=x]").count() == 0


def test_heavy_popup_loads_its_excerpts_on_demand(page, live_server):
    """More than 20 mentions: the popup fetches them page by page instead of inlining."""
    from conftest import SAMPLE_PLACES, build_result

    from geomap.models import Article
    from geomap.store import Store

    with Store(live_server["db"]) as store:
        for i in range(25):
            art = Article(
                f"baku-{i:02d}",
                f"Report {i}: talks went on in Baku today.",
                title=f"Baku report {i}",
                date="2024-02-01",
            )
            store.save(build_result(art, {"Baku": SAMPLE_PLACES["Baku"]}))
    fetched: list[str] = []

    def request(req: Any) -> None:
        if "/mentions" in req.url:
            fetched.append(req.url)

    page.on("request", request)
    open_map(page)
    page.fill(".gm-search", "Baku")
    page.locator(".gm-results a", has_text="Baku").first.click()
    items = page.locator(".leaflet-popup-content .gm-excerpts li")
    items.nth(19).wait_for()
    assert items.count() == 20 and len(fetched) == 1
    assert "<mark>Baku</mark>" in items.first.inner_html()
    more = page.locator(".leaflet-popup-content .gm-more")
    assert "left" in more.inner_text()
    more.click()
    items.nth(20).wait_for()
    wait_js(page, "!document.querySelector('.leaflet-popup-content .gm-more')")
    total = page.evaluate("window.geomapMap.entries.find(e => e.place.n === 'Baku').place.c")
    assert items.count() == total > 25 and len(fetched) == 2
