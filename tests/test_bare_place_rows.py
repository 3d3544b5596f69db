"""A row that states nothing but a place is no record of a publisher (the newcomer's walk).

GTD's extract in ../shared carries, at its row 1,778 (line 1,779), a row blank in every GTD
column but its derived place columns: it was counted as an incident in Kunar. Every record
of ACLED, UCDP GED and GTD has its date and its type; such a row of a publisher's layout,
with perhaps a toll (a group's subtotal without the word), is left out and said, anywhere in
the file; a row with anything else (a type, an actor) stays, and a generic file keeps such
rows (an analyst's list may know no more).
"""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import incidentmap as im
from tests.conftest import INCIDENTS
from tests.test_cli import run

pytestmark = pytest.mark.usefixtures("use_cache")

LAYOUTS = {
    "acled": (["event_id_cnty", "event_date", "event_type", "actor1", "admin1", "fatalities"],
              lambda i: [f"AFG{i}", "2023-03-09", "Battles", "Taliban", "Kabul", "1"],
              ["", "", "", "", "Kunar", ""]),
    "ucdp": (["id", "date_start", "date_end", "side_a", "side_b", "adm_1", "where_prec", "best"],
             lambda i: [str(100 + i), "2019-03-09", "2019-03-09", "Government of Afghanistan",
                        "Taleban", "Kunar province", "4", "2"],
             ["", "", "", "", "", "Kunar province", "", ""]),
    "gtd": (["GTD.ID", "DATE", "CITY", "PERPETRATOR.1", "FATALITIES", "ATTACK.TYPE.1",
             "TARGET.TYPE.1", "Province"],
            lambda i: [f"20070623{i:04d}", "2007-06-23", "Asadabad", "Taliban", "1",
                       "Armed Assault", "Police", "Kunar"],
            ["", "", "", "", "", "", "", "Kunar"]),
}  # fmt: skip


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(layout=st.sampled_from(sorted(LAYOUTS)), n=st.integers(2, 8), at=st.data())
def test_a_bare_place_row_of_a_publisher_is_left_out_and_said(tmp_path, layout, n, at):
    cols, record, bare = LAYOUTS[layout]
    rows = [record(i) for i in range(n)]
    where = at.draw(st.integers(0, n))
    rows.insert(where, bare)
    path = tmp_path / f"{layout}.csv"
    pd.DataFrame(rows, columns=cols).to_csv(path, index=False)
    read = im.read(str(path))
    assert len(read.frame) == n
    said = " ".join(n.text for n in read.report.notes)
    assert f"row {where + 1} (Kunar" in said and "nothing but a place" in said
    # a toll beside the place (a group's subtotal without the word): still no record
    toll = cols.index({"acled": "fatalities", "ucdp": "best", "gtd": "FATALITIES"}[layout])
    tolled = [*bare[:toll], "55", *bare[toll + 1 :]]
    pd.DataFrame([*rows[:where], tolled, *rows[where:]], columns=cols).to_csv(path, index=False)
    read = im.read(str(path))
    said = " ".join(n.text for n in read.report.notes)
    assert len(read.frame) == n and f"row {where + 1} (Kunar" in said and "55)" in said
    # a type or an actor beside it: an incident the publisher knows little of, kept
    typed = cols.index({"acled": "event_type", "ucdp": "side_a", "gtd": "ATTACK.TYPE.1"}[layout])
    kept = [*rows[:where], [*bare[:typed], record(0)[typed], *bare[typed + 1 :]]]
    pd.DataFrame(kept, columns=cols).to_csv(path, index=False)
    assert len(im.read(str(path)).frame) == where + 1


def test_a_generic_file_keeps_a_row_that_knows_only_its_province(tmp_path, capsys):
    path = tmp_path / "list.csv"
    pd.DataFrame({"id": ["A1", ""], "date": ["2023-03-09", ""], "province": ["Kabul", "Kunar"]}
                 ).to_csv(path, index=False)  # fmt: skip
    code, _, err = run(capsys, "geocode", path, "-o", tmp_path / "out.csv")
    assert code == 0 and "read: 2 rows" in err and "nothing but a place" not in err


def test_the_gtd_extracts_artefact_row_is_left_out(tmp_path, capsys):
    src = INCIDENTS / "gtd_afg_2004_2009_towns.csv"
    if not src.exists():
        pytest.skip("GTD file not present")
    code, _, err = run(capsys, "geocode", src, "-o", tmp_path / "gtd.csv")
    assert code == 0, err
    assert "1 row with no event id, no date and nothing but a place" in err
    assert "row 1778 (Kunar)" in err and "read: 1,782 rows" in err
    # 638: "Dara-i-Noor Valley" (Nangarhar) is the district Dara-I-Nur by the words of its
    # name (sweep 37); it stayed at the province before
    assert "province only 638" in err


def test_a_workbook_of_acleds_rows_without_ids_leaves_its_group_rows_out(tmp_path, capsys):
    """ACLED's province workbook has no id column: a group's heading (`Kabul`) and its
    subtotal without the word (`Herat | 55`) were counted as incidents, the 55 twice."""
    src = INCIDENTS / "acled_afg_2017on_province_level.xlsx"
    if not src.exists():
        pytest.skip("ACLED workbook not present")
    a = pd.read_excel(src, engine="calamine").iloc[::97].head(400).reset_index(drop=True)
    heading = pd.DataFrame([{"adm1_name": "Kabul"}])
    subtotal = pd.DataFrame([{"country": "Afghanistan", "adm1_name": "Herat",
                              "conflict_fatalities": 55}])  # fmt: skip
    path = tmp_path / "groups.xlsx"
    pd.concat([a.iloc[:150], heading, a.iloc[150:300], subtotal, a.iloc[300:]]).to_excel(
        path, index=False
    )
    out = tmp_path / "t.csv"
    code, _, err = run(capsys, "aggregate", path, "--level", "province", "--period", "none",
                       "-o", out)  # fmt: skip
    assert code == 0, err
    t = pd.read_csv(out)
    assert t["incidents"].sum() == 400
    assert t["fatalities"].sum() == a["conflict_fatalities"].sum()
    assert "row 151 (Kabul)" in err and "row 302 (Herat, 55)" in err
