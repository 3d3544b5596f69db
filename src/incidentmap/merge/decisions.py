"""A person's calls on pairs, read back from the pairs file they edited.

The file is the pairs file :func:`~incidentmap.merge.merge_incidents` wrote (or any table
with its first columns): ``source_a, event_id_a, source_b, event_id_b, decision``. Each
row's ``decision`` (``match``, ``review`` or ``different``) is applied as written; a blank
decision leaves the pair to the score. A source or an event id the inputs do not have,
a decision not among the three, or a pair named twice with two decisions is refused with
the file, the row and the column.
"""

from __future__ import annotations

import os

import pandas as pd

from incidentmap.errors import InputFileError
from incidentmap.io import read_table

__all__ = ["REQUIRED", "read_decisions"]

REQUIRED = ("source_a", "event_id_a", "source_b", "event_id_b", "decision")
_CHOICES = ("match", "review", "different")


def read_decisions(
    path: str | os.PathLike[str], ids: dict[str, set[str]] | None = None
) -> dict[tuple[str, str, str, str], str]:
    """Read the decisions of a pairs file.

    Parameters
    ----------
    path : path-like
        A CSV (any encoding and delimiter ``read`` detects) or an XLSX.
    ids : dict, optional
        Source name -> its event ids: a decision naming another source or id is refused.

    Returns
    -------
    dict
        (source_a, event_id_a, source_b, event_id_b) -> decision.

    Raises
    ------
    InputFileError
        A missing column, an unknown decision, an unknown source or event id, or one
        pair with two decisions.
    """
    name = str(path)
    table = read_table(path)
    missing = [c for c in REQUIRED if c not in table.columns]
    if missing:
        msg = f"a pairs file needs the columns {', '.join(REQUIRED)}; missing {', '.join(missing)}"
        raise InputFileError(name, msg, keepable=False)
    out: dict[tuple[str, str, str, str], str] = {}
    for row, values in enumerate(table[list(REQUIRED)].itertuples(index=False), start=1):
        decided = _row_decision(name, row, tuple(values), ids)
        if decided is None:
            continue
        key, decision = decided
        if out.get(key, decision) != decision:
            msg = f"this pair was already decided {out[key]!r} in an earlier row"
            raise InputFileError(name, msg, row=row, column="decision", keepable=False)
        out[key] = decision
    return out


def _row_decision(
    path: str, row: int, values: tuple[object, ...], ids: dict[str, set[str]] | None
) -> tuple[tuple[str, str, str, str], str] | None:
    """One row's pair and decision (None for a blank decision), checked."""
    decision = _text(values[4]).lower()
    if not decision:
        return None
    if decision not in _CHOICES:
        msg = f"{values[4]!r} is not one of {', '.join(_CHOICES)}"
        raise InputFileError(path, msg, row=row, column="decision", keepable=False)
    key = (_text(values[0]), _text(values[1]), _text(values[2]), _text(values[3]))
    for col, v in zip(REQUIRED[:4], key, strict=True):
        if not v:
            raise InputFileError(path, "empty", row=row, column=col, keepable=False)
    if ids is not None:
        _check_ids(path, row, key, ids)
    return key, decision


def _text(value: object) -> str:
    return "" if value is None or pd.isna(value) else str(value).strip()


def _check_ids(path: str, row: int, key: tuple[str, ...], ids: dict[str, set[str]]) -> None:
    for col, source, event in (("a", key[0], key[1]), ("b", key[2], key[3])):
        if source not in ids:
            msg = f"{source!r} is not one of the sources merged ({', '.join(ids)})"
            raise InputFileError(path, msg, row=row, column=f"source_{col}", keepable=False)
        if event not in ids[source]:
            msg = (
                f"{event!r} is not an event id of {source} (a spreadsheet may have turned "
                "it into a number: keep the column as text)"
            )
            raise InputFileError(path, msg, row=row, column=f"event_id_{col}", keepable=False)
