"""Write layers and tables atomically, in every format, under one field-name rule.

* :func:`atomic_write` is the only way a file is written: everything goes to a
  temporary name in the target folder (``.<name>.incidentmap-tmp-<pid>-<id>``),
  is flushed to disk and checked, and only then replaces the target. A failure
  (disk full, Ctrl-C, a bug) leaves the previous file as it was and no partial
  file; temporary files of runs that were killed (their process is gone) are
  removed by the next write to the same folder.
* :data:`WRITERS` maps a suffix to its writer; :func:`write_layers` picks one.
* Field names follow :func:`incidentmap.schema.safe_names` in every format, so a
  column never collides with another or with a name a format reserves. On top of
  that, shapefiles cut names to 10 characters and KML needs XML names; both report
  the mapping they used.
* GDAL writers are checked after writing (feature count read back, or the file's
  closing bytes), because some of them report success on a full disk.
* Long writes run in a worker thread so that Ctrl-C stops them within a second.
"""

from __future__ import annotations

import contextlib
import dataclasses
import glob
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from incidentmap.atomic import (
    SIDECARS,
    atomic_write,
    publish,
    remove_stale_temps,
)
from incidentmap.errors import OutputWriteError, UsageError, library_warnings, one_line
from incidentmap.io.formats import (
    WRITE_FORMATS,
    WRITERS,
    csv_types,
    shapefile_fields,
    verify_count,
    writer_for,
    xml_text,
)
from incidentmap.io.frames import WriteOptions, csv_safe_text, safe_frame, write_csv
from incidentmap.io.styles import GpkgView, LayerStyle, add_to_geopackage, qml, sld
from incidentmap.schema import safe_names

__all__ = [
    "SIDECARS",
    "WRITERS",
    "WRITE_FORMATS",
    "atomic_write",
    "csv_safe_text",
    "estimate_bytes",
    "publish",
    "remove_stale_temps",
    "style_paths",
    "write_csv",
    "write_layer",
    "write_layers",
    "write_table",
]


# ---------------------------------------------------------------------------------------------
# atomic files


# ---------------------------------------------------------------------------------------------
# values for writing


# ---------------------------------------------------------------------------------------------
# writers


# ---------------------------------------------------------------------------------------------
# public writers


def write_layer(
    gdf: gpd.GeoDataFrame,
    path: str | os.PathLike[str],
    *,
    layer: str | None = None,
    overwrite: bool = False,
    precision: int | None = None,
    csv_safe: bool = False,
) -> dict[str, Any]:
    """Write one layer atomically, choosing the format from the suffix.

    See :func:`write_layers`.
    """
    name = layer or Path(path).stem
    return write_layers(
        {name: gdf}, path, overwrite=overwrite, precision=precision, csv_safe=csv_safe
    )


@dataclass(frozen=True)
class GisExtras:
    """What a GIS file gets beside its rows (see :func:`write_layers`)."""

    styles: dict[str, LayerStyle] | None = None
    views: tuple[GpkgView, ...] = ()
    csvt: bool = False


def write_layers(
    layers: dict[str, gpd.GeoDataFrame],
    path: str | os.PathLike[str],
    *,
    overwrite: bool = False,
    precision: int | None = None,
    csv_safe: bool = False,
    progress: Callable[[int, int], None] | None = None,
    gis: GisExtras | None = None,
) -> dict[str, Any]:
    """Write layers atomically; the format comes from the suffix.

    Everything is written under a temporary name in the same folder and moved
    into place only when complete and checked, so a failure leaves no partial
    file and the previous one intact.

    Parameters
    ----------
    layers : dict of str to geopandas.GeoDataFrame
        Layer name -> layer. Only GeoPackage holds more than one; it writes a
        plain DataFrame as an attribute table (no geometry column).
    path : path-like
        Output file; suffix one of :data:`WRITE_FORMATS`.
    overwrite : bool, default False
        Replace an existing file.
    precision : int, optional
        Decimal places of coordinates for GeoJSON and CSV (WKT); GeoJSON
        defaults to 7.
    csv_safe : bool, default False
        In CSV, prefix text starting with ``=``, ``+``, ``-`` or ``@`` with ``'``
        so that spreadsheets show it instead of running it as a formula.
    progress : callable, optional
        Called as ``progress(written, estimate)`` about five times a second while
        the file is written, from another thread: bytes on disk so far, and
        :func:`estimate_bytes` (``written`` may pass it; the last call has
        ``written == estimate``).
    gis : GisExtras, optional
        What GIS software gets beside the rows:

    gis.styles : dict of str to LayerStyle, optional
        Layer name -> its style: in a GeoPackage as its default style in ``layer_styles``
        (views included); beside a shapefile, GeoJSON or FlatGeobuf as ``<name>.qml`` and
        ``<name>.sld`` (fields under the names the format wrote). Sidecars are refused and
        replaced like the file, and published only once it is.
    gis.views : tuple of GpkgView, optional
        Spatial views a GeoPackage gets over its tables and polygons (listed as layers).
    gis.csvt : bool, default False
        Beside a CSV, a ``.csvt`` of its column types (GDAL and QGIS read it).

    Returns
    -------
    dict
        ``path``, ``format``, ``layers`` (name -> feature count), ``renamed``
        (columns renamed by the shared field-name rule) and, for shapefiles and
        KML, ``fields`` (original -> written name); for shapefiles ``truncated``
        (values cut to 254 bytes).

    Raises
    ------
    OutputExistsError
        If the file exists and ``overwrite`` is not set.
    UsageError
        If the suffix is unknown, or several layers go to a one-layer format.
    OutputWriteError
        If the file cannot be written completely (disk full, permissions...).
    """
    extras = gis if gis is not None else GisExtras()
    styles, views, csvt = _xml_safe(extras.styles), extras.views, extras.csvt
    fmt, writer, multi = writer_for(path)
    p = Path(path)
    if len(layers) > 1 and not multi:
        msg = f"{p}: {fmt} holds one layer; choose one of {', '.join(layers)} or write .gpkg"
        raise UsageError(msg)
    safe, renamed = _safe_layers(layers, fmt)
    report: dict[str, Any] = {
        "path": str(p),
        "format": fmt,
        "layers": {k: len(v) for k, v in safe.items()},
        "renamed": renamed,
        "warnings": [],
    }
    estimate = estimate_bytes(safe, fmt, precision) if progress is not None else 0
    beside = _beside(p, fmt, safe, renamed, styles or {}, csvt)
    with contextlib.ExitStack() as stack:
        for side, text in beside.items():  # entered first: published after the file
            side_tmp = stack.enter_context(atomic_write(side, overwrite=overwrite))
            side_tmp.write_text(text, encoding="utf-8", newline="")
        with atomic_write(p, overwrite=overwrite) as tmp, _watching(tmp, estimate, progress):
            try:
                options = WriteOptions(precision=precision, csv_safe=csv_safe)
                with library_warnings(report["warnings"], str(p)):  # GDAL's: said, not raw
                    report.update(writer(safe, tmp, options))
                if fmt == "GPKG" and (styles or views):
                    _styled_geopackage(tmp, safe, styles or {}, views)
            except BaseException as exc:
                error = write_error(exc, p, fmt)
                if error is exc:
                    raise
                raise error from exc
    if beside:
        report["beside"] = [str(side) for side in beside]
    return report


def _xml_safe(value: Any) -> Any:
    """Return a style (or styles) with its text as XML can hold it (QML and SLD are XML).

    A label or a title holding a control character (a category or a title read from a file)
    made a style file no XML parser opens.
    """
    if isinstance(value, str):
        return xml_text(value)
    if isinstance(value, (tuple, list)):
        return type(value)(_xml_safe(v) for v in value)
    if isinstance(value, dict):
        return {k: _xml_safe(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: _xml_safe(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return dataclasses.replace(value, **changes)
    return value


#: formats that get their style as .qml and .sld files beside them
STYLED_BESIDE = ("ESRI Shapefile", "GeoJSON", "FlatGeobuf")


def style_paths(path: str | os.PathLike[str]) -> list[Path]:
    """Return the style files written beside a one-layer file (``.qml``, ``.sld``)."""
    p = Path(path)
    return [p.with_suffix(".qml"), p.with_suffix(".sld")]


def _beside(
    p: Path,
    fmt: str,
    safe: dict[str, pd.DataFrame],
    renamed: dict[str, str],
    styles: dict[str, LayerStyle],
    csvt: bool,
) -> dict[Path, str]:
    """Return the files written beside a one-layer file: its style, its column types."""
    out: dict[Path, str] = {}
    if fmt == "CSV" and csvt:
        (frame,) = safe.values()
        out[p.with_suffix(".csvt")] = csv_types(frame)
    if fmt not in STYLED_BESIDE or not styles:
        return out
    ((name, frame),) = safe.items()
    if name not in styles:
        return out
    names = dict(renamed)
    if fmt == "ESRI Shapefile":
        cut = shapefile_fields([str(c) for c in frame.columns if c != frame.geometry.name])
        names = {c: cut.get(names.get(c, c), names.get(c, c)) for c in [*names, *cut]}
    style = styles[name].renamed(names)
    qml_path, sld_path = style_paths(p)
    out[qml_path] = qml(style)
    out[sld_path] = sld(style, name)
    return out


def _styled_geopackage(
    tmp: Path, safe: dict[str, pd.DataFrame], styles: dict[str, LayerStyle], views: Any
) -> None:
    """Add the views and the default styles to a written GeoPackage; check the views' rows."""
    add_to_geopackage(tmp, styles, tuple(views))
    for view in views:
        verify_count(tmp, view.name, len(safe[view.table]), "GeoPackage view")


#: bytes per coordinate pair as each format writes it (text: digits, sign, point, separators)
_COORD_BYTES = {"GeoJSON": 2 * 4 + 4, "CSV": 2 * 4 + 2, "KML": 2 * 4 + 3}
#: bytes per attribute value, on average (the tables are mostly short names and counts)
_VALUE_BYTES = 12


def estimate_bytes(layers: dict[str, pd.DataFrame], fmt: str, precision: int | None) -> int:
    """Estimate the size of a file before it is written, within a factor of about two.

    Coordinates make most of a polygon layer: 16 bytes a pair in binary formats,
    about 2 x (digits + 4) + 4 in GeoJSON, CSV (WKT) and KML; attributes are
    counted at a dozen bytes a value.

    Parameters
    ----------
    layers : dict of str to pandas.DataFrame
        The layers (and tables) to be written.
    fmt : str
        The format's name (``"GeoJSON"``, ``"GPKG"``...).
    precision : int, optional
        Coordinate decimals of text formats (default 7; 15 for CSV/KML).

    Returns
    -------
    int
        Bytes.
    """
    import shapely

    total = 0
    for frame in layers.values():
        total += frame.size * _VALUE_BYTES
        if isinstance(frame, gpd.GeoDataFrame):
            coords = int(shapely.get_num_coordinates(frame.geometry.values).sum())
            if fmt in _COORD_BYTES:
                digits = precision if precision is not None else (7 if fmt == "GeoJSON" else 15)
                total += coords * (_COORD_BYTES[fmt] + 2 * digits)
            else:
                total += coords * 16 + len(frame) * 40
    return int(total)


@contextlib.contextmanager
def _watching(
    tmp: Path, estimate: int, progress: Callable[[int, int], None] | None
) -> Iterator[None]:
    """Report the size of ``tmp`` (and its sidecars) to ``progress`` while the body runs."""
    if progress is None:
        yield
        return
    stop = threading.Event()

    def size() -> int:
        return sum(
            f.stat().st_size for f in tmp.parent.glob(glob.escape(tmp.stem) + "*") if f.is_file()
        )

    def watch() -> None:
        while not stop.wait(0.2):
            with contextlib.suppress(OSError):
                progress(size(), estimate)

    progress(0, estimate)
    thread = threading.Thread(target=watch, name="incidentmap-progress", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
    progress(estimate, estimate)


def _safe_layers(
    layers: dict[str, gpd.GeoDataFrame], fmt: str
) -> tuple[dict[str, gpd.GeoDataFrame], dict[str, str]]:
    """Return the layers in EPSG:4326 under the shared field-name rule, and the renames."""
    safe: dict[str, gpd.GeoDataFrame] = {}
    renamed: dict[str, str] = {}
    for name, gdf in layers.items():
        if not isinstance(gdf, gpd.GeoDataFrame) and fmt == "GPKG":
            table = gdf.rename(columns=lambda c: str(c))
            names = safe_names(list(table.columns))
            renamed.update({c: n for c, n in names.items() if c != n})
            safe[name] = _no_attrs(table.rename(columns=names))
            continue
        g = (
            gdf
            if isinstance(gdf, gpd.GeoDataFrame)
            else gpd.GeoDataFrame(gdf, geometry=[None] * len(gdf))
        )
        g = g.to_crs("EPSG:4326") if g.crs is not None else g.set_crs("EPSG:4326")
        g, r = safe_frame(g)
        renamed.update(r)
        safe[name] = _no_attrs(g)
    return safe, renamed


def _no_attrs(frame: pd.DataFrame) -> pd.DataFrame:
    """Return the frame without ``attrs``: what a writer stores is the rows, nothing more.

    GeoParquet stores a frame's ``attrs`` as JSON; a value JSON cannot hold (a Timestamp)
    broke every Parquet export once.
    """
    if not frame.attrs:
        return frame
    out = frame.copy(deep=False)
    out.attrs = {}
    return out


def write_error(exc: BaseException, path: Path, fmt: str) -> BaseException:
    """Return what a writer's failure is raised as: one line naming the file.

    Our own errors and interrupts stay as they are; OS errors say what the system
    said; anything else (GDAL reports a full disk and bad values as its own errors)
    becomes "writing <format> failed (...)".
    """
    if not isinstance(exc, Exception) or isinstance(exc, (OutputWriteError, UsageError)):
        return exc
    if isinstance(exc, OSError):
        return OutputWriteError(f"{path}: cannot write ({exc.strerror or exc})")
    return OutputWriteError(f"{path}: writing {fmt} failed ({one_line(exc)})")


def write_table(
    frame: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    overwrite: bool = False,
    csv_safe: bool = False,
) -> Path:
    """Write a plain table (no geometry) as CSV, atomically; dates as ISO strings.

    Parameters
    ----------
    frame : pandas.DataFrame
    path : path-like
        ``.csv`` file.
    overwrite : bool, default False
        Replace an existing file.
    csv_safe : bool, default False
        See :func:`write_layers`.

    Returns
    -------
    pathlib.Path
    """
    p = Path(path)
    with atomic_write(p, overwrite=overwrite) as tmp:
        try:
            write_csv(frame, tmp, csv_safe=csv_safe)
        except OSError as exc:
            raise OutputWriteError(f"{p}: cannot write ({exc.strerror or exc})") from exc
    return p
