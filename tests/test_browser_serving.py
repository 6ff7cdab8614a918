"""Revalidated pages in a real browser (headless Debian Chromium via Playwright): a page the
browser kept and revalidated (304) still runs its scripts under the policy stored with it,
and an upload is followed from its job page to its article."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from conftest import FakeEngine, guarded_page, seed_app

CHROMIUM = Path("/usr/bin/chromium")

pytestmark = pytest.mark.browser
sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
if not CHROMIUM.exists():
    pytest.skip(
        f"{CHROMIUM} is missing (apt-get install chromium) - browser tests skipped",
        allow_module_level=True,
    )


@pytest.fixture
def recorded(tmp_path, seed_result, basemap_dir):
    """The app over the seed on waitress, recording the status of each request it answers."""
    from flask import request

    from geomap.web.server import make_server

    app = seed_app(tmp_path / "b.db", seed_result, basemap_dir, FakeEngine(), TESTING=False)
    statuses: list[tuple[str, int]] = []

    @app.after_request
    def record(response):
        statuses.append((request.path, response.status_code))
        return response

    server = make_server(app, "127.0.0.1", 0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}", statuses
    finally:
        server.close()
        thread.join(timeout=5)
        app.extensions["geomap"]["jobs"].shutdown()


def map_drawn(page, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not page.evaluate("() => Boolean(window.geomapMap && window.geomapMap.entries.length)"):
        assert time.monotonic() < deadline, "the map was not drawn"
        page.wait_for_timeout(100)


def test_a_revalidated_page_still_runs_its_scripts(browser, recorded):
    """The 304 carries no policy, so the page kept with its nonce runs as it did. (Not a
    guarded_page: Playwright turns the browser's cache off when requests are routed.)"""
    base, statuses = recorded
    context = browser.new_context()
    page = context.new_page()
    problems: list[str] = []
    page.on(
        "console",
        lambda m: (
            problems.append(m.text)
            if m.type == "error" or "Content Security Policy" in m.text
            else None
        ),
    )
    page.on("pageerror", lambda e: problems.append(str(e)))
    try:
        for path in ("/", "/articles/000_42821f2fae6c857c"):
            page.goto(base + path)
            map_drawn(page)
            page.goto(base + "/articles")
            page.goto(base + path)  # kept by the browser: asked for with If-None-Match
            map_drawn(page)
            assert statuses.count((path, 304)) == 1, statuses
    finally:
        context.close()
    assert problems == []


def test_an_upload_goes_from_its_job_page_to_its_article(browser, recorded):
    base, statuses = recorded
    with guarded_page(browser, base) as page:
        page.goto(base + "/add")
        page.fill("textarea[name=text]", "Ministers met in Baku and then in Ankara.")
        page.click("main button[type=submit]")
        page.wait_for_url("**/articles/paste-*")
        map_drawn(page)
        assert page.locator(".gm-text mark", has_text="Ankara").count() == 1
    jobs = [p for p, status in statuses if p.startswith("/jobs/")]
    assert jobs and (jobs[-1], 303) in statuses  # through the job's page
