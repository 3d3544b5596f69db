"""Read incident files into one schema; write layers atomically.

:func:`read_incidents` reads CSV (any delimiter, detected encoding), Excel,
JSON / NDJSON (records, or ACLED's ``{"data": [...]}``), GeoJSON, GeoPackage,
FlatGeobuf, shapefile and Parquet, from a path or from standard input (``"-"``),
and returns a GeoDataFrame with the canonical columns of
:mod:`incidentmap.schema` followed by every original column. Nothing is dropped,
reordered or guessed: a value that cannot be read is an error naming the file,
row and column (or, with ``on_bad="keep"``, a null with a note on its row).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from incidentmap.errors import InputFileError, OutputExistsError, UsageError
from incidentmap.schema import CANONICAL_COLUMNS, OUTPUT_COLUMNS, PRESETS, Preset, detect_preset

__all__ = [
    "WRITE_FORMATS",
    "read_incidents",
    "read_table",
    "write_layer",
    "write_layers",
    "write_table",
]

_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
_GEO_EXTS = {".geojson", ".gpkg", ".fgb", ".shp", ".kml", ".gml"}
_EXCEL_EXTS = {".xlsx", ".xlsm", ".xls"}


# ---------------------------------------------------------------------------------------------
# raw tables


def _decode(data: bytes, path: str, encoding: str | None) -> str:
    if encoding:
        try:
            return data.decode(encoding)
        except (LookupError, UnicodeDecodeError) as exc:
            raise InputFileError(path, f"cannot decode as {encoding}: {exc}") from exc
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    # single-byte files: Windows Arabic when most high bytes fall in its letter range
    high = [b for b in data[:200_000] if b >= 0x80]
    arabic = sum(1 for b in high if 0xC1 <= b <= 0xFE)
    if high and arabic / len(high) > 0.9 and len(high) > 0.3 * max(1, len(data.split())):
        return data.decode("cp1256", errors="strict")
    return data.decode("cp1252", errors="replace")


def _read_csv_text(text: str, path: str, delimiter: str | None) -> pd.DataFrame:
    sample = text[:65536]
    if delimiter is None:
        try:
            delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
        except csv.Error:
            delimiter = ","
    try:
        df = pd.read_csv(
            io.StringIO(text),
            sep=delimiter,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=True,
            engine="c",
        )
    except pd.errors.EmptyDataError as exc:
        raise InputFileError(path, "the file is empty (expected a header row)") from exc
    except pd.errors.ParserError as exc:
        m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
        if m:
            line = int(m.group(2))
            msg = f"expected {m.group(1)} fields (as in the header), found {m.group(3)}"
            raise InputFileError(path, msg, row=line - 1) from exc
        raise InputFileError(path, f"not a readable CSV file ({exc})") from exc
    unnamed = [c for c in df.columns if str(c).startswith("Unnamed: ")]
    if unnamed:
        col = df.columns.get_loc(unnamed[0]) + 1
        raise InputFileError(path, f"header cell {col} is empty (expected a column name)", row=0)
    return df


def read_table(
    path: str | os.PathLike[str],
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | int | None = None,
    layer: str | None = None,
) -> pd.DataFrame:
    """Read a file (or ``"-"`` for standard input) into a table, untouched.

    Parameters
    ----------
    path : path-like or "-"
        CSV/TSV/TXT, XLSX, JSON/NDJSON, GeoJSON, GPKG, FGB, SHP or Parquet.
    encoding : str, optional
        Text encoding of a CSV; detected if not given (UTF-8/UTF-16 with or
        without BOM, Windows-1256, Windows-1252).
    delimiter : str, optional
        CSV delimiter; detected if not given.
    sheet : str or int, optional
        Excel sheet (default: the first).
    layer : str, optional
        Layer of a multi-layer GIS file (default: the first).

    Returns
    -------
    pandas.DataFrame or geopandas.GeoDataFrame
        A GeoDataFrame for GIS formats; text columns of CSV files stay text.

    Raises
    ------
    InputFileError
        If the file is missing, empty or not of a readable format.
    """
    name = str(path)
    if name == "-":
        data = sys.stdin.buffer.read()
        text = _decode(data, "<stdin>", encoding)
        stripped = text.lstrip()
        if stripped.startswith(("{", "[")):
            return _read_json_text(stripped, "<stdin>")
        return _read_csv_text(text, "<stdin>", delimiter)
    p = Path(name)
    if not p.exists():
        raise InputFileError(name, "no such file")
    if p.is_dir():
        raise InputFileError(name, "is a folder (expected an incident file)")
    ext = p.suffix.lower()
    try:
        if ext in _EXCEL_EXTS:
            return pd.read_excel(p, sheet_name=sheet if sheet is not None else 0, dtype=object)
        if ext == ".parquet":
            import pyarrow.parquet as pq

            meta = pq.read_schema(p).metadata or {}
            if b"geo" in meta:
                return gpd.read_parquet(p)
            return pd.read_parquet(p)
        if ext in _GEO_EXTS:
            return gpd.read_file(p, layer=layer, engine="pyogrio")
    except InputFileError:
        raise
    except Exception as exc:
        raise InputFileError(name, f"cannot read as {ext[1:]} ({exc})") from exc
    data = p.read_bytes()
    if not data.strip():
        raise InputFileError(name, "the file is empty (expected a header row)")
    text = _decode(data, name, encoding)
    if ext in {".json", ".ndjson", ".jsonl"}:
        return _read_json_text(text, name)
    return _read_csv_text(text, name, delimiter)


def _read_json_text(text: str, path: str) -> pd.DataFrame:
    try:
        obj: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        # newline-delimited JSON: one object a line
        rows = []
        for i, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError:
                msg = f"not valid JSON ({exc.msg} at line {exc.lineno})"
                raise InputFileError(path, msg) from exc
            if not isinstance(rows[-1], dict):
                raise InputFileError(path, "expected one JSON object a line", row=i) from exc
        return pd.DataFrame(rows)
    if isinstance(obj, dict) and obj.get("type") == "FeatureCollection":
        return gpd.read_file(io.StringIO(text), engine="pyogrio")
    if isinstance(obj, dict) and isinstance(obj.get("data"), list):
        obj = obj["data"]  # the ACLED API envelope
    if not isinstance(obj, list) or not all(isinstance(r, dict) for r in obj):
        msg = "expected a list of objects, {'data': [...]}, or a GeoJSON FeatureCollection"
        raise InputFileError(path, msg)
    return pd.DataFrame(obj)


# ---------------------------------------------------------------------------------------------
# values


class _Problems:
    """Collects unreadable values; raises on the first unless told to keep."""

    def __init__(self, path: str, rows: np.ndarray, on_bad: str) -> None:
        self.path = path
        self.rows = rows
        self.on_bad = on_bad
        self.notes: dict[int, list[str]] = {}

    def report(self, mask: np.ndarray, column: str, values: pd.Series, expected: str) -> None:
        idx = np.flatnonzero(mask)
        if len(idx) == 0:
            return
        if self.on_bad == "error":
            i = idx[0]
            more = f" ({len(idx) - 1} more rows like it)" if len(idx) > 1 else ""
            msg = f"expected {expected}, got {values.iloc[i]!r}{more}"
            raise InputFileError(self.path, msg, row=int(self.rows[i]), column=column)
        for i in idx:
            self.notes.setdefault(int(i), []).append(
                f"{column}: expected {expected}, got {values.iloc[i]!r}"
            )


def _blank(values: pd.Series) -> np.ndarray:
    s = values.astype("string")
    return (
        (values.isna() | s.str.strip().isin(["", "NA", "N/A", "nan", "NaN", "None", "null"]))
        .fillna(True)
        .to_numpy(dtype=bool)
    )


def _to_number(
    values: pd.Series,
    column: str,
    problems: _Problems,
    *,
    lo: float | None = None,
    hi: float | None = None,
    expected: str = "a number",
) -> np.ndarray:
    blank = _blank(values)
    text = values.astype("string").str.strip().str.replace(",", ".", regex=False)
    num = pd.to_numeric(text.where(~blank), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    bad = ~blank & np.isnan(num)
    if lo is not None:
        bad |= ~np.isnan(num) & ((num < lo) | (num > hi))
    problems.report(bad, column, values, expected)
    num[bad] = np.nan
    return num


def _two_digit_year(y: pd.Series) -> pd.Series:
    pivot = pd.Timestamp.now().year % 100
    return y.where(y >= 100, np.where(y <= pivot, 2000 + y, 1900 + y))


def _parse_dates(
    values: pd.Series, column: str, problems: _Problems, dayfirst: bool | None
) -> tuple[pd.Series, pd.Series]:
    n = len(values)
    out = pd.Series(pd.NaT, index=range(n), dtype="datetime64[ns]")
    prec = pd.Series([None] * n, dtype="object")
    blank = _blank(values)
    # real datetimes (Excel, Parquet, GeoPackage)
    is_dt = values.map(lambda v: isinstance(v, (pd.Timestamp, np.datetime64)) or hasattr(v, "year"))
    is_dt = is_dt.to_numpy(dtype=bool) & ~blank
    if is_dt.any():
        out[is_dt] = pd.to_datetime(values[is_dt].astype(str).str[:10], errors="coerce").to_numpy()
        prec[is_dt] = "day"
    text = values.astype("string").str.strip().str.lower().fillna("")
    todo = ~blank & ~is_dt

    def take(pattern: str, fmt: str | None, p: str, builder: Any = None) -> None:
        nonlocal todo
        m = todo & text.str.fullmatch(pattern).fillna(False).to_numpy(dtype=bool)
        if not m.any():
            return
        sub = text[m]
        parsed = builder(sub) if builder else pd.to_datetime(sub, format=fmt, errors="coerce")
        parsed = pd.Series(parsed).to_numpy(dtype="datetime64[ns]")
        ok = ~np.isnat(parsed)
        idx = np.flatnonzero(m)[ok]
        out.iloc[idx] = parsed[ok]
        prec.iloc[idx] = p
        todo[idx] = False

    take(
        r"\d{4}-\d{1,2}-\d{1,2}(?:[ t]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?z?)?",
        None,
        "day",
        lambda s: pd.to_datetime(s.str[:10], format="%Y-%m-%d", errors="coerce"),
    )
    take(r"\d{4}/\d{1,2}/\d{1,2}", "%Y/%m/%d", "day")
    take(r"\d{4}\d{2}\d{2}", "%Y%m%d", "day")
    take(
        rf"\d{{1,2}}[ \-]?(?:{_MONTHS})\.?[ \-,]+\d{{4}}",
        None,
        "day",
        lambda s: pd.to_datetime(
            s.str.replace(r"[\-,.]", " ", regex=True)
            .str.replace(r"\s+", " ", regex=True)
            .str.replace("sept", "sep"),
            format="mixed",
            dayfirst=True,
            errors="coerce",
        ),
    )
    take(
        rf"(?:{_MONTHS})\.? \d{{1,2}},? \d{{4}}",
        None,
        "day",
        lambda s: pd.to_datetime(
            s.str.replace(r"[,.]", "", regex=True).str.replace("sept", "sep"),
            format="mixed",
            errors="coerce",
        ),
    )
    take(
        rf"(?:{_MONTHS})\.?[ \-,]+\d{{4}}",
        None,
        "month",
        lambda s: pd.to_datetime(
            "1 "
            + s.str.replace(r"[\-,.]", " ", regex=True)
            .str.replace(r"\s+", " ", regex=True)
            .str.replace("sept", "sep"),
            format="mixed",
            dayfirst=True,
            errors="coerce",
        ),
    )
    # a/b/yy or a/b/yyyy (also with - or .): day-first or month-first by the column's values
    slash = todo & text.str.fullmatch(r"\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}").fillna(False).to_numpy(
        dtype=bool
    )
    if slash.any():
        parts = text[slash].str.split(r"[/.\-]", expand=True).astype(int)
        first_big = (parts[0] > 12).any()
        second_big = (parts[1] > 12).any()
        df_flag = dayfirst
        if first_big and not second_big:
            df_flag = True
        elif second_big and not first_big:
            df_flag = False
        if df_flag is None:
            i = int(np.flatnonzero(slash)[0])
            msg = (
                "an unambiguous date (day and month order unknown: give dayfirst / --dayfirst "
                "or --monthfirst)"
            )
            raise InputFileError(
                problems.path,
                msg + f", got {values.iloc[i]!r}",
                row=int(problems.rows[i]),
                column=column,
            )
        day, month = (parts[0], parts[1]) if df_flag else (parts[1], parts[0])
        year = _two_digit_year(parts[2])
        parsed = pd.to_datetime(
            pd.DataFrame({"year": year, "month": month, "day": day}), errors="coerce"
        ).to_numpy(dtype="datetime64[ns]")
        ok = ~np.isnat(parsed)
        idx = np.flatnonzero(slash)[ok]
        out.iloc[idx] = parsed[ok]
        prec.iloc[idx] = "day"
        todo[idx] = False
    take(r"\d{4}-\d{1,2}", "%Y-%m", "month")
    take(r"\d{4}", "%Y", "year")
    problems.report(todo, column, values, "a date (e.g. 2023-03-09, 9 March 2023, 3/9/2023)")
    return out, prec


def _dates_from_parts(
    frame: pd.DataFrame, cols: tuple[str, str, str], problems: _Problems
) -> tuple[pd.Series, pd.Series]:
    y = _to_number(frame[cols[0]], cols[0], problems, lo=1900, hi=2100, expected="a year")
    m = _to_number(frame[cols[1]], cols[1], problems, lo=0, hi=12, expected="a month 0-12")
    d = _to_number(frame[cols[2]], cols[2], problems, lo=0, hi=31, expected="a day 0-31")
    m_known = ~np.isnan(m) & (m > 0)
    d_known = m_known & ~np.isnan(d) & (d > 0)
    prec = np.where(np.isnan(y), None, np.where(d_known, "day", np.where(m_known, "month", "year")))
    parts = pd.DataFrame(
        {
            "year": np.nan_to_num(y, nan=2000),
            "month": np.where(m_known, m, 1),
            "day": np.where(d_known, d, 1),
        }
    ).astype(int)
    dates = pd.to_datetime(parts, errors="coerce")
    bad = ~np.isnan(y) & dates.isna().to_numpy()
    problems.report(bad, cols[2], frame[cols[2]], "a day that exists in that month")
    dates[np.isnan(y) | bad] = pd.NaT
    prec = pd.Series(np.where(bad, None, prec), dtype="object")
    return dates.astype("datetime64[ns]"), prec


# ---------------------------------------------------------------------------------------------
# incidents


def _resolve_columns(
    frame: pd.DataFrame, preset: Preset, overrides: dict[str, str | None], path: str
) -> dict[str, str]:
    lower = {str(c).strip().lower(): str(c) for c in frame.columns}
    mapping: dict[str, str] = {}
    for canon, candidates in preset.columns.items():
        for cand in candidates:
            if cand.lower() in lower:
                mapping[canon] = lower[cand.lower()]
                break
    for canon, col in overrides.items():
        if col is None:
            continue
        if col not in frame.columns and col.lower() not in lower:
            cols = ", ".join(map(str, frame.columns))
            raise InputFileError(path, f"no column {col!r} for {canon} (columns: {cols})")
        mapping[canon] = col if col in frame.columns else lower[col.lower()]
    return mapping


def read_incidents(
    path: str | os.PathLike[str],
    preset: str = "auto",
    *,
    lat: str | None = None,
    lon: str | None = None,
    date: str | None = None,
    province: str | None = None,
    district: str | None = None,
    place: str | None = None,
    event_id: str | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | int | None = None,
    layer: str | None = None,
    dayfirst: bool | None = None,
    on_bad: str = "error",
) -> gpd.GeoDataFrame:
    """Read an incident file into the canonical schema.

    Parameters
    ----------
    path : path-like or "-"
        The incident file, or ``"-"`` for standard input (CSV or JSON).
    preset : {"auto", "acled", "ucdp", "gtd", "awsd", "generic"}, default "auto"
        Column layout; ``"auto"`` detects it from the header.
    lat, lon, date, province, district, place, event_id : str, optional
        Column names that override the preset's choice.
    encoding, delimiter, sheet, layer : optional
        See :func:`read_table`.
    dayfirst : bool, optional
        How to read ``a/b/yy`` dates when the values do not decide it.
    on_bad : {"error", "keep"}, default "error"
        ``"error"`` raises on the first value that cannot be read;
        ``"keep"`` keeps the row, leaves the value empty and writes what was
        wrong in ``input_note``.

    Returns
    -------
    geopandas.GeoDataFrame
        Canonical columns (see :data:`incidentmap.schema.CANONICAL_COLUMNS`),
        then every original column; one row per input row, in input order;
        point geometry where coordinates were given (EPSG:4326). ``attrs``
        holds ``path``, ``preset`` and ``columns`` (the mapping used).

    Raises
    ------
    InputFileError
        If the file cannot be read, a named column is missing, the file has
        neither coordinates nor place-name columns, or (``on_bad="error"``) a
        value cannot be read; the message names the file, row and column.
    """
    if preset != "auto" and preset not in PRESETS:
        msg = f"preset must be auto or one of {', '.join(PRESETS)}, not {preset!r}"
        raise UsageError(msg)
    if on_bad not in ("error", "keep"):
        msg = f"on_bad must be 'error' or 'keep', not {on_bad!r}"
        raise UsageError(msg)
    name = "<stdin>" if str(path) == "-" else str(path)
    raw = read_table(path, encoding=encoding, delimiter=delimiter, sheet=sheet, layer=layer)
    geom_src = raw.geometry if isinstance(raw, gpd.GeoDataFrame) else None
    frame = pd.DataFrame(raw.drop(columns="geometry") if geom_src is not None else raw)
    frame.columns = [str(c) for c in frame.columns]
    frame = frame.reset_index(drop=True)
    chosen = detect_preset(list(frame.columns)) if preset == "auto" else PRESETS[preset]
    overrides = {
        "latitude": lat,
        "longitude": lon,
        "date": date,
        "stated_province": province,
        "stated_district": district,
        "stated_place": place,
        "event_id": event_id,
    }
    mapping = _resolve_columns(frame, chosen, overrides, name)
    if date is not None and chosen.date_parts:
        chosen = Preset(**{**chosen.__dict__, "date_parts": None})
    n = len(frame)
    rows = np.arange(1, n + 1)
    problems = _Problems(name, rows, on_bad)
    out: dict[str, Any] = {"row": rows}
    out["event_id"] = _text(frame, mapping.get("event_id"), n)
    if chosen.date_parts and all(
        c.lower() in map(str.lower, frame.columns) for c in chosen.date_parts
    ):
        lower = {c.lower(): c for c in frame.columns}
        parts = (
            lower[chosen.date_parts[0]],
            lower[chosen.date_parts[1]],
            lower[chosen.date_parts[2]],
        )
        out["date"], out["date_precision"] = _dates_from_parts(frame, parts, problems)
    elif "date" in mapping:
        out["date"], out["date_precision"] = _parse_dates(
            frame[mapping["date"]],
            mapping["date"],
            problems,
            dayfirst if dayfirst is not None else chosen.dayfirst,
        )
    else:
        out["date"] = pd.Series(pd.NaT, index=range(n), dtype="datetime64[ns]")
        out["date_precision"] = pd.Series([None] * n, dtype="object")
    etype = _text(frame, mapping.get("event_type"), n)
    if chosen.event_type_codes:
        etype = etype.map(lambda v: chosen.event_type_codes.get(str(v), v) if v is not None else v)
    out["event_type"] = etype
    out["actor"] = _text(frame, mapping.get("actor"), n)
    for key in ("fatalities", "injured"):
        col = mapping.get(key)
        out[key] = (
            _to_number(frame[col], col, problems, lo=0, hi=1e6, expected="a count >= 0")
            if col
            else np.full(n, np.nan)
        )
    out["notes"] = _text(frame, mapping.get("notes"), n)
    out["source"] = _text(frame, mapping.get("source"), n)
    lat_v, lon_v = _coordinates(frame, mapping, geom_src, problems, n)
    out["latitude"], out["longitude"] = lat_v, lon_v
    for key in ("stated_province", "stated_district", "stated_place"):
        out[key] = _text(frame, mapping.get(key), n)
    out["source_precision"] = _precision(frame, mapping.get("source_precision"), chosen, n)
    has_names = any(k in mapping for k in ("stated_province", "stated_district", "stated_place"))
    has_coords = ("latitude" in mapping and "longitude" in mapping) or geom_src is not None
    if not has_names and not has_coords:
        cols = ", ".join(frame.columns)
        msg = (
            "no coordinate or place-name columns found (columns: "
            f"{cols}); name them with --lat/--lon or --province/--district/--place"
        )
        raise InputFileError(name, msg)
    out["input_note"] = pd.Series(
        ["; ".join(problems.notes[i]) if i in problems.notes else None for i in range(n)],
        dtype="object",
    )
    canon = pd.DataFrame({k: out[k] for k in CANONICAL_COLUMNS})
    originals = frame.rename(
        columns={
            c: f"{c}_original"
            for c in frame.columns
            if (c in CANONICAL_COLUMNS and mapping.get(c) != c) or c in OUTPUT_COLUMNS
        }
    )
    originals = originals.drop(columns=[c for c in originals.columns if c in CANONICAL_COLUMNS])
    result = pd.concat([canon, originals], axis=1)
    ok = ~np.isnan(lat_v) & ~np.isnan(lon_v)
    geometry = gpd.points_from_xy(np.where(ok, lon_v, 0.0), np.where(ok, lat_v, 0.0))
    geometry = gpd.GeoSeries(geometry, crs="EPSG:4326").where(ok, None)
    gdf = gpd.GeoDataFrame(result, geometry=geometry.values, crs="EPSG:4326")
    gdf.attrs.update(
        {"path": name, "preset": chosen.name, "columns": mapping, "bad_values": len(problems.notes)}
    )
    return gdf


def _text(frame: pd.DataFrame, col: str | None, n: int) -> pd.Series:
    if col is None:
        return pd.Series([None] * n, dtype="object")
    values = frame[col]
    blank = _blank(values)
    text = values.map(lambda v: v if isinstance(v, str) else str(v)).str.strip()
    return text.where(~blank, None).astype("object")


def _coordinates(
    frame: pd.DataFrame,
    mapping: dict[str, str],
    geom: gpd.GeoSeries | None,
    problems: _Problems,
    n: int,
) -> tuple[np.ndarray, np.ndarray]:
    if "latitude" in mapping and "longitude" in mapping:
        la = _to_number(
            frame[mapping["latitude"]],
            mapping["latitude"],
            problems,
            lo=-90,
            hi=90,
            expected="a latitude in -90..90",
        )
        lo = _to_number(
            frame[mapping["longitude"]],
            mapping["longitude"],
            problems,
            lo=-180,
            hi=180,
            expected="a longitude in -180..180",
        )
        both = np.isnan(la) | np.isnan(lo)
        la[both] = np.nan
        lo[both] = np.nan
        return la, lo
    if geom is not None:
        g = geom.to_crs("EPSG:4326") if geom.crs is not None else geom
        pts = g.where(g.geom_type == "Point", None)
        if not g.isna().all() and (g.notna() & (g.geom_type != "Point")).any():
            i = int(np.flatnonzero((g.notna() & (g.geom_type != "Point")).to_numpy())[0])
            raise InputFileError(
                problems.path,
                f"expected point geometry, got {g.iloc[i].geom_type}",
                row=i + 1,
                column="geometry",
            )
        return pts.y.to_numpy(dtype=float), pts.x.to_numpy(dtype=float)
    return np.full(n, np.nan), np.full(n, np.nan)


def _precision(frame: pd.DataFrame, col: str | None, preset: Preset, n: int) -> pd.Series:
    if col is None or not preset.precision_codes:
        return pd.Series([None] * n, dtype="object")
    codes = frame[col].map(lambda v: None if pd.isna(v) else str(v).strip().split(".")[0])
    return codes.map(lambda c: preset.precision_codes.get(c) if c else None).astype("object")


# ---------------------------------------------------------------------------------------------
# writing

#: output formats by file suffix -> (GDAL driver or pseudo-format)
WRITE_FORMATS: dict[str, str] = {
    ".gpkg": "GPKG",
    ".geojson": "GeoJSON",
    ".json": "GeoJSON",
    ".fgb": "FlatGeobuf",
    ".shp": "ESRI Shapefile",
    ".kml": "KML",
    ".csv": "CSV",
    ".parquet": "Parquet",
}


def publish(tmp: str | os.PathLike[str], path: str | os.PathLike[str]) -> None:
    """Move a finished temporary file into place with the usual permissions.

    ``tempfile.mkstemp`` creates files readable by their owner only; a map or a
    layer is meant to be shared, so it gets the mode the umask gives new files.
    """
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    os.replace(tmp, path)


def write_layer(
    gdf: gpd.GeoDataFrame,
    path: str | os.PathLike[str],
    *,
    layer: str | None = None,
    overwrite: bool = False,
    precision: int | None = None,
) -> dict[str, Any]:
    """Write one layer atomically, choosing the format from the suffix.

    See :func:`write_layers`.
    """
    name = layer or Path(path).stem
    return write_layers({name: gdf}, path, overwrite=overwrite, precision=precision)


def write_layers(
    layers: dict[str, gpd.GeoDataFrame],
    path: str | os.PathLike[str],
    *,
    overwrite: bool = False,
    precision: int | None = None,
) -> dict[str, Any]:
    """Write layers atomically; the format comes from the suffix.

    Everything is written under a temporary name in the same folder and moved
    into place only when complete, so a failure leaves no partial file.

    Parameters
    ----------
    layers : dict of str to geopandas.GeoDataFrame
        Layer name -> layer. Only GeoPackage holds more than one.
    path : path-like
        Output file; suffix one of :data:`WRITE_FORMATS`.
    overwrite : bool, default False
        Replace an existing file.
    precision : int, optional
        Decimal places of coordinates for GeoJSON and CSV (WKT); GeoJSON
        defaults to 7.

    Returns
    -------
    dict
        ``path``, ``format``, ``layers`` (name -> feature count) and, for
        shapefiles, ``fields`` (original -> written name) and ``truncated``
        (values cut to 254 characters).

    Raises
    ------
    OutputExistsError
        If the file exists and ``overwrite`` is not set.
    UsageError
        If the suffix is unknown, or several layers go to a one-layer format.
    """
    p = Path(path)
    ext = p.suffix.lower()
    if ext not in WRITE_FORMATS:
        msg = f"{p}: unknown output format {ext or '(none)'}; use one of {', '.join(WRITE_FORMATS)}"
        raise UsageError(msg)
    driver = WRITE_FORMATS[ext]
    if len(layers) > 1 and driver != "GPKG":
        msg = f"{p}: {driver} holds one layer; choose one of {', '.join(layers)} or write .gpkg"
        raise UsageError(msg)
    if p.exists() and not overwrite:
        raise OutputExistsError(f"{p} exists; use --overwrite to replace it")
    p.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{p.stem}-", suffix=ext, dir=p.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()
    report: dict[str, Any] = {"path": str(p), "format": driver, "layers": {}}
    try:
        for name, gdf in layers.items():
            report["layers"][name] = len(gdf)
            extra = _write(gdf, tmp, driver, name, precision)
            report.update(extra)
        if driver == "ESRI Shapefile":
            for side in sorted(tmp.parent.glob(tmp.stem + ".*")):
                publish(side, p.parent / (p.stem + side.name[len(tmp.stem) :]))
        else:
            publish(tmp, p)
    finally:
        for leftover in tmp.parent.glob(tmp.stem + ".*"):
            leftover.unlink(missing_ok=True)
    return report


def write_table(
    frame: pd.DataFrame, path: str | os.PathLike[str], *, overwrite: bool = False
) -> Path:
    """Write a plain table (no geometry) as CSV, atomically; dates as ISO strings.

    Parameters
    ----------
    frame : pandas.DataFrame
    path : path-like
        ``.csv`` file.
    overwrite : bool, default False
        Replace an existing file.

    Returns
    -------
    pathlib.Path
    """
    p = Path(path)
    if p.exists() and not overwrite:
        raise OutputExistsError(f"{p} exists; use --overwrite to replace it")
    p.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{p.stem}-", suffix=p.suffix, dir=p.parent)
    os.close(fd)
    try:
        out = frame.copy()
        for col in out.columns:
            if pd.api.types.is_datetime64_any_dtype(out[col]):
                out[col] = out[col].dt.strftime("%Y-%m-%d")
        out.to_csv(tmp, index=False, encoding="utf-8")
        publish(tmp, p)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return p


def _plain(gdf: gpd.GeoDataFrame, *, dates_as_text: bool) -> gpd.GeoDataFrame:
    out = gdf.copy()
    for col in out.columns:
        if col == out.geometry.name:
            continue
        s = out[col]
        if pd.api.types.is_datetime64_any_dtype(s):
            if dates_as_text:
                out[col] = s.dt.strftime("%Y-%m-%d").astype("object").where(s.notna(), None)
        elif pd.api.types.is_bool_dtype(s) or pd.api.types.is_numeric_dtype(s):
            continue
        else:
            out[col] = (
                s.astype("object")
                .where(s.notna(), None)
                .map(lambda v: v if v is None or isinstance(v, str) else str(v))
            )
    return out


def _shapefile_fields(columns: list[str]) -> dict[str, str]:
    """Map column names to unique names of at most 10 characters."""
    out: dict[str, str] = {}
    used: set[str] = set()
    for col in columns:
        name = re.sub(r"[^A-Za-z0-9_]", "_", col)[:10]
        i = 1
        while name.lower() in used:
            suffix = str(i)
            name = re.sub(r"[^A-Za-z0-9_]", "_", col)[: 10 - len(suffix)] + suffix
            i += 1
        used.add(name.lower())
        out[col] = name
    return out


def _write(
    gdf: gpd.GeoDataFrame, tmp: Path, driver: str, layer: str, precision: int | None
) -> dict[str, Any]:
    gdf = gdf.to_crs("EPSG:4326") if gdf.crs is not None else gdf.set_crs("EPSG:4326")
    if driver == "CSV":
        frame = pd.DataFrame(_plain(gdf, dates_as_text=True))
        geom = gdf.geometry
        frame[geom.name] = geom.to_wkt(
            rounding_precision=precision if precision is not None else -1
        )
        frame.to_csv(tmp, index=False, encoding="utf-8")
        return {}
    if driver == "Parquet":
        gdf.to_parquet(tmp, index=False)
        return {}
    kwargs: dict[str, Any] = {"driver": driver, "engine": "pyogrio"}
    extra: dict[str, Any] = {}
    plain = _plain(gdf, dates_as_text=driver in ("GeoJSON", "ESRI Shapefile", "KML"))
    if driver != "ESRI Shapefile":  # a shapefile's layer is its file name
        kwargs["layer"] = layer
    types = set(plain.geom_type.dropna())
    if (
        types
        and types <= {"Polygon", "MultiPolygon"}
        and driver in ("GPKG", "FlatGeobuf", "ESRI Shapefile")
    ):
        kwargs["promote_to_multi"] = True  # one declared geometry type per layer
    if driver == "GPKG":
        # GeoPackage 1.2: opens in the GDAL of older QGIS / ArcGIS installs without warnings
        kwargs["dataset_options"] = {"VERSION": "1.2"}
    elif driver == "FlatGeobuf":
        # the packed spatial index reorders features; keep the input order (row by row)
        kwargs["layer_options"] = {"SPATIAL_INDEX": "NO"}
    elif driver == "GeoJSON":
        kwargs["layer_options"] = {
            "RFC7946": "YES",
            "COORDINATE_PRECISION": str(precision if precision is not None else 7),
            "WRITE_NAME": "NO",
        }
    elif driver == "ESRI Shapefile":
        fields = _shapefile_fields([c for c in plain.columns if c != plain.geometry.name])
        truncated = 0
        for col in fields:
            s = plain[col]
            if s.dtype == object or pd.api.types.is_string_dtype(s):
                long = s.map(lambda v: isinstance(v, str) and len(v.encode("utf-8")) > 254)
                truncated += int(long.sum())
            if pd.api.types.is_bool_dtype(s):
                plain[col] = s.astype(int)
        plain = plain.rename(columns=fields)
        kwargs["encoding"] = "UTF-8"
        extra = {"fields": {k: v for k, v in fields.items() if k != v}, "truncated": truncated}
        # the mapping travels with the layer: <name>.fields.csv beside the .shp
        pd.DataFrame({"field": list(fields.values()), "column": list(fields.keys())}).to_csv(
            tmp.with_suffix(".fields.csv"), index=False
        )
    elif driver == "KML":
        kwargs["dataset_options"] = {"NameField": "name", "DescriptionField": "description"}
        if "name" not in plain.columns:
            label = plain["event_id"] if "event_id" in plain.columns else None
            plain.insert(0, "name", label if label is not None else layer)
    with warnings.catch_warnings():
        # pyogrio warns once per field about shapefile truncation; the report counts it all
        warnings.filterwarnings("ignore", message=".*has been truncated to 254 characters.*")
        plain.to_file(tmp, **kwargs)
    return extra
