"""Output targets: where a job's layers and tables go, chosen by path or URL.

A job never writes a path itself: it asks :func:`target_for` for the target of its
:class:`~incidentmap.options.Output` and calls the :class:`Target` protocol — :meth:`check`
before any work (an unknown format, an existing output without ``overwrite``), then
:meth:`write_layers` or :meth:`write_table`. Files are the one kind today
(:class:`FileTarget`: the format from the suffix, written atomically) and PostGIS tables
(``postgresql://user@host:port/db?table=name``: :class:`incidentmap.io.postgis.PostgisTarget`,
a table per layer written and replaced in one transaction). Another kind is one class
implementing the protocol and one entry in :data:`SCHEMES`; no job changes.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from incidentmap.atomic import check_output
from incidentmap.errors import UsageError
from incidentmap.io.formats import writer_for
from incidentmap.io.write import write_layers, write_table

__all__ = [
    "SCHEMES",
    "FileTarget",
    "Target",
    "output_name",
    "postgis_target",
    "target_for",
    "url_text",
]


class Target(Protocol):
    """Where layers and tables are written."""

    #: how the target is named to the user (a path, a URL without its password)
    name: str

    def check(self, *, overwrite: bool, layers: int = 1) -> None:
        """Refuse, before any work, what cannot be written (format, existing output)."""

    def write_layers(
        self,
        layers: dict[str, Any],
        *,
        overwrite: bool = False,
        csv_safe: bool = False,
        progress: Callable[[int, int], None] | None = None,
    ) -> dict[str, Any]:
        """Write named layers together (all or none); return the writer's report."""

    def write_table(
        self, frame: pd.DataFrame, *, overwrite: bool = False, csv_safe: bool = False
    ) -> Any:
        """Write one table without geometry."""


class FileTarget:
    """A file whose suffix names its format (``.gpkg``, ``.csv``, ``.parquet``...)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.name = str(path)

    @property
    def format(self) -> str:
        """The format's name (``GPKG``, ``CSV``...)."""
        return writer_for(self.path)[0]

    @property
    def multi(self) -> bool:
        """Whether the format holds several layers."""
        return writer_for(self.path)[2]

    def check(self, *, overwrite: bool, layers: int = 1) -> None:
        """Refuse an unknown suffix, several layers for a one-layer format, an existing file."""
        fmt, _, multi = writer_for(self.path)
        if layers > 1 and not multi:
            msg = f"{self.path}: {fmt} holds one layer; write .gpkg for several"
            raise UsageError(msg, field="output")
        check_output(self.path, overwrite=overwrite)

    def write_layers(
        self,
        layers: dict[str, Any],
        *,
        overwrite: bool = False,
        csv_safe: bool = False,
        progress: Callable[[int, int], None] | None = None,
    ) -> dict[str, Any]:
        """Write the layers to the file, atomically (see :func:`incidentmap.io.write_layers`)."""
        return write_layers(
            layers, self.path, overwrite=overwrite, csv_safe=csv_safe, progress=progress
        )

    def write_table(
        self, frame: pd.DataFrame, *, overwrite: bool = False, csv_safe: bool = False
    ) -> Path:
        """Write one table (CSV) to the file, atomically."""
        return write_table(frame, self.path, overwrite=overwrite, csv_safe=csv_safe)


def postgis_target(url: str) -> Target:
    """Return the target of a ``postgresql://`` URL (psycopg is imported only now)."""
    from incidentmap.io.postgis import PostgisTarget

    return PostgisTarget(url)


#: URL scheme -> the target class that writes there (files have no scheme)
SCHEMES: dict[str, Callable[[str], Target]] = {
    "postgresql": postgis_target,
    "postgres": postgis_target,
}


def url_text(spec: str | os.PathLike[str]) -> str:
    """Return ``spec`` as text, a URL of a known scheme made whole again.

    ``pathlib.Path("postgresql://u@h/db")`` is ``postgresql:/u@h/db`` (a path's ``//`` is one
    ``/``): an output the command line took as a path still names its database.
    """
    text = os.fspath(spec)
    m = re.match(r"([A-Za-z][A-Za-z0-9+.-]*):/+", text)
    if m and "://" not in text and m.group(1).lower() in SCHEMES:
        text = f"{m.group(1)}://{text[m.end() :]}"
    return text


def target_for(spec: str | os.PathLike[str]) -> Target:
    """Return the target an output names: a URL's scheme chooses its kind, else a file.

    Raises
    ------
    UsageError
        A URL of a scheme no target writes.
    """
    text = url_text(spec)
    if "://" in text:
        scheme = text.split("://", 1)[0].lower()
        factory = SCHEMES.get(scheme)
        if factory is None:
            known = ", ".join(f"{s}://" for s in SCHEMES) or "none yet"
            msg = f"`output`: {scheme}:// is not a target incidentmap writes (URLs: {known})"
            raise UsageError(msg, field="output")
        return factory(text)
    return FileTarget(spec)


def output_name(spec: str | os.PathLike[str]) -> str:
    """Return how a report names an output: the path, or the URL without its password."""
    return target_for(spec).name
