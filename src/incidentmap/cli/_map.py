"""``incidentmap map`` and ``incidentmap brief``: HTML maps with a time slider, and PNGs."""

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
)
from incidentmap.errors import OutputExistsError, UsageError


def _bins(value: str | None) -> list[float] | None:
    if value is None:
        return None
    try:
        return [float(v) for v in value.split(",") if v.strip()]
    except ValueError:
        msg = f"--bins: expected numbers separated by commas, got {value!r}"
        raise UsageError(msg) from None


def _check_outputs(paths: list[Path | None], overwrite: bool) -> None:
    for p in paths:
        if p is not None and p.exists() and not overwrite:
            raise OutputExistsError(f"{p} exists; use --overwrite to replace it")


def _period(value: str) -> str | None:
    return None if value in ("none", "all", "total") else value


_PERIOD_HELP = "Slider step: day, week, month, quarter, year, or none (one map of all dates)."
_SCHEME_HELP = "Colour classes: quantiles, natural_breaks, equal_interval, user (with --bins)."


@geocode_options
@read_options
@filter_options
def map_cmd(
    input: str = typer.Argument(..., help="Incident file (raw or geocoded), or - for stdin."),
    output: Path = typer.Option(..., "-o", "--output", help="HTML file to write."),
    kind: str = typer.Option("choropleth", "--kind", help="choropleth or points."),
    level: str = typer.Option("province", "--level", help="district or province (choropleth)."),
    period: str = typer.Option("month", "--period", help=_PERIOD_HELP),
    measure: str = typer.Option(
        "incidents", "--measure", help="incidents, or a numeric column to sum (fatalities)."
    ),
    scheme: str = typer.Option("quantiles", "--scheme", help=_SCHEME_HELP),
    k: int = typer.Option(5, "--classes", min=1, max=9, help="Number of colour classes."),
    bins: str | None = typer.Option(None, "--bins", help="Upper class bounds, e.g. 1,5,10,25."),
    mode: str = typer.Option("window", "--mode", help="window (this period) or cumulative."),
    color_by: str = typer.Option("event_type", "--color-by", help="Point colour column."),
    offline: bool = typer.Option(
        False, "--offline", help="Inline every script: one file that works without network."
    ),
    tiles: str | None = typer.Option(
        None, "--tiles", help="none, osm, carto, carto-dark (default: carto online, none offline)."
    ),
    title: str | None = typer.Option(None, "--title", help="Map title."),
    png: Path | None = typer.Option(
        None, "--png", help="Also write a static map (.png/.svg/.pdf)."
    ),
    png_periods: int = typer.Option(
        1,
        "--png-periods",
        min=1,
        max=12,
        help="Last N periods as small multiples in the static map.",
    ),
    overwrite: bool = overwrite_opt(),
    read: dict[str, Any] | None = None,
    geo: dict[str, Any] | None = None,
    filters: dict[str, Any] | None = None,
) -> None:
    """Write a choropleth or point map with a time slider (HTML, optional PNG)."""
    from incidentmap.render import choropleth_map, point_map, save_map, static_map

    assert read is not None and geo is not None and filters is not None
    if kind not in ("choropleth", "points"):
        msg = f"--kind must be choropleth or points, not {kind!r}"
        raise UsageError(msg)
    _check_outputs([output, png], overwrite)
    g = load_filtered(input, read, geo, filters)
    tiles = tiles or ("none" if offline else "osm")
    if kind == "choropleth":
        m = choropleth_map(
            g,
            level=level,
            period=_period(period),
            measure=measure,
            scheme=scheme,
            k=k,
            bins=_bins(bins),
            mode=mode,
            offline=offline,
            tiles=tiles,
            title=title,
        )
    else:
        m = point_map(
            g,
            period=_period(period),
            color_by=color_by,
            mode=mode,
            offline=offline,
            tiles=tiles,
            title=title,
        )
    if png is not None:
        static_map(
            g,
            png,
            level=level,
            period=_period(period),
            periods=png_periods,
            measure=measure,
            scheme=scheme,
            k=k,
            bins=_bins(bins),
            mode=mode,
            title=title,
            overwrite=overwrite,
        )
        console_err.print(f"wrote: {png}")
    save_map(m, output, overwrite=overwrite)
    size = output.stat().st_size / 1e6
    console_err.print(f"wrote: {output} ({size:.2f} MB, {'offline' if offline else 'online'})")


@geocode_options
@read_options
@filter_options
def brief_cmd(
    input: str = typer.Argument(..., help="Incident file (raw or geocoded), or - for stdin."),
    output: Path = typer.Option(..., "-o", "--output", help="HTML file to write."),
    title: str | None = typer.Option(None, "--title", help="Briefing title."),
    caption: str | None = typer.Option(
        None, "--caption", help="Caption (default: date range and counts)."
    ),
    level: str = typer.Option("district", "--level", help="district or province."),
    period: str = typer.Option("month", "--period", help=_PERIOD_HELP),
    measure: str = typer.Option("incidents", "--measure", help="incidents or a numeric column."),
    scheme: str = typer.Option("quantiles", "--scheme", help=_SCHEME_HELP),
    k: int = typer.Option(5, "--classes", min=1, max=9, help="Number of colour classes."),
    bins: str | None = typer.Option(None, "--bins", help="Upper class bounds, e.g. 1,5,10,25."),
    mode: str = typer.Option("window", "--mode", help="window (this period) or cumulative."),
    color_by: str = typer.Option("event_type", "--color-by", help="Point colour column."),
    online: bool = typer.Option(
        False, "--online", help="Load Leaflet from its CDN instead of inlining it."
    ),
    tiles: str = typer.Option("none", "--tiles", help="none, osm, carto, carto-dark."),
    png: Path | None = typer.Option(
        None, "--png", help="Also write a static map (.png/.svg/.pdf)."
    ),
    png_periods: int = typer.Option(
        6,
        "--png-periods",
        min=1,
        max=12,
        help="Last N periods as small multiples in the static map.",
    ),
    overwrite: bool = overwrite_opt(),
    read: dict[str, Any] | None = None,
    geo: dict[str, Any] | None = None,
    filters: dict[str, Any] | None = None,
) -> None:
    """Write the briefing page: choropleth + points, one slider, legend, top areas, credits."""
    from incidentmap.render import briefing_map, save_map, static_map

    assert read is not None and geo is not None and filters is not None
    _check_outputs([output, png], overwrite)
    g = load_filtered(input, read, geo, filters)
    m = briefing_map(
        g,
        title=title,
        caption=caption,
        level=level,
        period=_period(period),
        measure=measure,
        scheme=scheme,
        k=k,
        bins=_bins(bins),
        mode=mode,
        color_by=color_by,
        offline=not online,
        tiles=tiles,
    )
    if png is not None:
        static_map(
            g,
            png,
            level=level,
            period=_period(period),
            periods=png_periods,
            measure=measure,
            scheme=scheme,
            k=k,
            bins=_bins(bins),
            mode=mode,
            title=title,
            overwrite=overwrite,
        )
        console_err.print(f"wrote: {png}")
    save_map(m, output, overwrite=overwrite)
    size = output.stat().st_size / 1e6
    console_err.print(f"wrote: {output} ({size:.2f} MB, {'online' if online else 'offline'})")
