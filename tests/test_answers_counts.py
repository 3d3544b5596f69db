"""The answers of aggregate and export checked against an independent pandas count.

Rows placed only to a province counted by district gave a table of zeros and no word
(``aggregate --level district`` of ACLED's province file: "0 incidents counted").
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import incidentmap as im
from tests.test_cli import run

PROVINCES = ["Kabul", "Herat", "Balkh", "Nangarhar", "Kandahar"]


@pytest.fixture
def province_only(tmp_path):
    """Rows naming only their province (as ACLED's province-level extract)."""
    rows = ["date,province,fatalities"]
    for i in range(30):
        rows.append(f"2023-{1 + i % 5:02d}-{1 + i % 27:02d},{PROVINCES[i % 5]},{i % 4 or ''}")
    path = tmp_path / "provinces.csv"
    path.write_text("\n".join(rows) + "\n")
    return path


@pytest.fixture
def mixed(tmp_path):
    """Province-only rows among rows at points."""
    rows = ["date,province,latitude,longitude,fatalities"]
    for i in range(12):
        rows.append(f"2023-0{1 + i % 3}-0{1 + i % 9},Nangarhar,,,{i % 3 or ''}")
    for i in range(8):
        rows.append(f"2023-0{1 + i % 3}-1{i % 9},,34.4265,70.4515,1")
    path = tmp_path / "mixed.csv"
    path.write_text("\n".join(rows) + "\n")
    return path


def test_district_counts_of_province_only_rows_are_refused_on_the_command_line(
    capsys, use_cache, province_only
):
    out = province_only.with_suffix(".counts.csv")
    code, stdout, err = run(
        capsys, "aggregate", province_only, "--level", "district", "--period", "month", "-o", out
    )
    assert code == 2 and stdout == ""
    assert err.splitlines()[-1] == (
        "Error: --level district: all 30 placed rows are placed only to a province (the data "
        "name no district or point); use --level province (see: incidentmap aggregate --help)"
    )
    assert not out.exists()
    code, _, err = run(capsys, "aggregate", province_only, "--level", "province", "-o", out)
    assert code == 0, err
    assert pd.read_csv(out)["incidents"].sum() == 30


def test_district_counts_of_province_only_rows_are_refused_in_python(use_cache, province_only):
    with pytest.raises(
        im.UsageError,
        match=r"placed only to a province \(the data name no district or point\); use `level`",
    ):
        im.aggregate(province_only, level="district", period="month")
    assert im.aggregate(province_only, level="province").counts["incidents"].sum() == 30


def test_a_filter_keeping_nothing_still_gives_zeros_not_a_refusal(use_cache, province_only):
    res = im.aggregate(province_only, level="district", period="month", since="2030-01-01")
    assert res.counts["incidents"].sum() == 0
    assert any("no row matched the filters" in line for line in res.report.lines())


def test_export_of_districts_from_province_only_rows_warns(capsys, use_cache, province_only):
    out = province_only.with_suffix(".geojson")
    code, _, err = run(capsys, "export", province_only, "--layer", "districts", "-o", out)
    assert code == 0, err
    assert (
        "warning: all 30 placed rows are placed only to a province (the data name no district "
        "or point): every district count is 0"
    ) in err
    assert gpd.read_file(out)["incidents"].sum() == 0
    res = im.export(province_only, out.with_name("p.gpkg"), layers=("districts", "provinces"))
    assert any(n.kind == "warning" and n.code == "province_only" for n in res.report.notes)
    assert gpd.read_file(out.with_name("p.gpkg"), layer="provinces")["incidents"].sum() == 30


def test_mixed_rows_are_counted_as_pandas_counts_them(capsys, use_cache, mixed, tmp_path):
    out = tmp_path / "d.csv"
    code, _, err = run(capsys, "aggregate", mixed, "--level", "district", "-o", out)
    assert code == 0, err
    assert "note: 12 of 20 placed rows are placed only to a province" in err
    got = pd.read_csv(out)
    src = pd.read_csv(mixed)
    at_points = src[src["latitude"].notna()].assign(m=lambda d: d["date"].str[:7])
    want = at_points.groupby("m").size()
    jal = got[got["district"] == "Jalalabad"].assign(m=lambda d: d["period_start"].str[:7])
    assert jal.set_index("m")["incidents"].to_dict() == want.to_dict()
    assert got["incidents"].sum() == len(at_points)
    prov = im.aggregate(mixed, level="province", period=None).counts
    assert prov.loc[prov["province"] == "Nangarhar", "incidents"].item() == 20


@pytest.fixture
def repeated(tmp_path):
    """An export appended to itself in part: ids E0..E2 twice, two blank ids."""
    rows = ["event_id,date,latitude,longitude,fatalities"]
    for i in range(6):
        rows.append(f"E{i},2023-03-{1 + i:02d},34.4265,70.4515,{i}")
    for i in range(3):
        rows.append(f"E{i},2023-03-{1 + i:02d},34.4265,70.4515,{i}")
    rows += [",2023-03-09,34.4265,70.4515,1", ",2023-03-10,34.4265,70.4515,1"]
    path = tmp_path / "repeated.csv"
    path.write_text("\n".join(rows) + "\n")
    return path


REPEATED = (
    "warning: 3 event ids are on several rows ('E0' on 2 rows, 'E1' on 2 rows, 'E2' on 2 "
    "rows): each of those 6 rows is counted as an incident; if they are one event listed "
    "again, the counts are too high"
)


@pytest.mark.parametrize(
    "command",
    [
        ["aggregate", "--level", "province", "-o", "{out}.csv"],
        ["trends", "--period", "month", "--include-incomplete", "-f", "csv"],
        ["export", "--layer", "provinces", "-o", "{out}.geojson"],
    ],
)
def test_ids_on_several_rows_are_said_by_every_counting_command(
    capsys, use_cache, repeated, tmp_path, command
):
    args = [a.replace("{out}", str(tmp_path / "out")) for a in command]
    code, _, err = run(capsys, args[0], repeated, *args[1:])
    assert code == 0, err
    assert REPEATED in err  # blank ids are no id: not said


def test_ids_on_several_rows_are_counted_and_said_in_python(use_cache, repeated):
    res = im.aggregate(repeated, level="province", period=None)
    src = pd.read_csv(repeated)
    assert res.counts["incidents"].sum() == len(src)  # every row counted, as pandas counts
    assert res.report.counts["repeated_id_rows"] == 6
    assert REPEATED.removeprefix("warning: ") in [n.text for n in res.report.notes]


def test_trends_by_district_says_the_rows_it_cannot_count(capsys, use_cache, mixed):
    args = ["trends", mixed, "--level", "district", "--period", "month"]
    code, _, err = run(capsys, *args, "--include-incomplete", "-f", "csv")
    assert code == 0, err
    assert (
        "note: 12 of 20 placed rows are placed only to a province and are not in the district "
        "counts (a page shows them by province; --level province counts them)"
    ) in err
    res = im.trends(mixed, level="district", period="month", include_incomplete=True)
    assert res.report.counts["province_only"] == 12
    src = pd.read_csv(mixed)
    latest = src[src["latitude"].notna() & src["date"].str.startswith("2023-03")]
    assert res.areas["last_count"].sum() == len(latest)  # the point rows only, as pandas says


@pytest.fixture(scope="module")
def busy(cache, tmp_path_factory):
    """300 rows over 2023 at five towns, a busy day, blank tolls, ids repeated."""
    rng = np.random.default_rng(3)
    towns = [(34.4265, 70.4515), (34.5281, 69.1723), (31.6133, 65.7101), (36.709, 67.1109),
             (34.3482, 62.1997)]  # fmt: skip
    rows = ["event_id,date,latitude,longitude,fatalities,injured"]
    for i in range(300):
        month, dom = rng.integers(1, 13), rng.integers(1, 29)
        day = "2023-06-14" if i < 60 else f"2023-{month:02d}-{dom:02d}"
        lat, lon = towns[int(rng.integers(0, 5))]
        toll = "" if rng.random() < 0.3 else str(int(rng.integers(0, 9)))
        hurt = "" if rng.random() < 0.5 else str(int(rng.integers(0, 9)))
        rows.append(f"E{i % 250},{day},{lat},{lon},{toll},{hurt}")
    path = tmp_path_factory.mktemp("busy") / "busy.csv"
    path.write_text("\n".join(rows) + "\n")
    return im.read(path).frame


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    period=st.sampled_from(["day", "week", "month", "quarter", "year"]),
    level=st.sampled_from(["district", "province"]),
    keep=st.lists(st.booleans(), min_size=300, max_size=300),
)
def test_counts_are_pandas_counts(use_cache, busy, period, level, keep):
    from incidentmap.aggregate import counts_by_area

    g = busy[keep]
    key = "district_id" if level == "district" else "province_code"
    got = counts_by_area(g, im.load_boundaries(level), level=level, period=period)
    freq = {"day": "D", "week": "W-SUN", "month": "M", "quarter": "Q", "year": "Y"}[period]
    when = pd.to_datetime(g["date"]).dt.to_period(freq).dt.start_time
    want = (
        g.assign(p=when)
        .groupby([key, "p"])
        .agg(
            n=("date", "size"),
            f=("fatalities", lambda s: s.sum(min_count=1)),
            fk=("fatalities", "count"),
            i=("injured", lambda s: s.sum(min_count=1)),
        )
    )
    got = got[got["incidents"] > 0].set_index([key, "period_start"])
    assert got["incidents"].sum() == len(g)
    assert got["incidents"].to_dict() == want["n"].to_dict()
    assert got["fatalities_known"].to_dict() == want["fk"].to_dict()
    for col, w in (("fatalities", "f"), ("injured", "i")):  # all unknown stays unknown
        a, b = got[col].sort_index(), want[w].sort_index()
        assert a.isna().tolist() == b.isna().tolist()
        assert np.allclose(a.dropna().to_numpy(dtype=float), b.dropna().to_numpy(dtype=float))
