from __future__ import annotations

import io
import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Geod

import incidentmap as im
from incidentmap.filters import filter_incidents
from incidentmap.geocode import geocode as geocode_frame
from incidentmap.geocode import locate_points
from incidentmap.pipeline import load_incidents
from incidentmap.query import NearIndex, incidents_in, incidents_near, resolve_location
from tests.conftest import DATA, ROOT
from tests.test_cli import run


@pytest.fixture(scope="module")
def many(cache):
    """2,000 synthetic incidents around eastern Afghanistan, geocoded."""
    rng = np.random.default_rng(3)
    n = 2000
    frame = pd.DataFrame(
        {
            "event_id": [f"E{i}" for i in range(n)],
            "date": pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 365, n), unit="D"),
            "latitude": rng.uniform(33.8, 35.0, n),
            "longitude": rng.uniform(69.0, 71.2, n),
            "event_type": rng.choice(["Battles", "Explosions/Remote violence"], n),
            "actor1": rng.choice(["Islamic State Khorasan Province", "Taliban", "Unknown"], n),
            "fatalities": rng.integers(0, 5, n),
        }
    )
    frame["date"] = frame["date"].dt.strftime("%Y-%m-%d")
    path = cache / "many.csv"
    frame.to_csv(path, index=False)
    return geocode_frame(im.read_incidents(path))


def test_near_point_matches_brute_force_geodesic(many):
    lat0, lon0 = 34.43, 70.45
    got = incidents_near(many, (lat0, lon0), 25)
    geod = Geod(ellps="WGS84")
    _, _, d = geod.inv(
        np.full(len(many), lon0),
        np.full(len(many), lat0),
        many.geometry.x.to_numpy(),
        many.geometry.y.to_numpy(),
    )
    expected = set(many.index[d / 1000 <= 25])
    assert set(got.index) == expected and len(expected) > 20
    assert got["distance_km"].is_monotonic_increasing
    assert np.allclose(got["distance_km"], np.round(d[got.index] / 1000, 3))


def test_near_place_district_province(many, districts):
    assert resolve_location("Jalalabad", districts).label == "Jalalabad (place)"
    loc = resolve_location("Surkh Rud", districts)
    assert loc.label.startswith("Surkh Rod district") and loc.area is not None
    inside = many[many["district"] == "Surkh Rod"]
    got = incidents_near(many, "Surkh Rod", 0)
    assert set(got.index) == set(inside.index)
    assert (got["distance_km"] == 0).all()
    wider = incidents_near(many, "Surkh Rod", 5)
    assert len(wider) > len(got) and wider["distance_km"].max() <= 5
    prov = incidents_near(many, "Ningarhar", 0)
    in_polygon = (many["province_code"] == "AF-NAN") & (many["geocode_method"] == "point")
    assert set(prov.index) == set(many.index[in_polygon])  # snapped points lie outside


def test_near_unknown_and_ambiguous(districts):
    with pytest.raises(im.UnknownNameError, match="did you mean"):
        resolve_location("Nowherestan", districts)
    with pytest.raises(im.UsageError, match="ambiguous"):
        resolve_location("Kohistan", districts)
    loc = resolve_location("Kohistan", districts, province="Faryab")
    where = locate_points(districts, [loc.point[0]], [loc.point[1]])[0]
    assert districts.iloc[where]["province_code"] == "AF-FYB"


def test_index_reused(many):
    idx = NearIndex(many)
    a = incidents_near(many, (34.43, 70.45), 10, index=idx)
    b = incidents_near(many, (34.43, 70.45), 10)
    assert list(a.index) == list(b.index)


def test_in_province_district_bbox_within(many, tmp_path):
    nan = incidents_in(many, province="Ningarhar")
    assert (
        set(nan["province_code"]) == {"AF-NAN"}
        and len(nan) == (many.province_code == "AF-NAN").sum()
    )
    sr = incidents_in(many, district="Surkh Rud", province="Nangarhar")
    assert set(sr["district"]) == {"Surkh Rod"}
    box = incidents_in(many, bbox=(69.0, 34.3, 69.4, 34.7))
    x, y = box.geometry.x, box.geometry.y
    assert ((x >= 69.0) & (x <= 69.4) & (y >= 34.3) & (y <= 34.7)).all()
    assert (
        len(box)
        == ((many.geometry.x.between(69.0, 69.4)) & (many.geometry.y.between(34.3, 34.7))).sum()
    )
    poly = gpd.GeoDataFrame(geometry=[shapely.box(70.0, 34.0, 70.5, 34.5)], crs="EPSG:4326")
    poly.to_file(tmp_path / "area.geojson")
    w = incidents_in(many, within=tmp_path / "area.geojson")
    assert (
        len(w)
        == ((many.geometry.x.between(70.0, 70.5)) & (many.geometry.y.between(34.0, 34.5))).sum()
    )


def test_filters(many):
    f = filter_incidents(many, since="2023-03-01", until="2023-03-31")
    assert f["date"].between("2023-03-01", "2023-03-31").all() and len(f) > 0
    assert len(filter_incidents(many, event_type="battles")) == (many.event_type == "Battles").sum()
    isk = filter_incidents(many, actor="islamic state")
    assert (isk["actor"] == "Islamic State Khorasan Province").all()
    rx = filter_incidents(many, actor="^(taliban|unknown)$", actor_regex=True)
    assert set(rx["actor"]) == {"Taliban", "Unknown"}
    assert (filter_incidents(many, min_fatalities=3)["fatalities"] >= 3).all()
    with pytest.raises(im.UsageError, match="`since`: expected a date"):
        filter_incidents(many, since="March")


def test_cli_query_formats(capsys, use_cache, many, tmp_path):
    path = tmp_path / "g.gpkg"
    im.write_layer(many, path)
    code, out, err = run(
        capsys,
        "query",
        path,
        "--near",
        "Jalalabad",
        "--km",
        "25",
        "--since",
        "2023-03-01",
        "--until",
        "2023-03-31",
        "-f",
        "csv",
    )
    assert code == 0
    table = pd.read_csv(pd.io.common.StringIO(out))
    assert table.columns[0] == "distance_km" and table["distance_km"].is_monotonic_increasing
    assert (table["distance_km"] <= 25).all() and len(table) > 0
    assert "incidents match" in err and "near: Jalalabad (place)" in err
    code, out, _ = run(
        capsys, "query", path, "--near", "34.43,70.45", "--km", "10", "--format", "geojson"
    )
    assert code == 0, err
    fc = json.loads(out)
    assert fc["type"] == "FeatureCollection" and "crs" not in fc
    assert all(f["geometry"]["type"] == "Point" for f in fc["features"])
    code, out, _ = run(
        capsys,
        "query",
        path,
        "--province",
        "Nangarhar",
        "--actor",
        "Islamic State",
        "--min-fatalities",
        "1",
        "-f",
        "ndjson",
    )
    lines = [json.loads(line) for line in out.splitlines()]
    assert lines and all(f["properties"]["province"] == "Nangarhar" for f in lines)
    assert all(f["properties"]["fatalities"] >= 1 for f in lines)
    code, out, _ = run(
        capsys,
        "query",
        path,
        "--district",
        "Surkh Rod",
        "-f",
        "geojsonseq",
        "--limit",
        "3",
        "--sort",
        "-fatalities",
    )
    records = out.split("\n")[:-1]  # not splitlines(): it also splits on the RS character
    recs = [json.loads(line.lstrip("\x1e")) for line in records]
    assert len(recs) == 3 and all(line.startswith("\x1e") for line in records)
    fat = [r["properties"]["fatalities"] for r in recs]
    assert fat == sorted(fat, reverse=True)


def test_cli_query_table_escapes_markup(capsys, use_cache, tmp_path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "250")
    src = tmp_path / "x.csv"
    src.write_text("date,latitude,longitude,notes\n2023-01-01,34.43,70.45,[bold]not bold[/bold]\n")
    code, out, _ = run(capsys, "query", src, "-f", "table")
    assert code == 0 and "[bold]not" in out


def test_cli_query_no_match_and_unknown(capsys, use_cache):
    code, out, err = run(capsys, "query", DATA / "acled.csv", "--province", "Helmand", "-f", "csv")
    assert code == 0 and "no incidents match" in err
    assert out.startswith("row,event_id")  # a header, no rows
    code, out, err = run(capsys, "query", DATA / "acled.csv", "--near", "Nowherestan")
    assert code == 2 and out == ""  # a value of an option refused: a usage error
    assert err.startswith("Error: unknown place name 'Nowherestan'; did you mean")
    code, _, err = run(capsys, "query", DATA / "acled.csv", "--bbox", "1,2,3")
    assert code == 2 and "--bbox: expected" in err


def test_near_lists_events_placed_to_an_area_inside_the_radius(capsys, use_cache):
    # issue 16: `query --near Jalalabad --km 25` said "no incidents match" on the sample while
    # 6 incidents were placed to Jalalabad district, which lies wholly inside the circle
    from tests.test_cli import run

    code, out, err = run(
        capsys, "query", ROOT / "geo" / "sample_incidents.csv", "--near", "Jalalabad",
        "--km", "25", "-f", "csv",
    )  # fmt: skip
    assert code == 0, err
    rows = pd.read_csv(io.StringIO(out))
    assert len(rows) == 6 and set(rows["match"]) == {"area inside"}
    assert set(rows["district"]) == {"Jalalabad"} and (rows["distance_km_min"] == 0).all()
    # placed only to a district: somewhere in it, never "0 km" (the brief)
    assert rows["distance_km"].isna().all() and (rows["distance_km_max"] > 0).all()
    assert "listed: 6 events placed only to a district or province that lies wholly" in err
    # an area that only overlaps the circle may lie outside it: counted, listed when asked
    g, _ = load_incidents(ROOT / "geo" / "sample_incidents.csv")
    from incidentmap.query import match_near

    found = match_near(g, "Jalalabad", 25)
    near, overlap = found.frame, found.area_overlaps
    both = im.incidents_near(g, "Jalalabad", 25, include_area_events=True)
    assert len(both) == len(near) + overlap
    assert (both["match"] == "area overlaps").sum() == overlap
    small = im.incidents_near(g, "Jalalabad", 1)  # a 1 km circle holds no district
    assert (small["match"] != "area inside").all()


def test_table_shows_tolls_as_written(capsys, use_cache):
    # issue 16: fatalities read "1.0" in the table
    from incidentmap.cli._query import terminal_text

    assert terminal_text(1.0) == "1" and terminal_text(69172.0) == "69,172"
    assert terminal_text(2.83) == "2.83" and terminal_text(float("nan")) == ""


@pytest.mark.parametrize("value", ["1402-01-01", "1399", "0023-03-01", "2300-01"])
def test_dates_outside_the_readable_years_are_refused(capsys, use_cache, value):
    # issue 18: `query --since 1402-01-01` (a Solar Hijri year) matched every row
    from tests.test_cli import run

    code, out, err = run(capsys, "query", ROOT / "geo" / "sample_incidents.csv", "--since", value)
    assert code == 2 and out == "" and "expected a date from 1900 to 2100" in err
