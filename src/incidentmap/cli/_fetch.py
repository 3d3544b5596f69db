"""``incidentmap fetch acled|ucdp|hapi``: download incidents from the publishers' APIs.

Each command calls one library function of :mod:`incidentmap.fetch` and prints what it
did. Credentials come from the environment or the OS keyring, never from an option.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import typer

from incidentmap.cli._options import console_err, say, step
from incidentmap.errors import UsageError

app = typer.Typer(
    help="Download incidents from ACLED, UCDP or HDX HAPI into a CSV in the publisher's own "
    "columns (credentials from the environment or the OS keyring; an interrupted download "
    "resumes when run again).",
    no_args_is_help=True,
)


def _output_opt() -> Any:
    return typer.Option(
        None, "-o", "--output", help="CSV to write (default with --update: that file)."
    )


def _update_opt() -> Any:
    return typer.Option(
        None,
        "--update",
        help="An earlier download to bring up to date (written in place unless -o is given); "
        "without filters, the request recorded beside it is used.",
    )


def _base_url_opt() -> Any:
    return typer.Option(
        None, "--base-url", help="Another address for the API (a mirror or a test server)."
    )


def _page_size_opt() -> Any:
    return typer.Option(None, "--page-size", min=1, help="Rows per request.")


def _overwrite_opt() -> Any:
    return typer.Option(False, "--overwrite", help="Replace the output file if it exists.")


def _quiet_opt() -> Any:
    return typer.Option(False, "--quiet", "-q", help="Print nothing but errors.")


def _filters_opt() -> Any:
    return typer.Option(
        [], "--filter", help="Any other filter of the API, NAME=VALUE (repeatable)."
    )


def _pairs(filters: list[str]) -> tuple[tuple[str, str], ...]:
    out = []
    for item in filters:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise UsageError(f"--filter takes NAME=VALUE, not {item!r}")
        out.append((name.strip(), value))
    return tuple(out)


def _target(output: Path | None, update: Path | None) -> Path:
    if output is None and update is None:
        raise UsageError("say where to write: -o/--output FILE (or --update FILE)")
    return output if output is not None else update  # type: ignore[return-value]


@contextlib.contextmanager
def _progress(who: str, enabled: bool) -> Iterator[Callable[[int, int, int | None], None] | None]:
    """Yield a ``progress(rows, pages, total_pages)`` drawing a bar, or None."""
    if not enabled or not console_err.is_terminal:
        yield None
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn(f"fetching {who}"),
        BarColumn(),
        TextColumn("{task.fields[rows]:,} rows, page {task.completed}/{task.fields[of]}"),
        TimeElapsedColumn(),
        console=console_err,
        transient=True,
    ) as bar:
        task = bar.add_task(who, total=None, rows=0, of="?")

        def update(rows: int, pages: int, total: int | None) -> None:
            of = f"{total:,}" if total else "?"
            bar.update(task, completed=pages, total=total, rows=rows, of=of)

        yield update


_CAUSES = {"401": "HTTP 401 (a new token)", "connection": "a dropped connection"}


def _report(result: Any, quiet: bool) -> None:
    """Print what the fetch did: pages, retries, the update's counts, the file."""
    if quiet:
        return

    if result.resumed_pages:
        n = result.resumed_pages
        say(f"resumed: {n:,} page{'s' * (n != 1)} of an interrupted download kept")
    retried = ", ".join(
        f"{n} after {_CAUSES.get(cause, f'HTTP {cause}')}" for cause, n in result.retries.items()
    )
    say(
        f"fetched: {result.rows:,} rows in {result.pages:,} page{'s' * (result.pages != 1)} "
        f"from {result.publisher}" + (f" (retried: {retried})" if retried else "")
    )
    c = result.update
    if c is not None:
        say(
            f"updated: {c.new:,} new, {c.changed:,} changed, {c.deleted:,} deleted, "
            f"{c.unchanged:,} fetched again unchanged"
        )
    rows = c.rows if c is not None else result.rows
    say(f"wrote: {rows:,} rows to {result.path} (citation and request in {result.source.name})")
    for note in result.notes:
        say(f"note: {note}")


def _run(who: str, fetch: Callable[..., Any], output: Path, quiet: bool, **kw: Any) -> None:
    """Run one fetch with a progress bar; on Ctrl-C say that the pages are kept."""
    try:
        with step(f"fetching {who}", spinner=False), _progress(who, not quiet) as progress:
            result = fetch(output, progress=progress, **kw)
    except KeyboardInterrupt:
        console_err.print(
            f"interrupted: the pages fetched are kept in {output}.part; run the same command "
            "again to resume",
            markup=False,
            highlight=False,
        )
        raise
    _report(result, quiet)


def _request(kind: type, publisher: str, update: Path | None, given: dict[str, Any]) -> Any:
    """Return the request: the options given, over the one recorded beside ``--update``'s file.

    ``fetch ucdp --update ged.csv --version 26.1`` moves the file to another version and
    keeps its country and dates.
    """
    from dataclasses import replace

    from incidentmap.jobs.fetch import recorded_request

    asked = {k: v for k, v in given.items() if v not in (None, (), False)}
    if update is not None and update.with_name(update.name + ".source.json").exists():
        return replace(recorded_request(kind, update, publisher), **asked)
    if update is not None and not asked:
        raise UsageError(
            f"{update}.source.json (the request of that download) is not there: give the "
            "filters to fetch again"
        )
    if kind.__name__ == "UcdpRequest" and "version" not in asked:
        raise UsageError("--version is needed: every UCDP request names a GED version")
    return kind(**asked)


def _options(base_url: str | None, page_size: int | None, overwrite: bool) -> Any:
    from incidentmap.jobs.fetch import FetchOptions

    return FetchOptions(base_url=base_url, page_size=page_size, overwrite=overwrite)


@app.command("acled")
def acled_cmd(
    output: Path | None = _output_opt(),
    country: list[str] = typer.Option(
        [], "--country", help="Country as ACLED names it (Afghanistan); repeatable."
    ),
    since: str | None = typer.Option(None, "--since", help="First event_date, YYYY-MM-DD."),
    until: str | None = typer.Option(None, "--until", help="Last event_date, YYYY-MM-DD."),
    actor: list[str] = typer.Option(
        [], "--actor", help="actor1 (ACLED matches part of the name); repeatable."
    ),
    event_type: list[str] = typer.Option(
        [], "--event-type", help="ACLED event_type (Battles, Explosions/Remote violence...)."
    ),
    inter_num: bool = typer.Option(
        False, "--inter-num", help="inter1/inter2/interaction as numbers (inter_num=1)."
    ),
    filters: list[str] = _filters_opt(),
    update: Path | None = _update_opt(),
    base_url: str | None = _base_url_opt(),
    page_size: int | None = _page_size_opt(),
    overwrite: bool = _overwrite_opt(),
    quiet: bool = _quiet_opt(),
) -> None:
    """ACLED events (ACLED_USERNAME/ACLED_PASSWORD): --update applies changes and deletions."""
    from incidentmap.jobs.fetch import AcledRequest
    from incidentmap.jobs.fetch import acled as fetch_acled

    given = dict(
        country=tuple(country), since=since, until=until, actor=tuple(actor),
        event_type=tuple(event_type), inter_num=inter_num, filters=_pairs(filters),
    )  # fmt: skip
    request = _request(AcledRequest, "ACLED", update, given)
    _run(
        "ACLED", fetch_acled, _target(output, update), quiet, request=request, update=update,
        options=_options(base_url, page_size, overwrite),
    )  # fmt: skip


@app.command("ucdp")
def ucdp_cmd(
    output: Path | None = _output_opt(),
    version: str | None = typer.Option(
        None, "--version", help="GED version: 25.1 (yearly), 25.0.11 (a monthly candidate)."
    ),
    country: list[str] = typer.Option(
        [], "--country", help="Gleditsch-Ward code (Afghanistan is 700); repeatable."
    ),
    since: str | None = typer.Option(None, "--since", help="StartDate, YYYY-MM-DD."),
    until: str | None = typer.Option(None, "--until", help="EndDate, YYYY-MM-DD."),
    actor: list[str] = typer.Option([], "--actor", help="UCDP actor id; repeatable."),
    event_type: list[str] = typer.Option(
        [], "--event-type", help="TypeOfViolence: state-based, non-state, one-sided (1-3)."
    ),
    filters: list[str] = _filters_opt(),
    update: Path | None = _update_opt(),
    base_url: str | None = _base_url_opt(),
    page_size: int | None = _page_size_opt(),
    overwrite: bool = _overwrite_opt(),
    quiet: bool = _quiet_opt(),
) -> None:
    """UCDP GED events (UCDP_ACCESS_TOKEN): --update fetches again and compares by id."""
    from incidentmap.jobs.fetch import UcdpRequest
    from incidentmap.jobs.fetch import ucdp as fetch_ucdp

    given = dict(
        version=version, country=tuple(country), since=since, until=until,
        type_of_violence=tuple(event_type), actor=tuple(actor), filters=_pairs(filters),
    )  # fmt: skip
    request = _request(UcdpRequest, "UCDP", update, given)
    _run(
        "UCDP", fetch_ucdp, _target(output, update), quiet, request=request, update=update,
        options=_options(base_url, page_size, overwrite),
    )  # fmt: skip


@app.command("hapi")
def hapi_cmd(
    output: Path | None = _output_opt(),
    country: str | None = typer.Option(
        None, "--country", help="location_code, ISO3 (default AFG)."
    ),
    since: str | None = typer.Option(None, "--since", help="start_date, YYYY-MM-DD."),
    until: str | None = typer.Option(None, "--until", help="end_date, YYYY-MM-DD."),
    actor: list[str] = typer.Option([], "--actor", hidden=True),
    event_type: str | None = typer.Option(
        None, "--event-type", help="political_violence, civilian_targeting or demonstration."
    ),
    filters: list[str] = _filters_opt(),
    update: Path | None = _update_opt(),
    base_url: str | None = _base_url_opt(),
    page_size: int | None = _page_size_opt(),
    overwrite: bool = _overwrite_opt(),
    quiet: bool = _quiet_opt(),
) -> None:
    """HDX HAPI conflict events, monthly counts per district (HDX_APP_IDENTIFIER)."""
    from incidentmap.jobs.fetch import HapiRequest
    from incidentmap.jobs.fetch import hapi as fetch_hapi

    if actor:
        raise UsageError("HDX HAPI counts events by area and type: it has no actor filter")
    given = dict(
        country=country, since=since, until=until, event_type=event_type, filters=_pairs(filters)
    )
    request = _request(HapiRequest, "HDX HAPI", update, given)
    _run(
        "HDX HAPI", fetch_hapi, _target(output, update), quiet, request=request, update=update,
        options=_options(base_url, page_size, overwrite),
    )  # fmt: skip
