"""The PostgreSQL/PostGIS store on a real server: the same answers as the SQLite store,
idempotent batches, concurrent writers, the PostGIS column and its GiST index."""

from __future__ import annotations

import dataclasses
import json
import threading

import pytest
from conftest import SAMPLE_PLACES, build_result

from geomap.errors import StoreError
from geomap.export import result_to_geojson
from geomap.models import Article
from geomap.store import MIGRATIONS, Store


def roundtrip(obj):
    return json.loads(json.dumps(obj))


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path):
    """Each behaviour below holds for both databases."""
    if request.param == "sqlite":
        return str(tmp_path / "geomap.db")
    return request.getfixturevalue("pg_url")


def test_postgres_store_has_schema_postgis_and_gist_index(pg_url):
    with Store.open(pg_url) as store:
        assert store.dialect == "postgresql"
        assert store.schema_version == len(MIGRATIONS)
        assert store.conn.execute("SELECT version FROM schema_version").fetchall() == [
            (len(MIGRATIONS),)
        ]
        column = store.conn.execute(
            "SELECT type FROM geometry_columns WHERE f_table_name = 'places'"
        ).fetchone()
        assert column[0] == "GEOMETRY"
        index = store.conn.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'places_geom'"
        ).fetchone()
        assert "USING gist (geom)" in index[0]
    with Store(pg_url) as store:  # reopening migrates nothing
        assert store.schema_version == len(MIGRATIONS)


def test_newer_postgres_schema_is_refused_and_password_masked(pg_url):
    Store(pg_url).close()
    import psycopg

    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("UPDATE schema_version SET version = 99")
    with pytest.raises(StoreError, match="newer"):
        Store(pg_url)
    bad = pg_url.replace("postgres@", "postgres:secret@").rsplit("/", 1)[0] + "/no_such_db"
    with pytest.raises(StoreError, match="cannot open") as info:
        Store(bad)
    assert "secret" not in str(info.value) and "***" in str(info.value)


def test_both_stores_answer_the_same(tmp_path, pg_url, seed_result):
    other = Article("other", "Talks in Yerevan and Baku went on.", title="Other")
    other_result = build_result(
        other, {"Yerevan": SAMPLE_PLACES["Yerevan"], "Baku": SAMPLE_PLACES["Baku"]}
    )
    answers = []
    for target in (tmp_path / "a.db", pg_url):
        with Store.open(target) as store:
            assert store.save(seed_result) == {"000_42821f2fae6c857c": "added"}
            assert store.save(other_result) == {"other": "added"}
            answers.append(
                (
                    store.counts(),
                    [(p.place, p.mentions, p.articles) for p in store.places()],
                    [p.place for p in store.places(display=True, with_articles=False)],
                    store.mentions("ne:ARM", offset=2, limit=3),
                    store.resolutions(),
                    [(s.article, s.places, s.mentions, s.unresolved) for s in store.articles()],
                    roundtrip(store.to_geojson()),
                )
            )
    assert answers[0] == answers[1]
    assert answers[1][-1]["features"]  # not trivially equal
    assert roundtrip(result_to_geojson(seed_result))["features"][0] in answers[1][-1]["features"]


def test_same_content_is_stored_once_and_changes_replace(store_url, seed_result):
    with Store.open(store_url) as store:
        store.save(seed_result)
        before = store.to_geojson()
        stamp = store.conn.execute("SELECT ingested_at FROM articles").fetchone()[0]
        assert store.save_batch([(seed_result.articles[0], seed_result.resolutions)] * 2) == {
            "000_42821f2fae6c857c": "unchanged"
        }
        assert store.to_geojson() == before
        assert store.conn.execute("SELECT ingested_at FROM articles").fetchone()[0] == stamp
        changed = dataclasses.replace(seed_result.articles[0], text="Only Baku is named here.")
        result = build_result(changed, {"Baku": SAMPLE_PLACES["Baku"]})
        assert store.save_batch([(changed, result.resolutions)]) == {changed.id: "updated"}
        assert store.counts() == {"articles": 1, "places": 1, "mentions": 1, "unresolved": 0}


def test_a_failing_batch_leaves_nothing(store_url, seed_result):
    from geomap.models import Place

    broken = Place("x:1", "Broken", "city", {"type": "Point", "coordinates": object()}, "x")
    art = Article("second", "Yerevan and Broken town.", title="Second")
    bad = build_result(art, {"Yerevan": SAMPLE_PLACES["Yerevan"], "Broken": broken})
    with Store.open(store_url) as store:
        with pytest.raises(TypeError):
            store.save_batch(
                [(seed_result.articles[0], seed_result.resolutions), (art, bad.resolutions)]
            )
        assert store.counts()["articles"] == 0


def test_concurrent_batch_writers_neither_deadlock_nor_duplicate(store_url):
    """Four connections write overlapping batches (same articles, same places, in opposite
    orders) at once: every article and place is stored exactly once."""
    names = ["Yerevan", "Baku", "Armenia", "Ankara"]
    articles = [
        Article(f"a{i}", f"{names[i % 4]} and {names[(i + 1) % 4]} talk.", title=f"A{i}")
        for i in range(40)
    ]
    batches = [
        (a, build_result(a, {n: SAMPLE_PLACES[n] for n in names}).resolutions) for a in articles
    ]
    Store.open(store_url).close()
    errors: list[BaseException] = []

    def writer(order: int) -> None:
        try:
            with Store.open(store_url) as store:
                mine = batches if order % 2 else list(reversed(batches))
                for i in range(0, len(mine), 10):
                    store.save_batch(mine[i : i + 10])
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors
    with Store.open(store_url) as store:
        counts = store.counts()
        assert counts["articles"] == 40
        assert counts["places"] == 4
        assert counts["mentions"] == 80
        assert sorted(s.article.id for s in store.articles()) == sorted(a.id for a in articles)


def test_cli_ingest_and_export_with_a_postgres_url(tmp_path, pg_url, offline_index):
    """``--db postgresql://...`` works for ingest and export, and exports what SQLite does."""
    from click.testing import CliRunner
    from conftest import SEED_PATH

    from geomap.cli import main

    env = {"GEOMAP_INDEX_PATH": str(offline_index)}
    exports = []
    for db in (str(tmp_path / "cli.db"), pg_url):
        runner = CliRunner()
        result = runner.invoke(main, ["ingest", str(SEED_PATH), "--db", db], env=env)
        assert result.exit_code == 0, result.output
        assert "1 articles stored (1 added" in result.stdout
        out = runner.invoke(main, ["export", "--db", db], env=env)
        assert out.exit_code == 0, out.output
        exports.append(json.loads(out.stdout))
    assert exports[0] == exports[1] and exports[0]["features"]


def test_settings_keep_a_database_url_whole():
    from geomap.config import load_settings

    url = "postgresql://geomap@db.example:5433/news"
    assert load_settings({"db": url}, environ={}).db_url == url
    assert load_settings({}, environ={"GEOMAP_DB": url}).db_url == url
    assert load_settings({"db": "/tmp/x.db"}, environ={}).db_url == "/tmp/x.db"
