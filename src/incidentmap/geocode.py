"""Place every incident in a province and district.

:func:`geocode` adds the admin columns to an incident table read by
:func:`incidentmap.read_incidents`. Rows with coordinates are placed by point in
polygon; rows with names only by district, place or province name. Every row
comes back, in the same order, either placed or with the reason it was not.

Output columns (appended after the canonical ones):

``province``, ``province_code``, ``district``, ``district_id``
    The admin areas (district empty for province-precision rows).
``geocode_method``
    ``point``, ``point_snapped``, ``point_swapped``, ``district_name``,
    ``place_name``, ``province_name`` or ``unplaced``.
``geocode_precision``
    ``point``, ``district``, ``province`` or ``none``.
``geocode_score``
    100 for exact and alias name matches and for points; the fuzzy score (0-100)
    for fuzzy name matches.
``geocode_note``
    What was done beyond the obvious (snap distance, swap, fuzzy match) or, for
    unplaced rows, the reason, starting with a short category
    (``outside:``, ``unknown name:``, ``ambiguous:``, ``no location:``,
    ``country only:``).
``geocode_conflict``
    True where the point's province disagrees with the stated province.
"""

from __future__ import annotations

import functools
import os
from collections import Counter, defaultdict
from collections.abc import Callable
from typing import Any, cast

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from incidentmap._coded import coded_text
from incidentmap.context import BoundaryContext, context_for
from incidentmap.errors import UnknownNameError, UsageError
from incidentmap.gazetteer import FUZZY_THRESHOLD, Hit, provinces, resolve_province
from incidentmap.schema import OUTPUT_COLUMNS, safe_names

__all__ = [
    "GEOCODE_COLUMNS",
    "geocode",
    "geocode_file",
    "geocode_summary",
    "locate_points",
]

GEOCODE_COLUMNS = OUTPUT_COLUMNS
POINT_METHODS = ("point", "point_snapped", "point_swapped")
#: the farthest a point outside every district is moved into one (km): borders and the
#: gaps between layers are well inside it; a point in Paris is not
MAX_SNAP_KM = 50.0
NAME_METHODS = ("district_name", "place_name", "province_name")
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
    """
    res, ctx = _run(incidents, boundaries, snap_km, fuzzy_threshold)
    return cast(gpd.GeoDataFrame, res.frame(incidents, ctx, points=True))


def _run(
    incidents: pd.DataFrame,
    boundaries: gpd.GeoDataFrame | BoundaryContext | None,
    snap_km: float,
    fuzzy_threshold: float,
) -> tuple[_Result, BoundaryContext]:
    if not 0 <= snap_km <= MAX_SNAP_KM:
        msg = f"snap_km must be from 0 to {MAX_SNAP_KM:g} km, not {snap_km!r}"
        raise UsageError(msg)
    ctx = context_for(boundaries)
    n = len(incidents)
    col = _Columns(incidents, n)
    res = _Result(n)

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
    _place_points(ctx, res, lat, lon, has_pt, snap_km, col)
    # rows with coordinates stay with them: a point outside is "outside", not re-placed by name
    _place_names(ctx, res, col, ~has_pt, fuzzy_threshold)
    return res, ctx


def _geocode_points(
    incidents: pd.DataFrame,
    boundaries: gpd.GeoDataFrame | BoundaryContext | None = None,
    *,
    snap_km: float = 5.0,
    fuzzy_threshold: float = FUZZY_THRESHOLD,
) -> Callable[[], tuple[pd.DataFrame, np.ndarray, np.ndarray]]:
    """Place the rows now; return what makes the table later, without point objects.

    Calling the result gives (table without geometry, x, y): the geometry
    :func:`geocode` would give is the point (x, y) of each row (NaN: none), which
    file writers pack into WKB directly. The two steps can run in different threads
    (placing beside reading, the table beside writing).
    """
    res, ctx = _run(incidents, boundaries, snap_km, fuzzy_threshold)

    def table() -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
        return res.frame(incidents, ctx, points=False), res.x, res.y

    return table


class _Columns:
    def __init__(self, frame: pd.DataFrame, n: int) -> None:
        self.frame = frame
        self.n = n

    def num(self, name: str) -> np.ndarray:
        if name not in self.frame.columns:
            return np.full(self.n, np.nan)
        return pd.to_numeric(self.frame[name], errors="coerce").to_numpy(
            dtype=float, na_value=np.nan
        )

    def given(self, name: str) -> bool:
        """Whether the column is there with at least one value."""
        return name in self.frame.columns and not self.frame[name].isna().all()

    def text(self, name: str) -> np.ndarray:
        """Return the column's stripped texts as an object array (None: blank or absent)."""
        if not self.given(name):
            return np.array([None], dtype=object).repeat(self.n)
        codes, uniques = pd.factorize(self.frame[name], use_na_sentinel=True)  # each text once
        texts = [_stripped(v) for v in uniques]
        return np.array([*texts, None], dtype=object)[codes]


def _stripped(v: Any) -> str | None:
    if v is None or (isinstance(v, float) and np.isnan(v)) or str(v).strip() == "":
        return None
    return str(v).strip()


#: geocode_method and geocode_precision values, by their codes in :class:`_Result`
METHODS = ("unplaced", "point", "point_snapped", "point_swapped", *NAME_METHODS)
PRECISIONS = ("none", "point", "district", "province")
_M = {m: np.int8(i) for i, m in enumerate(METHODS)}
_P = {m: np.int8(i) for i, m in enumerate(PRECISIONS)}


@functools.cache
def _province_pos() -> dict[str | None, int]:
    """Position of each province code in :func:`provinces` (None: -1)."""
    return {None: -1, **{code: i for i, code in enumerate(provinces())}}


class _Result:
    """What geocoding found, as codes: turned into columns once, at the end."""

    def __init__(self, n: int) -> None:
        self.district_pos = np.full(n, -1, dtype=np.int64)
        self.province_pos = np.full(n, -1, dtype=np.int64)  # into provinces(), -1 none
        self.method = np.zeros(n, dtype=np.int8)  # METHODS
        self.precision = np.zeros(n, dtype=np.int8)  # PRECISIONS
        self.score = np.full(n, np.nan)
        self.n = n
        self.note: defaultdict[int, list[str]] = defaultdict(list)  # sparse: most rows have none
        self.conflict = np.zeros(n, dtype=bool)
        # the point of each row (NaN: none); the reader's own points where they are these
        self.x = np.full(n, np.nan)
        self.y = np.full(n, np.nan)
        self.given: tuple[np.ndarray, np.ndarray] | None = None
        # notes for many rows at once: (rows, texts, which text for each row)
        self.bulk: list[tuple[np.ndarray, list[str], np.ndarray]] = []

    def notes(self) -> tuple[np.ndarray, list[str]]:
        """Return the notes as codes into a list of texts (-1: no note)."""
        codes = np.full(self.n, -1, dtype=np.int64)
        texts: list[str] = []
        for rows, bulk_texts, which in self.bulk:
            codes[rows] = len(texts) + which
            texts.extend(bulk_texts)
        seen: dict[str, int] = {}
        for row, notes in self.note.items():
            if notes:
                joined = "; ".join(notes)
                before = codes[row]
                full = joined if before < 0 else f"{texts[before]}; {joined}"
                code = seen.get(full)
                if code is None:
                    code = seen[full] = len(texts)
                    texts.append(full)
                codes[row] = code
        return codes, texts

    def summary(self, note_codes: np.ndarray, note_texts: list[str]) -> dict[str, Any]:
        """Return what :func:`geocode_summary` gives for the table, from the codes."""
        counts = np.bincount(self.method, minlength=len(METHODS))
        order = np.argsort(-counts, kind="stable")
        by_method = {METHODS[i]: int(counts[i]) for i in order if counts[i]}
        unplaced = note_codes[self.method == _M["unplaced"]]
        per_note = np.bincount(unplaced + 1, minlength=len(note_texts) + 1)
        reasons: Counter[str] = Counter()
        if per_note[0]:
            reasons["no location"] += int(per_note[0])
        for code in np.flatnonzero(per_note[1:]):
            reasons[_reason(note_texts[code])] += int(per_note[code + 1])
        return {
            "read": self.n,
            "placed_by_point": sum(by_method.get(m, 0) for m in POINT_METHODS),
            "placed_by_name": sum(by_method.get(m, 0) for m in NAME_METHODS),
            "conflicts": int(self.conflict.sum()),
            "unplaced": by_method.get("unplaced", 0),
            "by_method": by_method,
            "unplaced_reasons": dict(reasons),
        }

    def points(self) -> np.ndarray:
        """Return the geometry of every row: shapely points, None where there is none."""
        geom = np.empty(self.n, dtype=object)
        ok = ~np.isnan(self.x)
        need = ok.copy()
        if self.given is not None:
            mask, given = self.given
            geom[mask] = given
            geom[~ok] = None
            need &= ~mask
        geom[need] = shapely.points(self.x[need], self.y[need])
        return geom

    def frame(
        self, incidents: pd.DataFrame, ctx: BoundaryContext, *, points: bool = True
    ) -> pd.DataFrame:
        d = ctx.districts

        # text from codes: object arrays for pandas users, Arrow text for the file writers
        # (points=False), which would otherwise convert every value again
        def coded(codes: np.ndarray, labels: Any) -> Any:
            return coded_text(codes, labels, arrow=not points)

        note_codes, note_texts = self.notes()
        add = {
            "province": coded(self.province_pos, [p.name for p in provinces().values()]),
            "province_code": coded(self.province_pos, list(provinces())),
            "district": coded(self.district_pos, d["district"].to_numpy(dtype=object)),
            "district_id": coded(self.district_pos, d["district_id"].astype(str)),
            "geocode_method": coded(self.method, METHODS),
            "geocode_precision": coded(self.precision, PRECISIONS),
            "geocode_score": self.score,
            "geocode_note": coded(note_codes, note_texts),
            "geocode_conflict": self.conflict,
        }
        # who and what: actor groups, attribution and the shared event category
        from incidentmap.actors import actor_groups
        from incidentmap.categories import categorize

        for extra in (
            actor_groups(incidents, arrow=not points),
            categorize(incidents, arrow=not points),
        ):
            for col in extra.columns:
                add[col] = extra[col].array if not points else extra[col].to_numpy(dtype=object)
        geom_name = incidents.geometry.name if isinstance(incidents, gpd.GeoDataFrame) else None
        cols = [c for c in incidents.columns if c not in (geom_name, "geometry")]
        clash = [c for c in GEOCODE_COLUMNS if c in cols]
        kept = safe_names(clash, taken=[*cols, *clash]) if clash else {}
        data: dict[str, Any] = {}
        for c in cols:  # canonical columns, the geocode columns after input_note, originals
            if c in kept:
                continue
            data[c] = incidents[c]
            if c == "input_note":
                data.update(_series(add, incidents.index))
        if "input_note" not in cols:
            data = {**_series(add, incidents.index), **data}
        for c, new in kept.items():  # an earlier geocode's columns (or a frame's own): kept
            data[new] = incidents[c]
        # side by side, not consolidated: pandas would copy every object column into one block
        table = pd.concat(list(data.values()), axis=1, keys=list(data))
        if points:
            geometry = gpd.array.from_shapely(self.points(), crs="EPSG:4326")
            gdf = gpd.GeoDataFrame(table, geometry=geometry, crs="EPSG:4326", copy=False)
        else:
            gdf = table
        gdf.attrs.update(getattr(incidents, "attrs", {}))
        gdf.attrs["summary"] = self.summary(note_codes, note_texts)
        return gdf


def _series(columns: dict[str, Any], index: pd.Index) -> dict[str, pd.Series]:
    """Series without type inference (object arrays stay object: pandas would scan them)."""
    return {k: pd.Series(v, index=index, dtype=v.dtype, copy=False) for k, v in columns.items()}


def _place_points(
    ctx: BoundaryContext,
    res: _Result,
    lat: np.ndarray,
    lon: np.ndarray,
    has_pt: np.ndarray,
    snap_km: float,
    col: _Columns,
) -> None:
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
    pos_of = _province_pos()
    prov_pos = ctx.province_positions
    res.district_pos[ok] = where[ok]
    res.province_pos[ok] = prov_pos[where[ok]]
    res.method[ok] = _M["point"]
    res.method[ok & snapped] = _M["point_snapped"]
    res.method[ok & swapped] = _M["point_swapped"]
    for row in np.flatnonzero(swapped):
        res.note[row].insert(0, "latitude and longitude were swapped; fixed")
    res.precision[ok] = _P["point"]
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
        res.precision[prov_only] = _P["province"]
        res.precision[ok & (prec == "district")] = _P["district"]
        country = ok & (prec == "country")
        res.district_pos[country] = -1
        res.province_pos[country] = -1
        res.method[country] = _M["unplaced"]
        res.precision[country] = _P["none"]
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
    check = (res.method != _M["unplaced"]) & pd.notna(stated)
    if check.any():
        rows = np.flatnonzero(check)
        stated_pos = np.array([pos_of[_try_province(v)] for v in stated[rows]], dtype=np.int64)
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


@functools.lru_cache(maxsize=4096)
def _try_province(name: str) -> str | None:
    try:
        return resolve_province(name).id
    except UnknownNameError:
        return None


def _place_names(
    ctx: BoundaryContext, res: _Result, col: _Columns, todo: np.ndarray, threshold: float
) -> None:
    prov_t = col.text("stated_province")
    dist_t = col.text("stated_district")
    place_t = col.text("stated_place")
    memo: dict[tuple[str | None, str | None, str | None], _Named] = {}
    pos_of = _province_pos()
    for row in np.flatnonzero(todo):
        key = (prov_t[row], dist_t[row], place_t[row])
        if key not in memo:
            memo[key] = _resolve_names(ctx, *key, threshold)
        named = memo[key]
        res.note[row].extend(named.notes)
        res.conflict[row] = named.conflict
        if named.method == "unplaced":
            continue
        res.method[row] = _M[named.method]
        res.district_pos[row] = named.district_pos
        res.province_pos[row] = pos_of[named.province_code]
        res.x[row], res.y[row] = named.xy
        res.score[row] = named.score
        res.precision[row] = _P[named.precision]


class _Named:
    """The outcome of placing one combination of stated names."""

    __slots__ = (
        "conflict",
        "district_pos",
        "method",
        "notes",
        "precision",
        "province_code",
        "score",
        "xy",
    )

    def __init__(self, notes: list[str]) -> None:
        self.method = "unplaced"
        self.district_pos = -1
        self.province_code: str | None = None
        self.xy = (np.nan, np.nan)
        self.score = np.nan
        self.precision = "none"
        self.conflict = False
        self.notes = notes


def _xy(point: Any) -> tuple[float, float]:
    if point is None or shapely.is_empty(point):
        return (np.nan, np.nan)
    return (float(shapely.get_x(point)), float(shapely.get_y(point)))


def _describe(hit: Hit) -> str:
    where = provinces()[hit.province_code].name
    return f"{hit.name} ({where})" if hit.kind != "province" else f"{hit.name} province"


def _resolve_names(
    ctx: BoundaryContext,
    province: str | None,
    district: str | None,
    place: str | None,
    threshold: float,
) -> _Named:
    """Place one combination of stated province, district and place names."""
    notes: list[str] = []
    out = _Named(notes)
    code: str | None = None
    pscore = 100.0
    if province:
        try:
            m = resolve_province(province, fuzzy_threshold=threshold)
            code, pscore = m.id, m.score
            if m.method == "fuzzy":
                notes.append(f"province {province!r} read as {m.name} (fuzzy {m.score:.0f})")
        except UnknownNameError as exc:
            notes.append(f"unknown name: {exc}")
    gaz = ctx.gazetteer
    chosen: Hit | None = None
    fallback_province: str | None = None
    for text, field, prefer in ((district, "district", "district"), (place, "place", "place")):
        if not text:
            continue
        r = gaz.resolve(text, code, prefer=prefer, fuzzy_threshold=threshold)
        if r.status == "ok" and r.hit is not None:
            hit = r.hit
            if hit.kind == "province":
                fallback_province = fallback_province or hit.province_code
                if field == "district":
                    notes.append(f"{field} {text!r} names a province, not a district")
                continue
            if chosen is None:
                chosen = hit
                if hit.method in ("variant", "fuzzy", "short"):
                    notes.append(
                        f"{field} {text!r} read as {hit.name} ({hit.method} {hit.score:.0f})"
                    )
            elif hit.district_id != chosen.district_id:
                notes.append(
                    f"{field} {text!r} is in {_describe(hit)}, not in the stated district; "
                    "kept the district"
                )
            elif hit.kind == "place" and chosen.kind == "district":
                chosen = hit  # the place, inside the stated district: more precise
        elif r.status == "several":
            names = ", ".join(_describe(h) for h in r.candidates[:5])
            notes.append(f"several places: {field} {text!r} names {names}")
            fallback_province = fallback_province or r.province_code
        elif r.status == "ambiguous":
            names = ", ".join(_describe(h) for h in r.candidates[:5])
            notes.append(f"ambiguous: {field} {text!r} matches {names}; give the province")
        elif r.status == "not_a_name":
            notes.append(f"no location: {field} {text!r} names no place")
        else:
            where = f" in {provinces()[code].name} or elsewhere" if code else ""
            notes.append(f"unknown name: {field} {text!r}{where}")
    if chosen is not None:
        pos = ctx.pos_by_id[str(chosen.district_id)]
        out.district_pos = pos
        out.province_code = chosen.province_code
        out.score = chosen.score
        if chosen.kind == "place":
            out.method = "place_name"
            out.precision = "point"
            lon, lat = gaz.place_point(chosen.id)
            out.xy = (lon, lat)
            notes.append(f"place: {chosen.name} ({gaz.place_source(chosen.id)})")
        else:
            out.method = "district_name"
            out.precision = "district"
            out.xy = _xy(ctx.district_rep[pos])
        if code is not None and chosen.province_code != code:
            out.conflict = True
            notes.append(
                f"conflict: stated province {province!r} but {chosen.name} is in "
                f"{provinces()[chosen.province_code].name}; placed by the name"
            )
        return out
    prov = fallback_province or code  # a province named in the place field is more specific
    if code is not None and fallback_province is not None and fallback_province != code:
        out.conflict = True
        notes.append(
            f"conflict: stated province {province!r} but the place field names "
            f"{provinces()[fallback_province].name}; placed by the place field"
        )
    if prov is not None:
        out.method = "province_name"
        out.precision = "province"
        out.province_code = prov
        out.score = pscore if prov == code else 100.0
        out.xy = _xy(ctx.province_rep.get(prov))
        return out
    if not (province or district or place):
        notes.append("no location: no coordinates and no place names")
    elif not any(n.split(":", 1)[0] in _REASONS for n in notes):
        notes.append("no location: the names give no province")
    return out


_REASONS = (
    "outside",
    "unknown name",
    "ambiguous",
    "no location",
    "country only",
    "several places",
    "bad coordinates",
)


def _reason(note: str) -> str:
    """Return the reason category of an unplaced row's note: the last one it names."""
    cats = [p.split(":", 1)[0] for p in note.split("; ") if ":" in p]
    cats = [c for c in cats if c in _REASONS]
    return cats[-1] if cats else "no location"


def geocode_summary(gdf: pd.DataFrame) -> dict[str, Any]:
    """Count how the rows of a geocoded table were placed.

    Parameters
    ----------
    gdf : pandas.DataFrame
        Output of :func:`geocode`.

    Returns
    -------
    dict
        ``read``, ``placed_by_point``, ``placed_by_name``, ``conflicts``,
        ``unplaced``, ``by_method`` (counts per method) and ``unplaced_reasons``
        (counts per reason category).
    """
    codes, methods = pd.factorize(gdf["geocode_method"].astype(object), use_na_sentinel=True)
    counts = np.bincount(codes[codes >= 0], minlength=len(methods))
    by_method = {str(m): int(c) for m, c in zip(methods, counts, strict=True)}
    by_method = dict(sorted(by_method.items(), key=lambda kv: -kv[1]))
    reasons: Counter[str] = Counter()
    if "unplaced" in by_method:
        unplaced = codes == list(methods).index("unplaced")
        notes = gdf["geocode_note"].to_numpy(dtype=object)[unplaced]
        ncodes, uniq = pd.factorize(notes, use_na_sentinel=False)
        ncounts = np.bincount(ncodes, minlength=len(uniq))
        for note, count in zip(uniq, ncounts, strict=True):  # once per distinct note
            reasons[_reason(note if isinstance(note, str) else "")] += int(count)
    return {
        "read": len(gdf),
        "placed_by_point": sum(by_method.get(m, 0) for m in POINT_METHODS),
        "placed_by_name": sum(by_method.get(m, 0) for m in NAME_METHODS),
        "conflicts": int(gdf["geocode_conflict"].sum()),
        "unplaced": by_method.get("unplaced", 0),
        "by_method": by_method,
        "unplaced_reasons": dict(reasons),
    }


def geocode_file(
    path: str | os.PathLike[str],
    boundaries: gpd.GeoDataFrame | BoundaryContext | None = None,
    *,
    snap_km: float = 5.0,
    fuzzy_threshold: float = FUZZY_THRESHOLD,
    **read_kwargs: Any,
) -> gpd.GeoDataFrame:
    """Read an incident file and geocode it; a file already geocoded is returned as read.

    Parameters
    ----------
    path : path-like or "-"
        Raw incidents (any format :func:`incidentmap.read_incidents` reads) or the
        output of :func:`geocode` / ``incidentmap geocode``.
    boundaries : geopandas.GeoDataFrame or BoundaryContext, optional
        District layer; default the installed one.
    snap_km, fuzzy_threshold : float
        See :func:`geocode`.
    **read_kwargs
        Passed to :func:`incidentmap.read_incidents`.

    Returns
    -------
    geopandas.GeoDataFrame
    """
    from incidentmap.io import read_incidents

    incidents = read_incidents(path, **read_kwargs)
    if incidents.attrs.get("geocoded"):
        return incidents
    return geocode(incidents, boundaries, snap_km=snap_km, fuzzy_threshold=fuzzy_threshold)
