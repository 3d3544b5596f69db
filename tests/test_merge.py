"""``merge``: real files, a second source derived from them, and the merge's promises.

Accuracy is measured on events the tests know the truth of: a real file (GTD, UCDP GED)
and what ACLED would have published about the same events (``bench/merge_data.py``:
points moved, a share placed only to the province, dates a day apart, actors under
their other names, tolls that differ, events only one source has).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from bench.merge_data import derive_acled
from hypothesis import given, settings
from hypothesis import strategies as st

import incidentmap as im
from incidentmap.io import read_geocoded
from incidentmap.merge import MATCH, merge_incidents
from incidentmap.merge.decisions import read_decisions
from incidentmap.merge.explain import explain_pair
from incidentmap.pipeline import load_incidents
from tests.conftest import INCIDENTS
from tests.test_cli import run

GTD = INCIDENTS / "gtd_afg_2004_2009_towns.csv"
UCDP = INCIDENTS / "ucdp_ged_afg_realcaddish.geojson"


@pytest.fixture(scope="module")
def gtd(cache):
    return load_incidents(GTD)[0]


@pytest.fixture(scope="module")
def ucdp(cache):
    return load_incidents(UCDP)[0]


def _derived(g, tmp_path, **kw):
    d = derive_acled(g, **kw)
    path = tmp_path / "acled_derived.csv"
    d.frame.to_csv(path, index=False)
    b, report = load_incidents(path)
    assert report.preset == "acled"  # read as ACLED, by its codebook's columns
    return b, {(orig, new) for new, orig in d.truth.items()}, path


def _matches(result, a="orig", b="acled"):
    m = result.pairs[result.pairs["decision"] == "match"]
    assert set(m["source_a"]) <= {a} and set(m["source_b"]) <= {b}
    return set(zip(m["event_id_a"], m["event_id_b"], strict=True))


@pytest.mark.parametrize(
    # GTD's 640 province-level rows are matched only from MATCH_PROVINCE: the rest in review
    ("which", "precision", "recall"),
    [("gtd", 0.97, 0.65), ("ucdp", 0.97, 0.85)],
)
def test_accuracy_on_a_real_file_and_a_derived_source(
    which, precision, recall, gtd, ucdp, tmp_path
):
    g = gtd if which == "gtd" else ucdp
    b, truth, _ = _derived(g, tmp_path)
    result = merge_incidents({"orig": g, "acled": b})
    found = _matches(result)
    hit = len(found & truth)
    assert hit / len(found) >= precision
    assert hit / len(truth) >= recall
    # what is not matched is mostly sent to a person, not lost
    review = result.pairs[result.pairs["decision"] == "review"]
    flagged = set(zip(review["event_id_a"], review["event_id_b"], strict=True))
    assert len((found | flagged) & truth) / len(truth) >= 0.9
    # nothing lost: every row of every source is in exactly one event
    assert result.merged["n_sources"].sum() == len(g) + len(b)
    assert result.rows_in == len(g) + len(b)
    ids = result.merged["source_ids"].str.split("|").explode()
    assert ids.is_unique and len(ids) == len(g) + len(b)


def test_episodes_merge_only_without_a_rival(ucdp, tmp_path):
    """A date range is matched only when no other candidate comes close (issue 27)."""
    b, _, _ = _derived(ucdp, tmp_path)
    result = merge_incidents({"orig": ucdp, "acled": b})
    ranged = set(ucdp.loc[ucdp["date_precision"] != "day", "event_id"].astype(str))
    pairs = result.pairs
    review = pairs[(pairs["decision"] == "review") & pairs["event_id_a"].isin(ranged)]
    assert len(review) > 0
    assert review["reason"].str.contains("episode|ambiguous|between").all()
    m = pairs[(pairs["decision"] == "match") & pairs["event_id_a"].isin(ranged)]
    for _, row in m.iterrows():  # a matched episode has no open rival: reason says chosen
        assert row["reason"].startswith("the best one-to-one pair")


def test_area_pairs_have_no_distance(gtd, tmp_path):
    b, _, _ = _derived(gtd, tmp_path)
    result = merge_incidents({"orig": gtd, "acled": b})
    area = result.pairs[result.pairs["level"] != "point"]
    assert len(area) > 100
    assert area["km"].isna().all()  # a province-placed event is not 0 km from a point
    assert result.pairs.loc[result.pairs["level"] == "point", "km"].notna().all()


@settings(max_examples=5, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), swap=st.booleans())
def test_order_independence(seed, swap, gtd, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("order")
    b, _, _ = _derived(gtd, tmp, seed=7)
    base = merge_incidents({"orig": gtd, "acled": b})
    rng = np.random.default_rng(seed)
    ga = gtd.iloc[rng.permutation(len(gtd))]
    gb = b.iloc[rng.permutation(len(b))]
    sources = [("acled", gb), ("orig", ga)] if swap else [("orig", ga), ("acled", gb)]
    other = merge_incidents(sources)
    pairs = _matches(base)
    again = _matches(other, *(("acled", "orig") if swap else ("orig", "acled")))
    if swap:
        again = {(y, x) for x, y in again}
    assert again == pairs
    events = {frozenset(s.split("|")) for s in base.merged["source_ids"]}
    assert {frozenset(s.split("|")) for s in other.merged["source_ids"]} == events


def test_three_sources_one_row_per_source_per_event(gtd, ucdp, tmp_path):
    b, _, _ = _derived(gtd, tmp_path, seed=11)
    c, _, _ = _derived(gtd, tmp_path, seed=12)
    result = merge_incidents([("orig", gtd), ("acled", b), ("third", c)])
    for ids in result.merged["source_ids"]:
        names = [k.split(":")[0] for k in ids.split("|")]
        assert len(names) == len(set(names))
    assert (result.merged["n_sources"] == 3).sum() > 500
    assert result.merged["n_sources"].sum() == len(gtd) + len(b) + len(c)


def test_value_rule(gtd, tmp_path):
    b, _, _ = _derived(gtd, tmp_path)
    result = merge_incidents({"orig": gtd, "acled": b})
    both = result.merged[result.merged["n_sources"] == 2]
    # the lowest toll is the floor and the highest kept; each source's own under its name
    lo = both[["orig_fatalities", "acled_fatalities"]].apply(pd.to_numeric).min(axis=1)
    hi = both[["orig_fatalities", "acled_fatalities"]].apply(pd.to_numeric).max(axis=1)
    assert (both["fatalities"] == lo).all() and (both["fatalities_high"] == hi).all()
    # a point beats a province: no merged event is coarser than its finest source
    rank = {"point": 0, "district": 1, "province": 2}
    src = pd.concat(
        [
            gtd.assign(k="orig:" + gtd["event_id"].astype(str)),
            b.assign(k="acled:" + b["event_id"].astype(str)),
        ]
    ).set_index("k")
    for ids, prec in zip(both["source_ids"], both["geocode_precision"], strict=True):
        best = min(rank.get(src.loc[k, "geocode_precision"], 3) for k in ids.split("|"))
        assert rank.get(prec, 3) == best


def test_cli_merge_counts_decisions_and_downstream(capsys, use_cache, gtd, tmp_path):
    _, _, derived = _derived(gtd, tmp_path)
    out, pairs = tmp_path / "merged.gpkg", tmp_path / "pairs.csv"
    code, _, err = run(
        capsys, "merge", f"gtd={GTD}", f"acled={derived}", "-o", out, "--pairs", pairs
    )
    assert code == 0, err
    n_gtd, n_acled = len(gtd), len(pd.read_csv(derived))
    assert f"gtd: {n_gtd:,} rows:" in err and f"acled: {n_acled:,} rows:" in err
    merged = read_geocoded(out)
    total = n_gtd + n_acled
    assert f"merged: {total:,} rows in = {len(merged):,} events out" in err
    table = pd.read_csv(pairs, dtype=str)
    assert list(table.columns[:11]) == [
        "source_a", "event_id_a", "source_b", "event_id_b", "level", "km", "days", "score",
        "decision", "runner_up", "reason",
    ]  # fmt: skip
    # a person's calls: one match undone, one review made a match
    first_match = table.index[table["decision"] == "match"][0]
    first_review = table.index[table["decision"] == "review"][0]
    table.loc[first_match, "decision"] = "different"
    table.loc[first_review, "decision"] = "match"
    edited = tmp_path / "edited.csv"
    table.to_csv(edited, index=False)
    out2 = tmp_path / "merged2.gpkg"
    code, _, err = run(
        capsys, "merge", f"gtd={GTD}", f"acled={derived}", "-o", out2, "--decisions", edited
    )
    assert code == 0, err
    merged2 = read_geocoded(out2)
    keys = {frozenset(s.split("|")) for s in merged2["source_ids"]}
    undone, made = table.loc[first_match], table.loc[first_review]
    assert frozenset({f"gtd:{undone.event_id_a}", f"acled:{undone.event_id_b}"}) not in keys
    assert frozenset({f"gtd:{made.event_id_a}", f"acled:{made.event_id_b}"}) in keys
    # downstream commands take the merged list as it is
    code, qout, err = run(capsys, "query", out, "--since", "2007-01-01", "--until", "2007-01-31")
    assert code == 0, err
    assert "source_ids" in qout.splitlines()[0]
    code, _, err = run(capsys, "aggregate", out, "-o", tmp_path / "prov.csv", "--level", "province")
    assert code == 0, err
    agg = pd.read_csv(tmp_path / "prov.csv")
    assert (
        agg["incidents"].sum()
        == (
            merged["geocode_precision"].isin(["point", "district", "province"])
            & merged["date"].notna()
        ).sum()
    )


def _decisions(path, event_id_a, decision):
    row = {"source_a": "gtd", "event_id_a": event_id_a, "source_b": "acled",
           "event_id_b": "AFG00001", "decision": decision}  # fmt: skip
    pd.DataFrame([row]).to_csv(path, index=False)


def test_cli_merge_refuses(capsys, use_cache, gtd, tmp_path):
    _, _, derived = _derived(gtd, tmp_path)
    out = tmp_path / "m.gpkg"
    code, _, err = run(capsys, "merge", GTD, "-o", out)
    assert code == 2 and "at least two" in err
    code, _, err = run(capsys, "merge", GTD, derived, "-o", out, "--km", "-1")
    assert code == 2 and "--km" in err
    code, _, err = run(capsys, "merge", f"x={GTD}", f"x={derived}", "-o", out)
    assert code == 2 and "named 'x'" in err
    bad = tmp_path / "bad.csv"
    _decisions(bad, "2.004e+11", "match")
    code, _, err = run(
        capsys, "merge", f"gtd={GTD}", f"acled={derived}", "-o", out, "--decisions", bad
    )
    assert code == 1 and "bad.csv, row 1, column 'event_id_a'" in err and "Traceback" not in err
    assert len(err.strip().splitlines()[-1]) < 300 and not out.exists()
    _decisions(bad, "x", "maybe")
    with pytest.raises(im.InputFileError, match=r"row 1, column 'decision'.*'maybe' is not one of"):
        read_decisions(bad)


def test_explain(capsys, use_cache, gtd, tmp_path):
    b, truth, derived = _derived(gtd, tmp_path)
    orig, new = sorted(truth)[0]
    code, _, err = run(
        capsys,
        "merge",
        f"gtd={GTD}",
        f"acled={derived}",
        "--explain",
        f"gtd:{orig}",
        "--explain",
        f"acled:{new}",
    )
    assert code == 0, err
    for part in ("space", "time", "category", "actors", "tolls", "names", "total"):
        assert part in err
    parts, lines = explain_pair({"gtd": gtd, "acled": b}, ("gtd", orig), ("acled", new))
    total = parts.loc[parts["part"] == "total"].iloc[0]
    assert total["points"] == pytest.approx(parts["points"].iloc[:-1].sum(), abs=0.01)
    assert total["value"] == pytest.approx(1 / (1 + np.exp(-total["points"])), abs=0.01)
    assert lines[1].startswith("candidates:")


def test_candidates_find_what_all_pairs_find(gtd, tmp_path):
    """The indexes give the same candidate pairs as comparing every pair (small sample)."""
    from incidentmap.merge.candidates import candidate_pairs
    from incidentmap.merge.records import haversine_km, records_of

    b, _, _ = _derived(gtd, tmp_path)
    ra, rb = records_of("a", gtd.iloc[:400]), records_of("b", b)
    got = candidate_pairs(ra, rb, km=5, days=1)
    found = set(zip(got.i.tolist(), got.j.tolist(), strict=True))
    want = set()
    for i in range(len(ra)):
        for j in range(len(rb)):
            if np.isnan(ra.lo[i]) or np.isnan(rb.lo[j]) or "none" in (ra.level[i], rb.level[j]):
                continue
            gap = max(0, max(ra.lo[i], rb.lo[j]) - min(ra.hi[i], rb.hi[j]))
            if gap > 1:
                continue
            if ra.level[i] == rb.level[j] == "point":
                d = haversine_km(
                    ra.lon[i : i + 1], ra.lat[i : i + 1], rb.lon[j : j + 1], rb.lat[j : j + 1]
                )[0]
                ok = d <= 5 + ra.radius[i] + rb.radius[j]
            elif "province" in (ra.level[i], rb.level[j]):
                ok = ra.province[i] == rb.province[j]
            else:
                ok = ra.district[i] == rb.district[j]
            if ok:
                want.add((i, j))
    assert found == want and len(want) > 50


def test_match_threshold_documented():
    from incidentmap.merge import score

    assert f"({MATCH:.2f})" in score.__doc__


def test_readme_merge_example_quotes_a_real_run(capsys, use_cache, tmp_path):
    from tests.conftest import ROOT

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("### `incidentmap merge`", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    quoted = [line[2:] for line in block.splitlines() if line.startswith("# ")]
    assert len(quoted) == 4
    code, _, err = run(
        capsys, "merge", f"gtd={GTD}", f"ucdp={UCDP}", "-o", tmp_path / "m.gpkg",
        "--pairs", tmp_path / "p.csv",
    )  # fmt: skip
    assert code == 0, err
    for line in quoted:
        assert line in err


def test_page_popup_lists_the_sources_of_an_event(capsys, use_cache, tmp_path):
    """A reader of the page sees which sources reported an event ("Reported by")."""
    from playwright.sync_api import sync_playwright

    from tests.test_browser import CHROMIUM, open_page

    merged = tmp_path / "m.gpkg"
    code, _, err = run(capsys, "merge", f"gtd={GTD}", f"ucdp={UCDP}", "-o", merged)
    assert code == 0, err
    g = read_geocoded(merged)
    both = g[(g["n_sources"] == 2) & (g["geocode_precision"] == "point")]
    # an event alone at its point (Kabul's points are many at one place)
    counts = both.geometry.to_wkt().map(g.geometry.to_wkt().value_counts())
    event = both[counts.to_numpy() == 1].iloc[0]
    page_path = tmp_path / "p.html"
    code, _, err = run(
        capsys, "map", merged, "--kind", "points", "--period", "none", "-o", page_path
    )
    assert code == 0, err
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        _, page = open_page(browser, page_path)
        lat, lon = event.geometry.y, event.geometry.x
        page.evaluate(
            f"() => {{ window.incidentmapInstances[0].map.setView([{lat}, {lon}], 15); }}"
        )
        page.wait_for_timeout(500)
        opened = page.evaluate(f"""() => {{ let n = 0; const m = window.incidentmapInstances[0];
            m.pointLayer.eachLayer(l => {{ if (l.getLatLng
                && Math.abs(l.getLatLng().lat - {lat}) < 1e-4
                && Math.abs(l.getLatLng().lng - {lon}) < 1e-4) {{ l.openPopup(); n++; }} }});
            return n; }}""")
        assert opened >= 1
        popup = page.locator(".im-popup")
        popup.wait_for()
        text = popup.inner_text()
        assert "Reported by" in text
        for key in event["source_ids"].split("|"):
            assert key in text
        assert page.problems == []
        browser.close()
