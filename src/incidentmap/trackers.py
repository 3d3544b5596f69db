"""ACLED's Subnational Surge and Threat Trackers, as ACLED counts them.

ACLED's trackers count *violent* events (battles, explosions/remote violence, violence
against civilians and riots, and the "excessive force against protesters" sub-event of
protests; not peaceful protests, protests with intervention or strategic developments) by
first-level area in ACLED's weeks, which run Saturday to Friday:

* **surge**: the latest week at least twice (+100 %) the mean weekly count of the four
  weeks before it, that mean at least one event;
* **threat**: the mean weekly count of the latest four weeks at least twice the mean of the
  52 weeks before them, the four-week mean at least one.

A file without ACLED's event types (GTD, UCDP GED, the war diary: violent events only)
counts every row. A row dated to a span of more than a week is in no week; a shorter span
is in the week of its middle day. Where the data hold too few weeks for a rule, its flag
is unknown (``<NA>``), not ``False``. Sources: ACLED's Subnational Threat & Surge Tracker
page and acledR (``acled_generate_counts``: weeks from Saturday).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from incidentmap.schema import header_key
from incidentmap.spans import date_spans

__all__ = ["RULES", "VIOLENT_TYPES", "Weekly", "surge_flags", "tracker_flags", "weekly_counts"]

#: ACLED's event types the trackers count (case-folded), and the sub-event of another type
VIOLENT_TYPES = frozenset(
    {"battles", "explosions/remote violence", "violence against civilians", "riots"}
)
VIOLENT_SUB_TYPES = frozenset({"excessive force against protesters"})
#: ACLED's other event types: a file holding any of them is read by ACLED's taxonomy
OTHER_ACLED_TYPES = frozenset({"protests", "strategic developments"})
#: the share of typed rows in ACLED's six types that makes a file ACLED's taxonomy (a list
#: of "Suicide bombing", "IED" with a few "Battles" is not: every row of it counts)
ACLED_SHARE = 0.9
#: ACLED's weeks start on a Saturday (pandas' day of the week: Monday 0)
SATURDAY = 5

RULES = {
    "surge": "ACLED Subnational Surge Tracker: violent events in the latest ACLED week "
    "(Saturday to Friday) >= 2 x the mean weekly count of the 4 weeks before it, and that "
    "mean >= 1",
    "threat": "ACLED Subnational Threat Tracker: the mean weekly count of violent events in "
    "the latest 4 ACLED weeks >= 2 x the mean of the 52 weeks before them, and the 4-week "
    "mean >= 1",
}


@dataclass(frozen=True)
class Weekly:
    """Violent events by area and ACLED week.

    Attributes
    ----------
    counts : pandas.DataFrame
        One row per area (its code as the index), one column per week (its Saturday).
    left_out : int
        Rows of ACLED's non-violent types the trackers do not count.
    coarse : int
        Rows dated to more than a week: in no week.
    """

    counts: pd.DataFrame
    left_out: int = 0
    coarse: int = 0


def violent_rows(incidents: pd.DataFrame) -> np.ndarray:
    """Tell the rows ACLED's trackers count: every row, unless the file has ACLED's types."""
    if "event_type" not in incidents.columns:
        return np.ones(len(incidents), dtype=bool)
    types = incidents["event_type"].astype("string").str.strip().str.casefold()
    acled = types.isin(VIOLENT_TYPES | OTHER_ACLED_TYPES).fillna(False)
    typed = types.notna() & (types != "")
    if not typed.any() or acled.sum() < ACLED_SHARE * typed.sum():
        return np.ones(len(incidents), dtype=bool)  # not ACLED's taxonomy: violent events
    keep = np.array(types.isin(VIOLENT_TYPES).fillna(False), dtype=bool)
    sub = next((c for c in incidents.columns if header_key(c) == "sub_event_type"), None)
    if sub is not None:
        subs = incidents[sub].astype("string").str.strip().str.casefold()
        keep |= subs.isin(VIOLENT_SUB_TYPES).fillna(False).to_numpy()
    return keep


def last_week_end(last_day: pd.Timestamp, complete: bool = True) -> pd.Timestamp:
    """Return the Friday ending the latest ACLED week the data cover (whole, if ``complete``)."""
    friday = last_day + pd.Timedelta(days=(4 - last_day.day_of_week) % 7)
    return friday - pd.Timedelta(days=7) if complete and friday > last_day else friday


def first_week_start(since: Any, when: pd.Series) -> pd.Timestamp:
    """Return the Saturday of the first ACLED week ``since`` does not cut.

    Without ``since``: the first day of ``when``.
    """
    if since is None or pd.isna(since):
        return when.min()
    day = pd.Timestamp(since).normalize()
    return day + pd.Timedelta(days=(SATURDAY - day.day_of_week) % 7)


def weekly_counts(
    incidents: pd.DataFrame, key: str, weights: np.ndarray, end: pd.Timestamp
) -> Weekly:
    """Count the violent events of each area in each ACLED week up to ``end`` (a Friday).

    Parameters
    ----------
    incidents : pandas.DataFrame
        Placed rows with ``date`` (and ``date_precision``), ``key`` and ``event_type``.
    key : str
        ``province_code`` or ``district_id``.
    weights : numpy.ndarray
        How many events each row counts as (a count table's rows).
    end : pandas.Timestamp
        The Friday of the latest week counted (:func:`last_week_end`).

    Returns
    -------
    Weekly
    """
    first, last = date_spans(incidents)
    days = (last - first).dt.days.to_numpy()
    dated = first.notna().to_numpy() & incidents[key].notna().to_numpy()
    violent = violent_rows(incidents)
    short = dated & (days < 7)
    middle = first + pd.to_timedelta(np.where(short, days // 2, 0), unit="D")
    start = middle - pd.to_timedelta((middle.dt.day_of_week - SATURDAY) % 7, unit="D")
    use = short & violent & (start <= end - pd.Timedelta(days=6)).to_numpy()
    rows = pd.DataFrame(
        {"area": incidents[key].astype(str).to_numpy()[use], "week": start.to_numpy()[use],
         "n": np.asarray(weights, dtype=float)[use]}
    )  # fmt: skip
    if rows.empty:  # no violent event dated to a week or less
        return Weekly(pd.DataFrame(), int((dated & ~violent).sum()), int((dated & ~short).sum()))
    weeks = pd.date_range(rows["week"].min(), end - pd.Timedelta(days=6), freq="7D")
    table = rows.pivot_table(index="area", columns="week", values="n", aggfunc="sum")
    table = table.reindex(columns=weeks, fill_value=0).fillna(0)
    left = int((dated & ~violent).sum())
    return Weekly(table, left, int((dated & violent & ~short).sum()))


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


def tracker_flags(weekly: np.ndarray) -> tuple[pd.Series, pd.Series]:
    """Return the surge and threat flags of the latest week; unknown without the weeks.

    Surge needs 5 weeks (the latest and 4 before), threat 56 (4 and 52 before them).
    """
    n = weekly.shape[1]
    surge: Any = surge_flags(weekly)[0][:, -1] if n >= 5 else None
    threat: Any = None
    if n >= 56:
        recent, year = weekly[:, n - 4 :].mean(axis=1), weekly[:, n - 56 : n - 4].mean(axis=1)
        threat = (recent >= 1) & (recent >= 2 * year)
    return _flags(surge, len(weekly)), _flags(threat, len(weekly))


def _flags(values: Any, n: int) -> pd.Series:
    """Booleans, or ``<NA>`` for every area when the rule could not be applied."""
    if values is None:
        return pd.Series(pd.NA, index=range(n), dtype="boolean")
    return pd.Series(np.asarray(values, dtype=bool), dtype="boolean")
