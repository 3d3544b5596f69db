"""The ``query`` job: the incidents near a place or point, in an area, in a date range...

``run(QueryRequest(...))`` resolves the place first (a misspelt name fails before any file is
read), loads and filters the rows (:func:`incidentmap.jobs.load.load`), keeps those in the
area and near the place, sorts them, and returns them with a report of what matched and of
the events placed only to an area.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from incidentmap.errors import UsageError, carrying, one_line, plural
from incidentmap.jobs.choices import check_request
from incidentmap.jobs.load import Source, load
from incidentmap.jobs.report import Report
from incidentmap.options import Filters

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

__all__ = ["FORMATS", "QueryRequest", "QueryResult", "points_only", "run"]

#: the formats a query's rows are written in (``table`` is the terminal's)
FORMATS = ("table", "csv", "geojson", "ndjson", "geojsonseq")
#: the columns of the terminal table
TABLE_COLUMNS = (
    "distance_km",
    "match",
    "date",
    "province",
    "district",
    "event_type",
    "actor",
    "fatalities",
    "geocode_precision",
    "notes",
)


@dataclass(frozen=True)
class QueryRequest:
    """What to find.

    Attributes
    ----------
    source : Source
    filters : Filters
    near : str, optional
        A place, district or province name, or ``LAT,LON``.
    km : float, default 25
        Distance for ``near``.
    province, district : str, optional
        Areas in any spelling.
    bbox : (min_lon, min_lat, max_lon, max_lat) or str, optional
        A box (a text ``"a,b,c,d"`` is read).
    within : path, optional
        A polygon file.
    include_area_events : bool, default False
        Also list events placed only to an area that overlaps the query area.
    sort : str, optional
        A column (``-col`` descending); default distance for ``near``, else date.
    limit : int, optional
        Keep at most this many rows (the count matched is still said).
    """

    source: Source
    filters: Filters = field(default_factory=Filters)
    near: str | None = None
    km: float = 25.0
    province: str | None = None
    district: str | None = None
    bbox: tuple[float, float, float, float] | str | None = None
    within: Any = None
    include_area_events: bool = False
    sort: str | None = None
    limit: int | None = None

    def __post_init__(self) -> None:
        check_request(
            self,
            numbers=("km", "limit"),
            optional=("limit",),
            flags=("include_area_events",),
            texts=("province", "district", "sort"),
        )
        object.__setattr__(self, "near", _near_text(self.near))
        object.__setattr__(self, "within", _within_layer(self.within))

    def checked(self) -> QueryRequest:
        """Return the request with its box read, or refuse it before any file is read."""
        if self.near is not None and not str(self.near).strip():
            msg = "`near` is empty: give a place, district or province name, or LAT,LON"
            raise UsageError(msg, field="near")
        self._check_within()
        return replace(self, bbox=read_bbox(self.bbox))

    def _check_within(self) -> None:
        """Refuse a `within` that names no file (an area's name belongs in `province`)."""
        w = self.within
        if not isinstance(w, (str, os.PathLike)) or "://" in str(w) or Path(w).exists():
            return
        if str(w).startswith("/vsi"):  # GDAL's virtual files (/vsizip/, /vsicurl/...)
            return
        msg = (
            f"`within` {w}: no such file (a polygon layer: GeoJSON, GeoPackage...); an area "
            "by its name is `province` or `district`"
        )
        raise UsageError(msg, field="within")


def _near_text(near: Any) -> str | None:
    """Return ``near`` as text: a (lat, lon) pair and a shapely Point as ``LAT,LON``."""
    if near is None or isinstance(near, str):
        return near
    if getattr(near, "geom_type", None) == "Point":
        return f"{near.y!r},{near.x!r}"  # a shapely Point is (x=lon, y=lat)
    if isinstance(near, (tuple, list)) and len(near) == 2:
        lat, lon = (_coordinate(v) for v in near)
        if lat is not None and lon is not None:
            return f"{lat!r},{lon!r}"
    msg = (
        "`near` must be a place name, 'LAT,LON', a (lat, lon) pair or a shapely Point, "
        f"not {one_line(repr(near), 60)}"
    )
    raise UsageError(msg, field="near")


def _coordinate(value: Any) -> float | None:
    import numbers

    if isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def _within_layer(within: Any) -> Any:
    """Return ``within`` as a path or a frame: a shapely (multi)polygon as a layer in EPSG:4326."""
    if within is None or isinstance(within, (str, os.PathLike)):
        return within
    if type(within).__name__ == "GeoDataFrame":
        return within
    kind = getattr(within, "geom_type", None)
    if kind in ("Polygon", "MultiPolygon"):
        import geopandas as gpd

        return gpd.GeoDataFrame(geometry=[within], crs="EPSG:4326")
    msg = (
        "`within` must be a polygon file, a GeoDataFrame or a shapely polygon (lon, lat), "
        f"not {kind or type(within).__name__}"
    )
    raise UsageError(msg, field="within")


@dataclass
class QueryResult:
    """The rows a query matched.

    Attributes
    ----------
    frame : geopandas.GeoDataFrame
        The rows (at most ``limit``), sorted.
    matched : int
        Rows matched before ``limit``.
    near : str, optional
        The resolved location of ``near``.
    report : Report
    """

    frame: gpd.GeoDataFrame
    matched: int
    near: str | None = None
    report: Report = field(default_factory=Report)

    def write(self, stream: IO[str], fmt: str, *, digits: int = 6, csv_safe: bool = False) -> None:
        """Write the rows as CSV, GeoJSON or newline-delimited GeoJSON to a text stream.

        An event placed only to a district or province has no geometry there (GeoJSON
        ``null``, an empty WKT): its area is in its ``province``, ``district`` and
        ``geocode_precision``, as ``export`` leaves it out of its points layer. Its stand-in
        point (the area's, or the source's own for a UCDP ``where_prec`` 3 row) read as a
        point in a GIS.
        """
        from incidentmap.io.frames import write_csv, write_geojson_text

        rows = points_only(self.frame)
        if fmt == "csv":
            write_csv(rows, stream, geometry_digits=digits, csv_safe=csv_safe)
        elif fmt == "geojson":
            write_geojson_text(rows, stream, digits)
        elif fmt in ("ndjson", "geojsonseq"):
            write_geojson_text(rows, stream, digits, lines=fmt)
        else:
            msg = f"`format` must be one of {', '.join(FORMATS[1:])} here, not {fmt!r}"
            raise UsageError(msg, field="format")

    def table(self) -> pd.DataFrame:
        """Return the rows as the terminal table shows them: its columns, dates as text."""
        import pandas as pd

        from incidentmap.io.frames import dates_as_text

        cols = [c for c in TABLE_COLUMNS if c in self.frame.columns]
        out = dates_as_text(pd.DataFrame(self.frame[cols]))
        if "distance_km_min" in self.frame.columns:  # an area-placed event: its range
            f = self.frame
            span = (
                f["distance_km_min"].map("{:g}".format)
                + "-"
                + f["distance_km_max"].map("{:g}".format)
            )
            out["distance_km"] = (
                f["distance_km"].map("{:g}".format).where(f["distance_km"].notna(), span)
            )
        return out

    def _repr_html_(self) -> str:
        return self.table()._repr_html_() + self.report._repr_html_()


#: the precisions of an event placed only to an area (no point of its own)
AREA_PRECISIONS = ("district", "province")


def points_only(frame: Any) -> Any:
    """Return the rows with no geometry for the events placed only to a district or province."""
    if "geocode_precision" not in frame.columns or not hasattr(frame, "geometry"):
        return frame
    area = frame["geocode_precision"].isin(AREA_PRECISIONS).to_numpy(dtype=bool)
    if not area.any():
        return frame
    out = frame.copy()
    out.loc[area, out.geometry.name] = None
    return out


def read_bbox(value: tuple[float, ...] | str | None) -> tuple[float, float, float, float] | None:
    """Return a box given as a tuple or as ``"min_lon,min_lat,max_lon,max_lat"``, checked."""
    if value is None:
        return None
    parts = value.split(",") if isinstance(value, str) else list(value)
    try:
        nums = tuple(float(p) for p in parts)
    except (TypeError, ValueError):
        nums = ()
    if len(nums) != 4 or not all(math.isfinite(v) for v in nums):
        msg = f"`bbox`: expected min_lon,min_lat,max_lon,max_lat, got {value!r}"
        raise UsageError(msg, field="bbox")
    minx, miny, maxx, maxy = nums
    if minx > maxx or miny > maxy:
        msg = f"`bbox`: the minimum comes first (min_lon,min_lat,max_lon,max_lat), got {value!r}"
        raise UsageError(msg, field="bbox")
    return minx, miny, maxx, maxy


def run(request: QueryRequest) -> QueryResult:
    """Run a query.

    Parameters
    ----------
    request : QueryRequest

    Returns
    -------
    QueryResult
    """
    req = request.checked()
    from incidentmap.query import match_in, sort_incidents

    # the place first: a misspelt name fails before the (possibly large) input is read
    location = _location(req.near, req.province) if req.near else None
    _check_areas(req.province, req.district)  # so do an area's: exit 2, with did-you-mean
    report = Report()
    with carrying(report):
        rows = load(req.source, req.filters, report).frame
        found = match_in(
            rows,
            province=req.province,
            district=req.district,
            bbox=req.bbox,  # type: ignore[arg-type]
            within=req.within,
            include_area_events=req.include_area_events,
        )
        if location is not None:
            found = _near(found, location, req)
            report.add("near", f"near: {found.label}, within {req.km:g} km", kind="info")
            g = sort_incidents(found.frame, req.sort) if req.sort else found.frame
        else:
            g = sort_incidents(found.frame, req.sort)
        _say_area_events(
            report,
            found.area_overlaps,
            found.area_inside,
            req.include_area_events,
            measured=location is not None,
            weight=rows.attrs.get("weight"),
        )
        matched = len(g)
        if req.limit is not None:
            g = g.head(req.limit)
        report.counts.update(matched=matched, shown=len(g))
        # "kept" counted the filters; the place asked (area, box, polygon, distance) is here
        asked = location is not None or any(
            v is not None for v in (req.province, req.district, req.bbox, req.within)
        )
        where = f" in the place asked, of the {len(rows):,} rows kept" if asked else ""
        if matched == 0:
            report.add("matched", f"no incidents match{where}", kind="info")
        else:
            shown = f" (showing {len(g):,})" if len(g) < matched else ""
            said = _incidents(matched, found.frame, rows.attrs.get("weight"))
            report.add("matched", f"{said}{where}{shown}", kind="info")
        return QueryResult(points_only(g), matched, found.label, report)


def _near(found: Any, location: Any, req: QueryRequest) -> Any:
    """Match ``near`` among the rows an area query kept, the area-placed events told once.

    An event whose area only overlaps the box or polygon stays ``area overlaps`` however
    wholly it lies within the distance; one the area query left out is counted with those
    the distance leaves out.
    """
    from incidentmap.query import AreaMatch, match_near

    frame = found.frame
    if "match" in frame.columns:
        frame = frame.rename(columns={"match": "_match_in"})
    near = match_near(frame, location, req.km, include_area_events=req.include_area_events)
    out = near.frame
    if "_match_in" not in out.columns:
        return near
    overlaps = (out["_match_in"] == "area overlaps").to_numpy()
    out["match"] = out["match"].where(~overlaps, "area overlaps")
    out = out.drop(columns="_match_in")
    inside = int((out["match"] == "area inside").sum())
    if req.include_area_events:
        overlapping = int((out["match"] == "area overlaps").sum())
    else:
        overlapping = found.area_overlaps + near.area_overlaps
    return AreaMatch(out, inside, overlapping, near.label)


def _incidents(n: int, frame: Any, weight: str | None) -> str:
    """``3 incidents match``; on a count table ``3 rows (45 incidents) match``."""
    if weight:
        return f"{plural(n, 'row')} ({frame[weight].sum():,.10g} incidents) match"
    return "1 incident matches" if n == 1 else f"{n:,} incidents match"


def _say_area_events(
    report: Report,
    overlaps: int,
    inside: int,
    included: bool,
    *,
    measured: bool = True,
    weight: str | None = None,
) -> None:
    """Say how many events placed only to an area were listed or left out, and why.

    ``measured``: the rows have a ``distance_km`` (a ``near`` query), said to be to the
    area's edge; a box or polygon gives none. ``weight``: a count table's rows are rows,
    each of several events.
    """
    noun = "row" if weight else "event"
    edge = "; distance_km blank: somewhere in the area, distance_km_min to max" if measured else ""
    if inside:
        report.add(
            "area_inside",
            f"listed: {plural(inside, noun)} placed only to a district or province "
            f"that lies wholly inside the query area (match = area inside{edge})",
            kind="info",
        )
    if overlaps and not included:
        report.add(
            "area_overlaps",
            f"left out: {plural(overlaps, noun)} placed only to a district or province "
            "that overlaps the query area, and may lie outside it (`include_area_events` lists "
            "them)",
            field="include_area_events",
            kind="info",
        )
    elif overlaps:
        report.add(
            "area_overlaps",
            f"listed: {plural(overlaps, noun)} placed only to a district or province "
            f"that overlaps the query area (match = area overlaps{edge})",
            kind="info",
        )


def _check_areas(province: str | None, district: str | None) -> None:
    """Resolve `province` and `district` as the match will, on no rows, before any reading.

    An unknown name is refused as `near`'s is (a usage error, its closest names), not after
    a file of a million rows was read (exit 1, no hint); a district of two provinces asks for
    `province` then too.
    """
    if province is None and district is None:
        return
    import geopandas as gpd

    from incidentmap.errors import UnknownNameAsked, UnknownNameError
    from incidentmap.query import match_in

    none = gpd.GeoDataFrame({"province_code": [], "district_id": []}, geometry=[], crs=4326)
    asked = [("province", {"province": province})] if province is not None else []
    for name, names in [*asked, ("district", {"province": province, "district": district})]:
        try:
            match_in(none, **names)
        except UnknownNameError as exc:
            raise UnknownNameAsked(exc, name) from None


def _location(near: str, province: str | None) -> Any:
    """Resolve ``near``; a name the gazetteer does not know is a usage error (exit 2)."""
    from incidentmap.errors import UnknownNameAsked, UnknownNameError
    from incidentmap.query import resolve_location

    try:
        return resolve_location(near, province=province)
    except UnknownNameError as exc:
        raise UnknownNameAsked(exc, "near") from None
