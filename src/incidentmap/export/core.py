"""GIS-ready layers from geocoded incidents.

Layers:

``points``
    every incident placed at a point, with its attributes and geocode columns
    (unplaced rows have no location and are left out; the report counts them).
    Incidents placed only to a district or province are not points: by default
    (``area_events="omit"``) they are left out of this layer and counted; ``"layer"``
    writes them to a table ``area_events`` (no geometry; ``area_id`` names the area) and
    their areas once to ``area_events_areas`` (polygons with the count of such incidents):
    QGIS joins the two on ``area_id`` (:mod:`incidentmap.export.areas`; a polygon per
    incident made 2.6 GB of ACLED's province file); ``"points"`` keeps their stand-in
    points here (a heat map of them shows false hot spots at area centres);
``districts`` / ``provinces``
    the area polygons with incident counts and sums over the whole span. With a
    ``period`` the counts per area x period come as a long attribute table,
    ``districts_by_<period>`` (one row per area and period that had an incident;
    every row with ``zeros``), joined to the polygons by ``district_id`` /
    ``province_code``: each polygon is written once, not once per period (a month
    of districts over seven years is 32,000 full-resolution polygons, 400 MB of
    GeoJSON). GeoPackage holds both; other formats get the table as a CSV beside
    the layer (:func:`table_paths`). ``period_layout="features"`` writes one
    feature per area x period instead, for tools that need it;
``district_boundaries`` / ``province_boundaries``
    the installed boundary layers themselves.

Styles, types and time (issue 29). Every layer is written with the page's style
(:func:`layer_styles`): the area layers graduated on ``incidents`` with the page's classes,
colours, legend labels and name labels, the points coloured by category. A GeoPackage
holds them in ``layer_styles`` (QML and SLD, the default of each layer); a shapefile,
GeoJSON or FlatGeobuf gets ``<name>.qml`` and ``<name>.sld`` beside it. With a period, a
GeoPackage also holds a spatial view per long table, ``<layer>_by_<period>_layer``: each
row with its area's polygon (no polygon written twice), which QGIS's Temporal Controller
steps through (its time in the view's style). A CSV gets a ``.csvt`` of its column types;
dates are Date fields where the format has one; the publisher's own text columns that
hold only numbers or ISO dates are written as such (:func:`typed_columns`).
"""

from __future__ import annotations

import contextlib
import math
import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from incidentmap.aggregate import Breakdown, add_breakdown, counts_by_area
from incidentmap.atomic import atomic_write, check_output
from incidentmap.boundaries import load_boundaries
from incidentmap.errors import UsageError, refuse_choice
from incidentmap.export.areas import AREA_LAYER, AREA_TABLE, area_event_layers
from incidentmap.export.types import typed_columns
from incidentmap.io import WRITE_FORMATS, write_layers
from incidentmap.io.formats import csv_types
from incidentmap.io.frames import write_csv
from incidentmap.io.styles import Category, GpkgView, LayerStyle, StyleClass, Temporal
from incidentmap.io.targets import FileTarget, target_for
from incidentmap.io.write import GisExtras
from incidentmap.options import AREA_EVENTS, EXPORT_LAYERS, PERIOD_LAYOUTS

__all__ = [
    "LAYERS",
    "PERIOD_LAYOUTS",
    "ExportOptions",
    "export_layers",
    "layer_styles",
    "layers_from_incidents",
    "table_paths",
    "typed_columns",
]

LAYERS = EXPORT_LAYERS
DEFAULT_MULTI = ("points", "districts", "provinces")


def layers_from_incidents(
    incidents: gpd.GeoDataFrame,
    layers: tuple[str, ...] | list[str] = DEFAULT_MULTI,
    *,
    period: str | None = None,
    districts: gpd.GeoDataFrame | None = None,
    provinces: gpd.GeoDataFrame | None = None,
    options: ExportOptions | None = None,
    **given: Any,
) -> dict[str, pd.DataFrame]:
    """Build the named layers (and, with a period, the long count tables).

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        Geocoded incidents.
    layers : sequence of str
        Among :data:`LAYERS`.
    period : {"day", "week", "month", "quarter", "year"}, optional
        Counts per area x period: a table ``<layer>_by_<period>`` beside the area
        layer (``period_layout="long"``), or one feature per area x period.
    districts, provinces : geopandas.GeoDataFrame, optional
        Boundary layers; default the installed ones.
    options : ExportOptions, optional
        Its ``area_events`` (what the points layer does with incidents placed only to a
        district or province, see the module's text), ``period_layout`` (``long`` or
        ``features``, see the module's text), ``zeros`` (keep the area x period rows with
        no incident in the long table) and ``coverage_end`` (the last day the data cover,
        for ``period_complete``: the loader's, a layout published in whole years covering
        to 31 December; default the last date) and ``coverage_start`` (the ``since``
        asked for: a period it starts inside is not complete); ``**given`` sets them by name.

    Returns
    -------
    dict of str to pandas.DataFrame
        Layers are GeoDataFrames; the long count tables are plain DataFrames.
    """
    o = replace(options or ExportOptions(), **given)
    area_events, period_layout = o.area_events, o.period_layout
    bad = [name for name in layers if name not in LAYERS]
    if bad:
        msg = f"unknown layer {bad[0]!r}; choose from {', '.join(LAYERS)}"
        raise UsageError(msg)
    refuse_choice(area_events, AREA_EVENTS, "area_events")
    refuse_choice(period_layout, PERIOD_LAYOUTS, "period_layout")
    out: dict[str, pd.DataFrame] = {}
    for name in layers:
        if name == "points":
            out.update(_points(incidents, area_events, districts, provinces))
        elif name in ("districts", "provinces"):
            areas = _layer(name[:-1], districts, provinces)
            long = (period, period_layout, o.zeros, (o.coverage_start, o.coverage_end))
            out.update(_area_layers(incidents, name, areas, *long))
        else:
            out[name] = _layer(name.split("_")[0], districts, provinces)
    return out


def _area_layers(
    incidents: gpd.GeoDataFrame,
    name: str,
    areas: gpd.GeoDataFrame,
    period: str | None,
    period_layout: str,
    zeros: bool,
    cover: Any = None,
) -> dict[str, pd.DataFrame]:
    """Return an area layer, and with a period its long count table (or per-period features)."""
    level = name[:-1]
    key = "district_id" if level == "district" else "province_code"
    geom = areas.set_index(areas[key].astype(str)).geometry
    long = period is not None and period_layout == "long"
    by = None if long else period
    counts = counts_by_area(incidents, areas, level=level, period=by, coverage=cover)
    out: dict[str, pd.DataFrame] = {
        name: gpd.GeoDataFrame(counts, geometry=geom.reindex(counts[key]).values, crs="EPSG:4326")
    }
    if long:
        table = counts_by_area(incidents, areas, level=level, period=period, coverage=cover)
        if not zeros:
            table = table[table["incidents"] > 0]
        out[f"{name}_by_{period}"] = pd.DataFrame(table).reset_index(drop=True)
    return out


def table_paths(path: str | os.PathLike[str], tables: list[str]) -> dict[str, Path]:
    """Return where the long count tables go beside a one-layer file.

    ``districts.geojson`` with the table ``districts_by_month`` puts it in
    ``districts.districts_by_month.csv``; a GeoPackage holds its tables itself
    (an empty dict).

    Parameters
    ----------
    path : path-like
        The layer's output file.
    tables : list of str
        The table names (``districts_by_month``...).

    Returns
    -------
    dict of str to pathlib.Path
    """
    p = Path(path)
    if WRITE_FORMATS.get(p.suffix.lower()) == "GPKG":
        return {}
    return {t: p.with_name(f"{p.stem}.{t}.csv") for t in tables}


def _points(
    incidents: gpd.GeoDataFrame,
    area_events: str,
    districts: gpd.GeoDataFrame | None,
    provinces: gpd.GeoDataFrame | None,
) -> dict[str, gpd.GeoDataFrame]:
    """Return the points layer; with ``"layer"`` the area-placed incidents and their areas."""
    placed = incidents[incidents.geometry.notna() & ~incidents.geometry.is_empty]
    prec = placed["geocode_precision"] if "geocode_precision" in placed else None
    area = prec.isin(["district", "province"]) if prec is not None else placed.index != placed.index
    points = placed if area_events == "points" else placed[~area]
    out = {"points": gpd.GeoDataFrame(points, geometry=points.geometry.name, crs="EPSG:4326")}
    if area_events == "layer":
        out.update(area_event_layers(placed[area], lambda lv: _layer(lv, districts, provinces)))
    return out


def _layer(
    level: str, districts: gpd.GeoDataFrame | None, provinces: gpd.GeoDataFrame | None
) -> gpd.GeoDataFrame:
    given = districts if level == "district" else provinces
    return given if given is not None else load_boundaries(level)


@dataclass(frozen=True)
class ExportOptions:
    """How :func:`export_layers` writes (see its parameters of the same names)."""

    precision: int | None = None
    overwrite: bool = False
    csv_safe: bool = False
    area_events: str = "omit"
    period_layout: str = "long"
    zeros: bool = False
    breakdown: Breakdown | None = None
    coverage_end: Any = None
    coverage_start: Any = None


def export_layers(
    incidents: gpd.GeoDataFrame,
    path: str | os.PathLike[str],
    *,
    layers: tuple[str, ...] | list[str] | None = None,
    period: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    options: ExportOptions | None = None,
    **given: Any,
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
        Per-period area counts (see :func:`layers_from_incidents`): in the
        GeoPackage as tables, beside other formats as CSV files
        (:func:`table_paths`), written and replaced together with the layer.
    progress : callable, optional
        Called with (bytes written, estimated bytes) about five times a second
        while the file is written (see :func:`incidentmap.io.write_layers`).
    options : ExportOptions, optional
        The options below as one value; ``**given`` sets them one by one on top.
    precision : int, optional
        Coordinate decimals for GeoJSON and CSV (default 7 for GeoJSON: ~1 cm).
    overwrite : bool, default False
        Replace an existing file.
    csv_safe : bool, default False
        See :func:`incidentmap.io.write_layers`.
    area_events : {"omit", "layer", "points"}, default "omit"
        Incidents placed only to a district or province: left out of the points
        layer and counted; written to an ``area_events`` table (no geometry, ``area_id``)
        beside their areas' polygons, each once with its count (``area_events_areas``,
        GeoPackage or a database); or kept as stand-in points (see the module's text).
    period_layout : {"long", "features"}, default "long"
        See :func:`layers_from_incidents`.
    zeros : bool, default False
        Keep the area x period rows with no incident in the long tables.
    breakdown : Breakdown, optional
        Split the area layers' and long tables' counts by a column's values: the export
        job passes ``Breakdown("target", TARGETS)`` for ``target_officials`` ...
        ``target_unknown`` (every value a column, adding up to ``incidents``).
    coverage_end, coverage_start : date-like, optional
        See :func:`layers_from_incidents` (the export job passes the loader's: the last day
        the data cover, and the ``since`` asked for).

    Returns
    -------
    dict
        The report of :func:`incidentmap.io.write_layers` (with ``beside``: the style and
        column-type files written beside the layer), plus ``unplaced`` (rows
        without a location), ``area_only`` (rows placed only to an area, left out
        of the points layer) and ``tables`` (table name -> (rows, file) for the
        long count tables).
    """
    o = replace(options or ExportOptions(), **given)
    precision, overwrite, csv_safe = o.precision, o.overwrite, o.csv_safe
    area_events = o.area_events
    layers = _layers_for(path, layers, area_events)
    built = layers_from_incidents(incidents, layers, period=period, options=o)
    built = _split(built, incidents, o.breakdown, period)
    for name in ("points", AREA_TABLE):
        if name in built:
            built[name] = typed_columns(built[name])
    # the long count tables (the area_events table is the incidents: a layer of rows)
    tables = [k for k, v in built.items() if not isinstance(v, gpd.GeoDataFrame)
              and k != AREA_TABLE]  # fmt: skip
    rows = {t: len(built[t]) for t in tables}
    target = target_for(path)
    if not isinstance(target, FileTarget):  # a database: layers and tables, one transaction
        report = target.write_layers(built, overwrite=overwrite, progress=progress)
        report["tables"] = {t: (rows[t], report["at"][t]) for t in tables}
        if "points" in built:
            report.update(_left_out(incidents, len(built["points"]), area_events))
        return report
    beside = table_paths(path, tables)
    for p in beside.values():
        check_output(p, overwrite=overwrite)
        check_output(p.with_suffix(".csvt"), overwrite=overwrite)
    views = _views(built, period) if WRITE_FORMATS[Path(path).suffix.lower()] == "GPKG" else ()
    styles = layer_styles(incidents, built, period, views)
    with contextlib.ExitStack() as stack:
        for t, p in beside.items():  # published after the layer, or not at all
            types = stack.enter_context(atomic_write(p.with_suffix(".csvt"), overwrite=overwrite))
            types.write_text(csv_types(built[t]), encoding="utf-8", newline="")
            tmp = stack.enter_context(atomic_write(p, overwrite=overwrite))
            write_csv(built.pop(t), tmp, csv_safe=csv_safe)
        report = write_layers(
            built, path, overwrite=overwrite, precision=precision, csv_safe=csv_safe,
            progress=progress, gis=GisExtras(styles=styles, views=views, csvt=True),
        )  # fmt: skip
    report["tables"] = {t: (rows[t], str(beside.get(t, path))) for t in tables}
    if "points" in built:
        report.update(_left_out(incidents, len(built["points"]), area_events))
    return report


def _split(
    built: dict[str, pd.DataFrame],
    incidents: gpd.GeoDataFrame,
    breakdown: Breakdown | None,
    period: str | None,
) -> dict[str, pd.DataFrame]:
    """Add the breakdown's counts to the area layers and the long tables (None: as they are)."""
    if breakdown is None:
        return built
    out = dict(built)
    for name, frame in built.items():
        level = name.split("_")[0][:-1]
        if level not in ("district", "province"):  # points, boundaries
            continue
        per = period if "period_start" in frame.columns else None
        split = add_breakdown(frame, incidents, breakdown, level=level, period=per)
        if isinstance(frame, gpd.GeoDataFrame):  # the polygon stays the last column
            geometry = frame.geometry.name
            split = gpd.GeoDataFrame(
                split[[c for c in split.columns if c != geometry] + [geometry]],
                geometry=geometry,
                crs=frame.crs,
            )
        out[name] = split
    return out


def _layers_for(
    path: str | os.PathLike[str], layers: tuple[str, ...] | list[str] | None, area_events: str
) -> tuple[str, ...] | list[str]:
    """Return the layers to write into ``path`` (its format's default), or refuse the call."""
    if not isinstance(target_for(path), FileTarget):  # a database holds every layer
        return layers if layers is not None else DEFAULT_MULTI
    ext = Path(path).suffix.lower()
    if ext not in WRITE_FORMATS:
        known = ", ".join(WRITE_FORMATS)
        msg = f"{path}: unknown output format {ext or '(none)'}; use one of {known}"
        raise UsageError(msg)
    if layers is None:
        layers = DEFAULT_MULTI if WRITE_FORMATS[ext] == "GPKG" else ("points",)
    if area_events == "layer" and "points" in layers and WRITE_FORMATS[ext] != "GPKG":
        msg = (f"{path}: area_events='layer' adds a layer (their areas) and a table (the "
               "incidents); write a .gpkg (several layers)")  # fmt: skip
        raise UsageError(msg)
    return layers


def _left_out(incidents: gpd.GeoDataFrame, points: int, area_events: str) -> dict[str, int]:
    """Count the rows the points layer left out: unplaced, and placed only to an area."""
    has_place = incidents.geometry.notna() & ~incidents.geometry.is_empty
    unplaced = int((~has_place).sum())
    area_only = 0 if area_events == "points" else int(len(incidents) - unplaced - points)
    return {"unplaced": unplaced, "area_only": area_only}


# ---------------------------------------------------------------------------------------------
# styles: the page's classes, colours, legend and labels for GIS


#: each period as QGIS's Temporal Controller counts it: (duration, unit)
_DURATIONS = {"day": (1, "d"), "week": (1, "wk"), "month": (1, "mon"), "quarter": (3, "mon"),
              "year": (1, "y")}  # fmt: skip
#: district names from the page's zoom 8 on (about 1:2,000,000 at Afghanistan's latitude)
DISTRICT_LABEL_SCALE = 2_000_000.0


def _views(built: dict[str, pd.DataFrame], period: str | None) -> tuple[GpkgView, ...]:
    """Return a spatial view per long table: its rows with their area's polygon."""
    out = []
    for name in ("districts", "provinces"):
        table = f"{name}_by_{period}"
        if period is not None and table in built and name in built:
            key = "district_id" if name == "districts" else "province_code"
            out.append(GpkgView(name=f"{table}_layer", table=table, layer=name, key=key))
    return tuple(out)


def layer_styles(
    incidents: gpd.GeoDataFrame,
    built: dict[str, pd.DataFrame],
    period: str | None,
    views: tuple[GpkgView, ...] = (),
) -> dict[str, LayerStyle]:
    """Return each layer's style: the page's classes, colours and legend for the same data.

    Area layers get a graduated renderer on ``incidents`` with the classes the page draws
    (``render.classes.class_bins`` with the default quantiles, k = 5, whole-number bounds,
    ``area_colors``; of the totals, or of every area x period for per-period layers), the
    legend's labels and the area names; the points a categorized renderer on ``category``
    in the page's colours. Per-period layers (and views) carry their date field for QGIS's
    Temporal Controller.

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        The incidents the layers were built from.
    built : dict of str to pandas.DataFrame
        The layers (:func:`layers_from_incidents`).
    period : str, optional
        The period of the per-period layers.
    views : tuple of GpkgView
        Views of the long tables (styled like a per-period layer).

    Returns
    -------
    dict of str to LayerStyle
    """
    out: dict[str, LayerStyle] = {}
    for name, frame in built.items():
        if name == "points" and "category" in frame.columns:
            out[name] = _category_style(name, frame, "point")
        elif name == AREA_LAYER:  # graduated on its count, as the area layers
            style = area_style(incidents, "provinces", None, totals=frame)
            title = "Incidents placed only to a district or province, per area"
            out[name] = replace(style, name=name, label_field="area", title=title)
        elif name in ("districts", "provinces"):
            if period is not None and "period_start" in frame.columns:
                out[name] = area_style(incidents, name, period)
            else:  # the layer holds the totals the classes are made of
                out[name] = area_style(incidents, name, None, totals=frame)
    for view in views:
        out[view.name] = replace(area_style(incidents, view.layer, period), name=view.name)
    return out


def area_style(
    incidents: gpd.GeoDataFrame,
    name: str,
    period: str | None,
    *,
    totals: pd.DataFrame | None = None,
) -> LayerStyle:
    """Return an area layer's style: the page's classes of ``incidents`` (see :func:`layer_styles`).

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
    name : {"districts", "provinces"}
    period : str, optional
        Classes of every area x period (the page's slider); None: of the totals.
    totals : pandas.DataFrame, optional
        Without a period, the area layer already counted (its ``incidents``), not counted
        again.

    Returns
    -------
    LayerStyle
    """
    from incidentmap.render.classes import ZERO_COLOR, area_colors, class_bins

    level = name[:-1]
    key = "district_id" if level == "district" else "province_code"
    if totals is not None and period is None:
        counts = totals
    else:
        areas = _layer(level, None, None)
        counts = counts_by_area(incidents, areas, level=level, period=period, sums=[])
    if period is None:
        values = counts["incidents"].to_numpy(dtype=float)[:, None]
    else:
        values = counts.pivot_table(
            index=key, columns="period_start", values="incidents", aggfunc="sum"
        ).to_numpy(dtype=float)
    window = _whole(class_bins(values.ravel()))
    cumulative = _whole(class_bins(np.nancumsum(np.nan_to_num(values), axis=1).ravel()))
    colors = area_colors(max(len(window), len(cumulative)))
    classes = [StyleClass(0.0, 0.0, ZERO_COLOR, "0")]
    lo = 0.0
    for b, color in zip(window, colors, strict=False):
        label = f"{lo + 1:,.0f}" if lo + 1 >= b else f"{lo + 1:,.0f} \u2013 {b:,.0f}"
        classes.append(StyleClass(lo, b, color, label))
        lo = b
    temporal = Temporal("period_start", *_DURATIONS[period]) if period is not None else None
    return LayerStyle(
        name=name,
        geometry="polygon",
        field="incidents",
        classes=tuple(classes),
        label_field=level,
        label_max_scale=DISTRICT_LABEL_SCALE if level == "district" else None,
        temporal=temporal,
        title=f"Incidents per {level}" + (f" and {period}" if period else ""),
    )


def _whole(bounds: list[float]) -> list[float]:
    """Return class bounds as whole numbers, as the page shows counts ("4 \u2013 8")."""
    return [float(b) for b in sorted({math.ceil(b - 1e-9) for b in bounds})]


def _category_style(name: str, frame: pd.DataFrame, geometry: str) -> LayerStyle:
    """Return the page's point colours by category: the taxonomy's order, then others."""
    from incidentmap.categories import CATEGORIES
    from incidentmap.render.classes import category_colors

    top = frame["category"].dropna().astype(str).value_counts().index.tolist()
    extra = [c for c in top if c not in CATEGORIES]
    cats = [c for c in CATEGORIES if c in set(top)] + extra[:3]
    colors = category_colors("category", cats)
    items = [Category(c, color, c) for c, color in zip(cats, colors, strict=True)]
    if len(extra) > 3:
        items.append(Category(None, category_colors("category", ["other"])[0], "other"))
    return LayerStyle(
        name=name,
        geometry=geometry,
        field="category",
        categories=tuple(items),
        title="Incidents by category",
    )
