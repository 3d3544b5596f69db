"""Dates in incident files: text, Excel serials, day numbers and year/month/day parts.

Every date keeps its precision (day, week, month, year). The day/month order of
``a/b/yyyy`` dates is decided by the values of the whole column (or the first block; a
first block that cannot tell sends the file to be read whole), never guessed per value; a
value that cannot be read is reported with its row.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from incidentmap._coded import coded_text
from incidentmap.io.numbers import number_text, parse_numbers
from incidentmap.io.values import (
    DATE_PRECISIONS,
    EARLIEST_DATE,
    EDGE_SPACE,
    NotInBlocks,
    Problems,
    arrow_strings,
    blank_mask,
    show_value,
)
from incidentmap.io.words import MONTHS

__all__ = ["apply_precision_codes", "dates_from_parts", "parse_dates"]


_MONTH_RE = "|".join(sorted(MONTHS, key=len, reverse=True))


_WEEKDAY_RE = re.compile(
    r"^(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|nesday|sday|urday)?\.?,?\s+"
)


_SEP = r"[\s\-/.,]"


_ORD = r"(?:st|nd|rd|th)?"


#: a time of day after a date: hours 0-23, minutes and seconds 0-59 (60: a leap second); an
#: impossible time (25:61) makes the value unreadable, not a date with the time dropped
_TIME = (
    r"(?:[ t](?:[01]?\d|2[0-3]):[0-5]\d(?::(?:[0-5]\d|60)(?:[.,]\d+)?)?\s*"
    r"(?:z|utc|[+-]\d{2}:?\d{2})?)?"
)
_FORMS: list[tuple[re.Pattern[str], str]] = [
    # (pattern, order of the groups: y m d / d m y / m d y / m y / y, with n = month name)
    (re.compile(rf"(\d{{4}})([-/.])(\d{{1,2}})\2(\d{{1,2}}){_TIME}"), "y_m_d"),
    (re.compile(r"(\d{4})(\d{2})(\d{2})"), "ymd"),
    (re.compile(r"(\d{4})[-/.](\d{1,2})"), "ym"),
    (re.compile(r"(\d{4})(?:\.0+)?"), "y"),
    (
        re.compile(rf"(\d{{1,2}}){_ORD}{_SEP}*({_MONTH_RE})\.?{_SEP}*(\d{{4}}|\d{{2}}){_TIME}"),
        "dny",
    ),
    (re.compile(rf"({_MONTH_RE})\.?{_SEP}*(\d{{1,2}}){_ORD}{_SEP}+(\d{{4}}){_TIME}"), "ndy"),
    (re.compile(rf"(\d{{4}}){_SEP}+({_MONTH_RE})\.?{_SEP}+(\d{{1,2}})"), "ynd"),
    (re.compile(rf"({_MONTH_RE})\.?{_SEP}*(\d{{4}})"), "ny"),
    (re.compile(rf"(\d{{4}}){_SEP}+({_MONTH_RE})\.?"), "yn"),
]


_NUMERIC_DATE = re.compile(rf"(\d{{1,2}})([/.\-])(\d{{1,2}})\2(\d{{4}}|\d{{2}}){_TIME}")


_SERIAL = re.compile(r"\d{5}(?:\.\d+)?")


_DAYNUM = re.compile(r"-?\d+(?:\.0+)?")


def _two_digit_year(y: int) -> int:
    pivot = _dt.date.today().year % 100
    return y if y >= 100 else (2000 + y if y <= pivot else 1900 + y)


def _year_text(text: str) -> int:
    """Return the year a text writes: two digits are this century's or the last."""
    return _two_digit_year(int(text)) if len(text) == 2 else int(text)


#: order of a form's groups -> (year, month, day) of the groups (0: not given)
_PARTS: dict[str, Callable[[tuple[str, ...]], tuple[int, int, int]]] = {
    "y_m_d": lambda g: (int(g[0]), int(g[2]), int(g[3])),
    "ymd": lambda g: (int(g[0]), int(g[1]), int(g[2])),
    "ym": lambda g: (int(g[0]), int(g[1]), 0),
    "y": lambda g: (int(g[0]), 0, 0),
    "dny": lambda g: (_year_text(g[2]), MONTHS[g[1]], int(g[0])),
    "ndy": lambda g: (int(g[2]), MONTHS[g[0]], int(g[1])),
    "ynd": lambda g: (int(g[0]), MONTHS[g[1]], int(g[2])),
    "ny": lambda g: (int(g[1]), MONTHS[g[0]], 0),
    "yn": lambda g: (int(g[0]), MONTHS[g[1]], 0),
}


#: an ISO date and time with its zone (``2004-01-05T22:00:00Z``, ``... +02:00``)
_ZONED = re.compile(
    r"\d{4}-\d{2}-\d{2}[ t]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:z|utc|[+-]\d{2}:?\d{2})"
)
#: the clock a zoned time is read on: the day of an event is the day in Afghanistan
AFGHAN_TIME = "Asia/Kabul"


def _one_date(text: str) -> tuple[int, int, int, str] | str | None:
    """Return (year, month, day, precision), "numeric" for a/b/yyyy, or None.

    A time with its zone is the day it was in Afghanistan (:data:`AFGHAN_TIME`):
    ``2004-01-05T22:00:00Z`` is 6 January (02:30 in Kabul).
    """
    t = EDGE_SPACE.sub("", text).lower()
    if _ZONED.fullmatch(t):
        try:
            stamp = pd.Timestamp(t.upper().replace("UTC", "Z")).tz_convert(AFGHAN_TIME)
        except ValueError:
            return None
        return (stamp.year, stamp.month, stamp.day, "day")
    t = _WEEKDAY_RE.sub("", t)
    for pattern, order in _FORMS:
        m = pattern.fullmatch(t)
        if m is not None:
            return _with_precision(*_PARTS[order](m.groups()))
    if _NUMERIC_DATE.fullmatch(t):
        return "numeric"
    return None


def _with_precision(y: int, mo: int, d: int) -> tuple[int, int, int, str] | None:
    """Return the parts with their precision (day, month, year), or None if impossible."""
    if mo > 12 or d > 31:
        return None
    if mo == 0:
        return (y, 0, 0, "year") if d == 0 else None
    return (y, mo, d, "month" if d == 0 else "day")


def parse_dates(
    values: pd.Series,
    column: str,
    problems: Problems,
    *,
    dayfirst: bool | None = None,
    day_one: str | pd.Timestamp | None = None,
    latest: pd.Timestamp | None = None,
    arrow: bool = False,
) -> tuple[pd.Series, pd.Series]:
    """Read a column of dates; return (dates, precision).

    Parameters
    ----------
    values : pandas.Series
        Text, datetime objects (Excel, Parquet) or numbers (Excel serials).
    column : str
        Its name, for messages.
    problems : Problems
    dayfirst : bool, optional
        For ``a/b/yyyy`` values: True = day first, False = month first. When
        None the column's values decide it (a part above 12), else it is an error.
    day_one : date, optional
        The column holds day numbers, day 1 being this date.
    latest : Timestamp, optional
        The last date allowed (default: tomorrow: a time zone ahead of the machine's).
    arrow : bool, default False
        Give a column of plain days its precision as Arrow text (for file writers).

    Returns
    -------
    tuple of pandas.Series
        ``datetime64[ns]`` dates (midnight; NaT where missing or unreadable) and
        their precision (``day``, ``month``, ``year``; None where missing). A word that
        says the date is not known ("Unknown", "UNK", "not known", "n.d.", "?", "-") is
        missing, as a blank is: the row is undated, not refused.
    """
    today = pd.Timestamp(_dt.date.today())
    latest = latest if latest is not None else today + pd.Timedelta(days=1)
    if day_one is None:
        fast = _iso_column(values, latest, arrow=arrow)
        if fast is not None:
            return fast
    n = len(values)
    ymd = np.zeros((n, 3), dtype=np.int64)
    prec = np.full(n, None, dtype=object)
    todo = ~blank_mask(values, date=True)  # "Unknown", "n.d.": not known, the row undated
    words = ~todo & ~blank_mask(values)  # not a blank cell: a word saying so, noted per row
    problems.keep(words, column, values, "says the date is not known: undated", what="dates")
    rest_idx, rest_text = _rest_text(values, todo, ymd, prec)
    codes, uniq = pd.factorize(rest_text.reset_index(drop=True))
    uniques = [str(u) for u in uniq]
    if day_one is not None:
        u_ymd, u_prec = _day_numbers(uniques, day_one)
    else:
        rest = _Rest(values, rest_idx, codes, column, problems)
        u_ymd, u_prec = _text_dates(uniques, rest, dayfirst)
    if len(uniques):
        got = u_prec[codes] != None  # noqa: E711 (elementwise)
        sel = rest_idx[got]
        ymd[sel] = u_ymd[codes[got]]
        prec[sel] = u_prec[codes[got]]
        todo[sel] = False
    _report_unread(values, todo, column, problems)
    return _build_dates(ymd, prec, values, column, problems, latest)


def _rest_text(
    values: pd.Series, todo: np.ndarray, ymd: np.ndarray, prec: np.ndarray
) -> tuple[np.ndarray, pd.Series]:
    """Return the positions and text of the values left to read as text.

    Date and datetime cells are read here (into ``ymd`` and ``prec``, cleared from
    ``todo``); numbers become their text (Excel serials, day numbers).
    """
    if arrow_strings(values) is not None:
        # text: each distinct value is read once (a million rows hold a few thousand dates)
        rest_idx = np.flatnonzero(todo)
        return rest_idx, values.iloc[rest_idx]
    obj = values.astype("object")
    _typed_dates(values, obj, todo, ymd, prec)
    rest_idx = np.flatnonzero(todo)
    return rest_idx, obj.iloc[rest_idx].map(lambda v: v if isinstance(v, str) else number_text(v))


def _typed_dates(
    values: pd.Series, obj: pd.Series, todo: np.ndarray, ymd: np.ndarray, prec: np.ndarray
) -> None:
    """Read the date and datetime cells (Excel, Parquet, GeoPackage) in place."""
    typed = pd.api.types.is_datetime64_any_dtype(values)
    if typed:
        is_dt = todo.copy()
    else:
        is_dt = todo & obj.map(lambda v: isinstance(v, (_dt.date, np.datetime64))).to_numpy(bool)
    if not is_dt.any():
        return
    if typed:
        stamps = pd.Series(values[is_dt])  # typed dates: no value-by-value conversion
        if getattr(stamps.dt, "tz", None) is not None:  # an instant: its day in Afghanistan
            stamps = stamps.dt.tz_convert(AFGHAN_TIME).dt.tz_localize(None)
    else:
        stamps = pd.to_datetime(obj[is_dt].map(_as_timestamp), errors="coerce")
    ymd[is_dt, 0] = stamps.dt.year.fillna(0).to_numpy(dtype=np.int64)
    ymd[is_dt, 1] = stamps.dt.month.fillna(0).to_numpy(dtype=np.int64)
    ymd[is_dt, 2] = stamps.dt.day.fillna(0).to_numpy(dtype=np.int64)
    prec[is_dt] = "day"
    todo &= ~is_dt


def _unread(k: int) -> tuple[np.ndarray, np.ndarray]:
    """Return (year, month, day) and precision arrays for ``k`` values, none read yet."""
    return np.zeros((k, 3), dtype=np.int64), np.full(k, None, dtype=object)


def _day_numbers(uniques: list[str], day_one: str | pd.Timestamp) -> tuple[np.ndarray, np.ndarray]:
    """Read day numbers, day 1 being ``day_one``."""
    u_ymd, u_prec = _unread(len(uniques))
    origin = pd.Timestamp(day_one)
    nums = np.array([_day_number(u) for u in uniques], dtype=float)
    good = np.isfinite(nums)
    stamps = origin + pd.to_timedelta(np.where(good, nums - 1, 0), unit="D")
    u_ymd[good] = np.column_stack([stamps.year, stamps.month, stamps.day])[good]
    u_prec[good] = "day"
    return u_ymd, u_prec


@dataclass(frozen=True)
class _Rest:
    """The values read as text: where they are, their codes among the distinct texts."""

    values: pd.Series
    rows: np.ndarray
    codes: np.ndarray
    column: str
    problems: Problems


def _text_dates(
    uniques: list[str], rest: _Rest, dayfirst: bool | None
) -> tuple[np.ndarray, np.ndarray]:
    """Read the distinct texts: ISO days, the other forms, a/b/yyyy, Excel serials."""
    u_ymd, u_prec = _unread(len(uniques))
    numeric = _forms(uniques, u_ymd, u_prec)
    if numeric.any():
        _numeric_dates(uniques, numeric, u_ymd, u_prec, dayfirst, rest)
    for i, u in enumerate(uniques):
        if u_prec[i] is None and _SERIAL.fullmatch(u):
            stamp = pd.Timestamp("1899-12-30") + pd.Timedelta(days=int(float(u)))
            u_ymd[i] = (stamp.year, stamp.month, stamp.day)
            u_prec[i] = "day"
    return u_ymd, u_prec


def _forms(uniques: list[str], u_ymd: np.ndarray, u_prec: np.ndarray) -> np.ndarray:
    """Read the texts of a known form in place; return where they are a/b/yyyy."""
    iso = _iso_days(uniques)  # plain YYYY-MM-DD in C, the other forms one by one
    numeric = np.zeros(len(uniques), dtype=bool)
    for i, u in enumerate(uniques):
        parsed = iso[i] + ("day",) if iso[i] is not None else _one_date(u)
        if isinstance(parsed, tuple):
            u_ymd[i] = parsed[:3]
            u_prec[i] = parsed[3]
        numeric[i] = parsed == "numeric"
    return numeric


def _report_unread(values: pd.Series, todo: np.ndarray, column: str, problems: Problems) -> None:
    """Report the values left unread (a hint when they look like day numbers)."""
    expected = "a date (e.g. 2023-03-09, 9 March 2023, 2023-03)"
    if todo.any() and values[todo].astype(str).str.fullmatch(r"\s*\d{1,5}\s*").all():
        expected += "; a column of day numbers needs `day_one` DATE (day 1)"
    problems.report(todo, column, values, expected)


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


#: days in each month of a common year (index 1-12)
_MONTH_DAYS = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


def _iso_column(
    values: pd.Series, latest: pd.Timestamp, *, arrow: bool = False
) -> tuple[pd.Series, pd.Series] | None:
    """Read a text column whose every value is an existing YYYY-MM-DD day in range.

    The common case (ACLED, UCDP, exports written by incidentmap), read from the
    Arrow bytes with numpy: ten characters each, digits and two dashes, a month and
    a day that exist. None when any value is blank, another form, a day that does
    not exist or out of range: the careful path reads those and reports them.
    """
    digits = _iso_digits(values)
    if digits is None:
        return None
    n = len(digits)
    y = digits[:, 0] * 1000 + digits[:, 1] * 100 + digits[:, 2] * 10 + digits[:, 3]
    m = digits[:, 4] * 10 + digits[:, 5]
    d = digits[:, 6] * 10 + digits[:, 7]
    if ((m < 1) | (m > 12) | (d < 1)).any():
        return None
    leap = (y % 4 == 0) & ((y % 100 != 0) | (y % 400 == 0))
    if (d > _MONTH_DAYS[m] + (leap & (m == 2))).any():
        return None  # 2023-02-30
    # days since 1970-01-01 from the civil date (H. Hinnant's days_from_civil)
    yy = y - (m <= 2)
    era = yy // 400
    yoe = yy - era * 400
    doy = (153 * (m + np.where(m > 2, -3, 9)) + 2) // 5 + d - 1
    days = (era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719468).astype("datetime64[D]")
    if days.min() < EARLIEST_DATE.to_datetime64() or days.max() > latest.to_datetime64():
        return None
    dates = pd.Series(days.astype("datetime64[ns]"), copy=False)
    prec = coded_text(np.zeros(n, dtype=np.int64), ["day"], arrow=arrow)
    return dates, pd.Series(prec, dtype=prec.dtype, copy=False)


def _iso_digits(values: pd.Series) -> np.ndarray | None:
    """Return the eight digits of each value if every value is ``dddd-dd-dd``, else None."""
    import pyarrow as pa

    arr = arrow_strings(values)
    if arr is None or arr.null_count or not len(arr):
        return None
    n = len(arr)
    wide = pa.types.is_large_string(arr.type)
    _, offsets_buf, data_buf = arr.buffers()
    offsets = np.frombuffer(offsets_buf, dtype=np.int64 if wide else np.int32)
    offsets = offsets[arr.offset : arr.offset + n + 1]
    if offsets[-1] - offsets[0] != 10 * n or not (np.diff(offsets) == 10).all():
        return None
    chars = np.frombuffer(data_buf, dtype=np.uint8)[offsets[0] : offsets[-1]].reshape(n, 10)
    if not ((chars[:, 4] == 45) & (chars[:, 7] == 45)).all():  # "-"
        return None
    digits = chars[:, [0, 1, 2, 3, 5, 6, 8, 9]].astype(np.int64) - 48
    if ((digits < 0) | (digits > 9)).any():
        return None
    return digits


def _iso_days(texts: list[str]) -> list[tuple[int, int, int] | None]:
    """(year, month, day) of each text that is exactly an existing YYYY-MM-DD day, else None."""
    out: list[tuple[int, int, int] | None] = [None] * len(texts)
    idx = [i for i, t in enumerate(texts) if len(t) == 10 and _ISO_DAY.fullmatch(t)]
    if not idx:
        return out
    stamps = pd.to_datetime(pd.Series([texts[i] for i in idx]), format="%Y-%m-%d", errors="coerce")
    for i, y, m, d in zip(idx, stamps.dt.year, stamps.dt.month, stamps.dt.day, strict=True):
        if not pd.isna(y):
            out[i] = (int(y), int(m), int(d))
    return out


def _build_dates(
    ymd: np.ndarray,
    prec: np.ndarray,
    values: pd.Series,
    column: str,
    problems: Problems,
    latest: pd.Timestamp,
) -> tuple[pd.Series, pd.Series]:
    """Dates from parts; a day or month that does not exist is an error, not a rollover."""
    known = prec != None  # noqa: E711 (elementwise)
    y, mo, d = ymd[:, 0], ymd[:, 1], ymd[:, 2]
    out_range = known & ((y < EARLIEST_DATE.year) | (y > latest.year))
    ok = known & ~out_range
    parts = pd.DataFrame(
        {
            "year": np.where(ok, y, 2000),
            "month": np.where(ok & (mo > 0), mo, 1),
            "day": np.where(ok & (d > 0), d, 1),
        }
    )
    dates = pd.to_datetime(parts, errors="coerce")
    invalid = ok & dates.isna().to_numpy()
    problems.report(invalid, column, values, "a day that exists in that month")
    late = ok & ~invalid & (dates > latest).to_numpy()
    too = out_range | late
    if too.any():
        hijri = too & (y >= 1300) & (y <= 1450)
        problems.report(
            hijri, column, values, "a Gregorian date (this looks like a Solar Hijri year)"
        )
        problems.report(
            too & ~hijri,
            column,
            values,
            f"a date from {EARLIEST_DATE:%Y-%m-%d} to {latest:%Y-%m-%d}",
        )
    bad = ~known | invalid | too
    dates = dates.where(~bad, pd.NaT).astype("datetime64[ns]")
    return dates.reset_index(drop=True), pd.Series(np.where(bad, None, prec), dtype="object")


def _as_timestamp(v: Any) -> Any:
    if isinstance(v, (_dt.datetime, np.datetime64, pd.Timestamp)):
        return v
    return _dt.datetime(v.year, v.month, v.day)


def _day_number(text: str) -> float:
    t = EDGE_SPACE.sub("", text)
    return float(t) if _DAYNUM.fullmatch(t) else np.nan


def _numeric_dates(
    uniques: list[str],
    numeric: np.ndarray,
    u_ymd: np.ndarray,
    u_prec: np.ndarray,
    dayfirst: bool | None,
    rest: _Rest,
) -> None:
    """a/b/yyyy dates: the order comes from the values or from ``dayfirst``, never a guess."""
    idx = np.flatnonzero(numeric)
    parts = [_NUMERIC_DATE.fullmatch(EDGE_SPACE.sub("", uniques[i]).lower()) for i in idx]
    order = _day_order(parts, dayfirst, rest.problems.decided, rest.column)
    if order is None:
        pos = int(np.flatnonzero(np.isin(rest.codes, idx))[0])
        rest.problems.fail(
            int(rest.rows[pos]),
            rest.column,
            f"an unambiguous date ({_why_unordered(idx, parts, rest)}), got "
            f"{show_value(rest.values.iloc[rest.rows[pos]])}",
        )
    for i, m in zip(idx, parts, strict=True):
        assert m is not None
        a, b = int(m.group(1)), int(m.group(3))
        day, month = (a, b) if order else (b, a)
        u_ymd[i] = (_year_text(m.group(4)), month, day)
        u_prec[i] = "day"


def _why_unordered(idx: np.ndarray, parts: list[Any], rest: _Rest) -> str:
    """Say why no order of day and month holds: none shows, or both do (two exports joined)."""
    day = next((i for i, m in zip(idx, parts, strict=True) if m and int(m.group(1)) > 12), None)
    mon = next((i for i, m in zip(idx, parts, strict=True) if m and int(m.group(3)) > 12), None)
    if day is None or mon is None:
        if rest.problems.decided.get("in_blocks"):  # a first block of days <= 12: read whole
            raise NotInBlocks(f"the first block does not show {rest.column!r}'s day order")
        return "day and month order unknown: give `dayfirst`"
    at = [int(np.flatnonzero(rest.codes == k)[0]) for k in (day, mon)]
    shown = [show_value(rest.values.iloc[rest.rows[p]]) for p in at]
    rows = [int(rest.problems.rows[rest.rows[p]]) for p in at]
    return (
        f"one order of day and month, but the column holds both: day first ({shown[0]}, row "
        f"{rows[0]}) and month first ({shown[1]}, row {rows[1]}); two exports joined? read "
        "each part with its own `dayfirst`"
    )


def _day_order(
    parts: list[re.Match[str] | None],
    dayfirst: bool | None,
    decided: dict[Any, Any],
    column: str,
) -> bool | None:
    """Return True for day first, False for month first, None when nothing decides it.

    An earlier block of the file decides first (a/b dates that contradict it come out
    as impossible dates, reported by row), then the values (a part above 12), then
    ``dayfirst``; the decision is kept for the blocks after this one.
    """
    order = decided.get(("dayfirst", column))
    if order is None:
        order = _order_of_values(parts, dayfirst)
    if order is not None:
        decided[("dayfirst", column)] = order
    return order


def _order_of_values(parts: list[re.Match[str] | None], dayfirst: bool | None) -> bool | None:
    """Return the order the values show (a first or a second part above 12), else ``dayfirst``."""
    first_big = any(int(m.group(1)) > 12 for m in parts if m)
    second_big = any(int(m.group(3)) > 12 for m in parts if m)
    if first_big != second_big:
        return first_big
    return dayfirst


def dates_from_parts(
    frame: pd.DataFrame,
    cols: tuple[str, str, str],
    problems: Problems,
    *,
    latest: pd.Timestamp | None = None,
) -> tuple[pd.Series, pd.Series]:
    """Dates split in year, month and day columns; 0 or blank month/day means unknown.

    GTD and AWSD write the date this way. A missing day gives month precision, a
    missing month year precision.
    """
    yc, mc, dc = cols
    yv = parse_numbers(frame[yc], yc, problems, lo=1900, hi=2100, expected="a year")
    mv = parse_numbers(frame[mc], mc, problems, lo=0, hi=12, expected="a month 0-12")
    dv = parse_numbers(frame[dc], dc, problems, lo=0, hi=31, expected="a day 0-31")
    text = pd.Series(
        [
            ""
            if np.isnan(a)
            else f"{int(a):04d}-{0 if np.isnan(b) else int(b):02d}-"
            f"{0 if np.isnan(b) or b == 0 or np.isnan(c) else int(c):02d}"
            for a, b, c in zip(yv, mv, dv, strict=True)
        ],
        dtype="object",
    )
    # report a day that does not exist against the day column
    inner = Problems(problems.path, problems.rows, problems.on_bad, problems.decided)
    dates, prec = parse_dates(text, dc, inner, latest=latest)
    for i, notes in inner.notes.items():
        problems.notes.setdefault(i, []).extend(
            n.replace(f"got {show_value(text.iloc[i])}", f"got {show_value(frame[dc].iloc[i])}")
            for n in notes
        )
    return dates, prec


def apply_precision_codes(
    values: pd.Series, codes: dict[str, str], current: pd.Series
) -> pd.Series:
    """Replace date precisions by a source's own code column (ACLED time_precision...).

    A coarser source precision wins; a finer one never makes a date more precise
    than it is written.
    """
    rank = {p: i for i, p in enumerate(DATE_PRECISIONS)}
    mapped = values.map(
        lambda v: None if v is None or (isinstance(v, float) and np.isnan(v))
        else codes.get(str(v).strip().split(".")[0])
    )  # fmt: skip

    def pick(a: Any, b: Any) -> Any:
        if not isinstance(a, str):
            return None  # no date: no precision
        if not isinstance(b, str):
            return a
        return a if rank[a] >= rank[b] else b

    return pd.Series(
        [pick(a, b) for a, b in zip(current, mapped, strict=True)],
        dtype="object",
    )
