"""``incidentmap map`` and ``incidentmap brief``: HTML maps with a time slider, and PNGs."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import typer

from incidentmap._settings import MAX_POINTS
from incidentmap.cli._options import (
    Kind,
    Level,
    Mode,
    Period,
    Scheme,
    Tiles,
    console_err,
    extend_options,
    filter_options,
    geocode_options,
    load_filtered,
    no_period,
    overwrite_opt,
    plain,
    read_options,
    refuse_existing,
)
from incidentmap.errors import UsageError

_PERIOD_HELP = "Slider step; none makes one map of all dates."
_SCHEME_HELP = "Colour classes (user: give --bins)."


def _style_options(level: str | None, png_periods: int) -> Any:
    """Build the styling options both commands take; defaults differ per command."""
    options: list[tuple[str, Any, Any]] = [
        (
            "level",
            Level | None,
            typer.Option(
                level,
                "--level",
                help="Choropleth areas"
                + (
                    f" (default {level})."
                    if level
                    else " (default: the finest level most placed rows reach, said in a note)."
                ),
            ),
        ),
        ("period", Period, typer.Option("month", "--period", help=_PERIOD_HELP)),
        (
            "measure",
            str,
            typer.Option(
                "count",
                "--measure",
                help="count (incidents), fatalities (or another numeric column to sum), or "
                "per100k (with --population).",
            ),
        ),
        (
            "population",
            Path | None,
            typer.Option(
                None,
                "--population",
                help="CSV of population by province (name/code) or district_id, for per100k.",
            ),
        ),
        ("scheme", Scheme, typer.Option("quantiles", "--scheme", help=_SCHEME_HELP)),
        ("k", int, typer.Option(5, "--classes", min=1, max=9, help="Number of colour classes.")),
        (
            "bins",
            str | None,
            typer.Option(None, "--bins", help="Upper class bounds, e.g. 1,5,10,25."),
        ),
        ("mode", Mode, typer.Option("window", "--mode", help="This period only, or up to it.")),
        (
            "color_by",
            str,
            typer.Option(
                "category", "--color-by", help="Point colour: category (default) or a column."
            ),
        ),
        (
            "max_points",
            int,
            typer.Option(
                MAX_POINTS,
                "--max-points",
                min=1,
                help="Above this many placed incidents, points are drawn as counts per grid "
                "cell and period (said in the legend).",
            ),
        ),
        (
            "hotspots",
            bool,
            typer.Option(
                False,
                "--hotspots",
                help="Outline each period's Gi* hot and cold spots (a layer of its own); "
                "emerging hot-spot categories in the area tooltips.",
            ),
        ),
        ("title", str | None, typer.Option(None, "--title", help="Map title.")),
        (
            "credit",
            str | None,
            typer.Option(
                None,
                "--credit",
                help="Credit line for the incidents (default: the dataset's citation and file).",
            ),
        ),
        (
            "png",
            Path | None,
            typer.Option(None, "--png", help="Also write a static map (.png/.svg/.pdf)."),
        ),
        (
            "png_periods",
            int,
            typer.Option(
                png_periods,
                "--png-periods",
                min=1,
                max=12,
                help="Last N periods as small multiples in the static map.",
            ),
        ),
    ]
    return lambda func: extend_options(func, options, "style")


def _bins(value: str | None) -> list[float] | None:
    if value is None:
        return None
    import itertools
    import math

    try:
        bins = [float(v) for v in value.split(",") if v.strip()]
    except ValueError:
        msg = f"--bins: expected numbers separated by commas, got {value!r}"
        raise UsageError(msg) from None
    if not bins or not all(math.isfinite(b) for b in bins):
        msg = f"--bins: expected finite numbers separated by commas, got {value!r}"
        raise UsageError(msg)
    if any(b >= c for b, c in itertools.pairwise(bins)):
        msg = f"--bins: class bounds must increase (e.g. 1,5,10,25), got {value!r}"
        raise UsageError(msg)
    return bins


def _map_style(style: dict[str, Any]) -> Any:
    """Turn the collected style options into a :class:`~incidentmap.render.style.MapStyle`."""
    from incidentmap.render.style import MapStyle

    return MapStyle(
        level=style["level"],
        period=no_period(style["period"]),
        measure=style["measure"],
        scheme=style["scheme"],
        k=style["k"],
        bins=_bins(style["bins"]),
        mode=style["mode"],
        color_by=style["color_by"],
        title=style["title"],
        hotspots=style["hotspots"],
        max_points=style["max_points"],
        credit=style["credit"],
    )


def _validate(output: Path, style: dict[str, Any]) -> None:
    """Check what the choices cannot before any work: the file names and the bins."""
    if output.suffix.lower() not in (".html", ".htm"):
        msg = f"{output}: a map is written as .html (use --png for .png, .svg or .pdf)"
        raise UsageError(msg)
    png = style["png"]
    if png is not None and png.suffix.lower() not in (".png", ".svg", ".pdf"):
        msg = f"--png {png}: a static map is .png, .svg or .pdf"
        raise UsageError(msg)
    if _bins(style["bins"]) is None and style["scheme"] == "user":
        raise UsageError("--scheme user needs --bins (upper class bounds, e.g. 1,5,10,25)")


def _prepare(
    input: str,
    output: Path,
    style: dict[str, Any],
    overwrite: bool,
    read: dict[str, Any],
    geo: dict[str, Any],
    filters: dict[str, Any],
) -> Any:
    _validate(output, style)
    refuse_existing(output, style["png"], overwrite=overwrite)
    if style["measure"] == "per100k" and style["population"] is None:
        raise UsageError("--measure per100k needs --population (a CSV of population by area)")
    if style["population"] is not None:
        from incidentmap.pipeline import load_population

        style["population_table"] = load_population(style["population"])
    g = load_filtered(input, read, geo, filters)
    _fit(g, style)
    return g


def _fit(g: Any, style: dict[str, Any]) -> None:
    """Refuse a page the data cannot fill; choose the level; say what the data give."""
    from incidentmap.fitness import check_fit, data_fitness

    if len(g) == 0:
        msg = "nothing to draw: no row is left after the filters (a page would be empty)"
        raise UsageError(msg)
    level, notes = check_fit(
        data_fitness(g),
        level=plain(style["level"]),
        period=no_period(style["period"]),
        measure=style["measure"],
    )
    style["level"] = level
    for line in notes:
        console_err.print(f"note: {line}", markup=False, highlight=False)


def _finish(
    m: Any,
    g: Any,
    output: Path,
    style: dict[str, Any],
    overwrite: bool,
    how: str,
    points: bool = True,
    series: Any = None,
) -> None:
    from incidentmap.render import ImageOptions, save_map, static_map

    at_point = ~g["geocode_precision"].isin(["district", "province"])
    placed = int((g.geometry.notna() & ~g.geometry.is_empty & at_point).sum())
    if points and placed > style["max_points"]:
        console_err.print(
            f"note: {placed} placed incidents are drawn as counts per grid cell and period "
            f"(more than --max-points {style['max_points']}); the legend says so"
        )

    if style["png"] is None:
        save_map(m, output, overwrite=overwrite)
    else:  # the image is moved in only once the page is written: both, or neither
        from incidentmap.atomic import atomic_write

        with atomic_write(style["png"], overwrite=overwrite) as tmp:
            static_map(
                g,
                tmp,
                replace(_map_style(style), hotspots=False, labels=False),
                image=ImageOptions(periods=style["png_periods"], overwrite=True),
                population=style.get("population_table"),
                series=series,
            )
            save_map(m, output, overwrite=overwrite)
        console_err.print(f"wrote: {style['png']}")
    console_err.print(f"wrote: {output} ({output.stat().st_size / 1e6:.2f} MB, {how})")


@geocode_options
@read_options
@filter_options
@_style_options(level="province", png_periods=1)
def map_cmd(
    input: str = typer.Argument(..., help="Incident file (raw or geocoded), or - for stdin."),
    output: Path = typer.Option(..., "-o", "--output", help="HTML file to write."),
    kind: Kind = typer.Option("choropleth", "--kind", help="Areas coloured by count, or points."),
    offline: bool = typer.Option(
        True,
        "--offline/--online",
        help="--offline (default): every script inlined, one file that works without network; "
        "--online: Leaflet and Folium's scripts from their CDN hosts.",
    ),
    tiles: Tiles | None = typer.Option(
        None, "--tiles", help="Background tiles (default: osm online, none offline)."
    ),
    overwrite: bool = overwrite_opt(),
    read: dict[str, Any] | None = None,
    geo: dict[str, Any] | None = None,
    filters: dict[str, Any] | None = None,
    style: dict[str, Any] | None = None,
) -> None:
    """Write a choropleth or point map with a time slider (HTML, optional PNG)."""
    from incidentmap.render import PageOptions, choropleth_map, point_map

    assert read is not None and geo is not None and filters is not None and style is not None
    g = _prepare(input, output, style, overwrite, read, geo, filters)
    tiles_name = plain(tiles) or ("none" if offline else "osm")
    s = _map_style(style)
    if plain(kind) == "choropleth":
        population = style.get("population_table")
        page = PageOptions(offline=offline, tiles=tiles_name)
        m = choropleth_map(g, s, page=page, population=population)
    else:
        m = point_map(g, s, page=PageOptions(offline=offline, tiles=tiles_name))
    points = plain(kind) != "choropleth"
    _finish(m, g, output, style, overwrite, "offline" if offline else "online", points)


@geocode_options
@read_options
@filter_options
@_style_options(level=None, png_periods=6)
def brief_cmd(
    input: str = typer.Argument(..., help="Incident file (raw or geocoded), or - for stdin."),
    output: Path = typer.Option(..., "-o", "--output", help="HTML file to write."),
    caption: str | None = typer.Option(
        None, "--caption", help="Caption (default: date range and counts)."
    ),
    online: bool = typer.Option(
        False, "--online", help="Load Leaflet from its CDN instead of inlining it."
    ),
    tiles: Tiles = typer.Option("none", "--tiles", help="Background tiles."),
    overwrite: bool = overwrite_opt(),
    read: dict[str, Any] | None = None,
    geo: dict[str, Any] | None = None,
    filters: dict[str, Any] | None = None,
    style: dict[str, Any] | None = None,
) -> None:
    """Write the briefing page: choropleth + points, one slider, legend, top areas, credits."""
    from incidentmap.render import PageOptions, briefing_map
    from incidentmap.render.series import area_series

    assert read is not None and geo is not None and filters is not None and style is not None
    g = _prepare(input, output, style, overwrite, read, geo, filters)
    s, population = _map_style(style), style.get("population_table")
    series = area_series(g, None, s, population=population)  # once, for the page and the PNG
    m = briefing_map(
        g,
        s,
        page=PageOptions(caption=caption, offline=not online, tiles=plain(tiles)),
        population=population,
        series=series,
    )
    _finish(m, g, output, style, overwrite, "online" if online else "offline", series=series)
