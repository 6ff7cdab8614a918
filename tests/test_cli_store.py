"""``geomap ingest``, ``geomap serve`` and ``geomap export`` through the click entry point."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner
from conftest import SEED_PATH, FakeEngine

from geomap.cli import main
from geomap.store import Store


@pytest.fixture
def fake_engine(monkeypatch):
    """Replace the real Engine (spaCy + index) by the sample-places stand-in; counts builds."""
    made: list[FakeEngine] = []

    def factory(settings=None, **kwargs):
        made.append(FakeEngine())
        return made[-1]

    monkeypatch.setattr("geomap.pipeline.Engine", factory)
    return made


@pytest.fixture
def corpus(tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    shutil.copy(SEED_PATH, folder / "seed.txt")
    (folder / "two.txt").write_text("date 2024-01-01 Baku and Ankara.\n", encoding="utf-8")
    return folder


def run(*args, env=None):
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def test_ingest_then_again_is_a_no_op(tmp_path, corpus, fake_engine):
    db = tmp_path / "s.db"
    result = run("ingest", str(corpus), "--db", str(db))
    assert result.exit_code == 0, result.output
    assert "2 articles stored (2 added, 0 updated, 0 unchanged)" in result.stdout
    assert len(fake_engine) == 1
    with Store(db) as store:
        assert store.counts()["articles"] == 2
        assert {p.place.name for p in store.places(article="two")} == {"Baku", "Ankara"}
    again = run("ingest", str(corpus), "--db", str(db))
    assert again.exit_code == 0
    assert "(0 added, 0 updated, 2 unchanged)" in again.stdout
    assert len(fake_engine) == 1  # nothing to parse: no engine was even built
    (corpus / "two.txt").write_text("Only Yerevan now.", encoding="utf-8")
    third = run("ingest", str(corpus / "two.txt"), "--db", str(db))
    assert "(0 added, 1 updated, 0 unchanged)" in third.stdout
    with Store(db) as store:
        assert [p.place.name for p in store.places(article="two")] == ["Yerevan"]


def test_failed_inputs_are_one_line_each_and_exit_2(tmp_path, corpus, fake_engine):
    (corpus / "binary.txt").write_bytes(b"\x00\x01\x02garbage")
    db = tmp_path / "s.db"
    result = run("ingest", str(corpus), str(tmp_path / "missing.txt"), "--db", str(db))
    assert result.exit_code == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("geomap:")]
    assert len(errors) == 2
    assert any("binary.txt" in e and "binary" in e for e in errors)
    assert any("missing.txt: no such file" in e for e in errors)
    assert "2 articles stored" in result.stdout and "2 unreadable" in result.stdout
    with Store(db) as store:
        assert store.counts()["articles"] == 2


def test_db_comes_from_the_environment(tmp_path, corpus, fake_engine):
    db = tmp_path / "env.db"
    result = run("ingest", str(corpus / "two.txt"), env={"GEOMAP_DB": str(db)})
    assert result.exit_code == 0 and db.exists()
    assert str(db) in result.stdout


def test_export(tmp_path, corpus, fake_engine):
    db = tmp_path / "s.db"
    run("ingest", str(corpus), "--db", str(db))
    with Store(db) as store:
        expected = store.to_geojson()
        only_two = store.to_geojson(article="two")
    out = run("export", "--db", str(db))
    assert out.exit_code == 0 and json.loads(out.stdout) == json.loads(json.dumps(expected))
    target = tmp_path / "out.geojson"
    out = run("export", "--db", str(db), "--article", "two", "-o", str(target))
    assert out.exit_code == 0 and "wrote 2 places" in out.stderr
    assert json.loads(target.read_text("utf-8")) == json.loads(json.dumps(only_two))
    missing = run("export", "--db", str(db), "--article", "nope")
    assert missing.exit_code == 2
    assert missing.stderr.strip().splitlines() == [f"geomap: {db}: no article 'nope'"]
    nostore = run("export", "--db", str(tmp_path / "none.db"))
    assert nostore.exit_code == 2 and "no such store" in nostore.stderr
    assert not (tmp_path / "none.db").exists()


def test_store_errors_are_one_line(tmp_path, corpus, fake_engine):
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"not sqlite" * 100)
    result = run("ingest", str(corpus), "--db", str(bad))
    assert result.exit_code == 2
    assert result.stderr.strip().count("\n") == 0 and "bad.db" in result.stderr


def test_serve_ingests_then_runs_on_loopback(tmp_path, corpus, fake_engine, monkeypatch):
    calls = []
    monkeypatch.setattr(
        "geomap.cli_store.run_server", lambda app, *args, **kw: calls.append((app, args, kw))
    )
    db = tmp_path / "s.db"
    result = run("serve", str(corpus), "--db", str(db), "--port", "5123")
    assert result.exit_code == 0, result.output
    [(app, args, kwargs)] = calls
    assert args == ("127.0.0.1", 5123) and kwargs["threads"] == 8 and kwargs["debug"] is False
    assert app.config["DATABASE"] == str(db) and app.config["TILES"] is None
    with Store(db) as store:
        assert store.counts()["articles"] == 2
    page = app.test_client().get("/")
    assert page.status_code == 200 and b"Zangezur corridor" in page.data


def test_serve_warns_off_loopback_and_checks_tiles(tmp_path, fake_engine, monkeypatch):
    calls = []
    monkeypatch.setattr("geomap.cli_store.run_server", lambda *args, **kw: calls.append(kw))
    db = str(tmp_path / "s.db")
    result = run("serve", "--db", db, "--host", "0.0.0.0", "--tiles", "osm", "--read-only")
    assert result.exit_code == 0 and "warning: listening on 0.0.0.0" in result.stderr
    bad = run("serve", "--db", db, "--tiles", "not-a-url")
    assert bad.exit_code == 2 and "tiles must be" in bad.stderr
    assert len(calls) == 1


def test_real_engine_ingests_the_seed(tmp_path, offline_index):
    """The new-user path: `geomap ingest seeds/` with the real engine and offline index."""
    db = tmp_path / "real.db"
    env = {"GEOMAP_INDEX_PATH": str(offline_index)}
    result = run("ingest", str(SEED_PATH.parent), "--db", str(db), env=env)
    assert result.exit_code == 0, result.output
    with Store(db) as store:
        names = {p.place.name: p for p in store.places()}
        assert "Yerevan" in names and "Zangezur corridor" in names
        _, [row] = store.mentions(names["Yerevan"].place.id)
        assert "pressure on Yerevan to open a land link" in row.excerpt
        assert row.excerpt[row.mark_start : row.mark_end] == "Yerevan"


def test_serve_debug_runs_the_development_server(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr("flask.Flask.run", lambda self, **kw: calls.append(kw))
    result = run("serve", "--db", str(tmp_path / "s.db"), "--debug", "--port", "5124")
    assert result.exit_code == 0, result.output
    [kwargs] = calls
    assert kwargs["debug"] is True and kwargs["port"] == 5124 and kwargs["host"] == "127.0.0.1"
    assert "http://127.0.0.1:5124/" in result.stdout
