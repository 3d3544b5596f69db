"""Raw tables: bytes on disk (or standard input) to a table of untouched values, and facts.

This module decides how a file is read, and nothing else: its format from the
suffix, its text encoding, its delimiter, comment lines and header. Values stay
as written (text stays text); :mod:`incidentmap.io.values` reads them.

Text encodings are detected in this order: a byte-order mark; UTF-16 or UTF-32
without one (every other byte zero); strict UTF-8; then, for single-byte files,
a rule for Dari and Pashto written in Windows-1256 (bytes above 127 form whole
words of Arabic-script letters) before Windows-1252. charset-normalizer and
similar detectors were tried and rejected for this step: on short Windows-1256
files (a few province names) they answer Chinese or Korean code pages (a few bytes of Arabic
letters are also double-byte text). A non-UTF-8 decoding is said in the :class:`TableFacts`.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import sys
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from incidentmap.errors import InputFileError, UsageError, one_line
from incidentmap.io import lines as text_lines
from incidentmap.io.decode import decode_bytes, from_archive, is_archive, stdin_bytes
from incidentmap.io.envelopes import records
from incidentmap.io.layers import exact_ints, json_int, read_gis_noted
from incidentmap.io.lines import check_fields, cut_footer, protect_lone_cr, restore_lone_cr
from incidentmap.io.options import check_delimiter
from incidentmap.io.postgis import is_postgres_url, read_postgis
from incidentmap.io.preamble import title_lines, title_note
from incidentmap.io.sheets import read_excel
from incidentmap.io.sniff import commented_hint, sniff_commented
from incidentmap.io.stata import read_stata

__all__ = [
    "EXCEL_EXTS",
    "GEO_EXTS",
    "TEXT_EXTS",
    "TableFacts",
    "detect_delimiter",
    "raw_first_line",
    "read_table",
    "read_table_facts",
]

GEO_EXTS = {".geojson", ".gpkg", ".fgb", ".shp", ".dbf", ".kml", ".gml", ".geojsonl", ".geojsons"}
EXCEL_EXTS = {".xlsx", ".xlsm", ".xls", ".ods"}
TEXT_EXTS = {".csv", ".tsv", ".txt", ".tab", ".dat", ""}
JSON_EXTS = {".json", ".ndjson", ".jsonl"}
_DELIMITERS = (",", ";", "\t", "|")
#: JSON nested deeper than this is refused before parsing (Python's parser recurses)
MAX_JSON_DEPTH = 200
#: the longest first line a CSV file may have (a header of some 50,000 columns): a file
#: with no line end in its first MiB is not a table of incidents (one line of 200 MB)
MAX_FIRST_LINE = 2**20


@dataclass(frozen=True)
class TableFacts:
    """What reading a table found out about the file, not about its rows.

    Attributes
    ----------
    encoding : str, optional
        The codec a text file was decoded with.
    notes : tuple of str
        Lines for the user (comment lines understood, an empty last field dropped).
    day_count, day_unclear : tuple, optional
        A column counting days with its day 1; one whose day 1 reads two ways.
    formulas : dict
        Column -> {row: formula} of cells with a formula saved without its value.
    """

    encoding: str | None = None
    notes: tuple[str, ...] = ()
    day_count: tuple[str, str] | None = None
    day_unclear: tuple[str, str, str] | None = None
    formulas: dict[str, dict[int, str]] = field(default_factory=dict, hash=False)


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


def _strip_comments(text: str, comment: str) -> str:
    """Drop the lines that start with ``comment``."""
    lines = text.splitlines(keepends=True)
    return "".join(line for line in lines if not line.lstrip(" \t").startswith(comment))


def _read_csv_text(
    text: str,
    path: str,
    *,
    delimiter: str | None,
    comment: str | None,
    header: bool,
    columns: list[str] | None,
) -> tuple[pd.DataFrame, TableFacts]:
    if comment:
        text = _strip_comments(text, comment)
    body = text.lstrip("\r\n")
    if not body.strip():
        what = "a header row" if header else "data rows"
        raise InputFileError(path, f"the file is empty (expected {what})")
    first = body.split("\n", 1)[0]
    delimiter = detect_delimiter(first) if delimiter is None else check_delimiter(delimiter)
    mark = body.lstrip()[:1]
    hint = commented_hint(str(path), mark) if mark in ("#", "%", ";") else None  # read as a header
    body, footer = cut_footer(body, path, delimiter) if header else (body, [])
    trailing, said = check_fields(body, path, delimiter, header=header, hint=hint)  # none padded
    try:
        with warnings.catch_warnings():
            # "loss of data with index_col=False": the extra fields were checked to be empty
            warnings.simplefilter("ignore", pd.errors.ParserWarning)
            df = pd.read_csv(
                io.StringIO(body),
                sep=delimiter,
                dtype=str,
                keep_default_na=False,
                skip_blank_lines=True,
                header=0 if header else None,
                index_col=False if trailing else None,
                engine="c",
            )
    except pd.errors.EmptyDataError as exc:
        raise InputFileError(path, "the file is empty (expected a header row)") from exc
    except pd.errors.ParserError as exc:
        m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
        if m:
            line = int(m.group(2))
            msg = f"expected {m.group(1)} fields (as in the header), found {m.group(3)}"
            if hint:  # comment lines read as a header
                msg += "; " + hint
            raise InputFileError(path, msg, row=line - 1 if header else line) from exc
        raise InputFileError(path, f"not a readable CSV file ({exc})") from exc
    if not header:
        names = list(columns or [])
        if len(names) > df.shape[1]:
            msg = f"`columns` names {len(names)} columns but the file has {df.shape[1]}"
            raise UsageError(msg)
        names += [f"column{i + 1}" for i in range(len(names), df.shape[1])]
        df.columns = names
    elif columns:
        msg = "`columns` names the columns of a file without a header; add `no_header`"
        raise UsageError(msg)
    return _name_blank_headers(df), TableFacts(notes=(*said, *footer))


def _name_blank_headers(df: pd.DataFrame) -> pd.DataFrame:
    """Give header cells left empty (a spreadsheet index column...) the name ``columnN``."""
    names: dict[str, None] = {}
    for i, c in enumerate(df.columns):
        text = str(c)
        if text.startswith("Unnamed: ") or not text.strip():
            text = f"column{i + 1}"
        text = base = text.strip().lstrip("\ufeff")  # "date", " date": one name, numbered
        for k in range(1, len(df.columns) + 1):  # as pandas numbers a repeated name
            if text not in names:
                break
            text = f"{base}.{k}"
        names[text] = None
    df.columns = list(names)
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


def _read_json_text(text: str, path: str) -> tuple[pd.DataFrame, TableFacts]:
    if not _json_depth_ok(text):
        msg = f"JSON nested more than {MAX_JSON_DEPTH} levels deep (expected records or GeoJSON)"
        raise InputFileError(path, msg)
    try:
        obj: Any = json.loads(text, parse_int=json_int)
    except json.JSONDecodeError as exc:
        return _json_lines(text, path, exc), TableFacts()
    if isinstance(obj, dict) and obj.get("type") == "FeatureCollection":
        return _feature_collection(obj, text, path), TableFacts()
    frame, notes = records(obj, path)  # a list, or an API's envelope around one
    return frame, TableFacts(notes=tuple(notes))


def _json_lines(text: str, path: str, exc: json.JSONDecodeError) -> pd.DataFrame:
    """Read newline-delimited JSON (one object a line); ``exc`` is why it is not one document."""
    rows = []
    for i, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line, parse_int=json_int))
        except json.JSONDecodeError:
            msg = f"not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})"
            raise InputFileError(path, msg) from exc
        if not isinstance(rows[-1], dict):
            raise InputFileError(path, "expected one JSON object a line", row=i) from exc
    return pd.DataFrame(rows)


def _feature_collection(obj: dict[str, Any], text: str, path: str) -> gpd.GeoDataFrame:
    feats = obj.get("features")
    if not isinstance(feats, list):
        msg = f"GeoJSON 'features' must be a list, got {type(feats).__name__}"
        raise InputFileError(path, msg)
    for i, f in enumerate(feats, start=1):
        if not isinstance(f, dict) or f.get("type") != "Feature":
            raise InputFileError(path, "expected a GeoJSON Feature", row=i)
    data = text.encode("utf-8")
    try:  # from bytes: from a str, GDAL orders features with an "id" by it, not as written
        gis = gpd.read_file(io.BytesIO(data), engine="pyogrio")
    except Exception as exc:  # GDAL's message names what is wrong
        raise InputFileError(path, f"not a readable GeoJSON file ({one_line(exc)})") from exc
    return exact_ints(gis, data)


# ---------------------------------------------------------------------------------------------
# entry point


def read_table(path: str | os.PathLike[str], **options: Any) -> pd.DataFrame:
    """Read a file (or ``"-"``) into a table, untouched: :func:`read_table_facts`' table."""
    return read_table_facts(path, **options)[0]


def read_table_facts(
    path: str | os.PathLike[str],
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | int | None = None,
    layer: str | None = None,
    comment: str | None = None,
    header: bool = True,
    columns: list[str] | None = None,
) -> tuple[pd.DataFrame, TableFacts]:
    """Read a file (or ``"-"`` for standard input) into a table, untouched, and its facts.

    Parameters
    ----------
    path : path-like or "-"
        CSV/TSV/TXT, XLSX/ODS, JSON/NDJSON, GeoJSON, GPKG, FGB, SHP, KML, Parquet, PostGIS URL.
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
    TableFacts
        What the reading found out about the file (its codec, notes, day count...).

    Raises
    ------
    InputFileError
        If the file is missing, empty or not of a readable format.
    """
    name = str(path)
    if name == "-":
        raw, said = stdin_bytes(sys.stdin.buffer.read())  # gzip unpacked, binary refused
        data, cr = protect_lone_cr(raw)
        if not data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith((b"{", b"[")):
            check_first_line(data, "<stdin>")
        text, codec = decode_bytes(data, "<stdin>", encoding)
        stripped = text.lstrip()
        if stripped.startswith(("{", "[")):
            out, facts = _read_json_text(stripped, "<stdin>")
        else:
            out, facts = _text_csv(text, "<stdin>", codec, delimiter, comment, header, columns)
        return restore_lone_cr(out, cr), replace(facts, encoding=codec, notes=(*said, *facts.notes))
    if is_postgres_url(name):  # a PostGIS table: read as a GeoPackage layer is
        return read_postgis(name, layer=layer), TableFacts()
    p = Path(name)
    if not p.exists():
        raise InputFileError(name, "no such file")
    if p.is_dir():
        raise InputFileError(name, "is a folder (expected an incident file)")
    if is_archive(p):  # .csv.gz, a .zip holding one table: read it, with a note
        again = {"encoding": encoding, "delimiter": delimiter, "sheet": sheet, "layer": layer}
        again |= {"comment": comment, "header": header, "columns": columns}
        return from_archive(p, _READABLE, lambda inner: read_table_facts(inner, **again))
    ext = p.suffix.lower()
    try:
        if ext in EXCEL_EXTS:
            return _read_excel(p, sheet)
        if ext in _FRAME_READERS:  # Parquet, Stata (UCDP's own distribution format)
            return _FRAME_READERS[ext](p), TableFacts()
        if ext in GEO_EXTS:
            return (gis := read_gis_noted(p, layer))[0], TableFacts(notes=gis[1])  # which layer
    except (InputFileError, UsageError):
        raise
    except Exception as exc:
        raise InputFileError(name, f"cannot read as {ext[1:]} ({one_line(exc)})") from exc
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise InputFileError(name, f"cannot read the file ({exc.strerror or exc})") from exc
    if not data.strip():
        raise InputFileError(name, "the file is empty (expected a header row)")
    if b"\r" in data and b"\n" not in data:
        data = data.replace(b"\r", b"\n")  # CR-only line ends (old Excel for Mac): lines
    data, cr = protect_lone_cr(data)  # a CR inside a value of an LF file stays in the value
    out, facts = _text_table(data, name, ext, encoding, delimiter, comment, header, columns)
    return restore_lone_cr(out, cr), facts


def check_first_line(data: bytes, name: str) -> None:
    """Refuse a text file whose first line runs past :data:`MAX_FIRST_LINE` bytes.

    Raises
    ------
    InputFileError
        No line end in the first MiB (UTF-16 text counts its line ends too).
    """
    head = data[: MAX_FIRST_LINE + 2]
    if len(data) > MAX_FIRST_LINE and b"\n" not in head and b"\r" not in head:
        msg = (
            f"no line end in the first {MAX_FIRST_LINE // 2**20} MiB of "
            f"{len(data) / 2**20:,.0f} MiB (expected a header line, then one row a line)"
        )
        raise InputFileError(name, msg)


def _for_arrow(
    data: bytes, ext: str, encoding: str | None, comment: str | None, looks_json: bool
) -> bool:
    """Tell whether Arrow's CSV reader may try the file first (plain UTF-8 CSV text)."""
    text_like = b"\x00" not in data[:65536]  # NUL bytes: UTF-16 without a BOM, or binary
    marked = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"%", b"#")
    plain = ext in TEXT_EXTS and text_like and not comment and not marked
    return plain and not looks_json and encoding in (None, "utf-8")


def _text_table(
    data: bytes,
    name: str,
    ext: str,
    encoding: str | None,
    delimiter: str | None,
    comment: str | None,
    header: bool,
    columns: list[str] | None,
) -> tuple[pd.DataFrame, TableFacts]:
    """Read a text file's bytes: Arrow's reader when it can, else decoded and parsed here."""
    looks_json = data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith((b"{", b"["))
    if not looks_json and ext not in JSON_EXTS:
        check_first_line(data, name)
    plain = _for_arrow(data, ext, encoding, comment, looks_json)
    if plain and not _titled(data, delimiter, header, columns):
        fast = _read_csv_arrow(data, delimiter=delimiter, header=header, columns=columns)
        if fast is not None:  # UTF-8 and well formed: the fast reader's table
            bom = data.startswith(b"\xef\xbb\xbf")
            fast, cut = text_lines.cut_note_rows(fast, name)  # note lines Excel padded to the width
            return fast, TableFacts(encoding="utf-8-sig" if bom else "utf-8", notes=tuple(cut))
    text, codec = decode_bytes(data, name, encoding)
    if ext in JSON_EXTS or (ext not in TEXT_EXTS and text.lstrip().startswith(("{", "["))):
        out, facts = _read_json_text(text, name)
    else:
        out, facts = _text_csv(text, name, codec, delimiter, comment, header, columns)
    return out, replace(facts, encoding=codec)


def _titled(data: bytes, delimiter: str | None, header: bool, columns: list[str] | None) -> bool:
    """Tell whether a title stands above the header (:func:`.preamble.title_lines`)."""
    if not header or columns is not None:
        return False
    return bool(title_lines(data[:65536].decode("utf-8", "replace"), delimiter))


def _text_csv(
    text: str,
    name: str,
    codec: str,
    delimiter: str | None,
    comment: str | None,
    header: bool,
    columns: list[str] | None,
) -> tuple[pd.DataFrame, TableFacts]:
    """Read decoded CSV text: a commented start, then Arrow (when it can), then pandas."""
    read = _commented(text, name, delimiter, comment, header, columns)
    if read is not None:
        return read
    skip = title_lines(text, delimiter) if header and columns is None and not comment else 0
    said: tuple[str, ...] = ()
    if skip:  # an export's title above its header: the header is the line naming columns
        lines = text.splitlines(keepends=True)
        said = (title_note(name, skip, lines[0].lstrip("\ufeff")),)
        text = "".join(lines[skip:])
    if not comment and codec not in ("utf-8", "utf-8-sig") and name != "<stdin>":
        out = _read_csv_arrow(
            text.encode("utf-8"), delimiter=delimiter, header=header, columns=columns
        )
        if out is not None:
            out, cut = text_lines.cut_note_rows(out, name)
            return out, TableFacts(notes=(*said, *cut))
    out, facts = _read_csv_text(
        text, name, delimiter=delimiter, comment=comment, header=header, columns=columns
    )
    return out, replace(facts, notes=(*said, *facts.notes))


def _commented(
    text: str,
    name: str,
    delimiter: str | None,
    comment: str | None,
    header: bool,
    columns: list[str] | None,
) -> tuple[pd.DataFrame, TableFacts] | None:
    """Read a file that starts with comment lines and has no header, when its start says so.

    Only without ``comment``, ``header=False`` or ``columns`` (then the caller decides);
    see :mod:`incidentmap.io.sniff`. The facts say what was found and name a column
    counting days from a stated first day.
    """
    if comment or not header or columns is not None or text.lstrip("\ufeff \t\r\n")[:1] not in "%#":
        return None
    layout = sniff_commented(text[:65536])
    if layout is None:
        return None
    out, _ = _read_csv_text(
        text, name, delimiter=delimiter or layout.delimiter, comment=layout.comment,
        header=False, columns=layout.names,
    )  # fmt: skip
    notes = tuple(f"{name}: {note}" for note in layout.notes)
    return out, TableFacts(notes=notes, day_count=layout.day_count, day_unclear=layout.day_unclear)


def _read_excel(p: Path, sheet: str | int | None) -> tuple[pd.DataFrame, TableFacts]:
    """Read a workbook's incidents (:func:`incidentmap.io.sheets.read_excel`)."""
    read, named = read_excel(p, sheet), _name_blank_headers  # "date", " date": numbered
    frame = named(read.frame) if read.frame.columns.duplicated().any() else read.frame
    return frame, TableFacts(notes=read.notes, formulas=read.formulas)


def _read_parquet(p: Path) -> pd.DataFrame:
    import pyarrow.parquet as pq

    meta = pq.read_schema(p).metadata or {}
    if b"geo" in meta:
        return gpd.read_parquet(p)
    return pd.read_parquet(p)


#: formats read into a table by one call, by suffix
_FRAME_READERS = {".parquet": _read_parquet, ".dta": read_stata}
_READABLE = {*TEXT_EXTS, *JSON_EXTS, *EXCEL_EXTS, *GEO_EXTS, *_FRAME_READERS}


def raw_first_line(name: str) -> str | None:
    """Return the file's first line as written (the parsed header may have split it)."""
    try:
        with open(name, encoding="utf-8", errors="replace") as fh:
            return fh.readline()
    except OSError:  # standard input, or not a plain file
        return None


def arrow_csv_options(
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
    names = _arrow_names(next(csv.reader([line], delimiter=delimiter), []), header, columns)
    if names is None:
        return None
    read_opts = pacsv.ReadOptions(column_names=None if header else names, use_threads=True)
    parse = pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True)
    convert = pacsv.ConvertOptions(
        column_types={n: pa.string() for n in names},
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
    )
    return read_opts, parse, convert, names


def _arrow_names(names: list[str], header: bool, columns: list[str] | None) -> list[str] | None:
    """Return the column names Arrow's reader gets, or None where the careful reader must."""
    if not names:
        return None
    if header:
        bare = set(map(str.strip, names))  # "date" and " date": one name once trimmed
        if columns or any(not n.strip() for n in names) or len(bare) < len(names):
            return None
        return names
    want = list(columns or [])
    if len(want) > len(names):
        return None
    return want + [f"column{i + 1}" for i in range(len(want), len(names))]


def arrow_frame(table: Any) -> pd.DataFrame:
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
    options = arrow_csv_options(body, delimiter=delimiter, header=header, columns=columns)
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
    return arrow_frame(table)
