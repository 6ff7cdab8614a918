"""``geomap export --format geojson|csv|kml|gpkg`` with filters, each file opened by GDAL's
own ``ogrinfo`` (Debian's gdal-bin), and the same downloads from the web app."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess

import pytest
from click.testing import CliRunner
from conftest import SAMPLE_PLACES, SEED_PATH, FakeEngine, build_result

from geomap.cli import main
from geomap.export import CSV_FIELDS
from geomap.models import Article
from geomap.store import Store

OGRINFO = shutil.which("ogrinfo")
needs_gdal = pytest.mark.skipif(
    OGRINFO is None, reason="ogrinfo missing (apt-get install gdal-bin)"
)


def ogr_layers(path) -> dict[str, int]:
    """Layer name -> feature count, as ``ogrinfo -al -so`` reports them."""
    assert OGRINFO is not None
    out = subprocess.run(
        [OGRINFO, "-ro", "-al", "-so", str(path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    names = re.findall(r"^Layer name: (.+)$", out, re.M)
    counts = [int(n) for n in re.findall(r"^Feature Count: (\d+)$", out, re.M)]
    assert len(names) == len(counts), out
    return dict(zip(names, counts, strict=True))


@pytest.fixture
def store_db(tmp_path, monkeypatch):
    """A real store: the seed (2023-10-13), a 2024 article, an undated one (sample places)."""
    monkeypatch.setattr("geomap.pipeline.Engine", lambda settings=None, **kw: FakeEngine())
    folder = tmp_path / "articles"
    folder.mkdir()
    shutil.copy(SEED_PATH, folder / "seed.txt")
    (folder / "two.txt").write_text("date 2024-01-01 Baku and Ankara talked.\n", "utf-8")
    (folder / "undated.txt").write_text("Yerevan was quiet.\n", "utf-8")
    db = tmp_path / "s.db"
    result = CliRunner().invoke(main, ["ingest", str(folder), "--db", str(db)])
    assert result.exit_code == 0, result.output
    return db


def export(db, *args):
    return CliRunner().invoke(main, ["export", "--db", str(db), *args], catch_exceptions=False)


def expected(text_date: str | None, text: str):
    """What FakeEngine finds in a text: (place ids, placed mentions)."""
    result = build_result(Article("x", text, date=text_date), dict(SAMPLE_PLACES))
    placed = [r.place for r in result.resolutions if r.place]
    return {p.id for p in placed}, len(placed)


def seed_body():
    from geomap.articles import split_date_prefix

    return split_date_prefix(SEED_PATH.read_text("utf-8"))[1]


@needs_gdal
def test_gpkg_and_kml_with_a_date_range_open_in_gdal(store_db, tmp_path):
    seed_places, seed_mentions = expected("2023-10-13", seed_body())
    assert len(seed_places) >= 5  # the sample places the seed names
    gpkg = tmp_path / "oct.gpkg"
    out = export(
        store_db, "--format", "gpkg", "--from", "2023-10-01", "--to", "2023-10-31", "-o", str(gpkg)
    )
    assert out.exit_code == 0, out.output
    layers = ogr_layers(gpkg)
    assert layers == {"places": len(seed_places), "mentions": seed_mentions, "unresolved": 0}

    kml = tmp_path / "jan.kml"
    out = export(store_db, "--format", "kml", "--from", "2024-01-01", "-o", str(kml))
    assert out.exit_code == 0, out.output
    assert ogr_layers(kml) == {"places": 2}  # Baku and Ankara
    assert OGRINFO is not None
    names = subprocess.run(
        [OGRINFO, "-ro", "-al", str(kml)], capture_output=True, text=True, check=True
    ).stdout
    assert "Baku" in names and "Ankara" in names and "Yerevan" not in names

    everything = tmp_path / "all.gpkg"
    assert export(store_db, "--format", "gpkg", "-o", str(everything)).exit_code == 0
    all_places, all_mentions = expected(None, seed_body() + " Baku and Ankara. Yerevan.")
    assert ogr_layers(everything)["places"] == len(all_places)
    # the undated article's Yerevan only appears without a date filter
    assert ogr_layers(everything)["mentions"] == seed_mentions + 2 + 1


def test_csv_has_the_parse_columns_and_one_row_per_mention(store_db):
    out = export(store_db, "--format", "csv", "--to", "2023-12-31")
    assert out.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert list(rows[0].keys()) == CSV_FIELDS
    _places, placed = expected("2023-10-13", seed_body())
    assert len(rows) == placed
    assert {r["article"] for r in rows} == {"seed"}
    assert {r["name"] for r in rows} >= {"Yerevan", "Baku", "Nagorno-Karabakh"}


def test_geojson_filters_and_confidence(store_db):
    out = export(store_db, "--from", "2024-01-01", "--to", "2024-01-01")
    doc = json.loads(out.stdout)
    assert [a["id"] for a in doc["articles"]] == ["two"]
    assert {f["properties"]["name"] for f in doc["features"]} == {"Baku", "Ankara"}
    high = json.loads(export(store_db, "--min-confidence", "0.95").stdout)
    assert high["features"] == []  # FakeEngine places everything at 0.9
    kinds = json.loads(export(store_db, "--kind", "country").stdout)
    assert {f["properties"]["kind"] for f in kinds["features"]} == {"country"}


def test_bad_filters_are_one_line_errors(store_db, tmp_path):
    bad = export(store_db, "--from", "13/10/2023")
    assert bad.exit_code == 2
    assert bad.stderr.strip() == "geomap: from must be a date as YYYY-MM-DD, not '13/10/2023'"
    empty = export(store_db, "--from", "2024-01-02", "--to", "2024-01-01")
    assert empty.exit_code == 2 and "the date range is empty" in empty.stderr
    conf = export(store_db, "--min-confidence", "2")
    assert conf.exit_code == 2 and "between 0 and 1" in conf.stderr
    nofile = export(store_db, "--format", "gpkg")
    assert nofile.exit_code == 2 and "-o FILE.gpkg" in nofile.stderr


@needs_gdal
@pytest.mark.parametrize("fmt", ["geojson", "kml", "gpkg"])
def test_web_downloads_follow_the_filters(app, client, tmp_path, fmt):
    with Store(app.config["DATABASE"]) as store:
        store.save(
            build_result(
                Article("late", "Baku in the news again.", date="2024-03-01"),
                {"Baku": SAMPLE_PLACES["Baku"]},
            )
        )
    response = client.get(f"/export.{fmt}?from=2024-01-01")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    target = tmp_path / f"download.{fmt}"
    target.write_bytes(response.data)
    if OGRINFO is None:
        pytest.skip("ogrinfo missing")
    layers = ogr_layers(target)
    assert layers.get("places", layers.get("download")) == 1  # only Baku, from "late"
    assert client.get(f"/export.{fmt}?from=2024-13-01").status_code == 400


def test_places_geojson_takes_a_date_range(client):
    doc = client.get("/places.geojson?from=2023-10-13&to=2023-10-13").get_json()
    assert doc["features"] and {a["date"] for a in doc["articles"]} == {"2023-10-13"}
    none = client.get("/places.geojson?to=2023-10-12").get_json()
    assert none["features"] == [] and none["articles"] == []
    bad = client.get("/places.geojson?from=yesterday")
    assert bad.status_code == 400 and b"YYYY-MM-DD" in bad.data


@needs_gdal
@pytest.mark.parametrize("fmt", ["kml", "gpkg"])
def test_an_empty_selection_is_still_a_valid_file(store_db, tmp_path, fmt):
    target = tmp_path / f"empty.{fmt}"
    out = export(store_db, "--format", fmt, "--to", "2000-01-01", "-o", str(target))
    assert out.exit_code == 0 and "wrote 0 places" in out.stderr
    layers = ogr_layers(target)
    assert layers and set(layers.values()) == {0}


def test_csv_text_cells_never_run_as_spreadsheet_formulas(tmp_path, basemap_dir):
    """A title, id or name that starts like a formula (=, +, -, @, tab, CR) gets a leading
    quote in every CSV (geomap export, the web download); numbers stay numbers."""
    from geomap.models import Mention, ParseResult, Place, Resolution
    from geomap.web import create_app

    text = "Rally at @Plaza and in -Centro, near +Obelisco and =Ribera.\tThen\rhome."
    article = Article('=HYPERLINK("http://evil")', text, title="=1+1")
    place = Place(
        "geocoder:1",
        '=cmd|" /C calc"!A0',
        "-city",
        {"type": "Point", "coordinates": [-58.3816, -34.6037]},
        "geocoder",
        lat=-34.6037,
        lon=-58.3816,
    )
    surfaces = ["@Plaza", "-Centro", "+Obelisco", "=Ribera", "\tThen", "\rhome"]
    resolutions = []
    for surface in surfaces:
        start = text.index(surface)
        mention = Mention(article.id, surface, start, start + len(surface), text, "GPE")
        resolutions.append(Resolution(mention, place, 0.9, "test"))
    db = tmp_path / "s.db"
    with Store(db) as store:
        store.save(ParseResult((article,), tuple(resolutions)))
    out = export(db, "--format", "csv")
    assert out.exit_code == 0, out.output
    app = create_app(
        {"TESTING": True, "DATABASE": str(db), "TILES": None, "BASEMAP_DIR": str(basemap_dir)}
    )
    download = app.test_client().get("/export.csv")
    assert download.status_code == 200
    for body in (out.stdout, download.get_data(as_text=True)):
        rows = list(csv.DictReader(io.StringIO(body, newline="")))
        assert sorted(r["text"] for r in rows) == sorted("'" + s for s in surfaces)
        for row in rows:
            assert row["article"] == '\'=HYPERLINK("http://evil")'
            assert row["name"] == '\'=cmd|" /C calc"!A0' and row["kind"] == "'-city"
            assert row["place_id"] == "geocoder:1"  # nothing to defuse: unchanged
            assert float(row["lon"]) == -58.3816 and float(row["lat"]) == -34.6037
            assert row["lon"] == "-58.3816"  # a number, not '-58.3816
            assert int(row["start"]) >= 0 and float(row["confidence"]) == 0.9
