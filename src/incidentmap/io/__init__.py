"""All file reading and writing, and nothing else.

* :mod:`~incidentmap.io.tables` — raw tables: formats, encodings, delimiters, comments;
* :mod:`~incidentmap.io.values` — values: dates, counts, coordinates, text;
* :mod:`~incidentmap.io.incidents` — incident files to the canonical schema (raw or geocoded);
* :mod:`~incidentmap.io.write` — atomic writers, one field-name rule for every format.
"""

from __future__ import annotations

from incidentmap.io.incidents import is_geocoded, read_geocoded, read_incidents
from incidentmap.io.tables import read_table
from incidentmap.io.write import (
    WRITE_FORMATS,
    atomic_write,
    publish,
    write_layer,
    write_layers,
    write_table,
)

__all__ = [
    "WRITE_FORMATS",
    "atomic_write",
    "is_geocoded",
    "publish",
    "read_geocoded",
    "read_incidents",
    "read_table",
    "write_layer",
    "write_layers",
    "write_table",
]
