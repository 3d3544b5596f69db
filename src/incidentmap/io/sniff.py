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

from incidentmap.errors import plural

__all__ = [
    "CommentedLayout",
    "commented_hint",
    "day_one_of",
    "hxl_roles",
    "hxl_tags",
    "sniff_commented",
]

#: the comment marks recognised at the start of a file
_MARKS = ("%", "#")
#: how far into a file the comment block is looked for
_LINES = 50
#: a column that counts days from a stated first day: "Day number (starting from 1st
#: January 2004)", "day (day 1 = 2004-01-01)"; a comment line may state it too ("day 1 =
#: 01/02/2004"). "days since X" is read as CF/UDUNITS time units read it: 0 is X.
_DAY_COUNT = re.compile(
    r"\bday\b[^()]*?(?:\(|\b)\s*(?:starting\s+(?:from|on|with)|day\s*1\s*(?:=|is))\s*"
    r"(?P<date>[^)]+?)\s*\)?\s*$",
    re.IGNORECASE,
)
_DAYS_SINCE = re.compile(r"\bdays\s+since\s+(?P<date>[^)]+?)\s*\)?\s*$", re.IGNORECASE)
_DAY_NAME = re.compile(r"\bdays?\b|\bday_?(?:no|num|number)\b", re.IGNORECASE)
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
    #: the delimiter of the first row of values
    delimiter: str = ","
    #: (column or "", the first day as written, "day 1" or "since") for a first day the
    #: comments state that reads two ways (``01/02/2004``) or whose column is not named
    day_unclear: tuple[str, str, str] | None = None


def _is_number(text: str, comma: bool = False) -> bool:
    text = text.strip()
    if comma:
        text = text.replace(",", ".", 1) if text.count(",") == 1 else text
    try:
        float(text)
    except ValueError:
        return False
    return True


def _split(line: str, delimiter: str | None = None) -> list[str]:
    pattern = re.escape(delimiter) if delimiter else r"[,;\t|]"
    return [f.strip() for f in re.split(pattern, line.strip())]


def _row_delimiter(line: str) -> str:
    """Return the delimiter of a row of numbers: ``;``, tab or ``|`` before ``,``.

    A row that holds a semicolon (or tab, bar) writes its numbers with decimal commas
    (``69,1;34,5;1``): the comma is then no delimiter.
    """
    return next((d for d in (";", "\t", "|") if d in line), ",")


def _split_names(line: str, delimiter: str | None = None) -> list[str]:
    """Split a comment line into names, never inside parentheses ("(from March 5, 2010)").

    Split by ``delimiter`` when the line holds it, else by any of ``, ; tab |``.
    """
    seps = delimiter if delimiter and delimiter in line else ",;\t|"
    names, depth, cur = [], 0, []
    for ch in line.strip():
        depth += (ch == "(") - (ch == ")")
        if ch in seps and depth <= 0:
            names.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
    names.append("".join(cur).strip())
    return names


def _first_lines(text: str) -> tuple[str, list[str], str, int] | None:
    """Return (mark, comment lines, first data line, comment lines among the data).

    Only the comment lines before the first row of values describe the columns; a
    comment line among the rows is skipped and counted, never read as the names.
    """
    lines = _nonblank_lines(text)
    mark = _comment_mark(lines)
    if mark is None:
        return None
    at = next((i for i, ln in enumerate(lines) if not ln.startswith(mark)), len(lines))
    comments = [ln[1:].strip() for ln in lines[:at]]
    data = lines[at] if at < len(lines) else ""
    later = sum(1 for ln in lines[at:] if ln.startswith(mark))
    return mark, comments, data, later


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
        v = float(f.strip().replace(",", "."))
        if 60 <= v <= 75 and "lon" not in guess:
            guess.append("lon")
        elif 29 <= v <= 39 and "lat" not in guess:
            guess.append("lat")
        else:
            guess.append(f"c{i}")
    return guess


_ORIGIN = re.compile(
    r"(?P<how>\bday\s*(?:1|one)\s*(?:=|is|:)|\bstarting\s+(?:from|on|with)|\bdays\s+since)"
    r"\s*(?P<date>[^)]+?)\s*\)?\s*$",
    re.IGNORECASE,
)
_AB_YEAR = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")


def _day_text(text: str) -> str | None:
    """Read a first day as written (ISO), or None when it is no date or reads two ways.

    ISO days and days with the month's name read one way; ``a/b/yyyy`` reads one way
    when ``a`` or ``b`` is over 12 (or they are equal), else two (``01/02/2004``).
    """
    text = text.strip().rstrip(".;,")
    ab = _AB_YEAR.match(text)
    if ab:
        return _ab_day(*(int(g) for g in ab.groups()))
    if _ISO.match(text):  # dateutil's dayfirst would read 2001-01-02 as 1 February
        return _valid_day(int(text[:4]), int(text[5:7]), int(text[8:10]))
    if not _MONTH_NAME.search(text):
        return None
    from dateutil import parser

    try:
        day = parser.parse(text, dayfirst=True, fuzzy=False)
    except (ValueError, OverflowError):
        return None
    return day.strftime("%Y-%m-%d")


def _ab_day(a: int, b: int, year: int) -> str | None:
    """Return ``a/b/year`` as ISO when it reads one way only (a part over 12, or equal)."""
    if a <= 12 and b <= 12 and a != b:
        return None
    day, month = (a, b) if a > 12 or a == b else (b, a)
    return _valid_day(year, month, day)


def _valid_day(year: int, month: int, day: int) -> str | None:
    try:
        return _iso_day(year, month, day)
    except ValueError:
        return None


def _iso_day(year: int, month: int, day: int) -> str:
    """Return a day as ISO text (ValueError for a day that does not exist)."""
    import datetime as dt

    return dt.date(year, month, day).isoformat()


def day_one_of(first: str, how: str) -> str:
    """Return day 1 of a count whose origin is ``first`` (ISO): "days since X" counts X as 0."""
    if how != "since":
        return first
    import datetime as dt

    return (dt.date.fromisoformat(first) + dt.timedelta(days=1)).isoformat()


def _origin(text: str, *, in_name: bool) -> tuple[str, str] | None:
    """Return (first day as written, "day 1" or "since") a text states, or None."""
    m = (_DAY_COUNT.search(text) if in_name else None) or _ORIGIN.search(text)
    if m is None:
        m = _DAYS_SINCE.search(text)
    if m is None:
        return None
    how = "since" if re.search(r"days\s+since", m.group(0), re.IGNORECASE) else "day 1"
    return m.group("date").strip(), how


def _day_column(names: list[str], named_from: str) -> str | None:
    """Return the one column named as counting days (or the one guessed column left)."""
    named = [n for n in names if _DAY_NAME.search(n)]
    if len(named) == 1:
        return named[0]
    others = [n for n in names if n not in ("lon", "lat")]
    if named_from == "the values" and len(others) == 1:
        return others[0]
    return None


def _names(comments: list[str], fields: list[str], delimiter: str) -> tuple[list[str], str]:
    """Return the column names (from the last comment line, or guessed) and where from."""
    stated = _split_names(comments[-1], delimiter) if comments else []
    if len(stated) == len(fields) and all(stated) and not any(map(_is_number, stated)):
        return stated, "the comment line"
    return _guess_names(fields), "the values"


def _find_origin(layout: CommentedLayout, comments: list[str]) -> tuple[str, str, str] | None:
    """Return (column or "", first day as written, how) a column's name or a comment states."""
    for name in layout.names:
        stated = _origin(name, in_name=True)
        if stated is not None:
            return (name, *stated)
    lines = comments[:-1] if layout.named_from == "the comment line" else comments
    stated = next((o for o in (_origin(c, in_name=False) for c in lines) if o), None)
    if stated is None:
        return None
    return (_day_column(layout.names, layout.named_from) or "", *stated)


def _read_origin(layout: CommentedLayout, comments: list[str]) -> None:
    """Find the first day a column counts from: in a column's name, else in a comment line."""
    found = _find_origin(layout, comments)
    if found is None:
        return
    column, text, how = found
    first = _day_text(text)
    if not column or first is None or how == "since":  # "days since X": is X day 0 or 1?
        layout.day_unclear = (column, text, how)
        return
    layout.day_count = (column, first)
    layout.notes.append(f"dates: column {column!r} counts days, day 1 = {first}")


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
        ``comment``, as before). Numbers with decimal commas count in a row whose
        delimiter is ``;``, tab or ``|``.
    """
    start = _first_lines(text)
    if start is None:
        return None
    mark, comments, data, later = start
    delimiter = _row_delimiter(data)
    fields = _split(data, delimiter) if data else []
    comma = delimiter != ","
    if len(fields) < 2 or not all(_is_number(f, comma) for f in fields):
        return None
    names, named_from = _names(comments, fields, delimiter)
    layout = CommentedLayout(mark, names, named_from, delimiter=delimiter)
    among = f"; {later} among the rows skipped too" if later else ""
    layout.notes.append(
        f"read as: {plural(len(comments), 'comment line')} ('{mark}') skipped, no header row; "
        f"columns named from {named_from}: {', '.join(names)}{among} (`comment`, `no_header` and "
        "`columns` to say otherwise)"
    )
    _read_origin(layout, comments)
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
    ("#date", frozenset({"month"}), "month"),  # a month's name or number, with the year
    ("#date", frozenset({"end"}), "date_end"),  # a period's end is not its date
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
