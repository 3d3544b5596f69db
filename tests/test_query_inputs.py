"""`query` refuses what names no place before reading the file.

An empty `--near` matched every row (52 of 52: no place, no distance); `--within Nangarhar`
(an area's name where a polygon file belongs) failed deep in GDAL ("cannot read as a polygon
layer (Nangarhar: No such file or directory)") without saying `--province`.
"""

from __future__ import annotations

import pytest

import incidentmap as im
from tests.conftest import ROOT
from tests.test_cli import run

SAMPLE = ROOT / "geo" / "sample_incidents.csv"
pytestmark = pytest.mark.usefixtures("use_cache")


@pytest.mark.parametrize("near", ["", "   "])
def test_an_empty_near_is_refused(capsys, near):
    code, out, err = run(capsys, "query", SAMPLE, "--near", near)
    assert code == 2 and out == ""
    assert "Error: --near is empty: give a place, district or province name" in err
    with pytest.raises(im.UsageError, match="`near` is empty"):
        im.query(str(SAMPLE), near=near)


def test_an_area_name_given_as_within_says_province(capsys):
    code, out, err = run(capsys, "query", SAMPLE, "--within", "Nangarhar")
    assert code == 2 and out == ""
    assert "--within Nangarhar: no such file" in err and "--province or --district" in err
    with pytest.raises(im.UsageError, match="`province` or `district`"):
        im.query(str(SAMPLE), within="Nangarhar")
    code, out, _ = run(capsys, "query", SAMPLE, "--province", "Nangarhar", "-f", "csv")
    assert code == 0 and out.count("\n") > 1
