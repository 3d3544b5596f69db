from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import incidentmap as im
from incidentmap.aggregate import counts_by_area, period_start
from incidentmap.geocode import geocode as geocode_frame
from incidentmap.pipeline import load_incidents
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
    return geocode_frame(im.read_incidents(path))


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
    # one incident whose toll is unknown: the sum is unknown (issue 16), not 0
    assert jal.loc["2023-05", "incidents"] == 1 and np.isnan(jal.loc["2023-05", "fatalities"])
    assert jal.loc["2023-05", "fatalities_known"] == 0
    assert jal.loc["2023-04", "fatalities"] == 0  # no incident: nothing to add up
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
    # a text column is not summed to zeros (issue 18): refused with its row and column
    assert code == 1 and "row 1, column 'inter1': --sum needs numbers" in err
    assert not (tmp_path / "s.csv").exists()
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


def test_unknown_tolls_stay_unknown_in_counts_and_caption(use_cache):
    # issue 16: a province whose every toll is unknown summed to 0.0, and the caption said
    # "225 reported fatalities" with no word of the 44 unknown tolls
    from incidentmap.render.data import default_caption
    from tests.conftest import ROOT

    g, _ = load_incidents(ROOT / "geo" / "sample_incidents.csv")
    known = int(g["fatalities"].notna().sum())
    assert 0 < known < len(g)
    counts = counts_by_area(g, im.load_boundaries("province"), level="province", period=None)
    by = counts.set_index("province")
    badakhshan = g[g["province"] == "Badakhshan"]
    assert len(badakhshan) and badakhshan["fatalities"].isna().all()
    assert np.isnan(by.loc["Badakhshan", "fatalities"])  # unknown, not 0
    assert by.loc["Badakhshan", "fatalities_known"] == 0
    assert by.loc["Bamyan", "incidents"] == 0 and by.loc["Bamyan", "fatalities"] == 0
    assert counts["fatalities_known"].sum() == known
    assert np.nansum(counts["fatalities"]) == g["fatalities"].sum()
    caption = default_caption(g)
    assert f"(tolls known for {known} of {len(g)} incidents)" in caption


def test_partial_periods_are_marked_in_tables(use_cache):
    # issue 16: a half month ranked as a month; the table says which periods are complete
    from tests.conftest import ROOT

    # dates start 8 Mar 2017 and end 7 Nov 2023: the first month is as partial as the last
    g, _ = load_incidents(ROOT / "geo" / "sample_incidents.csv")
    c = counts_by_area(g, im.load_boundaries("province"), level="province", period="month")
    first, last = c["period_start"].min(), c["period_start"].max()
    assert (first, last) == (pd.Timestamp("2017-03-01"), pd.Timestamp("2023-11-01"))
    assert not c.loc[c["period_start"].isin([first, last]), "period_complete"].any()
    assert c.loc[c["period_start"].between(first, last, "neither"), "period_complete"].all()
    full = counts_by_area(
        g,
        im.load_boundaries("province"),
        level="province",
        period="month",
        span=(None, "2023-11-30"),
        coverage=("2017-03-01", None),  # a stated first day: March 2017 is whole
    )
    assert full["period_complete"].all()


@given(
    weights=st.lists(st.integers(min_value=0, max_value=40), min_size=1, max_size=6),
    known=st.lists(st.booleans(), min_size=6, max_size=6),
)
@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_tolls_known_count_a_weighted_row_as_its_weight(
    use_cache, tmp_path, capsys, weights, known
):
    """A count table's row with a toll counts its events as known, as `incidents` counts
    them (the review's finding 11: "tolls known for 1 of 5")."""
    from tests.test_cli import run

    src = tmp_path / "table.csv"
    lines = ["province,date,events,fatalities"]
    for i, w in enumerate(weights):
        lines.append(f"Kabul,2023-03-0{1 + i},{w},{i if known[i] else ''}")
    src.write_text("\n".join(lines) + "\n")
    out = tmp_path / "counts.csv"
    code, _, err = run(capsys, "aggregate", src, "--weight", "events", "--level", "province",
                       "--period", "none", "-o", out, "--overwrite")  # fmt: skip
    assert code == 0, err
    kabul = pd.read_csv(out).set_index("province").loc["Kabul"]
    assert kabul["incidents"] == sum(weights)
    assert kabul["fatalities_known"] == sum(
        w for w, k in zip(weights, known[: len(weights)], strict=True) if k
    )
