# ruff: noqa: E501 (the page's scripts are written inline)
"""The findings of sweep 37, read in a real Chromium as a reader reads the page.

An unknown toll stays unknown when summed up to a period (page and PNG); a partly known sum
says for how many incidents it is known; popups of rows placed only to an area show what a
point's popup shows; the screen-reader summary and the legend follow the filters; the PNG
says the incidents placed nowhere; the panels never cover one another at 1280x860; a range
of dates is shown as one, and a row placed nowhere says so in the list.
"""

from __future__ import annotations

import csv
import io

import pytest

from tests.conftest import INCIDENTS
from tests.test_browser import CHROMIUM, browser, open_page  # noqa: F401 (fixture)
from tests.test_cli import run

pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium"),
    pytest.mark.usefixtures("use_cache"),
]

HEAD = "event_id,date,province,district,place,event_type,actor,fatalities,injured,notes,source,latitude,longitude\n"
MIX = HEAD + (
    "M1,2022-01-05,Kabul,,,Attack,Taliban,5,,,,,\n"
    "M2,2022-01-06,Kabul,,,Attack,Taliban,,,,,,\n"
    "M3,2022-02-06,Herat,,,Attack,Taliban,,,,,,\n"
    "M4,2022-02-07,Kabul,,,Attack,Taliban,0,,,,,\n"
    "M5,2022-03-07,Herat,,,Attack,Taliban,2,,,,,\n"
    "M6,2022-03-31,Balkh,,,Attack,Taliban,,,,,,\n"
)
XSS = HEAD + (
    "X1,2023-03-08,Kabul,Kabul,<script>alert('p')</script>,Suicide bombing,</script><script>alert(1)</script>,,,note <img src=x onerror=alert(2)> end,,34.53,69.17\n"
    "X3,2023-03-15,Nangarhar,,,Attack,\u0637\u0627\u0644\u0628\u0627\u0646,,,\u06cc\u0627\u062f\u062f\u0627\u0634\u062a \u062f\u0631\u06cc,,,\n"
    "X6,2023-03-25,Kabul,,,Attack,x,,,District row no point,,,\n"
    'X8,2023-03-26,Herat,,,"Type ""q"" \'s\' <img src=x onerror=alert(8)>",<script>alert(9)</script>,4,,"<svg/onload=alert(10)> ""n""",,,\n'
)
NODATES = HEAD + (
    "N1,,Kabul,Kabul,Kabul,Attack,Taliban,7,,,,34.53,69.17\n"
    "N3,2022-02-10,Herat,,Herat,Attack,Taliban,1,,,,34.35,62.20\n"
    "N5,2022-03-12,,,Nowhereville,Attack,Taliban,3,,,,,\n"
)
GTD = INCIDENTS / "gtd_afg_2004_2009_towns.csv"


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _brief(capsys, tmp_path, name, text, *args):
    src = _write(tmp_path, f"{name}.csv", text)
    out = tmp_path / f"{name}.html"
    code, _, err = run(capsys, "brief", src, "-o", out, *args)
    assert code == 0, err
    return out


def _tip(pg, name, tries=12):
    """Move the mouse onto an area as a hand would; return its tooltip's text."""
    x, y = pg.evaluate(
        """(name) => { const m = window.incidentmapInstances[0];
            const i = m.data.areas.names.indexOf(name), lyr = m.areaLayers[i];
            m.map.setView(lyr.getCenter(), 7, {animate: false});
            const p = m.map.latLngToContainerPoint(lyr.getCenter());
            const r = m.map.getContainer().getBoundingClientRect();
            return [r.left + p.x, r.top + p.y]; }""",
        name,
    )
    pg.mouse.move(5, 5)
    pg.mouse.move(x, y, steps=8)
    for i in range(tries):
        pg.wait_for_timeout(80)
        pg.mouse.move(x + (i % 3) - 1, y + (i % 2), steps=2)
        tip = pg.locator(".leaflet-tooltip")
        if tip.count() and name in tip.first.inner_text():
            return tip.first.inner_text().replace("\n", " / ")
    raise AssertionError(f"no tooltip for {name}")


def _fill(pg, name):
    return pg.evaluate(
        """(name) => { const m = window.incidentmapInstances[0];
            return m.areaLayers[m.data.areas.names.indexOf(name)].options.fillColor; }""",
        name,
    )


def _top(pg):
    return pg.locator(".im-top ol").inner_text().split("\n")


# ---- 1 and 2: unknown tolls stay unknown; a partly known sum says so ------------------------


def test_a_cumulative_toll_never_makes_an_unknown_toll_zero(browser, capsys, tmp_path):  # noqa: F811
    html = _brief(capsys, tmp_path, "mixfat", MIX, "--measure", "fatalities")
    ctx, pg = open_page(browser, html, "#p=2022-03-01&m=c")
    try:
        nodata = pg.evaluate("window.incidentmapInstances[0].data.areas.nodataColor")
        tip = _tip(pg, "Balkh")
        assert "Fatalities: unknown (March 2022, cumulative)" in tip, tip
        assert _fill(pg, "Balkh") == nodata
        # Kabul: 5, unknown, 0 -> 5, known for 2 of 3; Herat: unknown, 2 -> 2, known for 1 of 2
        assert "Fatalities: 5 (known for 2 of 3 incidents; March 2022, cumulative)" in _tip(
            pg, "Kabul"
        )
        assert "Fatalities: 2 (known for 1 of 2 incidents; March 2022, cumulative)" in _tip(
            pg, "Herat"
        )
        # February, cumulative: Herat's only incident so far has no toll
        pg.click(".im-slider button >> nth=0")
        assert "Fatalities: unknown (February 2022, cumulative)" in _tip(pg, "Herat")
        assert _fill(pg, "Herat") == nodata
        # the same with a filter on (the page recounts from its rows)
        pg.click(".im-filters summary")
        pg.select_option(".im-filter-form select >> nth=0", "taliban")
        assert "Fatalities: unknown (February 2022, cumulative)" in _tip(pg, "Herat")
        assert _fill(pg, "Herat") == nodata
        assert pg.problems == []
    finally:
        ctx.close()


def test_the_png_of_a_cumulative_toll_keeps_unknown_unknown(capsys, tmp_path):
    from incidentmap.jobs.load import Source, load
    from incidentmap.jobs.report import Report
    from incidentmap.options import Filters, MapStyle
    from incidentmap.render.classes import NODATA_COLOR
    from incidentmap.render.series import area_series
    from incidentmap.render.static_map import panel_total

    src = _write(tmp_path, "mix.csv", MIX)
    png = tmp_path / "x.png"
    code, _, err = run(
        capsys, "map", src, "--mode", "cumulative", "--measure", "fatalities", "--png", png,
        "--png-periods", "3", "-o", tmp_path / "x.html",
    )  # fmt: skip
    assert code == 0, err
    assert png.stat().st_size > 0
    frame = load(Source(str(src)), Filters(), Report()).frame
    series = area_series(
        frame, None, MapStyle(level="province", measure="fatalities", mode="cumulative")
    )
    row = {n: i for i, n in enumerate(series.names)}
    assert series.color(series.cumulative[row["Balkh"], 2], "cumulative") == NODATA_COLOR
    assert series.color(series.cumulative[row["Herat"], 1], "cumulative") == NODATA_COLOR
    assert series.cumulative[row["Kabul"], 2] == 5
    assert series.cumulative[row["Herat"], 2] == 2
    assert series.cumulative[row["Kandahar"], 2] == 0  # no incident: 0, not unknown
    assert panel_total(series, "cumulative", 2).startswith("Fatalities: 7\n(known for 3 of 6")


def test_a_partly_known_toll_says_for_how_many_it_is_known(browser, capsys, tmp_path):  # noqa: F811
    html = _brief(capsys, tmp_path, "mixfat", MIX, "--measure", "fatalities")
    ctx, pg = open_page(browser, html, "#p=2022-01-01")
    try:
        assert "Fatalities: 5 (known for 1 of 2 incidents; January 2022)" in _tip(pg, "Kabul")
        assert "Kabul: 5 (known for 1 of 2)" in _top(pg)
        pg.click(".im-slider button >> nth=2")  # February: Kabul's one toll is known (0)
        assert "Fatalities: 0 (February 2022)" in _tip(pg, "Kabul")
        assert "Fatalities: unknown (February 2022)" in _tip(pg, "Herat")
        pg.select_option(".im-slider select", "cumulative")
        assert "Fatalities: 5 (known for 2 of 3 incidents; February 2022, cumulative)" in _tip(
            pg, "Kabul"
        )
        assert "Kabul: 5 (known for 2 of 3)" in _top(pg)
        pg.click(".im-filters summary")  # filtered: the page's own recount says the same
        pg.select_option(".im-filter-form select >> nth=0", "taliban")
        assert "Kabul: 5 (known for 2 of 3)" in _top(pg)
        assert pg.problems == []
    finally:
        ctx.close()


# ---- 3: popups of area rows as complete as a point's; text stays text ----------------------


def _popup_of(pg, event_id):
    pg.evaluate(
        "() => { const m = window.incidentmapInstances[0]; m.map.closePopup(); m.map.setView([34, 66], 5, {animate: false}); }"
    )
    pg.wait_for_timeout(300)  # the list follows the view
    pg.locator(".im-events tbody tr", has_text=event_id).first.click()
    pg.wait_for_selector(".leaflet-popup-content")
    pg.wait_for_timeout(300)  # the popup closed fades out first
    return pg.locator(".leaflet-popup-content").inner_text().replace("\n", " / ")


def test_area_rows_popups_and_download_hold_actor_type_and_notes(browser, capsys, tmp_path):  # noqa: F811
    html = _brief(capsys, tmp_path, "xss", XSS, "--level", "province")
    ctx, pg = open_page(browser, html)
    try:
        pg.wait_for_selector("[data-im-events]")
        pg.click(".im-events summary")
        x3 = _popup_of(pg, "X3")
        assert "Actor / \u0637\u0627\u0644\u0628\u0627\u0646" in x3, x3
        assert (
            "Event type / Attack" in x3
            and "Notes / \u06cc\u0627\u062f\u062f\u0627\u0634\u062a \u062f\u0631\u06cc" in x3
        )
        assert "Fatalities / unknown" in x3
        x6 = _popup_of(pg, "X6")
        assert "Notes / District row no point" in x6 and "Actor / x" in x6, x6
        x8 = _popup_of(pg, "X8")  # markup in every new field: shown as text, never run
        assert "Actor / <script>alert(9)</script>" in x8, x8
        assert "Event type / Type \"q\" 's' <img src=x onerror=alert(8)>" in x8
        assert 'Notes / <svg/onload=alert(10)> "n"' in x8
        x1 = _popup_of(pg, "X1")  # a point: its unknown toll said, as an area row's is
        assert "Fatalities / unknown" in x1, x1
        assert "</script><script>alert(1)</script>" in x1
        assert (
            pg.evaluate(
                "document.querySelectorAll('img[src=x], svg[onload], .leaflet-popup-content script').length"
            )
            == 0
        )
        pg.evaluate("() => window.incidentmapInstances[0].select(null)")
        pg.evaluate(
            "() => { const m = window.incidentmapInstances[0]; m.map.setView([34, 66], 5, {animate: false}); }"
        )
        pg.wait_for_timeout(200)
        with pg.expect_download() as d:
            pg.click("text=Download these rows")
        rows = list(csv.DictReader(io.StringIO(open(d.value.path(), encoding="utf-8").read())))
        by_id = {r["Source id"]: r for r in rows}
        assert by_id["X3"]["Actor"] == "\u0637\u0627\u0644\u0628\u0627\u0646"
        assert by_id["X6"]["Notes"] == "District row no point"
        assert by_id["X8"]["Event type"] == "Type \"q\" 's' <img src=x onerror=alert(8)>"
        assert by_id["X1"]["Notes"] == "note <img src=x onerror=alert(2)> end"
        assert pg.problems == []
    finally:
        ctx.close()


# ---- 4: the summary and the legend follow the filters ---------------------------------------


def _district_page(capsys, tmp_path):
    rows = [HEAD]
    for i in range(12):  # points in districts, and rows placed only to a province
        rows.append(
            f"P{i},2022-0{1 + i % 3}-1{i % 9},Kabul,Kabul,Kabul,Attack,Taliban,{i},,,,34.53,69.17\n"
        )
        rows.append(f"V{i},2022-0{1 + i % 3}-1{i % 9},Herat,,,Attack,Taliban,{i % 4},,,,,\n")
        rows.append(f"D{i},2022-0{1 + i % 3}-1{i % 9},Balkh,Balkh,,Attack,Taliban,{i % 5},,,,,\n")
    return _brief(capsys, tmp_path, "district", "".join(rows), "--level", "district")


def test_the_summary_and_the_legend_follow_the_toll_filter(browser, capsys, tmp_path):  # noqa: F811
    html = _district_page(capsys, tmp_path)
    ctx, pg = open_page(browser, html, "#p=2022-01-01")
    try:
        pg.wait_for_selector("[data-im-events]")
        legend = pg.locator(".im-legend").inner_text()
        assert (
            "12 placed only to a province" in legend
            and "24 placed only to a district or province" in legend
        ), legend
        pg.click(".im-filters summary")
        pg.click(".im-filter-form input[type=number]")
        pg.keyboard.type("3")  # as a reader types it: the keys' own events come last
        pg.wait_for_timeout(300)
        summary = pg.locator(".im-a11y-summary").inner_text()
        assert "Filters: toll \u2265 3." in summary, summary
        caption = pg.locator(".im-caption").inner_text()
        # Herat's tolls 0..3 repeated: 3 of 12 are >= 3; Balkh's 0..4: 4 of 12
        assert "3 placed only to a province" in caption, caption
        legend = pg.locator(".im-legend").inner_text()
        assert "3 placed only to a province" in legend and "12 placed only" not in legend, legend
        assert "7 placed only to a district or province" in legend, legend
        pg.click(".im-clear")
        legend = pg.locator(".im-legend").inner_text()
        assert "12 placed only to a province" in legend
        assert "Filters: none." in pg.locator(".im-a11y-summary").inner_text()
        assert pg.problems == []
    finally:
        ctx.close()


# ---- 5: the PNG says the incidents placed nowhere ---------------------------------------------


def test_the_png_says_the_incidents_it_cannot_place(capsys, tmp_path):
    import matplotlib.pyplot as plt

    from incidentmap.jobs.load import Source, load
    from incidentmap.jobs.report import Report
    from incidentmap.options import Filters, ReadOptions
    from incidentmap.render.static_map import static_figure

    src = _write(tmp_path, "nodates.csv", NODATES)
    png = tmp_path / "nodates.png"
    code, _, err = run(
        capsys, "brief", src, "--keep-bad-values", "--png", png, "-o", tmp_path / "n.html"
    )
    assert code == 0, err
    assert png.stat().st_size > 0
    frame = load(Source(str(src), ReadOptions()), Filters(), Report()).frame
    fig = static_figure(frame)
    try:
        text = " ".join(t.get_text() for t in fig.texts).replace("\n", " ")
    finally:
        plt.close(fig)
    assert "1 incident placed nowhere" in text, text


# ---- 6: no panel covers another at 1280x860 ----------------------------------------------------


def _boxes(pg):
    return pg.evaluate(
        """() => { const out = {};
            ['.im-header', '.im-events', '.im-filters', '.im-slider', '.im-timeline', '.im-legend',
             '.leaflet-control-attribution', '.im-top', '.im-surge', '.leaflet-control-layers'].forEach((s) => {
               const e = document.querySelector(s); if (!e) return;
               const r = e.getBoundingClientRect(); out[s] = [r.left, r.top, r.right, r.bottom]; });
            return out; }"""
    )


def _overlaps(boxes):
    names, out = list(boxes), []
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            p, q = boxes[a], boxes[b]
            if p[0] < q[2] - 1 and q[0] < p[2] - 1 and p[1] < q[3] - 1 and q[1] < p[3] - 1:
                out.append((a, b))
    return out


@pytest.mark.skipif(not GTD.exists(), reason="needs ../shared/data/incidents")
def test_every_filter_control_can_be_clicked_with_the_list_open(browser, capsys, tmp_path):  # noqa: F811
    out = tmp_path / "gtd.html"
    code, _, err = run(capsys, "brief", GTD, "-o", out)
    assert code == 0, err
    ctx, pg = open_page(browser, out)
    try:
        pg.wait_for_selector("[data-im-events]")
        pg.click(".im-events summary")
        pg.click(".im-filters summary")
        pg.wait_for_timeout(200)
        assert _overlaps(_boxes(pg)) == []
        form = ".im-filter-form"
        for k in range(pg.locator(f"{form} select").count()):
            sel = pg.locator(f"{form} select").nth(k)
            value = sel.locator("option").nth(1).get_attribute("value")
            sel.select_option(value, timeout=3000)  # fails if anything covers it
            sel.select_option(sel.locator("option").nth(0).get_attribute("value"), timeout=3000)
        pg.locator(f"{form} input[type=number]").click(timeout=3000)
        pg.keyboard.type("2")
        for k in range(pg.locator(f"{form} input[type=checkbox]").count()):
            box = pg.locator(f"{form} input[type=checkbox]").nth(k)
            box.click(timeout=3000)
            box.click(timeout=3000)
        pg.locator(".im-clear").click(timeout=3000)
        assert "Filters: none." in pg.locator(".im-a11y-summary").inner_text()
        assert _overlaps(_boxes(pg)) == []
        # the list, scrolled into the panel left for it, still opens its rows
        pg.locator(".im-events tbody tr").first.click(timeout=3000)
        pg.wait_for_selector(".leaflet-popup-content")
        assert pg.problems == []
    finally:
        ctx.close()


# ---- 7: a range of dates, and a row placed nowhere, in the list -------------------------------


def test_the_list_shows_a_range_of_dates_and_says_not_placed(browser, capsys, tmp_path):  # noqa: F811
    text = (
        "event_id,date_start,date_end,province,district,latitude,longitude,best\n"
        "U1,2002-07-30,2002-08-01,Kabul,Kabul,34.53,69.17,3\n"
        "U2,2002-07-10,2002-07-10,Herat,Herat,34.35,62.20,1\n"
        "U3,2002-08-05,2002-08-05,Kabul,,,,2\n"
        ",2002-08-06,2002-08-06,,,,,1\n"
    )
    html = _brief(capsys, tmp_path, "rng", text)
    ctx, pg = open_page(browser, html, "#p=2002-08-01")
    try:
        pg.wait_for_selector("[data-im-events]")
        pg.click(".im-events summary")
        pg.wait_for_selector(".im-events tbody tr")
        rows = {
            r.split("\t")[-1].strip(): r.split("\t")
            for r in pg.locator(".im-events tbody tr").all_inner_texts()
        }
        assert rows.get("U1", [""])[0] == "2002-07-30 \u2013 2002-08-01", rows
        assert rows[""][1] == "not placed", rows  # U4: no id, no place
        assert rows["U3"][0] == "2002-08-05"
        assert pg.problems == []
    finally:
        ctx.close()
