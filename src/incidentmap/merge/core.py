"""``merge_incidents``: several sources into one event list, and the pairs behind it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import combinations

import geopandas as gpd
import numpy as np
import pandas as pd

from incidentmap.errors import UsageError
from incidentmap.merge.assign import assign, join_events, joined_rows
from incidentmap.merge.candidates import Pairs, candidate_pairs
from incidentmap.merge.combine import (
    merged_frame,
    pending_events,
    readable_merged,
    source_counts,
    split_ids,
)
from incidentmap.merge.decisions import check_decisions, resolve_numbers
from incidentmap.merge.posterior import group_probability
from incidentmap.merge.records import (
    Records,
    days_apart,
    duplicate_ids,
    event_ids,
    haversine_km,
    records_of,
)
from incidentmap.merge.same import COPY_SHARE, id_key, id_keys, stated_ids_of, with_copies
from incidentmap.merge.score import LISTED, MARGIN, REVIEW, match_bar, score_pairs, told_apart
from incidentmap.merge.table import PAIR_COLUMNS, PairSet, pairs_table, reasons

__all__ = ["DECISIONS", "PAIR_COLUMNS", "MergeResult", "merge_incidents", "source_name"]

DECISIONS = ("match", "review", "different")
_NAME = re.compile(r"[^a-z0-9]+")
#: a decision read back from a pairs file: (source_a, event_id_a, source_b, event_id_b)
Key = tuple[str, str, str, str]


@dataclass
class MergeResult:
    """What :func:`merge_incidents` made.

    Attributes
    ----------
    merged : geopandas.GeoDataFrame
        One row per event (see :mod:`incidentmap.merge.combine` for the value rule).
    pairs : pandas.DataFrame
        Every candidate pair scoring at least :data:`~incidentmap.merge.score.LISTED`,
        and every pair a decision named: :data:`PAIR_COLUMNS`.
    counts : dict
        Per source: ``rows``, ``merged`` (in an event with another source's row),
        ``alone``, ``not_compared`` (no date, or no place finer than the country),
        ``review`` (rows in a pair left for a person).
    pending : int
        Events of ``merged`` that hold a row of a pair left for review: the events whose
        count depends on a person's decision.
    ambiguous : int
        Pairs left for review because a rival scores within the margin.
    """

    merged: gpd.GeoDataFrame
    pairs: pd.DataFrame
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    #: events (merged rows) holding a row of a pair left for review: how many events of
    #: the list depend on a person's decision
    pending: int = 0
    #: pairs left for review because another candidate of one of its rows scores within
    #: :data:`~incidentmap.merge.score.MARGIN` and the group does not settle it
    ambiguous: int = 0
    #: per source, the event ids said on several rows -> the names the merge gave those
    #: rows (``D1`` -> ``D1``, ``D1#2``; see :func:`~incidentmap.merge.records.event_ids`)
    renamed: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    #: ``a+b`` -> rows matched as the same row in both sources (one stated event id, the
    #: same compared values: :mod:`~incidentmap.merge.same`), for pairs of sources with any
    same: dict[str, int] = field(default_factory=dict)

    @property
    def rows_in(self) -> int:
        """Rows read from every source."""
        return sum(c["rows"] for c in self.counts.values())


def source_name(text: str) -> str:
    """Return a source's name as columns use it: lower case, words joined by ``_``."""
    name = _NAME.sub("_", text.lower()).strip("_")
    if not name:
        msg = f"source name {text!r}: give letters or digits (name=path)"
        raise UsageError(msg)
    return name if not name[0].isdigit() else f"s{name}"


def _canonical(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows in the order of their event ids (then row numbers): shuffles do not matter."""
    f = frame.reset_index(drop=True)
    raw = f["event_id"].astype(object) if "event_id" in f else pd.Series([None] * len(f))
    ids = np.array(["" if pd.isna(v) else str(v) for v in raw], dtype=str)
    rows = pd.to_numeric(f["row"], errors="coerce") if "row" in f else pd.Series(range(len(f)))
    order = np.lexsort((rows.to_numpy(dtype=float), ids))
    return f.iloc[order].reset_index(drop=True)


def _not_compared(r: Records, alone: np.ndarray) -> dict[str, str]:
    """Say why a row left alone was not compared (a row matched as the same row was)."""
    notes = {}
    for k in np.flatnonzero(((r.level == "none") | np.isnan(r.lo)) & alone):
        why = "no date" if np.isnan(r.lo[k]) else "no place finer than the country"
        notes[f"{r.name}:{r.event_id[k]}"] = f"{r.name}:{r.event_id[k]} not compared: {why}"
    return notes


def _index(r: Records) -> dict[str, int]:
    return {str(e): k for k, e in enumerate(r.event_id)}


def _forced_pairs(
    a: Records, b: Records, p: Pairs, calls: dict[tuple[int, int], str], days: float
) -> Pairs:
    """Add the pairs a person decided on that the windows did not find."""
    if not calls:
        return p
    have = set(zip(p.i.tolist(), p.j.tolist(), strict=True))
    extra = [(i, j) for (i, j) in calls if (i, j) not in have]
    if not extra:
        return p
    i = np.array([x for x, _ in extra], dtype=np.int64)
    j = np.array([y for _, y in extra], dtype=np.int64)
    km = haversine_km(a.lon[i], a.lat[i], b.lon[j], b.lat[j])
    both = (a.level[i] == "point") & (b.level[j] == "point")
    gap = days_apart(a, i, b, j)
    level = np.where(both, "point", "decided").astype(object)
    return Pairs(
        i=np.concatenate([p.i, i]),
        j=np.concatenate([p.j, j]),
        km=np.concatenate([p.km, np.where(both, km, np.nan)]),
        days=np.concatenate([p.days, np.nan_to_num(gap, nan=np.inf)]),
        level=np.concatenate([p.level, level]),
    )


def _partners(n: int, side: np.ndarray, other: np.ndarray, matched: np.ndarray) -> np.ndarray:
    out = np.full(n, -1, dtype=np.int64)
    out[side[matched]] = other[matched]
    return out


def _row_hashes(r: Records) -> np.ndarray:
    keys = pd.Series([f"{r.name}:{e}" for e in r.event_id], dtype=object)
    return pd.util.hash_pandas_object(keys, index=False).to_numpy(dtype=np.uint64)


def _tie_breaks(a: Records, b: Records, p: Pairs) -> np.ndarray:
    """Return a number in [0, 1) per pair, from its two ids alone.

    Equal scores are so split the same way whatever the order of the rows or of the
    sources (XOR does not care which side is which).
    """
    mixed = _row_hashes(a)[p.i] ^ _row_hashes(b)[p.j]
    return (mixed >> np.uint64(11)).astype(float) / 2.0**53


def _logit(p: np.ndarray) -> np.ndarray:
    q = np.clip(p, 1e-9, 1 - 1e-9)
    return np.log(q / (1 - q))


def _rivals(ps: PairSet, call: np.ndarray, n_a: int, n_b: int, tie: np.ndarray) -> np.ndarray:
    """Per pair: the best other candidate of either of its rows (by the pair's own score).

    Returns a position in the pairs, -1 where neither row has another candidate; a pair
    a person called different is nobody's rival.
    """
    p = ps.p
    s = np.where(call == "different", -1.0, ps.alone) + 1e-7 * tie  # equal scores: by ids
    out = np.full(len(s), -1, dtype=np.int64)
    if not len(s):  # no pair: nobody has a rival
        return out
    best = np.full(len(s), -np.inf)
    for side, n in ((p.i, n_a), (p.j, n_b)):
        order = np.lexsort((tie, -s, side))
        ranked = side[order]
        first = np.r_[True, ranked[1:] != ranked[:-1]]
        second = np.r_[False, ~first[1:] & first[:-1]]
        top, runner = np.full(n, -1, np.int64), np.full(n, -1, np.int64)
        top[ranked[first]] = order[first]
        runner[ranked[second]] = order[second]
        alt = np.where(top[side] == np.arange(len(s)), runner[side], top[side])
        alt_s = np.where(alt >= 0, s[np.maximum(alt, 0)], -np.inf)
        better = alt_s > best
        out[better], best[better] = alt[better], alt_s[better]
    out[best < 0] = -1
    return out


def _decide(a: Records, b: Records, ps: PairSet, calls: dict[tuple[int, int], str]) -> None:
    """Assign one-to-one, then name each pair match, review or different with a reason."""
    p = ps.p
    call = np.full(len(p.i), "", dtype=object)
    if calls:
        call[:] = [calls.get((i, j), "") for i, j in zip(p.i.tolist(), p.j.tolist(), strict=True)]
    ps.forced = call != ""
    call = call.astype(object)
    free_call = call != "different"
    k = np.flatnonzero(free_call)
    group = np.zeros(len(p))
    group[k] = group_probability(len(a), len(b), p.i[k], p.j[k], ps.alone[k])
    ps.score = np.round(group, 6)
    s = ps.score
    tie = _tie_breaks(a, b, p)
    same = ps.same & (call == "")  # the same row in both sources: one record
    weight = np.where(same, 100.0, _logit(s)) + 1e-7 * tie
    bar = match_bar(p.level)
    told = told_apart(ps.parts)  # place and day alone never make a match
    ps.untold = (call == "") & ~same & (s >= bar) & ~told
    # a person's matches hold as called (two with one row: a split); the score assigns
    # the rows they leave free
    matched = call == "match"
    held_a = np.isin(p.i, p.i[matched])
    held_b = np.isin(p.j, p.j[matched])
    eligible = ~matched & ~held_a & ~held_b & (same | ((call == "") & (s >= bar) & told))
    e = np.flatnonzero(eligible)
    matched[e] = assign(len(a), len(b), p.i[e], p.j[e], weight[e] + 50.0, a.lo)
    # a rival within the margin alone that the group leaves open (within the margin given
    # the group too) makes a chosen pair a review
    rival = _rivals(ps, call, len(a), len(b), tie)
    lo = _logit(ps.alone)
    r = np.maximum(rival, 0)
    group_lo = _logit(s)
    near = (rival >= 0) & (lo[r] >= lo - MARGIN) & (group_lo[r] >= group_lo - MARGIN)
    ambiguous = matched & (call == "") & ~same & near
    matched &= ~ambiguous
    pa = _partners(len(a), p.i, p.j, matched)
    pb = _partners(len(b), p.j, p.i, matched)
    free = (pa[p.i] < 0) & (pb[p.j] < 0)
    decision = np.where(matched, "match", "different").astype(object)
    review = (free & (s >= REVIEW) & (call == "")) | (call == "review") | ambiguous
    decision[review] = "review"
    ps.rival = rival
    ps.ambiguous = review & (call == "") & near
    ps.decision = decision
    ps.reason = reasons(a, b, ps, call, pa[p.i], pb[p.j])


def _calls(decisions: dict[Key, str] | None, a: Records, b: Records) -> dict[tuple[int, int], str]:
    """Return the decisions on pairs of these two sources, by row (either order in the file)."""
    if not decisions:
        return {}
    ia, ib = _index(a), _index(b)
    out = {}
    for (s1, e1, s2, e2), d in decisions.items():
        if (s1, s2) == (a.name, b.name):
            x, y = e1, e2
        elif (s2, s1) == (a.name, b.name):
            x, y = e2, e1
        else:
            continue
        if x not in ia or y not in ib:
            continue
        out[(ia[x], ib[y])] = d
    return out


def _pair_set(
    a: Records, b: Records, sa: int, sb: int, km: float, days: float, calls: dict
) -> PairSet:
    # the same row in both sources (a file given twice), found by a window or not
    found, same = with_copies(a, b, candidate_pairs(a, b, km=km, days=days))
    p = _forced_pairs(a, b, found, calls, days)
    same = np.concatenate([same, np.zeros(len(p) - len(found), dtype=bool)])
    sc = score_pairs(a, b, p, km=km, days=days)
    # a pair below LISTED can be neither a match nor a review: it is dropped here, before
    # the reasons and runner-ups (the memory of a dense merge), unless a person named it
    named = np.zeros(len(p.i), dtype=bool)
    if calls:
        named[:] = [(i, j) in calls for i, j in zip(p.i.tolist(), p.j.tolist(), strict=True)]
    k = np.flatnonzero((sc.total >= LISTED) | named | same)
    p = Pairs(i=p.i[k], j=p.j[k], km=p.km[k], days=p.days[k], level=p.level[k])
    parts = {name: v[k] for name, v in sc.parts.items()}
    empty = np.empty(0)
    ps = PairSet(sa, sb, p, empty, sc.total[k], parts, sc.episode[k], empty, empty, empty)
    ps.same = same[k]
    _decide(a, b, ps, calls)
    return ps


def _events(sources: list[Records], sets: list[PairSet]) -> np.ndarray:
    offsets = np.cumsum([0] + [len(r) for r in sources]).tolist()
    if len(sources) == 2:  # one pair of sources: its matches are the events
        ps = sets[0]
        m = ps.decision == "match"
        return joined_rows(offsets[-1], ps.p.i[m], offsets[1] + ps.p.j[m])
    edges = []
    where = []
    apart = []  # rows a person called different stay apart, through a third source too
    kept: set[int] = set()  # a person's matches
    for n, ps in enumerate(sets):
        a, b = sources[ps.sa], sources[ps.sb]
        for k in np.flatnonzero(ps.forced & (ps.decision != "match")):  # different, review
            apart.append((offsets[ps.sa] + int(ps.p.i[k]), offsets[ps.sb] + int(ps.p.j[k])))
        for k in np.flatnonzero(ps.decision == "match"):
            i, j = int(ps.p.i[k]), int(ps.p.j[k])
            key = "|".join(sorted((f"{a.name}:{a.event_id[i]}", f"{b.name}:{b.event_id[j]}")))
            weight = 10.0 if ps.forced[k] or ps.same[k] else float(ps.score[k])
            if ps.forced[k]:
                kept.add(len(edges))
            edges.append((weight, key, ps.sa, i, ps.sb, j))
            where.append((n, k))
    labels, refused = join_events(offsets, edges, apart, kept)
    for e in refused:
        n, k = where[e]
        sets[n].decision[k] = "different"
        sets[n].reason[k] = (
            "would put two rows of one source, or two rows a person called different or "
            "review, into one event (a better match joined them)"
        )
    return labels


def _settle(sources: list[Records], sets: list[PairSet], labels: np.ndarray) -> None:
    """Call ``match`` a pair the score left for review whose rows other matches join.

    Those rows are one event already (``a:1 + b:7`` and ``a:1 + c:3`` match): nothing is
    left for a person, and no row is counted both merged and pending.
    """
    offsets = np.cumsum([0] + [len(r) for r in sources])
    for ps in sets:
        k = np.flatnonzero((ps.decision == "review") & ~ps.forced)
        same = labels[offsets[ps.sa] + ps.p.i[k]] == labels[offsets[ps.sb] + ps.p.j[k]]
        ps.decision[k[same]] = "match"
        ps.reason[k[same]] = "one event: matches with another source's row join both rows"
        ps.ambiguous[k[same]] = False


def _review(sources: list[Records], sets: list[PairSet]) -> dict[str, list[str]]:
    """Per ``source:event_id`` in a pair to review: the other rows, ``b:ID (0.62)``."""
    frames = []
    for ps in sets:
        a, b = sources[ps.sa], sources[ps.sb]
        k = np.flatnonzero(ps.decision == "review")
        ka = (a.name + ":" + a.event_id[ps.p.i[k]].astype(str)).astype(object)
        kb = (b.name + ":" + b.event_id[ps.p.j[k]].astype(str)).astype(object)
        score = " (" + np.char.mod("%.2f", ps.score[k]).astype(object) + ")"
        frames.append(pd.DataFrame({"key": ka, "text": kb + score}))
        frames.append(pd.DataFrame({"key": kb, "text": ka + score}))
    if not frames or not sum(len(f) for f in frames):
        return {}
    both = pd.concat(frames, ignore_index=True)
    out: dict[str, list[str]] = {}
    for key, text in zip(both["key"].tolist(), both["text"].tolist(), strict=True):
        out.setdefault(key, []).append(text)  # in the order found, as a group-by keeps it
    return out


def merge_incidents(
    sources: dict[str, pd.DataFrame] | list[tuple[str, pd.DataFrame]],
    *,
    km: float = 5.0,
    days: float = 1.0,
    decisions: dict[Key, str] | None = None,
) -> MergeResult:
    """Merge placed incident lists into one event list without counting an event twice.

    Parameters
    ----------
    sources : dict or list of (name, frame)
        Placed incidents (:func:`incidentmap.load_incidents`), by source name, in the
        order that breaks ties (the first named wins a tie of precision or text).
    km : float, default 5
        Spatial window between two points (widened by a source's own "within 25 km").
    days : float, default 1
        Temporal window: the most days between two rows' dates (date ranges overlap).
    decisions : dict, optional
        (source_a, event_id_a, source_b, event_id_b) -> ``match``, ``review`` or
        ``different``, as a person decided (read with :func:`read_decisions`).

    Returns
    -------
    MergeResult
    """
    items = list(sources.items()) if isinstance(sources, dict) else list(sources)
    _check(items, km, days)
    records = [records_of(name, _canonical(readable_merged(f))) for name, f in items]
    known = {r.name: {str(e) for e in r.event_id.tolist()} for r in records}
    decisions = resolve_numbers(decisions or {}, known)  # ids a spreadsheet made numbers
    check_decisions(decisions, known)
    sets = [
        _pair_set(records[x], records[y], x, y, km, days, _calls(decisions, records[x], records[y]))
        for x, y in combinations(range(len(records)), 2)
    ]
    labels = _events(records, sets)
    _settle(records, sets, labels)
    _, labels = np.unique(labels, return_inverse=True)
    notes = _notes(records, labels)
    review = _review(records, sets)
    return MergeResult(
        merged=merged_frame(records, labels, review, notes),
        pairs=pairs_table(records, sets),
        counts=source_counts(records, labels, review, notes),
        pending=pending_events(records, labels, review),
        ambiguous=int(sum(ps.ambiguous.sum() for ps in sets)),
        renamed=_renamed(records),
        same=_same_counts(records, sets),
    )


def _notes(records: list[Records], labels: np.ndarray) -> dict[str, str]:
    """Per ``source:event_id`` left alone without a date or a place: why."""
    alone = np.bincount(labels)[labels] == 1
    ends = np.cumsum([0] + [len(r) for r in records]).tolist()
    notes: dict[str, str] = {}
    for n, r in enumerate(records):
        notes.update(_not_compared(r, alone[ends[n] : ends[n + 1]]))
    return notes


def _same_counts(records: list[Records], sets: list[PairSet]) -> dict[str, int]:
    """``a+b`` -> the rows matched as the same row in both sources (pairs with any)."""
    out = {}
    for ps in sets:
        n = int((ps.same & (ps.decision == "match")).sum())
        if n:
            out[f"{records[ps.sa].name}+{records[ps.sb].name}"] = n
    return out


def _renamed(records: list[Records]) -> dict[str, dict[str, list[str]]]:
    """Per source, its ids said on several rows and the names the merge gave them."""
    said = {r.name: duplicate_ids(r.frame) for r in records}
    return {name: d for name, d in said.items() if d}


def _check(items: list[tuple[str, pd.DataFrame]], km: float, days: float) -> None:
    if len(items) < 2:
        raise UsageError("merge needs at least two sources")
    names = [n for n, _ in items]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        msg = f"source {twice[0]!r} is named twice: name each source (name=path)"
        raise UsageError(msg)
    _check_merged_lists(items, names)
    empty = next((n for n, f in items if not len(f)), None)
    if empty is not None:
        msg = f"source {empty!r} has no rows: nothing of it to merge (give a source with rows)"
        raise UsageError(msg, field="inputs")
    check_windows(km, days)


def _check_merged_lists(items: list[tuple[str, pd.DataFrame]], names: list[str]) -> None:
    """Refuse a source that a merged list among the sources already holds.

    Two merged lists that hold one source (a list given twice, or two merges of the same
    sources) would count its events twice and write ``ucdp|ucdp``: refused too.
    """
    _check_twice(items)
    for name, frame in items:
        if "sources" not in frame:
            continue
        inner = _inner(frame)
        again = sorted((inner - {name}) & set(names))
        if again:
            msg = (
                f"source {again[0]!r} is also in the merged list {name!r} (its sources column): "
                "name the new source otherwise, or merge the merged list without it"
            )
            raise UsageError(msg, field="inputs")
        _check_held(name, frame, [(n, f) for n, f in items if n != name])


def _inner(frame: pd.DataFrame) -> set[str]:
    """Return the sources a merged list holds (its ``sources`` column)."""
    return {x for v in frame["sources"].dropna().astype(str) for x in v.split("|")}


def _check_twice(items: list[tuple[str, pd.DataFrame]]) -> None:
    """Refuse two merged lists that hold one source."""
    seen: dict[str, str] = {}
    for name, frame in items:
        inner = _inner(frame) if "sources" in frame else set()
        both = sorted(x for x in inner if x in seen)
        if both:
            msg = (
                f"the merged lists {seen[both[0]]!r} and {name!r} both hold {both[0]!r} (their "
                "sources columns): its events would count twice; merge the sources once, or "
                "one list with the sources it lacks"
            )
            raise UsageError(msg, field="inputs")
        seen.update(dict.fromkeys(inner, name))


def _check_held(name: str, merged: pd.DataFrame, others: list[tuple[str, pd.DataFrame]]) -> None:
    """Refuse a source whose rows a merged list holds already, under another name.

    A source whose event ids are, for :data:`~incidentmap.merge.same.COPY_SHARE` of its
    rows with an id, one inner source's ids in the list's ``source_ids`` is that source
    given again (each of its events would count twice).
    """
    held = _held(merged)
    for other, frame in others:
        if "source_ids" in frame or "event_id" not in frame:
            continue
        ids = id_keys([str(e) for e in event_ids(frame)[stated_ids_of(frame)]])
        for inner, events in sorted(held.items()):
            found = int(np.isin(ids, list(events)).sum())
            if len(ids) and found >= COPY_SHARE * len(ids):
                msg = (
                    f"source {other!r} holds the rows of {inner!r} in the merged list {name!r} "
                    f"({found:,} of its {len(ids):,} event ids are {inner}:ID in its "
                    "source_ids column): they are in the list already; merge the list with the "
                    "other sources only"
                )
                raise UsageError(msg, field="inputs")


def _held(merged: pd.DataFrame) -> dict[str, set[str]]:
    """Per source a merged list holds: its event ids (as :func:`~.same.id_key` has them)."""
    held: dict[str, set[str]] = {}
    for v in merged["source_ids"].dropna().astype(str):
        for key in split_ids(v):
            inner, _, event = key.partition(":")
            held.setdefault(inner, set()).add(id_key(event))
    return held


def check_windows(km: float, days: float) -> None:
    """Refuse a window that is not a finite number of at least 0."""
    for label, value in (("`km`", km), ("`days`", days)):
        if not np.isfinite(value) or value < 0:
            msg = f"{label}: {value} is not a number of at least 0"
            raise UsageError(msg)
