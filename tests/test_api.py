"""The Python API a notebook uses: the same jobs as the command line, the same results."""

from __future__ import annotations

import ast
import re

import geopandas as gpd
import pandas as pd
import pytest

import incidentmap as im
from incidentmap.cli import main
from tests import layout
from tests.conftest import ROOT

SAMPLE = ROOT / "geo" / "sample_incidents.csv"
TITLE = "ISIS-K claimed attacks in Afghanistan, 2017-2023"


def run(capsys, *args):
    with pytest.raises(SystemExit) as exc:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    return exc.value.code, out, err


def same_page(html: str) -> str:
    """The page with Folium's random element ids made equal."""
    return re.sub(r"[0-9a-f]{32}", "X", html)


def test_notebook_brief_is_the_cli_page(capsys, use_cache, tmp_path):
    out = tmp_path / "cli.html"
    code, _, err = run(capsys, "brief", SAMPLE, "--group", "isis-k", "-o", out, "--title", TITLE,
                       "--level", "province", "--period", "year")  # fmt: skip
    assert code == 0, err
    page = im.brief(SAMPLE, group="isis-k", title=TITLE, level="province", period="year")
    assert page.paths == [] and page.style.level == "province"
    assert same_page(page.html()) == same_page(out.read_text(encoding="utf-8"))
    assert "<iframe" in page._repr_html_()  # a notebook shows the page
    kept = [n.text for n in page.report.notes if n.code == "read"]
    assert kept and "52 rows" in kept[0]


def test_notebook_brief_writes_like_the_cli(use_cache, tmp_path):
    out = tmp_path / "b.html"
    page = im.brief(SAMPLE, out, level="province", period="year", png=tmp_path / "b.png")
    assert page.paths == [out, tmp_path / "b.png"] and out.exists()
    with pytest.raises(im.OutputExistsError, match="overwrite"):
        im.brief(SAMPLE, out, level="province")
    im.brief(SAMPLE, out, level="province", overwrite=True)


def test_query_from_a_path_or_a_frame(use_cache):
    near = im.query(SAMPLE, near="Jalalabad", km=25)
    assert near.matched == len(near.frame) > 0 and near.near.startswith("Jalalabad")
    assert (near.frame["distance_km_min"] <= 25).all()
    frame = im.read(SAMPLE).frame
    again = im.query(frame, near="Jalalabad", km=25)
    assert list(again.frame["row"]) == list(near.frame["row"])
    march = im.query(SAMPLE, group="isis-k", since="2023-03", until="2023-03")
    assert march.matched == 4
    assert "<table" in march._repr_html_()


def test_read_reports_and_keeps_no_run_facts_in_attrs(use_cache):
    got = im.read(SAMPLE, group="isis-k", since="2023", until="2023-06")
    assert got.rows_read == 52 and len(got.frame) < 52
    assert got.coverage_end == pd.Timestamp("2023-06-30")  # what was asked, not the last event
    assert im.read(SAMPLE, since="2023").coverage_end == pd.Timestamp("2023-11-07")
    assert not RUN_FACTS & set(got.frame.attrs)
    codes = [n.code for n in got.report.notes]
    assert "read" in codes and "kept" in codes


#: what a run did, which no frame the library returns carries on ``attrs`` (issue 25)
RUN_FACTS = {"summary", "notes", "coverage_end", "uncertain_left_out", "near", "area_events",
             "area_inside", "kept", "layout", "bad_values", "renamed", "encoding",
             "preset_title", "geocoded", "formulas", "repaired"}  # fmt: skip


def test_a_geocoded_frame_keeps_no_run_facts_in_attrs(use_cache):
    from incidentmap.geocode import geocode, geocode_counted, geocode_summary

    read = im.read_incidents(SAMPLE)
    assert not RUN_FACTS & set(read.attrs) and read.attrs["preset"]
    placed = geocode(read)
    assert not RUN_FACTS & set(placed.attrs) and placed.attrs["path"] == read.attrs["path"]
    again, counts = geocode_counted(read)  # the counts handed on typed, the same numbers
    assert not RUN_FACTS & set(again.attrs) and counts == geocode_summary(placed)
    for got in (im.geocode(SAMPLE), im.geocode(read), im.read(placed)):
        assert not RUN_FACTS & set(got.frame.attrs), got.frame.attrs.keys()
        assert got.frame.attrs["preset"] == read.attrs["preset"]


def test_unknown_option_is_refused(use_cache):
    with pytest.raises(im.UsageError, match="unknown option 'colour'"):
        im.query(SAMPLE, colour="red")


def test_geocode_export_aggregate_trends_merge(use_cache, tmp_path):
    g = im.geocode(SAMPLE, tmp_path / "g.parquet")
    assert g.counts.summary["read"] == 52 and (tmp_path / "g.parquet").exists()
    placed = im.geocode(SAMPLE).frame
    assert isinstance(placed, gpd.GeoDataFrame) and len(placed) == 52
    e = im.export(SAMPLE, tmp_path / "pts.parquet", layers="points")
    assert e.written["layers"] == {"points": 42}  # 10 rows placed only to an area
    a = im.aggregate(SAMPLE, level="province", period="year")
    assert a.counts["incidents"].sum() == 52
    t = im.trends(SAMPLE, level="province", period="year", include_incomplete=True,
                  hotspots=False)  # fmt: skip
    assert len(t.areas) == 34 and not t.areas.attrs and t.facts["baseline"] >= 1
    m = im.merge(SAMPLE, ("copy", placed.head(5)), output=tmp_path / "m.gpkg")
    assert m.result is not None and m.report.counts["rows_in"] == 57


# --------------------------------------------------------------------------------------------
# the house rules of issue 25, read from the code


def _public_functions():
    for mod in layout.modules().values():
        if ".cli" in mod.name:
            continue  # typer builds a command's options from its parameters
        tree = ast.parse(mod.path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
                a = node.args
                n = len(a.posonlyargs) + len(a.args) + len(a.kwonlyargs)
                n += bool(a.vararg) + bool(a.kwarg)
                if a.args and a.args[0].arg in ("self", "cls"):
                    n -= 1
                yield mod.name, node.name, n


def test_no_public_function_takes_more_than_eight_parameters():
    over = [f"{m}.{f}: {n}" for m, f, n in _public_functions() if n > 8]
    assert over == []


def test_no_library_line_names_an_option():
    flag = re.compile(r"(?<![\w-])--[a-z][a-z-]+")
    found = []
    for mod in layout.modules().values():
        if mod.name.startswith(("incidentmap.cli", "incidentmap.console", "incidentmap.__main__")):
            continue
        for i, line in enumerate(mod.path.read_text(encoding="utf-8").splitlines(), 1):
            if flag.search(line):
                found.append(f"{mod.name}:{i}: {line.strip()}")
    assert found == []


def test_readme_python_block_runs_as_written(use_cache, tmp_path, monkeypatch):
    from tests.conftest import SHARED

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Python", 1)[1].split("```python", 1)[1].split("```", 1)[0]
    code = block.replace("../shared/data", str(SHARED))
    (tmp_path / "geo").symlink_to(ROOT / "geo")
    (tmp_path / "out").mkdir()
    monkeypatch.chdir(tmp_path)
    scope: dict = {}
    exec(compile(code, "README.md", "exec"), scope)
    assert scope["march"].matched == 4
    assert (tmp_path / "out" / "briefing.html").exists()
    assert (tmp_path / "out" / "briefing.png").exists()
    assert (tmp_path / "out" / "points.parquet").exists()
