"""Install and load Afghanistan's province and district boundaries.

The canonical result of an install is two layers in one GeoPackage in the user
cache, both EPSG:4326 and valid:

* ``districts``: ``district_id``, ``district``, ``province_code`` (ISO 3166-2,
  e.g. ``"AF-NAN"``), ``province`` (common English name), geometry;
* ``provinces``: ``province_code``, ``province``, ``pcode``, ``n_districts``,
  geometry, dissolved from the districts so that the two levels nest exactly.

Sources: the pinned geoBoundaries release (default, downloaded), or a local
copy of it, an OCHA COD-AB district layer, or any district layer with a
district name field and a province field (a local path).

The package: :mod:`~incidentmap.boundaries.sources` (reading each kind of source),
:mod:`~incidentmap.boundaries.install` (:func:`install_boundaries`) and
:mod:`~incidentmap.boundaries.cache` (:func:`load_boundaries`, checked against the
provenance written at install time).
"""

from __future__ import annotations

from typing import Any

from incidentmap._settings import CACHE_ENV, cache_dir
from incidentmap.boundaries.cache import (
    LEVELS,
    BoundaryInfo,
    boundaries_info,
    credit_line,
    forget_loaded,
    load_boundaries,
)

#: names whose modules read layers (GeoPandas): imported on first use, so that a question the
#: cached indexes answer (``where``) does not load them
_LAZY = {
    "install_boundaries": "incidentmap.boundaries.install",
    "dissolve_provinces": "incidentmap.boundaries.sources",
    "manifest": "incidentmap.boundaries.sources",
    "stale_corrections": "incidentmap.boundaries.sources",
}


def __getattr__(name: str) -> Any:
    """Import the names of :data:`_LAZY` (they read layers) on first use."""
    if name not in _LAZY:
        msg = f"module {__name__!r} has no attribute {name!r}"
        raise AttributeError(msg)
    import importlib

    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value


__all__ = [
    "CACHE_ENV",
    "LEVELS",
    "BoundaryInfo",
    "boundaries_info",
    "cache_dir",
    "credit_line",
    "dissolve_provinces",
    "forget_loaded",
    "install_boundaries",
    "load_boundaries",
    "manifest",
]
