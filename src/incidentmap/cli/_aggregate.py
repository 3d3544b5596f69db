"""``incidentmap aggregate``: counts by area and period."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from incidentmap.cli._filters import filter_options, filters_from
from incidentmap.cli._options import (
    Level,
    Period,
    csv_safe_opt,
    geocode_options,
    no_period,
    overwrite_opt,
    plain,
    print_report,
    quiet_opt,
    read_options,
    source_from,
    step,
)
from incidentmap.jobs.aggregate import AggregateRequest, run
from incidentmap.options import Output


@geocode_options
@read_options
@filter_options
def aggregate_cmd(
    input: str = typer.Argument(..., help="Incident file (raw or geocoded), or - for stdin."),
    output: Path = typer.Option(
        ...,
        "-o",
        "--output",
        help="Output: .csv (table), or .geojson/.gpkg/.parquet (with area geometry).",
    ),
    level: Level = typer.Option("district", "--level", help="Areas to count by."),
    period: Period = typer.Option(
        "month", "--period", help="Periods to count by; none gives one total per area."
    ),
    population: Path | None = typer.Option(
        None,
        "--population",
        help="CSV with population by province (name/code) or district_id: adds rates per 100,000.",
    ),
    sums: list[str] | None = typer.Option(
        None,
        "--sum",
        help="Numeric column to add up (repeatable; default: fatalities and injured).",
    ),
    by_target: bool = typer.Option(
        False,
        "--by-target",
        help="A count per target beside incidents (target_officials ... target_unknown).",
    ),
    overwrite: bool = overwrite_opt(),
    csv_safe: bool = csv_safe_opt(),
    quiet: bool = quiet_opt(),
    read: dict[str, Any] | None = None,
    geo: dict[str, Any] | None = None,
    filters: dict[str, Any] | None = None,
) -> None:
    """Count incidents and sum fatalities/injured by area and period, zeros filled."""
    assert read is not None and geo is not None and filters is not None
    request = AggregateRequest(
        source_from(input, read, geo),
        Output(output, overwrite=overwrite, csv_safe=csv_safe),
        level=plain(level),
        period=no_period(period),
        population=population,
        sums=tuple(sums or ("fatalities", "injured")),
        filters=filters_from(filters),
        by_target=by_target,
    )
    with step(f"counting {request.source.name}"):
        result = run(request)
    print_report(result.report, quiet=quiet)
