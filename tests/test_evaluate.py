"""Scoring on small hand-made gold/prediction sets whose answers are known by hand."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from geomap.errors import InputError
from geomap.evaluate import (
    GoldDoc,
    GoldToponym,
    Prediction,
    auc,
    error_km,
    evaluate,
    load_gold,
    score,
)
from geomap.models import Article, Mention, ParseResult, Place, Resolution

KM_PER_DEG = 2 * math.pi * 6371.0088 / 360  # one degree of latitude on the haversine sphere


def point(lon: float, lat: float) -> dict:
    return {"type": "Point", "coordinates": [lon, lat]}


def square(lon0: float, lat0: float, lon1: float, lat1: float) -> dict:
    ring = [[lon0, lat0], [lon1, lat0], [lon1, lat1], [lon0, lat1], [lon0, lat0]]
    return {"type": "Polygon", "coordinates": [ring]}


def gold_doc(*toponyms: GoldToponym, text: str = "x" * 200, doc_id: str = "d1") -> GoldDoc:
    return GoldDoc(doc_id, text, tuple(toponyms))


# ---------------------------------------------------------------- distances


def test_polygon_containing_the_gold_point_is_zero_km():
    assert error_km(square(44, 38, 47, 41), 40.0, 45.0) == 0.0


def test_point_distance_is_haversine():
    assert error_km(point(0, 1), 0.0, 0.0) == pytest.approx(KM_PER_DEG, rel=1e-9)


def test_polygon_not_containing_the_point_measures_to_its_nearest_edge():
    # gold at (lat 0, lon 0); the polygon starts at lon 1: nearest point (0, 1)
    assert error_km(square(1, -1, 2, 1), 0.0, 0.0) == pytest.approx(KM_PER_DEG, rel=1e-6)


def test_line_distance_is_to_the_nearest_point_of_the_line():
    line = {"type": "LineString", "coordinates": [[-1, 2], [1, 2]]}
    assert error_km(line, 0.0, 0.0) == pytest.approx(2 * KM_PER_DEG, rel=1e-6)
    multipoint = {"type": "MultiPoint", "coordinates": [[10, 10], [0, 0.5]]}
    assert error_km(multipoint, 0.0, 0.0) == pytest.approx(0.5 * KM_PER_DEG, rel=1e-6)


def test_invalid_polygon_is_repaired_before_the_containment_test():
    bowtie = {"type": "Polygon", "coordinates": [[[0, 0], [2, 2], [2, 0], [0, 2], [0, 0]]]}
    assert error_km(bowtie, 1.0, 0.3) == 0.0  # inside the left triangle of the bow-tie
    assert error_km(bowtie, 1.0, 3.0) == pytest.approx(KM_PER_DEG, rel=1e-3)


# ---------------------------------------------------------------- AUC


def test_auc_of_known_error_lists():
    assert auc([]) is None
    assert auc([0.0, 0.0, 0.0]) == 0.0
    assert auc([20038.0]) == pytest.approx(1.0)
    assert auc([20038.0, 0.0]) == pytest.approx(0.5)  # sorted: [0, 1] -> area 0.5 over 1
    assert auc([0.0, 20038.0, 0.0]) == pytest.approx(0.25)  # [0, 0, 1] -> 0.5 over 2
    e = math.e - 1  # ln(1 + e) = 1
    assert auc([e, e]) == pytest.approx(1 / math.log(20039))


# ---------------------------------------------------------------- 161 km boundary


def test_161_km_boundary_decides_end_to_end_hits():
    gold = [
        gold_doc(
            GoldToponym(0, 5, "Alpha", 0.0, 0.0),
            GoldToponym(10, 15, "Bravo", 0.0, 0.0),
        )
    ]
    inside, outside = 160.9 / KM_PER_DEG, 161.1 / KM_PER_DEG
    preds = [
        [
            (0, 5, "Alpha", point(0, inside), "t:a", "city"),
            (10, 15, "Bravo", point(0, outside), "t:b", "city"),
        ]
    ]
    report = score(gold, preds)
    assert report.end_to_end["tp"] == 1
    assert report.end_to_end["precision"] == 0.5
    assert report.end_to_end["recall"] == 0.5
    assert report.resolution["acc161_placed"] == 0.5
    assert report.recognition["f1"] == 1.0
    wrong = report.errors["wrong_candidate"]
    assert [c.text for c in wrong] == ["Bravo"]
    assert wrong[0].detail["km"] == pytest.approx(161.1, abs=0.05)


def test_polygon_containment_counts_as_a_hit():
    gold = [gold_doc(GoldToponym(0, 7, "Armenia", 40.07, 45.04))]
    preds = {"d1": [(0, 7, "Armenia", square(43.4, 38.8, 46.7, 41.4), "ne:ARM", "country")]}
    report = score(gold, preds)
    assert report.resolution["median_km"] == 0.0
    assert report.end_to_end["f1"] == 1.0
    assert report.resolution["auc"] == 0.0


def test_point_based_scoring_uses_the_point_not_the_polygon():
    """A country polygon holds the gold point (polygon-aware: right), but the country's point
    lies 300 km away and its GeoNames id is not the gold's (point-based: wrong)."""
    gold = [gold_doc(GoldToponym(0, 6, "Canada", 60.0, -113.0, geonameid=6251999))]
    far = (-113.0, 60.0 - 300 / KM_PER_DEG)
    pred = Prediction(0, 6, "Canada", square(-140, 42, -53, 83), "ne:CAN", "country",
                      point=far)  # fmt: skip
    report = score(gold, [[pred]])
    assert report.end_to_end["f1"] == 1.0
    assert report.end_to_end_point["tp"] == 0 and report.end_to_end_point["f1"] == 0.0
    assert report.resolution_point["median_km"] == pytest.approx(300, abs=0.1)


def test_point_based_scoring_counts_the_gold_geonames_id_as_right():
    gold = [gold_doc(GoldToponym(0, 6, "Canada", 60.0, -113.0, geonameid=6251999))]
    far = (-113.0, 60.0 - 300 / KM_PER_DEG)
    same = Prediction(0, 6, "Canada", point(*far), "ne:CAN", "country",
                      geonames_id=6251999, point=far)  # fmt: skip
    report = score(gold, [[same]])
    assert report.end_to_end_point["f1"] == 1.0
    assert report.resolution_point["median_km"] == 0.0
    assert report.end_to_end["f1"] == 0.0  # polygon-aware knows nothing of ids
    other = same._replace(geonames_id=1)
    assert score(gold, [[other]]).end_to_end_point["tp"] == 0


def test_point_based_scoring_without_a_point_uses_a_point_inside_the_geometry():
    # an L-shaped region (shapely's inside point: lon 0.5, lat 10.5 in the upright arm)
    ring = [[0, 0], [20, 0], [20, 1], [1, 1], [1, 20], [0, 20], [0, 0]]
    region = {"type": "Polygon", "coordinates": [ring]}
    pred = (0, 1, "L", region, "x:l", "region")
    at_the_point = [gold_doc(GoldToponym(0, 1, "L", 10.5, 0.5))]
    assert score(at_the_point, [[pred]]).resolution_point["median_km"] == pytest.approx(0, abs=1)
    far_end = [gold_doc(GoldToponym(0, 1, "L", 0.5, 19.5))]  # inside the flat arm's tip
    report = score(far_end, [[pred]])
    assert report.end_to_end["f1"] == 1.0
    assert report.end_to_end_point["f1"] == 0.0


def test_both_scorings_are_in_the_text_and_json_reports():
    gold = [gold_doc(GoldToponym(0, 6, "Canada", 60.0, -113.0, geonameid=6251999))]
    pred = Prediction(0, 6, "Canada", square(-140, 42, -53, 83), "ne:CAN", "country",
                      point=(-100.0, 40.0))  # fmt: skip
    report = score(gold, [[pred]])
    text = report.format_text()
    assert "end-to-end F1@161 polygon" in text and "end-to-end F1@161 point" in text
    data = report.as_dict()
    assert data["end_to_end"]["f1"] == 1.0 and data["end_to_end_point"]["f1"] == 0.0


# ---------------------------------------------------------------- matching


def test_any_overlap_matches_and_matching_is_one_to_one_by_overlap_length():
    text = "in New York City today"
    gold = [gold_doc(GoldToponym(3, 16, "New York City", 40.71, -74.01), text=text)]
    nyc = point(-74.0, 40.7)
    # "New York" overlaps 8 chars, "City" 4: the longer overlap wins, the other is an FP
    preds = [[(7, 16, "York City", nyc, "t:nyc", "city"), (3, 7, "New ", nyc, "t:x", "city")]]
    report = score(gold, preds)
    assert report.recognition["tp"] == 1
    assert report.recognition["predicted"] == 2
    assert report.end_to_end["tp"] == 1
    assert [c.text for c in report.errors["false_positive"]] == ["New "]
    assert report.errors["not_recognized"] == []


def test_missed_gold_and_false_positive_are_listed():
    gold = [gold_doc(GoldToponym(0, 5, "Paris", 48.85, 2.35))]
    preds = [[(20, 26, "Berlin", point(13.4, 52.5), "t:ber", "city")]]
    report = score(gold, preds)
    assert report.recognition["tp"] == 0 and report.recognition["f1"] == 0.0
    assert report.top_strings("not_recognized") == [("Paris", 1)]
    assert report.top_strings("false_positive") == [("Berlin", 1)]


def test_gold_without_coordinates_is_ignored_but_counted_in_recognition_all():
    gold = [
        gold_doc(
            GoldToponym(0, 5, "Alpha", 10.0, 10.0),
            GoldToponym(10, 15, "Nowhere"),  # no coordinates
            GoldToponym(20, 25, "Gamma"),  # no coordinates, not predicted
        )
    ]
    preds = [
        [
            (0, 5, "Alpha", point(10, 10), "t:a", "city"),
            (11, 15, "owher", point(50, 50), "t:n", "city"),
        ]
    ]
    report = score(gold, preds)
    assert report.ignored == 1
    assert report.recognition == report.recognition | {"tp": 1, "predicted": 1, "gold": 1}
    assert report.recognition["f1"] == 1.0
    assert report.end_to_end["f1"] == 1.0
    assert report.recognition_all["tp"] == 2
    assert report.recognition_all["gold"] == 3
    assert report.recognition_all["predicted"] == 2
    assert report.errors["false_positive"] == []
    assert report.errors["not_recognized"] == []  # Gamma has no coordinates


def test_abstentions_count_for_recognition_not_for_end_to_end():
    gold = [gold_doc(GoldToponym(0, 5, "Alpha", 0.0, 0.0), GoldToponym(10, 15, "Bravo", 0.0, 0.0))]
    preds = [
        [
            Prediction(0, 5, "Alpha", point(0, 0), "t:a", "city"),
            Prediction(10, 15, "Bravo", None, reason="no candidate"),
        ]
    ]
    report = score(gold, preds)
    assert report.recognition["tp"] == 2 and report.recognition["predicted"] == 2
    assert report.end_to_end == report.end_to_end | {"tp": 1, "predicted": 1, "gold": 2}
    assert report.end_to_end["precision"] == 1.0
    assert report.resolution["acc161_placed"] == 1.0
    assert report.resolution["acc161_matched"] == 0.5
    assert report.top_reasons() == [("no candidate", 1)]
    assert "no candidate" in report.format_text(errors=True)


def test_same_geonames_id_far_away_is_a_geometry_error():
    gold = [gold_doc(GoldToponym(0, 5, "Alpha", 0.0, 0.0, geonameid=42))]
    preds = [[(0, 5, "Alpha", point(20, 20), "geonames:42", "city")]]
    report = score(gold, preds)
    assert len(report.errors["wrong_geometry"]) == 1
    assert report.errors["wrong_candidate"] == []


def test_excluded_kinds_are_dropped_before_scoring():
    gold = [gold_doc(GoldToponym(0, 5, "Alpha", 0.0, 0.0))]
    preds = [
        [
            (0, 5, "Alpha", point(0, 0), "t:a", "city"),
            (10, 18, "Armenian", point(45, 40), "ne:ARM", "demonym"),
        ]
    ]
    assert score(gold, preds).recognition["precision"] == 0.5
    assert score(gold, preds, exclude_kinds=["demonym"]).recognition["precision"] == 1.0


def test_report_serialises_and_formats():
    gold = [gold_doc(GoldToponym(0, 5, "Alpha", 0.0, 0.0))]
    report = score(gold, [[(0, 5, "Alpha", point(3, 0), "t:a", "city")]], name="tiny")
    as_dict = json.loads(json.dumps(report.as_dict(cases=True)))
    assert as_dict["end_to_end"]["f1"] == 0.0
    assert as_dict["errors"]["wrong_candidate"]["count"] == 1
    text = report.format_text(errors=True)
    assert "tiny" in text and "end-to-end F1@161" in text and "'Alpha' ->" in text


# ---------------------------------------------------------------- gold files


def write(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "gold.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_load_gold_reads_the_bench_format(tmp_path):
    rec: dict[str, Any] = {
        "id": "7",
        "text": "Yerevan and Nowhere.",
        "toponyms": [
            {
                "start": 0,
                "end": 7,
                "name": "Yerevan",
                "lat": 40.18,
                "lon": 44.51,
                "geonameid": 616052,
            },
            {
                "start": 12,
                "end": 19,
                "name": "Nowhere",
                "lat": None,
                "lon": None,
                "geonameid": None,
            },
        ],
    }
    docs = load_gold(write(tmp_path, [json.dumps(rec)]))
    assert docs == [
        GoldDoc(
            "7",
            rec["text"],
            (GoldToponym(0, 7, "Yerevan", 40.18, 44.51, 616052), GoldToponym(12, 19, "Nowhere")),
        )
    ]


def test_unicode_line_separators_inside_text_do_not_split_records(tmp_path):
    text = "Baku\u2028Yerevan\x85 and\u2029 more"
    path = tmp_path / "gold.jsonl"
    record = {"id": "u", "text": text, "toponyms": []}
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    assert [d.text for d in load_gold(path)] == [text]


@pytest.mark.parametrize(
    "bad",
    [
        "{not json",
        json.dumps({"id": "a"}),
        json.dumps({"id": "a", "text": "abc", "toponyms": [{"start": 0, "name": "a"}]}),
        json.dumps(
            {
                "id": "a",
                "text": "abc",
                "toponyms": [{"start": 0, "end": 9, "name": "abc", "lat": 1, "lon": 1}],
            }
        ),
    ],
)
def test_malformed_gold_names_the_file_and_line(tmp_path, bad):
    good = json.dumps({"id": "ok", "text": "fine", "toponyms": []})
    path = write(tmp_path, [good, bad])
    with pytest.raises(InputError) as info:
        load_gold(path)
    assert f"{path} line 2" in str(info.value)


def test_missing_gold_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="nope.jsonl"):
        load_gold(tmp_path / "nope.jsonl")


# ---------------------------------------------------------------- evaluate()


class FakeEngine:
    """Finds every gold-listed name by string search and places it at a fixed point."""

    def __init__(self, places: dict[str, tuple[float, float] | None]) -> None:
        self.places = places
        self.calls = 0

    def parse(self, articles):
        self.calls += 1
        out = []
        for article in articles:
            for name, where in self.places.items():
                start = article.text.find(name)
                if start < 0:
                    continue
                mention = Mention(article.id, name, start, start + len(name), label="GPE")
                place = None
                if where is not None:
                    lat, lon = where
                    place = Place(
                        f"t:{name}", name, "city", point(lon, lat), "test", lat=lat, lon=lon
                    )
                out.append(
                    Resolution(
                        mention, place, 0.9 if place else 0.0, "fixed" if place else "no candidate"
                    )
                )
        return ParseResult(tuple(articles), tuple(out))


def test_evaluate_runs_the_engine_in_batches_and_scores(tmp_path):
    lines = [
        json.dumps(
            {
                "id": f"doc{i}",
                "text": "Yerevan is near Ararat.",
                "toponyms": [
                    {"start": 0, "end": 7, "name": "Yerevan", "lat": 40.18, "lon": 44.51},
                    {"start": 16, "end": 22, "name": "Ararat", "lat": 39.70, "lon": 44.30},
                ],
            }
        )
        for i in range(5)
    ]
    engine = FakeEngine({"Yerevan": (40.18, 44.51), "Ararat": None})
    report = evaluate(write(tmp_path, lines), engine, limit=4, progress=False, batch_size=3)
    assert engine.calls == 2
    assert report.docs == 4
    assert report.recognition["f1"] == 1.0
    assert report.end_to_end == report.end_to_end | {"tp": 4, "predicted": 4, "gold": 8}
    assert report.top_strings("abstained") == [("Ararat", 4)]
    assert report.by_label("abstained") == [("GPE", 4)]
    assert report.seconds is not None


def test_articles_given_to_the_engine_carry_the_gold_text(tmp_path):
    seen: list[Article] = []

    class Recorder:
        def parse(self, articles):
            seen.extend(articles)
            return ParseResult(tuple(articles), ())

    text = "date 2023-10-13\nBody"
    evaluate(
        write(tmp_path, [json.dumps({"id": "x", "text": text, "toponyms": []})]),
        Recorder(),
        progress=False,
    )
    assert [(a.id, a.text) for a in seen] == [("x", text)]


# ---------------------------------------------------------------- geomap eval


def test_eval_command_prints_metrics_and_json(tmp_path, monkeypatch):
    from click.testing import CliRunner

    import geomap.pipeline
    from geomap.cli import main

    line = json.dumps(
        {
            "id": "a",
            "text": "Yerevan is near Ararat.",
            "toponyms": [
                {"start": 0, "end": 7, "name": "Yerevan", "lat": 40.18, "lon": 44.51},
                {"start": 16, "end": 22, "name": "Ararat", "lat": 39.70, "lon": 44.30},
            ],
        }
    )
    path = write(tmp_path, [line])
    monkeypatch.setattr(
        geomap.pipeline, "Engine", lambda settings: FakeEngine({"Yerevan": (40.18, 44.51)})
    )
    runner = CliRunner()
    result = runner.invoke(main, ["eval", str(path), "--errors", "--quiet"])
    assert result.exit_code == 0, result.output
    assert "end-to-end F1@161" in result.output and "'Ararat'" in result.output
    result = runner.invoke(main, ["eval", str(path), "--json", "--quiet"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["end_to_end"]["precision"] == 1.0 and data["end_to_end"]["recall"] == 0.5


def test_eval_command_reports_malformed_gold_in_one_line(tmp_path):
    from click.testing import CliRunner

    from geomap.cli import main

    path = write(tmp_path, ['{"id": "a", "text": "x"}', "{broken"])
    result = CliRunner().invoke(main, ["eval", str(path)])
    assert result.exit_code == 2
    assert f"{path} line 2" in result.output and "Traceback" not in result.output
