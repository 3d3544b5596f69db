"""A MultiPoint of one point (what many GIS exports write) is that point; one of several is
refused with the row (the GeoJSON of UCDP GED saved so was refused at row 1)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
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
    assert got.geometry.geom_equals(ref.geometry).all()
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
