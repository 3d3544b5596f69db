"""Value reading by class: dates, counts, coordinates (property-based with hypothesis)."""

from __future__ import annotations

import calendar
import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import incidentmap as im
from incidentmap.io.dates import apply_precision_codes, parse_dates
from incidentmap.io.numbers import parse_coordinates, parse_counts
from incidentmap.io.values import Problems, blank_mask

MONTHS = list(calendar.month_name)[1:]
ABBR = [m[:3] for m in MONTHS]
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _problems(n: int, on_bad: str = "error") -> Problems:
    return Problems("t.csv", np.arange(1, n + 1), on_bad)


def _one(value: object, **kw: object) -> tuple[pd.Timestamp, str]:
    dates, prec = parse_dates(pd.Series([value], dtype=object), "date", _problems(1), **kw)
    return dates.iloc[0], prec.iloc[0]


days = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2025, 12, 31))
case = st.sampled_from([str.lower, str.upper, str.title, lambda s: s])
sep = st.sampled_from([" ", "-", "/", ".", ", ", "  ", " - "])


@SETTINGS
@given(d=days, fmt=case, s=sep, full=st.booleans(), pad=st.booleans())
@example(
    d=dt.date(2019, 9, 28), fmt=str.title, s=" ", full=True, pad=False
)  # ACLED: every September
def test_day_month_name_year(d, fmt, s, full, pad):
    month = MONTHS[d.month - 1] if full else ABBR[d.month - 1]
    if not full and d.month == 9 and pad:
        month = "Sept"
    day = f"{d.day:02d}" if pad else str(d.day)
    text = f"{day}{s}{fmt(month)}{s}{d.year}"
    assert _one(text) == (pd.Timestamp(d), "day"), text


@SETTINGS
@given(d=days, fmt=case, comma=st.booleans(), dot=st.booleans())
def test_month_name_day_year(d, fmt, comma, dot):
    month = fmt(ABBR[d.month - 1]) + ("." if dot else "")
    text = f"{month} {d.day}{',' if comma else ''} {d.year}"
    assert _one(text) == (pd.Timestamp(d), "day"), text


@SETTINGS
@given(d=days, fmt=case, s=sep, full=st.booleans())
def test_month_year(d, fmt, s, full):
    month = MONTHS[d.month - 1] if full else ABBR[d.month - 1]
    text = f"{fmt(month)}{s}{d.year}"
    assert _one(text) == (pd.Timestamp(d.year, d.month, 1), "month"), text


TIMES = ["", "T14:30", " 00:00:00", "T19:29:59Z", "T08:00:00+04:30", "T23:59:59+04:30"]


@SETTINGS
@given(d=days, s=st.sampled_from(["-", "/", "."]), time=st.sampled_from(TIMES))
def test_iso_forms(d, s, time):
    text = f"{d.year:04d}{s}{d.month:02d}{s}{d.day:02d}{time if s == '-' else ''}"
    assert _one(text) == (pd.Timestamp(d), "day"), text
    if s == "-":  # a zoned time is its day in Kabul: 19:30Z is the next day's 00:00 there
        assert _one(f"{d:%Y-%m-%d}T19:30:00Z") == (pd.Timestamp(d) + pd.Timedelta(days=1), "day")


@SETTINGS
@given(d=days, zero_day=st.sampled_from(["0", "00"]), zero_month=st.booleans())
def test_gtd_awsd_unknown_day_or_month_inside_iso(d, zero_day, zero_month):
    if zero_month:
        text = f"{d.year}-00-00"
        assert _one(text) == (pd.Timestamp(d.year, 1, 1), "year")
    else:
        text = f"{d.year}-{d.month:02d}-{zero_day}"
        assert _one(text) == (pd.Timestamp(d.year, d.month, 1), "month")


@SETTINGS
@given(d=days, s=st.sampled_from(["/", "-", "."]), short=st.booleans())
def test_numeric_dates_follow_the_given_order_never_a_guess(d, s, short):
    year = f"{d.year % 100:02d}" if short else str(d.year)
    dmy = f"{d.day}{s}{d.month}{s}{year}"
    mdy = f"{d.month}{s}{d.day}{s}{year}"
    assert _one(dmy, dayfirst=True) == (pd.Timestamp(d), "day")
    assert _one(mdy, dayfirst=False) == (pd.Timestamp(d), "day")
    if d.day <= 12 and d.day != d.month:
        with pytest.raises(im.InputFileError, match="day and month order unknown"):
            _one(dmy)


def test_numeric_order_decided_by_the_column():
    values = pd.Series(["03/04/2023", "25/04/2023"])
    dates, _ = parse_dates(values, "date", _problems(2))
    assert list(dates) == [pd.Timestamp("2023-04-03"), pd.Timestamp("2023-04-25")]
    values = pd.Series(["03/04/2023", "04/25/2023"])
    dates, _ = parse_dates(values, "date", _problems(2))
    assert list(dates) == [pd.Timestamp("2023-03-04"), pd.Timestamp("2023-04-25")]


@SETTINGS
@given(d=days)
def test_excel_serials_and_cells(d):
    serial = (pd.Timestamp(d) - pd.Timestamp("1899-12-30")).days
    assert _one(str(serial)) == (pd.Timestamp(d), "day")
    assert _one(float(serial)) == (pd.Timestamp(d), "day")
    assert _one(dt.datetime(d.year, d.month, d.day, 13, 5)) == (pd.Timestamp(d), "day")
    assert _one(d) == (pd.Timestamp(d), "day")
    assert _one(pd.Timestamp(d)) == (pd.Timestamp(d), "day")


def test_day_numbers_from_day_one():
    values = pd.Series(["1", "366", "2192"])
    dates, prec = parse_dates(values, "day", _problems(3), day_one="2004-01-01")
    assert list(dates) == [pd.Timestamp(x) for x in ("2004-01-01", "2004-12-31", "2009-12-31")]
    assert list(prec) == ["day"] * 3


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2300-01-01", "a date from 1900-01-01 to"),
        ("1850-03-01", "a date from 1900-01-01 to"),
        ("1402/01/15", "Solar Hijri"),
        ("2023-02-30", "a day that exists in that month"),
        ("31 September 2019", "a day that exists in that month"),
        ("2023-13-01", "a date (e.g."),
        ("yesterday", "a date (e.g."),
    ],
)
def test_out_of_range_and_impossible_dates_are_refused_not_changed(value, expected):
    with pytest.raises(im.InputFileError, match=expected.replace("(", r"\(")) as err:
        _one(value)
    assert err.value.row == 1 and err.value.column == "date"
    p = _problems(1, "keep")
    dates, prec = parse_dates(pd.Series([value]), "date", p)
    assert pd.isna(dates.iloc[0]) and prec.iloc[0] is None and 0 in p.notes


def test_future_date_refused():
    tomorrow = (pd.Timestamp.today() + pd.Timedelta(days=40)).strftime("%Y-%m-%d")
    with pytest.raises(im.InputFileError, match="a date from 1900-01-01 to"):
        _one(tomorrow)


def test_acled_time_precision_makes_dates_coarser_never_finer():
    current = pd.Series(["day", "day", "day", "month", None])
    codes = pd.Series(["1", "2", "3", "1", "3"])
    got = apply_precision_codes(codes, {"1": "day", "2": "week", "3": "month"}, current)
    assert list(got) == ["day", "week", "month", "month", None]


# ---------------------------------------------------------------------------------------------
# counts and coordinates


@SETTINGS
@given(n=st.integers(min_value=0, max_value=999_999), sep=st.sampled_from([",", " ", "\u00a0", ""]))
def test_counts_with_thousands_separators(n, sep):
    text = f"{n:,}".replace(",", sep)
    got = parse_counts(pd.Series([text]), "fatalities", _problems(1))
    assert got[0] == n


@pytest.mark.parametrize("value", ["1,5", "-3", "1,00", "1e9", "3-5", "12abc"])
def test_bad_counts_refused(value):
    with pytest.raises(im.InputFileError, match="a number of people from 0 to"):
        parse_counts(pd.Series([value]), "fatalities", _problems(1))


@SETTINGS
@given(whole=st.integers(0, 5000), part=st.sampled_from(["5", "25", "33", "833", "0"]))
def test_fractional_tolls_are_kept(whole, part):
    # issue 19: GTD divides the toll of a multi-part attack among its events (1.5, 2.83)
    text = f"{whole}.{part}"
    got = parse_counts(pd.Series([text, "2"]), "nkill", _problems(2))
    assert got[0] == pytest.approx(float(text)) and got[1] == 2


@SETTINGS
@given(
    word=st.text(
        alphabet=st.characters(categories=["L", "Zs", "P"]), min_size=1, max_size=30
    ).filter(lambda w: w.strip() and not w.strip().isspace()),
    on_bad=st.sampled_from(["error", "keep"]),
)
def test_a_word_in_a_toll_column_is_an_unknown_toll_with_a_note(word, on_bad):
    # issue 16: GTD's R export has three rows whose cells shifted ('Private Citizens &
    # Property' under FATALITIES); the page could not be drawn without --keep-bad-values
    values = pd.Series(["3", word, "1"])
    problems = Problems("f.csv", np.arange(1, 4), on_bad)
    got = parse_counts(values, "FATALITIES", problems)
    assert got[0] == 3 and np.isnan(got[1]) and got[2] == 1  # unknown, never zero
    blank_like = np.isnan(parse_counts(pd.Series([word]), "x", _problems(1)))
    assert blank_like[0]
    if 1 in problems.notes:  # a placeholder ("NA", "-", "?") is a blank, not a word
        assert "is not a number of people: taken as unknown" in problems.notes[1][0]
        assert problems.kept["FATALITIES"][:2] == (1, 2)


@pytest.mark.parametrize("value", ["Unknown", "unk", "?", "", "NA", "null", "-"])
def test_unknown_counts_are_missing(value):
    got = parse_counts(pd.Series([value]), "fatalities", _problems(1))
    assert np.isnan(got[0])


@pytest.mark.parametrize(
    ("text", "axis", "value"),
    [
        ("34.52", "lat", 34.52),
        ("34,52", "lat", 34.52),
        ("34.52N", "lat", 34.52),
        ("N 34.52", "lat", 34.52),
        ("69.17 E", "lon", 69.17),
        ("34°31'12\"N", "lat", 34.52),
        ("69°10'12\" E", "lon", 69.17),
        ("34 31 12", "lat", 34.52),
        ("-12.5", "lat", -12.5),
        ("12.5S", "lat", -12.5),
    ],
)
def test_coordinate_forms(text, axis, value):
    got, bad = parse_coordinates(pd.Series([text]), "c", _problems(1), axis)
    assert not bad[0] and got[0] == pytest.approx(value, abs=1e-6)


@pytest.mark.parametrize(
    ("text", "axis"), [("95", "lat"), ("inf", "lat"), ("70E", "lat"), ("x", "lon"), ("181", "lon")]
)
def test_bad_coordinates_flagged(text, axis):
    got, bad = parse_coordinates(pd.Series([text]), "c", _problems(1), axis)
    assert bad[0] and np.isnan(got[0])


_TYPED = st.lists(
    st.one_of(
        st.floats(allow_nan=True, allow_infinity=True, width=64),
        st.integers(min_value=-(10**7), max_value=10**7).map(float),
        st.sampled_from([0.0, 3.0, 1.5, -3.0, 34.52, 69.17, 1e-9, 181.0]),
    ),
    min_size=1,
    max_size=40,
)


@settings(max_examples=150, deadline=None)
@given(values=_TYPED)
def test_typed_numbers_read_as_their_text_is_read(values):
    # Parquet, GeoPackage and Excel give typed numbers; they must come out as the same
    # numbers written as text would (blank, out of range, fraction in a count, infinity)
    typed = pd.Series(values, dtype=float)
    text = pd.Series(["" if np.isnan(v) else repr(v) for v in values], dtype=object)
    rows = np.arange(1, len(values) + 1)
    for kind in ("lat", "lon"):
        a = parse_coordinates(typed, "x", Problems("t", rows, "keep"), kind)
        b = parse_coordinates(text, "x", Problems("t", rows, "keep"), kind)
        np.testing.assert_array_equal(a[0], b[0])
        np.testing.assert_array_equal(a[1], b[1])
    pa_, pb = Problems("t", rows, "keep"), Problems("t", rows, "keep")
    np.testing.assert_array_equal(parse_counts(typed, "n", pa_), parse_counts(text, "n", pb))
    assert pa_.notes.keys() == pb.notes.keys()  # the same rows reported
    as_int = pd.Series([None if np.isnan(v) or not np.isfinite(v) or abs(v) > 2**53 or v != int(v)
                        else int(v) for v in values], dtype="Int64")  # fmt: skip
    np.testing.assert_array_equal(
        blank_mask(as_int, numeric=True), as_int.isna().to_numpy(dtype=bool)
    )


@settings(max_examples=100, deadline=None)
@given(
    days=st.lists(
        st.one_of(st.none(), st.datetimes(min_value=dt.datetime(1950, 1, 1),
                                          max_value=dt.datetime(2024, 12, 31))),
        min_size=1, max_size=30,
    ),
    tz=st.sampled_from([None, "Asia/Kabul", "UTC"]),
)  # fmt: skip
def test_typed_dates_read_as_their_text_is_read(days, tz):
    typed = pd.Series(pd.to_datetime(days))
    if tz:
        typed = typed.dt.tz_localize(tz)
    # an instant (a zone typed) is the day it was in Afghanistan (Asia/Kabul)
    kabul = typed.dt.tz_convert("Asia/Kabul") if tz else typed
    text = pd.Series([None if pd.isna(v) else v.strftime("%Y-%m-%d") for v in kabul], dtype=object)
    a, pa_ = parse_dates(typed, "d", _problems(len(days)))
    b, pb = parse_dates(text, "d", _problems(len(days)))
    assert a.equals(b) and pa_.equals(pb)


_NUMBERISH = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.floats(-180, 180).map(lambda x: f"{x:.5f}"),
    st.integers(-10**6, 10**6).map(str),
    st.sampled_from(
        ["1e5", "+.5", "5.", "00012", "-0", "nan", "inf", "-Infinity", "1e999", " 3", "3 ",
         "", "-", "?", "unknown", "1,5", "34.5N", "\u0661\u0662", "12\u200b", "0x10"]
    ),
)  # fmt: skip


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_NUMBERISH, min_size=1, max_size=40))
def test_clean_number_columns_read_as_the_careful_path_reads_them(texts):
    # a column of plain finite numbers is read with one cast; anything else goes the careful
    # way: both give the same blanks and numbers
    from incidentmap.io import numbers as n
    from incidentmap.io import values as v

    col = pd.Series(texts, dtype="str")
    blank = v.blank_mask(col, numeric=True)
    fast = n.read_numbers(col, blank, lambda u: np.nan)
    with pytest.MonkeyPatch.context() as m:
        m.setattr(v, "_clean_floats", lambda arr: None)
        careful_blank = v.blank_mask(col, numeric=True)
        careful = n.read_numbers(col, careful_blank, lambda u: np.nan)
    assert np.array_equal(blank, careful_blank)
    assert np.array_equal(fast, careful, equal_nan=True)


_ISOISH = st.one_of(
    st.dates(dt.date(1890, 1, 1), dt.date(2400, 12, 31)).map(lambda d: d.isoformat()),
    st.tuples(st.integers(1890, 2400), st.integers(0, 13), st.integers(0, 32)).map(
        lambda t: f"{t[0]:04d}-{t[1]:02d}-{t[2]:02d}"
    ),
    st.sampled_from(
        ["", "NA", "2023-3-9", "2023/03/09", " 2023-03-09", "2023-03-09 ", "9 March 2023"]
    ),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_ISOISH, min_size=1, max_size=30))
def test_iso_date_columns_read_as_the_careful_path_reads_them(texts):
    # a column of existing YYYY-MM-DD days in range is parsed by one Arrow call; anything else
    # (blanks, other forms, 2023-02-30, 1890, a future year) the careful way: same dates, same
    # precision, same bad values reported
    from incidentmap.io import dates as d

    col = pd.Series(texts, dtype="str")
    rows = np.arange(1, len(texts) + 1)
    fast_p = Problems("t", rows, "keep")
    fast = d.parse_dates(col, "date", fast_p)
    with pytest.MonkeyPatch.context() as m:
        m.setattr(d, "_iso_column", lambda values, latest, arrow=False: None)
        careful_p = Problems("t", rows, "keep")
        careful = d.parse_dates(col, "date", careful_p)
    pd.testing.assert_series_equal(fast[0], careful[0])
    pd.testing.assert_series_equal(fast[1], careful[1])
    assert fast_p.notes == careful_p.notes


@SETTINGS
@given(h=st.integers(0, 99), m=st.integers(0, 99), s=st.integers(0, 99), sep=st.sampled_from("T "))
def test_impossible_times_make_a_date_unreadable(h, m, s, sep):
    # issue 18: "2023-03-08T25:61:00" was read as 8 March (the time dropped unseen)
    text = f"2023-03-08{sep}{h:02d}:{m:02d}:{s:02d}"
    possible = h <= 23 and m <= 59 and s <= 60
    if possible:
        dates, _ = parse_dates(pd.Series([text]), "date", _problems(1))
        assert dates.iloc[0] == pd.Timestamp("2023-03-08")
    else:
        with pytest.raises(im.InputFileError, match="expected a date"):
            parse_dates(pd.Series([text]), "date", _problems(1))
