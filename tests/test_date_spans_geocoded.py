"""A geocoded GTD or UCDP GED file still covers its last event's whole year.

GTD and UCDP GED are released in whole calendar years, so a file of theirs covers to 31
December of its last event's year (``spans.RELEASED_BY_YEAR``). A file written by
``incidentmap geocode`` was read back with the layout "geocoded": its last month (GTD:
December 2009, the last event on the 30th) became a partial period, left out of the
trends ("latest month: 2009-11-01 ... the month it ends inside is left out") while the
same data raw said 2009-12-01. The geocoded file keeps the publisher's columns; they name
the layout again.
"""

from __future__ import annotations

import pandas as pd
import pytest

import incidentmap as im
from incidentmap.io.geocoded import source_layout
from incidentmap.jobs.load import Source, load
from incidentmap.jobs.report import Report
from incidentmap.options import Filters
from tests.conftest import INCIDENTS
from tests.test_cli import run

GTD = INCIDENTS / "gtd_afg_2004_2009_towns.csv"
UCDP = INCIDENTS / "ucdp_ged_afg_realcaddish.geojson"


@pytest.mark.parametrize(("path", "preset"), [(GTD, "gtd"), (UCDP, "ucdp")])
@pytest.mark.parametrize("ext", [".csv", ".gpkg"])
def test_trends_of_the_geocoded_file_say_what_the_raw_file_says(
    capsys, use_cache, tmp_path, path, preset, ext
):
    placed = tmp_path / f"placed{ext}"
    code, _, err = run(capsys, "geocode", path, "-o", placed)
    assert code == 0, err
    code, raw_out, raw_err = run(capsys, "trends", path, "--period", "month")
    assert code == 0, raw_err
    code, out, err = run(capsys, "trends", placed, "--period", "month")
    assert code == 0, err
    assert out == raw_out
    if preset == "gtd":  # the file's own dates: "2009-12-30", "2007-11-00" (day unknown)
        year = int(pd.read_csv(path, usecols=["DATE"])["DATE"].dropna().str[:4].astype(int).max())
    else:
        year = None
    latest = [ln for ln in err.splitlines() if ln.startswith("latest month:")]
    raw_latest = [ln for ln in raw_err.splitlines() if ln.startswith("latest month:")]
    assert latest == raw_latest and "is left out" not in latest[0]
    if year is not None:  # the last event's year is whole: its December is the latest month
        assert latest[0].startswith(f"latest month: {year}-12-01")
    raw = load(Source(path), Filters(), Report())
    again = load(Source(placed), Filters(), Report())
    assert again.preset == raw.preset == preset
    assert again.coverage_end == raw.coverage_end
    assert again.coverage_end == pd.Timestamp(year=raw.coverage_end.year, month=12, day=31)
    assert im.read(placed).frame.attrs["preset"] == preset


def test_a_generic_file_read_back_is_still_called_geocoded(capsys, use_cache, tmp_path):
    src, placed = tmp_path / "in.csv", tmp_path / "placed.csv"
    src.write_text("date,latitude,longitude,note\n2023-05-10,34.5,69.2,x\n")
    code, _, err = run(capsys, "geocode", src, "-o", placed)
    assert code == 0, err
    assert im.read(placed).frame.attrs["preset"] == "geocoded"
    assert source_layout(["row", "date", "geometry", "province", "district_id"]) == "geocoded"
