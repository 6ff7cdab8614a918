"""Upload jobs: articles are parsed on one background thread per app, never on a request
thread, so that reading pages stays fast while an upload is parsed.

``POST /add`` reads and checks the input, queues a job and sends the browser to
``/jobs/<id>``, which shows the job's progress until the article can be shown. The thread
owns the parsing engine (one model in memory, one parse at a time). Jobs live in this
process's memory only: a restart forgets them (the articles they stored stay stored), and
their ids are unguessable, so only whoever uploaded can follow one.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from flask import Flask

from geomap.errors import GeomapError
from geomap.models import Article

JobState = Literal["queued", "parsing", "done", "failed"]
MAX_QUEUED = 1000  # uploads waiting at once; more are refused (503) until some are done
MAX_QUEUED_BYTES = 64 * 1024 * 1024  # and at most this much text waiting (13 uploads of 5 MB)
KEEP_FINISHED = 1000  # finished jobs remembered (ids and outcome only, not the text)


class QueueFull(GeomapError):
    """Too many uploads are waiting to be parsed: the client should try again later."""


class Stopping(GeomapError):
    """The server is shutting down: the job stops after the article it was parsing."""


@dataclass(frozen=True)
class Job:
    """One upload as its page shows it; replaced whole at each step, so a reader on
    another thread always sees a consistent state."""

    id: str
    total: int  # articles in the upload
    state: JobState = "queued"
    parsed: int = 0  # articles finished (stored, unchanged or failed)
    stored: tuple[str, ...] = ()  # ids of the articles the store now holds
    size: int = 0  # characters of text to parse (counted against MAX_QUEUED_BYTES)
    errors: tuple[str, ...] = ()
    notices: tuple[str, ...] = ()  # ids changed so that nothing stored is replaced
    created: float = field(default_factory=time.time)

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed")

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "state": self.state,
            "total": self.total,
            "parsed": self.parsed,
            "articles": list(self.stored),
            "errors": list(self.errors),
            "notices": list(self.notices),
        }


class JobQueue:
    """The app's upload jobs and the single thread that runs them in turn."""

    def __init__(
        self, app: Flask, max_queued: int = MAX_QUEUED, max_bytes: int = MAX_QUEUED_BYTES
    ) -> None:
        self.app = app
        self.max_queued = max_queued
        self.max_bytes = max_bytes
        self._jobs: dict[str, Job] = {}  # insertion order: oldest first
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="geomap-parse")

    def submit(self, articles: Sequence[Article]) -> Job:
        """Queue ``articles`` for parsing and storing; :class:`QueueFull` when too many
        uploads wait already (the input is not kept)."""
        size = sum(len(a.text) for a in articles)
        job = Job(id=secrets.token_urlsafe(16), total=len(articles), size=size)
        with self._lock:
            waiting = [j for j in self._jobs.values() if not j.finished]
            held = sum(j.size for j in waiting)
            if waiting and (len(waiting) >= self.max_queued or held + size > self.max_bytes):
                raise QueueFull(f"{len(waiting)} uploads are waiting to be parsed; try again later")
            self._jobs[job.id] = job
            self._forget_old()
        self._executor.submit(self._run, job.id, list(articles))
        return job

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def shutdown(self) -> None:
        """Drop the queued jobs and stop the running one after its current article."""
        self._stopping.set()
        self._executor.shutdown(wait=False, cancel_futures=True)

    def _update(self, job_id: str, **changes: Any) -> None:
        with self._lock:
            self._jobs[job_id] = replace(self._jobs[job_id], **changes)

    def _forget_old(self) -> None:
        finished = [k for k, j in self._jobs.items() if j.finished]
        for key in finished[: max(0, len(finished) - KEEP_FINISHED)]:
            del self._jobs[key]

    def _run(self, job_id: str, articles: list[Article]) -> None:
        from geomap.store import ingest
        from geomap.web import get_store, parse_articles
        from geomap.web.pages import unclaimed_ids

        self._update(job_id, state="parsing")
        parsed = 0

        def step(article: Article) -> None:
            nonlocal parsed
            parsed += 1
            self._update(job_id, parsed=parsed)
            if self._stopping.is_set() and parsed < len(articles):
                raise Stopping("the server stopped before this upload was parsed")

        try:
            with self.app.app_context():
                store = get_store()
                articles, notices = unclaimed_ids(store, articles)
                self._update(job_id, notices=tuple(notices))
                report = ingest(store, parse_articles, articles, on_article=step)
        except GeomapError as exc:
            self._update(job_id, state="failed", errors=(str(exc),))
            return
        except Exception:  # the job's page says so; the traceback only reaches the log
            self.app.logger.exception("upload job %s failed", job_id)
            self._update(job_id, state="failed", errors=("internal error: see the server log",))
            return
        state: JobState = "done" if report.statuses else "failed"
        self._update(
            job_id, state=state, stored=tuple(report.statuses), errors=tuple(report.errors)
        )
