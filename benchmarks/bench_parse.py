"""Speed, memory and accuracy of geomap beside the plain spaCy + max-population baseline.

    python benchmarks/bench_parse.py [--corpus lgl] [--limit N] [--no-startup]

Not a test: it prints numbers. Each system runs in its own child process, so its memory
figures are its own and one system's warm caches cannot help the other:

* docs/s: documents parsed per wall second of ``parse`` calls (model and index load excluded
  and reported separately as ``load s``); scoring time is not counted. ``/CPU s``: documents
  per CPU second of the same calls, steadier when other jobs share the cores.
* RSS: ``ru_maxrss`` (peak resident set of the child) minus the RSS before the system was
  loaded: model + gazetteer + parse, everything the OS had to give the process.
* tracemalloc: peak of Python-level allocations (numpy's included) in a second child run with
  tracemalloc on, from before the load to the end of parsing the first ``--trace-docs``
  documents. tracemalloc slows parsing, so its run is never the timed one.
* Warm start-up: wall time of whole ``geomap parse seeds/<seed>.txt`` runs and of
  ``python -c "import geomap.pipeline; geomap.pipeline.Engine()"`` with the offline index
  already built (one untimed warm-up run first; the minimum and median of ``--repeat``), and
  the median CPU time (user + system) of those runs.

The machine is shared: the 1-minute load average is printed with the results.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
BENCH_DIR = Path(os.environ.get("GEOMAP_BENCH_DIR", REPO.parent / "shared" / "bench"))
CORPORA = {
    "lgl": "lgl.jsonl",
    "gwn": "geowebnews.jsonl",
    "geowebnews": "geowebnews.jsonl",
    "geovirus": "geovirus.jsonl",
}
SEED = REPO / "seeds" / "000_42821f2fae6c857c.txt"
SYSTEMS = ("baseline", "geomap")
ENGINE_CMD = [sys.executable, "-c", "import geomap.pipeline; geomap.pipeline.Engine()"]


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def current_rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def load_system(name: str, lean: bool) -> Any:
    if name == "baseline":
        sys.path.insert(0, str(HERE))
        from baseline import Baseline

        return Baseline(lean=lean)
    from geomap.pipeline import Engine

    return Engine()


class CpuTimed:
    """Wraps a system's ``parse`` to add up the CPU time it takes (all threads): on a shared
    machine CPU seconds are steadier than wall seconds."""

    def __init__(self, system: Any) -> None:
        self.system, self.cpu_s = system, 0.0

    def parse(self, articles: Any) -> Any:
        started = time.process_time()
        try:
            return self.system.parse(articles)
        finally:
            self.cpu_s += time.process_time() - started


def worker(args: argparse.Namespace) -> None:
    """One system, one corpus, in this process; prints one JSON line."""
    from geomap.evaluate import evaluate

    if args.trace:
        tracemalloc.start()
    before = current_rss_mb()
    started = time.perf_counter()
    system = load_system(args.worker, args.lean_baseline)
    load_s = time.perf_counter() - started
    limit = min(args.trace_docs, args.limit or args.trace_docs) if args.trace else args.limit
    timed_system = CpuTimed(system)
    report = evaluate(args.path, timed_system, limit=limit, progress=False)
    out: dict[str, Any] = {"system": args.worker, "docs": report.docs, "load_s": load_s}
    if args.trace:
        out["tracemalloc_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
    else:
        e2e, rec, res = report.end_to_end, report.recognition, report.resolution
        out |= {
            "parse_s": report.seconds,
            "docs_per_s": report.docs / report.seconds if report.seconds else None,
            "cpu_s": timed_system.cpu_s,
            "docs_per_cpu_s": report.docs / timed_system.cpu_s if timed_system.cpu_s else None,
            "rss_before_mb": before,
            "ru_maxrss_mb": rss_mb(),
            "rss_delta_mb": rss_mb() - before,
            "e2e_p": e2e["precision"],
            "e2e_r": e2e["recall"],
            "e2e_f1": e2e["f1"],
            "rec_p": rec["precision"],
            "rec_r": rec["recall"],
            "rec_f1": rec["f1"],
            "acc161": res["acc161_placed"],
            "auc": res["auc"],
        }
    print(json.dumps(out))


def run_worker(name: str, path: Path, args: argparse.Namespace, trace: bool) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", name, "--path", str(path)]
    if args.limit:
        cmd += ["--limit", str(args.limit)]
    if args.lean_baseline:
        cmd.append("--lean-baseline")
    if trace:
        cmd += ["--trace", "--trace-docs", str(args.trace_docs)]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO)
    if proc.returncode != 0:
        sys.exit(f"{name} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def timed(cmd: list[str], repeat: int) -> dict[str, float]:
    subprocess.run(cmd, capture_output=True, cwd=REPO, check=True)  # warm-up, untimed
    times, cpus = [], []
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run(cmd, capture_output=True, cwd=REPO, check=True)
        times.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return {
        "min_s": min(times),
        "median_s": statistics.median(times),
        "cpu_median_s": statistics.median(cpus),
    }


def startup(repeat: int) -> None:
    exe = shutil.which("geomap")
    parse_cmd = ([exe] if exe else [sys.executable, "-m", "geomap.cli"]) + ["parse", str(SEED)]
    print(f"\nwarm start-up (index already built; {repeat} runs after one warm-up):")
    for label, cmd in (("geomap parse <seed>", parse_cmd), ("import + Engine()", ENGINE_CMD)):
        try:
            t = timed(cmd, repeat)
        except subprocess.CalledProcessError as exc:
            print(f"  {label:22} failed (exit {exc.returncode}): {' '.join(cmd)}")
            continue
        shown = " ".join(Path(c).name if i == 0 else c for i, c in enumerate(cmd))
        print(
            f"  {label:22} wall min {t['min_s']:.2f} s, median {t['median_s']:.2f} s;"
            f" CPU median {t['cpu_median_s']:.2f} s   ({shown})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", default="lgl", help=f"one of {', '.join(CORPORA)}")
    parser.add_argument("--limit", type=int, help="only the first N documents")
    parser.add_argument(
        "--trace-docs",
        type=int,
        default=100,
        help="documents parsed in the tracemalloc run (default 100)",
    )
    parser.add_argument("--no-trace", action="store_true", help="skip the tracemalloc runs")
    parser.add_argument("--no-startup", action="store_true", help="skip the start-up timing")
    parser.add_argument("--repeat", type=int, default=3, help="start-up runs (default 3)")
    parser.add_argument(
        "--lean-baseline",
        action="store_true",
        help="baseline without tagger/parser/lemmatizer (NER only)",
    )
    parser.add_argument("--worker", choices=SYSTEMS, help=argparse.SUPPRESS)
    parser.add_argument("--path", help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return

    name = CORPORA.get(args.corpus.lower(), args.corpus)
    path = BENCH_DIR / name
    if not path.is_file():
        print(f"skipping: gold corpus {path} not found (set GEOMAP_BENCH_DIR)")
        return
    from geomap.config import load_settings
    from geomap.gazetteer.index import ensure_index

    ensure_index(load_settings().index_file)  # build outside any timing
    # one untimed Engine() so that caches built on first use do not count as load time
    subprocess.run(ENGINE_CMD, cwd=REPO, check=True)
    rows = []
    for system in SYSTEMS:
        row = run_worker(system, path, args, trace=False)
        if not args.no_trace:
            row |= {
                "tracemalloc_peak_mb": run_worker(system, path, args, True)["tracemalloc_peak_mb"]
            }
        rows.append(row)
    baseline_kind = "NER-only pipeline" if args.lean_baseline else "full en_core_web_sm pipeline"
    print(
        f"{path.name}: {rows[0]['docs']} docs; load average {os.getloadavg()[0]:.2f} "
        f"on {os.cpu_count()} CPUs; baseline = spaCy {baseline_kind} + max population"
    )
    print(
        f"{'system':10}{'docs/s':>8}{'/CPU s':>8}{'load s':>8}{'RSS Δ MB':>10}"
        f"{'tracemalloc MB':>16}"
        f"{'e2e P':>7}{'e2e R':>7}{'F1@161':>8}{'rec F1':>8}{'acc161':>8}{'AUC':>7}"
    )
    for r in rows:
        trace = r.get("tracemalloc_peak_mb")
        print(
            f"{r['system']:10}{r['docs_per_s']:8.1f}{r['docs_per_cpu_s']:8.1f}{r['load_s']:8.1f}{r['rss_delta_mb']:10.0f}"
            f"{'-' if trace is None else format(trace, '.0f'):>16}"
            f"{r['e2e_p']:7.3f}{r['e2e_r']:7.3f}{r['e2e_f1']:8.3f}{r['rec_f1']:8.3f}"
            f"{r['acc161'] or 0:8.3f}{r['auc'] or 0:7.3f}"
        )
    print(
        "RSS Δ = ru_maxrss (peak RSS) minus RSS before loading the system, in the child;"
        f" tracemalloc = peak Python allocations over load + first {args.trace_docs} docs."
    )
    print("docs/s = per wall second of parse calls; /CPU s = per CPU second (all threads).")
    wall = rows[1]["docs_per_s"] / rows[0]["docs_per_s"]
    cpu = rows[1]["docs_per_cpu_s"] / rows[0]["docs_per_cpu_s"]
    print(f"geomap / baseline throughput: {wall:.2f}x (wall), {cpu:.2f}x (CPU)")
    if not args.no_startup:
        startup(args.repeat)


if __name__ == "__main__":
    main()
