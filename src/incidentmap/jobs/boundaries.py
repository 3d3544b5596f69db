"""The ``boundaries`` jobs: install the province and district layers, and describe them."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from incidentmap.errors import carrying, plural
from incidentmap.jobs.report import Report

__all__ = ["InstallRequest", "cache_folder", "describe", "install", "unwritable_cache"]


@dataclass(frozen=True)
class InstallRequest:
    """Where the boundaries come from.

    Attributes
    ----------
    source : path, optional
        A local folder or file (geoBoundaries ADM1+ADM2, OCHA COD-AB, any district layer
        with the field options); None downloads the pinned geoBoundaries release.
    district_field, province_field, id_field : str, optional
        The fields of another layout.
    force : bool
        Download again although boundaries are installed (without a ``source``, layers that
        are installed and whole are kept: the command works offline once installed).
    """

    source: str | os.PathLike[str] | None = None
    district_field: str | None = None
    province_field: str | None = None
    id_field: str | None = None
    force: bool = False


@dataclass
class Installed:
    """What was installed: its provenance and the report."""

    provenance: dict[str, Any]
    path: str
    report: Report = field(default_factory=Report)


def install(request: InstallRequest) -> Installed:
    """Install the boundary layers into the cache.

    Parameters
    ----------
    request : InstallRequest

    Returns
    -------
    Installed
    """
    from incidentmap.boundaries import install_boundaries

    report = Report()
    kept = _kept_or_again(request, report)
    if isinstance(kept, Installed):
        return kept
    request = kept
    where = (
        f"from {request.source}" if request.source else "geoBoundaries (pinned release) download"
    )
    report.add("installing", f"installing boundaries: {where}", kind="info")
    with carrying(report):  # a failure prints what was said first (a damaged cache)
        info = install_boundaries(
            request.source,
            district_field=request.district_field,
            province_field=request.province_field,
            id_field=request.id_field,
            progress=request.source is None,
        )
    p = info.provenance
    report.add(
        "installed",
        f"installed {plural(p['districts'], 'district')} in "
        f"{plural(p['provinces'], 'province')} to {info.path}",
        kind="info",
    )
    missing = p.get("provinces_missing") or []
    if missing:
        names = ", ".join(f"{m['name']} ({m['code']})" for m in missing)
        doubled = _doubled()
        report.add(
            "provinces_missing",
            f"no district of the layer lies in {len(missing)} of the 34 provinces: {names}; "
            f"their incidents are counted in the province the layer's features name{doubled}",
            kind="warning",
        )
    for fix in p.get("corrections_applied", []):
        report.add(
            "corrected",
            f"  corrected province of {fix['district']}: {fix['from']} -> {fix['to']}",
            kind="info",
        )
    _warm()
    return Installed(dict(p), str(info.path), report)


def _kept(report: Report) -> Installed | str | None:
    """Keep the installed layers when they are whole and current (say so); else install them.

    The pinned geoBoundaries layers (downloaded or from a local copy) are kept; another
    layer the user installed (OCHA's, their own) is kept too, with a warning that it is not
    the default; a damaged cache, and a geoBoundaries layer that lacks this version's
    province corrections, are said and installed again from the local copy they came from
    (its path, when the record says it), or downloaded (None).
    """
    from incidentmap.boundaries import boundaries_info, load_boundaries, stale_corrections
    from incidentmap.errors import BoundariesNotInstalledError, BoundaryCacheError

    try:
        info = boundaries_info(check=True)
    except BoundariesNotInstalledError:
        return None
    except BoundaryCacheError as exc:
        why = str(exc).split("; reinstall:")[0]
        source = _local_source()
        whence = f" from {source}, the local copy they came from" if source else ""
        report.add("damaged", f"the installed boundaries are damaged: {why}; installing "
                   f"again{whence}", kind="warning")  # fmt: skip
        return source
    p, path = dict(info.provenance), str(info.path)
    what = (f"{p.get('source', 'a district layer')} ({plural(p.get('districts', 0), 'district')} "
            f"in {plural(p.get('provinces', 0), 'province')}, {path})")  # fmt: skip
    pinned = p.get("layout") == "geoboundaries"
    stale = stale_corrections(load_boundaries("district")) if pinned else []
    if stale:
        local = p.get("kind") == "local" and p.get("path") and Path(str(p["path"])).exists()
        report.add("stale", f"the installed boundaries lack this version's province corrections "
                   f"({'; '.join(stale)}): installing again", kind="warning")  # fmt: skip
        return str(p["path"]) if local else None
    if p.get("layout") == "geoboundaries":
        report.add("kept", f"boundaries already installed: {what}; `force` downloads the "
                   "pinned release anyway", kind="info")  # fmt: skip
    else:
        line = (f"boundaries installed: {what}, not the pinned geoBoundaries release; kept "
                "(`force` replaces them with the download)")  # fmt: skip
        report.add("kept", line, kind="warning")
    return Installed(p, path, report)


def _local_source() -> str | None:
    """Return the local copy a damaged cache was installed from, when its record says so."""
    from incidentmap.boundaries import boundaries_info
    from incidentmap.errors import IncidentMapError

    try:
        p = boundaries_info(check=False).provenance  # the record alone: the layers are damaged
    except IncidentMapError:
        return None
    path = p.get("path") if p.get("kind") == "local" else None
    return str(path) if path and Path(str(path)).exists() else None


def _kept_or_again(request: InstallRequest, report: Report) -> Installed | InstallRequest:
    """Return the layers kept (said), or the request to install (stale: from their source)."""
    if request.force:
        return request
    if request.source is None:
        kept = _kept(report)
        if isinstance(kept, Installed):
            return kept
        # stale or damaged: installed again from where it came from
        return replace(request, source=kept) if kept is not None else request
    same = _same_source(request, report)
    return same if same is not None else request


def _same_source(request: InstallRequest, report: Report) -> Installed | None:
    """Keep the layers installed from this very folder or file, unchanged since (say so)."""
    from incidentmap.boundaries.install import installed_from

    source = request.source
    if source is None:
        return None
    fields = (request.district_field, request.province_field, request.id_field)
    info = installed_from(source, *fields)
    if info is None:
        return None
    p = dict(info.provenance)
    report.add("kept", f"boundaries already installed from {source}, its files unchanged "
               f"({plural(p.get('districts', 0), 'district')} in "
               f"{plural(p.get('provinces', 0), 'province')}, {info.path}); `force` installs "
               "them again", kind="info")  # fmt: skip
    return Installed(p, str(info.path), report)


def _doubled() -> str:
    """`` (the field names Parwan for 2 features, ...)`` when a layer looks province-level."""
    from incidentmap.boundaries import load_boundaries

    districts = load_boundaries("district")
    if len(districts) > 60:  # a district layer: many districts per province is normal
        return ""
    counts = districts["province"].value_counts()
    twice = [f"{name} for {n} features" for name, n in counts.items() if n > 1]
    return f" (the province field names {', '.join(twice)})" if twice else ""


def _warm() -> None:
    """Build the indexes kept beside the cache now (a few seconds once), not on first use.

    The first ``where``, ``query`` or ``brief`` after an install then answers at once.
    """
    from incidentmap.context import BoundaryContext

    ctx = BoundaryContext.installed()
    _ = ctx.locator, ctx.district_table, ctx.gazetteer, ctx.province_geometry


def describe() -> tuple[dict[str, Any], str]:
    """Return the installed layers' provenance and their cache folder."""
    from incidentmap.boundaries import boundaries_info

    info = boundaries_info()
    return dict(info.provenance), str(info.path)


def cache_folder() -> str:
    """Return the cache folder (``INCIDENTMAP_CACHE_DIR`` moves it)."""
    from incidentmap.boundaries import cache_dir

    return str(cache_dir())


def unwritable_cache() -> list[tuple[str, str]]:
    """Return (and forget) the cache folders this run could not write, with the reason.

    The indexes were built in memory instead (slower, never fatal); the command line says
    so once at the end of the run.
    """
    from incidentmap._settings import UNWRITABLE_CACHE

    out = [(str(folder), str(why)) for folder, why in UNWRITABLE_CACHE.items()]
    UNWRITABLE_CACHE.clear()
    return out
