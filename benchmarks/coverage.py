"""Coverage of the offline gazetteer on a gold set: the ceiling any resolver can reach.

For every gold toponym, does looking its surface name up in the offline index give at
least one candidate within 161 km of the gold point (0 km when a candidate's polygon
contains it)? Reported for the offline index alone and together with the curated
gazetteer. Also times the index's ``candidates()`` over the gold names.

    python benchmarks/coverage.py [--bench ../shared/bench] [--index FILE] [--sets lgl,...]

Reads the bench files in place (never copies them); exits 0 with a note when they are absent.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

from geomap.config import Settings
from geomap.gazetteer.base import haversine_km
from geomap.gazetteer.index import OfflineGazetteer, ensure_index

KM = 161.0


def load_toponyms(path: Path) -> list[dict]:
    out = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                doc = json.loads(line)
                for t in doc.get("toponyms", []):
                    if t.get("lat") is not None and t.get("lon") is not None:
                        out.append(t)
    return out


def best_distance(layers: list, name: str, lat: float, lon: float) -> tuple[float, str]:
    """Smallest distance from the gold point to any candidate (0 inside its polygon)."""
    from shapely.geometry import Point, shape

    best, kind = float("inf"), ""
    for layer in layers:
        for cand in layer.candidates(name, limit=1000):
            geom = cand.geometry
            if geom is None and cand.raw.get("has_polygon") and hasattr(layer, "geometry"):
                geom = layer.geometry(cand.id)
            polygon = geom is not None and geom.get("type") in ("Polygon", "MultiPolygon")
            if polygon and shape(geom).contains(Point(lon, lat)):
                return 0.0, cand.kind
            d = haversine_km(lat, lon, cand.lat, cand.lon)
            if d < best:
                best, kind = d, cand.kind
    return best, kind


def coverage(layers: list, toponyms: list[dict], show: int) -> dict[str, object]:
    hit = 0
    kinds: Counter[str] = Counter()
    missing: Counter[str] = Counter()
    far: Counter[str] = Counter()
    for t in toponyms:
        d, kind = best_distance(layers, t["name"], t["lat"], t["lon"])
        if d <= KM:
            hit += 1
            kinds[kind] += 1
        elif d == float("inf"):
            missing[t["name"]] += 1
        else:
            far[t["name"]] += 1
    n = len(toponyms)
    return {
        "toponyms": n,
        "covered": round(hit / n, 4) if n else 0.0,
        "no_candidate": round(sum(missing.values()) / n, 4) if n else 0.0,
        "too_far": round(sum(far.values()) / n, 4) if n else 0.0,
        "covered_by_kind": dict(kinds.most_common()),
        "top_no_candidate": missing.most_common(show),
        "top_too_far": far.most_common(show),
    }


def latency(gaz: OfflineGazetteer, names: list[str], n: int = 1000) -> dict[str, float]:
    sample = list(dict.fromkeys(names))[:n]
    gaz._lookup.cache_clear()  # cold per name: measure the SQLite path, not the cache
    times = []
    for name in sample:
        t0 = time.perf_counter()
        gaz.candidates(name)
        times.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    for name in sample:
        gaz.candidates(name)
    warm = (time.perf_counter() - t0) / max(1, len(sample))
    return {
        "names": len(sample),
        "cold_mean_ms": round(statistics.mean(times) * 1000, 3),
        "cold_p95_ms": round(sorted(times)[int(0.95 * (len(times) - 1))] * 1000, 3),
        "warm_mean_ms": round(warm * 1000, 4),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--bench", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "bench"
    )
    parser.add_argument("--index", type=Path, default=None)
    parser.add_argument("--sets", default="lgl")
    parser.add_argument("--show", type=int, default=25)
    parser.add_argument("--no-curated", action="store_true", help="offline index alone")
    args = parser.parse_args(argv)
    if not args.bench.is_dir():
        print(f"skipped: no bench directory at {args.bench}")
        return 0
    index = args.index or Settings().index_file
    t0 = time.perf_counter()
    ensure_index(index)
    gaz = OfflineGazetteer(index)
    curated = None
    if not args.no_curated:
        from geomap.gazetteer.curated import CuratedGazetteer

        curated = CuratedGazetteer(Settings().gazetteer_path)
    report: dict[str, object] = {
        "index": str(index),
        "index_mb": round(index.stat().st_size / 1e6, 1),
        "build_seconds": gaz.meta().get("build_seconds"),
        "open_seconds": round(time.perf_counter() - t0, 2),
    }
    for name in args.sets.split(","):
        path = args.bench / f"{name}.jsonl"
        if not path.exists():
            report[name] = "missing"
            continue
        toponyms = load_toponyms(path)
        report[name] = coverage([gaz], toponyms, args.show)
        if curated is not None:
            report[f"{name}_with_curated"] = coverage([curated, gaz], toponyms, 0)["covered"]
        report[f"{name}_latency"] = latency(gaz, [t["name"] for t in toponyms])
    json.dump(report, sys.stdout, indent=1, ensure_ascii=False)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
