"""The ``trends`` job: where incidents rise, per area and for the country.

``run(TrendsRequest(...))`` checks the output, loads and filters the rows
(:func:`incidentmap.jobs.load.load`), compares the latest period with its baseline
(:func:`incidentmap.trends.trends`: change, ACLED's surge and threat rules, a binomial test,
Gi* hot spots), and writes the areas when asked. The result holds the areas, the national
timeline and the facts of the comparison (periods compared, rules), never in ``attrs``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from incidentmap.errors import carrying, plural, refuse_choice
from incidentmap.jobs.aggregate import (
    coarse_note,
    say_province_only,
    say_repeated_ids,
    say_written,
    shifted_note,
    write_area_rows,
)
from incidentmap.jobs.choices import check_request
from incidentmap.jobs.load import Source, load, target_breakdown
from incidentmap.jobs.report import Report
from incidentmap.options import LEVELS, PERIOD_NAMES, Filters, Output, check_part

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["TrendsRequest", "TrendsResult", "run", "split_line"]


@dataclass(frozen=True)
class TrendsRequest:
    """What to compare.

    Attributes
    ----------
    source : Source
    filters : Filters
    level : {"province", "district"}, default "province"
    period : str, default "week"
    baseline : int, optional
        Periods before the latest one (default by period).
    hotspots : bool, default True
        Getis-Ord Gi* and emerging hot spots.
    permutations : int, default 199
    alpha : float, default 0.05
    fdr : bool, default False
        Benjamini-Hochberg correction of the Gi* p-values per period.
    include_incomplete : bool, default False
        Use the data's last period even if it is not over.
    by_target : bool, default False
        Split each area's latest count by who was targeted (``target_officials``,
        ``target_security_forces``... ``target_unknown``: every target of
        :data:`incidentmap.targets.TARGETS`, adding up to ``last_count``); the timeline is
        then counted by target instead of by category.
    output : Output, optional
        Also write the areas: ``.csv``, ``.json``, or a layer with their polygons.
    progress : callable, optional
        ``progress(step, done, total)`` during long steps.
    """

    source: Source
    filters: Filters = field(default_factory=Filters)
    level: str = "province"
    period: str = "week"
    baseline: int | None = None
    hotspots: bool = True
    permutations: int = 199
    alpha: float = 0.05
    fdr: bool = False
    include_incomplete: bool = False
    by_target: bool = False
    output: Output | None = None
    progress: Callable[[str, int, int], None] | None = None

    def __post_init__(self) -> None:
        check_request(
            self,
            numbers=("baseline", "permutations", "alpha"),
            optional=("baseline",),
            flags=("hotspots", "fdr", "include_incomplete", "by_target"),
        )
        check_part(self.output, Output, "output", none=True)

    def check(self) -> None:
        """Refuse a level, period or output that cannot work, before any file is read."""
        refuse_choice(self.level, LEVELS, "`level`")
        refuse_choice(self.period, PERIOD_NAMES, "`period`")
        if self.output is not None:
            from incidentmap.atomic import check_output, refuse_inputs
            from incidentmap.io.targets import target_for

            refuse_inputs([self.output.path], [self.source.input])

            if Path(self.output.path).suffix.lower() == ".json":
                check_output(self.output.path, overwrite=self.output.overwrite)
            else:
                target_for(self.output.path).check(overwrite=self.output.overwrite)


@dataclass
class TrendsResult:
    """The comparison.

    Attributes
    ----------
    areas : pandas.DataFrame
        One row per area: counts, change, flags, hot spots.
    timeline : pandas.DataFrame
        The national counts per period by category.
    facts : dict
        ``last_period``, ``baseline``, ``period``, ``alpha``, ``rules`` and the like.
    report : Report
    """

    areas: pd.DataFrame
    timeline: pd.DataFrame
    facts: dict[str, Any]
    level: str
    report: Report = field(default_factory=Report)

    def document(self, *, timeline: bool = False) -> dict[str, Any]:
        """Return the comparison as one JSON-ready document (the areas or the timeline)."""
        from incidentmap.io.frames import dates_as_text, json_records

        f = self.facts
        table = self.marked_timeline() if timeline else self.areas
        doc = {
            "level": self.level,
            "period": f["period"],
            "last_period": f"{f['last_period']:%Y-%m-%d}",
            # a period the data end inside is never passed off as a whole one
            "last_period_complete": bool(f.get("last_complete", True)),
            "data_end": f"{f['data_end']:%Y-%m-%d}" if f.get("data_end") is not None else None,
            "baseline": f["baseline"],
            "alpha": f["alpha"],
            "rules": f["rules"],
            "areas" if not timeline else "timeline": json_records(dates_as_text(table)),
        }
        if not timeline:
            doc["timeline"] = json_records(self.marked_timeline())
        if "by_target" in f:
            doc["by_target"] = f["by_target"]
        return doc

    def text(self, *, timeline: bool = False) -> pd.DataFrame:
        """Return the areas (or the timeline) with dates as text, as tables show them."""
        from incidentmap.io.frames import dates_as_text

        return dates_as_text(self.marked_timeline() if timeline else self.areas)

    def marked_timeline(self) -> pd.DataFrame:
        """Return the timeline with ``period_complete``: False for a period the data end inside.

        ``include_incomplete`` keeps such a period; the documents and tables say so.
        """
        return _mark_complete(self.timeline, self.facts["period"], self.facts.get("data_end"))

    def write_csv(self, stream: IO[str], *, timeline: bool = False) -> None:
        """Write the areas (or the timeline) as CSV to a text stream."""
        from incidentmap.io.frames import write_csv

        write_csv(self.text(timeline=timeline), stream)

    def _repr_html_(self) -> str:
        return self.areas.head(40)._repr_html_() + self.report._repr_html_()


def run(request: TrendsRequest) -> TrendsResult:
    """Compare the latest period with its baseline.

    Parameters
    ----------
    request : TrendsRequest

    Returns
    -------
    TrendsResult
    """
    request.check()
    report = Report()
    with carrying(report):
        loaded = load(request.source, request.filters, report)
        say_repeated_ids(report, loaded.frame)
        from incidentmap.trends import TrendOptions, compare

        breakdown = target_breakdown() if request.by_target else None
        options = TrendOptions(
            level=request.level,
            period=request.period,
            baseline=request.baseline,
            hotspots=request.hotspots,
            permutations=request.permutations,
            alpha=request.alpha,
            include_incomplete=request.include_incomplete,
            fdr=request.fdr,
            until=loaded.coverage_end,
            since=loaded.coverage_start,
            covered_from=loaded.data_start,
            breakdown=breakdown,
        )
        areas, facts = compare(loaded.frame, options=options, progress=request.progress)
        if request.level == "district":  # after compare, which refuses rows all province-only
            say_province_only(report, loaded.frame)
        _say_undated(report, loaded.frame, request.period)
        timeline = facts.pop("timeline")
        facts["coverage_basis"] = loaded.coverage_basis
        result = TrendsResult(areas, timeline, facts, request.level, report)
        _say(result, request)
        if request.output is not None:
            from incidentmap.io.targets import output_name

            _write(result, request.output, report)
            report.add("wrote", f"wrote: {output_name(request.output.path)}", kind="info")
        return result


def _mark_complete(timeline: pd.DataFrame, period: str, end: Any) -> pd.DataFrame:
    """Add ``period_complete`` to the timeline: False for a period the data end inside."""
    import pandas as pd

    from incidentmap.aggregate import PERIODS

    if end is None or "period_start" not in timeline or not len(timeline):
        return timeline
    starts = pd.to_datetime(timeline["period_start"])
    ends = starts.dt.to_period(PERIODS[period]).dt.end_time.dt.normalize()
    return timeline.assign(period_complete=(ends <= pd.Timestamp(end)).to_numpy())


def _say_spans(report: Report, f: dict[str, Any], period: str) -> None:
    """Say the weeks counted by calendar week and the rows no one period (or week) holds."""
    if f.get("shifted_weeks"):
        report.add("shifted_weeks", shifted_note(f["shifted_weeks"], period))
    coarse = {"week": f.get("coarse_dates_week", 0), period: f.get("coarse_dates", 0)}
    for what, n in coarse.items():
        if n and (what != "week" or f.get("surge_week") is not None):
            report.add("coarse_dates", coarse_note(n, what))


def _say(result: TrendsResult, request: TrendsRequest) -> None:
    """Say the periods compared and how many areas each rule flagged."""
    f, period, add = result.facts, request.period, result.report.add
    note = f"latest {period}: {f['last_period']:%Y-%m-%d}{_left_out(f, period)}"
    if not f.get("last_complete", True):  # `include_incomplete`: said where the period is named
        note += f" (incomplete: the data end {f['data_end']:%Y-%m-%d}, inside it)"
    add("compared", f"{note}; baseline: {plural(f['baseline'], period)} before it", kind="info")
    _say_first(f, period, add)
    if f.get("surge_week") is not None:
        add("surge_week", f"surge and threat: ACLED's weekly rules, {_surge_week(f)}", kind="info")
    else:
        add(
            "surge_week",
            "surge and threat not applied: ACLED's rules are weekly and no row is dated to a "
            "day (the rows are counts by month or year)",
        )
    _say_spans(result.report, f, period)
    if "by_target" in f:
        add("by_target", f"latest {period} by target: {split_line(f['by_target'])}", kind="info")
    _say_quiet_hot(result, request)
    areas = result.areas
    counts = {k: _flagged(areas, k) for k in ("surge", "threat", "rising")}
    add(
        "flagged",
        f"{request.level}s flagged: surge {counts['surge']}, threat {counts['threat']}, rising "
        f"{counts['rising']} of {len(areas)}",
        kind="info",
    )


#: the weeks each tracker needs (the latest and its baseline)
_WEEKS_NEEDED = {"surge": 5, "threat": 56}


def _flagged(areas: Any, rule: str) -> str:
    """``3``, or ``not evaluated (fewer than 56 ACLED weeks)`` where the rule had no weeks."""
    if rule not in areas:
        return "0"
    flags = areas[rule]
    if rule in _WEEKS_NEEDED and len(flags) and flags.isna().all():
        return f"not evaluated (fewer than {_WEEKS_NEEDED[rule]} ACLED weeks)"
    return str(int(flags.fillna(False).astype(bool).sum()))


def _say_first(f: dict[str, Any], period: str, add: Any) -> None:
    """Say a first period left out: `since` cuts it, or the data start inside it."""
    if f.get("first_whole") is not None:
        why, since = "which `since` cuts", f["first_whole"]
    elif f.get("first_whole_data") is not None:
        why = f"which the data cover only from {f['data_start']:%Y-%m-%d} (their first event)"
        since = f["first_whole_data"]
    else:
        return
    add(
        "partial_start",
        f"the first {period}, {why}, is left out of the comparison (half a {period} is not a "
        f"{period}): the {period}s from {since:%Y-%m-%d} are compared",
        field="since",
    )


def _say_undated(report: Report, frame: Any, period: str) -> None:
    """Say the rows without a date: in no period, so in no count compared."""
    n = int(frame["date"].isna().sum()) if "date" in frame.columns else len(frame)
    if n:
        report.add(
            "undated",
            f"{n:,} {'row has' if n == 1 else 'rows have'} no date: in no {period}, in no "
            "count compared",
        )


def _say_quiet_hot(result: TrendsResult, request: TrendsRequest) -> None:
    """Say how many areas with no event lie among hot ones (and are not called hot)."""
    f = result.facts
    n = f.get("hot_without_events", 0)
    if not n:
        return
    result.report.add(
        "hot_without_events",
        f"{plural(n, request.level)} with no event in the latest {request.period} "
        f"{'lies' if n == 1 else 'lie'} among hot ones (gi_p < {f['alpha']:g}) and "
        f"{'is' if n == 1 else 'are'} not called hot: nothing happened there",
    )


def _surge_week(f: dict[str, Any]) -> str:
    """``latest complete week 2023-10-30``, or ``latest week 2023-11-06 (incomplete: ...)``.

    With ``include_incomplete`` the latest week may be one the data end inside.
    """
    import pandas as pd

    week, end = f["surge_week"], f.get("data_end")
    last = week + pd.Timedelta(days=6)
    left = f.get("tracker_left_out", 0)
    them = f"; {left:,} rows of ACLED's non-violent types not counted" if left else ""
    if end is not None and last > end:
        return (
            f"latest ACLED week {week:%Y-%m-%d} to {last:%Y-%m-%d} (incomplete: data end "
            f"{end:%Y-%m-%d}){them}"
        )
    return (
        f"latest complete ACLED week {week:%Y-%m-%d} to {last:%Y-%m-%d} (Saturday to Friday), "
        f"violent events{them}"
    )


def _left_out(f: dict[str, Any], period: str) -> str:
    """`` (the data cover to ...; the month it ends inside is left out)``, or nothing."""
    if not f.get("dropped_incomplete"):
        return ""
    basis = f": {f['coverage_basis']}" if f.get("coverage_basis") else ""
    return (
        f" (the data cover to {f['data_end']:%Y-%m-%d}{basis}; the {period} it ends inside "
        "is left out)"
    )


def split_line(split: dict[str, float]) -> str:
    """Say a breakdown in words: the values counted, largest first, then ``unknown``.

    ``civilians 40, security forces 20, officials 5; unknown 3`` (values of 0 left out;
    the unknown apart, never folded into the others); ``none`` when nothing was counted.
    """
    known = sorted(((v, n) for v, n in split.items() if v != "unknown" and n), key=lambda x: -x[1])
    parts = [", ".join(f"{v} {n:,.10g}" for v, n in known)] if known else []
    if split.get("unknown"):
        parts.append(f"unknown {split['unknown']:,.10g}")
    return "; ".join(parts) or "none"


def _write(result: TrendsResult, output: Output, report: Report) -> None:
    from incidentmap.atomic import atomic_write
    from incidentmap.context import context_for

    if Path(output.path).suffix.lower() == ".json":
        with atomic_write(output.path, overwrite=output.overwrite) as tmp:
            text = json.dumps(result.document(), ensure_ascii=False)  # as `-f json` prints
            tmp.write_text(text, "utf-8")
        return
    ctx = context_for(None)
    areas = ctx.districts if result.level == "district" else ctx.provinces
    # dates stay dates: a Date field in a GeoPackage or shapefile, ISO text in a CSV
    written = write_area_rows(result.areas, output, areas, result.level, f"trends_{result.level}")
    say_written(report, written)
