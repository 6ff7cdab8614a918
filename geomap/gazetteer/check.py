"""Validation of the curated gazetteer files, for ``geomap gazetteer check`` and the tests.

Unlike :func:`geomap.gazetteer.curated.load_curated`, which stops at the first
bad feature, the checker reads everything and reports every problem it finds,
so an editor can fix a file in one pass.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shapely.geometry import shape
from shapely.validation import explain_validity

from geomap.errors import DataMissingError
from geomap.gazetteer.base import normalize
from geomap.gazetteer.curated import GEOMETRY_TYPES, gazetteer_files

ERROR = "error"
WARNING = "warning"
PRECISIONS = frozenset({"exact", "approximate"})
DEPTH = {  # list levels above a position, per geometry type
    "Point": 1,
    "MultiPoint": 2,
    "LineString": 2,
    "MultiLineString": 3,
    "Polygon": 3,
    "MultiPolygon": 4,
}


@dataclass(frozen=True)
class Problem:
    """One finding: ``level`` is "error" (the file must be fixed) or "warning"."""

    level: str
    file: str
    feature: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.feature}" if self.feature else self.file
        return f"{self.level}: {where}: {self.message}"


def check_gazetteer(directory: Path) -> list[Problem]:
    """Every problem in the curated files of ``directory``, errors and warnings."""
    directory = Path(directory)
    try:
        paths = gazetteer_files(directory)
    except DataMissingError as exc:
        return [Problem(ERROR, str(directory), None, str(exc))]
    problems: list[Problem] = []
    if not paths:
        problems.append(Problem(WARNING, str(directory), None, "no *.geojson files"))
    ids: dict[str, str] = {}
    names: dict[str, dict[str, str]] = {}  # normalized name -> {feature id: surface name}
    for path in paths:
        problems.extend(_check_file(path, ids, names))
    for key, owners in sorted(names.items()):
        if len(owners) > 1:
            listing = ", ".join(f"{fid} ({name!r})" for fid, name in sorted(owners.items()))
            first = sorted(owners)[0]
            problems.append(
                Problem(WARNING, ids.get(first, ""), first, f"name {key!r} is shared by {listing}")
            )
    return problems


def format_problems(problems: list[Problem]) -> str:
    """One line per problem, then a count line; 'ok' when there is nothing to say."""
    errors = sum(p.level == ERROR for p in problems)
    warnings = len(problems) - errors
    lines = [str(p) for p in sorted(problems, key=lambda p: (p.level != ERROR, p.file))]
    lines.append(f"{errors} error(s), {warnings} warning(s)" if problems else "ok: no problems")
    return "\n".join(lines)


def _check_file(path: Path, ids: dict[str, str], names: dict[str, dict[str, str]]) -> list[Problem]:
    file = path.name
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        return [Problem(ERROR, file, None, f"cannot read: {exc}")]
    except json.JSONDecodeError as exc:
        return [Problem(ERROR, file, None, f"invalid JSON: {exc}")]
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        return [Problem(ERROR, file, None, "not a GeoJSON FeatureCollection")]
    features = data.get("features")
    if not isinstance(features, list):
        return [Problem(ERROR, file, None, "FeatureCollection has no 'features' list")]
    problems: list[Problem] = []
    for index, feature in enumerate(features):
        problems.extend(_check_feature(feature, file, index, ids, names))
    return problems


def _check_feature(
    feature: Any, file: str, index: int, ids: dict[str, str], names: dict[str, dict[str, str]]
) -> list[Problem]:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        return [Problem(ERROR, file, f"#{index}", "not a GeoJSON Feature")]
    props = feature.get("properties")
    if not isinstance(props, dict):
        return [Problem(ERROR, file, f"#{index}", "no properties object")]
    fid = props.get("id") if isinstance(props.get("id"), str) and props.get("id") else None
    label = fid or f"#{index}"
    problems: list[Problem] = []

    def add(level: str, message: str) -> None:
        problems.append(Problem(level, file, label, message))

    for key in ("id", "name", "kind"):
        if not isinstance(props.get(key), str) or not props[key].strip():
            add(ERROR, f"missing or empty {key!r}")
    if fid is not None:
        if fid in ids:
            add(ERROR, f"duplicate id (also in {ids[fid]})")
        else:
            ids[fid] = file
    aliases = props.get("aliases", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        add(ERROR, "'aliases' must be a list of strings")
        aliases = []
    if fid is not None:
        surface = [props["name"]] if isinstance(props.get("name"), str) else []
        for name in surface + aliases:
            key = normalize(name)
            if key:
                names.setdefault(key, {}).setdefault(fid, name)
    for level, message in _names_problems(props, aliases):
        add(level, message)
    if props.get("precision") is not None and props["precision"] not in PRECISIONS:
        add(ERROR, f"precision must be 'exact' or 'approximate', not {props['precision']!r}")
    sources = props.get("sources")
    if not isinstance(sources, list) or not sources or not all(isinstance(s, str) for s in sources):
        add(WARNING, "no 'sources' (say where the coordinates come from)")
    gid = props.get("geonames_id")
    if gid is not None and (isinstance(gid, bool) or not isinstance(gid, int) or gid <= 0):
        add(ERROR, f"geonames_id must be a positive integer or null, not {gid!r}")
    country = props.get("country")
    if country is not None and not (
        isinstance(country, str) and len(country) == 2 and country.isalpha() and country.isupper()
    ):
        add(ERROR, f"country must be an ISO 3166-1 alpha-2 code or null, not {country!r}")
    problems.extend(Problem(lvl, file, label, msg) for lvl, msg in _geometry_problems(feature))
    return problems


LANG_TAG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")  # BCP 47: "hy", "az-Latn", "en"


def _names_problems(props: dict[str, Any], aliases: list[str]) -> list[tuple[str, str]]:
    """Optional ``names``: who calls the place what, for contested places. Each entry is
    ``{"name", "lang", "usage"?}``; the name must be the feature's name or an alias (the
    aliases are what the matcher reads), the language a BCP 47 tag."""
    names = props.get("names")
    if names is None:
        return []
    if not isinstance(names, list) or not names:
        return [(ERROR, "'names' must be a non-empty list of {name, lang, usage} objects")]
    known = {props.get("name"), *aliases}
    problems: list[tuple[str, str]] = []
    seen: set[tuple[str, str]] = set()
    for i, entry in enumerate(names):
        where = f"names[{i}]"
        if not isinstance(entry, dict):
            problems.append((ERROR, f"{where} must be an object with 'name' and 'lang'"))
            continue
        extra = set(entry) - {"name", "lang", "usage"}
        if extra:
            problems.append((ERROR, f"{where}: unknown keys {sorted(extra)}"))
        name, lang, usage = entry.get("name"), entry.get("lang"), entry.get("usage")
        if not isinstance(name, str) or not name.strip():
            problems.append((ERROR, f"{where}: missing or empty 'name'"))
            continue
        if name not in known:
            problems.append((ERROR, f"{where}: {name!r} is neither the name nor an alias"))
        if not isinstance(lang, str) or not LANG_TAG.match(lang):
            problems.append(
                (ERROR, f"{where}: 'lang' must be a BCP 47 tag such as 'hy', not {lang!r}")
            )
        if usage is not None and (not isinstance(usage, str) or not usage.strip()):
            problems.append((ERROR, f"{where}: 'usage' must be a non-empty string when given"))
        key = (name, str(lang))
        if key in seen:
            problems.append((WARNING, f"{where}: {name!r} ({lang}) is listed twice"))
        seen.add(key)
    return problems


def _geometry_problems(feature: dict[str, Any]) -> list[tuple[str, str]]:
    geometry = feature.get("geometry")
    if not isinstance(geometry, dict):
        return [(ERROR, "no geometry")]
    gtype = geometry.get("type")
    if gtype not in GEOMETRY_TYPES:
        return [(ERROR, f"unsupported geometry type {gtype!r}")]
    coords: Any = geometry.get("coordinates")
    positions = list(_positions(coords))
    if not positions or any(p is None for p in positions) or not _nested(coords, DEPTH[gtype]):
        return [(ERROR, f"malformed {gtype} coordinates")]
    problems: list[tuple[str, str]] = []
    bad = [
        p for p in positions if p is not None and not (-180 <= p[0] <= 180 and -90 <= p[1] <= 90)
    ]
    if bad:
        lon, lat = bad[0]
        hint = " (lat/lon swapped?)" if -90 <= lon <= 90 and -180 <= lat <= 180 else ""
        problems.append((ERROR, f"coordinate [{lon}, {lat}] out of range{hint}"))
        return problems
    if gtype in ("Polygon", "MultiPolygon"):
        polygons = [coords] if gtype == "Polygon" else coords
        for polygon in polygons:
            for ring_index, ring in enumerate(polygon):
                which = "exterior" if ring_index == 0 else f"interior ring {ring_index}"
                if len(ring) < 4:
                    problems.append((ERROR, f"{which} has fewer than 4 positions"))
                    continue
                if list(ring[0][:2]) != list(ring[-1][:2]):
                    problems.append((ERROR, f"{which} is not closed (first != last position)"))
                    continue
                area = _signed_area(ring)
                if ring_index == 0 and area < 0:
                    problems.append(
                        (ERROR, "exterior ring is clockwise (RFC 7946: counter-clockwise)")
                    )
                elif ring_index > 0 and area > 0:
                    problems.append((ERROR, f"{which} is counter-clockwise (RFC 7946: clockwise)"))
        if problems:
            return problems
    try:
        geom = shape(geometry)
    except Exception as exc:  # shapely raises several types for malformed coordinates
        return [(ERROR, f"malformed {gtype}: {exc}")]
    if geom.is_empty:
        problems.append((ERROR, f"empty {gtype}"))
    elif not geom.is_valid:
        problems.append((ERROR, f"invalid {gtype}: {explain_validity(geom)}"))
    return problems


def _nested(coords: Any, depth: int) -> bool:
    """True when every position sits exactly ``depth`` list levels deep."""
    if depth == 1:
        return isinstance(coords, list) and all(isinstance(c, (int, float)) for c in coords)
    return (
        isinstance(coords, list)
        and bool(coords)
        and all(_nested(item, depth - 1) for item in coords)
    )


def _positions(coords: Any) -> Any:
    """Yield every (lon, lat) pair of a coordinates array, or None for a malformed one."""
    if isinstance(coords, list) and coords and all(isinstance(c, (int, float)) for c in coords):
        if len(coords) >= 2 and not any(isinstance(c, bool) for c in coords):
            yield (float(coords[0]), float(coords[1]))
        else:
            yield None
    elif isinstance(coords, list):
        for item in coords:
            yield from _positions(item)
    else:
        yield None


def _signed_area(ring: list[list[float]]) -> float:
    """Shoelace area: positive when the ring runs counter-clockwise."""
    total = 0.0
    for (x1, y1, *_), (x2, y2, *_) in zip(ring, ring[1:], strict=False):
        total += x1 * y2 - x2 * y1
    return total / 2
