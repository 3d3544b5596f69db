"""Write one layer block by block: large geocoded files in bounded memory.

:func:`write_layer_blocks` takes an iterable of GeoDataFrames with the same columns
(the blocks :class:`incidentmap.io.IncidentBlocks` reads, geocoded) and writes
them into one file as they come: Parquet through Arrow's Parquet writer (one row
group per block), CSV through Arrow's CSV writer, GeoPackage and FlatGeobuf
through GDAL's Arrow interface in one transaction. The file is written under a
temporary name and moved into place only when complete (see
:func:`incidentmap.atomic.atomic_write`), so an error in any block leaves no
partial file. Every block is converted to the first block's Arrow schema (a
column empty in the first block is text), so the file has one schema.

Point geometry goes out as WKB built with numpy (21 bytes a point) instead of
one GEOS call per point.
"""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from incidentmap._threads import run_interruptibly
from incidentmap.atomic import atomic_write
from incidentmap.errors import OutputWriteError, UsageError, one_line
from incidentmap.io.formats import fast_sqlite, verify_count, writer_for
from incidentmap.io.frames import as_text, csv_parts, safe_frame
from incidentmap.io.write import write_error
from incidentmap.schema import safe_names

__all__ = ["BLOCK_SUFFIXES", "PointBlock", "point_wkb", "write_layer_blocks", "xy_wkb"]

#: output suffixes written block by block
BLOCK_SUFFIXES = (".parquet", ".csv", ".gpkg", ".fgb")
_WKB_POINT = np.dtype([("order", "u1"), ("type", "<u4"), ("x", "<f8"), ("y", "<f8")])


@dataclass
class PointBlock:
    """A block of rows without point objects: the table and each row's point.

    Attributes
    ----------
    frame : pandas.DataFrame
        The rows (no geometry column).
    x, y : numpy.ndarray
        Each row's point in EPSG:4326; NaN where the row has none.
    """

    frame: pd.DataFrame
    x: np.ndarray
    y: np.ndarray

    def geodataframe(self) -> gpd.GeoDataFrame:
        """Return the block as a GeoDataFrame (point objects made here)."""
        ok = ~np.isnan(self.x) & ~np.isnan(self.y)
        geom = np.empty(len(self.x), dtype=object)
        geom[ok] = shapely.points(self.x[ok], self.y[ok])
        return gpd.GeoDataFrame(self.frame, geometry=geom, crs="EPSG:4326", copy=False)


def xy_wkb(x: np.ndarray, y: np.ndarray) -> Any:
    """Return two-dimensional points as WKB in an Arrow binary array (NaN: null).

    Parameters
    ----------
    x, y : numpy.ndarray of float

    Returns
    -------
    pyarrow.BinaryArray
    """
    present = ~np.isnan(x) & ~np.isnan(y)
    return _packed(present, x[present], y[present])


def _packed(present: np.ndarray, x: np.ndarray, y: np.ndarray) -> Any:
    """WKB points for the rows ``present`` (x, y given for those rows only)."""
    import pyarrow as pa

    packed = np.empty(len(x), dtype=_WKB_POINT)
    packed["order"] = 1  # little-endian
    packed["type"] = 1  # Point
    packed["x"] = x
    packed["y"] = y
    offsets = np.zeros(len(present) + 1, dtype=np.int32)
    np.cumsum(np.where(present, _WKB_POINT.itemsize, 0), out=offsets[1:])
    nulls = int((~present).sum())
    validity = pa.py_buffer(np.packbits(present, bitorder="little")) if nulls else None
    return pa.Array.from_buffers(
        pa.binary(),
        len(present),
        [validity, pa.py_buffer(offsets), pa.py_buffer(packed.view(np.uint8))],
        null_count=nulls,
    )


def point_wkb(geometry: np.ndarray) -> Any:
    """Return the WKB of a geometry array as an Arrow binary array (None stays null).

    Two-dimensional points (the geometry of geocoded incidents) are packed with
    numpy; anything else goes through :func:`shapely.to_wkb`.

    Parameters
    ----------
    geometry : numpy.ndarray of shapely geometries or None

    Returns
    -------
    pyarrow.BinaryArray
    """
    import pyarrow as pa

    geometry = np.asarray(geometry, dtype=object)
    present = ~shapely.is_missing(geometry)
    some = geometry[present]
    plain_points = not (
        (shapely.get_type_id(some) != 0).any()
        or shapely.is_empty(some).any()
        or shapely.has_z(some).any()
    )
    if not plain_points:
        return pa.array(shapely.to_wkb(geometry), type=pa.binary())
    xy = shapely.get_coordinates(some)
    return _packed(present, xy[:, 0], xy[:, 1])


def _arrow_block(block: PointBlock | gpd.GeoDataFrame) -> Any:
    """Return a block as an Arrow table: attributes as the whole-file writers give, WKB."""
    if isinstance(block, PointBlock):
        table = _arrow_attributes(block.frame)
        wkb = xy_wkb(block.x, block.y)
    else:
        table = _arrow_attributes(pd.DataFrame(block.drop(columns=block.geometry.name)))
        wkb = point_wkb(block.geometry.values.to_numpy())
    table = table.append_column("geometry", wkb)
    return table.replace_schema_metadata(None)


def _arrow_attributes(frame: pd.DataFrame) -> Any:
    """Return the columns as Arrow arrays, without copying them through pandas again.

    Object columns become text (in C when they hold only text and blanks), dates lose
    their time zone, everything else goes as Arrow converts it.
    """
    import pyarrow as pa

    typed = [c for c in frame.columns if _typed(frame[c])]
    columns = _typed_arrays(frame[typed])
    for c in frame.columns:
        if c not in columns:
            columns[c] = _text_array(frame[c].to_numpy(dtype=object))
    names = [str(c) for c in frame.columns]
    return pa.table([columns[c] for c in frame.columns], names=names)


def _typed_arrays(rest: pd.DataFrame) -> dict[Any, Any]:
    """Return typed columns as Arrow arrays, dates without their time zone."""
    import pyarrow as pa

    zoned = {c: rest[c].dt.tz_localize(None) for c in rest.columns if _zoned(rest[c])}
    converted = pa.Table.from_pandas(rest.assign(**zoned) if zoned else rest, preserve_index=False)
    return {c: converted.column(i) for i, c in enumerate(rest.columns)}


def _zoned(s: pd.Series) -> bool:
    return isinstance(s.dtype, pd.DatetimeTZDtype)


def _text_array(values: np.ndarray) -> Any:
    """Return object values as Arrow text (in C when they are text and blanks only)."""
    import pyarrow as pa

    try:
        return pa.array(values, type=pa.large_string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array([as_text(v) for v in values], type=pa.large_string())


def _typed(s: pd.Series) -> bool:
    """Whether Arrow takes the column as it is (dates, numbers, booleans, text)."""
    return (
        pd.api.types.is_datetime64_any_dtype(s)
        or pd.api.types.is_bool_dtype(s)
        or pd.api.types.is_numeric_dtype(s)
        or isinstance(s.dtype, pd.StringDtype)
    )


def _fixed(schema: Any) -> Any:
    """Return the schema every block is cast to: an all-empty (null) column as text."""
    import pyarrow as pa

    return pa.schema(
        [pa.field(f.name, pa.string()) if pa.types.is_null(f.type) else f for f in schema]
    )


def _cast(table: Any, schema: Any, block: int) -> Any:
    import pyarrow as pa

    if table.schema.names != schema.names:
        raise OutputWriteError(f"block {block} has other columns than the first block")
    try:
        return table.cast(schema)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise OutputWriteError(f"block {block}: a column changed type ({one_line(exc)})") from exc


def _geo_metadata(bbox: list[float] | None) -> bytes:
    from pyproj import CRS

    column: dict[str, Any] = {
        "encoding": "WKB",
        "geometry_types": ["Point"],
        "crs": CRS.from_epsg(4326).to_json_dict(),
    }
    if bbox is not None:
        column["bbox"] = bbox
    geo = {"version": "1.0.0", "primary_column": "geometry", "columns": {"geometry": column}}
    return json.dumps(geo).encode("utf-8")


class _Blocks:
    """The prepared blocks: safe field names, EPSG:4326, counted, bounds kept."""

    def __init__(self, blocks: Iterable[gpd.GeoDataFrame | PointBlock]) -> None:
        self._it = iter(blocks)
        self.rows = 0
        self.renamed: dict[str, str] = {}
        self.bounds = np.array([np.inf, np.inf, -np.inf, -np.inf])
        #: what producing a block raised (a bad value, an interrupt): raised as it is
        self.error: BaseException | None = None

    def _next(self) -> gpd.GeoDataFrame | PointBlock | None:
        try:
            return next(self._it)
        except StopIteration:
            return None
        except BaseException as exc:
            self.error = exc
            raise

    def __iter__(self) -> Iterator[gpd.GeoDataFrame | PointBlock]:
        while (block := self._next()) is not None:
            g, renamed, b = _safe_block(block)
            self.renamed.update(renamed)
            self.rows += len(g.frame) if isinstance(g, PointBlock) else len(g)
            if b is not None:
                self.bounds = np.concatenate(
                    [np.minimum(self.bounds[:2], b[:2]), np.maximum(self.bounds[2:], b[2:])]
                )
            yield g


def _safe_block(
    block: gpd.GeoDataFrame | PointBlock,
) -> tuple[gpd.GeoDataFrame | PointBlock, dict[str, str], np.ndarray | None]:
    """Return a block with safe field names (EPSG:4326), the names changed, its bounds."""
    if not isinstance(block, PointBlock):
        crs = block.crs
        g = block.to_crs("EPSG:4326") if crs is not None else block.set_crs("EPSG:4326")
        g, renamed = safe_frame(g)
        return g, renamed, (g.geometry.total_bounds if g.geometry.notna().any() else None)
    names = safe_names([str(c) for c in block.frame.columns])
    renamed = {c: n for c, n in names.items() if c != n}
    frame = block.frame.rename(columns=renamed) if renamed else block.frame
    ok = ~np.isnan(block.x) & ~np.isnan(block.y)
    b = (
        np.array([block.x[ok].min(), block.y[ok].min(), block.x[ok].max(), block.y[ok].max()])
        if ok.any()
        else None
    )
    return PointBlock(frame, block.x, block.y), renamed, b


def _write_parquet_blocks(blocks: _Blocks, tmp: Path, layer: str, csv_safe: bool) -> None:
    import pyarrow.parquet as pq

    writer = None
    schema = None
    try:
        for i, g in enumerate(blocks, start=1):
            table = _arrow_block(g)
            if writer is None:
                schema = _fixed(table.schema)
                # the schema goes in the footer's key-value metadata (not Arrow's own copy),
                # so that GeoParquet's "geo" entry, written last with the bounds, is read
                writer = pq.ParquetWriter(
                    tmp, schema, store_schema=False, use_dictionary=_repetitive(table)
                )
            writer.write_table(_cast(table, schema, i))
        if writer is None:
            raise OutputWriteError("no rows to write")
        finite = np.isfinite(blocks.bounds).all()
        writer.add_key_value_metadata(
            {"geo": _geo_metadata([float(v) for v in blocks.bounds] if finite else None)}
        )
    finally:
        if writer is not None:
            writer.close()


def _repetitive(table: Any) -> list[str] | bool:
    """Columns worth a Parquet dictionary: at most half their values distinct in a block.

    Ids, coordinates and geometry are not: a dictionary tried on them costs time and
    space before Parquet gives it up.
    """
    import pyarrow.compute as pc

    if table.num_rows < 1000:
        return True
    sample = table.slice(0, 5000)  # enough to tell ids from categories
    half = sample.num_rows // 2
    return [c for c in sample.column_names if pc.count_distinct(sample[c]).as_py() <= half]


def _write_csv_blocks(blocks: _Blocks, tmp: Path, layer: str, csv_safe: bool) -> None:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    options = pacsv.WriteOptions(include_header=False, eol="\r\n", quoting_style="needed")
    names: list[str] | None = None
    with pa.OSFile(str(tmp), "wb") as sink:
        for i, g in enumerate(blocks, start=1):
            gdf = g.geodataframe() if isinstance(g, PointBlock) else g
            header, table = csv_parts(gdf, csv_safe=csv_safe)
            if names is None:
                names = table.schema.names
                sink.write(header.encode("utf-8"))
            elif table.schema.names != names:
                raise OutputWriteError(f"block {i} has other columns than the first block")
            pacsv.write_csv(table, sink, write_options=options)
        if names is None:
            raise OutputWriteError("no rows to write")


def _write_ogr_blocks(blocks: _Blocks, tmp: Path, layer: str, driver: str, **options: Any) -> None:
    import pyarrow as pa
    import pyogrio

    it = iter(blocks)
    first = next(it, None)
    if first is None:
        raise OutputWriteError("no rows to write")
    table = _arrow_block(first)
    schema = _fixed(table.schema)

    def batches() -> Iterator[Any]:  # GDAL pulls them: blocks are made as it writes
        yield from _cast(table, schema, 1).to_batches()
        for i, g in enumerate(it, start=2):
            yield from _cast(_arrow_block(g), schema, i).to_batches()

    reader = pa.RecordBatchReader.from_batches(schema, batches())
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*Normalized/laundered field name.*")
        run_interruptibly(
            lambda: pyogrio.write_arrow(
                reader,
                tmp,
                driver=driver,
                layer=layer,
                geometry_name="geometry",
                geometry_type="Point",
                crs="EPSG:4326",
                **options,
            )
        )


def write_layer_blocks(
    blocks: Iterable[gpd.GeoDataFrame | PointBlock],
    path: str | os.PathLike[str],
    *,
    layer: str | None = None,
    overwrite: bool = False,
    csv_safe: bool = False,
) -> dict[str, Any]:
    """Write a point layer that arrives in blocks into one file, atomically.

    Parameters
    ----------
    blocks : iterable of geopandas.GeoDataFrame or PointBlock
        The blocks, in order, with the same columns (point or empty geometry; a
        :class:`PointBlock` gives its points as coordinates).
        Consumed once; errors raised while producing a block (a bad value in
        block 7) propagate unchanged and leave no file.
    path : path-like
        ``.parquet``, ``.csv``, ``.gpkg`` or ``.fgb``.
    layer : str, optional
        Layer name (GeoPackage); default the file's stem.
    overwrite : bool, default False
        Replace an existing file.
    csv_safe : bool, default False
        See :func:`incidentmap.io.write_layers`.

    Returns
    -------
    dict
        ``path``, ``format``, ``layers`` (name -> rows written), ``renamed``.

    Raises
    ------
    UsageError
        If the suffix is not one of :data:`BLOCK_SUFFIXES`.
    OutputExistsError, OutputWriteError
        As for :func:`incidentmap.io.write_layers`.
    """
    fmt, _, _ = writer_for(path)
    p = Path(path)
    ext = p.suffix.lower()
    if ext not in BLOCK_SUFFIXES:
        msg = f"{p}: {fmt} is not written in blocks; use one of {', '.join(BLOCK_SUFFIXES)}"
        raise UsageError(msg)
    name = layer or p.stem
    prepared = _Blocks(blocks)
    with atomic_write(p, overwrite=overwrite) as tmp:
        try:
            if ext == ".parquet":
                _write_parquet_blocks(prepared, tmp, name, csv_safe)
            elif ext == ".csv":
                _write_csv_blocks(prepared, tmp, name, csv_safe)
            elif ext == ".gpkg":
                with fast_sqlite():  # a temporary file: no journal, one sync at the end
                    _write_ogr_blocks(
                        prepared, tmp, name, "GPKG", dataset_options={"VERSION": "1.2"}
                    )
                verify_count(tmp, name, prepared.rows, "GeoPackage")
            else:  # the packed spatial index would reorder features: input order kept
                _write_ogr_blocks(
                    prepared, tmp, name, "FlatGeobuf", layer_options={"SPATIAL_INDEX": "NO"}
                )
                verify_count(tmp, None, prepared.rows, "FlatGeobuf")
        except BaseException as exc:
            if prepared.error is not None:  # the blocks' own error (GDAL saw a broken stream)
                raise prepared.error from None
            error = write_error(exc, p, fmt)
            if error is exc:
                raise
            raise error from exc
    return {
        "path": str(p),
        "format": fmt,
        "layers": {name: prepared.rows},
        "renamed": prepared.renamed,
    }
