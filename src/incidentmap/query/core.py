"""Spatial questions about geocoded incidents.

* :func:`incidents_near` — within a distance of a point, a place, a district or
  a province, with a ``distance_km`` column, nearest first. Distances are
  geodesic (WGS84 ellipsoid, pyproj) from a point, and measured from the edge in
  an azimuthal equidistant projection centred on the area for an area.
* :func:`incidents_in` — in a province or district (any spelling), a bounding
  box, or a polygon from a file.
* :func:`resolve_location` — turn "Jalalabad", "Surkh Rod", "Nangarhar" or
  "34.43,70.45" into a point or an area.

:class:`NearIndex` keeps the incidents sorted by latitude so that a ``near``
query reads only the latitude band it needs, then computes exact distances for
the candidates in it: no full distance scan.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Geod

from incidentmap.context import BoundaryContext, context_for
from incidentmap.coords import looks_like_point, read_point
from incidentmap.errors import UnknownNameError, UsageError
from incidentmap.gazetteer import provinces, resolve_province
from incidentmap.gazetteer.admin1 import not_a_province
from incidentmap.io.areas import read_polygons
from incidentmap.query.areas import (
    area_distance_km,
    area_events_near,
    area_hits,
    area_placed,
    match_labels,
)

__all__ = [
    "AreaMatch",
    "Location",
    "NearIndex",
    "incidents_in",
    "incidents_near",
    "match_in",
    "match_near",
    "resolve_location",
    "sort_incidents",
]

_GEOD = Geod(ellps="WGS84")
_LATLON = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*[, ]\s*(-?\d+(?:\.\d+)?)\s*$")
_KM_PER_DEG_LAT = 110.574  # the shortest degree of latitude (equator) keeps the band safe


@dataclass(frozen=True)
class Location:
    """Where a ``near`` query measures from.

    Attributes
    ----------
    label : str
        What was resolved ("Jalalabad (place)", "Surkh Rod district, Nangarhar").
    point : tuple of float
        ``(lon, lat)`` of the place, or of the area's representative point.
    area : shapely geometry or None
        The district or province polygon when the location is an area.
    """

    label: str
    point: tuple[float, float]
    area: Any = None


def resolve_location(
    text: str,
    districts: gpd.GeoDataFrame | BoundaryContext | None = None,
    *,
    province: str | None = None,
) -> Location:
    """Resolve "lat,lon", a place, a district or a province name.

    Parameters
    ----------
    text : str
        ``"34.43,70.45"`` (latitude first; also ``"34.43N 70.45E"``, ``"34°26'N 70°27'E"``
        or decimal commas, read by :func:`incidentmap.coords.read_point`), or a name in
        any common spelling.
        Places are tried first, then districts, then provinces.
    districts : geopandas.GeoDataFrame, optional
        District layer; default :func:`incidentmap.load_boundaries`.
    province : str, optional
        Province to search a place or district name in.

    Returns
    -------
    Location

    Raises
    ------
    UnknownNameError
        If nothing matches; the message lists the closest known names.
    UsageError
        If the name matches several places or districts in different areas.
    """
    if _LATLON.match(text) or looks_like_point(text):
        return _point_location(text, districts)
    ctx = context_for(districts)
    code = _province_code(province, districts) if province else None
    named = _place_location(ctx, text, code) or _district_location(ctx, text, code)
    if named is not None:
        return named
    d, gaz = ctx.districts, ctx.gazetteer
    try:
        pm = resolve_province(text, fuzzy_threshold=95)  # a near-miss should be asked about
    except UnknownNameError:
        raise UnknownNameError(text, gaz.suggest(text), "place") from None
    geom = shapely.union_all(d.loc[d["province_code"] == pm.id].geometry.values)
    rep = shapely.point_on_surface(geom)
    return Location(f"{pm.name} province", (rep.x, rep.y), geom)


def _point_location(text: str, districts: Any) -> Location:
    """Return the point typed (plain, or as :func:`incidentmap.coords.read_point` reads it)."""
    m = _LATLON.match(text)
    if m:
        lat, lon = float(m.group(1)), float(m.group(2))
    else:
        try:
            lat, lon = read_point(text)
        except UsageError as exc:
            raise UsageError(f"`near` {exc}", field="near") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        msg = f"{text!r}: expected latitude,longitude in degrees"
        raise UsageError(msg)
    _refuse_far(text, lat, lon, context_for(districts))
    label = f"{lat},{lon}" if m else ",".join(f"{v:.6f}".rstrip("0") for v in (lat, lon))
    return Location(label, (lon, lat))


def _place_location(ctx: BoundaryContext, text: str, code: str | None) -> Location | None:
    """Return the place of this name (one place, or several in one district), else None."""
    gaz = ctx.gazetteer
    places = gaz.place(text, code)
    if not places:
        return None
    pts = np.array([gaz.place_point(p.id) for p in places])
    if len(set(ctx.locate(pts[:, 0], pts[:, 1]).tolist())) > 1:
        where = ", ".join(sorted({provinces()[p.province_code].name for p in places}))
        msg = f"place {text!r} is ambiguous (in {where}); add `province`"
        raise UsageError(msg, field="province")
    p = places[0]
    return Location(f"{p.name} (place)", gaz.place_point(p.id))


def _district_location(ctx: BoundaryContext, text: str, code: str | None) -> Location | None:
    """Return the district of this name, else None; refuse a name of several districts."""
    found = ctx.gazetteer.district(text, code)
    if len({f.id for f in found}) == 1:
        d = ctx.districts
        row = d[d["district_id"].astype(str) == found[0].id].iloc[0]
        geom = row.geometry
        rep = shapely.point_on_surface(geom)
        return Location(f"{row['district']} district, {row['province']}", (rep.x, rep.y), geom)
    if found:
        where = ", ".join(sorted({provinces()[f.province_code].name for f in found}))
        msg = f"district {text!r} exists in {where}; add `province`"
        raise UsageError(msg, field="province")
    return None


class NearIndex:
    """Incident points sorted by latitude, for fast distance queries.

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        Geocoded incidents; their geometry (incident or place point) is used.
        Rows without geometry are never near anything.
    points_only : bool, default True
        Leave out events placed only to a district or province: their point is a
        stand-in for the area, not where they happened.
    """

    def __init__(self, incidents: gpd.GeoDataFrame, *, points_only: bool = True) -> None:
        geom = incidents.geometry.values
        has = ~(shapely.is_missing(geom) | shapely.is_empty(geom))
        if points_only:
            has &= ~area_placed(incidents)
        xy = np.full((len(geom), 2), np.nan)
        xy[has] = shapely.get_coordinates(geom[has])
        order = np.argsort(xy[:, 1], kind="stable")
        order = order[~np.isnan(xy[order, 1])]
        self.order = order
        self.lat = xy[order, 1]
        self.lon = xy[order, 0]

    def within(self, location: Location, km: float) -> tuple[np.ndarray, np.ndarray]:
        """Return (positions, distances in km) of the incidents within ``km`` of ``location``."""
        if km < 0:
            msg = f"km must be >= 0, not {km!r}"
            raise UsageError(msg)
        if location.area is not None:
            minx, miny, maxx, maxy = shapely.bounds(location.area)
        else:
            minx = maxx = location.point[0]
            miny = maxy = location.point[1]
        dlat = km / _KM_PER_DEG_LAT + 1e-9
        lo = np.searchsorted(self.lat, miny - dlat, side="left")
        hi = np.searchsorted(self.lat, maxy + dlat, side="right")
        lat = self.lat[lo:hi]
        lon = self.lon[lo:hi]
        far_lat = max(abs(miny - dlat), abs(maxy + dlat))
        dlon = km / (111.32 * max(np.cos(np.radians(min(far_lat, 89.9))), 1e-6)) + 1e-9
        band = (lon >= minx - dlon) & (lon <= maxx + dlon)
        cand = np.flatnonzero(band)
        if location.area is None:
            _, _, dist_m = _GEOD.inv(
                np.full(len(cand), location.point[0]),
                np.full(len(cand), location.point[1]),
                lon[cand],
                lat[cand],
            )
            dist = np.asarray(dist_m, dtype=float) / 1000
        else:
            dist = area_distance_km(location, lon[cand], lat[cand])
        keep = dist <= km
        return self.order[lo:hi][cand[keep]], dist[keep]


@dataclass
class AreaMatch:
    """The rows a place query matched, and what it said about area-placed events.

    Attributes
    ----------
    frame : geopandas.GeoDataFrame
        The matching rows.
    area_inside : int
        Events placed only to a district or province that lies wholly inside the query
        area (listed).
    area_overlaps : int
        Events placed only to an area that overlaps the query area and may lie outside
        it (listed only with ``include_area_events``).
    label : str, optional
        The resolved location of a distance query.
    """

    frame: gpd.GeoDataFrame
    area_inside: int = 0
    area_overlaps: int = 0
    label: str | None = None


def incidents_near(
    incidents: gpd.GeoDataFrame,
    where: str | Location | tuple[float, float],
    km: float,
    *,
    districts: gpd.GeoDataFrame | BoundaryContext | None = None,
    index: NearIndex | None = None,
    province: str | None = None,
    include_area_events: bool = False,
) -> gpd.GeoDataFrame:
    """Return the incidents within ``km`` of a place, area or point, nearest first.

    The rows of :func:`match_near` (which also counts the area-placed events).
    """
    return match_near(
        incidents,
        where,
        km,
        districts=districts,
        index=index,
        province=province,
        include_area_events=include_area_events,
    ).frame


def match_near(
    incidents: gpd.GeoDataFrame,
    where: str | Location | tuple[float, float],
    km: float,
    *,
    districts: gpd.GeoDataFrame | BoundaryContext | None = None,
    index: NearIndex | None = None,
    province: str | None = None,
    include_area_events: bool = False,
) -> AreaMatch:
    """Match the incidents within ``km`` of a place, area or point, nearest first.

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        Geocoded incidents.
    where : str, Location or (lat, lon)
        A name or "lat,lon" (see :func:`resolve_location`), a resolved location,
        or a ``(lat, lon)`` tuple.
    km : float
        Distance in kilometres: geodesic from a point; from the edge of an area
        (0 inside it).
    districts : geopandas.GeoDataFrame or BoundaryContext, optional
        District layer for name look-ups and area events.
    index : NearIndex, optional
        A prebuilt index of ``incidents`` (for repeated queries).
    province : str, optional
        Province to look a place or district name up in.
    include_area_events : bool, default False
        Events placed only to a district or province whose whole area lies within
        ``km`` are always listed (``match = "area inside"``): they happened within the
        radius. Those whose area only overlaps the circle may have happened outside
        it: they are counted (``area_overlaps``) and listed only with this
        (``match = "area overlaps"``). For both, ``distance_km`` is blank (the event is
        somewhere in its area: never 0 km, never the distance of a stand-in point);
        ``distance_km_min`` and ``distance_km_max`` are to the area's nearest point (0
        when the query point is inside it) and its farthest.

    Returns
    -------
    AreaMatch
        The matching rows with ``distance_km``, ``distance_km_min``, ``distance_km_max``
        (the three equal for a point) and ``match`` (``point``, ``area inside``, ``area
        overlaps``), nearest first (by ``distance_km_min``); the resolved location's label;
        how many area-placed events lie inside the radius and how many only overlap it.
    """
    if km < 0:
        msg = f"km must be >= 0, not {km!r}"
        raise UsageError(msg)
    if isinstance(where, tuple):
        loc = Location(f"{where[0]},{where[1]}", (float(where[1]), float(where[0])))
    elif isinstance(where, Location):
        loc = where
    else:
        loc = resolve_location(where, districts, province=province)
    idx = index if index is not None else NearIndex(incidents)
    pos, dist = idx.within(loc, km)
    area_pos, area_dist, area_far, inside = area_events_near(incidents, loc, km, districts)
    listed = inside | include_area_events
    match = np.concatenate(
        [np.full(len(pos), "point", dtype=object), np.where(inside, "area inside", "area overlaps")]
    )
    near, far = np.concatenate([dist, area_dist]), np.concatenate([dist, area_far])
    exact = np.concatenate([dist, np.full(len(area_pos), np.nan)])  # an area: no one distance
    pos = np.concatenate([pos, area_pos])
    keep = np.concatenate([np.ones(len(pos) - len(area_pos), dtype=bool), listed])
    order = np.flatnonzero(keep)[np.lexsort((pos[keep], near[keep]))]
    out = incidents.iloc[pos[order]].copy()
    for k, (name, values) in enumerate(
        (("distance_km", exact), ("distance_km_min", near), ("distance_km_max", far))
    ):
        out.insert(k, name, np.round(values[order], 3))
    out.insert(3, "match", match[order])
    return AreaMatch(out, int(inside.sum()), int((~inside).sum()), loc.label)


def incidents_in(
    incidents: gpd.GeoDataFrame,
    *,
    province: str | None = None,
    district: str | None = None,
    bbox: tuple[float, float, float, float] | None = None,
    within: str | os.PathLike[str] | gpd.GeoDataFrame | None = None,
    districts: gpd.GeoDataFrame | BoundaryContext | None = None,
    include_area_events: bool = False,
) -> gpd.GeoDataFrame:
    """Return the incidents in an area (all conditions given must hold).

    The rows of :func:`match_in` (which also counts the area-placed events).
    """
    return match_in(
        incidents,
        province=province,
        district=district,
        bbox=bbox,
        within=within,
        districts=districts,
        include_area_events=include_area_events,
    ).frame


def match_in(
    incidents: gpd.GeoDataFrame,
    *,
    province: str | None = None,
    district: str | None = None,
    bbox: tuple[float, float, float, float] | None = None,
    within: str | os.PathLike[str] | gpd.GeoDataFrame | None = None,
    districts: gpd.GeoDataFrame | BoundaryContext | None = None,
    include_area_events: bool = False,
) -> AreaMatch:
    """Match the incidents in an area (all conditions given must hold).

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        Geocoded incidents.
    province : str, optional
        Province in any spelling; matches the geocoded ``province_code``.
    district : str, optional
        District in any spelling (within ``province`` if given); matches the
        geocoded ``district_id``.
    bbox : (min_lon, min_lat, max_lon, max_lat), optional
        Keeps incidents whose point lies in the box (edges included).
    within : path or GeoDataFrame, optional
        Polygon layer; keeps incidents whose point lies in any of its polygons.
    districts : geopandas.GeoDataFrame or BoundaryContext, optional
        District layer for name look-ups and area events.
    include_area_events : bool, default False
        For ``bbox`` and ``within``: also keep events placed only to a district or
        province whose area overlaps the box or polygon. By default they are left
        out and counted (``area_overlaps``).

    Returns
    -------
    AreaMatch
        The matching rows in their original order, and the area-placed events counted;
        with ``bbox`` or ``within``, a ``match`` column (``point``, ``area inside``,
        ``area overlaps``) as :func:`match_near` gives.
    """
    code = _province_code(province, districts) if province is not None else None
    keep = np.ones(len(incidents), dtype=bool)
    if code is not None:
        keep &= (incidents["province_code"] == code).to_numpy(dtype=bool)
    if district is not None:
        ids = _district_ids(district, code, districts)
        keep &= incidents["district_id"].astype(str).isin(ids).to_numpy(dtype=bool)
    shapes = _query_shapes(bbox, within)
    area_rows = area_placed(incidents) if shapes else np.zeros(len(incidents), dtype=bool)
    area_hit, area_in = area_hits(incidents, area_rows, shapes, districts)
    geom = incidents.geometry.values
    for sh in shapes:
        shapely.prepare(sh)
        keep &= np.where(area_rows, True, shapely.intersects(sh, geom))
    counted = keep & area_hit & ~area_in
    inside_kept = keep & area_in
    keep &= ~area_rows | area_in | (area_hit & include_area_events)
    out = incidents[keep]
    if shapes:  # which rows are at a point, which only in an area inside or overlapping
        out = out.copy()
        out.insert(0, "match", match_labels(area_rows, area_in)[keep])
    return AreaMatch(out, int(inside_kept.sum()), int(counted.sum()))


def _district_ids(
    district: str, code: str | None, districts: gpd.GeoDataFrame | BoundaryContext | None
) -> set[str]:
    """Return the ids of a district name (in a province), refused when unknown or shared."""
    gaz = context_for(districts).gazetteer
    found = gaz.district(district, code)
    ids = {f.id for f in found}
    if not ids:
        raise UnknownNameError(district, gaz.suggest(district), "district")
    if len(ids) > 1:
        where = ", ".join(sorted({provinces()[f.province_code].name for f in found}))
        msg = f"district {district!r} exists in {where}; add `province`"
        raise UsageError(msg, field="province")
    return ids


def _query_shapes(
    bbox: tuple[float, float, float, float] | None,
    within: str | os.PathLike[str] | gpd.GeoDataFrame | None,
) -> list[Any]:
    """Return the query's shapes: the box and the union of the polygons, each given one."""
    shapes = []
    if bbox is not None:
        minx, miny, maxx, maxy = bbox
        if not (minx <= maxx and miny <= maxy):
            msg = f"bbox must be min_lon,min_lat,max_lon,max_lat, got {bbox}"
            raise UsageError(msg, field="bbox")
        shapes.append(shapely.box(minx, miny, maxx, maxy))
    if within is not None:
        area = within if isinstance(within, gpd.GeoDataFrame) else read_polygons(within)
        shapes.append(shapely.union_all(area.to_crs("EPSG:4326").geometry.values))
    return shapes


def sort_incidents(incidents: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """Sort by a column (``-col`` for descending); default by date, then row.

    Rows with no value go last. The sort is stable.
    """
    if by is None:
        cols = [c for c in ("date", "row") if c in incidents.columns]
        return incidents.sort_values(cols, kind="stable", na_position="last")
    desc = by.startswith("-")
    col = by.lstrip("-")
    if col not in incidents.columns:
        import difflib

        near = difflib.get_close_matches(col, [str(c) for c in incidents.columns], n=3)
        hint = f" (did you mean {', '.join(map(repr, near))}?)" if near else ""
        raise UsageError(f"`sort`: cannot sort by {col!r}: no such column{hint}", field="sort")
    return incidents.sort_values(col, ascending=not desc, kind="stable", na_position="last")


def _province_code(province: str, districts: gpd.GeoDataFrame | BoundaryContext | None) -> str:
    """Return the code of a province filter's name; a district's or a place's name is said."""
    try:
        return resolve_province(province).id
    except UnknownNameError as exc:
        raise not_a_province(exc, context_for(districts).gazetteer) from None


#: how far (degrees) a ``near`` point may lie outside the districts' bounds (~200 km)
_FAR_DEGREES = 2.0


def _refuse_far(text: str, lat: float, lon: float, ctx: BoundaryContext) -> None:
    """Refuse a point far from every district: "no incidents match" would not say why."""
    x0, y0, x1, y1 = ctx.districts.total_bounds
    if (
        x0 - _FAR_DEGREES <= lon <= x1 + _FAR_DEGREES
        and y0 - _FAR_DEGREES <= lat <= y1 + _FAR_DEGREES
    ):
        return
    msg = (
        f"`near` {text!r} lies far from the districts (latitude {y0:.1f} to {y1:.1f}, "
        f"longitude {x0:.1f} to {x1:.1f})"
    )
    if y0 <= abs(lat) <= y1 and x0 <= abs(lon) <= x1:
        msg += f"; did you mean {abs(lat):g},{abs(lon):g}? (no minus sign: north and east)"
    raise UsageError(msg, field="near")
