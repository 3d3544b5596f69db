"""Sweep 38: a frame given to the Python API is read as the file it came from.

A raw GeoDataFrame (``gpd.read_file`` of UCDP's GeoJSON) was taken as placed-to-be rows
and every one came out unplaced (310 of 310; ``query`` matched 0 for the path's 10, a merge
matched nothing); a pandas DataFrame crashed every job (``TypeError: expected str...``); a
file ``geocode`` wrote, opened with geopandas, lost its layout (GTD's trends and credit).
Each job through the library is compared with the same job on the path (CLI and Python).
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest

import incidentmap as im
from tests.conftest import INCIDENTS
from tests.test_api import SAMPLE, same_page
from tests.test_cli import run

UCDP = INCIDENTS / "ucdp_ged_afg_realcaddish.geojson"
GTD = INCIDENTS / "gtd_afg_2004_2009_towns.csv"


def test_a_raw_geodataframe_is_read_as_its_file(use_cache, tmp_path, capsys):
    frame = gpd.read_file(UCDP)
    by_frame = im.read(frame).frame
    by_path = im.read(UCDP).frame
    assert by_frame["geocode_method"].value_counts().to_dict() == {"point": 276, "unplaced": 34}
    assert list(by_frame["district_id"].fillna("")) == list(by_path["district_id"].fillna(""))
    assert im.query(frame, near="Kandahar", km=50).matched == 10  # was 0
    code, out, err = run(capsys, "query", UCDP, "--near", "Kandahar", "--km", "50", "-f", "csv")
    assert code == 0 and len(pd.read_csv(pd.io.common.StringIO(out))) == 10, err
    merged = im.merge(f"gtd={GTD}", ("ucdp", frame), output=tmp_path / "m.csv").result.merged
    assert len(merged) == 2086  # was 2,092: no UCDP row placed, nothing matched
    totals = im.aggregate(frame, level="province", period="year").counts["incidents"].sum()
    assert totals == im.aggregate(UCDP, level="province", period="year").counts["incidents"].sum()


def test_a_pandas_frame_is_read_as_its_file(use_cache, tmp_path):
    frame = pd.read_csv(SAMPLE)
    assert len(im.read(frame).frame) == 52  # was TypeError: expected str, not DataFrame
    report = im.geocode(frame, tmp_path / "g.csv")
    assert report.counts.summary["placed_by_name"] == 52
    named = {"level": "province", "period": "year", "title": "T", "credit": "C"}
    page, same = im.brief(frame, None, **named), im.brief(SAMPLE, None, **named)
    assert same_page(page.html()) == same_page(same.html())  # the same page, a file named
    assert "&lt;frame&gt;" not in im.brief(frame, None, level="province").html()
    with pytest.raises(im.IncidentMapError):
        im.read(pd.DataFrame({"colour": ["red"]}))  # no place, no date: said in one error


def test_a_geocoded_file_opened_with_geopandas_keeps_its_layout(use_cache, tmp_path):
    out = tmp_path / "gtd.gpkg"
    im.geocode(GTD, out)
    frame = gpd.read_file(out)  # no attrs: the layout from the columns GTD's rows keep
    read = im.read(frame).frame
    assert read.attrs.get("preset") == "gtd" and "Global Terrorism Database" in str(
        read.attrs.get("citation")
    )
    a = im.trends(frame, level="province", period="year", hotspots=False)
    b = im.trends(out, level="province", period="year", hotspots=False)
    assert a.facts["last_period"] == b.facts["last_period"]  # was 2008 for the frame's 2009
    assert (a.areas["rising"].astype(str) == b.areas["rising"].astype(str)).all()


@pytest.mark.parametrize("given", [{"filters": {"group": "isis-k"}}, {"read": {}},
                                   {"geo": "x"}, {"filters": {}, "since": "2020"}])  # fmt: skip
def test_a_typed_part_given_as_something_else_is_refused_naming_it(given, use_cache):
    name = next(iter(given))
    with pytest.raises(im.UsageError, match=f"`{name}` must be an incidentmap"):
        im.read(SAMPLE, **given)  # was AttributeError / TypeError from deep inside


def test_a_refusals_warning_is_said_once(capsys, use_cache):
    code, _, err = run(capsys, "trends", UCDP, "--target", "officials")
    assert code == 2 and err.count("no row of the input is aimed at officials") == 1, err


def test_a_merge_source_given_as_a_pair_is_never_the_output(tmp_path, use_cache):
    import shutil

    a = tmp_path / "gtd.csv"
    shutil.copy(GTD, a)
    before = a.read_bytes()
    with pytest.raises(im.UsageError, match="is the input"):
        im.merge(("gtd", a), ("ucdp", UCDP), output=im.Output(a, overwrite=True))
    assert a.read_bytes() == before  # was replaced by the merged list


def test_frame_edge_cases_read_as_a_file_would(use_cache):
    raw = pd.read_csv(GTD, dtype=str).head(200).drop(columns=["CITY2"])
    indexed = raw.set_index("GTD.ID")  # the id as the index: kept as a column
    assert im.read(indexed).frame["event_id"].notna().all()  # was None on every row
    twice = raw.copy()
    twice.columns = ["DATE" if c == "Date_" else c for c in twice.columns]  # a name twice
    assert len(im.read(twice).frame) == 200  # was AttributeError
    placed = im.read(UCDP).frame
    projected = placed.to_crs(3857)  # a frame im.read gave, projected in a notebook
    assert im.query(projected, near="Kandahar", km=50).matched == 10  # was 0


@pytest.mark.parametrize("header", ["Incident Num", "incident_num", "Event Number"])
def test_a_numbered_rows_column_is_no_count(header, tmp_path, use_cache):
    t = pd.DataFrame({"date": ["2023-03-01", "2023-03-02", "2023-03-05"],
                      "province": ["Kabul", "Herat", "Kandahar"],
                      header: [1001, 1004, 1009]})  # fmt: skip
    src = tmp_path / "n.csv"
    t.to_csv(src, index=False)
    assert im.aggregate(src, level="province", period=None).counts["incidents"].sum() == 3
