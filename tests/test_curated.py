"""Curated gazetteer: the shipped data is valid, names resolve, the checker catches mistakes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from shapely.geometry import Point, shape

from geomap.errors import GazetteerError
from geomap.gazetteer.check import check_gazetteer, format_problems
from geomap.gazetteer.curated import CuratedGazetteer, load_curated

DATA = Path(__file__).resolve().parents[1] / "data" / "gazetteer"

MEGHRI = (46.2431, 38.9012)
GORIS = (46.3417, 39.5111)
KAPAN = (46.4068, 39.2076)


@pytest.fixture(scope="module")
def curated() -> CuratedGazetteer:
    return CuratedGazetteer(DATA)


def only(layer: CuratedGazetteer, query: str):
    found = layer.candidates(query)
    assert len(found) == 1, (query, [c.id for c in found])
    return found[0]


# --- the shipped data ---------------------------------------------------------------


def test_shipped_data_has_no_errors() -> None:
    problems = check_gazetteer(DATA)
    errors = [p for p in problems if p.level == "error"]
    assert not errors, format_problems(errors)


def test_every_feature_names_its_sources() -> None:
    for feature in load_curated(DATA):
        sources = feature.properties.get("sources")
        assert isinstance(sources, list) and sources, feature.id
        assert feature.properties.get("precision") in ("exact", "approximate"), feature.id


def test_artsakh_and_nagorno_karabakh_are_one_place(curated: CuratedGazetteer) -> None:
    ids = {
        only(curated, q).id for q in ("Nagorno-Karabakh", "Artsakh", "Нагорный Карабах", "Արցախ")
    }
    assert ids == {"curated:nagorno-karabakh"}
    place = only(curated, "Artsakh")
    assert place.geometry["type"] == "Polygon"
    assert place.status == "disputed"
    assert place.country is None
    assert not place.primary and only(curated, "Nagorno-Karabakh").primary
    stepanakert = only(curated, "Stepanakert")
    assert shape(place.geometry).contains(Point(stepanakert.lon, stepanakert.lat))


@pytest.mark.parametrize("spelling", ["Nakhichevan", "Naxçıvan", "Нахичевань", "NAKHCHIVAN"])
def test_nakhchivan_spellings_give_the_exclave(curated: CuratedGazetteer, spelling: str) -> None:
    place = only(curated, spelling)
    assert place.id == "curated:nakhchivan"
    assert place.kind == "exclave"
    assert place.geometry["type"] == "Polygon"
    assert shape(place.geometry).contains(Point(45.4, 39.2))


def test_nakhchivan_city_is_separate(curated: CuratedGazetteer) -> None:
    city = only(curated, "Nakhchivan City")
    assert city.id == "curated:nakhchivan-city" and city.kind == "city"
    assert city.geometry == {"type": "Point", "coordinates": [45.4122, 39.2089]}


def test_zangezur_corridor_is_a_proposed_line(curated: CuratedGazetteer) -> None:
    corridor = only(curated, "Zangezur Corridor")
    assert corridor.id == "curated:zangezur-corridor"
    assert corridor.geometry["type"] == "LineString"
    assert corridor.status == "proposed"
    assert only(curated, "TRIPP").id == corridor.id
    # the representative point lies on the line, within the Aras valley
    line = shape(corridor.geometry)
    assert line.distance(Point(corridor.lon, corridor.lat)) < 1e-9
    assert 38.8 < corridor.lat < 39.5


def test_syunik_is_southern_armenia(curated: CuratedGazetteer) -> None:
    syunik = only(curated, "southern Armenia")
    assert syunik.id == "curated:syunik" and syunik.geometry["type"] == "Polygon"
    polygon = shape(syunik.geometry)
    for lon, lat in (MEGHRI, GORIS, KAPAN):
        assert polygon.contains(Point(lon, lat))
    assert polygon.contains(Point(syunik.lon, syunik.lat))


def test_eight_villages_are_a_multipoint(curated: CuratedGazetteer) -> None:
    group = only(curated, "eight villages")
    assert group.geometry["type"] == "MultiPoint"
    assert len(group.geometry["coordinates"]) == 8
    assert group.status == "disputed"


def test_names_lists_every_alias(curated: CuratedGazetteer) -> None:
    names = set(curated.names())
    assert ("Artsakh", "nagorno-karabakh") in names
    assert ("Nagorno-Karabakh", "nagorno-karabakh") in names
    assert ("Nakhichevan", "nakhchivan") in names
    assert not any(fid == "nakhchivan-city" and n == "Nakhichevan" for n, fid in names)


def test_leading_article_is_optional(curated: CuratedGazetteer) -> None:
    assert only(curated, "the Sahel").id == "curated:sahel"
    assert only(curated, "The Zangezur corridor").id == "curated:zangezur-corridor"
    assert curated.candidates("the") == []


def test_get_and_geocode(curated: CuratedGazetteer) -> None:
    assert curated.get("lachin-corridor") is curated.get("curated:lachin-corridor") is not None
    assert curated.get("nowhere") is None
    location = curated.geocode("Shushi")
    assert location is not None
    assert location.raw["id"] == "curated:shusha"
    assert location.latitude == pytest.approx(39.76, abs=0.01)
    assert curated.geocode("Atlantis") is None


def test_candidate_carries_properties(curated: CuratedGazetteer) -> None:
    corridor = only(curated, "Lachin corridor")
    assert corridor.raw["id"] == "lachin-corridor"
    assert corridor.raw["sources"]
    assert "Berdzor corridor" in corridor.aliases


# --- world layers: contested places under every name, regions that contain their cities ----


@pytest.mark.parametrize(
    ("names", "fid"),
    [
        (("West Bank", "Judea and Samaria", "الضفة الغربية"), "west-bank"),
        (("Gaza Strip", "Gaza"), "gaza-strip"),
        (("Crimea", "Krym", "Крим"), "crimea"),
        (("Donbas", "Donbass"), "donbas"),
        (("Persian Gulf", "Arabian Gulf"), "persian-gulf"),
        (("South China Sea", "West Philippine Sea"), "south-china-sea"),
        (("Sea of Japan", "East Sea"), "sea-of-japan"),
        (("Eastern Ghouta", "Ghouta"), "eastern-ghouta"),
        (("Transnistria", "Pridnestrovie"), "transnistria"),
        (("Middle East", "Mideast"), "middle-east"),
        (("Dnieper", "Dnipro River"), "dnipro"),
        (("Senkaku Islands", "Diaoyu Islands"), "senkaku-islands"),
        (("Falklands", "Malvinas"), "falkland-islands"),
        (("Dokdo", "Takeshima", "Liancourt Rocks"), "dokdo"),
    ],
)
def test_one_place_for_every_name(curated: CuratedGazetteer, names, fid: str) -> None:
    assert {only(curated, name).id for name in names} == {f"curated:{fid}"}


@pytest.mark.parametrize(
    ("fid", "lon", "lat"),
    [  # GeoNames coordinates of towns inside each area
        ("south-ossetia", 43.96, 42.23),  # Tskhinvali
        ("abkhazia", 41.02, 43.00),  # Sukhumi
        ("transnistria", 29.60, 46.84),  # Tiraspol
        ("crimea", 34.10, 44.95),  # Simferopol
        ("donbas", 37.80, 48.00),  # Donetsk
        ("donbas", 39.30, 48.57),  # Luhansk
        ("kashmir", 74.80, 34.08),  # Srinagar
        ("kashmir", 74.31, 35.92),  # Gilgit
        ("darfur", 25.35, 13.63),  # El Fasher
        ("eastern-ghouta", 36.40, 33.57),  # Douma
        ("iraqi-kurdistan", 44.01, 36.19),  # Erbil
        ("west-bank", 35.20, 31.90),  # Ramallah
        ("gaza-strip", 34.45, 31.50),  # Gaza City
        ("golan-heights", 35.69, 32.99),  # Katzrin
        ("sinai", 34.33, 27.92),  # Sharm el-Sheikh
        ("xinjiang", 87.60, 43.80),  # Urumqi
        ("tibet", 91.10, 29.65),  # Lhasa
        ("europe", 2.35, 48.85),  # Paris
        ("caucasus", 44.80, 41.70),  # Tbilisi
        ("korean-peninsula", 125.75, 39.03),  # Pyongyang
        ("midwest", -87.63, 41.88),  # Chicago
        ("new-england", -71.06, 42.36),  # Boston
        ("deep-south", -84.39, 33.75),  # Atlanta
        ("silicon-valley", -121.89, 37.34),  # San Jose
        ("mediterranean-sea", 18.0, 35.0),
        ("black-sea", 34.0, 43.5),
        ("red-sea", 38.0, 21.0),
        ("persian-gulf", 51.0, 27.0),
        ("south-china-sea", 113.0, 10.0),
        ("baltic-sea", 20.0, 58.0),
        ("sicily", 13.36, 38.12),  # Palermo
        ("great-britain", -0.13, 51.51),  # London
        ("ireland-island", -5.93, 54.60),  # Belfast
        ("borneo", 116.16, 5.34),  # Keningau, Sabah
        ("oahu", -157.86, 21.31),  # Honolulu
        ("atlantic-ocean", -25.0, 10.0),
        ("pacific-ocean", 160.0, 10.0),  # west of the antimeridian
        ("pacific-ocean", -132.0, 3.5),
        ("indian-ocean", 70.0, -10.0),
    ],
)
def test_area_contains_its_towns(
    curated: CuratedGazetteer, fid: str, lon: float, lat: float
) -> None:
    feature = curated.get(fid)
    assert feature is not None
    assert shape(feature.geometry).contains(Point(lon, lat))


@pytest.mark.parametrize(
    ("fid", "lon", "lat"),
    [
        ("crimea", 32.62, 46.64),  # Kherson, on the mainland
        ("donbas", 36.23, 49.99),  # Kharkiv
        ("iraqi-kurdistan", 43.13, 36.34),  # Mosul
        ("midwest", -104.99, 39.74),  # Denver
        ("deep-south", -81.66, 30.33),  # Jacksonville, Florida
        ("black-sea", 36.7, 46.2),  # the Sea of Azov
        ("mediterranean-sea", 28.0, 40.7),  # the Sea of Marmara
        ("atlantic-ocean", 5.0, 40.0),  # the Mediterranean
        ("indian-ocean", 38.0, 20.0),  # the Red Sea
    ],
)
def test_area_excludes_neighbours(
    curated: CuratedGazetteer, fid: str, lon: float, lat: float
) -> None:
    feature = curated.get(fid)
    assert feature is not None
    assert not shape(feature.geometry).contains(Point(lon, lat))


def test_kinds_match_geometries(curated: CuratedGazetteer) -> None:
    for feature in curated.features:
        gtype = feature.geometry["type"]
        if feature.kind in ("river", "canal", "corridor"):
            assert gtype == "LineString", feature.id
        if feature.kind in ("continent", "sea", "province", "exclave"):
            assert gtype in ("Polygon", "MultiPolygon"), feature.id
        assert -90 <= feature.lat <= 90 and -180 <= feature.lon <= 180, feature.id
        if gtype != "MultiPoint":  # a point group is represented by its centroid
            assert shape(feature.geometry).distance(Point(feature.lon, feature.lat)) < 1e-6


def test_contested_areas_have_no_single_country(curated: CuratedGazetteer) -> None:
    for fid in (
        "west-bank",
        "golan-heights",
        "crimea",
        "donbas",
        "south-ossetia",
        "abkhazia",
        "kashmir",
    ):
        feature = curated.get(fid)
        assert feature is not None and feature.country is None and feature.status == "disputed", fid


# --- the checker, on small bad files ----------------------------------------------------


def square(lon: float, lat: float, clockwise: bool = False) -> dict:
    ring = [[lon, lat], [lon + 1, lat], [lon + 1, lat + 1], [lon, lat + 1], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring[::-1] if clockwise else ring]}


def feature(fid: str, geometry: dict, aliases: tuple[str, ...] = (), **props) -> dict:
    properties: dict[str, Any] = {
        "id": fid,
        "name": fid.title(),
        "kind": "region",
        "aliases": list(aliases),
    }
    properties.update({"precision": "approximate", "sources": ["test"], "country": None})
    properties.update(props)
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def write(path: Path, *features: dict) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": list(features)}))
    return path


def messages(problems, level: str) -> list[str]:
    return [f"{p.file} {p.feature} {p.message}" for p in problems if p.level == level]


def test_check_accepts_a_good_file(tmp_path: Path) -> None:
    write(tmp_path / "a.geojson", feature("alpha", square(10, 10)))
    assert check_gazetteer(tmp_path) == []
    assert "ok" in format_problems([])


def test_check_reports_duplicate_ids_across_files(tmp_path: Path) -> None:
    write(tmp_path / "a.geojson", feature("alpha", square(10, 10)))
    write(tmp_path / "b.geojson", feature("alpha", square(20, 10)))
    errors = messages(check_gazetteer(tmp_path), "error")
    assert len(errors) == 1 and "duplicate id" in errors[0] and "a.geojson" in errors[0]
    with pytest.raises(GazetteerError, match="b.geojson.*duplicate feature id 'alpha'"):
        load_curated(tmp_path)


def test_check_reports_clockwise_exterior(tmp_path: Path) -> None:
    write(tmp_path / "a.geojson", feature("alpha", square(10, 10, clockwise=True)))
    problems = check_gazetteer(tmp_path)
    assert [p.feature for p in problems] == ["alpha"]
    assert "clockwise" in problems[0].message and problems[0].level == "error"


def test_check_reports_unclosed_ring_and_invalid_geometry(tmp_path: Path) -> None:
    unclosed = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]}
    bowtie = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
    write(tmp_path / "a.geojson", feature("open", unclosed), feature("bowtie", bowtie))
    errors = messages(check_gazetteer(tmp_path), "error")
    assert any("open" in e and "not closed" in e for e in errors)
    assert any("bowtie" in e and "Self-intersection" in e for e in errors)


def test_check_reports_swapped_coordinates(tmp_path: Path) -> None:
    write(tmp_path / "a.geojson", feature("swap", {"type": "Point", "coordinates": [39.2, 145.4]}))
    errors = messages(check_gazetteer(tmp_path), "error")
    assert len(errors) == 1 and "out of range" in errors[0] and "swapped" in errors[0]


def test_check_reports_wrongly_nested_coordinates(tmp_path: Path) -> None:
    flat = {"type": "Polygon", "coordinates": [[0, 0], [1, 0], [1, 1], [0, 0]]}
    write(tmp_path / "a.geojson", feature("flat", flat))
    errors = messages(check_gazetteer(tmp_path), "error")
    assert len(errors) == 1 and "malformed Polygon coordinates" in errors[0]
    with pytest.raises(GazetteerError, match="a.geojson: feature 'flat'"):
        load_curated(tmp_path)


def test_check_reports_missing_fields(tmp_path: Path) -> None:
    bad = feature("alpha", square(0, 0))
    del bad["properties"]["kind"]
    write(tmp_path / "a.geojson", bad, {"type": "Feature", "properties": {}, "geometry": None})
    errors = messages(check_gazetteer(tmp_path), "error")
    assert any("'kind'" in e for e in errors)
    assert any("#1" in e and "'id'" in e for e in errors)
    assert any("#1" in e and "no geometry" in e for e in errors)


def test_check_warns_on_alias_clash(tmp_path: Path) -> None:
    write(tmp_path / "a.geojson", feature("alpha", square(0, 0), ("Twin Town",)))
    write(tmp_path / "b.geojson", feature("beta", square(5, 5), ("twin-town",)))
    problems = check_gazetteer(tmp_path)
    assert [p.level for p in problems] == ["warning"]
    assert "alpha" in problems[0].message and "beta" in problems[0].message
    assert "twin town" in problems[0].message


def test_bad_json_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "broken.geojson").write_text('{"type": "FeatureCollection", "features": [')
    problems = check_gazetteer(tmp_path)
    assert problems[0].level == "error" and problems[0].file == "broken.geojson"
    assert "invalid JSON" in format_problems(problems)
    with pytest.raises(GazetteerError, match="broken.geojson: invalid JSON"):
        load_curated(tmp_path)
    with pytest.raises(GazetteerError, match="broken.geojson"):
        CuratedGazetteer(tmp_path)


def test_not_a_feature_collection(tmp_path: Path) -> None:
    (tmp_path / "point.geojson").write_text('{"type": "Point", "coordinates": [0, 0]}')
    assert "not a GeoJSON FeatureCollection" in format_problems(check_gazetteer(tmp_path))
    with pytest.raises(GazetteerError, match="point.geojson: not a GeoJSON FeatureCollection"):
        load_curated(tmp_path)


def test_loader_rejects_invalid_geometry(tmp_path: Path) -> None:
    bowtie = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
    write(tmp_path / "a.geojson", feature("bowtie", bowtie))
    with pytest.raises(GazetteerError, match="a.geojson: feature 'bowtie': invalid Polygon"):
        load_curated(tmp_path)


def test_representative_points(tmp_path: Path) -> None:
    line = {"type": "LineString", "coordinates": [[0, 0], [2, 0], [2, 2]]}
    multipoint = {"type": "MultiPoint", "coordinates": [[0, 0], [4, 0]]}
    crescent = {
        "type": "Polygon",
        "coordinates": [
            [[0, 0], [10, 0], [10, 10], [0, 10], [0, 9], [9, 9], [9, 1], [0, 1], [0, 0]]
        ],
    }
    write(
        tmp_path / "a.geojson",
        feature("line", line),
        feature("group", multipoint),
        feature("crescent", crescent),
    )
    layer = CuratedGazetteer(tmp_path)
    on_line, group, c = (layer.get(fid) for fid in ("line", "group", "crescent"))
    assert on_line is not None and group is not None and c is not None
    assert (on_line.lon, on_line.lat) == pytest.approx((2.0, 0.0))
    assert (group.lon, group.lat) == pytest.approx((2.0, 0.0))
    assert shape(crescent).contains(Point(c.lon, c.lat))
