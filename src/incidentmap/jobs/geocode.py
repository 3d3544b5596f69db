"""The ``geocode`` job: every incident of a file placed in a province and district, written.

``run(GeocodeRequest(...))`` checks the output, then runs
:func:`incidentmap.pipeline.geocode_to_file` (a large CSV in blocks, in bounded memory) and
turns its :class:`~incidentmap.pipeline.GeocodeReport` into the job's report: rows read,
placed by point and by name, conflicts, unplaced with their reasons, what the writer changed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from incidentmap.errors import carrying, plural
from incidentmap.jobs.aggregate import say_written
from incidentmap.jobs.choices import check_request
from incidentmap.jobs.load import Source
from incidentmap.jobs.report import Report
from incidentmap.options import BLOCK_MB, Output, check_part

if TYPE_CHECKING:
    from incidentmap.pipeline import GeocodeReport

__all__ = ["GeocodeRequest", "GeocodeResult", "run", "summarise"]


@dataclass(frozen=True)
class GeocodeRequest:
    """What to place, and where to write it.

    Attributes
    ----------
    source : Source
        A file (``-`` for standard input).
    output : Output
    block_mb : float, default 8
        Read a UTF-8 CSV larger than this in blocks (0: whole).
    progress : callable, optional
        ``progress(bytes_read, size)`` after each block.
    stage : callable, optional
        Told what starts (``"writing x.gpkg"``), for messages.
    """

    source: Source
    output: Output
    block_mb: float = BLOCK_MB
    progress: Callable[[int, int], None] | None = None
    stage: Callable[[str], None] | None = None

    def __post_init__(self) -> None:
        check_request(self, numbers=("block_mb",))
        check_part(self.output, Output, "output")

    def check(self) -> None:
        """Refuse, before any file is read, an output that is the input."""
        from incidentmap.atomic import refuse_inputs

        refuse_inputs([self.output.path], [self.source.input])


@dataclass
class GeocodeResult:
    """What a geocode run did.

    Attributes
    ----------
    counts : GeocodeReport
        The placing counts for the whole file.
    report : Report
    """

    counts: GeocodeReport
    report: Report = field(default_factory=Report)

    def _repr_html_(self) -> str:
        return self.report._repr_html_()


def run(request: GeocodeRequest) -> GeocodeResult:
    """Geocode a file into another.

    Parameters
    ----------
    request : GeocodeRequest

    Returns
    -------
    GeocodeResult
    """
    from incidentmap.io.targets import output_name
    from incidentmap.pipeline import geocode_to_file

    request.check()
    # a file (in blocks when large) or a database table (read whole, written in one transaction)
    counts = geocode_to_file(
        request.source.input,
        request.output,
        read=request.source.read,
        geo=request.source.geo,
        block_mb=request.block_mb,
        progress=request.progress,
        stage=request.stage,
    )
    report = Report()
    with carrying(report):
        for line in counts.notes:
            report.add("read_note", line)
        summarise(counts, request.source.name, report)
        for name, new in counts.write.get("fields", {}).items():
            report.add("field", f"field {name!r} written as {new!r} ({counts.write['format']})",
                       field=name, kind="info")  # fmt: skip
        say_written(report, counts.write)
        rows = sum(counts.write.get("layers", {}).values())
        report.counts.update(counts.summary)
        line = f"wrote: {plural(rows, 'row')} to {output_name(request.output.path)}"
        report.add("wrote", line, kind="info")
        return GeocodeResult(counts, report)


def summarise(counts: GeocodeReport, source: str, report: Report) -> None:
    """Add the counts of a geocoded file to a report, a line each."""
    s = counts.summary
    m = s["by_method"]
    add = report.add
    line = f"read: {plural(s['read'], 'row')} from {source} (preset {counts.preset})"
    add("read", line, kind="info")
    for line in counts.layout:
        add("layout", line, kind="info")
    add(
        "by_point",
        f"placed by point: {s['placed_by_point']:,} (in polygon {m.get('point', 0):,}, "
        f"snapped {m.get('point_snapped', 0):,}, lat/lon swapped {m.get('point_swapped', 0):,})",
        kind="info",
    )
    add(
        "by_name",
        f"placed by name: {s['placed_by_name']:,} (district {m.get('district_name', 0):,}, "
        f"place {m.get('place_name', 0):,}, province only {m.get('province_name', 0):,})",
        kind="info",
    )
    add(
        "conflicts",
        f"conflicts (point or names vs stated province or country): {s['conflicts']:,}",
        kind="info",
    )
    if s.get("snapped_from_outside"):
        add(
            "from_outside",
            f"snapped from outside Afghanistan: {s['snapped_from_outside']:,}",
            kind="info",
        )
    reasons = ", ".join(f"{k} {v}" for k, v in sorted(s["unplaced_reasons"].items()))
    unplaced = f"unplaced: {s['unplaced']:,}" + (f" ({reasons})" if reasons else "")
    add("unplaced", unplaced, kind="info")
    if counts.bad_values:
        add(
            "bad_values",
            f"rows with values read as unknown, each with its reason (see input_note): "
            f"{counts.bad_values:,}",
            kind="info",
        )
    for row, note in counts.unplaced:
        add("unplaced_row", f"  row {row}: {note}", kind="info")
    if s["unplaced"] > len(counts.unplaced):
        more = s["unplaced"] - len(counts.unplaced)
        add("unplaced_more", f"  ... and {more} more (geocode_note column)", kind="info")
