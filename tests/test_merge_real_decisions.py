"""A pairs file of real files, edited the way a spreadsheet edits it, fed back as decisions.

A spreadsheet reads ids as numbers: GTD's ``200706170001.0`` is saved ``200706170001`` or
``2.00706170001E+11``, UCDP's ``126645`` as ``126645.0``, ``007`` as ``7``. An id that
writes the number of exactly one id of its source is that id; a number rounded for
display (``2.00706E+11``) names no id and is refused in one line.
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import incidentmap as im
from incidentmap.io import read_geocoded
from incidentmap.merge import merge_incidents
from incidentmap.merge.decisions import read_decisions, resolve_numbers
from incidentmap.pipeline import load_incidents
from tests.conftest import INCIDENTS
from tests.test_cli import run

GTD = INCIDENTS / "gtd_afg_2004_2009_towns.csv"
UCDP = INCIDENTS / "ucdp_ged_afg_realcaddish.geojson"


@pytest.fixture(scope="module")
def pairs(cache, tmp_path_factory):
    folder = tmp_path_factory.mktemp("pairs")
    out, path = folder / "m.csv", folder / "pairs.csv"
    job = im.merge(f"gtd={GTD}", f"ucdp={UCDP}", output=out, pairs=path)
    assert job.result is not None
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _as_spreadsheet(table: pd.DataFrame, how: str) -> pd.DataFrame:
    t = table.copy()
    if how == "integers":
        t["event_id_a"] = [str(int(float(x))) for x in t["event_id_a"]]
    elif how == "scientific":
        t["event_id_a"] = [f"{Decimal(x):.11E}" for x in t["event_id_a"]]
    elif how == "floats":
        t["event_id_b"] = [x + ".0" for x in t["event_id_b"]]
    elif how == "apostrophe":  # typed to keep the number as text
        t["event_id_b"] = ["'" + x for x in t["event_id_b"]]
    t["decision"] = t["decision"].str.capitalize()
    return t


@pytest.mark.parametrize("how", ["integers", "scientific", "floats", "apostrophe"])
def test_cli_decisions_with_ids_a_spreadsheet_made_numbers(capsys, use_cache, pairs, tmp_path, how):
    table = _as_spreadsheet(pairs, how)
    undone = pairs.iloc[0]
    table.loc[0, "decision"] = "Different"
    path = tmp_path / "edited.csv"
    # a European spreadsheet: a byte-order mark, semicolons, decimal commas
    # and the empty rows a sheet's export leaves at the end
    text = table.assign(km=table["km"].str.replace(".", ",")).to_csv(
        sep=";", index=False, lineterminator="\r\n"
    )
    blank = ";" * (len(table.columns) - 1) + "\r\n"
    path.write_text(text + blank * 2, encoding="utf-8-sig")
    out = tmp_path / "again.gpkg"
    code, _, err = run(capsys, "merge", f"gtd={GTD}", f"ucdp={UCDP}", "-o", out,
                       "--decisions", path)  # fmt: skip
    assert code == 0, err
    merged = read_geocoded(out)
    keys = {frozenset(s.split("|")) for s in merged["source_ids"]}
    pair = frozenset({f"gtd:{undone.event_id_a}", f"ucdp:{undone.event_id_b}"})
    assert undone.decision == "match" and pair not in keys
    others = pairs.iloc[1:]
    for row in others[others["decision"] == "match"].itertuples():
        assert frozenset({f"gtd:{row.event_id_a}", f"ucdp:{row.event_id_b}"}) in keys


def test_library_decisions_with_ids_as_numbers(cache, pairs):
    gtd, ucdp = load_incidents(GTD)[0], load_incidents(UCDP)[0]
    first = pairs.iloc[0]
    number = str(int(float(first.event_id_a)))
    calls = {("gtd", number, "ucdp", f"{first.event_id_b}.0"): "different"}
    result = merge_incidents([("gtd", gtd), ("ucdp", ucdp)], decisions=calls)
    row = result.pairs[
        (result.pairs["event_id_a"] == first.event_id_a)
        & (result.pairs["event_id_b"] == first.event_id_b)
    ]
    assert list(row["decision"]) == ["different"]


def test_cli_a_rounded_id_is_refused_in_one_line(capsys, use_cache, pairs, tmp_path):
    table = pairs.copy()
    table["event_id_a"] = [f"{float(x):.5E}" for x in table["event_id_a"]]  # 2.00706E+11
    path = tmp_path / "rounded.csv"
    table.to_csv(path, index=False)
    out = tmp_path / "m.csv"
    code, _, err = run(capsys, "merge", f"gtd={GTD}", f"ucdp={UCDP}", "-o", out,
                       "--decisions", path)  # fmt: skip
    assert code == 1 and not out.exists()
    line = err.strip().splitlines()[-1]
    assert "rounded.csv, row 1, column 'event_id_a'" in line and "Traceback" not in err


@settings(max_examples=60, deadline=None)
@given(
    ids=st.lists(st.integers(0, 10**15), min_size=1, max_size=8, unique=True),
    style=st.sampled_from(["int", "float", "sci", "zeros"]),
)
def test_a_number_naming_exactly_one_id_is_that_id(ids, style):
    known = {f"{i}.0" if i % 2 else f"00{i}" for i in ids}
    for i in ids:
        written = f"{i}.0" if i % 2 else f"00{i}"
        shown = {"int": str(i), "float": f"{i}.0", "sci": f"{Decimal(i):E}", "zeros": str(i)}
        calls = {("a", shown[style], "b", "x"): "match"}
        got = resolve_numbers(calls, {"a": known, "b": {"x"}})
        assert list(got) == [("a", written, "b", "x")]


def test_a_number_naming_two_ids_is_not_guessed(tmp_path):
    path = tmp_path / "d.csv"
    pd.DataFrame(
        [
            {
                "source_a": "a",
                "event_id_a": "7",
                "source_b": "b",
                "event_id_b": "x",
                "decision": "match",
            }
        ]
    ).to_csv(path, index=False)
    with pytest.raises(im.InputFileError, match=r"row 1, column 'event_id_a'.*'7' is not"):
        read_decisions(path, {"a": {"007", "7.0"}, "b": {"x"}})
    assert read_decisions(path, {"a": {"007"}, "b": {"x"}}) == {("a", "007", "b", "x"): "match"}


def test_cli_decisions_from_a_workbook_of_numbers(capsys, use_cache, pairs, tmp_path):
    table = pairs.copy()
    table.loc[0, "decision"] = "different"
    table["event_id_a"] = table["event_id_a"].astype(float)  # number cells, as Excel keeps
    table["event_id_b"] = table["event_id_b"].astype(int)
    table["km"] = pd.Timestamp("2004-01-05")  # a column Excel made a date: not read
    path = tmp_path / "pairs.xlsx"
    table.to_excel(path, index=False)
    out = tmp_path / "m.csv"
    code, _, err = run(capsys, "merge", f"gtd={GTD}", f"ucdp={UCDP}", "-o", out,
                       "--decisions", path)  # fmt: skip
    assert code == 0, err
    assert "pairs: " in err and " 1 different" in err


def test_explain_takes_an_id_a_spreadsheet_made_a_number(capsys, use_cache, pairs):
    from incidentmap.merge.explain import explain_pair

    first = pairs.iloc[0]
    number, float_b = str(int(float(first.event_id_a))), f"{first.event_id_b}.0"
    code, _, err = run(capsys, "merge", f"gtd={GTD}", f"ucdp={UCDP}",
                       "--explain", f"gtd:{number}", "--explain", f"ucdp:{float_b}")  # fmt: skip
    assert code == 0, err
    assert f"gtd:{first.event_id_a} and ucdp:{first.event_id_b}:" in err
    rounded = f"{float(first.event_id_a):.5E}"
    code, _, err = run(capsys, "merge", f"gtd={GTD}", f"ucdp={UCDP}",
                       "--explain", f"gtd:{rounded}", "--explain", f"ucdp:{float_b}")  # fmt: skip
    assert code == 2 and f"'{rounded}' is not an event id of gtd" in err
    gtd, ucdp = load_incidents(GTD)[0], load_incidents(UCDP)[0]
    _, lines = explain_pair({"gtd": gtd, "ucdp": ucdp}, ("gtd", number), ("ucdp", float_b))
    assert lines[0].startswith(f"gtd:{first.event_id_a} and ucdp:{first.event_id_b}:")
