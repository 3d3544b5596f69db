"""One boundary layer and everything derived from it, built once, on first use.

:class:`BoundaryContext` is what geocoding, queries, exports and maps share about
a district layer: the districts and the provinces dissolved from them, the
gazetteer of names, the point locator, representative points, metric copies
for distances, display geometry for maps, and the provenance (source, licence,
citation). Each part is a cached property, so a command pays only for what it
uses. :func:`context_for` returns the same context for the same layer.
"""

from __future__ import annotations

import functools
import hashlib
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import shapely
from shapely.errors import GEOSException

from incidentmap.atomic import atomic_write
from incidentmap.errors import OutputExistsError, OutputWriteError, UsageError
from incidentmap.gazetteer.store import (
    DistrictTable,
    npz_bytes,
    pack_strings,
    read_arrays,
    unpack_strings,
)
from incidentmap.locator import PointLocator, from_wkb_arrays, wkb_arrays

if TYPE_CHECKING:  # GeoPandas comes with a layer: district_at() reads none
    import geopandas as gpd

    from incidentmap.gazetteer import Gazetteer

_T = TypeVar("_T")

__all__ = [
    "METRIC_CRS",
    "BoundaryContext",
    "DistrictAt",
    "context_for",
    "district_at",
]

#: a metric CRS for snapping and distances (UTM 42N spans Afghanistan's centre; <1% scale error)
METRIC_CRS = "EPSG:32642"
#: half the diagonal of a point-locator grid cell (0.05 degrees) in km, rounded up, with the
#: border's simplification (100 m)
CELL_MARGIN_KM = 4.0
#: the same for a sub-cell (0.00625 degrees: 0.46 km), with the simplification and the
#: projection's scale
SUB_MARGIN_KM = 0.75
#: cells outside the country this near its border (km) keep distances per sub-cell
FAR_BAND_KM = 15.0
_REQUIRED = ("district_id", "district", "province_code")


class BoundaryContext:
    """A district layer and what is derived from it.

    Parameters
    ----------
    districts : geopandas.GeoDataFrame
        District layer with ``district_id``, ``district``, ``province_code``
        (from :func:`incidentmap.load_boundaries`, or any layer with those columns).

    Raises
    ------
    UsageError
        If a required column is missing.
    """

    def __init__(self, districts: gpd.GeoDataFrame) -> None:
        missing = [c for c in _REQUIRED if c not in districts.columns]
        if missing:
            msg = f"boundaries lack column(s) {missing}; use load_boundaries()"
            raise UsageError(msg)
        if districts.crs is not None and not districts.crs.equals("EPSG:4326"):
            districts = districts.to_crs("EPSG:4326")
        self.districts = districts.reset_index(drop=True)
        self.district_names = self.districts["district"].to_numpy(dtype=object)
        self.province_codes = self.districts["province_code"].to_numpy(dtype=object)
        self.pos_by_id = {str(d): i for i, d in enumerate(self.districts["district_id"])}

    @classmethod
    def installed(cls) -> BoundaryContext:
        """Return the context of the installed boundaries (:func:`incidentmap.load_boundaries`)."""
        from incidentmap.boundaries import load_boundaries

        return context_for(load_boundaries("district"))

    # -- provenance ---------------------------------------------------------------------------

    @property
    def provenance(self) -> dict[str, Any]:
        """Source, licence, citation and counts of the layer (empty for a user's own layer)."""
        return dict(self.districts.attrs.get("provenance") or {})

    @property
    def credit(self) -> str:
        """A short credit line for maps: "Boundaries: geoBoundaries.org (Runfola et al. 2020)"."""
        from incidentmap.boundaries import credit_line

        return credit_line(self.provenance)

    # -- derived layers -----------------------------------------------------------------------

    @functools.cached_property
    def provinces(self) -> gpd.GeoDataFrame:
        """Provinces dissolved from the districts (the two levels nest exactly).

        For the installed layer they are the provinces the install dissolved and kept
        (the same rows and shapes, read in 0.01 s instead of dissolved again in 0.3 s).
        """
        from incidentmap.boundaries import dissolve_provinces, load_boundaries

        key = str(self.districts.attrs.get("layer_key") or "")
        if key.endswith(":district"):
            kept = load_boundaries("province")
            if kept.attrs.get("layer_key") == key.removesuffix("district") + "province":
                return kept
        return dissolve_provinces(self.districts)

    @functools.cached_property
    def locator(self) -> PointLocator:
        """Point-in-polygon index over the districts (kept in the cache for installed layers)."""
        return self._kept(
            _LOCATOR,
            lambda: PointLocator(self.districts.geometry.values),
            PointLocator.to_arrays,
            PointLocator.from_arrays,
        )

    @functools.cached_property
    def district_table(self) -> DistrictTable:
        """The districts' ids, names and province codes (what :func:`district_at` says)."""

        def build() -> DistrictTable:
            d = self.districts
            return DistrictTable(*([str(v) for v in d[c]] for c in DistrictTable.COLUMNS))

        return self._kept(_DISTRICTS, build, DistrictTable.to_arrays, DistrictTable.from_arrays)

    def locate(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Positional index of the district holding each point, -1 for none."""
        return self.locator.locate(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))

    @functools.cached_property
    def gazetteer(self) -> Gazetteer:
        """Province, district and place names for this layer.

        Kept in the cache for an installed layer, stamped with the layer and the version
        of the name data (:func:`incidentmap.gazetteer.name_data_version`).
        """
        from incidentmap.gazetteer import Gazetteer, name_data_version

        return self._kept(
            ("gazetteer-v1", name_data_version()),
            lambda: Gazetteer(self.districts, locate=self.locate),
            Gazetteer.to_arrays,
            lambda arrays: Gazetteer.from_arrays(self.districts, arrays),
        )

    def _kept(
        self,
        name: tuple[str, str],
        build: Callable[[], _T],
        pack: Callable[[_T], dict[str, np.ndarray]],
        unpack: Callable[[dict[str, np.ndarray]], _T],
    ) -> _T:
        """Return an index of an installed layer from the cache, else build it and keep it.

        ``name`` is (file name, version of what it is built from): the file is stamped with
        both and the layer's key. A damaged, stale or foreign file is built again; a
        read-only cache builds it in memory (said once); a user's own layer (no
        ``layer_key``) gets it built each time.
        """
        key = self.districts.attrs.get("layer_key")
        where = _index_file(key, *name) if key else None
        arrays = read_arrays(*where) if where is not None else None
        if arrays is not None:
            try:
                return unpack(arrays)
            except (ValueError, KeyError, IndexError, GEOSException):
                pass  # arrays that do not fit together: build it again
        value = build()
        try:
            packed = pack(value) if where is not None else None
        except ValueError:
            packed = None  # a name that cannot be packed (a NUL): kept in memory only
        if where is not None and packed is not None:
            _write_arrays(*where, packed)
        return value

    @functools.cached_property
    def district_rep(self) -> np.ndarray:
        """A point inside each district (for rows placed by district name)."""
        return shapely.point_on_surface(self.districts.geometry.values)

    @functools.cached_property
    def province_rep(self) -> dict[str, Any]:
        """A point inside each province, by ISO code."""
        codes, _, reps = self._province_parts
        return dict(zip(codes, reps, strict=True))

    @functools.cached_property
    def province_geometry(self) -> dict[str, Any]:
        """Province polygons by ISO code."""
        codes, geoms, _ = self._province_parts
        return dict(zip(codes, geoms, strict=True))

    @functools.cached_property
    def _province_parts(self) -> tuple[list[str], np.ndarray, np.ndarray]:
        """(codes, polygons, points inside) of :attr:`provinces` (dissolving them: 0.3 s)."""

        def build() -> tuple[list[str], np.ndarray, np.ndarray]:
            p = self.provinces
            geoms = p.geometry.values.to_numpy()
            return [str(c) for c in p["province_code"]], geoms, shapely.point_on_surface(geoms)

        return self._kept(("provinces", "v1"), build, _pack_provinces, _unpack_provinces)

    @functools.cached_property
    def metric(self) -> gpd.GeoSeries:
        """The districts in a metric CRS (UTM 42N)."""
        return self.districts.geometry.to_crs(METRIC_CRS)

    @functools.cached_property
    def metric_tree(self) -> shapely.STRtree:
        """STRtree over :attr:`metric`, for snapping."""
        return shapely.STRtree(self.metric.values)

    def warm(self) -> None:
        """Load what placing points needs (the locator, far distances, snapping pieces)."""
        _ = self.locator, self.far_cells, self.far_subcells
        _ = self.province_positions, self.metric_pieces_tree, self.outline_tree

    @functools.cached_property
    def province_positions(self) -> np.ndarray:
        """Position of each district's province among :func:`incidentmap.gazetteer.admin1`."""
        from incidentmap.gazetteer import provinces

        pos = {code: i for i, code in enumerate(provinces())}
        codes = self.districts["province_code"].to_numpy(dtype=object)
        return np.array([pos[c] for c in codes], dtype=np.int64)

    @functools.cached_property
    def _metric_transformer(self) -> Any:
        from pyproj import Transformer

        return Transformer.from_crs("EPSG:4326", METRIC_CRS, always_xy=True)

    def to_metric(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Return points in metres (UTM 42N) for longitudes and latitudes.

        Parameters
        ----------
        lon, lat : numpy.ndarray
            Degrees (EPSG:4326).

        Returns
        -------
        numpy.ndarray of shapely.Point
            The points in :data:`METRIC_CRS`, through one transformer kept on the context.
        """
        mx, my = self._metric_transformer.transform(lon, lat)
        return shapely.points(mx, my)

    @functools.cached_property
    def metric_pieces(self) -> np.ndarray:
        """The point locator's pieces (districts cut by its grid) in metres (UTM 42N)."""
        pieces = self.locator.pieces

        def build() -> np.ndarray:
            c = shapely.get_coordinates(pieces)
            return np.column_stack(self._metric_transformer.transform(c[:, 0], c[:, 1]))

        coords = self._cached("metric-pieces-v1", build)  # projecting them: 0.1 s a run
        if coords.shape != (int(shapely.get_num_coordinates(pieces).sum()), 2):
            coords = build()  # a cache written for other pieces
        return shapely.transform(pieces, lambda c: coords)

    @functools.cached_property
    def metric_pieces_tree(self) -> shapely.STRtree:
        """STRtree over :attr:`metric_pieces`: nearest-district queries on small polygons."""
        return shapely.STRtree(self.metric_pieces)

    def _cached(self, name: str, build: Callable[[], np.ndarray]) -> np.ndarray:
        """Return an array derived from an installed layer, kept in the user cache."""
        return self._kept((name, "array"), build, lambda a: {"values": a}, lambda a: a["values"])

    @functools.cached_property
    def outline_tree(self) -> shapely.STRtree:
        """Short segments of the outer border (metric), for "how far outside"."""

        def build() -> np.ndarray:
            outline = shapely.union_all(self.provinces.geometry.to_crs(METRIC_CRS).values)
            return shapely.get_coordinates(_segments(outline)).reshape(-1, 2, 2)

        return shapely.STRtree(shapely.linestrings(self._cached("outline-v1", build)))

    @functools.cached_property
    def far_cells(self) -> np.ndarray:
        """Distance (km) from the centre of each locator grid cell to the country's border.

        Only for cells that touch no district and lie outside the country; NaN for the
        others. A point in such a cell is that far from every district, give or take
        half the cell's diagonal: enough to tell "60 km outside" without measuring each
        of half a million points to the border. Kept in the cache for installed layers.
        """
        return self._cached("far-cells-v1", self._far_cells)

    def _far_cells(self) -> np.ndarray:

        loc = self.locator
        ids = np.arange(loc.nx * loc.ny)
        cx = loc.x0 + (ids % loc.nx + 0.5) * loc.cell
        cy = loc.y0 + (ids // loc.nx + 0.5) * loc.cell
        free = (loc.owner == -1) & ~loc.boundary
        country = shapely.union_all(self.provinces.geometry.values)
        shapely.prepare(country)
        free &= ~shapely.contains_xy(country, cx, cy)  # a hole inside the country is not "far"
        out = np.full(len(ids), np.nan, dtype=float)
        out[free] = self._border_km(cx[free], cy[free])
        return out

    def _border_km(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Distance (km) from each point to the country's outer border (simplified, 100 m)."""
        if not len(lon):
            return np.empty(0)
        _, dist = self.outline_tree.query_nearest(
            self.to_metric(lon, lat), return_distance=True, all_matches=False
        )
        return np.asarray(dist) / 1000

    @functools.cached_property
    def far_subcells(self) -> tuple[np.ndarray, np.ndarray]:
        """Distances (km) to the country's border at the locator's sub-cells near it.

        For grid cells outside the country within :data:`FAR_BAND_KM` of its border,
        and for the sub-cells of boundary cells that no district comes near: the
        distance from each sub-cell's centre, so that a point there is known to be
        that far give or take :data:`SUB_MARGIN_KM`, not a whole cell's half
        diagonal. Returns (row of each grid cell in the table or -1, the table: one
        row of ``split * split`` distances per cell, NaN where not known). Kept in
        the cache for installed layers.
        """
        loc = self.locator
        table = self._cached("far-subcells-v1", self._far_subcells)
        rows = np.full(loc.nx * loc.ny, -1, dtype=np.int64)
        rows[table[:, 0].astype(np.int64)] = np.arange(len(table))
        return rows, table[:, 1:]

    def _far_subcells(self) -> np.ndarray:
        loc = self.locator
        far = self.far_cells
        band = np.flatnonzero(np.isfinite(far) & (far <= FAR_BAND_KM))
        edge = np.flatnonzero(loc.boundary)  # in the order of the locator's sub-cell rows
        cells = np.concatenate([band, edge])
        cx, cy = loc.sub_centres(cells)
        free = np.ones(cx.shape, dtype=bool)
        free[len(band) :] = loc.sub == -1  # no district near the sub-cell
        country = shapely.union_all(self.provinces.geometry.values)
        shapely.prepare(country)
        free[len(band) :] &= ~shapely.contains_xy(country, cx[len(band) :], cy[len(band) :])
        dist = np.full(free.shape, np.nan)
        dist[free] = self._border_km(cx[free], cy[free])
        keep = np.isfinite(dist).any(axis=1)
        return np.column_stack([cells[keep].astype(float), dist[keep]])

    def far_estimate(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return how far each point is from every district, and how far off that may be.

        From the sub-cell table where it knows the point's sub-cell (off by at most
        :data:`SUB_MARGIN_KM`), else from :attr:`far_cells` (off by half a cell's
        diagonal, :data:`CELL_MARGIN_KM`).

        Parameters
        ----------
        lon, lat : numpy.ndarray
            Degrees (EPSG:4326) of points outside every district.

        Returns
        -------
        tuple of numpy.ndarray
            (distance in km, NaN where neither table knows; margin in km).
        """
        loc = self.locator
        dist = np.full(len(lon), np.nan)
        margin = np.full(len(lon), CELL_MARGIN_KM)
        cx, cy = loc._cell_xy(lon, lat)
        inside = np.flatnonzero((cx >= 0) & (cx < loc.nx) & (cy >= 0) & (cy < loc.ny))
        cell = cy[inside] * loc.nx + cx[inside]
        dist[inside] = self.far_cells[cell]
        rows, table = self.far_subcells
        r = rows[cell]
        known = r >= 0
        at = inside[known]
        sub = table[r[known], loc.sub_index(lon[at], lat[at], cx[at], cy[at])]
        fine = np.isfinite(sub)
        dist[at[fine]] = sub[fine]
        margin[at[fine]] = SUB_MARGIN_KM
        return dist, margin

    def far_distance(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """:attr:`far_cells` at each point (NaN: not in a far cell, or outside the grid)."""
        loc = self.locator
        cx, cy = loc._cell_xy(lon, lat)
        inside = (cx >= 0) & (cx < loc.nx) & (cy >= 0) & (cy < loc.ny)
        out = np.full(len(lon), np.nan)
        out[inside] = self.far_cells[cy[inside] * loc.nx + cx[inside]]
        return out

    @functools.cached_property
    def display_layers(self) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
        """(districts, provinces) simplified for display as a coverage (borders shared)."""
        from incidentmap.display import simplify_for_display

        return simplify_for_display(self.districts)


def _pack_provinces(parts: tuple[list[str], np.ndarray, np.ndarray]) -> dict[str, np.ndarray]:
    codes, geoms, reps = parts
    wkb, lengths = wkb_arrays(geoms)
    return {
        "codes": pack_strings(codes),
        "wkb": wkb,
        "lengths": lengths,
        "reps": shapely.get_coordinates(reps),
    }


def _unpack_provinces(arrays: dict[str, np.ndarray]) -> tuple[list[str], np.ndarray, np.ndarray]:
    codes = unpack_strings(arrays["codes"], len(arrays["lengths"]))
    reps = shapely.points(np.asarray(arrays["reps"], dtype=float).reshape(-1, 2))
    if len(reps) != len(codes):
        msg = "a point inside each province expected"
        raise ValueError(msg)
    return codes, from_wkb_arrays(arrays["wkb"], arrays["lengths"]), reps


def _index_file(key: str, name: str, version: str) -> tuple[Path, str]:
    """Return the cache file of an index of the layer ``key`` and the stamp it must hold."""
    from incidentmap._settings import cache_dir

    stamp = f"{key}\n{version}"
    digest = hashlib.sha256(stamp.encode()).hexdigest()[:16]
    return cache_dir() / f"{name}-{digest}.npz", stamp


#: name and version of the cached point locator and district table
_LOCATOR = ("locator", "v2")
_DISTRICTS = ("districts", "v1")


@dataclass(frozen=True)
class DistrictAt:
    """The district holding a point (:func:`district_at`), with its province.

    The district's name and id as the installed layer has them; the province's common
    name and ISO 3166-2 code.
    """

    district: str
    district_id: str
    province: str
    province_code: str


def district_at(lon: float, lat: float) -> DistrictAt | None:
    """Return the installed layer's district holding a point; None if it lies in none.

    Answered from the indexes kept in the cache (the point locator and the table of
    districts): the layer is not read, nor GeoPandas imported, when they are there;
    else they are built from the layer and kept. The district is the one
    :func:`incidentmap.geocode` gives a point inside a district; snapping a point
    outside every district, and saying how far outside it is, are ``geocode``'s.

    Parameters
    ----------
    lon, lat : float
        Degrees (EPSG:4326).

    Returns
    -------
    DistrictAt or None

    Raises
    ------
    BoundariesNotInstalledError
        If no boundaries are installed.
    BoundaryCacheError
        If the installed cache is damaged.
    """
    from incidentmap.boundaries.cache import boundaries_info, layer_key
    from incidentmap.gazetteer import provinces

    key = layer_key(boundaries_info().provenance)
    found = _INSTALLED.get(key) or (_installed_indexes(key) if key else None)
    if found is None:
        ctx = BoundaryContext.installed()
        found = ctx.locator, ctx.district_table
    if key:  # the indexes of one checked layer: the same for the rest of the process
        _INSTALLED.clear()
        _INSTALLED[key] = found
    locator, table = found
    pos = int(locator.locate(np.array([lon], dtype=float), np.array([lat], dtype=float))[0])
    if not 0 <= pos < len(table.ids):
        return None
    code = table.codes[pos]
    return DistrictAt(table.names[pos], table.ids[pos], provinces()[code].name, code)


#: the indexes district_at() last used, by layer key
_INSTALLED: dict[str | None, tuple[PointLocator, DistrictTable]] = {}


def _installed_indexes(key: str) -> tuple[PointLocator, DistrictTable] | None:
    """Return the installed layer's locator and district table from the cache, if both are."""
    loc = read_arrays(*_index_file(key, *_LOCATOR))
    table = read_arrays(*_index_file(key, *_DISTRICTS))
    if loc is None or table is None:
        return None
    try:
        return PointLocator.from_arrays(loc), DistrictTable.from_arrays(table)
    except (ValueError, KeyError, IndexError):
        return None  # damaged: the context builds them again


def _write_arrays(path: Path, stamp: str, arrays: dict[str, np.ndarray]) -> None:
    """Keep arrays in the cache under a stamp (an ``.npz`` written atomically, no pickle)."""
    try:
        with atomic_write(path, overwrite=True) as tmp:
            tmp.write_bytes(npz_bytes(stamp, arrays))
    except (OutputWriteError, OutputExistsError) as exc:  # read-only, or a folder in the way
        from incidentmap._settings import cache_not_written

        cache_not_written(exc)  # a cache not written only costs time: said once


def _segments(area: shapely.Geometry, tolerance: float = 100.0) -> np.ndarray:
    """Cut the outer boundary of ``area`` into short two-point line segments."""
    rings = shapely.get_exterior_ring(shapely.get_parts(shapely.simplify(area, tolerance)))
    segs = []
    for ring in rings:
        xy = shapely.get_coordinates(ring)
        segs.append(shapely.linestrings(np.stack([xy[:-1], xy[1:]], axis=1)))
    return np.concatenate(segs)


def _layer_key(districts: gpd.GeoDataFrame) -> str:
    """Identify a layer by its content (ids, names, provinces, geometry)."""
    key = districts.attrs.get("layer_key")
    if key:
        return str(key)
    digest = hashlib.sha256()
    for col in _REQUIRED:
        digest.update("\x1f".join(map(str, districts[col].tolist())).encode("utf-8", "replace"))
    digest.update(b"".join(shapely.to_wkb(districts.geometry.values)))
    return digest.hexdigest()


_CACHE: OrderedDict[str, BoundaryContext] = OrderedDict()


def context_for(districts: gpd.GeoDataFrame | BoundaryContext | None = None) -> BoundaryContext:
    """Return the (cached) context of a district layer; None gives the installed one.

    Parameters
    ----------
    districts : geopandas.GeoDataFrame or BoundaryContext, optional

    Returns
    -------
    BoundaryContext
    """
    if isinstance(districts, BoundaryContext):
        return districts
    if districts is None:
        return BoundaryContext.installed()
    key = _layer_key(districts)
    ctx = _CACHE.get(key)
    if ctx is None:
        ctx = BoundaryContext(districts)
        _CACHE[key] = ctx
        while len(_CACHE) > 4:
            _CACHE.popitem(last=False)
    else:
        _CACHE.move_to_end(key)
    return ctx
