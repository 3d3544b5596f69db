"""What an adversarial sweep of the real files' variants found in reading: a MultiPoint of one
point is that point (one of several is refused with its row); a date column under a name
no layout lists is named, never guessed."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import MultiPoint

import incidentmap as im
from tests.conftest import INCIDENTS
from tests.test_cli import run

UCDP = INCIDENTS / "ucdp_ged_afg_realcaddish.geojson"


def test_one_point_multipoints_are_their_points(tmp_path, capsys, use_cache):
    g = gpd.read_file(UCDP)
    m = g.copy()
    m["geometry"] = [MultiPoint([p]) for p in g.geometry]
    src = tmp_path / "multi.geojson"
    m.to_file(src, driver="GeoJSON")
    got, ref = im.read(src).frame, im.read(UCDP).frame
    same = got.geometry.geom_equals(ref.geometry) | (got.geometry.isna() & ref.geometry.isna())
    assert same.all()
    assert (got["district_id"].fillna("") == ref["district_id"].fillna("")).all()
    code, _, err = run(capsys, "geocode", src, "-o", tmp_path / "g.csv")
    assert code == 0, err
    assert len(pd.read_csv(tmp_path / "g.csv")) == len(g)


def test_a_multipoint_of_several_is_refused_with_its_row(tmp_path, capsys, use_cache):
    g = gpd.read_file(UCDP).head(5)
    g["geometry"] = [MultiPoint([p]) for p in g.geometry]
    g.loc[3, "geometry"] = MultiPoint([(69.1, 34.5), (70.4, 34.4)])
    src = tmp_path / "two.geojson"
    g.to_file(src, driver="GeoJSON")
    code, _, err = run(capsys, "geocode", src, "-o", tmp_path / "g.csv")
    assert code != 0 and "row 4" in err and "expected point geometry, got MultiPoint" in err
    assert "Traceback" not in err and not (tmp_path / "g.csv").exists()


def test_a_date_column_under_another_name_is_named_not_guessed(tmp_path, capsys, use_cache):
    """`Date of incident` (the war diary's `DateOccurred`...) is no listed date name: every
    row was undated without a word. Its dates are named, with how to read them."""
    src = tmp_path / "dn.csv"
    src.write_text("province,Date of incident,killed\nKabul,2019-03-01,1\nHerat,2019-04-02,2\n")
    code, _, err = run(capsys, "geocode", src, "-o", tmp_path / "g.csv")
    assert code == 0, err
    assert (
        "no column is read as the date (every row is undated), but 'Date of incident' "
        "holds dates: --date 'Date of incident' reads it" in err
    )
    read = im.read(src)
    assert read.frame["date"].isna().all()
    assert any("'Date of incident' holds dates" in n.text for n in read.report.notes)
    code, _, err = run(capsys, "geocode", src, "-o", tmp_path / "h.csv", "--date",
                       "Date of incident")  # fmt: skip
    assert code == 0 and "holds dates" not in err
    assert pd.read_csv(tmp_path / "h.csv")["date"].tolist() == ["2019-03-01", "2019-04-02"]


def test_a_column_of_both_day_orders_says_so(tmp_path, capsys, use_cache):
    """Two exports joined, one day-first and one month-first: the refusal asked for
    `--dayfirst`, which then refused the other half; it names both halves now."""
    src = tmp_path / "mix.csv"
    src.write_text("date,province\n13/01/2017,Kabul\n01/01/2017,Herat\n09/13/2017,Balkh\n")
    code, _, err = run(capsys, "geocode", src, "-o", tmp_path / "o.csv")
    assert code != 0 and not (tmp_path / "o.csv").exists()
    assert (
        "the column holds both: day first ('13/01/2017', row 1) and month first "
        "('09/13/2017', row 3)" in err
    )
    with pytest.raises(im.IncidentMapError, match="holds both"):
        im.read(src)
