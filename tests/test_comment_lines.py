"""Files that start with comment lines (issue 26, class 7): what their comments say is read.

Research exports (the war diary coordinates of Zammit-Mangion et al. 2012) open with ``%``
lines naming the columns and the day a column counts from. Generated here: the first day
written the ways such comments write it (``day 1 = …``, ``starting from …``, ``days since …``,
in the column's name or on a line of its own), comment lines among the rows, ``;`` files with
decimal commas, and ``1.000`` read whole and in blocks. A first day is read, or the file is
refused in one line naming what to give: never every row left undated with no word.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import incidentmap as im
from incidentmap.errors import InputFileError
from incidentmap.io.incidents import read_incidents_facts
from incidentmap.pipeline import geocode_to_file

SETTINGS = settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
KB = 1 / 1024

_DAYS = st.dates(min_value=dt.date(2001, 1, 1), max_value=dt.date(2020, 12, 31))
_POINTS = st.lists(st.integers(1, 1500), min_size=1, max_size=6)


def _write(tmp, head: list[str], rows: list[str], name: str = "c.csv"):
    path = tmp / name
    path.write_text("".join(f"% {h}\n" for h in head) + "".join(r + "\n" for r in rows))
    return path


def _rows(days: list[int], sep: str = ",", comma: bool = False) -> list[str]:
    out = []
    for i, d in enumerate(days):
        lon, lat = f"{69 + i % 3}.{i % 10}5", f"34.{i % 9}1"
        if comma:
            lon, lat = lon.replace(".", ","), lat.replace(".", ",")
        out.append(sep.join([lon, lat, str(d)]))
    return out


@SETTINGS
@given(
    first=_DAYS,
    days=_POINTS,
    how=st.sampled_from(["iso name", "month name", "own line iso", "own line month", "unique dmy"]),
)
def test_a_first_day_the_comments_state_dates_every_row(tmp_path_factory, first, days, how):
    iso = first.isoformat()
    month = first.strftime("%d %B %Y")
    if how == "unique dmy" and first.day <= 12:
        first = first.replace(day=13)
        iso = first.isoformat()
    dmy = first.strftime("%d/%m/%Y")
    head = {
        "iso name": ["Events", f"lon,lat,day (day 1 = {iso})"],
        "month name": ["Events", f"Longitude, Latitude, Day number (starting from {month})"],
        "own line iso": ["Events", f"day 1 = {iso}", "lon,lat,day"],
        "own line month": [f"Day 1 is {month}", "lon,lat,days"],
        "unique dmy": ["Events", f"lon,lat,day (day 1 = {dmy})"],
    }[how]
    path = _write(tmp_path_factory.mktemp("c"), head, _rows(days))
    g, facts = read_incidents_facts(path)
    want = [pd.Timestamp(first) + pd.Timedelta(days=d - 1) for d in days]
    assert list(g["date"]) == want
    assert any(f"day 1 = {first.isoformat()}" in n for n in facts.notes)


@SETTINGS
@given(
    a=st.integers(1, 12),
    b=st.integers(1, 12),
    year=st.integers(2001, 2020),
    own_line=st.booleans(),
)
def test_a_first_day_that_reads_two_ways_is_refused_in_one_line(
    capsys, use_cache, tmp_path_factory, a, b, year, own_line
):
    from tests.test_cli import run

    if a == b:
        b = a % 12 + 1
    text = f"{a:02d}/{b:02d}/{year}"
    head = ["Events", f"day 1 = {text}", "lon,lat,day"] if own_line else [
        "Events", f"lon,lat,day (day 1 = {text})"]  # fmt: skip
    tmp = tmp_path_factory.mktemp("c")
    path = _write(tmp, head, _rows([1, 5]))
    with pytest.raises(InputFileError, match="reads two ways"):
        im.read_incidents(path)
    code, _, err = run(capsys, "geocode", path, "-o", tmp / "o.csv")
    assert code != 0 and err.count("Error:") == 1 and "reads two ways" in err
    assert "--day-one" in err and not (tmp / "o.csv").exists()
    # told which order: read, day 1 the date so read
    g = im.read_incidents(path, dayfirst=True)
    assert g["date"].iloc[0] == pd.Timestamp(year=year, month=b, day=a)
    g = im.read_incidents(path, dayfirst=False)
    assert g["date"].iloc[1] == pd.Timestamp(year=year, month=a, day=b) + pd.Timedelta(days=4)


@SETTINGS
@given(first=_DAYS, days=_POINTS, own_line=st.booleans())
def test_days_since_is_refused_with_both_readings_then_read_as_told(
    capsys, use_cache, tmp_path_factory, first, days, own_line
):
    from tests.test_cli import run

    iso = first.isoformat()
    head = ["Events", f"days since {iso}", "lon,lat,day"] if own_line else [
        f"lon,lat,days since {iso}"]  # fmt: skip
    tmp = tmp_path_factory.mktemp("c")
    path = _write(tmp, head, _rows(days))
    after = (first + dt.timedelta(days=1)).isoformat()
    with pytest.raises(InputFileError, match="day 0") as exc:
        im.read_incidents(path)
    assert after in str(exc.value) and iso in str(exc.value)
    code, _, err = run(capsys, "geocode", path, "-o", tmp / "o.csv")
    assert code != 0 and err.count("Error:") == 1 and "--day-one" in err
    # given the day, the column the comments name is the date (not left undated)
    code, _, err = run(capsys, "geocode", path, "-o", tmp / "o.csv", "--day-one", after)
    assert code == 0, err
    got = pd.read_csv(tmp / "o.csv")
    assert list(pd.to_datetime(got["date"])) == [
        pd.Timestamp(first) + pd.Timedelta(days=d) for d in days
    ]


@SETTINGS
@given(
    days=st.lists(st.integers(1, 1500), min_size=3, max_size=8),
    at=st.integers(1, 2),
    stray=st.sampled_from(["lat,lon,killed", "revised 2011", "x;y;z"]),
)
def test_a_comment_line_among_the_rows_does_not_rename_the_columns(
    tmp_path_factory, days, at, stray
):
    rows = _rows(days)
    rows.insert(at, f"% {stray}")
    path = _write(tmp_path_factory.mktemp("c"), ["Events", "lon,lat,day"], rows)
    g, facts = read_incidents_facts(path, day_one="2004-01-01")
    assert g.attrs["columns"]["longitude"] == "lon" and g.attrs["columns"]["latitude"] == "lat"
    assert len(g) == len(days) and (g["longitude"] > 68).all()
    assert any("among the rows skipped" in n for n in facts.notes)


@SETTINGS
@given(days=_POINTS, sep=st.sampled_from([";", "\t", "|"]), named=st.booleans())
def test_decimal_commas_with_another_delimiter_are_read_without_columns_given(
    capsys, use_cache, tmp_path_factory, days, sep, named
):
    from tests.test_cli import run

    head = ["Events"] + ([sep.join(["lon", "lat", "day"])] if named else [])
    tmp = tmp_path_factory.mktemp("c")
    path = _write(tmp, head, _rows(days, sep=sep, comma=True))
    g = im.read_incidents(path, day_one="2004-01-01")
    assert len(g.columns) and g["longitude"].between(69, 72).all()
    code, _, err = run(capsys, "geocode", path, "-o", tmp / "o.csv", "--day-one", "2004-01-01")
    assert code == 0, err
    assert "--columns" not in err.split("note:")[0] and "Error" not in err


@SETTINGS
@given(
    ambiguous_at=st.integers(0, 40),
    decider_at=st.integers(0, 299),
    decider=st.sampled_from(["toll", "coordinate"]),
)
def test_whole_and_block_reads_agree_on_1_000_in_a_decimal_comma_file(
    use_cache, tmp_path_factory, ambiguous_at, decider_at, decider
):
    if decider_at == ambiguous_at:
        decider_at = 299
    rows = ["date;province;latitude;longitude;killed"]
    for i in range(300):
        k = "1.000" if i == ambiguous_at else ("1,5" if i == decider_at and decider == "toll"
                                               else "2")  # fmt: skip
        lat = "34,5" if i == decider_at and decider == "coordinate" else "34"
        rows.append(f"2023-01-{1 + i % 28:02d};Kabul;{lat};69;{k}")
    tmp = tmp_path_factory.mktemp("c")
    path = tmp / "d.csv"
    path.write_text("\n".join(rows) + "\n")
    geocode_to_file(path, tmp / "whole.csv", block_mb=0)
    geocode_to_file(path, tmp / "blocks.csv", block_mb=0.5 * KB)
    whole, blocks = pd.read_csv(tmp / "whole.csv"), pd.read_csv(tmp / "blocks.csv")
    assert whole["fatalities"].iloc[ambiguous_at] == 1000
    assert list(whole["fatalities"]) == list(blocks["fatalities"])


@pytest.mark.parametrize(
    ("flag", "first", "order"),
    [("--dayfirst", "2004-02-01", "day"), ("--monthfirst", "2004-01-02", "month")],
)
def test_a_first_day_settled_by_dayfirst_is_said(capsys, use_cache, tmp_path, flag, first, order):
    # review item 18: the comment's "day 1 = 01/02/2004" read as --dayfirst says, in silence
    from tests.test_cli import run

    path = tmp_path / "dd.csv"
    path.write_text("% Coordinates of events\n% Longitude, Latitude, Day number (day 1 = "
                    "01/02/2004)\n\n70.92,35.019,1\n64.2,31.116,3\n")  # fmt: skip
    code, _, err = run(capsys, "geocode", path, "-o", tmp_path / "o.csv", flag)
    assert code == 0, err
    assert f"counts days, day 1 = {first} (the comment's '01/02/2004' read {order} first" in err
    assert pd.read_csv(tmp_path / "o.csv")["date"].iloc[0] == first
