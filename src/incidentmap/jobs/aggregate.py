"""The ``aggregate`` job: counts by area and period, written as a table or a layer.

``run(AggregateRequest(...))``: the output checked and the population table read first, the
rows loaded and filtered (:func:`incidentmap.jobs.load.load`), ``sums`` checked, the counts
made (:func:`incidentmap.aggregate.counts_by_area`) and written: a CSV table, or a GIS layer
with each area's polygon.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from incidentmap.errors import UsageError
from incidentmap.jobs.load import Source, load, population_table
from incidentmap.jobs.report import Report
from incidentmap.options import LEVELS, PERIOD_NAMES, Filters, Output

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "AggregateRequest",
    "AggregateResult",
    "coarse_note",
    "run",
    "say_written",
    "write_area_rows",
]


@dataclass(frozen=True)
class AggregateRequest:
    """What to count.

    Attributes
    ----------
    source : Source
    output : Output, optional
        Where to write (``.csv``: a table; ``.gpkg``/``.geojson``/``.parquet``...: a layer).
    level : {"district", "province"}, default "district"
    period : str or None, default "month"
        None: one total per area.
    population : path, optional
        A population table by province or district: rates per 100,000.
    sums : tuple of str, default ("fatalities", "injured")
        Numeric columns to add up.
    filters : Filters
    """

    source: Source
    output: Output | None = None
    level: str = "district"
    period: str | None = "month"
    population: Any = None
    sums: tuple[str, ...] = ("fatalities", "injured")
    filters: Filters = field(default_factory=Filters)

    def check(self) -> None:
        """Refuse a level, period or output that cannot work, before any file is read."""
        from incidentmap.errors import refuse_choice

        refuse_choice(self.level, LEVELS, "`level`")
        if self.period is not None:
            refuse_choice(self.period, PERIOD_NAMES, "`period`")
        if self.output is not None:
            from incidentmap.io.targets import target_for

            target_for(self.output.path).check(overwrite=self.output.overwrite)


@dataclass
class AggregateResult:
    """Counts by area (and period).

    Attributes
    ----------
    counts : pandas.DataFrame
    report : Report
    """

    counts: pd.DataFrame
    report: Report = field(default_factory=Report)

    def _repr_html_(self) -> str:
        return self.counts.head(20)._repr_html_() + self.report._repr_html_()


def run(request: AggregateRequest) -> AggregateResult:
    """Count incidents (and sum tolls) by area and period; write them when asked.

    Parameters
    ----------
    request : AggregateRequest

    Returns
    -------
    AggregateResult
    """
    request.check()
    from incidentmap.aggregate import coarse_count, counts_by_area
    from incidentmap.boundaries import load_boundaries

    pop = population_table(request.population)
    report = Report()
    loaded = load(request.source, request.filters, report)
    g = loaded.frame
    for col in request.sums:
        _check_sum_column(g, col, request.source.name)
    areas = load_boundaries(request.level)
    counts = counts_by_area(
        g,
        areas,
        level=request.level,
        period=request.period,
        population=pop,
        sums=request.sums or ("fatalities", "injured"),
        coverage_end=loaded.coverage_end,
    )
    if request.output is not None:
        layer = f"{request.level}_{request.period or 'total'}"
        out = request.output
        written = write_area_rows(counts, out, areas, request.level, layer)
        say_written(report, written)
    if request.period is not None:
        coarse = coarse_count(g, request.level, request.period)
        if coarse:
            report.add("coarse_dates", coarse_note(coarse, request.period))
        undated = int(g["date"].isna().sum()) if "date" in g.columns else len(g)
        if undated:
            rows = "row has" if undated == 1 else "rows have"
            report.add(
                "undated",
                f"{undated:,} {rows} no date: counted in no {request.period} (`period` none "
                "gives the totals)",
                field="period",
            )
    n_areas = counts.iloc[:, 0].nunique()
    n_periods = counts["period_start"].nunique() if "period_start" in counts else 1
    report.counts.update(rows=len(counts), incidents=float(counts["incidents"].sum()))
    if request.output is not None:
        from incidentmap.io.targets import output_name

        report.add(
            "wrote",
            f"wrote: {len(counts):,} rows ({n_areas} {request.level}s x {n_periods:,} "
            f"period{'s' if n_periods != 1 else ''}) to {output_name(request.output.path)}; "
            f"{_incidents(float(counts['incidents'].sum()))} counted",
            kind="info",
        )
    return AggregateResult(counts, report)


def _incidents(n: float) -> str:
    return f"{n:,.10g} incident" + ("" if n == 1 else "s")


def coarse_note(n: int, period: str) -> str:
    """Say that ``n`` rows are dated to a longer span than one ``period`` (in totals only)."""
    rows = "row is" if n == 1 else "rows are"
    return (
        f"{n:,} {rows} dated only to a longer span than a {period} (a month, a year): "
        f"counted in totals, in no {period}"
    )


def write_area_rows(
    rows: pd.DataFrame, output: Output, areas: Any, level: str, layer: str
) -> dict[str, Any]:
    """Write one row per area: a CSV table, or a GIS layer with each area's polygon.

    Returns
    -------
    dict
        The writer's report (empty for a table).
    """
    import geopandas as gpd

    from incidentmap.io.targets import FileTarget, target_for

    target = target_for(output.path)
    if isinstance(target, FileTarget) and target.format == "CSV":
        target.write_table(rows, overwrite=output.overwrite, csv_safe=output.csv_safe)
        return {}
    key = "district_id" if level == "district" else "province_code"
    geom = areas.set_index(areas[key].astype(str)).geometry.reindex(rows[key].astype(str)).values
    return target.write_layers(
        {layer: gpd.GeoDataFrame(rows, geometry=geom, crs="EPSG:4326")},
        overwrite=output.overwrite,
        csv_safe=output.csv_safe,
    )


def say_written(report: Report, written: dict[str, Any] | None) -> None:
    """Add the writer's notes to a job's report: values a shapefile cut, column by column."""
    for col, count in ((written or {}).get("truncated_columns") or {}).items():
        report.add(
            "truncated",
            f"{count:,} values of {col!r} longer than 254 bytes were cut by the shapefile "
            "format; write .gpkg to keep them whole",
            field=col,
            kind="warning",
        )


def _check_sum_column(g: Any, col: str, input: str) -> None:
    """Refuse a ``sums`` column that is missing or holds text that is not a number."""
    import pandas as pd

    from incidentmap.errors import InputFileError

    if col not in g.columns:
        msg = f"`sum`: no column {col!r} in {input}"
        raise UsageError(msg, field="sum")
    values = g[col]
    if pd.api.types.is_numeric_dtype(values):
        return
    text = values.astype("string").str.strip()
    bad = (text.notna() & (text != "") & pd.to_numeric(text, errors="coerce").isna()).to_numpy()
    if bad.any():
        k = int(bad.nonzero()[0][0])
        row = int(g["row"].iloc[k]) if "row" in g.columns else k + 1
        msg = f"`sum` needs numbers, not {str(text.iloc[k])[:60]!r}"
        raise InputFileError(input, msg, row=row, column=col, keepable=False)
