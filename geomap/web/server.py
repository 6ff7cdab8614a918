"""The WSGI server ``geomap serve`` runs the app in: waitress, a pure-Python production
server. A fixed pool of threads answers requests; connections waiting between requests
cost no thread (500 idle connections made 504 threads under Flask's development server),
and their number is bounded. ``Server`` names only "geomap", no versions.
"""

from __future__ import annotations

from typing import Any

CONNECTION_LIMIT = 1000  # open connections served at once; more wait in the listen backlog
IDLE_SECONDS = 60  # a connection idle this long is closed


def connection_limit(wanted: int = CONNECTION_LIMIT) -> int:
    """``wanted``, or fewer when the process may not open that many files (each
    connection is one, and the store, the index and the logs need some)."""
    try:
        import resource
    except ImportError:  # not on Unix
        return wanted
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return wanted
    return max(16, min(wanted, soft - 64))


def make_server(app: Any, host: str, port: int, threads: int) -> Any:
    """A waitress server for ``app`` bound to ``host:port`` (0: a free port, then in
    ``effective_port``); ``run()`` serves until Ctrl-C, ``close()`` stops it."""
    import waitress

    return waitress.create_server(
        app,
        host=host,
        port=port,
        threads=threads,
        connection_limit=connection_limit(),
        channel_timeout=IDLE_SECONDS,
        ident="geomap",
        asyncore_use_poll=True,  # poll(): no select() limit of 1024 descriptors
    )
