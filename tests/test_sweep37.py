"""The work of stop 37: points typed by a person in `near`, and the classes its sweep found."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import incidentmap as im
from incidentmap.coords import looks_like_point, read_point
from tests.conftest import INCIDENTS
from tests.test_cli import run

GTD = INCIDENTS / "gtd_afg_2004_2009_towns.csv"

#: Jalalabad written as people write a point: each form is 34.43 N, 70.45 E (to the minute)
TYPED = [
    "34.43N,70.45E",
    "34.43N 70.45E",
    "70.45E 34.43N",
    "N34.43 E70.45",
    "34,43 70,45",
    "34.43; 70.45",
    "34°25.8'N 70°27'E",
    "34°25'48\"N, 70°27'0\"E",
]


@pytest.mark.parametrize("text", TYPED)
def test_near_reads_a_point_as_where_does(capsys, use_cache, text):
    # `near` read plain decimals only: "34.43N,70.45E" was looked up as a place name
    lat, lon = read_point(text)
    assert (round(lat, 4), round(lon, 4)) == (34.43, 70.45)
    plain = im.query(GTD, near="34.43,70.45", km=25).frame
    typed = im.query(GTD, near=text, km=25).frame
    assert len(plain) > 0 and list(typed["event_id"]) == list(plain["event_id"])
    code, out, err = run(capsys, "query", GTD, "--near", text, "--km", "25", "-f", "csv")
    assert code == 0, err
    assert out.count("\n") - 1 == len(plain)


def test_near_a_half_point_is_refused_in_one_line(capsys, use_cache):
    code, out, err = run(capsys, "query", GTD, "--near", "34.43N", "--km", "25")
    assert code == 2 and out == ""
    assert "expected a latitude and a longitude" in err and "Traceback" not in err


@settings(max_examples=60, deadline=None)
@given(
    st.floats(29.5, 38.4, allow_nan=False),
    st.floats(60.6, 74.8, allow_nan=False),
    st.sampled_from(["{a:.4f}N {o:.4f}E", "{o:.4f}E,{a:.4f}N", "{a:.4f}; {o:.4f}"]),
)
def test_typed_points_read_back(lat, lon, form):
    text = form.format(a=lat, o=lon)
    assert looks_like_point(text)
    got = read_point(text)
    assert got == pytest.approx((round(lat, 4), round(lon, 4)), abs=1e-9)


@pytest.mark.parametrize("name", ["Jalalabad", "Surkh Rod", "Kabul", "Darah-ye Nur", "PD 9"])
def test_names_are_not_points(name):
    assert not looks_like_point(name)


@pytest.mark.parametrize(
    "rows",
    [["31 September 2019,Kabul"], ["2023-01-05,Kabul", "31 September 2019,Herat"],
     ["2023-01-05,Kabul", "Sept 31 2019,Herat"]],
)  # fmt: skip
def test_an_impossible_date_is_no_note(capsys, use_cache, tmp_path, rows):
    # a date that does not exist (a month name and numbers) keeps its line and its hint; the
    # rule that names a full-width note under a table once took it for a note
    src = tmp_path / "bad.csv"
    src.write_text("date,province\n" + "\n".join(rows) + "\n")
    code, _, err = run(capsys, "aggregate", src, "-o", tmp_path / "a.csv")
    assert code == 1 and "expected a day that exists" in err and "--keep-bad-values" in err
    assert "not an incident" not in err


@pytest.mark.parametrize(
    ("text", "note"),
    [("Source: ACLED accessed 2026-03-24", True), ("2026 (c) ACLED", True),
     ("Note: tolls as reported", True), ("31 September 2019", False), ("Sept. 31, 2019", False),
     ("12 January 2023", False), ("Kabul", False), ("200401050004", False)],
)  # fmt: skip
def test_note_text(text, note):
    from incidentmap.io.words import is_note_text

    assert is_note_text(text) is note
