"""The ``where`` job: the district and province holding a point."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from incidentmap.coords import read_point
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
