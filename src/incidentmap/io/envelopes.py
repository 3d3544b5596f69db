"""The rows of a JSON document as the publishers' APIs wrap them.

An API's answer saved to a file is a list of records inside an envelope of counts and
messages: ACLED's ``{"status": 200, "success": true, "count": N, "data": [...]}``, UCDP's
``{"TotalCount": N, "TotalPages": P, "NextPageUrl": ..., "Result": [...]}``, HDX HAPI's
``{"data": [...]}``, an ArcGIS feature service's Esri JSON ``{"features": [{"attributes":
{...}, "geometry": {"x": ..., "y": ...}}], "spatialReference": {...}}``. The records are the
one member that is a list of objects, whatever its name. An envelope that reports an error
(``"success": false``) is said as the API's error, and one page of several (UCDP's
``TotalCount`` above the rows held) is said in a note, never taken for the whole.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import pandas as pd

from incidentmap.errors import InputFileError

__all__ = ["records"]

#: the names APIs give their records, tried first (in this order)
_RECORD_KEYS = ("data", "Result", "result", "results", "records", "items", "rows", "events")
#: how an envelope counts all the rows its query matched (UCDP ``TotalCount``)
_TOTAL_KEYS = ("TotalCount", "total_count", "totalCount", "total")

_EXPECTED = (
    "expected a list of objects, an API's answer holding one ({'data': [...]}, "
    "{'Result': [...]}), Esri JSON features, or a GeoJSON FeatureCollection"
)


def _is_records(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(r, dict) for r in value)


def _message_only(obj: dict[str, Any]) -> str | None:
    """Return the text of an answer that is a message and no data (``{"message": "..."}``)."""
    said = obj.get("message", obj.get("Message"))
    if isinstance(said, str) and not any(isinstance(v, list) for v in obj.values()):
        return said  # {"message": "Authorization has been denied for this request."}
    return None


def _error(obj: dict[str, Any]) -> str | None:
    """Return an API's error message when the envelope reports one."""
    err = obj.get("error")
    said = _message_only(obj)
    if said is not None:
        return said
    if obj.get("success") is False or isinstance(err, dict | str):
        if isinstance(err, dict):
            err = err.get("message") or err.get("msg") or err
        messages = obj.get("messages")
        return str(err or messages or "no message")
    return None


def _esri(obj: dict[str, Any]) -> gpd.GeoDataFrame | pd.DataFrame:
    """Esri JSON features: ``attributes`` as rows, ``geometry`` x/y as points."""
    feats = obj["features"]
    rows = _esri_dates(pd.DataFrame([f.get("attributes") or {} for f in feats]), obj)
    geoms = [g if isinstance(g := f.get("geometry"), dict) else {} for f in feats]
    if not any("x" in g for g in geoms):
        return rows
    points = gpd.points_from_xy(_axis(geoms, "x"), _axis(geoms, "y"))
    return gpd.GeoDataFrame(rows, geometry=points, crs=_crs(obj))


def _esri_dates(rows: pd.DataFrame, obj: dict[str, Any]) -> pd.DataFrame:
    """Turn Esri JSON's date fields (milliseconds since 1970, UTC) into dates."""
    fields = obj.get("fields") if isinstance(obj.get("fields"), list) else []
    for f in fields:
        name = f.get("name") if isinstance(f, dict) else None
        if f.get("type") == "esriFieldTypeDate" and name in rows.columns:
            ms = pd.to_numeric(rows[name], errors="coerce")
            rows[name] = pd.to_datetime(ms, unit="ms", utc=True).dt.tz_localize(None)
    return rows


def _axis(geoms: list[dict[str, Any]], key: str) -> pd.Series:
    return pd.to_numeric(pd.Series([g.get(key) for g in geoms], dtype=object), errors="coerce")


def _crs(obj: dict[str, Any]) -> int:
    """Return the EPSG code of Esri JSON's ``spatialReference`` (102100 is 3857)."""
    ref = obj.get("spatialReference") or {}
    wkid = ref.get("latestWkid") or ref.get("wkid") or 4326
    return 3857 if wkid in (102100, 102113, 900913) else int(wkid)


def _page_note(obj: dict[str, Any], held: int, key: str, path: str) -> list[str]:
    """Say when the envelope counts more rows than it holds (one page of an API's answer)."""
    total = next((obj[k] for k in _TOTAL_KEYS if isinstance(obj.get(k), int)), None)
    if total is None or total <= held:
        return []
    pages = obj.get("TotalPages")
    of = f" (one page of {pages:,})" if isinstance(pages, int) and pages > 1 else ""
    return [
        f"{path}: the file holds {held:,} of the {total:,} rows the API's answer counts"
        f"{of} in {key!r}: only these are read; `incidentmap fetch` gets every page"
    ]


def records(obj: Any, path: str) -> tuple[pd.DataFrame, list[str]]:
    """Return the rows of a parsed JSON document and notes about its envelope.

    Parameters
    ----------
    obj : Any
        The parsed document (not a GeoJSON FeatureCollection: read by GDAL).
    path : str
        The file, for messages.

    Returns
    -------
    pandas.DataFrame
        The records (a GeoDataFrame for Esri JSON features with points).
    list of str
        Notes (one page of several).

    Raises
    ------
    InputFileError
        An API's error answer; no member is a list of objects; several are.
    """
    if _is_records(obj):
        if not obj:
            raise InputFileError(path, "the file holds an empty list: no rows to read")
        return pd.DataFrame(obj), []
    if not isinstance(obj, dict):
        raise InputFileError(path, _EXPECTED)
    err = _error(obj)
    if err is not None:
        raise InputFileError(path, f"an API's error answer, not data: {err}")
    feats = obj.get("features")
    if _is_records(feats) and all("attributes" in f for f in feats):
        return _esri(obj), []
    key = _records_key(obj, path)
    rows = obj[key]
    if not rows:  # a query that matched nothing: said, not "no coordinate columns"
        raise InputFileError(
            path, f"the API's answer holds no rows ({key!r} is empty{_count(obj)})"
        )
    return pd.DataFrame(rows), _page_note(obj, len(rows), key, path)


def _count(obj: dict[str, Any]) -> str:
    """Say the rows the envelope counts (``count``, ``TotalCount``), when it does."""
    n = next((obj[k] for k in ("count", *_TOTAL_KEYS) if isinstance(obj.get(k), int)), None)
    return "" if n is None else f", count {n:,}"


def _records_key(obj: dict[str, Any], path: str) -> str:
    """Return the one member holding the records: a known name first, else any."""
    named = [k for k in _RECORD_KEYS if _is_records(obj.get(k))]
    found = named or [k for k, v in obj.items() if _is_records(v) and v]
    if len(found) != 1:
        listed = f" (lists of objects under {', '.join(map(repr, found))})" if found else ""
        raise InputFileError(path, _EXPECTED + listed)
    return found[0]
