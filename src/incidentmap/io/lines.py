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
from incidentmap.io.words import is_note_text

__all__ = [
    "FOOTER_LINES", "check_fields", "cut_footer", "cut_note_rows", "fields_note", "footer_note",
    "has_lone_cr", "protect_lone_cr", "restore_lone_cr", "too_many_notes",
    "trailing_notes",
]  # fmt: skip

_LONE_CR = re.compile(rb"\r(?!\n)")
#: the most lines after the table taken for a note (``Source: ...``, ``Note: ...``)
FOOTER_LINES = 10
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

    A spreadsheet saved as CSV often ends with a line or two of notes: a first cell of
    words (``Source: ...``, ``Note ...``, ``2026 (c) ACLED``; not an id, a number or a date,
    :func:`is_note_text`), and either the other fields empty (Excel pads every row to the
    full width: ``Source: GTD; START,,,,,,,``) or not the header's number of fields (a row
    that cannot be read as one). Up to :data:`FOOTER_LINES` such lines at the very end are
    left out and named; a row cut short anywhere else (or one that starts like data) is
    still refused by :func:`check_fields`.

    Returns
    -------
    str, list of str
        The text without those lines, and the note (empty when none).

    Raises
    ------
    InputFileError
        More than :data:`FOOTER_LINES` such lines at the end, naming them.
    """
    lines = text.splitlines(keepends=True)
    head = [line for line in lines[:3] if line.strip()][:2]
    width, trail = _widths(head, delimiter)
    cut, notes = len(lines), []
    while cut > 1 and len(notes) <= _FOOTER_LOOK:
        line = lines[cut - 1]
        if line.strip():
            if not _is_note(line, delimiter, width, trail):
                break
            notes.append(line.strip())
        cut -= 1
    if not notes:
        return text, []
    if len(notes) > FOOTER_LINES:
        raise InputFileError(path, too_many_notes(notes[::-1], "lines"))
    return "".join(lines[:cut]), [footer_note(path, notes[::-1])]


#: how far back a run of note lines is followed (to name it in the message)
_FOOTER_LOOK = 100


def too_many_notes(notes: list[str], unit: str) -> str:
    """Say that the last lines (or rows) look like notes, more than are left out by themselves."""
    said = "; ".join(repr(n[:60]) for n in notes[:3]) + ("; ..." if len(notes) > 3 else "")
    more = "or more " if len(notes) > _FOOTER_LOOK else ""
    return (
        f"the last {len(notes)} {more}{unit} look like notes after the table (words in the "
        f"first field and no row of the table's shape): {said}; at most {FOOTER_LINES} are "
        f"left out by themselves: delete the notes (or save the table alone) and read again"
    )


def footer_note(path: str, notes: list[str], where: str = "", unit: str = "line") -> str:
    """Say which note lines (or a sheet's rows, ``where`` naming the sheet) were left out."""
    said = "; ".join(repr(str(n)[:80]) for n in notes)
    which = (
        f"the last {unit}{where} is"
        if len(notes) == 1
        else (f"the last {len(notes)} {unit}s{where} are")
    )
    why = "the others empty" if unit == "row" else "the others empty or not the header's number"
    return (
        f"{path}: {which} a note after the table, not an incident (words in the first "
        f"cell, {why}): left out: {said}"
    )


def trailing_notes(frame: pd.DataFrame) -> tuple[int, list[str]]:
    """Find the note rows at the end of a table read (a workbook's, or CSV read as it is).

    A note row has words in its first cell (:func:`is_note_text`) and every other cell
    empty (``Source: GTD, START`` under a sheet's table); blank rows among them count with
    them.

    Returns
    -------
    int, list of str
        The number of rows before the notes, and the notes in the table's order (none, or
        no row before them: the table's length and an empty list).
    """
    n = len(frame)
    cut, notes = n, []
    if frame.shape[1] < 2:
        return n, []
    for i in range(n - 1, -1, -1):
        row = frame.iloc[i].tolist()
        filled = [not _empty(v) for v in row]
        if not any(filled):
            continue
        if any(filled[1:]) or not is_note_text(row[0]) or len(notes) > _FOOTER_LOOK:
            break
        notes.append(str(row[0]).strip())
        cut = i
    return (cut, notes[::-1]) if notes and cut else (n, [])  # a table of notes alone: as read


def cut_note_rows(
    frame: pd.DataFrame, path: str, where: str = "", unit: str = "line"
) -> tuple[pd.DataFrame, list[str]]:
    """Leave out the note rows at the end of a table read (:func:`trailing_notes`), said.

    For tables read whole by a fast reader (a sheet; well-formed CSV read by Arrow, whose
    padded note lines ``Source: GTD; START,,,,`` are rows of the header's width).

    Parameters
    ----------
    frame : pandas.DataFrame
    path : str
        The file, for the note.
    where : str
        Added after the unit (`` of sheet 'Data'``).
    unit : str
        ``line`` or ``row``.

    Returns
    -------
    pandas.DataFrame, list of str
        The rows before the notes, and the note (empty when none).

    Raises
    ------
    InputFileError
        More than :data:`FOOTER_LINES` note rows at the end, naming them.
    """
    cut, notes = trailing_notes(frame)
    if not notes:
        return frame, []
    if len(notes) > FOOTER_LINES:
        raise InputFileError(path, too_many_notes(notes, f"{unit}s{where}"))
    return frame.iloc[:cut], [footer_note(path, notes, where, unit)]


def _empty(value: object) -> bool:
    """Tell an empty cell: None, NaN, NA, or text of spaces only."""
    if isinstance(value, str):
        return not value.strip()
    return value is None or bool(pd.isna(value)) if not isinstance(value, list | tuple) else False


def _widths(head: list[str], delimiter: str) -> tuple[int, bool]:
    """Return the header's number of fields, and whether rows end with a delimiter it lacks."""
    counts = [next(csv.reader([line], delimiter=delimiter), []) for line in head]
    width = len(counts[0]) if counts else 0
    trail = len(counts) > 1 and len(counts[1]) == width + 1 and not counts[1][-1].strip()
    return width, trail


def _is_note(line: str, delimiter: str, width: int, trail: bool = False) -> bool:
    """Tell a note line: words first, the other fields empty or not the header's number."""
    fields = next(csv.reader([line], delimiter=delimiter), [])
    if trail and len(fields) == width + 1 and not fields[-1].strip():
        fields = fields[:-1]  # a delimiter at the end of the line, as on the table's rows
    if width < 2 or not fields or not is_note_text(fields[0]):
        return False
    return len(fields) != width or not any(f.strip() for f in fields[1:])
