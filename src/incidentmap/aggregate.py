"""Count incidents by area and period, and the filters every command shares.

:func:`counts_by_area` turns geocoded incidents into a tidy table with one row
per area x period, every area of the level and every period in range present,
zeros filled. :func:`filter_incidents` applies the filters shared by the
``aggregate``, ``map``, ``query`` and ``export`` commands.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from incidentmap.errors import UsageError

__all__ = ["LEVELS", "PERIODS", "counts_by_area", "filter_incidents", "period_start"]

#: period name -> pandas period frequency (weeks start on Monday)
PERIODS: dict[str, str] = {
    "day": "D",
    "week": "W-SUN",
    "month": "M",
    "quarter": "Q",
    "year": "Y",
}
LEVELS = ("district", "province")
PRECISIONS = ("point", "district", "province")
#: the most area x period rows a count table may have (see counts_by_area)
MAX_ROWS = 5_000_000


def period_start(dates: pd.Series, period: str) -> pd.Series:
    """Return the first day of the period holding each date.

    Parameters
    ----------
    dates : pandas.Series of datetime64
    period : {"day", "week", "month", "quarter", "year"}
        Weeks run Monday to Sunday.

    Returns
    -------
    pandas.Series of datetime64 (NaT where the date is missing)
    """
    if period not in PERIODS:
        msg = f"period must be one of {', '.join(PERIODS)}, not {period!r}"
        raise UsageError(msg)
    d = pd.to_datetime(dates)
    return d.dt.to_period(PERIODS[period]).dt.start_time.astype("datetime64[ns]")


def _attributions(attribution: str | list[str] | None) -> list[str] | None:
    from incidentmap.actors import ATTRIBUTIONS

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
    from incidentmap.actors import _AND_OR

    if "actor2" not in incidents.columns:
        return np.full(len(incidents), "sole", dtype=object)
    text = incidents["actor2"].astype(object)
    codes, uniq = pd.factorize(text)
    forms = np.array(
        [*("uncertain" if _AND_OR.search(str(u)) else "sole" for u in uniq), "sole"], dtype=object
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
    keep = np.ones(len(incidents), dtype=bool)
    dates = pd.to_datetime(incidents["date"]) if "date" in incidents else None
    if since is not None or until is not None:
        if dates is None:
            msg = "a date filter needs a date column"
            raise UsageError(msg)
        if since is not None:
            keep &= (dates >= _day(since, "since")).fillna(False).to_numpy(dtype=bool)
        if until is not None:
            keep &= (dates <= _day(until, "until", end=True)).fillna(False).to_numpy(dtype=bool)
    if event_type is not None:
        wanted = {
            e.casefold() for e in ([event_type] if isinstance(event_type, str) else event_type)
        }
        et = (
            incidents["event_type"]
            .astype("object")
            .map(lambda v: v.casefold() if isinstance(v, str) else None)
        )
        keep &= et.isin(wanted).to_numpy(dtype=bool)
    if actor is not None:
        text = incidents["actor"].astype("object").fillna("").astype(str)
        if actor_regex:
            keep &= _regex_mask(text, actor)
        else:
            keep &= (
                text.str.casefold().str.contains(actor.casefold(), regex=False).to_numpy(dtype=bool)
            )
    fat = pd.to_numeric(incidents.get("fatalities"), errors="coerce")
    if min_fatalities is not None:
        keep &= (fat >= min_fatalities).fillna(False).to_numpy(dtype=bool)
    if max_fatalities is not None:
        keep &= (fat <= max_fatalities).fillna(False).to_numpy(dtype=bool)
    if precision is not None:
        wanted_p = [precision] if isinstance(precision, str) else list(precision)
        bad = sorted(set(wanted_p) - set(PRECISIONS))
        if bad:
            msg = f"precision must be among {', '.join(PRECISIONS)}, not {bad[0]!r}"
            raise UsageError(msg)
        keep &= incidents["geocode_precision"].isin(wanted_p).to_numpy(dtype=bool)
    left_out = 0
    if group is not None:
        from incidentmap.actors import check_group_ids

        wanted_g = set(check_group_ids([group] if isinstance(group, str) else list(group)) or [])
        if group_role not in ("any", "perpetrator"):
            msg = f"group_role must be 'any' or 'perpetrator', not {group_role!r}"
            raise UsageError(msg)
        wanted_a = _attributions(attribution)
        allowed = (
            list(wanted_a) if wanted_a is not None else ["sole", "joint", "claimed", "suspected"]
        )
        a1_hit = (
            _has_any(incidents["actor1_group"], wanted_g)
            if "actor1_group" in incidents.columns
            else np.zeros(len(incidents), dtype=bool)
        )
        a1_form = incidents["attribution"] if "attribution" in incidents.columns else None
        a1_ok = (
            a1_form.isin(allowed).to_numpy(dtype=bool)
            if a1_form is not None
            else np.ones(len(incidents), dtype=bool)
        )
        hit_any, hit_ok = a1_hit.copy(), a1_hit & a1_ok
        if group_role == "any" and "actor2_group" in incidents.columns:
            # the other party: "A and/or B" there is as uncertain as in actor1
            a2_hit = _has_any(incidents["actor2_group"], wanted_g)
            a2_form = _actor2_form(incidents)
            hit_any |= a2_hit
            hit_ok |= a2_hit & np.isin(a2_form, allowed)
        if wanted_a is None:
            left_out = int((keep & hit_any & ~hit_ok).sum())
        keep &= hit_ok
    elif attribution is not None:
        wanted_a = _attributions(attribution) or []
        keep &= incidents["attribution"].isin(wanted_a).to_numpy(dtype=bool)
    if category is not None:
        from incidentmap.categories import check_categories

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


def _day(value: str | pd.Timestamp, name: str, *, end: bool = False) -> pd.Timestamp:
    """Read YYYY, YYYY-MM or YYYY-MM-DD; with ``end``, the last day of a year or month."""
    if isinstance(value, pd.Timestamp):
        return value.normalize()
    text = str(value).strip()
    m = re.fullmatch(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?", text)
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


def counts_by_area(
    incidents: pd.DataFrame,
    areas: pd.DataFrame,
    *,
    level: str = "district",
    period: str | None = "month",
    sums: tuple[str, ...] | list[str] = ("fatalities", "injured"),
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    population: pd.DataFrame | None = None,
    max_rows: int | None = MAX_ROWS,
) -> pd.DataFrame:
    """Count incidents and sum numeric columns by area and period.

    Parameters
    ----------
    incidents : pandas.DataFrame
        Geocoded incidents (:func:`incidentmap.geocode`).
    areas : pandas.DataFrame
        The area layer of the level (``load_boundaries(level)``): every area of
        it appears in the result, with zeros where nothing happened.
    level : {"district", "province"}, default "district"
        District counts use rows placed in a district; province counts use every
        row placed in a province (including province-precision rows).
    period : {"day", "week", "month", "quarter", "year"} or None, default "month"
        None gives one row per area (totals). Rows without a date are counted
        only in totals.
    sums : sequence of str, default ("fatalities", "injured")
        Numeric columns to add up (missing values count as 0; columns absent
        from the input are skipped).
    start, end : date, optional
        Extend (or cut) the period range; default: the incidents' date range.
    population : pandas.DataFrame, optional
        Columns ``province_code`` or ``district_id`` and ``population``: adds
        ``incidents_per_100k`` (and ``<sum>_per_100k``).
    max_rows : int or None, default 5,000,000
        Refuse, before any work, a table of more areas x periods than this (two
        dates a century apart by district and day would be 29 million rows);
        None lifts the limit.

    Returns
    -------
    pandas.DataFrame
        ``<level>_id`` (district_id or province_code), area name(s),
        ``period_start`` (if ``period``), ``incidents``, the sums; sorted by
        area then period.
    """
    if level not in LEVELS:
        msg = f"level must be one of {', '.join(LEVELS)}, not {level!r}"
        raise UsageError(msg)
    key = "district_id" if level == "district" else "province_code"
    names = ["district", "province_code", "province"] if level == "district" else ["province"]
    area_table = pd.DataFrame(areas)[[key, *[n for n in names if n in areas.columns]]].copy()
    area_table[key] = area_table[key].astype(str)
    if key not in incidents.columns:
        msg = f"incidents have no {key} column (geocode them first)"
        raise UsageError(msg)
    used = [c for c in dict.fromkeys([key, "date", *sums]) if c in incidents.columns]
    rows = pd.DataFrame({c: incidents[c] for c in used})  # only what is counted: no geometry
    rows = rows[rows[key].notna()]
    rows[key] = rows[key].astype(str)
    unknown = set(rows[key]) - set(area_table[key])
    if unknown:
        msg = f"incidents name {level}s not in the area layer: {sorted(unknown)[:3]}"
        raise UsageError(msg)
    sum_cols = [c for c in sums if c in rows.columns]
    for c in sum_cols:
        rows[c] = pd.to_numeric(rows[c], errors="coerce").fillna(0.0)
    rows["incidents"] = 1
    value_cols = ["incidents", *sum_cols]
    if period is None:
        grouped = rows.groupby(key)[value_cols].sum()
        out = area_table.merge(grouped, left_on=key, right_index=True, how="left")
    else:
        rows["period_start"] = period_start(rows["date"], period)
        dated = rows[rows["period_start"].notna()]
        first = pd.Timestamp(start) if start is not None else dated["period_start"].min()
        last = pd.Timestamp(end) if end is not None else dated["period_start"].max()
        if pd.isna(first) or pd.isna(last):
            periods = pd.DatetimeIndex([], name="period_start")
        else:
            n_periods = _count_periods(first, last, period)
            if max_rows is not None and n_periods * len(area_table) > max_rows:
                msg = (
                    f"counts by {level} x {period} from {first:%Y-%m-%d} to {last:%Y-%m-%d} "
                    f"would be {n_periods * len(area_table):,} rows ({len(area_table)} {level}s "
                    f"x {n_periods:,} {period}s), more than the limit of {max_rows:,}: choose a "
                    "longer period, or narrow the dates with --since/--until"
                )
                raise UsageError(msg)
            periods = pd.period_range(first, last, freq=PERIODS[period]).start_time
            periods = pd.DatetimeIndex(periods.astype("datetime64[ns]"), name="period_start")
        grouped = dated.groupby([key, "period_start"])[value_cols].sum()
        full = pd.MultiIndex.from_product([area_table[key], periods], names=[key, "period_start"])
        grouped = grouped.reindex(full)
        out = area_table.merge(grouped.reset_index(), on=key, how="left")
    for c in value_cols:
        out[c] = out[c].fillna(0)
    out["incidents"] = out["incidents"].astype(np.int64)
    if population is not None:
        _add_rates(out, population, key, value_cols)
    sort = [key, "period_start"] if period is not None else [key]
    out = out.sort_values(sort, kind="stable").reset_index(drop=True)
    out.attrs.update({"level": level, "period": period, "sums": sum_cols})
    return out


def _count_periods(first: pd.Timestamp, last: pd.Timestamp, period: str) -> int:
    """How many periods from ``first`` to ``last``, without building them."""
    freq = PERIODS[period]
    return (pd.Period(last, freq=freq) - pd.Period(first, freq=freq)).n + 1


def _add_rates(out: pd.DataFrame, population: pd.DataFrame, key: str, cols: list[str]) -> None:
    if key not in population.columns or "population" not in population.columns:
        msg = f"population table needs columns {key!r} and 'population'"
        raise UsageError(msg)
    pop = population.set_index(population[key].astype(str))["population"]
    p = pd.to_numeric(out[key].map(pop), errors="coerce")
    for c in cols:
        name = "incidents_per_100k" if c == "incidents" else f"{c}_per_100k"
        out[name] = np.where(p > 0, out[c] / p * 100_000, np.nan)
