"""Layouts the publishers' codebooks allow and real exports show, not seen in our own files.

Each test generates the variants of one class (hypothesis) and checks them through the
library and the command line: every row in comes out, dated and placed as its file says.
"""

from __future__ import annotations

import itertools

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import incidentmap as im

SETTINGS = settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

#: an ACLED export as the codebook (2023) writes it: four events in four provinces
ACLED = pd.DataFrame(
    {
        "event_id_cnty": ["AFG1001", "AFG1002", "AFG1003", "AFG1004"],
        "event_date": ["2023-03-08", "2023-03-15", "2023-04-01", "2023-11-20"],
        "year": [2023] * 4,
        "time_precision": [1, 2, 1, 1],
        "disorder_type": ["Political violence"] * 4,
        "event_type": [
            "Violence against civilians",
            "Explosions/Remote violence",
            "Battles",
            "Explosions/Remote violence",
        ],
        "sub_event_type": [
            "Attack",
            "Suicide bomb",
            "Armed clash",
            "Remote explosive/landmine/IED",
        ],
        "actor1": ["Islamic State Khorasan Province (ISKP)"] * 2 + ["Taliban", "Unidentified"],
        "inter1": [2, 2, 1, 3],
        "country": ["Afghanistan"] * 4,
        "admin1": ["Nangarhar", "Balkh", "Panjshir", "Kabul"],
        "admin2": ["Jalalabad", "Mazar-e Sharif", "Rukha", "Kabul"],
        "location": ["Jalalabad", "Mazar-e Sharif", "Rukha", "Kabul"],
        "latitude": [34.4265, 36.7090, 35.2050, 34.5100],
        "longitude": [70.4515, 67.1109, 69.5020, 69.1200],
        "geo_precision": [1, 1, 3, 1],
        "source": ["Pajhwok", "Tolo News", "Twitter", "Hasht-e Subh"],
        "notes": ["An attack", "Suicide bomber", "Clash", "IED"],
        "fatalities": [2, 3, 0, 1],
    }
)
PROVINCES = ["Nangarhar", "Balkh", "Panjshir", "Kabul"]


def _notes_sheet(i: int) -> pd.DataFrame:
    return pd.DataFrame({"About": [f"ACLED export, part {i}", "Terms of use: see the site"]})


# ---------------------------------------------------------------------------------------------
# workbooks: a notes sheet first, an export split over sheets of the same columns


@SETTINGS
@given(
    notes_before=st.integers(0, 2),
    cuts=st.lists(st.integers(1, 3), max_size=2, unique=True).map(sorted),
    other_after=st.booleans(),
)
def test_a_workbook_reads_its_incident_sheets_whatever_comes_first(
    capsys, use_cache, tmp_path_factory, notes_before, cuts, other_after
):
    from tests.test_cli import run

    tmp = tmp_path_factory.mktemp("book")
    path = tmp / "acled.xlsx"
    bounds = [0, *cuts, len(ACLED)]
    with pd.ExcelWriter(path) as w:
        for i in range(notes_before):
            _notes_sheet(i).to_excel(w, sheet_name=f"About{i}", index=False)
        for a, b in itertools.pairwise(bounds):
            ACLED.iloc[a:b].to_excel(w, sheet_name=f"part {a}", index=False)
        if other_after:  # a summary of other columns: never read into the incidents
            pd.DataFrame({"admin1": PROVINCES, "events": [1, 1, 1, 1]}).to_excel(
                w, sheet_name="summary", index=False
            )
    g = im.read(path).frame
    assert list(g["event_id"]) == list(ACLED["event_id_cnty"])
    assert list(g["province"]) == PROVINCES
    assert list(g["row"]) == [1, 2, 3, 4]
    code, _, err = run(capsys, "geocode", path, "-o", tmp / "o.csv")
    assert code == 0, err
    assert "read: 4 rows" in err
    if len(cuts):
        assert f"{len(cuts) + 1} sheets have the same columns" in err and "--sheet" in err
    elif notes_before:
        assert "read sheet 'part 0'" in err
    assert len(pd.read_csv(tmp / "o.csv")) == 4
    # a sheet named on the command line is read alone
    code, _, err = run(capsys, "geocode", path, "-o", tmp / "o.csv", "--overwrite",
                       "--sheet", f"part {bounds[-2]}")  # fmt: skip
    assert code == 0, err
    last = bounds[-1] - bounds[-2]
    assert f"read: {last} row{'s' if last > 1 else ''} from" in err


# ---------------------------------------------------------------------------------------------
# ACLED's aggregated data: events per week (from a Saturday) and province, a count table

WEEKLY = pd.DataFrame(
    {
        "week": ["2023-03-04", "2023-03-04", "2023-03-11", "2023-04-29"],
        "region": ["Caucasus and Central Asia"] * 4,
        "country": ["Afghanistan"] * 4,
        "admin1": ["Nangarhar", "Kabul", "Balkh", "Kandahar"],
        "disorder_type": ["Political violence"] * 3 + ["Demonstrations"],
        "event_type": [
            "Violence against civilians", "Explosions/Remote violence", "Battles", "Protests"
        ],
        "sub_event_type": ["Attack", "Suicide bomb", "Armed clash", "Peaceful protest"],
        "events": [3, 1, 2, 5],
        "fatalities": [5, 20, 0, 0],
        "population_best": [120000, 900000, 50000, 1000],
        "centroid_longitude": [70.66, 69.17, 67.11, 65.7],
        "centroid_latitude": [34.28, 34.53, 36.7, 31.6],
    }
)  # fmt: skip


@SETTINGS
@given(
    upper=st.booleans(),
    excel=st.booleans(),
    older=st.booleans(),  # files before 2023: no disorder_type, no population_best
    space=st.booleans(),  # the page's own spelling: "admin 1"
)
def test_acled_aggregated_weeks_are_dated_and_counted(
    capsys, use_cache, tmp_path_factory, upper, excel, older, space
):
    from tests.test_cli import run

    t = WEEKLY.drop(columns=["disorder_type", "population_best"]) if older else WEEKLY.copy()
    if space:
        t = t.rename(columns={"admin1": "admin 1"})
    if upper:
        t.columns = [c.upper() for c in t.columns]
    tmp = tmp_path_factory.mktemp("weekly")
    path = tmp / ("weekly.xlsx" if excel else "weekly.csv")
    if excel:
        week = t.columns[0]
        t[week] = pd.to_datetime(t[week])  # Excel date cells
        t.to_excel(path, index=False)
    else:
        t.to_csv(path, index=False)
    loaded = im.read(path)
    g = loaded.frame
    assert list(g["date"]) == list(pd.to_datetime(WEEKLY["week"]))
    assert set(g["date_precision"]) == {"week"}
    assert list(g["province"]) == list(WEEKLY["admin1"])
    assert set(g["geocode_precision"]) == {"province"}  # a centroid is not a place
    events = "EVENTS" if upper else "events"
    code, _, err = run(capsys, "geocode", path, "-o", tmp / "o.csv")
    assert code == 0, err
    # a count table counts its events unless told (`--weight none`), said with the column
    assert "preset acled_weekly" in err and f"column {events!r} holds how many events" in err
    assert "--weight none" in err
    assert pd.read_csv(tmp / "o.csv")["date"].notna().all()
    code, _, err = run(capsys, "trends", path, "--weight", events)
    assert code == 0, err
    assert "11 incidents in 4 rows" in err


# ---------------------------------------------------------------------------------------------
# ACLED's geo_precision whatever carries the place: columns, a geometry, or names alone


@SETTINGS
@given(
    carrier=st.sampled_from(["geometry.gpkg", "geometry.geojson", "names.csv", "names.xlsx"]),
    upper=st.booleans(),
)
def test_acled_geo_precision_3_stays_a_province_whatever_the_carrier(
    capsys, use_cache, tmp_path_factory, carrier, upper
):
    import geopandas as gpd

    from tests.test_cli import run

    tmp = tmp_path_factory.mktemp("carrier")
    path = tmp / f"acled_{carrier}"
    t = ACLED.drop(columns=["latitude", "longitude"])
    if upper:
        t.columns = [c.upper() for c in t.columns]
    if carrier.startswith("geometry"):
        pts = gpd.points_from_xy(ACLED["longitude"], ACLED["latitude"])
        gpd.GeoDataFrame(t, geometry=pts, crs=4326).to_file(path)
    elif carrier.endswith(".csv"):
        t.to_csv(path, index=False)
    else:
        t.to_excel(path, index=False)
    g = im.read(path).frame
    # row 3 is geo_precision 3: ACLED knew only the province (Panjshir), never Rukha
    assert list(g["source_precision"]) == ["point", "point", "province", "point"]
    assert g["district"].iloc[2] is None or pd.isna(g["district"].iloc[2])
    assert g["geocode_precision"].iloc[2] == "province" and g["province"].iloc[2] == "Panjshir"
    code, _, err = run(capsys, "geocode", path, "-o", tmp / "o.csv")
    assert code == 0, err
    out = pd.read_csv(tmp / "o.csv")
    assert pd.isna(out["district"].iloc[2]) and out["geocode_precision"].iloc[2] == "province"


# ---------------------------------------------------------------------------------------------
# JSON as the publishers' APIs answer: the records inside an envelope


def _as_text(frame: pd.DataFrame) -> list[dict[str, str]]:
    """Records as ACLED's API writes them: every value a string."""
    return [{k: str(v) for k, v in r.items()} for r in frame.to_dict("records")]


def _esri(frame: pd.DataFrame, mercator: bool) -> dict:
    from pyproj import Transformer

    feats = []
    to = Transformer.from_crs(4326, 3857, always_xy=True)
    for r in frame.to_dict("records"):
        x, y = r["longitude"], r["latitude"]
        if mercator:
            x, y = to.transform(x, y)
        attrs = {k: v for k, v in r.items() if k not in ("latitude", "longitude")}
        feats.append({"attributes": attrs, "geometry": {"x": x, "y": y}})
    ref = {"wkid": 102100, "latestWkid": 3857} if mercator else {"wkid": 4326}
    return {"objectIdFieldName": "OBJECTID", "spatialReference": ref, "features": feats}


@SETTINGS
@given(
    envelope=st.sampled_from(["acled", "ucdp", "hapi", "esri", "esri_mercator", "list"]),
    extra=st.dictionaries(
        st.sampled_from(["messages", "filename", "last_update", "NextPageUrl"]),
        st.one_of(st.none(), st.text(max_size=5), st.integers(0, 9)),
        max_size=3,
    ),
)
def test_an_api_answer_saved_as_json_reads_its_records(
    capsys, use_cache, tmp_path_factory, envelope, extra
):
    import json

    from tests.test_cli import run

    rows = _as_text(ACLED)
    doc: object = {
        "acled": {"status": 200, "success": True, "count": 4, **extra, "data": rows},
        "ucdp": {"TotalCount": 4, "TotalPages": 1, **extra, "Result": rows},
        "hapi": {**extra, "data": rows},
        "esri": {**extra, **_esri(ACLED, False)},
        "esri_mercator": {**extra, **_esri(ACLED, True)},
        "list": rows,
    }[envelope]
    tmp = tmp_path_factory.mktemp("json")
    path = tmp / "answer.json"
    path.write_text(json.dumps(doc))
    g = im.read(path).frame
    assert list(g["event_id"]) == list(ACLED["event_id_cnty"])
    assert list(g["province"]) == PROVINCES
    assert list(g["source_precision"]) == ["point", "point", "province", "point"]
    code, _, err = run(capsys, "geocode", path, "-o", tmp / "o.csv")
    assert code == 0, err
    assert "read: 4 rows" in err


def test_one_page_of_an_api_answer_is_said_and_an_error_answer_refused(capsys, use_cache, tmp_path):
    import json

    from tests.test_cli import run

    page = {"TotalCount": 9000, "TotalPages": 9, "Result": _as_text(ACLED)}
    path = tmp_path / "page.json"
    path.write_text(json.dumps(page))
    code, _, err = run(capsys, "geocode", path, "-o", tmp_path / "o.csv")
    assert code == 0, err
    assert "holds 4 of the 9,000 rows the API's answer counts (one page of 9)" in err
    bad = {"status": 200, "success": False, "error": {"status": 403, "message": "Access denied"}}
    path.write_text(json.dumps(bad))
    code, _, err = run(capsys, "geocode", path, "-o", tmp_path / "o2.csv")
    assert code == 1
    assert err.strip().endswith("an API's error answer, not data: Access denied")
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    with pytest.raises(im.InputFileError, match="Access denied"):
        im.read(path)


# ---------------------------------------------------------------------------------------------
# a spreadsheet's totals row under the incidents


@SETTINGS
@given(
    label=st.sampled_from(["Total", "TOTAL", "Grand Total", "Totals:", "Sum", "Gesamt"]),
    where=st.sampled_from(["event_id_cnty", "event_type", "notes"]),
    excel=st.booleans(),
    blank_after=st.booleans(),
)
def test_a_totals_row_is_not_an_incident(
    capsys, use_cache, tmp_path_factory, label, where, excel, blank_after
):
    from tests.test_cli import run

    t = ACLED.astype(object)
    total = dict.fromkeys(t.columns, None) | {where: label, "fatalities": 6}
    t = pd.concat([t, pd.DataFrame([total])], ignore_index=True)
    if blank_after:  # the sum also under a column no date or place depends on
        t.loc[len(t) - 1, "inter1"] = 8
    tmp = tmp_path_factory.mktemp("totals")
    path = tmp / ("t.xlsx" if excel else "t.csv")
    t.to_excel(path, index=False) if excel else t.to_csv(path, index=False)
    g = im.read(path).frame
    assert len(g) == 4 and g["fatalities"].sum() == 6
    code, _, err = run(capsys, "geocode", path, "-o", tmp / "o.csv")
    assert code == 0, err
    assert "row 5 adds up the rows above" in err and "(the sum of the rows above)" in err
    assert "read: 4 rows" in err and "unplaced: 0" in err
    # an incident whose text says "Total" but which has a date is an incident
    t.loc[len(t) - 1, "event_date"] = "2023-12-01"
    t.to_excel(path, index=False) if excel else t.to_csv(path, index=False)
    assert len(im.read(path).frame) == 5


# ---------------------------------------------------------------------------------------------
# a publisher's export with its roles renamed the common way (lat/lon, date, province)

_RENAMES = {
    "latitude": ["lat", "Lat", "LATITUDE", "y"],
    "longitude": ["lon", "lng", "Long", "x"],
    "event_date": ["date", "Date", "event_date"],
    "admin1": ["province", "Province", "admin1"],
    "admin2": ["district", "admin2"],
}


def _week_starts() -> list[pd.Timestamp]:
    """ACLED's dates as read: a week (time_precision 2) dated by its middle day starts 3 before."""
    days = pd.to_datetime(ACLED["event_date"])
    return list(days - pd.to_timedelta((ACLED["time_precision"] == 2) * 3, unit="D"))


@SETTINGS
@given(names=st.fixed_dictionaries({k: st.sampled_from(v) for k, v in _RENAMES.items()}))
def test_a_renamed_export_keeps_its_points_dates_and_names(
    capsys, use_cache, tmp_path_factory, names
):
    from tests.test_cli import run

    t = ACLED.rename(columns=names)
    tmp = tmp_path_factory.mktemp("renamed")
    path = tmp / "renamed.csv"
    t.to_csv(path, index=False)
    g = im.read(path).frame
    assert list(g["latitude"]) == list(ACLED["latitude"])  # the points, never dropped
    assert list(g["date"]) == _week_starts()  # a week dated by its middle: from 3 days before
    assert list(g["date_precision"]) == ["day", "week", "day", "day"]  # never the year alone
    assert list(g["stated_province"]) == PROVINCES
    assert list(g["geocode_method"]) == ["point"] * 4
    code, _, err = run(capsys, "geocode", path, "-o", tmp / "o.csv")
    assert code == 0, err
    assert "placed by point: 4" in err and "preset acled)" in err


def test_a_world_region_is_never_taken_for_a_province(use_cache, tmp_path):
    # UCDP's and ACLED's "region" is a world region: a file without adm_1/admin1 states none
    t = ACLED.drop(columns=["admin1", "admin2", "location"]).assign(region="South Asia")
    t.to_csv(tmp_path / "r.csv", index=False)
    g = im.read(tmp_path / "r.csv").frame
    assert g["stated_province"].isna().all() and list(g["province"]) == PROVINCES


# ---------------------------------------------------------------------------------------------
# a title above the header (dashboard and spreadsheet exports)


@SETTINGS
@given(
    title=st.text(st.characters(codec="ascii", categories=["L", "Nd", "Zs"]), min_size=1,
                  max_size=30).filter(str.strip),
    blanks=st.integers(0, 2),
    kind=st.sampled_from(["csv", "csv_padded", "csv_semicolon", "xlsx"]),
    blocks=st.booleans(),
)  # fmt: skip
def test_a_title_above_the_header_is_left_out_and_said(
    capsys, use_cache, tmp_path_factory, title, blanks, kind, blocks
):
    from tests.test_cli import run

    tmp = tmp_path_factory.mktemp("title")
    width = len(ACLED.columns)
    if kind == "xlsx":
        path = tmp / "t.xlsx"
        with pd.ExcelWriter(path) as w:
            ACLED.to_excel(w, sheet_name="data", index=False, startrow=1 + blanks)
            w.sheets["data"]["A1"] = title
    else:
        sep = ";" if kind == "csv_semicolon" else ","
        pad = sep * (width - 1) if kind == "csv_padded" else ""
        path = tmp / "t.csv"
        body = ACLED.to_csv(index=False, sep=sep)
        path.write_text(f"{title}{pad}\n" + f"{pad}\n" * blanks + body)
    g = im.read(path).frame
    assert list(g["event_id"]) == list(ACLED["event_id_cnty"])
    assert list(g["geocode_method"]) == ["point"] * 4
    out = tmp / ("o.parquet" if blocks else "o.csv")
    args = ["--block-mb", "0.001"] if blocks else []
    code, _, err = run(capsys, "geocode", path, "-o", out, *args)
    assert code == 0, err
    assert "above the header left out (title" in err and "read: 4 rows" in err
    assert len(pd.read_parquet(out) if blocks else pd.read_csv(out)) == 4


# ---------------------------------------------------------------------------------------------
# coordinates 0, 0: a blank a tool filled with zeros


@SETTINGS
@given(
    zeros=st.sets(st.integers(0, 3), min_size=1, max_size=2),
    carrier=st.sampled_from(["columns.csv", "text.csv", "geometry.geojson"]),
    names=st.booleans(),
)
def test_coordinates_0_0_are_no_point_and_the_names_place_the_row(
    capsys, use_cache, tmp_path_factory, zeros, carrier, names
):
    import geopandas as gpd

    from tests.test_cli import run

    t = ACLED.copy()
    lat, lon = t["latitude"].astype(object), t["longitude"].astype(object)
    for i in zeros:
        lat[i], lon[i] = ("0", "0.0") if carrier == "text.csv" else (0, 0)
    t["latitude"], t["longitude"] = lat, lon
    if not names:
        t = t.drop(columns=["admin1", "admin2", "location"])
    tmp = tmp_path_factory.mktemp("zeros")
    path = tmp / f"z_{carrier}"
    if carrier.startswith("geometry"):
        pts = gpd.points_from_xy(t["longitude"].astype(float), t["latitude"].astype(float))
        gpd.GeoDataFrame(t.drop(columns=["latitude", "longitude"]), geometry=pts, crs=4326).to_file(
            path
        )
    else:
        t.to_csv(path, index=False)
    g = im.read(path).frame
    rows = sorted(zeros)
    assert g["latitude"].iloc[rows].isna().all()
    assert all("0, 0" in g["input_note"].iloc[i] for i in rows)
    if names:  # placed by the names, in the province the row states
        assert list(g["province"].iloc[rows]) == [PROVINCES[i] for i in rows]
    else:
        assert set(g["geocode_method"].iloc[rows]) == {"unplaced"}
        assert all("no location" in g["geocode_note"].iloc[i] for i in rows)
    code, _, err = run(capsys, "geocode", path, "-o", tmp / "o.csv")
    assert code == 0, err
    assert f"{len(zeros)} row{'s' if len(zeros) > 1 else ''} at 0, 0" in err


# ---------------------------------------------------------------------------------------------
# points as WKT text (UCDP GED's geom_wkt, QGIS's WKT) in a table without coordinates


@SETTINGS
@given(
    column=st.sampled_from(["geom_wkt", "WKT", "geometry"]),
    form=st.sampled_from(["POINT ({x} {y})", "POINT({x} {y})", "point ({x} {y})",
                          "POINT Z ({x} {y} 0)"]),
    excel=st.booleans(),
    blank=st.booleans(),
)  # fmt: skip
def test_wkt_points_place_a_table_without_coordinate_columns(
    capsys, use_cache, tmp_path_factory, column, form, excel, blank
):
    from tests.test_cli import run

    t = ACLED.drop(columns=["latitude", "longitude"])
    xy = zip(ACLED["longitude"], ACLED["latitude"], strict=True)
    wkt = [form.format(x=x, y=y) for x, y in xy]
    if blank:  # a row without a point is placed by its names
        wkt[1] = ""
    t[column] = wkt
    tmp = tmp_path_factory.mktemp("wkt")
    path = tmp / ("w.xlsx" if excel else "w.csv")
    t.to_excel(path, index=False) if excel else t.to_csv(path, index=False)
    g = im.read(path).frame
    want = ["point", "place_name" if blank else "point", "point", "point"]
    assert list(g["geocode_method"]) == want
    assert list(g["province"]) == PROVINCES
    assert g["geocode_precision"].iloc[2] == "province"  # geo_precision 3 still rules
    code, _, err = run(capsys, "geocode", path, "-o", tmp / "o.csv")
    assert code == 0, err
    assert f"placed by the WKT points of {column!r}" in err
    assert f"placed by point: {3 if blank else 4}" in err


def test_a_column_named_geometry_that_is_not_wkt_is_text(use_cache, tmp_path):
    t = ACLED.drop(columns=["latitude", "longitude"]).assign(geometry="Point")
    t.to_csv(tmp_path / "g.csv", index=False)
    loaded = im.read(tmp_path / "g.csv")
    g = loaded.frame
    assert set(g["geocode_method"]) <= {"place_name", "district_name", "province_name"}
    assert any("is not WKT points in every row" in n.text for n in loaded.report.notes)


# ---------------------------------------------------------------------------------------------
# a table of months: a year column and a month column (HDX's ACLED counts by province)

_MONTH_FORMS = [
    lambda m: m,
    lambda m: f"{m}.0",
    lambda m: pd.Timestamp(2023, m, 1).strftime("%B"),
    lambda m: pd.Timestamp(2023, m, 1).strftime("%b").upper(),
]


@SETTINGS
@given(
    months=st.lists(st.integers(0, 12), min_size=3, max_size=3),
    form=st.integers(0, len(_MONTH_FORMS) - 1),
    hxl=st.booleans(),
    excel=st.booleans(),
)
def test_a_year_and_month_table_is_dated_to_its_months(
    capsys, use_cache, tmp_path_factory, months, form, hxl, excel
):
    from tests.test_cli import run

    shown = [_MONTH_FORMS[form](m) if m else "" for m in months]
    t = pd.DataFrame(
        {
            "Country": ["Afghanistan"] * 3,
            "Admin1": ["Nangarhar", "Kabul", "Balkh"],
            "Month": shown,
            "Year": [2022, 2023, 2023],
            "Events": [5, 2, 1],
            "Fatalities": [10, 0, 3],
        }
    ).astype(object)
    if hxl:
        tags = ["#country+name", "#adm1+name", "#date+month", "#date+year",
                "#indicator+events+value+num", "#indicator+fatalities+value+num"]  # fmt: skip
        t = pd.concat([pd.DataFrame([dict(zip(t.columns, tags, strict=True))]), t])
    tmp = tmp_path_factory.mktemp("months")
    path = tmp / ("m.xlsx" if excel else "m.csv")
    t.to_excel(path, index=False) if excel else t.to_csv(path, index=False)
    g = im.read(path).frame
    years = [2022, 2023, 2023]
    want = [pd.Timestamp(y, m or 1, 1) for y, m in zip(years, months, strict=True)]
    assert list(g["date"]) == want
    assert list(g["date_precision"]) == ["month" if m else "year" for m in months]
    code, _, err = run(capsys, "geocode", path, "-o", tmp / "o.csv")
    assert code == 0, err
    assert "date_parts <- 'Year, Month'" in err


def test_a_month_that_is_no_month_is_refused_by_row_and_column(capsys, use_cache, tmp_path):
    from tests.test_cli import run

    path = tmp_path / "m.csv"
    path.write_text("Admin1,Month,Year\nKabul,January,2023\nBalkh,Jamuary,2023\n")
    code, _, err = run(capsys, "geocode", path, "-o", tmp_path / "o.csv")
    assert code == 1 and len(err.strip().splitlines()) == 1
    assert "m.csv, row 2, column 'Month': expected a month (1-12, or its name" in err
    assert "'Jamuary'" in err


# ---------------------------------------------------------------------------------------------
# Stata .dta: UCDP's own distribution format

UCDP = pd.DataFrame(
    {
        "id": [244655, 244656, 244657],
        "relid": ["AFG-2017-1-1", "AFG-2017-1-2", "AFG-2017-1-3"],
        "year": [2017, 2017, 2017],
        "type_of_violence": [1, 3, 1],
        "side_a": ["Government of Afghanistan", "IS", "Government of Afghanistan"],
        "side_b": ["Taleban", "Civilians", "Taleban"],
        "where_prec": [1, 4, 3],
        "adm_1": ["Nangarhar province", "Kunar province", "Nangarhar province"],
        "adm_2": ["Jalalabad district", "", "Achin district"],
        "latitude": [34.42647, 34.85, 34.13],
        "longitude": [70.45153, 71.1, 70.7],
        "date_prec": [1, 4, 1],
        "date_start": ["2017-03-15", "2017-04-01", "2017-12-03"],
        "date_end": ["2017-03-15", "2017-04-30", "2017-12-03"],
        "best": [5, 2, 4],
    }
)


@SETTINGS
@given(stata_dates=st.booleans(), labels=st.booleans())
def test_a_stata_file_reads_as_its_csv(capsys, use_cache, tmp_path_factory, stata_dates, labels):
    from tests.test_cli import run

    tmp = tmp_path_factory.mktemp("dta")
    t = UCDP.copy()
    if stata_dates:
        t["date_start"], t["date_end"] = (
            pd.to_datetime(t["date_start"]),
            pd.to_datetime(t["date_end"]),
        )
    labelled = {"type_of_violence": {1: "state-based", 2: "non-state", 3: "one-sided"}}
    t.to_stata(tmp / "ged.dta", write_index=False, value_labels=labelled if labels else None)
    UCDP.to_csv(tmp / "ged.csv", index=False)
    a, b = im.read(tmp / "ged.dta").frame, im.read(tmp / "ged.csv").frame
    for col in ("date", "date_precision", "event_type", "fatalities", "province", "district",
                "geocode_precision", "actor1_group", "category"):  # fmt: skip
        assert list(a[col].astype(str)) == list(b[col].astype(str)), col
    code, _, err = run(capsys, "geocode", tmp / "ged.dta", "-o", tmp / "o.csv")
    assert code == 0, err
    assert "read: 3 rows" in err and "preset ucdp" in err


# ---------------------------------------------------------------------------------------------
# blank rows between the incidents (a workbook's spacer rows, ",,,," lines, {} records)


@SETTINGS
@given(
    at=st.sets(st.integers(0, 4), min_size=1, max_size=3),
    kind=st.sampled_from(["xlsx", "csv", "json"]),
)
def test_blank_rows_are_no_incidents(capsys, use_cache, tmp_path_factory, at, kind):
    import json

    from tests.test_cli import run

    rows: list[dict] = ACLED.to_dict("records")
    for i in sorted(at, reverse=True):
        rows.insert(i, dict.fromkeys(ACLED.columns))
    t = pd.DataFrame(rows, columns=ACLED.columns)
    tmp = tmp_path_factory.mktemp("blank")
    path = tmp / f"b.{kind}"
    if kind == "xlsx":
        t.to_excel(path, index=False)
    elif kind == "csv":
        t.to_csv(path, index=False)
    else:
        path.write_text(json.dumps([{k: v for k, v in r.items() if v is not None} for r in rows]))
    g = im.read(path).frame
    assert list(g["event_id"]) == list(ACLED["event_id_cnty"])
    assert list(g["row"]) == [1, 2, 3, 4]  # numbered as a CSV reader numbers them
    code, _, err = run(capsys, "geocode", path, "-o", tmp / "o.csv")
    assert code == 0, err
    assert "read: 4 rows" in err and "unplaced: 0" in err


def test_a_formula_after_a_blank_row_is_said_on_its_own_row(capsys, use_cache, tmp_path):
    from openpyxl import Workbook

    from tests.test_cli import run

    book = Workbook()
    sheet = book.active
    sheet.append(list(ACLED.columns))
    for i, r in enumerate(ACLED.itertuples(index=False)):
        if i == 2:
            sheet.append([None] * len(ACLED.columns))  # a spacer row
        sheet.append(list(r))
    sheet.cell(row=sheet.max_row, column=list(ACLED.columns).index("fatalities") + 1, value="=1+1")
    book.save(tmp_path / "f.xlsx")
    code, _, err = run(capsys, "geocode", tmp_path / "f.xlsx", "-o", tmp_path / "o.csv")
    assert code == 1
    assert "row 4, column 'fatalities'" in err and "formula without a cached value" in err


@SETTINGS
@given(mercator=st.booleans(), nulls=st.booleans())
def test_esri_json_dates_in_milliseconds_are_dates(
    capsys, use_cache, tmp_path_factory, mercator, nulls
):
    import json

    from tests.test_cli import run

    doc = _esri(ACLED, mercator)
    ms = (pd.to_datetime(ACLED["event_date"]) - pd.Timestamp(1970, 1, 1)) // pd.Timedelta("1ms")
    for f, v in zip(doc["features"], ms, strict=True):
        f["attributes"]["event_date"] = int(v)
    if nulls:
        doc["features"][1]["attributes"]["event_date"] = None
    doc["fields"] = [{"name": "event_date", "type": "esriFieldTypeDate", "length": 8},
                     {"name": "event_id_cnty", "type": "esriFieldTypeString"}]  # fmt: skip
    tmp = tmp_path_factory.mktemp("esri")
    path = tmp / "query.json"
    path.write_text(json.dumps(doc))
    g = im.read(path).frame
    want = _week_starts()
    if nulls:  # a blank date beside its year is dated to the year (sweep 38)
        want[1] = pd.Timestamp(int(ACLED["year"].iloc[1]), 1, 1) if "year" in ACLED else pd.NaT
    assert [d if pd.notna(d) else pd.NaT for d in g["date"]] == want
    code, _, err = run(capsys, "geocode", path, "-o", tmp / "o.csv")
    assert code == 0, err
