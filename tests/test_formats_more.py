"""Formats not tried before (issue 26, class 8): what a file says is kept, or said.

Generated: GeoJSON features whose geometry and ``latitude``/``longitude`` properties name
places apart (or agree, or the properties are blank); workbooks written by a program that
does not compute formulas (openpyxl stores ``=1+1`` with no value); workbooks of every cell
kind, read column by column as pandas' reader reads them; JSON integers beyond 2^53 as
records, lines and GeoJSON properties beside a null.
"""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import incidentmap as im
from incidentmap.errors import InputFileError
from incidentmap.io.tables import read_table

SETTINGS = settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
#: (lon, lat, province code) of district centres far apart
PLACES = [
    (62.20, 34.35, "AF-HER"), (70.45, 34.43, "AF-NAN"), (69.17, 34.53, "AF-KAB"),
    (65.71, 31.61, "AF-KAN"), (67.11, 36.71, "AF-BAL"),
]  # fmt: skip


def _feature(geom, props: dict) -> dict:
    g = None if geom is None else {"type": "Point", "coordinates": [geom[0], geom[1]]}
    return {"type": "Feature", "geometry": g, "properties": props}


@SETTINGS
@given(
    pairs=st.lists(
        st.tuples(st.sampled_from(PLACES), st.sampled_from([*PLACES, None])),
        min_size=1,
        max_size=5,
    ),
    suffix=st.sampled_from([".geojson", ".json"]),
)
def test_geometry_and_coordinate_properties_that_disagree_are_a_conflict(
    capsys, use_cache, tmp_path_factory, pairs, suffix
):
    from tests.test_cli import run

    feats = [
        _feature(g, {"date": "2023-03-01", "latitude": None if p is None else p[1],
                     "longitude": None if p is None else p[0]})
        for g, p in pairs
    ]  # fmt: skip
    tmp = tmp_path_factory.mktemp("gj")
    path = tmp / f"f{suffix}"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": feats}))
    g = im.read(path).frame
    for i, (geom, props) in enumerate(pairs):
        used = props if props is not None else geom  # the columns, else the geometry
        assert g["province_code"].iloc[i] == used[2]
        apart = props is not None and props[2] != geom[2]
        assert bool(g["geocode_conflict"].iloc[i]) is apart
        if apart:
            note = g["geocode_note"].iloc[i]
            assert "conflict: the geometry is at" in note and "placed by the columns" in note
    code, _, err = run(capsys, "geocode", path, "-o", tmp / "o.csv")
    assert code == 0, err
    n_apart = sum(p is not None and p[2] != geo[2] for geo, p in pairs)
    assert f"conflicts (point or names vs stated province or country): {n_apart}" in err
    assert "values read as unknown" not in err


_FORMULAS = st.sampled_from(["=1+1", "=DATE(2023,3,8)", "=SUM(2,3)", "=B2*2", '="Kabul"'])


@SETTINGS
@given(
    formula=_FORMULAS,
    column=st.sampled_from(["date", "province", "killed"]),
    at=st.integers(0, 3),
)
def test_a_formula_without_its_cached_value_is_said_by_file_row_and_column(
    capsys, use_cache, tmp_path_factory, formula, column, at
):
    from openpyxl import Workbook

    from tests.test_cli import run

    wb = Workbook()
    ws = wb.active
    ws.append(["date", "province", "killed"])
    for i in range(4):
        row = {"date": f"2023-03-0{i + 1}", "province": "Herat", "killed": i}
        if i == at:
            row[column] = formula
        ws.append([row["date"], row["province"], row["killed"]])
    tmp = tmp_path_factory.mktemp("xl")
    path = tmp / "f.xlsx"
    wb.save(path)
    with pytest.raises(InputFileError) as exc:
        im.read_incidents(path)
    assert exc.value.row == at + 1 and exc.value.column == column
    assert "formula without a cached value" in str(exc.value) and formula in str(exc.value)
    code, _, err = run(capsys, "geocode", path, "-o", tmp / "o.csv")
    assert code == 1 and err.count("Error:") == 1
    assert f"row {at + 1}, column {column!r}" in err and "formula without a cached value" in err
    g = im.read_incidents(path, on_bad="keep")
    assert len(g) == 4 and "formula without a cached value" in g["input_note"].iloc[at]
    assert g["input_note"].drop(at).isna().all()


_CELL = st.one_of(
    st.integers(-(10**6), 10**6),
    st.floats(-1e6, 1e6, allow_nan=False).map(lambda v: round(v, 3)),
    st.sampled_from(["Kabul", "NA", "null", "", " x ", "N/A", "2023-03-01", "1.000"]),
    st.dates(dt.date(1990, 1, 1), dt.date(2030, 12, 31)),
    st.datetimes(dt.datetime(1990, 1, 1), dt.datetime(2030, 1, 1)).map(
        lambda d: d.replace(microsecond=0)
    ),
    st.booleans(),
    st.none(),
)


@SETTINGS
@given(
    cells=st.lists(st.lists(_CELL, min_size=3, max_size=3), min_size=1, max_size=12),
    header=st.sampled_from([["a", "b", "c"], ["a", "a", "c"], ["a", "", "c"], [" a", "b ", "c"]]),
)
def test_a_sheet_read_column_by_column_equals_pandas_reader(tmp_path_factory, cells, header):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for row in cells:
        ws.append(row)
    path = tmp_path_factory.mktemp("xl") / "s.xlsx"
    wb.save(path)
    got = read_table(path)
    want = pd.read_excel(path, engine="calamine", dtype=object)
    want.columns = [f"column{i + 1}" if str(c).startswith("Unnamed") else str(c).strip()
                    for i, c in enumerate(want.columns)]  # fmt: skip
    assert list(got.columns) == list(want.columns)
    assert got.shape == want.shape
    for c in range(got.shape[1]):
        a, b = got.iloc[:, c].tolist(), want.iloc[:, c].tolist()
        assert [type(x) for x in a] == [type(x) for x in b]
        assert all((x != x and y != y) or x == y for x, y in zip(a, b, strict=True))


_BIG = st.one_of(st.integers(2**53 + 1, 2**63 - 1), st.integers(-(2**63), -(2**53) - 1))


@SETTINGS
@given(
    ids=st.lists(st.one_of(_BIG, st.integers(1, 10**6), st.none()), min_size=2, max_size=6),
    form=st.sampled_from(["records", "lines", "geojson", "envelope"]),
)
def test_json_integer_ids_beyond_2_53_keep_every_digit(
    capsys, use_cache, tmp_path_factory, ids, form
):
    from tests.test_cli import run

    ids = [*ids, 2**53 + 1]
    rows = [{"id": v, "date": "2023-03-01", "province": "Kabul", "killed": 1} for v in ids]
    tmp = tmp_path_factory.mktemp("js")
    if form == "geojson":
        text = json.dumps({"type": "FeatureCollection",
                           "features": [_feature((69.17, 34.53), r) for r in rows]})  # fmt: skip
        path = tmp / "f.geojson"
    elif form == "lines":
        text, path = "\n".join(json.dumps(r) for r in rows), tmp / "f.ndjson"
    else:
        text = json.dumps(rows if form == "records" else {"data": rows})
        path = tmp / "f.json"
    path.write_text(text)
    g = im.read_incidents(path)
    want = [None if v is None else str(v) for v in ids]
    got = [None if pd.isna(v) else str(v) for v in g["event_id"]]
    assert got[-1] == str(2**53 + 1)
    assert [w for w in want if w and abs(int(w)) > 2**53] == [
        x for x in got if x and abs(int(x)) > 2**53
    ]
    code, _, err = run(capsys, "geocode", path, "-o", tmp / "o.csv")
    assert code == 0, err
    out = pd.read_csv(tmp / "o.csv", dtype=str)
    assert out["event_id"].iloc[-1] == str(2**53 + 1)
    assert np.all([w in set(out["event_id"]) for w in want if w and abs(int(w)) > 2**53])


@settings(max_examples=2, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(seed=st.integers(0, 2**31), blanks=st.booleans())
def test_a_large_sheet_read_again_from_the_cache_is_the_same_table(
    use_cache, tmp_path_factory, seed, blanks
):
    # issue 25: the ACLED workbook's parse is kept in the cache by the workbook's digest
    from openpyxl import Workbook

    rng = np.random.default_rng(seed)
    n = 12_000
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("events")
    ws.append(["event_date", "admin1", "fatalities", "note"])
    provinces_ = ["Kabul", "Herat", "NA", "Nangarhar", "null", "Kandahar"]
    start = dt.datetime(2017, 1, 1)
    for i in range(n):
        blank = blanks and i % 97 == 0
        ws.append([
            start + dt.timedelta(days=int(rng.integers(0, 3000))),
            provinces_[int(rng.integers(0, len(provinces_)))],
            None if blank else int(rng.integers(0, 50)),
            f"event {int(rng.integers(0, 10**9))} reported by a local source",
        ])  # fmt: skip
    path = tmp_path_factory.mktemp("xl") / "big.xlsx"
    wb.save(path)
    assert path.stat().st_size >= 256 * 1024
    want = pd.read_excel(path, engine="calamine", dtype=object)
    first = read_table(path)
    assert list((use_cache / "sheets").glob("*.arrow"))  # kept
    second = read_table(path)  # from the cache
    for got in (first, second):
        pd.testing.assert_frame_equal(got, want)
        assert (got.map(type) == want.map(type)).all().all()
    path.write_bytes(path.read_bytes())  # the same bytes: the same entry
    assert len(list((use_cache / "sheets").glob("*.arrow"))) >= 1


_LAYER_NAMES = ["alpha", "roads", "events", "incidents", "points", "merged"]


@SETTINGS
@given(
    names=st.lists(st.sampled_from(_LAYER_NAMES), min_size=1, max_size=4, unique=True),
    pick=st.one_of(st.none(), st.integers(0, 3)),
)
def test_a_geopackage_of_several_layers_is_read_by_a_stated_rule_or_refused(
    capsys, use_cache, tmp_path_factory, names, pick
):
    import geopandas as gpd
    from shapely.geometry import Point

    from incidentmap.errors import UsageError
    from tests.test_cli import run

    tmp = tmp_path_factory.mktemp("gp")
    path = tmp / "several.gpkg"
    for i, name in enumerate(names):  # each layer a different number of rows: which was read
        pts = [Point(69.17, 34.53)] * (i + 1)
        gpd.GeoDataFrame({"date": ["2023-03-01"] * (i + 1), "layer": [name] * (i + 1)},
                         geometry=pts, crs=4326).to_file(path, layer=name)  # fmt: skip
    chosen = names[pick] if pick is not None and pick < len(names) else None
    # a layer named incidents/points/merged is incidentmap's only with its canonical columns
    # (tests/test_sweep35_inputs.py): these two-column layers are not, whatever their name
    want = chosen or (names[0] if len(names) == 1 else None)
    if want is None:
        with pytest.raises(UsageError, match="layers"):
            im.read_incidents(path)
        code, _, err = run(capsys, "geocode", path, "-o", tmp / "o.csv")
        assert code == 2 and all(n in err for n in names) and "--input-layer" in err
        return
    g = im.read_incidents(path, layer=chosen)
    assert set(g["layer"]) == {want} and len(g) == names.index(want) + 1


def test_an_exported_geopackage_fed_back_reads_its_points(capsys, use_cache, tmp_path):
    from tests.conftest import ROOT
    from tests.test_cli import run

    out = tmp_path / "ex.gpkg"
    code, _, err = run(capsys, "export", ROOT / "geo" / "sample_incidents.csv", "-o", out)
    assert code == 0, err
    g = im.read_incidents(out)
    assert len(g) and (g.geometry.geom_type == "Point").all()
    code, _, err = run(capsys, "geocode", out, "-o", tmp_path / "again.csv")
    assert code == 0, err
