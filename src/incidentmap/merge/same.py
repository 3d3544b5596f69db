"""The same row in two sources: one file given twice, or one publisher's overlapping files.

Two rows of two sources are **the same row** when

* both state one event id (the file's own id, never the ``row N`` a blank id gets) and
  agree on everything the merge compares: the dates, the place (level, point, radius,
  district, province, stated place), the type, the actors, the attribution and the tolls.
  Publishers keep their ids across downloads (ACLED's ``event_id_cnty``, GTD's
  ``eventid``, UCDP's ``id``); two publishers whose ids collide by chance differ in some
  compared value, and are left to the score;
* or the two sources are copies (at least :data:`COPY_SHARE` of the smaller one's rows,
  of those dated within the days both sources cover, have a row of the other equal in
  every column the reader gives but the row number: an id-less file such as ACLED's
  province-level workbook given twice, cut, saved as CSV, or two downloads of it whose
  years overlap) and the two rows are equal in those columns; among the rows of copies
  left, rows equal in all but one value a later release revises (:data:`REVISABLE`: ids
  renumbered or left out, a date moved by a day, tolls, notes) are paired too, when the
  files are copies in all but that value. Equal rows are paired in the order of their row
  numbers (equal rows are interchangeable: which of two equal rows pairs with which
  changes nothing).
* Two rows with one stated id at the same place and at most a day apart are one event
  as its publisher revised it (a later release keeps its ids).
* Two rows with one stated id, equal tolls, type, attribution and actors are one row
  copied with a column left out when either the dates are equal and one row is placed to
  an area that holds the other's place (an extract without GTD's ``CITY``: 2,191 events
  for 1,782 before), or the place is equal and one row has no date (an extract without
  its dates: 3,564 for 1,782).

Such rows are one record, whatever their score says: a province-level row of the same
day has a low score (many events share a province and a day), and a row with an equal
twin in its own source has a rival as good, so the row's copy would otherwise wait for a
person. Rows without a date or a place are paired too (no window compares them).
"""

from __future__ import annotations

from decimal import Context, Decimal, InvalidOperation

import numpy as np
import pandas as pd

from incidentmap.merge.candidates import Pairs
from incidentmap.merge.records import Records, days_apart, haversine_km
from incidentmap.schema import CANONICAL_COLUMNS

__all__ = [
    "COPY_SHARE", "REVISABLE", "SAME_REASON", "copy_pairs", "id_key", "id_keys", "stated_ids",
    "stated_ids_of", "with_copies",
]  # fmt: skip

#: the reason a pair of the same row gets in the pairs file
SAME_REASON = (
    "the same row in both sources: one event id and the same date, place, type, actors and "
    "tolls (one row may lack its date, or be placed to an area that holds the other's "
    "place), or every column equal in files that are copies (one file given twice, or one "
    "publisher's overlapping files)"
)
#: the share of the smaller source's rows equal to rows of the other that makes two
#: sources copies (two publishers' rows are never equal in every column)
COPY_SHARE = 0.5
#: what two releases of one publisher's data may differ in, one at a time, on rows of
#: files that are copies otherwise: the ids (renumbered, or left out), the date (a day
#: moved: a time zone), the tolls (revised), the notes
REVISABLE = (("event_id",), ("date", "date_end"), ("fatalities",), ("injured",), ("notes",))
#: two points of one id this close (km) are one place revised (a publisher's correction)
REVISED_KM = 1.0
#: the most digits of a number an id is read as (beyond: read as its text)
_DIGITS = 40
_EXACT = Context(prec=2 * _DIGITS)  # normalize() rounds to its context's precision
_NUMBERS = ("lo", "hi", "lon", "lat", "radius", "fatalities", "injured")
_TEXTS = ("level", "district", "province", "category", "attribution", "place")
#: the columns two rows of copies agree on: what the reader gives in every layout (never
#: the row number, nor the notes on values it could not read), a span's end, the place
_KEY_COLUMNS = [
    *(c for c in CANONICAL_COLUMNS if c not in ("row", "input_note")),
    "date_end", "province_code", "district_id", "geocode_precision",
]  # fmt: skip


def stated_ids(r: Records) -> np.ndarray:
    """Return, per row, whether the file states its event id (not a blank made ``row N``)."""
    return stated_ids_of(r.frame)


def stated_ids_of(frame: pd.DataFrame) -> np.ndarray:
    """Return, per row of a frame, whether it states its event id."""
    if "event_id" not in frame:
        return np.zeros(len(frame), dtype=bool)
    raw = frame["event_id"].astype(object).to_numpy()
    return np.array(
        [v is not None and v == v and str(v).strip() != "" for v in raw.tolist()], dtype=bool
    )


def _equal_numbers(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    x, y = x.astype(float), y.astype(float)
    return (x == y) | (np.isnan(x) & np.isnan(y))


def _equal_texts(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.array(
        [("" if u is None else str(u)) == ("" if v is None else str(v)) for u, v in zip(
            x.tolist(), y.tolist(), strict=True)],
        dtype=bool,
    )  # fmt: skip


def _same_content(a: Records, b: Records, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Per pair of rows: whether they agree on every value the merge compares."""
    keep = np.ones(len(i), dtype=bool)
    for name in _NUMBERS:
        keep &= _equal_numbers(getattr(a, name)[i], getattr(b, name)[j])
    for name in _TEXTS:
        keep &= _equal_texts(getattr(a, name)[i], getattr(b, name)[j])
    return keep & (a.groups[i] == b.groups[j])


def id_key(text: str) -> str:
    """Return an id as two copies agree on it: a number by its value, else the text.

    A spreadsheet or a reader writes one number otherwise in two copies
    (``200401050001.0`` in a CSV, ``200401050001`` from a workbook's number cell).
    """
    return id_keys([text])[0]


def _number_key(text: str) -> str:
    try:
        value = Decimal(text.strip())
    except (InvalidOperation, ValueError):
        return "t:" + text
    if not value.is_finite():
        return "t:" + text
    if value == 0:
        return "n:0"
    if abs(value.adjusted()) > _DIGITS:  # 1e999999999: no id, and not written out in full
        return "t:" + text
    return f"n:{value.normalize(_EXACT):f}"


def id_keys(texts: list[str]) -> list[str]:
    """Return :func:`id_key` of each text (whole numbers read at once, as text)."""
    s = pd.Series(texts, dtype=object).astype(str)
    bare = s.str.strip()
    whole = bare.str.fullmatch(r"[+-]?[0-9]+(?:\.0*)?").fillna(False).to_numpy(dtype=bool)
    digits = bare.str.replace(r"^[+-]|\.0*$", "", regex=True).str.lstrip("0")
    whole = whole & (digits.str.len() <= _DIGITS).to_numpy(dtype=bool)
    negative = bare.str.startswith("-").to_numpy(dtype=bool) & (digits != "").to_numpy()
    ints = np.where(negative, "n:-", "n:") + digits.where(digits != "", "0").to_numpy(dtype=str)
    out = np.empty(len(s), dtype=object)
    out[whole] = ints[whole]
    rest = np.flatnonzero(~whole)
    out[rest] = [_number_key(t) for t in s.to_numpy(dtype=object)[rest]]
    return out.tolist()


def _unique(keys: list[str], rows: list[int]) -> dict[str, int]:
    """Key -> row, for the keys exactly one row holds."""
    found: dict[str, list[int]] = {}
    for key, k in zip(keys, rows, strict=True):
        found.setdefault(key, []).append(k)
    return {x: ks[0] for x, ks in found.items() if len(ks) == 1}


def _id_rows(r: Records) -> tuple[dict[str, int], dict[str, int]]:
    """Stated id -> row, as written and by :func:`id_key` (made once per source)."""
    if r.id_rows is None:
        rows = np.flatnonzero(stated_ids(r)).tolist()
        texts = [str(r.event_id[k]) for k in rows]
        r.id_rows = (_unique(texts, rows), _unique(id_keys(texts), rows))
    return r.id_rows


def _revised(a: Records, b: Records, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Per pair of rows: one event as a publisher revised it (a toll, a type, a day).

    The same place (level, district and province; two points within :data:`REVISED_KM`)
    and dates at most a day apart: with one stated id as well, no two events are so alike
    by chance (a publisher's later release keeps its ids and corrects its values).
    """
    same = (a.level[i] == b.level[j]) & _equal_texts(a.province[i], b.province[j])
    same &= _equal_texts(a.district[i], b.district[j])
    km = haversine_km(a.lon[i], a.lat[i], b.lon[j], b.lat[j])
    same &= (a.level[i] != "point") | (km <= REVISED_KM)
    return same & (days_apart(a, i, b, j) <= 1)


def _left_out(a: Records, b: Records, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Per pair of rows: one row as a copy that left a value out (its date, or its town).

    Equal tolls, type, attribution and actors, and either the same dates with one row
    placed in an area that holds the other (the same province; the same district when the
    coarser row is placed to its district), or the same place with one row undated. With
    one stated id as well, that is the publisher's row copied with a column dropped (a
    GTD extract without ``CITY`` or without its dates), not a second event.
    """
    keep = np.ones(len(i), dtype=bool)
    for name in ("fatalities", "injured"):
        keep &= _equal_numbers(getattr(a, name)[i], getattr(b, name)[j])
    for name in ("category", "attribution"):
        keep &= _equal_texts(getattr(a, name)[i], getattr(b, name)[j])
    keep &= a.groups[i] == b.groups[j]
    # something of the event itself, not only where and when (lists numbered 1..N by two
    # hands share ids, days and provinces by chance)
    types = a.frame["event_type"].to_numpy(dtype=object) if "event_type" in a.frame else []
    typed = np.array([isinstance(types[k], str) and bool(types[k].strip()) for k in i.tolist()]
                     if len(types) else np.zeros(len(i)), dtype=bool)  # fmt: skip
    keep &= typed | (a.groups[i] != 0)
    dated = _equal_numbers(a.lo[i], b.lo[j]) & _equal_numbers(a.hi[i], b.hi[j])
    undated = np.isnan(a.lo[i]) ^ np.isnan(b.lo[j])
    place = np.ones(len(i), dtype=bool)
    for name in ("lon", "lat", "radius"):
        place &= _equal_numbers(getattr(a, name)[i], getattr(b, name)[j])
    for name in ("level", "district", "province", "place"):
        place &= _equal_texts(getattr(a, name)[i], getattr(b, name)[j])
    province = _equal_texts(a.province[i], b.province[j]) & pd.notna(a.province[i])
    coarse = (a.level[i] == "province") | (b.level[j] == "province")
    district = _equal_texts(a.district[i], b.district[j]) & (
        (a.level[i] == "district") | (b.level[j] == "district")
    )
    nested = province & (coarse | district)
    return keep & ((dated & nested) | (undated & place))


def _by_id(a: Records, b: Records) -> tuple[np.ndarray, np.ndarray]:
    """Rows of both sources that state one event id and agree on every compared value.

    The ids are compared as written, then, among the rows left, by :func:`id_key`; rows
    with one id at the same place and a day apart at most are one event revised
    (:func:`_revised`).
    """
    used_a: set[int] = set()
    used_b: set[int] = set()
    out_i, out_j = [], []
    for ka, kb in zip(_id_rows(a), _id_rows(b), strict=True):
        both = sorted(
            (k, kb[x]) for x, k in ka.items() if x in kb and k not in used_a and kb[x] not in used_b
        )
        i = np.array([x for x, _ in both], dtype=np.int64)
        j = np.array([y for _, y in both], dtype=np.int64)
        keep = _same_content(a, b, i, j) | _revised(a, b, i, j) | _left_out(a, b, i, j)
        out_i.append(i[keep])
        out_j.append(j[keep])
        used_a.update(i[keep].tolist())
        used_b.update(j[keep].tolist())
    return np.concatenate(out_i), np.concatenate(out_j)


def _column_values(v: pd.Series) -> np.ndarray | None:
    """One column's values to hash: numbers as floats, dates as ns, blanks as None."""
    if pd.api.types.is_bool_dtype(v) or pd.api.types.is_numeric_dtype(v):
        x = pd.to_numeric(v, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        blank = np.isnan(x)
        values = np.where(blank, 0.0, x)  # one NaN whatever its bits
    elif pd.api.types.is_datetime64_any_dtype(v):
        blank = v.isna().to_numpy()
        values = np.where(blank, 0, v.astype("datetime64[ns]").to_numpy().astype("int64"))
    else:
        values = v.to_numpy(dtype=object, na_value=None)
        blank = pd.isna(values) | (values == "")
        values = np.where(blank, "", values)  # texts; hash_array reads other types as text
    if blank.all():
        return None  # a column of blanks is a column absent
    return values


def _row_keys(r: Records, leave_out: tuple[str, ...] = ()) -> np.ndarray:
    """Return a hash per row of :data:`_KEY_COLUMNS` as the reader gave them (absent: blank).

    ``leave_out``: columns not hashed (the event id of a download that renumbered its ids
    or a copy saved without them; a value a later release revised).
    """
    if r.copy_key is not None and not leave_out:
        return r.copy_key
    key = np.zeros(len(r), dtype=np.uint64)
    for n, c in enumerate(_KEY_COLUMNS):
        if c in leave_out:
            continue
        values = _column_values(r.frame[c]) if c in r.frame else None
        if values is None:
            continue
        if c == "event_id":  # a number the same whoever wrote it (see id_key)
            keys = np.array(id_keys([str(v) for v in values]), dtype=object)
            values = np.where(values == "", "", keys)
        h = pd.util.hash_array(values, categorize=False) ^ np.uint64(n + 1)
        key = (key * np.uint64(1_000_003)) ^ h
    if not leave_out:
        r.copy_key = key
    return key


def _by_columns(
    a: Records, b: Records, leave_out: tuple[str, ...] = (), free: tuple | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Rows equal in every column the reader gives, in files that are copies (the module).

    ``free``: the rows of each source still unpaired, the only ones paired (the share that
    makes the files copies is of all their rows).
    """
    empty = np.empty(0, dtype=np.int64)
    sides = [_ranked(r, _row_keys(r, leave_out)) for r in (a, b)]
    both = sides[0].merge(sides[1], on=["key", "rank"], suffixes=("_a", "_b"))
    if len(both) < COPY_SHARE * max(min(_in_span(a, b), _in_span(b, a)), 1):
        return empty, empty
    if free is not None:
        sides = [_ranked(r, _row_keys(r, leave_out), f) for r, f in zip((a, b), free, strict=True)]
        both = sides[0].merge(sides[1], on=["key", "rank"], suffixes=("_a", "_b"))
    return both["at_a"].to_numpy(dtype=np.int64), both["at_b"].to_numpy(dtype=np.int64)


def _ranked(r: Records, key: np.ndarray, keep: np.ndarray | None = None) -> pd.DataFrame:
    """Each row's key and its rank among the rows of that key, in row-number order."""
    keys = pd.DataFrame({"key": key, "at": np.arange(len(r))})
    if "row" in r.frame:
        order = pd.to_numeric(r.frame["row"], errors="coerce").to_numpy()
        keys = keys.assign(order=order).sort_values(["order", "at"], kind="stable")
    if keep is not None:
        keys = keys[keep[keys["at"].to_numpy()]]
    keys["rank"] = keys.groupby("key").cumcount()
    return keys[["key", "rank", "at"]]


def _in_span(r: Records, other: Records) -> int:
    """Rows of ``r`` dated inside the days both sources cover (all rows if either has none).

    Two downloads of one publisher that overlap (2017-2020 and 2019-2023) are copies over
    the years both hold.
    """
    dated_r, dated_o = ~np.isnan(r.lo), ~np.isnan(other.lo)
    if not dated_r.any() or not dated_o.any():
        return len(r)
    first = max(r.lo[dated_r].min(), other.lo[dated_o].min())
    last = min(r.hi[dated_r].max(), other.hi[dated_o].max())
    return int((dated_r & (r.lo >= first) & (r.hi <= last)).sum())


def copy_pairs(a: Records, b: Records) -> tuple[np.ndarray, np.ndarray]:
    """Return the pairs of rows that are the same row in both sources (see the module).

    Parameters
    ----------
    a, b : Records
        The two sources.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Rows of ``a`` and their rows of ``b``, each row in at most one pair: the pairs by
        event id first, then those by every column among the rows left, then by every
        column but the event id (copies whose ids were renumbered or left out).
    """
    i, j = _by_id(a, b)
    ci, cj = _by_columns(a, b)
    free = ~np.isin(ci, i) & ~np.isin(cj, j)
    i, j = np.concatenate([i, ci[free]]), np.concatenate([j, cj[free]])
    if not _one_layout(a, b):  # two publishers: never releases of one file (and no hashing)
        return i, j
    for leave_out in REVISABLE:  # then equal in all but the ids, or one revised value
        left = (~np.isin(np.arange(len(a)), i), ~np.isin(np.arange(len(b)), j))
        ci, cj = _by_columns(a, b, leave_out, left)
        near = days_apart(a, ci, b, cj) <= 1  # a date revised moves a day, not a year
        i, j = np.concatenate([i, ci[near]]), np.concatenate([j, cj[near]])
    return i, j


def _one_layout(a: Records, b: Records) -> bool:
    """Tell two sources whose columns are the same but one (a release may drop its ids)."""
    return len(set(map(str, a.frame.columns)) ^ set(map(str, b.frame.columns))) <= 1


def with_copies(a: Records, b: Records, p: Pairs) -> tuple[Pairs, np.ndarray]:
    """Return the candidate pairs with the same rows no window found, and which are same.

    Parameters
    ----------
    a, b : Records
        The two sources.
    p : Pairs
        Their candidate pairs.

    Returns
    -------
    (Pairs, numpy.ndarray of bool)
        ``p`` and, after it, the pairs of :func:`copy_pairs` it lacks (rows without a date
        or a place: level ``same row``); per pair, whether it is the same row in both.
    """
    ci, cj = copy_pairs(a, b)
    if not len(ci):
        return p, np.zeros(len(p), dtype=bool)
    n_b = np.int64(max(len(b), 1))
    have = p.i.astype(np.int64) * n_b + p.j
    copies = ci * n_b + cj
    same = np.isin(have, copies)
    extra = ~np.isin(copies, have)
    i, j = ci[extra], cj[extra]
    both = (a.level[i] == "point") & (b.level[j] == "point")
    km = np.where(both, haversine_km(a.lon[i], a.lat[i], b.lon[j], b.lat[j]), np.nan)
    level = np.where(both, "point", "same row").astype(object)
    out = Pairs(
        i=np.concatenate([p.i, i]),
        j=np.concatenate([p.j, j]),
        km=np.concatenate([p.km, km]),
        days=np.concatenate([p.days, days_apart(a, i, b, j)]),
        level=np.concatenate([p.level, level]),
    )
    return out, np.concatenate([same, np.ones(len(i), dtype=bool)])
