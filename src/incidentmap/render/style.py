"""How a map shows the incidents: one value instead of a dozen keywords in every signature.

:class:`MapStyle` is what every map shares; :class:`PageParts` says which layers and panels the
page's data holds (:func:`incidentmap.render.data.build_payload`), :class:`PageOptions` how a
page is written (caption, offline, tiles) and :class:`ImageOptions` how a static image is.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

from incidentmap._settings import MAX_POINTS
from incidentmap.errors import refuse_unknown

__all__ = ["ImageOptions", "MapStyle", "PageOptions", "PageParts"]


@dataclass(frozen=True)
class MapStyle:
    """The choices every map function shares (page, PNG, payload).

    Attributes
    ----------
    level : {"district", "province"}, default "district"
        Choropleth areas.
    period : {"day", "week", "month", "quarter", "year"} or None, default "month"
        Slider step; None gives one map of all dates.
    measure : str, default "incidents"
        ``incidents``, ``per100k`` (with a population table) or a numeric column summed.
    scheme : {"quantiles", "natural_breaks", "equal_interval", "user"}, default "quantiles"
    k : int, default 5
        Number of colour classes.
    bins : list of float, optional
        Upper class bounds for ``scheme="user"``.
    mode : {"window", "cumulative"}, default "window"
    color_by : str, default "category"
        Point colours.
    size_by : str or None, default "fatalities"
        Point sizes.
    title : str, optional
    labels : bool, default True
        Province, town and district names.
    hotspots : bool, default False
        Gi* hot and cold spots and emerging categories.
    max_points : int, default 100000
        Above it the points are counted per grid cell.
    credit : str, optional
        The incidents' credit line (default: the publisher's citation and the file).
    """

    level: str = "district"
    period: str | None = "month"
    measure: str = "incidents"
    scheme: str = "quantiles"
    k: int = 5
    bins: list[float] | None = None
    mode: str = "window"
    color_by: str = "category"
    size_by: str | None = "fatalities"
    title: str | None = None
    labels: bool = True
    hotspots: bool = False
    max_points: int = MAX_POINTS
    credit: str | None = None

    @classmethod
    def of(cls, style: MapStyle | None = None, **kwargs: Any) -> MapStyle:
        """Return ``style`` (default: the defaults) with ``kwargs`` on top; unknown ones refused."""
        base = style if style is not None else cls()
        refuse_unknown(kwargs, {f.name for f in fields(cls)}, "map option")
        return replace(base, **kwargs) if kwargs else base


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
    source_label : str, optional
        The incidents' credit, named in the attribution.
    permutations : int, default 99
        Permutations for the Gi* p-values of the hot spots.
    """

    choropleth: bool = True
    points: bool = True
    surge: bool = False
    timeline: bool = False
    top_areas: bool = False
    layer_names: bool = False
    caption: str | None = None
    source_label: str | None = None
    permutations: int = 99


@dataclass(frozen=True)
class PageOptions:
    """How a page is written (:func:`~incidentmap.render.briefing_map` and the other maps).

    Attributes
    ----------
    caption : str, optional
        Shown with the title; the briefing's default is the date range and the counts.
    offline : bool, default True
        Inline every script and stylesheet: one file that works without network (False
        loads Leaflet and Folium's scripts from their CDN hosts).
    tiles : {"none", "osm", "carto", "carto-dark"}, optional
        Background tiles. Default: ``none`` on the briefing; ``none`` offline and ``osm``
        online on the choropleth and point maps.
    """

    caption: str | None = None
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
    dpi : int, default 150
    overwrite : bool, default False
        Replace an existing file.
    """

    periods: int | list[str] | None = 1
    dpi: int = 150
    overwrite: bool = False
