"""Options shared by several commands, and the consoles the CLI writes to."""

from __future__ import annotations

import contextlib
import functools
import inspect
import re
from collections.abc import Callable, Iterator
from enum import Enum
from typing import Any

import typer
from rich.console import Console

from incidentmap.cli._flags import speak
from incidentmap.cli._text import terminal_text
from incidentmap.jobs.load import Source
from incidentmap.jobs.report import Report
from incidentmap.options import (
    DECIMAL_MARKS,
    EXPORT_LAYERS,
    LEVELS,
    PERIOD_NAMES,
    PRECISIONS,
    PRESET_NAMES,
    SCHEMES,
    TILE_NAMES,
    GeoOptions,
    ReadOptions,
)

QUERY_FORMATS = ("table", "csv", "geojson", "ndjson", "geojsonseq")

#: messages and summaries go to standard error; data goes to standard output
console_err = Console(stderr=True, highlight=False, soft_wrap=True, markup=False)
state: dict[str, Any] = {"debug": False, "step": None}


@contextlib.contextmanager
def step(what: str, *, spinner: bool = True) -> Iterator[None]:
    """Name the step running (``"reading x.csv"``): an unexpected failure says where it was.

    On a terminal a spinner shows the step and the time it has taken, so a long step (the
    first run after an install builds the indexes) is never a silent wait.
    """
    before = state.get("step")
    state["step"] = what
    if spinner and console_err.is_terminal:
        with console_err.status(f"{what} ...", spinner="dots"):
            yield  # on an exception the step stays set, for the error line
    else:
        yield
    state["step"] = before


@contextlib.contextmanager
def to_stdout() -> Iterator[None]:
    """Write data to standard output; a reader that stops reading (``| head``) ends it quietly.

    click answers a closed pipe with exit code 1 and no word; the reader asked for less, which
    is no error: exit 0, nothing said.
    """
    import os
    import sys

    try:
        yield
        sys.stdout.flush()
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        raise typer.Exit(0) from None


class Choice(str, Enum):
    """A closed set of option values; typer turns it into ``click.Choice``."""

    def __str__(self) -> str:
        return str(self.value)


# the vocabularies are the library's own, so the CLI and the Python API cannot drift apart
Preset = Choice("Preset", {n: n for n in ("auto", *PRESET_NAMES)})  # type: ignore[misc]
Period = Choice("Period", {n: n for n in (*PERIOD_NAMES, "none")})  # type: ignore[misc]
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


def as_read_options(read: dict[str, Any]) -> ReadOptions:
    """Turn the collected read options into a :class:`incidentmap.ReadOptions`."""
    kw = dict(read)
    kw["on_bad"] = "keep" if kw.pop("keep_bad") else "error"
    kw["layer"] = kw.pop("in_layer")
    kw["decimal"] = plain(kw["decimal"])
    cols = kw.pop("columns")
    kw["columns"] = [c.strip() for c in cols.split(",")] if cols else None
    return ReadOptions.of(**kw)


def source_from(input: Any, read: dict[str, Any], geo: dict[str, Any]) -> Source:
    """Build a job's :class:`~incidentmap.jobs.load.Source` from the collected options."""
    return Source(input, as_read_options(read), GeoOptions(**geo))


def say(line: str) -> None:
    """Print one line to standard error, option names for the fields it names."""
    console_err.print(terminal_text(speak(line)), markup=False, highlight=False)


def print_report(report: Report, *, quiet: bool = False) -> None:
    """Print a job's notes, one line each (nothing when ``quiet``)."""
    if quiet:
        return
    for note in report.notes:
        say(note.line())


def overwrite_opt() -> Any:
    """``--overwrite``."""
    return typer.Option(False, "--overwrite", help="Replace the output file if it exists.")


def quiet_opt() -> Any:
    """``-q/--quiet``: print nothing but errors (the data on standard output still)."""
    return typer.Option(False, "--quiet", "-q", help="Print nothing but errors.")


def csv_safe_opt() -> Any:
    """``--csv-safe``: no text a spreadsheet would run as a formula."""
    return typer.Option(
        False,
        "--csv-safe",
        help="In CSV output, prefix text starting with = + - @ with ' so that spreadsheets "
        "show it instead of running it as a formula.",
    )


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


#: readable metavars for options and arguments, by parameter name (a bundle's prefix first):
#: one style, an upper-case word for a value (``FILE``, ``KM``), choices listed ``a|b|c``
METAVARS = {
    "input": "FILE",
    "inputs": "FILES",
    "lat": "LAT",
    "lon": "LON",
    "output": "FILE",
    "png": "FILE",
    "population": "FILE",
    "pairs": "FILE",
    "decisions": "FILE",
    "explain": "SOURCE:ID",
    "bins": "BREAKS",
    "measure": "count|fatalities|per100k|COLUMN",
    "color_by": "category|COLUMN",
    "since": "DATE",
    "until": "DATE",
    "day_one": "DATE",
    "event_type": "TYPE",
    "actor": "ACTOR",
    "caption": "CAPTION",
    "title": "TITLE",
    "credit": "CREDIT",
    "country": "COUNTRY",
    "filters": "NAME=VALUE",
    "version": "VERSION",
    "update": "FILE",
    "within": "FILE",
    "base_url": "URL",
    "attribution": "KINDS",
    "weight": "COLUMN",
    "sums": "COLUMN",
    "sort": "COLUMN",
    "encoding": "ENCODING",
    "delimiter": "CHAR",
    "sheet": "SHEET",
    "in_layer": "LAYER",
    "comment": "PREFIX",
    "columns": "NAMES",
    "snap_km": "KM",
    "km": "KM",
    "fuzzy_threshold": "SCORE",
    "min_fatalities": "N",
    "max_fatalities": "N",
    "baseline": "N",
    "permutations": "N",
    "limit": "N",
    "alpha": "P",
    "precision_digits": "DIGITS",
    "near": "PLACE",
    "bbox": "BOX",
    "province": "NAME",
    "district": "NAME",
    "district_field": "FIELD",
    "province_field": "FIELD",
    "id_field": "FIELD",
}
#: the read options that name no column
_READ_VALUES = ("encoding", "delimiter", "sheet", "in_layer", "comment", "columns", "day_one")
_BY_TYPE = {"str": "VALUE", "int": "N", "float": "NUMBER", "Path": "PATH"}


def readable_metavars(func: Callable[..., Any]) -> Callable[..., Any]:
    """Give each option and argument of a command a metavar in one style.

    click showed ``<str>``, ``<path>``, ``<float range>``, ``<a|b>`` and ``{FILE}``: each
    value gets an upper-case word from :data:`METAVARS` (a read option names a ``COLUMN``),
    else one by type; choices are listed ``a|b|c``. Flags take no value and show none.
    """
    _plain_argument_usage()
    names = getattr(inspect.unwrap(func), "__globals__", {})
    for param in inspect.signature(func).parameters.values():
        info = param.default
        if not hasattr(info, "metavar") or info.metavar is not None:
            continue
        choices = _choices(_evaluated(param.annotation, names))
        if choices:
            info.metavar = "|".join(choices)
            continue
        kind = re.sub(r"^list\[(.*)\]$", r"\1", _type_name(param.annotation))
        if kind not in _BY_TYPE:
            continue  # flags
        bundle, _, name = param.name.rpartition("__")
        if bundle == "read" and name not in _READ_VALUES:
            info.metavar = "COLUMN"
        else:
            info.metavar = METAVARS.get(name, _BY_TYPE[kind])
    return func


def _evaluated(annotation: Any, names: dict[str, Any]) -> Any:
    """Return a postponed annotation (``"Level | None"``) as the type it names, if it can."""
    if not isinstance(annotation, str):
        return annotation
    try:
        return eval(annotation, dict(names))
    except Exception:  # a name only known to type checkers: no choices to list
        return annotation


def _choices(annotation: Any) -> list[str]:
    """Return the values of a :class:`Choice` annotation (``Level | None``, ``list[...]``)."""
    import typing

    for arg in (annotation, *typing.get_args(annotation)):
        inner = typing.get_args(arg) if typing.get_origin(arg) is list else (arg,)
        for t in inner:
            if isinstance(t, type) and issubclass(t, Enum):
                return [str(m.value) for m in t]
    return []


def _plain_argument_usage() -> None:
    """Show a required argument as ``FILE`` in the usage line, not typer's ``{FILE}``.

    typer wraps a required argument's metavar in braces (click's sign for a choice); our
    usage lines name values one way, options and arguments alike.
    """
    from typer.core import TyperArgument

    make = TyperArgument.make_metavar
    if getattr(make, "plain", False):
        return

    def plain_metavar(self: Any, ctx: Any, *, usage: bool = False) -> str:
        var = make(self, ctx, usage=usage)
        if var.startswith("{") and var.endswith("}"):
            return var[1:-1]
        return var

    plain_metavar.plain = True  # type: ignore[attr-defined]
    TyperArgument.make_metavar = plain_metavar  # type: ignore[method-assign]


def _type_name(annotation: Any) -> str:
    """Return an annotation as text without ``| None`` (``str``, ``list[str]``, ``Path``)."""
    text = annotation.__name__ if isinstance(annotation, type) else str(annotation)
    text = re.sub(r"\bpathlib\.Path\b", "Path", text.replace("typing.", ""))
    return re.sub(r"\s*\|\s*None$|^Optional\[(.*)\]$", r"\1", text)
