"""Free-text locations: a place field cut into the names it holds, with their markers."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from rapidfuzz import fuzz

#: words that fill a place field without naming a place
_NOT_A_NAME = {
    "unknown", "unknow", "unk", "n/a", "na", "none", "various", "multiple", "several", "other",
    "rural area", "rural", "undisclosed", "unspecified", "not specified", "not known",
    "countrywide", "nationwide", "afghanistan", "location unknown", "unknown location",
}  # fmt: skip


_PROVINCE_MARK = re.compile(r"\b(?:province|provincia|wilayat|welayat|velayat)\b|ولایت|ولايت", re.I)


_DISTRICT_MARK = re.compile(
    r"\b(?:district|woluswali|wuleswali|uluswali|alaqadari|alaqehdari|alaqahdari|hokumati|"
    r"hukumati)\b|ولسوالی|ولسوالي|علاقه داری",
    re.I,
)


_AREA_OF = re.compile(
    r"^(?P<place>.+?)\s+(?:area|village|region|vicinity)\s+(?:of|in)\s+(?:the\s+)?(?P<area>.+)$",
    re.I,
)


_BETWEEN = re.compile(r"^(?:between|from)\s+(?P<a>.+?)\s+(?:and|to)\s+(?P<b>.+)$", re.I)


_SPLIT = re.compile(r"\s*(?:,|;|/|&|\band\b|\bor\b|\+)\s*", re.I)


_NOISE = re.compile(
    r"^(?:near|outside|outskirts\s+of|close\s+to|in|at|the|a)\s+|[\s,.;:\-]+$|^[\s,.;:\-]+",
    re.I,
)


_TYPE_ONLY_PAREN = re.compile(
    r"\(+\s*(?:district|province|city|town|village|area|region|center|centre)\s*\)+", re.I
)


@dataclass(frozen=True)
class LocationPart:
    """One name in a location field, with what the text says it is."""

    text: str
    marker: str | None  # "province", "district" or None


def split_location(text: str) -> tuple[list[LocationPart], str]:
    """Split a place or district field into names.

    Parameters
    ----------
    text : str
        E.g. ``"Greshk (District)"``, ``"Kandahar (Province)"``, ``"Khost and Paktia"``,
        ``"Shambawat area of the Nadar Shahkot district"``, ``"Jalalabad, Nangarhar"``.

    Returns
    -------
    tuple of (list of LocationPart, str)
        The names, and how they relate: ``"one"``, ``"within"`` (a place, then
        the area holding it: the first is more precise), or ``"several"``.
    """
    t = unicodedata.normalize("NFKC", str(text)).strip()
    if not t:
        return [], "one"
    paired = _paired(t)
    if paired is not None:
        return paired
    # keep "(...)" alternates together while splitting on separators outside them
    parts = [p for p in (_part(c) for c in _split_outside_parens(t)) if p.text]
    return parts, ("one" if len(parts) <= 1 else "several")


def _paired(t: str) -> tuple[list[LocationPart], str] | None:
    """Return "X area of Y" (within) and "between X and Y" (several), else None."""
    for pattern, groups, relation in (
        (_AREA_OF, ("place", "area"), "within"),
        (_BETWEEN, ("a", "b"), "several"),
    ):
        m = pattern.match(t)
        if m:
            parts = [_part(m.group(g)) for g in groups]
            return [p for p in parts if p.text], relation
    return None


def _split_outside_parens(text: str) -> list[str]:
    out, depth, start = [], 0, 0
    pieces: list[tuple[int, int]] = []
    for m in _SPLIT.finditer(text):
        pieces.append((m.start(), m.end()))
    cuts = []
    for a, b in pieces:
        depth = text[:a].count("(") - text[:a].count(")")
        if depth <= 0:
            cuts.append((a, b))
    for a, b in cuts:
        out.append(text[start:a])
        start = b
    out.append(text[start:])
    return [c for c in out if c.strip()]


def _part(text: str) -> LocationPart:
    t = text.strip()
    marker = None
    if _PROVINCE_MARK.search(t):
        marker = "province"
    elif _DISTRICT_MARK.search(t):
        marker = "district"
    t = _TYPE_ONLY_PAREN.sub(" ", t)
    for _ in range(3):
        t = _NOISE.sub("", t).strip()
        while t.endswith(")") and t.count(")") > t.count("("):
            t = t[:-1].strip()
        while t.startswith("(") and t.count("(") > t.count(")"):
            t = t[1:].strip()
    return LocationPart(t, marker)


def is_not_a_name(text: str) -> bool:
    """Tell whether a place field says "unknown", "various"... rather than naming a place."""
    t = re.sub(r"[^a-z/ ]", "", str(text).casefold()).strip()
    if not t:  # no Latin letters: a name in another script (Dari), or only marks and digits
        return not any(ch.isalpha() for ch in str(text))
    if t in _NOT_A_NAME:
        return True
    return fuzz.ratio(t, "unknown") >= 85  # "Unkknown", "Unkown"
