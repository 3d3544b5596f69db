"""``incidentmap boundaries``: install and inspect the admin boundary layers."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from incidentmap.cli._options import print_report
from incidentmap.jobs.boundaries import InstallRequest, cache_folder, describe, install

app = typer.Typer(
    help="Install and inspect the province and district boundaries.", no_args_is_help=True
)


@app.command("install")
def install_cmd(
    source: Path | None = typer.Option(
        None,
        "--from",
        help="Import a local folder or file instead of downloading "
        "(geoBoundaries ADM1+ADM2, OCHA COD-AB, or any district layer with the two field options).",
    ),
    district_field: str | None = typer.Option(
        None, "--district-field", help="Field with the district name (other layouts)."
    ),
    province_field: str | None = typer.Option(
        None, "--province-field", help="Field with the province name, ISO code or p-code."
    ),
    id_field: str | None = typer.Option(
        None, "--id-field", help="Field with a unique district id."
    ),
    force: bool = typer.Option(
        False, "--force", help="Download again although boundaries are installed."
    ),
) -> None:
    """Download the pinned geoBoundaries release (or import --from PATH) into the cache.

    Without --from, boundaries already installed (and whole) are kept: nothing is downloaded.
    """
    request = InstallRequest(source, district_field, province_field, id_field, force)
    print_report(install(request).report)


@app.command("info")
def info_cmd(
    as_json: bool = typer.Option(False, "--json", help="Print the provenance as JSON."),
) -> None:
    """Show the installed boundaries: source, licence, citation, counts, cache path."""
    p, path = describe()
    if as_json:
        typer.echo(json.dumps({"path": path, **p}, indent=2))
        return
    src = p.get("url") or p.get("path")
    if isinstance(src, dict):
        src = ", ".join(src.values())
    lines = [
        ("source", p.get("source")),
        ("from", src),
        ("licence", p.get("licence")),
        ("citation", p.get("citation")),
        ("imported", p.get("imported")),
        ("districts", p.get("districts")),
        ("provinces", p.get("provinces")),
        *(
            [("provinces missing", ", ".join(m["name"] for m in p["provinces_missing"]))]
            if p.get("provinces_missing")
            else []
        ),
        ("province assignment", p.get("province_assignment")),
        ("corrections", ", ".join(c["district"] for c in p.get("corrections_applied", [])) or "-"),
        ("cache", path),
    ]
    for key, value in lines:
        typer.echo(f"{key + ':':<21}{value}")


@app.command("path")
def path_cmd() -> None:
    """Print the cache folder (set INCIDENTMAP_CACHE_DIR to move it)."""
    typer.echo(cache_folder())
