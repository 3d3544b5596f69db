"""Candidate pairs between two sources, from indexes, never from all pairs.

Two rows are candidates when their times are within ``days`` of each other (intervals:
a gap of at most ``days``, overlapping ranges are 0 days apart) and their places agree:

* two points within ``km`` plus each point's own radius (great-circle distance); found
  with a k-d tree over (x, y, time) in an Afghanistan-centred equidistant projection,
  one tree per class of time span and radius, so the window is never wider than a
  class needs;
* a point, district or province row and a district-placed row: the same district; and
  any row and a province-placed row: the same province (the coarser side decides the
  level; a district-placed event is a candidate for the events inside its district and
  has no distance to them). Found with a sorted join on (area, first day).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pyproj import Transformer
from scipy.spatial import cKDTree

from incidentmap.merge.records import Records, days_apart, haversine_km

__all__ = ["Pairs", "candidate_pairs"]

#: classes of half time spans (days): a row is queried with its class's upper bound
_HALF_CLASSES = np.array([0.0, 1.0, 3.5, 7.0, 16.0, 32.0, 92.0, 183.5, 367.0, np.inf])
_AEQD = "+proj=aeqd +lat_0=34 +lon_0=66 +datum=WGS84 +units=km"
_BIG = 1_000_000.0
_OFFSET = 100_000.0


@dataclass
class Pairs:
    """Candidate pairs of rows ``i`` (source a) and ``j`` (source b)."""

    i: np.ndarray
    j: np.ndarray
    km: np.ndarray
    days: np.ndarray
    level: np.ndarray

    def __len__(self) -> int:
        return len(self.i)


def _span_class(r: Records) -> np.ndarray:
    half = (r.hi - r.lo) / 2
    return np.searchsorted(_HALF_CLASSES, half, side="left")


def _xy(r: Records, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    tr = Transformer.from_crs("EPSG:4326", _AEQD, always_xy=True)
    x, y = tr.transform(r.lon[rows], r.lat[rows])
    return np.asarray(x, dtype=float), np.asarray(y, dtype=float)


def _groups(r: Records, rows: np.ndarray) -> dict[tuple[int, float], np.ndarray]:
    """Rows by (time span class, radius)."""
    cls = _span_class(r)[rows]
    rad = r.radius[rows]
    out: dict[tuple[int, float], np.ndarray] = {}
    for c in np.unique(cls):
        for rd in np.unique(rad[cls == c]):
            out[(int(c), float(rd))] = rows[(cls == c) & (rad == rd)]
    return out


def _point_pairs(a: Records, b: Records, km: float, days: float) -> tuple[np.ndarray, np.ndarray]:
    ra = np.flatnonzero((a.level == "point") & ~np.isnan(a.lo))
    rb = np.flatnonzero((b.level == "point") & ~np.isnan(b.lo))
    if not len(ra) or not len(rb):
        return np.empty(0, int), np.empty(0, int)
    xa, ya = _xy(a, ra)
    xb, yb = _xy(b, rb)
    ia, ja = [], []
    index_a = np.full(len(a), -1)
    index_a[ra] = np.arange(len(ra))
    index_b = np.full(len(b), -1)
    index_b[rb] = np.arange(len(rb))
    for (ca, rda), rows_a in _groups(a, ra).items():
        for (cb, rdb), rows_b in _groups(b, rb).items():
            space = km + rda + rdb
            time = days + _HALF_CLASSES[ca] + _HALF_CLASSES[cb]
            i, j = _query(a, b, rows_a, rows_b, index_a, index_b, (xa, ya, xb, yb), space, time)
            ia.append(i)
            ja.append(j)
    return np.concatenate(ia), np.concatenate(ja)


def _query(
    a: Records,
    b: Records,
    rows_a: np.ndarray,
    rows_b: np.ndarray,
    index_a: np.ndarray,
    index_b: np.ndarray,
    xy: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    space: float,
    time: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of two row groups within a box of ``space`` km and ``time`` days (Chebyshev)."""
    xa, ya, xb, yb = xy
    if not np.isfinite(time):
        time = 1e7
    scale = max(space, 1e-6) / max(time, 1e-6)
    mid_a = (a.lo[rows_a] + a.hi[rows_a]) / 2
    mid_b = (b.lo[rows_b] + b.hi[rows_b]) / 2
    pa = np.column_stack([xa[index_a[rows_a]], ya[index_a[rows_a]], mid_a * scale])
    pb = np.column_stack([xb[index_b[rows_b]], yb[index_b[rows_b]], mid_b * scale])
    # the projection stretches distances by well under 2 % over Afghanistan
    radius = max(space, 1e-6) * 1.03 + 1e-6
    ta, tb = cKDTree(pa), cKDTree(pb)
    found = ta.sparse_distance_matrix(tb, radius, p=np.inf, output_type="ndarray")
    return rows_a[found["i"]], rows_b[found["j"]]


def _area_join(
    keys_a: np.ndarray,
    a: Records,
    rows_a: np.ndarray,
    keys_b: np.ndarray,
    b: Records,
    rows_b: np.ndarray,
    days: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs with equal keys whose intervals are within ``days``: a sorted join per span class."""
    if not len(rows_a) or not len(rows_b):
        return np.empty(0, int), np.empty(0, int)
    _, codes = np.unique(
        np.concatenate([keys_a[rows_a], keys_b[rows_b]]).astype(str), return_inverse=True
    )
    ka, kb = codes[: len(rows_a)].astype(float), codes[len(rows_a) :].astype(float)
    ia, ja = [], []
    cls_b = _span_class(b)[rows_b]
    for c in np.unique(cls_b):
        sel = cls_b == c
        rb, kbc = rows_b[sel], kb[sel]
        span = float(np.max(b.hi[rb] - b.lo[rb]))
        value = kbc * _BIG + b.lo[rb] + _OFFSET
        order = np.argsort(value, kind="stable")
        sorted_v = value[order]
        start = np.searchsorted(sorted_v, ka * _BIG + a.lo[rows_a] - days - span + _OFFSET, "left")
        end = np.searchsorted(sorted_v, ka * _BIG + a.hi[rows_a] + days + _OFFSET, "right")
        counts = np.maximum(end - start, 0)
        i = np.repeat(np.arange(len(rows_a)), counts)
        offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        j = order[np.repeat(start, counts) + offsets]
        ia.append(rows_a[i])
        ja.append(rb[j])
    return np.concatenate(ia), np.concatenate(ja)


_FINER = {"district": ("point", "district"), "province": ("point", "district", "province")}


def _area_pairs(
    a: Records, b: Records, days: float
) -> tuple[list[np.ndarray], list[np.ndarray], list[str]]:
    ia, ja, levels = [], [], []
    dated_a, dated_b = ~np.isnan(a.lo), ~np.isnan(b.lo)
    for level, key in (("district", "district"), ("province", "province")):
        ka, kb = getattr(a, key), getattr(b, key)
        has_a = dated_a & np.array([k is not None for k in ka])
        has_b = dated_b & np.array([k is not None for k in kb])
        # a's coarse rows against b's rows at that level or finer, then b's coarse rows
        # against a's strictly finer rows (the equal-level pairs are already counted)
        coarse_a = np.flatnonzero(has_a & (a.level == level))
        fine_b = np.flatnonzero(has_b & np.isin(b.level, _FINER[level]))
        i, j = _area_join(ka, a, coarse_a, kb, b, fine_b, days)
        coarse_b = np.flatnonzero(has_b & (b.level == level))
        fine_a = np.flatnonzero(has_a & np.isin(a.level, _FINER[level][:-1]))
        j2, i2 = _area_join(kb, b, coarse_b, ka, a, fine_a, days)
        for x, y in ((i, j), (i2, j2)):
            ia.append(x)
            ja.append(y)
            levels.append(level)
    return ia, ja, levels


def candidate_pairs(a: Records, b: Records, *, km: float, days: float) -> Pairs:
    """Every candidate pair of rows between two sources.

    Parameters
    ----------
    a, b : Records
        Two sources.
    km : float
        Spatial window between two points (each point's own radius is added).
    days : float
        Temporal window: the most days between the two rows' intervals.

    Returns
    -------
    Pairs
        ``km`` is NaN for area pairs (no distance between an area and a point).
    """
    i_pt, j_pt = _point_pairs(a, b, km, days)
    ia, ja, levels = _area_pairs(a, b, days)
    i = np.concatenate([i_pt, *ia]).astype(np.int64)
    j = np.concatenate([j_pt, *ja]).astype(np.int64)
    level = np.concatenate(
        [np.full(len(i_pt), "point", dtype=object)]
        + [np.full(len(x), lv, dtype=object) for x, lv in zip(ia, levels, strict=True)]
    )
    dist = np.full(len(i), np.nan)
    pt = level == "point"
    dist[pt] = haversine_km(a.lon[i[pt]], a.lat[i[pt]], b.lon[j[pt]], b.lat[j[pt]])
    gap = days_apart(a, i, b, j)
    keep = (gap <= days) & (~pt | (dist <= km + a.radius[i] + b.radius[j] + 1e-9))
    return Pairs(i=i[keep], j=j[keep], km=dist[keep], days=gap[keep], level=level[keep])
