"""Damaged caches, unexpected failures, implausible coordinates, area-placed events."""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

import incidentmap as im
from incidentmap import boundaries as bnd
from incidentmap.geocode import geocode as geocode_frame
from incidentmap.io.incidents import read_incidents_facts
from incidentmap.query import incidents_in, incidents_near
from tests.conftest import GB
from tests.test_cli import run


@pytest.fixture
def own_cache(cache, tmp_path, monkeypatch):
    """A copy of the installed cache this test may damage."""
    target = tmp_path / "cache"
    shutil.copytree(cache, target, ignore=shutil.ignore_patterns("*.json.tmp"))
    monkeypatch.setenv("INCIDENTMAP_CACHE_DIR", str(target))
    bnd.forget_loaded()
    yield target
    bnd.forget_loaded()


def _truncate(path, size):
    with path.open("r+b") as fh:
        fh.truncate(size)


@pytest.mark.parametrize(
    "damage",
    ["truncated", "zero", "random", "dropped_layer", "bad_provenance", "provenance_not_json"],
)
def test_damaged_cache_is_one_line_naming_file_and_reinstall(capsys, own_cache, damage):
    gpkg = own_cache / "boundaries.gpkg"
    prov = own_cache / "provenance.json"
    if damage == "truncated":
        _truncate(gpkg, gpkg.stat().st_size // 3)
    elif damage == "zero":
        _truncate(gpkg, 0)
    elif damage == "random":
        gpkg.write_bytes(os.urandom(gpkg.stat().st_size))
    elif damage == "dropped_layer":
        con = sqlite3.connect(gpkg)
        con.execute("DROP TABLE provinces")
        con.execute("DELETE FROM gpkg_contents WHERE table_name = 'provinces'")
        con.execute("DELETE FROM gpkg_geometry_columns WHERE table_name = 'provinces'")
        con.commit()
        con.close()
        # make the checksum match the new file so that only the layer check can see it
        data = json.loads(prov.read_text())
        data["cache"] = {"file": gpkg.name, "size": gpkg.stat().st_size}
        prov.write_text(json.dumps(data))
    elif damage == "bad_provenance":
        prov.write_text(json.dumps({"hello": 1}))
    else:
        prov.write_text("{not json")
    for cmd in (["where", "34.43", "70.45"], ["boundaries", "info"]):
        code, _out, err = run(capsys, *cmd)
        assert code == 1, (cmd, err)
        assert err.count("\n") == 1 and "Traceback" not in err
        assert re.match(r"Error: boundary cache .* is damaged \(.+\); reinstall: incidentmap", err)
        assert ("boundaries.gpkg" in err) or ("provenance.json" in err)
    with pytest.raises(im.BoundaryCacheError):
        im.load_boundaries()


def test_reinstall_repairs_a_damaged_cache(capsys, own_cache):
    _truncate(own_cache / "boundaries.gpkg", 1000)
    code, _, err = run(capsys, "boundaries", "install", "--from", GB)
    assert code == 0, err
    code, out, _ = run(capsys, "where", "34.43", "70.45")
    assert code == 0 and "Jalalabad" in out


def test_boundaries_info_checks_the_cache(capsys, own_cache):
    code, out, _ = run(capsys, "boundaries", "info")
    assert code == 0 and "districts:" in out and "cache:" in out


def test_unexpected_failure_is_one_line_naming_the_step(capsys, use_cache, tmp_path, monkeypatch):
    src = tmp_path / "x.csv"
    src.write_text("date,province\n2023-01-01,Kabul\n")
    import incidentmap.io.targets

    def broken(*args, **kwargs):
        raise RuntimeError("writer exploded")

    monkeypatch.setattr(incidentmap.io.targets, "write_layers", broken)
    out = tmp_path / "o.gpkg"
    code, stdout, err = run(capsys, "geocode", src, "-o", out)
    assert code == 1 and stdout == ""
    assert err == (
        f"Error: writing {out} failed: RuntimeError: writer exploded "
        "(run with --debug for the traceback)\n"
    )
    assert not out.exists()


def test_chart_xy_columns_are_not_taken_for_coordinates(capsys, use_cache, tmp_path):
    rows = ["event_id,province,district,X,Y"]
    rows += [f"S{i},Nangarhar,Achin,{100 + 3 * i},{400 - 2 * i}" for i in range(40)]
    src = tmp_path / "strikes.csv"
    src.write_text("\n".join(rows) + "\n")
    g, facts = read_incidents_facts(src)
    assert g["latitude"].isna().all()
    assert any("ignored columns" in n and "'Y'/'X'" in n for n in facts.notes)
    code, _, err = run(capsys, "geocode", src, "-o", tmp_path / "s.csv")
    assert code == 0, err
    assert "note: " in err and "placed by name: 40 (district 40" in err
    # named outright, the columns are used (and their values refused)
    with pytest.raises(im.InputFileError, match="latitude"):
        im.read_incidents(src, lat="Y", lon="X")
    # --no-coordinates says it outright for plausible columns too
    ok = tmp_path / "ok.csv"
    ok.write_text("province,lat,lon\nKabul,34.5,69.2\n")
    assert im.read_incidents(ok, coordinates=False)["latitude"].isna().all()


def test_plausible_coordinates_are_kept(tmp_path):
    src = tmp_path / "p.csv"
    src.write_text("id,lat,lon\n1,34.5,69.2\n2,95,70\n")
    with pytest.raises(im.InputFileError, match="row 2, column 'lat'"):
        im.read_incidents(src)


def test_geojson_point_out_of_range_is_a_row_error(tmp_path):
    src = tmp_path / "p.geojson"
    src.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"id": 1},
                        "geometry": {"type": "Point", "coordinates": [70.45, 34.4]},
                    },
                    {
                        "type": "Feature",
                        "properties": {"id": 2},
                        "geometry": {"type": "Point", "coordinates": [70.45, 95]},
                    },
                ],
            }
        )
    )
    with pytest.raises(im.InputFileError, match="row 2, column 'geometry'"):
        im.read_incidents(src)


# ---------------------------------------------------------------------------------------------
# area-placed events in distance and box queries


@pytest.fixture(scope="module")
def mixed(cache):
    frame = pd.DataFrame(
        {
            "event_id": ["point", "province", "district", "far"],
            "date": ["2023-03-01"] * 4,
            "latitude": [34.43, None, None, None],
            "longitude": [70.45, None, None, None],
            "province": [None, "Nangarhar", "Nangarhar", "Kandahar"],
            "district": [None, None, "Surkh Rod", None],
        }
    )
    return geocode_frame(
        gpd.GeoDataFrame(
            frame.rename(columns={"province": "stated_province", "district": "stated_district"}),
            geometry=[None] * 4,
            crs="EPSG:4326",
        )
    )


def test_near_lists_areas_inside_and_counts_areas_that_only_overlap(mixed):
    # Surkh Rod lies wholly within 50 km of Jalalabad: its event happened within the radius
    # (issue 16); Nangarhar only overlaps the circle: its event may lie outside, counted
    from incidentmap.query import match_near

    found = match_near(mixed, "Jalalabad", 50)
    got = found.frame
    assert list(got["event_id"]) == ["point", "district"]
    assert list(got["match"]) == ["point", "area inside"]
    assert found.area_overlaps == 1 and found.area_inside == 1
    assert got.attrs.get("area_events") is None  # the counts are not run facts in attrs


def test_near_lists_area_events_with_edge_distance(mixed):
    got = incidents_near(mixed, "Jalalabad", 50, include_area_events=True)
    by_id = dict(zip(got["event_id"], got["distance_km_min"], strict=True))
    exact = dict(zip(got["event_id"], got["distance_km"], strict=True))
    far = dict(zip(got["event_id"], got["distance_km_max"], strict=True))
    assert set(by_id) == {"point", "province", "district"}
    assert by_id["province"] == 0  # Jalalabad lies inside Nangarhar
    assert 0 < by_id["district"] < 15  # Surkh Rod borders Jalalabad district
    assert by_id["point"] < 5 and exact["point"] == by_id["point"] == far["point"]
    # an event placed only to an area has no one distance: never 0 km
    assert np.isnan(exact["province"]) and np.isnan(exact["district"])
    assert far["province"] > far["district"] > by_id["district"]


def test_bbox_and_within_leave_area_events_out(mixed):
    box = (70.3, 34.3, 70.6, 34.5)
    from incidentmap.query import match_in

    found = match_in(mixed, bbox=box)
    assert list(found.frame["event_id"]) == ["point"] and found.area_overlaps == 2
    got = incidents_in(mixed, bbox=box, include_area_events=True)
    assert list(got["event_id"]) == ["point", "province", "district"]
    assert list(incidents_in(mixed, province="Nangarhar")["event_id"]) == [
        "point",
        "province",
        "district",
    ]


def test_cli_query_says_how_many_area_events_were_left_out(capsys, use_cache, mixed, tmp_path):
    src = tmp_path / "m.gpkg"
    im.write_layer(mixed, src)
    code, out, err = run(capsys, "query", src, "--near", "Jalalabad", "--km", "50", "-f", "csv")
    assert code == 0
    assert "listed: 1 event placed only to a district or province that lies wholly" in err
    assert "left out: 1 event placed only to a district or province that overlaps" in err
    assert len(pd.read_csv(pd.io.common.StringIO(out))) == 2
    code, out, err = run(
        capsys, "query", src, "--near", "Jalalabad", "--km", "50", "-f", "csv",
        "--include-area-events",
    )  # fmt: skip
    assert code == 0 and len(pd.read_csv(pd.io.common.StringIO(out))) == 3


# ---------------------------------------------------------------------------------------------
# credits follow the installed layer


def test_map_credit_comes_from_the_installed_layer(own_cache):
    from incidentmap.boundaries import credit_line
    from incidentmap.render.data import build_payload
    from incidentmap.render.style import PageParts

    g = geocode_frame(
        gpd.GeoDataFrame(
            {"stated_province": ["Kabul"], "date": [pd.Timestamp("2023-01-01")]},
            geometry=[None],
            crs="EPSG:4326",
        )
    )
    payload = build_payload(
        g, im.load_boundaries(), parts=PageParts(points=False), level="province"
    )
    assert payload["attribution"][0] == "Boundaries: geoBoundaries.org (Runfola et al. 2020)"
    assert credit_line({"layout": "ocha-codab"}) == "Boundaries: AGCHO / OCHA COD-AB Afghanistan"


@pytest.mark.parametrize("mark", ["%", "#", ";"])
@pytest.mark.parametrize("sep", [",", ";", "\t"])
def test_commented_headerless_file_names_every_option_it_needs(
    capsys, use_cache, tmp_path, mark, sep
):
    """The war diary's layout: comment lines, then values without a header."""
    import shlex

    src = tmp_path / "points.txt"
    rows = [f"{mark} events", f"{mark} lon, lat, day"] + [
        sep.join(["70.45", "34.43", str(d)]) for d in (1, 40, 400)
    ]
    src.write_text("\n".join(rows) + "\n")
    code, out, err = run(capsys, "geocode", src, "-o", tmp_path / "a.csv")
    if mark in ("%", "#"):  # issue 16: read with no options, each step said in a note
        # "day" holds day numbers and the comment states no first day: one line says what
        assert code == 1 and err.count("\n") == 1, err
        assert "column 'day'" in err and "needs --day-one DATE" in err
        code, _, err = run(
            capsys, "geocode", src, "-o", tmp_path / "a.csv", "--day-one", "2004-01-01"
        )
        assert code == 0, err
        assert "no header row; columns named from the comment line: lon, lat, day" in err
        assert "placed by point: 3" in err
        return
    assert code == 1 and out == "" and err.count("\n") == 1 and "Traceback" not in err
    found = re.search(r"add (--comment .* --columns \S+)", err)
    assert found and "--no-header" in found.group(1) and "lon,lat" in found.group(1)
    options = shlex.split(found.group(1))
    code, _, err = run(capsys, "geocode", src, "-o", tmp_path / "a.csv", *options)
    assert code == 0, err
    assert "placed by point: 3" in err
