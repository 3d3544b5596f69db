"""geocode(): the steps in order — points first, then names — over one Placement."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import geopandas as gpd
import numpy as np
import pandas as pd

from incidentmap.context import BoundaryContext, context_for
from incidentmap.errors import UsageError
from incidentmap.gazetteer import FUZZY_THRESHOLD, provinces
from incidentmap.geocode.border import Abroad, stated_abroad
from incidentmap.geocode.names import pcode_beside_name, place_names
from incidentmap.geocode.points import MAX_SNAP_KM, place_points
from incidentmap.geocode.result import PlacedTable, Placement
from incidentmap.geocode.rows import Columns

__all__ = ["geocode", "geocode_counted", "geocode_points"]


# ---------------------------------------------------------------------------------------------
# geocode


def geocode(
    incidents: gpd.GeoDataFrame | pd.DataFrame,
    boundaries: gpd.GeoDataFrame | BoundaryContext | None = None,
    *,
    snap_km: float = 5.0,
    fuzzy_threshold: float = FUZZY_THRESHOLD,
) -> gpd.GeoDataFrame:
    """Add province and district to every incident.

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        Incidents in the canonical schema (from :func:`incidentmap.read_incidents`).
        Uses ``latitude``, ``longitude``, ``stated_province``, ``stated_district``,
        ``stated_place`` and ``source_precision`` where present.
    boundaries : geopandas.GeoDataFrame or BoundaryContext, optional
        District layer (or its context); default the installed one.
    snap_km : float, default 5
        Points outside every district but within this distance (km, measured in
        metres in UTM 42N, at most 50) of one are snapped to it (``point_snapped``);
        their ``geocode_score`` falls with the distance (99 at the border, 50 at 50 km).
    fuzzy_threshold : float, default 88
        Minimum rapidfuzz ratio for fuzzy name matches (scoped to the stated
        province; never between two real names).

    Returns
    -------
    geopandas.GeoDataFrame
        The incidents, same rows and order, with :data:`GEOCODE_COLUMNS` after
        the canonical columns and geometry set to the point used (the incident
        point, the place point, or the district/province representative point
        for name matches; empty for unplaced rows).

    Raises
    ------
    UsageError
        If ``snap_km`` is outside 0..50 or the boundary layer lacks a column.

    Notes
    -----
    A row that states a country other than Afghanistan (a ``country`` or ``country_txt``
    column, as UCDP, ACLED and GTD write it) or a first-level area of a neighbour as its
    province (FATA, Khyber Pakhtunkhwa, Balochistan, Sistan and Baluchestan...) is never
    snapped across the border: outside every district it stays unplaced ("outside
    Afghanistan: the row states ..."); inside one it is placed with ``geocode_conflict``.
    A point snapped in from outside Afghanistan says so in its note and is counted
    (``snapped_from_outside``): :func:`incidentmap.geocode.geocode_summary` gives the
    counts from the rows; :func:`geocode_counted` returns them beside the table.
    """
    placed, _ = geocode_counted(
        incidents, boundaries, snap_km=snap_km, fuzzy_threshold=fuzzy_threshold
    )
    return placed


def geocode_counted(
    incidents: gpd.GeoDataFrame | pd.DataFrame,
    boundaries: gpd.GeoDataFrame | BoundaryContext | None = None,
    *,
    snap_km: float = 5.0,
    fuzzy_threshold: float = FUZZY_THRESHOLD,
) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    """Place every incident (:func:`geocode`) and count how, without counting the rows again.

    Parameters
    ----------
    incidents, boundaries, snap_km, fuzzy_threshold
        As for :func:`geocode`.

    Returns
    -------
    geopandas.GeoDataFrame
        What :func:`geocode` returns.
    dict
        The counts :func:`incidentmap.geocode.geocode_summary` gives for that table, taken
        from the placing's codes.
    """
    res, ctx = _run(incidents, boundaries, snap_km, fuzzy_threshold)
    table, summary = res.frame(incidents, ctx, points=True)
    return cast(gpd.GeoDataFrame, table), summary


def _run(
    incidents: pd.DataFrame,
    boundaries: gpd.GeoDataFrame | BoundaryContext | None,
    snap_km: float,
    fuzzy_threshold: float,
) -> tuple[Placement, BoundaryContext]:
    if not 0 <= snap_km <= MAX_SNAP_KM:
        msg = f"snap_km must be from 0 to {MAX_SNAP_KM:g} km, not {snap_km!r}"
        raise UsageError(msg)
    ctx = context_for(boundaries)
    n = len(incidents)
    col = Columns(incidents, n)
    res = Placement(n)

    lat, lon = col.num("latitude"), col.num("longitude")
    given = ~np.isnan(lat) & ~np.isnan(lon)
    valid = np.isfinite(lat) & np.isfinite(lon) & (np.abs(lat) <= 90) & (np.abs(lon) <= 180)
    has_pt = given & valid
    for row in np.flatnonzero(given & ~valid):  # frames built by hand: readers refuse these
        res.note[row].append(
            f"bad coordinates: latitude {lat[row]!r}, longitude {lon[row]!r} are not degrees; "
            "placed by names if any"
        )
    lat = np.where(has_pt, lat, np.nan)
    lon = np.where(has_pt, lon, np.nan)
    abroad = stated_abroad(col)
    place_points(ctx, res, lat, lon, has_pt, snap_km, col, abroad)
    # rows with coordinates stay with them: a point outside is "outside", not re-placed by name
    by_name = ~has_pt
    # a row stating a country outside Afghanistan is placed by names only when its stated
    # province is Afghan (a conflict); otherwise its names are the neighbour's, not ours
    away = by_name & abroad.stated & ~abroad.afghan_area
    for row in np.flatnonzero(away).tolist():
        res.note[row].append(
            f"outside Afghanistan: the row states {abroad.label[row]}; not placed by its names"
        )
    place_names(ctx, res, col, by_name & ~away, fuzzy_threshold)
    _named_abroad(res, abroad, by_name & abroad.stated & ~away)
    pcode_beside_name(res, col)
    _read_conflicts(res, col)
    return res, ctx


def _read_conflicts(res: Placement, col: Columns) -> None:
    """Flag the rows whose reading found two locations (a geometry and coordinate columns)."""
    notes = col.text("input_note")
    for row in range(col.n):
        text = notes[row]
        if text and "conflict: " in text:
            res.conflict[row] = True
            said = [p for p in text.split("; ") if p.startswith("conflict: ")]
            res.note[row].extend(said)


def _named_abroad(res: Placement, abroad: Abroad, rows: np.ndarray) -> None:
    """Flag the rows placed by an Afghan province's names that state a country outside it."""
    names = [p.name for p in provinces().values()]
    for row in np.flatnonzero(rows & (res.province_pos >= 0)).tolist():
        res.conflict[row] = True
        res.note[row].append(
            f"conflict: the row states {abroad.label[row]} but names a place in Afghanistan "
            f"({names[res.province_pos[row]]}); placed by the names"
        )


def geocode_points(
    incidents: pd.DataFrame,
    boundaries: gpd.GeoDataFrame | BoundaryContext | None = None,
    *,
    snap_km: float = 5.0,
    fuzzy_threshold: float = FUZZY_THRESHOLD,
) -> Callable[[], PlacedTable]:
    """Place the rows now; return what makes the table later, without point objects.

    Calling the result gives a :class:`~incidentmap.geocode.result.PlacedTable`: the table
    without geometry, the counts, and x, y: the geometry :func:`geocode` would give is the
    point (x, y) of each row (NaN: none), which file writers pack into WKB directly. The
    two steps can run in different threads (placing beside reading, the table beside
    writing).
    """
    res, ctx = _run(incidents, boundaries, snap_km, fuzzy_threshold)

    def table() -> PlacedTable:
        frame, summary = res.frame(incidents, ctx, points=False)
        return PlacedTable(frame, summary, res.x, res.y)

    return table
