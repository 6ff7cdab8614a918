"""Correcting a place as an editor would, in headless Debian Chromium against a live server
on 127.0.0.1 with the real engine: log in, correct a mention for everywhere, see the map
change, add a new article with the same name, undo, and read the audit page."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from conftest import SEED_PATH

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
NAXCIVAN = "Naxçıvan"  # GeoNames' name of the city of Nakhchivan (geonames:147429)
REPUBLIC = "Nakhchivan Autonomous Republic"  # what the curated gazetteer reads "Nakhichevan" as

pytestmark = pytest.mark.browser
sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)", allow_module_level=True)

from conftest import guarded_page, serving  # noqa: E402


@pytest.fixture(scope="module")
def live_server(tmp_path_factory, engine, basemap_dir):
    """The real app and engine over a fresh store holding the seed and one editor."""
    from geomap.articles import load_articles
    from geomap.corrections import add_editor
    from geomap.store import Store, ingest

    db = tmp_path_factory.mktemp("browser-edit") / "edit.db"
    articles, errors = load_articles([SEED_PATH])
    assert not errors
    engine.set_rules(())
    with Store(db) as store:
        assert not ingest(store, engine.parse, articles).errors
        token = add_editor(store, "ana")
    with serving(db, basemap_dir, engine) as url:
        yield {"url": url, "db": db, "token": token}
    engine.set_rules(())  # the session's engine goes back to having no rules


@pytest.fixture
def page(browser, live_server):
    with guarded_page(browser, live_server["url"]) as page:
        yield page


def wait_js(page, expression, timeout=20.0):
    deadline = time.monotonic() + timeout
    while not page.evaluate(f"() => Boolean({expression})"):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {expression}")
        page.wait_for_timeout(100)


def wait_map(page):
    wait_js(page, "window.geomapMap && document.querySelector('.leaflet-gm-base-pane canvas')")


def place_names(page):
    return set(page.evaluate("window.geomapMap.entries.map(e => e.place.n)"))


def open_popup(page, name):
    page.fill(".gm-search", name)
    page.locator(".gm-results a", has_text=name).first.click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    return popup


def test_correct_everywhere_then_new_article_then_undo(page, live_server):
    page.goto(page.base + "/")
    wait_map(page)
    assert REPUBLIC in place_names(page) and NAXCIVAN not in place_names(page)

    # log in from the map page and come back to it
    page.click("text=Log in to edit")
    page.fill("input[name=name]", "ana")
    page.fill("input[name=token]", live_server["token"])
    page.click("main button[type=submit]")
    page.wait_for_url(page.base + "/")
    wait_map(page)
    assert page.locator(".gm-editor").inner_text() == "editor: ana"

    # click the mention in the place's popup and choose the city, everywhere
    popup = open_popup(page, "Nakhchivan")
    item = popup.locator("li[data-text='Nakhichevan']").first
    item.locator(".gm-edit-open").click()
    panel = page.locator(".gm-edit-panel")
    panel.wait_for()
    assert "Correct “Nakhichevan”" in panel.locator("h2").inner_text()
    choice = panel.locator("input[value='place:geonames:147429']")
    choice.wait_for()
    assert panel.locator(".gm-edit-option", has_text=REPUBLIC).count() == 1  # the old one too
    choice.check()
    panel.locator("select[name=scope]").select_option("everywhere")
    panel.locator("textarea[name=note]").fill("<b>the city</b>, not the republic")
    with page.expect_navigation():
        panel.locator(".gm-edit-save").click()
    wait_map(page)
    names = place_names(page)
    assert NAXCIVAN in names and REPUBLIC not in names

    # a new article with the same name gets the corrected place
    page.goto(page.base + "/add")
    page.fill("input[name=title]", "Border trade")
    page.fill("textarea[name=text]", "Trucks crossed into Nakhichevan on Monday, officials said.")
    page.click("main button[type=submit]")
    page.wait_for_url("**/articles/paste-*")
    wait_map(page)
    assert page.locator(".gm-text mark", has_text="Nakhichevan").count() == 1
    assert place_names(page) == {NAXCIVAN}
    new_article = page.url

    # undo from the audit page: every article it had touched reverts
    page.goto(page.base + "/corrections")
    rows = page.locator("table.gm-audit tbody tr")
    assert rows.count() == 1
    assert "<b>the city</b>, not the republic" in rows.first.inner_text()  # shown as text
    assert page.locator("table.gm-audit b").count() == 0
    with page.expect_navigation():
        page.locator("button.gm-undo").click()
    rows = page.locator("table.gm-audit tbody tr")
    assert rows.count() == 2
    assert rows.nth(0).get_attribute("class") == "gm-event-undo"
    assert rows.nth(1).get_attribute("class") == "gm-event-correction"
    undo_text, fix_text = rows.nth(0).inner_text(), rows.nth(1).inner_text()
    assert re.search(r"curated:nakhchivan .*→ geonames:147429", fix_text)
    assert re.search(r"geonames:147429 .*→ curated:nakhchivan", undo_text)
    assert "ana" in undo_text and "everywhere" in fix_text

    page.goto(page.base + "/")
    wait_map(page)
    names = place_names(page)
    assert REPUBLIC in names and NAXCIVAN not in names
    page.goto(new_article)
    wait_map(page)
    assert place_names(page) == {REPUBLIC}


def test_a_new_place_by_clicking_the_map(page, live_server):
    page.goto(page.base + "/login?next=/articles/000_42821f2fae6c857c")
    page.fill("input[name=name]", "ana")
    page.fill("input[name=token]", live_server["token"])
    page.click("main button[type=submit]")
    page.wait_for_url("**/articles/000_42821f2fae6c857c")
    wait_map(page)
    # the first "Ankara" in the text: its own correct button, beside the mention
    page.locator(".gm-text [data-text='Ankara'] + .gm-edit-inline").first.click()
    panel = page.locator(".gm-edit-panel")
    panel.wait_for()
    panel.locator("input[value='new-place']").check()
    panel.locator("input[name=new_name]").fill("Esenboğa checkpoint")
    panel.locator("select[name=kind]").select_option("checkpoint")
    # a spot of bare map (no marker, control or panel over it), clicked with the mouse
    spot = page.evaluate(
        """() => {
            const map = window.geomapMap.map.getContainer();
            const box = map.getBoundingClientRect();
            for (let i = 2; i < 10; i++) for (let j = 2; j < 10; j++) {
                const x = box.left + box.width * j / 11, y = box.top + box.height * i / 11;
                const hit = document.elementFromPoint(x, y);
                if (hit === map || (hit && hit.closest('.leaflet-gm-base-pane'))) return [x, y];
            }
            return null;
        }"""
    )
    assert spot is not None, "no bare spot of map to click"
    page.mouse.click(spot[0], spot[1])
    assert panel.locator("input[name=lat]").input_value() != ""
    assert panel.locator("input[name=lon]").input_value() != ""
    panel.locator("select[name=scope]").select_option("mention")
    with page.expect_navigation(), page.expect_response("**/api/corrections") as saved:
        panel.locator(".gm-edit-save").click()
    assert saved.value.status == 201, saved.value.text()
    wait_map(page)
    assert "Esenboğa checkpoint" in place_names(page)
    title = page.locator(".gm-text a.gm-mention[data-text='Ankara']").first.get_attribute("title")
    assert title.startswith("Esenboğa checkpoint (checkpoint)")
