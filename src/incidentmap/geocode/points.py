"""Placing rows by their coordinates: point in polygon, swapped pairs, snapping near the border."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from incidentmap.context import BoundaryContext, context_for
from incidentmap.gazetteer import provinces
from incidentmap.geocode.border import Abroad, outside_country
from incidentmap.geocode.result import (
    CROSSED,
    METHOD_CODE,
    PRECISION_CODE,
    Placement,
    province_positions,
)
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
    abroad: Abroad,
) -> None:
    """Place the rows that have coordinates (point in polygon, swap, snap).

    A row that states a country or area outside Afghanistan (``abroad``) is never snapped
    into it; inside it, it is placed with a conflict.
    """
    lat = lat.copy()
    lon = lon.copy()
    swapped = has_pt & ~_in_af(lat, lon) & _in_af(lon, lat)
    lat[swapped], lon[swapped] = lon[swapped], lat[swapped].copy()
    where, snapped, snap_score = _locate(ctx, res, lon, lat, has_pt, snap_km, abroad)
    ok = where >= 0
    res.district_pos[ok] = where[ok]
    res.province_pos[ok] = ctx.province_positions[where[ok]]
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
        _source_precision(res, col.text("source_precision"), ok)
    if col.given("stated_province"):
        stated = col.text("stated_province")
        stated[abroad.by_area] = None  # a province of a neighbour: said once, below
        _stated_conflicts(res, stated)
    _abroad_conflicts(res, abroad, placed)


def _in_af(la: np.ndarray, lo: np.ndarray) -> np.ndarray:
    """Say which points lie in Afghanistan's latitude and longitude ranges."""
    return (
        (la >= _LAT_RANGE[0])
        & (la <= _LAT_RANGE[1])
        & (lo >= _LON_RANGE[0])
        & (lo <= _LON_RANGE[1])
    )


def _locate(
    ctx: BoundaryContext,
    res: Placement,
    lon: np.ndarray,
    lat: np.ndarray,
    has_pt: np.ndarray,
    snap_km: float,
    abroad: Abroad,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return each point's district (-1: none), whether it was snapped, and its score."""
    idx = np.flatnonzero(has_pt)
    where = np.full(len(lat), -1, dtype=np.int64)
    where[idx] = ctx.locate(lon[idx], lat[idx])
    snapped = np.zeros(len(lat), dtype=bool)
    snap_score = np.full(len(lat), 100.0)
    outside = idx[where[idx] < 0]
    stays = abroad.stated[outside]
    _stays_abroad(ctx, res, lon, lat, outside[stays], abroad.label, snap_km)
    miss = _not_surely_far(ctx, res, lon, lat, outside[~stays], snap_km)
    if len(miss):
        rows, di, score = _snap(ctx, res, ctx.to_metric(lon[miss], lat[miss]), miss, snap_km)
        where[rows] = di
        snapped[rows] = True
        snap_score[rows] = score
        _say_crossed(ctx, res, lon, lat, rows)
    return where, snapped, snap_score


def _stays_abroad(
    ctx: BoundaryContext,
    res: Placement,
    lon: np.ndarray,
    lat: np.ndarray,
    rows: np.ndarray,
    label: np.ndarray,
    snap_km: float,
) -> None:
    """Leave unplaced the points outside that state a country or area outside Afghanistan."""
    if not len(rows):
        return
    far_km, margin = ctx.far_estimate(lon[rows], lat[rows])
    surely = far_km - margin > snap_km  # NaN compares False
    km = np.where(surely, np.round(far_km), np.nan)
    near = np.flatnonzero(~surely)
    if len(near):  # the few near the border: measured
        _, dist = ctx.outline_tree.query_nearest(
            ctx.to_metric(lon[rows[near]], lat[rows[near]]),
            return_distance=True,
            all_matches=False,
        )
        km[near] = np.asarray(dist) / 1000
    # one text per label and distance (in bulk: these rows have no other bulk note)
    tenths = np.where(surely, -np.round(km), np.round(km * 10)).astype(np.int64)
    which, combos = pd.factorize(pd.MultiIndex.from_arrays([label[rows], tenths]))
    texts = [
        f"outside Afghanistan: the row states {what}; the point is "
        + (f"about {-k} km" if k < 0 else f"{k / 10:.1f} km")
        + " from the nearest district, not snapped across the border"
        for what, k in combos
    ]
    res.bulk.append((rows, texts, which))


def _say_crossed(
    ctx: BoundaryContext, res: Placement, lon: np.ndarray, lat: np.ndarray, rows: np.ndarray
) -> None:
    """Mark the snapped points that lay outside Afghanistan (not in a gap between districts)."""
    crossed = rows[outside_country(ctx, lon[rows], lat[rows])]
    res.from_outside[crossed] = True
    for row in crossed.tolist():
        note = res.note[row]
        note[-1] = note[-1].replace(" km to ", CROSSED, 1)


def _abroad_conflicts(res: Placement, abroad: Abroad, placed: np.ndarray) -> None:
    """Flag the points inside Afghanistan whose row states a country or area outside it."""
    rows = np.flatnonzero(placed & abroad.stated & (res.method != METHOD_CODE["unplaced"]))
    if not len(rows):
        return
    res.conflict[rows] = True
    names = [p.name for p in provinces().values()]
    # one text per label and province (in bulk: placed rows have no other bulk note)
    which, combos = pd.factorize(
        pd.MultiIndex.from_arrays([abroad.label[rows], res.province_pos[rows]])
    )
    texts = [
        f"conflict: the row states {what} but the point is in Afghanistan"
        + (f" ({names[pos]})" if pos >= 0 else "")
        for what, pos in combos
    ]
    res.bulk.append((rows, texts, which))


def _not_surely_far(
    ctx: BoundaryContext,
    res: Placement,
    lon: np.ndarray,
    lat: np.ndarray,
    miss: np.ndarray,
    snap_km: float,
) -> np.ndarray:
    """Note the points surely beyond snapping (in bulk); return the other rows."""
    if not len(miss):
        return miss
    # points in grid cells far from every district: their distance from the cell
    far_km, margin = ctx.far_estimate(lon[miss], lat[miss])
    surely_far = far_km - margin > snap_km  # NaN compares False
    if surely_far.any():
        kms = np.round(far_km[surely_far]).astype(np.int64)
        text = [f"outside: about {k} km from the nearest district" for k in range(kms.max() + 1)]
        res.bulk.append((miss[surely_far], text, kms))
    return miss[~surely_far]


def _snap(
    ctx: BoundaryContext, res: Placement, pts_m: np.ndarray, miss: np.ndarray, snap_km: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Snap the points outside every district but within ``snap_km`` of one; note the others.

    Returns the rows snapped, their districts and their scores.
    """
    near = np.zeros(len(miss), dtype=bool)
    rows = di = score = np.zeros(0, dtype=np.int64)
    if snap_km > 0:  # nearest of the locator's small pieces, not of whole districts
        pi, piece = ctx.metric_pieces_tree.query_nearest(
            pts_m, max_distance=snap_km * 1000, all_matches=False
        )
        dist = shapely.distance(pts_m[pi], ctx.metric_pieces[piece])
        di = ctx.locator.piece_owner[piece]
        rows = miss[pi]
        score = np.maximum(50.0, np.round(99.0 - dist / 1000, 1))
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
    return rows, di, score


def _source_precision(res: Placement, prec: np.ndarray, ok: np.ndarray) -> None:
    """Apply the source's own precision: a point known only to the province or the country."""
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


def _stated_conflicts(res: Placement, stated: np.ndarray) -> None:
    """Flag the placed rows whose stated province is not the point's (the point is kept)."""
    check = (res.method != METHOD_CODE["unplaced"]) & pd.notna(stated)
    if not check.any():
        return
    pos_of = province_positions()
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
