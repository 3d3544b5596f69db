"""Report-style spreadsheets: merged cells, and notes after the table (sweep s36 W6, L1, U2).

Built from the real files in ../shared/data/incidents:

* W6: a workbook that merges the province (or the date) down over its group of rows kept
  the value in the first row of each group only: 967 of 1,000 rows unplaced, said as "no
  place names"; 750 rows undated.
* L1: a note under a sheet's table in its first cell (``Source: GTD, START``) became an
  incident (502 rows for 500 GTD incidents).
* U2: six note lines, a note starting ``2026 (c) ACLED`` and a source line with more fields
  than half the header's were refused as "the row is cut short".
"""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import incidentmap as im
from incidentmap.io.lines import cut_note_rows
from incidentmap.io.sheets import merged_ranges
from tests.conftest import INCIDENTS
from tests.test_cli import run

WORKBOOK = INCIDENTS / "acled_afg_2017on_province_level.xlsx"
GTD = INCIDENTS / "gtd_afg_2004_2009_towns.csv"
NOTES = [
    "Source: ACLED, www.acleddata.com, accessed 2026-03-24",
    "Note: fatality counts are estimates",
    "2026 (c) ACLED, all rights reserved",
    "Data: event counts by province",
    "Licence: ACLED terms of use",
    "Contact: analyst@example.org",
    "Prepared by: the analysis unit",
]
SLOW = settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module")
def acled() -> pd.DataFrame:
    return pd.read_excel(WORKBOOK, engine="calamine", nrows=300)  # the real workbook's first


def _merged_workbook(path, frame: pd.DataFrame, column: str, title: int, sheets: int) -> int:
    """Write ``frame`` sorted by ``column``, that column merged down each group; return merges."""
    data = frame.sort_values([column], kind="stable").reset_index(drop=True)
    book = openpyxl.Workbook()
    book.remove(book.active)
    parts = [data.iloc[i::sheets].sort_values([column], kind="stable") for i in range(sheets)]
    at = list(data.columns).index(column) + 1
    merges = 0
    for k, part in enumerate(parts):
        ws = book.create_sheet(f"part{k + 1}")
        for t in range(title):
            ws.append([f"ACLED events, report page {t + 1}"])
        ws.append(list(data.columns))
        first = ws.max_row + 1
        for row in part.itertuples(index=False):
            ws.append([v.to_pydatetime() if isinstance(v, pd.Timestamp) else v for v in row])
        values = part[column].tolist()
        start = 0
        for i in range(1, len(values) + 1):
            if i == len(values) or values[i] != values[start]:
                if i - start > 1:
                    ws.merge_cells(
                        start_row=first + start, end_row=first + i - 1,
                        start_column=at, end_column=at,
                    )  # fmt: skip
                    merges += 1
                start = i
    book.save(path)
    return merges


@SLOW
@given(
    column=st.sampled_from(["adm1_name", "event_date", "event_type"]),
    step=st.integers(1, 3), title=st.integers(0, 2), sheets=st.integers(1, 2),
)  # fmt: skip
def test_merged_cells_give_their_value_to_every_row_of_the_range(
    capsys, use_cache, tmp_path, acled, column, step, title, sheets
):
    frame = acled.iloc[::step].reset_index(drop=True)
    src = tmp_path / "merged.xlsx"
    merges = _merged_workbook(src, frame, column, title, sheets)
    assert merges  # the real rows share provinces, days and types
    read = im.read(src).frame
    assert len(read) == len(frame)
    want = frame[column].astype(str).value_counts().sort_index()
    got = read[column].astype(str).value_counts().sort_index()
    if column == "event_date":
        got = pd.to_datetime(read[column]).astype(str).value_counts().sort_index()
    assert got.to_dict() == want.to_dict()
    said = [str(n) for n in im.read(src).report.notes]
    assert any(f"{merges} merged cell ranges filled" in n for n in said)
    out = tmp_path / "agg.csv"
    code, _, err = run(capsys, "aggregate", src, "--level", "province", "--period", "none",
                       "-o", out, "--overwrite")  # fmt: skip
    assert code == 0, err
    assert f"{merges} merged cell ranges filled" in err and f"column {column!r} {merges}" in err
    assert f"{len(frame):,} incidents counted" in err and "unplaced 0" in err
    assert "have no date" not in err


def test_a_merged_title_and_group_header_are_not_filled_into_the_table(tmp_path, acled):
    src = tmp_path / "titled.xlsx"
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["ACLED events in Afghanistan"])
    ws.append(["Event", None, None, None, "Where"])
    ws.append(list(acled.columns))
    for row in acled.itertuples(index=False):
        ws.append([v.to_pydatetime() if isinstance(v, pd.Timestamp) else v for v in row])
    ws.merge_cells("A1:I1")
    ws.merge_cells("A2:D2")
    book.save(src)
    assert (0, 0, 0, 8) in merged_ranges(src, ws.title)
    read = im.read(src)
    assert len(read.frame) == len(acled)
    assert read.frame["country"].eq("Afghanistan").all()
    assert not any("merged cell" in str(n) for n in read.report.notes)


def test_the_real_workbook_reads_as_before(acled):
    # no merged range in the real workbook: nothing filled, nothing said
    assert merged_ranges(WORKBOOK, "ACLED Data_2026-03-24") == []


@SLOW
@given(n_notes=st.integers(1, 4), blank=st.booleans(), gtd=st.booleans())
def test_notes_under_a_sheets_table_are_left_out_and_named(
    capsys, use_cache, tmp_path, acled, n_notes, blank, gtd
):
    frame = pd.read_csv(GTD, nrows=200, dtype=str) if gtd else acled
    src = tmp_path / "foot.xlsx"
    frame.to_excel(src, index=False)
    book = openpyxl.load_workbook(src)
    ws = book.active
    row = ws.max_row + (2 if blank else 1)
    for k, note in enumerate(NOTES[:n_notes]):
        ws.cell(row + k, 1, note)
    book.save(src)
    read = im.read(src).frame
    assert len(read) == len(frame)
    code, _, err = run(capsys, "geocode", src, "-o", tmp_path / "g.csv", "--overwrite")
    assert code == 0, err
    assert len(pd.read_csv(tmp_path / "g.csv")) == len(frame)
    assert "a note after the table, not an incident" in err and NOTES[n_notes - 1][:30] in err


def _csv(frame: pd.DataFrame, sep: str, crlf: bool) -> str:
    return frame.to_csv(index=False, sep=sep, lineterminator="\r\n" if crlf else "\n")


@SLOW
@given(
    n_notes=st.integers(1, 7), crlf=st.booleans(), sep=st.sampled_from([",", ";", "\t"]),
    first=st.sampled_from([0, 2]), many=st.booleans(),
)  # fmt: skip
def test_note_lines_beyond_the_old_rule_are_left_out(
    capsys, use_cache, tmp_path, acled, n_notes, crlf, sep, first, many
):
    # more than 5 lines, a year first, a source line with more fields than half the header's
    notes = NOTES[first:] + NOTES[:first]
    notes = notes[:n_notes]
    if many:
        notes[-1] = sep.join(["Source: ACLED", "Armed Conflict", "Event Data", "accessed",
                              "2026-03-24", "CC BY-NC", "v2"])  # fmt: skip
    end = "\r\n" if crlf else "\n"
    src = tmp_path / "foot.csv"
    src.write_bytes((_csv(acled, sep, crlf) + end.join(notes) + end).encode())
    assert len(im.read(src).frame) == len(acled)
    code, _, err = run(capsys, "geocode", src, "-o", tmp_path / "g.csv", "--overwrite")
    assert code == 0, err
    assert len(pd.read_csv(tmp_path / "g.csv")) == len(acled)
    assert "cut short" not in err and repr(notes[-1][:40])[:-1] in err


def test_more_note_lines_than_the_rule_takes_are_named_in_one_error_line(
    capsys, use_cache, tmp_path, acled
):
    src = tmp_path / "foot.csv"
    notes = [f"Note {k}: see the report" for k in range(12)]
    src.write_text(acled.to_csv(index=False) + "\n".join(notes) + "\n")
    code, _, err = run(capsys, "geocode", src, "-o", tmp_path / "g.csv")
    assert code == 1 and not (tmp_path / "g.csv").exists()
    assert "the last 12 lines look like notes after the table" in err
    assert "cut short" not in err and "Traceback" not in err
    with pytest.raises(im.InputFileError, match="look like notes"):
        im.read(src)


@pytest.mark.parametrize(
    "last", ["AFG123,Kabul,2020", "12 January 2023,Kabul", "Afghanistan,Kabul", "Jan 2023,Kabul"]
)
def test_a_row_cut_short_at_the_end_is_still_refused(capsys, use_cache, tmp_path, acled, last):
    src = tmp_path / "cut.csv"
    src.write_text(acled.to_csv(index=False) + last + "\n")
    code, _, err = run(capsys, "geocode", src, "-o", tmp_path / "g.csv")
    assert code == 1 and "the row is cut short" in err


@SLOW
@given(n_notes=st.integers(1, 4), crlf=st.booleans(), sep=st.sampled_from([",", ";"]))
def test_padded_note_lines_in_a_gtd_csv_are_not_incidents(
    capsys, use_cache, tmp_path, n_notes, crlf, sep
):
    # sweep L1: Excel pads every row to the full width: GTD layout read 502 rows for 500
    frame = pd.read_csv(GTD, nrows=200, dtype=str)
    end = "\r\n" if crlf else "\n"
    notes = [n.replace(",", ";") if sep == "," else n for n in NOTES[:n_notes]]
    notes = [n + sep * (frame.shape[1] - 1 - n.count(sep)) for n in notes]  # Excel's padding
    src = tmp_path / "g_padded.csv"
    src.write_bytes((_csv(frame, sep, crlf) + end.join(notes) + end).encode())
    assert len(im.read(src).frame) == 200
    code, _, err = run(capsys, "geocode", src, "-o", tmp_path / "g.csv", "--overwrite")
    assert code == 0 and len(pd.read_csv(tmp_path / "g.csv")) == 200
    assert "a note after the table, not an incident" in err


@pytest.mark.parametrize("padded", [True, False])
def test_cut_note_rows_leaves_out_padded_notes_of_a_table_read_whole(tmp_path, padded):
    # the helper for readers that parse the whole file at once (Arrow's): GTD's real rows
    lines = GTD.read_text().splitlines()[:201]
    width = len(lines[0].split(","))
    notes = ["Source: GTD; START", "Note: tolls as reported"]
    src = tmp_path / "g.csv"
    pad = "," * (width - 1) if padded else ""
    src.write_text("\n".join([*lines, *(n + pad for n in notes)]) + "\n")
    frame = pd.read_csv(src, dtype=str, keep_default_na=padded)  # short rows padded: NaN
    assert len(frame) == 202
    kept, said = cut_note_rows(frame, str(src))
    assert len(kept) == 200 and kept.equals(frame.iloc[:200])
    assert len(said) == 1 and "the last 2 lines are a note" in said[0]
    assert "'Note: tolls as reported'" in said[0]
    one_row = frame.iloc[[0, 200]]  # a table of one row and a note: the note only goes
    assert len(cut_note_rows(one_row, str(src))[0]) == 1
