"""Front-line reporting: small places named by cues, lists and the article's own focus.

Coordinates in the expectations are GeoNames' (cities500, via the offline index); each check
allows the 25 km a village is scored with.
"""

from __future__ import annotations

import pytest

from geomap import geoparse
from geomap.gazetteer.base import haversine_km, spelling_key
from geomap.models import Resolution
from geomap.resolve import article_focus


def resolved(engine, text: str) -> dict[str, Resolution]:
    """surface text -> the resolution of its first mention."""
    out: dict[str, Resolution] = {}
    for r in geoparse(text, engine=engine).resolutions:
        out.setdefault(r.mention.text, r)
    return out


def near(resolution, lat: float, lon: float, km: float = 25.0) -> bool:
    place = resolution.place
    return place is not None and haversine_km(place.lat, place.lon, lat, lon) < km


def test_villages_named_by_a_shared_cue_are_placed_in_the_region_it_names(engine):
    found = resolved(engine, "Shelling hit Sotk and Kut, two villages in Gegharkunik, Armenia.")
    assert found["Sotk"].mention.label == "cue"
    assert near(found["Sotk"], 40.2159, 45.9362)  # GeoNames 616041, Gegharkunik
    # Kut in Gegharkunik is in no offline gazetteer: reported, never drawn as Al-Kut in Iraq.
    kut = found["Kut"]
    assert kut.place is None and kut.why == "not in the offline gazetteers"


def test_a_cue_wins_over_spacys_reading(engine):
    """spaCy calls Zovashenik a nationality; 'the village of' says it is a place."""
    found = resolved(engine, "Residents of the village of Zovashenik fled to Yerevan.")
    assert found["Zovashenik"].mention.label == "cue"
    assert found["Zovashenik"].place is None  # no gazetteer has it: listed, not dropped
    assert found["Yerevan"].place is not None


def test_small_places_of_the_articles_country_are_read_from_a_list(engine):
    text = (
        "Ukrainian forces advanced near Robotyne and Verbove in Zaporizhzhia oblast. "
        "Vuhledar, Marinka, Chasiv Yar, Toretsk and Lyman came under fire, the Ukrainian "
        "military said. Staromaiorske and Ocheretyne were also shelled."
    )
    found = resolved(engine, text)
    expected = {  # GeoNames coordinates
        "Verbove": (47.4487, 35.9600),
        "Vuhledar": (47.7794, 37.2488),
        "Marinka": (47.9428, 37.5027),
        "Chasiv Yar": (48.5866, 37.8356),
        "Toretsk": (48.3979, 37.8473),
        "Lyman": (48.9901, 37.8084),
        "Staromaiorske": (47.6650, 36.7250),
        "Ocheretyne": (48.2444, 37.5925),
    }
    for name, (lat, lon) in expected.items():
        assert name in found, f"{name} missed"
        assert near(found[name], lat, lon, 30), (name, found[name].place)
    focus = article_focus(list(found.values()))
    assert focus.countries[0].id == "UA"


def test_possible_names_outside_the_focus_are_not_places(engine):
    """The same proper-noun reading that finds Ocheretyne in a Ukrainian report finds nothing
    in an article about another country: small namesakes abroad are never drawn."""
    found = resolved(
        engine, "Farmers in Iowa said Ocheretyne and Staromaiorske were names they never heard."
    )
    assert "Ocheretyne" not in found and "Staromaiorske" not in found


def test_people_units_and_operations_are_not_places(engine):
    text = (
        "Israeli troops entered Beit Hanoun in the Gaza Strip, the army said, as Operation "
        "Iron Swords went on. Gen. Herzi Halevi visited the Givati Brigade near Sderot. "
        "In Ukraine, the Azov brigade held positions near Chasiv Yar, said Oleksandr Syrskyi."
    )
    found = resolved(engine, text)
    assert near(found["Beit Hanoun"], 31.5390, 34.5359)  # GeoNames 281146
    assert near(found["Sderot"], 31.5250, 34.5966)
    for word in ("Iron Swords", "Herzi Halevi", "Halevi", "Givati", "Azov", "Syrskyi"):
        hit = found.get(word)
        assert hit is None or hit.place is None, f"{word} drawn as {hit.place}"


@pytest.mark.parametrize(
    ("written", "geonames"),
    [("Chasov Yar", "Chasiv Yar"), ("Sudja", "Sudzha"), ("Bayt Hanun", "Beit Hanoun")],
)
def test_romanisations_share_a_spelling_key(written, geonames):
    assert spelling_key(written) == spelling_key(geonames)


def test_another_romanisation_is_found_within_the_focus(engine):
    text = "Russian troops shelled Sudja in Russia's Kursk region, Ukrainian officials said."
    found = resolved(engine, text)
    assert near(found["Sudja"], 51.1910, 35.2710)  # Sudzha, GeoNames 486816


def test_datelines_are_places(engine):
    found = resolved(engine, "CHASIV YAR, Ukraine — Only a few hundred people remain here.")
    assert near(found["CHASIV YAR"], 48.5866, 37.8356)
