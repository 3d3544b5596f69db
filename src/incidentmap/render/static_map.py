"""Static choropleth images for slides (matplotlib): one period or small multiples."""

from __future__ import annotations

import math
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from incidentmap.atomic import atomic_write, check_output
from incidentmap.context import context_for
from incidentmap.errors import UsageError
from incidentmap.render.data import default_title, incidents_credit
from incidentmap.render.layers import LAYERS, StaticContext
from incidentmap.render.series import AreaSeries, area_series
from incidentmap.render.style import ImageOptions, MapStyle

#: a slide shows provinces unless asked
_STATIC = MapStyle(level="province", labels=False)

__all__ = ["static_map"]


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
    image shows (the areas, then the province borders).

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        Geocoded incidents.
    path : path-like
        ``.png``, ``.svg`` or ``.pdf``.
    style : MapStyle, optional
        Level (``province`` by default here), period, measure, classes, mode and title,
        as for :func:`incidentmap.render.choropleth_map`; the colour classes are the
        same as the HTML map's.
    image : ImageOptions, optional
        The periods to draw (default: the last one), the resolution and whether an
        existing file is replaced.
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
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    opts = image or ImageOptions()
    p = Path(path)
    if p.suffix.lower() not in (".png", ".svg", ".pdf"):
        msg = f"{p}: static maps are .png, .svg or .pdf"
        raise UsageError(msg)
    check_output(p, overwrite=opts.overwrite)
    districts = context_for(boundaries)
    st = MapStyle.of(style or _STATIC, **style_kwargs)
    if series is None:
        series = area_series(incidents, districts, st, population=population)
    chosen = _chosen_periods(series, opts.periods)
    title = _title(incidents, st, series, chosen)
    ctx = StaticContext(series, districts, st, series.shown(st.mode), panel=0)

    fig = _panels(ctx, chosen, plt)
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
        fig.suptitle(_plain(title), fontsize=14, fontweight="bold")
    credit = st.credit or incidents_credit(incidents)
    lines = [f"Incidents: {credit}"] if credit else []
    credits = "\n".join([*lines, districts.credit])
    fig.text(0.01, 0.01, _plain(credits), fontsize=7, color="#444")
    fig.tight_layout(rect=(0, 0.06, 1, 0.95 if title else 1))
    try:
        with atomic_write(p, overwrite=opts.overwrite) as tmp:
            fig.savefig(tmp, dpi=opts.dpi)
    finally:
        plt.close(fig)
    return p


def _chosen_periods(series: AreaSeries, periods: int | list[str] | None) -> list[int]:
    """Return the positions of the periods to draw: the last N, or those named."""
    labels = series.labels
    starts = [pd.Timestamp(t).strftime("%Y-%m-%d") for t in series.starts]
    if isinstance(periods, int):
        chosen = list(range(max(0, len(labels) - periods), len(labels)))
    else:
        wanted = list(periods or [])
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


def _panels(ctx: StaticContext, chosen: list[int], plt: Any) -> Any:
    """Return a figure with one map per chosen period, three to a row, each layer drawn."""
    n = len(chosen)
    cols = min(n, 3)
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(5.2 * cols, 4.4 * rows + 0.9), squeeze=False)
    for ax in axes.ravel():
        ax.set_axis_off()
    suffix = " (cumulative)" if ctx.style.mode == "cumulative" else ""
    for ax, t in zip(axes.ravel(), chosen, strict=False):
        panel = replace(ctx, panel=t)
        for layer in LAYERS:
            layer.draw(ax, panel)
        ax.set_title(ctx.series.label(t) + suffix, fontsize=10)
        ax.set_aspect(1 / math.cos(math.radians(34)))
    return fig


def _title(incidents: gpd.GeoDataFrame, st: MapStyle, series: AreaSeries, chosen: list[int]) -> str:
    """Return the title (the data's own by default), saying how many periods are shown."""
    title = st.title or default_title(incidents, replace(st, level=series.level))
    if len(chosen) < len(series.labels):  # say which part of the span the panels show
        title += f" \u2014 {len(chosen)} of {len(series.labels)} periods shown"
    return title


def _plain(text: str) -> str:
    """Return text matplotlib draws as written: ``$`` starts no formula ("Losses $5M")."""
    return text.replace("$", r"\$")
