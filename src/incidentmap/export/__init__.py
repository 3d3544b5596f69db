"""GIS-ready layers from geocoded incidents (points, area counts, boundaries, styles).

:mod:`~incidentmap.export.core` builds and writes the layers (:func:`export_layers`,
:func:`layers_from_incidents`, :func:`layer_styles`, :func:`table_paths`);
:mod:`~incidentmap.export.types` types the publisher's own columns (:func:`typed_columns`);
:mod:`~incidentmap.export.areas` writes the incidents placed only to an area as a table beside
their areas' polygons, each once (``area_events="layer"``).
"""

from __future__ import annotations

from incidentmap.export.core import (
    LAYERS,
    PERIOD_LAYOUTS,
    ExportOptions,
    area_style,
    export_layers,
    layer_styles,
    layers_from_incidents,
    table_paths,
)
from incidentmap.export.types import typed_columns

__all__ = [
    "LAYERS",
    "PERIOD_LAYOUTS",
    "ExportOptions",
    "area_style",
    "export_layers",
    "layer_styles",
    "layers_from_incidents",
    "table_paths",
    "typed_columns",
]
