"""Coordinates as people write them: one point read from one or two pieces of text.

:func:`read_point` reads ``34.43 70.45``, ``34.43,70.45``, ``34,43 70,45`` (decimal commas),
``34.43N 70.45E`` and ``34°26'N 70°27'E`` (hemisphere letters say which is which) the way the
file reader reads one coordinate (:func:`incidentmap.io.numbers.parse_coordinates`). Plain
numbers are read without pandas, so ``incidentmap where 34.43 70.45`` starts at once; the
other forms import the reader when asked. Used by the ``where`` job and by ``near`` in
queries: one home for a point typed by a person.
"""

from __future__ import annotations

import re
from typing import Any

from incidentmap.errors import UsageError

__all__ = ["looks_like_point", "read_point"]

#: text made only of what a coordinate pair holds (digits, signs, separators, degree, minute
#: and second marks, hemisphere letters), with a digit in it
_POINT_LIKE = re.compile(r"^(?=.*\d)[\d\s.,;/°º˚'’′\"”″+\-NSEWnsew]+$")


def looks_like_point(text: str) -> bool:
    """Return True when ``text`` could only be coordinates, not a place name."""
    return bool(_POINT_LIKE.match(text.strip()))


#: where one argument may divide LAT from LON, with its rank (lower wins): a semicolon, a
#: slash or a comma with spaces; a space (or a hemisphere letter followed by a digit); a
#: bare comma, which may also be a decimal comma ("34,43 70,45")
_SEPARATOR = re.compile(r"\s*[;/]\s*|\s*,\s+|\s+,\s*|\s+|(?<=[NSEWnsew])(?=[+\-\d])|,")
_EXPECTED = (
    "LAT LON: expected a latitude and a longitude (34.43 70.45, 34.43,70.45, 34,43 70,45, "
    "34.43N 70.45E or 34°26'N 70°27'E)"
)


def read_point(lat: str | float, lon: str | float | None = None) -> tuple[float, float]:
    """Read a point given as LAT and LON, or as ``"LAT,LON"`` (or ``"LAT LON"``) in one.

    Each coordinate is read as the file reader reads one
    (:func:`incidentmap.io.numbers.parse_coordinates`): decimal degrees with a point or
    a decimal comma, hemisphere letters (``34.43N``, ``E70.45``) and
    degrees-minutes-seconds (``34°26'N``, ``34 26 0``). Hemisphere letters say which
    coordinate is which, in either order. One argument is cut where a separator leaves
    two coordinates: a semicolon, a slash or a comma with spaces first, then a space,
    then a bare comma (``"34,43 70,45"`` is 34.43 70.45).

    Raises
    ------
    UsageError
        Not a latitude and a longitude, or one argument that can be cut in two ways.
    """
    texts = [lat] if lon is None else [lat, lon]
    plain = _plain_numbers(texts)
    if plain is not None:
        return plain
    given = str(lat) if lon is None else f"{lat} {lon}"
    if lon is None:
        pairs = _cuts(str(lat))
    else:
        pairs = [(0, str(lat), str(lon))]
    points = _best(_read_pairs(pairs))
    if len(points) == 1:
        return points[0]
    if len(points) > 1:
        ways = " or ".join(f"{a:.6g} {b:.6g}" for a, b in points[:2])
        msg = (
            f"LAT LON: {given!r} can be read as {ways}: put a comma and a space between "
            "the latitude and the longitude, or give them as two arguments"
        )
        raise UsageError(msg, field="lat_lon")
    raise UsageError(f"{_EXPECTED}, got {given!r}", field="lat_lon")


def _plain_numbers(texts: list[Any]) -> tuple[float, float] | None:
    """Return two plain numbers ("34.43 70.45", "34.43,70.45", two floats), else None."""
    parts = texts
    if len(texts) == 1 and isinstance(texts[0], str):
        parts = texts[0].replace(",", " ").split()
        if texts[0].count(",") > 1:
            return None  # "34,43,70,45": decimal commas
    try:
        values = [float(v) for v in parts]
    except (TypeError, ValueError):
        return None
    return (values[0], values[1]) if len(values) == 2 else None


def _cuts(text: str) -> list[tuple[int, str, str]]:
    """Return every way of cutting one argument in two at a separator, with its rank."""
    text = text.strip()
    out = []
    for m in _SEPARATOR.finditer(text):
        first, second = text[: m.start()], text[m.end() :]
        if not first.strip() or not second.strip():
            continue
        sep = m.group()
        rank = 0 if re.search(r"[;/]", sep) or ("," in sep and sep != ",") else 1
        out.append((2 if sep == "," else rank, first, second))
    return out


def _read_pairs(pairs: list[tuple[int, str, str]]) -> list[tuple[int, float, float]]:
    """Read each (rank, first, second) as a latitude and a longitude, in the order letters say.

    A pair reads as given (LAT LON) when it can; else as LON LAT when its hemisphere letters
    say so (``70.45E 34.43N``); else not at all.
    """
    if not pairs:
        return []
    import numpy as np
    import pandas as pd

    from incidentmap.io.numbers import parse_coordinates
    from incidentmap.io.values import Problems

    halves = pd.Series([t for _, a, b in pairs for t in (a, b)], dtype=object)
    problems = Problems("LAT LON", np.arange(1, len(halves) + 1), "keep")
    as_lat, _ = parse_coordinates(halves, "lat_lon", problems, "lat")
    as_lon, _ = parse_coordinates(halves, "lat_lon", problems, "lon")
    out = []
    for i, (rank, _, _) in enumerate(pairs):
        for la, lo in ((as_lat[2 * i], as_lon[2 * i + 1]), (as_lat[2 * i + 1], as_lon[2 * i])):
            if np.isfinite(la) and np.isfinite(lo):
                out.append((rank, float(la), float(lo)))
                break
    return out


def _best(read: list[tuple[int, float, float]]) -> list[tuple[float, float]]:
    """Return the distinct points read at the best rank."""
    if not read:
        return []
    top = min(r for r, _, _ in read)
    return list(dict.fromkeys((la, lo) for r, la, lo in read if r == top))
