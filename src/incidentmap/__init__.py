"""incidentmap: map security incidents in Afghanistan.

Geocode incidents to province and district polygons (from coordinates or from
names in any common spelling), aggregate them, and render, query and export them.
"""

from __future__ import annotations

from incidentmap.boundaries import (
    boundaries_info,
    cache_dir,
    install_boundaries,
    load_boundaries,
)
from incidentmap.errors import (
    BoundariesNotInstalledError,
    BoundarySourceError,
    DownloadError,
    IncidentMapError,
    InputFileError,
    OutputExistsError,
    UnknownNameError,
    UsageError,
)
from incidentmap.gazetteer import Gazetteer, name_key, provinces, resolve_province
from incidentmap.geocode import geocode, geocode_summary, locate_points
from incidentmap.io import read_incidents, write_layer

__version__ = "0.1.0"

__all__ = [
    "BoundariesNotInstalledError",
    "BoundarySourceError",
    "DownloadError",
    "Gazetteer",
    "IncidentMapError",
    "InputFileError",
    "OutputExistsError",
    "UnknownNameError",
    "UsageError",
    "__version__",
    "boundaries_info",
    "cache_dir",
    "geocode",
    "geocode_summary",
    "install_boundaries",
    "load_boundaries",
    "locate_points",
    "name_key",
    "provinces",
    "read_incidents",
    "resolve_province",
    "write_layer",
]
