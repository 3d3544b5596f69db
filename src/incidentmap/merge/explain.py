"""``--explain``: the parts of one pair's score, and whether the windows find the pair."""

from __future__ import annotations

import numpy as np
import pandas as pd

from incidentmap.errors import UsageError
from incidentmap.merge.candidates import Pairs
from incidentmap.merge.records import Records, days_apart, haversine_km, records_of
from incidentmap.merge.score import MATCH, REVIEW, WEIGHTS, score_pairs

__all__ = ["explain_pair", "parse_key"]

_WHAT = {
    "space": "distance against the window, or the area both are in",
    "time": "days apart against the window (halved for an episode)",
    "category": "the same event category",
    "actors": "a shared actor group (and attribution)",
    "tolls": "how close the tolls are",
    "names": "how alike the place names are",
}


def parse_key(text: str) -> tuple[str, str]:
    """Split ``source:event_id`` (the id may itself hold ``:``)."""
    name, sep, event = text.partition(":")
    if not sep or not name or not event:
        msg = f"--explain: {text!r} is not source:event_id (acled:AFG123)"
        raise UsageError(msg)
    return name, event


def _row(records: dict[str, Records], key: tuple[str, str]) -> tuple[Records, int]:
    name, event = key
    if name not in records:
        msg = f"--explain: {name!r} is not one of the sources ({', '.join(records)})"
        raise UsageError(msg)
    r = records[name]
    hits = np.flatnonzero(r.event_id == event)
    if not len(hits):
        msg = f"--explain: {event!r} is not an event id of {name}"
        raise UsageError(msg)
    return r, int(hits[0])


def _level(a: Records, i: int, b: Records, j: int) -> str:
    la, lb = a.level[i], b.level[j]
    if la == "point" and lb == "point":
        return "point"
    if "province" in (la, lb):
        return "province" if a.province[i] == b.province[j] else "apart"
    return "district" if a.district[i] == b.district[j] else "apart"


def explain_pair(
    sources: dict[str, pd.DataFrame],
    first: tuple[str, str],
    second: tuple[str, str],
    *,
    km: float = 5.0,
    days: float = 1.0,
) -> tuple[pd.DataFrame, list[str]]:
    """Score one pair and say what each part compared.

    Parameters
    ----------
    sources : dict
        Source name -> placed incidents.
    first, second : tuple of (source, event_id)
        The two rows.
    km, days : float
        The windows.

    Returns
    -------
    parts : pandas.DataFrame
        ``part, value, weight, points, compares`` and a ``total`` row.
    lines : list of str
        Where and when the two rows are, whether the windows make them candidates, and
        the decision the score alone would give.
    """
    records = {n: records_of(n, f) for n, f in sources.items()}
    a, i = _row(records, first)
    b, j = _row(records, second)
    level = _level(a, i, b, j)
    dist = float(
        haversine_km(a.lon[i : i + 1], a.lat[i : i + 1], b.lon[j : j + 1], b.lat[j : j + 1])[0]
    )
    gap = float(days_apart(a, np.array([i]), b, np.array([j]))[0])
    pair = Pairs(
        i=np.array([i]),
        j=np.array([j]),
        km=np.array([dist if level == "point" else np.nan]),
        days=np.array([gap]),
        level=np.array([level], dtype=object),
    )
    sc = score_pairs(a, b, pair, km=km, days=days)
    rows = [
        {"part": k, "value": round(float(v[0]), 3), "weight": WEIGHTS[k],
         "points": round(WEIGHTS[k] * float(v[0]), 3), "compares": _WHAT[k]}
        for k, v in sc.parts.items()
    ]  # fmt: skip
    total = float(sc.total[0])
    rows.append(
        {
            "part": "total",
            "value": round(total, 3),
            "weight": 1.0,
            "points": round(total, 3),
            "compares": "",
        }
    )
    window = km + a.radius[i] + b.radius[j]
    found = gap <= days and (
        level in ("district", "province") or (level == "point" and dist <= window)
    )
    where = (
        f"{dist:.2f} km apart (window {window:g} km)"
        if level == "point"
        else f"placed at {level} level"
    )
    lines = [
        f"{a.name}:{a.event_id[i]} and {b.name}:{b.event_id[j]}: {where}, "
        f"{gap:g} days apart (window {days:g})",
        "candidates: yes"
        if found
        else "candidates: no (outside the windows; a decision can still match them)",
        f"score alone: {_verdict(total, bool(sc.episode[0]))}",
    ]
    return pd.DataFrame(rows), lines


def _verdict(total: float, episode: bool) -> str:
    if total >= MATCH and not episode:
        return f"match if the assignment chooses it ({total:.2f} >= {MATCH:.2f})"
    if total >= REVIEW or (episode and total >= MATCH):
        return "review" + (" (an episode)" if episode else "")
    return f"different ({total:.2f} < {REVIEW:.2f})"
