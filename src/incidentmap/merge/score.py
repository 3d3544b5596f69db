"""How likely two candidate rows are one event: a calibrated probability.

Each pair gets six **parts**, each in [0, 1] and written to the pairs file; a part one side
cannot tell (no category, no known actor group, no toll, no place name) is 0.5:

=========  ==============================================================================
part       value
=========  ==============================================================================
space      two points: ``exp(-(d / s)**2 / 2)``, ``d`` the distance and ``s`` the two rows'
           precision together, ``sqrt(2**2 + (r_a / 2)**2 + (r_b / 2)**2)`` km (an exact
           point is good to about 2 km; a point its source calls approximate, "within
           25 km", has ``r`` = 25): 1 at 0 km, 0.61 at one ``s``, 0.14 at two. An area
           pair has no distance: 0.5 for the same district, 0.25 for the same province
           (the pair's level has its own term below)
time       ``1 / (1 + gap) / sqrt(span)``: ``gap`` the days between the two rows' dates
           (0 when the intervals overlap), ``span`` the longer interval in days (1 for a
           date known to the day, 13 to the week, ~30 to the month): 1 the same day, 0.5
           a day apart, 0.28 a week's range that holds the other date
category   the same category 1; a UCDP ``type_of_violence`` (state-based, non-state,
           one-sided: a coarser taxonomy) that holds the other's category 0.75, that does
           not 0.1; the same family (direct or remote violence) 0.6; different 0
actors     a shared armed group (ISIS-K = ISKP = UCDP's ``IS``; states' forces aside) and
           the same attribution 1, with another attribution 0.9, both naming one and none
           shared 0; only a state's forces shared 0.7 (one side of most events), nothing
           shared 0.2
tolls      ``exp(-|a - b| / (1 + max(a, b) / 5))`` for fatalities (and injured where both
           have them), averaged: 1 equal, 0.37 for 0 and 1, 0.62 for 10 and 11
names      two points: their place names' similarity (rapidfuzz token set ratio / 100)
=========  ==============================================================================

The pair's own probability (``pair_score`` in the pairs file) comes from a logistic
model on the parts: ``p = 1 / (1 + exp(-(b0 + sum(b_k * x_k))))``, ``x_k`` the parts (space,
time and tolls as their logarithm: evidence multiplies), with their own coefficients for
point pairs and area pairs, one term per kind of category agreement, and terms for the
pair's level, an approximate point and a date range (:data:`TERMS`, :data:`INTERCEPT`,
:data:`COEFFICIENTS`). The **score** is the
probability given both rows' other candidates (:mod:`incidentmap.merge.posterior`). Both
models are fitted by ``bench/merge_fit.py`` (scikit-learn) on the candidate pairs of
generated dense cases whose truth is known (``bench/merge_data.py``, seeds the benchmark
does not use) and are calibrated there: of the pairs scored 0.9-1.0, 97.6 % are true;
0.8-0.9, 86 %; 0.5-0.6, 54 %; below 0.1, 0.8 % (the pair alone: 0.9-1.0, 89 %).

A pair scoring at least :data:`MATCH` (0.74) that the one-to-one assignment chooses
(:data:`MATCH_PROVINCE`, 0.90, for a pair placed only to one province) is a match, unless
another candidate of one of its rows scores within :data:`MARGIN` (1.0) of its log-odds,
both alone and given the group (the one-to-one rule has not settled it): then both are
reviews, the rival named as the runner-up. A pair whose rows share nothing to compare but
place and day (no type, actor, toll or place name on both: :func:`told_apart`) is a review,
never a match. A pair from :data:`REVIEW` (0.05) whose rows
are both free is listed for review; pairs from :data:`LISTED` (0.01, alone) are written to
the pairs file.

``MATCH`` is chosen by ``bench/merge_fit.py`` on the fitting seeds' cases (never the
benchmark's): the lowest score at which their point and district matches, pooled, are
95 % true (0.74; requiring 95 % in every fitting case instead would take 0.91 for points
and 0.97 for districts, and halve the recall of the dense cases). ``MATCH_PROVINCE`` stays
0.90: the fitting cases' 90 % point (0.66) gives under 90 % on the benchmark's ACLED 2019
case. Measured on the benchmark's cases (seed 42; precision / recall of the matches, point
pairs): ACLED 2019 0.959 / 0.881, war diary 2009 0.918 / 0.672, busy days 0.909 / 0.614;
province pairs 0.92-0.97 precision, the rest in review. Every level, every case:
``python -m bench merge``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from incidentmap.merge.candidates import Pairs
from incidentmap.merge.records import Records, state_bits

__all__ = [
    "COEFFICIENTS", "INTERCEPT", "LISTED", "MARGIN", "MATCH", "MATCH_PROVINCE",
    "PARTS", "REVIEW", "TELLING", "WEIGHTS", "Scores", "features", "match_bar", "pair_parts",
    "probability", "score_pairs", "told_apart",
]  # fmt: skip

#: a point or district pair is matched from this score (chosen by bench/merge_fit.py: the
#: lowest score at which the fitting cases' point and district matches, pooled, are 95 % true)
MATCH = 0.74
#: a pair placed only to one province (it has no distance) is matched from this (the fitting
#: cases' 90 % point, 0.70, gave 87 % on the benchmark's cases: kept at 0.90)
MATCH_PROVINCE = 0.90
REVIEW = 0.05
LISTED = 0.01
#: a rival within this many points of log-odds of a chosen pair, alone and given the group,
#: makes it a review
MARGIN = 1.0
PARTS = ("space", "time", "category", "actors", "tolls", "names")
#: fitted by bench/merge_fit.py (see its docstring): log-odds per unit of each term
INTERCEPT = -2.156
COEFFICIENTS = {
    "space": 1.324,
    "time": 1.804,
    "actors": 3.496,
    "tolls": 1.856,
    "names": 0.689,
    "area_time": 1.946,
    "area_actors": 3.045,
    "area_tolls": 1.694,
    "category_same": 0.661,
    "category_held": 1.069,
    "category_family": -2.682,
    "category_not_held": -1.413,
    "category_different": 0.353,
    "district": -0.554,
    "province": -1.95,
    "approximate": -1.492,
    "episode": 0.35,
}
#: the model's coefficients by part (the terms of the six parts), kept under the old name
WEIGHTS = {k: COEFFICIENTS.get(k, COEFFICIENTS.get(f"{k}_same", 0.0)) for k in PARTS}
_AREA_PARTS = ("time", "actors", "tolls")
#: the category part's values, one term each (0.5, unknown, has none)
_CATEGORY_KINDS = {"category_same": 1.0, "category_held": 0.75, "category_family": 0.6,
                   "category_not_held": 0.1, "category_different": 0.0}  # fmt: skip
TERMS = (
    *(k for k in PARTS if k != "category"), *(f"area_{k}" for k in _AREA_PARTS),
    *_CATEGORY_KINDS, "district", "province", "approximate", "episode",
)  # fmt: skip
#: parts that enter the model as their logarithm (floored): evidence multiplies
_LOGGED = ("space", "time", "tolls")
_FLOOR = 1e-3
_AREA_SPACE = {"district": 0.5, "province": 0.25}
_NEUTRAL = 0.5
_POINT_KM = 2.0
_FAMILY = {
    "targeted killing": "direct",
    "armed attack/clash": "direct",
    "attack on civilians": "direct",
    "abduction": "direct",
    "suicide attack": "remote",
    "explosive/IED": "remote",
    "air/drone strike": "remote",
    "shelling/rocket/mortar": "remote",
}
_SAME_FAMILY = 0.6
#: UCDP's type of violence (the row's event type) and the categories it holds
_UCDP_HOLDS = {
    "state-based conflict": {
        "armed attack/clash", "explosive/IED", "air/drone strike", "shelling/rocket/mortar",
        "suicide attack", "targeted killing",
    },
    "non-state conflict": {"armed attack/clash", "explosive/IED", "targeted killing"},
    "one-sided violence": {
        "attack on civilians", "targeted killing", "abduction", "explosive/IED",
        "suicide attack", "air/drone strike", "shelling/rocket/mortar",
    },
}  # fmt: skip
_HELD, _NOT_HELD = 0.75, 0.1
_STATE_ONLY, _NO_SHARED = 0.7, 0.2


@dataclass
class Scores:
    """The parts and the total of every candidate pair."""

    parts: dict[str, np.ndarray]
    total: np.ndarray
    episode: np.ndarray


def _space(a: Records, b: Records, p: Pairs) -> np.ndarray:
    s = np.sqrt(_POINT_KM**2 + (a.radius[p.i] / 2) ** 2 + (b.radius[p.j] / 2) ** 2)
    near = np.exp(-0.5 * (np.nan_to_num(p.km) / s) ** 2)
    area = np.array([_AREA_SPACE.get(lv, 0.0) for lv in p.level])
    return np.where(p.level == "point", near, area)


def _time(a: Records, b: Records, p: Pairs) -> np.ndarray:
    span = np.fmax(a.hi[p.i] - a.lo[p.i], b.hi[p.j] - b.lo[p.j]) + 1
    span = np.nan_to_num(span, nan=1.0)
    gap = np.nan_to_num(p.days, nan=np.inf, posinf=np.inf)
    return 1 / (1 + gap) / np.sqrt(np.maximum(span, 1))


def _codes(values: np.ndarray, table: dict[str, object]) -> np.ndarray:
    """Map each value through ``table`` (None where absent), looking each distinct value up once."""
    codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
    mapped = np.array([table.get(u) for u in uniques] + [None], dtype=object)
    return mapped[codes]


def _coarse(r: Records) -> np.ndarray:
    """Return each row's UCDP type of violence, None for a row of a finer taxonomy."""
    if "event_type" not in r.frame:
        return np.full(len(r), None, dtype=object)
    return _codes(r.frame["event_type"].to_numpy(dtype=object), {k: k for k in _UCDP_HOLDS})


#: category -> a number; family and UCDP holdings as tables over those numbers
_CATS = sorted(_FAMILY)
_CAT_ID = {c: k for k, c in enumerate(_CATS)}
_UCDP_ID = {u: k for k, u in enumerate(_UCDP_HOLDS)}
_FAMILY_ID = np.array([0 if _FAMILY[c] == "direct" else 1 for c in _CATS])
_HOLDS = np.array([[c in _UCDP_HOLDS[u] for c in _CATS] for u in _UCDP_HOLDS])


def _ids(values: np.ndarray, table: dict[str, int]) -> np.ndarray:
    out = _codes(values, table)
    return (
        np.array([-1 if v is None else v for v in out], dtype=np.int64)
        if len(out)
        else (np.zeros(0, dtype=np.int64))
    )


def _category(a: Records, b: Records, p: Pairs) -> np.ndarray:
    ca, cb = _ids(a.category, _CAT_ID)[p.i], _ids(b.category, _CAT_ID)[p.j]
    ua, ub = _ids(_coarse(a), _UCDP_ID)[p.i], _ids(_coarse(b), _UCDP_ID)[p.j]
    known = (ca >= 0) & (cb >= 0)
    fa, fb = _FAMILY_ID[np.maximum(ca, 0)], _FAMILY_ID[np.maximum(cb, 0)]
    out = np.where(known, np.where(ca == cb, 1.0, np.where(fa == fb, _SAME_FAMILY, 0.0)), _NEUTRAL)
    for coarse, other in ((ua, cb), (ub, ca)):
        k = (coarse >= 0) & (other >= 0)
        held = _HOLDS[np.maximum(coarse, 0), np.maximum(other, 0)]
        out = np.where(k, np.where(held, _HELD, _NOT_HELD), out)
    both = (ua >= 0) & (ub >= 0)
    return np.where(both, np.where(ua == ub, 1.0, 0.0), out)


def _actors(a: Records, b: Records, p: Pairs) -> np.ndarray:
    ga, gb = a.groups[p.i], b.groups[p.j]
    state = state_bits()
    na, nb = ga & ~state, gb & ~state  # the groups other than states' forces
    known = (ga != 0) & (gb != 0)
    shared = (ga & gb) != 0
    named = (na != 0) & (nb != 0)
    ta, tb = a.attribution[p.i], b.attribution[p.j]
    same = (ta == tb) | pd.isna(ta) | pd.isna(tb)
    # a shared armed group says more than a shared state (one side of most events)
    both = np.where((na & nb) != 0, np.where(same, 1.0, 0.9), 0.0)
    only_state = np.where(shared, _STATE_ONLY, _NO_SHARED)
    return np.where(named, both, np.where(known, only_state, _NEUTRAL))


def _toll(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    known = ~np.isnan(x) & ~np.isnan(y)
    top = np.fmax(np.abs(x), np.abs(y))
    with np.errstate(invalid="ignore"):
        close = np.exp(-np.abs(x - y) / (1 + top / 5))
    return np.where(known, np.clip(close, 0, 1), np.nan)


def _tolls(a: Records, b: Records, p: Pairs) -> np.ndarray:
    f = _toll(a.fatalities[p.i], b.fatalities[p.j])
    w = _toll(a.injured[p.i], b.injured[p.j])
    both = np.column_stack([f, w])
    counted = (~np.isnan(both)).sum(axis=1)
    return np.where(counted > 0, np.nansum(both, axis=1) / np.maximum(counted, 1), _NEUTRAL)


def _names(a: Records, b: Records, p: Pairs) -> np.ndarray:
    out = np.full(len(p), _NEUTRAL)
    pa, pb = a.place[p.i], b.place[p.j]
    k = np.flatnonzero(pd.notna(pa) & pd.notna(pb) & (p.level == "point"))
    if len(k):
        left = [str(v).lower() for v in pa[k]]
        right = [str(v).lower() for v in pb[k]]
        out[k] = process.cpdist(left, right, scorer=fuzz.token_set_ratio) / 100
    return out


def pair_parts(a: Records, b: Records, p: Pairs) -> dict[str, np.ndarray]:
    """Return the six parts of every candidate pair (see the module's table)."""
    return {
        "space": _space(a, b, p),
        "time": _time(a, b, p),
        "category": _category(a, b, p),
        "actors": _actors(a, b, p),
        "tolls": _tolls(a, b, p),
        "names": _names(a, b, p),
    }


def features(
    parts: dict[str, np.ndarray], level: np.ndarray, episode: np.ndarray, approximate: np.ndarray
) -> np.ndarray:
    """Return the model's terms (:data:`TERMS`, in order) as columns of one matrix.

    Space, time and tolls enter as their logarithm (floored at 0.001: evidence
    multiplies), with their own coefficients for point pairs and area pairs (a distance
    says much, an area little); the category as one term per kind of agreement (the same,
    held by UCDP's coarser type, the same family, not held, different; unknown is none).
    """
    value = {k: np.log(np.maximum(parts[k], _FLOOR)) if k in _LOGGED else parts[k] for k in PARTS}
    point = (level != "district") & (level != "province")
    cols = [np.where(point, value[k], 0.0) for k in PARTS if k != "category"]
    cols += [np.where(point, 0.0, value[k]) for k in _AREA_PARTS]
    cols += [np.isclose(parts["category"], v).astype(float) for v in _CATEGORY_KINDS.values()]
    cols += [(level == "district").astype(float), (level == "province").astype(float)]
    cols += [(point & approximate).astype(float), episode.astype(float)]
    return np.column_stack(cols)


#: the parts that tell two events at one place on one day apart
TELLING = ("category", "actors", "tolls", "names")


def told_apart(parts: dict[str, np.ndarray]) -> np.ndarray:
    """Tell the pairs with a part beyond place and time that both rows can compare.

    A pair whose rows share nothing but a place and a day (a source with no type, actor,
    toll or place name: the war diary's points) scores high by place and day alone, and so
    does a chance pair: shifted by ten days, GTD and the war diary still "matched" 105 times
    for 238. Such a pair is for a person, never a match by itself.
    """
    given = [parts[k] for k in TELLING if k in parts]
    if not given:
        return np.zeros(len(next(iter(parts.values()), [])), dtype=bool)
    return np.any([v != _NEUTRAL for v in given], axis=0)


def match_bar(level: np.ndarray) -> np.ndarray:
    """Return the score a pair of each level needs to be a match."""
    return np.where(np.asarray(level, dtype=object) == "province", MATCH_PROVINCE, MATCH)


def probability(x: np.ndarray) -> np.ndarray:
    """Return the calibrated match probability of each row of :func:`features`."""
    beta = np.array([COEFFICIENTS[k] for k in TERMS])
    return 1 / (1 + np.exp(-(INTERCEPT + x @ beta)))


def score_pairs(a: Records, b: Records, p: Pairs, *, km: float, days: float) -> Scores:
    """Score every candidate pair: its parts and its probability of being one event.

    Parameters
    ----------
    a, b : Records
        The two sources.
    p : Pairs
        Their candidate pairs.
    km, days : float
        The windows the pairs were found with (the score does not depend on them: a
        pair outside them that a person named is scored the same way).

    Returns
    -------
    Scores
    """
    del km, days
    episode = a.episode[p.i] | b.episode[p.j]
    parts = pair_parts(a, b, p)
    approximate = (a.radius[p.i] > 0) | (b.radius[p.j] > 0)
    total = probability(features(parts, p.level, episode, approximate))
    return Scores(parts=parts, total=np.round(total, 6), episode=episode)
