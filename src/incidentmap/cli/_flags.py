"""The one table from the library's field names to the command line's option names.

The library names the fields of a request in back-ticks (`` `bins` ``, `` `weight` ``); the
command line shows its options instead (``--bins``, ``--weight``). A field not in the table is
``--`` and its name with dashes (``snap_km`` is ``--snap-km``).
"""

from __future__ import annotations

import re

__all__ = ["FLAGS", "flag", "speak"]

#: fields whose option is not ``--`` + the field's name with dashes
FLAGS = {
    "on_bad": "--keep-bad-values",
    "keep_bad": "--keep-bad-values",
    "output": "-o/--output",
    "k": "--classes",
    "in_layer": "--input-layer",
    "input_layer": "--input-layer",
    "province_col": "--province-col",
    "district_col": "--district-col",
    "place_col": "--place-col",
    "event_id": "--id-col",
    "digits": "--coord-precision",
    "precision_digits": "--coord-precision",
    "sums": "--sum",
    "layers": "--layer",
    "inputs": "INPUTS",
    "source": "--from",
    "dayfirst": "--dayfirst/--monthfirst",
    "lat_lon": "LAT LON",
}

_FIELD = re.compile(r"`([a-z][a-z0-9_]*)`")


def flag(field: str) -> str:
    """Return the option that sets ``field`` (``snap_km`` -> ``--snap-km``)."""
    return FLAGS.get(field) or "--" + field.replace("_", "-")


def speak(text: str) -> str:
    """Return a library text with each back-ticked field named by its option."""
    return _FIELD.sub(lambda m: flag(m.group(1)), text)
