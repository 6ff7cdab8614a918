"""``geomap geocode`` (what each layer says about a name) and ``geomap resolve``
(a second, online chance for the mentions the store keeps as unresolved)."""

from __future__ import annotations

import unicodedata
from typing import Any

import click

from geomap.cli_parse import GEOCODER_EXIT, geocoder_options
from geomap.errors import ConfigError, GeocodingError, GeomapError
from geomap.models import Candidate


def clean(text: Any, width: int = 40) -> str:
    """One line of printable text: names come from remote services and files."""
    raw = "" if text is None else str(text)
    out = "".join(
        " " if unicodedata.category(ch)[0] in ("C", "Z") and ch != " " else ch for ch in raw
    )
    out = " ".join(out.split())
    return out if len(out) <= width else out[: width - 1] + "…"


def _rows(found: list[Candidate]) -> list[list[str]]:
    rows = []
    for i, c in enumerate(found, 1):
        geometry = (c.geometry or {}).get("type", "Point")
        rows.append(
            [
                str(i),
                clean(c.id, 44),
                clean(c.name, 32),
                clean(c.kind, 14),
                clean(c.country or "", 2),
                f"{c.lat:.4f}",
                f"{c.lon:.4f}",
                f"{c.population:,}" if c.population else "",
                geometry,
                f"{c.score:.3f}" if c.score else "",
                "" if c.primary else f"alias {clean(c.matched, 24)}",
            ]
        )
    return rows


def print_table(title: str, found: list[Candidate]) -> None:
    click.echo(f"== {title}: {len(found)} candidate(s)")
    if not found:
        return
    header = ["#", "id", "name", "kind", "cc", "lat", "lon", "population", "geometry",
              "score", "match"]  # fmt: skip
    rows = [header, *_rows(found)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    for row in rows:
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())


@click.command()
@click.argument("name")
@geocoder_options(threshold=False)
@click.option("--limit", type=click.IntRange(1, 100), default=10, show_default=True)
@click.option(
    "--layer",
    "layers",
    type=click.Choice(["curated", "offline", "online"]),
    multiple=True,
    help="Only these layers (repeatable; default: all three).",
)
@click.pass_context
def geocode(
    ctx: click.Context,
    name: str,
    limit: int,
    layers: tuple[str, ...],
    **flags: Any,
) -> None:
    """Show the candidates each layer (curated, offline, online) returns for NAME."""
    from geomap.cli import settings_from

    settings = settings_from(ctx, **flags)
    failed = False

    def layer(title: str, build: Any) -> None:
        nonlocal failed
        try:
            found = build()
        except (GeomapError, ImportError) as exc:
            failed = True
            click.echo(f"== {title}: failed: {clean(exc, 300)}")
            return
        print_table(title, found)

    def curated() -> list[Candidate]:
        from geomap.gazetteer.curated import CuratedGazetteer

        return CuratedGazetteer(settings.gazetteer_path).candidates(name, limit=limit)

    def offline() -> list[Candidate]:
        from geomap.gazetteer.index import OfflineGazetteer, ensure_index

        return OfflineGazetteer(ensure_index(settings.index_file)).candidates(name, limit=limit)

    wanted = set(layers or ("curated", "offline", "online"))
    if "curated" in wanted:
        layer(f"curated ({settings.gazetteer_path})", curated)
    if "offline" in wanted:
        layer(f"offline ({settings.index_file})", offline)
    if "online" not in wanted:
        pass
    elif settings.geocoder == "none":
        click.echo("== online: off (use --geocoder nominatim|photon or GEOMAP_GEOCODER)")
    else:
        from geomap.gazetteer.geocoders import build_online_layer, online_candidates

        online = build_online_layer(settings)
        assert online is not None
        layer(f"online ({online.provider} at {online.service})",
              lambda: online_candidates(online, name)[:limit])  # fmt: skip
    if failed:
        ctx.exit(2)


@click.command()
@click.option(
    "--retry-unresolved",
    is_flag=True,
    help="Ask the online geocoder again for every mention stored as unresolved.",
)
@click.option("--db", type=click.Path(dir_okay=False), default=None, help="The SQLite store.")
@click.option("--article", default=None, metavar="ID", help="Only this article's mentions.")
@geocoder_options
@click.pass_context
def resolve(
    ctx: click.Context,
    retry_unresolved: bool,
    db: str | None,
    article: str | None,
    **flags: Any,
) -> None:
    """Place stored mentions that are still unresolved, using the online geocoder.

    Only what the geocoder places is written; a failed look-up (service unavailable, or
    an answer it cannot use) changes nothing in the store, so the command can simply be
    run again later. Exit status 3 when some look-ups failed.
    """
    from geomap.cli import settings_from
    from geomap.gazetteer.geocoders import build_online_layer, online_resolution
    from geomap.store import Store

    if not retry_unresolved:
        raise click.UsageError("nothing to do: pass --retry-unresolved")
    settings = settings_from(ctx, db=db, **flags)
    layer = build_online_layer(settings)
    if layer is None:
        raise ConfigError(
            "--retry-unresolved needs an online geocoder: pass --geocoder nominatim|photon "
            "or set GEOMAP_GEOCODER"
        )
    placed = still = failed = 0
    with Store.open(settings.db_url) as store:
        pending = [r for r in store.unresolved(article) if r.mention.label != "NORP"]
        countries: dict[str, set[str]] = {}
        for res in pending:
            m = res.mention
            if m.article_id not in countries:
                countries[m.article_id] = {
                    r.place.country
                    for r in store.resolutions(m.article_id)
                    if r.place is not None and r.place.country
                }
            where = f"{clean(m.article_id, 40)}[{m.start}:{m.end}] {clean(m.text, 60)!r}"
            try:
                new = online_resolution(
                    layer, res, threshold=settings.threshold, countries=countries[m.article_id]
                )
            except GeocodingError as exc:  # down, or an answer it cannot use
                failed += 1
                click.echo(f"failed  {where}: {clean(exc, 200)}", err=True)
                continue
            if new.place is None:
                still += 1
                click.echo(f"still   {where}: {clean(new.why, 160)}")
                continue
            store.resolve_unresolved(m.article_id, m.start, m.end, new.place,
                                     new.confidence, new.why)  # fmt: skip
            placed += 1
            click.echo(
                f"placed  {where} -> {clean(new.place.name, 60)} ({new.place.id}) "
                f"confidence {new.confidence:.2f}"
            )
    click.echo(
        f"{placed} placed, {still} still unresolved, {failed} failed "
        f"(of {len(pending)} unresolved mentions)" + ("; run again later" if failed else "")
    )
    if failed:
        ctx.exit(GEOCODER_EXIT)
