"""The timeline: the counts per period under the slider, stacked by category (page only)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from incidentmap.aggregate import national_timeline
from incidentmap.categories import CATEGORIES, CATEGORY_COLORS
from incidentmap.render.encode import pack_ints
from incidentmap.render.layers.base import LayerContext, StaticContext
from incidentmap.render.series import AreaSeries

__all__ = ["LAYER", "TimelineLayer", "timeline"]


def timeline(incidents: pd.DataFrame, period: str, starts: list[Any]) -> dict[str, Any]:
    """Count incidents per slider period, stacked by category (the taxonomy's colours).

    Parameters
    ----------
    incidents : pandas.DataFrame
        The incidents on the page.
    period : str
        The slider's period kind.
    starts : list of Timestamp
        The slider's period starts (a period with no incident counts 0).

    Returns
    -------
    dict
        ``categories``, their ``colors``, their ``counts`` per period and the ``total``.
    """
    table = national_timeline(incidents, period, by="category")
    table = table.set_index("period_start").reindex(pd.DatetimeIndex(starts), fill_value=0)
    cats = [c for c in CATEGORIES if c in table.columns and table[c].sum() > 0]
    extra = [c for c in table.columns if c not in CATEGORIES and c != "incidents"]
    return {
        "categories": cats + extra,
        "colors": [CATEGORY_COLORS.get(c, "#999999") for c in cats + extra],
        "counts": [_packed(table[c]) for c in cats + extra],
        "total": _packed(table["incidents"]),
    }


def _packed(counts: pd.Series) -> Any:
    """Pack whole counts; weighted counts with fractions (2.5 incidents) go as plain numbers."""
    v = counts.to_numpy(dtype=float)
    if np.all(v == np.round(v)):
        return pack_ints(v.astype(np.int64))
    return [round(float(x), 6) for x in v]


class TimelineLayer:
    """The chart of counts per slider period (``data.timeline``), by the taxonomy's colours."""

    name = "timeline"

    def title(self, series: AreaSeries) -> str | None:
        """Return None: a chart, not named in the layer control."""
        return None

    def payload(self, ctx: LayerContext) -> dict[str, Any] | None:
        """Return the counts per slider period and category (none for one map of all dates)."""
        period = ctx.series.period
        if not ctx.parts.timeline or period is None:
            return None
        return timeline(ctx.incidents, period, ctx.series.starts)

    def draw(self, ax: Any, ctx: StaticContext) -> None:
        """Draw nothing: the image has no timeline."""


#: the layer's one instance
LAYER = TimelineLayer()
