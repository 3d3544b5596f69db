"""A row's stated span decides its period (issue 26, class 6 follow-up).

UCDP GED states each event's earliest and latest day (``date_start``..``date_end``); the
reader keeps ``date_end`` beside the date and the counting rule (``aggregate.coarse_rows``)
counts a row in a period when that span lies inside it, not when the calendar week its
precision names does: 28-29 July 2015 is in July. Files without a stated end keep the
precision's rule. The expected numbers come from the file's own columns.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pyogrio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import incidentmap as im
from incidentmap.aggregate import PERIODS, coarse_count, coarse_rows, counts_by_area, row_periods
from tests.conftest import INCIDENTS
from tests.test_cli import run

UCDP = INCIDENTS / "ucdp_ged_afg_realcaddish.geojson"


def _inside(start: pd.Series, end: pd.Series, period: str, prec: object = None) -> pd.Series:
    """Whether each stated span lies inside one period (the file's own word).

    A week of seven days (``prec`` "week") is counted in the period holding most of its
    days, as ACLED's Saturday weeks are: always in one week, month, quarter or year.
    """
    freq = PERIODS[period]
    s, e = pd.to_datetime(start), pd.to_datetime(end)
    held = s.dt.to_period(freq) == e.dt.to_period(freq)
    if prec is not None:
        seven = (e - s).dt.days == 6
        held = held | (seven & (pd.Series(prec, index=held.index) == "week"))
    return held


def test_ucdp_rows_count_in_the_period_their_stated_span_lies_in(use_cache, districts):
    raw = pyogrio.read_dataframe(UCDP, read_geometry=False)
    g = im.read(UCDP).frame
    assert "date_end" in g.columns and len(g) == len(raw)
    for period in ("week", "month", "quarter", "year"):
        prec = g["date_precision"].to_numpy()
        inside = _inside(raw["date_start"], raw["date_end"], period, prec).to_numpy()
        assert (~coarse_rows(g, period) == inside).all(), period
    counts = counts_by_area(g, districts, level="district", period="month")
    placed = g["district_id"].notna().to_numpy()  # 34 at the country's centre: no point
    held = int(_inside(raw["date_start"], raw["date_end"], "month", prec).to_numpy()[placed].sum())
    assert counts["incidents"].sum() == held == placed.sum() - coarse_count(g, "district", "month")
    # the old rule's own case: 2015-07-28..29 is in July though its calendar week is not
    july = (raw["date_start"].astype(str).str[:10] == "2015-07-28").to_numpy()
    assert july.any() and not coarse_rows(g, "month")[july].any()


def test_ucdp_export_and_aggregate_say_the_rows_no_month_holds(capsys, use_cache, tmp_path):
    raw = pyogrio.read_dataframe(UCDP, read_geometry=False)
    g = im.read(UCDP).frame
    prec = g["date_precision"].to_numpy()
    placed = g["district_id"].notna().to_numpy()  # 34 at the country's centre: no point
    held = int(_inside(raw["date_start"], raw["date_end"], "month", prec).to_numpy()[placed].sum())
    n = int(placed.sum())
    left = n - held
    code, _, err = run(capsys, "export", UCDP, "--layer", "districts", "--period", "month",
                       "-o", tmp_path / "u.geojson")  # fmt: skip
    assert code == 0, err
    table = pd.read_csv(tmp_path / "u.districts_by_month.csv")
    assert table["incidents"].sum() == held
    assert (f"table districts_by_month counts {held} of the {n} incidents of layer "
            f"districts: {left} dated only to a span no one month holds") in err  # fmt: skip
    code, _, err = run(capsys, "aggregate", UCDP, "--period", "month", "-o", tmp_path / "a.csv")
    assert code == 0 and f"{left} rows are dated only to a span no one month holds" in err
    assert pd.read_csv(tmp_path / "a.csv")["incidents"].sum() == held
    # a geocoded file keeps date_end as written: read back, the same rows hold
    code, _, err = run(capsys, "geocode", UCDP, "-o", tmp_path / "g.csv")
    assert code == 0, err
    code, _, err = run(capsys, "aggregate", tmp_path / "g.csv", "--period", "month",
                       "-o", tmp_path / "b.csv")  # fmt: skip
    assert code == 0 and f"{left} rows are dated only to a span no one month holds" in err


_DAY0 = dt.date(2020, 1, 1)
spans = st.lists(st.tuples(st.integers(0, 800), st.integers(0, 50)), min_size=1, max_size=25)


def _span_rows(rows: list[tuple[int, int]], end: bool) -> pd.DataFrame:
    out = pd.DataFrame(
        {
            "date": [(_DAY0 + dt.timedelta(days=a)).isoformat() for a, _ in rows],
            "province": ["Kabul"] * len(rows),
        }
    )
    if end:
        out["date_end"] = [(_DAY0 + dt.timedelta(days=a + n)).isoformat() for a, n in rows]
    return out


@settings(max_examples=6, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(rows=spans, period=st.sampled_from(["week", "month", "quarter", "year"]))
def test_generated_spans_count_where_they_lie_through_cli_and_library(
    capsys, cache, tmp_path_factory, rows, period
):
    folder = tmp_path_factory.mktemp("spans")
    src, out = folder / "in.csv", folder / "out.csv"
    frame = _span_rows(rows, end=True)
    frame.to_csv(src, index=False)
    g = im.read(src).frame
    inside = _inside(frame["date"], frame["date_end"], period, g["date_precision"].to_numpy())
    inside = inside.to_numpy()
    assert (~coarse_rows(g, period) == inside).all()
    code, _, err = run(capsys, "aggregate", src, "--level", "province", "--period", period,
                       "-o", out)  # fmt: skip
    if not inside.any():  # no period holds a row: refused, never a table of zeros
        assert code == 2 and f"no {period} holds any of the" in err and not out.exists()
        return
    assert code == 0, err
    assert pd.read_csv(out)["incidents"].sum() == inside.sum()


@settings(max_examples=5, deadline=None)
@given(rows=spans)
def test_without_a_stated_end_the_precision_rule_stays(rows):
    g = _span_rows(rows, end=True)
    g["date"] = pd.to_datetime(g["date"])
    g["date_precision"] = "week"
    alone = g.drop(columns="date_end")
    # a week is its first day and six more: counted by month in the month of its 4th day
    middle = (g["date"] + pd.Timedelta(days=3)).dt.to_period("M").dt.start_time
    assert row_periods(alone, "month").tolist() == middle.tolist()
    assert not coarse_rows(alone, "month").any()
    # an end that is no ISO date, or before the date, is no stated span
    g["date_end"] = ["31/12/2020"] * len(g)
    assert row_periods(g, "month").tolist() == middle.tolist()
    g["date_end"] = (g["date"] - pd.Timedelta(days=1)).dt.strftime("%Y-%m-%d")
    assert row_periods(g, "month").tolist() == middle.tolist()
