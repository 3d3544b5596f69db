"""The merge benchmark's second peer, run by another Python: Splink (DuckDB backend).

``python bench/merge_peer_splink.py A.parquet B.parquet OUT.parquet SETTINGS_JSON`` links
the two tables (``merge_bench``'s peer frames: ``id``, ``day``, ``lat``, ``lon``,
``category``, ``group``, ``fatalities``) the way Splink's documentation does a link between
two tables, writes the chosen pairs (columns ``a``, ``b``) and prints
``{"seconds": ..., "peak_mib": ..., "pairs": ...}`` (``pairs``: the blocked pairs scored).
Libraries are imported before the clock; the clock holds training, prediction and the
one-to-one step.

The model (a Fellegi-Sunter model, ``link_type="link_only"``):

* blocking for prediction: the same day, or ``d`` days apart for each ``d`` up to
  ``days`` (one equi-join rule each: recordlinkage's sorted neighbourhood on the day
  compares the same rows); no spatial block, since an area-placed row carries its
  province's centre;
* comparisons: ``DistanceInKMAtThresholds`` on lat/lon (1, 2.5, ``km``, 25, 100 km), the
  day difference (same day, within ``days``), the category (exact), the actor groups as
  arrays (``ArrayIntersectAtSizes``: two shared groups, one), the tolls (same, within 1,
  within 3);
* training as its tutorials do: the prior (``probability_two_random_records_match``)
  from a deterministic rule (the windows: within ``days`` and a box of ``km``) with the
  recall ``SETTINGS["recall"]`` (0.8: a user's guess, the rule misses area-placed rows);
  u by random sampling (``SETTINGS["max_pairs"]``, seeded); m by expectation
  maximisation (``em_rules``: distance, day and tolls each alone, then category and
  groups), from a user's prior (``START_M``); ``SETTINGS["train"] = "fixed"`` keeps that
  prior as m, untrained;
* prediction at ``SETTINGS["threshold"]`` (0.5 by default), then one-to-one: pairs by
  falling match probability, each row in at most one pair (a row's best partner first).

Works with Splink 4 (``Linker(tables, settings, db_api)``; 4.0.17 tested) and Splink 5
(tables registered with the DuckDB API; 5.0.0 tested); the tables go to DuckDB as Arrow.

Importable without Splink (``em_rules``, ``one_to_one`` are tested in the project's env).
"""

from __future__ import annotations

import json
import resource
import sys
import time
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

#: m's starting values (non-null levels, closest first): a user's prior that two reports of
#: one event are mostly within a few km and a day, tolls close; EM trains them (or, with
#: ``"train": "fixed"``, they are the model's m).
START_M = {
    "distance": [0.25, 0.25, 0.2, 0.2, 0.07, 0.03],
    "day": [0.6, 0.35, 0.05],
    "category": [0.7, 0.3],
    "groups": [0.6, 0.35, 0.05],
    "tolls": [0.5, 0.35, 0.1, 0.05],
}


def _table(path: str) -> pa.Table:
    """A peer frame with ``groups`` (the ``|``-joined actor groups as an array)."""
    t = pq.read_table(path)
    t = t.select([c for c in t.column_names if not c.startswith("__index_level")])
    text = pc.fill_null(t["group"].cast(pa.string()), "")
    groups = pc.split_pattern(text, "|")
    groups = pc.if_else(pc.equal(text, ""), pa.scalar(None, groups.type), groups)
    return t.append_column("groups", groups).set_column(
        t.column_names.index("id"), "id", t["id"].cast(pa.string())
    )


def _major() -> int:
    import splink

    return int(splink.__version__.split(".")[0])


def settings(s: dict[str, Any]) -> Any:
    """The model (a ``SettingsCreator``): link_only, day-window blocking, distance, day,
    category, actors, tolls."""
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import SettingsCreator

    days, km = int(s["days"]), float(s["km"])
    bands = sorted({1.0, 2.5, km, 25.0, 100.0})
    distance = cl.DistanceInKMAtThresholds("lat", "lon", bands)
    rules = ["l.day = r.day"] + [f"l.day = r.day + {d}" for d in range(-days, days + 1) if d]
    day = cl.CustomComparison(
        output_column_name="day",
        comparison_levels=[
            cll.NullLevel("day"),
            cll.ExactMatchLevel("day"),
            cll.AbsoluteDifferenceLevel("day", days),
            cll.ElseLevel(),
        ],
    )
    tolls = cl.CustomComparison(
        output_column_name="fatalities",
        comparison_levels=[
            cll.NullLevel("fatalities"),
            cll.ExactMatchLevel("fatalities"),
            cll.AbsoluteDifferenceLevel("fatalities", 1),
            cll.AbsoluteDifferenceLevel("fatalities", 3),
            cll.ElseLevel(),
        ],
    )
    return SettingsCreator(
        link_type="link_only",
        unique_id_column_name="id",
        comparisons=[
            distance.configure(m_probabilities=START_M["distance"][: len(bands) + 1]),
            day.configure(m_probabilities=START_M["day"]),
            cl.ExactMatch("category").configure(m_probabilities=START_M["category"]),
            cl.ArrayIntersectAtSizes("groups", [2, 1]).configure(m_probabilities=START_M["groups"]),
            tolls.configure(m_probabilities=START_M["tolls"]),
        ],
        blocking_rules_to_generate_predictions=rules,
        retain_intermediate_calculation_columns=False,
    )


def em_rules(km: float) -> list[str]:
    """EM's blocking rules: distance, day and tolls each alone, then category and groups.

    With another comparison free, EM settles on the tolls' or the actor groups' cluster
    (a mixture these fields also split) and the distance's or the day's m comes out flat:
    no matches at all on the busy case. Blocked on all the others, a comparison is the only
    thing EM can split on (Splink leaves out of a session what its rule uses). Category and
    groups are trained together among one day's pairs in the box with the same toll: alone,
    in blocks that tight, nearly every pair is a match and their m comes out near 1.
    """
    box = f"abs(l.lat - r.lat) < {km / 111.32:.4f} and abs(l.lon - r.lon) < {km / 111.32:.4f}"
    parts = {
        "distance": box,
        "day": "l.day = r.day",
        "tolls": "l.fatalities = r.fatalities",
        "category": "l.category = r.category",
        "groups": "l.groups = r.groups",
    }
    alone = [" and ".join(v for k, v in parts.items() if k != name) for name in list(parts)[:3]]
    return [*alone, " and ".join(parts[k] for k in ("day", "distance", "tolls"))]


def _linker(ta: pa.Table, tb: pa.Table, s: dict[str, Any]) -> Any:
    from splink import DuckDBAPI, Linker

    db = DuckDBAPI()
    if _major() >= 5:
        frames = [
            db.register(ta, dataset_display_name="a"),
            db.register(tb, dataset_display_name="b"),
        ]
        return Linker(frames, settings(s))
    return Linker([ta, tb], settings(s), db_api=db, input_table_aliases=["a", "b"])


def _query(linker: Any, frame: Any, sql: str) -> pa.Table:
    """``sql`` over a Splink frame (``{this}``), as an Arrow table."""
    if _major() >= 5:
        return frame.query_sql(sql).as_pyarrow_table()
    got = linker.misc.query_sql(sql.format(this=frame.physical_name), output_type="pandas")
    return pa.Table.from_pandas(got, preserve_index=False)


def one_to_one(left: list[str], right: list[str], prob: list[float]) -> list[tuple[str, str]]:
    """Pairs by falling probability (ties by ids), each row in at most one pair."""
    order = sorted(range(len(prob)), key=lambda k: (-prob[k], left[k], right[k]))
    used_a: set[str] = set()
    used_b: set[str] = set()
    out = []
    for k in order:
        x, y = left[k], right[k]
        if x not in used_a and y not in used_b:
            used_a.add(x)
            used_b.add(y)
            out.append((x, y))
    return out


def link(ta: pa.Table, tb: pa.Table, s: dict[str, Any]) -> tuple[list[tuple[str, str]], int]:
    """Train, predict over the threshold, one-to-one; the pairs and the pairs scored."""
    linker = _linker(ta, tb, s)
    box = float(s["km"]) / 111.32  # the windows as a deterministic rule: a degree box
    deterministic = (
        f"abs(l.day - r.day) <= {int(s['days'])} "
        f"and abs(l.lat - r.lat) < {box:.4f} and abs(l.lon - r.lon) < {box:.4f}"
    )
    linker.training.estimate_probability_two_random_records_match(
        [deterministic], recall=float(s.get("recall", 0.8))
    )
    linker.training.estimate_u_using_random_sampling(
        max_pairs=float(s.get("max_pairs", 1e7)), seed=int(s.get("seed", 42))
    )
    if s.get("train", "em") == "em":
        for rule in em_rules(float(s["km"])):
            linker.training.estimate_parameters_using_expectation_maximisation(rule)
    scored = linker.inference.predict()
    total = _query(linker, scored, "select count(*) as n from {this}")["n"][0].as_py()
    chosen = _query(
        linker, scored,
        "select id_l, id_r, source_dataset_l, match_probability from {this} "
        f"where match_probability >= {float(s.get('threshold', 0.5))}",
    )  # fmt: skip
    t = chosen.to_pydict()
    # link_only: Splink puts the first table on the left (source_dataset "a")
    flip = [v != "a" for v in t["source_dataset_l"]]
    left = [r if f else lft for lft, r, f in zip(t["id_l"], t["id_r"], flip, strict=True)]
    right = [lft if f else r for lft, r, f in zip(t["id_l"], t["id_r"], flip, strict=True)]
    return one_to_one(left, right, t["match_probability"]), total


def main(argv: list[str]) -> int:
    a_path, b_path, out_path, raw = argv
    s = json.loads(raw)
    settings(s)  # the libraries are imported before the clock
    from splink import DuckDBAPI  # noqa: F401

    ta, tb = _table(a_path), _table(b_path)
    t0 = time.perf_counter()
    pairs, total = link(ta, tb, s)
    elapsed = time.perf_counter() - t0
    pq.write_table(
        pa.table({"a": [x for x, _ in pairs], "b": [y for _, y in pairs]},
                 schema=pa.schema([("a", pa.string()), ("b", pa.string())])),
        out_path,
    )  # fmt: skip
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": elapsed, "peak_mib": peak, "pairs": total}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
