"""The ``export`` job: points, area counts and boundaries as GIS layers.

``run(ExportRequest(...))`` refuses, before reading, a choice outside its values, several
layers for a one-layer format and an existing output (the long tables beside it too); then
loads and filters the rows and writes the layers (:func:`incidentmap.export.export_layers`),
saying what each layer holds and which rows the points layer left out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from incidentmap.errors import OutputExistsError, UsageError, carrying, plural, refuse_choice
from incidentmap.jobs.aggregate import say_province_only, say_repeated_ids, say_written
from incidentmap.jobs.choices import check_request
from incidentmap.jobs.load import Source, load, target_breakdown
from incidentmap.jobs.report import Report
from incidentmap.options import AREA_EVENTS, PERIOD_LAYOUTS, Filters, Output, check_part

__all__ = ["ExportRequest", "ExportResult", "run"]


@dataclass(frozen=True)
class ExportRequest:
    """What to export.

    Attributes
    ----------
    source : Source
    output : Output
        ``.gpkg`` (several layers), ``.geojson``, ``.shp``, ``.fgb``, ``.kml``, ``.csv``,
        ``.parquet``.
    layers : tuple of str, optional
        Default: points, districts and provinces for GeoPackage; points otherwise.
    period : str, optional
        Area layers per period (a long table beside, or ``period_layout="features"``).
    digits : int, optional
        Coordinate decimals (GeoJSON, CSV).
    area_events : {"omit", "layer", "points"}, default "omit"
    period_layout : {"long", "features"}, default "long"
    zeros : bool, default False
        Keep area x period rows with no incident.
    by_target : bool, default False
        Area layers and long tables get a count per target (``target_officials`` ...
        ``target_unknown``: every target of :data:`incidentmap.targets.TARGETS`, adding up
        to ``incidents``).
    filters : Filters
    progress : callable, optional
        ``progress(bytes_written, estimate)`` while a large file is written.
    """

    source: Source
    output: Output
    layers: tuple[str, ...] | None = None
    period: str | None = None
    digits: int | None = None
    area_events: str = "omit"
    period_layout: str = "long"
    zeros: bool = False
    by_target: bool = False
    filters: Filters = field(default_factory=Filters)
    progress: Callable[[int, int], None] | None = None

    def __post_init__(self) -> None:
        check_request(self, numbers=("digits",), optional=("digits",), flags=("zeros", "by_target"))
        check_part(self.output, Output, "output")

    def check(self) -> None:
        """Refuse what cannot work, before any file is read."""
        from incidentmap.atomic import refuse_inputs
        from incidentmap.io.targets import FileTarget, target_for

        refuse_choice(self.area_events, AREA_EVENTS, "`area_events`")
        refuse_choice(self.period_layout, PERIOD_LAYOUTS, "`period_layout`")
        refuse_inputs([self.output.path, *self._tables_beside()], [self.source.input])
        target = target_for(self.output.path)
        self._check_layers(target)
        if isinstance(target, FileTarget):
            target.check(overwrite=self.output.overwrite)
        else:  # a database: one table for one layer, <table>_<layer> for several
            layers = len(self.layers or ("points", "districts", "provinces"))
            target.check(overwrite=self.output.overwrite, layers=layers + bool(self.period))
        out = Path(self.output.path)
        for path in self._tables_beside():
            if path.exists() and not self.output.overwrite:  # a file the user did not name
                what = _BESIDE.get(path.suffix.lower(), "period table")
                msg = (f"{path} exists: this export writes its {what} there, beside "
                       f"{out.name}; use `overwrite` to replace it")  # fmt: skip
                raise OutputExistsError(msg)

    def _check_layers(self, target: Any) -> None:
        """Refuse several layers for a format that holds one."""
        from incidentmap.io.targets import FileTarget

        if len(self.layers or ()) > 1 and isinstance(target, FileTarget) and not target.multi:
            msg = (
                f"{self.output.path}: {target.format} holds one layer; choose one of "
                f"{', '.join(self.layers or ())} or write .gpkg"
            )
            raise UsageError(msg, field="layers")

    def _tables_beside(self) -> list[Path]:
        """Return the files written beside a one-layer output: styles, types, period tables."""
        from incidentmap.io.targets import FileTarget, target_for

        if not isinstance(target_for(self.output.path), FileTarget):
            return []  # a database holds the tables itself
        from incidentmap.export import table_paths

        out = Path(self.output.path)
        suffix = out.suffix.lower()
        beside: list[Path] = []
        if suffix in (".shp", ".geojson", ".json", ".fgb"):
            beside += [out.with_suffix(".qml"), out.with_suffix(".sld")]
        if suffix == ".csv":
            beside.append(out.with_suffix(".csvt"))
        if self.period is not None and self.period_layout == "long":
            tables = [f"{n}_by_{self.period}" for n in self.layers or () if n in _AREAS]
            for table in table_paths(out, tables).values():
                beside += [table, table.with_suffix(".csvt")]
        return beside


_AREAS = ("districts", "provinces")
#: what each file written beside a one-layer output is
_BESIDE = {".qml": "QGIS style", ".sld": "SLD style", ".csvt": "column types file"}


def _say_periods(report: Report, g: Any, written: dict[str, Any], period: str | None) -> None:
    """Say why a period table counts fewer incidents than its area layer, when it does.

    The layer holds every row placed in the area; the table only the rows one period holds:
    not the undated ones, nor those dated to a span no one period holds (a week across two
    months, a year). Each is said with its count, so the two add up.
    """
    from incidentmap.aggregate import coarse_rows, row_weights
    from incidentmap.jobs.aggregate import coarse_precisions

    tables = written.get("tables", {})
    for layer in _AREAS:
        if period is None or f"{layer}_by_{period}" not in tables:
            continue
        level, key = layer[:-1], "district_id" if layer == "districts" else "province_code"
        placed = g[key].notna().to_numpy()
        w = row_weights(g)
        coarse = coarse_rows(g, period) & placed
        undated = g["date"].isna().to_numpy() & placed & ~coarse
        if not (coarse.any() or undated.any()):
            continue
        total = w[placed].sum()
        kept = total - w[coarse].sum() - w[undated].sum()
        why = []
        if coarse.any():
            kinds = coarse_precisions(g, level, period).items()
            why.append(
                f"{w[coarse].sum():,.10g} dated only to a span no one {period} holds "
                f"({', '.join(f'{n:,} to a {k}' for k, n in kinds)})"
            )
        if undated.any():
            why.append(f"{w[undated].sum():,.10g} undated")
        report.add(
            "period_table",
            f"table {layer}_by_{period} counts {kept:,.10g} of the {total:,.10g} incidents of "
            f"layer {layer}: {'; '.join(why)} (in the layer's totals, in no {period})",
            field="period",
        )


def _say_partial(report: Report, loaded: Any, written: dict[str, Any], period: str | None) -> None:
    """Say the period the data end inside (``period_complete`` false), as ``aggregate`` does."""
    import pandas as pd

    from incidentmap.aggregate import PERIODS

    end = loaded.coverage_end
    if period is None or end is None or not written.get("tables"):
        return
    last = pd.Period(end, freq=PERIODS[period])
    if last.end_time.normalize() <= end:
        return
    report.add(
        "partial",
        f"period_complete is false for the {period} from {last.start_time:%Y-%m-%d}: the data "
        f"cover to {end:%Y-%m-%d} ({loaded.coverage_basis})",
        field="until",
    )


def _say_split(report: Report, written: dict[str, Any], request: ExportRequest) -> None:
    """Say which layers and tables carry the counts by target (or that none can)."""
    if not request.by_target:
        return
    names = dict.fromkeys([*written["layers"], *written.get("tables", {})])
    split = [n for n in names if n.split("_")[0] in _AREAS]
    if split:
        text = (
            f"counts by target in {', '.join(split)}: target_officials ... target_unknown "
            "(an unknown target counted as unknown, never as 0)"
        )
    else:
        text = "`by_target` splits the area layers' counts; the points layer has its target column"
    report.add("by_target", text, field="by_target", kind="info" if split else "warning")


@dataclass
class ExportResult:
    """What was written.

    Attributes
    ----------
    written : dict
        The writer's report: layers and their features, tables, format.
    report : Report
    """

    written: dict[str, Any]
    report: Report = field(default_factory=Report)

    def _repr_html_(self) -> str:
        return self.report._repr_html_()


def run(request: ExportRequest) -> ExportResult:
    """Export layers.

    Parameters
    ----------
    request : ExportRequest

    Returns
    -------
    ExportResult
    """
    request.check()
    from incidentmap.export import ExportOptions, export_layers

    report = Report()
    with carrying(report):
        loaded = load(request.source, request.filters, report)
        g = loaded.frame
        say_repeated_ids(report, g)
        out = request.output
        written = export_layers(
            g,
            out.path,
            layers=list(request.layers) if request.layers else None,
            period=request.period,
            progress=request.progress,
            options=ExportOptions(
                precision=request.digits,
                overwrite=out.overwrite,
                csv_safe=out.csv_safe,
                area_events=request.area_events,
                period_layout=request.period_layout,
                zeros=request.zeros,
                breakdown=target_breakdown() if request.by_target else None,
                # period_complete follows the coverage aggregate and trends use
                coverage_end=loaded.coverage_end,
                coverage_start=loaded.first_covered,
            ),
        )
        if "districts" in written.get("layers", {}):
            say_province_only(report, g)
        _say_split(report, written, request)
        _say(report, written, request)
        _say_periods(report, g, written, request.period)
        _say_partial(report, loaded, written, request.period)
        return ExportResult(written, report)


def _say_tables(report: Report, tables: dict[str, Any], request: ExportRequest) -> None:
    """Say each period table written beside the layers: rows, what they hold, where."""
    which = "area x period with incidents; `zeros` for all"
    if request.zeros:
        which = "every area x period"
    for name, (rows, path) in tables.items():
        line = f"table {name}: {plural(rows, 'row')} ({which}) in {path}{_size(path)}"
        report.add("table", line, kind="info")


def _say_left_out(report: Report, written: dict[str, Any], request: ExportRequest) -> None:
    """Say the rows the points layer left out: unplaced, and placed only to an area."""
    if written.get("unplaced"):
        report.add(
            "unplaced",
            f"left out of the points layer (unplaced): {written['unplaced']:,}",
            kind="info",
        )
    if written.get("area_only"):
        where = (
            "in the area_events layer" if request.area_events == "layer" else "counted in the areas"
        )
        report.add(
            "area_only",
            "left out of the points layer (placed only to a district or province, "
            f"{where}): {written['area_only']:,} (`area_events` points keeps them as stand-in "
            "points)",
            field="area_events",
            kind="info",
        )


def _say_one_layer(report: Report, written: dict[str, Any], request: ExportRequest) -> None:
    """Say how to get the areas when a one-layer file got the points, none asked for."""
    if request.layers is None and list(written["layers"]) == ["points"]:
        empty = written["layers"]["points"] == 0
        first = "no point to write (every row is placed only to an area, or not placed)" \
            if empty else "the points"  # fmt: skip
        report.add(
            "one_layer",
            f"{Path(str(request.output.path)).suffix or 'this format'} holds one layer: "
            f"{first}; `layers` districts or provinces writes the areas, a .gpkg all three",
            field="layers",
            kind="warning" if empty else "info",
        )


def _size(path: str) -> str:
    """`` (35.1 MB)`` for a table beside the layer, when it is large enough to matter."""
    try:
        n = Path(path).stat().st_size
    except OSError:
        return ""
    return f" ({n / 1e6:,.1f} MB)" if n >= 1e6 else ""


def _say(report: Report, written: dict[str, Any], request: ExportRequest) -> None:
    tables = written.get("tables", {})
    for name, count in written["layers"].items():
        if name not in tables:
            line = f"layer {name}: {plural(count, 'feature')}"
            report.add("layer", line, field=name, kind="info")
    _say_one_layer(report, written, request)
    _say_tables(report, tables, request)
    if request.period is not None and not any(n in written["layers"] for n in _AREAS):
        report.add(
            "period_unused",
            "`period` counts the area layers by period; the points layer has no periods "
            "(each point keeps its date): add `layers` districts or provinces",
            field="period",
            kind="warning",
        )
    _say_left_out(report, written, request)
    say_written(report, written)
    report.add("wrote", f"wrote: {written['path']} ({written['format']})", kind="info")
