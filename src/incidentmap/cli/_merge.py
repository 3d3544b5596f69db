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
    print_notes,
    print_write_notes,
    read_options,
    refuse_existing,
    step,
)
from incidentmap.errors import UsageError
from incidentmap.io.formats import writer_for


def _print_counts(result: Any) -> None:
    for name, c in result.counts.items():
        console_err.print(
            f"{name}: {c['rows']:,} rows: {c['merged']:,} in events another source also "
            f"reported, {c['alone']:,} alone (of which {c['not_compared']:,} not compared: "
            f"no date or no place), {c['review']:,} in pairs to review",
            markup=False,
            highlight=False,
        )
    decisions = result.pairs["decision"].value_counts()
    console_err.print(
        "pairs: "
        + ", ".join(f"{decisions.get(d, 0):,} {d}" for d in ("match", "review", "different"))
    )
    events, rows = len(result.merged), result.rows_in
    multi = int((result.merged["n_sources"] > 1).sum())
    console_err.print(
        f"merged: {rows:,} rows in = {events:,} events out ({multi:,} reported by more "
        f"than one source) + {rows - events:,} rows merged into them"
    )


def _explain(sources: list[tuple[str, Any]], pair: list[str], km: float, days: float) -> None:
    from rich.table import Table

    from incidentmap.merge.explain import explain_pair, parse_key

    first, second = (parse_key(p) for p in pair)
    parts, lines = explain_pair(dict(sources), first, second, km=km, days=days)
    for line in lines:
        console_err.print(line, markup=False, highlight=False)
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


def _check_args(
    inputs: list[str],
    output: Path | None,
    pairs: Path | None,
    explain: list[str] | None,
    km: float,
    days: float,
) -> None:
    """Refuse what cannot work before any file is read."""
    from incidentmap.merge.core import check_windows

    if len(inputs) < 2:
        raise UsageError("merge needs at least two input files")
    check_windows(km, days)
    if explain and len(explain) != 2:
        raise UsageError("--explain takes two rows: --explain acled:ID --explain gtd:ID")
    if output is None and not explain:
        raise UsageError("give -o/--output for the merged list (or --explain a pair)")
    if output is not None:
        writer_for(output)
    if pairs is not None:
        _check_pairs(pairs, output)


def _check_pairs(pairs: Path, output: Path | None) -> None:
    if pairs.suffix.lower() != ".csv":
        raise UsageError(f"--pairs: {pairs} must end in .csv")
    if output is None:
        raise UsageError("--pairs needs -o/--output")


@geocode_options
@read_options
def merge_cmd(
    inputs: list[str] = typer.Argument(
        ..., help="Two or more incident files (raw or geocoded); name=path names a source."
    ),
    output: Path | None = typer.Option(
        None, "-o", "--output", help="The merged event list: .gpkg .csv .geojson .parquet .fgb"
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
    from incidentmap.pipeline import load_sources, merge_files

    _check_args(inputs, output, pairs, explain, km, days)
    refuse_existing(output, pairs, overwrite=overwrite)
    with step("reading the sources"):
        sources = load_sources(
            inputs,
            as_read_options(read),
            snap_km=geo["snap_km"],
            fuzzy_threshold=geo["fuzzy_threshold"],
        )
    named = [(name, g) for name, g, _ in sources]
    if not quiet:
        for name, g, report in sources:
            print_notes(g)
            console_err.print(f"{name}: {report.line()}", markup=False, highlight=False)
    if explain:
        _explain(named, explain, km, days)
    if output is None:
        return
    with step(f"merging into {output}"):
        result, written = merge_files(
            named, output, pairs=pairs, km=km, days=days, decisions=decisions,
            overwrite=overwrite, csv_safe=csv_safe,
        )  # fmt: skip
    if not quiet:
        _print_counts(result)
        print_write_notes(written)
        console_err.print(f"wrote: {len(result.merged):,} events to {output}", markup=False)
        if pairs is not None:
            console_err.print(f"wrote: {len(result.pairs):,} pairs to {pairs}", markup=False)
