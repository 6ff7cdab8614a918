"""Peak memory of ``geomap parse`` on one huge article beside a one-paragraph article.

    python benchmarks/bench_memory.py [--megabytes 2] [--source ../shared/bench/lgl.jsonl]

Not a test: it prints numbers. The huge article is LGL's texts joined into one file until it
holds ``--megabytes`` MB (the seed article repeated when the gold sets are not there); the
small one is its first paragraph. Each runs as its own ``geomap parse`` child process and its
peak resident set (``ru_maxrss`` of the child) is reported, so the difference is what the
article's size costs on top of the engine. Both runs are in the same invocation, side by side.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
LGL = REPO.parent / "shared" / "bench" / "lgl.jsonl"
SEED = REPO / "seeds" / "000_42821f2fae6c857c.txt"


def texts(source: Path) -> list[str]:
    if source.exists():
        with source.open(encoding="utf-8") as fh:
            return [json.loads(line)["text"] for line in fh if line.strip()]
    return [SEED.read_text(encoding="utf-8")]


def peak_rss_mb(path: Path) -> tuple[float, float]:
    """(peak RSS in MB, wall seconds) of ``geomap parse path`` in a fresh child process."""
    code = (
        "import resource, subprocess, sys, time;"
        "t = time.perf_counter();"
        "p = subprocess.run([sys.executable, '-m', 'geomap.cli', 'parse', sys.argv[1]],"
        " stdout=subprocess.DEVNULL);"
        "w = time.perf_counter() - t;"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, w, p.returncode)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True
    ).stdout.split()
    if out[2] != "0":
        sys.exit(f"geomap parse {path} exited {out[2]}")
    return int(out[0]) / 1024, float(out[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--megabytes", type=float, default=2.0)
    parser.add_argument("--source", type=Path, default=LGL)
    args = parser.parse_args()
    pieces = texts(args.source)
    want = int(args.megabytes * 1_000_000)
    joined: list[str] = []
    size = i = 0
    while size < want:
        joined.append(pieces[i % len(pieces)])
        size += len(joined[-1]) + 2
        i += 1
    work = Path(tempfile.mkdtemp(prefix="geomap-bench-memory-"))
    try:
        small = work / "small.txt"
        small.write_text(pieces[0].split("\n\n")[0], encoding="utf-8")
        huge = work / "huge.txt"
        huge.write_text("\n\n".join(joined), encoding="utf-8")
        peak_rss_mb(small)  # warm-up: the index and matcher caches exist before timing
        base, base_s = peak_rss_mb(small)
        big, big_s = peak_rss_mb(huge)
        load = os.getloadavg()[0]
        print(f"load average {load:.1f}; source {args.source if args.source.exists() else SEED}")
        print(f"one paragraph ({small.stat().st_size:,} bytes): peak {base:.0f} MB, {base_s:.1f} s")
        print(f"huge article ({huge.stat().st_size:,} bytes): peak {big:.0f} MB, {big_s:.1f} s")
        print(f"the huge article costs +{big - base:.0f} MB on top of the engine")
        print(json.dumps({"small_mb": round(base), "huge_mb": round(big), "at": time.time()}))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
