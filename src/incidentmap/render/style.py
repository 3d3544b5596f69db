"""How a map shows the incidents: one value instead of a dozen keywords in every signature."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

from incidentmap._settings import MAX_POINTS
from incidentmap.errors import refuse_unknown

__all__ = ["MapStyle"]


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
