"""Text from the data made safe for a terminal."""

from __future__ import annotations

import math
import re

__all__ = ["terminal_text"]

_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[@-_]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def terminal_text(value: object) -> str:
    """Text safe to print on a terminal: escape sequences and control characters removed.

    A value from an input file may hold ANSI escapes (colours, cursor moves, a new
    window title) or bidirectional overrides; in a table they would act, not show.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = f"{value:,.0f}"  # a toll of 1 reads "1", not "1.0"
    elif isinstance(value, int) and not isinstance(value, bool):
        value = f"{value:,}"
    text = _ANSI.sub("", str(value))
    return _CONTROL.sub(" ", text)
