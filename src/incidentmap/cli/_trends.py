"""``incidentmap trends``: where incidents are rising, per area and for the country."""

from __future__ import annotations

import contextlib
import json
import math
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from incidentmap.cli._filters import filter_options, filters_from
from incidentmap.cli._options import (
    Choice,
    Level,
    console_err,
    csv_safe_opt,
    geocode_options,
    overwrite_opt,
    plain,
    print_report,
    quiet_opt,
    read_options,
    source_from,
    step,
    to_stdout,
)
from incidentmap.cli._text import terminal_text
from incidentmap.errors import plural
from incidentmap.jobs.trends import TrendsRequest, TrendsResult, run
from incidentmap.options import Output

TrendPeriod = Choice("TrendPeriod", {p: p for p in ("day", "week", "month", "quarter", "year")})  # type: ignore[misc]
TrendFormat = Choice("TrendFormat", {f: f for f in ("table", "csv", "json")})  # type: ignore[misc]

#: the table view: column -> header
_TABLE = {
    "area": "area",
    "last_count": "last",
    "baseline_mean": "mean before",
    "change_pct": "change %",
    "p_value": "p",
    "rising": "rising",
    "surge": "surge",
    "threat": "threat",
    "hotspot": "Gi*",
    "emerging": "emerging",
}


@geocode_options
@read_options
@filter_options
def trends_cmd(
    input: str = typer.Argument(..., help="Incident file (raw or geocoded), or - for stdin."),
    level: Level = typer.Option("province", "--level", help="Areas to compare."),
    period: TrendPeriod = typer.Option("week", "--period", help="Period of the comparison."),
    baseline: int | None = typer.Option(
        None, "--baseline", min=1, help="Periods before the latest one (default by period)."
    ),
    hotspots: bool = typer.Option(
        True, "--hotspots/--no-hotspots", help="Getis-Ord Gi* and emerging hot spots (PySAL)."
    ),
    permutations: int = typer.Option(
        199, "--permutations", min=9, max=9999, help="Permutations for the Gi* p-values."
    ),
    alpha: float = typer.Option(0.05, "--alpha", min=0.0001, max=0.5, help="Significance level."),
    fdr: bool = typer.Option(
        False, "--fdr", help="Benjamini-Hochberg correction of the Gi* p-values per period."
    ),
    include_incomplete: bool = typer.Option(
        False, "--include-incomplete", help="Use the data's last period even if it is not over."
    ),
    timeline: bool = typer.Option(
        False, "--timeline", help="Print the national timeline (counts per period by category)."
    ),
    by_target: bool = typer.Option(
        False,
        "--by-target",
        help="Split each area's latest count by who was targeted (target_officials ... "
        "target_unknown columns; the timeline by target instead of category).",
    ),
    fmt: TrendFormat | None = typer.Option(
        None, "--format", "-f", help="Output format (default: table on a terminal, else csv)."
    ),
    output: Path | None = typer.Option(
        None,
        "-o",
        "--output",
        help="Also write the areas: .csv, .json, or .geojson/.gpkg with their polygons.",
    ),
    overwrite: bool = overwrite_opt(),
    csv_safe: bool = csv_safe_opt(),
    quiet: bool = quiet_opt(),
    read: dict[str, Any] | None = None,
    geo: dict[str, Any] | None = None,
    filters: dict[str, Any] | None = None,
) -> None:
    """Show where incidents rise: change vs a baseline, ACLED surge/threat, a test, hot spots."""
    assert read is not None and geo is not None and filters is not None
    with step("computing trends", spinner=False), _slow_step_bar() as progress:
        request = TrendsRequest(
            source_from(input, read, geo),
            filters_from(filters),
            level=plain(level),
            period=plain(period),
            baseline=baseline,
            hotspots=hotspots,
            permutations=permutations,
            alpha=alpha,
            fdr=fdr,
            include_incomplete=include_incomplete,
            by_target=by_target,
            output=Output(output, overwrite=overwrite, csv_safe=csv_safe) if output else None,
            progress=progress,
        )
        result = run(request)
    print_report(result.report, quiet=quiet)
    fmt_name = plain(fmt) or ("table" if sys.stdout.isatty() else "csv")
    with to_stdout():
        _emit(result, fmt_name, timeline)


@contextlib.contextmanager
def _slow_step_bar(after: float = 2.0) -> Iterator[Callable[[str, int, int], None] | None]:
    """Yield a ``progress(step, done, total)`` callback that shows a bar for slow steps.

    A step gets a bar on standard error (a terminal only; it vanishes when done) once it
    has run ``after`` seconds since its first call and is not finished; quick steps show
    nothing. Off a terminal the callback is None.
    """
    if not console_err.is_terminal:
        yield None
        return
    started: dict[str, float] = {}
    shown: dict[str, Any] = {}

    def update(name: str, done: int, total: int) -> None:
        first = started.setdefault(name, time.monotonic())
        if name not in shown:
            if done >= total or time.monotonic() - first < after:
                return
            shown[name] = _bar(name, total)
        bar, task = shown[name]
        bar.update(task, completed=done, total=total)
        if done >= total:
            bar.stop()  # the step is over: its bar goes

    try:
        yield update
    finally:
        for bar, _ in shown.values():
            bar.stop()


def _bar(name: str, total: int) -> tuple[Any, Any]:
    """Start a transient bar on standard error for the step ``name``."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(
        TextColumn(name), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=console_err, transient=True,
    )  # fmt: skip
    task = bar.add_task(name, total=total)
    bar.start()
    return bar, task


def _area_label(result: pd.DataFrame, level: str) -> pd.Series:
    if level == "district":
        return result["district"].astype(str) + " (" + result["province"].astype(str) + ")"
    return result["province"].astype(str)


def _emit(result: TrendsResult, fmt: str, timeline: bool) -> None:
    import pandas as pd

    table = result.timeline if timeline else result.areas
    if fmt == "csv":
        result.write_csv(sys.stdout, timeline=timeline)
    elif fmt == "json":
        json.dump(result.document(timeline=timeline), sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        _emit_table(table, pd.DataFrame(result.text(timeline=timeline)), result.level, timeline)


def _emit_table(table: pd.DataFrame, frame: pd.DataFrame, level: str, timeline: bool) -> None:
    split = [] if timeline else _split_table(frame.assign(area=_area_label(table, level)))
    cols, rows = _table_rows(table, frame, level, timeline)
    console = Console(soft_wrap=False, markup=False, highlight=False)
    cells = [[terminal_text(_cell(v)) for v in r] for r in rows]
    console.print(_fitted(cols, cells, console.width), *split)


def _fitted(cols: list[str], cells: list[list[str]], width: int) -> Table:
    """Return the table of the columns that fit in ``width`` (the others said on stderr)."""
    t = Table(show_lines=False)
    keep = _columns_that_fit(cols, cells, width)
    if len(keep) < len(cols):
        console_err.print(
            f"note: not shown at this width ({width} columns): "
            f"{', '.join(c for n, c in enumerate(cols) if n not in keep)} (--format csv "
            "lists every column)"
        )
    for n in keep:  # a value is never cut: its column is as wide as its widest value
        widest = max((len(r[n]) for r in cells), default=0)
        t.add_column(cols[n], min_width=max(widest, 1), overflow="fold")
    for r in cells:
        t.add_row(*[Text(r[n]) for n in keep])
    return t


def _table_rows(
    table: pd.DataFrame, frame: pd.DataFrame, level: str, timeline: bool
) -> tuple[list[str], Any]:
    """Return the table's headers and rows: the timeline whole, or the flagged areas."""
    if timeline:
        return list(frame.columns), frame.itertuples(index=False)
    frame = frame.assign(area=_area_label(table, level))
    flagged = _flagged(table)
    if not flagged.all():
        n = int((~flagged).sum())
        console_err.print(
            f"note: {plural(n, level)} with nothing flagged {'is' if n == 1 else 'are'} not "
            "shown (--format csv lists every area)"
        )
    frame = frame[flagged.to_numpy()]
    cols = [c for c in _TABLE if c in frame.columns]
    return [_TABLE[c] for c in cols], frame[cols].itertuples(index=False)


def _columns_that_fit(cols: list[str], cells: list[list[str]], width: int) -> list[int]:
    """Return the columns to show: all if their values fit in ``width``, else the first ones.

    A column needs its widest value and its header's longest word (a header may wrap),
    plus 3 characters of border and padding; the last columns go first.
    """
    need = [
        max([len(w) for w in str(c).split()] + [len(r[n]) for r in cells]) + 3
        for n, c in enumerate(cols)
    ]
    keep = list(range(len(cols)))
    while len(keep) > 2 and sum(need[n] for n in keep) + 1 > width:
        keep.pop()
    return keep


def _split_table(frame: pd.DataFrame) -> list[Table]:
    """Return the latest counts by target of the areas with any (flagged or not).

    A column per target counted, and unknown; none (an empty list) when the areas are not
    split by target.
    """
    split = frame.filter(like="target_")
    if split.empty:
        return []
    frame = frame[split.astype(float).sum(axis=1).to_numpy() > 0]
    counted = split.astype(float).sum() > 0
    cols = list(split.columns[counted.to_numpy() | (split.columns == "target_unknown")])
    when = f" ({frame['last_period'].iloc[0]})" if "last_period" in frame and len(frame) else ""
    t = Table(title=f"latest period{when} by target", show_lines=False)
    t.add_column("area", no_wrap=True)
    for c in cols:
        t.add_column(c.removeprefix("target_").replace("_", " "), justify="right")
    for area, *values in frame[["area", *cols]].itertuples(index=False):
        t.add_row(Text(terminal_text(str(area))), *[_cell(v) for v in values])
    return [t]


def _flagged(result: pd.DataFrame) -> pd.Series:
    """Areas with a flag, a hot or cold spot, or an emerging pattern (the table's rows)."""
    keep = pd.Series(False, index=result.index)
    for c in ("rising", "surge", "threat"):
        if c in result:
            keep |= result[c].fillna(False).astype(bool)
    if "hotspot" in result:
        keep |= result["hotspot"].notna()
    if "emerging" in result:
        keep |= ~result["emerging"].astype(str).isin(("no pattern", "too few events"))
    return keep


def _cell(v: Any) -> str:
    if v is pd.NA:  # a rule without the weeks it needs: not "no"
        return "unknown"
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    if isinstance(v, float):
        return _number(v)
    if isinstance(v, int) and not isinstance(v, bool):
        return f"{v:,}"
    if isinstance(v, bool | np.bool_):
        return "yes" if v else ""
    return str(v)


def _number(v: float) -> str:
    if 0 < abs(v) < 0.001:
        return "<0.001"
    return f"{v:.3f}" if abs(v) < 1 else f"{v:,.1f}"


__all__ = ["trends_cmd"]
