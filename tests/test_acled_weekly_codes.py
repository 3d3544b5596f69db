"""ACLED's aggregated weekly rows take their category and actors from ACLED's own codes.

A weekly row's `sub_event_type` "Suicide bomb" is a suicide attack by ACLED's codebook; it
was `explosive/IED` by keyword matching, since the `acled_weekly` layout had no entry in the
taxonomies; the page's title names ACLED as its source.
"""

from __future__ import annotations

import pandas as pd
import pytest

from incidentmap.render.data import default_title
from incidentmap.render.style import MapStyle
from tests.test_cli import run
from tests.test_unseen_layouts import WEEKLY

pytestmark = pytest.mark.usefixtures("use_cache")


def test_weekly_rows_are_categorised_by_acleds_codes(capsys, tmp_path):
    src, out = tmp_path / "weekly.csv", tmp_path / "placed.csv"
    WEEKLY.to_csv(src, index=False)
    code, _, err = run(capsys, "geocode", src, "-o", out)
    assert code == 0 and "preset acled_weekly" in err, err
    placed = pd.read_csv(out)
    by_type = dict(zip(placed["sub_event_type"], placed["category"], strict=True))
    assert by_type["Suicide bomb"] == "suicide attack"
    assert by_type["Armed clash"] == "armed attack/clash"
    import incidentmap as im

    g = im.read(src).frame
    assert default_title(g, MapStyle(level="province", period="week")).startswith("ACLED,")


@pytest.mark.parametrize("asked", ["events", "Events", "EVENTS"])
def test_weight_names_a_column_as_other_options_do(capsys, tmp_path, asked):
    """ACLED's upper-case export has `EVENTS`: `--weight events` was refused ("no column
    'events'") while every other column option folds case and punctuation."""
    import incidentmap as im

    src = tmp_path / "weekly.csv"
    t = WEEKLY.copy()
    t.columns = [c.upper() for c in t.columns]
    t.to_csv(src, index=False)
    code, _, err = run(capsys, "trends", src, "--weight", asked)
    assert code == 0, err
    assert "each row counts as its 'EVENTS' value: 11 incidents in 4 rows" in err
    loaded = im.read(str(src), weight=asked)
    assert loaded.frame["EVENTS"].sum() == 11
