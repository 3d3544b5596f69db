"""How much two candidate rows look like one event: a documented score in [0, 1].

The score is a weighted sum of six parts, each in [0, 1]; a part that one side cannot
tell (no category, no known actor group, no toll, no place name) counts 0.5, neither
for nor against:

=========  ======  =====================================================================
part       weight  value
=========  ======  =====================================================================
space      0.30    two points: 1 at 0 km, 0.5 at the edge of the window (``km`` plus the
                   points' own radii); the same district: 0.6; the same province: 0.4
time       0.25    1 when the two intervals overlap, 0.7 at ``days`` apart (a day's lag
                   between reports is common); halved when either row is an episode (a
                   date range or a date known to the week, month or year)
category   0.15    1 the same category (the project's taxonomy), 0.6 the same family (direct
                   violence: targeted killing, armed attack/clash, attack on civilians,
                   abduction; remote violence: suicide attack, explosive/IED, air/drone
                   strike, shelling/rocket/mortar), 0 different
actors     0.15    1 a shared actor group (ISIS-K = ISKP = UCDP's ``IS``...) and the same
                   attribution, 0.9 shared with another attribution, 0 none shared
tolls      0.10    1 - |a - b| / (max(a, b) + 2) for fatalities (and injured where both
                   have them), averaged: 0 and 1 give 0.67, 10 and 12 give 0.83
names      0.05    two points: their place names' similarity (rapidfuzz token set ratio
                   / 100); an area has no place name to compare
=========  ======  =====================================================================

A pair scoring at least :data:`MATCH` (0.70) that the assignment chooses is a match;
from :data:`REVIEW` (0.55) it is listed for review; pairs from :data:`LISTED` (0.35) are
written to the pairs file.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from incidentmap.merge.candidates import Pairs
from incidentmap.merge.records import Records

__all__ = ["LISTED", "MATCH", "PARTS", "REVIEW", "WEIGHTS", "Scores", "score_pairs"]

MATCH = 0.70
REVIEW = 0.55
LISTED = 0.35
WEIGHTS = {
    "space": 0.30,
    "time": 0.25,
    "category": 0.15,
    "actors": 0.15,
    "tolls": 0.10,
    "names": 0.05,
}
PARTS = tuple(WEIGHTS)
_AREA_SPACE = {"district": 0.6, "province": 0.4}
_NEUTRAL = 0.5
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


@dataclass
class Scores:
    """The parts and the total of every candidate pair."""

    parts: dict[str, np.ndarray]
    total: np.ndarray
    episode: np.ndarray


def _space(a: Records, b: Records, p: Pairs, km: float) -> np.ndarray:
    window = km + a.radius[p.i] + b.radius[p.j]
    near = np.where(
        window > 0, 1 - 0.5 * np.nan_to_num(p.km) / np.where(window > 0, window, 1), 1.0
    )
    area = np.array([_AREA_SPACE.get(lv, 0.0) for lv in p.level])
    return np.clip(np.where(p.level == "point", near, area), 0, 1)


def _time(p: Pairs, episode: np.ndarray, days: float) -> np.ndarray:
    t = 1 - 0.3 * p.days / days if days > 0 else np.where(p.days == 0, 1.0, 0.7)
    return np.clip(np.where(episode, t / 2, t), 0, 1)


def _category(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    cx, cy = pd.Series(x, dtype=object), pd.Series(y, dtype=object)
    fx, fy = cx.map(_FAMILY).to_numpy(), cy.map(_FAMILY).to_numpy()
    known = pd.notna(fx) & pd.notna(fy)
    same = (cx.to_numpy() == cy.to_numpy()) & known
    family = known & (fx == fy)
    return np.where(same, 1.0, np.where(family, _SAME_FAMILY, np.where(known, 0.0, _NEUTRAL)))


def _actors(a: Records, b: Records, p: Pairs) -> np.ndarray:
    ga, gb = a.groups[p.i], b.groups[p.j]
    known = (ga != 0) & (gb != 0)
    shared = (ga & gb) != 0
    ta, tb = a.attribution[p.i], b.attribution[p.j]
    same = (ta == tb) | pd.isna(ta) | pd.isna(tb)
    return np.where(known, np.where(shared, np.where(same, 1.0, 0.9), 0.0), _NEUTRAL)


def _toll(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    known = ~np.isnan(x) & ~np.isnan(y)
    top = np.fmax(np.abs(x), np.abs(y))
    with np.errstate(invalid="ignore"):
        close = 1 - np.abs(x - y) / (top + 2)
    return np.where(known, np.clip(close, 0, 1), np.nan)


def _tolls(a: Records, b: Records, p: Pairs) -> np.ndarray:
    f = _toll(a.fatalities[p.i], b.fatalities[p.j])
    w = _toll(a.injured[p.i], b.injured[p.j])
    both = np.column_stack([f, w])
    counted = (~np.isnan(both)).sum(axis=1)
    mean = np.where(counted > 0, np.nansum(both, axis=1) / np.maximum(counted, 1), _NEUTRAL)
    return mean


def _names(a: Records, b: Records, p: Pairs) -> np.ndarray:
    out = np.full(len(p), _NEUTRAL)
    pa, pb = a.place[p.i], b.place[p.j]
    k = np.flatnonzero(pd.notna(pa) & pd.notna(pb) & (p.level == "point"))
    if len(k):
        left = [str(v).lower() for v in pa[k]]
        right = [str(v).lower() for v in pb[k]]
        out[k] = process.cpdist(left, right, scorer=fuzz.token_set_ratio) / 100
    return out


def score_pairs(a: Records, b: Records, p: Pairs, *, km: float, days: float) -> Scores:
    """Score every candidate pair (see the module's table).

    Parameters
    ----------
    a, b : Records
        The two sources.
    p : Pairs
        Their candidate pairs.
    km, days : float
        The windows the pairs were found with.

    Returns
    -------
    Scores
    """
    episode = a.episode[p.i] | b.episode[p.j]
    parts = {
        "space": _space(a, b, p, km),
        "time": _time(p, episode, days),
        "category": _category(a.category[p.i], b.category[p.j]),
        "actors": _actors(a, b, p),
        "tolls": _tolls(a, b, p),
        "names": _names(a, b, p),
    }
    total = sum(WEIGHTS[k] * v for k, v in parts.items())
    return Scores(parts=parts, total=np.round(np.asarray(total, dtype=float), 6), episode=episode)
