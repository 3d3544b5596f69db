"""Place every incident in a province and district.

:func:`geocode` adds the admin columns to an incident table read by
:func:`incidentmap.read_incidents`. Rows with coordinates are placed by point in
polygon; rows with names only by district, place or province name. Every row
comes back, in the same order, either placed or with the reason it was not.

Output columns (appended after the canonical ones):

``province``, ``province_code``, ``district``, ``district_id``
    The admin areas (district empty for province-precision rows).
``geocode_method``
    ``point``, ``point_snapped``, ``point_swapped``, ``district_name``,
    ``place_name``, ``province_name`` or ``unplaced``.
``geocode_precision``
    ``point``, ``district``, ``province`` or ``none``.
``geocode_score``
    100 for exact and alias name matches and for points; the fuzzy score (0-100)
    for fuzzy name matches.
``geocode_note``
    What was done beyond the obvious (snap distance, swap, fuzzy match; "snapped 1.2 km
    from outside Afghanistan to ..." for a point snapped across the national border) or,
    for unplaced rows, the reason, starting with a short category (``outside:``,
    ``outside Afghanistan:`` for a row that states a country or area outside it,
    ``unknown name:``, ``ambiguous:``, ``no location:``, ``country only:``).
``geocode_conflict``
    True where the point's province disagrees with the stated province, or where a row
    placed in Afghanistan states a country or first-level area outside it.

The package, by engine: :mod:`~incidentmap.geocode.border` (a stated country or area
outside Afghanistan), :mod:`~incidentmap.geocode.points` (coordinates),
:mod:`~incidentmap.geocode.names` (names), :mod:`~incidentmap.geocode.result` (the codes,
the output columns and the counts), :mod:`~incidentmap.geocode.place` (:func:`geocode`;
:func:`geocode_counted` gives the counts beside the table, never on its ``attrs``).
"""

from __future__ import annotations

from incidentmap.geocode.place import geocode, geocode_counted, geocode_points
from incidentmap.geocode.points import MAX_SNAP_KM, locate_points
from incidentmap.geocode.result import (
    GEOCODE_COLUMNS,
    METHODS,
    NAME_METHODS,
    POINT_METHODS,
    PRECISIONS,
    geocode_summary,
)

__all__ = [
    "GEOCODE_COLUMNS",
    "MAX_SNAP_KM",
    "METHODS",
    "NAME_METHODS",
    "POINT_METHODS",
    "PRECISIONS",
    "geocode",
    "geocode_counted",
    "geocode_points",
    "geocode_summary",
    "locate_points",
]
