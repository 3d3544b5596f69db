"""What every map layer is given and what it gives back: the protocol and its two contexts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import geopandas as gpd
import numpy as np

from incidentmap.context import BoundaryContext
from incidentmap.render.series import AreaSeries
from incidentmap.render.style import MapStyle, PageParts

__all__ = ["LayerContext", "MapLayer", "StaticContext"]


@dataclass(frozen=True)
class LayerContext:
    """What a layer reads to build its part of the page's data.

    Attributes
    ----------
    incidents : geopandas.GeoDataFrame
        The incidents on the page (filtered as wanted).
    boundaries : BoundaryContext
        The installed layer, with its display geometry.
    style : MapStyle
        The page's style (level, period, mode, point colours, labels, hot spots...).
    parts : PageParts
        Which layers and panels the page holds.
    series : AreaSeries
        Every area's value in every period, with classes, colours and legend.
    """

    incidents: gpd.GeoDataFrame
    boundaries: BoundaryContext
    style: MapStyle
    parts: PageParts
    series: AreaSeries

    @property
    def provinces(self) -> gpd.GeoDataFrame:
        """The provinces simplified for display (dissolved from the districts)."""
        return self.boundaries.display_layers[1]

    @property
    def districts(self) -> gpd.GeoDataFrame:
        """The districts simplified for display, borders shared exactly."""
        return self.boundaries.display_layers[0]


@dataclass(frozen=True)
class StaticContext:
    """What a layer reads to draw one panel (one period) of the static image.

    Attributes
    ----------
    series : AreaSeries
        The values drawn (the page's own when the caller has them).
    boundaries : BoundaryContext
        The installed layer, with its display geometry.
    style : MapStyle
        The image's style (its ``mode`` chooses window or cumulative values).
    values : numpy.ndarray
        The series' values in that mode, one row per area, one column per period.
    panel : int
        The period this panel shows (a column of ``values``).
    """

    series: AreaSeries
    boundaries: BoundaryContext
    style: MapStyle
    values: np.ndarray
    panel: int


class MapLayer(Protocol):
    """One layer of the page and, where it has one, of the static image.

    Attributes
    ----------
    name : str
        Its key in the page's data (the part ``incidentmap.js`` reads).
    """

    name: str

    def title(self, series: AreaSeries) -> str | None:
        """Return the layer's name in the page's layer control (None: not named there)."""
        ...

    def payload(self, ctx: LayerContext) -> dict[str, Any] | None:
        """Return the layer's part of the page's data, encoded (None: not on this page)."""
        ...

    def draw(self, ax: Any, ctx: StaticContext) -> None:
        """Draw the layer on one panel of the static image (a no-op if it has none there)."""
        ...
