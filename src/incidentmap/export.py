"""GIS-ready layers from geocoded incidents.

Layers:

``points``
    every placed incident with its attributes and geocode columns (unplaced
    rows have no location and are left out; the report counts them);
``districts`` / ``provinces``
    the area polygons with incident counts and sums (totals, or one feature per
    area x period with ``period``);
``district_boundaries`` / ``province_boundaries``
    the installed boundary layers themselves.
"""

from __future__ import annotations

import os
from typing import Any

import geopandas as gpd

from incidentmap.aggregate import counts_by_area
from incidentmap.boundaries import load_boundaries
from incidentmap.errors import UsageError
from incidentmap.io import WRITE_FORMATS, write_layers

__all__ = ["LAYERS", "export_layers", "layers_from_incidents"]

LAYERS = ("points", "districts", "provinces", "district_boundaries", "province_boundaries")
DEFAULT_MULTI = ("points", "districts", "provinces")


def layers_from_incidents(
    incidents: gpd.GeoDataFrame,
    layers: tuple[str, ...] | list[str] = DEFAULT_MULTI,
    *,
    period: str | None = None,
    districts: gpd.GeoDataFrame | None = None,
    provinces: gpd.GeoDataFrame | None = None,
) -> dict[str, gpd.GeoDataFrame]:
    """Build the named layers.

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        Geocoded incidents.
    layers : sequence of str
        Among :data:`LAYERS`.
    period : {"day", "week", "month", "quarter", "year"}, optional
        Area layers get one feature per area x period instead of totals.
    districts, provinces : geopandas.GeoDataFrame, optional
        Boundary layers; default the installed ones.

    Returns
    -------
    dict of str to geopandas.GeoDataFrame
    """
    bad = [name for name in layers if name not in LAYERS]
    if bad:
        msg = f"unknown layer {bad[0]!r}; choose from {', '.join(LAYERS)}"
        raise UsageError(msg)
    out: dict[str, gpd.GeoDataFrame] = {}
    for name in layers:
        if name == "points":
            placed = incidents[incidents.geometry.notna() & ~incidents.geometry.is_empty]
            out[name] = gpd.GeoDataFrame(placed, geometry=placed.geometry.name, crs="EPSG:4326")
        elif name in ("districts", "provinces"):
            level = name[:-1]
            areas = _layer(level, districts, provinces)
            counts = counts_by_area(incidents, areas, level=level, period=period)
            key = "district_id" if level == "district" else "province_code"
            geom = areas.set_index(areas[key].astype(str)).geometry
            out[name] = gpd.GeoDataFrame(
                counts, geometry=geom.reindex(counts[key]).values, crs="EPSG:4326"
            )
        else:
            out[name] = _layer(name.split("_")[0], districts, provinces)
    return out


def _layer(
    level: str, districts: gpd.GeoDataFrame | None, provinces: gpd.GeoDataFrame | None
) -> gpd.GeoDataFrame:
    given = districts if level == "district" else provinces
    return given if given is not None else load_boundaries(level)


def export_layers(
    incidents: gpd.GeoDataFrame,
    path: str | os.PathLike[str],
    *,
    layers: tuple[str, ...] | list[str] | None = None,
    period: str | None = None,
    precision: int | None = None,
    overwrite: bool = False,
    csv_safe: bool = False,
) -> dict[str, Any]:
    """Write GIS layers of geocoded incidents to one file, atomically.

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        Geocoded incidents.
    path : path-like
        ``.gpkg`` (several layers), ``.geojson``, ``.fgb``, ``.shp``, ``.kml``,
        ``.csv`` (WKT geometry) or ``.parquet`` (GeoParquet).
    layers : sequence of str, optional
        Default: points, districts and provinces for GeoPackage; points otherwise.
    period : str, optional
        Per-period area layers (see :func:`layers_from_incidents`).
    precision : int, optional
        Coordinate decimals for GeoJSON and CSV (default 7 for GeoJSON: ~1 cm).
    overwrite : bool, default False
        Replace an existing file.
    csv_safe : bool, default False
        See :func:`incidentmap.io.write_layers`.

    Returns
    -------
    dict
        The report of :func:`incidentmap.io.write_layers`, plus ``unplaced`` (rows
        left out of the points layer).
    """
    from pathlib import Path

    ext = Path(path).suffix.lower()
    if ext not in WRITE_FORMATS:
        known = ", ".join(WRITE_FORMATS)
        msg = f"{path}: unknown output format {ext or '(none)'}; use one of {known}"
        raise UsageError(msg)
    if layers is None:
        layers = DEFAULT_MULTI if WRITE_FORMATS[ext] == "GPKG" else ("points",)
    built = layers_from_incidents(incidents, layers, period=period)
    report = write_layers(built, path, overwrite=overwrite, precision=precision, csv_safe=csv_safe)
    if "points" in built:
        report["unplaced"] = int(len(incidents) - len(built["points"]))
    return report
