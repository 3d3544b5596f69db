"""Raw tables: bytes on disk (or standard input) to a table of untouched values.

This module decides how a file is read, and nothing else: its format from the
suffix, its text encoding, its delimiter, comment lines and header. Values stay
as written (text stays text); :mod:`incidentmap.io.values` reads them.

Text encodings are detected in this order: a byte-order mark; UTF-16 or UTF-32
without one (every other byte zero); strict UTF-8; then, for single-byte files,
a rule for Dari and Pashto written in Windows-1256 (bytes above 127 form whole
words of Arabic-script letters) before Windows-1252. charset-normalizer and
similar detectors were tried and rejected for this step: on short Windows-1256
files (a few province names) they answer Chinese or Korean code pages, because
a few bytes of Arabic letters are also valid double-byte text. Every non-UTF-8
decoding is reported in ``attrs["encoding_note"]`` so that the CLI can say it.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from incidentmap.errors import InputFileError, UsageError

__all__ = [
    "EXCEL_EXTS",
    "GEO_EXTS",
    "TEXT_EXTS",
    "CsvBlocks",
    "NotInBlocks",
    "ParquetBlocks",
    "csv_blocks",
    "decode_bytes",
    "detect_delimiter",
    "parquet_blocks",
    "read_table",
]

GEO_EXTS = {".geojson", ".gpkg", ".fgb", ".shp", ".kml", ".gml", ".geojsonl", ".geojsons"}
EXCEL_EXTS = {".xlsx", ".xlsm", ".xls", ".ods"}
TEXT_EXTS = {".csv", ".tsv", ".txt", ".tab", ".dat", ""}
JSON_EXTS = {".json", ".ndjson", ".jsonl"}
_DELIMITERS = (",", ";", "\t", "|")
#: JSON nested deeper than this is refused before parsing (Python's parser recurses)
MAX_JSON_DEPTH = 200
_CODEC_NAMES = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 (with BOM)",
    "utf-16": "UTF-16",
    "utf-16-le": "UTF-16 little-endian (no BOM)",
    "utf-16-be": "UTF-16 big-endian (no BOM)",
    "utf-32": "UTF-32",
    "cp1256": "Windows-1256 (Arabic script: Dari, Pashto)",
    "cp1252": "Windows-1252 (Western European)",
    "latin-1": "ISO-8859-1 (Latin-1)",
}


# ---------------------------------------------------------------------------------------------
# encodings


def _utf16_without_bom(data: bytes) -> str | None:
    """Return "utf-16-le"/"utf-16-be" when every other byte is zero (text in UTF-16)."""
    sample = data[:8192]
    pairs = len(sample) // 2
    if pairs < 2:
        return None
    even_zero = sum(1 for b in sample[0 : 2 * pairs : 2] if b == 0)
    odd_zero = sum(1 for b in sample[1 : 2 * pairs : 2] if b == 0)
    if odd_zero >= 0.4 * pairs and even_zero <= 0.05 * pairs:
        return "utf-16-le"
    if even_zero >= 0.4 * pairs and odd_zero <= 0.05 * pairs:
        return "utf-16-be"
    return None


_ASCII_LETTER = re.compile(rb"[A-Za-z]")
_TOKEN = re.compile(rb"[^\x00-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f]+")  # runs of letters/digits/high


def _arabic_share(data: bytes) -> float:
    """Share of the bytes above 127 that sit in words without Latin letters.

    In Dari or Pashto written as Windows-1256, every letter is a byte above 127 and
    words hold nothing else; in Western text (Windows-1252, Latin-1) such bytes are
    accents inside Latin words ("Café", "Explosión").
    """
    high = 0
    arabic = 0
    for token in _TOKEN.findall(data[:200_000]):
        n = sum(1 for b in token if b >= 0x80)
        latin = bool(_ASCII_LETTER.search(token))
        if not n or (n == 1 and not latin):
            continue  # one accented letter alone ("à") says nothing either way
        high += n
        if not latin:
            arabic += n
    return arabic / high if high else 0.0


def decode_bytes(data: bytes, path: str, encoding: str | None = None) -> tuple[str, str]:
    """Decode a text file; return ``(text, codec)``.

    Parameters
    ----------
    data : bytes
        The file's content.
    path : str
        For error messages.
    encoding : str, optional
        Use this codec instead of detecting one.

    Returns
    -------
    tuple of (str, str)
        The text (without a byte-order mark) and the codec used.

    Raises
    ------
    InputFileError
        If the bytes do not decode with the given codec, look like a binary file,
        or look like UTF-16 cut short (an odd number of bytes).
    """
    if encoding:
        try:
            return data.decode(encoding), encoding
        except LookupError as exc:
            raise UsageError(f"--encoding: unknown text encoding {encoding!r}") from exc
        except UnicodeDecodeError as exc:
            msg = (
                f"cannot decode as {encoding}: byte 0x{data[exc.start]:02x} at offset {exc.start} "
                "(expected text in that encoding; omit --encoding to detect it)"
            )
            raise InputFileError(path, msg) from exc
    if data.startswith(b"\xef\xbb\xbf"):
        codec = "utf-8-sig"
    elif data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        codec = "utf-32"
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        codec = "utf-16"
    else:
        codec = _utf16_without_bom(data) or ""
    if codec.startswith("utf-16") and len(data) % 2:
        msg = (
            f"looks like UTF-16 text but has an odd number of bytes ({len(data)}): the file is "
            "cut short or not text"
        )
        raise InputFileError(path, msg)
    if codec:
        try:
            return data.decode(codec), codec
        except UnicodeDecodeError as exc:
            msg = f"looks like {_CODEC_NAMES.get(codec, codec)} but does not decode ({exc.reason})"
            raise InputFileError(path, msg) from exc
    if b"\x00" in data[:65536]:
        raise InputFileError(path, "not a text file (it contains NUL bytes)")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if _arabic_share(data) >= 0.9:
        try:
            return data.decode("cp1256"), "cp1256"
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def encoding_note(codec: str) -> str | None:
    """Return a line for the user when a file was not UTF-8 (None when it was)."""
    if codec in ("utf-8", "utf-8-sig") or not codec:
        return None
    name = _CODEC_NAMES.get(codec, codec)
    return f"decoded as {name}; give --encoding if that is wrong"


# ---------------------------------------------------------------------------------------------
# CSV


def detect_delimiter(header_line: str) -> str:
    """Pick the delimiter that splits the header line into the most fields.

    The header is the line least likely to hold quoted text with stray commas or
    semicolons; a tie (or none found) gives a comma.
    """
    counts = {d: header_line.count(d) for d in _DELIMITERS}
    best = max(_DELIMITERS, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


def _strip_comments(text: str, comment: str) -> tuple[str, int]:
    """Drop the lines that start with ``comment``; return the text and how many went."""
    lines = text.splitlines(keepends=True)
    kept = [line for line in lines if not line.lstrip(" \t").startswith(comment)]
    return "".join(kept), len(lines) - len(kept)


def _read_csv_text(
    text: str,
    path: str,
    *,
    delimiter: str | None,
    comment: str | None,
    header: bool,
    columns: list[str] | None,
) -> pd.DataFrame:
    if comment:
        text, _ = _strip_comments(text, comment)
    body = text.lstrip("\r\n")
    if not body.strip():
        what = "a header row" if header else "data rows"
        raise InputFileError(path, f"the file is empty (expected {what})")
    first = body.split("\n", 1)[0]
    if delimiter is None:
        delimiter = detect_delimiter(first)
    elif len(delimiter) != 1:
        names = {"\\t": "\t", "tab": "\t", "TAB": "\t"}
        if delimiter not in names:
            msg = f"--delimiter must be one character (or 'tab'), not {delimiter!r}"
            raise UsageError(msg)
        delimiter = names[delimiter]
    try:
        df = pd.read_csv(
            io.StringIO(body),
            sep=delimiter,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=True,
            header=0 if header else None,
            engine="c",
        )
    except pd.errors.EmptyDataError as exc:
        raise InputFileError(path, "the file is empty (expected a header row)") from exc
    except pd.errors.ParserError as exc:
        m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
        if m:
            line = int(m.group(2))
            msg = f"expected {m.group(1)} fields (as in the header), found {m.group(3)}"
            mark = body.lstrip()[:1]
            if mark in ("#", "%", ";"):  # comment lines read as a header
                msg += "; " + commented_hint(str(path), mark)
            raise InputFileError(path, msg, row=line - 1 if header else line) from exc
        raise InputFileError(path, f"not a readable CSV file ({exc})") from exc
    if not header:
        names = list(columns or [])
        if len(names) > df.shape[1]:
            msg = f"--columns names {len(names)} columns but the file has {df.shape[1]}"
            raise UsageError(msg)
        names += [f"column{i + 1}" for i in range(len(names), df.shape[1])]
        df.columns = names
    elif columns:
        msg = "--columns names the columns of a file without a header; add --no-header"
        raise UsageError(msg)
    return _name_blank_headers(df)


def _name_blank_headers(df: pd.DataFrame) -> pd.DataFrame:
    """Give header cells left empty (a spreadsheet index column...) the name ``columnN``."""
    names = []
    for i, c in enumerate(df.columns):
        text = str(c)
        if text.startswith("Unnamed: ") or not text.strip():
            text = f"column{i + 1}"
        names.append(text.strip().lstrip("\ufeff"))
    df.columns = names
    return df


# ---------------------------------------------------------------------------------------------
# JSON


def _json_depth_ok(text: str, limit: int = MAX_JSON_DEPTH) -> bool:
    """Tell whether brackets nest at most ``limit`` deep (strings skipped)."""
    depth = 0
    in_str = False
    escape = False
    for ch in text:
        if in_str:
            if escape:
                escape = False
            elif ch == "\\":
                escape = True
            elif ch == '"':
                in_str = False
        elif ch == '"':
            in_str = True
        elif ch in "[{":
            depth += 1
            if depth > limit:
                return False
        elif ch in "]}":
            depth -= 1
    return True


def _read_json_text(text: str, path: str) -> pd.DataFrame:
    if not _json_depth_ok(text):
        msg = f"JSON nested more than {MAX_JSON_DEPTH} levels deep (expected records or GeoJSON)"
        raise InputFileError(path, msg)
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
                msg = f"not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})"
                raise InputFileError(path, msg) from exc
            if not isinstance(rows[-1], dict):
                raise InputFileError(path, "expected one JSON object a line", row=i) from exc
        return pd.DataFrame(rows)
    if isinstance(obj, dict) and obj.get("type") == "FeatureCollection":
        return _feature_collection(obj, text, path)
    if isinstance(obj, dict) and isinstance(obj.get("data"), list):
        obj = obj["data"]  # the ACLED API envelope
    if not isinstance(obj, list) or not all(isinstance(r, dict) for r in obj):
        msg = "expected a list of objects, {'data': [...]}, or a GeoJSON FeatureCollection"
        raise InputFileError(path, msg)
    return pd.DataFrame(obj)


def _feature_collection(obj: dict[str, Any], text: str, path: str) -> gpd.GeoDataFrame:
    feats = obj.get("features")
    if not isinstance(feats, list):
        msg = f"GeoJSON 'features' must be a list, got {type(feats).__name__}"
        raise InputFileError(path, msg)
    for i, f in enumerate(feats, start=1):
        if not isinstance(f, dict) or f.get("type") != "Feature":
            raise InputFileError(path, "expected a GeoJSON Feature", row=i)
    try:
        return gpd.read_file(io.StringIO(text), engine="pyogrio")
    except Exception as exc:  # GDAL's message names what is wrong
        raise InputFileError(path, f"not a readable GeoJSON file ({_short(exc)})") from exc


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:300] + ("..." if len(text) > 300 else "")


# ---------------------------------------------------------------------------------------------
# entry point


def read_table(
    path: str | os.PathLike[str],
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | int | None = None,
    layer: str | None = None,
    comment: str | None = None,
    header: bool = True,
    columns: list[str] | None = None,
) -> pd.DataFrame:
    """Read a file (or ``"-"`` for standard input) into a table, untouched.

    Parameters
    ----------
    path : path-like or "-"
        CSV/TSV/TXT, XLSX/ODS, JSON/NDJSON, GeoJSON, GPKG, FGB, SHP, KML or Parquet.
    encoding : str, optional
        Text encoding of a CSV; detected if not given (see the module notes).
    delimiter : str, optional
        CSV delimiter; by default the one of ``, ; tab |`` that splits the header
        line into the most fields.
    sheet : str or int, optional
        Excel sheet (default: the first).
    layer : str, optional
        Layer of a multi-layer GIS file (default: the first).
    comment : str, optional
        Skip CSV lines starting with this text (e.g. ``"%"`` or ``"#"``).
    header : bool, default True
        Whether the first (non-comment) CSV line names the columns.
    columns : list of str, optional
        Names for the columns of a CSV without a header (the rest become
        ``column4``, ``column5``...).

    Returns
    -------
    pandas.DataFrame or geopandas.GeoDataFrame
        A GeoDataFrame for GIS formats; text columns of CSV files stay text.
        ``attrs["encoding"]`` names the codec used for text files.

    Raises
    ------
    InputFileError
        If the file is missing, empty or not of a readable format.
    """
    name = str(path)
    if name == "-":
        data = sys.stdin.buffer.read()
        text, codec = decode_bytes(data, "<stdin>", encoding)
        stripped = text.lstrip()
        if stripped.startswith(("{", "[")):
            out = _read_json_text(stripped, "<stdin>")
        else:
            out = _read_csv_text(
                text,
                "<stdin>",
                delimiter=delimiter,
                comment=comment,
                header=header,
                columns=columns,
            )
        out.attrs["encoding"] = codec
        return out
    p = Path(name)
    if not p.exists():
        raise InputFileError(name, "no such file")
    if p.is_dir():
        raise InputFileError(name, "is a folder (expected an incident file)")
    ext = p.suffix.lower()
    try:
        if ext in EXCEL_EXTS:
            return _read_excel(p, sheet)
        if ext == ".parquet":
            return _read_parquet(p)
        if ext in GEO_EXTS:
            return gpd.read_file(p, layer=layer, engine="pyogrio")
    except (InputFileError, UsageError):
        raise
    except Exception as exc:
        raise InputFileError(name, f"cannot read as {ext[1:]} ({_short(exc)})") from exc
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise InputFileError(name, f"cannot read the file ({exc.strerror or exc})") from exc
    if not data.strip():
        raise InputFileError(name, "the file is empty (expected a header row)")
    looks_json = data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith((b"{", b"["))
    text_like = b"\x00" not in data[:65536]  # NUL bytes: UTF-16 without a BOM, or binary
    if (
        ext in TEXT_EXTS
        and text_like
        and not comment
        and not looks_json
        and encoding in (None, "utf-8")
    ):
        fast = _read_csv_arrow(data, delimiter=delimiter, header=header, columns=columns)
        if fast is not None:  # UTF-8 and well formed: the fast reader's table
            fast.attrs["encoding"] = "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"
            return fast
    text, codec = decode_bytes(data, name, encoding)
    if ext in JSON_EXTS or (ext not in TEXT_EXTS and text.lstrip().startswith(("{", "["))):
        out = _read_json_text(text, name)
    else:
        out = None
        if not comment and codec not in ("utf-8", "utf-8-sig"):
            out = _read_csv_arrow(
                text.encode("utf-8"), delimiter=delimiter, header=header, columns=columns
            )
        if out is None:
            out = _read_csv_text(
                text, name, delimiter=delimiter, comment=comment, header=header, columns=columns
            )
    out.attrs["encoding"] = codec
    return out


def _arrow_csv_options(
    body: bytes, *, delimiter: str | None, header: bool, columns: list[str] | None
) -> tuple[Any, Any, Any, list[str]] | None:
    """Arrow's read, parse and convert options for a UTF-8 CSV starting with ``body``.

    None when the file is not for Arrow's reader: a first line that is not UTF-8, a
    header that needs the careful reader (empty or repeated names), too many names.
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    first = body.lstrip(b"\r\n").split(b"\n", 1)[0].rstrip(b"\r")
    try:
        line = first.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if delimiter is None:
        delimiter = detect_delimiter(line)
    elif len(delimiter) != 1:
        return None
    names = next(csv.reader([line], delimiter=delimiter), [])
    if not names:
        return None
    if header:
        if columns or any(not n.strip() for n in names) or len(set(names)) != len(names):
            return None
        read_opts = pacsv.ReadOptions(column_names=None, use_threads=True)
    else:
        want = list(columns or [])
        if len(want) > len(names):
            return None
        names = want + [f"column{i + 1}" for i in range(len(want), len(names))]
        read_opts = pacsv.ReadOptions(column_names=names, use_threads=True)
    parse = pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True)
    convert = pacsv.ConvertOptions(
        column_types={n: pa.string() for n in names},
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
    )
    return read_opts, parse, convert, names


def _arrow_frame(table: Any) -> pd.DataFrame:
    frame = table.to_pandas()
    frame.columns = [n.strip().lstrip("\ufeff") for n in frame.columns]
    return frame


def _read_csv_arrow(
    data: bytes, *, delimiter: str | None, header: bool, columns: list[str] | None
) -> pd.DataFrame | None:
    """Read well-formed UTF-8 CSV with pyarrow's multi-threaded reader, every value as text.

    Returns None when the file is not for this path (not UTF-8, a header that needs the
    careful reader: empty or repeated names, rows of the wrong length); the caller then
    uses pandas' reader, whose errors name the row.
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    options = _arrow_csv_options(body, delimiter=delimiter, header=header, columns=columns)
    if options is None:
        return None
    read_opts, parse, convert, names = options
    try:
        table = pacsv.read_csv(
            pa.BufferReader(body),
            read_options=read_opts,
            parse_options=parse,
            convert_options=convert,
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowKeyError, ValueError):
        return None
    if table.num_columns != len(names):
        return None
    return _arrow_frame(table)


class NotInBlocks(Exception):
    """A file that looked right for block reading turned out not to be (read it whole)."""


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
    """

    def __init__(self, path: Path, options: tuple[Any, Any, Any, list[str]], block: int) -> None:
        self.path = path
        self.size = path.stat().st_size
        self.names = options[3]
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
                    frame = _arrow_frame(pa.Table.from_batches([batch]))
                    frame.attrs["encoding"] = "utf-8"
                    yield frame
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
    """

    def __init__(self, path: Path, parquet: Any, rows_per_block: int, geo: dict | None) -> None:
        self.path = path
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

    None unless the file is a plain UTF-8 CSV (no BOM, no comment lines, not JSON,
    not UTF-16) larger than one block: everything else is read whole by
    :func:`read_table`.
    """
    name = str(path)
    if name == "-" or block_bytes <= 0 or comment or encoding not in (None, "utf-8"):
        return None
    p = Path(name)
    if p.suffix.lower() not in TEXT_EXTS or not p.is_file():
        return None
    try:
        size = p.stat().st_size
        with p.open("rb") as fh:
            head = fh.read(65536)
    except OSError:
        return None
    if size <= block_bytes or b"\n" not in head or b"\x00" in head:
        return None
    if head.startswith(b"\xef\xbb\xbf"):
        return None
    if head.lstrip(b" \t\r\n").startswith((b"{", b"[")):
        return None
    options = _arrow_csv_options(head, delimiter=delimiter, header=header, columns=columns)
    if options is None:
        return None
    return CsvBlocks(p, options, block_bytes)


def _read_excel(p: Path, sheet: str | int | None) -> pd.DataFrame:
    if p.suffix.lower() == ".xls":
        msg = "old Excel .xls files are not read; save the sheet as .xlsx or CSV"
        raise InputFileError(str(p), msg)
    which: str | int = sheet if sheet is not None else 0
    if isinstance(which, str) and which.isdigit():
        which = int(which)
    try:
        frame = pd.read_excel(p, sheet_name=which, dtype=object, engine="calamine")
    except (ValueError, IndexError) as exc:
        if "not found" in str(exc).lower() or isinstance(exc, IndexError):
            raise InputFileError(str(p), f"no sheet {which!r}") from exc
        raise
    return _name_blank_headers(frame)


def _read_parquet(p: Path) -> pd.DataFrame:
    import pyarrow.parquet as pq

    meta = pq.read_schema(p).metadata or {}
    if b"geo" in meta:
        return gpd.read_parquet(p)
    return pd.read_parquet(p)


def raw_first_line(name: str) -> str | None:
    """Return the file's first line as written (the parsed header may have split it)."""
    try:
        with open(name, encoding="utf-8", errors="replace") as fh:
            return fh.readline()
    except OSError:  # standard input, or not a plain file
        return None


def commented_hint(name: str, mark: str) -> str:
    """Say every option a commented file needs, looking at its first line of values."""
    hint = f"the file starts with comment lines: add --comment '{mark}'"
    try:
        with open(name, encoding="utf-8", errors="replace") as fh:
            lines = [fh.readline() for _ in range(50)]
    except OSError:  # standard input, or gone
        return hint
    data = next((ln.strip() for ln in lines if ln.strip() and not ln.startswith(mark)), "")
    fields = re.split(r"[,;\t|]", data) if data else []
    if len(fields) < 2 or not all(_is_number(f) for f in fields):
        return hint
    guess = []
    for i, f in enumerate(fields, 1):
        v = float(f)
        if 60 <= v <= 75 and "lon" not in guess:
            guess.append("lon")
        elif 29 <= v <= 39 and "lat" not in guess:
            guess.append("lat")
        else:
            guess.append(f"c{i}")
    return (
        f"the file starts with comment lines and has no header: add --comment '{mark}' "
        f"--no-header --columns {','.join(guess)} (one name per field; --day-one DATE if a "
        "column counts days)"
    )


def _is_number(text: str) -> bool:
    try:
        float(text.strip())
    except ValueError:
        return False
    return True
