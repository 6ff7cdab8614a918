#!/usr/bin/env python3
"""Validate the front-line gold sets and print their make-up.

Usage: python check.py [frontline-dev.jsonl frontline-test.jsonl]
Asserts: valid JSON per line; unique ids (within and across files); text[start:end] == name for
every toponym; required fields present with sane types/values; spans inside the text and not
overlapping; tolerance_km follows the rule (25 km for village/town/camp/crossing under 20,000
people or of unknown population, 161 km otherwise); approximate coordinates have geonameid null.
Prints counts by kind, population band, region and coordinate source, plus dev/test overlap.
"""

import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
FILES = [Path(a) for a in sys.argv[1:]] or [
    HERE / "frontline-dev.jsonl",
    HERE / "frontline-test.jsonl",
]
KINDS = {
    "country",
    "admin1",
    "region",
    "city",
    "town",
    "village",
    "camp",
    "crossing",
    "district",
    "other",
}
SOURCES = {"geonames", "index", "approximate"}
REQUIRED = {
    "start": int,
    "end": int,
    "name": str,
    "lat": float,
    "lon": float,
    "kind": str,
    "tolerance_km": int,
    "coord_source": str,
}
REGIONS = {
    "ua": "Ukraine/Russia",
    "me": "Israel/Gaza/West Bank/Lebanon/Golan",
    "sc": "South Caucasus",
    "sd": "Sudan/Chad",
    "sh": "Sahel",
    "mm": "Myanmar",
    "sy": "Syria",
    "ot": "Yemen/DRC/Ethiopia",
    "ye": "Yemen/DRC/Ethiopia",
    "cd": "Yemen/DRC/Ethiopia",
    "so": "Somalia",
}
SMALL = {"village", "town", "camp", "crossing"}


def band(pop):
    if pop is None:
        return "unknown"
    return "<1,000" if pop < 1000 else "<20,000" if pop < 20000 else ">=20,000"


def check(path, seen_ids):
    docs = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            d = json.loads(line)
            where = f"{path.name}:{n}"
            assert set(d) == {"id", "text", "toponyms"}, (where, sorted(d))
            assert isinstance(d["id"], str) and d["id"] not in seen_ids, (
                where,
                "duplicate id",
                d["id"],
            )
            seen_ids.add(d["id"])
            text = d["text"]
            assert isinstance(text, str) and text.strip(), where
            prev_end = -1
            for t in sorted(d["toponyms"], key=lambda t: t["start"]):
                w = f"{where} {d['id']} {t.get('name')!r}"
                for k, typ in REQUIRED.items():
                    assert k in t, (w, "missing", k)
                    ok = isinstance(t[k], typ) or (typ is float and isinstance(t[k], int))
                    assert ok and not isinstance(t[k], bool), (w, k, t[k])
                assert "geonameid" in t and (
                    t["geonameid"] is None or isinstance(t["geonameid"], int)
                ), w
                assert "population" in t and (
                    t["population"] is None or isinstance(t["population"], int)
                ), w
                assert 0 <= t["start"] < t["end"] <= len(text), (w, "span")
                assert text[t["start"] : t["end"]] == t["name"], (
                    w,
                    "offset mismatch",
                    text[t["start"] : t["end"]],
                )
                assert t["start"] >= prev_end, (w, "overlapping spans")
                prev_end = t["end"]
                assert -90 <= t["lat"] <= 90 and -180 <= t["lon"] <= 180, w
                assert t["kind"] in KINDS, (w, t["kind"])
                assert t["coord_source"] in SOURCES, (w, t["coord_source"])
                if t["coord_source"] == "approximate":
                    assert t["geonameid"] is None, (w, "approximate rows carry no geonameid")
                if t["coord_source"] == "geonames":
                    assert t["geonameid"] is not None, (w, "geonames rows need a geonameid")
                small = t["kind"] in SMALL and (t["population"] is None or t["population"] < 20000)
                assert t["tolerance_km"] == (25 if small else 161), (
                    w,
                    "tolerance rule",
                    t["tolerance_km"],
                )
            docs.append(d)
    return docs


def report(path, docs):
    tops = [t for d in docs for t in d["toponyms"]]
    n = len(tops)
    print(
        f"\n== {path.name}: {len(docs)} documents, {n} toponyms "
        f"({n / len(docs):.1f} per document, min {min(len(d['toponyms']) for d in docs)}, "
        f"max {max(len(d['toponyms']) for d in docs)}), "
        f"{len({(t['name']) for t in tops})} distinct surface forms"
    )

    def show(title, counter):
        print(f"  {title}: " + ", ".join(f"{k} {v}" for k, v in counter.most_common()))

    show("by kind", Counter(t["kind"] for t in tops))
    show("by population band (all toponyms)", Counter(band(t["population"]) for t in tops))
    settl = [t for t in tops if t["kind"] in {"city", "town", "village", "camp", "crossing"}]
    show(
        f"by population band (the {len(settl)} settlements, camps and crossings;"
        " unknown = not in GeoNames cities500)",
        Counter(band(t["population"]) for t in settl),
    )
    show("by tolerance", Counter(f"{t['tolerance_km']} km" for t in tops))
    show("by coordinate source", Counter(t["coord_source"] for t in tops))
    approx = sum(t["coord_source"] == "approximate" for t in tops)
    print(f"  approximate coordinates: {approx} / {n} = {approx / n:.1%}")
    reg_docs = Counter(REGIONS.get(d["id"].split("-")[1], "?") for d in docs)
    reg_tops: Counter[str] = Counter()
    for d in docs:
        reg_tops[REGIONS.get(d["id"].split("-")[1], "?")] += len(d["toponyms"])
    print(
        "  by region (documents / toponyms): "
        + ", ".join(f"{r} {reg_docs[r]}/{reg_tops[r]}" for r in sorted(reg_docs))
    )


def main():
    seen: set[Any] = set()
    loaded = [(p, check(p, seen)) for p in FILES]
    for p, docs in loaded:
        report(p, docs)
    if len(loaded) == 2:

        def places(docs):
            return {
                (
                    t["geonameid"]
                    if t["geonameid"] is not None
                    else (t["name"], round(t["lat"], 1), round(t["lon"], 1))
                )
                for d in docs
                for t in d["toponyms"]
            }

        a, b = places(loaded[0][1]), places(loaded[1][1])
        print(
            f"\n== overlap: {len(a & b)} of the {len(b)} distinct places in {loaded[1][0].name} "
            f"also occur in {loaded[0][0].name}"
        )
    print("\nOK: all checks passed")


if __name__ == "__main__":
    main()
