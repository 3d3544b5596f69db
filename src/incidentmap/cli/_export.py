"""``incidentmap export``: GIS layers (GeoPackage, GeoJSON, shapefile, FlatGeobuf, KML...)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from incidentmap.cli._options import (
    console_err,
    filter_options,
    geocode_options,
    load_filtered,
    overwrite_opt,
    read_options,
    refuse_existing,
)
from incidentmap.export import LAYERS, export_layers


@geocode_options
@read_options
@filter_options
def export_cmd(
    input: str = typer.Argument(..., help="Incident file (raw or geocoded), or - for stdin."),
    output: Path = typer.Option(
        ..., "-o", "--output", help="Output: .gpkg .geojson .shp .fgb .kml .csv .parquet"
    ),
    layer: list[str] | None = typer.Option(
        None,
        "--layer",
        help=f"Layer to write (repeatable): "
        f"{', '.join(LAYERS)}. Default: points, districts, "
        "provinces for .gpkg; points otherwise.",
    ),
    period: str | None = typer.Option(
        None,
        "--period",
        help="Area layers per period: day, week, month, quarter, year (default: totals).",
    ),
    precision_digits: int | None = typer.Option(
        None, "--coord-precision", min=0, max=15, help="Coordinate decimals (GeoJSON, CSV)."
    ),
    overwrite: bool = overwrite_opt(),
    read: dict[str, Any] | None = None,
    geo: dict[str, Any] | None = None,
    filters: dict[str, Any] | None = None,
) -> None:
    """Export points, area counts and boundaries as GIS layers for QGIS / ArcGIS."""
    assert read is not None and geo is not None and filters is not None
    refuse_existing(output, overwrite=overwrite)
    g = load_filtered(input, read, geo, filters)
    report = export_layers(
        g,
        output,
        layers=layer or None,
        period=period,
        precision=precision_digits,
        overwrite=overwrite,
    )
    for name, count in report["layers"].items():
        console_err.print(f"layer {name}: {count} features")
    if report.get("unplaced"):
        console_err.print(f"left out of the points layer (unplaced): {report['unplaced']}")
    if report.get("fields"):
        mapping = ", ".join(f"{k} -> {v}" for k, v in report["fields"].items())
        console_err.print(f"shapefile field names cut to 10 characters: {mapping}")
        console_err.print(f"  (mapping written to {output.with_suffix('.fields.csv')})")
    if report.get("truncated"):
        console_err.print(
            f"warning: {report['truncated']} text values longer than 254 bytes "
            "were cut by the shapefile format; use .gpkg to keep them whole"
        )
    console_err.print(f"wrote: {output} ({report['format']})")
