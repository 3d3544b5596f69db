"""Writing by class: field names, text round trips, atomic files, full disks, stale temps."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import incidentmap as im
from incidentmap.atomic import remove_stale_temps
from incidentmap.geocode import geocode as geocode_frame
from incidentmap.io.formats import WRITE_FORMATS
from incidentmap.schema import RESERVED_NAMES, safe_names

FORMATS = [".gpkg", ".geojson", ".fgb", ".shp", ".kml", ".csv", ".parquet"]


def read_back(path: Path) -> pd.DataFrame:
    """Read a written file with each library's defaults, as a user would."""
    if path.suffix == ".csv":
        return pd.read_csv(path)
    if path.suffix == ".parquet":
        return gpd.read_parquet(path)
    return pyogrio.read_dataframe(path)


# ---------------------------------------------------------------------------------------------
# field names


def test_safe_names_rule():
    names = safe_names(
        ["District", "district", "FID", "geometry", "Notes", "x"], taken=["district"]
    )
    assert names == {
        "District": "District_original",
        "district": "district_original2",
        "FID": "FID_original",
        "geometry": "geometry_original",
        "Notes": "Notes",
        "x": "x",
    }
    assert all(r not in {v.casefold() for v in names.values()} for r in RESERVED_NAMES)


NAME = st.one_of(
    st.sampled_from([*RESERVED_NAMES, "District", "DISTRICT", "province", "Date", "row", "x"]),
    st.text(alphabet="abcDEF_&- 1é", min_size=1, max_size=12),
).map(lambda s: s if s.strip() else "blank")


@settings(max_examples=200, deadline=None)
@given(names=st.lists(NAME, min_size=1, max_size=12, unique=True))
def test_safe_names_generated(names):
    got = safe_names(names, taken=["district", "province", "date", "row"])
    assert list(got) == names
    folded = [v.casefold() for v in got.values()]
    assert len(set(folded)) == len(folded)  # unique as GeoPackage/FlatGeobuf compare them
    assert not set(folded) & {*RESERVED_NAMES, "district", "province", "date", "row"}
    assert safe_names(names, taken=["district", "province", "date", "row"]) == got


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(names=st.lists(NAME.filter(lambda n: n != "geometry"), min_size=1, max_size=8, unique=True))
def test_generated_names_write_to_geopackage(tmp_path, names):
    g = gpd.GeoDataFrame(
        {n: ["v"] for n in names}, geometry=[shapely.Point(69.1, 34.5)], crs="EPSG:4326"
    )
    out = tmp_path / "g.gpkg"
    im.write_layer(g, out, overwrite=True)
    back = pyogrio.read_dataframe(out)
    assert set(safe_names(names).values()) <= set(back.columns)


@pytest.mark.parametrize("ext", FORMATS)
def test_colliding_field_names_write_to_every_format(tmp_path, ext):
    cols = {
        "District": ["a", "b"],
        "district": ["c", "d"],
        "fid": ["1", "2"],
        "FID": ["3", "4"],
        "geom": ["g", "h"],
        "R&D": ["x", "y"],
        "ACTOR": ["p", "q"],
        "actor": ["r", "s"],
    }
    frame = pd.DataFrame(cols)
    g = gpd.GeoDataFrame(
        frame, geometry=[shapely.Point(69.1, 34.5), shapely.Point(70.4, 34.4)], crs="EPSG:4326"
    )
    out = tmp_path / f"names{ext}"
    report = im.write_layer(g, out)
    back = read_back(out)
    assert len(back) == 2
    # every column arrived, under a name no other column has (ignoring case)
    names = [report.get("fields", {}).get(n, n) for n in safe_names(cols).values()]
    assert len({n.casefold() for n in names}) == len(cols)
    assert set(names) <= set(back.columns), (names, list(back.columns))
    for original, name in zip(cols, names, strict=True):
        assert list(back[name].astype(str)) == cols[original]
    if ext == ".kml":
        assert report["fields"]["R&D"] == "R_D"


def test_awsd_and_legacy_acled_headers_to_geopackage(tmp_path, use_cache):
    awsd = tmp_path / "awsd.csv"
    awsd.write_text(
        "Incident ID,Year,Month,Day,Country,Region,District,City,Total killed,Total wounded,"
        "Means of attack,Latitude,Longitude,Actor name,Details\n"
        "1,2022,5,14,Afghanistan,Hirat,Injil,,1,0,Shooting,,,Unknown,x\n"
    )
    legacy = tmp_path / "acled_legacy.csv"
    legacy.write_text(
        "EVENT_ID_CNTY,EVENT_DATE,YEAR,TIME_PRECISION,EVENT_TYPE,ACTOR1,ADMIN1,ADMIN2,LOCATION,"
        "LATITUDE,LONGITUDE,GEO_PRECISION,SOURCE,NOTES,FATALITIES\n"
        "AFG1,28-September-2019,2019,1,Battles,Taliban,Kunduz,Kunduz,Kunduz,36.728,68.868,1,"
        "x,y,3\n"
    )
    for src, preset in ((awsd, "awsd"), (legacy, "acled")):
        g = geocode_frame(im.read_incidents(src))
        assert g.attrs["preset"] == preset
        out = tmp_path / f"{src.stem}.gpkg"
        im.write_layer(g, out)
        back = pyogrio.read_dataframe(out)
        assert len(back) == 1 and back["district"].iloc[0] in ("Injil", "Kunduz")


# ---------------------------------------------------------------------------------------------
# text round trips

TEXT = (
    st.lists(
        st.sampled_from(
            [*"abcXYZ019 ,;\"'-_/", "\t", "\n", "\r", "\r\n", "\u00a0", "هرات", "\u200f", "کابل"]
        ),
        min_size=1,
        max_size=30,
    )
    .map("".join)
    .filter(lambda s: any(ch.isalpha() for ch in s))  # text, not a number to pandas
)


def _expected(value: str, ext: str) -> str:
    """What each format gives back: the text itself, except for two documented limits."""
    if ext == ".kml":  # XML turns CR into LF (XML 1.0, 2.11), GDAL's reader trims ends:
        return " ".join(value.split())  # KML keeps the words, not the whitespace between them
    if ext == ".shp":  # dBASE pads text with spaces; GDAL's reader trims them at both ends
        return value.strip(" ")
    return value


@pytest.mark.parametrize("ext", FORMATS)
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(values=st.lists(TEXT, min_size=1, max_size=6))
def test_text_round_trip(tmp_path, ext, values):
    n = len(values)
    g = gpd.GeoDataFrame(
        {"event_id": [f"E{i}" for i in range(n)], "notes": values},
        geometry=shapely.points(np.full(n, 69.1), np.linspace(34.0, 35.0, n)),
        crs="EPSG:4326",
    )
    out = tmp_path / f"t{ext}"
    im.write_layer(g, out, overwrite=True)
    back = read_back(out)
    assert list(back["event_id"]) == list(g["event_id"])
    got = list(back["notes"])
    if ext == ".kml":
        got = [" ".join(v.split()) for v in got]
    assert got == [_expected(v, ext) for v in values]
    if ext == ".csv":  # Python's csv module reads the same rows
        with out.open(newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        assert [r["notes"] for r in rows] == values


def test_bare_cr_values_are_quoted_in_csv(tmp_path):
    g = gpd.GeoDataFrame(
        {"event_id": ["1", "2", "3"], "place": ["Kabul\r", "He\rrat", "Khost"]},
        geometry=[None, None, None],
        crs="EPSG:4326",
    )
    out = tmp_path / "cr.csv"
    im.write_layer(g, out)
    raw = out.read_bytes()
    assert b'"Kabul\r"' in raw and b'"He\rrat"' in raw
    assert len(pd.read_csv(out)) == 3


def test_names_with_trailing_cr_still_match(tmp_path, use_cache):
    p = tmp_path / "strikes.csv"
    p.write_bytes(b'province,district\r\n"Nangarhar\r","Achin\r"\r\n"Kunar","Asadabad "\r\n')
    g = geocode_frame(im.read_incidents(p))
    assert list(g["province"]) == ["Nangarhar", "Kunar"]
    assert list(g["stated_province"]) == ["Nangarhar", "Kunar"]


# ---------------------------------------------------------------------------------------------
# atomic writes, full disks, stale temps, Ctrl-C


def _points(n: int) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(0)
    return gpd.GeoDataFrame(
        {"event_id": [f"E{i}" for i in range(n)], "notes": ["x" * 80] * n},
        geometry=shapely.points(rng.uniform(61, 74, n), rng.uniform(30, 38, n)),
        crs="EPSG:4326",
    )


@pytest.mark.parametrize("ext", [".gpkg", ".shp", ".geojson"])
def test_failed_write_leaves_old_file_and_no_temp(tmp_path, monkeypatch, ext):
    out = tmp_path / f"keep{ext}"
    im.write_layer(_points(3), out)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    real = pyogrio.write_arrow

    def half_then_fail(reader, path, **kw):  # GDAL failing half way (a full disk, a bad value)
        import pyarrow as pa

        first = next(iter(reader))
        real(pa.Table.from_batches([first.slice(0, 1)]), path, **kw)
        raise pyogrio.errors.DataSourceError("Failed to write features (simulated)")

    monkeypatch.setattr(pyogrio, "write_arrow", half_then_fail)
    with pytest.raises(im.OutputWriteError, match="simulated"):
        im.write_layer(_points(50), out, overwrite=True)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_shapefile_sidecars_refused_without_overwrite(tmp_path):
    (tmp_path / "t.dbf").write_text("old")
    with pytest.raises(im.OutputExistsError, match=r"t\.dbf"):
        im.write_layer(_points(2), tmp_path / "t.shp")
    assert (tmp_path / "t.dbf").read_text() == "old"


def test_stale_temp_of_a_killed_run_is_removed(tmp_path):
    code = textwrap.dedent(
        f"""
        import geopandas as gpd, numpy as np, shapely
        import incidentmap as im
        n = 2_000_000
        g = gpd.GeoDataFrame({{"notes": ["x" * 50] * n}},
                             geometry=shapely.points(np.full(n, 69.0), np.full(n, 34.0)), crs=4326)
        im.write_layer(g, {str(tmp_path / "big.gpkg")!r})
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", code])
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            temps = [p for p in tmp_path.iterdir() if "incidentmap-tmp" in p.name]
            if temps and temps[0].stat().st_size > 0:
                break
            time.sleep(0.05)
        proc.kill()  # kill -9 in the middle of the write
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
    left = [p for p in tmp_path.iterdir() if "incidentmap-tmp" in p.name]
    assert left, "the killed run should have left its temporary file"
    assert not (tmp_path / "big.gpkg").exists()
    im.write_layer(_points(2), tmp_path / "small.gpkg")
    assert not [p for p in tmp_path.iterdir() if "incidentmap-tmp" in p.name]


def test_temp_of_a_running_process_is_kept(tmp_path):
    mine = tmp_path / f".x.gpkg.incidentmap-tmp-{os.getpid()}-abcd1234.gpkg"
    mine.write_text("in progress")
    assert remove_stale_temps(tmp_path) == []
    assert mine.exists()


def test_ctrl_c_stops_a_long_write_within_a_second(tmp_path):
    code = textwrap.dedent(
        f"""
        import os, signal, sys, threading, time
        import geopandas as gpd, numpy as np, shapely
        import incidentmap as im
        n = 1_500_000
        g = gpd.GeoDataFrame({{"notes": ["x" * 30] * n}},
                             geometry=shapely.points(np.full(n, 69.0), np.full(n, 34.0)), crs=4326)
        t = {{}}
        def interrupt():
            t["sent"] = time.monotonic()
            os.kill(os.getpid(), signal.SIGINT)
        threading.Timer(1.0, interrupt).start()
        try:
            im.write_layer(g, {str(tmp_path / "long.gpkg")!r})
        except KeyboardInterrupt:
            print(f"stopped {{time.monotonic() - t['sent']:.3f}}")
            sys.exit(0)
        print("finished")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=False
    )
    assert done.stdout.startswith("stopped"), done.stdout + done.stderr
    assert float(done.stdout.split()[1]) < 1.0
    assert not list(tmp_path.iterdir())


@pytest.fixture
def full_disk(tmp_path):
    """A 1 MB tmpfs (root only); skipped where it cannot be mounted."""
    mnt = tmp_path / "full"
    mnt.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mnt)], check=False)
    if done.returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    yield mnt
    subprocess.run(["umount", str(mnt)], check=False)


@pytest.mark.parametrize("ext", [e for e in FORMATS if e != ".parquet"] + [".parquet"])
def test_disk_full_is_detected_and_old_output_kept(full_disk, ext):
    out = full_disk / f"s{ext}"
    small = _points(2)
    im.write_layer(small, out)
    before = {p.name: p.read_bytes() for p in full_disk.iterdir()}
    with pytest.raises(im.OutputWriteError):
        im.write_layer(_points(60_000), out, overwrite=True)
    after = {p.name: p.read_bytes() for p in full_disk.iterdir()}
    assert after == before
    assert len(read_back(out)) == 2


def test_write_formats_registry_matches_suffixes():
    assert set(WRITE_FORMATS) == {*FORMATS, ".json"}


@pytest.mark.parametrize("suffix", [".SHP", ".shp"])
def test_shapefile_suffix_in_any_case(tmp_path, suffix):
    # issue 18: "points.SHP" failed (GDAL names the sidecars in lower case)
    import geopandas as gpd
    import shapely

    import incidentmap as im

    g = gpd.GeoDataFrame({"a": [1, 2]}, geometry=shapely.points([70, 71], [34, 35]), crs=4326)
    out = tmp_path / f"p{suffix}"
    im.write_layer(g, out)
    assert out.exists() and (tmp_path / "p.dbf").exists()
    assert len(gpd.read_file(out)) == 2
    assert not [f for f in tmp_path.iterdir() if "incidentmap-tmp" in f.name]


def test_overwriting_a_shapefile_removes_its_stale_spatial_index(tmp_path):
    # issue 18: a .qix left by QGIS beside the old file made spatial queries on the new one
    # find nothing
    import geopandas as gpd
    import shapely

    import incidentmap as im

    g = gpd.GeoDataFrame({"a": [1]}, geometry=shapely.points([70], [34]), crs=4326)
    out = tmp_path / "p.shp"
    im.write_layer(g, out)
    (tmp_path / "p.qix").write_bytes(b"old index")
    with pytest.raises(im.OutputExistsError):
        im.write_layer(g, out)  # the index is a sidecar: refused without overwrite
    im.write_layer(g, out, overwrite=True)
    assert not (tmp_path / "p.qix").exists()


def test_empty_flatgeobuf_is_written_and_counted(tmp_path):
    # issue 18: zero features reported "-1 features" and failed the write
    import geopandas as gpd

    import incidentmap as im

    g = gpd.GeoDataFrame({"a": []}, geometry=gpd.GeoSeries([], crs=4326))
    report = im.write_layer(g, tmp_path / "e.fgb")
    assert report["layers"] == {"e": 0} and (tmp_path / "e.fgb").exists()


def test_two_runs_to_one_new_output_the_second_is_refused(tmp_path):
    # issue 18: two `geocode` runs to the same new output without --overwrite both exited 0,
    # one's rows silently replaced by the other's; the check and the move are one step now
    import incidentmap as im
    from incidentmap.atomic import atomic_write

    out = tmp_path / "out.csv"
    with pytest.raises(im.OutputExistsError, match="written meanwhile by another run"):
        with atomic_write(out) as tmp:
            tmp.write_text("mine\n")
            out.write_text("the other run's\n")  # the other run finished first
    assert out.read_text() == "the other run's\n"
    assert [f.name for f in tmp_path.iterdir()] == ["out.csv"]  # no temporary file left
    with atomic_write(out, overwrite=True) as tmp:
        tmp.write_text("mine\n")
    assert out.read_text() == "mine\n"


@pytest.mark.parametrize("ext", [".gpkg", ".csv", ".geojson", ".shp", ".fgb", ".parquet"])
def test_missing_text_stays_missing(tmp_path, ext):
    """A None in a text column is written as missing, never as the word "None" (pandas 2)."""
    from shapely.geometry import Point

    import incidentmap as im

    g = gpd.GeoDataFrame(
        {"place": ["Kabul", None], "n": [1, 2]},
        geometry=[Point(69.17, 34.53), Point(70.45, 34.43)],
        crs="EPSG:4326",
    )
    path = tmp_path / f"t{ext}"
    im.write_layer(g, path)
    if ext == ".csv":
        back = pd.read_csv(path, keep_default_na=False)["place"].tolist()
        assert back == ["Kabul", ""]
    elif ext == ".parquet":
        assert pd.isna(gpd.read_parquet(path)["place"].tolist()[1])
    else:
        assert pd.isna(pyogrio.read_dataframe(path)["place"].tolist()[1])


@given(
    texts=st.lists(
        st.lists(st.text(alphabet='ab,"\n|', max_size=4), max_size=3), min_size=1, max_size=5
    )
)
@settings(max_examples=25, deadline=None)
def test_csv_of_a_frame_built_from_empty_parts_is_its_rows(texts):
    """Arrow wrote NUL bytes for a text column of empty chunks (a merge's pairs of three
    sources, one pair of sources with no pairs)."""
    import io as _io

    from incidentmap.io.frames import write_csv

    parts = [pd.DataFrame({"a": pd.Series(t, dtype="str"), "n": range(len(t))}) for t in texts]
    frame = pd.concat(parts, ignore_index=True)
    buf = _io.StringIO()
    write_csv(frame, buf)
    back = pd.read_csv(_io.StringIO(buf.getvalue()), dtype={"a": str}, keep_default_na=False)
    assert back["a"].tolist() == [v for t in texts for v in t]
