"""``merge`` of real files with their own copies: one file given twice, shuffled, cut, moved.

A source given twice (or one publisher's overlapping downloads) holds the same rows: one
event id and the same compared values. Each such row is one event with its copy, even
where the score alone would leave it (a province-level row of a busy day) for a person.
Copies that moved (points 1-3 km, dates a day later) are left to the score.
"""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import incidentmap as im
from incidentmap.io import read_geocoded
from incidentmap.merge import merge_incidents
from incidentmap.merge.combine import split_ids
from incidentmap.merge.records import event_ids
from incidentmap.pipeline import load_incidents
from tests.conftest import INCIDENTS
from tests.test_cli import run

GTD = INCIDENTS / "gtd_afg_2004_2009_towns.csv"
UCDP = INCIDENTS / "ucdp_ged_afg_realcaddish.geojson"
NASTY = ["D1", "a|b", "a:b", "x\\y", 'q"uote', "it's", "row 3", " 7 ", "7", "E000001", "#2"]


@pytest.fixture(scope="module")
def gtd(cache):
    return load_incidents(GTD)[0]


@pytest.fixture(scope="module")
def ucdp(cache):
    return load_incidents(UCDP)[0]


def _stated(frame: pd.DataFrame) -> pd.Series:
    ids = frame["event_id"].astype(object)
    return ids.notna() & (ids.astype(str).str.strip() != "")


def _events_of(keys: pd.Series) -> list[set[str]]:
    return [set(split_ids(v)) for v in keys.astype(str)]


def _check_counts(result, rows: int) -> None:
    ids = [k for v in result.merged["source_ids"] for k in split_ids(str(v))]
    assert len(ids) == rows == result.rows_in
    assert max(Counter(ids).values()) == 1  # no row counted twice
    assert int(result.merged["n_sources"].sum()) == rows


def test_cli_a_real_file_given_twice_is_one_copy(capsys, use_cache, gtd, tmp_path):
    out, pairs = tmp_path / "self.csv", tmp_path / "pairs.csv"
    code, _, err = run(capsys, "merge", f"a={GTD}", f"b={GTD}", "-o", out, "--pairs", pairs)
    assert code == 0, err
    # every row is one event with its copy, by its id (the extract's one row without an id
    # or a date is no GTD record: left out when read, said)
    assert f"a and b: {len(gtd):,} rows are the same row in both" in err
    assert f"merged: {2 * len(gtd):,} rows in = {len(gtd):,} events out" in err
    assert "row 1778 (Kunar)" in err
    merged = read_geocoded(out)
    assert len(merged) == len(gtd) and (~_stated(gtd)).sum() == 0
    assert all(len(event) == 2 for event in _events_of(merged["source_ids"]))
    table = pd.read_csv(pairs, dtype=str, keep_default_na=False)
    assert (table["decision"] == "review").sum() == 0
    same = table[table["event_id_a"] == table["event_id_b"]]
    assert set(same["decision"]) == {"match"} and len(same) == len(gtd)
    assert "Traceback" not in err


@pytest.mark.parametrize("cut", [0.0, 0.1])
def test_a_shuffled_or_cut_copy_matches_every_row_it_holds(ucdp, gtd, cut):
    for frame in (ucdp, gtd):
        copy = frame.sample(frac=1.0 - cut, random_state=3)
        result = merge_incidents([("a", frame), ("b", copy)])
        _check_counts(result, len(frame) + len(copy))
        held = set(event_ids(copy).tolist())  # with ``row N`` for a blank id
        joined = {frozenset(e) for e in _events_of(result.merged["source_ids"]) if len(e) == 2}
        assert joined == {frozenset({f"a:{e}", f"b:{e}"}) for e in held}
        assert result.same == {"a+b": len(held)}
        assert result.pending == 0


def _moved(frame: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Points 1-3 km away, dates a day later, the same ids: not the same row."""
    rng = np.random.default_rng(seed)
    out = frame.copy()
    km, angle = rng.uniform(1, 3, len(out)), rng.uniform(0, 2 * np.pi, len(out))
    lat = out["latitude"].to_numpy(dtype=float)
    out["longitude"] = out["longitude"] + km * np.cos(angle) / (111.32 * np.cos(np.radians(lat)))
    out["latitude"] = lat + km * np.sin(angle) / 110.57
    out["geometry"] = gpd.points_from_xy(out["longitude"], out["latitude"], crs=out.crs)
    out["date"] = pd.to_datetime(out["date"]) + pd.Timedelta(days=1)
    if "date_end" in out:
        out["date_end"] = pd.to_datetime(out["date_end"]) + pd.Timedelta(days=1)
    return out


def test_a_moved_copy_is_left_to_the_score(ucdp):
    # the rows with a point (34 at the country's centre have none: where_prec 6-7)
    moved = _moved(ucdp, 5)
    pts = ucdp["latitude"].notna().to_numpy()
    ucdp, moved = ucdp[pts].reset_index(drop=True), moved[pts].reset_index(drop=True)
    kept = merge_incidents([("a", ucdp), ("b", moved)])
    renamed = merge_incidents(
        [("a", ucdp), ("b", moved.assign(event_id="J" + moved["event_id"].astype(str)))]
    )
    assert kept.same == {}  # one id, but not the same row: the score decides
    decided = kept.pairs["decision"].value_counts().to_dict()
    assert decided == renamed.pairs["decision"].value_counts().to_dict()
    m = kept.pairs[kept.pairs["decision"] == "match"]
    truth = (m["event_id_a"] == m["event_id_b"]).mean()
    assert truth == 1.0 and len(m) >= 0.95 * len(ucdp)  # precision 1, recall >= 0.95


def _frame_with_ids(base: pd.DataFrame, ids: list[str | None]) -> pd.DataFrame:
    out = base.iloc[: len(ids)].copy().reset_index(drop=True)
    out["event_id"] = pd.Series(ids, dtype=object)
    out["row"] = np.arange(1, len(out) + 1)
    return out


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    ids=st.lists(
        st.one_of(st.sampled_from(NASTY), st.none(), st.text(min_size=1, max_size=6)),
        min_size=1,
        max_size=14,
    ),
    undated=st.lists(st.booleans(), min_size=14, max_size=14),
    seed=st.integers(0, 1000),
)
def test_copies_with_any_ids_hold_every_row_once(gtd, ucdp, ids, undated, seed):
    base = pd.concat([ucdp.iloc[:7], gtd.iloc[:7]], ignore_index=True)
    frame = _frame_with_ids(base, ids)
    frame.loc[np.array(undated[: len(frame)]), "date"] = pd.NaT
    copy = frame.sample(frac=1.0, random_state=seed)
    result = merge_incidents([("a", frame), ("b", copy)])
    _check_counts(result, 2 * len(frame))
    text = frame["event_id"].astype(object)
    stated = _stated(frame)
    once = stated & ~text.where(stated).astype(str).str.strip().duplicated(keep=False)
    events = _events_of(result.merged["source_ids"])
    for event_id in text[once].astype(str).str.strip():
        assert {f"a:{event_id}", f"b:{event_id}"} in events, event_id


def test_cli_undated_rows_given_twice(capsys, use_cache, tmp_path):
    path = tmp_path / "undated.csv"
    path.write_text("event_id,date,latitude,longitude\nU1,,34.52,69.17\nU2,,31.61,65.71\n")
    out = tmp_path / "m.csv"
    code, _, err = run(capsys, "merge", f"a={path}", f"b={path}", "-o", out)
    assert code == 0, err
    merged = pd.read_csv(out, dtype=str)
    assert len(merged) == 2 and set(merged["n_sources"]) == {"2"}
    assert "2 rows are the same row in both" in err
    assert "of which 0 not compared" in err
    assert merged["merge_note"].isna().all()  # matched rows carry no "not compared" note


def _geojson_copy(tmp_path):
    data = json.loads(UCDP.read_text(encoding="utf-8"))
    data["features"] = data["features"][::-1]
    path = tmp_path / "ucdp_reversed.geojson"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_cli_three_sources_with_a_copy(capsys, use_cache, ucdp, gtd, tmp_path):
    out = tmp_path / "three.gpkg"
    copy = _geojson_copy(tmp_path)
    code, _, err = run(capsys, "merge", f"u={UCDP}", f"g={GTD}", f"c={copy}", "-o", out)
    assert code == 0, err
    merged = read_geocoded(out)
    ids = [k for v in merged["source_ids"] for k in split_ids(str(v))]
    assert len(ids) == len(ucdp) * 2 + len(gtd) == len(set(ids))
    events = _events_of(merged["source_ids"])
    for event_id in ucdp["event_id"].astype(str):
        assert any({f"u:{event_id}", f"c:{event_id}"} <= e for e in events)


ACLED = INCIDENTS / "acled_afg_2017on_province_level.xlsx"
WARDIARY = INCIDENTS / "wardiary_points_2004_2009.csv"


def _acled_rows(tmp_path, n: int = 3000):
    """The workbook's first rows as a workbook, and a cut, shuffled copy saved as CSV."""
    rows = pd.read_excel(ACLED, nrows=n, engine="openpyxl")
    book = tmp_path / "acled.xlsx"
    rows.to_excel(book, index=False)
    cut = rows.sample(frac=0.9, random_state=4)
    cut.to_csv(tmp_path / "acled_cut.csv", index=False)
    return book, tmp_path / "acled_cut.csv", len(rows), len(cut)


def test_cli_an_id_less_workbook_and_its_cut_csv_copy(capsys, use_cache, tmp_path):
    # ACLED's province-level workbook has no event id: many rows of a province and a day are
    # equal, each a rival as good as the row's copy; the copy is still found, row for row
    book, copy, n, n_cut = _acled_rows(tmp_path)
    out, pairs = tmp_path / "m.parquet", tmp_path / "p.csv"
    code, _, err = run(capsys, "merge", f"a={book}", f"b={copy}", "-o", out, "--pairs", pairs)
    assert code == 0, err
    assert f"a and b: {n_cut:,} rows are the same row in both" in err
    assert f"merged: {n + n_cut:,} rows in = {n:,} events out" in err
    merged = read_geocoded(out)
    assert len(merged) == n and int(merged["n_sources"].sum()) == n + n_cut
    table = pd.read_csv(pairs, dtype=str, keep_default_na=False)
    assert (table["decision"] == "review").sum() == 0


def _wardiary_head(tmp_path, n: int = 2500):
    lines = WARDIARY.read_text(encoding="utf-8").splitlines()
    head = [x for x in lines if x.startswith("%")]
    body = [x for x in lines if x.strip() and not x.startswith("%")][:n]
    first = tmp_path / "wd.csv"
    first.write_text("\n".join(head + body) + "\n", encoding="utf-8")
    rng = np.random.default_rng(9)
    again = tmp_path / "wd_again.csv"
    again.write_text("\n".join(head + list(rng.permutation(body))) + "\n", encoding="utf-8")
    return first, again, len(body)


def test_cli_the_war_diary_twice_in_its_own_layout(capsys, use_cache, tmp_path):
    first, again, n = _wardiary_head(tmp_path)
    out = tmp_path / "m.geojson"
    code, _, err = run(capsys, "merge", f"a={first}", f"b={again}", "-o", out)
    assert code == 0, err
    merged = read_geocoded(out)
    # every row, placed or not, dated or not, is one event with its copy
    assert len(merged) == n and set(merged["n_sources"].astype(int)) == {2}


def test_two_publishers_are_never_copies(gtd, ucdp):
    result = merge_incidents([("gtd", gtd), ("ucdp", ucdp)])
    assert result.same == {}
    assert "the same row" not in " ".join(result.pairs["reason"])


@pytest.mark.parametrize(("cut", "suffix"), [(0.0, ".csv"), (0.3, ".csv"), (0.5, ".xlsx")])
def test_cli_a_merged_list_with_one_of_its_sources_renamed(
    capsys, use_cache, gtd, ucdp, tmp_path, cut, suffix
):
    merged = tmp_path / "gu.gpkg"
    code, _, err = run(capsys, "merge", f"gtd={GTD}", f"ucdp={UCDP}", "-o", merged)
    assert code == 0, err
    again = (tmp_path / "gtd_again").with_suffix(suffix)
    rows = pd.read_csv(GTD).sample(frac=1 - cut, random_state=1)
    rows.to_csv(again, index=False) if suffix == ".csv" else rows.to_excel(again, index=False)
    out = tmp_path / "twice.csv"
    code, _, err = run(capsys, "merge", f"m={merged}", f"g2={again}", "-o", out)
    assert code == 2 and not out.exists() and "Traceback" not in err
    line = err.strip().splitlines()[-1]
    assert "source 'g2' holds the rows of 'gtd' in the merged list 'm'" in line
    with pytest.raises(im.UsageError, match="holds the rows of 'gtd'"):
        merge_incidents([("m", read_geocoded(merged)), ("g2", gtd)])
    # the list's events UCDP alone reported, and GTD: merged (no GTD row in that list)
    listed = read_geocoded(merged)
    only_ucdp = listed[listed["sources"] == "ucdp"]
    result = merge_incidents([("m", only_ucdp), ("g2", gtd)])
    assert result.rows_in == len(only_ucdp) + len(gtd) and len(only_ucdp) < len(ucdp)


def test_explain_says_a_pair_is_the_same_row(capsys, use_cache, gtd):
    from incidentmap.merge.explain import explain_pair

    first = str(gtd.loc[_stated(gtd), "event_id"].iloc[0])
    other = str(gtd.loc[_stated(gtd), "event_id"].iloc[1])
    code, _, err = run(capsys, "merge", f"a={GTD}", f"b={GTD}",
                       "--explain", f"a:{first}", "--explain", f"b:{first}")  # fmt: skip
    assert code == 0, err
    assert "the same row in both sources" in err and "a match whatever the score" in err
    _, lines = explain_pair({"a": gtd, "b": gtd}, ("a", first), ("b", other))
    assert not any("the same row" in line for line in lines)
    _, lines = explain_pair({"a": gtd, "b": gtd}, ("a", first), ("b", first))
    assert lines[-1].endswith("a match whatever the score")


def test_cli_a_csv_and_its_workbook_copy(capsys, use_cache, gtd, tmp_path):
    # the workbook keeps GTD's ids as number cells: 200401050004.0 is read 200401050004
    book = tmp_path / "gtd.xlsx"
    pd.read_csv(GTD).to_excel(book, index=False)
    out = tmp_path / "m.gpkg"
    code, _, err = run(capsys, "merge", f"csv={GTD}", f"book={book}", "-o", out)
    assert code == 0, err
    assert f"merged: {2 * len(gtd):,} rows in = {len(gtd):,} events out" in err
    assert len(read_geocoded(out)) == len(gtd)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(style=st.sampled_from(["int", "float", "sci", "zeros", "spaces"]), seed=st.integers(0, 99))
def test_a_copy_whose_ids_are_numbers_written_otherwise(ucdp, style, seed):
    def written(e: str) -> str:
        n = int(e)
        return {"int": str(n), "float": f"{n}.0", "sci": f"{Decimal(n):E}", "zeros": f"00{n}",
                "spaces": f" {n} "}[style]  # fmt: skip

    copy = ucdp.assign(event_id=[written(str(e)) for e in ucdp["event_id"]])
    copy = copy.sample(frac=1.0, random_state=seed)
    result = merge_incidents([("a", ucdp), ("b", copy)])
    assert result.same == {"a+b": len(ucdp)} and len(result.merged) == len(ucdp)


def test_cli_two_overlapping_downloads_of_an_id_less_workbook(capsys, use_cache, tmp_path):
    # days 1-3000 and 2001-5000 of the workbook: a third of each is the other's
    rows = pd.read_excel(ACLED, nrows=5000, engine="openpyxl")
    first, second = tmp_path / "early.xlsx", tmp_path / "late.csv"
    rows.iloc[:3000].to_excel(first, index=False)
    rows.iloc[2000:].sample(frac=1.0, random_state=2).to_csv(second, index=False)
    out = tmp_path / "m.csv"
    code, _, err = run(capsys, "merge", f"early={first}", f"late={second}", "-o", out)
    assert code == 0, err
    assert "early and late: 1,000 rows are the same row in both" in err
    assert "merged: 6,000 rows in = 5,000 events out" in err


@settings(max_examples=300, deadline=None)
@given(
    texts=st.lists(
        st.one_of(
            st.text(alphabet="0123456789+-.eE _٣ ", max_size=8),
            st.integers(-(10**50), 10**50).map(str),
            st.sampled_from(["1e999999999", "1E+40", "1" + "0" * 40, "1" + "0" * 41]),
            st.integers(0, 10**12).map(lambda n: f"{n}.0"),
            st.text(max_size=5),
        ),
        max_size=10,
    )
)
def test_id_keys_read_each_number_one_way(texts):
    from incidentmap.merge.same import _number_key, id_keys

    assert id_keys(texts) == [_number_key(t) for t in texts]
