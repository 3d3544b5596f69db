"""The label layer: province, district and town names that read without a basemap."""

from __future__ import annotations

from typing import Any

from incidentmap.display import area_labels
from incidentmap.render.layers.base import LayerContext, StaticContext
from incidentmap.render.series import AreaSeries

__all__ = ["LAYER", "LabelLayer"]


class LabelLayer:
    """Place names (``data.labels``), when the style asks for them; not on the image."""

    name = "labels"

    def title(self, series: AreaSeries) -> str | None:
        """Return the layer's name in the layer control."""
        return "Place names"

    def payload(self, ctx: LayerContext) -> dict[str, Any] | None:
        """Return the names with their anchor points and priorities."""
        if not ctx.style.labels:
            return None
        return area_labels(ctx.boundaries, ctx.districts, ctx.provinces)

    def draw(self, ax: Any, ctx: StaticContext) -> None:
        """Draw nothing: the image names no places."""


#: the layer's one instance
LAYER = LabelLayer()
