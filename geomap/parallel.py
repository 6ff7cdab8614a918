"""Parsing on every core of this machine (the Dask cluster side is :mod:`geomap.cluster`).

The articles are cut into batches in input order and each pool worker loads one
:class:`~geomap.pipeline.Engine` when it starts (the pool's initializer). Batches come
back in input order, so the output is identical to a single-process run.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from typing import TYPE_CHECKING, Any

from geomap.config import Settings
from geomap.errors import GeomapError, InputError
from geomap.models import Article, Resolution

if TYPE_CHECKING:
    from geomap.gazetteer.geocoders import GeocoderTrouble

Parsed = tuple[Article, list[Resolution]]
# below this many articles a single process wins: each worker first spends ~2-5 s loading
# the engine (measured on the 2-core dev machine: 15-20 articles/s per core)
PARALLEL_MIN_ARTICLES = 200
DEFAULT_BATCH = 16


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def choose_workers(requested: int | None, n_articles: int) -> int:
    """``--workers``: what was asked, else every core once the input is large enough."""
    if requested is not None:
        if requested < 1:
            raise InputError(f"--workers must be at least 1, not {requested}")
        return requested
    return available_cores() if n_articles >= PARALLEL_MIN_ARTICLES else 1


def batches(articles: Sequence[Article], size: int) -> list[list[Article]]:
    return [list(articles[i : i + size]) for i in range(0, len(articles), size)]


@dataclass
class BatchResult:
    """What one batch gives back: the parses (input order) and one line per failed article."""

    parsed: list[Parsed] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    statuses: dict[str, str] = field(default_factory=dict)  # when the worker stored it
    # the names the online geocoder failed for, counted before a cluster worker stores the
    # parses and sends them back empty (None: no geocoder)
    geocoder: GeocoderTrouble | None = None


def parse_batch(engine: Any, articles: list[Article]) -> BatchResult:
    """Parse a batch; if one article fails, parse them one by one so only it is lost."""
    out = BatchResult()
    try:
        out.parsed = [(a, list(r)) for a, r in engine.iter_parse(articles)]
    except GeomapError:
        for article in articles:
            try:
                out.parsed.extend((a, list(r)) for a, r in engine.iter_parse([article]))
            except GeomapError as exc:
                out.errors.append(f"{article.source or article.id}: {exc}")
    if getattr(engine, "online", None) is not None:
        from geomap.gazetteer.geocoders import GeocoderTrouble

        out.geocoder = GeocoderTrouble.of(r for _, rs in out.parsed for r in rs)
    return out


# -- all cores of this machine ------------------------------------------------------------------

_ENGINE: Any = None  # the engine of this pool worker, loaded once by _init_worker


def _init_worker(settings: Settings, rules: Sequence[Any]) -> None:
    global _ENGINE
    from geomap.pipeline import Engine

    _ENGINE = Engine(settings, rules=rules)


def _pool_batch(articles: list[Article]) -> BatchResult:
    return parse_batch(_ENGINE, articles)


def parse_parallel(
    settings: Settings,
    articles: Sequence[Article],
    workers: int,
    *,
    batch_size: int = DEFAULT_BATCH,
    engine: Any = None,
    rules: Sequence[Any] = (),
) -> Iterator[BatchResult]:
    """Parse ``articles`` on ``workers`` processes; one result per batch, in input order.

    ``workers == 1`` parses here, with ``engine`` if given (today's single process).
    """
    if workers <= 1:
        if engine is None:
            from geomap.pipeline import Engine

            engine = Engine(settings, rules=rules)
        for batch in batches(articles, batch_size):
            yield parse_batch(engine, batch)
        return
    # forkserver: workers start from a clean interpreter (no inherited sqlite handles or
    # threads) and import geomap once; the initializer then loads one engine each
    context = get_context("forkserver")
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=_init_worker,
        initargs=(settings, tuple(rules)),
    ) as pool:
        yield from pool.map(_pool_batch, batches(articles, batch_size))


def flatten(results: Iterable[BatchResult]) -> Iterator[Parsed]:
    for result in results:
        yield from result.parsed


def ingest_articles(
    store: Any,
    settings: Settings,
    articles: Sequence[Article],
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    batch_size: int = DEFAULT_BATCH,
    on_progress: Any = None,
) -> Any:
    """Parse and store ``articles``: unchanged ones are skipped, the rest parsed on
    ``workers`` local processes (default: all cores for large inputs) or on the Dask
    cluster at ``scheduler``, and stored one batch per transaction. With a PostgreSQL
    store the cluster's workers write themselves; with SQLite this process does.
    ``on_progress(n)`` is called as articles are done. Returns an IngestReport.
    """
    from geomap.store import IngestReport

    report = IngestReport({}, [])
    seen: set[str] = set()
    for a in articles:  # the store keys on the id: a second one would replace the first
        if a.id in seen:
            raise InputError(
                f"{a.source or a.id}: article id {a.id!r} is given twice; make the ids "
                "unique first (geomap.articles.unique_ids)"
            )
        seen.add(a.id)
    unchanged = store.unchanged_ids(articles)
    todo = [a for a in articles if a.id not in unchanged]
    for a in articles:
        if a.id in unchanged:
            report.statuses[a.id] = "unchanged"
    if on_progress is not None and unchanged:
        on_progress(len(articles) - len(todo))
    if not todo:
        return report
    rules = store.corrections(active_only=True)  # editors' corrections apply to new articles

    def take(result: BatchResult) -> None:
        report.errors.extend(result.errors)
        if result.geocoder is not None:
            earlier = report.geocoder
            report.geocoder = result.geocoder if earlier is None else earlier + result.geocoder
        report.statuses.update(result.statuses or store.save_batch(result.parsed))

    if scheduler:
        from geomap.cluster import run_on_cluster

        db_url = store.url if store.dialect == "postgresql" else None
        for result in run_on_cluster(
            scheduler,
            settings,
            todo,
            db_url=db_url,
            batch_size=batch_size,
            rules=rules,
            on_batch=(lambda _r, n: on_progress(n)) if on_progress else None,
        ):
            take(result)
        return report
    from geomap.gazetteer.index import ensure_index

    n = choose_workers(workers, len(todo))
    if n > 1:
        ensure_index(settings.index_file, progress=True)  # built once here, not per worker
    for result in parse_parallel(settings, todo, n, batch_size=batch_size, rules=rules):
        take(result)
        if on_progress is not None:
            on_progress(len(result.parsed) + len(result.errors))
    return report
