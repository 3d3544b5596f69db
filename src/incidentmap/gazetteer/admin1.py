"""The 34 provinces: ISO 3166-2 codes, names, and resolving a province name in any spelling."""

from __future__ import annotations

import csv
import functools
import hashlib
import re
import shlex
from dataclasses import dataclass
from importlib import resources
from typing import Protocol

from incidentmap.errors import UnknownNameError
from incidentmap.gazetteer.matching import Match, NameIndex
from incidentmap.gazetteer.names import FUZZY_THRESHOLD, is_arabic
from incidentmap.gazetteer.store import name_data_version, read_arrays, write_arrays


class _Names(Protocol):
    """What :func:`not_a_province` asks of a gazetteer (:class:`~.resolver.Gazetteer`)."""

    def district(self, name: str) -> list[Match]: ...

    def place(self, name: str) -> list[Match]: ...


@dataclass(frozen=True)
class Province:
    """One of Afghanistan's 34 provinces.

    Attributes
    ----------
    code : str
        ISO 3166-2 code, e.g. ``"AF-NAN"``.
    name : str
        Common English spelling, e.g. ``"Nangarhar"``.
    pcode : str
        OCHA COD-AB p-code, e.g. ``"AF06"``.
    name_dari : str
        Name in Dari script.
    iso_name : str
        The name pycountry gives for the code (looked up when first asked for:
        placing points does not need it).
    aliases : tuple of str
        Other spellings written by the project.
    """

    code: str
    name: str
    pcode: str
    name_dari: str
    aliases: tuple[str, ...]

    @property
    def iso_name(self) -> str:
        """The name pycountry gives for the code."""
        return iso_names()[self.code]


@functools.cache
def provinces() -> dict[str, Province]:
    """Return the 34 provinces keyed by ISO 3166-2 code.

    Display names, p-codes, Dari names and aliases from ``geo/provinces.csv``;
    ISO names from pycountry, looked up when first needed (where the codes are also
    checked against ISO 3166-2:AF).

    Returns
    -------
    dict of str to Province
    """
    text = resources.files("incidentmap._geo").joinpath("provinces.csv").read_text("utf-8")
    out: dict[str, Province] = {}
    for row in csv.DictReader(text.splitlines()):
        out[row["iso_code"]] = Province(
            code=row["iso_code"],
            name=row["name"],
            pcode=row["pcode"],
            name_dari=row["name_dari"],
            aliases=tuple(a for a in row["aliases"].split("|") if a),
        )
    return out


@functools.cache
def iso_names() -> dict[str, str]:
    """ISO 3166-2:AF names by code (pycountry), after checking geo/provinces.csv against them."""
    import pycountry

    iso = {
        s.code: s.name.removesuffix(" Province")
        for s in pycountry.subdivisions.get(country_code="AF")
    }
    ours = set(provinces())
    if ours - set(iso):
        msg = f"geo/provinces.csv: {sorted(ours - set(iso))[0]!r} is not an ISO 3166-2:AF code"
        raise ValueError(msg)
    if set(iso) - ours:
        msg = f"geo/provinces.csv lacks {sorted(set(iso) - ours)}"
        raise ValueError(msg)
    return iso


@functools.cache
def province_index() -> NameIndex:
    """Return the index of province names, ISO names and aliases (built once).

    Kept in the user cache, stamped with the name data and pycountry's version: the ISO
    names come from pycountry, whose database takes 0.2 s to load.
    """
    import pycountry

    from incidentmap._settings import cache_dir

    stamp = f"province names\n{name_data_version()}\npycountry {pycountry.__version__}"
    path = cache_dir() / f"province-names-{hashlib.sha256(stamp.encode()).hexdigest()[:16]}.npz"
    arrays = read_arrays(path, stamp)
    if arrays is not None:
        try:
            return NameIndex.from_arrays(arrays)
        except (ValueError, KeyError, IndexError):
            pass  # damaged: build it again
    index = build_province_index()
    write_arrays(path, stamp, index.to_arrays())
    return index


def build_province_index() -> NameIndex:
    """Return a new index of province names, ISO names and aliases (:func:`province_index`)."""
    index = NameIndex()
    for code, prov in provinces().items():
        index.add(prov.name, code, prov.name, code, "exact")
        index.add(prov.iso_name, code, prov.name, code, "exact")
        index.add(prov.name_dari, code, prov.name, code, "exact")
        for alias in prov.aliases:
            index.add(alias, code, prov.name, code, "alias")
    return index


@functools.cache
def _code_forms() -> dict[str, str]:
    out = {}
    for code, prov in provinces().items():
        out[code] = code
        out[code.replace("-", "_")] = code  # a typo seen in geoBoundaries ("AF_KAN")
        out[code.replace("-", "")] = code
        out[prov.pcode] = code
    return out


def _province_code_form(name: str) -> str | None:
    """ISO 3166-2 code for "AF-NAN", "AF_NAN" or the p-code "AF06"; None otherwise."""
    text = str(name).strip().upper()
    return _code_forms().get(text) if re.fullmatch(r"AF[-_]?[A-Z]{3}|AF\d{2}", text) else None


def resolve_province(name: str, *, fuzzy_threshold: float = FUZZY_THRESHOLD) -> Match:
    """Resolve a province name in any common spelling.

    Parameters
    ----------
    name : str
        A province name, alias, ISO 3166-2 code or OCHA p-code.
    fuzzy_threshold : float, default 88
        Minimum rapidfuzz ratio for a fuzzy match.

    Returns
    -------
    Match
        ``id`` and ``province_code`` are the ISO 3166-2 code.

    Raises
    ------
    UnknownNameError
        If the name matches no province, or two provinces equally well.
    """
    code = _province_code_form(name)
    if code is not None:
        return Match(code, provinces()[code].name, code, "exact", 100.0)
    index = province_index()
    found = index.exact(name)
    if len(found) == 1:
        return found[0]
    if not found:  # Dari or Pashto script: one province by its skeleton ("قندوز", "اروزگان")
        found = index.variant(name) if is_arabic(name) else []
        if len({m.id for m in found}) == 1:
            return found[0]
    accepted, near = index.fuzzy(name, threshold=fuzzy_threshold)
    if accepted:
        return accepted[0]
    raise UnknownNameError(name, [m.name for m in (found or near)][:3], "province")


class NotAProvinceError(UnknownNameError):
    """A province asked for by the name of a district or a place; the message says which."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(name, [], "province")
        self.args = (message,)


def not_a_province(exc: UnknownNameError, gazetteer: _Names) -> UnknownNameError:
    """Return the error to raise for a name :func:`resolve_province` refused.

    A province filter given a district or a place (``Jalalabad``, ``Lashkar Gah``) is told
    what the name is and which options take it: ``'Jalalabad' is a district of Nangarhar
    (and a place): `province` Nangarhar, `district` Jalalabad or `near` Jalalabad`` (the
    command line names its options there).

    Parameters
    ----------
    exc : UnknownNameError
        The error :func:`resolve_province` raised.
    gazetteer : Gazetteer
        The gazetteer of the boundary layer (its districts and places).

    Returns
    -------
    UnknownNameError
        ``exc`` itself (its closest province names) when the name is no district nor place
        either; else a :class:`NotAProvinceError` saying what it is.
    """
    name = exc.name
    district_in = _names_of({m.province_code for m in gazetteer.district(name)})
    place_in = _names_of({m.province_code for m in gazetteer.place(name)})
    if not district_in and not place_in:
        return exc
    said = shlex.quote(name)
    held_by = list(dict.fromkeys(district_in + place_in))
    options = [f"`province` {shlex.quote(p)}" for p in held_by]
    options += [f"`district` {said}"] if district_in else []
    options.append(f"`near` {said}")
    message = f"{name!r} is {_what(district_in, place_in)}: "
    message += f"{', '.join(options[:-1])} or {options[-1]}"
    if len(held_by) > 1:
        message += " (give `province` with the name: it is in several provinces)"
    return NotAProvinceError(name, message)


def _what(district_in: list[str], place_in: list[str]) -> str:
    """Say what a name is: "a district of Nangarhar (and a place)", "a place in Balkh"."""
    if not district_in:
        return "a place in " + ", ".join(place_in)
    what = "a district of " + " and of ".join(district_in)
    if place_in:
        other = [p for p in place_in if p not in district_in]
        what += f" (and a place{' in ' + ', '.join(other) if other else ''})"
    return what


def _names_of(codes: set[str]) -> list[str]:
    """Return the names of these provinces, sorted."""
    return sorted(provinces()[c].name for c in codes)
