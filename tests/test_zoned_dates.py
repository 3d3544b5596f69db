"""A date with a time and a zone is the day it was in Afghanistan: ACLED's days saved as
UTC instants of Kabul's midnight were all one day early (221 of 7,686 changed month)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

import incidentmap as im
from incidentmap.io.dates import parse_dates
from incidentmap.io.values import Problems
from tests.test_cli import run

KABUL = "Asia/Kabul"


@settings(max_examples=80, deadline=None)
@given(
    when=st.datetimes(dt.datetime(2001, 1, 1), dt.datetime(2025, 12, 31)),
    offset=st.sampled_from(["Z", "+00:00", "-05:00", "+04:30", "+0530", " UTC", "+14:00"]),
    sep=st.sampled_from(["T", " "]),
)
def test_a_zoned_time_is_its_day_in_kabul(when, offset, sep):
    text = when.strftime(f"%Y-%m-%d{sep}%H:%M:%S") + offset
    zone = "+00:00" if offset.strip() in ("Z", "UTC") else offset
    expected = pd.Timestamp(when.strftime("%Y-%m-%dT%H:%M:%S") + zone.strip()).tz_convert(KABUL)
    values = pd.Series([text, "2020-01-01"], dtype=object)
    dates, prec = parse_dates(values, "date", Problems("f.csv", np.arange(1, 3), "error"))
    assert dates.iloc[0] == pd.Timestamp(expected.date()) and prec.iloc[0] == "day"


def test_typed_instants_through_the_cli(tmp_path, capsys, use_cache):
    days = pd.date_range("2019-01-01", "2019-12-31", freq="D")
    kabul = days.tz_localize(KABUL)
    base = {"province": ["Kabul", "Herat", "Balkh"] * 122, "fatalities": 1}
    n = len(days)
    frames = {
        "kabul": pd.DataFrame({"date": kabul, **{k: v[:n] if isinstance(v, list) else v
                                                for k, v in base.items()}}),
        "utc": pd.DataFrame({"date": kabul.tz_convert("UTC"), **{k: v[:n] if isinstance(v, list)
                                                                else v for k, v in base.items()}}),
    }  # fmt: skip
    tables = {}
    for name, frame in frames.items():
        src, out = tmp_path / f"{name}.parquet", tmp_path / f"{name}.csv"
        frame.to_parquet(src, index=False)
        code, _, err = run(capsys, "aggregate", src, "--level", "province", "--period", "month",
                           "-o", out)  # fmt: skip
        assert code == 0, err
        tables[name] = pd.read_csv(out)
        got = im.read(src).frame
        assert got["date"].dt.strftime("%Y-%m-%d").tolist() == list(days.strftime("%Y-%m-%d"))
    assert tables["utc"].equals(tables["kabul"])
