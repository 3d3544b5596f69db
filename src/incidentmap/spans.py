"""The span of days a row's date stands for: one home for filters, counts and coverage.

A row's ``date`` may be known only to a week, a month, a quarter or a year
(``date_precision``); the row then stands for every day of that span, not for the day
written. :func:`date_spans` gives each row's first and last day, and everything that
asks "is this row inside a window, a period, the data's coverage" asks it here: the
date filters (:mod:`incidentmap.filters`), the periods of a count table
(:func:`incidentmap.aggregate.coarse_rows`) and the last day the data cover
(:func:`last_day_covered`, :func:`first_day_covered`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "DATE_END_KEYS", "PRECISION_RANK", "RELEASED_BY_YEAR", "SPAN_FREQ", "coarser_precision",
    "date_spans", "end_column", "first_day_covered", "implied_precision", "last_day_covered",
    "placed_days", "seven_day_weeks", "span_text",
]  # fmt: skip

#: the columns that state a row's last day (UCDP's ``date_end``, HDX HAPI's
#: ``reference_period_end``), in the order they are looked for, in any case or punctuation
DATE_END_KEYS = ("date_end", "end_date", "reference_period_end")

#: the span a date of each precision stands for, as a pandas period: a date known to the
#: month covers its whole calendar month (wherever in it the date falls), a quarter or a
#: year likewise; one known to the week its first day (``date``) and the six after it
#: (ACLED's aggregated weeks run Saturday to Friday)
SPAN_FREQ = {"week": "7D", "month": "M", "quarter": "Q", "year": "Y"}
#: layouts published in whole calendar years (GTD Codebook: "updated annually"; UCDP GED:
#: yearly releases of whole years): a file in them covers its events' whole years, from 1
#: January (:func:`first_day_covered`); ``jobs.load`` ends their coverage on 31 December
RELEASED_BY_YEAR = {"gtd": "GTD", "ucdp": "UCDP GED"}
#: the rank of each precision, and of the span a stated last day gives
PRECISION_RANK = {"day": 0, "week": 1, "month": 2, "quarter": 3, "year": 4}


def date_spans(incidents: pd.DataFrame, *, stated: bool = True) -> tuple[pd.Series, pd.Series]:
    """Return each row's first and last day: the span its date stands for.

    A row known to the day is that day. A week runs from ``date`` for seven days (UCDP's
    ``date_start``, ACLED's aggregated weeks their Saturday, ACLED's ``time_precision`` 2
    its event date less three days). A month, a quarter or a year is that whole calendar
    period (:data:`SPAN_FREQ`), wherever in it ``date`` falls: GTD's unknown day is the 1st,
    but ACLED's ``time_precision`` 3 keeps an event date inside the month (27 March), and a
    row "known only to March 2023" runs from 1 to 31 March either way; a ``date_prec`` 5
    row of UCDP without its ``date_end`` is its whole year. A row that states its last day
    (UCDP's ``date_end``, HDX HAPI's ``reference_period_end``: an ISO date on or after the
    date, and at least as wide as the precision says) is the span it states, from ``date``
    to that day: 28-29 July 2015 ends in July, not a week later.

    Parameters
    ----------
    incidents : pandas.DataFrame
        With ``date`` and, optionally, ``date_precision`` and ``date_end``.
    stated : bool, default True
        Let a stated last day (``date_end``) end the span; False: the precision alone.

    Returns
    -------
    tuple of pandas.Series
        First and last days (``datetime64[ns]``, midnight), NaT where there is no date.
    """
    if "date" not in incidents:
        none = pd.Series(pd.NaT, index=incidents.index, dtype="datetime64[ns]")
        return none, none.copy()
    raw = pd.to_datetime(incidents["date"], errors="coerce")
    first = pd.Series(raw.to_numpy(), index=incidents.index).dt.normalize()
    first = first.astype("datetime64[ns]")
    if "date_precision" not in incidents:
        return first, first.copy()
    # each distinct precision once (a million rows of Arrow text hold a handful), on arrays
    codes, names = pd.factorize(incidents["date_precision"], use_na_sentinel=True)
    starts = first.to_numpy()
    ends, starts_of = starts.copy(), starts.copy()
    dated = first.notna().to_numpy()
    spread = np.zeros(len(first), dtype=bool)
    for k, name in enumerate(names):
        freq = SPAN_FREQ.get(str(name))
        mask = (codes == k) & dated
        if freq is not None and mask.any():
            spread |= mask
            start = pd.DatetimeIndex(starts[mask])
            if freq == "7D":  # a week from its first day, whatever the weekday
                ends[mask] = (start + pd.offsets.Day(6)).to_numpy()
            else:  # the whole calendar period, from its first day
                period = start.to_period(freq)
                starts_of[mask] = period.start_time.normalize().to_numpy()
                ends[mask] = period.end_time.normalize().to_numpy()
    last = pd.Series(ends, index=first.index, dtype="datetime64[ns]")
    calendar = pd.Series(starts_of, index=first.index, dtype="datetime64[ns]")
    if not stated or not spread.any():
        return calendar, last
    ranks = np.array([PRECISION_RANK.get(str(n), -1) for n in names] + [-1])[codes]
    stated_ends = _stated_ends(incidents, first, ranks)
    own = ~(spread & stated_ends.notna().to_numpy())  # a stated span runs from `date`
    return calendar.where(own, first), last.where(own, stated_ends)


def first_day_covered(incidents: pd.DataFrame) -> pd.Timestamp | None:
    """Return the first day the rows cover: the first day of the span that starts first.

    The data's coverage starts at their first event unless the source states its span, as
    it ends at the last: a row's own span (:func:`date_spans`: a date known to a month
    covers the month from the 1st; HDX HAPI's ``reference_period_start``), or a layout
    published in whole calendar years (:data:`RELEASED_BY_YEAR`, by the frame's
    ``attrs["preset"]``), which covers the first event's year from 1 January. A generic
    file whose first event is 20 June covers half of June, and June is no whole month of it.

    Parameters
    ----------
    incidents : pandas.DataFrame
        With ``date`` and, optionally, ``date_precision`` and ``date_end``.

    Returns
    -------
    pandas.Timestamp or None
        None without any date.
    """
    first, _ = date_spans(incidents)
    if first.notna().sum() == 0:
        return None
    day = pd.Timestamp(first.min()).normalize()
    by_year = str(incidents.attrs.get("preset", "")) in RELEASED_BY_YEAR
    return pd.Timestamp(year=day.year, month=1, day=1) if by_year else day


def last_day_covered(incidents: pd.DataFrame) -> pd.Timestamp | None:
    """Return the last day the rows cover: a date known to the month covers the month.

    A count table of March (HDX HAPI, dated 2023-03-01 with ``date_precision`` month)
    covers March to the 31st, so March is a complete month, not one day of it.

    Parameters
    ----------
    incidents : pandas.DataFrame
        With ``date`` and, optionally, ``date_precision``.

    Returns
    -------
    pandas.Timestamp or None
        None without any date.
    """
    _, last = date_spans(incidents)
    return None if last.notna().sum() == 0 else pd.Timestamp(last.max()).normalize()


def seven_day_weeks(incidents: pd.DataFrame, first: pd.Series, last: pd.Series) -> np.ndarray:
    """Tell which rows are dated to a week of seven days (spans from :func:`date_spans`).

    Such a row is where most of its days are: in a window or a period (a week or longer)
    when four or more of its seven days are, the one holding its middle day. ACLED's
    weeks run Saturday to Friday, so most of them straddle a calendar week and one in
    seven straddles a month; placed by its middle day, each is in exactly one week, one
    month, one quarter and one year, and a steady series stays steady (by the whole span
    alone, a month would lose the weeks at both its edges and a steady count would swing
    by a third). A stated range under seven days is no such week.
    """
    if "date_precision" not in incidents:
        return np.zeros(len(incidents), dtype=bool)
    prec = incidents["date_precision"].astype(object).to_numpy()
    return (prec == "week") & ((last - first).dt.days == 6).to_numpy(dtype=bool)


def placed_days(incidents: pd.DataFrame) -> pd.Series:
    """Return the day each row is counted at: its date, a seven-day week's middle day.

    A period keeps the rows placed in it (:func:`seven_day_weeks`): ACLED's week of
    Saturday 21 January is counted in the calendar week of Monday 23, whose first day its
    date (the 21st) is before.
    """
    first, last = date_spans(incidents)
    when = pd.to_datetime(incidents["date"]) if "date" in incidents else first
    middle = first + pd.Timedelta(days=3)
    return when.where(~seven_day_weeks(incidents, first, last), middle)


def end_column(columns: Iterable[object]) -> str | None:
    """Return the column that states each row's last day (:data:`DATE_END_KEYS`), or None.

    ``DATE_END``, ``End date`` and ``date_end`` are one column: the reader writes its
    values as ISO days whatever their form, and every later step finds it here.
    """
    folded: dict[str, str] = {}
    for c in columns:
        folded.setdefault(_fold(c), str(c))
    return next((folded[k] for k in map(_fold, DATE_END_KEYS) if k in folded), None)


def _fold(name: object) -> str:
    return re.sub(r"[^0-9a-z]+", "", str(name).strip().lstrip("\ufeff").casefold())


def _stated_ends(incidents: pd.DataFrame, first: pd.Series, ranks: np.ndarray) -> pd.Series:
    """Each row's stated last day (ISO, :func:`end_column`) where it bounds its span, else NaT."""
    none = pd.Series(pd.NaT, index=first.index, dtype="datetime64[ns]")
    col = end_column(incidents.columns)
    if col is None:
        return none
    raw = incidents[col]
    if not pd.api.types.is_datetime64_any_dtype(raw):
        raw = pd.to_datetime(raw.astype(object), errors="coerce", format="ISO8601")
    end = pd.Series(raw.to_numpy(), index=first.index).dt.tz_localize(None).dt.normalize()
    days = (end - first).dt.days.to_numpy()
    # the precision the span itself gives: a code's coarser one is kept (it says more)
    implied = pd.Series(implied_precision(days)).map(PRECISION_RANK).to_numpy(dtype=int)
    usable = np.isfinite(days) & (days >= 0) & (ranks <= implied)
    return end.astype("datetime64[ns]").where(usable, none)


def span_text(first: Any, last: Any, precision: Any) -> str:
    """Say a row's span in words: ``May 2023``, ``2019``, ``2023-05-06 to 2023-05-12``."""
    a, b = pd.Timestamp(first), pd.Timestamp(last)
    if precision == "year" and b == pd.Period(a, "Y").end_time.normalize():
        return f"{a:%Y}"
    if precision == "month" and b == pd.Period(a, "M").end_time.normalize():
        return f"{a:%B %Y}"
    return f"{a:%Y-%m-%d}" if a == b else f"{a:%Y-%m-%d} to {b:%Y-%m-%d}"


def implied_precision(days: np.ndarray) -> np.ndarray:
    """Return the precision a span of ``days`` after its first day gives, row by row.

    0 (or none): a day; up to 6: a week; up to 31: a month; more: a year (UCDP's ranges,
    HDX HAPI's periods). The one rule the reader and :func:`date_spans` apply.
    """
    d = np.asarray(days, dtype=float)
    return np.where(d > 31, "year", np.where(d > 6, "month", np.where(d > 0, "week", "day")))


def coarser_precision(current: pd.Series, other: pd.Series) -> pd.Series:
    """Return, row by row, the coarser of two date precisions (a missing one gives way)."""
    rank = PRECISION_RANK
    return pd.Series(
        [
            a if not isinstance(a, str) or not isinstance(b, str) or rank[a] >= rank[b] else b
            for a, b in zip(current, other, strict=True)
        ],
        dtype="object",
    )
