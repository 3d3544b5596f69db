"""The ``incidentmap`` command line: a thin shell over the library.

Each command group lives in its own module and calls one library function.
Library errors become one ``Error: ...`` line on standard error and an exit code
(1 for data errors, 2 for usage errors); ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import sys

import click
import typer

from incidentmap.cli import _aggregate, _boundaries, _export, _geocode, _map, _query, _where
from incidentmap.cli._options import console_err, state
from incidentmap.errors import IncidentMapError

__all__ = ["app", "main"]

app = typer.Typer(
    name="incidentmap",
    help="Map security incidents in Afghanistan: geocode, aggregate, render, query, export.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        from incidentmap import __version__

        typer.echo(f"incidentmap {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks for errors."),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """Map security incidents in Afghanistan."""
    state["debug"] = debug


app.add_typer(_boundaries.app, name="boundaries")
app.command("geocode")(_geocode.geocode_cmd)
app.command("where")(_where.where_cmd)
app.command("aggregate")(_aggregate.aggregate_cmd)
app.command("map")(_map.map_cmd)
app.command("brief")(_map.brief_cmd)
app.command("query")(_query.query_cmd)
app.command("export")(_export.export_cmd)


def main(argv: list[str] | None = None) -> None:
    """Run the CLI and exit with its status code.

    Parameters
    ----------
    argv : list of str, optional
        Arguments (default ``sys.argv[1:]``).
    """
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    try:
        rv = app(args=args, prog_name="incidentmap", standalone_mode=False)
    except click.exceptions.Abort:
        console_err.print("Aborted.")
        sys.exit(1)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except IncidentMapError as exc:
        if debug:
            raise
        console_err.print(f"Error: {exc}", markup=False, highlight=False, soft_wrap=True)
        sys.exit(exc.exit_code)
    except OSError as exc:  # disk full, permission denied... : one line, not a traceback
        if debug:
            raise
        console_err.print(f"Error: {exc}", markup=False, highlight=False, soft_wrap=True)
        sys.exit(1)
    sys.exit(rv if isinstance(rv, int) else 0)
