"""The offline gazetteer index: build, freshness, and look-ups people rely on."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from shapely.geometry import Point, shape

from geomap.gazetteer import index as index_module
from geomap.gazetteer.base import normalize
from geomap.gazetteer.index import (
    OfflineGazetteer,
    ensure_index,
    fast_normalize,
    read_meta,
    usable_alias,
)

pytestmark = pytest.mark.slow

YEREVAN = (40.1811, 44.5136)


@pytest.fixture(scope="module")
def gaz(offline_index: Path) -> OfflineGazetteer:
    return OfflineGazetteer(offline_index)


def ids(cands) -> list[str]:
    return [c.id for c in cands]


def test_paris_france_first_and_paris_texas_present(gaz: OfflineGazetteer) -> None:
    found = gaz.candidates("Paris")
    first = found[0]
    assert (first.country, first.kind, first.primary) == ("FR", "city", True)
    assert first.population > 1_000_000
    texas = [c for c in found if c.country == "US" and c.admin1 == "TX"]
    assert texas and texas[0].raw["admin1_name"] == "Texas"


def test_georgia_is_country_and_us_state(gaz: OfflineGazetteer) -> None:
    found = ids(gaz.candidates("Georgia"))
    assert found[0] == "ne:GEO"
    assert "admin1:US-GA" in found


def test_transliterations_share_one_place(gaz: OfflineGazetteer) -> None:
    kyiv = {c.id for c in gaz.candidates("Kyiv") if c.kind == "city"}
    kiev = {c.id for c in gaz.candidates("Kiev") if c.kind == "city"}
    assert "geonames:703448" in kyiv & kiev
    for name in ("Naxçıvan", "Nakhchivan", "Нахичевань"):
        assert any(c.country == "AZ" for c in gaz.candidates(name)), name


def test_abbreviations(gaz: OfflineGazetteer) -> None:
    wva = gaz.candidates("W.Va.")
    assert wva[0].id == "admin1:US-WV" and wva[0].name == "West Virginia"
    assert not wva[0].primary
    assert gaz.candidates("U.S.")[0].id == "ne:USA"
    assert gaz.candidates("UAE")[0].country == "AE"


def test_candidate_fields(gaz: OfflineGazetteer) -> None:
    springfield = gaz.candidates("springfield, ")  # normalization trims punctuation
    il = [c for c in springfield if c.admin1 == "IL"]
    assert il and il[0].raw["admin1_name"] == "Illinois"
    assert il[0].raw["country_name"] == "United States"
    assert il[0].matched == "springfield, "
    assert gaz.candidates("Europe")[0].kind == "continent"
    russian = gaz.candidates("Russian")
    assert russian[0].kind == "demonym" and russian[0].country == "RU"
    assert gaz.candidates("Atlantis-on-Nowhere") == []


def test_us_counties_and_state_polygons(gaz: OfflineGazetteer) -> None:
    laurel = [c for c in gaz.candidates("Laurel County") if c.kind == "county"]
    assert {c.admin1 for c in laurel} >= {"KY"}
    ky = next(c for c in laurel if c.admin1 == "KY")
    assert ky.id.startswith("county:US-") and ky.raw["has_polygon"]
    assert ky.geometry is None  # admin-1 and county polygons are fetched on demand
    county = gaz.geometry(ky.id)
    assert county is not None and shape(county).contains(Point(ky.lon, ky.lat))
    new_york = next(c for c in gaz.candidates("New York") if c.id == "admin1:US-NY")
    state = gaz.get(new_york.id)
    assert state is not None and state.geometry is not None
    # the state's point is inside the state, not on New York City
    assert shape(state.geometry).contains(Point(new_york.lon, new_york.lat))
    assert new_york.lat > 41.5


def test_admin1_polygons_outside_the_us(gaz: OfflineGazetteer) -> None:
    syunik = next(c for c in gaz.candidates("Syunik") if c.kind == "admin1")
    assert syunik.country == "AM" and syunik.raw["has_polygon"]
    polygon = shape(gaz.geometry(syunik.id))
    assert polygon.contains(Point(46.05, 39.51))  # Goris
    assert not polygon.contains(Point(46.55, 39.60))  # Lachin, Azerbaijan
    assert gaz.candidates("Syunik Province")[0].id == syunik.id
    queensland = next(c for c in gaz.candidates("Queensland") if c.kind == "admin1")
    assert shape(gaz.geometry(queensland.id)).contains(Point(142.7, -20.9))


def test_regions_and_demonyms(gaz: OfflineGazetteer) -> None:
    eu = gaz.candidates("EU")
    assert eu and eu[0].id == "region:european-union"
    assert gaz.candidates("West Bank") == []  # the curated gazetteer has it, with a polygon
    ossetian = gaz.candidates("South Ossetian")[0]
    assert ossetian.kind == "demonym" and 41 < ossetian.lat < 43.5
    european = gaz.candidates("European")[0]
    assert european.kind == "demonym" and european.id == "demonym:continent-EU"
    russians = gaz.candidates("Russians")[0]
    assert russians.id == "demonym:RU" and russians.raw["has_polygon"]
    assert russians.geometry is not None and shape(russians.geometry).contains(Point(100, 60))
    assert gaz.candidates("New York")[0].primary


def test_country_polygon_contains_capital(gaz: OfflineGazetteer) -> None:
    armenia = gaz.candidates("Armenia")[0]
    assert armenia.id == "ne:ARM" and armenia.raw["has_polygon"]
    geom = armenia.geometry or gaz.geometry(armenia.id)
    assert geom is not None and geom["type"] in ("Polygon", "MultiPolygon")
    assert shape(geom).contains(Point(YEREVAN[1], YEREVAN[0]))
    assert gaz.geometry("geonames:616052") is None


def test_country_of_point_and_reverse(gaz: OfflineGazetteer) -> None:
    assert gaz.country_of_point(*YEREVAN) == "AM"
    assert gaz.country_of_point(48.8566, 2.3522) == "FR"
    assert gaz.country_of_point(0.0, -30.0) is None  # mid-Atlantic
    loc = gaz.reverse(YEREVAN)
    assert loc is not None and loc.raw["country"] == "AM"
    assert gaz.reverse("40.1811, 44.5136").raw["id"] == loc.raw["id"]
    yerevan = gaz.get("geonames:616052")
    assert yerevan is not None and yerevan.feature_code == "PPLC"
    assert gaz.get("geonames:0") is None


def test_geopy_interface(gaz: OfflineGazetteer) -> None:
    loc = gaz.geocode("Yerevan")
    assert loc is not None and abs(loc.latitude - YEREVAN[0]) < 0.2


def test_names_for_matcher(gaz: OfflineGazetteer) -> None:
    rows = [row[:3] for row in gaz.names_for_matcher(min_population=1_000_000)]
    kinds = {kind for _, _, kind in rows}
    assert {"country", "admin1", "city", "continent"} <= kinds
    assert ("Yerevan", "geonames:616052", "city") in rows
    assert not any(kind == "city" and pid == "geonames:174895" for _, pid, kind in rows)  # Goris
    names = {name for name, _, _ in rows}
    assert "Laurel County" in names and "W.Va." in names and "U.S." in names
    assert not {"IN", "OR", "Laurel"} & names  # USPS codes and bare county names


def test_ensure_index_keeps_fresh_and_rebuilds_stale(
    offline_index: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = offline_index.stat().st_mtime_ns
    ensure_index(offline_index, progress=False)
    assert offline_index.stat().st_mtime_ns == before
    # A copy whose fingerprint differs is rebuilt (the build itself is stubbed: it is
    # exercised by the session fixture already).
    built: list[Path] = []

    def fake_build(path: Path, progress: bool) -> Path:
        built.append(path)
        return path

    monkeypatch.setattr(index_module, "build_index", fake_build)
    stale = tmp_path / "stale.sqlite"
    stale.write_bytes(offline_index.read_bytes())
    with sqlite3.connect(stale) as conn:
        conn.execute("UPDATE meta SET value = 'old' WHERE key = 'fingerprint'")
    ensure_index(stale, progress=False)
    ensure_index(tmp_path / "missing.sqlite", progress=False)
    assert built == [stale, tmp_path / "missing.sqlite"]
    ensure_index(offline_index, progress=False)
    assert len(built) == 2
    assert read_meta(offline_index)["builder_version"]


def test_missing_index_is_a_clear_error(tmp_path: Path) -> None:
    from geomap.errors import DataMissingError

    with pytest.raises(DataMissingError, match="not found"):
        OfflineGazetteer(tmp_path / "nope.sqlite")


@pytest.mark.parametrize(
    "name",
    [
        "Saint-Étienne", "St. Louis", "Washington, D.C.", "L'Aquila", "O'Fallon", "A  b--c",
        "Нахичевань", "İstanbul", "Straße", "Łódź", "Ærøskøbing", "São Tomé", "Ḩalab",
        "北京市", "Naxçıvan", "Côte d’Ivoire", "Bağdat_Caddesi", "Ｔｏｋｙｏ", "Ǆemal",
    ],
)  # fmt: skip
def test_fast_normalize_matches_normalize(name: str) -> None:
    assert fast_normalize(name) == normalize(name)


def test_topojson_decoding() -> None:
    from geomap.gazetteer.index_build import topojson_features

    # Two squares sharing an edge, quantized and delta-encoded as TopoJSON 1.0 specifies.
    topology = {
        "type": "Topology",
        "transform": {"scale": [0.5, 0.5], "translate": [10, 20]},
        "arcs": [
            [[2, 0], [0, 2]],  # shared edge (1, 0) -> (1, 1) in grid units of 0.5
            [[2, 2], [-2, 0], [0, -2], [2, 0]],  # left square's other sides
            [[2, 0], [2, 0], [0, 2], [-2, 0]],  # right square's other sides
        ],
        "objects": {
            "squares": {
                "type": "GeometryCollection",
                "geometries": [
                    {"type": "Polygon", "arcs": [[0, 1]], "id": "L", "properties": {"n": 1}},
                    {"type": "Polygon", "arcs": [[2, -1]], "id": "R"},
                ],
            }
        },
    }
    found = list(topojson_features(topology, "squares"))
    assert [meta["id"] for _, meta in found] == ["L", "R"]
    left, right = (shape(geom) for geom, _ in found)
    assert left.is_valid and right.is_valid
    assert left.bounds == (10.0, 20.0, 11.0, 21.0) and right.bounds == (11.0, 20.0, 12.0, 21.0)
    assert left.area == right.area == 1.0
    assert found[0][1]["properties"] == {"n": 1}


def test_usable_alias_filters_codes() -> None:
    assert usable_alias("Kiev") and usable_alias("Нахичевань") and usable_alias("NYC")
    for bad in ("LAX", "75001", "http://example.org", "www.paris.fr", "", "12-34"):
        assert not usable_alias(bad), bad
