"""Numbers in incident files: counts (tolls) and coordinates, read value by value or in one pass.

Counts accept thousands separators only in the file's own convention; coordinates accept
decimal degrees, degrees-minutes-seconds and hemisphere letters. A value that cannot be
read is reported by :class:`~incidentmap.io.values.Problems` with its row and column.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from incidentmap.io.values import (
    EDGE_SPACE,
    Problems,
    blank_mask,
    fast_numbers,
    plain_numbers,
    text_hits,
)
from incidentmap.options import DECIMAL_MARKS

__all__ = [
    "DECIMAL_MARKS",
    "decimal_mark",
    "has_undecided_counts",
    "parse_coordinates",
    "parse_counts",
    "parse_numbers",
    "reads_other_way",
]

#: how a file writes one and a half: ``point`` (1.5, thousands 1,000) or ``comma`` (1,5 and 1.000)

_S = r"^\s*[+-]?"
#: values that say which mark a file uses: in coordinates any fraction does; in counts only a
#: fraction that cannot be a group of thousands ("2,5", "1.5", "1.000.000", "1.000,5")
_MARK_EVIDENCE = {
    # coordinates: any fraction says which mark (a plain search: "34.53", "34,53", "34.5N")
    "coordinate": {"point": ".", "comma": ","},
    "count": {
        "point": _S
        + r"(?:\d+\.(?:\d{1,2}|\d{4,})|\d{1,3}(?:,\d{3}){2,}|\d{1,3}(?:,\d{3})+\.\d+)\s*$",
        "comma": _S
        + r"(?:\d+,(?:\d{1,2}|\d{4,})|\d{1,3}(?:\.\d{3}){2,}|\d{1,3}(?:\.\d{3})+,\d+)\s*$",
    },
}
#: a count that is a thousand in one convention and one in the other
_AMBIGUOUS = r"^\s*\+?[1-9]\d{0,2}(?:\.\d{3})+\s*$"
#: per mark, a count that mark reads as a fraction of three digits, the other as thousands
#: ("1,000" is one with decimal commas): tolls alone cannot decide a file that holds one
_OTHER_GROUPS = {
    "comma": r"^\s*\+?[1-9]\d{0,2}(?:,\d{3})+\s*$",
    "point": r"^\s*\+?[1-9]\d{0,2}(?:\.\d{3})+\s*$",
}
_COMMA_NUMBER = re.compile(r"[+]?(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?")


def decimal_mark(coordinates: list[pd.Series], counts: list[pd.Series]) -> str | None:
    """Return the decimal mark a file's values show, coordinates first; None if they do not say.

    Parameters
    ----------
    coordinates, counts : list of pandas.Series
        The file's coordinate and count columns as read (text, or typed numbers that
        say nothing).

    Returns
    -------
    {"point", "comma"} or None
        None when the values show neither mark, or both; or when only the tolls show one
        and a toll reads as thousands in the other ("2,5" and "1,000": one with decimal
        commas, a thousand with points; such a file is refused until told).
    """
    for columns, kind in ((coordinates, "coordinate"), (counts, "count")):
        seen = {
            m
            for m in DECIMAL_MARKS
            if any(
                text_hits(c, _MARK_EVIDENCE[kind][m], regex=kind == "count") is not None
                for c in columns
            )
        }
        if len(seen) == 1:
            mark = seen.pop()
            if kind == "count" and reads_other_way(columns, mark):
                return None
            return mark
        if seen:
            return None  # both marks: nothing decides a value like "1.000"
    return None


def reads_other_way(counts: list[pd.Series], mark: str) -> bool:
    """Say whether a count reads as thousands in the convention ``mark`` is not (``1,000``)."""
    return any(text_hits(c, _OTHER_GROUPS[mark], regex=True) is not None for c in counts)


def has_undecided_counts(counts: list[pd.Series]) -> bool:
    """Say whether a count reads two ways until the decimal mark is known (``1.000``)."""
    return any(text_hits(c, _AMBIGUOUS, regex=True) is not None for c in counts)


_THOUSANDS = re.compile(r"[+]?\d{1,3}(?:([,\u00a0\u202f ' ])\d{3})(?:\1\d{3})*(?:\.\d+)?")


_DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d+")


def _factorized(values: pd.Series, blank: np.ndarray) -> tuple[np.ndarray, list[str]]:
    obj = values.astype("object").where(~blank, "")
    codes, uniques = pd.factorize(obj.map(lambda v: v if isinstance(v, str) else number_text(v)))
    return codes, [str(u) for u in uniques]


def number_text(v: Any) -> str:
    if isinstance(v, (bool, np.bool_)):
        return "nan"  # a boolean is not a number here
    if isinstance(v, (int, float, np.integer, np.floating)):
        return repr(float(v))
    return str(v)


def read_numbers(
    values: pd.Series, blank: np.ndarray, one: Callable[[str], float], *, fast_path: bool = True
) -> np.ndarray:
    """Numbers C reads (Arrow, or a typed column), then the rest by ``one`` per distinct text.

    Blanks come out NaN. ``fast_path=False`` sends every text through ``one`` (a file
    with decimal commas, where C would read "1.000" as one).
    """
    fast = fast_numbers(values, blank) if fast_path or plain_numbers(values) else None
    if fast is not None:
        num, rest = fast
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
    mark: str | None = "point",
) -> np.ndarray:
    """Read numbers; blanks are NaN, unreadable or out-of-range values are reported.

    Parameters
    ----------
    values : pandas.Series
    column : str
        The column's name, for messages.
    problems : Problems
    kind : {"number", "count"}
        ``count`` also reads thousands separators ("1,000", "1 000") and keeps
        fractions (GTD divides a toll among the events of one attack: 1.5, 2.83);
        a word (no digit: ``'Private Citizens & Property'``) is kept as unknown
        through :meth:`Problems.keep`. ``number`` reads a decimal comma ("34,52")
        when the value has no point.
    lo, hi : float, optional
        Inclusive bounds.
    expected : str
        What the message says was expected.
    mark : {"point", "comma"} or None, default "point"
        The file's decimal mark (:func:`decimal_mark`). With ``comma`` a count
        "1.000" is a thousand and "2,5" two and a half (a point fraction is refused);
        with None (the file does not say) a count like "1.000" is refused: it is a
        thousand or one, and nothing tells which.

    Returns
    -------
    numpy.ndarray of float
    """
    blank = blank_mask(values, numeric=True)
    if kind == "count" and mark == "comma":
        num = read_numbers(values, blank, _comma_count, fast_path=False)
    else:
        # "1,000", "34,5": the few values C did not read; plain fractions are not counts
        num = read_numbers(values, blank, lambda u: _one_number(u, kind))
    if kind == "count" and mark is None:
        _refuse_ambiguous(values, blank, column, problems, num)
    bad = ~blank & ~np.isfinite(num)
    if lo is not None:
        bad |= np.isfinite(num) & (num < lo)
    if hi is not None:
        bad |= np.isfinite(num) & (num > hi)
    if kind == "count" and bad.any():
        # a word is not a toll: kept as unknown with a note, never a zero, never fatal
        words = bad & ~values.astype(str).str.contains(r"\d", regex=True).to_numpy()
        problems.keep(words, column, values, "is not a number of people: taken as unknown")
        bad &= ~words
    problems.report(bad, column, values, expected)
    num[bad | ~np.isfinite(num)] = np.nan
    return num


def _comma_count(text: str) -> float:
    """Read a count written with decimal commas: "1.000" a thousand, "2,5" two and a half."""
    t = EDGE_SPACE.sub("", text)
    if not _COMMA_NUMBER.fullmatch(t):
        return np.nan
    return float(t.replace(".", "").replace(",", "."))


def _refuse_ambiguous(
    values: pd.Series, blank: np.ndarray, column: str, problems: Problems, num: np.ndarray
) -> None:
    """Report counts like "1.000" in a file whose values show no decimal mark (kept unknown)."""
    hits = text_hits(values, _AMBIGUOUS, regex=True)
    if hits is None:
        return
    mask = hits & ~blank
    problems.report(
        mask,
        column,
        values,
        "a number of people whose decimal mark is known (a thousand with decimal commas, "
        "one with points; the file's coordinates and tolls do not say which: "
        "`decimal` comma or `decimal` point)",
    )
    num[mask] = np.nan


def _one_number(text: str, kind: str) -> float:
    t = EDGE_SPACE.sub("", text)
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
    return v if np.isfinite(v) else np.nan


#: the values codebooks write for an unknown count (GTD: -99; also -9 and -999)
UNKNOWN_CODES = (-99, -9, -999)
#: what :meth:`Problems.keep` says such values are
UNKNOWN_CODE = "a code for an unknown count"


def parse_counts(
    values: pd.Series,
    column: str,
    problems: Problems,
    *,
    hi: float = 1_000_000,
    mark: str | None = "point",
) -> np.ndarray:
    """Read counts of people (killed, wounded): numbers from 0 to ``hi``, fractions kept.

    GTD's codebook divides the toll of a multi-part attack among its events, so 1.5
    and 2.83 are real values; a word is an unknown toll; ``mark`` is the file's
    decimal mark (see :func:`parse_numbers`). The codebooks' codes for an unknown count
    (GTD's -99, also -9 and -999: :data:`UNKNOWN_CODES`) are unknown, said, never refused.
    """
    coded = pd.to_numeric(values, errors="coerce").isin(UNKNOWN_CODES).to_numpy(dtype=bool)
    if coded.any():
        problems.keep(coded, column, values, "codes an unknown count", what=UNKNOWN_CODE)
        values = values.where(~coded, None)
    return parse_numbers(
        values,
        column,
        problems,
        kind="count",
        lo=0,
        hi=hi,
        expected=f"a number of people from 0 to {hi:,.0f} "
        + (
            "(e.g. 3, 1,5 or 1.000: the file writes decimal commas)"
            if mark == "comma"
            else "(e.g. 3, 1.5 or 1,000)"
            if mark == "point"
            else "(e.g. 3, 1.5 or 1,000; the file's decimal mark is not known: `decimal` comma "
            "reads 2,5 as two and a half)"
        ),
        mark=mark,
    )


_DMS = re.compile(
    r"(?P<h1>[NSEW])?\s*(?P<d>\d+(?:[.,]\d+)?)\s*(?:°|º|d|\s)\s*"
    r"(?:(?P<m>\d+(?:[.,]\d+)?)\s*(?:'|′|m|\s)?\s*)?"  # 34°26N: 26 minutes, not seconds
    r"(?:(?P<s>\d+(?:[.,]\d+)?)\s*(?:\"|″|''|s)?\s*)?(?P<h2>[NSEW])?",
    re.IGNORECASE,
)


_HEMI = re.compile(r"(?P<h1>[NSEW])?\s*(?P<v>[+-]?\d+(?:[.,]\d+)?)\s*°?\s*(?P<h2>[NSEW])?", re.I)


def _one_coordinate(text: str, axis: str) -> float:
    t = EDGE_SPACE.sub("", text)
    try:
        return float(t)
    except ValueError:
        pass
    for pattern in (_HEMI, _DMS):
        m = pattern.fullmatch(t)
        if m is not None:
            return _signed_coordinate(m, axis, dms=pattern is _DMS)
    return np.nan


def _signed_coordinate(m: re.Match[str], axis: str, *, dms: bool) -> float:
    """Return the value of a hemisphere or degrees-minutes-seconds match, NaN if impossible."""
    h1, h2 = m.group("h1"), m.group("h2")
    if h1 and h2:
        return np.nan
    hemi = (h1 or h2 or "").upper()
    if hemi and ((axis == "lat") != (hemi in "NS")):
        return np.nan  # "70E" given as a latitude
    v = _dms_value(m) if dms else float(m.group("v").replace(",", "."))
    return -abs(v) if hemi in ("S", "W") else v


def _dms_value(m: re.Match[str]) -> float:
    """Return degrees from a degrees-minutes-seconds match (NaN for 60 minutes or more)."""
    parts = [m.group("d"), m.group("m"), m.group("s")]
    d, mi, s = (float(p.replace(",", ".")) if p else 0.0 for p in parts)
    if mi >= 60 or s >= 60:
        return np.nan
    return d + mi / 60 + s / 3600


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
    num = read_numbers(values, blank, lambda u: _one_coordinate(u, axis))
    limit = 90.0 if axis == "lat" else 180.0
    bad = ~blank & (~np.isfinite(num) | (np.abs(num) > limit))
    num[bad] = np.nan
    return num, bad
