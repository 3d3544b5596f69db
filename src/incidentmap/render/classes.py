"""Colour classes and colours: class bounds for a choropleth, palettes for areas and categories."""

from __future__ import annotations

import numpy as np

from incidentmap.errors import UsageError, refuse_choice

SCHEMES = ("quantiles", "natural_breaks", "equal_interval", "user")


ZERO_COLOR = "#f4f1ea"


NODATA_COLOR = "#bdbdbd"


_CATEGORY_COLORS = [
    "#1b9e77",
    "#d95f02",
    "#7570b3",
    "#e7298a",
    "#66a61e",
    "#e6ab02",
    "#a6761d",
    "#1f78b4",
    "#b15928",
    "#666666",
]


#: clusters of markers: a colour no category uses
CLUSTER_COLOR = "#3f007d"


def category_colors(color_by: str, cats: list[str]) -> list[str]:
    """Return a colour per category: the taxonomy's own for ``category``, else a palette."""
    if color_by == "category":
        from incidentmap.categories import CATEGORY_COLORS

        return [CATEGORY_COLORS.get(c, "#999999") for c in cats]
    return [_CATEGORY_COLORS[i % len(_CATEGORY_COLORS)] for i in range(len(cats))]


def class_bins(
    values: np.ndarray, scheme: str = "quantiles", k: int = 5, bins: list[float] | None = None
) -> list[float]:
    """Upper bounds of the colour classes for the positive values (0 has its own colour).

    Parameters
    ----------
    values : numpy.ndarray
        Every value the classes must cover (all areas, all periods).
    scheme : {"quantiles", "natural_breaks", "equal_interval", "user"}
        Computed here with numpy; the results equal mapclassify's Quantiles,
        EqualInterval and FisherJenks (the tests compare them). Natural breaks are an
        exact Fisher-Jenks (:func:`fisher_jenks`).
    k : int, default 5
        Number of classes (fewer when there are fewer distinct values).
    bins : list of float, optional
        Upper bounds for ``scheme="user"``; the largest value is added if above them.

    Returns
    -------
    list of float
        Strictly increasing upper bounds; the last one is the maximum.
    """
    refuse_choice(scheme, SCHEMES, "scheme")
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v) & (v > 0)]
    if len(v) == 0:
        return [1.0]
    top = float(v.max())
    if scheme == "user":
        return _user_bins(bins, top)
    k = max(1, min(k, len(np.unique(v))))
    if k == 1:
        return [top]
    edges = _scheme_edges(v, scheme, k, top)
    out = sorted({round(float(e), 6) for e in edges})
    if out[-1] < top:
        out[-1] = top
    return out


def _user_bins(bins: list[float] | None, top: float) -> list[float]:
    """Return the user's positive bounds, sorted, the maximum added when above them."""
    if not bins:
        msg = "scheme 'user' needs bins"
        raise UsageError(msg)
    edges = sorted({float(b) for b in bins if b > 0})
    if not edges or edges[-1] < top:
        edges.append(top)
    return edges


def _scheme_edges(v: np.ndarray, scheme: str, k: int, top: float) -> np.ndarray:
    """Return ``k`` upper bounds of a computed scheme."""
    if scheme == "quantiles":
        return np.quantile(v, np.arange(1, k + 1) / k)
    if scheme == "equal_interval":
        lo = float(v.min())
        return lo + (top - lo) * np.arange(1, k + 1) / k
    return fisher_jenks(v, k)


def fisher_jenks(values: np.ndarray, k: int, max_unique: int = 2000) -> np.ndarray:
    """Natural breaks: the k classes with the least within-class sum of squares.

    Exact dynamic programme (Fisher 1958) over the distinct values weighted by
    their counts, so count data with many repeats stays small; with more than
    ``max_unique`` distinct values they are first binned to that many quantiles.

    Returns
    -------
    numpy.ndarray
        The upper bound of each class.
    """
    u, w = np.unique(np.asarray(values, dtype=float), return_counts=True)
    if len(u) > max_unique:
        edges = np.quantile(values, np.linspace(0, 1, max_unique + 1)[1:])
        idx = np.searchsorted(edges, values)
        w = np.bincount(idx, minlength=max_unique).astype(float)
        u = np.bincount(idx, weights=values, minlength=max_unique) / np.maximum(w, 1)
        keep = w > 0
        u, w, edges = u[keep], w[keep], edges[keep]
        upper = edges
    else:
        upper = u
    m = len(u)
    k = min(k, m)
    w = w.astype(float)
    cw = np.concatenate([[0.0], np.cumsum(w)])
    cs = np.concatenate([[0.0], np.cumsum(w * u)])
    cq = np.concatenate([[0.0], np.cumsum(w * u * u)])

    def ssd(i: np.ndarray, j: int) -> np.ndarray:  # classes u[i..j] for many i
        n = cw[j + 1] - cw[i]
        s = cs[j + 1] - cs[i]
        return cq[j + 1] - cq[i] - s * s / n

    cost = np.full((k, m), np.inf)
    back = np.zeros((k, m), dtype=np.int64)
    cost[0] = (
        ssd(np.zeros(m, dtype=np.int64), 0)
        if m == 1
        else np.array([ssd(np.array([0]), j)[0] for j in range(m)])
    )
    for c in range(1, k):
        for j in range(c, m):
            i = np.arange(c, j + 1)  # first index of the last class
            total = cost[c - 1, i - 1] + ssd(i, j)
            best = int(np.argmin(total))
            cost[c, j] = total[best]
            back[c, j] = i[best]
    ends = [m - 1]
    j = m - 1
    for c in range(k - 1, 0, -1):
        j = back[c, j] - 1
        ends.append(j)
    return upper[np.array(sorted(ends))]


def area_colors(k: int) -> list[str]:
    """Return ``k`` colours of the YlOrRd ramp for the choropleth's classes."""
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    cmap = colormaps["YlOrRd"]
    if k == 1:
        return [to_hex(cmap(0.7))]
    return [to_hex(cmap(0.2 + 0.75 * i / (k - 1))) for i in range(k)]
