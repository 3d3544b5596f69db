"""How a map shows the incidents: one value instead of a dozen keywords in every signature.

:class:`MapStyle` is what every map shares (defined with the other request parts in
:mod:`incidentmap.options`, so a request is built before the drawing code is loaded);
:class:`PageParts` says which layers and panels the page's data holds
(:func:`incidentmap.render.data.build_payload`), :class:`PageOptions` how a page is written
(caption, offline, tiles) and :class:`ImageOptions` how a static image is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from incidentmap.options import MapStyle

__all__ = ["ImageOptions", "MapStyle", "PageOptions", "PageParts"]


@dataclass(frozen=True)
class PageParts:
    """What the page's data holds besides the style: its layers and panels.

    The style's own switches stay in :class:`MapStyle` (``labels``, ``hotspots``).

    Attributes
    ----------
    choropleth : bool, default True
        The areas coloured by value (and, with them, the surge and hot-spot layers).
    points : bool, default True
        The incidents as points (or grid counts above ``MapStyle.max_points``).
    surge : bool, default False
        The panel of surging areas (the Surge Tracker rule on the slider's periods) and
        their outlines on the choropleth.
    timeline : bool, default False
        A chart of the counts per period, stacked by category, under the slider.
    top_areas : bool, default False
        The panel of the top areas for the current period.
    layer_names : bool, default False
        A layer control naming the layers.
    caption : str, optional
        Shown in a panel with the title (as text, never as HTML).
    left_out : str, optional
        The rows the run's filters left out though they may belong (a window that cuts
        their span, uncertain attributions): said after the caption, filtered or not.
    source_label : str, optional
        The incidents' credit, named in the attribution.
    permutations : int, default 99
        Permutations for the Gi* p-values of the hot spots.
    events : bool, default False
        The per-event table the page's filters, event list and shared view recount
        (:mod:`incidentmap.render.layers.events`).
    groups : EventGroups, optional
        The rows each actor group's filter keeps, as the library's filters decide (the
        jobs pass them); default read from the group columns.
    """

    choropleth: bool = True
    points: bool = True
    surge: bool = False
    timeline: bool = False
    top_areas: bool = False
    layer_names: bool = False
    caption: str | None = None
    left_out: str | None = None
    source_label: str | None = None
    permutations: int = 99
    events: bool = False
    groups: Any = None


@dataclass(frozen=True)
class PageOptions:
    """How a page is written (:func:`~incidentmap.render.briefing_map` and the other maps).

    Attributes
    ----------
    caption : str, optional
        Shown with the title; the briefing's default is the date range and the counts.
    left_out : str, optional
        What the run's filters left out though it may belong (said after the caption, and
        kept there when the reader filters the page).
    offline : bool, default True
        Inline every script and stylesheet: one file that works without network (False
        loads Leaflet and Folium's scripts from their CDN hosts).
    tiles : {"none", "osm", "carto", "carto-dark"}, optional
        Background tiles. Default: ``none`` on the briefing; ``none`` offline and ``osm``
        online on the choropleth and point maps.
    """

    caption: str | None = None
    left_out: str | None = None
    offline: bool = True
    tiles: str | None = None


@dataclass(frozen=True)
class ImageOptions:
    """How a static image is drawn and written (:func:`~incidentmap.render.static_map`).

    Attributes
    ----------
    periods : int or list of str, default 1
        The last N periods as small multiples, or period labels/start dates
        (``"2023-03-01"``) to draw. With ``period=None`` one map of all dates.
    left_out : str, optional
        What the run's filters left out though it may belong, in the image's foot.
    dpi : int, default 150
    overwrite : bool, default False
        Replace an existing file.
    """

    periods: int | list[str] | None = 1
    left_out: str | None = None
    dpi: int = 150
    overwrite: bool = False
