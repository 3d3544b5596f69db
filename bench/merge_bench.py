"""``merge``: incidentmap's merge against recordlinkage doing the same work, same inputs.

Inputs shaped like real files: source A has N events at war-diary locations and dates
(resampled with a little jitter; above 100,000 events the dates run over more six-year
cycles, so a day never holds more than ~45 events, about ACLED's Afghan peak), with
categories, actor groups and tolls, 5 % placed only
to their province (area-level rows), 1 % without a date (blanks) and 1 % repeated rows
(duplicates within the source); source B reports 85 % of A's events the way another
publisher would (points moved 0.3-3 km, 20 % only to the province, 30 % a day apart,
tolls that differ, actors under their other group ids kept the same) plus 10 % events
of its own. The truth is known, so both sides get precision and recall.

recordlinkage (the peer): a sorted-neighbourhood index on the day number with a window
wide enough to hold +-``days`` at the data's density, then its geographic (linear,
``km``), numeric (days, linear), exact (category, actor group) and numeric (tolls)
comparisons, combined with incidentmap's weights and classified with the same threshold,
run by ``bench/merge_peer.py`` in the Python given by ``--peer-python`` (recordlinkage
0.16 needs pandas < 3: give it its own environment; the time and memory are its own).
An area-level row has the area's centre as its coordinates there (a generic linker has
no other way), and no one-to-one step. Skipped when its pair count would pass
``--peer-max-pairs``.

Splink (the dense cases' second peer, ``--splink-python``): a Fellegi-Sunter model on the
same peer frames and the same day window, trained without the truth (u by random
sampling, m by expectation maximisation, and again with m set to a user's prior), pairs
from match probability 0.5 made one-to-one; run by ``bench/merge_peer_splink.py``.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from bench._common import isolated
from incidentmap.pipeline import load_incidents

WARDIARY = "incidents/wardiary_points_2004_2009.csv"
#: the peer's weights and threshold: incidentmap's weighted sum before issue 27 (the
#: calibrated model is incidentmap's own; a generic linker is given weights)
PEER_WEIGHTS = {"space": 0.30, "time": 0.25, "category": 0.15, "actors": 0.15, "tolls": 0.10,
                "names": 0.05}  # fmt: skip
PEER_MATCH = 0.70
_CATS = (
    "armed attack/clash",
    "explosive/IED",
    "targeted killing",
    "attack on civilians",
    "suicide attack",
)
_GROUPS = ("taliban", "isis-k", "haqqani", None)


def _shared() -> Path:
    import os

    root = Path(__file__).resolve().parents[1]
    return Path(os.environ.get("INCIDENTMAP_SHARED_DATA", root.parent / "shared" / "data"))


def _base(n: int, rng: np.random.Generator) -> pd.DataFrame:

    g, _ = load_incidents(_shared() / WARDIARY)
    g = g[g["geocode_precision"] == "point"]
    pick = rng.integers(0, len(g), n)
    lon = g.geometry.x.to_numpy()[pick] + rng.normal(0, 0.01, n)
    lat = g.geometry.y.to_numpy()[pick] + rng.normal(0, 0.01, n)
    dates = pd.to_datetime(g["date"].to_numpy()[pick])
    # at most ~45 events a day (the density of 100,000 events in the war diary's six years;
    # ACLED's Afghan peak was ~40): more events span more six-year cycles, not a denser one
    cycles = rng.integers(0, max(1, math.ceil(n / 100_000)), n)
    dates = dates + pd.to_timedelta(cycles * 2192, unit="D")
    return pd.DataFrame({"lon": lon, "lat": lat, "date": dates})


def _placed(frame: pd.DataFrame, prefix: str, province_only: np.ndarray) -> gpd.GeoDataFrame:
    import incidentmap as im
    from incidentmap.context import context_for

    ctx = context_for(im.load_boundaries())
    hit = ctx.locate(frame["lon"].to_numpy(), frame["lat"].to_numpy())
    layer = ctx.districts
    inside = hit >= 0
    district = np.where(inside, layer["district_id"].to_numpy()[np.maximum(hit, 0)], None)
    province = np.where(inside, layer["province_code"].to_numpy()[np.maximum(hit, 0)], None)
    prec = np.where(~inside, "none", np.where(province_only, "province", "point")).astype(object)
    out = frame.drop(columns=["lon", "lat"]).copy()
    out.insert(0, "event_id", [f"{prefix}{k}" for k in range(1, len(frame) + 1)])
    out["geocode_precision"] = prec
    out["district_id"] = np.where(prec == "point", district, None)
    out["province_code"] = province
    out["date_precision"] = np.where(out["date"].notna(), "day", None)
    return gpd.GeoDataFrame(
        out, geometry=gpd.points_from_xy(frame["lon"], frame["lat"]), crs="EPSG:4326"
    )


def make_sources(
    n: int, seed: int
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, set[tuple[str, str]]]:
    """Two sources of ``n`` and about ``0.95 n`` rows, and the true pairs (A id, B id)."""
    rng = np.random.default_rng(seed)
    base = _base(n, rng)
    base["category"] = rng.choice(_CATS, n)
    base["actor1_group"] = rng.choice(np.array(_GROUPS, dtype=object), n)
    base["attribution"] = "sole"
    base["fatalities"] = rng.poisson(2, n).astype(float)
    base["stated_place"] = None
    dup = rng.random(n) < 0.01  # a row repeated within A (a second report of the same event)
    base.loc[dup, ["lon", "lat", "date"]] = base.loc[
        np.roll(dup, 1), ["lon", "lat", "date"]
    ].to_numpy()
    base.loc[rng.random(n) < 0.01, "date"] = pd.NaT
    a = _placed(base, "A", rng.random(n) < 0.05)
    kept = np.flatnonzero((rng.random(n) < 0.85) & base["date"].notna().to_numpy())
    b = base.iloc[kept].reset_index(drop=True).copy()
    km = rng.uniform(0.3, 3.0, len(b))
    angle = rng.uniform(0, 2 * np.pi, len(b))
    b["lat"] += km * np.cos(angle) / 111.32
    b["lon"] += km * np.sin(angle) / (111.32 * np.cos(np.radians(b["lat"])))
    b["date"] += pd.to_timedelta(
        np.where(rng.random(len(b)) < 0.3, rng.choice([-1, 1], len(b)), 0), unit="D"
    )
    b["fatalities"] = np.maximum(
        b["fatalities"] + (rng.random(len(b)) < 0.4) * rng.choice([-2, -1, 1, 2], len(b)), 0
    )
    extra = base.sample(int(n * 0.10), random_state=seed, replace=True).reset_index(drop=True)
    extra = extra[extra["date"].notna()].copy()
    extra["date"] += pd.to_timedelta(rng.integers(30, 300, len(extra)), unit="D")
    extra["lat"] += rng.uniform(0.2, 0.7, len(extra))
    both = pd.concat([b, extra], ignore_index=True)
    bp = _placed(both, "B", np.r_[rng.random(len(b)) < 0.2, np.zeros(len(extra), bool)])
    truth = {(f"A{k + 1}", f"B{m + 1}") for m, k in enumerate(kept)}
    return a, bp, truth


def _ours(a: gpd.GeoDataFrame, b: gpd.GeoDataFrame, km: float, days: float) -> set[tuple[str, str]]:
    from incidentmap.merge import merge_incidents

    r = merge_incidents({"a": a, "b": b}, km=km, days=days)
    m = r.pairs[r.pairs["decision"] == "match"]
    return set(zip(m["event_id_a"], m["event_id_b"], strict=True))


def _groups_text(g: gpd.GeoDataFrame) -> np.ndarray:
    """Both sides' actor groups as one text (a generic linker compares one column)."""
    cols = [c for c in ("actor1_group", "actor2_group") if c in g]
    parts = g[cols].astype(object).where(g[cols].notna(), "")
    return np.array(["|".join(sorted(v for v in row if v)) or None
                     for row in parts.itertuples(index=False)], dtype=object)  # fmt: skip


def _peer_frame(g: gpd.GeoDataFrame) -> pd.DataFrame:
    import incidentmap as im

    provinces = (
        im.load_boundaries("province").set_index("province_code").geometry.representative_point()
    )
    out = pd.DataFrame(
        {
            "day": (pd.to_datetime(g["date"]) - pd.Timestamp("1970-01-01")).dt.days.to_numpy(),
            "lon": g.geometry.x.to_numpy(),
            "lat": g.geometry.y.to_numpy(),
            "category": g["category"].to_numpy(),
            "group": _groups_text(g),
            "fatalities": g["fatalities"].to_numpy(),
        },
        index=pd.Index(g["event_id"].to_numpy(), name="id"),
    )
    area = (g["geocode_precision"] == "province").to_numpy()
    centre = provinces.reindex(g["province_code"].to_numpy())
    out.loc[area, "lon"] = centre.x.to_numpy()[area]
    out.loc[area, "lat"] = centre.y.to_numpy()[area]
    return out[out["day"].notna() & (g["geocode_precision"] != "none").to_numpy()]


def peer_window(n: int, days: float, span_days: int = 2192) -> int:
    """A sorted-neighbourhood window holding +-days at the data's density (odd)."""
    per_day = n / (span_days * max(1, math.ceil(n / 100_000)))
    return int(2 * math.ceil(per_day * (2 * days + 1)) + 1)


def _peer(
    a: gpd.GeoDataFrame, b: gpd.GeoDataFrame, km: float, days: float, python: str,
    span_days: int = 2192, script: str = "merge_peer.py", extra: dict | None = None,
) -> tuple[str, float, float, Any]:  # fmt: skip
    """Run a peer ``script`` (recordlinkage's by default) in ``python`` (its own
    environment) with the settings and ``extra``; (status, s, MiB, pairs)."""
    import json
    import subprocess
    import tempfile

    fa, fb = _peer_frame(a), _peer_frame(b)
    window = peer_window(len(fa), days, span_days=span_days)
    settings = {"window": window, "km": km, "days": days,
                "weights": PEER_WEIGHTS, "match": PEER_MATCH, **(extra or {})}  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        fa.to_parquet(f"{tmp}/a.parquet")
        fb.to_parquet(f"{tmp}/b.parquet")
        script = str(Path(__file__).with_name(script))
        args = [python, script, f"{tmp}/a.parquet", f"{tmp}/b.parquet", f"{tmp}/out.parquet"]
        done = subprocess.run([*args, json.dumps(settings)], capture_output=True, text=True)
        if done.returncode != 0:
            why = "killed (out of memory?)" if done.returncode < 0 else done.stderr.strip()[-300:]
            return "error", 0.0, 0.0, f"exit code {done.returncode}: {why}"
        report = json.loads(done.stdout.strip().splitlines()[-1])
        out = pd.read_parquet(f"{tmp}/out.parquet")
    found = {(str(x), str(y)) for x, y in zip(out["a"], out["b"], strict=True)}
    return "ok", report["seconds"], report["peak_mib"], found


def _quality(found: set[tuple[str, str]], truth: set[tuple[str, str]]) -> tuple[float, float]:
    hit = len(found & truth)
    return hit / max(len(found), 1), hit / max(len(truth), 1)


def _side(
    name: str, fn: Any, a: Any, b: Any, km: float, days: float, truth: set, python: str = ""
) -> tuple[float, float]:
    if python:
        status, seconds, mb, found = _peer(a, b, km, days, python)
    else:
        status, seconds, mb, found = isolated(fn, a, b, km, days)
    if status != "ok":
        print(f"  {name:<14} failed: {found}")
        return math.nan, math.nan
    p, r = _quality(found, truth)
    print(f"  {name:<14}{seconds:>9.2f} s{mb:>9.0f} MiB   precision {p:.3f}   recall {r:.3f}")
    return seconds, mb


def _year(a: Any, b: Any, c: Any, km: float, days: float) -> int:
    from incidentmap.merge import merge_incidents

    return len(merge_incidents([("acled", a), ("ged", b), ("gtd", c)], km=km, days=days).merged)


def year(seed: int, km: float, days: float) -> None:
    """One Afghan year: 14,000 ACLED-like events, 3,000 GED-like and 2,000 GTD-like."""
    a, b, _ = make_sources(14_000, seed)
    _, c, _ = make_sources(14_000, seed + 1)
    b = b.sample(3_000, random_state=seed)
    c = c.sample(2_000, random_state=seed)
    c = c.assign(event_id="C" + c["event_id"].astype(str))
    status, seconds, mb, events = isolated(_year, a, b, c, km, days)
    print(
        f"one year, three sources (14,000 + 3,000 + 2,000 rows): {seconds:.2f} s, "
        f"{mb:.0f} MiB, {events:,} events ({status})\n"
    )


_PLACE = ("point", "district", "province")
_DATE = ("day", "week", "month")
_RANK = {"point": 0, "district": 1, "province": 2, "day": 0, "week": 1, "month": 2, "year": 3}


def _levels(a: pd.DataFrame, b: pd.DataFrame) -> Any:
    """A function giving a pair's place and date level (the coarser of its two rows)."""
    info = {}
    for side, g in (("a", a), ("b", b)):
        info[side] = dict(zip(g["event_id"].astype(str),
                              zip(g["geocode_precision"], g["date_precision"], strict=True),
                              strict=True))  # fmt: skip

    def of(x: str, y: str) -> tuple[str, str]:
        pa, da = info["a"].get(x, ("none", "year"))
        pb, db = info["b"].get(y, ("none", "year"))
        place = max(pa, pb, key=lambda v: _RANK.get(v, 9))
        date = max(da, db, key=lambda v: _RANK.get(v, 9))
        return str(place), str(date)

    return of


def by_level(found: set, review: set, truth: set, of: Any) -> pd.DataFrame:
    """Precision and recall of the matches, and the true pairs left in review, per level."""
    rows = []
    for k, names in ((0, _PLACE), (1, _DATE)):
        for lv in names:
            f = {x for x in found if of(*x)[k] == lv}
            t = {x for x in truth if of(*x)[k] == lv}
            r = {x for x in review if of(*x)[k] == lv}
            rows.append(_row(lv, f, r, t))
    rows.append(_row("all", found, review, truth))
    return pd.DataFrame(rows).set_index("level")


def _row(level: str, f: set, r: set, t: set) -> dict[str, Any]:
    hit = len(f & t)
    return {"level": level, "true": len(t), "matched": len(f),
            "precision": hit / len(f) if f else float("nan"),
            "recall": hit / len(t) if t else float("nan"),
            "in_review": len((r - f) & t) / len(t) if t else float("nan"),
            "review": len(r)}  # fmt: skip


def _pairs_of(result: Any, decision: str) -> set[tuple[str, str]]:
    m = result.pairs[result.pairs["decision"] == decision]
    return set(zip(m["event_id_a"].astype(str), m["event_id_b"].astype(str), strict=True))


def _print_levels(name: str, q: pd.DataFrame) -> None:
    cells = []
    for lv in (*_PLACE, *_DATE, "all"):
        p, r = q.loc[lv, "precision"], q.loc[lv, "recall"]
        cells.append(f"{lv} {p:.3f}/{r:.3f}" if q.loc[lv, "true"] else f"{lv} -")
    print(f"  {name:<14}" + "  ".join(cells))


def lookalikes(result: Any, truth: set, of: Any) -> dict[str, float]:
    """Per place level: the share of true pairs with a rival as good on every part.

    A rival is another listed pair of either row; "as good on every part" means no part of
    the score (space, time, category, actors, tolls, names) favours the true pair. No
    score made of these parts can prefer the true pair there: the one-to-one rule may
    still settle it (the rival's other row has a better partner), else it is a review.
    """
    from incidentmap.merge.score import PARTS

    p = result.pairs
    values = p[list(PARTS)].to_numpy(dtype=float)
    ids_a, ids_b = p["event_id_a"].astype(str).to_numpy(), p["event_id_b"].astype(str).to_numpy()
    rows: dict[tuple[str, str], list[int]] = {}
    for k, (x, y) in enumerate(zip(ids_a, ids_b, strict=True)):
        rows.setdefault(("a", x), []).append(k)
        rows.setdefault(("b", y), []).append(k)
    hit: dict[str, list[bool]] = {lv: [] for lv in _PLACE}
    for k, (x, y) in enumerate(zip(ids_a, ids_b, strict=True)):
        if (x, y) not in truth:
            continue
        rivals = [r for r in rows[("a", x)] + rows[("b", y)] if r != k]
        level = of(x, y)[0]
        if level in hit:
            hit[level].append(any((values[r] >= values[k] - 1e-9).all() for r in rivals))
    return {lv: float(np.mean(v)) if v else float("nan") for lv, v in hit.items()}


def decide_by_truth(
    sources: dict[str, pd.DataFrame], result: Any, truth: set, km: float, days: float
) -> tuple[Any, int]:
    """Decide every review pair by the truth, again until no pair is left for review.

    A person's calls change the group of the pairs they touch, so a new round can leave new
    pairs for review; at most ten rounds. Every true pair in review is a ``match`` (an
    incident one source split in two rows gets both, one event). Returns the last merge
    and the rounds taken.
    """
    from incidentmap.merge import merge_incidents

    calls: dict[tuple[str, str, str, str], str] = {}
    for rounds in range(1, 11):
        table = result.pairs[result.pairs["decision"] == "review"]
        table = table.sort_values(
            ["score", "event_id_a", "event_id_b"], ascending=[False, True, True]
        )
        pairs = zip(table["event_id_a"], table["event_id_b"], strict=True)
        fresh = [("acled", str(x), "ucdp", str(y)) for x, y in pairs]
        fresh = [k for k in fresh if k not in calls]
        if not fresh:
            return result, rounds - 1
        for k in fresh:
            calls[k] = "match" if (k[1], k[3]) in truth else "different"
        result = merge_incidents(sources, km=km, days=days, decisions=calls)
    return result, rounds


def dense(
    seed: int, km: float, days: float, peer_python: str, scale: float = 1.0,
    splink_python: str = "",
) -> None:  # fmt: skip
    """The dense cases: precision/recall by level for incidentmap and the peers."""
    import tempfile
    import time

    from bench.merge_data import dense_cases, load_case
    from incidentmap.merge import merge_incidents

    print("dense cases (precision/recall of the matches, by the coarser row of each pair):")
    with tempfile.TemporaryDirectory() as tmp:
        for case in dense_cases(scale, seed=seed):
            a, b = load_case(case, tmp)
            truth = case.truth()
            span = int((pd.to_datetime(a["date"]).max() - pd.to_datetime(a["date"]).min()).days)
            print(f"{case.name}: {len(a):,} rows (ACLED layout) + {len(b):,} (UCDP layout), "
                  f"{len(truth):,} true pairs, {case.events:,} events")  # fmt: skip
            t0 = time.perf_counter()
            result = merge_incidents({"acled": a, "ucdp": b}, km=km, days=days)
            seconds = time.perf_counter() - t0
            found, review = _pairs_of(result, "match"), _pairs_of(result, "review")
            of = _levels(a, b)
            q = by_level(found, review, truth, of)
            _print_levels("incidentmap", q)
            alike = ", ".join(f"{lv} {v:.1%}" for lv, v in lookalikes(result, truth, of).items())
            print(f"  {'':<14}true pairs with a rival as good on every part: {alike}")
            decided, rounds = decide_by_truth({"acled": a, "ucdp": b}, result, truth, km, days)
            rng = np.random.default_rng(seed)
            pb, pa = b.iloc[rng.permutation(len(b))], a.iloc[rng.permutation(len(a))]
            shuffled = merge_incidents([("ucdp", pb), ("acled", pa)], km=km, days=days)
            same = {frozenset(x.split("|")) for x in shuffled.merged["source_ids"]} == {
                frozenset(x.split("|")) for x in result.merged["source_ids"]
            }
            left = ", ".join(f"{lv} {q.loc[lv, 'in_review']:.1%}" for lv in _PLACE)
            print(f"  {'':<14}{seconds:.2f} s; {len(result.merged):,} events, "
                  f"{result.pending:,} depending on {len(review):,} review pairs "
                  f"({result.ambiguous:,} ambiguous); review decided by the truth: "
                  f"{len(decided.merged):,} events against {case.events:,} true "
                  f"({len(decided.merged) / case.events - 1:+.1%}, {rounds} rounds; "
                  f"{case.one_to_one:,} "
                  f"one row per source per event can give, "
                  f"{len(decided.merged) / case.one_to_one - 1:+.1%}); true pairs left in "
                  f"review: {q.loc['all', 'in_review']:.1%} ({left}); shuffled inputs: "
                  f"{'the same merge' if same else 'A DIFFERENT MERGE'}")  # fmt: skip
            asked: set[str] = set()
            for name, python, flag, script, extra, note in _dense_peers(
                peer_python, splink_python, seed
            ):
                if not python:
                    if flag not in asked:
                        print(f"  {name.split()[0]:<14}not run: give {flag} (see README)")
                    asked.add(flag)
                    continue
                status, secs, _, got = _peer(a, b, km, days, python, max(span, 1), script, extra)
                if status != "ok":
                    print(f"  {name:<14}failed: {got}")
                    continue
                _print_levels(name, by_level(got, set(), truth, of))
                print(f"  {'':<14}{secs:.2f} s ({note})")


def _dense_peers(peer_python: str, splink_python: str, seed: int) -> list[tuple]:
    """(name, python, option, script, extra settings, note) of each peer on the dense cases.

    Splink twice: m trained by expectation maximisation (its unsupervised way), and m set to
    ``merge_peer_splink.START_M`` (a user's prior) where EM settles on the wrong cluster.
    """
    one = "one-to-one by match probability from 0.5, no review; u by random sampling"
    return [
        ("recordlinkage", peer_python, "--peer-python", "merge_peer.py", None,
         "no one-to-one step, no review"),
        ("splink EM", splink_python, "--splink-python", "merge_peer_splink.py",
         {"train": "em", "seed": seed}, f"{one}, m by EM"),
        ("splink m set", splink_python, "--splink-python", "merge_peer_splink.py",
         {"train": "fixed", "seed": seed}, f"{one}, m set, not trained"),
    ]  # fmt: skip


def dense_year(seed: int, km: float, days: float) -> None:
    """One dense year, three sources: ACLED's 2019 (13,908 events) in three publishers' rows."""
    import tempfile

    from bench.merge_data import load_case, publish, world_acled

    world = world_acled(2019, seed=seed)
    one = publish(world, "year", seed=seed)
    two = publish(world, "year2", seed=seed + 1, share_b=0.4)
    with tempfile.TemporaryDirectory() as tmp:
        a, b = load_case(one, tmp)
        _, c = load_case(two, tmp)
    c = c.assign(event_id="G" + c["event_id"].astype(str))
    status, seconds, mb, events = isolated(_year, a, b, c, km, days)
    rows = f"{len(a):,} + {len(b):,} + {len(c):,} rows"
    print(f"one dense year, three sources ({rows}, ACLED 2019's days): {seconds:.2f} s, "
          f"{mb:.0f} MiB, {events:,} events ({status})\n")  # fmt: skip


def _copies(a: Any, b: Any) -> str:
    from incidentmap.merge import merge_incidents

    result = merge_incidents([("a", a), ("b", b)])
    return f"{len(result.merged):,} events, {result.pending:,} waiting for a person"


def copies(seed: int) -> None:
    """The dense year's ACLED rows given twice: once as they are, once shuffled, ids cut off.

    Every row is the same row in both (each its copy's event); the time is the same-row
    rule's cost on top of a merge (ids cut: the rows pair by every column).
    """
    import tempfile

    from bench.merge_data import load_case, publish, world_acled

    world = world_acled(2019, seed=seed)
    with tempfile.TemporaryDirectory() as tmp:
        a, _ = load_case(publish(world, "year", seed=seed), tmp)
    a = a.assign(event_id=None)
    b = a.sample(frac=1.0, random_state=seed)
    status, seconds, mb, said = isolated(_copies, a, b)
    print(f"one dense year given twice, without ids ({len(a):,} + {len(b):,} rows): "
          f"{seconds:.2f} s, {mb:.0f} MiB, {said} ({status})\n")  # fmt: skip


def run(
    sizes: list[int], seed: int, km: float, days: float, peer_max_pairs: float, peer_python: str,
    splink_python: str = "",
) -> int:  # fmt: skip
    """Print time, memory, precision and recall for both, per size."""
    print(f"windows: {km:g} km, {days:g} days; incidentmap's calibrated model; the peer: "
          "the weights and threshold below\n")  # fmt: skip
    dense(seed, km, days, peer_python, splink_python=splink_python)
    dense_year(seed, km, days)
    copies(seed)
    year(seed, km, days)
    for n in sizes:
        a, b, truth = make_sources(n, seed)
        print(f"{n:,} events in A, {len(b):,} in B, {len(truth):,} true pairs")
        ours, ours_mb = _side("incidentmap", _ours, a, b, km, days, truth)
        pairs = n * peer_window(n, days)
        if pairs > peer_max_pairs:
            print(
                f"  {'recordlinkage':<14} not run: its index would compare about {pairs:,.0f} pairs"
            )
            continue
        if not peer_python:
            print(f"  {'recordlinkage':<14} not run: give --peer-python (see README)")
            continue
        theirs, theirs_mb = _side("recordlinkage", None, a, b, km, days, truth, peer_python)
        if ours == ours and theirs == theirs:
            print(
                f"  ratio: {theirs / ours:.1f}x time, {theirs_mb / ours_mb:.1f}x memory "
                "(recordlinkage / incidentmap)"
            )
    return 0
