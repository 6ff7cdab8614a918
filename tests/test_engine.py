"""The engine end to end: the seed article and the ambiguities a careful reader resolves."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from shapely.geometry import Point, shape

from geomap import geoparse
from geomap.articles import load_articles
from geomap.export import result_to_geojson
from geomap.extract import CHUNK_CHARS, SPACY_BATCH, SPACY_BATCH_CHARS, chunks, spacy_batches
from geomap.models import Article

SEED = "seeds/000_42821f2fae6c857c.txt"


def places_by_text(result):
    """surface text -> set of place ids it resolved to (None when unresolved)."""
    out: dict[str, set] = {}
    for r in result.resolutions:
        out.setdefault(r.mention.text, set()).add(r.place.id if r.place else None)
    return out


def parse_text(engine, text: str):
    return geoparse(text, engine=engine)


def place_for(result, surface: str):
    hits = [r for r in result.resolutions if r.mention.text == surface]
    assert hits, f"{surface!r} not found among {[r.mention.text for r in result.resolutions]}"
    return hits[0].place


@pytest.fixture(scope="module")
def seed(engine):
    articles, errors = load_articles([SEED])
    assert errors == []
    return articles[0], engine.parse(articles)


def contains(place, lon, lat, km=0):
    geom = shape(place.geometry)
    return (
        geom.buffer(km / 111.0).contains(Point(lon, lat)) if km else geom.contains(Point(lon, lat))
    )


def test_seed_places_are_found_every_time_and_at_true_locations(seed):
    article, result = seed
    body = article.text
    by_start = {r.mention.start: r for r in result.resolutions}
    for r in result.resolutions:
        assert body[r.mention.start : r.mention.end] == r.mention.text
    expected = {
        # name in the text -> (place id prefix, lon, lat, tolerance km); coordinates: GeoNames
        "Azerbaijan": ("ne:AZE", 49.89, 40.38, 0),
        "Armenia": ("ne:ARM", 44.51, 40.18, 0),
        "Artsakh": ("curated:nagorno-karabakh", 46.75, 39.82, 0),
        "Nagorno-Karabakh": ("curated:nagorno-karabakh", 46.75, 39.82, 0),
        "Nakhichevan": ("curated:nakhchivan", 45.41, 39.21, 0),
        "Zangezur Corridor": ("curated:zangezur-corridor", 46.24, 38.90, 15),
        "California": ("admin1:US-CA", -119.4, 36.8, 300),
        "New Jersey": ("admin1:US-NJ", -74.4, 40.1, 100),
        "United States": ("ne:USA", -98.0, 39.0, 0),
        "U.S.": ("ne:USA", -98.0, 39.0, 0),
        "Baku": ("geonames:587084", 49.89, 40.38, 10),
        "Ankara": ("geonames:323786", 32.85, 39.92, 10),
        "Yerevan": ("geonames:616052", 44.51, 40.18, 10),
    }
    for name, (pid, lon, lat, km) in expected.items():
        starts = [m.start() for m in re.finditer(re.escape(name) + r"(?![a-z])", body)]
        starts = [s for s in starts if not body[max(0, s - 9) : s].lower().endswith("southern ")]
        assert starts, name
        for s in starts:
            r = by_start.get(s)
            assert r is not None and r.place is not None, f"{name} at {s} not mapped"
            assert r.place.id == pid, f"{name} at {s} -> {r.place.id}"
            assert contains(r.place, lon, lat, km), f"{name} is not at its true location"
    syunik = {
        r.place.id for r in result.resolutions if r.mention.text.lower() == "southern armenia"
    }
    assert syunik == {"curated:syunik"}
    nk = next(r.place for r in result.resolutions if r.mention.text == "Artsakh")
    assert nk.geometry["type"] in ("Polygon", "MultiPolygon")
    assert "Artsakh" in nk.aliases or nk.name == "Artsakh"
    corridor = next(r.place for r in result.resolutions if r.mention.text == "Zangezur Corridor")
    assert corridor.geometry["type"] == "LineString" and corridor.status == "proposed"


def test_seed_never_maps_people_outlets_or_laws(seed):
    _, result = seed
    mapped = {r.mention.text for r in result.resolutions if r.place is not None}
    found = {r.mention.text for r in result.resolutions}
    for word in [
        "Blinken",
        "Pelosi",
        "Eshoo",
        "Pallone",
        "Aliyev",
        "Colonna",
        "Michel",
        "Biden",
        "Politico",
        "X",
        "Section 907",
        "Pashinyan",
        "Congress",
        "State Department",
    ]:
        assert not any(word in t for t in found), f"{word} was taken for a place"
    assert "Armenian" not in {
        r.mention.text for r in result.resolutions if r.place and r.place.kind != "demonym"
    }
    assert mapped


def test_seed_geojson_schema(seed):
    article, result = seed
    fc = result_to_geojson(result)
    assert fc["type"] == "FeatureCollection"
    focus = fc["articles"][0].pop("focus")
    assert fc["articles"] == [
        {
            "id": article.id,
            "title": "The State Department is tracking the possibility that Azerbaijan could "
            "soon invade southern Armenia…",
            "date": "2023-10-13",
            "url": None,
        }
    ]
    # The article is about Azerbaijan and Armenia: they lead its focus, and the map frame is
    # the South Caucasus, not the world the U.S. mentions would stretch it to.
    assert {c["code"] for c in focus["countries"][:2]} == {"AZ", "AM"}
    assert abs(sum(c["weight"] for c in focus["countries"]) - 1.0) < 0.2
    west, south, east, north = focus["bbox"]
    assert 42 < west < 45 and 50 < east < 52 and 37 < south < 39.5 and 41 < north < 43
    ids = [f["properties"]["id"] for f in fc["features"]]
    assert len(ids) == len(set(ids))
    yerevan = next(f for f in fc["features"] if f["properties"]["id"] == "geonames:616052")
    (m,) = yerevan["properties"]["mentions"]
    assert article.text[m["start"] : m["end"]] == "Yerevan"
    assert "pressure on Yerevan to open a land link" in m["excerpt"]
    assert 0 < yerevan["properties"]["confidence"] <= 1
    lon, lat = yerevan["geometry"]["coordinates"]
    assert 44 < lon < 45 and 40 < lat < 40.5


@pytest.mark.parametrize(
    ("text", "surface", "country", "admin1"),
    [
        ("The fair opened in Paris, Texas, on Saturday.", "Paris", "US", "TX"),
        ("Tourists crowded the Louvre in Paris as France hosted the summit.", "Paris", "FR", None),
        ("Lawmakers met in Springfield, Illinois, to pass the budget.", "Springfield", "US", "IL"),
        ("Storms hit Springfield, Mo., overnight.", "Springfield", "US", "MO"),
    ],
)
def test_city_state_patterns(engine, offline_index, text, surface, country, admin1):
    place = place_for(parse_text(engine, text), surface)
    assert place is not None and place.country == country and place.kind == "city"
    if admin1:  # the chosen town lies inside the state the qualifier names
        from geomap.gazetteer.index import OfflineGazetteer

        state = OfflineGazetteer(offline_index).get(f"admin1:{country}-{admin1}")
        assert state is not None and state.geometry is not None
        assert shape(state.geometry).contains(Point(place.point))


def test_paris_texas_is_drawn_in_texas(engine):
    place = place_for(parse_text(engine, "The fair opened in Paris, Texas, on Saturday."), "Paris")
    lon, lat = place.geometry["coordinates"]
    assert abs(lat - 33.66) < 0.2 and abs(lon + 95.55) < 0.2  # GeoNames 4717560


def test_georgia_follows_the_article(engine):
    caucasus = parse_text(engine, "Protesters in Tbilisi demanded that Georgia join the EU.")
    assert place_for(caucasus, "Georgia").id == "ne:GEO"
    south = parse_text(engine, "Atlanta police said traffic across Georgia was heavy.")
    assert place_for(south, "Georgia").id == "admin1:US-GA"


def test_people_named_like_places_are_not_places(engine):
    result = parse_text(
        engine,
        "Paris Hilton arrived late. Georgia O'Keeffe painted the desert. "
        "Later, Hilton said she loved the show.",
    )
    found = places_by_text(result)
    assert "Paris" not in found and "Georgia" not in found
    assert found.get("Hilton", {None}) == {None}  # never mapped


def test_sentence_initial_common_words_are_not_places(engine):
    result = parse_text(
        engine,
        "Reading the report took hours. Mobile phones were banned. Nice weather helped the crowd.",
    )
    assert not [r for r in result.resolutions if r.place is not None]


def test_real_sentence_initial_places_still_count(engine):
    result = parse_text(engine, "Nice, France, hosted the summit. Mobile, Alabama, did not.")
    nice = place_for(result, "Nice")
    assert nice is not None and nice.country == "FR"
    mobile = place_for(result, "Mobile")
    assert mobile is not None and mobile.country == "US"


@pytest.mark.parametrize(("a", "b"), [("Kiev", "Kyiv"), ("Nakhichevan", "Naxçıvan")])
def test_transliterations_resolve_to_the_same_place(engine, a, b):
    pa = place_for(parse_text(engine, f"Officials in {a} said the talks would continue."), a)
    pb = place_for(parse_text(engine, f"Officials in {b} said the talks would continue."), b)
    assert pa is not None and pb is not None and pa.id == pb.id


def test_unknown_place_is_reported_unresolved(engine):
    result = parse_text(engine, "Shelling hit the village of Zzyzxqor in Ukraine overnight.")
    unresolved = {r.mention.text: r.why for r in result.resolutions if r.place is None}
    fc = result_to_geojson(result)
    assert unresolved.get("Zzyzxqor") == "not in the offline gazetteers"
    assert any(u["text"] == "Zzyzxqor" for u in fc["unresolved"])
    assert place_for(result, "Ukraine").id == "ne:UKR"


def test_possessives_and_line_breaks(engine):
    result = parse_text(engine, "Ukraine's army moved toward New\nYork in the story.")
    assert place_for(result, "Ukraine").id == "ne:UKR"
    ny = [r for r in result.resolutions if r.mention.text == "New\nYork"]
    assert ny and ny[0].place is not None and ny[0].place.country == "US"


def test_chunks_cover_the_text_in_bounded_paragraph_aligned_pieces():
    paragraph = "Officials in Yerevan met envoys from Baku. " * 100 + "\n\n"
    text = paragraph * 25
    pieces = list(chunks(text))
    assert len(pieces) > 10 and all(len(piece) <= CHUNK_CHARS for _, piece in pieces)
    assert "".join(piece for _, piece in pieces) == text
    assert all(text[off : off + len(piece)] == piece for off, piece in pieces)
    assert all(piece.endswith("\n") for _, piece in pieces[:-1])  # cut between paragraphs
    one_line = "Baku " * 5000  # no line break or full stop: a hard cut, nothing lost
    assert "".join(piece for _, piece in chunks(one_line)) == one_line


def test_spacy_batches_are_bounded_by_texts_and_characters():
    texts = [f"{i} " + "x" * (CHUNK_CHARS - 10) for i in range(40)] + ["short"] * 40
    batches = list(spacy_batches(texts))
    assert [t for batch in batches for t in batch] == texts  # all of them, in order
    assert all(len(b) <= SPACY_BATCH for b in batches)
    assert all(sum(map(len, b)) <= SPACY_BATCH_CHARS for b in batches)
    assert len(batches[0]) == SPACY_BATCH_CHARS // CHUNK_CHARS  # full chunks: a few at once
    assert any(len(b) == SPACY_BATCH for b in batches)  # short articles: full batches
    huge = ["y" * (SPACY_BATCH_CHARS + 1)]
    assert list(spacy_batches(huge)) == [huge]  # never an empty batch


def test_large_file_is_processed_in_pieces(engine):
    paragraph = "Officials in Yerevan met envoys from Baku. " * 100 + "\n\n"
    text = paragraph * 25  # ~110 kB: spaCy only ever sees 10 kB chunks
    assert len(list(chunks(text))) > 10
    result = geoparse(Article("big", text), engine=engine)
    yerevan = [r for r in result.resolutions if r.mention.text == "Yerevan"]
    assert len(yerevan) == 100 * 25
    assert all(text[r.mention.start : r.mention.end] == "Yerevan" for r in yerevan)


def test_cli_parse_reports_bad_inputs_and_goes_on(tmp_path, offline_index):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\x89PNG\x00\x01binary")  # (\xff\xfe would be a UTF-16 mark)
    env_index = {"GEOMAP_INDEX_PATH": str(offline_index)}
    import os

    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "geomap.cli",
            "parse",
            SEED,
            str(bad),
            str(tmp_path / "missing.txt"),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, **env_index},
        timeout=300,
    )
    assert proc.returncode == 2
    errs = proc.stderr.strip().splitlines()
    assert any("bad.txt" in e for e in errs) and any("missing.txt: no such file" in e for e in errs)
    fc = json.loads(proc.stdout)
    assert any(f["properties"]["id"] == "geonames:616052" for f in fc["features"])


def test_dateline_region_words_and_big_cities_spacy_misses(engine):
    result = parse_text(
        engine,
        "KYIV, Ukraine — Russian forces shelled Kharkiv and Zaporizhzhia overnight, and "
        "fighting went on in the Donetsk region.",
    )
    kyiv = place_for(result, "KYIV")
    assert kyiv.kind == "city" and kyiv.country == "UA"  # a dateline, not a province
    assert place_for(result, "Kharkiv").country == "UA"
    assert place_for(result, "Donetsk").kind == "admin1"  # "the Donetsk region"
    assert place_for(result, "Russian").kind == "demonym"


def test_codes_are_not_towns(engine):
    result = parse_text(engine, "The EU and the UAE signed a deal; the US watched.")
    assert place_for(result, "EU").kind != "city"  # not Eu, a town in Normandy
    assert place_for(result, "UAE").id == "ne:ARE"
    assert place_for(result, "US").id == "ne:USA"


def test_excerpt_is_the_sentence_and_stays_in_its_paragraph(engine):
    text = "Quake hits Yerevan\n\nRescuers in Gyumri worked overnight. Aid arrived from Tbilisi."
    result = parse_text(engine, text)
    excerpts = {r.mention.text: r.mention.sentence for r in result.resolutions}
    assert excerpts["Yerevan"] == "Quake hits Yerevan"
    assert excerpts["Gyumri"] == "Rescuers in Gyumri worked overnight."
    assert excerpts["Tbilisi"] == "Aid arrived from Tbilisi."


def test_diseases_named_after_places_are_not_places(engine):
    result = parse_text(
        engine,
        "The Ebola outbreak spread in Guinea. Cases of West Nile virus rose in Texas, and "
        "officials said West Nile was now in 40 states. Ebola has killed thousands.",
    )
    found = {r.mention.text for r in result.resolutions}
    assert "Ebola" not in found and "West Nile" not in found
    assert place_for(result, "Guinea").id == "ne:GIN"
    assert place_for(result, "Texas").id == "admin1:US-TX"


def test_alias_of_a_far_away_town_is_not_drawn(engine):
    result = parse_text(
        engine,
        "Refugees from Stepanakert and Martakert drove along the Lachin corridor through Sus "
        "on Tuesday, Azerbaijan said.",
    )
    sus = [r for r in result.resolutions if r.mention.text == "Sus"]
    assert sus and sus[0].place is None  # Sousse, Tunisia is only an alias away
    assert "Sousse" in sus[0].why  # reported as the best guess, not drawn
    assert place_for(result, "Martakert").id == "curated:martakert"


def test_institutions_and_never_places(engine):
    result = parse_text(
        engine,
        "The White House and the Kremlin traded barbs while Hamas and Toyota issued "
        "statements; Obama, Japan, held a festival.",
    )
    found = {r.mention.text: r.place for r in result.resolutions}
    assert found["White House"].id == "curated:white-house"  # not Casablanca via a translation
    assert found["Kremlin"].country == "RU"
    assert "Hamas" not in found and "Toyota" not in found  # never towns
    assert found["Obama"] is not None and found["Obama"].country == "JP"
