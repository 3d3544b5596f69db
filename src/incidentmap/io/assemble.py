"""Raw tables to the canonical incident schema: columns resolved, values parsed, rows kept.

:func:`assemble` is the one place where a raw table (a whole file or one block of it)
becomes canonical incidents: the preset's columns are found (or the caller's overrides),
dates, tolls, coordinates and precision codes are parsed by :mod:`incidentmap.io.values`,
and every original column is kept after the canonical ones.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from incidentmap._coded import coded_text
from incidentmap.errors import InputFileError
from incidentmap.io.dates import apply_precision_codes, dates_from_parts, parse_dates
from incidentmap.io.decode import encoding_note
from incidentmap.io.numbers import decimal_mark, parse_coordinates, parse_counts
from incidentmap.io.roles import (
    day_count,
    first_column,
    hxl_fill,
    hxl_note,
    hxl_row,
    kept_notes,
    pcodes,
    readable_date_column,
    year_dates,
)
from incidentmap.io.sniff import commented_hint
from incidentmap.io.table_blocks import NotInBlocks
from incidentmap.io.tables import raw_first_line
from incidentmap.io.values import Problems, blank_mask, clean_text, refuse_nul
from incidentmap.schema import (
    CANONICAL_COLUMNS,
    DATE_PRECISION_COLUMNS,
    OUTPUT_COLUMNS,
    PRECISION_COLUMNS,
    WEAK_COORDINATE_KEYS,
    YEAR_COLUMNS,
    Preset,
    detect_preset,
    header_key,
    layout_lines,
    safe_names,
)

__all__ = ["BlockState", "assemble"]

#: the region where plausible coordinates of Afghan incidents fall (generous: borders,
#: neighbours, swapped pairs are handled by geocoding)
_REGION = (50.0, 20.0, 85.0, 45.0)  # min lon, min lat, max lon, max lat


#: a coordinate column is used only when at least this share of its values is plausible
PLAUSIBLE_SHARE = 0.5


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


def assemble(
    raw: pd.DataFrame,
    name: str,
    chosen: Preset | None,
    *,
    overrides: dict[str, str | None],
    day_one: str | None,
    dayfirst: bool | None,
    coordinates: bool,
    on_bad: str,
    decimal: str | None = None,
    state: BlockState | None = None,
    points: bool = True,
) -> pd.DataFrame:
    """Turn a raw table (a file or one block of it) into canonical incidents, rows kept."""
    # without point objects the table goes to a file writer: text as Arrow text, not objects
    arrow = not points
    nones = _arrow_nones if arrow else _nones
    geom_src = raw.geometry if isinstance(raw, gpd.GeoDataFrame) else None
    frame = pd.DataFrame(raw.drop(columns=raw.geometry.name) if geom_src is not None else raw)
    frame.columns = [str(c) for c in frame.columns]
    frame = frame.reset_index(drop=True)
    state = state if state is not None else BlockState()
    frame, geom_src, hxl = hxl_row(frame, geom_src, state.row0 == 0)
    state.row0 += hxl is not None  # the tag row keeps its number: the first incident is row 2
    if chosen is None:
        chosen = state.preset or detect_preset(frame.columns)
    state.preset = chosen
    overrides, day_one = day_count(raw, overrides, day_one)
    mapping = _resolve_columns(frame, chosen, overrides, name)
    hxl_fill(mapping, hxl, chosen)
    n = len(frame)
    rows = np.arange(state.row0 + 1, state.row0 + n + 1)
    state.row0 += n
    problems = Problems(name, rows, on_bad, state.decided)
    refuse_nul(frame, problems)
    notes: list[str] = list(raw.attrs.get("notes", []))
    notes.extend(hxl_note(hxl, name))
    codec = raw.attrs.get("encoding")
    if codec and encoding_note(codec):
        notes.append(f"{name}: {encoding_note(codec)}")
    out: dict[str, Any] = {"row": rows}
    out["event_id"] = _text(frame, mapping.get("event_id"), n, nones=nones)
    out["date"], out["date_precision"] = _dates(
        frame, chosen, mapping, problems, overrides, day_one, dayfirst, nones=nones
    )
    etype = _text(frame, mapping.get("event_type"), n, nones=nones)
    if chosen.event_type_codes:
        codes = chosen.event_type_codes
        etype = etype.map(lambda v: codes.get(str(v).split(".")[0], v) if v is not None else v)
    out["event_type"] = etype
    out["actor"] = _text(frame, mapping.get("actor"), n, nones=nones)
    out["actor2"] = _text(frame, mapping.get("actor2"), n, nones=nones)
    state.decimal = decimal or state.decimal or _decimal_mark(frame, chosen, mapping)
    mark = state.decimal
    out["fatalities"] = _fatalities(frame, chosen, mapping, problems, notes, name, mark)
    col = mapping.get("injured")
    out["injured"] = (
        parse_counts(frame[col], col, problems, mark=mark) if col else np.full(n, np.nan)
    )
    out["notes"] = _text(frame, mapping.get("notes"), n, nones=nones)
    out["source"] = _text(frame, mapping.get("source"), n, nones=nones)
    had = "latitude" in mapping and "longitude" in mapping
    lat_v, lon_v = _coordinates(
        frame, mapping, geom_src, problems, n, coordinates, overrides, notes, name,
        state.coordinates,
    )  # fmt: skip
    kept = "latitude" in mapping and "longitude" in mapping
    if state.blocks and state.coordinates is None and had and not kept:
        # the first block's values (0,0 placeholders) cannot speak for the file: read it whole
        raise NotInBlocks("the first block does not show whether the columns are coordinates")
    state.coordinates = kept
    out["latitude"], out["longitude"] = lat_v, lon_v
    for key in ("stated_province", "stated_district", "stated_place"):
        out[key] = _text(frame, mapping.get(key), n, strip=True, nones=nones)
    pcodes(frame, mapping, hxl or {}, out, notes, name)
    out["source_precision"] = _precision(
        frame, mapping.get("source_precision"), chosen, n, nones=nones
    )
    has_names = any(k in mapping for k in ("stated_province", "stated_district", "stated_place"))
    has_coords = bool(np.isfinite(lat_v).any()) or (
        "latitude" in mapping and "longitude" in mapping
    )
    if not has_names and not has_coords:
        cols = ", ".join(frame.columns)
        if len(cols) > 200:
            cols = cols[:200] + "..."
        hint = "name them with --lat/--lon or --province-col/--district-col/--place-col"
        first = raw_first_line(name) or (str(frame.columns[0]) if len(frame.columns) else "")
        first = first.strip()
        if first[:1] in ("#", "%", ";") or first.startswith("//"):
            hint = commented_hint(name, first[:1])
        elif sum(_looks_numeric(c) for c in frame.columns) >= max(2, len(frame.columns) // 2):
            hint = "the first line holds values, not names: add --no-header --columns ..."
        msg = f"no coordinate or place-name columns found (columns: {cols}); {hint}"
        raise InputFileError(name, msg)
    notes.extend(kept_notes(problems.kept, name))
    note_codes = np.full(n, -1, dtype=np.int64)  # none but where a value was bad
    note_texts = []
    for i, row_notes in problems.notes.items():
        note_codes[i] = len(note_texts)
        note_texts.append("; ".join(row_notes))
    out["input_note"] = coded_text(note_codes, note_texts, arrow=arrow)
    if arrow and out["date_precision"].dtype == object:  # dates read the careful way
        out["date_precision"] = pd.Series(
            pd.array(out["date_precision"].to_numpy(dtype=object), dtype="str"), copy=False
        )
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
    fed = [c for k, c in mapping.items() if c.casefold() == k and k in CANONICAL_COLUMNS]
    frame = frame.drop(columns=fed)
    renamed = safe_names(frame.columns, taken=[*CANONICAL_COLUMNS, *OUTPUT_COLUMNS])
    originals = frame.rename(columns=renamed)
    result = pd.concat([canon, originals], axis=1)
    if points:
        ok = np.isfinite(lat_v) & np.isfinite(lon_v)
        geometry = np.full(n, None, dtype=object)
        geometry[ok] = shapely.points(lon_v[ok], lat_v[ok])
        gdf = gpd.GeoDataFrame(result, geometry=geometry, crs="EPSG:4326")
    else:
        gdf = result
    gdf.attrs.update(
        {
            "path": name,
            "preset": chosen.name,
            "preset_title": chosen.title,
            "citation": chosen.citation,
            "columns": mapping,
            "layout": layout_lines(chosen.name, mapping, [str(c) for c in raw.columns]),
            "renamed": {k: v for k, v in renamed.items() if k != v},
            "bad_values": len(problems.notes),
            "kept": dict(problems.kept),
            "encoding": codec,
            "notes": notes,
        }
    )
    return gdf


def _nones(n: int) -> pd.Series:
    """Return an object column of ``n`` None (no list of a million Nones on the way)."""
    return pd.Series(np.empty(n, dtype=object), dtype=object, copy=False)


def _looks_numeric(name: object) -> bool:
    try:
        float(str(name).strip())
    except ValueError:
        return False
    return True


def _arrow_nones(n: int) -> pd.Series:
    """Return an Arrow text column of ``n`` missing values."""
    return pd.Series(coded_text(np.full(n, -1, dtype=np.int64), [], arrow=True), copy=False)


def _text(
    frame: pd.DataFrame,
    col: str | None,
    n: int,
    *,
    strip: bool = False,
    nones: Callable[[int], pd.Series] = _nones,
) -> pd.Series:
    if col is None:
        return nones(n)
    return clean_text(frame[col], strip=strip).reset_index(drop=True)


def _dates(
    frame: pd.DataFrame,
    chosen: Preset,
    mapping: dict[str, str],
    problems: Problems,
    overrides: dict[str, str | None],
    day_one: str | None,
    dayfirst: bool | None,
    *,
    nones: Callable[[int], pd.Series] = _nones,
) -> tuple[pd.Series, pd.Series]:
    n = len(frame)
    by_key = {header_key(c): c for c in frame.columns}
    parts = chosen.date_parts
    if overrides.get("date") is None and parts and all(p in by_key for p in parts):
        cols = (by_key[parts[0]], by_key[parts[1]], by_key[parts[2]])
        dates, prec = dates_from_parts(frame, cols, problems)
        mapping.pop("date", None)
        mapping["date_parts"] = ", ".join(cols)
    elif "date" in mapping:
        if overrides.get("date") is None:
            mapping["date"] = _date_column(frame, chosen, mapping["date"], problems, day_one)
        col = mapping["date"]
        dayfirst = dayfirst if dayfirst is not None else chosen.dayfirst
        arrow = nones is _arrow_nones
        dates, prec = parse_dates(
            frame[col], col, problems, dayfirst=dayfirst, day_one=day_one, arrow=arrow
        )
    elif (year_col := first_column(frame, None, YEAR_COLUMNS)) is not None:
        dates, prec = year_dates(frame[year_col], year_col, problems)
        mapping["date_year"] = year_col
    else:
        return pd.Series(pd.NaT, index=range(n), dtype="datetime64[ns]"), nones(n)
    return _refine_precision(frame, chosen, mapping, by_key, dates, prec, problems)


#: end dates of a row that covers a span (HDX HAPI's monthly counts, UCDP's date_end)
_DATE_END_KEYS = ("date_end", "end_date", "reference_period_end")


def _date_column(
    frame: pd.DataFrame, chosen: Preset, col: str, problems: Problems, day_one: str | None
) -> str:
    """Return the date column the values choose; the first block decides for the rest."""
    key = ("date_column", col)
    if key not in problems.decided:
        problems.decided[key] = readable_date_column(frame, chosen, col, day_one)
    return str(problems.decided[key])


def _refine_precision(
    frame: pd.DataFrame,
    chosen: Preset,
    mapping: dict[str, str],
    by_key: dict[str, str],
    dates: pd.Series,
    prec: pd.Series,
    problems: Problems,
) -> tuple[pd.Series, pd.Series]:
    """Dates with their precision coarsened by an end date and a source's precision codes."""
    ends = (chosen.date_end, *_DATE_END_KEYS) if chosen.date_end else _DATE_END_KEYS
    end = next((by_key[k] for k in ends if k in by_key), None)
    if end is not None and mapping.get("date") != end:
        prec = _span_precision(frame, end, dates, prec, problems)
    code_col = mapping.get("date_precision")
    table = (
        DATE_PRECISION_COLUMNS.get(header_key(code_col), chosen.date_precision_codes)
        if code_col
        else {}
    )
    if code_col and table:
        prec = apply_precision_codes(frame[code_col], table, prec)
    return dates, prec


def _span_precision(
    frame: pd.DataFrame, end_col: str, dates: pd.Series, prec: pd.Series, problems: Problems
) -> pd.Series:
    """Coarsen each date's precision by the span to its end date (a week, month, year)."""
    quiet = Problems(problems.path, problems.rows, "keep")
    ends, _ = parse_dates(frame[end_col], end_col, quiet)
    span = (ends - dates).dt.days.to_numpy()
    coarser = np.where(span > 31, "year", np.where(span > 6, "month", "week"))
    wider = np.isfinite(span) & (span > 0)
    return _coarsen(prec, pd.Series(np.where(wider, coarser, None), dtype="object"))


def _coarsen(current: pd.Series, other: pd.Series) -> pd.Series:
    rank = {p: i for i, p in enumerate(("day", "week", "month", "year"))}
    return pd.Series(
        [
            a if not isinstance(a, str) or not isinstance(b, str) or rank[a] >= rank[b] else b
            for a, b in zip(current, other, strict=True)
        ],
        dtype="object",
    )


def _fatalities(
    frame: pd.DataFrame,
    chosen: Preset,
    mapping: dict[str, str],
    problems: Problems,
    notes: list[str],
    name: str,
    mark: str | None,
) -> np.ndarray:
    col = mapping.get("fatalities")
    if col:
        return parse_counts(frame[col], col, problems, mark=mark)
    by_key = {header_key(c): c for c in frame.columns}
    parts = [by_key[p] for p in chosen.fatalities_parts if p in by_key]
    if not parts:
        return np.full(len(frame), np.nan)
    values = np.column_stack([parse_counts(frame[c], c, problems, mark=mark) for c in parts])
    total = np.where(np.isnan(values).all(axis=1), np.nan, np.nansum(values, axis=1))
    missing = [p for p in chosen.fatalities_parts if p not in by_key]
    how = " + ".join(parts)
    notes.append(
        f"{name}: fatalities = {how}"
        + (f" ({', '.join(missing)} absent: the total may be low)" if missing else "")
    )
    return total


def _decimal_mark(frame: pd.DataFrame, chosen: Preset, mapping: dict[str, str]) -> str | None:
    """Return the decimal mark the coordinates (else the tolls) of this table show."""
    coords = [frame[mapping[k]] for k in ("latitude", "longitude") if k in mapping]
    by_key = {header_key(c): c for c in frame.columns}
    names = [mapping.get("fatalities"), mapping.get("injured")]
    names += [by_key.get(p) for p in chosen.fatalities_parts]
    return decimal_mark(coords, [frame[c] for c in dict.fromkeys(names) if c])


def _plausible(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    x0, y0, x1, y1 = _REGION
    inside = (lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1)
    swapped = (lat >= x0) & (lat <= x1) & (lon >= y0) & (lon <= y1)
    return inside | swapped


def _coordinates(
    frame: pd.DataFrame,
    mapping: dict[str, str],
    geom: gpd.GeoSeries | None,
    problems: Problems,
    n: int,
    use: bool,
    overrides: dict[str, str | None],
    notes: list[str],
    path: str,
    decided: bool | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    empty = (np.full(n, np.nan), np.full(n, np.nan))
    if not use:
        return empty
    if decided is False and "latitude" in mapping and "longitude" in mapping:
        del mapping["latitude"], mapping["longitude"]  # the first block found them not
        return empty  # coordinates
    if "latitude" in mapping and "longitude" in mapping:
        lat_c, lon_c = mapping["latitude"], mapping["longitude"]
        la, bad_la = parse_coordinates(frame[lat_c], lat_c, problems, "lat")
        lo, bad_lo = parse_coordinates(frame[lon_c], lon_c, problems, "lon")
        explicit = overrides.get("latitude") is not None or overrides.get("longitude") is not None
        given = ~blank_mask(frame[lat_c]) | ~blank_mask(frame[lon_c])
        both = np.isfinite(la) & np.isfinite(lo)
        share = _plausible(la, lo)[both].sum() / max(int(given.sum()), 1)
        if not explicit and decided is None and given.any() and share < PLAUSIBLE_SHARE:
            weak = {header_key(lat_c), header_key(lon_c)} & WEAK_COORDINATE_KEYS
            what = "columns" + (" (names that only suggest coordinates)" if weak else "")
            notes.append(
                f"{path}: ignored {what} {lat_c!r}/{lon_c!r} as coordinates: "
                f"{share:.0%} of their values are longitude/latitude near Afghanistan "
                "(name them with --lat/--lon to use them anyway)"
            )
            del mapping["latitude"], mapping["longitude"]
            return empty
        problems.report(bad_la, lat_c, frame[lat_c], "a latitude in degrees (-90 to 90)")
        problems.report(bad_lo, lon_c, frame[lon_c], "a longitude in degrees (-180 to 180)")
        half = np.isfinite(la) != np.isfinite(lo)
        problems.report(half & np.isnan(la), lat_c, frame[lat_c], "a latitude with the longitude")
        problems.report(half & np.isnan(lo), lon_c, frame[lon_c], "a longitude with the latitude")
        la[~both] = np.nan
        lo[~both] = np.nan
        return la, lo
    if geom is not None:
        g = geom
        if g.crs is not None and not g.crs.equals("EPSG:4326"):
            g = g.to_crs("EPSG:4326")
        present = (g.notna() & ~g.is_empty).to_numpy(dtype=bool)
        kinds = g.geom_type.to_numpy(dtype=object)
        other = present & (kinds != "Point")
        if other.any():
            i = int(np.flatnonzero(other)[0])
            problems.fail(i, "geometry", f"expected point geometry, got {kinds[i]}")
        la = np.full(n, np.nan)
        lo = np.full(n, np.nan)
        xy = shapely.get_coordinates(g.values[present])
        lo[present], la[present] = xy[:, 0], xy[:, 1]
        bad = present & ~((np.abs(la) <= 90) & (np.abs(lo) <= 180) & np.isfinite(la + lo))
        shown = pd.Series([f"POINT ({x} {y})" for x, y in zip(lo, la, strict=True)])
        problems.report(bad, "geometry", shown, "a point in longitude/latitude degrees")
        la[bad] = np.nan
        lo[bad] = np.nan
        return la, lo
    return empty


def _precision(
    frame: pd.DataFrame,
    col: str | None,
    preset: Preset,
    n: int,
    *,
    nones: Callable[[int], pd.Series] = _nones,
) -> pd.Series:
    table = PRECISION_COLUMNS.get(header_key(col), preset.precision_codes) if col else {}
    if col is None or not table:
        return nones(n)
    codes = frame[col].map(lambda v: None if pd.isna(v) else str(v).strip().split(".")[0])
    return codes.map(lambda c: table.get(c) if c else None).astype("object")
