"""File to file: read, geocode and write an incident file, in blocks when it is large.

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
from incidentmap.context import BoundaryContext, context_for
from incidentmap.gazetteer import FUZZY_THRESHOLD
from incidentmap.geocode import _geocode_points, geocode

__all__ = ["BLOCK_MB", "GeocodeReport", "geocode_to_file"]

#: default block size for large files (MB of CSV)
BLOCK_MB = 8.0
#: unplaced rows kept as examples for the report
_EXAMPLES = 5


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

    def add(self, gdf: pd.DataFrame) -> None:
        """Count one geocoded block (or the whole file)."""
        s = gdf.attrs["summary"]
        if not self.blocks:
            self.preset = str(gdf.attrs.get("preset", ""))
            self.preset_title = str(gdf.attrs.get("preset_title", ""))
            self.notes = list(gdf.attrs.get("notes", []))
            self.summary = {k: v for k, v in s.items()}
            self.summary["by_method"] = Counter(s["by_method"])
            self.summary["unplaced_reasons"] = Counter(s["unplaced_reasons"])
        else:
            for key in ("read", "placed_by_point", "placed_by_name", "conflicts", "unplaced"):
                self.summary[key] += s[key]
            self.summary["by_method"].update(s["by_method"])
            self.summary["unplaced_reasons"].update(s["unplaced_reasons"])
        self.blocks += 1
        self.bad_values += int(gdf.attrs.get("bad_values", 0))
        if len(self.unplaced) < _EXAMPLES and s["unplaced"]:
            rows = gdf.loc[gdf["geocode_method"] == "unplaced", ["row", "geocode_note"]]
            for row, note in rows.head(_EXAMPLES - len(self.unplaced)).itertuples(index=False):
                self.unplaced.append((int(row), str(note)))

    def finish(self) -> GeocodeReport:
        """Turn the counters back into plain dicts."""
        if self.summary:
            self.summary["by_method"] = dict(self.summary["by_method"])
            self.summary["unplaced_reasons"] = dict(self.summary["unplaced_reasons"])
        return self


def geocode_to_file(
    path: str | os.PathLike[str],
    output: str | os.PathLike[str],
    boundaries: gpd.GeoDataFrame | BoundaryContext | None = None,
    *,
    snap_km: float = 5.0,
    fuzzy_threshold: float = FUZZY_THRESHOLD,
    overwrite: bool = False,
    csv_safe: bool = False,
    block_mb: float = BLOCK_MB,
    progress: Callable[[int, int], None] | None = None,
    stage: Callable[[str], None] | None = None,
    **read_kwargs: Any,
) -> GeocodeReport:
    """Geocode an incident file into an output file, in blocks when it is large.

    Parameters
    ----------
    path : path-like or "-"
        Incident file (any format :func:`incidentmap.read_incidents` reads).
    output : path-like
        Output file; the format comes from the suffix (see
        :func:`incidentmap.io.write_layers`).
    boundaries : geopandas.GeoDataFrame or BoundaryContext, optional
        District layer; default the installed one.
    snap_km, fuzzy_threshold : float
        See :func:`incidentmap.geocode`.
    overwrite : bool, default False
        Replace an existing output file.
    csv_safe : bool, default False
        See :func:`incidentmap.io.write_layers`.
    block_mb : float, default 8
        Read a plain UTF-8 CSV larger than this in blocks of this size (and write
        Parquet, CSV, GeoPackage or FlatGeobuf as they come); 0 reads every file
        whole.
    progress : callable, optional
        Called as ``progress(bytes_read, file_size)`` after each block (from a
        worker thread).
    stage : callable, optional
        Called with what starts ("reading x.csv", "writing y.gpkg"), for messages.
    **read_kwargs
        Passed to :func:`incidentmap.read_incidents`.

    Returns
    -------
    GeocodeReport

    Raises
    ------
    InputFileError, UsageError, OutputExistsError, OutputWriteError
        As reading, geocoding and writing raise them; no output file is left.
    """
    from incidentmap.io import read_incidents, write_layer
    from incidentmap.io.blocks import BLOCK_SUFFIXES, PointBlock, write_layer_blocks
    from incidentmap.io.incidents import incident_blocks
    from incidentmap.io.tables import NotInBlocks
    from incidentmap.io.write import check_output, writer_for

    if block_mb < 0:
        from incidentmap.errors import UsageError

        raise UsageError(f"block_mb must be 0 or more, not {block_mb!r}")
    say = stage if stage is not None else (lambda what: None)
    writer_for(output)  # an unknown suffix fails before any work
    check_output(output, overwrite=overwrite)
    ctx = context_for(boundaries)
    blocks = None
    if block_mb > 0 and Path(output).suffix.lower() in BLOCK_SUFFIXES:
        blocks = incident_blocks(
            path, block_bytes=int(block_mb * 2**20), points=False, **read_kwargs
        )
    if blocks is not None:
        report = GeocodeReport()

        def placed() -> Iterator[tuple[Callable[[], Any], int]]:
            for block in blocks:  # read and placed in the background thread
                yield (
                    _geocode_points(block, ctx, snap_km=snap_km, fuzzy_threshold=fuzzy_threshold),
                    blocks.position(),
                )

        def tables(items: Iterator[tuple[Callable[[], Any], int]]) -> Iterator[PointBlock]:
            for table, position in items:  # the table made beside the writing
                g, x, y = table()
                report.add(g)
                if progress is not None:
                    progress(position, blocks.size)
                yield PointBlock(g, x, y)  # no point objects: the writer packs x, y into WKB

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
    say(f"reading {path}")
    incidents = read_incidents(path, **read_kwargs)
    say(f"geocoding {path}")
    result = geocode(incidents, ctx, snap_km=snap_km, fuzzy_threshold=fuzzy_threshold)
    report = GeocodeReport()
    report.add(result)
    say(f"writing {output}")
    report.write = write_layer(
        result, output, layer="incidents", overwrite=overwrite, csv_safe=csv_safe
    )
    if progress is not None:
        size = Path(path).stat().st_size if str(path) != "-" else 0
        progress(size, size)
    return report.finish()
