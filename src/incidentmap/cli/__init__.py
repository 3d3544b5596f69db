"""The ``incidentmap`` command line: a thin shell over the jobs.

Each command lives in its own module, which builds a request, calls one job
(:mod:`incidentmap.jobs`) and prints its report. Only the module of the command asked for
is imported (the others are listed by name and help line), so ``--help``, ``--version`` and
quick commands start before pandas or GeoPandas is loaded. Library errors become one
``Error: ...`` line on standard error and an exit code (1 for data errors, 2 for usage
errors); ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import contextlib
import importlib
import sys
import warnings
from collections.abc import Iterator
from typing import NoReturn

import typer

from incidentmap.cli._flags import speak
from incidentmap.cli._options import console_err, print_report, readable_metavars, state
from incidentmap.errors import (
    IncidentMapError,
    InputFileError,
    UnknownNameAsked,
    UsageError,
    one_line,
)

__all__ = ["COMMANDS", "build_app", "main"]

#: every command: its module, the function (or typer group) there, and its help line
COMMANDS: dict[str, tuple[str, str, str]] = {
    "boundaries": (
        "_boundaries",
        "app",
        "Install and inspect the province and district boundaries.",
    ),
    "geocode": (
        "_geocode",
        "geocode_cmd",
        "Geocode every incident to province and district; print the counts.",
    ),
    "where": ("_where", "where_cmd", "Print the district and province holding a point (LAT LON)."),
    "aggregate": (
        "_aggregate",
        "aggregate_cmd",
        "Count incidents and sum fatalities/injured by area and period, zeros filled.",
    ),
    "map": (
        "_map",
        "map_cmd",
        "Write a choropleth or point map with a time slider (HTML, optional PNG).",
    ),
    "brief": (
        "_map",
        "brief_cmd",
        "Write the briefing page: choropleth + points, one slider, legend, top areas, credits.",
    ),
    "query": (
        "_query",
        "query_cmd",
        "Find incidents near a place or point, in an area, in a date range, by actor or type.",
    ),
    "export": (
        "_export",
        "export_cmd",
        "Export points, area counts and boundaries as GIS layers for QGIS / ArcGIS.",
    ),
    "trends": (
        "_trends",
        "trends_cmd",
        "Show where incidents rise: change vs a baseline, ACLED surge/threat, a test, hot spots.",
    ),
    "merge": (
        "_merge",
        "merge_cmd",
        "Merge sources into one event list; pairs a person can check and decide.",
    ),
    "fetch": (
        "_fetch",
        "app",
        "Download incidents from ACLED, UCDP or HDX HAPI into a CSV in the publisher's own "
        "columns.",
    ),
}


def _new_app() -> typer.Typer:
    return typer.Typer(
        name="incidentmap",
        help="Map security incidents in Afghanistan: geocode, aggregate, render, query, export.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
    )


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"incidentmap {version('incidentmap')}")
        raise typer.Exit()


def _root(
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks for errors."),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """Map security incidents in Afghanistan."""
    state["debug"] = debug


def _listed(ctx: typer.Context) -> None:
    """Stand in for a command that was not asked for (never run: only listed in --help)."""


def build_app(chosen: str | None = None) -> typer.Typer:
    """Return the command line with ``chosen``'s module loaded; the others listed by name.

    Parameters
    ----------
    chosen : str, optional
        The command asked for; None loads every command (for documentation and tests).
    """
    app = _new_app()
    app.callback()(_root)
    loose = {"ignore_unknown_options": True, "allow_extra_args": True}
    for name, (module, attr, help_line) in COMMANDS.items():
        if chosen is not None and name != chosen:
            app.command(
                name, help=help_line, short_help=help_line, context_settings=loose,
                add_help_option=False,
            )(_listed)  # fmt: skip
            continue
        loaded = importlib.import_module(f"incidentmap.cli.{module}")
        target = getattr(loaded, attr)
        if isinstance(target, typer.Typer):
            for sub in target.registered_commands:
                readable_metavars(sub.callback)
            app.add_typer(target, name=name, help=help_line, short_help=help_line)
        else:
            settings = getattr(loaded, "CONTEXT_SETTINGS", None)  # where: -70.45 is a number
            app.command(name, help=help_line, short_help=help_line, context_settings=settings)(
                readable_metavars(target)
            )
    return app


def __getattr__(name: str) -> typer.Typer:
    """``app``: the whole command line, every command loaded (for tests and documentation)."""
    if name == "app":
        return build_app()
    msg = f"module {__name__!r} has no attribute {name!r}"
    raise AttributeError(msg)


def _chosen(args: list[str]) -> str:
    """Return the command the arguments ask for ("" for none: the root's help)."""
    for arg in args:
        if not arg.startswith("-"):
            return arg
    return ""


def _click_exception_types() -> tuple[
    tuple[type[BaseException], ...], tuple[type[BaseException], ...]
]:
    """(usage-error types, abort types) of click and of the click that typer vendors.

    typer 0.29 ships its own copy of click as ``typer._click``; older typers use
    click itself. Both are caught, so the CLI contract does not depend on which.
    """
    errors: list[type[BaseException]] = []
    aborts: list[type[BaseException]] = []
    for name in ("click.exceptions", "typer._click.exceptions"):
        try:
            mod = importlib.import_module(name)
        except ImportError:
            continue
        errors.append(mod.ClickException)
        if hasattr(mod, "Abort"):
            aborts.append(mod.Abort)
    aborts.append(typer.Abort)
    return tuple(errors), tuple(aborts)


def _error(message: str, code: int) -> NoReturn:
    text = speak(one_line(message, None))
    console_err.print(f"Error: {text}", markup=False, highlight=False, soft_wrap=True)
    _cache_note()
    sys.exit(code)


def _cache_note() -> None:
    """Say once that the cache could not be written (the run built its indexes in memory)."""
    from incidentmap.jobs.boundaries import unwritable_cache

    for folder, why in unwritable_cache():
        console_err.print(
            f"note: the cache folder {folder} cannot be written ({why}): the indexes were "
            "built in memory for this run, which takes longer; make the folder writable or "
            "set INCIDENTMAP_CACHE_DIR to one that is",
            markup=False,
            highlight=False,
        )


def _quiet_stdout() -> None:
    """Point standard output at /dev/null once the reader has closed the pipe.

    Python's flush at exit would otherwise fail with no message and exit code 1.
    """
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def _fail(
    exc: BaseException, click_errors: tuple[type[BaseException], ...], command: str
) -> NoReturn:
    """Say what went wrong in one line and exit with its code.

    Usage errors, the command line's and the library's alike, end with the help to read.
    """
    if isinstance(exc, KeyboardInterrupt):
        console_err.print("Aborted (interrupted); no output was written.")
        sys.exit(130)
    if isinstance(exc, BrokenPipeError):  # the reader stopped reading (| head): not an error
        _quiet_stdout()
        sys.exit(0)
    if isinstance(exc, click_errors):
        _usage_error(exc)
    if isinstance(exc, IncidentMapError):
        bad_value = (
            isinstance(exc, InputFileError) and exc.row is not None and exc.column is not None
        )
        hint = ""
        if bad_value and exc.keepable:  # type: ignore[union-attr]
            hint = " (--keep-bad-values keeps such rows, with the reason in input_note)"
        if isinstance(exc, UsageError | UnknownNameAsked) and (exc.field or "`" in str(exc)):
            # an option or a value refused: the help says what it takes
            hint = f" (see: incidentmap {command} --help)".replace("  ", " ")
        if exc.report is not None:  # what the job said before it failed, then why it failed
            said = str(exc)  # a warning the refusal carries is said once, in its line
            exc.report.notes = [n for n in exc.report.notes
                                if n.kind != "warning" or n.text not in said]  # fmt: skip
            print_report(exc.report, quiet=bool(state.get("quiet")))
        _error(str(exc) + hint, exc.exit_code)
    if isinstance(exc, OSError):  # disk full, permission denied... : one line, no traceback
        where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
        _error(f"{where}{exc.strerror or exc}", 1)
    step = state.get("step") or "running the command"  # a bug or an input no rule foresaw
    _error(f"{step} failed: {type(exc).__name__}: {exc} (run with --debug for the traceback)", 1)


def _usage_error(exc: BaseException) -> NoReturn:
    """Say a usage error from click: its message and the command's help hint; exit 2."""
    if type(exc).__name__ == "NoArgsIsHelpError":  # a bare command or group: its help
        exc.show()  # type: ignore[attr-defined]
        sys.exit(2)
    code = int(getattr(exc, "exit_code", 2) or 2)
    message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
    ctx = getattr(exc, "ctx", None)
    hint = f" (see: {ctx.command_path} --help)" if ctx is not None else ""
    _error(message + hint, code)


@contextlib.contextmanager
def _hushed(debug: bool) -> Iterator[None]:
    """Keep the libraries' own warnings off the terminal; ``--debug`` shows them.

    What a warning tells the user (GDAL on a file) the library says as a note; a warning
    no job turned into one (pandas' and geopandas' about their API) is nothing the user
    can act on, and printed raw it read as a failure (with ``-q`` too).
    """
    with warnings.catch_warnings():
        if not debug:
            warnings.simplefilter("ignore")
        yield


def main(argv: list[str] | None = None) -> None:
    """Run the CLI and exit with its status code.

    Every error is one ``Error: ...`` line on standard error: exit code 2 for
    usage errors (unknown command or option, bad value), 1 for data errors and
    failures; 130 after Ctrl-C. ``--debug`` shows the traceback instead.

    Parameters
    ----------
    argv : list of str, optional
        Arguments (default ``sys.argv[1:]``).
    """
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    click_errors, click_aborts = _click_exception_types()
    state["step"] = None
    state["quiet"] = "-q" in args or "--quiet" in args
    try:
        app = build_app(_chosen(args))
        with _hushed(debug):
            rv = app(args=args, prog_name="incidentmap", standalone_mode=False)
    except click_aborts:
        console_err.print("Aborted.")
        sys.exit(1)
    except BaseException as exc:  # Ctrl-C, usage and data errors, bugs: one line each
        if debug or isinstance(exc, SystemExit):
            raise
        _fail(exc, click_errors, _chosen(args))
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _quiet_stdout()
    if rv == 130:  # typer turns Ctrl-C into Exit(130) before it reaches the handler above
        console_err.print("Aborted (interrupted); no output was written.")
    _cache_note()
    sys.exit(rv if isinstance(rv, int) else 0)
