"""``incidentmap where``: the district and province holding a point."""

from __future__ import annotations

import json
import re

import typer

from incidentmap.cli._text import terminal_text
from incidentmap.errors import UsageError
from incidentmap.jobs.where import read_point, run

#: click settings of the command: a coordinate may start with a minus sign (``-70.45``),
#: which click would take for an option; :func:`where_cmd` refuses what is not a number
CONTEXT_SETTINGS = {"ignore_unknown_options": True}


def where_cmd(
    lat: str = typer.Argument(..., help="Latitude (WGS84), or LAT,LON in one argument."),
    lon: str | None = typer.Argument(None, help="Longitude (WGS84)."),
    snap_km: float = typer.Option(
        5.0, "--snap-km", min=0, max=50, help="Snap distance in km (at most 50)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the answer as JSON."),
) -> None:
    """Print the district and province holding a point (LAT LON).

    A coordinate is read as in files: 34.43 70.45, 34.43,70.45, 34,43 70,45 (decimal
    commas), 34.43N 70.45E or 34°26'N 70°27'E (hemisphere letters say which is which).
    """
    for value in (lat, lon):
        if value is not None and re.match(r"-[^\d.]", value):  # an option no one knows
            raise UsageError(f"no such option: {value.split('=')[0]}", field="lat_lon")
    answer = run(*read_point(lat, lon), snap_km=snap_km)
    if as_json:
        typer.echo(json.dumps(answer.as_dict(), ensure_ascii=False))
        return
    typer.echo(terminal_text(answer.line()))  # names from an installed layer may hold escapes
