"""The point layer: one marker per placed incident, or counts per grid cell above the limit.

The encoding is :func:`incidentmap.render.points.point_layer`'s; this module only places it
among the layers.
"""

from __future__ import annotations

from typing import Any

from incidentmap.render.layers.base import LayerContext, StaticContext
from incidentmap.render.points import point_layer
from incidentmap.render.series import AreaSeries

__all__ = ["LAYER", "PointLayer"]


class PointLayer:
    """The incidents as points (``data.points``); not on the image."""

    name = "points"

    def title(self, series: AreaSeries) -> str | None:
        """Return the layer's name in the layer control."""
        return "Incidents (points)"

    def payload(self, ctx: LayerContext) -> dict[str, Any] | None:
        """Return the placed incidents by period, coloured and sized as the style says."""
        if not ctx.parts.points:
            return None
        s, series = ctx.style, ctx.series
        return point_layer(
            ctx.incidents, series.starts, series.period, s.color_by, s.size_by, s.max_points
        )

    def draw(self, ax: Any, ctx: StaticContext) -> None:
        """Draw nothing: the image is a choropleth."""


#: the layer's one instance
LAYER = PointLayer()
