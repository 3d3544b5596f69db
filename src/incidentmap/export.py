"""GIS-ready layers from geocoded incidents.

Layers:

``points``
    every incident placed at a point, with its attributes and geocode columns
    (unplaced rows have no location and are left out; the report counts them).
    Incidents placed only to a district or province are not points: by default
    (``area_events="omit"``) they are left out of this layer and counted; ``"layer"``
    writes them to ``area_events`` with their area's polygon; ``"points"`` keeps their
    stand-in points here (a heat map of them shows false hot spots at area centres);
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
import pandas as pd

from incidentmap.aggregate import counts_by_area
from incidentmap.boundaries import load_boundaries
from incidentmap.errors import UsageError
from incidentmap.io import WRITE_FORMATS, write_layers

__all__ = ["LAYERS", "export_layers", "layers_from_incidents"]

LAYERS = ("points", "districts", "provinces", "district_boundaries", "province_boundaries")
#: what the points layer does with incidents placed only to a district or province
AREA_EVENTS = ("omit", "layer", "points")
DEFAULT_MULTI = ("points", "districts", "provinces")


def layers_from_incidents(
    incidents: gpd.GeoDataFrame,
    layers: tuple[str, ...] | list[str] = DEFAULT_MULTI,
    *,
    period: str | None = None,
    districts: gpd.GeoDataFrame | None = None,
    provinces: gpd.GeoDataFrame | None = None,
    area_events: str = "omit",
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
    area_events : {"omit", "layer", "points"}, default "omit"
        What the points layer does with incidents placed only to a district or
        province (see the module's text).

    Returns
    -------
    dict of str to geopandas.GeoDataFrame
    """
    bad = [name for name in layers if name not in LAYERS]
    if bad:
        msg = f"unknown layer {bad[0]!r}; choose from {', '.join(LAYERS)}"
        raise UsageError(msg)
    if area_events not in AREA_EVENTS:
        msg = f"area_events must be one of {', '.join(AREA_EVENTS)}, not {area_events!r}"
        raise UsageError(msg)
    out: dict[str, gpd.GeoDataFrame] = {}
    for name in layers:
        if name == "points":
            out.update(_points(incidents, area_events, districts, provinces))
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


def _points(
    incidents: gpd.GeoDataFrame,
    area_events: str,
    districts: gpd.GeoDataFrame | None,
    provinces: gpd.GeoDataFrame | None,
) -> dict[str, gpd.GeoDataFrame]:
    """Return the points layer, and the area-placed incidents as their areas when asked."""
    placed = incidents[incidents.geometry.notna() & ~incidents.geometry.is_empty]
    prec = placed["geocode_precision"] if "geocode_precision" in placed else None
    area = prec.isin(["district", "province"]) if prec is not None else placed.index != placed.index
    points = placed if area_events == "points" else placed[~area]
    out = {"points": gpd.GeoDataFrame(points, geometry=points.geometry.name, crs="EPSG:4326")}
    if area_events == "layer":
        rows = placed[area]
        d = _layer("district", districts, provinces)
        p = _layer("province", districts, provinces)
        by_d = d.set_index(d["district_id"].astype(str)).geometry
        by_p = p.set_index(p["province_code"].astype(str)).geometry
        geom = [
            by_d.get(str(di)) if pr == "district" else by_p.get(str(pc))
            for pr, di, pc in zip(
                rows["geocode_precision"], rows["district_id"], rows["province_code"], strict=True
            )
        ]
        frame = pd.DataFrame(rows.drop(columns=[rows.geometry.name]))
        out["area_events"] = gpd.GeoDataFrame(frame, geometry=geom, crs="EPSG:4326")
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
    area_events: str = "omit",
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
    area_events : {"omit", "layer", "points"}, default "omit"
        Incidents placed only to a district or province: left out of the points
        layer and counted, written as their areas to an ``area_events`` layer, or
        kept as stand-in points (see the module's text).

    Returns
    -------
    dict
        The report of :func:`incidentmap.io.write_layers`, plus ``unplaced`` (rows
        without a location) and ``area_only`` (rows placed only to an area, left out
        of the points layer).
    """
    from pathlib import Path

    ext = Path(path).suffix.lower()
    if ext not in WRITE_FORMATS:
        known = ", ".join(WRITE_FORMATS)
        msg = f"{path}: unknown output format {ext or '(none)'}; use one of {known}"
        raise UsageError(msg)
    if layers is None:
        layers = DEFAULT_MULTI if WRITE_FORMATS[ext] == "GPKG" else ("points",)
    if area_events == "layer" and "points" in layers and WRITE_FORMATS[ext] != "GPKG":
        msg = f"{path}: area_events='layer' adds a layer; write a .gpkg (several layers)"
        raise UsageError(msg)
    built = layers_from_incidents(incidents, layers, period=period, area_events=area_events)
    report = write_layers(built, path, overwrite=overwrite, precision=precision, csv_safe=csv_safe)
    if "points" in built:
        has_place = incidents.geometry.notna() & ~incidents.geometry.is_empty
        report["unplaced"] = int((~has_place).sum())
        report["area_only"] = (
            0
            if area_events == "points"
            else int(len(incidents) - report["unplaced"] - len(built["points"]))
        )
    return report
