"""Tables the user names beside the incidents: query polygons and population tables."""

from __future__ import annotations

import os

import geopandas as gpd
import numpy as np
import pandas as pd

from incidentmap.errors import InputFileError
from incidentmap.io.tables import read_table

__all__ = ["POPULATION_COLUMNS", "PROVINCE_KEYS", "read_polygons", "read_population"]

#: population columns, in the order they are looked for (OCHA COD-PS writes T_TL)
POPULATION_COLUMNS = ("population", "pop", "t_tl", "total")
#: province columns, in the order they are looked for (name, ISO code or p-code)
PROVINCE_KEYS = ("province_code", "province", "admin1_code", "admin1_name", "adm1_pcode", "adm1_en")


def read_polygons(path: str | os.PathLike[str]) -> gpd.GeoDataFrame:
    """Read a polygon layer (a query area); a layer without a CRS is taken as EPSG:4326.

    Parameters
    ----------
    path : path-like
        Any vector file GDAL reads.

    Returns
    -------
    geopandas.GeoDataFrame

    Raises
    ------
    InputFileError
        If the file cannot be read or holds anything but polygons.
    """
    try:
        area = gpd.read_file(path, engine="pyogrio")
    except Exception as exc:
        raise InputFileError(str(path), f"cannot read as a polygon layer ({exc})") from exc
    types = set(area.geom_type.dropna())
    if not types or not types <= {"Polygon", "MultiPolygon"}:
        raise InputFileError(str(path), f"expected polygons, found {sorted(types) or 'none'}")
    if area.crs is None:
        area = area.set_crs("EPSG:4326")
    return area


def read_population(path: str | os.PathLike[str]) -> tuple[pd.DataFrame, str]:
    """Read a population table keyed by ``district_id`` or by a province column.

    Parameters
    ----------
    path : path-like
        Any table :func:`incidentmap.io.read_table` reads.

    Returns
    -------
    pandas.DataFrame
        Two columns: the key (``district_id``, or the province column as written) and
        ``population`` (numbers; NaN where not a number).
    str
        The key column's name in the file.

    Raises
    ------
    InputFileError
        If the table has no population column or no key column.
    """
    table = pd.DataFrame(read_table(path))
    cols = {str(c).lower(): c for c in table.columns}
    pop_col = next((cols[c] for c in POPULATION_COLUMNS if c in cols), None)
    if pop_col is None:
        raise InputFileError(str(path), "no population column (population, pop, T_TL or total)")
    key = cols["district_id"] if "district_id" in cols else None
    if key is None:
        key = next((cols[c] for c in PROVINCE_KEYS if c in cols), None)
    if key is None:
        raise InputFileError(str(path), "no province or district_id column")
    out = pd.DataFrame(
        {
            key: table[key].astype(str),
            "population": _population(table[pop_col], str(path), str(pop_col)),
        }
    )
    return out, str(key)


def _population(values: pd.Series, path: str, column: str) -> pd.Series:
    """Read population numbers; refuse a word or a negative number with its row.

    ``12,000`` and ``12 000`` are twelve thousand; a blank is unknown.
    """
    text = values.astype("string").str.strip()
    plain = text.str.replace(r"(?<=\d)[,\u00a0\u202f ](?=\d{3}\b)", "", regex=True)
    numbers = pd.to_numeric(plain, errors="coerce")
    given = text.notna() & (text != "")
    for label, bad in (("a number", given & numbers.isna()), ("at least 0", numbers < 0)):
        if bool(bad.fillna(False).any()):
            row = int(np.flatnonzero(bad.fillna(False).to_numpy())[0])
            msg = f"{str(text.iloc[row])!r}: a population must be {label}"
            raise InputFileError(path, msg, row=row + 1, column=column, keepable=False)
    return numbers.astype(float)
