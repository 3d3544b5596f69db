"""All file reading and writing, and nothing else.

Reading, in the order a file goes through it:

* :mod:`~incidentmap.io.decode` — bytes to text (encodings);
* :mod:`~incidentmap.io.tables` — raw tables: formats, delimiters, comments, JSON;
* :mod:`~incidentmap.io.table_blocks` — large CSV and Parquet files in blocks;
* :mod:`~incidentmap.io.values`, :mod:`~incidentmap.io.dates`, :mod:`~incidentmap.io.numbers`
  — values: blanks and text, dates, counts and coordinates;
* :mod:`~incidentmap.io.assemble` — a raw table to the canonical schema;
* :mod:`~incidentmap.io.incidents` — :func:`read_incidents` (whole or in blocks);
* :mod:`~incidentmap.io.geocoded` — files incidentmap wrote, read back with their types;
* :mod:`~incidentmap.io.options` — :class:`ReadOptions`;
* :mod:`~incidentmap.io.areas` — polygons and population tables named by the user.

Writing: :mod:`~incidentmap.io.frames` (frames made ready), :mod:`~incidentmap.io.formats`
(one writer per format), :mod:`~incidentmap.io.write` (a whole frame),
:mod:`~incidentmap.io.blocks` (block by block); every file through
:func:`incidentmap.atomic.atomic_write`. ``io`` imports nothing above it: no geocoding,
classification or rendering.
"""

from __future__ import annotations

from incidentmap.atomic import atomic_write, publish
from incidentmap.io.assemble import ReadFacts
from incidentmap.io.formats import WRITE_FORMATS
from incidentmap.io.geocoded import is_geocoded, read_geocoded
from incidentmap.io.incidents import read_incidents, read_incidents_facts
from incidentmap.io.options import ReadOptions
from incidentmap.io.tables import read_table
from incidentmap.io.write import write_layer, write_layers, write_table

__all__ = [
    "WRITE_FORMATS",
    "ReadFacts",
    "ReadOptions",
    "atomic_write",
    "is_geocoded",
    "publish",
    "read_geocoded",
    "read_incidents",
    "read_incidents_facts",
    "read_table",
    "write_layer",
    "write_layers",
    "write_table",
]
