"""Read values: what every reader shares — blanks, text, plain numbers, and the problems found.

Each reader takes a column of raw values and returns parsed values plus a mask
of values that could not be read; :class:`Problems` turns those into one error
naming the file, row and column (or, when asked, into a note on each row). The
readers themselves are :mod:`incidentmap.io.dates` (dates, by their written form,
never guessed) and :mod:`incidentmap.io.numbers` (counts and coordinates).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from incidentmap.errors import InputFileError
from incidentmap.io.words import is_note_text

__all__ = [
    "DATE_PRECISIONS",
    "EARLIEST_DATE",
    "Kept",
    "NotInBlocks",
    "Problems",
    "blank_mask",
    "clean_text",
]


class NotInBlocks(Exception):
    """A file that looked right for block reading turned out not to be (read it whole).

    Raised by the readers of blocks and of values (a first block that cannot tell a date
    column's day order); :mod:`incidentmap.io.table_blocks` gives it to its callers.
    """


DATE_PRECISIONS = ("day", "week", "month", "year")
#: dates before this are refused (no incident data set starts earlier)
EARLIEST_DATE = pd.Timestamp("1900-01-01")
_BLANKS = {"", "na", "n/a", "nan", "none", "null", "nat", "#n/a"}
#: in a number column these also mean "not known" (GTD writes "Unknown" for fatalities)
_NUMBER_BLANKS = _BLANKS | {"unknown", "unk", "?", "-", "--", "n.a.", "not known"}
#: in a date column these also mean "not known" (codebooks write "Unknown", "n.d." for no
#: date): the row is undated, as with a blank, never a bad value. Text columns keep them
#: (GTD's perpetrator "Unknown" is a value)
_DATE_BLANKS = _NUMBER_BLANKS | {"n.d.", "n.d", "no date", "undated", "date unknown"}
_SPACE = "\\s\u00a0\u1680\u2000-\u200b\u2028\u2029\u202f\u205f\u3000\ufeff\u200e\u200f"
EDGE_SPACE = re.compile(f"^[{_SPACE}]+|[{_SPACE}]+$")

#: the characters trimmed from the ends of a value (Unicode spaces, zero-width, marks, BOM)
_TRIM = (
    "\t\n\x0b\x0c\r \x1c\x1d\x1e\x1f\x85\xa0\u1680"
    + "".join(chr(c) for c in range(0x2000, 0x200C))
    + "\u2028\u2029\u202f\u205f\u3000\ufeff\u200e\u200f"
)
_NUMERIC_TEXT = r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$"
_PLAIN_NUMBER = re.compile(_NUMERIC_TEXT, re.ASCII)


def arrow_strings(values: pd.Series) -> Any:
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


#: words kept as unknown values in one column: (count, first row, the first word, what the
#: column holds: "numbers" or "dates")
Kept = tuple[int, int, str, str]


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
        #: column -> (count, first row, first value, what the column holds) of values kept as
        #: unknown (:meth:`keep`)
        self.kept: dict[str, Kept] = {}
        #: the table's first column, where a note line under the table writes its words
        self.first: str | None = None

    def report(self, mask: np.ndarray, column: str, values: pd.Series, expected: str) -> None:
        """Report the positions in ``mask``: ``values`` at them were not ``expected``."""
        idx = np.flatnonzero(mask)
        if len(idx) == 0:
            return
        if self.on_bad == "error":
            i = idx[0]
            notes = self._notes_after(idx, values) if column == self.first else None
            if notes:  # keeping them (the usual hint) would make notes incidents
                raise InputFileError(self.path, notes, row=int(self.rows[i]), keepable=False)
            more = f" ({len(idx) - 1} more rows like it)" if len(idx) > 1 else ""
            msg = f"expected {expected}, got {show_value(values.iloc[i])}{more}"
            raise InputFileError(self.path, msg, row=int(self.rows[i]), column=column)
        for i in idx:
            self.notes.setdefault(int(i), []).append(
                f"{column}: expected {expected}, got {show_value(values.iloc[i])}"
            )

    def _notes_after(self, idx: np.ndarray, values: pd.Series) -> str | None:
        """Say so when the values refused are the table's last rows and read as notes.

        A note of the table's full width (``Source: ACLED, accessed 2026-03-24, CC BY, v2``
        under a table of four columns) is a row to the CSV reader; refused as a bad date, it
        was given the hint that keeps bad rows, which would make it an incident.
        """
        n, k = len(self.rows), len(idx)
        at_end = k < n and (idx == np.arange(n - k, n)).all()  # with a row of the table above
        if self.decided.get("in_blocks") or k > 10 or not at_end:
            return None
        if not all(is_note_text(values.iloc[i]) for i in idx):
            return None
        said = "; ".join(show_value(values.iloc[i]) for i in idx[:3])
        which = "the last row looks like a note" if k == 1 else f"the last {k} rows look like notes"
        return (
            f"{which} after the table, not an incident ({said}): delete it (or save the table "
            "alone) and read again"
        )

    def keep(
        self, mask: np.ndarray, column: str, values: pd.Series, why: str, what: str = "numbers"
    ) -> None:
        """Keep the positions in ``mask`` as unknown values, whatever ``on_bad`` says.

        For values that plainly are not of the column's kind (a word in a toll column:
        ``'Private Citizens & Property'`` in a GTD export whose cells shifted): the row
        is kept, the value is unknown, ``why`` goes to the row's note and
        :attr:`kept` counts them for one line to the user; ``what`` names what the column
        holds instead ("numbers", "dates").
        """
        idx = np.flatnonzero(mask)
        if len(idx) == 0:
            return
        for i in idx:
            self.notes.setdefault(int(i), []).append(
                f"{column}: {show_value(values.iloc[i])} {why}"
            )
        before = self.kept.get(column)
        first = (int(self.rows[idx[0]]), show_value(values.iloc[idx[0]]))
        count = len(idx) + (before[0] if before else 0)
        self.kept[column] = (count, *(before[1:] if before else (*first, what)))

    def fail(self, position: int, column: str, message: str) -> None:
        """Raise at once, whatever ``on_bad`` says (a problem with the whole column)."""
        raise InputFileError(self.path, message, row=int(self.rows[position]), column=column)


def text_hits(values: pd.Series, pattern: str, *, regex: bool = False) -> np.ndarray | None:
    """Return where a column's text holds ``pattern``; None when no value does (or no text).

    One scan in C over Arrow's buffers as they are (no copy of a column read in chunks);
    the mask is built only when something matched.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(values.dtype, pd.StringDtype):
        arr = pa.array(values.array)  # chunked as read: scanned in place
    else:
        arr = arrow_strings(values)
        if arr is None:
            return None  # typed numbers or mixed values: no text to scan
    if not regex and not _in_buffers(arr, pattern.encode("utf-8")):
        return None  # the bytes are nowhere in the column: no value to look at one by one
    hits = (pc.match_substring_regex if regex else pc.match_substring)(arr, pattern)
    if not pc.any(hits).as_py():
        return None
    return _to_bool(hits, False)


def _in_buffers(arr: Any, needle: bytes) -> bool:
    """Tell whether ``needle`` may occur in a string array's data (a byte search, no parsing)."""
    chunks = getattr(arr, "chunks", [arr])
    for chunk in chunks:
        data = chunk.buffers()[2] if chunk.type.num_buffers > 2 else None
        if data is not None and needle in data.to_pybytes():  # memchr over one copy
            return True
    return False


def refuse_nul(frame: pd.DataFrame, problems: Problems) -> None:
    """Report text values holding a NUL character (U+0000), column by column.

    Most formats end a text at a NUL (GeoPackage, shapefile, GDAL's drivers), so a
    value written on would come out cut. Kept (``on_bad="keep"``), the NUL becomes
    U+FFFD, the replacement character, and the row's note says so.
    """
    for c in frame.columns:
        mask = text_hits(frame[c], "\x00")
        if mask is not None:
            problems.report(mask, str(c), frame[c], "text without a NUL character (U+0000)")
            frame[c] = frame[c].where(~mask, frame[c].astype(str).str.replace("\x00", "\ufffd"))


def show_value(value: Any) -> str:
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
    arr = arrow_strings(values)
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
    s = EDGE_SPACE.sub("", s)
    return re.sub(f"[{_SPACE}]+", " ", s) or None


def blank_mask(values: pd.Series, *, numeric: bool = False, date: bool = False) -> np.ndarray:
    """Return True where a value is missing or a placeholder for it ("", "NA", "null").

    With ``numeric``, words that say a number is not known ("Unknown", "?") count too;
    with ``date``, those and the words that say a date is not known ("n.d.", "no date").
    """
    words = _DATE_BLANKS if date else _NUMBER_BLANKS if numeric else _BLANKS
    if plain_numbers(values):  # a typed number column (Parquet, GeoPackage): NaN is blank
        return values.isna().to_numpy(dtype=bool)
    arr = arrow_strings(values)
    if arr is not None:
        if _clean_floats(arr) is not None:  # all plain numbers: none is blank
            return np.zeros(len(arr), dtype=bool)
        return _blank_trimmed(arr, _trimmed(arr), words)
    obj = values.astype("object")
    isna = obj.isna().to_numpy(dtype=bool)
    codes, uniq = pd.factorize(
        obj.where(~isna, "").map(lambda v: v if isinstance(v, str) else "\x00value")
    )
    blank_u = np.array([EDGE_SPACE.sub("", str(u)).lower() in words for u in uniq], dtype=bool)
    return isna | (blank_u[codes] if len(uniq) else np.zeros(len(obj), dtype=bool))


def _blank_trimmed(arr: Any, trimmed: Any, words: set[str]) -> np.ndarray:
    """Blank test on Arrow text and its trimmed copy: null, or a placeholder word."""
    import pyarrow as pa
    import pyarrow.compute as pc

    low = pc.utf8_lower(trimmed)
    hit = pc.is_in(low, value_set=pa.array(sorted(words), type=low.type))
    return _to_bool(pc.or_kleene(pc.is_null(arr), hit), True)


def plain_numbers(values: pd.Series) -> bool:
    """Tell whether a column is typed as numbers (not booleans, which are not numbers here)."""
    dtype = values.dtype
    return pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)


def fast_numbers(values: pd.Series, blank: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Plain decimal numbers read in C; returns (numbers, mask of values still to read)."""
    if plain_numbers(values):  # typed already: nothing to read
        num = np.array(values.to_numpy(dtype=float, na_value=np.nan), dtype=float)
        return num, np.zeros(len(values), dtype=bool)
    arr = arrow_strings(values)
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


# ---------------------------------------------------------------------------------------------
# dates


Reader = Callable[[pd.Series, str, Problems], Any]
