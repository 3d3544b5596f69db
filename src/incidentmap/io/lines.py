"""Rows of CSV text as the file writes them: its line ends, and rows of the header's width.

Two parsers read CSV here (Arrow's and pandas'), and both take a carriage return
anywhere as the end of a line and pad a short row with blanks. What the file says
is kept instead:

* in a file whose lines end with LF (or CR LF), a CR not followed by LF is a
  character of a value, not a line end (:func:`protect_lone_cr`);
* every row has the header's number of fields; a row cut short, or longer, is
  refused with its row number; one empty field more on every row is a delimiter
  at the end of the line (:func:`check_fields`), never an index column.
"""

from __future__ import annotations

import csv
import io
import mmap
import re

import pandas as pd

from incidentmap.errors import InputFileError

__all__ = [
    "check_fields", "cut_footer", "fields_note", "has_lone_cr", "protect_lone_cr",
    "restore_lone_cr",
]  # fmt: skip

_LONE_CR = re.compile(rb"\r(?!\n)")
#: the most lines after the table taken for a note (``Source: ...``, ``Note: ...``)
FOOTER_LINES = 5
#: a note's first cell: a word, then a space or a colon and more (not an id, a number, a date)
_NOTE = re.compile(r"^\s*[^\W\d_][^\W\d_'.-]*[:.]?\s+\S")
#: stand-ins for a lone CR while a parser reads the file (one not in the file is used)
_STAND_INS = (b"\x1f", b"\x1e", b"\x1d", b"\x1c")


def has_lone_cr(data: bytes | mmap.mmap) -> bool:
    """Tell whether the bytes hold a CR not followed by LF (a parser would end a row there)."""
    return data.find(b"\r") >= 0 and _LONE_CR.search(data) is not None


def protect_lone_cr(data: bytes) -> tuple[bytes, str | None]:
    """Hide the CRs inside values of a file whose lines end with LF from the parsers.

    Parameters
    ----------
    data : bytes
        The file (ASCII-compatible encodings: a file with NUL bytes is left as it is).

    Returns
    -------
    bytes, str or None
        The data with each lone CR replaced by a stand-in character, and that
        character (None when nothing was replaced); :func:`restore_lone_cr` puts
        the CRs back into the values.
    """
    if b"\r" not in data or b"\n" not in data or b"\x00" in data:
        return data, None  # no CR, CR-only line ends, or UTF-16: nothing to keep apart
    if not has_lone_cr(data):
        return data, None
    for mark in _STAND_INS:
        if mark not in data:
            return _LONE_CR.sub(mark, data), mark.decode("ascii")
    return data, None


def restore_lone_cr(frame: pd.DataFrame, mark: str | None) -> pd.DataFrame:
    """Put the CRs hidden by :func:`protect_lone_cr` back into the values and names."""
    if mark is None:
        return frame
    for c in frame.columns:
        col = frame[c]
        if col.dtype == object or isinstance(col.dtype, pd.StringDtype):
            hit = col.astype(str).str.contains(mark, regex=False).to_numpy(dtype=bool)
            if hit.any():
                frame[c] = col.where(~hit, col.astype(str).str.replace(mark, "\r", regex=False))
    frame.columns = [str(c).replace(mark, "\r") for c in frame.columns]
    return frame


def check_fields(
    text: str, path: str, delimiter: str, *, header: bool, hint: str | None = None
) -> tuple[bool, list[str]]:
    """Check that every row has the first row's number of fields.

    Parameters
    ----------
    text : str
        The CSV text (comment lines removed).
    path : str
        The file, for messages.
    delimiter : str
    header : bool
        Whether the first row names the columns (row numbers then start after it).
    hint : str, optional
        Added to the message (what to do about a commented start, say).

    Returns
    -------
    bool, list of str
        True when rows end with one empty field more than the header names (a
        delimiter at the end of each line): the caller reads the header's columns;
        and the note saying so (:func:`fields_note`).

    Raises
    ------
    InputFileError
        A row with fewer fields than the first, or with more (a non-empty value past
        the header's last column), naming the row.
    """
    width = None
    trailing = False
    row = 0
    for fields in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False):
        if not fields or fields == [""]:
            continue  # a blank line: skipped, as the parsers skip it
        if width is None:
            width = len(fields)
            if header:
                continue
        row += 1
        n = len(fields)
        if n == width:
            continue
        if n == width + 1 and not fields[-1].strip():
            trailing = True
            continue
        _refuse(path, row, n, width, header, hint)
    return trailing, fields_note(path, trailing)


def _refuse(path: str, row: int, n: int, width: int, header: bool, hint: str | None) -> None:
    where = "the header" if header else "the first row"
    what = "cut short (a value with an unquoted line break?)" if n < width else "too long"
    msg = f"expected {width} fields (as in {where}), found {n}: the row is {what}"
    raise InputFileError(path, msg + (f"; {hint}" if hint else ""), row=row)


def fields_note(path: str, trailing: bool) -> list[str]:
    """Return the note for a file whose rows end with a delimiter the header lacks."""
    if not trailing:
        return []
    return [f"{path}: rows end with a delimiter the header lacks: the empty last field is dropped"]


def cut_footer(text: str, path: str, delimiter: str) -> tuple[str, list[str]]:
    """Leave out the note lines after a table (``Source: ACLED, accessed ...``), said.

    A spreadsheet saved as CSV often ends with a line or two of notes: fewer fields than
    the header (at most half of them), and a first cell of words (``Source: ...``,
    ``Note ...``), not an id, a number or a date. Up to :data:`FOOTER_LINES` such lines at
    the very end are left out and named; a row cut short anywhere else (or one that starts
    like data) is still refused by :func:`check_fields`.

    Returns
    -------
    str, list of str
        The text without those lines, and the note (empty when none).
    """
    lines = text.splitlines(keepends=True)
    first = next((line for line in lines if line.strip()), "")
    width = len(next(csv.reader([first], delimiter=delimiter), []))
    cut, notes = len(lines), []
    while cut > 1 and len(notes) <= FOOTER_LINES:
        line = lines[cut - 1]
        if line.strip():
            if not _is_note(line, delimiter, width):
                break
            notes.append(line.strip())
        cut -= 1
    if not notes or len(notes) > FOOTER_LINES:
        return text, []
    return "".join(lines[:cut]), [_footer_note(path, notes[::-1])]


def _footer_note(path: str, notes: list[str]) -> str:
    said = "; ".join(repr(n[:80]) for n in notes)
    which = "the last line is" if len(notes) == 1 else f"the last {len(notes)} lines are"
    return (
        f"{path}: {which} a note after the table, not an incident (fewer fields than the "
        f"header, words in the first): left out: {said}"
    )


def _is_note(line: str, delimiter: str, width: int) -> bool:
    """Tell a note line: at most half the header's fields (of 3 or more), words first."""
    fields = next(csv.reader([line], delimiter=delimiter), [])
    return width >= 3 and 0 < len(fields) * 2 <= width and bool(_NOTE.match(fields[0]))
