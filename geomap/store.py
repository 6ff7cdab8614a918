"""The store: what was ingested, kept between runs for the map, the web app and export.

One :class:`Store` over two databases (:mod:`geomap.backends`): an SQLite file (the
default) or PostgreSQL + PostGIS (``postgresql://user@host/dbname``) for many writers.
Both run the same SQL and the same migrations. Writes are idempotent: an article is
stored once per (id, content hash) however often it is saved, and each article (or
batch, :meth:`Store.save_batch`) is one transaction, so an interrupted ingest leaves
every article either as it was or fully replaced. A database written by a newer
geomap is refused.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import secrets
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from geomap.articles import content_hash
from geomap.backends import Connection, PostgresConnection, connect, is_postgres_url
from geomap.corrections import Correction
from geomap.errors import GeomapError, StoreError
from geomap.export import feature_collection
from geomap.filters import Filters, feed_of
from geomap.models import (
    Article,
    Focus,
    Geometry,
    Mention,
    ParseResult,
    Place,
    Resolution,
    geometry_bounds,
)
from geomap.resolve import article_focus

if TYPE_CHECKING:
    from geomap.gazetteer.geocoders import GeocoderTrouble

# An SQL script (written for SQLite; the PostgreSQL connection translates its few DDL
# words) or a function of the connection, for steps that differ between the databases.
Migration = str | Callable[[Connection], None]


def _add_display_geometry(conn: Connection) -> None:
    """v2: a simplified copy of each geometry for maps, so pages never parse the full one."""
    conn.execute("ALTER TABLE places ADD COLUMN display TEXT")
    conn.execute("ALTER TABLE places ADD COLUMN geometry_hash TEXT")
    rows = conn.execute("SELECT id, geometry FROM places").fetchall()
    for pid, geometry in rows:
        conn.execute(
            "UPDATE places SET display = ?, geometry_hash = ? WHERE id = ?",
            (
                _dumps(display_geometry(json.loads(geometry))),
                hashlib.sha1(geometry.encode("utf-8")).hexdigest(),
                pid,
            ),
        )


def _add_bounds(conn: Connection) -> None:
    """v6: each place's bounding box, so a map can ask for one viewport.

    Both databases get indexed bbox columns; PostgreSQL also gets the geometry itself in a
    PostGIS column with a GiST index (``&&`` answers viewport queries from the index).
    """
    for column in ("minx", "miny", "maxx", "maxy"):
        conn.ddl(f"ALTER TABLE places ADD COLUMN {column} REAL")
    rows = conn.execute("SELECT id, geometry FROM places").fetchall()
    for pid, geometry in rows:
        box = geometry_bounds(json.loads(geometry)) or (None, None, None, None)
        conn.execute(
            "UPDATE places SET minx = ?, miny = ?, maxx = ?, maxy = ? WHERE id = ?", (*box, pid)
        )
    # covering: a view's clustering query reads this compact index, never the geometries
    conn.ddl("CREATE INDEX places_bbox ON places(minx, maxx, miny, maxy, kind, lon, lat, id)")
    if conn.dialect == "postgresql":
        conn.ddl("CREATE EXTENSION IF NOT EXISTS postgis")
        conn.ddl("ALTER TABLE places ADD COLUMN geom geometry(Geometry, 4326)")
        conn.ddl("UPDATE places SET geom = ST_SetSRID(ST_GeomFromGeoJSON(geometry), 4326)")
        conn.ddl("CREATE INDEX places_geom ON places USING gist (geom)")


def _add_revision(conn: Connection) -> None:
    """v7 (serving, issue 13): a number every write transaction moves on, and a random name
    for this store, so that the web app's caches and ETags notice every change (corrections
    and replaced articles too) and never mistake a new store for an old one."""
    conn.ddl(
        "CREATE TABLE store_revision (id INTEGER PRIMARY KEY, store TEXT NOT NULL,"
        " n INTEGER NOT NULL)"
    )
    conn.execute(
        "INSERT INTO store_revision (id, store, n) VALUES (1, ?, 0)", (secrets.token_hex(8),)
    )


# Each entry upgrades the schema by one version; never edit a shipped entry, append one.
MIGRATIONS: tuple[Migration, ...] = (
    """
    CREATE TABLE articles (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,  -- ingest order, for stable output
        id TEXT NOT NULL UNIQUE,
        title TEXT, url TEXT, date TEXT, source TEXT,
        text TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        ingested_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
    );
    CREATE TABLE places (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        kind TEXT NOT NULL,
        status TEXT, source TEXT NOT NULL, country TEXT,
        lat REAL, lon REAL,
        geometry TEXT NOT NULL,               -- GeoJSON, [lon, lat]
        aliases TEXT NOT NULL DEFAULT '[]',   -- JSON list
        extra TEXT NOT NULL DEFAULT '{}'      -- JSON object (provenance)
    );
    CREATE TABLE mentions (
        article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        place_id TEXT NOT NULL REFERENCES places(id),
        start INTEGER NOT NULL, "end" INTEGER NOT NULL,
        text TEXT NOT NULL,
        excerpt TEXT NOT NULL DEFAULT '',
        mark_start INTEGER, mark_end INTEGER,  -- the mention inside the excerpt
        confidence REAL NOT NULL,
        why TEXT NOT NULL DEFAULT '',
        label TEXT NOT NULL DEFAULT '',
        context TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (article_id, start, "end")
    );
    CREATE INDEX mentions_by_place ON mentions(place_id);
    CREATE TABLE unresolved (
        article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        start INTEGER NOT NULL, "end" INTEGER NOT NULL,
        text TEXT NOT NULL,
        excerpt TEXT NOT NULL DEFAULT '',
        reason TEXT NOT NULL DEFAULT '',
        label TEXT NOT NULL DEFAULT '',
        context TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (article_id, start, "end")
    );
    """,
    _add_display_geometry,
    # v3: each article's geographic focus (JSON, see models.Focus), for maps to open on
    "ALTER TABLE articles ADD COLUMN focus TEXT",
    # v4: editors' corrections as rules (see geomap/corrections.py) and the editors who may
    # make them. No foreign key to articles: an imported rule may name an article this
    # store never had. Ids are assigned by the store code, not by an engine-specific serial.
    """
    CREATE TABLE corrections (
        id INTEGER PRIMARY KEY,
        uid TEXT NOT NULL UNIQUE,
        article_id TEXT NOT NULL,
        start INTEGER NOT NULL, "end" INTEGER NOT NULL,
        surface TEXT NOT NULL,
        surface_key TEXT NOT NULL,            -- normalize(surface)
        action TEXT NOT NULL,                 -- place | not-a-place | new-place
        scope TEXT NOT NULL,                  -- mention | article | everywhere
        place_id TEXT, place_name TEXT,
        new_place TEXT,                       -- a curated-gazetteer Feature, JSON
        country TEXT,
        editor TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        old_place_id TEXT, old_place_name TEXT,
        undone INTEGER NOT NULL DEFAULT 0,
        undone_at TEXT, undone_by TEXT
    );
    CREATE INDEX corrections_by_key ON corrections(surface_key);
    CREATE TABLE editors (
        name TEXT PRIMARY KEY,
        token_hash TEXT NOT NULL UNIQUE,      -- sha256 of a 256-bit random token
        created_at TEXT NOT NULL
    );
    """,
    # v5 (reference ids, issue 9): the place's GeoNames id; its point is lat/lon
    "ALTER TABLE places ADD COLUMN geonames_id INTEGER",
    _add_bounds,  # v6
    _add_revision,  # v7
)

SaveStatus = str  # "added" | "updated" | "unchanged"


@dataclass(frozen=True)
class PlaceSummary:
    """A place as the map needs it: the place and how often the store mentions it."""

    place: Place
    mentions: int
    articles: tuple[str, ...]  # ids of the articles that mention it, in ingest order


@dataclass(frozen=True)
class ViewCluster:
    """Places of one kind in one grid square of a map view."""

    kind: str
    places: int
    one: str  # the id of a place in it (the place itself when it is alone)
    lon: float  # the mean position of its places
    lat: float
    bounds: tuple[float, float, float, float]  # west, south, east, north


@dataclass(frozen=True)
class MentionRow:
    """One stored mention with what a popup shows next to it."""

    article_id: str
    article_title: str | None
    article_date: str | None
    place_id: str
    text: str
    start: int
    end: int
    excerpt: str
    mark_start: int | None
    mark_end: int | None
    confidence: float
    why: str


@dataclass(frozen=True)
class ArticleSummary:
    article: Article
    places: int
    mentions: int
    unresolved: int


def excerpt_marks(text: str, mention: Mention) -> tuple[int | None, int | None]:
    """Where the mention sits inside its excerpt, so the popup highlights that occurrence."""
    sentence = mention.sentence
    if not sentence:
        return None, None
    # The excerpt is normally the sentence around the mention: find that very copy.
    pos = text.rfind(sentence, 0, mention.start + 1)
    while pos != -1:
        if pos <= mention.start and mention.end <= pos + len(sentence):
            return mention.start - pos, mention.end - pos
        pos = text.rfind(sentence, 0, pos)
    i = sentence.find(mention.text)
    return (i, i + len(mention.text)) if i >= 0 and mention.text else (None, None)


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _dumps(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def round_coords(coords: Any, digits: int) -> Any:
    if coords and isinstance(coords[0], int | float):
        return [round(float(coords[0]), digits), round(float(coords[1]), digits)]
    return [round_coords(c, digits) for c in coords]


def _display_tolerance(bounds: tuple[float, float, float, float]) -> float:
    minx, miny, maxx, maxy = bounds
    return min(0.1, max(0.0002, math.hypot(maxx - minx, maxy - miny) / 300))


def _digits(tolerance: float) -> int:
    return max(2, min(5, math.ceil(-math.log10(tolerance)) + 1))


def display_precision(geometry: Geometry) -> int:
    """Decimals that a geometry's display copy keeps (finer for smaller shapes)."""
    bounds = geometry_bounds(geometry)
    return _digits(_display_tolerance(bounds)) if bounds else 4


def display_geometry(geometry: Geometry) -> Geometry:
    """A light copy of a geometry for maps: simplified in proportion to its size (about
    1/300 of its diagonal), specks dropped, coordinates rounded to match. Points are
    only rounded (4 decimals, ~10 m). Anything shapely cannot read is kept as it is."""
    kind = geometry.get("type", "")
    if kind == "Point":
        return {"type": "Point", "coordinates": round_coords(geometry["coordinates"], 4)}
    from shapely.geometry import MultiPolygon, mapping, shape

    try:
        geom = shape(geometry)
        tolerance = _display_tolerance(geom.bounds)
        if isinstance(geom, MultiPolygon):
            parts = list(geom.geoms)
            keep = [p for p in parts if p.area >= 50 * tolerance**2]
            keep = keep or [max(parts, key=lambda p: p.area)]
            geom = MultiPolygon(keep) if len(keep) > 1 else keep[0]
        simple = geom.simplify(tolerance, preserve_topology=True)
        if simple.is_empty:
            simple = geom
        out = json.loads(_dumps(mapping(simple)))
        digits = _digits(tolerance)
        if "coordinates" in out:
            out["coordinates"] = round_coords(out["coordinates"], digits)
        return dict(out)
    except (ValueError, TypeError, KeyError, AttributeError, IndexError):
        return geometry


class Store:
    """A geomap database: an SQLite file or a PostgreSQL URL. Use as a context manager;
    every error is a :class:`StoreError` naming the database."""

    def __init__(self, path: str | Path) -> None:
        self.url = str(path)
        self.path = Path(path) if not is_postgres_url(path) else Path(".")
        self.conn: Connection = connect(path)
        self.name = self.conn.name  # for messages (a URL's password is masked)
        try:
            with self._errors("open"):
                self.conn.setup()
                self._migrate()
        except BaseException:
            self.conn.close()
            raise

    @classmethod
    def open(cls, url_or_path: str | Path) -> Store:
        """``postgresql://user@host/dbname`` opens PostgreSQL; anything else is an SQLite file."""
        return cls(url_or_path)

    @staticmethod
    def exists(url_or_path: str | Path) -> bool:
        """Whether opening would find a store rather than create one: a PostgreSQL URL names
        a database its server keeps (opening fails clearly if it does not); an SQLite store
        is a file."""
        url = str(url_or_path)
        return is_postgres_url(url) or url == ":memory:" or Path(url).exists()

    @property
    def dialect(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self.conn.dialect

    # -- plumbing -----------------------------------------------------------------------------

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self.conn.close()

    @contextmanager
    def _errors(self, doing: str) -> Iterator[None]:
        try:
            yield
        except self.conn.errors as exc:
            raise StoreError(f"{self.name}: cannot {doing}: {exc}") from exc

    @contextmanager
    def transaction(self, doing: str = "write") -> Iterator[Connection]:
        """BEGIN ... COMMIT (SQLite: BEGIN IMMEDIATE); anything raised inside rolls back."""
        with self._errors(doing):
            self.conn.begin()
            try:
                yield self.conn
                # last, so that concurrent writers hold this one row only while committing
                self.conn.execute("UPDATE store_revision SET n = n + 1 WHERE id = 1")
            except BaseException:
                self.conn.rollback()
                raise
            self.conn.commit()

    def _retrying(self, doing: str, work: Callable[[Connection], Any], attempts: int = 5) -> Any:
        """Run ``work`` in one transaction; PostgreSQL may abort one of two deadlocked
        writers, and that one simply runs again (the work is idempotent)."""
        for attempt in range(attempts):
            try:
                with self.transaction(doing) as conn:
                    return work(conn)
            except StoreError as exc:
                if attempt + 1 == attempts or not self.conn.is_retryable(exc.__cause__ or exc):
                    raise
                time.sleep(random.uniform(0.01, 0.1) * (attempt + 1))  # let the other finish
        raise AssertionError("unreachable")  # pragma: no cover

    def _migrate(self) -> None:
        version = self.conn.get_version()
        if version > len(MIGRATIONS):
            raise StoreError(
                f"{self.name}: schema version {version} is newer than this geomap "
                f"understands ({len(MIGRATIONS)}); upgrade geomap"
            )
        for number in range(version, len(MIGRATIONS)):
            step = MIGRATIONS[number]
            with self._errors(f"migrate the schema to version {number + 1}"):
                try:
                    if callable(step):
                        self.conn.begin()
                        if isinstance(self.conn, PostgresConnection):
                            self.conn.lock_schema()  # another process may have migrated
                            if self.conn.get_version() > number:
                                self.conn.commit()
                                continue
                        step(self.conn)
                        self.conn.set_version(number + 1)
                        self.conn.commit()
                    else:
                        self.conn.run_script(step, number + 1)
                except BaseException:
                    self.conn.rollback()
                    raise

    @property
    def schema_version(self) -> int:
        with self._errors("read"):
            return self.conn.get_version()

    def _query(self, sql: str, params: Iterable[Any] = ()) -> list[Any]:
        with self._errors("read"):
            return list(self.conn.execute(sql, tuple(params)).fetchall())

    # -- writing ------------------------------------------------------------------------------

    def is_unchanged(self, article: Article) -> bool:
        """True when this exact content is stored already (lets ingest skip parsing)."""
        rows = self._query("SELECT content_hash FROM articles WHERE id = ?", [article.id])
        return bool(rows) and rows[0]["content_hash"] == content_hash(article)

    def unchanged_ids(self, articles: Iterable[Article]) -> set[str]:
        """The ids among ``articles`` whose exact content is stored already (one query per
        500 articles, for batches)."""
        wanted = {a.id: content_hash(a) for a in articles}
        ids = list(wanted)
        found: set[str] = set()
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            marks = ", ".join("?" * len(chunk))
            for row in self._query(
                f"SELECT id, content_hash FROM articles WHERE id IN ({marks})", chunk
            ):
                if wanted[row[0]] == row[1]:
                    found.add(row[0])
        return found

    def save(
        self,
        result_or_article: ParseResult | Article,
        resolutions: Iterable[Resolution] | None = None,
    ) -> dict[str, SaveStatus]:
        """Store articles with their resolutions, one transaction per article.

        Same content again: nothing changes ("unchanged"). Changed content: the
        article's old mentions are replaced ("updated"). Returns status per article id.
        """
        if isinstance(result_or_article, ParseResult):
            articles: list[Article] = list(result_or_article.articles)
            all_res = list(result_or_article.resolutions)
        else:
            articles = [result_or_article]
            all_res = list(resolutions or ())
        by_article: dict[str, list[Resolution]] = {a.id: [] for a in articles}
        for res in all_res:
            if res.mention.article_id in by_article:
                by_article[res.mention.article_id].append(res)
        return {
            a.id: self._retrying(
                f"store article {a.id!r}", partial(self._write_article, article=a, resolutions=rs)
            )
            for a, rs in ((a, by_article[a.id]) for a in articles)
        }

    def save_batch(
        self, items: Iterable[tuple[Article, Iterable[Resolution]]]
    ) -> dict[str, SaveStatus]:
        """Store parsed articles in ONE transaction (what a cluster worker writes per batch).

        Idempotent like :meth:`save`: a batch that runs twice (a retried task) stores each
        article once. Places are written first in id order, so that concurrent batches
        lock shared places in the same order; a deadlock PostgreSQL still reports is
        retried.
        """
        batch = [(a, list(res)) for a, res in items]
        if not batch:
            return {}

        def work(conn: Connection) -> dict[str, SaveStatus]:
            self._upsert_places(conn, [r.place for _, rs in batch for r in rs if r.place])
            # articles too in id order: two batches holding the same articles never wait
            # on each other in a cycle
            written = {
                a.id: self._write_article(conn, a, rs, places_written=True)
                for a, rs in sorted(batch, key=lambda item: item[0].id)
            }
            return {a.id: written[a.id] for a, _ in batch}

        return dict(self._retrying(f"store a batch of {len(batch)} articles", work))

    def _write_article(
        self,
        conn: Connection,
        article: Article,
        resolutions: list[Resolution],
        places_written: bool = False,
    ) -> SaveStatus:
        digest = content_hash(article)
        fields = (article.title, article.url, article.date, article.source, article.text, digest)
        row = conn.execute(
            "SELECT content_hash FROM articles WHERE id = ?", (article.id,)
        ).fetchone()
        if row is None:
            inserted = conn.execute(
                "INSERT INTO articles (title, url, date, source, text, content_hash,"
                " ingested_at, id) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
                (*fields, _now(), article.id),
            ).rowcount
            if not inserted:  # a concurrent writer stored it first (PostgreSQL waited for it)
                row = conn.execute(
                    "SELECT content_hash FROM articles WHERE id = ?", (article.id,)
                ).fetchone()
        old_places: list[str] = []
        if row is None:
            status = "added"
        elif row[0] == digest:
            return "unchanged"
        else:
            status = "updated"
            old_places = self._clear_decisions(conn, article.id)
            conn.execute(
                "UPDATE articles SET title = ?, url = ?, date = ?, source = ?, text = ?,"
                " content_hash = ?, ingested_at = ? WHERE id = ?",
                (*fields, _now(), article.id),
            )
        if not places_written:  # once per article, not per mention, in id order
            self._upsert_places(conn, [r.place for r in resolutions if r.place is not None])
        self._write_decisions(conn, article, resolutions, old_places, places_written=True)
        return status

    @staticmethod
    def _clear_decisions(conn: Connection, article_id: str) -> list[str]:
        """Delete an article's mentions and unresolved names; the places they pointed at."""
        old_places = [
            r[0]
            for r in conn.execute(
                "SELECT DISTINCT place_id FROM mentions WHERE article_id = ?", (article_id,)
            )
        ]
        conn.execute("DELETE FROM mentions WHERE article_id = ?", (article_id,))
        conn.execute("DELETE FROM unresolved WHERE article_id = ?", (article_id,))
        return old_places

    def _write_decisions(
        self,
        conn: Connection,
        article: Article,
        resolutions: Sequence[Resolution],
        old_places: list[str],
        *,
        places_written: bool,
    ) -> None:
        """An article's focus and decisions, then the places nothing mentions any more."""
        conn.execute(
            "UPDATE articles SET focus = ? WHERE id = ?",
            (_dumps(article_focus(resolutions).to_dict()), article.id),
        )
        for res in resolutions:
            self._write_resolution(conn, article.text, res, place_written=places_written)
        self._drop_orphans(conn, old_places)

    def _write_resolution(
        self, conn: Connection, text: str, res: Resolution, place_written: bool = False
    ) -> None:
        m = res.mention
        if res.place is None:
            conn.execute(
                'INSERT INTO unresolved (article_id, start, "end", text, excerpt,'
                " reason, label, context) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                ' ON CONFLICT (article_id, start, "end") DO UPDATE SET text = excluded.text,'
                " excerpt = excluded.excerpt, reason = excluded.reason,"
                " label = excluded.label, context = excluded.context",
                (m.article_id, m.start, m.end, m.text, m.sentence, res.why, m.label, m.context),
            )
            return
        if not place_written:
            self._upsert_place(conn, res.place)
        mark_start, mark_end = excerpt_marks(text, m)
        conn.execute(
            'INSERT INTO mentions (article_id, place_id, start, "end", text, excerpt,'
            " mark_start, mark_end, confidence, why, label, context)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            ' ON CONFLICT (article_id, start, "end") DO UPDATE SET place_id = excluded.place_id,'
            " text = excluded.text, excerpt = excluded.excerpt,"
            " mark_start = excluded.mark_start, mark_end = excluded.mark_end,"
            " confidence = excluded.confidence, why = excluded.why,"
            " label = excluded.label, context = excluded.context",
            (
                m.article_id,
                res.place.id,
                m.start,
                m.end,
                m.text,
                m.sentence,
                mark_start,
                mark_end,
                float(res.confidence),
                res.why,
                m.label,
                m.context,
            ),
        )

    @classmethod
    def _upsert_places(cls, conn: Connection, places: Iterable[Place]) -> None:
        """Each distinct place once, in id order (the order concurrent writers lock them in)."""
        unique = {p.id: p for p in places}
        for pid in sorted(unique):
            cls._upsert_place(conn, unique[pid])

    @staticmethod
    def _upsert_place(conn: Connection, place: Place) -> None:
        """The newest description of a place wins (a rebuilt gazetteer may improve it).

        Nothing is written when nothing changed (so concurrent writers do not queue on
        popular places); the display copy and bounds only when the geometry changed.
        """
        geometry = _dumps(place.geometry)
        digest = hashlib.sha1(geometry.encode("utf-8")).hexdigest()
        row = conn.execute(
            "SELECT geometry_hash, name, kind, status, source, country, lat, lon, aliases, extra,"
            " geonames_id FROM places WHERE id = ?",
            (place.id,),
        ).fetchone()
        fields = (
            place.name,
            place.kind,
            place.status,
            place.source,
            place.country,
            place.lat,
            place.lon,
            _dumps(list(place.aliases)),
            json.dumps(place.extra, ensure_ascii=False, sort_keys=True),
            place.geonames_id,
        )
        if row is not None and row[0] == digest:
            if tuple(row)[1:] != fields:
                conn.execute(
                    "UPDATE places SET name = ?, kind = ?, status = ?, source = ?, country = ?,"
                    " lat = ?, lon = ?, aliases = ?, extra = ?, geonames_id = ? WHERE id = ?",
                    (*fields, place.id),
                )
            return
        display = _dumps(display_geometry(place.geometry))
        box = geometry_bounds(place.geometry) or (None, None, None, None)
        postgis = conn.dialect == "postgresql"
        conn.execute(
            "INSERT INTO places (name, kind, status, source, country, lat, lon,"
            " aliases, extra, geonames_id, id, geometry, geometry_hash, display,"
            " minx, miny, maxx, maxy"
            + (", geom" if postgis else "")
            + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?"
            + (", ST_SetSRID(ST_GeomFromGeoJSON(?), 4326)" if postgis else "")
            + ") ON CONFLICT(id) DO UPDATE SET name = excluded.name, kind = excluded.kind,"
            " status = excluded.status, source = excluded.source, country = excluded.country,"
            " lat = excluded.lat, lon = excluded.lon, aliases = excluded.aliases,"
            " extra = excluded.extra, geonames_id = excluded.geonames_id,"
            " geometry = excluded.geometry,"
            " geometry_hash = excluded.geometry_hash, display = excluded.display,"
            " minx = excluded.minx, miny = excluded.miny, maxx = excluded.maxx,"
            " maxy = excluded.maxy" + (", geom = excluded.geom" if postgis else ""),
            (*fields, place.id, geometry, digest, display, *box) + ((geometry,) if postgis else ()),
        )

    @staticmethod
    def _drop_orphans(conn: Connection, place_ids: Iterable[str]) -> None:
        for pid in place_ids:
            conn.execute(
                "DELETE FROM places WHERE id = ?"
                " AND NOT EXISTS (SELECT 1 FROM mentions WHERE place_id = ?)",
                (pid, pid),
            )

    def delete_article(self, article_id: str) -> bool:
        with self.transaction(f"delete article {article_id!r}") as conn:
            old = [
                r[0]
                for r in conn.execute(
                    "SELECT DISTINCT place_id FROM mentions WHERE article_id = ?", (article_id,)
                )
            ]
            deleted = conn.execute("DELETE FROM articles WHERE id = ?", (article_id,)).rowcount
            self._drop_orphans(conn, old)
        return bool(deleted)

    def replace_resolution(self, resolution: Resolution) -> None:
        """Set the stored decision for one mention, whatever it was (resolved, unresolved).

        A place of None stores it as unresolved with ``why`` as the reason.
        """
        m = resolution.mention
        with self.transaction(f"update a mention of article {m.article_id!r}") as conn:
            row = conn.execute("SELECT text FROM articles WHERE id = ?", (m.article_id,)).fetchone()
            if row is None:
                raise StoreError(f"{self.name}: no article {m.article_id!r}")
            old = [
                r[0]
                for r in conn.execute(
                    "SELECT place_id FROM mentions"
                    ' WHERE article_id = ? AND start = ? AND "end" = ?',
                    (m.article_id, m.start, m.end),
                )
            ]
            for table in ("mentions", "unresolved"):
                conn.execute(
                    f'DELETE FROM {table} WHERE article_id = ? AND start = ? AND "end" = ?',
                    (m.article_id, m.start, m.end),
                )
            self._write_resolution(conn, row["text"], resolution)
            self._drop_orphans(conn, old)

    def unresolved_mentions(self, article: str | None = None) -> list[Mention]:
        """The mentions no place was found for (what an online retry works on)."""
        return [r.mention for r in self.unresolved(article)]

    def resolve_unresolved(
        self, article_id: str, start: int, end: int, place: Place, confidence: float, why: str
    ) -> None:
        """Turn one unresolved mention into a resolved one, in one transaction."""
        rows = self._query(
            'SELECT * FROM unresolved WHERE article_id = ? AND start = ? AND "end" = ?',
            [article_id, start, end],
        )
        if not rows:
            raise StoreError(f"{self.name}: no unresolved mention at {article_id}[{start}:{end}]")
        mention = self._mention(rows[0])
        self.replace_resolution(Resolution(mention, place, confidence, why))

    # -- reading ------------------------------------------------------------------------------

    @staticmethod
    def _article(row: Any) -> Article:
        return Article(
            id=row["id"],
            text=row["text"],
            title=row["title"],
            url=row["url"],
            date=row["date"],
            source=row["source"],
        )

    @staticmethod
    def _place(row: Any) -> Place:
        return Place(
            id=row["id"],
            name=row["name"],
            kind=row["kind"],
            geometry=json.loads(row["geometry"]),
            source=row["source"],
            aliases=tuple(json.loads(row["aliases"])),
            status=row["status"],
            country=row["country"],
            lat=row["lat"],
            lon=row["lon"],
            extra=json.loads(row["extra"]),
            geonames_id=row["geonames_id"],
        )

    @staticmethod
    def _mention(row: Any) -> Mention:
        return Mention(
            article_id=row["article_id"],
            text=row["text"],
            start=row["start"],
            end=row["end"],
            sentence=row["excerpt"],
            label=row["label"],
            context=row["context"],
        )

    def article(self, article_id: str) -> Article | None:
        rows = self._query("SELECT * FROM articles WHERE id = ?", [article_id])
        return self._article(rows[0]) if rows else None

    def focus(self, article_id: str) -> Focus:
        """The article's geographic focus as computed when it was stored."""
        rows = self._query("SELECT focus FROM articles WHERE id = ?", [article_id])
        return (
            Focus.from_dict(json.loads(rows[0]["focus"])) if rows and rows[0]["focus"] else Focus()
        )

    def articles(self) -> list[ArticleSummary]:
        rows = self._query(
            "SELECT a.*,"
            " (SELECT COUNT(DISTINCT place_id) FROM mentions m WHERE m.article_id = a.id) AS np,"
            " (SELECT COUNT(*) FROM mentions m WHERE m.article_id = a.id) AS nm,"
            " (SELECT COUNT(*) FROM unresolved u WHERE u.article_id = a.id) AS nu"
            " FROM articles a ORDER BY a.seq"
        )
        return [ArticleSummary(self._article(r), r["np"], r["nm"], r["nu"]) for r in rows]

    def counts(self) -> dict[str, int]:
        row = self._query(
            "SELECT (SELECT COUNT(*) FROM articles) AS articles,"
            " (SELECT COUNT(*) FROM places) AS places,"
            " (SELECT COUNT(*) FROM mentions) AS mentions,"
            " (SELECT COUNT(*) FROM unresolved) AS unresolved"
        )[0]
        return {k: int(row[k]) for k in ("articles", "places", "mentions", "unresolved")}

    def place(self, place_id: str) -> Place | None:
        rows = self._query("SELECT * FROM places WHERE id = ?", [place_id])
        return self._place(rows[0]) if rows else None

    def places(
        self,
        article: str | None = None,
        *,
        display: bool = False,
        with_articles: bool = True,
        filters: Filters | None = None,
    ) -> list[PlaceSummary]:
        """Places with their mention counts, most mentioned first (only ``article``'s if given).

        ``display=True`` gives each place its simplified display geometry (for maps);
        ``with_articles=False`` leaves ``articles`` empty, which makes the query ~4x faster.
        ``filters`` counts only the mentions they select (places with none are left out).
        """
        where, params = _where(article, filters)
        geometry = "COALESCE(p.display, p.geometry)" if display else "p.geometry"
        if with_articles:
            counts = (
                f"SELECT m.place_id, COUNT(*) AS n, {self.conn.group_concat('a.seq')} AS seqs"
                f" FROM mentions m JOIN articles a ON a.id = m.article_id {where}"
                " GROUP BY m.place_id"
            )
        else:
            join = " JOIN articles a ON a.id = m.article_id" if filters else ""
            counts = (
                "SELECT m.place_id, COUNT(*) AS n, NULL AS seqs"
                f" FROM mentions m{join} {where} GROUP BY m.place_id"
            )
        rows = self._query(
            "SELECT p.id, p.name, p.kind, p.status, p.source, p.country, p.lat, p.lon,"
            f" p.aliases, p.extra, p.geonames_id, {geometry} AS geometry, c.n, c.seqs"
            f" FROM ({counts}) c"
            " JOIN places p ON p.id = c.place_id ORDER BY c.n DESC, p.name",
            params,
        )
        ids = (
            {r["seq"]: r["id"] for r in self._query("SELECT seq, id FROM articles")}
            if with_articles
            else {}
        )
        out = []
        for r in rows:
            seqs = sorted(int(s) for s in str(r["seqs"]).split(",")) if with_articles else []
            out.append(PlaceSummary(self._place(r), int(r["n"]), tuple(ids[s] for s in seqs)))
        return out

    def mentions(
        self,
        place_id: str,
        *,
        article: str | None = None,
        offset: int = 0,
        limit: int = 20,
        filters: Filters | None = None,
    ) -> tuple[int, list[MentionRow]]:
        """One page of a place's mentions (newest articles first) and the total count."""
        more, params = _where(article, filters, first=False)
        where = "m.place_id = ?" + more
        params = [place_id, *params]
        total = self._query(
            f"SELECT COUNT(*) FROM mentions m JOIN articles a ON a.id = m.article_id WHERE {where}",
            params,
        )[0][0]
        rows = self._query(
            "SELECT m.*, a.title AS article_title, a.date AS article_date"
            f" FROM mentions m JOIN articles a ON a.id = m.article_id WHERE {where}"
            " ORDER BY a.date IS NULL, a.date DESC, a.seq DESC, m.start LIMIT ? OFFSET ?",
            params + [max(0, limit), max(0, offset)],
        )
        return int(total), [
            MentionRow(
                article_id=r["article_id"],
                article_title=r["article_title"],
                article_date=r["article_date"],
                place_id=r["place_id"],
                text=r["text"],
                start=r["start"],
                end=r["end"],
                excerpt=r["excerpt"],
                mark_start=r["mark_start"],
                mark_end=r["mark_end"],
                confidence=r["confidence"],
                why=r["why"],
            )
            for r in rows
        ]

    def resolutions(
        self, article: str | None = None, filters: Filters | None = None
    ) -> list[Resolution]:
        """Every stored decision (resolved then unresolved) in article order and text order."""
        where, params = _where(article, filters)
        rows = self._query(
            f"SELECT m.* FROM mentions m JOIN articles a ON a.id = m.article_id {where}"
            ' ORDER BY a.seq, m.start, m."end"',
            params,
        )
        # each place's (possibly large) geometry is read and parsed once, not per mention
        places = {
            r["id"]: self._place(r)
            for r in self._query(
                "SELECT * FROM places WHERE id IN (SELECT DISTINCT m.place_id FROM mentions m"
                f" JOIN articles a ON a.id = m.article_id {where})",
                params,
            )
        }
        out = [
            Resolution(self._mention(r), places[r["place_id"]], r["confidence"], r["why"])
            for r in rows
        ]
        return out + self.unresolved(article, filters)

    def unresolved(
        self, article: str | None = None, filters: Filters | None = None
    ) -> list[Resolution]:
        """Mentions without a place, as Resolutions whose ``why`` is the reason."""
        where, params = _where(article, filters, mention=None, alias="u")
        rows = self._query(
            f"SELECT u.* FROM unresolved u JOIN articles a ON a.id = u.article_id {where}"
            ' ORDER BY a.seq, u.start, u."end"',
            params,
        )
        return [Resolution(self._mention(r), None, 0.0, r["reason"]) for r in rows]

    # -- viewport queries (scale): what one map view shows, for stores too big for a page -----

    def view_clusters(
        self,
        box: tuple[float, float, float, float],
        cell: float,
        filters: Filters | None = None,
    ) -> list[ViewCluster]:
        """Places in ``box`` (west, south, east, north) smaller than ``cell`` degrees, grouped
        by kind on a grid of ``cell``-degree squares: one row per (kind, square). With
        ``filters``, only places with a mention they select."""
        where, params = self.conn.bbox_filter("p", box)
        selected, more = _selected_places(filters)
        where, params = where + selected, [*params, *more]
        lon = "COALESCE(p.lon, (p.minx + p.maxx) / 2)"
        lat = "COALESCE(p.lat, (p.miny + p.maxy) / 2)"
        rows = self._query(
            f"SELECT p.kind, {self.conn.floor_int(f'({lon} + 180.0) / {float(cell)!r}')} AS cx,"
            f" {self.conn.floor_int(f'({lat} + 90.0) / {float(cell)!r}')} AS cy,"
            f" COUNT(*) AS n, MIN(p.id) AS one, AVG({lon}) AS lon, AVG({lat}) AS lat,"
            " MIN(p.minx) AS w, MIN(p.miny) AS s, MAX(p.maxx) AS e, MAX(p.maxy) AS nn"
            f" FROM places p WHERE {where}"
            " AND p.maxx - p.minx < ? AND p.maxy - p.miny < ?"
            " GROUP BY p.kind, cx, cy",
            [*params, cell, cell],
        )
        return [
            ViewCluster(
                r["kind"],
                int(r["n"]),
                r["one"],
                float(r["lon"]),
                float(r["lat"]),
                (float(r["w"]), float(r["s"]), float(r["e"]), float(r["nn"])),
            )
            for r in rows
        ]

    def view_large(
        self,
        box: tuple[float, float, float, float],
        cell: float,
        limit: int,
        filters: Filters | None = None,
    ) -> list[str]:
        """Ids of the places in ``box`` at least ``cell`` degrees wide or high (drawn as
        shapes, not clustered), largest first; with ``filters`` as in :meth:`view_clusters`."""
        where, params = self.conn.bbox_filter("p", box)
        selected, more = _selected_places(filters)
        where, params = where + selected, [*params, *more]
        rows = self._query(
            f"SELECT p.id FROM places p WHERE {where}"
            " AND (p.maxx - p.minx >= ? OR p.maxy - p.miny >= ?)"
            " ORDER BY (p.maxx - p.minx) * (p.maxy - p.miny) DESC, p.id LIMIT ?",
            [*params, cell, cell, limit],
        )
        return [r[0] for r in rows]

    def view_places(self, ids: Iterable[str], filters: Filters | None = None) -> list[PlaceSummary]:
        """These places with their display geometry and mention counts (no article list;
        with ``filters``, the mentions they select)."""
        wanted = list(dict.fromkeys(ids))
        out: list[PlaceSummary] = []
        clauses, more = _filter_sql(filters)
        join = " JOIN articles a ON a.id = m.article_id" if clauses else ""
        count = "".join(f" AND {c}" for c in clauses)
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            marks = ", ".join("?" * len(chunk))
            rows = self._query(
                "SELECT p.id, p.name, p.kind, p.status, p.source, p.country, p.lat, p.lon,"
                " p.aliases, p.extra, p.geonames_id, COALESCE(p.display, p.geometry) AS geometry,"
                f" (SELECT COUNT(*) FROM mentions m{join} WHERE m.place_id = p.id{count}) AS n"
                f" FROM places p WHERE p.id IN ({marks})",
                [*more, *chunk],
            )
            out.extend(PlaceSummary(self._place(r), int(r["n"]), ()) for r in rows)
        return out

    def search_places(
        self, query: str, limit: int = 20, filters: Filters | None = None
    ) -> list[PlaceSummary]:
        """Places whose name or another name contains ``query`` (any case), most mentioned
        first, with their display geometry; with ``filters``, those they select."""
        like = "%" + query.lower().replace("\\", "").replace("%", "").replace("_", "") + "%"
        selected, more = _selected_places(filters)
        rows = self._query(
            "SELECT p.id FROM places p WHERE (lower(p.name) LIKE ? OR lower(p.aliases) LIKE ?)"
            f"{selected}"
            " ORDER BY (SELECT COUNT(*) FROM mentions m WHERE m.place_id = p.id) DESC, p.name"
            " LIMIT ?",
            [like, like, *more, limit],
        )
        found = {s.place.id: s for s in self.view_places((r[0] for r in rows), filters)}
        return [found[r[0]] for r in rows if r[0] in found]

    def top_places(
        self, limit: int = 200, filters: Filters | None = None
    ) -> list[tuple[str, str, int, list[float]]]:
        """(id, name, mentions, [west, south, east, north]) of the most mentioned places
        (counting the mentions ``filters`` select)."""
        where, params = _where(None, filters)
        join = " JOIN articles a ON a.id = m.article_id" if where else ""
        rows = self._query(
            "SELECT c.place_id, p.name, c.n, p.minx, p.miny, p.maxx, p.maxy FROM"
            f" (SELECT m.place_id, COUNT(*) AS n FROM mentions m{join} {where}"
            " GROUP BY m.place_id ORDER BY n DESC, m.place_id LIMIT ?) c"
            " JOIN places p ON p.id = c.place_id ORDER BY c.n DESC, p.name",
            [*params, limit],
        )
        return [(r[0], r[1], int(r[2]), [r[3], r[4], r[5], r[6]]) for r in rows]

    def count_places(self, filters: Filters | None = None) -> int:
        """How many places have a mention ``filters`` select (all places without filters)."""
        if not filters:
            return int(self._query("SELECT COUNT(*) FROM places")[0][0])
        selected, params = _selected_places(filters)
        return int(
            self._query(f"SELECT COUNT(*) FROM places p WHERE 1 = 1{selected}", params)[0][0]
        )

    def change_stamp(self) -> tuple[Any, ...]:
        """Cheap to read and different after every committed write (the store's revision,
        moved on by each write transaction): what the web caches and ETags are keyed by."""
        rows = self._query("SELECT store, n FROM store_revision WHERE id = 1")
        return (str(rows[0][0]), int(rows[0][1])) if rows else ("", 0)

    def article_stamp(self, article_id: str) -> str | None:
        """A digest of all an article's page shows (its content, focus, decisions and the
        places they point at), None when there is no such article: the page is rebuilt
        when this changes, not at every write to the store."""
        rows = self._query(
            "SELECT content_hash, title, url, date, source, focus FROM articles WHERE id = ?",
            [article_id],
        )
        if not rows:
            return None
        parts: list[tuple[Any, ...]] = [tuple(rows[0])]
        parts += [
            tuple(r)
            for r in self._query(
                'SELECT m.start, m."end", m.text, m.place_id, m.confidence, m.why, m.label,'
                " p.geometry_hash, p.name, p.kind, p.status, p.country, p.aliases, p.extra,"
                " p.geonames_id FROM mentions m JOIN places p ON p.id = m.place_id"
                ' WHERE m.article_id = ? ORDER BY m.start, m."end"',
                [article_id],
            )
        ]
        parts += [
            tuple(r)
            for r in self._query(
                'SELECT start, "end", text, reason, label FROM unresolved'
                ' WHERE article_id = ? ORDER BY start, "end"',
                [article_id],
            )
        ]
        return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()

    def kind_counts(self) -> dict[str, int]:
        """How many places of each kind (the map's layers and legend)."""
        rows = self._query("SELECT kind, COUNT(*) AS n FROM places GROUP BY kind ORDER BY kind")
        return {r[0]: int(r[1]) for r in rows}

    def to_geojson(
        self, article: str | None = None, filters: Filters | None = None
    ) -> dict[str, Any]:
        """The same FeatureCollection ``geomap parse`` writes, built from the store."""
        if article is not None:
            found = self.article(article)
            if found is None:
                raise StoreError(f"{self.name}: no article {article!r}")
        articles, resolutions = self.selection(article, filters)
        return feature_collection(articles, resolutions)

    # -- analyst filters ---------------------------------------------------------------------
    # Small portable-SQL reads behind the page's filters and the exports (see filters.py).

    def selection(
        self, article: str | None = None, filters: Filters | None = None
    ) -> tuple[list[Article], list[Resolution]]:
        """The articles and the stored decisions that ``filters`` select, in article order."""
        return self.matching_articles(article, filters), self.resolutions(article, filters)

    def matching_articles(
        self, article: str | None = None, filters: Filters | None = None
    ) -> list[Article]:
        """The articles the filters' dates, article and feed select, in ingest order."""
        clauses, params = _filter_sql(filters, mention=None)
        if article:
            clauses, params = ["a.id = ?", *clauses], [article, *params]
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = self._query(f"SELECT a.* FROM articles a {where} ORDER BY a.seq", params)
        return [self._article(r) for r in rows]

    def foci(self, filters: Filters | None = None) -> list[tuple[str, Focus]]:
        """Each selected article's stored focus (what the map of several articles opens on)."""
        clauses, params = _filter_sql(filters, mention=None)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = self._query(f"SELECT a.id, a.focus FROM articles a {where} ORDER BY a.seq", params)
        return [
            (r["id"], Focus.from_dict(json.loads(r["focus"])) if r["focus"] else Focus())
            for r in rows
        ]

    def mentions_by_day(self, filters: Filters | None = None) -> dict[str | None, int]:
        """Mentions per article date (None: undated articles), the date range left out."""
        if filters is not None:
            from dataclasses import replace

            filters = replace(filters, date_from=None, date_to=None)
        where, params = _where(None, filters)
        rows = self._query(
            "SELECT a.date AS day, COUNT(*) AS n FROM mentions m"
            f" JOIN articles a ON a.id = m.article_id {where} GROUP BY a.date",
            params,
        )
        return {r["day"]: int(r["n"]) for r in rows}

    def count_unresolved(self, filters: Filters | None = None) -> int:
        """How many mentions the filters' articles could not place (the review panel)."""
        where, params = _where(None, filters, mention=None, alias="u")
        rows = self._query(
            f"SELECT COUNT(*) FROM unresolved u JOIN articles a ON a.id = u.article_id {where}",
            params,
        )
        return int(rows[0][0])

    def article_titles(self, limit: int) -> list[tuple[str, str]]:
        """(id, title) of the first ``limit`` articles in ingest order (the article menu)."""
        rows = self._query("SELECT id, title FROM articles ORDER BY seq LIMIT ?", [limit])
        return [(r["id"], r["title"] or r["id"]) for r in rows]

    def feeds(self) -> list[str]:
        """The distinct feeds (article sources, a JSONL file once), sorted."""
        rows = self._query("SELECT DISTINCT source FROM articles WHERE source IS NOT NULL")
        return sorted({f for f in (feed_of(r["source"]) for r in rows) if f})

    def used_names(
        self, filters: Filters | None = None, *, contested_only: bool = False
    ) -> dict[str, list[tuple[str, int]]]:
        """Per place, the names its mentions used and how often, most used first.

        ``contested_only``: only places whose curated record tags its names (``names`` in
        ``extra``), which keeps the query cheap on big stores."""
        where, params = _where(None, filters)
        if contested_only:
            where += (" AND " if where else "WHERE ") + (
                "m.place_id IN (SELECT id FROM places WHERE extra LIKE ?)"
            )
            params = [*params, '%"names"%']  # a JSON key (or, rarely, a value: harmless)
        rows = self._query(
            "SELECT m.place_id, m.text, COUNT(*) AS n FROM mentions m"
            f" JOIN articles a ON a.id = m.article_id {where} GROUP BY m.place_id, m.text",
            params,
        )
        out: dict[str, list[tuple[str, int]]] = {}
        for r in rows:
            out.setdefault(r["place_id"], []).append((r["text"], int(r["n"])))
        for names in out.values():
            names.sort(key=lambda tn: (-tn[1], tn[0]))
        return out

    # -- corrections (rules editors make; see geomap/corrections.py) -------------------------

    _CORRECTION_COLUMNS = (
        'uid, article_id, start, "end", surface, surface_key, action, scope, place_id, place_name,'
        " new_place, country, editor, note, created_at, old_place_id, old_place_name,"
        " undone, undone_at, undone_by"
    )

    def add_correction(self, rule: Correction) -> Correction | None:
        """Store a rule; None when a rule with the same uid is stored already (re-import)."""
        from geomap.gazetteer.base import normalize

        with self.transaction("store a correction") as conn:
            if conn.execute("SELECT 1 FROM corrections WHERE uid = ?", (rule.uid,)).fetchone():
                return None
            next_id = conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM corrections").fetchone()
            rid = int(next_id[0])
            conn.execute(
                f"INSERT INTO corrections (id, {self._CORRECTION_COLUMNS})"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT(uid) DO NOTHING",
                (
                    rid,
                    rule.uid,
                    rule.article,
                    rule.start,
                    rule.end,
                    rule.surface,
                    normalize(rule.surface),
                    rule.action,
                    rule.scope,
                    rule.place_id,
                    rule.place_name,
                    _dumps(rule.new_place) if rule.new_place else None,
                    rule.country,
                    rule.editor,
                    rule.note,
                    rule.created_at,
                    rule.old_place_id,
                    rule.old_place_name,
                    1 if rule.undone else 0,
                    rule.undone_at,
                    rule.undone_by,
                ),
            )
        return self.correction(rid)

    @staticmethod
    def _correction(row: Any) -> Correction:
        return Correction(
            id=row["id"],
            uid=row["uid"],
            article=row["article_id"],
            start=row["start"],
            end=row["end"],
            surface=row["surface"],
            action=row["action"],
            scope=row["scope"],
            place_id=row["place_id"],
            place_name=row["place_name"],
            new_place=json.loads(row["new_place"]) if row["new_place"] else None,
            country=row["country"],
            editor=row["editor"],
            note=row["note"],
            created_at=row["created_at"],
            old_place_id=row["old_place_id"],
            old_place_name=row["old_place_name"],
            undone=bool(row["undone"]),
            undone_at=row["undone_at"],
            undone_by=row["undone_by"],
        )

    def correction(self, correction_id: int) -> Correction | None:
        rows = self._query("SELECT * FROM corrections WHERE id = ?", [correction_id])
        return self._correction(rows[0]) if rows else None

    def corrections(self, *, active_only: bool = False) -> list[Correction]:
        """Every rule, oldest first (only those not undone with ``active_only``)."""
        where = "WHERE undone = 0" if active_only else ""
        return [
            self._correction(r)
            for r in self._query(f"SELECT * FROM corrections {where} ORDER BY id")
        ]

    def undo_correction(self, correction_id: int, editor: str, when: str) -> Correction:
        """Mark a rule undone (kept for the audit trail); undoing twice is an error."""
        with self.transaction(f"undo correction {correction_id}") as conn:
            row = conn.execute(
                "SELECT undone FROM corrections WHERE id = ?", (correction_id,)
            ).fetchone()
            if row is None:
                raise StoreError(f"{self.name}: no correction {correction_id}")
            if row[0]:
                raise StoreError(f"{self.name}: correction {correction_id} is already undone")
            conn.execute(
                "UPDATE corrections SET undone = 1, undone_at = ?, undone_by = ? WHERE id = ?",
                (when, editor, correction_id),
            )
        found = self.correction(correction_id)
        assert found is not None
        return found

    def articles_naming(self, surface: str) -> list[str]:
        """Ids of the articles whose text contains ``surface`` (any case), in ingest order:
        the ones an "everywhere" rule may change. The caller checks word boundaries."""
        pattern = "%" + surface.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        rows = self._query(
            "SELECT id FROM articles WHERE LOWER(text) LIKE LOWER(?) ESCAPE '\\' ORDER BY seq",
            [pattern],
        )
        return [r["id"] for r in rows]

    def resolution_at(self, article_id: str, start: int, end: int) -> Resolution | None:
        """The stored decision for exactly this span, if there is one."""
        for res in self.resolutions(article_id):
            if (res.mention.start, res.mention.end) == (start, end):
                return res
        return None

    def rewrite_article(self, article: Article, resolutions: Sequence[Resolution]) -> None:
        """Replace a stored article's decisions (same text), in one transaction: what
        ``reapply`` does after the rules changed, without touching its content hash."""
        with self.transaction(f"rewrite article {article.id!r}") as conn:
            row = conn.execute("SELECT text FROM articles WHERE id = ?", (article.id,)).fetchone()
            if row is None:
                raise StoreError(f"{self.name}: no article {article.id!r}")
            old_places = self._clear_decisions(conn, article.id)
            stored = replace(article, text=row["text"])  # offsets index the stored text
            self._write_decisions(conn, stored, resolutions, old_places, places_written=False)

    def add_editor(self, name: str, token_hash: str, when: str) -> None:
        with self.transaction(f"add editor {name!r}") as conn:
            if conn.execute("SELECT 1 FROM editors WHERE name = ?", (name,)).fetchone():
                raise StoreError(f"{self.name}: editor {name!r} exists already")
            conn.execute(
                "INSERT INTO editors (name, token_hash, created_at) VALUES (?, ?, ?)",
                (name, token_hash, when),
            )

    def editor_by_token_hash(self, token_hash: str) -> str | None:
        rows = self._query("SELECT name FROM editors WHERE token_hash = ?", [token_hash])
        return str(rows[0]["name"]) if rows else None

    def editors(self) -> list[tuple[str, str]]:
        """(name, created_at) of every editor; never the token hashes."""
        return [
            (r["name"], r["created_at"])
            for r in self._query("SELECT name, created_at FROM editors ORDER BY name")
        ]


def _filter_sql(
    filters: Filters | None, *, mention: str | None = "m", article: str = "a"
) -> tuple[list[str], list[Any]]:
    """SQL conditions (portable: ``?`` placeholders, plain comparisons) for ``filters``.

    ``mention`` is the alias of a ``mentions`` row (None for tables without confidence
    or place, such as ``unresolved``); ``article`` the alias of the joined article."""
    if not filters:
        return [], []
    clauses: list[str] = []
    params: list[Any] = []
    if filters.date_from:
        clauses.append(f"{article}.date >= ?")
        params.append(filters.date_from)
    if filters.date_to:
        clauses.append(f"{article}.date <= ?")
        params.append(filters.date_to)
    if filters.article:
        clauses.append(f"{article}.id = ?")
        params.append(filters.article)
    if filters.feed:
        escaped = filters.feed.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        clauses.append(f"({article}.source = ? OR {article}.source LIKE ? ESCAPE '\\')")
        params += [filters.feed, escaped + " line %"]
    if mention is not None and filters.min_confidence:
        clauses.append(f"{mention}.confidence >= ?")
        params.append(filters.min_confidence)
    if mention is not None and filters.kinds:
        marks = ", ".join("?" for _ in filters.kinds)
        clauses.append(f"{mention}.place_id IN (SELECT id FROM places WHERE kind IN ({marks}))")
        params += list(filters.kinds)
    return clauses, params


def _selected_places(filters: Filters | None) -> tuple[str, list[Any]]:
    """`` AND p.id IN (...)``: the places with a mention ``filters`` select ("" for none)."""
    clauses, params = _filter_sql(filters)
    if not clauses:
        return "", []
    return (
        " AND p.id IN (SELECT m.place_id FROM mentions m JOIN articles a ON a.id = m.article_id"
        f" WHERE {' AND '.join(clauses)})",
        params,
    )


def _where(
    article_id: str | None,
    filters: Filters | None,
    *,
    mention: str | None = "m",
    alias: str = "m",
    first: bool = True,
) -> tuple[str, list[Any]]:
    """``WHERE ...`` (or `` AND ...`` when ``first`` is false) for an article and filters."""
    clauses, params = _filter_sql(filters, mention=mention)
    if article_id:
        clauses, params = [f"{alias}.article_id = ?", *clauses], [article_id, *params]
    if not clauses:
        return "", []
    return ("WHERE " if first else " AND ") + " AND ".join(clauses), params


@dataclass
class IngestReport:
    """What :func:`ingest` did: a status per article id and one line per failure."""

    statuses: dict[str, SaveStatus]
    errors: list[str]
    geocoder: GeocoderTrouble | None = None  # names the online geocoder failed for

    def summary(self) -> str:
        counts = {
            s: list(self.statuses.values()).count(s) for s in ("added", "updated", "unchanged")
        }
        text = (
            f"{len(self.statuses)} articles stored ({counts['added']} added, "
            f"{counts['updated']} updated, {counts['unchanged']} unchanged)"
        )
        return text + (f", {len(self.errors)} failed" if self.errors else "")


def ingest(
    store: Store,
    parse: Callable[[list[Article]], ParseResult],
    articles: Iterable[Article],
    on_article: Callable[[Article], None] | None = None,
) -> IngestReport:
    """Parse and store articles one by one; unchanged content is not parsed again.

    An article that fails (bad input, geocoder trouble) is reported and skipped; a
    :class:`StoreError` stops the run, since the next article would fail the same way.
    """
    report = IngestReport({}, [])
    for article in articles:
        try:
            if store.is_unchanged(article):
                report.statuses[article.id] = "unchanged"
            else:
                result = parse([article])
                report.errors.extend(result.errors)
                report.statuses.update(store.save(result))
        except StoreError:
            raise
        except GeomapError as exc:
            report.errors.append(f"{article.source or article.id}: {exc}")
        if on_article is not None:
            on_article(article)
    return report
