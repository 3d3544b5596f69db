"""The canonical columns :func:`incidentmap.io.assemble.assemble_facts` reads from a raw table.

A :class:`RawTable` is one table (a file or a block of it) whose columns are found: the
readers here take their values from it, report bad ones to its :class:`Problems` and add
to its notes. Dates (with the span to an end date and a source's precision codes),
tolls, the decimal mark, coordinates (columns or point geometry) and precision codes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from incidentmap._coded import coded_text
from incidentmap.errors import plural
from incidentmap.io.dates import apply_precision_codes, dates_from_parts, parse_dates
from incidentmap.io.numbers import (
    decimal_mark,
    has_undecided_counts,
    parse_coordinates,
    parse_counts,
    reads_other_way,
)
from incidentmap.io.roles import (
    MONTH_COLUMNS,
    first_column,
    readable_date_column,
    unnamed_date_note,
    year_dates,
    year_month_dates,
)
from incidentmap.io.values import NotInBlocks, Problems, blank_mask, clean_text
from incidentmap.schema import (
    DATE_PRECISION_COLUMNS,
    PRECISION_COLUMNS,
    WEAK_COORDINATE_KEYS,
    YEAR_COLUMNS,
    Preset,
    header_key,
)
from incidentmap.spans import DATE_END_KEYS, coarser_precision, implied_precision

__all__ = [
    "PLAUSIBLE_SHARE",
    "RawTable",
    "coordinates",
    "decide_mark",
    "event_types",
    "fatalities",
    "source_precision",
    "table_dates",
    "table_decimal_mark",
    "toll_columns",
]

#: the region where plausible coordinates of Afghan incidents fall (generous: borders,
#: neighbours, swapped pairs are handled by geocoding)
_REGION = (50.0, 20.0, 85.0, 45.0)  # min lon, min lat, max lon, max lat


#: a coordinate column is used only when at least this share of its values is plausible
PLAUSIBLE_SHARE = 0.5


@dataclass
class RawTable:
    """A raw table being assembled: its columns found, its problems and notes collected.

    Attributes
    ----------
    frame : pandas.DataFrame
        The table's columns (an HXL hashtag row dropped, the geometry apart).
    name : str
        The file, for messages.
    chosen : Preset
        Its column layout.
    mapping : dict of str to str
        Canonical column -> the table's column that feeds it (readers update it).
    problems : Problems
        Where bad values are reported.
    notes : list of str
        Lines about the whole file.
    rows : numpy.ndarray
        The 1-based data row of each position.
    hxl : dict of str to str, optional
        The roles an HXL hashtag row named.
    overrides : dict of str to str or None
        The columns the caller named.
    day_one : str, optional
        Day 1 of a column of day numbers.
    geom : geopandas.GeoSeries, optional
        The table's geometry (GIS formats).
    codec : str, optional
        The text encoding the file was decoded with.
    arrow : bool
        Text as Arrow text (for file writers), not objects.
    """

    frame: pd.DataFrame
    name: str
    chosen: Preset
    mapping: dict[str, str]
    problems: Problems
    notes: list[str]
    rows: np.ndarray
    hxl: dict[str, str] | None
    overrides: dict[str, str | None]
    day_one: str | None
    geom: gpd.GeoSeries | None
    codec: Any
    arrow: bool

    @property
    def n(self) -> int:
        """The number of rows."""
        return len(self.frame)

    def nones(self) -> pd.Series:
        """Return a text column of missing values, one per row."""
        return _arrow_nones(self.n) if self.arrow else _nones(self.n)

    def text(self, key: str, *, strip: bool = False) -> pd.Series:
        """Return the text column that feeds ``key`` (missing everywhere without one)."""
        col = self.mapping.get(key)
        if col is None:
            return self.nones()
        return clean_text(self.frame[col], strip=strip).reset_index(drop=True)


def _nones(n: int) -> pd.Series:
    """Return an object column of ``n`` None (no list of a million Nones on the way)."""
    return pd.Series(np.empty(n, dtype=object), dtype=object, copy=False)


def _arrow_nones(n: int) -> pd.Series:
    """Return an Arrow text column of ``n`` missing values."""
    return pd.Series(coded_text(np.full(n, -1, dtype=np.int64), [], arrow=True), copy=False)


def event_types(t: RawTable) -> pd.Series:
    """Return the event types, a preset's codes replaced by their names."""
    etype = t.text("event_type")
    codes = t.chosen.event_type_codes
    if not codes:
        return etype
    return etype.map(lambda v: codes.get(str(v).split(".")[0], v) if v is not None else v)


def table_dates(t: RawTable, dayfirst: bool | None) -> tuple[pd.Series, pd.Series]:
    """Return the dates and their precision (none without a date column).

    From year, month and day columns, else a date column (the one its values choose),
    else a year column; an end date and a source's precision codes coarsen them.
    """
    frame, chosen, mapping, problems = t.frame, t.chosen, t.mapping, t.problems
    by_key = {header_key(c): c for c in frame.columns}
    parts = chosen.date_parts
    if t.overrides.get("date") is None and parts and all(p in by_key for p in parts):
        cols = (by_key[parts[0]], by_key[parts[1]], by_key[parts[2]])
        dates, prec = dates_from_parts(frame, cols, problems)
        mapping.pop("date", None)
        mapping["date_parts"] = ", ".join(cols)
    elif "date" in mapping or _period_start(t, by_key):
        dates, prec = _year_fallback(t, *_column_dates(t, dayfirst))
    elif (year_col := first_column(frame, _hxl(t, "year"), YEAR_COLUMNS)) is not None:
        month_col = first_column(frame, _hxl(t, "month"), MONTH_COLUMNS)
        if month_col is None:
            dates, prec = year_dates(frame[year_col], year_col, problems)
            mapping["date_year"] = year_col
        else:  # a table of months (HDX's ACLED counts: Month January, Year 2023)
            dates, prec = year_month_dates(frame, (year_col, month_col), problems, t.notes)
            mapping["date_parts"] = f"{year_col}, {month_col}"
    else:
        t.notes.extend(unnamed_date_note(frame, t.mapping, t.name))
        return pd.Series(pd.NaT, index=range(t.n), dtype="datetime64[ns]"), t.nones()
    return _refine_precision(frame, chosen, mapping, by_key, dates, prec, problems)


def _year_fallback(t: RawTable, dates: pd.Series, prec: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Date a row whose date cell is blank by the year beside it (``date_precision`` year).

    ACLED's and UCDP's rows state ``year`` beside the date; a row whose date was left
    blank is still known to its year (it was counted in no period).
    """
    year_col = first_column(t.frame, _hxl(t, "year"), YEAR_COLUMNS)
    date_col = t.mapping.get("date")
    if year_col is None or year_col == date_col or not dates.isna().any():
        return dates, prec
    blank = dates.isna().to_numpy() & blank_mask(t.frame[date_col]) if date_col else dates.isna()
    rows = np.flatnonzero(np.asarray(blank) & ~blank_mask(t.frame[year_col]))
    if not len(rows):
        return dates, prec
    quiet = Problems(t.problems.path, t.rows[rows], "keep")  # a year it cannot read: no date
    years, year_prec = year_dates(t.frame[year_col].iloc[rows].reset_index(drop=True), year_col,
                                  quiet)  # fmt: skip
    known = years.notna().to_numpy()
    dates, prec = dates.copy(), prec.copy()
    dates.iloc[rows[known]] = years[known].to_numpy()
    prec.iloc[rows[known]] = year_prec[known].to_numpy()
    t.notes.append(
        f"{t.name}: {int(known.sum()):,} row{'s' if known.sum() != 1 else ''} with no "
        f"{date_col!r} but a {year_col!r} (row {int(t.rows[rows[known][0]])}"
        f"{' and more' if known.sum() > 1 else ''}): dated to the year (date_precision year)"
    )
    return dates, prec


def _hxl(t: RawTable, role: str) -> str | None:
    """Return the column an HXL hashtag row gives ``role`` (``year``, ``month``), if any."""
    return (t.hxl or {}).get(role)


def _column_dates(t: RawTable, dayfirst: bool | None) -> tuple[pd.Series, pd.Series]:
    """Read the date column (unless the caller named it, the one its values choose)."""
    if t.overrides.get("date") is None:
        t.mapping["date"] = _date_column(
            t.frame, t.chosen, t.mapping["date"], t.problems, t.day_one
        )
    col = t.mapping["date"]
    dayfirst = dayfirst if dayfirst is not None else t.chosen.dayfirst
    return parse_dates(
        t.frame[col], col, t.problems, dayfirst=dayfirst, day_one=t.day_one, arrow=t.arrow
    )


#: the start of a row's span, the date when no column is named one (HDX HAPI's codebook:
#: ``reference_period_start``/``_end``, whether or not the HXL row ``#date+start`` is there)
_DATE_START_KEYS = ("reference_period_start", "date_start", "start_date")


def _period_start(t: RawTable, by_key: dict[str, str]) -> bool:
    """Take a span's start column as the date when nothing else is one; say if taken."""
    start = next((by_key[k] for k in _DATE_START_KEYS if k in by_key), None)
    if start is None:
        return False
    t.mapping["date"] = start
    return True


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
    ends = (chosen.date_end, *DATE_END_KEYS) if chosen.date_end else DATE_END_KEYS
    end = next((by_key[k] for k in ends if k in by_key), None)
    if end is not None and mapping.get("date") != end:
        prec = _span_precision(frame, (mapping.get("date", ""), end), dates, prec, problems)
    dates, prec = _coded_precision(frame, chosen, mapping.get("date_precision"), dates, prec)
    if chosen.date_period:  # a count of the week (ACLED's aggregated data): never a day
        stated = pd.Series(np.where(dates.notna(), chosen.date_period, None), dtype="object")
        prec = coarser_precision(prec, stated)
    return dates, prec


def _coded_precision(
    frame: pd.DataFrame, chosen: Preset, code_col: str | None, dates: pd.Series, prec: pd.Series
) -> tuple[pd.Series, pd.Series]:
    """Apply a source's own precision codes (ACLED ``time_precision``, UCDP ``date_prec``)."""
    if not code_col:
        return dates, prec
    table = DATE_PRECISION_COLUMNS.get(header_key(code_col), chosen.date_precision_codes)
    if not table:
        return dates, prec
    prec = apply_precision_codes(frame[code_col], table, prec)
    return (_week_starts(dates, prec) if chosen.week_middle else dates), prec


def _week_starts(dates: pd.Series, prec: pd.Series) -> pd.Series:
    """Move a week dated by its middle day (ACLED) to the week's first day, 3 days before."""
    mid = (prec == "week").to_numpy() & dates.notna().to_numpy()
    return dates.where(~mid, dates - pd.Timedelta(days=3))


def _span_precision(
    frame: pd.DataFrame,
    cols: tuple[str, str],
    dates: pd.Series,
    prec: pd.Series,
    problems: Problems,
) -> pd.Series:
    """Coarsen each date's precision by the span to its end date (a week, month, year).

    A span that ends before it starts is a bad value of the end column (refused, or kept
    with the reason under ``on_bad="keep"``, the row then undated).
    """
    start_col, end_col = cols
    quiet = Problems(problems.path, problems.rows, "keep")
    ends, _ = parse_dates(frame[end_col], end_col, quiet)
    # the end as an ISO day, whatever its form (31/12/2015, an Excel date): every later
    # step reads the span from it (incidentmap.spans.end_column)
    iso = ends.dt.strftime("%Y-%m-%d").to_numpy(dtype=object)
    frame[end_col] = np.where(ends.notna().to_numpy(), iso, frame[end_col].to_numpy(dtype=object))
    span = (ends - dates).dt.days.to_numpy()
    backwards = np.isfinite(span) & (span < 0)
    if backwards.any():
        problems.report(
            backwards, end_col, frame[end_col].reset_index(drop=True),
            f"an end on or after the start (column {start_col!r}): the period ends before it "
            "starts",
        )  # fmt: skip
        dates[backwards] = pd.NaT
        prec = prec.where(~backwards, None)
    coarser = implied_precision(span)
    wider = np.isfinite(span) & (span > 0)
    return coarser_precision(prec, pd.Series(np.where(wider, coarser, None), dtype="object"))


def fatalities(t: RawTable, mark: str | None) -> np.ndarray:
    """Return the fatalities: the column, else the sum of a preset's parts (with a note)."""
    frame, chosen = t.frame, t.chosen
    col = t.mapping.get("fatalities")
    if col:
        return parse_counts(frame[col], col, t.problems, mark=mark)
    by_key = {header_key(c): c for c in frame.columns}
    parts = [by_key[p] for p in chosen.fatalities_parts if p in by_key]
    if not parts:
        return np.full(len(frame), np.nan)
    values = np.column_stack([parse_counts(frame[c], c, t.problems, mark=mark) for c in parts])
    total = np.where(np.isnan(values).all(axis=1), np.nan, np.nansum(values, axis=1))
    missing = [p for p in chosen.fatalities_parts if p not in by_key]
    how = " + ".join(parts)
    t.notes.append(
        f"{t.name}: fatalities = {how}"
        + (f" ({', '.join(missing)} absent: the total may be low)" if missing else "")
    )
    return total


def table_decimal_mark(t: RawTable) -> str | None:
    """Return the decimal mark the coordinates (else the tolls) of this table show."""
    frame, mapping = t.frame, t.mapping
    coords = [frame[mapping[k]] for k in ("latitude", "longitude") if k in mapping]
    mark = decimal_mark(coords, toll_columns(t))
    if mark is not None and "mark_by_tolls" not in t.problems.decided:
        t.problems.decided["mark_by_tolls"] = decimal_mark(coords, []) is None
    return mark


def decide_mark(t: RawTable, given: str | None, decided: str | None, blocks: bool) -> str | None:
    """Return the file's decimal mark: ``given``, else an earlier block's, else this table's.

    Read in blocks, a question one block cannot answer sends the file to be read whole
    (:class:`~incidentmap.io.values.NotInBlocks`): a toll like ``1.000`` before any value
    showed the mark, or one reading as thousands in the other convention (``1,000``) when
    the tolls alone decided it (a whole read refuses such a file).
    """
    if given:
        return given
    mark = decided or table_decimal_mark(t)
    tolls = toll_columns(t) if blocks else []
    if blocks and mark is None and has_undecided_counts(tolls):
        raise NotInBlocks("the blocks read so far do not show the file's decimal mark")
    if (
        mark is not None
        and t.problems.decided.get("mark_by_tolls")
        and reads_other_way(tolls, mark)
    ):
        raise NotInBlocks("a toll reads two ways: the whole file decides its decimal mark")
    return mark


def toll_columns(t: RawTable) -> list[pd.Series]:
    """Return the table's toll columns (fatalities, injured, a preset's parts)."""
    frame, mapping = t.frame, t.mapping
    by_key = {header_key(c): c for c in frame.columns}
    names = [mapping.get("fatalities"), mapping.get("injured")]
    names += [by_key.get(p) for p in t.chosen.fatalities_parts]
    return [frame[c] for c in dict.fromkeys(names) if c]


def _plausible(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    x0, y0, x1, y1 = _REGION
    inside = (lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1)
    swapped = (lat >= x0) & (lat <= x1) & (lon >= y0) & (lon <= y1)
    return inside | swapped


def coordinates(
    t: RawTable, use: bool, decided: bool | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Return (latitude, longitude): from the mapped columns, else from point geometry.

    Columns whose values are mostly not coordinates near Afghanistan are unmapped (with
    a note) unless the caller named them; ``decided`` is what the first block found.
    """
    empty = (np.full(t.n, np.nan), np.full(t.n, np.nan))
    if not use:
        return empty
    mapped = "latitude" in t.mapping and "longitude" in t.mapping
    if mapped and decided is False:
        del t.mapping["latitude"], t.mapping["longitude"]  # the first block found them not
        return empty  # coordinates
    if mapped:
        columns = _placeholders(t, *(_column_coordinates(t, decided) or empty))
        return _with_geometry(t, *columns) if t.geom is not None else columns
    if t.geom is not None:
        return _placeholders(t, *_geometry_coordinates(t.geom, t.problems, t.n))
    return empty


#: points tools write for "somewhere in Afghanistan": the country's centre as Google Maps
#: gives it (33.93911, 67.709953, and rounded), and as the CIA World Factbook and GeoNames
#: give it (33 N 65 E; 33 N 66 E)
COUNTRY_POINTS = ((33.93911, 67.709953), (33.9, 67.7), (33.0, 65.0), (33.0, 66.0))


def _placeholders(t: RawTable, la: np.ndarray, lo: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Take the points that stand for no place as none: 0, 0 and the country's centre.

    0, 0 is a blank a tool filled with zeros; the country's centre (:data:`COUNTRY_POINTS`,
    to about 500 m) is "somewhere in Afghanistan". Such a row is placed by its names (or
    said unplaced for having none), never at a point in the Gulf of Guinea or in Nawur; a
    point in whole degrees (34, 70: +-55 km) gives way to names the row gives, said. Its
    ``input_note`` and one note for the file say so.
    """
    zero = (la == 0) & (lo == 0)
    centre = np.zeros(len(la), dtype=bool)
    for y, x in COUNTRY_POINTS:
        centre |= (np.abs(la - y) < 0.005) & (np.abs(lo - x) < 0.005)
    whole = (la == np.round(la)) & (lo == np.round(lo)) & ~zero & ~centre
    if whole.any():  # the names are read only when a point is in whole degrees
        whole &= _named(t)
    said = (
        (zero, "coordinates 0, 0 taken as none (a placeholder, not a place)", "at 0, 0"),
        (centre, "coordinates at Afghanistan's centre taken as none (a placeholder for an "
         "unknown place)", "at Afghanistan's centre"),
        (whole, "coordinates in whole degrees (+-55 km) taken as none: placed by the names "
         "given", "in whole degrees"),
    )  # fmt: skip
    for mask, why, where in said:
        if not mask.any():
            continue
        for i in np.flatnonzero(mask).tolist():
            t.problems.notes.setdefault(i, []).append(why)
        t.notes.append(
            f"{t.name}: {plural(int(mask.sum()), 'row')} {where} (the first: row "
            f"{int(t.rows[np.flatnonzero(mask)[0]])}): no place; placed by names where the row "
            "gives them"
        )
    none = zero | centre | whole
    return np.where(none, np.nan, la), np.where(none, np.nan, lo)


def _named(t: RawTable) -> np.ndarray:
    """Tell the rows that name a place, a district or a province."""
    named = np.zeros(t.n, dtype=bool)
    for key in ("stated_place", "stated_district", "stated_province"):
        if key in t.mapping:
            text = t.text(key, strip=True)
            named |= (text.notna() & (text.astype("string") != "")).fillna(False).to_numpy(bool)
    return named


#: how far apart (degrees, about 1 km) a feature's geometry and its coordinate columns may be
_SAME_POINT = 0.01


def _with_geometry(t: RawTable, la: np.ndarray, lo: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Coordinate columns beside a GIS file's point geometry: the columns where they are given.

    A row whose columns are blank takes its geometry's point; a row whose columns and
    geometry disagree (a GeoJSON feature in Herat whose ``latitude``/``longitude`` say
    Nangarhar) keeps the columns, with a ``conflict:`` note naming both (geocode flags it).
    """
    quiet = Problems(t.problems.path, t.problems.rows, "keep")
    g_la, g_lo = _geometry_coordinates(t.geom, quiet, t.n)
    have = np.isfinite(la) & np.isfinite(lo)
    take = ~have & np.isfinite(g_la) & np.isfinite(g_lo)
    la, lo = np.where(take, g_la, la), np.where(take, g_lo, lo)
    apart = (
        have
        & np.isfinite(g_la)
        & ((np.abs(la - g_la) > _SAME_POINT) | (np.abs(lo - g_lo) > _SAME_POINT))
    )
    lat_c, lon_c = t.mapping["latitude"], t.mapping["longitude"]
    for i in np.flatnonzero(apart).tolist():
        t.problems.notes.setdefault(i, []).append(
            f"conflict: the geometry is at {g_la[i]:.5f}, {g_lo[i]:.5f} but columns "
            f"{lat_c!r}/{lon_c!r} say {la[i]:.5f}, {lo[i]:.5f}: placed by the columns"
        )
    if take.any():
        t.notes.append(
            f"{t.name}: {plural(int(take.sum()), 'row')} with blank {lat_c!r}/{lon_c!r} placed by "
            "their geometry"
        )
    return la, lo


def _column_coordinates(t: RawTable, decided: bool | None) -> tuple[np.ndarray, np.ndarray] | None:
    """Read the latitude and longitude columns; None when their values are not coordinates."""
    frame, problems = t.frame, t.problems
    lat_c, lon_c = t.mapping["latitude"], t.mapping["longitude"]
    la, bad_la = parse_coordinates(frame[lat_c], lat_c, problems, "lat")
    lo, bad_lo = parse_coordinates(frame[lon_c], lon_c, problems, "lon")
    explicit = t.overrides.get("latitude") is not None or t.overrides.get("longitude") is not None
    if not explicit and decided is None and _not_coordinates(t, la, lo):
        return None
    problems.report(bad_la, lat_c, frame[lat_c], "a latitude in degrees (-90 to 90)")
    problems.report(bad_lo, lon_c, frame[lon_c], "a longitude in degrees (-180 to 180)")
    half = np.isfinite(la) != np.isfinite(lo)
    problems.report(half & np.isnan(la), lat_c, frame[lat_c], "a latitude with the longitude")
    problems.report(half & np.isnan(lo), lon_c, frame[lon_c], "a longitude with the latitude")
    both = np.isfinite(la) & np.isfinite(lo)
    la[~both] = np.nan
    lo[~both] = np.nan
    return la, lo


def _not_coordinates(t: RawTable, la: np.ndarray, lo: np.ndarray) -> bool:
    """Say (and note) when too few values of the mapped columns are plausible; unmap them."""
    lat_c, lon_c = t.mapping["latitude"], t.mapping["longitude"]
    given = ~blank_mask(t.frame[lat_c]) | ~blank_mask(t.frame[lon_c])
    both = np.isfinite(la) & np.isfinite(lo)
    share = _plausible(la, lo)[both].sum() / max(int(given.sum()), 1)
    if not (given.any() and share < PLAUSIBLE_SHARE):
        return False
    weak = {header_key(lat_c), header_key(lon_c)} & WEAK_COORDINATE_KEYS
    what = "columns" + (" (names that only suggest coordinates)" if weak else "")
    t.notes.append(
        f"{t.name}: ignored {what} {lat_c!r}/{lon_c!r} as coordinates: "
        f"{share:.0%} of their values are longitude/latitude near Afghanistan "
        "(name them with `lat`/`lon` to use them anyway)"
    )
    del t.mapping["latitude"], t.mapping["longitude"]
    return True


def _geometry_coordinates(
    geom: gpd.GeoSeries, problems: Problems, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """Read point geometry (a GIS layer; a MultiPoint of one point is it) as lon/lat."""
    g = geom
    if g.crs is not None and not g.crs.equals("EPSG:4326"):
        g = g.to_crs("EPSG:4326")
    present = (g.notna() & ~g.is_empty).to_numpy(dtype=bool)
    kinds = g.geom_type.to_numpy(dtype=object)
    one = present & (kinds == "MultiPoint") & (shapely.get_num_geometries(g.values) == 1)
    shapes, kinds = np.where(one, shapely.get_geometry(g.values, 0), g.values), kinds.copy()
    kinds[one] = "Point"
    other = present & (kinds != "Point")
    if other.any():
        i = int(np.flatnonzero(other)[0])
        problems.fail(i, "geometry", f"expected point geometry, got {kinds[i]}")
    la = np.full(n, np.nan)
    lo = np.full(n, np.nan)
    xy = shapely.get_coordinates(shapes[present])
    lo[present], la[present] = xy[:, 0], xy[:, 1]
    bad = present & ~((np.abs(la) <= 90) & (np.abs(lo) <= 180) & np.isfinite(la + lo))
    shown = pd.Series([f"POINT ({x} {y})" for x, y in zip(lo, la, strict=True)])
    problems.report(bad, "geometry", shown, "a point in longitude/latitude degrees")
    la[bad] = np.nan
    lo[bad] = np.nan
    return la, lo


def source_precision(t: RawTable) -> pd.Series:
    """Return each row's location precision from the source's own codes (none without)."""
    col = t.mapping.get("source_precision")
    table = PRECISION_COLUMNS.get(header_key(col), t.chosen.precision_codes) if col else {}
    if col is None or not table:
        return t.nones()
    codes = t.frame[col].map(lambda v: None if pd.isna(v) else str(v).strip().split(".")[0])
    return codes.map(lambda c: table.get(c) if c else None).astype("object")


# ---------------------------------------------------------------------------------------------
# rows that add up others: a Total under the table, a Subtotal between its groups
