"""Incident files to one schema: :func:`read_incidents` and :func:`read_geocoded`.

A raw file comes back with the canonical columns of :mod:`incidentmap.schema`
in front of every original column; a file written by ``incidentmap geocode``
comes back as it was written, with its types. Nothing is dropped, reordered or
guessed: a value that cannot be read is an error naming the file, row and
column (or, with ``on_bad="keep"``, an empty value with a note on its row).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import replace
from typing import Any, cast

import geopandas as gpd
import pandas as pd

from incidentmap.errors import UsageError, library_warnings
from incidentmap.io.assemble import AssembleOptions, BlockState, ReadFacts, assemble_facts
from incidentmap.io.geocoded import is_geocoded, typed_geocoded
from incidentmap.io.numbers import DECIMAL_MARKS
from incidentmap.io.options import ReadOptions
from incidentmap.io.postgis import masked
from incidentmap.io.preamble import header_names
from incidentmap.io.table_blocks import CsvBlocks, ParquetBlocks, csv_blocks, parquet_blocks
from incidentmap.io.tables import TableFacts, read_table_facts
from incidentmap.schema import (
    PRESETS,
    Preset,
)

__all__ = ["IncidentBlocks", "incident_blocks", "read_incidents", "read_incidents_facts"]


def read_incidents(
    path: str | os.PathLike[str],
    preset: str | None = None,
    *,
    options: ReadOptions | None = None,
    **given: Any,
) -> gpd.GeoDataFrame:
    """Read an incident file into the canonical schema.

    :func:`read_incidents_facts` without its :class:`ReadFacts`: the frame's ``attrs``
    describe the data (``path``, ``preset``, ``citation``, ``columns``), never what the
    reading did (its notes, layout, kept words: :func:`read_incidents_facts` returns them).
    The parameters are the same.
    """
    g, _ = read_incidents_facts(path, preset, options=options, **given)
    return g


def read_incidents_facts(
    path: str | os.PathLike[str],
    preset: str | None = None,
    *,
    options: ReadOptions | None = None,
    **given: Any,
) -> tuple[gpd.GeoDataFrame, ReadFacts]:
    """Read an incident file into the canonical schema, and what the reading did.

    Parameters
    ----------
    path : path-like, "-" or DataFrame
        The incident file, ``"-"`` for standard input (CSV or JSON), or a table already in
        memory (a pandas or GeoPandas frame as ``read_csv`` or ``read_file`` gave it: read
        as that file's table is, its layout recognised, its geometry the points).
    preset : {"auto", "acled", "acled_admin1", "ucdp", "gtd", "awsd", "generic"}, optional
        Column layout; ``"auto"`` (the default) detects it from the header.
    options : ReadOptions, optional
        The options below as one value; ``**given`` sets them one by one on top.
    lat, lon, date, province, district, place, event_id : str, optional
        Column names that override the preset's choice.
    encoding, delimiter, sheet, layer, comment, header, columns : optional
        How to read the file; see :func:`incidentmap.io.read_table`.
    day_one : str, optional
        The date column counts days, day 1 being this date (``"2004-01-01"``).
    dayfirst : bool, optional
        How to read ``a/b/yy`` dates when the values do not decide it.
    coordinates : bool, default True
        False ignores coordinate columns (names only).
    on_bad : {"error", "keep"}, default "error"
        ``"error"`` raises on the first value that cannot be read;
        ``"keep"`` keeps the row, leaves the value empty and writes what was
        wrong in ``input_note``.
    decimal : {"point", "comma"}, optional
        The file's decimal mark, for tolls like ``1.000`` (a thousand with decimal
        commas, one with points); by default the coordinates' (else the tolls')
        values decide it, and such a toll is refused when they do not.

    Returns
    -------
    geopandas.GeoDataFrame
        Canonical columns (see :data:`incidentmap.schema.CANONICAL_COLUMNS`),
        then every original column; one row per input row, in input order;
        point geometry where coordinates were given (EPSG:4326). ``attrs``
        describe the data: ``path``, ``preset``, ``citation``, ``columns`` (the
        mapping used). A file written by ``incidentmap geocode`` is returned as
        written, under the layout its kept columns name (``preset`` ``gtd``,
        ``ucdp``..., else "geocoded") with that layout's citation.
    ReadFacts
        What the reading did: ``notes`` (lines for the user), ``encoding``,
        ``layout``, ``kept``, ``bad_values``; ``geocoded`` for a geocoded file.

    Raises
    ------
    InputFileError
        If the file cannot be read, a named column is missing, the file has
        neither coordinates nor place-name columns, or (``on_bad="error"``) a
        value cannot be read; the message names the file, row and column.
    """
    o = ReadOptions.of(options, **given)
    if preset is not None:
        o = replace(o, preset=preset)
    _check_read_options(o.preset, o.on_bad, o.day_one, o.decimal)
    name = "<stdin>" if str(path) == "-" else masked(path)  # a database URL: no password
    said: list[str] = []
    with library_warnings(said, name):  # pandas' and GDAL's warnings: never raw on stderr
        g, read = _read_facts(path, name, o)
    if isinstance(path, pd.DataFrame):
        g.attrs.pop("path", None)  # no file: a page's title and credit name none
    return g, replace(read, notes=(*read.notes, *said)) if said else read


def _read_facts(path: str | os.PathLike[str], name: str, o: ReadOptions) -> tuple[Any, ReadFacts]:
    """Read and assemble a file (:func:`read_incidents_facts` without its warnings)."""
    if isinstance(path, pd.DataFrame):  # a table in memory: read as a file's table is
        raw, facts = _frame_table(path), TableFacts()
    else:
        raw, facts = read_table_facts(
            path,
            encoding=o.encoding,
            delimiter=o.delimiter,
            sheet=o.sheet,
            layer=o.layer,
            comment=o.comment,
            header=o.header,
            columns=o.columns,
        )
    twice = repeated_names(raw.columns, name)
    if twice:
        facts = replace(facts, notes=(*facts.notes, *twice))
    if o.preset == "auto" and is_geocoded(raw.columns):
        said = ReadFacts(path=name, geocoded=True, notes=facts.notes)  # which layer, unpacked
        return typed_geocoded(raw, name, o.on_bad, o.dayfirst), said
    assembled, read = assemble_facts(
        raw,
        name,
        PRESETS[o.preset] if o.preset != "auto" else None,
        AssembleOptions(**_assemble_options(
            lat=o.lat, lon=o.lon, date=o.date, province=o.province, district=o.district,
            place=o.place, event_id=o.event_id, day_one=o.day_one, dayfirst=o.dayfirst,
            coordinates=o.coordinates, on_bad=o.on_bad, decimal=o.decimal,
        )),
        facts=facts,
    )  # fmt: skip
    return cast(gpd.GeoDataFrame, assembled), read


def _frame_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a frame given in memory as a reader gives a table.

    Its rows numbered from 0, its columns named by text, a point geometry in degrees.
    """
    named = any(n is not None for n in frame.index.names)  # an id set as the index: a column
    raw = frame.reset_index(drop=not named).copy()
    raw.columns = header_names(list(raw.columns))  # a name twice: numbered as a file's are
    if isinstance(raw, gpd.GeoDataFrame) and raw.crs is not None and raw.crs.to_epsg() != 4326:
        raw = raw.to_crs(4326)
    return raw


def repeated_names(columns: Any, name: str) -> list[str]:
    """Say the header names a file repeats, and which column is read under the name.

    Readers keep every column: a name written twice comes back the second time as
    ``name.1`` (``name.2``...), as pandas names it. Without a word, a file's second
    ``date`` column was never read and nobody knew.

    Parameters
    ----------
    columns : sequence of str
        The table's columns as the reader named them.
    name : str
        The file, as messages name it.

    Returns
    -------
    list of str
        One line per repeated name (``dupcol.csv: the header names 'date' twice: ...``).
    """
    names = [str(c) for c in columns]
    present = set(names)
    lines = []
    for col in names:
        copies = []
        while f"{col}.{len(copies) + 1}" in present:
            copies.append(f"{col}.{len(copies) + 1}")
        if not copies:
            continue
        times = {2: "twice"}.get(len(copies) + 1, f"{len(copies) + 1} times")
        kept = ", ".join(repr(c) for c in copies)
        lines.append(
            f"{name}: the header names {col!r} {times}: the first such column is read as "
            f"{col!r}, the {'other is' if len(copies) == 1 else 'others are'} kept as {kept} "
            "(rename a column to read it)"
        )
    return lines


def _assemble_options(
    *,
    lat: str | None = None,
    lon: str | None = None,
    date: str | None = None,
    province: str | None = None,
    district: str | None = None,
    place: str | None = None,
    event_id: str | None = None,
    day_one: str | None = None,
    dayfirst: bool | None = None,
    coordinates: bool = True,
    on_bad: str = "error",
    decimal: str | None = None,
) -> dict[str, Any]:
    """Return the column options of :func:`read_incidents` as :func:`assemble_facts` takes them."""
    overrides = {
        "latitude": lat,
        "longitude": lon,
        "date": date,
        "stated_province": province,
        "stated_district": district,
        "stated_place": place,
        "event_id": event_id,
    }
    return {
        "overrides": overrides,
        "day_one": day_one,
        "dayfirst": dayfirst,
        "coordinates": coordinates,
        "on_bad": on_bad,
        "decimal": decimal,
    }


def _check_read_options(
    preset: str, on_bad: str, day_one: str | None, decimal: str | None = None
) -> None:
    if preset != "auto" and preset not in PRESETS:
        msg = f"`preset` must be auto or one of {', '.join(PRESETS)}, not {preset!r}"
        raise UsageError(msg, field="preset")
    if on_bad not in ("error", "keep"):
        msg = f"`on_bad` must be 'error' or 'keep', not {on_bad!r}"
        raise UsageError(msg, field="on_bad")
    if decimal is not None and decimal not in DECIMAL_MARKS:
        msg = f"`decimal` must be 'point' or 'comma', not {decimal!r}"
        raise UsageError(msg, field="decimal")
    if day_one is not None:
        try:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(day_one).strip()):
                raise ValueError(day_one)  # "now", "today": not a day a file's count starts
            pd.Timestamp(day_one)
        except (ValueError, TypeError) as exc:
            msg = f"`day_one`: expected a date like 2004-01-01, got {day_one!r}"
            raise UsageError(msg, field="day_one") from exc


class IncidentBlocks:
    """A large incident file read block by block, each block in the canonical schema.

    Made by :func:`incident_blocks`. Iterating yields GeoDataFrames as
    :func:`read_incidents` returns for a whole file, ``row`` numbered through the
    file. The first block decides what the values of a column decide for a whole
    file (the day/month order of ``a/b/yyyy`` dates, the decimal mark); a later value
    that contradicts it is a bad value with its row. Columns named like coordinates
    whose first block holds no plausible coordinates (``0,0`` placeholders) cannot be
    judged from it. Iterating raises :class:`incidentmap.io.table_blocks.NotInBlocks`
    then, and when a later block is not well formed: read the file whole.

    Attributes
    ----------
    size : int
        File size in bytes; :meth:`position` tells how far reading has got.
    """

    def __init__(
        self,
        blocks: CsvBlocks | ParquetBlocks,
        name: str,
        chosen: Preset | None,
        *,
        points: bool = True,
        options: AssembleOptions | None = None,
    ) -> None:
        self._blocks = blocks
        self._points = points
        self._name = name
        self._chosen = chosen
        self._options = options
        self.size = blocks.size

    def position(self) -> int:
        """Bytes of the file read so far."""
        return self._blocks.position()

    def __iter__(self) -> Iterator[gpd.GeoDataFrame]:
        for block, _ in self.pairs():
            yield block

    def pairs(self) -> Iterator[tuple[gpd.GeoDataFrame, ReadFacts]]:
        """Yield each block with what reading it did (notes, kept words, bad values)."""
        state = BlockState(blocks=True, decided={"in_blocks": True})
        for raw in self._blocks:
            yield assemble_facts(
                raw, self._name, self._chosen, self._options, state=state, points=self._points,
                facts=self._blocks.facts,
            )  # fmt: skip


def incident_blocks(
    path: str | os.PathLike[str],
    preset: str = "auto",
    *,
    block_bytes: int,
    points: bool = True,
    **read_kwargs: Any,
) -> IncidentBlocks | None:
    """Read a large incident file in blocks of about ``block_bytes``, or say it cannot be.

    Parameters
    ----------
    path : path-like
        The incident file.
    preset : str, default "auto"
        As for :func:`read_incidents`.
    block_bytes : int
        Bytes per block (Arrow's CSV block size).
    points : bool, default True
        Make the point geometry (GeoDataFrames); False yields DataFrames with the
        coordinates only (for :func:`incidentmap.geocode_to_file`, which writes
        the points from them).
    **read_kwargs
        The keyword options of :func:`read_incidents` (``lat``, ``encoding``,
        ``on_bad``...).

    Returns
    -------
    IncidentBlocks or None
        None unless the file is a plain UTF-8 CSV of more than one block (no BOM,
        no comment lines), or a Parquet / GeoParquet (WKB) file of more rows than
        such a block holds (``block_bytes / 80``), and not a geocoded file: read it
        with :func:`read_incidents` then.
    """
    table = {k: read_kwargs.pop(k) for k in _TABLE_OPTIONS if k in read_kwargs}
    options = _assemble_options(**read_kwargs)
    _check_read_options(preset, options["on_bad"], options["day_one"], options["decimal"])
    blocks: CsvBlocks | ParquetBlocks | None
    if str(path).lower().endswith(".parquet"):
        blocks = parquet_blocks(path, block_bytes=block_bytes)
    else:
        table.pop("sheet", None)
        table.pop("layer", None)
        blocks = csv_blocks(path, block_bytes=block_bytes, **table)
    if blocks is None or (preset == "auto" and is_geocoded(blocks.names)):
        return None
    return IncidentBlocks(
        blocks,
        str(path),
        PRESETS[preset] if preset != "auto" else None,
        points=points,
        options=AssembleOptions(**options),
    )


#: the options of :func:`read_incidents` that say how the table is read
_TABLE_OPTIONS = ("encoding", "delimiter", "sheet", "layer", "comment", "header", "columns")


# ---------------------------------------------------------------------------------------------
# geocoded files
