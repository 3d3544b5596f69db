"""Explain a pair: the parts of its score, and whether the windows find the pair."""

from __future__ import annotations

import numpy as np
import pandas as pd

from incidentmap.errors import UsageError
from incidentmap.merge.candidates import Pairs
from incidentmap.merge.decisions import ONE_SOURCE, known_id
from incidentmap.merge.records import Records, days_apart, haversine_km, records_of
from incidentmap.merge.same import SAME_REASON, copy_pairs
from incidentmap.merge.score import (
    COEFFICIENTS,
    INTERCEPT,
    MATCH,
    MATCH_PROVINCE,
    REVIEW,
    TERMS,
    features,
    score_pairs,
)

__all__ = ["explain_pair", "parse_key"]

_WHAT = {
    "space": "distance against both rows' precision (log)",
    "time": "days apart, against the longer date range (log)",
    "category": "the same event category",
    "actors": "a shared actor group (and attribution)",
    "tolls": "how close the tolls are (log)",
    "names": "how alike the place names are",
    "district": "the pair is placed to one district",
    "province": "the pair is placed to one province",
    "episode": "a row is dated to a range",
    "approximate": "a point its source calls approximate",
}
_WHAT.update({f"area_{k}": f"{_WHAT[k]} (an area pair)" for k in ("time", "actors", "tolls")})
_WHAT.update(
    {k: "category: " + k[9:].replace("_", " ") for k in TERMS if k.startswith("category_")}
)


def parse_key(text: str) -> tuple[str, str]:
    """Split ``source:event_id`` (the id may itself hold ``:``)."""
    name, sep, event = text.partition(":")
    if not sep or not name or not event:
        msg = f"`explain`: {text!r} is not source:event_id (acled:AFG123)"
        raise UsageError(msg)
    return name, event


def _row(records: dict[str, Records], key: tuple[str, str]) -> tuple[Records, int]:
    name, event = key
    if name not in records:
        msg = f"`explain`: {name!r} is not one of the sources ({', '.join(records)})"
        raise UsageError(msg)
    r = records[name]
    hits = np.flatnonzero(r.event_id == event)
    if not len(hits):  # an id a spreadsheet made a number (200706170001 for ...0001.0)
        known = known_id(event, {str(e) for e in r.event_id})
        hits = np.flatnonzero(r.event_id == known) if known is not None else hits
    if not len(hits):
        msg = f"`explain`: {event!r} is not an event id of {name}"
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
        ``part, value, weight, points, compares``: each term of the model (what enters
        the model: the logarithm of space, time and tolls, 0 or 1 for a flag; its
        coefficient; its log-odds), the intercept, and a ``total`` row (the pair's own
        probability and its log-odds).
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
    approximate = bool(a.radius[i] > 0 or b.radius[j] > 0)
    rows = _term_rows(features(sc.parts, pair.level, sc.episode, np.array([approximate]))[0])
    total = float(sc.total[0])
    rows[-1]["value"] = round(total, 3)
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
        f"score alone: {_verdict(total)}",
    ]
    return pd.DataFrame(rows), _last_lines(a, i, b, j, lines)


def _last_lines(a: Records, i: int, b: Records, j: int, lines: list[str]) -> list[str]:
    """Say what no score decides: two rows of one source, the same row in both sources."""
    if a.name == b.name:  # never compared, and no decision can join them
        return [lines[0], f"candidates: no ({ONE_SOURCE}; no decision pairs them)"]
    ci, cj = copy_pairs(a, b)
    if np.any((ci == i) & (cj == j)):
        return [*lines, f"{SAME_REASON}: a match whatever the score"]
    return lines


def _term_rows(x: np.ndarray) -> list[dict[str, object]]:
    """Return the intercept, each term (value, coefficient, log-odds) and the total."""
    rows: list[dict[str, object]] = [
        {"part": "intercept", "value": 1.0, "weight": INTERCEPT, "points": INTERCEPT,
         "compares": "the log-odds of a candidate pair with every term at 0"}
    ]  # fmt: skip
    rows += [
        {"part": k, "value": round(float(x[n]), 3), "weight": COEFFICIENTS[k],
         "points": round(COEFFICIENTS[k] * float(x[n]), 3), "compares": _WHAT[k]}
        for n, k in enumerate(TERMS)
    ]  # fmt: skip
    points = round(sum(float(r["points"]) for r in rows), 3)  # type: ignore[arg-type]
    rows.append({"part": "total", "value": 0.0, "weight": 1.0, "points": points,
                 "compares": "the probability of one event: 1 / (1 + exp(-points))"})  # fmt: skip
    return rows


def _verdict(total: float) -> str:
    if total < REVIEW:
        return f"{total:.2f}: different unless its rows have no other candidate"
    return (
        f"{total:.2f}; a match needs {MATCH:.2f} ({MATCH_PROVINCE:.2f} for a pair placed "
        "only to one province) given both rows' other candidates (the pairs file's score), "
        "and no rival within the margin"
    )
