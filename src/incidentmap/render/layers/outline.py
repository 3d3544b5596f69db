"""The outline layer: the province borders, drawn above the areas on the page and the image."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import shapely

from incidentmap.render.encode import encode_lines
from incidentmap.render.layers.base import LayerContext, StaticContext
from incidentmap.render.series import AreaSeries

__all__ = ["LAYER", "OutlineLayer"]


class OutlineLayer:
    """Province borders: on every page (``data.outline``) and on every panel of the image."""

    name = "outline"

    def title(self, series: AreaSeries) -> str | None:
        """Return None: the borders are not named in the layer control."""
        return None

    def payload(self, ctx: LayerContext) -> dict[str, Any] | None:
        """Return the display provinces' borders, encoded as lines.

        None on a province choropleth: its areas are the provinces, and the page draws
        their outline from the areas' own shapes (the same bytes twice would be 15% of a
        page).
        """
        if ctx.parts.choropleth and ctx.series.level == "province":
            return None
        return encode_lines(ctx.provinces.geometry.values)

    def draw(self, ax: Any, ctx: StaticContext) -> None:
        """Draw the province borders as one dark line."""
        provinces = ctx.boundaries.display_layers[1]
        lines = shapely.union_all(shapely.boundary(provinces.geometry.values))
        gpd.GeoDataFrame(geometry=[lines], crs="EPSG:4326").plot(ax=ax, color="#222", linewidth=0.7)


#: the layer's one instance
LAYER = OutlineLayer()
