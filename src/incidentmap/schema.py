"""The canonical incident schema and the presets that map common datasets onto it.

Every incident table incidentmap reads gets the canonical columns below, in
this order, in front of every original column (kept under its own name). An
original column whose name is taken by a canonical column it does not feed, or by
a column geocoding adds (``province``, ``district``...), is kept as ``<name>_original``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["CANONICAL_COLUMNS", "OUTPUT_COLUMNS", "PRESETS", "Preset", "detect_preset"]

#: canonical columns, in output order, with their meaning
CANONICAL_COLUMNS: dict[str, str] = {
    "row": "1-based data row of the input file (the header is not counted)",
    "event_id": "identifier given by the source, as text",
    "date": "event date (datetime64, midnight; Asia/Kabul calendar date as given)",
    "date_precision": "day, month or year; empty where the date is missing",
    "event_type": "event or attack type as given",
    "actor": "main actor / perpetrator as given",
    "fatalities": "number killed (float, NaN if not given)",
    "injured": "number injured (float, NaN if not given)",
    "notes": "free text description",
    "source": "source of the report",
    "latitude": "WGS84 latitude as given (float)",
    "longitude": "WGS84 longitude as given (float)",
    "stated_province": "province name as written in the input",
    "stated_district": "district name as written in the input",
    "stated_place": "place / location name as written in the input",
    "source_precision": "the source's own location precision: point, district, province, country",
    "input_note": "values that could not be read (only with on_bad='keep')",
}

#: the columns geocoding adds (see :mod:`incidentmap.geocode`); an input column with one of
#: these names is kept as ``<name>_original`` so that geocoding never hides it
OUTPUT_COLUMNS = (
    "province",
    "province_code",
    "district",
    "district_id",
    "geocode_method",
    "geocode_precision",
    "geocode_score",
    "geocode_note",
    "geocode_conflict",
)


@dataclass(frozen=True)
class Preset:
    """How the columns of one dataset map onto the canonical schema.

    Attributes
    ----------
    name : str
        Preset name (``acled``, ``ucdp``, ``gtd``, ``awsd``, ``generic``).
    detect : tuple of str
        Columns (case-insensitive) that identify the dataset.
    columns : dict
        Canonical field -> source column (first present candidate wins).
    date_parts : tuple of str, optional
        (year, month, day) columns for datasets that split the date; 0 or
        blank month/day means unknown.
    precision_codes : dict
        Source precision code -> ``point``/``district``/``province``/``country``.
    event_type_codes : dict
        Code -> label for datasets that code the event type.
    dayfirst : bool or None
        For dates written ``a/b/yy``: True = day first, False = month first,
        None = decide from the values.
    """

    name: str
    detect: tuple[str, ...]
    columns: dict[str, tuple[str, ...]]
    date_parts: tuple[str, str, str] | None = None
    precision_codes: dict[str, str] = field(default_factory=dict)
    event_type_codes: dict[str, str] = field(default_factory=dict)
    dayfirst: bool | None = None


PRESETS: dict[str, Preset] = {
    "acled": Preset(
        name="acled",
        detect=("event_date", "admin1", "latitude", "longitude", "event_type"),
        columns={
            "event_id": ("event_id_cnty", "data_id", "event_id_no_cnty"),
            "date": ("event_date",),
            "event_type": ("event_type",),
            "actor": ("actor1",),
            "fatalities": ("fatalities",),
            "notes": ("notes",),
            "source": ("source",),
            "latitude": ("latitude",),
            "longitude": ("longitude",),
            "stated_province": ("admin1",),
            "stated_district": ("admin2",),
            "stated_place": ("location",),
            "source_precision": ("geo_precision",),
        },
        # ACLED: 1 = the town, 2 = near a town / part of a region, 3 = province only
        precision_codes={"1": "point", "2": "point", "3": "province"},
        dayfirst=False,
    ),
    "ucdp": Preset(
        name="ucdp",
        detect=("date_start", "where_coordinates", "best", "latitude", "longitude"),
        columns={
            "event_id": ("id",),
            "date": ("date_start",),
            "event_type": ("type_of_violence",),
            "actor": ("side_a",),
            "fatalities": ("best",),
            "notes": ("source_headline",),
            "source": ("source_office", "source_article"),
            "latitude": ("latitude",),
            "longitude": ("longitude",),
            "stated_province": ("adm_1",),
            "stated_district": ("adm_2",),
            "stated_place": ("where_coordinates",),
            "source_precision": ("where_prec",),
        },
        # UCDP GED where_prec: 1 exact, 2 within 25 km, 3 second-order unit, 4 first-order
        # unit, 5 between first-order units, 6 country, 7 international waters/airspace
        precision_codes={
            "1": "point",
            "2": "point",
            "3": "district",
            "4": "province",
            "5": "province",
            "6": "country",
            "7": "country",
        },
        event_type_codes={
            "1": "state-based conflict",
            "2": "non-state conflict",
            "3": "one-sided violence",
        },
    ),
    "gtd": Preset(
        name="gtd",
        detect=("iyear", "imonth", "iday", "provstate"),
        columns={
            "event_id": ("eventid",),
            "event_type": ("attacktype1_txt",),
            "actor": ("gname",),
            "fatalities": ("nkill",),
            "injured": ("nwound",),
            "notes": ("summary",),
            "source": ("scite1", "dbsource"),
            "latitude": ("latitude",),
            "longitude": ("longitude",),
            "stated_province": ("provstate",),
            "stated_place": ("city",),
            "source_precision": ("specificity",),
        },
        date_parts=("iyear", "imonth", "iday"),
        # GTD specificity: 1 the city, 2-3 centroid of a smaller unit, 4 province, 5 country
        precision_codes={
            "1": "point",
            "2": "district",
            "3": "district",
            "4": "province",
            "5": "country",
        },
    ),
    "awsd": Preset(
        name="awsd",
        detect=("year", "month", "day", "region", "total killed"),
        columns={
            "event_id": ("incident id",),
            "event_type": ("means of attack",),
            "actor": ("actor name", "actor type"),
            "fatalities": ("total killed",),
            "injured": ("total wounded",),
            "notes": ("details",),
            "source": ("source",),
            "latitude": ("latitude",),
            "longitude": ("longitude",),
            "stated_province": ("region",),
            "stated_district": ("district",),
            "stated_place": ("city",),
        },
        date_parts=("year", "month", "day"),
    ),
    "generic": Preset(
        name="generic",
        detect=(),
        columns={
            "event_id": ("event_id", "incident_id", "id"),
            "date": ("date", "event_date", "incident_date", "day"),
            "event_type": ("event_type", "type", "attack_type", "category"),
            "actor": ("actor", "actor1", "perpetrator", "group", "claimed_by"),
            "fatalities": ("fatalities", "killed", "deaths", "dead", "nkill"),
            "injured": ("injured", "wounded", "nwound"),
            "notes": ("notes", "description", "summary", "details"),
            "source": ("source", "sources", "url"),
            "latitude": ("latitude", "lat", "y"),
            "longitude": ("longitude", "lon", "lng", "long", "x"),
            "stated_province": ("province", "admin1", "provstate", "state", "region"),
            "stated_district": ("district", "admin2"),
            "stated_place": ("place", "location", "city", "town", "village"),
        },
    ),
}


def detect_preset(columns: list[str]) -> Preset:
    """Return the preset whose identifying columns are all present.

    Parameters
    ----------
    columns : list of str
        The header of the input (compared case-insensitively).

    Returns
    -------
    Preset
        The first preset that matches, else the generic one.
    """
    present = {c.strip().lower() for c in columns}
    for preset in PRESETS.values():
        if preset.detect and set(preset.detect) <= present:
            return preset
    return PRESETS["generic"]
