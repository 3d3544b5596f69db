"""Issue 18 classes: options refused before any file is read, and files read as they are.

A usage error must not wait for a (possibly huge) input: each case names an input that
does not exist, so an error about the option proves the option was checked first.
"""

from __future__ import annotations

import pandas as pd
import pytest

from tests.conftest import ROOT
from tests.test_cli import run


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["query", "{missing}", "--delimiter", ";;"], "--delimiter must be one character"),
        (
            ["map", "{missing}", "-o", "{tmp}/x.html", "--scheme", "user"],
            "--scheme user needs --bins",
        ),
        (
            [
                "export",
                "{missing}",
                "-o",
                "{tmp}/x.geojson",
                "--layer",
                "points",
                "--layer",
                "districts",
            ],
            "holds one layer",
        ),
        (["query", "{missing}", "--since", "2023-02-30"], "expected a date"),
        (["map", "{missing}", "-o", "{tmp}/x.html", "--bins", "5,1"], "must increase"),
        (["query", "{missing}", "--bbox", "70,35,69,34"], "the minimum comes first"),
        (["query", "{missing}", "--bbox", "69,34,nan,35"], "expected min_lon"),
        (["query", "{missing}", "--decimal", "semicolon"], "--decimal"),
    ],
)
def test_usage_errors_come_before_reading(capsys, use_cache, tmp_path, args, expected):
    missing = tmp_path / "no_such_input.csv"
    argv = [a.format(missing=missing, tmp=tmp_path) for a in args]
    code, _, err = run(capsys, *argv)
    assert code == 2, err
    assert expected in err and "no such file" not in err


def test_cr_only_line_ends_are_lines(capsys, use_cache, tmp_path):
    """Old Excel for Mac ends lines with CR alone: three rows, not one broken line."""
    path = tmp_path / "mac.csv"
    rows = ["event_id,date,latitude,longitude,fatalities", "E1,2023-03-08,34.5,69.1,2",
            "E2,2023-03-09,34.4,70.4,1"]  # fmt: skip
    path.write_bytes("\r".join(rows).encode() + b"\r")
    code, out, err = run(capsys, "query", path)
    assert code == 0, err
    got = pd.read_csv(pd.io.common.StringIO(out))
    assert got["event_id"].tolist() == ["E1", "E2"] and got["fatalities"].tolist() == [2, 1]


@pytest.mark.parametrize(("sheet", "event"), [("0", "B"), ("1", "A"), ("2023", "C"), ("2", "C")])
def test_sheet_by_name_before_position(capsys, use_cache, tmp_path, sheet, event):
    """A sheet named "0" or "2023" is that sheet; a number names a position only otherwise."""
    path = tmp_path / "book.xlsx"
    with pd.ExcelWriter(path) as w:
        for name, eid, prov in (("1", "A", "Kabul"), ("0", "B", "Balkh"), ("2023", "C", "Herat")):
            frame = pd.DataFrame({"event_id": [eid], "date": ["2023-03-08"], "province": [prov]})
            frame.to_excel(w, sheet_name=name, index=False)
    code, out, err = run(capsys, "query", path, "--sheet", sheet)
    assert code == 0, err
    assert pd.read_csv(pd.io.common.StringIO(out))["event_id"].tolist() == [event]
    code, _, err = run(capsys, "query", path, "--sheet", "7")
    assert code == 1 and "no sheet '7'" in err and "'2023'" in err


def test_sum_of_a_text_column_is_refused(capsys, use_cache, tmp_path):
    sample = ROOT / "geo" / "sample_incidents.csv"
    out = tmp_path / "a.csv"
    code, _, err = run(capsys, "aggregate", sample, "-o", out, "--sum", "notes")
    assert code == 1 and "column 'notes': --sum needs numbers" in err and not out.exists()


@pytest.mark.parametrize(
    ("value", "ok"), [("-3", False), ("many", False), ("1 500 000", True), ("1,500,000", True)]
)
def test_population_values(capsys, use_cache, tmp_path, value, ok):
    sample = ROOT / "geo" / "sample_incidents.csv"
    pop = tmp_path / "pop.csv"
    pd.DataFrame({"province": ["Kabul", "Balkh"], "population": ["5000000", value]}).to_csv(
        pop, index=False
    )
    out = tmp_path / "a.csv"
    args = ["aggregate", sample, "-o", out, "--level", "province", "--population", pop]
    code, _, err = run(capsys, *args)
    if ok:
        assert code == 0, err
        got = pd.read_csv(out)
        assert "incidents_per_100k" in got.columns
    else:
        assert code == 1 and "row 2, column 'population'" in err and not out.exists()


@pytest.mark.parametrize(
    ("stem", "ext"), [("x" * 230, ".gpkg"), ("x" * 240, ".shp"), ("کابل" * 28, ".csv")]
)
def test_long_output_names_are_written(capsys, use_cache, tmp_path, stem, ext):
    """An output name near the file system's limit is written: its temporary name is cut."""
    sample = ROOT / "geo" / "sample_incidents.csv"
    out = tmp_path / (stem + ext)
    assert len(out.name.encode()) <= 255
    code, _, err = run(capsys, "geocode", sample, "-o", out)
    assert code == 0, err
    assert out.exists()
    assert not [p for p in tmp_path.iterdir() if "incidentmap-tmp" in p.name]


def test_ctrl_c_during_a_block_run_says_so(use_cache, tmp_path):
    """Ctrl-C while blocks are written: exit 130, one line on stderr, no output, no temp."""
    import os
    import signal
    import subprocess
    import sys
    import time

    import numpy as np

    n = 400_000
    rng = np.random.default_rng(3)
    src = tmp_path / "big.csv"
    pd.DataFrame(
        {
            "event_id": np.arange(n),
            "date": "2023-03-08",
            "latitude": rng.uniform(31, 37, n),
            "longitude": rng.uniform(62, 70, n),
            "fatalities": 1,
        }
    ).to_csv(src, index=False)
    out = tmp_path / "big.parquet"
    cmd = [
        sys.executable,
        "-m",
        "incidentmap",
        "geocode",
        str(src),
        "-o",
        str(out),
        "--block-mb",
        "1",
    ]
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True, env=dict(os.environ))
    deadline = time.time() + 60
    while time.time() < deadline and not [
        p for p in tmp_path.iterdir() if "incidentmap-tmp" in p.name
    ]:
        time.sleep(0.02)  # wait until the run writes its temporary file
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    if proc.returncode == 0:
        pytest.skip("the run ended before the interrupt arrived")
    assert proc.returncode == 130, err
    assert err.strip().splitlines()[-1] == "Aborted (interrupted); no output was written."
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if "incidentmap-tmp" in p.name]


def test_no_image_when_the_page_cannot_be_written(capsys, use_cache, tmp_path):
    """brief --png: the PNG is moved in only once the page is written (no partial output)."""
    sample = ROOT / "geo" / "sample_incidents.csv"
    blocker = tmp_path / "taken"
    blocker.write_text("a file where the page's folder would be")
    png = tmp_path / "slide.png"
    code, _, err = run(capsys, "brief", sample, "-o", blocker / "page.html", "--png", png)
    assert code == 1 and "cannot create the folder" in err
    assert not png.exists()
    assert not [p for p in tmp_path.iterdir() if "incidentmap-tmp" in p.name]


@pytest.mark.parametrize("damage", ["crc", "cut"])
def test_a_damaged_index_in_the_cache_is_built_again(cache, tmp_path, damage):
    """A locator .npz with a bad CRC, or index .npy files cut short: rebuilt, never fatal.

    Each run is a fresh process, so the indexes are read from the cache, not from memory.
    """
    import os
    import shutil
    import subprocess
    import sys

    copy = tmp_path / "cache"
    shutil.copytree(cache, copy)
    env = {**os.environ, "INCIDENTMAP_CACHE_DIR": str(copy)}
    where = [sys.executable, "-m", "incidentmap", "where", "34.43", "70.45"]
    first = subprocess.run(where, capture_output=True, text=True, env=env, timeout=120)
    assert first.returncode == 0, first.stderr  # builds the indexes and keeps them
    damaged = 0
    for path in [*copy.glob("locator-*.npz"), *copy.glob("*-v1-*.npy")]:
        data = bytearray(path.read_bytes())
        if damage == "crc" and path.suffix == ".npz":
            data[len(data) // 2] ^= 0xFF  # one flipped byte inside a member: a bad CRC
        else:
            data = data[: len(data) // 3]
        path.write_bytes(bytes(data))
        damaged += 1
    assert damaged
    again = subprocess.run(where, capture_output=True, text=True, env=env, timeout=120)
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == "Jalalabad district, Nangarhar province (AF-NAN)"
