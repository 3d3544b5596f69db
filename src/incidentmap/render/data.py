"""Turn geocoded incidents into the compact data a map page draws.

Geometry is simplified as a coverage (shared borders simplified once, so
neighbours keep touching: no slivers, no gaps) and rounded; provinces are
dissolved from the simplified districts so that the two levels nest exactly.
Values are one array per area with one number per period; the colour classes
are computed once over every period, so colours compare across time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from incidentmap.aggregate import PERIODS
from incidentmap.context import BoundaryContext, context_for
from incidentmap.display import area_labels
from incidentmap.render.classes import NODATA_COLOR, ZERO_COLOR, class_bins
from incidentmap.render.encode import encode_lines, feature_collection, pack_ints, pack_rows
from incidentmap.render.points import point_layer
from incidentmap.render.series import AreaSeries, area_series
from incidentmap.render.style import MapStyle
from incidentmap.trends import emerging_categories, gi_star, queen_weights, surge_flags

__all__ = [
    "build_payload",
    "class_bins",
    "display_layers",
]


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


#: what a bare payload shows: no names unless asked
_PAYLOAD = MapStyle(labels=False)


def build_payload(
    incidents: gpd.GeoDataFrame,
    districts: gpd.GeoDataFrame | BoundaryContext,
    style: MapStyle | None = None,
    *,
    choropleth: bool = True,
    points: bool = True,
    caption: str | None = None,
    top_areas: bool = False,
    layer_names: bool = False,
    source_label: str | None = None,
    population: pd.DataFrame | None = None,
    timeline: bool = False,
    surge: bool = False,
    permutations: int = 99,
    series: AreaSeries | None = None,
    **style_kwargs: Any,
) -> dict[str, Any]:
    """Build the data object the page's IncidentMap script draws.

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        Geocoded incidents (filtered as wanted).
    districts : geopandas.GeoDataFrame
        The installed district layer.
    style : MapStyle, optional
        Level, period, measure, classes, mode, point colours and sizes, title, labels,
        hot spots, the point limit (default: :class:`MapStyle` without labels);
        ``**style_kwargs`` set single fields on top (``level="province"``).
    choropleth, points : bool
        Which layers to include.
    caption : str, optional
        Shown in a panel with the title (as text, never as HTML).
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
    permutations : int, default 99
        Permutations for the Gi* p-values of ``hotspots``.
    series : AreaSeries, optional
        The area-by-period values (:func:`incidentmap.render.series.area_series`), when
        the caller has them already (``brief --png`` computes them once for both).

    Returns
    -------
    dict
        JSON-serialisable.
    """
    s = MapStyle.of(style or _PAYLOAD, **style_kwargs)
    ctx = context_for(districts)
    if series is None:
        series = area_series(incidents, ctx, s, population=population)
    disp_d, disp_p = ctx.display_layers
    starts, period = series.starts, series.period
    payload: dict[str, Any] = {
        "periods": series.labels,
        "partial": None if series.partial is None else f"{series.partial:%d %b %Y}",
        "allDates": period is None,
        "lastSpan": _last_span(starts, period),
        "periodStarts": [pd.Timestamp(t).strftime("%Y-%m-%d") for t in starts],
        "mode": s.mode,
        "start": 0,
        "title": s.title,
        "caption": caption,
        "topAreas": top_areas,
        "attribution": [
            ctx.credit,
            *([f"Incidents: {source_label}"] if source_label else []),
        ],
    }
    if layer_names:
        payload["layerNames"] = _layer_names(series)
    if choropleth:
        payload["areas"] = _areas(series)
        payload["outline"] = encode_lines(disp_p.geometry.values)
        if surge and period is not None:
            counts_only = series.counts.pivot_table(
                index=series.key, columns="period_start", values="incidents", aggfunc="sum"
            ).reindex(index=series.ids, columns=starts)
            payload["surge"] = _surges(counts_only.to_numpy(dtype=float), period)
            if series.partial is not None:  # a period the data end inside is not compared
                payload["surge"]["byPeriod"][-1] = []
        if s.hotspots:
            payload["hotspots"] = _hotspots(series.values, series.areas, permutations)
    else:
        payload["outline"] = encode_lines(disp_p.geometry.values)
    if points:
        payload["points"] = point_layer(
            incidents, starts, period, s.color_by, s.size_by, s.max_points
        )
    if timeline and period is not None:
        payload["timeline"] = _timeline(incidents, period, starts)
    if s.labels:
        payload["labels"] = area_labels(ctx, disp_d, disp_p)
    return payload


def _last_span(starts: list[Any], period: str | None) -> int:
    """Return the days of the last period (0 for all dates)."""
    if period is None:
        return 0
    last = pd.Timestamp(starts[-1]) if len(starts) else pd.Timestamp("1970-01-01")
    nxt = (pd.Period(last, freq=PERIODS[period]) + 1).start_time
    return int((nxt - last).days)


def _layer_names(series: AreaSeries) -> dict[str, str]:
    return {
        "areas": f"{series.measure} by {series.level}",
        "points": "Incidents (points)",
        "labels": "Place names",
        "surge": "Surging areas (outlined)",
        "hotspots": "Hot and cold spots (Gi*)",
    }


def _areas(series: AreaSeries) -> dict[str, Any]:
    """Return the choropleth part of the payload, encoded from the series."""
    district = series.level == "district"
    provs = series.areas["province"].tolist() if district else [None] * len(series.names)
    props = [
        {"i": i, "n": n, **({"p": prov} if prov else {})}
        for i, (n, prov) in enumerate(zip(series.names, provs, strict=True))
    ]
    return {
        "level": series.level,
        "levelName": series.level,
        "measure": series.measure,
        "legendTitle": series.legend_title,
        "geojson": feature_collection(series.areas, props),
        "names": series.names,
        "values": pack_rows(series.values),
        "bins": series.bins,
        "integer": series.integer,
        "zeroColor": ZERO_COLOR,
        "nodataColor": NODATA_COLOR,
        "lineWeight": 0.5 if district else 0.8,
        "colors": series.colors,
    }


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
    categories = emerging_categories(z, p, 0.05, matrix)
    emerging = [None if e == "no pattern" else e for e in categories]
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


def incidents_credit(incidents: pd.DataFrame) -> str | None:
    """Return the credit of the incidents: the publisher's citation, then the file read."""
    path = incidents.attrs.get("path")
    name = Path(str(path)).name if path else None
    citation = incidents.attrs.get("citation") or ""
    if citation and name:
        return f"{citation} ({name})"
    return citation or name


#: short dataset names for titles, by the layout recognised
_SHORT = {
    "acled": "ACLED",
    "acled_admin1": "ACLED",
    "ucdp": "UCDP GED",
    "gtd": "GTD",
    "awsd": "AWSD",
}
_EVERY = {"day": "daily", "week": "weekly", "month": "monthly", "quarter": "quarterly"}


def default_title(incidents: pd.DataFrame, style: MapStyle) -> str:
    """Return a title from the data.

    "ACLED, Afghanistan, Jan 2017 – Mar 2026, events per province, monthly": the dataset
    (or the file), the span of the dates, what is counted per which area, and how often.
    """
    path = incidents.attrs.get("path")
    source = _SHORT.get(str(incidents.attrs.get("preset", ""))) or (
        Path(str(path)).stem if path else "Incidents"
    )
    raw = incidents["date"] if "date" in incidents else pd.Series([], dtype=object)
    dates = pd.to_datetime(raw, errors="coerce").dropna()
    span = f"{dates.min():%b %Y} \u2013 {dates.max():%b %Y}" if len(dates) else "undated"
    what = {"incidents": "events", "count": "events", "per100k": "events per 100,000 people"}
    measure = what.get(style.measure, style.measure.replace("_", " "))
    every = "all dates" if style.period is None else _EVERY.get(style.period, f"{style.period}ly")
    return f"{source}, Afghanistan, {span}, {measure} per {style.level}, {every}"


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
    raw = incidents["fatalities"] if "fatalities" in incidents else pd.Series([], dtype=float)
    tolls = pd.to_numeric(raw, errors="coerce")
    known = int(tolls.notna().sum())
    if known == 0:
        deaths = "death tolls unknown"
    else:
        deaths = f"{tolls.sum():,.0f} reported fatalities"
        if known < n:
            deaths += f" (tolls known for {known:,} of {n:,})"
    text = (
        f"{n:,} incidents{span}; {deaths}. Located by coordinates: "
        f"{by_point:,}; by name: {n - by_point - unplaced:,}; not on the map: {unplaced:,}."
    )
    return text
