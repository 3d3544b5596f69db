"""An extract of a publisher's file with a column left out is the same rows, not new events.

GTD's file given again without ``CITY`` (each row then placed to its province) gave 2,191
events for 1,782; without its dates, 3,564 (no row could be compared). One stated id with
equal tolls, type and actors is one row when the dates are equal and one place holds the
other, or the place is equal and one row is undated. Other publishers' rows whose ids
collide by chance stay apart. Through the command line and the library, on the real file.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from incidentmap.merge import merge_incidents
from incidentmap.pipeline import load_incidents
from tests.conftest import SHARED
from tests.test_cli import run

GTD = SHARED / "incidents" / "gtd_afg_2004_2009_towns.csv"


@pytest.fixture(scope="module")
def extracts(tmp_path_factory, cache):
    import os

    os.environ["INCIDENTMAP_CACHE_DIR"] = str(cache)
    folder = tmp_path_factory.mktemp("extracts")
    raw = pd.read_csv(GTD, dtype=str)
    placed, _ = load_incidents(GTD)
    province = dict(zip(placed["event_id"].astype(str), placed["province"], strict=True))
    towns_out = raw.drop(columns=["CITY", "CITY2"])
    towns_out["Province"] = towns_out["GTD.ID"].map(province).fillna(towns_out["Province"])
    undated = raw.drop(columns=["DATE", "Date_", "month", "year"])
    paths = {"no_towns": folder / "no_towns.csv", "no_dates": folder / "no_dates.csv"}
    towns_out.to_csv(paths["no_towns"], index=False)
    undated.to_csv(paths["no_dates"], index=False)
    # a toll revised in the undated extract: that row is no copy
    revised = undated.copy()
    revised.loc[revised["GTD.ID"] == "200401050004.0", "FATALITIES"] = "9"
    paths["no_dates_revised"] = folder / "no_dates_revised.csv"
    revised.to_csv(paths["no_dates_revised"], index=False)
    return placed, paths, folder


def _nothing(placed: pd.DataFrame) -> int:
    """Rows with no type and no known actor (a GTD row whose cells shifted): nothing of the
    event itself tells its copy from a chance row with its id, so those are left apart."""
    blank = placed["event_type"].isna() | (placed["event_type"].astype(str).str.strip() == "")
    return int((blank & placed["actor1_group"].isin([None, "unidentified"])).sum())


@pytest.mark.parametrize("which", ["no_towns", "no_dates"])
def test_an_extract_without_a_column_is_the_same_rows_cli(which, extracts, capsys, use_cache):
    placed, paths, folder = extracts
    out = folder / f"m_{which}.csv"
    code, printed, err = run(
        capsys, "merge", f"gtd={GTD}", f"copy={paths[which]}", "-o", out, "--overwrite"
    )
    assert code == 0 and "rows are the same row in both" in printed + err, err
    events = len(pd.read_csv(out, usecols=["merge_id"]))  # were 2,191 and 3,564
    assert 1782 <= events <= 1782 + _nothing(placed) and _nothing(placed) <= 1


def test_an_extract_without_a_column_is_the_same_rows_library(extracts, use_cache):
    placed, paths, _ = extracts
    for which in ("no_towns", "no_dates"):
        copy, _ = load_incidents(paths[which])
        result = merge_incidents([("gtd", placed), ("copy", copy)])
        assert 1782 <= len(result.merged) <= 1782 + _nothing(placed), which
        assert result.same["gtd+copy"] >= 1782 - _nothing(placed)
    # a revised toll is not a copy: that row stays its own event (it has no date to compare)
    copy, _ = load_incidents(paths["no_dates_revised"])
    result = merge_incidents([("gtd", placed), ("copy", copy)])
    assert len(result.merged) >= 1783 and result.same["gtd+copy"] <= 1781


def _write(path: Path, rows: list[tuple]) -> Path:
    cols = ["event_id", "date", "latitude", "longitude", "province", "fatalities", "event_type"]
    pd.DataFrame(rows, columns=cols).to_csv(path, index=False)
    return path


def test_colliding_ids_of_two_publishers_stay_apart(tmp_path, use_cache):
    # two lists numbered 1, 2, 3 by date: id 2 on one day in both, other provinces
    a = _write(tmp_path / "a.csv", [
        ("1", "2019-05-01", 34.52, 69.17, "Kabul", 0, "armed clash"),
        ("2", "2019-05-02", 31.61, 65.71, "Kandahar", 0, "armed clash"),
    ])  # fmt: skip
    b = _write(tmp_path / "b.csv", [
        ("1", "2019-05-01", None, None, "Kabul", 1, "armed clash"),
        ("2", "2019-05-02", None, None, "Herat", 0, "armed clash"),
    ])  # fmt: skip
    fa, fb = load_incidents(a)[0], load_incidents(b)[0]
    result = merge_incidents([("a", fa), ("b", fb)])
    assert result.same == {}  # another toll; another province


def test_two_hand_lists_numbered_alike_are_no_copies(tmp_path, use_cache):
    # ids 1..N, the same days and provinces, no type or actor: nothing of the events to match
    a = _write(tmp_path / "a.csv", [
        ("1", "2019-05-01", 34.52, 69.17, "Kabul", 0, None),
        ("2", "2019-05-02", 31.61, 65.71, "Kandahar", 0, None),
    ])  # fmt: skip
    b = _write(tmp_path / "b.csv", [
        ("1", "2019-05-01", None, None, "Kabul", 0, None),
        ("2", "2019-05-02", None, None, "Kandahar", 0, None),
    ])  # fmt: skip
    result = merge_incidents([("a", load_incidents(a)[0]), ("b", load_incidents(b)[0])])
    assert result.same == {}
