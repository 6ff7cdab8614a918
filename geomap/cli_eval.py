"""``geomap eval``: score the engine on gold corpora (a thin shell over geomap.evaluate)."""

from __future__ import annotations

import json
from typing import Any

import click


@click.command("eval")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False))
@click.option("--limit", type=click.IntRange(min=1), help="Score only the first N documents.")
@click.option("--errors", "show_errors", is_flag=True, help="List errors by category.")
@click.option(
    "--top",
    type=click.IntRange(min=1),
    default=25,
    show_default=True,
    help="How many surface strings to list per error category.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the metrics as JSON.")
@click.option("--cases", is_flag=True, help="With --json: include every error case.")
@click.option(
    "--exclude-kind",
    "exclude_kinds",
    multiple=True,
    help="Drop predictions of this place kind before scoring (repeatable).",
)
@click.option("--threshold", type=float, help="Override the resolver's abstention threshold.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.option(
    "--corrections",
    "with_corrections",
    is_flag=True,
    help="Also score the engine (without the rules) against every correction in the store.",
)
@click.option(
    "--db",
    type=click.Path(dir_okay=False),
    default=None,
    help="With --corrections: the store (default: GEOMAP_DB, else the per-user store).",
)
@click.pass_context
def eval_command(
    ctx: click.Context,
    files: tuple[str, ...],
    limit: int | None,
    show_errors: bool,
    top: int,
    as_json: bool,
    cases: bool,
    exclude_kinds: tuple[str, ...],
    threshold: float | None,
    quiet: bool,
    with_corrections: bool,
    db: str | None,
) -> None:
    """Score geomap on gold JSONL FILES (the ../shared/bench format): recognition P/R/F1,
    acc@161 and AUC over matched mentions, and end-to-end F1@161 (a toponym's own
    ``tolerance_km`` instead of 161 km where the gold gives one). --errors also splits the
    gold toponyms by population band: missed, abstained, wrong. With --corrections,
    also report how many of the store's corrections the engine alone now agrees with."""
    from geomap.cli import settings_from
    from geomap.evaluate import evaluate, load_gold
    from geomap.pipeline import Engine

    if not files and not with_corrections:
        raise click.UsageError("give gold FILES, --corrections, or both")
    for path in files:  # fail on a bad file before loading the model
        load_gold(path)
    settings = settings_from(ctx, threshold=threshold, db=db)
    engine = Engine(settings)
    if with_corrections:
        from geomap.corrections import eval_corrections

        click.echo(eval_corrections(settings.db_url, engine.parse, as_json=as_json))

    def population_of(geonameid: int) -> int | None:
        found = engine.offline.get(f"geonames:{geonameid}")
        return found.population if found is not None else None

    reports: list[dict[str, Any]] = []
    for i, path in enumerate(files):
        report = evaluate(
            path,
            engine,
            limit=limit,
            progress=not quiet,
            exclude_kinds=exclude_kinds,
            population_of=population_of,
        )
        if as_json:
            reports.append(report.as_dict(top=top, cases=cases))
        else:
            if i:
                click.echo()
            click.echo(report.format_text(errors=show_errors, top=top))
    if as_json and reports:
        click.echo(
            json.dumps(reports if len(reports) > 1 else reports[0], indent=2, ensure_ascii=False)
        )
