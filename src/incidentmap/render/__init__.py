"""Maps: Folium choropleth and point maps with one time slider, and static images."""

from __future__ import annotations

from incidentmap.render.maps import (
    IncidentLayers,
    briefing_map,
    choropleth_map,
    point_map,
    save_map,
)
from incidentmap.render.static_map import static_map
from incidentmap.render.style import ImageOptions, MapStyle, PageOptions, PageParts

__all__ = [
    "ImageOptions",
    "IncidentLayers",
    "MapStyle",
    "PageOptions",
    "PageParts",
    "briefing_map",
    "choropleth_map",
    "point_map",
    "save_map",
    "static_map",
]
