"""Options shared by several commands, and the consoles the CLI writes to."""

from __future__ import annotations

import contextlib
import functools
import inspect
import re
from collections.abc import Callable, Iterator
from enum import Enum
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

from incidentmap.aggregate import LEVELS, PERIODS, PRECISIONS
from incidentmap.errors import UsageError
from incidentmap.export import LAYERS as EXPORT_LAYERS
from incidentmap.io.numbers import DECIMAL_MARKS
from incidentmap.schema import PRESETS as PRESET_NAMES

#: the map vocabularies, written here to keep Folium and matplotlib out of start-up
SCHEMES = ("quantiles", "natural_breaks", "equal_interval", "user")
TILE_NAMES = ("none", "osm", "carto", "carto-dark")
QUERY_FORMATS = ("table", "csv", "geojson", "ndjson", "geojsonseq")

#: messages and summaries go to standard error; data goes to standard output
console_err = Console(stderr=True, highlight=False, soft_wrap=True, markup=False)
state: dict[str, Any] = {"debug": False, "step": None}


@contextlib.contextmanager
def step(what: str) -> Iterator[None]:
    """Name the step running (``"reading x.csv"``): an unexpected failure says where it was."""
    before = state.get("step")
    state["step"] = what
    yield  # on an exception the step stays set, for the error line
    state["step"] = before


class Choice(str, Enum):
    """A closed set of option values; typer turns it into ``click.Choice``."""

    def __str__(self) -> str:
        return str(self.value)


# the vocabularies are the library's own, so the CLI and the Python API cannot drift apart
Preset = Choice("Preset", {n: n for n in ("auto", *PRESET_NAMES)})  # type: ignore[misc]
Period = Choice("Period", {n: n for n in (*PERIODS, "none")})  # type: ignore[misc]
Level = Choice("Level", {n: n for n in LEVELS})  # type: ignore[misc]
Precision = Choice("Precision", {n: n for n in PRECISIONS})  # type: ignore[misc]
Decimal = Choice("Decimal", {n: n for n in DECIMAL_MARKS})  # type: ignore[misc]

Scheme = Choice("Scheme", {n: n for n in SCHEMES})  # type: ignore[misc]
Mode = Choice("Mode", {n: n for n in ("window", "cumulative")})  # type: ignore[misc]
Kind = Choice("Kind", {n: n for n in ("choropleth", "points")})  # type: ignore[misc]
Tiles = Choice("Tiles", {n.replace("-", "_"): n for n in TILE_NAMES})  # type: ignore[misc]
QueryFormat = Choice("QueryFormat", {n: n for n in QUERY_FORMATS})  # type: ignore[misc]
ExportLayer = Choice("ExportLayer", {n: n for n in EXPORT_LAYERS})  # type: ignore[misc]

PRESETS = tuple(p.value for p in Preset)


def plain(value: Any) -> Any:
    """Return an option's value without its Enum wrapper (lists too)."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def no_period(value: Any) -> str | None:
    """Return None for ``--period none`` (the one word for "all dates together")."""
    v = plain(value)
    return None if v in (None, "none") else v


_READ_OPTIONS: list[tuple[str, Any, Any]] = [
    ("preset", Preset, typer.Option("auto", "--preset", help="Column layout of the input.")),
    ("lat", str | None, typer.Option(None, "--lat", help="Latitude column.")),
    ("lon", str | None, typer.Option(None, "--lon", help="Longitude column.")),
    ("date", str | None, typer.Option(None, "--date", help="Date column.")),
    ("province", str | None, typer.Option(None, "--province-col", help="Province name column.")),
    ("district", str | None, typer.Option(None, "--district-col", help="District name column.")),
    ("place", str | None, typer.Option(None, "--place-col", help="Place / location name column.")),
    ("event_id", str | None, typer.Option(None, "--id-col", help="Event id column.")),
    ("encoding", str | None, typer.Option(None, "--encoding", help="Text encoding (detected).")),
    ("delimiter", str | None, typer.Option(None, "--delimiter", help="CSV delimiter (detected).")),
    ("sheet", str | None, typer.Option(None, "--sheet", help="Excel sheet (default: first).")),
    ("in_layer", str | None, typer.Option(None, "--input-layer", help="Layer of a GIS input.")),
    (
        "comment",
        str | None,
        typer.Option(None, "--comment", help="Skip CSV lines starting with this text (e.g. %)."),
    ),
    (
        "header",
        bool,
        typer.Option(
            True, "--header/--no-header", help="Whether the first CSV line names columns."
        ),
    ),
    (
        "columns",
        str | None,
        typer.Option(
            None, "--columns", help="Names for the columns of a file without a header: lon,lat,day"
        ),
    ),
    (
        "day_one",
        str | None,
        typer.Option(
            None,
            "--day-one",
            help="The date column counts days; day 1 is this date (e.g. 2004-01-01).",
        ),
    ),
    (
        "coordinates",
        bool,
        typer.Option(
            True,
            "--coordinates/--no-coordinates",
            help="Use coordinate columns (--no-coordinates: place by names only).",
        ),
    ),
    (
        "dayfirst",
        bool | None,
        typer.Option(
            None, "--dayfirst/--monthfirst", help="Order of a/b/yyyy dates when values don't say."
        ),
    ),
    (
        "decimal",
        Decimal | None,
        typer.Option(
            None,
            "--decimal",
            help="Decimal mark of the file's numbers, for tolls like 1.000 (default: what the "
            "coordinates show).",
        ),
    ),
    (
        "keep_bad",
        bool,
        typer.Option(
            False,
            "--keep-bad-values",
            help="Keep rows with unreadable "
            "values (value emptied, reason in input_note) instead of "
            "stopping at the first one.",
        ),
    ),
]
_GEOCODE_OPTIONS: list[tuple[str, Any, Any]] = [
    (
        "snap_km",
        float,
        typer.Option(
            5.0,
            "--snap-km",
            min=0,
            max=50,
            help="Snap points this close (km, at most 50) to the nearest district.",
        ),
    ),
    (
        "fuzzy_threshold",
        float,
        typer.Option(
            88.0,
            "--fuzzy-threshold",
            min=0,
            max=100,
            help="Minimum fuzzy score (0-100) for name matches.",
        ),
    ),
]


def extend_options(func: Callable[..., Any], extra: list[tuple[str, Any, Any]], bundle: str) -> Any:
    """Add a bundle of options to a command; they arrive as one ``dict`` named ``bundle``."""
    sig = inspect.signature(func)
    params = [p for p in sig.parameters.values() if p.name != bundle]
    # parameter names carry the bundle's prefix so bundles never collide with a command's own
    for name, annotation, default in extra:
        params.append(
            inspect.Parameter(
                f"{bundle}__{name}",
                inspect.Parameter.KEYWORD_ONLY,
                default=default,
                annotation=annotation,
            )
        )
    names = [n for n, _, _ in extra]

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        kwargs[bundle] = {n: plain(kwargs.pop(f"{bundle}__{n}")) for n in names}
        return func(*args, **kwargs)

    wrapper.__signature__ = sig.replace(parameters=params)  # type: ignore[attr-defined]
    return wrapper


def read_options(func: Callable[..., Any]) -> Any:
    """Add the incident-reading options to a command; they arrive as ``read: dict``."""
    return extend_options(func, _READ_OPTIONS, "read")


def read_options_with_short_names(func: Callable[..., Any]) -> Any:
    """Like :func:`read_options`, also accepting ``--province``, ``--district`` and ``--place``.

    For ``geocode``, where no filter takes those names: elsewhere ``--province`` and
    ``--district`` filter the incidents, so only the ``-col`` forms name columns.
    """
    short = {"province": "--province", "district": "--district", "place": "--place"}
    options = []
    for name, annotation, default in _READ_OPTIONS:
        if name in short:
            flags = [*default.param_decls, short[name]]
            default = typer.Option(None, *flags, help=default.help)
        options.append((name, annotation, default))
    return extend_options(func, options, "read")


def geocode_options(func: Callable[..., Any]) -> Any:
    """Add ``--snap-km`` and ``--fuzzy-threshold``; they arrive as ``geo: dict``."""
    return extend_options(func, _GEOCODE_OPTIONS, "geo")


def as_read_options(read: dict[str, Any]) -> Any:
    """Turn the collected read options into a :class:`incidentmap.ReadOptions`."""
    from incidentmap.io import ReadOptions

    kw = dict(read)
    kw["on_bad"] = "keep" if kw.pop("keep_bad") else "error"
    kw["layer"] = kw.pop("in_layer")
    kw["decimal"] = plain(kw["decimal"])
    cols = kw.pop("columns")
    kw["columns"] = [c.strip() for c in cols.split(",")] if cols else None
    return ReadOptions.of(**kw)


def print_notes(gdf: Any) -> None:
    """Print the reader's notes (encoding used, columns ignored...) to standard error."""
    for note in gdf.attrs.get("notes", []) or []:
        console_err.print(f"note: {note}", markup=False, highlight=False)


def overwrite_opt() -> Any:
    """``--overwrite``."""
    return typer.Option(False, "--overwrite", help="Replace the output file if it exists.")


def csv_safe_opt() -> Any:
    """``--csv-safe``: no text a spreadsheet would run as a formula."""
    return typer.Option(
        False,
        "--csv-safe",
        help="In CSV output, prefix text starting with = + - @ with ' so that spreadsheets "
        "show it instead of running it as a formula.",
    )


_FILTER_OPTIONS: list[tuple[str, Any, Any]] = [
    ("since", str | None, typer.Option(None, "--since", help="Keep events on or after this date.")),
    (
        "until",
        str | None,
        typer.Option(None, "--until", help="Keep events on or before this date."),
    ),
    (
        "event_type",
        list[str] | None,
        typer.Option(None, "--event-type", help="Keep this event type (repeatable)."),
    ),
    ("actor", str | None, typer.Option(None, "--actor", help="Keep actors containing this text.")),
    (
        "actor_regex",
        bool,
        typer.Option(False, "--actor-regex", help="Treat --actor as a regular expression."),
    ),
    (
        "min_fatalities",
        float | None,
        typer.Option(None, "--min-fatalities", min=0, help="Keep events with at least this many."),
    ),
    (
        "max_fatalities",
        float | None,
        typer.Option(None, "--max-fatalities", min=0, help="Keep events with at most this many."),
    ),
    (
        "precision",
        list[Precision] | None,
        typer.Option(None, "--precision", help="Keep this geocode precision (repeatable)."),
    ),
]


def _group_choices() -> Any:
    from incidentmap.actors import group_ids

    return Choice("Group", {g.replace("-", "_"): g for g in group_ids()})  # type: ignore[misc]


def _category_choices() -> Any:
    from incidentmap.categories import CATEGORIES

    return Choice("Category", {re.sub(r"\W", "_", c): c for c in CATEGORIES})  # type: ignore[misc]


Group = _group_choices()
Category = _category_choices()
GroupRole = Choice("GroupRole", {"any": "any", "perpetrator": "perpetrator"})  # type: ignore[misc]

_FILTER_OPTIONS += [
    (
        "group",
        list[Group] | None,
        typer.Option(None, "--group", help="Keep events of this actor group (repeatable)."),
    ),
    (
        "group_role",
        GroupRole,
        typer.Option(
            "any",
            "--group-role",
            help="any: the group is either party; perpetrator: actor1 / side_a / gname.",
        ),
    ),
    (
        "attribution",
        str | None,
        typer.Option(
            None,
            "--attribution",
            help="Keep these attributions, comma-separated: sole, joint, uncertain, claimed, "
            "suspected (with --group the default is all but uncertain).",
        ),
    ),
    (
        "category",
        list[Category] | None,
        typer.Option(None, "--category", help="Keep this event category (repeatable)."),
    ),
    (
        "weight",
        str | None,
        typer.Option(
            None,
            "--weight",
            help="A column of numbers of incidents: each row counts as that many in counts, "
            "maps and trends (HDX HAPI's events).",
        ),
    ),
]


def filter_options(func: Callable[..., Any]) -> Any:
    """Add the shared incident filters; they arrive as ``filters: dict``."""
    return extend_options(func, _FILTER_OPTIONS, "filters")


def load_filtered(
    input: str,
    read: dict[str, Any],
    geo: dict[str, Any],
    filters: dict[str, Any],
    *,
    quiet: bool = False,
) -> Any:
    """Read (and geocode if needed) an incident file, then apply the filters."""
    from incidentmap.aggregate import last_day_covered
    from incidentmap.filters import check_dates, filter_incidents
    from incidentmap.pipeline import load_incidents

    f = {k: (v or None) if isinstance(v, list) else v for k, v in filters.items()}
    weight = f.pop("weight", None)
    check_dates(f.get("since"), f.get("until"))  # before any file is read
    options = as_read_options(read)  # a bad --delimiter, --sheet... too
    if f.get("attribution"):
        from incidentmap.actors import ATTRIBUTIONS

        f["attribution"] = [a.strip() for a in f["attribution"].split(",") if a.strip()]
        bad = [a for a in f["attribution"] if a not in ATTRIBUTIONS]
        if bad:
            msg = f"--attribution: {bad[0]!r} is not one of {', '.join(ATTRIBUTIONS)}"
            raise UsageError(msg)
    with step(f"reading and geocoding {input}"):
        g, report = load_incidents(
            input,
            options,
            snap_km=geo["snap_km"],
            fuzzy_threshold=geo["fuzzy_threshold"],
        )
    if not quiet:
        print_notes(g)
        console_err.print(report.line(), markup=False, highlight=False)
    g = _weigh(g, weight, quiet=quiet)
    out = filter_incidents(g, **f)
    # what the data cover: the --until asked for, else the file's last date (before filters)
    coverage = f.get("until") or last_day_covered(g)
    out.attrs["coverage_end"] = _coverage_day(coverage)
    active = [k for k, v in f.items() if k != "group_role" and v not in (None, False, [], "")]
    if not quiet and active:
        if f.get("group") and not _has_actors(g):
            console_err.print(
                "warning: the input has no actor columns (actor1/actor2, side_a/side_b, "
                "gname...): --group matches nothing"
            )
        console_err.print(f"kept: {len(out)} of {len(g)} rows after the filters")
    left = out.attrs.get("uncertain_left_out", 0)
    if left and not quiet:
        console_err.print(
            f'left out: {left} events whose attribution is uncertain ("A and/or B"); '
            "--attribution sole,joint,uncertain,claimed,suspected keeps them"
        )
    return out


def _weigh(g: Any, column: str | None, *, quiet: bool) -> Any:
    """Make each row count as its ``column`` value (``--weight``), saying so once."""
    if column is None:
        return g
    from incidentmap.aggregate import weighted

    out = weighted(g, column)
    if not quiet:
        total = out[column].sum()
        console_err.print(
            f"note: each row counts as its {column!r} value: {total:,.10g} incidents "
            f"in {len(out):,} rows"
        )
    return out


def _has_actors(g: Any) -> bool:
    return any(c in g.columns and g[c].notna().any() for c in ("actor", "actor1", "actor2"))


def refuse_existing(*paths: Path | None, overwrite: bool) -> None:
    """Fail before any work if an output (or a sidecar of it) exists without ``--overwrite``."""
    from incidentmap.atomic import check_output

    for p in paths:
        if p is not None:
            check_output(p, overwrite=overwrite)


def coarse_note(n: int, period: str) -> str:
    """Say that ``n`` rows are dated to a longer span than one ``period`` (in totals only)."""
    rows = "row is" if n == 1 else "rows are"
    return (
        f"{n:,} {rows} dated only to a longer span than a {period} (a month, a year): "
        f"counted in totals, in no {period}"
    )


def print_write_notes(report: dict[str, Any] | None) -> None:
    """Print what a format changed on the way to the file: values cut by a shapefile.

    Every command that writes a layer says it, column by column: a shapefile holds 254
    bytes a text value, and what does not fit is cut by the format.
    """
    for col, count in ((report or {}).get("truncated_columns") or {}).items():
        console_err.print(
            f"warning: {count:,} values of {col!r} longer than 254 bytes were cut by the "
            "shapefile format; write .gpkg to keep them whole",
            markup=False,
            highlight=False,
        )


def write_area_rows(
    rows: Any, output: Path, areas: Any, level: str, layer: str, *, overwrite: bool, csv_safe: bool
) -> None:
    """Write one row per area: a CSV table, or a GIS layer with each area's polygon."""
    import geopandas as gpd

    from incidentmap.io.write import write_layer, write_table

    if output.suffix.lower() == ".csv":
        write_table(rows, output, overwrite=overwrite, csv_safe=csv_safe)
        return
    key = "district_id" if level == "district" else "province_code"
    geom = areas.set_index(areas[key].astype(str)).geometry.reindex(rows[key].astype(str)).values
    report = write_layer(
        gpd.GeoDataFrame(rows, geometry=geom, crs="EPSG:4326"),
        output,
        layer=layer,
        overwrite=overwrite,
        csv_safe=csv_safe,
    )
    print_write_notes(report)


def _coverage_day(value: Any) -> Any:
    """Return the last day of a date or of a partial date (``2023-03`` is 31 March)."""
    import pandas as pd

    if value is None:
        return None
    text = str(value)
    if len(text) in (4, 7) and text[:4].isdigit():  # a year, or a year and month
        freq = "Y" if len(text) == 4 else "M"
        return pd.Period(text, freq=freq).end_time.normalize()
    return pd.Timestamp(value).normalize()


class WriteProgress:
    """A progress bar for long writes: shown once the estimate passes 20 MB.

    Used as a context manager; :meth:`update` is the ``progress`` callback of
    :func:`incidentmap.io.write_layers` (called from the writer's watch thread).
    """

    #: below this estimate a write is quick: no bar, no note
    THRESHOLD = 20_000_000

    def __init__(self, console: Console) -> None:
        self._console = console
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> WriteProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()

    def update(self, written: int, estimate: int) -> None:
        """Show ``written`` of ``estimate`` bytes."""
        if estimate < self.THRESHOLD:
            return
        if self._bar is None:
            from rich.progress import BarColumn, DownloadColumn, Progress, TimeElapsedColumn

            self._console.print(f"note: writing about {estimate / 1e6:,.0f} MB")
            self._bar = Progress(
                "writing", BarColumn(), DownloadColumn(), TimeElapsedColumn(),
                console=self._console, transient=True,
            )  # fmt: skip
            self._task = self._bar.add_task("write", total=estimate)
            self._bar.start()
        self._bar.update(self._task, completed=min(written, estimate))
