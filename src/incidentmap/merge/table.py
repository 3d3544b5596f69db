"""The pairs of two sources as the pairs file shows them: each pair's reason and runner-up.

:class:`PairSet` holds the scored pairs of two sources and what was decided about each;
:func:`reasons` says why in a few words, :func:`runner_up` names each pair's best rival,
and :func:`pairs_table` makes the table of :data:`PAIR_COLUMNS`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from incidentmap.merge.candidates import Pairs
from incidentmap.merge.records import Records
from incidentmap.merge.same import SAME_REASON
from incidentmap.merge.score import MARGIN, PARTS, REVIEW, match_bar

__all__ = ["PAIR_COLUMNS", "PairSet", "key", "pairs_table", "reasons", "runner_up"]

PAIR_COLUMNS = (
    "source_a", "event_id_a", "source_b", "event_id_b", "level", "km", "days", "score",
    "decision", "runner_up", "reason", *PARTS, "pair_score",
)  # fmt: skip


@dataclass
class PairSet:
    """The scored pairs of two sources, with what was decided about each."""

    sa: int
    sb: int
    p: Pairs
    score: np.ndarray
    alone: np.ndarray
    parts: dict[str, np.ndarray]
    episode: np.ndarray
    decision: np.ndarray
    reason: np.ndarray
    forced: np.ndarray
    rival: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    ambiguous: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=bool))
    #: pairs of the same row in both sources (:func:`~incidentmap.merge.same.same_rows`)
    same: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=bool))
    #: pairs scoring a match by place and day alone (:func:`~incidentmap.merge.score.told_apart`)
    untold: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=bool))


def reasons(
    a: Records,
    b: Records,
    ps: PairSet,
    call: np.ndarray,
    partner_a: np.ndarray,
    partner_b: np.ndarray,
) -> np.ndarray:
    """Say why each pair got its decision, in a few words."""
    p, s, d = ps.p, ps.score, ps.decision
    score = np.char.mod("%.2f", s).astype(object)
    bar = np.char.mod("%.2f", match_bar(p.level))
    out = np.full(len(s), "", dtype=object)
    out[:] = "score " + score + f" below {REVIEW:.2f}"
    review = d == "review"
    out[review] = "score " + score[review] + f" between {REVIEW:.2f} and " + bar[review]
    out[review & ps.episode] = (
        "an episode (a date range) overlaps, score "
        + score[review & ps.episode]
        + f" between {REVIEW:.2f} and "
        + bar[review & ps.episode]
    )
    out[d == "match"] = (
        "the best one-to-one pair, score " + score[d == "match"] + " >= " + bar[d == "match"]
    )
    other_b = (d == "different") & (partner_a >= 0) & (partner_a != p.j)
    k = np.flatnonzero(other_b)
    out[k] = [
        f"{a.name}:{a.event_id[p.i[x]]} matched {b.name}:{b.event_id[partner_a[x]]}" for x in k
    ]
    other_a = (d == "different") & ~other_b & (partner_b >= 0) & (partner_b != p.i)
    k = np.flatnonzero(other_a)
    out[k] = [
        f"{b.name}:{b.event_id[p.j[x]]} matched {a.name}:{a.event_id[partner_b[x]]}" for x in k
    ]
    # the row left is free and near, and no part but the deaths speaks against the pair
    worth = np.all([ps.parts[k] >= 0.5 for k in ("space", "time", "category", "actors")], axis=0)
    hint_b, hint_a = other_b & (partner_b < 0) & worth, other_a & (partner_a < 0) & worth
    out[hint_b] += _split_hint(a, b, p.i[hint_b], p.j[hint_b], partner_a[hint_b])
    out[hint_a] += _split_hint(b, a, p.j[hint_a], p.i[hint_a], partner_b[hint_a])
    if len(ps.untold):
        k = np.flatnonzero(ps.untold & review)
        out[k] = ("score " + score[k] + " >= " + bar[k] + ", but nothing beyond place and day "
                  "tells them apart (no type, actor, toll or place name both give)")  # fmt: skip
    amb = np.flatnonzero(ps.ambiguous)
    out[amb] = [
        f"ambiguous: {key(a, b, ps, ps.rival[x])} scores within {MARGIN:g} log-odds alone "
        f"({ps.alone[ps.rival[x]]:.2f} against {ps.alone[x]:.2f}) and given both rows' "
        f"candidates ({ps.score[ps.rival[x]]:.2f} against {s[x]:.2f})"
        for x in amb
    ]
    if len(ps.same):
        out[ps.same & (d == "match")] = SAME_REASON
    decided = call != ""
    out[decided] = "decided by a person: " + call[decided]
    return out


def _split_hint(
    one: Records, two: Records, row: np.ndarray, free: np.ndarray, matched: np.ndarray
) -> np.ndarray:
    """Say where ``two``'s rows ``matched`` + ``free`` may be one incident in two rows.

    Their deaths add up to the deaths ``one``'s row gives better than the matched row's
    alone (all three known, each of ``two``'s rows at least one): a person may call both
    ``match`` (:mod:`incidentmap.merge.decisions`).
    """
    x, y, z = one.fatalities[row], two.fatalities[matched], two.fatalities[free]
    with np.errstate(invalid="ignore"):
        fits = (y >= 1) & (z >= 1) & (np.abs(x - y - z) < np.abs(x - y))
    out = np.full(len(row), "", dtype=object)
    out[fits] = [
        f"; their deaths add up ({two.name}:{two.event_id[m]} {y_:g} + {two.name}:"
        f"{two.event_id[f]} {z_:g}, {one.name}:{one.event_id[r]} {x_:g}): one incident in "
        "two rows? call both match"
        for r, m, f, x_, y_, z_ in zip(row[fits], matched[fits], free[fits], x[fits], y[fits],
                                        z[fits], strict=True)
    ]  # fmt: skip
    return out


def key(a: Records, b: Records, ps: PairSet, x: int) -> str:
    """Return the rows of pair ``x`` as ``a:ID + b:ID``."""
    return f"{a.name}:{a.event_id[ps.p.i[x]]} + {b.name}:{b.event_id[ps.p.j[x]]}"


def _best_two(n: int, side: np.ndarray, other: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, ...]:
    """Per row of one side: its best and second-best partner and their scores."""
    order = np.lexsort((other, -s, side))
    ranked_side = side[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = ranked_side[1:] != ranked_side[:-1]
    second = np.zeros(len(order), dtype=bool)
    second[1:] = ~first[1:] & first[:-1]
    best, best_s = np.full(n, -1), np.full(n, np.nan)
    next_, next_s = np.full(n, -1), np.full(n, np.nan)
    best[ranked_side[first]] = other[order][first]
    best_s[ranked_side[first]] = s[order][first]
    next_[ranked_side[second]] = other[order][second]
    next_s[ranked_side[second]] = s[order][second]
    return best, best_s, next_, next_s


def runner_up(a: Records, b: Records, ps: PairSet) -> np.ndarray:
    """Return the best other candidate of either row of each pair: ``source:id (score)``."""
    p, s = ps.p, ps.score
    alts = []
    for n, side, other, rec in ((len(a), p.i, p.j, b), (len(b), p.j, p.i, a)):
        best, best_s, nxt, nxt_s = _best_two(n, side, other, s)
        is_best = best[side] == other
        alt = np.where(is_best, nxt[side], best[side])
        alt_s = np.where(is_best, nxt_s[side], best_s[side])
        alts.append((alt, alt_s, rec))
    (alt1, s1, r1), (alt2, s2, r2) = alts
    s1, s2 = np.nan_to_num(s1, nan=-1.0), np.nan_to_num(s2, nan=-1.0)
    first = s1 >= s2
    alt = np.where(first, alt1, alt2)
    best = np.where(first, s1, s2)
    ids_1 = np.append(r1.event_id, "")[alt1]
    ids_2 = np.append(r2.event_id, "")[alt2]
    label = np.where(first, f"{r1.name}:", f"{r2.name}:").astype(object)
    text = label + np.where(first, ids_1, ids_2).astype(object)
    score = np.char.mod("%.2f", best).astype(object)
    out = (text + " (" + score + ")").astype(object)
    out[(best < 0) | (alt < 0)] = None
    return out


def pairs_table(sources: list[Records], sets: list[PairSet]) -> pd.DataFrame:
    """Return every listed pair of every two sources: :data:`PAIR_COLUMNS`, by source and id."""
    frames = []
    for ps in sets:
        if not len(ps.score):  # an empty part makes empty arrow chunks, which write garbled
            continue
        a, b = sources[ps.sa], sources[ps.sb]
        k = np.arange(len(ps.score))  # every pair from LISTED, and those a person named
        runner = runner_up(a, b, ps)
        amb = np.flatnonzero(ps.ambiguous)
        runner[amb] = [f"{key(a, b, ps, ps.rival[x])} ({ps.score[ps.rival[x]]:.2f})" for x in amb]
        extra = {"pair_score": np.round(ps.alone[k], 3)}
        frame = pd.DataFrame(
            {
                "source_a": a.name,
                "event_id_a": a.event_id[ps.p.i[k]],
                "source_b": b.name,
                "event_id_b": b.event_id[ps.p.j[k]],
                "level": ps.p.level[k],
                "km": np.round(ps.p.km[k], 2),
                "days": ps.p.days[k],
                "score": np.round(ps.score[k], 3),
                "decision": ps.decision[k],
                "runner_up": runner[k],
                "reason": ps.reason[k],
                **{name: np.round(v[k], 3) for name, v in ps.parts.items()},
                **extra,
            }
        )
        frames.append(frame)
    if not frames:
        return pd.DataFrame(columns=list(PAIR_COLUMNS))
    table = pd.concat(frames, ignore_index=True)
    return table.sort_values(
        ["source_a", "event_id_a", "source_b", "score"],
        ascending=[True, True, True, False],
        kind="stable",
    ).reset_index(drop=True)
