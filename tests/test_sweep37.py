"""The work of stop 37: points typed by a person in `near`, and the classes its sweep found."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import incidentmap as im
from incidentmap.coords import looks_like_point, read_point
from tests.conftest import INCIDENTS
from tests.test_cli import run

GTD = INCIDENTS / "gtd_afg_2004_2009_towns.csv"
FIXTURE = HealthCheck.function_scoped_fixture

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


def _acled_shapefile(folder, n=30):
    import geopandas as gpd
    import pandas as pd

    rows = pd.DataFrame({
        "event_id_cnty": [f"AFG{i:05d}" for i in range(n)],
        "event_date": [f"2023-03-{i % 28 + 1:02d}" for i in range(n)],
        "time_precision": [1 + (i % 3 == 2) * 2 for i in range(n)],  # every third: month
        "disorder_type": "Political violence", "event_type": "Explosions/Remote violence",
        "sub_event_type": "Suicide bomb", "actor1": "Islamic State (Afghanistan)",
        "inter1": "Political militia", "interaction": "Political militia-Civilians",
        "civilian_targeting": "Civilian targeting", "iso": 4, "country": "Afghanistan",
        "admin1": "Nangarhar", "admin2": "Jalalabad", "location": "Jalalabad",
        "latitude": 34.43, "longitude": 70.45,
        "geo_precision": [3 if i % 5 == 0 else 1 for i in range(n)],  # every fifth: province
        "source_scale": "National", "fatalities": [i % 4 for i in range(n)],
    })  # fmt: skip
    path = folder / "acled.shp"
    gpd.GeoDataFrame(
        rows, geometry=gpd.points_from_xy(rows.longitude, rows.latitude), crs=4326
    ).to_file(path)
    return path, rows


def test_a_publishers_shapefile_keeps_its_cut_names(capsys, use_cache, tmp_path):
    # a shapefile cuts names to 10 characters: ACLED's event_id_cnty, time_precision and
    # geo_precision came back as event_id_c, time_preci, geo_precis, unread: no ids, every
    # row a day and a point
    path, rows = _acled_shapefile(tmp_path)
    frame = im.read(path).frame
    assert list(frame["event_id"]) == list(rows["event_id_cnty"])
    assert (frame["date_precision"] == "month").sum() == (rows["time_precision"] == 3).sum()
    assert (frame["geocode_precision"] == "province").sum() == (rows["geo_precision"] == 3).sum()
    code, _, err = run(capsys, "geocode", path, "-o", tmp_path / "g.csv")
    assert code == 0 and "'event_id_c' as 'event_id_cnty'" in err
    assert "'geo_precis' as 'geo_precision'" in err


def test_a_dbf_alone_is_read_as_its_table(capsys, use_cache, tmp_path):
    path, rows = _acled_shapefile(tmp_path)
    dbf = path.with_suffix(".dbf")
    frame = im.read(dbf).frame
    assert len(frame) == len(rows) and list(frame["event_id"]) == list(rows["event_id_cnty"])
    code, _, err = run(capsys, "geocode", dbf, "-o", tmp_path / "g.csv")
    assert code == 0 and "the attribute table alone; its geometry is in" in err
    assert f"wrote: {len(rows)} rows" in err


@pytest.mark.parametrize(
    ("body", "said"),
    [('{"status": 200, "success": true, "count": 0, "data": []}', "'data' is empty, count 0"),
     ('{"TotalCount": 0, "TotalPages": 0, "NextPageUrl": "", "Result": []}',
      "'Result' is empty, count 0"),
     ('{"data": []}', "'data' is empty"),
     ("[]", "an empty list: no rows"),
     ('{"message": "Authorization has been denied for this request."}',
      "an API's error answer, not data: Authorization has been denied")],
)  # fmt: skip
def test_an_empty_api_answer_is_said(capsys, use_cache, tmp_path, body, said):
    # a query that matched nothing was refused as "no coordinate or place-name columns"
    src = tmp_path / "answer.json"
    src.write_text(body)
    for command in ("geocode", "aggregate"):
        code, _, err = run(capsys, command, src, "-o", tmp_path / f"{command}.csv")
        assert code == 1 and said in err and "Traceback" not in err, err
        assert not (tmp_path / f"{command}.csv").exists()
    from incidentmap.errors import InputFileError

    with pytest.raises(InputFileError, match=r"no rows|error answer"):
        im.read(src)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.dates(dt.date(2019, 1, 1), dt.date(2024, 12, 31)), min_size=3, max_size=12))
def test_an_acled_week_is_counted_around_its_date(use_cache, tmp_path_factory, days):
    # ACLED dates an event known to the week by the week's middle day (time_precision 2):
    # counted as the week from that day, 29 March went to April and 27 February to March
    import pandas as pd

    src = tmp_path_factory.mktemp("acled_week") / "week.csv"
    pd.DataFrame({
        "event_id_cnty": [f"AFG{i}" for i in range(len(days))],
        "event_date": [d.strftime("%d %B %Y") for d in days], "time_precision": 2,
        "event_type": "Battles", "actor1": "Taliban", "admin1": "Panjshir",
        "location": "Bazarak", "latitude": 35.31, "longitude": 69.52, "geo_precision": 1,
        "fatalities": 0, "iso": 4,
    }).to_csv(src, index=False)  # fmt: skip
    got = im.aggregate(src, level="province", period="month").counts
    got = got[got["incidents"] > 0].set_index("period_start")["incidents"]
    want = pd.Series([pd.Timestamp(d.year, d.month, 1) for d in days]).value_counts()
    assert got.sort_index().to_dict() == want.sort_index().to_dict()


def test_an_acled_week_at_a_month_end_through_the_cli(capsys, use_cache, tmp_path):
    import pandas as pd

    src = tmp_path / "week.csv"
    days = ["29 March 2023", "30 March 2023", "31 March 2023", "28 February 2023",
            "27 February 2023"]  # fmt: skip
    pd.DataFrame({
        "event_id_cnty": [f"W{i}" for i in range(5)], "event_date": days, "time_precision": 2,
        "event_type": "Battles", "actor1": "Taliban", "admin1": "Panjshir", "location": "Bazarak",
        "latitude": 35.31, "longitude": 69.52, "geo_precision": 1, "fatalities": 1, "iso": 4,
    }).to_csv(src, index=False)  # fmt: skip
    code, out, err = run(capsys, "query", src, "--since", "2023-03", "--until", "2023-03",
                         "-f", "csv")  # fmt: skip
    assert code == 0, err
    assert sorted(pd.read_csv(io.StringIO(out))["event_id"]) == ["W0", "W1", "W2"]


HAPI = """location_code,admin1_code,admin1_name,admin2_code,admin2_name,admin_level,event_type,\
events,fatalities,reference_period_start,reference_period_end
#country+code,#adm1+code,#adm1+name,#adm2+code,#adm2+name,#adm+level,#event+type,#event+num,\
#affected+killed,#date+start,#date+end
AFG,AF06,Nangarhar,AF0601,Jalalabad,2,political_violence,10,12,2023-03-01,2023-03-31
AFG,AF06,Nangarhar,AF0601,Jalalabad,2,civilian_targeting,4,5,2023-03-01,2023-03-31
AFG,AF06,Nangarhar,AF0601,Jalalabad,2,demonstration,2,0,2023-03-01,2023-03-31
AFG,AF01,Kabul,AF0101,Kabul,2,political_violence,7,3,2023-03-01,2023-03-31
AFG,AF01,Kabul,AF0101,Kabul,2,civilian_targeting,3,3,2023-03-01,2023-03-31
"""


def test_hapi_civilian_targeting_is_not_counted_twice(capsys, use_cache, tmp_path):
    # HDX HAPI's civilian_targeting events are political_violence events too: Nangarhar's
    # March read 16 incidents (10 + 4 + 2) for the 12 it had
    import pandas as pd

    src = tmp_path / "hapi.csv"
    src.write_text(HAPI)
    counts = im.aggregate(src, level="province", period=None).counts.set_index("province")
    assert counts.loc["Nangarhar", "incidents"] == 12 and counts.loc["Kabul", "incidents"] == 7
    assert counts.loc["Nangarhar", "fatalities"] == 12 and counts.loc["Kabul", "fatalities"] == 3
    code, _, err = run(capsys, "aggregate", src, "--level", "province", "--period", "none",
                       "-o", tmp_path / "a.csv")  # fmt: skip
    assert code == 0 and "so each event counts once" in err
    a = pd.read_csv(tmp_path / "a.csv").set_index("province")
    assert a.loc["Nangarhar", "incidents"] == 12 and a["incidents"].sum() == 19
    for asked, want in (("civilian_targeting", [3, 4]), ("political_violence", [7, 10])):
        alone = im.query(src, event_type=[asked]).frame  # asked alone: as published
        assert sorted(alone["events"].astype(int)) == want
        code, _, err = run(capsys, "query", src, "--event-type", asked)
        assert code == 0 and f"2 rows ({sum(want)} incidents) match" in err
        assert "counts once" not in err
    both = im.query(src, event_type=["civilian_targeting", "political_violence"]).frame
    assert both["events"].astype(int).sum() == 17  # 7 + 10: each event once


def _acled_weeks(tmp_path, weekly: list[int], *, types: dict[int, str] | None = None):
    """An ACLED file at Jalalabad: ``weekly[k]`` battles on the Wednesday of ACLED week k
    (Saturday 2023-01-07 + k weeks), each week also holding the rows of ``types``."""
    import pandas as pd

    saturday = pd.Timestamp("2023-01-07")
    rows = []
    for k, n in enumerate(weekly):
        day = saturday + pd.Timedelta(weeks=k, days=4)
        rows += [{"event_date": day, "event_type": "Battles"}] * n
        for extra, kind in (types or {}).items():
            rows += [{"event_date": day, "event_type": kind}] * extra
    rows.append({"event_date": saturday + pd.Timedelta(weeks=len(weekly) - 1, days=6),
                 "event_type": "Strategic developments"})  # data to the last Friday  # fmt: skip
    # and from the first Saturday (a week the data start inside is no whole week)
    rows.append({"event_date": saturday, "event_type": "Strategic developments"})
    t = pd.DataFrame(rows)
    t["event_date"] = t["event_date"].dt.strftime("%Y-%m-%d")
    t = t.assign(event_id_cnty=[f"A{i}" for i in range(len(t))], time_precision=1,
                 actor1="Taliban", admin1="Nangarhar", location="Jalalabad", latitude=34.43,
                 longitude=70.45, geo_precision=1, fatalities=0, iso=4)  # fmt: skip
    src = tmp_path / "weeks.csv"
    t.to_csv(src, index=False)
    return src


def test_the_trackers_count_violent_events_only(capsys, use_cache, tmp_path):
    # ACLED's trackers count violent events: 20 protests a week in the latest week made
    # a surge of a province whose battles held steady
    src = _acled_weeks(tmp_path, [2, 2, 2, 2, 2], types={})
    flat = im.trends(src, level="province", period="week", hotspots=False).areas
    assert not flat.set_index("province").loc["Nangarhar", "surge"]
    import pandas as pd

    t = pd.read_csv(src)
    last = t["event_date"].max()
    protests = t.iloc[[0] * 20].assign(event_type="Protests", event_date=last)
    pd.concat([t, protests]).to_csv(src, index=False)
    areas = im.trends(src, level="province", period="week", hotspots=False).areas
    assert not areas.set_index("province").loc["Nangarhar", "surge"]
    riots = t.iloc[[0] * 20].assign(event_type="Riots", event_date=last)
    pd.concat([t, riots]).to_csv(src, index=False)
    areas = im.trends(src, level="province", period="week", hotspots=False).areas
    assert areas.set_index("province").loc["Nangarhar", "surge"]
    code, _, err = run(capsys, "trends", src, "--period", "week", "--no-hotspots", "-f", "csv")
    assert code == 0 and "surge 1" in err and "(Saturday to Friday)" in err


def test_the_trackers_count_acled_weeks_from_saturday(use_cache, tmp_path):
    # a surge on Saturday and Sunday is in ACLED's latest week; counted from Monday, those
    # two days fell in the week before and no surge was seen
    import pandas as pd

    src = _acled_weeks(tmp_path, [1, 1, 1, 1, 0])
    t = pd.read_csv(src)
    sat = (pd.Timestamp("2023-01-07") + pd.Timedelta(weeks=4)).strftime("%Y-%m-%d")
    pd.concat([t, t.iloc[[0] * 3].assign(event_date=sat)]).to_csv(src, index=False)
    areas = im.trends(src, level="province", period="week", hotspots=False).areas
    assert areas.set_index("province").loc["Nangarhar", "surge"]


def test_a_rule_without_its_weeks_is_unknown_not_false(capsys, use_cache, tmp_path):
    import pandas as pd

    src = _acled_weeks(tmp_path, [1, 1, 1, 1, 3])
    areas = im.trends(src, level="province", period="week", hotspots=False).areas
    assert areas["threat"].isna().all() and areas["surge"].notna().all()
    code, out, err = run(capsys, "trends", src, "--period", "week", "--no-hotspots", "-f", "csv")
    assert code == 0 and "threat not evaluated (fewer than 56 ACLED weeks)" in err
    got = pd.read_csv(io.StringIO(out))
    assert got["threat"].isna().all()
    code, out, _ = run(capsys, "trends", src, "--period", "week", "--no-hotspots", "-f", "json")
    assert code == 0 and all(a["threat"] is None for a in json.loads(out)["areas"])


WORKBOOK = INCIDENTS / "acled_afg_2017on_province_level.xlsx"


def test_a_month_since_cuts_is_not_a_month(capsys, use_cache, tmp_path):
    # `since 2025-02-15` made a half February one of the twelve baseline months, and
    # aggregate called it complete
    import pandas as pd

    whole = im.trends(WORKBOOK, period="month", hotspots=False, since="2025-03-01")
    cut = im.trends(WORKBOOK, period="month", hotspots=False, since="2025-02-15")
    a, b = (r.areas.set_index("province") for r in (whole, cut))
    assert (a["baseline_mean"] == b["baseline_mean"]).all()  # the half month left out
    assert b.loc["Kabul", "baseline_periods"] == 11
    code, _, err = run(capsys, "trends", WORKBOOK, "--period", "month", "--no-hotspots",
                       "--since", "2025-02-15", "-f", "csv")  # fmt: skip
    assert code == 0 and "the first month, which --since cuts, is left out" in err
    out = tmp_path / "agg.csv"
    code, _, err = run(capsys, "aggregate", WORKBOOK, "--level", "province", "--period", "month",
                       "--since", "2025-02-15", "-o", out)  # fmt: skip
    assert code == 0 and "the month from 2025-02-01: --since (2025-02-15) cuts it" in err
    done = pd.read_csv(out).groupby("period_start")["period_complete"].first()
    assert not done["2025-02-01"] and done["2025-03-01"]
    counts = im.aggregate(WORKBOOK, level="province", period="month", since="2025-02-15").counts
    assert not counts.loc[counts["period_start"] == "2025-02-01", "period_complete"].any()
    gpkg = tmp_path / "e.gpkg"
    code, _, err = run(capsys, "export", WORKBOOK, "--layer", "provinces", "--period", "month",
                       "--since", "2025-02-15", "-o", gpkg)  # fmt: skip
    assert code == 0, err
    import geopandas as gpd
    import pyogrio

    table = next(n for n, _ in pyogrio.list_layers(gpkg) if n.endswith("_by_month"))
    long = gpd.read_file(gpkg, layer=table)
    assert not long.loc[long["period_start"].astype(str).str.startswith("2025-02"),
                        "period_complete"].astype(bool).any()  # fmt: skip


def test_a_toll_bound_says_the_unknown_tolls_it_leaves_out(capsys, use_cache):
    # `--min-fatalities 1` kept 5 of 8 rows without a word on the 2 whose toll is blank
    from tests.test_api import SAMPLE

    code, _, err = run(capsys, "query", SAMPLE, "--min-fatalities", "1", "-f", "csv")
    assert code == 0, err
    import pandas as pd

    s = pd.read_csv(SAMPLE)
    unknown = int(pd.to_numeric(s["fatalities"], errors="coerce").isna().sum())
    assert unknown and f"left out: {unknown} rows whose toll is unknown" in err
    r = im.query(SAMPLE, min_fatalities=1)
    assert any("whose toll is unknown" in n.text for n in r.report.notes)


CHANGED = [(".kml", "field names KML cannot hold, changed"), (".shp", "field names cut to 10")]


@pytest.mark.parametrize(("suffix", "said"), CHANGED)
def test_changed_field_names_are_said_for_the_format_written(
    capsys, use_cache, tmp_path, suffix, said
):
    # a KML export said "shapefile field names cut ... (mapping written to k2.fields.csv)",
    # a file it never wrote
    import pandas as pd

    src = tmp_path / "in.csv"
    pd.DataFrame({"date": ["2023-03-08"], "latitude": [34.43], "longitude": [70.45],
                  "R&D note of the field team": ["x"]}).to_csv(src, index=False)  # fmt: skip
    out = tmp_path / f"k{suffix}"
    code, _, err = run(capsys, "export", src, "-o", out)
    assert code == 0 and said in err, err
    assert ("fields.csv" in err) == (suffix == ".shp")
    assert out.with_suffix(".fields.csv").exists() == (suffix == ".shp")


@pytest.mark.parametrize("measure", ["INJURED", "Injured", "injured"])
def test_a_measure_is_named_as_other_column_options(capsys, use_cache, tmp_path, measure):
    # `--measure INJURED` on GTD (its own column, read into `injured`) was refused as "not
    # a column of the incidents"
    out = tmp_path / "p.html"
    code, _, err = run(capsys, "brief", GTD, "--measure", measure, "-o", out)
    assert code == 0 and out.exists(), err
    page = im.brief(GTD, measure=measure)
    assert page.style.measure == "injured"


@pytest.mark.parametrize("tiles", ["carto", "carto-dark"])
def test_carto_tiles_need_their_key(capsys, use_cache, tmp_path, monkeypatch, tiles):
    # CARTO answers "API key required" on every tile since August 2026: the page was
    # written on tiles that would show that (folium warned on the terminal, in its words)
    from tests.test_api import SAMPLE

    monkeypatch.delenv("CARTO_API_KEY", raising=False)
    out = tmp_path / "p.html"
    code, _, err = run(capsys, "brief", SAMPLE, "--tiles", tiles, "--online", "-o", out)
    assert code == 2 and "need an API key" in err and not out.exists()
    assert "UserWarning" not in err
    monkeypatch.setenv("CARTO_API_KEY", "k<e>y&1")
    code, _, err = run(capsys, "brief", SAMPLE, "--tiles", tiles, "--online", "-o", out)
    assert code == 0 and "UserWarning" not in err, err
    page = out.read_text()
    assert "basemaps.cartocdn.com" in page and "api_key=k%3Ce%3Ey%261" in page
    assert "carto.com/attributions" in page


#: (stated province, district as written, the district it is)
STATED = [
    ("Nangarhar", "Shinwari", "Shinwar"),  # not Parwan's Shinwari
    ("Paktia", "Janikhel", "Jani Khail"),  # not Paktika's Jani Khel
    ("Paktika", "Surobi", "Sarobi"),  # OCHA's name for it; not Kabul's Surobi
    ("Paktika", "Janikhel", "Jani Khel"),
    ("Kabul", "Surobi", "Surobi"),
]


def test_a_district_of_the_stated_province_wins_over_a_spelling_elsewhere(
    capsys, use_cache, tmp_path
):
    # a district spelled as another province's district was placed there, and the row
    # flagged as a conflict with its own (right) province
    import pandas as pd

    src = tmp_path / "d.csv"
    pd.DataFrame(
        {"date": "2023-03-01", "province": [p for p, _, _ in STATED],
         "district": [d for _, d, _ in STATED]}
    ).to_csv(src, index=False)  # fmt: skip
    g = im.read(src).frame
    assert list(g["district"]) == [want for _, _, want in STATED]
    assert list(g["province"]) == [p for p, _, _ in STATED]
    assert not g["geocode_conflict"].astype(bool).any()
    code, _, err = run(capsys, "geocode", src, "-o", tmp_path / "g.csv")
    assert code == 0 and f"district {len(STATED)}" in err, err


@pytest.mark.parametrize("district", ["Musa Qalah", "موسی قلعه", "Musa Qala"])
def test_a_district_field_never_gives_a_point(capsys, use_cache, tmp_path, district):
    # a district spelled as GeoNames spells its town was placed at the town's point: a
    # district-placed event read as 0 km from it
    import pandas as pd

    src = tmp_path / "m.csv"
    pd.DataFrame({"date": ["2023-03-01"], "province": ["Helmand"], "district": [district]}).to_csv(
        src, index=False
    )
    g = im.read(src).frame
    assert g.loc[0, "district"] == "Musa Qala" and g.loc[0, "geocode_precision"] == "district"
    code, out, err = run(capsys, "query", src, "--near", "Musa Qala", "--km", "3", "-f", "csv")
    assert code == 0, err  # a district overlapping 3 km of its town: said, never at 0 km
    assert "left out: 1 event placed only to a district" in err and "0.0" not in out


def test_the_gtd_towns_keep_their_places(use_cache):
    g = im.read(GTD).frame
    counts = g["geocode_precision"].value_counts()
    assert counts["province"] == 638 and counts["point"] == 771  # Dara-i-Noor Valley: Dara-I-Nur


@pytest.mark.parametrize(
    ("lat", "lon"), [(33.93911, 67.709953), (33.9, 67.7), (33.0, 65.0), (33.0, 66.0)]
)
def test_the_country_centre_is_no_place(capsys, use_cache, tmp_path, lat, lon):
    # "somewhere in Afghanistan" written as the country's centre was placed in Nawur
    # (Ghazni) as an exact point, over the province the row stated
    import pandas as pd

    src = tmp_path / "c.csv"
    pd.DataFrame({"date": ["2023-03-01"] * 2, "latitude": [lat] * 2, "longitude": [lon] * 2,
                  "province": ["Helmand", ""]}).to_csv(src, index=False)  # fmt: skip
    g = im.read(src).frame
    assert list(g["geocode_precision"]) == ["province", "none"]
    assert g.loc[0, "province"] == "Helmand" and not g["geocode_conflict"].astype(bool).any()
    code, _, err = run(capsys, "geocode", src, "-o", tmp_path / "g.csv")
    assert code == 0 and "2 rows at Afghanistan's centre" in err and "unplaced: 1" in err


def test_a_point_in_whole_degrees_gives_way_to_the_names(capsys, use_cache, tmp_path):
    import pandas as pd

    src = tmp_path / "w.csv"
    pd.DataFrame({"date": ["2023-03-01"] * 2, "latitude": [34, 34], "longitude": [70, 70],
                  "province": ["Kunar", ""]}).to_csv(src, index=False)  # fmt: skip
    g = im.read(src).frame
    assert g.loc[0, "province"] == "Kunar" and g.loc[0, "geocode_precision"] == "province"
    assert g.loc[1, "geocode_precision"] == "point"  # no name: the point, as written
    code, _, err = run(capsys, "geocode", src, "-o", tmp_path / "g.csv")
    assert code == 0 and "1 row in whole degrees" in err


def test_the_trends_table_says_flags_as_yes_and_unknown(capsys, use_cache, tmp_path):
    # numpy 2's booleans printed "False" where the table writes "yes" or nothing; a rule
    # without its weeks printed "<NA>"
    src = _acled_weeks(tmp_path, [1, 1, 1, 1, 3])
    code, out, err = run(capsys, "trends", src, "--period", "week", "--no-hotspots",
                         "-f", "table")  # fmt: skip
    assert code == 0, err
    assert "False" not in out and "<NA>" not in out
    assert "yes" in out and "unknown" in out  # surge yes; threat unknown (5 weeks)


def test_an_unknown_near_is_a_usage_error(capsys, use_cache):
    # a misspelt --near exited 1 (a data error) without the help hint every refused value has
    from incidentmap.errors import UnknownNameError

    code, out, err = run(capsys, "query", GTD, "--near", "Jalalbad")
    assert code == 2 and out == "" and "did you mean 'Jalalabad'" in err
    assert "(see: incidentmap query --help)" in err
    with pytest.raises(UnknownNameError, match="Jalalbad"):  # still an unknown name
        im.query(GTD, near="Jalalbad")


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(code=st.sampled_from(["-99", "-9", "-999", "-99.0", " -99 "]), as_number=st.booleans())
def test_an_unknown_count_code_is_unknown(use_cache, tmp_path_factory, code, as_number):
    # GTD's -99 in nkill was refused as "expected a number of people from 0"
    import pandas as pd

    src = tmp_path_factory.mktemp("m99") / "g.csv"
    kill = [float(code) if as_number else code, "2"]
    pd.DataFrame({"date": ["2009-05-01", "2009-05-02"], "province": ["Kandahar", "Kandahar"],
                  "killed": kill}).to_csv(src, index=False)  # fmt: skip
    g = im.read(src).frame
    assert pd.isna(g.loc[0, "fatalities"]) and g.loc[1, "fatalities"] == 2
    counts = im.aggregate(src, level="province", period=None).counts.set_index("province")
    assert counts.loc["Kandahar", "fatalities"] == 2
    assert counts.loc["Kandahar", "fatalities_known"] == 1


def test_gtd_minus_99_through_the_cli(capsys, use_cache, tmp_path):
    src = tmp_path / "gtd.csv"
    src.write_text("eventid,iyear,imonth,iday,provstate,city,nkill,nwound,gname\n"
                   "200905000001,2009,5,3,Kandahar,Kandahar,-99,4,Taliban\n")  # fmt: skip
    code, _, err = run(capsys, "geocode", src, "-o", tmp_path / "o.csv")
    assert code == 0 and "values are a code for an unknown count" in err, err


def test_a_pcode_with_its_district_spelled_otherwise(use_cache, tmp_path):
    # AF13 (Paktia) + "Jani Khel" stayed at the province with a note that Jani Khel is in
    # Paktika (Paktia has it too: OCHA AF1309)
    import pandas as pd

    src = tmp_path / "p.csv"
    pd.DataFrame({"date": "2020-01-01", "admin2_code": ["AF1309", "AF1210"],
                  "district": ["Jani Khel", "Surobi"]}).to_csv(src, index=False)  # fmt: skip
    g = im.read(src).frame
    assert list(g["district"]) == ["Jani Khail", "Sarobi"]
    assert list(g["province"]) == ["Paktia", "Paktika"]
    assert not g["geocode_conflict"].astype(bool).any()


WARDIARY = INCIDENTS / "wardiary_points_2004_2009.csv"


def test_place_and_day_alone_never_match(capsys, use_cache, tmp_path):
    # the war diary gives no type, actor or toll: its pairs with GTD matched by place and
    # day alone, and GTD shifted ten days (no true pair left) still "matched" 105 times
    import pandas as pd

    pairs = tmp_path / "p.csv"
    code, _, err = run(capsys, "merge", f"gtd={GTD}", f"wd={WARDIARY}", "-o", tmp_path / "m.csv",
                       "--pairs", pairs)  # fmt: skip
    assert code == 0, err
    p = pd.read_csv(pairs)
    assert (p["decision"] == "match").sum() == 0 and (p["decision"] == "review").sum() > 1000
    said = p["reason"].str.contains("nothing beyond place and day", regex=False)
    assert said.sum() > 100 and "pairs: 0 match" in err
    r = im.merge(f"gtd={GTD}", f"wd={WARDIARY}", output=tmp_path / "m2.csv")
    assert (r.result.pairs["decision"] == "match").sum() == 0


def test_two_merged_lists_of_one_source_are_refused(capsys, use_cache, tmp_path):
    # two merges of the same sources merged again counted events twice ("ucdp|ucdp")
    ucdp = INCIDENTS / "ucdp_ged_afg_realcaddish.geojson"
    first = tmp_path / "m.csv"
    code, _, err = run(capsys, "merge", f"gtd={GTD}", f"ucdp={ucdp}", "-o", first)
    assert code == 0, err
    again = tmp_path / "m2.csv"
    again.write_bytes(first.read_bytes())
    code, _, err = run(capsys, "merge", f"m={first}", f"m2={again}", "-o", tmp_path / "x.csv")
    assert code == 2 and "both hold" in err and not (tmp_path / "x.csv").exists()
    from incidentmap.errors import UsageError

    with pytest.raises(UsageError, match="both hold"):
        im.merge(f"m={first}", f"m2={again}", output=tmp_path / "y.csv")


def test_the_merged_place_is_the_coordinates_whatever_the_order(use_cache, tmp_path):
    # a town's point (placed by name) and a source's coordinates of one event: the place
    # came from whichever source was named first (GTD's town centre or the war diary's point)
    import pandas as pd

    named = tmp_path / "named.csv"
    pd.DataFrame({"event_id": ["N1"], "date": ["2009-05-03"], "province": ["Nangarhar"],
                  "place": ["Jalalabad"], "event_type": ["Suicide bombing"],
                  "actor": ["Taliban"], "fatalities": [3]}).to_csv(named, index=False)  # fmt: skip
    points = tmp_path / "points.csv"
    pd.DataFrame({"event_id": ["P1"], "date": ["2009-05-03"], "latitude": [34.4405],
                  "longitude": [70.4605], "event_type": ["Suicide bombing"],
                  "actor": ["Taliban"], "fatalities": [3]}).to_csv(points, index=False)  # fmt: skip
    got = []
    for order in ((f"n={named}", f"p={points}"), (f"p={points}", f"n={named}")):
        r = im.merge(*order, output=tmp_path / "m.csv", overwrite=True).result.merged
        assert len(r) == 1
        got.append((round(r.geometry.x.iloc[0], 4), round(r.geometry.y.iloc[0], 4)))
    assert got == [(70.4605, 34.4405)] * 2


def test_a_stated_range_of_days_is_its_window(use_cache, tmp_path):
    # UCDP's date_prec 2 ("within 2-6 days", 20-21 June) was read as a week either side of
    # its first day: an ACLED event of 26 June paired with it at 0 days
    import pandas as pd

    ucdp = tmp_path / "u.csv"
    pd.DataFrame({"id": [263573], "date_start": ["2018-06-20"], "date_end": ["2018-06-21"],
                  "date_prec": [2], "side_a": ["Government of Afghanistan"],
                  "side_b": ["Taleban"], "type_of_violence": [1], "where_prec": [1],
                  "latitude": [34.43], "longitude": [70.45], "best": [3], "high": [3],
                  "low": [3]}).to_csv(ucdp, index=False)  # fmt: skip
    acled = tmp_path / "a.csv"
    pd.DataFrame({"event_id_cnty": ["AFG1", "AFG2"], "event_date": ["2018-06-26", "2018-06-21"],
                  "time_precision": [1, 1], "event_type": ["Battles"] * 2,
                  "actor1": ["Taliban"] * 2, "admin1": ["Nangarhar"] * 2,
                  "latitude": [34.43] * 2, "longitude": [70.45] * 2, "geo_precision": [1, 1],
                  "fatalities": [3, 3], "iso": [4, 4]}).to_csv(acled, index=False)  # fmt: skip
    r = im.merge(f"ucdp={ucdp}", f"acled={acled}", output=tmp_path / "m.csv").result
    p = r.pairs.set_index("event_id_b")
    assert "AFG1" not in p.index or p.loc["AFG1", "days"] >= 5
    assert p.loc["AFG2", "decision"] == "match" and p.loc["AFG2", "days"] == 0


def test_a_list_with_a_few_acled_types_counts_every_row_in_the_trackers(use_cache, tmp_path):
    # the trackers' ACLED taxonomy was taken from one row: a list of "Suicide bombing" and
    # "IED" rows with one "Battles" counted the battle alone
    import pandas as pd

    src = _acled_weeks(tmp_path, [1, 1, 1, 1, 0])
    t = pd.read_csv(src)
    last = (pd.Timestamp("2023-01-07") + pd.Timedelta(weeks=4, days=4)).strftime("%Y-%m-%d")
    own = t.assign(event_type="Suicide bombing")
    own = pd.concat([own, own.iloc[[0] * 4].assign(event_date=last)], ignore_index=True)
    own.loc[0, "event_type"] = "Battles"
    own.to_csv(src, index=False)
    areas = im.trends(src, level="province", period="week", hotspots=False).areas
    assert areas.set_index("province").loc["Nangarhar", "surge"]  # 4 against a mean of 1
