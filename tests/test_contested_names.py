"""Contested names: curated ``names`` (name, lang, usage) checked by ``geomap gazetteer
check``, carried to the stored place, listed in the popup; the label setting."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from conftest import SAMPLE_PLACES, build_result
from test_analyst_web import page_config
from test_curated import feature as curated_feature
from test_curated import messages, square, write

from geomap.gazetteer.check import check_gazetteer
from geomap.gazetteer.curated import load_curated
from geomap.models import Article
from geomap.store import Store

DATA = Path(__file__).resolve().parent.parent / "data" / "gazetteer"
KARABAKH_NAMES = [
    {"name": "Nagorno-Karabakh", "lang": "en", "usage": "international"},
    {"name": "Artsakh", "lang": "hy", "usage": "Armenian"},
]


def test_the_shipped_karabakh_feature_names_its_sides():
    feature = next(f for f in load_curated(DATA) if f.id == "nagorno-karabakh")
    names = {n["name"]: n for n in feature.properties["names"]}
    assert names["Artsakh"]["usage"] == "Armenian" and names["Artsakh"]["lang"] == "hy"
    assert names["Nagorno-Karabakh"]["usage"] == "international"
    assert check_gazetteer(DATA) == []


def test_check_accepts_good_names(tmp_path):
    good = curated_feature(
        "karabakh", square(46, 39), ("Artsakh", "Nagorno-Karabakh"), names=KARABAKH_NAMES
    )
    write(tmp_path / "a.geojson", good)
    assert check_gazetteer(tmp_path) == []


def test_check_reports_bad_names(tmp_path):
    bad = curated_feature(
        "karabakh",
        square(46, 39),
        ("Artsakh",),
        names=[
            {"name": "Qarabag", "lang": "az"},  # not an alias: the matcher would not know it
            {"name": "Artsakh", "lang": "Armenian"},  # not a language tag
            {"name": "Artsakh", "lang": "hy", "usage": ""},
            {"name": "Artsakh", "lang": "hy", "side": "x"},
            "Artsakh",
        ],
    )
    write(tmp_path / "a.geojson", bad)
    errors = messages(check_gazetteer(tmp_path), "error")
    assert any("'Qarabag' is neither the name nor an alias" in e for e in errors)
    assert any("BCP 47" in e and "'Armenian'" in e for e in errors)
    assert any("'usage' must be a non-empty string" in e for e in errors)
    assert any("unknown keys ['side']" in e for e in errors)
    assert any("names[4] must be an object" in e for e in errors)
    write(tmp_path / "a.geojson", curated_feature("k", square(46, 39), names="Artsakh"))
    assert any("non-empty list" in e for e in messages(check_gazetteer(tmp_path), "error"))


def karabakh_store(app):
    place = dataclasses.replace(SAMPLE_PLACES["Artsakh"], extra={"names": KARABAKH_NAMES})
    with Store(app.config["DATABASE"]) as store:
        for i in range(3):
            art = Article(
                f"hy-{i}", "Shelling in Artsakh overnight.", date="2024-01-0" + str(i + 1)
            )
            store.save(build_result(art, {"Artsakh": place}))
    return place


def test_popup_data_carries_names_and_the_names_used(app, client):
    karabakh_store(app)
    html = client.get("/").get_data(as_text=True)
    place = next(p for p in page_config(html)["places"] if p[0] == "curated:nagorno-karabakh")
    assert place[1] == "Nagorno-Karabakh"  # the neutral name by default
    extra = place[5]
    assert ["Artsakh", "hy", "Armenian"] in extra["nm"]
    assert ["Nagorno-Karabakh", "en", "international"] in extra["nm"]
    assert dict((t, n) for t, n in extra["u"])["Artsakh"] >= 3
    assert "as “Artsakh”:</span>" in extra["x"]  # each excerpt says the name it used
    used = page_config(client.get("/?label=used").get_data(as_text=True))
    place = next(p for p in used["places"] if p[0] == "curated:nagorno-karabakh")
    assert place[1] == "Artsakh" and place[5]["gn"] == "Nagorno-Karabakh"
    assert "Nagorno-Karabakh" in place[5]["a"]  # still found by the neutral name
    assert client.get("/?label=loudest").status_code == 400


def test_excerpts_from_the_api_say_the_name_used(app, client):
    karabakh_store(app)
    data = client.get("/api/places/curated:nagorno-karabakh/mentions?limit=50").get_json()
    htmls = [i["html"] for i in data["items"] if i["text"] == "Artsakh"]
    assert htmls and all("as “Artsakh”:" in h for h in htmls)
