"""Title lines above a table's header: an export's name, its date, a blank line.

Reports exported from dashboards and spreadsheets often put a title above the header
(``ACLED data export, Afghanistan 2023`` in A1, a blank row, then the columns). Read as
they are, the title becomes the header and every column a nameless one. The header is the
first of the top lines that names :data:`~incidentmap.schema.MIN_EVIDENCE` or more
columns of a publisher's codebook or the canonical roles (:func:`header_score`), when the
line above it names fewer; the lines above it are left out, said in a note. A file whose
first line is its header is read as before.

:func:`title_lines` finds such lines in a text file before it is parsed (a title of one
field above a header of many cannot be parsed as one table); :func:`header_below` finds
them in a table already read (a workbook, or CSV whose title line has the header's
width: Excel writes ``Title,,,,`` when it saves such a sheet).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable

import geopandas as gpd
import numpy as np
import pandas as pd

from incidentmap.io.values import blank_mask
from incidentmap.schema import MIN_EVIDENCE, PRESETS, header_key

__all__ = [
    "blank_rows", "headed_formulas", "header_below", "header_names", "header_score", "title_lines",
    "title_note",
]  # fmt: skip


def _known_keys() -> frozenset[str]:
    return frozenset(
        key
        for p in PRESETS.values()
        for key in (*p.evidence, *(k for keys in p.columns.values() for k in keys))
    )


#: header keys that say "a column of incidents": every preset's codebook columns and roles
KNOWN_KEYS = _known_keys()


def header_score(header: Iterable[object]) -> int:
    """Count the cells of a header that name a publisher's codebook column or a role.

    A title above a table (``ACLED data export``) names none; a header names several.
    """
    return len({header_key(h) for h in header if isinstance(h, str)} & KNOWN_KEYS)


#: how many lines above the header may hold a title
TITLE_LINES = 10
#: marks that start comment lines, never a title or a header
_COMMENTS = ("%", "#", ";", "!", "//")


def _fields(line: str, delimiter: str) -> list[str]:
    try:
        return next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error:
        return []


def title_lines(text: str, delimiter: str | None) -> int:
    """Return how many lines of ``text`` stand above its header (0: the first line is it).

    Parameters
    ----------
    text : str
        The decoded file.
    delimiter : str, optional
        The file's delimiter (default: each line's most frequent of ``, ; tab |``).
    """
    lines = text.lstrip("\ufeff").splitlines()[: TITLE_LINES + 1]
    if len(lines) < 2 or any(line.lstrip().startswith(_COMMENTS) for line in lines[:2]):
        return 0  # comment lines: the reader of commented files decides
    scores = [
        header_score(_fields(line, delimiter or max(",;\t|", key=line.count))) for line in lines
    ]
    if scores[0] >= MIN_EVIDENCE:
        return 0
    return next(
        (i for i in range(1, len(scores)) if scores[i] >= MIN_EVIDENCE > max(scores[:i])), 0
    )


def title_note(name: str, skipped: int, title: str, unit: str = "line") -> str:
    """Say how many lines (or rows) above the header were left out, and the title."""
    title = title.strip().strip(",;\t|").strip()
    what = f" (title {title[:60]!r})" if title else ""
    return (
        f"{name}: {skipped} {unit}{'s' if skipped > 1 else ''} above the header left "
        f"out{what}; the header is the first {unit} naming the columns"
    )


def header_names(cells: list[object]) -> list[str]:
    """Header names from a row's cells: blank ones ``columnN``, repeated ones numbered."""
    names: list[str] = []
    for i, v in enumerate(cells):
        text = (str(v).strip() if isinstance(v, str) or pd.notna(v) else "") or f"column{i + 1}"
        names.append(text if text not in names else f"{text}.{names.count(text)}")
    return names


def header_below(frame: pd.DataFrame, name: str) -> tuple[pd.DataFrame, list[str]]:
    """Take the header from a row under a title (the table's header names no column).

    Parameters
    ----------
    frame : pandas.DataFrame
        A table as read, its first row taken as the header.
    name : str
        The file, for the note.

    Returns
    -------
    pandas.DataFrame
        The rows under the real header, named by it; the table itself when its header
        names known columns or no row below does better.
    list of str
        A note when a header was found below a title.
    """
    if frame.empty:
        return frame, []
    if header_score(frame.columns) >= MIN_EVIDENCE:
        return _two_rows(frame, name)
    top = frame.head(TITLE_LINES)
    scores = [header_score(top.iloc[i].tolist()) for i in range(len(top))]
    best = max(range(len(scores)), key=lambda i: (scores[i], -i))
    if scores[best] < MIN_EVIDENCE or scores[best] <= header_score(frame.columns):
        return frame, []
    out = frame.iloc[best + 1 :].reset_index(drop=True)
    out.columns = header_names(top.iloc[best].tolist())
    title = next((str(c) for c in frame.columns if not str(c).startswith("column")), "")
    return out, [title_note(name, best + 1, title, "row")]


def _two_rows(frame: pd.DataFrame, name: str) -> tuple[pd.DataFrame, list[str]]:
    """Read a header of two rows as one: group names over the columns' own (merged cells).

    ``Date | Location | | Casualties | | Type`` over ``| Province | District | Killed |
    Wounded |``: the first row under the header holds no value but names, each under a
    group name or beside a column the header names alone, and together they name more
    of a publisher's or the generic columns than the header does.
    """
    cells = frame.iloc[0].tolist()
    texts = _names_only(cells)
    if texts is None:
        return frame, []
    merged = [t or str(h) for t, h in zip(texts, frame.columns, strict=True)]
    if header_score(merged) <= header_score(frame.columns) or header_score(texts) < 2:
        return frame, []
    out = frame.iloc[1:].reset_index(drop=True)
    out.columns = header_names(merged)
    return out, [_two_rows_note(frame.columns, texts, out.columns, name)]


def _two_rows_note(header: pd.Index, texts: list[str], columns: pd.Index, name: str) -> str:
    groups = [str(h) for h, t in zip(header, texts, strict=True) if t]
    groups = [g for g in groups if not g.startswith("column")]
    over = f" (over {', '.join(repr(g) for g in groups[:3])})" if groups else ""
    shown = ", ".join(repr(c) for c in columns[:8]) + (" ..." if len(columns) > 8 else "")
    return f"{name}: the header is two rows{over}: read as one, {shown}"


def _names_only(cells: list[object]) -> list[str] | None:
    """Return a row's cells as names ("" for a blank), None if one holds a value or few names."""
    texts = [c.strip() if isinstance(c, str) else "" for c in cells]
    filled = sum(not (c is None or (isinstance(c, float) and pd.isna(c)) or c == "") for c in cells)
    named = sum(bool(t) for t in texts)
    return texts if named >= 2 and named == filled else None


def headed_formulas(
    formulas: dict[str, dict[int, str]], before: pd.DataFrame, after: pd.DataFrame
) -> dict[str, dict[int, str]]:
    """Move formulas' positions and columns under a header found below a title.

    ``before`` is the table as read (its columns ``column5``...), ``after`` the rows under
    the real header (:func:`header_below`), named by it: a formula saved without its value
    is then said at its row and under its column's name (``Killed``, row 3), not the title's.
    """
    shift = len(before) - len(after)
    if not formulas or not shift:
        return formulas
    names = dict(zip(map(str, before.columns), map(str, after.columns), strict=False))
    return {
        names.get(col, col): {p - shift: f for p, f in cells.items() if p >= shift}
        for col, cells in formulas.items()
    }


def blank_rows(
    frame: pd.DataFrame,
    geom: gpd.GeoSeries | None,
    formulas: dict[str, dict[int, str]],
    name: str,
) -> tuple[pd.DataFrame, gpd.GeoSeries | None, dict[str, dict[int, str]], list[str]]:
    """Leave out the rows empty in every cell (a spreadsheet's spacer rows), as CSV readers do.

    A blank line in a CSV file is no row; a blank row in a workbook is none either: read,
    it would be an incident with no date and no place. The rows after it are numbered as
    a CSV file's are (blank ones not counted); the positions of formulas saved without
    their values follow the rows they are on.

    Returns
    -------
    tuple
        The table, its geometry and formulas without the blank rows, and a note.
    """
    blank = _blank(frame, geom)
    if not blank.any():
        return frame, geom, formulas, []
    keep = ~blank
    out = frame[keep].reset_index(drop=True)
    kept_geom = geom[keep].reset_index(drop=True) if geom is not None else None
    n = int(blank.sum())
    note = f"{name}: {n} blank row{'s' if n > 1 else ''} (every cell empty) left out, as in CSV"
    return out, kept_geom, _moved(formulas, keep), [note]


def _blank(frame: pd.DataFrame, geom: gpd.GeoSeries | None) -> np.ndarray:
    """Tell which rows are empty in every cell (and geometry); column by column, stopping early."""
    blank = np.zeros(len(frame), dtype=bool) if frame.empty else np.ones(len(frame), dtype=bool)
    for c in frame.columns:
        if not blank.any():
            break
        blank[blank] = np.asarray(blank_mask(frame[c][blank]), dtype=bool)
    if geom is not None and blank.any():
        blank &= (geom.isna() | geom.is_empty).to_numpy(dtype=bool)
    return blank if len(frame.columns) else np.zeros(len(frame), dtype=bool)


def _moved(formulas: dict[str, dict[int, str]], keep: np.ndarray) -> dict[str, dict[int, str]]:
    """Move formulas' positions to the rows' positions once the blank rows are gone."""
    at = np.cumsum(keep) - 1
    return {
        col: {int(at[p]): f for p, f in cells.items() if 0 <= p < len(keep) and keep[p]}
        for col, cells in formulas.items()
    }
