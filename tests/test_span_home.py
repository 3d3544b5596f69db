"""One home for a row's span of days: the date filters, the count tables and coverage agree."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from incidentmap.aggregate import coarse_rows, last_day_covered, row_periods
from incidentmap.spans import date_spans


def test_each_precision_stands_for_its_calendar_period():
    rows = pd.DataFrame({
        "date": ["2023-05-17", "2023-05-17", "2023-05-01", "2023-04-15", "2019-01-01", None,
                 "2015-07-28"],
        "date_precision": ["day", "week", "month", "quarter", "year", None, "week"],
        "date_end": [None, None, None, None, None, None, "2015-07-29"],
    })  # fmt: skip
    first, last = date_spans(rows)
    assert [d.strftime("%Y-%m-%d") if pd.notna(d) else None for d in last] == [
        "2023-05-17", "2023-05-23", "2023-05-31", "2023-06-30", "2019-12-31", None,
        "2015-07-29",  # the stated end: UCDP's two days, not the week into August
    ]  # fmt: skip
    assert first.iloc[1] == pd.Timestamp("2023-05-17")


_PRECISIONS = st.sampled_from(["day", "week", "month", "quarter", "year"])


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.dates(pd.Timestamp("2015-01-01").date(), pd.Timestamp("2024-12-31").date()),
                  _PRECISIONS),
        min_size=1, max_size=12,
    ),
    st.sampled_from(["day", "week", "month", "quarter", "year"]),
)  # fmt: skip
def test_counts_and_coverage_read_the_same_spans(rows, period):
    frame = pd.DataFrame({"date": [pd.Timestamp(d) for d, _ in rows],
                          "date_precision": [p for _, p in rows]})  # fmt: skip
    first, last = date_spans(frame)
    assert last_day_covered(frame) == last.max()
    # the period each row is counted in, from its days one by one: the one period holding
    # them all; a week of seven days (by week or longer) the period holding most of them
    freq = {"day": "D", "week": "W-SUN", "month": "M", "quarter": "Q", "year": "Y"}[period]
    expected = []
    for (_, prec), a, b in zip(rows, first, last, strict=True):
        held = pd.date_range(a, b, freq="D").to_period(freq).value_counts()
        if len(held) == 1 or (prec == "week" and period != "day"):
            expected.append(held.idxmax().start_time if held.max() >= 4 or len(held) == 1 else None)
        else:
            expected.append(None)
    got = row_periods(frame, period)
    assert [None if pd.isna(v) else v for v in got] == expected
    assert coarse_rows(frame, period).tolist() == [e is None for e in expected]


def _acled_weeks(folder) -> object:
    """ACLED's weekly counts of Kabul: the weeks of Saturday 21 and Saturday 28 January 2023."""
    path = folder / "weekly.csv"
    path.write_text(
        "week,region,country,admin1,event_type,sub_event_type,events,fatalities,"
        "disorder_type,centroid_latitude,centroid_longitude\n"
        "2023-01-21,Caucasus and Central Asia,Afghanistan,Kabul,Battles,Armed clash,2,1,"
        "Political violence,34.53,69.17\n"
        "2023-01-28,Caucasus and Central Asia,Afghanistan,Kabul,Battles,Armed clash,3,5,"
        "Political violence,34.53,69.17\n",
        encoding="utf-8",
    )
    return path


def _kabul_by(folder, period: str) -> tuple:
    """Count ``_acled_weeks`` by ``period`` through the CLI: the run and Kabul's counts."""
    from typer.testing import CliRunner

    from incidentmap.cli import app

    out = folder / f"{period}.csv"
    result = CliRunner().invoke(app, [
        "aggregate", str(_acled_weeks(folder)), "--period", period, "--level", "province",
        "--weight", "events", "-o", str(out),
    ])  # fmt: skip
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out)
    return result, table[table["province"] == "Kabul"].set_index("period_start")["incidents"]


def test_acled_weeks_run_saturday_to_friday(tmp_path):
    """ACLED's aggregated weeks start on their Saturday: one that runs into the next month
    is in the month holding most of its days (said), never in none (a steady series would
    lose the weeks at both edges of each month) and never by its Saturday alone."""
    result, kabul = _kabul_by(tmp_path, "month")
    # 21-27 Jan in January; 28 Jan - 3 Feb: four of its days (28-31) in January
    assert kabul.to_dict() == {"2023-01-01": 5}
    assert (
        "1 row is dated to a week that runs into the next month: each is counted in the "
        "month holding its middle day" in result.output
    )


def test_acled_weeks_by_week_are_in_the_calendar_week_of_their_weekdays(tmp_path):
    """By week, ACLED's Saturday-to-Friday week was refused ("no week holds one") once a
    week was seven days: it is counted in the calendar week holding five of its days, said."""
    result, kabul = _kabul_by(tmp_path, "week")
    assert kabul.to_dict() == {"2023-01-23": 2, "2023-01-30": 3}
    assert "2 rows are dated to a week that does not start on a Monday" in result.output
    from typer.testing import CliRunner

    from incidentmap.cli import app

    path = _acled_weeks(tmp_path)
    result = CliRunner().invoke(app, ["trends", str(path), "--period", "week", "--level",
                                      "province", "--weight", "events", "-f", "csv"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "does not start on a Monday" in result.output
