"""Placing rows by their coordinates: point in polygon, swapped pairs, snapping near the border."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from incidentmap.context import BoundaryContext, context_for
from incidentmap.gazetteer import provinces
from incidentmap.geocode.result import METHOD_CODE, PRECISION_CODE, Placement, province_positions
from incidentmap.geocode.rows import Columns, try_province

#: the farthest a point outside every district is moved into one (km): borders and the
#: gaps between layers are well inside it; a point in Paris is not
MAX_SNAP_KM = 50.0


_LAT_RANGE = (29.0, 39.0)


_LON_RANGE = (60.0, 75.5)


def locate_points(
    districts: gpd.GeoDataFrame | BoundaryContext, lon: np.ndarray, lat: np.ndarray
) -> np.ndarray:
    """Return the positional index of the district holding each point (-1 for none).

    Parameters
    ----------
    districts : geopandas.GeoDataFrame or BoundaryContext
        District layer (EPSG:4326); its point locator is built once and reused.
    lon, lat : numpy.ndarray
        Coordinates.

    Returns
    -------
    numpy.ndarray of int64
    """
    return context_for(districts).locate(lon, lat)


def place_points(
    ctx: BoundaryContext,
    res: Placement,
    lat: np.ndarray,
    lon: np.ndarray,
    has_pt: np.ndarray,
    snap_km: float,
    col: Columns,
) -> None:
    """Place the rows that have coordinates (point in polygon, swap, snap)."""
    lat = lat.copy()
    lon = lon.copy()

    def in_af(la: np.ndarray, lo: np.ndarray) -> np.ndarray:
        return (
            (la >= _LAT_RANGE[0])
            & (la <= _LAT_RANGE[1])
            & (lo >= _LON_RANGE[0])
            & (lo <= _LON_RANGE[1])
        )

    swapped = has_pt & ~in_af(lat, lon) & in_af(lon, lat)
    lat[swapped], lon[swapped] = lon[swapped], lat[swapped].copy()
    idx = np.flatnonzero(has_pt)
    where = np.full(len(lat), -1, dtype=np.int64)
    where[idx] = ctx.locate(lon[idx], lat[idx])
    snapped = np.zeros(len(lat), dtype=bool)
    snap_score = np.full(len(lat), 100.0)
    miss = idx[where[idx] < 0]
    if len(miss):
        # points in grid cells far from every district: their distance from the cell
        far_km, margin = ctx.far_estimate(lon[miss], lat[miss])
        surely_far = far_km - margin > snap_km  # NaN compares False
        if surely_far.any():
            kms = np.round(far_km[surely_far]).astype(np.int64)
            text = [
                f"outside: about {k} km from the nearest district" for k in range(kms.max() + 1)
            ]
            res.bulk.append((miss[surely_far], text, kms))
        miss = miss[~surely_far]
    if len(miss):
        pts_m = ctx.to_metric(lon[miss], lat[miss])
        near = np.zeros(len(miss), dtype=bool)
        if snap_km > 0:  # nearest of the locator's small pieces, not of whole districts
            pi, piece = ctx.metric_pieces_tree.query_nearest(
                pts_m, max_distance=snap_km * 1000, all_matches=False
            )
            dist = shapely.distance(pts_m[pi], ctx.metric_pieces[piece])
            di = ctx.locator.piece_owner[piece]
            rows = miss[pi]
            where[rows] = di
            snapped[rows] = True
            snap_score[rows] = np.maximum(50.0, np.round(99.0 - dist / 1000, 1))
            near[pi] = True
            names = ctx.district_names
            for row, dd, dist_m in zip(rows.tolist(), di.tolist(), dist.tolist(), strict=True):
                res.note[row].append(f"snapped {dist_m / 1000:.1f} km to {names[dd]}")
        far = np.flatnonzero(~near)
        if len(far):  # short border segments: nearest queries far cheaper than on polygons
            _, dist = ctx.outline_tree.query_nearest(
                pts_m[far], return_distance=True, all_matches=False
            )
            for row, dist_m in zip(miss[far].tolist(), dist.tolist(), strict=True):
                res.note[row].append(f"outside: {dist_m / 1000:.0f} km from the nearest district")
    ok = where >= 0
    pos_of = province_positions()
    prov_pos = ctx.province_positions
    res.district_pos[ok] = where[ok]
    res.province_pos[ok] = prov_pos[where[ok]]
    res.method[ok] = METHOD_CODE["point"]
    res.method[ok & snapped] = METHOD_CODE["point_snapped"]
    res.method[ok & swapped] = METHOD_CODE["point_swapped"]
    for row in np.flatnonzero(swapped):
        res.note[row].insert(0, "latitude and longitude were swapped; fixed")
    res.precision[ok] = PRECISION_CODE["point"]
    res.score[ok] = snap_score[ok]  # 100 inside a district; less the farther it was snapped
    kept = has_pt & ~swapped
    given = _given_points(col.frame, lon, lat, kept)
    if given is not None:  # the reader's points, for the rows whose coordinates are unchanged
        res.given = (kept, given)
    placed = has_pt & ok
    res.x[placed] = lon[placed]
    res.y[placed] = lat[placed]
    if col.given("source_precision"):  # the source's own precision overrides the point's
        prec = col.text("source_precision")
        prov_only = ok & (prec == "province")
        res.district_pos[prov_only] = -1
        res.precision[prov_only] = PRECISION_CODE["province"]
        res.precision[ok & (prec == "district")] = PRECISION_CODE["district"]
        country = ok & (prec == "country")
        res.district_pos[country] = -1
        res.province_pos[country] = -1
        res.method[country] = METHOD_CODE["unplaced"]
        res.precision[country] = PRECISION_CODE["none"]
        res.score[country] = np.nan
        res.x[country] = np.nan
        res.y[country] = np.nan
        for row in np.flatnonzero(prov_only):
            res.note[row].append("source precision: province")
        for row in np.flatnonzero(country):
            res.note[row].append("country only: the source locates this event only to the country")
    if not col.given("stated_province"):
        return
    # a stated province that disagrees with the point: keep the point, flag it
    stated = col.text("stated_province")
    check = (res.method != METHOD_CODE["unplaced"]) & pd.notna(stated)
    if check.any():
        rows = np.flatnonzero(check)
        stated_pos = np.array([pos_of[try_province(v)] for v in stated[rows]], dtype=np.int64)
        differ = (stated_pos >= 0) & (stated_pos != res.province_pos[rows])
        names = list(provinces().values())
        for row in rows[differ]:
            res.conflict[row] = True
            res.note[row].append(
                f"conflict: stated province {stated[row]!r} but the point is in "
                f"{names[res.province_pos[row]].name}"
            )


def _given_points(
    frame: pd.DataFrame, lon: np.ndarray, lat: np.ndarray, mask: np.ndarray
) -> np.ndarray | None:
    """Return the frame's own point geometry at ``mask`` if it is exactly (lon, lat) there."""
    if not isinstance(frame, gpd.GeoDataFrame) or not mask.any():
        return None
    geom = frame.geometry.values.to_numpy()[mask]
    if (shapely.get_type_id(geom) != 0).any():
        return None
    xy = shapely.get_coordinates(geom)
    if len(xy) != int(mask.sum()):
        return None
    if not (np.array_equal(xy[:, 0], lon[mask]) and np.array_equal(xy[:, 1], lat[mask])):
        return None
    return geom
