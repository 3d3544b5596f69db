"""The Python API: the jobs the command line runs, taking a path or a frame.

Each function builds the job's request from its arguments and runs it; the result displays
in Jupyter (``_repr_html_``: the rows or the page, and the report). Options may be given as
the typed parts (``read=ReadOptions(...)``, ``filters=Filters(...)``, ``style=MapStyle(...)``)
or one by one as keywords, which go to the request, then the filters, the map style, the
read and the placing options, in that order::

    import incidentmap as im
    page = im.brief("incidents.csv", "briefing.html", group="isis-k", period="year",
                    level="province", overwrite=True)
    near = im.query("incidents.csv", near="Jalalabad", km=25, since="2023-03")
"""

from __future__ import annotations

import os
from dataclasses import fields
from typing import Any

from incidentmap.errors import UsageError
from incidentmap.jobs import aggregate as aggregate_job
from incidentmap.jobs import brief as brief_job
from incidentmap.jobs import export as export_job
from incidentmap.jobs import geocode as geocode_job
from incidentmap.jobs import merge as merge_job
from incidentmap.jobs import query as query_job
from incidentmap.jobs import trends as trends_job
from incidentmap.jobs.load import Loaded, Source, load
from incidentmap.jobs.report import Report
from incidentmap.options import Filters, GeoOptions, MapStyle, Output, ReadOptions, check_part

__all__ = ["aggregate", "brief", "export", "geocode", "merge", "query", "read", "trends"]


#: the keyword each typed part is given under
_PART_NAMES = {"Filters": "filters", "ReadOptions": "read", "GeoOptions": "geo",
               "MapStyle": "style", "Output": "output"}  # fmt: skip


class _Parts:
    """Keywords given one by one, sorted among a request's typed parts."""

    def __init__(self, given: dict[str, Any], own: tuple[str, ...], *, whole: bool = False) -> None:
        self.given = dict(given)
        period = self.given.get("period")
        if whole and isinstance(period, str) and period.strip().casefold() == "none":
            self.given["period"] = None  # as the command line's: the whole span
        self.own = {k: self.given.pop(k) for k in list(self.given) if k in own}
        #: every keyword a part took or could take (for the message naming an unknown one)
        self.known: set[str] = {*own, "overwrite", "csv_safe"}

    def take(self, cls: type, base: Any = None) -> Any:
        """Build a part of ``cls`` from ``base`` and the keywords that are its fields."""
        check_part(base, cls, _PART_NAMES.get(cls.__name__, cls.__name__.lower()), none=True)
        names = {f.name for f in fields(cls)}
        self.known |= names
        mine = {k: self.given.pop(k) for k in list(self.given) if k in names}
        if base is None:
            return cls(**mine)
        from dataclasses import replace

        return replace(base, **mine) if mine else base

    def done(self) -> None:
        """Refuse the keywords no part took, naming the nearest one this job takes."""
        import difflib

        for name in sorted(self.given):
            near = difflib.get_close_matches(name, sorted(self.known), n=1)
            hint = f"did you mean {near[0]!r}? " if near else ""
            if name in ("overwrite", "csv_safe"):
                hint = f"give it to the output: Output(path, {name}=True); "
            known = ", ".join(sorted(self.known))
            raise UsageError(f"unknown option {name!r} ({hint}this job takes: {known})")


def _source(data: Any, parts: _Parts, read: Any, geo: Any) -> Source:
    return Source(data, parts.take(ReadOptions, read), parts.take(GeoOptions, geo))


def _output(output: Any, parts: _Parts) -> Output | None:
    if output is None or isinstance(output, Output):
        return output
    over = {k: parts.given.pop(k) for k in ("overwrite", "csv_safe") if k in parts.given}
    return Output(output, **over)


def read(
    data: Any,
    *,
    read: ReadOptions | None = None,
    geo: GeoOptions | None = None,
    filters: Filters | None = None,
    **options: Any,
) -> Loaded:
    """Read an incident file (or take a frame), place every row, weigh and filter.

    Returns
    -------
    Loaded
        ``.frame`` (the placed rows), ``.report``, ``.coverage_end``.
    """
    parts = _Parts(options, ())
    f = parts.take(Filters, filters)
    source = _source(data, parts, read, geo)
    parts.done()
    return load(source, f, Report())


def geocode(
    data: Any,
    output: str | os.PathLike[str] | Output | None = None,
    *,
    read: ReadOptions | None = None,
    geo: GeoOptions | None = None,
    **options: Any,
) -> Any:
    """Place every incident of a file or frame; write them to ``output`` when given.

    Returns
    -------
    GeocodeResult or Loaded
        With ``output``: the counts and report of the file written (a large CSV is
        placed block by block); without: the placed rows (:func:`read`).
    """
    parts = _Parts(options, ("block_mb", "progress", "stage"))
    out = _output(output, parts)
    source = _source(data, parts, read, geo)
    parts.done()
    if out is None:
        return load(source, None, Report())
    return geocode_job.run(geocode_job.GeocodeRequest(source, out, **parts.own))


def brief(
    data: Any,
    output: str | os.PathLike[str] | Output | None = None,
    *,
    style: Any = None,
    filters: Filters | None = None,
    read: ReadOptions | None = None,
    geo: GeoOptions | None = None,
    **options: Any,
) -> brief_job.BriefResult:
    """Make the briefing page (or a plain map: ``kind="choropleth"``/``"points"``).

    ``style`` is a :class:`~incidentmap.MapStyle` (its fields may be given one by one:
    ``level``, ``period``, ``measure``, ``title``...); ``output`` an ``.html`` file (None:
    the page is made, not written). Returns the page and its report.
    """
    own = ("kind", "caption", "offline", "tiles", "population", "png", "png_periods")
    parts = _Parts(options, own, whole=True)
    out = _output(output, parts)
    f = parts.take(Filters, filters)
    s = parts.take(MapStyle, style if style is not None else MapStyle(level=None))  # type: ignore[arg-type]
    source = _source(data, parts, read, geo)
    parts.done()
    request = brief_job.BriefRequest(source, out, style=s, filters=f, **parts.own)
    return brief_job.run(request)


def query(
    data: Any,
    *,
    filters: Filters | None = None,
    read: ReadOptions | None = None,
    geo: GeoOptions | None = None,
    **options: Any,
) -> query_job.QueryResult:
    """Find incidents near a place (``near=``, ``km=``), in an area, by date, actor...

    Returns the rows (``.frame``), how many matched and the report.
    """
    own = ("near", "km", "province", "district", "bbox", "within", "include_area_events",
           "sort", "limit")  # fmt: skip
    parts = _Parts(options, own)
    f = parts.take(Filters, filters)
    source = _source(data, parts, read, geo)
    parts.done()
    return query_job.run(query_job.QueryRequest(source, f, **parts.own))


def trends(
    data: Any,
    *,
    filters: Filters | None = None,
    read: ReadOptions | None = None,
    geo: GeoOptions | None = None,
    **options: Any,
) -> Any:
    """Flag rising, surging and hot-spot areas in the latest period (see ``trends``)."""
    own = tuple(f.name for f in fields(trends_job.TrendsRequest) if f.name not in ("source",))
    parts = _Parts(options, own)
    out = _output(parts.own.pop("output", None), parts)
    f = parts.take(Filters, filters)
    source = _source(data, parts, read, geo)
    parts.done()
    parts.own.pop("filters", None)
    request = trends_job.TrendsRequest(source, output=out, filters=f, **parts.own)
    return trends_job.run(request)


def export(
    data: Any,
    output: str | os.PathLike[str] | Output,
    *,
    filters: Filters | None = None,
    read: ReadOptions | None = None,
    geo: GeoOptions | None = None,
    **options: Any,
) -> export_job.ExportResult:
    """Export points, area counts and boundaries as GIS layers (``layers=``, ``period=``)."""
    own = (
        "layers",
        "period",
        "digits",
        "area_events",
        "period_layout",
        "zeros",
        "by_target",
        "progress",
    )
    parts = _Parts(options, own, whole=True)
    out = _output(output, parts)
    f = parts.take(Filters, filters)
    source = _source(data, parts, read, geo)
    parts.done()
    if isinstance(parts.own.get("layers"), str):
        parts.own["layers"] = (parts.own["layers"],)
    assert out is not None
    return export_job.run(export_job.ExportRequest(source, out, filters=f, **parts.own))


def aggregate(
    data: Any,
    output: str | os.PathLike[str] | Output | None = None,
    *,
    filters: Filters | None = None,
    read: ReadOptions | None = None,
    geo: GeoOptions | None = None,
    **options: Any,
) -> aggregate_job.AggregateResult:
    """Count incidents by area and period (``level=``, ``period=``); write when asked."""
    parts = _Parts(options, ("level", "period", "population", "sums", "by_target"), whole=True)
    out = _output(output, parts)
    f = parts.take(Filters, filters)
    source = _source(data, parts, read, geo)
    parts.done()
    request = aggregate_job.AggregateRequest(source, out, filters=f, **parts.own)
    return aggregate_job.run(request)


def merge(
    *sources: Any,
    output: str | os.PathLike[str] | Output | None = None,
    read: ReadOptions | None = None,
    geo: GeoOptions | None = None,
    **options: Any,
) -> merge_job.MergeRun:
    """Merge two or more sources (paths, ``name=path`` or ``(name, frame)``) into one list.

    Returns the merge (``.result.merged``, ``.result.pairs``) and the report.
    """
    parts = _Parts(options, ("pairs", "km", "days", "decisions", "explain"))
    out = _output(output, parts)
    r, g = parts.take(ReadOptions, read), parts.take(GeoOptions, geo)
    parts.done()
    request = merge_job.MergeRequest(tuple(sources), out, read=r, geo=g, **parts.own)
    return merge_job.run(request)
