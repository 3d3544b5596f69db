"""Turn geocoded incidents into the compact data a map page draws.

Geometry is simplified as a coverage (shared borders simplified once, so
neighbours keep touching: no slivers, no gaps) and rounded; provinces are
dissolved from the simplified districts so that the two levels nest exactly.
Values are one array per area with one number per period; the colour classes
are computed once over every period, so colours compare across time.

:func:`build_payload` writes what every page holds (periods, title, panels, credits),
then each layer of :data:`incidentmap.render.layers.LAYERS` adds its own part.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from incidentmap.aggregate import PERIODS
from incidentmap.context import BoundaryContext, context_for
from incidentmap.render.classes import class_bins
from incidentmap.render.layers import LAYERS, NAMED, LayerContext
from incidentmap.render.series import AreaSeries, area_series
from incidentmap.render.style import MapStyle, PageParts
from incidentmap.spans import date_spans

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
    parts: PageParts | None = None,
    population: pd.DataFrame | None = None,
    series: AreaSeries | None = None,
    **style_kwargs: Any,
) -> dict[str, Any]:
    """Build the data object the page's IncidentMap script draws.

    The periods, title, caption and credits, then each layer of
    :data:`incidentmap.render.layers.LAYERS` that the page holds, under its name.

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        Geocoded incidents (filtered as wanted).
    districts : geopandas.GeoDataFrame or BoundaryContext
        The installed district layer.
    style : MapStyle, optional
        Level, period, measure, classes, mode, point colours and sizes, title, labels,
        hot spots, the point limit (default: :class:`MapStyle` without labels);
        ``**style_kwargs`` set single fields on top (``level="province"``).
    parts : PageParts, optional
        Which layers and panels (default: areas and points), the caption, the incidents'
        credit and the hot spots' permutations.
    population : pandas.DataFrame, optional
        ``province_code`` or ``district_id`` and ``population``; needed for
        ``measure="per100k"`` (incidents per 100,000 people).
    series : AreaSeries, optional
        The area-by-period values (:func:`incidentmap.render.series.area_series`), when
        the caller has them already (the brief job computes them once for the page and the image).
    **style_kwargs
        Fields of :class:`MapStyle` on top of ``style``.

    Returns
    -------
    dict
        JSON-serialisable.
    """
    s = MapStyle.of(style or _PAYLOAD, **style_kwargs)
    boundaries = context_for(districts)
    if series is None:
        series = area_series(incidents, boundaries, s, population=population)
    ctx = LayerContext(incidents, boundaries, s, parts or PageParts(), series)
    payload = _frame(ctx)
    for layer in LAYERS:
        part = layer.payload(ctx)
        if part is not None:
            payload[layer.name] = part
    return payload


def _frame(ctx: LayerContext) -> dict[str, Any]:
    """Return what every page holds besides its layers: periods, title, panels, credits."""
    series, parts = ctx.series, ctx.parts
    frame: dict[str, Any] = {
        "periods": series.labels,
        "partial": None if series.partial is None else f"{series.partial:%d %b %Y}",
        "partialStart": (
            None if series.partial_start is None else f"{series.partial_start:%d %b %Y}"
        ),
        "allDates": series.period is None,
        "periodName": series.period,
        "lastSpan": _last_span(series.starts, series.period),
        "periodStarts": [pd.Timestamp(t).strftime("%Y-%m-%d") for t in series.starts],
        "mode": "cumulative" if ctx.style.open == "cumulative" else ctx.style.mode,
        "start": _opening(series, ctx.style.open),
        "title": ctx.style.title,
        "caption": parts.caption,
        "leftOut": parts.left_out,
        "topAreas": parts.top_areas,
        "attribution": [
            ctx.boundaries.credit,
            *([f"Incidents: {parts.source_label}"] if parts.source_label else []),
        ],
    }
    if parts.layer_names:
        frame["layerNames"] = {layer.name: layer.title(series) for layer in NAMED}
    return frame


def _opening(series: AreaSeries, open_on: str) -> int:
    """Return the period a page opens on: the latest complete one, unless `open` says first."""
    from incidentmap.errors import refuse_choice
    from incidentmap.options import OPENS

    refuse_choice(open_on, OPENS, "`open`")
    n = len(series.labels)
    if open_on == "first" or n == 0:
        return 0
    if open_on == "latest" and series.partial is not None and n > 1:
        return n - 2  # the last period is not over in the data
    return n - 1


def _last_span(starts: list[Any], period: str | None) -> int:
    """Return the days of the last period (0 for all dates)."""
    if period is None:
        return 0
    last = pd.Timestamp(starts[-1]) if len(starts) else pd.Timestamp("1970-01-01")
    nxt = (pd.Period(last, freq=PERIODS[period]) + 1).start_time
    return int((nxt - last).days)


def incidents_credit(incidents: pd.DataFrame) -> str | None:
    """Return the credit of the incidents: the publishers' citations, then the file read.

    A merged list credits every publisher its rows came from (its ``citations`` column).
    """
    path = incidents.attrs.get("path")
    name = Path(str(path)).name if path else None
    citation = incidents.attrs.get("citation") or _merged_citations(incidents)
    if citation and name:
        return f"{citation} ({name})"
    return citation or name


def _merged_citations(incidents: pd.DataFrame) -> str:
    """Return the distinct credits a merged list's ``citations`` name, in their order."""
    if "citations" not in incidents.columns:
        return ""
    texts = incidents["citations"].dropna().astype(str).unique()
    parts = [p for text in texts for p in text.split("; ") if p]
    return "; ".join(dict.fromkeys(parts))


#: short dataset names for titles, by the layout recognised
_SHORT = {
    "acled": "ACLED",
    "acled_admin1": "ACLED",
    "acled_weekly": "ACLED",
    "ucdp": "UCDP GED",
    "gtd": "GTD",
    "awsd": "AWSD",
}
_EVERY = {"day": "daily", "week": "weekly", "month": "monthly", "quarter": "quarterly"}


#: how a date is written at each precision; ``finest`` caps it (a title says months)
_DATE_FORMATS = {"year": "%Y", "month": "%b %Y", "day": "%d %b %Y"}


def date_span(incidents: pd.DataFrame, finest: str = "day") -> str:
    """Return the span of the rows' dates, each end written to its row's precision.

    A row dated only to a year is "2015", never "01 Jan 2015"; to a month "Mar 2015"; the
    finest precision among the rows on an end's date decides it, ``finest`` caps it. One
    end when both are written the same ("Mar 2023", not "Mar 2023 - Mar 2023"); "" when no
    row is dated. A week (or a stated range) that runs past the last row's first day ends
    the span on its own last day: ACLED's week of Saturday 18 February ends on 24 February.
    """
    raw = incidents["date"] if "date" in incidents else pd.Series([], dtype=object)
    dates = pd.to_datetime(raw, errors="coerce")
    ok = dates.notna().to_numpy()
    if not ok.any():
        return ""
    dates = dates[ok]
    if "date_precision" in incidents:
        prec = incidents["date_precision"].astype("string").fillna("day")[ok]
    else:
        prec = pd.Series("day", index=dates.index)
    rank = {"year": 0, "quarter": 1, "month": 1}  # a week or a day: written to the day
    cap = rank.get(finest, 2)

    def written(day: pd.Timestamp) -> str:
        level = min(max(rank.get(p, 2) for p in prec[dates == day]), cap)
        return day.strftime(_DATE_FORMATS[("year", "month", "day")[level]])

    first, last = written(dates.min()), written(dates.max())
    ends = date_spans(incidents)[1][ok]
    if ends.max() > dates.max():  # the row whose span ends last, written to its precision
        k = ends.idxmax()
        level = min(rank.get(prec[k], 2), cap)
        day = ends[k] if level == 2 else dates[k]  # a week's or a range's own last day
        last = day.strftime(_DATE_FORMATS[("year", "month", "day")[level]])
    return first if first == last else f"{first} \u2013 {last}"


def default_title(incidents: pd.DataFrame, style: MapStyle) -> str:
    """Return a title from the data.

    "ACLED, Afghanistan, Jan 2017 – Mar 2026, events per province, monthly": the dataset
    (or the file), the span of the dates, what is counted per which area, and how often.
    """
    path = incidents.attrs.get("path")
    source = _SHORT.get(str(incidents.attrs.get("preset", ""))) or (
        Path(str(path)).stem if path else "Incidents"
    )
    span = date_span(incidents, "month") or "undated"
    what = {"incidents": "events", "count": "events", "per100k": "events per 100,000 people"}
    measure = what.get(style.measure, style.measure.replace("_", " "))
    every = "all dates" if style.period is None else _EVERY.get(style.period, f"{style.period}ly")
    return f"{source}, Afghanistan, {span}, {measure} per {style.level}, {every}"


def default_caption(
    incidents: gpd.GeoDataFrame, level: str | None = None, period: str | None = None
) -> str:
    """Summarise the date range and counts: "12 incidents, 8 Mar 2023 - 15 Mar 2023; ...".

    On a district page (``level="district"``) the incidents placed only to a province are
    named too ("640 placed only to a province: shown by province"): they are on the page,
    counted by province, not in the districts.
    """
    n = len(incidents)
    span = date_span(incidents, "day")
    span = f", {span}" if span else ""
    method = incidents["geocode_method"]
    by_point = int(method.str.startswith("point").sum())
    unplaced = int((method == "unplaced").sum())
    from incidentmap.aggregate import row_weights

    weights = row_weights(incidents)
    total = float(weights.sum())  # a count table's rows count as their weight
    deaths = _deaths(incidents, weights, total)
    counted = f"{total:,.10g} incident" + ("" if total == 1 else "s")
    if total != n:
        counted += f" in {n:,} row" + ("" if n == 1 else "s")
    rows = " (rows)" if total != n else ""
    text = (
        f"{counted}{span}; {deaths}. Located by coordinates{rows}: "
        f"{by_point:,}; by name: {n - by_point - unplaced:,}; not on the map: {unplaced:,}."
    )
    held = no_period(incidents, period)
    return text + _coarse_caption(incidents, level) + (f" {held}." if held else "")


def amount(value: float) -> str:
    """Write a sum as a briefing does, its fraction kept: ``1,143``, ``6.5``, ``0.33``.

    A toll may be a fraction (GTD divides one among the rows of an attack, HDX HAPI's
    counts are averages): its sum is written to two decimals, trailing zeros dropped,
    never rounded to a whole number (6.5 is not 6). The page's ``amount`` writes the same.
    """
    v = round(float(value), 2)
    return f"{v:,.0f}" if v.is_integer() else f"{v:,.2f}".rstrip("0")


def _deaths(incidents: pd.DataFrame, weights: np.ndarray, total: float) -> str:
    """Say the reported fatalities and, when some are unknown, for how many incidents known.

    Counted as the headline counts, in incidents (a count table's row as its weight, as
    ``fatalities_known`` of :func:`incidentmap.aggregate.counts_by_area`): "6.5 reported
    fatalities (tolls known for 20 of 25 incidents)", never rows beside incidents.
    """
    raw = incidents["fatalities"] if "fatalities" in incidents else pd.Series([], dtype=float)
    tolls = pd.to_numeric(raw, errors="coerce")
    if tolls.notna().sum() == 0:
        return "death tolls unknown"
    known = float(weights[tolls.notna().to_numpy()].sum())
    deaths = f"{amount(tolls.sum())} reported fatalities"
    if known < total:
        deaths += f" (tolls known for {known:,.10g} of {total:,.10g} incidents)"
    return deaths


#: where the page keeps the incidents no one period holds
ON_THE_PAGE = "in the totals and the event list, not on the slider"


def no_period(incidents: pd.DataFrame, period: str | None, where: str = ON_THE_PAGE) -> str:
    """Say how many incidents no one ``period`` of the slider holds, and why; "" for none.

    "3 incidents in no week (2 undated, 1 dated to a month): in the totals and the event
    list, not on the slider": undated rows and rows dated only to a span no one period
    holds are on the page, in its totals and in every period's event list.
    """
    if period is None or len(incidents) == 0:
        return ""
    from incidentmap.aggregate import row_periods, row_weights

    held = row_periods(incidents, period).isna().to_numpy()
    if not held.any():
        return ""
    w = row_weights(incidents)[held]
    dated = pd.to_datetime(incidents["date"], errors="coerce").notna().to_numpy()[held]
    prec = incidents.get("date_precision")
    prec = (
        pd.Series(prec.to_numpy()[held]).astype("string").fillna("day")
        if prec is not None
        else pd.Series("day", index=range(int(held.sum())))
    )
    why = {"undated": float(w[~dated].sum())}
    for p in ("day", "week", "month", "quarter", "year"):
        why[f"dated to a {p}"] = float(w[dated & (prec == p).to_numpy()].sum())
    said = ", ".join(f"{v:,.10g} {k}" for k, v in why.items() if v)
    n = float(w.sum())
    text = f"{n:,.10g} incident{'' if n == 1 else 's'} in no {period} ({said})"
    return f"{text}: {where}" if where else text


def off_map_caption(incidents: pd.DataFrame, period: str | None) -> str | None:
    """Return a plain map's caption naming the incidents it cannot show (None: it shows all).

    A plain map has no event list: the incidents no one period holds and those placed
    nowhere are said on it, so none is left out without a word.
    """
    said = []
    held = no_period(incidents, period, "")
    if held:
        said.append(held)
    if "geocode_method" in incidents.columns:
        n = int((incidents["geocode_method"] == "unplaced").sum())
        if n:
            said.append(f"{n:,} placed nowhere (no place or coordinates the boundaries hold)")
    return "Not on this map: " + "; ".join(said) + "." if said else None


def _coarse_caption(incidents: pd.DataFrame, level: str | None) -> str:
    """Return " 640 placed only to a province: shown by province." on a district page."""
    from incidentmap.aggregate import row_weights
    from incidentmap.render.layers.coarse import coarse_note
    from incidentmap.render.series import province_only

    only = province_only(incidents)
    if level != "district" or not only.any():
        return ""
    return f" {coarse_note(float(row_weights(incidents)[only].sum()))}."
