"""Static choropleth images for slides (matplotlib): one period or small multiples."""

from __future__ import annotations

import math
import os
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from incidentmap.atomic import atomic_write, check_output
from incidentmap.context import context_for
from incidentmap.errors import UsageError
from incidentmap.render.data import build_payload, display_layers
from incidentmap.render.encode import area_values

__all__ = ["static_map"]


def static_map(
    incidents: gpd.GeoDataFrame,
    path: str | os.PathLike[str],
    *,
    level: str = "province",
    period: str | None = "month",
    periods: int | list[str] | None = 1,
    measure: str = "incidents",
    scheme: str = "quantiles",
    k: int = 5,
    bins: list[float] | None = None,
    mode: str = "window",
    title: str | None = None,
    boundaries: gpd.GeoDataFrame | None = None,
    overwrite: bool = False,
    dpi: int = 150,
    population: pd.DataFrame | None = None,
) -> Path:
    """Draw a choropleth PNG (or SVG/PDF by suffix) with title, legend and citation.

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        Geocoded incidents.
    path : path-like
        ``.png``, ``.svg`` or ``.pdf``.
    level, period, measure, scheme, k, bins, mode
        As for :func:`incidentmap.render.choropleth_map`; the colour classes are
        the same as the HTML map's.
    periods : int or list of str, default 1
        The last N periods as small multiples, or period labels/start dates
        (``"2023-03-01"``) to draw. With ``period=None`` one map of all dates.
    title : str, optional
    boundaries : geopandas.GeoDataFrame, optional
    overwrite : bool, default False
    dpi : int, default 150
    population : pandas.DataFrame, optional
        For ``measure="per100k"``.

    Returns
    -------
    pathlib.Path
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    p = Path(path)
    if p.suffix.lower() not in (".png", ".svg", ".pdf"):
        msg = f"{p}: static maps are .png, .svg or .pdf"
        raise UsageError(msg)
    check_output(p, overwrite=overwrite)
    districts = context_for(boundaries)
    payload = build_payload(
        incidents,
        districts,
        choropleth=True,
        points=False,
        level=level,
        period=period,
        measure=measure,
        scheme=scheme,
        k=k,
        bins=bins,
        mode=mode,
        population=population,
    )
    a = payload["areas"]
    labels = payload["periods"]
    starts = payload["periodStarts"]
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
    values = area_values(a)
    if mode == "cumulative":
        values = np.nancumsum(np.nan_to_num(values), axis=1)
    bins_ = a["bins"][mode]
    colors = a["colors"]
    disp_d, disp_p = display_layers(districts)
    geoms = disp_d if level == "district" else disp_p  # the payload's area order
    outline = gpd.GeoDataFrame(
        geometry=[shapely.union_all(shapely.boundary(disp_p.geometry.values))], crs="EPSG:4326"
    )

    def color(v: float) -> str:
        if np.isnan(v):
            return a["nodataColor"]
        if v == 0:
            return a["zeroColor"]
        for b, c in zip(bins_, colors, strict=False):
            if v <= b:
                return c
        return colors[-1]

    n = len(chosen)
    cols = min(n, 3)
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(5.2 * cols, 4.4 * rows + 0.9), squeeze=False)
    for ax in axes.ravel():
        ax.set_axis_off()
    for ax, t in zip(axes.ravel(), chosen, strict=False):
        geoms.plot(
            ax=ax,
            color=[color(v) for v in values[:, t]],
            edgecolor="#666",
            linewidth=0.25 if level == "district" else 0.5,
        )
        outline.plot(ax=ax, color="#222", linewidth=0.7)
        ax.set_title(labels[t] + (" (cumulative)" if mode == "cumulative" else ""), fontsize=10)
        ax.set_aspect(1 / math.cos(math.radians(34)))
    handles = [
        Patch(facecolor=a["nodataColor"], edgecolor="#666", label="no data"),
        Patch(facecolor=a["zeroColor"], edgecolor="#666", label="0"),
    ]
    lo = 0.0
    for i, (b, c) in enumerate(zip(bins_, colors, strict=False)):
        if a.get("integer") and float(b).is_integer():
            lab = f"{lo + 1:g}" if lo + 1 >= b else f"{lo + 1:g} \u2013 {b:g}"
        else:
            lab = f"{'> 0' if i == 0 else f'> {lo:g}'} \u2013 {b:g}"
        handles.append(Patch(facecolor=c, edgecolor="#666", label=lab))
        lo = b
    fig.legend(
        handles=handles,
        loc="lower right",
        bbox_to_anchor=(0.985, 0.012),
        title=a["legendTitle"],
        fontsize=8,
        title_fontsize=9,
        frameon=False,
        ncol=min(len(handles), 4),
    )
    if title:
        fig.suptitle(title, fontsize=14, fontweight="bold")
    fig.text(0.01, 0.01, districts.credit, fontsize=7, color="#444")
    fig.tight_layout(rect=(0, 0.06, 1, 0.95 if title else 1))
    try:
        with atomic_write(p, overwrite=overwrite) as tmp:
            fig.savefig(tmp, dpi=dpi)
    finally:
        plt.close(fig)
    return p
