"""What a text file's first lines say about its layout, before it is parsed.

Files exported by research code often start with comment lines and have no header
row: the Afghan War Diary coordinates of Zammit-Mangion et al. (2012) begin with
``% Coordinates of events in WikiLeaks Afghan War Diary`` and ``% Longitude,
Latitude, Day number (starting from 1st January 2004)``, then rows of three numbers.
:func:`sniff_commented` reads such a start: the comment mark, the column names
(from the last comment line when it has one name per field, else guessed from the
values: the numbers in Afghanistan's longitude and latitude ranges), and a column
that counts days from a date the comment states (``starting from 1st January
2004``: day 1 is that date). The reader then parses the file with what was found
and says so in ``note:`` lines; nothing is guessed that the file does not state
or its values do not show.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["CommentedLayout", "commented_hint", "hxl_roles", "hxl_tags", "sniff_commented"]

#: the comment marks recognised at the start of a file
_MARKS = ("%", "#")
#: how far into a file the comment block is looked for
_LINES = 50
#: a column that counts days from a stated first day: "Day number (starting from 1st
#: January 2004)", "day (day 1 = 2004-01-01)"; "days since" is not read (day 0 or day 1?)
_DAY_COUNT = re.compile(
    r"\bday\b[^()]*?(?:\(|\b)\s*(?:starting\s+(?:from|on|with)|day\s*1\s*(?:=|is))\s*"
    r"(?P<date>[^)]+?)\s*\)?\s*$",
    re.IGNORECASE,
)
_MONTH_NAME = re.compile(r"[A-Za-z]{3,}")
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass
class CommentedLayout:
    """How a file that starts with comment lines and has no header is read."""

    comment: str
    names: list[str]
    #: "the comment line" (names given by the file) or "the values" (guessed)
    named_from: str
    #: (column, first day as ISO text) for a column counting days from a stated date
    day_count: tuple[str, str] | None = None
    notes: list[str] = field(default_factory=list)


def _is_number(text: str) -> bool:
    try:
        float(text.strip())
    except ValueError:
        return False
    return True


def _split(line: str) -> list[str]:
    return [f.strip() for f in re.split(r"[,;\t|]", line.strip())]


def _split_names(line: str) -> list[str]:
    """Split a comment line into names, never inside parentheses ("(from March 5, 2010)")."""
    names, depth, cur = [], 0, []
    for ch in line.strip():
        depth += (ch == "(") - (ch == ")")
        if ch in ",;\t|" and depth <= 0:
            names.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
    names.append("".join(cur).strip())
    return names


def _first_lines(text: str) -> tuple[str, list[str], str] | None:
    """Return (mark, comment lines, first data line) of a text that starts with comments."""
    lines = _nonblank_lines(text)
    mark = _comment_mark(lines)
    if mark is None:
        return None
    comments = [ln[1:].strip() for ln in lines if ln.startswith(mark)]
    data = next((ln for ln in lines if not ln.startswith(mark)), "")
    return mark, comments, data


def _nonblank_lines(text: str) -> list[str]:
    """Return the first lines of a text, stripped, blank ones left out."""
    lines = (ln.strip() for ln in text.lstrip("\ufeff").splitlines()[:_LINES])
    return [ln for ln in lines if ln]


def _comment_mark(lines: list[str]) -> str | None:
    """Return the comment mark the first line starts with (an HXL hashtag row has none)."""
    mark = lines[0][:1] if lines else ""
    if mark not in _MARKS or (mark == "#" and _looks_hxl(lines[0])):
        return None
    return mark


def _looks_hxl(line: str) -> bool:
    """Say whether a line is an HXL hashtag row (``#date,#adm1+name``): a header, not a comment."""
    cells = [c for c in _split(line) if c]
    return len(cells) > 1 and all(re.fullmatch(r"#[A-Za-z][\w]*(\s*\+\w+)*", c) for c in cells)


def _guess_names(fields: list[str]) -> list[str]:
    """Return lon and lat for the first numbers in Afghanistan's ranges, c<i> for the others."""
    guess: list[str] = []
    for i, f in enumerate(fields, 1):
        v = float(f)
        if 60 <= v <= 75 and "lon" not in guess:
            guess.append("lon")
        elif 29 <= v <= 39 and "lat" not in guess:
            guess.append("lat")
        else:
            guess.append(f"c{i}")
    return guess


def _first_day(name: str) -> str | None:
    """Return the first day a column name states (ISO), or None when it states none clearly."""
    m = _DAY_COUNT.search(name)
    if not m:
        return None
    text = m.group("date").strip()
    # only dates that cannot be read two ways: ISO, or with the month's name
    if not (_ISO.match(text) or _MONTH_NAME.search(text)):
        return None
    from dateutil import parser

    try:
        day = parser.parse(text, dayfirst=True, fuzzy=False)
    except (ValueError, OverflowError):
        return None
    return day.strftime("%Y-%m-%d")


def _names(comments: list[str], fields: list[str]) -> tuple[list[str], str]:
    """Return the column names (from the last comment line, or guessed) and where from."""
    stated = _split_names(comments[-1]) if comments else []
    if len(stated) == len(fields) and all(stated) and not any(map(_is_number, stated)):
        return stated, "the comment line"
    return _guess_names(fields), "the values"


def sniff_commented(text: str) -> CommentedLayout | None:
    """Read the layout of a text that starts with comment lines and has no header row.

    Parameters
    ----------
    text : str
        The file's text (its first lines are enough).

    Returns
    -------
    CommentedLayout or None
        None unless the text starts with ``%`` or ``#`` comment lines followed by rows
        of numbers only (a file with a header row after its comments is read with
        ``comment``, as before).
    """
    start = _first_lines(text)
    if start is None:
        return None
    mark, comments, data = start
    fields = _split(data) if data else []
    if len(fields) < 2 or not all(_is_number(f) for f in fields):
        return None
    names, named_from = _names(comments, fields)
    layout = CommentedLayout(mark, names, named_from)
    layout.notes.append(
        f"read as: {len(comments)} comment lines ('{mark}') skipped, no header row; columns "
        f"named from {named_from}: {', '.join(names)} (`comment`, `no_header` and `columns` "
        "to say otherwise)"
    )
    for name in names:
        day = _first_day(name)
        if day is not None:
            layout.day_count = (name, day)
            layout.notes.append(f"dates: column {name!r} counts days, day 1 = {day}")
            break
    return layout


def commented_hint(name: str, mark: str) -> str:
    """Say every option a commented file needs, looking at its first line of values."""
    hint = f"the file starts with comment lines: add `comment` '{mark}'"
    try:
        with open(name, encoding="utf-8", errors="replace") as fh:
            lines = [fh.readline() for _ in range(_LINES)]
    except OSError:  # standard input, or gone
        return hint
    data = next((ln.strip() for ln in lines if ln.strip() and not ln.startswith(mark)), "")
    fields = re.split(r"[,;\t|]", data) if data else []
    if len(fields) < 2 or not all(_is_number(f) for f in fields):
        return hint
    return (
        f"the file starts with comment lines and has no header: add `comment` '{mark}' "
        f"`no_header` `columns` {','.join(_guess_names(fields))} (one name per field; "
        "`day_one` DATE if a column counts days)"
    )


# ---------------------------------------------------------------------------------------------
# HXL hashtag rows (the Humanitarian Exchange Language, hxlstandard.org, as HDX serves files)

_HXL_TAG = re.compile(r"#[a-z][a-z0-9_]*(?:\s*\+\s*[a-z][a-z0-9_]*)*", re.IGNORECASE)
#: (hashtag, attributes it must have) -> the role its column plays, first match wins
_HXL_ROLES: tuple[tuple[str, frozenset[str], str], ...] = (
    ("#event", frozenset({"id"}), "event_id"),
    ("#event", frozenset({"code"}), "event_id"),
    ("#date", frozenset({"year"}), "year"),
    ("#date", frozenset(), "date"),
    ("#geo", frozenset({"lat"}), "latitude"),
    ("#geo", frozenset({"lon"}), "longitude"),
    ("#adm1", frozenset({"code"}), "province_pcode"),
    ("#adm2", frozenset({"code"}), "district_pcode"),
    ("#adm1", frozenset(), "stated_province"),
    ("#adm2", frozenset(), "stated_district"),
    ("#loc", frozenset(), "stated_place"),
    ("#affected", frozenset({"killed"}), "fatalities"),
    ("#affected", frozenset({"injured"}), "injured"),
    ("#affected", frozenset({"wounded"}), "injured"),
    ("#event", frozenset({"type"}), "event_type"),
)


def hxl_tags(cells: list[object]) -> list[str] | None:
    """Return a row's HXL hashtags (one per cell, "" where blank), or None if it is not one.

    A hashtag row has a hashtag in at least two cells and nothing else: ``#event+id``,
    ``#date+year``, ``#geo+lat``, ``#adm1+name`` (case and spaces around ``+`` ignored).
    """
    tags: list[str] = []
    for c in cells:
        text = "" if c is None or (isinstance(c, float) and c != c) else str(c).strip()
        if text and not _HXL_TAG.fullmatch(text):
            return None
        tags.append(re.sub(r"\s+", "", text.casefold()))
    return tags if sum(1 for t in tags if t) >= 2 else None


def hxl_roles(columns: list[str], tags: list[str]) -> dict[str, str]:
    """Return role -> column for the columns whose hashtags name a role (the first of each).

    Parameters
    ----------
    columns : list of str
        The header.
    tags : list of str
        Their hashtags (:func:`hxl_tags`).

    Returns
    -------
    dict of str to str
        Roles as :mod:`incidentmap.schema` names them (``date``, ``latitude``...),
        plus ``year``, ``province_pcode`` and ``district_pcode``.
    """
    roles: dict[str, str] = {}
    for col, tag in zip(columns, tags, strict=False):
        if not tag:
            continue
        name, *attrs = tag.split("+")
        for want, needs, role in _HXL_ROLES:
            if name == want and needs <= set(attrs):
                roles.setdefault(role, col)
                break
    return roles
