"""From a file to placed incidents: the one read-then-place, and file to file in blocks.

:func:`load_incidents` is the only way the library and the CLI turn a file into placed
incidents: it reads the file (:func:`incidentmap.read_incidents`), takes a file that
``incidentmap geocode`` wrote as it is (never placed again; rows of an older version get
their actor groups and categories), places any other file (:func:`incidentmap.geocode`),
and returns a :class:`LoadReport` of what it did, which the CLI prints.

:func:`geocode_to_file` is what ``incidentmap geocode IN -o OUT`` runs. A plain
UTF-8 CSV larger than one block (``block_mb``, default 8 MB: about 100,000
ACLED-like rows) going to Parquet, CSV, GeoPackage or FlatGeobuf is read, geocoded
and written block by block, so memory stays bounded whatever the file's size; a
background thread reads and geocodes the next block while the current one is
written. Everything else (small files, other formats, standard input) is read
whole. Both ways give the same rows, values and counts; the one difference is
that a large file's first block decides what a column's values decide (the
day/month order of ``a/b/yyyy`` dates, whether columns named like coordinates
hold coordinates), and a later value that contradicts it is a bad value with its
row. A block that turns out not to be well formed (bad UTF-8, a row of the wrong
length) makes the whole file be read again the careful way, whose error names the
row; the output is written only when everything succeeded.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from incidentmap._threads import Ahead
from incidentmap.atomic import refuse_inputs
from incidentmap.classify import CLASS_COLUMNS, classify
from incidentmap.context import BoundaryContext, context_for
from incidentmap.errors import InputFileError, UnknownNameError, UsageError, library_warnings
from incidentmap.gazetteer import FUZZY_THRESHOLD, resolve_province
from incidentmap.geocode import geocode_counted, geocode_points, geocode_summary
from incidentmap.geocode.result import PlacedTable
from incidentmap.io import ReadOptions
from incidentmap.io.areas import read_population
from incidentmap.io.assemble import ReadFacts, kept_notes
from incidentmap.io.blocks import BLOCK_SUFFIXES, PointBlock, write_layer_blocks
from incidentmap.io.incidents import incident_blocks, read_incidents_facts
from incidentmap.io.postgis import masked
from incidentmap.io.table_blocks import NotInBlocks
from incidentmap.io.targets import FileTarget, target_for
from incidentmap.io.values import Kept
from incidentmap.options import BLOCK_MB, GeoOptions, Output

__all__ = [
    "BLOCK_MB",
    "GeocodeReport",
    "LoadReport",
    "ReadOptions",
    "geocode_file",
    "geocode_to_file",
    "load_incidents",
    "load_population",
]

#: unplaced rows kept as examples for the report
_EXAMPLES = 5
#: a block being placed: the call that places it, the bytes read so far, what reading did
_Placing = tuple[Callable[[], PlacedTable], int, ReadFacts]


#: the words of a note naming rows a block left out (io.assemble.total_notes)
_LEFT_OUT = "left out"


@dataclass
class GeocodeReport:
    """What :func:`geocode_to_file` did.

    Attributes
    ----------
    summary : dict
        Counts as :func:`incidentmap.geocode_summary` gives them, for the whole file.
    preset, preset_title : str
        The column layout used.
    notes : list of str
        Lines for the user about how the file was read (encoding, ignored columns).
    bad_values : int
        Rows kept with unreadable values (``on_bad="keep"``).
    unplaced : list of (int, str)
        The first unplaced rows: (row, reason).
    blocks : int
        Blocks read (1: the file was read whole).
    write : dict
        The writer's report (``path``, ``format``, ``layers``, ``renamed``, ``fields``).
    """

    summary: dict[str, Any] = field(default_factory=dict)
    preset: str = ""
    preset_title: str = ""
    notes: list[str] = field(default_factory=list)
    bad_values: int = 0
    unplaced: list[tuple[int, str]] = field(default_factory=list)
    blocks: int = 0
    write: dict[str, Any] = field(default_factory=dict)
    #: words kept as unknown values, by column, over every block (see ``io.values.Problems``)
    kept: dict[str, Kept] = field(default_factory=dict)
    first_kept: dict[str, Kept] = field(default_factory=dict)
    path: str = ""
    #: which layout the file was read as and why, which column fed which role
    layout: list[str] = field(default_factory=list)

    def add(self, gdf: pd.DataFrame, facts: ReadFacts, s: dict[str, Any]) -> None:
        """Count one geocoded block (or the whole file): what reading it did, how it was placed.

        Parameters
        ----------
        gdf : pandas.DataFrame
            The placed rows.
        facts : ReadFacts
            What reading them did.
        s : dict
            How they were placed (:func:`incidentmap.geocode_summary`).
        """
        if not self.blocks:
            self.preset = str(gdf.attrs.get("preset", ""))
            self.preset_title = facts.preset_title
            self.notes = list(facts.notes)
            self.first_kept = dict(facts.kept)
            self.layout = list(facts.layout)
            self.summary = {k: v for k, v in s.items()}
            self.summary["by_method"] = Counter(s["by_method"])
            self.summary["unplaced_reasons"] = Counter(s["unplaced_reasons"])
        else:
            # rows a later block left out (a Subtotal row, a Total under the table) are said
            self.notes += [n for n in facts.notes if n not in self.notes and _LEFT_OUT in n]
            self._add_counts(s)
        self.blocks += 1
        self.bad_values += facts.bad_values
        self.path = str(gdf.attrs.get("path", self.path))
        self._add_kept(facts.kept)
        if len(self.unplaced) < _EXAMPLES and s["unplaced"]:
            rows = gdf.loc[gdf["geocode_method"] == "unplaced", ["row", "geocode_note"]]
            for row, note in rows.head(_EXAMPLES - len(self.unplaced)).itertuples(index=False):
                self.unplaced.append((int(row), str(note)))

    def _add_counts(self, s: dict[str, Any]) -> None:
        """Add a later block's placing counts to the file's (every count adds up)."""
        for key, value in s.items():
            if isinstance(value, int) and not isinstance(value, bool):
                self.summary[key] = self.summary.get(key, 0) + value
        self.summary["by_method"].update(s["by_method"])
        self.summary["unplaced_reasons"].update(s["unplaced_reasons"])

    def _add_kept(self, kept: dict[str, Kept]) -> None:
        """Add one block's kept words: counts summed, the first example kept."""
        for col, words in kept.items():
            before = self.kept.get(col)
            self.kept[col] = (words[0] + before[0], *before[1:]) if before else words

    def finish(self) -> GeocodeReport:
        """Turn the counters back into plain dicts; one note per column of kept words."""
        if self.blocks > 1 and self.kept:  # the first block's lines, now for the whole file
            first = kept_notes(self.first_kept, self.path)
            at = next((i for i, n in enumerate(self.notes) if n in first), len(self.notes))
            rest = [n for n in self.notes if n not in first]
            self.notes = rest[:at] + kept_notes(self.kept, self.path) + rest[at:]
        if self.summary:
            self.summary["by_method"] = dict(self.summary["by_method"])
            self.summary["unplaced_reasons"] = dict(self.summary["unplaced_reasons"])
        return self


def geocode_to_file(
    path: str | os.PathLike[str],
    output: str | os.PathLike[str] | Output,
    *,
    read: ReadOptions | None = None,
    geo: GeoOptions | None = None,
    block_mb: float = BLOCK_MB,
    progress: Callable[[int, int], None] | None = None,
    stage: Callable[[str], None] | None = None,
    **options: Any,
) -> GeocodeReport:
    """Geocode an incident file into an output file, in blocks when it is large.

    Parameters
    ----------
    path : path-like or "-"
        Incident file (any format :func:`incidentmap.read_incidents` reads).
    output : path-like or Output
        Output file; the format comes from the suffix (see
        :func:`incidentmap.io.write_layers`); an :class:`~incidentmap.options.Output`
        also says ``overwrite`` and ``csv_safe``.
    read : ReadOptions, optional
        How to read the file.
    geo : GeoOptions, optional
        ``snap_km`` and ``fuzzy_threshold`` (see :func:`incidentmap.geocode`).
    block_mb : float, default 8
        Read a plain UTF-8 CSV larger than this in blocks of this size (and write
        Parquet, CSV, GeoPackage or FlatGeobuf as they come); 0 reads every file
        whole.
    progress : callable, optional
        Called as ``progress(bytes_read, file_size)`` after each block (from a
        worker thread).
    stage : callable, optional
        Called with what starts ("reading x.csv", "writing y.gpkg"), for messages.
    **options
        Options one by one on top of the typed parts: ``overwrite`` and ``csv_safe`` (of
        the output), ``snap_km`` and ``fuzzy_threshold``, ``boundaries`` (a district layer
        or context; default the installed one), and read options (``lat=``, ``on_bad=``...).

    Returns
    -------
    GeocodeReport

    Raises
    ------
    InputFileError, UsageError, OutputExistsError, OutputWriteError
        As reading, geocoding and writing raise them; no output file is left.
    """
    out, geo, boundaries, read = _file_options(output, geo, read, options)
    refuse_inputs([out.path], [path])  # the publisher's file is never replaced
    said: list[str] = []
    with library_warnings(said, masked(path) if str(path) != "-" else "<stdin>"):
        report = _to_file(path, out, read, geo, boundaries, block_mb, progress, stage)
    report.notes += [line for line in said if line not in report.notes]
    return report


def _to_file(
    path: str | os.PathLike[str],
    out: Output,
    read: ReadOptions,
    geo: GeoOptions,
    boundaries: Any,
    block_mb: float,
    progress: Callable[[int, int], None] | None,
    stage: Callable[[str], None] | None,
) -> GeocodeReport:
    """Geocode a file into an output (:func:`geocode_to_file`'s work, its options split)."""
    output, overwrite, csv_safe = out.path, out.overwrite, out.csv_safe
    snap_km, fuzzy_threshold = geo.snap_km, geo.fuzzy_threshold
    if block_mb < 0:
        raise UsageError(f"`block_mb` must be 0 or more, not {block_mb!r}", field="block_mb")
    say = stage if stage is not None else (lambda what: None)
    target = target_for(output)  # an unknown suffix or scheme fails before any work
    target.check(overwrite=overwrite)
    ctx = context_for(boundaries)
    blocks = None
    in_blocks = isinstance(target, FileTarget) and target.path.suffix.lower() in BLOCK_SUFFIXES
    if block_mb > 0 and in_blocks:
        blocks = incident_blocks(
            path, block_bytes=int(block_mb * 2**20), points=False, **read.kwargs()
        )
    if blocks is not None:
        report = GeocodeReport()

        def placed() -> Iterator[_Placing]:
            for block, facts in blocks.pairs():  # read and placed in the background thread
                yield (
                    geocode_points(block, ctx, snap_km=snap_km, fuzzy_threshold=fuzzy_threshold),
                    blocks.position(),
                    facts,
                )

        def tables(items: Iterator[_Placing]) -> Iterator[PointBlock]:
            for table, position, facts in items:  # the table made beside the writing
                placed = table()
                report.add(placed.frame, facts, placed.summary)
                if progress is not None:
                    progress(position, blocks.size)
                # no point objects: the writer packs x, y into WKB
                yield PointBlock(placed.frame, placed.x, placed.y)

        say(f"geocoding {path} into {output} block by block")
        ahead = Ahead(placed())  # reading starts now, in its thread
        try:
            ctx.warm()  # meanwhile: the locator and the distance tables, loaded once
            report.write = write_layer_blocks(
                tables(ahead), output, layer="incidents", overwrite=overwrite, csv_safe=csv_safe
            )
            return report.finish()
        except NotInBlocks:
            pass  # not well formed after all: read whole below, with the careful errors
        finally:
            ahead.close()  # a writer that stopped early: the reading thread stops too
    say(f"reading and geocoding {masked(path)}")
    result, facts, counts = _read_and_place(path, read, ctx, snap_km, fuzzy_threshold)
    report = GeocodeReport()
    report.add(result, facts, counts)
    say(f"writing {target.name}")  # a file, or a database table in one transaction
    report.write = target.write_layers(
        {"incidents": result}, overwrite=overwrite, csv_safe=csv_safe
    )
    if progress is not None:
        size = Path(path).stat().st_size if Path(str(path)).is_file() else 0
        progress(size, size)
    return report.finish()


def _file_options(
    output: Any, geo: GeoOptions | None, read: ReadOptions | None, options: dict[str, Any]
) -> tuple[Output, GeoOptions, Any, ReadOptions]:
    """Split options given one by one among the output, placing and reading parts."""
    opts = dict(options)
    out = (
        output
        if isinstance(output, Output)
        else Output(
            output, overwrite=opts.pop("overwrite", False), csv_safe=opts.pop("csv_safe", False)
        )
    )
    base = geo if geo is not None else GeoOptions()
    geo = GeoOptions(
        snap_km=opts.pop("snap_km", base.snap_km),
        fuzzy_threshold=opts.pop("fuzzy_threshold", base.fuzzy_threshold),
    )
    boundaries = opts.pop("boundaries", None)
    return out, geo, boundaries, ReadOptions.of(read, **opts)


@dataclass
class LoadReport:
    """What :func:`load_incidents` did with a file.

    Attributes
    ----------
    path : str
        The file read ("<stdin>" for standard input).
    geocoded_before : bool
        The file was written by ``incidentmap geocode``: taken as it is, not placed again.
    summary : dict
        Counts as :func:`incidentmap.geocode_summary` gives them.
    notes : list of str
        Lines for the user about how the file was read (encoding, ignored columns).
    preset, preset_title : str
        The column layout used.
    bad_values : int
        Rows kept with unreadable values (``on_bad="keep"``).
    """

    path: str
    geocoded_before: bool
    summary: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    preset: str = ""
    preset_title: str = ""
    bad_values: int = 0
    layout: list[str] = field(default_factory=list)

    def line(self) -> str:
        """Return the one line the CLI prints: rows read and how they were placed."""
        s = self.summary
        how = "geocoded file" if self.geocoded_before else "geocoded now"
        return (
            f"read: {s['read']:,} rows from {self.path} ({how}): placed by point "
            f"{s['placed_by_point']:,}, by name {s['placed_by_name']:,}, unplaced {s['unplaced']:,}"
        )


def load_incidents(
    path: str | os.PathLike[str],
    read: ReadOptions | None = None,
    boundaries: gpd.GeoDataFrame | BoundaryContext | None = None,
    *,
    snap_km: float = 5.0,
    fuzzy_threshold: float = FUZZY_THRESHOLD,
) -> tuple[gpd.GeoDataFrame, LoadReport]:
    """Read an incident file and place every row: the one path from a file to placed incidents.

    Parameters
    ----------
    path : path-like or "-"
        Raw incidents (any format :func:`incidentmap.read_incidents` reads) or a file
        written by ``incidentmap geocode`` (taken as it is, never placed again).
    read : ReadOptions, optional
        How to read the file (default: every option at its default).
    boundaries : geopandas.GeoDataFrame or BoundaryContext, optional
        District layer; default the installed one.
    snap_km, fuzzy_threshold : float
        See :func:`incidentmap.geocode`.

    Returns
    -------
    geopandas.GeoDataFrame
        The placed incidents (their ``attrs`` say what the data are: ``preset``,
        ``path``, ``citation``; what the run did is in the report).
    LoadReport
        What was read and how it was placed.

    Raises
    ------
    InputFileError, UsageError
        As reading and geocoding raise them.
    """
    said: list[str] = []
    with library_warnings(said, "<stdin>" if str(path) == "-" else masked(path)):
        g, facts, counts = _read_and_place(path, read, boundaries, snap_km, fuzzy_threshold)
    report = LoadReport(
        path="<stdin>" if str(path) == "-" else masked(path),
        geocoded_before=facts.geocoded,
        summary=counts,
        notes=[*facts.notes, *(line for line in said if line not in facts.notes)],
        preset=str(g.attrs.get("preset", "")),
        preset_title=facts.preset_title,
        layout=list(facts.layout),
        bad_values=facts.bad_values,
    )
    return g, report


def _read_and_place(
    path: str | os.PathLike[str],
    read: ReadOptions | None,
    boundaries: gpd.GeoDataFrame | BoundaryContext | None,
    snap_km: float,
    fuzzy_threshold: float,
) -> tuple[gpd.GeoDataFrame, ReadFacts, dict[str, Any]]:
    """Read and place a file: the rows, what reading did, how they were placed."""
    read = read if read is not None else ReadOptions()
    incidents, facts = read_incidents_facts(path, **read.kwargs())
    if facts.geocoded:
        g = _as_placed(incidents)
        return g, facts, geocode_summary(g)
    g, counts = geocode_counted(
        incidents, boundaries, snap_km=snap_km, fuzzy_threshold=fuzzy_threshold
    )
    return g, facts, counts


def _as_placed(g: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Take a geocoded file as it was written; rows of an older version get their classes."""
    if any(c not in g.columns for c in CLASS_COLUMNS):  # a file written before a class
        for col, values in classify(g, "any").items():
            if col not in g.columns and col in CLASS_COLUMNS:
                g[col] = values
    return g


def geocode_file(
    path: str | os.PathLike[str],
    boundaries: gpd.GeoDataFrame | BoundaryContext | None = None,
    *,
    snap_km: float = 5.0,
    fuzzy_threshold: float = FUZZY_THRESHOLD,
    read: ReadOptions | None = None,
    **read_kwargs: Any,
) -> gpd.GeoDataFrame:
    """Read an incident file and geocode it: :func:`load_incidents` without the report.

    Parameters
    ----------
    path : path-like or "-"
        Raw incidents or a geocoded file (returned as read).
    boundaries : geopandas.GeoDataFrame or BoundaryContext, optional
        District layer; default the installed one.
    snap_km, fuzzy_threshold : float
        See :func:`incidentmap.geocode`.
    read : ReadOptions, optional
        How to read the file.
    **read_kwargs
        Read options one by one (``on_bad="keep"``...), on top of ``read``.

    Returns
    -------
    geopandas.GeoDataFrame
    """
    options = ReadOptions.of(read, **read_kwargs)
    g, _ = load_incidents(
        path, options, boundaries, snap_km=snap_km, fuzzy_threshold=fuzzy_threshold
    )
    return g


def load_population(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a population table and key it by area: the provinces' names resolved to codes.

    Parameters
    ----------
    path : path-like
        A table with a population column (``population``, ``pop``, ``T_TL``, ``total``)
        and ``district_id`` or a province column (name in any spelling, ISO code or p-code).

    Returns
    -------
    pandas.DataFrame
        ``district_id`` or ``province_code``, and ``population``.

    Raises
    ------
    InputFileError
        If a column is missing or a province name is unknown (with its row).
    """
    table, key = read_population(path)
    if key.lower() == "district_id":
        return table.rename(columns={key: "district_id"})
    codes = []
    for i, v in enumerate(table[key], start=1):
        try:
            codes.append(resolve_province(v).id)
        except UnknownNameError as exc:
            raise InputFileError(str(path), str(exc), row=i, column=key) from exc
    return pd.DataFrame({"province_code": codes, "population": table["population"].to_numpy()})
