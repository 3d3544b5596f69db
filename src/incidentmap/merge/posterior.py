"""The probability of a pair given every other candidate of its two rows.

The score of a pair alone (:mod:`incidentmap.merge.score`) says how much two rows look like
one event. On a busy day a row has several candidates, and each row is at most one event
of the other source: a candidate that looks as good as the chosen one, or a chosen pair
whose other row has a better partner, changes the odds. This module gives each pair the
probability that it is the right one under that one-to-one rule: the marginal of a
pair in the distribution over one-to-one matchings (a row may stay alone) whose weight is
the product of the chosen pairs' odds, computed by belief propagation on the bipartite
graph of candidates (exact where the graph is a tree, which a group of one row and its
candidates is; the Bethe approximation otherwise, Huang & Jebara 2009, Bayati et al.
2008). A pair with no rival keeps its own probability; two look-alikes share it.

The pair's **score** (:func:`group_probability`) is a second logistic model on what the
group says about the pair (:data:`GROUP_TERMS`): its own log-odds, its marginal, the
marginal again with every pair's odds multiplied by 20 (the pair probability is averaged
over busy and quiet places, so a pair with no rival is worth more than its odds say), its
best rival on either row, how many candidates each row has, and whether it is its rows'
best. Fitted with the pair model by ``bench/merge_fit.py``; either source may come first
(every term is symmetric in the two sources).
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "GROUP_COEFFICIENTS", "GROUP_INTERCEPT", "GROUP_TERMS", "ITERATIONS", "group_features",
    "group_probability", "marginals",
]  # fmt: skip

#: rounds of messages (a change below 1e-6 stops earlier)
ITERATIONS = 60
_DAMP = 0.5


def marginals(n_a: int, n_b: int, i: np.ndarray, j: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Return each pair's marginal under the one-to-one rule (belief propagation).

    Parameters
    ----------
    n_a, n_b : int
        Rows in the two sources.
    i, j : numpy.ndarray
        The pairs' rows (each pair once).
    p : numpy.ndarray
        Each pair's own probability (in (0, 1)).

    Returns
    -------
    numpy.ndarray
        The marginal probability of each pair; a row's pairs sum to at most 1.
    """
    if not len(i):
        return np.zeros(0)
    q = np.clip(p, 1e-9, 1 - 1e-9)
    odds = q / (1 - q)
    to_b = odds.copy()  # message of row i to column j
    to_a = odds.copy()  # message of column j to row i
    for _ in range(ITERATIONS):
        sum_a = np.bincount(i, weights=to_a, minlength=n_a)
        new_b = odds / (1 + sum_a[i] - to_a)
        sum_b = np.bincount(j, weights=new_b, minlength=n_b)
        new_a = odds / (1 + sum_b[j] - new_b)
        new_b = _DAMP * to_b + (1 - _DAMP) * new_b
        new_a = _DAMP * to_a + (1 - _DAMP) * new_a
        change = max(np.max(np.abs(new_b - to_b) / (1 + to_b)),
                     np.max(np.abs(new_a - to_a) / (1 + to_a)))  # fmt: skip
        to_b, to_a = new_b, new_a
        if change < 1e-6:
            break
    sum_b = np.bincount(j, weights=to_b, minlength=n_b)
    sum_a = np.bincount(i, weights=to_a, minlength=n_a)
    # the two sides' estimates agree at the fixed point; their mean keeps the two sources'
    # roles the same (the order of the sources does not matter)
    return (to_b / (1 + sum_b[j]) + to_a / (1 + sum_a[i])) / 2


#: the terms of the second model: the pair's own log-odds, its marginal's, its best rival's
#: on the two sides (the higher and the lower), the log of how many candidates each row has
#: (the higher and the lower), on how many of its two rows it is the best, and the
#: marginal's log-odds with every odds multiplied by ``_BOOST``
GROUP_TERMS = (
    "own", "marginal", "rival_high", "rival_low", "count_high", "count_low", "best",
    "marginal_boosted",
)  # fmt: skip
_BOOST = 20.0
#: fitted by bench/merge_fit.py with the pair model (see there)
GROUP_INTERCEPT = 0.22
GROUP_COEFFICIENTS = {
    "own": 0.289,
    "marginal": -0.074,
    "rival_high": -0.186,
    "rival_low": -0.062,
    "count_high": -0.161,
    "count_low": 0.084,
    "best": -0.038,
    "marginal_boosted": 0.908,
}
_FLOOR = -9.0


def _logit(p: np.ndarray) -> np.ndarray:
    q = np.clip(p, 1e-4, 1 - 1e-4)
    return np.log(q / (1 - q))


def _best_other(n: int, side: np.ndarray, lo: np.ndarray) -> np.ndarray:
    """Per pair: the best log-odds among the other pairs of the same row (floor if none)."""
    order = np.lexsort((-lo, side))
    ranked = side[order]
    first = np.r_[True, ranked[1:] != ranked[:-1]]
    second = np.r_[False, ~first[1:] & first[:-1]]
    top, runner = np.full(n, _FLOOR), np.full(n, _FLOOR)
    top_pos = np.full(n, -1, dtype=np.int64)
    top[ranked[first]] = lo[order][first]
    top_pos[ranked[first]] = order[first]
    runner[ranked[second]] = lo[order][second]
    return np.where(top_pos[side] == np.arange(len(lo)), runner[side], top[side])


def group_features(n_a: int, n_b: int, i: np.ndarray, j: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Return the second model's terms (:data:`GROUP_TERMS`) for every pair."""
    lo = _logit(p)
    count_a = np.log(np.bincount(i, minlength=n_a)[i])
    count_b = np.log(np.bincount(j, minlength=n_b)[j])
    rival_a, rival_b = _best_other(n_a, i, lo), _best_other(n_b, j, lo)
    best = (lo >= rival_a).astype(float) + (lo >= rival_b)
    boosted = _BOOST * p / (_BOOST * p + 1 - p)  # every odds x BOOST (no division by 0)
    return np.column_stack([
        lo, _logit(marginals(n_a, n_b, i, j, p)), np.maximum(rival_a, rival_b),
        np.minimum(rival_a, rival_b), np.maximum(count_a, count_b), np.minimum(count_a, count_b),
        best, _logit(marginals(n_a, n_b, i, j, boosted)),
    ])  # fmt: skip


def group_probability(
    n_a: int, n_b: int, i: np.ndarray, j: np.ndarray, p: np.ndarray
) -> np.ndarray:
    """Return each pair's probability of being one event, given its rows' other candidates.

    A logistic model on :func:`group_features` (the pair's own probability, its marginal
    under the one-to-one rule, its best rival on either side and the rows' numbers of
    candidates), fitted on generated pairs whose truth is known.

    Parameters
    ----------
    n_a, n_b : int
        Rows in the two sources.
    i, j : numpy.ndarray
        The pairs' rows (each pair once).
    p : numpy.ndarray
        Each pair's own probability.

    Returns
    -------
    numpy.ndarray
    """
    if not len(i):
        return np.zeros(0)
    x = group_features(n_a, n_b, i, j, p)
    beta = np.array([GROUP_COEFFICIENTS[k] for k in GROUP_TERMS])
    return 1 / (1 + np.exp(-(GROUP_INTERCEPT + x @ beta)))
