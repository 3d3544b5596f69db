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


The package, by engine:

* :mod:`~incidentmap.gazetteer.names` — normalisation and transliteration keys;
* :mod:`~incidentmap.gazetteer.matching` — an index of names: exact, variant, fuzzy;
* :mod:`~incidentmap.gazetteer.admin1` — the 34 provinces and their names;
* :mod:`~incidentmap.gazetteer.places` — place sources (geo/, GeoNames);
* :mod:`~incidentmap.gazetteer.locations` — free-text location fields cut into names;
* :mod:`~incidentmap.gazetteer.words` — a district by the words of its name ("Pech",
  "Kohistan 1"), and Kabul city's police districts ("PD 9", "ناحیه نهم");
* :mod:`~incidentmap.gazetteer.hits` — what a field resolves to (:class:`Hit`,
  :class:`Resolution`): one place, an ambiguity, several names agreed;
* :mod:`~incidentmap.gazetteer.resolver` — :class:`Gazetteer`, which resolves them;
* :mod:`~incidentmap.gazetteer.store` — a gazetteer's tables as arrays, and the version of the
  name data (the user cache keeps one per installed layer: see
  :attr:`incidentmap.context.BoundaryContext.gazetteer`).
"""

from __future__ import annotations

from incidentmap.gazetteer.admin1 import Province, iso_names, provinces, resolve_province
from incidentmap.gazetteer.locations import LocationPart, is_not_a_name, split_location
from incidentmap.gazetteer.matching import Match
from incidentmap.gazetteer.names import FUZZY_MARGIN, FUZZY_THRESHOLD, loose_key, name_key
from incidentmap.gazetteer.places import PlaceRecord, geonames_places
from incidentmap.gazetteer.resolver import Gazetteer, Hit, Resolution
from incidentmap.gazetteer.store import DistrictTable, name_data_version

__all__ = [
    "FUZZY_MARGIN",
    "FUZZY_THRESHOLD",
    "DistrictTable",
    "Gazetteer",
    "Hit",
    "LocationPart",
    "Match",
    "PlaceRecord",
    "Province",
    "Resolution",
    "geonames_places",
    "is_not_a_name",
    "iso_names",
    "loose_key",
    "name_data_version",
    "name_key",
    "provinces",
    "resolve_province",
    "split_location",
]
