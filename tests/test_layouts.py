"""Publishers' layouts and their derivatives, generated from the codebooks (issue 19).

Each case is a codebook's columns with values the codebook allows; hypothesis varies what
exports and derivatives vary: header case and separators, column order, which optional
columns are there, numeric codes instead of labels, fractional tolls, HXL hashtag rows.
No file here is a copy of a real one.
"""

from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import incidentmap as im
from incidentmap.aggregate import weighted
from incidentmap.geocode import geocode as geocode_frame
from incidentmap.io.incidents import read_incidents_facts
from incidentmap.schema import detect_preset

SETTINGS = settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

_CASE = st.sampled_from(["lower", "upper", "title", "as is"])
_SEP = st.sampled_from(["_", ".", " "])


def _style(name: str, case: str, sep: str) -> str:
    name = name.replace("_", sep)
    return {"lower": name.lower(), "upper": name.upper(), "title": name.title()}.get(case, name)


def _write(path, columns: dict[str, list], case: str, sep: str, order: list[int], hxl=None):
    names = list(columns)
    cols = [names[i] for i in order]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([_style(c, case, sep) for c in cols])
    if hxl:
        w.writerow([hxl.get(c, "") for c in cols])
    for r in range(len(columns[names[0]])):
        w.writerow([columns[c][r] for c in cols])
    path.write_text(buf.getvalue())
    return path


def _without(columns: dict[str, list], drop: str, order) -> tuple[dict[str, list], list[int]]:
    """The codebook columns less ``drop``, and the column order for what is left."""
    cols = {k: v for k, v in columns.items() if k != drop}
    return cols, [i for i in order if i < len(cols)]


def _order(n: int):
    return st.permutations(list(range(n)))


# GTD codebook (START, June 2021): numeric codes, imonth/iday 0 = unknown, fractional nkill
_GTD = {
    "eventid": ["201403020001", "201403020002", "201406000003"],
    "iyear": ["2014", "2014", "2014"],
    "imonth": ["3", "3", "6"],
    "iday": ["2", "2", "0"],
    "provstate": ["Herat", "Unknown", "Nangarhar"],
    "city": ["Herat", "Unknown", "Jalalabad"],
    "latitude": ["34.3482", "33.93", "34.43"],
    "longitude": ["62.1997", "67.68", "70.45"],
    "specificity": ["1", "5", "4"],
    "attacktype1": ["1", "3", "2"],
    "gname": ["Taliban", "Unknown", "Khorasan Chapter of the Islamic State"],
    "nkill": ["1.5", "", "2.83"],
    "nwound": ["0", "Unknown", "1"],
}


@SETTINGS
@given(
    case=_CASE,
    sep=st.just("_"),
    order=_order(len(_GTD)),
    drop=st.sampled_from(["", "nwound", "city"]),
)
def test_gtd_codebook_layout(use_cache, tmp_path_factory, case, sep, order, drop):
    cols, order = _without(_GTD, drop, order)
    path = _write(tmp_path_factory.mktemp("gtd") / "gtd.csv", cols, case, sep, order)
    g = geocode_frame(im.read_incidents(path))
    assert g.attrs["preset"] == "gtd"
    by_id = g.set_index("event_id")
    # 1 = Assassination: the kind of attack this project exists to map
    assert by_id.loc["201403020001", "event_type"] == "Assassination"
    assert by_id.loc["201403020001", "category"] == "targeted killing"
    assert by_id.loc["201403020001", "fatalities"] == 1.5  # a divided toll, kept
    assert np.isnan(by_id.loc["201403020002", "fatalities"])  # blank: unknown, not 0
    # specificity 5: the country only (a point in Nawur would be invented); 4: the province
    assert by_id.loc["201403020002", "geocode_method"] == "unplaced"
    assert "did you mean" not in str(by_id.loc["201403020002", "geocode_note"])
    assert by_id.loc["201406000003", "geocode_precision"] == "province"
    assert by_id.loc["201406000003", "date_precision"] == "month"  # iday 0
    assert by_id.loc["201406000003", "actor1_group"] == "isis-k"


# UCDP GED codebook 24.1, a trimmed table without date_start (year only)
_GED = {
    "id": ["101", "102", "103"],
    "year": ["2017", "2018", "2019"],
    "dyad_name": ["Government of Afghanistan - IS", "Government of Afghanistan - Taleban", "x"],
    "side_a": ["IS", "Government of Afghanistan", "Taleban"],
    "side_b": ["Government of Afghanistan", "Taleban", "Civilians"],
    "where_prec": ["4", "1", "3"],
    "latitude": ["34.43", "31.61", "34.52"],
    "longitude": ["70.45", "65.71", "69.18"],
    "deaths_a": ["1", "0", "2"],
    "deaths_b": ["2", "1", "0"],
    "best": ["3", "1", "2"],
}


@SETTINGS
@given(case=_CASE, order=_order(len(_GED)), drop=st.sampled_from(["", "dyad_name", "best"]))
def test_ucdp_table_without_dates(use_cache, tmp_path_factory, case, order, drop):
    cols, order = _without(_GED, drop, order)
    path = _write(tmp_path_factory.mktemp("ged") / "ged.csv", cols, case, "_", order)
    g = geocode_frame(im.read_incidents(path))
    assert g.attrs["preset"] == "ucdp"
    assert list(g["date"]) == [pd.Timestamp(f"{y}-01-01") for y in (2017, 2018, 2019)]
    assert list(g["date_precision"]) == ["year"] * 3
    assert list(g["source_precision"]) == ["province", "point", "district"]
    assert g["geocode_precision"].iloc[0] == "province"  # where_prec 4 is not a point
    assert g["actor1_group"].iloc[0] == "isis-k"  # UCDP's IS, recognised from the columns
    assert list(g["fatalities"]) == [3, 1, 2]


# ACLED before 2019 (upper case), with an R export's Date_ column, and ACLED as R renames it
_ACLED_LEGACY = {
    "GWNO": ["700", "700"],
    "EVENT_ID_CNTY": ["1AFG", "2AFG"],
    "EVENT_DATE": ["2017-01-14", "2017-02-03"],
    "YEAR": ["2017", "2017"],
    "TIME_PRECISION": ["1", "3"],
    "EVENT_TYPE": ["Remote violence", "Battle-No change of territory"],
    "ACTOR1": ["Islamic State (Afghanistan)", "Taliban"],
    "LOCATION": ["Jalalabad", "Lashkar Gah"],
    "LATITUDE": ["34.43", "31.59"],
    "LONGITUDE": ["70.45", "64.37"],
    "GEO_PRECISION": ["3", "1"],
    "FATALITIES": ["2", "0"],
    "Date_": ["4", "4"],
}


@SETTINGS
@given(case=_CASE, order=_order(len(_ACLED_LEGACY)), drop=st.sampled_from(["", "GWNO", "YEAR"]))
def test_legacy_acled(use_cache, tmp_path_factory, case, order, drop):
    cols, order = _without(_ACLED_LEGACY, drop, order)
    path = _write(tmp_path_factory.mktemp("acl") / "acled.csv", cols, case, "_", order)
    g = geocode_frame(im.read_incidents(path))
    assert g.attrs["preset"] == "acled"
    assert list(g["date"]) == [pd.Timestamp("2017-01-14"), pd.Timestamp("2017-02-03")]
    assert list(g["date_precision"]) == ["day", "month"]
    assert g["geocode_precision"].iloc[0] == "province"  # geo_precision 3
    assert g["actor1_group"].iloc[0] == "isis-k"


@SETTINGS
@given(case=_CASE, sep=_SEP)
def test_acled_as_r_renames_it(capsys, use_cache, tmp_path_factory, case, sep):
    from tests.test_cli import run

    cols = {
        "event_date": ["2023-03-08", "2023-03-09", "2023-03-10"],
        "Type": ["Violence against civilians"] * 3,
        "Sub_type": ["Attack"] * 3,
        "Actor1": ["Islamic State (Afghanistan)", "Islamic State (Afghanistan)", "Taliban"],
        "Actor2": ["Civilians (Afghanistan)"] * 3,
        "admin1": ["Herat", "Balkh", "Kabul"],
        "Location": ["Herat", "Mazar-i-Sharif", "Kabul"],
        "latitude": ["34.3482", "36.709", "34.5281"],
        "longitude": ["62.1997", "67.1109", "69.1723"],
    }
    path = _write(tmp_path_factory.mktemp("acr") / "r.csv", cols, case, sep, list(range(9)))
    code, _, err = run(capsys, "query", path, "--group", "isis-k", "-f", "csv")
    assert code == 0, err
    assert "2 incidents match" in err


@SETTINGS
@given(precision=st.sampled_from([("geo_precision", "3", "province"),
                                  ("where_prec", "4", "province"),
                                  ("specificity", "4", "province"),
                                  ("specificity", "5", "none")]))  # fmt: skip
def test_precision_columns_apply_whatever_the_preset(use_cache, tmp_path_factory, precision):
    # an extract with none of a publisher's other columns still has its precision codes
    col, code, want = precision
    path = tmp_path_factory.mktemp("pr") / "x.csv"
    path.write_text(f"date,latitude,longitude,{col}\n2023-03-01,34.43,70.45,{code}\n")
    g = geocode_frame(im.read_incidents(path))
    assert g.attrs["preset"] == "generic"
    assert g["geocode_precision"].iloc[0] == want


_AWSD = {
    "Incident ID": ["1", "2"],
    "Year": ["2019", "2020"],
    "Month": ["5", ""],
    "Day": ["3", ""],
    "Region": ["Kunduz", "Kabul"],
    "District": ["Kunduz", ""],
    "Total killed": ["1", "0"],
    "Total wounded": ["0", "2"],
    "Means of attack": ["Shooting", "Kidnapping"],
    "Latitude": ["3.670.904", ""],
    "Longitude": ["6.886.842", ""],
}
_AWSD_HXL = {
    "Incident ID": "#event+id", "Year": "#date+year", "Region": "#adm1+name",
    "District": "#adm2+name", "Total killed": "#affected+killed", "Latitude": "#geo+lat",
    "Longitude": "#geo+lon",
}  # fmt: skip


@SETTINGS
@given(order=_order(len(_AWSD)), tag_case=st.sampled_from(["lower", "upper"]))
def test_awsd_from_hdx_with_an_hxl_row(use_cache, tmp_path_factory, order, tag_case):
    hxl = {k: (v.upper() if tag_case == "upper" else v) for k, v in _AWSD_HXL.items()}
    path = _write(tmp_path_factory.mktemp("aw") / "awsd.csv", _AWSD, "as is", "_", order, hxl)
    read, facts = read_incidents_facts(path)
    g = geocode_frame(read)
    assert g.attrs["preset"] == "awsd"
    assert len(g) == 2 and list(g["row"]) == [2, 3]  # the tag row is not an incident
    notes = " ".join(facts.notes)
    assert "HXL hashtag row" in notes
    # coordinates broken by thousands separators: said in a note, rows placed by names
    assert "ignored columns 'Latitude'/'Longitude'" in notes
    assert list(g["province"]) == ["Kunduz", "Kabul"]
    assert list(g["date_precision"]) == ["day", "year"]


def _hapi(path, events):
    rows = ["location_code,admin1_code,admin1_name,admin2_code,admin2_name,event_type,events,"
            "fatalities,reference_period_start,reference_period_end",
            "#country+code,#adm1+code,#adm1+name,#adm2+code,#adm2+name,#event+type,"
            "#indicator+events,#affected+killed,#date+start,#date+end"]  # fmt: skip
    places = [("AF13", "Paktya", "AF1303", "Zurmat"), ("AF06", "Nangarhar", "AF0601", "Jalalabad"),
              ("AF01", "Kabul", "AF0101", "Kabul")]  # fmt: skip
    for i, n in enumerate(events):
        p1, n1, p2, n2 = places[i % 3]
        rows.append(f"AFG,{p1},{n1},{p2},{n2},political_violence,{n},,2023-0{1 + i // 3}-01,"
                    f"2023-0{1 + i // 3}-28")  # fmt: skip
    path.write_text("\n".join(rows) + "\n")
    return path


@SETTINGS
@given(events=st.lists(st.integers(0, 500), min_size=1, max_size=9))
def test_hdx_hapi_counts_place_by_pcode_and_weigh(capsys, use_cache, tmp_path_factory, events):
    from tests.test_cli import run

    tmp = tmp_path_factory.mktemp("hapi")
    path = _hapi(tmp / "hapi.csv", events)
    g = geocode_frame(im.read_incidents(path))
    assert len(g) == len(events) and g["district"].notna().all()  # every row by p-code
    assert set(g["province_code"]) <= {"AF-PIA", "AF-NAN", "AF-KAB"}
    out = tmp / "agg.csv"
    code, _, err = run(capsys, "aggregate", path, "--weight", "events", "--level", "province",
                       "-o", out, "--overwrite")  # fmt: skip
    assert code == 0, err
    assert pd.read_csv(out)["incidents"].sum() == sum(events)
    counted = weighted(g, "events")
    districts = im.load_boundaries("district")
    assert im.counts_by_area(counted, districts, level="district")["incidents"].sum() == sum(events)


def test_a_weight_that_is_not_a_number_is_refused_by_row(capsys, use_cache, tmp_path):
    from tests.test_cli import run

    path = _hapi(tmp_path / "hapi.csv", [3, 4])
    text = path.read_text().replace(",4,,", ",many,,")
    path.write_text(text)
    code, _, err = run(capsys, "aggregate", path, "--weight", "events", "-o", tmp_path / "a.csv")
    assert code == 1 and err.count("Error:") == 1
    assert "row 3, column 'events'" in err and "--keep-bad-values" not in err
    assert not (tmp_path / "a.csv").exists()


@pytest.mark.parametrize(
    ("columns", "preset"),
    [
        ("GWNO,EVENT_ID,EVENT_DATE,EVENT_TYPE,ACTOR1,LATITUDE,LONGITUDE,GEO_PRECISION", "acled"),
        ("event_date,Type,Sub_type,Actor1,Actor2,admin1,Location,latitude,longitude", "acled"),
        ("country,adm1_name,date,event_date,disorder_type,event_type,conflict_fatalities",
         "acled_admin1"),
        ("id,year,dyad_name,longitude,latitude,where_prec,side_a,side_b", "ucdp"),
        ("eventid,iyear,imonth,iday,provstate,city,specificity,attacktype1,gname,nkill", "gtd"),
        ("GTD.ID,DATE,CITY,PERPETRATOR.1,FATALITIES,ATTACK.TYPE.1,WEAPON.TYPE.1", "gtd"),
        ("Incident ID,Year,Month,Day,Region,Total killed,Means of attack", "awsd"),
        ("date,province,district,killed", "generic"),
    ],
)  # fmt: skip
def test_layouts_are_recognised_by_their_codebook_columns(columns, preset):
    assert detect_preset(columns.split(",")).name == preset


@SETTINGS
@given(bad=st.sampled_from(["4", "year 4", "x", "2023"]), order=st.booleans())
def test_a_date_column_whose_values_are_not_dates_loses_to_one_whose_are(
    tmp_path_factory, bad, order
):
    # issue 19: a legacy ACLED R export's Date_ (a year code) was taken as the date, and
    # every row refused; the values decide a role, not only the header
    cols = ["Date_", "event_date", "province"] if order else ["event_date", "Date_", "province"]
    vals = {"Date_": bad, "event_date": "2023-03-0{i}", "province": "Kabul"}
    text = (
        ",".join(cols)
        + "\n"
        + "".join(",".join(vals[c].format(i=i) for c in cols) + "\n" for i in (1, 2))
    )
    path = tmp_path_factory.mktemp("dd") / "x.csv"
    path.write_text(text)
    g = im.read_incidents(path)
    if bad == "2023":  # a year is a date (to the year): the header's first choice stands
        assert g["date_precision"].iloc[0] in ("year", "day")
        return
    assert g.attrs["columns"]["date"] == "event_date"
    assert list(g["date"]) == [pd.Timestamp("2023-03-01"), pd.Timestamp("2023-03-02")]


def test_district_pcodes_and_the_two_jaghatus(use_cache, tmp_path):
    # issue 19: OCHA COD-AB 2018 has a Jaghatu in Wardak (AF0408) and "Bahrami Shahid
    # (Jaghatu)" in Ghazni (AF1106), beside Jaghuri (AF1114): the p-code's province decides
    path = tmp_path / "jg.csv"
    path.write_text(
        "admin1_code,admin2_code,admin2_name,events\nAF04,AF0408,Jaghatu,3\n"
        "AF11,AF1106,Jaghatu,2\nAF11,AF1114,Jaghuri,1\n,AF1303,,4\n"
    )
    districts = im.load_boundaries("district")
    g = geocode_frame(im.read_incidents(path))
    assert list(g["province"]) == ["Wardak", "Ghazni", "Ghazni", "Paktia"]
    assert list(g["district"][:3]) == ["Jaghatu", "Bahrami Shahid (Jaghatu)", "Jaghuri"]
    assert g["geocode_precision"].iloc[3] == "province"  # a district p-code alone: no id
    # a district layer whose ids are the p-codes (OCHA's, installed with --from) places it
    ocha = districts.copy()
    zurmat = ocha.index[ocha["district"] == "Zurmat"][0]
    ocha.loc[zurmat, "district_id"] = "AF1303"
    ocha.attrs = {}  # another layer: not the installed one's cached context
    g = geocode_frame(im.read_incidents(path), ocha)
    assert g["district"].iloc[3] == "Zurmat" and g["geocode_precision"].iloc[3] == "district"


def _hapi_table(path, events, hxl: bool):
    """A HAPI table of district counts: three districts the layer knows, one it spells
    otherwise (OCHA's ``Anawa``, AF0805, beside GeoNames' village 'Unābah in Panjshir)."""
    places = [("AF13", "Paktya", "AF1303", "Zurmat"),
              ("AF06", "Nangarhar", "AF0601", "Jalalabad"), ("AF01", "Kabul", "AF0101", "Kabul"),
              ("AF08", "Panjsher", "AF0805", "Anawa")]  # fmt: skip
    text = _hapi(path, events).read_text().splitlines()
    rows = [text[0], *([text[1]] if hxl else [])]
    for i, n in enumerate(events):
        p1, n1, p2, n2 = places[i % 4]
        month = 1 + i // 4
        end = (pd.Timestamp(2023, month, 1) + pd.offsets.MonthEnd(0)).day
        rows.append(f"AFG,{p1},{n1},{p2},{n2},political_violence,{n},,2023-{month:02d}-01,"
                    f"2023-{month:02d}-{end}")  # fmt: skip
    path.write_text("\n".join(rows) + "\n")
    return path


@SETTINGS
@given(events=st.lists(st.integers(0, 500), min_size=4, max_size=12), hxl=st.booleans())
def test_hdx_hapi_district_rows_are_areas_dated_and_summing_to_the_table(
    capsys, use_cache, tmp_path_factory, events, hxl
):
    # issue 26, class 5: without the HXL row every row was undated; a district the layer
    # spells otherwise was placed at a village of its name
    from tests.test_cli import run

    tmp = tmp_path_factory.mktemp("hapi")
    path = _hapi_table(tmp / "hapi.csv", events, hxl)
    g = geocode_frame(im.read_incidents(path))
    assert (g["geocode_precision"] != "point").all()  # no row placed as a point
    assert g["date"].notna().all() and set(g["date_precision"]) == {"month"}
    table = pd.read_csv(path, skiprows=[1] if hxl else None)
    table["placed"] = g["district"].to_numpy()
    known = table[table["admin2_name"] != "Anawa"]
    by_table = known.groupby("admin2_name")["events"].sum()
    counted = weighted(g, "events")
    districts = im.load_boundaries("district")
    got = im.counts_by_area(counted, districts, level="district", period=None)
    got = got.groupby("district")["incidents"].sum()
    assert {"Zurmat", "Jalalabad", "Kabul"} >= set(by_table.index)
    for name, total in by_table.items():
        assert got.get(name, 0) == total  # district totals equal the table's
    anawa = g[table["admin2_name"].to_numpy() == "Anawa"]
    assert (anawa["geocode_precision"] == "province").all()
    assert (anawa["province"] == "Panjshir").all()
    code, _, err = run(capsys, "aggregate", path, "--weight", "events", "--level", "province",
                       "-o", tmp / "agg.csv", "--overwrite")  # fmt: skip
    assert code == 0, err
    assert pd.read_csv(tmp / "agg.csv")["incidents"].sum() == sum(events)
