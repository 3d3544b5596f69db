"""The counts a command says add up as a reader reads them (the newcomer's walk).

`query`'s "kept: 6 of 52 rows after the filters" was followed by "1 incident matches": the
place asked was applied in between, unsaid.
"""

from __future__ import annotations

import pytest

import incidentmap as im
from tests.conftest import ROOT
from tests.test_cli import run

pytestmark = pytest.mark.usefixtures("use_cache")
SAMPLE = ROOT / "geo" / "sample_incidents.csv"


def test_query_says_the_place_between_kept_and_matched(capsys):
    args = ["query", SAMPLE, "--actor", "Islamic State", "--min-fatalities", "1", "-f", "csv"]
    code, _, err = run(capsys, *args, "--province", "Nangarhar")
    assert code == 0, err
    kept = int(err.split("kept: ")[1].split(" of")[0])
    assert f"1 incident matches in the place asked, of the {kept} rows kept" in err
    code, _, err = run(capsys, *args)  # no place: the line is the count alone
    assert code == 0 and f"{kept} incidents match\n" in err
    result = im.query(str(SAMPLE), province="Nangarhar", actor="Islamic State", min_fatalities=1)
    assert any("in the place asked" in n.text for n in result.report.notes)
