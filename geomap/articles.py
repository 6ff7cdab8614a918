"""Loading articles from .txt, .html, .json/.jsonl files and standard input.

Every failure is an :class:`InputError` whose message names the input, so a
batch can report it in one line and go on with the other files.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import os
import re
import stat
import sys
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, BinaryIO

from geomap.config import MAX_INPUT_BYTES
from geomap.errors import InputError
from geomap.models import Article

SUFFIXES = (".txt", ".text", ".md", ".html", ".htm", ".json", ".jsonl", ".ndjson")

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


# a file that starts with one of these is text in that encoding, whatever NULs it holds
# (UTF-32 first: its little-endian mark begins with UTF-16's)
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8-sig", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16", "UTF-16"),
)


def decode(data: bytes, name: str) -> str:
    """UTF-8 (with or without a byte-order mark), or UTF-16/32 when the data starts with
    their mark; a NUL byte near the start (a NUL character once decoded) is a binary file."""
    if not data.strip():
        raise InputError(f"{name}: empty input")
    codec, label = "utf-8-sig", "UTF-8"
    for bom, bom_codec, bom_label in _BOMS:
        if data.startswith(bom):
            codec, label = bom_codec, bom_label
            break
    else:
        if b"\x00" in data[:8192]:
            raise InputError(f"{name}: looks like a binary file, not text")
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as exc:
        raise InputError(f"{name}: not {label} text (bad byte at offset {exc.start})") from exc
    if "\x00" in text[:8192]:  # a binary file that happens to start like a mark
        raise InputError(f"{name}: looks like a binary file, not text")
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


# -- JSON ------------------------------------------------------------------------------------

MAX_JSON_DEPTH = 64  # an article record is a flat object; deeper nesting is not an article


class JSONSyntaxError(InputError):
    """The text is not JSON at all (standard input then falls back to plain text)."""


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")  # json.loads accepts NaN and Infinity


# one decoder, built once (json.loads with any option builds a new one per call)
_DECODER = json.JSONDecoder(parse_constant=_refuse_constant)


def _depth(value: Any) -> int:
    """How deeply lists and objects nest in ``value`` (up to one past the limit), walked
    without recursion."""
    deepest = 0
    stack = [(value, 1)] if isinstance(value, dict | list) else []
    while stack and deepest <= MAX_JSON_DEPTH:
        item, level = stack.pop()
        deepest = max(deepest, level)
        for child in item.values() if isinstance(item, dict) else item:
            if isinstance(child, dict | list):
                stack.append((child, level + 1))
    return deepest


def load_json(text: str, where: str) -> Any:
    """``json.loads`` for untrusted input: no NaN/Infinity, at most MAX_JSON_DEPTH levels
    (the parser recurses, so ``[`` x 100,000 would otherwise end the run with a
    RecursionError); every failure is an InputError naming ``where``."""
    too_deep = f"{where}: JSON nested deeper than {MAX_JSON_DEPTH} levels"
    try:
        value = _DECODER.decode(text)
    except json.JSONDecodeError as exc:
        raise JSONSyntaxError(
            f"{where}: invalid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
        ) from exc
    except RecursionError as exc:
        raise InputError(too_deep) from exc
    except ValueError as exc:  # NaN, Infinity, an integer of more than 4300 digits
        reason = str(exc).split(";")[0]  # not Python's advice to raise its digit limit
        raise InputError(f"{where}: invalid JSON ({reason})") from exc
    if _depth(value) > MAX_JSON_DEPTH:
        raise InputError(too_deep)
    return value


def _json_type(value: Any) -> str:
    """The JSON name of a parsed value's type, for messages."""
    if value is None:
        return "null"
    names = {dict: "object", list: "array", str: "string", bool: "boolean", float: "number"}
    return names.get(type(value), "number" if isinstance(value, int) else type(value).__name__)


def _optional_string(record: dict[str, Any], key: str, where: str) -> str | None:
    """A metadata field: a string (blank counts as absent) or null, nothing else."""
    value = record.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InputError(f"{where}: '{key}' must be a string or null, not {_json_type(value)}")
    return value.strip() or None


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _record_id(record: dict[str, Any], where: str) -> str | None:
    """A record's own id: a string or an integer (not a bool, list or object, which str()
    would turn into "True" or "[1, 2]"), on one line since it appears in URLs and messages."""
    rid = record.get("id")
    if rid is None:
        return None
    if isinstance(rid, bool) or not isinstance(rid, str | int):
        raise InputError(f"{where}: 'id' must be a string or an integer, not {_json_type(rid)}")
    text = str(rid).strip()
    if _CONTROL.search(text):
        raise InputError(f"{where}: 'id' must not hold control characters (line breaks, tabs)")
    return text or None


def _article_from_record(record: Any, default_id: str, where: str, source: str) -> Article:
    """An article from a JSON object; a field of the wrong type is an error, not coerced."""
    if not isinstance(record, dict):
        raise InputError(f"{where}: expected a JSON object with a 'text' field")
    key = next((k for k in ("text", "body", "content") if record.get(k)), "text")
    text = record.get(key)
    if text is not None and not isinstance(text, str):
        raise InputError(f"{where}: '{key}' must be a string, not {_json_type(text)}")
    if not text or not text.strip():
        raise InputError(f"{where}: no 'text' field with article text")
    rid = _record_id(record, where)
    title = _optional_string(record, "title", where)
    url = _optional_string(record, "url", where)
    date = _optional_string(record, "date", where)
    prefix_date, body = split_date_prefix(text)
    return Article(
        id=rid or default_id,
        text=body,
        title=title or derive_title(body),
        url=url,
        date=date or prefix_date,
        source=source,
    )


def _jsonl_lines(text: str, name: str) -> Iterator[tuple[int, Any]]:
    """(line number, value or its InputError) for each non-blank line, so one bad line
    costs that line only. Lines end at "\n" only: JSON strings may hold raw U+2028
    separators, which str.splitlines() would cut (LGL's texts do)."""
    for lineno, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            yield lineno, load_json(line, f"{name} line {lineno}")
        except InputError as exc:
            yield lineno, exc


def iter_jsonl(text: str, name: str) -> Iterator[tuple[int, Any]]:
    """(line number, record) for each non-blank line; the first bad line raises."""
    for lineno, value in _jsonl_lines(text, name):
        if isinstance(value, InputError):
            raise value
        yield lineno, value


def items_from_text(text: str, name: str, stem: str, suffix: str) -> Iterator[Article | InputError]:
    """The articles in decoded file content, by its type. A problem with the whole input
    raises; a bad record of a JSON array or JSONL file is yielded in its place and the
    others follow."""
    suffix = suffix.lower()
    if suffix in (".html", ".htm"):
        yield html_to_article(text, stem, name)
        return
    if suffix == ".json":
        data = load_json(text, name)
        records = data if isinstance(data, list) else [data]
        if not records:
            raise InputError(f"{name}: no articles in the file (an empty list)")
        for i, record in enumerate(records):
            single = len(records) == 1
            where = name if single else f"{name} item {i + 1}"
            try:
                yield _article_from_record(
                    record, stem if single else f"{stem}-{i + 1}", where, name
                )
            except InputError as exc:
                yield exc
        return
    if suffix in (".jsonl", ".ndjson"):
        any_line = False
        for lineno, record in _jsonl_lines(text, name):
            any_line = True
            where = f"{name} line {lineno}"
            if isinstance(record, InputError):
                yield record
                continue
            try:
                yield _article_from_record(record, f"{stem}-{lineno}", where, where)
            except InputError as exc:
                yield exc
        if not any_line:
            raise InputError(f"{name}: no articles in the file")
        return
    date, body = split_date_prefix(text)
    if not body.strip():
        raise InputError(f"{name}: empty input")
    yield Article(id=stem, text=body, title=derive_title(body), date=date, source=name)


def _all_or_nothing(items: Iterable[Article | InputError]) -> list[Article]:
    """The articles, or the first InputError among them raised."""
    out = []
    for item in items:
        if isinstance(item, InputError):
            raise item
        out.append(item)
    return out


def articles_from_text(text: str, name: str, stem: str, suffix: str) -> list[Article]:
    """All the articles of one input, or the InputError of its first bad record."""
    return _all_or_nothing(items_from_text(text, name, stem, suffix))


# -- reading files and streams -----------------------------------------------------------------

MAX_BYTES = MAX_INPUT_BYTES  # the default of Settings.max_input_bytes; see read_capped
_CHUNK = 1024 * 1024
_KINDS = (
    (stat.S_ISDIR, "is a directory"),
    (stat.S_ISFIFO, "is a FIFO (named pipe), not a file"),
    (stat.S_ISCHR, "is a character device, not a file"),
    (stat.S_ISBLK, "is a block device, not a file"),
    (stat.S_ISSOCK, "is a socket, not a file"),
)


def size_text(n: int) -> str:
    mb, rest = divmod(n, 1024 * 1024)
    return f"{mb} MB" if mb and not rest else f"{n} bytes"


def read_capped(stream: BinaryIO, name: str, limit: int) -> bytes:
    """At most ``limit`` bytes of ``stream``, read in chunks: one byte more is an error,
    so an endless source (``/dev/zero``, a runaway pipe) fails fast instead of filling
    memory. A run holds its whole input at once (as bytes, text and articles: measured
    about six times the size of a JSONL archive), so the limit is what it can afford."""
    chunks: list[bytes] = []
    total = 0
    while True:
        chunk = stream.read(min(_CHUNK, limit + 1 - total))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:
            raise InputError(f"{name}: larger than the limit of {size_text(limit)}")


def _not_a_file(mode: int) -> str | None:
    """Why a file of this mode cannot be read as an article, or None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    return next((what for test, what in _KINDS if test(mode)), "is not a regular file")


def read_file_bytes(path: Path, limit: int = MAX_BYTES) -> bytes:
    """A regular file's bytes. Anything else is refused before it is read: a FIFO would
    block forever, a device never ends. The file is opened without blocking and checked
    again on the open descriptor, so a file swapped in between cannot slip through."""
    name = str(path)
    try:
        what = _not_a_file(os.stat(path).st_mode)
        if what is not None:
            raise InputError(f"{name}: {what}")
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
        with os.fdopen(fd, "rb") as handle:
            info = os.fstat(handle.fileno())
            what = _not_a_file(info.st_mode)
            if what is not None:
                raise InputError(f"{name}: {what}")
            if info.st_size > limit:
                raise InputError(f"{name}: larger than the limit of {size_text(limit)}")
            return read_capped(handle, name, limit)
    except FileNotFoundError as exc:
        raise InputError(f"{name}: no such file") from exc
    except OSError as exc:
        raise InputError(f"{name}: cannot read ({exc.strerror or exc})") from exc


def _path_items(path: Path, base_id: str | None, limit: int) -> list[Article | InputError]:
    name = str(path)
    text = decode(read_file_bytes(path, limit), name)
    return list(items_from_text(text, name, base_id or path.stem, path.suffix))


def read_path(path: Path, base_id: str | None = None, limit: int = MAX_BYTES) -> list[Article]:
    """The articles of one file; ``base_id`` replaces its stem as the id (folders)."""
    return _all_or_nothing(_path_items(path, base_id, limit))


def _stream_items(stream: BinaryIO, name: str, limit: int) -> Iterator[Article | InputError]:
    text = decode(read_capped(stream, name, limit), name)
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        try:  # JSON if it parses as JSON; "[Reuters] Kyiv ..." is text
            items = list(items_from_text(text, name, "stdin", ".json"))
        except JSONSyntaxError:
            pass
        else:
            yield from items
            return
    if stripped[:15].lower().startswith(("<!doctype", "<html")):
        yield from items_from_text(text, name, "stdin", ".html")
        return
    yield from items_from_text(text, name, "stdin", ".txt")


def read_stream(stream: BinaryIO, name: str = "<stdin>", limit: int = MAX_BYTES) -> list[Article]:
    """The articles of a stream: JSON when it parses as JSON, HTML, else plain text."""
    return _all_or_nothing(_stream_items(stream, name, limit))


def parse_upload(filename: str, data: bytes) -> list[Article]:
    """Articles from a web upload; the type comes from the file name's suffix. An upload
    is all or nothing: its first bad record is the error. Ids are left as the file gives
    them: the web page makes them unique against the store and each other, and says so."""
    suffix = Path(filename).suffix.lower()
    if suffix not in SUFFIXES:
        raise InputError(
            f"{filename}: unsupported file type {suffix or '(none)'}; use .txt, .html or .json"
        )
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", Path(filename).stem).strip("-") or "upload"
    return articles_from_text(decode(data, filename), filename, stem, suffix)


# -- which inputs, and their ids ---------------------------------------------------------------


@dataclass(frozen=True)
class Input:
    """One input of a run: a path (or "-" for stdin) and the id its articles start from.
    A file named directly keeps its stem; one found in a folder gets its path inside that
    folder, so ``a/index.txt`` and ``b/index.txt`` are two articles, ``a/index`` and
    ``b/index``, and a folder ingested again gives the same ids."""

    path: Path | str
    base_id: str | None = None


def expand_paths(paths: Iterable[str | Path]) -> Iterator[Input]:
    """Folders become the article files inside them (sorted, recursive)."""
    for p in paths:
        if str(p) == "-":
            yield Input("-", None)
            continue
        path = Path(p)
        if path.is_dir():
            for f in sorted(path.rglob("*")):
                if f.is_file() and f.suffix.lower() in SUFFIXES:
                    yield Input(f, f.relative_to(path).with_suffix("").as_posix())
        else:
            yield Input(path, None)


class DuplicateIdWarning(UserWarning):
    """Two inputs of one run had the same article id; the later one was renamed."""


@dataclass(frozen=True)
class DuplicateId:
    """A second article of one run with an id already taken: it is kept under ``new_id``
    (``id-2``, ``id-3`` ...) rather than replacing the first, and the run says so."""

    article: Article  # as read, with the taken id
    first: str  # the input that took the id first
    new_id: str

    @property
    def id(self) -> str:
        return self.article.id

    @property
    def message(self) -> str:
        where = self.article.source or self.article.id
        used = "earlier in this input" if self.first == where else f"by {self.first} in this run"
        return f"{where}: id {self.id!r} is already used {used}; stored as {self.new_id!r}"


def unique_ids(
    items: Iterable[Article | InputError],
) -> Iterator[Article | InputError | DuplicateId]:
    """The items with every article's id unique: a taken id gets the first free suffix
    ``-2``, ``-3`` ..., announced by a DuplicateId just before the renamed article. The
    same inputs in the same order always give the same ids, so a run repeated replaces
    its own articles."""
    taken: dict[str, str] = {}
    for item in items:
        if isinstance(item, Article):
            where = item.source or item.id
            if item.id in taken:
                n = 2
                while f"{item.id}-{n}" in taken:
                    n += 1
                new_id = f"{item.id}-{n}"
                yield DuplicateId(item, taken[item.id], new_id)
                item = replace(item, id=new_id)
            taken[item.id] = where
        yield item


def _read_items(inputs: Iterable[Input], limit: int) -> Iterator[Article | InputError]:
    for inp in inputs:
        try:
            if inp.path == "-":
                items = list(_stream_items(sys.stdin.buffer, "<stdin>", limit))
            else:
                items = _path_items(Path(inp.path), inp.base_id, limit)
        except InputError as exc:
            yield exc
            continue
        yield from items


def iter_articles(
    paths: Iterable[str | Path], *, limit: int = MAX_BYTES
) -> Iterator[Article | InputError | DuplicateId]:
    """Each article (ids unique in the run), the InputError of an input or record that
    failed, and a DuplicateId before an article that had to be renamed, in input order."""
    return unique_ids(_read_items(expand_paths(paths), limit))


def load_articles(
    paths: Iterable[str | Path],
    *,
    limit: int = MAX_BYTES,
    on_duplicate: Callable[[DuplicateId], None] | None = None,
) -> tuple[list[Article], list[str]]:
    """The articles and one line per failure. A renamed duplicate id goes to
    ``on_duplicate``, by default a :class:`DuplicateIdWarning`: never silently."""
    articles: list[Article] = []
    errors: list[str] = []
    for item in iter_articles(paths, limit=limit):
        if isinstance(item, InputError):
            errors.append(str(item))
        elif isinstance(item, DuplicateId):
            if on_duplicate is None:
                warnings.warn(item.message, DuplicateIdWarning, stacklevel=2)
            else:
                on_duplicate(item)
        else:
            articles.append(item)
    return articles, errors


def content_hash(article: Article) -> str:
    h = hashlib.sha256()
    for part in (article.title or "", article.url or "", article.date or "", article.text):
        h.update(part.encode("utf-8"))
        h.update(b"\x1f")
    return h.hexdigest()
