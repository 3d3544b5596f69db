"""The canonical incident schema and the presets that map publishers' layouts onto it.

Every incident table incidentmap reads gets the canonical columns below, in
this order, in front of every original column. Original columns keep their
names, except where a name is already taken, compared as GeoPackage, FlatGeobuf
and shapefiles compare field names (case-insensitively): by a canonical column,
by a column geocoding adds (``province``, ``district``...), by a name GIS
formats reserve (``fid``, ``geom``...), or by an earlier original column. Such a
column is kept as ``<name>_original`` (see :func:`safe_names`), the same way for
every output format.

Header names are matched to a preset after folding case and punctuation
(:func:`header_key`): ``EVENT_DATE``, ``event_date`` and ``Event Date`` are the
same column, and so are GTD's ``GTD.ID`` and ``gtd_id``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

__all__ = [
    "CANONICAL_COLUMNS",
    "OUTPUT_COLUMNS",
    "PRESETS",
    "RESERVED_NAMES",
    "Preset",
    "detect_preset",
    "header_key",
    "safe_names",
]

#: canonical columns, in output order, with their meaning
CANONICAL_COLUMNS: dict[str, str] = {
    "row": "1-based data row of the input file (the header is not counted)",
    "event_id": "identifier given by the source, as text",
    "date": "event date (datetime64, midnight; the calendar date as given, Asia/Kabul)",
    "date_precision": "day, week, month or year; empty where the date is missing",
    "event_type": "event or attack type as given",
    "actor": "main actor / perpetrator as given (ACLED actor1, UCDP side_a, GTD gname)",
    "actor2": "second actor as given (ACLED actor2, UCDP side_b, GTD gname2)",
    "fatalities": "number killed (float, NaN if not given)",
    "injured": "number injured (float, NaN if not given)",
    "notes": "free text description",
    "source": "source of the report",
    "latitude": "WGS84 latitude as given (float)",
    "longitude": "WGS84 longitude as given (float)",
    "stated_province": "province name as written in the input (surrounding whitespace removed)",
    "stated_district": "district name as written in the input (surrounding whitespace removed)",
    "stated_place": "place / location name as written in the input",
    "source_precision": "the source's own location precision: point, district, province, country",
    "input_note": "values that could not be read (only with on_bad='keep'), columns ignored",
}

#: the columns geocoding adds (see :mod:`incidentmap.geocode`)
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
    "actor1_group",
    "actor2_group",
    "attribution",
    "category",
    "category_source",
)

#: field names GIS formats keep for themselves: GDAL's FID and geometry columns, and the
#: placemark fields of KML (LIBKML reads a column "id" or "begin" as its own, not as data)
RESERVED_NAMES = (
    "fid", "ogc_fid", "objectid", "geom", "geometry", "the_geom", "wkt", "shape",
    "id", "name", "description", "timestamp", "begin", "end", "altitudemode", "tessellate",
    "extrude", "visibility", "draworder", "icon",
)  # fmt: skip


def header_key(name: object) -> str:
    """Fold a header name for matching: ``"Total killed"`` -> ``"total_killed"``."""
    return re.sub(r"[^0-9a-z]+", "_", str(name).strip().lstrip("\ufeff").casefold()).strip("_")


def safe_names(columns: Iterable[str], taken: Iterable[str] = ()) -> dict[str, str]:
    """Map column names to names no output format will reject or merge.

    A name equal (ignoring case) to one in ``taken``, to a reserved GIS name or
    to an earlier column becomes ``<name>_original`` (then ``<name>_original2``...).

    Parameters
    ----------
    columns : iterable of str
        The names, in order.
    taken : iterable of str
        Names already used by other columns.

    Returns
    -------
    dict of str to str
        Every column to its (possibly unchanged) name.
    """
    used = {t.casefold() for t in taken} | set(RESERVED_NAMES)
    out: dict[str, str] = {}
    for col in columns:
        name = str(col)
        if name.casefold() in used:
            base = f"{name}_original"
            name, i = base, 2
            while name.casefold() in used:
                name = f"{base}{i}"
                i += 1
        used.add(name.casefold())
        out[str(col)] = name
    return out


@dataclass(frozen=True)
class Preset:
    """How the columns of one dataset map onto the canonical schema.

    Attributes
    ----------
    name : str
        Preset name (``acled``, ``acled_admin1``, ``ucdp``, ``gtd``, ``awsd``, ``generic``).
    title : str
        The layout in words, for messages.
    detect : tuple of tuple of str
        The preset matches when every header key of one of these sets is present.
    columns : dict
        Canonical field -> header keys (first present candidate wins).
    date_parts : tuple of str, optional
        (year, month, day) columns for datasets that split the date; 0 or
        blank month/day means unknown. Used when all three are present.
    date_end : str, optional
        End of a date range (UCDP ``date_end``): a range longer than a day makes
        the date precision coarser.
    date_precision_codes : dict
        Source code -> date precision, for the column ``columns["date_precision"]``.
    fatalities_parts : tuple of str
        Columns to add up when the fatalities column itself is absent.
    precision_codes : dict
        Source location precision code -> ``point``/``district``/``province``/``country``.
    event_type_codes : dict
        Code -> label for datasets that code the event type.
    dayfirst : bool or None
        For dates written ``a/b/yy``: True = day first, False = month first,
        None = decide from the values (an error if they do not say).
    citation : str
        The credit the publisher asks for, shown on every map of the data.
    """

    name: str
    title: str
    detect: tuple[tuple[str, ...], ...]
    columns: dict[str, tuple[str, ...]]
    date_parts: tuple[str, str, str] | None = None
    date_end: str | None = None
    date_precision_codes: dict[str, str] = field(default_factory=dict)
    fatalities_parts: tuple[str, ...] = ()
    precision_codes: dict[str, str] = field(default_factory=dict)
    event_type_codes: dict[str, str] = field(default_factory=dict)
    dayfirst: bool | None = None
    citation: str = ""


#: the credits the publishers ask for (their terms of use)
_ACLED = "Armed Conflict Location & Event Data Project (ACLED); www.acleddata.com"
_UCDP = (
    "UCDP Georeferenced Event Dataset (GED), Uppsala Conflict Data Program, CC BY 4.0 "
    "(Sundberg & Melander 2013, Journal of Peace Research 50(4))"
)
_GTD = (
    "Global Terrorism Database (GTD), National Consortium for the Study of Terrorism and "
    "Responses to Terrorism (START), University of Maryland"
)
_AWSD = "Aid Worker Security Database (AWSD), Humanitarian Outcomes; aidworkersecurity.org"


PRESETS: dict[str, Preset] = {
    # ACLED event exports: current (lower-case) and legacy (upper-case) headers
    "acled": Preset(
        name="acled",
        title="ACLED events",
        detect=(
            ("event_date", "event_type", "latitude", "longitude", "admin1"),
            ("event_id_cnty", "event_date", "latitude", "longitude"),
        ),
        columns={
            "event_id": ("event_id_cnty", "data_id", "event_id_no_cnty"),
            "date": ("event_date",),
            "date_precision": ("time_precision",),
            "event_type": ("event_type",),
            "actor": ("actor1",),
            "actor2": ("actor2",),
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
        # ACLED time_precision: 1 the day is known, 2 the week, 3 the month
        date_precision_codes={"1": "day", "2": "week", "3": "month"},
        # ACLED geo_precision: 1 the place itself, 2 near a town / a small part of a region
        # (a town stands for it), 3 only the province is known (its capital stands for it)
        precision_codes={"1": "point", "2": "point", "3": "province"},
        citation=_ACLED,
    ),
    # ACLED events without coordinates, province named in adm1_name/admin1_name (dashboards, HDX)
    "acled_admin1": Preset(
        name="acled_admin1",
        title="ACLED events by province (no coordinates)",
        detect=(
            ("adm1_name", "event_date", "event_type"),
            ("admin1_name", "event_date", "event_type"),
            ("admin1", "event_date", "event_type", "fatalities"),
        ),
        columns={
            "event_id": ("event_id_cnty", "data_id", "event_id"),
            "date": ("event_date", "date"),
            "date_precision": ("time_precision",),
            "event_type": ("event_type",),
            "actor": ("actor1",),
            "actor2": ("actor2",),
            "fatalities": ("fatalities", "conflict_fatalities"),
            "notes": ("notes",),
            "source": ("source",),
            "stated_province": ("adm1_name", "admin1_name", "admin1"),
            "stated_district": ("adm2_name", "admin2_name", "admin2"),
            "stated_place": ("location",),
        },
        date_precision_codes={"1": "day", "2": "week", "3": "month"},
        citation=_ACLED,
    ),
    # UCDP Georeferenced Event Dataset, also in its shapefile form (names cut to 10 characters)
    "ucdp": Preset(
        name="ucdp",
        title="UCDP GED",
        detect=(
            ("date_start", "where_coordinates", "best"),
            ("date_start", "side_a", "side_b"),
            ("date_start", "where_prec", "best"),
        ),
        columns={
            "event_id": ("id", "relid"),
            "date": ("date_start",),
            "date_precision": ("date_prec",),
            "event_type": ("type_of_violence", "type_of_vi"),
            "actor": ("side_a",),
            "actor2": ("side_b",),
            "fatalities": ("best",),
            "notes": ("source_headline", "source_hea"),
            "source": ("source_office", "source_article", "source_art"),
            "latitude": ("latitude",),
            "longitude": ("longitude",),
            "stated_province": ("adm_1",),
            "stated_district": ("adm_2",),
            "stated_place": ("where_coordinates", "where_coor"),
            "source_precision": ("where_prec",),
        },
        date_end="date_end",
        # UCDP date_prec: 1 exact day, 2 a range of 2-6 days, 3 the week, 4 the month
        # (8-30 days), 5 more than a month within a year
        date_precision_codes={"1": "day", "2": "week", "3": "week", "4": "month", "5": "year"},
        fatalities_parts=("deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown"),
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
        citation=_UCDP,
    ),
    # Global Terrorism Database: the published codebook layout, and the R export with dots
    "gtd": Preset(
        name="gtd",
        title="Global Terrorism Database",
        detect=(("iyear", "imonth", "iday"), ("eventid", "gname"), ("gtd_id",)),
        columns={
            "event_id": ("eventid", "gtd_id"),
            "date": ("date",),
            "event_type": ("attacktype1_txt", "attack_type_1"),
            "actor": ("gname", "perpetrator_1"),
            "actor2": ("gname2", "perpetrator_2"),
            "fatalities": ("nkill", "fatalities"),
            "injured": ("nwound", "injured"),
            "notes": ("summary",),
            "source": ("scite1", "dbsource"),
            "latitude": ("latitude",),
            "longitude": ("longitude",),
            "stated_province": ("provstate", "province"),
            "stated_place": ("city",),
            "source_precision": ("specificity",),
        },
        date_parts=("iyear", "imonth", "iday"),
        # GTD specificity: 1 the city, 2-3 centroid of a smaller unit, 4 province, 5 unknown
        precision_codes={
            "1": "point",
            "2": "district",
            "3": "district",
            "4": "province",
            "5": "country",
        },
        citation=_GTD,
    ),
    # Aid Worker Security Database (Humanitarian Outcomes): Region is the province
    "awsd": Preset(
        name="awsd",
        title="Aid Worker Security Database",
        detect=(
            ("incident_id", "total_killed", "means_of_attack"),
            ("year", "month", "day", "region", "total_killed"),
        ),
        columns={
            "event_id": ("incident_id",),
            "event_type": ("means_of_attack",),
            "actor": ("actor_name", "actor_type"),
            "fatalities": ("total_killed",),
            "injured": ("total_wounded",),
            "notes": ("details",),
            "source": ("source",),
            "latitude": ("latitude",),
            "longitude": ("longitude",),
            "stated_province": ("region",),
            "stated_district": ("district",),
            "stated_place": ("city",),
        },
        date_parts=("year", "month", "day"),
        citation=_AWSD,
    ),
    "generic": Preset(
        name="generic",
        title="generic",
        detect=(),
        columns={
            "event_id": ("event_id", "incident_id", "id", "eventid", "uid"),
            "date": ("date", "event_date", "incident_date", "day", "date_start", "datetime"),
            "event_type": ("event_type", "type", "attack_type", "category", "incident_type"),
            "actor": ("actor", "actor1", "perpetrator", "group", "claimed_by", "gname"),
            "actor2": ("actor2", "side_b", "target_actor"),
            "fatalities": ("fatalities", "killed", "deaths", "dead", "nkill", "total_killed"),
            "injured": ("injured", "wounded", "nwound", "total_wounded"),
            "notes": ("notes", "description", "summary", "details"),
            "source": ("source", "sources", "url"),
            "latitude": ("latitude", "lat", "y"),
            "longitude": ("longitude", "lon", "lng", "long", "x"),
            "stated_province": ("province", "admin1", "provstate", "state", "region", "adm1_name"),
            "stated_district": ("district", "admin2", "adm2_name"),
            "stated_place": ("place", "location", "city", "town", "village"),
        },
    ),
}

#: columns whose names say "coordinates" only weakly (checked before use)
WEAK_COORDINATE_KEYS = frozenset({"x", "y", "lat", "lon", "lng", "long"})


def detect_preset(columns: Iterable[str]) -> Preset:
    """Return the preset whose identifying columns are present.

    Parameters
    ----------
    columns : iterable of str
        The header of the input (compared after :func:`header_key`).

    Returns
    -------
    Preset
        The first preset with a complete detection set, else the generic one.
    """
    present = {header_key(c) for c in columns}
    for preset in PRESETS.values():
        if any(set(keys) <= present for keys in preset.detect):
            return preset
    return PRESETS["generic"]
