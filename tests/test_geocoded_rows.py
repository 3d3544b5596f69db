"""A geocoded file read back keeps its row numbers whole.

`geocode` writes `row` as an integer; read back, it was a float, so every layer exported from
a geocoded file (GeoPackage, shapefile, FlatGeobuf, CSV's column types) held `row` as Real,
while the same export from the raw file held Integer.
"""

from __future__ import annotations

import pyogrio
import pytest

import incidentmap as im
from tests.conftest import ROOT
from tests.test_cli import run

SAMPLE = ROOT / "geo" / "sample_incidents.csv"
pytestmark = pytest.mark.usefixtures("use_cache")


@pytest.mark.parametrize("ext", [".gpkg", ".fgb", ".shp"])
def test_rows_exported_from_a_geocoded_file_stay_integers(capsys, tmp_path, ext):
    placed = tmp_path / "placed.gpkg"
    code, _, err = run(capsys, "geocode", SAMPLE, "-o", placed)
    assert code == 0, err
    assert str(im.read(str(placed)).frame["row"].dtype) == "int64"
    out = tmp_path / f"points{ext}"
    code, _, err = run(capsys, "export", placed, "-o", out, "--layer", "points")
    assert code == 0, err
    info = pyogrio.read_info(out, layer="points" if ext == ".gpkg" else None)
    assert dict(zip(info["fields"], info["dtypes"], strict=True))["row"] == "int64"
