"""``incidentmap export``: GIS layers (GeoPackage, GeoJSON, shapefile, FlatGeobuf, KML...)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from incidentmap.cli._filters import filter_options, filters_from
from incidentmap.cli._options import (
    Choice,
    ExportLayer,
    Period,
    WriteProgress,
    console_err,
    csv_safe_opt,
    geocode_options,
    no_period,
    overwrite_opt,
    plain,
    print_report,
    quiet_opt,
    read_options,
    source_from,
    step,
)
from incidentmap.jobs.export import ExportRequest, run
from incidentmap.options import AREA_EVENTS, PERIOD_LAYOUTS, Output

AreaEvents = Choice("AreaEvents", {n: n for n in AREA_EVENTS})  # type: ignore[misc]
PeriodLayout = Choice("PeriodLayout", {n: n for n in PERIOD_LAYOUTS})  # type: ignore[misc]


@geocode_options
@read_options
@filter_options
def export_cmd(
    input: str = typer.Argument(..., help="Incident file (raw or geocoded), or - for stdin."),
    output: Path = typer.Option(
        ...,
        "-o",
        "--output",
        help="Output: .gpkg .geojson .shp .fgb .kml .csv .parquet, or a PostGIS database "
        "postgresql://user@host:port/db[?table=name]",
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
    area_events: AreaEvents = typer.Option(
        "omit",
        "--area-events",
        help="Incidents placed only to a district or province: omit (default: left out of the "
        "points layer, counted), layer (an area_events layer of their areas, .gpkg), or points "
        "(stand-in points at the area centres: false hot spots in a heat map).",
    ),
    period_layout: PeriodLayout = typer.Option(
        "long",
        "--period-layout",
        help="With --period: long (default: each area polygon once, with its totals, and a "
        "table of counts per area and period: in the .gpkg, or a CSV beside other formats) or "
        "features (one polygon per area and period: large files).",
    ),
    zeros: bool = typer.Option(
        False, "--zeros", help="With --period: keep area x period rows with no incident."
    ),
    by_target: bool = typer.Option(
        False,
        "--by-target",
        help="Area layers and their period tables get a count per target (target_officials "
        "... target_unknown).",
    ),
    overwrite: bool = overwrite_opt(),
    csv_safe: bool = csv_safe_opt(),
    quiet: bool = quiet_opt(),
    read: dict[str, Any] | None = None,
    geo: dict[str, Any] | None = None,
    filters: dict[str, Any] | None = None,
) -> None:
    """Export points, area counts and boundaries as GIS layers for QGIS / ArcGIS."""
    assert read is not None and geo is not None and filters is not None
    with WriteProgress(console_err) as bar:
        request = ExportRequest(
            source_from(input, read, geo),
            Output(output, overwrite=overwrite, csv_safe=csv_safe),
            layers=tuple(plain(layer)) if layer else None,
            period=no_period(period),
            digits=precision_digits,
            area_events=plain(area_events),
            period_layout=plain(period_layout),
            zeros=zeros,
            by_target=by_target,
            filters=filters_from(filters),
            progress=bar.update,
        )
        with step(f"exporting {request.source.name}", spinner=False):
            result = run(request)
    print_report(result.report, quiet=quiet)
