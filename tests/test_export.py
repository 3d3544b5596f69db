from __future__ import annotations

import json
import re
import shutil
import subprocess

import fiona
import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

import incidentmap as im
from incidentmap.export import export_layers
from incidentmap.geocode import geocode as geocode_frame
from tests.conftest import DATA
from tests.test_cli import run

OGRINFO = shutil.which("ogrinfo")


def ogrinfo(path, *layers):
    assert OGRINFO, "ogrinfo not found: install Debian gdal-bin (.ci/run does)"
    proc = subprocess.run(
        [OGRINFO, "-al", "-so", str(path), *layers], capture_output=True, text=True, check=True
    )
    return proc.stdout


@pytest.fixture(scope="module")
def geocoded(cache, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("exp")
    src = tmp / "in.csv"
    text = (DATA / "acled.csv").read_text()
    # a row with Dari text, a long note and a name-only row, to travel through every format
    text += (
        "AFG0005,5 April 2023,2023,1,Political violence,Battles,Armed clash,Taliban,,,,,,4,"
        "Caucasus and Central Asia,Afghanistan,Herat,Injil,,هرات,,,,Synthetic,National,"
        f'"{"long note " * 40}",2,,1680000000\n'
    )
    src.write_text(text)
    return geocode_frame(im.read_incidents(src))


def test_gpkg_three_layers_in_gdal(geocoded, tmp_path):
    out = tmp_path / "layers.gpkg"
    # every row travels, the two placed only to an area too (their stand-in points)
    report = export_layers(geocoded, out, area_events="points")
    assert report["layers"] == {"points": 5, "districts": 398, "provinces": 34}
    info = ogrinfo(out)
    for name, count in report["layers"].items():
        assert re.search(rf"Layer name: {name}\n(?:.*\n)*?Feature Count: {count}\n", info)
    assert 'EPSG",4326' in info.replace("ID[", "")
    assert re.search(r"fatalities: Real", info) and re.search(r"date: Date", info)
    assert "incidents: Integer64" in info
    # round trip through pyogrio and fiona: same values
    back = pyogrio.read_dataframe(out, layer="points")
    assert list(back["event_id"]) == list(geocoded["event_id"])
    assert list(back["stated_place"]) == list(geocoded["stated_place"])
    assert back["notes"].iloc[4] == geocoded["notes"].iloc[4]
    with fiona.open(out, layer="districts") as src:
        assert len(src) == 398
        total = sum(f["properties"]["incidents"] for f in src)
    assert total == geocoded["district_id"].notna().sum()


def test_geojson_rfc7946(geocoded, tmp_path):
    out = tmp_path / "districts.geojson"
    export_layers(
        geocoded, out, layers=["districts"], period="month", precision=5,
        period_layout="features",
    )  # fmt: skip
    doc = json.loads(out.read_text())
    assert "crs" not in doc
    feats = doc["features"]
    assert len(feats) == 398 * 2  # March and April 2023
    assert {f["properties"]["period_start"] for f in feats} == {"2023-03-01", "2023-04-01"}
    for f in feats[:50]:
        geom = shapely.geometry.shape(f["geometry"])
        for poly in getattr(geom, "geoms", [geom]):
            assert poly.exterior.is_ccw  # right-hand rule
            assert all(not ring.is_ccw for ring in poly.interiors)
    coords = np.array(feats[0]["geometry"]["coordinates"][0][0])
    assert np.allclose(coords, np.round(coords, 5))
    pts = tmp_path / "points.geojson"
    export_layers(geocoded, pts, area_events="points")
    props = json.loads(pts.read_text())["features"][0]["properties"]
    assert props["date"] == "2023-03-09" and props["injured"] is None
    assert "Feature Count: 5" in ogrinfo(pts)


def test_shapefile_fields_prj_cpg(geocoded, tmp_path, capsys, use_cache):
    src = tmp_path / "g.gpkg"
    im.write_layer(geocoded, src)
    out = tmp_path / "points.shp"
    code, _, err = run(
        capsys, "export", src, "--layer", "points", "--area-events", "points", "-o", out
    )
    assert code == 0, err
    assert "date_precision -> date_preci" in err
    assert "1 value of 'notes' longer than 254 bytes was cut" in err
    for ext in (".shp", ".shx", ".dbf", ".prj", ".cpg", ".fields.csv"):
        assert (tmp_path / f"points{ext}").exists(), ext
    assert (tmp_path / "points.cpg").read_text().strip().upper() in ("UTF-8", "65001")
    mapping = pd.read_csv(tmp_path / "points.fields.csv")
    assert (
        dict(zip(mapping["column"], mapping["field"], strict=True))["geocode_precision"]
        == "geocode_pr"
    )
    assert mapping["field"].str.len().max() <= 10 and mapping["field"].is_unique
    info = ogrinfo(out)
    assert "Feature Count: 5" in info and 'EPSG",4326' in info.replace("ID[", "")
    back = gpd.read_file(out)
    assert back["stated_pla"].iloc[4] == "هرات"
    assert list(back["province"]) == list(geocoded["province"])
    assert not list(tmp_path.glob(".*"))  # no temporary files left behind


@pytest.mark.parametrize("ext", [".fgb", ".kml", ".csv", ".parquet"])
def test_other_formats_round_trip(geocoded, tmp_path, ext):
    out = tmp_path / f"points{ext}"
    export_layers(geocoded, out, area_events="points")
    if ext == ".csv":
        back = pd.read_csv(out)
        assert back["geometry"].iloc[0].startswith("POINT (")
    elif ext == ".parquet":
        back = gpd.read_parquet(out)
        assert back.crs.to_epsg() == 4326
    else:
        info = ogrinfo(out)
        assert "Feature Count: 5" in info
        back = gpd.read_file(out)
    assert len(back) == 5
    if ext != ".kml":
        assert list(back["district"].fillna("")) == list(geocoded["district"].fillna(""))


def test_overwrite_and_one_layer_formats(geocoded, tmp_path):
    out = tmp_path / "x.geojson"
    out.write_text("keep")
    with pytest.raises(im.OutputExistsError):
        export_layers(geocoded, out, area_events="points")
    assert out.read_text() == "keep"
    with pytest.raises(im.UsageError, match="holds one layer"):
        export_layers(geocoded, tmp_path / "y.geojson", layers=["points", "districts"])
    with pytest.raises(im.UsageError, match="unknown layer"):
        export_layers(geocoded, tmp_path / "y.gpkg", layers=["nope"])
    assert not (tmp_path / "y.geojson").exists() and not (tmp_path / "y.gpkg").exists()


def test_boundary_layers(geocoded, tmp_path):
    out = tmp_path / "b.gpkg"
    report = export_layers(geocoded, out, layers=["district_boundaries", "province_boundaries"])
    assert report["layers"] == {"district_boundaries": 398, "province_boundaries": 34}


def test_cli_export_commands(capsys, use_cache, tmp_path):
    code, _, err = run(capsys, "export", DATA / "acled.csv", "-o", tmp_path / "layers.gpkg")
    assert code == 0 and "layer points: 3 features" in err and "layer provinces: 34" in err
    assert "left out of the points layer (placed only to a district or province" in err
    code, _, err = run(
        capsys,
        "export",
        DATA / "acled.csv",
        "--layer",
        "districts",
        "--period",
        "month",
        "-o",
        tmp_path / "districts.geojson",
    )
    # issue 16: each polygon once, the counts per period in a long table beside it
    assert code == 0 and "layer districts: 398 features" in err
    assert "table districts_by_month: 3 rows (area x period with incidents" in err
    table = pd.read_csv(tmp_path / "districts.districts_by_month.csv")
    assert len(table) == 3 and (table["incidents"] > 0).all()
    code, _, err = run(capsys, "export", DATA / "acled.csv", "-o", tmp_path / "layers.gpkg")
    assert code == 2 and "exists; use --overwrite" in err
    # the table beside a layer is an output too: refused before any work when it exists
    (tmp_path / "d2.districts_by_month.csv").write_text("mine\n")
    code, _, err = run(
        capsys, "export", DATA / "acled.csv", "--layer", "districts", "--period", "month",
        "-o", tmp_path / "d2.geojson",
    )  # fmt: skip
    assert code == 2 and "d2.districts_by_month.csv" in err
    assert not (tmp_path / "d2.geojson").exists()
    assert (tmp_path / "d2.districts_by_month.csv").read_text() == "mine\n"


def test_per_period_areas_are_one_layer_and_a_long_table(geocoded, tmp_path):
    # issue 16 (9): `export --layer districts --period month` on 52 incidents wrote 32,238
    # full-resolution polygons (418 MB of GeoJSON in 2 min 21 s)
    out = tmp_path / "p.gpkg"
    report = export_layers(geocoded, out, layers=["districts", "provinces"], period="month")
    assert report["layers"]["districts"] == 398 and report["layers"]["provinces"] == 34
    # the long tables, their spatial views (the polygons joined, issue 29) and the styles
    assert [k for k, v in pyogrio.list_layers(out)] == [
        "districts", "provinces", "districts_by_month_layer", "provinces_by_month_layer",
        "districts_by_month", "provinces_by_month", "layer_styles",
    ]  # fmt: skip
    assert dict(pyogrio.list_layers(out))["districts_by_month"] is None  # no geometry column
    table = pyogrio.read_dataframe(out, layer="districts_by_month")
    polygons = pyogrio.read_dataframe(out, layer="districts")
    placed = geocoded[geocoded["district_id"].notna() & geocoded["date"].notna()]
    assert table["incidents"].sum() == len(placed) == polygons["incidents"].sum()
    assert (table["incidents"] > 0).all() and set(table["district_id"]) <= set(
        polygons["district_id"]
    )
    assert {"period_start", "period_complete", "fatalities_known"} <= set(table.columns)
    # --zeros: every area x period; the features layout: one polygon per area x period
    full = export_layers(
        geocoded, tmp_path / "z.gpkg", layers=["provinces"], period="month", zeros=True
    )
    assert full["tables"]["provinces_by_month"][0] % 34 == 0
    wide = export_layers(
        geocoded, tmp_path / "w.gpkg", layers=["provinces"], period="month",
        period_layout="features",
    )  # fmt: skip
    assert wide["layers"]["provinces"] == full["tables"]["provinces_by_month"][0]
    with pytest.raises(im.UsageError, match="period_layout must be one of long, features"):
        export_layers(geocoded, tmp_path / "q.gpkg", period="month", period_layout="wide")


def test_long_writes_estimate_their_size_and_report_progress(geocoded, tmp_path):
    from incidentmap.export import layers_from_incidents
    from incidentmap.io.write import estimate_bytes

    seen: list[tuple[int, int]] = []
    out = tmp_path / "w.geojson"
    export_layers(
        geocoded, out, layers=["districts"], period="month", period_layout="features",
        progress=lambda done, total: seen.append((done, total)),
    )  # fmt: skip
    estimate = seen[0][1]
    assert seen[0][0] == 0 and seen[-1] == (estimate, estimate)
    # the estimate is within a factor of two of the file written, for text and binary formats
    assert 0.5 < out.stat().st_size / estimate < 2
    layers = layers_from_incidents(geocoded, ["districts"])
    for suffix, fmt in ((".gpkg", "GPKG"), (".fgb", "FlatGeobuf"), (".csv", "CSV")):
        path = tmp_path / f"e{suffix}"
        export_layers(geocoded, path, layers=["districts"])
        assert 0.5 < path.stat().st_size / estimate_bytes(layers, fmt, None) < 2, fmt


def test_area_placed_events_stay_out_of_point_layers_unless_asked(geocoded, tmp_path):
    # issue 16: 69,172 province-level ACLED events exported as 69,172 points on 34 province
    # centres: a QGIS heat map of them shows 34 false hot spots
    area = geocoded["geocode_precision"].isin(["district", "province"])
    assert area.sum() == 2
    out = tmp_path / "omit.gpkg"
    report = export_layers(geocoded, out)
    assert report["layers"]["points"] == len(geocoded) - 2 and report["area_only"] == 2
    back = pyogrio.read_dataframe(out, layer="points")
    assert not back["geocode_precision"].isin(["district", "province"]).any()
    out = tmp_path / "layer.gpkg"
    report = export_layers(geocoded, out, area_events="layer")
    areas = pyogrio.read_dataframe(out, layer="area_events")  # a table: no polygon per row
    assert len(areas) == 2 and not isinstance(areas, gpd.GeoDataFrame)
    polygons = pyogrio.read_dataframe(out, layer="area_events_areas")  # each area once
    assert set(polygons.geom_type) <= {"Polygon", "MultiPolygon"}
    assert polygons["incidents"].sum() == 2 and set(areas["area_id"]) == set(polygons["area_id"])
    assert sorted(areas["event_id"]) == sorted(geocoded.loc[area, "event_id"])
    with pytest.raises(im.UsageError, match="area_events='layer' adds a layer"):
        export_layers(geocoded, tmp_path / "x.geojson", area_events="layer")
