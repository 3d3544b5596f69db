"""Incidents placed only to a district or province, exported for GIS without copied polygons.

Part of :mod:`incidentmap.export` (``area_events="layer"``). Such an incident has no point:
its place is its area. Written with a copy of its area's polygon each, ACLED's province-level
workbook (69,172 rows on 34 provinces) made a 2.6 GB GeoPackage QGIS could not draw. Here
every such incident is one row of an attribute table, ``area_events`` (no geometry; its
``area_id`` names its area: the ``district_id`` of a district, the ``province_code`` of a
province, as the ``districts`` and ``provinces`` layers key them), and each area that has such
incidents is one polygon of ``area_events_areas``, with how many (``incidents``) and their
tolls. QGIS joins or relates the two on ``area_id``; the polygons are written once.
"""

from __future__ import annotations

from collections.abc import Callable

import geopandas as gpd
import pandas as pd

from incidentmap.aggregate import counts_by_area

__all__ = ["AREA_LAYER", "AREA_TABLE", "area_event_layers"]

#: the table of incidents placed only to an area (one row each, no geometry)
AREA_TABLE = "area_events"
#: their areas, each polygon once, with the count of those incidents
AREA_LAYER = "area_events_areas"
#: the key of each level's areas, as the incidents and the area layers carry it
_KEYS = {"province": "province_code", "district": "district_id"}


def area_event_layers(
    rows: gpd.GeoDataFrame, boundaries: Callable[[str], gpd.GeoDataFrame]
) -> dict[str, pd.DataFrame]:
    """Return the area-placed incidents as a table and their areas as one polygon layer.

    Parameters
    ----------
    rows : geopandas.GeoDataFrame
        Incidents whose ``geocode_precision`` is ``district`` or ``province``.
    boundaries : callable
        ``boundaries(level)`` gives the area layer of ``"district"`` or ``"province"``.

    Returns
    -------
    dict of str to pandas.DataFrame
        :data:`AREA_TABLE`: the rows in their order, without geometry, with ``area_id``;
        :data:`AREA_LAYER`: a GeoDataFrame, one polygon per area holding such rows (provinces
        first, so that districts draw over them), with ``area_id``, ``area_level``, ``area``
        (its name), ``province_code``, ``province``, ``incidents`` and the tolls'
        sums (``fatalities``, ``fatalities_known``... as the area layers have them). Its
        ``incidents`` add up to the table's rows (to their weights, when rows are weighted).
    """
    precision = rows["geocode_precision"].astype(str)
    table = pd.DataFrame(rows.drop(columns=[rows.geometry.name]))
    table.attrs = dict(rows.attrs)
    area_id = pd.Series(pd.NA, index=table.index, dtype="string")
    for level, key in _KEYS.items():
        at = (precision == level).to_numpy()
        if key in table.columns:
            area_id[at] = table.loc[at, key].astype("string")
    table["area_id"] = area_id
    parts = [_areas(table[(precision == level).to_numpy()], level, boundaries)
             for level in _KEYS]  # fmt: skip
    areas = pd.concat([p for p in parts if len(p)] or parts[:1], ignore_index=True)
    geometry = gpd.GeoSeries(list(areas.pop("geometry")), crs="EPSG:4326")
    layer = gpd.GeoDataFrame(areas, geometry=geometry, crs="EPSG:4326")
    return {AREA_TABLE: table.reset_index(drop=True), AREA_LAYER: layer}


def _areas(
    rows: pd.DataFrame, level: str, boundaries: Callable[[str], gpd.GeoDataFrame]
) -> pd.DataFrame:
    """Return one row per area of ``level`` holding ``rows``: its counts and its polygon."""
    key = _KEYS[level]
    columns = ["area_id", "area_level", "area", "province_code", "province", "incidents"]
    if rows.empty:
        return pd.DataFrame(columns=[*columns, "geometry"])
    areas = boundaries(level)
    counts = counts_by_area(rows, areas, level=level, period=None)
    counts = counts[counts["incidents"] > 0]
    polygons = areas.set_index(areas[key].astype(str)).geometry
    out = pd.DataFrame(
        {
            "area_id": counts[key].astype(str).to_numpy(),
            "area_level": level,
            "area": counts[level].to_numpy(),
            "province_code": counts["province_code"].to_numpy() if level == "district"
            else counts[key].to_numpy(),
            "province": counts["province"].to_numpy(),
        }
    )  # fmt: skip
    sums = [c for c in counts.columns if c not in (key, *columns, "district")]
    for c in ["incidents", *sums]:
        out[c] = counts[c].to_numpy()
    out["geometry"] = polygons.reindex(out["area_id"]).to_numpy()
    return out
