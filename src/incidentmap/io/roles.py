"""Column roles from evidence: what a file's rows and codes say beyond its header.

An HXL hashtag row under the header (HDX) is skipped and names roles; OCHA p-codes
state the province (and district); a date column whose values are not dates loses to
one whose values are; a year alone dates a row to the year; a column a file's comment
says counts days gets its first day; words kept as unknown values are said once.
"""

from __future__ import annotations

import datetime as _dt
import re
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from incidentmap.errors import InputFileError
from incidentmap.io.counts import COUNT_KEYS, count_column, count_note
from incidentmap.io.dates import dates_from_parts, parse_dates
from incidentmap.io.numbers import UNKNOWN_CODE, parse_numbers
from incidentmap.io.sniff import day_one_of, hxl_roles, hxl_tags
from incidentmap.io.values import Kept, Problems, blank_mask, clean_text
from incidentmap.io.words import month_number
from incidentmap.schema import PRESETS, Preset, header_key

__all__ = [
    "COUNT_KEYS", "count_column", "count_note", "day_count", "fallback_columns", "first_column",
    "hxl_fill", "hxl_note", "hxl_row", "kept_notes", "pcodes", "readable_date_column",
    "unnamed_date_note", "wkt_points", "year_dates", "year_month_dates"
]  # fmt: skip


def hxl_row(
    frame: pd.DataFrame, geom: gpd.GeoSeries | None, first: bool
) -> tuple[pd.DataFrame, gpd.GeoSeries | None, dict[str, str] | None]:
    """Drop an HXL hashtag row under the header (HDX files); return the roles it names.

    Only the file's first data row can be one; the rows after it keep their numbers in
    the file (the first incident is row 2): the caller counts the skipped row.
    ``first`` says whether ``frame`` starts at the file's first data row.
    """
    if not first or len(frame) == 0:
        return frame, geom, None
    tags = hxl_tags(list(frame.iloc[0]))
    if tags is None:
        return frame, geom, None
    roles = hxl_roles(list(frame.columns), tags)
    frame = frame.iloc[1:].reset_index(drop=True)
    if geom is not None:
        geom = geom.iloc[1:].reset_index(drop=True)
    return frame, geom, roles


def hxl_note(hxl: dict[str, str] | None, name: str) -> list[str]:
    """Say that an HXL row was skipped, and which roles its hashtags named."""
    if hxl is None:
        return []
    named = ", ".join(f"{c!r} {r}" for r, c in hxl.items()) or "none"
    return [
        f"{name}: row 1 is an HXL hashtag row, not an incident: skipped (its hashtags read "
        f"as: {named}; they name only the roles the header leaves open; geocode's columns: line "
        "says which column gives each)"
    ]


def hxl_fill(mapping: dict[str, str], hxl: dict[str, str] | None, chosen: Preset) -> None:
    """Let the hashtags name the roles the header left unnamed."""
    for role, col in (hxl or {}).items():
        if role in chosen.columns or role in ("source_precision", "date_precision"):
            mapping.setdefault(role, col)


#: header keys of OCHA p-code columns (COD-AB 2018: AF13 a province, AF1303 a district)
_PROVINCE_PCODE_KEYS = ("admin1_code", "adm1_pcode", "admin1_pcode", "adm1_code", "province_pcode")
_DISTRICT_PCODE_KEYS = ("admin2_code", "adm2_pcode", "admin2_pcode", "adm2_code", "district_pcode")
_PCODE2 = re.compile(r"^AF\d{4}$", re.IGNORECASE)


def pcodes(
    frame: pd.DataFrame,
    mapping: dict[str, str],
    hxl: dict[str, str],
    out: dict[str, Any],
    notes: list[str],
    name: str,
) -> pd.Series | None:
    """Let OCHA p-code columns state the province (and the district, with its name).

    A province p-code (``AF13``) states the province, before any name column (codes are
    exact, names are spelled many ways); a district p-code (``AF1303``) states its
    province by its first four characters when there is no province column, and the
    district when the file names none (a district p-code is placed when the installed
    districts carry p-codes as their ids, as OCHA's COD-AB layer does).
    """
    pc1 = _filled(frame, first_column(frame, hxl.get("province_pcode"), _PROVINCE_PCODE_KEYS))
    pc2 = _filled(frame, first_column(frame, hxl.get("district_pcode"), _DISTRICT_PCODE_KEYS))
    if pc1 is not None:  # the code where a row has one, else its name
        codes = clean_text(frame[pc1], strip=True).reset_index(drop=True)
        named = pd.Series(out["stated_province"], dtype=object).reset_index(drop=True)
        out["stated_province"] = codes.where(codes.notna(), named)
        mapping["stated_province"] = pc1
    if pc2 is not None:
        codes = clean_text(frame[pc2], strip=True).reset_index(drop=True)
        # the district p-code's first four characters state the province where none is
        district = codes.where(codes.str.match(_PCODE2.pattern, case=False).fillna(False))
        province = district.str[:4]
        stated = pd.Series(out["stated_province"]).reset_index(drop=True)
        out["stated_province"] = stated.where(stated.notna(), province)
        mapping.setdefault("stated_province", pc2)
        named = pd.Series(out["stated_district"]).reset_index(drop=True)
        out["stated_district"] = named.where(named.notna(), codes)  # the code where no name
        mapping.setdefault("stated_district", pc2)
    used = ", ".join(repr(c) for c in (pc1, pc2) if c is not None)
    if used:
        notes.append(f"{name}: OCHA p-codes ({used}) state the province, before the names")
    return _area_level(frame, pc1, pc2, mapping)


def _filled(frame: pd.DataFrame, col: str | None) -> str | None:
    """Return the p-code column, unless it is blank on every row (HDX may leave it so)."""
    return col if col is not None and not blank_mask(frame[col]).all() else None


def _area_level(
    frame: pd.DataFrame, pc1: str | None, pc2: str | None, mapping: dict[str, str]
) -> pd.Series | None:
    """Return each row's area level when p-codes, not coordinates, locate the rows.

    A row a p-code locates (HDX HAPI's counts by district or province) is an area, never
    a point: ``district`` where a district p-code is given, else ``province``; None where
    neither is, and for a table with coordinates (its points say where).
    """
    if (pc1 is None and pc2 is None) or "latitude" in mapping or "longitude" in mapping:
        return None
    level = pd.Series(None, index=range(len(frame)), dtype="object")
    for col, what in ((pc1, "province"), (pc2, "district")):
        if col is not None:
            codes = clean_text(frame[col], strip=True).reset_index(drop=True)
            level[codes.notna().to_numpy()] = what
    return level


def first_column(frame: pd.DataFrame, given: str | None, keys: tuple[str, ...]) -> str | None:
    """Return ``given``, else the first column whose header key is one of ``keys``."""
    if given is not None:
        return given
    by_key = {header_key(c): c for c in frame.columns}
    return next((by_key[k] for k in keys if k in by_key), None)


def day_count(
    stated: tuple[tuple[str, str] | None, tuple[str, str, str] | None],
    overrides: dict[str, str | None],
    day_one: str | None,
    dayfirst: bool | None = None,
    name: str = "the file",
) -> tuple[dict[str, str | None], str | None]:
    """Take the column a file's comment says counts days (and its first day), unless told.

    ``stated`` is what the comment lines state (:class:`~incidentmap.io.tables.TableFacts`
    ``day_count`` and ``day_unclear``): a column with its day 1, a day 1 read two ways.

    A first day the comments state that reads two ways (``day 1 = 01/02/2004``) is read
    with ``dayfirst`` when given; else, like a day count whose column no name shows, it
    is refused in one line (never every row left undated with no word).

    Raises
    ------
    InputFileError
        The comments state a first day that cannot be taken as it stands.
    """
    if overrides.get("date") is not None:
        return overrides, day_one
    counted, unclear = stated
    column = counted[0] if counted else (unclear[0] if unclear else "")
    if day_one is not None:  # the day given: the column the comments name counts from it
        return ({**overrides, "date": column} if column else overrides), day_one
    if counted:
        return {**overrides, "date": counted[0]}, counted[1]
    if not unclear:
        return overrides, day_one
    first = _told_first_day(unclear, dayfirst)
    if first is None:
        raise InputFileError(name, _unclear_day(*unclear))
    return {**overrides, "date": unclear[0]}, first


_AB_YEAR = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")


def _told_first_day(unclear: tuple[str, str, str], dayfirst: bool | None) -> str | None:
    """Return day 1 of a first day that reads two ways, once ``dayfirst`` says which."""
    column, text, how = unclear
    ab = _AB_YEAR.fullmatch(text.strip())
    if not column or ab is None or dayfirst is None or how == "since":
        return None
    a, b, y = (int(g) for g in ab.groups())
    day, month = (a, b) if dayfirst else (b, a)
    return pd.Timestamp(year=y, month=month, day=day).strftime("%Y-%m-%d")


def _unclear_day(column: str, text: str, how: str) -> str:
    """Say why a first day the comments state is not taken, and what to give."""
    said = f"days since {text}" if how == "since" else f"day 1 = {text}"
    if how == "since":
        first = _iso_or_none(text)
        after = day_one_of(first, "since") if first else "the day after"
        return (
            f"the comment lines say {said!r}: is that day 0 (as CF time units count) or "
            f"day 1? give `day_one` {after} if 0, {first or 'that day'} if 1"
            + (f" (column {column!r})" if column else "; and `date` (the column)")
        )
    if not column:
        return (
            f"the comment lines say {said!r} but no column is named as counting days: "
            "give `date` (the column) and `day_one` (day 1 as YYYY-MM-DD)"
        )
    if _AB_YEAR.fullmatch(text.strip()):
        return (
            f"the comment lines say {said!r}, which reads two ways (day/month or month/day): "
            f"give `day_one` (day 1 as YYYY-MM-DD) or `dayfirst` for column {column!r}"
        )
    return (
        f"the comment lines say {said!r}, which is no date read here: give `day_one` "
        f"(day 1 as YYYY-MM-DD) for column {column!r}"
    )


def _iso_or_none(text: str) -> str | None:
    """Return an ISO day as written (``2004-01-01``), else None."""
    text = text.strip()
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return None
    try:
        return pd.Timestamp(text).strftime("%Y-%m-%d")
    except ValueError:
        return None


#: columns that hold a row's geometry as WKT text (UCDP GED's ``geom_wkt``, QGIS's ``WKT``)
WKT_KEYS = ("geom_wkt", "wkt", "wkt_geom", "geometry", "the_geom", "geom", "shape")


def wkt_points(frame: pd.DataFrame, name: str) -> tuple[gpd.GeoSeries | None, list[str]]:
    """Return a text table's WKT point column as its geometry, when it has no coordinates.

    A table without latitude/longitude columns whose ``geom_wkt`` (``WKT``, ``geometry``...)
    holds ``POINT (lon lat)`` in every non-blank cell is placed by those points, as a GIS
    file would be; a column of anything else is left as text, with a note.
    """
    by_key = {header_key(c): str(c) for c in frame.columns}
    col = next((by_key[k] for k in WKT_KEYS if k in by_key), None)
    if col is None:
        return None, []
    import shapely

    text = frame[col].astype(object).where(~blank_mask(frame[col]), None)
    shapes = shapely.from_wkt(text.to_numpy(dtype=object), on_invalid="ignore")
    given = text.notna().to_numpy()
    points = shapely.get_type_id(shapes) == 0
    if not given.any() or not points[given].all():
        return None, [
            f"{name}: column {col!r} is not WKT points in every row: kept as text, not "
            "used to place the rows"
        ]
    note = f"{name}: no latitude/longitude columns: placed by the WKT points of {col!r}"
    return gpd.GeoSeries(shapes, crs="EPSG:4326"), [note]


def kept_notes(kept: dict[str, Kept], name: str) -> list[str]:
    """Return one line per column whose words were kept as unknown values.

    Parameters
    ----------
    kept : dict
        :attr:`incidentmap.io.values.Problems.kept` (column -> count, first row, value,
        what the column holds).
    name : str
        The file, for the line.

    Returns
    -------
    list of str
    """
    lines = []
    for col, (count, row, value, what) in kept.items():
        more = f" and {count - 1:,} more" if count > 1 else ""
        said = f"are {what}" if what == UNKNOWN_CODE else f"are words, not {what}"
        lines.append(
            f"{name}: column {col!r}: {count:,} values {said} (row {row}: "
            f"{value}{more}): taken as unknown, the reason in input_note"
        )
    return lines


def readable_date_column(frame: pd.DataFrame, chosen: Preset, col: str, day_one: str | None) -> str:
    """Return the preset's date column, unless none of its values is a date and another is.

    A legacy ACLED R export's ``Date_`` holds a year code (4), not a date: a date column
    whose every value fails loses to the next candidate whose values read (the values,
    not only the header, decide a role). Checked on the first 200 values.
    """

    def share(c: str) -> float:
        sample = frame[c].head(200)
        quiet = Problems("", np.arange(1, len(sample) + 1), "keep")
        try:
            dates, _ = parse_dates(sample.reset_index(drop=True), c, quiet, day_one=day_one)
        except InputFileError:  # dates, but a/b/yyyy undecided: the real read says so
            return 1.0
        filled = (~blank_mask(sample)).sum()
        return float(dates.notna().sum() / filled) if filled else 1.0

    if share(col) > 0:
        return col
    by_key = {header_key(c): c for c in frame.columns}
    for key in chosen.columns.get("date", ()):
        other = by_key.get(key)
        if other is not None and other != col and share(other) > 0.5:
            return other
    return col


def year_dates(values: pd.Series, col: str, problems: Problems) -> tuple[pd.Series, pd.Series]:
    """Date rows known only by their year to 1 January, with ``date_precision = year``."""
    years = parse_numbers(
        values, col, problems, lo=1900, hi=2100, expected="a year from 1900 to 2100 (e.g. 2014)"
    )
    whole = np.isfinite(years) & (years == np.floor(years))
    problems.report(np.isfinite(years) & ~whole, col, values, "a year (e.g. 2014)")
    text = np.where(whole, np.char.add(np.nan_to_num(years).astype(int).astype(str), "-01-01"), "")
    dates = pd.to_datetime(pd.Series(text), format="%Y-%m-%d", errors="coerce")
    prec = pd.Series(np.where(whole, "year", None), dtype="object")
    return dates.astype("datetime64[ns]"), prec


#: month columns beside a year (HDX's ACLED tables: ``Month`` ``January``, ``Year`` ``2023``;
#: ACLED's province workbook: ``months`` ``Sept``)
MONTH_COLUMNS = ("month", "months", "imonth")


def year_month_dates(
    frame: pd.DataFrame, cols: tuple[str, str], problems: Problems, notes: list[str] | None = None
) -> tuple[pd.Series, pd.Series]:
    """Date rows known by their year and month to the month's first day (``month``).

    The month is a number (1-12; 0 or blank: only the year is known) or its English name
    (``January``, ``Jan``, ``Sept.``: :func:`~incidentmap.io.words.month_number`), or a date
    (:func:`_dated_months`); anything else is a value that cannot be read. A column of
    numbers counted from 0 (R's ``POSIXlt$mon`` and JavaScript's months: January is 0,
    December 11; :func:`_counted_from_zero`) is read so, and said in ``notes``.
    """
    yc, mc = cols
    raw = frame[mc]
    text = raw.astype(object).map(lambda v: v.strip().casefold() if isinstance(v, str) else v)
    text = text.astype(object)  # a column of Excel dates stays values, not datetime64
    named = text.map(month_number)
    cells = text.map(lambda v: isinstance(v, _dt.date | np.datetime64)).astype(bool)
    numbers = pd.to_numeric(text.where(named.isna() & ~cells, ""), errors="coerce").astype(float)
    if _counted_from_zero(numbers):
        zeros = float((numbers == 0).mean())
        numbers = numbers + 1
        if notes is not None:
            notes.append(
                f"{problems.path}: column {mc!r} holds the months as 0 to 11 (0 on {zeros:.0%} "
                "of its rows, never 12): counted from 0, as R and JavaScript count them, and "
                "read as January to December (a 0 is not an unknown month here)"
            )
    months = named.astype("float64").fillna(numbers)
    years, months = _dated_months(frame[yc], raw, months, problems)
    problems.report(
        months.isna().to_numpy() & ~blank_mask(raw), mc, raw,
        "a month (1-12, or its name: March, Mar, Sept., or a year and month: 2017-04)",
    )  # fmt: skip
    parts = pd.DataFrame({yc: years, mc: months.fillna(0), "_day": 0})
    return dates_from_parts(parts, (yc, mc, "_day"), problems)


def _dated_months(
    years: pd.Series, raw: pd.Series, months: pd.Series, problems: Problems
) -> tuple[pd.Series, pd.Series]:
    """Return the years and months of a month column's dates (``2017-04``, an Excel cell)."""
    todo = months.isna().to_numpy() & ~blank_mask(raw)
    if not todo.any():
        return years, months
    quiet = Problems(problems.path, np.asarray(problems.rows)[todo], "keep")
    try:
        dates, _ = parse_dates(raw[todo].reset_index(drop=True), str(raw.name), quiet)
    except InputFileError:  # dates, but their day order undecided: not months either
        return years, months
    got = dates.notna().to_numpy()
    at = np.flatnonzero(todo)[got]
    years, months = years.astype(object).copy(), months.copy()
    years.iloc[at] = dates[got].dt.year.to_numpy()
    months.iloc[at] = dates[got].dt.month.to_numpy()
    return years, months


def unnamed_date_note(frame: pd.DataFrame, mapping: dict[str, str], name: str) -> list[str]:
    """Say the columns that hold dates when none is read as the date (every row undated).

    Only listed names are taken as the date (``date``, ``event_date``, ``date_start``...):
    an ISO date column named otherwise (``Date of incident``, the war diary's
    ``DateOccurred``) left every row undated without a word. A column of which 90 % or
    more of the values (of 200 looked at) are ``YYYY-MM-DD`` days is named, with how to
    read it (``date``); nothing is guessed.
    """
    used = set(mapping.values())
    found = []
    for col in frame.columns:
        if col in used or not len(frame):
            continue
        sample = frame[col].astype(object).dropna().astype(str).str.strip().head(200)
        sample = sample[sample != ""]
        days = sample.str.fullmatch(r"\d{4}-\d{2}-\d{2}(?:[ T][\d:.]+\S*)?")
        if len(sample) and float(days.mean()) >= 0.9:
            found.append(str(col))
    if not found:
        return []
    cols = ", ".join(repr(c) for c in found[:3])
    return [
        f"{name}: no column is read as the date (every row is undated), but {cols} "
        f"hold{'s' if len(found) == 1 else ''} dates: `date` {found[0]!r} reads "
        f"{'it' if len(found) == 1 else 'one'} as the event's date"
    ]


def _counted_from_zero(numbers: pd.Series) -> bool:
    """Tell whether a column of month numbers counts from 0 (January) to 11 (December).

    At least 24 whole numbers over ten or more months, 0 to 11 and never 12, with 0 as
    common as a month (half the middle month's share or more): a count from 1 with 0 for an
    unknown month (GTD's ``imonth``) reaches 12 over a whole year and holds few zeros, and
    one that stops in November (a year to date) holds far fewer 0s than months.
    """
    v = numbers.dropna()
    if len(v) < 24 or not (v == v.round()).all():
        return False
    shares = v.value_counts(normalize=True)
    months = shares.drop(0, errors="ignore")
    return bool(v.min() == 0 and v.max() == 11 and v.nunique() >= 10 and (v == 0).mean() >= 0.02
                and shares.get(0, 0.0) >= 0.5 * months.median())  # fmt: skip


#: header keys never taken for a role a preset's own columns leave open: the publishers'
#: ``region`` is a world region (ACLED "Caucasus and Central Asia", UCDP "Asia", GTD 6)
_NO_FALLBACK = frozenset({"region"})
#: the roles whose common names a publisher's file may carry when renamed (``lat``/``lon``
#: for ``latitude``/``longitude``, ``date`` for ``event_date``, ``province`` for ``admin1``)
_FALLBACK_ROLES = (
    "event_id", "date", "latitude", "longitude", "fatalities", "injured",
    "stated_province", "stated_district", "stated_place",
)  # fmt: skip


def fallback_columns(preset: Preset) -> dict[str, tuple[str, ...]]:
    """Return the common names (the generic layout's) of the roles ``preset`` may miss.

    A publisher's export renamed by hand or by a tool (``lat``/``lon``, ``date``,
    ``province``) still names its roles in the common way: those names fill the roles the
    preset's own columns leave open, never a world ``region``. A preset that gives a role
    no column on purpose (ACLED's aggregated data and their centroids) is left as it is.
    """
    if preset.name in ("generic", "acled_weekly"):
        return {}
    generic = PRESETS["generic"].columns
    return {
        role: tuple(k for k in generic[role] if k not in _NO_FALLBACK) for role in _FALLBACK_ROLES
    }


#: the roles that say where, and nothing else
_PLACE_ROLES = frozenset(
    {"stated_province", "stated_district", "stated_place", "latitude", "longitude"}
)
#: tolls a group's subtotal row carries beside its place
_COUNT_ROLES = frozenset({"fatalities", "injured"})


def bare_place_rows(
    frame: pd.DataFrame, mapping: dict[str, str], chosen: Preset, extra: tuple[str, ...]
) -> np.ndarray:
    """Return the rows of a publisher's layout that state nothing but a place.

    Every record of ACLED, UCDP GED and GTD has its date and its type (and, where the
    layout has them, its event id). A row of such a file with no id, no date and nothing
    else the layout reads (type, actors, notes), only a place and perhaps a toll (a derived
    column copied down, as GTD's extract does at its row 1,778; a group's heading, `Kabul`,
    or its subtotal without the word, `Herat | 55`, in a workbook of ACLED's rows), is no
    record of the publisher: counted as an incident it adds one to its province, and its
    toll a second time. A file of the generic layout keeps such rows (an analyst's list may
    know no more of an incident), and so does a publisher's file none of whose rows is more.
    """
    empty = np.zeros(0, dtype=np.int64)
    if chosen.name == "generic" or not len(frame):
        return empty
    blank = np.ones(len(frame), dtype=bool)
    for col in _record_columns(frame, mapping, extra):
        blank &= np.asarray(blank_mask(frame[col]), dtype=bool)
    return np.flatnonzero(blank) if (~blank).any() else empty


def _record_columns(frame: pd.DataFrame, mapping: dict[str, str], extra: tuple[str, ...]) -> list:
    """Return the columns a layout reads other than its place (its date parts too)."""
    by_key = {header_key(c): str(c) for c in frame.columns}
    said = {
        c for role, c in mapping.items()
        if role not in _PLACE_ROLES | _COUNT_ROLES and c in frame.columns
    }  # fmt: skip
    return sorted(said | {by_key[k] for k in extra if k in by_key})


def bare_place_note(
    frame: pd.DataFrame, mapping: dict[str, str], found: np.ndarray, rows: np.ndarray, name: str,
    title: str,
) -> str:  # fmt: skip
    """Say the rows :func:`bare_place_rows` found: each one's row number and its place.

    ``found`` are positions in ``frame``; ``rows`` numbers the table's rows; the first ten.
    """
    cols = [mapping[r] for r in (*sorted(_PLACE_ROLES), "fatalities") if r in mapping]
    shown = []
    for i in found[:10]:
        cells = [frame[c].iloc[[i]] for c in cols]
        place = [str(v.iloc[0]) for v in cells if not np.asarray(blank_mask(v)).all()]
        shown.append(f"row {rows[i]}" + (f" ({', '.join(place)})" if place else ""))
    more = f" and {len(found) - 10:,} more" if len(found) > 10 else ""
    n = len(found)
    return (
        f"{name}: {n:,} row{'s' if n != 1 else ''} with no event id, no date "
        f"and nothing but a place (and perhaps a toll), not a record of the {title} (whose "
        f"every record has a date and a type): left out: "
        f"{'; '.join(shown)}{more}"
    )
