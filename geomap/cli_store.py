"""``geomap ingest``, ``geomap serve`` and ``geomap export``: the store's commands."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from geomap.cli_parse import geocoder_options, report_geocoder_trouble

if TYPE_CHECKING:
    from geomap.gazetteer.geocoders import GeocoderTrouble

DB_OPTION = click.option(
    "--db",
    default=None,
    metavar="FILE|URL",
    help="The store: an SQLite file, or postgresql://user@host/dbname for PostgreSQL/PostGIS "
    "(default: GEOMAP_DB, else geomap.db in the per-user data dir).",
)


def scale_options(fn: Any) -> Any:
    """``--workers``, ``--scheduler`` and ``--batch-size``: how ingest spreads its work."""
    options = [
        click.option(
            "--workers",
            type=click.IntRange(min=1),
            default=None,
            help="Processes that parse in parallel (default: all cores for 200+ articles; "
            "1: a single process).",
        ),
        click.option(
            "--scheduler",
            default=None,
            metavar="tcp://HOST:8786",
            help="Run on this Dask distributed scheduler instead (pip install "
            "'geomap[cluster]'); with a postgresql:// store the workers write.",
        ),
        click.option(
            "--batch-size",
            type=click.IntRange(min=1),
            default=16,
            show_default=True,
            help="Articles per task (and per transaction).",
        ),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def ingest_paths(
    ctx: click.Context,
    settings: Any,
    paths: tuple[str, ...],
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    batch_size: int = 16,
) -> tuple[int, GeocoderTrouble]:
    """Parse and store PATHS; one stderr line per failed input. Returns the count of failed
    inputs and the names the online geocoder failed for."""
    from tqdm import tqdm

    from geomap.articles import load_articles
    from geomap.parallel import ingest_articles
    from geomap.store import Store

    articles, errors = load_articles(
        paths,
        limit=settings.max_input_bytes,
        on_duplicate=lambda d: click.echo(f"geomap: warning: {d.message}", err=True),
    )
    for message in errors:
        click.echo(f"geomap: {message}", err=True)
    with Store.open(settings.db_url) as store:
        bar = tqdm(
            total=len(articles),
            unit="article",
            desc="ingest",
            file=sys.stderr,
            disable=len(articles) < 2 or None,
        )
        with bar:
            report = ingest_articles(
                store,
                settings,
                articles,
                workers=workers,
                scheduler=scheduler,
                batch_size=batch_size,
                on_progress=bar.update,
            )
        for message in report.errors:
            click.echo(f"geomap: {message}", err=True)
        counts = store.counts()
        name = store.name
    failed = len(errors) + len(report.errors)
    click.echo(
        f"{report.summary()}{f', {len(errors)} unreadable' if errors else ''}; "
        f"the store {name} holds {counts['articles']} articles, "
        f"{counts['places']} places, {counts['mentions']} mentions"
    )
    from geomap.gazetteer.geocoders import GeocoderTrouble

    return failed, report.geocoder or GeocoderTrouble()


@click.command()
@click.argument("paths", nargs=-1, required=True)
@DB_OPTION
@scale_options
@geocoder_options
@click.pass_context
def ingest(
    ctx: click.Context,
    paths: tuple[str, ...],
    db: str | None,
    workers: int | None,
    scheduler: str | None,
    batch_size: int,
    **flags: Any,
) -> None:
    """Find the places in PATHS (files or folders of .txt, .html, .json, .jsonl; - for stdin)
    and keep them in the store. Unchanged articles are skipped; changed ones replaced.
    Parses on all cores (--workers) or a Dask cluster (--scheduler).
    Exit status 2 if any input failed, else 3 if the online geocoder failed for some names
    (stored as unresolved: geomap resolve --retry-unresolved asks again)."""
    from geomap.cli import settings_from

    settings = settings_from(ctx, db=db, **flags)
    failed, trouble = ingest_paths(
        ctx, settings, paths, workers=workers, scheduler=scheduler, batch_size=batch_size
    )
    report_geocoder_trouble(ctx, trouble, failed_inputs=failed)


def serve_hosts(host: str, given: tuple[str, ...], configured: str | None) -> list[str]:
    """The names the server answers to besides loopback: --host itself (unless it is a
    wildcard address, which no browser puts in a Host header), --trusted-host and the
    settings' comma-separated list."""
    names = [] if host in ("0.0.0.0", "::", "") else [host]
    return [*names, *given, *(configured or "").split(",")]


LOOPBACK = ("127.0.0.1", "localhost", "::1")
THREADS = 8  # request threads of geomap serve


@click.command()
@click.argument("paths", nargs=-1)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    default=5000,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port to listen on (0: any free one, printed).",
)
@DB_OPTION
@click.option(
    "--tiles",
    default=None,
    help="Raster tiles instead of the offline country layer: 'osm' or an "
    "http(s)://…/{z}/{x}/{y}.png template (GEOMAP_TILES).",
)
@click.option("--read-only", is_flag=True, help="No editing: corrections cannot be made.")
@click.option(
    "--threads",
    type=click.IntRange(1, 64),
    default=THREADS,
    show_default=True,
    help="Requests answered at once (uploads are parsed apart, on one background thread).",
)
@click.option(
    "--debug",
    is_flag=True,
    help="Flask's development server with its debugger instead of waitress (loopback only).",
)
@click.option(
    "--trusted-host",
    "trusted_host",
    multiple=True,
    metavar="NAME",
    help="A host name the server answers to besides localhost, 127.0.0.1, [::1] and --host "
    "(repeatable; '.example.org' takes its subdomains too; GEOMAP_TRUSTED_HOSTS, "
    "comma-separated). Requests naming another host get 400 (DNS rebinding).",
)
@geocoder_options
@click.pass_context
def serve(
    ctx: click.Context,
    paths: tuple[str, ...],
    host: str,
    port: int,
    db: str | None,
    tiles: str | None,
    read_only: bool,
    threads: int,
    debug: bool,
    trusted_host: tuple[str, ...],
    **flags: Any,
) -> None:
    """Ingest PATHS (if any), then serve the map on http://HOST:PORT/ (the waitress WSGI
    server; uploads are parsed on a background thread while pages keep being served). The
    geocoder flags apply to PATHS and to the articles added in the browser."""
    from geomap.cli import settings_from
    from geomap.errors import InputError
    from geomap.mapview import tile_layer
    from geomap.web import create_app, warm_map

    settings = settings_from(ctx, db=db, tiles=tiles, **flags)
    if settings.tiles:
        tile_layer(settings.tiles)  # a bad template fails now, not on the first page
    if debug and host not in LOOPBACK:
        raise InputError(
            f"--host {host}: --debug runs a debugger that executes code; loopback only"
        )
    if host not in LOOPBACK and not read_only:
        from geomap.store import Store

        with Store.open(settings.db_url) as store:
            if not store.editors():
                raise InputError(
                    f"--host {host}: editing is on and {settings.db_path} has no editor; "
                    "run geomap editors add NAME first, or serve with --read-only"
                )
    if paths:
        failed, trouble = ingest_paths(ctx, settings, paths)
        for line in trouble.lines():
            click.echo(f"geomap: {line}", err=True)
        if failed:
            click.echo(f"geomap: {failed} inputs failed; serving what was stored", err=True)
    if host not in LOOPBACK:
        click.echo(
            f"geomap: warning: listening on {host}: anyone who can reach this machine "
            "can read and add articles",
            err=True,
        )
        if host in ("0.0.0.0", "::") and not (trusted_host or settings.trusted_hosts):
            click.echo(
                "geomap: only requests to localhost, 127.0.0.1 or [::1] are answered; "
                "name the host others use with --trusted-host NAME",
                err=True,
            )

    def engine_factory() -> Any:
        from geomap.pipeline import Engine

        return Engine(settings)

    app = create_app(
        {
            "DATABASE": settings.db_url,
            "TILES": settings.tiles,
            "ENGINE": engine_factory,
            "EDITING": not read_only,
            "TRUSTED_HOSTS": serve_hosts(host, trusted_host, settings.trusted_hosts),
        }
    )
    warm_map(app)  # a big store's world map views, computed while the server starts
    run_server(app, host, port, threads=threads, debug=debug, db_url=settings.db_url)


def _stop_on_signals() -> None:
    """Ctrl-C and SIGTERM (systemd, docker stop, kill) stop the server, even when it was
    started from a shell or a process that ignores SIGINT (``geomap serve &`` in a script):
    Python only turns SIGINT into KeyboardInterrupt when it was not ignored at start."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return

    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, stop)


def run_server(app: Any, host: str, port: int, *, threads: int, debug: bool, db_url: str) -> None:
    """Serve ``app`` until Ctrl-C: waitress (geomap.web.server) with ``threads`` request
    threads, or Flask's development server with ``debug``. Then the upload jobs stop."""
    from geomap.backends import redact
    from geomap.web.server import make_server

    def announce(bound: int) -> None:
        shown = f"[{host}]" if ":" in host else host
        click.echo(f"geomap: serving {redact(db_url)} on http://{shown}:{bound}/ (Ctrl-C stops)")

    _stop_on_signals()
    try:
        if debug:
            announce(port)
            app.run(host=host, port=port, threaded=True, use_reloader=False, debug=True)
            return
        server = make_server(app, host, port, threads)
        announce(int(getattr(server, "effective_port", port)))
        server.run()
    finally:
        app.extensions["geomap"]["jobs"].shutdown()


@click.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["geojson", "csv", "kml", "gpkg"]),
    default="geojson",
    show_default=True,
    help="GeoJSON (the schema of geomap parse), CSV (one row per mention), KML (Google "
    "Earth: one placemark per place) or GeoPackage (QGIS: places, mentions, unresolved).",
)
@click.option("--article", default=None, help="Only this article's places.")
@click.option(
    "--from", "date_from", default=None, help="Only articles dated on or after YYYY-MM-DD."
)
@click.option("--to", "date_to", default=None, help="Only articles dated on or before YYYY-MM-DD.")
@click.option(
    "--min-confidence", default=None, help="Leave out placed mentions below this (0 to 1)."
)
@click.option("--feed", default=None, help="Only articles from this source (file or feed).")
@click.option("--kind", default=None, help="Only these place kinds, comma-separated.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, allow_dash=True),
    default="-",
    help="Write to FILE instead of standard output (required for gpkg).",
)
@click.option("--indent", type=int, default=None, help="Pretty-print GeoJSON with this indent.")
@DB_OPTION
@click.pass_context
def export(
    ctx: click.Context,
    fmt: str,
    article: str | None,
    date_from: str | None,
    date_to: str | None,
    min_confidence: str | None,
    feed: str | None,
    kind: str | None,
    output: str,
    indent: int | None,
    db: str | None,
) -> None:
    """Write the stored places (or the filtered selection) as GeoJSON, CSV, KML or GeoPackage.

    Dates are the articles' dates: an undated article is outside any --from/--to range."""
    from geomap.cli import settings_from
    from geomap.errors import InputError
    from geomap.filters import Filters
    from geomap.formats import export_bytes
    from geomap.store import Store

    filters = Filters.from_args(
        {
            "from": date_from,
            "to": date_to,
            "min_confidence": min_confidence,
            "feed": feed,
            "kind": kind,
        }
    )
    settings = settings_from(ctx, db=db)
    if not Store.exists(settings.db_url):
        raise InputError(f"{settings.db_path}: no such store; run geomap ingest first")
    if fmt == "gpkg" and output == "-":
        raise InputError("a GeoPackage is a database file: give it a name with -o FILE.gpkg")
    with Store.open(settings.db_url) as store:
        if article is not None and store.article(article) is None:
            raise InputError(f"{settings.db_path}: no article {article!r}")
        articles, resolutions = store.selection(article, filters)
    if fmt == "geojson" and indent is not None:
        from geomap.export import feature_collection

        data = json.dumps(
            feature_collection(articles, resolutions), ensure_ascii=False, indent=indent
        ).encode("utf-8")
    else:
        data = export_bytes(fmt, articles, resolutions)
    places = len({r.place.id for r in resolutions if r.place is not None})
    if output == "-":
        click.echo(data, nl=not data.endswith(b"\n"))  # bytes go to the binary stream
        return
    try:
        Path(output).write_bytes(data if fmt == "gpkg" or data.endswith(b"\n") else data + b"\n")
    except OSError as exc:
        raise InputError(f"{output}: cannot write ({exc.strerror or exc})") from exc
    click.echo(f"wrote {places} places to {output}", err=True)
