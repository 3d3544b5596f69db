"""Raw tables to the canonical incident schema: columns resolved, values parsed, rows kept.

:func:`assemble_facts` is the one place where a raw table (a whole file or one block of it)
becomes canonical incidents: the preset's columns are found (or the caller's overrides),
dates, tolls, coordinates and precision codes are read by :mod:`incidentmap.io.assemble_parts`
(with ``values``, ``dates`` and ``numbers``); every original column is kept after them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from incidentmap._coded import coded_text
from incidentmap.errors import InputFileError, plural
from incidentmap.io.assemble_parts import (
    RawTable,
    coordinates,
    decide_mark,
    event_types,
    fatalities,
    source_precision,
    table_dates,
)
from incidentmap.io.counts import count_note, toll_by_name, toll_notes
from incidentmap.io.decode import encoding_note
from incidentmap.io.numbers import parse_counts
from incidentmap.io.preamble import blank_rows, headed_formulas, header_below
from incidentmap.io.roles import (
    bare_place_note,
    bare_place_rows,
    day_count,
    fallback_columns,
    hxl_fill,
    hxl_note,
    hxl_row,
    kept_notes,
    pcodes,
    wkt_points,
)
from incidentmap.io.sniff import commented_hint
from incidentmap.io.table_blocks import NotInBlocks
from incidentmap.io.tables import TableFacts, raw_first_line
from incidentmap.io.totals import header_rows, header_rows_note, said_total, total_rows
from incidentmap.io.values import Kept, Problems, refuse_nul
from incidentmap.schema import (
    CANONICAL_COLUMNS,
    OUTPUT_COLUMNS,
    PRESETS,
    Preset,
    detect_preset,
    header_key,
    layout_lines,
    safe_names,
)

__all__ = ["AssembleOptions", "BlockState", "ReadFacts", "assemble_facts"]


@dataclass(frozen=True)
class ReadFacts:
    """What reading a file did, handed to the next step typed (never on ``attrs``).

    Attributes
    ----------
    path : str
        The file, as messages name it.
    preset_title : str
        The column layout in words.
    layout : tuple of str
        Which layout the file was read as and why, which column fed which role.
    renamed : dict
        Original columns renamed where they clash with the canonical ones.
    bad_values : int
        Rows kept with unreadable values (``on_bad="keep"``).
    kept : dict
        Words kept as unknown values, by column: (count, first row, the word).
    encoding : str, optional
        The codec a text file was decoded with.
    notes : tuple of str
        Lines for the user about how the file was read.
    geocoded : bool
        The file was written by ``incidentmap geocode`` (taken as it is).
    """

    path: str = ""
    preset_title: str = ""
    layout: tuple[str, ...] = ()
    renamed: dict[str, str] = field(default_factory=dict, hash=False)
    bad_values: int = 0
    kept: dict[str, Kept] = field(default_factory=dict, hash=False)
    encoding: str | None = None
    notes: tuple[str, ...] = ()
    geocoded: bool = False


@dataclass
class BlockState:
    """What the first block of a file decided, kept for the blocks after it."""

    preset: Preset | None = None
    #: day/month order of a/b/yyyy dates by column (see :class:`Problems`)
    decided: dict[Any, Any] = field(default_factory=dict)
    #: whether the mapped latitude/longitude columns are coordinates (None: not decided)
    coordinates: bool | None = None
    #: data rows before this block
    row0: int = 0
    #: the file's decimal mark, once a block's values showed it (see :func:`decimal_mark`)
    decimal: str | None = None
    #: read in blocks: a question the first block cannot answer sends the file to be read whole
    #: (the readers of values ask it too: ``decided["in_blocks"]``)
    blocks: bool = False


def _resolve_columns(
    frame: pd.DataFrame, preset: Preset, overrides: dict[str, str | None], path: str
) -> dict[str, str]:
    by_key: dict[str, str] = {}
    for c in frame.columns:
        by_key.setdefault(header_key(c), str(c))
    mapping: dict[str, str] = {}
    for canon, candidates in preset.columns.items():
        for cand in candidates:
            if cand in by_key:
                mapping[canon] = by_key[cand]
                break
    _fill_fallbacks(mapping, by_key, preset)
    for canon, col in overrides.items():
        if col is None:
            continue
        if col in frame.columns:
            mapping[canon] = col
        elif header_key(col) in by_key:
            mapping[canon] = by_key[header_key(col)]
        else:
            cols = ", ".join(map(str, frame.columns))
            raise InputFileError(path, f"no column {col!r} for {canon} (columns: {cols})")
    return mapping


def _fill_fallbacks(mapping: dict[str, str], by_key: dict[str, str], preset: Preset) -> None:
    """Fill the roles the preset's columns left open from their common names (renamings)."""
    for canon, candidates in fallback_columns(preset).items():
        found = next((by_key[c] for c in candidates if c in by_key), None)
        if canon not in mapping and found is not None and found not in mapping.values():
            mapping[canon] = found
    toll_by_name(by_key, mapping)


@dataclass(frozen=True, kw_only=True)
class AssembleOptions:
    """How :func:`assemble_facts` reads a raw table: the reading options that concern its values.

    Attributes
    ----------
    overrides : dict of str to str or None
        Canonical column -> the file's column the caller names (``latitude``, ``date``...).
    day_one : str, optional
        The date column counts days, day 1 being this date.
    dayfirst : bool, optional
        How to read ``a/b/yyyy`` dates when the values do not decide it.
    coordinates : bool, default True
        False ignores coordinate columns (names only).
    on_bad : {"error", "keep"}, default "error"
        Refuse the first unreadable value, or keep the row with a note.
    decimal : {"point", "comma"}, optional
        The file's decimal mark (default: what its values show).
    """

    overrides: dict[str, str | None] = field(default_factory=dict)
    day_one: str | None = None
    dayfirst: bool | None = None
    coordinates: bool = True
    on_bad: str = "error"
    decimal: str | None = None


def assemble_facts(
    raw: pd.DataFrame,
    name: str,
    chosen: Preset | None,
    options: AssembleOptions | None = None,
    *,
    state: BlockState | None = None,
    points: bool = True,
    facts: TableFacts | None = None,
) -> tuple[pd.DataFrame, ReadFacts]:
    """Turn a raw table (a file or one block of it) into canonical incidents, and the facts.

    Parameters
    ----------
    raw : pandas.DataFrame
        The table as read (a GeoDataFrame for GIS formats).
    name : str
        The file, for messages.
    chosen : Preset, optional
        The column layout (default: the first block's, else detected from the header).
    options : AssembleOptions, optional
        How to read the values (default: every option at its default).
    state : BlockState, optional
        What the first block of a file decided, for the blocks after it.
    points : bool, default True
        Point geometry; False gives a plain frame with Arrow text (for file writers).
    facts : TableFacts, optional
        What reading the table found out about the file (:func:`read_table_facts`).

    Returns
    -------
    pandas.DataFrame
        The canonical columns, then the original ones; a GeoDataFrame with ``points``.
        Its ``attrs`` describe the data: ``path``, ``preset``, ``citation``, ``columns``.
    ReadFacts
        What the reading did (notes, layout, kept words, bad values...).
    """
    opts = options if options is not None else AssembleOptions()
    state = state if state is not None else BlockState()
    # without point objects the table goes to a file writer: text as Arrow text, not objects
    arrow = not points
    geom_src = raw.geometry if isinstance(raw, gpd.GeoDataFrame) else None
    read = facts if facts is not None else TableFacts()
    t = _table(raw, name, chosen, opts, state, geom_src, read, arrow=arrow)
    out = _columns(t, opts, state)
    _refuse_placeless(t, out["latitude"])
    t.notes.extend(kept_notes(t.problems.kept, name))
    out["input_note"] = _input_notes(t.problems, t.n, arrow)
    if arrow and out["date_precision"].dtype == object:  # dates read the careful way
        out["date_precision"] = pd.Series(
            pd.array(out["date_precision"].to_numpy(dtype=object), dtype="str"), copy=False
        )
    result, renamed = _with_originals(t, out)
    gdf = _with_points(result, out["latitude"], out["longitude"]) if points else result
    gdf.attrs.update(
        {"path": t.name, "preset": t.chosen.name, "citation": t.chosen.citation,
         "columns": t.mapping}
    )  # fmt: skip
    return gdf, _facts(t, raw, renamed)


def _table(
    raw: pd.DataFrame,
    name: str,
    chosen: Preset | None,
    opts: AssembleOptions,
    state: BlockState,
    geom_src: gpd.GeoSeries | None,
    facts: TableFacts,
    *,
    arrow: bool,
) -> RawTable:
    """Find the table's layout and columns; number its rows; refuse NUL in its text."""
    frame = pd.DataFrame(raw.drop(columns=raw.geometry.name) if geom_src is not None else raw)
    frame.columns = [str(c) for c in frame.columns]
    frame = frame.reset_index(drop=True)
    first = state.row0 == 0
    frame, geom_src, formulas, spaced = blank_rows(frame, geom_src, facts.formulas, name)
    headed, geom_src, titled = _header_and_points(frame, geom_src, chosen, opts, name, first)
    frame, formulas = headed, headed_formulas(formulas, frame, headed)  # under the real header
    frame, geom_src, hxl = hxl_row(frame, geom_src, first)
    state.row0 += hxl is not None  # the tag row keeps its number: the first incident is row 2
    if chosen is None:
        chosen = state.preset or detect_preset(frame.columns, points=_points(geom_src))
    state.preset = chosen
    stated = (facts.day_count, facts.day_unclear)
    overrides, day_one = day_count(stated, opts.overrides, opts.day_one, opts.dayfirst, name)
    mapping = _resolve_columns(frame, chosen, overrides, name)
    hxl_fill(mapping, hxl, chosen)
    rows = np.arange(state.row0 + 1, state.row0 + len(frame) + 1)
    state.row0 += len(frame)
    frame, rows, geom_src, said = _no_incidents(
        frame, rows, geom_src, mapping, chosen, name, state.blocks
    )
    problems = Problems(name, rows, opts.on_bad, state.decided)
    refuse_nul(frame, problems)
    _formulas(formulas, problems, len(frame), hxl is not None)
    problems.first = str(frame.columns[0]) if len(frame.columns) else None  # a note's cell
    notes = [*hxl_note(hxl, name), *_told_day(facts, opts, day_one, name), *spaced, *titled, *said]
    notes = _table_notes(facts, notes, frame if first else None, name, mapping)
    codec = facts.encoding
    return RawTable(
        frame, name, chosen, mapping, problems, notes, rows, hxl, overrides, day_one, geom_src,
        codec, arrow,
    )  # fmt: skip


def _table_notes(
    facts: TableFacts, notes: list[str], first: pd.DataFrame | None, name: str, mapping: dict
) -> list[str]:
    """Return the table's notes: the reading's, ``notes``, counts and tolls, the encoding."""
    said = [] if first is None else [*count_note(first, name), *toll_notes(first, mapping, name)]
    out = [*facts.notes, *notes, *said]
    if (codec := facts.encoding) and encoding_note(codec):
        out.append(f"{name}: {encoding_note(codec)}")
    return out


def _header_and_points(
    frame: pd.DataFrame,
    geom: gpd.GeoSeries | None,
    chosen: Preset | None,
    opts: AssembleOptions,
    name: str,
    first: bool,
) -> tuple[pd.DataFrame, gpd.GeoSeries | None, list[str]]:
    """Take the header from under a title; take WKT points where no coordinates are named."""
    frame, notes = header_below(frame, name) if first and geom is None else (frame, [])
    if geom is None and not _coordinate_columns(frame, chosen, opts):
        geom, said = wkt_points(frame, name)
        notes += said
    return frame, geom, notes


def _coordinate_columns(frame: pd.DataFrame, chosen: Preset | None, opts: AssembleOptions) -> bool:
    """Tell whether the table names latitude and longitude columns (or the caller does)."""
    if opts.overrides.get("latitude") or opts.overrides.get("longitude"):
        return True
    keys = {header_key(c) for c in frame.columns}
    roles = (chosen or PRESETS["generic"]).columns
    generic = PRESETS["generic"].columns
    return all(keys & {*roles.get(r, ()), *generic[r]} for r in ("latitude", "longitude"))


def _points(geom: gpd.GeoSeries | None) -> bool:
    """Tell whether a GIS table's rows carry point geometry (coordinates)."""
    return geom is not None and bool(geom.geom_type.eq("Point").any())


def _no_incidents(
    frame: pd.DataFrame, rows: np.ndarray, geom: gpd.GeoSeries | None, mapping: dict[str, str],
    chosen: Preset, name: str, blocks: bool,
) -> tuple[pd.DataFrame, np.ndarray, gpd.GeoSeries | None, list[str]]:  # fmt: skip
    """Leave out, and say, the header again, totals, a publisher's row of a place alone."""
    said: list[str] = []
    again = header_rows(frame)
    if len(again):
        said.append(header_rows_note(again, rows, name))
        frame, rows, geom = _without(frame, rows, geom, list(again))
    totals = total_rows(frame, mapping, chosen.date_parts or (), blocks=blocks)
    said += total_notes(frame, mapping, totals, rows, name)
    if totals:  # a spreadsheet's Total row, or Subtotal rows: not incidents
        frame, rows, geom = _without(frame, rows, geom, list(totals))
    bare = bare_place_rows(frame, mapping, chosen, chosen.date_parts or ())
    if len(bare):  # no id, no date, only a place: no record of the publisher
        said.append(bare_place_note(frame, mapping, bare, rows, name, chosen.title))
        frame, rows, geom = _without(frame, rows, geom, list(bare))
    return frame, rows, geom, said


def _without(
    frame: pd.DataFrame, rows: np.ndarray, geom: gpd.GeoSeries | None, drop: list[int]
) -> tuple[pd.DataFrame, np.ndarray, gpd.GeoSeries | None]:
    """Drop the rows at ``drop`` (totals) from the table, its numbers and geometry."""
    keep = np.ones(len(frame), dtype=bool)
    keep[drop] = False
    kept = frame[keep].reset_index(drop=True)
    return kept, rows[keep], geom[keep].reset_index(drop=True) if geom is not None else None


def _formulas(cells: dict[str, dict[int, str]], problems: Problems, n: int, shifted: bool) -> None:
    """Say each cell of a workbook holding a formula saved without its value (file, row, column).

    Such a cell reads as empty: refused, or under ``on_bad="keep"`` kept unknown with the
    reason on its row (never silently unknown).
    """
    for column, at in cells.items():
        positions = {p - shifted: f for p, f in at.items() if 0 <= p - shifted < n}
        if not positions:
            continue
        mask = np.isin(np.arange(n), list(positions))
        shown = pd.Series([positions.get(i, "") for i in range(n)], dtype=object)
        problems.report(
            mask, column, shown,
            "a value, not a formula without a cached value (the workbook was saved by a "
            "program that does not compute formulas: open and save it in Excel or "
            "LibreOffice, or export the sheet as CSV)",
        )  # fmt: skip


def _columns(t: RawTable, opts: AssembleOptions, state: BlockState) -> dict[str, Any]:
    """Return the canonical columns, read in this order (the first bad value is refused)."""
    out: dict[str, Any] = {"row": t.rows}
    out["event_id"] = t.text("event_id")
    out["date"], out["date_precision"] = table_dates(t, opts.dayfirst)
    out["event_type"] = event_types(t)
    out["actor"] = t.text("actor")
    out["actor2"] = t.text("actor2")
    state.decimal = mark = decide_mark(t, opts.decimal, state.decimal, state.blocks)
    out["fatalities"] = fatalities(t, mark)
    col = t.mapping.get("injured")
    out["injured"] = (
        parse_counts(t.frame[col], col, t.problems, mark=mark) if col else np.full(t.n, np.nan)
    )
    out["notes"] = t.text("notes")
    out["source"] = t.text("source")
    out["latitude"], out["longitude"] = _block_coordinates(t, opts.coordinates, state)
    for key in _STATED:
        out[key] = t.text(key, strip=True)
    area = pcodes(t.frame, t.mapping, t.hxl or {}, out, t.notes, t.name)
    out["source_precision"] = source_precision(t)
    if area is not None:  # an area's count: its own precision, where the source gives none
        out["source_precision"] = out["source_precision"].where(
            out["source_precision"].notna(), area
        )
    return out


#: the canonical columns of the names a row states
_STATED = ("stated_province", "stated_district", "stated_place")


def _block_coordinates(t: RawTable, use: bool, state: BlockState) -> tuple[np.ndarray, np.ndarray]:
    """Return the coordinates; the first block decides whether the columns are coordinates."""
    had = "latitude" in t.mapping and "longitude" in t.mapping
    lat_v, lon_v = coordinates(t, use, state.coordinates)
    kept = "latitude" in t.mapping and "longitude" in t.mapping
    if state.blocks and state.coordinates is None and had and not kept:
        # the first block's values (0,0 placeholders) cannot speak for the file: read it whole
        raise NotInBlocks("the first block does not show whether the columns are coordinates")
    state.coordinates = kept
    return lat_v, lon_v


def _told_day(facts: Any, opts: Any, day_one: str | None, name: str) -> list[str]:
    """Say how a first day the comments state two ways was read (``dayfirst``), if it was."""
    told = facts.day_unclear if not facts.day_count and opts.day_one is None else None
    if not told or day_one is None or opts.overrides.get("date") is not None:
        return []
    order = "day" if opts.dayfirst else "month"
    return [f"{name}: dates: column {told[0]!r} counts days, day 1 = {day_one} (the comment's "
            f"{told[1]!r} read {order} first, as `dayfirst` says)"]  # fmt: skip


def _refuse_placeless(t: RawTable, lat_v: np.ndarray) -> None:
    """Refuse a table with neither coordinates nor place names, saying what it may need."""
    has_names = any(k in t.mapping for k in _STATED)
    has_coords = bool(np.isfinite(lat_v).any()) or (
        "latitude" in t.mapping and "longitude" in t.mapping
    )
    if has_names or has_coords:
        return
    cols = ", ".join(t.frame.columns)
    if len(cols) > 200:
        cols = cols[:200] + "..."
    ignored = [n.split(": ", 1)[1] for n in t.notes if n.startswith(f"{t.name}: ignored ")]
    if ignored:  # the columns were there, but their values are not coordinates: say why
        msg = f"no coordinate or place-name columns found: {ignored[0]}"
    else:
        msg = f"no coordinate or place-name columns found (columns: {cols}); {_placeless_hint(t)}"
    raise InputFileError(t.name, msg)


def _placeless_hint(t: RawTable) -> str:
    """Say what a table without coordinate or name columns may need: names, comment, header."""
    columns = t.frame.columns
    first = raw_first_line(t.name) or (str(columns[0]) if len(columns) else "")
    first = first.strip()
    if first[:1] in ("#", "%", ";") or first.startswith("//"):
        return commented_hint(t.name, first[:1])
    if sum(_looks_numeric(c) for c in columns) >= max(2, len(columns) // 2):
        return "the first line holds values, not names: add `no_header` `columns` ..."
    return "name them with `lat`/`lon` or `province_col`/`district_col`/`place_col`"


def _input_notes(problems: Problems, n: int, arrow: bool) -> Any:
    """Return each row's notes on its bad values, joined (none where all were read)."""
    note_codes = np.full(n, -1, dtype=np.int64)  # none but where a value was bad
    note_texts = []
    for i, row_notes in problems.notes.items():
        note_codes[i] = len(note_texts)
        note_texts.append("; ".join(row_notes))
    return coded_text(note_codes, note_texts, arrow=arrow)


def _with_originals(t: RawTable, out: dict[str, Any]) -> tuple[pd.DataFrame, dict[str, str]]:
    """Return the canonical columns then the original ones (renamed where they clash)."""
    # side by side, not consolidated into one block (pandas would copy every column)
    canon = pd.concat(
        [
            v if isinstance(v := out[k], pd.Series) else pd.Series(v, dtype=v.dtype, copy=False)
            for k in CANONICAL_COLUMNS
        ],
        axis=1,
        keys=list(CANONICAL_COLUMNS),
    )
    # an original column that feeds the canonical column of its own name is that column
    fed = [c for k, c in t.mapping.items() if c.casefold() == k and k in CANONICAL_COLUMNS]
    frame = t.frame.drop(columns=fed)
    renamed = safe_names(frame.columns, taken=[*CANONICAL_COLUMNS, *OUTPUT_COLUMNS])
    originals = frame.rename(columns=renamed)
    return pd.concat([canon, originals], axis=1), renamed


def _with_points(result: pd.DataFrame, lat_v: np.ndarray, lon_v: np.ndarray) -> gpd.GeoDataFrame:
    """Return the table with a point for each row that has both coordinates."""
    ok = np.isfinite(lat_v) & np.isfinite(lon_v)
    geometry = np.full(len(result), None, dtype=object)
    geometry[ok] = shapely.points(lon_v[ok], lat_v[ok])
    return gpd.GeoDataFrame(result, geometry=geometry, crs="EPSG:4326")


def _facts(t: RawTable, raw: pd.DataFrame, renamed: dict[str, str]) -> ReadFacts:
    """Return what reading the table did: layout, renamed columns, bad values, notes."""
    return ReadFacts(
        path=t.name,
        preset_title=t.chosen.title,
        layout=tuple(layout_lines(t.chosen.name, t.mapping, [str(c) for c in raw.columns])),
        renamed={k: v for k, v in renamed.items() if k != v},
        bad_values=sum(  # a conflict between two locations is no unreadable value
            any(not n.startswith("conflict: ") for n in row) for row in t.problems.notes.values()
        ),
        kept=dict(t.problems.kept),
        encoding=t.codec,
        notes=tuple(t.notes),
    )


def _looks_numeric(name: object) -> bool:
    try:
        float(str(name).strip())
    except ValueError:
        return False
    return True


# ---------------------------------------------------------------------------------------------
# rows that add up others (:func:`incidentmap.io.totals.total_rows`), said


def total_notes(
    frame: pd.DataFrame, mapping: dict[str, str], labels: dict[int, str], rows: np.ndarray,
    name: str,
) -> list[str]:  # fmt: skip
    """Say which rows are totals (:func:`total_rows`) and the toll each holds.

    Rows under the table add up the rows above (said as before); the others are subtotal
    rows, each with its row number and, when its toll adds up the rows above it (those since
    the last total, or all of them), which.
    """
    found = np.zeros(len(frame), dtype=bool)
    found[list(labels)] = True
    if not found.any():
        return []
    col = mapping.get("fatalities")
    values = pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype=float) if col else None
    n_end = int(np.argmin(found[::-1])) if not found.all() else len(found)
    n_end = n_end if n_end == 1 else 0  # a Total under the table, said as it always was
    mid = np.flatnonzero(found[: len(found) - n_end])
    notes = [_subtotals_note(name, col, values, found, mid, labels, rows)] if len(mid) else []
    if n_end:
        held = ""
        if values is not None:
            same = _sum_of(values, found, len(found) - 1) == " = every row above"
            held = f", {col!r} {values[-1]:,.10g}{' (the sum of the rows above)' if same else ''}"
        notes.append(
            f"{name}: row {rows[-1]} adds up the rows above ({said_total(labels[len(found) - 1])}"
            f", no date or place{held}): not an incident, left out"
        )
    return notes


def _subtotals_note(
    name: str, col: str | None, values: np.ndarray | None, found: np.ndarray, mid: np.ndarray,
    labels: dict[int, str], rows: np.ndarray,
) -> str:  # fmt: skip
    """Say the subtotal rows (``mid``): each one's row, text and toll, the first 20."""
    said = []
    for i in mid[:20]:
        held = f", {col!r} {values[i]:,.10g}{_sum_of(values, found, i)}" if col else ""
        said.append(f"row {rows[i]} ({labels[i]!r}{held})")
    more = f" and {len(mid) - 20:,} more" if len(mid) > 20 else ""
    return (
        f"{name}: {plural(len(mid), 'subtotal row')} (a cell says total; no date, no place "
        f"but its group's), not {'an incident' if len(mid) == 1 else 'incidents'}, left out: "
        f"{'; '.join(said)}{more}"
    )


def _sum_of(values: np.ndarray | None, found: np.ndarray, i: int) -> str:
    """Say which rows above row ``i`` its toll adds up: its group's, or every one's."""
    if values is None or np.isnan(values[i]):
        return ""
    above = np.flatnonzero(found[:i])
    every = values[:i][~found[:i]]
    if len(every) and np.isclose(np.nansum(every), values[i]):
        return " = every row above"
    group = values[above[-1] + 1 : i] if len(above) else every
    if len(group) and np.isclose(np.nansum(group), values[i]):
        return f" = the {plural(len(group), 'row')} above it"
    return ""
