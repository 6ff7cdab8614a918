"""Serving under load (issue 13, finding 8): uploads parsed by a background job while pages
stay readable, the map and the GeoJSON revalidated by ETag until the store changes, and
``geomap serve`` on waitress (bounded threads, no version in ``Server``)."""

from __future__ import annotations

import gzip
import http.client
import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest
from conftest import (
    SAMPLE_PLACES,
    FakeEngine,
    build_result,
    csrf_token,
    finish_upload,
    seed_app,
)

from geomap.errors import GeocodingError
from geomap.models import Article, Place, Resolution
from geomap.store import Store


class GatedEngine(FakeEngine):
    """The sample-places engine, except that each parse waits until the test lets it go;
    it records the thread each parse ran on."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Semaphore(0)
        self.threads: list[str] = []

    def parse(self, articles, errors=()):
        self.threads.append(threading.current_thread().name)
        if not self.gate.acquire(timeout=30):
            raise GeocodingError("the test never let this parse go")
        return super().parse(articles, errors)


class FailingEngine(FakeEngine):
    def parse(self, articles, errors=()):
        raise GeocodingError("the geocoder said no")


def job_state(client, location: str) -> dict:
    job_id = location.rsplit("/", 1)[1]
    resp = client.get(f"/api/jobs/{job_id}")
    assert resp.status_code == 200 and resp.headers["Cache-Control"] == "no-store"
    return resp.get_json()


def wait_for(predicate, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def stored_ids(app) -> list[str]:
    with Store(app.config["DATABASE"]) as store:
        return [s.article.id for s in store.articles()]


# -- uploads are jobs ------------------------------------------------------------------------


def test_upload_answers_at_once_and_pages_stay_readable_while_it_parses(app, client):
    engine = GatedEngine()
    app.config["ENGINE"] = lambda: engine
    answers: list = []
    other = app.test_client()
    form = {"text": "Rain fell on Baku all day.", "csrf_token": csrf_token(other)}
    poster = threading.Thread(target=lambda: answers.append(other.post("/add", data=form)))
    poster.start()
    poster.join(timeout=10)  # parsing on the request thread would hold it 30 s
    assert not poster.is_alive() and answers[0].status_code == 303
    location = answers[0].headers["Location"]
    assert re.fullmatch(r"/jobs/[A-Za-z0-9_-]{22,}", location)
    wait_for(lambda: job_state(client, location)["state"] == "parsing")
    page = client.get(location)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'data-state="parsing"' in html
    assert '<meta http-equiv="refresh"' in html and "1 of 1" in html
    assert page.headers["Cache-Control"] == "no-store"
    # the parse is held: reading goes on
    assert client.get("/").status_code == 200
    assert client.get("/places.geojson").status_code == 200
    assert client.get("/articles").status_code == 200
    assert job_state(client, location) == {
        "id": location.rsplit("/", 1)[1],
        "state": "parsing",
        "total": 1,
        "parsed": 0,
        "articles": [],
        "errors": [],
        "notices": [],
        "url": None,
    }
    engine.gate.release()
    done = finish_upload(client, answers[0])
    assert done.status_code == 303 and done.headers["Location"].startswith("/articles/paste-")
    assert engine.threads == ["geomap-parse_0"]  # the jobs' thread, not a request thread
    state = job_state(client, location)
    assert state["state"] == "done" and state["url"] == done.headers["Location"]
    article = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "<mark>Baku</mark>" in article


def test_progress_counts_the_articles_of_an_upload(app, client):
    engine = GatedEngine()
    app.config["ENGINE"] = lambda: engine
    doc = json.dumps(
        [{"id": f"m{i}", "title": f"Story {i}", "text": f"Talks {i} in Yerevan."} for i in range(3)]
    ).encode()
    resp = client.post(
        "/add",
        data={"file": (io.BytesIO(doc), "three.json"), "csrf_token": csrf_token(client)},
        content_type="multipart/form-data",
    )
    location = resp.headers["Location"]
    engine.gate.release()
    wait_for(lambda: job_state(client, location)["parsed"] == 1)
    html = client.get(location).get_data(as_text=True)
    assert "2 of 3" in html and '<progress max="3" value="1">' in html
    engine.gate.release(2)
    done = finish_upload(client, resp)
    assert done.status_code == 303 and done.headers["Location"] == "/articles"
    assert sorted(i for i in stored_ids(app) if i.startswith("m")) == ["m0", "m1", "m2"]
    assert engine.calls == 3


def test_two_queued_uploads_with_one_id_are_both_kept(app, client):
    """The free id is chosen when the job stores, not when it is queued: two uploads of one
    id waiting together would otherwise both take it, and the second replace the first."""
    engine = GatedEngine()
    app.config["ENGINE"] = lambda: engine
    token = csrf_token(client)
    answers = []
    for text in ("First story in Baku.", "Second story in Ankara."):
        doc = json.dumps({"id": "dup", "title": "Dup", "text": text}).encode()
        data = {"file": (io.BytesIO(doc), "dup.json"), "csrf_token": token}
        answers.append(client.post("/add", data=data, content_type="multipart/form-data"))
    engine.gate.release(2)
    first, second = (finish_upload(client, a) for a in answers)
    assert first.headers["Location"] == "/articles/dup"
    assert second.headers["Location"] == "/articles/dup-2"
    notice = client.get("/articles/dup-2").get_data(as_text=True)
    assert "stored as &#39;dup-2&#39;" in notice
    with Store(app.config["DATABASE"]) as store:
        texts = {s.article.id: s.article.text for s in store.articles()}
    assert texts["dup"] == "First story in Baku." and texts["dup-2"] == "Second story in Ankara."


def test_a_failed_job_shows_its_error(app, client):
    app.config["ENGINE"] = FailingEngine
    form = {"text": "Nothing will come of Ankara.", "csrf_token": csrf_token(client)}
    resp = client.post("/add", data=form)
    page = finish_upload(client, resp)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'data-state="failed"' in html
    assert "the geocoder said no" in html and "http-equiv" not in html
    assert "Traceback" not in html
    state = job_state(client, resp.headers["Location"])
    assert state["state"] == "failed" and state["articles"] == [] and state["url"] is None
    assert len(stored_ids(app)) == 1  # only the seed


def test_unknown_jobs_are_404(client):
    assert client.get("/jobs/not-a-job").status_code == 404
    resp = client.get("/api/jobs/not-a-job")
    assert resp.status_code == 404 and resp.get_json()["status"] == 404


@pytest.mark.parametrize("limit", [{"MAX_QUEUED_JOBS": 1}, {"MAX_QUEUED_BYTES": 20}])
def test_a_full_queue_refuses_with_503_and_keeps_the_text(
    tmp_path, seed_result, basemap_dir, limit
):
    db = tmp_path / "q.db"
    engine = GatedEngine()
    app = seed_app(db, seed_result, basemap_dir, engine, **limit)
    client = app.test_client()
    token = csrf_token(client)
    first = client.post("/add", data={"text": "First in Baku.", "csrf_token": token})
    assert first.status_code == 303
    form = {"text": "Second in Ankara.", "title": "Kept", "csrf_token": token}
    busy = client.post("/add", data=form)
    assert busy.status_code == 503 and busy.headers["Retry-After"] == "30"
    html = busy.get_data(as_text=True)
    assert "The server is busy" in html and "Second in Ankara." in html and 'value="Kept"' in html
    engine.gate.release()
    assert finish_upload(client, first).status_code == 303
    with Store(db) as store:
        assert store.counts()["articles"] == 2  # the seed and the first; never the second


def test_concurrent_uploads_on_waitress_are_stored_exactly_once(app, basemap_dir):
    """Twelve clients upload at once through the real server (four of them the same text):
    each distinct text is stored once, and every job says where its article is."""
    from conftest import serving

    db = app.config["DATABASE"]
    texts = [f"Report {i}: flooding in Baku and Ankara." for i in range(8)] + [
        "The same story from Yerevan."
    ] * 4
    jobs: list[str] = []
    lock = threading.Lock()
    with serving(db, basemap_dir, FakeEngine()) as base:
        port = int(base.rsplit(":", 1)[1])

        def upload(text: str) -> None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", "/add")  # the form: its token and the session cookie
            form = conn.getresponse()
            html = form.read().decode("utf-8")
            cookie = form.getheader("Set-Cookie", "").split(";")[0]
            token = re.search(r'name="csrf_token" value="([^"]+)"', html)
            assert token and cookie
            body = urlencode({"text": text, "csrf_token": token.group(1)})
            headers = {
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": cookie,
                "Origin": base,
            }
            conn.request("POST", "/add", body, headers)
            resp = conn.getresponse()
            resp.read()
            assert resp.status == 303
            with lock:
                jobs.append(resp.getheader("Location", ""))
            conn.close()

        threads = [threading.Thread(target=upload, args=(t,)) for t in texts]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        assert len(jobs) == len(texts)

        def state(location: str) -> dict:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", "/api" + location)
            data = json.loads(conn.getresponse().read())
            conn.close()
            return data

        wait_for(lambda: all(state(j)["state"] == "done" for j in jobs), timeout=30)
        targets = {state(j)["url"] for j in jobs}
    assert len(targets) == 9 and all(t.startswith("/articles/paste-") for t in targets)
    with Store(db) as store:
        ids = [s.article.id for s in store.articles()]
    assert len(ids) == len(set(ids)) == 1 + 9
    assert {f"/articles/{i}" for i in ids if i.startswith("paste-")} == targets


# -- caching and revalidation ----------------------------------------------------------------


# GeoNames 611717; a place the seed does not have
TBILISI = Place(
    "geonames:611717",
    "Tbilisi",
    "city",
    {"type": "Point", "coordinates": [44.8337, 41.6941]},
    "geonames",
    (),
    country="GE",
    lat=41.6941,
    lon=44.8337,
    geonames_id=611717,
)


def other_article() -> Article:
    return Article("later-1", "Ministers met in Tbilisi on Friday.", title="Later")


def test_map_page_is_revalidated_until_the_store_changes(app, client):
    first = client.get("/")
    tag = first.headers["ETag"]
    assert first.status_code == 200 and tag.startswith('W/"')
    assert "no-cache" in first.headers["Cache-Control"]
    assert "Cookie" in first.headers["Vary"]
    again = client.get("/", headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == tag
    assert "Content-Security-Policy" not in again.headers  # the stored page keeps its own
    assert client.get("/?kind=city").headers["ETag"] != tag  # another selection
    assert "1 articles" in first.get_data(as_text=True)
    with Store(app.config["DATABASE"]) as store:  # another writer: geomap ingest, say
        store.save(build_result(other_article(), {"Tbilisi": TBILISI}))
    changed = client.get("/", headers={"If-None-Match": tag})
    assert changed.status_code == 200 and changed.headers["ETag"] != tag
    assert "2 articles" in changed.get_data(as_text=True)


def test_a_logged_in_editor_gets_another_tag(app, client):
    anonymous = client.get("/").headers["ETag"]
    with client.session_transaction() as session:
        session["editor"] = "ana"
    page = client.get("/", headers={"If-None-Match": anonymous})
    assert page.status_code == 200 and page.headers["ETag"] != anonymous
    assert "editor: ana" in page.get_data(as_text=True)


def test_geojson_is_built_once_per_store_revision(app, client, monkeypatch):
    built: list[int] = []
    real = Store.to_geojson

    def counting(self, *args, **kwargs):
        built.append(1)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Store, "to_geojson", counting)
    plain = client.get("/places.geojson")
    zipped = client.get("/places.geojson", headers={"Accept-Encoding": "gzip"})
    assert plain.status_code == zipped.status_code == 200
    assert zipped.headers["Content-Encoding"] == "gzip" and "Content-Encoding" not in plain.headers
    assert gzip.decompress(zipped.data) == plain.data
    assert plain.headers["ETag"] == zipped.headers["ETag"]
    assert "Accept-Encoding" in plain.headers["Vary"]
    assert plain.headers["Content-Disposition"] == 'attachment; filename="geomap-places.geojson"'
    assert len(built) == 1
    tag = plain.headers["ETag"]
    assert client.get("/places.geojson", headers={"If-None-Match": tag}).status_code == 304
    assert len(built) == 1
    names = {f["properties"]["name"] for f in json.loads(plain.data)["features"]}
    assert "Tbilisi" not in names
    with Store(app.config["DATABASE"]) as store:
        store.save(build_result(other_article(), {"Tbilisi": TBILISI}))
    fresh = client.get("/places.geojson", headers={"If-None-Match": tag})
    assert fresh.status_code == 200 and fresh.headers["ETag"] != tag and len(built) == 2
    assert "Tbilisi" in {f["properties"]["name"] for f in json.loads(fresh.data)["features"]}
    one = client.get(f"/places.geojson?article={other_article().id}")
    assert one.headers["ETag"] != fresh.headers["ETag"] and len(built) == 3


def test_readers_get_the_previous_version_while_one_rebuilds_it(app, client, monkeypatch):
    """After a change, one request rebuilds the full GeoJSON; the others meanwhile get the
    version before it, with its own tag, instead of waiting or building it too."""
    old = client.get("/places.geojson")
    with Store(app.config["DATABASE"]) as store:
        store.save(build_result(other_article(), {"Tbilisi": TBILISI}))
    entered, release = threading.Event(), threading.Event()
    real = Store.to_geojson

    def slow(self, *args, **kwargs):
        entered.set()
        assert release.wait(timeout=30)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Store, "to_geojson", slow)
    rebuilt: list = []
    builder = threading.Thread(
        target=lambda: rebuilt.append(app.test_client().get("/places.geojson"))
    )
    builder.start()
    assert entered.wait(timeout=10)
    meanwhile = client.get("/places.geojson")
    assert meanwhile.status_code == 200 and meanwhile.data == old.data
    assert meanwhile.headers["ETag"] == old.headers["ETag"]
    held = client.get("/places.geojson", headers={"If-None-Match": old.headers["ETag"]})
    assert held.status_code == 304
    release.set()
    builder.join(timeout=30)
    fresh = rebuilt[0]
    assert fresh.headers["ETag"] != old.headers["ETag"]
    assert "Tbilisi" in {f["properties"]["name"] for f in json.loads(fresh.data)["features"]}
    assert client.get("/places.geojson").headers["ETag"] == fresh.headers["ETag"]


def test_a_correction_that_keeps_the_counts_still_changes_the_tag(app, client):
    """One of twelve mentions of Armenia moved to Baku: as many places and articles as
    before, yet the map differs, so the tag must too."""
    db = app.config["DATABASE"]
    map_tag = client.get("/").headers["ETag"]
    data_tag = client.get("/places.geojson").headers["ETag"]
    with Store(db) as store:
        before = store.counts()
        armenia = [r for r in store.resolutions() if r.place and r.place.name == "Armenia"]
        assert len(armenia) > 1
        store.replace_resolution(Resolution(armenia[0].mention, SAMPLE_PLACES["Baku"], 1.0, "fix"))
        assert store.counts()["places"] == before["places"]
    assert client.get("/", headers={"If-None-Match": map_tag}).status_code == 200
    fresh = client.get("/places.geojson", headers={"If-None-Match": data_tag})
    assert fresh.status_code == 200
    baku = next(f for f in json.loads(fresh.data)["features"] if f["properties"]["name"] == "Baku")
    assert len(baku["properties"]["mentions"]) == 2


def test_an_article_page_changes_only_with_its_article(app, client):
    """Another article's upload leaves the page (and its tag) as it was; a corrected mention
    of this article changes it."""
    from conftest import SEED_PATH

    path = f"/articles/{SEED_PATH.stem}"
    first = client.get(path)
    tag = first.headers["ETag"]
    assert first.status_code == 200 and "no-cache" in first.headers["Cache-Control"]
    assert client.get(path, headers={"If-None-Match": tag}).status_code == 304
    with Store(app.config["DATABASE"]) as store:
        store.save(build_result(other_article(), {"Tbilisi": TBILISI}))
    assert client.get(path, headers={"If-None-Match": tag}).status_code == 304
    with Store(app.config["DATABASE"]) as store:
        armenia = [r for r in store.resolutions() if r.place and r.place.name == "Armenia"]
        store.replace_resolution(Resolution(armenia[0].mention, SAMPLE_PLACES["Baku"], 1.0, "fix"))
    changed = client.get(path, headers={"If-None-Match": tag})
    assert changed.status_code == 200 and changed.headers["ETag"] != tag
    assert changed.get_data(as_text=True).count("Baku (city)") == 2
    assert client.get("/articles/no-such-article").status_code == 404


def test_every_write_moves_the_change_stamp_and_stores_differ(tmp_path, seed_result):
    with Store(tmp_path / "a.db") as store, Store(tmp_path / "b.db") as other:
        assert store.change_stamp() != other.change_stamp()  # a new store is not an old one
        seen = [store.change_stamp()]
        store.save(seed_result)
        seen.append(store.change_stamp())
        article = seed_result.articles[0]
        edited = Article(article.id, article.text + " More.", title="Edited")
        store.save(build_result(edited, {"Baku": SAMPLE_PLACES["Baku"]}))  # replaced in place
        seen.append(store.change_stamp())
        store.delete_article(article.id)
        seen.append(store.change_stamp())
        store.add_editor("ana", "hash", "2024-01-01T00:00:00Z")
        seen.append(store.change_stamp())
    assert len(set(seen)) == len(seen)
    with Store(tmp_path / "a.db") as again:
        assert again.change_stamp() == seen[-1]


# -- geomap serve ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def threads_of(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/task"))


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
def test_geomap_serve_runs_waitress_with_bounded_threads(tmp_path):
    port = free_port()
    cmd = [sys.executable, "-c", "from geomap.cli import main; main()"]
    proc = subprocess.Popen(
        [*cmd, "serve", "--port", str(port), "--db", str(tmp_path / "s.db"), "--threads", "4"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # started as `geomap serve &` from a script is: with SIGINT ignored, which Python
        # then never turns into KeyboardInterrupt unless serve sets it up itself
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )
    idle: list[socket.socket] = []
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                conn.request("GET", "/")
                resp = conn.getresponse()
                resp.read()
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, "serve did not start"
                time.sleep(0.2)
        assert resp.status == 200 and resp.getheader("Server") == "geomap"
        headers = " ".join(f"{k}: {v}" for k, v in resp.getheaders()).lower()
        for leak in ("werkzeug", "waitress", "python", "flask"):
            assert leak not in headers
        for _ in range(300):  # idle connections: no thread each
            idle.append(socket.create_connection(("127.0.0.1", port), timeout=10))
        time.sleep(0.5)
        assert threads_of(proc.pid) <= 4 + 4
        started = time.monotonic()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", "/places.geojson")
        answer = conn.getresponse()
        assert answer.status == 200 and json.loads(answer.read())["type"] == "FeatureCollection"
        assert time.monotonic() - started < 5
    finally:
        for s in idle:
            s.close()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    assert f"on http://127.0.0.1:{port}/" in out
    assert "development server" not in (out + err).lower()
    assert "Traceback" not in err


def test_debug_is_loopback_only(tmp_path):
    from click.testing import CliRunner

    from geomap.cli import main

    db = str(tmp_path / "s.db")
    result = CliRunner().invoke(main, ["serve", "--db", db, "--host", "0.0.0.0", "--debug"])
    assert result.exit_code == 2 and "--debug" in result.output and "loopback only" in result.output
    assert "Traceback" not in result.output


def test_stamps_on_postgresql(pg_url, seed_result):
    """The revision and the article digest in the other backend (portable SQL)."""
    article_id = seed_result.articles[0].id
    with Store(pg_url) as store:
        first = store.change_stamp()
        store.save(seed_result)
        second = store.change_stamp()
        assert second[0] == first[0] and second[1] > first[1]
        digest = store.article_stamp(article_id)
        assert digest is not None and store.article_stamp("no-such-article") is None
        armenia = [r for r in store.resolutions() if r.place and r.place.name == "Armenia"]
        store.replace_resolution(Resolution(armenia[0].mention, SAMPLE_PLACES["Baku"], 1.0, "fix"))
        assert store.change_stamp()[1] > second[1]
        assert store.article_stamp(article_id) != digest
