"""Rows that add up other rows: a Total under a table, a Subtotal between its groups.

:func:`total_rows` finds them (any position, any of the exports' languages); the reader
leaves them out and says each with its toll (:func:`incidentmap.io.assemble.total_notes`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from incidentmap.io.values import NotInBlocks, blank_mask
from incidentmap.schema import header_key

__all__ = ["UNLABELLED", "header_rows", "header_rows_note", "said_total", "total_rows"]

#: a cell that says its row adds up others (English, French, German, Spanish exports): the
#: one rule for a Total under the table and a Subtotal between its groups (``Sub total`` too)
_WORD = (
    r"(?:(?:grand\s*|sub[\s-]*)?totals?|summe|sum|gesamt(?:summe)?|total\s+g[ée]n[ée]ral"
    r"|totales?)"
)
#: the roles an incident row states at least one of: when, and where
_WHEN_WHERE = tuple("date latitude longitude stated_province stated_district stated_place".split())
#: a cell naming what it adds up beside the word: ``Subtotal Kabul``, ``Total for 2019``,
#: ``Kabul Total``, ``Sum of fatalities``
_LABELLED = (
    re.compile(
        rf"{_WORD}(?:\s+(?:for|of|in|f[üu]r|pour|de|del))?[\s:,-]+(?P<label>.+)", re.IGNORECASE
    ),
    re.compile(rf"(?P<label>.+?)[\s:,-]+{_WORD}", re.IGNORECASE),
)
#: a period a label names: a year, alone or with a month, quarter or week
_PERIOD = re.compile(r"(?:[a-z]{1,9}\.?\s*|q[1-4]\s*|h[12]\s*|w(?:ee)?k?\s*\d{1,2}\s*)?"
                     r"(?:19|20)\d\d(?:\s*[-/–]\s*(?:(?:19|20)\d\d|\d{1,2}))?",
                     re.IGNORECASE)  # fmt: skip
#: what a group's name may carry: brackets, and the kind of group (``Kabul province``)
_GROUP = re.compile(r"[(\[]?(?P<name>.+?)[)\]]?(?:\s+(?:province|district|city|region))?",
                    re.IGNORECASE)  # fmt: skip
_QUICK = re.compile(r"tota|sum|gesamt", re.IGNORECASE)


def total_rows(
    frame: pd.DataFrame, mapping: dict[str, str], extra: tuple[str, ...], *, blocks: bool = False
) -> dict[int, str]:
    """Find the rows that add up other rows (a Total under the table, a Subtotal in it).

    The trailing-total rule, at any position: a cell says ``Total`` (``Grand total``, ``Sum``,
    ``Gesamt``..., any case) and every date or place column (``extra``: date parts' header
    keys) is blank but that cell. It may name its group (``Subtotal Kabul``, ``Total for
    2019``, ``Kabul Total``) when that is a year, a column's name or another cell's whole
    value: notes saying ``total destruction`` never do; a row with a date or place is kept,
    unless it has no date, one place and another cell that is the word alone, and no other
    text (``Kandahar | | 5 | Subtotal``: a hand-made sheet repeats its group's name in the
    place column; with an id or an actor beside them it stays an incident).

    ``blocks``: the table is one block of a file read in blocks; a row of tolls alone (a
    row of sums no cell names, :func:`_sums`) needs the rows of every block above it, so
    the file is read whole (:class:`~incidentmap.io.values.NotInBlocks`).

    Returns
    -------
    dict of int to str
        Each total row's position -> the text of the cell saying it.
    """
    cols = _when_where(frame, mapping, extra)
    if not cols or frame.empty:
        return {}
    filled = np.column_stack([~blank_mask(frame[c]) for c in cols])
    names = functools.cache(lambda: _names(frame))  # read once, when a label needs them
    says = functools.cache(lambda text: _says_total(text, names))  # each text decided once
    at = _quick(frame, np.flatnonzero(filled.sum(axis=1) <= 1))
    cells = {c: frame[c].to_numpy(dtype=object)[at] for c in frame.columns}
    places = np.array([c not in _date_columns(frame, mapping, extra) for c in cols])
    labels: dict[int, str] = {}
    for j, i in enumerate(at):
        text = _label(frame, cols, cells, j, filled[i], places, says)
        if text is not None:
            labels[int(i)] = text
    bare = np.flatnonzero(filled.sum(axis=1) == 0)
    return {**_sums(frame, mapping, bare, labels, blocks), **labels}


#: the label of a row of sums no cell names (Excel's AutoSum under the tolls)
UNLABELLED = ""


def said_total(label: str) -> str:
    """Say why a total row is one: the cell saying so, or its sums."""
    if label == UNLABELLED:
        return "no cell says total, but its tolls are the sums of the rows above"
    return "a cell says total"


def _sums(
    frame: pd.DataFrame, mapping: dict[str, str], bare: np.ndarray, labels: dict[int, str],
    blocks: bool = False,
) -> dict[int, str]:  # fmt: skip
    """Rows without date, place or text whose tolls are the sums of the rows above them.

    Excel's AutoSum (``=SUM(E2:E4)``, saved with its result) under a table's tolls, no
    label beside it: the rows since the last total are summed; at least two of them, and a
    toll not 0.
    """
    got = _toll_numbers(frame, mapping) if len(bare) else None
    if got is None:
        return {}
    nums, empty = got
    alone = _toll_rows(nums, empty, bare, labels)
    if blocks and alone:  # its sum may hold the rows of the blocks before
        raise NotInBlocks("a row of tolls alone: whether it sums the rows above needs them all")
    out: dict[int, str] = {}
    start = 0
    for i in bare.tolist():
        if i in alone and _summed(nums, start, i):
            out[i] = UNLABELLED
        if i in labels or i in out:
            start = i + 1
    return out


def _toll_rows(
    nums: np.ndarray, empty: np.ndarray, bare: np.ndarray, labels: dict[int, str]
) -> set[int]:
    """Return the rows of a toll and nothing else (no date, place, text or label)."""
    return {i for i in bare.tolist() if i not in labels and empty[i] and np.nansum(nums[i])}


def _toll_numbers(
    frame: pd.DataFrame, mapping: dict[str, str]
) -> tuple[np.ndarray, np.ndarray] | None:
    """Return the tolls as numbers (a column each) and which rows hold nothing else."""
    tolls = [mapping[r] for r in ("fatalities", "injured") if r in mapping]
    if not tolls:
        return None
    nums = np.column_stack([pd.to_numeric(frame[c].astype(str).str.replace(",", ""),
                                          errors="coerce") for c in tolls])  # fmt: skip
    others = [blank_mask(frame[c]) for c in frame.columns if c not in tolls]
    empty = np.all(others, axis=0) if others else np.ones(len(frame), dtype=bool)
    return nums, empty


def _summed(nums: np.ndarray, start: int, i: int) -> bool:
    """Tell whether row ``i``'s known tolls (one not 0) are the sums of rows start..i-1."""
    row = nums[i]
    known = ~np.isnan(row)
    if i - start < 2 or not known.any() or not np.nansum(row):
        return False
    sums = np.nansum(nums[start:i], axis=0)
    return bool(np.all(np.abs(sums[known] - row[known]) < 1e-6))


def _label(
    frame: pd.DataFrame, cols: list[str], cells: dict[Any, np.ndarray], j: int,
    filled: np.ndarray, places: np.ndarray, says: Callable[[str], bool],
) -> str | None:  # fmt: skip
    """Return the text saying row ``j`` is a total, else None."""
    where = np.asarray(cols)[filled] if filled.any() else frame.columns
    text = _first_total([cells[c][j] for c in where], says)
    if text is None and (filled & places).any() and _words(cells, j) == 2:
        # the group's place and the word beside it, nothing else but numbers
        text = _first_total([cells[c][j] for c in frame.columns if c not in cols], _alone)
    return text


def _words(cells: dict[Any, np.ndarray], j: int) -> int:
    """Count the row's cells of text that are not numbers (an id, an actor, the word...)."""
    n = 0
    for values in cells.values():
        v = values[j]
        if isinstance(v, str) and v.strip() and pd.isna(pd.to_numeric(v, errors="coerce")):
            n += 1
    return n


def _alone(text: str) -> bool:
    """Tell whether a cell is a total's word and nothing else (``Subtotal``, ``Grand total``)."""
    return re.fullmatch(_WORD, " ".join(text.split()).rstrip(":"), re.IGNORECASE) is not None


def _date_columns(frame: pd.DataFrame, mapping: dict[str, str], extra: tuple[str, ...]) -> set:
    by_key = {header_key(c): str(c) for c in frame.columns}
    return {mapping.get("date"), *(by_key[k] for k in extra if k in by_key)}


def _first_total(texts: list[Any], says: Callable[[str], bool]) -> str | None:
    """Return the first text saying its row is a total, spaces made single; else None."""
    for t in texts:
        if isinstance(t, str) and says(t):
            return " ".join(t.split())
    return None


def _when_where(frame: pd.DataFrame, mapping: dict[str, str], extra: tuple[str, ...]) -> list[str]:
    """Return the table's columns of a date or a place (its date parts' too)."""
    by_key = {header_key(c): str(c) for c in frame.columns}
    cols = [mapping[r] for r in _WHEN_WHERE if r in mapping]
    return list(dict.fromkeys([*cols, *(by_key[k] for k in extra if k in by_key)]))


def _quick(frame: pd.DataFrame, at: np.ndarray) -> np.ndarray:
    """Return the positions among ``at`` with a cell holding a total's word (vectorised)."""
    hit = np.zeros(len(at), dtype=bool)
    for c in frame.columns if len(at) else ():
        if frame[c].dtype == object or pd.api.types.is_string_dtype(frame[c]):
            text = frame[c].iloc[at].astype("string")
            hit |= text.str.contains(_QUICK, na=False).to_numpy(dtype=bool)
    return at[hit]


def _names(frame: pd.DataFrame) -> set[str]:
    """Return the table's column names and the whole values of its text cells, casefolded."""
    out = {str(c).strip().casefold() for c in frame.columns}
    for c in frame.columns:
        if frame[c].dtype == object or pd.api.types.is_string_dtype(frame[c]):
            out |= set(frame[c].dropna().astype(str).str.strip().str.casefold().unique())
    return out


def _says_total(text: str, names: Callable[[], set[str]]) -> bool:
    """Tell whether a cell says its row is a total: the word, or the word and its group."""
    if not _QUICK.search(text):
        return False
    text = " ".join(text.split()).rstrip(":")
    if re.fullmatch(_WORD, text, re.IGNORECASE):
        return True
    for pattern in _LABELLED:
        m = pattern.fullmatch(text)
        label = m.group("label").strip(" :,-").casefold() if m else ""
        group = _GROUP.fullmatch(label)
        name = group.group("name").strip() if group else label
        if label and (_PERIOD.fullmatch(label) or label in names() or name in names()):
            return True
    return False


def header_rows(frame: pd.DataFrame) -> np.ndarray:
    """Return the positions of rows that repeat the header (two downloads joined with ``cat``).

    Every filled cell is its column's own name (any case, a byte-order mark aside), and at
    least three are: such a row is no incident, whatever the layout.
    """
    at = np.arange(len(frame))
    if frame.empty or len(frame.columns) < 3:
        return at[:0]
    same = np.zeros(len(frame), dtype=np.int64)
    for c in frame.columns:  # column by column, on the rows still like a header (few)
        name = str(c).strip().lstrip("\ufeff").casefold()
        cells = frame[c].iloc[at]
        text = cells.astype("string").str.strip().str.lstrip("\ufeff").str.casefold()
        hit = (text == name).fillna(False).to_numpy(dtype=bool)
        same[at] += hit
        at = at[hit | np.asarray(blank_mask(cells), dtype=bool)]
        if not len(at):
            break
    return at[same[at] >= 3]


def header_rows_note(found: np.ndarray, rows: np.ndarray, name: str) -> str:
    """Say the rows :func:`header_rows` found, by their row numbers."""
    n = len(found)
    shown = ", ".join(str(int(rows[i])) for i in found[:10]) + (" ..." if n > 10 else "")
    return (
        f"{name}: {n:,} row{'s' if n != 1 else ''} repeat{'s' if n == 1 else ''} the header "
        f"(row{'s' if n != 1 else ''} {shown}): tables joined one after the other? left out, "
        "not incidents"
    )
