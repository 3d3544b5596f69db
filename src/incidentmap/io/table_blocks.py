"""Large tables in blocks: UTF-8 CSV through Arrow's streaming reader, Parquet by row batch."""

from __future__ import annotations

import json
import mmap
import os
import re
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from incidentmap.io.lines import has_lone_cr
from incidentmap.io.preamble import title_lines
from incidentmap.io.tables import TEXT_EXTS, TableFacts, arrow_csv_options, arrow_frame
from incidentmap.io.values import NotInBlocks

__all__ = ["CsvBlocks", "NotInBlocks", "ParquetBlocks", "csv_blocks", "parquet_blocks"]


class CsvBlocks:
    """A large UTF-8 CSV read block by block with Arrow's streaming reader.

    Each block comes out as a table of untouched text values, as :func:`read_table`
    gives for the whole file. Iterating raises :class:`NotInBlocks` when a later
    block is not well formed (bad UTF-8, a row of the wrong length): the caller then
    reads the whole file the careful way, whose error names the row.

    Attributes
    ----------
    size : int
        The file's size in bytes.
    names : list of str
        The column names as the first line gives them.
    facts : TableFacts
        What the file is, for every block (UTF-8 text).
    """

    def __init__(self, path: Path, options: tuple[Any, Any, Any, list[str]], block: int) -> None:
        self.path = path
        self.size = path.stat().st_size
        self.names = options[3]
        self.facts = TableFacts(encoding="utf-8")
        self._options = options
        self._block = block
        self._file: Any = None

    def position(self) -> int:
        """Bytes of the file read so far (Arrow reads a block or two ahead)."""
        try:
            return int(self._file.tell()) if self._file is not None else 0
        except (OSError, ValueError):  # closed
            return self.size

    def __iter__(self) -> Any:
        import pyarrow as pa
        import pyarrow.csv as pacsv

        read_opts, parse, convert, names = self._options
        read_opts.block_size = self._block
        self._file = pa.OSFile(str(self.path), "rb")
        try:
            try:
                reader = pacsv.open_csv(
                    self._file, read_options=read_opts, parse_options=parse,
                    convert_options=convert,
                )  # fmt: skip
            except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowKeyError, ValueError) as exc:
                raise NotInBlocks(str(exc)) from exc
            while True:
                try:
                    batch = reader.read_next_batch()
                except StopIteration:
                    return
                except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowKeyError) as exc:
                    raise NotInBlocks(str(exc)) from exc
                if batch.num_columns != len(names):
                    raise NotInBlocks("columns changed")
                if batch.num_rows:
                    yield arrow_frame(pa.Table.from_batches([batch]))
        finally:
            self._file.close()


#: bytes of CSV per incident row, roughly: a Parquet block holds block_bytes / this rows
_ROW_BYTES = 80


_INDEX_COLUMN = re.compile(r"__index_level_\d+__")


class ParquetBlocks:
    """A large Parquet (or GeoParquet with WKB geometry) file read in row batches.

    Each batch comes out as :func:`read_table` gives the whole file: typed columns as
    pandas reads them, a GeoDataFrame when the file has GeoParquet metadata, no
    stored pandas index.

    Attributes
    ----------
    size : int
        The file's size in bytes.
    names : list of str
        The column names.
    facts : TableFacts
        What the file is (nothing to say of a Parquet file).
    """

    def __init__(self, path: Path, parquet: Any, rows_per_block: int, geo: dict | None) -> None:
        self.path = path
        self.facts = TableFacts()
        self.size = path.stat().st_size
        self.names = [n for n in parquet.schema_arrow.names if not _INDEX_COLUMN.fullmatch(n)]
        self._file = parquet
        self._rows = max(int(parquet.metadata.num_rows), 1)
        self._per = rows_per_block
        self._geo = geo
        self._done = 0

    def position(self) -> int:
        """Bytes of the file read so far (in proportion to the rows read)."""
        return int(self.size * min(self._done / self._rows, 1.0))

    def __iter__(self) -> Any:
        import pyarrow as pa

        for batch in self._file.iter_batches(batch_size=self._per):
            table = pa.Table.from_batches([batch])
            drop = [n for n in table.column_names if _INDEX_COLUMN.fullmatch(n)]
            frame = table.drop(drop).to_pandas(ignore_metadata=True)
            self._done += batch.num_rows
            if self._geo is not None:
                frame = _geo_frame(frame, self._geo)
            yield frame


def _geo_frame(frame: pd.DataFrame, geo: dict[str, Any]) -> gpd.GeoDataFrame:
    import shapely
    from pyproj import CRS

    col = geo["primary_column"]
    meta = geo["columns"][col]
    crs = CRS.from_user_input(meta["crs"]) if meta.get("crs") else CRS("OGC:CRS84")
    wkb = frame.pop(col).to_numpy(dtype=object)
    return gpd.GeoDataFrame(frame, geometry=shapely.from_wkb(wkb), crs=crs)


def parquet_blocks(path: str | os.PathLike[str], *, block_bytes: int) -> ParquetBlocks | None:
    """Return a batch reader for a Parquet file of more than one block of rows, or None.

    A block is ``block_bytes / 80`` rows (what ``block_bytes`` of CSV holds). None for
    smaller files and for GeoParquet whose geometry is not WKB.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    p = Path(str(path))
    if block_bytes <= 0 or p.suffix.lower() != ".parquet" or not p.is_file():
        return None
    try:
        parquet = pq.ParquetFile(p)
    except (OSError, pa.ArrowInvalid):
        return None  # read_table says what is wrong with it
    per = max(block_bytes // _ROW_BYTES, 1)
    if parquet.metadata.num_rows <= per:
        return None
    meta = parquet.schema_arrow.metadata or {}
    geo = None
    if b"geo" in meta:
        try:
            geo = json.loads(meta[b"geo"])
            if geo["columns"][geo["primary_column"]].get("encoding", "WKB").upper() != "WKB":
                return None
        except (ValueError, KeyError, TypeError):
            return None
    return ParquetBlocks(p, parquet, per, geo)


def _plain_csv_head(p: Path, block_bytes: int) -> bytes | None:
    """Return the first 64 KiB of a plain UTF-8 CSV larger than one block, else None."""
    if p.suffix.lower() not in TEXT_EXTS or not p.is_file():
        return None
    try:
        size = p.stat().st_size
        with p.open("rb") as fh:
            head = fh.read(65536)
    except OSError:
        return None
    plain = (
        size > block_bytes
        and b"\n" in head
        and b"\x00" not in head
        and not head.startswith(b"\xef\xbb\xbf")  # a BOM: read whole
        and not head.lstrip(b" \t\r\n").startswith((b"{", b"["))  # JSON
    )
    return head if plain and not _lone_cr(p) else None


def _lone_cr(p: Path) -> bool:
    """Tell whether the file holds a CR not followed by LF (Arrow would end a row there).

    Such a CR is a character of a value (see :mod:`incidentmap.io.lines`): the whole-file
    reader keeps it there. One pass over the file at memory speed.
    """
    try:
        with p.open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
            return has_lone_cr(mm)
    except (OSError, ValueError):
        return True  # cannot look: the whole-file reader decides


def csv_blocks(
    path: str | os.PathLike[str],
    *,
    block_bytes: int,
    encoding: str | None = None,
    delimiter: str | None = None,
    comment: str | None = None,
    header: bool = True,
    columns: list[str] | None = None,
    **_: Any,
) -> CsvBlocks | None:
    """Return a block reader for a CSV larger than ``block_bytes``, or None.

    None unless the file is a plain UTF-8 CSV (no BOM, no comment lines, no title above
    its header, not JSON, not UTF-16) larger than one block: everything else is read whole by
    :func:`read_table`.
    """
    name = str(path)
    if name == "-" or block_bytes <= 0 or comment or encoding not in (None, "utf-8"):
        return None
    p = Path(name)
    head = _plain_csv_head(p, block_bytes)
    if head is None:
        return None
    text = head.decode("utf-8", "replace")
    if header and columns is None and title_lines(text, delimiter):
        return None  # a title above the header: the whole-file reader leaves it out
    options = arrow_csv_options(head, delimiter=delimiter, header=header, columns=columns)
    if options is None:
        return None
    return CsvBlocks(p, options, block_bytes)
