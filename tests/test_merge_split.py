"""One incident a source split in two rows: a person's two ``match``es make it one event.

UCDP GED reports a clash that ACLED keeps as one event as two rows (the toll split between
them, as its codebook's "event" is one side-pair on one day): a person who sees it calls
both rows a ``match`` with ACLED's row. Before, that statement was refused ("a row is
matched to at most one row of each other source") and the incident counted twice. Through
the command line and the library, with two and three sources.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import incidentmap as im
from incidentmap.merge import merge_incidents
from incidentmap.merge.combine import split_ids
from incidentmap.pipeline import load_incidents
from tests.test_cli import run

_SLOW = settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
#: Nad Ali (Helmand) and Jalalabad
_NAD_ALI, _JALALABAD = (31.62, 64.23), (34.43, 70.45)


def _write(folder: Path, name: str, rows: list[tuple]) -> Path:
    cols = ["event_id", "date", "latitude", "longitude", "fatalities", "notes"]
    path = folder / f"{name}.csv"
    pd.DataFrame(rows, columns=cols).to_csv(path, index=False)
    return path


def _sources(folder: Path, first: int, second: int) -> dict[str, Path]:
    """ACLED: one clash (first + second dead) and one other event; UCDP: the clash in two rows."""
    lat, lon = _NAD_ALI
    acled = _write(folder, "acled", [
        ("AFG1", "2019-05-04", lat, lon, first + second, "clash in Nad Ali"),
        ("AFG2", "2019-05-20", *_JALALABAD, 3, "IED in Jalalabad"),
    ])  # fmt: skip
    ucdp = _write(folder, "ucdp", [
        ("101", "2019-05-04", lat + 0.01, lon, first, "Taleban vs government | north"),
        ("102", "2019-05-04", lat, lon + 0.01, second, "Taleban vs government, south"),
        ("103", "2019-05-20", *_JALALABAD, 3, "IS attack"),
    ])  # fmt: skip
    return {"acled": acled, "ucdp": ucdp}


def _calls(path: Path, rows: list[tuple[str, str, str, str, str]]) -> Path:
    cols = ["source_a", "event_id_a", "source_b", "event_id_b", "decision"]
    pd.DataFrame(rows, columns=cols).to_csv(path, index=False)
    return path


_SPLIT = [("acled", "AFG1", "ucdp", "101", "match"), ("acled", "AFG1", "ucdp", "102", "match")]


def _the_clash(merged: pd.DataFrame) -> pd.Series:
    hit = [k for k, v in enumerate(merged["source_ids"]) if "acled:AFG1" in split_ids(str(v))]
    assert len(hit) == 1
    return merged.iloc[hit[0]]


@_SLOW
@given(first=st.integers(0, 30), second=st.integers(0, 30), flip=st.booleans())
def test_a_split_incident_is_one_event_through_the_cli(
    first, second, flip, tmp_path_factory, capsys, use_cache
):
    folder = tmp_path_factory.mktemp("split")
    paths = _sources(folder, first, second)
    rows = [(b, y, a, x, d) for a, x, b, y, d in _SPLIT] if flip else _SPLIT  # either side
    calls = _calls(folder / "calls.csv", rows)
    out = folder / "merged.csv"
    args = [f"{n}={p}" for n, p in paths.items()]
    code, printed, err = run(capsys, "merge", *args, "-o", out, "--decisions", calls)
    assert code == 0, err
    merged = pd.read_csv(out, dtype={"ucdp_event_id": str})
    # 5 rows in, 2 events: the clash (three rows) and the Jalalabad IED
    assert len(merged) == 2, printed
    clash = _the_clash(merged)
    assert set(split_ids(clash["source_ids"])) == {"acled:AFG1", "ucdp:101", "ucdp:102"}
    assert clash["sources"] == "acled|ucdp" and clash["n_sources"] == 2
    assert split_ids(clash["ucdp_event_id"]) == ["101", "102"]
    # UCDP's toll for the incident is its two rows added; the floor and the top agree
    assert clash["ucdp_fatalities"] == first + second
    assert clash["fatalities"] == first + second == clash["fatalities_high"]
    # a "|" inside one row's text is escaped, so the two notes read back apart
    assert split_ids(clash["ucdp_notes"]) == [
        "Taleban vs government | north",
        "Taleban vs government, south",
    ]
    pairs = folder / "pairs.csv"
    code, _, err = run(capsys, "merge", *args, "-o", folder / "m2.csv", "--pairs", pairs,
                       "--decisions", calls)  # fmt: skip
    assert code == 0, err
    table = pd.read_csv(pairs, dtype=str)
    called = table[table["event_id_a"] == "AFG1"].set_index("event_id_b")["decision"]
    assert called.get("101") == "match" and called.get("102") == "match"


def test_a_split_incident_is_one_event_in_the_library(tmp_path, use_cache):
    paths = _sources(tmp_path, 4, 2)
    frames = {n: load_incidents(p)[0] for n, p in paths.items()}
    calls = {r[:4]: r[4] for r in _SPLIT}
    result = merge_incidents(frames, decisions=calls)
    assert len(result.merged) == 2
    clash = _the_clash(result.merged)
    assert clash["ucdp_fatalities"] == 6 and clash["fatalities"] == 6
    assert result.counts["ucdp"]["merged"] == 3  # 101, 102 and 103 are each in an event of two
    # the job a notebook runs gives the same events
    file = _calls(tmp_path / "calls.csv", _SPLIT)
    job = im.merge(
        f"acled={paths['acled']}",
        f"ucdp={paths['ucdp']}",
        decisions=file,
        output=tmp_path / "m.csv",
    )
    assert sorted(job.result.merged["source_ids"]) == sorted(result.merged["source_ids"])
    # without the person's calls the score never joins two rows of one source
    alone = merge_incidents(frames)
    for v in alone.merged["source_ids"]:
        keys = split_ids(str(v))
        assert len({k.split(":")[0] for k in keys}) == len(keys)


def test_a_split_holds_with_a_third_source_and_a_different_stays_apart(tmp_path, use_cache):
    paths = _sources(tmp_path, 5, 5)
    lat, lon = _NAD_ALI
    paths["gtd"] = _write(tmp_path, "gtd", [("G1", "2019-05-04", lat, lon, 10, "clash")])
    frames = {n: load_incidents(p)[0] for n, p in paths.items()}
    calls = {r[:4]: r[4] for r in _SPLIT}
    result = merge_incidents(frames, decisions=calls)
    clash = _the_clash(result.merged)
    assert {"ucdp:101", "ucdp:102", "acled:AFG1"} <= set(split_ids(clash["source_ids"]))
    # a person's "different" between a row of the split and the third source's row holds
    calls[("gtd", "G1", "ucdp", "102")] = "different"
    calls[("gtd", "G1", "acled", "AFG1")] = "different"
    result = merge_incidents(frames, decisions=calls)
    clash = _the_clash(result.merged)
    assert "gtd:G1" not in split_ids(clash["source_ids"])
    # a different between two rows the matches join is refused (nothing left to decide)
    calls = {
        **{r[:4]: r[4] for r in _SPLIT},
        ("ucdp", "101", "acled", "AFG1"): "match",
        ("gtd", "G1", "ucdp", "101"): "match",
        ("gtd", "G1", "ucdp", "102"): "different",
    }
    with pytest.raises(im.UsageError, match="'match' calls join the two rows"):
        merge_incidents(frames, decisions=calls)


def test_the_pairs_file_points_at_a_split_it_cannot_join(tmp_path, capsys, use_cache):
    # without a person's calls, the row of the split left over says where the deaths add up
    paths = _sources(tmp_path, 4, 2)
    pairs = tmp_path / "pairs.csv"
    args = [f"{n}={p}" for n, p in paths.items()]
    code, _, err = run(capsys, "merge", *args, "-o", tmp_path / "m.csv", "--pairs", pairs)
    assert code == 0, err
    table = pd.read_csv(pairs, dtype=str)
    hinted = table[table["reason"].str.contains("one incident in two rows", na=False)]
    assert len(hinted) == 1 and hinted["event_id_a"].iloc[0] == "AFG1"
    assert "ucdp:101 4 + ucdp:102 2" in hinted["reason"].iloc[0] or (
        "ucdp:102 2 + ucdp:101 4" in hinted["reason"].iloc[0]
    )
    # deaths that do not add up give no hint (the Jalalabad rows: 3 and 3)
    assert not table[table["event_id_a"] == "AFG2"]["reason"].str.contains("add up").any()


def test_a_split_with_a_toll_unknown_is_unknown_for_its_source(tmp_path, use_cache):
    lat, lon = _NAD_ALI
    a = _write(tmp_path, "acled", [("AFG1", "2019-05-04", lat, lon, 12, "clash")])
    u = _write(tmp_path, "ucdp", [("101", "2019-05-04", lat, lon, 5, "x"),
                                  ("102", "2019-05-04", lat, lon, None, "y")])  # fmt: skip
    frames = {"acled": load_incidents(a)[0], "ucdp": load_incidents(u)[0]}
    calls = {("acled", "AFG1", "ucdp", k): "match" for k in ("101", "102")}
    clash = _the_clash(merge_incidents(frames, decisions=calls).merged)
    # "at least 5, part unknown" is no known toll of 5: ACLED's 12 is the event's
    assert pd.isna(clash["ucdp_fatalities"]) and clash["fatalities"] == 12


def test_a_merged_list_with_a_split_merged_again_keeps_every_source(tmp_path, use_cache):
    lat, lon = _NAD_ALI
    paths = _sources(tmp_path, 4, 2)
    frames = {n: load_incidents(p)[0] for n, p in paths.items()}
    first = merge_incidents(frames, decisions={r[:4]: r[4] for r in _SPLIT}).merged
    listed = tmp_path / "m.csv"
    first.to_csv(listed, index=False)
    g = _write(tmp_path, "gtd", [("G1", "2019-05-04", lat, lon, 6, "clash")])
    again = merge_incidents([("m", load_incidents(listed)[0]), ("gtd", load_incidents(g)[0])])
    clash = _the_clash(again.merged)
    assert clash["sources"] == "acled|ucdp|gtd" and clash["n_sources"] == 3
    assert split_ids(clash["ucdp_event_id"]) == ["101", "102"]
    assert float(clash["ucdp_fatalities"]) == 6
