"""Which layer of a GIS file, and which sheet of a workbook, holds the incidents.

A workbook's sheet is read here too (:func:`read_sheet`), with the cells whose formulas were
saved without their values.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from incidentmap.errors import InputFileError, UsageError

__all__ = ["gis_layer", "read_sheet", "sheet_formulas", "sheet_name"]


#: the layers incidentmap writes its incidents to (geocode, export, merge), in that order
_OWN_LAYERS = ("incidents", "points", "merged")


def gis_layer(path: Path, layer: str | None) -> str | None:
    """Return the layer of a GIS file to read: the one named, the only one, or our own.

    A file of several layers read from its first (GDAL's default) could be the wrong table
    without a word; one layer, or one incidentmap wrote (``incidents``, ``points``,
    ``merged``), is clear; otherwise the layers are named and one must be chosen.
    """
    if layer is not None:
        return layer
    import pyogrio

    try:
        names = [str(n) for n, _ in pyogrio.list_layers(path)]
    except Exception:  # not a file GDAL lists layers of: let the reader say why
        return None
    if len(names) <= 1:
        return None
    own = [n for n in _OWN_LAYERS if n in names]
    if own:
        return own[0]
    msg = f"the file holds {len(names)} layers ({', '.join(names[:8])}): name one with `in_layer`"
    raise UsageError(msg, field="in_layer")


# ---------------------------------------------------------------------------------------------
# workbooks: the sheet, read column by column, and formulas saved without their values


def sheet_name(sheet: str | int | None, names: list[str], path: str) -> str:
    """Return the sheet's name: by name first, then by position (0 the first).

    A sheet may be named ``2023`` or ``0``: the name wins over the position.
    """
    if sheet is None:
        if not names:
            raise InputFileError(path, "the workbook has no sheet")
        return names[0]
    text = str(sheet)
    if text in names:
        return text
    if text.lstrip("-").isdigit() and 0 <= int(text) < len(names):
        return names[int(text)]
    listed = ", ".join(repr(n) for n in names)
    raise InputFileError(
        path, f"no sheet {text!r} (by name or position from 0): the sheets are {listed}"
    )


def read_sheet(p: Path, sheet: str | int | None) -> pd.DataFrame | None:
    """Read a workbook's sheet as ``pandas.read_excel(dtype=object)`` does, column by column.

    Calamine's cells come back as Python values; pandas converts them one by one and then
    parses the rows again as text would be (about a second for ACLED's 69,172 rows). Here
    each column is converted at once: whole floats to ``int``, days to ``datetime``, the
    text pandas takes as missing (``""``, ``NA``, ``null``...) to NaN. None when the sheet
    needs pandas' careful reader (header cells blank, repeated or not text; a blank row).
    ``attrs["formulas"]`` lists the cells holding a formula saved without its value.
    """
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(p))
    try:
        which = sheet_name(sheet, [str(n) for n in book.sheet_names], str(p))
        rows = book.get_sheet_by_name(which).to_python(skip_empty_area=False)
    finally:
        book.close()
    names = _header(rows)
    if names is None:
        return None
    width = len(names)
    body = rows[1:]
    if set(map(len, body)) - {width}:
        return None
    columns = list(zip(*body, strict=True)) if body else [()] * width
    if _blank_row(columns):  # pandas skips a blank row: its reader decides
        return None
    frame = pd.DataFrame(
        {n: pd.Series(_sheet_column(c), dtype=object) for n, c in zip(names, columns, strict=True)}
    )
    # a formula saved without its value reads as an empty cell: only then is the XML read
    blank = any("" in c for c in columns)
    frame.attrs["formulas"] = sheet_formulas(p, which, names) if blank else {}
    return frame


def _header(rows: list[list[Any]]) -> list[str] | None:
    """Return the header's names, or None when one is blank, repeated or not text."""
    if not rows:
        return None
    names = [h.strip() if isinstance(h, str) else "" for h in rows[0]]
    return None if not all(names) or len(set(names)) != len(names) else names


def _blank_row(columns: list[tuple[Any, ...]]) -> bool:
    """Say whether some row is blank in every column."""
    if not columns or not columns[0] or not all("" in c for c in columns):
        return False
    return bool(np.logical_and.reduce([np.array(c, dtype=object) == "" for c in columns]).any())


def _sheet_column(col: tuple[Any, ...]) -> np.ndarray:
    """Convert one column of calamine's values as pandas' Excel reader does."""
    from pandas._libs.parsers import STR_NA_VALUES

    kinds = set(map(type, col))
    out = np.empty(len(col), dtype=object)
    if kinds == {float}:
        arr = np.fromiter(col, dtype=float, count=len(col))
        whole = np.isfinite(arr) & (arr == np.floor(arr)) & (np.abs(arr) < 2**63)
        out[:] = arr.tolist()
        out[whole] = arr[whole].astype(np.int64).tolist()
        return out
    if kinds == {dt.date}:  # days: datetime objects, as pandas gives them
        days = np.fromiter((d.toordinal() for d in col), dtype=np.int64, count=len(col))
        return (days - 719163).astype("datetime64[D]").astype("datetime64[us]").astype(object)
    if kinds == {str}:
        out[:] = col
        out[pd.Series(out, dtype=object).isin(STR_NA_VALUES).to_numpy()] = np.nan
        return out
    out[:] = [_cell(v) for v in col]
    return out


def _cell(v: Any) -> Any:
    """Convert one of calamine's values as pandas' Excel reader does."""
    from pandas._libs.parsers import STR_NA_VALUES

    if isinstance(v, float) and v.is_integer():
        return int(v)
    if isinstance(v, dt.date) and not isinstance(v, dt.datetime):
        return dt.datetime(v.year, v.month, v.day)
    if isinstance(v, str) and v in STR_NA_VALUES:
        return np.nan
    return v


#: a formula with no value after it: ``<f>1+1</f><v/></c>`` or a shared ``<f t="shared"/></c>``
_NO_VALUE = re.compile(
    rb"<f\b[^>]*?(?:/>|>([^<]*)</f>)\s*(?:<v\s*/>|<v>\s*</v>)?\s*</c>", re.DOTALL
)
_REF = re.compile(rb'\br="([A-Z]+)(\d+)"')


def sheet_formulas(p: Path, sheet: str, names: list[str]) -> dict[str, dict[int, str]]:
    """Return column -> {data position: formula} for formulas saved without a cached value.

    A workbook written by a program that does not compute formulas (openpyxl, many
    exporters) stores ``=1+1`` with no value: every reader then sees an empty cell.
    The sheet's XML says which cells those are (an ``<f>`` and no ``<v>``).
    """
    import zipfile

    try:
        with zipfile.ZipFile(p) as z:
            xml = z.read(_sheet_part(z, sheet))
    except (KeyError, OSError, zipfile.BadZipFile, ValueError):
        return {}  # .ods, or a layout not found: nothing to say
    if b"<f" not in xml:
        return {}
    found: dict[str, dict[int, str]] = {}
    for m in _NO_VALUE.finditer(xml):
        ref = _REF.search(xml, xml.rfind(b"<c ", 0, m.start()), m.start())
        if ref is None:
            continue
        col = 0
        for ch in ref.group(1):
            col = col * 26 + ch - 64
        row = int(ref.group(2)) - 2  # row 1 is the header
        if 0 <= col - 1 < len(names) and row >= 0:
            text = html.unescape((m.group(1) or b"").decode("utf-8", "replace"))
            found.setdefault(names[col - 1], {})[row] = f"={text}" if text else "(a shared formula)"
    return found


def _sheet_part(z: Any, sheet: str) -> str:
    """Return the zip member of a sheet of an .xlsx, found through workbook.xml and its rels."""
    book = z.read("xl/workbook.xml")
    rels = z.read("xl/_rels/workbook.xml.rels")
    for m in re.finditer(rb"<sheet\b[^>]*>", book):
        tag = m.group(0)
        name = re.search(rb'\bname="([^"]*)"', tag)
        rid = re.search(rb'\br:id="([^"]*)"', tag)
        if name and rid and html.unescape(name.group(1).decode("utf-8")) == sheet:
            for r in re.finditer(rb"<Relationship\b[^>]*>", rels):
                if re.search(rb'\bId="' + re.escape(rid.group(1)) + rb'"', r.group(0)):
                    target = re.search(rb'\bTarget="([^"]*)"', r.group(0))
                    if target:
                        t = target.group(1).decode("utf-8")
                        return t.lstrip("/") if t.startswith("/") else f"xl/{t}"
    raise KeyError(sheet)
