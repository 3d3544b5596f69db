"""incidentmap: map security incidents in Afghanistan.

Geocode incidents to province and district polygons (from coordinates or from
names in any common spelling), aggregate them, and render, query and export them.
"""

from __future__ import annotations

from typing import Any

from incidentmap.aggregate import counts_by_area, weighted
from incidentmap.boundaries import (
    boundaries_info,
    cache_dir,
    install_boundaries,
    load_boundaries,
)
from incidentmap.context import BoundaryContext, context_for
from incidentmap.errors import (
    BoundariesNotInstalledError,
    BoundaryCacheError,
    BoundarySourceError,
    DownloadError,
    IncidentMapError,
    InputFileError,
    OutputExistsError,
    OutputWriteError,
    UnknownNameError,
    UsageError,
)
from incidentmap.export import export_layers
from incidentmap.filters import filter_incidents
from incidentmap.gazetteer import Gazetteer, name_key, provinces, resolve_province
from incidentmap.geocode import geocode, geocode_summary, locate_points
from incidentmap.io import (
    ReadOptions,
    read_geocoded,
    read_incidents,
    read_table,
    write_layer,
    write_layers,
)
from incidentmap.pipeline import (
    GeocodeReport,
    LoadReport,
    geocode_file,
    geocode_to_file,
    load_incidents,
)
from incidentmap.query import incidents_in, incidents_near, resolve_location

_RENDER = ("MapStyle", "briefing_map", "choropleth_map", "point_map", "save_map", "static_map")


def __getattr__(name: str) -> Any:
    """Import the map functions (and Folium, matplotlib) only when first used."""
    if name in _RENDER:
        from incidentmap import render

        return getattr(render, name)
    msg = f"module 'incidentmap' has no attribute {name!r}"
    raise AttributeError(msg)


__version__ = "0.1.0"

__all__ = [
    "BoundariesNotInstalledError",
    "BoundaryCacheError",
    "BoundaryContext",
    "BoundarySourceError",
    "DownloadError",
    "Gazetteer",
    "GeocodeReport",
    "IncidentMapError",
    "InputFileError",
    "LoadReport",
    "MapStyle",
    "OutputExistsError",
    "OutputWriteError",
    "ReadOptions",
    "UnknownNameError",
    "UsageError",
    "__version__",
    "boundaries_info",
    "briefing_map",
    "cache_dir",
    "choropleth_map",
    "context_for",
    "counts_by_area",
    "export_layers",
    "filter_incidents",
    "geocode",
    "geocode_file",
    "geocode_summary",
    "geocode_to_file",
    "incidents_in",
    "incidents_near",
    "install_boundaries",
    "load_boundaries",
    "load_incidents",
    "locate_points",
    "name_key",
    "point_map",
    "provinces",
    "read_geocoded",
    "read_incidents",
    "read_table",
    "resolve_location",
    "resolve_province",
    "save_map",
    "static_map",
    "weighted",
    "write_layer",
    "write_layers",
]
