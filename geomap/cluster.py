"""Ingest on an existing Dask distributed cluster (``geomap ingest --scheduler tcp://...``).

Dask does the scheduling, retries and the dashboard; geomap only supplies a worker
plugin that loads the engine once per worker and a task that parses one batch and,
with a PostgreSQL store, writes it in one transaction. A batch whose worker died is run
again by Dask; the store's idempotent writes keep every article exactly once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from distributed import Client, WorkerPlugin, as_completed, get_worker

from geomap.config import Settings
from geomap.errors import InputError
from geomap.models import Article
from geomap.parallel import DEFAULT_BATCH, BatchResult, batches, parse_batch


class EnginePlugin(WorkerPlugin):
    """Loads the engine once per Dask worker, when the worker joins."""

    name = "geomap-engine"

    def __init__(self, settings: Settings, rules: Sequence[Any] = ()) -> None:
        self.settings = settings
        self.rules = tuple(rules)  # editors' corrections

    def setup(self, worker: Any) -> None:
        from geomap.pipeline import Engine

        worker.geomap_engine = Engine(self.settings, rules=self.rules)

    def teardown(self, worker: Any) -> None:
        worker.geomap_engine = None


def cluster_batch(articles: list[Article], db_url: str | None) -> BatchResult:
    """One Dask task: parse a batch with this worker's engine and, given a database URL,
    store it in one transaction (an idempotent write: a re-run stores nothing twice)."""
    from geomap.store import Store

    worker = get_worker()
    engine = getattr(worker, "geomap_engine", None)
    if engine is None:  # a worker that joined before the plugin was registered
        from geomap.pipeline import Engine

        engine = Engine()
        setattr(worker, "geomap_engine", engine)  # noqa: B010 - Worker has no such attribute
    result = parse_batch(engine, articles)
    if db_url is not None:
        with Store.open(db_url) as store:
            result.statuses = store.save_batch(result.parsed)
        result.parsed = []  # stored by the worker; nothing to send back
    return result


def run_on_cluster(
    scheduler: str,
    settings: Settings,
    articles: Sequence[Article],
    *,
    db_url: str | None = None,
    batch_size: int = DEFAULT_BATCH,
    retries: int = 3,
    rules: Sequence[Any] = (),
    on_batch: Callable[[BatchResult, int], None] | None = None,
) -> Iterator[BatchResult]:
    """Submit batches to the Dask scheduler at ``scheduler`` (``tcp://host:8786``).

    With ``db_url`` (PostgreSQL) the workers store; without, parses come back here.
    Results are yielded as batches finish and ``on_batch(result, n_articles)`` is called
    for each (the progress bar). A batch whose task raised is re-run up to ``retries``
    times; one whose worker died is re-run by the scheduler.
    """
    try:
        client = Client(scheduler, timeout=30)
    except (OSError, TimeoutError) as exc:
        raise InputError(f"{scheduler}: cannot reach the Dask scheduler ({exc})") from exc
    with client:
        client.register_plugin(EnginePlugin(settings, rules))
        parts = batches(articles, batch_size)
        futures = client.map(cluster_batch, parts, db_url=db_url, retries=retries, pure=False)
        sizes = {f.key: len(p) for f, p in zip(futures, parts, strict=True)}
        for future in as_completed(futures):
            result: BatchResult = future.result()
            if on_batch is not None:
                on_batch(result, sizes[future.key])
            yield result
