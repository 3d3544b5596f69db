"""Frames made ready for a writer: plain values, text where a format needs it, safe field names."""

from __future__ import annotations

import csv
import datetime as _dt
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from incidentmap.schema import safe_names

__all__ = [
    "WriteOptions",
    "Writer",
    "as_text",
    "csv_safe_text",
    "dates_as_text",
    "geojson_features",
    "json_records",
    "json_value",
    "safe_frame",
    "write_csv",
    "write_geojson_text",
]


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe_text(value: Any) -> Any:
    """Prefix text that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def plain_frame(gdf: pd.DataFrame, *, dates_as_text: bool) -> pd.DataFrame:
    """Object columns as text or None; dates as ISO text when asked; bools kept."""
    out = gdf.copy()
    geom_name = out.geometry.name if isinstance(out, gpd.GeoDataFrame) else None
    for col in out.columns:
        if col == geom_name:
            continue
        s = out[col]
        if pd.api.types.is_datetime64_any_dtype(s):
            if getattr(s.dt, "tz", None) is not None:
                s = s.dt.tz_localize(None)
                out[col] = s
            if dates_as_text:
                out[col] = s.dt.strftime("%Y-%m-%d").astype("object").where(s.notna(), None)
        elif pd.api.types.is_bool_dtype(s) or pd.api.types.is_numeric_dtype(s):
            continue
        elif isinstance(s.dtype, pd.StringDtype):
            continue  # text already (Arrow-backed): every writer takes it as it is
        else:
            out[col] = _as_text_column(s)
    return out


def _as_text_column(s: pd.Series) -> pd.Series:
    """Return an object column as text: in C when it holds only text and blanks."""
    import pyarrow as pa

    try:
        arr = pa.array(s.to_numpy(dtype=object), type=pa.large_string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return s.astype("object").where(s.notna(), None).map(as_text)
    if _NEW_STRINGS:
        return pd.Series(pd.array(arr.to_pandas(), dtype="str"), index=s.index)
    return pd.Series(pd.array(arr, dtype="string[pyarrow]"), index=s.index)


#: pandas 3's "str" keeps a missing value missing; pandas 2's "str" is NumPy text, where
#: None became the word "None" (a silent change): there Arrow-backed strings are used
_NEW_STRINGS = int(pd.__version__.split(".")[0]) >= 3


def as_text(v: Any) -> Any:
    """Return a value as a writer takes text: None and strings as they are, others as str."""
    if v is None or isinstance(v, str):
        return v
    if isinstance(v, float) and np.isnan(v):
        return None
    if isinstance(v, (pd.Timestamp,)):
        return v.strftime("%Y-%m-%d")
    return str(v)


def safe_frame(gdf: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, dict[str, str]]:
    """Apply the shared field-name rule (identity for frames read by incidentmap)."""
    geom = gdf.geometry.name
    cols = [c for c in gdf.columns if c != geom]
    names = safe_names([str(c) for c in cols])
    renamed = {c: n for c, n in zip(cols, names.values(), strict=True) if str(c) != n}
    if renamed:
        gdf = gdf.rename(columns=renamed)
    if geom != "geometry":
        gdf = gdf.rename_geometry("geometry")
    return gdf, renamed


@dataclass
class WriteOptions:
    """Options every writer receives."""

    precision: int | None = None
    csv_safe: bool = False


Writer = Callable[[dict[str, gpd.GeoDataFrame], Path, WriteOptions], dict[str, Any]]


def write_csv(
    frame: pd.DataFrame,
    target: Path | IO[str],
    *,
    geometry_digits: int | None = None,
    csv_safe: bool = False,
) -> None:
    """Write RFC 4180 CSV: UTF-8, CRLF line ends, text values quoted.

    Written by Arrow's CSV writer, which quotes every text value: a value with a CR,
    LF, comma or quote is always safe (Python's csv module leaves a bare CR unquoted
    unless CR ends lines), and pandas' and Python's readers give back the same rows.
    A geometry column is written as WKT.
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    header, table = csv_parts(frame, geometry_digits=geometry_digits, csv_safe=csv_safe)
    options = pacsv.WriteOptions(include_header=False, eol="\r\n", quoting_style="needed")
    buf = pa.BufferOutputStream()
    pacsv.write_csv(table, buf, write_options=options)
    body = buf.getvalue()
    if isinstance(target, Path):
        with target.open("wb") as fh:
            fh.write(header.encode("utf-8"))
            fh.write(memoryview(body))
    else:
        target.write(header + body.to_pybytes().decode("utf-8"))


#: what a spreadsheet runs as a formula at the start of a cell
_RISKY = re.compile(r"[=+\-@\t\r]")


def _guard_cells(out: pd.DataFrame) -> None:
    """Prefix text cells a spreadsheet would run as a formula with ``'`` (in place)."""
    for col in out.columns:
        s = out[col]
        if s.dtype == object or pd.api.types.is_string_dtype(s):
            text = s.astype("str")
            risky = text.str.match(_RISKY.pattern).fillna(False).to_numpy(dtype=bool)
            out[col] = text.where(~risky, "'" + text)


def csv_parts(
    frame: pd.DataFrame, *, geometry_digits: int | None = None, csv_safe: bool = False
) -> tuple[str, Any]:
    """Return the CSV header line and the rows as an Arrow table for Arrow's CSV writer.

    Arrow quotes every text value (numbers not), so CR, LF, commas and quotes are safe;
    the header line is Python's, quoted only where a name needs it.
    """
    import pyarrow as pa

    out = pd.DataFrame(plain_frame(frame, dates_as_text=True))
    if isinstance(frame, gpd.GeoDataFrame):
        geom = frame.geometry
        out[geom.name] = pd.Series(
            geom.to_wkt(rounding_precision=geometry_digits if geometry_digits is not None else -1)
            .astype(object)
            .where(geom.notna(), None)
            .to_numpy(),
            index=out.index,
            dtype=object,
        )
    if csv_safe:
        _guard_cells(out)
    table = pa.Table.from_pandas(out, preserve_index=False)
    fields = [
        pa.field(f.name, pa.string()) if pa.types.is_null(f.type) else f for f in table.schema
    ]
    # one chunk per column: Arrow's CSV writer garbles a text column of empty chunks
    # (a frame concatenated from empty parts), writing NUL bytes into its cells
    table = table.cast(pa.schema(fields)).combine_chunks()
    head = io.StringIO()
    names = [str(n) for n in out.columns]
    if csv_safe:  # a header cell is a cell too: "=HYPERLINK(...)" as a column name
        names = ["'" + n if _RISKY.match(n) else n for n in names]
    csv.writer(head, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL).writerow(names)
    return head.getvalue(), table


# ---------------------------------------------------------------------------------------------
# JSON and GeoJSON text (the CLI's standard output and .json files)


def dates_as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy with every date column as ``YYYY-MM-DD`` text."""
    out = frame.copy()
    for c in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[c]):
            out[c] = out[c].dt.strftime("%Y-%m-%d")
    return out


def json_value(v: Any) -> Any:
    """Return a value JSON can hold: None for missing values, Python numbers for numpy's.

    Dates and times of any kind (an Excel date cell kept as an original column, a Parquet
    ``date32``, numpy's ``datetime64``) become ISO text: the day alone at midnight.
    """
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, float) and np.isnan(v):
        return None
    if isinstance(v, np.datetime64 | _dt.date):
        return _iso(pd.Timestamp(v)) if not pd.isna(v) else None
    if isinstance(v, _dt.time):
        return v.isoformat()
    if hasattr(v, "item"):
        return v.item()
    return v


def _iso(t: pd.Timestamp) -> str:
    return t.strftime("%Y-%m-%d") if t == t.normalize() else t.isoformat()


def _json_text(v: Any) -> str:
    """``default`` of :func:`json.dumps`: what JSON cannot hold as itself goes as text."""
    return str(json_value(v))


def json_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Return the rows as JSON objects (dates as text, missing values as null)."""
    rows = dates_as_text(frame).to_dict("records")
    return [{k: json_value(v) for k, v in r.items()} for r in rows]


def geojson_features(g: gpd.GeoDataFrame, digits: int) -> list[dict[str, Any]]:
    """Return GeoJSON features: the attributes as properties, coordinates to ``digits``."""
    import shapely

    props = dates_as_text(pd.DataFrame(g.drop(columns=[g.geometry.name])))
    geoms = shapely.set_precision(g.geometry.values, 10.0**-digits)
    feats = []
    for (_, row), geom in zip(props.iterrows(), geoms, strict=True):
        shape = None if geom is None or geom.is_empty else shapely.geometry.mapping(geom)
        feats.append(
            {
                "type": "Feature",
                "properties": {k: json_value(v) for k, v in row.items()},
                "geometry": shape,
            }
        )
    return feats


def write_geojson_text(
    g: gpd.GeoDataFrame, out: IO[str], digits: int, *, lines: str | None = None
) -> None:
    """Write a FeatureCollection, or one feature a line (``lines="ndjson"`` / ``"geojsonseq"``)."""
    import json

    # each document is made whole before a byte is written: a value that fails leaves no
    # half a document on standard output
    if lines is None:
        doc = {"type": "FeatureCollection", "features": geojson_features(g, digits)}
        out.write(json.dumps(doc, ensure_ascii=False, default=_json_text) + "\n")
        return
    lead = "\x1e" if lines == "geojsonseq" else ""
    text = [lead + json.dumps(f, ensure_ascii=False, default=_json_text) + "\n"
            for f in geojson_features(g, digits)]  # fmt: skip
    out.write("".join(text))
