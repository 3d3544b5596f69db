"""Defects an independent review found (issue 27): what a run says, and what it writes."""

from __future__ import annotations

import pytest

from incidentmap.cli import main
from incidentmap.errors import IncidentMapError
from tests.conftest import INCIDENTS, ROOT

SAMPLE = ROOT / "geo" / "sample_incidents.csv"
UCDP = INCIDENTS / "ucdp_ged_afg_realcaddish.geojson"
GTD = INCIDENTS / "gtd_afg_2004_2009_towns.csv"
ACLED = INCIDENTS / "acled_afg_2017on_province_level.xlsx"


def run(capsys, *args):
    with pytest.raises(SystemExit) as exc:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    return exc.value.code, out, err


def test_a_failed_run_says_what_it_read_before_the_error(capsys, use_cache):
    """12: the report of a job that fails travels on the error and is printed before it."""
    from incidentmap.jobs.load import Source
    from incidentmap.jobs.trends import TrendsRequest, run as trends
    from incidentmap.options import Filters

    with pytest.raises(IncidentMapError) as exc:
        trends(TrendsRequest(Source(UCDP), Filters(target=["officials"])))
    lines = exc.value.report.lines()
    assert any(line.startswith("read: ") for line in lines)
    assert any(line.startswith("warning: ") and "officials" in line for line in lines)
    assert any(line.startswith("kept: 0 of ") for line in lines)
    code, out, err = run(capsys, "trends", UCDP, "--target", "officials")
    said = err.splitlines()
    assert code != 0 and said[-1].startswith("Error: ")
    kept = next(line for line in lines if line.startswith("kept: "))
    assert kept in said[:-1] and any(s.startswith("read: ") for s in said[:-1])
    assert any(s.startswith("warning: ") and "officials" in s for s in said)
    code, out, err = run(capsys, "trends", UCDP, "--target", "officials", "-q")
    assert err.count("\n") == 1 and err.startswith("Error: ")
