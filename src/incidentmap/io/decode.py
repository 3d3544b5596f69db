"""Text encodings: how the bytes of a file become text, and the note that says how.

UTF-8 (with or without BOM) first; UTF-16 with or without BOM; then the single-byte
encodings Afghan files come in (Windows-1256 for Dari and Pashto, Latin-1 / Windows-1252),
chosen by the share of Arabic letters they give. The caller's ``encoding`` wins.
"""

from __future__ import annotations

import re

from incidentmap.errors import InputFileError, UsageError

__all__ = ["decode_bytes", "encoding_note"]


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
        raise InputFileError(path, "not a text file (it contains NUL bytes)")
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
