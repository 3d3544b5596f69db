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

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from incidentmap.cli._options import (
    Choice,
    Level,
    coarse_note,
    console_err,
    csv_safe_opt,
    filter_options,
    geocode_options,
    load_filtered,
    overwrite_opt,
    plain,
    read_options,
    refuse_existing,
    step,
    write_area_rows,
)
from incidentmap.errors import UsageError
from incidentmap.io.frames import dates_as_text, json_records

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
    read: dict[str, Any] | None = None,
    geo: dict[str, Any] | None = None,
    filters: dict[str, Any] | None = None,
) -> None:
    """Show where incidents rise: change vs a baseline, ACLED surge/threat, a test, hot spots."""
    from incidentmap.context import context_for
    from incidentmap.io.formats import writer_for
    from incidentmap.trends import TrendOptions, trends

    assert read is not None and geo is not None and filters is not None
    if output is not None:
        if output.suffix.lower() != ".json":
            writer_for(output)
        refuse_existing(output, overwrite=overwrite)
    g = load_filtered(input, read, geo, filters)
    level_name, period_name = plain(level), plain(period)
    with step("computing trends"), _slow_step_bar() as progress:
        options = TrendOptions(
            level=level_name,
            period=period_name,
            baseline=baseline,
            hotspots=hotspots,
            permutations=permutations,
            alpha=alpha,
            include_incomplete=include_incomplete,
            fdr=fdr,
        )
        result = trends(g, options=options, progress=progress)
    attrs = result.attrs
    _say_what_was_compared(result, level_name, period_name)
    if output is not None:
        with step(f"writing {output}"):
            _write(result, output, level_name, overwrite, csv_safe, context_for(None))
        console_err.print(f"wrote: {output}")
    table = attrs["timeline"] if timeline else result
    fmt_name = plain(fmt) or ("table" if sys.stdout.isatty() else "csv")
    _emit(table, fmt_name, level_name, attrs, timeline)


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


def _say_what_was_compared(result: pd.DataFrame, level: str, period: str) -> None:
    """Print the periods compared and how many areas each rule flagged."""
    attrs = result.attrs
    note = f"latest {period}: {attrs['last_period']:%Y-%m-%d}"
    if attrs.get("dropped_incomplete"):
        note += f" (the data end {attrs['data_end']:%Y-%m-%d}, inside a later {period} left out)"
    console_err.print(f"{note}; baseline: {attrs['baseline']} {period}s before it")
    if attrs.get("surge_week") is not None:
        console_err.print(
            f"surge and threat: ACLED's weekly rules, latest complete week "
            f"{attrs['surge_week']:%Y-%m-%d}"
        )
    coarse = {"week": attrs.get("coarse_dates_week", 0), period: attrs.get("coarse_dates", 0)}
    for what, n in coarse.items():
        if n and (what != "week" or attrs.get("surge_week") is not None):
            console_err.print(f"note: {coarse_note(n, what)}")
    counts = {k: int(result[k].sum()) for k in ("surge", "threat", "rising") if k in result}
    console_err.print(
        f"{level}s flagged: surge {counts.get('surge', 0)}, threat {counts.get('threat', 0)}, "
        f"rising {counts.get('rising', 0)} of {len(result)}"
    )


def _area_label(result: pd.DataFrame, level: str) -> pd.Series:
    if level == "district":
        return result["district"].astype(str) + " (" + result["province"].astype(str) + ")"
    return result["province"].astype(str)


def _emit(table: pd.DataFrame, fmt: str, level: str, attrs: dict[str, Any], timeline: bool) -> None:
    from incidentmap.io.frames import write_csv

    frame = dates_as_text(table)
    if fmt == "csv":
        write_csv(frame, sys.stdout)
    elif fmt == "json":
        _emit_json(frame, level, attrs, timeline)
    else:
        _emit_table(table, frame, level, timeline)


def _emit_json(frame: pd.DataFrame, level: str, attrs: dict[str, Any], timeline: bool) -> None:
    doc = {
        "level": level,
        "period": attrs["period"],
        "last_period": f"{attrs['last_period']:%Y-%m-%d}",
        "baseline": attrs["baseline"],
        "alpha": attrs["alpha"],
        "rules": attrs["rules"],
        "areas" if not timeline else "timeline": json_records(frame),
    }
    if not timeline:
        doc["timeline"] = json_records(attrs["timeline"])
    json.dump(doc, sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")


def _emit_table(table: pd.DataFrame, frame: pd.DataFrame, level: str, timeline: bool) -> None:
    from incidentmap.cli._text import terminal_text

    t = Table(show_lines=False)
    if timeline:
        cols = list(frame.columns)
        rows = frame.itertuples(index=False)
    else:
        frame = frame.assign(area=_area_label(table, level))
        flagged = _flagged(table)
        if not flagged.all():
            console_err.print(
                f"{int((~flagged).sum())} {level}s with nothing flagged are not shown "
                "(--format csv lists every area)"
            )
        frame = frame[flagged.to_numpy()]
        cols = [c for c in _TABLE if c in frame.columns]
        rows = frame[cols].itertuples(index=False)
        cols = [_TABLE[c] for c in cols]
    for c in cols:
        t.add_column(c, no_wrap=c in ("area", "emerging"))
    for r in rows:
        t.add_row(*[Text(terminal_text(_cell(v))) for v in r])
    Console(soft_wrap=False, markup=False, highlight=False).print(t)


def _flagged(result: pd.DataFrame) -> pd.Series:
    """Areas with a flag, a hot or cold spot, or an emerging pattern (the table's rows)."""
    keep = pd.Series(False, index=result.index)
    for c in ("rising", "surge", "threat"):
        if c in result:
            keep |= result[c].astype(bool)
    if "hotspot" in result:
        keep |= result["hotspot"].notna()
    if "emerging" in result:
        keep |= result["emerging"].astype(str) != "no pattern"
    return keep


def _cell(v: Any) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    if isinstance(v, float):
        return _number(v)
    if isinstance(v, int) and not isinstance(v, bool):
        return f"{v:,}"
    if isinstance(v, (bool,)) or type(v).__name__ == "bool_":
        return "yes" if v else ""
    return str(v)


def _number(v: float) -> str:
    if 0 < abs(v) < 0.001:
        return "<0.001"
    return f"{v:.3f}" if abs(v) < 1 else f"{v:,.1f}"


def _write(
    result: pd.DataFrame, output: Path, level: str, overwrite: bool, csv_safe: bool, ctx: Any
) -> None:
    from incidentmap.atomic import atomic_write

    if output.suffix.lower() == ".json":
        with atomic_write(output, overwrite=overwrite) as tmp:
            tmp.write_text(json.dumps(json_records(result), ensure_ascii=False), "utf-8")
        return
    areas = ctx.districts if level == "district" else ctx.provinces
    write_area_rows(
        dates_as_text(result), output, areas, level, f"trends_{level}", overwrite=overwrite,
        csv_safe=csv_safe,
    )  # fmt: skip


__all__ = ["UsageError", "trends_cmd"]
