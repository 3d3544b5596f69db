"""Where violence is rising: change against a baseline, surge rules, a test, hot spots.

:func:`trends` returns one row per area (district or province) for the latest period:

``last_count``, ``baseline_mean``, ``change``, ``change_pct``
    The latest period's count against the mean of the ``baseline`` periods before it.
``surge``
    ACLED's Subnational Surge Tracker rule, on weekly counts: the latest week has at least
    twice the average weekly count of the four weeks before it, an average of one or more.
``threat``
    ACLED's Subnational Threat Tracker rule, on weekly counts: the weekly average of
    the latest four weeks is at least twice the weekly average of the 52 weeks before
    them, with the same floor of one event a week on average over the latest four.
``p_value``, ``rising``
    A one-sided test for small counts: if the rate were constant, the latest period's
    share of the events of the whole window (baseline + latest) would follow a binomial
    law with probability 1/(baseline+1) (the conditional test of two Poisson counts), which
    keeps its level with few events; ``rising`` is ``p_value < alpha``.
``gi_z``, ``gi_p``, ``hotspot``
    Getis-Ord Gi* of the latest period on the areas' contiguity (queen), with conditional
    permutation p-values (PySAL ``esda``'s method and draws, computed for every period at
    once by :mod:`incidentmap.hotspots`); ``hot`` / ``cold`` where ``gi_p < alpha``.
``emerging``
    The emerging hot-spot category over every period, as ArcGIS and R ``sfdep`` define
    it: Gi* per period plus a Mann-Kendall trend of the Gi* z-scores (new, consecutive,
    intensifying, persistent, diminishing, sporadic, oscillating, historical hot or cold
    spot, or no pattern); "too few events" for an area with 1 to 9 events over all the
    periods compared (:data:`~incidentmap.hotspots.MIN_EVENTS`).

:class:`TrendOptions` holds the choices; ``aggregate.national_timeline`` counts the country.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from incidentmap.aggregate import (
    LEVELS,
    PERIODS,
    Breakdown,
    add_breakdown,
    coarse_count,
    counts_by_area,
    first_day_covered,
    last_day_covered,
    national_timeline,
    placed_days,
    row_weights,
    shifted_weeks,
)
from incidentmap.context import context_for
from incidentmap.errors import UsageError, refuse_choice, refuse_unknown
from incidentmap.hotspots import (
    EMERGING,
    GI_STEP,
    MIN_EVENTS,
    TOO_FEW,
    adjust_fdr,
    classify_emerging,
    emerging_categories,
    gi_star,
    queen_neighbours,
    queen_weights,
)
from incidentmap.trackers import RULES as TRACKER_RULES
from incidentmap.trackers import (
    Weekly,
    first_week_start,
    last_week_end,
    surge_flags,
    tracker_flags,
    weekly_counts,
)

__all__ = [
    "BASELINES",
    "EMERGING",
    "GI_STEP",
    "Comparison",
    "TrendOptions",
    "binomial_sf",
    "classify_emerging",
    "compare",
    "emerging_categories",
    "gi_star",
    "queen_weights",
    "rising_test",
    "surge_flags",
    "trends",
]

#: default number of baseline periods before the latest one
BASELINES = {"day": 28, "week": 4, "month": 12, "quarter": 4, "year": 5}

#: a day's events run to the end of the day (dates may carry a time)
_DAY = pd.Timedelta(hours=23)


@dataclass(frozen=True, kw_only=True)
class TrendOptions:
    """What :func:`trends` compares, and how; checked when made.

    Parameters
    ----------
    level : {"province", "district"}
    period : {"day", "week", "month", "quarter", "year"}
        The period of ``last_count``, the baseline, the test and the hot spots. The
        surge and threat rules are always weekly, as ACLED defines them.
    baseline : int, optional
        Number of periods before the latest one (default :data:`BASELINES`).
    hotspots : bool, default True
        Compute Gi* and the emerging hot-spot categories.
    permutations : int, default 199
        Permutations for the Gi* p-values.
    alpha : float, default 0.05
    seed : int
        Seed of the permutations (results are repeatable).
    include_incomplete : bool, default False
        The data's last period is used only when the data reach its last day: a
        week with three days of data would look like a fall. True uses it anyway.
    fdr : bool, default False
        Adjust each period's Gi* p-values for the number of areas tested
        (Benjamini-Hochberg false discovery rate, as ArcGIS's optional FDR correction).
        Without it about ``alpha`` of the areas come out hot or cold in a period by
        chance alone, so over many periods most areas get some "sporadic" category.
    until : str or Timestamp, optional
        The last day the data cover (the trends job passes the ``until`` asked for, else
        the file's last date before any filter; default the last event).
        Periods run to it with their zeros: the latest complete period is found from the
        coverage, not from the last event, so quiet periods at the end are compared too.
    since, covered_from : str or Timestamp, optional
        The first day the data cover: the ``since`` asked for, else the whole file's before
        any filter (default the rows' own): a period it starts inside is left out.
    breakdown : Breakdown, optional
        Split the latest period's count of each area by the values of a column (the
        trends job passes ``Breakdown("target", TARGETS)``): one ``target_<name>`` column
        per value, adding up to ``last_count``; the timeline is then counted by the same
        values instead of by category, and the facts hold the country's split
        (``by_<column>``).

    Raises
    ------
    UsageError
        For an unknown level or period, a baseline under 1, an alpha outside (0, 1).
    """

    level: str = "province"
    period: str = "week"
    baseline: int | None = None
    hotspots: bool = True
    permutations: int = 199
    alpha: float = 0.05
    seed: int = 12345
    include_incomplete: bool = False
    fdr: bool = False
    until: str | pd.Timestamp | None = None
    since: str | pd.Timestamp | None = None
    breakdown: Breakdown | None = None
    covered_from: pd.Timestamp | None = None

    def __post_init__(self) -> None:
        refuse_choice(self.level, LEVELS, "level")
        refuse_choice(self.period, PERIODS, "period")
        if self.baseline_periods < 1:
            raise UsageError(f"baseline must be at least 1 period, not {self.baseline!r}")
        if not 0 < self.alpha < 1:
            raise UsageError(f"alpha must be between 0 and 1, not {self.alpha!r}")

    @property
    def baseline_periods(self) -> int:
        """The number of baseline periods asked for (``baseline`` or the period's default)."""
        return BASELINES[self.period] if self.baseline is None else int(self.baseline)

    @classmethod
    def of(cls, options: TrendOptions | None = None, **given: Any) -> TrendOptions:
        """Return ``options`` (default: the defaults) with ``given`` on top; unknown names refused.

        A name that is not a field is a :class:`UsageError`.
        """
        refuse_unknown(given, {f.name for f in fields(cls)}, "trend option")
        base = options if options is not None else cls()
        return replace(base, **given) if given else base


# ---------------------------------------------------------------------------------------------
# tests on one series


def rising_test(last: np.ndarray, baseline_total: np.ndarray, n_baseline: int) -> np.ndarray:
    """One-sided p-values that the latest count is higher than a constant rate allows.

    Given the total N of the baseline periods and the latest one, the latest count X is
    Binomial(N, 1 / (n + 1)) when the rate is constant; the p-value is P(X >= x).

    Parameters
    ----------
    last : numpy.ndarray
        Counts in the latest period.
    baseline_total : numpy.ndarray
        Sum of the counts of the ``n_baseline`` periods before it.
    n_baseline : int

    Returns
    -------
    numpy.ndarray
        p-values (1 where there were no events at all).
    """
    last = np.asarray(last, dtype=float)
    total = last + np.asarray(baseline_total, dtype=float)
    p = binomial_sf(last - 1, total, 1.0 / (n_baseline + 1))
    return np.where(total > 0, p, 1.0)


def binomial_sf(k: np.ndarray, n: np.ndarray, p: float) -> np.ndarray:
    """P(X > k) for X ~ Binomial(n, p): ``scipy.stats.binom.sf`` without importing scipy.stats.

    The regularized incomplete beta function I_p(k + 1, n - k) (``scipy.special.betainc``,
    Boost's ``ibeta``, the function Boost's binomial complement and so ``binom.sf`` call),
    with ``binom.sf``'s rules around it: ``k`` rounded down, 1 below 0, 0 from ``n`` on,
    NaN where ``n`` is not a whole number of trials (weighted counts with fractions) or
    ``k`` is NaN. The tests compare it with ``binom.sf`` to the last bit.

    Parameters
    ----------
    k : numpy.ndarray
    n : numpy.ndarray
        Numbers of trials.
    p : float
        Probability of success, in [0, 1].

    Returns
    -------
    numpy.ndarray of float
    """
    from scipy.special import betainc

    k = np.floor(np.asarray(k, dtype=float))
    n = np.asarray(n, dtype=float)
    k, n = np.broadcast_arrays(k, n)
    out = np.full(k.shape, np.nan)
    valid = (n >= 0) & (n == np.floor(n)) & np.isfinite(n) & ~np.isnan(k)
    out[valid & (k < 0)] = 1.0
    out[valid & (k >= n)] = 0.0
    inside = valid & (k >= 0) & (k < n)
    if inside.any():
        out[inside] = betainc(k[inside] + 1, n[inside] - k[inside], p)
    return out


# ---------------------------------------------------------------------------------------------
# per area


class Comparison(NamedTuple):
    """What :func:`compare` gives: the areas, and the facts of the comparison.

    ``facts`` holds ``level``, ``period``, ``last_period``, ``data_end``, ``last_event``,
    ``dropped_incomplete``, ``baseline``, ``surge_week``, ``coarse_dates`` (rows dated to a
    longer span than the period: in totals only), ``coarse_dates_week``, ``fdr``,
    ``alpha``, ``rules`` (the rules in words) and ``timeline`` (the national counts).
    """

    areas: pd.DataFrame
    facts: dict[str, Any]


def trends(
    incidents: pd.DataFrame,
    areas: Any = None,
    *,
    options: TrendOptions | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    **given: Any,
) -> pd.DataFrame:
    """Change, surge/threat flags, a rate test and hot spots per area for the latest period.

    The areas of :func:`compare`, which also gives the facts of the comparison (the
    periods compared, the baseline, the rules, the national timeline).
    """
    return compare(incidents, areas, options=options, progress=progress, **given).areas


def compare(
    incidents: pd.DataFrame,
    areas: Any = None,
    *,
    options: TrendOptions | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    **given: Any,
) -> Comparison:
    """Compare the latest period with its baseline, area by area.

    Parameters
    ----------
    incidents : pandas.DataFrame
        Geocoded incidents (filtered as wanted).
    areas : geopandas.GeoDataFrame or BoundaryContext, optional
        The district layer (or its context); default the installed one. Province
        counts use the provinces dissolved from it.
    options : TrendOptions, optional
        Level, period, baseline, hot spots, alpha... (default ``TrendOptions()``).
    progress : callable, optional
        Called as ``progress(step, done, total)`` by the long steps: the Gi* of every
        period (``step`` is :data:`GI_STEP`, counted in periods).
    **given
        :class:`TrendOptions` fields, a shorthand: ``trends(g, period="month")`` is
        ``trends(g, options=TrendOptions(period="month"))``; with ``options`` they
        replace its fields. Another name is a :class:`UsageError`.

    Returns
    -------
    Comparison
        ``areas``: one row per area, most rising first; ``facts``: the periods compared,
        the baseline, the rules in words, the national timeline.
    """
    opts = TrendOptions.of(options, **given)
    layer, key, names = _layer(context_for(areas), opts.level)
    when, dates = _dates(incidents)
    last_day = _coverage_end(incidents, dates, opts.until)
    end = _end(last_day, opts.period, opts.include_incomplete)
    covered, since_cut = _covered(opts, incidents)  # the data's first day, as their last
    start, cut = _first_whole(covered, opts.period, when.min())  # half a period is none
    placed = placed_days(incidents)  # a week of seven days at its middle day, as counted
    kept = incidents[(placed <= end + _DAY) & (placed >= start)]
    if kept["date"].notna().sum() == 0:
        raise UsageError("no dated incidents in complete periods: nothing to compare over time")
    counts = _counts(kept, layer, opts.level, opts.period, end)
    if "period_start" not in counts or counts["period_start"].isna().all():
        raise UsageError(_why_no_periods(kept, key, opts, incidents))
    matrix, ids, starts = _matrix(counts, key)
    out = _area_rows(layer, key, names, ids)
    n_base = _add_change(out, matrix, starts[-1], opts)
    split = _add_split(out, counts, kept, key, starts[-1], opts) if opts.breakdown else {}
    week_end = last_week_end(last_day, complete=not opts.include_incomplete)
    weekly = _add_trackers(
        out, incidents[when >= first_week_start(covered, when)], key, ids, week_end
    )
    wstarts = list(weekly.counts.columns)
    quiet_hot = 0
    if opts.hotspots and len(ids) > 1:
        w = queen_neighbours(layer.set_index(layer[key].astype(str)).loc[ids])
        quiet_hot = _add_hotspots(out, matrix, w, opts, progress)
    out = out.sort_values(["surge", "rising", "change"], ascending=False, kind="stable")
    out = out.reset_index(drop=True)
    out.attrs = {}  # the area layer's provenance is not the comparison's
    return Comparison(
        out,
        {
            "level": opts.level,
            "period": opts.period,
            "last_period": pd.Timestamp(starts[-1]),
            "data_end": last_day,
            "last_event": pd.Timestamp(dates.max()).normalize(),
            "dropped_incomplete": end < last_day,
            **_start_facts(since_cut, covered, cut),
            "last_complete": _last_complete_end(last_day, opts.period) >= starts[-1],
            "baseline": n_base,
            "surge_week": pd.Timestamp(wstarts[-1]) if wstarts else None,
            # rows dated to a longer span than the period (or a week): in totals only
            "coarse_dates": coarse_count(kept, opts.level, opts.period),
            "coarse_dates_week": weekly.coarse,
            "tracker_left_out": weekly.left_out,
            # weeks from another weekday (ACLED's Saturdays): counted by calendar week, said
            "shifted_weeks": int(shifted_weeks(kept, opts.period).sum()),
            "hot_without_events": quiet_hot,
            "fdr": opts.fdr,
            "alpha": opts.alpha,
            "rules": RULES,
            "timeline": national_timeline(kept, opts.period, breakdown=opts.breakdown),
            **split,
        },
    )


def _add_split(
    out: pd.DataFrame,
    counts: pd.DataFrame,
    kept: pd.DataFrame,
    key: str,
    start: Any,
    opts: TrendOptions,
) -> dict[str, dict[str, float]]:
    """Add each area's latest-period count split by the breakdown; return the country's."""
    b = opts.breakdown
    assert b is not None
    latest = counts[counts["period_start"] == start]
    latest = add_breakdown(latest, kept, b, level=opts.level, period=opts.period)
    table = latest.assign(**{key: latest[key].astype(str)}).set_index(key)[b.names]
    table = table.reindex(out[key].astype(str)).fillna(0)
    for name in b.names:
        out[name] = table[name].to_numpy()
    country = {v: out[n].sum() for v, n in zip(b.values, b.names, strict=True)}
    return {f"by_{b.column}": {v: (int(n) if float(n).is_integer() else float(n))
                               for v, n in country.items()}}  # fmt: skip


def _why_no_periods(
    kept: pd.DataFrame, key: str, opts: TrendOptions, incidents: pd.DataFrame
) -> str:
    """Say why no period holds a counted row: the real reason, not "no dated incidents".

    ``kept`` are the rows of complete periods; ``incidents`` all of them (the placed rows
    are counted among these, as ``brief`` and ``aggregate`` count them).
    """
    placed = kept[key].notna() if key in kept.columns else pd.Series(False, index=kept.index)
    if not placed.any():
        has = "province_code" in incidents
        n = int(incidents["province_code"].notna().sum()) if has else 0
        if not n:
            return "no row is placed in an area: nothing to compare over time"
        rows = "the 1 placed row is" if n == 1 else f"all {n:,} placed rows are"
        return (
            f"`level` {opts.level}: {rows} placed only to a province (the data name no "
            "district or point); use `level` province"
        )
    coarse = coarse_count(kept, opts.level, opts.period)
    dated = int((placed & kept["date"].notna()).sum())
    if dated and coarse >= dated:
        return (
            f"every date is known only to a longer span than a {opts.period} (a month, a "
            f"year): no {opts.period} holds one; use a longer `period`"
        )
    return "no dated incidents in complete periods: nothing to compare over time"


def _layer(ctx: Any, level: str) -> tuple[Any, str, list[str]]:
    """Return the level's area layer, its key column and its name columns."""
    if level == "district":
        return ctx.districts, "district_id", ["district", "province"]
    return ctx.provinces, "province_code", ["province"]


def _dates(incidents: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Return every row's date (NaT where none) and the dates known; refuse nothing to compare."""
    when = pd.to_datetime(incidents["date"]) if "date" in incidents else pd.Series()
    dates = when.dropna()
    if len(incidents) == 0:
        raise UsageError("no incidents to compare (did the filters keep any?)")
    if dates.empty:
        raise UsageError("no dated incidents: nothing to compare over time")
    return when, dates


def _end(last_day: pd.Timestamp, period: str, include_incomplete: bool) -> pd.Timestamp:
    """Return the last day counted: the coverage's, or its last complete period's."""
    return last_day if include_incomplete else _last_complete_end(last_day, period)


def _counts(
    incidents: pd.DataFrame, layer: Any, level: str, period: str, end: pd.Timestamp
) -> pd.DataFrame:
    """Count the incidents by area and period up to ``end``, with the quiet periods."""
    return counts_by_area(incidents, layer, level=level, period=period, sums=(), span=(None, end))


def _area_rows(layer: Any, key: str, names: list[str], ids: list[str]) -> pd.DataFrame:
    """Return the areas' keys and names, in the order of ``ids``."""
    out = layer[[key, *[c for c in names if c in layer.columns]]].copy()
    out[key] = out[key].astype(str)
    return out.set_index(key).loc[ids].reset_index()


def _add_change(out: pd.DataFrame, matrix: np.ndarray, start: Any, opts: TrendOptions) -> int:
    """Add the latest period's count, change against the baseline and the rate test.

    Returns the number of baseline periods the data hold (at most the number asked for).
    """
    n_periods = matrix.shape[1]
    last = matrix[:, -1]
    base = matrix[:, max(0, n_periods - 1 - opts.baseline_periods) : n_periods - 1]
    n_base = base.shape[1]
    base_mean = base.mean(axis=1) if n_base else np.full(len(out), np.nan)
    out["last_period"] = start
    out["last_count"] = last.astype(int)
    out["baseline_periods"] = n_base
    out["baseline_mean"] = np.round(base_mean, 3)
    out["change"] = np.round(last - base_mean, 3)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["change_pct"] = np.round(
            np.where(base_mean > 0, (last / base_mean - 1) * 100, np.nan), 1
        )
    out["p_value"] = rising_test(last, base.sum(axis=1), n_base) if n_base else 1.0
    out["rising"] = out["p_value"] < opts.alpha
    return int(n_base)


def _add_trackers(
    out: pd.DataFrame, incidents: pd.DataFrame, key: str, ids: list[str], end: pd.Timestamp
) -> Weekly:
    """Add ACLED's surge and threat flags from the violent events by ACLED week."""
    placed = incidents[incidents[key].notna()] if key in incidents else incidents.iloc[:0]
    weekly = weekly_counts(placed, key, row_weights(placed), end)
    rows = weekly.counts.reindex(ids, fill_value=0).to_numpy(dtype=float)  # quiet areas: 0
    surge, threat = tracker_flags(rows)
    out["surge"], out["threat"] = surge.array, threat.array
    return weekly


def _add_hotspots(
    out: pd.DataFrame,
    matrix: np.ndarray,
    w: Any,
    opts: TrendOptions,
    progress: Callable[[str, int, int], None] | None,
) -> int:
    """Add the latest period's Gi* (z, p, hot or cold) and each area's emerging category.

    Returns how many areas with no event in the latest period lie among hot ones
    (``gi_p < alpha``, ``gi_z > 0``): they are not called hot.
    """
    z, p = gi_star(matrix, w, opts.permutations, opts.seed, progress=progress)
    if opts.fdr:
        p = adjust_fdr(p)
    out["gi_z"] = np.round(z[:, -1], 3)
    out["gi_p"] = p[:, -1]
    sig = p[:, -1] < opts.alpha
    # hot needs an event of the area's own: Gi* counts the neighbours too, and a quiet area
    # beside a busy one would otherwise be marked a hot spot where nothing happened
    own = np.nan_to_num(np.asarray(matrix, dtype=float)[:, -1]) > 0
    hot_around = sig & (z[:, -1] > 0)
    out["hotspot"] = np.where(hot_around & own, "hot", np.where(sig & (z[:, -1] < 0), "cold", None))
    out["emerging"] = emerging_categories(z, p, opts.alpha, matrix)
    return int((hot_around & ~own).sum())


def _coverage_end(
    incidents: pd.DataFrame, dates: pd.Series, until: str | pd.Timestamp | None
) -> pd.Timestamp:
    """Return the last day the data cover: ``until``, the file's coverage, or the last event."""
    given = until
    if given is None:
        given = last_day_covered(incidents)
    if given is None:
        return pd.Timestamp(dates.max()).normalize()
    try:
        return pd.Timestamp(given).normalize()
    except (ValueError, TypeError) as exc:
        msg = f"`until`: expected a date like 2023-12-31, got {given!r}"
        raise UsageError(msg, field="until") from exc


def _covered(opts: TrendOptions, incidents: pd.DataFrame) -> tuple[pd.Timestamp, Any]:
    """Return the first day covered: `since` (stated, as `until`), else the whole file's."""
    if opts.since is not None:
        return pd.Timestamp(opts.since), opts.since
    covered = opts.covered_from
    return (first_day_covered(incidents) if covered is None else covered), None


def _start_facts(since: Any, covered: Any, cut: Any) -> dict[str, Any]:
    """Return the first whole period, cut by ``since`` or (``first_whole_data``) the data."""
    if since is not None:
        return {"first_whole": cut, "first_whole_data": None, "data_start": None}
    return {"first_whole": None, "first_whole_data": cut, "data_start": pd.Timestamp(covered)}


def _first_whole(
    since: Any, period: str, first: pd.Timestamp
) -> tuple[pd.Timestamp, pd.Timestamp | None]:
    """Return the first day compared, and the first whole period's when ``since`` cuts one."""
    if since is None or pd.isna(since):
        return first, None
    day = pd.Timestamp(since).normalize()
    p = pd.Period(day, freq=PERIODS[period])  # a week: Monday to Sunday, as counted
    if p.start_time.normalize() == day:
        return day, None
    return (p + 1).start_time, (p + 1).start_time


def _last_complete_end(last_day: pd.Timestamp, period: str) -> pd.Timestamp:
    """Return the last day of the last period the data cover to its end."""
    p = pd.Period(last_day, freq=PERIODS[period])
    if p.end_time.normalize() > last_day:
        p = p - 1
    return p.end_time.normalize()


RULES = {
    **TRACKER_RULES,
    "rising": "one-sided conditional (binomial) test of the latest period against the baseline "
    "periods under a constant rate, p < alpha",
    "hotspot": "Getis-Ord Gi* of the latest period, queen contiguity, permutation p < alpha; "
    "hot only where the area itself had an event in that period",
    "emerging": "Gi* per period + Mann-Kendall trend, ArcGIS / sfdep emerging hot-spot rules; "
    f"an area with 1 to {MIN_EVENTS - 1} events over all the periods compared is "
    f"'{TOO_FEW}', never a hot or cold spot of any kind (none: 'no pattern')",
}


def _matrix(counts: pd.DataFrame, key: str) -> tuple[np.ndarray, list[str], list[Any]]:
    pivot = counts.pivot_table(
        index=key, columns="period_start", values="incidents", aggfunc="sum", fill_value=0
    )
    return pivot.to_numpy(dtype=float), [str(i) for i in pivot.index], list(pivot.columns)
