"""Which sheets of a workbook hold the incidents, and the sheets read into one table.

A workbook as analysts pass it on is not always one sheet of incidents: a notes or
"README" sheet often comes first (terms of use, the query that made the export), and a long
export is often split over several sheets of the same columns (one a year, one per
half-year). Without ``sheet`` the sheets are looked at by their header row only:

* the sheet whose header names most columns of the publishers' codebooks and of the
  canonical roles (:func:`header_score`) holds the incidents (the first of equals, so a
  one-sheet workbook, or one whose first sheet is its data, reads as before);
* every other sheet whose header is the same (the same names in the same order) is a part
  of the same table: all are read, one after the other, and a note says which rows came
  from which sheet;
* a sheet of other incident-like columns is not read, and a note names it and ``sheet``.

A ``sheet`` given (by name or position) reads that sheet alone.

Two report layouts are read as the table they show:

* merged cells (a province, or a date, merged down over its group of rows) give their value
  to every cell of the range, said in one note (:func:`fill_merged`); the ranges come from
  the sheet's XML (``<mergeCell ref="B2:B40"/>``), not from a full load of the workbook;
* rows after the table whose only filled cell is the first, holding words (``Source: ...``),
  are notes: left out and named (:func:`incidentmap.io.lines.trailing_notes`).
"""

from __future__ import annotations

import re
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import numpy as np
import pandas as pd

from incidentmap.errors import InputFileError
from incidentmap.io.layers import read_workbook, sheet_formulas, sheet_name
from incidentmap.io.lines import cut_note_rows
from incidentmap.io.preamble import header_score
from incidentmap.schema import MIN_EVIDENCE, header_key

__all__ = ["WorkbookRead", "fill_merged", "merged_ranges", "read_excel", "sheet_plan"]


class WorkbookRead:
    """A workbook's incidents as read: the table, formulas without values, notes.

    Attributes
    ----------
    frame : pandas.DataFrame
        The sheets' rows, one sheet after the other.
    formulas : dict
        Column -> {data position: formula} (positions counted over the whole table).
    notes : tuple of str
        Which sheets were read and which were not.
    """

    def __init__(
        self, frame: pd.DataFrame, formulas: dict[str, dict[int, str]], notes: tuple[str, ...]
    ) -> None:
        self.frame = frame
        self.formulas = formulas
        self.notes = notes


#: how many rows above a sheet's header may hold a title (looked at for the header)
_TITLE_ROWS = 10


def _headers(p: Path) -> list[tuple[str, list[Any], int]]:
    """Return each sheet's name, header row and number of rows below it (calamine)."""
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(p))
    out = []
    try:
        for name in book.sheet_names:
            sheet = book.get_sheet_by_name(name)
            rows = sheet.to_python(skip_empty_area=False, nrows=_TITLE_ROWS + 1) or [[]]
            head = max(rows, key=header_score)  # the header, under a title or not
            head = [h.strip() if isinstance(h, str) else h for h in head]
            out.append((str(name), head, max(int(sheet.height) - 1, 0)))
    finally:
        book.close()
    return out


def sheet_plan(p: Path) -> tuple[list[str], tuple[str, ...]]:
    """Return the sheets to read (in the workbook's order) and the notes saying why.

    Parameters
    ----------
    p : Path
        An .xlsx/.xlsm/.ods workbook.

    Returns
    -------
    list of str
        The sheet holding the incidents and those of the same header; the first sheet when
        no header names a known column.
    tuple of str
        Notes: the sheets read together, a notes sheet passed over, sheets left unread.
    """
    heads = _headers(p)
    if len(heads) < 2:
        return [h[0] for h in heads], ()
    scores = [header_score(h[1]) for h in heads]
    best = max(range(len(heads)), key=lambda i: (scores[i], -i))
    if scores[best] == 0:
        return [heads[0][0]], ()
    key = [header_key(h) for h in heads[best][1]]
    same = [i for i, h in enumerate(heads) if [header_key(c) for c in h[1]] == key]
    return [heads[i][0] for i in same], _plan_notes(p, heads, scores, same)


def _plan_notes(
    p: Path, heads: list[tuple[str, list[Any], int]], scores: list[int], same: list[int]
) -> tuple[str, ...]:
    """Say which sheets were read together, passed over, or left unread."""
    notes = []
    if len(same) > 1:
        listed = ", ".join(f"{heads[i][0]!r} ({heads[i][2]:,} rows)" for i in same)
        notes.append(
            f"{p}: {len(same)} sheets have the same columns and are read as one table, "
            f"one after the other: {listed}; `sheet` reads one alone"
        )
    elif same[0] != 0:
        notes.append(
            f"{p}: read sheet {heads[same[0]][0]!r}, whose columns name incidents "
            f"(sheet {heads[0][0]!r} before it does not); `sheet` chooses another"
        )
    notes += [
        f"{p}: sheet {name!r} ({rows:,} rows) has other incident columns and was "
        "not read; `sheet` reads it"
        for i, (name, _, rows) in enumerate(heads)
        if i not in same and scores[i] >= MIN_EVIDENCE and rows
    ]
    return tuple(notes)


#: one sheet as read: its table, formulas without values, notes, merged ranges filled by column
_Part = tuple[pd.DataFrame, dict[str, dict[int, str]], list[str], Counter[str]]


def _one_sheet(p: Path, which: str) -> _Part:
    """Read one sheet (:func:`_sheet_frame`), its notes after the table left out, merges filled."""
    frame, formulas = _sheet_frame(p, which)
    frame, said = cut_note_rows(frame, str(p), f" of sheet {which!r}", "row")
    if said:  # formulas on the rows left out go with them
        n = len(frame)
        formulas = {c: {r: f for r, f in at.items() if r < n} for c, at in formulas.items()}
    frame, filled = fill_merged(frame, merged_ranges(p, which))
    return frame, formulas, said, filled


def _sheet_frame(p: Path, which: str) -> tuple[pd.DataFrame, dict[str, dict[int, str]]]:
    """Read one sheet: as kept, else column by column, else pandas' careful reader."""
    fast = read_workbook(p, which)  # kept in the cache by the workbook's digest
    if fast is not None:
        return fast.frame, dict(fast.formulas)
    with pd.ExcelFile(p, engine="calamine") as book:
        frame = pd.read_excel(book, sheet_name=which, dtype=object)
    names = []
    for i, c in enumerate(frame.columns):  # header cells left empty: columnN
        text = str(c)
        if text.startswith("Unnamed: ") or not text.strip():
            text = f"column{i + 1}"
        names.append(text.strip().lstrip("\ufeff"))
    frame.columns = names
    return frame, sheet_formulas(p, which, names)


#: a merged range in a sheet's XML: ``<mergeCell ref="B2:B40"/>`` (a namespace prefix or not)
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="\$?([A-Z]+)\$?(\d+):\$?([A-Z]+)\$?(\d+)"')


def _column(letters: bytes) -> int:
    """Return a column's position from 0 (``A`` 0, ``AA`` 26)."""
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n - 1


def merged_ranges(p: Path, sheet: str) -> list[tuple[int, int, int, int]]:
    """Return a sheet's merged ranges: (first row, first column, last row, last column) from 0.

    In an .xlsx/.xlsm the sheet's XML part is read for its ``<mergeCell>`` elements (about
    0.07 s for ACLED's 69,172 rows, against 7 s for openpyxl's load); other workbooks
    (.ods) ask calamine.
    """
    if p.suffix.lower() in (".xlsx", ".xlsm"):
        try:
            with zipfile.ZipFile(p) as z:
                xml = z.read(_part(z, sheet))
        except (
            KeyError,
            OSError,
            StopIteration,
            zipfile.BadZipFile,
            ValueError,
            ElementTree.ParseError,
        ):
            return []
        if b"mergeCell" not in xml:
            return []
        found = _MERGE.findall(xml)
        return [(int(r0) - 1, _column(c0), int(r1) - 1, _column(c1)) for c0, r0, c1, r1 in found]
    try:
        from python_calamine import CalamineWorkbook

        book = CalamineWorkbook.from_path(str(p))
        try:
            ranges = book.get_sheet_by_name(sheet).merged_cell_ranges or []
        finally:
            book.close()
    except Exception:  # a reader without merged ranges: none filled
        return []
    return [(int(a[0]), int(a[1]), int(b[0]), int(b[1])) for a, b in ranges]


_RELS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def _part(z: zipfile.ZipFile, sheet: str) -> str:
    """Return the zip member holding a sheet (``xl/worksheets/sheet1.xml``), by its name."""
    book = ElementTree.fromstring(z.read("xl/workbook.xml"))
    rid = next(
        e.get(_RELS) for e in book.iter() if e.tag.endswith("}sheet") and e.get("name") == sheet
    )
    rels = ElementTree.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    target = next(e.get("Target", "") for e in rels if e.get("Id") == rid)
    return target.lstrip("/") if target.startswith("/") else f"xl/{target}"


def _header_row(frame: pd.DataFrame) -> tuple[int, list[str]]:
    """Return the header's position in the frame (-1: its column names) and its names.

    As :func:`incidentmap.io.preamble.header_below` finds it: a row under a title that
    names known columns when the first row does not.
    """
    names = [str(c) for c in frame.columns]
    own = header_score(names)
    if own >= MIN_EVIDENCE or frame.empty:
        return -1, names
    top = frame.head(_TITLE_ROWS)
    scores = [header_score(top.iloc[i].tolist()) for i in range(len(top))]
    best = max(range(len(scores)), key=lambda i: (scores[i], -i))
    if scores[best] < MIN_EVIDENCE or scores[best] <= own:
        return -1, names
    return best, [str(v) for v in top.iloc[best].tolist()]


def fill_merged(
    frame: pd.DataFrame, ranges: list[tuple[int, int, int, int]]
) -> tuple[pd.DataFrame, Counter[str]]:
    """Give every cell of a merged range below the header the range's value.

    A report that merges a province (or a date) down over its group of rows keeps the
    value in the range's first cell only: every other row would read as having none.
    Ranges in the header or above it (a title, a group header over columns) are left.

    Parameters
    ----------
    frame : pandas.DataFrame
        A sheet as read: its first row the column names, frame row ``i`` sheet row ``i + 1``.
    ranges : list of tuple
        :func:`merged_ranges`.

    Returns
    -------
    pandas.DataFrame, Counter
        The table (a copy when a range was filled) and the ranges filled by column name.
    """
    if not ranges or frame.empty:
        return frame, Counter()
    head, names = _header_row(frame)
    cols: dict[int, np.ndarray] = {}
    filled: Counter[str] = Counter()
    for span in ranges:
        cells = _cells(span, head, frame.shape)
        if cells is not None and _fill(frame, cols, *cells):
            left = cells[2]
            filled[names[left] if left < len(names) else f"column{left + 1}"] += 1
    if not filled:
        return frame, filled
    out = frame.copy()
    for c, values in cols.items():
        out.isetitem(c, values)
    return out, filled


def _fill(
    frame: pd.DataFrame, cols: dict[int, np.ndarray], top: int, bottom: int, left: int, right: int
) -> bool:
    """Give the range's cells (in ``cols``, copied from ``frame`` when first met) its value."""
    for c in range(left, right + 1):
        if c not in cols:
            cols[c] = frame.iloc[:, c].to_numpy(dtype=object, copy=True)
    value = cols[left][top]
    if _blank(value):
        return False
    for c in range(left, right + 1):
        cols[c][top : bottom + 1] = value
    return True


def _cells(
    span: tuple[int, int, int, int], head: int, shape: tuple[int, int]
) -> tuple[int, int, int, int] | None:
    """Return a merged range's rows and columns in the frame (top, bottom, left, right).

    None for a range in the header or above it, outside the table, or of one cell.
    """
    r0, c0, r1, c1 = span
    n, width = shape
    top, bottom, right = r0 - 1, min(r1 - 1, n - 1), min(c1, width - 1)
    if top <= head or top >= n or c0 >= width or (bottom, right) == (top, c0):
        return None
    return top, bottom, c0, right


def _blank(value: object) -> bool:
    return (isinstance(value, str) and not value.strip()) or (
        not isinstance(value, str) and bool(pd.isna(value))
    )


def _merged_note(p: Path, filled: Counter[str]) -> list[str]:
    """Say how many merged ranges gave their value to their cells, by column."""
    if not filled:
        return []
    n = sum(filled.values())
    by = ", ".join(f"column {c!r} {k:,}" for c, k in filled.most_common())
    return [
        f"{p}: {n:,} merged cell range{'s' if n > 1 else ''} filled (every cell of a "
        f"range takes its value, as the sheet shows it): {by}"
    ]


def _sheets_to_read(p: Path, sheet: str | int | None) -> tuple[list[str], tuple[str, ...]]:
    """Return the sheet asked for, else the sheets :func:`sheet_plan` chooses, and notes."""
    if sheet is None:
        names, notes = sheet_plan(p)
        if not names:
            raise InputFileError(str(p), "the workbook has no sheet")
        return names, notes
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(p))
    try:
        return [sheet_name(sheet, [str(n) for n in book.sheet_names], str(p))], ()
    finally:
        book.close()


def read_excel(p: Path, sheet: str | int | None) -> WorkbookRead:
    """Read a workbook's incidents: ``sheet``, else the sheets :func:`sheet_plan` chooses.

    Parameters
    ----------
    p : Path
        The workbook.
    sheet : str or int, optional
        A sheet by name, else by position from 0.

    Returns
    -------
    WorkbookRead

    Raises
    ------
    InputFileError
        An .xls file, a file that is not a workbook, a sheet that does not exist.
    """
    if p.suffix.lower() == ".xls":
        msg = "old Excel .xls files are not read; save the sheet as .xlsx or CSV"
        raise InputFileError(str(p), msg)
    try:
        names, notes = _sheets_to_read(p, sheet)
        parts = [_one_sheet(p, name) for name in names]
    except InputFileError:
        raise
    except Exception as exc:
        text = " ".join(str(exc).split())[:300] or type(exc).__name__
        raise InputFileError(str(p), f"cannot read as xlsx ({text})") from exc
    return _assembled(p, names, parts, notes)


def _assembled(
    p: Path, names: list[str], parts: list[_Part], notes: tuple[str, ...]
) -> WorkbookRead:
    """Join the sheets read (a repeating sheet left out) with every note said about them."""
    keep, said = _repeats(p, names, [part[0] for part in parts])
    cut = [line for part in parts for line in part[2]]
    merged = _merged_note(p, sum((part[3] for part in parts), Counter()))
    joined = [(parts[i][0], parts[i][1]) for i in keep]
    return _joined(joined, (*notes, *cut, *merged, *said))


def _repeats(p: Path, names: list[str], frames: list[pd.DataFrame]) -> tuple[list[int], list[str]]:
    """Leave out a sheet whose every row is a row of another sheet read with it, said.

    An analyst's workbook of ``All events`` and a ``Kabul`` sheet of the same columns
    holds the Kabul incidents once, not twice: the sheet that repeats another (every row,
    as often as there) is a view of the same incidents and is not read (8,074 incidents
    were counted for 7,686). Sheets that share only some rows are all read (rows alike may
    be events alike: a workbook without ids), and so is a sheet of fewer than
    :data:`REPEAT_ROWS` rows, said: in ACLED's workbook 29 % of the rows have a twin, so two
    or three new events may all look like rows already read.
    """
    from collections import Counter

    if len(frames) < 2:
        return list(range(len(frames))), []
    rows = [Counter(f.astype(str).itertuples(index=False, name=None)) for f in frames]
    order = sorted(range(len(frames)), key=lambda k: (-len(frames[k]), k))  # larger first
    keep: list[int] = []
    said = []
    for k in order:
        host = next((j for j in keep if rows[k] <= rows[j]), None)
        if host is None or len(frames[k]) < REPEAT_ROWS:
            keep.append(k)
            if host is not None and len(frames[k]):
                said.append(_alike(p, names[k], names[host], len(frames[k])))
            continue
        said.append(
            f"{p}: sheet {names[k]!r} ({len(frames[k]):,} rows) repeats rows of sheet "
            f"{names[host]!r} (every one of its rows is there): left out, the same incidents "
            f"are not counted twice; `sheet` {names[k]!r} reads it alone"
        )
    return sorted(keep), said


#: the fewest rows of a sheet left out for repeating another's (fewer may be events alike)
REPEAT_ROWS = 10


def _alike(p: Path, name: str, host: str, n: int) -> str:
    return (
        f"{p}: sheet {name!r}'s {n} rows are all rows of sheet {host!r} too: read (too few to "
        f"tell a copy from events alike); `sheet` {host!r} reads one alone"
    )


def _joined(
    parts: list[tuple[pd.DataFrame, dict[str, dict[int, str]]]], notes: tuple[str, ...]
) -> WorkbookRead:
    """Put sheets of the same columns one after the other (formulas' rows counted on)."""
    if len(parts) == 1:
        return WorkbookRead(parts[0][0], parts[0][1], notes)
    formulas: dict[str, dict[int, str]] = {}
    start = 0
    for frame, cells in parts:
        for col, where in cells.items():
            formulas.setdefault(col, {}).update({start + r: f for r, f in where.items()})
        start += len(frame)
    columns = list(parts[0][0].columns)
    frames = [frame.set_axis(columns, axis=1) for frame, _ in parts]
    return WorkbookRead(pd.concat(frames, ignore_index=True).astype(object), formulas, notes)
