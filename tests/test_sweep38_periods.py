"""Sweep 38 (w2): spans are calendar units, the first period is as partial as the last,
a hot spot needs events of its own, a caption's sums keep their fractions.

F01: an ACLED ``time_precision`` 3 row dated 27 March 2023 ran from 27 to 31 March (in
Kabul's week of 27 March, kept by a window of 27-31 March); a row "known only to March" is
the whole month, wherever in it its date falls. F09: a generic file whose first event is
20 June counted June as a complete month (in the trends baseline). F15: a district with one
event in 72 weeks was a "sporadic hotspot". F17: HDX HAPI's tolls of 6.5 were captioned
"6 reported fatalities (tolls known for 5 of 7)" beside "25 incidents in 7 rows".
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from incidentmap.spans import date_spans
from tests.conftest import INCIDENTS
from tests.test_cli import run

ACLED_HEADER = (
    "event_id_cnty,event_date,year,time_precision,event_type,sub_event_type,actor1,actor2,"
    "country,admin1,admin2,location,latitude,longitude,geo_precision,source,notes,fatalities"
)
ACLED_ROWS = [
    "AFG70001,08 March 2023,2023,1,Violence against civilians,Attack,Islamic State Khorasan "
    "Province (ISKP),Civilians (Afghanistan),Afghanistan,Herat,Hirat,Herat,34.3482,62.1997,1,"
    "Reuters,x,1",
    "AFG70004,27 March 2023,2023,3,Explosions/Remote violence,Suicide bomb,Islamic State "
    "Khorasan Province (ISKP),Civilians (Afghanistan),Afghanistan,Kabul,Kabul,Kabul,34.5553,"
    "69.2075,1,Reuters,,6",
    "AFG70005,14 March 2023,2023,3,Explosions/Remote violence,Suicide bomb,Islamic State "
    "Khorasan Province (ISKP),Civilians (Afghanistan),Afghanistan,Kabul,Kabul,Kabul,34.5553,"
    "69.2075,1,Reuters,,6",
]


def _acled(tmp_path):
    src = tmp_path / "acled.csv"
    src.write_text("\n".join([ACLED_HEADER, *ACLED_ROWS]) + "\n", encoding="utf-8")
    return src


# --- F01: a span is its calendar unit ---------------------------------------------------


def test_acled_month_rows_are_the_whole_month_in_windows_and_weeks(capsys, use_cache, tmp_path):
    src = _acled(tmp_path)
    code, out, err = run(capsys, "query", src, "--since", "2023-03-27", "--until", "2023-03-31")
    assert code == 0, err
    assert "AFG70004" not in out and "AFG70005" not in out  # both known only to March
    assert "2 rows dated only to a span the window" in err and "2 to a month" in err
    code, out, err = run(capsys, "query", src, "--since", "2023-03-01", "--until", "2023-03-31")
    assert code == 0 and "AFG70004" in out and "AFG70005" in out  # all of March: kept
    code, _, err = run(capsys, "aggregate", src, "--level", "province", "--period", "week",
                       "-o", tmp_path / "w.csv")  # fmt: skip
    assert code == 0, err
    weeks = pd.read_csv(tmp_path / "w.csv")
    assert weeks.loc[weeks["province"] == "Kabul", "incidents"].sum() == 0  # in no week
    assert "2 rows are dated only to a span no one week holds (2 to a month)" in err


def test_acled_month_rows_span_the_month_in_the_library(use_cache, tmp_path):
    from incidentmap.pipeline import load_incidents

    g, _ = load_incidents(_acled(tmp_path))
    first, last = date_spans(g)
    month = (g["date_precision"] == "month").to_numpy()
    assert month.sum() == 2
    assert (first[month] == pd.Timestamp("2023-03-01")).all()
    assert (last[month] == pd.Timestamp("2023-03-31")).all()
    # the real files: every span holds its date, and one no row states is a whole unit
    for name in ("gtd_afg_2004_2009_towns.csv", "ucdp_ged_afg_realcaddish.geojson"):
        g, _ = load_incidents(INCIDENTS / name)
        first, last = date_spans(g)
        own_first, own_last = date_spans(g, stated=False)
        dates = pd.to_datetime(g["date"]).dt.normalize()
        dated = dates.notna()
        assert (first[dated] <= dates[dated]).all() and (last[dated] >= dates[dated]).all()
        # a span no row states is its calendar month or year: from the 1st
        for unit, freq in (("month", "M"), ("year", "Y")):
            mine = (g["date_precision"] == unit) & (last == own_last) & dated
            start = own_first[mine].dt.to_period(freq).dt.start_time
            assert (own_first[mine] == start).all(), name


@settings(max_examples=60, deadline=None)
@given(
    day=st.dates(pd.Timestamp("1990-01-01").date(), pd.Timestamp("2030-12-31").date()),
    precision=st.sampled_from(["month", "quarter", "year"]),
)
def test_a_coarse_date_is_its_whole_calendar_period_wherever_it_falls(day, precision):
    s = pd.Timestamp(day)
    frame = pd.DataFrame({"date": [s], "date_precision": [precision]})
    first, last = date_spans(frame)
    period = pd.Period(s, {"month": "M", "quarter": "Q", "year": "Y"}[precision])
    assert first.iloc[0] == period.start_time.normalize()
    assert last.iloc[0] == period.end_time.normalize()
    # a stated range (UCDP's date_prec 4, 8-30 days, with its date_end) is the span it
    # states, from date_start, not the 1st
    end = s + pd.Timedelta(days=20)
    stated = frame.assign(date_precision="month", date_end=end.strftime("%Y-%m-%d"))
    assert [x.iloc[0] for x in date_spans(stated)] == [s, end]


# --- F09: the first period is as partial as the last ------------------------------------


def _steady(tmp_path):
    """About ten events a month in Kabul, the first on 20 June 2023, the last 24 December."""
    days = pd.date_range("2023-06-20", "2023-12-24", freq="3D")
    src = tmp_path / "steady.csv"
    pd.DataFrame({"date": days.strftime("%Y-%m-%d"), "province": "Kabul", "killed": 1}).to_csv(
        src, index=False
    )
    return src


def test_a_first_month_the_data_start_inside_is_not_complete(capsys, use_cache, tmp_path):
    src = _steady(tmp_path)
    code, _, err = run(capsys, "aggregate", src, "--level", "province", "--period", "month",
                       "-o", tmp_path / "a.csv")  # fmt: skip
    assert code == 0, err
    kabul = pd.read_csv(tmp_path / "a.csv").query("province == 'Kabul'").set_index("period_start")
    assert not kabul.loc["2023-06-01", "period_complete"]  # from 20 June: half a month
    assert kabul.loc["2023-07-01":"2023-11-01", "period_complete"].all()
    assert not kabul.loc["2023-12-01", "period_complete"]
    code, out, err = run(capsys, "trends", src, "--level", "province", "--period", "month",
                         "--timeline", "-f", "csv")  # fmt: skip
    assert code == 0, err
    timeline = pd.read_csv(io.StringIO(out))
    assert timeline["period_start"].min() == "2023-07-01"  # June is no month of the baseline
    assert "baseline: 4 months before it" in err
    code, out, err = run(capsys, "trends", src, "--level", "province", "--period", "month",
                         "--since", "2023-06-01", "--timeline", "-f", "csv")  # fmt: skip
    assert code == 0 and pd.read_csv(io.StringIO(out))["period_start"].min() == "2023-06-01"


def test_first_day_covered_in_the_library(use_cache, tmp_path):
    import incidentmap as im
    from incidentmap.aggregate import counts_by_area
    from incidentmap.pipeline import load_incidents
    from incidentmap.spans import first_day_covered
    from incidentmap.trends import compare

    g, _ = load_incidents(_steady(tmp_path))
    assert first_day_covered(g) == pd.Timestamp("2023-06-20")
    c = counts_by_area(g, im.load_boundaries("province"), level="province", period="month")
    june = c[c["period_start"] == pd.Timestamp("2023-06-01")]
    assert not june["period_complete"].any()
    stated = counts_by_area(g, im.load_boundaries("province"), level="province",
                            period="month", coverage=("2023-06-01", None))  # fmt: skip
    assert stated.loc[stated["period_start"] == "2023-06-01", "period_complete"].all()
    _, facts = compare(g, level="province", period="month", hotspots=False)
    assert facts["first_whole_data"] == pd.Timestamp("2023-07-01")
    assert facts["baseline"] == 4 and facts["first_whole"] is None
    # a layout published in whole years covers its first year from 1 January
    gtd, _ = load_incidents(INCIDENTS / "gtd_afg_2004_2009_towns.csv")
    assert first_day_covered(gtd) == pd.Timestamp("2004-01-01")


# --- F15: a hot spot needs events of its own --------------------------------------------


def test_few_events_are_never_a_hot_spot_of_any_kind():
    from incidentmap.hotspots import MIN_EVENTS, TOO_FEW, emerging_categories

    # significant and hot in some periods (its neighbours), one event of its own in eight
    z = np.array([[3.0, 0, 3.0, 0, 0, 0, 0, 0]] * 3)
    p = np.array([[0.01, 1, 0.01, 1, 1, 1, 1, 1]] * 3)
    counts = np.zeros((3, 8))
    counts[0, 2] = 1
    counts[1, :] = [2, 2, 2, 0, 0, 0, 2, 2]  # ten
    assert emerging_categories(z, p, 0.05) == ["sporadic hotspot"] * 3  # without the counts
    assert emerging_categories(z, p, 0.05, counts) == [TOO_FEW, "sporadic hotspot", "no pattern"]
    assert MIN_EVENTS == 10


def test_trends_calls_no_area_of_few_events_a_hot_spot(capsys, use_cache, tmp_path):
    from tests.conftest import ROOT

    sample = ROOT / "geo" / "sample_incidents.csv"
    code, out, err = run(capsys, "trends", sample, "--level", "province", "--period", "year",
                         "--include-incomplete", "-f", "csv")  # fmt: skip
    assert code == 0, err
    areas = pd.read_csv(io.StringIO(out)).set_index("province_code")
    code, _, err = run(capsys, "aggregate", sample, "--level", "province", "--period", "year",
                       "-o", tmp_path / "y.csv")  # fmt: skip
    counts = pd.read_csv(tmp_path / "y.csv").groupby("province_code")["incidents"].sum()
    few = counts[(counts > 0) & (counts < 10)].index
    assert len(few) and (areas.loc[few, "emerging"] == "too few events").all()
    assert (areas.loc[counts[counts == 0].index, "emerging"] == "no pattern").all()
    hot = areas["emerging"].str.contains("spot")
    assert (counts.reindex(areas.index[hot]) >= 10).all()


# --- F17: a caption's sums keep their fractions, and count incidents ---------------------

HAPI = """location_code,location_name,admin1_code,admin1_name,provider_admin1_name,admin2_code,admin2_name,provider_admin2_name,admin_level,event_type,events,fatalities,reference_period_start,reference_period_end
#country+code,#country+name,#adm1+code,#adm1+name,#adm1+name+provider,#adm2+code,#adm2+name,#adm2+name+provider,#adm+level,#event+type,#event+num,#affected+killed,#date+start,#date+end
AFG,Afghanistan,AF01,Kabul,Kabul,AF0101,Kabul,Kabul,2,political_violence,12,5,2024-01-01,2024-01-31
AFG,Afghanistan,AF01,Kabul,Kabul,AF0101,Kabul,Kabul,2,civilian_targeting,4,2,2024-01-01,2024-01-31
AFG,Afghanistan,AF01,Kabul,Kabul,AF0101,Kabul,Kabul,2,demonstration,3,,2024-01-01,2024-01-31
AFG,Afghanistan,AF17,Badakhshan,Badakhshan,AF1701,Fayzabad,Fayzabad,2,political_violence,2,,2024-01-01,2024-01-31
AFG,Afghanistan,AF17,Badakhshan,Badakhshan,AF1701,Fayzabad,Fayzabad,2,political_violence,1,0,2024-02-01,2024-02-29
AFG,Afghanistan,AF01,Kabul,Kabul,AF0101,Kabul,Kabul,2,political_violence,0,0,2024-02-01,2024-02-29
AFG,Afghanistan,AF01,Kabul,Kabul,AF0101,Kabul,Kabul,2,political_violence,7,1.5,2024-03-01,2024-03-15
"""  # noqa: E501


def test_hapi_caption_keeps_the_fraction_and_counts_incidents(capsys, use_cache, tmp_path):
    import re

    src = tmp_path / "hapi.csv"
    src.write_text(HAPI, encoding="utf-8")
    code, _, err = run(capsys, "brief", src, "-o", tmp_path / "h.html", "--level", "province")
    assert code == 0, err
    page = (tmp_path / "h.html").read_text(encoding="utf-8")
    caption = re.search(r'"caption":"([^"]*)"', page).group(1)
    assert "25 incidents in 7 rows" in caption
    assert "6.5 reported fatalities (tolls known for 20 of 25 incidents)" in caption


def test_caption_sums_in_the_library():
    import geopandas as gpd

    from incidentmap.render.data import amount, default_caption

    frame = gpd.GeoDataFrame(
        {
            "date": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01"]),
            "fatalities": [0.5, np.nan, 1.0 / 3],
            "geocode_method": ["province", "province", "province"],
            "n": [2.0, 3.0, 1.0],
        }
    )
    frame.attrs["weight"] = "n"
    text = default_caption(frame)
    assert "0.83 reported fatalities (tolls known for 3 of 6 incidents)" in text
    assert [amount(v) for v in (1143, 6.5, 0.333, 1234.5)] == ["1,143", "6.5", "0.33", "1,234.5"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.floats(0, 500, allow_nan=False).map(lambda v: round(v * 2) / 2), min_size=1))
def test_amount_never_rounds_a_half_away(tolls):
    from incidentmap.render.data import amount

    total = round(sum(tolls), 2)
    assert float(amount(total).replace(",", "")) == total


# ---------------------------------------------------------------------------------------
# the data's first day is the whole file's, before the filters; `since` 2023-07 is 1 July
# ---------------------------------------------------------------------------------------


def _steady_group(tmp_path, first_day: str = "2023-06-01"):
    """Ten events a month from ``first_day``; the one group's first event on 20 June."""
    import incidentmap as im  # noqa: F401

    days = pd.date_range(first_day, "2023-12-28", freq="3D")
    t = pd.DataFrame({"date": days.strftime("%Y-%m-%d"), "province": "Kabul",
                      "actor": ["ISKP" if d >= pd.Timestamp("2023-06-20") and k % 2 else "Taliban"
                                for k, d in enumerate(days)]})  # fmt: skip
    src = tmp_path / "steady.csv"
    t.to_csv(src, index=False)
    return src


def test_a_groups_first_event_does_not_cut_a_month_the_file_covers(tmp_path, capsys, use_cache):
    import incidentmap as im

    src = _steady_group(tmp_path)
    out = tmp_path / "a.csv"
    code, _, err = run(capsys, "aggregate", src, "--group", "isis-k", "--level", "province",
                       "--period", "month", "-o", out)  # fmt: skip
    assert code == 0, err
    table = pd.read_csv(out)
    june = table[table["period_start"] == "2023-06-01"]
    assert june["period_complete"].all()  # the file covers June from the 1st
    result = im.trends(src, group="isis-k", level="province", period="month", hotspots=False)
    assert "2023-06" not in str(result.facts.get("first_whole_data") or "")


def test_since_a_month_starts_on_its_first_day(tmp_path, capsys, use_cache):
    src = _steady_group(tmp_path)
    out = tmp_path / "a.csv"
    code, _, err = run(capsys, "aggregate", src, "--since", "2023-07", "--level", "province",
                       "--period", "month", "-o", out)  # fmt: skip
    assert code == 0, err
    table = pd.read_csv(out)
    assert table[table["period_start"] == "2023-07-01"]["period_complete"].all()  # was false
    code, _, err = run(capsys, "trends", src, "--since", "2023-07", "--level", "province",
                       "--period", "month", "-f", "csv")  # fmt: skip
    assert code == 0 and "which `since` cuts" not in err, err


def test_trends_says_a_first_period_the_data_start_inside(tmp_path, capsys, use_cache):
    src = _steady_group(tmp_path, "2023-06-20")
    code, _, err = run(capsys, "trends", src, "--level", "province", "--period", "month",
                       "-f", "csv")  # fmt: skip
    assert code == 0, err
    assert "which the data cover only from 2023-06-20 (their first event)" in err
    assert "the months from 2023-07-01 are compared" in err
