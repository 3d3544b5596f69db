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
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from incidentmap.errors import InputFileError
from incidentmap.io.layers import read_workbook, sheet_formulas, sheet_name
from incidentmap.io.preamble import header_score
from incidentmap.schema import MIN_EVIDENCE, header_key

__all__ = ["WorkbookRead", "read_excel", "sheet_plan"]


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


def _one_sheet(p: Path, which: str) -> tuple[pd.DataFrame, dict[str, dict[int, str]]]:
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
    keep, said = _repeats(p, names, [frame for frame, _ in parts])
    return _joined([parts[i] for i in keep], (*notes, *said))


def _repeats(p: Path, names: list[str], frames: list[pd.DataFrame]) -> tuple[list[int], list[str]]:
    """Leave out a sheet whose every row is a row of another sheet read with it, said.

    An analyst's workbook of ``All events`` and a ``Kabul`` sheet of the same columns
    holds the Kabul incidents once, not twice: the sheet that repeats another (every row,
    as often as there) is a view of the same incidents and is not read (8,074 incidents
    were counted for 7,686). Sheets that share only some rows are all read (rows alike may
    be events alike: a workbook without ids).
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
        if host is None or not len(frames[k]):
            keep.append(k)
            continue
        said.append(
            f"{p}: sheet {names[k]!r} ({len(frames[k]):,} rows) repeats rows of sheet "
            f"{names[host]!r} (every one of its rows is there): left out, the same incidents "
            f"are not counted twice; `sheet` {names[k]!r} reads it alone"
        )
    return sorted(keep), said


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
