"""Shapefiles incidentmap wrote, read back as the geocoded files they are (s36 sweep, W1).

A shapefile cuts field names to 10 characters (``geocode_pr``, ``date_preci``); the writer
lists the full names in ``<name>.fields.csv`` beside it. Read back without its geocode
columns, every row placed only to a district or province (written with a stand-in point)
was an exact point at that point: GTD's district count was 1,782 instead of 1,143. Each
variant a user or a GIS tool makes (the sidecar kept or not, names in capitals, a re-save
through GDAL/QGIS, no ``.prj``) must read back row by row as the CSV of the same run.
"""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import incidentmap as im
from incidentmap.cli import main
from incidentmap.io import read_table
from incidentmap.io.formats import shapefile_fields
from incidentmap.io.geocoded import WRITTEN_COLUMNS, field_aliases, is_geocoded, written_names
from tests.conftest import INCIDENTS
from tests.test_count_tables import run

GTD = INCIDENTS / "gtd_afg_2004_2009_towns.csv"
ACLED = INCIDENTS / "acled_afg_2017on_province_level.xlsx"
#: the columns that say where and when each row is, compared row by row
COMPARED = ["row", "geocode_precision", "province", "district", "date", "date_precision"]
COMPARED += ["event_type", "fatalities", "event_id"]
SHP_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")

pytestmark = pytest.mark.usefixtures("use_cache")


def _geocoded(tmp: Path, source: Path, stem: str) -> tuple[Path, Path]:
    """Geocode ``source`` to a CSV and a shapefile through the CLI (one run each)."""
    outs = tmp / f"{stem}.csv", tmp / f"{stem}.shp"
    for out in outs:
        with pytest.raises(SystemExit) as exc:
            main(["geocode", str(source), "-o", str(out), "-q"])
        assert exc.value.code == 0
    return outs


@pytest.fixture(scope="module")
def gtd_pair(tmp_path_factory, cache) -> tuple[Path, Path]:
    return _geocoded(tmp_path_factory.mktemp("gtd"), GTD, "g")


@pytest.fixture(scope="module")
def acled_pair(tmp_path_factory, cache) -> tuple[Path, Path]:
    """Every 9th row of the ACLED workbook (its layout, dates and provinces), as a CSV."""
    tmp = tmp_path_factory.mktemp("acled")
    part = tmp / "acled_ninth.csv"
    pd.read_excel(ACLED, engine="calamine").iloc[::9].to_csv(part, index=False)
    return _geocoded(tmp, part, "a")


def _rows(path: Path) -> pd.DataFrame:
    """The compared columns of a file as the library reads it, as text (missing: "")."""
    loaded = im.read(str(path))
    frame = loaded.frame
    out = {}
    for c in COMPARED:
        s = frame[c]
        if c == "date":
            s = pd.to_datetime(s).dt.strftime("%Y-%m-%d")
        text = s.astype(object).where(s.notna(), "").astype(str)
        out[c] = text.str.replace(r"\.0$", "", regex=True)
    return pd.DataFrame(out).assign(preset=loaded.preset)


def _same_rows(shp: Path, csv: Path) -> None:
    a, b = _rows(shp), _rows(csv)
    assert len(a) == len(b)
    for c in a.columns:
        differ = int((a[c].to_numpy() != b[c].to_numpy()).sum())
        assert differ == 0, f"{c}: {differ} rows differ ({shp.name})"


@pytest.mark.parametrize("pair", ["gtd_pair", "acled_pair"])
def test_a_shapefile_reads_back_row_by_row_as_the_csv(request, pair):
    csv, shp = request.getfixturevalue(pair)
    _same_rows(shp, csv)
    frame = im.read(str(shp)).frame
    assert "date_precision" in frame.columns and "date_preci" not in frame.columns


def test_gtd_months_and_area_rows_survive_the_shapefile(gtd_pair):
    csv, shp = gtd_pair
    frame = im.read(str(shp)).frame
    assert (
        (frame["date_precision"] == "month").sum()
        == (im.read(str(csv)).frame["date_precision"] == "month").sum()
        > 0
    )
    areas = frame["geocode_precision"].value_counts()
    assert (areas["district"], areas["province"]) == (373, 638)  # not points at stand-ins
    assert "ATTACK.TYPE.1" in frame.columns  # original columns by their full names


def _aggregate(capsys, path: Path, out: Path, *extra: str) -> tuple[pd.DataFrame, str]:
    code, _, err = run(capsys, "aggregate", path, "--period", "none", "-o", out, *extra)
    assert code == 0, err
    return pd.read_csv(out), err


@pytest.mark.parametrize("level", ["district", "province"])
def test_cli_aggregate_of_the_shapefile_counts_as_the_csv(capsys, gtd_pair, tmp_path, level):
    csv, shp = gtd_pair
    by_csv, _ = _aggregate(capsys, csv, tmp_path / "c.csv", "--level", level)
    by_shp, err = _aggregate(capsys, shp, tmp_path / "s.csv", "--level", level)
    assert "(geocoded file)" in err and "by name 1,782" in err
    count = "incidents"
    assert by_shp[count].sum() == by_csv[count].sum()
    if level == "district":
        assert by_shp[count].sum() == 1_144  # 638 rows are placed only to a province
    pd.testing.assert_frame_equal(by_shp, by_csv)


def test_cli_query_near_a_place_is_the_same_from_the_shapefile(capsys, gtd_pair):
    said = []
    for path in gtd_pair:
        code, _, err = run(capsys, "query", path, "--near", "Jalalabad", "--km", "25")
        assert code == 0, err
        said.append(next(line for line in err.splitlines() if "incidents match" in line))
    assert said[0] == said[1] and said[0].startswith("27 incidents match")


def test_cli_merge_with_its_own_shapefile_is_one_copy(capsys, gtd_pair, tmp_path):
    csv, shp = gtd_pair
    rows = len(pd.read_csv(csv))
    for copy in (csv, shp):
        out = tmp_path / f"m_{copy.suffix[1:]}.gpkg"
        code, _, err = run(capsys, "merge", f"raw={GTD}", f"geo={copy}", "-o", out)
        assert code == 0, err
        assert f"{2 * rows:,} rows in = {rows:,} events out" in err, err


def test_cli_a_merged_list_as_a_shapefile_aggregates_as_its_csv(capsys, gtd_pair, tmp_path):
    ucdp = INCIDENTS / "ucdp_ged_afg_realcaddish.geojson"
    totals = []
    for ext in (".csv", ".shp"):
        out = tmp_path / f"m{ext}"
        code, _, err = run(capsys, "merge", f"gtd={GTD}", f"ucdp={ucdp}", "-o", out)
        assert code == 0, err
        table, err = _aggregate(capsys, out, tmp_path / f"agg{ext}.csv", "--level", "district")
        assert "(geocoded file)" in err, err
        totals.append(table["incidents"].sum())
    assert totals[0] == totals[1]
    frame = im.read(str(tmp_path / "m.shp")).frame
    assert {"fatalities_high", "merge_review", "source_ids"} <= set(frame.columns)


def _variant(tmp: Path, shp: Path, sidecar: bool, case: str, prj: bool) -> Path:
    """A copy of a written shapefile as a user or a GIS tool may leave it."""
    out = tmp / "v.shp"
    if case == "as written":
        for ext in SHP_PARTS:
            if ext != ".prj" or prj:
                shutil.copy(shp.with_suffix(ext), out.with_suffix(ext))
    else:  # re-saved by a GIS tool: names in capitals, or cut anew from the full names (GDAL)
        frame = gpd.read_file(shp)
        if case == "capitals":
            frame = frame.rename(columns={c: c.upper() for c in frame.columns if c != "geometry"})
        else:
            names = pd.read_csv(shp.with_suffix(".fields.csv"))
            frame = frame.rename(columns=dict(zip(names["field"], names["column"], strict=True)))
        with warnings.catch_warnings():  # GDAL says each name it cuts
            warnings.simplefilter("ignore", RuntimeWarning)
            frame.to_file(out, engine="pyogrio", encoding="UTF-8")
        if not prj:
            out.with_suffix(".prj").unlink()
    if sidecar:
        shutil.copy(shp.with_suffix(".fields.csv"), out.with_suffix(".fields.csv"))
    return out


@pytest.mark.parametrize("pair", ["gtd_pair", "acled_pair"])
@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    sidecar=st.booleans(),
    case=st.sampled_from(["as written", "capitals", "gdal"]),
    prj=st.booleans(),
)
def test_every_copy_of_the_shapefile_reads_back_as_the_csv(
    request, tmp_path_factory, pair, sidecar, case, prj
):
    csv, shp = request.getfixturevalue(pair)
    copy = _variant(tmp_path_factory.mktemp("variant"), shp, sidecar, case, prj)
    _same_rows(copy, csv)


def test_each_name_a_written_column_may_take_is_one_column():
    aliases = field_aliases()
    by_alias: dict[str, set[str]] = {}
    for alias, column in aliases:
        by_alias.setdefault(alias, set()).add(column)
    assert all(len(columns) == 1 for columns in by_alias.values()), by_alias
    ours = shapefile_fields(list(WRITTEN_COLUMNS))  # incidentmap's own writer
    assert {(v.casefold(), k) for k, v in ours.items()} <= set(aliases)
    assert ours["fatalities_high"] == "fatalitie1"  # a repeat of a cut name is told apart


def test_gdal_cuts_every_written_column_to_a_name_read_back(tmp_path):
    frame = gpd.GeoDataFrame(
        {c: ["x"] for c in WRITTEN_COLUMNS},
        geometry=gpd.points_from_xy([69.2], [34.5]),
        crs="EPSG:4326",
    )
    with pytest.warns(RuntimeWarning):
        frame.to_file(tmp_path / "all.shp", engine="pyogrio")
    fields = [str(f) for f in pyogrio.read_info(tmp_path / "all.shp")["fields"]]
    renamed = written_names(fields)
    assert [renamed.get(f, f) for f in fields] == list(WRITTEN_COLUMNS)
    assert is_geocoded(fields) and is_geocoded([f.upper() for f in fields])


def test_a_file_with_some_such_names_is_not_taken_for_a_geocoded_one():
    assert not is_geocoded(["DISTRICT_I", "PROVINCE_C", "name", "date"])
    # a column of the full name in the file already: the cut one is left as it is
    assert written_names(["district", "district_i", "district_id"]) == {}


def test_cli_a_sidecar_that_is_no_field_list_is_set_aside_and_said(capsys, gtd_pair, tmp_path):
    _, shp = gtd_pair
    copy = _variant(tmp_path, shp, sidecar=False, case="as written", prj=True)
    copy.with_suffix(".fields.csv").write_text("name;full\nx;y\n", encoding="utf-8")
    table, err = _aggregate(capsys, copy, tmp_path / "t.csv", "--level", "district")
    assert "v.fields.csv set aside (not a list of field,column)" in err, err
    assert table["incidents"].sum() == 1_144  # the cut names still tell the geocoded file
    frame = im.read(str(copy)).frame
    assert "ATTACK_TYP" in frame.columns and "geocode_precision" in frame.columns


def test_cli_an_export_of_points_with_area_events_reads_back_as_the_csv(capsys, tmp_path):
    totals = []
    for ext in (".csv", ".shp"):
        out = tmp_path / f"e{ext}"
        args = ["--layer", "points", "--area-events", "points", "-o", out]
        code, _, err = run(capsys, "export", GTD, *args)
        assert code == 0, err
        table, err = _aggregate(capsys, out, tmp_path / f"agg{ext}.csv", "--level", "district")
        assert "(geocoded file)" in err, err
        totals.append(table["incidents"].sum())
    assert totals == [1_144, 1_144]


def test_cli_a_csv_whose_header_a_tool_capitalised_is_still_geocoded(capsys, gtd_pair, tmp_path):
    csv, _ = gtd_pair
    table = pd.read_csv(csv, dtype=str, keep_default_na=False)
    upper = tmp_path / "upper.csv"
    table.rename(columns=str.upper).to_csv(upper, index=False)
    _same_rows(upper, csv)
    by_name, err = _aggregate(capsys, upper, tmp_path / "t.csv", "--level", "district")
    assert "(geocoded file)" in err and by_name["incidents"].sum() == 1_144


#: text a shapefile holds, in the scripts incident notes are written in
_TEXT = (
    st.text(
        alphabet=st.sampled_from(list("abc ABC 123 -,.éàāīūḥ–’") + list("کابلهرات")),
        min_size=1,
        max_size=40,
    )
    .map(str.strip)
    .filter(lambda s: s and not s.replace(".", "").replace("-", "").isdigit())
)


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(notes=st.lists(_TEXT, min_size=2, max_size=4))
def test_a_shapefile_copied_without_its_cpg_keeps_its_text(tmp_path_factory, notes):
    tmp = tmp_path_factory.mktemp("cpg")
    rows = pd.DataFrame(
        {
            "date": "2020-01-05",
            "province": (["Kabul", "Herat"] * 2)[: len(notes)],
            "notes": notes,
        }
    )
    rows.to_csv(tmp / "in.csv", index=False)
    with pytest.raises(SystemExit) as exc:
        main(["geocode", str(tmp / "in.csv"), "-o", str(tmp / "x.shp"), "-q"])
    assert exc.value.code == 0
    (tmp / "x.cpg").unlink()
    back = im.read(str(tmp / "x.shp")).frame
    assert back["notes"].tolist() == notes
    assert back["geocode_precision"].tolist() == ["province"] * len(notes)


def test_cli_a_shapefile_without_cpg_says_how_its_text_was_read(capsys, tmp_path):
    pd.DataFrame(
        {
            "date": ["2020-01-05", "2020-02-05"],
            "province": ["Kabul", "Herat"],
            "notes": ["Attaque à Kābul – کابل", "plain"],
        }
    ).to_csv(tmp_path / "in.csv", index=False)
    code, _, err = run(capsys, "geocode", tmp_path / "in.csv", "-o", tmp_path / "x.shp")
    assert code == 0, err
    (tmp_path / "x.cpg").unlink()
    code, out, err = run(capsys, "query", tmp_path / "x.shp", "--province", "Kabul", "-f", "csv")
    assert code == 0, err
    assert "no .cpg beside it" in err and "Attaque à Kābul – کابل" in out


def test_a_latin1_shapefile_without_cpg_is_read_as_gdal_reads_it(tmp_path):
    frame = gpd.GeoDataFrame(
        {"notes": ["Hérat", "Kaboul"]},
        geometry=gpd.points_from_xy([62.2, 69.2], [34.3, 34.5]),
        crs="EPSG:4326",
    )
    frame.to_file(tmp_path / "l.shp", engine="pyogrio", encoding="ISO-8859-1")
    for side in tmp_path.glob("l.[cC][pP][gG]"):
        side.unlink()
    assert read_table(tmp_path / "l.shp")["notes"].tolist() == ["Hérat", "Kaboul"]
