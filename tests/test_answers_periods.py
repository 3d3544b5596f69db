"""A period the data end inside is never passed off as a whole one (trends, its timeline).

``trends --include-incomplete`` compared half a month with whole ones and said only
``latest month: 2023-06-01``; the JSON document and the timeline gave no sign either.
"""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest

import incidentmap as im
from tests.test_cli import run


@pytest.fixture
def half_june(tmp_path):
    """Five whole months of events and June to the 15th, some tolls blank."""
    rows = ["event_id,date,latitude,longitude,fatalities"]
    for i in range(75):
        month, day = 1 + i % 6, 1 + i % 28
        if month == 6:
            day = 1 + i % 15
        toll = "" if i % 4 == 0 else str(i % 3)
        rows.append(f"E{i},2023-{month:02d}-{day:02d},34.4265,70.4515,{toll}")
    path = tmp_path / "half_june.csv"
    path.write_text("\n".join(rows) + "\n")
    return path


def _by_month(path):
    src = pd.read_csv(path)
    return src.groupby(src["date"].str[:7] + "-01").size()


def test_the_latest_month_the_data_end_inside_is_said_on_the_command_line(
    capsys, use_cache, half_june
):
    args = ["trends", half_june, "--period", "month", "--include-incomplete"]
    code, out, err = run(capsys, *args, "-f", "json")
    assert code == 0, err
    assert "latest month: 2023-06-01 (incomplete: the data end 2023-06-15, inside it)" in err
    doc = json.loads(out)
    assert doc["last_period"] == "2023-06-01"
    assert doc["last_period_complete"] is False and doc["data_end"] == "2023-06-15"
    code, out, err = run(capsys, *args, "--timeline", "-f", "csv")
    assert code == 0, err
    tl = pd.read_csv(io.StringIO(out)).set_index("period_start")
    assert tl["incidents"].to_dict() == _by_month(half_june).to_dict()
    assert tl["period_complete"].to_dict() == {m: m != "2023-06-01" for m in tl.index}


def test_without_the_option_the_half_month_is_left_out_and_whole_ones_marked(
    capsys, use_cache, half_june
):
    code, out, err = run(capsys, "trends", half_june, "--period", "month", "-f", "json")
    assert code == 0, err
    assert "incomplete:" not in err and "the month it ends inside is left out" in err
    doc = json.loads(out)
    assert doc["last_period"] == "2023-05-01" and doc["last_period_complete"] is True
    assert [r["period_start"] for r in doc["timeline"]][-1] == "2023-05-01"
    assert all(r["period_complete"] for r in doc["timeline"])


def test_the_library_says_it_too(use_cache, half_june):
    res = im.trends(half_june, period="month", include_incomplete=True)
    assert not res.facts["last_complete"]
    assert res.document()["last_period_complete"] is False
    assert list(res.marked_timeline()["period_complete"]) == [True] * 5 + [False]
    assert [r["period_complete"] for r in res.document()["timeline"]] == [True] * 5 + [False]
    assert any("incomplete: the data end 2023-06-15" in line for line in res.report.lines())


def test_aggregate_matches_a_pandas_count_and_keeps_unknown_tolls_unknown(
    capsys, use_cache, half_june, tmp_path
):
    out = tmp_path / "m.csv"
    code, _, err = run(capsys, "aggregate", half_june, "--level", "province", "-o", out)
    assert code == 0, err
    got = pd.read_csv(out)
    got = got[got["province"] == "Nangarhar"].set_index("period_start")
    src = pd.read_csv(half_june).assign(m=lambda d: d["date"].str[:7] + "-01")
    want = src.groupby("m").agg(
        n=("event_id", "size"),
        f=("fatalities", lambda s: s.sum(min_count=1)),
        k=("fatalities", "count"),
    )
    assert got["incidents"].to_dict() == want["n"].to_dict()
    assert got["fatalities_known"].to_dict() == want["k"].to_dict()
    assert got["fatalities"].to_dict() == want["f"].to_dict()
    assert got["period_complete"].to_dict() == {m: m != "2023-06-01" for m in got.index}


def test_trends_says_the_rows_without_a_date(capsys, use_cache, half_june, tmp_path):
    src = tmp_path / "undated.csv"
    lines = half_june.read_text().splitlines()
    src.write_text("\n".join([*lines, "U1,,34.4265,70.4515,1", "U2,,34.4265,70.4515,"]) + "\n")
    code, _, err = run(capsys, "trends", src, "--period", "month", "-f", "csv")
    assert code == 0, err
    assert "note: 2 rows have no date: in no month, in no count compared" in err
    res = im.trends(src, period="month")
    assert any(n.code == "undated" and n.text.startswith("2 rows") for n in res.report.notes)
    assert res.areas["last_count"].sum() == _by_month(half_june)["2023-05-01"]


def test_export_and_aggregate_mark_the_same_periods_complete(capsys, use_cache, tmp_path):
    # GTD is published in whole years: its last event (2009-12-30) ends no month early;
    # export's table said December 2009 was incomplete where aggregate said it was whole
    from tests.conftest import INCIDENTS

    gtd = INCIDENTS / "gtd_afg_2004_2009_towns.csv"
    agg, out = tmp_path / "agg.csv", tmp_path / "gtd.geojson"
    code, _, err = run(capsys, "aggregate", gtd, "--level", "province", "-o", agg)
    assert code == 0, err
    code, _, err = run(capsys, "export", gtd, "--layer", "provinces", "--period", "month",
                       "-o", out)  # fmt: skip
    assert code == 0, err
    assert "period_complete is false" not in err
    table = pd.read_csv(tmp_path / "gtd.provinces_by_month.csv")
    whole = pd.read_csv(agg)
    merged = table.merge(whole, on=["province_code", "period_start"], suffixes=("", "_agg"))
    assert len(merged) == len(table)
    assert (merged["incidents"] == merged["incidents_agg"]).all()
    assert (merged["period_complete"] == merged["period_complete_agg"]).all()
    assert merged.loc[merged["period_start"] == "2009-12-01", "period_complete"].all()


def test_export_says_the_month_the_data_end_inside(capsys, use_cache, half_june, tmp_path):
    out = tmp_path / "h.gpkg"
    code, _, err = run(capsys, "export", half_june, "--layer", "districts", "--period",
                       "month", "-o", out)  # fmt: skip
    assert code == 0, err
    assert (
        "note: period_complete is false for the month from 2023-06-01: the data cover to 2023-06-15"
    ) in err
    res = im.export(half_june, tmp_path / "h2.gpkg", layers=("districts",), period="month")
    assert any(n.code == "partial" for n in res.report.notes)
    import geopandas as gpd

    table = gpd.read_file(out, layer="districts_by_month")
    assert table.groupby("period_start")["incidents"].sum().tolist() == list(
        _by_month(half_june).to_numpy()
    )


@pytest.mark.parametrize("suffix", [".gpkg", ".shp"])
def test_trends_layers_keep_the_period_a_date(capsys, use_cache, half_june, tmp_path, suffix):
    import pyogrio

    out = tmp_path / f"t{suffix}"
    code, _, err = run(capsys, "trends", half_june, "--period", "month", "-o", out, "-f", "csv")
    assert code == 0, err
    info = pyogrio.read_info(out)
    types = dict(zip(info["fields"], info["dtypes"], strict=True))
    assert types["last_perio" if suffix == ".shp" else "last_period"] == "datetime64[D]"
    assert info["features"] == 34
    res = im.trends(half_june, period="month", output=tmp_path / f"lib{suffix}")
    assert pyogrio.read_info(tmp_path / f"lib{suffix}")["features"] == len(res.areas)
