"""Count tables count their events, and month columns read every English month name.

HDX's ACLED table (``Country, Admin1, Month, Year, Events, Fatalities``) built from the real
province workbook: its ``Month`` holds ``Sept`` (as the workbook's own ``months`` does), which
was refused, and once read its 3,392 rows were counted as 3,392 incidents for the 69,172
events they hold (a note only said ``--weight``).
"""

from __future__ import annotations

import calendar

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import incidentmap as im
from tests.conftest import INCIDENTS
from tests.test_cli import run

WORKBOOK = INCIDENTS / "acled_afg_2017on_province_level.xlsx"


@pytest.fixture(scope="module")
def workbook() -> pd.DataFrame:
    return pd.read_excel(WORKBOOK, engine="calamine")


@pytest.fixture(scope="module")
def monthly(workbook, tmp_path_factory) -> tuple:
    """HDX's monthly ACLED table of the workbook (with its HXL row, as HDX serves it)."""
    m = (
        workbook.groupby(["adm1_name", "year", "months"])
        .agg(Events=("event_type", "size"), Fatalities=("conflict_fatalities", "sum"))
        .reset_index()
    )
    table = pd.DataFrame({
        "Country": "Afghanistan", "Admin1": m["adm1_name"], "Month": m["months"],
        "Year": m["year"], "Events": m["Events"], "Fatalities": m["Fatalities"],
    })  # fmt: skip
    tags = {"Country": "#country+name", "Admin1": "#adm1+name", "Month": "#date+month",
            "Year": "#date+year", "Events": "#event+count",
            "Fatalities": "#affected+killed"}  # fmt: skip
    folder = tmp_path_factory.mktemp("hdx")
    plain, hxl = folder / "acled_monthly.csv", folder / "acled_monthly_hxl.csv"
    table.to_csv(plain, index=False)
    pd.concat([pd.DataFrame([tags]), table]).to_csv(hxl, index=False)
    return plain, hxl, len(table), len(workbook)


def test_the_workbook_writes_a_month_as_sept(workbook):
    # the class: the real file's own month names, not only January and Jan
    assert "Sept" in set(workbook["months"])


@pytest.mark.parametrize("which", [0, 1], ids=["plain", "hxl"])
def test_a_count_table_counts_its_events(capsys, use_cache, tmp_path, monthly, which):
    src, _, rows, events = monthly[which], None, monthly[2], monthly[3]
    code, _, err = run(capsys, "aggregate", src, "--level", "province", "--period", "year",
                       "-o", tmp_path / "a.csv")  # fmt: skip
    assert code == 0, err
    assert f"{events:,} incidents counted" in err
    assert f"{events:,} incidents in {rows:,} rows" in err and "--weight none" in err
    table = pd.read_csv(tmp_path / "a.csv")
    assert table["incidents"].sum() == events
    # by province and year, the table's counts are the workbook's rows
    wb = pd.read_excel(WORKBOOK, engine="calamine")
    balkh = wb[(wb["adm1_name"] == "Balkh") & (wb["year"] == 2019)]
    got = table[(table["province"] == "Balkh") & (table["period_start"] == "2019-01-01")]
    assert int(got["incidents"].iloc[0]) == len(balkh)
    # `--weight none`: each row one, said
    code, _, err = run(capsys, "aggregate", src, "--level", "province", "--period", "none",
                       "--weight", "none", "-o", tmp_path / "b.csv")  # fmt: skip
    assert code == 0 and f"{rows:,} incidents counted" in err
    assert "each row counts as one incident (--weight none)" in err
    # the library: the same default and the same way out
    result = im.aggregate(src, level="province", period="year")
    assert result.counts["incidents"].sum() == events
    assert (
        im.aggregate(src, level="province", period=None, weight="none").counts["incidents"].sum()
        == rows
    )


def test_a_query_on_a_count_table_says_rows_and_incidents(capsys, use_cache, monthly):
    src = monthly[0]
    code, out, err = run(capsys, "query", src, "--province", "Nangarhar", "--since",
                         "2023-01-01", "--until", "2023-12-31", "-f", "csv")  # fmt: skip
    assert code == 0, err
    rows = pd.read_csv(pd.io.common.StringIO(out))
    assert len(rows) == 12 and f"12 rows ({int(rows['Events'].sum()):,} incidents) match" in err


def test_a_count_column_taken_by_its_name_names_the_way_out(capsys, use_cache, tmp_path):
    src = tmp_path / "c.csv"
    # a blank count: unknown is neither 0 nor 1 (a word would make it no count column)
    src.write_text("date,province,events\n2023-01-05,Balkh,3\n2023-01-06,Kabul,\n")
    code, _, err = run(capsys, "aggregate", src, "-o", tmp_path / "a.csv")
    assert code == 1 and "row 2, column 'events'" in err and "--weight none" in err
    assert err.count("Error:") == 1 and not (tmp_path / "a.csv").exists()
    code, _, err = run(capsys, "aggregate", src, "--weight", "none", "--period", "none",
                       "--level", "province", "-o", tmp_path / "a.csv")  # fmt: skip
    assert code == 0 and "2 incidents counted" in err


def test_a_column_of_ones_is_no_count_table(capsys, use_cache, tmp_path):
    src = tmp_path / "c.csv"
    src.write_text("date,province,events\n2023-01-05,Balkh,1\n2023-01-06,Kabul,1\n")
    code, _, err = run(capsys, "aggregate", src, "--period", "none", "--level", "province",
                       "-o", tmp_path / "a.csv")  # fmt: skip
    assert code == 0 and "2 incidents counted" in err and "weight" not in err


def _forms(i: int) -> list[str]:
    full, abbr = calendar.month_name[i], calendar.month_abbr[i]
    out = [full, abbr, abbr + ".", full.upper(), abbr.lower(), f" {full} "]
    return out + (["Sept", "Sept."] if i == 9 else [])


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(month=st.integers(1, 12), data=st.data(),
       header=st.sampled_from(["Month", "month", "months", "MONTHS"]))  # fmt: skip
def test_a_month_column_reads_every_form_of_a_name(
    capsys, use_cache, tmp_path, month, data, header
):
    form = data.draw(st.sampled_from(_forms(month)))
    src = tmp_path / "m.csv"
    table = {"Year": [2019, 2020], header: [form, "Jan"], "Admin1": ["Balkh", "Kabul"]}
    pd.DataFrame(table).to_csv(src, index=False)
    code, _, err = run(capsys, "geocode", src, "-o", tmp_path / "g.csv", "--overwrite")
    assert code == 0, err
    g = pd.read_csv(tmp_path / "g.csv")
    assert list(g["date"]) == [f"2019-{month:02d}-01", "2020-01-01"]
    assert list(g["date_precision"]) == ["month", "month"]
    assert list(im.read(src).frame["date"].dt.month) == [month, 1]


def test_the_workbook_without_its_dates_keeps_its_months(capsys, use_cache, tmp_path, workbook):
    # sweep F13: `year` + the workbook's own `months` dated to the year only
    src = tmp_path / "pivot.csv"
    workbook.iloc[::97].drop(columns=["date", "event_date"]).to_csv(src, index=False)
    code, _, err = run(capsys, "geocode", src, "-o", tmp_path / "g.csv")
    assert code == 0, err
    g = pd.read_csv(tmp_path / "g.csv")
    assert set(g["date_precision"]) == {"month"}
    want = pd.to_datetime(workbook.iloc[::97]["event_date"]).dt.to_period("M").astype(str)
    assert list(g["date"].str.slice(0, 7)) == list(want)


_NOTES = [
    "Source: ACLED, www.acleddata.com, accessed 2026-03-24",
    "Note: fatality counts are estimates",
    '"Data exported from the ACLED Explorer, 24 March 2026"',
    "Prepared by the analysis cell",
]


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(notes=st.lists(st.sampled_from(_NOTES), min_size=1, max_size=3),
       blank=st.booleans(), crlf=st.booleans(), sep=st.sampled_from([",", ";"]))  # fmt: skip
def test_note_lines_after_the_table_are_left_out_and_named(
    capsys, use_cache, tmp_path, workbook, notes, blank, crlf, sep
):
    # sweep F10: a spreadsheet saved as CSV ends with its notes; the file was refused
    rows = workbook.iloc[::400]
    end = "\r\n" if crlf else "\n"
    text = rows.to_csv(index=False, sep=sep, lineterminator=end)
    text += (end if blank else "") + end.join(n.replace(",", sep) for n in notes) + end
    src = tmp_path / "footer.csv"
    src.write_bytes(text.encode())
    code, _, err = run(capsys, "geocode", src, "-o", tmp_path / "g.csv", "--overwrite")
    assert code == 0, err
    assert len(pd.read_csv(tmp_path / "g.csv")) == len(rows)
    assert "a note after the table, not an incident" in err
    assert notes[-1].replace(",", sep)[:20] in err
    assert len(im.read(src).frame) == len(rows)


@pytest.mark.parametrize(
    "last",
    ["AFG123,Kabul,2020", "12 January 2023,Kabul", "Afghanistan,Kabul"],
    ids=["id-first", "date-first", "one-word"],
)
def test_a_row_cut_short_at_the_end_is_still_refused(capsys, use_cache, tmp_path, workbook, last):
    src = tmp_path / "cut.csv"
    src.write_text(workbook.iloc[::400].to_csv(index=False) + last + "\n")
    code, _, err = run(capsys, "geocode", src, "-o", tmp_path / "g.csv")
    assert code == 1 and "the row is cut short" in err and not (tmp_path / "g.csv").exists()


@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(province=st.sampled_from(["Kabul", "Herat", "Balkh"]), first=st.booleans(),
       same=st.booleans())  # fmt: skip
def test_a_sheet_that_repeats_another_is_not_counted_twice(
    capsys, use_cache, tmp_path, workbook, province, first, same
):
    # sweep F8: `All events` and a `Kabul` sheet of the same rows counted Kabul twice
    rows = workbook.iloc[::60]
    part = rows if same else rows[rows["adm1_name"] == province]
    src = tmp_path / "sheets.xlsx"
    with pd.ExcelWriter(src) as xw:
        sheets = [("All events", rows), (province, part)]
        for name, frame in sheets[::-1] if first else sheets:
            frame.to_excel(xw, sheet_name=name, index=False)
    code, _, err = run(capsys, "aggregate", src, "--level", "province", "--period", "none",
                       "-o", tmp_path / "a.csv", "--overwrite")  # fmt: skip
    assert code == 0, err
    assert f"{len(rows):,} incidents counted" in err
    dropped = "All events" if same and first else province  # of equals, the first is kept
    assert f"sheet {dropped!r} ({len(part):,} rows) repeats rows of sheet" in err
    assert len(im.read(src).frame) == len(rows)
    assert len(im.read(src, sheet=province).frame) == len(part)


def test_sheets_of_other_rows_are_all_read(capsys, use_cache, tmp_path, workbook):
    rows = workbook.iloc[::60]
    src = tmp_path / "years.xlsx"
    with pd.ExcelWriter(src) as xw:
        rows[rows["year"] < 2020].to_excel(xw, sheet_name="to 2019", index=False)
        rows[rows["year"] >= 2020].to_excel(xw, sheet_name="2020 on", index=False)
        # one row in both: rows alike may be events alike (no ids), so both sheets are read
        rows[rows["year"] >= 2020].head(1).to_excel(xw, sheet_name="one more", index=False)
    code, _, err = run(capsys, "aggregate", src, "--level", "province", "--period", "none",
                       "-o", tmp_path / "a.csv")  # fmt: skip
    assert code == 0, err
    # the one-row sheet is wholly in '2020 on', but one row may be an event alike: read, said
    assert "'one more''s 1 rows are all rows of sheet '2020 on' too: read" in err
    assert f"{len(rows) + 1:,} incidents counted" in err


@pytest.mark.parametrize("order", ["%d/%m/%Y", "%m/%d/%Y"], ids=["day-first", "month-first"])
def test_a_first_block_of_days_up_to_12_lets_the_whole_file_decide(
    capsys, use_cache, tmp_path, workbook, order
):
    # sweep F12: geocode (block by block) refused what aggregate (whole) read, when the
    # first block held only a/b dates of 12 or less; now both read the file whole then
    rows = workbook.iloc[::2].rename(columns={"adm1_name": "admin1"})
    rows = rows.assign(late=rows["event_date"].dt.day > 12).sort_values(["late", "event_date"])
    when = rows["event_date"]
    rows = rows.drop(columns=["late", "date", "months"]).assign(
        event_date=when.dt.strftime(order), event_id_cnty=[f"AFG{i}" for i in range(len(rows))]
    )
    src = tmp_path / "ab.csv"
    rows.to_csv(src, index=False)
    assert src.stat().st_size > 2_000_000  # more than two blocks of 1 MB
    code, _, err = run(capsys, "geocode", src, "-o", tmp_path / "g.parquet", "--block-mb", "1")
    assert code == 0, err
    import geopandas as gpd

    got = gpd.read_parquet(tmp_path / "g.parquet")["date"]
    assert list(got.sort_values()) == list(when.sort_values())
    code, _, err = run(capsys, "aggregate", src, "--level", "province", "--period", "none",
                       "-o", tmp_path / "a.csv")  # fmt: skip
    assert code == 0 and f"{len(rows):,} incidents counted" in err


@pytest.mark.parametrize(
    "values",
    [("Clash in the city", "2"), ("IED", "Ambush; 3 killed"), ("yes", "no")],
    ids=["a-word-and-a-number", "words", "flags"],
)
def test_a_column_of_words_named_events_is_no_count(capsys, use_cache, tmp_path, values):
    src = tmp_path / "w.csv"
    pd.DataFrame({"date": ["2023-01-05", "2023-01-06"], "province": ["Balkh", "Kabul"],
                  "Events": list(values)}).to_csv(src, index=False)  # fmt: skip
    code, _, err = run(capsys, "aggregate", src, "--period", "none", "--level", "province",
                       "-o", tmp_path / "a.csv")  # fmt: skip
    assert code == 0 and "2 incidents counted" in err and "weight" not in err


@pytest.mark.parametrize("codes", ["blank", "some"], ids=["pcodes-blank", "pcodes-some"])
def test_a_pcode_column_left_blank_leaves_the_names_to_place(capsys, use_cache, tmp_path, codes):
    # HDX's ACLED tables carry `Admin1 Pcode`; left blank, it replaced the names: every one
    # of 3,392 rows unplaced, then "no year holds any of the dated rows"
    names = ["Nangarhar", "Kabul", "Paktia", "Balkh"]
    pcode = ["AF06", "", "", ""] if codes == "some" else [""] * 4
    src = tmp_path / "p.csv"
    pd.DataFrame({"Admin1": names, "Admin1 Pcode": pcode, "Month": "March", "Year": 2023,
                  "Events": [3, 2, 5, 1]}).to_csv(src, index=False)  # fmt: skip
    code, _, err = run(capsys, "aggregate", src, "--level", "province", "--period", "year",
                       "-o", tmp_path / "a.csv")  # fmt: skip
    assert code == 0, err
    assert "unplaced 0" in err and "11 incidents counted" in err
    table = pd.read_csv(tmp_path / "a.csv")
    got = table[table["incidents"] > 0].set_index("province")["incidents"].to_dict()
    assert got == {"Nangarhar": 3, "Kabul": 2, "Paktia": 5, "Balkh": 1}
    assert ("p-codes" in err) == (codes == "some")
    assert list(im.read(src).frame["province"]) == names
