"""A row placed by its names keeps the precision its source states (UCDP GED ``where_prec``).

UCDP's codebook: ``where_prec`` 1-2 a place (exact or within 25 km), 3 the second-order
area (district) ``where_coordinates`` names, 4 the first-order area (province), 5 a part of
the country, 6-7 the country or beyond. A district-level row that names a town stands for
the town's district, never the town's point; a province-level row stands for its province,
whatever district it names. The expected district is the one the same names give at place
precision (the library's own answer), never written here.
"""

from __future__ import annotations

import csv

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import incidentmap as im
from tests.test_cli import run

SETTINGS = settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
#: towns that are also their district's centre, with their province as UCDP writes it
TOWNS = (
    ("Jalalabad", "Nangarhar province"),
    ("Spin Boldak", "Kandahar province"),
    ("Kunduz", "Kunduz province"),
    ("Lashkar Gah", "Helmand province"),
    ("Herat", "Herat province"),
)
COLUMNS = (
    "id", "year", "type_of_violence", "side_a", "side_b", "adm_1", "adm_2",
    "where_coordinates", "where_prec", "date_prec", "date_start", "date_end", "best",
)  # fmt: skip


def _write(path, rows: list[dict[str, object]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS)
        w.writeheader()
        w.writerows(rows)


def _row(i: int, town: str, province: str, suffix: str, prec: int, district: str = "") -> dict:
    return {
        "id": i, "year": 2018, "type_of_violence": 1, "side_a": "Government of Afghanistan",
        "side_b": "Taleban", "adm_1": province, "adm_2": district,
        "where_coordinates": f"{town}{suffix}", "where_prec": prec, "date_prec": 1,
        "date_start": "2018-03-01", "date_end": "2018-03-01", "best": 2,
    }  # fmt: skip


@given(
    towns=st.lists(st.sampled_from(TOWNS), min_size=1, max_size=4, unique=True),
    suffix=st.sampled_from(["", " town", " city", " (town)"]),
    level=st.sampled_from([3, 4, 5]),
)
@SETTINGS
def test_a_named_row_keeps_its_sources_precision(use_cache, tmp_path, capsys, towns, suffix, level):
    rows = []
    for i, (town, province) in enumerate(towns):
        rows.append(_row(2 * i, town, province, suffix, 1))  # the place itself
        rows.append(_row(2 * i + 1, town, province, suffix, level))
    src = tmp_path / "ged.csv"
    _write(src, rows)
    out = tmp_path / "placed.csv"
    code, _, err = run(capsys, "geocode", src, "-o", out, "--overwrite")
    assert code == 0, err
    for placed in (pd.read_csv(out), im.geocode(str(src)).frame):
        placed = placed.sort_values("event_id").reset_index(drop=True)
        for k in range(len(towns)):
            at_place, coarse = placed.iloc[2 * k], placed.iloc[2 * k + 1]
            assert at_place["geocode_precision"] == "point"
            assert coarse["province"] == at_place["province"]
            if level == 3:  # the town's district, not its point
                assert coarse["geocode_precision"] == "district"
                assert coarse["district"] == at_place["district"]
                assert "source precision: district" in coarse["geocode_note"]
            else:  # a province, or a part of the country within its stated province
                assert coarse["geocode_precision"] == "province"
                assert pd.isna(coarse["district"])


@pytest.mark.parametrize("district", ["Hirat district", "Hirat"])
def test_a_province_level_row_naming_a_district_stays_at_the_province(
    use_cache, tmp_path, capsys, district
):
    src = tmp_path / "ged.csv"
    _write(src, [_row(1, "", "Herat province", "", 4, district)])
    out = tmp_path / "placed.csv"
    code, _, err = run(capsys, "geocode", src, "-o", out, "--overwrite")
    assert code == 0, err
    row = pd.read_csv(out).iloc[0]
    assert row["geocode_precision"] == "province" and pd.isna(row["district"])
    assert row["province"] == "Herat"
