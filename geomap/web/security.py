"""What keeps other web sites and other host names from using the app on a visitor's behalf.

Four guards, each for one way in:

* Host names (DNS rebinding): the app answers only to the names in ``TRUSTED_HOSTS``
  (the loopback names by default, plus what ``geomap serve --host/--trusted-host`` gave);
  any other ``Host`` header is a 400. A page on an attacker's name that resolves to
  127.0.0.1 is then never served, so its scripts cannot read or write through it.
* Origin: a state-changing request (POST, PUT, PATCH, DELETE) whose ``Origin`` (or, when
  there is none, ``Referer``) is another scheme, host or port is a 403. With neither header
  the request still needs a bearer token or a CSRF token (``geomap.web.edit.csrf_guard``).
* Bodies: one without a Content-Length (``Transfer-Encoding: chunked``) counts against
  ``MAX_CONTENT_LENGTH`` like any other, and past it is a 413 (Werkzeug 3.1 would cut a
  chunked form at the limit without a word).
* Scripts: every page gets a fresh nonce; the Content-Security-Policy runs only our own
  files and the inline scripts that carry it (``|nonced`` adds it to folium's), never an
  injected one.

Flask's own ``TRUSTED_HOSTS`` check is not used: Werkzeug 3.1 cuts each trusted name at its
first ':' so an IPv6 name such as ``[::1]`` can never match; ours compares whole names.
"""

from __future__ import annotations

import io
import re
import secrets
from collections.abc import Iterable
from typing import IO
from urllib.parse import urlsplit

from flask import Flask, Request, abort, current_app, g, request
from markupsafe import Markup
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.utils import cached_property

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "[::1]")
DEFAULT_PORTS = {"http": 80, "https": 443}


def host_name(host: str) -> str:
    """``[::1]:5000`` -> ``[::1]``, ``Example.org:80`` -> ``example.org``; IPv6 kept in brackets."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[: host.find("]") + 1] if "]" in host else host
    if host.count(":") > 1:  # a bare IPv6 address, as given to --host ::1
        return f"[{host}]"
    return host.partition(":")[0]


def trusted_hosts(names: Iterable[str]) -> list[str]:
    """The loopback names plus ``names`` (comma-separated lists allowed), normalised."""
    out: list[str] = []
    for item in (*LOOPBACK_HOSTS, *names):
        for name in str(item).split(","):
            if name.strip() and host_name(name) not in out:
                out.append(host_name(name))
    return out


def host_is_trusted(host: str, trusted: Iterable[str]) -> bool:
    """Whole-name match; an entry starting with '.' also takes every subdomain."""
    name = host_name(host)
    for entry in trusted:
        entry = entry.lower()
        if entry.startswith("."):
            if name == entry[1:] or name.endswith(entry):
                return True
        elif name == host_name(entry):
            return True
    return False


def check_host() -> None:
    trusted = current_app.extensions["geomap"]["trusted_hosts"]
    host = request.headers.get("Host", "")
    if trusted and not host_is_trusted(host, trusted):
        abort(
            400,
            description=(
                f"this server does not answer to the host name {host_name(host) or '(none)'!r}; "
                "start it with --trusted-host NAME (or set GEOMAP_TRUSTED_HOSTS) to allow it"
            ),
        )


def origin_of(url: str) -> tuple[str, str, int | None] | None:
    """(scheme, host, port) of a URL with the default port filled in, or None if unreadable."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port or DEFAULT_PORTS.get(parts.scheme.lower())
    except ValueError:
        return None
    if not parts.scheme or not parts.hostname:
        return None
    return parts.scheme.lower(), parts.hostname.lower(), port


def check_origin() -> None:
    """A state-changing request must come from one of this site's own pages (403 if not)."""
    if request.method not in STATE_CHANGING:
        return
    here = origin_of(request.host_url)
    for header in ("Origin", "Referer"):
        sent = request.headers.get(header)
        if sent is None:
            continue
        if origin_of(sent) != here:
            abort(
                403,
                description=(
                    f"refused a {request.method} from another site ({header}: {sent[:100]}); "
                    f"send it from a page of {request.host_url.rstrip('/')}"
                ),
            )
        return


def csp_nonce() -> str:
    """This response's script nonce (one per request, made on first use)."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    nonce: str = g.csp_nonce
    return nonce


_SCRIPT_TAG = re.compile(r"<script\b(?![^>]*\bnonce=)", re.IGNORECASE)


def nonced(html: str) -> Markup:
    """Our own rendered HTML (folium's header) with the nonce on every <script> tag.

    Only for HTML the server built: text from articles reaches it escaped, so any literal
    ``<script`` in it is one of ours."""
    return Markup(_SCRIPT_TAG.sub(f'<script nonce="{csp_nonce()}"', str(html)))


class BoundedRequest(Request):
    """A request whose body counts against ``MAX_CONTENT_LENGTH`` even without a
    Content-Length header: a chunked body is read up to the limit and a byte more, and
    one past the limit is a 413 instead of a form silently cut at the limit."""

    @cached_property
    def stream(self) -> IO[bytes]:
        limit = self.max_content_length
        if (
            limit is None
            or self.content_length is not None
            or "wsgi.input_terminated" not in self.environ
        ):
            return super().stream
        raw: IO[bytes] = self.environ["wsgi.input"]
        data = bytearray()
        while len(data) <= limit:
            chunk = raw.read(min(64 * 1024, limit + 1 - len(data)))
            if not chunk:
                return io.BytesIO(bytes(data))
            data.extend(chunk)
        raise RequestEntityTooLarge()


def init_app(app: Flask) -> None:
    """The guards above, run before every other check of a request."""
    app.request_class = BoundedRequest
    names = app.config.get("TRUSTED_HOSTS") or ()
    app.extensions["geomap"]["trusted_hosts"] = trusted_hosts(
        [names] if isinstance(names, str) else names
    )
    # Flask would check TRUSTED_HOSTS itself and refuse [::1]: ours is the check
    app.config["TRUSTED_HOSTS"] = None
    app.before_request(check_host)
    app.before_request(check_origin)
    app.add_template_filter(nonced, "nonced")
    app.add_template_global(csp_nonce, "csp_nonce")
