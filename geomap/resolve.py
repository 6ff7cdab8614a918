"""Choosing a place for each mention, with the whole article as context.

A careful reader's cues, in order of strength: an explicit qualifier ("Paris,
Texas"), the curated gazetteer, the kind of place a bare name usually means (a
bare country name is the country), the countries and states the article is
about, closeness to the other places it names, and only then population. Each
decision keeps a confidence and a short explanation; below the threshold the
resolver abstains rather than guess.
"""

from __future__ import annotations

import bisect
import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from geomap.extract import CUE, LISTED, POSSIBLE, REGION_HINT, name_variants
from geomap.gazetteer.base import haversine_km, normalize
from geomap.models import (
    Candidate,
    Focus,
    FocusArea,
    Mention,
    Place,
    Resolution,
    geometry_bounds,
)

KIND_PRIOR = {
    "country": 4.0,
    "continent": 3.5,
    "admin1": 2.5,
    "demonym": 2.0,
    "region": 2.5,
    "province": 2.5,
    "exclave": 2.5,
    "corridor": 2.5,
    "sea": 2.5,
    "ocean": 3.0,
    "river": 2.0,
    "strait": 2.5,
    "lake": 2.0,
    "county": 1.5,
    "city": 0.0,
}
CURATED_BONUS = 5.0  # curated entries are deliberate: bare "Gaza" is the Gaza Strip
QUALIFIER_MATCH = 6.0
QUALIFIER_MISS = -3.0
COUNTRY_CONTEXT = 1.5
ADMIN1_CONTEXT = 2.0
NEAR_CONTEXT = 1.5
NEAR_KM = 300.0
NEAR_DEG_LAT = NEAR_KM / 111.0 + 0.01  # on haversine_km's sphere a degree of latitude is 111.2 km
TEMPERATURE = 1.0
POPULATION_WEIGHT = 1.0  # per factor of ten
ADMIN_POP_FACTOR = (
    0.75  # LGL/GWN/GeoVirus 200-doc F1: 0.5 .679/.803/.819, 0.75 .685/.808/.830, 1.0 .682/.811/.833
)
CONTEXT_MIN_WEIGHT = 0.15  # pass-1 readings at least this likely shape the article's context
CONTEXT_READINGS = 3  # how many readings of each name count as context
PROVINCE_OF_CITY = -3.0
CITY_SHARE_OF_PROVINCE = 0.5
STRAY_CONFIDENCE = 0.3  # below the default threshold: such a reading is reported, not drawn
STRAY_MAX_POPULATION = 1_000_000
REGION_KINDS = {"admin1", "region", "province", "county", "exclave"}
REGION_SUFFIXES = (
    "Oblast",
    "Region",
    "Province",
    "Governorate",
    "State",
    "District",
    "County",
    "Prefecture",
    "Krai",
)
SAME_PLACE_KM = 50.0  # candidates this close are one place listed twice, not ambiguity
# Kinds small enough that "near the other places" means something.
POINT_KINDS = {"city", "village-group", "county", "town", "village", "building", "crossing"}

Lookup = Callable[[str], list[Candidate]]
NOT_FOUND = "not in the offline gazetteers"  # the reason for a name no gazetteer layer has
BIG_NAMESAKE = 1_000_000  # a cued name may still mean a famous place outside the focus


def _in_focus(c: Candidate, focus: Focus) -> bool:
    """Whether a candidate lies where the article is (a focus country or region)."""
    if c.kind in ("demonym", "continent"):
        return False
    region = _admin1_key(c)
    return c.country in focus.main_countries() or (
        region is not None and focus.region_weight(region) > 0
    )


def _cue_candidates(g: _Group, focus: Focus) -> list[Candidate]:
    """Where a name the text marks as a place can be: inside the region the text names
    ("two villages in Gegharkunik"), else inside the article's focus; a namesake elsewhere
    only when it is famous (a capital, a city of millions)."""
    found = g.candidates
    inside_named = [
        c
        for c in found
        if any(
            _same_admin1(c, q) or (q.kind == "country" and c.country == q.country)
            for q in g.qualifiers
        )
    ]
    if inside_named:
        return inside_named
    # (a list read as a qualifier, "Jenin, Tubas and ...", names no region it lies in)
    if not focus.countries:
        return found
    inside = [c for c in found if _in_focus(c, focus)]
    if inside:
        return inside
    return [c for c in found if c.feature_code == "PPLC" or c.population >= BIG_NAMESAKE]


@dataclass
class _Group:
    """All mentions of one name in one article: one sense per article."""

    key: str
    mentions: list[Mention]
    candidates: list[Candidate] = field(default_factory=list)
    qualifiers: list[Candidate] = field(default_factory=list)


def _population_term(c: Candidate) -> float:
    # A region's head count says less about how often a bare name means it than a city's.
    weight = POPULATION_WEIGHT if c.kind == "city" else POPULATION_WEIGHT * ADMIN_POP_FACTOR
    return weight * math.log10(max(c.population, 0) + 1)


def _same_admin1(c: Candidate, q: Candidate) -> bool:
    if q.kind != "admin1" or c.country != q.country:
        return False
    qcode = q.admin1 or q.source_id.split("-", 1)[-1]
    if c.admin1 and qcode and c.admin1.upper() == str(qcode).upper():
        return True
    name = c.raw.get("admin1_name") if isinstance(c.raw, dict) else None
    return bool(name) and normalize(str(name)) == normalize(q.name)


def _curated_supersedes(found: list[Candidate]) -> list[Candidate]:
    """The curated layer is deliberate: a general-layer entry for the same place is dropped."""
    curated = [c for c in found if c.source == "curated"]
    if not curated:
        return found
    out = list(curated)
    for c in found:
        if c.source == "curated":
            continue
        if any(
            haversine_km(c.lat, c.lon, k.lat, k.lon) < SAME_PLACE_KM or _inside(k, c)
            for k in curated
        ):
            continue
        out.append(c)
    return out


def _inside(area: Candidate, c: Candidate) -> bool:
    geom = area.geometry
    if not geom or geom.get("type") not in ("Polygon", "MultiPolygon"):
        return False
    from shapely.geometry import Point, shape

    return bool(shape(geom).contains(Point(c.lon, c.lat)))


def _is_area(c: Candidate) -> bool:
    return c.geometry is not None and c.geometry.get("type") in ("Polygon", "MultiPolygon")


def _admin1_key(c: Candidate) -> str | None:
    """The id of the admin-1 region a candidate is (or lies in), to compare across layers."""
    if c.kind == "admin1":
        return c.id
    raw = c.raw if isinstance(c.raw, dict) else {}
    return raw.get("admin1_id") or None


def _base_score(c: Candidate) -> tuple[float, list[str]]:
    why = []
    score = KIND_PRIOR.get(c.kind, 1.0)
    if c.source == "curated":
        score += CURATED_BONUS
        why.append("curated gazetteer")
    if c.primary or c.source == "curated":  # curated aliases are deliberate, not noise
        score += 1.0
        why.append("primary name" if c.primary else f"curated alias '{c.matched}'")
    else:
        score -= 1.0
        why.append(f"alias '{c.matched}'")
    if c.population:
        score += _population_term(c)
        why.append(f"population {c.population:,}")
    if c.feature_code == "PPLC":
        score += 1.0
        why.append("capital")
    return score, why


class Resolver:
    """Resolves the mentions of one article at a time."""

    def __init__(
        self,
        lookup: Lookup,
        *,
        threshold: float = 0.35,
        geometry: Callable[[Candidate], dict | None] | None = None,
        get: Callable[[str], Candidate | None] | None = None,
        spelled_like: Callable[[str, list[str]], list[Candidate]] | None = None,
    ) -> None:
        self.lookup = lookup
        self.threshold = threshold
        self.geometry = geometry
        self.get = get  # a place by id, for "the Donetsk region" -> the region holding Donetsk
        self.spelled_like = spelled_like  # other romanisations, within some countries

    # -- candidates --------------------------------------------------------------

    def _candidates(self, surface: str) -> tuple[list[Candidate], str]:
        for variant in name_variants(surface):
            found = self.lookup(variant)
            if found:
                bare = variant.replace(".", "")
                if bare.isupper() and len(bare) <= 3:  # "EU", "UAE": codes, never a town "Eu"
                    codes = [c for c in found if c.kind not in ("city", "county")]
                    found = codes or found
                demonyms = [c for c in found if c.kind == "demonym"]
                if demonyms and variant[:1].isupper():
                    return demonyms, variant  # "Canadian" is the people, not Canadian County
                return _curated_supersedes(found), variant
        return [], surface

    def _region_candidates(
        self, surface: str, found: list[Candidate], variant: str
    ) -> tuple[list[Candidate], str]:
        """'the Donetsk region': the region itself, whatever the gazetteer calls its kind."""
        regions = [c for c in found if c.kind in REGION_KINDS]
        if regions:
            return regions, variant
        for word in REGION_SUFFIXES:
            named = [c for c in self.lookup(f"{surface} {word}") if c.kind in REGION_KINDS]
            if named:
                return named, f"{surface} {word}"
        # The gazetteer may only know it by another form ("Donetska"): the region that
        # holds the largest city of that name.
        if self.get is not None:
            for c in sorted(found, key=lambda c: -c.population):
                region_id = c.raw.get("admin1_id") if isinstance(c.raw, dict) else None
                region = self.get(region_id) if region_id else None
                if region is not None:
                    return [replace(region, matched=surface, primary=True)], variant
        return found, variant

    def _qualifier_places(self, qualifier: str) -> list[Candidate]:
        if not qualifier:
            return []
        found, _ = self._candidates(qualifier)
        return [c for c in found if c.kind in ("country", "admin1", "region", "province")]

    # -- resolution --------------------------------------------------------------

    def resolve(self, mentions: Sequence[Mention]) -> list[Resolution]:
        """Names the article vouches for are resolved first; their focus then decides which
        possible names are places (those the gazetteers have there) and where the names a
        cue marks as places lie, and everything is resolved again with them."""
        groups = self._groups(mentions)
        possible = {
            k for k, g in groups.items() if all(m.label in (POSSIBLE, LISTED) for m in g.mentions)
        }
        firm = {k: g for k, g in groups.items() if k not in possible}
        results = self._resolve_groups(firm)
        cued = [g for g in firm.values() if any(m.label == CUE for m in g.mentions)]
        unknown = [g for g in groups.values() if not g.candidates]
        if not possible and not cued and not unknown:
            return results
        # The focus that decides where cued and possible names are comes from the names the
        # article vouches for on their own (a cued "Kut" read as Al-Kut must not pull it).
        cued_mentions = {id(m) for g in cued for m in g.mentions}
        vouched = [r for r in results if id(r.mention) not in cued_mentions]
        focus = article_focus(vouched, frame=False)
        if not focus.countries:
            focus = article_focus(results, frame=False)
        changed = False
        if self.spelled_like is not None and focus.countries:
            # a name no gazetteer has as written may be another romanisation of one there
            for g in groups.values():
                if not g.candidates:
                    found = self.spelled_like(g.mentions[0].text, focus.main_countries())
                    g.candidates = _curated_supersedes(found)
                    changed = changed or bool(found)
        for g in cued:
            kept = _cue_candidates(g, focus)
            changed = changed or len(kept) != len(g.candidates)
            g.candidates = kept
        for k in possible:
            g = groups[k]
            if not g.candidates and any(m.label == LISTED for m in g.mentions):
                firm[k] = g  # named like a place, known nowhere: reported, asked online
                changed = True
                continue
            g.candidates = [c for c in g.candidates if _in_focus(c, focus)]
            if g.candidates:
                firm[k] = g
                changed = True
        return self._resolve_groups(firm) if changed else results

    def _groups(self, mentions: Sequence[Mention]) -> dict[str, _Group]:
        """Mentions by the name they are looked up under: one sense per name per article."""
        groups: dict[str, _Group] = {}
        for m in mentions:
            found, variant = self._candidates(m.text)
            if m.context == REGION_HINT:
                found, variant = self._region_candidates(m.text, found, variant)
            key = normalize(variant)
            g = groups.get(key)
            if g is None:
                g = groups[key] = _Group(key, [], found, [])
            g.mentions.append(m)
            g.qualifiers.extend(self._qualifier_places(m.context))
        return groups

    def _resolve_groups(self, groups: dict[str, _Group]) -> list[Resolution]:
        # Pass 1, without article context: how likely each reading of each name is. The
        # context is every likely reading weighted by its likelihood, so that two
        # ambiguous names that agree (Gainesville and Hall County, both in Georgia)
        # support each other even when neither is sure on its own.
        first = {k: self._distribution(g, None) for k, g in groups.items()}
        context = _Context.from_distributions(first)
        results: list[Resolution] = []
        for k, g in groups.items():
            choice = self._score_group(g, context.without(k))
            results.extend(self._decide(g, choice))
        results.sort(key=lambda r: (r.mention.start, r.mention.end))
        return results

    def _distribution(self, g: _Group, context: _Context | None) -> list[tuple[float, Candidate]]:
        """(probability, candidate) of the likeliest readings, best first."""
        scored = self._scores(g, context)
        if not scored:
            return []
        best = scored[0][0]
        weights = [math.exp((sc - best) / TEMPERATURE) for sc, _, _ in scored]
        z = sum(weights)
        return [(w / z, c) for w, (_, c, _) in zip(weights, scored, strict=True)][:CONTEXT_READINGS]

    def _score_group(
        self, g: _Group, context: _Context | None
    ) -> tuple[Candidate, float, str] | None:
        scored = self._scores(g, context)
        if not scored:
            return None
        best_score, best, why = scored[0]
        z = sum(math.exp((s - best_score) / TEMPERATURE) for s, _, _ in scored)
        confidence = 1.0 / z
        # Same place listed by two layers (curated + GeoNames) is not real ambiguity.
        if len(scored) > 1:
            same = sum(
                math.exp((s - best_score) / TEMPERATURE)
                for s, c, _ in scored[1:]
                if haversine_km(c.lat, c.lon, best.lat, best.lon) < SAME_PLACE_KM
            )
            confidence = (1.0 + same) / z
        if best.kind == "city" and not best.primary and best.population < 1000 and best_score < 3:
            confidence *= 0.5
        if context is not None and self._stray(best, why, context):
            # Only an alias links the name to a town in a country the article never
            # mentions ("Hakari bridge" in a Karabakh report is not Hakkâri, Turkey).
            confidence = min(confidence, STRAY_CONFIDENCE)
            why = [*why, "an alias of a town far from the article's places"]
        return best, min(1.0, confidence), "; ".join(why)

    @staticmethod
    def _stray(best: Candidate, why: list[str], context: _Context) -> bool:
        return (
            best.kind == "city"
            and not best.primary
            and best.source != "curated"
            and best.population < STRAY_MAX_POPULATION
            and not context.bonus(best)[0]
            and context.has_focus(exclude_country=best.country)
        )

    def _scores(
        self, g: _Group, context: _Context | None
    ) -> list[tuple[float, Candidate, list[str]]]:
        if not g.candidates:
            return []
        scored: list[tuple[float, Candidate, list[str]]] = []
        big_cities = {
            c.country: (10**12 if c.feature_code == "PPLC" else c.population)  # Kyiv, Baku
            for c in g.candidates
            if c.kind == "city" and c.population >= 100_000
        }
        for c in g.candidates:
            score, why = _base_score(c)
            city_pop = big_cities.get(c.country or "", 0)
            if c.kind == "admin1" and city_pop >= CITY_SHARE_OF_PROVINCE * c.population:
                # bare "Yerevan", "Ankara": the city, which is most of its province; but
                # "New York" is a state far larger than its city, and gold sets mean the state
                score += PROVINCE_OF_CITY
            if any(m.context == REGION_HINT for m in g.mentions):
                if c.kind in ("admin1", "region", "province", "county"):
                    score += QUALIFIER_MATCH / 2
                    why.append("named as a region")
            elif g.qualifiers:
                if any(
                    _same_admin1(c, q) or (q.kind == "country" and c.country == q.country)
                    for q in g.qualifiers
                ):
                    score += QUALIFIER_MATCH
                    why.append(f"'{g.mentions[0].text}, {g.qualifiers[0].name}' pattern")
                elif c.kind not in ("country", "continent"):
                    score += QUALIFIER_MISS
            if context is not None:
                bonus, reasons = context.bonus(c)
                score += bonus
                why.extend(reasons)
            scored.append((score, c, why))
        scored.sort(key=lambda t: t[0], reverse=True)
        return scored

    def _decide(self, g: _Group, choice: tuple[Candidate, float, str] | None) -> list[Resolution]:
        if choice is None:
            return [Resolution(m, None, 0.0, NOT_FOUND) for m in g.mentions]
        cand, confidence, why = choice
        if confidence < self.threshold:
            reason = f"ambiguous: best guess {cand.name} ({cand.id}) at confidence {confidence:.2f}"
            return [Resolution(m, None, confidence, reason) for m in g.mentions]
        place = self._place(cand)
        return [Resolution(m, place, confidence, why) for m in g.mentions]

    def _place(self, cand: Candidate) -> Place:
        if cand.geometry is None and self.geometry is not None:
            geom = self.geometry(cand)
            if geom is not None:
                cand = replace(cand, geometry=geom)
        return cand.to_place()


@dataclass
class _Context:
    """What the rest of the article says about where it is: for each country, admin-1
    region and point, which names support it and how likely (0..1) that reading is."""

    countries: dict[str, dict[str, float]]
    admin1: dict[str, dict[str, float]]
    points: list[tuple[str, float, float, float]]  # key, lat, lon, weight
    # regions with an outline but no one country (Gaza Strip, Nagorno-Karabakh): key, shape, weight
    areas: list[tuple[str, Any, float]] = field(default_factory=list)
    exclude: str = ""
    # the points' latitudes in order (points are sorted by latitude), so a candidate is only
    # measured against the points in its band of latitude: a long article names thousands
    lats: list[float] = field(default_factory=list)

    @classmethod
    def from_distributions(cls, dists: dict[str, list[tuple[float, Candidate]]]) -> _Context:
        countries: dict[str, dict[str, float]] = defaultdict(dict)
        admin1: dict[str, dict[str, float]] = defaultdict(dict)
        points = []
        areas = []
        for key, dist in dists.items():
            for p, cand in dist:
                if p < CONTEXT_MIN_WEIGHT:
                    continue
                if cand.country is None and cand.kind in REGION_KINDS and _is_area(cand):
                    from shapely.geometry import shape
                    from shapely.prepared import prep

                    areas.append((key, prep(shape(cand.geometry)), p))
                if cand.country:
                    countries[cand.country][key] = max(p, countries[cand.country].get(key, 0.0))
                region = _admin1_key(cand)
                if region:
                    admin1[region][key] = max(p, admin1[region].get(key, 0.0))
                if cand.kind in POINT_KINDS:
                    points.append((key, cand.lat, cand.lon, p))
        points.sort(key=lambda t: t[1])
        return cls(dict(countries), dict(admin1), points, areas, lats=[t[1] for t in points])

    def without(self, key: str) -> _Context:
        return _Context(
            self.countries, self.admin1, self.points, self.areas, exclude=key, lats=self.lats
        )

    def has_focus(self, exclude_country: str | None) -> bool:
        """Whether the rest of the article clearly places itself in some other country."""
        return any(
            cc != exclude_country and sum(w for k, w in keys.items() if k != self.exclude) >= 1.0
            for cc, keys in self.countries.items()
        )

    def _support(self, table: dict[str, dict[str, float]], name: str | None) -> float:
        if not name:
            return 0.0
        keys = table.get(name, {})
        return min(1.0, sum(w for k, w in keys.items() if k != self.exclude))

    def bonus(self, c: Candidate) -> tuple[float, list[str]]:
        score = 0.0
        why = []
        support = self._support(self.countries, c.country)
        if support:
            score += COUNTRY_CONTEXT * support
            why.append(f"article mentions places in {c.country}")
        support = self._support(self.admin1, _admin1_key(c))
        if support:
            score += ADMIN1_CONTEXT * support
            why.append(
                "article names places in it" if c.kind == "admin1" else "article names its state"
            )
        if c.kind in POINT_KINDS and self.areas:
            from shapely.geometry import Point

            inside = max(
                (
                    w
                    for key, area, w in self.areas
                    if key != self.exclude and area.contains(Point(c.lon, c.lat))
                ),
                default=0.0,
            )
            if inside:
                score += ADMIN1_CONTEXT * inside
                why.append("inside a region the article names")
        if c.kind in POINT_KINDS:
            near: dict[str, float] = {}
            # no point further than NEAR_KM in latitude alone can be within NEAR_KM
            lo = bisect.bisect_left(self.lats, c.lat - NEAR_DEG_LAT)
            hi = bisect.bisect_right(self.lats, c.lat + NEAR_DEG_LAT)
            for key, lat, lon, w in self.points[lo:hi]:
                if (
                    key != self.exclude
                    and w > near.get(key, 0.0)
                    and haversine_km(lat, lon, c.lat, c.lon) < NEAR_KM
                ):
                    near[key] = w
            if near:
                score += NEAR_CONTEXT * min(1.0, sum(near.values()))
                why.append("near other places in the article")
        return score, why


# -- the article's focus --------------------------------------------------------------------

FOCUS_KIND_WEIGHT = {"demonym": 0.5, "continent": 0.0, "ocean": 0.0, "sea": 0.3, "region": 0.5}
FOCUS_MIN_SHARE = 0.1  # a country or region below this share is not what the article is about
FOCUS_MAX_AREAS = 5
FRAME_SHARE = 0.5  # the opening frame holds the areas with at least half the top one's weight
FRAME_MAX_DEG2 = 500.0  # a country larger than this frames by its places, not its outline


def _country_name(code: str) -> str:
    import pycountry

    found = pycountry.countries.get(alpha_2=code)
    return str(getattr(found, "common_name", None) or found.name) if found else code


def article_focus(resolutions: Sequence[Resolution], *, frame: bool = True) -> Focus:
    """The countries and admin-1 regions an article's placed mentions are in, by share.

    Each placed mention counts its confidence (demonyms and broad regions less), so the
    focus follows what the article keeps returning to, not one passing reference."""
    countries: dict[str, float] = defaultdict(float)
    regions: dict[str, float] = defaultdict(float)
    region_names: dict[str, str] = {}
    placed = [r for r in resolutions if r.place is not None]
    for r in placed:
        p = r.place
        assert p is not None
        w = r.confidence * FOCUS_KIND_WEIGHT.get(p.kind, 1.0)
        if p.country and w > 0:
            countries[p.country] += w
        region = p.id if p.kind == "admin1" else p.extra.get("admin1_id")
        if region and w > 0:
            regions[region] += w
            name = p.name if p.kind == "admin1" else p.extra.get("admin1_name")
            if name:
                region_names.setdefault(region, str(name))
    total = sum(countries.values())
    if not total:
        return Focus()
    top_c = sorted(countries.items(), key=lambda kv: (-kv[1], kv[0]))
    areas = tuple(
        FocusArea(code, _country_name(code), "country", round(w / total, 3))
        for code, w in top_c[:FOCUS_MAX_AREAS]
        if w / total >= FOCUS_MIN_SHARE
    )
    top_r = sorted(regions.items(), key=lambda kv: (-kv[1], kv[0]))
    regions_out = tuple(
        FocusArea(rid, region_names.get(rid, rid), "admin1", round(w / total, 3))
        for rid, w in top_r[:FOCUS_MAX_AREAS]
        if w / total >= FOCUS_MIN_SHARE
    )
    return Focus(areas, regions_out, _focus_bbox(placed, areas) if frame else None)


_BOUNDS: dict[str, tuple[float, float, float, float] | None] = {}


def place_bounds(place: Place) -> tuple[float, float, float, float] | None:
    """A place's (west, south, east, north), kept per place id: a country's outline has
    thousands of points and every article naming it asks (an id always has one geometry)."""
    if place.id in _BOUNDS:
        return _BOUNDS[place.id]
    try:
        box = geometry_bounds(place.geometry)
    except (TypeError, ValueError, IndexError, AttributeError):
        box = None
    if len(_BOUNDS) >= 100_000:
        _BOUNDS.clear()
    _BOUNDS[place.id] = box
    return box


def _focus_bbox(
    placed: Sequence[Resolution], areas: tuple[FocusArea, ...]
) -> tuple[float, float, float, float] | None:
    """Bounds of what a map should open on: the heaviest countries, framed by their outline
    when it is small enough to read (Armenia) and by the places named in them otherwise."""
    if not areas:
        return None
    framed = {a.id for a in areas if a.weight >= FRAME_SHARE * areas[0].weight}
    bounds: list[tuple[float, float, float, float]] = []
    outlines: dict[str, tuple[float, float, float, float]] = {}
    for r in placed:
        p = r.place
        if p is None or p.country not in framed or p.kind in FOCUS_KIND_WEIGHT:
            continue
        b = place_bounds(p)
        if b is None:
            continue
        if p.kind == "country":
            outlines[p.country] = b
        else:
            bounds.append(b)
    for code, b in outlines.items():
        has_places = any(
            r.place and r.place.country == code and r.place.kind != "country" for r in placed
        )
        if (b[2] - b[0]) * (b[3] - b[1]) <= FRAME_MAX_DEG2 or not has_places:
            bounds.append(b)
    if not bounds:
        return None
    return (
        round(min(b[0] for b in bounds), 4),
        round(min(b[1] for b in bounds), 4),
        round(max(b[2] for b in bounds), 4),
        round(max(b[3] for b in bounds), 4),
    )
