"""Conformance on real files as their publishers ship them (../shared/data/incidents).

Each file goes through ``incidentmap geocode`` with only the options its layout needs,
then to every output format; each output is read back with GDAL (``ogrinfo``) and with
pandas/pyogrio defaults: same row count, same ids, the same text.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest

import incidentmap as im
from incidentmap.geocode import geocode_counted, geocode_summary
from incidentmap.io.incidents import read_incidents_facts
from tests.conftest import ROOT, SHARED
from tests.test_cli import run

INCIDENTS = SHARED / "incidents"
FORMATS = [".gpkg", ".csv", ".geojson", ".parquet", ".fgb", ".shp", ".kml"]

#: file -> (options its layout needs, preset detected, expected counts)
FILES: dict[str, tuple[list[str], str]] = {
    "ucdp_ged_afg_realcaddish.geojson": ([], "ucdp"),
    "acled_afg_2017on_province_level.xlsx": ([], "acled_admin1"),
    # issue 16: no options at all; words in GTD's FATALITIES (shifted cells) are unknown
    # tolls with a note, the war diary's comment lines name its columns and its first day
    "gtd_afg_2004_2009_towns.csv": ([], "gtd"),
    "wardiary_points_2004_2009.csv": ([], "generic"),
}


def _read_kwargs(options: list[str]) -> dict:
    kw: dict = {}
    it = iter(options)
    for opt in it:
        if opt == "--keep-bad-values":
            kw["on_bad"] = "keep"
        elif opt == "--comment":
            kw["comment"] = next(it)
        elif opt == "--no-header":
            kw["header"] = False
        elif opt == "--columns":
            kw["columns"] = next(it).split(",")
        elif opt == "--day-one":
            kw["day_one"] = next(it)
    return kw


@pytest.fixture(scope="module")
def placed(cache):
    """Each file read and placed: the rows, the counts from the placing, what reading did."""
    out = {}
    for name, (options, _) in FILES.items():
        frame, facts = read_incidents_facts(INCIDENTS / name, **_read_kwargs(options))
        g, summary = geocode_counted(frame)
        out[name] = (g, summary, facts)
    return out


@pytest.fixture(scope="module")
def geocoded(placed):
    return {name: g for name, (g, _, _) in placed.items()}


def _independent(name: str) -> pd.DataFrame:
    """The file read by another reader, as text: what 'the same text' is compared with."""
    path = INCIDENTS / name
    if path.suffix == ".xlsx":
        return pd.read_excel(path, dtype=str, engine="openpyxl")
    if path.suffix == ".geojson":
        return pd.DataFrame(pyogrio.read_dataframe(path).drop(columns="geometry")).astype(str)
    if name.startswith("wardiary"):
        return pd.read_csv(
            path, comment="%", header=None, names=["lon", "lat", "day"], dtype=str,
            keep_default_na=False,
        )  # fmt: skip
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")


#: each publisher's id and date columns: a row blank in both (and in every other column the
#: layout reads, as GTD's extract's row 1,778) is no record of the publisher, left out and said
_RECORD = {
    "gtd_afg_2004_2009_towns.csv": ("GTD.ID", "DATE"),
    "ucdp_ged_afg_realcaddish.geojson": ("id", "date_start"),
}


def _records(name: str, raw: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``raw`` that are records: those with an id or a date (their index kept)."""
    cols = [c for c in _RECORD.get(name, ()) if c in raw.columns]
    if not cols:
        return raw
    text = raw[cols].astype(str).apply(lambda c: c.str.strip())
    blank = text.isin(["", "nan", "None", "NaN"]).all(axis=1)
    return raw[~blank]


@pytest.mark.parametrize("name", list(FILES))
def test_cli_geocodes_with_only_the_layout_options(capsys, use_cache, tmp_path, name):
    options, preset = FILES[name]
    out = tmp_path / "out.gpkg"
    code, _, err = run(capsys, "geocode", INCIDENTS / name, *options, "-o", out)
    assert code == 0, err
    assert "Traceback" not in err
    whole = _independent(name)
    raw = _records(name, whole)
    if len(raw) < len(whole):  # no record: left out, and said
        assert f"{len(whole) - len(raw)} row with no event id, no date" in err
    err = re.sub(r"(\d),(\d{3})", r"\1\2", err)  # thousands separators
    m = re.search(r"read: (\d+) rows .* \(preset (\w+)\)", err)
    assert m and int(m.group(1)) == len(raw) and m.group(2) == preset
    placed = re.search(r"placed by point: (\d+).*\nplaced by name: (\d+)", err)
    unplaced = re.search(r"unplaced: (\d+)", err)
    assert placed and unplaced
    total = int(placed.group(1)) + int(placed.group(2)) + int(unplaced.group(1))
    assert total == len(raw)  # every row is placed or says why not
    assert pyogrio.read_info(out, layer="incidents")["features"] == len(raw)


def _ogr_count(path: Path) -> int:
    text = subprocess.run(
        ["ogrinfo", "-ro", "-so", "-al", str(path)], capture_output=True, text=True, check=True
    ).stdout
    return sum(int(n) for n in re.findall(r"Feature Count: (\d+)", text))


def _read_back(path: Path) -> pd.DataFrame:
    if path.suffix == ".csv":
        return pd.read_csv(path)
    if path.suffix == ".parquet":
        return gpd.read_parquet(path)
    return pyogrio.read_dataframe(path)


#: text pandas' default CSV reader turns into NaN, quoted or not
_PANDAS_NA = {"", "NA", "N/A", "NaN", "nan", "NULL", "null", "None", "n/a", "#N/A", "<NA>", "-NaN"}


def _same(a: object, b: object, ext: str) -> bool:
    def norm(v: object) -> str:
        if v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NaT:
            return ""
        if isinstance(v, pd.Timestamp):  # GDAL types ISO date text as a date (GeoJSON)
            return v.strftime("%Y-%m-%d") if v == v.normalize() else v.isoformat()
        s = str(v)
        if ext == ".csv" and s in _PANDAS_NA:
            return ""
        if ext == ".kml":
            return " ".join(s.split())
        if ext == ".shp":
            return s.encode("utf-8")[:254].decode("utf-8", "ignore").strip(" ")
        return s

    x, y = norm(a), norm(b)
    if x == y:
        return True
    if re.match(r"\d{4}-\d{2}-\d{2}", x) and re.match(r"\d{4}-\d{2}-\d{2}", y):
        return pd.Timestamp(x) == pd.Timestamp(y)  # a date cell written as a date
    try:  # pandas' default reader makes numbers of numeric text: compare the numbers
        return float(x) == float(y)
    except ValueError:
        return False


@pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="GDAL's ogrinfo is not installed")
@pytest.mark.parametrize("name", list(FILES))
def test_every_format_reads_back_the_same(placed, tmp_path, name):
    g, _, facts = placed[name]
    raw = _records(name, _independent(name))
    renamed = facts.renamed
    text_cols = [c for c in raw.columns if (renamed.get(c, c) in g.columns)]
    for ext in FORMATS:
        out = tmp_path / f"out{ext}"
        report = im.write_layer(g, out, layer="incidents")
        if ext != ".parquet":  # Debian's GDAL has no (Geo)Parquet driver: pyarrow reads it
            assert _ogr_count(out) == len(raw), ext
        back = _read_back(out)
        assert len(back) == len(raw), ext
        fields = report.get("fields", {})
        ids = fields.get("row", "row")
        assert [int(v) for v in back[ids]] == [int(i) + 1 for i in raw.index], ext
        for col in text_cols:
            written = fields.get(renamed.get(col, col), renamed.get(col, col))
            got = back[written].tolist()
            want = raw[col].tolist()
            bad = [
                i for i, (a, b) in enumerate(zip(got, want, strict=True)) if not _same(a, b, ext)
            ]
            assert not bad, (
                ext,
                col,
                bad[:3],
                [got[i] for i in bad[:3]],
                [want[i] for i in bad[:3]],
            )


def test_readme_conformance_table_is_measured(geocoded):
    """README's table states these numbers; this keeps it true."""
    readme = (ROOT / "README.md").read_text("utf-8")
    for name, g in geocoded.items():
        s = geocode_summary(g)
        row = next((line for line in readme.splitlines() if line.startswith(f"| `{name}`")), None)
        assert row is not None, f"README lacks the conformance row for {name}"
        cells = [c.strip() for c in row.strip("|").split("|")]
        n = len(_independent(name))
        said = f" + {n - s['read']:,} said" if n != s["read"] else ""
        assert cells[2] == f"{n:,} / {s['read']:,}{said}", cells
        assert cells[3] == f"{s['placed_by_point']:,}", cells
        assert cells[4] == f"{s['placed_by_name']:,}", cells
        assert cells[5] == f"{s['unplaced']:,}", cells


def test_gtd_town_names_share_in_readme(geocoded):
    g = geocoded["gtd_afg_2004_2009_towns.csv"]
    share = g["geocode_precision"].isin(["point", "district"]).mean()
    readme = (ROOT / "README.md").read_text("utf-8")
    assert f"{share:.1%} of all rows" in readme


def _every_shared_file() -> list[Path]:
    return sorted(p for p in SHARED.rglob("*") if p.is_file() and not p.name.startswith("."))


@pytest.mark.parametrize("path", _every_shared_file(), ids=lambda p: str(p.relative_to(SHARED)))
def test_no_traceback_on_any_shared_file(capsys, use_cache, tmp_path, path):
    """Whatever the file (an incident file, a boundary layer, a licence text), one outcome:
    it is geocoded, or the error is one line. Never a traceback."""
    code, _out, err = run(capsys, "geocode", path, "-o", tmp_path / "out.gpkg")
    assert "Traceback" not in err
    if code != 0:
        lines = [line for line in err.splitlines() if line.startswith("Error:")]
        assert len(lines) == 1 and code in (1, 2), err
        assert not (tmp_path / "out.gpkg").exists()


@pytest.mark.parametrize("name", list(FILES))
def test_summary_counted_from_codes_is_the_tables(placed, name):
    # geocode_counted() counts from its codes; geocode_summary() counts the finished table
    g, summary, _ = placed[name]
    assert summary == geocode_summary(g)
    assert sum(summary["unplaced_reasons"].values()) == summary["unplaced"]
    assert "summary" not in g.attrs  # the counts are handed on, never left on the frame


def test_summary_of_every_kind_of_row(use_cache):
    # points inside, swapped, snapped, far outside, just outside, names only, nothing at all
    frame = pd.DataFrame(
        {
            "latitude": [34.43, 70.45, 34.115, 0.0, 34.2, None, None, None],
            "longitude": [70.45, 34.43, 71.105, 0.0, 71.3, None, None, None],
            "stated_province": [None, None, None, None, None, "Hirat", "Atlantis", None],
        }
    )
    g, summary = geocode_counted(frame)
    assert summary == geocode_summary(g)
    assert summary["unplaced"] == 4
