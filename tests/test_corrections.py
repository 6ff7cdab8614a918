"""Corrections as rules: the pure rule engine, the store, and the command-line path
(correct -> parse a new article -> export -> import into a fresh store)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SAMPLE_PLACES, SEED_PATH, build_result

from geomap.cli import main
from geomap.corrections import (
    Correction,
    apply_rules,
    export_document,
    import_document,
    new_place_feature,
)
from geomap.errors import InputError
from geomap.models import Article, Focus, FocusArea
from geomap.store import Store

SEED_ID = "000_42821f2fae6c857c"
NAXCIVAN = "geonames:147429"  # the city of Nakhchivan (GeoNames "Naxçıvan")


def rule(**kw):
    base = dict(
        article="a1",
        start=0,
        end=4,
        surface="Baku",
        action="place",
        scope="everywhere",
        editor="ana",
        place_id=SAMPLE_PLACES["Ankara"].id,
        created_at="2024-01-01T00:00:00Z",
        uid=kw.pop("uid", "u-" + str(len(kw))),
    )
    base.update(kw)
    return Correction(**base)


def lookup(pid):
    return next((p for p in SAMPLE_PLACES.values() if p.id == pid), None)


@pytest.fixture
def two_bakus():
    art = Article("a1", "Baku talks. Later in Baku, Yerevan and Ankara met.")
    return art, list(build_result(art, dict(SAMPLE_PLACES)).resolutions)


def placed(resolutions):
    return [(r.mention.start, r.mention.text, r.place.id if r.place else None) for r in resolutions]


def test_no_rules_changes_nothing(two_bakus):
    art, res = two_bakus
    assert apply_rules(art, res, [], lookup) == res


def test_scopes_and_precedence(two_bakus):
    art, res = two_bakus
    baku, ankara, yerevan = (SAMPLE_PLACES[n].id for n in ("Baku", "Ankara", "Yerevan"))
    everywhere = rule(place_id=ankara, uid="e")
    out = placed(apply_rules(art, res, [everywhere], lookup))
    assert [p for s, t, p in out if t == "Baku"] == [ankara, ankara]
    # a mention rule beats the wider one, for its span only
    only_second = rule(scope="mention", start=21, end=25, place_id=yerevan, uid="m")
    out = placed(apply_rules(art, res, [everywhere, only_second], lookup))
    assert [p for s, t, p in out if t == "Baku"] == [ankara, yerevan]
    # an article rule only acts in its article
    other = Article("a2", "Baku again.")
    other_res = list(build_result(other, dict(SAMPLE_PLACES)).resolutions)
    art_rule = rule(scope="article", place_id=yerevan, uid="a")
    assert placed(apply_rules(other, other_res, [art_rule], lookup)) == [(0, "Baku", baku)]
    # among rules of one scope, the newest wins
    newer = rule(place_id=yerevan, uid="n", created_at="2024-06-01T00:00:00Z")
    for order in ([everywhere, newer], [newer, everywhere]):
        out = placed(apply_rules(art, res, order, lookup))
        assert {p for s, t, p in out if t == "Baku"} == {yerevan}
    # undone rules are ignored
    undone = rule(place_id=yerevan, uid="x", undone=True)
    assert placed(apply_rules(art, res, [undone], lookup)) == placed(res)


def test_not_a_place_removes_the_mentions(two_bakus):
    art, res = two_bakus
    out = apply_rules(art, res, [rule(action="not-a-place", place_id=None)], lookup)
    assert "Baku" not in {r.mention.text for r in out}
    assert len(out) == len(res) - 2


def test_everywhere_with_a_country_needs_that_focus(two_bakus):
    art, res = two_bakus
    yerevan = SAMPLE_PLACES["Yerevan"].id
    scoped = rule(place_id=yerevan, country="AZ", uid="c")
    about_az = Focus(countries=(FocusArea("AZ", "Azerbaijan", "country", 0.6),))
    about_fr = Focus(countries=(FocusArea("FR", "France", "country", 1.0),))
    hit = apply_rules(art, res, [scoped], lookup, focus=about_az)
    miss = apply_rules(art, res, [scoped], lookup, focus=about_fr)
    assert {r.place and r.place.id for r in hit if r.mention.text == "Baku"} == {yerevan}
    baku = SAMPLE_PLACES["Baku"].id
    assert {r.place and r.place.id for r in miss if r.mention.text == "Baku"} == {baku}
    # without a given focus, the article's own is computed (AZ, AM, TR here)
    computed = apply_rules(art, res, [scoped], lookup)
    assert {r.place and r.place.id for r in computed if r.mention.text == "Baku"} == {yerevan}


def test_a_mention_rule_adds_a_span_the_engine_missed():
    art = Article("a1", "Shelling hit Nor Kut overnight. Nor Kut is small.")
    feature = new_place_feature("Nor Kut", 40.1, 45.2, "village", editor="ana")
    new = rule(
        start=13,
        end=20,
        surface="Nor Kut",
        action="new-place",
        place_id=None,
        new_place=feature,
        scope="article",
    )
    out = apply_rules(art, [], [new], lookup)
    assert [(r.mention.start, r.mention.end) for r in out] == [(13, 20), (32, 39)]
    placed = out[0].place
    assert placed is not None
    assert placed.name == "Nor Kut" and placed.id.startswith("correction:")
    assert out[0].mention.sentence == "Shelling hit Nor Kut overnight."


def test_bad_corrections_are_refused_with_a_clear_message():
    with pytest.raises(InputError, match="scope"):
        rule(scope="planet")
    with pytest.raises(InputError, match="country"):
        rule(scope="article", country="AZ")
    with pytest.raises(InputError, match="lat"):
        new_place_feature("X", 123, 0, "village")
    with pytest.raises(InputError, match="no 'corrections'"):
        import_document({"type": "FeatureCollection", "features": []}, "x.geojson")


def test_export_then_import_round_trips():
    feature = new_place_feature("Nor Kut", 40.1, 45.2, "village", aliases=["Nor-Kut"])
    rules = [
        rule(uid="one", note="<b>bold</b>"),
        rule(uid="two", action="new-place", place_id=None, new_place=feature),
    ]
    doc = json.loads(json.dumps(export_document(rules)))
    assert [f["properties"]["name"] for f in doc["features"]] == ["Nor Kut"]
    back = import_document(doc, "x.geojson")
    assert back == rules
    assert back[1].new_place == feature


def test_store_keeps_rules_undo_and_editors(tmp_path):
    with Store(tmp_path / "s.db") as store:
        first = store.add_correction(rule(uid="one"))
        assert first is not None and first.id == 1
        assert store.add_correction(rule(uid="one")) is None  # same uid: kept once
        second = store.add_correction(rule(uid="two", action="not-a-place", place_id=None))
        assert second is not None and second.id == 2
        undone = store.undo_correction(1, "bo", "2024-02-02T00:00:00Z")
        assert undone.undone and undone.undone_by == "bo"
        assert [r.uid for r in store.corrections(active_only=True)] == ["two"]
        assert [r.uid for r in store.corrections()] == ["one", "two"]
        from geomap.corrections import add_editor, editor_for_token

        token = add_editor(store, "ana")
        assert editor_for_token(store, token) == "ana"
        assert editor_for_token(store, token + "x") is None
        assert token not in json.dumps(store.editors())
        raw = store.conn.execute("SELECT token_hash FROM editors").fetchone()[0]
        assert token not in raw


# -- the command line, with the real engine ------------------------------------------------


@pytest.fixture
def cli_env(offline_index, engine, monkeypatch, tmp_path):
    """Commands run in-process with the session's real engine (its rules swapped per
    command as a fresh Engine would load them), the test index, and a temporary store."""

    def factory(settings=None, *, progress=False, rules=()):
        engine.set_rules(rules)
        return engine

    monkeypatch.setattr("geomap.pipeline.Engine", factory)
    yield {"GEOMAP_INDEX_PATH": str(offline_index), "GEOMAP_DB": str(tmp_path / "main.db")}
    engine.set_rules(())


def run(env, *args):
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def mention_places(doc, text):
    return {
        (f["properties"]["id"], m["why"])
        for f in doc["features"]
        for m in f["properties"]["mentions"]
        if m["text"] == text
    }


def test_cli_correct_everywhere_then_parse_export_import(cli_env, tmp_path):
    new = tmp_path / "new.txt"
    new.write_text("Trucks crossed into Nakhichevan on Monday, officials in Baku said.\n")
    before = json.loads(run(cli_env, "parse", str(new)).stdout)
    assert not Path(cli_env["GEOMAP_DB"]).exists()  # reading rules creates no store
    run(cli_env, "ingest", str(SEED_PATH))
    assert {p for p, _ in mention_places(before, "Nakhichevan")} == {"curated:nakhchivan"}

    out = run(
        cli_env,
        "correct",
        "--article",
        SEED_ID,
        "--span",
        "1982:1993",
        "--place",
        NAXCIVAN,
        "--scope",
        "everywhere",
        "--note",
        "the city, not the republic",
        "--editor",
        "ana",
    ).stdout
    assert "correction #1: 'Nakhichevan' -> geonames:147429" in out
    assert "re-resolved 1 stored article(s)" in out
    with Store(cli_env["GEOMAP_DB"]) as store:
        stored = {r.mention.start: r.place.id for r in store.resolutions(SEED_ID) if r.place}
    assert stored[1982] == NAXCIVAN

    after = json.loads(run(cli_env, "parse", str(new)).stdout)
    assert mention_places(after, "Nakhichevan") == {
        (NAXCIVAN, "corrected by ana (rule #1, scope everywhere): the city, not the republic")
    }

    listing = run(cli_env, "corrections", "list").stdout
    assert "curated:nakhchivan Nakhchivan Autonomous Republic -> geonames:147429" in listing

    export = tmp_path / "corrections.geojson"
    run(cli_env, "corrections", "export", "-o", str(export))
    fresh = dict(cli_env, GEOMAP_DB=str(tmp_path / "fresh.db"))
    imported = run(fresh, "corrections", "import", str(export)).stdout
    assert "imported 1 correction(s)" in imported
    assert run(fresh, "corrections", "list").stdout == listing
    elsewhere = json.loads(run(fresh, "parse", str(new)).stdout)
    assert {p for p, _ in mention_places(elsewhere, "Nakhichevan")} == {NAXCIVAN}
    again = run(fresh, "corrections", "import", str(export)).stdout
    assert "imported 0 correction(s) (1 already stored)" in again

    # the engine alone does not agree with this correction (that is why it was made)
    report = run(cli_env, "eval", "--corrections").stdout
    assert "DIFFER #1" in report
    assert "agrees with 0 of 1 stored corrections" in report

    undo = run(cli_env, "corrections", "undo", "1", "--editor", "bo").stdout
    assert "undid correction #1; re-resolved 1" in undo
    with Store(cli_env["GEOMAP_DB"]) as store:
        stored = {r.mention.start: r.place.id for r in store.resolutions(SEED_ID) if r.place}
    assert stored[1982] == "curated:nakhchivan"
    reverted = json.loads(run(cli_env, "parse", str(new)).stdout)
    assert {p for p, _ in mention_places(reverted, "Nakhichevan")} == {"curated:nakhchivan"}


def test_cli_corrections_on_a_postgres_store(cli_env, tmp_path, pg_url):
    """The same commands with ``--db postgresql://...``: the rule is kept in PostgreSQL,
    re-resolves the stored article, reaches a new parse, and is undone."""
    env = dict(cli_env, GEOMAP_DB=pg_url)
    new = tmp_path / "new.txt"
    new.write_text("Trucks crossed into Nakhichevan on Monday, officials in Baku said.\n")
    run(env, "ingest", str(SEED_PATH))
    out = run(env, "correct", "--article", SEED_ID, "--span", "1982:1993", "--place", NAXCIVAN,
              "--scope", "everywhere", "--editor", "ana").stdout  # fmt: skip
    assert "re-resolved 1 stored article(s)" in out
    with Store.open(pg_url) as store:
        stored = {r.mention.start: r.place.id for r in store.resolutions(SEED_ID) if r.place}
        assert [c.place_id for c in store.corrections(active_only=True)] == [NAXCIVAN]
    assert stored[1982] == NAXCIVAN
    assert "-> geonames:147429" in run(env, "corrections", "list").stdout
    after = json.loads(run(env, "parse", str(new)).stdout)
    assert {p for p, _ in mention_places(after, "Nakhichevan")} == {NAXCIVAN}
    assert "agrees with 0 of 1 stored corrections" in run(env, "eval", "--corrections").stdout
    run(env, "corrections", "undo", "1", "--editor", "bo")
    with Store.open(pg_url) as store:
        stored = {r.mention.start: r.place.id for r in store.resolutions(SEED_ID) if r.place}
    assert stored[1982] == "curated:nakhchivan"
    added = run(env, "editors", "add", "cy").stdout
    assert "geomap_test_" in added and "cy" in run(env, "editors", "list").stdout


def test_cli_new_place_and_not_a_place(cli_env, tmp_path):
    gazetteer = tmp_path / "gz"
    gazetteer.mkdir()
    run(cli_env, "ingest", str(SEED_PATH))
    run(
        cli_env,
        "correct",
        "--article",
        SEED_ID,
        "--span",
        "1887:1893",
        "--new-place",
        "Ankara Esenboğa checkpoint",
        "--lat",
        "40.128",
        "--lon",
        "32.995",
        "--kind",
        "checkpoint",
        "--alias",
        "Esenboga",
        "--scope",
        "mention",
    )
    run(
        cli_env,
        "correct",
        "--article",
        SEED_ID,
        "--span",
        "1878:1882",
        "--not-a-place",
        "--scope",
        "mention",
    )
    with Store(cli_env["GEOMAP_DB"]) as store:
        by_start = {r.mention.start: r for r in store.resolutions(SEED_ID)}
    checkpoint = by_start[1887].place
    assert checkpoint is not None and checkpoint.name == "Ankara Esenboğa checkpoint"
    assert 1878 not in by_start  # "not a place": the mention is gone, not unresolved
    run(cli_env, "corrections", "export", "-o", str(gazetteer / "corrections.geojson"))
    check = CliRunner().invoke(main, ["gazetteer", "check", str(gazetteer)], env=cli_env)
    assert check.exit_code == 0, check.output
    assert "0 error(s)" in check.output


def test_cli_refuses_bad_corrections_and_changes_nothing(cli_env):
    run(cli_env, "ingest", str(SEED_PATH))
    cases = [
        (["--span", "1982:1993", "--place", "geonames:0"], "in none of the gazetteers"),
        (["--span", "99999:100000", "--place", NAXCIVAN], "outside article"),
        (["--span", "a:b", "--place", NAXCIVAN], "--span 'a:b'"),
        (["--span", "1982:1993", "--new-place", "X"], "needs --lat"),
        (["--span", "1982:1993"], "exactly one of"),
    ]
    for extra, message in cases:
        result = CliRunner().invoke(
            main, ["correct", "--article", SEED_ID, "--scope", "article", *extra], env=cli_env
        )
        assert result.exit_code == 2, result.output
        assert message in result.output
    with Store(cli_env["GEOMAP_DB"]) as store:
        assert store.corrections() == []


def test_editors_add_prints_the_token_once_on_the_last_line(tmp_path):
    db = tmp_path / "e.db"
    result = CliRunner().invoke(main, ["editors", "add", "ana", "--db", str(db)])
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    assert len(token) >= 40 and " " not in token
    with Store(db) as store:
        from geomap.corrections import editor_for_token

        assert editor_for_token(store, token) == "ana"
    twice = CliRunner().invoke(main, ["editors", "add", "ana", "--db", str(db)])
    assert twice.exit_code == 2 and "exists already" in twice.output
    listed = CliRunner().invoke(main, ["editors", "list", "--db", str(db)])
    assert listed.output.startswith("ana\t") and token not in listed.output


def test_reapply_touches_only_the_affected_articles(cli_env, tmp_path):
    other = tmp_path / "other.txt"
    other.write_text("Rain fell on Tbilisi and Batumi.\n")
    run(cli_env, "ingest", str(SEED_PATH), str(other))
    run(
        cli_env,
        "correct",
        "--article",
        SEED_ID,
        "--span",
        "1982:1993",
        "--place",
        NAXCIVAN,
        "--scope",
        "everywhere",
    )
    from geomap.corrections import affected_articles

    with Store(cli_env["GEOMAP_DB"]) as store:
        correction = store.correction(1)
        assert correction is not None
        assert affected_articles(store, correction) == [SEED_ID]
    assert "re-resolved 1 stored article(s)" in run(cli_env, "reapply").stdout
