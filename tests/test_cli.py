"""The command line as a whole: every command documented, output readable by GDAL."""

from __future__ import annotations

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
