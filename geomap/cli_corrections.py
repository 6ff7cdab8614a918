"""``geomap correct``, ``geomap corrections``, ``geomap reapply`` and ``geomap editors``:
the command-line side of corrections (a thin shell over geomap.corrections and the store)."""

from __future__ import annotations

import getpass
import json
from pathlib import Path
from typing import Any

import click

from geomap.backends import redact
from geomap.cli_store import DB_OPTION
from geomap.corrections import SCOPES
from geomap.errors import InputError


def _span(value: str) -> tuple[int, int]:
    try:
        start, end = (int(x) for x in value.split(":"))
    except ValueError as exc:
        raise InputError(f"--span {value!r}: write START:END, e.g. 1982:1993") from exc
    return start, end


def _settings(ctx: click.Context, db: str | None) -> Any:
    from geomap.cli import settings_from

    return settings_from(ctx, db=db)


def _store(settings: Any) -> Any:
    from geomap.store import Store

    if not Store.exists(settings.db_url):
        raise InputError(f"{redact(settings.db_url)}: no such store; run geomap ingest first")
    return Store.open(settings.db_url)


def _reapply(settings: Any, store: Any, rules: list[Any]) -> list[str]:
    """Re-resolve what ``rules`` touch with an engine holding the store's current rules."""
    from geomap.corrections import affected_articles, reapply
    from geomap.pipeline import Engine

    if not any(affected_articles(store, r) for r in rules):
        return []
    engine = Engine(settings, rules=store.corrections(active_only=True))
    return reapply(store, engine.parse, rules)


@click.command()
@click.option("--article", required=True, help="The stored article's id.")
@click.option("--span", required=True, help="The mention's START:END offsets in the body.")
@click.option("--place", "place_id", help="The right place's id (e.g. geonames:147622).")
@click.option("--not-a-place", is_flag=True, help="The span names no place.")
@click.option("--new-place", "new_name", help="A place no gazetteer has: its name.")
@click.option("--lat", type=float, help="With --new-place: latitude.")
@click.option("--lon", type=float, help="With --new-place: longitude.")
@click.option("--kind", help="With --new-place: village, city, checkpoint, region, ...")
@click.option("--alias", "aliases", multiple=True, help="With --new-place: another name.")
@click.option("--source-note", default="", help="With --new-place: where the position is from.")
@click.option(
    "--scope",
    type=click.Choice(SCOPES),
    required=True,
    help="mention: this span only; article: this name in this article; "
    "everywhere: this name in every article.",
)
@click.option("--country", help="With --scope everywhere: only in articles about this country.")
@click.option("--note", default="", help="Why (shown on the audit page).")
@click.option("--editor", help="Who makes the correction (default: your login name).")
@DB_OPTION
@click.pass_context
def correct(
    ctx: click.Context,
    article: str,
    span: str,
    place_id: str | None,
    not_a_place: bool,
    new_name: str | None,
    lat: float | None,
    lon: float | None,
    kind: str | None,
    aliases: tuple[str, ...],
    source_note: str,
    scope: str,
    country: str | None,
    note: str,
    editor: str | None,
    db: str | None,
) -> None:
    """Correct a mention of a stored article and keep the fix as a rule: another place,
    not a place, or a new place, for this mention, this article or everywhere. The
    stored articles the rule touches are re-resolved at once."""
    from geomap.corrections import (
        gazetteer_layers,
        new_place_feature,
        place_lookup,
        submit_correction,
    )

    settings = _settings(ctx, db)
    start, end = _span(span)
    new_place = None
    if new_name is not None:
        if lat is None or lon is None or not kind:
            raise InputError("--new-place needs --lat, --lon and --kind")
        new_place = new_place_feature(
            new_name,
            lat,
            lon,
            kind,
            aliases=aliases,
            country=country if scope == "everywhere" else None,
            source_note=source_note,
            editor=editor or "",
        )
    editor = editor or getpass.getuser()
    with _store(settings) as store:
        curated, offline = gazetteer_layers(settings)
        rule = submit_correction(
            store,
            place_lookup(curated, offline, store.corrections(active_only=True)),
            article_id=article,
            start=start,
            end=end,
            scope=scope,
            editor=editor,
            place_id=place_id,
            not_a_place=not_a_place,
            new_place=new_place,
            country=country,
            note=note,
        )
        changed = _reapply(settings, store, [rule])
    click.echo(
        f"correction #{rule.id}: {rule.surface!r} -> {rule.describe_new()} ({rule.scope}); "
        f"re-resolved {len(changed)} stored article(s)"
    )


@click.group()
def corrections() -> None:
    """List, undo, export and import the stored corrections."""


@corrections.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@DB_OPTION
@click.pass_context
def list_corrections(ctx: click.Context, as_json: bool, db: str | None) -> None:
    """Every correction, oldest first, undone ones marked."""
    with _store(_settings(ctx, db)) as store:
        rules = store.corrections()
    for r in rules:
        if as_json:
            click.echo(json.dumps(r.to_dict(), ensure_ascii=False))
            continue
        state = f" [undone by {r.undone_by} {r.undone_at}]" if r.undone else ""
        where = f" in articles about {r.country}" if r.country else ""
        old = f"{r.old_place_id} {r.old_place_name}" if r.old_place_id else "(no place)"
        click.echo(
            f"#{r.id} {r.created_at} {r.editor}: {r.article}[{r.start}:{r.end}] {r.surface!r} "
            f"{old} -> {r.describe_new()} ({r.scope}{where}){state}"
            + (f" - {r.note}" if r.note else "")
        )
    if not as_json:
        click.echo(f"{len(rules)} correction(s)", err=True)


@corrections.command()
@click.argument("correction_id", type=int)
@click.option("--editor", help="Who undoes it (default: your login name).")
@DB_OPTION
@click.pass_context
def undo(ctx: click.Context, correction_id: int, editor: str | None, db: str | None) -> None:
    """Undo a correction (it stays on record) and re-resolve what it had changed."""
    from geomap.corrections import now_utc

    settings = _settings(ctx, db)
    with _store(settings) as store:
        rule = store.undo_correction(correction_id, editor or getpass.getuser(), now_utc())
        changed = _reapply(settings, store, [rule])
    click.echo(f"undid correction #{rule.id}; re-resolved {len(changed)} stored article(s)")


@corrections.command()
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, allow_dash=True),
    default="-",
    help="Write to FILE instead of standard output.",
)
@DB_OPTION
@click.pass_context
def export(ctx: click.Context, output: str, db: str | None) -> None:
    """Write every correction as one GeoJSON file: the new places as curated-gazetteer
    features (`geomap gazetteer check` validates them), the rules as `corrections`."""
    from geomap.corrections import dumps, export_document

    with _store(_settings(ctx, db)) as store:
        doc = export_document(store.corrections())
    text = dumps(doc)
    if output == "-":
        click.echo(text)
        return
    try:
        Path(output).write_text(text + "\n", encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{output}: cannot write ({exc.strerror or exc})") from exc
    click.echo(
        f"wrote {len(doc['corrections'])} corrections and {len(doc['features'])} new places "
        f"to {output}",
        err=True,
    )


@corrections.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@DB_OPTION
@click.pass_context
def import_corrections(ctx: click.Context, file: str, db: str | None) -> None:
    """Add the corrections of an exported FILE to the store (ones it has already are
    skipped) and re-resolve the stored articles they touch."""
    from geomap.corrections import import_document
    from geomap.store import Store

    try:
        doc = json.loads(Path(file).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{file}: cannot read ({exc})") from exc
    except json.JSONDecodeError as exc:
        raise InputError(f"{file}: invalid JSON ({exc})") from exc
    rules = import_document(doc, file)
    settings = _settings(ctx, db)
    with Store.open(settings.db_url) as store:
        added = [x for x in (store.add_correction(r) for r in rules) if x is not None]
        changed = _reapply(settings, store, added)
    click.echo(
        f"imported {len(added)} correction(s) ({len(rules) - len(added)} already stored); "
        f"re-resolved {len(changed)} stored article(s)"
    )


@click.command()
@DB_OPTION
@click.pass_context
def reapply(ctx: click.Context, db: str | None) -> None:
    """Re-resolve the stored articles any correction (or undone correction) touches,
    e.g. after the gazetteers or the engine changed; the other articles are not read."""
    settings = _settings(ctx, db)
    with _store(settings) as store:
        changed = _reapply(settings, store, store.corrections())
    click.echo(f"re-resolved {len(changed)} stored article(s)")


@click.group()
def editors() -> None:
    """Who may edit through the web app and the API."""


@editors.command("add")
@click.argument("name")
@DB_OPTION
@click.pass_context
def add_editor(ctx: click.Context, name: str, db: str | None) -> None:
    """Create editor NAME and print its token once, alone on the last line (only a hash
    of it is stored: keep it, it cannot be shown again)."""
    from geomap.corrections import add_editor as create
    from geomap.store import Store

    settings = _settings(ctx, db)
    with Store.open(settings.db_url) as store:
        token = create(store, name)
    click.echo(f"editor {name!r} added to {redact(settings.db_url)}; the token (shown only once):")
    click.echo(token)


@editors.command("list")
@DB_OPTION
@click.pass_context
def list_editors(ctx: click.Context, db: str | None) -> None:
    """The editors' names and when they were added."""
    with _store(_settings(ctx, db)) as store:
        for name, created in store.editors():
            click.echo(f"{name}\t{created}")
