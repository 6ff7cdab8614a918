"""``geomap parse`` and ``geomap gazetteer``: the engine's commands."""

from __future__ import annotations

import json
import sys
import time
from typing import TYPE_CHECKING, Any

import click

from geomap.errors import GeomapError

if TYPE_CHECKING:
    from geomap.gazetteer.geocoders import GeocoderTrouble


def _engine(ctx: click.Context, progress: bool = True, **flags: Any):
    from geomap.cli import settings_from
    from geomap.corrections import rules_from
    from geomap.pipeline import Engine

    settings = settings_from(ctx, **flags)
    return Engine(settings, progress=progress, rules=rules_from(settings.db_url))


GEOCODER_EXIT = 3  # the run finished, but the geocoder could not answer for some names


def geocoder_options(fn: Any = None, *, threshold: bool = True) -> Any:
    """The online-geocoder flags the README lists (same names as GEOMAP_* and geomap.toml
    keys), for every command that may ask the geocoder; ``threshold=False`` leaves out
    ``--threshold`` for commands that only list candidates."""
    options = [
        click.option(
            "--geocoder",
            type=click.Choice(["none", "nominatim", "photon"]),
            default=None,
            help="Ask an online geocoder for what the gazetteers "
            "cannot place (GEOMAP_GEOCODER; default none: offline).",
        ),
        click.option(
            "--geocoder-url",
            default=None,
            metavar="URL",
            help="Scheme and host[:port] of the geocoder, e.g. http://127.0.0.1:8080 "
            "(GEOMAP_GEOCODER_URL; default: the public service).",
        ),
        click.option(
            "--user-agent",
            default=None,
            metavar="UA",
            help="User-Agent for the geocoder (GEOMAP_USER_AGENT); required by Nominatim.",
        ),
        click.option(
            "--geocoder-min-delay",
            type=float,
            default=None,
            help="Seconds between geocoder requests (default 1.0).",
        ),
        click.option(
            "--geocoder-timeout",
            type=float,
            default=None,
            help="Seconds a geocoder request may take in all, however slowly the answer "
            "comes (default 10).",
        ),
    ]
    if threshold:
        options.append(
            click.option(
                "--threshold",
                type=float,
                default=None,
                help="Confidence below which a mention is left unresolved (default 0.35).",
            )
        )

    def decorate(f: Any) -> Any:
        for option in reversed(options):
            f = option(f)
        return f

    return decorate if fn is None else decorate(fn)


def report_geocoder_trouble(
    ctx: click.Context, trouble: GeocoderTrouble, *, failed_inputs: int
) -> None:
    """Say on stderr for how many names the geocoder failed; exit 2 when inputs failed,
    else 3 when the geocoder did (the run itself finished and kept what it found)."""
    for line in trouble.lines():
        click.echo(f"geomap: {line}", err=True)
    if failed_inputs:
        ctx.exit(2)
    if trouble:
        ctx.exit(GEOCODER_EXIT)


@click.command()
@click.argument("files", nargs=-1, required=True)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["geojson", "json", "csv"]),
    default="geojson",
    show_default=True,
    help="geojson: RFC 7946 FeatureCollection; json: the articles (with their focus) and "
    "one record per mention; csv: one row per mention.",
)
@click.option("--indent", type=int, default=None, help="Pretty-print JSON with this indent.")
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Processes that parse in parallel (default: all cores for 200+ articles; "
    "1: a single process). The output is the same either way.",
)
@geocoder_options
@click.option(
    "--db",
    type=click.Path(dir_okay=False),
    default=None,
    help="Apply the corrections of this store (default: GEOMAP_DB, else the per-user store); "
    "nothing is written to it.",
)
@click.pass_context
def parse(
    ctx: click.Context,
    files: tuple[str, ...],
    fmt: str,
    indent: int | None,
    workers: int | None,
    **flags: Any,
) -> None:
    """Find and resolve the places in FILES (.txt, .html, .json, .jsonl, folders, or - for
    stdin) and print them; nothing is stored. The store's corrections apply. Exit status 2
    if any input failed, else 3 if the online geocoder failed for some names (they are
    printed as unresolved, with the reason)."""
    from geomap.articles import DuplicateId, iter_articles
    from geomap.cli import settings_from
    from geomap.errors import InputError
    from geomap.export import result_to_csv, result_to_geojson, result_to_json
    from geomap.models import ParseResult
    from geomap.parallel import choose_workers, parse_parallel

    articles, resolutions, errors = [], [], []
    good = []
    settings = settings_from(ctx, **flags)
    for item in iter_articles(files, limit=settings.max_input_bytes):
        if isinstance(item, InputError):
            errors.append(str(item))
            click.echo(f"geomap: {item}", err=True)
        elif isinstance(item, DuplicateId):
            click.echo(f"geomap: warning: {item.message}", err=True)
        else:
            good.append(item)
    n_workers = choose_workers(workers, len(good))
    if not good:  # every input failed: no model to load
        parsed: Any = iter(())
    elif n_workers == 1:
        parsed = _engine(ctx, **flags).iter_parse(good)
    else:
        from geomap.gazetteer.index import ensure_index

        ensure_index(settings.index_file, progress=True)  # once here, not in every worker
        from geomap.corrections import rules_from

        rules = rules_from(settings.db_url)
        parsed = (
            p
            for batch in parse_parallel(settings, good, n_workers, rules=rules)
            for p in batch.parsed
        )
    for article, res in parsed:
        articles.append(article)
        resolutions.extend(res)
    result = ParseResult(tuple(articles), tuple(resolutions), tuple(errors))
    if fmt == "csv":
        sys.stdout.write(result_to_csv(result))
    elif fmt == "json":
        click.echo(json.dumps(result_to_json(result), ensure_ascii=False, indent=indent))
    else:
        click.echo(json.dumps(result_to_geojson(result), ensure_ascii=False, indent=indent))
    from geomap.gazetteer.geocoders import GeocoderTrouble

    report_geocoder_trouble(ctx, GeocoderTrouble.of(resolutions), failed_inputs=len(errors))


@click.group()
def gazetteer() -> None:
    """Build the offline index and check the curated gazetteer."""


@gazetteer.command()
@click.pass_context
def build(ctx: click.Context) -> None:
    """Rebuild the offline gazetteer index from the installed data packages."""
    from geomap.cli import settings_from
    from geomap.gazetteer.index import build_index

    settings = settings_from(ctx)
    t0 = time.perf_counter()
    path = build_index(settings.index_file, progress=True)
    click.echo(f"built {path} in {time.perf_counter() - t0:.1f} s")


@gazetteer.command()
@click.argument("directory", required=False, type=click.Path(file_okay=False))
@click.pass_context
def check(ctx: click.Context, directory: str | None) -> None:
    """Validate the curated gazetteer files (geometry, ids, aliases); exit 1 on errors."""
    from pathlib import Path

    from geomap.cli import settings_from
    from geomap.gazetteer.check import check_gazetteer, format_problems

    path = Path(directory) if directory else settings_from(ctx).gazetteer_path
    problems = check_gazetteer(path)
    if problems:
        click.echo(format_problems(problems))
    n_err = sum(1 for p in problems if p.level == "error")
    n_warn = len(problems) - n_err
    click.echo(f"{path}: {n_err} error(s), {n_warn} warning(s)")
    if n_err:
        ctx.exit(1)


__all__ = ["parse", "gazetteer", "GeomapError"]
