"""Every output format of every command that writes one, through the command line.

A Parquet export once broke only where the CLI put a Timestamp in ``DataFrame.attrs``; the
library-level tests could not see it. Each case runs the command as a user would and reads
the file back (GDAL/pyogrio for layers, pandas for tables).
"""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import pytest

from incidentmap.cli import main
from tests.conftest import ROOT

SAMPLE = ROOT / "geo" / "sample_incidents.csv"
LAYERS = ("gpkg", "geojson", "parquet", "fgb", "shp", "kml", "csv")


def run(capsys, *args):
    with pytest.raises(SystemExit) as exc:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    return exc.value.code, out, err


def rows_of(path):
    if path.suffix == ".csv":
        return len(pd.read_csv(path))
    if path.suffix == ".parquet":
        return len(gpd.read_parquet(path))
    if path.suffix == ".json":
        doc = json.loads(path.read_text())  # trends: the document -f json prints
        return len(doc["areas"] if isinstance(doc, dict) else doc)
    return len(gpd.read_file(path))


@pytest.mark.parametrize("suffix", LAYERS)
def test_geocode_writes(capsys, use_cache, tmp_path, suffix):
    out = tmp_path / f"g.{suffix}"
    code, _, err = run(capsys, "geocode", SAMPLE, "-o", out)
    assert code == 0, err
    assert rows_of(out) == 52 and "wrote: 52 rows" in err


@pytest.mark.parametrize("suffix", LAYERS)
def test_export_points_writes(capsys, use_cache, tmp_path, suffix):
    out = tmp_path / f"p.{suffix}"
    code, _, err = run(capsys, "export", SAMPLE, "--layer", "points", "-o", out)
    assert code == 0, err
    placed_at_points = 42  # 10 rows of the sample are placed only to a district or province
    assert rows_of(out) == placed_at_points


@pytest.mark.parametrize("suffix", ("csv", "geojson", "gpkg", "parquet", "fgb", "shp", "kml"))
def test_aggregate_writes(capsys, use_cache, tmp_path, suffix):
    out = tmp_path / f"a.{suffix}"
    code, _, err = run(capsys, "aggregate", SAMPLE, "--level", "province", "--period", "none",
                       "-o", out)  # fmt: skip
    assert code == 0, err
    assert rows_of(out) == 34


@pytest.mark.parametrize("suffix", ("csv", "json", "geojson", "gpkg", "parquet"))
def test_trends_writes(capsys, use_cache, tmp_path, suffix):
    out = tmp_path / f"t.{suffix}"
    code, _, err = run(capsys, "trends", SAMPLE, "--level", "province", "--period", "year",
                       "--include-incomplete", "--no-hotspots", "-f", "csv", "-o", out)  # fmt: skip
    assert code == 0, err
    assert rows_of(out) == 34


@pytest.mark.parametrize("suffix", ("gpkg", "csv", "geojson", "parquet", "fgb"))
def test_merge_writes(capsys, use_cache, tmp_path, suffix):
    other = tmp_path / "other.csv"
    pd.read_csv(SAMPLE).head(10).to_csv(other, index=False)
    out, pairs = tmp_path / f"m.{suffix}", tmp_path / "pairs.csv"
    code, _, err = run(capsys, "merge", SAMPLE, other, "-o", out, "--pairs", pairs)
    assert code == 0, err
    assert rows_of(out) <= 62 and len(pd.read_csv(pairs)) >= 1


@pytest.mark.parametrize("png", ("png", "svg", "pdf"))
def test_brief_writes(capsys, use_cache, tmp_path, png):
    out, img = tmp_path / "b.html", tmp_path / f"b.{png}"
    code, _, err = run(capsys, "brief", SAMPLE, "--level", "province", "--period", "year",
                       "-o", out, "--png", img)  # fmt: skip
    assert code == 0, err
    assert out.stat().st_size > 10_000 and img.stat().st_size > 1_000


def test_map_writes_both_kinds(capsys, use_cache, tmp_path):
    for kind in ("choropleth", "points"):
        out = tmp_path / f"{kind}.html"
        code, _, err = run(capsys, "map", SAMPLE, "--kind", kind, "-o", out)
        assert code == 0, err
        assert "IncidentMap" in out.read_text()


def test_query_formats(capsys, use_cache):
    for fmt in ("csv", "geojson", "ndjson", "geojsonseq", "table"):
        code, out, err = run(capsys, "query", SAMPLE, "--province", "Herat", "-f", fmt)
        assert code == 0, err
        assert "Herat" in out
