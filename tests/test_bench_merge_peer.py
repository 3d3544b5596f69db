"""The merge benchmark's Splink peer: the parts that run without Splink installed.

Splink runs in its own Python (``--splink-python``); its one-to-one step and its EM
blocking rules are plain code, checked here. The whole peer runs only where Splink is
installed (skipped otherwise).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from bench.merge_peer_splink import em_rules, one_to_one

PEER = Path(__file__).resolve().parents[1] / "bench" / "merge_peer_splink.py"
#: each comparison and the part of a blocking rule that uses its columns
USES = {
    "distance": r"l\.lat",
    "day": r"l\.day",
    "tolls": r"l\.fatalities",
    "category": r"l\.category",
    "groups": r"l\.groups",
}


def test_one_to_one_takes_the_best_pair_first_and_each_row_once() -> None:
    left = ["a1", "a1", "a2", "a2", "a3"]
    right = ["b1", "b2", "b1", "b3", "b3"]
    prob = [0.9, 0.8, 0.95, 0.6, 0.7]
    # a2-b1 first (0.95), then a1-b2 (a1's b1 is taken), then a3-b3; a2-b3 loses a2
    assert one_to_one(left, right, prob) == [("a2", "b1"), ("a1", "b2"), ("a3", "b3")]


def test_one_to_one_breaks_ties_by_the_ids_whatever_the_order() -> None:
    pairs = [("a1", "b2"), ("a1", "b1"), ("a2", "b1")]
    for order in (pairs, pairs[::-1]):
        left, right = [x for x, _ in order], [y for _, y in order]
        assert one_to_one(left, right, [0.8, 0.8, 0.8]) == [("a1", "b1")]


def test_em_rules_train_every_comparison_distance_day_and_tolls_alone() -> None:
    rules = em_rules(5.0)
    trained = [{k for k, pat in USES.items() if not re.search(pat, r)} for r in rules]
    assert trained[:3] == [{"distance"}, {"day"}, {"tolls"}]
    assert set().union(*trained) == set(USES)
    box = re.search(r"abs\(l\.lat - r\.lat\) < ([0-9.]+)", rules[1])
    assert box is not None and float(box.group(1)) == pytest.approx(5.0 / 111.32, abs=1e-4)


def test_the_peer_links_two_small_tables(tmp_path: Path) -> None:
    pytest.importorskip("splink")
    k = pd.RangeIndex(60)  # 60 events, each its own day and place (20 days, 7 x 9 places)
    a = pd.DataFrame({"id": "A" + k.astype(str), "day": 18000 + k % 20,
                      "lat": 34.5 + 0.05 * (k % 7), "lon": 69.1 + 0.05 * (k // 7),
                      "category": ["explosive/IED", "armed attack/clash"] * 30,
                      "group": "taliban", "fatalities": (k % 4).astype(float)})  # fmt: skip
    b = a.assign(id=[f"B{k}" for k in range(len(a))], lat=a["lat"] + 0.005)
    a.set_index("id").to_parquet(tmp_path / "a.parquet")
    b.set_index("id").to_parquet(tmp_path / "b.parquet")
    settings = {"km": 5, "days": 1, "seed": 1, "train": "fixed", "max_pairs": 1e5}
    args = [str(tmp_path / "a.parquet"), str(tmp_path / "b.parquet"), str(tmp_path / "o.parquet")]
    done = subprocess.run([sys.executable, str(PEER), *args, json.dumps(settings)],
                          capture_output=True, text=True, check=True)  # fmt: skip
    report = json.loads(done.stdout.strip().splitlines()[-1])
    out = pd.read_parquet(tmp_path / "o.parquet")
    assert report["pairs"] > 0
    assert set(zip(out["a"], out["b"], strict=True)) == {(f"A{k}", f"B{k}") for k in range(60)}
