"""Browser encoding: geometry and numbers in the compact form the page script decodes.

Coordinates travel as integers of 1e-4 degree (~11 m), delta-encoded; integer arrays as
base-36 runs.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from incidentmap.errors import UsageError

SCALE = 10_000  # coordinates travel as integers of 1e-4 degree (~11 m), delta-encoded


_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


def pack_ints(values: Any) -> dict[str, Any]:
    """Pack integers >= -1 (-1: none) as one fixed-width base-36 string.

    About half the size of a JSON array of the same numbers; the page's script
    unpacks it with ``parseInt(chunk, 36) - 1``.
    """
    arr = np.asarray(values, dtype=np.int64) + 1
    if len(arr) and arr.min() < 0:
        msg = "pack_ints takes integers >= -1"
        raise ValueError(msg)
    top = int(arr.max()) if len(arr) else 0
    width = 1
    while 36**width <= top:
        width += 1
    if len(arr) and top == int(arr.min()):
        return {"k": top - 1, "n": len(arr)}  # a constant column
    digits = np.empty((len(arr), width), dtype="<U1")
    rest = arr.copy()
    table = np.array(list(_DIGITS))
    for pos in range(width - 1, -1, -1):
        digits[:, pos] = table[rest % 36]
        rest //= 36
    return {"w": width, "s": "".join(digits.ravel().tolist())}


def unpack_ints(packed: dict[str, Any] | list[Any]) -> list[int]:
    """Invert :func:`pack_ints` (a plain list passes through)."""
    if isinstance(packed, list):
        return packed
    if "k" in packed:
        return [packed["k"]] * packed["n"]
    w, text = packed["w"], packed["s"]
    return [int(text[i : i + w], 36) - 1 for i in range(0, len(text), w)]


def area_values(areas: dict[str, Any]) -> np.ndarray:
    """Return the area x period matrix of a payload's ``areas`` (NaN: no data)."""
    rows = []
    for row in areas["values"]:
        if isinstance(row, dict):
            rows.append([np.nan if v == -1 else v for v in unpack_ints(row)])
        else:
            rows.append([np.nan if v is None else v for v in row])
    return np.array(rows, dtype=float)


def _ring(coords: np.ndarray) -> list[int]:
    q = np.round(np.asarray(coords)[:, :2] * SCALE).astype(np.int64)
    return np.diff(q, axis=0, prepend=np.zeros((1, 2), dtype=np.int64)).ravel().tolist()


def encode_geometry(geom: shapely.Geometry) -> dict[str, Any]:
    """Encode a (multi)polygon or (multi)line as delta-encoded integer rings.

    The page's script decodes ``{"type": ..., "d": ...}`` back to GeoJSON; the
    encoding is about a third of the size of GeoJSON text at the same precision.
    """
    kind = geom.geom_type
    if kind == "GeometryCollection" and geom.is_empty:
        return {"type": "MultiPolygon", "d": []}
    if kind not in _ENCODERS:
        msg = f"cannot encode {kind} for display"
        raise UsageError(msg)
    return {"type": kind, "d": _ENCODERS[kind](geom)}


def _polygon(p: Any) -> list[list[int]]:
    return [_ring(p.exterior.coords), *(_ring(r.coords) for r in p.interiors)]


_ENCODERS: dict[str, Any] = {
    "Polygon": _polygon,
    "MultiPolygon": lambda g: [_polygon(p) for p in g.geoms],
    "LineString": lambda g: _ring(g.coords),
    "MultiLineString": lambda g: [_ring(line.coords) for line in g.geoms],
}


def feature_collection(gdf: gpd.GeoDataFrame, props: list[dict[str, Any]]) -> dict[str, Any]:
    """Return the areas as encoded features, each with its properties."""
    feats = []
    for geom, prop in zip(gdf.geometry.values, props, strict=True):
        feats.append({"type": "Feature", "properties": prop, "geometry": encode_geometry(geom)})
    return {"type": "FeatureCollection", "features": feats}


def encode_lines(geoms: np.ndarray) -> dict[str, Any]:
    """Return the areas' shared borders as encoded lines (each border once)."""
    union = shapely.line_merge(shapely.union_all(shapely.boundary(geoms)))
    return {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "properties": {}, "geometry": encode_geometry(union)}],
    }


def pack_rows(values: np.ndarray) -> list[Any]:
    """One packed string per area when the values are counts; plain arrays otherwise."""
    finite = values[np.isfinite(values)]
    if np.all(finite == np.round(finite)) and (finite >= 0).all():
        filled = np.where(np.isfinite(values), values, -1).astype(np.int64)
        return [pack_ints(row) for row in filled]
    return [[None if np.isnan(x) else round(float(x), 3) for x in row] for row in values]


def plain_text(v: Any) -> str | None:
    """Return a value as page text, None for missing values."""
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA or v is pd.NaT:
        return None
    s = str(v).strip()
    return s or None
