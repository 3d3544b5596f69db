"""The step every reading job starts with: read, place, weigh and filter, with its report.

:func:`load` is the one sequence from an input to the rows a job works on: the file read
and placed (:func:`incidentmap.pipeline.load_incidents`, or a frame taken as it is), each
row weighed (``weight``), the filters applied, and what the data cover decided before the
filters (the ``until`` asked for, else the file's last date), all said in a :class:`Report`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from incidentmap.jobs.report import Report
from incidentmap.options import Filters, GeoOptions, ReadOptions

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

__all__ = ["Loaded", "Source", "load", "population_table"]


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
        The last day the data cover: the ``until`` asked for, else the last date of the
        file before any filter.
    preset : str
        The column layout the file was read as.
    summary : dict
        The placing counts (see :func:`incidentmap.geocode_summary`).
    report : Report
        What reading, weighing and filtering said.
    """

    frame: gpd.GeoDataFrame
    rows_read: int
    coverage_end: pd.Timestamp | None
    preset: str = ""
    summary: dict[str, Any] = field(default_factory=dict)
    report: Report = field(default_factory=Report)

    def _repr_html_(self) -> str:
        return self.frame.head(20)._repr_html_() + self.report._repr_html_()


def load(
    source: Source, filters: Filters | None, report: Report, *, quiet: bool = False
) -> Loaded:
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
    from incidentmap.aggregate import last_day_covered
    from incidentmap.filters import select

    g = _weigh(g, f.weight, report)
    cover = _coverage_day(f.until) if f.until else _coverage_day(last_day_covered(g))
    kept, left_out = select(g, f)
    report.counts.update(rows_read=len(g), kept=len(kept))
    if f.active():
        if f.group and not _has_actors(g):
            report.add(
                "no_actors",
                "the input has no actor columns (actor1/actor2, side_a/side_b, gname...): "
                "`group` matches nothing",
                field="group",
                kind="warning",
            )
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
    return Loaded(kept, len(g), cover, preset, summary, report)


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
    import geopandas as gpd

    if isinstance(source.input, gpd.GeoDataFrame):
        from incidentmap.geocode import geocode, geocode_summary

        g = source.input
        if "geocode_method" not in g.columns:
            g = geocode(g, snap_km=source.geo.snap_km, fuzzy_threshold=source.geo.fuzzy_threshold)
        return g, str(g.attrs.get("preset", "")), geocode_summary(g)
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


def _weigh(g: Any, column: str | None, report: Report) -> Any:
    """Make each row count as its ``column`` value, saying so once."""
    if column is None:
        return g
    from incidentmap.aggregate import weighted

    out = weighted(g, column)
    total = out[column].sum()
    report.add(
        "weight",
        f"each row counts as its {column!r} value: {total:,.10g} incidents in {len(out):,} rows",
        field="weight",
    )
    return out


def _has_actors(g: Any) -> bool:
    return any(c in g.columns and g[c].notna().any() for c in ("actor", "actor1", "actor2"))


def _events(n: int) -> str:
    return "event" if n == 1 else "events"


def _coverage_day(value: Any) -> Any:
    """Return the last day of a date or of a partial date (``2023-03`` is 31 March)."""
    import pandas as pd

    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    text = str(value)
    if len(text) in (4, 7) and text[:4].isdigit():  # a year, or a year and month
        freq = "Y" if len(text) == 4 else "M"
        return pd.Period(text, freq=freq).end_time.normalize()
    return pd.Timestamp(value).normalize()


def population_table(path: Any) -> Any:
    """Return the population table a rate needs, keyed by area (None when none is given)."""
    if path is None:
        return None
    from incidentmap.pipeline import load_population

    return load_population(path)
