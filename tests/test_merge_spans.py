"""A merged list keeps the span its dates stand for (UCDP's date_end), so its counts by
period are the sources' own: UCDP's 28-29 July 2015 stays in July once merged."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from typer.testing import CliRunner

from incidentmap.cli import app
from tests.conftest import INCIDENTS

pytestmark = pytest.mark.usefixtures("use_cache")
GTD = INCIDENTS / "gtd_afg_2004_2009_towns.csv"
UCDP = INCIDENTS / "ucdp_ged_afg_realcaddish.geojson"


def _months(path, out) -> pd.DataFrame:
    args = ["aggregate", str(path), "--level", "province", "--period", "month", "-o", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out)
    return table.set_index(["province_code", "period_start"])["incidents"]


def test_merged_rows_keep_their_stated_span_and_their_month(tmp_path):
    merged = tmp_path / "merged.gpkg"
    args = ["merge", f"gtd={GTD}", f"ucdp={UCDP}", "-o", str(merged)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    rows = gpd.read_file(merged)
    event = rows[rows["ucdp_event_id"].astype(str) == "200890"].iloc[0]
    assert str(event["date_end"])[:10] == "2015-07-29"
    both = _months(merged, tmp_path / "merged.csv")
    alone = _months(UCDP, tmp_path / "ucdp.csv")
    later = both.index.get_level_values(1) >= "2010-01-01"  # GTD's file ends in 2009
    assert both[later].sum() > 0
    assert both[later].equals(alone.reindex(both[later].index).fillna(0).astype(both.dtype))


def test_pages_of_geocoded_and_merged_files_credit_their_publishers(tmp_path):
    """A page made from a geocoded or a merged file named no publisher (UCDP GED is CC BY:
    its credit is owed); the layout a geocoded file shows and the merged list's
    ``citations`` give it back."""
    runner = CliRunner()
    geocoded, merged = tmp_path / "gtd.gpkg", tmp_path / "merged.gpkg"
    for args in (["geocode", str(GTD), "-o", str(geocoded)],
                 ["merge", f"gtd={GTD}", f"ucdp={UCDP}", "-o", str(merged)]):  # fmt: skip
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
    rows = gpd.read_file(merged)
    assert set(rows["citations"].str.contains("Uppsala")) == {True, False}
    for path, owed in ((geocoded, ["START"]), (merged, ["START", "Uppsala Conflict Data"])):
        page = tmp_path / f"{path.stem}.html"
        result = runner.invoke(app, ["brief", str(path), "-o", str(page)])
        assert result.exit_code == 0, result.output
        text = page.read_text(encoding="utf-8")
        for name in owed:
            assert name in text, (path.name, name)
