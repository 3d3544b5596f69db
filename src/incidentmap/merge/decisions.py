"""A person's calls on pairs, read back from the pairs file they edited.

The file is the pairs file :func:`~incidentmap.merge.merge_incidents` wrote (or any table
with its first columns): ``source_a, event_id_a, source_b, event_id_b, decision``. Each
row's ``decision`` (``match``, ``review`` or ``different``) is applied as written; a blank
decision leaves the pair to the score. A cell written spreadsheet-safe (``csv_safe``:
``'+93``, the ``'`` put before ``= + - @``) is read without its ``'``.

A decisions file is **one statement**, checked as a whole before anything is merged
(:func:`check_decisions`); each of these is refused with the file, the row and both rows
of the pair named:

* a source or an event id the inputs do not have, a decision not among the three;
* a pair of two rows of one source (pairs are between sources);
* one pair decided twice with two decisions (either side first);
* a ``different`` or a ``review`` between two rows that ``match`` calls join
  (``a:1 + b:7``, ``b:7 + c:3`` match, ``a:1 + c:3`` different): those rows are one
  event already, nothing is left to decide.

Two ``match`` calls of one row with two rows of another source (``a:1 + b:7`` and
``a:1 + b:8``) say that source reported one incident in two rows (a split): the event
holds both, and that source's tolls for it are the sum of its rows. Only a person joins
two rows of one source; the score never does.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

import pandas as pd

from incidentmap.errors import InputFileError, UsageError
from incidentmap.io import read_table

__all__ = [
    "ONE_SOURCE", "REQUIRED", "Key", "check_decisions", "known_id", "read_decisions",
    "resolve_numbers", "strip_safe",
]  # fmt: skip

REQUIRED = ("source_a", "event_id_a", "source_b", "event_id_b", "decision")
_CHOICES = ("match", "review", "different")
_SAFE_PREFIX = ("=", "+", "-", "@", "\t", "\r")
#: why two rows of one source are never paired (said by decisions and ``explain``)
ONE_SOURCE = (
    "two rows of one source: a source's rows are never a pair (a person joins two of them "
    "by matching both with one row of another source)"
)
#: a decision: (source_a, event_id_a, source_b, event_id_b)
Key = tuple[str, str, str, str]
#: how a problem is raised: (message, the decisions it is about) -> an exception
Refuse = Callable[[str, list[Key]], Exception]


def read_decisions(
    path: str | os.PathLike[str], ids: dict[str, set[str]] | None = None
) -> dict[Key, str]:
    """Read the decisions of a pairs file, checked as one statement.

    Parameters
    ----------
    path : path-like
        A CSV (any encoding and delimiter ``read`` detects) or an XLSX.
    ids : dict, optional
        Source name -> its event ids (as the merge names them): a decision naming another
        source or id is refused.

    Returns
    -------
    dict
        (source_a, event_id_a, source_b, event_id_b) -> decision.

    Raises
    ------
    InputFileError
        A missing column, an unknown decision, source or event id, a pair of one source's
        rows, one pair with two decisions, or calls that contradict each other.
    """
    name = str(path)
    table = read_table(path)
    missing = [c for c in REQUIRED if c not in table.columns]
    if missing:
        msg = f"a pairs file needs the columns {', '.join(REQUIRED)}; missing {', '.join(missing)}"
        raise InputFileError(name, msg, keepable=False)
    out: dict[Key, str] = {}
    rows: dict[Key, int] = {}
    numbers = _NumberIndex(ids or {})
    for row, values in enumerate(table[list(REQUIRED)].itertuples(index=False), start=1):
        decided = _row_decision(name, row, tuple(values), ids, numbers)
        if decided is None:
            continue
        key, decision = decided
        if key in out and out[key] != decision:
            msg = (
                f"{_pair(key)} was decided {out[key]!r} in row {rows[key]} and "
                f"{decision!r} here: decide it once"
            )
            raise InputFileError(name, msg, row=row, column="decision", keepable=False)
        out[key] = decision
        rows.setdefault(key, row)

    def refuse(msg: str, keys: list[Key]) -> Exception:
        at = sorted(rows[k] for k in keys)
        where = ", ".join(str(r) for r in at[:-1])
        also = f" (and row{'s' if len(at) > 2 else ''} {where})" if len(at) > 1 else ""
        return InputFileError(name, msg + also, row=at[-1], column="decision", keepable=False)

    check_decisions(out, None, refuse=refuse)
    return out


def _pair(key: Key) -> str:
    return f"{key[0]}:{key[1]} + {key[2]}:{key[3]}"


def _library_refusal(msg: str, keys: list[Key]) -> Exception:
    del keys
    return UsageError(f"`decisions`: {msg}", field="decisions")


def check_decisions(
    decisions: dict[Key, str],
    ids: dict[str, set[str]] | None = None,
    *,
    refuse: Refuse = _library_refusal,
) -> None:
    """Refuse decisions that cannot all hold, naming both rows of the pair.

    Parameters
    ----------
    decisions : dict
        (source_a, event_id_a, source_b, event_id_b) -> ``match``, ``review`` or
        ``different``.
    ids : dict, optional
        Source name -> its event ids: a decision naming another source or id is refused.
    refuse : callable, optional
        Makes the exception from the message and the decisions at fault (default: a
        :class:`~incidentmap.errors.UsageError`).

    Raises
    ------
    UsageError
        (or what ``refuse`` makes) at the first problem found.
    """
    seen: dict[tuple[tuple[str, str], ...], tuple[Key, str]] = {}
    for key, decision in decisions.items():
        if decision not in _CHOICES:
            raise refuse(f"{decision!r} is not one of {', '.join(_CHOICES)}", [key])
        if key[0] == key[2]:
            raise refuse(_one_source(key), [key])
        if ids is not None:
            unknown = _unknown(key, ids)
            if unknown is not None:
                raise refuse(f"{_pair(key)}: {unknown[1]}", [key])
        both = tuple(sorted(((key[0], key[1]), (key[2], key[3]))))
        earlier = seen.get(both)
        if earlier is not None and earlier[1] != decision:
            msg = (
                f"{_pair(key)} is decided {decision!r} and, written from the other side, "
                f"{earlier[1]!r}: decide it once"
            )
            raise refuse(msg, [earlier[0], key])
        seen[both] = (key, decision)
    _check_events(decisions, refuse)


def _one_source(key: Key) -> str:
    return f"{_pair(key)} pairs {ONE_SOURCE} (pair rows of two sources)"


def _unknown(key: Key, ids: dict[str, set[str]]) -> tuple[str, str] | None:
    """Return (the column at fault, why) for a source or id the inputs do not have."""
    for side, source, event in (("a", key[0], key[1]), ("b", key[2], key[3])):
        if source not in ids:
            known = ", ".join(ids)
            return f"source_{side}", f"{source!r} is not one of the sources merged ({known})"
        if event not in ids[source]:
            msg = (
                f"{event!r} is not an event id of {source} (a spreadsheet may have turned "
                "it into a number: keep the column as text)"
            )
            return f"event_id_{side}", msg
    return None


def _find(parent: dict[tuple[str, str], tuple[str, str]], x: tuple[str, str]) -> tuple[str, str]:
    while parent.get(x, x) != x:
        parent[x] = parent.get(parent[x], parent[x])
        x = parent[x]
    return x


def _check_events(decisions: dict[Key, str], refuse: Refuse) -> None:
    """Refuse a different or review between two rows that match calls join."""
    parent, via = _match_events(decisions)
    for key in sorted(k for k, d in decisions.items() if d != "match"):
        x, y = (key[0], key[1]), (key[2], key[3])
        root = _find(parent, x)
        if root == _find(parent, y) and x != y:
            msg = (
                f"{_pair(key)} is decided {decisions[key]!r}, but 'match' calls join the two "
                f"rows into one event ({'; '.join(_pair(k) for k in via[root][:4])})"
            )
            raise refuse(msg, [*via[root], key])


Row = tuple[str, str]


def _match_events(decisions: dict[Key, str]) -> tuple[dict[Row, Row], dict[Row, list[Key]]]:
    """Join the ``match`` calls into events (with the calls that joined each).

    Two ``match``es of one row with two rows of another source say that source split one
    incident in two rows: one event holds both (:mod:`incidentmap.merge.combine` adds
    the tolls of a source's rows).
    """
    parent: dict[Row, Row] = {}
    via: dict[Row, list[Key]] = {}
    for key in sorted(k for k, d in decisions.items() if d == "match"):
        x, y = (key[0], key[1]), (key[2], key[3])
        rx, ry = _find(parent, x), _find(parent, y)
        if rx == ry:
            continue
        parent[ry] = rx
        via[rx] = [*via.get(rx, []), *via.pop(ry, []), key]
    return parent, via


def _row_decision(
    path: str,
    row: int,
    values: tuple[object, ...],
    ids: dict[str, set[str]] | None,
    numbers: _NumberIndex,
) -> tuple[Key, str] | None:
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
        key = numbers.resolve(_unsafe(key, ids))
        unknown = _unknown(key, ids)
        if unknown is not None:
            raise InputFileError(path, unknown[1], row=row, column=unknown[0], keepable=False)
    else:
        key = tuple(strip_safe(v) for v in key)  # type: ignore[assignment]
    if key[0] == key[2]:
        raise InputFileError(path, _one_source(key), row=row, column="source_b", keepable=False)
    return key, decision


def strip_safe(value: str) -> str:
    """``'+93`` -> ``+93``: the ``'`` a spreadsheet-safe file puts before a formula start."""
    if value.startswith("'") and value[1:].startswith(_SAFE_PREFIX):
        return value[1:]
    return value


def _unsafe(key: Key, ids: dict[str, set[str]]) -> Key:
    """Each cell as the inputs know it: as written, else without a spreadsheet-safe ``'``."""
    out = list(key)
    for k in (0, 2):
        if out[k] not in ids:
            out[k] = strip_safe(out[k])
        known = ids.get(out[k], set())
        if out[k + 1] not in known and strip_safe(out[k + 1]) in known:
            out[k + 1] = strip_safe(out[k + 1])
    return (out[0], out[1], out[2], out[3])


def _text(value: object) -> str:
    return "" if value is None or pd.isna(value) else str(value).strip()


def _number(text: str) -> Decimal | None:
    """Return the finite number a cell writes (``2.00706170001E+11``), else None."""
    try:
        value = Decimal(text.strip())
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() else None


class _NumberIndex:
    """Each source's event ids by the number they write, for ids a spreadsheet made numbers.

    A spreadsheet reads ``200706170001.0`` as a number and saves ``200706170001`` (or
    ``2.00706170001E+11``), ``126645`` as ``126645.0``, ``007`` as ``7``: a cell that is not
    an id of its source but writes the number of exactly one of them is that id (so is
    ``'126645``, the ``'`` typed to keep it text). A number rounded for display
    (``2.00706E+11``) writes no id's number and stays refused.
    """

    def __init__(self, ids: dict[str, set[str]]) -> None:
        self.ids = ids
        self._by_number: dict[str, dict[Decimal, list[str]]] = {}

    def _numbers(self, source: str) -> dict[Decimal, list[str]]:
        if source not in self._by_number:
            table: dict[Decimal, list[str]] = {}
            for event in sorted(self.ids.get(source, ())):
                value = _number(event)
                if value is not None:
                    table.setdefault(value, []).append(event)
            self._by_number[source] = table
        return self._by_number[source]

    def resolve(self, key: Key) -> Key:
        """Return the key with each unknown id that writes one known id's number as that id."""
        out = list(key)
        for k in (0, 2):
            source, event = out[k], out[k + 1]
            if source not in self.ids or event in self.ids[source]:
                continue
            if event.startswith("'") and event[1:] in self.ids[source]:
                out[k + 1] = event[1:]  # a ' typed to keep a number as text
                continue
            value = _number(event.removeprefix("'"))
            same = self._numbers(source).get(value, []) if value is not None else []
            if len(same) == 1:
                out[k + 1] = same[0]
        return (out[0], out[1], out[2], out[3])


def resolve_numbers(decisions: dict[Key, str], ids: dict[str, set[str]]) -> dict[Key, str]:
    """Return the decisions with ids a spreadsheet turned into numbers read back as the ids.

    Parameters
    ----------
    decisions : dict
        (source_a, event_id_a, source_b, event_id_b) -> decision.
    ids : dict
        Source name -> its event ids, as the merge names them.

    Returns
    -------
    dict
        The same decisions; an id that is not its source's but writes the number of
        exactly one of its ids (``200706170001`` for ``200706170001.0``) is that id.
    """
    numbers = _NumberIndex(ids)
    return {numbers.resolve(k): d for k, d in decisions.items()}


def known_id(event: str, ids: set[str]) -> str | None:
    """Return the id of ``ids`` a person's text names: as written, else as its number.

    Parameters
    ----------
    event : str
        An id as typed (``200706170001`` for ``200706170001.0``, ``'126645``).
    ids : set of str
        One source's event ids, as the merge names them.

    Returns
    -------
    str or None
        The id; None when no id, or several, write that number.
    """
    key = _NumberIndex({"s": set(ids)}).resolve(("s", event, "s", event))
    return key[1] if key[1] in ids else None
