"""The two databases under :class:`geomap.store.Store`: SQLite (embedded) and PostgreSQL.

The store writes one SQL for both: ``?`` placeholders, ``INSERT ... ON CONFLICT``. A
connection object here owns what really differs: placeholder style, how a transaction
starts, where the schema version lives, DDL types (``AUTOINCREMENT``, ``REAL``) and the
PostGIS geometry column. Everything else stays in the store, so that a query written
once answers the same on both.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from geomap.errors import StoreError

POSTGRES_SCHEMES = ("postgresql://", "postgres://")
# a fixed key for pg_advisory_xact_lock: two processes never migrate the same database at once
_MIGRATION_LOCK = 7_212_031
WIDE_VIEW = 3600.0  # square degrees (60 x 60): from here a view reads the bbox index


def is_postgres_url(target: str | Path) -> bool:
    return str(target).startswith(POSTGRES_SCHEMES)


def redact(url: str) -> str:
    """The URL without its password, for messages."""
    return re.sub(r"(://[^:/@]+):[^@/]*@", r"\1:***@", url)


class SQLiteConnection:
    """The embedded store: one file, WAL, ``BEGIN IMMEDIATE`` writers, ``PRAGMA user_version``."""

    dialect = "sqlite"
    errors: tuple[type[BaseException], ...] = (sqlite3.Error,)

    def __init__(self, path: str | Path) -> None:
        self.name = str(path)
        try:
            if str(path) != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            self.raw = sqlite3.connect(
                str(path), isolation_level=None, timeout=30.0, check_same_thread=False
            )
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"{path}: cannot open the database ({exc})") from exc
        self.raw.row_factory = sqlite3.Row

    def setup(self) -> None:
        self.raw.execute("PRAGMA foreign_keys = ON")
        self.raw.execute("PRAGMA busy_timeout = 30000")
        if self.name != ":memory:":
            self.raw.execute("PRAGMA journal_mode = WAL")
            # WAL + NORMAL: still atomic and consistent; a power cut may only
            # lose the last committed transactions, and a commit costs no fsync.
            self.raw.execute("PRAGMA synchronous = NORMAL")

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self.raw.execute(sql, tuple(params))

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> Any:
        return self.raw.executemany(sql, rows)

    def ddl(self, sql: str) -> None:
        """One schema statement (SQLite is the dialect the schema is written in)."""
        self.raw.execute(sql)

    def begin(self) -> None:
        self.raw.execute("BEGIN IMMEDIATE")

    def commit(self) -> None:
        self.raw.execute("COMMIT")

    def rollback(self) -> None:
        if self.raw.in_transaction:
            self.raw.execute("ROLLBACK")

    @property
    def in_transaction(self) -> bool:
        return self.raw.in_transaction

    def get_version(self) -> int:
        return int(self.raw.execute("PRAGMA user_version").fetchone()[0])

    def set_version(self, version: int) -> None:
        self.raw.execute(f"PRAGMA user_version = {int(version)}")

    def run_script(self, script: str, version: int) -> None:
        """A migration script and its version bump in one transaction."""
        self.raw.executescript(
            f"BEGIN IMMEDIATE; {script}; PRAGMA user_version = {int(version)}; COMMIT;"
        )

    @staticmethod
    def group_concat(expr: str) -> str:
        return f"group_concat(DISTINCT {expr})"

    @staticmethod
    def floor_int(expr: str) -> str:
        """floor() of a non-negative number (SQLite's CAST truncates)."""
        return f"CAST({expr} AS INTEGER)"

    @staticmethod
    def bbox_filter(alias: str, box: tuple[float, float, float, float]) -> tuple[str, list[float]]:
        """Places whose stored bbox meets ``box`` (the places_bbox index)."""
        w, s, e, n = box
        return (
            f"{alias}.minx <= ? AND {alias}.maxx >= ? AND {alias}.miny <= ? AND {alias}.maxy >= ?",
            [e, w, n, s],
        )

    @staticmethod
    def is_retryable(exc: BaseException) -> bool:
        return False  # BEGIN IMMEDIATE + busy_timeout: writers queue instead of deadlocking

    def close(self) -> None:
        self.raw.close()


class _Row(tuple[Any, ...]):
    """A result row readable by position and by column name, like ``sqlite3.Row``."""

    _names: dict[str, int]

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return tuple.__getitem__(self, self._names[key])
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self._names)


def _row_factory(cursor: Any) -> Any:
    names = {d.name: i for i, d in enumerate(cursor.description or ())}

    def make(values: Sequence[Any]) -> _Row:
        row = _Row(values)
        row._names = names
        return row

    return make


# SQLite DDL words and their PostgreSQL equivalents (the schema is written once, for SQLite).
_PG_DDL = (
    (
        re.compile(r"INTEGER\s+PRIMARY\s+KEY\s+AUTOINCREMENT", re.I),
        "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
    ),
    (re.compile(r"\bREAL\b", re.I), "DOUBLE PRECISION"),  # PostgreSQL's REAL is 4 bytes
    (
        re.compile(r"strftime\('%Y-%m-%dT%H:%M:%SZ',\s*'now'\)", re.I),
        """to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')""",
    ),
)


def pg_ddl(sql: str) -> str:
    for pattern, replacement in _PG_DDL:
        sql = pattern.sub(replacement, sql)
    return sql


def pg_sql(sql: str) -> str:
    """``?`` placeholders to psycopg's ``%s`` (a literal ``%`` doubled)."""
    return sql.replace("%", "%%").replace("?", "%s")


class PostgresConnection:
    """PostgreSQL + PostGIS through psycopg 3: normal transactions, a ``schema_version`` row."""

    dialect = "postgresql"

    def __init__(self, url: str) -> None:
        self.name = redact(url)
        try:
            import psycopg
        except ImportError as exc:
            raise StoreError(
                f"{self.name}: the PostgreSQL store needs psycopg: pip install 'geomap[cluster]'"
            ) from exc
        self._psycopg = psycopg
        self.errors = (psycopg.Error,)
        try:
            self.raw = psycopg.connect(
                url, autocommit=True, row_factory=_row_factory, connect_timeout=10
            )
        except psycopg.Error as exc:
            raise StoreError(f"{self.name}: cannot open the database ({exc})") from exc

    def _has_table(self, name: str) -> bool:
        row = self.raw.execute("SELECT to_regclass(%s)", (name,)).fetchone()
        return row is not None and row[0] is not None

    def setup(self) -> None:
        if self._has_table("schema_version"):  # the common case: one round trip
            return
        self.begin()
        try:
            self.lock_schema()
            self.raw.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        except BaseException:
            self.rollback()
            raise
        self.commit()

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        if params:
            return self.raw.execute(pg_sql(sql), tuple(params))
        return self.raw.execute(sql)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> Any:
        cur = self.raw.cursor()
        cur.executemany(pg_sql(sql), [tuple(r) for r in rows])
        return cur

    def ddl(self, sql: str) -> None:
        self.raw.execute(pg_ddl(sql))

    def begin(self) -> None:
        self.raw.execute("BEGIN")

    def commit(self) -> None:
        self.raw.execute("COMMIT")

    def rollback(self) -> None:
        if self.in_transaction:
            self.raw.execute("ROLLBACK")

    @property
    def in_transaction(self) -> bool:
        from psycopg.pq import TransactionStatus

        return bool(self.raw.info.transaction_status != TransactionStatus.IDLE)

    def get_version(self) -> int:
        row = self.raw.execute("SELECT max(version) FROM schema_version").fetchone()
        return int(row[0] or 0) if row else 0

    def set_version(self, version: int) -> None:
        self.raw.execute("DELETE FROM schema_version")
        self.raw.execute("INSERT INTO schema_version (version) VALUES (%s)", (int(version),))

    def lock_schema(self) -> None:
        """Inside a transaction: wait until no other process is migrating."""
        self.raw.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))

    def run_script(self, script: str, version: int) -> None:
        self.begin()
        try:
            self.lock_schema()
            if self.get_version() < version:
                self.raw.execute(pg_ddl(script))
                self.set_version(version)
        except BaseException:
            self.rollback()
            raise
        self.commit()

    @staticmethod
    def group_concat(expr: str) -> str:
        return f"string_agg(DISTINCT ({expr})::text, ',')"

    @staticmethod
    def floor_int(expr: str) -> str:
        return f"CAST(floor({expr}) AS INTEGER)"  # PostgreSQL's CAST rounds

    @staticmethod
    def bbox_filter(alias: str, box: tuple[float, float, float, float]) -> tuple[str, list[float]]:
        """PostGIS ``&&`` against the viewport, answered from the GiST index; a view of a
        continent or more holds most places anyway, and reads the compact covering bbox
        index instead (an index-only scan that never touches the geometries)."""
        w, s, e, n = box
        if (e - w) * (n - s) >= WIDE_VIEW:
            return SQLiteConnection.bbox_filter(alias, box)
        return f"{alias}.geom && ST_MakeEnvelope(?, ?, ?, ?, 4326)", list(box)

    def is_retryable(self, exc: BaseException) -> bool:
        """Deadlocks and serialization failures: PostgreSQL rolled back, so run it again."""
        errors = self._psycopg.errors
        return isinstance(exc, errors.DeadlockDetected | errors.SerializationFailure)

    def close(self) -> None:
        self.raw.close()


Connection = SQLiteConnection | PostgresConnection


def connect(target: str | Path) -> Connection:
    """A PostgreSQL URL (``postgresql://user@host/dbname``) or an SQLite file path."""
    if is_postgres_url(target):
        return PostgresConnection(str(target))
    return SQLiteConnection(target)
