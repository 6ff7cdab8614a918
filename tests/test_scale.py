"""Past one core: --workers gives the same output as one process; a real Dask LocalCluster
(2 worker processes) ingests into PostgreSQL what one process stores in SQLite, even when a
worker is killed mid-run."""

from __future__ import annotations

import json
import os
import signal

import pytest
from click.testing import CliRunner

from geomap.cli import main
from geomap.config import Settings
from geomap.models import Article
from geomap.parallel import choose_workers, ingest_articles
from geomap.store import Store

CITIES = [
    ("Yerevan", "Armenia"),
    ("Baku", "Azerbaijan"),
    ("Tbilisi", "Georgia"),
    ("Ankara", "Turkey"),
    ("Kyiv", "Ukraine"),
    ("Paris", "France"),
    ("Nairobi", "Kenya"),
    ("Lima", "Peru"),
]


def make_articles(n: int) -> list[Article]:
    out = []
    for i in range(n):
        city, country = CITIES[i % len(CITIES)]
        other, _ = CITIES[(i * 3 + 1) % len(CITIES)]
        text = (
            f"Officials in {city} said on Monday that talks with {country}'s neighbours "
            f"would resume. A delegation from {other} is expected next week, and "
            f"protesters gathered outside the parliament in {city}."
        )
        out.append(Article(id=f"art-{i:03d}", text=text, title=f"Report {i} from {city}"))
    return out


@pytest.fixture
def corpus(tmp_path):
    path = tmp_path / "feed.jsonl"
    with path.open("w", encoding="utf-8") as fh:
        for a in make_articles(12):
            fh.write(json.dumps({"id": a.id, "title": a.title, "text": a.text}) + "\n")
    return path


def run(*args: str, env: dict[str, str]):
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def test_choose_workers():
    assert choose_workers(3, 5) == 3  # what is asked
    assert choose_workers(None, 5) == 1  # small input: one process pays off
    assert choose_workers(None, 10_000) == len(os.sched_getaffinity(0))
    with pytest.raises(ValueError, match="at least 1"):
        choose_workers(0, 5)


def test_parse_with_two_workers_equals_one(corpus, offline_index):
    env = {"GEOMAP_INDEX_PATH": str(offline_index)}
    one = run("parse", "--workers", "1", str(corpus), env=env)
    two = run("parse", "--workers", "2", str(corpus), env=env)
    assert one.exit_code == 0 and two.exit_code == 0
    assert one.stdout == two.stdout  # same places, same mentions, same order
    doc = json.loads(two.stdout)
    assert len(doc["articles"]) == 12
    assert {"Yerevan", "Baku", "Nairobi"} <= {f["properties"]["name"] for f in doc["features"]}


def test_ingest_with_two_workers_stores_what_one_stores(tmp_path, corpus, offline_index):
    env = {"GEOMAP_INDEX_PATH": str(offline_index)}
    exports = []
    for workers in ("1", "2"):
        db = tmp_path / f"w{workers}.db"
        result = run("ingest", "--workers", workers, "--batch-size", "5", str(corpus),
                     "--db", str(db), env=env)  # fmt: skip
        assert result.exit_code == 0, result.output
        assert "12 articles stored (12 added" in result.stdout
        again = run("ingest", "--workers", workers, str(corpus), "--db", str(db), env=env)
        assert "12 unchanged" in again.stdout
        with Store(db) as store:
            exports.append(store.to_geojson())
    assert exports[0] == exports[1]
    assert len(exports[0]["features"]) > 8


# -- a real Dask cluster -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dask_cluster(offline_index):
    """A LocalCluster with 2 worker processes (one thread each), torn down afterwards."""
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        scheduler_port=0,
        silence_logs=40,
    )
    try:
        yield cluster
    finally:
        cluster.close()


def canonical(doc):
    """A cluster stores batches in the order they finish: compare regardless of that order."""
    features = []
    for f in doc["features"]:
        props = dict(f["properties"])
        props["mentions"] = sorted(props["mentions"], key=lambda m: (m["article"], m["start"]))
        features.append({**f, "properties": props})
    return {
        **doc,
        "articles": sorted(doc["articles"], key=lambda a: a["id"]),
        "features": sorted(features, key=lambda f: f["properties"]["id"]),
        "unresolved": sorted(doc["unresolved"], key=lambda u: (u["article"], u["start"])),
    }


def single_process_export(tmp_path, settings, articles):
    with Store(tmp_path / "single.db") as store:
        report = ingest_articles(store, settings, articles, workers=1)
        assert not report.errors
        return store.to_geojson(), store.counts()


def test_cluster_ingest_into_postgres_equals_single_process_sqlite(
    tmp_path, pg_url, dask_cluster, offline_index
):
    settings = Settings(index_path=offline_index)
    articles = make_articles(16)
    expected, counts = single_process_export(tmp_path, settings, articles)
    done: list[int] = []
    with Store.open(pg_url) as store:
        report = ingest_articles(
            store,
            settings,
            articles,
            scheduler=dask_cluster.scheduler_address,
            batch_size=4,
            on_progress=done.append,
        )
        assert not report.errors
        assert sorted(report.statuses) == sorted(a.id for a in articles)
        assert set(report.statuses.values()) == {"added"}
        assert sum(done) == 16
        assert store.counts() == counts
        assert canonical(store.to_geojson()) == canonical(expected)  # the same features
    with Store.open(pg_url) as store:  # a second run finds everything unchanged
        again = ingest_articles(store, settings, articles, scheduler=dask_cluster.scheduler_address)
        assert set(again.statuses.values()) == {"unchanged"}


def test_killing_a_worker_mid_run_loses_nothing_and_stores_nothing_twice(
    tmp_path, pg_url, dask_cluster, offline_index
):
    from distributed import Client

    settings = Settings(index_path=offline_index)
    articles = make_articles(40)
    expected, counts = single_process_export(tmp_path, settings, articles)
    with Client(dask_cluster.scheduler_address) as client:
        pids = client.run(os.getpid)  # worker address -> process id
    assert len(pids) == 2
    killed: list[int] = []

    def kill_one(_result, _n):
        if not killed:  # after the first finished batch, while the others run
            victim = sorted(pids.values())[0]
            os.kill(victim, signal.SIGKILL)
            killed.append(victim)

    from geomap.cluster import run_on_cluster

    Store.open(pg_url).close()  # the schema exists before the workers write
    with Store.open(pg_url) as store:
        statuses: dict[str, str] = {}
        for result in run_on_cluster(
            dask_cluster.scheduler_address,
            settings,
            articles,
            db_url=pg_url,
            batch_size=2,
            on_batch=kill_one,
        ):
            assert not result.errors
            statuses.update(result.statuses)
        assert killed
        with Client(dask_cluster.scheduler_address) as client:
            assert killed[0] not in client.run(os.getpid).values()  # it really died
        assert sorted(statuses) == sorted(a.id for a in articles)
        assert store.counts() == counts
        rows = store.conn.execute(
            "SELECT id, COUNT(*) FROM articles GROUP BY id HAVING COUNT(*) > 1"
        ).fetchall()
        assert rows == []
        assert canonical(store.to_geojson()) == canonical(expected)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_command_line_cluster_ingest_and_export_match_single_process_sqlite(
    tmp_path, corpus, pg_url, offline_index
):
    """What the README tells a newsroom to run: `dask scheduler`, `dask worker` (2 processes)
    and `geomap ingest --scheduler ... --db postgresql://...`, all as real commands; the
    exports of that store and of a one-process SQLite ingest have the same features."""
    import shutil
    import subprocess
    import time

    dask, geomap_cmd = shutil.which("dask"), shutil.which("geomap")
    assert dask and geomap_cmd, "the dask and geomap commands are installed with the test extra"
    env = {**os.environ, "GEOMAP_INDEX_PATH": str(offline_index), "GEOMAP_DATA_DIR": str(tmp_path)}
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    procs = [
        subprocess.Popen(
            [dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    ]
    try:
        procs.append(
            subprocess.Popen(
                [dask, "worker", address, "--nworkers", "2", "--nthreads", "1", "--no-dashboard"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        from distributed import Client

        with Client(address, timeout=60) as client:  # wait for both worker processes
            deadline = time.monotonic() + 120
            while len(client.scheduler_info()["workers"]) < 2:
                assert time.monotonic() < deadline, "the dask workers did not start"
                time.sleep(0.5)

        def geomap(*args: str) -> None:
            done = subprocess.run(
                [geomap_cmd, *args], env=env, capture_output=True, text=True, timeout=600
            )
            assert done.returncode == 0, done.stderr

        single = tmp_path / "single.db"
        geomap("ingest", "--workers", "1", "--db", str(single), str(corpus))
        geomap("ingest", "--scheduler", address, "--db", pg_url, str(corpus))
        geomap("export", "--db", str(single), "-o", str(tmp_path / "single.geojson"))
        geomap("export", "--db", pg_url, "-o", str(tmp_path / "cluster.geojson"))
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in reversed(procs):
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
    single_fc = json.loads((tmp_path / "single.geojson").read_text(encoding="utf-8"))
    cluster_fc = json.loads((tmp_path / "cluster.geojson").read_text(encoding="utf-8"))
    assert len(single_fc["articles"]) == 12 and single_fc["features"]
    assert canonical(cluster_fc) == canonical(single_fc)
