"""``merge``'s decisions as one statement, ids said twice, and its edges (issue 26, classes 1-3).

Small generated sources (a few events at real Afghan places, each reported by two or three
sources) whose ids, decisions and spellings hypothesis varies: through the command line
(``incidentmap merge``) and the library (``im.merge``, ``merge_incidents``).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import incidentmap as im
from incidentmap.merge import merge_incidents
from incidentmap.merge.combine import split_ids
from incidentmap.merge.decisions import read_decisions
from incidentmap.merge.explain import explain_pair
from incidentmap.pipeline import load_incidents
from tests.test_cli import run

#: real places far apart (Kabul, Kandahar, Mazar, Jalalabad, Herat, Kunduz, Ghazni, Khost)
PLACES = [(34.52, 69.17), (31.61, 65.71), (36.70, 67.11), (34.43, 70.45), (34.35, 62.20),
          (36.73, 68.86), (33.55, 68.42), (33.34, 69.92)]  # fmt: skip
SLOW = settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _source(folder: Path, name: str, ids: list[str], shift: float = 0.0) -> Path:
    """One source: the k-th id at the k-th place on the k-th day (shifted a little)."""
    rows = [
        {"event_id": e, "date": f"2019-03-{k + 1:02d}", "latitude": PLACES[k][0] + shift,
         "longitude": PLACES[k][1] + shift, "fatalities": k}
        for k, e in enumerate(ids)
    ]  # fmt: skip
    path = folder / f"{name}.csv"
    pd.DataFrame(rows, columns=["event_id", "date", "latitude", "longitude", "fatalities"]).to_csv(
        path, index=False
    )
    return path


def _decisions(path: Path, rows: list[tuple[str, str, str, str, str]]) -> Path:
    cols = ["source_a", "event_id_a", "source_b", "event_id_b", "decision"]
    pd.DataFrame(rows, columns=cols).to_csv(path, index=False)
    return path


def _events(merged: pd.DataFrame) -> set[frozenset[str]]:
    return {frozenset(split_ids(s)) for s in merged["source_ids"]}


# ---------------------------------------------------------------------------------------
# class 1: a decisions file is one statement
# ---------------------------------------------------------------------------------------

_IDS_A = [f"A{k}" for k in range(1, 6)]
_IDS_B = [f"B{k}" for k in range(1, 6)]
_IDS_C = [f"C{k}" for k in range(1, 6)]


@st.composite
def _bad_calls(draw):
    """Valid calls on other rows, and one contradiction or impossibility: (rows, both rows)."""
    k, m = draw(st.sampled_from([(0, 1), (1, 2), (2, 3), (3, 4), (4, 0)]))
    a, b, c = _IDS_A[k], _IDS_B[k], _IDS_C[k]
    kinds = ["both_sides", "one_source", "inside_match", "review_inside"]
    kind = draw(st.sampled_from(kinds))
    bad = {
        "both_sides": ([("a", a, "b", b, "match"), ("b", b, "a", a, "different")], ("a:", "b:")),
        "one_source": ([("a", a, "a", _IDS_A[m], "match")], (f"a:{a}", f"a:{_IDS_A[m]}")),
        "inside_match": ([("a", a, "b", b, "match"), ("b", b, "c", c, "match"),
                          ("c", c, "a", a, "different")], (f"a:{a}", f"c:{c}")),
        # rows that matches join are one event: a review between them is refused too
        "review_inside": ([("a", a, "b", b, "match"), ("a", a, "c", c, "match"),
                           ("b", b, "c", c, "review")], (f"b:{b}", f"c:{c}")),
    }[kind]  # fmt: skip
    free = [x for x in range(5) if x not in (k, m)]
    noise = [("a", _IDS_A[x], "c", _IDS_C[x], draw(st.sampled_from(["match", "review", ""])))
             for x in draw(st.lists(st.sampled_from(free), unique=True, max_size=2))]  # fmt: skip
    rows = draw(st.permutations(noise + bad[0]))
    return rows, bad[1]


@pytest.fixture(scope="module")
def three(cache, tmp_path_factory):
    os.environ["INCIDENTMAP_CACHE_DIR"] = str(cache)
    folder = tmp_path_factory.mktemp("three")
    paths = {
        "a": _source(folder, "a", _IDS_A),
        "b": _source(folder, "b", _IDS_B, 0.01),
        "c": _source(folder, "c", _IDS_C, -0.01),
    }
    frames = {n: load_incidents(p)[0] for n, p in paths.items()}
    return paths, frames


@SLOW
@given(calls=_bad_calls())
def test_decisions_that_cannot_all_hold_are_refused_naming_both_rows(
    calls, three, capsys, use_cache
):
    paths, frames = three
    rows, (first, second) = calls
    with tempfile.TemporaryDirectory() as tmp:
        file = _decisions(Path(tmp) / "calls.csv", rows)
        out = Path(tmp) / "m.csv"
        args = [f"{n}={p}" for n, p in paths.items()]
        code, _, err = run(capsys, "merge", *args, "-o", out, "--decisions", file, "-q")
        assert code == 1, err
        assert "calls.csv, row" in err and first in err and second in err
        assert "Traceback" not in err and not out.exists()
        with pytest.raises(im.InputFileError, match="row"):
            read_decisions(file)
    # the library, given the same calls as a dict, refuses them too (naming both rows)
    calls_dict = {r[:4]: r[4] for r in rows if r[4]}
    if len(calls_dict) == len([r for r in rows if r[4]]):  # a dict cannot hold one key twice
        with pytest.raises(im.UsageError) as caught:
            merge_incidents(frames, decisions=calls_dict)
        assert first in str(caught.value) and second in str(caught.value)


@SLOW
@given(
    which=st.sampled_from(["source", "id_a", "id_b"]),
    text=st.text(st.characters(codec="ascii", categories=["L", "N"]), min_size=1, max_size=6),
)
def test_library_refuses_decisions_naming_rows_it_does_not_have(which, text, three):
    _, frames = three
    key = {
        "source": ("x" + text, "A1", "b", "B1"),
        "id_a": ("a", "Z" + text, "b", "B1"),
        "id_b": ("a", "A1", "b", "Z" + text),
    }[which]
    with pytest.raises(im.UsageError, match="is not"):
        merge_incidents(frames, decisions={key: "match"})


def test_a_valid_statement_is_applied_as_a_whole(three, capsys, use_cache, tmp_path):
    paths, _ = three
    file = _decisions(tmp_path / "ok.csv", [
        ("a", "A1", "b", "B1", "different"), ("b", "B2", "a", "A2", "different"),
        ("a", "A3", "c", "C3", "match"), ("c", "C3", "a", "A3", "match"),
    ])  # fmt: skip
    out = tmp_path / "m.csv"
    args = [f"{n}={p}" for n, p in paths.items()]
    code, _, err = run(capsys, "merge", *args, "-o", out, "--decisions", file, "-q")
    assert code == 0, err
    events = _events(pd.read_csv(out))
    assert not any({"a:A1", "b:B1"} <= e or {"a:A2", "b:B2"} <= e for e in events)
    assert any({"a:A3", "c:C3"} <= e for e in events)


# ---------------------------------------------------------------------------------------
# class 2: an id said twice in a source
# ---------------------------------------------------------------------------------------

#: ids as sources write them: said twice, blank, a ``row N`` a blank is named, and the
#: separators of ``source_ids`` and ``source:event_id`` (``|``, ``:``, ``\``), quotes,
#: inner spaces, a spreadsheet-risky start, other scripts
_ID = st.one_of(
    st.sampled_from(["D1", "D2", "row 2", "row 3", "", "7", "D1#2", "x|y", "k:1", "a\\|b",
                     "'+93", 'say "hi"', "it's", "a b", "کابل:۱", "|", "x||y"]),
    st.text(st.sampled_from("ab|:\\'\" #ک"), min_size=1, max_size=4).map(str.strip)
    .filter(lambda t: t and not t.startswith(("#", '"'))),
)  # fmt: skip


@SLOW
@given(ids=st.lists(_ID, min_size=2, max_size=6), flip=st.integers(0, 5))
@example(ids=["x|y", "k:1", "a\\|b", "'+93", "x|y"], flip=0)
def test_ids_said_twice_are_named_apart_and_the_pairs_file_feeds_back(ids, flip, capsys, use_cache):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        a = _source(folder, "a", ids)
        b = _source(folder, "b", [f"X{k}" for k in range(len(ids))], 0.005)
        out, pairs = folder / "m.csv", folder / "p.csv"
        code, _, err = run(capsys, "merge", f"a={a}", f"b={b}", "-o", out, "--pairs", pairs)
        assert code == 0, err
        given_ids = [i if i else f"row {k + 1}" for k, i in enumerate(ids)]
        twice = len(set(given_ids)) < len(given_ids)
        assert ("said on several rows" in err) == twice
        merged = pd.read_csv(out, dtype=str, keep_default_na=False)
        keys = pd.Series([k for v in merged["source_ids"] for k in split_ids(v)])
        assert keys.is_unique and len(keys) == 2 * len(ids)  # every row named once
        assert (merged["n_sources"].astype(int) == [len(split_ids(v)) for v in
                                                    merged["source_ids"]]).all()  # fmt: skip
        # the names keep the file's id before the last '#'
        names = sorted(k[2:] for k in keys if k.startswith("a:"))
        stems = sorted(n if n in given_ids else n.rsplit("#", 1)[0] for n in names)
        assert stems == sorted(given_ids)
        # the pairs file merge wrote is taken back, and a call reaches exactly its row
        table = pd.read_csv(pairs, dtype=str, keep_default_na=False)
        assert len(table) == len(ids)
        row = flip % len(table)
        table.loc[row, "decision"] = "different"
        table.to_csv(folder / "calls.csv", index=False)
        out2 = folder / "m2.csv"
        code, _, err = run(
            capsys, "merge", f"a={a}", f"b={b}", "-o", out2, "--decisions", folder / "calls.csv"
        )
        assert code == 0, err
        undone = frozenset(
            {f"a:{table.loc[row, 'event_id_a']}", f"b:{table.loc[row, 'event_id_b']}"}
        )
        after = _events(pd.read_csv(out2, dtype=str, keep_default_na=False))
        assert undone not in after
        assert after == (_events(merged) - {undone}) | {frozenset({x}) for x in undone}


def test_library_names_ids_said_twice(use_cache, tmp_path):
    a = _source(tmp_path, "a", ["D1", "D1", "", "row 3"])
    b = _source(tmp_path, "b", ["X1", "X2", "X3", "X4"], 0.005)
    run_ = im.merge(f"a={a}", f"b={b}", output=tmp_path / "m.csv")
    assert run_.result is not None
    assert run_.result.renamed == {"a": {"D1": ["D1", "D1#2"], "row 3": ["row 3", "row 3#2"]}}
    keys = {k for v in run_.result.merged["source_ids"] for k in split_ids(v)}
    assert {"a:D1", "a:D1#2", "a:row 3", "a:row 3#2"} <= keys  # the blank is not the real id
    assert any(n.code == "duplicate_ids" for n in run_.report.notes)


# ---------------------------------------------------------------------------------------
# class 3: merge's edges
# ---------------------------------------------------------------------------------------


@SLOW
@given(
    columns=st.sampled_from(
        [
            ["event_id", "date", "latitude", "longitude"],
            ["event_id", "date", "province"],
            ["id", "event_date", "lat", "lon", "fatalities"],
        ]
    ),
    first=st.booleans(),
)
def test_a_source_with_no_rows_is_said_not_a_type_error(columns, first, capsys, use_cache):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        empty = folder / "empty.csv"
        empty.write_text(",".join(columns) + "\n", encoding="utf-8")
        full = _source(folder, "full", ["F1", "F2"])
        srcs = [f"e={empty}", f"f={full}"] if first else [f"f={full}", f"e={empty}"]
        out = folder / "m.csv"
        code, _, err = run(capsys, "merge", *srcs, "-o", out)
        assert code == 2 and "Traceback" not in err, err
        assert f"source 'e' ({empty}) has no rows: nothing of it to merge" in err
        assert not out.exists()
        frame = load_incidents(full)[0]
        with pytest.raises(im.UsageError, match="has no rows"):
            merge_incidents({"f": frame, "e": frame.iloc[:0]})
        with pytest.raises(im.UsageError, match="has no rows"):
            im.merge(("f", frame), ("e", frame.iloc[:0]), output=folder / "m2.csv")


@SLOW
@given(spelling=st.sampled_from(["same", "dot", "updown", "link"]))
def test_output_and_pairs_naming_one_file_are_refused_before_writing(
    spelling, three, capsys, use_cache
):
    ext = ".csv"  # `pairs` is a .csv: one file for both is a .csv
    paths, _ = three
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "sub").mkdir()
        out = folder / f"x{ext}"
        other = {
            "same": out, "dot": Path(f"{folder}/./x{ext}"),
            "updown": folder / "sub" / ".." / f"x{ext}", "link": folder / f"link{ext}",
        }[spelling]  # fmt: skip
        if spelling == "link":
            out.write_text("", encoding="utf-8")
            other.symlink_to(out)
            out.unlink()
        code, _, err = run(
            capsys, "merge", f"a={paths['a']}", f"b={paths['b']}", "-o", out, "--pairs", other
        )
        assert code == 2 and "name one file" in err, err
        assert not out.exists()


def test_explain_is_checked_before_the_other_files_are_read(three, capsys, use_cache, tmp_path):
    paths, _ = three
    broken = tmp_path / "broken.csv"
    broken.write_bytes(b"\x00\x01 not a table \xff" * 10)
    # a source not among the inputs: refused before any file is read
    code, _, err = run(
        capsys, "merge", f"a={paths['a']}", f"z={broken}", "--explain", "q:1", "--explain", "a:A1"
    )
    assert code == 2 and "'q' is not one of the sources (a, z)" in err, err
    # an id the first source does not have: refused once that source is read
    code, _, err = run(
        capsys, "merge", f"a={paths['a']}", f"z={broken}", "--explain", "a:NOPE",
        "--explain", "z:1",
    )  # fmt: skip
    assert code == 2 and "'NOPE' is not an event id of a" in err, err


_RISKY = st.sampled_from(["=", "+", "-", "@"])


@SLOW
@given(
    starts=st.lists(_RISKY, min_size=2, max_size=4),
    digits=st.lists(st.integers(0, 999), min_size=4, max_size=4, unique=True),
)
def test_a_csv_safe_pairs_file_feeds_back(starts, digits, capsys, use_cache):
    ids = [f"{s}{d}" for s, d in zip(starts, digits, strict=False)]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        a = _source(folder, "a", ids)
        b = _source(folder, "b", [f"X{k}" for k in range(len(ids))], 0.005)
        out, pairs = folder / "m.csv", folder / "p.csv"
        args = [f"a={a}", f"b={b}"]
        code, _, err = run(capsys, "merge", *args, "-o", out, "--pairs", pairs, "--csv-safe")
        assert code == 0, err
        table = pd.read_csv(pairs, dtype=str, keep_default_na=False)
        assert table["event_id_a"].str.startswith("'").all()  # written spreadsheet-safe
        table.loc[0, "decision"] = "different"
        table.to_csv(folder / "calls.csv", index=False)
        out2 = folder / "m2.csv"
        code, _, err = run(capsys, "merge", *args, "-o", out2, "--decisions", folder / "calls.csv")
        assert code == 0, err
        undone = frozenset({f"a:{table.loc[0, 'event_id_a'][1:]}",
                            f"b:{table.loc[0, 'event_id_b']}"})  # fmt: skip
        assert undone not in _events(pd.read_csv(out2, dtype=str, keep_default_na=False))


@SLOW
@given(ext=st.sampled_from([".csv", ".gpkg", ".geojson"]), third_first=st.booleans())
def test_a_merged_list_merged_again_keeps_its_sources(ext, third_first, three, capsys, use_cache):
    paths, _ = three
    with tempfile.TemporaryDirectory() as tmp:
        first = Path(tmp) / f"ab{ext}"
        code, _, err = run(capsys, "merge", f"a={paths['a']}", f"b={paths['b']}", "-o", first)
        assert code == 0, err
        again = Path(tmp) / "abc.csv"
        srcs = [f"ab={first}", f"c={paths['c']}"]
        code, _, err = run(capsys, "merge", *(srcs[::-1] if third_first else srcs), "-o", again)
        assert code == 0, err
        merged = pd.read_csv(again, dtype=str)
        events = _events(merged)
        for k in range(5):
            assert frozenset({f"a:A{k + 1}", f"b:B{k + 1}", f"c:C{k + 1}"}) in events
        assert {"a_event_id", "b_event_id", "c_event_id"} <= set(merged.columns)
        assert set(merged["a_event_id"]) == set(_IDS_A)
        assert (merged["n_sources"].astype(int) == 3).all()
        assert set(merged["sources"].str.split("|").explode()) == {"a", "b", "c"}
        # a source already inside the merged list is refused, not counted twice
        code, _, err = run(capsys, "merge", f"ab={first}", f"b={paths['b']}", "-o",
                           Path(tmp) / "x.csv")  # fmt: skip
        assert code == 2 and "'b' is also in the merged list 'ab'" in err


def test_shapefile_output_prints_the_names_it_cut(three, capsys, use_cache, tmp_path):
    paths, _ = three
    out = tmp_path / "x.shp"
    code, _, err = run(capsys, "merge", f"a={paths['a']}", f"b={paths['b']}", "-o", out)
    assert code == 0, err
    assert "fatalities_high -> fatalitie1" in err


_SEPARATED = st.lists(
    st.text(st.sampled_from("ab|:\\' \"ک+="), min_size=1, max_size=5)
    .map(str.strip).filter(lambda t: t and not t.startswith('"')),
    min_size=5, max_size=5, unique=True,
)  # fmt: skip


@SLOW
@given(ids=_SEPARATED, ext=st.sampled_from([".csv", ".gpkg"]))
@example(ids=["x|y", "k:1", "a\\|b", "|", "p q"], ext=".gpkg")
@example(ids=["'=", "=", ":", "::", "\\"], ext=".csv")  # a real '= is no csv-safe quote
def test_ids_holding_the_separators_round_trip_through_a_merged_list(
    ids, ext, three, capsys, use_cache
):
    """An id with ``|``, ``:`` or ``\\`` stays one id: n_sources of a list merged again."""
    paths, frames = three
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        p = _source(folder, "p", ids)
        first, again = folder / f"pb{ext}", folder / "pbc.csv"
        code, _, err = run(capsys, "merge", f"p={p}", f"b={paths['b']}", "-o", first, "-q")
        assert code == 0, err
        code, _, err = run(capsys, "merge", f"pb={first}", f"c={paths['c']}", "-o", again, "-q")
        assert code == 0, err
        merged = pd.read_csv(again, dtype=str, keep_default_na=False)
        want = {frozenset({f"p:{e}", f"b:B{k + 1}", f"c:C{k + 1}"}) for k, e in enumerate(ids)}
        assert _events(merged) == want
        assert (merged["n_sources"].astype(int) == 3).all()
        assert set(merged["p_event_id"]) == set(ids)
        # the library: the merged frame merged again
        frame = load_incidents(p)[0]
        pb = merge_incidents({"p": frame, "b": frames["b"]}).merged
        pbc = merge_incidents({"pb": pb, "c": frames["c"]}).merged
        assert _events(pbc) == want and (pbc["n_sources"] == 3).all()


@SLOW
@given(
    starts=st.lists(_RISKY, min_size=5, max_size=5),
    digits=st.lists(st.integers(0, 999), min_size=5, max_size=5, unique=True),
)
def test_a_csv_safe_merged_list_reads_back_as_written(starts, digits, three, capsys, use_cache):
    ids = [f"{s}{d}" for s, d in zip(starts, digits, strict=True)]
    paths, frames = three
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        a = _source(folder, "a", ids)
        first, again = folder / "ab.csv", folder / "abc.csv"
        code, _, err = run(
            capsys, "merge", f"a={a}", f"b={paths['b']}", "-o", first, "--csv-safe", "-q"
        )
        assert code == 0, err
        written = pd.read_csv(first, dtype=str, keep_default_na=False)
        assert written["a_event_id"].str.startswith("'").all()  # written spreadsheet-safe
        code, _, err = run(capsys, "merge", f"ab={first}", f"c={paths['c']}", "-o", again, "-q")
        assert code == 0, err
        merged = pd.read_csv(again, dtype=str, keep_default_na=False)
        assert set(merged["a_event_id"]) == set(ids)
        want = {frozenset({f"a:{e}", f"b:B{k + 1}", f"c:C{k + 1}"}) for k, e in enumerate(ids)}
        assert _events(merged) == want
        # the library, given the list as read from the file, reads it the same way
        ab = load_incidents(first)[0]
        out = merge_incidents({"ab": ab, "c": frames["c"]}).merged
        assert set(out["a_event_id"]) == set(ids)


@SLOW
@given(k=st.integers(0, 4), m=st.integers(0, 4), source=st.sampled_from(["a", "b"]))
def test_explaining_two_rows_of_one_source_says_they_are_never_a_pair(
    k, m, source, three, capsys, use_cache
):
    paths, frames = three
    ids = {"a": _IDS_A, "b": _IDS_B}[source]
    if k == m:
        m = (k + 1) % 5
    first, second = f"{source}:{ids[k]}", f"{source}:{ids[m]}"
    args = [f"a={paths['a']}", f"b={paths['b']}", "--explain", first, "--explain", second]
    code, _, err = run(capsys, "merge", *args)
    assert code == 0, err
    assert "a source's rows are never a pair" in err and "no decision pairs them" in err
    assert "a decision can still match them" not in err and "score alone" not in err
    _, lines = explain_pair(frames, (source, ids[k]), (source, ids[m]))
    assert "a source's rows are never a pair" in lines[-1]
    assert not any("a decision can still match them" in x for x in lines)


@SLOW
@given(n_a=st.integers(1, 5), n_b=st.integers(1, 5), months=st.integers(2, 9))
def test_sources_with_no_pair_at_all_merge_to_every_row_alone(n_a, n_b, months, capsys, use_cache):
    """No candidate between two sources (months apart): every row alone, not a crash."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        a = _source(folder, "a", [f"A{k}" for k in range(n_a)])
        b = folder / "b.csv"
        pd.DataFrame(
            {"event_id": [f"B{k}" for k in range(n_b)], "date": f"2019-{months + 3:02d}-01",
             "latitude": 34.52, "longitude": 69.17}
        ).to_csv(b, index=False)  # fmt: skip
        out = folder / "m.csv"
        code, _, err = run(capsys, "merge", f"a={a}", f"b={b}", "-o", out)
        assert code == 0, err
        assert f"merged: {n_a + n_b:,} rows in = {n_a + n_b:,} events out" in err
        result = merge_incidents({"a": load_incidents(a)[0], "b": load_incidents(b)[0]})
        assert len(result.merged) == n_a + n_b and result.pairs.empty


def _near_source(folder: Path, name: str, shift: float, day: int, fatalities: int) -> Path:
    path = folder / f"{name}.csv"
    pd.DataFrame(
        [{"event_id": f"{name.upper()}1", "date": f"2019-03-{day:02d}",
          "latitude": 34.52 + shift, "longitude": 69.17 + shift, "fatalities": fatalities}]
    ).to_csv(path, index=False)  # fmt: skip
    return path


@SLOW
@given(
    shift=st.sampled_from([0.005, 0.01, 0.015, 0.02, 0.03]),
    day_c=st.integers(1, 2),
    tolls=st.sampled_from([(3, 3), (1, 9), (2, 4)]),
    call=st.sampled_from(["", "review"]),
)
@example(shift=0.015, day_c=2, tolls=(3, 3), call="")
@example(shift=0.015, day_c=2, tolls=(3, 3), call="review")
def test_no_row_is_both_in_one_event_and_pending_with_a_row_of_it(
    shift, day_c, tolls, call, capsys, use_cache
):
    """A review between rows of one event cannot be: the score's is a match, a person's parts."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        paths = {
            "a": _near_source(folder, "a", 0.0, 1, sum(tolls) // 2),
            "b": _near_source(folder, "b", shift, 1, tolls[0]),
            "c": _near_source(folder, "c", -shift, day_c, tolls[1]),
        }
        args = [f"{n}={p}" for n, p in paths.items()]
        decided = [("b", "B1", "c", "C1", call)] if call else []
        file = _decisions(folder / "calls.csv", decided)
        out, pairs = folder / "m.csv", folder / "p.csv"
        extra = ["--decisions", file] if call else []
        code, _, err = run(capsys, "merge", *args, "-o", out, "--pairs", pairs, *extra)
        assert code == 0, err
        events = _events(pd.read_csv(out, dtype=str))
        table = pd.read_csv(pairs, dtype=str)
        # a pair of sources with no pair wrote no empty part that garbles the others
        assert set(table["source_a"]) | set(table["source_b"]) <= {"a", "b", "c"}
        frames = {n: load_incidents(p)[0] for n, p in paths.items()}
        result = merge_incidents(frames, decisions={d[:4]: d[4] for d in decided})
        assert _events(result.merged) == events
        pending = 0
        for row in table[table["decision"] == "review"].itertuples():
            one, two = f"{row.source_a}:{row.event_id_a}", f"{row.source_b}:{row.event_id_b}"
            assert not any({one, two} <= e for e in events), (one, two, events)
            pending += 1
        if call:  # the person's review keeps the two rows apart, as in two sources
            assert not any({"b:B1", "c:C1"} <= e for e in events)
        held = {e for e in events for key in _review_keys(table) if key in e}
        assert result.pending == len(held) and (pending == 0) == (result.pending == 0)


def _review_keys(table: pd.DataFrame) -> set[str]:
    r = table[table["decision"] == "review"]
    return set(r["source_a"] + ":" + r["event_id_a"]) | set(r["source_b"] + ":" + r["event_id_b"])


@SLOW
@given(ids=_SEPARATED)
@example(ids=["x|y", "k:1", "a\\|b", "|", "p q"])
def test_the_notes_of_a_row_reach_it_whatever_its_id_holds(ids, three, capsys, use_cache):
    """``merge_note`` is found by the row's own id, not by cutting ``source_ids`` at ``|``."""
    paths, frames = three
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        p = folder / "p.csv"
        pd.DataFrame({"event_id": ids, "date": "", "latitude": 34.52, "longitude": 69.17}).to_csv(
            p, index=False
        )
        out = folder / "m.csv"
        code, _, err = run(capsys, "merge", f"p={p}", f"b={paths['b']}", "-o", out, "-q")
        assert code == 0, err
        merged = pd.read_csv(out, dtype=str, keep_default_na=False)
        mine = merged[merged["sources"] == "p"]
        assert sorted(mine["merge_note"]) == sorted(f"p:{e} not compared: no date" for e in ids)
        result = merge_incidents({"p": load_incidents(p)[0], "b": frames["b"]})
        notes = result.merged.loc[result.merged["sources"] == "p", "merge_note"]
        assert sorted(notes) == sorted(f"p:{e} not compared: no date" for e in ids)
