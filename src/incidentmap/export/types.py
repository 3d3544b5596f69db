"""The publisher's own columns of an exported layer, typed for GIS.

Part of :mod:`incidentmap.export`: numbers and ISO dates the reader kept as text are
written as numbers and dates, so that GIS sorts, filters and classifies them as such.
"""

from __future__ import annotations

import re

import geopandas as gpd
import pandas as pd

from incidentmap.schema import CANONICAL_COLUMNS, OUTPUT_COLUMNS

__all__ = ["typed_columns"]


_INTEGER = re.compile(r"^-?(?:0|[1-9][0-9]{0,17})$")
_DECIMAL = re.compile(r"^(?=.*[0-9])-?(?:0|[1-9][0-9]*)?(?:\.[0-9]+)?$")
_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def typed_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Return the layer with the publisher's own text columns typed where every value allows.

    A column the reader kept as the file wrote it (not one of the canonical or geocode
    columns) becomes integers when every value is a whole number written plainly (no
    leading zero: ``"007"`` stays text), decimals when every value is a number, dates
    when every value is ``YYYY-MM-DD``; blanks are missing values. GIS then sorts, filters
    and classifies them as numbers and dates (GTD's ``year``, ``Date_``, ``GUNCERTAIN.1``).

    Parameters
    ----------
    frame : pandas.DataFrame
        A layer (GeoDataFrame) or a table without geometry (``area_events``).

    Returns
    -------
    pandas.DataFrame
        A copy where a column changed; the same frame otherwise.
    """
    geometry = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
    keep = {*CANONICAL_COLUMNS, *OUTPUT_COLUMNS, geometry}
    out = frame
    for col in frame.columns:
        s = frame[col]
        if col in keep or not (s.dtype == object or pd.api.types.is_string_dtype(s)):
            continue
        text = s.astype("string").str.strip()
        text = text.mask(text == "")
        values = text.dropna()
        if values.empty or not bool(values.map(lambda v: isinstance(v, str)).all()):
            continue
        typed = _typed(text, values)
        if typed is not None:
            out = out.copy() if out is frame else out
            out[col] = typed
    return out


def _typed(text: pd.Series, values: pd.Series) -> pd.Series | None:
    """Return the column as integers, decimals or dates when every value is one, else None."""
    if values.str.fullmatch(_INTEGER.pattern).all():
        return pd.to_numeric(text).astype("Int64")
    if values.str.fullmatch(_DECIMAL.pattern).all():
        return pd.to_numeric(text).astype(float)
    if values.str.fullmatch(_ISO_DATE.pattern).all():
        dates = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
        if dates.notna().sum() == len(values):
            return dates
    return None
