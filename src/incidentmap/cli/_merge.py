"""``incidentmap merge``: several sources into one event list, without counting twice."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from incidentmap.cli._options import (
    as_read_options,
    console_err,
    csv_safe_opt,
    geocode_options,
    overwrite_opt,
    read_options,
    say,
    step,
)
from incidentmap.jobs.merge import MergeRequest, MergeRun, run
from incidentmap.options import GeoOptions, Output


def _print(run_: MergeRun, quiet: bool) -> None:
    """Print the report; the explained pair's parts as a table after its lines."""
    notes = run_.report.notes
    last = max((i for i, n in enumerate(notes) if n.code == "explain"), default=None)
    for i, note in enumerate(notes):
        if not quiet or note.code == "explain":
            say(note.line())
        if i == last and run_.explanation is not None:
            _explain_table(run_.explanation)


def _explain_table(parts: Any) -> None:
    from rich.table import Table

    table = Table("part", "value", "weight", "points", "compares")
    for row in parts.itertuples(index=False):
        table.add_row(
            str(row.part),
            f"{row.value:.3f}",
            f"{row.weight:.2f}",
            f"{row.points:.3f}",
            str(row.compares),
        )
    console_err.print(table)


@geocode_options
@read_options
def merge_cmd(
    inputs: list[str] = typer.Argument(
        ..., help="Two or more incident files (raw or geocoded); name=path names a source."
    ),
    output: Path | None = typer.Option(
        None,
        "-o",
        "--output",
        help="The merged event list: .gpkg .csv .geojson .parquet .fgb, or a PostGIS table "
        "postgresql://user@host:port/db?table=name",
    ),
    pairs: Path | None = typer.Option(
        None, "--pairs", help="Write every candidate pair with its score and decision (.csv)."
    ),
    km: float = typer.Option(5.0, "--km", help="Spatial window between two points (km)."),
    days: float = typer.Option(1.0, "--days", help="Temporal window (days between dates)."),
    decisions: Path | None = typer.Option(
        None,
        "--decisions",
        help="A pairs file whose decision column you set (match, review, different): the "
        "same merge with your calls.",
    ),
    explain: list[str] | None = typer.Option(
        None,
        "--explain",
        help="Print the parts of one pair's score: --explain acled:ID --explain gtd:ID.",
    ),
    overwrite: bool = overwrite_opt(),
    csv_safe: bool = csv_safe_opt(),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print nothing but errors."),
    read: dict[str, Any] | None = None,
    geo: dict[str, Any] | None = None,
) -> None:
    """Merge sources into one event list; pairs a person can check and decide."""
    assert read is not None and geo is not None
    request = MergeRequest(
        tuple(inputs),
        Output(output, overwrite=overwrite, csv_safe=csv_safe) if output is not None else None,
        pairs=pairs,
        km=km,
        days=days,
        decisions=decisions,
        explain=tuple(explain) if explain else None,  # type: ignore[arg-type]
        read=as_read_options(read),
        geo=GeoOptions(**geo),
    )
    with step("merging the sources"):
        result = run(request, quiet=quiet)
    _print(result, quiet)
