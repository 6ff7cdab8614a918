"""Pages that change only when the store does: the map page, ``/places.geojson`` and the
article pages.

Their ETag is derived from the store's revision (``Store.change_stamp()``, moved on by
every write; for an article page ``Store.article_stamp()``, a digest of what it shows)
and what else the response depends on (query string, settings, the visitor's login), so a
browser revalidates and gets ``304 Not Modified`` until the store changes.
The server keeps what is costly to build (the full GeoJSON, already gzipped; the map
page's parts) per app, with the revision it was built from, so it is built once per change
rather than for every reader.
"""

from __future__ import annotations

import gzip
import hashlib
import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import request, session
from werkzeug.wrappers import Response

T = TypeVar("T")
MAX_ENTRIES = 256  # pages kept: map page selections and article pages (~50 kB each)


def etag(*parts: object) -> str:
    """A short tag for ``parts`` (anything with a stable repr)."""
    return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()[:32]


def visitor() -> tuple[str | None, str | None]:
    """What of the session shows in a page: the editor's name and a digest of the CSRF
    secret (a page kept by the browser carries a token that must stay valid)."""
    secret = session.get("csrf_token")
    digest = hashlib.sha256(str(secret).encode("utf-8")).hexdigest()[:16] if secret else None
    editor = session.get("editor")
    return (str(editor) if editor else None), digest


def not_modified(tag: str, per_visitor: bool = False) -> Response | None:
    """``304 Not Modified`` when the request's If-None-Match holds ``tag``, else None.

    The 304 carries no Content-Security-Policy (see geomap.web.security_headers): the
    browser keeps the policy it stored with the page, which matches the page's scripts."""
    if not request.if_none_match.contains_weak(tag):
        return None
    return revalidate(Response(status=304), tag, per_visitor)


def revalidate(response: Response, tag: str, per_visitor: bool = False) -> Response:
    """The response may be kept but must be checked with the server each time
    (``no-cache``) through its ETag; it differs by encoding, and by login when
    ``per_visitor`` (then only the visitor's browser may keep it)."""
    response.set_etag(tag, weak=True)  # weak: the gzipped and plain bodies are equivalent
    response.cache_control.no_cache = True
    response.vary.add("Accept-Encoding")
    if per_visitor:
        response.cache_control.private = True
        response.vary.add("Cookie")
    return response


@dataclass(frozen=True)
class Body:
    """A response body in both encodings (gzip made once, not per request)."""

    data: bytes
    packed: bytes

    @classmethod
    def of(cls, data: bytes) -> Body:
        return cls(data, gzip.compress(data, compresslevel=5))

    def send(self, response: Response) -> Response:
        """Put the body in ``response``, gzipped for clients that accept it."""
        if "gzip" in request.headers.get("Accept-Encoding", "").lower():
            response.set_data(self.packed)
            response.headers["Content-Encoding"] = "gzip"
        else:
            response.set_data(self.data)
        return response


class StoreCache:
    """Values computed from the store, each kept with the revision it was built from.

    One build per key at a time. While it runs, readers get the previous value (with the
    ETag of its own revision) rather than waiting or building it again: after each upload,
    50 readers would otherwise rebuild the full GeoJSON 50 times, each slower than the last
    as they share the CPU with the parse. A reader with no previous value waits for the
    build, so a lone client always sees the store as it is."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self.max_entries = max_entries
        self._values: dict[Hashable, tuple[Hashable, Any]] = {}  # key: (stamp, value)
        self._lock = threading.Lock()
        self._building: dict[Hashable, threading.Lock] = {}

    def get(self, stamp: Hashable, key: Hashable, build: Callable[[], T]) -> tuple[Hashable, T]:
        """``(stamp, value)``: built now for ``stamp``, or the previous one while another
        thread builds it."""
        with self._lock:
            hit = self._values.get(key)
            if hit is not None and hit[0] == stamp:
                return hit
            gate = self._building.setdefault(key, threading.Lock())
        if hit is not None and gate.locked():
            return hit
        with gate:
            with self._lock:
                hit = self._values.get(key)
                if hit is not None and hit[0] == stamp:
                    return hit
            value = build()  # read after the stamp: never older than what it is kept as
            with self._lock:
                self._values.pop(key, None)
                while len(self._values) >= self.max_entries:
                    del self._values[next(iter(self._values))]  # the oldest
                self._values[key] = (stamp, value)
            return stamp, value


def conditional(
    stamp: Hashable,
    key: Hashable | None,
    tag_of: Callable[[Hashable], str],
    build: Callable[[], T],
    respond: Callable[[T], Response],
    per_visitor: bool = False,
) -> Response:
    """The response for ``stamp``: a 304 when the client holds it, else ``respond`` to the
    value ``build`` makes (kept in the app's cache under ``key`` unless it is None), with
    the ETag of the revision the value was built from."""
    from flask import current_app

    tag = tag_of(stamp)
    unchanged = not_modified(tag, per_visitor)
    if unchanged is not None:
        return unchanged
    if key is None:
        got, value = stamp, build()
    else:
        cache: StoreCache = current_app.extensions["geomap"]["cache"]
        got, value = cache.get(stamp, key, build)
    if got != stamp:  # the previous revision, while the current one is built
        tag = tag_of(got)
        unchanged = not_modified(tag, per_visitor)
        if unchanged is not None:
            return unchanged
    return revalidate(respond(value), tag, per_visitor)
