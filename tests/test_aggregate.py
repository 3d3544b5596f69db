from __future__ import annotations

import pandas as pd
import pytest

import incidentmap as im
from incidentmap.aggregate import counts_by_area, period_start
from tests.conftest import DATA, SHARED
from tests.test_cli import run


@pytest.fixture(scope="module")
def events(cache):
    frame = pd.DataFrame(
        {
            "date": ["2023-03-06", "2023-03-12", "2023-03-13", "2023-05-02", "2023-05-02", None],
            "province": ["Nangarhar"] * 6,
            "district": ["Jalalabad", "Jalalabad", "Surkh Rod", None, "Jalalabad", "Jalalabad"],
            "fatalities": [1, 2, 0, 5, None, 7],
        }
    )
    path = cache / "events.csv"
    frame.to_csv(path, index=False)
    return im.geocode(im.read_incidents(path))


def test_period_start_weeks_begin_monday():
    d = pd.Series(pd.to_datetime(["2023-03-05", "2023-03-06", "2023-03-12", "2023-03-13"]))
    assert list(period_start(d, "week").dt.strftime("%Y-%m-%d")) == [
        "2023-02-27",
        "2023-03-06",
        "2023-03-06",
        "2023-03-13",
    ]
    assert list(period_start(d, "quarter").dt.strftime("%m-%d")) == ["01-01"] * 4


def test_counts_zero_filled(events, districts):
    c = counts_by_area(events, districts, level="district", period="month")
    assert len(c) == 398 * 3  # March, April (empty), May
    jal = c[c["district"] == "Jalalabad"]
    jal = jal.set_index(jal["period_start"].dt.strftime("%Y-%m"))
    assert jal.loc["2023-03", "incidents"] == 2 and jal.loc["2023-03", "fatalities"] == 3
    assert jal.loc["2023-04", "incidents"] == 0
    assert jal.loc["2023-05", "incidents"] == 1 and jal.loc["2023-05", "fatalities"] == 0
    assert c["incidents"].sum() == 4  # the undated and the province-only rows are not in months


def test_province_level_counts_province_precision_rows(events, province_layer):
    c = counts_by_area(events, province_layer, level="province", period=None)
    assert len(c) == 34
    nan = c.set_index("province_code").loc["AF-NAN"]
    assert nan["incidents"] == 6 and nan["fatalities"] == 15


def test_weekly(events, districts):
    c = counts_by_area(events, districts, level="district", period="week")
    jal = c[(c["district"] == "Jalalabad") & (c["incidents"] > 0)]
    assert list(jal["period_start"].dt.strftime("%Y-%m-%d")) == ["2023-03-06", "2023-05-01"]
    assert list(jal["incidents"]) == [2, 1]


def test_population_rates(events, province_layer):
    pop = pd.DataFrame({"province_code": ["AF-NAN"], "population": [2_000_000]})
    c = counts_by_area(events, province_layer, level="province", period=None, population=pop)
    assert c.set_index("province_code").loc["AF-NAN", "incidents_per_100k"] == pytest.approx(0.3)


def test_cli_aggregate(capsys, use_cache, tmp_path):
    out = tmp_path / "counts.csv"
    code, _, err = run(
        capsys,
        "aggregate",
        DATA / "acled.csv",
        "--level",
        "district",
        "--period",
        "month",
        "-o",
        out,
    )
    assert code == 0, err
    table = pd.read_csv(out)
    assert len(table) == 398 * 2 and table["incidents"].sum() == 3
    code, _, err = run(
        capsys,
        "aggregate",
        DATA / "acled.csv",
        "--period",
        "none",
        "--sum",
        "inter1",
        "-o",
        tmp_path / "s.csv",
    )
    assert code == 0, err
    assert pd.read_csv(tmp_path / "s.csv")["inter1"].sum() == 0  # text column: nothing to add
    code, _, err = run(
        capsys, "aggregate", DATA / "acled.csv", "--sum", "nope", "-o", tmp_path / "t.csv"
    )
    assert code == 2 and "--sum: no column 'nope'" in err
    pop = SHARED / "population" / "ocha-codps-afg-2021-adm1" / "afg_admpop_adm1_2021_v2.csv"
    code, _, err = run(
        capsys,
        "aggregate",
        DATA / "acled.csv",
        "--level",
        "province",
        "--period",
        "none",
        "--population",
        pop,
        "-o",
        tmp_path / "p.geojson",
    )
    assert code == 0, err
    g = __import__("geopandas").read_file(tmp_path / "p.geojson")
    assert len(g) == 34 and g["incidents_per_100k"].notna().all()
