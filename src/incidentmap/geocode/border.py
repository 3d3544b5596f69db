"""What a row says about the country it is in: a stated country or area outside Afghanistan.

Analysts' files mix in events from across the border (UCDP's and ACLED's regional exports,
border-district lists): a row whose ``country`` (UCDP, ACLED), ``country_txt`` (GTD) or stated
province names a country other than Afghanistan, or a first-level area of a neighbour, is
never snapped into an Afghan district and is flagged where its point lies inside Afghanistan
(:mod:`incidentmap.geocode.points`).

The neighbours' areas are ISO 3166-2's, read from pycountry when first needed, with the
former names, abbreviations and spellings of ``geo/border_names.csv`` (FATA, KPK, NWFP,
Baluchistan...); a name that is also one of Afghanistan's provinces stays Afghan. Their
districts, former tribal agencies and towns near the border (Kurram, North Waziristan,
Peshawar, Quetta, Mashhad, Termez...) are in ``geo/border_places.csv``, a short table the
project writes (no installable package lists the neighbours' second-level areas; GeoNames'
towns of the neighbours share too many names with Afghan villages): stated as a province
they are outside Afghanistan; in the place (or district) field of a row that states no
Afghan province, no point and no country but a neighbour, too.
"""

from __future__ import annotations

import csv
import functools
import io
import weakref
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd
import shapely

from incidentmap.context import BoundaryContext
from incidentmap.gazetteer import name_key, provinces, split_location
from incidentmap.geocode.rows import Columns, try_province
from incidentmap.schema import header_key

__all__ = [
    "COUNTRY_COLUMNS",
    "NEIGHBOURS",
    "Abroad",
    "area_country",
    "border_places",
    "country_named",
    "outside_country",
    "stated_abroad",
]

#: Afghanistan's neighbours (ISO 3166-1 alpha-2), whose first-level areas a row may state
NEIGHBOURS = ("PK", "IR", "TJ", "UZ", "TM", "CN")

#: the columns (header keys, the first present that holds text wins) that state a row's
#: country: GTD ``country_txt`` (its ``country`` is a number), UCDP GED and ACLED ``country``,
#: HDX and OCHA tables ``adm0_name``/``admin0``...
COUNTRY_COLUMNS = (
    "country_txt", "country_name", "country", "adm0_name", "admin0", "admin0_name", "adm0_en",
)  # fmt: skip

#: words of pycountry's Chinese names that only say what kind of area it is
_CN_WORDS = frozenset({"sheng", "shi", "zizhiqu", "uygur", "zhuangzu", "huizu", "sar"})


def _keys(name: str) -> set[str]:
    """Return the keys a name is compared by (with and without the ezafe connector)."""
    return {k for k in (name_key(name), name_key(name, drop_connector=True)) if k}


@functools.cache
def _afghan_keys() -> frozenset[str]:
    """Return the keys of the names, aliases and codes of Afghanistan's 34 provinces."""
    names = [
        n for p in provinces().values() for n in (p.name, p.name_dari, p.code, p.pcode, *p.aliases)
    ]
    return frozenset(k for n in names for k in _keys(n))


def _is_afghan_province(name: str) -> bool:
    """Whether a name is exactly a name, alias or code of one of Afghanistan's provinces."""
    return not _keys(name).isdisjoint(_afghan_keys())


def _country_title(code: str) -> str:
    import pycountry

    c = pycountry.countries.get(alpha_2=code)
    return str(getattr(c, "common_name", None) or c.name)


def _pycountry_names() -> list[tuple[str, str]]:
    """(country code, area name) of the neighbours' first-level areas and their ISO codes."""
    import pycountry

    out: list[tuple[str, str]] = []
    for code in NEIGHBOURS:
        for sub in pycountry.subdivisions.get(country_code=code) or []:
            if sub.parent_code is not None:
                continue
            out += [(code, str(sub.name)), (code, str(sub.code))]
            words = str(sub.name).split()
            short = [w for w in words if w.casefold() not in _CN_WORDS]
            if code == "CN" and short and short != words:
                out.append((code, " ".join(short)))  # "Xinjiang Uygur Zizhiqu" -> "Xinjiang"
    return out


@functools.cache
def _file_names() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(country code, name) of ``geo/border_names.csv``: areas, and names of countries."""
    text = resources.files("incidentmap._geo").joinpath("border_names.csv").read_text("utf-8")
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    areas: list[tuple[str, str]] = []
    countries: list[tuple[str, str]] = []
    for row in csv.DictReader(io.StringIO("\n".join(lines))):
        pair = (row["country"].strip(), row["name"].strip())
        (areas if row["area"].strip() else countries).append(pair)
    return areas, countries


@functools.cache
def border_places() -> list[tuple[str, str]]:
    """Return (country code, name) of each row of ``geo/border_places.csv``.

    The neighbours' districts, former tribal agencies and towns near Afghanistan's border.
    """
    text = resources.files("incidentmap._geo").joinpath("border_places.csv").read_text("utf-8")
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    return [(r["country"].strip(), r["name"].strip()) for r in csv.DictReader(lines)]


@functools.cache
def _areas() -> dict[str, str]:
    """Name key -> country, for the neighbours' first-level areas (pycountry: 0.2 s once).

    A name that is also one of Afghanistan's provinces is left out (it stays Afghan); a
    name two neighbours share gives both ("Pakistan or Iran").
    """
    from incidentmap.gazetteer import iso_names

    afghan = _afghan_keys() | {k for n in iso_names().values() for k in _keys(n)}
    by_key: dict[str, list[str]] = {}
    for code, name in [*_pycountry_names(), *_file_names()[0], *border_places()]:
        if not _keys(name).isdisjoint(afghan):
            continue
        for key in _keys(name):
            titles = by_key.setdefault(key, [])
            if _country_title(code) not in titles:
                titles.append(_country_title(code))
    return {k: " or ".join(v) for k, v in by_key.items()}


@functools.cache
def _country_names() -> dict[str, tuple[str, str]]:
    """Name key -> (ISO alpha-2, name) for the countries' names pycountry does not know."""
    return {k: (c, _country_title(c)) for c, name in _file_names()[1] for k in _keys(name)}


def area_country(name: str) -> str | None:
    """Return the country a first-level area of Afghanistan's neighbours is in, or None.

    Parameters
    ----------
    name : str
        A stated province: an ISO 3166-2 name or code, or a variant (``FATA``, ``KPK``,
        ``NWFP``, ``Baluchistan``, ``Gorno-Badakhshan``...), any case and spacing.

    Returns
    -------
    str or None
        The country's name (``"Pakistan"``); None for Afghan provinces and other names.
    """
    if _is_afghan_province(name):
        return None
    areas = _areas()
    return next((areas[k] for k in _keys(name) if k in areas), None)


@functools.lru_cache(maxsize=4096)
def country_named(text: str) -> tuple[str, str] | None:
    """Return (ISO alpha-2, name) of the country a text names, or None.

    Names, official and common names and ISO codes (pycountry), and the other names of
    ``geo/border_names.csv`` ("Iran (Islamic Republic of)").
    """
    import pycountry

    if text.strip().isdigit():  # GTD's and UCDP's own country numbers are not ISO's
        return None
    try:
        c = pycountry.countries.lookup(text.strip())
    except LookupError:
        named = _country_names()
        return next((named[k] for k in _keys(text) if k in named), None)
    return str(c.alpha_2), str(getattr(c, "common_name", None) or c.name)


@dataclass
class Abroad:
    """What each row states outside Afghanistan.

    Attributes
    ----------
    label : numpy.ndarray
        Object array: what the row states (``"Pakistan"``, ``"FATA (Pakistan)"``); None
        where it states nothing outside Afghanistan.
    by_area : numpy.ndarray
        Bool: the stated province is an area outside Afghanistan.
    afghan_area : numpy.ndarray
        Bool: the stated province is one of Afghanistan's.
    """

    label: np.ndarray
    by_area: np.ndarray
    afghan_area: np.ndarray

    @property
    def stated(self) -> np.ndarray:
        """Bool: the row states a country or an area outside Afghanistan."""
        return pd.notna(self.label)


def _country_column(frame: pd.DataFrame) -> Any | None:
    """Return the column that states each row's country, if there is one."""
    keys = {header_key(c): c for c in reversed(list(frame.columns))}  # the first of equals
    text = [keys[k] for k in COUNTRY_COLUMNS if k in keys]
    return next((c for c in text if not pd.api.types.is_numeric_dtype(frame[c])), None)


def _foreign_area(text: str) -> str | None:
    """Return the country of a stated province outside Afghanistan (None: Afghan, unknown)."""
    found = area_country(text)
    if found is None and len(text) > 3:  # a country's name in the province field
        named = country_named(text)
        found = named[1] if named and named[0] != "AF" else None
    return found


def _label(country: tuple[str, str] | None, area: str | None, area_in: str | None) -> str | None:
    """Return what a row states outside Afghanistan, in words (None: nothing)."""
    abroad = country is not None and country[0] != "AF"
    if area_in is not None:
        where = country[1] if abroad and country else area_in
        return where if name_key(area or "") == name_key(where) else f"{area} ({where})"
    return country[1] if abroad and country else None


def stated_abroad(col: Columns) -> Abroad:
    """Read what each row states about its country: a country or area outside Afghanistan.

    Parameters
    ----------
    col : Columns
        The rows' canonical columns (``stated_province``) and original ones (``country``...).

    Returns
    -------
    Abroad
    """
    n = col.n
    ccol = _country_column(col.frame)
    named = ("stated_province", "stated_place", "stated_district")
    if ccol is None and not any(col.given(c) for c in named):
        none = np.full(n, None, dtype=object)
        return Abroad(none, np.zeros(n, dtype=bool), np.zeros(n, dtype=bool))
    country = col.text(ccol) if ccol is not None else np.full(n, None, dtype=object)
    c_codes, c_uniq = pd.factorize(country, use_na_sentinel=True)
    c_info = [None, *(country_named(str(v)) for v in c_uniq)]  # position 0: none stated
    p = _Provinces(col.text("stated_province"))
    width = len(p.names)
    codes, pairs = pd.factorize((c_codes + 1) * width + (p.codes + 1))
    labels = [
        _label(c_info[ci], p.names[pi], p.abroad[pi])
        for ci, pi in (divmod(int(v), width) for v in pairs)
    ]
    label = np.array(labels, dtype=object)[codes]
    bare = pd.isna(label) & pd.isna(country) & ~p.afghan  # nothing said of the country
    if bare.any():
        label = np.where(bare, _places_abroad(col, bare), label)
    return Abroad(label, p.by_area, p.afghan)


def _places_abroad(col: Columns, bare: np.ndarray) -> np.ndarray:
    """Return what the place (else district) field of the ``bare`` rows states abroad.

    Rows with a point are left out (their point says where they are); None where the
    fields name no place across the border ("Mashhad (Iran)" where they do).
    """
    out = np.full(col.n, None, dtype=object)
    bare = bare & (np.isnan(col.num("latitude")) | np.isnan(col.num("longitude")))
    for field in ("stated_place", "stated_district"):
        texts = col.text(field)
        codes, uniq = pd.factorize(texts, use_na_sentinel=True)
        said = np.array([*(_place_abroad(str(v)) for v in uniq), None], dtype=object)[codes]
        take = bare & pd.isna(out) & pd.notna(said)
        out[take] = said[take]
    return out


def _place_abroad(text: str) -> str | None:
    """Return "Mashhad (Iran)" for a place field naming only places across the border."""
    parts = [p.text for p in split_location(text)[0]]
    found = [_neighbour(t) for t in parts]
    if not parts or any(f is None for f in found):
        return None
    return f"{parts[0]} ({found[0]})" if name_key(parts[0]) != name_key(str(found[0])) else found[0]


def _neighbour(text: str) -> str | None:
    """Return the neighbour a name is or lies in ("Pakistan" for Peshawar), else None."""
    found = area_country(text)
    if found is None and len(text) > 3:
        named = country_named(text)
        found = named[1] if named and named[0] in NEIGHBOURS else None
    return found


class _Provinces:
    """The stated provinces, each read once: outside Afghanistan (its country) or Afghan."""

    def __init__(self, texts: np.ndarray) -> None:
        self.codes, uniq = pd.factorize(texts, use_na_sentinel=True)
        #: position 0: no province stated (the codes are shifted by one)
        self.names: list[str | None] = [None, *(str(v) for v in uniq)]
        self.abroad = [None, *(_foreign_area(str(v)) for v in uniq)]
        # by the province's code; a blank province's code, -1, takes the last value
        afghan = [_afghan_area(str(v), c) for v, c in zip(uniq, self.abroad[1:], strict=True)]
        self.afghan = np.array([*afghan, False])[self.codes]
        self.by_area = np.array([c is not None for c in self.abroad[1:]] + [False])[self.codes]


def _afghan_area(name: str, abroad: str | None) -> bool:
    """Whether a stated province is one of Afghanistan's (its names, or read by the gazetteer)."""
    return abroad is None and try_province(name) is not None


#: each layer's Afghanistan: its districts' outer border, holes filled (a gap between two
#: districts is inside the country), or None for a layer that is not the whole country
_COUNTRY: weakref.WeakKeyDictionary[BoundaryContext, Any] = weakref.WeakKeyDictionary()


def outside_country(ctx: BoundaryContext, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Say which points (outside every district) lie outside Afghanistan's outer border.

    False everywhere for a layer that does not cover all 34 provinces: its outer border is
    not the country's.
    """
    if ctx not in _COUNTRY:
        _COUNTRY[ctx] = _country_shape(ctx)
    shape = _COUNTRY[ctx]
    if shape is None or not len(lon):
        return np.zeros(len(lon), dtype=bool)
    return ~shapely.contains_xy(shape, lon, lat)


def _country_shape(ctx: BoundaryContext) -> Any:
    if set(ctx.province_codes.tolist()) != set(provinces()):
        return None
    geoms = ctx.provinces.geometry.values.to_numpy()
    whole = shapely.coverage_union_all(geoms)  # the districts tile the country: 0.07 s
    if not shapely.is_valid(whole):
        whole = shapely.union_all(geoms)  # not a clean coverage: the general union, 0.3 s
    parts = shapely.get_parts(whole)
    filled = shapely.union_all(shapely.polygons(shapely.get_exterior_ring(parts)))
    shapely.prepare(filled)
    return filled
