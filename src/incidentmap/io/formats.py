"""One writer per format (GeoPackage, GeoJSON, FlatGeobuf, shapefile, KML, CSV, Parquet).

GDAL writers are checked after writing (feature count read back, or the file's closing
bytes), because some of them report success on a full disk. Shapefiles cut names to 10
characters and KML needs XML names; both report the mapping they used.
"""

from __future__ import annotations

import contextlib
import os
import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from incidentmap._threads import run_interruptibly
from incidentmap.errors import OutputWriteError, UsageError
from incidentmap.io.frames import WriteOptions, Writer, plain_frame, write_csv

__all__ = [
    "WRITERS",
    "WRITE_FORMATS",
    "csv_types",
    "kml_fields",
    "shapefile_fields",
    "writer_for",
    "xml_text",
    "xml_values",
]


def _write_csv_layers(
    layers: dict[str, gpd.GeoDataFrame], tmp: Path, opts: WriteOptions
) -> dict[str, Any]:
    (gdf,) = layers.values()
    write_csv(gdf, tmp, geometry_digits=opts.precision, csv_safe=opts.csv_safe)
    return {}


def _write_parquet(
    layers: dict[str, gpd.GeoDataFrame], tmp: Path, opts: WriteOptions
) -> dict[str, Any]:
    import pyarrow.parquet as pq
    from geopandas.io import arrow  # GeoDataFrame.to_parquet's own table, "geo" metadata kept

    (gdf,) = layers.values()
    to_arrow = getattr(arrow, "_geopandas_to_arrow", None)  # geopandas 1.x; its public
    if to_arrow is None:  # to_arrow() drops the "geo" metadata: GeoParquet as geopandas writes
        gdf.to_parquet(tmp, index=False, compression="snappy")
        return {}
    table = to_arrow(gdf, index=False, geometry_encoding="WKB")
    pq.write_table(parquet_text(table), tmp, compression="snappy")
    return {}


def parquet_text(table: Any) -> Any:
    """Return ``table`` with its text as Arrow ``string``, an all-blank column included.

    A file read whole wrote text as ``large_string`` and a column blank in every row
    (``notes``, ``stated_district``) as Arrow's ``null``; read in blocks, the same columns were
    ``string``: equal tables whose schemas did not unify across runs. One schema now,
    whatever the reading (the block writer's, :mod:`incidentmap.io.blocks`).
    """
    import pyarrow as pa

    def text(t: Any) -> bool:
        return pa.types.is_null(t) or pa.types.is_large_string(t)

    if not any(text(f.type) for f in table.schema):
        return table
    fields = [f.with_type(pa.string()) if text(f.type) else f for f in table.schema]
    return table.cast(pa.schema(fields, metadata=table.schema.metadata))


#: drivers that hold a date without a time (a date-only column is written as Date)
_DATE_DRIVERS = ("GPKG", "ESRI Shapefile")


def _ogr(gdf: gpd.GeoDataFrame, tmp: Path, driver: str, layer: str, **kwargs: Any) -> None:
    plain = plain_frame(gdf, dates_as_text=driver in ("GeoJSON", "KML"))
    types = set(plain.geom_type.dropna())
    if types <= {"Point"}:
        _ogr_arrow(plain, tmp, driver, layer, **kwargs)
        return
    if types <= {"Polygon", "MultiPolygon"} and driver in _DATE_DRIVERS:
        plain = plain.set_geometry(_as_multi(plain.geometry), crs=plain.crs)
        _ogr_arrow(plain, tmp, driver, layer, geometry_type="MultiPolygon", **kwargs)
        return
    if types <= {"Polygon", "MultiPolygon"} and driver != "GeoJSON":
        kwargs["promote_to_multi"] = True  # one declared geometry type per layer
    if driver != "ESRI Shapefile":  # a shapefile's layer is its file name
        kwargs["layer"] = layer
    with warnings.catch_warnings():
        # pyogrio warns once per field about shapefile truncation; the report counts it all
        warnings.filterwarnings("ignore", message=".*has been truncated to 254 characters.*")
        warnings.filterwarnings("ignore", message=".*Normalized/laundered field name.*")
        run_interruptibly(lambda: plain.to_file(tmp, driver=driver, engine="pyogrio", **kwargs))


def _as_multi(geoms: gpd.GeoSeries) -> gpd.GeoSeries:
    """Return polygons as multipolygons (one declared geometry type per layer), same index."""
    import shapely

    arr = np.asarray(geoms.values, dtype=object).copy()
    single = shapely.get_type_id(arr) == 3
    arr[single] = [shapely.MultiPolygon([g]) for g in arr[single]]
    return gpd.GeoSeries(arr, index=geoms.index, crs=geoms.crs)


def _date_only(frame: pd.DataFrame) -> list[str]:
    """Return the datetime columns whose every value is a midnight (dates without a time)."""
    out = []
    for col in frame.columns:
        s = frame[col]
        if pd.api.types.is_datetime64_any_dtype(s):
            v = s.dropna()
            if (v == v.dt.normalize()).all():
                out.append(str(col))
    return out


#: rows per Arrow batch handed to GDAL: between batches Python runs, so Ctrl-C is seen
_BATCH_ROWS = 50_000


def _ogr_arrow(
    plain: gpd.GeoDataFrame,
    tmp: Path,
    driver: str,
    layer: str,
    geometry_type: str = "Point",
    **kwargs: Any,
) -> None:
    """Write a point (or multipolygon) layer through GDAL's Arrow interface, in batches.

    Three times faster than feature by feature for a million rows (GeoPackage: 5 s
    against 15 s), and still interruptible: the batches come from a Python generator.
    """
    import pyarrow as pa
    import pyogrio

    table = pa.table(plain.to_arrow(geometry_encoding="WKB", index=False))
    dates = set(_date_only(plain)) if driver in _DATE_DRIVERS else set()
    fields = []
    for f in table.schema:  # an all-empty column has Arrow's null type, which OGR lacks
        if pa.types.is_null(f.type):
            f = pa.field(f.name, pa.string())
        elif f.name in dates:  # a date, not a date and time at midnight
            f = pa.field(f.name, pa.date32())
        fields.append(f)
    table = table.cast(pa.schema(fields, metadata=table.schema.metadata))

    def batches() -> Any:
        yield from table.to_batches(max_chunksize=_BATCH_ROWS)

    reader = pa.RecordBatchReader.from_batches(table.schema, batches())
    geom = plain.geometry.name
    options = {k: v for k, v in kwargs.items() if k != "promote_to_multi"}
    if driver != "ESRI Shapefile":
        options["layer"] = layer
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*has been truncated to 254 characters.*")
        warnings.filterwarnings("ignore", message=".*Normalized/laundered field name.*")
        run_interruptibly(
            lambda: pyogrio.write_arrow(
                reader,
                tmp,
                driver=driver,
                geometry_name=geom,
                geometry_type=geometry_type,
                crs="EPSG:4326",
                **options,
            )
        )


def verify_count(tmp: Path, layer: str | None, expected: int, what: str) -> None:
    import pyogrio

    try:
        info = pyogrio.read_info(tmp, layer=layer)
        if int(info["features"]) < 0:  # not stored (an empty FlatGeobuf): count them
            info = pyogrio.read_info(tmp, layer=layer, force_feature_count=True)
    except Exception as exc:
        raise OutputWriteError(f"the {what} file written is unreadable ({exc})") from exc
    if int(info["features"]) != expected:
        msg = f"the {what} file written holds {info['features']} features, not {expected}"
        raise OutputWriteError(msg)


def _verify_tail(tmp: Path, ending: bytes, what: str) -> None:
    size = tmp.stat().st_size
    with tmp.open("rb") as fh:
        fh.seek(max(0, size - 64))
        tail = fh.read()
    if not tail.rstrip().endswith(ending):
        raise OutputWriteError(f"the {what} file written is cut short (disk full?)")


#: SQLite settings for writing a GeoPackage under its temporary name: no rollback journal,
#: no sync per transaction, a 128 MB page cache. A crash can only spoil the temporary file,
#: which is never published; the finished file is synced once before it is moved in.
#: A million points: 13.6 s -> 9.9 s.
_FAST_SQLITE = {
    "OGR_SQLITE_JOURNAL": "OFF",
    "OGR_SQLITE_SYNCHRONOUS": "OFF",
    "OGR_SQLITE_CACHE": "128",
}


@contextlib.contextmanager
def fast_sqlite() -> Iterator[None]:
    """Set :data:`_FAST_SQLITE` in GDAL for the duration, then restore what was there."""
    import pyogrio

    before = {k: pyogrio.get_gdal_config_option(k) for k in _FAST_SQLITE}
    pyogrio.set_gdal_config_options(_FAST_SQLITE)
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options(before)


def _write_gpkg(
    layers: dict[str, gpd.GeoDataFrame], tmp: Path, opts: WriteOptions
) -> dict[str, Any]:
    for name, gdf in layers.items():
        # GeoPackage 1.2: opens in the GDAL of older QGIS / ArcGIS installs without warnings
        with fast_sqlite():
            if isinstance(gdf, gpd.GeoDataFrame):
                _ogr(gdf, tmp, "GPKG", name, dataset_options={"VERSION": "1.2"})
            else:  # an attribute table: no geometry column at all
                _table(gdf, tmp, name)
    for name, gdf in layers.items():
        verify_count(tmp, name, len(gdf), "GeoPackage")
    return {}


def _table(frame: pd.DataFrame, tmp: Path, name: str) -> None:
    """Write a plain table into a GeoPackage as an attribute table."""
    import pyogrio

    plain = plain_frame(frame, dates_as_text=False)
    dates = _date_only(plain)
    for col in dates:  # Arrow's date32: a GeoPackage DATE, not a DATETIME at midnight
        plain[col] = pd.array(plain[col].dt.date, dtype=pd.ArrowDtype(_date32()))
    run_interruptibly(
        lambda: pyogrio.write_dataframe(
            plain,
            tmp,
            layer=name,
            driver="GPKG",
            dataset_options={"VERSION": "1.2"},
            use_arrow=bool(dates),
        )
    )


def _date32() -> Any:
    import pyarrow as pa

    return pa.date32()


def _write_fgb(
    layers: dict[str, gpd.GeoDataFrame], tmp: Path, opts: WriteOptions
) -> dict[str, Any]:
    ((name, gdf),) = layers.items()
    # the packed spatial index reorders features; keep the input order (row by row)
    _ogr(gdf, tmp, "FlatGeobuf", name, layer_options={"SPATIAL_INDEX": "NO"})
    verify_count(tmp, None, len(gdf), "FlatGeobuf")
    return {}


def _write_geojson(
    layers: dict[str, gpd.GeoDataFrame], tmp: Path, opts: WriteOptions
) -> dict[str, Any]:
    ((name, gdf),) = layers.items()
    digits = opts.precision if opts.precision is not None else 7
    _ogr(
        gdf,
        tmp,
        "GeoJSON",
        name,
        layer_options={"RFC7946": "YES", "COORDINATE_PRECISION": str(digits), "WRITE_NAME": "NO"},
    )
    _verify_tail(tmp, b"}", "GeoJSON")
    return {}


def shapefile_fields(columns: list[str]) -> dict[str, str]:
    """Map column names to unique names of at most 10 characters (case-insensitive)."""
    out: dict[str, str] = {}
    used: set[str] = set()
    for col in columns:
        base = re.sub(r"[^A-Za-z0-9_]", "_", col)
        name = base[:10]
        i = 1
        while name.lower() in used:
            suffix = str(i)
            name = base[: 10 - len(suffix)] + suffix
            i += 1
        used.add(name.lower())
        out[col] = name
    return out


def _cut_values(plain: pd.DataFrame, columns: list[str]) -> dict[str, int]:
    """Count, per text column, the values longer than the 254 bytes a shapefile holds."""
    cut: dict[str, int] = {}
    for col in columns:
        s = plain[col]
        if s.dtype == object or pd.api.types.is_string_dtype(s):
            long = np.fromiter(
                (isinstance(v, str) and len(v.encode("utf-8")) > 254 for v in s), bool, len(s)
            )
            if long.any():
                cut[str(col)] = int(long.sum())
    return cut


def _write_shp(
    layers: dict[str, gpd.GeoDataFrame], tmp: Path, opts: WriteOptions
) -> dict[str, Any]:
    ((name, gdf),) = layers.items()
    plain = plain_frame(gdf, dates_as_text=False)  # dates as the shapefile's Date type
    fields = shapefile_fields([c for c in plain.columns if c != plain.geometry.name])
    truncated = _cut_values(plain, list(fields))
    for col in fields:
        if pd.api.types.is_bool_dtype(plain[col]):  # an unknown flag stays empty, never 0
            plain[col] = plain[col].astype("Int32")
    plain = plain.rename(columns=fields)
    _ogr(plain, tmp, "ESRI Shapefile", name, encoding="UTF-8")
    # the mapping travels with the layer: <name>.fields.csv beside the .shp
    mapping = pd.DataFrame({"field": list(fields.values()), "column": list(fields.keys())})
    write_csv(mapping, tmp.with_suffix(".fields.csv"))
    verify_count(tmp, None, len(gdf), "shapefile")
    return {
        "fields": {k: v for k, v in fields.items() if k != v},
        "truncated": sum(truncated.values()),
        "truncated_columns": truncated,
    }


_XML_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")


def kml_fields(columns: list[str]) -> dict[str, str]:
    """Map column names to XML names (KML's SimpleField names), unique ignoring case."""
    out: dict[str, str] = {}
    used: set[str] = set()
    for col in columns:
        name = col if _XML_NAME.match(col) else re.sub(r"[^A-Za-z0-9_.\-]", "_", col)
        if not re.match(r"[A-Za-z_]", name):
            name = "_" + name
        base, i = name, 2
        while name.lower() in used:
            name = f"{base}_{i}"
            i += 1
        used.add(name.lower())
        out[col] = name
    return out


#: what XML 1.0 cannot hold: C0 controls but tab, LF and CR; U+FFFE, U+FFFF; lone surrogates
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _xml_char(m: re.Match[str]) -> str:
    return " " if m.group() < " " else "\ufffd"


def xml_text(text: str) -> str:
    r"""Return ``text`` as XML 1.0 can hold it.

    A control character becomes a space (``ctl\x0bchar`` -> ``ctl char``: GDAL's KML
    writer dropped it, joining the words), U+FFFE, U+FFFF and a lone surrogate U+FFFD;
    written as they were, they made a KML file no XML parser opens.
    """
    return _NOT_XML.sub(_xml_char, text)


def xml_values(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, int]]:
    """Return the frame with its text as XML can hold it, and how many values changed, by column."""
    changed: dict[str, int] = {}
    for col in frame.columns:
        s = frame[col]
        if not (s.dtype == object or pd.api.types.is_string_dtype(s)):
            continue
        bad = s.map(lambda v: isinstance(v, str) and _NOT_XML.search(v) is not None).astype(bool)
        if bad.any():
            if not changed:
                frame = frame.copy()
            frame.loc[bad, col] = s[bad].map(xml_text)
            changed[str(col)] = int(bad.sum())
    return frame, changed


def _write_kml(
    layers: dict[str, gpd.GeoDataFrame], tmp: Path, opts: WriteOptions
) -> dict[str, Any]:
    ((name, gdf),) = layers.items()
    plain, changed = xml_values(_int32(plain_frame(gdf, dates_as_text=True)))
    fields = kml_fields([c for c in plain.columns if c != plain.geometry.name])
    plain = plain.rename(columns=fields)
    if "name" not in plain.columns:
        label = plain["event_id"] if "event_id" in plain.columns else None
        plain.insert(0, "name", label if label is not None else name)
    layer = kml_fields([name])[name]
    _ogr(
        plain,
        tmp,
        "KML",
        layer,
        dataset_options={"NameField": "name", "DescriptionField": "description"},
    )
    _verify_tail(tmp, b"</kml>", "KML")  # cut short (a full disk), said so
    verify_count(tmp, None, len(gdf), "KML")  # read back: GDAL writes what it cannot read
    return {"fields": {k: v for k, v in fields.items() if k != v}, "not_xml": changed}


def _int32(plain: pd.DataFrame) -> pd.DataFrame:
    """Return 64-bit integer columns as 32-bit where they fit (KML writes Integer64 as text)."""
    for col in plain.columns:
        s = plain[col]
        if pd.api.types.is_integer_dtype(s) and s.dtype.itemsize > 4:
            lo, hi = np.iinfo(np.int32).min, np.iinfo(np.int32).max
            if s.isna().all() or (s.min() >= lo and s.max() <= hi):
                plain[col] = s.astype(
                    "Int32" if isinstance(s.dtype, pd.api.extensions.ExtensionDtype) else "int32"
                )
    return plain


#: a CSV column's type as GDAL and QGIS read it from a ``.csvt`` file
def csv_types(frame: pd.DataFrame) -> str:
    """Return the ``.csvt`` line of a CSV the writers write (GDAL's and QGIS's column types).

    Integers ``Integer`` (``Integer64`` beyond 32 bits), floats ``Real``, booleans
    ``Integer(Boolean)``, dates ``Date`` (written ``YYYY-MM-DD``), a geometry ``WKT``, the
    rest ``String``.

    Parameters
    ----------
    frame : pandas.DataFrame
        The frame as given to :func:`incidentmap.io.frames.write_csv`.

    Returns
    -------
    str
        One line of quoted type names, comma-separated, ending with CRLF.
    """
    geom = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
    types = []
    for col in frame.columns:
        s = frame[col]
        if col == geom:
            types.append("WKT")
        elif pd.api.types.is_bool_dtype(s):
            types.append("Integer(Boolean)")
        elif pd.api.types.is_integer_dtype(s):
            v = s.dropna()
            small = v.empty or (
                v.min() >= np.iinfo(np.int32).min and v.max() <= np.iinfo(np.int32).max
            )
            types.append("Integer" if small else "Integer64")
        elif pd.api.types.is_float_dtype(s):
            types.append("Real")
        elif pd.api.types.is_datetime64_any_dtype(s):
            types.append("Date")
        else:
            types.append("String")
    return ",".join(f'"{t}"' for t in types) + "\r\n"


#: writers by file suffix
WRITERS: dict[str, tuple[str, Writer, bool]] = {
    # suffix: (format name, writer, holds several layers)
    ".gpkg": ("GPKG", _write_gpkg, True),
    ".geojson": ("GeoJSON", _write_geojson, False),
    ".json": ("GeoJSON", _write_geojson, False),
    ".fgb": ("FlatGeobuf", _write_fgb, False),
    ".shp": ("ESRI Shapefile", _write_shp, False),
    ".kml": ("KML", _write_kml, False),
    ".csv": ("CSV", _write_csv_layers, False),
    ".parquet": ("Parquet", _write_parquet, False),
}


#: output formats by file suffix -> format name
WRITE_FORMATS: dict[str, str] = {k: v[0] for k, v in WRITERS.items()}


def writer_for(path: str | os.PathLike[str]) -> tuple[str, Writer, bool]:
    """Return (format name, writer, multi-layer) for a file name, or raise UsageError."""
    p = Path(path)
    ext = p.suffix.lower()
    if ext not in WRITERS:
        msg = f"{p}: unknown output format {ext or '(none)'}; use one of {', '.join(WRITERS)}"
        raise UsageError(msg)
    return WRITERS[ext]
