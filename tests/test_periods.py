"""Periods say what they hold (issue 26, class 6): no row drops out of a period without a note.

Undated rows and rows dated to a span no one period holds are said with their counts, so that
a period table plus the rows said is the layer's total; the covered period comes from the
layout's stated span when it states one (GTD and UCDP GED are published in whole years) and
says how it was decided otherwise; trends of province-only rows at district level gives the
reason ``brief`` gives; month-dated rows compare by month.
"""

from __future__ import annotations

import io

import pandas as pd
import pyogrio
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import incidentmap as im
from incidentmap.aggregate import coarse_count, coarse_rows
from incidentmap.spans import RELEASED_BY_YEAR
from tests.conftest import INCIDENTS
from tests.test_cli import run

UCDP = INCIDENTS / "ucdp_ged_afg_realcaddish.geojson"
GTD = INCIDENTS / "gtd_afg_2004_2009_towns.csv"
PROVINCES = ["Herat", "Kabul", "Balkh", "Kandahar", "Nangarhar"]


def _rows(dated: list[tuple[int, int]], undated: int) -> pd.DataFrame:
    """Rows by province, dated in 2023 (month, day), and ``undated`` rows without a date."""
    rows = [
        {"date": f"2023-{m:02d}-{d:02d}", "province": PROVINCES[i % 5], "fatalities": 1}
        for i, (m, d) in enumerate(dated)
    ]
    rows += [{"date": "", "province": PROVINCES[i % 5], "fatalities": 1} for i in range(undated)]
    return pd.DataFrame(rows)


@settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)  # capsys: read each run
@given(
    dated=st.lists(st.tuples(st.integers(1, 12), st.integers(1, 28)), min_size=1, max_size=12),
    undated=st.integers(1, 4),
)
def test_undated_rows_never_drop_out_of_a_month_table_unsaid(
    capsys, cache, tmp_path_factory, dated, undated
):
    folder = tmp_path_factory.mktemp("undated")
    src, out = folder / "in.csv", folder / "out.csv"
    _rows(dated, undated).to_csv(src, index=False)
    code, _, err = run(capsys, "aggregate", src, "--level", "province", "--period", "month",
                       "-o", out)  # fmt: skip
    assert code == 0, err
    counted = pd.read_csv(out)["incidents"].sum()
    placed = im.read(src).frame
    missing = int(placed["date"].isna().sum())
    assert missing == undated and counted == len(placed) - missing  # the table: dated rows
    rows = "row has" if missing == 1 else "rows have"
    assert f"{missing} {rows} no date: counted in no month ({missing} placed in a province" in err
    assert f"{counted:,} incident" in err


def test_the_ucdp_month_table_and_its_layer_add_up_with_the_reason_said(
    capsys, use_cache, tmp_path
):
    out = tmp_path / "ucdp.geojson"
    code, _, err = run(capsys, "export", UCDP, "--layer", "districts", "--period", "month",
                       "-o", out)  # fmt: skip
    assert code == 0, err
    layer = pyogrio.read_dataframe(out, read_geometry=False)
    table = pd.read_csv(tmp_path / "ucdp.districts_by_month.csv")
    g = im.read(UCDP).frame
    coarse = coarse_count(g, "district", "month")  # the library's own count of them
    assert coarse == layer["incidents"].sum() - table["incidents"].sum() > 0
    assert (
        f"table districts_by_month counts {table['incidents'].sum()} of the "
        f"{layer['incidents'].sum()} incidents of layer districts: {coarse} dated only to a "
        "span no one month holds"
    ) in err
    placed = g[g["district_id"].notna()]  # the rows the layer counts
    kinds = placed.loc[coarse_rows(placed, "month"), "date_precision"].value_counts()
    assert all(f"{n} to a {k}" in err for k, n in kinds.items())
    code, _, err = run(capsys, "aggregate", UCDP, "--period", "month", "-o", tmp_path / "a.csv")
    assert code == 0 and f"{coarse} rows are dated only to a span no one month holds" in err


def test_gtd_december_2009_is_complete_the_stated_span_not_the_last_event(
    capsys, use_cache, tmp_path
):
    g = im.read(GTD).frame
    last = pd.Timestamp(g["date"].max())
    assert last.day != 31 and "gtd" in RELEASED_BY_YEAR  # no event on the 31st
    out = tmp_path / "gtd.csv"
    code, _, err = run(capsys, "aggregate", GTD, "--level", "province", "-o", out)
    assert code == 0, err
    counts = pd.read_csv(out, parse_dates=["period_start"])
    december = counts[counts["period_start"] == last.to_period("M").start_time]
    assert december["period_complete"].all() and "period_complete is false" not in err
    code, out_text, err = run(capsys, "trends", GTD, "--period", "month", "--no-hotspots",
                              "-f", "csv")  # fmt: skip
    assert code == 0, err
    assert pd.read_csv(io.StringIO(out_text))["last_period"].iloc[0] == f"{last:%Y-%m}-01"


def test_coverage_from_the_last_event_says_how_it_was_decided(capsys, use_cache, tmp_path):
    src = tmp_path / "generic.csv"
    # from 1 January: the data cover from their first event, and January is whole
    _rows([(1, 1), (2, 7), (3, 30)], 0).to_csv(src, index=False)
    code, _, err = run(capsys, "aggregate", src, "--level", "province", "-o", tmp_path / "o.csv")
    assert code == 0, err
    assert (
        "period_complete is false for the month from 2023-03-01: the data cover to 2023-03-30 "
        "(the last event's date; the layout states no span, --until sets another)"
    ) in err
    code, _, err = run(capsys, "trends", src, "--period", "month", "--no-hotspots", "-f", "csv")
    assert code == 0 and "the data cover to 2023-03-30: the last event's date" in err
    code, _, err = run(capsys, "aggregate", src, "--level", "province", "--until", "2023-03-31",
                       "-o", tmp_path / "u.csv")  # fmt: skip
    assert code == 0 and "period_complete is false" not in err


def test_trends_of_province_only_rows_at_district_level_gives_the_real_reason(
    capsys, use_cache, tmp_path
):
    src = tmp_path / "provinces.csv"
    _rows([(m, 10) for m in range(1, 13)], 0).to_csv(src, index=False)
    code, _, trends_err = run(capsys, "trends", src, "--level", "district", "--period", "month")
    assert code == 2
    assert "placed only to a province (the data name no district or point)" in trends_err
    assert "--level province" in trends_err and "no dated incidents" not in trends_err
    code, _, brief_err = run(capsys, "brief", src, "--level", "district", "-o",
                             tmp_path / "b.html")  # fmt: skip
    assert code == 2 and "placed only to a province" in brief_err  # the same reason


@pytest.mark.parametrize("period", ["month", "quarter", "year"])
def test_trends_on_month_dated_rows_compares_by_month(capsys, use_cache, tmp_path, period):
    src = tmp_path / "monthly.csv"
    months = pd.period_range("2022-01", "2023-12", freq="M")
    rows = [
        {"month": f"{m}", "province": p, "events": (i * 7 + j) % 4}
        for i, m in enumerate(months)
        for j, p in enumerate(["Balkh", "Herat", "Kabul"])
    ]
    pd.DataFrame(rows).to_csv(src, index=False)
    code, out, err = run(capsys, "trends", src, "--date", "month", "--weight", "events",
                         "--period", period, "--no-hotspots", "-f", "csv")  # fmt: skip
    assert code == 0, err  # was KeyError: 'AF-BAL'
    got = pd.read_csv(io.StringIO(out)).set_index("province")["last_count"]
    frame = pd.DataFrame(rows)
    last = pd.Period(months[-1], freq={"month": "M", "quarter": "Q", "year": "Y"}[period])
    in_last = frame[[pd.Period(m, freq="M").asfreq(last.freqstr) == last
                     for m in frame["month"]]]  # fmt: skip
    want = in_last.groupby("province")["events"].sum()
    assert (got.reindex(want.index) == want).all()
    assert "surge and threat not applied" in err


def test_rows_dated_only_to_years_are_dated_not_undated(capsys, use_cache, tmp_path):
    """A file of years alone under the default month: refused with how its rows are dated and
    the period that holds them (it said "no dated incidents"), through the CLI and the library;
    ``period`` year then draws them."""
    src = tmp_path / "years.csv"
    rows = [{"year": 2015 + i % 5, "province": PROVINCES[i % 5], "killed": i} for i in range(20)]
    pd.DataFrame(rows).to_csv(src, index=False)
    out = tmp_path / "years.html"
    code, _, err = run(capsys, "brief", src, "-o", out)
    assert code != 0 and not out.exists()
    assert "no month holds any of the 20 dated rows (20 to a year)" in err
    assert "--period year" in err and "no dated incidents" not in err
    with pytest.raises(im.UsageError, match="`period` year"):
        im.brief(src)
    code, _, err = run(capsys, "brief", src, "-o", out, "--period", "year")
    assert code == 0 and out.exists()
