"""A span's stated end is one column whatever its header or form: UCDP's ``date_end`` as
``DATE_END``, ``end_date``, ``End Date``, in d/m/Y or m/d/Y, counts the same months and weeks
in every command (the counts read it after the reader; they read only an ISO ``date_end``)."""

from __future__ import annotations

import pandas as pd
import pyogrio
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import incidentmap as im
from incidentmap.aggregate import row_periods
from tests.conftest import INCIDENTS
from tests.test_cli import run

UCDP = INCIDENTS / "ucdp_ged_afg_realcaddish.geojson"


@pytest.fixture(scope="module")
def ucdp_table() -> pd.DataFrame:
    raw = pyogrio.read_dataframe(UCDP)  # UCDP's CSV: its points as latitude/longitude
    table = raw.drop(columns="geometry").astype({"date_start": str, "date_end": str})
    return table.assign(latitude=raw.geometry.y, longitude=raw.geometry.x)


def _variant(raw: pd.DataFrame, header: str, form: str) -> pd.DataFrame:
    v = raw.copy()
    for col in ("date_start", "date_end"):
        d = pd.to_datetime(v[col].str[:10])
        v[col] = d.dt.strftime({"iso": "%Y-%m-%d", "dmy": "%d/%m/%Y", "mdy": "%m/%d/%Y"}[form])
    names = {
        "lower": {}, "upper": {c: c.upper() for c in v.columns},
        "end_date": {"date_end": "end_date", "date_start": "start_date"},
        "spaced": {"date_end": "End Date", "date_start": "Start Date"},
    }[header]  # fmt: skip
    return v.rename(columns=names)


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    header=st.sampled_from(["lower", "upper", "end_date", "spaced"]),
    form=st.sampled_from(["iso", "dmy", "mdy"]),
    period=st.sampled_from(["week", "month"]),
)
def test_every_header_and_form_counts_the_same_periods(
    ucdp_table, tmp_path_factory, use_cache, header, form, period
):
    folder = tmp_path_factory.mktemp("end")
    ref = im.read(UCDP).frame
    expected = row_periods(ref, period)
    src = folder / "u.csv"
    _variant(ucdp_table, header, form).to_csv(src, index=False)
    got = im.read(src).frame
    assert row_periods(got, period).tolist() == expected.tolist()


@pytest.mark.parametrize(("header", "form"), [("upper", "dmy"), ("end_date", "mdy")])
def test_aggregate_through_the_cli_matches_the_geojson(
    ucdp_table, tmp_path, capsys, use_cache, header, form
):
    src, out, ref = tmp_path / "u.csv", tmp_path / "t.csv", tmp_path / "r.csv"
    _variant(ucdp_table, header, form).to_csv(src, index=False)
    for f, o in ((UCDP, ref), (src, out)):
        code, _, err = run(capsys, "aggregate", f, "--level", "province", "--period", "month",
                           "-o", o)  # fmt: skip
        assert code == 0, err
    a, b = pd.read_csv(ref), pd.read_csv(out)
    assert a["incidents"].sum() == b["incidents"].sum() == 273  # 34 at the country's centre
    assert (a["incidents"].to_numpy() == b["incidents"].to_numpy()).all()
