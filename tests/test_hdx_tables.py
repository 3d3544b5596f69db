"""HDX HAPI tables (issue 26, class 5): dates, p-codes against names, periods, areas.

Generated from HAPI's codebook, the columns and HXL hashtags of its conflict-event endpoint
as :mod:`incidentmap.fetch.hapi` records them (``admin1_code``/``admin1_name``,
``admin2_code``/``admin2_name``, ``events``, ``reference_period_start``/``_end``, a monthly
period), with and without the HXL row, in any column order. District names are OCHA's
(the COD-AB gazetteer of 401 districts in ../shared, read as the p-code table), among them
the ones the installed geoBoundaries layer spells otherwise and GeoNames has a village of
(``Anawa`` beside the village 'Unābah). No file here is a copy of a real one.
"""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import incidentmap as im
from incidentmap.errors import InputFileError
from incidentmap.fetch.hapi import COLUMNS, HXL
from incidentmap.gazetteer import provinces
from tests.conftest import GAZ

SETTINGS = settings(
    max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
ADM2 = pd.read_csv(
    GAZ / "ocha-codab-afg-admgz-401-HUMANITARIAN-USE-ONLY" / "afg_admgz_ADM2.csv", dtype=str
)
#: OCHA district names the geoBoundaries layer does not know, with a GeoNames village so named
VILLAGE_NAMED = ("Anawa", "Mingajik", "Taywarah", "Khamyab", "Kalafgan", "Zindajan")
_PROVINCES = sorted(provinces().values(), key=lambda p: p.pcode)


def _table(rows: list[dict[str, str]], order: list[int], hxl: bool) -> str:
    cols = [COLUMNS[i] for i in order]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(cols)
    if hxl:
        w.writerow([HXL.get(c, "") for c in cols])
    for r in rows:
        w.writerow([r.get(c, "") for c in cols])
    return buf.getvalue()


def _row(adm2: pd.Series, events: int, month: int, **over: str) -> dict[str, str]:
    end = pd.Timestamp(2023, month, 1) + pd.offsets.MonthEnd(0)
    row = {
        "location_code": "AFG", "location_name": "Afghanistan",
        "admin1_code": adm2["ADM1_PCODE"], "admin1_name": adm2["ADM1_EN"],
        "admin2_code": adm2["ADM2_PCODE"], "admin2_name": adm2["ADM2_EN"], "admin_level": "2",
        "resource_hdx_id": "r-1", "event_type": "political_violence", "events": str(events),
        "fatalities": "0", "reference_period_start": f"2023-{month:02d}-01T00:00:00",
        "reference_period_end": f"{end:%Y-%m-%d}T23:59:59",
    }  # fmt: skip
    return {**row, **over}


_ORDER = st.permutations(list(range(len(COLUMNS))))


@SETTINGS
@given(
    picks=st.lists(st.integers(0, len(ADM2) - 1), min_size=1, max_size=6),
    months=st.lists(st.integers(1, 12), min_size=6, max_size=6),
    order=_ORDER,
    hxl=st.booleans(),
)
def test_a_hapi_table_is_dated_with_or_without_its_hxl_row(
    capsys, use_cache, tmp_path_factory, picks, months, order, hxl
):
    from tests.test_cli import run

    rows = [_row(ADM2.iloc[p], 1, months[i]) for i, p in enumerate(picks)]
    tmp = tmp_path_factory.mktemp("hapi")
    path = tmp / "hapi.csv"
    path.write_text(_table(rows, order, hxl))
    g = im.read(path).frame
    want = [pd.Timestamp(2023, m, 1) for m in months[: len(picks)]]
    assert list(g["date"]) == want and set(g["date_precision"]) == {"month"}
    code, _, err = run(capsys, "geocode", path, "-o", tmp / "o.csv")
    assert code == 0, err
    assert "date <- 'reference_period_start'" in err
    assert pd.read_csv(tmp / "o.csv")["date"].notna().all()


@SETTINGS
@given(
    code_of=st.sampled_from(_PROVINCES),
    name_of=st.sampled_from(_PROVINCES),
    district=st.booleans(),
)
def test_a_province_pcode_beside_another_provinces_name_is_a_conflict(
    capsys, use_cache, tmp_path_factory, code_of, name_of, district
):
    from tests.test_cli import run

    adm2 = ADM2[ADM2["ADM1_PCODE"] == code_of.pcode].iloc[0] if district else None
    over = {"admin1_code": code_of.pcode, "admin1_name": name_of.name}
    if adm2 is None:
        over.update(admin2_code="", admin2_name="", admin_level="1")
        adm2 = ADM2[ADM2["ADM1_PCODE"] == code_of.pcode].iloc[0]
    tmp = tmp_path_factory.mktemp("hapi")
    path = tmp / "hapi.csv"
    path.write_text(_table([_row(adm2, 3, 1, **over)], list(range(len(COLUMNS))), True))
    g = im.read(path).frame
    differ = code_of.code != name_of.code
    assert bool(g["geocode_conflict"].iloc[0]) is differ
    assert g["province_code"].iloc[0] == code_of.code  # the p-code placed it, and says so
    if differ:
        note = g["geocode_note"].iloc[0]
        assert f"p-code {code_of.pcode!r} is {code_of.name}" in note
        assert "placed by the p-code" in note
    code, _, err = run(capsys, "geocode", path, "-o", tmp / "o.csv")
    assert code == 0
    assert f"conflicts (point or names vs stated province or country): {int(differ)}" in err


@SETTINGS
@given(back=st.integers(1, 200), at=st.integers(0, 3), hxl=st.booleans())
def test_a_period_that_ends_before_it_starts_is_refused_or_kept(
    capsys, use_cache, tmp_path_factory, back, at, hxl
):
    from tests.test_cli import run

    rows = [_row(ADM2.iloc[i], 2, 1 + i) for i in range(4)]
    end = pd.Timestamp(2023, 1 + at, 1) - pd.Timedelta(days=back)
    rows[at]["reference_period_end"] = f"{end:%Y-%m-%d}T23:59:59"
    tmp = tmp_path_factory.mktemp("hapi")
    path = tmp / "hapi.csv"
    path.write_text(_table(rows, list(range(len(COLUMNS))), hxl))
    row = at + 1 + hxl  # the HXL row keeps its number
    with pytest.raises(InputFileError) as exc:
        im.read_incidents(path)
    assert exc.value.row == row and exc.value.column == "reference_period_end"
    code, _, err = run(capsys, "geocode", path, "-o", tmp / "o.csv")
    assert code == 1 and err.count("Error:") == 1
    assert f"row {row}, column 'reference_period_end'" in err and "ends before it starts" in err
    g = im.read_incidents(path, on_bad="keep")
    assert len(g) == 4 and pd.isna(g["date"].iloc[at]) and g["date"].drop(at).notna().all()
    assert "ends before it starts" in g["input_note"].iloc[at]


@SETTINGS
@given(
    names=st.lists(st.sampled_from(VILLAGE_NAMED), min_size=1, max_size=4, unique=True),
    known=st.lists(st.integers(0, len(ADM2) - 1), max_size=4),
    hxl=st.booleans(),
)
def test_a_district_row_is_never_placed_at_a_village_of_its_name(
    capsys, use_cache, tmp_path_factory, names, known, hxl
):
    from tests.test_cli import run

    picks = [ADM2[ADM2["ADM2_EN"] == n].iloc[0] for n in names] + [ADM2.iloc[k] for k in known]
    rows = [_row(a, 1 + i, 3) for i, a in enumerate(picks)]
    tmp = tmp_path_factory.mktemp("hapi")
    path = tmp / "hapi.csv"
    path.write_text(_table(rows, list(range(len(COLUMNS))), hxl))
    g = im.read(path).frame
    by_pcode = {p.pcode: p.code for p in provinces().values()}
    assert (g["geocode_precision"] != "point").all()
    assert list(g["province_code"]) == [by_pcode[a["ADM1_PCODE"]] for a in picks]
    for i in range(len(names)):  # at the province, saying why
        assert g["geocode_precision"].iloc[i] == "province"
        assert "never placed at a village" in g["geocode_note"].iloc[i]
    code, _, err = run(capsys, "geocode", path, "-o", tmp / "o.csv")
    assert code == 0, err
    assert (pd.read_csv(tmp / "o.csv")["geocode_precision"] != "point").all()
