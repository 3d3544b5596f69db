"""Which layer of a GIS file holds the incidents."""

from __future__ import annotations

from pathlib import Path

from incidentmap.errors import UsageError

__all__ = ["gis_layer"]


#: the layers incidentmap writes its incidents to (geocode, export, merge), in that order
_OWN_LAYERS = ("incidents", "points", "merged")


def gis_layer(path: Path, layer: str | None) -> str | None:
    """Return the layer of a GIS file to read: the one named, the only one, or our own.

    A file of several layers read from its first (GDAL's default) could be the wrong table
    without a word; one layer, or one incidentmap wrote (``incidents``, ``points``,
    ``merged``), is clear; otherwise the layers are named and one must be chosen.
    """
    if layer is not None:
        return layer
    import pyogrio

    try:
        names = [str(n) for n, _ in pyogrio.list_layers(path)]
    except Exception:  # not a file GDAL lists layers of: let the reader say why
        return None
    if len(names) <= 1:
        return None
    own = [n for n in _OWN_LAYERS if n in names]
    if own:
        return own[0]
    msg = f"the file holds {len(names)} layers ({', '.join(names[:8])}): name one with `in_layer`"
    raise UsageError(msg, field="in_layer")
