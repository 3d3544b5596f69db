"""``incidentmap map`` and ``incidentmap brief``: HTML maps with a time slider, and PNGs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from incidentmap.cli._filters import filter_options, filters_from
from incidentmap.cli._options import (
    Choice,
    Kind,
    Level,
    Mode,
    Period,
    Scheme,
    Tiles,
    extend_options,
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
from incidentmap.jobs.brief import BriefRequest, read_bins, run
from incidentmap.options import MAX_POINTS, OPENS, MapStyle, Output

_PERIOD_HELP = "Slider step; none makes one map of all dates."

#: the period a page opens on (`open`)
OpenOn = Choice("OpenOn", {name: name for name in OPENS})  # type: ignore[misc]
_SCHEME_HELP = "Colour classes (user: give --bins)."


def _style_options(level: str | None, png_periods: int | None) -> Any:
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
                    "."
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
        (
            "open",
            OpenOn,
            typer.Option(
                "latest",
                "--open",
                help="The period the page opens on: the latest complete one, the first, or "
                "the latest in cumulative mode (a view in the page's address wins).",
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
            int | None,
            typer.Option(
                png_periods,
                "--png-periods",
                min=1,
                max=12,
                help=(
                    "Last N periods as small multiples in the static map "
                    f"(default: {'every one, up to 12' if png_periods is None else png_periods})."
                ),
            ),
        ),
    ]
    return lambda func: extend_options(func, options, "style")


def _request(
    input: str,
    output: Path,
    style: dict[str, Any],
    overwrite: bool,
    parts: dict[str, Any],
    **page: Any,
) -> BriefRequest:
    """Build the job's request from the collected options."""
    map_style = MapStyle(
        level=plain(style["level"]),
        period=no_period(style["period"]),
        measure=style["measure"],
        scheme=plain(style["scheme"]),
        k=style["k"],
        bins=read_bins(style["bins"]),
        mode=plain(style["mode"]),
        color_by=style["color_by"],
        title=style["title"],
        hotspots=style["hotspots"],
        max_points=style["max_points"],
        credit=style["credit"],
        open=plain(style["open"]),
    )
    return BriefRequest(
        source_from(input, parts["read"], parts["geo"]),
        Output(output, overwrite=overwrite),
        style=map_style,
        filters=filters_from(parts["filters"]),
        population=style["population"],
        png=style["png"],
        png_periods=style["png_periods"],
        **page,
    )


def _run(request: BriefRequest, quiet: bool) -> None:
    with step(f"drawing {request.source.name}"):
        result = run(request)
    print_report(result.report, quiet=quiet)


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
    quiet: bool = quiet_opt(),
    read: dict[str, Any] | None = None,
    geo: dict[str, Any] | None = None,
    filters: dict[str, Any] | None = None,
    style: dict[str, Any] | None = None,
) -> None:
    """Write a choropleth or point map with a time slider (HTML, optional PNG)."""
    assert read is not None and geo is not None and filters is not None and style is not None
    parts = {"read": read, "geo": geo, "filters": filters}
    request = _request(
        input, output, style, overwrite, parts,
        kind=plain(kind), offline=offline, tiles=plain(tiles),
    )  # fmt: skip
    _run(request, quiet)


@geocode_options
@read_options
@filter_options
@_style_options(level=None, png_periods=None)
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
    quiet: bool = quiet_opt(),
    read: dict[str, Any] | None = None,
    geo: dict[str, Any] | None = None,
    filters: dict[str, Any] | None = None,
    style: dict[str, Any] | None = None,
) -> None:
    """Write the briefing page: choropleth + points, one slider, legend, top areas, credits."""
    assert read is not None and geo is not None and filters is not None and style is not None
    parts = {"read": read, "geo": geo, "filters": filters}
    request = _request(
        input, output, style, overwrite, parts,
        kind="briefing", caption=caption, offline=not online, tiles=plain(tiles),
    )  # fmt: skip
    _run(request, quiet)
