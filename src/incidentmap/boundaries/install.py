"""Installing the boundaries: a source read, checked, made canonical and written to the cache."""

from __future__ import annotations

import datetime as _dt
import os
from pathlib import Path
from typing import Any

import geopandas as gpd

from incidentmap.boundaries.cache import BoundaryInfo, credit_line, write_cache
from incidentmap.boundaries.sources import (
    dissolve_provinces,
    download_geoboundaries,
    finish_districts,
    from_generic,
    from_geoboundaries,
    from_ocha,
    locate_source,
    read_layer,
    sha256_of,
    stale_corrections,
)
from incidentmap.errors import (
    BoundarySourceError,
    IncidentMapError,
    UsageError,
)

__all__ = ["install_boundaries", "installed_from"]


# ---------------------------------------------------------------------------------------------
# install


def install_boundaries(
    source: str | os.PathLike[str] | None = None,
    *,
    district_field: str | None = None,
    province_field: str | None = None,
    id_field: str | None = None,
    progress: bool = False,
    force: bool = False,
) -> BoundaryInfo:
    """Install the district and province layers into the cache.

    Layers installed from this same local ``source``, whose files have not changed since
    (their SHA-256), are kept as they are (:func:`installed_from`): a notebook that begins
    by installing them pays once, not on every run (``force`` installs them again).

    Parameters
    ----------
    source : path-like, optional
        ``None`` downloads the pinned geoBoundaries release (see
        ``boundaries/manifest.json``). Otherwise a local folder or file: the
        geoBoundaries ADM1 + ADM2 files (GeoJSON, GeoPackage, shapefile or zip),
        an OCHA COD-AB district layer (``ADM2_EN``, ``ADM2_PCODE``,
        ``ADM1_PCODE``...), or any district layer with ``district_field`` and
        ``province_field``.
    district_field, province_field : str, optional
        For a layer of another layout: the fields holding the district name
        and the province (any spelling, ISO code or p-code).
    id_field : str, optional
        Field holding a unique district identifier (default: the source's own,
        or ``<province code>-<row number>``).
    progress : bool, default False
        Show a download progress bar on standard error.
    force : bool, default False
        Install again although the layers were installed from this source, unchanged.

    Returns
    -------
    BoundaryInfo

    Raises
    ------
    DownloadError
        If the pinned files cannot be downloaded (no network) or are not what
        the manifest says.
    BoundarySourceError
        If the source's layout is not recognised or a field is missing.
    """
    if (district_field is None) != (province_field is None):
        msg = "give both district_field and province_field, or neither"
        raise UsageError(msg)
    if source is not None and not force:
        kept = installed_from(source, district_field, province_field, id_field)
        if kept is not None:
            return kept
    if source is None:
        adm2_path, adm1_path, origin = download_geoboundaries(progress=progress)
    else:
        adm2_path, adm1_path = locate_source(Path(source), generic=district_field is not None)
        origin = {"kind": "local", "path": str(Path(source).resolve())}
    adm2 = read_layer(adm2_path)
    districts, meta = _canonical(
        adm2, adm2_path, adm1_path, district_field, province_field, id_field
    )
    districts, repaired = finish_districts(districts, adm2_path)
    provs = dissolve_provinces(districts)
    provenance = {
        **meta,
        **origin,
        "files": {
            "districts": {"path": str(adm2_path), "sha256": sha256_of(adm2_path)},
            **(
                {"provinces": {"path": str(adm1_path), "sha256": sha256_of(adm1_path)}}
                if adm1_path is not None and meta.get("layout") == "geoboundaries"
                else {}
            ),
        },
        "imported": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "districts": len(districts),
        "provinces": len(provs),
        "provinces_missing": _missing_provinces(districts),
        "crs": "EPSG:4326",
        "repaired_polygons": repaired,
    }
    provenance.setdefault("credit", credit_line(provenance))
    return write_cache(districts, provs, provenance)


def installed_from(source: str | os.PathLike[str], *fields: str | None) -> BoundaryInfo | None:
    """Return the installed layers when they came from ``source`` and it has not changed.

    The same folder or file (resolved), every file it gave read again to the same SHA-256,
    the cache whole, and (for geoBoundaries) this version's province corrections in it;
    else None: the layers are to be installed. ``fields`` are the field names the install
    is asked to read (``district_field``, ``id_field``...): any one given asks for another
    reading of the same files, so nothing is kept.
    """
    from incidentmap.boundaries.cache import boundaries_info, load_boundaries

    if any(f is not None for f in fields):
        return None
    try:
        info = boundaries_info(check=True)
    except IncidentMapError:  # not installed, or damaged
        return None
    p = info.provenance
    if p.get("kind") != "local" or p.get("path") != str(Path(source).resolve()):
        return None
    if not _unchanged(p.get("files") or {}):
        return None
    if p.get("layout") == "geoboundaries" and stale_corrections(load_boundaries("district")):
        return None
    return info


def _unchanged(files: dict[str, Any]) -> bool:
    """Tell whether every file a source gave is there with the SHA-256 it had (none: no)."""
    paths = [(Path(str(f.get("path", ""))), f.get("sha256")) for f in files.values()]
    return bool(paths) and all(p.is_file() and sha256_of(p) == digest for p, digest in paths)


def _missing_provinces(districts: gpd.GeoDataFrame) -> list[dict[str, str]]:
    """Return the provinces no district of the layer lies in (code and name).

    A layer whose features name a province twice (Natural Earth's admin-1 layer calls
    Panjshir "Parwan" and Daykundi "Uruzgan") installs fewer than 34 provinces; the install
    says which ones have no area, so that no count of them is silently zero.
    """
    from incidentmap.gazetteer import provinces

    have = set(districts["province_code"].astype(str))
    return [{"code": c, "name": p.name} for c, p in sorted(provinces().items()) if c not in have]


# ---------------------------------------------------------------------------------------------
# load


def _canonical(
    adm2: gpd.GeoDataFrame,
    adm2_path: Path,
    adm1_path: Path | None,
    district_field: str | None,
    province_field: str | None,
    id_field: str | None,
) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    """Return the districts of a source in the canonical layout, by the source's layout."""
    if district_field is not None:
        return from_generic(adm2, adm2_path, district_field, province_field, id_field)
    if {"ADM2_EN", "ADM1_PCODE"} <= set(adm2.columns):
        return from_ocha(adm2, id_field)
    if {"shapeName", "shapeID"} <= set(adm2.columns):
        kinds = set(adm2["shapeType"].astype(str)) if "shapeType" in adm2.columns else set()
        if kinds and kinds <= {"ADM0", "ADM1"}:
            msg = (
                f"{adm2_path}: this is geoBoundaries' {'/'.join(sorted(kinds))} layer "
                f"({len(adm2)} features), not the districts (ADM2); give the folder that holds "
                "the ADM1 and ADM2 files"
            )
            raise BoundarySourceError(msg)
        if adm1_path is None:
            msg = (
                f"{adm2_path}: a geoBoundaries ADM2 layer has no province field; give the folder "
                "that also holds the ADM1 file, or name `district_field` and `province_field`"
            )
            raise BoundarySourceError(msg)
        return from_geoboundaries(adm2, read_layer(adm1_path), id_field)
    cols = ", ".join(c for c in adm2.columns if c != "geometry")
    msg = (
        f"{adm2_path}: unknown district layer layout (fields: {cols}); "
        "name `district_field` and `province_field`"
    )
    raise BoundarySourceError(msg)
