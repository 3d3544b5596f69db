"""What the data supports is said before anything is drawn, or the request is refused (issue 16)."""

from __future__ import annotations

import pandas as pd
import pytest

import incidentmap as im
from incidentmap.fitness import check_fit, data_fitness
from incidentmap.pipeline import load_incidents
from incidentmap.render import briefing_map
from tests.test_cli import run


@pytest.fixture
def province_only(tmp_path):
    # names only, no district named anywhere: every row is placed only to its province
    rows = ["date,province,fatalities,notes"]
    provs = ["Kabul", "Herat", "Balkh", "Nangarhar", "Kandahar"]
    for i in range(40):
        rows.append(
            f"2023-{1 + i % 6:02d}-{1 + i % 27:02d},{provs[i % 5]},{'' if i % 3 else i},n{i}"
        )
    path = tmp_path / "provinces.csv"
    path.write_text("\n".join(rows) + "\n")
    return path


def test_brief_chooses_the_level_the_data_reach_and_says_so(capsys, use_cache, province_only):
    out = province_only.with_suffix(".html")
    code, _, err = run(capsys, "brief", province_only, "-o", out)
    assert code == 0, err
    assert "note: level: province (0 of 40 placed rows reach a district, 40 only a province)" in err
    assert "note: tolls known for 14 of 40 rows" in err
    assert out.stat().st_size > 10_000


def test_district_level_of_province_only_rows_is_refused(capsys, use_cache, province_only):
    out = province_only.with_suffix(".html")
    code, stdout, err = run(capsys, "brief", province_only, "--level", "district", "-o", out)
    assert code == 2 and stdout == ""
    assert err.splitlines()[-1] == (
        "Error: --level district: all 40 placed rows are placed only to a province (the data "
        "name no district or point); use --level province (see: incidentmap brief --help)"
    )
    assert not out.exists()
    code, _, err = run(capsys, "map", province_only, "--level", "district", "-o", out)
    assert code == 2 and "use --level province" in err and not out.exists()


def test_a_group_no_row_names_gives_no_page(capsys, use_cache, province_only):
    out = province_only.with_suffix(".html")
    code, _, err = run(capsys, "brief", province_only, "--group", "isis-k", "-o", out)
    assert code == 2  # the file names no actor: the group is refused before any count
    assert err.splitlines()[-1].startswith("Error: the input has no actor columns")
    assert not out.exists()


def test_rows_without_dates_give_no_page_with_periods(capsys, use_cache, tmp_path):
    src = tmp_path / "undated.csv"
    src.write_text("province,notes\nKabul,a\nHerat,b\n")
    out = tmp_path / "u.html"
    code, _, err = run(capsys, "brief", src, "-o", out)
    assert code == 2 and "no row has a date" in err and not out.exists()
    code, _, err = run(capsys, "brief", src, "--period", "none", "-o", out)
    assert code == 0, err  # one map of all dates is what these rows can give


def test_the_library_never_builds_a_page_without_periods(use_cache, province_only):
    g, _ = load_incidents(province_only)
    with pytest.raises(im.UsageError, match="placed only to a province; use `level` province"):
        briefing_map(g, level="district")
    m = briefing_map(g, level="province")
    assert m is not None


def test_fitness_counts_levels_dates_and_tolls():
    g = pd.DataFrame(
        {
            "geocode_precision": ["point", "district", "province", "none"],
            "province_code": ["AF-KAB", "AF-HER", "AF-BAL", None],
            "district_id": ["d1", "d2", None, None],
            "date": ["2023-01-01", None, "2023-02-01", "2023-03-01"],
            "fatalities": [1, None, 0, None],
        }
    )
    fit = data_fitness(g)
    assert (fit.placed, fit.district_rows, fit.province_rows) == (3, 2, 1)
    assert (fit.dated, fit.tolls_known) == (3, 2)
    assert fit.default_level() == "district"
    level, notes = check_fit(fit, level=None, period="month")
    assert level == "district" and notes[-1] == "tolls known for 2 of 4 rows"
