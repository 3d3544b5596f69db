"""``incidentmap export``: GIS layers (GeoPackage, GeoJSON, shapefile, FlatGeobuf, KML...)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from incidentmap.cli._options import (
    ExportLayer,
    Period,
    WriteProgress,
    console_err,
    csv_safe_opt,
    filter_options,
    geocode_options,
    load_filtered,
    no_period,
    overwrite_opt,
    plain,
    print_write_notes,
    read_options,
    refuse_existing,
)
from incidentmap.errors import UsageError
from incidentmap.export import AREA_EVENTS, PERIOD_LAYOUTS, export_layers, table_paths
from incidentmap.io.formats import writer_for


@geocode_options
@read_options
@filter_options
def export_cmd(
    input: str = typer.Argument(..., help="Incident file (raw or geocoded), or - for stdin."),
    output: Path = typer.Option(
        ..., "-o", "--output", help="Output: .gpkg .geojson .shp .fgb .kml .csv .parquet"
    ),
    layer: list[ExportLayer] | None = typer.Option(
        None,
        "--layer",
        help="Layer to write (repeatable). Default: points, districts, provinces for .gpkg; "
        "points otherwise.",
    ),
    period: Period = typer.Option(
        "none", "--period", help="Area layers per period (none: totals)."
    ),
    precision_digits: int | None = typer.Option(
        None, "--coord-precision", min=0, max=15, help="Coordinate decimals (GeoJSON, CSV)."
    ),
    area_events: str = typer.Option(
        "omit",
        "--area-events",
        help="Incidents placed only to a district or province: omit (default: left out of the "
        "points layer, counted), layer (an area_events layer of their areas, .gpkg), or points "
        "(stand-in points at the area centres: false hot spots in a heat map).",
    ),
    period_layout: str = typer.Option(
        "long",
        "--period-layout",
        help="With --period: long (default: each area polygon once, with its totals, and a "
        "table of counts per area and period: in the .gpkg, or a CSV beside other formats) or "
        "features (one polygon per area and period: large files).",
    ),
    zeros: bool = typer.Option(
        False, "--zeros", help="With --period: keep area x period rows with no incident."
    ),
    overwrite: bool = overwrite_opt(),
    csv_safe: bool = csv_safe_opt(),
    read: dict[str, Any] | None = None,
    geo: dict[str, Any] | None = None,
    filters: dict[str, Any] | None = None,
) -> None:
    """Export points, area counts and boundaries as GIS layers for QGIS / ArcGIS."""
    assert read is not None and geo is not None and filters is not None
    _check_choices(area_events=area_events, period_layout=period_layout)
    _check_layers(output, plain(layer))  # an unknown suffix too, before any work
    beside = _beside(output, plain(layer), period, period_layout)
    refuse_existing(output, *beside, overwrite=overwrite)
    g = load_filtered(input, read, geo, filters)
    with WriteProgress(console_err) as bar:
        report = export_layers(
            g,
            output,
            layers=plain(layer) or None,
            period=no_period(period),
            precision=precision_digits,
            overwrite=overwrite,
            csv_safe=csv_safe,
            area_events=area_events,
            period_layout=period_layout,
            zeros=zeros,
            progress=bar.update,
        )
    tables = report.get("tables", {})
    for name, count in report["layers"].items():
        if name not in tables:
            console_err.print(f"layer {name}: {count:,} features")
    for name, (rows, path) in tables.items():
        which = "every area x period" if zeros else "area x period with incidents; --zeros for all"
        console_err.print(f"table {name}: {rows:,} rows ({which}) in {path}")
    _say_left_out(report, area_events)
    if report.get("fields"):
        mapping = ", ".join(f"{k} -> {v}" for k, v in report["fields"].items())
        console_err.print(f"shapefile field names cut to 10 characters: {mapping}")
        console_err.print(f"  (mapping written to {output.with_suffix('.fields.csv')})")
    print_write_notes(report)
    console_err.print(f"wrote: {output} ({report['format']})")


def _check_layers(output: Path, layers: list[str] | None) -> None:
    """Refuse an unknown suffix, and several layers for a format that holds one."""
    fmt, _, multi = writer_for(output)
    if not multi and len(layers or []) > 1:
        msg = f"{output}: {fmt} holds one layer; choose one of {', '.join(layers)} or write .gpkg"
        raise UsageError(msg)


def _check_choices(**given: str) -> None:
    """Refuse a value outside an option's choices, before any work."""
    allowed = {"area_events": AREA_EVENTS, "period_layout": PERIOD_LAYOUTS}
    for name, value in given.items():
        if value not in allowed[name]:
            option = "--" + name.replace("_", "-")
            msg = f"{option}: {value!r} is not one of {', '.join(allowed[name])}"
            raise UsageError(msg)


def _beside(output: Path, layers: list[str] | None, period: str, layout: str) -> list[Path]:
    """Return the CSV tables written beside a one-layer output (to refuse existing ones)."""
    if no_period(period) is None or layout != "long":
        return []
    names = [f"{n}_by_{period}" for n in (layers or []) if n in ("districts", "provinces")]
    return list(table_paths(output, names).values())


def _say_left_out(report: dict[str, Any], area_events: str) -> None:
    """Say which rows the points layer left out, and why."""
    if report.get("unplaced"):
        console_err.print(f"left out of the points layer (unplaced): {report['unplaced']}")
    if report.get("area_only"):
        where = "in the area_events layer" if area_events == "layer" else "counted in the areas"
        console_err.print(
            f"left out of the points layer (placed only to a district or province, {where}): "
            f"{report['area_only']} (--area-events points keeps them as stand-in points)"
        )
