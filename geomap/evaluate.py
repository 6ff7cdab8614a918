"""Scoring geomap (or anything with the same ``parse`` method) against gold geoparsing corpora.

The gold format is the JSONL of ``../shared/bench``: one document per line with ``id``,
``text`` and ``toponyms`` (``start``, ``end``, ``name``, ``lat``, ``lon``, ``geonameid``).

Matching and denominators (chosen so that every number says what it counts):

* A prediction matches a gold toponym when their spans overlap (any overlap); matching is
  one-to-one, greedy by overlap length (then by distance between starts). A prediction that
  loses a gold span to a better-overlapping one is a false positive.
* Gold toponyms without coordinates are ignored, as EUPEG does: a prediction that overlaps one
  is neither a true nor a false positive, and they are not in the recall denominator. The
  ``recognition_all`` block counts every gold span, for information.
* Error of a placed prediction: 0 km when its geometry is a (Multi)Polygon covering the gold
  point, else the great-circle distance from the gold point to the nearest point of the
  geometry (nearest point found in lon/lat by shapely, distance by haversine).
* acc@161 counts ``error < 161`` km (EUPEG's rule). AUC follows Jurgens et al. 2015 as used by
  Gritta and EUPEG: sorted errors, ``ln(1 + km) / ln(20039)``, trapezoid rule, ``/ (n - 1)``.
* End-to-end F1@161: a true positive is a placed prediction matched to a gold toponym with
  coordinates and placed within 161 km. Precision divides by the placed predictions (minus the
  ignored ones): an abstention is not drawn on the map, so it is not a prediction here, though
  it is one for recognition. Recall divides by the gold toponyms with coordinates.

Two scorings of the same predictions, reported side by side:

* polygon-aware (the error above): a polygon holding the gold point is 0 km away, so naming
  the right country is always right, wherever inside it the gold point lies;
* point-based (comparable with the published figures, which score one point per toponym): a
  placed prediction is right when its ``geonames_id`` equals the gold's ``geonameid``
  (error 0 km), else its error is the great-circle distance from its ``point`` (one [lon, lat]
  per place; an inside point of the geometry when the prediction has none) to the gold point.
"""

from __future__ import annotations

import math
import statistics
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from geomap.articles import iter_jsonl
from geomap.errors import InputError
from geomap.gazetteer.base import haversine_km
from geomap.models import Article, Geometry, ParseResult

ACC_KM = 161.0
MAX_KM = 20039.0  # half the Earth's circumference: the AUC's scale
TOP = 25


# --------------------------------------------------------------------------- gold


@dataclass(frozen=True)
class GoldToponym:
    start: int
    end: int
    name: str
    lat: float | None = None
    lon: float | None = None
    geonameid: int | None = None
    # A village is right only close to it: the front-line sets give 25 km (ACC_KM otherwise).
    tolerance_km: float | None = None
    population: int | None = None  # for the error report by population band

    @property
    def limit_km(self) -> float:
        return self.tolerance_km if self.tolerance_km is not None else ACC_KM

    @property
    def has_coords(self) -> bool:
        return self.lat is not None and self.lon is not None


@dataclass(frozen=True)
class GoldDoc:
    id: str
    text: str
    toponyms: tuple[GoldToponym, ...] = ()


def _toponym(raw: Any, where: str) -> GoldToponym:
    if not isinstance(raw, dict):
        raise InputError(f"{where}: a toponym must be an object, not {type(raw).__name__}")
    try:
        start, end, name = int(raw["start"]), int(raw["end"]), str(raw["name"])
        lat, lon, gid = raw.get("lat"), raw.get("lon"), raw.get("geonameid")
        lat = None if lat is None else float(lat)
        lon = None if lon is None else float(lon)
        gid = None if gid is None else int(gid)
        tol, pop = raw.get("tolerance_km"), raw.get("population")
        tol = None if tol is None else float(tol)
        pop = None if pop is None else int(pop)
    except KeyError as exc:
        raise InputError(f"{where}: toponym lacks {exc.args[0]!r}") from exc
    except (TypeError, ValueError) as exc:
        raise InputError(f"{where}: bad toponym value: {exc}") from exc
    if not 0 <= start <= end:
        raise InputError(f"{where}: bad toponym span [{start}, {end})")
    if (lat is None) != (lon is None):
        raise InputError(f"{where}: toponym {name!r} has only one of lat/lon")
    return GoldToponym(start, end, name, lat, lon, gid, tol, pop)


def load_gold(path: str | Path) -> list[GoldDoc]:
    """Read a gold JSONL file; malformed input raises InputError naming the file and line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")  # iter_jsonl splits on "\n" only (U+2028)
    except FileNotFoundError as exc:
        raise InputError(f"{path}: no such file") from exc
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text") from exc
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    docs: list[GoldDoc] = []
    seen: set[str] = set()
    for number, raw in iter_jsonl(text, str(path)):
        where = f"{path} line {number}"
        if not isinstance(raw, dict) or not isinstance(raw.get("text"), str):
            raise InputError(f"{where}: expected an object with a string 'text'")
        doc_id = str(raw.get("id", number))
        if doc_id in seen:
            raise InputError(f"{where}: duplicate document id {doc_id!r}")
        seen.add(doc_id)
        toponyms = raw.get("toponyms", [])
        if not isinstance(toponyms, list):
            raise InputError(f"{where}: 'toponyms' must be a list")
        tops = tuple(sorted((_toponym(t, where) for t in toponyms), key=lambda t: (t.start, t.end)))
        for t in tops:
            if t.end > len(raw["text"]):
                raise InputError(f"{where}: toponym {t.name!r} ends past the text")
        docs.append(GoldDoc(doc_id, raw["text"], tops))
    if not docs:
        raise InputError(f"{path}: no documents")
    return docs


# --------------------------------------------------------------------------- predictions


class Prediction(NamedTuple):
    """One predicted mention. The first six fields are the scoring contract; ``name``,
    ``reason`` (why an abstention abstained) and ``label`` only feed the error analysis."""

    start: int
    end: int
    text: str
    geometry: Geometry | None
    place_id: str | None = None
    kind: str | None = None
    name: str | None = None
    reason: str | None = None
    label: str | None = None  # how the mention was found (GPE, gazetteer, ...)
    geonames_id: int | None = None  # point-based scoring: the same GeoNames place is right
    point: tuple[float, float] | None = None  # (lon, lat); None = a point inside the geometry

    @property
    def placed(self) -> bool:
        return self.geometry is not None


def predictions_from_result(result: ParseResult) -> dict[str, list[Prediction]]:
    """Group a ParseResult's resolutions (resolved and abstained) by article id."""
    out: dict[str, list[Prediction]] = defaultdict(list)
    for res in result.resolutions:
        m, place = res.mention, res.place
        out[m.article_id].append(
            Prediction(
                m.start,
                m.end,
                m.text,
                place.geometry if place is not None else None,
                place.id if place is not None else None,
                place.kind if place is not None else None,
                place.name if place is not None else None,
                None if place is not None else res.why,
                m.label or None,
                place.geonames_id if place is not None else None,
                tuple(place.point) if place is not None else None,  # type: ignore[arg-type]
            )
        )
    return dict(out)


# --------------------------------------------------------------------------- distances


class _Shapes:
    """shapely geometries built once per place (country polygons are big)."""

    def __init__(self) -> None:
        self._cache: dict[Any, Any] = {}

    def get(self, geometry: Geometry, key: str | None) -> Any:
        from shapely.geometry import shape

        cache_key = key if key is not None else id(geometry)
        found = self._cache.get(cache_key)
        if found is None:
            try:
                found = shape(geometry)
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                raise InputError(f"bad predicted geometry for {key or 'a mention'}: {exc}") from exc
            if not found.is_valid:  # a self-intersecting ring would make covers() raise
                from shapely.validation import make_valid

                found = make_valid(found)
            self._cache[cache_key] = found
        return found


def error_km(
    geometry: Geometry,
    lat: float,
    lon: float,
    *,
    shapes: _Shapes | None = None,
    key: str | None = None,
) -> float:
    """Distance from the gold point to the geometry; 0 inside a (Multi)Polygon."""
    if geometry.get("type") == "Point":
        plon, plat = geometry["coordinates"][:2]
        return haversine_km(lat, lon, float(plat), float(plon))
    from shapely.geometry import Point
    from shapely.ops import nearest_points

    geom = (shapes or _Shapes()).get(geometry, key)
    if geom.is_empty:
        raise InputError(f"empty predicted geometry for {key or 'a mention'}")
    gold = Point(lon, lat)
    if geom.geom_type in ("Polygon", "MultiPolygon", "GeometryCollection") and geom.covers(gold):
        return 0.0
    near = nearest_points(geom, gold)[0]
    return haversine_km(lat, lon, near.y, near.x)


def point_error_km(p: Prediction, g: GoldToponym, *, shapes: _Shapes | None = None) -> float:
    """Point-based error: 0 for the gold's own GeoNames id, else point-to-point km."""
    assert g.lat is not None and g.lon is not None and p.geometry is not None
    if g.geonameid is not None and p.geonames_id == g.geonameid:
        return 0.0
    if p.point is not None:
        lon, lat = p.point
    elif p.geometry.get("type") == "Point":
        lon, lat = (float(v) for v in p.geometry["coordinates"][:2])
    else:
        inside = (shapes or _Shapes()).get(p.geometry, p.place_id).representative_point()
        lon, lat = inside.x, inside.y
    return haversine_km(g.lat, g.lon, float(lat), float(lon))


def auc(errors: Sequence[float]) -> float | None:
    """Area under the sorted log-error curve, scaled to [0, 1]; lower is better."""
    if not errors:
        return None
    scaled = [math.log1p(e) / math.log(MAX_KM) for e in sorted(errors)]
    if len(scaled) == 1:
        return scaled[0]
    area = sum((a + b) / 2 for a, b in zip(scaled, scaled[1:], strict=False))
    return area / (len(scaled) - 1)


def _prf(tp: int, n_pred: int, n_gold: int) -> dict[str, float | int]:
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"tp": tp, "predicted": n_pred, "gold": n_gold, "precision": p, "recall": r, "f1": f}


# --------------------------------------------------------------------------- matching


def match_spans(
    gold: Sequence[GoldToponym], preds: Sequence[Prediction]
) -> tuple[dict[int, int], set[int]]:
    """One-to-one greedy overlap matching: ({pred index: gold index}, ignored pred indexes).

    A prediction is ignored when it is matched to, or overlaps, a gold toponym without
    coordinates (and is not matched to one with coordinates)."""
    pairs = []
    for pi, p in enumerate(preds):
        for gi, g in enumerate(gold):
            overlap = min(p.end, g.end) - max(p.start, g.start)
            if overlap > 0:
                pairs.append((-overlap, abs(p.start - g.start), gi, pi))
    pairs.sort()
    matched: dict[int, int] = {}
    used: set[int] = set()
    for _, _, gi, pi in pairs:
        if pi not in matched and gi not in used:
            matched[pi] = gi
            used.add(gi)
    ignored = set()
    for _, _, gi, pi in pairs:
        if not gold[gi].has_coords and (pi not in matched or not gold[matched[pi]].has_coords):
            ignored.add(pi)
    return matched, ignored


# --------------------------------------------------------------------------- report


@dataclass
class ErrorCase:
    doc: str
    start: int
    end: int
    text: str
    detail: dict[str, Any] = field(default_factory=dict)


CATEGORIES = {
    "not_recognized": "gold toponym with no overlapping prediction",
    "false_positive": "prediction overlapping no gold toponym",
    "abstained": "recognised but not placed (no candidate / below threshold)",
    "wrong_candidate": f"placed {ACC_KM:g} km or more from the gold point",
    "wrong_geometry": f"right GeoNames id but geometry {ACC_KM:g} km or more away",
}


@dataclass
class Report:
    """Every metric of one gold file, plus the cases behind each error category."""

    name: str
    docs: int
    recognition: dict[str, Any]
    recognition_all: dict[str, Any]
    resolution: dict[str, Any]
    end_to_end: dict[str, Any]
    errors: dict[str, list[ErrorCase]]
    ignored: int = 0
    seconds: float | None = None
    # gold toponyms by population band -> outcome (right, wrong, abstained, not_recognized)
    bands: dict[str, dict[str, int]] = field(default_factory=dict)
    # the same predictions scored point-based (see the module docstring)
    resolution_point: dict[str, Any] = field(default_factory=dict)
    end_to_end_point: dict[str, Any] = field(default_factory=dict)

    def as_dict(self, *, top: int = TOP, cases: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "docs": self.docs,
            "recognition": self.recognition,
            "recognition_all_gold": self.recognition_all,
            "resolution": self.resolution,
            "end_to_end": self.end_to_end,
            "resolution_point": self.resolution_point,
            "end_to_end_point": self.end_to_end_point,
            "ignored_predictions": self.ignored,
            "seconds": self.seconds,
            "docs_per_second": (self.docs / self.seconds) if self.seconds else None,
            "errors": {
                cat: {"count": len(items), "top": self.top_strings(cat, top)}
                for cat, items in self.errors.items()
            },
            "by_population": self.bands,
        }
        if cases:
            for cat, items in self.errors.items():
                out["errors"][cat]["cases"] = [vars(c) for c in items]
        return out

    def top_strings(self, category: str, n: int = TOP) -> list[tuple[str, int]]:
        return Counter(c.text for c in self.errors.get(category, [])).most_common(n)

    def top_wrong(
        self, category: str, n: int = TOP
    ) -> list[tuple[tuple[str, str, str], int, float]]:
        """Most frequent (surface, predicted place, gold name) with the median distance."""
        groups: dict[tuple[str, str, str], list[float]] = defaultdict(list)
        for c in self.errors.get(category, []):
            d = c.detail
            pred = f"{d.get('predicted_name') or '?'} ({d.get('predicted_id') or '?'})"
            groups[(c.text, pred, str(d.get("gold_name")))].append(float(d.get("km", 0.0)))
        ranked = sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))[:n]
        return [(k, len(v), statistics.median(v)) for k, v in ranked]

    def by_label(self, category: str) -> list[tuple[str, int]]:
        """How the mentions of a category were found (spaCy label, gazetteer matcher...)."""
        return Counter(
            str(c.detail.get("label") or "?") for c in self.errors.get(category, [])
        ).most_common()

    def top_reasons(self, n: int = TOP) -> list[tuple[str, int]]:
        return Counter(
            str(c.detail.get("reason") or "?") for c in self.errors.get("abstained", [])
        ).most_common(n)

    def format_text(self, *, errors: bool = False, top: int = TOP) -> str:
        rec, rall, res, e2e = (
            self.recognition,
            self.recognition_all,
            self.resolution,
            self.end_to_end,
        )
        lines = [f"== {self.name}: {self.docs} documents"]
        if self.seconds:
            lines[0] += f", {self.seconds:.1f} s ({self.docs / self.seconds:.1f} docs/s)"
        lines.append(f"{'':28}{'P':>7}{'R':>7}{'F1':>7}{'TP':>7}{'pred':>7}{'gold':>7}")
        for label, m in (
            ("recognition (gold w/ coords)", rec),
            ("recognition (all gold)", rall),
            ("end-to-end F1@161 polygon", e2e),
            ("end-to-end F1@161 point", self.end_to_end_point),
        ):
            lines.append(
                f"{label:28}{m['precision']:7.3f}{m['recall']:7.3f}{m['f1']:7.3f}"
                f"{m['tp']:7d}{m['predicted']:7d}{m['gold']:7d}"
            )
        lines.append(f"ignored predictions (overlap gold without coordinates): {self.ignored}")

        def fmt(v: float | None, spec: str) -> str:
            return "-" if v is None else format(v, spec)

        lines.append(f"resolution over {res['matched']} matched mentions, {res['placed']} placed:")
        for label, r in (("polygon", res), ("point", self.resolution_point)):
            lines.append(
                f"  {label:8}acc@161 placed {fmt(r['acc161_placed'], '.3f')}, "
                f"all matched {fmt(r['acc161_matched'], '.3f')}; "
                f"AUC {fmt(r['auc'], '.3f')}; "
                f"mean {fmt(r['mean_km'], '.1f')} km, median {fmt(r['median_km'], '.1f')} km"
            )
        counts = ", ".join(f"{cat} {len(items)}" for cat, items in self.errors.items())
        lines.append(f"errors: {counts}")
        if errors:
            lines.extend(self._format_errors(top))
        return "\n".join(lines)

    def _format_bands(self) -> list[str]:
        """Recognition misses apart from resolution errors, by the place's population."""
        lines = ["", "-- gold toponyms by population band"]
        lines.append(
            f"{'band':>10}{'gold':>7}{'right':>7}{'missed':>8}{'abstain':>9}{'wrong':>7}"
            f"{'recall':>8}"
        )
        for band in BANDS:
            c = self.bands.get(band)
            if not c:
                continue
            n = sum(c.values())
            lines.append(
                f"{band:>10}{n:7d}{c.get('right', 0):7d}{c.get('not_recognized', 0):8d}"
                f"{c.get('abstained', 0):9d}{c.get('wrong', 0):7d}{c.get('right', 0) / n:8.3f}"
            )
        return lines

    def _format_errors(self, top: int) -> list[str]:
        lines: list[str] = self._format_bands()
        for cat, what in CATEGORIES.items():
            items = self.errors.get(cat, [])
            lines.append("")
            lines.append(f"-- {cat} ({len(items)}): {what}")
            if cat in ("wrong_candidate", "wrong_geometry"):
                for (text, pred, gold), n, km in self.top_wrong(cat, top):
                    lines.append(f"{n:6d}  {text!r} -> {pred}; gold {gold!r}; median {km:.0f} km")
                continue
            if cat != "not_recognized":
                labels = ", ".join(f"{lab} {n}" for lab, n in self.by_label(cat))
                lines.append(f"        found by: {labels}")
            if cat == "abstained":
                reasons = "; ".join(f"{r} ({n})" for r, n in self.top_reasons(5))
                lines.append(f"        reasons: {reasons}")
            for text, n in self.top_strings(cat, top):
                lines.append(f"{n:6d}  {text!r}")
        return lines


BANDS = ("< 1,000", "< 20,000", "larger", "unknown")


def population_band(population: int | None) -> str:
    if population is None:
        return "unknown"
    if population < 1_000:
        return "< 1,000"
    return "< 20,000" if population < 20_000 else "larger"


def score(
    gold_docs: Sequence[GoldDoc],
    predictions: Mapping[str, Iterable[Any]] | Sequence[Iterable[Any]],
    *,
    name: str = "gold",
    exclude_kinds: Iterable[str] = (),
    population_of: Callable[[int], int | None] | None = None,
) -> Report:
    """Score predictions (per doc: (start, end, text, geometry, place_id, kind) tuples or
    :class:`Prediction`) against gold documents. ``predictions`` is a mapping by doc id or a
    sequence aligned with ``gold_docs``. Predictions whose ``kind`` is in ``exclude_kinds``
    (e.g. ``demonym``, for a corpus that does not annotate them) are dropped first."""
    skip = set(exclude_kinds)
    if isinstance(predictions, Mapping):
        per_doc = [list(predictions.get(d.id, ())) for d in gold_docs]
    else:
        per_doc = [list(p) for p in predictions]
        if len(per_doc) != len(gold_docs):
            raise InputError(f"{len(per_doc)} prediction lists for {len(gold_docs)} gold documents")
    shapes = _Shapes()
    n_gold = n_gold_all = 0
    rec_tp = rec_pred = all_tp = all_pred = ignored_total = 0
    e2e_tp = e2e_pred = e2e_point_tp = 0
    matched_n = 0
    placed_errors: list[float] = []
    point_errors: list[float] = []
    errors: dict[str, list[ErrorCase]] = {cat: [] for cat in CATEGORIES}
    bands: dict[str, Counter[str]] = {band: Counter() for band in BANDS}

    for doc, raw_preds in zip(gold_docs, per_doc, strict=True):
        preds = [p if isinstance(p, Prediction) else Prediction(*p) for p in raw_preds]
        preds = [p for p in preds if p.kind not in skip] if skip else preds
        gold = doc.toponyms
        matched, ignored = match_spans(gold, preds)
        n_gold += sum(1 for g in gold if g.has_coords)
        n_gold_all += len(gold)
        all_tp += len(matched)
        all_pred += len(preds)
        ignored_total += len(ignored)
        gold_hit: set[int] = set()
        outcome: dict[int, str] = {}
        for pi, p in enumerate(preds):
            if pi in ignored:
                continue
            rec_pred += 1
            if p.placed:
                e2e_pred += 1
            gi = matched.get(pi)
            if gi is None:
                errors["false_positive"].append(
                    ErrorCase(doc.id, p.start, p.end, p.text, _pred_detail(p))
                )
                continue
            g = gold[gi]
            assert g.lat is not None and g.lon is not None  # ignored otherwise
            gold_hit.add(gi)
            rec_tp += 1
            matched_n += 1
            if not p.placed:
                outcome.setdefault(gi, "abstained")
                errors["abstained"].append(
                    ErrorCase(
                        doc.id,
                        p.start,
                        p.end,
                        p.text,
                        {"gold_name": g.name, "reason": p.reason, "label": p.label},
                    )
                )
                continue
            assert p.geometry is not None
            km = error_km(p.geometry, g.lat, g.lon, shapes=shapes, key=p.place_id)
            placed_errors.append(km)
            point_km = point_error_km(p, g, shapes=shapes)
            point_errors.append(point_km)
            e2e_point_tp += point_km < g.limit_km
            if km < g.limit_km:
                e2e_tp += 1
                outcome[gi] = "right"
                continue
            outcome[gi] = "wrong"
            detail = _pred_detail(p) | {
                "gold_name": g.name,
                "gold_lat": g.lat,
                "gold_lon": g.lon,
                "gold_geonameid": g.geonameid,
                "km": round(km, 1),
            }
            same_id = g.geonameid is not None and p.place_id == f"geonames:{g.geonameid}"
            cat = "wrong_geometry" if same_id else "wrong_candidate"
            errors[cat].append(ErrorCase(doc.id, p.start, p.end, p.text, detail))
        for gi, g in enumerate(gold):
            if not g.has_coords:
                continue
            if gi not in gold_hit:
                errors["not_recognized"].append(
                    ErrorCase(doc.id, g.start, g.end, g.name, {"geonameid": g.geonameid})
                )
            pop = g.population
            if pop is None and population_of is not None and g.geonameid is not None:
                pop = population_of(g.geonameid)
            bands[population_band(pop)][outcome.get(gi, "not_recognized")] += 1

    return Report(
        name=name,
        docs=len(gold_docs),
        recognition=_prf(rec_tp, rec_pred, n_gold),
        recognition_all=_prf(all_tp, all_pred, n_gold_all),
        resolution=_resolution(placed_errors, matched_n),
        end_to_end=_prf(e2e_tp, e2e_pred, n_gold),
        errors=errors,
        ignored=ignored_total,
        bands={band: dict(c) for band, c in bands.items() if c},
        resolution_point=_resolution(point_errors, matched_n),
        end_to_end_point=_prf(e2e_point_tp, e2e_pred, n_gold),
    )


def _resolution(placed_errors: list[float], matched_n: int) -> dict[str, Any]:
    """acc@161, AUC and mean/median error over the matched mentions' errors (km)."""
    hits = sum(1 for e in placed_errors if e < ACC_KM)
    return {
        "matched": matched_n,
        "placed": len(placed_errors),
        "acc161_placed": hits / len(placed_errors) if placed_errors else None,
        "acc161_matched": hits / matched_n if matched_n else None,
        "auc": auc(placed_errors),
        # unplaced counted as the worst error: comparable across abstention thresholds
        "auc_matched": auc(placed_errors + [MAX_KM] * (matched_n - len(placed_errors))),
        "mean_km": statistics.fmean(placed_errors) if placed_errors else None,
        "median_km": statistics.median(placed_errors) if placed_errors else None,
    }


def _pred_detail(p: Prediction) -> dict[str, Any]:
    return {"predicted_id": p.place_id, "predicted_name": p.name, "kind": p.kind, "label": p.label}


# --------------------------------------------------------------------------- running


class Parser(Protocol):
    def parse(self, articles: Sequence[Article]) -> ParseResult: ...


def _batches(items: Sequence[GoldDoc], size: int) -> Iterator[Sequence[GoldDoc]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def evaluate(
    path: str | Path,
    engine: Parser,
    *,
    limit: int | None = None,
    progress: bool = True,
    batch_size: int = 32,
    exclude_kinds: Iterable[str] = (),
    population_of: Callable[[int], int | None] | None = None,
) -> Report:
    """Run ``engine.parse`` over a gold file (one process, one model load) and score it;
    ``population_of`` (a GeoNames id's population) sorts the gold into population bands."""
    docs = load_gold(path)
    if limit is not None:
        docs = docs[:limit]
    predictions: dict[str, list[Prediction]] = {}
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(docs), desc=Path(path).name, unit="doc", leave=False)
    started = time.perf_counter()
    try:
        for batch in _batches(docs, batch_size):
            articles = [Article(id=d.id, text=d.text) for d in batch]
            result = engine.parse(articles)
            for doc_id, preds in predictions_from_result(result).items():
                predictions.setdefault(doc_id, []).extend(preds)
            if bar is not None:
                bar.update(len(batch))
    finally:
        if bar is not None:
            bar.close()
    seconds = time.perf_counter() - started
    report = score(
        docs,
        predictions,
        name=Path(path).name,
        exclude_kinds=exclude_kinds,
        population_of=population_of,
    )
    report.seconds = seconds
    return report
