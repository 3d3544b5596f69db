"""The hot-spot layer: each period's Gi* hot and cold areas and each area's emerging category."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np

from incidentmap.render.layers.base import LayerContext, StaticContext
from incidentmap.render.series import AreaSeries
from incidentmap.trends import (
    MIN_EVENTS,
    TOO_FEW,
    emerging_categories,
    gi_star,
    queen_neighbours,
)

__all__ = ["HOTSPOT_RULE", "LAYER", "HotspotLayer", "hotspots"]

#: the page's hot-spot layer, in words
HOTSPOT_RULE = (
    "Getis-Ord Gi* of each period on the areas' queen contiguity, {n} conditional "
    "permutations, p < 0.05 (ties count as extreme); an area is hot only where it had an "
    "incident in that period (a quiet area beside a busy one is not); emerging categories as "
    f"ArcGIS / sfdep, for an area with {MIN_EVENTS} events or more over all the periods (1 to "
    f"{MIN_EVENTS - 1}: '{TOO_FEW}')"
)


def hotspots(values: np.ndarray, areas: gpd.GeoDataFrame, permutations: int) -> dict[str, Any]:
    """Hot and cold areas for every period, and each area's emerging category.

    Parameters
    ----------
    values : numpy.ndarray
        One row per area of ``areas``, one column per period (NaN counts as 0).
    areas : geopandas.GeoDataFrame
        The areas, for their queen contiguity.
    permutations : int
        Conditional permutations for the p-values (seeded: the same page every run).

    Returns
    -------
    dict
        ``hot`` and ``cold`` (area positions per period), ``emerging`` and ``rule``.
    """
    matrix = np.nan_to_num(np.asarray(values, dtype=float), nan=0.0)
    w = queen_neighbours(areas)
    z, p = gi_star(matrix, w, permutations, seed=12345)
    sig = p < 0.05
    # hot only where the area itself had an incident: Gi* counts the neighbours, so a quiet
    # area beside a busy one scores high, and an area with no events is no hot spot (trends)
    busy = matrix > 0
    hot = [
        np.flatnonzero(sig[:, t] & (z[:, t] > 0) & busy[:, t]).tolist()
        for t in range(matrix.shape[1])
    ]
    cold = [np.flatnonzero(sig[:, t] & (z[:, t] < 0)).tolist() for t in range(matrix.shape[1])]
    categories = emerging_categories(z, p, 0.05, matrix)
    emerging = [None if e == "no pattern" else e for e in categories]
    return {
        "hot": hot,
        "cold": cold,
        "emerging": emerging,
        "rule": HOTSPOT_RULE.format(n=permutations),
    }


class HotspotLayer:
    """Hot and cold spots (``data.hotspots``), when the style asks for them."""

    name = "hotspots"

    def title(self, series: AreaSeries) -> str | None:
        """Return the layer's name in the layer control."""
        return "Hot and cold spots (Gi*)"

    def payload(self, ctx: LayerContext) -> dict[str, Any] | None:
        """Return the hot and cold areas of every period (on the choropleth's areas)."""
        if not (ctx.parts.choropleth and ctx.style.hotspots):
            return None
        return hotspots(ctx.series.values, ctx.series.areas, ctx.parts.permutations)

    def draw(self, ax: Any, ctx: StaticContext) -> None:
        """Draw nothing: the image shows no hot spots."""


#: the layer's one instance
LAYER = HotspotLayer()
