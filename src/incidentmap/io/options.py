"""How to read an incident file: :class:`incidentmap.options.ReadOptions`, kept here for io."""

from __future__ import annotations

from incidentmap.options import DELIMITER_NAMES, ReadOptions, check_delimiter

__all__ = ["DELIMITER_NAMES", "ReadOptions", "check_delimiter"]
