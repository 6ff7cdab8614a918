"""The command line as a whole: every command documented, output readable by GDAL."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from geomap.cli import main

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def all_commands(group: click.Group, prefix: str = "geomap") -> list[tuple[str, click.Command]]:
    out = []
    for name, cmd in sorted(group.commands.items()):
        full = f"{prefix} {name}"
        out.append((full, cmd))
        if isinstance(cmd, click.Group):
            out.extend(all_commands(cmd, full))
    return out


COMMANDS = all_commands(main)


def test_the_expected_commands_exist():
    names = {name for name, _ in COMMANDS}
    for expected in [
        "parse",
        "ingest",
        "serve",
        "export",
        "eval",
        "gazetteer",
        "geocode",
        "resolve",
        "gazetteer build",
        "gazetteer check",
    ]:
        assert f"geomap {expected}" in names


@pytest.mark.parametrize(("name", "command"), COMMANDS, ids=[n for n, _ in COMMANDS])
def test_every_command_has_help_and_is_in_the_readme(name, command):
    args = name.split()[1:] + ["--help"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output
    assert (command.help or "").strip(), f"{name} has no help text"
    assert name in README, f"{name} is not documented in README.md"


def test_gazetteer_check_passes_on_the_shipped_data():
    result = CliRunner().invoke(main, ["gazetteer", "check"])
    assert result.exit_code == 0, result.output
    assert "0 error(s)" in result.output


def test_gazetteer_check_fails_on_a_broken_file(tmp_path):
    (tmp_path / "bad.geojson").write_text('{"type": "FeatureCollection", "features": [', "utf-8")
    result = CliRunner().invoke(main, ["gazetteer", "check", str(tmp_path)])
    assert result.exit_code == 1
    assert "bad.geojson" in result.output


def test_bad_setting_is_one_clean_line(monkeypatch):
    monkeypatch.setenv("GEOMAP_GEOCODER", "carrier-pigeon")
    result = CliRunner().invoke(main, ["parse", "seeds/000_42821f2fae6c857c.txt"])
    assert result.exit_code != 0
    assert "geocoder must be one of" in result.output
    assert "Traceback" not in result.output


@pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="GDAL's ogrinfo is not installed")
def test_parse_output_opens_whole_in_gdal(tmp_path, offline_index, monkeypatch):
    monkeypatch.setenv("GEOMAP_INDEX_PATH", str(offline_index))
    result = CliRunner().invoke(main, ["parse", "seeds/000_42821f2fae6c857c.txt"])
    assert result.exit_code == 0, result.output
    fc = json.loads(result.output)
    out = tmp_path / "seed.geojson"
    out.write_text(result.output, encoding="utf-8")
    proc = subprocess.run(
        ["ogrinfo", "-ro", "-al", "-so", str(out)], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert f"Feature Count: {len(fc['features'])}" in proc.stdout
    assert "ERROR" not in proc.stderr


# -- inputs: ids, files that are not files, size (issue 13) --------------------------------------


@pytest.fixture
def fake_engine(monkeypatch):
    """The sample-places stand-in for the real Engine (no spaCy, no index)."""
    from conftest import FakeEngine

    monkeypatch.setattr("geomap.pipeline.Engine", lambda settings=None, **kw: FakeEngine())


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_ingest_keeps_same_named_files_of_two_folders_apart(tmp_path, fake_engine, basemap_dir):
    from geomap.store import Store
    from geomap.web import create_app

    folder = tmp_path / "site"
    for sub, city in (("a", "Baku"), ("b", "Yerevan")):
        (folder / sub).mkdir(parents=True)
        (folder / sub / "index.txt").write_text(f"Talks in {city} today.", "utf-8")
    db = tmp_path / "s.db"
    result = run("ingest", str(folder), "--db", str(db))
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    with Store(db) as store:
        assert sorted(s.article.id for s in store.articles()) == ["a/index", "b/index"]
        assert [p.place.name for p in store.places(article="b/index")] == ["Yerevan"]
    app = create_app(
        {"TESTING": True, "DATABASE": str(db), "TILES": None, "BASEMAP_DIR": str(basemap_dir)}
    )
    client = app.test_client()
    page = client.get("/articles/b/index")
    assert page.status_code == 200
    assert b"Talks in" in page.data and b"Yerevan" in page.data and b"Baku" not in page.data
    quoted = client.get("/articles/b%2Findex")  # the form of the map popups' links
    assert quoted.status_code == 200 and b"Talks in" in quoted.data and b"Yerevan" in quoted.data
    listing = client.get("/articles").get_data(as_text=True)
    assert 'href="/articles/a/index"' in listing and 'href="/articles/b/index"' in listing
    exported = run("export", "--db", str(db), "--article", "a/index", "--format", "csv")
    assert exported.exit_code == 0, exported.output
    rows = list(csv.DictReader(io.StringIO(exported.stdout)))
    assert {(r["article"], r["name"]) for r in rows} == {("a/index", "Baku")}


def test_two_inputs_with_one_id_are_both_kept_with_a_warning(tmp_path, fake_engine):
    from geomap.store import Store

    a_x, b_x = tmp_path / "a" / "x.txt", tmp_path / "b" / "x.txt"
    for path, city in ((a_x, "Baku"), (b_x, "Ankara")):
        path.parent.mkdir()
        path.write_text(f"News from {city}.", "utf-8")
    db = tmp_path / "s.db"
    warning = (
        f"geomap: warning: {b_x}: id 'x' is already used by {a_x} in this run; stored as 'x-2'"
    )
    first = run("ingest", str(a_x), str(b_x), "--db", str(db))
    assert first.exit_code == 0, first.output
    assert first.stderr.splitlines() == [warning]
    assert "(2 added, 0 updated, 0 unchanged)" in first.stdout
    b_x.write_text("News from Yerevan.", "utf-8")  # the same inputs again: same ids, replaced
    second = run("ingest", str(a_x), str(b_x), "--db", str(db))
    assert second.stderr.splitlines() == [warning]
    assert "(0 added, 1 updated, 1 unchanged)" in second.stdout
    with Store(db) as store:
        assert [s.article.id for s in store.articles()] == ["x", "x-2"]
        renamed = store.article("x-2")
        assert renamed is not None and renamed.text == "News from Yerevan."
        assert [p.place.name for p in store.places(article="x-2")] == ["Yerevan"]
        assert [p.place.name for p in store.places(article="x")] == ["Baku"]
    parsed = run("parse", "--format", "json", str(a_x), str(b_x))
    assert parsed.exit_code == 0, parsed.output
    assert [a["id"] for a in json.loads(parsed.stdout)["articles"]] == ["x", "x-2"]
    assert parsed.stderr.splitlines() == [warning]


def geomap_cli(*args: str, stdin=None, env_extra=None, timeout=60):
    """The real command in a child process (a FIFO or an endless stdin must not hang it)."""
    import os
    import sys

    env = {**os.environ, **(env_extra or {})}
    return subprocess.run(
        [sys.executable, "-m", "geomap.cli", *args],
        stdin=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


def test_a_fifo_or_a_device_is_refused_not_waited_on(tmp_path):
    import os

    fifo = tmp_path / "news.txt"
    os.mkfifo(fifo)
    proc = geomap_cli("parse", str(fifo), "/dev/zero", timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [
        f"geomap: {fifo}: is a FIFO (named pipe), not a file",
        "geomap: /dev/zero: is a character device, not a file",
    ]


def test_endless_stdin_stops_at_the_configured_limit(tmp_path):
    with open("/dev/zero", "rb") as endless:
        proc = geomap_cli(
            "parse", "-", stdin=endless, env_extra={"GEOMAP_MAX_INPUT_BYTES": str(3 * 1024 * 1024)}
        )
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == ["geomap: <stdin>: larger than the limit of 3 MB"]
    bad = geomap_cli("parse", "-", env_extra={"GEOMAP_MAX_INPUT_BYTES": "lots"})
    assert bad.returncode != 0 and "GEOMAP_MAX_INPUT_BYTES: max_input_bytes has a bad value" in (
        bad.stderr
    )


def test_ingest_refuses_a_list_with_an_id_twice(tmp_path):
    """The store keys on the id: a library caller's duplicate would replace the first."""
    from geomap.config import Settings
    from geomap.errors import InputError
    from geomap.models import Article
    from geomap.parallel import ingest_articles
    from geomap.store import Store

    twice = [Article("x", "One.", source="a.txt"), Article("x", "Two.", source="b.txt")]
    with Store(tmp_path / "s.db") as store:
        with pytest.raises(InputError, match=r"^b\.txt: article id 'x' is given twice"):
            ingest_articles(store, Settings(), twice)
        assert store.counts()["articles"] == 0
