"""``incidentmap query``: filter incidents by place, distance, area, date, actor..."""

from __future__ import annotations

import json
import math
import re
import sys
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely
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
from incidentmap.io.frames import write_csv
from incidentmap.query import incidents_in, incidents_near, resolve_location, sort_incidents

FORMATS = ("table", "csv", "geojson", "ndjson", "geojsonseq")
_TABLE_COLUMNS = (
    "distance_km",
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
    if len(nums) != 4:
        msg = f"--bbox: expected min_lon,min_lat,max_lon,max_lat, got {value!r}"
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
    area_events = g.attrs.get("area_events", 0)
    if location is not None:
        g = incidents_near(g, location, km, include_area_events=include_area_events)
        area_events = g.attrs.get("area_events", 0)
        console_err.print(f"near: {g.attrs['near']}, within {km:g} km")
        if sort:
            g = sort_incidents(g, sort)
    else:
        g = sort_incidents(g, sort)
    _say_area_events(area_events, include_area_events)
    matched = len(g)
    if limit is not None:
        g = g.head(limit)
    if matched == 0:
        console_err.print("no incidents match")
    else:
        shown = f" (showing {len(g)})" if len(g) < matched else ""
        console_err.print(f"{matched} incidents match{shown}")
    _emit(g, fmt, precision_digits, csv_safe=csv_safe)


def _say_area_events(area_events: int, included: bool) -> None:
    """Say how many events placed only to an area were left out or listed."""
    if area_events and not included:
        console_err.print(
            f"left out: {area_events} events placed only to a district or province overlap "
            "the query area (--include-area-events lists them, with the distance to the area)"
        )
    elif area_events:
        console_err.print(
            f"listed: {area_events} events placed only to a district or province "
            "(distance_km is to the area's edge; see geocode_precision)"
        )


def _plain_records(g: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(g.drop(columns=[g.geometry.name]) if isinstance(g, gpd.GeoDataFrame) else g)
    for c in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[c]):
            out[c] = out[c].dt.strftime("%Y-%m-%d")
    return out


def _json_value(v: Any) -> Any:
    if v is None:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    if hasattr(v, "item"):
        return v.item()
    if v is pd.NA or v is pd.NaT:
        return None
    return v


def _features(g: gpd.GeoDataFrame, digits: int) -> list[dict[str, Any]]:
    props = _plain_records(g)
    geoms = shapely.set_precision(g.geometry.values, 10.0**-digits)
    feats = []
    for (_, row), geom in zip(props.iterrows(), geoms, strict=True):
        feats.append(
            {
                "type": "Feature",
                "properties": {k: _json_value(v) for k, v in row.items()},
                "geometry": None
                if geom is None or geom.is_empty
                else shapely.geometry.mapping(geom),
            }
        )
    return feats


_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[@-_]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def terminal_text(value: object) -> str:
    """Text safe to print on a terminal: escape sequences and control characters removed.

    A value from an input file may hold ANSI escapes (colours, cursor moves, a new
    window title) or bidirectional overrides; in a table they would act, not show.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    text = _ANSI.sub("", str(value))
    return _CONTROL.sub(" ", text)


def _emit(g: gpd.GeoDataFrame, fmt: str, digits: int, *, csv_safe: bool = False) -> None:
    out = sys.stdout
    if fmt == "csv":
        write_csv(g, out, geometry_digits=digits, csv_safe=csv_safe)
    elif fmt == "geojson":
        json.dump(
            {"type": "FeatureCollection", "features": _features(g, digits)}, out, ensure_ascii=False
        )
        out.write("\n")
    elif fmt in ("ndjson", "geojsonseq"):
        lead = "\x1e" if fmt == "geojsonseq" else ""
        for feat in _features(g, digits):
            out.write(lead + json.dumps(feat, ensure_ascii=False) + "\n")
    else:
        _emit_table(g)


def _emit_table(g: gpd.GeoDataFrame) -> None:
    table = Table(show_lines=False)
    cols = [c for c in _TABLE_COLUMNS if c in g.columns]
    for c in cols:
        table.add_column(c, overflow="fold", max_width=60 if c == "notes" else None)
    for _, r in _plain_records(g).iterrows():
        table.add_row(*[Text(terminal_text(None if pd.isna(r[c]) else r[c])) for c in cols])
    Console(soft_wrap=False).print(table)
