"""Trends on constructed series and maps whose right answers are known."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pyogrio
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import incidentmap as im
from incidentmap.aggregate import national_timeline
from incidentmap.errors import UsageError
from incidentmap.geocode import geocode as geocode_frame
from incidentmap.pipeline import load_incidents
from incidentmap.trends import classify_emerging, compare, rising_test, trends
from tests.test_cli import run

MONDAY = pd.Timestamp("2023-01-02")  # weeks start on Monday


@pytest.fixture(scope="module")
def anchors(cache):
    """A point inside every province, by name."""
    prov = im.load_boundaries("province")
    pts = prov.geometry.representative_point()
    return {n: (p.y, p.x) for n, p in zip(prov["province"], pts, strict=True)}


def _incidents(anchors, weekly: dict[str, list[int]], *, end_on_sunday: bool = True):
    """Incidents at each province's anchor: ``weekly[name][k]`` on Wednesday of week k."""
    # one incident on the Saturday before: the data cover week 0 whole (calendar and ACLED
    # weeks), as a first event on its Wednesday would not (the first week partial, left out)
    lat, lon = anchors["Bamyan"]
    rows = [{"date": MONDAY - pd.Timedelta(days=2), "latitude": lat, "longitude": lon}]
    for name, counts in weekly.items():
        lat, lon = anchors[name]
        for k, n in enumerate(counts):
            day = MONDAY + pd.Timedelta(weeks=k, days=2)
            rows += [{"date": day, "latitude": lat, "longitude": lon}] * n
    n_weeks = max(len(c) for c in weekly.values())
    if end_on_sunday:  # one more incident on the last Sunday: the last week is complete
        lat, lon = anchors["Bamyan"]
        rows.append(
            {
                "date": MONDAY + pd.Timedelta(weeks=n_weeks - 1, days=6),
                "latitude": lat,
                "longitude": lon,
            }
        )
    frame = pd.DataFrame(rows)
    frame.insert(0, "event_id", [f"E{i}" for i in range(len(frame))])
    return geocode_frame(frame)


def _row(result, province):
    return result.set_index("province").loc[province]


def test_surge_rule_as_acled_defines_it(anchors):
    g = _incidents(
        anchors,
        {
            "Nangarhar": [1, 1, 1, 1, 2],  # twice a mean of exactly 1: surge
            "Kunar": [0, 1, 1, 1, 9],  # mean 0.75 < 1: below ACLED's floor, never a surge
            "Herat": [2, 2, 2, 2, 3],  # +50%: no
            "Balkh": [2, 0, 2, 0, 2],  # mean 1, latest 2: surge
        },
    )
    r, facts = compare(g, level="province", period="week", hotspots=False)
    assert bool(_row(r, "Nangarhar")["surge"]) and bool(_row(r, "Balkh")["surge"])
    assert not _row(r, "Kunar")["surge"] and not _row(r, "Herat")["surge"]
    assert _row(r, "Nangarhar")["baseline_mean"] == 1.0
    assert _row(r, "Nangarhar")["change_pct"] == 100.0
    assert facts["baseline"] == 4 and facts["last_period"] == MONDAY + pd.Timedelta(weeks=4)
    # the threat rule needs 56 weeks: none here
    assert not r["threat"].any()


def test_threat_rule_as_acled_defines_it(anchors):
    g = _incidents(
        anchors,
        {
            "Balkh": [1] * 52 + [2, 2, 2, 2],  # 4-week mean 2 = twice the year's 1: threat
            "Kabul": [1] * 52 + [2, 2, 2, 1],  # 1.75: no
            "Kandahar": [0] * 52 + [1, 0, 1, 1],  # 0.75: under the floor of one a week
        },
    )
    r = trends(g, level="province", period="week", hotspots=False)
    assert bool(_row(r, "Balkh")["threat"])
    assert not _row(r, "Kabul")["threat"] and not _row(r, "Kandahar")["threat"]
    assert not _row(r, "Balkh")["surge"]  # 2 against a month's mean of 1.75


def test_incomplete_last_period_is_left_out(anchors):
    weekly = {"Nangarhar": [1, 1, 1, 1, 5]}
    g = _incidents(anchors, weekly, end_on_sunday=False)  # the data end on a Wednesday
    _, facts = compare(g, level="province", period="week", hotspots=False)
    assert facts["dropped_incomplete"] is True
    assert facts["last_period"] == MONDAY + pd.Timedelta(weeks=3)
    r2 = trends(g, level="province", period="week", hotspots=False, include_incomplete=True)
    assert _row(r2, "Nangarhar")["last_count"] == 5 and bool(_row(r2, "Nangarhar")["surge"])


@pytest.mark.parametrize("n_base", [4, 12])
@pytest.mark.parametrize("rate", [0.3, 1.0, 3.0, 10.0])
def test_rising_test_false_positive_rate_on_constant_rates(rate, n_base):
    """Constant-rate Poisson series: the test flags at most ~5% (it is exact, so below)."""
    rng = np.random.default_rng(int(rate * 100) + n_base)
    n = 40_000
    base = rng.poisson(rate, size=(n, n_base)).sum(axis=1)
    last = rng.poisson(rate, size=n)
    fpr = float((rising_test(last, base, n_base) < 0.05).mean())
    assert fpr <= 0.05 + 3 * np.sqrt(0.05 * 0.95 / n)  # within sampling error of the level
    # the naive test (Poisson against the baseline mean as if it were known) is worse
    from scipy.stats import poisson

    naive = float((poisson.sf(last - 1, np.maximum(base / n_base, 1e-9)) < 0.05).mean())
    assert naive >= fpr


def test_rising_test_power_on_a_tripled_rate():
    rng = np.random.default_rng(5)
    n = 20_000
    base = rng.poisson(3.0, size=(n, 12)).sum(axis=1)
    last = rng.poisson(9.0, size=n)
    power = float((rising_test(last, base, 12) < 0.05).mean())
    assert power > 0.7  # measured 0.75 with 12 baseline periods


def test_gi_star_finds_a_constructed_hot_block(anchors):
    prov = im.load_boundaries("province")
    hot = ["Nangarhar", "Kunar", "Laghman", "Nuristan", "Kapisa"]
    counts = {name: [0] * 51 + ([40] if name in hot else [1]) for name in prov["province"]}
    g = _incidents(anchors, counts)
    r = trends(g, level="province", period="week", hotspots=True, permutations=999)
    hot_found = set(r.loc[r["hotspot"] == "hot", "province"])
    # esda's conditional permutations hold an area's own value fixed: the areas whose
    # neighbours are the block come out hot (Kunar, Laghman); Gi* z-scores show the block
    assert {"Kunar", "Laghman"} <= hot_found
    z = r.set_index("province")["gi_z"]
    assert (z[["Nangarhar", "Kunar", "Laghman", "Nuristan"]] > 2).all()
    assert z.drop(list(near_block(prov, hot))).max() < 1.0
    # nothing hot away from the block and its neighbours
    assert hot_found <= near_block(prov, hot)
    assert not set(r.loc[r["hotspot"] == "cold", "province"]) & set(hot)
    # hot only in the last of many periods: a new hot spot
    assert set(r.set_index("province").loc[["Kunar", "Laghman"], "emerging"]) == {"new hotspot"}


def near_block(prov, names):
    """The block's areas and the areas touching them."""
    block = prov[prov["province"].isin(names)].union_all()
    return set(prov.loc[prov.intersects(block.buffer(0.01)), "province"])


def _e(gs, sigs, tau=0.0, tau_p=1.0):
    return classify_emerging(np.array(gs, float), np.array(sigs, bool), tau, tau_p, 0.05)


def test_emerging_categories():
    f, t = False, True
    assert _e([0, 0, 0, 0, 3], [f, f, f, f, t]) == "new hotspot"
    assert _e([0, 0, 0, 0, -3], [f, f, f, f, t]) == "new coldspot"
    assert _e([0, 0, 0, 3, 3, 3], [f, f, f, t, t, t]) == "consecutive hotspot"
    assert _e([3] * 10, [t] * 10, tau=0.6, tau_p=0.01) == "intensifying hotspot"
    assert _e([3] * 10, [t] * 10, tau=0.1, tau_p=0.5) == "persistent hotspot"
    assert _e([3] * 10, [t] * 10, tau=-0.6, tau_p=0.01) == "diminishing hotspot"
    assert _e([-3] * 10, [t] * 10, tau=0.1, tau_p=0.5) == "persistent coldspot"
    assert _e([-3, 0, 3, 0, 3], [t, f, t, f, t]) == "oscillating hotspot"
    assert _e([3] * 9 + [-0.5], [t] * 9 + [f], tau=-0.5, tau_p=0.01) == "historical hotspot"
    assert _e([0, 3, 0, 3, 0, 0], [f, t, f, t, f, f]) == "sporadic hotspot"
    assert _e([0] * 6, [f] * 6) == "no pattern"
    assert _e([], []) == "no pattern"


def test_national_timeline_counts_every_period(anchors):
    g = _incidents(anchors, {"Nangarhar": [1, 0, 0, 4]})
    tl = national_timeline(g, "week")
    # the Bamyan incidents of the Saturday before and of the last Sunday included
    assert tl["incidents"].tolist() == [1, 1, 0, 0, 5]
    assert list(tl.columns[:2]) == ["period_start", "incidents"]


def test_errors_are_usage_errors(anchors):
    g = _incidents(anchors, {"Nangarhar": [1, 1]})
    with pytest.raises(UsageError, match="level"):
        trends(g, level="village")
    with pytest.raises(UsageError, match="period"):
        trends(g, period="fortnight")
    with pytest.raises(UsageError, match="baseline"):
        trends(g, baseline=0)
    with pytest.raises(UsageError, match="filters"):
        trends(g.iloc[:0])


def test_cli_formats_and_outputs(capsys, use_cache, tmp_path, anchors):
    g = _incidents(anchors, {"Nangarhar": [1, 1, 1, 1, 3], "Kunar": [2, 2, 2, 2, 2]})
    src = tmp_path / "in.csv"
    pd.DataFrame(
        {
            "event_id": g["event_id"],
            "date": g["date"].dt.strftime("%Y-%m-%d"),
            "latitude": g["latitude"],
            "longitude": g["longitude"],
        }
    ).to_csv(src, index=False)
    code, out, err = run(
        capsys, "trends", src, "--period", "week", "--format", "csv", "--no-hotspots"
    )
    assert code == 0, err
    table = pd.read_csv(io.StringIO(out))
    assert len(table) == 34
    assert table.iloc[0]["province"] == "Nangarhar" and bool(table.iloc[0]["surge"])
    assert "surge 1" in err and "latest week: 2023-01-30" in err
    code, out, err = run(
        capsys, "trends", src, "--period", "week", "--format", "json", "--no-hotspots"
    )
    doc = json.loads(out)
    assert doc["level"] == "province" and doc["baseline"] == 4 and "surge" in doc["rules"]
    # all but the Saturday before week 0: its calendar week the data cover only in part
    assert sum(r["incidents"] for r in doc["timeline"]) == len(g) - 1
    code, out, err = run(capsys, "trends", src, "--period", "week", "--timeline", "-f", "csv")
    assert pd.read_csv(io.StringIO(out))["incidents"].sum() == len(g) - 1
    gj = tmp_path / "t.geojson"
    code, _, err = run(
        capsys,
        "trends",
        src,
        "--period",
        "week",
        "--level",
        "district",
        "--permutations",
        "99",
        "-o",
        gj,
        "-f",
        "csv",
    )
    assert code == 0, err
    layer = pyogrio.read_dataframe(gj)
    assert len(layer) == len(im.load_boundaries()) and layer.geometry.notna().all()
    assert {"surge", "threat", "rising", "gi_z", "hotspot", "emerging"} <= set(layer.columns)
    code, _, err = run(capsys, "trends", src, "-o", gj)
    assert code == 2 and "exists; use --overwrite" in err
    code, _, err = run(capsys, "trends", src, "--period", "fortnight")
    assert code == 2


def test_periods_run_to_the_coverage_with_their_zeros(use_cache):
    # issue 16: `trends --period quarter` said "latest quarter: 2023-04-01" although the data
    # end 2023-11-07 and Q3 2023 is complete, with no events: quiet periods at the end vanished,
    # so the test always ran on the last period that had an event (a bias toward "rising")
    from tests.conftest import ROOT

    g, _ = load_incidents(ROOT / "geo" / "sample_incidents.csv")
    assert pd.to_datetime(g["date"]).max() == pd.Timestamp("2023-11-07")
    t, facts = compare(g, level="province", period="quarter", hotspots=False)
    assert facts["last_period"] == pd.Timestamp("2023-07-01")
    assert (t["last_count"] == 0).all() and not t["rising"].any()
    assert facts["data_end"] == pd.Timestamp("2023-11-07") and facts["dropped_incomplete"]
    _, later = compare(g, level="province", period="quarter", hotspots=False, until="2023-12-31")
    assert later["last_period"] == pd.Timestamp("2023-10-01")
    # the coverage of the file, not the last event kept by a filter
    early = g[pd.to_datetime(g["date"]) < "2022-01-01"].copy()
    t, facts = compare(early, level="province", period="year", hotspots=False, until="2023-11-07")
    assert facts["last_period"] == pd.Timestamp("2022-01-01")
    assert (t["last_count"] == 0).all()


def test_gi_star_z_and_p_agree_and_quiet_areas_are_no_pattern(use_cache):
    # issue 16: Laghman and Logar, with no incident ever, were "sporadic hotspot", and
    # gi_z 2.739 stood beside gi_p 1.000 (z from the normal approximation, p from permutations)
    from tests.conftest import ROOT

    g, _ = load_incidents(ROOT / "geo" / "sample_incidents.csv")
    t = trends(g, level="province", period="year", include_incomplete=True, permutations=199)
    by = t.set_index("province")
    never = set(g["province"].dropna())
    for name in ("Laghman", "Logar"):
        assert name not in never and by.loc[name, "emerging"] == "no pattern"
    assert not ((t["gi_p"] >= 0.999) & (t["gi_z"].abs() > 0)).any()  # p = 1 only with z = 0
    sig = t["gi_p"] < 0.05
    assert (t.loc[sig, "hotspot"] == np.where(t.loc[sig, "gi_z"] > 0, "hot", "cold")).all()
    quiet = [p for p in ("Nimroz", "Helmand", "Kandahar", "Zabul") if p not in never]
    assert quiet and (by.loc[quiet, "gi_z"] == 0).all() and (by.loc[quiet, "gi_p"] == 1).all()


def _esda_gi_star(matrix, w, permutations, seed):
    """Gi* per period with esda itself: the method :func:`gi_star` computes in numpy."""
    import warnings

    from esda.getisord import G_Local

    z = np.zeros_like(matrix, dtype=float)
    p = np.ones_like(matrix, dtype=float)
    around = np.asarray((w.sparse != 0).astype(float) @ matrix) + matrix
    for t in range(matrix.shape[1]):
        y = matrix[:, t].astype(float)
        if y.sum() == 0 or np.all(y == y[0]):
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            g = G_Local(y, w, transform="B", star=True, permutations=permutations, seed=seed)
        sim = np.asarray(g.rGs)
        spread = sim.std(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            zt = np.where(spread > 0, (g.Gs - sim.mean(axis=1)) / spread, 0.0)
        quiet = around[:, t] == 0
        z[:, t] = np.nan_to_num(np.where(quiet, 0.0, zt))
        obs, tol = g.Gs[:, None], 1e-12 * np.maximum(1.0, np.abs(g.Gs[:, None]))
        above, below = (sim >= obs - tol).sum(axis=1), (sim <= obs + tol).sum(axis=1)
        extreme = np.where(z[:, t] > 0, above, np.where(z[:, t] < 0, below, permutations))
        p[:, t] = np.where(quiet, 1.0, (extreme + 1) / (permutations + 1))
    return z, p


def test_gi_star_is_esdas_conditional_randomisation():
    # the numpy Gi* draws esda's permutations for the same seed: the same z and p, every period
    from libpysal.weights import lat2W

    from incidentmap.hotspots import gi_star

    w = lat2W(5, 6, rook=False)  # 30 areas, 3 to 8 neighbours
    rng = np.random.default_rng(7)
    matrix = rng.poisson(rng.uniform(0.1, 4.0, size=(30, 1)), size=(30, 9)).astype(float)
    matrix[:, 2] = 0  # a period with no event
    matrix[:, 5] = 3  # every area the same
    matrix[:12, 7] = 0  # a quiet corner
    for seed in (12345, 1):
        z, p = gi_star(matrix, w, 99, seed)
        z_ref, p_ref = _esda_gi_star(matrix, w, 99, seed)
        np.testing.assert_array_equal(p, p_ref)
        # equal to the bit without numba; esda's numba kernels (fastmath) may move the last bits
        np.testing.assert_allclose(z, z_ref, rtol=0, atol=1e-12)
        assert (p[:, [2, 5]] == 1).all() and (z[:, [2, 5]] == 0).all()
        assert (p < 0.05).any()  # something to find, so the comparison says something
    # the draws follow the seed: another seed, other p-values
    assert not np.array_equal(gi_star(matrix, w, 99, 1)[1], gi_star(matrix, w, 99, 2)[1])
    # a sparse matrix of the same contiguity is the same weights
    by_sparse, by_w = gi_star(matrix, w.sparse, 99, 1), gi_star(matrix, w, 99, 1)
    for ours, theirs in zip(by_sparse, by_w, strict=True):
        np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("level", ["province", "district"])
def test_queen_neighbours_are_libpysals(level, cache):
    from incidentmap.hotspots import queen_neighbours, queen_weights

    areas = im.load_boundaries(level)
    ours = queen_neighbours(areas)
    theirs = (queen_weights(areas).sparse != 0).astype(float)
    assert ours.shape == (len(areas), len(areas)) and ours.nnz > 2 * len(areas)
    assert (ours != theirs).nnz == 0


def test_trend_options_group_the_choices(anchors):
    from incidentmap.trends import TrendOptions

    g = _incidents(anchors, {"Nangarhar": [1, 1, 1, 1, 3, 1, 4], "Kunar": [2, 0, 2, 2, 5, 2, 2]})
    opts = TrendOptions(period="week", baseline=3, hotspots=False)
    assert opts.baseline_periods == 3 and TrendOptions().baseline_periods == 4
    with pytest.raises(TypeError):
        TrendOptions("district")  # keyword-only
    with pytest.raises(AttributeError):
        opts.alpha = 0.1  # frozen
    by_options = trends(g, options=opts)
    by_keywords = trends(g, period="week", baseline=3, hotspots=False)
    pd.testing.assert_frame_equal(by_options, by_keywords)
    assert compare(g, options=opts).facts["baseline"] == 3 and not by_options.attrs
    # keywords on top of options replace its fields
    assert compare(g, options=opts, baseline=5).facts["baseline"] == 5
    with pytest.raises(UsageError, match="unknown trend option 'periods'"):
        trends(g, periods="week")
    with pytest.raises(UsageError, match="alpha"):
        TrendOptions(alpha=1.5)


def test_progress_is_told_of_the_gi_star_periods(anchors):
    from incidentmap.trends import GI_STEP, TrendOptions

    g = _incidents(anchors, {"Nangarhar": [3, 0, 1, 4, 2, 5], "Kunar": [0, 2, 2, 0, 1, 1]})
    calls = []
    r = trends(
        g,
        options=TrendOptions(permutations=19),
        progress=lambda *a: calls.append(a),
    )
    assert "gi_z" in r
    n_periods = 6  # every week has an event somewhere
    assert calls[0] == (GI_STEP, 0, n_periods) and calls[-1] == (GI_STEP, n_periods, n_periods)
    assert [c[1] for c in calls] == sorted(c[1] for c in calls)
    calls.clear()
    trends(g, options=TrendOptions(hotspots=False), progress=lambda *a: calls.append(a))
    assert calls == []


def test_month_dated_counts_compare_by_month_and_say_why_not_by_week(capsys, use_cache, tmp_path):
    # issue 26 class 6: month-dated rows failed with KeyError 'AF-BAL' (no week holds them)
    src = tmp_path / "m.csv"
    rows = [f"A{i},2023-{i:02d},{p}" for i, p in enumerate(["Balkh", "Kabul"] * 3, start=1)]
    src.write_text("event_id,date,province\n" + "\n".join(rows) + "\n")
    code, out, err = run(capsys, "trends", src, "--period", "month", "--include-incomplete",
                         "-f", "csv")  # fmt: skip
    assert code == 0, err
    assert "surge and threat not applied" in err and len(pd.read_csv(io.StringIO(out))) == 34
    code, _, err = run(capsys, "trends", src, "-f", "csv")  # weeks: none holds a month
    assert code == 2 and "known only to a longer span than a week" in err


# ---------------------------------------------------------------------------------------------
# trends without scipy.stats (issue 25): the same numbers, to the last bit


@settings(max_examples=300, deadline=None)
@given(
    last=st.floats(-2, 400, allow_nan=False),
    base=st.floats(0, 4000, allow_nan=False),
    whole=st.booleans(),
    n_base=st.integers(1, 60),
)
def test_binomial_sf_is_scipys_binom_sf(last, base, whole, n_base):
    from scipy.stats import binom

    from incidentmap.trends import binomial_sf

    if whole:  # counts; else weighted counts with fractions (binom.sf: NaN)
        last, base = float(round(last)), float(round(base))
    k, n, p = last - 1, last + base, 1.0 / (n_base + 1)
    want = binom.sf(k, n, p)
    got = binomial_sf(k, n, p)
    assert (np.isnan(want) and np.isnan(got)) or want == got


@settings(max_examples=300, deadline=None)
@given(
    values=st.lists(
        st.one_of(st.integers(0, 4).map(float), st.floats(-5, 5, allow_nan=False)),
        min_size=2,
        max_size=140,
    )
)
def test_mann_kendall_is_scipys_kendalltau_over_time(values):
    from scipy.stats import kendalltau

    from incidentmap.hotspots import mann_kendall

    res = kendalltau(np.arange(len(values)), values)
    got = mann_kendall(np.array(values))
    assert np.array_equal([res.statistic, res.pvalue], got, equal_nan=True)


def test_mann_kendall_exact_branch_with_one_pair_out_of_order():
    from scipy.stats import kendalltau

    from incidentmap.hotspots import mann_kendall

    for n in (3, 34, 60, 200):  # exact beyond 33 values when one pair is discordant
        y = np.arange(n, dtype=float)
        y[[5 % n, 7 % n]] = y[[7 % n, 5 % n]]
        for series in (y, -y):
            res = kendalltau(np.arange(n), series)
            assert np.array_equal([res.statistic, res.pvalue], mann_kendall(series))


def test_trends_imports_no_scipy_stats(use_cache, tmp_path):
    import subprocess
    import sys

    from tests.conftest import ROOT

    code = (
        "import sys; from incidentmap.cli import main\n"
        "try:\n"
        f"    main(['trends', {str(ROOT / 'geo' / 'sample_incidents.csv')!r}, '--period', "
        "'year', '-f', 'csv', '-q'])\n"
        "except SystemExit as e:\n"
        "    assert e.code == 0, e.code\n"
        "print('scipy.stats' in sys.modules, file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)  # fmt: skip
    assert done.stderr.strip().splitlines()[-1] == "False"
    assert done.stdout.startswith("province_code,")
