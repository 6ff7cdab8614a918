"""Scale benchmark: geomap past one core, one machine and one SQLite file.

Over LGL's texts (``../shared/bench/lgl.jsonl``, read in place, repeated with new ids up to
``--articles``):

1. ``geomap ingest --workers 1`` vs ``--workers N`` (all cores) into SQLite, as commands
   (start-up included), and whether both stores hold the same places per article;
   ``geomap parse --workers N`` vs the spaCy+population baseline on the same articles;
2. ``geomap ingest --scheduler`` on a Dask ``LocalCluster`` (2 worker processes) into
   PostgreSQL/PostGIS (a throw-away server in a temporary directory), same check;
3. writing the parsed articles into SQLite vs PostGIS (store time only);
4. viewport requests (``/places.geojson?bbox=&zoom=``) and the map page on stores of
   ``--mentions`` synthetic mentions (1 million by default), SQLite and PostGIS.

Run: ``python benchmarks/bench_scale.py [--articles 5000] [--mentions 1000000]``.
Needs PostgreSQL 15 + PostGIS (``postgresql-15-postgis-3``) for parts 2-4.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LGL = ROOT.parent / "shared" / "bench" / "lgl.jsonl"
PG_BIN = Path("/usr/lib/postgresql/15/bin")


def log(*parts: Any) -> None:
    print(*parts, flush=True)


def lgl_articles(n: int, source: Path) -> list[dict[str, str]]:
    """LGL's texts repeated (with new ids) up to ``n`` articles."""
    # lines end at \n only: the texts hold raw U+2028, which splitlines() would split on
    docs = [json.loads(line) for line in source.read_text(encoding="utf-8").split("\n") if line]
    out = []
    for i in range(n):
        doc = docs[i % len(docs)]
        out.append({"id": f"{doc['id']}-r{i // len(docs)}", "text": doc["text"]})
    return out


def geomap(*args: str, env: dict[str, str] | None = None) -> tuple[float, str]:
    t0 = time.perf_counter()
    done = subprocess.run(
        [str(Path(sys.executable).parent / "geomap"), *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
    )
    if done.returncode not in (0, 2):
        raise SystemExit(f"geomap {' '.join(args)} failed:\n{done.stderr[-2000:]}")
    return time.perf_counter() - t0, done.stdout


def places_per_article(url: str) -> dict[str, list[tuple[str, int, int]]]:
    from geomap.store import Store

    with Store.open(url) as store:
        rows = store.conn.execute(
            'SELECT article_id, place_id, start, "end" FROM mentions'
            ' ORDER BY article_id, start, "end"'
        ).fetchall()
    out: dict[str, list[tuple[str, int, int]]] = {}
    for a, p, s, e in rows:
        out.setdefault(a, []).append((p, s, e))
    return out


# -- a throw-away PostgreSQL + PostGIS ------------------------------------------------------------


class Postgres:
    """initdb + pg_ctl in a temporary directory (as postgres when run as root)."""

    def __init__(self) -> None:
        self.base = Path(tempfile.mkdtemp(prefix="geomap-bench-pg-"))
        self.runner: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(self.base, "postgres", "postgres")
            self.runner = ["runuser", "-u", "postgres", "--"]
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.data = self.base / "data"
        self.run(str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres",
                 "-E", "UTF8", "--no-sync")  # fmt: skip
        opts = f"-p {self.port} -k {self.base} -h 127.0.0.1 -c max_connections=60"
        self.run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.base / "log"),
                 "-o", opts, "-w", "start")  # fmt: skip
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}"

    def run(self, *args: str) -> None:
        subprocess.run([*self.runner, *args], check=True, capture_output=True, cwd=self.base)

    def database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(f"{self.url}/postgres", autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        with psycopg.connect(f"{self.url}/{name}", autocommit=True) as conn:
            conn.execute("CREATE EXTENSION postgis")
        return f"{self.url}/{name}"

    def stop(self) -> None:
        subprocess.run([*self.runner, str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast",
                        "stop"], capture_output=True, cwd=self.base)  # fmt: skip
        shutil.rmtree(self.base, ignore_errors=True)


# -- 1-3: ingest --------------------------------------------------------------------------------


def bench_local(
    feed: Path, work: Path, n: int, cores: int, skip_parse: bool = False
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for workers in sorted({1, cores}):
        db = work / f"w{workers}.db"
        seconds, stdout = geomap("ingest", "--workers", str(workers), str(feed), "--db", str(db))
        out[f"ingest_w{workers}_s"] = round(seconds, 1)
        out[f"ingest_w{workers}_art_per_s"] = round(n / seconds, 1)
        log(f"ingest --workers {workers}: {seconds:.1f} s ({n / seconds:.1f} articles/s)")
        log("   ", stdout.strip())
    if cores > 1:
        out["speedup"] = round(out["ingest_w1_s"] / out[f"ingest_w{cores}_s"], 2)
        same = places_per_article(str(work / "w1.db")) == places_per_article(
            str(work / f"w{cores}.db")
        )
        out["same_places"] = same
        log(f"speed-up {out['speedup']}x with {cores} workers; same places per article: {same}")
    if skip_parse:
        return out
    seconds, _ = geomap("parse", "--workers", str(cores), str(feed))
    out["parse_all_cores_art_per_s"] = round(n / seconds, 1)
    log(f"parse --workers {cores}: {seconds:.1f} s ({n / seconds:.1f} articles/s)")
    return out


def bench_baseline(feed: Path, n: int) -> float:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from baseline import Baseline

    from geomap.articles import load_articles

    t0 = time.perf_counter()
    articles, _ = load_articles([str(feed)])
    Baseline().parse(articles)
    seconds = time.perf_counter() - t0
    log(f"spaCy+population baseline (one process, load included): {n / seconds:.1f} articles/s")
    return round(n / seconds, 1)


def bench_dask(feed: Path, pg: Postgres, n: int, work: Path) -> dict[str, Any]:
    from distributed import LocalCluster

    url = pg.database("bench_dask")
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                           dashboard_address=":0", silence_logs=40)  # fmt: skip
    try:
        log(f"Dask dashboard: {cluster.dashboard_link}")
        seconds, stdout = geomap("ingest", "--scheduler", cluster.scheduler_address, "--db", url,
                                 str(feed))  # fmt: skip
    finally:
        cluster.close()
    log(f"ingest --scheduler (LocalCluster, 2 processes) -> PostGIS: {seconds:.1f} s "
        f"({n / seconds:.1f} articles/s)")  # fmt: skip
    log("   ", stdout.strip())
    same = places_per_article(url) == places_per_article(str(work / "w1.db"))
    log(f"same places per article as the single-process SQLite run: {same}")
    return {"dask_s": round(seconds, 1), "dask_art_per_s": round(n / seconds, 1),
            "dask_same_places": same}  # fmt: skip


def bench_store_writes(pg: Postgres, work: Path) -> dict[str, Any]:
    """Store time only: the parsed articles of the single-process run written again."""
    from geomap.store import Store

    with Store(work / "w1.db") as source:
        articles = [s.article for s in source.articles()]
        by_article: dict[str, list[Any]] = {a.id: [] for a in articles}
        for r in source.resolutions():
            by_article[r.mention.article_id].append(r)
    items = [(a, by_article[a.id]) for a in articles]
    out = {}
    for name, url in (("sqlite", str(work / "write.db")), ("postgis", pg.database("bench_w"))):
        with Store.open(url) as store:
            t0 = time.perf_counter()
            for i in range(0, len(items), 16):
                store.save_batch(items[i : i + 16])
            seconds = time.perf_counter() - t0
        out[f"write_{name}_art_per_s"] = round(len(items) / seconds, 1)
        log(f"store writes, {name}: {len(items) / seconds:.0f} articles/s (batches of 16)")
    return out


# -- 4: viewport at a million mentions ------------------------------------------------------------


def synthetic_rows(n_mentions: int, n_places: int, per_article: int = 10):
    """Places: points spread like news places (clustered around 300 'cities'), plus 200
    rectangles (regions); mentions: ``per_article`` per article, places drawn Zipf-like."""
    from geomap.models import geometry_bounds
    from geomap.store import _dumps, display_geometry

    rng = random.Random(7)
    centres = [(rng.uniform(-170, 170), rng.uniform(-55, 70)) for _ in range(300)]
    places = []
    for i in range(n_places):
        if i < 200:
            lon, lat = rng.uniform(-170, 160), rng.uniform(-50, 60)
            w, h = rng.uniform(1, 12), rng.uniform(1, 8)
            ring = [[lon, lat], [lon + w, lat], [lon + w, lat + h], [lon, lat + h], [lon, lat]]
            geometry: dict[str, Any] = {"type": "Polygon", "coordinates": [ring]}
            kind, clon, clat = "region", lon + w / 2, lat + h / 2
        else:
            cx, cy = centres[i % len(centres)]
            clon = max(-179.9, min(179.9, cx + rng.gauss(0, 3)))
            clat = max(-80, min(80, cy + rng.gauss(0, 2)))
            geometry = {"type": "Point", "coordinates": [round(clon, 4), round(clat, 4)]}
            kind = "city" if i % 10 == 0 else "town"
        g = _dumps(geometry)
        box = geometry_bounds(geometry)
        assert box is not None
        places.append((f"syn:{i}", f"Place {i}", kind, "synthetic", round(clat, 4),
                       round(clon, 4), g, _dumps(display_geometry(geometry)), *box))  # fmt: skip
    weights = [1 / (i + 1) ** 0.8 for i in range(n_places)]
    picks = rng.choices(range(n_places), weights=weights, k=n_mentions)
    n_articles = n_mentions // per_article
    articles = [(f"s{a}", f"Synthetic {a}", f"Synthetic article {a}.", "x") for a in
                range(n_articles)]  # fmt: skip
    mentions = []
    for k, p in enumerate(picks):
        a = k // per_article
        start = (k % per_article) * 20
        mentions.append((f"s{a % n_articles}", f"syn:{p}", start, start + 8, f"Place {p}",
                         "A sentence naming the place.", 0.9, "synthetic"))  # fmt: skip
    return places, articles, mentions


def fill_synthetic(url: str, rows: Any) -> float:
    from geomap.store import Store

    places, articles, mentions = rows
    t0 = time.perf_counter()
    with Store.open(url) as store:
        conn = store.conn
        if store.dialect == "postgresql":
            raw: Any = conn.raw  # a psycopg connection here (COPY is PostgreSQL's)
            with raw.transaction(), raw.cursor() as cur:
                with cur.copy("COPY articles (id, title, text, content_hash, ingested_at)"
                              " FROM STDIN") as copy:  # fmt: skip
                    for a in articles:
                        copy.write_row((*a, "2026-01-01T00:00:00Z"))
                with cur.copy("COPY places (id, name, kind, source, lat, lon, geometry, display,"
                              " minx, miny, maxx, maxy) FROM STDIN") as copy:  # fmt: skip
                    for p in places:
                        copy.write_row(p)
                with cur.copy('COPY mentions (article_id, place_id, start, "end", text, excerpt,'
                              " confidence, why) FROM STDIN") as copy:  # fmt: skip
                    for m in mentions:
                        copy.write_row(m)
                cur.execute("UPDATE places SET geom = ST_SetSRID(ST_GeomFromGeoJSON(geometry),"
                            " 4326)")  # fmt: skip
            raw.execute("VACUUM ANALYZE")
        else:
            with store.transaction() as tx:
                tx.executemany(
                    "INSERT INTO articles (id, title, text, content_hash, ingested_at)"
                    " VALUES (?, ?, ?, ?, '2026-01-01T00:00:00Z')",
                    articles,
                )
                tx.executemany(
                    "INSERT INTO places (id, name, kind, source, lat, lon, geometry, display,"
                    " minx, miny, maxx, maxy) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    places,
                )
                tx.executemany(
                    'INSERT INTO mentions (article_id, place_id, start, "end", text, excerpt,'
                    " confidence, why) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    mentions,
                )
            conn.execute("ANALYZE")
    return time.perf_counter() - t0


VIEWS = [
    ("world, zoom 2", "-215.2,-76.7,234.8,83.4", 2),
    ("continent, zoom 4", "-20,20,60,60", 4),
    ("country, zoom 7", "10,40,20,45", 7),
]
# plus "city, zoom 12": 0.3 degrees around the most mentioned synthetic town


def bench_viewport(
    url: str, label: str, city: tuple[float, float], repeat: int = 5, warm: bool = True
) -> dict[str, Any]:
    """Median and max of ``repeat`` requests per view. With ``warm`` the world views are
    computed first, as ``geomap serve`` does when it starts; without, the first request of a
    view at zoom <= 4 waits for them (the map page starts computing them)."""
    from geomap import viewport
    from geomap.web import create_app, warm_map

    app = create_app({"DATABASE": url, "TILES": None, "TESTING": True})
    client = app.test_client()
    out: dict[str, Any] = {}
    if warm:  # as geomap serve does before it listens
        t0 = time.perf_counter()
        warm_map(app)
        viewport.settle(url, timeout=300)
        out["warm_s"] = round(time.perf_counter() - t0, 2)
        log(f"{label}: world views computed at start in {out['warm_s']} s")
    t0 = time.perf_counter()
    page = client.get("/")
    page_ms = (time.perf_counter() - t0) * 1000
    assert page.status_code == 200
    out["page_bytes"] = len(page.get_data())
    out["page_ms"] = round(page_ms)
    log(f"{label}: map page {len(page.get_data()) / 1024:.0f} KB in {page_ms:.0f} ms "
        f"(viewport mode: {b'viewport' in page.get_data()})")  # fmt: skip
    lon, lat = city
    views = [*VIEWS, ("city, zoom 12", f"{lon - 0.15},{lat - 0.1},{lon + 0.15},{lat + 0.1}", 12)]
    for name, bbox, zoom in views:
        times = []
        size = 0
        for _ in range(repeat):
            t0 = time.perf_counter()
            response = client.get(f"/places.geojson?bbox={bbox}&zoom={zoom}")
            times.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200
            size = len(response.get_data())
        doc = json.loads(client.get(f"/places.geojson?bbox={bbox}&zoom={zoom}").get_data())
        med = statistics.median(times)
        out[f"{name}_ms"] = round(med)
        out[f"{name}_max_ms"] = round(max(times))
        out[f"{name}_bytes"] = size
        log(f"  {name}: median {med:.0f} ms, max {max(times):.0f} ms, {size / 1024:.0f} KB, "
            f"{len(doc['features'])} features ({doc['clustered']} places in clusters)")  # fmt: skip
    # a store change: the kept world views are answered at once and recomputed behind
    from geomap.models import Article, Mention, Place, Resolution
    from geomap.store import Store

    with Store.open(url) as store:
        place = Place("bench:new", "Newplace", "town",
                      {"type": "Point", "coordinates": [lon, lat]}, "bench")  # fmt: skip
        text = "Newplace is new."
        mention = Mention("bench-new", "Newplace", 0, 8, text)
        store.save(Article("bench-new", text), [Resolution(mention, place, 1, "b")])
    name, bbox, zoom = VIEWS[0]
    t0 = time.perf_counter()
    client.get(f"/places.geojson?bbox={bbox}&zoom={zoom}")
    out["after_change_ms"] = round((time.perf_counter() - t0) * 1000)
    t0 = time.perf_counter()
    viewport.settle(url, timeout=120)
    out["recompute_ms"] = round((time.perf_counter() - t0) * 1000)
    log(f"  after a store change: {name} answered in {out['after_change_ms']} ms (the kept "
        f"view), recomputed behind it within {out['recompute_ms']} ms")  # fmt: skip
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--mentions", type=int, default=1_000_000)
    parser.add_argument("--places", type=int, default=100_000, help="synthetic places")
    parser.add_argument("--source", type=Path, default=LGL)
    parser.add_argument(
        "--skip", default="", help="comma list of: local,parse,dask,writes,viewport"
    )
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    from geomap.parallel import available_cores

    cores = available_cores()
    results: dict[str, Any] = {"articles": args.articles, "cores": cores}
    work = Path(tempfile.mkdtemp(prefix="geomap-bench-scale-"))
    pg = None
    try:
        feed = work / "feed.jsonl"
        with feed.open("w", encoding="utf-8") as fh:
            for doc in lgl_articles(args.articles, args.source):
                fh.write(json.dumps(doc) + "\n")
        log(f"{args.articles} LGL articles, {cores} cores; work dir {work}")
        if "local" not in skip:
            results.update(bench_local(feed, work, args.articles, cores, "parse" in skip))
        if "local" not in skip and "parse" not in skip:
            results["baseline_art_per_s"] = bench_baseline(feed, args.articles)
            results["parse_vs_baseline"] = round(
                results["parse_all_cores_art_per_s"] / results["baseline_art_per_s"], 2
            )
            log(f"parse (all cores) vs baseline: {results['parse_vs_baseline']}x")
        if {"dask", "writes", "viewport"} - skip:
            pg = Postgres()
        if "dask" not in skip and pg:
            results.update(bench_dask(feed, pg, args.articles, work))
        if "writes" not in skip and pg and (work / "w1.db").exists():
            results.update(bench_store_writes(pg, work))
        if "viewport" not in skip and pg:
            rows = synthetic_rows(args.mentions, args.places)
            for name, url in (("sqlite", str(work / "big.db")), ("postgis", None)):
                url = url or pg.database("bench_big")
                seconds = fill_synthetic(url, rows)
                log(f"{name}: {args.mentions:,} synthetic mentions, {args.places:,} places "
                    f"loaded in {seconds:.0f} s")  # fmt: skip
                town = rows[0][200]  # the most mentioned point place (Zipf rank 200)
                for key, value in bench_viewport(url, name, (town[5], town[4])).items():
                    results[f"viewport_{name}_{key}"] = value
        log(json.dumps(results, indent=1))
    finally:
        if pg is not None:
            pg.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
