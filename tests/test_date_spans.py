"""A date is a span, not a day: `since`/`until` keep a row only when its whole span lies inside.

A row dated only to a week, a month or a year (``date_precision``; ``date`` holds the span's
first day: a week is it and the six days after) was compared by its date alone: "May 2023" passed
``until 2023-05-20`` and a row known only to 2019 passed ``since 2019-01-01 until
2019-06-30`` as though it happened in January. Now such a row is kept only when the window
holds its whole span; one whose span the window cuts is left out and said (``left out: N
rows dated only to a span the window cuts``), so every row read is kept, filtered out, or
left out with that reason.

The expected spans here come from the calendar (``calendar.monthrange``), not from the
code under test.
"""

from __future__ import annotations

import calendar
import datetime as dt
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import incidentmap as im
from incidentmap.aggregate import row_periods
from incidentmap.filters import select_rows
from incidentmap.options import Filters
from tests.conftest import INCIDENTS
from tests.test_cli import run

UCDP = INCIDENTS / "ucdp_ged_afg_realcaddish.geojson"
_DAY0 = dt.date(2018, 1, 1)


def _span_end(first: dt.date, precision: str) -> dt.date:
    """The last day a date of this precision stands for (the calendar's word)."""
    if precision == "week":  # the date and the six days after it
        return first + dt.timedelta(days=6)
    if precision == "month":
        return first.replace(day=calendar.monthrange(first.year, first.month)[1])
    if precision == "year":
        return first.replace(month=12, day=31)
    return first


def _first_day(day: dt.date, precision: str) -> dt.date:
    """The span's first day, as a file writes it: a month's first, a year's 1 January."""
    if precision == "month":
        return day.replace(day=1)
    if precision == "year":
        return day.replace(month=1, day=1)
    return day


def _window_day(text: str | None, end: bool) -> dt.date | None:
    """A window's edge as the user means it: ``2023-05`` until is 31 May."""
    if text is None:
        return None
    parts = [int(p) for p in text.split("-")]
    if len(parts) == 3:
        return dt.date(*parts)
    if len(parts) == 2:
        y, m = parts
        return dt.date(y, m, calendar.monthrange(y, m)[1] if end else 1)
    return dt.date(parts[0], 12, 31) if end else dt.date(parts[0], 1, 1)


def _edge(day: dt.date, form: str) -> str:
    return {"day": day.isoformat(), "month": f"{day:%Y-%m}", "year": f"{day:%Y}"}[form]


rows_st = st.lists(
    st.tuples(st.integers(0, 1500), st.sampled_from(["day", "week", "month", "year", "none"])),
    min_size=1,
    max_size=30,
)
edge_st = st.one_of(
    st.none(),
    st.tuples(st.integers(0, 1500), st.sampled_from(["day", "month", "year"])),
)


def _frame(rows: list[tuple[int, str]]) -> pd.DataFrame:
    days = [_first_day(_DAY0 + dt.timedelta(days=a), p) for a, p in rows]
    return pd.DataFrame(
        {
            "row": np.arange(1, len(rows) + 1),
            "date": pd.to_datetime(
                [None if p == "none" else d for d, (_, p) in zip(days, rows, strict=True)]
            ),
            "date_precision": [None if p == "none" else p for _, p in rows],
        }
    )


def _expected(frame: pd.DataFrame, since: str | None, until: str | None) -> tuple[set, set]:
    """Rows whose span lies in the window, and rows whose span it cuts.

    A week of seven days is in a window of seven days or more when four or more of its
    days are (where a count by week or month puts it), counted here day by day.
    """
    lo, hi = _window_day(since, end=False), _window_day(until, end=True)
    if lo is None and hi is None:  # no window: every row, dated or not
        return set(range(len(frame))), set()
    inside, cut = set(), set()
    for i, (d, p) in enumerate(zip(frame["date"], frame["date_precision"], strict=True)):
        if not isinstance(p, str):  # undated: fails a window, as it always did
            continue
        a = d.date()
        b = _span_end(a, p)
        fits = (lo is None or a >= lo) and (hi is None or b <= hi)
        touches = (lo is None or b >= lo) and (hi is None or a <= hi)
        wide = lo is None or hi is None or (hi - lo).days >= 6
        if touches and not fits and p == "week" and (b - a).days == 6 and wide:
            days = [a + dt.timedelta(days=k) for k in range(7)]
            fits = sum((lo is None or x >= lo) and (hi is None or x <= hi) for x in days) >= 4
        if fits:
            inside.add(i)
        elif touches:
            cut.add(i)
    return inside, cut


@settings(max_examples=300, deadline=None)
@given(rows=rows_st, since=edge_st, until=edge_st)
def test_kept_if_and_only_if_the_span_lies_in_the_window(rows, since, until):
    frame = _frame(rows)
    s = _edge(_DAY0 + dt.timedelta(days=since[0]), since[1]) if since else None
    u = _edge(_DAY0 + dt.timedelta(days=until[0]), until[1]) if until else None
    chosen = select_rows(frame, Filters(since=s, until=u))
    inside, cut = _expected(frame, s, u)
    assert set(chosen.kept.index) == inside
    assert set(chosen.cut.index) == cut
    assert inside.isdisjoint(cut)
    assert set(im.filter_incidents(frame, since=s, until=u).index) == inside
    if s is None and u is None:  # no window: every row, dated or not, is kept
        assert len(chosen.kept) == len(frame) and chosen.cut.empty


def test_the_reported_examples_library():
    frame = pd.DataFrame(
        {
            "row": [1, 2, 3, 4],
            "date": pd.to_datetime(["2023-05-10", "2023-05-01", "2019-01-01", "2019-06-15"]),
            "date_precision": ["day", "month", "year", "day"],
        }
    )
    may = select_rows(frame, Filters(since="2023-05-01", until="2023-05-20"))
    assert may.kept["row"].tolist() == [1] and may.cut["row"].tolist() == [2]
    june = select_rows(frame, Filters(since="2019-06-01", until="2019-06-30"))
    assert june.kept["row"].tolist() == [4] and june.cut["row"].tolist() == [3]
    half = select_rows(frame, Filters(since="2019-01-01", until="2019-06-30"))
    assert half.kept["row"].tolist() == [4] and half.cut["row"].tolist() == [3]
    whole = select_rows(frame, Filters(since="2019", until="2023-05"))
    assert whole.kept["row"].tolist() == [1, 2, 3, 4] and whole.cut.empty


_CSV = """date,latitude,longitude,event_type,fatalities,actor1
2023-05-10,34.5,69.2,attack,1,Taliban
2023-05,34.5,69.2,attack,2,Taliban
2019,34.5,69.2,attack,3,Unknown
2019-06-15,34.5,69.2,attack,4,Taliban
"""

_COMMANDS = {
    "query": ["-f", "csv"],
    "aggregate": ["--period", "week", "-o", "{out}.csv"],
    "trends": ["--period", "week"],
    "export": ["-o", "{out}.geojson"],
    "brief": ["-o", "{out}.html"],
    "map": ["-o", "{out}.html"],
}


@pytest.mark.parametrize("command", list(_COMMANDS))
@pytest.mark.parametrize(
    ("window", "example"),
    [
        (("--since", "2023-05-01", "--until", "2023-05-20"), "row 2: May 2023"),
        (("--since", "2019-06-01", "--until", "2019-06-30"), "row 3: 2019"),
    ],
)
def test_every_command_with_a_window_says_the_rows_it_cuts(
    capsys, use_cache, tmp_path, command, window, example
):
    src = tmp_path / "in.csv"
    src.write_text(_CSV)
    extra = [a.format(out=tmp_path / "out") for a in _COMMANDS[command]]
    code, out, err = run(capsys, command, src, *window, *extra)
    assert code == 0, err
    assert "kept: 1 of 4 rows after the filters" in err
    assert f"left out: 1 row dated only to a span the window (--since {window[1]} " in err
    assert example in err
    if command == "query":
        kept = pd.read_csv(pd.io.common.StringIO(out))
        assert kept["date_precision"].tolist() == ["day"]
    if command == "aggregate":
        assert pd.read_csv(tmp_path / "out.csv")["incidents"].sum() == 1


def test_a_window_on_whole_months_and_years_keeps_them(capsys, use_cache, tmp_path):
    src = tmp_path / "in.csv"
    src.write_text(_CSV)
    code, _, err = run(capsys, "query", src, "--since", "2019", "--until", "2023-05", "-f", "csv")
    assert code == 0 and "kept: 4 of 4 rows" in err and "left out" not in err
    code, _, err = run(capsys, "query", src, "--until", "2019-12-31", "-f", "csv")
    assert code == 0 and "kept: 2 of 4 rows" in err and "left out" not in err


def test_the_command_line_says_it_in_a_process(use_cache, tmp_path):
    src = tmp_path / "in.csv"
    src.write_text(_CSV)
    done = subprocess.run(
        [sys.executable, "-m", "incidentmap", "query", str(src), "--until", "2023-05-20",
         "--since", "2023-05-01", "-f", "csv"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "left out: 1 row dated only to a span the window" in done.stderr
    assert "(1 to a month; row 2: May 2023)" in done.stderr
    assert len(pd.read_csv(pd.io.common.StringIO(done.stdout))) == 1


_WRITTEN = {"day": "%Y-%m-%d", "month": "%Y-%m", "year": "%Y"}


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    rows=st.lists(
        st.tuples(st.integers(0, 1500), st.sampled_from(["day", "month", "year"])),
        min_size=1,
        max_size=12,
    ),
    since=st.integers(0, 1500),
    length=st.integers(0, 400),
)
def test_generated_rows_through_the_command_line(
    capsys, cache, tmp_path_factory, rows, since, length
):
    frame = _frame(rows)
    folder = tmp_path_factory.mktemp("window")
    src = folder / "in.csv"
    pd.DataFrame(
        {
            "date": [
                d.strftime(_WRITTEN[p])
                for d, p in zip(frame["date"], frame["date_precision"], strict=True)
            ],
            "latitude": 34.5,
            "longitude": 69.2,
        }
    ).to_csv(src, index=False)
    lo = _DAY0 + dt.timedelta(days=since)
    s, u = lo.isoformat(), (lo + dt.timedelta(days=length)).isoformat()
    inside, cut = _expected(frame, s, u)
    code, out, err = run(capsys, "query", src, "--since", s, "--until", u, "-f", "csv")
    assert code == 0, err
    assert f"kept: {len(inside)} of {len(rows)} rows" in err
    if cut:
        n = len(cut)
        assert f"left out: {n} {'row' if n == 1 else 'rows'} dated only to a span" in err
    else:
        assert "left out" not in err
    if inside:
        assert sorted(pd.read_csv(pd.io.common.StringIO(out))["row"]) == sorted(
            i + 1 for i in inside
        )


def test_a_whole_period_window_keeps_what_that_period_counts(use_cache):
    """On UCDP GED (weeks, months and years of stated spans), a window on one whole week,
    month, quarter or year keeps exactly the rows the counting rule puts in that period."""
    g = im.read(UCDP).frame
    cut_total = 0
    for period, freq in (("week", "W-SUN"), ("month", "M"), ("quarter", "Q"), ("year", "Y")):
        counted_in = row_periods(g, period)
        for p in pd.period_range(g["date"].min(), g["date"].max(), freq=freq):
            chosen = select_rows(
                g, Filters(since=f"{p.start_time:%Y-%m-%d}", until=f"{p.end_time:%Y-%m-%d}")
            )
            assert set(chosen.kept.index) == set(g.index[(counted_in == p.start_time).to_numpy()])
            cut_total += len(chosen.cut)
    assert cut_total > 0  # the file has spans that months cut (a week across two months)


def test_ucdp_windows_keep_the_rows_whose_stated_span_lies_inside(capsys, use_cache):
    """UCDP GED states each event's first and last day: a month's window keeps the rows
    whose ``date_start``..``date_end`` lies in it and leaves out, said, those it cuts."""
    import pyogrio

    raw = pyogrio.read_dataframe(UCDP, read_geometry=False)
    start = pd.to_datetime(raw["date_start"]).dt.normalize()
    end = pd.to_datetime(raw["date_end"]).dt.normalize()
    g = im.read(UCDP).frame
    # a week of seven days is in the month holding its middle day (four of its days)
    week = ((end - start).dt.days == 6) & (g["date_precision"] == "week").to_numpy()
    middle = start + pd.Timedelta(days=3)
    said = 0
    for month in pd.period_range(start.min(), end.max(), freq="M"):
        a, b = month.start_time, month.end_time.normalize()
        by_most = week & (middle >= a) & (middle <= b)
        inside = set(raw.index[((start >= a) & (end <= b)) | by_most])
        cut = set(raw.index[(start <= b) & (end >= a)]) - inside
        chosen = select_rows(g, Filters(since=f"{a:%Y-%m-%d}", until=f"{b:%Y-%m-%d}"))
        assert set(chosen.kept.index) == inside, month
        assert set(chosen.cut.index) == cut, month
        if cut and said < 2:  # the command says the same, for a couple of months
            said += 1
            code, _, err = run(capsys, "query", UCDP, "--since", f"{month}",
                                 "--until", f"{month}", "-f", "csv")  # fmt: skip
            assert code == 0, err
            assert f"kept: {len(inside)} of {len(raw)} rows" in err
            n = len(cut)
            assert f"left out: {n} {'row' if n == 1 else 'rows'} dated only to a span" in err
    assert said == 2


def test_a_notebooks_job_carries_the_count_and_the_reason(use_cache, tmp_path):
    src = tmp_path / "in.csv"
    src.write_text(_CSV)
    got = im.query(src, since="2023-05-01", until="2023-05-20")
    assert len(got.frame) == 1
    assert got.report.counts["span_cut"] == 1 and got.report.counts["rows_read"] == 4
    note = next(n for n in got.report.notes if n.code == "span_cut")
    assert note.field == "since" and "row 2: May 2023" in note.text
    assert "`since` 2023-05-01 `until` 2023-05-20" in note.text
    whole = im.query(src, since="2023-05", until="2023-05")
    assert len(whole.frame) == 2 and "span_cut" not in whole.report.counts
