"""The ``brief`` and ``map`` jobs: the briefing page (and its image), or a plain map.

``run(BriefRequest(...))`` is the one sequence of a page: the request checked whole (file
names, bins, the population a rate needs, outputs that exist), the rows loaded and filtered
(:func:`incidentmap.jobs.load.load`), what the data support checked
(:func:`incidentmap.fitness.check_fit`: a page that cannot be drawn is refused; the level
chosen), the areas' series computed once for the page and the image
(:func:`incidentmap.render.series.area_series`), the page drawn, and both files published
together (the image only once the page is written).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from incidentmap.errors import UsageError, carrying, refuse_choice
from incidentmap.jobs.choices import check_request
from incidentmap.jobs.load import Loaded, Source, load, population_table
from incidentmap.jobs.report import Report
from incidentmap.options import Filters, MapStyle, Output, check_part

if TYPE_CHECKING:
    import folium


__all__ = ["KINDS", "BriefRequest", "BriefResult", "page_groups", "read_bins", "run"]

#: what a page shows: the briefing, or one of the two plain maps
KINDS = ("briefing", "choropleth", "points")


@dataclass(frozen=True)
class BriefRequest:
    """What page to make.

    Attributes
    ----------
    source : Source
    output : Output, optional
        The ``.html`` file; None makes the page without writing it (a notebook shows it).
    style : MapStyle, optional
        Level (None: the finest most rows reach), period, measure, classes, title...
        Default ``MapStyle(level=None)``.
    filters : Filters
    kind : {"briefing", "choropleth", "points"}, default "briefing"
    caption : str, optional
        The briefing's caption (default: date range and counts).
    offline : bool, default True
        Every script inlined: one file that works without network.
    tiles : str, optional
        Background tiles (default none; ``osm`` for plain maps online).
    population : path, optional
        Population by area, for ``measure="per100k"``.
    png : path, optional
        Also write a static map (``.png``, ``.svg``, ``.pdf``).
    png_periods : int, optional
        The last N periods as small multiples in the static map (default: every period,
        up to 12; the title says which are shown).
    """

    source: Source
    output: Output | None = None
    style: MapStyle | None = None
    filters: Filters = field(default_factory=Filters)
    kind: str = "briefing"
    caption: str | None = None
    offline: bool = True
    tiles: str | None = None
    population: Any = None
    png: str | Path | None = None
    png_periods: int | None = None

    def __post_init__(self) -> None:
        check_request(
            self,
            numbers=("png_periods",),
            optional=("png_periods",),
            flags=("offline",),
            texts=("caption",),
        )
        check_part(self.output, Output, "output", none=True)
        check_part(self.style, MapStyle, "style", none=True)

    def checked(self) -> BriefRequest:
        """Return the request with its default style, or refuse it before any file is read."""
        refuse_choice(self.kind, KINDS, "`kind`")
        style = self.style if self.style is not None else MapStyle(level=None)  # type: ignore[arg-type]
        if style.bins is not None:
            style = replace(style, bins=read_bins(style.bins))
        self._check_files()
        _check_style(style, self.population)
        if self.tiles is not None:
            from incidentmap.render.maps import tiles_url

            tiles_url(self.tiles)  # CARTO's tiles without a key: refused before any reading
        if self.output is not None:
            from incidentmap.atomic import check_output, refuse_inputs

            refuse_inputs([self.output.path, self.png], [self.source.input, self.population])
            for path in (self.output.path, self.png):
                if path is not None:
                    check_output(path, overwrite=self.output.overwrite)
        return replace(self, style=style)

    def _check_files(self) -> None:
        """Refuse a page that is not .html, an image of another kind, an image alone."""
        if self.output is not None and _suffix(self.output.path) not in (".html", ".htm"):
            msg = (
                f"{self.output.path}: a map is written as .html (use `png` for .png, .svg or .pdf)"
            )
            raise UsageError(msg, field="output")
        if self.png is not None and _suffix(self.png) not in (".png", ".svg", ".pdf"):
            raise UsageError(f"`png` {self.png}: a static map is .png, .svg or .pdf", field="png")
        if self.png is not None and self.output is None:
            msg = "`png` needs `output` (the image is written with the page)"
            raise UsageError(msg, field="png")


def _xml_image(path: Path) -> None:
    """Keep an SVG image XML: a title or a name holding U+FFFE or a control character.

    matplotlib writes the text it draws into the SVG as it is (in a comment too); a title
    holding U+FFFE made an image no browser or XML parser opens. Such characters are
    written as :func:`incidentmap.io.formats.xml_text` writes them.
    """
    if path.suffix.lower() != ".svg":
        return
    from incidentmap.io.formats import xml_text

    text = path.read_text(encoding="utf-8")
    fixed = xml_text(text)
    if fixed != text:
        path.write_text(fixed, encoding="utf-8")


def _suffix(path: Any) -> str:
    return Path(path).suffix.lower()


def _check_style(style: MapStyle, population: Any) -> None:
    """Refuse a style the request cannot draw: user classes without bounds, a rate alone."""
    if style.bins is None and style.scheme == "user":
        msg = "`scheme` user needs `bins` (upper class bounds, e.g. 1,5,10,25)"
        raise UsageError(msg, field="bins")
    if style.measure == "per100k" and population is None:
        msg = "`measure` per100k needs `population` (a CSV of population by area)"
        raise UsageError(msg, field="population")


@dataclass
class BriefResult:
    """A page, the files written, and what the run said.

    Attributes
    ----------
    page : folium.Map
        The page (``page.get_root().render()`` is its HTML).
    style : MapStyle
        The style drawn (the level chosen when none was asked).
    paths : list of pathlib.Path
        The files written (page, image).
    report : Report
    """

    page: folium.Map
    style: MapStyle
    paths: list[Path] = field(default_factory=list)
    report: Report = field(default_factory=Report)

    def html(self) -> str:
        """Return the page's HTML."""
        return self.page.get_root().render()

    def _repr_html_(self) -> str:
        """Show the page, then the report of counts and notes (as every result does)."""
        return self.page._repr_html_() + self.report._repr_html_()


def read_bins(value: str | list[float] | tuple[float, ...] | None) -> list[float] | None:
    """Return upper class bounds given as ``"1,5,10,25"`` or numbers, checked to increase."""
    if value is None:
        return None
    bins = _numbers(value)
    if not bins or not all(math.isfinite(b) for b in bins):
        msg = f"`bins`: expected finite numbers separated by commas, got {value!r}"
        raise UsageError(msg, field="bins")
    if any(b >= c for b, c in itertools.pairwise(bins)):
        msg = f"`bins`: class bounds must increase (e.g. 1,5,10,25), got {value!r}"
        raise UsageError(msg, field="bins")
    return bins


def _numbers(value: str | list[float] | tuple[float, ...]) -> list[float]:
    try:
        parts = value.split(",") if isinstance(value, str) else list(value)
        return [float(v) for v in parts if str(v).strip()]
    except ValueError:
        msg = f"`bins`: expected numbers separated by commas, got {value!r}"
        raise UsageError(msg, field="bins") from None


def run(request: BriefRequest) -> BriefResult:
    """Make a page (and its image) and write them when an output is given.

    Parameters
    ----------
    request : BriefRequest

    Returns
    -------
    BriefResult
    """
    req = request.checked()
    report = Report()
    with carrying(report):  # a refusal prints what was read and kept before it
        population = population_table(req.population)
        loaded = load(req.source, req.filters, report)
        style = _fit(loaded, req.style, report, req.kind)  # type: ignore[arg-type]
        series = None
        if req.kind != "points":
            from incidentmap.render.series import area_series

            series = area_series(
                loaded.frame,
                None,
                style,
                population=population,
                coverage_end=loaded.coverage_end,
                coverage_start=loaded.first_covered,
            )
        page = _page(req, loaded, style, population, series)
        result = BriefResult(page, style, report=report)
        _grid_note(req, loaded, style, report)
        _period_note(req, loaded, style, report)
        if req.output is not None:
            _publish(req, loaded, style, population, series, result)
        return result


def _fit(loaded: Loaded, style: MapStyle, report: Report, kind: str) -> MapStyle:
    """Refuse a page the data cannot fill; choose the level; say what the data give."""
    from incidentmap.fitness import check_fit, data_fitness

    if len(loaded.frame) == 0:
        msg = "nothing to draw: no row is left after the filters (a page would be empty)"
        raise UsageError(msg)
    fit = data_fitness(loaded.frame)
    level, notes = check_fit(
        fit, level=style.level, period=style.period, measure=style.measure, points=kind == "points"
    )
    for line in notes:
        report.add("fitness", line)
    return replace(style, level=level, **_named(loaded.frame, style))


def _named(frame: Any, style: MapStyle) -> dict[str, str]:
    """Return the columns ``measure`` and ``color_by`` name, as the frame spells them.

    Named as other column options are (case and punctuation folded): GTD's ``INJURED`` is
    the ``injured`` column it was read into.
    """
    from incidentmap.schema import header_key

    out = {}
    for name in ("measure", "color_by"):
        value = getattr(style, name, None)
        if not isinstance(value, str) or value in frame.columns:
            continue
        hits = [c for c in frame.columns if header_key(c) == header_key(value)]
        if len(hits) == 1:
            out[name] = str(hits[0])
    return out


def _page(
    req: BriefRequest, loaded: Loaded, style: MapStyle, population: Any, series: Any
) -> folium.Map:
    from incidentmap.render import briefing_map, choropleth_map, point_map
    from incidentmap.render.style import PageOptions

    g = loaded.frame
    left_out = loaded.left_out
    if req.kind == "briefing":
        page = PageOptions(
            caption=req.caption, left_out=left_out, offline=req.offline, tiles=req.tiles or "none"
        )
        groups = page_groups(g)
        return briefing_map(
            g, style, page=page, population=population, series=series, groups=groups
        )
    tiles = req.tiles or ("none" if req.offline else "osm")
    page = PageOptions(left_out=left_out, offline=req.offline, tiles=tiles)
    if req.kind == "choropleth":
        return choropleth_map(g, style, page=page, population=population, series=series)
    return point_map(g, style, page=page)


def page_groups(frame: Any) -> Any:
    """Return the rows each actor group's page filter keeps, by the library's own filters.

    For every group the rows name: the rows :func:`incidentmap.filters.select` keeps with
    that group as perpetrator and as either party (uncertain attributions left out as the
    command line leaves them out), so the page's group filter counts what ``group`` does.
    """
    import numpy as np

    from incidentmap.actors import group_ids
    from incidentmap.filters import select
    from incidentmap.render.layers.events import EventGroups, group_sets

    known = set(group_ids())
    ids = [g for g in group_sets(frame).ids if g in known]
    rows = frame.reset_index(drop=True)  # positions, whatever the frame's index
    perp, anyp = {}, {}
    for g in ids:
        for role, out in (("perpetrator", perp), ("any", anyp)):
            kept, _ = select(rows, Filters(group=(g,), group_role=role))
            mask = np.zeros(len(rows), dtype=bool)
            mask[kept.index.to_numpy()] = True
            out[g] = mask
    return EventGroups(ids, perp, anyp)


def _grid_note(req: BriefRequest, loaded: Loaded, style: MapStyle, report: Report) -> None:
    """Say when the points are drawn as grid counts (more than ``max_points``)."""
    if req.kind == "choropleth":
        return
    g = loaded.frame
    at_point = ~g["geocode_precision"].isin(["district", "province"])
    placed = int((g.geometry.notna() & ~g.geometry.is_empty & at_point).sum())
    if placed > style.max_points:
        report.add(
            "grid",
            f"{placed} placed incidents are drawn as counts per grid cell and period "
            f"(more than `max_points` {style.max_points}); the legend says so",
            field="max_points",
        )


def _period_note(req: BriefRequest, loaded: Loaded, style: MapStyle, report: Report) -> None:
    """Say how many incidents no one period of the slider holds (undated, or a longer span)."""
    from incidentmap.aggregate import shifted_weeks
    from incidentmap.jobs.aggregate import shifted_note
    from incidentmap.render.data import ON_THE_PAGE, no_period

    where = ON_THE_PAGE if req.kind == "briefing" else "said on the map, not drawn"
    held = no_period(loaded.frame, style.period, where)
    if held:
        report.add("no_period", held, field="period")
    shifted = int(shifted_weeks(loaded.frame, style.period).sum())
    if shifted:
        report.add("shifted_weeks", shifted_note(shifted, style.period), field="period")


def _publish(
    req: BriefRequest,
    loaded: Loaded,
    style: MapStyle,
    population: Any,
    series: Any,
    result: BriefResult,
) -> None:
    """Write the page and, when asked, the image: both or neither."""
    from incidentmap.render import save_map, static_map
    from incidentmap.render.style import ImageOptions

    assert req.output is not None
    out, overwrite = Path(req.output.path), req.output.overwrite
    if req.png is None:
        save_map(result.page, out, overwrite=overwrite)
    else:  # the image is moved in only once the page is written: both, or neither
        from incidentmap.atomic import atomic_write

        with atomic_write(req.png, overwrite=overwrite) as tmp:
            static_map(
                loaded.frame,
                tmp,
                replace(style, hotspots=False),
                image=ImageOptions(
                    periods=req.png_periods,
                    left_out=loaded.left_out,
                    overwrite=True,
                ),
                population=population,
                series=series,
            )
            _xml_image(tmp)
            save_map(result.page, out, overwrite=overwrite)
        result.paths.append(Path(req.png))
        result.report.add("wrote", f"wrote: {req.png}", kind="info")
    result.paths.insert(0, out)
    how = "offline" if req.offline else "online"
    size = out.stat().st_size / 1e6
    result.report.add("wrote", f"wrote: {out} ({size:.2f} MB, {how})", kind="info")
