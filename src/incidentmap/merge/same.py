"""The same row in two sources: one file given twice, or one publisher's overlapping files.

Two rows of two sources are **the same row** when both state one event id (the file's
own id, never the ``row N`` a blank id gets) and agree on everything the merge compares:
the dates, the place (level, point, radius, district, province, stated place), the type,
the actors, the attribution and the tolls. Publishers keep their ids across downloads
(ACLED's ``event_id_cnty``, GTD's ``eventid``, UCDP's ``id``), so two such rows are one
record, whatever their score says: a province-level row of the same day has a low score
(many events share a province and a day) and the row's own twin in the other copy would
otherwise wait for a person. Two publishers whose ids collide by chance differ in some
compared value, and are left to the score.
"""

from __future__ import annotations

import numpy as np

from incidentmap.merge.candidates import Pairs
from incidentmap.merge.records import Records

__all__ = ["SAME_REASON", "same_rows", "stated_ids", "uncompared_same"]

#: the reason a pair of the same row gets in the pairs file
SAME_REASON = (
    "the same row in both sources: one event id and the same date, place, type, actors and "
    "tolls (one file given twice, or one publisher's overlapping files)"
)
_NUMBERS = ("lo", "hi", "lon", "lat", "radius", "fatalities", "injured")
_TEXTS = ("level", "district", "province", "category", "attribution", "place")


def stated_ids(r: Records) -> np.ndarray:
    """Return, per row, whether the file states its event id (not a blank made ``row N``)."""
    if "event_id" not in r.frame:
        return np.zeros(len(r), dtype=bool)
    raw = r.frame["event_id"].astype(object).to_numpy()
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


def same_rows(a: Records, b: Records, p: Pairs) -> np.ndarray:
    """Return, per candidate pair, whether its two rows are the same row (see the module).

    Parameters
    ----------
    a, b : Records
        The two sources.
    p : Pairs
        Their candidate pairs.

    Returns
    -------
    numpy.ndarray of bool
    """
    out = np.zeros(len(p), dtype=bool)
    if not len(p):
        return out
    i, j = p.i, p.j
    out = stated_ids(a)[i] & stated_ids(b)[j] & (a.event_id[i] == b.event_id[j])
    k = np.flatnonzero(out)
    if not len(k):
        return out
    ii, jj = i[k], j[k]
    keep = np.ones(len(k), dtype=bool)
    for name in _NUMBERS:
        keep &= _equal_numbers(getattr(a, name)[ii], getattr(b, name)[jj])
    for name in _TEXTS:
        keep &= _equal_texts(getattr(a, name)[ii], getattr(b, name)[jj])
    keep &= a.groups[ii] == b.groups[jj]
    out[k] = keep
    return out


def uncompared_same(a: Records, b: Records) -> Pairs:
    """Return the same rows of two sources that no window compares (no date, or no place).

    Such rows are kept alone otherwise; the same row in both sources is still one record.
    """
    idle_a = np.flatnonzero((np.isnan(a.lo) | (a.level == "none")) & stated_ids(a))
    idle_b = np.flatnonzero((np.isnan(b.lo) | (b.level == "none")) & stated_ids(b))
    where_b = {str(b.event_id[k]): k for k in idle_b.tolist()}
    ids_a = [str(a.event_id[k]) for k in idle_a.tolist()]
    both = [(k, where_b[e]) for k, e in zip(idle_a.tolist(), ids_a, strict=True) if e in where_b]
    i = np.array([x for x, _ in both], dtype=np.int64)
    j = np.array([y for _, y in both], dtype=np.int64)
    n = len(i)
    p = Pairs(i=i, j=j, km=np.full(n, np.nan), days=np.full(n, np.nan),
              level=np.full(n, "same row", dtype=object))  # fmt: skip
    k = np.flatnonzero(same_rows(a, b, p))
    return Pairs(i=i[k], j=j[k], km=p.km[k], days=p.days[k], level=p.level[k])
