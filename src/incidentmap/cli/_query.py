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


def _emit_table(result: QueryResult) -> None:
    import pandas as pd
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    records = result.table()
    table = Table(show_lines=False)
    for c in records.columns:
        table.add_column(c, overflow="fold", max_width=60 if c == "notes" else None)
    for row in records.itertuples(index=False):
        table.add_row(*[Text(terminal_text(None if pd.isna(v) else v)) for v in row])
    Console(soft_wrap=False, markup=False, highlight=False).print(table)

