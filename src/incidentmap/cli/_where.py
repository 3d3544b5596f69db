"""``incidentmap where``: the district and province holding a point."""

from __future__ import annotations

import json
import math
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import typer

from incidentmap.cli._query import terminal_text
from incidentmap.errors import IncidentMapError, UsageError
from incidentmap.geocode import geocode


class PointOutsideError(IncidentMapError, ValueError):
    """The point is in no district."""


def where_cmd(
    lat: float = typer.Argument(..., help="Latitude (WGS84)."),
    lon: float = typer.Argument(..., help="Longitude (WGS84)."),
    snap_km: float = typer.Option(
        5.0, "--snap-km", min=0, max=50, help="Snap distance in km (at most 50)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the answer as JSON."),
) -> None:
    """Print the district and province holding a point (LAT LON)."""
    if not (math.isfinite(lat) and math.isfinite(lon) and abs(lat) <= 90 and abs(lon) <= 180):
        msg = f"LAT LON must be degrees (-90..90, -180..180), got {lat:g} {lon:g}"
        raise UsageError(msg)
    frame = gpd.GeoDataFrame(
        pd.DataFrame({"latitude": [lat], "longitude": [lon]}), geometry=[None], crs="EPSG:4326"
    )
    r = geocode(frame, snap_km=snap_km).iloc[0]
    if r["geocode_method"] == "unplaced":
        raise PointOutsideError(f"{lat}, {lon}: {r['geocode_note']}")
    if as_json:
        typer.echo(json.dumps(_answer(r), ensure_ascii=False))
        return
    line = f"{r['district']} district, {r['province']} province ({r['province_code']})"
    if r["geocode_note"]:
        line += f"  [{r['geocode_note']}]"
    typer.echo(terminal_text(line))  # names from an installed layer may hold escapes


_FIELDS = ("district", "district_id", "province", "province_code", "geocode_method", "geocode_note")


def _answer(r: pd.Series) -> dict[str, Any]:
    """Return the answer's fields, missing values as None."""
    return {k: (None if isinstance(r[k], float) and np.isnan(r[k]) else r[k]) for k in _FIELDS}
