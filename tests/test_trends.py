"""Trends on constructed series and maps whose right answers are known."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pyogrio
import pytest

import incidentmap as im
from incidentmap.aggregate import national_timeline
from incidentmap.errors import UsageError
from incidentmap.trends import classify_emerging, rising_test, trends
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
    rows = []
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
    return im.geocode(frame)


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
    r = trends(g, level="province", period="week", hotspots=False)
    assert bool(_row(r, "Nangarhar")["surge"]) and bool(_row(r, "Balkh")["surge"])
    assert not _row(r, "Kunar")["surge"] and not _row(r, "Herat")["surge"]
    assert _row(r, "Nangarhar")["baseline_mean"] == 1.0
    assert _row(r, "Nangarhar")["change_pct"] == 100.0
    assert r.attrs["baseline"] == 4 and r.attrs["last_period"] == MONDAY + pd.Timedelta(weeks=4)
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
    r = trends(g, level="province", period="week", hotspots=False)
    assert r.attrs["dropped_incomplete"] is True
    assert r.attrs["last_period"] == MONDAY + pd.Timedelta(weeks=3)
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
    assert tl["incidents"].tolist() == [1, 0, 0, 5]  # the Bamyan Sunday incident included
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
    assert sum(r["incidents"] for r in doc["timeline"]) == len(g)
    code, out, err = run(capsys, "trends", src, "--period", "week", "--timeline", "-f", "csv")
    assert pd.read_csv(io.StringIO(out))["incidents"].sum() == len(g)
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

    g, _ = im.load_incidents(ROOT / "geo" / "sample_incidents.csv")
    assert pd.to_datetime(g["date"]).max() == pd.Timestamp("2023-11-07")
    t = trends(g, level="province", period="quarter", hotspots=False)
    assert t.attrs["last_period"] == pd.Timestamp("2023-07-01")
    assert (t["last_count"] == 0).all() and not t["rising"].any()
    assert t.attrs["data_end"] == pd.Timestamp("2023-11-07") and t.attrs["dropped_incomplete"]
    later = trends(g, level="province", period="quarter", hotspots=False, until="2023-12-31")
    assert later.attrs["last_period"] == pd.Timestamp("2023-10-01")
    # the coverage of the file, not the last event kept by a filter
    early = g[pd.to_datetime(g["date"]) < "2022-01-01"].copy()
    early.attrs["coverage_end"] = pd.Timestamp("2023-11-07")
    t = trends(early, level="province", period="year", hotspots=False)
    assert t.attrs["last_period"] == pd.Timestamp("2022-01-01")
    assert (t["last_count"] == 0).all()


def test_gi_star_z_and_p_agree_and_quiet_areas_are_no_pattern(use_cache):
    # issue 16: Laghman and Logar, with no incident ever, were "sporadic hotspot", and
    # gi_z 2.739 stood beside gi_p 1.000 (z from the normal approximation, p from permutations)
    from tests.conftest import ROOT

    g, _ = im.load_incidents(ROOT / "geo" / "sample_incidents.csv")
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
