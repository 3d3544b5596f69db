"""The ``merge`` job: several sources into one event list, without counting an event twice.

``run(MergeRequest(...))`` checks everything that needs no file first (at least two sources,
the windows, the pairs to explain, the outputs: each checked once, never the same file
twice), reads and places each source on its own (its layout recognised), explains a pair
when asked, merges (:func:`incidentmap.merge.merge_incidents`, with a person's decisions
when given) and writes the merged list and the pairs file together: the pairs file is
published only once the list is.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from incidentmap.errors import UsageError, plural
from incidentmap.jobs.aggregate import say_written
from incidentmap.jobs.choices import check_request
from incidentmap.jobs.report import Report
from incidentmap.options import GeoOptions, Output, ReadOptions

if TYPE_CHECKING:
    import pandas as pd

    from incidentmap.merge import MergeResult

__all__ = ["MergeRequest", "MergeRun", "run", "source_spec"]


@dataclass(frozen=True)
class MergeRequest:
    """What to merge.

    Attributes
    ----------
    sources : tuple
        Two or more sources: a path (named by its stem), ``name=path``, or a
        ``(name, frame)`` pair.
    output : Output, optional
        The merged event list.
    pairs : path, optional
        Every candidate pair with its score and decision (``.csv``).
    km, days : float
        The windows: distance between two points, days between two dates.
    decisions : path, optional
        A pairs file whose ``decision`` column a person set.
    explain : (str, str), optional
        Two rows, ``source:event_id``, whose score to take apart.
    read : ReadOptions
    geo : GeoOptions
    """

    sources: tuple[Any, ...]
    output: Output | None = None
    pairs: str | os.PathLike[str] | None = None
    km: float = 5.0
    days: float = 1.0
    decisions: str | os.PathLike[str] | None = None
    explain: tuple[str, str] | None = None
    read: ReadOptions = field(default_factory=ReadOptions)
    geo: GeoOptions = field(default_factory=GeoOptions)

    def __post_init__(self) -> None:
        from incidentmap.options import check_part

        check_request(self, numbers=("km", "days"))
        check_part(self.read, ReadOptions, "read")
        check_part(self.geo, GeoOptions, "geo")
        check_part(self.output, Output, "output", none=True)

    def check(self) -> None:
        """Refuse what cannot work before any file is read."""
        from incidentmap.merge.core import check_windows
        from incidentmap.merge.explain import parse_key

        if len(self.sources) < 2:
            raise UsageError("merge needs at least two sources", field="inputs")
        check_windows(self.km, self.days)
        if self.explain is not None:
            if len(self.explain) != 2:
                msg = "`explain` takes two rows: `explain` acled:ID `explain` gtd:ID"
                raise UsageError(msg, field="explain")
            for key in self.explain:
                parse_key(key)
        if self.output is None and not self.explain:
            msg = "give `output` for the merged list (or `explain` a pair)"
            raise UsageError(msg, field="output")
        self._check_outputs()

    def _check_outputs(self) -> None:
        from incidentmap.atomic import check_output, refuse_inputs
        from incidentmap.io.targets import target_for

        outputs = [self.output.path if self.output is not None else None, self.pairs]
        read = [s[1] if isinstance(s, tuple) else source_spec(str(s))[1] for s in self.sources]
        refuse_inputs(outputs, [*read, self.decisions])  # a source, the decisions: never replaced

        if self.pairs is not None:
            if Path(self.pairs).suffix.lower() != ".csv":
                raise UsageError(f"`pairs`: {self.pairs} must end in .csv", field="pairs")
            if self.output is None:
                raise UsageError("`pairs` needs `output`", field="pairs")
            if _same_file(self.pairs, self.output.path):
                msg = f"`pairs` and `output` name one file ({self.pairs}): name two files"
                raise UsageError(msg, field="pairs")
        if self.output is not None:
            target_for(self.output.path).check(overwrite=self.output.overwrite)
            if self.pairs is not None:
                check_output(self.pairs, overwrite=self.output.overwrite)


def _same_file(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> bool:
    """Whether two paths name one file (``./x.csv`` and ``x.csv``, a link and its file)."""
    if "://" in os.fspath(a) or "://" in os.fspath(b):
        return os.fspath(a) == os.fspath(b)
    return os.path.normcase(os.path.realpath(a)) == os.path.normcase(os.path.realpath(b))


@dataclass
class MergeRun:
    """What a merge run gives.

    Attributes
    ----------
    result : MergeResult, optional
        The merged list, the pairs and the counts (None when only a pair was explained).
    explanation : pandas.DataFrame, optional
        The parts of the explained pair's score.
    report : Report
    """

    result: MergeResult | None = None
    explanation: pd.DataFrame | None = None
    report: Report = field(default_factory=Report)

    def _repr_html_(self) -> str:
        head = "" if self.result is None else self.result.merged.head(20)._repr_html_()
        return head + self.report._repr_html_()


def source_spec(spec: str) -> tuple[str, str]:
    """``name=path`` or ``path`` (named by its stem) -> (name, path)."""
    from incidentmap.merge import source_name

    name, sep, path = spec.partition("=")
    if "://" in spec.split("=", 1)[0]:  # a database URL (its ?table= holds an "=")
        from urllib.parse import parse_qs, urlsplit

        table = parse_qs(urlsplit(spec).query).get("table", ["database"])[0]
        return source_name(table.rsplit(".", 1)[-1]), spec
    if sep and name and not Path(spec).exists():
        return source_name(name), path
    return source_name(Path(spec).stem if spec != "-" else "stdin"), spec


def run(request: MergeRequest, *, quiet: bool = False) -> MergeRun:
    """Merge the sources; write the list and the pairs when asked.

    Parameters
    ----------
    request : MergeRequest
    quiet : bool, default False
        Leave the reading notes out of the report.

    Returns
    -------
    MergeRun
    """
    request.check()
    report = Report()
    named = _load(request, report, quiet=quiet)
    out = MergeRun(report=report)
    if request.explain:
        out.explanation = _explain(named, request, report)
    if request.output is None:
        return out
    from incidentmap.merge import merge_incidents

    calls = _decisions(request, named)
    out.result = merge_incidents(named, km=request.km, days=request.days, decisions=calls)
    written = _write(out.result, request)
    _counts(out.result, report)
    say_written(report, written)
    report.add("wrote", f"wrote: {len(out.result.merged):,} events to {written['path']}",
               kind="info")  # fmt: skip
    if request.pairs is not None:
        report.add("wrote", f"wrote: {len(out.result.pairs):,} pairs to {request.pairs}",
                   kind="info")  # fmt: skip
    return out


def _load(request: MergeRequest, report: Report, *, quiet: bool) -> list[tuple[str, Any]]:
    """Read and place each source (each file's layout recognised on its own)."""
    from incidentmap.jobs.load import Source, load

    specs = [s if isinstance(s, tuple) else source_spec(os.fspath(s)) for s in request.sources]
    names = [n for n, _ in specs]
    twice = next((n for n in names if names.count(n) > 1), None)
    if twice:
        msg = f"two sources are named {twice!r}: name them (name=path)"
        raise UsageError(msg, field="inputs")
    wanted = _explained(request, names)
    named = []
    for name, given in specs:
        step = Report()
        loaded = load(Source(given, request.read, request.geo), None, step, quiet=quiet)
        for note in step.notes:
            text = f"{name}: {note.text}" if note.code == "read" else note.text
            report.add(note.code, text, field=note.field, kind=note.kind)
        _check_source(name, given, loaded.frame, wanted.get(name, []), report)
        named.append((name, loaded.frame))
    return named


def _explained(request: MergeRequest, names: list[str]) -> dict[str, list[str]]:
    """Return the rows ``explain`` names, by source (a source not among the inputs refused)."""
    from incidentmap.merge.explain import parse_key

    out: dict[str, list[str]] = {}
    for key in request.explain or ():
        name, event = parse_key(key)
        if name not in names:
            msg = f"`explain`: {name!r} is not one of the sources ({', '.join(names)})"
            raise UsageError(msg, field="explain")
        out.setdefault(name, []).append(event)
    return out


def _check_source(name: str, given: Any, frame: Any, explain: list[str], report: Report) -> None:
    """Refuse an empty source, a count table and an unknown row to explain.

    Event ids given to several rows are said.
    """
    from incidentmap.io.roles import count_column
    from incidentmap.merge.decisions import known_id
    from incidentmap.merge.records import DUPLICATE_MARK, duplicate_ids, event_ids

    where = given if isinstance(given, str | os.PathLike) else name
    if not len(frame):
        msg = f"source {name!r} ({where}) has no rows: nothing of it to merge"
        raise UsageError(msg, field="inputs")
    _refuse_counts(name, where, count_column(frame))
    ids = set(event_ids(frame).tolist()) if explain else set()
    for event in explain:
        if event not in ids and known_id(event, ids) is None:
            msg = f"`explain`: {event!r} is not an event id of {name} ({where})"
            raise UsageError(msg, field="explain")
    said = duplicate_ids(frame)
    if said:
        shown = "; ".join(f"{k!r} on {len(v)} rows: {', '.join(v)}" for k, v in
                          list(sorted(said.items()))[:3])  # fmt: skip
        more = f" (and {len(said) - 3:,} more ids)" if len(said) > 3 else ""
        report.add(
            "duplicate_ids",
            f"{name}: {len(said):,} event ids are said on several rows; the merge names those "
            f"rows apart, the text before the last {DUPLICATE_MARK!r} is the file's id: "
            f"{shown}{more}",
            kind="warning",
        )


def _refuse_counts(name: str, where: Any, counted: str | None) -> None:
    """Refuse a count table (ACLED's weekly counts, HDX HAPI: a row is several events)."""
    if counted is None:
        return
    msg = (
        f"source {name!r} ({where}) is a count table: column {counted!r} holds how many "
        "events each row stands for, and a merge pairs one event a row, so its counts "
        "would be lost; merge lists of events (one a row), and count this table on its "
        "own (aggregate, brief and trends count each row as its events)"
    )
    raise UsageError(msg, field="inputs")


def _explain(named: list[tuple[str, Any]], request: MergeRequest, report: Report) -> Any:
    from incidentmap.merge.explain import explain_pair, parse_key

    assert request.explain is not None
    first, second = (parse_key(p) for p in request.explain)
    parts, lines = explain_pair(dict(named), first, second, km=request.km, days=request.days)
    for line in lines:
        report.add("explain", line, kind="info")
    return parts


def _decisions(request: MergeRequest, named: list[tuple[str, Any]]) -> Any:
    if request.decisions is None:
        return None
    from incidentmap.merge.decisions import read_decisions
    from incidentmap.merge.records import event_ids

    ids = {n: {str(e) for e in event_ids(g)} for n, g in named}
    return read_decisions(request.decisions, ids)


def _write(result: MergeResult, request: MergeRequest) -> dict[str, Any]:
    """Write the merged list, and the pairs file published only once the list is."""
    from incidentmap.atomic import atomic_write
    from incidentmap.io.frames import write_csv
    from incidentmap.io.targets import target_for

    assert request.output is not None
    out = request.output
    target = target_for(out.path)
    layers = {"merged": result.merged}
    if request.pairs is None:
        return target.write_layers(layers, overwrite=out.overwrite, csv_safe=out.csv_safe)
    with atomic_write(request.pairs, overwrite=out.overwrite) as tmp:
        write_csv(result.pairs, tmp, csv_safe=out.csv_safe)
        return target.write_layers(layers, overwrite=out.overwrite, csv_safe=out.csv_safe)


def _counts(result: MergeResult, report: Report) -> None:
    for name, c in result.counts.items():
        report.add(
            "source",
            f"{name}: {plural(c['rows'], 'row')}: {c['merged']:,} in events another source also "
            f"reported, {c['alone']:,} alone (of which {c['not_compared']:,} not compared: "
            f"no date or no place), {c['review']:,} in pairs to review",
            kind="info",
        )
    decisions = result.pairs["decision"].value_counts()
    report.add(
        "pairs",
        "pairs: "
        + ", ".join(f"{decisions.get(d, 0):,} {d}" for d in ("match", "review", "different")),
        kind="info",
    )
    if result.pending or result.ambiguous:
        report.add(
            "pending",
            f"depend on a person's decision: {result.pending:,} events (pairs in review); "
            f"{result.ambiguous:,} pairs left for review because a rival scores close",
            kind="info",
        )
    for both, n in result.same.items():
        first, second = both.split("+", 1)
        report.add(
            "same_rows",
            f"{first} and {second}: {n:,} rows are the same row in both (one event id and "
            "the same date, place, type, actors and tolls, one row perhaps without its date "
            "or placed more coarsely; or every column equal): each matched as one event; one "
            "file given twice, one publisher's overlapping files, or an extract of one?",
            kind="warning",
        )
    events, rows = len(result.merged), result.rows_in
    multi = int((result.merged["n_sources"] > 1).sum())
    report.counts.update(
        rows_in=rows, events=events, multi=multi, pending=result.pending,
        ambiguous=result.ambiguous,
    )  # fmt: skip
    report.add(
        "merged",
        f"merged: {plural(rows, 'row')} in = {plural(events, 'event')} out ({multi:,} reported "
        f"by more than one source) + {plural(rows - events, 'row')} merged into them",
        kind="info",
    )
