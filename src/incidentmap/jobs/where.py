"""The ``where`` job: the district and province holding a point."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from incidentmap.errors import IncidentMapError, UsageError

__all__ = ["FIELDS", "PointOutsideError", "WhereAnswer", "read_point", "run"]

#: the fields of an answer
FIELDS = ("district", "district_id", "province", "province_code", "geocode_method", "geocode_note")


class PointOutsideError(IncidentMapError, ValueError):
    """The point is in no district."""


@dataclass(frozen=True)
class WhereAnswer:
    """The areas holding a point.

    Attributes
    ----------
    district, district_id, province, province_code : str
    geocode_method : str
        ``point`` (inside a district) or ``point_snapped`` (within ``snap_km`` of one).
    geocode_note : str, optional
    """

    district: str
    district_id: str
    province: str
    province_code: str
    geocode_method: str
    geocode_note: str | None = None

    def line(self) -> str:
        """Return the answer as one line."""
        out = f"{self.district} district, {self.province} province ({self.province_code})"
        return out + (f"  [{self.geocode_note}]" if self.geocode_note else "")

    def as_dict(self) -> dict[str, Any]:
        """Return the answer's fields, missing values as None."""
        return {k: getattr(self, k) for k in FIELDS}


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


def _refuse_sign(lat: float, lon: float) -> None:
    """Refuse a point outside whose minus sign alone keeps it from Afghanistan."""
    from incidentmap.context import district_at

    if (lat >= 0 and lon >= 0) or district_at(abs(lon), abs(lat)) is None:
        return  # far from Afghanistan either way: said by the geocoder, with the distance
    wrong = [
        f"{v:g} is no {axis} near Afghanistan"
        for v, axis in ((lat, "latitude"), (lon, "longitude"))
        if v < 0
    ]
    msg = (
        f"{lat:g} {lon:g}: {' and '.join(wrong)} (Afghanistan lies north of the equator and "
        f"east of Greenwich: no minus sign); did you mean {abs(lat):g} {abs(lon):g}?"
    )
    raise UsageError(msg, field="lat_lon")


def run(lat: float, lon: float, *, snap_km: float = 5.0) -> WhereAnswer:
    """Return the district and province holding a point (WGS84 degrees).

    A point inside a district is answered from the indexes kept beside the boundary cache;
    one outside every district goes through :func:`incidentmap.geocode` (snapped within
    ``snap_km``, with the distance said).

    Raises
    ------
    UsageError
        Coordinates that are not degrees, or a minus sign that alone keeps the point
        from Afghanistan (``34.43 -70.45``).
    PointOutsideError
        A point in no district (nor within ``snap_km`` of one).
    """
    if not (math.isfinite(lat) and math.isfinite(lon) and abs(lat) <= 90 and abs(lon) <= 180):
        msg = f"LAT LON must be degrees (-90..90, -180..180), got {lat:g} {lon:g}"
        raise UsageError(msg, field="lat_lon")
    from incidentmap.context import district_at

    inside = district_at(lon, lat)  # from the cached indexes: no layer read, no GeoPandas
    if inside is not None:
        return WhereAnswer(
            inside.district, inside.district_id, inside.province, inside.province_code, "point"
        )
    _refuse_sign(lat, lon)
    import geopandas as gpd
    import pandas as pd

    from incidentmap.geocode import geocode

    frame = gpd.GeoDataFrame(
        pd.DataFrame({"latitude": [lat], "longitude": [lon]}), geometry=[None], crs="EPSG:4326"
    )
    r = geocode(frame, snap_km=snap_km).iloc[0]
    if r["geocode_method"] == "unplaced":
        raise PointOutsideError(f"{lat}, {lon}: {r['geocode_note']}")
    return WhereAnswer(**{k: (None if pd.isna(r[k]) else r[k]) for k in FIELDS})
