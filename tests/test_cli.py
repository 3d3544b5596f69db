from __future__ import annotations

import json
import re
import subprocess
import sys

import geopandas as gpd
import pandas as pd
import pytest

from incidentmap.cli import app, main
from tests.conftest import DATA, GB, OCHA, ROOT


def run(capsys, *args):
    with pytest.raises(SystemExit) as exc:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    return exc.value.code, out, err


def test_where(capsys, use_cache):
    code, out, _ = run(capsys, "where", "34.43", "70.45")
    assert code == 0
    assert out.strip() == "Jalalabad district, Nangarhar province (AF-NAN)"
    code, out, _ = run(capsys, "where", "36.70", "67.11", "--json")
    assert json.loads(out)["province_code"] == "AF-BAL"


def test_where_outside(capsys, use_cache):
    code, out, err = run(capsys, "where", "34.01", "71.58")
    assert code == 1 and out == ""
    assert re.fullmatch(
        r"Error: 34\.01, 71\.58: outside: (about )?\d+ km from the nearest district\n",
        err,
    )


@pytest.mark.parametrize("ext", [".gpkg", ".csv", ".geojson", ".parquet"])
def test_geocode_outputs_and_counts(capsys, use_cache, tmp_path, ext):
    out_path = tmp_path / f"out{ext}"
    code, _out, err = run(capsys, "geocode", DATA / "acled.csv", "-o", out_path)
    assert code == 0, err
    assert "read: 4 rows" in err
    assert "placed by point: 4 (in polygon 4, snapped 0, lat/lon swapped 0)" in err
    assert "placed by name: 0" in err and "unplaced: 0" in err
    assert f"wrote: 4 rows to {out_path}" in err
    if ext == ".csv":
        back = pd.read_csv(out_path)
    elif ext == ".parquet":
        back = gpd.read_parquet(out_path)
    else:
        back = gpd.read_file(out_path)
    assert len(back) == 4
    assert list(back["province"]) == ["Balkh", "Nangarhar", "Panjshir", "Kabul"]


def test_geocode_sample_names(capsys, use_cache, tmp_path):
    code, _, err = run(
        capsys, "geocode", ROOT / "geo" / "sample_incidents.csv", "-o", tmp_path / "s.gpkg"
    )
    assert code == 0
    assert "placed by name: 52 (district 9, place 42, province only 1)" in err


def test_geocode_refuses_to_overwrite(capsys, use_cache, tmp_path):
    target = tmp_path / "x.csv"
    target.write_text("keep me")
    code, _, err = run(capsys, "geocode", DATA / "acled.csv", "-o", target)
    assert code == 2
    assert err == f"Error: {target} exists; use --overwrite to replace it\n"
    assert target.read_text() == "keep me"
    code, _, _ = run(capsys, "geocode", DATA / "acled.csv", "-o", target, "--overwrite")
    assert code == 0 and len(pd.read_csv(target)) == 4


def test_bad_value_is_one_line_and_no_output(capsys, use_cache, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("date,lat,lon\n2023-01-01,34.5,69.1\n2023-01-02,abc,69.2\n")
    target = tmp_path / "out.gpkg"
    code, out, err = run(capsys, "geocode", bad, "-o", target)
    assert code == 1 and out == ""
    assert err == (
        f"Error: {bad}, row 2, column 'lat': expected a latitude in degrees (-90 to 90), "
        "got 'abc' (--keep-bad-values keeps such rows, with the reason in input_note)\n"
    )
    assert not target.exists()
    assert list(tmp_path.iterdir()) == [bad]


def test_keep_bad_values(capsys, use_cache, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("date,lat,lon,province\n2023-01-01,34.5,69.1,\n2023-01-02,abc,69.2,Kabul\n")
    code, _, err = run(capsys, "geocode", bad, "-o", tmp_path / "o.csv", "--keep-bad-values")
    assert code == 0
    assert "rows with values read as unknown, each with its reason (see input_note): 1" in err
    back = pd.read_csv(tmp_path / "o.csv")
    assert list(back["geocode_method"]) == ["point", "province_name"]


def test_missing_input_and_unknown_format(capsys, use_cache, tmp_path):
    code, _, err = run(capsys, "geocode", tmp_path / "nope.csv", "-o", tmp_path / "o.csv")
    assert code == 1 and err == f"Error: {tmp_path / 'nope.csv'}: no such file\n"
    code, _, err = run(capsys, "geocode", DATA / "acled.csv", "-o", tmp_path / "o.xyz")
    assert code == 2 and "unknown output format .xyz" in err
    assert not (tmp_path / "o.xyz").exists()


def test_unknown_preset_is_usage_error(capsys, use_cache, tmp_path):
    code, _, err = run(
        capsys, "geocode", DATA / "acled.csv", "-o", tmp_path / "o.csv", "--preset", "nope"
    )
    assert code == 2 and err.startswith("Error: Invalid value for '--preset'")
    assert "'nope' is not one of 'auto', 'acled'" in err and err.count("\n") == 1


def test_generic_column_options(capsys, use_cache, tmp_path):
    src = tmp_path / "g.csv"
    src.write_text("when;Y;X;prov\n09.03.2023;36.709;67.111;Balkh\n")
    code, _, err = run(
        capsys,
        "geocode",
        src,
        "-o",
        tmp_path / "o.csv",
        "--lat",
        "Y",
        "--lon",
        "X",
        "--date",
        "when",
        "--province-col",
        "prov",
        "--dayfirst",
    )
    assert code == 0, err
    back = pd.read_csv(tmp_path / "o.csv")
    assert back.loc[0, "date"] == "2023-03-09" and back.loc[0, "district"] == "Mazari Sharif"
    # geocode also takes the short names of the issue: --province/--district/--place
    names = tmp_path / "n.csv"
    names.write_text("wilayat;woleswali;jay\nNingarhar;Surkh Rud;\nHirat;;Herat\n")
    code, _, err = run(
        capsys,
        "geocode",
        names,
        "-o",
        tmp_path / "n.gpkg",
        "--province",
        "wilayat",
        "--district",
        "woleswali",
        "--place",
        "jay",
    )
    assert code == 0, err
    assert "placed by name: 2 (district 1, place 1, province only 0)" in err


def test_boundaries_info_and_path(capsys, use_cache):
    code, out, _ = run(capsys, "boundaries", "info")
    assert code == 0
    assert "districts:           398" in out and "provinces:           34" in out
    assert "geoBoundaries.org" in out and str(use_cache) in out
    code, out, _ = run(capsys, "boundaries", "info", "--json")
    assert json.loads(out)["districts"] == 398
    code, out, _ = run(capsys, "boundaries", "path")
    assert out.strip() == str(use_cache)


def test_boundaries_not_installed(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("INCIDENTMAP_CACHE_DIR", str(tmp_path))
    code, _out, err = run(capsys, "where", "34.4", "70.4")
    assert code == 1
    assert err.startswith(
        f"Error: no boundaries installed in {tmp_path}; run: incidentmap boundaries install"
    )


def test_boundaries_install_from(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("INCIDENTMAP_CACHE_DIR", str(tmp_path))
    code, _, err = run(capsys, "boundaries", "install", "--from", GB)
    assert code == 0
    assert "installed 398 districts in 34 provinces" in err
    assert "corrected province of Rukha: AF-KAP -> AF-PAN" in err
    # README's main job (`boundaries install && brief ...`) runs again offline: what is
    # installed and whole is kept, nothing downloaded; a damaged cache is installed again
    before = (tmp_path / "boundaries.gpkg").stat().st_mtime_ns
    code, _, err = run(capsys, "boundaries", "install")
    assert code == 0, err
    assert "boundaries already installed: geoBoundaries" in err and "--force" in err
    assert "398 districts in 34 provinces" in err and "Downloading" not in err
    assert (tmp_path / "boundaries.gpkg").stat().st_mtime_ns == before
    assert not (tmp_path / "downloads").exists()
    with open(tmp_path / "boundaries.gpkg", "r+b") as fh:  # damaged: no longer kept
        fh.seek(5000)
        was = fh.read(64)
        fh.seek(5000)
        fh.write(bytes(b ^ 0x5A for b in was))
    code, _, err = run(capsys, "boundaries", "install")  # offline: from the copy it came from
    assert code == 0 and "already installed" not in err, err
    assert "the installed boundaries are damaged" in err and "installing again from" in err
    assert "installed 398" in err and "reinstall:" not in err and "Downloading" not in err


def test_boundaries_install_keeps_another_layer_and_says_it_is_not_the_default(
    capsys, tmp_path, monkeypatch
):
    monkeypatch.setenv("INCIDENTMAP_CACHE_DIR", str(tmp_path))
    code, _, err = run(capsys, "boundaries", "install", "--from", OCHA)
    assert code == 0, err
    code, _, err = run(capsys, "boundaries", "install")
    assert code == 0, err
    assert "warning: boundaries installed: OCHA" in err and "not the pinned geoBoundaries" in err
    assert "--force replaces them" in err and not (tmp_path / "downloads").exists()


def test_stdin_and_debug_traceback(use_cache, tmp_path):
    out = tmp_path / "o.csv"
    proc = subprocess.run(
        [sys.executable, "-m", "incidentmap", "geocode", "-", "-o", str(out)],
        input=(DATA / "acled.csv").read_bytes(),
        capture_output=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert len(pd.read_csv(out)) == 4
    proc = subprocess.run(
        [sys.executable, "-m", "incidentmap", "--debug", "geocode", "nope.csv", "-o", str(out)],
        capture_output=True,
        check=False,
    )
    assert proc.returncode != 0 and b"Traceback" in proc.stderr


def _commands(group, prefix=""):
    import typer.main

    click_group = typer.main.get_command(group)
    for name, cmd in click_group.commands.items():
        full = f"{prefix}{name}"
        if hasattr(cmd, "commands"):
            for sub, subcmd in cmd.commands.items():
                yield f"{full} {sub}", subcmd
        else:
            yield full, cmd


def test_every_command_has_help_and_is_documented():
    readme = (ROOT / "README.md").read_text()
    names = list(_commands(app))
    assert len(names) >= 5
    for name, cmd in names:
        assert cmd.help, name
        assert f"incidentmap {name}" in readme, name


def test_map_failure_writes_nothing(capsys, use_cache, tmp_path):
    out = tmp_path / "m.html"
    code, _, err = run(capsys, "brief", DATA / "acled.csv", "-o", out, "--scheme", "nope")
    assert code == 2 and err.startswith("Error: Invalid value for '--scheme'")
    assert "'nope' is not one of 'quantiles', 'natural_breaks'" in err and err.count("\n") == 1
    code, _, err = run(capsys, "map", DATA / "acled.csv", "-o", out, "--kind", "bars")
    assert code == 2 and "'bars' is not one of 'choropleth', 'points'" in err
    code, _, err = run(capsys, "map", DATA / "acled.csv", "-o", out, "--measure", "nope")
    assert code == 2 and "measure 'nope' is not a column" in err
    assert list(tmp_path.iterdir()) == []


def test_brief_and_map_with_png(capsys, use_cache, tmp_path):
    code, _, err = run(
        capsys,
        "brief",
        ROOT / "geo" / "sample_incidents.csv",
        "-o",
        tmp_path / "b.html",
        "--level",
        "province",
        "--period",
        "year",
        "--hotspots",
        "--png",
        tmp_path / "b.png",
    )
    assert code == 0, err
    assert f"wrote: {tmp_path / 'b.png'}" in err and (tmp_path / "b.png").stat().st_size > 10000
    code, _, err = run(
        capsys,
        "map",
        DATA / "acled.csv",
        "-o",
        tmp_path / "m.html",
        "--png",
        tmp_path / "m.svg",
        "--period",
        "month",
        "--png-periods",
        "2",
    )
    assert code == 0, err
    assert (tmp_path / "m.svg").read_text().lstrip().startswith("<?xml")


def test_readme_walk_through_quotes_real_runs(capsys, use_cache, tmp_path, monkeypatch):
    # issue 16: the walk-through's outputs are quoted from real runs; each "# " line under a
    # command is its output (a line holding "..." is abridged and compared up to it; table
    # rows, which start with a date, are summarised and not compared)
    import shlex

    readme = (ROOT / "README.md").read_text()
    block = readme.split("## The example", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    monkeypatch.chdir(ROOT)
    commands: list[tuple[list[str], list[str]]] = []
    for line in block.replace("\\\n", " ").splitlines():
        if line.startswith("incidentmap "):
            commands.append((shlex.split(line)[1:], []))
        elif line.startswith("# ") and commands:
            commands[-1][1].append(line[2:])
    checked = 0
    for args, quoted in commands:
        args = [str(tmp_path / "out.gpkg") if a.startswith("maps/sample_geocoded") else a
                for a in args]  # fmt: skip
        if args[0] == "brief":
            continue  # the main job; tested as a page in the browser tests
        code, out, err = run(capsys, *args)
        assert code == 0, err
        said = (out + err).replace(str(tmp_path / "out.gpkg"), "maps/sample_geocoded.gpkg")
        for q in quoted:
            if re.match(r"\d{4}-\d{2}-\d{2} ", q):
                continue
            assert q.split("...")[0] in said, (args, q)
            checked += 1
    assert checked >= 7


def test_help_lists_every_command_with_its_whole_line(capsys):
    """`incidentmap --help` cut each command's line at about 45 characters ("...")."""
    from incidentmap.cli import COMMANDS

    code, out, _ = run(capsys, "--help")
    assert code == 0
    text = " ".join(out.split())
    for name, (_, _, line) in COMMANDS.items():
        assert f"{name} {' '.join(line.split())}" in text, name
