"""Months counted from 0 (R's ``POSIXlt$mon``, JavaScript: January 0, December 11) are read
so, and said: GTD's R export without its ``DATE`` column put every row a month early and
read January as "month unknown" (1,664 of 1,664 month rows misdated). A count from 1 with 0
for an unknown month (GTD's ``imonth``) is read as before."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import incidentmap as im
from tests.conftest import INCIDENTS
from tests.test_cli import run

GTD = INCIDENTS / "gtd_afg_2004_2009_towns.csv"


def test_gtds_r_export_without_its_date_counts_the_same_months(tmp_path, capsys, use_cache):
    g = pd.read_csv(GTD, dtype=str, keep_default_na=False)
    src = tmp_path / "g.csv"
    g.drop(columns=["DATE", "Date_"]).to_csv(src, index=False)
    out, ref = tmp_path / "m.csv", tmp_path / "r.csv"
    for f, o in ((src, out), (GTD, ref)):
        code, _, err = run(capsys, "aggregate", f, "--level", "province", "--period", "month",
                           "-o", o)  # fmt: skip
        assert code == 0, err
        if f == src:
            assert "column 'month' holds the months as 0 to 11" in err
    a = pd.read_csv(out).groupby("period_start")["incidents"].sum()
    b = pd.read_csv(ref).groupby("period_start")["incidents"].sum()
    # the rows whose year and month the R export leaves blank (DATE "2007-11-00") are in no
    # month there; every other month is the same
    blank = g[g["year"] == ""]
    missing = pd.to_datetime(blank["DATE"].str[:7], errors="coerce").dt.strftime("%Y-%m-01")
    lost = missing.dropna().value_counts()
    assert ((b - a).loc[lambda s: s != 0].to_dict()) == lost.to_dict()
    frame = im.read(src).frame
    assert (frame["date_precision"].dropna() == "month").all()


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    months=st.lists(st.integers(1, 12), min_size=24, max_size=80).filter(
        lambda m: len(set(m)) >= 10 and 12 in m
    ),
    unknown=st.integers(0, 3),
)
def test_a_count_from_one_with_unknowns_is_read_as_it_was(tmp_path_factory, months, unknown):
    folder = tmp_path_factory.mktemp("m")
    values = [*months, *[0] * unknown]
    frame = pd.DataFrame({"year": 2019, "month": values, "province": "Kabul"})
    frame.to_csv(folder / "one.csv", index=False)
    got = im.read(folder / "one.csv").frame
    expect = [f"2019-{m:02d}" if m else "2019" for m in values]
    shown = [
        d.strftime("%Y-%m") if p == "month" else d.strftime("%Y")
        for d, p in zip(got["date"], got["date_precision"], strict=True)
    ]
    assert shown == expect
    # the same months counted from 0 (no unknowns: R's months are never 0 for "unknown")
    zero = pd.DataFrame({"year": 2019, "month": [m - 1 for m in months], "province": "Kabul"})
    counts = pd.Series(months).value_counts()
    others = counts.drop(1, errors="ignore")
    # January as common as a month (half the middle month's count or more): read from 0;
    # rarer, the 0s are more likely unknown months of a count from 1 (a year to date)
    if counts.get(1, 0) >= 0.5 * others.median() and (np.array(months) == 1).mean() >= 0.02:
        zero.to_csv(folder / "zero.csv", index=False)
        got = im.read(folder / "zero.csv").frame
        assert got["date"].dt.month.tolist() == months


@pytest.mark.parametrize("top", [10, 13])
def test_too_few_months_to_tell_stay_a_count_from_one(tmp_path, use_cache, top):
    """0 to 9 (never 11), or a 12 among them: the column is a count from 1, its 0 unknown."""
    values = list(range(0, top)) * 3
    pd.DataFrame({"year": 2019, "month": values, "province": "Kabul"}).to_csv(
        tmp_path / "m.csv", index=False
    )
    got = im.read(tmp_path / "m.csv").frame
    assert (got["date_precision"] == "year").sum() == 3  # the 0s: the month not known


def test_a_year_to_date_with_unknown_months_counts_from_one(tmp_path, capsys, use_cache):
    # the sweep's W5: GTD's 2008 to November, 3 % of months unknown (0): read as counted
    # from 0, every row one month late and November's in a December with no data
    g = pd.read_csv(INCIDENTS / "gtd_afg_2004_2009_towns.csv", dtype=str, keep_default_na=False)
    d = pd.to_datetime(g["DATE"], errors="coerce")
    x = g[(d.dt.year == 2008) & (d.dt.month <= 11)]
    months = d[x.index].dt.month.to_numpy().copy()
    months[:: len(months) // 12][:12] = 0  # 12 unknown months, GTD's convention
    src = tmp_path / "ytd.csv"
    pd.DataFrame({"year": 2008, "month": months, "province": x["Province"].to_numpy()}).to_csv(
        src, index=False
    )
    frame = im.read(src).frame
    known = months > 0
    assert (frame["date"].dt.month.to_numpy()[known] == months[known]).all()
    assert (frame["date_precision"].to_numpy()[~known] == "year").all()
    code, _, err = run(capsys, "aggregate", src, "--level", "province", "--period", "month",
                       "-o", tmp_path / "a.csv")  # fmt: skip
    assert code == 0 and "counted from 0" not in err
    assert "(12 to a year)" in err
