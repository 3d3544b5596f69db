"""Issue 18, last classes: what a file says comes out, or one line says why not.

Numbers in the file's own convention, geocoded files read back by the same value rules,
rows neither shifted nor padded nor invented, values a format cuts said, coordinates
judged on the whole file, dates known to the month kept out of weeks, a cache that
cannot be written said once, Ctrl-C during start-up, a file without line ends.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import incidentmap as im
from incidentmap.context import context_for
from incidentmap.io import read_geocoded, read_table
from incidentmap.io.incidents import read_incidents_facts
from incidentmap.pipeline import geocode_to_file, load_incidents
from tests.conftest import SHARED
from tests.test_cli import run

SETTINGS = settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
HEADER = "event_id;event_date;latitude;longitude;fatalities"


def _dotted(n: int) -> str:
    """``n`` with a point between thousands, as a decimal-comma locale writes it."""
    return f"{n:,}".replace(",", ".")


# ---------------------------------------------------------------------------------------------
# numbers in the file's convention


@SETTINGS
@given(n=st.integers(min_value=1000, max_value=999_999), half=st.booleans())
def test_decimal_comma_files_read_thousands_as_thousands(use_cache, tmp_path, n, half):
    """Coordinates `34,53` say the file writes decimal commas: `1.000` is a thousand."""
    toll = _dotted(n) + (",5" if half else "")
    path = tmp_path / "eu.csv"
    path.write_text(f"{HEADER}\nE1;2023-03-08;34,53;69,17;{toll}\nE2;2023-03-09;34,43;70,45;3\n")
    g = im.read_incidents(path)
    assert g["fatalities"].tolist() == [n + (0.5 if half else 0), 3]
    assert g["latitude"].tolist() == [34.53, 34.43]


@SETTINGS
@given(n=st.integers(min_value=1000, max_value=999_999))
def test_point_files_read_commas_as_thousands(use_cache, tmp_path, n):
    path = tmp_path / "en.csv"
    path.write_text(
        f'event_id,date,latitude,longitude,fatalities\nE1,2023-03-08,34.53,69.17,"{n:,}"\n'
    )
    assert im.read_incidents(path)["fatalities"].tolist() == [n]


@SETTINGS
@given(n=st.integers(min_value=1000, max_value=999_999))
def test_a_toll_no_value_decides_is_refused_or_read_as_told(capsys, use_cache, tmp_path, n):
    """No coordinates and no fraction: `1.000` is a thousand or one; refused, or --decimal."""
    path = tmp_path / "names.csv"
    path.write_text(f"event_id,date,province,fatalities\nE1,2023-03-08,Kabul,{_dotted(n)}\n")
    code, _, err = run(capsys, "query", path)
    assert code == 1
    assert "names.csv, row 1, column 'fatalities'" in err and "--decimal comma" in err
    code, out, err = run(capsys, "query", path, "--decimal", "comma")
    assert code == 0, err
    assert pd.read_csv(pd.io.common.StringIO(out))["fatalities"].tolist() == [n]
    code, out, err = run(capsys, "query", path, "--decimal", "point")
    assert code == 0, err
    assert pd.read_csv(pd.io.common.StringIO(out))["fatalities"].tolist() == [n / 1000]


def test_a_point_fraction_in_a_decimal_comma_file_is_refused(use_cache, tmp_path):
    path = tmp_path / "mixed.csv"
    path.write_text(f"{HEADER}\nE1;2023-03-08;34,53;69,17;1.5\n")
    with pytest.raises(im.InputFileError, match=r"row 1, column 'fatalities'.*decimal commas"):
        im.read_incidents(path)


# ---------------------------------------------------------------------------------------------
# a geocoded file read back by the same value rules


@pytest.fixture(scope="module")
def geocoded_gtd(tmp_path_factory, cache) -> Path:
    out = tmp_path_factory.mktemp("geo") / "gtd.csv"
    geocode_to_file(SHARED / "incidents" / "gtd_afg_2004_2009_towns.csv", out)
    return out


def _retyped(src: Path, dst: Path, column: str, value: str, row: int = 1) -> None:
    rows = list(csv.reader(src.open(encoding="utf-8", newline="")))
    rows[row][rows[0].index(column)] = value
    with dst.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)


@SETTINGS
@given(n=st.integers(min_value=1000, max_value=99_999))
def test_a_retyped_toll_in_a_geocoded_file_counts(capsys, use_cache, geocoded_gtd, tmp_path, n):
    before = pd.read_csv(geocoded_gtd)
    path = tmp_path / "retyped.csv"
    _retyped(geocoded_gtd, path, "fatalities", f"{n:,}")
    out = tmp_path / "by_province.csv"
    code, _, err = run(capsys, "aggregate", path, "-o", out, "--level", "province",
                       "--period", "none", "--overwrite")  # fmt: skip
    assert code == 0, err
    got = pd.read_csv(out).set_index("province")["fatalities"]
    first = before.iloc[0]
    expected = before.groupby("province")["fatalities"].sum()
    expected[first["province"]] += n - first["fatalities"]
    assert got[first["province"]] == expected[first["province"]]
    assert got.sum() == expected.sum()


def test_a_retyped_date_in_a_geocoded_file_is_not_guessed(
    capsys, use_cache, geocoded_gtd, tmp_path
):
    """`08/03/2006` among ISO dates: refused (the order is unknown), or read as told."""
    path = tmp_path / "retyped.csv"
    _retyped(geocoded_gtd, path, "date", "08/03/2006")
    code, _, err = run(capsys, "query", path)
    assert code == 1 and "retyped.csv, row 1, column 'date'" in err and "--dayfirst" in err
    code, out, err = run(capsys, "query", path, "--dayfirst")
    assert code == 0, err
    got = pd.read_csv(pd.io.common.StringIO(out)).sort_values("row")
    want = pd.read_csv(geocoded_gtd)
    assert got["date"].iloc[0] == "2006-03-08"
    assert got["date"].iloc[1:].tolist() == want["date"].iloc[1:].tolist()  # none emptied


def test_a_word_in_a_geocoded_coordinate_is_refused(use_cache, geocoded_gtd, tmp_path):
    path = tmp_path / "retyped.csv"
    _retyped(geocoded_gtd, path, "latitude", "north", row=3)
    with pytest.raises(im.InputFileError, match=r"row 3, column 'latitude'"):
        im.read_incidents(path)


# ---------------------------------------------------------------------------------------------
# rows as the file writes them


ROWS = [["E1", "2023-03-08", "34.53", "69.17", "2"], ["E2", "2023-03-09", "34.43", "70.45", "1"],
        ["E3", "2023-03-10", "36.7", "67.1", "0"]]  # fmt: skip
COLS = "event_id,date,latitude,longitude,fatalities"


def test_a_delimiter_ending_every_row_is_not_an_index(use_cache, tmp_path):
    path = tmp_path / "trailing.csv"
    path.write_text(COLS + "\n" + "".join(",".join(r) + ",\n" for r in ROWS))
    g, facts = read_incidents_facts(path)
    assert g["event_id"].tolist() == ["E1", "E2", "E3"]
    assert g["date"].dt.strftime("%Y-%m-%d").tolist() == ["2023-03-08", "2023-03-09", "2023-03-10"]
    assert any("delimiter the header lacks" in n for n in facts.notes)


@given(cut=st.integers(min_value=0, max_value=2), keep=st.integers(min_value=1, max_value=4),
       extra=st.sampled_from(["", "x"]))  # fmt: skip
@SETTINGS
def test_a_short_or_long_row_is_refused_with_its_row(use_cache, tmp_path, cut, keep, extra):
    rows = [list(r) for r in ROWS]
    rows[cut] = rows[cut][:keep] if not extra else [*rows[cut], extra, extra]
    path = tmp_path / "ragged.csv"
    path.write_text(COLS + "\n" + "".join(",".join(r) + "\n" for r in rows))
    with pytest.raises(im.InputFileError, match=rf"ragged.csv, row {cut + 1}: expected 5 fields"):
        im.read_incidents(path)


@SETTINGS
@given(text=st.text(alphabet="ab \r", min_size=1, max_size=8).filter(lambda t: "\r" in t),
       crlf=st.booleans())  # fmt: skip
def test_a_bare_cr_inside_a_value_stays_in_it(use_cache, tmp_path, text, crlf):
    end = "\r\n" if crlf else "\n"
    body = [COLS + ",notes", "E1,2023-03-08,34.53,69.17,2," + text, "E2,2023-03-09,34.43,70.45,1,x"]
    path = tmp_path / "cr.csv"
    path.write_bytes(end.join(body).encode() + end.encode())
    g = im.read_incidents(path)
    assert g["event_id"].tolist() == ["E1", "E2"]  # no row invented
    # a CR just before the LF is the line end (CR LF); every other CR is the value's
    want = text[:-1] if not crlf and text.endswith("\r") else text
    got = g["notes"].iloc[0]
    assert got == want if want.strip() else pd.isna(got)


def test_a_nul_inside_json_text_is_refused_or_marked(use_cache, tmp_path):
    path = tmp_path / "nul.json"
    path.write_text('[{"event_id":"E1","date":"2023-03-08","latitude":34.53,"longitude":69.17,'
                    '"notes":"before\\u0000after"}]')  # fmt: skip
    with pytest.raises(im.InputFileError, match=r"row 1, column 'notes'.*NUL"):
        im.read_incidents(path)
    out = tmp_path / "kept.gpkg"
    geocode_to_file(path, out, on_bad="keep")
    got = read_geocoded(out)
    assert got["notes"].iloc[0] == "before\ufffdafter"
    assert "NUL" in got["input_note"].iloc[0]


def test_a_file_without_line_ends_is_refused_at_once(capsys, use_cache, tmp_path):
    path = tmp_path / "one_line.csv"
    path.write_bytes(b"a," * (2**20 + 10))
    code, _, err = run(capsys, "query", path)
    assert code == 1 and "no line end in the first 1 MiB" in err


# ---------------------------------------------------------------------------------------------
# values a format cuts, and writers on edge inputs


def test_values_a_shapefile_cuts_are_said(capsys, use_cache, tmp_path):
    path = tmp_path / "long.csv"
    path.write_text(COLS + ",notes\n" + "E1,2023-03-08,34.53,69.17,2," + "x" * 300 + "\n")
    code, _, err = run(capsys, "geocode", path, "-o", tmp_path / "out.shp")
    assert code == 0, err
    assert "1 value of 'notes' longer than 254 bytes was cut" in err


def test_a_shapefile_of_no_rows_is_written(capsys, use_cache, tmp_path):
    path = tmp_path / "header_only.csv"
    path.write_text(COLS + "\n")
    code, _, err = run(capsys, "geocode", path, "-o", tmp_path / "empty.shp")
    assert code == 0, err
    assert len(read_table(tmp_path / "empty.shp")) == 0


# ---------------------------------------------------------------------------------------------
# coordinates judged on the whole file


def test_placeholder_zeros_in_the_first_block_do_not_decide(use_cache, tmp_path):
    rng = np.random.default_rng(5)
    n = 6000
    lat = np.where(np.arange(n) < n // 2, 0.0, rng.uniform(34.4, 34.6, n))
    lon = np.where(np.arange(n) < n // 2, 0.0, rng.uniform(69.1, 69.2, n))
    src = tmp_path / "zeros.csv"
    pd.DataFrame({"event_id": np.arange(n), "date": "2023-03-08", "latitude": lat.round(5),
                  "longitude": lon.round(5), "fatalities": 1}).to_csv(src, index=False)  # fmt: skip
    whole = geocode_to_file(src, tmp_path / "w.parquet", block_mb=0)
    parts = geocode_to_file(src, tmp_path / "p.parquet", block_mb=0.05)
    assert whole.summary["placed_by_point"] == n // 2
    assert parts.summary == whole.summary


# ---------------------------------------------------------------------------------------------
# a date known to the month is in no week


@SETTINGS
@given(month=st.integers(min_value=2, max_value=11), k=st.integers(min_value=5, max_value=40))
def test_month_dates_make_no_weekly_surge(use_cache, tmp_path, month, k):
    days = pd.date_range("2023-01-02", "2023-12-24", freq="3D")
    rows = [f"D{i},{d:%Y-%m-%d},Kabul" for i, d in enumerate(days)]
    rows += [f"M{i},2023-{month:02d},Kabul" for i in range(k)]
    path = tmp_path / "months.csv"
    path.write_text("event_id,date,province\n" + "\n".join(rows) + "\n")
    g = load_incidents(path)[0]
    weekly = im.counts_by_area(g, context_for(None).provinces, level="province", period="week")
    from incidentmap.aggregate import coarse_count

    assert coarse_count(g, "province", "week") == k and not weekly.attrs
    assert weekly["incidents"].sum() == len(days)  # the k months are in no week
    monthly = im.counts_by_area(g, context_for(None).provinces, level="province", period="month")
    assert monthly["incidents"].sum() == len(days) + k  # and in their month
    from incidentmap.trends import compare

    result, facts = compare(g, level="province", period="week", hotspots=False, until="2023-12-31")
    assert not result["surge"].any()
    assert facts["coarse_dates_week"] == k


# ---------------------------------------------------------------------------------------------
# the cache, and Ctrl-C at start-up (fresh processes)


def _python(code: str, tmp_path: Path, cache: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, INCIDENTMAP_CACHE_DIR=str(cache))
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, cwd=tmp_path, timeout=300)  # fmt: skip


def test_a_cache_that_cannot_be_written_is_said_once(cache, tmp_path):
    """Indexes not kept (read-only folder): built in memory, one note, exit 0."""
    fresh = tmp_path / "cache"
    fresh.mkdir()
    for name in ("boundaries.gpkg", "provenance.json"):
        (fresh / name).write_bytes((cache / name).read_bytes())
    src = tmp_path / "in.csv"
    src.write_text(COLS + "\n" + "".join(",".join(r) + "\n" for r in ROWS))
    code = (
        "import sys, incidentmap.atomic as a, incidentmap.context as c\n"
        "from incidentmap.errors import OutputWriteError\n"
        "def refuse(path, **kw):\n"
        "    raise OutputWriteError(f'{path}: cannot write (Permission denied)') from "
        "PermissionError(13, 'Permission denied')\n"
        "c.atomic_write = refuse\n"
        "from incidentmap.console import main\n"
        "main(['geocode', 'in.csv', '-o', 'out.csv'])\n"
    )
    proc = _python(code, tmp_path, fresh)
    assert proc.returncode == 0, proc.stderr
    notes = [line for line in proc.stderr.splitlines() if "cannot be written" in line]
    assert len(notes) == 1 and "Permission denied" in notes[0] and str(fresh) in notes[0]
    assert "incidentmap-tmp" not in proc.stderr
    assert len(pd.read_csv(tmp_path / "out.csv")) == 3


def test_ctrl_c_while_the_program_starts(cache, tmp_path):
    """Ctrl-C while the command line's modules load: the one line, exit 130, no traceback."""
    code = (
        "import sys\n"
        "class Interrupt:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'incidentmap.cli':\n"
        "            raise KeyboardInterrupt\n"
        "sys.meta_path.insert(0, Interrupt())\n"
        "from incidentmap.console import main\n"
        "main(['geocode', 'x.csv', '-o', 'y.csv'])\n"
    )
    proc = _python(code, tmp_path, cache)
    assert proc.returncode == 130
    assert proc.stderr.strip() == "Aborted (interrupted); no output was written."


def test_the_program_starts_without_the_heavy_libraries(cache, tmp_path):
    code = (
        "import sys, incidentmap.console\nprint(sorted({'pandas', 'geopandas'} & set(sys.modules)))"
    )
    proc = _python(code, tmp_path, cache)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
