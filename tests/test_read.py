from __future__ import annotations

import io
import json
import sys

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

import incidentmap as im
from incidentmap.schema import CANONICAL_COLUMNS
from tests.conftest import DATA, ROOT


def _write(tmp_path, name, text, encoding="utf-8"):
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return p


@pytest.mark.parametrize(
    ("fixture", "preset", "rows"),
    [
        ("acled.csv", "acled", 4),
        ("ucdp.csv", "ucdp", 3),
        ("gtd.csv", "gtd", 3),
        ("awsd.csv", "awsd", 2),
        ("../../geo/sample_incidents.csv", "generic", 52),
    ],
)
def test_presets_detected_and_every_column_kept(fixture, preset, rows):
    path = DATA / fixture
    g = im.read_incidents(path)
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert g.attrs["preset"] == preset
    assert len(g) == rows
    assert list(g.columns[: len(CANONICAL_COLUMNS)]) == list(CANONICAL_COLUMNS)
    assert list(g["row"]) == list(range(1, rows + 1))
    fed = {c for k, c in g.attrs["columns"].items() if c.casefold() == k}
    for col in raw.columns:
        assert col in g.columns or f"{col}_original" in g.columns or col in fed, col


def test_acled_mapping():
    g = im.read_incidents(DATA / "acled.csv")
    r = g.iloc[0]
    assert r["date"] == pd.Timestamp("2023-03-09") and r["date_precision"] == "day"
    assert r["actor"] == "Islamic State Khorasan Province"
    assert r["fatalities"] == 3 and r["stated_province"] == "Balkh"
    assert r["stated_place"] == "Mazar-e Sharif"
    assert list(g["source_precision"]) == ["point", "point", "province", "point"]
    assert g.iloc[3]["notes"] == "Synthetic fixture row, with a comma."


def test_ucdp_mapping():
    g = im.read_incidents(DATA / "ucdp.csv")
    assert list(g["event_type"]) == [
        "one-sided violence",
        "state-based conflict",
        "state-based conflict",
    ]
    assert list(g["source_precision"]) == ["point", "province", "country"]
    assert list(g["fatalities"]) == [3, 2, 1]
    assert g.iloc[1]["date"] == pd.Timestamp("2023-03-20")


def test_gtd_split_dates_with_unknown_parts():
    g = im.read_incidents(DATA / "gtd.csv")
    assert list(g["date_precision"]) == ["day", "month", "year"]
    assert list(g["date"]) == [
        pd.Timestamp("2017-09-27"),
        pd.Timestamp("2018-07-01"),
        pd.Timestamp("2019-01-01"),
    ]
    assert np.isnan(g.iloc[1]["fatalities"])
    assert g.iloc[0]["injured"] == 5


def test_awsd_mapping():
    g = im.read_incidents(DATA / "awsd.csv")
    assert list(g["stated_province"]) == ["Hirat", "Sari Pul"]
    assert list(g["date_precision"]) == ["day", "month"]
    assert list(g["fatalities"]) == [1, 0]


@pytest.mark.parametrize(
    ("value", "expected", "precision"),
    [
        ("2023-03-09", "2023-03-09", "day"),
        ("2023-03-09T14:30:00Z", "2023-03-09", "day"),
        ("27 April 2008", "2008-04-27", "day"),
        ("27-Apr-2008", "2008-04-27", "day"),
        ("April 27, 2008", "2008-04-27", "day"),
        ("4/27/08", "2008-04-27", "day"),
        ("27/04/2008", "2008-04-27", "day"),
        ("2023/03/09", "2023-03-09", "day"),
        ("March 2023", "2023-03-01", "month"),
        ("2023-03", "2023-03-01", "month"),
        ("2023", "2023-01-01", "year"),
    ],
)
def test_date_forms(tmp_path, value, expected, precision):
    p = _write(tmp_path, "d.csv", f'date,province\n"{value}",Kabul\n')
    g = im.read_incidents(p)
    assert g.iloc[0]["date"] == pd.Timestamp(expected)
    assert g.iloc[0]["date_precision"] == precision


def test_ambiguous_day_month_order_is_an_error_not_a_guess(tmp_path):
    p = _write(tmp_path, "d.csv", "date,province\n03/04/2023,Kabul\n05/06/2023,Herat\n")
    with pytest.raises(im.InputFileError, match="day and month order unknown") as err:
        im.read_incidents(p)
    assert err.value.row == 1 and err.value.column == "date"
    g = im.read_incidents(p, dayfirst=True)
    assert g.iloc[0]["date"] == pd.Timestamp("2023-04-03")
    g = im.read_incidents(p, dayfirst=False)
    assert g.iloc[0]["date"] == pd.Timestamp("2023-03-04")


def test_bad_value_names_file_row_column(tmp_path):
    p = _write(tmp_path, "bad.csv", "date,lat,lon\n2023-01-01,34.5,69.1\n2023-01-02,abc,69.2\n")
    with pytest.raises(im.InputFileError) as err:
        im.read_incidents(p)
    assert (
        str(err.value)
        == f"{p}, row 2, column 'lat': expected a latitude in degrees (-90 to 90), got 'abc'"
    )


def test_keep_bad_values_keeps_row_with_note(tmp_path):
    p = _write(tmp_path, "bad.csv", "date,lat,lon\n2023-01-01,34.5,69.1\nnot a date,abc,69.2\n")
    g = im.read_incidents(p, on_bad="keep")
    assert len(g) == 2
    assert pd.isna(g.iloc[1]["date"]) and np.isnan(g.iloc[1]["latitude"])
    assert "lat: expected a latitude" in g.iloc[1]["input_note"]
    assert "date: expected a date" in g.iloc[1]["input_note"]
    assert g.iloc[1]["lat"] == "abc"  # the original column is untouched


def test_ragged_csv_row(tmp_path):
    p = _write(tmp_path, "r.csv", "date,province\n2023-01-01,Kabul\n2023-01-02,Herat,extra\n")
    with pytest.raises(im.InputFileError, match="row 2: expected 2 fields"):
        im.read_incidents(p)


def test_no_location_columns(tmp_path):
    p = _write(tmp_path, "n.csv", "date,what\n2023-01-01,x\n")
    with pytest.raises(im.InputFileError, match="no coordinate or place-name columns"):
        im.read_incidents(p)


def test_missing_named_column(tmp_path):
    p = _write(tmp_path, "n.csv", "date,province\n2023-01-01,Kabul\n")
    with pytest.raises(im.InputFileError, match="no column 'Latitude'"):
        im.read_incidents(p, lat="Latitude")


@pytest.mark.parametrize(
    ("encoding", "sep"), [("cp1252", ";"), ("utf-16", "\t"), ("utf-8-sig", "|"), ("cp1256", ",")]
)
def test_encodings_and_delimiters(tmp_path, encoding, sep):
    place = "هرات" if encoding in ("cp1256", "utf-16") else "Hérat"
    text = f"date{sep}province{sep}place\n2023-03-08{sep}Hirat{sep}{place}\n"
    p = _write(tmp_path, "e.csv", text, encoding)
    g = im.read_incidents(p)
    assert g.iloc[0]["stated_place"] == place
    assert g.iloc[0]["stated_province"] == "Hirat"


def test_excel_json_geojson_parquet_stdin(tmp_path, monkeypatch):
    base = im.read_incidents(DATA / "acled.csv")
    raw = pd.read_csv(DATA / "acled.csv")
    raw.to_excel(tmp_path / "a.xlsx", index=False)
    (tmp_path / "a.json").write_text(json.dumps({"data": raw.to_dict("records")}))
    raw.to_parquet(tmp_path / "a.parquet")
    gpd.GeoDataFrame(
        raw.drop(columns=["latitude", "longitude"]),
        geometry=gpd.points_from_xy(raw.longitude, raw.latitude),
        crs="EPSG:4326",
    ).to_file(tmp_path / "a.geojson")
    for name in ("a.xlsx", "a.json", "a.parquet", "a.geojson"):
        g = im.read_incidents(tmp_path / name)
        assert g.attrs["preset"] == "acled" or name == "a.geojson", name
        assert list(g["date"]) == list(base["date"]), name
        assert np.allclose(g["latitude"], base["latitude"]), name
    monkeypatch.setattr(
        sys, "stdin", io.TextIOWrapper(io.BytesIO((DATA / "acled.csv").read_bytes()))
    )
    g = im.read_incidents("-")
    assert len(g) == 4 and g.attrs["path"] == "<stdin>"


def test_missing_file():
    with pytest.raises(im.InputFileError, match="no such file"):
        im.read_incidents(ROOT / "nope.csv")


#: what a read frame's ``attrs`` may hold: what the data are, never what the run did
DATA_DESCRIPTIONS = {"path", "preset", "citation", "columns"}


def test_read_facts_travel_typed_not_on_attrs(tmp_path, use_cache):
    from incidentmap.io.incidents import incident_blocks, read_incidents_facts
    from incidentmap.io.tables import read_table_facts
    from incidentmap.pipeline import load_incidents

    arabic = _write(tmp_path, "fa.csv", "province,fatalities\nکابل,1\nهرات,2\n", "cp1256")
    table, facts = read_table_facts(arabic)
    assert not table.attrs and facts.encoding == "cp1256"
    g, read = read_incidents_facts(arabic)
    assert set(g.attrs) <= DATA_DESCRIPTIONS and any("Windows-1256" in n for n in read.notes)
    assert set(im.read_incidents(arabic).attrs) <= DATA_DESCRIPTIONS  # no attrs view of them
    days = _write(tmp_path, "days.csv", "% Events\n% lon,lat,day (day 1 = 2004-01-01)\n"
                  "69.15,34.51,1\n70.45,34.43,40\n")  # fmt: skip
    table, facts = read_table_facts(days)
    assert not table.attrs and facts.day_count == ("day (day 1 = 2004-01-01)", "2004-01-01")
    placed, report = load_incidents(days)
    assert set(placed.attrs) <= DATA_DESCRIPTIONS and report.summary["read"] == 2
    assert list(placed["date"]) == [pd.Timestamp("2004-01-01"), pd.Timestamp("2004-02-09")]
    assert any("day 1 = 2004-01-01" in n for n in report.notes)
    big = _write(tmp_path, "big.csv", "date,latitude,longitude\n" + "".join(
        f"2020-01-{i % 28 + 1:02d},34.5,69.1{i % 10}\n" for i in range(3000)))  # fmt: skip
    blocks = incident_blocks(big, block_bytes=16_384)
    assert blocks is not None
    pairs = list(blocks.pairs())
    assert len(pairs) > 1 and all(f.encoding == "utf-8" for _, f in pairs)
    assert all(set(b.attrs) <= DATA_DESCRIPTIONS for b, _ in pairs)
    assert sum(len(b) for b, _ in pairs) == 3000
