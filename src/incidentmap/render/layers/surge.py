"""The surge layer: the areas surging in each period (ACLED's Surge Tracker rule), on the page."""

from __future__ import annotations

from typing import Any

import numpy as np

from incidentmap.render.layers.base import LayerContext, StaticContext
from incidentmap.render.series import AreaSeries
from incidentmap.trends import surge_flags

__all__ = ["LAYER", "SURGE_RULE", "SurgeLayer", "surges"]

#: the Surge Tracker rule on the slider's own periods, in words
SURGE_RULE = (
    "surge: at least twice the mean count of the 4 periods before, that mean >= 1 "
    "(ACLED's Subnational Surge Tracker rule, applied to the slider's periods)"
)


def surges(values: np.ndarray, period: str) -> dict[str, Any]:
    """For each period, the areas whose count meets the surge rule, and their numbers.

    Parameters
    ----------
    values : numpy.ndarray
        Counts, one row per area, one column per period (NaN: no data).
    period : str
        The period kind, named in the rule ("surge: ... the slider's months").

    Returns
    -------
    dict
        ``byPeriod`` (per period, ``[area, count, baseline]`` of each surging area) and ``rule``.
    """
    flags, base = surge_flags(values)
    v = np.nan_to_num(values, nan=0.0)
    lists = [
        [[int(i), int(v[i, t]), round(float(base[i, t]), 2)] for i in np.flatnonzero(flags[:, t])]
        for t in range(v.shape[1])
    ]
    return {"byPeriod": lists, "rule": SURGE_RULE.replace("periods", f"{period}s", 1)}


class SurgeLayer:
    """Surging areas (``data.surge``): the Surge panel and outlines on the choropleth."""

    name = "surge"

    def title(self, series: AreaSeries) -> str | None:
        """Return the layer's name in the layer control."""
        return "Surging areas (outlined)"

    def payload(self, ctx: LayerContext) -> dict[str, Any] | None:
        """Return the surging areas of every period (none for a period the data end inside)."""
        series = ctx.series
        if not (ctx.parts.choropleth and ctx.parts.surge) or series.period is None:
            return None
        counts = series.counts.pivot_table(
            index=series.key, columns="period_start", values="incidents", aggfunc="sum"
        ).reindex(index=series.ids, columns=series.starts)
        out = surges(counts.to_numpy(dtype=float), series.period)
        if series.partial is not None:  # a period the data end inside is not compared
            out["byPeriod"][-1] = []
        if series.partial_start is not None and len(out["byPeriod"]) > 4:
            out["byPeriod"][4] = []  # its 4 periods before hold the one the data begin inside
        return out

    def draw(self, ax: Any, ctx: StaticContext) -> None:
        """Draw nothing: the image shows no surges."""


#: the layer's one instance
LAYER = SurgeLayer()
