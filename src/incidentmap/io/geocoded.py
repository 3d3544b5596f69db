"""Files written by incidentmap itself: recognised by their columns, read back with their types."""

from __future__ import annotations

import os
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from incidentmap.errors import InputFileError
from incidentmap.io.tables import read_table

__all__ = ["is_geocoded", "read_geocoded", "typed_geocoded"]


def is_geocoded(columns: Any) -> bool:
    """Tell whether a table already has incidentmap's geocode columns."""
    return {"row", "geocode_method", "geocode_precision", "district_id", "province_code"} <= {
        str(c) for c in columns
    }


def read_geocoded(path: str | os.PathLike[str], **read_kwargs: Any) -> gpd.GeoDataFrame:
    """Read a file written by ``incidentmap geocode`` back with its types.

    Parameters
    ----------
    path : path-like or "-"
        A geocoded file (GPKG, GeoJSON, Parquet, CSV with WKT geometry...).
    **read_kwargs
        ``encoding``, ``delimiter``, ``sheet``, ``layer`` for :func:`incidentmap.io.read_table`.

    Returns
    -------
    geopandas.GeoDataFrame

    Raises
    ------
    InputFileError
        If the file lacks the geocode columns.
    """
    name = "<stdin>" if str(path) == "-" else str(path)
    raw = read_table(path, **read_kwargs)
    if not is_geocoded(raw.columns):
        raise InputFileError(name, "not a geocoded file (run incidentmap geocode first)")
    return typed_geocoded(raw, name)


def typed_geocoded(raw: pd.DataFrame, name: str) -> gpd.GeoDataFrame:
    """Return a geocoded table with its written types (dates, numbers, text, WKT geometry)."""
    if not isinstance(raw, gpd.GeoDataFrame):
        raw = _with_wkt_geometry(raw, name)
    g = raw.to_crs("EPSG:4326") if raw.crs is not None else raw.set_crs("EPSG:4326")
    g = g.reset_index(drop=True)
    g["date"] = pd.to_datetime(g["date"], errors="coerce") if "date" in g else pd.NaT
    for c in ("row", "fatalities", "injured", "latitude", "longitude", "geocode_score"):
        if c in g.columns:
            g[c] = pd.to_numeric(g[c], errors="coerce")
    g["geocode_conflict"] = _per_value(
        g["geocode_conflict"], lambda v: str(v).strip().lower() in ("true", "1"), bool
    )
    text_cols = (
        "event_id",
        "date_precision",
        "event_type",
        "actor",
        "actor2",
        "actor1_group",
        "actor2_group",
        "attribution",
        "category",
        "category_source",
        "notes",
        "source",
        "stated_province",
        "stated_district",
        "stated_place",
        "source_precision",
        "input_note",
        "province",
        "province_code",
        "district",
        "district_id",
        "geocode_method",
        "geocode_precision",
        "geocode_note",
    )
    for c in text_cols:
        if c in g.columns:
            g[c] = _per_value(g[c], _as_text_or_none, object)
    g.attrs.update({"path": name, "preset": "geocoded", "geocoded": True, "notes": []})
    return g


def _per_value(values: pd.Series, func: Any, dtype: Any) -> pd.Series:
    """Apply ``func`` once per distinct value (and once for missing) and spread the results."""
    if func is _as_text_or_none and isinstance(values.dtype, pd.StringDtype):
        keep = (values.notna() & (values != "")).fillna(False).to_numpy(dtype=bool)
        return values.astype(object).where(keep, None)  # text already: blanks become None
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    out = np.array([func(u) for u in uniques] + [func(None)], dtype=dtype)
    return pd.Series(out[codes], index=values.index, dtype=dtype)


def _as_text_or_none(v: Any) -> str | None:
    if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)) or str(v) == "":
        return None
    return v if isinstance(v, str) else _id_text(v)


def _id_text(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _with_wkt_geometry(raw: pd.DataFrame, name: str) -> gpd.GeoDataFrame:
    """Return a table whose ``geometry`` column is WKT text (a CSV) as a GeoDataFrame."""
    frame = pd.DataFrame(raw)
    wkt = frame.pop("geometry") if "geometry" in frame.columns else None
    geom = np.full(len(frame), None, dtype=object)
    if wkt is not None:
        text = wkt.astype(object).where(wkt.notna() & (wkt.astype(str) != ""), None)
        try:
            geom = shapely.from_wkt(text.to_numpy(dtype=object))
        except shapely.errors.GEOSException as exc:
            raise InputFileError(name, f"geometry: not WKT ({exc})") from exc
    return gpd.GeoDataFrame(frame, geometry=geom, crs="EPSG:4326")
