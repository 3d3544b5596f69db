"""Counting columns by their names: events a row stands for, and people a row counts.

A **count table** (ACLED's aggregated data, HDX HAPI's conflict events, HDX's monthly
ACLED tables, incidentmap's own tables) has a column of how many events each row stands
for: :func:`count_column` finds it by its name and values, never an identifier
(ACLED's ``event_id_no_cnty``, ``Incident No``). **Tolls** under a name no layout lists
(``Total deaths``, ``No. killed``, ``Death toll``, ``Number of wounded``) are found by the
words of their name: :func:`toll_by_name`.
"""

from __future__ import annotations

import pandas as pd

from incidentmap.io.values import blank_mask
from incidentmap.schema import header_key

__all__ = ["COUNT_KEYS", "count_column", "count_note", "toll_by_name", "toll_notes"]


#: columns of a count table: how many events each row stands for (ACLED's aggregated data,
#: HDX HAPI's conflict events, HDX's monthly ACLED tables, incidentmap's own tables)
COUNT_KEYS = ("events", "incidents", "attacks", "count", "nevents", "nincidents")
#: a header of a noun of these and a word of counting (``No. of events``, ``Total
#: incidents``, ``incident_count``, HXL's ``#event+num``) names a count too
_COUNTED = {"event", "events", "incident", "incidents", "attack", "attacks"}
_COUNTING = {"count", "n", "nb", "no", "number", "num", "total", "sum"}
#: a word that makes a header an identifier, never a count (ACLED's ``event_id_no_cnty``,
#: ``EVENT_ID_NO_CNTY``; ``incident_code``, ``event_ref``)
_ID_WORDS = {"id", "ids", "uid", "guid", "code", "key", "ref", "cnty", "serial", "fid"}
#: a word of counting that, after the noun, numbers the row (``Incident No``,
#: ``event_number``: the row's own number) rather than counting its events
_ORDINAL = {"no", "nb", "number", "num"}


def _count_key(key: str) -> bool:
    parts = key.split("_")
    words = set(parts)
    if words & _ID_WORDS:
        return False
    named = len(words) <= 4 and bool(words & _COUNTED and words & _COUNTING)
    return key in COUNT_KEYS or (named and not _numbers_the_row(parts))


def _hxl_count(header: str) -> bool:
    """Tell an HXL hashtag of a count of events (``#event+num``, ``#affected+num``)."""
    tag = header.strip().casefold()
    return tag.startswith("#") and "+num" in tag and tag[1:].split("+")[0] in _COUNTED


def _numbers_the_row(parts: list[str]) -> bool:
    """Tell ``Incident No``, ``event_number`` (the row's number) from ``No. of events``."""
    noun = min(k for k, w in enumerate(parts) if w in _COUNTED)
    counting = [k for k, w in enumerate(parts) if w in _COUNTING]
    return all(k > noun and parts[k] in _ORDINAL for k in counting)


def count_column(frame: pd.DataFrame) -> str | None:
    """Return the column that counts the events of each row (a count table), else None.

    A header :data:`COUNT_KEYS` names, or a noun of events and a word of counting (never
    a header with a word of an identifier, ``event_id_no_cnty``, nor one that numbers the
    row, ``Incident No``, ``event_number``); its values all numbers (a column of words
    named ``Events`` is no count), not all 1 (one event a row), and not a run of distinct
    whole numbers (an id). A 0 is a count: a list
    of events has no row of no event, so a table of 0s and 1s counts its 1s.
    """
    keys = {header_key(c): str(c) for c in frame.columns}
    found = [keys[k] for k in COUNT_KEYS if k in keys] + [
        c for k, c in keys.items() if k not in COUNT_KEYS and (_count_key(k) or _hxl_count(c))
    ]
    return next((c for c in found if _counts(frame[c])), None)


def _counts(column: pd.Series) -> bool:
    text = column.astype("string").str.replace(r"(?<=\d)[,\s](?=\d{3}\b)", "", regex=True)
    values = pd.to_numeric(text, errors="coerce")  # 1,234 is a number too
    if (values.isna().to_numpy() & ~blank_mask(column)).any():
        return False
    v = values.dropna()
    run = len(v) >= 20 and v.is_unique and (v == v.round()).all() and v.max() - v.min() < len(v)
    return bool((v != 1).any()) and not run


def count_note(frame: pd.DataFrame, name: str) -> list[str]:
    """Say that a column counts several events a row (a count table).

    The jobs count each row as its events then (``weight`` none counts rows); a reader of
    the rows alone is told so. Nothing is said when there is no such column.
    """
    col = count_column(frame)
    if col is None:
        return []
    return [
        f"{name}: column {col!r} holds how many events each row stands for (a count "
        "table): counts, maps and trends count each row as its events (`weight` none "
        "counts each row as one)"
    ]


#: words of a header that counts the people killed, or wounded
_TOLL_WORDS = {
    "fatalities": {"killed", "deaths", "death", "dead", "fatalities", "fatality"},
    "injured": {"injured", "wounded", "injuries", "injury"},
}
#: words that make a toll a part, not the event's toll (UCDP's ``deaths_a``, ``deaths_civilians``;
#: ``police_killed``), or not a toll at all (``date_of_death``, ``cause_of_death``)
_PART_WORDS = {
    "a", "b", "civilian", "civilians", "unknown", "low", "high", "children", "women", "men",
    "police", "military", "army", "soldiers", "militants", "security", "forces", "foreign",
    "national", "nationals", "international", "internationals", "local", "staff", "male",
    "female", "gender", "date", "cause", "type", "place", "source", "notes", "description",
    "weapon", "method", "pct", "percent", "rate", "id", "code",
}  # fmt: skip
#: a word that counts killed and wounded together: never read as either
_BOTH_WORDS = {"casualties", "casualty", "victims"}


def _toll_candidates(by_key: dict[str, str], role: str) -> list[str]:
    words = _TOLL_WORDS[role]
    other = _TOLL_WORDS["injured" if role == "fatalities" else "fatalities"]
    never = other | _PART_WORDS | _BOTH_WORDS
    return [c for k, c in by_key.items() if (w := set(k.split("_"))) & words and not w & never]


def toll_by_name(by_key: dict[str, str], mapping: dict[str, str]) -> None:
    """Give ``fatalities`` and ``injured``, when no column holds them, a column named so.

    ``Total deaths``, ``No. killed``, ``Death toll``, ``killed_total``, ``Number of
    wounded``: a header whose words say killed (or wounded) and nothing of a part
    (``deaths_civilians``, ``police_killed``) or of both (``casualties``); only when one
    column alone says so.

    Parameters
    ----------
    by_key : dict
        The table's header keys -> its columns.
    mapping : dict
        Role -> column, filled in place.
    """
    for role in _TOLL_WORDS:
        found = [c for c in _toll_candidates(by_key, role) if c not in mapping.values()]
        if role not in mapping and len(found) == 1:
            mapping[role] = found[0]


def toll_notes(frame: pd.DataFrame, mapping: dict[str, str], name: str) -> list[str]:
    """Say what may hold a toll no column was read for (several names, or casualties).

    Parameters
    ----------
    frame : pandas.DataFrame
        The table.
    mapping : dict
        Role -> column, as resolved.
    name : str
        The file, for the notes.

    Returns
    -------
    list of str
        One note per toll left unknown with a column that may hold it.
    """
    by_key = {header_key(c): str(c) for c in frame.columns}
    both = [c for k, c in by_key.items() if set(k.split("_")) & _BOTH_WORDS]
    out = []
    for role, field in (("fatalities", "killed"), ("injured", "wounded")):
        found = _toll_candidates(by_key, role) if role not in mapping else []
        if len(found) > 1:
            out.append(_unread(name, field, found, "each names the " + field))
        elif role == "fatalities" and role not in mapping and both:
            out.append(_unread(name, field, both, "killed and wounded together"))
    return out


def _unread(name: str, field: str, columns: list[str], why: str) -> str:
    cols = ", ".join(repr(c) for c in columns[:3])
    return (
        f"{name}: no column is read as the {field} ({cols}: {why}): those tolls are unknown; "
        f"a copy of the file with the column renamed {field!r} reads it"
    )
