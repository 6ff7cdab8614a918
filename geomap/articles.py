"""Loading articles from .txt, .html, .json/.jsonl files and standard input.

Every failure is an :class:`InputError` whose message names the input, so a
batch can report it in one line and go on with the other files.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from collections.abc import Iterable, Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, BinaryIO

from geomap.errors import InputError
from geomap.models import Article

SUFFIXES = (".txt", ".text", ".md", ".html", ".htm", ".json", ".jsonl", ".ndjson")
MAX_BYTES = 512 * 1024 * 1024  # refuse anything larger outright: it is not an article

_DATE_PREFIX = re.compile(r"\A\s*date\s+(\d{4}-\d{2}-\d{2})\b[ \t]*\n?")


def split_date_prefix(text: str) -> tuple[str | None, str]:
    """The seed format: a first line or prefix ``date YYYY-MM-DD`` is metadata, not body."""
    match = _DATE_PREFIX.match(text)
    if not match:
        return None, text
    return match.group(1), text[match.end() :].lstrip()


TITLE_CHARS = 100


def derive_title(body: str) -> str | None:
    """A readable title for an article that came without one: its first line when that is
    headline-short, else its first sentence, cut at a word near TITLE_CHARS."""
    lines = [line.strip() for line in body.strip().split("\n") if line.strip()]
    if not lines:
        return None
    if len(lines) > 1 and len(lines[0]) <= TITLE_CHARS + 20 and lines[0][-1:] not in ".,;:":
        return lines[0]
    sentence = re.split(r"(?<=[.!?])\s", lines[0], maxsplit=1)[0]
    if len(sentence) <= TITLE_CHARS:
        return sentence
    cut = sentence.rfind(" ", 0, TITLE_CHARS)
    return sentence[: cut if cut > 0 else TITLE_CHARS].rstrip(" ,;:") + "…"


def decode(data: bytes, name: str) -> str:
    if not data.strip():
        raise InputError(f"{name}: empty input")
    if b"\x00" in data[:8192]:
        raise InputError(f"{name}: looks like a binary file, not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{name}: not UTF-8 text (bad byte at offset {exc.start})") from exc
    if not text.strip():
        raise InputError(f"{name}: empty input")
    return text


class _VisibleText(HTMLParser):
    """Collects visible text and metadata; scripts, styles and templates are dropped."""

    HIDDEN = {"script", "style", "noscript", "template", "head", "svg", "iframe"}
    BLOCK = {
        "p",
        "div",
        "br",
        "li",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "tr",
        "section",
        "article",
        "blockquote",
        "header",
        "footer",
        "ul",
        "ol",
        "table",
        "figcaption",
    }

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0
        self.in_title = False
        self.title = ""
        self.meta: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag == "title":
            self.in_title = True
        elif tag == "meta":
            key = (a.get("property") or a.get("name") or "").lower()
            if key and a.get("content"):
                self.meta.setdefault(key, a["content"])
        elif tag == "link" and a.get("rel", "").lower() == "canonical" and a.get("href"):
            self.meta.setdefault("canonical", a["href"])
        if tag in self.HIDDEN and tag != "head":
            self.hidden += 1
        if tag in self.BLOCK:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        if tag in self.HIDDEN and tag != "head" and self.hidden:
            self.hidden -= 1
        if tag in self.BLOCK:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title += data
        elif not self.hidden:
            self.parts.append(data)


def html_to_article(html: str, default_id: str, source: str) -> Article:
    parser = _VisibleText()
    parser.feed(html)
    parser.close()
    raw = "".join(parser.parts)
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", raw)]
    body = "\n\n".join(p for p in paragraphs if p)
    if not body:
        raise InputError(f"{source}: the HTML has no visible text")
    meta = parser.meta
    title = " ".join((meta.get("og:title") or parser.title).split()) or None
    date = meta.get("article:published_time") or meta.get("date") or meta.get("pubdate")
    date_match = re.match(r"\d{4}-\d{2}-\d{2}", date or "")
    return Article(
        id=default_id,
        text=body,
        title=title,
        url=meta.get("og:url") or meta.get("canonical"),
        date=date_match.group(0) if date_match else None,
        source=source,
    )


def _article_from_record(record: Any, default_id: str, where: str) -> Article:
    if not isinstance(record, dict):
        raise InputError(f"{where}: expected a JSON object with a 'text' field")
    text = record.get("text") or record.get("body") or record.get("content")
    if not isinstance(text, str) or not text.strip():
        raise InputError(f"{where}: no 'text' field with article text")
    date, body = split_date_prefix(text)
    rid = record.get("id")
    return Article(
        id=str(rid) if rid not in (None, "") else default_id,
        text=body,
        title=str(record["title"]) if record.get("title") else derive_title(body),
        url=str(record["url"]) if record.get("url") else None,
        date=str(record.get("date") or date) if (record.get("date") or date) else None,
        source=where,
    )


def iter_jsonl(text: str, name: str) -> Iterator[tuple[int, Any]]:
    """(line number, record) for each non-blank line. Lines end at "\n" only: JSON strings
    may hold raw U+2028 separators, which str.splitlines() would cut (LGL's texts do)."""
    for lineno, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            yield lineno, json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{name} line {lineno}: invalid JSON ({exc.msg})") from exc


def articles_from_text(text: str, name: str, stem: str, suffix: str) -> list[Article]:
    """Turn decoded file content into articles according to its type."""
    suffix = suffix.lower()
    if suffix in (".html", ".htm"):
        return [html_to_article(text, stem, name)]
    if suffix == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"{name}: invalid JSON ({exc.msg} at line {exc.lineno})") from exc
        records = data if isinstance(data, list) else [data]
        return [
            _article_from_record(r, stem if len(records) == 1 else f"{stem}-{i + 1}", name)
            for i, r in enumerate(records)
        ]
    if suffix in (".jsonl", ".ndjson"):
        out = [
            _article_from_record(record, f"{stem}-{lineno}", f"{name} line {lineno}")
            for lineno, record in iter_jsonl(text, name)
        ]
        if not out:
            raise InputError(f"{name}: no articles in the file")
        return out
    date, body = split_date_prefix(text)
    if not body.strip():
        raise InputError(f"{name}: empty input")
    return [Article(id=stem, text=body, title=derive_title(body), date=date, source=name)]


def read_path(path: Path) -> list[Article]:
    name = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise InputError(f"{name}: too large ({size} bytes; the limit is {MAX_BYTES})")
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise InputError(f"{name}: no such file") from exc
    except IsADirectoryError as exc:
        raise InputError(f"{name}: is a directory") from exc
    except OSError as exc:
        raise InputError(f"{name}: cannot read ({exc.strerror or exc})") from exc
    return articles_from_text(decode(data, name), name, path.stem, path.suffix)


def read_stream(stream: BinaryIO, name: str = "<stdin>") -> list[Article]:
    data = stream.read()
    text = decode(data, name)
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        try:
            return articles_from_text(text, name, "stdin", ".json")
        except InputError:
            pass
    if stripped[:15].lower().startswith(("<!doctype", "<html")):
        return articles_from_text(text, name, "stdin", ".html")
    return articles_from_text(text, name, "stdin", ".txt")


def parse_upload(filename: str, data: bytes) -> list[Article]:
    """Articles from a web upload; the type comes from the file name's suffix."""
    suffix = Path(filename).suffix.lower()
    if suffix not in SUFFIXES:
        raise InputError(
            f"{filename}: unsupported file type {suffix or '(none)'}; use .txt, .html or .json"
        )
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", Path(filename).stem).strip("-") or "upload"
    return articles_from_text(decode(data, filename), filename, stem, suffix)


def expand_paths(paths: Iterable[str | Path]) -> Iterator[str | Path]:
    """Folders become the article files inside them (sorted, recursive)."""
    for p in paths:
        if str(p) == "-":
            yield "-"
            continue
        path = Path(p)
        if path.is_dir():
            yield from sorted(
                f for f in path.rglob("*") if f.is_file() and f.suffix.lower() in SUFFIXES
            )
        else:
            yield path


def iter_articles(paths: Iterable[str | Path]) -> Iterator[Article | InputError]:
    """Yields each article, or the InputError of an input that failed, in order."""
    for p in expand_paths(paths):
        try:
            if p == "-":
                yield from read_stream(sys.stdin.buffer)
            else:
                yield from read_path(Path(p))
        except InputError as exc:
            yield exc


def load_articles(paths: Iterable[str | Path]) -> tuple[list[Article], list[str]]:
    articles: list[Article] = []
    errors: list[str] = []
    for item in iter_articles(paths):
        if isinstance(item, InputError):
            errors.append(str(item))
        else:
            articles.append(item)
    return articles, errors


def content_hash(article: Article) -> str:
    h = hashlib.sha256()
    for part in (article.title or "", article.url or "", article.date or "", article.text):
        h.update(part.encode("utf-8"))
        h.update(b"\x1f")
    return h.hexdigest()
