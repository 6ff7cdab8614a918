"""Web write security: CSRF tokens on every form, Origin/Referer and Host checks, uploads that
never replace a stored article, chunked bodies held to the size limit, script nonces (CSP).

Flask test client over a real temporary store, and the real app on a loopback port (werkzeug)
for the chunked requests, sent with http.client."""

from __future__ import annotations

import http.client
import io
import json
import re
import time
import urllib.parse

import pytest
from conftest import FakeEngine, csrf_token, finish_upload, serving
from test_web_edit import csrf_from, login

from geomap.store import Store

SEED_ID = "000_42821f2fae6c857c"


def _text(store: Store, article_id: str) -> str:
    article = store.article(article_id)
    assert article is not None, article_id
    return article.text


def stored(app) -> tuple[dict[str, str], int]:
    """Every article's text by id, and the number of resolutions (what a write would change)."""
    with Store(app.config["DATABASE"]) as store:
        ids = [s.article.id for s in store.articles()]
        texts = {i: _text(store, i) for i in ids}
        return texts, sum(len(store.resolutions(i)) for i in ids)


def json_upload(article: dict, token: str | None) -> dict:
    data: dict = {"file": (io.BytesIO(json.dumps(article).encode()), "upload.json")}
    if token is not None:
        data["csrf_token"] = token
    return data


# -- CSRF and origins ----------------------------------------------------------------------------


def test_add_without_a_csrf_token_is_refused_and_stores_nothing(app, client):
    before = stored(app)
    for data in ({"text": "Talks in Yerevan."}, {"text": "Talks in Yerevan.", "csrf_token": "x"}):
        resp = client.post("/add", data=data)
        assert resp.status_code == 400
        assert re.search(rb"The CSRF (session )?token is missing", resp.data)
        assert b"Reload the page and send the form again" in resp.data
    upload = client.post("/add", data=json_upload({"id": SEED_ID, "text": "Rewritten."}, None))
    assert upload.status_code == 400
    assert stored(app) == before and app.config["FAKE_ENGINE"].calls == 0
    # an anonymous visitor's token comes with a session cookie, and works
    token = csrf_token(client)
    assert client.get_cookie("session") is not None
    assert client.post("/add", data={"text": "In Baku.", "csrf_token": token}).status_code == 303


def test_other_sites_cannot_post_even_with_a_token(app, client):
    token = csrf_token(client)
    before = stored(app)
    evil = {"Origin": "http://evil.example"}
    cases = [
        evil,
        {"Origin": "http://localhost:8080"},  # same host, another port: another origin
        {"Origin": "https://localhost"},  # another scheme
        {"Origin": "null"},  # sandboxed frames and some redirects
        {"Referer": "http://evil.example/page.html"},  # no Origin: the Referer decides
    ]
    for headers in cases:
        resp = client.post(
            "/add", data={"text": "Talks in Yerevan.", "csrf_token": token}, headers=headers
        )
        assert resp.status_code == 403, headers
        assert b"refused a POST from another site" in resp.data
    # logging out and the editing forms are covered as well
    assert client.post("/logout", headers=evil).status_code == 403
    assert stored(app) == before
    same = client.post(
        "/add",
        data={"text": "Talks in Yerevan.", "csrf_token": token},
        headers={"Origin": "http://localhost", "Referer": "http://localhost/add"},
    )
    assert same.status_code == 303


@pytest.fixture
def editor_token(app):
    from geomap.corrections import add_editor

    with Store(app.config["DATABASE"]) as store:
        return add_editor(store, "ana")


def test_a_cross_site_origin_is_refused_with_a_bearer_token_too(app, client, editor_token):
    from test_web_edit import BODY, snapshot

    before = snapshot(app)
    auth = {"Authorization": f"Bearer {editor_token}"}
    refused = client.post(
        "/api/corrections", json=BODY, headers={**auth, "Origin": "http://evil.example"}
    )
    assert refused.status_code == 403 and "another site" in refused.get_json()["error"]
    assert snapshot(app) == before
    # without an Origin it reaches the API, which needs no CSRF token (400 = its own check)
    resp = client.post("/api/corrections", json={**BODY, "scope": "nowhere"}, headers=auth)
    assert resp.status_code == 400 and "'scope' must be one of" in resp.get_json()["error"]


def test_logged_in_forms_still_work_with_their_token(app, client, editor_token):
    assert login(client, token=editor_token).status_code == 303
    token = csrf_from(client.get("/articles").get_data(as_text=True))
    assert client.post("/logout", data={"csrf_token": token}).status_code == 303


# -- host names ------------------------------------------------------------------------------------


def test_unknown_host_names_are_refused(app, client):
    for host in ("localhost", "localhost:5000", "127.0.0.1:8000", "[::1]:5000"):
        assert client.get("/articles", headers={"Host": host}).status_code == 200, host
    for host in ("evil.example", "evil.example:5000", "localhost.evil.example", "127.0.0.2"):
        resp = client.get("/articles", headers={"Host": host})
        assert resp.status_code == 400, host
        assert b"does not answer to the host name" in resp.data and b"--trusted-host" in resp.data
    resp = client.post("/add", data={"text": "x"}, headers={"Host": "evil.example"})
    assert resp.status_code == 400 and b"host name" in resp.data


def test_configured_host_names_are_answered(tmp_path, basemap_dir):
    from geomap.web import create_app

    db = tmp_path / "h.db"
    Store(db).close()
    app = create_app(
        {
            "DATABASE": str(db),
            "TILES": None,
            "BASEMAP_DIR": str(basemap_dir),
            "TRUSTED_HOSTS": ["maps.newsroom.example", ".intra.example", "10.0.0.5"],
        }
    )
    client = app.test_client()
    for host in ("maps.newsroom.example", "a.intra.example:8080", "10.0.0.5:5000", "localhost"):
        assert client.get("/articles", headers={"Host": host}).status_code == 200, host
    for host in ("newsroom.example", "intra.example.evil", "10.0.0.50"):
        assert client.get("/articles", headers={"Host": host}).status_code == 400, host


def test_serve_answers_its_host_and_trusted_hosts(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from geomap.cli import main

    calls = []
    monkeypatch.setattr("geomap.cli_store.run_server", lambda app, *a, **kw: calls.append(app))
    db = str(tmp_path / "s.db")
    args = ["serve", "--db", db, "--host", "10.1.2.3", "--read-only"]
    result = CliRunner().invoke(
        main,
        [*args, "--trusted-host", "maps.example.org", "--trusted-host", "geo.example.org"],
        env={"GEOMAP_TRUSTED_HOSTS": "intranet.example,wiki.example"},
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    client = calls[0].test_client()
    for host in ("10.1.2.3:5000", "maps.example.org", "geo.example.org", "wiki.example", "[::1]"):
        assert client.get("/articles", headers={"Host": host}).status_code == 200, host
    assert client.get("/articles", headers={"Host": "evil.example"}).status_code == 400
    assert "--trusted-host" in CliRunner().invoke(main, ["serve", "--help"]).output


# -- uploads never replace ---------------------------------------------------------------------


def test_an_upload_with_a_stored_id_and_other_content_gets_a_new_id(app, client):
    seed_text = stored(app)[0][SEED_ID]
    token = csrf_token(client)
    evil = {"id": SEED_ID, "title": "Rewritten", "text": "Everything happened in Baku."}
    resp = finish_upload(client, client.post("/add", data=json_upload(evil, token)))
    assert resp.status_code == 303 and resp.headers["Location"] == f"/articles/{SEED_ID}-2"
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Rewritten" in page and "Everything happened in" in page
    assert f"already has an article &#39;{SEED_ID}&#39; with other content" in page
    assert f"stored as &#39;{SEED_ID}-2&#39;" in page
    texts, _ = stored(app)
    assert texts[SEED_ID] == seed_text and set(texts) == {SEED_ID, f"{SEED_ID}-2"}
    # the same upload again: the copy holding it is shown, no third one
    again = finish_upload(client, client.post("/add", data=json_upload(evil, token)))
    assert again.headers["Location"] == f"/articles/{SEED_ID}-2"
    # yet other content: the first free id
    other = client.post("/add", data=json_upload({**evil, "text": "Now in Ankara."}, token))
    other = finish_upload(client, other)
    assert other.headers["Location"] == f"/articles/{SEED_ID}-3"
    assert stored(app)[0][SEED_ID] == seed_text


def test_an_upload_of_the_stored_content_shows_the_stored_article(app, client, seed_article):
    token = csrf_token(client)
    same = {
        "id": SEED_ID,
        "title": seed_article.title,
        "date": seed_article.date,
        "text": seed_article.text,
    }
    before = stored(app)
    resp = finish_upload(client, client.post("/add", data=json_upload(same, token)))
    assert resp.status_code == 303 and resp.headers["Location"] == f"/articles/{SEED_ID}"
    assert "other content" not in client.get(resp.headers["Location"]).get_data(as_text=True)
    assert stored(app) == before and app.config["FAKE_ENGINE"].calls == 0


def test_two_articles_with_one_id_in_an_upload_are_both_kept(app, client):
    token = csrf_token(client)
    batch = [{"id": "twin", "text": "One in Baku."}, {"id": "twin", "text": "Two in Ankara."}]
    data = {"file": (io.BytesIO(json.dumps(batch).encode()), "two.json"), "csrf_token": token}
    resp = finish_upload(client, client.post("/add", data=data))
    assert resp.status_code == 303
    texts, _ = stored(app)
    assert texts["twin"] == "One in Baku." and texts["twin-2"] == "Two in Ankara."


# -- chunked bodies ------------------------------------------------------------------------------


def form_body(text: str, token: str = "") -> bytes:
    return urllib.parse.urlencode({"text": text, "csrf_token": token}).encode()


def test_chunked_form_past_the_limit_is_413_with_the_test_client(app, client):
    token = csrf_token(client)
    limit = app.config["MAX_CONTENT_LENGTH"]
    chunked = {"CONTENT_LENGTH": "", "wsgi.input_terminated": True}
    for size, status in ((limit + 1000, 413), (200_000, 303)):
        text = "In Yerevan. " + "x" * size
        resp = client.post(
            "/add",
            input_stream=io.BytesIO(form_body(text, token)),
            content_type="application/x-www-form-urlencoded",
            headers={"Transfer-Encoding": "chunked"},
            environ_overrides=chunked,
        )
        assert resp.status_code == status, size
        if status == 303:
            assert finish_upload(client, resp).status_code == 303
    texts, _ = stored(app)
    assert [len(t) for t in texts.values() if t.startswith("In Yerevan.")] == [len(text)]


def send_chunked(base: str, body: bytes, cookie: str = "") -> tuple[int, str]:
    parts = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=60)
    try:
        conn.request(
            "POST",
            "/add",
            body=(body[i : i + 65536] for i in range(0, len(body), 65536)),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Transfer-Encoding": "chunked",
                "Cookie": cookie,
            },
            encode_chunked=True,
        )
        resp = conn.getresponse()
        return resp.status, resp.read().decode("utf-8", "replace")
    finally:
        conn.close()


def test_chunked_form_past_the_limit_is_413_on_a_real_server(tmp_path, basemap_dir, seed_result):
    from geomap.web import MAX_UPLOAD_BYTES

    db = tmp_path / "chunked.db"
    with Store(db) as store:
        store.save(seed_result)
    with serving(db, basemap_dir, FakeEngine()) as base:
        parts = urllib.parse.urlsplit(base)
        conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
        conn.request("GET", "/add")
        page = conn.getresponse()
        cookie = page.getheader("Set-Cookie", "").split(";")[0]
        token = csrf_from(page.read().decode())
        conn.close()
        status, text = send_chunked(
            base, form_body("In Yerevan. " + "x" * (MAX_UPLOAD_BYTES + 20_000), token), cookie
        )
        assert status == 413 and "larger than the limit of 5.0 MB" in text
        with Store(db) as store:
            assert [s.article.id for s in store.articles()] == [SEED_ID]
        # under the limit, the whole text is kept, not cut at the limit
        whole = "In Yerevan. " + "y" * (MAX_UPLOAD_BYTES - 1000)
        status, _ = send_chunked(base, form_body(whole, token), cookie)
        assert status == 303
        deadline = time.monotonic() + 30  # the upload's job parses it in the background
        while True:
            with Store(db) as store:
                new = [s.article.id for s in store.articles() if s.article.id != SEED_ID]
                if new:
                    assert _text(store, new[0]) == whole
                    break
            assert time.monotonic() < deadline, "the upload was never stored"
            time.sleep(0.1)


# -- scripts: nonces instead of 'unsafe-inline' ---------------------------------------------------

SCRIPT_TAG = re.compile(r"<script\b[^>]*>", re.I)


def script_nonces(resp) -> tuple[str, list[str]]:
    """The policy's script nonce and the nonce of every <script> tag of the page."""
    policy = resp.headers["Content-Security-Policy"]
    script_src = next(p for p in policy.split(";") if p.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    [nonce] = re.findall(r"'nonce-([^']+)'", script_src)
    tags = SCRIPT_TAG.findall(resp.get_data(as_text=True))
    return nonce, [m.group(1) if (m := re.search(r'nonce="([^"]+)"', t)) else "" for t in tags]


def test_every_script_carries_the_pages_nonce_and_no_handler_attributes(app, client, editor_token):
    pages = ["/", f"/articles/{SEED_ID}", "/articles", "/add", "/review", "/corrections"]
    seen = set()
    for logged_in in (False, True):
        if logged_in:
            assert login(client, token=editor_token).status_code == 303
        for path in pages:
            resp = client.get(path)
            nonce, tags = script_nonces(resp)
            assert all(t == nonce for t in tags), (path, tags)
            seen.add(nonce)
            html = resp.get_data(as_text=True)
            assert not re.search(r"<[^>]+\son[a-z]+\s*=", html), path  # no onclick=...
    assert len(seen) == 2 * len(pages)  # a fresh nonce per response
    # the map pages do have inline scripts (folium's and ours), each with the nonce
    inline = re.findall(r"<script nonce=\"[^\"]+\">", client.get("/").get_data(as_text=True))
    assert len(inline) >= 2


def test_trusted_hosts_come_from_geomap_toml_as_a_list(tmp_path):
    from geomap.config import load_settings

    toml = tmp_path / "geomap.toml"
    toml.write_text('trusted_hosts = ["maps.example.org", "geo.example.org"]\n', encoding="utf-8")
    settings = load_settings(config_file=toml, environ={})
    assert settings.trusted_hosts == "maps.example.org,geo.example.org"
