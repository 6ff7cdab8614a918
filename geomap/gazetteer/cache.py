"""A persistent SQLite cache of online geocoder answers.

Public Nominatim's usage policy requires caching, and asking a volunteer service
the same name twice is rude and slow. One row per (provider, service URL,
normalized query) keeps the service's raw answer (a JSON list, empty for a
negative answer) and when it was fetched. WAL mode and a busy timeout let two
geomap processes (``geomap serve`` and ``geomap ingest``, say) share one file.

Expiry: positive and negative answers both live ``ttl_days``
(``settings.geocoder_cache_ttl_days``, default 30). An expired positive answer
is not deleted: :meth:`GeocoderCache.get` can still return it as *stale*, so a
run that cannot reach the service keeps the place it had (stale-if-error)
instead of losing it. Failed look-ups are never written here.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from geomap.errors import StoreError

SCHEMA = """
CREATE TABLE IF NOT EXISTS geocoder_cache (
    provider   TEXT NOT NULL,             -- "nominatim" | "photon"
    service    TEXT NOT NULL,             -- the base URL asked (public or self-hosted)
    query_key  TEXT NOT NULL,             -- normalize(query): the look-up key
    query      TEXT NOT NULL,             -- the spelling actually sent
    answer     TEXT NOT NULL,             -- JSON list of the service's raw results
    negative   INTEGER NOT NULL,          -- 1 when the service found nothing
    fetched_at REAL NOT NULL,             -- POSIX seconds
    PRIMARY KEY (provider, service, query_key)
);
CREATE TABLE IF NOT EXISTS geocoder_slots (
    service TEXT PRIMARY KEY,             -- the base URL
    next_at REAL NOT NULL                 -- POSIX seconds of the last reserved request slot
);
"""

DAY = 86400.0
MAX_SLOT_WAIT = 60.0  # never wait longer than this for a shared request slot


@dataclass(frozen=True)
class CacheEntry:
    """One cached answer; ``stale`` when older than the TTL."""

    provider: str
    service: str
    query: str
    answer: list[dict[str, Any]]
    fetched_at: float
    stale: bool = False

    @property
    def negative(self) -> bool:
        return not self.answer

    @property
    def fetched_iso(self) -> str:
        return iso_time(self.fetched_at)


def iso_time(seconds: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


class GeocoderCache:
    """Thread-safe handle on the cache file; one connection, serialised by a lock."""

    def __init__(
        self,
        path: Path | str,
        *,
        ttl_days: float = 30.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = Path(path)
        self.ttl_seconds = float(ttl_days) * DAY
        self._clock = clock
        self._lock = threading.Lock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(
                str(self.path), timeout=10.0, isolation_level=None, check_same_thread=False
            )
            self._db.execute("PRAGMA busy_timeout = 10000")
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = NORMAL")
            self._db.executescript(SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"{self.path}: cannot open the geocoder cache: {exc}") from exc

    def get(
        self, provider: str, service: str, query_key: str, *, allow_stale: bool = False
    ) -> CacheEntry | None:
        """The cached answer, or None when absent (or expired, unless ``allow_stale``)."""
        try:
            with self._lock:
                row = self._db.execute(
                    "SELECT query, answer, fetched_at FROM geocoder_cache"
                    " WHERE provider = ? AND service = ? AND query_key = ?",
                    (provider, service, query_key),
                ).fetchone()
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot read the geocoder cache: {exc}") from exc
        if row is None:
            return None
        query, answer_json, fetched_at = row
        stale = self._clock() - fetched_at >= self.ttl_seconds
        if stale and not allow_stale:
            return None
        try:
            answer = json.loads(answer_json)
        except ValueError:
            return None  # a damaged row is as good as none: ask again
        if not isinstance(answer, list):
            return None
        return CacheEntry(provider, service, query, answer, fetched_at, stale)

    def put(
        self,
        provider: str,
        service: str,
        query_key: str,
        query: str,
        answer: list[dict[str, Any]],
        *,
        fetched_at: float | None = None,
    ) -> CacheEntry:
        """Record a successful answer (an empty list is a negative answer)."""
        when = self._clock() if fetched_at is None else fetched_at
        try:
            payload = json.dumps(answer, ensure_ascii=False, separators=(",", ":"))
        except (TypeError, ValueError) as exc:
            raise StoreError(f"cannot cache the answer for {query!r}: {exc}") from exc
        try:
            with self._lock:
                self._db.execute(
                    "INSERT OR REPLACE INTO geocoder_cache"
                    " (provider, service, query_key, query, answer, negative, fetched_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (provider, service, query_key, query, payload, int(not answer), when),
                )
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot write the geocoder cache: {exc}") from exc
        return CacheEntry(provider, service, query, list(answer), when)

    def reserve_slot(self, service: str, min_delay: float) -> float:
        """Book the next request slot for ``service`` across processes; seconds to wait.

        geopy's RateLimiter spaces one process's requests; this keeps two
        processes sharing the cache from doubling the rate a service sees.
        """
        if min_delay <= 0:
            return 0.0
        try:
            with self._lock:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    row = self._db.execute(
                        "SELECT next_at FROM geocoder_slots WHERE service = ?", (service,)
                    ).fetchone()
                    now = self._clock()
                    slot = now if row is None else max(now, float(row[0]) + min_delay)
                    slot = min(slot, now + MAX_SLOT_WAIT)  # a clock that jumped back
                    self._db.execute(
                        "INSERT OR REPLACE INTO geocoder_slots (service, next_at) VALUES (?, ?)",
                        (service, slot),
                    )
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise
                self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot write the geocoder cache: {exc}") from exc
        return max(0.0, slot - now)

    def mark_sent(self, service: str) -> None:
        """Stamp the slot with the moment the request really leaves, after any wait."""
        try:
            with self._lock:
                self._db.execute(
                    "UPDATE geocoder_slots SET next_at = max(next_at, ?) WHERE service = ?",
                    (self._clock(), service),
                )
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot write the geocoder cache: {exc}") from exc

    def count(self) -> int:
        with self._lock:
            (n,) = self._db.execute("SELECT COUNT(*) FROM geocoder_cache").fetchone()
        return int(n)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> GeocoderCache:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
