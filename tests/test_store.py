"""The SQLite store: transactions, idempotent ingest, replacement, queries, export schema."""

from __future__ import annotations

import dataclasses
import json
import sqlite3

import pytest
from conftest import SAMPLE_PLACES, build_result

from geomap.errors import StoreError
from geomap.export import result_to_geojson
from geomap.models import Article, Place, Resolution
from geomap.store import MIGRATIONS, Store


def roundtrip(obj):
    return json.loads(json.dumps(obj))


@pytest.fixture
def db(tmp_path):
    return tmp_path / "sub" / "geomap.db"


def test_new_store_has_schema_and_wal(db):
    with Store(db) as store:
        assert store.schema_version == len(MIGRATIONS)
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert store.counts() == {"articles": 0, "places": 0, "mentions": 0, "unresolved": 0}
    with Store(db) as store:  # reopening migrates nothing and keeps the version
        assert store.schema_version == len(MIGRATIONS)


def test_save_and_query(db, seed_result):
    with Store(db) as store:
        assert store.save(seed_result) == {"000_42821f2fae6c857c": "added"}
        counts = store.counts()
        assert counts["articles"] == 1
        assert counts["places"] == 7
        assert counts["mentions"] == len(seed_result.resolved)
        assert counts["unresolved"] == 1

        places = store.places()
        assert places[0].place.name == "Armenia"  # most mentioned first
        assert places[0].mentions == sum(r.place.name == "Armenia" for r in seed_result.resolved)
        assert places[0].articles == ("000_42821f2fae6c857c",)
        karabakh = next(p for p in places if p.place.id == "curated:nagorno-karabakh")
        assert karabakh.place.aliases == ("Artsakh", "Nagorno-Karabakh", "Karabakh")
        assert karabakh.place.geometry["type"] == "Polygon"
        corridor = store.place("curated:zangezur-corridor")
        assert corridor is not None and corridor.status == "proposed"

        total, rows = store.mentions("geonames:616052")
        assert total == 1
        row = rows[0]
        assert row.text == "Yerevan" and row.article_title == "Blinken warns of invasion"
        assert "pressure on Yerevan to open a land link" in row.excerpt
        assert row.excerpt[row.mark_start : row.mark_end] == "Yerevan"

        article = store.article("000_42821f2fae6c857c")
        assert article == seed_result.articles[0]
        assert store.article("nope") is None
        assert [m.text for m in store.unresolved_mentions()] == ["Section 907"]


def test_mentions_are_paged(db, seed_result):
    with Store(db) as store:
        store.save(seed_result)
        total, first = store.mentions("ne:ARM", offset=0, limit=3)
        _, second = store.mentions("ne:ARM", offset=3, limit=3)
        _, everything = store.mentions("ne:ARM", limit=100)
        assert total == len(everything) > 6
        assert first + second == everything[:6]


def test_same_content_again_changes_nothing(db, seed_result):
    with Store(db) as store:
        store.save(seed_result)
        before = store.to_geojson()
        stamp = store.conn.execute("SELECT ingested_at FROM articles").fetchone()[0]
        assert store.is_unchanged(seed_result.articles[0])
        assert store.save(seed_result) == {"000_42821f2fae6c857c": "unchanged"}
        assert store.to_geojson() == before
        assert store.conn.execute("SELECT ingested_at FROM articles").fetchone()[0] == stamp


def test_changed_article_replaces_its_mentions(db, seed_result):
    with Store(db) as store:
        store.save(seed_result)
        old = seed_result.articles[0]
        changed = dataclasses.replace(old, text="Only Baku is named here now.")
        result = build_result(changed, {"Baku": SAMPLE_PLACES["Baku"]})
        assert not store.is_unchanged(changed)
        assert store.save(result) == {old.id: "updated"}
        assert store.counts() == {"articles": 1, "places": 1, "mentions": 1, "unresolved": 0}
        assert [p.place.name for p in store.places()] == ["Baku"]
        article = store.article(old.id)
        assert article is not None and article.text == "Only Baku is named here now."


def test_places_shared_by_articles_survive_replacing_one(db, seed_result):
    with Store(db) as store:
        store.save(seed_result)
        other = Article("other", "Talks in Yerevan went on.", title="Other")
        store.save(build_result(other, {"Yerevan": SAMPLE_PLACES["Yerevan"]}))
        yerevan = next(p for p in store.places() if p.place.name == "Yerevan")
        assert yerevan.articles == ("000_42821f2fae6c857c", "other")
        assert [p.place.name for p in store.places(article="other")] == ["Yerevan"]
        store.save(build_result(dataclasses.replace(other, text="Nothing here."), {}))
        assert store.place("geonames:616052") is not None  # still mentioned by the seed
        assert store.delete_article("000_42821f2fae6c857c")
        assert store.counts()["places"] == 0


def test_interrupted_ingest_leaves_nothing_half_written(db, seed_result):
    with Store(db) as store:
        store.save(seed_result)
        before = store.to_geojson()
        # A place whose geometry cannot be serialised fails half-way through the article.
        broken = Place("x:1", "Broken", "city", {"type": "Point", "coordinates": object()}, "x")
        art = Article("second", "Yerevan and Broken town.", title="Second")
        result = build_result(art, {"Yerevan": SAMPLE_PLACES["Yerevan"], "Broken": broken})
        with pytest.raises(TypeError):
            store.save(result)
        assert store.article("second") is None
        assert store.to_geojson() == before

        # The same for a changed version of an article that is already stored.
        changed = dataclasses.replace(seed_result.articles[0], text="Broken, and Yerevan.")
        with pytest.raises(TypeError):
            store.save(
                build_result(changed, {"Yerevan": SAMPLE_PLACES["Yerevan"], "Broken": broken})
            )
        assert store.to_geojson() == before
    with Store(db) as store:  # and it is still so after reopening
        assert store.to_geojson() == before


def test_export_is_the_parse_schema(db, seed_result):
    with Store(db) as store:
        store.save(seed_result)
        assert roundtrip(store.to_geojson()) == roundtrip(result_to_geojson(seed_result))
        one = store.to_geojson(article="000_42821f2fae6c857c")
        assert roundtrip(one) == roundtrip(result_to_geojson(seed_result))
        with pytest.raises(StoreError, match="no article 'missing'"):
            store.to_geojson(article="missing")


def test_resolve_unresolved_turns_it_into_a_mention(db, seed_result):
    with Store(db) as store:
        store.save(seed_result)
        [mention] = store.unresolved_mentions()
        place = Place(
            "geocoder:x:1",
            "Section 907 (test)",
            "other",
            {"type": "Point", "coordinates": [1.0, 2.0]},
            "geocoder:x",
            lat=2,
            lon=1,
        )
        store.resolve_unresolved(
            mention.article_id, mention.start, mention.end, place, 0.6, "online geocoder"
        )
        assert store.unresolved() == []
        total, [row] = store.mentions("geocoder:x:1")
        assert (total, row.text, row.why, row.confidence) == (
            1,
            "Section 907",
            "online geocoder",
            0.6,
        )
        with pytest.raises(StoreError, match="no unresolved mention"):
            store.resolve_unresolved(mention.article_id, mention.start, mention.end, place, 1, "")
        # and back: replace_resolution can also withdraw a place
        store.replace_resolution(Resolution(mention, None, 0.0, "withdrawn"))
        assert [r.why for r in store.unresolved()] == ["withdrawn"]
        assert store.place("geocoder:x:1") is None


def test_errors_name_the_database_file(tmp_path):
    bad = tmp_path / "not-a-db.db"
    bad.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="not-a-db.db"):
        Store(bad)
    with pytest.raises(StoreError, match="cannot open"):
        Store(tmp_path)  # a directory


def test_newer_schema_is_refused(db):
    Store(db).close()
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 5}")
    conn.close()
    with pytest.raises(StoreError, match="newer"):
        Store(db)


def test_display_geometry_is_light_and_close(db):
    import math

    from shapely.geometry import shape

    ring = [
        [44 + math.cos(a / 500 * 2 * math.pi), 40 + math.sin(a / 500 * 2 * math.pi)]
        for a in range(500)
    ]
    ring.append(ring[0])
    big = {"type": "Polygon", "coordinates": [ring]}
    place = Place("x:circle", "Circle", "region", big, "x")
    art = Article("c", "A Circle here.")
    with Store(db) as store:
        store.save(
            art,
            [
                Resolution(
                    build_result(art, {"Circle": place}).resolutions[0].mention, place, 0.9, "test"
                )
            ],
        )
        [summary] = store.places(display=True)
        light = summary.place.geometry
        assert len(light["coordinates"][0]) < 100
        assert shape(light).symmetric_difference(shape(big)).area < 0.02 * shape(big).area
        circle = store.place("x:circle")
        assert circle is not None and circle.geometry == big  # the full geometry is kept as is
        assert store.to_geojson()["features"][0]["geometry"]["coordinates"][0][:3] == ring[:3]


def test_migration_from_v1_backfills_display_geometry(db, seed_result):
    db.parent.mkdir(parents=True)
    conn = sqlite3.connect(db)
    first = MIGRATIONS[0]
    assert isinstance(first, str)
    conn.executescript(first)
    conn.execute("PRAGMA user_version = 1")
    conn.execute(
        "INSERT INTO places (id, name, kind, source, geometry) VALUES (?, ?, ?, ?, ?)",
        ("x:1", "Old", "city", "x", json.dumps({"type": "Point", "coordinates": [1.123456, 2]})),
    )
    conn.commit()
    conn.close()
    with Store(db) as store:
        assert store.schema_version == len(MIGRATIONS) >= 2
        row = store.conn.execute("SELECT display, geometry_hash FROM places").fetchone()
        assert json.loads(row[0]) == {"type": "Point", "coordinates": [1.1235, 2.0]}
        assert len(row[1]) == 40
        assert store.save(seed_result)  # and the migrated store takes new articles


def test_article_focus_is_stored_and_exported(db, seed_result):
    """The focus is computed when the article is stored and travels with it."""
    with Store(db) as store:
        store.save(seed_result)
        focus = store.focus("000_42821f2fae6c857c")
        exported = store.to_geojson("000_42821f2fae6c857c")["articles"][0]["focus"]
        assert store.focus("no-such-article").countries == ()
    codes = [a.id for a in focus.countries]
    # the sample places: Yerevan, Armenia (AM); Baku, Nakhchivan (AZ); Ankara (TR), once
    assert set(codes) == {"AM", "AZ"}
    assert focus.countries[0].weight >= focus.countries[-1].weight
    assert focus.bbox is not None and focus.bbox[0] < 44.6 < focus.bbox[2]
    assert exported == focus.to_dict()
