"""Another web site against the app, in headless Debian Chromium: a page on a second loopback
origin that submits a form to the app's /add on load (a JSON upload naming a stored article)
changes nothing, and a script injected into the app's page does not run (CSP nonces) while
the map's own scripts do."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import CHROMIUM, FakeEngine

pytestmark = pytest.mark.browser
sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
if not Path(CHROMIUM).exists():
    pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)", allow_module_level=True)

from conftest import serving  # noqa: E402

from geomap.store import Store  # noqa: E402

SEED_ID = "000_42821f2fae6c857c"

ATTACK = """<!DOCTYPE html><html><body>
<form id="f" method="post" enctype="multipart/form-data" action="{target}/add">
  <input type="file" name="file"><input type="hidden" name="csrf_token" value="guessed">
</form>
<script>
  const doc = JSON.stringify({{id: "{article}", title: "Rewritten", text: "Nothing happened."}});
  const files = new DataTransfer();
  files.items.add(new File([doc], "evil.json", {{type: "application/json"}}));
  const form = document.getElementById("f");
  form.file.files = files.files;
  form.submit();
</script></body></html>"""


@pytest.fixture
def app_server(tmp_path, basemap_dir, seed_result):
    db = tmp_path / "victim.db"
    with Store(db) as store:
        store.save(seed_result)
    with serving(db, basemap_dir, FakeEngine()) as url:
        yield url, db


@pytest.fixture
def other_origin(app_server):
    """A second site on another loopback port: one page that posts to the app on load."""
    page = ATTACK.format(target=app_server[0], article=SEED_ID).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


def _text(store, article_id: str) -> str:
    article = store.article(article_id)
    assert article is not None, article_id
    return article.text


def store_state(db):
    with Store(db) as store:
        ids = [s.article.id for s in store.articles()]
        return {i: _text(store, i) for i in ids}


def test_a_page_on_another_origin_cannot_change_the_store(browser, app_server, other_origin):
    url, db = app_server
    before = store_state(db)
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(url + "/add")  # the visitor has used the app: a session cookie is set
        assert any(c["name"] == "session" for c in context.cookies(url))
        page.goto(other_origin + "/")
        page.wait_for_url(lambda u: u.startswith(url), timeout=15_000)  # the form was sent
        page.wait_for_load_state()
        assert store_state(db) == before == {SEED_ID: before[SEED_ID]}
        assert page.url == url + "/add"
        assert "refused a POST from another site" in page.content()
    finally:
        context.close()


def test_an_injected_inline_script_does_not_run_but_the_map_does(browser, app_server):
    url, _ = app_server
    context = browser.new_context()
    page = context.new_page()
    messages: list[str] = []
    page.on("console", lambda m: messages.append(m.text))
    page.on("pageerror", lambda e: messages.append(f"page error: {e}"))
    try:
        page.goto(url + "/")
        deadline = time.monotonic() + 15
        while not page.evaluate("() => Boolean(window.geomapMap && window.geomapMap.entries)"):
            assert time.monotonic() < deadline, "the map did not start"
            page.wait_for_timeout(100)
        assert page.locator(".leaflet-marker-icon, .leaflet-interactive").count() > 0
        assert messages == []  # no CSP violation from folium's or our scripts
        # what an injection would do: an inline script and an inline handler, no nonce
        page.evaluate(
            """() => {
                const s = document.createElement("script");
                s.textContent = "window.injected = 1";
                document.body.appendChild(s);
                const img = document.createElement("img");
                img.setAttribute("onerror", "window.injected = 2");
                img.src = "/no-such-image.png";
                document.body.appendChild(img);
            }"""
        )
        page.wait_for_timeout(500)
        assert page.evaluate("() => window.injected") is None
        blocked = [m for m in messages if "Content Security Policy" in m]
        assert len(blocked) >= 2, messages  # both refused, and reported
        assert json.dumps(blocked).count("script-src") >= 2
    finally:
        context.close()
