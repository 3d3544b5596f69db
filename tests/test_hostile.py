"""Hostile and faulty input, one case per class: one line, the right exit code, no traceback,
nothing corrupt left behind."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.dom.minidom
import zipfile

import geopandas as gpd
import pandas as pd
import pytest
import shapely

import incidentmap as im
from incidentmap import boundaries as bnd
from incidentmap.cli import app
from incidentmap.geocode import geocode as geocode_frame
from tests.conftest import DATA, GB, OCHA, ROOT
from tests.test_cli import run
from tests.test_write import full_disk  # noqa: F401 (fixture)

SAMPLE = ROOT / "geo" / "sample_incidents.csv"


def one_line(err: str) -> bool:
    return err.count("\n") == 1 and err.startswith("Error: ") and "Traceback" not in err


def _ends_in_one_error(err: str) -> bool:
    """Progress lines ("installing boundaries: ...") may come first; then one Error line."""
    lines = err.splitlines()
    errors = [line for line in lines if line.startswith("Error:")]
    return len(errors) == 1 and lines[-1] == errors[0] and "Traceback" not in err


def _commands() -> list[list[str]]:
    """Every command (with its group), from the app itself: a new command is covered."""
    import typer.main

    root = typer.main.get_command(app)
    out = []
    for name, cmd in root.commands.items():  # type: ignore[attr-defined]
        if hasattr(cmd, "commands"):
            out += [[name, sub] for sub in cmd.commands]
        else:
            out.append([name])
    return out


COMMANDS = _commands()


@pytest.mark.parametrize("cmd", COMMANDS, ids=" ".join)
def test_unknown_option_is_one_line_exit_2(capsys, use_cache, cmd):
    code, out, err = run(capsys, *cmd, "--frobnicate")
    assert code == 2 and one_line(err) and out == "", err
    assert "--frobnicate" in err


@pytest.mark.parametrize("cmd", [c for c in COMMANDS if c[0] not in ("boundaries",)], ids=" ".join)
def test_missing_argument_is_one_line_exit_2(capsys, use_cache, cmd):
    code, out, err = run(capsys, *cmd)
    assert code == 2 and one_line(err) and out == "", err


def test_unknown_command(capsys):
    code, _, err = run(capsys, "frobnicate")
    assert code == 2 and one_line(err) and "No such command 'frobnicate'" in err


@pytest.mark.parametrize(
    "args",
    [
        ["query", SAMPLE, "--km", "-5"],
        ["query", SAMPLE, "--format", "xml"],
        ["where", "abc", "70"],
        ["where", "95", "200"],
        ["where", "inf", "70"],
        ["where", "34", "70", "--snap-km", "1e9"],
        ["geocode", SAMPLE, "-o", "x.csv", "--snap-km", "1e9"],
        ["geocode", SAMPLE, "-o", "x.csv", "--preset", "nope"],
        ["aggregate", SAMPLE, "-o", "x.csv", "--period", "wekk"],
        ["aggregate", SAMPLE, "-o", "x.csv", "--level", "provnce"],
        ["aggregate", SAMPLE, "-o", "x.txt"],
        ["map", SAMPLE, "-o", "m.html", "--period", "wekk"],
        ["map", SAMPLE, "-o", "m.html", "--kind", "bars"],
        ["map", SAMPLE, "-o", "m.png"],
        ["map", SAMPLE, "-o", "m.gpkg"],
        ["map", SAMPLE, "-o", "m"],
        ["brief", SAMPLE, "-o", "b.html", "--level", "provnce"],
        ["brief", SAMPLE, "-o", "b.html", "--tiles", "google"],
        ["brief", SAMPLE, "-o", "b.html", "--png", "b.gif"],
        ["export", SAMPLE, "-o", "e.gpkg", "--layer", "roads"],
        ["export", SAMPLE, "-o", "e.gpkg", "--period", "fortnight"],
        ["export", SAMPLE, "-o", "e.txt"],
        # issue 18: accepted, or refused only after the whole input was read
        ["map", SAMPLE, "-o", "m.html", "--scheme", "user", "--bins", "5,1"],
        ["map", SAMPLE, "-o", "m.html", "--scheme", "user", "--bins", "1,nan"],
        ["geocode", SAMPLE, "-o", "x.csv", "--day-one", "now"],
        ["query", SAMPLE, "--since", "1402-01-01"],
        ["query", SAMPLE, "--since", "2023-02-30"],
        ["export", SAMPLE, "-o", "e.gpkg", "--period-layout", "wide"],
    ],
    ids=lambda a: " ".join(map(str, a[:1] + a[2:])),
)
def test_bad_values_refused_before_reading(capsys, use_cache, tmp_path, monkeypatch, args):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, *args)
    assert code == 2 and one_line(err) and out == "", err
    assert "read:" not in err  # refused before the file was read
    assert list(tmp_path.iterdir()) == []


def test_one_word_for_no_period(capsys, use_cache, tmp_path):
    for cmd, extra in (
        ("aggregate", ["-o", tmp_path / "a.csv"]),
        ("export", ["--layer", "provinces", "-o", tmp_path / "e.geojson"]),
        ("map", ["-o", tmp_path / "m.html"]),
    ):
        code, _, err = run(capsys, cmd, SAMPLE, "--period", "none", *extra)
        assert code == 0, (cmd, err)


# ---------------------------------------------------------------------------------------------
# values


def test_far_future_date_and_thousands_separators(capsys, use_cache, tmp_path):
    src = tmp_path / "x.csv"
    src.write_text(
        'event_id,date,latitude,longitude,fatalities\nE1,2300-01-01,34.43,70.45,"1,000"\n'
    )
    code, _, err = run(capsys, "geocode", src, "-o", tmp_path / "o.csv")
    assert code == 1 and one_line(err) and "expected a date from 1900-01-01" in err
    src.write_text(
        'event_id,date,latitude,longitude,fatalities\nE1,2023-01-01,34.43,70.45,"1,000"\n'
    )
    code, _, err = run(capsys, "geocode", src, "-o", tmp_path / "o.csv")
    assert code == 0, err
    assert pd.read_csv(tmp_path / "o.csv")["fatalities"].iloc[0] == 1000


def test_latin1_file_is_decoded_as_latin_and_noted(capsys, use_cache, tmp_path):
    src = tmp_path / "l.csv"
    src.write_bytes("province,event_type,notes\nKabul,Explosión,Café\n".encode("latin-1"))
    code, _, err = run(capsys, "geocode", src, "-o", tmp_path / "o.csv")
    assert code == 0 and "note: " in err and "Windows-1252" in err
    back = pd.read_csv(tmp_path / "o.csv")
    assert back["event_type"].iloc[0] == "Explosión" and back["notes"].iloc[0] == "Café"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("[" * 100_000, "nested more than 200 levels"),
        ('{"type":"FeatureCollection","features":"nope"}', "'features' must be a list"),
        ('{"type":"FeatureCollection","features":[{"type":"Feature"}, 3]}', "a GeoJSON Feature"),
        ("{not json", "not valid JSON"),
    ],
)
def test_hostile_json(capsys, use_cache, tmp_path, content, expected):
    src = tmp_path / "x.json"
    src.write_text(content)
    code, _, err = run(capsys, "geocode", src, "-o", tmp_path / "o.csv")
    assert code == 1 and one_line(err) and expected in err, err


def test_geojson_suffix_with_bad_features(capsys, use_cache, tmp_path):
    src = tmp_path / "x.geojson"
    src.write_text('{"type":"FeatureCollection","features":"nope"}')
    code, _, err = run(capsys, "geocode", src, "-o", tmp_path / "o.csv")
    assert code == 1 and one_line(err), err


def test_kml_with_markup_in_column_names_is_valid_xml(use_cache, tmp_path):
    g = geocode_frame(im.read_incidents(SAMPLE))
    g["R&D <x>"] = "a & b <c>"
    out = tmp_path / "k.kml"
    report = im.write_layer(g, out)
    xml.dom.minidom.parse(str(out))  # raises on invalid XML
    assert report["fields"]["R&D <x>"] == "R_D__x_"


def test_actor_regex_is_bounded(use_cache, tmp_path):
    from incidentmap.filters import REGEX_SECONDS, filter_incidents

    frame = pd.DataFrame({"actor": ["a" * 5000 + "b", "Taliban"]})
    with pytest.raises(im.UsageError, match="ran longer than"):
        filter_incidents(frame, actor="(a+)+$", actor_regex=True)
    got = filter_incidents(frame, actor="^tali", actor_regex=True)
    assert list(got["actor"]) == ["Taliban"] and REGEX_SECONDS <= 5


def test_huge_aggregate_refused_before_work(capsys, use_cache, tmp_path):
    src = tmp_path / "c.csv"
    src.write_text(
        "event_id,date,province,district\n1,1900-01-01,Kabul,Paghman\n2,2025-12-31,Herat,Injil\n"
    )
    code, _, err = run(capsys, "aggregate", src, "--period", "day", "-o", tmp_path / "a.csv")
    assert code == 2 and "more than the limit of 5,000,000" in err
    assert not (tmp_path / "a.csv").exists()


def test_snapped_points_do_not_claim_full_score(use_cache):
    frame = gpd.GeoDataFrame(
        {"latitude": [34.01], "longitude": [71.58]}, geometry=[None], crs="EPSG:4326"
    )
    near = geocode_frame(frame, snap_km=50).iloc[0]
    assert near["geocode_method"] == "point_snapped" and near["geocode_score"] < 100
    paris = frame.assign(latitude=[48.85], longitude=[2.35])
    with pytest.raises(im.UsageError, match="from 0 to 50"):
        geocode_frame(paris, snap_km=1e9)
    assert geocode_frame(paris, snap_km=50).iloc[0]["geocode_method"] == "unplaced"


def test_query_table_strips_terminal_escapes(use_cache, tmp_path):
    g = geocode_frame(im.read_incidents(SAMPLE))
    g.loc[0, "notes"] = "\x1b[31mred\x1b[0m \x1b]0;owned\x07 \u202etxt"
    src = tmp_path / "g.gpkg"
    im.write_layer(g, src)
    done = subprocess.run(
        [sys.executable, "-m", "incidentmap", "query", str(src), "-f", "table"],
        capture_output=True,
        text=True,
        check=False,
        env={**__import__("os").environ, "COLUMNS": "200"},
    )
    assert done.returncode == 0, done.stderr
    assert "\x1b" not in done.stdout and "\u202e" not in done.stdout and "red" in done.stdout


def test_csv_safe(capsys, use_cache, tmp_path):
    src = tmp_path / "f.csv"
    src.write_text('event_id,province,notes\n=1+2,Kabul,"@SUM(A1)"\nx,Kabul,-3 dead\n')
    code, _, _ = run(capsys, "geocode", src, "-o", tmp_path / "plain.csv")
    assert code == 0
    assert pd.read_csv(tmp_path / "plain.csv", dtype=str)["notes"].iloc[0] == "@SUM(A1)"
    code, _, _ = run(capsys, "geocode", src, "-o", tmp_path / "safe.csv", "--csv-safe")
    safe = pd.read_csv(tmp_path / "safe.csv", dtype=str)
    assert list(safe["notes"]) == ["'@SUM(A1)", "'-3 dead"] and safe["event_id"].iloc[0] == "'=1+2"
    code, out, _ = run(capsys, "query", src, "-f", "csv", "--csv-safe")
    assert "'@SUM(A1)" in out


# ---------------------------------------------------------------------------------------------
# outputs


def test_export_refuses_to_replace_sidecars(capsys, use_cache, tmp_path):
    (tmp_path / "t.dbf").write_text("old")
    code, _, err = run(capsys, "export", SAMPLE, "-o", tmp_path / "t.shp")
    assert code == 2 and one_line(err) and "t.dbf" in err
    assert (tmp_path / "t.dbf").read_text() == "old"


@pytest.mark.parametrize("ext", [".fgb", ".gpkg", ".shp", ".geojson", ".kml"])
def test_export_to_a_full_disk(capsys, use_cache, full_disk, ext):  # noqa: F811
    out = full_disk / f"s{ext}"
    code, _, err = run(capsys, "export", DATA / "acled.csv", "--layer", "points", "-o", out)
    assert code == 0, err
    before = {p.name: p.read_bytes() for p in full_disk.iterdir()}
    big = full_disk.parent / "big.csv"
    rows = [
        f"E{i},2023-01-01,{34 + i % 100 / 100},{69 + i % 97 / 100},{'x' * 60}"
        for i in range(40_000)
    ]
    big.write_text("event_id,date,latitude,longitude,notes\n" + "\n".join(rows) + "\n")
    done = subprocess.run(  # a real process: GDAL's own messages would go to fd 2
        [sys.executable, "-m", "incidentmap", "export", str(big), "--layer", "points",
         "-o", str(out), "--overwrite"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    lines = done.stderr.splitlines()
    assert done.returncode == 1, done.stderr
    assert [line for line in lines if not line.startswith("read:")] == [lines[-1]], lines
    assert lines[-1].startswith("Error: ") and "ERROR" not in done.stderr
    assert {p.name: p.read_bytes() for p in full_disk.iterdir()} == before


def test_install_on_a_full_disk(capsys, full_disk, monkeypatch):  # noqa: F811
    monkeypatch.setenv("INCIDENTMAP_CACHE_DIR", str(full_disk / "cache"))
    bnd.forget_loaded()
    code, _, err = run(capsys, "boundaries", "install", "--from", GB)
    lines = [line for line in err.splitlines() if line.startswith("Error:")]
    assert code == 1 and len(lines) == 1 and "Traceback" not in err, err
    assert not (full_disk / "cache" / "boundaries.gpkg").exists()
    assert not [p for p in (full_disk / "cache").iterdir() if "incidentmap-tmp" in p.name]


# ---------------------------------------------------------------------------------------------
# boundary sources


@pytest.fixture
def empty_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("INCIDENTMAP_CACHE_DIR", str(tmp_path / "c"))
    bnd.forget_loaded()
    yield tmp_path / "c"
    bnd.forget_loaded()


def _districts_with(geoms, tmp_path, name="d.gpkg", crs="EPSG:4326"):
    gdf = gpd.GeoDataFrame(
        {"NAME": [f"D{i}" for i in range(len(geoms))], "PROV": ["Kabul"] * len(geoms)},
        geometry=geoms,
        crs=crs,
    )
    path = tmp_path / name
    gdf.to_file(path)
    return path


def _install(capsys, path):
    return run(
        capsys, "boundaries", "install", "--from", path, "--district-field", "NAME",
        "--province-field", "PROV",
    )  # fmt: skip


def test_install_refuses_an_empty_layer(capsys, empty_cache, tmp_path):
    path = _districts_with([], tmp_path)
    code, _, err = _install(capsys, path)
    assert code == 1 and _ends_in_one_error(err) and "no features" in err


def test_install_refuses_metres_labelled_degrees(capsys, empty_cache, tmp_path):
    d = gpd.read_file(GB / "geoBoundaries-AFG-ADM2_simplified.geojson").to_crs("EPSG:32642")
    path = _districts_with(list(d.geometry.values[:5]), tmp_path, crs="EPSG:4326")
    code, _, err = _install(capsys, path)
    assert code == 1 and _ends_in_one_error(err) and "is not Afghanistan's" in err
    assert not (empty_cache / "boundaries.gpkg").exists()


def test_install_repairs_bowties(capsys, empty_cache, tmp_path):
    bowtie = shapely.Polygon([(69.0, 34.0), (69.2, 34.2), (69.2, 34.0), (69.0, 34.2)])
    square = shapely.box(69.3, 34.0, 69.5, 34.2)
    path = _districts_with([bowtie, square], tmp_path)
    code, _, err = _install(capsys, path)
    assert code == 0, err
    d = im.load_boundaries()
    assert d.is_valid.all() and im.boundaries_info().provenance["repaired_polygons"] == 1


def test_install_refuses_points_and_incident_files(capsys, empty_cache, tmp_path):
    code, _, err = run(capsys, "boundaries", "install", "--from", DATA / "acled.csv")
    assert code == 1 and _ends_in_one_error(err)
    pts = gpd.GeoDataFrame(
        {"NAME": ["a"], "PROV": ["Kabul"]}, geometry=[shapely.Point(69, 34)], crs="EPSG:4326"
    )
    pts.to_file(tmp_path / "p.gpkg")
    code, _, err = _install(capsys, tmp_path / "p.gpkg")
    assert code == 1 and _ends_in_one_error(err) and "expected polygons" in err


def test_install_says_a_province_layer_is_not_the_districts(capsys, empty_cache):
    # a newcomer gave the ADM1 file and read "a geoBoundaries ADM2 layer has no province field"
    adm1 = GB / "geoBoundaries-AFG-ADM1.geojson"
    code, _, err = run(capsys, "boundaries", "install", "--from", adm1)
    assert code == 1 and _ends_in_one_error(err)
    assert "ADM1 layer (34 features), not the districts (ADM2)" in err and "folder" in err


def test_a_day_one_refused_names_its_option(capsys, use_cache, tmp_path):
    code, _, err = run(capsys, "geocode", tmp_path / "none.csv", "-o", tmp_path / "x.csv",
                       "--day-one", "now")  # fmt: skip
    assert code == 2
    assert err.strip() == (
        "Error: --day-one: expected a date like 2004-01-01, got 'now' "
        "(see: incidentmap geocode --help)"
    )


def test_install_refuses_a_bad_zip(capsys, empty_cache, tmp_path):
    bad = tmp_path / "b.zip"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    code, _, err = run(capsys, "boundaries", "install", "--from", bad)
    assert code == 1 and _ends_in_one_error(err)
    empty = tmp_path / "e.zip"
    with zipfile.ZipFile(empty, "w") as zf:
        zf.writestr("readme.txt", "nothing here")
    code, _, err = run(capsys, "boundaries", "install", "--from", empty)
    assert code == 1 and _ends_in_one_error(err)


def test_brief_credits_the_installed_source(capsys, empty_cache, tmp_path):
    for source, credit in (
        (OCHA / "afg_admbnda_adm2_agcho_20180522.gpkg", "AGCHO / OCHA COD-AB Afghanistan"),
        (GB, "geoBoundaries.org (Runfola et al. 2020)"),
    ):
        code, _, err = run(capsys, "boundaries", "install", "--from", source)
        assert code == 0, err
        out = tmp_path / f"b{len(credit)}.html"
        code, _, err = run(capsys, "brief", SAMPLE, "-o", out, "--period", "year")
        assert code == 0, err
        page = out.read_text("utf-8")
        assert f"Boundaries: {credit}" in page
        other = "geoBoundaries.org" if "OCHA" in credit else "OCHA COD-AB"
        assert other not in page


def test_json_depth_guard_is_not_fooled_by_strings(tmp_path):
    src = tmp_path / "s.json"
    src.write_text(json.dumps([{"province": "Kabul", "notes": "[" * 1000}]))
    assert im.read_incidents(src)["notes"].iloc[0] == "[" * 1000


def test_where_strips_terminal_escapes_from_layer_names(capsys, use_cache, monkeypatch):
    # issue 18: a name in an installed boundary layer holding "\x1b]0;PWNED\x07" (a new
    # window title) was printed raw by `where`
    import dataclasses

    import incidentmap.cli._where as where_mod

    real = where_mod.run

    def hostile(lat, lon, **kw):
        out = real(lat, lon, **kw)
        return dataclasses.replace(out, district="Jalal\x1b]0;PWNED\x07abad\x1b[31m")

    monkeypatch.setattr(where_mod, "run", hostile)
    code, out, _ = run(capsys, "where", "34.43", "70.45")
    assert code == 0 and "\x1b" not in out and "\x07" not in out and "Jalal" in out


def test_csv_safe_guards_header_cells_too(capsys, use_cache, tmp_path):
    # issue 18: --csv-safe guarded values but not a column named "=HYPERLINK(...)"
    src = tmp_path / "x.csv"
    src.write_text('date,province,"=HYPERLINK(""http://x"")"\n2023-03-01,Kabul,=1+1\n')
    code, out, err = run(capsys, "query", src, "-f", "csv", "--csv-safe")
    assert code == 0, err
    header = out.splitlines()[0]
    assert "'=HYPERLINK" in header and ",=HYPERLINK" not in header
    assert "'=1+1" in out
