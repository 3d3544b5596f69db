"""``incidentmap geocode``: place every incident in a province and district."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import typer

from incidentmap.cli._options import (
    console_err,
    csv_safe_opt,
    geocode_options,
    overwrite_opt,
    print_report,
    read_options_with_short_names,
    source_from,
    state,
    step,
)
from incidentmap.jobs.geocode import GeocodeRequest, run
from incidentmap.options import BLOCK_MB, Output


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
        ...,
        "-o",
        "--output",
        help="Output file: .gpkg .csv .geojson .parquet .fgb .shp .kml, or a PostGIS table "
        "postgresql://user@host:port/db?table=name",
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
    source = source_from(input, read, geo)
    with step(f"geocoding {source.name}", spinner=False), progress_bar(not quiet) as progress:
        result = run(
            GeocodeRequest(
                source,
                Output(output, overwrite=overwrite, csv_safe=csv_safe),
                block_mb=block_mb,
                progress=progress,
                stage=lambda what: state.update(step=what),
            )
        )
    print_report(result.report, quiet=quiet)
