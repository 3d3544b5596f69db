"""One typed area-by-period series that the page and the PNG both draw from.

:func:`area_series` counts (or sums) the incidents of every area in every period once,
with the cumulative values, the colour classes of both modes, the colours and the legend;
:func:`incidentmap.render.data.build_payload` encodes it for the page and
:func:`incidentmap.render.static_map` draws it, so the two never compute it apart (the brief
job computes it once for both).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from incidentmap.aggregate import PERIODS, counts_by_area, first_day_covered
from incidentmap.context import BoundaryContext, context_for
from incidentmap.errors import UsageError
from incidentmap.fitness import data_fitness
from incidentmap.render.classes import NODATA_COLOR, ZERO_COLOR, area_colors, class_bins
from incidentmap.render.style import MapStyle

__all__ = [
    "MAX_STEPS", "AreaSeries", "area_series", "cumulate", "no_periods_reason", "period_labels",
    "province_only",
]  # fmt: skip


def period_labels(starts: pd.DatetimeIndex | list[pd.Timestamp], period: str | None) -> list[str]:
    """Label periods as calendar dates (no time, no time zone): "March 2023", "2023-W10"...

    Parameters
    ----------
    starts : sequence of Timestamp
        First day of each period.
    period : str or None
        The period kind; None labels a single all-time period.

    Returns
    -------
    list of str
    """
    out = []
    for s in starts:
        ts = pd.Timestamp(s)
        if period is None:
            out.append("all dates")
        elif period == "day":
            out.append(ts.strftime("%d %b %Y"))
        elif period == "week":
            end = ts + pd.Timedelta(days=6)
            out.append(f"{ts.strftime('%d %b')} \u2013 {end.strftime('%d %b %Y')}")
        elif period == "month":
            out.append(ts.strftime("%B %Y"))
        elif period == "quarter":
            out.append(f"{ts.year} Q{(ts.month - 1) // 3 + 1}")
        else:
            out.append(str(ts.year))
    return out


#: the most slider steps a page holds (ten years of weeks is 522; of days, 3,653)
MAX_STEPS = 4000


def check_steps(incidents: pd.DataFrame, period: str) -> None:
    """Refuse, before any work, a slider with more steps than a page can hold."""
    dates = pd.to_datetime(incidents["date"]).dropna() if "date" in incidents else pd.Series()
    if dates.empty:
        return
    freq = PERIODS[period]
    steps = (pd.Period(dates.max(), freq=freq) - pd.Period(dates.min(), freq=freq)).n + 1
    if steps > MAX_STEPS:
        msg = (
            f"a slider by {period} from {dates.min():%Y-%m-%d} to {dates.max():%Y-%m-%d} would "
            f"have {steps:,} steps, more than {MAX_STEPS:,}: choose a longer `period` or narrow "
            "the dates with `since`/`until`"
        )
        raise UsageError(msg)


def measure_label(measure: str) -> str:
    return {
        "incidents": "Incidents",
        "per100k": "Incidents per 100,000 people",
    }.get(measure, measure.replace("_", " ").capitalize())


@dataclass(frozen=True)
class AreaSeries:
    """Every area's value in every period, with the classes and colours of both modes.

    Attributes
    ----------
    level : {"district", "province"}
    period : str or None
    measure : str
        What the values are, in words ("Incidents", "Fatalities"...).
    areas : geopandas.GeoDataFrame
        The display layer of ``level``, in the series' order.
    key : str
        ``district_id`` or ``province_code``.
    ids, names : list of str
        Each area's key and name.
    starts : list of Timestamp
        First day of each period (one all-dates period when ``period`` is None).
    labels : list of str
        Each period as a calendar label.
    values, cumulative : numpy.ndarray
        Area x period; NaN where an area has no value in a period.
    counts : pandas.DataFrame
        The count table the values come from (:func:`incidentmap.counts_by_area`).
    bins : dict
        Upper class bounds for ``window`` and ``cumulative``.
    colors : list of str
        One colour per class (enough for either mode).
    integer : bool
        Every value is a whole number (the legend then shows whole-number classes).
    partial : pandas.Timestamp or None
        The data's last day when it falls inside the last period (that period is not
        over in the data: the page and the PNG say so), else None.
    partial_start : pandas.Timestamp or None
        The data's first day (the ``since`` asked for) when it falls after the first
        period's first day: that period holds only part of its days, said like ``partial``,
        and no surge is measured against it.
    coarse : numpy.ndarray or None
        On a district series, the incidents placed only to a province (no district): one
        row per province of the display layer, one column per period (weighted counts);
        None on a province series. They are counted there, never hidden.
    coarse_total : float
        How many incidents are placed only to a province (undated ones included).
    coarse_measure : numpy.ndarray or None
        On a district series whose measure is a column (fatalities...), the sum of that
        column over the rows placed only to a province, shaped as ``coarse``; None otherwise.
    coarse_known : numpy.ndarray or None
        How many of those rows (weighted) have the measure known, shaped as ``coarse``.
    tallies : numpy.ndarray or None
        On a map of a column (fatalities...), each area's incidents in each period
        (weighted), shaped as ``values``; None otherwise.
    known : numpy.ndarray or None
        How many of those incidents have the column known, shaped as ``values``: a sum is
        said "known for k of n", and a cumulative sum is unknown while none is known.
    """

    level: str
    period: str | None
    measure: str
    areas: gpd.GeoDataFrame
    key: str
    ids: list[str]
    names: list[str]
    starts: list[Any]
    labels: list[str]
    values: np.ndarray
    cumulative: np.ndarray
    counts: pd.DataFrame
    bins: dict[str, list[float]]
    colors: list[str]
    integer: bool
    partial: pd.Timestamp | None = None
    coarse: np.ndarray | None = None
    coarse_total: float = 0.0
    coarse_measure: np.ndarray | None = None
    coarse_known: np.ndarray | None = None
    partial_start: pd.Timestamp | None = None
    tallies: np.ndarray | None = None
    known: np.ndarray | None = None

    @property
    def legend_title(self) -> str:
        """Return the legend's title ("Incidents per province")."""
        return f"{self.measure} per {self.level}"

    def label(self, t: int) -> str:
        """Return a period's label, the last one marked when the data end inside it."""
        text = self.labels[t]
        if self.partial_start is not None and t == 0:
            text += f" (partial: data from {self.partial_start:%d %b %Y})"
        if self.partial is not None and t == len(self.labels) - 1:
            text += f" (partial: data to {self.partial:%d %b %Y})"
        return text

    def shown(self, mode: str) -> np.ndarray:
        """Return the values a mode shows: each period's own, or everything up to it."""
        return self.cumulative if mode == "cumulative" else self.values

    def color(self, v: float, mode: str) -> str:
        """Return the colour of one value: no data, zero, or its class."""
        if np.isnan(v):
            return NODATA_COLOR
        if v == 0:
            return ZERO_COLOR
        for b, c in zip(self.bins[mode], self.colors, strict=False):
            if v <= b:
                return c
        return self.colors[-1]

    def legend(self, mode: str) -> list[tuple[str, str]]:
        """Return the legend as (label, colour): no data, 0, then each class."""
        out = [("unknown", NODATA_COLOR), ("0", ZERO_COLOR)]
        lo = 0.0
        for i, (b, c) in enumerate(zip(self.bins[mode], self.colors, strict=False)):
            if self.integer and float(b).is_integer():
                lab = f"{lo + 1:,.0f}" if lo + 1 >= b else f"{lo + 1:,.0f} \u2013 {b:,.0f}"
            else:
                lab = f"{'> 0' if i == 0 else f'> {lo:,.6g}'} \u2013 {b:,.6g}"
            out.append((lab, c))
            lo = b
        return out


def area_series(
    incidents: gpd.GeoDataFrame,
    districts: gpd.GeoDataFrame | BoundaryContext | None,
    style: MapStyle | None = None,
    *,
    population: pd.DataFrame | None = None,
    coverage_end: Any = None,
    coverage_start: Any = None,
) -> AreaSeries:
    """Count (or sum) every area's incidents in every period, once for the page and the PNG.

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        Geocoded incidents.
    districts : geopandas.GeoDataFrame or BoundaryContext, optional
        The district layer (default the installed one).
    style : MapStyle, optional
        ``level``, ``period``, ``measure`` (``incidents``, ``count``, ``per100k`` or a
        numeric column), ``scheme``, ``k``, ``bins`` and ``mode`` are used.
    population : pandas.DataFrame, optional
        For ``measure="per100k"``.
    coverage_end : date-like, optional
        The last day the data cover (the ``until`` asked for, or the file's last date
        before filters); default the incidents' last date. A period it ends inside is
        partial.
    coverage_start : date-like, optional
        The first day the data cover (the ``since`` asked for); default the first day the
        incidents cover (a first event on 20 June: June is partial, as the last period is
        when the data end inside it). A period it starts inside is partial.

    Returns
    -------
    AreaSeries

    Raises
    ------
    UsageError
        For a mode, period or measure the function does not know, ``per100k`` without a
        population table, or more slider steps than :data:`MAX_STEPS`.
    """
    s = style if style is not None else MapStyle()
    measure = "incidents" if s.measure == "count" else s.measure
    _check_style(incidents, s, measure, population)
    layer, key, name_col = _level_layer(context_for(districts), s.level)
    if s.period is not None:
        check_steps(incidents, s.period)
    per100k = measure == "per100k"
    counts = counts_by_area(
        incidents,
        layer,
        level=s.level,
        period=s.period,
        sums=[measure] if measure not in ("incidents", "per100k") else [],
        population=population if per100k else None,
        coverage=(coverage_start, coverage_end),
    )
    if s.period is None:
        starts = [pd.Timestamp("1970-01-01")]
        counts["period_start"] = starts[0]
    else:
        starts = sorted(counts["period_start"].dropna().unique())
    if not starts:
        raise UsageError(no_periods_reason(incidents, s.level, s.period))
    ids = layer[key].astype(str).tolist()
    value_col = "incidents_per_100k" if per100k else measure
    values = _matrix(counts, key, value_col, ids, starts)
    tallies, known = _tallies(counts, key, measure, ids, starts)
    cumulative = cumulate(values, tallies, known)
    integer = bool(np.all(np.isnan(values) | (values == np.round(values))))
    bins = _classes(values, cumulative, s, integer)
    return AreaSeries(
        level=s.level,
        period=s.period,
        measure=measure_label(measure),
        areas=layer,
        key=key,
        ids=ids,
        names=layer[name_col].tolist(),
        starts=starts,
        labels=period_labels(starts, s.period),
        partial=_partial_end(incidents, starts, s.period, coverage_end),
        partial_start=_partial_start(incidents, starts, s.period, coverage_start),
        values=values,
        cumulative=cumulative,
        counts=counts,
        bins=bins,
        colors=area_colors(max(len(b) for b in bins.values())),
        integer=integer,
        tallies=tallies,
        known=known,
        **_coarse(incidents, context_for(districts), s, starts, measure),
    )


def cumulate(
    values: np.ndarray, tallies: np.ndarray | None = None, known: np.ndarray | None = None
) -> np.ndarray:
    """Return each area's values summed up to each period.

    A sum of a column (``tallies`` and ``known`` given) is unknown (NaN) up to a period
    where the area has incidents and none of them a known value, 0 where it has none yet;
    a count or a rate sums as it is (an unknown rate adds nothing).

    Parameters
    ----------
    values : numpy.ndarray
        Area x period values (NaN: unknown).
    tallies, known : numpy.ndarray, optional
        The incidents of each area and period, and how many have the value known.

    Returns
    -------
    numpy.ndarray
    """
    summed = np.cumsum(np.nan_to_num(values, nan=0.0), axis=1)
    if tallies is None or known is None:
        return summed
    some = np.cumsum(tallies, axis=1) > 0
    return np.where((np.cumsum(known, axis=1) > 0) | ~some, summed, np.nan)


def province_only(incidents: pd.DataFrame) -> np.ndarray:
    """Tell which rows are placed to a province but to no district (a mask)."""
    if "province_code" not in incidents or "district_id" not in incidents:
        return np.zeros(len(incidents), dtype=bool)
    return (incidents["province_code"].notna() & incidents["district_id"].isna()).to_numpy(bool)


def _coarse(
    incidents: pd.DataFrame, ctx: BoundaryContext, s: MapStyle, starts: list[Any], measure: str
) -> dict[str, Any]:
    """Count, on a district series, the rows placed only to a province: by province and period."""
    if s.level != "district":
        return {}
    mask = province_only(incidents)
    provinces = ctx.display_layers[1]
    out = np.zeros((len(provinces), len(starts)))
    if not mask.any():
        return {"coarse": out, "coarse_total": 0.0}
    from incidentmap.aggregate import row_periods, row_weights

    rows = incidents[mask]
    w = row_weights(incidents)[mask]
    codes = provinces["province_code"].astype(str).tolist()
    area = rows["province_code"].astype(str).map({c: i for i, c in enumerate(codes)})
    if s.period is None:
        t = pd.Series(0, index=rows.index)
    else:
        lookup = pd.Series(np.arange(len(starts)), index=pd.DatetimeIndex(starts))
        t = row_periods(rows, s.period).map(lookup)
    ok = (area.notna() & t.notna()).to_numpy(bool)
    at = (area[ok].astype(int).to_numpy(), t[ok].astype(int).to_numpy())
    np.add.at(out, at, w[ok])
    found = {"coarse": out, "coarse_total": float(w.sum())}
    if measure not in ("incidents", "per100k"):  # a column's sum: its own values, unknown apart
        v = pd.to_numeric(rows[measure], errors="coerce").to_numpy(float)[ok]
        known = ~np.isnan(v)
        summed, counted = np.zeros_like(out), np.zeros_like(out)
        np.add.at(summed, at, np.where(known, v, 0.0))
        np.add.at(counted, at, np.where(known, np.asarray(w, float)[ok], 0.0))
        found.update(coarse_measure=summed, coarse_known=counted)
    return found


def no_periods_reason(incidents: pd.DataFrame, level: str, period: str | None = None) -> str:
    """Say why there is no period to draw (a page without periods is never written).

    Rows dated only to a year (or a span) that no ``period`` holds are dated, not undated:
    the line says how they are dated and which period holds them.
    """
    fit = data_fitness(incidents)
    if level == "district" and fit.dated and fit.district_rows == 0:
        return (
            f"nothing to draw by district: all {fit.placed:,} placed rows are placed only to a "
            "province; use `level` province"
        )
    dated = incidents["date"].notna() if "date" in incidents.columns else pd.Series(dtype=bool)
    if period is not None and dated.any() and "date_precision" in incidents.columns:
        prec = incidents.loc[dated, "date_precision"].astype("string").fillna("day")
        said = ", ".join(f"{int(n):,} to a {k}" for k, n in prec.value_counts().items())
        order = ("day", "week", "month", "quarter", "year")
        coarsest = max(prec.unique(), key=lambda p: order.index(p) if p in order else -1)
        wider = f"`period` {coarsest}, or " if coarsest in PERIODS and coarsest != period else ""
        return (
            f"no {period} holds any of the {int(dated.sum()):,} dated rows ({said}); "
            f"use {wider}`period` none for all dates"
        )
    return "no dated incidents to draw by period; use `period` none for all dates"


def _partial_start(
    incidents: pd.DataFrame, starts: list[Any], period: str | None, start: Any
) -> pd.Timestamp | None:
    """Return the data's first day when it falls after the first period's first day.

    ``start`` is the first day asked for (``since``); default the first day the incidents
    cover (:func:`incidentmap.aggregate.first_day_covered`), as the end is their last.
    """
    if start is None and period is not None:
        start = first_day_covered(incidents)
    if period is None or not starts or start is None or pd.isna(start):
        return None
    start = pd.Timestamp(start).normalize()
    first = pd.Period(pd.Timestamp(starts[0]), freq=PERIODS[period]).start_time.normalize()
    return start if start > first else None


def _classes(
    values: np.ndarray, cumulative: np.ndarray, s: MapStyle, integer: bool
) -> dict[str, list[float]]:
    """Return the class bounds of both modes (whole numbers for counts: "4 - 8")."""
    bins = {
        "window": class_bins(values.ravel(), s.scheme, s.k, s.bins),
        "cumulative": class_bins(cumulative.ravel(), s.scheme, s.k, s.bins),
    }
    return {mode: _whole(b) for mode, b in bins.items()} if integer else bins


def _partial_end(
    incidents: pd.DataFrame, starts: list[Any], period: str | None, end: Any = None
) -> pd.Timestamp | None:
    """Return the data's last day when it falls before the end of the last period, else None."""
    if period is None or not starts:
        return None
    if end is None and "date" in incidents:
        end = pd.to_datetime(incidents["date"], errors="coerce").max()
    if end is None or pd.isna(end):
        return None
    end = pd.Timestamp(end).normalize()
    last_end = pd.Period(pd.Timestamp(starts[-1]), freq=PERIODS[period]).end_time.normalize()
    return end if end < last_end else None


def _whole(bounds: list[float]) -> list[float]:
    """Return class bounds of whole numbers: each rounded up, repeats merged."""
    return [float(b) for b in sorted({math.ceil(b - 1e-9) for b in bounds})]


def _level_layer(ctx: BoundaryContext, level: str) -> tuple[gpd.GeoDataFrame, str, str]:
    """Return the display layer of a level, its key column and its name column."""
    disp_d, disp_p = ctx.display_layers
    if level == "district":
        return disp_d, "district_id", "district"
    return disp_p, "province_code", "province"


def _tallies(
    counts: pd.DataFrame, key: str, measure: str, ids: list[str], starts: list[Any]
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Return a column's incidents and known values per area and period (None, None: a count)."""
    if f"{measure}_known" not in counts.columns:
        return None, None
    tallies = np.nan_to_num(_matrix(counts, key, "incidents", ids, starts))
    return tallies, np.nan_to_num(_matrix(counts, key, f"{measure}_known", ids, starts))


def _matrix(
    counts: pd.DataFrame, key: str, value_col: str, ids: list[str], starts: list[Any]
) -> np.ndarray:
    """Return the area x period matrix of one column of the count table (NaN: no value).

    One row of the table per area and period: no sum, so an unknown value (a rate without
    a population, a toll nobody reported) stays unknown instead of becoming 0.
    """
    table = counts.drop_duplicates([key, "period_start"]).set_index([key, "period_start"])
    pivot = table[value_col].unstack("period_start")
    return pivot.reindex(index=ids, columns=starts).to_numpy(dtype=float)


def _check_style(
    incidents: pd.DataFrame, s: MapStyle, measure: str, population: pd.DataFrame | None
) -> None:
    """Refuse a mode, period or measure the series cannot be made with."""
    if s.mode not in ("window", "cumulative"):
        msg = f"mode must be 'window' or 'cumulative', not {s.mode!r}"
        raise UsageError(msg)
    if s.period is not None and s.period not in PERIODS:
        msg = f"period must be one of {', '.join(PERIODS)} (or None), not {s.period!r}"
        raise UsageError(msg)
    if measure == "per100k" and population is None:
        msg = "measure 'per100k' needs a population table (`population`)"
        raise UsageError(msg)
    if measure not in ("incidents", "per100k") and measure not in incidents.columns:
        msg = f"measure {measure!r} is not a column of the incidents"
        raise UsageError(msg)
