"""A count the data cannot give is refused, never written as zeros (the newcomer's walk).

`aggregate --group` on a file without actor columns wrote a table of zeros (exit 0), and
`map --kind points` of rows placed only to provinces wrote an empty map: each is now one
line naming why, exit 2 and no file, through the command line and the library alike.
"""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

import incidentmap as im
from incidentmap.cli import app
from incidentmap.errors import UsageError
from tests.test_cli import run as run_cli

pytestmark = pytest.mark.usefixtures("use_cache")


def run(capsys, *args):
    code, out, err = run_cli(capsys, *args)
    return code, out + err


@pytest.fixture
def province_only(tmp_path):
    path = tmp_path / "provinces.csv"
    pd.DataFrame({
        "date": ["2023-03-01", "2023-03-02", "2023-04-01"],
        "province": ["Kabul", "Herat", "Balkh"],
        "fatalities": [1, 0, 2],
    }).to_csv(path, index=False)  # fmt: skip
    return path


def test_a_group_is_refused_on_a_file_without_actors(capsys, province_only, tmp_path):
    out = tmp_path / "counts.csv"
    args = ["aggregate", province_only, "--level", "province", "--period", "none"]
    code, said = run(capsys, *args, "--group", "isis-k", "-o", out)
    assert code == 2
    assert "no actor columns" in said and "drop --group" in said
    assert "Traceback" not in said and not out.exists()
    with pytest.raises(UsageError, match="no actor columns"):
        im.aggregate(str(province_only), level="province", period=None, group=("isis-k",))


def test_nothing_matched_is_said_without_periods_too(province_only, tmp_path):
    out = tmp_path / "counts.csv"
    args = ["aggregate", str(province_only), "--level", "province", "--period", "none"]
    result = CliRunner().invoke(app, [*args, "--min-fatalities", "50", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "no row matched the filters: every count is 0" in result.output
    assert pd.read_csv(out)["incidents"].sum() == 0


def test_a_map_of_points_without_points_is_refused(capsys, province_only, tmp_path):
    out = tmp_path / "points.html"
    code, said = run(capsys, "map", province_only, "--kind", "points", "-o", out)
    assert code == 2
    assert "--kind points: no row has a point to draw (3 of 3" in said
    assert "Traceback" not in said and not out.exists()
    with pytest.raises(UsageError, match="no row has a point"):
        im.brief(str(province_only), kind="points")


def test_a_layer_of_repeated_polygons_says_its_size(capsys, tmp_path):
    """398 districts over 81 months wrote 420 MB of GeoJSON for 51 incidents, unsaid."""
    from tests.conftest import ROOT

    out = tmp_path / "counts.gpkg"
    sample = ROOT / "geo" / "sample_incidents.csv"
    code, said = run(capsys, "aggregate", sample, "--level", "district", "--period", "month",
                     "-o", out)  # fmt: skip
    assert code == 0, said
    assert "note: this layer repeats each district's polygon in each of its" in said
    mb = int(said.split("(about ")[1].split(" MB")[0].replace(",", ""))
    assert 0.5 < out.stat().st_size / 1e6 / mb < 2  # the size said is the size written
    code, said = run(capsys, "aggregate", sample, "--level", "district", "--period", "month",
                     "-o", tmp_path / "counts.csv")  # fmt: skip
    assert code == 0 and "repeats" not in said
