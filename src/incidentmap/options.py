"""The typed parts a request is built from: how to read, place, filter and write.

These are plain frozen dataclasses that import nothing heavy, so the command line can build
a request before pandas or GeoPandas is loaded, and a notebook can build the same request.
Each part checks what it can check alone (:meth:`Filters.check`) before any file is read.
Fields are the library's words; the command line's option names live in ``cli/``.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from incidentmap._settings import MAX_POINTS
from incidentmap.errors import UsageError, one_line, refuse_unknown
from incidentmap.schema import PRESETS

__all__ = [
    "AREA_EVENTS",
    "ATTRIBUTIONS",
    "BLOCK_MB",
    "DECIMAL_MARKS",
    "DELIMITER_NAMES",
    "EXPORT_LAYERS",
    "GROUP_ROLES",
    "LEVELS",
    "LIMITS",
    "MAX_POINTS",
    "OPENS",
    "PERIOD_LAYOUTS",
    "PERIOD_NAMES",
    "PRECISIONS",
    "PRESET_NAMES",
    "SCHEMES",
    "TILE_NAMES",
    "Filters",
    "GeoOptions",
    "MapStyle",
    "Output",
    "ReadOptions",
    "check_dates",
    "check_delimiter",
    "check_flags",
    "check_part",
    "check_texts",
    "number",
    "read_day",
]

#: how an actor group is said to be responsible (see :mod:`incidentmap.actors`)
ATTRIBUTIONS = ("sole", "joint", "uncertain", "suspected", "claimed")
#: the size above which a CSV is geocoded block by block (MB), in bounded memory
BLOCK_MB = 8.0
#: the column layouts (publishers' presets) a file may be read as
PRESET_NAMES = tuple(PRESETS)
#: which side of an event a group must be: either, the perpetrator, or the one attacked
GROUP_ROLES = ("any", "perpetrator", "target")
#: the area levels counted and mapped
LEVELS = ("district", "province")
#: the periods counted and mapped (their calendar rules are in :mod:`incidentmap.aggregate`)
PERIOD_NAMES = ("day", "week", "month", "quarter", "year")
#: how precisely a row is placed
PRECISIONS = ("point", "district", "province")
#: the decimal marks a file's numbers may use
DECIMAL_MARKS = ("point", "comma")
#: the layers ``export`` writes
EXPORT_LAYERS = ("points", "districts", "provinces", "district_boundaries", "province_boundaries")
#: what the points layer does with incidents placed only to a district or province
AREA_EVENTS = ("omit", "layer", "points")
#: how per-period area counts are written: a long table beside the polygons, or features
PERIOD_LAYOUTS = ("long", "features")
#: colour class schemes of maps
SCHEMES = ("quantiles", "natural_breaks", "equal_interval", "user")
#: the period a page opens on (`open`)
OPENS = ("latest", "first", "cumulative")
#: background tiles of pages
TILE_NAMES = ("none", "osm", "carto", "carto-dark")
#: names a delimiter may be given by, besides one character
DELIMITER_NAMES = {"\\t": "\t", "tab": "\t", "TAB": "\t"}
#: the numbers a request holds: (least, most, whole number); the one home of each range, the
#: library's and the command line's (``k`` 0 drew a one-class legend, ``digits`` "x" wrote
#: whole degrees: every part and request refuses a value outside, naming the field)
LIMITS: dict[str, tuple[float | None, float | None, bool]] = {
    "snap_km": (0, 50, False),
    "fuzzy_threshold": (0, 100, False),
    "min_fatalities": (0, None, False),
    "max_fatalities": (0, None, False),
    "k": (1, 9, True),
    "max_points": (1, None, True),
    "digits": (0, 15, True),
    "km": (0, None, False),
    "limit": (0, None, True),
    "block_mb": (0, None, False),
    "baseline": (1, None, True),
    "permutations": (9, 9999, True),
    "alpha": (0.0001, 0.5, False),
    "png_periods": (1, 12, True),
    "days": (0, None, False),
}


def number(value: Any, name: str, *, required: bool = False) -> Any:
    """Return ``value`` as the number :data:`LIMITS` allows ``name``; None stays None.

    A number given as text (``"0.05"``, ``" 3 "``) is read as the command line reads it; a
    bool, a fraction where a whole number is wanted, nan, a value outside the range, or
    None when ``required``, is refused.

    Raises
    ------
    UsageError
        Naming the field and what it takes.
    """
    if value is None and not required:
        return None
    low, high, whole = LIMITS[name]
    read = _as_float(value)
    if read is None or (whole and not read.is_integer()) or not _within(read, low, high):
        raise UsageError(f"`{name}` must be {_range_words(name)}, not {_shown(value)}", field=name)
    return int(read) if whole else read


def _as_float(value: Any) -> float | None:
    """Return a finite number, or a text of one, as a float; None for anything else."""
    import math
    import numbers

    read = None
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        read = float(value)
    elif isinstance(value, str):
        with contextlib.suppress(ValueError):
            read = float(value.strip())
    return read if read is not None and math.isfinite(read) else None


def _within(read: float, low: float | None, high: float | None) -> bool:
    return (low is None or read >= low) and (high is None or read <= high)


def _shown(value: Any) -> str:
    """Return a value as a message shows it: its repr, on one line, cut."""
    return one_line(repr(value), 60)


def _range_words(name: str) -> str:
    """Say what :data:`LIMITS` allows ``name``: ``a whole number from 1 to 9``."""
    low, high, whole = LIMITS[name]
    kind = "a whole number" if whole else "a number"
    if high is None:
        return f"{kind} >= {low:g}"
    return f"{kind} from {low:g} to {high:g}"


def check_flags(part: Any, *names: str) -> None:
    """Refuse a field of ``part`` that should be True or False (``overwrite="no"`` replaced).

    Raises
    ------
    UsageError
    """
    for name in names:
        value = getattr(part, name)
        if not isinstance(value, bool) and type(value).__name__ != "bool_":
            raise UsageError(f"`{name}` must be True or False, not {_shown(value)}", field=name)
        object.__setattr__(part, name, bool(value))


def check_texts(part: Any, *names: str) -> None:
    """Refuse a field of ``part`` that should be text (or None) and is not (``title=123``).

    Raises
    ------
    UsageError
    """
    for name in names:
        value = getattr(part, name)
        if value is not None and not isinstance(value, str):
            raise UsageError(f"`{name}` must be text, not {_shown(value)}", field=name)


def check_part(value: Any, cls: type, name: str, *, none: bool = False) -> None:
    """Refuse a typed part that is not one (``filters={...}``, ``style="x"``).

    Raises
    ------
    UsageError
        Naming the field and the part it takes (its fields may be given as keywords).
    """
    if isinstance(value, cls) or (none and value is None):
        return
    msg = (
        f"`{name}` must be an incidentmap.{cls.__name__} (or its fields given one by one as "
        f"keywords), not {type(value).__name__} {_shown(value)}"
    )
    raise UsageError(msg, field=name)


def check_delimiter(delimiter: str | None) -> str | None:
    """Return the delimiter as one character (``tab`` -> a tab), or refuse it.

    Raises
    ------
    UsageError
        Neither one character nor a name of one.
    """
    if delimiter is None or len(delimiter) == 1:
        return delimiter
    if delimiter not in DELIMITER_NAMES:
        msg = f"`delimiter` must be one character (or 'tab'), not {delimiter!r}"
        raise UsageError(msg, field="delimiter")
    return DELIMITER_NAMES[delimiter]


@dataclass(frozen=True)
class ReadOptions:
    """The options of :func:`incidentmap.read_incidents`, as one value.

    Attributes
    ----------
    preset : str, default "auto"
        Column layout (``auto`` detects it from the header).
    lat, lon, date, province, district, place, event_id : str, optional
        Column names that override the preset's choice.
    encoding, delimiter, sheet, layer, comment, header, columns : optional
        How to read the table (see :func:`incidentmap.io.read_table`).
    day_one : str, optional
        The date column counts days, day 1 being this date.
    dayfirst : bool, optional
        How to read ``a/b/yy`` dates when the values do not decide it.
    coordinates : bool, default True
        False ignores coordinate columns (names only).
    on_bad : {"error", "keep"}, default "error"
        Refuse the first unreadable value, or keep the row with a note.
    decimal : {"point", "comma"}, optional
        The file's decimal mark (default: what its coordinates, else tolls, show).
    """

    preset: str = "auto"
    lat: str | None = None
    lon: str | None = None
    date: str | None = None
    province: str | None = None
    district: str | None = None
    place: str | None = None
    event_id: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | int | None = None
    layer: str | None = None
    comment: str | None = None
    header: bool = True
    columns: list[str] | None = None
    day_one: str | None = None
    dayfirst: bool | None = None
    coordinates: bool = True
    on_bad: str = "error"
    decimal: str | None = None

    def __post_init__(self) -> None:
        check_flags(self, "header", "coordinates")
        check_texts(self, "preset", "encoding", "delimiter", "comment", "day_one", "decimal")
        if self.dayfirst is not None:
            check_flags(self, "dayfirst")

    @classmethod
    def of(cls, read: ReadOptions | None = None, **kwargs: Any) -> ReadOptions:
        """Return ``read`` (default options) with ``kwargs`` on top; unknown names refused."""
        base = read if read is not None else cls()
        refuse_unknown(kwargs, {f.name for f in fields(cls)}, "read option")
        out = replace(base, **kwargs) if kwargs else base
        check_delimiter(out.delimiter)  # refused here, before any file is read
        if out.decimal not in (None, "point", "comma"):
            msg = f"`decimal` must be point or comma, not {out.decimal!r}"
            raise UsageError(msg, field="decimal")
        return out

    def kwargs(self) -> dict[str, Any]:
        """Return the options as keywords of :func:`incidentmap.read_incidents`."""
        return asdict(self)


def check_dates(since: Any = None, until: Any = None) -> None:
    """Refuse a ``since`` / ``until`` that is not a readable date, before any file is read.

    Raises
    ------
    UsageError
        With the field's name and what was expected.
    """
    if since is not None:
        read_day(since, "since")
    if until is not None:
        read_day(until, "until", end=True)


def check_bounds(low_name: str, low: Any, high_name: str, high: Any) -> None:
    """Refuse a pair of bounds whose lower lies after its upper, or a count bound not a count.

    ``min_fatalities`` 5 with ``max_fatalities`` 1 kept nothing and said "no incidents match",
    where a box given maximum first was refused; every pair of bounds is refused alike
    (dates: ``since`` after ``until``, each read as the first and last day it stands for).

    Raises
    ------
    UsageError
        Naming both fields and their values.
    """
    if low_name == "since":
        if low is not None and high is not None:
            if read_day(low, low_name) > read_day(high, high_name, end=True):
                msg = f"`{low_name}` {low} comes after `{high_name}` {high}: the earlier date first"
                raise UsageError(msg, field=low_name)
        return
    _check_count(low_name, low)
    _check_count(high_name, high)
    if low is not None and high is not None and low > high:
        msg = f"`{low_name}` {low:g} is more than `{high_name}` {high:g}: the lower bound first"
        raise UsageError(msg, field=low_name)


def _check_count(name: str, value: Any) -> None:
    """Refuse a count bound that is no number >= 0 (``nan`` kept nothing, unsaid)."""
    number(value, name)


def read_day(value: Any, name: str, *, end: bool = False) -> Any:
    """Read YYYY, YYYY-MM or YYYY-MM-DD as a day; with ``end``, a year's or month's last.

    Returns
    -------
    pandas.Timestamp

    Raises
    ------
    UsageError
        Not such a date, or a year outside 1900-2100 (a Solar Hijri year is named).
    """
    import re

    import pandas as pd

    if isinstance(value, pd.Timestamp):
        return value.normalize()
    text = str(value).strip()
    m = re.fullmatch(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?", text)
    if m is not None and not 1900 <= int(m.group(1)) <= 2100:
        hijri = 1300 <= int(m.group(1)) <= 1450
        why = " (a Solar Hijri year? give the Gregorian date)" if hijri else ""
        msg = f"`{name}`: expected a date from 1900 to 2100, got {value!r}{why}"
        raise UsageError(msg, field=name)
    try:
        if m is None:
            raise ValueError(text)
        if m.group(3):
            return pd.Timestamp(text).normalize()
        period = pd.Period(text, freq="M" if m.group(2) else "Y")
        return (period.end_time if end else period.start_time).normalize()
    except (ValueError, TypeError) as exc:
        msg = f"`{name}`: expected a date like 2023-03-01 (or 2023-03, 2023), got {value!r}"
        raise UsageError(msg, field=name) from exc


def _words(value: str | list[str] | tuple[str, ...] | None) -> tuple[str, ...] | None:
    """Return a value given as one word, a comma-separated text or a list, as a tuple."""
    if value is None:
        return None
    items = value.split(",") if isinstance(value, str) else list(value)
    out = tuple(str(v).strip() for v in items if str(v).strip())
    return out or None


@dataclass(frozen=True)
class GeoOptions:
    """How rows are placed.

    Attributes
    ----------
    snap_km : float, default 5.0
        Points this close to a district (km, at most 50) are snapped into it.
    fuzzy_threshold : float, default 88.0
        Minimum fuzzy score (0-100) for name matches.
    """

    snap_km: float = 5.0
    fuzzy_threshold: float = 88.0

    def __post_init__(self) -> None:
        for name in ("snap_km", "fuzzy_threshold"):
            object.__setattr__(self, name, number(getattr(self, name), name, required=True))


@dataclass(frozen=True)
class Filters:
    """Which incidents a job keeps (every filter given must pass) and how rows count.

    Attributes
    ----------
    since, until : str, optional
        Inclusive dates (``2023-03``, ``2023-03-08``).
    event_type : tuple of str, optional
        Event types to keep.
    actor : str, optional
        Text in an actor column (a regular expression with ``actor_regex``).
    actor_regex : bool, default False
    min_fatalities, max_fatalities : float, optional
    precision : tuple of str, optional
        Geocode precisions to keep (point, district, province...).
    group : tuple of str, optional
        Actor groups (``isis-k``...).
    group_role : {"any", "perpetrator", "target"}, default "any"
        Either party, the perpetrator (ACLED actor1, UCDP side_a, GTD gname), or the one
        attacked (ACLED actor2, UCDP side_b).
    attribution : tuple of str, optional
        Among :data:`ATTRIBUTIONS` (a comma-separated text is split).
    category : tuple of str, optional
        Event categories.
    weight : str, optional
        A column of numbers of incidents: each row counts as that many (default: a column
        named as a count of events, :func:`incidentmap.io.roles.count_column`; ``"none"``
        counts each row as one).
    target : tuple of str, optional
        Who was attacked (:data:`incidentmap.targets.TARGETS`: officials, security forces,
        civilians...).
    """

    since: str | None = None
    until: str | None = None
    event_type: tuple[str, ...] | None = None
    actor: str | None = None
    actor_regex: bool = False
    min_fatalities: float | None = None
    max_fatalities: float | None = None
    precision: tuple[str, ...] | None = None
    group: tuple[str, ...] | None = None
    group_role: str = "any"
    attribution: tuple[str, ...] | None = None
    category: tuple[str, ...] | None = None
    weight: str | None = None
    target: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        for name in ("event_type", "precision", "group", "attribution", "category", "target"):
            object.__setattr__(self, name, _words(getattr(self, name)))
        for name in ("min_fatalities", "max_fatalities"):
            object.__setattr__(self, name, number(getattr(self, name), name))
        check_flags(self, "actor_regex")
        check_texts(self, "actor", "weight", "group_role")

    @classmethod
    def of(cls, filters: Filters | None = None, **given: Any) -> Filters:
        """Return ``filters`` (default: none) with ``given`` on top; unknown names refused."""
        refuse_unknown(given, {f.name for f in fields(cls)}, "filter")
        base = filters if filters is not None else cls()
        return replace(base, **given) if given else base

    def check(self) -> Filters:
        """Refuse what no file can make right (bad dates, attributions), before reading."""
        check_dates(self.since, self.until)
        check_bounds("since", self.since, "until", self.until)
        check_bounds("min_fatalities", self.min_fatalities, "max_fatalities", self.max_fatalities)
        bad = [a for a in self.attribution or () if a not in ATTRIBUTIONS]
        if bad:
            msg = f"`attribution`: {bad[0]!r} is not one of {', '.join(ATTRIBUTIONS)}"
            raise UsageError(msg, field="attribution")
        return self

    def mask_kwargs(self) -> dict[str, Any]:
        """Return the row filters as keywords of :func:`incidentmap.filters.filter_incidents`."""
        out = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "weight"}
        for name in ("event_type", "precision", "group", "attribution", "category", "target"):
            out[name] = list(out[name]) if out[name] else None
        return out

    def active(self) -> list[str]:
        """Return the names of the filters that keep rows out (``weight`` and the role are not).

        A filter is given when it is not None nor empty text: ``max_fatalities`` 0 keeps
        rows out (``0 in (None, False)`` is true: its ``kept:`` line was missing).
        """
        return [
            f.name
            for f in fields(self)
            if f.name not in ("weight", "group_role", "actor_regex")
            and _given(getattr(self, f.name))
        ]


def _given(value: Any) -> bool:
    """Whether a filter's value asks for something: not None, not empty text or tuple."""
    if value is None:
        return False
    return not (isinstance(value, (str, tuple, list)) and len(value) == 0)


@dataclass(frozen=True)
class Output:
    """Where a job writes, and how.

    Attributes
    ----------
    path : str or path-like
        A file (the format from its suffix); other targets are named by URL.
    overwrite : bool, default False
        Replace what is there; otherwise an existing output is refused before any work.
    csv_safe : bool, default False
        In CSV output, prefix text a spreadsheet would run as a formula with ``'``.
    """

    path: str | os.PathLike[str]
    overwrite: bool = False
    csv_safe: bool = False

    def __post_init__(self) -> None:
        check_flags(self, "overwrite", "csv_safe")
        if not isinstance(self.path, (str, os.PathLike)):
            msg = f"`output` must be a file name or a URL, not {_shown(self.path)}"
            raise UsageError(msg, field="output")


@dataclass(frozen=True)
class MapStyle:
    """The choices every map function shares (page, PNG, payload).

    Attributes
    ----------
    level : {"district", "province"}, default "district"
        Choropleth areas.
    period : {"day", "week", "month", "quarter", "year"} or None, default "month"
        Slider step; None gives one map of all dates.
    measure : str, default "incidents"
        ``incidents``, ``per100k`` (with a population table) or a numeric column summed.
    scheme : {"quantiles", "natural_breaks", "equal_interval", "user"}, default "quantiles"
    k : int, default 5
        Number of colour classes.
    bins : list of float, optional
        Upper class bounds for ``scheme="user"``.
    mode : {"window", "cumulative"}, default "window"
    color_by : str, default "category"
        Point colours.
    size_by : str or None, default "fatalities"
        Point sizes.
    title : str, optional
    labels : bool, default True
        Province, town and district names.
    hotspots : bool, default False
        Gi* hot and cold spots and emerging categories.
    max_points : int, default 100000
        Above it the points are counted per grid cell.
    credit : str, optional
        The incidents' credit line (default: the publisher's citation and the file).
    open : {"latest", "first", "cumulative"}, default "latest"
        The period a page opens on: the latest complete one, the first, or the latest
        in cumulative mode (:data:`OPENS`; a view in the page's address wins).
    """

    level: str = "district"
    period: str | None = "month"
    measure: str = "incidents"
    scheme: str = "quantiles"
    k: int = 5
    bins: list[float] | None = None
    mode: str = "window"
    color_by: str = "category"
    size_by: str | None = "fatalities"
    title: str | None = None
    labels: bool = True
    hotspots: bool = False
    max_points: int = MAX_POINTS
    credit: str | None = None
    open: str = "latest"

    def __post_init__(self) -> None:
        for name in ("k", "max_points"):
            object.__setattr__(self, name, number(getattr(self, name), name, required=True))
        check_flags(self, "labels", "hotspots")
        check_texts(self, "title", "credit", "measure", "color_by", "size_by")

    @classmethod
    def of(cls, style: MapStyle | None = None, **kwargs: Any) -> MapStyle:
        """Return ``style`` (default: the defaults) with ``kwargs`` on top; unknown ones refused."""
        base = style if style is not None else cls()
        refuse_unknown(kwargs, {f.name for f in fields(cls)}, "map option")
        return replace(base, **kwargs) if kwargs else base
