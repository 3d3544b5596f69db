"""``incidentmap query``: filter incidents by place, distance, area, date, actor..."""

from __future__ import annotations

import math
import re
import sys
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from incidentmap.cli._options import (
    QueryFormat,
    console_err,
    csv_safe_opt,
    filter_options,
    geocode_options,
    load_filtered,
    plain,
    read_options,
)
from incidentmap.errors import UsageError
from incidentmap.io.frames import dates_as_text, write_csv, write_geojson_text
from incidentmap.query import incidents_in, incidents_near, resolve_location, sort_incidents

FORMATS = ("table", "csv", "geojson", "ndjson", "geojsonseq")
_TABLE_COLUMNS = (
    "distance_km",
    "match",
    "date",
    "province",
    "district",
    "event_type",
    "actor",
    "fatalities",
    "geocode_precision",
    "notes",
)


def _bbox(value: str | None) -> tuple[float, float, float, float] | None:
    if value is None:
        return None
    parts = value.split(",")
    try:
        nums = tuple(float(p) for p in parts)
    except ValueError:
        nums = ()
    if len(nums) != 4 or not all(math.isfinite(v) for v in nums):
        msg = f"--bbox: expected min_lon,min_lat,max_lon,max_lat, got {value!r}"
        raise UsageError(msg)
    minx, miny, maxx, maxy = nums
    if minx > maxx or miny > maxy:  # refused here, before the (possibly large) input is read
        msg = f"--bbox: the minimum comes first (min_lon,min_lat,max_lon,max_lat), got {value!r}"
        raise UsageError(msg)
    return nums  # type: ignore[return-value]


@geocode_options
@read_options
@filter_options
def query_cmd(
    input: str = typer.Argument(..., help="Incident file (raw or geocoded), or - for stdin."),
    near: str | None = typer.Option(
        None, "--near", help="Place, district or province name, or LAT,LON."
    ),
    km: float = typer.Option(25.0, "--km", min=0, help="Distance for --near, in km."),
    province: str | None = typer.Option(None, "--province", help="Province (any spelling)."),
    district: str | None = typer.Option(None, "--district", help="District (any spelling)."),
    bbox: str | None = typer.Option(None, "--bbox", help="min_lon,min_lat,max_lon,max_lat."),
    within: Path | None = typer.Option(None, "--within", help="Polygon file (GeoJSON, GPKG...)."),
    limit: int | None = typer.Option(None, "--limit", min=0, help="Print at most this many."),
    sort: str | None = typer.Option(
        None,
        "--sort",
        help="Sort by a column (-col: descending); default: distance for --near, else date.",
    ),
    fmt: QueryFormat | None = typer.Option(
        None, "--format", "-f", help="Output format (default: table on a terminal, else csv)."
    ),
    precision_digits: int = typer.Option(
        6, "--coord-precision", min=0, max=15, help="Coordinate decimals in GeoJSON output."
    ),
    csv_safe: bool = csv_safe_opt(),
    include_area_events: bool = typer.Option(
        False,
        "--include-area-events",
        help="With --near/--bbox/--within, also list events placed only to a district or "
        "province whose area is in range (distance to the area's edge).",
    ),
    read: dict[str, Any] | None = None,
    geo: dict[str, Any] | None = None,
    filters: dict[str, Any] | None = None,
) -> None:
    """Find incidents near a place or point, in an area, in a date range, by actor..."""
    assert read is not None and geo is not None and filters is not None
    fmt = plain(fmt) or ("table" if sys.stdout.isatty() else "csv")
    total_box = _bbox(bbox)
    # resolve the place before reading: a misspelt name fails fast
    location = resolve_location(near, province=province) if near is not None else None
    g = load_filtered(input, read, geo, filters)
    g = incidents_in(
        g,
        province=province,
        district=district,
        bbox=total_box,
        within=within,
        include_area_events=include_area_events,
    )
    area_events, area_inside = g.attrs.get("area_events", 0), g.attrs.get("area_inside", 0)
    if location is not None:
        g = incidents_near(g, location, km, include_area_events=include_area_events)
        area_events, area_inside = g.attrs["area_events"], g.attrs["area_inside"]
        console_err.print(f"near: {g.attrs['near']}, within {km:g} km")
        if sort:
            g = sort_incidents(g, sort)
    else:
        g = sort_incidents(g, sort)
    _say_area_events(area_events, area_inside, include_area_events)
    matched = len(g)
    if limit is not None:
        g = g.head(limit)
    if matched == 0:
        console_err.print("no incidents match")
    else:
        shown = f" (showing {len(g)})" if len(g) < matched else ""
        console_err.print(f"{matched} incidents match{shown}")
    _emit(g, fmt, precision_digits, csv_safe=csv_safe)


def _say_area_events(area_events: int, area_inside: int, included: bool) -> None:
    """Say how many events placed only to an area were listed or left out, and why."""
    if area_inside:
        console_err.print(
            f"listed: {area_inside} events placed only to a district or province that lies "
            "wholly inside the query area (match = area inside; distance_km to the area's edge)"
        )
    if area_events and not included:
        console_err.print(
            f"left out: {area_events} events placed only to a district or province that overlaps "
            "the query area, and may lie outside it (--include-area-events lists them)"
        )
    elif area_events:
        console_err.print(
            f"listed: {area_events} events placed only to a district or province that overlaps "
            "the query area (match = area overlaps; distance_km to the area's edge)"
        )


_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[@-_]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def terminal_text(value: object) -> str:
    """Text safe to print on a terminal: escape sequences and control characters removed.

    A value from an input file may hold ANSI escapes (colours, cursor moves, a new
    window title) or bidirectional overrides; in a table they would act, not show.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = f"{value:,.0f}"  # a toll of 1 reads "1", not "1.0"
    elif isinstance(value, int) and not isinstance(value, bool):
        value = f"{value:,}"
    text = _ANSI.sub("", str(value))
    return _CONTROL.sub(" ", text)


def _emit(g: gpd.GeoDataFrame, fmt: str, digits: int, *, csv_safe: bool = False) -> None:
    out = sys.stdout
    if fmt == "csv":
        write_csv(g, out, geometry_digits=digits, csv_safe=csv_safe)
    elif fmt == "geojson":
        write_geojson_text(g, out, digits)
    elif fmt in ("ndjson", "geojsonseq"):
        write_geojson_text(g, out, digits, lines=fmt)
    else:
        _emit_table(g)


def _emit_table(g: gpd.GeoDataFrame) -> None:
    table = Table(show_lines=False)
    cols = [c for c in _TABLE_COLUMNS if c in g.columns]
    for c in cols:
        table.add_column(c, overflow="fold", max_width=60 if c == "notes" else None)
    records = dates_as_text(pd.DataFrame(g.drop(columns=[g.geometry.name])))
    for _, r in records.iterrows():
        table.add_row(*[Text(terminal_text(None if pd.isna(r[c]) else r[c])) for c in cols])
    Console(soft_wrap=False, markup=False, highlight=False).print(table)
