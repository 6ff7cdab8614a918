"""What an analyst narrows the map and the exports to: dates, confidence, article, feed, kinds.

One frozen :class:`Filters` value is built from the page's query string or the
CLI's flags and handed to the store, so the map, the places list, the review panel
and every export show the same selection. Dates compare the articles' ``date``
(``YYYY-MM-DD`` text) as plain strings; an article without a date is outside any
date range (the histogram counts those apart).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from geomap.errors import InputError

_FEED_LINE = re.compile(r" line \d+$")


def feed_of(source: str | None) -> str | None:
    """The feed an article came from: its source without the ``line N`` of a JSONL file."""
    return _FEED_LINE.sub("", source) if source else None


def parse_day(value: str | None, name: str) -> str | None:
    """A ``YYYY-MM-DD`` day (checked on the calendar), or None for an empty value."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        if len(text) != 10:
            raise ValueError(text)
        date.fromisoformat(text)
    except ValueError as exc:
        raise InputError(f"{name} must be a date as YYYY-MM-DD, not {value!r}") from exc
    return text


def parse_confidence(value: str | float | None, name: str = "min confidence") -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = float(value)
    except ValueError as exc:
        raise InputError(f"{name} must be a number between 0 and 1, not {value!r}") from exc
    if not 0.0 <= number <= 1.0:
        raise InputError(f"{name} must be between 0 and 1, not {value!r}")
    return number or None  # 0 keeps everything: the same as no filter


@dataclass(frozen=True)
class Filters:
    """A selection of stored mentions; empty fields select everything."""

    date_from: str | None = None  # YYYY-MM-DD, inclusive
    date_to: str | None = None  # YYYY-MM-DD, inclusive
    min_confidence: float | None = None  # resolved mentions below this are left out
    article: str | None = None  # one article id
    feed: str | None = None  # the article's source (a JSONL file stands for all its lines)
    kinds: tuple[str, ...] = field(default=())  # place kinds; empty = all

    def __post_init__(self) -> None:
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise InputError(f"the date range is empty: from {self.date_from} to {self.date_to}")

    @classmethod
    def from_args(cls, args: Mapping[str, str | None]) -> Filters:
        """From a query string (``from``, ``to``, ``min_confidence``, ``article``, ``feed``,
        ``kind`` comma-separated); raises :class:`InputError` naming a bad value."""
        kinds = tuple(k for k in (args.get("kind") or "").split(",") if k.strip())
        return cls(
            date_from=parse_day(args.get("from"), "from"),
            date_to=parse_day(args.get("to"), "to"),
            min_confidence=parse_confidence(args.get("min_confidence")),
            article=(args.get("article") or "").strip() or None,
            feed=(args.get("feed") or "").strip() or None,
            kinds=tuple(k.strip() for k in kinds),
        )

    def query(self) -> dict[str, str]:
        """The query-string form (the inverse of :meth:`from_args`), empty fields left out."""
        out = {
            "from": self.date_from,
            "to": self.date_to,
            "min_confidence": f"{self.min_confidence:g}" if self.min_confidence else None,
            "article": self.article,
            "feed": self.feed,
            "kind": ",".join(self.kinds) if self.kinds else None,
        }
        return {k: v for k, v in out.items() if v}

    @property
    def dated(self) -> bool:
        return bool(self.date_from or self.date_to)

    def __bool__(self) -> bool:
        return bool(self.query())


@dataclass(frozen=True)
class Bin:
    """One bar of the date histogram: the days it covers and its mention count."""

    start: str  # YYYY-MM-DD
    end: str  # YYYY-MM-DD, inclusive
    count: int


@dataclass(frozen=True)
class Histogram:
    """Mentions per day (per week when the dates span more than :data:`DAILY_SPAN` days)."""

    bins: tuple[Bin, ...]
    unit: str  # "day" or "week"
    undated: int  # mentions in articles without a date (outside any date range)

    @property
    def peak(self) -> int:
        return max((b.count for b in self.bins), default=0)


DAILY_SPAN = 92  # days; a longer span is shown by week
MAX_BINS = 400  # more weeks than this are not drawn as bars (the range inputs still work)


def histogram(per_day: Mapping[str | None, int]) -> Histogram:
    """Bars over the stored articles' dates, empty days and weeks included."""
    from datetime import timedelta

    undated = sum(n for d, n in per_day.items() if not d)
    days: dict[date, int] = {}
    for day, n in per_day.items():
        try:
            parsed = date.fromisoformat(day) if day else None
        except ValueError:
            parsed = None  # a malformed stored date cannot be placed on the axis
        if parsed is None:
            undated += n if day else 0
            continue
        days[parsed] = days.get(parsed, 0) + n
    if not days:
        return Histogram((), "day", undated)
    first, last = min(days), max(days)
    weekly = (last - first).days > DAILY_SPAN
    step = timedelta(days=7 if weekly else 1)
    start = first - timedelta(days=first.weekday()) if weekly else first
    counts = [0] * min(MAX_BINS, (last - start).days // step.days + 1)
    for when, n in days.items():
        index = (when - start).days // step.days
        if index < len(counts):
            counts[index] += n
    bins = tuple(
        Bin(
            (start + i * step).isoformat(),
            (start + (i + 1) * step - timedelta(days=1)).isoformat(),
            n,
        )
        for i, n in enumerate(counts)
    )
    return Histogram(bins, "week" if weekly else "day", undated)
