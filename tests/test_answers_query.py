"""Query answers checked against an independent shapely/geopandas computation.

With ``--bbox`` or ``--within``, events placed only to a district or province were listed
with no ``match`` column (nothing told an area that only overlaps the box from one inside
it) while stderr pointed at ``match`` and ``distance_km``; with ``--near`` as well, the
events the box left out were never counted ("left out: 4" where 20 were).
"""

from __future__ import annotations

import io

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import incidentmap as im
from incidentmap.jobs.load import Source
from incidentmap.jobs.query import QueryRequest
from incidentmap.jobs.query import run as run_query
from tests.test_cli import run

BOX = (70.0, 34.2, 70.8, 34.6)


@pytest.fixture
def mixed(tmp_path, use_cache):
    """Points in and around Jalalabad, and rows placed only to districts and a province."""
    rows = ["event_id,date,latitude,longitude,province,district,fatalities"]
    for i in range(12):  # points on a line west to east across the box's edge
        rows.append(f"P{i},2023-03-{1 + i:02d},34.43,{69.9 + i * 0.1:.2f},,,1")
    for i, (prov, dist) in enumerate(
        [("Nangarhar", "Jalalabad")] * 3 + [("Nangarhar", "Surkh Rod")] * 2
        + [("Nangarhar", "Achin")] * 2 + [("Nangarhar", "")] * 4 + [("Kabul", "Paghman")]
    ):  # fmt: skip
        rows.append(f"A{i},2023-03-{1 + i:02d},,,{prov},{dist},")
    path = tmp_path / "mixed.csv"
    path.write_text("\n".join(rows) + "\n")
    return path


def _expected(path, shape):
    """Points in the shape; area rows whose polygon the shape covers, or only meets."""
    placed = im.read(path).frame
    districts = im.load_boundaries("district").set_index("district_id").geometry
    provinces = im.load_boundaries("province").set_index("province_code").geometry
    prec = placed["geocode_precision"]
    pts = placed[prec == "point"]
    n_points = int(shapely.intersects(shape, pts.geometry.values).sum())
    inside = overlaps = 0
    for _, r in placed[prec.isin(["district", "province"])].iterrows():
        area = districts[r["district_id"]] if r["geocode_precision"] == "district" else (
            provinces[r["province_code"]])  # fmt: skip
        if shape.covers(area):
            inside += 1
        elif shape.intersects(area):
            overlaps += 1
    return n_points, inside, overlaps


def test_a_box_query_tells_area_events_apart_on_the_command_line(capsys, mixed):
    n_points, inside, overlaps = _expected(mixed, shapely.box(*BOX))
    assert inside and overlaps  # the fixture has both kinds
    box = ",".join(map(str, BOX))
    code, out, err = run(
        capsys, "query", mixed, "--bbox", box, "--include-area-events", "-f", "csv"
    )
    assert code == 0, err
    got = pd.read_csv(io.StringIO(out), keep_default_na=False)
    assert got["match"].value_counts().to_dict() == {
        k: v for k, v in
        {"point": n_points, "area inside": inside, "area overlaps": overlaps}.items() if v
    }  # fmt: skip
    assert "(match = area overlaps)" in err and "distance_km" not in err
    assert "distance_km" not in got.columns


def test_a_polygon_query_gives_match_in_python(mixed, tmp_path):
    centre = gpd.GeoSeries([shapely.Point(70.4515, 34.4265)], crs=4326)
    aeqd = "+proj=aeqd +lat_0=34.4265 +lon_0=70.4515 +datum=WGS84 +units=m"
    circle = centre.to_crs(aeqd).buffer(30_000).to_crs(4326)
    poly = tmp_path / "circle.geojson"
    gpd.GeoDataFrame(geometry=circle).to_file(poly)
    n_points, inside, overlaps = _expected(mixed, circle.iloc[0])
    placed = im.read(mixed).frame
    got = im.incidents_in(placed, within=poly, include_area_events=True)
    counts = got["match"].value_counts().to_dict()
    assert counts.get("point", 0) == n_points
    assert counts.get("area inside", 0) == inside
    assert counts.get("area overlaps", 0) == overlaps
    got = im.incidents_in(placed, within=poly)
    assert "area overlaps" not in set(got["match"])


def test_a_box_and_a_distance_count_every_area_event_left_out(capsys, mixed):
    _, inside, overlaps = _expected(mixed, shapely.box(*BOX))
    box = ",".join(map(str, BOX))
    args = ["query", mixed, "--bbox", box, "--near", "Jalalabad", "--km", "3", "-f", "csv"]
    code, out, err = run(capsys, *args)
    assert code == 0, err
    got = pd.read_csv(io.StringIO(out), keep_default_na=False)
    assert set(got["match"]) <= {"point"}  # no area lies wholly within 3 km
    area_rows = inside + overlaps  # every area event the box met: none listed, all counted
    assert (
        f"left out: {area_rows} events placed only to a district or province that overlaps "
        "the query area"
    ) in err
    req = QueryRequest(Source(mixed), bbox=BOX, near="Jalalabad", km=3)
    res = run_query(req)
    assert res.report.counts.get("matched") == len(got)
    assert any(f"left out: {area_rows} events" in line for line in res.report.lines())


def test_an_area_that_only_overlaps_the_box_stays_overlapping_near_a_point(capsys, mixed):
    tiny = "70.44,34.40,70.46,34.44"  # inside Jalalabad district, which lies within 30 km
    args = ["query", mixed, "--bbox", tiny, "--near", "Jalalabad", "--km", "30"]
    code, out, err = run(capsys, *args, "--include-area-events", "-f", "csv")
    assert code == 0, err
    got = pd.read_csv(io.StringIO(out), keep_default_na=False)
    areas = got[got["geocode_precision"] != "point"]
    assert len(areas) and set(areas["match"]) == {"area overlaps"}
    assert "wholly inside" not in err


@pytest.fixture(scope="module")
def scattered(cache, tmp_path_factory):
    """400 points around Jalalabad and 20 rows placed only to districts of Nangarhar."""
    import numpy as np

    rng = np.random.default_rng(11)
    lat = 34.4265 + rng.uniform(-0.6, 0.6, 400)
    lon = 70.4515 + rng.uniform(-0.7, 0.7, 400)
    rows = ["event_id,date,latitude,longitude,province,district"]
    pairs = enumerate(zip(lat, lon, strict=True))
    rows += [f"P{i},2023-03-01,{a:.6f},{o:.6f},," for i, (a, o) in pairs]
    names = ["Jalalabad", "Surkh Rod", "Bihsud", "Kama", "Chaparhar"]
    rows += [f"A{i},2023-03-01,,,Nangarhar,{names[i % 5]}" for i in range(20)]
    path = tmp_path_factory.mktemp("scattered") / "scattered.csv"
    path.write_text("\n".join(rows) + "\n")
    return im.read(path).frame


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    dlat=st.floats(-0.5, 0.5),
    dlon=st.floats(-0.5, 0.5),
    km=st.floats(0, 60),
)
def test_near_counts_are_the_geodesic_counts(use_cache, scattered, dlat, dlon, km):
    import numpy as np
    from pyproj import Geod

    lat, lon = 34.4265 + dlat, 70.4515 + dlon
    got = im.incidents_near(scattered, (lat, lon), km, include_area_events=True)
    pts = scattered[scattered["geocode_precision"] == "point"]
    _, _, d = Geod(ellps="WGS84").inv(
        np.full(len(pts), lon), np.full(len(pts), lat), pts.geometry.x, pts.geometry.y
    )
    near = d / 1000 <= km
    # a point a few metres either side of the radius may round either way: skip those
    assume(not np.any(np.abs(d / 1000 - km) < 1e-6))
    at_points = got[got["match"] == "point"]
    assert len(at_points) == int(near.sum())
    assert np.allclose(np.sort(at_points["distance_km"]), np.sort(np.round(d[near] / 1000, 3)))
    areas = got[got["match"] != "point"]
    # an area-placed event has no one distance (never "0 km"); its area's nearest point is
    # 0 km away only when the query point is inside the area
    assert areas["distance_km"].isna().all()
    assert (areas["distance_km_max"] >= areas["distance_km_min"]).all()
    districts = im.load_boundaries("district").set_index("district_id").geometry
    here = shapely.Point(lon, lat)
    for _, r in areas.iterrows():
        area = districts[r["district_id"]]
        if area.covers(here):
            assert r["distance_km_min"] == 0
        else:  # outside: never 0 km, unless within a metre of the edge (rounded to 0.001)
            assert r["distance_km_min"] > 0 or area.distance(here) < 1e-5
