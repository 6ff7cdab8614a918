"""Reference ids and points (issue 9): every place carries ``point`` and, where GeoNames has
the same place, ``geonames_id``, in every output (GeoJSON, JSON, CSV, store, map)."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from shapely.geometry import Point, shape

from geomap.cli import main
from geomap.export import CSV_FIELDS, result_to_csv, result_to_geojson
from geomap.gazetteer.curated import CuratedGazetteer
from geomap.gazetteer.index import OfflineGazetteer
from geomap.models import Place
from geomap.store import MIGRATIONS, Store

SEED = "seeds/000_42821f2fae6c857c.txt"
GDAL = pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="GDAL's ogrinfo is missing")
WITH_IDS = ("country", "admin1", "city")
POINT = re.compile(r"POINT \(([-\d.e]+) ([-\d.e]+)\)")


@pytest.fixture(scope="module")
def seed_outputs(offline_index: Path, tmp_path_factory: pytest.TempPathFactory):
    """The real engine's GeoJSON, JSON and CSV for the seed article, as files."""
    out = tmp_path_factory.mktemp("seed-out")
    env = {"GEOMAP_INDEX_PATH": str(offline_index)}
    files = {}
    for fmt, name in (("geojson", "seed.geojson"), ("json", "seed.json"), ("csv", "seed.csv")):
        result = CliRunner().invoke(main, ["parse", "--format", fmt, SEED], env=env)
        assert result.exit_code == 0, result.output
        files[fmt] = out / name
        files[fmt].write_text(result.output, encoding="utf-8", newline="")
    return files


def test_every_seed_place_has_a_point_and_an_id_where_geonames_has_it(seed_outputs):
    fc = json.loads(seed_outputs["geojson"].read_text(encoding="utf-8"))
    kinds = {f["properties"]["kind"] for f in fc["features"]}
    assert {"country", "city"} <= kinds  # the seed names Armenia, Azerbaijan, Yerevan...
    for feature in fc["features"]:
        props = feature["properties"]
        lon, lat = props["point"]
        assert -180 <= lon <= 180 and -90 <= lat <= 90, props["id"]
        if feature["geometry"]["type"] in ("Polygon", "MultiPolygon"):
            near = shape(feature["geometry"]).buffer(0.05)  # ~5 km: the polygon is simplified
            assert near.contains(Point(lon, lat)), props["id"]
        if props["kind"] in WITH_IDS:
            assert isinstance(props["geonames_id"], int), props["id"]
    by_id = {f["properties"]["id"]: f["properties"] for f in fc["features"]}
    assert by_id["ne:ARM"]["geonames_id"] == 174982  # GeoNames' Armenia
    assert by_id["ne:AZE"]["geonames_id"] == 587116


def test_json_format_carries_the_same_id_and_point(seed_outputs):
    rows = json.loads(seed_outputs["json"].read_text(encoding="utf-8"))["mentions"]
    fc = json.loads(seed_outputs["geojson"].read_text(encoding="utf-8"))
    by_id = {f["properties"]["id"]: f["properties"] for f in fc["features"]}
    placed = [r for r in rows if r["place"]]
    assert placed
    for row in placed:
        place = row["place"]
        assert place["geonames_id"] == by_id[place["id"]]["geonames_id"]
        assert place["point"] == by_id[place["id"]]["point"] == [place["lon"], place["lat"]]


def test_csv_has_exactly_the_columns_and_one_row_per_mention(seed_outputs, seed_article):
    text = seed_outputs["csv"].read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert text.splitlines()[0] == ",".join(CSV_FIELDS)
    wanted = "article,start,end,text,place_id,geonames_id,name,kind,lat,lon,confidence"
    assert wanted.split(",") == CSV_FIELDS
    records = json.loads(seed_outputs["json"].read_text(encoding="utf-8"))["mentions"]
    assert len(rows) == len(records)  # one row per mention, resolved or not
    for row, rec in zip(rows, records, strict=True):
        start, end = int(row["start"]), int(row["end"])
        assert seed_article.text[start:end] == row["text"] == rec["text"]
        if rec["place"] is None:
            assert row["place_id"] == row["lat"] == row["lon"] == ""
            continue
        assert row["place_id"] == rec["place"]["id"]
        assert [float(row["lon"]), float(row["lat"])] == rec["place"]["point"]
        gid = rec["place"]["geonames_id"]
        assert row["geonames_id"] == ("" if gid is None else str(gid))


@GDAL
def test_gdal_reads_the_geojson_and_the_csv(seed_outputs):
    fc = json.loads(seed_outputs["geojson"].read_text(encoding="utf-8"))
    proc = subprocess.run(
        ["ogrinfo", "-ro", "-al", "-so", str(seed_outputs["geojson"])],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert f"Feature Count: {len(fc['features'])}" in proc.stdout
    assert "geonames_id: Integer" in proc.stdout
    rows = list(csv.DictReader(seed_outputs["csv"].open(encoding="utf-8", newline="")))
    proc = subprocess.run(
        ["ogrinfo", "-ro", "-al", "-oo", "X_POSSIBLE_NAMES=lon", "-oo", "Y_POSSIBLE_NAMES=lat",
         "-oo", "AUTODETECT_TYPE=YES", str(seed_outputs["csv"])],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert f"Feature Count: {len(rows)}" in proc.stdout
    points = [float(v) for xy in POINT.findall(proc.stdout) for v in xy]
    placed = [float(r[c]) for r in rows if r["lon"] for c in ("lon", "lat")]
    assert placed and points == pytest.approx(placed)  # one point per resolved mention
    assert "geonames_id (Integer) = 616052" in proc.stdout  # Yerevan, typed by GDAL


def test_index_gives_geonames_ids_to_countries_regions_counties_and_demonyms(offline_index):
    gaz = OfflineGazetteer(offline_index)
    expected = {
        "ne:ARM": 174982,  # Armenia
        "ne:CAN": 6251999,  # Canada
        "admin1:CA-AB": 5883102,  # Alberta, by ISO 3166-2 code
        "admin1:US-CA": 5332921,  # California
        "admin1:FR-IDF": 3012874,  # Île-de-France: GeoNames code FR.11, not an ISO code
        "county:US-22079": 4338356,  # Rapides Parish, Louisiana (GeoNames admin-2)
        "geonames:616052": 616052,  # Yerevan
    }
    for place_id, gid in expected.items():
        found = gaz.get(place_id)
        assert found is not None and found.geonames_id == gid, place_id
        assert found.to_place().geonames_id == gid
    europe = [c for c in gaz.candidates("Europe") if c.kind == "continent"]
    assert europe[0].geonames_id == 6255148
    armenian = [c for c in gaz.candidates("Armenian") if c.kind == "demonym"]
    assert armenian and armenian[0].geonames_id == 174982  # the country it names


def test_curated_places_list_verified_geonames_ids():
    curated = CuratedGazetteer()
    for feature_id, gid in (("stepanakert", 146970), ("syunik", 409314), ("europe", 6255148)):
        feature = curated.get(feature_id)
        assert feature is not None and curated.to_candidate(feature).geonames_id == gid
    corridor = curated.get("zangezur-corridor")
    assert corridor is not None and corridor.geonames_id is None  # GeoNames has no such place


def test_curated_geonames_id_must_be_an_integer(tmp_path):
    from geomap.errors import GazetteerError
    from geomap.gazetteer.check import check_gazetteer

    feature = {
        "type": "Feature",
        "properties": {"id": "x", "name": "X", "kind": "city", "geonames_id": "616052"},
        "geometry": {"type": "Point", "coordinates": [44.5, 40.2]},
    }
    path = tmp_path / "x.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}), "utf-8")
    with pytest.raises(GazetteerError, match="geonames_id"):
        CuratedGazetteer(tmp_path)
    assert any("geonames_id" in p.message for p in check_gazetteer(tmp_path))


def test_point_falls_back_to_a_point_inside_the_geometry():
    ring = [[0, 0], [10, 0], [10, 1], [1, 1], [1, 10], [0, 10], [0, 0]]  # an L: centroid outside
    place = Place("x:l", "L", "region", {"type": "Polygon", "coordinates": [ring]}, "x")
    assert shape(place.geometry).contains(Point(place.point))
    assert Place("x:p", "P", "city", {}, "x", lat=2.0, lon=1.0).point == [1.0, 2.0]


def test_store_keeps_geonames_ids_and_migrates_old_stores(tmp_path, seed_result):
    db = tmp_path / "old.db"
    conn = sqlite3.connect(db)
    first, second = MIGRATIONS[:2]
    assert isinstance(first, str) and callable(second)
    conn.executescript(first)
    second(conn)  # type: ignore[arg-type]  # the v2 step only runs SQL: a raw connection does
    conn.execute("PRAGMA user_version = 2")
    conn.commit()
    conn.close()
    with Store(db) as store:
        assert store.schema_version == len(MIGRATIONS)
        store.save(seed_result)
        yerevan, karabakh = store.place("geonames:616052"), store.place("curated:nagorno-karabakh")
        assert yerevan is not None and yerevan.geonames_id == 616052
        assert karabakh is not None and karabakh.geonames_id is None
        fc = store.to_geojson()
    by_id = {f["properties"]["id"]: f["properties"] for f in fc["features"]}
    assert by_id["ne:ARM"]["geonames_id"] == 174982
    assert by_id["ne:ARM"]["point"] == [44.9, 40.2]
    assert by_id == {
        f["properties"]["id"]: f["properties"] for f in result_to_geojson(seed_result)["features"]
    }


def test_csv_quotes_untrusted_text(seed_result):
    from dataclasses import replace

    from geomap.models import ParseResult

    res = seed_result.resolutions[0]
    tricky = replace(res.mention, text='Yerevan, "the capital"\n')
    out = result_to_csv(ParseResult(seed_result.articles, (replace(res, mention=tricky),)))
    rows = list(csv.DictReader(io.StringIO(out, newline="")))
    assert rows[0]["text"] == 'Yerevan, "the capital"\n'
