"""Incidents coarser than the page's level: on a district page, those placed only to a province.

They have no district to colour and no point to draw; hidden, they would make the map
read as quieter than the data. This layer counts them by province and period: boxed
numbers at each province on the page (a layer of its own, named in the legend and the
caption) and on every panel of the image.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from incidentmap.render.encode import pack_rows
from incidentmap.render.layers.base import LayerContext, StaticContext
from incidentmap.render.series import AreaSeries

__all__ = ["LAYER", "CoarseLayer", "coarse_note"]


def coarse_note(total: float) -> str:
    """Return the sentence naming them: "640 placed only to a province: shown by province"."""
    return f"{total:,.10g} placed only to a province: shown by province"


class CoarseLayer:
    """Province counts of the incidents placed only to a province (``data.coarse``)."""

    name = "coarse"

    def title(self, series: AreaSeries) -> str | None:
        """Return the layer's name in the layer control (None when there are none)."""
        if series.coarse is None or not series.coarse_total:
            return None
        return "Placed only to a province (counts)"

    def payload(self, ctx: LayerContext) -> dict[str, Any] | None:
        """Return each province's anchor, name and counts per period (None: none to show)."""
        series = ctx.series
        if not ctx.parts.choropleth or series.coarse is None or not series.coarse_total:
            return None
        provinces = ctx.provinces
        points = provinces.geometry.representative_point()
        return {
            "names": provinces["province"].astype(str).tolist(),
            "codes": provinces["province_code"].astype(str).tolist(),
            "xy": [[round(p.x, 4), round(p.y, 4)] for p in points],
            "values": pack_rows(series.coarse),
            "total": series.coarse_total,
            "note": coarse_note(series.coarse_total),
        }

    def draw(self, ax: Any, ctx: StaticContext) -> None:
        """Write each province's count of the panel's period in a box."""
        series = ctx.series
        if series.coarse is None or not series.coarse_total:
            return
        values = series.coarse
        if ctx.style.mode == "cumulative":
            values = np.cumsum(values, axis=1)
        provinces = ctx.boundaries.display_layers[1]
        points = provinces.geometry.representative_point()
        for p, v in zip(points, values[:, ctx.panel], strict=True):
            if v > 0:
                ax.annotate(
                    f"{v:,.10g}",
                    (p.x, p.y),
                    ha="center",
                    va="center",
                    fontsize=6,
                    bbox={"boxstyle": "square,pad=0.15", "fc": "#fff", "ec": "#555", "lw": 0.5},
                )


#: the layer's one instance
LAYER = CoarseLayer()
