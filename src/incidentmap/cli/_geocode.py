"""``incidentmap geocode``: place every incident in a province and district."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import typer

from incidentmap.cli._options import (
    as_read_options,
    console_err,
    csv_safe_opt,
    geocode_options,
    overwrite_opt,
    print_write_notes,
    read_options_with_short_names,
    refuse_existing,
    state,
    step,
)
from incidentmap.io.formats import writer_for
from incidentmap.pipeline import BLOCK_MB, GeocodeReport, geocode_to_file


def print_summary(report: GeocodeReport, source: str) -> None:
    """Print the counts of a geocoded file to standard error."""
    s = report.summary
    m = s["by_method"]
    console_err.print(f"read: {s['read']:,} rows from {source} (preset {report.preset})")
    for line in report.layout:
        console_err.print(line)
    console_err.print(
        f"placed by point: {s['placed_by_point']:,} (in polygon {m.get('point', 0):,}, "
        f"snapped {m.get('point_snapped', 0):,}, lat/lon swapped {m.get('point_swapped', 0):,})"
    )
    console_err.print(
        f"placed by name: {s['placed_by_name']:,} (district {m.get('district_name', 0):,}, "
        f"place {m.get('place_name', 0):,}, province only {m.get('province_name', 0):,})"
    )
    console_err.print(f"conflicts (point vs stated province): {s['conflicts']:,}")
    reasons = ", ".join(f"{k} {v}" for k, v in sorted(s["unplaced_reasons"].items()))
    console_err.print(f"unplaced: {s['unplaced']:,}" + (f" ({reasons})" if reasons else ""))
    if report.bad_values:
        kept = report.bad_values
        console_err.print(f"rows with unreadable values kept (see input_note): {kept:,}")
    for row, note in report.unplaced:
        console_err.print(f"  row {row}: {note}", markup=False)
    if s["unplaced"] > len(report.unplaced):
        more = s["unplaced"] - len(report.unplaced)
        console_err.print(f"  ... and {more} more (geocode_note column)")


@contextlib.contextmanager
def progress_bar(enabled: bool) -> Iterator[Callable[[int, int], None] | None]:
    """Yield a progress callback drawing a bar on standard error, or None when not wanted."""
    if not enabled or not console_err.is_terminal:
        yield None
        return
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    with Progress(
        TextColumn("geocoding"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=console_err,
        transient=True,
    ) as bar:
        task = bar.add_task("geocoding", total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total or None)

        yield update


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
    block_mb: float = typer.Option(
        BLOCK_MB,
        "--block-mb",
        min=0,
        help="Read a UTF-8 CSV larger than this (MB) block by block into .parquet/.csv/"
        ".gpkg/.fgb, in bounded memory; 0 reads every file whole.",
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print nothing but errors."),
    read: dict[str, Any] | None = None,
    geo: dict[str, Any] | None = None,
) -> None:
    """Geocode every incident to province and district; print the counts."""
    assert read is not None and geo is not None
    writer_for(output)  # an unknown suffix fails before any work
    refuse_existing(output, overwrite=overwrite)
    with step(f"geocoding {input}"), progress_bar(not quiet) as progress:
        report = geocode_to_file(
            input,
            output,
            snap_km=geo["snap_km"],
            fuzzy_threshold=geo["fuzzy_threshold"],
            overwrite=overwrite,
            csv_safe=csv_safe,
            block_mb=block_mb,
            progress=progress,
            stage=lambda what: state.update(step=what),
            read=as_read_options(read),
        )
    if not quiet:
        for line in report.notes:
            console_err.print(f"note: {line}", markup=False, highlight=False)
        print_summary(report, input)
        for name, new in report.write.get("fields", {}).items():
            console_err.print(f"field {name!r} written as {new!r} ({report.write['format']})")
        print_write_notes(report.write)
        rows = sum(report.write.get("layers", {}).values())
        console_err.print(f"wrote: {rows:,} rows to {output}")
