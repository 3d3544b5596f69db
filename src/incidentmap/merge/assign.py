"""One-to-one matches: the best total score, whatever the order of the rows.

The pairs that may be matches (a score from the match threshold, no episode, or a
person's "match") form a bipartite graph between two sources; its connected groups are
independent. A group of one pair is that pair; each other group is solved as an
assignment problem (:func:`scipy.optimize.linear_sum_assignment` on the group's
scores, maximised; a pair that is not a candidate scores 0 and is never taken): the
optimum, whatever the order of the rows. A group too large for one dense matrix (over
:data:`DENSE_CELLS` cells: dense places over many days, chained by province-level rows)
is solved in slabs of :data:`SLAB_ROWS` rows of the first source in date order, each
slab optimal against the rows of the second source still free (the sparse solver,
:func:`scipy.sparse.csgraph.min_weight_full_bipartite_matching`, took 64 s on a group
that the dense one solves in 1.2 s). Rows are put in a canonical order (by event id)
first, and equal scores are split by the pair's ids, so shuffled inputs give the same
answer.

Across three or more sources, the matches of every pair of sources are joined into
events from the best score down; a join by the score that would put two rows of one
source into one event is refused (that pair becomes ``different`` with the reason). A
person's matches may (one source's two rows of one incident, matched with one row).
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

__all__ = ["DENSE_CELLS", "SLAB_ROWS", "assign", "join_events", "joined_rows"]

#: the largest group solved as one dense matrix (about 130 MB of scores)
DENSE_CELLS = 16_000_000
#: rows of the first source per slab of a group larger than that
SLAB_ROWS = 3_000


def _components(n_a: int, n_b: int, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    n = n_a + n_b
    graph = coo_matrix((np.ones(len(i)), (i, j + n_a)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    return labels[i]


def assign(
    n_a: int,
    n_b: int,
    i: np.ndarray,
    j: np.ndarray,
    score: np.ndarray,
    when: np.ndarray | None = None,
) -> np.ndarray:
    """Choose one-to-one pairs maximising the total score.

    Parameters
    ----------
    n_a, n_b : int
        Rows in the two sources.
    i, j : numpy.ndarray
        The eligible pairs' rows (each pair once).
    score : numpy.ndarray
        Their scores (> 0).
    when : numpy.ndarray, optional
        A date per row of the first source (days), the order of the slabs of a group
        too large for one matrix (default: the row order).

    Returns
    -------
    numpy.ndarray of bool
        True for the chosen pairs.
    """
    chosen = np.zeros(len(i), dtype=bool)
    if not len(i):
        return chosen
    labels = _components(n_a, n_b, i, j)
    size = np.bincount(labels)[labels]
    chosen[size == 1] = True
    many = np.flatnonzero(size > 1)
    many = many[np.argsort(labels[many], kind="stable")]
    bounds = np.flatnonzero(np.diff(labels[many])) + 1
    when = np.arange(n_a, dtype=float) if when is None else np.nan_to_num(when)
    for group in np.split(many, bounds) if len(many) else []:
        chosen[group] = _solve_group(i[group], j[group], score[group], when)
    return chosen


def _solve_group(i: np.ndarray, j: np.ndarray, score: np.ndarray, when: np.ndarray) -> np.ndarray:
    """Return the chosen edges of one connected group."""
    if len(np.unique(i)) * len(np.unique(j)) <= DENSE_CELLS:
        return _dense(i, j, score)
    chosen = np.zeros(len(i), dtype=bool)
    rows = np.unique(i)
    rows = rows[np.lexsort((rows, when[rows]))]
    taken: set[int] = set()
    for start in range(0, len(rows), SLAB_ROWS):
        slab = np.isin(i, rows[start : start + SLAB_ROWS])
        slab &= ~np.isin(j, np.fromiter(taken, dtype=np.int64, count=len(taken)))
        k = np.flatnonzero(slab)
        if len(k):
            pick = k[_dense(i[k], j[k], score[k])]
            chosen[pick] = True
            taken.update(j[pick].tolist())
    return chosen


def _dense(i: np.ndarray, j: np.ndarray, score: np.ndarray) -> np.ndarray:
    ua, ia = np.unique(i, return_inverse=True)
    ub, jb = np.unique(j, return_inverse=True)
    w = np.zeros((len(ua), len(ub)))
    w[ia, jb] = score
    rows, cols = linear_sum_assignment(w, maximize=True)
    partner = np.full(len(ua), -1)
    partner[rows] = cols
    return (partner[ia] == jb) & (score > 0)


def _find(parent: list[int], x: int) -> int:
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


def joined_rows(total: int, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Return an event label per row: rows ``x[k]`` and ``y[k]`` (global numbers) are one.

    Parameters
    ----------
    total : int
        Rows of every source.
    x, y : numpy.ndarray
        The global rows of each matched pair.

    Returns
    -------
    numpy.ndarray
        One label per row; the rows a chain of matches joins share theirs.
    """
    graph = coo_matrix((np.ones(len(x)), (x, y)), shape=(total, total))
    return connected_components(graph, directed=False)[1]


def join_events(
    offsets: list[int],
    edges: list[tuple[float, str, int, int, int, int]],
    apart: list[tuple[int, int]] | None = None,
    kept: set[int] | None = None,
) -> tuple[np.ndarray, set[int]]:
    """Join matched pairs into events; refuse joins that would hold two rows of one source.

    A join that would put two rows a person called ``different`` (``apart``) into one
    event through a third source is refused too.

    Parameters
    ----------
    offsets : list of int
        The first global row number of each source (and the total at the end).
    edges : list of (score, key, source_a, row_a, source_b, row_b)
        Matched pairs; ``key`` breaks ties of score (a stable text of the two ids).
    apart : list of (int, int), optional
        Global rows that must stay in two events.
    kept : set of int, optional
        Positions of the edges a person matched: they may join two rows of one source
        (a split incident), never rows kept ``apart``.

    Returns
    -------
    labels : numpy.ndarray
        An event label per global row.
    refused : set of int
        Positions (in ``edges``) of the joins refused.
    """
    total = offsets[-1]
    parent = list(range(total))
    members: dict[int, set[int]] = {}
    rows: dict[int, set[int]] = {}
    away: dict[int, set[int]] = {}
    for x, y in apart or ():
        away.setdefault(x, set()).add(y)
        away.setdefault(y, set()).add(x)
    refused: set[int] = set()
    kept = kept or set()
    # a person's matches first, then the score's from the best down
    order = sorted(range(len(edges)), key=lambda k: (k not in kept, -edges[k][0], edges[k][1]))
    for k in order:
        _, _, sa, ra, sb, rb = edges[k]
        x, y = _find(parent, offsets[sa] + ra), _find(parent, offsets[sb] + rb)
        mx = members.get(x, {sa})
        my = members.get(y, {sb})
        if x == y:
            continue
        rx, ry = rows.get(x, {x}), rows.get(y, {y})
        if (mx & my and k not in kept) or rx & away.get(y, set()):
            refused.add(k)
            continue
        parent[y] = x
        members[x] = mx | my
        members.pop(y, None)
        rows[x] = rx | ry
        rows.pop(y, None)
        _join_away(away, x, y)
    return np.array([_find(parent, g) for g in range(total)]), refused


def _join_away(away: dict[int, set[int]], x: int, y: int) -> None:
    """Keep the rows kept apart from event ``y`` apart from ``x`` too (``y`` joined ``x``)."""
    if x in away or y in away:
        away[x] = away.get(x, set()) | away.pop(y, set())
