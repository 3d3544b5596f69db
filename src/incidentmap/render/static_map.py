"""Static choropleth images for slides (matplotlib): one period or small multiples."""

from __future__ import annotations

import math
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from incidentmap.atomic import atomic_write, check_output
from incidentmap.context import context_for
from incidentmap.errors import UsageError
from incidentmap.render.data import default_title, incidents_credit
from incidentmap.render.layers import LAYERS, StaticContext
from incidentmap.render.series import AreaSeries, area_series
from incidentmap.render.style import ImageOptions, MapStyle

#: a slide shows provinces, named, unless asked
_STATIC = MapStyle(level="province", labels=True)

#: the most panels one image holds (four rows of three)
MAX_PANELS = 12

__all__ = ["MAX_PANELS", "panel_total", "static_figure", "static_map"]


def static_map(
    incidents: gpd.GeoDataFrame,
    path: str | os.PathLike[str],
    style: MapStyle | None = None,
    *,
    image: ImageOptions | None = None,
    boundaries: gpd.GeoDataFrame | None = None,
    population: pd.DataFrame | None = None,
    series: AreaSeries | None = None,
    **style_kwargs: Any,
) -> Path:
    """Draw a choropleth PNG (or SVG/PDF by suffix) with title, legend and citation.

    Each panel draws the layers of :data:`incidentmap.render.layers.LAYERS` that the
    image shows (the areas, the province borders, then the names) and says its total.

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        Geocoded incidents.
    path : path-like
        ``.png``, ``.svg`` or ``.pdf``.
    style : MapStyle, optional
        Level (``province`` by default here), period, measure, classes, mode, title and
        labels (province names, and at district level town names, none over another), as
        for :func:`incidentmap.render.choropleth_map`; the colour classes and the names'
        spelling are the same as the HTML map's.
    image : ImageOptions, optional
        The periods to draw (default: the last one; None: every period, up to
        :data:`MAX_PANELS`), the resolution and whether an existing file is replaced.
        When the panels are not every period, the title says which they are.
    boundaries : geopandas.GeoDataFrame, optional
    population : pandas.DataFrame, optional
        For ``measure="per100k"``.
    series : AreaSeries, optional
        The values to draw, when the caller has them (the page's, in the brief job).
    **style_kwargs
        Fields of :class:`~incidentmap.render.style.MapStyle` on top of ``style``.

    Returns
    -------
    pathlib.Path
    """
    import matplotlib.pyplot as plt

    opts = image or ImageOptions()
    p = Path(path)
    if p.suffix.lower() not in (".png", ".svg", ".pdf"):
        msg = f"{p}: static maps are .png, .svg or .pdf"
        raise UsageError(msg)
    check_output(p, overwrite=opts.overwrite)
    fig = static_figure(
        incidents,
        style,
        image=opts,
        boundaries=boundaries,
        population=population,
        series=series,
        **style_kwargs,
    )
    try:
        with atomic_write(p, overwrite=opts.overwrite) as tmp:
            fig.savefig(tmp, dpi=opts.dpi)
    finally:
        plt.close(fig)
    return p


def static_figure(
    incidents: gpd.GeoDataFrame,
    style: MapStyle | None = None,
    *,
    image: ImageOptions | None = None,
    boundaries: gpd.GeoDataFrame | None = None,
    population: pd.DataFrame | None = None,
    series: AreaSeries | None = None,
    **style_kwargs: Any,
) -> Any:
    """Return the figure :func:`static_map` writes (matplotlib's, open: the caller closes it).

    Parameters are :func:`static_map`'s. The panels' names are texts with the ``gid``
    ``im-label``; each panel's title says its period and its total.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    opts = image or ImageOptions()
    districts = context_for(boundaries)
    st = MapStyle.of(style or _STATIC, **style_kwargs)
    if series is None:
        series = area_series(incidents, districts, st, population=population)
    chosen = _chosen_periods(series, opts.periods)
    title = _title(incidents, st, series, chosen)
    ctx = StaticContext(series, districts, st, series.shown(st.mode), panel=0)

    fig = _panels(ctx, chosen, plt, titled=bool(title))
    handles = [
        Patch(facecolor=c, edgecolor="#666", label=_plain(lab)) for lab, c in series.legend(st.mode)
    ]
    fig.legend(
        handles=handles,
        loc="lower right",
        bbox_to_anchor=(0.985, 0.012),
        title=_plain(series.legend_title),
        fontsize=8,
        title_fontsize=9,
        frameon=False,
        ncol=min(len(handles), 4),
    )
    if title:
        fig.suptitle(_plain(title), fontsize=14, fontweight="bold", y=0.985)
    credit = st.credit or incidents_credit(incidents)
    lines = [f"Incidents: {credit}"] if credit else []
    credits = "\n".join([*lines, districts.credit])
    fig.text(0.01, 0.01, _plain(credits), fontsize=7, color="#444")
    return fig


def _chosen_periods(series: AreaSeries, periods: int | list[str] | None) -> list[int]:
    """Return the positions of the periods to draw: every one (None), the last N, or those named.

    Every period is at most the last :data:`MAX_PANELS` (the title then says which).
    """
    labels = series.labels
    starts = [pd.Timestamp(t).strftime("%Y-%m-%d") for t in series.starts]
    if periods is None:
        periods = MAX_PANELS
    if isinstance(periods, int):
        chosen = list(range(max(0, len(labels) - periods), len(labels)))
    else:
        wanted = list(periods)
        chosen = [
            i
            for i, (lab, st) in enumerate(zip(labels, starts, strict=True))
            if lab in wanted or st in wanted
        ]
        if len(chosen) != len(wanted):
            msg = f"unknown period(s) among {wanted}; available: {labels[:3]}...{labels[-3:]}"
            raise UsageError(msg)
    if not chosen:
        msg = "no period to draw (no dated incidents?)"
        raise UsageError(msg)
    return chosen


def _panels(ctx: StaticContext, chosen: list[int], plt: Any, *, titled: bool) -> Any:
    """Return a figure with one map per chosen period (:func:`_columns` to a row), each layer drawn.

    The panels' places are fixed before anything is drawn (no layout afterwards), so the
    names placed by their text's extent keep the places they were measured at.
    """
    n = len(chosen)
    cols = _columns(n)
    rows = math.ceil(n / cols)
    height = 4.4 * rows + 0.9
    fig, axes = plt.subplots(rows, cols, figsize=(5.2 * cols, height), squeeze=False)
    top = 1 - (0.75 if titled else 0.2) / height
    fig.subplots_adjust(left=0.01, right=0.99, bottom=0.75 / height, top=top, wspace=0.04)
    fig.subplots_adjust(hspace=0.5 / 4.4)
    for ax in axes.ravel():
        ax.set_axis_off()
    suffix = " (cumulative)" if ctx.style.mode == "cumulative" else ""
    panels = list(zip(axes.ravel(), chosen, strict=False))
    for ax, _t in panels:
        ax.set_aspect(1 / math.cos(math.radians(34)))
    # layer by layer over every panel: geopandas draws the whole figure after each plot, and
    # the names (drawn last) would otherwise be drawn again by every later panel's plot
    for layer in LAYERS:
        for ax, t in panels:
            layer.draw(ax, replace(ctx, panel=t))
    for ax, t in panels:
        total = panel_total(ctx.series, ctx.style.mode, t)
        ax.set_title(
            _plain(ctx.series.label(t) + suffix + (f"\n{total}" if total else "")), fontsize=10
        )
    return fig


def _columns(n: int) -> int:
    """Return the columns of a grid of ``n`` panels (three to a row unless noted).

    Four where that leaves fewer empty places (7 and 8 panels: two rows of four); 2 x 2 for 4.
    """
    if n <= 3:
        return n
    if n == 4:
        return 2
    return min((3, 4), key=lambda c: (math.ceil(n / c) * c - n, c))


def panel_total(series: AreaSeries, mode: str, t: int) -> str:
    """Return what one panel counts in all: "23 incidents", "Fatalities: 140".

    The sum of the areas' values in that period (up to it in the cumulative mode); on a
    district map, the incidents placed only to a province are added and said: their count
    on a count map, their own values on a map of a column (fatalities), those with the
    value unknown said apart (never added as 0). A rate per 100,000 people has no total
    (an empty text).
    """
    if series.measure == "Incidents per 100,000 people":
        return ""
    total = float(np.nansum(series.shown(mode)[:, t]))

    def upto(a: np.ndarray | None) -> float:
        if a is None or not np.size(a):
            return 0.0
        return float(a[:, : t + 1].sum() if mode == "cumulative" else a[:, t].sum())

    coarse = upto(getattr(series, "coarse", None))  # district maps: rows placed only to a province
    if series.measure == "Incidents":
        text = f"{_number(total + coarse)} incident" + ("" if total + coarse == 1 else "s")
        return text + (f" ({_number(coarse)} placed only to a province)" if coarse else "")
    summed, known = upto(series.coarse_measure), upto(series.coarse_known)
    text = f"{series.measure}: {_number(total + summed)}"
    if not coarse:
        return text
    rows = f"{_number(coarse)} incident{'' if coarse == 1 else 's'} placed only to a province"
    if not known:
        return text + f" (besides: {rows}, {series.measure.lower()} unknown)"
    unknown = coarse - known
    text += f" (of which {_number(summed)} in {rows}"
    lost = f", {_number(unknown)} with {series.measure.lower()} unknown)"
    return text + (lost if unknown else ")")


def _number(v: float) -> str:
    """Write a total as a briefing does: 1,143; 12.5."""
    return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.1f}"


def _title(incidents: gpd.GeoDataFrame, st: MapStyle, series: AreaSeries, chosen: list[int]) -> str:
    """Return the title (the data's own by default), saying which periods the panels show."""
    title = st.title or default_title(incidents, replace(st, level=series.level))
    n = len(series.labels)
    if len(chosen) < n:  # say which part of the span the panels show
        labels = [series.labels[i] for i in chosen]
        if chosen == list(range(chosen[0], chosen[-1] + 1)) and len(chosen) > 2:
            which = f"{labels[0]} to {labels[-1]}"
        elif len(labels) <= 4:
            which = ", ".join(labels)
        else:
            which = f"{', '.join(labels[:2])} \u2026 {labels[-1]}"
        title += f" \u2014 shown: {which} ({len(chosen)} of {n} periods)"
    return title


def _plain(text: str) -> str:
    """Return text matplotlib draws as written: ``$`` starts no formula ("Losses $5M")."""
    return text.replace("$", r"\$")
