"""Files written by incidentmap itself: recognised by their columns, read back with their types."""

from __future__ import annotations

import os
from collections import Counter
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from incidentmap.errors import InputFileError
from incidentmap.io.dates import parse_dates
from incidentmap.io.numbers import decimal_mark, parse_coordinates, parse_counts, parse_numbers
from incidentmap.io.tables import read_table
from incidentmap.io.values import Problems
from incidentmap.schema import (
    CANONICAL_COLUMNS,
    OUTPUT_COLUMNS,
    PRESETS,
    detect_preset,
    header_key,
)

__all__ = [
    "WRITTEN_COLUMNS",
    "field_aliases",
    "is_geocoded",
    "read_geocoded",
    "source_layout",
    "typed_geocoded",
    "written_names",
]

#: the columns ``incidentmap merge`` writes beside the canonical and geocode ones
_MERGE_COLUMNS = (
    "merge_id", "sources", "source_ids", "n_sources", "citations", "date_end",
    "fatalities_high", "injured_high", "merge_review", "merge_note",
)  # fmt: skip

#: every column of fixed name incidentmap writes, in the order its writers put them
WRITTEN_COLUMNS = (*CANONICAL_COLUMNS, *OUTPUT_COLUMNS, *_MERGE_COLUMNS)

#: the columns that tell a geocoded file (any of incidentmap's incident outputs)
_GEOCODE_MARKS = {"geocode_method", "geocode_precision", "district_id", "province_code"}


def _cut(names: tuple[str, ...], suffix: Any) -> dict[str, str]:
    """Cut ``names`` to a dBASE field's 10 characters, a repeat told apart by ``suffix(i)``."""
    out: dict[str, str] = {}
    used: set[str] = set()
    for name in names:
        cut, i = name[:10], 1
        while cut.casefold() in used:
            tail = suffix(i)
            cut, i = name[: 10 - len(tail)] + tail, i + 1
        used.add(cut.casefold())
        out[name] = cut
    return out


def field_aliases() -> list[tuple[str, str]]:
    """Return every name a written column may have in a file, folded, with the column's name.

    A shapefile cuts names to 10 characters: incidentmap's writer tells a repeat apart by a
    digit (``fatalities_high`` -> ``fatalitie1``), GDAL (QGIS's "Save as") and ArcGIS by
    ``_1`` (``fataliti_1``); a dBASE tool may write them in capitals. Each alias names one
    column (tests check it), so a file's fields are read back unambiguously.
    """
    ours = _cut(WRITTEN_COLUMNS, str)
    gdal = _cut(WRITTEN_COLUMNS, lambda i: f"_{i}")
    pairs = {(a.casefold(), n) for n in WRITTEN_COLUMNS for a in (n, ours[n], gdal[n])}
    return sorted(pairs)


_ALIASES = dict(field_aliases())


def written_names(columns: Any) -> dict[str, str]:
    """Map the fields of a file that are incidentmap's columns under another name to theirs.

    ``GEOCODE_PR`` and ``geocode_pr`` are ``geocode_precision``. A field is renamed only
    when its column is not in the file already and no other field names it too.
    """
    names = [str(c) for c in columns]
    wanted = {c: _ALIASES[c.casefold()] for c in names if c.casefold() in _ALIASES}
    claims = Counter(wanted.values())
    return {c: t for c, t in wanted.items() if c != t and claims[t] == 1 and t not in names}


def is_geocoded(columns: Any) -> bool:
    """Tell whether a table already has incidentmap's geocode columns.

    A frame geocoded in Python and written as it is has no ``row`` (the reader's row
    number): it is still geocoded, and its area rows stay areas when read back. The
    columns may have the names a format or a GIS tool gave them (:func:`written_names`).
    """
    renamed = written_names(columns)
    return _GEOCODE_MARKS <= {renamed.get(str(c), str(c)) for c in columns}


def read_geocoded(
    path: str | os.PathLike[str],
    *,
    on_bad: str = "error",
    dayfirst: bool | None = None,
    **read_kwargs: Any,
) -> gpd.GeoDataFrame:
    """Read a file written by ``incidentmap geocode`` back with its types.

    Parameters
    ----------
    path : path-like or "-"
        A geocoded file (GPKG, GeoJSON, Parquet, CSV with WKT geometry...).
    on_bad : {"error", "keep"}, default "error"
        Refuse the first value that cannot be read, or keep it empty with a note.
    dayfirst : bool, optional
        How to read a retyped ``a/b/yyyy`` date when the values do not decide it.
    **read_kwargs
        ``encoding``, ``delimiter``, ``sheet``, ``layer`` for :func:`incidentmap.io.read_table`.

    Returns
    -------
    geopandas.GeoDataFrame

    Raises
    ------
    InputFileError
        If the file lacks the geocode columns, or a value cannot be read.
    """
    name = "<stdin>" if str(path) == "-" else str(path)
    raw = read_table(path, **read_kwargs)
    if not is_geocoded(raw.columns):
        raise InputFileError(name, "not a geocoded file (run incidentmap geocode first)")
    return typed_geocoded(raw, name, on_bad, dayfirst)


def typed_geocoded(
    raw: pd.DataFrame, name: str, on_bad: str = "error", dayfirst: bool | None = None
) -> gpd.GeoDataFrame:
    """Return a geocoded table with its written types (dates, numbers, text, WKT geometry).

    Its values are read by the rules of any incident file (a date retyped ``08/03/2023``,
    a toll retyped ``1,000``, a word in a number column): read as they say, or refused
    with the file, row and column (``on_bad="keep"``: kept empty, the reason appended to
    ``input_note``) — never guessed, never emptied without a word.
    """
    raw = raw.rename(columns=written_names(raw.columns))  # a shapefile's cut names...
    if not isinstance(raw, gpd.GeoDataFrame):
        raw = _with_wkt_geometry(raw, name)
    g = raw.to_crs("EPSG:4326") if raw.crs is not None else raw.set_crs("EPSG:4326")
    g = g.reset_index(drop=True)
    if "row" not in g.columns:  # written from Python without the reader's row numbers
        g.insert(0, "row", np.arange(1, len(g) + 1))
    problems = Problems(name, np.arange(1, len(g) + 1), on_bad)
    _checked_values(g, problems, dayfirst)
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
    for i, row_notes in problems.notes.items():  # rows kept with bad values: the reasons
        before = g.at[i, "input_note"] if "input_note" in g.columns else None
        g.loc[i, "input_note"] = "; ".join([*([before] if before else []), *row_notes])
    # what the data are, no run facts: the publisher's layout its own columns still show
    layout = source_layout(g.columns)
    citation = PRESETS[layout].citation if layout in PRESETS else ""
    g.attrs.update({"path": name, "preset": layout, "citation": citation})
    return g


def source_layout(columns: Any) -> str:
    """Return the layout a geocoded file was read from, by the original columns it keeps.

    ``incidentmap geocode`` writes the canonical columns, then every column of the input
    (GTD's ``GTD.ID``, UCDP's ``date_start``...). The layout those name is what the data
    are: a GTD or UCDP GED file covers its last event's whole year, read raw or geocoded.
    ``geocoded`` when they name none (a file of the generic layout).

    A shapefile's field cut to 10 characters (``disorder_t``) counts as each codebook
    column it begins (``disorder_type``).
    """
    written = {*CANONICAL_COLUMNS, *OUTPUT_COLUMNS, "geometry"}
    original = [str(c) for c in columns if str(c) not in written]
    preset = detect_preset([*original, *_uncut(original)]).name if original else "generic"
    return "geocoded" if preset == "generic" else preset


def _uncut(names: list[str]) -> list[str]:
    """Return the codebook columns that the names of 10 characters begin (cut names)."""
    keys = {header_key(k) for p in PRESETS.values() for k in p.evidence}
    cut = [header_key(c) for c in names if len(c) == 10]
    return [k for c in cut for k in keys if k.startswith(c)]


def _checked_values(g: gpd.GeoDataFrame, problems: Problems, dayfirst: bool | None) -> None:
    """Read the date, number and coordinate columns of a geocoded table in place."""
    _checked_dates(g, problems, dayfirst)
    _checked_numbers(g, problems)


def _checked_dates(g: gpd.GeoDataFrame, problems: Problems, dayfirst: bool | None) -> None:
    if "date" not in g.columns:
        g["date"] = pd.NaT
    elif not pd.api.types.is_datetime64_any_dtype(g["date"]):
        written = g["date_precision"] if "date_precision" in g.columns else None
        dates, precision = parse_dates(g["date"], "date", problems, dayfirst=dayfirst)
        g["date"] = dates
        if written is not None:  # the written precision stands (a month is a month)
            known = written.notna().to_numpy(dtype=bool) & (written.astype(str) != "").to_numpy()
            g["date_precision"] = written.where(known, precision)


def _checked_numbers(g: gpd.GeoDataFrame, problems: Problems) -> None:
    coords = [g[c] for c in ("latitude", "longitude") if c in g.columns]
    mark = decimal_mark(coords, [g[c] for c in ("fatalities", "injured") if c in g.columns])

    def coordinate(values: pd.Series, column: str) -> np.ndarray:
        out, bad = parse_coordinates(values, column, problems, column[:3])
        problems.report(bad, column, values, f"a {column} in degrees")
        return out

    readers = {
        "fatalities": lambda v, c: parse_counts(v, c, problems, mark=mark),
        "injured": lambda v, c: parse_counts(v, c, problems, mark=mark),
        "latitude": coordinate,
        "longitude": coordinate,
        "row": lambda v, c: _whole(parse_numbers(v, c, problems, lo=1, expected="a row number")),
        "geocode_score": lambda v, c: parse_numbers(
            v, c, problems, lo=0, hi=100, expected="a score from 0 to 100"
        ),
    }
    for column, read in readers.items():
        if column in g.columns:
            g[column] = read(g[column], column)


def _whole(values: np.ndarray) -> np.ndarray:
    """Return row numbers as integers when every one is whole (a GIS layer keeps Integer)."""
    if len(values) and np.isfinite(values).all() and (values == np.round(values)).all():
        return values.astype(np.int64)
    return values


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
