"""Subtotal and total rows anywhere in an analyst's table: left out, said, never counted.

Spreadsheets exported by analysts carry rows like ``Subtotal Kabul``, ``Total for 2019``,
``Kabul Total``, ``Sum`` or ``Grand total`` between their groups, not only under the table:
counted as incidents they double the tolls. The class is generated (hypothesis): such rows
at any position, in any case, the label in any column (a place or date column too), their
tolls the sum of the rows above, no date or place; CSV and XLSX; through the library and the
command line. A real incident whose text merely says "total" stays one.
"""

from __future__ import annotations

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import incidentmap as im
from tests.conftest import INCIDENTS
from tests.test_cli import run

PROVINCES = ["Kabul", "Balkh", "Herat", "Kandahar", "Nangarhar"]
NOTES = ["IED", "total destruction of the checkpoint", "Total destruction", "Sum of damages"]
ACTORS = ["Taliban", "ISKP", "Total Force"]
#: what a subtotal's cell says: {p} a province of the table, {y} a year of its dates
LABELS = ["Subtotal {p}", "Sub-total {p}", "sub total {p}", "{p} Total", "Total for {y}",
          "Total {y}", "{y} total", "Sum", "Grand total", "TOTAL:", "Totals", "Gesamt",
          "Subtotal ({p})", "Total {p} province", "{y} Total:", "Total {y}-{y}"]  # fmt: skip
CASES = [str, str.upper, str.lower, str.title]
COLUMNS = ["id", "date", "province", "actor", "notes", "fatalities"]


@st.composite
def tables(draw) -> tuple[pd.DataFrame, list[int], list[int]]:
    """Return a table, its incidents' row numbers and its total rows' (1 = the first row)."""
    n = draw(st.integers(2, 9))
    incidents = []
    for i in range(n):
        day = pd.Timestamp("2019-01-01") + pd.Timedelta(days=draw(st.integers(0, 700)))
        incidents.append(
            {
                "id": f"E{i}",
                "date": day.strftime("%Y-%m-%d"),
                "province": draw(st.sampled_from(PROVINCES)),
                "actor": draw(st.sampled_from(ACTORS)),
                "notes": draw(st.sampled_from(NOTES)),
                "fatalities": draw(st.integers(0, 30)),
            }
        )
    if draw(st.booleans()):  # a real incident with no date or place whose notes say total
        at = draw(st.integers(0, n))
        incidents.insert(at, {"id": "E-x", "notes": "Total destruction of a school",
                              "fatalities": draw(st.integers(0, 5))})  # fmt: skip
    positions = sorted(draw(st.lists(st.integers(0, len(incidents)), min_size=1, max_size=4)))
    rows: list[dict] = []
    totals: list[int] = []
    done = 0
    for at in [*positions, None]:
        upto = len(incidents) if at is None else at
        rows += incidents[done:upto]
        done = upto
        if at is None:
            break
        above = incidents[:at]
        seen = [r for r in incidents if r.get("province")]
        label = draw(st.sampled_from(LABELS)).format(
            p=draw(st.sampled_from([r["province"] for r in seen])),
            y=draw(st.sampled_from([r["date"][:4] for r in seen])),
        )
        label = draw(st.sampled_from(CASES))(label)
        where = draw(st.sampled_from(["id", "notes", "actor", "province", "date"]))
        total = dict.fromkeys(COLUMNS) | {where: label}
        total["fatalities"] = sum(r["fatalities"] for r in above)
        rows.append(total)
        totals.append(len(rows))
    table = pd.DataFrame(rows, columns=COLUMNS)
    kept = [i + 1 for i in range(len(rows)) if i + 1 not in totals]
    return table, kept, totals


def _write(table: pd.DataFrame, folder, excel: bool):
    path = folder / ("t.xlsx" if excel else "t.csv")
    if excel:  # dates as Excel dates, labels as text in the same column
        out = table.copy()
        dated = pd.to_datetime(out["date"], format="%Y-%m-%d", errors="coerce")
        out["date"] = out["date"].where(dated.isna(), dated).astype(object)
        out.to_excel(path, index=False)
    else:
        table.to_csv(path, index=False)
    return path


SETTINGS = settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@settings(SETTINGS, max_examples=40)
@given(case=tables(), excel=st.booleans())
def test_subtotal_rows_anywhere_are_left_out_and_said(use_cache, tmp_path_factory, case, excel):
    table, kept, totals = case
    path = _write(table, tmp_path_factory.mktemp("sub"), excel)
    loaded = im.read(path)
    g = loaded.frame
    real = table[~table.index.isin([t - 1 for t in totals])]
    assert sorted(g["row"]) == kept  # every incident, under its own row number
    assert g["fatalities"].sum() == real["fatalities"].sum()  # no toll doubled
    assert sorted(g["notes"].dropna()) == sorted(real["notes"].dropna())
    said = " ".join(str(loaded.report).split())
    for r in totals:  # each named by its row number, as a total or a subtotal row
        assert f"row {r} (" in said or f"row {r} adds up the rows above" in said, (r, said)


@settings(SETTINGS, max_examples=8)
@given(case=tables(), excel=st.booleans())
def test_on_the_command_line_each_subtotal_row_is_named(
    capsys, use_cache, tmp_path_factory, case, excel
):
    table, kept, totals = case
    folder = tmp_path_factory.mktemp("subcli")
    path = _write(table, folder, excel)
    code, _, err = run(capsys, "geocode", path, "-o", folder / "o.csv")
    assert code == 0, err
    assert f"read: {len(kept)} rows" in err
    text = " ".join(err.split())
    last_alone = totals[-1] == len(table) and (len(totals) == 1 or totals[-2] != len(table) - 1)
    for r in totals:
        if r == totals[-1] and last_alone:
            assert f"row {r} adds up the rows above" in text, (r, err)
        else:
            assert f"row {r} (" in text and "subtotal row" in text, (r, err)
    out = pd.read_csv(folder / "o.csv")
    assert len(out) == len(kept) and sorted(out["row"]) == kept


def test_an_incident_saying_total_is_kept(use_cache, tmp_path):
    """Dated or placed, any text; neither, a text naming nothing of the table."""
    rows = [
        ["E1", "2020-01-02", "Kabul", "Total", "Subtotal Kabul", 3],
        ["E2", "", "Herat", "Taliban", "Grand total", 4],
        ["E3", "2020-02-01", "", "ISKP", "Sum", 5],
        ["E4", "", "", "Taliban", "Total destruction of a school", 6],
        ["E5", "", "", "Taliban", "total damage", 7],
    ]
    path = tmp_path / "t.csv"
    pd.DataFrame(rows, columns=COLUMNS).to_csv(path, index=False)
    g = im.read(path).frame
    assert list(g["row"]) == [1, 2, 3, 4, 5] and g["fatalities"].sum() == 25


def test_a_subtotal_in_a_later_block_of_a_large_file_is_said(use_cache, capsys, tmp_path):
    """A large CSV is read block by block: a Subtotal (or the Total under the table) in any
    block but the first was left out without a word; each is said, as a whole read says it."""
    rows = []
    for i in range(3000):
        rows.append({"id": f"E{i}", "date": "2019-03-01", "province": PROVINCES[i % 5],
                     "actor": "Taliban", "notes": "IED " + "x" * 40, "fatalities": 1})  # fmt: skip
        if i == 2000:
            rows.append({"id": "", "date": "", "province": "Subtotal Kabul", "actor": "",
                         "notes": "", "fatalities": 2001})  # fmt: skip
    path = tmp_path / "big.csv"
    pd.DataFrame(rows, columns=COLUMNS).to_csv(path, index=False)
    out = tmp_path / "big.parquet"
    code, _, err = run(capsys, "geocode", path, "-o", out, "--block-mb", "0.05")
    assert code == 0, err
    assert "row 2002" in err and "subtotal" in err.lower(), err
    assert len(pd.read_parquet(out)) == 3000


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    word=st.sampled_from(["Subtotal", "Sub total", "SUBTOTAL", "Grand Total", "Total", "Sum",
                          "total:"]),
    column=st.sampled_from(["notes", "actor"]),
)  # fmt: skip
def test_a_subtotal_that_repeats_its_groups_place_is_left_out(
    tmp_path_factory, capsys, use_cache, word, column
):
    """A hand-made sheet repeats its group's name in the place column and writes the word in
    another (`Kandahar | | 5 | Subtotal`): kept as an incident, the group's toll doubled."""
    folder = tmp_path_factory.mktemp("sub")
    rows = [
        {"id": "E1", "date": "2019-05-01", "province": "Kabul", "actor": "Taliban",
         "notes": "attack", "fatalities": 3},
        {"id": "E2", "date": "2019-05-03", "province": "Kandahar", "actor": "Taliban",
         "notes": "total destruction", "fatalities": 5},
        {"id": "", "date": "", "province": "Kandahar", "actor": "", "notes": "",
         "fatalities": 5},
        {"id": "E3", "date": "", "province": "Herat", "actor": "ISKP",
         "notes": "Total destruction of the school", "fatalities": 2},
    ]  # fmt: skip
    rows[2][column] = word
    src = folder / "t.csv"
    pd.DataFrame(rows, columns=COLUMNS).to_csv(src, index=False)
    got = im.read(src).frame
    assert got["event_id"].tolist() == ["E1", "E2", "E3"]  # the undated incident stays
    out = folder / "a.csv"
    code, _, err = run(capsys, "aggregate", src, "--level", "province", "--period", "none",
                       "-o", out)  # fmt: skip
    assert code == 0, err
    t = pd.read_csv(out).set_index("province")
    assert t.loc["Kandahar", "fatalities"] == 5 and t["incidents"].sum() == 3
    assert "row 3 (" in err and "subtotal row" in err


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    at=st.integers(0, 40),
    case=st.sampled_from(CASES),
    bom=st.booleans(),
    blocks=st.booleans(),
)
def test_a_header_repeated_mid_file_is_left_out(
    tmp_path_factory, capsys, use_cache, at, case, bom, blocks
):
    """Two downloads joined with `cat` repeat the header: it was refused as a bad date (or,
    kept, an unplaced "incident"); left out and said with its row."""
    folder = tmp_path_factory.mktemp("hdr")
    gtd = pd.read_csv(INCIDENTS / "gtd_afg_2004_2009_towns.csv", dtype=str,
                      keep_default_na=False).head(40)  # fmt: skip
    lines = gtd.to_csv(index=False).splitlines()
    again = ("\ufeff" if bom else "") + case(lines[0])
    src = folder / "joined.csv"
    src.write_text("\n".join([*lines[: at + 1], again, *lines[at + 1 :]]) + "\n", "utf-8")
    got = im.read(src).frame
    assert got["event_id"].tolist() == gtd["GTD.ID"].tolist()
    extra = ["--block-mb", "0.002"] if blocks else []
    out = folder / "g.csv"
    code, _, err = run(capsys, "geocode", src, "-o", out, *extra)
    assert code == 0, err
    assert f"1 row repeats the header (row {at + 1})" in err
    assert len(pd.read_csv(out)) == 40
