"""Which layer of a GIS file, and which sheet of a workbook, holds the incidents.

A workbook's sheet is read here too (:func:`read_sheet`), with the cells whose formulas were
saved without their values.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from incidentmap.errors import InputFileError, UsageError, plural
from incidentmap.io.dbase import dbf_encoding, field_names

__all__ = [
    "Sheet",
    "cached_sheet",
    "chosen_layer",
    "exact_ints",
    "gis_layer",
    "json_int",
    "keep_sheet",
    "read_gis",
    "read_gis_noted",
    "read_sheet",
    "read_workbook",
    "sheet_formulas",
    "sheet_name",
]


#: the layers incidentmap writes its incidents to (geocode, export, merge), in that order
_OWN_LAYERS = ("incidents", "points", "merged")


#: tables a GeoPackage may hold beside its data, never incidents (QGIS's saved styles)
_NOT_DATA = ("layer_styles",)


def gis_layer(path: Path, layer: str | None) -> str | None:
    """Return the layer of a GIS file to read: the one named, the only one, or our own.

    See :func:`chosen_layer`, which also says which layer was chosen among several.
    """
    return chosen_layer(path, layer)[0]


def chosen_layer(path: Path, layer: str | None) -> tuple[str | None, tuple[str, ...]]:
    """Return the layer of a GIS file to read, and a note when it was chosen among several.

    A file of several layers read from its first (GDAL's default) could be the wrong table
    without a word; one data layer is clear. A layer named ``incidents``, ``points`` or
    ``merged`` is taken as incidentmap's own only when its fields hold every canonical
    column (:data:`incidentmap.schema.CANONICAL_COLUMNS`), which incidentmap writes and
    other files do not: then it is read, with a note naming the layers left. Otherwise the
    layers are named and one must be chosen.

    Returns
    -------
    tuple
        The layer (None: GDAL's only or default one) and the notes for the user.

    Raises
    ------
    UsageError
        Several data layers and none of them incidentmap's.
    """
    if layer is not None:
        return layer, ()
    import pyogrio

    try:
        listed = [str(n) for n, _ in pyogrio.list_layers(path)]
    except Exception:  # not a file GDAL lists layers of: let the reader say why
        return None, ()
    names = [n for n in listed if n.lower() not in _NOT_DATA]
    if len(listed) <= 1:
        return None, ()
    if len(names) == 1:  # one data layer beside QGIS's styles
        return names[0], ()
    own = next((n for n in _OWN_LAYERS if n in names and _written_by_us(path, n)), None)
    if own is None:
        msg = (
            f"the file holds {plural(len(names), 'layer')} ({', '.join(names[:8])}): name one "
            "with `in_layer`"
        )
        raise UsageError(msg, field="in_layer")
    return own, (_layer_note(path, own, names),)


def _written_by_us(path: Path, name: str) -> bool:
    """Tell whether a layer holds every canonical column (a layer incidentmap wrote)."""
    import pyogrio

    from incidentmap.schema import CANONICAL_COLUMNS

    try:
        fields = {str(f).casefold() for f in pyogrio.read_info(path, layer=name)["fields"]}
    except Exception:  # a layer GDAL cannot describe is not ours
        return False
    return set(CANONICAL_COLUMNS) <= fields


def _features(path: Path, name: str) -> str:
    """Return ``"7,691 features"`` for a layer (``"? features"`` when GDAL cannot count)."""
    import pyogrio

    try:
        count = int(pyogrio.read_info(path, layer=name, force_feature_count=True)["features"])
    except Exception:  # counted only for the note
        return "? features"
    return plural(count, "feature")


def _layer_note(path: Path, own: str, names: list[str]) -> str:
    """Say which layer of several was read, and the others with their sizes."""
    with_areas = own == "points" and "area_events" in names
    read = f"{own!r} ({_features(path, own)}"
    read += f", and area_events ({_features(path, 'area_events')})" if with_areas else ""
    others = [n for n in names if n != own and not (with_areas and n == "area_events")]
    rest = ", ".join(f"{n} ({_features(path, n)})" for n in others[:8])
    more = f", ... ({len(others) - 8} more)" if len(others) > 8 else ""
    return (
        f"{path}: read layer {read}, written by incidentmap) of {len(names)}: {rest}{more}; "
        "`in_layer` chooses another"
    )


# ---------------------------------------------------------------------------------------------
# workbooks: the sheet, read column by column, and formulas saved without their values


def read_gis(p: Path, layer: str | None) -> Any:
    """Read a GIS file's incident layer (:func:`gis_layer`); a GeoJSON's big integers exact."""
    return read_gis_noted(p, layer)[0]


def read_gis_noted(p: Path, layer: str | None) -> tuple[Any, tuple[str, ...]]:
    """Read a GIS file's incident layer and say which one it was (:func:`chosen_layer`)."""
    import warnings

    import geopandas as gpd

    shp = p.suffix.lower() in (".shp", ".dbf")
    text, said = dbf_encoding(p) if shp else ({}, ())
    with warnings.catch_warnings():
        # a property mixing numbers and "" is typed JSON by GDAL and left as text by
        # geopandas, which is how every column is read: the number rules read it, and say
        # what they cannot; geopandas' warning adds nothing
        warnings.filterwarnings("ignore", message=r"Could not parse column .* as JSON")
        chosen, notes = chosen_layer(p, layer)
        gis = gpd.read_file(p, layer=chosen, engine="pyogrio", **text)
        if layer is None and chosen == "points":
            gis = _with_area_events(p, gis)
    gis = exact_ints(gis, p.read_bytes()) if p.suffix.lower() == ".geojson" else gis
    gis = _kml_fields(gis) if p.suffix.lower() in (".kml", ".kmz") else gis
    if shp:  # the names before the 10-character cut: listed beside, or the codebooks'
        renamed, named = field_names(p, [str(c) for c in gis.columns if c != "geometry"])
        gis, notes = gis.rename(columns=renamed), (*notes, *said, *named)
    return gis, notes


#: the fields GDAL gives every KML placemark, whatever the file holds
_KML_FIELDS = ("id", "Name", "description", "timestamp", "begin", "end", "altitudeMode",
               "tessellate", "extrude", "visibility", "drawOrder", "icon")  # fmt: skip


def _kml_fields(gis: Any) -> Any:
    """Leave out KML's own placemark fields that say nothing: empty, or another column again.

    A KML incidentmap wrote names each placemark by its ``event_id``; read back, GDAL adds
    ``Name``, its own ids (``incidents.1``) and ten empty fields, and every round trip added
    twelve columns (``Name_original``...). A placemark's own name or description is kept.
    """
    drop = []
    for col in _KML_FIELDS:
        if col not in gis.columns:
            continue
        values = gis[col].astype(object)
        blank = values.isna() | values.astype(str).str.strip().isin(["", "0", "-1", "None"])
        again = any(c != col and values.equals(gis[c].astype(object)) for c in gis.columns)
        made = col == "id" and bool(values.astype(str).str.fullmatch(r"[\w-]+\.\d+").all())
        if bool(blank.all()) or again or made:  # made: GDAL's own ids, ``incidents.1``
            drop.append(col)
    return gis.drop(columns=drop)


def _with_area_events(p: Path, points: Any) -> Any:
    """Add the rows of an ``area_events`` layer beside ``points`` (incidentmap's export).

    incidentmap's export (``area_events="layer"``) writes the events placed only to a
    district or province apart: a table naming each one's area (``area_id``; files of
    earlier versions: with a copy of its area's polygon). Read back, they are rows of the
    file like the points (placed by their area, no geometry), in the order they were written.
    """
    import geopandas as gpd
    import pyogrio

    try:
        names = {str(n) for n, _ in pyogrio.list_layers(p)}
    except Exception:  # listed once already: nothing more to add
        return points
    if "area_events" not in names:
        return points
    areas = pd.DataFrame(pyogrio.read_dataframe(p, layer="area_events", read_geometry=False))
    areas = areas.drop(columns=["area_id"], errors="ignore")  # written for GIS joins
    if areas.empty or not set(areas.columns) <= set(points.columns):
        return points
    geometry = points.geometry.name
    areas[geometry] = gpd.GeoSeries([None] * len(areas), index=areas.index, crs=points.crs)
    areas = gpd.GeoDataFrame(areas, geometry=geometry, crs=points.crs)
    both = pd.concat([points, areas], ignore_index=True)
    if "row" in both.columns and pd.api.types.is_numeric_dtype(both["row"]):
        both = both.sort_values("row", kind="stable").reset_index(drop=True)
    return gpd.GeoDataFrame(both, geometry=points.geometry.name, crs=points.crs)


def json_int(text: str) -> int | str:
    """Read a JSON integer; one beyond 2^53 stays text (a float column would round its digits)."""
    value = int(text)
    return value if -(2**53) <= value <= 2**53 else text


_BIG_INT = re.compile(rb"[:\[,]\s*-?\d{16,}\s*[,}\]]")


def exact_ints(gis: Any, data: bytes) -> Any:
    """Keep every digit of GeoJSON integers beyond 2^53: their properties' columns as text.

    GDAL reads a column of integers with a null as floats (9007199254740993 becomes
    ...992); such columns are read again from the JSON, each value as written.
    """
    if not _BIG_INT.search(data):
        return gis
    obj = json.loads(data, parse_int=json_int)
    props = [(f.get("properties") or {}) for f in obj.get("features", [])]
    if len(props) != len(gis):
        return gis
    for key in _big_keys(props) & set(gis.columns):
        gis[key] = pd.Series([None if p.get(key) is None else str(p[key]) for p in props],
                             index=gis.index, dtype=object)  # fmt: skip
    return gis


def _big_keys(props: list[dict[str, Any]]) -> set[str]:
    """Return the properties holding an integer beyond 2^53 (kept as text by :func:`json_int`)."""
    return {k for p in props for k, v in p.items() if _is_big(v)}


def _is_big(v: object) -> bool:
    return isinstance(v, str) and v.lstrip("-").isdigit() and abs(int(v)) > 2**53


def sheet_name(sheet: str | int | None, names: list[str], path: str) -> str:
    """Return the sheet's name: by name first, then by position (0 the first).

    A sheet may be named ``2023`` or ``0``: the name wins over the position.
    """
    if sheet is None:
        if not names:
            raise InputFileError(path, "the workbook has no sheet")
        return names[0]
    text = str(sheet)
    if text in names:
        return text
    if text.lstrip("-").isdigit() and 0 <= int(text) < len(names):
        return names[int(text)]
    listed = ", ".join(repr(n) for n in names)
    raise InputFileError(
        path, f"no sheet {text!r} (by name or position from 0): the sheets are {listed}"
    )


@dataclass(frozen=True)
class Sheet:
    """A workbook's sheet as read: its table, and the cells whose formulas have no value.

    Attributes
    ----------
    frame : pandas.DataFrame
        The sheet as ``pandas.read_excel(dtype=object)`` gives it.
    formulas : dict
        Column -> {data position: formula} for the cells holding a formula saved without
        its value (:func:`sheet_formulas`); they read as empty.
    """

    frame: pd.DataFrame
    formulas: dict[str, dict[int, str]] = field(default_factory=dict, hash=False)


def read_sheet(p: Path, sheet: str | int | None) -> Sheet | None:
    """Read a workbook's sheet as ``pandas.read_excel(dtype=object)`` does, column by column.

    Calamine's cells come back as Python values; pandas converts them one by one and then
    parses the rows again as text would be (about a second for ACLED's 69,172 rows). Here
    each column is converted at once: whole floats to ``int``, days to ``datetime``, the
    text pandas takes as missing (``""``, ``NA``, ``null``...) to NaN. None when the sheet
    needs pandas' careful reader (header cells blank, repeated or not text; a blank row).
    The :class:`Sheet`'s ``formulas`` lists the cells holding a formula saved without its
    value.
    """
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(p))
    try:
        which = sheet_name(sheet, [str(n) for n in book.sheet_names], str(p))
        rows = book.get_sheet_by_name(which).to_python(skip_empty_area=False)
    finally:
        book.close()
    names = _header(rows)
    if names is None:
        return None
    width = len(names)
    body = rows[1:]
    if set(map(len, body)) - {width}:
        return None
    columns = list(zip(*body, strict=True)) if body else [()] * width
    if _blank_row(columns):  # pandas skips a blank row: its reader decides
        return None
    frame = pd.DataFrame(
        {n: pd.Series(_sheet_column(c), dtype=object) for n, c in zip(names, columns, strict=True)}
    )
    # a formula saved without its value reads as an empty cell: only then is the XML read
    blank = any("" in c for c in columns)
    return Sheet(frame, sheet_formulas(p, which, names) if blank else {})


def _header(rows: list[list[Any]]) -> list[str] | None:
    """Return the header's names, or None when one is blank, repeated or not text."""
    if not rows:
        return None
    names = [h.strip() if isinstance(h, str) else "" for h in rows[0]]
    return None if not all(names) or len(set(names)) != len(names) else names


def _blank_row(columns: list[tuple[Any, ...]]) -> bool:
    """Say whether some row is blank in every column."""
    if not columns or not columns[0] or not all("" in c for c in columns):
        return False
    return bool(np.logical_and.reduce([np.array(c, dtype=object) == "" for c in columns]).any())


def _sheet_column(col: tuple[Any, ...]) -> np.ndarray:
    """Convert one column of calamine's values as pandas' Excel reader does."""
    from pandas._libs.parsers import STR_NA_VALUES

    kinds = set(map(type, col))
    out = np.empty(len(col), dtype=object)
    if kinds == {float}:
        arr = np.fromiter(col, dtype=float, count=len(col))
        whole = np.isfinite(arr) & (arr == np.floor(arr)) & (np.abs(arr) < 2**63)
        out[:] = arr.tolist()
        out[whole] = arr[whole].astype(np.int64).tolist()
        return out
    if kinds == {dt.date}:  # days: datetime objects, as pandas gives them
        days = np.fromiter((d.toordinal() for d in col), dtype=np.int64, count=len(col))
        return (days - 719163).astype("datetime64[D]").astype("datetime64[us]").astype(object)
    if kinds == {str}:
        out[:] = col
        out[pd.Series(out, dtype=object).isin(STR_NA_VALUES).to_numpy()] = np.nan
        return out
    out[:] = [_cell(v) for v in col]
    return out


def _cell(v: Any) -> Any:
    """Convert one of calamine's values as pandas' Excel reader does."""
    from pandas._libs.parsers import STR_NA_VALUES

    if isinstance(v, float) and v.is_integer():
        return int(v)
    if isinstance(v, dt.date) and not isinstance(v, dt.datetime):
        return dt.datetime(v.year, v.month, v.day)
    if isinstance(v, str) and v in STR_NA_VALUES:
        return np.nan
    return v


#: a formula with no value after it: ``<f>1+1</f><v/></c>`` or a shared ``<f t="shared"/></c>``
_NO_VALUE = re.compile(
    rb"<f\b[^>]*?(?:/>|>([^<]*)</f>)\s*(?:<v\s*/>|<v>\s*</v>)?\s*</c>", re.DOTALL
)
_REF = re.compile(rb'\br="([A-Z]+)(\d+)"')


def sheet_formulas(p: Path, sheet: str, names: list[str]) -> dict[str, dict[int, str]]:
    """Return column -> {data position: formula} for formulas saved without a cached value.

    A workbook written by a program that does not compute formulas (openpyxl, many
    exporters) stores ``=1+1`` with no value: every reader then sees an empty cell.
    The sheet's XML says which cells those are (an ``<f>`` and no ``<v>``).
    """
    import zipfile

    try:
        with zipfile.ZipFile(p) as z:
            xml = z.read(_sheet_part(z, sheet))
    except (KeyError, OSError, zipfile.BadZipFile, ValueError):
        return {}  # .ods, or a layout not found: nothing to say
    if b"<f" not in xml:
        return {}
    found: dict[str, dict[int, str]] = {}
    for m in _NO_VALUE.finditer(xml):
        ref = _REF.search(xml, xml.rfind(b"<c ", 0, m.start()), m.start())
        if ref is None:
            continue
        col = 0
        for ch in ref.group(1):
            col = col * 26 + ch - 64
        row = int(ref.group(2)) - 2  # row 1 is the header
        if 0 <= col - 1 < len(names) and row >= 0:
            text = html.unescape((m.group(1) or b"").decode("utf-8", "replace"))
            found.setdefault(names[col - 1], {})[row] = f"={text}" if text else "(a shared formula)"
    return found


def _sheet_part(z: Any, sheet: str) -> str:
    """Return the zip member of a sheet of an .xlsx, found through workbook.xml and its rels."""
    book = z.read("xl/workbook.xml")
    rels = z.read("xl/_rels/workbook.xml.rels")
    for m in re.finditer(rb"<sheet\b[^>]*>", book):
        tag = m.group(0)
        name = re.search(rb'\bname="([^"]*)"', tag)
        rid = re.search(rb'\br:id="([^"]*)"', tag)
        if name and rid and html.unescape(name.group(1).decode("utf-8")) == sheet:
            for r in re.finditer(rb"<Relationship\b[^>]*>", rels):
                if re.search(rb'\bId="' + re.escape(rid.group(1)) + rb'"', r.group(0)):
                    target = re.search(rb'\bTarget="([^"]*)"', r.group(0))
                    if target:
                        t = target.group(1).decode("utf-8")
                        return t.lstrip("/") if t.startswith("/") else f"xl/{t}"
    raise KeyError(sheet)


# ---------------------------------------------------------------------------------------------
# a workbook's sheet kept in the cache: parsed once, read again by its content's digest

#: the version of what :func:`cached_sheet` keeps (a change of the reading rules bumps it)
_SHEET_CACHE_VERSION = b"sheet-1"
#: workbooks smaller than this are parsed each time (a cache file would cost more)
_SHEET_CACHE_MIN_BYTES = 256 * 1024
#: how many parsed sheets the cache keeps (the newest)
_SHEET_CACHE_KEEP = 8


def cached_sheet(p: Path, sheet: str | int | None) -> Sheet | None:
    """Return a sheet :func:`read_sheet` read before, from the cache; None if not kept.

    Keyed by the digest of the workbook's bytes (and the sheet asked for), so a changed
    file is parsed again; a sheet whose columns mix kinds (numbers and text in one) is
    never kept. The table is the one :func:`read_sheet` returns, value for value and
    type for type; the formulas are kept in the Arrow file's schema metadata.
    """
    path = _sheet_cache_path(p, sheet)
    if path is None or not path.exists():
        return None
    import pyarrow as pa

    try:
        with pa.memory_map(str(path)) as src:
            table = pa.ipc.open_file(src).read_all()
    except (OSError, pa.ArrowInvalid):
        return None
    meta = json.loads((table.schema.metadata or {}).get(b"incidentmap", b"{}"))
    frame = pd.DataFrame(
        {n: pd.Series(_from_arrow(table.column(n)), dtype=object) for n in table.column_names}
    )
    formulas = {c: {int(k): v for k, v in at.items()}
                for c, at in meta.get("formulas", {}).items()}  # fmt: skip
    return Sheet(frame, formulas)


def keep_sheet(p: Path, sheet: str | int | None, kept: Sheet) -> None:
    """Keep a sheet :func:`read_sheet` read in the cache (when every column is of one kind)."""
    path = _sheet_cache_path(p, sheet)
    if path is None:
        return
    import pyarrow as pa

    from incidentmap.atomic import atomic_write

    frame = kept.frame
    arrays = {}
    for name in frame.columns:
        arr = _to_arrow(frame[name].to_numpy(dtype=object))
        if arr is None:
            return  # a column of mixed kinds: parsed each time
        arrays[str(name)] = arr
    meta = {"formulas": kept.formulas}
    table = pa.table(arrays).replace_schema_metadata({"incidentmap": json.dumps(meta)})
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_write(path, overwrite=True) as tmp, pa.OSFile(str(tmp), "wb") as sink:
            with pa.ipc.new_file(sink, table.schema) as writer:
                writer.write_table(table)
        kept = sorted(path.parent.glob("*.arrow"), key=lambda f: f.stat().st_mtime)
        for old in kept[:-_SHEET_CACHE_KEEP]:
            old.unlink(missing_ok=True)
    except OSError:
        return  # a cache that cannot be written: the sheet was read all the same


def _sheet_cache_path(p: Path, sheet: str | int | None) -> Path | None:
    import hashlib

    from incidentmap._settings import cache_dir

    try:
        if p.stat().st_size < _SHEET_CACHE_MIN_BYTES:
            return None
        digest = hashlib.blake2b(p.read_bytes(), digest_size=20)
    except OSError:
        return None
    digest.update(_SHEET_CACHE_VERSION + b"\0" + repr(sheet).encode("utf-8"))
    return cache_dir() / "sheets" / f"{digest.hexdigest()}.arrow"


def _to_arrow(values: np.ndarray) -> Any:
    """Return a column of one kind (text, whole numbers, numbers, times) as Arrow; else None."""
    missing = pd.isna(values)
    kind = _kind(values[~missing])
    if kind is None or any(v is not np.nan and not isinstance(v, float) for v in values[missing]):
        return None  # mixed kinds, or a missing value that is no NaN (None, NaT)
    import pyarrow as pa

    kinds = {"string": pa.string(), "int": pa.int64(), "float": pa.float64(),
             "datetime": pa.timestamp("us")}  # fmt: skip
    return pa.array(np.where(missing, None, values), type=kinds[kind])  # C loops: no astype


def _kind(present: np.ndarray) -> str | None:
    """Return the one kind of a column's values, or None when they mix kinds."""
    kinds = {type(v) for v in present}
    if kinds <= {str}:
        return "string"
    if kinds == {int}:
        return "int" if _int64(present) else None
    if kinds == {float}:
        return "float"
    if kinds == {dt.datetime}:
        return None if any(v.tzinfo for v in present) else "datetime"
    return None


def _int64(values: np.ndarray) -> bool:
    return all(-(2**63) <= v < 2**63 for v in values)


def _from_arrow(column: Any) -> np.ndarray:
    """Return a kept column as the objects :func:`read_sheet` gives (NaN where missing)."""
    import pyarrow as pa

    kind = column.type
    out = column.to_numpy(zero_copy_only=False)
    missing = column.is_null().to_numpy(zero_copy_only=False)
    if pa.types.is_int64(kind) or pa.types.is_timestamp(kind):
        values = column.fill_null(0).to_numpy(zero_copy_only=False)
        out = values.astype("datetime64[us]").astype(object) if pa.types.is_timestamp(kind) \
            else values.astype(object)  # fmt: skip
    else:
        out = out.astype(object)
    out[missing] = np.nan
    return out


def read_workbook(p: Path, sheet: str | int | None) -> Sheet | None:
    """Return a sheet from the cache, else read column by column (and kept); None: pandas'."""
    cached = cached_sheet(p, sheet)
    if cached is not None:
        return cached
    read = read_sheet(p, sheet)
    if read is not None:
        keep_sheet(p, sheet, read)
    return read
