"""The ``aggregate`` job: counts by area and period, written as a table or a layer.

``run(AggregateRequest(...))``: the output checked and the population table read first, the
rows loaded and filtered (:func:`incidentmap.jobs.load.load`), ``sums`` checked, the counts
made (:func:`incidentmap.aggregate.counts_by_area`) and written: a CSV table, or a GIS layer
with each area's polygon.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from incidentmap.errors import UsageError, carrying, plural
from incidentmap.jobs.choices import check_request
from incidentmap.jobs.load import (
    Source,
    load,
    population_line,
    population_table,
    target_breakdown,
)
from incidentmap.jobs.report import Report
from incidentmap.options import LEVELS, PERIOD_NAMES, Filters, Output, check_part

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "AggregateRequest",
    "AggregateResult",
    "coarse_note",
    "coarse_precisions",
    "period_notes",
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
    by_target : bool, default False
        A count per target beside ``incidents`` (``target_officials`` ... ``target_unknown``:
        every target of :data:`incidentmap.targets.TARGETS`, adding up to ``incidents``).
    """

    source: Source
    output: Output | None = None
    level: str = "district"
    period: str | None = "month"
    population: Any = None
    sums: tuple[str, ...] = ("fatalities", "injured")
    filters: Filters = field(default_factory=Filters)
    by_target: bool = False

    def __post_init__(self) -> None:
        check_request(self, flags=("by_target",))
        check_part(self.output, Output, "output", none=True)

    def check(self) -> None:
        """Refuse a level, period or output that cannot work, before any file is read."""
        from incidentmap.errors import refuse_choice

        refuse_choice(self.level, LEVELS, "`level`")
        if self.period is not None:
            refuse_choice(self.period, PERIOD_NAMES, "`period`")
        if self.output is not None:
            from incidentmap.atomic import refuse_inputs
            from incidentmap.io.targets import target_for

            refuse_inputs([self.output.path], [self.source.input, self.population])
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
    from incidentmap.aggregate import counts_by_area
    from incidentmap.boundaries import load_boundaries

    pop = population_table(request.population)
    report = Report()
    with carrying(report):
        if pop is not None:
            report.add("population", population_line(request.population, pop), kind="info")
        loaded = load(request.source, request.filters, report)
        g = loaded.frame
        for col in request.sums:
            _check_sum_column(g, col, request.source.name)
        refuse_province_only(g, request.level)  # before anything is counted or written
        say_repeated_ids(report, g)
        areas = load_boundaries(request.level)
        counts = counts_by_area(
            g,
            areas,
            level=request.level,
            period=request.period,
            population=pop,
            sums=request.sums or ("fatalities", "injured"),
            coverage=(loaded.first_covered, loaded.coverage_end),
            span=_span_before_filters(request, loaded, report),
        )
        counts = _split(counts, g, request)
        _refuse_no_period(counts, g, request)  # a table of zeros would answer what none holds
        if request.level == "district":
            say_province_only(report, g)
        if request.output is not None:
            layer = f"{request.level}_{request.period or 'total'}"
            out = request.output
            say_repeated_polygons(report, counts, out, areas, request.level)
            written = write_area_rows(counts, out, areas, request.level, layer)
            say_written(report, written)
        if request.period is not None:
            period_notes(report, g, request.level, request.period)
            _say_partial(report, counts, request.period, loaded)
        n_areas = counts.iloc[:, 0].nunique()
        n_periods = counts["period_start"].nunique() if "period_start" in counts else 1
        report.counts.update(rows=len(counts), incidents=float(counts["incidents"].sum()))
        if request.output is not None:
            from incidentmap.io.targets import output_name

            report.add(
                "wrote",
                f"wrote: {plural(len(counts), 'row')} ({plural(n_areas, request.level)} x "
                f"{plural(n_periods, 'period')}) to {output_name(request.output.path)}; "
                f"{_incidents(float(counts['incidents'].sum()))} counted",
                kind="info",
            )
        return AggregateResult(counts, report)


def _refuse_no_period(counts: Any, g: Any, request: AggregateRequest) -> None:
    """Refuse a count by period when rows were kept but no period holds any of them.

    Dates known only to the year under ``period`` month, or no date column: the table
    would be every area at 0 in no period, read as "nothing happened" (``brief`` and
    ``trends`` refuse the same data).
    """
    if request.period is None or not len(g) or "period_start" not in counts:
        return
    if counts["period_start"].notna().any():
        return
    from incidentmap.render.series import no_periods_reason

    raise UsageError(no_periods_reason(g, request.level, request.period), field="period")


def _span_before_filters(request: AggregateRequest, loaded: Any, report: Report) -> Any:
    """Return the span the data cover when the filters keep no row (else None).

    Counted by period, rows that are all filtered out would give no period at all; the
    periods follow the coverage decided before the filters instead (the ``since`` asked
    for, else the file's first date; the coverage's end), every count 0, and it is said.
    """
    if len(loaded.frame) or not loaded.rows_read:
        return None
    # rows the window left out though they may belong: a 0 is then "none known inside"
    maybe = sum(int(report.counts.get(k, 0)) for k in ("span_cut", "undated_left_out"))
    also = (
        f" of the rows known to lie inside the window; {maybe:,} "
        f"{'row' if maybe == 1 else 'rows'} that may belong {'was' if maybe == 1 else 'were'} "
        "left out (above): such a 0 is none known, not none"
        if maybe
        else ""
    )
    if request.period is None:  # one count per area: each 0, said
        report.add("nothing_matched", f"no row matched the filters: every count is 0{also}")
        return None
    first = _first_day(request)
    end = loaded.coverage_end
    if first is None or end is None:
        return None
    report.add(
        "nothing_matched",
        f"no row matched the filters: every count is 0{also}, over the {request.period}s the "
        f"data cover ({first:%Y-%m-%d} to {end:%Y-%m-%d})",
    )
    return (first, end)


def _first_day(request: AggregateRequest) -> Any:
    """Return the ``since`` asked for, else the file's first date (read without filters)."""
    import pandas as pd

    since = request.filters.since if request.filters is not None else None
    first = pd.to_datetime(since, errors="coerce") if since else pd.NaT
    if pd.isna(first):
        whole = load(request.source, None, Report(), quiet=True).frame
        first = pd.to_datetime(whole["date"], errors="coerce").min() if len(whole) else pd.NaT
    return None if pd.isna(first) else first


def _split(counts: Any, g: Any, request: AggregateRequest) -> Any:
    """Add the counts by target when asked (``by_target``)."""
    if not request.by_target:
        return counts
    from incidentmap.aggregate import add_breakdown

    return add_breakdown(counts, g, target_breakdown(), level=request.level, period=request.period)


def period_notes(report: Report, g: Any, level: str, period: str) -> None:
    """Say which rows no ``period`` holds: undated, dated only to a longer span, unplaced.

    Counted by area and period, a row is in no period when it has no date or a date known
    only to a longer span (a month, a year), and in no area when it is not placed at the
    level; the table's total is then less than the rows, and each reason is said with its
    count, so that the sum of the table plus the rows said is the rows kept.
    """
    key = "district_id" if level == "district" else "province_code"
    placed = g[key].notna() if key in g.columns else None
    _span_notes(report, g, level, period)
    dates = g["date"] if "date" in g.columns else None
    undated = int(dates.isna().sum()) if dates is not None else len(g)
    if undated:
        rows = "row has" if undated == 1 else "rows have"
        where = ""
        if placed is not None and dates is not None:
            n_placed = int((dates.isna() & placed).sum())
            where = f" ({n_placed:,} placed in a {level}, in its total)"
        report.add(
            "undated",
            f"{undated:,} {rows} no date: counted in no {period}{where}; `period` none "
            "gives the totals",
            field="period",
        )


def _say_partial(report: Report, counts: Any, period: str, loaded: Any) -> None:
    """Say which periods are marked incomplete, and how the data's coverage was decided."""
    if "period_complete" not in counts.columns or counts["period_complete"].all():
        return
    starts = sorted(set(counts.loc[~counts["period_complete"].astype(bool), "period_start"]))
    first, cover = loaded.first_covered, loaded.coverage_end
    cut = [s for s in starts if first is not None and s < first]
    rest = [s for s in starts if s not in cut]
    said = [_said_start(cut[0], loaded, period)] if cut else []
    if rest:
        said.append(
            f"the {period} from {rest[-1]:%Y-%m-%d}: the data cover to {cover:%Y-%m-%d} "
            f"({loaded.coverage_basis})"
        )
    report.add("partial", "period_complete is false for " + "; for ".join(said), field="until")


def _said_start(cut: Any, loaded: Any, period: str) -> str:
    first = loaded.first_covered
    if loaded.coverage_start is not None:
        return f"the {period} from {cut:%Y-%m-%d}: `since` ({first:%Y-%m-%d}) cuts it"
    return f"the {period} from {cut:%Y-%m-%d}: the data cover from {first:%Y-%m-%d} (first event)"


def refuse_province_only(g: Any, level: str = "district") -> None:
    """Refuse district counts of rows that are all placed only to a province.

    Counted by district, such rows give a table of zeros that reads as "nothing happened";
    the refusal is :func:`incidentmap.fitness.check_fit`'s, the one ``trends`` and ``brief``
    give. Rows of which none is placed (a filter kept nothing) are not refused: their zeros
    are the answer, and said.

    Raises
    ------
    UsageError
        Every placed row reaches only a province.
    """
    from incidentmap.fitness import check_fit, data_fitness

    fit = data_fitness(g)
    if level == "district" and fit.province_rows and not fit.district_rows:
        check_fit(fit, level="district", period=None)


def say_repeated_ids(report: Report, g: Any) -> None:
    """Say the event ids on several rows: each row is counted, one event listed twice is not.

    A publisher's id names one event; the same id on two rows (an export appended twice,
    pages fetched over each other) counts that event twice. Nothing is dropped (the rows
    may differ), but the counts that follow are said to include them.
    """
    if "event_id" not in g.columns or not len(g):
        return
    ids = g["event_id"].astype("string").str.strip()
    ids = ids[ids.notna() & (ids != "")]
    counts = ids.value_counts()
    repeated = counts[counts > 1]
    if repeated.empty:
        return
    shown = ", ".join(f"{k!r} on {v:,} rows" for k, v in repeated.head(3).items())
    more = f" and {len(repeated) - 3:,} more" if len(repeated) > 3 else ""
    rows = int(repeated.sum())
    report.counts["repeated_id_rows"] = rows
    report.add(
        "repeated_ids",
        f"{plural(len(repeated), 'event id')} {'is' if len(repeated) == 1 else 'are'} on "
        f"several rows ({shown}{more}): each of those {rows:,} rows is counted as an "
        "incident; if they are one event listed again, the counts are too high",
        kind="warning",
    )


def say_province_only(report: Report, g: Any) -> None:
    """Say how many placed rows reach only a province (in no district count), if any.

    The sentence is :func:`incidentmap.fitness.check_fit`'s, the one ``brief`` says. When
    every placed row reaches only a province, a warning says the district counts hold none
    of them (``export`` writes its districts layer beside the provinces; ``aggregate``
    refuses first, :func:`refuse_province_only`).
    """
    from incidentmap.fitness import check_fit, data_fitness

    fit = data_fitness(g)
    if not fit.province_rows:
        return  # none left out
    report.counts["province_only"] = fit.province_rows
    if not fit.district_rows:
        report.add(
            "province_only",
            f"all {fit.placed:,} placed rows are placed only to a province (the data name no "
            "district or point): every district count is 0 (a provinces layer or table "
            "counts them)",
            field="level",
            kind="warning",
        )
        return
    _, notes = check_fit(fit, level="district", period=None)
    report.add("province_only", notes[0], field="level")


def _incidents(n: float) -> str:
    return f"{n:,.10g} incident" + ("" if n == 1 else "s")


def coarse_note(
    n: int, period: str, precisions: dict[str, int] | None = None, weight: float | None = None
) -> str:
    """Say that ``n`` rows are dated to a span no one ``period`` holds (in totals only).

    ``precisions`` counts them by their date's precision (``{"week": 9, "year": 6}``): a
    date known to a week is in no one month when its week runs into the next month.
    ``weight``: the incidents those rows count as (a count table's rows), said when it
    is not ``n``.
    """
    rows = "row is" if n == 1 else "rows are"
    if weight is not None and weight != n:
        rows = f"{'row' if n == 1 else 'rows'} ({_incidents(weight)}) {'is' if n == 1 else 'are'}"
    known = ""
    if precisions:
        known = " (" + ", ".join(f"{v:,} to a {k}" for k, v in precisions.items()) + ")"
    return (
        f"{n:,} {rows} dated only to a span no one {period} holds{known}: counted in "
        f"totals, in no {period}"
    )


def _span_notes(report: Report, g: Any, level: str, period: str) -> None:
    """Say the rows whose span no one period holds, and the weeks counted by calendar week."""
    from incidentmap.aggregate import coarse_rows, row_weights, shifted_weeks

    placed = g["district_id" if level == "district" else "province_code"].notna().to_numpy()
    shifted = int(shifted_weeks(g, period)[placed].sum())
    if shifted:
        report.add("shifted_weeks", shifted_note(shifted, period))
    coarse = coarse_rows(g, period) & placed
    if coarse.any():
        weight = float(row_weights(g)[coarse].sum())
        precisions = coarse_precisions(g, level, period)
        report.add("coarse_dates", coarse_note(int(coarse.sum()), period, precisions, weight))


def shifted_note(n: int, period: str = "week") -> str:
    """Say that ``n`` rows, dated to a week no one ``period`` holds, are counted in one.

    ACLED's weeks run Saturday to Friday: each is counted in the period holding its
    middle day, four or more of its seven days (the calendar week, Monday to Sunday; the
    month, quarter or year).
    """
    rows = "row is" if n == 1 else "rows are"
    if period == "week":
        return (
            f"{n:,} {rows} dated to a week that does not start on a Monday (ACLED's run "
            "Saturday to Friday): each is counted in the calendar week (Monday to Sunday) "
            "holding its middle day, four or more of its seven days"
        )
    return (
        f"{n:,} {rows} dated to a week that runs into the next {period}: each is counted in "
        f"the {period} holding its middle day, four or more of its seven days"
    )


def coarse_precisions(g: Any, level: str, period: str) -> dict[str, int]:
    """Count the rows placed at ``level`` no one ``period`` holds, by their date's precision."""
    import pandas as pd

    from incidentmap.aggregate import coarse_rows

    key = "district_id" if level == "district" else "province_code"
    if key not in g.columns or "date_precision" not in g.columns:
        return {}
    mask = coarse_rows(g, period) & g[key].notna().to_numpy()
    counts = pd.Series(g["date_precision"].to_numpy()[mask]).value_counts()
    order = ("day", "week", "month", "quarter", "year")
    return {str(k): int(counts[k]) for k in sorted(counts.index, key=lambda k: (
        order.index(k) if k in order else len(order), str(k)))}  # fmt: skip


#: a layer of repeated polygons from this size on is said (bytes of their WKB)
REPEATED_SAID = 20_000_000


def say_repeated_polygons(
    report: Report, rows: pd.DataFrame, output: Output, areas: Any, level: str
) -> None:
    """Say that a GIS layer of counts by period repeats each area's polygon in every row.

    398 districts over 81 months wrote 420 MB of GeoJSON for 51 incidents: the size is
    said (about, from the polygons' WKB) with the smaller ways to the same counts.
    """
    import numpy as np

    from incidentmap.io.targets import FileTarget, target_for

    target = target_for(output.path)
    if isinstance(target, FileTarget) and target.format == "CSV":
        return
    key = "district_id" if level == "district" else "province_code"
    size = areas.set_index(areas[key].astype(str)).geometry.to_wkb().str.len()
    used = rows[key].astype(str)
    estimate = float(np.nansum(size.reindex(used).to_numpy(dtype=float)))
    periods = int(rows["period_start"].nunique()) if "period_start" in rows else 1
    if periods < 2 or estimate < REPEATED_SAID:
        return
    report.add(
        "repeated_polygons",
        f"this layer repeats each {level}'s polygon in each of its {periods:,} periods' rows "
        f"(about {estimate / 1e6:,.0f} MB of polygons); a .csv table of the same counts, or "
        "an export's layer of the polygons once beside a long table, is smaller",
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
    rows = round_rates(rows)
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


#: significant digits of a rate (``incidents_per_100k``...) in a written table or layer
RATE_DIGITS = 6


def round_rates(rows: pd.DataFrame, digits: int = RATE_DIGITS) -> pd.DataFrame:
    """Return ``rows`` with each ``*_per_100k`` column rounded to ``digits`` significant digits.

    A rate is a quotient: ``0.19999999999999998`` is written ``0.2``. Unknown rates stay
    unknown; the other columns are untouched (the input is not changed).
    """
    cols = [c for c in rows.columns if str(c).endswith("_per_100k")]
    if not cols:
        return rows
    out = rows.copy()
    for c in cols:
        out[c] = out[c].map(lambda v: float(f"{v:.{digits}g}") if v == v else v)
    return out


def say_written(report: Report, written: dict[str, Any] | None) -> None:
    """Add the writer's notes to a job's report: names and values a format changed."""
    w = written or {}
    if w.get("fields"):
        mapping = ", ".join(f"{k} -> {v}" for k, v in w["fields"].items())
        said = f"field names {w.get('format')} cannot hold, changed: {mapping}"
        if str(w.get("format", "")).startswith("ESRI"):
            beside = Path(str(w["path"])).with_suffix(".fields.csv")
            said = f"shapefile field names cut to 10 characters: {mapping} (mapping in {beside})"
        report.add("fields", said, kind="info")
    _say_changed(report, w)
    for col, count in ((written or {}).get("truncated_columns") or {}).items():
        report.add(
            "truncated",
            f"{plural(count, 'value')} of {col!r} longer than 254 bytes "
            f"{'was' if count == 1 else 'were'} cut by the shapefile "
            "format; write .gpkg to keep them whole",
            field=col,
            kind="warning",
        )


def _say_changed(report: Report, w: dict[str, Any]) -> None:
    """Say the values an XML format could not hold as written, and GDAL's warnings."""
    for col, count in (w.get("not_xml") or {}).items():
        report.add(
            "not_xml",
            f"{plural(count, 'value')} of {col!r} held characters {w.get('format')} (XML) cannot "
            "hold: a control character written as a space, U+FFFE, U+FFFF as U+FFFD",
            field=col,
            kind="info",
        )
    for line in w.get("warnings") or ():
        report.add("write_warning", line, kind="info")


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
