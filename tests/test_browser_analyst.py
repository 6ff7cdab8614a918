"""The analyst's map in a real browser (Debian Chromium via Playwright, a live server on
127.0.0.1): the opening frame, the date range, the heat-map layer, contested names.

Each test gets its own store holding the real engine's parse of the seed article, so no
test sees what another one added."""

from __future__ import annotations

import pytest
from conftest import SEED_PATH, guarded_page, serving
from test_browser import open_map, wait_js

pytestmark = pytest.mark.browser

SEED_ID = "000_42821f2fae6c857c"
# Natural Earth frames of the two countries (west, south, east, north), rounded outwards.
ARMENIA = (43.4, 38.8, 46.7, 41.35)
AZERBAIJAN = (44.7, 38.35, 50.7, 41.95)


@pytest.fixture(scope="module")
def seed_parsed(engine):
    from geomap.articles import load_articles

    articles, errors = load_articles([SEED_PATH])
    assert not errors
    return engine.parse(articles)


@pytest.fixture
def seed_server(tmp_path, seed_parsed, basemap_dir, engine):
    from geomap.store import Store

    db = tmp_path / "analyst.db"
    with Store(db) as store:
        store.save(seed_parsed)
    with serving(db, basemap_dir, engine) as url:
        yield {"url": url, "db": db}


@pytest.fixture
def page(browser, seed_server):
    with guarded_page(browser, seed_server["url"]) as page:
        yield page


def map_bounds(page):
    return page.evaluate(
        "(() => { const b = window.geomapMap.map.getBounds();"
        " return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]; })()"
    )


def contains(outer, inner):
    return (
        outer[0] <= inner[0]
        and outer[1] <= inner[1]
        and inner[2] <= outer[2]
        and inner[3] <= outer[3]
    )


def layer_in_view(page, name):
    """True when the named polygon is on the map and wholly inside the visible frame."""
    return page.evaluate(
        """name => {
            const api = window.geomapMap;
            const e = api.entries.find(x => x.place.n === name);
            return Boolean(e && api.map.hasLayer(e.layer)
                           && api.map.getBounds().contains(e.layer.getBounds()));
        }""",
        name,
    )


def test_article_page_opens_on_the_south_caucasus(page):
    open_map(page, f"/articles/{SEED_ID}")
    view = map_bounds(page)
    assert contains(view, ARMENIA) and contains(view, AZERBAIJAN)
    assert view[2] - view[0] < 40 and view[3] - view[1] < 25  # not a world view
    assert layer_in_view(page, "Armenia") and layer_in_view(page, "Azerbaijan")
    assert not layer_in_view(page, "California")  # on the map, outside the opening frame
    page.click(".gm-frame-all")
    assert layer_in_view(page, "California") and layer_in_view(page, "Armenia")
    page.click(".gm-frame-focus")
    assert not layer_in_view(page, "California") and layer_in_view(page, "Azerbaijan")


def test_the_map_of_all_articles_opens_on_their_focus(page):
    open_map(page)
    view = map_bounds(page)
    assert contains(view, ARMENIA) and contains(view, AZERBAIJAN)
    assert view[2] - view[0] < 40
    assert "California" in page.evaluate("window.geomapMap.entries.map(e => e.place.n)")
    assert not layer_in_view(page, "California")
    page.click(".gm-frame-all")
    assert layer_in_view(page, "California")
    wait_js(
        page,
        "window.geomapMap.map.getBounds().getEast() - "
        "window.geomapMap.map.getBounds().getWest() > 60",
    )


def shown_places(page):
    return page.evaluate("window.geomapMap.entries.length")


def test_date_range_excluding_the_seed_empties_the_map_and_the_list(page):
    open_map(page)
    assert shown_places(page) > 5 and page.locator(".gm-ranked li").count() > 5
    page.fill("#gm-to", "2023-10-12")
    page.click("#gm-apply")
    page.wait_for_url("**/?*to=2023-10-12*")
    open_map(page, page.url.replace(page.base, ""))
    assert shown_places(page) == 0
    assert page.locator(".gm-ranked li").count() == 0
    assert page.locator(".leaflet-marker-icon").count() == 0
    assert page.locator(".leaflet-gm-areas-pane path, .leaflet-gm-lines-pane path").count() == 0
    assert page.locator("#gm-no-match").is_visible()
    kml = page.locator("a[data-export][href*='kml']").get_attribute("href")
    assert "to=2023-10-12" in kml
    # a click on the seed's day in the histogram brings its places back
    page.click(".gm-bar[data-from='2023-10-13']")
    page.wait_for_url("**/?*from=2023-10-13*")
    open_map(page, page.url.replace(page.base, ""))
    assert shown_places(page) > 5
    assert page.locator(".gm-ranked li").count() == shown_places(page)


def test_heat_map_layer_toggles_offline(page):
    open_map(page)
    assert page.locator("canvas.leaflet-heatmap-layer").count() == 0  # off at first
    page.locator(".leaflet-control-layers").hover()
    toggle = page.locator(".leaflet-control-layers-overlays label", has_text="Heat map")
    toggle.locator("input").check()
    page.locator("canvas.leaflet-heatmap-layer").wait_for()
    # something was drawn: some pixel of the heat canvas is not transparent
    drawn = page.evaluate(
        """() => {
            const c = document.querySelector('canvas.leaflet-heatmap-layer');
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            for (let i = 3; i < d.length; i += 4) if (d[i] > 0) return true;
            return false;
        }"""
    )
    assert drawn
    toggle.locator("input").uncheck()
    assert page.locator("canvas.leaflet-heatmap-layer").count() == 0


def test_karabakh_popup_lists_its_names_with_their_usage(page):
    from test_browser import click_area

    open_map(page)
    click_area(page, "Nagorno-Karabakh")
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    names = popup.locator(".gm-popup-names li")
    rows = {n.split(" – ")[0]: n for n in names.all_inner_texts()}
    assert "Armenian" in rows["Artsakh"] and "hy" in rows["Artsakh"]
    assert "international" in rows["Nagorno-Karabakh"]
    # each excerpt says which name its article used
    popup.locator(".gm-excerpts li").first.wait_for()
    used = popup.locator(".gm-excerpts li", has=page.locator("mark", has_text="Artsakh"))
    assert used.count() >= 1 and "as “Artsakh”" in used.first.inner_text()
    assert "Artsakh ×" in popup.locator(".gm-popup-used").inner_text()


def test_downloads_leave_out_kinds_switched_off(page):
    def kinds():
        href = page.locator("a[data-export][href*='kml']").get_attribute("href")
        return set(href.split("kind=")[1].split("&")[0].split("%2C"))

    open_map(page)
    # demonyms are off by default, so the download leaves them out too
    assert "demonym" not in kinds() and {"city", "country", "region"} <= kinds()
    page.locator(".leaflet-control-layers").hover()
    page.locator(".leaflet-control-layers-overlays label", has_text="Cities").locator(
        "input"
    ).uncheck()
    assert "city" not in kinds() and {"country", "region"} <= kinds()
    page.locator(".leaflet-control-layers-overlays label", has_text="Nationalities").locator(
        "input"
    ).check()
    page.locator(".leaflet-control-layers-overlays label", has_text="Cities").locator(
        "input"
    ).check()
    href = page.locator("a[data-export][href*='kml']").get_attribute("href")
    assert "kind=" not in href  # everything shown: no kind filter
