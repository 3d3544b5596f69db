"""``incidentmap query``: filter incidents by place, distance, area, date, actor..."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

from incidentmap.cli._filters import filter_options, filters_from
from incidentmap.cli._options import (
    QueryFormat,
    csv_safe_opt,
    geocode_options,
    plain,
    print_report,
    quiet_opt,
    read_options,
    source_from,
    step,
    to_stdout,
)
from incidentmap.cli._text import terminal_text
from incidentmap.jobs.query import QueryRequest, QueryResult, read_bbox, run

__all__ = ["query_cmd", "terminal_text"]


@geocode_options
@read_options
@filter_options
def query_cmd(
    input: str = typer.Argument(..., help="Incident file (raw or geocoded), or - for stdin."),
    near: str | None = typer.Option(
        None, "--near", help="Place, district or province name, or LAT,LON."
    ),
    km: float = typer.Option(25.0, "--km", min=0, help="Distance for --near, in km."),
    province: str | None = typer.Option(None, "--province", help="Province (any spelling)."),
    district: str | None = typer.Option(None, "--district", help="District (any spelling)."),
    bbox: str | None = typer.Option(None, "--bbox", help="min_lon,min_lat,max_lon,max_lat."),
    within: Path | None = typer.Option(None, "--within", help="Polygon file (GeoJSON, GPKG...)."),
    limit: int | None = typer.Option(None, "--limit", min=0, help="Print at most this many."),
    sort: str | None = typer.Option(
        None,
        "--sort",
        help="Sort by a column (-col: descending); default: distance for --near, else date.",
    ),
    fmt: QueryFormat | None = typer.Option(
        None, "--format", "-f", help="Output format (default: table on a terminal, else csv)."
    ),
    precision_digits: int = typer.Option(
        6, "--coord-precision", min=0, max=15, help="Coordinate decimals in GeoJSON output."
    ),
    csv_safe: bool = csv_safe_opt(),
    include_area_events: bool = typer.Option(
        False,
        "--include-area-events",
        help="With --near/--bbox/--within, also list events placed only to a district or "
        "province whose area is in range (distance to the area's edge).",
    ),
    quiet: bool = quiet_opt(),
    read: dict[str, Any] | None = None,
    geo: dict[str, Any] | None = None,
    filters: dict[str, Any] | None = None,
) -> None:
    """Find incidents near a place or point, in an area, in a date range, by actor..."""
    assert read is not None and geo is not None and filters is not None
    request = QueryRequest(
        source_from(input, read, geo),
        filters_from(filters),
        near=near,
        km=km,
        province=province,
        district=district,
        bbox=read_bbox(bbox),  # refused here, before the (possibly large) input is read
        within=within,
        include_area_events=include_area_events,
        sort=sort,
        limit=limit,
    )
    with step(f"querying {request.source.name}"):
        result = run(request)
    print_report(result.report, quiet=quiet)
    fmt_name = plain(fmt) or ("table" if sys.stdout.isatty() else "csv")
    with to_stdout():
        if fmt_name == "table":
            _emit_table(result)
        else:
            result.write(sys.stdout, fmt_name, digits=precision_digits, csv_safe=csv_safe)


#: a word longer than this may be folded (a URL); shorter words are never cut
_LONGEST_WORD = 24


def _emit_table(result: QueryResult) -> None:
    """Print the rows as a table whose cells wrap between words, never inside one.

    Each column is at least as wide as its longest word (headers wrap at their
    underscores); when the terminal is too narrow for that, each row is printed as a block
    of ``field  value`` lines instead.
    """
    from rich.console import Console

    records = result.table()
    texts = {c: [_text(v) for v in records[c]] for c in records.columns}
    console = Console(soft_wrap=False, markup=False, highlight=False)
    widths = {c: min(_LONGEST_WORD, _longest_word([c.replace("_", " "), *texts[c]])) for c in texts}
    spare = console.width - (sum(widths.values()) + 3 * len(widths) + 1)
    if spare >= 0:
        console.print(_table(texts, widths, spare, len(records)))
        return
    for block in _blocks(texts, len(records)):  # too narrow for a table: one block per row
        console.print(block)
        console.print()


def _table(texts: dict[str, list[str]], widths: dict[str, int], spare: int, n: int) -> Any:
    """Return the rows as a table: each column its longest word, the spare width shared."""
    from rich.table import Table

    full = {c: min(60, max(len(t) for t in [c, *texts[c]])) for c in texts}
    _share(widths, full, spare)
    table = Table(show_lines=False)
    for c in texts:
        table.add_column(c.replace("_", " "), width=widths[c], overflow="fold")
    for i in range(n):
        table.add_row(*[texts[c][i] for c in texts])
    return table


def _blocks(texts: dict[str, list[str]], n: int) -> list[Any]:
    """Return each row as a grid of ``field  value`` lines (its blank fields left out)."""
    from rich.table import Table

    out = []
    for i in range(n):
        block = Table.grid(padding=(0, 2))
        block.add_column(no_wrap=True)
        block.add_column(overflow="fold")
        for c in texts:
            if texts[c][i]:
                block.add_row(c, texts[c][i])
        out.append(block)
    return out


def _share(widths: dict[str, int], full: dict[str, int], spare: int) -> None:
    """Widen the columns, one character at a time, to the one furthest from its full width.

    Each column keeps at least its longest word; the table never grows past the terminal.
    """
    for _ in range(spare):
        short = max(widths, key=lambda c: full[c] - widths[c])
        if full[short] <= widths[short]:
            return
        widths[short] += 1


def _text(value: object) -> str:
    import pandas as pd

    return terminal_text(None if pd.isna(value) else value)  # type: ignore[arg-type]


def _longest_word(values: list[str]) -> int:
    return max((len(w) for v in values for w in v.split()), default=1)
