"""``export --area-events layer``: each area-placed incident once, each area's polygon once.

ACLED's province-level workbook (69,172 rows on 34 provinces) was written with a copy of its
province's polygon on every row: a 2.6 GB GeoPackage QGIS could not draw. The incidents are
now a table (no geometry, ``area_id``) and their areas one polygon each with the count
(``area_events_areas``); every incident is in the table and counted in its area, through the
library, the command line and a PostGIS database; other formats are refused in one line.
"""

from __future__ import annotations

import sqlite3
import xml.etree.ElementTree as ET

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import incidentmap as im
from incidentmap.export import export_layers
from incidentmap.geocode import geocode as geocode_frame
from tests import test_postgis
from tests.conftest import ROOT
from tests.test_cli import run
from tests.test_postgis import rows, sql

SAMPLE = ROOT / "geo" / "sample_incidents.csv"
SETTINGS = settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
AREA = ("district", "province")
#: the session's PostgreSQL server with PostGIS (a fixture of tests/test_postgis.py)
server = test_postgis.server


@pytest.fixture(scope="module")
def geocoded(cache):
    return geocode_frame(im.read_incidents(SAMPLE))


def _mixed(g: gpd.GeoDataFrame, levels: list[str]) -> gpd.GeoDataFrame:
    """Return rows of ``g`` placed as ``levels`` says: at their point, district or province."""
    out = g[g["geocode_precision"] == "point"].sample(
        len(levels), replace=True, random_state=len(levels)
    )
    out = out.reset_index(drop=True).copy()
    out["row"] = range(2, len(out) + 2)
    for i, level in enumerate(levels):
        if level != "point":
            out.loc[i, "geocode_precision"] = level
        if level == "province":
            out.loc[i, ["district", "district_id"]] = None
    return out


def _check_counts(g: gpd.GeoDataFrame, path) -> tuple[pd.DataFrame, gpd.GeoDataFrame]:
    """Check the GeoPackage holds every area-placed row once, each area once, counts equal."""
    kinds = dict((str(n), t) for n, t in pyogrio.list_layers(path))
    assert kinds["area_events"] is None  # a table: no polygon copied per incident
    assert kinds["area_events_areas"] in ("Polygon", "MultiPolygon")
    table = pd.DataFrame(pyogrio.read_dataframe(path, layer="area_events"))
    areas = pyogrio.read_dataframe(path, layer="area_events_areas")
    area = g["geocode_precision"].isin(AREA)
    assert sorted(table["row"]) == sorted(g.loc[area, "row"])
    assert areas["area_id"].is_unique and areas.geometry.notna().all()
    assert int(areas["incidents"].sum()) == len(table)
    per_area = table.groupby(["geocode_precision", "area_id"]).size()
    assert per_area.to_dict() == {
        (lv, a): n
        for lv, a, n in zip(areas["area_level"], areas["area_id"], areas["incidents"], strict=True)
    }
    expected = g.loc[area].apply(
        lambda r: r["district_id"] if r["geocode_precision"] == "district" else r["province_code"],
        axis=1,
    )
    assert sorted(table["area_id"]) == sorted(expected.astype(str))
    # the district polygons draw over the provinces' (features in that order)
    levels = list(areas["area_level"])
    assert levels == sorted(levels, key=["province", "district"].index)
    return table, areas


@SETTINGS
@given(levels=st.lists(st.sampled_from(["point", "district", "province"]), min_size=1,
                       max_size=40))  # fmt: skip
def test_every_area_placed_incident_is_a_table_row_counted_in_its_area(
    geocoded, tmp_path_factory, levels
):
    g = _mixed(geocoded, levels)
    path = tmp_path_factory.mktemp("ae") / "x.gpkg"
    report = export_layers(g, path, layers=["points"], area_events="layer")
    n_area = sum(lv != "point" for lv in levels)
    assert report["layers"]["points"] == len(levels) - n_area
    assert report["layers"]["area_events"] == report["area_only"] == n_area
    assert "area_events" not in report["tables"]  # the incidents, not a period table
    if n_area:
        _check_counts(g, path)
    back = im.read(path).frame
    assert len(back) == len(levels)  # read back: the points and the table's rows


def test_the_file_grows_by_a_row_per_incident_not_a_polygon(geocoded, tmp_path):
    """Before: 38 KB more per province-level incident (its polygon); now under 1 KB."""
    sizes = {}
    for n in (200, 600):
        g = _mixed(geocoded, ["province"] * n)
        path = tmp_path / f"p{n}.gpkg"
        export_layers(g, path, layers=["points"], area_events="layer")
        sizes[n] = path.stat().st_size
        assert len(pyogrio.read_dataframe(path, layer="area_events_areas")) == len(
            set(g["province_code"])
        )
    per_row = (sizes[600] - sizes[200]) / 400
    assert per_row < 1_000, per_row


def _styles(path) -> dict[str, tuple[str, str, str]]:
    with sqlite3.connect(path) as db:
        got = db.execute(
            "SELECT f_table_name, f_geometry_column, styleQML, styleSLD FROM layer_styles"
        ).fetchall()
    return {name: (geom, q, s) for name, geom, q, s in got}


def test_on_the_command_line_the_counts_said_are_the_counts_written(
    capsys, use_cache, tmp_path, geocoded
):
    layer, omit = tmp_path / "layer.gpkg", tmp_path / "omit.gpkg"
    code, _, err = run(capsys, "export", SAMPLE, "--area-events", "layer", "-o", layer)
    assert code == 0, err
    table, areas = _check_counts(geocoded, layer)
    assert f"layer area_events: {len(table)} features" in err
    assert f"layer area_events_areas: {len(areas)} features" in err
    assert f"in the area_events layer): {len(table)}" in err
    assert f"layer points: {len(geocoded) - len(table)} features" in err
    # every incident read back, and counted once by province
    out = tmp_path / "a.csv"
    code, _, err = run(capsys, "aggregate", layer, "--level", "province", "--period", "none",
                       "-o", out)  # fmt: skip
    assert code == 0, err
    assert pd.read_csv(out)["incidents"].sum() == len(geocoded)
    # the table alone is a file of incidents too, placed by their areas
    code, _, err = run(capsys, "aggregate", layer, "--input-layer", "area_events", "--level",
                       "province", "--period", "none", "-o", out, "--overwrite")  # fmt: skip
    assert code == 0, err
    assert pd.read_csv(out)["incidents"].sum() == len(table)
    # styles: the areas graduated on their count; the page's layers styled as without them
    code, _, err = run(capsys, "export", SAMPLE, "-o", omit)
    assert code == 0, err
    styled, plain = _styles(layer), _styles(omit)
    assert "area_events" not in styled  # a table has nothing to draw
    for name in ("points", "districts", "provinces"):
        assert styled[name] == plain[name], name
    geom, q, s = styled["area_events_areas"]
    assert geom == "geom"
    renderer = ET.fromstring(q).find("renderer-v2")
    assert renderer is not None and renderer.get("type") == "graduatedSymbol"
    assert renderer.get("attr") == "incidents"
    assert ET.fromstring(s.split("\n", 1)[1]) is not None
    assert "<ogc:PropertyName>incidents</ogc:PropertyName>" in s.replace("se:", "ogc:")


@pytest.mark.parametrize("suffix", [".geojson", ".fgb", ".shp", ".kml", ".csv", ".parquet"])
def test_a_one_layer_format_is_refused_in_one_line(capsys, use_cache, tmp_path, suffix, geocoded):
    path = tmp_path / f"x{suffix}"
    code, _, err = run(capsys, "export", SAMPLE, "--area-events", "layer", "-o", path)
    assert code == 2 and "Traceback" not in err
    (line,) = [x for x in err.strip().splitlines() if x.startswith("Error:")]
    assert "area_events='layer' adds a layer" in line and "write a .gpkg" in line
    assert not list(tmp_path.iterdir())
    with pytest.raises(im.UsageError, match="adds a layer"):
        export_layers(geocoded, path, area_events="layer")
    assert not list(tmp_path.iterdir())


def test_a_file_of_earlier_versions_is_read_back_whole(use_cache, tmp_path, geocoded):
    """area_events with a polygon per row (before): its rows are still read beside the points."""
    path = tmp_path / "old.gpkg"
    area = geocoded["geocode_precision"].isin(AREA)
    pyogrio.write_dataframe(geocoded[~area], path, layer="points")
    old = geocoded[area].copy()
    old = gpd.GeoDataFrame(old, geometry=[shapely.box(70, 34, 71, 35)] * len(old), crs=4326)
    pyogrio.write_dataframe(old, path, layer="area_events")
    assert len(im.read(path).frame) == len(geocoded)


def test_a_database_gets_the_table_and_the_areas(capsys, use_cache, server):
    url = f"{server}?table=ae"
    code, _, err = run(capsys, "export", SAMPLE, "--layer", "points", "--area-events", "layer",
                       "-o", url)  # fmt: skip
    assert code == 0, err
    got = {t: rows(server, f"ae_{t}") for t in ("points", "area_events", "area_events_areas")}
    assert got == {"points": 42, "area_events": 10, "area_events_areas": 5}
    (total,) = sql(server, "SELECT sum(incidents) FROM ae_area_events_areas")
    assert total[0] == 10
    geometry = sql(server, "SELECT f_table_name FROM geometry_columns WHERE f_table_name "
                           "LIKE 'ae_area%'")  # fmt: skip
    assert [g[0] for g in geometry] == ["ae_area_events_areas"]
