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
    if text is None or (isinstance(text, float) and np.isnan(text)) or not str(text).strip():
        return [], None
    raw = str(text)
    whole = _one(raw, dataset)
    found: list[str] = [whole] if whole else []
    how = "sole"
    if whole is None and AND_OR.search(raw):
        found = [g for g in (_one(p, dataset) for p in AND_OR.split(raw)) if g]
        how = "uncertain"
    elif whole is None and _JOINT.search(raw):
        found = [g for g in (_one(p, dataset) for p in _JOINT.split(raw)) if g]
        how = "joint" if len(set(found)) > 1 else "sole"
    found = list(dict.fromkeys(found))
    if how == "sole":
        if _SUSPECTED.search(raw):
            how = "suspected"
        elif _CLAIMED.search(raw):
            how = "claimed"
    return found, how


_DATASETS = {
    "acled": "acled",
    "acled_admin1": "acled",
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
    n = len(incidents)
    idx = incidents.index

    def column(codes: np.ndarray, labels: list[str | None] | tuple[str, ...]) -> pd.Series:
        # object columns with None for "no group" (pandas would otherwise infer text columns)
        values = coded_text(codes, labels, arrow=arrow)
        return pd.Series(values, index=idx, dtype=values.dtype, copy=False)

    named = [c for c in ("actor", "actor2") if c in incidents.columns]
    if not any(incidents[c].notna().any() for c in named):  # no actors at all: no groups
        none = np.full(n, -1, dtype=np.int64)
        cols = ("actor1_group", "actor2_group", "attribution")
        return _side_by_side({k: column(none, []) for k in cols})
    out: dict[str, pd.Series] = {}
    how = np.full(n, -1, dtype=np.int64)  # positions in ATTRIBUTIONS
    for col, name in (("actor", "actor1_group"), ("actor2", "actor2_group")):
        values = incidents[col] if col in incidents.columns else pd.Series([None] * n)
        codes, uniq = pd.factorize(values, use_na_sentinel=True)  # each name once
        matched = [match_actor(u, ds) for u in uniq]
        out[name] = column(codes, ["|".join(m[0]) or None for m in matched])
        if col == "actor":
            hows = np.array([_HOW[m[1]] if m[1] else -1 for m in matched] + [-1], dtype=np.int64)
            how = hows[codes]
    by_key = {header_key(c): c for c in incidents.columns}
    flags = {}
    for key in ("claimed", "guncertain1", "guncertain_1"):
        if key in by_key:
            v = pd.to_numeric(incidents[by_key[key]], errors="coerce").to_numpy()
            flags[key.replace("_", "")] = v == 1
    if "guncertain1" in flags:
        how = np.where((how == _HOW["sole"]) & flags["guncertain1"], _HOW["suspected"], how)
    if "claimed" in flags:
        how = np.where((how == _HOW["sole"]) & flags["claimed"], _HOW["claimed"], how)
    out["attribution"] = column(how, ATTRIBUTIONS)
    return _side_by_side(out)


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
