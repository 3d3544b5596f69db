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

from incidentmap._settings import MAX_POINTS
from incidentmap.aggregate import PERIODS, counts_by_area
from incidentmap.context import BoundaryContext, context_for
from incidentmap.display import area_labels
from incidentmap.errors import UsageError
from incidentmap.render.classes import NODATA_COLOR, ZERO_COLOR, area_colors, class_bins
from incidentmap.render.encode import encode_lines, feature_collection, pack_ints, pack_rows
from incidentmap.render.points import point_layer
from incidentmap.trends import emerging_categories, gi_star, queen_weights, surge_flags

__all__ = [
    "build_payload",
    "class_bins",
    "display_layers",
    "period_labels",
]


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
    surge: bool = False,
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
    surge : bool
        The panel of surging areas (the Surge Tracker rule on the slider's periods)
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
            "surge": "Surging areas (outlined)",
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
            "geojson": feature_collection(areas_layer, props),
            "names": names,
            "values": pack_rows(values),
            "bins": {
                "window": class_bins(values.ravel(), scheme, k, bins),
                "cumulative": class_bins(cum.ravel(), scheme, k, bins),
            },
            "integer": bool(np.all(np.isnan(values) | (values == np.round(values)))),
            "zeroColor": ZERO_COLOR,
            "nodataColor": NODATA_COLOR,
            "lineWeight": 0.5 if level == "district" else 0.8,
        }
        k_used = len(payload["areas"]["bins"][mode])
        payload["areas"]["colors"] = area_colors(
            max(
                k_used,
                len(payload["areas"]["bins"]["window"]),
                len(payload["areas"]["bins"]["cumulative"]),
            )
        )
        payload["outline"] = encode_lines(disp_p.geometry.values)
        if surge and period is not None:
            counts_only = counts.pivot_table(
                index=key, columns="period_start", values="incidents", aggfunc="sum"
            ).reindex(index=ids, columns=starts)
            payload["surge"] = _surges(counts_only.to_numpy(dtype=float), period)
        if hotspots:
            payload["hotspots"] = _hotspots(values, areas_layer, permutations)
    else:
        payload["outline"] = encode_lines(disp_p.geometry.values)
    if points:
        payload["points"] = point_layer(incidents, starts, period, color_by, size_by, max_points)
    if timeline and period is not None:
        payload["timeline"] = _timeline(incidents, period, starts)
    if labels:
        payload["labels"] = area_labels(ctx, disp_d, disp_p)
    return payload


def _measure_label(measure: str) -> str:
    return {
        "incidents": "Incidents",
        "per100k": "Incidents per 100,000 people",
    }.get(measure, measure.replace("_", " ").capitalize())


#: the Surge Tracker rule on the slider's own periods, in words
SURGE_RULE = (
    "surge: at least twice the mean count of the 4 periods before, that mean >= 1 "
    "(ACLED's Subnational Surge Tracker rule, applied to the slider's periods)"
)


def _surges(values: np.ndarray, period: str) -> dict[str, Any]:
    """For each period, the areas whose count meets the surge rule, and their numbers."""
    flags, base = surge_flags(values)
    v = np.nan_to_num(values, nan=0.0)
    lists = [
        [[int(i), int(v[i, t]), round(float(base[i, t]), 2)] for i in np.flatnonzero(flags[:, t])]
        for t in range(v.shape[1])
    ]
    return {"byPeriod": lists, "rule": SURGE_RULE.replace("periods", f"{period}s", 1)}


#: the page's hot-spot layer, in words
HOTSPOT_RULE = (
    "Getis-Ord Gi* of each period on the areas' queen contiguity, {n} conditional "
    "permutations, p < 0.05 (ties count as extreme); emerging categories as ArcGIS / sfdep"
)


def _hotspots(values: np.ndarray, areas: gpd.GeoDataFrame, permutations: int) -> dict[str, Any]:
    """Hot and cold areas for every period, and each area's emerging category."""
    matrix = np.nan_to_num(np.asarray(values, dtype=float), nan=0.0)
    w = queen_weights(areas)
    z, p = gi_star(matrix, w, permutations, seed=12345)
    sig = p < 0.05
    hot = [np.flatnonzero(sig[:, t] & (z[:, t] > 0)).tolist() for t in range(matrix.shape[1])]
    cold = [np.flatnonzero(sig[:, t] & (z[:, t] < 0)).tolist() for t in range(matrix.shape[1])]
    emerging = [None if e == "no pattern" else e for e in emerging_categories(z, p, 0.05)]
    return {
        "hot": hot,
        "cold": cold,
        "emerging": emerging,
        "rule": HOTSPOT_RULE.format(n=permutations),
    }


def _timeline(incidents: pd.DataFrame, period: str, starts: list[Any]) -> dict[str, Any]:
    """Count incidents per slider period, stacked by category (the taxonomy's colours)."""
    from incidentmap.aggregate import national_timeline
    from incidentmap.categories import CATEGORIES, CATEGORY_COLORS

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
