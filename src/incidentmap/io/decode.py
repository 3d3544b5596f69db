"""Text encodings: how the bytes of a file become text, and the note that says how.

UTF-8 (with or without BOM) first; UTF-16 with or without BOM; then the single-byte
encodings Afghan files come in (Windows-1256 for Dari and Pashto, Latin-1 / Windows-1252),
chosen by the share of Arabic letters they give. The caller's ``encoding`` wins.

Before the text: a file compressed as publishers ship them (``.csv.gz``, a ``.zip`` holding
the table) is unpacked with a note (:func:`from_archive`); binary data where text was
expected is named by its first bytes (:func:`binary_kind`): a workbook, a GeoPackage or a
Parquet file on standard input is refused with what it is, not as "not text".
"""

from __future__ import annotations

import dataclasses
import gzip
import re
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any, TypeVar

from incidentmap.errors import InputFileError, UsageError

__all__ = [
    "binary_kind",
    "decode_bytes",
    "encoding_note",
    "from_archive",
    "is_archive",
    "stdin_bytes",
]

_T = TypeVar("_T")

#: the first bytes of binary formats met where text was expected, and what they are
_MAGIC = (
    (b"SQLite format 3\x00", "a GeoPackage (or another SQLite database)", ".gpkg"),
    (b"PAR1", "a Parquet file", ".parquet"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an Excel 97-2003 workbook", ".xls"),
    (b"\x1f\x8b", "gzip-compressed data", ".gz"),
    (b"%PDF", "a PDF document", ".pdf"),
    (b"\xff\xd8\xff", "a JPEG image", ".jpg"),
    (b"\x89PNG", "a PNG image", ".png"),
)
_ZIP = b"PK\x03\x04"
_GZIP = b"\x1f\x8b"


def binary_kind(data: bytes) -> tuple[str, str] | None:
    """Name the binary format ``data`` starts with, and its usual suffix (None: not known).

    A zip archive is told apart from the workbooks that are zip archives (``.xlsx``:
    ``xl/`` members; ``.ods``: its ``mimetype`` first).
    """
    if data.startswith(_ZIP):
        head = data[:65536]
        if b"opendocument.spreadsheet" in head[:100]:
            return "an OpenDocument spreadsheet", ".ods"
        if b"xl/" in head or b"[Content_Types].xml" in head:
            return "an Excel workbook", ".xlsx"
        return "a zip archive", ".zip"
    return next(((kind, ext) for magic, kind, ext in _MAGIC if data.startswith(magic)), None)


def stdin_bytes(data: bytes) -> tuple[bytes, tuple[str, ...]]:
    """Return standard input's text bytes and notes: gzip unpacked, other binary refused.

    Raises
    ------
    InputFileError
        Standard input holds a workbook, a GeoPackage, a Parquet file, a zip archive...:
        formats read from a file only.
    """
    if data.startswith(_GZIP):
        try:
            return gzip.decompress(data), ("<stdin>: gzip-compressed; read the text inside it",)
        except (OSError, EOFError, zlib.error) as exc:
            raise InputFileError("<stdin>", f"gzip data cut short or damaged ({exc})") from exc
    kind = binary_kind(data)
    if kind is not None:
        msg = (
            f"standard input holds {kind[0]}, which is read from a file only: save it as "
            f"a {kind[1]} file and give its path"
        )
        raise InputFileError("<stdin>", msg)
    return data, ()


def is_archive(p: Path) -> bool:
    """Tell whether a file is a ``.zip`` or gzip-compressed (by suffix or first bytes)."""
    if p.suffix.lower() in (".zip", ".gz"):
        return True
    try:
        with p.open("rb") as fh:
            return fh.read(2) == _GZIP
    except OSError:  # the reader says why
        return False


def from_archive(
    p: Path, readable: Collection[str], read: Callable[[Path], tuple[Any, _T]]
) -> tuple[Any, _T]:
    """Read the one table inside a ``.zip`` or gzip-compressed file, with a note saying so.

    Parameters
    ----------
    p : Path
        The archive.
    readable : collection of str
        The suffixes of the tables ``read`` reads (``.csv``, ``.xlsx``...).
    read : callable
        Reads a table file, returning ``(table, facts)``; ``facts`` is a dataclass with
        ``notes``.

    Returns
    -------
    tuple
        ``read``'s table and facts, a note in front of the facts' notes.

    Raises
    ------
    InputFileError
        A zip holding no table or several; damaged data; an error of the table inside
        (named ``archive (member)``).
    """
    name = str(p)
    with tempfile.TemporaryDirectory(prefix="incidentmap-unpacked-") as tmp:
        if p.suffix.lower() == ".zip" or _starts_zip(p):
            inner, note = _unzip(p, name, readable, Path(tmp))
        else:
            inner, note = _gunzip(p, name, readable, Path(tmp))
        label = f"{name} ({inner.name})"
        try:
            table, facts = read(inner)
        except InputFileError as exc:
            raise InputFileError(
                label, exc.reason, row=exc.row, column=exc.column, keepable=exc.keepable
            ) from exc
    notes = tuple(str(n).replace(str(inner), label) for n in getattr(facts, "notes", ()))
    return table, dataclasses.replace(facts, notes=(note, *notes))  # type: ignore[type-var]


def _starts_zip(p: Path) -> bool:
    with p.open("rb") as fh:
        return fh.read(4) == _ZIP


def _gunzip(p: Path, name: str, readable: Collection[str], tmp: Path) -> tuple[Path, str]:
    """Unpack a gzip file into ``tmp`` under its name without ``.gz``."""
    inner = p.name[:-3] if p.name.lower().endswith(".gz") else p.name
    if inner.lower().endswith(".tar") or p.name.lower().endswith(".tgz"):
        raise InputFileError(name, "a tar archive (gzip-compressed): unpack it and give one table")
    if Path(inner).suffix.lower() not in readable:
        inner += ".csv"  # data.gz: text, as a file without a suffix is
    out = tmp / inner
    try:
        with gzip.open(p, "rb") as src, out.open("wb") as dst:
            shutil.copyfileobj(src, dst, 2**20)
    except (OSError, EOFError, zlib.error) as exc:
        raise InputFileError(name, f"gzip data cut short or damaged ({exc})") from exc
    return out, f"{name}: gzip-compressed; read the {Path(inner).name} inside it"


def _unzip(p: Path, name: str, readable: Collection[str], tmp: Path) -> tuple[Path, str]:
    """Unpack a zip's one table (and its shapefile sidecars) into ``tmp``."""
    try:
        with zipfile.ZipFile(p) as z:
            members = [m for m in z.infolist() if not _skipped(m)]
            tables = [m for m in members if Path(m.filename).suffix.lower() in set(readable) - {""}]
            tables = [m for m in tables if not _is_sidecar(m, members)]  # x.shp's x.fields.csv
            if len(tables) > 1 and any(not _is_txt(m) for m in tables):
                tables = [m for m in tables if not _is_txt(m)]  # README.txt beside the data
            if len(tables) != 1:
                raise InputFileError(name, _zip_refusal(tables, members))
            stem = Path(tables[0].filename).with_suffix("")
            for m in members:
                if Path(m.filename).with_suffix("") == stem or _is_sidecar(m, members):
                    z.extract(m, tmp)
    except zipfile.BadZipFile as exc:
        raise InputFileError(name, f"not a readable zip archive ({exc})") from exc
    except RuntimeError as exc:  # an encrypted member
        raise InputFileError(name, f"cannot unzip ({exc}): unzip it and give the table") from exc
    member = tables[0].filename
    rest = [
        m.filename
        for m in members
        if Path(m.filename).with_suffix("") != stem and not _is_sidecar(m, members)
    ]
    also = f" (not read: {_listed(rest)})" if rest else ""
    return tmp / member, f"{name}: read {member}, the one table in the zip archive{also}"


def _is_sidecar(m: zipfile.ZipInfo, members: list[zipfile.ZipInfo]) -> bool:
    """Tell a part of a ``.shp`` that is no table: its ``.fields.csv`` or its ``.dbf``.

    incidentmap's list of the field names, and the attributes (a table when alone).
    """
    name = m.filename.lower()
    ends = next((e for e in (".fields.csv", ".dbf") if name.endswith(e)), None)
    shp = {x.filename.lower() for x in members}
    return ends is not None and f"{name[: -len(ends)]}.shp" in shp


def _skipped(m: zipfile.ZipInfo) -> bool:
    """Folders, macOS's resource forks and hidden files are not members to read."""
    base = Path(m.filename).name
    return m.is_dir() or m.filename.startswith("__MACOSX/") or base.startswith(".") or not base


def _is_txt(m: zipfile.ZipInfo) -> bool:
    return Path(m.filename).suffix.lower() == ".txt"


def _listed(names: list[str]) -> str:
    return ", ".join(names[:8]) + (f", ... ({len(names) - 8} more)" if len(names) > 8 else "")


def _zip_refusal(tables: list[zipfile.ZipInfo], members: list[zipfile.ZipInfo]) -> str:
    """Say why a zip is not read: several tables, or none."""
    if tables:
        return (
            f"a zip archive holding {_listed([m.filename for m in tables])}: unzip it and give one"
        )
    held = _listed([m.filename for m in members]) or "nothing"
    return f"a zip archive holding no table incidentmap reads ({held}): unzip it and give the table"


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
        return _decode_as(data, path, encoding)
    codec = _unicode_codec(data)
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
        kind = binary_kind(data)
        what = f": it is {kind[0]} (a name ending {kind[1]} reads it)" if kind else ""
        what = what or " (it contains NUL bytes)"
        raise InputFileError(path, f"not a text file{what}")
    return _decode_8bit(data)


def _decode_as(data: bytes, path: str, encoding: str) -> tuple[str, str]:
    """Decode with the codec the user named."""
    try:
        return data.decode(encoding), encoding
    except LookupError as exc:
        raise UsageError(f"`encoding`: unknown text encoding {encoding!r}") from exc
    except UnicodeDecodeError as exc:
        msg = (
            f"cannot decode as {encoding}: byte 0x{data[exc.start]:02x} at offset {exc.start} "
            "(expected text in that encoding; omit `encoding` to detect it)"
        )
        raise InputFileError(path, msg) from exc


def _unicode_codec(data: bytes) -> str:
    """Return the UTF-8/16/32 codec a byte-order mark (or UTF-16's zero bytes) says, or ""."""
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return "utf-32"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    return _utf16_without_bom(data) or ""


def _decode_8bit(data: bytes) -> tuple[str, str]:
    """Decode text without a byte-order mark.

    UTF-8, else Windows-1256 for Arabic script, else Windows-1252, else Latin-1.
    """
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
    return f"decoded as {name}; give `encoding` if that is wrong"
