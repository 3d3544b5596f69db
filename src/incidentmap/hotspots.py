"""Getis-Ord Gi* hot spots on the areas' contiguity, and the emerging hot-spot categories.

:func:`gi_star` is the conditional-randomisation Gi* of PySAL ``esda`` (``G_Local`` with
binary weights, ``star=True``), computed here for every period at once with numpy:

* the observed Gi* of area *i* in a period is the events of its neighbourhood (itself and
  its neighbours) over the events of all areas;
* each permutation holds the area's own count fixed and draws its ``k`` neighbours' counts
  at random, without replacement, from the other ``n - 1`` areas. The draws are esda's:
  ``numpy.random.RandomState(seed)``, ``choice(n - 1, size=max_k, replace=False)`` once per
  permutation, the first ``k`` of them used for an area with ``k`` neighbours, the
  ``j``-th other area being the ``j``-th area when ``i`` is left out. The same draws serve
  every period (esda re-seeds for each period), so the numbers are esda's (without
  numba) to the last bit, in a fraction of the time.

:func:`emerging_categories` names each area's pattern over every period (ArcGIS Pro and R
``sfdep``): Gi* per period plus a Mann-Kendall trend of the Gi* z-scores.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = [
    "EMERGING",
    "MIN_EVENTS",
    "TOO_FEW",
    "adjust_fdr",
    "classify_emerging",
    "emerging_categories",
    "gi_star",
    "mann_kendall",
    "queen_neighbours",
    "queen_weights",
]

EMERGING = (
    "new hotspot",
    "consecutive hotspot",
    "intensifying hotspot",
    "persistent hotspot",
    "diminishing hotspot",
    "sporadic hotspot",
    "oscillating hotspot",
    "historical hotspot",
    "new coldspot",
    "consecutive coldspot",
    "intensifying coldspot",
    "persistent coldspot",
    "diminishing coldspot",
    "sporadic coldspot",
    "oscillating coldspot",
    "historical coldspot",
    "no pattern",
    "too few events",
)

#: the fewest events an area must have had, over all the periods compared, to be called any
#: kind of hot or cold spot: Gi* counts its neighbours' events too, so a district with one
#: event in 72 weeks beside a busy one would be a "sporadic hotspot", and a reader would
#: brief it as one. Fewer: "too few events", not a pattern
MIN_EVENTS = 10
#: the category of an area with at least one event but fewer than :data:`MIN_EVENTS` (one
#: with none is "no pattern": nothing happened there)
TOO_FEW = "too few events"

#: the name :func:`gi_star` gives its step when it reports progress
GI_STEP = "hot spots (Gi*)"

#: simulated values held at once (periods x areas x permutations): about 32 MB
_BLOCK_CELLS = 4_000_000


# ---------------------------------------------------------------------------------------------
# emerging categories


def _run_length(sigs: np.ndarray) -> int:
    """Length of the run of True at the end of ``sigs``."""
    n = 0
    for s in sigs[::-1]:
        if not s:
            break
        n += 1
    return n


def _consecutive(mine: np.ndarray, sigs: np.ndarray, share: float) -> bool:
    """Tell one run of significant periods ends the series, all of this kind, none before it.

    And less than 90% of the periods are of this kind.
    """
    start = len(sigs) - _run_length(sigs)
    return all((bool(mine[-1]), not sigs[:start].any(), bool(mine[start:].all()), share < 0.9))


def _rules(
    gs: np.ndarray, sigs: np.ndarray, trend: tuple[float, float], alpha: float
) -> list[tuple[str, bool]]:
    """Return each category with whether its rule holds, in the order they are tried."""
    n = len(gs)
    hot, cold = sigs & (gs > 0), sigs & (gs < 0)
    share_sig, share_hot, share_cold = sigs.sum() / n, hot.sum() / n, cold.sum() / n
    tau, tau_p = trend
    last, any_hot, any_cold = bool(sigs[-1]), bool(hot.any()), bool(cold.any())
    up, down = (tau > 0, tau_p <= alpha), (tau < 0, tau_p <= alpha)
    return [
        ("new hotspot", all((sigs.sum() == 1, bool(hot[-1])))),
        ("new coldspot", all((sigs.sum() == 1, bool(cold[-1])))),
        ("consecutive hotspot", _consecutive(hot, sigs, share_hot)),
        ("consecutive coldspot", _consecutive(cold, sigs, share_cold)),
        ("intensifying hotspot", all((share_sig >= 0.9, last, tau > 0, tau_p < alpha))),
        ("intensifying coldspot", all((share_cold >= 0.9, last, *down))),
        ("persistent hotspot", all((share_hot >= 0.9, tau_p > alpha))),
        ("persistent coldspot", all((share_cold >= 0.9, tau_p > alpha))),
        ("diminishing hotspot", all((share_hot >= 0.9, last, *down))),
        ("diminishing coldspot", all((share_cold >= 0.9, last, *up))),
        ("oscillating hotspot", all((share_hot <= 0.9, bool(hot[-1]), any_cold))),
        ("oscillating coldspot", all((share_cold < 0.9, bool(cold[-1]), any_hot))),
        ("historical hotspot", all((share_hot >= 0.9, gs[-1] < 0))),
        ("historical coldspot", all((share_cold >= 0.9, gs[-1] > 0))),
        ("sporadic hotspot", all((share_hot < 0.9, not any_cold, any_hot))),
        ("sporadic coldspot", all((share_cold < 0.9, not any_hot, any_cold))),
    ]


def classify_emerging(
    gs: np.ndarray, sigs: np.ndarray, tau: float, tau_p: float, alpha: float
) -> str:
    """Emerging hot-spot category of one area from its Gi* series.

    The rules are ArcGIS Pro's ("How Emerging Hot Spot Analysis works") in the order R
    ``sfdep`` applies them; the first that holds names the area.

    Parameters
    ----------
    gs : numpy.ndarray
        Gi* z-scores, one per period, oldest first.
    sigs : numpy.ndarray of bool
        Whether each period's Gi* is significant.
    tau, tau_p : float
        Mann-Kendall tau of ``gs`` over time and its p-value.
    alpha : float
        Significance level of the trend.

    Returns
    -------
    str
        One of :data:`EMERGING`.
    """
    gs = np.asarray(gs, dtype=float)
    sigs = np.asarray(sigs, dtype=bool)
    n = len(gs)
    if n == 0:
        return "no pattern"
    rules = _rules(gs, sigs, (tau, tau_p), alpha)
    return next((name for name, holds in rules if holds), "no pattern")


def emerging_categories(
    z: np.ndarray,
    p: np.ndarray,
    alpha: float,
    counts: np.ndarray | None = None,
    min_events: float = MIN_EVENTS,
) -> list[str]:
    """Return each area's emerging hot-spot category from its Gi* series (Mann-Kendall).

    With ``counts`` (area x period), an area that never had an event is "no pattern"
    (nothing happened there), and one with fewer than ``min_events`` events over all the
    periods (:data:`MIN_EVENTS`) is "too few events": a category says something happened
    there, again and again, not only around it.
    """
    out = []
    total = np.ones(len(z)) * min_events
    if counts is not None:
        total = np.nansum(np.asarray(counts, dtype=float), axis=1)
    for gs, ps, n in zip(z, p, total, strict=True):
        if n < min_events:
            out.append("no pattern" if n == 0 else TOO_FEW)
            continue
        if z.shape[1] < 3 or np.all(gs == gs[0]):
            tau, tau_p = 0.0, 1.0
        else:
            tau, tau_p = mann_kendall(gs)
        out.append(classify_emerging(gs, ps < alpha, tau, tau_p, alpha))
    return out


#: longer series go to scipy.stats.kendalltau (n log n) rather than comparing every pair
_MK_PAIRS_LIMIT = 1200


def mann_kendall(series: np.ndarray) -> tuple[float, float]:
    """Return the Mann-Kendall trend of ``series`` over time: Kendall's tau-b and its p-value.

    The same numbers as ``scipy.stats.kendalltau(numpy.arange(n), series)`` (two-sided,
    ``method="auto"``: the exact null distribution without ties when ``n <= 33`` or at most
    one discordant or concordant pair, else the normal approximation with the tie
    correction), to the last bit, without importing ``scipy.stats`` (about 1 s of a
    ``trends`` run); the tests compare the two.

    Parameters
    ----------
    series : numpy.ndarray
        One value per period, oldest first (no NaN).

    Returns
    -------
    tau, p_value : float
        NaN, NaN for fewer than two values or a constant series.
    """
    y = np.asarray(series, dtype=float)
    size = len(y)
    if size < 2:
        return math.nan, math.nan
    if size > _MK_PAIRS_LIMIT:  # n^2 pairs: scipy's merge sort is quicker than its import
        from scipy.stats import kendalltau

        res = kendalltau(np.arange(size), y)
        return float(res.statistic), float(res.pvalue)
    tot = (size * (size - 1)) // 2
    # time has no ties: S = concordant - discordant pairs is the sum of the later-minus-
    # earlier signs; discordant = (tot - ties - S) / 2
    upper = np.triu_indices(size, 1)
    signs = np.sign(y[upper[1]] - y[upper[0]])
    s_stat = int(signs.sum())
    _, counts = np.unique(y, return_counts=True)
    cnt = counts[counts > 1].astype(np.int64)
    ytie = int((cnt * (cnt - 1) // 2).sum())
    y1 = int((cnt * (cnt - 1.0) * (2 * cnt + 5)).sum())
    if ytie == tot:
        return math.nan, math.nan
    dis = (tot - ytie - s_stat) // 2
    tau = float(np.minimum(1.0, max(-1.0, s_stat / np.sqrt(tot) / np.sqrt(tot - ytie))))
    if ytie == 0 and (size <= 33 or min(dis, tot - dis) <= 1):
        return tau, _kendall_exact_p(size, tot - dis)
    from scipy.special import ndtr

    m = size * (size - 1.0)
    var = (m * (2 * size + 5) - y1) / 18  # time untied: scipy's other terms are 0
    z = s_stat / np.sqrt(var)
    return tau, float(2 * ndtr(-np.abs(z)))


def _kendall_exact_p(n: int, c: int) -> float:
    """Two-sided exact p-value of ``c`` concordant pairs among ``n`` untied values.

    scipy's ``_kendall_p_exact`` (Kendall, "Rank Correlation Methods", 1970): the same
    arithmetic in the same order, its cases grouped (``c`` 0 or 1 is 2 / (n - c)!).
    """
    c = int(min(c, (n * (n - 1)) // 2 - c))
    if n <= 2 or 4 * c == n * (n - 1):
        return 1.0
    if c <= 1:
        prob = 2.0 / math.factorial(n - c) if n - c < 171 else 0.0
    else:
        prob = _kendall_mass(n, c)
    return float(np.clip(prob, 0, 1))


def _kendall_mass(n: int, c: int) -> float:
    """Twice the null probability of at most ``c`` discordant pairs (scipy's recursion)."""
    scaled = n >= 171  # n! overflows: scipy divides by j at each step instead
    new = np.zeros(c + 1)
    new[0:2] = 1.0
    for j in range(3, n + 1):
        new = np.cumsum(new) / j if scaled else np.cumsum(new)
        if j <= c:
            new[j:] -= new[: c + 1 - j]
    return float(np.sum(new)) if scaled else float(2.0 * np.sum(new) / math.factorial(n))


# ---------------------------------------------------------------------------------------------
# Gi* on the areas' contiguity


def queen_weights(areas: Any) -> Any:
    """Return the areas' queen contiguity weights (libpysal); islands allowed."""
    import warnings

    from libpysal.weights import Queen

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # islands (no neighbour) are allowed: they get only Gi*
        return Queen.from_dataframe(
            areas.reset_index(drop=True), use_index=False, silence_warnings=True
        )


def queen_neighbours(areas: Any) -> Any:
    """Return the areas' queen contiguity as a sparse matrix of ones (no diagonal).

    Two areas are neighbours when their boundaries share a vertex (the same x and y), as
    libpysal's ``Queen`` finds them: the same neighbours as :func:`queen_weights`, in the
    areas' row order, without importing libpysal or looping in Python.

    Parameters
    ----------
    areas : geopandas.GeoDataFrame or GeoSeries
        Polygons or multipolygons.

    Returns
    -------
    scipy.sparse.csr_matrix
        ``n x n``; islands have an empty row.
    """
    import shapely
    from scipy import sparse

    geoms = np.asarray(getattr(areas, "geometry", areas))
    n = len(geoms)
    coords, owner = shapely.get_coordinates(geoms, return_index=True)
    # a vertex is its exact (x, y): as one complex number, np.unique sorts it in one pass
    points = np.ascontiguousarray(coords, dtype=float).view(np.complex128).ravel()
    _, vertex = np.unique(points, return_inverse=True)
    vertex = vertex.ravel()
    incidence = sparse.csr_matrix(
        (np.ones(len(owner)), (owner, vertex)), shape=(n, int(vertex.max(initial=-1)) + 1)
    )
    incidence.data[:] = 1.0  # a vertex repeated in a ring (the closing one) counts once
    shared = (incidence @ incidence.T).tocsr()
    shared.setdiag(0)
    shared.eliminate_zeros()
    shared.data[:] = 1.0
    shared.sort_indices()
    return shared


def gi_star(
    matrix: np.ndarray,
    w: Any,
    permutations: int,
    seed: int,
    progress: Callable[[str, int, int], None] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Return Gi* z-scores and p-values that agree, one column per period.

    Both come from the same conditional permutations: z is the observed Gi* against the
    mean and spread of the permuted ones (esda's ``z_sim``, not the normal approximation
    ``Zs``, which can say 2.7 where the permutations say p = 1), p counts the permutations at
    least as extreme in z's direction (ties included). An area whose neighbourhood (itself and
    its neighbours) had no event in a period gets z = 0 and p = 1: nothing happened there to
    cluster, so it is neither hot nor cold. A period where every area has the same count
    (no event at all, say) gives z = 0 and p = 1 everywhere.

    Parameters
    ----------
    matrix : numpy.ndarray
        Counts, one row per area (in the order of ``w``), one column per period.
    w : libpysal.weights.W or scipy.sparse matrix
        The areas' contiguity (:func:`queen_weights`); any nonzero off the diagonal is a
        neighbour (binary weights, as esda's ``transform="B"``), the diagonal is ignored.
    permutations : int
        Conditional permutations per area (the same draws in every period).
    seed : int
        Seed of the draws (see the module's notes: esda's draws for the same seed).
    progress : callable, optional
        Called as ``progress(GI_STEP, periods_done, periods_to_do)`` before the first block
        of periods and after each (the periods where every area has the same count are
        not computed, nor counted).

    Returns
    -------
    z, p : numpy.ndarray
        Shaped like ``matrix``.
    """
    y = np.asarray(matrix, dtype=float)
    z = np.zeros(y.shape, dtype=float)
    p = np.ones(y.shape, dtype=float)
    busy = np.flatnonzero((y.sum(axis=0) != 0) & ~np.all(y == y[:1], axis=0))
    if busy.size == 0 or y.shape[0] < 2:
        return z, p
    neighbours = _binary_neighbours(w, y.shape[0])
    draws = _draws(neighbours, permutations, seed)
    step = max(1, _BLOCK_CELLS // (y.shape[0] * permutations))
    if progress is not None:
        progress(GI_STEP, 0, busy.size)
    for start in range(0, busy.size, step):
        cols = busy[start : start + step]
        z[:, cols], p[:, cols] = _gi_block(y[:, cols], neighbours, draws, permutations)
        if progress is not None:
            progress(GI_STEP, min(start + step, busy.size), busy.size)
    return z, p


def _binary_neighbours(w: Any, n: int) -> Any:
    """Return the contiguity as a CSR matrix of ones, without the diagonal."""
    from scipy import sparse

    adjacency = sparse.csr_matrix(getattr(w, "sparse", w), dtype=float, copy=True)
    if adjacency.shape != (n, n):
        msg = f"weights of {adjacency.shape[0]} areas for a matrix of {n} areas"
        raise ValueError(msg)
    adjacency.setdiag(0)
    adjacency.eliminate_zeros()
    adjacency.data[:] = 1.0
    adjacency.sort_indices()
    return adjacency


def _draws(neighbours: Any, permutations: int, seed: int) -> Any:
    """Return the permuted neighbourhoods: row ``i * permutations + k`` marks the areas drawn.

    esda's conditional randomisation: for permutation ``k``, ``choice(n - 1, max_k,
    replace=False)`` from a generator seeded with ``seed``; area ``i`` with ``c`` neighbours
    takes the first ``c`` draws, numbered among the other areas (``i`` left out).
    """
    from scipy import sparse

    n = neighbours.shape[0]
    cards = np.diff(neighbours.indptr)
    max_card = int(cards.max()) if n else 0
    rng = np.random.RandomState(seed)
    ids = np.array(
        [rng.choice(n - 1, size=max_card, replace=False) for _ in range(permutations)],
        dtype=np.int64,
    ).reshape(permutations, max_card)
    rows, cols = [], []
    for i, c in enumerate(cards):
        picked = ids[:, :c]
        cols.append((picked + (picked >= i)).ravel())
        rows.append(np.repeat(np.arange(permutations) + i * permutations, c))
    data = np.ones(int(cards.sum()) * permutations)
    return sparse.csr_matrix(
        (data, (np.concatenate(rows), np.concatenate(cols))), shape=(n * permutations, n)
    )


def _gi_block(
    y: np.ndarray, neighbours: Any, draws: Any, permutations: int
) -> tuple[np.ndarray, np.ndarray]:
    """Gi* z-scores and p-values of a block of periods (areas x periods in, the same out)."""
    n, n_t = y.shape
    scale = y.sum(axis=0)
    around = np.asarray(neighbours @ y) + y  # the neighbourhood's events: Gi*'s numerator
    observed = (around / scale).T[:, :, None]  # periods x areas x 1
    # periods x areas x permutations, each area's permutations side by side in memory (as
    # esda's arrays: the means and spreads below sum in the same order, to the same bits)
    simulated = np.empty((n_t, n, permutations))
    for t in range(n_t):
        simulated[t] = (draws @ y[:, t]).reshape(n, permutations)
    simulated += y.T[:, :, None]  # the area's own count, held fixed
    simulated /= scale[:, None, None]
    spread = simulated.std(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(spread > 0, (observed[..., 0] - simulated.mean(axis=-1)) / spread, 0.0)
    quiet = around.T == 0
    z = np.nan_to_num(np.where(quiet, 0.0, z))
    p = np.where(quiet, 1.0, _tie_aware_p(observed, simulated, z))
    return z.T, p.T


def _tie_aware_p(observed: np.ndarray, simulated: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Permutation p-values in the direction of each z-score, ties counted as extreme.

    esda folds the share of simulations at or above the observed value, so an area
    whose neighbourhood is all zeros, among mostly zero counts, gets the smallest
    possible p-value and shows as a cold spot. Counting ties as at least as extreme
    gives such an area p = 1, as it should.
    """
    perms = simulated.shape[-1]
    tol = 1e-12 * np.maximum(1.0, np.abs(observed))
    above = (simulated >= observed - tol).sum(axis=-1)
    below = (simulated <= observed + tol).sum(axis=-1)
    as_extreme = np.where(z > 0, above, np.where(z < 0, below, perms))
    return (as_extreme + 1) / (perms + 1)


def adjust_fdr(p: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values, per period (column)."""
    from scipy.stats import false_discovery_control

    out = np.ones_like(p)
    for t in range(p.shape[1]):
        col = p[:, t]
        if (col < 1).any():
            out[:, t] = false_discovery_control(np.clip(col, 0, 1), method="bh")
    return out
