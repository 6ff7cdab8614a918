"""The one interface every gazetteer layer implements.

Each layer is a :class:`geopy.geocoders.base.Geocoder`, so ``geocode()`` and
``reverse()`` return :class:`geopy.location.Location` as any geopy user expects;
the resolver needs more than one best answer, so layers also implement
:meth:`GazetteerLayer.candidates`.
"""

from __future__ import annotations

import functools
import math
import unicodedata
from abc import abstractmethod
from dataclasses import asdict
from typing import Any

from geopy.geocoders.base import Geocoder
from geopy.location import Location

from geomap.models import Candidate

_FOLD = str.maketrans(
    {
        "’": "'",
        "‘": "'",
        "ı": "i",
        "ł": "l",
        "ø": "o",
        "đ": "d",
        "ð": "d",
        "þ": "th",
        "æ": "ae",
        "œ": "oe",
    }
)


@functools.lru_cache(maxsize=65_536)
def normalize(name: str) -> str:
    """Key used for name look-ups: case-, accent-, punctuation- and space-insensitive.
    (Cached: an article asks for the same few names many times, ~30 µs each.)"""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.casefold().translate(_FOLD)
    out = []
    for ch in text:
        if ch.isalnum():
            out.append(ch)
        elif ch in "'.":
            continue  # "St." == "St", "Ukraine's" handled by the caller
        else:
            out.append(" ")
    return " ".join("".join(out).split())


_ARTICLES = {
    "al",
    "el",
    "an",
    "ar",
    "as",
    "ash",
    "at",
    "ad",
    "az",
    "en",
    "er",
    "es",
    "et",
    "ed",
    "ez",
    "ul",
}
_DIGRAPHS = (("dzh", "j"), ("zh", "j"), ("dj", "j"), ("tch", "ch"), ("ph", "f"), ("q", "k"))


def spelling_key(name: str) -> str:
    """A coarse key under which the romanisations of one name meet: Chasiv/Chasov Yar,
    Bayt Hanun/Beit Hanoun, Sudja/Sudzha, Maarat al-Numan/Ma'arrat an-Nu'man.

    Built on :func:`normalize`: Arabic articles become one, spaces and apostrophes go, a few
    digraphs fold (zh/dzh/dj -> j), then after the first letter every run of vowels is one
    mark and doubled letters count once. Too coarse to find places by on its own: only for
    names the gazetteers do not have as written, checked against the article's focus and
    the spelling's closeness by the caller.
    """
    words = ["al" if w in _ARTICLES else w for w in normalize(name).replace("`", "").split()]
    text = "".join(words)
    for old, new in _DIGRAPHS:
        text = text.replace(old, new)
    if not text:
        return ""
    out: list[str] = [text[0]]
    for ch in text[1:]:
        ch = "V" if ch in "aeiouy" else ch
        if ch.isalpha() and out[-1] != ch:
            out.append(ch)
    return "".join(out)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    r = 6371.0088
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(min(1.0, math.sqrt(a)))


def candidate_to_location(candidate: Candidate) -> Location:
    raw: dict[str, Any] = asdict(candidate)
    raw["id"] = candidate.id
    return Location(candidate.name, (candidate.lat, candidate.lon), raw)


class GazetteerLayer(Geocoder):
    """Base of the curated, offline and online layers."""

    source = "gazetteer"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)

    @abstractmethod
    def candidates(self, query: str, *, limit: int = 25) -> list[Candidate]:
        """Every place whose name or alias matches ``query``, best first."""

    def geocode(self, query: str, *, exactly_one: bool = True, limit: int = 25, **_: Any):  # noqa: ANN201
        found = self.candidates(query, limit=limit)
        if not found:
            return None
        locations = [candidate_to_location(c) for c in found]
        return locations[0] if exactly_one else locations

    def reverse(self, query: Any, *, exactly_one: bool = True, **_: Any):  # noqa: ANN201
        """Nearest place to a (lat, lon) point; layers with no spatial index return None."""
        return None
