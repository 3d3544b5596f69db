"""Large files read, geocoded and written block by block give what reading them whole gives.

The block size is made small here (a few KB) so that real files and generated ones
span many blocks; the 16 MB default only changes how many there are.
"""

from __future__ import annotations

import csv
import re
from datetime import date
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from incidentmap.errors import InputFileError
from incidentmap.io import read_geocoded
from incidentmap.io.blocks import point_wkb, xy_wkb
from incidentmap.io.incidents import incident_blocks
from incidentmap.pipeline import geocode_to_file
from tests.conftest import INCIDENTS
from tests.test_cli import run

GTD = INCIDENTS / "gtd_afg_2004_2009_towns.csv"
WARDIARY = INCIDENTS / "wardiary_points_2004_2009.csv"
KB = 1 / 1024  # block_mb per KB


def _read(path: Path) -> pd.DataFrame:
    if path.suffix == ".parquet":
        return gpd.read_parquet(path)
    if path.suffix == ".csv":
        return pd.read_csv(path, dtype=str, keep_default_na=False)
    return pyogrio.read_dataframe(path)


def _values(s: pd.Series) -> list:
    if isinstance(s.dtype, gpd.array.GeometryDtype):
        return [None if g is None else g.wkb for g in s.values.to_numpy()]
    obj = s.astype(object)
    return [None if (v is None or v is pd.NA or v is pd.NaT or v != v) else v for v in obj]


def assert_same_file(a: Path, b: Path) -> None:
    """The same columns, in the same order, with the same values row by row."""
    x, y = _read(a), _read(b)
    assert list(x.columns) == list(y.columns)
    assert len(x) == len(y)
    for col in x.columns:
        assert _values(x[col]) == _values(y[col]), col


def test_real_gtd_export_in_blocks_equals_reading_it_whole(use_cache, tmp_path):
    blocks = incident_blocks(GTD, block_bytes=40_000, on_bad="keep")
    assert blocks is not None
    assert sum(1 for _ in blocks) >= 8  # the real file spans many blocks
    for suffix in (".parquet", ".csv", ".gpkg"):
        whole, parts = tmp_path / f"whole{suffix}", tmp_path / f"parts{suffix}"
        a = geocode_to_file(GTD, whole, block_mb=0, on_bad="keep")
        b = geocode_to_file(GTD, parts, block_mb=40 * KB, on_bad="keep")
        assert a.blocks == 1 and b.blocks >= 8
        assert a.summary == b.summary
        assert a.summary["read"] == 1782 and a.summary["unplaced"] == 0
        assert a.bad_values == b.bad_values == 3  # the three shifted rows, kept with a note
        # the same notes (a row a later block leaves out is said after the first block's)
        assert sorted(a.notes) == sorted(b.notes) and a.preset == b.preset == "gtd"
        assert_same_file(whole, parts)
    back = read_geocoded(tmp_path / "parts.parquet")
    # rows numbered through the file; row 1,778 (no id, no date, a place alone) left out
    assert back["row"].tolist() == [r for r in range(1, 1784) if r != 1778]


def test_commented_real_file_is_read_whole(use_cache, tmp_path):
    # the war diary has comment lines: Arrow's block reader cannot skip them, so it is read
    # whole (same counts as ever: 76,097 by point, 813 unplaced)
    kw = {"comment": "%", "header": False, "columns": ["lon", "lat", "day"]}
    assert incident_blocks(WARDIARY, block_bytes=4096, **kw) is None
    r = geocode_to_file(
        WARDIARY, tmp_path / "w.parquet", block_mb=4 * KB, day_one="2004-01-01", **kw
    )
    assert r.blocks == 1
    assert r.summary["placed_by_point"] == 76097 and r.summary["unplaced"] == 813


def test_progress_reaches_the_end_of_the_file(use_cache, tmp_path):
    seen: list[tuple[int, int]] = []
    geocode_to_file(
        GTD, tmp_path / "o.csv", block_mb=40 * KB, on_bad="keep",
        progress=lambda done, total: seen.append((done, total)),
    )  # fmt: skip
    assert len(seen) >= 8
    done = [d for d, _ in seen]
    assert done == sorted(done) and seen[-1] == (GTD.stat().st_size, GTD.stat().st_size)


# ---------------------------------------------------------------------------------------------
# generated files: every class of value the readers take, across block boundaries

_PROVINCES = ["Kabul", "Hirat", "Herat", "Ningarhar", "Nangarhar", "Sar-e Pul", "Balkh", "Kandahar"]
_PROVINCES += ["Khost", "Paktya", "Nimroz", "Atlantis", ""]
_DAYS = st.dates(min_value=date(1990, 1, 1), max_value=date(2024, 12, 31))
_DATES = st.one_of(
    _DAYS.map(lambda d: d.isoformat()),
    _DAYS.map(lambda d: f"{d.day} {d.strftime('%B')} {d.year}"),
    st.sampled_from(["", "2023-03", "2019"]),
)  # fmt: skip
_TEXT = st.text(alphabet=[*'abc ,"\n\r;کابل', "\u200c"], max_size=12)


@st.composite
def rows(draw: st.DrawFn) -> list[list[str]]:
    n = draw(st.integers(min_value=40, max_value=160))
    out = []
    for i in range(n):
        kind = draw(st.sampled_from(["in", "in", "blank", "swapped", "outside", "names"]))
        lat = draw(st.floats(min_value=30.0, max_value=37.0))
        lon = draw(st.floats(min_value=62.0, max_value=71.0))
        la, lo = {
            "in": (f"{lat:.4f}", f"{lon:.4f}"),
            "blank": ("", ""),
            "swapped": (f"{lon:.4f}", f"{lat:.4f}"),
            "outside": ("48.85", "2.35"),
            "names": ("", ""),
        }[kind]
        fatal = draw(st.sampled_from(["", "0", "3", "1,000", "12"]))
        out.append(
            [f"E{i}", draw(_DATES), la, lo, draw(st.sampled_from(_PROVINCES)), fatal,
             draw(_TEXT)]
        )  # fmt: skip
    return out


def _write_csv(path: Path, body: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["event_id", "event_date", "latitude", "longitude", "admin1", "fatalities",
                    "notes"])  # fmt: skip
        w.writerows(body)


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=rows(), suffix=st.sampled_from([".parquet", ".csv", ".gpkg"]),
       block_kb=st.sampled_from([1, 2, 3]))  # fmt: skip
def test_generated_files_in_blocks_equal_reading_them_whole(
    use_cache, tmp_path, body, suffix, block_kb
):
    src = tmp_path / "in.csv"
    _write_csv(src, body)
    whole, parts = tmp_path / f"w{suffix}", tmp_path / f"p{suffix}"
    a = geocode_to_file(src, whole, block_mb=0, overwrite=True)
    b = geocode_to_file(src, parts, block_mb=block_kb * KB, overwrite=True)
    ignored = [any("as coordinates" in n for n in r.notes) for r in (a, b)]
    if ignored[0] != ignored[1]:
        # the documented rule: the first block (here a dozen rows) decides whether the columns
        # named like coordinates hold coordinates; the side that found them implausible placed
        # nothing by point and says so
        assert (a, b)[ignored.index(True)].summary["placed_by_point"] == 0
        return
    assert a.summary == b.summary and a.summary["read"] == len(body)
    lone_cr = (
        re.search(rb"\r(?!\n)", src.read_bytes()) is not None
    )  # read whole: Arrow ends rows there
    if src.stat().st_size > 2 * block_kb * 1024 and not lone_cr:
        assert b.blocks >= 2
    assert_same_file(whole, parts)


# ---------------------------------------------------------------------------------------------
# what the first block decides, and files that turn out not to be for blocks


def _numeric_dates_file(path: Path, first: list[str], later: list[str]) -> None:
    body = [[f"E{i}", d, "34.5", "69.2", "Kabul", "1", "x" * 40] for i, d in enumerate(first)]
    body += [[f"L{i}", d, "34.5", "69.2", "Kabul", "1", "x" * 40] for i, d in enumerate(later)]
    _write_csv(path, body)


def test_day_month_order_decided_by_the_first_block_holds_for_the_rest(use_cache, tmp_path):
    src = tmp_path / "in.csv"
    _numeric_dates_file(src, ["13/01/2020"] * 60, ["05/06/2020"] * 60)
    out = tmp_path / "o.parquet"
    r = geocode_to_file(src, out, block_mb=2 * KB)
    assert r.blocks >= 3
    dates = gpd.read_parquet(out)["date"]
    assert (dates.iloc[60:] == pd.Timestamp("2020-06-05")).all()  # day first, as block 1 said


def test_a_later_value_contradicting_the_first_block_names_its_row(use_cache, tmp_path):
    src = tmp_path / "in.csv"
    _numeric_dates_file(src, ["13/01/2020"] * 60, ["05/06/2020"] * 30 + ["01/13/2020"])
    out = tmp_path / "o.gpkg"
    with pytest.raises(InputFileError) as err:
        geocode_to_file(src, out, block_mb=2 * KB)
    assert err.value.row == 91 and "event_date" in str(err.value)
    assert not out.exists() and list(tmp_path.iterdir()) == [src]  # no partial file
    import threading
    import time

    time.sleep(0.5)  # the reading thread has stopped with the writer (nothing left running)
    assert not [t for t in threading.enumerate() if t.name == "incidentmap-read"]


def test_a_malformed_later_block_is_read_whole_and_named_by_row(capsys, use_cache, tmp_path):
    src = tmp_path / "in.csv"
    _numeric_dates_file(src, ["2020-01-13"] * 100, [])
    with src.open("a", encoding="utf-8") as fh:
        fh.write("E999,2020-01-01,34.5,69.2,Kabul,1,x,surplus\n")  # a field too many
    out = tmp_path / "o.csv"
    code, _, err = run(capsys, "geocode", src, "-o", out, "--block-mb", str(2 * KB))
    assert code == 1 and "101" in err and err.count("\n") == 1
    assert not out.exists()


def test_bad_utf8_in_a_later_block_falls_back_to_the_whole_file_reader(use_cache, tmp_path):
    src = tmp_path / "in.csv"
    _numeric_dates_file(src, ["2020-01-13"] * 100, [])
    data = src.read_bytes().replace(b"E99,", b"E\xe999,")  # Windows-1252 e-acute, last row
    src.write_bytes(data)
    a = geocode_to_file(src, tmp_path / "a.parquet", block_mb=2 * KB)
    b = geocode_to_file(src, tmp_path / "b.parquet", block_mb=0)
    assert a.blocks == 1 and a.notes == b.notes and any("1252" in n for n in a.notes)
    assert_same_file(tmp_path / "a.parquet", tmp_path / "b.parquet")


def test_cli_reports_counts_for_the_whole_file(capsys, use_cache, tmp_path):
    out = tmp_path / "g.gpkg"
    code, _, err = run(
        capsys, "geocode", GTD, "-o", out, "--block-mb", str(40 * KB), "--keep-bad-values"
    )
    assert code == 0, err
    assert "read: 1,782 rows" in err and "wrote: 1,782 rows" in err
    assert pyogrio.read_info(out, layer="incidents")["features"] == 1782


def test_point_wkb_matches_shapely():
    import shapely

    geoms = np.array(
        [shapely.Point(65.1, 34.2), None, shapely.Point(-0.0, 1e-9), shapely.Point(70, 30)],
        dtype=object,
    )
    got = point_wkb(geoms).to_pylist()
    assert got == [None if g is None else shapely.to_wkb(g) for g in geoms]
    mixed = np.array([shapely.Point(1, 2), shapely.LineString([(0, 0), (1, 1)])], dtype=object)
    assert point_wkb(mixed).to_pylist() == list(shapely.to_wkb(mixed))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.one_of(st.floats(-180, 180), st.just(float("nan"))),
            st.one_of(st.floats(-90, 90), st.just(float("nan"))),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_xy_wkb_matches_shapely(pairs):
    # the block writer packs coordinates straight into WKB: the bytes shapely would write,
    # null where a coordinate is missing
    import shapely

    x = np.array([p[0] for p in pairs])
    y = np.array([p[1] for p in pairs])
    want = [
        None if np.isnan(a) or np.isnan(b) else shapely.to_wkb(shapely.Point(a, b))
        for a, b in pairs
    ]
    assert xy_wkb(x, y).to_pylist() == want


def test_progress_bar_on_a_terminal_only(monkeypatch):
    import io

    from rich.console import Console

    import incidentmap.cli._geocode as geocode_cli

    with geocode_cli.progress_bar(True) as update:  # pytest's stderr is not a terminal
        assert update is None
    screen = io.StringIO()
    monkeypatch.setattr(
        geocode_cli, "console_err", Console(file=screen, force_terminal=True, width=100)
    )
    with geocode_cli.progress_bar(True) as update:
        assert update is not None
        update(50 * 2**20, 100 * 2**20)
    assert "geocoding" in screen.getvalue() and "MB" in screen.getvalue()
    with geocode_cli.progress_bar(False) as update:  # --quiet
        assert update is None


UCDP = INCIDENTS / "ucdp_ged_afg_realcaddish.geojson"


@pytest.mark.parametrize("suffix", [".parquet", ".gpkg"])
def test_parquet_inputs_in_row_batches_equal_reading_them_whole(use_cache, tmp_path, suffix):
    # the real GTD export saved by pandas (typed columns, its index stored) and the real UCDP
    # GeoJSON saved as GeoParquet: read in row batches, the same output as read whole
    gtd = pd.read_csv(GTD, dtype=str, keep_default_na=False)
    gtd.index = gtd.index + 1000  # a stored index is not a column of the file's data
    gtd.to_parquet(tmp_path / "gtd.parquet")
    gpd.read_file(UCDP).to_parquet(tmp_path / "ucdp.parquet")
    for name, kw in (("gtd", {"on_bad": "keep"}), ("ucdp", {})):
        src = tmp_path / f"{name}.parquet"
        blocks = incident_blocks(src, block_bytes=80 * 100, **kw)  # 100 rows a batch
        assert blocks is not None and sum(1 for _ in blocks) >= 3
        whole, parts = tmp_path / f"{name}-w{suffix}", tmp_path / f"{name}-p{suffix}"
        a = geocode_to_file(src, whole, block_mb=0, **kw)
        b = geocode_to_file(src, parts, block_mb=80 * 100 / 2**20, **kw)
        assert a.blocks == 1 and b.blocks >= 3
        assert a.summary == b.summary and a.preset == b.preset
        assert_same_file(whole, parts)
    # UCDP: every event by its point, but the 34 at the country's centre (33 N 65 E, where
    # UCDP puts an event known only to the country): no point
    assert a.summary["placed_by_point"] == 276


def test_a_file_read_whole_in_several_arrow_chunks_equals_blocks(use_cache, tmp_path):
    # a file larger than Arrow's read block comes back as chunked columns when read whole;
    # every column path (plain numbers, ISO dates, text) takes them as one array
    rng = np.random.default_rng(5)
    n = 40_000  # about 3 MB: several of Arrow's 1 MB read blocks
    frame = pd.DataFrame(
        {
            "event_id": [f"AFG{i}" for i in range(n)],
            "event_date": pd.Timestamp("2017-01-01")
            + pd.to_timedelta(rng.integers(0, 2500, n), unit="D"),
            "latitude": np.round(rng.uniform(29.4, 38.5, n), 5),
            "longitude": np.round(rng.uniform(60.5, 75.0, n), 5),
            "event_type": rng.choice(["Battles", "Explosions/Remote violence"], n),
            "actor1": rng.choice(["Taliban", "Islamic State Khorasan Province", "Unknown"], n),
            "fatalities": rng.integers(0, 20, n),
            "notes": rng.choice(["an IED struck a vehicle", "gunmen killed a cleric", ""], n),
        }
    )
    frame["event_date"] = frame["event_date"].dt.strftime("%Y-%m-%d")
    src = tmp_path / "big.csv"
    frame.to_csv(src, index=False)
    assert src.stat().st_size > 2_500_000
    whole, parts = tmp_path / "w.parquet", tmp_path / "p.parquet"
    a = geocode_to_file(src, whole, block_mb=0, overwrite=True)
    b = geocode_to_file(src, parts, block_mb=0.5, overwrite=True)
    assert a.blocks == 1 and b.blocks >= 5
    assert a.summary == b.summary and a.summary["read"] == n
    assert_same_file(whole, parts)


@settings(max_examples=60, deadline=None)
@given(
    texts=st.lists(
        st.one_of(
            st.sampled_from(["2023-03-09", "2021-12-31", "", "NA", "34.5", "1,000", " x "]),
            st.floats(-90, 90).map(lambda v: f"{v:.4f}"),
        ),
        min_size=2,
        max_size=30,
    ),
    cut=st.integers(1, 29),
)
def test_chunked_text_columns_read_as_one_array(texts, cut):
    # the same values in one Arrow chunk or two give the same blanks, numbers, dates and text
    import pyarrow as pa

    from incidentmap.io import dates as d
    from incidentmap.io import numbers as n
    from incidentmap.io import values as v

    cut = min(cut, len(texts) - 1)
    text = pd.StringDtype("pyarrow", na_value=np.nan)  # pandas' str, as the reader makes it
    whole = pa.chunked_array([pa.array(texts, pa.large_string())])
    halves = pa.chunked_array(
        [pa.array(texts[:cut], pa.large_string()), pa.array(texts[cut:], pa.large_string())]
    )
    one = pd.Series(pd.arrays.ArrowStringArray(whole, dtype=text))
    two = pd.Series(pd.arrays.ArrowStringArray(halves, dtype=text))
    rows = np.arange(1, len(texts) + 1)
    assert np.array_equal(v.blank_mask(one, numeric=True), v.blank_mask(two, numeric=True))
    assert _values(v.clean_text(one)) == _values(v.clean_text(two))
    b1, b2 = v.blank_mask(one, numeric=True), v.blank_mask(two, numeric=True)
    n1 = n.read_numbers(one, b1, lambda u: np.nan)
    n2 = n.read_numbers(two, b2, lambda u: np.nan)
    assert np.array_equal(n1, n2, equal_nan=True)
    d1 = d.parse_dates(one, "d", v.Problems("t", rows, "keep"))
    d2 = d.parse_dates(two, "d", v.Problems("t", rows, "keep"))
    pd.testing.assert_series_equal(d1[0], d2[0])
