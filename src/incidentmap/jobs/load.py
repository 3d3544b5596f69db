"""The step every reading job starts with: read, place, weigh and filter, with its report.

:func:`load` is the one sequence from an input (a file, or a frame) to the rows a job works
on: read and placed, weighed, filtered, and what the data cover decided before the filters,
all said in a :class:`Report`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from incidentmap.errors import InputFileError, UsageError, plural
from incidentmap.jobs.report import Report
from incidentmap.options import Filters, GeoOptions, ReadOptions

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

__all__ = [
    "Loaded",
    "Source",
    "load",
    "population_line",
    "population_table",
    "target_breakdown",
]


@dataclass(frozen=True)
class Source:
    """Where a job's incidents come from, and how they are read and placed.

    Attributes
    ----------
    input : str, path-like or GeoDataFrame
        An incident file (raw or geocoded; ``-`` for standard input), or a frame already
        read (placed if it has no ``geocode_method`` column).
    read : ReadOptions
    geo : GeoOptions
    """

    input: Any
    read: ReadOptions = field(default_factory=ReadOptions)
    geo: GeoOptions = field(default_factory=GeoOptions)

    @property
    def name(self) -> str:
        """The input as the report names it."""
        if isinstance(self.input, (str, os.PathLike)):
            from incidentmap.io.postgis import masked

            return "<stdin>" if str(self.input) == "-" else masked(self.input)
        return "<frame>"


@dataclass
class Loaded:
    """The rows a job works on.

    Attributes
    ----------
    frame : geopandas.GeoDataFrame
        Placed and filtered incidents.
    rows_read : int
        Rows before the filters.
    coverage_end : pandas.Timestamp or None
        The last day the data cover: the ``until`` asked for, else the file's last date.
    preset : str
        The column layout the file was read as.
    coverage_basis : str
        How ``coverage_end`` was decided, in words.
    coverage_start : pandas.Timestamp or None
        The ``since`` asked for (None without one).
    data_start : pandas.Timestamp or None
        The first day the file covers, before any filter (``spans.first_day_covered``).
    summary : dict
        The placing counts (see :func:`incidentmap.geocode_summary`).
    report : Report
        What reading, weighing and filtering said.
    left_out : str or None
        The rows the filters left out though they may belong, in one sentence.
    """

    frame: gpd.GeoDataFrame
    rows_read: int
    coverage_end: pd.Timestamp | None
    preset: str = ""
    summary: dict[str, Any] = field(default_factory=dict)
    report: Report = field(default_factory=Report)
    coverage_basis: str = ""
    coverage_start: pd.Timestamp | None = None
    left_out: str | None = None
    data_start: pd.Timestamp | None = None

    @property
    def first_covered(self) -> pd.Timestamp | None:
        """The first day covered: the ``since`` asked for (as ``until``), else the data's."""
        return self.coverage_start if self.coverage_start is not None else self.data_start

    def _repr_html_(self) -> str:
        return self.frame.head(20)._repr_html_() + self.report._repr_html_()


def load(source: Source, filters: Filters | None, report: Report, *, quiet: bool = False) -> Loaded:
    """Read and place ``source``, weigh and filter its rows; say what happened in ``report``.

    Parameters
    ----------
    source : Source
    filters : Filters, optional
    report : Report
        Receives the reader's notes, the read line, the weight and the filters' counts.
    quiet : bool, default False
        Leave the reader's notes and its read line out of the report (the weight, the kept
        rows and the left-out uncertain ones are always said).

    Returns
    -------
    Loaded
    """
    f = _checked(filters or Filters())  # before any file is read
    g, preset, summary = _read(source, report, quiet=quiet)
    from incidentmap.filters import select_rows

    if f.group and not _has_actors(g):  # a count of 0 would answer what the data cannot tell
        msg = (
            "the input has no actor columns (actor1/actor2, side_a/side_b, gname...): no row "
            "can be told to be of a group, so every count would be 0 for an unknown; drop `group`"
        )
        raise UsageError(msg, field="group")
    g = _counted_once(_weigh(g, f.weight, report), f, report)
    cover, basis = _covered(g, f.until, preset)
    chosen = select_rows(g, f)
    kept, left_out = chosen.kept, chosen.uncertain
    report.counts.update(rows_read=len(g), kept=len(kept))
    if f.target:
        _say_targets(report, g, f.target)
    if f.event_type:
        _say_event_types(report, g, f.event_type)
    if f.active():
        report.add("kept", f"kept: {len(kept):,} of {len(g):,} rows after the filters", kind="info")
    if left_out:
        report.counts["uncertain_left_out"] = left_out
        report.add(
            "left_out",
            f'left out: {left_out:,} {_events(left_out)} whose attribution is uncertain ("A and/or '
            'B"); `attribution` sole,joint,uncertain,claimed,suspected keeps them',
            field="attribution",
            kind="info",
        )
    if len(chosen.cut):
        _say_cut(report, chosen.cut, f)
    _say_window_rows(report, chosen.by_most, chosen.undated)
    _say_unknown_tolls(report, g, f)
    start = _coverage_day(f.since, first=True) if f.since else None  # a partial first period, said
    left = _left_out(report.counts, f)
    from incidentmap.spans import first_day_covered

    data_start = first_day_covered(g)  # before the filters, as the end is
    return Loaded(kept, len(g), cover, preset, summary, report, basis, start, left, data_start)


def _say_unknown_tolls(report: Report, g: Any, f: Filters) -> None:
    """Say the rows a toll bound left out only because their toll is unknown (not 0)."""
    if (f.min_fatalities is None and f.max_fatalities is None) or "fatalities" not in g.columns:
        return
    from dataclasses import replace

    import pandas as pd

    from incidentmap.filters import select_rows

    others = select_rows(g, replace(f, min_fatalities=None, max_fatalities=None)).kept
    n = int(pd.to_numeric(others["fatalities"], errors="coerce").isna().sum())
    if n:
        report.counts["unknown_toll_left_out"] = n
        report.add(
            "unknown_toll_left_out",
            f"left out: {_rows(n, _weight(others[others['fatalities'].isna()]))} whose toll is "
            "unknown: a toll bound keeps known tolls only (unknown is not 0)",
            field="min_fatalities",
            kind="info",
        )


def _left_out(counts: dict[str, Any], f: Filters) -> str | None:
    """Say what the filters left out though it may belong, for a page or an image.

    Rows dated only to a week, a month or a year that the dates cut (part of the span
    inside, part outside) and rows whose attribution is uncertain ("A and/or B") when a
    group was asked: a reader of the page must know they exist, not only the terminal.
    """
    said = []
    cut = int(counts.get("span_cut", 0))
    if cut:
        window = ", ".join(f"{k} {v}" for k, v in (("since", f.since), ("until", f.until)) if v)
        said.append(
            f"{_rows(cut, counts.get('span_cut_incidents'))} dated only to a week, a month or "
            f"a year that the dates ({window}) cut"
        )
    tolls = int(counts.get("unknown_toll_left_out", 0))
    if tolls:
        said.append(f"{_rows(tolls, None)} whose toll is unknown")
    undated = int(counts.get("undated_left_out", 0))
    if undated:
        said.append(f"{undated:,} {'row' if undated == 1 else 'rows'} with no date")
    unsure = int(counts.get("uncertain_left_out", 0))
    if unsure:
        said.append(f'{unsure:,} whose attribution is uncertain ("A and/or B")')
    return "Left out, though they may belong: " + "; ".join(said) + "." if said else None


def _covered(g: Any, until: Any, preset: str) -> tuple[Any, str]:
    """Return the last day the data cover, and how it was decided, in words.

    The ``until`` asked for; else the rows' last day (a date known to a month covers the
    month), to the end of its year for a layout published in whole years.
    """
    from incidentmap.spans import RELEASED_BY_YEAR, last_day_covered

    if until:
        return _coverage_day(until), "the `until` asked for"
    cover = _coverage_day(last_day_covered(g))
    if preset in RELEASED_BY_YEAR and cover is not None:
        import pandas as pd

        cover = pd.Timestamp(year=cover.year, month=12, day=31)
    return cover, _stated_span(preset, cover)


def _stated_span(preset: str, last: Any) -> str:
    """Say how the covered period was decided when no ``until`` was asked for."""
    if last is None:
        return "no date in the data"
    from incidentmap.spans import RELEASED_BY_YEAR

    if preset in RELEASED_BY_YEAR:
        return f"{RELEASED_BY_YEAR[preset]}'s yearly releases cover the last event's whole year"
    return "the last event's date; the layout states no span, `until` sets another"


def _checked(f: Filters) -> Filters:
    """Refuse, before any file is read, filters no file can make right.

    Dates, attributions, unknown groups, categories, targets and roles.
    """
    from incidentmap.actors import check_group_ids
    from incidentmap.categories import check_categories
    from incidentmap.errors import refuse_choice
    from incidentmap.options import GROUP_ROLES
    from incidentmap.targets import check_targets

    f.check()
    refuse_choice(f.group_role, GROUP_ROLES, "`group_role`")
    if f.group:
        check_group_ids(list(f.group))
    if f.category:
        check_categories(list(f.category))
    if f.target:
        check_targets(list(f.target))
    return f


def _read(source: Source, report: Report, *, quiet: bool) -> tuple[Any, str, dict[str, Any]]:
    """Return the placed rows of a source, the layout they were read as, and the placing counts."""
    ours = _ours(source)
    if ours is not None:
        return ours
    # a path, or a frame as pandas or GeoPandas read a file: read as that file is
    from incidentmap.pipeline import load_incidents

    g, loaded = load_incidents(
        source.input,
        source.read,
        snap_km=source.geo.snap_km,
        fuzzy_threshold=source.geo.fuzzy_threshold,
    )
    if not quiet:
        for note in loaded.notes:
            report.add("read_note", note)
        report.add("read", loaded.line(), kind="info")
    return g, loaded.preset, loaded.summary


def _ours(source: Source) -> tuple[Any, str, dict[str, Any]] | None:
    """Take a frame incidentmap read (its ``attrs``): counted if placed, else placed now."""
    import geopandas as gpd

    from incidentmap.geocode import geocode_counted, geocode_summary
    from incidentmap.schema import CANONICAL_COLUMNS

    g = source.input
    if not isinstance(g, gpd.GeoDataFrame) or g.attrs.get("preset") is None:
        return None
    g = g.to_crs(4326) if g.crs is not None and g.crs.to_epsg() != 4326 else g  # degrees
    preset = str(g.attrs.get("preset", ""))
    if "geocode_method" in g.columns:  # placed before (`read`): counted from its rows
        return g, preset, geocode_summary(g)
    if not set(CANONICAL_COLUMNS) <= set(g.columns):
        return None  # its columns are not the reader's: read as a file's table
    geo = source.geo
    g, counts = geocode_counted(g, snap_km=geo.snap_km, fuzzy_threshold=geo.fuzzy_threshold)
    return g, preset, counts


def _weigh(g: Any, column: str | None, report: Report) -> Any:
    """Make each row count as its ``column`` value, saying so once.

    Without ``column``, a column the reader knows as a count of events (``events``,
    ``Events``, HDX HAPI's and ACLED's count tables: :func:`~incidentmap.io.roles.count_column`)
    weighs the rows: a monthly table of 3,392 rows counted as 3,392 incidents told the reader
    a twentieth of the 69,172 events it holds. ``none`` counts each row as one, said.
    """
    from incidentmap.schema import header_key

    if column is not None and header_key(column) == "none":
        report.add("weight", "each row counts as one incident (`weight` none)", field="weight")
        return g
    found = column is None
    column = _weight_column(g, column)
    if column is None:
        return g
    out = _weighted(g, column, found)
    total = out[column].sum()
    why = ", a count of events by its name" if found else ""
    report.add(
        "weight",
        f"each row counts as its {column!r} value{why}: {total:,.10g} incidents in "
        f"{len(out):,} rows" + (" (`weight` none counts each row as one)" if found else ""),
        field="weight",
    )
    return out


#: event types a count table counts twice: HDX HAPI's ``civilian_targeting`` events are
#: counted in its ``political_violence`` too (HAPI's usage guide: "The three event categories
#: are not mutually exclusive")
SUBSET_TYPES = {"civilian_targeting": "political_violence"}


def _counted_once(g: Any, f: Filters, report: Report) -> Any:
    """Count each event once where one type's rows count again inside another's (HDX HAPI).

    When both types are counted (no ``event_type`` asked, or both), the outer type's row of
    an area and period counts the events and fatalities the inner type's rows do not: the
    totals count each event once, the inner type keeps its own (a count by target still
    finds its civilians). Asked alone, each type counts as published.
    """
    col = g.attrs.get("weight")
    if "event_type" not in g.columns or not col:
        return g
    types = g["event_type"].astype("string").str.strip().str.casefold()
    asked = {t.strip().casefold() for t in f.event_type or ()} or set(types.dropna())
    for part, whole in SUBSET_TYPES.items():
        inner, outer = (types == part).fillna(False), (types == whole).fillna(False)
        if {part, whole} <= asked and inner.any() and outer.any():
            g = _less_inner(g, inner.to_numpy(), outer.to_numpy(), col)
            report.add(
                "subset_counted_once",
                f"event type {whole!r} counts {part!r} events too (HDX HAPI's types overlap): "
                f"its rows count the rest ({plural(int(inner.sum()), 'row')} of {part!r} "
                f"taken from them), so each event counts once; `event_type` {whole} counts "
                "them as published",
                field="event_type",
            )
    return g


def _less_inner(g: Any, inner: Any, outer: Any, col: str) -> Any:
    """Take the inner rows' events (and known fatalities) from the outer row of their area."""
    import pandas as pd

    key = [c for c in ("province_code", "district_id", "date", "date_precision") if c in g]
    ids = g[key].astype("string").fillna("").agg("|".join, axis=1)
    sums = ["fatalities"] if "fatalities" in g.columns else []
    taken = g.loc[inner, [col, *sums]].apply(pd.to_numeric, errors="coerce")
    taken = taken.groupby(ids[inner].to_numpy()).sum(min_count=1)
    out = g.copy()
    here = ids[outer]
    for c in (col, *sums):
        less = here.map(taken[c]).astype("Float64").fillna(0).to_numpy(dtype=float)
        have = pd.to_numeric(out.loc[outer, c], errors="coerce").to_numpy(dtype=float)
        out.loc[outer, c] = (have - less).clip(min=0)
    return out


def _weight_column(g: Any, column: str | None) -> str | None:
    """Return the column asked (by its header key, as options name one), or the count column."""
    if column is None:
        from incidentmap.io.roles import count_column

        return count_column(g)
    from incidentmap.schema import header_key

    if column not in g.columns:  # `events` names ACLED's upper-case `EVENTS` as other options do
        hits = [c for c in g.columns if header_key(c) == header_key(column)]
        column = hits[0] if len(hits) == 1 else column
    return column


def _weighted(g: Any, column: str, found: bool) -> Any:
    """Weigh by ``column``; a column taken by its name says so when a value is refused."""
    from incidentmap.aggregate import weighted

    try:
        return weighted(g, column)
    except InputFileError as err:
        if not found:
            raise
        hint = (
            f"; {column!r} is read as a count of events by its name "
            "(`weight` none counts each row as one)"
        )
        raise InputFileError(
            err.path, err.reason + hint, row=err.row, column=err.column, keepable=False
        ) from None


def _say_targets(report: Report, g: Any, wanted: tuple[str, ...]) -> None:
    """Warn when no row of the input has a target asked for: say which targets it has.

    UCDP GED codes no officials (a government side is its forces), and a file without
    target columns has only ``unknown``: "no match" is then the codebook's answer, said.
    """
    if "target" not in g.columns:
        return
    have = g["target"].astype("string").fillna("unknown").value_counts()
    if any(t in have.index for t in wanted):
        return
    listed = ", ".join(f"{t} {int(n):,}" for t, n in have.items()) or "none"
    report.add(
        "no_target",
        f"no row of the input is aimed at {' or '.join(wanted)} (its targets: {listed}); "
        "`target` matches nothing",
        field="target",
        kind="warning",
    )


def _say_event_types(report: Report, g: Any, wanted: tuple[str, ...]) -> None:
    """Warn when no row has an event type asked for: say the input's types (the commonest)."""
    import pandas as pd

    have = (
        g["event_type"].astype("string").str.strip().replace("", pd.NA).dropna().value_counts()
        if "event_type" in g.columns else pd.Series(dtype="int64")
    )  # fmt: skip
    if {w.strip().casefold() for w in wanted} & {str(t).casefold() for t in have.index}:
        return
    shown = ", ".join(f"{t!r} {int(n):,}" for t, n in have.head(8).items())
    more = f" and {len(have) - 8:,} more" if len(have) > 8 else ""
    listed = f"its types: {shown}{more}" if len(have) else "it has no event types"
    report.add(
        "no_event_type",
        f"no row of the input has event type {' or '.join(map(repr, wanted))} ({listed}); "
        "`event_type` matches nothing",
        field="event_type",
        kind="warning",
    )


def _weight(rows: Any) -> float | None:
    """Return the incidents ``rows`` stand for on a count table (``weight``), else None."""
    from incidentmap.aggregate import row_weights

    w = float(row_weights(rows).sum())
    return None if w == len(rows) else w


def _rows(n: int, incidents: float | None) -> str:
    """``3 rows``, or on a count table ``3 rows (10 incidents)``."""
    rows = f"{n:,} {'row' if n == 1 else 'rows'}"
    if incidents is None:
        return rows
    return f"{rows} ({incidents:,.10g} incident{'' if incidents == 1 else 's'})"


def _say_window_rows(report: Report, by_most: int, undated: int) -> None:
    """Say the weeks a date window kept by most of their days, and the undated rows it left."""
    said = {
        "by_most": f"kept: {_rows(by_most, None)} dated to a week of seven days with four or "
        "more of them in the window (as a count by week or month puts such a week where most "
        "of it is)",
        "undated_left_out": f"left out: {_rows(undated, None)} with no date: a date window "
        "keeps only rows it can place in time, and these may belong",
    }
    for code, n in (("by_most", by_most), ("undated_left_out", undated)):
        if n:
            report.add(code, said[code], kind="info")
    if undated:
        report.counts["undated_left_out"] = undated


def _say_cut(report: Report, cut: Any, f: Filters) -> None:
    """Say how many rows the window left out because it cuts the span they are dated to.

    ``left out: 3 rows dated only to a span the window cuts (2 to a month, 1 to a year;
    row 2: May 2023)``: such a row may or may not fall inside the window, so it is neither
    kept as though it happened on its span's first day nor dropped without a word.
    """
    import pandas as pd

    from incidentmap.spans import date_spans, span_text

    first, last = date_spans(cut)
    kinds = pd.Series("stated range", index=cut.index, dtype=object)
    if "date_precision" in cut.columns:  # a span its precision gives, else the one stated
        prec = cut["date_precision"].astype(object)
        own = (date_spans(cut, stated=False)[1] == last).to_numpy(dtype=bool)
        kinds = prec.where(own & prec.isin(("week", "month", "quarter", "year")), "stated range")
    parts = ", ".join(f"{int(n):,} to a {k}" for k, n in kinds.value_counts().items())
    # by position: a frame put together from several may repeat its index
    where = f"row {int(cut['row'].iloc[0])}" if "row" in cut.columns else "e.g."
    example = span_text(first.iloc[0], last.iloc[0], kinds.iloc[0])
    window = " ".join(
        f"`{name}` {value}" for name, value in (("since", f.since), ("until", f.until)) if value
    )
    n, weight = len(cut), _weight(cut)
    report.counts["span_cut"] = n
    if weight is not None:
        report.counts["span_cut_incidents"] = weight
    report.add(
        "span_cut",
        f"left out: {_rows(n, weight)} dated only to a span the window "
        f"({window}) cuts ({parts}; {where}: {example}): part of each span lies outside it; "
        "a window that holds the whole span keeps such a row",
        field="since" if f.since else "until",
        kind="info",
    )


def _has_actors(g: Any) -> bool:
    return any(c in g.columns and g[c].notna().any() for c in ("actor", "actor1", "actor2"))


def _events(n: int) -> str:
    return "event" if n == 1 else "events"


def _coverage_day(value: Any, *, first: bool = False) -> Any:
    """Return the last (``first``: the first) day of a date or a partial date (``2023-03``)."""
    import pandas as pd

    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    text = str(value)
    if len(text) in (4, 7) and text[:4].isdigit():  # a year, or a year and month
        span = pd.Period(text, freq="Y" if len(text) == 4 else "M")
        return (span.start_time if first else span.end_time).normalize()
    return pd.Timestamp(value).normalize()


def population_table(path: Any) -> Any:
    """Return the population table a rate needs, keyed by area (None when none is given)."""
    if path is None:
        return None
    from incidentmap.pipeline import load_population

    return load_population(path)


def population_line(path: Any, table: Any) -> str:
    """Say which columns of a population table the rates use, and how many areas it gives.

    ``rates per 100,000 from population table pop.csv: column 'T_TL', areas by 'Province'
    (34 provinces with a population)``: the reader's own rule (its first population column
    of ``population``, ``pop``, ``T_TL``, ``total``, keyed by ``district_id`` or a province
    column), and the other candidate columns it did not use.
    """
    import pandas as pd

    from incidentmap.io import read_table
    from incidentmap.io.areas import POPULATION_COLUMNS, PROVINCE_KEYS

    cols = {str(c).lower(): str(c) for c in pd.DataFrame(read_table(path)).columns}
    found = [cols[c] for c in POPULATION_COLUMNS if c in cols]
    keys = [cols[c] for c in ("district_id", *PROVINCE_KEYS) if c in cols]
    level = "district" if "district_id" in table.columns else "province"
    n = int(table["population"].notna().sum())
    line = (
        f"rates per 100,000 from population table {Path(str(path)).name}: column "
        f"{found[0]!r}, areas by {keys[0]!r} ({n:,} {level}s with a population)"
    )
    return line + (f"; not used: {', '.join(map(repr, found[1:]))}" if found[1:] else "")


def target_breakdown() -> Any:
    """Return the per-target split of counts (:class:`incidentmap.aggregate.Breakdown`).

    Every target of :data:`incidentmap.targets.TARGETS` a ``target_<name>`` column, blanks
    counted as ``unknown``.
    """
    from incidentmap.aggregate import Breakdown
    from incidentmap.targets import TARGETS

    return Breakdown("target", TARGETS)
