"""``merge`` on busy days (issue 27): small dense cases whose truth is known.

The cases come from ``bench/merge_data.py``: the war diary's real places and days of a few
weeks of 2009 and our own busy days (bursts at hot places, look-alike events), each
published twice, in ACLED's layout and in UCDP GED's (points moved, rows placed only to the
district or the province, a third a day off, ranges, UCDP's names and types of violence,
events only the second source has, incidents split in two). The large cases are in
``python -m bench merge``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from bench.merge_bench import _levels, _pairs_of, by_level, decide_by_truth
from bench.merge_data import load_case, publish, world_busy, world_wardiary

from incidentmap.merge import MARGIN, MATCH, merge_incidents
from incidentmap.merge.posterior import group_probability, marginals


@pytest.fixture(scope="module")
def cases(cache, tmp_path_factory):
    import os

    os.environ["INCIDENTMAP_CACHE_DIR"] = str(cache)
    tmp = tmp_path_factory.mktemp("dense")
    out = {}
    for name, world in (
        ("busy", world_busy(days=12, per_day=30, seed=5)),
        ("wardiary", world_wardiary(2009, days=12, seed=6)),
    ):
        case = publish(world, name, seed=5)
        a, b = load_case(case, tmp)
        out[name] = (case, a, b, merge_incidents({"acled": a, "ucdp": b}))
    return out


@pytest.mark.parametrize("name", ["busy", "wardiary"])
def test_dense_precision_and_what_is_left_to_a_person(name, cases):
    case, a, b, result = cases[name]
    truth = case.truth()
    q = by_level(_pairs_of(result, "match"), _pairs_of(result, "review"), truth, _levels(a, b))
    assert q.loc["all", "precision"] >= 0.92
    for level in ("point", "district"):
        assert q.loc[level, "precision"] >= 0.9
        # a true pair not matched is mostly in review, not lost
        assert q.loc[level, "recall"] + q.loc[level, "in_review"] >= 0.8
    assert q.loc["all", "recall"] + q.loc["all", "in_review"] >= 0.85
    assert q.loc["province", "precision"] >= 0.85  # a dozen province matches here
    # every review decided by the truth (again while new ones appear): the merged count
    decided, _ = decide_by_truth({"acled": a, "ucdp": b}, result, truth, 5.0, 1.0)
    assert abs(len(decided.merged) / case.events - 1) <= 0.03


def test_shuffled_and_swapped_inputs_give_the_same_merge(cases):
    _, a, b, result = cases["busy"]
    rng = np.random.default_rng(3)
    other = merge_incidents(
        [("ucdp", b.iloc[rng.permutation(len(b))]), ("acled", a.iloc[rng.permutation(len(a))])]
    )
    events = {frozenset(s.split("|")) for s in result.merged["source_ids"]}
    assert {frozenset(s.split("|")) for s in other.merged["source_ids"]} == events
    assert (other.pending, other.ambiguous) == (result.pending, result.ambiguous)


def _logit(p):
    q = np.clip(np.asarray(p, dtype=float), 1e-9, 1 - 1e-9)
    return np.log(q / (1 - q))


def test_ambiguity_is_a_review_with_the_runner_up_named(cases):
    _, _, _, result = cases["wardiary"]
    pairs = result.pairs
    ambiguous = pairs[pairs["reason"].str.startswith("ambiguous")]
    assert len(ambiguous) == result.ambiguous > 0
    assert (ambiguous["decision"] == "review").all()
    assert ambiguous["runner_up"].str.contains(r"acled:.* \+ ucdp:").all()
    # a match has no rival within the margin, alone and given the group
    both = pairs.assign(lo=_logit(pairs["pair_score"]), glo=_logit(pairs["score"]))
    for side in ("event_id_a", "event_id_b"):
        for _, group in both.groupby(side):
            m = group[group["decision"] == "match"]
            if m.empty:
                continue
            open_ = (group["lo"] >= m["lo"].iloc[0] - MARGIN) & (
                group["glo"] >= m["glo"].iloc[0] - MARGIN
            )
            assert open_.sum() == 1  # the match itself
    assert (pairs.loc[pairs["decision"] == "match", "score"] >= MATCH).all()


def test_counts_say_how_many_events_wait_for_a_person(cases):
    _, a, b, result = cases["busy"]
    waiting = result.merged["merge_review"].notna().sum()
    assert result.pending == waiting > 0
    assert sum(c["review"] for c in result.counts.values()) >= result.pending
    assert result.merged["n_sources"].sum() == len(a) + len(b)


def test_scores_are_calibrated_on_a_case_they_were_not_fitted_on(cases):
    case, _, _, result = cases["wardiary"]
    truth = case.truth()
    p = result.pairs
    true = np.array(
        [(x, y) in truth for x, y in zip(p["event_id_a"], p["event_id_b"], strict=True)]
    )
    high, low = p["score"].to_numpy() >= 0.9, p["score"].to_numpy() < 0.1
    assert true[high].mean() >= 0.85
    assert true[low].mean() <= 0.1
    # the pair alone is calibrated too: its mean near the share of true pairs
    assert abs(p["pair_score"].mean() - true.mean()) < 0.1


def test_marginals_are_exact_on_a_tree():
    # one row, two candidates: each pair's share of the row, the row alone counted
    i, j = np.array([0, 0]), np.array([0, 1])
    m = marginals(1, 2, i, j, np.array([0.8, 0.5]))
    k1, k2 = 4.0, 1.0
    assert m == pytest.approx([k1 / (1 + k1 + k2), k2 / (1 + k1 + k2)], abs=1e-4)
    # a pair alone keeps its probability
    assert marginals(1, 1, np.array([0]), np.array([0]), np.array([0.7])) == pytest.approx([0.7])
    # two look-alikes: neither can reach the probability the pair alone has
    g = group_probability(1, 2, i, j, np.array([0.9, 0.9]))
    alone = group_probability(1, 1, np.array([0]), np.array([0]), np.array([0.9]))
    assert (g < MATCH).all() and alone[0] > g.max()


def test_pairs_file_has_every_part_and_both_scores(cases):
    _, _, _, result = cases["busy"]
    for col in ("space", "time", "category", "actors", "tolls", "names", "pair_score"):
        assert col in result.pairs
        v = pd.to_numeric(result.pairs[col])
        assert v.between(0, 1).all()
