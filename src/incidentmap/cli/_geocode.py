"""``incidentmap geocode``: place every incident in a province and district."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from incidentmap.cli._options import (
    console_err,
    csv_safe_opt,
    geocode_options,
    overwrite_opt,
    print_notes,
    read_kwargs,
    read_options_with_short_names,
    refuse_existing,
    step,
)
from incidentmap.geocode import geocode
from incidentmap.io import read_incidents, write_layer
from incidentmap.io.write import writer_for


def print_summary(gdf: Any, source: str) -> None:
    """Print the counts of a geocoded table to standard error."""
    s = gdf.attrs["summary"]
    m = s["by_method"]
    console_err.print(f"read: {s['read']} rows from {source} (preset {gdf.attrs.get('preset')})")
    console_err.print(
        f"placed by point: {s['placed_by_point']} (in polygon {m.get('point', 0)}, "
        f"snapped {m.get('point_snapped', 0)}, lat/lon swapped {m.get('point_swapped', 0)})"
    )
    console_err.print(
        f"placed by name: {s['placed_by_name']} (district {m.get('district_name', 0)}, "
        f"place {m.get('place_name', 0)}, province only {m.get('province_name', 0)})"
    )
    console_err.print(f"conflicts (point vs stated province): {s['conflicts']}")
    reasons = ", ".join(f"{k} {v}" for k, v in sorted(s["unplaced_reasons"].items()))
    console_err.print(f"unplaced: {s['unplaced']}" + (f" ({reasons})" if reasons else ""))
    bad = gdf.attrs.get("bad_values", 0)
    if bad:
        console_err.print(f"rows with unreadable values kept (see input_note): {bad}")
    unplaced = gdf[gdf["geocode_method"] == "unplaced"]
    for _, r in unplaced.head(5).iterrows():
        console_err.print(f"  row {r['row']}: {r['geocode_note']}")
    if len(unplaced) > 5:
        console_err.print(f"  ... and {len(unplaced) - 5} more (geocode_note column)")


@geocode_options
@read_options_with_short_names
def geocode_cmd(
    input: str = typer.Argument(
        ...,
        help="Incident file (CSV, XLSX, JSON, GeoJSON, GPKG, Parquet), or - for standard input.",
    ),
    output: Path = typer.Option(
        ..., "-o", "--output", help="Output file: .gpkg .csv .geojson .parquet .fgb .shp .kml"
    ),
    overwrite: bool = overwrite_opt(),
    csv_safe: bool = csv_safe_opt(),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print nothing but errors."),
    read: dict[str, Any] | None = None,
    geo: dict[str, Any] | None = None,
) -> None:
    """Geocode every incident to province and district; print the counts."""
    assert read is not None and geo is not None
    writer_for(output)  # an unknown suffix fails before any work
    refuse_existing(output, overwrite=overwrite)
    with step(f"reading {input}"):
        incidents = read_incidents(input, **read_kwargs(read))
    if not quiet:
        print_notes(incidents)
    with step(f"geocoding {input}"):
        result = geocode(incidents, snap_km=geo["snap_km"], fuzzy_threshold=geo["fuzzy_threshold"])
    with step(f"writing {output}"):
        report = write_layer(
            result, output, layer="incidents", overwrite=overwrite, csv_safe=csv_safe
        )
    if not quiet:
        print_summary(result, input)
        for name, new in report.get("fields", {}).items():
            console_err.print(f"field {name!r} written as {new!r} ({report['format']})")
        console_err.print(f"wrote: {len(result)} rows to {output}")
