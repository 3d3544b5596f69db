"""Read values: dates, counts, coordinates and text, the place real files break.

Each reader takes a column of raw values and returns parsed values plus a mask
of values that could not be read; :class:`Problems` turns those into one error
naming the file, row and column (or, when asked, into a note on each row).

Dates are read by their written form, never by guessing: ISO forms (with ``00``
for an unknown day or month, as GTD and AWSD write them), month names in any
case with any separator ("28 September 2019", "Sept. 28, 2019", "28-SEP-19"),
numeric ``a/b/yyyy`` with the day/month order taken from the column's values or
from the caller, Excel serial numbers and Excel date cells. Distinct values are
parsed once. The calendar (days in a month, leap years) is pandas'. Libraries that
parse free text (dateutil, dateparser) were not used: they fill a missing day
from today's date and guess the day/month order, which this module must never do.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from incidentmap._coded import coded_text
from incidentmap.errors import InputFileError

__all__ = [
    "DATE_PRECISIONS",
    "EARLIEST_DATE",
    "Problems",
    "blank_mask",
    "clean_text",
    "parse_coordinates",
    "parse_counts",
    "parse_dates",
    "parse_numbers",
]

DATE_PRECISIONS = ("day", "week", "month", "year")
#: dates before this are refused (no incident data set starts earlier)
EARLIEST_DATE = pd.Timestamp("1900-01-01")
_BLANKS = {"", "na", "n/a", "nan", "none", "null", "nat", "#n/a"}
#: in a number column these also mean "not known" (GTD writes "Unknown" for fatalities)
_NUMBER_BLANKS = _BLANKS | {"unknown", "unk", "?", "-", "--", "n.a.", "not known"}
_SPACE = "\\s\u00a0\u1680\u2000-\u200b\u2028\u2029\u202f\u205f\u3000\ufeff\u200e\u200f"
_EDGE_SPACE = re.compile(f"^[{_SPACE}]+|[{_SPACE}]+$")

#: the characters trimmed from the ends of a value (Unicode spaces, zero-width, marks, BOM)
_TRIM = (
    "\t\n\x0b\x0c\r \x1c\x1d\x1e\x1f\x85\xa0\u1680"
    + "".join(chr(c) for c in range(0x2000, 0x200C))
    + "\u2028\u2029\u202f\u205f\u3000\ufeff\u200e\u200f"
)
_NUMERIC_TEXT = r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$"
_PLAIN_NUMBER = re.compile(_NUMERIC_TEXT, re.ASCII)


def _arrow_strings(values: pd.Series) -> Any:
    """Return the column as an Arrow string array if it holds only text (or blanks).

    Text columns read by incidentmap are Arrow-backed already; the vectorised paths
    below run on them in C. Mixed columns (numbers and dates from Excel) take the
    value-by-value path.
    """
    import pyarrow as pa

    if isinstance(values.dtype, pd.StringDtype):
        arr = pa.array(values.array)
        # a column read whole comes in Arrow's read blocks: one array for the paths below
        return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    if values.dtype != object:
        return None
    try:
        return pa.array(values.to_numpy(dtype=object), type=pa.large_string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None


def _clean_floats(arr: Any) -> np.ndarray | None:
    """Return the numbers of a text column whose every value is a plain finite number.

    One cast in C, no regular expression: the common case of coordinate, count and
    id columns. None when any value is blank, padded, not a number or not finite
    ("nan", "inf", 1e999): the careful paths decide those.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    if arr.null_count or not len(arr):
        return None
    # a failing cast costs as much as a whole pass: look at a few values first
    sample = arr.take(np.linspace(0, len(arr) - 1, num=min(len(arr), 16)).astype(np.int64))
    if not all(_PLAIN_NUMBER.match(v) for v in sample.to_pylist()):
        return None
    try:
        nums = pc.cast(arr, pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    out = np.array(nums.to_numpy(zero_copy_only=False), dtype=float)  # a writable copy
    return out if np.isfinite(out).all() else None


def _trimmed(arr: Any) -> Any:
    import pyarrow.compute as pc

    return pc.utf8_trim(arr, characters=_TRIM)


def _to_bool(arr: Any, fill: bool) -> np.ndarray:
    import pyarrow.compute as pc

    return np.array(pc.fill_null(arr, fill).to_numpy(zero_copy_only=False), dtype=bool)


_MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3,
    "april": 4, "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7,
    "august": 8, "aug": 8, "september": 9, "sept": 9, "sep": 9, "october": 10, "oct": 10,
    "november": 11, "nov": 11, "december": 12, "dec": 12,
}  # fmt: skip
_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))
_WEEKDAY_RE = re.compile(
    r"^(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|nesday|sday|urday)?\.?,?\s+"
)
_SEP = r"[\s\-/.,]"
_ORD = r"(?:st|nd|rd|th)?"
_TIME = r"(?:[ t]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:z|utc|[+-]\d{2}:?\d{2})?)?"
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


class Problems:
    """Collects unreadable values; raises on the first unless told to keep them.

    Parameters
    ----------
    path : str
        The file, for messages.
    rows : numpy.ndarray
        The 1-based data row of each position.
    on_bad : {"error", "keep"}
        ``"error"`` raises :class:`InputFileError` at the first report; ``"keep"``
        collects one note per row.
    decided : dict, optional
        What the values of a column decided (the day/month order of ``a/b/yyyy``
        dates, keyed ``("dayfirst", column)``). A file read in blocks shares one
        dict, so that the first block's decision holds for the rest of the file.
    """

    def __init__(
        self, path: str, rows: np.ndarray, on_bad: str, decided: dict[Any, Any] | None = None
    ) -> None:
        self.path = path
        self.rows = rows
        self.on_bad = on_bad
        self.notes: dict[int, list[str]] = {}
        self.decided: dict[Any, Any] = decided if decided is not None else {}

    def report(self, mask: np.ndarray, column: str, values: pd.Series, expected: str) -> None:
        """Report the positions in ``mask``: ``values`` at them were not ``expected``."""
        idx = np.flatnonzero(mask)
        if len(idx) == 0:
            return
        if self.on_bad == "error":
            i = idx[0]
            more = f" ({len(idx) - 1} more rows like it)" if len(idx) > 1 else ""
            msg = f"expected {expected}, got {_show(values.iloc[i])}{more}"
            raise InputFileError(self.path, msg, row=int(self.rows[i]), column=column)
        for i in idx:
            self.notes.setdefault(int(i), []).append(
                f"{column}: expected {expected}, got {_show(values.iloc[i])}"
            )

    def fail(self, position: int, column: str, message: str) -> None:
        """Raise at once, whatever ``on_bad`` says (a problem with the whole column)."""
        raise InputFileError(self.path, message, row=int(self.rows[position]), column=column)


def _show(value: Any) -> str:
    text = repr(value if not isinstance(value, (np.generic,)) else value.item())
    return text if len(text) <= 80 else text[:77] + "...'"


# ---------------------------------------------------------------------------------------------
# text


def clean_text(values: pd.Series, *, strip: bool = True) -> pd.Series:
    """Text of a column: blanks and placeholders ("NA", "null") become missing.

    Parameters
    ----------
    values : pandas.Series
    strip : bool, default True
        Strip surrounding whitespace (CR, LF, tabs, no-break and zero-width
        spaces) and fold inner runs of whitespace to one space, for names that
        are matched. False keeps the text as read (free text: notes, sources).

    Returns
    -------
    pandas.Series
        Text, missing where blank.
    """
    arr = _arrow_strings(values)
    if arr is not None:
        import pyarrow as pa
        import pyarrow.compute as pc

        trimmed = _trimmed(arr)  # once, for the blank test and the text
        blank = pa.array(_blank_trimmed(arr, trimmed, _BLANKS))
        text = arr
        if strip:
            text = pc.replace_substring_regex(trimmed, f"[{_TRIM}]+", " ")
        out = pc.if_else(blank, pa.scalar(None, text.type), text)
        return pd.Series(pd.array(out.to_pandas(), dtype="str"), index=values.index)
    blank = blank_mask(values)
    text = values.astype("object").map(_one_text if strip else _as_read)
    return text.where(~blank, None).astype("object")


def _as_read(v: Any) -> str | None:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return None
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return v if isinstance(v, str) else str(v)


def _one_text(v: Any) -> str | None:
    s = _as_read(v)
    if s is None:
        return None
    s = _EDGE_SPACE.sub("", s)
    return re.sub(f"[{_SPACE}]+", " ", s) or None


def blank_mask(values: pd.Series, *, numeric: bool = False) -> np.ndarray:
    """Return True where a value is missing or a placeholder for it ("", "NA", "null").

    With ``numeric``, words that say a number is not known ("Unknown", "?") count too.
    """
    words = _NUMBER_BLANKS if numeric else _BLANKS
    if _plain_numbers(values):  # a typed number column (Parquet, GeoPackage): NaN is blank
        return values.isna().to_numpy(dtype=bool)
    arr = _arrow_strings(values)
    if arr is not None:
        if _clean_floats(arr) is not None:  # all plain numbers: none is blank
            return np.zeros(len(arr), dtype=bool)
        return _blank_trimmed(arr, _trimmed(arr), words)
    obj = values.astype("object")
    isna = obj.isna().to_numpy(dtype=bool)
    codes, uniq = pd.factorize(
        obj.where(~isna, "").map(lambda v: v if isinstance(v, str) else "\x00value")
    )
    blank_u = np.array([_EDGE_SPACE.sub("", str(u)).lower() in words for u in uniq], dtype=bool)
    return isna | (blank_u[codes] if len(uniq) else np.zeros(len(obj), dtype=bool))


def _blank_trimmed(arr: Any, trimmed: Any, words: set[str]) -> np.ndarray:
    """Blank test on Arrow text and its trimmed copy: null, or a placeholder word."""
    import pyarrow as pa
    import pyarrow.compute as pc

    low = pc.utf8_lower(trimmed)
    hit = pc.is_in(low, value_set=pa.array(sorted(words), type=low.type))
    return _to_bool(pc.or_kleene(pc.is_null(arr), hit), True)


def _plain_numbers(values: pd.Series) -> bool:
    """Tell whether a column is typed as numbers (not booleans, which are not numbers here)."""
    dtype = values.dtype
    return pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)


def _fast_numbers(values: pd.Series, blank: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Plain decimal numbers read in C; returns (numbers, mask of values still to read)."""
    if _plain_numbers(values):  # typed already: nothing to read
        num = np.array(values.to_numpy(dtype=float, na_value=np.nan), dtype=float)
        return num, np.zeros(len(values), dtype=bool)
    arr = _arrow_strings(values)
    if arr is None:
        return None
    import pyarrow as pa
    import pyarrow.compute as pc

    clean = _clean_floats(arr)
    if clean is not None:  # every value a plain number: what the careful path gives
        return clean, np.zeros(len(values), dtype=bool)
    text = _trimmed(arr)
    plain = pc.match_substring_regex(text, _NUMERIC_TEXT)
    nums = pc.cast(pc.if_else(plain, text, pa.scalar(None, text.type)), pa.float64())
    num = np.array(nums.to_numpy(zero_copy_only=False), dtype=float)  # a writable copy
    rest = ~blank & ~_to_bool(plain, False)
    return num, rest


# ---------------------------------------------------------------------------------------------
# numbers

_THOUSANDS = re.compile(r"[+]?\d{1,3}(?:([,\u00a0\u202f ' ])\d{3})(?:\1\d{3})*(?:\.\d+)?")
_DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d+")


def _factorized(values: pd.Series, blank: np.ndarray) -> tuple[np.ndarray, list[str]]:
    obj = values.astype("object").where(~blank, "")
    codes, uniques = pd.factorize(obj.map(lambda v: v if isinstance(v, str) else _num_text(v)))
    return codes, [str(u) for u in uniques]


def _num_text(v: Any) -> str:
    if isinstance(v, (bool, np.bool_)):
        return "nan"  # a boolean is not a number here
    if isinstance(v, (int, float, np.integer, np.floating)):
        return repr(float(v))
    return str(v)


def _read_numbers(
    values: pd.Series, blank: np.ndarray, one: Callable[[str], float], *, whole: bool = False
) -> np.ndarray:
    """Numbers C reads (Arrow, or a typed column), then the rest by ``one`` per distinct text.

    With ``whole`` (counts), fractions C read become NaN, as ``one`` makes them.
    Blanks come out NaN.
    """
    fast = _fast_numbers(values, blank)
    if fast is not None:
        num, rest = fast
        if whole:
            num[np.isfinite(num) & (num != np.floor(num))] = np.nan
        if rest.any():
            sub = values[rest]
            codes, uniques = _factorized(sub, np.zeros(len(sub), dtype=bool))
            num[rest] = np.array([one(u) for u in uniques], dtype=float)[codes]
    else:
        codes, uniques = _factorized(values, blank)
        parsed = np.array([one(u) for u in uniques], dtype=float)
        num = parsed[codes] if len(uniques) else np.full(len(values), np.nan)
    return np.where(blank, np.nan, num)


def parse_numbers(
    values: pd.Series,
    column: str,
    problems: Problems,
    *,
    kind: str = "number",
    lo: float | None = None,
    hi: float | None = None,
    expected: str = "a number",
) -> np.ndarray:
    """Read numbers; blanks are NaN, unreadable or out-of-range values are reported.

    Parameters
    ----------
    values : pandas.Series
    column : str
        The column's name, for messages.
    problems : Problems
    kind : {"number", "count"}
        ``count`` also reads thousands separators ("1,000", "1 000") and refuses
        fractions other than ``.0``; ``number`` reads a decimal comma ("34,52")
        when the value has no point.
    lo, hi : float, optional
        Inclusive bounds.
    expected : str
        What the message says was expected.

    Returns
    -------
    numpy.ndarray of float
    """
    blank = blank_mask(values, numeric=True)
    # "1,000", "34,5": the few values C did not read; plain fractions are not counts
    num = _read_numbers(values, blank, lambda u: _one_number(u, kind), whole=kind == "count")
    bad = ~blank & ~np.isfinite(num)
    if lo is not None:
        bad |= np.isfinite(num) & (num < lo)
    if hi is not None:
        bad |= np.isfinite(num) & (num > hi)
    problems.report(bad, column, values, expected)
    num[bad] = np.nan
    return num


def _one_number(text: str, kind: str) -> float:
    t = _EDGE_SPACE.sub("", text)
    if not t:
        return np.nan
    try:
        v = float(t)
    except ValueError:
        v = np.nan
        m = _THOUSANDS.fullmatch(t)
        if m is not None:
            v = float(re.sub(r"[,\u00a0\u202f ' ]", "", t))
        elif kind == "number" and _DECIMAL_COMMA.fullmatch(t):
            v = float(t.replace(",", "."))
    if kind == "count" and np.isfinite(v) and v != np.floor(v):
        return np.nan
    return v if np.isfinite(v) else np.nan


def parse_counts(
    values: pd.Series, column: str, problems: Problems, *, hi: float = 1_000_000
) -> np.ndarray:
    """Read counts of people (killed, wounded): whole numbers from 0 to ``hi``."""
    return parse_numbers(
        values,
        column,
        problems,
        kind="count",
        lo=0,
        hi=hi,
        expected=f"a whole number from 0 to {hi:,.0f} (e.g. 3 or 1,000)",
    )


_DMS = re.compile(
    r"(?P<h1>[NSEW])?\s*(?P<d>\d+(?:[.,]\d+)?)\s*(?:°|º|d|\s)\s*"
    r"(?:(?P<m>\d+(?:[.,]\d+)?)\s*(?:'|′|m|\s)\s*)?"
    r"(?:(?P<s>\d+(?:[.,]\d+)?)\s*(?:\"|″|''|s)?\s*)?(?P<h2>[NSEW])?",
    re.IGNORECASE,
)
_HEMI = re.compile(r"(?P<h1>[NSEW])?\s*(?P<v>[+-]?\d+(?:[.,]\d+)?)\s*°?\s*(?P<h2>[NSEW])?", re.I)


def _one_coordinate(text: str, axis: str) -> float:
    t = _EDGE_SPACE.sub("", text)
    try:
        return float(t)
    except ValueError:
        pass
    for pattern in (_HEMI, _DMS):
        m = pattern.fullmatch(t)
        if m is None:
            continue
        h1, h2 = m.group("h1"), m.group("h2")
        if h1 and h2:
            return np.nan
        hemi = (h1 or h2 or "").upper()
        if hemi and ((axis == "lat") != (hemi in "NS")):
            return np.nan  # "70E" given as a latitude
        if pattern is _HEMI:
            v = float(m.group("v").replace(",", "."))
        else:
            parts = [m.group("d"), m.group("m"), m.group("s")]
            d, mi, s = (float(p.replace(",", ".")) if p else 0.0 for p in parts)
            if mi >= 60 or s >= 60:
                return np.nan
            v = d + mi / 60 + s / 3600
        return -abs(v) if hemi in ("S", "W") else v
    return np.nan


def parse_coordinates(
    values: pd.Series, column: str, problems: Problems, axis: str
) -> tuple[np.ndarray, np.ndarray]:
    """Read latitudes or longitudes in decimal degrees (also "34,52", "34.5N", DMS).

    Returns
    -------
    tuple of numpy.ndarray
        The values (NaN where blank or unreadable), and the mask of values that
        were given but are not a coordinate (not reported yet: the caller
        decides whether the whole column is a coordinate column at all).
    """
    blank = blank_mask(values, numeric=True)
    # "34,52", "34.5N", degrees-minutes-seconds: read one distinct value at a time
    num = _read_numbers(values, blank, lambda u: _one_coordinate(u, axis))
    limit = 90.0 if axis == "lat" else 180.0
    bad = ~blank & (~np.isfinite(num) | (np.abs(num) > limit))
    num[bad] = np.nan
    return num, bad


# ---------------------------------------------------------------------------------------------
# dates


def _two_digit_year(y: int) -> int:
    pivot = _dt.date.today().year % 100
    return y if y >= 100 else (2000 + y if y <= pivot else 1900 + y)


def _one_date(text: str) -> tuple[int, int, int, str] | str | None:
    """Return (year, month, day, precision), "numeric" for a/b/yyyy, or None."""
    t = _EDGE_SPACE.sub("", text).lower()
    t = _WEEKDAY_RE.sub("", t)
    for pattern, order in _FORMS:
        m = pattern.fullmatch(t)
        if m is None:
            continue
        g = m.groups()
        if order == "y_m_d":
            y, mo, d = int(g[0]), int(g[2]), int(g[3])
        elif order == "ymd":
            y, mo, d = int(g[0]), int(g[1]), int(g[2])
        elif order == "ym":
            y, mo, d = int(g[0]), int(g[1]), 0
        elif order == "y":
            y, mo, d = int(g[0]), 0, 0
        elif order == "dny":
            y, mo, d = (
                _two_digit_year(int(g[2])) if len(g[2]) == 2 else int(g[2]),
                _MONTHS[g[1]],
                int(g[0]),
            )
        elif order == "ndy":
            y, mo, d = int(g[2]), _MONTHS[g[0]], int(g[1])
        elif order == "ynd":
            y, mo, d = int(g[0]), _MONTHS[g[1]], int(g[2])
        elif order == "ny":
            y, mo, d = int(g[1]), _MONTHS[g[0]], 0
        else:  # "yn"
            y, mo, d = int(g[0]), _MONTHS[g[1]], 0
        if mo > 12 or d > 31:
            return None
        if mo == 0:
            return (y, 0, 0, "year") if d == 0 else None
        return (y, mo, d, "month" if d == 0 else "day")
    if _NUMERIC_DATE.fullmatch(t):
        return "numeric"
    return None


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
        None the column's values must decide it (a first part above 12 means
        day first, a second part above 12 month first); otherwise it is an error.
    day_one : date, optional
        The column holds day numbers, day 1 being this date.
    latest : Timestamp, optional
        The last date allowed (default: tomorrow, so that a date given in a
        time zone ahead of the machine's still passes).
    arrow : bool, default False
        Give a column of plain days its precision as Arrow text (for file writers).

    Returns
    -------
    tuple of pandas.Series
        ``datetime64[ns]`` dates (midnight; NaT where missing or unreadable) and
        their precision (``day``, ``month``, ``year``; None where missing).
    """
    n = len(values)
    today = pd.Timestamp(_dt.date.today())
    latest = latest if latest is not None else today + pd.Timedelta(days=1)
    if day_one is None:
        fast = _iso_column(values, latest, arrow=arrow)
        if fast is not None:
            return fast
    blank = blank_mask(values)
    ymd = np.zeros((n, 3), dtype=np.int64)
    prec = np.full(n, None, dtype=object)
    todo = ~blank
    arr = _arrow_strings(values)
    if arr is not None:
        # text: each distinct value is read once (a million rows hold a few thousand dates)
        rest_idx = np.flatnonzero(todo)
        rest_text = values.iloc[rest_idx]
    else:
        obj = values.astype("object")
        # date and datetime cells (Excel, Parquet, GeoPackage)
        if pd.api.types.is_datetime64_any_dtype(values):
            is_dt = todo.copy()
        else:
            is_dt = todo & obj.map(lambda v: isinstance(v, (_dt.date, np.datetime64))).to_numpy(
                bool
            )
        if is_dt.any() and pd.api.types.is_datetime64_any_dtype(values):
            stamps = pd.Series(values[is_dt])  # typed dates: no value-by-value conversion
            if getattr(stamps.dt, "tz", None) is not None:
                stamps = stamps.dt.tz_localize(None)
        elif is_dt.any():
            stamps = pd.to_datetime(obj[is_dt].map(_as_timestamp), errors="coerce")
        if is_dt.any():
            ymd[is_dt, 0] = stamps.dt.year.fillna(0).to_numpy(dtype=np.int64)
            ymd[is_dt, 1] = stamps.dt.month.fillna(0).to_numpy(dtype=np.int64)
            ymd[is_dt, 2] = stamps.dt.day.fillna(0).to_numpy(dtype=np.int64)
            prec[is_dt] = "day"
            todo &= ~is_dt
        rest_idx = np.flatnonzero(todo)
        rest_text = obj.iloc[rest_idx].map(lambda v: v if isinstance(v, str) else _num_text(v))
    codes, uniq = pd.factorize(rest_text.reset_index(drop=True))
    uniques = [str(u) for u in uniq]
    u_ymd = np.zeros((len(uniques), 3), dtype=np.int64)
    u_prec = np.full(len(uniques), None, dtype=object)
    if day_one is not None:
        origin = pd.Timestamp(day_one)
        nums = np.array([_day_number(u) for u in uniques], dtype=float)
        good = np.isfinite(nums)
        stamps = origin + pd.to_timedelta(np.where(good, nums - 1, 0), unit="D")
        u_ymd[good] = np.column_stack([stamps.year, stamps.month, stamps.day])[good]
        u_prec[good] = "day"
    else:
        iso = _iso_days(uniques)  # plain YYYY-MM-DD in C, the other forms one by one
        parsed: list[Any] = [None] * len(uniques)
        for i, u in enumerate(uniques):
            if iso[i] is not None:
                u_ymd[i] = iso[i]
                u_prec[i] = "day"
            else:
                parsed[i] = _one_date(u)
                if isinstance(parsed[i], tuple):
                    u_ymd[i] = parsed[i][:3]
                    u_prec[i] = parsed[i][3]
        numeric = np.array([p == "numeric" for p in parsed], dtype=bool)
        if numeric.any():
            sub_todo = np.ones(len(codes), dtype=bool)
            _numeric_dates(uniques, numeric, u_ymd, u_prec, dayfirst, problems, column,
                           values.iloc[rest_idx].reset_index(drop=True), sub_todo, codes,
                           rows=rest_idx)  # fmt: skip
        for i, u in enumerate(uniques):
            if u_prec[i] is None and _SERIAL.fullmatch(u):
                stamp = pd.Timestamp("1899-12-30") + pd.Timedelta(days=int(float(u)))
                u_ymd[i] = (stamp.year, stamp.month, stamp.day)
                u_prec[i] = "day"
    if len(uniques):
        got = u_prec[codes] != None  # noqa: E711 (elementwise)
        sel = rest_idx[got]
        ymd[sel] = u_ymd[codes[got]]
        prec[sel] = u_prec[codes[got]]
        todo[sel] = False
    problems.report(todo, column, values, "a date (e.g. 2023-03-09, 9 March 2023, 2023-03)")
    return _build_dates(ymd, prec, values, column, problems, latest)


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
    import pyarrow as pa

    arr = _arrow_strings(values)
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
    t = _EDGE_SPACE.sub("", text)
    return float(t) if _DAYNUM.fullmatch(t) else np.nan


def _numeric_dates(
    uniques: list[str],
    numeric: np.ndarray,
    u_ymd: np.ndarray,
    u_prec: np.ndarray,
    dayfirst: bool | None,
    problems: Problems,
    column: str,
    values: pd.Series,
    todo: np.ndarray,
    codes: np.ndarray,
    rows: np.ndarray | None = None,
) -> None:
    """a/b/yyyy dates: the order comes from the values or from ``dayfirst``, never a guess."""
    idx = np.flatnonzero(numeric)
    parts = [_NUMERIC_DATE.fullmatch(_EDGE_SPACE.sub("", uniques[i]).lower()) for i in idx]
    firsts = [int(m.group(1)) for m in parts if m]
    seconds = [int(m.group(3)) for m in parts if m]
    first_big = any(v > 12 for v in firsts)
    second_big = any(v > 12 for v in seconds)
    order = dayfirst
    earlier = problems.decided.get(("dayfirst", column))
    if earlier is not None:  # an earlier block of the file decided: a/b dates that
        order = earlier  # contradict it come out as impossible dates, reported by row
    elif first_big and not second_big:
        order = True
    elif second_big and not first_big:
        order = False
    if order is not None:
        problems.decided[("dayfirst", column)] = order
    if order is None:
        pos = int(np.flatnonzero(todo & np.isin(codes, idx))[0])
        problems.fail(
            int(rows[pos]) if rows is not None else pos,
            column,
            "an unambiguous date (day and month order unknown: give dayfirst / --dayfirst "
            f"or --monthfirst), got {_show(values.iloc[pos])}",
        )
    for i, m in zip(idx, parts, strict=True):
        assert m is not None
        a, b, yy = int(m.group(1)), int(m.group(3)), m.group(4)
        year = _two_digit_year(int(yy)) if len(yy) == 2 else int(yy)
        day, month = (a, b) if order else (b, a)
        u_ymd[i] = (year, month, day)
        u_prec[i] = "day"


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
            n.replace(f"got {_show(text.iloc[i])}", f"got {_show(frame[dc].iloc[i])}")
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


Reader = Callable[[pd.Series, str, Problems], Any]
