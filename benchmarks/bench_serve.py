"""Serving under load: readers and uploaders at once against ``geomap serve`` (waitress).

    python benchmarks/bench_serve.py [--articles 100] [--clients 50] [--seconds 60]
                                     [--upload-share 0.1] [--threads 8] [--db FILE]

Not a test: it prints numbers. It builds a store of ``--articles`` LGL articles with
``geomap ingest`` (the real engine; LGL from ``GEOMAP_BENCH_DIR``, by default
``../shared/bench/lgl.jsonl``; with ``--db``, built once and reused), copies it, starts
``geomap serve`` on a free port of 127.0.0.1 over the copy, makes one untimed upload (the
engine loads on the first), then runs ``--clients`` threads for ``--seconds``. Each client
keeps one HTTP/1.1 connection and a cookie, sends ``Accept-Encoding: gzip`` and
``If-None-Match`` with the last ETag it saw for a URL (as a browser does), and in a loop
picks:

* an upload with probability ``--upload-share``: ``GET /add`` (the form's ``csrf_token``, if
  it has one, goes back with the session cookie), then ``POST /add`` with a distinct text
  (LGL articles not in the store, then GeoWebNews and GeoVirus), answered 303 to the job's
  page; the client does not wait for the job (the ``POST`` is the upload request);
* otherwise a read: ``/`` (40 %), ``/places.geojson`` (20 %) or an article page (40 %).

Reported: requests per second, latency p50/p95/max per page and for all reads, errors (any
status other than 200/303/304, or no answer within 30 s), uploads and how long their jobs
took, and, after waiting for every job to finish, whether each upload is stored exactly once
(the store's article count and ids). The machine is shared: the load average is printed.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
BENCH_DIR = Path(os.environ.get("GEOMAP_BENCH_DIR", REPO.parent / "shared" / "bench"))
GEOMAP = [sys.executable, "-c", "from geomap.cli import main; main()"]
READS = (("/", 0.4), ("/places.geojson", 0.2), ("article", 0.4))
CSRF = re.compile(r'name="csrf_token"\s+value="([^"]+)"')
TIMEOUT = 30.0


def corpus(name: str) -> list[dict[str, str]]:
    """A gold corpus's articles as ``{"id": "<name>-<id>", "text": ...}``."""
    path = BENCH_DIR / f"{name}.jsonl"
    if not path.is_file():
        sys.exit(f"bench_serve: {path} not found (set GEOMAP_BENCH_DIR)")
    with path.open(encoding="utf-8") as fh:
        return [{"id": f"{name}-{r['id']}", "text": r["text"]} for r in map(json.loads, fh) if r]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Sample:
    kind: str  # "/", "/places.geojson", "article", "upload", "poll", "form"
    seconds: float
    status: int  # 0: no answer


@dataclass
class Client:
    """One browser-like client: a connection, a cookie jar, the ETags it has seen."""

    port: int
    samples: list[Sample] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    jobs: list[tuple[str, float]] = field(default_factory=list)  # (job path, submitted at)
    cookies: dict[str, str] = field(default_factory=dict)
    etags: dict[str, str] = field(default_factory=dict)
    conn: http.client.HTTPConnection | None = None

    def request(
        self, kind: str, method: str, path: str, body: bytes | None = None, **headers: str
    ) -> tuple[int, dict[str, str], bytes]:
        send = {"Accept-Encoding": "gzip", **headers}
        if self.cookies:
            send["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if method == "GET" and path in self.etags:
            send["If-None-Match"] = self.etags[path]
        started = time.perf_counter()
        try:
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)
            self.conn.request(method, path, body=body, headers=send)
            resp = self.conn.getresponse()
            data = resp.read()
        except (OSError, http.client.HTTPException) as exc:
            self.samples.append(Sample(kind, time.perf_counter() - started, 0))
            self.errors.append(f"{method} {path}: {type(exc).__name__}: {exc}")
            if self.conn is not None:
                self.conn.close()
            self.conn = None
            return 0, {}, b""
        self.samples.append(Sample(kind, time.perf_counter() - started, resp.status))
        answer = {k.lower(): v for k, v in resp.getheaders()}
        for raw in resp.headers.get_all("Set-Cookie") or ():
            for name, morsel in SimpleCookie(raw).items():
                self.cookies[name] = morsel.value
        if resp.status not in (200, 303, 304):
            self.errors.append(f"{method} {path}: HTTP {resp.status}")
        elif resp.status == 200 and not data:
            self.errors.append(f"{method} {path}: empty body")
        if method == "GET" and "etag" in answer:
            self.etags[path] = answer["etag"]
        return resp.status, answer, data

    def upload(self, text: str, title: str) -> None:
        status, _, form = self.request("form", "GET", "/add")
        if status != 200:
            return
        fields = {"text": text, "title": title}
        token = CSRF.search(form.decode("utf-8", "replace"))
        if token:
            fields["csrf_token"] = token.group(1)
        origin = f"http://127.0.0.1:{self.port}"
        status, headers, _ = self.request(
            "upload",
            "POST",
            "/add",
            urlencode(fields).encode("utf-8"),
            **{
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": origin,
                "Referer": origin + "/add",
            },
        )
        location = headers.get("location", "")
        if status == 303 and "/jobs/" in location:
            self.jobs.append(("/api/jobs/" + location.rsplit("/", 1)[1], time.monotonic()))
        elif status == 303:
            self.errors.append(f"POST /add: redirected to {location}, not to a job")

    def job_state(self, path: str, kind: str = "poll") -> dict[str, Any]:
        status, _, data = self.request(kind, "GET", path)
        return json.loads(data) if status == 200 else {}


def run_client(
    client: Client,
    articles: list[str],
    uploads: list[dict[str, str]],
    lock: threading.Lock,
    share: float,
    stop: float,
    seed: int,
) -> None:
    rng = random.Random(seed)
    while time.monotonic() < stop:
        if rng.random() < share:
            with lock:
                text = uploads.pop() if uploads else None
            if text is not None:  # else (no texts left) a read
                client.upload(text["text"], text["id"])
                continue
        page = rng.choices([r[0] for r in READS], [r[1] for r in READS])[0]
        path = f"/articles/{rng.choice(articles)}" if page == "article" else page
        client.request(page, "GET", path)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def build_store(db: Path, articles: list[dict[str, str]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "lgl-store.jsonl"
        corpus.write_text("".join(json.dumps(a) + "\n" for a in articles), encoding="utf-8")
        started = time.monotonic()
        subprocess.run([*GEOMAP, "ingest", "--db", str(db), str(corpus)], check=True, cwd=REPO)
        print(f"store: {len(articles)} LGL articles ingested in {time.monotonic() - started:.0f} s")


def stored_ids(db: Path) -> list[str]:
    sys.path.insert(0, str(REPO))
    from geomap.store import Store

    with Store(db) as store:
        return [s.article.id for s in store.articles()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=100, help="articles in the store")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--upload-share", type=float, default=0.1)
    parser.add_argument("--threads", type=int, default=8, help="geomap serve --threads")
    parser.add_argument(
        "--db", type=Path, default=None, help="the store to start from (built if missing)"
    )
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()

    records = corpus("lgl")
    if len(records) <= args.articles:
        sys.exit(f"bench_serve: LGL has {len(records)} articles, fewer than --articles")
    work = Path(tempfile.mkdtemp(prefix="geomap-bench-serve-"))
    base = args.db or work / "base.db"
    if not base.exists():
        build_store(base, records[: args.articles])
    db = work / "store.db"  # the uploads go to a copy: --db stays as built
    shutil.copyfile(base, db)
    store_ids = [i for i in stored_ids(db) if i.startswith("lgl-")]
    already = set(stored_ids(db))
    texts = {r["text"].strip(): r for r in records[args.articles :] if r["id"] not in already}
    for name in ("geowebnews", "geovirus"):  # distinct texts: one article each
        texts.update({r["text"].strip(): r for r in corpus(name) if r["text"].strip()})
    uploads = list(texts.values())
    rng = random.Random(args.seed)
    rng.shuffle(uploads)
    warmup = uploads.pop()

    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    log = (work / "serve.log").open("w")
    server = subprocess.Popen(
        [*GEOMAP, "serve", "--port", str(port), "--db", str(db), "--threads", str(args.threads)],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        probe = Client(port)
        deadline = time.monotonic() + 120
        while probe.request("/", "GET", "/")[0] != 200:
            if server.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"bench_serve: geomap serve did not start; see {work / 'serve.log'}")
            time.sleep(0.5)
        started = time.monotonic()
        probe.upload(warmup["text"], warmup["id"])  # loads the engine, untimed
        while probe.job_state(probe.jobs[-1][0]).get("state") not in ("done", "failed"):
            time.sleep(0.2)
        print(f"warm-up upload (engine load + parse): {time.monotonic() - started:.1f} s")
        before = stored_ids(db)

        clients = [Client(port) for _ in range(args.clients)]
        lock = threading.Lock()
        load_before = os.getloadavg()[0]
        t0 = time.monotonic()
        stop = t0 + args.seconds
        threads = [
            threading.Thread(
                target=run_client,
                args=(c, store_ids, uploads, lock, args.upload_share, stop, args.seed + i),
            )
            for i, c in enumerate(clients)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - t0
        load_after = os.getloadavg()[0]
        server_threads = len(os.listdir(f"/proc/{server.pid}/task"))

        # every job to its end, then the store
        jobs = [j for c in clients for j in c.jobs]
        finished: dict[str, tuple[dict[str, Any], float]] = {}
        drain_started = time.monotonic()
        while len(finished) < len(jobs) and time.monotonic() - drain_started < 900:
            for path, submitted in jobs:
                if path not in finished:
                    state = probe.job_state(path, "drain")
                    if state.get("state") in ("done", "failed"):
                        finished[path] = (state, time.monotonic() - submitted)
            time.sleep(0.5)
        drain = time.monotonic() - drain_started
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()

    samples = [s for c in clients for s in c.samples]
    errors = [e for c in clients for e in c.errors]
    reads = [s for s in samples if s.kind in ("/", "/places.geojson", "article")]
    requests = [s for s in samples if s.kind != "drain"]
    print(
        f"\n{args.clients} clients for {elapsed:.0f} s against {args.articles} articles, "
        f"geomap serve --threads {args.threads}; {os.cpu_count()} CPUs, load average "
        f"{load_before:.1f} before / {load_after:.1f} after; server threads at the end: "
        f"{server_threads}"
    )
    print(f"requests: {len(requests)} ({len(requests) / elapsed:.1f}/s); errors: {len(errors)}")
    print(f"{'page':18}{'n':>7}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'304s':>7}")
    for kind in ("/", "/places.geojson", "article", "reads (all)", "form", "upload"):
        rows = reads if kind == "reads (all)" else [s for s in samples if s.kind == kind]
        if not rows:
            continue
        times = [s.seconds * 1000 for s in rows]
        print(
            f"{kind:18}{len(rows):>7}{statistics.median(times):>9.0f}"
            f"{percentile(times, 0.95):>9.0f}{max(times):>9.0f}"
            f"{sum(1 for s in rows if s.status == 304):>7}"
        )
    uploads_sent = sum(1 for s in samples if s.kind == "upload")
    actions = len(reads) + uploads_sent
    print(f"uploads: {uploads_sent} ({uploads_sent / max(1, actions):.1%} of reads + uploads)")
    states = [s.get("state") for s, _ in finished.values()]
    waits = [w for _, w in finished.values()]
    if waits:
        print(
            f"jobs: {states.count('done')} done, {states.count('failed')} failed, "
            f"{len(jobs) - len(finished)} unfinished; submit to done p50 "
            f"{statistics.median(waits):.1f} s, max {max(waits):.1f} s; last finished "
            f"{drain:.1f} s after the clients stopped"
        )
    after = stored_ids(db)
    added = [i for i in after if i not in set(before)]
    stored = {str(a) for s, _ in finished.values() for a in list(s.get("articles") or [])}
    once = len(after) == len(set(after)) and len(added) == len(jobs) and set(added) == stored
    print(
        f"store: {len(before)} articles before, {len(after)} after; {len(added)} added for "
        f"{len(jobs)} uploads; each upload stored exactly once: {'yes' if once else 'NO'}"
    )
    for line in errors[:10]:
        print("  error:", line)


if __name__ == "__main__":
    main()
