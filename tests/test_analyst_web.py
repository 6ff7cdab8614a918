"""The analyst's filters through the Flask test client over a real store: the date
histogram, filtered pages and excerpts, the review panel (escaped), the focus frame."""

from __future__ import annotations

import json
import re

import pytest
from conftest import SAMPLE_PLACES, build_result

from geomap.filters import Filters, histogram
from geomap.mapview import combined_frame
from geomap.models import Article, Focus, FocusArea
from geomap.store import Store


def page_config(html: str) -> dict:
    match = re.search(r"geomapPlaces\(\w+, (\{.*?\})\);\n", html, re.S)
    assert match, "no map config in the page"
    return json.loads(match.group(1))


def add(app, article_id, text, date, places, source=None):
    with Store(app.config["DATABASE"]) as store:
        art = Article(article_id, text, title=f"T {article_id}", date=date, source=source)
        store.save(build_result(art, places))


def test_histogram_bins_days_and_counts_undated_apart():
    h = histogram({"2023-10-13": 5, "2023-10-15": 2, None: 3})
    assert h.unit == "day" and h.undated == 3
    assert [(b.start, b.count) for b in h.bins] == [
        ("2023-10-13", 5),
        ("2023-10-14", 0),
        ("2023-10-15", 2),
    ]
    weekly = histogram({"2023-01-02": 1, "2023-06-30": 4})
    assert weekly.unit == "week" and weekly.bins[0].start == "2023-01-02"  # a Monday
    assert sum(b.count for b in weekly.bins) == 5 and weekly.bins[-1].end >= "2023-06-30"


def test_filters_round_trip_and_reject_bad_values():
    f = Filters.from_args(
        {"from": "2023-10-01", "to": "2023-10-31", "min_confidence": "0.5", "kind": "city,country"}
    )
    assert Filters.from_args(f.query()) == f
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        Filters.from_args({"to": "2023-02-30"})


def test_combined_frame_follows_the_summed_weights():
    caucasus = Focus((FocusArea("AZ", "Azerbaijan", "country", 0.6),), (), (44.0, 38.0, 50.0, 42.0))
    us = Focus(
        (FocusArea("US", "United States", "country", 0.5),), (), (-124.0, 32.0, -114.0, 42.0)
    )
    # two articles about the Caucasus outweigh one about California
    assert combined_frame([caucasus, caucasus, us]) == (44.0, 38.0, 50.0, 42.0)
    assert combined_frame([caucasus, us]) == (-124.0, 32.0, 50.0, 42.0)
    assert combined_frame([Focus()]) is None


def test_index_filters_places_and_histogram(app, client):
    add(app, "later", "Talks in Ankara.", "2024-02-01", {"Ankara": SAMPLE_PLACES["Ankara"]})
    html = client.get("/").get_data(as_text=True)
    names = {p[1] for p in page_config(html)["places"]}
    assert {"Ankara", "Yerevan"} <= names
    assert html.count('class="gm-bar') >= 2  # a bar per week from October to February
    html = client.get("/?from=2024-01-01").get_data(as_text=True)
    config = page_config(html)
    assert [p[1] for p in config["places"]] == ["Ankara"]
    assert config["filterQuery"] == "from=2024-01-01"
    assert 'href="/export.kml?from=2024-01-01"' in html
    empty = client.get("/?to=2023-10-12").get_data(as_text=True)
    assert page_config(empty)["places"] == [] and 'id="gm-no-match"' in empty
    assert client.get("/?from=soon").status_code == 400


def test_feed_and_confidence_filters(app, client):
    add(
        app,
        "f-1",
        "Baku again.",
        "2024-01-05",
        {"Baku": SAMPLE_PLACES["Baku"]},
        source="wire.jsonl line 1",
    )
    add(
        app,
        "f-2",
        "Ankara again.",
        "2024-01-06",
        {"Ankara": SAMPLE_PLACES["Ankara"]},
        source="wire.jsonl line 2",
    )
    html = client.get("/").get_data(as_text=True)
    assert '<option value="wire.jsonl"' in html  # the feed, not each of its lines
    doc = client.get("/places.geojson?feed=wire.jsonl").get_json()
    assert {f["properties"]["name"] for f in doc["features"]} == {"Baku", "Ankara"}
    assert {a["id"] for a in doc["articles"]} == {"f-1", "f-2"}
    assert client.get("/places.geojson?min_confidence=0.95").get_json()["features"] == []


def test_popup_excerpts_follow_the_filters(app, client):
    add(app, "late", "Baku late.", "2024-03-01", {"Baku": SAMPLE_PLACES["Baku"]})
    url = "/api/places/geonames:587084/mentions"
    assert client.get(url).get_json()["total"] == 2  # the seed's and the late one
    dated = client.get(url + "?from=2024-01-01").get_json()
    assert dated["total"] == 1 and dated["items"][0]["article"] == "late"
    assert client.get(url + "?from=x").status_code == 400


def test_review_lists_unresolved_with_reasons_escaped(app, client, xss_article):
    with Store(app.config["DATABASE"]) as store:
        store.save(build_result(xss_article, {"Yerevan": None}))
    html = client.get("/review").get_data(as_text=True)
    assert "Section 907" in html  # the seed's unresolved mention
    assert html.count('class="gm-review-row"') == 2
    assert "<script>window.pwned" not in html and "<img src=x" not in html
    assert "&lt;script&gt;window.pwned=1;alert(1)&lt;/script&gt;" in html
    assert "<mark>Yerevan</mark>" in html and "no candidate" in html
    only_xss = client.get("/review?from=2024-01-01").get_data(as_text=True)
    assert only_xss.count('class="gm-review-row"') == 1
    assert "Review 2 unresolved mentions" in client.get("/").get_data(as_text=True)


def test_heat_map_script_is_served_by_the_app(client):
    html = client.get("/").get_data(as_text=True)
    src = "/static/vendor/leaflet.heat/templates/leaflet_heat.min.js"
    assert f'src="{src}"' in html and "cdn." not in html
    assert "L.heatLayer(" in html and '"Heat map (mentions)"' in html
    script = client.get(src)
    assert script.status_code == 200 and b"heatLayer" in script.data
    assert client.get("/static/vendor/leaflet.heat/__init__.py").status_code == 404


def test_filter_sidebar_escapes_titles_and_feeds(app, client, xss_result):
    import dataclasses

    article = dataclasses.replace(xss_result.articles[0], source="<b>feed</b>.jsonl line 1")
    with Store(app.config["DATABASE"]) as store:
        store.save(dataclasses.replace(xss_result, articles=(article,)))
    html = client.get("/").get_data(as_text=True)
    sidebar = html[html.index('<aside class="gm-filters"') : html.index("</aside>")]
    assert "Title &lt;script&gt;window.pwned=1;alert(1)&lt;/script&gt;" in sidebar
    assert "&lt;b&gt;feed&lt;/b&gt;.jsonl" in sidebar
    assert "<script>" not in sidebar and "<img" not in sidebar and "<b>" not in sidebar


def test_store_selection_by_day_feed_and_confidence(tmp_path):
    from dataclasses import replace

    with Store(tmp_path / "s.db") as store:
        for art_id, date, source in [
            ("a", "2023-10-13", "wire.jsonl line 1"),
            ("b", "2023-10-20", "wire.jsonl line 2"),
            ("c", None, "notes_file.txt"),
            ("d", "2023-10-20", "wire.jsonl"),
            ("e", None, "notesXfile.txt line 1"),
        ]:
            art = Article(art_id, "Baku and Yerevan.", date=date, source=source)
            result = build_result(
                art, {"Baku": SAMPLE_PLACES["Baku"], "Yerevan": SAMPLE_PLACES["Yerevan"]}
            )
            if art_id == "b":  # one low-confidence mention
                low = replace(result.resolutions[0], confidence=0.2)
                result = replace(result, resolutions=(low, *result.resolutions[1:]))
            store.save(result)
        assert store.mentions_by_day() == {"2023-10-13": 2, "2023-10-20": 4, None: 4}
        assert store.feeds() == ["notesXfile.txt", "notes_file.txt", "wire.jsonl"]
        wire = Filters(feed="wire.jsonl")
        assert [a.id for a in store.matching_articles(filters=wire)] == ["a", "b", "d"]
        # "_" in a feed name is a literal, not LIKE's any-character
        assert [a.id for a in store.matching_articles(filters=Filters(feed="notes_file.txt"))] == [
            "c"
        ]
        dated = Filters(date_from="2023-10-14")
        arts, res = store.selection(filters=dated)
        assert [a.id for a in arts] == ["b", "d"] and len(res) == 4
        sure = Filters(date_from="2023-10-14", min_confidence=0.5)
        assert len(store.selection(filters=sure)[1]) == 3
        counts = {p.place.name: p.mentions for p in store.places(filters=sure)}
        assert counts == {"Yerevan": 2, "Baku": 1}
        assert store.mentions_by_day(sure) == {"2023-10-13": 2, "2023-10-20": 3, None: 4}
