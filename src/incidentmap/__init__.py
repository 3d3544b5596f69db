"""incidentmap: map security incidents in Afghanistan.

Geocode incidents to province and district polygons (from coordinates or from
names in any common spelling), aggregate them, and render, query and export them.

The jobs the command line runs are here for a notebook: :func:`read`, :func:`geocode`,
:func:`brief`, :func:`query`, :func:`trends`, :func:`export`, :func:`aggregate`,
:func:`merge` (see :mod:`incidentmap.api`); the building blocks they use on frames
(:func:`read_incidents`, :func:`filter_incidents`, :func:`counts_by_area`,
:func:`incidents_near`...) too.
"""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the names below, imported on first use (``import incidentmap`` is quick)
    from incidentmap.aggregate import counts_by_area
    from incidentmap.api import aggregate, brief, export, geocode, merge, query, read, trends
    from incidentmap.boundaries import (
        boundaries_info,
        cache_dir,
        install_boundaries,
        load_boundaries,
    )
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
    from incidentmap.filters import filter_incidents
    from incidentmap.io import read_incidents, write_layer, write_layers
    from incidentmap.jobs.report import Note, Report
    from incidentmap.options import Filters, GeoOptions, MapStyle, Output, ReadOptions
    from incidentmap.query import incidents_in, incidents_near, resolve_location

#: where each public name lives; imported on first use, so that the command line can
#: answer Ctrl-C (and its help) before pandas, GeoPandas and Folium are loaded
_HOMES = {
    "api": ("aggregate", "brief", "export", "geocode", "merge", "query", "read", "trends"),
    "aggregate": ("counts_by_area",),
    "boundaries": ("boundaries_info", "cache_dir", "install_boundaries", "load_boundaries"),
    "errors": (
        "BoundariesNotInstalledError",
        "BoundaryCacheError",
        "BoundarySourceError",
        "DownloadError",
        "IncidentMapError",
        "InputFileError",
        "OutputExistsError",
        "OutputWriteError",
        "UnknownNameError",
        "UsageError",
    ),
    "filters": ("filter_incidents",),
    "io": ("read_incidents", "write_layer", "write_layers"),
    "jobs.report": ("Note", "Report"),
    "options": ("Filters", "GeoOptions", "MapStyle", "Output", "ReadOptions"),
    "query": ("incidents_in", "incidents_near", "resolve_location"),
}
_HOME_OF = {name: module for module, names in _HOMES.items() for name in names}


def __getattr__(name: str) -> Any:
    """Import a public name's module when the name is first used."""
    module = _HOME_OF.get(name)
    if module is None:
        msg = f"module 'incidentmap' has no attribute {name!r}"
        raise AttributeError(msg)
    import importlib

    value = getattr(importlib.import_module(f"incidentmap.{module}"), name)
    globals()[name] = value  # the next use is a plain lookup
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_HOME_OF])


class _Package(types.ModuleType):
    """The package, whose public names win over submodules named alike (``geocode``)."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _HOME_OF and isinstance(value, types.ModuleType):
            return  # importing incidentmap.geocode must not hide the function geocode
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


__version__ = "0.1.0"

__all__ = [
    "BoundariesNotInstalledError",
    "BoundaryCacheError",
    "BoundarySourceError",
    "DownloadError",
    "Filters",
    "GeoOptions",
    "IncidentMapError",
    "InputFileError",
    "MapStyle",
    "Note",
    "Output",
    "OutputExistsError",
    "OutputWriteError",
    "ReadOptions",
    "Report",
    "UnknownNameError",
    "UsageError",
    "__version__",
    "aggregate",
    "boundaries_info",
    "brief",
    "cache_dir",
    "counts_by_area",
    "export",
    "filter_incidents",
    "geocode",
    "incidents_in",
    "incidents_near",
    "install_boundaries",
    "load_boundaries",
    "merge",
    "query",
    "read",
    "read_incidents",
    "resolve_location",
    "trends",
    "write_layer",
    "write_layers",
]
