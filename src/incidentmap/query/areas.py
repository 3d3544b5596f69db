"""Events placed only to a district or province, in spatial queries.

Such an event has no point of its own: a query keeps it when its whole area lies in the
query area (``area inside``), counts it (or keeps it when asked) when its area only
overlaps the query area (``area overlaps``), and measures distances to its area's edge,
never from a stand-in point. Part of :mod:`incidentmap.query`.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from incidentmap.context import BoundaryContext, context_for

__all__ = [
    "AREA_PRECISIONS",
    "area_distance_km",
    "area_events_near",
    "area_hits",
    "area_placed",
    "match_labels",
]


#: precisions that place an event in an area, not at a point
AREA_PRECISIONS = ("district", "province")


def area_placed(incidents: pd.DataFrame) -> np.ndarray:
    """Tell the rows placed only to a district or province (no point of their own)."""
    if "geocode_precision" not in incidents.columns:
        return np.zeros(len(incidents), dtype=bool)
    return incidents["geocode_precision"].isin(AREA_PRECISIONS).to_numpy(dtype=bool)


def _area_keys(incidents: pd.DataFrame) -> np.ndarray:
    """Return keys "d:<district_id>" / "p:<province_code>" for area-placed rows, "" otherwise."""
    prec = incidents["geocode_precision"].astype(object).to_numpy()
    did = incidents["district_id"].astype(object).to_numpy()
    pc = incidents["province_code"].astype(object).to_numpy()
    keys = np.full(len(incidents), "", dtype=object)
    dmask = (prec == "district") & pd.notna(did)
    pmask = (prec == "province") & pd.notna(pc)
    keys[dmask] = ["d:" + str(v) for v in did[dmask]]
    keys[pmask] = ["p:" + str(v) for v in pc[pmask]]
    return keys


def _area_geometry(ctx: BoundaryContext, key: str) -> Any:
    kind, ident = key.split(":", 1)
    if kind == "d":
        pos = ctx.pos_by_id.get(ident)
        return None if pos is None else ctx.districts.geometry.values[pos]
    return ctx.province_geometry.get(ident)


def area_events_near(
    incidents: gpd.GeoDataFrame,
    loc: Any,
    km: float,
    districts: gpd.GeoDataFrame | BoundaryContext | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return the area-placed events whose area reaches within km of the location.

    Their positions, the distances (km) to the nearest and the farthest point of their
    area, and whether the whole area lies within km (inside) or only part of it.
    """
    none = np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0), np.zeros(0, dtype=bool)
    if not area_placed(incidents).any():
        return none
    keys = _area_keys(incidents)
    found = _area_geometries(context_for(districts), keys)
    if not found:
        return none
    dist, far = _geometry_distance_km(loc, np.array(list(found.values()), dtype=object))
    by_key = dict(zip(found, dist, strict=True))
    far_key = dict(zip(found, far, strict=True))
    d_all = np.array([by_key.get(k, np.inf) if k else np.inf for k in keys], dtype=float)
    f_all = np.array([far_key.get(k, np.inf) if k else np.inf for k in keys], dtype=float)
    pos = np.flatnonzero(d_all <= km)
    return pos.astype(np.int64), d_all[pos], f_all[pos], f_all[pos] <= km


def _area_geometries(ctx: BoundaryContext, keys: np.ndarray) -> dict[str, Any]:
    """Return the polygon of each distinct area key that has one, in key order."""
    found = {}
    for k in sorted({k for k in keys if k}):
        g = _area_geometry(ctx, k)
        if g is not None:
            found[k] = g
    return found


def _geometry_distance_km(location: Any, geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the distances (km) from a point or area to each geometry.

    The nearest (0 where they touch or overlap) and the farthest of the geometry's points.
    """
    from pyproj import CRS, Transformer

    lon0, lat0 = location.point
    aeqd = CRS.from_proj4(f"+proj=aeqd +lat_0={lat0} +lon_0={lon0} +datum=WGS84 +units=m")
    tr = Transformer.from_crs("EPSG:4326", aeqd, always_xy=True)

    def project(g: Any) -> Any:
        return shapely.transform(g, lambda c: np.column_stack(tr.transform(c[:, 0], c[:, 1])))

    target = project(location.area) if location.area is not None else shapely.Point(0, 0)
    projected = np.array([project(g) for g in geoms], dtype=object)
    near = shapely.distance(target, projected) / 1000
    far = np.array([_farthest_m(target, g) for g in projected], dtype=float) / 1000
    return near, far


def _farthest_m(target: Any, geom: Any) -> float:
    """Return how far (m) the farthest point of ``geom`` lies from ``target``."""
    points = shapely.points(shapely.get_coordinates(geom))
    return float(shapely.distance(target, points).max()) if len(points) else np.inf


def area_distance_km(location: Any, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Return the distances (km) of points from an area location's edge (0 inside it).

    Measured in an azimuthal equidistant projection centred on the area's point.
    """
    from pyproj import CRS, Transformer

    lon0, lat0 = location.point
    aeqd = CRS.from_proj4(f"+proj=aeqd +lat_0={lat0} +lon_0={lon0} +datum=WGS84 +units=m")
    tr = Transformer.from_crs("EPSG:4326", aeqd, always_xy=True)
    area = shapely.transform(
        location.area, lambda c: np.column_stack(tr.transform(c[:, 0], c[:, 1]))
    )
    x, y = tr.transform(lon, lat)
    return shapely.distance(area, shapely.points(x, y)) / 1000


def area_hits(
    incidents: gpd.GeoDataFrame,
    area_rows: np.ndarray,
    shapes: list[Any],
    districts: gpd.GeoDataFrame | BoundaryContext | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Area-placed rows whose area overlaps every shape, and those whose area is inside."""
    if not area_rows.any():
        none = np.zeros(len(incidents), dtype=bool)
        return none, none
    ctx = context_for(districts)
    keys = _area_keys(incidents)
    tested = {k: _meets(_area_geometry(ctx, k), shapes) for k in set(keys) if k}
    found = np.array([tested.get(k, (False, False)) for k in keys], dtype=bool).reshape(-1, 2)
    area_hit = found[:, 0] & area_rows
    area_in = found[:, 1] & area_rows
    return area_hit, area_in


def _meets(area: Any, shapes: list[Any]) -> tuple[bool, bool]:
    """Whether an area overlaps every shape, and whether every shape covers it whole."""
    if area is None:
        return False, False
    overlaps = all(bool(shapely.intersects(sh, area)) for sh in shapes)
    return overlaps, overlaps and all(bool(shapely.covers(sh, area)) for sh in shapes)


def match_labels(area_rows: np.ndarray, area_in: np.ndarray) -> np.ndarray:
    """Return each row's ``match``: ``point``, ``area inside`` or ``area overlaps``.

    The column :func:`incidentmap.query.match_near` gives its rows, for an area query
    (a box, a polygon) too: an area-placed row listed with ``include_area_events`` is
    told apart from one whose whole area lies in the query area.
    """
    labels = np.full(len(area_rows), "point", dtype=object)
    labels[area_rows & area_in] = "area inside"
    labels[area_rows & ~area_in] = "area overlaps"
    return labels
