"""Dates read as their rows state them, and every incident said where it is (a real Chromium).

A file of years alone is "2015 - 2019" in the title and caption, never "01 Jan 2015 -
01 Jan 2019"; filtered, the page writes its span the same way; one day is written once; the
summary a screen reader says counts an incident not on the map as such.
"""

from __future__ import annotations

import pandas as pd
import pytest

import incidentmap as im
from incidentmap.render.data import date_span
from tests.test_browser import browser, open_page  # noqa: F401 (the fixture)

pytestmark = pytest.mark.usefixtures("use_cache")


def _page(tmp_path, name: str, frame: pd.DataFrame, **kw) -> object:
    src = tmp_path / f"{name}.csv"
    frame.to_csv(src, index=False)
    out = tmp_path / f"{name}.html"
    im.brief(str(src), output=str(out), **kw)
    return out


def _read(pg) -> dict:
    return pg.evaluate(
        """() => { const m = window.incidentmapInstances[0];
            return { title: m.data.title, caption: m.captionEl ? m.captionEl.textContent : '',
                     summary: document.querySelector('.im-a11y-summary').textContent }; }"""
    )


def test_years_alone_are_written_as_years_in_the_page(browser, tmp_path):  # noqa: F811
    provinces = ["Kabul", "Kandahar", "Helmand"]
    rows = [{"year": 2015 + i % 5, "province": provinces[i % 3], "killed": i} for i in range(20)]
    html = _page(tmp_path, "years", pd.DataFrame(rows), period="year")
    ctx, pg = open_page(browser, html)
    try:
        got = _read(pg)
        assert "2015 \u2013 2019" in got["title"] and "Jan 2015" not in got["title"]
        assert "20 incidents, 2015 \u2013 2019;" in got["caption"]
        pg.evaluate("() => window.incidentmapInstances[0].setFilters({minToll: 1})")
        got = _read(pg)
        assert got["caption"].startswith("Filtered (")
        assert "19 incidents, 2015 \u2013 2019;" in got["caption"], got["caption"]
        assert "01 Jan" not in got["caption"]
        assert not pg.problems
    finally:
        ctx.close()


def test_one_day_once_and_an_incident_off_the_map_said(browser, tmp_path):  # noqa: F811
    rows = pd.DataFrame(
        {
            "date": ["2023-03-02", "2023-03-02"],
            "latitude": [48.85, 34.43],  # Paris: not on the map
            "longitude": [2.35, 70.45],
            "fatalities": [1, 1],
        }
    )
    html = _page(tmp_path, "oneday", rows)
    ctx, pg = open_page(browser, html)
    try:
        got = _read(pg)
        assert "oneday, Afghanistan, Mar 2023," in got["title"]
        assert "2 incidents, 02 Mar 2023;" in got["caption"]
        pg.evaluate("() => window.incidentmapInstances[0].setFilters({minToll: 1})")
        assert "2 incidents, 02 Mar 2023;" in _read(pg)["caption"]
        summary = _read(pg)["summary"]  # the one in Paris is counted, never said to be shown
        assert "2 incidents: 1 shown in 1 district, 1 not on the map." in summary, summary
        assert not pg.problems
    finally:
        ctx.close()


def test_date_span_writes_each_end_to_its_precision():
    frame = pd.DataFrame(
        {
            "date": pd.to_datetime(["2015-01-01", "2015-01-01", "2019-03-01", None]),
            "date_precision": ["year", "day", "month", None],
        }
    )
    assert date_span(frame) == "01 Jan 2015 \u2013 Mar 2019"  # the finest row on a date
    assert date_span(frame.iloc[[0, 2]]) == "2015 \u2013 Mar 2019"
    assert date_span(frame.iloc[[0, 2]], "month") == "2015 \u2013 Mar 2019"
    assert date_span(frame.iloc[[1]], "month") == "Jan 2015"
    assert date_span(frame.iloc[[3]]) == ""


def test_a_period_the_data_begin_inside_is_partial(browser, capsys, tmp_path):  # noqa: F811
    """``since`` inside a month: that month is "partial: data from ...", on the page, in its
    summary and the PNG's panel; the surge four months on is not measured against it (its
    baseline would count half a month as a month), in Python and after a filter alike."""
    from tests.conftest import INCIDENTS
    from tests.test_cli import run

    gtd = INCIDENTS / "gtd_afg_2004_2009_towns.csv"
    html, png = tmp_path / "gtd.html", tmp_path / "gtd.png"
    code, _, err = run(
        capsys, "brief", gtd, "-o", html, "--png", png, "--period", "month",
        "--since", "2008-02-15", "--until", "2009-05-10",
    )  # fmt: skip
    assert code == 0, err
    loaded = im.read(str(gtd), since="2008-02-15", until="2009-05-10")
    assert loaded.coverage_start == pd.Timestamp("2008-02-15")
    from incidentmap.options import MapStyle
    from incidentmap.render.series import area_series

    series = area_series(
        loaded.frame, None, MapStyle(level="district", period="month"),
        coverage_start=loaded.coverage_start, coverage_end=loaded.coverage_end,
    )  # fmt: skip
    assert series.label(0) == "February 2008 (partial: data from 15 Feb 2008)"
    assert series.label(len(series.labels) - 1).endswith("(partial: data to 10 May 2009)")
    ctx, pg = open_page(browser, html)
    try:
        got = pg.evaluate(
            """() => { const m = window.incidentmapInstances[0]; m.setPeriod(0);
                const first = document.querySelector('.im-a11y-summary').textContent;
                m.setPeriod(4); const panel = m.surgeList.textContent;
                const python = m.data.surge.byPeriod[4].length;
                m.setFilters({minToll: 0});
                return {first, panel, python, js: m.fSurge[4].length}; }"""
        )
        assert "Showing February 2008 (partial: data from 15 Feb 2008)" in got["first"]
        assert (
            "not compared: the 4 periods before begin with one the data begin inside"
            in (got["panel"])
        )
        assert got["python"] == 0 and got["js"] == 0
        assert not pg.problems
    finally:
        ctx.close()


def test_incidents_in_no_period_are_said_and_listed(browser, capsys, tmp_path):  # noqa: F811
    """Undated rows and a month-dated row on a weekly page: no week holds them, so they were
    on the page only as part of the caption's total. Now the CLI says how many and why, the
    caption (Python, and the page's own after a filter) says so, and every week's event list
    holds them."""
    from tests.test_cli import run

    src = tmp_path / "undated.csv"
    src.write_text(
        "date,latitude,longitude,fatalities,date_precision\n"
        "2023-03-02,34.43,70.45,1,\n2023-03-05,34.43,70.45,2,\n2023-04-05,34.35,62.2,1,\n"
        ",34.43,70.45,1,\n,36.7,67.1,3,\n2023-02,36.7,67.1,3,month\n"
    )
    html = tmp_path / "undated.html"
    code, _, err = run(capsys, "brief", src, "-o", html, "--period", "week", "--keep-bad-values")
    said = "3 incidents in no week (2 undated, 1 dated to a month): in the totals and the event"
    assert code == 0 and said in err, err
    ctx, pg = open_page(browser, html)
    try:
        pg.wait_for_selector("[data-im-events]", timeout=30000)
        got = pg.evaluate(
            """() => { const m = window.incidentmapInstances[0]; m.setPeriod(0);
                m.listBox.open = true; m._drawList();
                const out = { caption: m.captionEl.textContent, title: m.listTitle.textContent,
                              more: m.listMore.textContent };
                m.setFilters({minToll: 2});
                out.filtered = m.captionEl.textContent; out.after = m.listTitle.textContent;
                return out; }"""
        )
        assert said in got["caption"]
        assert "3 in no week" in got["more"] and got["title"].startswith("Events in view (")
        assert "2 incidents in no week (1 undated, 1 dated to a month)" in got["filtered"]
        assert not pg.problems
    finally:
        ctx.close()


@pytest.mark.parametrize("kind", ["choropleth", "points"])
def test_a_plain_map_says_what_it_cannot_show(browser, capsys, tmp_path, kind):  # noqa: F811
    """A plain map has no event list: an undated incident and one placed nowhere are named
    in its caption (they were on no part of it), and the command says it."""
    from tests.test_cli import run

    src = tmp_path / "off.csv"
    src.write_text(
        "date,latitude,longitude,fatalities\n"
        "2023-03-02,34.43,70.45,1\n,34.43,70.45,1\n2023-03-04,48.8,2.3,1\n"
    )
    html = tmp_path / f"{kind}.html"
    code, _, err = run(capsys, "map", src, "--kind", kind, "-o", html)
    assert code == 0 and "1 incident in no month (1 undated): said on the map" in err, err
    ctx, pg = open_page(browser, html)
    try:
        caption = pg.evaluate("window.incidentmapInstances[0].captionEl.textContent")
        assert caption == (
            "Not on this map: 1 incident in no month (1 undated); 1 placed nowhere (no place "
            "or coordinates the boundaries hold)."
        )
        assert not pg.problems
    finally:
        ctx.close()


def test_a_fatalities_page_counts_the_areas_holding_incidents(browser, tmp_path):  # noqa: F811
    """On a fatalities map the summary said "4 incidents shown in 1 district": the areas
    were those with a toll above 0, so incidents with unknown or zero tolls had no area."""
    rows = pd.DataFrame(
        {
            "date": ["2023-03-02", "2023-03-03", "2023-03-04", "2023-03-05"],
            "latitude": [34.43, 34.43, 34.35, 36.7],
            "longitude": [70.45, 70.45, 62.2, 67.1],
            "fatalities": [None, None, 0, 2],
        }
    )
    html = _page(tmp_path, "tolls", rows, measure="fatalities")
    ctx, pg = open_page(browser, html)
    try:
        pg.wait_for_selector("[data-im-events]", timeout=30000)
        summary = pg.evaluate(
            """() => { const m = window.incidentmapInstances[0]; m.setPeriod(0);
                return document.querySelector('.im-a11y-summary').textContent; }"""
        )
        assert "4 incidents shown in 3 districts. Death toll unknown for 2." in summary
        assert not pg.problems
    finally:
        ctx.close()


def test_rows_the_dates_cut_are_said_on_the_page_filtered_or_not(browser, tmp_path):  # noqa: F811
    """A month-dated row that --since/--until cut is left out, and the page says so: the
    reader of the page, not only the terminal, learns that it may belong."""
    from typer.testing import CliRunner

    from incidentmap.cli import app
    from incidentmap.options import Filters

    rows = pd.DataFrame({
        "date": ["2023-03-09", "2023-03-15", "2023-03"],
        "province": ["Balkh", "Kabul", "Herat"],
        "fatalities": [3, 1, 2],
    })  # fmt: skip
    window = Filters(since="2023-03-05", until="2023-03-20")
    html = _page(tmp_path, "cut", rows, filters=window)
    said = "Left out, though they may belong: 1 row dated only to a week, a month or a year"
    ctx, pg = open_page(browser, html)
    try:
        assert said in _read(pg)["caption"]
        pg.evaluate("() => window.incidentmapInstances[0].setFilters({minToll: 2})")
        got = _read(pg)["caption"]
        assert got.startswith("Filtered (") and said in got, got
        assert not pg.problems
    finally:
        ctx.close()
    src, out = tmp_path / "cut.csv", tmp_path / "cli.html"
    png = tmp_path / "c.png"
    args = ["brief", str(src), "-o", str(out), "--since", "2023-03-05", "--until", "2023-03-20"]
    result = CliRunner().invoke(app, [*args, "--png", str(png)])
    assert result.exit_code == 0, result.output
    assert said in out.read_text(encoding="utf-8")
    assert "left out: 1 row dated only to a span the window" in result.output
