"""Words of a table's text: month names, and the first cell of a note under a table.

Leaf of :mod:`incidentmap.io` (nothing of the package below it): :mod:`~incidentmap.io.dates`
reads month names from :data:`MONTHS`, :mod:`~incidentmap.io.lines` and
:mod:`~incidentmap.io.values` tell a note (``Source: ACLED, accessed ...``) from a row by
:func:`is_note_text`.
"""

from __future__ import annotations

import re

__all__ = ["MONTHS", "is_note_text", "month_number"]

#: English month names and their abbreviations: the one table of them
MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3,
    "april": 4, "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7,
    "august": 8, "aug": 8, "september": 9, "sept": 9, "sep": 9, "october": 10, "oct": 10,
    "november": 11, "nov": 11, "december": 12, "dec": 12,
}  # fmt: skip


def month_number(value: object) -> int | None:
    """Return the month an English name stands for (``September``, ``Sept.``): the one table."""
    return MONTHS.get(value.strip().rstrip(".").casefold()) if isinstance(value, str) else None


#: a note's first cell: a word, then a space or a colon and more (not an id, a number, a date)
_NOTE = re.compile(r"^\s*[^\W\d_][^\W\d_'.-]*[:.]?\s+\S")


def is_note_text(value: object) -> bool:
    """Tell a note's first cell: words (``Source: ...``, ``2026 (c) ACLED``), no id, number, date.

    A word first then a space or a colon and more (``Note: estimates``), or text with a
    space and a word of three letters or more that is no date (``2026 (c) ACLED``, not
    ``12 January 2023``), with a word that is no month name (``31 September 2019`` is
    a date that does not exist, not a note); never one word alone (``Afghanistan``,
    ``Kabul``), a number or an id.
    """
    if not isinstance(value, str):
        return False
    text = value.strip()
    wordy = _NOTE.match(text) or (_SPACE.search(text) and _WORD3.search(text))
    if not wordy or not any(month_number(w) is None for w in _WORD3.findall(text)):
        return False  # "31 September 2019": an impossible date, not a note
    return not _is_date(text)


def _is_date(text: str) -> bool:
    """Tell text that reads as a date (``12 January 2023``, ``2023-01-12 Kabul`` first)."""
    from dateutil.parser import ParserError, parse

    if _DATED.match(text):
        return True
    try:
        parse(text)
    except (ParserError, ValueError, OverflowError):
        return False
    return True


#: a word of three letters or more; a space between two characters; a date or time first
_WORD3 = re.compile(r"[^\W\d_]{3,}")
_SPACE = re.compile(r"\S\s+\S")
_DATED = re.compile(r"^\s*\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}\b")
