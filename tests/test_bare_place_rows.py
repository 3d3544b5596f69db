"""A row that states nothing but a place is no record of a publisher (the newcomer's walk).

GTD's extract in ../shared carries, at its row 1,778 (line 1,779), a row blank in every GTD
column but its derived place columns: it was counted as an incident in Kunar. Every record
of ACLED, UCDP GED and GTD has its id and its date; such a row of a publisher's layout is
left out and said, anywhere in the file; a row with anything else (a toll, a type) stays,
and a generic file keeps such rows (an analyst's list may know no more).
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
    kept = [*rows[:where], [*bare[:-1], "1"] if layout != "gtd" else [*bare[:4], "1", *bare[5:]]]
    pd.DataFrame(kept, columns=cols).to_csv(path, index=False)  # a toll: an incident
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
    assert "province only 639" in err
