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
    "layout_lines",
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
    "target",
)

#: field names GIS formats keep for themselves: GDAL's FID and geometry columns, and the
#: placemark fields of KML (LIBKML reads a column "id" or "begin" as its own, not as data)
RESERVED_NAMES = (
    "fid", "ogc_fid", "objectid", "geom", "geometry", "the_geom", "wkt", "shape",
    "id", "name", "description", "timestamp", "begin", "end", "altitudemode", "tessellate",
    "extrude", "visibility", "draworder", "icon",
)  # fmt: skip


def header_key(name: object) -> str:
    """Fold a header name for matching: ``"Total killed"`` -> ``"total_killed"``.

    Case and runs of punctuation or spaces fold to one ``_``; a separator between a letter
    and a digit is dropped, so ``"Admin 1"``, ``"ADMIN_1"`` and ``"admin1"`` are one key
    (``"admin1"``), as are ``"Actor 1"`` and ``"actor1"``.
    """
    key = re.sub(r"[^0-9a-z]+", "_", str(name).strip().lstrip("\ufeff").casefold()).strip("_")
    return re.sub(r"(?<=[a-z])_(?=[0-9])", "", key)


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
    week_middle : bool
        A date its precision code dates to a week is that week's middle day (ACLED's
        ``time_precision`` 2: acledR's time vignette); read as the week from 3 days before.
    date_period : str, optional
        The span every row's date stands for (``week``: ACLED's aggregated data count the
        events of the week starting on the row's Saturday); the precision is never finer.
    citation : str
        The credit the publisher asks for, shown on every map of the data.
    evidence : tuple of str
        Header keys of the publisher's codebook that other layouts do not use; a file
        with :data:`MIN_EVIDENCE` of them is read with this preset (the most wins).
    codebook : str
        The codebook version the preset follows.
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
    week_middle: bool = False
    date_period: str | None = None
    citation: str = ""
    evidence: tuple[str, ...] = ()
    codebook: str = ""

    def __post_init__(self) -> None:
        """Fold every header name the preset lists as :func:`header_key` folds a header."""

        def fold(keys: Iterable[str]) -> tuple[str, ...]:
            return tuple(dict.fromkeys(header_key(k) for k in keys))

        fields = {
            "detect": tuple(fold(k) for k in self.detect),
            "columns": {role: fold(keys) for role, keys in self.columns.items()},
            "fatalities_parts": fold(self.fatalities_parts),
            "evidence": fold(self.evidence),
        }
        if self.date_parts is not None:
            fields["date_parts"] = tuple(header_key(k) for k in self.date_parts)
        if self.date_end is not None:
            fields["date_end"] = header_key(self.date_end)
        for name, value in fields.items():
            object.__setattr__(self, name, value)


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


# The publishers' codes, named by the column that carries them: a precision column is read
# with its publisher's codes whatever preset the file is read with (an ACLED-like extract
# without admin1 still has ACLED's geo_precision).
#: ACLED codebook (2023, 2024): geo_precision 1 the place itself, 2 near a town or a small part
#: of a region (a town stands for it), 3 only the province (its capital stands for it)
ACLED_GEO_PRECISION = {"1": "point", "2": "point", "3": "province"}
#: ACLED time_precision: 1 the day is known, 2 the week, 3 the month
ACLED_TIME_PRECISION = {"1": "day", "2": "week", "3": "month"}
#: UCDP GED codebook 24.1: where_prec 1 exact, 2 within 25 km, 3 second-order unit, 4
#: first-order unit, 5 between first-order units, 6 country, 7 international waters/airspace
UCDP_WHERE_PREC = {
    "1": "point", "2": "point", "3": "district", "4": "province", "5": "province",
    "6": "country", "7": "country",
}  # fmt: skip
#: UCDP date_prec: 1 the day, 2 a range of 2-6 days, 3 the week, 4 the month, 5 longer in a year
UCDP_DATE_PREC = {"1": "day", "2": "week", "3": "week", "4": "month", "5": "year"}
#: GTD codebook (June 2021): specificity 1 the city itself, 2 the centroid of the smallest
#: unit the city is in, 3 not in a city (smallest unit's centroid), 4 only the first-order
#: unit (province), 5 no first-order unit known
GTD_SPECIFICITY = {"1": "point", "2": "district", "3": "district", "4": "province", "5": "country"}
#: GTD attacktype1..3 codes (codebook section "Attack type")
GTD_ATTACK_TYPES = {
    "1": "Assassination", "2": "Armed Assault", "3": "Bombing/Explosion", "4": "Hijacking",
    "5": "Hostage Taking (Barricade Incident)", "6": "Hostage Taking (Kidnapping)",
    "7": "Facility/Infrastructure Attack", "8": "Unarmed Assault", "9": "Unknown",
}  # fmt: skip
#: precision columns (header keys) to their codes, for every preset
PRECISION_COLUMNS: dict[str, dict[str, str]] = {
    "geo_precision": ACLED_GEO_PRECISION,
    "where_prec": UCDP_WHERE_PREC,
    "specificity": GTD_SPECIFICITY,
}
DATE_PRECISION_COLUMNS: dict[str, dict[str, str]] = {
    "time_precision": ACLED_TIME_PRECISION,
    "date_prec": UCDP_DATE_PREC,
}
#: a year alone, when a file has no date (UCDP's table without date_start): dated to the year
YEAR_COLUMNS = ("year", "iyear", "active_year")

#: the columns of each publisher's codebook that other layouts do not use (header keys): a
#: file is recognised by how many of them it has, not by an exact list
_ACLED_EVIDENCE = (
    "event_id_cnty", "event_id_no_cnty", "event_date", "time_precision", "disorder_type",
    "event_type", "sub_event_type", "sub_type", "actor1", "assoc_actor_1", "ally_actor_1",
    "inter1", "actor2", "assoc_actor_2", "ally_actor_2", "inter2", "interaction",
    "civilian_targeting", "iso", "admin1", "admin2", "admin3", "geo_precision", "source_scale",
    "gwno", "iso3", "data_id",
)  # fmt: skip
_UCDP_EVIDENCE = (
    "relid", "active_year", "code_status", "type_of_violence", "type_of_vi", "conflict_dset_id",
    "conflict_new_id", "conflict_name", "dyad_dset_id", "dyad_new_id", "dyad_name",
    "side_a_dset_id", "side_a_new_id", "side_a", "side_b_dset_id", "side_b_new_id", "side_b",
    "number_of_sources", "source_article", "source_office", "source_headline", "source_original",
    "where_prec", "where_coordinates", "where_description", "adm_1", "adm_2", "priogrid_gid",
    "event_clarity", "date_prec", "date_start", "date_end", "deaths_a", "deaths_b",
    "deaths_civilians", "deaths_unknown", "best", "high", "low", "gwnoa", "gwnob",
)  # fmt: skip
_GTD_EVIDENCE = (
    "eventid", "iyear", "imonth", "iday", "approxdate", "extended", "resolution", "country_txt",
    "region_txt", "provstate", "specificity", "vicinity", "crit1", "crit2", "crit3", "doubtterr",
    "alternative", "multiple", "success", "suicide", "attacktype1", "attacktype1_txt",
    "targtype1", "targtype1_txt", "targsubtype1", "corp1", "target1", "natlty1", "gname",
    "gsubname", "guncertain1", "nperps", "nperpcap", "claimed", "claimmode", "weaptype1",
    "weaptype1_txt", "nkill", "nkillus", "nkillter", "nwound", "property", "ishostkid",
    "dbsource", "int_log", "gtd_id", "perpetrator_1", "guncertain_1", "target_type_1",
    "attack_type_1", "weapon_type_1",
)  # fmt: skip
_AWSD_EVIDENCE = (
    "incident_id", "total_killed", "total_wounded", "total_kidnapped", "total_affected",
    "means_of_attack", "attack_context", "int_ngo", "nngo", "icrc", "nrcs_and_ifrc",
    "gender_male", "gender_female", "gender_unknown", "nationals_killed",
    "internationals_killed", "nationals_wounded", "internationals_wounded", "actor_type",
    "actor_name", "verified",
)  # fmt: skip
#: ACLED's aggregated data (weekly, by first-level area): "How to use ACLED's Aggregated Data"
_ACLED_WEEKLY_EVIDENCE = (
    "week", "events", "population_best", "centroid_longitude", "centroid_latitude",
    "admin1", "admin_1", "disorder_type", "event_type", "sub_event_type",
)  # fmt: skip
#: how many evidence columns recognise a layout
MIN_EVIDENCE = 3

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
            "event_id": ("event_id_cnty", "data_id", "event_id_no_cnty", "event_id"),
            "date": ("event_date",),
            "date_precision": ("time_precision",),
            "event_type": ("event_type", "type"),
            "actor": ("actor1", "actor_1"),
            "actor2": ("actor2", "actor_2"),
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
        date_precision_codes=ACLED_TIME_PRECISION,
        week_middle=True,
        precision_codes=ACLED_GEO_PRECISION,
        citation=_ACLED,
        evidence=_ACLED_EVIDENCE,
        codebook="ACLED Codebook 2023 (also the pre-2019 upper-case export and R's renamings)",
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
            "source_precision": ("geo_precision",),
        },
        date_precision_codes=ACLED_TIME_PRECISION,
        week_middle=True,
        precision_codes=ACLED_GEO_PRECISION,
        citation=_ACLED,
        evidence=(*_ACLED_EVIDENCE, "adm1_name", "admin1_name", "conflict_fatalities"),
        codebook="ACLED Codebook 2023 (province-level extracts)",
    ),
    # ACLED's aggregated data: events and fatalities per week (starting on a Saturday),
    # first-level area and sub-event type, with the area's centroid (never a place)
    "acled_weekly": Preset(
        name="acled_weekly",
        title="ACLED aggregated data (events per week and province)",
        detect=(("week", "admin1", "events"), ("week", "admin_1", "events")),
        columns={
            "date": ("week",),
            "event_type": ("event_type",),
            "fatalities": ("fatalities",),
            "stated_province": ("admin1", "admin_1"),
        },
        date_period="week",
        citation=_ACLED,
        evidence=_ACLED_WEEKLY_EVIDENCE,
        codebook="ACLED aggregated data (weekly: week, admin1, events, fatalities, centroids)",
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
        date_precision_codes=UCDP_DATE_PREC,
        fatalities_parts=("deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown"),
        precision_codes=UCDP_WHERE_PREC,
        event_type_codes={
            "1": "state-based conflict",
            "2": "non-state conflict",
            "3": "one-sided violence",
        },
        citation=_UCDP,
        evidence=_UCDP_EVIDENCE,
        codebook="UCDP GED Codebook 24.1 (also tables without date_start: dated to the year)",
    ),
    # Global Terrorism Database: the published codebook layout, and the R export with dots
    "gtd": Preset(
        name="gtd",
        title="Global Terrorism Database",
        detect=(("iyear", "imonth", "iday"), ("eventid", "gname"), ("gtd_id",)),
        columns={
            "event_id": ("eventid", "gtd_id"),
            "date": ("date",),
            "event_type": ("attacktype1_txt", "attack_type_1", "attacktype1"),
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
        precision_codes=GTD_SPECIFICITY,
        event_type_codes=GTD_ATTACK_TYPES,
        citation=_GTD,
        evidence=_GTD_EVIDENCE,
        codebook="GTD Codebook (START, June 2021): numeric codes, fractional nkill/nwound",
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
        evidence=_AWSD_EVIDENCE,
        codebook="AWSD data dictionary (Humanitarian Outcomes, 2024; also HDX's HXL-tagged copy)",
    ),
    "generic": Preset(
        name="generic",
        title="generic",
        detect=(),
        columns={
            "event_id": ("event_id", "incident_id", "id", "eventid", "uid"),
            "date": ("date", "event_date", "incident_date", "day", "date_start", "datetime"),
            "event_type": ("event_type", "type", "attack_type", "category", "incident_type"),
            "actor": (
                "actor",
                "actor1",
                "actor_1",
                "perpetrator",
                "perpetrator_1",
                "group",
                "claimed_by",
                "gname",
                "side_a",
            ),
            "actor2": ("actor2", "actor_2", "side_b", "target_actor"),
            "fatalities": ("fatalities", "killed", "deaths", "dead", "nkill", "total_killed"),
            "injured": ("injured", "wounded", "nwound", "total_wounded"),
            "notes": ("notes", "description", "summary", "details"),
            "source": ("source", "sources", "url"),
            "latitude": ("latitude", "lat", "y", "point_y"),  # ArcGIS's Add XY: POINT_X/_Y
            "longitude": ("longitude", "lon", "lng", "long", "x", "point_x"),
            "stated_province": (
                "province",
                "admin1",
                "provstate",
                "state",
                "region",
                "adm1_name",
                "admin1_name",
                "adm1_en",
            ),
            "stated_district": ("district", "admin2", "adm2_name", "admin2_name", "adm2_en"),
            "stated_place": ("place", "location", "city", "town", "village"),
            "source_precision": tuple(PRECISION_COLUMNS),
            "date_precision": tuple(DATE_PRECISION_COLUMNS),
        },
    ),
}

#: columns whose names say "coordinates" only weakly (checked before use)
WEAK_COORDINATE_KEYS = frozenset({"x", "y", "lat", "lon", "lng", "long", "point_x", "point_y"})


def layout_lines(preset: str, mapping: dict[str, str], columns: Iterable[str]) -> list[str]:
    """Say which layout a file was read as and why, and which column fed which role.

    Parameters
    ----------
    preset : str
        The preset's name.
    mapping : dict of str to str
        Role -> column (``attrs["columns"]`` of a read file).
    columns : iterable of str
        The file's header.

    Returns
    -------
    list of str
        ``layout: ...`` and ``columns: ...`` lines for the CLI.
    """
    p = PRESETS.get(preset, PRESETS["generic"])
    present = {header_key(c) for c in columns}
    found = [k for k in p.evidence if k in present]
    why = (
        f"recognised by {len(found)} of its codebook's columns ({', '.join(found[:6])}"
        + (", ..." if len(found) > 6 else "")
        + ")"
        if found
        else "no publisher's layout recognised"
    )
    book = f", {p.codebook}" if p.codebook else ""
    roles = ", ".join(f"{role} <- {col!r}" for role, col in mapping.items())
    return [f"layout: {p.title} (preset {p.name}{book}); {why}", f"columns: {roles or 'none'}"]


def _coordinate_names(present: set[str]) -> bool:
    """Tell whether header keys name a latitude and a longitude (``lat``/``lon`` too)."""
    generic = PRESETS["generic"].columns
    return all(present & set(generic[r]) for r in ("latitude", "longitude"))


def detect_preset(columns: Iterable[str], *, points: bool = False) -> Preset:
    """Return the preset whose identifying columns are present.

    Parameters
    ----------
    columns : iterable of str
        The header of the input (compared after :func:`header_key`).
    points : bool, default False
        The rows carry a geometry (a GIS file): coordinates, whatever the columns.

    Returns
    -------
    Preset
        The preset with the most of its codebook's own columns (:attr:`Preset.evidence`),
        at least :data:`MIN_EVIDENCE`; else the first with a complete detection set; else
        the generic one. ACLED's layouts are told apart by coordinates.
    """
    present = {header_key(c) for c in columns}
    scores = [(len(present.intersection(p.evidence)), p) for p in PRESETS.values()]
    best, preset = max(scores, key=lambda t: t[0])  # the first of equals: the listed order
    if best < MIN_EVIDENCE:
        preset = next(
            (p for p in PRESETS.values() if any(set(k) <= present for k in p.detect)),
            PRESETS["generic"],
        )
    if preset.name in ("acled", "acled_admin1"):  # with coordinates, or by province without
        coords = points or _coordinate_names(present)
        preset = PRESETS["acled" if coords else "acled_admin1"]
    return preset
