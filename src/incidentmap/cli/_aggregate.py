"""``incidentmap aggregate``: counts by area and period."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from incidentmap.aggregate import counts_by_area
from incidentmap.boundaries import load_boundaries
from incidentmap.cli._options import (
    Level,
    Period,
    coarse_note,
    console_err,
    csv_safe_opt,
    filter_options,
    geocode_options,
    load_filtered,
    no_period,
    overwrite_opt,
    plain,
    read_options,
    refuse_existing,
    write_area_rows,
)
from incidentmap.errors import (
    UsageError,
)
from incidentmap.io.formats import writer_for
from incidentmap.pipeline import load_population


def _check_sum_column(g: Any, col: str, input: str) -> None:
    """Refuse a ``--sum`` column that is missing or holds text that is not a number."""
    import pandas as pd

    from incidentmap.errors import InputFileError

    if col not in g.columns:
        msg = f"--sum: no column {col!r} in {input}"
        raise UsageError(msg)
    values = g[col]
    if pd.api.types.is_numeric_dtype(values):
        return
    text = values.astype("string").str.strip()
    bad = (text.notna() & (text != "") & pd.to_numeric(text, errors="coerce").isna()).to_numpy()
    if bad.any():
        k = int(bad.nonzero()[0][0])
        row = int(g["row"].iloc[k]) if "row" in g.columns else k + 1
        msg = f"--sum needs numbers, not {str(text.iloc[k])[:60]!r}"
        raise InputFileError(input, msg, row=row, column=col, keepable=False)


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
    overwrite: bool = overwrite_opt(),
    csv_safe: bool = csv_safe_opt(),
    read: dict[str, Any] | None = None,
    geo: dict[str, Any] | None = None,
    filters: dict[str, Any] | None = None,
) -> None:
    """Count incidents and sum fatalities/injured by area and period, zeros filled."""
    assert read is not None and geo is not None and filters is not None
    writer_for(output)  # an unknown suffix fails before any work
    refuse_existing(output, overwrite=overwrite)
    pop = load_population(population) if population else None
    g = load_filtered(input, read, geo, filters)
    level_name, period_name = plain(level), no_period(period)
    areas = load_boundaries(level_name)
    for col in sums or []:
        _check_sum_column(g, col, input)
    counts = counts_by_area(
        g,
        areas,
        level=level_name,
        period=period_name,
        population=pop,
        sums=sums or ("fatalities", "injured"),
    )
    write_area_rows(
        counts,
        output,
        areas,
        level_name,
        f"{level_name}_{period_name or 'total'}",
        overwrite=overwrite,
        csv_safe=csv_safe,
    )
    if counts.attrs.get("coarse_dates"):
        console_err.print(f"note: {coarse_note(counts.attrs['coarse_dates'], period_name)}")
    n_areas = counts.iloc[:, 0].nunique()
    n_periods = counts["period_start"].nunique() if "period_start" in counts else 1
    console_err.print(
        f"wrote: {len(counts):,} rows ({n_areas} {level_name}s x {n_periods:,} "
        f"period{'s' if n_periods != 1 else ''}) to {output}; "
        f"{counts['incidents'].sum():,.10g} incidents counted"
    )
