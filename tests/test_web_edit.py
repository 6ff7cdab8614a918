"""Editing through the web app (Flask test client over a real temporary store): who may
edit (bearer token, login + CSRF), what a refused request leaves (nothing), the audit page
and popups showing notes escaped, and serve refusing to expose editing without editors."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from geomap.corrections import add_editor
from geomap.store import Store

SEED_ID = "000_42821f2fae6c857c"
NAXCIVAN = "geonames:147429"
PAYLOAD = '<script>window.pwned=1</script><img src=x onerror="window.pwned=2">'
BODY = {
    "article": SEED_ID,
    "start": 1982,
    "end": 1993,
    "place": NAXCIVAN,
    "scope": "everywhere",
    "note": "the city",
}


@pytest.fixture
def editor_token(app):
    with Store(app.config["DATABASE"]) as store:
        return add_editor(store, "ana")


@pytest.fixture
def gazetteers(offline_index, monkeypatch):
    """Place look-ups for the API read the test's offline index."""
    monkeypatch.setenv("GEOMAP_INDEX_PATH", str(offline_index))


def snapshot(app):
    with Store(app.config["DATABASE"]) as store:
        return (
            [r.to_dict() for r in store.corrections()],
            [(r.mention.start, r.place and r.place.id, r.why) for r in store.resolutions()],
        )


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def login(client, name="ana", token=None):
    page = client.get("/login")
    assert page.status_code == 200
    return client.post(
        "/login",
        data={"name": name, "token": token, "csrf_token": csrf_from(page.get_data(as_text=True))},
    )


def test_no_auth_is_401_and_nothing_changes(app, client, editor_token):
    before = snapshot(app)
    resp = client.post("/api/corrections", json=BODY)
    assert resp.status_code == 401
    assert "Bearer" in resp.get_json()["error"]
    assert client.post("/api/corrections/1/undo").status_code == 401
    bad_scheme = client.post(
        "/api/corrections", json=BODY, headers={"Authorization": f"Basic {editor_token}"}
    )
    assert bad_scheme.status_code == 401
    assert snapshot(app) == before


def test_wrong_token_is_403_and_nothing_changes(app, client, editor_token):
    before = snapshot(app)
    resp = client.post(
        "/api/corrections", json=BODY, headers={"Authorization": "Bearer " + "x" * 43}
    )
    assert resp.status_code == 403
    assert snapshot(app) == before


def test_bearer_token_saves_a_rule_without_csrf(app, client, editor_token, gazetteers):
    resp = client.post(
        "/api/corrections", json=BODY, headers={"Authorization": f"Bearer {editor_token}"}
    )
    assert resp.status_code == 201, resp.get_json()
    data = resp.get_json()
    assert data["correction"]["editor"] == "ana"
    assert data["correction"]["old_place_id"] == "geonames:147622"  # the hand-built seed's
    assert data["correction"]["place_name"] == "Naxçıvan"
    assert data["reapplied"] == [SEED_ID]
    with Store(app.config["DATABASE"]) as store:
        assert [(r.surface, r.place_id) for r in store.corrections()] == [("Nakhichevan", NAXCIVAN)]
    listed = client.get("/api/corrections").get_json()
    assert [r["uid"] for r in listed] == [data["correction"]["uid"]]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"scope": "planet"}, "scope"),
        ({"place": None}, "exactly one of"),
        ({"not_a_place": True}, "exactly one of"),
        ({"start": "1982"}, "whole number"),
        ({"place": "geonames:0"}, "none of the gazetteers"),
        ({"start": 1, "end": 99999}, "outside article"),
        ({"article": "nope"}, "no article"),
        (
            {"place": None, "new_place": {"name": "X", "lat": 99, "lon": 0, "kind": "village"}},
            "lat",
        ),
        ({"extra": 1}, "unknown field"),
    ],
)
def test_bad_bodies_are_400_and_nothing_changes(
    app, client, editor_token, gazetteers, change, message
):
    before = snapshot(app)
    body = {k: v for k, v in {**BODY, **change}.items() if v is not None}
    resp = client.post(
        "/api/corrections", json=body, headers={"Authorization": f"Bearer {editor_token}"}
    )
    assert resp.status_code == 400
    assert message in resp.get_json()["error"]
    assert snapshot(app) == before


def test_login_then_cookie_edit_needs_the_csrf_token(app, client, editor_token, gazetteers):
    assert login(client, token="wrong").status_code == 403
    assert login(client, name="bo", token=editor_token).status_code == 403
    ok = login(client, token=editor_token)
    assert ok.status_code == 303
    page = client.get("/").get_data(as_text=True)
    assert "editor: ana" in page and 'id="gm-edit-config"' in page
    before = snapshot(app)
    no_token = client.post("/api/corrections", json=BODY)
    assert no_token.status_code == 400
    assert "CSRF" in no_token.get_json()["error"]
    # a token in the header does not excuse a cookie request from CSRF either
    both = client.post(
        "/api/corrections", json=BODY, headers={"Authorization": f"Bearer {editor_token}"}
    )
    assert both.status_code == 400
    forged = client.post("/api/corrections", json=BODY, headers={"X-CSRFToken": "forged"})
    assert forged.status_code == 400
    assert snapshot(app) == before
    found = re.search(r'data-csrf="([^"]+)"', page)
    assert found is not None
    token = found.group(1)
    saved = client.post("/api/corrections", json=BODY, headers={"X-CSRFToken": token})
    assert saved.status_code == 201, saved.get_json()
    # the undo form needs the token as well
    rid = saved.get_json()["correction"]["id"]
    assert client.post(f"/corrections/{rid}/undo").status_code == 400
    audit = client.get("/corrections").get_data(as_text=True)
    undone = client.post(f"/corrections/{rid}/undo", data={"csrf_token": csrf_from(audit)})
    assert undone.status_code == 303
    audit = client.get("/corrections").get_data(as_text=True)
    assert audit.count("gm-event-undo") == 1 and audit.count("gm-event-correction") == 1


def test_the_login_form_itself_needs_csrf(app, client, editor_token):
    resp = client.post("/login", data={"name": "ana", "token": editor_token})
    assert resp.status_code == 400
    assert "editor: ana" not in client.get("/").get_data(as_text=True)


def test_logged_out_readers_see_no_editing_tools(client):
    page = client.get("/").get_data(as_text=True)
    assert "gm-edit-config" not in page and "Log in to edit" in page
    assert client.get("/corrections").status_code == 200


def test_notes_with_markup_are_escaped_on_the_audit_page_and_in_popups(
    app, client, editor_token, gazetteers, engine
):
    from geomap.corrections import apply_rules, place_lookup

    resp = client.post(
        "/api/corrections",
        json={**BODY, "note": PAYLOAD},
        headers={"Authorization": f"Bearer {editor_token}"},
    )
    assert resp.status_code == 201
    audit = client.get("/corrections").get_data(as_text=True)
    assert PAYLOAD not in audit
    assert "&lt;script&gt;window.pwned=1&lt;/script&gt;&lt;img src=x" in audit
    # the stored decision carries the note in its reason; popups show it escaped
    with Store(app.config["DATABASE"]) as store:
        rules = store.corrections()
        article = store.article(SEED_ID)
        assert article is not None
        corrected = apply_rules(
            article,
            store.resolutions(SEED_ID),
            rules,
            place_lookup(engine.curated, engine.offline, rules),
        )
        store.rewrite_article(article, corrected)
    mentions = client.get(f"/api/places/{NAXCIVAN}/mentions").get_json()
    html = mentions["items"][0]["html"]
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;window.pwned=1" in html
    page = client.get("/").get_data(as_text=True)
    assert PAYLOAD not in page
    article_page = client.get(f"/articles/{SEED_ID}").get_data(as_text=True)
    assert PAYLOAD not in article_page


def test_candidates_list_what_the_gazetteers_offer(client, gazetteers):
    data = client.get("/api/candidates?q=Nakhichevan").get_json()
    ids = [c["id"] for c in data["candidates"]]
    assert ids[0] == "curated:nakhchivan" and NAXCIVAN in ids
    assert all(c["reason"] for c in data["candidates"])
    assert client.get("/api/candidates").status_code == 400


def test_read_only_app_refuses_edits(app, editor_token):
    app.config["EDITING"] = False
    client = app.test_client()
    resp = client.post(
        "/api/corrections", json=BODY, headers={"Authorization": f"Bearer {editor_token}"}
    )
    assert resp.status_code == 403
    assert "Log in to edit" not in client.get("/").get_data(as_text=True)


def test_serve_on_another_host_needs_an_editor(tmp_path):
    from geomap.cli import main

    db = tmp_path / "s.db"
    result = CliRunner().invoke(main, ["serve", "--host", "0.0.0.0", "--db", str(db)])
    assert result.exit_code == 2
    assert "has no editor" in result.output
    assert "Traceback" not in result.output


def test_online_search_becomes_a_new_place(
    app, client, editor_token, gazetteers, monkeypatch, tmp_path
):
    """With a geocoder configured (a stand-in Nominatim on 127.0.0.1), an editor's online
    search lists its answers; the one chosen is stored as a new place with its licence."""
    from fake_nominatim import FakeGeocoderServer

    auth = {"Authorization": f"Bearer {editor_token}"}
    assert client.get("/api/candidates?q=Kerem+Shalom&online=1").status_code == 401
    no_geocoder = client.get("/api/candidates?q=Kerem+Shalom&online=1", headers=auth)
    assert (
        no_geocoder.status_code == 400 and "no online geocoder" in no_geocoder.get_json()["error"]
    )
    app.extensions["geomap"].pop("online", None)
    with FakeGeocoderServer() as server:
        monkeypatch.setenv("GEOMAP_GEOCODER", "nominatim")
        monkeypatch.setenv("GEOMAP_GEOCODER_URL", server.url)
        monkeypatch.setenv("GEOMAP_USER_AGENT", "geomap-tests/1.0 test@example.org")
        monkeypatch.setenv("GEOMAP_GEOCODER_MIN_DELAY", "0")
        monkeypatch.setenv("GEOMAP_DATA_DIR", str(tmp_path / "data"))
        resp = client.get("/api/candidates?q=Kerem+Shalom+Crossing&online=1", headers=auth)
        assert resp.status_code == 200, resp.get_json()
        [first, *_] = resp.get_json()["candidates"]
        assert server.queries() and first["online"] is True
        assert first["name"] == "Kerem Shalom Crossing" and round(first["lat"], 2) == 31.22
        assert "OpenStreetMap" in first["reason"]
    body = {
        **BODY,
        "place": None,
        "scope": "mention",
        "new_place": {
            "name": first["name"],
            "lat": first["lat"],
            "lon": first["lon"],
            "kind": first["kind"],
            "source": first["reason"],
        },
    }
    saved = client.post("/api/corrections", json={k: v for k, v in body.items() if v}, headers=auth)
    assert saved.status_code == 201, saved.get_json()
    props = saved.get_json()["correction"]["new_place"]["properties"]
    assert props["name"] == "Kerem Shalom Crossing"
    assert "OpenStreetMap" in props["sources"][0]
