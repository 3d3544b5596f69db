"""incidentmap: map security incidents in Afghanistan.

Geocode incidents to province and district polygons (from coordinates or from
names in any common spelling), aggregate them, and render, query and export them.
"""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the names below, imported on first use (``import incidentmap`` is quick)
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
    from incidentmap.render import (
        MapStyle,
        briefing_map,
        choropleth_map,
        point_map,
        save_map,
        static_map,
    )

#: where each public name lives; imported on first use, so that the command line can
#: answer Ctrl-C (and --help) before pandas, GeoPandas and Folium are loaded
_HOMES = {
    "aggregate": ("counts_by_area", "weighted"),
    "boundaries": ("boundaries_info", "cache_dir", "install_boundaries", "load_boundaries"),
    "context": ("BoundaryContext", "context_for"),
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
    "export": ("export_layers",),
    "filters": ("filter_incidents",),
    "gazetteer": ("Gazetteer", "name_key", "provinces", "resolve_province"),
    "geocode": ("geocode", "geocode_summary", "locate_points"),
    "io": (
        "ReadOptions",
        "read_geocoded",
        "read_incidents",
        "read_table",
        "write_layer",
        "write_layers",
    ),
    "pipeline": (
        "GeocodeReport",
        "LoadReport",
        "geocode_file",
        "geocode_to_file",
        "load_incidents",
    ),
    "query": ("incidents_in", "incidents_near", "resolve_location"),
    "render": ("MapStyle", "briefing_map", "choropleth_map", "point_map", "save_map", "static_map"),
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
