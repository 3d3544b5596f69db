"""Where violence is rising: change against a baseline, surge rules, a test, hot spots.

:func:`trends` returns one row per area (district or province) for the latest period:

``last_count``, ``baseline_mean``, ``change``, ``change_pct``
    The latest period's count against the mean of the ``baseline`` periods before it.
``surge``
    ACLED's Subnational Surge Tracker rule, on weekly counts: the latest week has at
    least twice (an increase of 100% or more) the average weekly count of the four
    weeks before it, and that average is at least one event.
``threat``
    ACLED's Subnational Threat Tracker rule, on weekly counts: the weekly average of
    the latest four weeks is at least twice the weekly average of the 52 weeks before
    them, with the same floor of one event a week on average over the latest four.
``p_value``, ``rising``
    A one-sided test for small counts: if the rate were constant, the latest period's
    share of the events of the whole window (baseline + latest) would follow a binomial
    law with probability 1/(baseline+1) (the conditional test of two Poisson counts). It
    needs no estimate of the rate, so it keeps its level with few events; ``rising`` is
    ``p_value < alpha``.
``gi_z``, ``gi_p``, ``hotspot``
    Getis-Ord Gi* of the latest period on the areas' contiguity (queen), with
    permutation p-values (PySAL ``esda``); ``hot`` / ``cold`` where ``gi_p < alpha``.
``emerging``
    The emerging hot-spot category over every period, as ArcGIS and R ``sfdep`` define
    it: Gi* per period plus a Mann-Kendall trend of the Gi* z-scores (new, consecutive,
    intensifying, persistent, diminishing, sporadic, oscillating, historical hot or cold
    spot, or no pattern).

:func:`incidentmap.aggregate.national_timeline` counts every period for the whole country.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from incidentmap.aggregate import (
    LEVELS,
    PERIODS,
    counts_by_area,
    last_day_covered,
    national_timeline,
)
from incidentmap.context import context_for
from incidentmap.errors import UsageError, refuse_choice

__all__ = [
    "BASELINES",
    "EMERGING",
    "classify_emerging",
    "emerging_categories",
    "gi_star",
    "queen_weights",
    "rising_test",
    "surge_flags",
    "trends",
]

#: default number of baseline periods before the latest one
BASELINES = {"day": 28, "week": 4, "month": 12, "quarter": 4, "year": 5}
EMERGING = (
    "new hotspot",
    "consecutive hotspot",
    "intensifying hotspot",
    "persistent hotspot",
    "diminishing hotspot",
    "sporadic hotspot",
    "oscillating hotspot",
    "historical hotspot",
    "new coldspot",
    "consecutive coldspot",
    "intensifying coldspot",
    "persistent coldspot",
    "diminishing coldspot",
    "sporadic coldspot",
    "oscillating coldspot",
    "historical coldspot",
    "no pattern",
)


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
    from scipy.stats import binom

    last = np.asarray(last, dtype=float)
    total = last + np.asarray(baseline_total, dtype=float)
    p = binom.sf(last - 1, total, 1.0 / (n_baseline + 1))
    return np.where(total > 0, p, 1.0)


def _run_length(sigs: np.ndarray) -> int:
    """Length of the run of True at the end of ``sigs``."""
    n = 0
    for s in sigs[::-1]:
        if not s:
            break
        n += 1
    return n


def classify_emerging(
    gs: np.ndarray, sigs: np.ndarray, tau: float, tau_p: float, alpha: float
) -> str:
    """Emerging hot-spot category of one area from its Gi* series.

    The rules are ArcGIS Pro's ("How Emerging Hot Spot Analysis works") in the order R
    ``sfdep`` applies them; the first that holds names the area.

    Parameters
    ----------
    gs : numpy.ndarray
        Gi* z-scores, one per period, oldest first.
    sigs : numpy.ndarray of bool
        Whether each period's Gi* is significant.
    tau, tau_p : float
        Mann-Kendall tau of ``gs`` over time and its p-value.
    alpha : float
        Significance level of the trend.

    Returns
    -------
    str
        One of :data:`EMERGING`.
    """
    gs = np.asarray(gs, dtype=float)
    sigs = np.asarray(sigs, dtype=bool)
    n = len(gs)
    if n == 0:
        return "no pattern"
    hot, cold = sigs & (gs > 0), sigs & (gs < 0)
    share_sig, share_hot, share_cold = sigs.sum() / n, hot.sum() / n, cold.sum() / n
    run = _run_length(sigs)

    def consecutive(mine: np.ndarray, share: float) -> bool:
        # one uninterrupted run of significant periods at the end, all of this kind,
        # never significant before it, and less than 90% of periods of this kind
        return (
            bool(mine[-1]) and not sigs[: n - run].any() and mine[n - run :].all() and share < 0.9
        )

    rules: list[tuple[str, bool]] = [
        ("new hotspot", sigs.sum() == 1 and bool(hot[-1])),
        ("new coldspot", sigs.sum() == 1 and bool(cold[-1])),
        ("consecutive hotspot", consecutive(hot, share_hot)),
        ("consecutive coldspot", consecutive(cold, share_cold)),
        ("intensifying hotspot", share_sig >= 0.9 and bool(sigs[-1]) and tau > 0 and tau_p < alpha),
        (
            "intensifying coldspot",
            share_cold >= 0.9 and bool(sigs[-1]) and tau < 0 and tau_p <= alpha,
        ),
        ("persistent hotspot", share_hot >= 0.9 and tau_p > alpha),
        ("persistent coldspot", share_cold >= 0.9 and tau_p > alpha),
        ("diminishing hotspot", share_hot >= 0.9 and bool(sigs[-1]) and tau < 0 and tau_p <= alpha),
        (
            "diminishing coldspot",
            share_cold >= 0.9 and bool(sigs[-1]) and tau > 0 and tau_p <= alpha,
        ),
        ("oscillating hotspot", share_hot <= 0.9 and bool(hot[-1]) and bool(cold.any())),
        ("oscillating coldspot", share_cold < 0.9 and bool(cold[-1]) and bool(hot.any())),
        ("historical hotspot", share_hot >= 0.9 and gs[-1] < 0),
        ("historical coldspot", share_cold >= 0.9 and gs[-1] > 0),
        ("sporadic hotspot", share_hot < 0.9 and not cold.any() and bool(hot.any())),
        ("sporadic coldspot", share_cold < 0.9 and not hot.any() and bool(cold.any())),
    ]
    return next((name for name, holds in rules if holds), "no pattern")


# ---------------------------------------------------------------------------------------------
# Gi* on the areas' contiguity


def queen_weights(areas: Any) -> Any:
    """Return the areas' queen contiguity weights (libpysal); islands allowed."""
    import warnings

    from libpysal.weights import Queen

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # islands (no neighbour) are allowed: they get only Gi*
        return Queen.from_dataframe(
            areas.reset_index(drop=True), use_index=False, silence_warnings=True
        )


def gi_star(
    matrix: np.ndarray, w: Any, permutations: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Return Gi* z-scores and p-values that agree, one column per period.

    Both come from the same conditional permutations: z is the observed Gi* against the
    mean and spread of the permuted ones (esda's ``z_sim``, not the normal approximation
    ``Zs``, which can say 2.7 where the permutations say p = 1), p counts the permutations at
    least as extreme in z's direction (ties included). An area whose neighbourhood (itself
    and its neighbours) had no event in a period gets z = 0 and p = 1: nothing happened
    there to cluster, so it is neither hot nor cold.
    """
    import warnings

    from esda.getisord import G_Local

    z = np.zeros_like(matrix, dtype=float)
    p = np.ones_like(matrix, dtype=float)
    for t in range(matrix.shape[1]):
        y = matrix[:, t].astype(float)
        if y.sum() == 0 or np.all(y == y[0]):
            continue  # nothing to cluster in this period
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            g = G_Local(y, w, transform="B", star=True, permutations=permutations, seed=seed)
        observed, simulated = np.asarray(g.Gs), np.asarray(g.rGs)
        spread = simulated.std(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            zt = np.where(spread > 0, (observed - simulated.mean(axis=1)) / spread, 0.0)
        quiet = _neighbourhood_total(w, y) == 0
        zt[quiet] = 0.0
        z[:, t] = np.nan_to_num(zt)
        p[:, t] = np.where(quiet, 1.0, _tie_aware_p(observed, simulated, z[:, t]))
    return z, p


def _neighbourhood_total(w: Any, y: np.ndarray) -> np.ndarray:
    """Return each area's events plus its neighbours' (the Gi* neighbourhood)."""
    neighbours = w.sparse.copy()
    neighbours.data[:] = 1.0
    return np.asarray(neighbours @ y).ravel() + y


def _tie_aware_p(observed: np.ndarray, simulated: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Permutation p-values in the direction of each z-score, ties counted as extreme.

    esda folds the share of simulations at or above the observed value, so an area
    whose neighbourhood is all zeros, among mostly zero counts, gets the smallest
    possible p-value and shows as a cold spot. Counting ties as at least as extreme
    gives such an area p = 1, as it should.
    """
    perms = simulated.shape[1]
    obs = observed[:, None]
    tol = 1e-12 * np.maximum(1.0, np.abs(obs))
    above = (simulated >= obs - tol).sum(axis=1)
    below = (simulated <= obs + tol).sum(axis=1)
    as_extreme = np.where(z > 0, above, np.where(z < 0, below, perms))
    return (as_extreme + 1) / (perms + 1)


# ---------------------------------------------------------------------------------------------
# per area


def trends(
    incidents: pd.DataFrame,
    areas: Any = None,
    *,
    level: str = "province",
    period: str = "week",
    baseline: int | None = None,
    hotspots: bool = True,
    permutations: int = 199,
    alpha: float = 0.05,
    seed: int = 12345,
    include_incomplete: bool = False,
    fdr: bool = False,
    until: str | pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Change, surge/threat flags, a rate test and hot spots per area for the latest period.

    Parameters
    ----------
    incidents : pandas.DataFrame
        Geocoded incidents (filtered as wanted).
    areas : geopandas.GeoDataFrame or BoundaryContext, optional
        The district layer (or its context); default the installed one. Province
        counts use the provinces dissolved from it.
    level : {"province", "district"}
    period : {"day", "week", "month", "quarter", "year"}
        The period of ``last_count``, the baseline, the test and the hot spots. The
        surge and threat rules are always weekly, as ACLED defines them.
    baseline : int, optional
        Number of periods before the latest one (default :data:`BASELINES`).
    hotspots : bool, default True
        Compute Gi* and the emerging hot-spot categories (PySAL; a few seconds for
        districts over many periods).
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
        The last day the data cover (default ``incidents.attrs["coverage_end"]``, which
        the CLI sets to the file's last date before any filter, else the last event).
        Periods run to it with their zeros: the latest complete period is found from the
        coverage, not from the last event, so quiet periods at the end are compared too.

    Returns
    -------
    pandas.DataFrame
        One row per area, most rising first; ``attrs`` holds ``last_period``,
        ``baseline``, ``rules`` (the rules in words) and ``timeline``.
    """
    refuse_choice(level, LEVELS, "level")
    refuse_choice(period, PERIODS, "period")
    n_base = BASELINES[period] if baseline is None else int(baseline)
    if n_base < 1:
        raise UsageError(f"baseline must be at least 1 period, not {baseline!r}")
    if not 0 < alpha < 1:
        raise UsageError(f"alpha must be between 0 and 1, not {alpha!r}")
    ctx = context_for(areas)
    layer = ctx.districts if level == "district" else ctx.provinces
    key = "district_id" if level == "district" else "province_code"
    names = ["district", "province"] if level == "district" else ["province"]
    when = pd.to_datetime(incidents["date"]) if "date" in incidents else pd.Series()
    dates = when.dropna()
    if len(incidents) == 0:
        raise UsageError("no incidents to compare (did the filters keep any?)")
    if dates.empty:
        raise UsageError("no dated incidents: nothing to compare over time")
    last_day = _coverage_end(incidents, dates, until)
    freq = PERIODS[period]
    complete = pd.Period(last_day, freq=freq).end_time.normalize() <= last_day
    end = last_day if include_incomplete else _last_complete_end(last_day, period)
    kept = incidents[when <= end + pd.Timedelta(hours=23)]
    if kept["date"].notna().sum() == 0:
        raise UsageError("no dated incidents in complete periods: nothing to compare over time")
    counts = counts_by_area(kept, layer, level=level, period=period, sums=(), end=end)
    if "period_start" not in counts or counts["period_start"].isna().all():
        raise UsageError("no dated incidents in complete periods: nothing to compare over time")
    matrix, ids, starts = _matrix(counts, key)
    n_periods = matrix.shape[1]
    last = matrix[:, -1]
    base = matrix[:, max(0, n_periods - 1 - n_base) : n_periods - 1]
    base_mean = base.mean(axis=1) if base.shape[1] else np.full(len(ids), np.nan)
    out = layer[[key, *[c for c in names if c in layer.columns]]].copy()
    out[key] = out[key].astype(str)
    out = out.set_index(key).loc[ids].reset_index()
    out["last_period"] = starts[-1]
    out["last_count"] = last.astype(int)
    out["baseline_periods"] = base.shape[1]
    out["baseline_mean"] = np.round(base_mean, 3)
    out["change"] = np.round(last - base_mean, 3)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["change_pct"] = np.round(
            np.where(base_mean > 0, (last / base_mean - 1) * 100, np.nan), 1
        )
    out["p_value"] = (
        rising_test(last, base.sum(axis=1), base.shape[1] or 1) if base.shape[1] else 1.0
    )
    out["rising"] = out["p_value"] < alpha
    week_end = last_day if include_incomplete else _last_complete_end(last_day, "week")
    weekly = counts_by_area(
        incidents[when <= week_end + pd.Timedelta(hours=23)],
        layer,
        level=level,
        period="week",
        sums=(),
        end=week_end,
    )
    wm, wids, wstarts = _matrix(weekly, key)
    order = {a: i for i, a in enumerate(wids)}
    wm = wm[[order[a] for a in ids]]
    out["surge"], out["threat"] = _acled_rules(wm)
    if hotspots and len(ids) > 1:
        w = queen_weights(layer.set_index(layer[key].astype(str)).loc[ids])
        z, p = gi_star(matrix, w, permutations, seed)
        if fdr:
            p = _fdr(p)
        out["gi_z"] = np.round(z[:, -1], 3)
        out["gi_p"] = p[:, -1]
        sig = p[:, -1] < alpha
        out["hotspot"] = np.where(
            sig & (z[:, -1] > 0), "hot", np.where(sig & (z[:, -1] < 0), "cold", None)
        )
        out["emerging"] = emerging_categories(z, p, alpha, matrix)
    out = out.sort_values(["surge", "rising", "change"], ascending=False, kind="stable")
    out = out.reset_index(drop=True)
    out.attrs.update(
        {
            "level": level,
            "period": period,
            "last_period": pd.Timestamp(starts[-1]),
            "data_end": last_day,
            "last_event": pd.Timestamp(dates.max()).normalize(),
            "dropped_incomplete": not complete and not include_incomplete,
            "baseline": int(base.shape[1]),
            "surge_week": pd.Timestamp(wstarts[-1]) if wstarts else None,
            # rows dated to a longer span than the period (or a week): in totals only
            "coarse_dates": int(counts.attrs.get("coarse_dates", 0)),
            "coarse_dates_week": int(weekly.attrs.get("coarse_dates", 0)),
            "fdr": fdr,
            "alpha": alpha,
            "rules": RULES,
            "timeline": national_timeline(kept, period),
        }
    )
    return out


def _coverage_end(
    incidents: pd.DataFrame, dates: pd.Series, until: str | pd.Timestamp | None
) -> pd.Timestamp:
    """Return the last day the data cover: ``until``, the file's coverage, or the last event."""
    given = until if until is not None else incidents.attrs.get("coverage_end")
    if given is None:
        given = last_day_covered(incidents)
    if given is None:
        return pd.Timestamp(dates.max()).normalize()
    try:
        return pd.Timestamp(given).normalize()
    except (ValueError, TypeError) as exc:
        raise UsageError(f"until: expected a date like 2023-12-31, got {given!r}") from exc


def _fdr(p: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values, per period (column)."""
    from scipy.stats import false_discovery_control

    out = np.ones_like(p)
    for t in range(p.shape[1]):
        col = p[:, t]
        if (col < 1).any():
            out[:, t] = false_discovery_control(np.clip(col, 0, 1), method="bh")
    return out


def _last_complete_end(last_day: pd.Timestamp, period: str) -> pd.Timestamp:
    """Return the last day of the last period the data cover to its end."""
    p = pd.Period(last_day, freq=PERIODS[period])
    if p.end_time.normalize() > last_day:
        p = p - 1
    return p.end_time.normalize()


RULES = {
    "surge": "ACLED Subnational Surge Tracker: the latest week >= 2 x the mean weekly count of "
    "the 4 weeks before it, and that mean >= 1",
    "threat": "ACLED Subnational Threat Tracker: the mean weekly count of the latest 4 weeks "
    ">= 2 x the mean weekly count of the 52 weeks before them, and the 4-week mean >= 1",
    "rising": "one-sided conditional (binomial) test of the latest period against the baseline "
    "periods under a constant rate, p < alpha",
    "hotspot": "Getis-Ord Gi* of the latest period, queen contiguity, permutation p < alpha",
    "emerging": "Gi* per period + Mann-Kendall trend, ArcGIS / sfdep emerging hot-spot rules",
}


def _matrix(counts: pd.DataFrame, key: str) -> tuple[np.ndarray, list[str], list[Any]]:
    pivot = counts.pivot_table(
        index=key, columns="period_start", values="incidents", aggfunc="sum", fill_value=0
    )
    return pivot.to_numpy(dtype=float), [str(i) for i in pivot.index], list(pivot.columns)


def surge_flags(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """ACLED's Subnational Surge Tracker rule on every period of an area-by-period matrix.

    A period is a surge where its count is at least twice the mean count of the 4 periods
    before it, and that mean is at least 1. The first 4 periods have no baseline.

    Parameters
    ----------
    matrix : numpy.ndarray
        Counts, one row per area, one column per period (NaN counts as 0).

    Returns
    -------
    flags : numpy.ndarray of bool
        Where the rule holds.
    baseline : numpy.ndarray of float
        The mean of the 4 periods before each period (NaN where there are not 4).
    """
    v = np.nan_to_num(np.asarray(matrix, dtype=float), nan=0.0)
    n = v.shape[1]
    baseline = np.full(v.shape, np.nan)
    if n > 4:
        total = np.cumsum(np.pad(v, ((0, 0), (1, 0))), axis=1)
        baseline[:, 4:] = (total[:, 4:n] - total[:, : n - 4]) / 4
    with np.errstate(invalid="ignore"):
        flags = (baseline >= 1) & (v >= 2 * baseline)
    return flags, baseline


def _acled_rules(weekly: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the surge and threat flags of the latest week."""
    n = weekly.shape[1]
    surge = surge_flags(weekly)[0][:, -1] if n else np.zeros(len(weekly), dtype=bool)
    recent = weekly[:, max(0, n - 4) :]
    year = weekly[:, max(0, n - 56) : max(0, n - 4)]
    recent_mean = recent.mean(axis=1) if recent.shape[1] == 4 else np.full(len(weekly), np.nan)
    year_mean = year.mean(axis=1) if year.shape[1] == 52 else np.full(len(weekly), np.nan)
    threat = (recent_mean >= 1) & (recent_mean >= 2 * year_mean)
    return surge.astype(bool), np.nan_to_num(threat, nan=False).astype(bool)


def emerging_categories(
    z: np.ndarray, p: np.ndarray, alpha: float, counts: np.ndarray | None = None
) -> list[str]:
    """Return each area's emerging hot-spot category from its Gi* series (Mann-Kendall).

    With ``counts`` (area x period), an area that never had an event is "no pattern": a
    category says something happened there, not only around it.
    """
    from scipy.stats import kendalltau

    out = []
    t = np.arange(z.shape[1])
    never = np.zeros(len(z), dtype=bool) if counts is None else np.nansum(counts, axis=1) == 0
    for gs, ps, quiet in zip(z, p, never, strict=True):
        if quiet:
            out.append("no pattern")
            continue
        if z.shape[1] < 3 or np.all(gs == gs[0]):
            tau, tau_p = 0.0, 1.0
        else:
            res = kendalltau(t, gs)
            tau, tau_p = float(res.statistic), float(res.pvalue)
        out.append(classify_emerging(gs, ps < alpha, tau, tau_p, alpha))
    return out
