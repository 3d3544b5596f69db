"""Filters on incidents: dates, types, actors and their groups, tolls, precision, categories.

:func:`filter_incidents` keeps the rows that pass every filter given (AND), in their
order and with their index; each filter is one mask function below.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from incidentmap.actors import AND_OR, ATTRIBUTIONS, check_group_ids
from incidentmap.categories import check_categories
from incidentmap.errors import UsageError
from incidentmap.options import GROUP_ROLES, PRECISIONS, Filters, check_dates, read_day
from incidentmap.spans import date_spans, seven_day_weeks
from incidentmap.targets import check_targets

__all__ = [
    "REGEX_SECONDS",
    "Filters",
    "Selection",
    "check_dates",
    "filter_incidents",
    "select",
    "select_rows",
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
    incidents: pd.DataFrame, filters: Filters | None = None, **given: Any
) -> pd.DataFrame:
    """Keep the incidents that pass every filter given (AND).

    Parameters
    ----------
    incidents : pandas.DataFrame
        Incidents in the canonical schema (geocoded for ``precision``).
    filters : Filters, optional
        The filters as one value (:class:`incidentmap.options.Filters`).
    **given
        Filters one by one, on top of ``filters`` (the fields of
        :class:`~incidentmap.options.Filters`): ``since``, ``until`` (inclusive dates; rows
        without a date fail them, and a row dated only to a week, a month or a year passes
        them only when its whole span lies inside: see :func:`select_rows`), ``event_type``,
        ``actor`` (case-insensitive text, a regular expression with ``actor_regex=True``),
        ``min_fatalities``,
        ``max_fatalities`` (rows without a count fail them), ``precision`` (point,
        district, province), ``group`` (actor group ids, see
        :func:`incidentmap.actors.group_ids`), ``group_role`` (``any``: either party;
        ``perpetrator``: ACLED actor1, UCDP side_a, GTD gname), ``attribution`` (sole,
        joint, uncertain, claimed, suspected; with a ``group`` and no ``attribution``,
        every attribution but ``uncertain`` is kept), ``category``.

    Returns
    -------
    pandas.DataFrame
        The kept rows, in their original order, with their original index
        (:func:`select` also says how many uncertain rows a group left out).
    """
    kept, _ = select(incidents, Filters.of(filters, **given))
    return kept


@dataclass(frozen=True)
class Selection:
    """The rows the filters keep, and the rows left out with a stated reason.

    Attributes
    ----------
    kept : pandas.DataFrame
        The rows that pass every filter, in order, with their index.
    uncertain : int
        Rows of the asked groups left out because their attribution is uncertain ("A
        and/or B"), when no ``attribution`` was asked.
    cut : pandas.DataFrame
        Rows that pass every other filter but are dated only to a span (a week, a month,
        a year, a stated range) that ``since``/``until`` cut: part of the span lies inside
        the window and part outside, so the row may or may not belong to it. They are
        left out, never counted as though they happened on their span's first day.
    by_most : int
        Rows kept though part of their span lies outside the window: a week of seven days
        with four or more of them inside (:func:`incidentmap.spans.seven_day_weeks`).
    undated : int
        Rows that pass every other filter but have no date, left out by ``since``/``until``.
    """

    kept: pd.DataFrame
    uncertain: int
    cut: pd.DataFrame
    by_most: int = 0
    undated: int = 0


def select(incidents: pd.DataFrame, filters: Filters) -> tuple[pd.DataFrame, int]:
    """Return the rows that pass ``filters`` and how many a group left out as uncertain.

    Parameters
    ----------
    incidents : pandas.DataFrame
    filters : Filters

    Returns
    -------
    pandas.DataFrame
        The kept rows, in order, with their index.
    int
        Rows of the asked groups left out because their attribution is uncertain ("A
        and/or B"), when no ``attribution`` was asked.
    """
    chosen = select_rows(incidents, filters)
    return chosen.kept, chosen.uncertain


def select_rows(incidents: pd.DataFrame, filters: Filters) -> Selection:
    """Return the rows that pass ``filters`` and those left out with a stated reason.

    A row dated only to a week, a month or a year passes ``since``/``until`` only when its
    whole span lies inside the window (:func:`date_spans`); one whose span the window cuts
    is left out and returned in :attr:`Selection.cut`, for the caller to say.

    Parameters
    ----------
    incidents : pandas.DataFrame
    filters : Filters

    Returns
    -------
    Selection
    """
    f = filters.mask_kwargs()
    inside, cut, most = _date_masks(incidents, f["since"], f["until"])
    keep = _fatalities_mask(incidents, f["min_fatalities"], f["max_fatalities"])
    for name, mask in (
        ("event_type", lambda: _event_type_mask(incidents, f["event_type"])),
        ("actor", lambda: _actor_mask(incidents, f["actor"], f["actor_regex"])),
        ("precision", lambda: _precision_mask(incidents, f["precision"])),
    ):
        if f[name] is not None:
            keep &= mask()
    passed, uncertain = _group_mask(incidents, f, keep & inside)
    keep &= passed & _class_mask(incidents, f)
    undated = 0
    if f["since"] is not None or f["until"] is not None:
        undated = int((keep & ~inside & ~cut & pd.isna(incidents["date"]).to_numpy()).sum())
    kept, cut_rows = incidents[keep & inside], incidents[keep & cut]
    return Selection(kept, uncertain, cut_rows, int((keep & most).sum()), undated)


def _group_mask(
    incidents: pd.DataFrame, f: dict[str, Any], before: np.ndarray
) -> tuple[np.ndarray, int]:
    """Rows the ``group`` and ``attribution`` filters keep, and the uncertain ones left out.

    ``before``: the rows every earlier filter keeps (the uncertain ones are counted among them).
    """
    if f["group"] is not None:
        hit_any, hit_ok = _group_hits(incidents, f["group"], f["group_role"], f["attribution"])
        uncertain = 0
        if _attributions(f["attribution"]) is None:
            uncertain = int((before & hit_any & ~hit_ok).sum())
        return hit_ok, uncertain
    if f["attribution"] is not None:
        wanted = _attributions(f["attribution"]) or []
        return incidents["attribution"].isin(wanted).to_numpy(bool), 0
    return np.ones(len(incidents), dtype=bool), 0


def _class_mask(incidents: pd.DataFrame, f: dict[str, Any]) -> np.ndarray:
    """Rows of the asked ``category`` and ``target`` (a file without targets has none)."""
    keep = np.ones(len(incidents), dtype=bool)
    if f["category"] is not None:
        wanted_c = check_categories(list(f["category"]))
        keep &= incidents["category"].isin(wanted_c or []).to_numpy(dtype=bool)
    if f["target"] is not None:
        wanted_t = check_targets(list(f["target"]))
        if "target" not in incidents.columns:
            return np.zeros(len(incidents), dtype=bool)
        keep &= incidents["target"].isin(wanted_t).to_numpy(dtype=bool)
    return keep


def _has_any(values: pd.Series, wanted: set[str]) -> np.ndarray:
    """Rows whose "a|b" group list holds one of ``wanted`` (once per distinct list)."""
    codes, uniq = pd.factorize(values.astype(object), use_na_sentinel=True)
    hit_u = np.array([bool(set(str(u).split("|")) & wanted) for u in uniq] + [False])
    return hit_u[codes]


#: the longest an actor regular expression may run over a file's distinct actor names
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


def _date_masks(
    incidents: pd.DataFrame, since: str | pd.Timestamp | None, until: str | pd.Timestamp | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows inside ``since``..``until``, rows whose span it cuts, rows inside by most days.

    A row is inside when its whole span lies in the window.
    In a window of seven days or more, a week of seven days is inside when four or more
    of its days are (the rule that counts it in one period:
    :func:`incidentmap.spans.seven_day_weeks`), so a window on whole weeks or months
    keeps exactly the rows a count by them puts there; a shorter window holds no week.
    Rows without a date fail a date filter and are in none.
    """
    n = len(incidents)
    if since is None and until is None:
        return np.ones(n, dtype=bool), np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    if "date" not in incidents:
        msg = "a date filter needs a date column"
        raise UsageError(msg)
    first, last = date_spans(incidents)
    inside = np.array(first.notna().to_numpy(dtype=bool))  # a copy: written below
    overlap = inside.copy()
    lo, hi = first, last  # the part of each span inside the window
    start = end = None
    if since is not None:
        start = read_day(since, "since")
        inside &= (first >= start).to_numpy(dtype=bool)
        overlap &= (last >= start).to_numpy(dtype=bool)
        lo = first.where(first >= start, start)
    if until is not None:
        end = read_day(until, "until", end=True)
        inside &= (last <= end).to_numpy(dtype=bool)
        overlap &= (first <= end).to_numpy(dtype=bool)
        hi = last.where(last <= end, end)
    most = seven_day_weeks(incidents, first, last) & overlap & ~inside
    wide = start is None or end is None or (end - start).days >= 6
    most &= wide & ((hi - lo).dt.days >= 3).to_numpy(dtype=bool)  # 4+ of its 7 days
    inside |= most
    return inside, overlap & ~inside, most


def _event_type_mask(incidents: pd.DataFrame, event_type: str | list[str]) -> np.ndarray:
    """Rows whose event type is one of these (case-insensitive)."""
    given = [event_type] if isinstance(event_type, str) else event_type
    wanted = {e.strip().casefold() for e in given}  # "Attack " in a file is "attack"
    et = (
        incidents["event_type"]
        .astype("object")
        .map(lambda v: v.strip().casefold() if isinstance(v, str) else None)
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
    if group_role not in GROUP_ROLES:
        msg = f"`group_role` must be one of {', '.join(GROUP_ROLES)}, not {group_role!r}"
        raise UsageError(msg, field="group_role")
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
    if group_role == "target":  # the group was attacked: the second actor (side B)
        a1_hit = np.zeros(n, dtype=bool)
    hit_any, hit_ok = a1_hit.copy(), a1_hit & a1_ok
    if group_role in ("any", "target") and "actor2_group" in cols:
        # the other party: "A and/or B" there is as uncertain as in actor1
        a2_hit = _has_any(incidents["actor2_group"], wanted_g)
        hit_any |= a2_hit
        hit_ok |= a2_hit & np.isin(_actor2_form(incidents), allowed)
    return hit_any, hit_ok
