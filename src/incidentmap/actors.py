"""Actor groups and attribution: who did it, across datasets that name groups differently.

``geo/actor_groups.csv`` lists, for each group (``isis-k``, ``taliban``, ``haqqani``...),
every name datasets and reporting write it under: English variants, Dari/Pashto/Arabic
script, and each dataset's own names, which change over time (ACLED's ``Islamic State
(Afghanistan)``, later ``Islamic State Khorasan Province (ISKP)``). A name that is
ambiguous on its own is tied to the dataset whose coding gives it a meaning (UCDP GED's
``IS``).

:func:`actor_groups` adds three columns:

``actor1_group``, ``actor2_group``
    The group ids of ``actor`` (ACLED actor1, UCDP side_a, GTD gname: the perpetrator
    side) and ``actor2``; several ids are joined with ``|``; empty when the name is not
    a known group.
``attribution``
    ``sole``, ``joint`` (two groups named together), ``uncertain`` ("A and/or B", ACLED's
    way of saying either), ``claimed`` (a claim recorded: GTD ``claimed``, "(claimed)")
    or ``suspected`` (GTD ``guncertain1``, "suspected").
"""

from __future__ import annotations

import csv
import functools
import re
from dataclasses import dataclass
from importlib import resources

import numpy as np
import pandas as pd

from incidentmap._coded import coded_text
from incidentmap.errors import UsageError
from incidentmap.schema import header_key

__all__ = [
    "ATTRIBUTIONS",
    "ActorGroup",
    "actor_groups",
    "group_ids",
    "groups",
    "match_actor",
]

ATTRIBUTIONS = ("sole", "joint", "uncertain", "claimed", "suspected")
_CLAIMED = re.compile(r"\(\s*claimed\s*\)|\bclaimed by\b|\bclaimed\b", re.I)
_SUSPECTED = re.compile(r"\(\s*suspected\s*\)|\bsuspected\b|\balleged(ly)?\b", re.I)
AND_OR = re.compile(r"\s+and\s*/\s*or\s+|\s+or\s+", re.I)
_JOINT = re.compile(r"\s*;\s*|\s+&\s+|\s+and\s+", re.I)


@dataclass(frozen=True)
class ActorGroup:
    """A group and the names it is written under."""

    id: str
    name: str
    aliases: tuple[tuple[str, str, str, str], ...]  # (alias, match, dataset, source)


#: apostrophes and ayn marks that transliterations write in many ways (Al-Qa`ida, Jam'iyyat)
_MARKS = re.compile("[`'\u2018\u2019\u02bb\u02bc\u02bf\u02be]")


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", _MARKS.sub("", str(text)).strip().casefold())


@functools.cache
def groups() -> dict[str, ActorGroup]:
    """Return the actor groups of ``geo/actor_groups.csv``, by id."""
    text = resources.files("incidentmap._geo").joinpath("actor_groups.csv").read_text("utf-8")
    rows = csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
    collected: dict[str, tuple[str, list[tuple[str, str, str, str]]]] = {}
    for row in rows:
        entry = collected.setdefault(row["group"], (row["name"], []))
        entry[1].append((row["alias"], row["match"], row["dataset"], row["source"]))
    return {gid: ActorGroup(gid, name, tuple(al)) for gid, (name, al) in collected.items()}


def group_ids() -> list[str]:
    """Return the known group ids, sorted."""
    return sorted(groups())


@functools.cache
def _tables(dataset: str) -> tuple[dict[str, str], list[tuple[str, str]]]:
    exact: dict[str, str] = {}
    prefix: list[tuple[str, str]] = []
    for gid, group in groups().items():
        for alias, match, ds, _source in group.aliases:
            if ds not in ("any", dataset):
                continue
            if match == "prefix":
                prefix.append((_norm(alias), gid))
            else:
                exact[_norm(alias)] = gid
    prefix.sort(key=lambda t: -len(t[0]))
    return exact, prefix


def _one(text: str, dataset: str) -> str | None:
    exact, prefix = _tables(dataset)
    key = _norm(_CLAIMED.sub(" ", _SUSPECTED.sub(" ", text)))
    key = re.sub(r"\(\s*\)", "", key).strip(" ,;-")
    if key in exact:
        return exact[key]
    for p, gid in prefix:
        if key.startswith(p):
            return gid
    return None


def match_actor(text: str | None, dataset: str = "any") -> tuple[list[str], str | None]:
    """Return (group ids, attribution) for one actor text.

    Parameters
    ----------
    text : str or None
        An actor as written ("Taliban and/or Islamic State (Afghanistan)").
    dataset : str
        ``acled``, ``ucdp``, ``gtd``, ``awsd`` or ``any``: which dataset-specific
        names apply.

    Returns
    -------
    tuple
        The group ids found (in the order written; empty when none is known) and the
        attribution (None when there is no actor text).
    """
    if _blank(text):
        return [], None
    raw = str(text)
    found, how = _named_groups(raw, dataset)
    if how == "sole":
        how = _hedged(raw)
    return found, how


def _blank(text: object) -> bool:
    """Say whether an actor text is missing (None, NaN) or blank."""
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return True
    return not str(text).strip()


def _named_groups(raw: str, dataset: str) -> tuple[list[str], str]:
    """Return the groups a text names (each once, in order) and sole, joint or uncertain."""
    whole = _one(raw, dataset)
    if whole is not None:
        return [whole], "sole"
    if AND_OR.search(raw):  # "A and/or B": either of them
        return _parts(AND_OR.split(raw), dataset), "uncertain"
    if _JOINT.search(raw):  # "A; B", "A and B": both, when they are two groups
        found = _parts(_JOINT.split(raw), dataset)
        return found, "joint" if len(found) > 1 else "sole"
    return [], "sole"


def _parts(parts: list[str], dataset: str) -> list[str]:
    """Return the groups of the parts of a text, each once, in the order written."""
    return list(dict.fromkeys(g for g in (_one(p, dataset) for p in parts) if g))


def _hedged(raw: str) -> str:
    """Return the attribution of a sole group: suspected, claimed or sole."""
    if _SUSPECTED.search(raw):
        return "suspected"
    if _CLAIMED.search(raw):
        return "claimed"
    return "sole"


_DATASETS = {
    "acled": "acled",
    "acled_admin1": "acled",
    "acled_weekly": "acled",
    "ucdp": "ucdp",
    "gtd": "gtd",
    "awsd": "awsd",
}


#: attribution values, by their codes in :func:`actor_groups`
ATTRIBUTIONS = ("sole", "joint", "uncertain", "suspected", "claimed")
_HOW = {h: i for i, h in enumerate(ATTRIBUTIONS)}


def actor_groups(
    incidents: pd.DataFrame, dataset: str | None = None, *, arrow: bool = False
) -> pd.DataFrame:
    """Group ids and attribution for every row.

    Parameters
    ----------
    incidents : pandas.DataFrame
        Incidents in the canonical schema (``actor``, ``actor2``; GTD's ``claimed``
        and ``guncertain1`` columns are used when present).
    dataset : str, optional
        The preset the file was read with (default ``incidents.attrs["preset"]``).
    arrow : bool, default False
        Arrow-backed text columns instead of object columns (for file writers).

    Returns
    -------
    pandas.DataFrame
        ``actor1_group``, ``actor2_group``, ``attribution``; same index.
    """
    ds = _DATASETS.get(dataset or incidents.attrs.get("preset", ""), "any")
    idx = incidents.index
    named = [c for c in ("actor", "actor2") if c in incidents.columns]
    if not any(incidents[c].notna().any() for c in named):  # no actors at all: no groups
        none = np.full(len(incidents), -1, dtype=np.int64)
        cols = ("actor1_group", "actor2_group", "attribution")
        return _side_by_side({k: _coded_column(none, [], idx, arrow) for k in cols})
    codes1, matched1 = _matched(incidents, "actor", ds)
    codes2, matched2 = _matched(incidents, "actor2", ds)
    hows = np.array([_HOW[m[1]] if m[1] else -1 for m in matched1] + [-1], dtype=np.int64)
    how = _flagged(incidents, hows[codes1])
    return _side_by_side(
        {
            "actor1_group": _coded_column(codes1, _joined(matched1), idx, arrow),
            "actor2_group": _coded_column(codes2, _joined(matched2), idx, arrow),
            "attribution": _coded_column(how, ATTRIBUTIONS, idx, arrow),
        }
    )


def _coded_column(
    codes: np.ndarray, labels: list[str | None] | tuple[str, ...], index: pd.Index, arrow: bool
) -> pd.Series:
    """Return a text column from codes (object columns with None for "no group")."""
    values = coded_text(codes, labels, arrow=arrow)  # pandas would otherwise infer text
    return pd.Series(values, index=index, dtype=values.dtype, copy=False)


def _matched(
    incidents: pd.DataFrame, col: str, ds: str
) -> tuple[np.ndarray, list[tuple[list[str], str | None]]]:
    """Return each row's code among the column's distinct names, and each name's match."""
    n = len(incidents)
    values = incidents[col] if col in incidents.columns else pd.Series([None] * n)
    codes, uniq = pd.factorize(values, use_na_sentinel=True)  # each name once
    return codes, [match_actor(u, ds) for u in uniq]


def _joined(matched: list[tuple[list[str], str | None]]) -> list[str | None]:
    """Return the group ids of each match joined with ``|`` (None for no group)."""
    return ["|".join(m[0]) or None for m in matched]


#: GTD's flag columns (1: set) and the attribution a sole group then gets, in this order
_FLAGS = (("guncertain1", "suspected"), ("claimed", "claimed"))


def _flagged(incidents: pd.DataFrame, how: np.ndarray) -> np.ndarray:
    """Return the attributions with GTD's ``guncertain1`` and ``claimed`` flags applied."""
    by_key = {header_key(c): c for c in incidents.columns}
    flags = {}
    for key in ("claimed", "guncertain1", "guncertain_1"):
        if key in by_key:
            v = pd.to_numeric(incidents[by_key[key]], errors="coerce").to_numpy()
            flags[key.replace("_", "")] = v == 1
    for key, attribution in _FLAGS:
        if key in flags:
            how = np.where((how == _HOW["sole"]) & flags[key], _HOW[attribution], how)
    return how


def _side_by_side(columns: dict[str, pd.Series]) -> pd.DataFrame:
    """Return a frame of the columns as they are (not copied into one block)."""
    return pd.concat(list(columns.values()), axis=1, keys=list(columns))


def check_group_ids(ids: list[str] | None) -> list[str] | None:
    """Refuse unknown group ids with the list of the known ones."""
    if not ids:
        return None
    known = group_ids()
    bad = [g for g in ids if g not in known]
    if bad:
        msg = f"unknown actor group {bad[0]!r}; known groups: {', '.join(known)}"
        raise UsageError(msg)
    return list(ids)
