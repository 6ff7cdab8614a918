# --- store / web fixtures (issue 3) -------------------------------------------------------------
import contextlib as _contextlib
import re as _re
from pathlib import Path as _Path
from typing import Any as _Any

import pytest as _pytest

from geomap.models import Article as _Article
from geomap.models import Mention as _Mention
from geomap.models import ParseResult as _ParseResult
from geomap.models import Place as _Place
from geomap.models import Resolution as _Resolution

SEED_PATH = _Path(__file__).resolve().parent.parent / "seeds" / "000_42821f2fae6c857c.txt"

# Hand-built places for tests that must not depend on the engine. Coordinates: GeoNames
# (Yerevan 616052, Baku 587084, Ankara 323786, Nakhchivan 147622); the polygons are coarse
# hand-drawn outlines, good enough to click on, not for analysis.
SAMPLE_PLACES = {
    "Yerevan": _Place(
        "geonames:616052",
        "Yerevan",
        "city",
        {"type": "Point", "coordinates": [44.5136, 40.1811]},
        "geonames",
        ("Erevan", "Երևան"),
        country="AM",
        lat=40.1811,
        lon=44.5136,
        geonames_id=616052,
    ),
    "Baku": _Place(
        "geonames:587084",
        "Baku",
        "city",
        {"type": "Point", "coordinates": [49.892, 40.3777]},
        "geonames",
        ("Bakı",),
        country="AZ",
        lat=40.3777,
        lon=49.892,
        geonames_id=587084,
    ),
    "Ankara": _Place(
        "geonames:323786",
        "Ankara",
        "city",
        {"type": "Point", "coordinates": [32.8543, 39.9199]},
        "geonames",
        (),
        country="TR",
        lat=39.9199,
        lon=32.8543,
        geonames_id=323786,
    ),
    "Nakhichevan": _Place(
        "geonames:147622",
        "Nakhchivan",
        "city",
        {"type": "Point", "coordinates": [45.4122, 39.2089]},
        "geonames",
        ("Nakhichevan",),
        country="AZ",
        lat=39.2089,
        lon=45.4122,
        geonames_id=147622,
    ),
    "Armenia": _Place(
        "ne:ARM",
        "Armenia",
        "country",
        {
            "type": "Polygon",
            "coordinates": [
                [
                    [43.45, 41.1],
                    [45.0, 41.3],
                    [45.6, 40.9],
                    [46.6, 39.1],
                    [46.4, 38.85],
                    [45.9, 38.9],
                    [44.8, 39.7],
                    [43.6, 40.1],
                    [43.45, 41.1],
                ]
            ],
        },
        "ne",
        ("Republic of Armenia",),
        country="AM",
        lat=40.2,
        lon=44.9,
        geonames_id=174982,
    ),
    "Artsakh": _Place(
        "curated:nagorno-karabakh",
        "Nagorno-Karabakh",
        "region",
        {
            "type": "Polygon",
            "coordinates": [[[46.3, 40.3], [46.6, 39.5], [47.2, 39.4], [47.1, 40.2], [46.3, 40.3]]],
        },
        "curated",
        ("Artsakh", "Nagorno-Karabakh", "Karabakh"),
        country="AZ",
        lat=39.85,
        lon=46.75,
    ),
    "Zangezur Corridor": _Place(
        "curated:zangezur-corridor",
        "Zangezur corridor",
        "corridor",
        {"type": "LineString", "coordinates": [[47.33, 39.45], [46.24, 38.90], [46.02, 38.91]]},
        "curated",
        ("Zangezur Corridor", "Syunik corridor"),
        status="proposed",
        lat=38.95,
        lon=46.3,
    ),
}


def _sentence_around(text: str, start: int, end: int) -> str:
    left = max(text.rfind(". ", 0, start), text.rfind("\n", 0, start))
    left = 0 if left < 0 else left + 1
    match = _re.compile(r"[.!?][”\"]?(\s|$)").search(text, end)
    right = match.end() if match else len(text)
    return text[left:right].strip()


def build_result(article: _Article, places: dict[str, _Place | None]) -> _ParseResult:
    """Every occurrence of each surface string becomes a mention (None = unresolved)."""
    resolutions = []
    for surface, place in places.items():
        for match in _re.finditer(rf"\b{_re.escape(surface)}\b", article.text):
            mention = _Mention(
                article.id,
                surface,
                match.start(),
                match.end(),
                _sentence_around(article.text, match.start(), match.end()),
                "GPE",
            )
            if place is None:
                resolutions.append(_Resolution(mention, None, 0.0, "no candidate"))
            else:
                resolutions.append(_Resolution(mention, place, 0.9, "test"))
    resolutions.sort(key=lambda r: r.mention.start)
    return _ParseResult((article,), tuple(resolutions))


@_pytest.fixture
def seed_article() -> _Article:
    from geomap.articles import split_date_prefix

    date, body = split_date_prefix(SEED_PATH.read_text(encoding="utf-8"))
    return _Article(
        "000_42821f2fae6c857c",
        body,
        title="Blinken warns of invasion",
        date=date,
        source=str(SEED_PATH),
    )


@_pytest.fixture
def seed_result(seed_article: _Article) -> _ParseResult:
    """The seed article with hand-built resolutions (no engine needed)."""
    return build_result(seed_article, {**SAMPLE_PLACES, "Section 907": None})


@_pytest.fixture
def xss_article() -> _Article:
    payload = "<script>window.pwned=1;alert(1)</script>"
    img = '<img src=x onerror="window.pwned=2">'
    return _Article(
        "xss-1",
        f"Protests {payload} spread in Yerevan today {img}. Baku was quiet.",
        title=f"Title {payload}{img}",
        date="2024-01-02",
    )


@_pytest.fixture
def xss_result(xss_article: _Article) -> _ParseResult:
    return build_result(
        xss_article, {"Yerevan": SAMPLE_PLACES["Yerevan"], "Baku": SAMPLE_PLACES["Baku"]}
    )


# --- a private data directory and the offline index (issues 2, 9) -----------------------------
_SESSION_DATA: list[str] = []


def pytest_configure(config: _pytest.Config) -> None:
    """Tests never read or write the per-user data directory (index, store, geocoder cache)
    nor obey the developer's GEOMAP_* settings: each session gets an empty data directory,
    which subprocesses inherit through the environment."""
    import os
    import tempfile

    for name in [n for n in os.environ if n.startswith("GEOMAP_") and n != "GEOMAP_TEST_INDEX"]:
        del os.environ[name]
    _SESSION_DATA.append(tempfile.mkdtemp(prefix="geomap-test-data-"))
    os.environ["GEOMAP_DATA_DIR"] = _SESSION_DATA[-1]


def pytest_unconfigure(config: _pytest.Config) -> None:
    import shutil

    for path in _SESSION_DATA:
        shutil.rmtree(path, ignore_errors=True)


@_pytest.fixture(scope="session")
def offline_index() -> _Path:
    """The offline index, built once per session into the session's data directory (where
    the CLI and Engine look by default), ~40 s. GEOMAP_TEST_INDEX names a file to build or
    reuse instead, for quicker local runs; it is rebuilt whenever its inputs changed."""
    import os

    from geomap.config import Settings
    from geomap.gazetteer.index import ensure_index

    path = Settings().index_file
    reuse = os.environ.get("GEOMAP_TEST_INDEX")
    if reuse:  # linked into the session's data directory, where default settings look
        path.parent.mkdir(parents=True, exist_ok=True)
        path.symlink_to(ensure_index(_Path(reuse).resolve(), progress=False))
    return ensure_index(path, progress=False)


@_pytest.fixture(scope="session")
def engine(offline_index: _Path):
    """One Engine (spaCy model + gazetteers) for the whole session, offline geocoding."""
    from geomap.config import Settings
    from geomap.pipeline import Engine

    return Engine(Settings(index_path=offline_index))


# --- web app fixtures (issue 3) -----------------------------------------------------------------
class FakeEngine:
    """Stands in for geomap.pipeline.Engine in web tests: the sample places, no model."""

    def __init__(self) -> None:
        self.calls = 0

    def parse(self, articles, errors=()):
        self.calls += 1
        results = [build_result(a, dict(SAMPLE_PLACES)) for a in articles]
        return _ParseResult(
            tuple(a for r in results for a in r.articles),
            tuple(x for r in results for x in r.resolutions),
            tuple(errors),
        )

    def iter_parse(self, articles):
        result = self.parse(list(articles))
        for article in result.articles:
            yield article, [r for r in result.resolutions if r.mention.article_id == article.id]


@_pytest.fixture(scope="session")
def basemap_dir(tmp_path_factory: _pytest.TempPathFactory) -> _Path:
    """Where the web app caches the Natural Earth base layer (built once per session)."""
    return tmp_path_factory.mktemp("basemap")


def seed_app(db: _Path, seed_result, basemap_dir: _Path, engine: _Any, **config: _Any):
    """An app over a new store at ``db`` holding the hand-built seed, parsing with
    ``engine``, offline base layer; ``config`` adds to or overrides the app's settings."""
    from geomap.store import Store
    from geomap.web import create_app

    with Store(db) as store:
        store.save(seed_result)
    settings = {"TESTING": True, "DATABASE": str(db), "TILES": None,
                "BASEMAP_DIR": str(basemap_dir), "ENGINE": lambda: engine}  # fmt: skip
    return create_app({**settings, **config})


@_pytest.fixture
def app(tmp_path, seed_result, basemap_dir):
    """A flaskr-style app over a real temporary store holding the hand-built seed."""
    fake = FakeEngine()
    app = seed_app(tmp_path / "web.db", seed_result, basemap_dir, fake)
    app.config["FAKE_ENGINE"] = fake
    return app


@_pytest.fixture
def client(app):
    return app.test_client()


def csrf_token(client: _Any, path: str = "/add") -> str:
    """The form token a visitor's page at ``path`` carries (the client keeps the cookie)."""
    html = client.get(path).get_data(as_text=True)
    match = _re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, f"no csrf_token field on {path}"
    return match.group(1)


# -- a real PostgreSQL + PostGIS server for the store tests (scale) ----------------------------

PG_BIN = _Path("/usr/lib/postgresql/15/bin")


def _postgis_installed() -> bool:
    return any(_Path("/usr/share/postgresql/15/extension").glob("postgis--*.sql"))


@_pytest.fixture(scope="session")
def postgres_server():
    """A PostgreSQL 15 with PostGIS in a temporary directory, on a free port of 127.0.0.1;
    stopped afterwards. Missing binaries skip the tests, except where GEOMAP_REQUIRE_POSTGRES
    is set (CI), where they fail."""
    import os
    import shutil
    import socket
    import subprocess
    import tempfile

    if not (PG_BIN / "initdb").exists() or not _postgis_installed():
        reason = "PostgreSQL 15 + PostGIS not installed (apt-get install postgresql-15-postgis-3)"
        if os.environ.get("GEOMAP_REQUIRE_POSTGRES"):
            _pytest.fail(reason)
        _pytest.skip(reason)
    base = _Path(tempfile.mkdtemp(prefix="geomap-pg-"))
    runner: list[str] = []
    if os.geteuid() == 0:  # initdb refuses root: the server runs as postgres
        shutil.chown(base, "postgres", "postgres")
        runner = ["runuser", "-u", "postgres", "--"]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    data = base / "data"

    def run(*args: str) -> None:
        subprocess.run([*runner, *args], check=True, capture_output=True, cwd=base)

    run(str(PG_BIN / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
        "--no-sync")  # fmt: skip
    options = f"-p {port} -k {base} -h 127.0.0.1 -c fsync=off -c max_connections=60"
    run(str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(base / "log"), "-o", options, "-w",
        "start")  # fmt: skip
    url = f"postgresql://postgres@127.0.0.1:{port}"
    try:
        import psycopg

        with psycopg.connect(f"{url}/postgres", autocommit=True) as conn:
            conn.execute("CREATE DATABASE geomap_template")
        with psycopg.connect(f"{url}/geomap_template", autocommit=True) as conn:
            conn.execute("CREATE EXTENSION postgis")
        yield url
    finally:
        subprocess.run([*runner, str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"],
                       capture_output=True, cwd=base)  # fmt: skip
        shutil.rmtree(base, ignore_errors=True)


_PG_COUNTER = [0]


@_pytest.fixture
def pg_url(postgres_server):
    """A new, empty database (with PostGIS) on the session's server, for one test."""
    import psycopg

    _PG_COUNTER[0] += 1
    name = f"geomap_test_{_PG_COUNTER[0]}"
    with psycopg.connect(f"{postgres_server}/postgres", autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name} TEMPLATE geomap_template")
    return f"{postgres_server}/{name}"


# --- browser tests ------------------------------------------------------------------------------
CHROMIUM = _Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@_pytest.fixture(scope="module")
def browser():
    """Debian's Chromium driven by Playwright (never a downloaded browser); the browser test
    modules skip themselves first when either is missing."""
    from playwright import sync_api

    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@_contextlib.contextmanager
def guarded_page(browser, base: str):
    """A page that refuses and records any request to another host than ``base``, and every
    console error (CSP violations included), page error or dialog; leaving it fails if any
    happened."""
    context = browser.new_context(viewport={"width": 1280, "height": 860}, accept_downloads=True)
    page = context.new_page()
    problems: list[str] = []

    def guard(route):
        url = route.request.url
        if url.startswith(base + "/") or url == base:
            route.continue_()
        else:
            problems.append(f"request to another host: {url}")
            route.abort()

    page.route("**/*", guard)

    def console(message: _Any) -> None:
        # Chromium reports each Content-Security-Policy violation on the console (an
        # inline script without the page's nonce, an inline handler): none is allowed
        if message.type == "error" or "Content Security Policy" in message.text:
            problems.append(f"console: {message.text}")

    page.on("console", console)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))

    def on_dialog(dialog):
        problems.append(f"dialog: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.base = base
    yield page
    context.close()
    assert problems == []


@_contextlib.contextmanager
def serving(db, basemap_dir, engine):
    """The real app over the store ``db`` served by waitress (as ``geomap serve`` does) on a
    free loopback port; yields its base URL and stops it afterwards."""
    import threading

    from geomap.web import create_app
    from geomap.web.server import make_server

    app = create_app(
        {
            "DATABASE": str(db),
            "TILES": None,
            "BASEMAP_DIR": str(basemap_dir),
            "ENGINE": lambda: engine,
        }
    )
    server = make_server(app, "127.0.0.1", 0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        server.close()
        thread.join(timeout=5)
        app.extensions["geomap"]["jobs"].shutdown()


def finish_upload(client, response, timeout: float = 30.0):
    """Follow an upload (``POST /add`` answered 303 to its job page) until the job has
    finished; returns the job page's last answer: a 303 to the article (or the list), or
    the page of a job that failed."""
    import time

    assert response.status_code == 303, response.status_code
    location = response.headers["Location"]
    assert location.startswith("/jobs/"), location
    deadline = time.monotonic() + timeout
    while True:
        page = client.get(location)
        html = page.get_data(as_text=True)
        if page.status_code != 200 or any(f'data-state="{s}"' in html for s in ("done", "failed")):
            return page
        assert 'http-equiv="refresh"' in html  # a page in progress refreshes itself
        assert time.monotonic() < deadline, f"the upload job did not finish: {html}"
        time.sleep(0.02)
