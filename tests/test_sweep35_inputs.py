"""Sweep 35, inputs: GIS files of several layers (F3), archives and binary standard input
(F9), header names with a separator before a digit (F18): through the CLI and the library."""

from __future__ import annotations

import gzip
import io
import subprocess
import sys
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import incidentmap as im
from incidentmap.errors import InputFileError, UsageError
from incidentmap.io.tables import read_table_facts
from incidentmap.pipeline import load_incidents
from incidentmap.schema import PRESETS, header_key
from tests.test_cli import run

DATA = Path(__file__).parent / "data"

# provinces with a town inside each (point rows) and province-only rows (no coordinates)
_PROVINCES = [
    ("Kabul", 34.5281, 69.1723),
    ("Balkh", 36.7090, 67.1109),
    ("Nangarhar", 34.4134, 70.3170),
    ("Herat", 34.3482, 62.1997),
    ("Kandahar", 31.6133, 65.7101),
    ("Panjshir", 35.3, 69.6),
]


def _acled(n: int = 12) -> pd.DataFrame:
    """An ACLED event export: odd rows at a point, even rows with only their province."""
    rows = []
    for i in range(n):
        prov, lat, lon = _PROVINCES[i % len(_PROVINCES)]
        point = i % 2 == 1
        rows.append({
            "event_id_cnty": f"AFG{i + 1:04d}", "event_date": f"{i % 27 + 1:02d} March 2023",
            "time_precision": 1, "disorder_type": "Political violence", "event_type": "Battles",
            "sub_event_type": "Armed clash", "actor1": f"Group {i % 3}", "actor2": "Civilians",
            "country": "Afghanistan", "admin1": prov, "admin2": "", "location": "",
            "latitude": lat if point else None, "longitude": lon if point else None,
            "geo_precision": 1 if point else 3, "source": "Synthetic", "fatalities": i % 4,
        })  # fmt: skip
    return pd.DataFrame(rows)


def _cli(*args, stdin: bytes | None = None, cache: Path | None = None):
    env = None
    if cache is not None:
        import os

        env = {**os.environ, "INCIDENTMAP_CACHE_DIR": str(cache)}
    proc = subprocess.run(
        [sys.executable, "-m", "incidentmap", *map(str, args)],
        input=stdin,
        capture_output=True,
        check=False,
        env=env,
    )
    return proc.returncode, proc.stdout.decode(), proc.stderr.decode()


# ---------------------------------------------------------------------------------------------
# F18: "Admin 1", "admin_1", "Actor 1" are ACLED's admin1 and actor1


_SEPARATORS = st.sampled_from([" ", "_", "-", ".", "  ", " _ ", ""])


@settings(max_examples=200, deadline=None)
@given(
    key=st.sampled_from(
        [
            "admin1",
            "admin2",
            "admin3",
            "actor1",
            "actor2",
            "inter1",
            "assoc_actor_1",
            "geo_precision",
            "event_id_cnty",
            "time_precision",
            "adm_1",
            "attacktype1_txt",
        ]
    ),
    sep=_SEPARATORS,
    data=st.data(),
)
def test_a_separator_before_a_digit_or_between_words_folds_away(key, sep, data):
    words = [w for w in header_key(key).replace("1", "_1").replace("2", "_2").split("_") if w]
    cases = data.draw(st.lists(st.sampled_from([str.lower, str.upper, str.title]),
                               min_size=len(words), max_size=len(words)))  # fmt: skip
    between = data.draw(st.sampled_from([" ", "_", ".", "-"]))
    parts = [f(w) for f, w in zip(cases, words, strict=True)]
    name = ""
    for i, part in enumerate(parts):
        if i:
            name += sep if part[0].isdigit() else between
        name += part
    assert header_key(name) == header_key(key)
    assert header_key(header_key(name)) == header_key(name)  # folding twice changes nothing


@given(st.text(max_size=30))
def test_header_key_is_idempotent(text):
    assert header_key(header_key(text)) == header_key(text)


def test_no_two_roles_of_a_preset_share_a_folded_alias():
    for preset in PRESETS.values():
        owner: dict[str, str] = {}
        for role, aliases in preset.columns.items():
            for alias in aliases:
                key = header_key(alias)
                assert alias == key, (preset.name, role, alias)  # listed as headers fold
                assert owner.setdefault(key, role) == role, (preset.name, key, owner[key], role)
        keys = [*preset.evidence, *(k for d in preset.detect for k in d)]
        assert all(header_key(k) == k for k in keys), preset.name
        assert len(set(preset.evidence)) == len(preset.evidence), preset.name


@pytest.mark.parametrize("header", ["Admin 1", "ADMIN 1", "admin_1", "Admin_1", "admin1"])
def test_admin_1_headers_place_province_only_rows(capsys, use_cache, tmp_path, header):
    base = _acled()
    path = tmp_path / "acled.csv"
    base.rename(columns={"admin1": header}).to_csv(path, index=False)
    out = tmp_path / "x.csv"
    code, _, err = run(capsys, "geocode", path, "-o", out)
    assert code == 0, err
    assert "unplaced: 0" in err and "no location" not in err
    placed = pd.read_csv(out)
    assert placed["province"].tolist() == base["admin1"].tolist()
    frame = im.read(path).frame
    assert frame["province"].tolist() == base["admin1"].tolist()
    assert frame["stated_province"].tolist() == base["admin1"].tolist()


def test_title_case_acled_export_reads_every_role(capsys, use_cache, tmp_path):
    base = _acled()
    titled = base.rename(columns={
        "event_id_cnty": "Event Id Cnty", "event_date": "Event Date", "actor1": "Actor 1",
        "actor2": "Actor 2", "admin1": "Admin 1", "admin2": "Admin 2",
        "geo_precision": "Geo Precision", "time_precision": "Time Precision",
        "sub_event_type": "Sub Event Type", "event_type": "Event Type",
    })  # fmt: skip
    path = tmp_path / "titled.csv"
    titled.to_csv(path, index=False)
    code, _, err = run(capsys, "geocode", path, "-o", tmp_path / "x.csv")
    assert code == 0, err
    assert "preset acled" in err and "actor <- 'Actor 1'" in err
    assert "stated_province <- 'Admin 1'" in err and "unplaced: 0" in err
    frame, _ = load_incidents(path)
    assert frame["actor"].tolist() == base["actor1"].tolist()
    assert frame["event_id"].tolist() == base["event_id_cnty"].tolist()
    assert frame["province"].tolist() == base["admin1"].tolist()
    assert frame["source_precision"].tolist() == ["province", "point"] * 6


# ---------------------------------------------------------------------------------------------
# F3: a layer named like incidentmap's is read only when incidentmap wrote it, and said


def _events(n: int) -> gpd.GeoDataFrame:
    lat = [31.0 + (i % 50) * 0.1 for i in range(n)]
    lon = [62.5 + (i % 70) * 0.1 for i in range(n)]
    frame = pd.DataFrame({"date": pd.date_range("2005-01-01", periods=n, freq="D"),
                          "killed": [i % 3 for i in range(n)]})  # fmt: skip
    return gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(lon, lat), crs=4326)


@settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    own=st.sampled_from(["incidents", "points", "merged"]),
    other=st.sampled_from(["events", "attacks_2004_2009", "all_events", "Layer1"]),
    big=st.integers(10, 60),
)
def test_a_layer_named_like_ours_but_not_ours_is_refused(capsys, tmp_path, own, other, big):
    path = tmp_path / f"{own}_{other}_{big}.gpkg"
    _events(big).to_file(path, layer=other, driver="GPKG")
    _events(3).to_file(path, layer=own, driver="GPKG")
    out = tmp_path / "x.csv"
    code, _, err = run(capsys, "geocode", path, "-o", out)
    assert code == 2 and "holds 2 layers" in err and "name one with --input-layer" in err
    assert own in err and other in err and not out.exists()
    with pytest.raises(UsageError, match="holds 2 layers"):
        read_table_facts(path)


def test_our_own_layer_is_read_with_a_note_naming_the_others(capsys, use_cache, tmp_path):
    src = tmp_path / "acled.csv"
    _acled().to_csv(src, index=False)
    gpkg = tmp_path / "g.gpkg"
    code, _, err = run(capsys, "geocode", src, "-o", gpkg)
    assert code == 0, err
    _events(40).to_file(gpkg, layer="events", driver="GPKG")
    code, _, err = run(capsys, "geocode", gpkg, "-o", tmp_path / "x.csv")
    assert code == 0, err
    note = (
        f"note: {gpkg}: read layer 'incidents' (12 features, written by incidentmap) of 2: "
        "events (40 features); --input-layer chooses another"
    )
    assert note in err and "read: 12 rows" in err
    _, report = load_incidents(gpkg)
    assert any("read layer 'incidents' (12 features" in n and "`in_layer`" in n
               for n in report.notes)  # fmt: skip
    code, _, err = run(capsys, "geocode", gpkg, "--input-layer", "events", "-o", tmp_path / "e.csv")
    assert code == 0 and "read: 40 rows" in err and "read layer" not in err
    raw, facts = read_table_facts(gpkg)
    assert len(raw) == 12 and len(facts.notes) == 1


def test_an_export_is_read_from_its_points_with_the_area_layers_named(capsys, use_cache, tmp_path):
    src = tmp_path / "acled.csv"
    _acled().to_csv(src, index=False)
    gpkg = tmp_path / "e.gpkg"
    code, _, err = run(capsys, "export", src, "-o", gpkg)
    assert code == 0, err
    layers = [str(n) for n, _ in pyogrio.list_layers(gpkg) if n != "layer_styles"]
    code, _, err = run(capsys, "geocode", gpkg, "-o", tmp_path / "x.csv")
    assert code == 0, err
    line = next(x for x in err.splitlines() if "read layer 'points'" in x)
    assert f"of {len(layers)}: " in line
    assert all(f"{n} (" in line for n in layers if n not in ("points", "area_events"))


# ---------------------------------------------------------------------------------------------
# F9: .gz and .zip read with a note; several tables refused; binary standard input named


def _packed(tmp_path: Path, kind: str, base: pd.DataFrame) -> Path:
    text = base.to_csv(index=False).encode()
    if kind == "gz":
        path = tmp_path / "acled.csv.gz"
        path.write_bytes(gzip.compress(text))
    elif kind == "gz_named_csv":  # a server's gzip saved under the table's name
        path = tmp_path / "acled.csv"
        path.write_bytes(gzip.compress(text))
    elif kind == "xlsx_gz":
        buf = io.BytesIO()
        base.to_excel(buf, index=False)
        path = tmp_path / "acled.xlsx.gz"
        path.write_bytes(gzip.compress(buf.getvalue()))
    else:
        path = tmp_path / "acled.zip"
        with zipfile.ZipFile(path, "w") as z:
            if kind == "zip_xlsx":
                buf = io.BytesIO()
                base.to_excel(buf, index=False)
                z.writestr("data/acled.xlsx", buf.getvalue())
            else:
                z.writestr("acled.csv", text)
            if kind == "zip_readme":
                z.writestr("README.txt", "terms of use")
                z.writestr("__MACOSX/._acled.csv", b"\x00\x01")
    return path


@pytest.mark.parametrize("kind", ["gz", "gz_named_csv", "xlsx_gz", "zip", "zip_readme", "zip_xlsx"])
def test_a_packed_table_reads_as_the_table_itself(capsys, use_cache, tmp_path, kind):
    base = _acled()
    plain = tmp_path / "plain.csv"
    base.to_csv(plain, index=False)
    path = _packed(tmp_path, kind, base)
    code, _, err = run(capsys, "geocode", path, "-o", tmp_path / "x.csv")
    assert code == 0, err
    assert "read: 12 rows" in err and "unplaced: 0" in err
    assert "gzip-compressed; read the" in err or "the one table in the zip archive" in err
    if kind == "zip_readme":
        assert "(not read: README.txt)" in err
    code, _, err = run(capsys, "geocode", plain, "-o", tmp_path / "p.csv")
    assert code == 0, err
    packed, unpacked = pd.read_csv(tmp_path / "x.csv"), pd.read_csv(tmp_path / "p.csv")
    pd.testing.assert_frame_equal(packed, unpacked)
    frame = im.read(path).frame
    assert frame["province"].tolist() == base["admin1"].tolist()
    _, facts = read_table_facts(path)
    assert str(path) in facts.notes[0]


def test_a_zip_of_several_tables_or_none_is_refused_by_name(capsys, tmp_path):
    two = tmp_path / "ged.zip"
    with zipfile.ZipFile(two, "w") as z:
        z.writestr("ged241.csv", "a,b\n1,2\n")
        z.writestr("x.csv", "a,b\n1,2\n")
    out = tmp_path / "x.csv"
    code, _, err = run(capsys, "geocode", two, "-o", out)
    assert code != 0 and not out.exists() and "Traceback" not in err
    assert err.strip() == (
        f"Error: {two}: a zip archive holding ged241.csv, x.csv: unzip it and give one"
    )
    none = tmp_path / "docs.zip"
    with zipfile.ZipFile(none, "w") as z:
        z.writestr("terms.pdf", b"%PDF-1.4")
    code, _, err = run(capsys, "geocode", none, "-o", out)
    assert code != 0 and "holding no table incidentmap reads (terms.pdf)" in err
    for path in (two, none):
        with pytest.raises(InputFileError, match="zip archive holding"):
            read_table_facts(path)


def test_damaged_archives_and_errors_inside_them_get_one_line(capsys, tmp_path):
    cut = tmp_path / "cut.csv.gz"
    whole = gzip.compress(_acled(600).to_csv(index=False).encode())
    cut.write_bytes(whole[: len(whole) // 2])
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    empty = tmp_path / "empty.zip"
    with zipfile.ZipFile(empty, "w") as z:
        z.writestr("data.csv", "")
    out = tmp_path / "x.csv"
    said = {}
    for path in (cut, bad, empty):
        code, _, err = run(capsys, "geocode", path, "-o", out)
        assert code != 0 and not out.exists() and "Traceback" not in err
        assert len(err.strip().splitlines()) == 1 and err.startswith(f"Error: {path}")
        said[path.name] = err
    assert "gzip data cut short or damaged" in said["cut.csv.gz"]
    assert "not a readable zip archive" in said["bad.zip"]
    assert f"{empty} (data.csv): the file is empty" in said["empty.zip"]
    assert not list(tmp_path.glob("**/incidentmap-unpacked-*"))


def _binary(kind: str, tmp_path: Path) -> bytes:
    base = _acled()
    if kind == "xlsx":
        buf = io.BytesIO()
        base.to_excel(buf, index=False)
        return buf.getvalue()
    if kind == "parquet":
        return base.to_parquet()
    if kind == "zip":
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("a.csv", base.to_csv(index=False))
        return buf.getvalue()
    path = tmp_path / "s.gpkg"
    _events(5).to_file(path, driver="GPKG")
    return path.read_bytes()


@pytest.mark.parametrize(
    ("kind", "said"),
    [
        ("xlsx", "an Excel workbook"),
        ("parquet", "a Parquet file"),
        ("gpkg", "a GeoPackage"),
        ("zip", "a zip archive"),
    ],
)
def test_binary_standard_input_says_what_it_holds(tmp_path, kind, said):
    out = tmp_path / "x.csv"
    code, _, err = _cli("geocode", "-", "-o", out, stdin=_binary(kind, tmp_path))
    assert code != 0 and not out.exists() and "Traceback" not in err
    assert f"standard input holds {said}" in err and "give its path" in err
    assert "NUL bytes" not in err and len(err.strip().splitlines()) == 1


def test_gzip_on_standard_input_is_read(use_cache, tmp_path):
    out = tmp_path / "x.csv"
    data = gzip.compress((DATA / "acled.csv").read_bytes())
    code, _, err = _cli("geocode", "-", "-o", out, stdin=data, cache=use_cache)
    assert code == 0, err
    assert "note: <stdin>: gzip-compressed; read the text inside it" in err
    assert len(pd.read_csv(out)) == 4


def test_a_binary_file_under_a_text_name_is_named(capsys, tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes(_acled().to_parquet())
    code, _, err = run(capsys, "geocode", path, "-o", tmp_path / "x.csv")
    assert code != 0
    assert "not a text file: it is a Parquet file (a name ending .parquet reads it)" in err
