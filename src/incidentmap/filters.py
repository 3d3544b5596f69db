"""Filters on incidents: dates, types, actors and their groups, tolls, precision, categories.

:func:`filter_incidents` keeps the rows that pass every filter given (AND), in their
order and with their index; each filter is one mask function below.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from incidentmap.actors import AND_OR, ATTRIBUTIONS, check_group_ids
from incidentmap.aggregate import PRECISIONS
from incidentmap.categories import check_categories
from incidentmap.errors import UsageError

__all__ = [
    "REGEX_SECONDS",
    "check_dates",
    "filter_incidents",
]


def _attributions(attribution: str | list[str] | None) -> list[str] | None:

    if attribution is None:
        return None
    wanted = [attribution] if isinstance(attribution, str) else list(attribution)
    bad = sorted(set(wanted) - set(ATTRIBUTIONS))
    if bad:
        msg = f"attribution must be among {', '.join(ATTRIBUTIONS)}, not {bad[0]!r}"
        raise UsageError(msg)
    return wanted


def _actor2_form(incidents: pd.DataFrame) -> np.ndarray:
    """``uncertain`` where actor2 reads "A and/or B", else ``sole``."""
    if "actor2" not in incidents.columns:
        return np.full(len(incidents), "sole", dtype=object)
    text = incidents["actor2"].astype(object)
    codes, uniq = pd.factorize(text)
    forms = np.array(
        [*("uncertain" if AND_OR.search(str(u)) else "sole" for u in uniq), "sole"], dtype=object
    )
    return forms[codes]


def filter_incidents(
    incidents: pd.DataFrame,
    *,
    since: str | pd.Timestamp | None = None,
    until: str | pd.Timestamp | None = None,
    event_type: str | list[str] | None = None,
    actor: str | None = None,
    actor_regex: bool = False,
    min_fatalities: float | None = None,
    max_fatalities: float | None = None,
    precision: str | list[str] | None = None,
    group: str | list[str] | None = None,
    group_role: str = "any",
    attribution: str | list[str] | None = None,
    category: str | list[str] | None = None,
) -> pd.DataFrame:
    """Keep the incidents that pass every filter given (AND).

    Parameters
    ----------
    incidents : pandas.DataFrame
        Incidents in the canonical schema (geocoded for ``precision``).
    since, until : str or Timestamp, optional
        Inclusive date range (``"2023-03-01"``). Rows without a date fail a
        date filter.
    event_type : str or list of str, optional
        Event types to keep (case-insensitive exact match).
    actor : str, optional
        Case-insensitive substring of ``actor``, or a regular expression with
        ``actor_regex=True``.
    min_fatalities, max_fatalities : float, optional
        Inclusive bounds on ``fatalities`` (rows without a count fail them).
    precision : str or list of str, optional
        Keep rows whose ``geocode_precision`` is one of these (point, district,
        province).
    group : str or list of str, optional
        Actor group ids (``isis-k``...; see :func:`incidentmap.actors.group_ids`).
    group_role : {"any", "perpetrator"}, default "any"
        ``any``: the group is either party (``actor1_group`` or ``actor2_group``);
        ``perpetrator``: ACLED actor1, UCDP side_a, GTD gname (``actor1_group``).
    attribution : str or list of str, optional
        Keep these attributions (sole, joint, uncertain, claimed, suspected). With a
        ``group`` and no ``attribution``, every attribution but ``uncertain`` ("A
        and/or B") is kept; how many uncertain rows were left out is in
        ``attrs["uncertain_left_out"]``.
    category : str or list of str, optional
        Event categories (see :data:`incidentmap.categories.CATEGORIES`).

    Returns
    -------
    pandas.DataFrame
        The kept rows, in their original order, with their original index.
    """
    keep = _date_mask(incidents, since, until)
    keep &= _fatalities_mask(incidents, min_fatalities, max_fatalities)
    for given, mask in (
        (event_type, lambda: _event_type_mask(incidents, event_type)),
        (actor, lambda: _actor_mask(incidents, actor, actor_regex)),
        (precision, lambda: _precision_mask(incidents, precision)),
    ):
        if given is not None:
            keep &= mask()
    left_out = 0
    if group is not None:
        hit_any, hit_ok = _group_hits(incidents, group, group_role, attribution)
        if _attributions(attribution) is None:
            left_out = int((keep & hit_any & ~hit_ok).sum())
        keep &= hit_ok
    elif attribution is not None:
        keep &= incidents["attribution"].isin(_attributions(attribution) or []).to_numpy(bool)
    if category is not None:
        wanted_c = check_categories([category] if isinstance(category, str) else list(category))
        keep &= incidents["category"].isin(wanted_c or []).to_numpy(dtype=bool)
    out = incidents[keep]
    out.attrs["uncertain_left_out"] = left_out
    return out


def _has_any(values: pd.Series, wanted: set[str]) -> np.ndarray:
    """Rows whose "a|b" group list holds one of ``wanted`` (once per distinct list)."""
    codes, uniq = pd.factorize(values.astype(object), use_na_sentinel=True)
    hit_u = np.array([bool(set(str(u).split("|")) & wanted) for u in uniq] + [False])
    return hit_u[codes]


#: the longest an --actor-regex may run over a file's distinct actor names
REGEX_SECONDS = 2.0


def _regex_mask(text: pd.Series, pattern_text: str) -> np.ndarray:
    """Match a user's regular expression, bounded in time (the ``regex`` module's timeout).

    Python's ``re`` cannot be stopped: ``(a+)+$`` on one long name ran for 26 s. The
    ``regex`` module takes a timeout; the pattern runs once per distinct name.
    """
    import time

    import regex

    try:
        pattern = regex.compile(pattern_text, regex.IGNORECASE)
    except regex.error as exc:
        msg = f"actor: invalid regular expression {pattern_text!r} ({exc})"
        raise UsageError(msg) from exc
    codes, uniques = pd.factorize(text)
    deadline = time.monotonic() + REGEX_SECONDS
    hits = np.zeros(len(uniques), dtype=bool)
    try:
        for i, value in enumerate(uniques):
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            hits[i] = pattern.search(str(value), timeout=left) is not None
    except TimeoutError:
        msg = (
            f"actor: the regular expression {pattern_text!r} ran longer than "
            f"{REGEX_SECONDS:g} s over the actor names; simplify it (nested repeats such as "
            "(a+)+ backtrack without end)"
        )
        raise UsageError(msg) from None
    return hits[codes] if len(uniques) else np.zeros(len(text), dtype=bool)


def check_dates(
    since: str | pd.Timestamp | None = None, until: str | pd.Timestamp | None = None
) -> None:
    """Refuse a ``since`` / ``until`` that is not a readable date, before any file is read.

    Raises
    ------
    UsageError
        With the option's name and what was expected.
    """
    if since is not None:
        _day(since, "since")
    if until is not None:
        _day(until, "until", end=True)


def _day(value: str | pd.Timestamp, name: str, *, end: bool = False) -> pd.Timestamp:
    """Read YYYY, YYYY-MM or YYYY-MM-DD; with ``end``, the last day of a year or month."""
    if isinstance(value, pd.Timestamp):
        return value.normalize()
    text = str(value).strip()
    m = re.fullmatch(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?", text)
    if m is not None and not 1900 <= int(m.group(1)) <= 2100:
        hijri = 1300 <= int(m.group(1)) <= 1450
        why = " (a Solar Hijri year? give the Gregorian date)" if hijri else ""
        msg = f"{name}: expected a date from 1900 to 2100, got {value!r}{why}"
        raise UsageError(msg)
    try:
        if m is None:
            raise ValueError(text)
        if m.group(3):
            return pd.Timestamp(text).normalize()
        freq = "M" if m.group(2) else "Y"
        period = pd.Period(text, freq=freq)
        return (period.end_time if end else period.start_time).normalize()
    except (ValueError, TypeError) as exc:
        msg = f"{name}: expected a date like 2023-03-01 (or 2023-03, 2023), got {value!r}"
        raise UsageError(msg) from exc


def _date_mask(
    incidents: pd.DataFrame, since: str | pd.Timestamp | None, until: str | pd.Timestamp | None
) -> np.ndarray:
    """Rows on or after ``since`` and on or before ``until`` (rows without a date fail)."""
    keep = np.ones(len(incidents), dtype=bool)
    if since is None and until is None:
        return keep
    if "date" not in incidents:
        msg = "a date filter needs a date column"
        raise UsageError(msg)
    dates = pd.to_datetime(incidents["date"])
    if since is not None:
        keep &= (dates >= _day(since, "since")).fillna(False).to_numpy(dtype=bool)
    if until is not None:
        keep &= (dates <= _day(until, "until", end=True)).fillna(False).to_numpy(dtype=bool)
    return keep


def _event_type_mask(incidents: pd.DataFrame, event_type: str | list[str]) -> np.ndarray:
    """Rows whose event type is one of these (case-insensitive)."""
    wanted = {e.casefold() for e in ([event_type] if isinstance(event_type, str) else event_type)}
    et = (
        incidents["event_type"]
        .astype("object")
        .map(lambda v: v.casefold() if isinstance(v, str) else None)
    )
    return et.isin(wanted).to_numpy(dtype=bool)


def _actor_mask(incidents: pd.DataFrame, actor: str, actor_regex: bool) -> np.ndarray:
    """Rows whose actor holds this text (or matches this pattern)."""
    text = incidents["actor"].astype("object").fillna("").astype(str)
    if actor_regex:
        return _regex_mask(text, actor)
    return text.str.casefold().str.contains(actor.casefold(), regex=False).to_numpy(dtype=bool)


def _fatalities_mask(incidents: pd.DataFrame, low: float | None, high: float | None) -> np.ndarray:
    """Rows whose toll lies within the bounds given (rows without a toll fail them)."""
    keep = np.ones(len(incidents), dtype=bool)
    fat = pd.to_numeric(incidents.get("fatalities"), errors="coerce")
    if low is not None:
        keep &= (fat >= low).fillna(False).to_numpy(dtype=bool)
    if high is not None:
        keep &= (fat <= high).fillna(False).to_numpy(dtype=bool)
    return keep


def _precision_mask(incidents: pd.DataFrame, precision: str | list[str]) -> np.ndarray:
    """Rows placed at one of these precisions."""
    wanted_p = [precision] if isinstance(precision, str) else list(precision)
    bad = sorted(set(wanted_p) - set(PRECISIONS))
    if bad:
        msg = f"precision must be among {', '.join(PRECISIONS)}, not {bad[0]!r}"
        raise UsageError(msg)
    return incidents["geocode_precision"].isin(wanted_p).to_numpy(dtype=bool)


def _group_hits(
    incidents: pd.DataFrame,
    group: str | list[str],
    group_role: str,
    attribution: str | list[str] | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Rows that name a group (any attribution), and those whose attribution is allowed."""
    wanted_g = set(check_group_ids([group] if isinstance(group, str) else list(group)) or [])
    if group_role not in ("any", "perpetrator"):
        msg = f"group_role must be 'any' or 'perpetrator', not {group_role!r}"
        raise UsageError(msg)
    wanted_a = _attributions(attribution)
    allowed = list(wanted_a) if wanted_a is not None else ["sole", "joint", "claimed", "suspected"]
    n = len(incidents)
    cols = incidents.columns
    a1_hit = (
        _has_any(incidents["actor1_group"], wanted_g)
        if "actor1_group" in cols
        else np.zeros(n, dtype=bool)
    )
    a1_ok = (
        incidents["attribution"].isin(allowed).to_numpy(dtype=bool)
        if "attribution" in cols
        else np.ones(n, dtype=bool)
    )
    hit_any, hit_ok = a1_hit.copy(), a1_hit & a1_ok
    if group_role == "any" and "actor2_group" in cols:
        # the other party: "A and/or B" there is as uncertain as in actor1
        a2_hit = _has_any(incidents["actor2_group"], wanted_g)
        hit_any |= a2_hit
        hit_ok |= a2_hit & np.isin(_actor2_form(incidents), allowed)
    return hit_any, hit_ok
