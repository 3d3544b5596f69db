"""The boundary cache: the installed layers, checked against their provenance before use."""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from incidentmap._settings import cache_dir
from incidentmap.errors import (
    BoundariesNotInstalledError,
    BoundaryCacheError,
    one_line,
    refuse_choice,
)

if TYPE_CHECKING:  # GeoPandas is imported when a layer is read: `where` needs none
    import geopandas as gpd

__all__ = [
    "DERIVED_CACHES",
    "LEVELS",
    "BoundaryInfo",
    "boundaries_info",
    "credit_line",
    "forget_loaded",
    "layer_key",
    "load_boundaries",
]


_GPKG = "boundaries.gpkg"


_PROVENANCE = "provenance.json"


#: the indexes derived from an installed layer, kept beside it (point locator, gazetteer,
#: district table, province shapes, metric arrays): removed when another layer is installed
DERIVED_CACHES = ("*.npz", "*.npy")


_REINSTALL = (
    "incidentmap boundaries install (or, offline: incidentmap boundaries install `source` PATH)"
)


@dataclass(frozen=True)
class BoundaryInfo:
    """Provenance of the installed boundaries.

    Attributes
    ----------
    path : pathlib.Path
        The GeoPackage holding the ``districts`` and ``provinces`` layers.
    provenance : dict
        Source, URL or path, licence, citation, import date, counts, checksums
        and the province corrections applied.
    """

    path: Path
    provenance: dict[str, Any]

    @property
    def citation(self) -> str:
        """The citation to print on maps made with these boundaries."""
        return str(self.provenance.get("citation", ""))


def write_cache(
    districts: gpd.GeoDataFrame, provs: gpd.GeoDataFrame, provenance: dict[str, Any]
) -> BoundaryInfo:
    """Write the layers and provenance; the old cache stays whole until the new one is."""
    from incidentmap._threads import run_interruptibly
    from incidentmap.atomic import atomic_write

    target = cache_dir()
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BoundaryCacheError(
            f"cannot create the cache folder {target} ({exc.strerror})"
        ) from exc
    try:
        # the layers are published first, then their provenance; each under atomic_write
        with (
            atomic_write(target / _PROVENANCE, overwrite=True) as prov_tmp,
            atomic_write(target / _GPKG, overwrite=True) as gpkg,
        ):

            def write() -> None:
                districts.to_file(gpkg, layer="districts", driver="GPKG", engine="pyogrio")
                provs.to_file(gpkg, layer="provinces", driver="GPKG", engine="pyogrio")

            try:
                run_interruptibly(write)
            except Exception as exc:
                msg = f"cannot write the boundary cache in {target} ({one_line(exc, 200)})"
                raise BoundaryCacheError(msg) from exc
            provenance = {
                **provenance,
                "cache": {"file": _GPKG, "size": gpkg.stat().st_size, "sha256": _sha256(gpkg)},
            }
            # read back what was written before anything moves: its bytes and its layers
            _check_bytes(gpkg, provenance["cache"])
            _check_layers(gpkg, provenance)
            prov_tmp.write_text(json.dumps(provenance, indent=2), "utf-8")
        for pattern in DERIVED_CACHES:  # indexes of the layer just replaced
            for old in target.glob(pattern):
                old.unlink(missing_ok=True)
    except OSError as exc:
        if isinstance(exc, BoundaryCacheError):
            raise
        msg = f"cannot write the boundary cache in {target} ({exc.strerror or exc})"
        raise BoundaryCacheError(msg) from exc
    forget_loaded()
    return BoundaryInfo(target / _GPKG, provenance)


def credit_line(provenance: dict[str, Any]) -> str:
    """Return a short credit line for maps, from the provenance of the installed layer.

    Parameters
    ----------
    provenance : dict
        ``BoundaryInfo.provenance`` (or a layer's ``attrs["provenance"]``).

    Returns
    -------
    str
        E.g. ``"Boundaries: geoBoundaries.org (Runfola et al. 2020)"``.
    """
    if provenance.get("credit"):
        return str(provenance["credit"])
    layout = provenance.get("layout")
    if layout == "geoboundaries":
        return "Boundaries: geoBoundaries.org (Runfola et al. 2020)"
    if layout == "ocha-codab":
        return "Boundaries: AGCHO / OCHA COD-AB Afghanistan"
    if provenance.get("source"):
        return f"Boundaries: {provenance['source']}"
    return "Boundaries: user-supplied layer"


def _damaged(path: Path, reason: str) -> BoundaryCacheError:
    return BoundaryCacheError(
        f"boundary cache {path} is damaged ({reason}); reinstall: {_REINSTALL}"
    )


def _check_cache(gpkg: Path, provenance: dict[str, Any]) -> None:
    """Check that the cache file holds what its provenance says; raise BoundaryCacheError.

    A file whose checksum is the one written at install is the file whose layers were
    read back then: its layers are read again only when no checksum was written.
    """
    if not _check_bytes(gpkg, provenance.get("cache") or {}):
        _check_layers(gpkg, provenance)


def _check_layers(gpkg: Path, provenance: dict[str, Any]) -> None:
    """Check that both layers are there, readable, with the feature counts installed."""
    import pyogrio

    try:
        layers = {str(name) for name, _ in pyogrio.list_layers(gpkg)}
    except Exception as exc:
        raise _damaged(gpkg, f"not a readable GeoPackage: {one_line(exc, 200)}") from exc
    for layer, key in (("districts", "districts"), ("provinces", "provinces")):
        if layer not in layers:
            raise _damaged(gpkg, f"the {layer} layer is missing")
        try:
            count = int(pyogrio.read_info(gpkg, layer=layer)["features"])
        except Exception as exc:
            raise _damaged(gpkg, f"the {layer} layer is unreadable: {one_line(exc, 200)}") from exc
        expected = provenance.get(key)
        if isinstance(expected, int) and count != expected:
            raise _damaged(gpkg, f"{count} {layer}, {expected} were installed")


def _check_bytes(gpkg: Path, rec: dict[str, Any]) -> bool:
    """Check the file's size and checksum against the record written at install.

    Returns
    -------
    bool
        True if the record holds a checksum and the file has it.
    """
    try:
        size = gpkg.stat().st_size
    except OSError as exc:
        raise _damaged(gpkg, exc.strerror or "unreadable") from exc
    if size == 0:
        raise _damaged(gpkg, "the file is empty")
    if rec.get("size") is not None and int(rec["size"]) != size:
        raise _damaged(gpkg, f"{size} bytes, {rec['size']} were written")
    if not rec.get("sha256"):
        return False
    if _sha256(gpkg) != rec["sha256"]:
        raise _damaged(gpkg, "its checksum differs from the one written at install")
    return True


def _sha256(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


@functools.lru_cache(maxsize=4)
def _checked(path: str, mtime: float, size: int, prov_text: str) -> dict[str, Any]:
    prov_path = Path(path).with_name(_PROVENANCE)
    try:
        provenance = json.loads(prov_text)
    except ValueError as exc:
        raise _damaged(prov_path, f"not valid JSON: {exc.msg}") from exc
    if not isinstance(provenance, dict) or not isinstance(provenance.get("districts"), int):
        raise _damaged(prov_path, "not an incidentmap provenance record")
    _check_cache(Path(path), provenance)
    return provenance


def boundaries_info(*, check: bool = True) -> BoundaryInfo:
    """Return the provenance of the installed boundaries, after checking the cache.

    Parameters
    ----------
    check : bool, default True
        Check that the cache file is whole: its size and checksum as written at
        install, both layers present and readable, their feature counts.

    Raises
    ------
    BoundariesNotInstalledError
        If nothing is installed.
    BoundaryCacheError
        If the cache is damaged (the message names the file and the reinstall command).
    """
    path = cache_dir() / _GPKG
    prov = cache_dir() / _PROVENANCE
    if not path.exists() or not prov.exists():
        msg = f"no boundaries installed in {cache_dir()}; run: {_REINSTALL}"
        raise BoundariesNotInstalledError(msg)
    try:
        text = prov.read_text("utf-8")
        st = path.stat()
    except (OSError, UnicodeDecodeError) as exc:
        what = (
            prov
            if isinstance(exc, UnicodeDecodeError)
            else Path(getattr(exc, "filename", prov) or prov)
        )
        raise _damaged(what, getattr(exc, "strerror", None) or "unreadable") from exc
    if not check:
        try:
            return BoundaryInfo(path, json.loads(text))
        except ValueError as exc:
            raise _damaged(prov, f"not valid JSON: {exc}") from exc
    provenance = _checked(str(path), st.st_mtime, st.st_size, text)
    return BoundaryInfo(path, provenance)


@functools.lru_cache(maxsize=4)
def _load_cached(path: str, mtime: float, level: str) -> gpd.GeoDataFrame:
    import geopandas as gpd

    layer = "districts" if level == "district" else "provinces"
    try:
        return gpd.read_file(path, layer=layer, engine="pyogrio")
    except Exception as exc:
        msg = f"the {layer} layer is unreadable: {one_line(exc, 200)}"
        raise _damaged(Path(path), msg) from exc


def load_boundaries(level: str = "district") -> gpd.GeoDataFrame:
    """Load an installed boundary layer.

    Parameters
    ----------
    level : {"district", "province"}, default "district"

    Returns
    -------
    geopandas.GeoDataFrame
        A copy the caller may change. The provenance is in ``.attrs["provenance"]``.

    Raises
    ------
    BoundariesNotInstalledError
        If nothing is installed.
    BoundaryCacheError
        If the cache is damaged.
    UsageError
        If ``level`` is not one of the allowed values.
    """
    refuse_choice(level, LEVELS, "level")
    info = boundaries_info()
    gdf = _load_cached(str(info.path), info.path.stat().st_mtime, level).copy()
    gdf.attrs["provenance"] = info.provenance
    key = layer_key(info.provenance, level)
    if key:
        gdf.attrs["layer_key"] = key
    return gdf


def layer_key(provenance: dict[str, Any], level: str = "district") -> str | None:
    """Return the key the indexes derived from an installed layer are kept under.

    Parameters
    ----------
    provenance : dict
        ``BoundaryInfo.provenance`` of the installed layers.
    level : {"district", "province"}

    Returns
    -------
    str or None
        The checksum of the cache file and the level; None when no checksum was
        written (the indexes are then built in memory).
    """
    sha = (provenance.get("cache") or {}).get("sha256")
    return f"{sha}:{level}" if sha else None


LEVELS = ("district", "province")


def forget_loaded() -> None:
    """Forget the layers loaded in this process (after the cache changed under it)."""
    _load_cached.cache_clear()
    _checked.cache_clear()
