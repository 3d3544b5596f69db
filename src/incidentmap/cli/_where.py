"""``incidentmap where``: the district and province holding a point."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import typer

from incidentmap.errors import IncidentMapError
from incidentmap.geocode import geocode


class PointOutsideError(IncidentMapError, ValueError):
    """The point is in no district."""


def where_cmd(
    lat: float = typer.Argument(..., help="Latitude (WGS84)."),
    lon: float = typer.Argument(..., help="Longitude (WGS84)."),
    snap_km: float = typer.Option(5.0, "--snap-km", min=0, help="Snap distance in km."),
    as_json: bool = typer.Option(False, "--json", help="Print the answer as JSON."),
) -> None:
    """Print the district and province holding a point (LAT LON)."""
    frame = gpd.GeoDataFrame(
        pd.DataFrame({"latitude": [lat], "longitude": [lon]}), geometry=[None], crs="EPSG:4326"
    )
    r = geocode(frame, snap_km=snap_km).iloc[0]
    if r["geocode_method"] == "unplaced":
        raise PointOutsideError(f"{lat}, {lon}: {r['geocode_note']}")
    if as_json:
        out = {
            k: (None if isinstance(r[k], float) and np.isnan(r[k]) else r[k])
            for k in (
                "district",
                "district_id",
                "province",
                "province_code",
                "geocode_method",
                "geocode_note",
            )
        }
        typer.echo(json.dumps(out, ensure_ascii=False))
        return
    line = f"{r['district']} district, {r['province']} province ({r['province_code']})"
    if r["geocode_note"]:
        line += f"  [{r['geocode_note']}]"
    typer.echo(line)
