"""``incidentmap where``: the district and province holding a point."""

from __future__ import annotations

import json

import typer

from incidentmap.cli._text import terminal_text
from incidentmap.jobs.where import read_point, run


def where_cmd(
    lat: str = typer.Argument(..., help="Latitude (WGS84), or LAT,LON in one argument."),
    lon: str | None = typer.Argument(None, help="Longitude (WGS84)."),
    snap_km: float = typer.Option(
        5.0, "--snap-km", min=0, max=50, help="Snap distance in km (at most 50)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the answer as JSON."),
) -> None:
    """Print the district and province holding a point (LAT LON)."""
    answer = run(*read_point(lat, lon), snap_km=snap_km)
    if as_json:
        typer.echo(json.dumps(answer.as_dict(), ensure_ascii=False))
        return
    typer.echo(terminal_text(answer.line()))  # names from an installed layer may hold escapes
