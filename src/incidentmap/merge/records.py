"""Each source's rows as the arrays the merge compares: when, where, who, what, how many.

A row's **time** is an interval of days: a date known to the day is that day; to the week,
six days either side (publishers date a week by its first or its middle day); to the month
or the year, the whole calendar month or year; a row with a later ``date_end`` (UCDP) runs
to it. A row whose interval is longer than a day is an **episode**.

A row's **place** is its finest level: ``point`` (its coordinates, with a radius where the
source says the point is approximate: UCDP ``where_prec`` 2 is "within 25 km", ACLED
``geo_precision`` 2 "near" a town, read as 25 km too), ``district`` or ``province`` (the
area it was placed to), or none (unplaced, or placed only to the country: nothing to
match on; such rows are kept alone with that reason).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from incidentmap.actors import group_ids
from incidentmap.schema import header_key
from incidentmap.spans import end_column

__all__ = [
    "DUPLICATE_MARK", "LEVELS", "RADIUS_CODES", "Records", "days_apart", "duplicate_ids",
    "event_ids", "records_of", "state_bits",
]  # fmt: skip

#: place levels, finest first; ``none`` cannot be matched
LEVELS = ("point", "district", "province", "none")
#: a source's own precision codes that make a point approximate: column -> code -> km
RADIUS_CODES: dict[str, dict[str, float]] = {
    "where_prec": {"2": 25.0},
    "geo_precision": {"2": 25.0},
}
#: days either side of a date known only to the week
WEEK_DAYS = 6
_EARTH_KM = 6371.0088


@dataclass
class Records:
    """The rows of one source, as arrays (one element per row, in the frame's order)."""

    name: str
    frame: pd.DataFrame
    event_id: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    level: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    radius: np.ndarray
    district: np.ndarray
    province: np.ndarray
    category: np.ndarray
    groups: np.ndarray
    attribution: np.ndarray
    fatalities: np.ndarray
    injured: np.ndarray
    place: np.ndarray
    #: a hash per row of the columns two copies agree on (:mod:`~incidentmap.merge.same`),
    #: made when first needed
    copy_key: np.ndarray | None = None
    #: stated ids -> row, as written and by :func:`~incidentmap.merge.same.id_key` (each
    #: key one row holds), made when first needed
    id_rows: tuple[dict[str, int], dict[str, int]] | None = None

    def __len__(self) -> int:
        return len(self.event_id)

    @property
    def episode(self) -> np.ndarray:
        """True where the row's time is a range longer than a day."""
        return self.hi > self.lo


def _days(values: pd.Series) -> np.ndarray:
    """Days since 1970-01-01 as floats (NaN where there is no date)."""
    d = pd.to_datetime(values, errors="coerce")
    out = d.to_numpy(dtype="datetime64[D]").astype("int64").astype(float)
    out[d.isna().to_numpy()] = np.nan
    return out


def _span_ends(frame: pd.DataFrame, lo: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's first and last day from its date, its precision and any ``date_end``."""
    dates = pd.to_datetime(frame["date"], errors="coerce") if "date" in frame else None
    if dates is None:
        nan = np.full(len(frame), np.nan)
        return nan, nan.copy()
    prec = frame.get("date_precision", pd.Series([None] * len(frame), index=frame.index))
    prec = prec.astype(object).to_numpy()
    first, last = lo.copy(), lo.copy()
    week = prec == "week"
    first[week] -= WEEK_DAYS
    last[week] += WEEK_DAYS
    for name, freq in (("month", "M"), ("year", "Y")):
        mask = (prec == name) & ~np.isnan(lo)
        if mask.any():
            periods = dates[mask].dt.to_period(freq)
            first[mask] = _days(periods.dt.start_time)
            last[mask] = _days(periods.dt.end_time.dt.normalize())
    col = end_column(frame.columns)  # UCDP's date_end, in any case (the reader made it ISO)
    if col is not None:
        end = _days(frame[col])
        # a range of two to seven days the source states (UCDP's date_prec 2: "within 2-6
        # days") is that range, not a week either side of its first day
        stated = week & ~np.isnan(end) & (end > lo) & (end - lo <= WEEK_DAYS)
        first[stated], last[stated] = lo[stated], end[stated]
        later = ~np.isnan(end) & (end > last)
        last[later] = end[later]
    return first, last


def _level(frame: pd.DataFrame) -> np.ndarray:
    prec = frame.get("geocode_precision", pd.Series([None] * len(frame), index=frame.index))
    prec = prec.astype(object).to_numpy()
    level = np.full(len(frame), "none", dtype=object)
    for name in ("point", "district", "province"):
        level[prec == name] = name
    return level


def _radius(frame: pd.DataFrame) -> np.ndarray:
    """Km of a source's own "approximately here" codes (0 for an exact point)."""
    radius = np.zeros(len(frame))
    by_key = {header_key(str(c)): c for c in frame.columns}
    for key, codes in RADIUS_CODES.items():
        if key in by_key:
            raw = frame[by_key[key]].astype(str).str.strip().str.removesuffix(".0").to_numpy()
            for code, km in codes.items():
                radius = np.where(raw == code, np.maximum(radius, km), radius)
    return radius


def _text(frame: pd.DataFrame, column: str) -> np.ndarray:
    if column not in frame:
        return np.full(len(frame), None, dtype=object)
    values = frame[column].astype(object)
    return values.where(values.notna() & (values.astype(str).str.strip() != ""), None).to_numpy()


#: one bit per actor group, the same for every source (the project's groups first)
_BITS: dict[str, int] = {}


def _group_bit(name: str) -> int:
    """Return the bit of a group id (a 65th name shares the last bit: never seen)."""
    if not _BITS:
        _BITS.update({g: k for k, g in enumerate(sorted(group_ids())[:64])})
    return _BITS.setdefault(name, min(len(_BITS), 63))


def state_bits() -> np.uint64:
    """Return the bits of the groups that are states' forces (one side of most events)."""
    out = np.uint64(0)
    for name in sorted(group_ids()):
        if name.endswith("-state") or "-state-" in name or name == "us-nato":
            out |= np.uint64(1) << np.uint64(_group_bit(name))
    return out


def _groups(frame: pd.DataFrame) -> np.ndarray:
    """Return the actor groups each row names, as the bits of an integer.

    Either side counts; ``unidentified`` is not a group; 0 when none is known.
    """
    out = np.zeros(len(frame), dtype=np.uint64)
    for col in ("actor1_group", "actor2_group"):
        if col not in frame:
            continue
        codes, uniques = pd.factorize(frame[col].astype(object), use_na_sentinel=True)
        masks = np.zeros(len(uniques) + 1, dtype=np.uint64)
        for k, value in enumerate(uniques):
            for name in str(value).split("|"):
                if name and name != "unidentified":
                    bit = _group_bit(name)
                    masks[k] |= np.uint64(1) << np.uint64(bit)
        out |= masks[codes]  # the sentinel -1 picks the last (empty) mask
    return out


def _coords(frame: pd.DataFrame, level: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    lon = np.full(len(frame), np.nan)
    lat = np.full(len(frame), np.nan)
    if "geometry" in frame:
        geom = frame.geometry if hasattr(frame, "geometry") else frame["geometry"]
        pts = level == "point"
        if pts.any():
            import shapely

            g = np.asarray(geom.to_numpy() if hasattr(geom, "to_numpy") else geom, dtype=object)
            lon[pts] = shapely.get_x(g[pts])
            lat[pts] = shapely.get_y(g[pts])
    return lon, lat


#: joins an event id said twice in one source to its occurrence number (``D1#2``)
DUPLICATE_MARK = "#"


def event_ids(frame: pd.DataFrame) -> np.ndarray:
    """Return each row's event id as the merge names it: unique within the source.

    A row without an id is ``row N`` (its row number). An id said on several rows keeps
    its text on the first (by row number; a real id before a ``row N`` made for a blank)
    and is ``ID#2``, ``ID#3``... on the others (the next number no row already has):
    the pairs file and ``source_ids`` name every row apart, and the text before the last
    ``#`` is the id the file gives (:func:`duplicate_ids` says which were renamed).
    """
    return _unique_ids(frame)[0]


def duplicate_ids(frame: pd.DataFrame) -> dict[str, list[str]]:
    """Return the ids said on more than one row -> the names the merge gives those rows."""
    return _unique_ids(frame)[1]


def _unique_ids(frame: pd.DataFrame) -> tuple[np.ndarray, dict[str, list[str]]]:
    frame = frame.reset_index(drop=True)
    ids = _text(frame, "event_id")
    rows = frame["row"].to_numpy() if "row" in frame else np.arange(1, len(frame) + 1)
    blank = np.array([i is None for i in ids], dtype=bool)
    text = np.array(
        [str(i).strip() if i is not None else f"row {r}" for i, r in zip(ids, rows, strict=True)],
        dtype=object,
    )
    out = text.copy()
    counts = pd.Series(text, dtype=object).value_counts()
    said = counts[counts > 1].index
    if not len(said):
        return out, {}
    taken = set(text.tolist())
    number = pd.to_numeric(pd.Series(rows), errors="coerce").to_numpy(dtype=float)
    renamed: dict[str, list[str]] = {}
    for value in sorted(said):
        where = np.flatnonzero(text == value)
        where = where[np.lexsort((np.arange(len(where)), number[where], blank[where]))]
        names = [value]
        n = 1
        for k in where[1:]:
            n += 1
            while f"{value}{DUPLICATE_MARK}{n}" in taken:
                n += 1
            out[k] = f"{value}{DUPLICATE_MARK}{n}"
            taken.add(out[k])
            names.append(out[k])
        renamed[value] = names
    return out, renamed


def days_apart(a: Records, i: np.ndarray, b: Records, j: np.ndarray) -> np.ndarray:
    """Return the days between the rows' date intervals (0 when they overlap)."""
    return np.maximum(0.0, np.maximum(a.lo[i], b.lo[j]) - np.minimum(a.hi[i], b.hi[j]))


def records_of(name: str, frame: pd.DataFrame) -> Records:
    """Read one placed source (a frame :func:`incidentmap.load_incidents` returned).

    Parameters
    ----------
    name : str
        The source's name (``acled``).
    frame : pandas.DataFrame
        Placed incidents in the canonical schema.

    Returns
    -------
    Records
    """
    frame = frame.reset_index(drop=True)
    level = _level(frame)
    lon, lat = _coords(frame, level)
    level[(level == "point") & (np.isnan(lon) | np.isnan(lat))] = "none"
    start = _days(frame["date"]) if "date" in frame else np.full(len(frame), np.nan)
    lo, hi = _span_ends(frame, start)
    ids = event_ids(frame)
    return Records(
        name=name,
        frame=frame,
        event_id=ids,
        lo=lo,
        hi=hi,
        level=level,
        lon=lon,
        lat=lat,
        radius=_radius(frame),
        district=_text(frame, "district_id"),
        province=_text(frame, "province_code"),
        category=_text(frame, "category"),
        groups=_groups(frame),
        attribution=_text(frame, "attribution"),
        fatalities=pd.to_numeric(frame.get("fatalities"), errors="coerce").to_numpy(dtype=float)
        if "fatalities" in frame
        else np.full(len(frame), np.nan),
        injured=pd.to_numeric(frame.get("injured"), errors="coerce").to_numpy(dtype=float)
        if "injured" in frame
        else np.full(len(frame), np.nan),
        place=_text(frame, "stated_place"),
    )


def haversine_km(
    lon1: np.ndarray, lat1: np.ndarray, lon2: np.ndarray, lat2: np.ndarray
) -> np.ndarray:
    """Great-circle distance in km between paired points."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(lon2 - lon1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * _EARTH_KM * np.arcsin(np.sqrt(np.clip(a, 0, 1)))
