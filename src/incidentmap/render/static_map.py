"""Static choropleth images for slides (matplotlib): one period or small multiples."""

from __future__ import annotations

import math
import os
import textwrap
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from incidentmap.atomic import atomic_write, check_output
from incidentmap.context import context_for
from incidentmap.errors import UsageError
from incidentmap.render.data import default_title, incidents_credit, no_period
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
    ctx = StaticContext(series, districts, st, series.shown(st.mode), panel=0)
    handles = [
        Patch(facecolor=c, edgecolor="#666", label=_plain(lab)) for lab, c in series.legend(st.mode)
    ]
    ncol = min(len(handles), 4)
    # the title and the foot wrapped to the image's width, their room kept before drawing
    width = _PANEL_WIDTH * _columns(len(chosen)) - 0.2
    title = _wrapped(_title(incidents, st, series, chosen), width, _TITLE_PT, bold=True)
    foot = _wrapped(_credits(incidents, st, series, districts.credit, opts.left_out), width, 7)
    room = _Room(
        title=title.count("\n") + 1 if title else 0,
        legend=math.ceil(len(handles) / max(ncol, 1)),
        foot=foot.count("\n") + 1,
    )
    fig = _panels(ctx, chosen, plt, room)
    height = fig.get_figheight()
    fig.legend(
        handles=handles,
        loc="lower right",
        bbox_to_anchor=(0.985, (room.foot_in + 0.02) / height),  # above the foot, never on it
        title=_plain(series.legend_title),
        fontsize=8,
        title_fontsize=9,
        frameon=False,
        ncol=ncol,
    )
    if title:
        top = 1 - 0.12 / height  # 0.12 in from the top, whatever the rows
        fig.suptitle(_plain(title), fontsize=_TITLE_PT, fontweight="bold", y=top, va="top")
    fig.text(0.01, 0.06 / height, _plain(foot), fontsize=7, color="#444", va="bottom")
    return fig


#: a panel's width (in); the title's size (pt)
_PANEL_WIDTH = 5.2
_TITLE_PT = 14


@dataclass(frozen=True)
class _Room:
    """The lines of the title, the legend's rows and the foot's lines: the room they take."""

    title: int
    legend: int
    foot: int

    @property
    def head_in(self) -> float:
        """Inches above the panels: the title's lines (a little when there is none)."""
        return 0.95 + 0.26 * (self.title - 1) if self.title else 0.2

    @property
    def foot_in(self) -> float:
        """Inches the foot's lines take (7 pt text)."""
        return 0.06 + 0.125 * self.foot

    @property
    def bottom_in(self) -> float:
        """Inches under the panels: the foot, then the legend over it."""
        return self.foot_in + 0.32 + 0.19 * self.legend


def _wrapped(text: str, width_in: float, points: float, *, bold: bool = False) -> str:
    """Return ``text`` with each line wrapped to ``width_in`` inches at ``points`` (no line cut)."""
    if not text:
        return ""
    per_inch = 72 / (points * (0.66 if bold else 0.56))  # a DejaVu Sans character, on average
    width = max(24, int(width_in * per_inch))
    return "\n".join(textwrap.fill(line, width) or line for line in text.split("\n"))


def _credits(
    incidents: gpd.GeoDataFrame, st: MapStyle, series: AreaSeries, areas: str, left_out: str | None
) -> str:
    """Return the image's foot lines: what the boxes count, the incidents' and areas' credits.

    What the run's filters left out though it may belong (``left_out``) comes first.
    """
    credit = st.credit or incidents_credit(incidents)
    lines = [f"Incidents: {credit}"] if credit else []
    if series.coarse is not None and series.coarse_total:  # the boxes count incidents, always
        boxed = "Boxed numbers: incidents placed only to a province"
        lines.insert(0, boxed + (f" (a count, not {series.measure.lower()})."
                                 if series.measure != "Incidents" else "."))  # fmt: skip
    held = no_period(incidents, series.period, "on no panel")
    if held:  # undated, or dated to a span no one period holds: said, never silently left out
        lines.insert(0, held[0].upper() + held[1:] + ".")
    nowhere = _placed_nowhere(incidents)
    if nowhere:  # in the page's totals and list; on no panel of the image: said here
        lines.insert(0, nowhere)
    if left_out:
        lines.insert(0, left_out)
    return "\n".join([*lines, areas])


def _placed_nowhere(incidents: pd.DataFrame) -> str:
    """Return "1 incident placed nowhere (...): on no panel." ("" when every one is placed)."""
    if "geocode_method" not in incidents.columns:
        return ""
    from incidentmap.aggregate import row_weights

    mask = (incidents["geocode_method"] == "unplaced").to_numpy(bool)
    n = float(row_weights(incidents)[mask].sum())
    if not n:
        return ""
    return (
        f"{n:,.10g} incident{'' if n == 1 else 's'} placed nowhere (no place or coordinates "
        "the boundaries hold): on no panel."
    )


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


def _panels(ctx: StaticContext, chosen: list[int], plt: Any, room: _Room) -> Any:
    """Return a figure with one map per chosen period (:func:`_columns` to a row), each layer drawn.

    The panels' places are fixed before anything is drawn (no layout afterwards), so the
    names placed by their text's extent keep the places they were measured at; ``room``
    keeps the title's lines above them and the legend and the foot's lines below.
    """
    n = len(chosen)
    cols = _columns(n)
    rows = math.ceil(n / cols)
    totals, details, gap = _panel_texts(ctx, chosen)
    under = room.bottom_in + gap - 0.45  # the last row's detail lines, above the legend
    height = 4.4 * rows - 0.8 + room.head_in + under + (gap - 0.45) * (rows - 1)
    fig, axes = plt.subplots(rows, cols, figsize=(_PANEL_WIDTH * cols, height), squeeze=False)
    top = 1 - room.head_in / height  # room for the title above the panels
    fig.subplots_adjust(left=0.01, right=0.99, bottom=under / height, top=top, wspace=0.04)
    axes_in = (height - room.head_in - under - gap * (rows - 1)) / rows
    fig.subplots_adjust(hspace=gap / axes_in)
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
        total = totals[t]
        ax.set_title(
            _plain(ctx.series.label(t) + suffix + (f"\n{total}" if total else "")), fontsize=10
        )
        if t in details:  # under the panel, small: the titles of neighbouring panels never meet
            ax.text(0.5, -0.005, details[t], transform=ax.transAxes, ha="center", va="top",
                    fontsize=7.5, color="#333")  # fmt: skip
    return fig


def _panel_texts(
    ctx: StaticContext, chosen: list[int]
) -> tuple[dict[int, str], dict[int, str], float]:
    """Return each panel's total, its detail lines (wrapped) and the gap two rows need (in).

    Between two rows: a panel's two-line title, and the detail lines under the one above.
    """
    said = {t: panel_total(ctx.series, ctx.style.mode, t).partition("\n") for t in chosen}
    details = {t: textwrap.fill(_plain(d), width=88) for t, (_, _, d) in said.items() if d}
    lines = max((d.count("\n") + 1 for d in details.values()), default=0)
    return {t: total for t, (total, _, _) in said.items()}, details, 0.45 + 0.13 * lines


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
    on a count map, their own values on a map of a column (fatalities). A column's total
    says for how many incidents the value is known, and is "unknown" when it is known for
    none (never 0). The details follow on a second line (the image draws them under the
    panel). A rate per 100,000 people has no total (an empty text).
    """
    if series.measure == "Incidents per 100,000 people":
        return ""

    def upto(a: Any) -> float:
        if a is None or not np.size(a):
            return 0.0
        a = np.asarray(a, dtype=float)
        return float(np.nansum(a[:, : t + 1]) if mode == "cumulative" else np.nansum(a[:, t]))

    coarse = upto(getattr(series, "coarse", None))  # district maps: rows placed only to a province
    where = f"{_number(coarse)} placed only to a province" if coarse else ""
    if series.measure == "Incidents":
        total = upto(series.values) + coarse
        text = f"{_number(total)} incident" + ("" if total == 1 else "s")
        return text + (f"\n({where})" if where else "")
    rows, known = _area_rows(series, mode, t)
    rows, known = rows + coarse, known + upto(series.coarse_known)
    value = upto(series.values) + upto(series.coarse_measure)
    text = f"{series.measure}: {_number(value) if known else 'unknown'}"
    details = [f"known for {_number(known)} of {_number(rows)} incidents"] if known < rows else []
    details += [f"incl. {where}"] if where else []
    if not details:
        return text
    return text + f"\n({'; '.join(details)})"


def _area_rows(series: AreaSeries, mode: str, t: int) -> tuple[float, float]:
    """Return the incidents in the areas in period ``t`` (up to it), and with the value known."""
    counts = series.counts
    known_col = next((c for c in counts.columns if str(c).endswith("_known")), None)
    if known_col is None:
        return 0.0, 0.0
    keep = np.ones(len(counts), dtype=bool)  # all dates: every row
    if series.period is not None and "period_start" in counts.columns and series.starts:
        start, when = pd.Timestamp(series.starts[t]), pd.to_datetime(counts["period_start"])
        keep = ((when <= start) if mode == "cumulative" else (when == start)).to_numpy(bool)
    return float(counts.loc[keep, "incidents"].sum()), float(counts.loc[keep, known_col].sum())


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
