"""The ``geomap`` command: a thin shell over the library.

Library errors (:class:`geomap.errors.GeomapError`) become one-line messages on
stderr and exit status 2; nothing here does work the library could do.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from geomap.errors import GeomapError


def fail(message: str) -> None:
    click.echo(f"geomap: {message}", err=True)


def settings_from(ctx: click.Context, **flags: Any):
    from geomap.config import load_settings

    try:
        return load_settings(flags, config_file=ctx.obj.get("config") if ctx.obj else None)
    except GeomapError as exc:
        raise click.ClickException(str(exc)) from exc


class GeomapGroup(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except GeomapError as exc:
            fail(str(exc))
            ctx.exit(2)


EXIT_STATUS = """\b
Exit status: 0 done; 1 invalid settings, or geomap gazetteer check found errors; 2 an
input failed, a bad option, or the store or a data file could not be used; 3 finished,
but the online geocoder failed for some names (kept unresolved; geomap resolve
--retry-unresolved asks again)."""


@click.group(
    cls=GeomapGroup,
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog=EXIT_STATUS,
)
@click.option("--config", type=click.Path(dir_okay=False), help="A geomap.toml settings file.")
@click.version_option(package_name="geomap")
@click.pass_context
def main(ctx: click.Context, config: str | None) -> None:
    """geomap: turn news articles into a map of the places they mention."""
    ctx.ensure_object(dict)
    ctx.obj["config"] = config


# Commands live next to the library code they wrap; each module registers here.
from geomap import cli_parse  # noqa: E402

main.add_command(cli_parse.parse)
main.add_command(cli_parse.gazetteer)
# -- more commands register below this line (one import + add_command per module) --
from geomap import cli_eval  # noqa: E402

main.add_command(cli_eval.eval_command)
from geomap import cli_geocode  # noqa: E402

main.add_command(cli_geocode.geocode)
main.add_command(cli_geocode.resolve)
from geomap import cli_store  # noqa: E402

main.add_command(cli_store.ingest)
main.add_command(cli_store.serve)
main.add_command(cli_store.export)
from geomap import cli_corrections  # noqa: E402

main.add_command(cli_corrections.correct)
main.add_command(cli_corrections.corrections)
main.add_command(cli_corrections.reapply)
main.add_command(cli_corrections.editors)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
