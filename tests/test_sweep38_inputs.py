"""Sweep 38, inputs: ids read as counts, a decimal mark one toll decided, a blank date beside
its year, tolls under common names, and Excel's AutoSum under a table.

Each class through the command line and the library, on the real files where the class
appears there (ACLED's workbook given ACLED's 2019-2023 export columns, UCDP's GeoJSON),
with hypothesis over the names and values the codebooks and spreadsheets allow.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import incidentmap as im
from incidentmap.pipeline import load_incidents
from tests.conftest import INCIDENTS
from tests.test_cli import run

WORKBOOK = INCIDENTS / "acled_afg_2017on_province_level.xlsx"
UCDP = INCIDENTS / "ucdp_ged_afg_realcaddish.geojson"
_SOME = settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _export(n: int = 120) -> pd.DataFrame:
    """ACLED's workbook rows in ACLED's 2019-2023 export columns (``event_id_no_cnty``...)."""
    x = pd.read_excel(WORKBOOK, engine="calamine", nrows=n)
    ids = 8000 + 3 * pd.RangeIndex(n)  # numbers with gaps, as a filtered export has them
    return pd.DataFrame({
        "data_id": 7_000_000 + pd.RangeIndex(n), "iso": 4,
        "event_id_cnty": [f"AFG{k}" for k in ids], "event_id_no_cnty": ids,
        "event_date": pd.to_datetime(x["event_date"]).dt.strftime("%d %B %Y"),
        "year": x["year"], "time_precision": 1, "event_type": x["event_type"],
        "sub_event_type": "Armed clash", "actor1": "Taliban", "country": "Afghanistan",
        "admin1": x["adm1_name"], "fatalities": x["conflict_fatalities"], "iso3": "AFG",
    })  # fmt: skip


# ---------------------------------------------------------------------------------------
# an id is never a count of events (every ACLED export of 2019 to March 2023)
# ---------------------------------------------------------------------------------------


def test_acled_2019_export_ids_are_not_counts(tmp_path, capsys, use_cache):
    src = tmp_path / "acled_2020.csv"
    _export().to_csv(src, index=False)
    code, _, err = run(capsys, "aggregate", src, "--level", "province", "--period", "none",
                       "-o", tmp_path / "a.csv")  # fmt: skip
    assert code == 0, err
    assert "120 incidents counted" in err and "count table" not in err  # was 1,079,... counted
    assert im.aggregate(src, level="province", period=None).counts["incidents"].sum() == 120
    # merge takes it as a list of events, not a count table
    other = tmp_path / "other.csv"
    _export().head(10).assign(event_id_cnty=lambda f: "X" + f["event_id_cnty"]).to_csv(other)
    code, _, err = run(capsys, "merge", f"a={src}", f"b={other}", "-o", tmp_path / "m.csv")
    assert code == 0 and "count table" not in err, err


@_SOME
@given(
    header=st.sampled_from(["EVENT_ID_NO_CNTY", "Incident No", "incident_number", "event_no",
                            "Event Number", "Event No.", "incident_code", "event ref"]),
    step=st.integers(1, 7),
)  # fmt: skip
def test_a_column_that_numbers_the_rows_is_no_count(header, step, tmp_path_factory, use_cache):
    folder = tmp_path_factory.mktemp("ids")
    x = pd.read_excel(WORKBOOK, engine="calamine", nrows=44)
    table = pd.DataFrame({"date": x["event_date"], "province": x["adm1_name"],
                          header: 1 + step * pd.RangeIndex(44)})  # fmt: skip
    src = folder / "ids.csv"
    table.to_csv(src, index=False)
    assert im.aggregate(src, level="province", period=None).counts["incidents"].sum() == 44


# ---------------------------------------------------------------------------------------
# the decimal mark: one "2,5" among tolls does not make "1,000" one
# ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ucdp_marks(tmp_path_factory) -> Path:
    """The real UCDP GeoJSON, one toll written "1,000" and another "2,5" (text)."""
    data = json.loads(UCDP.read_text())
    data["features"][0]["properties"]["deaths_b"] = "1,000"
    data["features"][1]["properties"]["deaths_b"] = "2,5"
    path = tmp_path_factory.mktemp("marks") / "ucdp_marks.geojson"
    path.write_text(json.dumps(data))
    return path


def test_tolls_alone_do_not_decide_a_mark_that_reads_two_ways(ucdp_marks, capsys, use_cache):
    code, _, err = run(capsys, "geocode", ucdp_marks, "-o", ucdp_marks.with_suffix(".csv"))
    assert code == 1 and "Traceback" not in err  # was exit 0, "1,000" read as 1
    assert "--decimal comma" in err and "row 2" in err and "deaths_b" in err
    assert not ucdp_marks.with_suffix(".csv").exists()
    with pytest.raises(im.InputFileError, match="`decimal` comma"):
        load_incidents(ucdp_marks)
    # told, it reads: a thousand and two and a half
    g, _ = load_incidents(ucdp_marks, im.ReadOptions(decimal="comma"))
    data = json.loads(ucdp_marks.read_text())
    first = g.iloc[0]
    assert first["fatalities"] == float(data["features"][0]["properties"]["deaths_a"]) + 1.0
    code, _, err = run(capsys, "geocode", ucdp_marks, "--decimal", "comma", "-o",
                       ucdp_marks.with_name("told.csv"))  # fmt: skip
    assert code == 0, err


@_SOME
@given(fraction=st.sampled_from(["1,5", "2,25", "0,5"]),
       group=st.sampled_from(["1,000", "12,000", "1,000,000"]))  # fmt: skip
def test_a_comma_fraction_beside_a_comma_group_is_refused(
    fraction, group, tmp_path_factory, capsys, use_cache
):
    folder = tmp_path_factory.mktemp("cm")
    src = folder / "cm.csv"
    pd.DataFrame({"date": ["2023-03-01", "2023-03-02"], "province": ["Kabul", "Herat"],
                  "killed": [fraction, group]}).to_csv(src, index=False)  # fmt: skip
    code, _, err = run(capsys, "geocode", src, "-o", folder / "g.csv")
    assert code == 1 and "--decimal" in err, err


# ---------------------------------------------------------------------------------------
# a row whose date is blank is dated by the year beside it
# ---------------------------------------------------------------------------------------


def test_a_blank_date_beside_its_year_dates_the_row_to_the_year(tmp_path, capsys, use_cache):
    data = json.loads(UCDP.read_text())
    years = []
    for k in (3, 40, 200):
        props = data["features"][k]["properties"]
        props["date_start"] = props["date_end"] = None
        years.append(int(props["year"]))
    src = tmp_path / "ucdp_blank_dates.geojson"
    src.write_text(json.dumps(data))
    whole, _ = load_incidents(UCDP)
    g, _ = load_incidents(src)
    assert g["date"].notna().sum() == whole["date"].notna().sum()  # was 3 fewer: in no year
    rows = g.iloc[[3, 40, 200]]
    assert list(rows["date_precision"]) == ["year"] * 3
    assert [d.year for d in pd.to_datetime(rows["date"])] == years
    code, _, err = run(capsys, "aggregate", src, "--level", "province", "--period", "year",
                       "-o", tmp_path / "a.csv")  # fmt: skip
    assert code == 0 and "3 rows with no 'date_start' but a 'year'" in err, err
    assert "no date: counted in no year" not in err


# ---------------------------------------------------------------------------------------
# tolls and coordinates under the names people give them
# ---------------------------------------------------------------------------------------

_KILLED = ["Total deaths", "Death toll", "Fatalities (best)", "killed_total",
           "Number of fatalities", "No. killed", "DEATHS TOTAL"]  # fmt: skip
_WOUNDED = ["Total wounded", "Number of wounded", "No. injured", "injuries"]


@_SOME
@given(killed=st.sampled_from(_KILLED), wounded=st.sampled_from(_WOUNDED))
def test_tolls_under_common_names_are_read(killed, wounded, tmp_path_factory, capsys, use_cache):
    folder = tmp_path_factory.mktemp("tolls")
    src = folder / "t.csv"
    pd.DataFrame({"date": ["2023-03-01", "2023-03-02"], "province": ["Kabul", "Herat"],
                  killed: [3, 1], wounded: [5, 0]}).to_csv(src, index=False)  # fmt: skip
    g, _ = load_incidents(src)
    assert list(g["fatalities"]) == [3, 1] and list(g["injured"]) == [5, 0]
    code, _, err = run(capsys, "geocode", src, "-o", folder / "g.csv", "--overwrite")
    assert code == 0 and f"fatalities <- {killed!r}" in err, err


def test_tolls_no_column_alone_names_are_said(tmp_path, capsys, use_cache):
    for cols, said in (
        ({"Casualties": [4, 2]}, "killed and wounded together"),
        ({"Total deaths": [3, 1], "No. killed": [3, 1]}, "each names the killed"),
    ):
        src = tmp_path / "t.csv"
        pd.DataFrame({"date": ["2023-03-01", "2023-03-02"], "province": ["Kabul", "Herat"],
                      **cols}).to_csv(src, index=False)  # fmt: skip
        code, _, err = run(capsys, "geocode", src, "-o", tmp_path / "g.csv", "--overwrite")
        assert code == 0 and said in err and "tolls are unknown" in err, err
        assert load_incidents(src)[0]["fatalities"].isna().all()
    # a part of the toll is no toll of the event (UCDP's parts add up as before)
    g, _ = load_incidents(UCDP)
    assert g["fatalities"].notna().all()


def test_arcgis_point_x_and_point_y_place_points(tmp_path, capsys, use_cache):
    src = tmp_path / "pxy.csv"
    pd.DataFrame({"date": ["2023-03-01", "2023-03-02"], "province": ["Nangarhar", "Kabul"],
                  "POINT_X": [70.4478, 69.17], "POINT_Y": [34.4342, 34.52]}).to_csv(
        src, index=False)  # fmt: skip
    code, _, err = run(capsys, "geocode", src, "-o", tmp_path / "g.csv")
    assert code == 0 and "placed by point: 2" in err, err  # was province only 2
    assert list(load_incidents(src)[0]["geocode_precision"]) == ["point", "point"]


# ---------------------------------------------------------------------------------------
# Excel's AutoSum under the tolls, no label beside it
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_row_of_sums_without_a_label_is_no_incident(suffix, tmp_path, capsys, use_cache):
    table = pd.DataFrame({
        "date": ["2023-03-01", "2023-03-02", "2023-03-05", None],
        "province": ["Kabul", "Herat", "Kandahar", None], "type": ["IED", "IED", "Clash", None],
        "killed": [2, None, 1, 3], "wounded": [1, 3, 0, 4],
    })  # fmt: skip
    src = tmp_path / f"autosum{suffix}"
    table.to_csv(src, index=False) if suffix == ".csv" else table.to_excel(src, index=False)
    code, _, err = run(capsys, "aggregate", src, "--level", "province", "--period", "none",
                       "-o", tmp_path / "a.csv")  # fmt: skip
    assert code == 0 and "3 incidents counted" in err, err  # was 4, and 6 killed
    assert "its tolls are the sums of the rows above" in err
    g, _ = load_incidents(src)
    assert len(g) == 3 and g["fatalities"].sum() == 3
    # a fourth incident of no place with its own toll is not a sum: kept (and said unplaced)
    table.loc[3, ["killed", "wounded"]] = [7, 1]
    table.to_csv(tmp_path / "kept.csv", index=False)
    assert len(load_incidents(tmp_path / "kept.csv")[0]) == 4


# ---------------------------------------------------------------------------------------
# a formula saved without its value, under a header found below a title
# ---------------------------------------------------------------------------------------


def test_a_formula_under_a_titled_header_is_said_at_its_row_and_column(tmp_path, capsys, use_cache):
    import datetime as dt

    import openpyxl

    wb = openpyxl.Workbook()
    notes = wb.active
    notes.title = "Notes"
    notes.append(["Incidents in Afghanistan, compiled by hand"])
    ws = wb.create_sheet("Events")
    ws.append(["Security incidents Q1 2023"])
    ws.append([])
    ws.append(["Date", "Province", "District", "Event type", "Killed", "Wounded"])
    for day, prov, killed in ((5, "Kabul", 2), (6, "Kandahar", None), (7, "Herat", "=2+1"),
                              (8, "Herat", 1)):  # fmt: skip
        ws.append([dt.datetime(2023, 1, day), prov, None, "IED", killed, 0])
    src = tmp_path / "titled.xlsx"
    wb.save(src)  # openpyxl saves formulas without their values
    code, _, err = run(capsys, "geocode", src, "--sheet", "Events", "-o", tmp_path / "g.csv")
    assert code == 1 and "row 3, column 'Killed'" in err and "=2+1" in err, (
        err
    )  # was row 4, 'column5'
    g, _ = load_incidents(src, im.ReadOptions(sheet="Events", on_bad="keep"))
    noted = g[g["input_note"].notna()]
    assert list(noted["row"]) == [3] and "Killed" in noted["input_note"].iloc[0]
    assert pd.isna(g.loc[g["row"] == 3, "fatalities"]).all()


# ---------------------------------------------------------------------------------------
# a header of two rows: group names over the columns' own
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_a_header_of_two_rows_is_read_as_one(suffix, tmp_path, capsys, use_cache):
    import openpyxl

    rows = [["Date", "Location", None, "Casualties", None, "Type"],
            [None, "Province", "District", "Killed", "Wounded", None],
            ["2023-01-05", "Kabul", None, 2, 1, "IED"],
            ["2023-01-06", "Kandahar", None, None, 3, "Clash"],
            ["2023-02-06", "Herat", None, 3, 0, "IED"]]  # fmt: skip
    src = tmp_path / f"two{suffix}"
    if suffix == ".xlsx":
        wb = openpyxl.Workbook()
        for r in rows:
            wb.active.append(r)
        wb.active.merge_cells("B1:C1")
        wb.active.merge_cells("D1:E1")
        wb.save(src)
    else:
        pd.DataFrame(rows[1:], columns=rows[0]).to_csv(src, index=False)
    code, _, err = run(capsys, "aggregate", src, "--level", "province", "--period", "none",
                       "--sum", "fatalities", "-o", tmp_path / "a.csv")  # fmt: skip
    assert code == 0 and "the header is two rows" in err, err
    assert "3 incidents counted" in err  # was 4: the row of names an incident, tolls unread
    g, _ = load_incidents(src)
    assert list(g["stated_province"]) == ["Kabul", "Kandahar", "Herat"]
    assert g["fatalities"].sum() == 5 and g["injured"].sum() == 4


# ---------------------------------------------------------------------------------------
# a KML read back: GDAL's placemark fields are no columns of the incidents
# ---------------------------------------------------------------------------------------


def test_a_kml_round_trip_adds_no_columns(tmp_path, capsys, use_cache):
    sample = Path(__file__).resolve().parents[1] / "geo" / "sample_incidents.csv"
    first, again, flat = tmp_path / "a.kml", tmp_path / "b.kml", tmp_path / "c.csv"
    for src, out in ((sample, first), (first, again), (again, flat)):
        code, _, err = run(capsys, "geocode", src, "-o", out)
        assert code == 0, err
    direct = tmp_path / "d.csv"
    run(capsys, "geocode", sample, "-o", direct)
    # was 61 and 73 columns after one and two round trips (Name_original, tessellate...)
    assert list(pd.read_csv(flat, nrows=1).columns) == list(pd.read_csv(direct, nrows=1).columns)
    assert len(load_incidents(again)[0]) == 52
    # a placemark's own name and description stay (a KML drawn by hand in Google Earth)
    import geopandas as gpd
    from shapely.geometry import Point

    points = [Point(70.45, 34.43), Point(69.17, 34.52)]
    cols = {"Name": ["Checkpoint attack", "IED on road"], "description": ["2 killed", "convoy hit"],
            "date": ["2023-03-01", "2023-03-02"]}  # fmt: skip
    own = gpd.GeoDataFrame(cols, geometry=points, crs=4326)
    own.to_file(tmp_path / "own.kml", driver="LIBKML", engine="pyogrio")
    g, _ = load_incidents(tmp_path / "own.kml")
    held = {c for c in g.columns if g[c].astype(str).isin(["Checkpoint attack", "2 killed"]).any()}
    assert {"Name_original", "description_original"} <= held and "tessellate" not in g.columns


def test_an_unknown_keyword_names_the_nearest_option(use_cache):
    sample = Path(__file__).resolve().parents[1] / "geo" / "sample_incidents.csv"
    with pytest.raises(im.UsageError, match="did you mean 'near'") as caught:
        im.query(sample, nerar="Jalalabad")
    assert "this job takes: " in str(caught.value) and "km" in str(caught.value)  # was "known: )"
    with pytest.raises(im.UsageError, match=r"Output\(path, overwrite=True\)"):
        im.geocode(sample, im.Output("x.csv"), overwrite=True)


def test_period_none_in_python_is_the_command_lines(tmp_path, capsys, use_cache):
    sample = Path(__file__).resolve().parents[1] / "geo" / "sample_incidents.csv"
    out = tmp_path / "a.csv"
    code, _, err = run(capsys, "aggregate", sample, "--level", "province", "--period", "none",
                       "-o", out)  # fmt: skip
    assert code == 0, err
    table = im.aggregate(sample, level="province", period="none").counts  # was refused
    assert table["incidents"].sum() == pd.read_csv(out)["incidents"].sum() == 52
    assert im.brief(sample, None, period="none").report is not None


# ---------------------------------------------------------------------------------------
# read in blocks as read whole: an AutoSum row, a decimal mark the tolls decided
# ---------------------------------------------------------------------------------------


def _big(tmp_path: Path, last: list, *, fraction: str | None = None) -> Path:
    """3,000 rows of 2 dead at Kabul, then ``last``; ``fraction`` as row 6's toll."""
    rows = [["2023-03-01", "Kabul", "IED", "2"]] * 3000
    if fraction is not None:
        rows[5] = ["2023-03-01", "Kabul", "IED", fraction]
    src = tmp_path / "big.csv"
    pd.DataFrame([*rows, last], columns=["date", "province", "type", "killed"]).to_csv(
        src, index=False
    )
    return src


def test_a_row_of_sums_under_a_large_file_is_left_out_in_blocks(tmp_path, capsys, use_cache):
    src = _big(tmp_path, [None, None, None, "6000"])
    for mb in ("0", "0.01"):  # whole, then in blocks (was 3,001 rows and 12,000 dead)
        out = tmp_path / f"g{mb}.csv"
        code, _, err = run(capsys, "geocode", src, "-o", out, "--block-mb", mb)
        assert code == 0 and "its tolls are the sums of the rows above" in err, err
        g = pd.read_csv(out, usecols=["fatalities"])
        assert len(g) == 3000 and g["fatalities"].sum() == 6000


def test_a_mark_the_tolls_decided_is_checked_in_every_block(tmp_path, capsys, use_cache):
    src = _big(tmp_path, ["2023-03-02", "Kabul", "IED", "1,000"], fraction="2,5")
    for mb in ("0", "0.01"):  # in blocks "1,000" was read as 1 with no word
        code, _, err = run(capsys, "geocode", src, "-o", tmp_path / f"m{mb}.csv", "--block-mb", mb)
        assert code == 1 and "--decimal" in err, err
