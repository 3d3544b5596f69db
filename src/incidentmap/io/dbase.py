"""A shapefile's attribute table (dBASE): its text encoding and its field names.

A ``.dbf`` cuts every field name to 10 characters and may come without the ``.cpg`` naming
its encoding. Read back, the names are those incidentmap listed beside its own shapefiles
(``<name>.fields.csv``: :func:`sidecar_names`), else the publishers' codebook names they
were cut from, when only one fits (:func:`uncut_names`: ``event_id_c`` is ACLED's
``event_id_cnty``); the text is read as UTF-8 when it is (:func:`dbf_encoding`).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd

from incidentmap.schema import PRESETS, header_key

__all__ = ["dbf_encoding", "field_names", "sidecar_names", "uncut_names"]

#: how long a dBASE field name may be
DBF_NAME = 10


def field_names(path: Path, fields: list[str]) -> tuple[dict[str, str], tuple[str, ...]]:
    """Return new names for a shapefile's (or a lone ``.dbf``'s) fields, and the notes.

    The names listed beside it first (:func:`sidecar_names`); else the codebook names the
    fields were cut from (:func:`uncut_names`). A ``.dbf`` named with its ``.shp`` beside it
    is said to be read without the geometry.
    """
    renamed, notes = sidecar_names(path, fields)
    if not renamed:
        renamed, cut = uncut_names(path, fields)
        notes = (*notes, *cut)
    return renamed, (*notes, *_table_alone(path))


@lru_cache(maxsize=1)
def _codebook_keys() -> frozenset[str]:
    """Every header key a publisher's preset knows (columns, evidence, date parts, tolls)."""
    keys: set[str] = set()
    for p in PRESETS.values():
        keys.update(p.evidence, p.fatalities_parts, *p.columns.values(), *p.detect)
        keys.update(p.date_parts or ())
        keys.update([p.date_end] if p.date_end else [])
    return frozenset(keys)


def _uncut(field: str, known: frozenset[str], have: set[str]) -> str | None:
    """Return the one codebook name a field of 10 characters was cut from, else None."""
    key = header_key(field)
    if len(field) != DBF_NAME or key in known:
        return None
    fits = [k for k in known if k.startswith(key) and k != key]
    return fits[0] if len(fits) == 1 and fits[0] not in have else None


def uncut_names(path: Path, fields: list[str]) -> tuple[dict[str, str], tuple[str, ...]]:
    """Return the codebook names that fields of 10 characters were cut from, and a note.

    A field of exactly :data:`DBF_NAME` characters whose key is no codebook name but begins
    exactly one (``time_preci``: ``time_precision``; ``PERPETRATO``: ``perpetrator_1``) is
    given that name, unless another field has it or takes it too; ``attacktype`` (both
    ``attacktype1`` and ``attacktype1_txt``) keeps its own.
    """
    known, have = _codebook_keys(), {header_key(f) for f in fields}
    found = {f: n for f in fields if (n := _uncut(f, known, have)) is not None}
    twice = {n for n in found.values() if list(found.values()).count(n) > 1}
    renamed = {f: n for f, n in found.items() if n not in twice}
    if not renamed:
        return {}, ()
    said = ", ".join(f"{f!r} as {n!r}" for f, n in renamed.items())
    return renamed, (
        f"{path}: field names cut to {DBF_NAME} characters read as the codebook's: {said}",
    )


def _table_alone(p: Path) -> tuple[str, ...]:
    """Say that a shapefile's ``.dbf`` named alone is read without the geometry beside it."""
    if p.suffix.lower() != ".dbf":
        return ()
    shp = [f for f in (p.with_suffix(".shp"), p.with_suffix(".SHP")) if f.is_file()]
    if not shp:
        return ()
    return (f"{p}: the attribute table alone; its geometry is in {shp[0]}: name that to read it",)


def dbf_encoding(p: Path) -> tuple[dict[str, str], tuple[str, ...]]:
    """Read a shapefile's text as UTF-8 when it is, and no ``.cpg`` or code page says so.

    A shapefile copied without its ``.cpg`` is read by GDAL as ISO-8859-1 (``Kābul`` would
    come back garbled); its records are read as UTF-8 when they hold any and all decode so.
    """
    there = [f for f in (p.with_suffix(s) for s in (".cpg", ".CPG", ".dbf", ".DBF")) if f.is_file()]
    data = there[0].read_bytes() if there and there[0].suffix.lower() == ".dbf" else b""
    records = data[int.from_bytes(data[8:10], "little") :] if data[29:30] == b"\0" else b""
    try:  # a code page in the header (byte 29): GDAL reads by it
        records.decode("utf-8")
    except UnicodeDecodeError:
        return {}, ()
    note = f"{p}: no .cpg beside it to name its text encoding; read as UTF-8, which its text is"
    return ({}, ()) if records.isascii() else ({"encoding": "UTF-8"}, (note,))


def sidecar_names(path: Path, fields: list[str]) -> tuple[dict[str, str], tuple[str, ...]]:
    """Return the column names a shapefile's ``<name>.fields.csv`` gives its fields, and a note.

    incidentmap writes it beside every shapefile (``field,column``); its fields are matched
    ignoring case (a dBASE tool may capitalise them), one it does not list keeps its name. A
    sidecar that is no such table, or gives two fields one name, is set aside with a note.
    """
    side = path.with_suffix(".fields.csv")
    if not side.is_file():
        return {}, ()
    aside = f"{path}: {side.name} set aside (%s); the fields keep their names"
    try:
        table = pd.read_csv(side, dtype=str, keep_default_na=False)
        given = dict(zip(table["field"].str.casefold(), table["column"], strict=True))
    except Exception:  # any unreadable sidecar: the names stay as they are, said
        return {}, (aside % "not a list of field,column",)
    names = {f: given.get(f.casefold(), f) for f in fields}
    if len(set(names.values())) < len(names):
        return {}, (aside % "it gives two fields one name",)
    renamed = {f: n for f, n in names.items() if f != n}
    return renamed, ((f"{path}: field names as listed in {side.name}",) if renamed else ())
