"""``geomap ingest``, ``geomap serve`` and ``geomap export``: the store's commands."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

DB_OPTION = click.option(
    "--db",
    type=click.Path(dir_okay=False),
    default=None,
    help="The SQLite store (default: GEOMAP_DB, else geomap.db in the per-user data dir).",
)


def ingest_paths(ctx: click.Context, settings: Any, paths: tuple[str, ...]) -> int:
    """Parse and store PATHS; one stderr line per failed input. Returns the failure count."""
    from tqdm import tqdm

    from geomap.articles import load_articles
    from geomap.pipeline import Engine
    from geomap.store import Store, ingest

    articles, errors = load_articles(paths)
    for message in errors:
        click.echo(f"geomap: {message}", err=True)
    with Store(settings.db_path) as store:
        todo = [a for a in articles if not store.is_unchanged(a)]
        rules = store.corrections(active_only=True)  # editors' corrections apply to new articles
        engine = Engine(settings, progress=True, rules=rules) if todo else None
        bar = tqdm(
            total=len(articles),
            unit="article",
            desc="ingest",
            file=sys.stderr,
            disable=len(articles) < 2 or None,
        )
        with bar:
            report = ingest(
                store,
                engine.parse if engine is not None else _no_parse,
                articles,
                on_article=lambda _a: bar.update(1),
            )
        for message in report.errors:
            click.echo(f"geomap: {message}", err=True)
        counts = store.counts()
    failed = len(errors) + len(report.errors)
    click.echo(
        f"{report.summary()}{f', {len(errors)} unreadable' if errors else ''}; "
        f"the store {settings.db_path} holds {counts['articles']} articles, "
        f"{counts['places']} places, {counts['mentions']} mentions"
    )
    return failed


def _no_parse(articles: list[Any]) -> Any:  # pragma: no cover - only unchanged articles
    raise AssertionError("nothing to parse")


@click.command()
@click.argument("paths", nargs=-1, required=True)
@DB_OPTION
@click.pass_context
def ingest(ctx: click.Context, paths: tuple[str, ...], db: str | None) -> None:
    """Find the places in PATHS (files or folders of .txt, .html, .json, .jsonl; - for stdin)
    and keep them in the store. Unchanged articles are skipped; changed ones replaced.
    Exit status 2 if any input failed."""
    from geomap.cli import settings_from

    settings = settings_from(ctx, db=db)
    if ingest_paths(ctx, settings, paths):
        ctx.exit(2)


@click.command()
@click.argument("paths", nargs=-1)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(0, 65535))
@DB_OPTION
@click.option(
    "--tiles",
    default=None,
    help="Raster tiles instead of the offline country layer: 'osm' or an "
    "http(s)://…/{z}/{x}/{y}.png template (GEOMAP_TILES).",
)
@click.option("--read-only", is_flag=True, help="No editing: corrections cannot be made.")
@click.pass_context
def serve(
    ctx: click.Context,
    paths: tuple[str, ...],
    host: str,
    port: int,
    db: str | None,
    tiles: str | None,
    read_only: bool,
) -> None:
    """Ingest PATHS (if any), then serve the map on http://HOST:PORT/."""
    from geomap.cli import settings_from
    from geomap.mapview import tile_layer
    from geomap.web import create_app

    settings = settings_from(ctx, db=db, tiles=tiles)
    if settings.tiles:
        tile_layer(settings.tiles)  # a bad template fails now, not on the first page
    if host not in ("127.0.0.1", "localhost", "::1") and not read_only:
        from geomap.errors import InputError
        from geomap.store import Store

        with Store(settings.db_path) as store:
            if not store.editors():
                raise InputError(
                    f"--host {host}: editing is on and {settings.db_path} has no editor; "
                    "run geomap editors add NAME first, or serve with --read-only"
                )
    failed = ingest_paths(ctx, settings, paths) if paths else 0
    if failed:
        click.echo(f"geomap: {failed} inputs failed; serving what was stored", err=True)
    if host not in ("127.0.0.1", "localhost", "::1"):
        click.echo(
            f"geomap: warning: listening on {host}: anyone who can reach this machine "
            "can read and add articles",
            err=True,
        )

    def engine_factory() -> Any:
        from geomap.pipeline import Engine

        return Engine(settings)

    app = create_app(
        {
            "DATABASE": str(settings.db_path),
            "TILES": settings.tiles,
            "ENGINE": engine_factory,
            "EDITING": not read_only,
        }
    )
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"geomap: serving {settings.db_path} on http://{shown}:{port}/ (Ctrl-C stops)")
    app.run(host=host, port=port, threaded=True, use_reloader=False, debug=False)


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
    if not settings.db_path.exists():
        raise InputError(f"{settings.db_path}: no such store; run geomap ingest first")
    if fmt == "gpkg" and output == "-":
        raise InputError("a GeoPackage is a database file: give it a name with -o FILE.gpkg")
    with Store(settings.db_path) as store:
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
