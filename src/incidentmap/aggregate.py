"""Count incidents by area and period, and the filters every command shares.

:func:`counts_by_area` turns geocoded incidents into a tidy table with one row
per area x period, every area of the level and every period in range present,
zeros filled. :func:`filter_incidents` applies the filters shared by the
``aggregate``, ``map``, ``query`` and ``export`` commands.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from incidentmap.errors import UsageError, refuse_choice
from incidentmap.options import LEVELS, PERIOD_NAMES
from incidentmap.spans import (
    date_spans,
    first_day_covered,
    last_day_covered,
    placed_days,
    seven_day_weeks,
)

__all__ = [
    "LEVELS",
    "PERIODS",
    "Breakdown",
    "add_breakdown",
    "coarse_count",
    "coarse_rows",
    "counts_by_area",
    "first_day_covered",
    "last_day_covered",
    "national_timeline",
    "period_start",
    "placed_days",
    "row_periods",
    "row_weights",
    "shifted_weeks",
    "weighted",
]

#: period name -> pandas period frequency (weeks start on Monday)
PERIODS: dict[str, str] = {
    "day": "D",
    "week": "W-SUN",
    "month": "M",
    "quarter": "Q",
    "year": "Y",
}
assert tuple(PERIODS) == PERIOD_NAMES  # the names a request may use, and their calendar rules
#: the most area x period rows a count table may have (see counts_by_area)
MAX_ROWS = 5_000_000


def period_start(dates: pd.Series, period: str) -> pd.Series:
    """Return the first day of the period holding each date.

    Parameters
    ----------
    dates : pandas.Series of datetime64
    period : {"day", "week", "month", "quarter", "year"}
        Weeks run Monday to Sunday.

    Returns
    -------
    pandas.Series of datetime64 (NaT where the date is missing)
    """
    refuse_choice(period, PERIODS, "period")
    d = pd.to_datetime(dates)
    return d.dt.to_period(PERIODS[period]).dt.start_time.astype("datetime64[ns]")


def row_periods(incidents: pd.DataFrame, period: str) -> pd.Series:
    """Return the first day of the period holding each row, NaT where no one period does.

    A row's date may be known only to a week, a month or a year (``date_precision``);
    it belongs to a period only when its whole span lies inside it. An event known to
    March 2023 is in March, in the first quarter and in 2023, but in no week and on no
    day: counted by week it would pile up in the week of 1 March (a false surge).
    Such rows, like undated ones, are counted in totals only; :func:`coarse_rows`
    tells how many. A week of seven days that no one period holds (ACLED's Saturday to
    Friday) is counted in the period holding its middle day, four or more of its days
    (:func:`shifted_weeks`; :func:`incidentmap.spans.seven_day_weeks`).

    Parameters
    ----------
    incidents : pandas.DataFrame
        With ``date`` and, optionally, ``date_precision``.
    period : {"day", "week", "month", "quarter", "year"}

    Returns
    -------
    pandas.Series of datetime64
    """
    if "date" not in incidents:
        return pd.Series(pd.NaT, index=incidents.index, dtype="datetime64[ns]")
    starts = period_start(incidents["date"], period)
    if "date_precision" not in incidents:
        return starts
    first, last = date_spans(incidents)  # once: the weeks and the coarse rows read them
    shifted = _shifted(incidents, period, first, last)
    if shifted.any():  # a seven-day week across periods: the period holding its middle day
        starts = starts.where(~shifted, period_start(first + pd.Timedelta(days=3), period))
    coarse = _coarse(period, first, last, shifted)
    return starts.where(~coarse, pd.NaT) if coarse.any() else starts


def coarse_rows(incidents: pd.DataFrame, period: str) -> np.ndarray:
    """Tell which rows have a date whose span does not fit in one ``period``.

    The span is the one :func:`incidentmap.spans.date_spans` gives (the calendar week,
    month or year of the row's precision, or the last day the row states: UCDP's 28-29
    July 2015 is in July though its week runs into August). A week of seven days is no
    such row, by week or longer (:func:`shifted_weeks`).
    """
    if "date_precision" not in incidents or "date" not in incidents:
        return np.zeros(len(incidents), dtype=bool)
    first, last = date_spans(incidents)
    return _coarse(period, first, last, _shifted(incidents, period, first, last))


def _coarse(period: str, first: pd.Series, last: pd.Series, shifted: np.ndarray) -> np.ndarray:
    """Rows whose span (``first``..``last``) runs past the period holding its first day."""
    return _past_period(period, first, last) & ~shifted


def _past_period(period: str, first: pd.Series, last: pd.Series) -> np.ndarray:
    ends = period_start(first, period).dt.to_period(PERIODS[period]).dt.end_time.dt.normalize()
    return (first.notna() & (last > ends)).to_numpy(dtype=bool)


def shifted_weeks(incidents: pd.DataFrame, period: str | None) -> np.ndarray:
    """Tell which rows are a week of seven days that no one ``period`` holds.

    ACLED's weeks run Saturday to Friday: no calendar week (Monday to Sunday) holds one,
    and one in seven runs into the next month. Each is counted in the period holding its
    middle day, four or more of its seven days (said by the commands, never silently):
    in one week, one month, one quarter and one year. By day, a week is in no day.
    """
    if period in (None, "day") or "date_precision" not in incidents or "date" not in incidents:
        return np.zeros(len(incidents), dtype=bool)
    first, last = date_spans(incidents)
    return _shifted(incidents, period, first, last)


def _shifted(incidents: pd.DataFrame, period: str, first: pd.Series, last: pd.Series) -> np.ndarray:
    """:func:`shifted_weeks` on spans already made (a stated range under a week is no week)."""
    weeks = seven_day_weeks(incidents, first, last)
    if period == "day" or not weeks.any():
        return np.zeros(len(incidents), dtype=bool)
    return weeks & _past_period(period, first, last)


def weighted(incidents: pd.DataFrame, column: str) -> pd.DataFrame:
    """Make every row count as the number in ``column`` (a count table: HDX HAPI's ``events``).

    Parameters
    ----------
    incidents : pandas.DataFrame
        Incidents (geocoded or not).
    column : str
        A column of numbers of incidents, 0 or more; a blank or a word is refused
        (an unknown weight is not 0 and not 1).

    Returns
    -------
    pandas.DataFrame
        A copy with ``attrs["weight"] = column``: :func:`counts_by_area`,
        :func:`national_timeline` and everything built on them (maps, trends,
        exports) count each row as its weight.

    Raises
    ------
    UsageError
        If the column is missing.
    InputFileError
        If it holds a value that is not a number of incidents (row and column named).
    """
    _check_weight_column(incidents, column)
    from incidentmap.errors import InputFileError

    values, bad, why = _weights(incidents[column])
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        row = incidents["row"].iloc[i] if "row" in incidents else i + 1
        got = incidents[column].iloc[i]
        msg = f"expected a number of incidents (0 or more) to weigh the row by, got {got!r}"
        msg += why + (f" ({int(bad.sum()) - 1} more rows like it)" if bad.sum() > 1 else "")
        path = str(incidents.attrs.get("path", "input"))
        raise InputFileError(path, msg, row=int(row), column=column, keepable=False)
    out = incidents.copy()
    out[column] = values.to_numpy(dtype=float)
    out.attrs["weight"] = column
    return out


#: the most incidents one row may count as (a billion: more is a wrong column)
MAX_WEIGHT = 1e9
_AMBIGUOUS = r"^\s*\d{1,3}([.,]\d{3})+\s*$"


def _check_weight_column(incidents: pd.DataFrame, column: str) -> None:
    """Refuse a weight column that is missing, that incidentmap made, or holds dates."""
    from incidentmap.schema import CANONICAL_COLUMNS

    if column not in incidents.columns:
        listed = ", ".join(map(str, incidents.columns))
        msg = f"`weight`: no column {column!r} (columns: {listed})"
        raise UsageError(msg[:300], field="weight")
    values = incidents[column]
    made = column in CANONICAL_COLUMNS and column not in ("fatalities", "injured")
    if made or pd.api.types.is_datetime64_any_dtype(values):
        msg = (
            f"`weight`: {column!r} is not a count of incidents (it is the file's "
            f"{'dates' if column.startswith('date') else column}); name a column of counts"
        )
        raise UsageError(msg, field="weight")


def _weights(values: pd.Series) -> tuple[pd.Series, np.ndarray, str]:
    """Return the weights as numbers, the rows that are no number of incidents, and why."""
    text = values.astype("string").str.strip()
    boolean = pd.api.types.is_bool_dtype(values) | text.str.lower().isin(["true", "false"])
    ambiguous = text.str.match(_AMBIGUOUS).fillna(False).to_numpy(dtype=bool).copy()
    numbers = pd.to_numeric(values.where(~np.asarray(boolean)), errors="coerce")
    bad = (
        (numbers.isna() | (numbers < 0) | ~np.isfinite(numbers.fillna(0)) | (numbers > MAX_WEIGHT))
        .to_numpy(dtype=bool)
        .copy()
    )
    why = ""
    if (np.asarray(boolean) & bad).any():
        why = " (true/false is no count)"
    elif ambiguous.any():
        bad |= ambiguous
        why = " (1.000 or 1,000 could be one or a thousand: write counts without separators)"
    elif (numbers > MAX_WEIGHT).any():
        why = f" (more than {MAX_WEIGHT:,.0f} in one row)"
    return numbers, bad, why


def row_weights(incidents: pd.DataFrame) -> np.ndarray:
    """Return how many incidents each row counts as: its weight (:func:`weighted`), else 1."""
    col = incidents.attrs.get("weight")
    if col and col in incidents.columns:
        return pd.to_numeric(incidents[col], errors="coerce").fillna(0).to_numpy(dtype=float)
    return np.ones(len(incidents))


def _whole(values: pd.Series) -> pd.Series:
    """Return counts as integers when they are whole numbers (weights may be fractional)."""
    v = values.fillna(0)
    return v.astype(np.int64) if (v == np.floor(v)).all() else v


def counts_by_area(
    incidents: pd.DataFrame,
    areas: pd.DataFrame,
    *,
    level: str = "district",
    period: str | None = "month",
    sums: tuple[str, ...] | list[str] = ("fatalities", "injured"),
    span: tuple[Any, Any] | None = None,
    population: pd.DataFrame | None = None,
    coverage: tuple[Any, Any] | None = None,
) -> pd.DataFrame:
    """Count incidents and sum numeric columns by area and period.

    Parameters
    ----------
    incidents : pandas.DataFrame
        Geocoded incidents (:func:`incidentmap.geocode`).
    areas : pandas.DataFrame
        The area layer of the level (``load_boundaries(level)``): every area of
        it appears in the result, with zeros where nothing happened.
    level : {"district", "province"}, default "district"
        District counts use rows placed in a district; province counts use every
        row placed in a province (including province-precision rows).
    period : {"day", "week", "month", "quarter", "year"} or None, default "month"
        None gives one row per area (totals). Rows without a date are counted
        only in totals.
    sums : sequence of str, default ("fatalities", "injured")
        Numeric columns to add up over the known values: each gets a
        ``<name>_known`` column (how many incidents had a value: a weighted row counts as its
        weight), and a sum whose every
        value is unknown is NaN, never 0 (an area with no incident sums to 0);
        columns absent from the input are skipped.
    span : (date or None, date or None), optional
        Extend (or cut) the period range; default: the incidents' date range.
    population : pandas.DataFrame, optional
        Columns ``province_code`` or ``district_id`` and ``population``: adds
        ``incidents_per_100k`` (and ``<sum>_per_100k``).
    coverage : (date or None, date or None), optional
        The first and last days the data cover (``since``; ``until``, or the file's last
        date): a period either falls inside is not ``period_complete``. Default: the first day
        the incidents cover (:func:`incidentmap.spans.first_day_covered`: a first event on
        20 June covers half of June); the end of ``span``, else the incidents' last date.

    Returns
    -------
    pandas.DataFrame
        ``<level>_id`` (district_id or province_code), area name(s),
        ``period_start`` (if ``period``), ``incidents``, the sums; sorted by
        area then period.
    """
    refuse_choice(level, LEVELS, "level")
    start, end = span if span is not None else (None, None)
    key = "district_id" if level == "district" else "province_code"
    names = ["district", "province_code", "province"] if level == "district" else ["province"]
    area_table = pd.DataFrame(areas)[[key, *[n for n in names if n in areas.columns]]].copy()
    area_table[key] = area_table[key].astype(str)
    if key not in incidents.columns:
        msg = f"incidents have no {key} column (geocode them first)"
        raise UsageError(msg)
    used = [c for c in dict.fromkeys([key, "date", *sums]) if c in incidents.columns]
    rows = pd.DataFrame({c: incidents[c] for c in used})  # only what is counted: no geometry
    rows = rows[rows[key].notna()]
    rows[key] = rows[key].astype(str)
    unknown = set(rows[key]) - set(area_table[key])
    if unknown:
        msg = f"incidents name {level}s not in the area layer: {sorted(unknown)[:3]}"
        raise UsageError(msg)
    sum_cols = [c for c in sums if c in rows.columns]
    rows["incidents"] = row_weights(incidents)[incidents[key].notna().to_numpy()]
    for c in sum_cols:  # an unknown toll stays unknown: summed over the known ones, counted
        rows[c] = pd.to_numeric(rows[c], errors="coerce")
        # incidents whose toll is known: a count table's row counts as its weight, as in
        # `incidents` (tolls known for 5 of 5, not 1 of 5)
        rows[f"{c}_known"] = rows["incidents"].where(rows[c].notna(), 0.0)
    value_cols = ["incidents", *sum_cols, *(f"{c}_known" for c in sum_cols)]
    if period is None:
        grouped = _sums(rows.groupby(key), value_cols, sum_cols)
        out = area_table.merge(grouped, left_on=key, right_index=True, how="left")
    else:
        placed = incidents[key].notna().to_numpy()
        # a month is in no one week; a Saturday-to-Friday week in the week of its weekdays
        rows["period_start"] = row_periods(incidents, period).to_numpy()[placed]
        dated = rows[rows["period_start"].notna()]
        first = pd.Timestamp(start) if start is not None else dated["period_start"].min()
        last = pd.Timestamp(end) if end is not None else dated["period_start"].max()
        if pd.isna(first) or pd.isna(last):
            periods = pd.DatetimeIndex([], name="period_start")
        else:
            n_periods = _count_periods(first, last, period)
            max_rows = MAX_ROWS  # two dates a century apart by district and day: 29 million
            if n_periods * len(area_table) > max_rows:
                msg = (
                    f"counts by {level} x {period} from {first:%Y-%m-%d} to {last:%Y-%m-%d} "
                    f"would be {n_periods * len(area_table):,} rows ({len(area_table)} {level}s "
                    f"x {n_periods:,} {period}s), more than the limit of {max_rows:,}: choose a "
                    "longer period, or narrow the dates with `since`/`until`"
                )
                raise UsageError(msg)
            periods = pd.period_range(first, last, freq=PERIODS[period]).start_time
            periods = pd.DatetimeIndex(periods.astype("datetime64[ns]"), name="period_start")
        grouped = _sums(dated.groupby([key, "period_start"]), value_cols, sum_cols)
        full = pd.MultiIndex.from_product([area_table[key], periods], names=[key, "period_start"])
        grouped = grouped.reindex(full)
        out = area_table.merge(grouped.reset_index(), on=key, how="left")
    out["incidents"] = _whole(out["incidents"])
    for c in sum_cols:
        out[f"{c}_known"] = _whole(out[f"{c}_known"])
        # no incident: nothing to sum (0); incidents whose every toll is unknown: unknown
        out[c] = out[c].where(out["incidents"] > 0, 0.0)
    if population is not None:
        _add_rates(out, population, key, value_cols)
    if period is not None:
        since = _first_covered(incidents, coverage)
        _mark_complete(out, period, since, _coverage(incidents, (coverage or [0, 0])[1] or end))
    sort = [key, "period_start"] if period is not None else [key]
    return out.sort_values(sort, kind="stable").reset_index(drop=True)


def coarse_count(incidents: pd.DataFrame, level: str, period: str) -> int:
    """Count the rows placed at ``level`` dated only to a longer span than one ``period``.

    A date known to a month or a year is in no week or day: :func:`counts_by_area` counts
    such rows in totals, in no period, and the report says how many.
    """
    key = "district_id" if level == "district" else "province_code"
    if key not in incidents.columns:
        return 0
    return int(coarse_rows(incidents, period)[incidents[key].notna().to_numpy()].sum())


def _coverage(incidents: pd.DataFrame, end: Any) -> pd.Timestamp | None:
    """Return the last day the data cover: ``end`` when given, else the last date."""
    given = end
    if given is None:
        given = last_day_covered(incidents)
    return None if given is None or pd.isna(given) else pd.Timestamp(given).normalize()


def _first_covered(incidents: pd.DataFrame, coverage: Any) -> Any:
    """Return the first day the data cover: ``coverage``'s, else the incidents' own."""
    since = (coverage or [None])[0]
    return first_day_covered(incidents) if since is None else since


def _mark_complete(out: pd.DataFrame, period: str, since: Any, cover: Any) -> None:
    """Add ``period_complete``: False for a period the data start or end inside (half a month)."""
    if cover is None or "period_start" not in out or out["period_start"].isna().all():
        return
    ends = out["period_start"].dt.to_period(PERIODS[period]).dt.end_time.dt.normalize()
    first = pd.Timestamp(out["period_start"].min() if since is None else since).normalize()
    out["period_complete"] = ((ends <= cover) & (out["period_start"] >= first)).to_numpy()


def _sums(grouped: Any, value_cols: list[str], sum_cols: list[str]) -> pd.DataFrame:
    """Sum per group; a sum of values all unknown is unknown (NaN), not 0."""
    out = grouped[value_cols].sum()
    if sum_cols:
        out[sum_cols] = grouped[sum_cols].sum(min_count=1)
    return out


def _count_periods(first: pd.Timestamp, last: pd.Timestamp, period: str) -> int:
    """How many periods from ``first`` to ``last``, without building them."""
    freq = PERIODS[period]
    return (pd.Period(last, freq=freq) - pd.Period(first, freq=freq)).n + 1


def _add_rates(out: pd.DataFrame, population: pd.DataFrame, key: str, cols: list[str]) -> None:
    if key not in population.columns or "population" not in population.columns:
        msg = f"population table needs columns {key!r} and 'population'"
        raise UsageError(msg)
    pop = population.set_index(population[key].astype(str))["population"]
    p = pd.to_numeric(out[key].map(pop), errors="coerce")
    for c in cols:
        if c.endswith("_known"):
            continue  # how many tolls are known is no rate of the population
        name = "incidents_per_100k" if c == "incidents" else f"{c}_per_100k"
        out[name] = np.where(p > 0, out[c] / p * 100_000, np.nan)


@dataclass(frozen=True)
class Breakdown:
    """Counts split by the values of one column: a ``<column>_<value>`` count for each value.

    Every value of ``values`` gets its column, zeros included, so that a table always has
    the same columns; a blank goes to ``blank`` (``unknown``: an unknown target is counted
    as unknown, never as 0 of anything); a value outside ``values`` is refused.

    Attributes
    ----------
    column : str
        The column of the incidents (``target``).
    values : tuple of str
        Its vocabulary, in the order of the columns (``incidentmap.targets.TARGETS``).
    blank : str, default "unknown"
    """

    column: str
    values: tuple[str, ...]
    blank: str = "unknown"

    @property
    def names(self) -> list[str]:
        """The count columns: ``target_officials``, ``target_security_forces``..."""
        return [f"{self.column}_{re.sub(r'[^0-9a-z]+', '_', v.casefold())}" for v in self.values]

    def codes(self, incidents: pd.DataFrame) -> np.ndarray:
        """Return each row's position in ``values`` (blanks: ``blank``'s); refuse others."""
        if self.column not in incidents.columns:
            msg = f"incidents have no {self.column} column to count by (geocode them first)"
            raise UsageError(msg, field="by_target")
        text = incidents[self.column].astype("string").fillna(self.blank).to_numpy(dtype=object)
        codes = pd.Categorical(text, categories=list(self.values)).codes.astype(np.int64)
        if (codes < 0).any():
            bad = text[int(np.flatnonzero(codes < 0)[0])]
            msg = f"{self.column} {bad!r} is not one of {', '.join(self.values)}"
            raise UsageError(msg, field=self.column)
        return codes

    def totals(self, incidents: pd.DataFrame) -> dict[str, float]:
        """Return the weighted count of every value over all the rows (zeros included)."""
        sums = np.bincount(
            self.codes(incidents), weights=row_weights(incidents), minlength=len(self.values)
        )
        return {v: _number(n) for v, n in zip(self.values, sums, strict=True)}


def _number(n: float) -> float:
    return int(n) if float(n).is_integer() else float(n)


def add_breakdown(
    counts: pd.DataFrame,
    incidents: pd.DataFrame,
    breakdown: Breakdown,
    *,
    level: str,
    period: str | None = None,
) -> pd.DataFrame:
    """Add the :class:`Breakdown`'s count columns to a table of :func:`counts_by_area`.

    The rows are counted as :func:`counts_by_area` counts them (the same areas, the same
    periods, a date known only to a longer span in no period, each row as its weight), so
    on every row the breakdown's columns add up to ``incidents``.

    Parameters
    ----------
    counts : pandas.DataFrame
        The table of :func:`counts_by_area` for the same ``level`` and ``period``.
    incidents : pandas.DataFrame
        The incidents it counted.
    breakdown : Breakdown
    level : {"district", "province"}
    period : str, optional
        The table's period (None: totals).

    Returns
    -------
    pandas.DataFrame
        ``counts`` with one column per value of the breakdown, in its order.
    """
    key = "district_id" if level == "district" else "province_code"
    placed = incidents[key].notna().to_numpy() if key in incidents else np.zeros(0, bool)
    by = [key] if period is None else [key, "period_start"]
    frame = pd.DataFrame(
        {
            key: incidents[key].astype(str).to_numpy()[placed],
            "value": breakdown.codes(incidents)[placed],
            "n": row_weights(incidents)[placed],
        }
    )
    if period is not None:
        frame["period_start"] = row_periods(incidents, period).to_numpy()[placed]
        frame = frame[frame["period_start"].notna()]
    out = counts.drop(columns=[c for c in breakdown.names if c in counts.columns])
    if frame.empty:
        return out.assign(**dict.fromkeys(breakdown.names, 0))
    table = frame.groupby([*by, "value"])["n"].sum().unstack("value", fill_value=0)
    table = table.reindex(columns=range(len(breakdown.values)), fill_value=0)
    table.columns = breakdown.names
    out = out.merge(table, left_on=by, right_index=True, how="left")
    for name in breakdown.names:
        out[name] = _whole(out[name])
    return out


def national_timeline(
    incidents: pd.DataFrame,
    period: str,
    *,
    by: str = "category",
    breakdown: Breakdown | None = None,
) -> pd.DataFrame:
    """Count the incidents of the whole country per period, one column per value of ``by``.

    Parameters
    ----------
    incidents : pandas.DataFrame
    period : str
    by : str, default "category"
        The column whose values are the columns.
    breakdown : Breakdown, optional
        Instead of ``by``: the breakdown's columns (``target_officials``...), every value
        present, blanks counted as its ``blank``.

    Returns
    -------
    pandas.DataFrame
        ``period_start``, ``incidents`` and one column per category; every period
        from the first to the last present, zeros filled.
    """
    ps = row_periods(incidents, period)
    if breakdown is not None:
        values = np.asarray(breakdown.names, dtype=object)[breakdown.codes(incidents)]
    else:
        values = incidents[by].to_numpy() if by in incidents else "all"
    frame = pd.DataFrame({"period_start": ps.to_numpy(), "by": values, "n": row_weights(incidents)})
    frame = frame.dropna(subset=["period_start"])
    if frame.empty:
        names = breakdown.names if breakdown is not None else []
        return pd.DataFrame(columns=["period_start", "incidents", *names])
    table = frame.pivot_table(
        index="period_start", columns="by", values="n", aggfunc="sum", fill_value=0
    ).apply(_whole)
    full = pd.period_range(table.index.min(), table.index.max(), freq=PERIODS[period]).start_time
    table = table.reindex(pd.DatetimeIndex(full.astype("datetime64[ns]")), fill_value=0)
    if breakdown is not None:
        table = table.reindex(columns=breakdown.names, fill_value=0)
    table.columns = [str(c) for c in table.columns]
    table.insert(0, "incidents", table.sum(axis=1))
    table.index.name = "period_start"
    return table.reset_index()
