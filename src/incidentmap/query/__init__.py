"""Spatial questions about geocoded incidents: near a place or point, in an area.

:mod:`~incidentmap.query.core` answers them (:func:`incidents_near`, :func:`incidents_in`,
:func:`match_near`, :func:`match_in`, :func:`resolve_location`, :func:`sort_incidents`);
:mod:`~incidentmap.query.areas` handles the events placed only to a district or province,
which have no point of their own (kept when their area lies inside the query area, counted
when it only overlaps it, measured to the area's edge).
"""

from __future__ import annotations

from incidentmap.query.core import (
    AreaMatch,
    Location,
    NearIndex,
    incidents_in,
    incidents_near,
    match_in,
    match_near,
    resolve_location,
    sort_incidents,
)

__all__ = [
    "AreaMatch",
    "Location",
    "NearIndex",
    "incidents_in",
    "incidents_near",
    "match_in",
    "match_near",
    "resolve_location",
    "sort_incidents",
]
