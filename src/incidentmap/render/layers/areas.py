"""The areas layer: every area coloured by its value in the current period (the choropleth)."""

from __future__ import annotations

from typing import Any

from incidentmap.render.classes import NODATA_COLOR, ZERO_COLOR
from incidentmap.render.encode import feature_collection, pack_rows
from incidentmap.render.layers.base import LayerContext, StaticContext
from incidentmap.render.series import AreaSeries

__all__ = ["LAYER", "AreasLayer"]


class AreasLayer:
    """The choropleth: on the page (``data.areas``) and on every panel of the image."""

    name = "areas"

    def title(self, series: AreaSeries) -> str | None:
        """Return "Incidents by district" (the measure by the level)."""
        return f"{series.measure} by {series.level}"

    def payload(self, ctx: LayerContext) -> dict[str, Any] | None:
        """Return the areas' shapes, names, values per period, classes and colours."""
        if not ctx.parts.choropleth:
            return None
        series = ctx.series
        district = series.level == "district"
        provs = series.areas["province"].tolist() if district else [None] * len(series.names)
        props = [
            {"i": i, "n": n, **({"p": prov} if prov else {})}
            for i, (n, prov) in enumerate(zip(series.names, provs, strict=True))
        ]
        tallies = {}  # a column's sum: how many incidents, how many with the value known
        if series.tallies is not None and series.known is not None:
            tallies = {"tallies": pack_rows(series.tallies), "known": pack_rows(series.known)}
        return {
            **tallies,
            "level": series.level,
            "levelName": series.level,
            "measure": series.measure,
            "legendTitle": series.legend_title,
            "geojson": feature_collection(series.areas, props),
            "names": series.names,
            "values": pack_rows(series.values),
            "bins": series.bins,
            "integer": series.integer,
            "zeroColor": ZERO_COLOR,
            "nodataColor": NODATA_COLOR,
            "lineWeight": 0.5 if district else 0.8,
            "colors": series.colors,
        }

    def draw(self, ax: Any, ctx: StaticContext) -> None:
        """Fill every area with its class colour in the panel's period."""
        series, mode = ctx.series, ctx.style.mode
        series.areas.plot(
            ax=ax,
            color=[series.color(v, mode) for v in ctx.values[:, ctx.panel]],
            edgecolor="#666",
            linewidth=0.25 if series.level == "district" else 0.5,
        )


#: the layer's one instance
LAYER = AreasLayer()
