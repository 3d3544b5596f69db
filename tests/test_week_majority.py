"""A week of seven days (ACLED's Saturday to Friday) is where most of its days are: counted
in the week, month, quarter or year holding its middle day, and inside a window of a week or
more when four or more of its days are. A steady weekly series stays steady by month."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import incidentmap as im
from incidentmap.aggregate import row_periods
from incidentmap.filters import select_rows
from incidentmap.options import Filters
from tests.test_cli import run

HEAD = (
    "week,region,country,admin1,event_type,sub_event_type,events,fatalities,disorder_type,"
    "centroid_latitude,centroid_longitude\n"
)


def _weekly(path, saturdays, per_week: int = 10) -> None:
    """ACLED's aggregated weekly layout: Kabul, ``per_week`` events every Saturday week."""
    rows = [
        f"{d:%Y-%m-%d},Caucasus and Central Asia,Afghanistan,Kabul,Battles,Armed clash,"
        f"{per_week},5,Political violence,34.53,69.17"
        for d in saturdays
    ]
    path.write_text(HEAD + "\n".join(rows) + "\n", encoding="utf-8")


def _days_by(period: str, saturdays) -> pd.Series:
    """Per period, the weeks whose middle day (4 of their 7 days) it holds, day by day."""
    freq = {"week": "W-SUN", "month": "M", "quarter": "Q", "year": "Y"}[period]
    held = []
    for s in saturdays:
        days = pd.date_range(s, periods=7, freq="D").to_period(freq).value_counts()
        held.append(days.idxmax().start_time)
    return pd.Series(held).value_counts().sort_index()


@pytest.mark.parametrize("period", ["week", "month", "quarter", "year"])
def test_a_steady_weekly_series_is_counted_whole_in_every_period(
    tmp_path, capsys, use_cache, period
):
    saturdays = pd.date_range("2022-12-31", "2023-12-30", freq="7D")
    src, out = tmp_path / "weekly.csv", tmp_path / "t.csv"
    _weekly(src, saturdays)
    code, _, err = run(capsys, "aggregate", src, "--period", period, "--level", "province",
                       "--weight", "events", "-o", out)  # fmt: skip
    assert code == 0, err
    t = pd.read_csv(out)
    kabul = t[t["province"] == "Kabul"].set_index("period_start")["incidents"]
    expected = _days_by(period, saturdays) * 10
    assert kabul.sum() == 10 * len(saturdays)  # every week in one period: none lost
    assert {pd.Timestamp(k): v for k, v in kabul.items()} == expected.to_dict()
    if period == "month":  # 4 or 5 weeks a month, as the calendar gives: never 3
        assert set(kabul.iloc[:12]) == {40, 50}
        assert (
            "dated to a week that runs into the next month: each is counted in the month "
            "holding its middle day" in err
        )
    # the library gives the same periods
    g = im.read(src).frame
    assert sorted(row_periods(g, period).value_counts().to_dict().items()) == sorted(
        (pd.Timestamp(k), v // 10) for k, v in expected.items()
    )


def test_trends_on_a_steady_weekly_series_see_no_change(tmp_path, capsys, use_cache):
    _weekly(tmp_path / "w.csv", pd.date_range("2023-01-07", "2023-03-25", freq="7D"), 3)
    code, out, err = run(capsys, "trends", tmp_path / "w.csv", "--period", "month", "--level",
                         "province", "--weight", "events", "-f", "csv")  # fmt: skip
    assert code == 0, err
    t = pd.read_csv(pd.io.common.StringIO(out))
    kabul = t[t["province"] == "Kabul"].iloc[0]
    # the middle days: 10, 17, 24, 31 January; 7, 14, 21, 28 February; 7, 14, 21, 28 March
    # (the last week runs to 31 March): 4 weeks, 12 events, every month; the old rule (in
    # no month when it runs into the next) gave 9, 9, 12 and a rise of a third
    assert (kabul["last_count"], kabul["baseline_mean"], kabul["change"]) == (12, 12, 0)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    first=st.integers(0, 400),
    weeks=st.integers(1, 20),
    since=st.integers(0, 520),
    length=st.integers(0, 60),
)
def test_a_window_keeps_a_week_when_most_of_it_is_inside(first, weeks, since, length):
    start = pd.Timestamp("2022-01-01") + pd.Timedelta(days=first)
    frame = pd.DataFrame({
        "row": range(1, weeks + 1),
        "date": [start + pd.Timedelta(days=7 * k) for k in range(weeks)],
        "date_precision": "week",
    })  # fmt: skip
    lo = pd.Timestamp("2022-01-01") + pd.Timedelta(days=since)
    hi = lo + pd.Timedelta(days=length)
    chosen = select_rows(frame, Filters(since=f"{lo:%Y-%m-%d}", until=f"{hi:%Y-%m-%d}"))
    kept, cut = [], []
    for i, d in enumerate(frame["date"]):
        inside = sum(lo <= d + pd.Timedelta(days=k) <= hi for k in range(7))
        if inside == 7 or (inside >= 4 and length >= 6):
            kept.append(i)
        elif inside:
            cut.append(i)
    assert sorted(chosen.kept.index) == kept and sorted(chosen.cut.index) == cut
    assert chosen.by_most == sum(
        1
        for i in kept
        if not (lo <= frame["date"][i] and frame["date"][i] + pd.Timedelta(days=6) <= hi)
    )


def test_a_window_on_whole_weeks_keeps_what_the_week_table_counts(tmp_path, capsys, use_cache):
    """The week of Saturday 21 January is counted in the week of Monday 23 January; a window
    on the weeks of 23 and 30 January keeps it (it cut it before), and says so."""
    src = tmp_path / "w.csv"
    _weekly(src, pd.date_range("2023-01-07", "2023-03-25", freq="7D"), 2)
    out = tmp_path / "a.csv"
    code, _, err = run(capsys, "aggregate", src, "--period", "week", "--level", "province",
                       "--weight", "events", "--since", "2023-01-23", "--until", "2023-02-05",
                       "-o", out)  # fmt: skip
    assert code == 0, err
    t = pd.read_csv(out)
    kabul = t[t["province"] == "Kabul"].set_index("period_start")["incidents"].to_dict()
    assert kabul == {"2023-01-23": 2, "2023-01-30": 2}
    assert (
        "kept: 1 row dated to a week of seven days with four or more of them in the window" in err
    )


def test_undated_rows_a_window_leaves_out_are_said_and_on_the_page(tmp_path, capsys, use_cache):
    src = tmp_path / "gen.csv"
    src.write_text("id,date,province,fatalities\n1,2023-05-10,Kabul,1\n2,2023-05,Kabul,2\n"
                   "3,,Kandahar,3\n4,Unknown,Kabul,4\n5,2023-06-02,Herat,\n")  # fmt: skip
    code, _, err = run(capsys, "brief", src, "-o", tmp_path / "b.html", "--level", "province",
                       "--since", "2023-05-01", "--until", "2023-05-20")  # fmt: skip
    assert code == 0, err
    assert "left out: 2 rows with no date: a date window keeps only rows it can place" in err
    page = (tmp_path / "b.html").read_text(encoding="utf-8")
    assert "2 rows with no date" in page
    got = im.query(src, since="2023-05-01", until="2023-05-20")
    assert got.report.counts["undated_left_out"] == 2 and len(got.frame) == 1


def test_a_frame_with_a_repeated_index_and_a_cut_row(tmp_path, use_cache):
    """Two frames put together repeat their index: the cut row's example is taken by position."""
    (tmp_path / "a.csv").write_text(
        "date,province,fatalities\n2023-05,Kabul,1\n2023-05-10,Kabul,2\n"
    )
    (tmp_path / "b.csv").write_text(
        "date,province,fatalities\n2023-05,Herat,1\n2023-05-11,Herat,2\n"
    )
    a, b = im.read(tmp_path / "a.csv").frame, im.read(tmp_path / "b.csv").frame
    both = gpd.GeoDataFrame(pd.concat([a, b]), crs=a.crs)
    got = im.query(both, since="2023-05-05", until="2023-05-20")
    assert len(got.frame) == 2 and got.report.counts["span_cut"] == 2


def test_all_cut_says_a_zero_is_none_known(tmp_path, capsys, use_cache):
    src = tmp_path / "w.csv"
    _weekly(src, [pd.Timestamp("2023-01-28")], 2)
    code, _, err = run(capsys, "aggregate", src, "--period", "none", "--level", "province",
                       "--weight", "events", "--since", "2023-01-30", "--until", "2023-02-02",
                       "-o", tmp_path / "z.csv")  # fmt: skip
    assert code == 0, err
    assert (
        "every count is 0 of the rows known to lie inside the window; 1 row that may "
        "belong was left out (above): such a 0 is none known, not none" in err
    )


def test_a_count_tables_cut_rows_are_said_with_their_incidents(tmp_path, capsys, use_cache):
    """On a count table, "left out: 2 rows" were 5 incidents: the line and the page say both."""
    src = tmp_path / "w.csv"
    _weekly(src, pd.date_range("2023-01-07", "2023-03-25", freq="7D"), 2)
    code, _, err = run(capsys, "brief", src, "--weight", "events", "-o", tmp_path / "b.html",
                       "--since", "2023-02-01", "--until", "2023-02-28")  # fmt: skip
    assert code == 0, err
    assert "left out: 1 row (2 incidents) dated only to a span the window" in err
    page = (tmp_path / "b.html").read_text(encoding="utf-8")
    assert "Left out, though they may belong: 1 row (2 incidents) dated only to a week" in page


def test_a_pages_date_range_ends_on_the_last_weeks_last_day(tmp_path, capsys, use_cache):
    """The caption said "04 Feb 2023 - 18 Feb 2023" for weeks that run to 24 February."""
    from incidentmap.render.data import date_span

    weeks = pd.DataFrame({"date": pd.to_datetime(["2023-02-04", "2023-02-18"]),
                          "date_precision": "week"})  # fmt: skip
    assert date_span(weeks) == "04 Feb 2023 \u2013 24 Feb 2023"
    month = pd.DataFrame({"date": pd.to_datetime(["2023-02-04", "2023-02-01"]),
                          "date_precision": ["week", "month"]})  # fmt: skip
    assert date_span(month) == "Feb 2023"  # the month's span ends last: written as a month
    src = tmp_path / "w.csv"
    _weekly(src, pd.date_range("2023-02-04", "2023-02-18", freq="7D"), 2)
    code, _, err = run(capsys, "brief", src, "--weight", "events", "-o", tmp_path / "b.html")
    assert code == 0, err
    assert "04 Feb 2023 \u2013 24 Feb 2023" in (tmp_path / "b.html").read_text(encoding="utf-8")
