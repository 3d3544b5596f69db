"""Files that start with comment lines and have no header (issue 16: the war diary).

Generated variants: the comment mark, how many comment lines, whether the last one names
the columns (and in which words), a column counting days from a stated date, delimiters.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from incidentmap.io.incidents import read_incidents_facts
from incidentmap.io.sniff import sniff_commented

SETTINGS = settings(max_examples=40, deadline=None)

_FIRST_DAYS = [
    ("1st January 2004", "2004-01-01"),
    ("2004-01-01", "2004-01-01"),
    ("March 5, 2010", "2010-03-05"),
    ("15 Feb 2019", "2019-02-15"),
]


@SETTINGS
@given(
    mark=st.sampled_from(["%", "#"]),
    extra=st.integers(0, 3),
    named=st.booleans(),
    first=st.sampled_from(_FIRST_DAYS),
    wording=st.sampled_from(
        ["Day number (starting from {d})", "day (day 1 = {d})", "Day count (starting on {d})"]
    ),
    delimiter=st.sampled_from([",", ";", "\t"]),
    days=st.lists(st.integers(1, 2000), min_size=2, max_size=20),
)
def test_comment_lines_name_the_columns_and_the_first_day(
    tmp_path_factory, mark, extra, named, first, wording, delimiter, days
):
    text, iso = first
    lines = [f"{mark} exported by a research script"] * extra
    day_name = wording.format(d=text)
    if named:
        lines.append(f"{mark} Longitude{delimiter} Latitude{delimiter} {day_name}")
    rows = [f"{69.1 + i / 100:.3f}{delimiter}{34.5:.3f}{delimiter}{d}" for i, d in enumerate(days)]
    if not lines:
        lines = [f"{mark} coordinates"]
    path = tmp_path_factory.mktemp("sniff") / "points.csv"
    path.write_text("\n".join([*lines, "", *rows]) + "\n")
    g, facts = read_incidents_facts(path)
    assert len(g) == len(days)  # no row lost to a header, none invented
    assert np.allclose(g.geometry.x, [69.1 + i / 100 for i in range(len(days))], atol=1e-3)
    notes = " ".join(facts.notes)
    assert "no header row" in notes
    if named:
        assert day_name in g.columns and "named from the comment line" in notes
        want = [pd.Timestamp(iso) + dt.timedelta(days=d - 1) for d in days]
        assert list(g["date"]) == want and f"day 1 = {iso}" in notes
    else:  # names guessed from the values; no dates guessed
        assert {"lon", "lat"} <= set(g.columns) and g["date"].isna().all()


@given(
    name=st.sampled_from(
        ["days since 2004-01-01", "Day number (starting from 01/02/2004)", "Day", "c3"]
    )
)
@settings(max_examples=10, deadline=None)
def test_a_first_day_that_can_be_read_two_ways_is_not_taken(name):
    # "days since": day 0 or day 1? 01/02/2004: January or February? Neither is guessed
    layout = sniff_commented(f"% Longitude, Latitude, {name}\n70.1,34.2,5\n")
    assert layout is not None and layout.day_count is None


def test_a_file_with_a_header_after_its_comments_is_not_taken_as_headerless():
    assert sniff_commented("% notes\nlon,lat,day\n70.1,34.2,5\n") is None
    # an HXL hashtag row opening a file is a header, not a comment line
    assert sniff_commented("#geo+lon,#geo+lat\n70.1,34.2\n") is None


def test_options_still_decide(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("% Longitude, Latitude, Day number (starting from 1st January 2004)\n70,34,1\n")
    g, facts = read_incidents_facts(
        path, comment="%", header=False, columns=["lon", "lat", "d"], date="d", day_one="2005-01-01"
    )
    assert g["date"].iloc[0] == pd.Timestamp("2005-01-01")
    assert not any("no header row" in n for n in facts.notes)
