"""A date column's "Unknown" means the date is not known: the row is undated, not refused.

Codebooks write "Unknown", "UNK", "not known", "n.d.", "?" or "-" where no date is known.
Such a row was refused as a bad date ("expected a date ..., got 'Unknown'"), the whole
file with it. It is now undated, as a blank is: kept, counted among the rows with no date.
In a text column (GTD's perpetrator) "Unknown" stays a value.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import incidentmap as im
from incidentmap.io.dates import parse_dates
from incidentmap.io.values import Problems
from tests.test_cli import run

TOKENS = ["unknown", "Unknown", "UNKNOWN", "UNK", "unk", "not known", "Not Known", "n.d.",
          "N.D.", "?", "-", "--", "no date", "undated"]  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(
    token=st.sampled_from(TOKENS),
    pad=st.sampled_from(["", " ", "\u00a0", "\t"]),
    upper=st.booleans(),
    days=st.lists(st.integers(0, 3000), min_size=1, max_size=6),
    at=st.integers(0, 6),
)
def test_a_not_known_word_in_a_date_column_is_no_date(token, pad, upper, days, at):
    texts = [str(pd.Timestamp("2015-01-01") + pd.Timedelta(days=d))[:10] for d in days]
    word = pad + (token.upper() if upper else token) + pad
    at = min(at, len(texts))
    texts.insert(at, word)
    values = pd.Series(texts, dtype="object")
    problems = Problems("f.csv", np.arange(1, len(values) + 1), "error")
    dates, precision = parse_dates(values, "date", problems)
    assert pd.isna(dates.iloc[at]) and precision.iloc[at] is None
    others = [i for i in range(len(values)) if i != at]
    assert dates.iloc[others].notna().all()
    assert (dates.iloc[others].dt.strftime("%Y-%m-%d").tolist()) == [texts[i] for i in others]
    # the row is undated, not refused: its note says why, and the column's line counts it
    assert list(problems.notes) == [at]
    assert problems.notes[at][0].endswith("says the date is not known: undated")
    assert problems.kept["date"][0] == 1 and problems.kept["date"][3] == "dates"


@pytest.mark.parametrize("token", ["Unknown", "UNK", "unk", "not known", "n.d.", "?", "-"])
def test_the_command_line_keeps_the_row_undated(capsys, use_cache, tmp_path, token):
    src = tmp_path / "in.csv"
    pd.DataFrame(
        {
            "date": ["2023-05-10", token, "2023-06-02"],
            "latitude": [34.5, 34.5, 34.5],
            "longitude": [69.2, 69.2, 69.2],
            "actor1": ["Taliban", "Unknown", "Unknown"],
        }
    ).to_csv(src, index=False)
    code, out, err = run(capsys, "aggregate", src, "--period", "month", "-o", tmp_path / "a.csv")
    assert code == 0, err
    assert "1 row has no date: counted in no month" in err
    assert pd.read_csv(tmp_path / "a.csv")["incidents"].sum() == 2
    code, out, err = run(capsys, "query", src, "-f", "csv")
    assert code == 0, err
    rows = pd.read_csv(pd.io.common.StringIO(out))
    assert len(rows) == 3 and rows["date"].isna().sum() == 1
    # "Unknown" in a text column is a value: the perpetrator is unknown, not missing
    assert (rows["actor"] == "Unknown").sum() == 2
    g = im.read(src).frame
    assert g["date"].isna().tolist() == [False, True, False]
    assert g["actor"].tolist() == ["Taliban", "Unknown", "Unknown"]


def test_a_word_that_is_no_date_is_still_refused(capsys, use_cache, tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("date,latitude,longitude\n2023-05-10,34.5,69.2\nsoon,34.5,69.2\n")
    code, _, err = run(capsys, "query", src, "-f", "csv")
    assert code != 0
    assert err.startswith("Error:") and "row 2, column 'date'" in err and "'soon'" in err
    assert "Traceback" not in err


def test_a_geocoded_file_reads_the_word_back_as_no_date(capsys, use_cache, tmp_path):
    src, placed = tmp_path / "in.csv", tmp_path / "placed.csv"
    src.write_text("date,latitude,longitude\n2023-05-10,34.5,69.2\n2023-05-11,34.5,69.2\n")
    code, _, err = run(capsys, "geocode", src, "-o", placed)
    assert code == 0, err
    written = pd.read_csv(placed, dtype=str, keep_default_na=False)
    written.loc[1, "date"] = "Unknown"  # an analyst's edit in a spreadsheet
    written.to_csv(placed, index=False)
    code, _, err = run(capsys, "aggregate", placed, "--period", "month", "-o", tmp_path / "a.csv")
    assert code == 0, err
    assert "1 row has no date" in err


def test_a_workbook_column_of_date_cells_and_words():
    """Excel gives date cells, serial numbers and text in one column: the words are no date."""
    import datetime as dt

    values = pd.Series([dt.datetime(2020, 1, 2), "Unknown", 43000, " n.d. ", "UNK"], dtype=object)
    problems = Problems("f.xlsx", np.arange(1, 6), "error")
    dates, precision = parse_dates(values, "date", problems)
    assert dates.isna().tolist() == [False, True, False, True, True]
    assert precision.tolist() == ["day", None, "day", None, None]
    assert dates.iloc[2] == pd.Timestamp("1899-12-30") + pd.Timedelta(days=43000)
