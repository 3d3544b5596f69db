"""The briefing page in a real headless Chromium, with every request to another host blocked."""

from __future__ import annotations

import shutil

import pytest

from incidentmap.pipeline import geocode_file
from tests.conftest import DATA, ROOT
from tests.test_cli import run

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
XSS_NOTE = "<img src=x onerror=alert(1)>"
XSS_ACTOR = "<script>alert(2)</script> Group"


@pytest.fixture(scope="module")
def briefing(cache, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("browser")
    src = tmp / "incidents.csv"
    rows = [
        "date,latitude,longitude,event_type,actor,fatalities,notes",
        "2023-03-02,34.43,70.45,Explosions,ISKP,2,first",
        "2023-03-09,34.431,70.451,Explosions,ISKP,1,second",
        f'2023-03-20,34.432,70.452,Attack,"{XSS_ACTOR}",0,"{XSS_NOTE}"',
        "2023-04-05,34.35,62.20,Attack,Unknown,1,herat in april",
    ]
    src.write_text("\n".join(rows) + "\n")
    out = tmp / "briefing.html"
    code = None
    try:
        from incidentmap.cli import main

        main(
            [
                "brief",
                str(src),
                "-o",
                str(out),
                "--title",
                "<b>Test</b> briefing",
                "--period",
                "month",
            ]
        )
    except SystemExit as exc:
        code = exc.code
    assert code == 0
    return out


@pytest.fixture(scope="module")
def browser():
    assert CHROMIUM, "Chromium not found: install Debian chromium (.ci/run does)"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
            ],
        )
        yield b
        b.close()


def open_page(browser, path, fragment=""):
    """Open a page offline: every request to another host is blocked and recorded, like
    console errors, page errors and dialogs, in ``page.problems``. ``fragment``: the link's
    ``#...`` part, as a reader opens a link sent to them."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 860})
    pg = ctx.new_page()
    pg.problems = []  # console errors, page errors, dialogs, requests to other hosts
    pg.on("console", lambda m: m.type == "error" and pg.problems.append(f"console: {m.text}"))
    pg.on("pageerror", lambda e: pg.problems.append(f"pageerror: {e}"))

    def on_dialog(d):
        pg.problems.append(f"dialog: {d.message}")
        d.dismiss()

    pg.on("dialog", on_dialog)

    def route(r):
        url = r.request.url
        if url.startswith(("file://", "data:", "about:")):
            r.continue_()
        else:
            pg.problems.append(f"request: {url}")
            r.abort()

    pg.route("**/*", route)
    pg.goto(path.as_uri() + fragment)
    pg.wait_for_selector("[data-im-ready]", timeout=15000)
    return ctx, pg


@pytest.fixture
def page(browser, briefing):
    ctx, pg = open_page(browser, briefing)
    yield pg
    ctx.close()


def state(pg):
    return pg.evaluate("window.incidentmapInstances[0].state()")


def fill_of(pg, name):
    return pg.evaluate(
        """(name) => { const m = window.incidentmapInstances[0];
            const i = m.data.areas.names.indexOf(name);
            return m.areaLayers[i].options.fillColor; }""",
        name,
    )


def painted(pg, name):
    """The colour actually drawn at the centre of an area (points layer hidden), as RGB."""
    import io

    from PIL import Image

    pg.evaluate(
        """(name) => { const m = window.incidentmapInstances[0];
            const i = m.data.areas.names.indexOf(name);
            m.map.setView(m.areaLayers[i].getCenter(), 9, {animate: false}); }""",
        name,
    )
    pg.wait_for_timeout(150)
    xy = pg.evaluate(
        """(name) => { const m = window.incidentmapInstances[0];
            const i = m.data.areas.names.indexOf(name);
            const p = m.map.latLngToContainerPoint(m.areaLayers[i].getCenter());
            const r = m.map.getContainer().getBoundingClientRect();
            return [Math.round(p.x + r.left), Math.round(p.y + r.top)]; }""",
        name,
    )
    pg.evaluate("() => { const p = document.querySelector('.leaflet-im-labels-pane');"
                " if (p) p.style.visibility = 'hidden'; }")  # fmt: skip
    img = Image.open(io.BytesIO(pg.screenshot())).convert("RGB")
    pg.evaluate("() => { const p = document.querySelector('.leaflet-im-labels-pane');"
                " if (p) p.style.visibility = ''; }")  # fmt: skip
    return img.getpixel(tuple(xy))


def blend(hex_color, alpha=0.8, bg=(0xEE, 0xF2, 0xF5)):
    rgb = [int(hex_color[i : i + 2], 16) for i in (1, 3, 5)]
    return tuple(round(c * alpha + b * (1 - alpha)) for c, b in zip(rgb, bg, strict=True))


def close(a, b, tol=6):
    return all(abs(x - y) <= tol for x, y in zip(a, b, strict=True))


def test_page_loads_offline_without_errors(page):
    page.wait_for_timeout(300)
    assert page.problems == []
    assert page.evaluate("window.incidentmapInstances[0].areaLayers.length") == 398
    assert page.locator(".leaflet-im-areas-pane canvas").count() == 1
    assert page.locator(".leaflet-im-outline-pane path").count() >= 1
    # the points are drawn by the areas' canvas: a canvas of their own on top took every
    # mouse event from the areas (their tooltips never opened under the mouse)
    assert page.locator(".leaflet-im-points-pane canvas").count() == 0
    assert page.locator("canvas").count() == 1
    s = state(page)
    assert s["label"] == "March 2023" and s["markers"] == 3
    assert page.locator(".im-legend").inner_text().startswith("Incidents per district")
    assert "Top districts, March 2023" in page.locator(".im-top").inner_text()
    assert "geoBoundaries.org" in page.locator(".leaflet-control-attribution").inner_text()


def test_slider_moves_both_layers(page):
    zero = page.evaluate("window.incidentmapInstances[0].data.areas.zeroColor")
    march = fill_of(page, "Jalalabad")
    assert march != zero
    assert fill_of(page, "Hirat") == zero
    # hide the points with the layer control, then read the pixels the canvas painted
    page.get_by_label("Incidents (points)").uncheck()
    page.wait_for_timeout(100)
    assert close(painted(page, "Jalalabad"), blend(march))
    assert close(painted(page, "Hirat"), blend(zero))
    page.get_by_label("Incidents (points)").check()
    page.keyboard.press("ArrowRight")
    s = state(page)
    assert s["label"] == "April 2023" and s["markers"] == 1
    assert fill_of(page, "Jalalabad") == zero
    assert fill_of(page, "Hirat") != zero
    page.get_by_label("Incidents (points)").uncheck()
    page.wait_for_timeout(100)
    assert close(painted(page, "Jalalabad"), blend(zero))
    assert close(painted(page, "Hirat"), blend(fill_of(page, "Hirat")))
    page.get_by_label("Incidents (points)").check()
    # the data end on 5 April: the reader is told the last month is not over (issue 16)
    assert page.locator(".im-label").inner_text() == "April 2023 (partial: data to 05 Apr 2023)"
    page.locator(".im-slider button").first.click()  # previous
    assert state(page)["label"] == "March 2023" and fill_of(page, "Jalalabad") == march
    page.locator(".im-slider select").select_option("cumulative")
    page.keyboard.press("ArrowRight")
    s = state(page)
    assert s["mode"] == "cumulative" and s["markers"] == 4
    assert fill_of(page, "Jalalabad") != zero and fill_of(page, "Hirat") != zero
    assert page.problems == []


def test_play_button(page):
    page.locator(".im-slider button").nth(1).click()
    page.wait_for_function("window.incidentmapInstances[0].state().period === 1", timeout=5000)
    assert state(page)["label"] == "April 2023"
    page.wait_for_function("!window.incidentmapInstances[0].state().playing", timeout=5000)


def test_user_text_is_shown_as_text_and_never_runs(page):
    assert page.locator(".im-title").inner_text() == "<b>Test</b> briefing"
    assert page.title() == "<b>Test</b> briefing"
    page.evaluate("""() => { const m = window.incidentmapInstances[0];
        m.pointLayer.eachLayer(l => {
            if (l.getRadius && l.getLatLng().lat > 34.4315) l.openPopup(); }); }""")
    popup = page.locator(".im-popup")
    popup.wait_for()
    text = popup.inner_text()
    assert XSS_NOTE in text and XSS_ACTOR in text
    assert page.locator(".leaflet-popup img").count() == 0
    assert page.locator(".leaflet-popup script").count() == 0
    page.wait_for_timeout(300)
    assert page.problems == []  # no alert dialog, no request for "x"


def test_cli_map_kinds_render(browser, capsys, use_cache, tmp_path):
    for kind in ("choropleth", "points"):
        out = tmp_path / f"{kind}.html"
        code, _, err = run(
            capsys,
            "map",
            DATA / "acled.csv",
            "--kind",
            kind,
            "--offline",
            "--period",
            "week",
            "-o",
            out,
        )
        assert code == 0, err
        pg = browser.new_page()
        problems = []
        pg.on("pageerror", lambda e, problems=problems: problems.append(str(e)))
        pg.route(
            "**/*",
            lambda r, problems=problems: (
                r.continue_()
                if r.request.url.startswith(("file:", "data:"))
                else (problems.append(r.request.url), r.abort())
            ),
        )
        pg.goto(out.as_uri())
        pg.wait_for_selector("[data-im-ready]")
        assert problems == []
        assert pg.evaluate("window.incidentmapInstances.length") == 1
        pg.close()


def test_markup_in_column_names_and_categories(browser, capsys, use_cache, tmp_path):
    evil = "<img src=x onerror=alert(3)>"
    src = tmp_path / "evil.csv"
    src.write_text(
        f'date,latitude,longitude,event_type,"{evil}"\n2023-03-02,34.43,70.45,"<b>{evil}</b>",4\n'
    )
    out = tmp_path / "evil.html"
    code, _, err = run(
        capsys, "brief", src, "-o", out, "--measure", evil, "--title", evil,
        "--color-by", "event_type",
    )  # fmt: skip
    assert code == 0, err
    pg = browser.new_page()
    problems = []
    pg.on("dialog", lambda d: (problems.append(d.message), d.dismiss()))
    pg.on("pageerror", lambda e: problems.append(str(e)))
    pg.goto(out.as_uri())
    pg.wait_for_selector("[data-im-ready]")
    pg.wait_for_timeout(300)
    assert evil in pg.locator(".leaflet-control-layers").inner_text()
    assert f"<b>{evil}</b>" in pg.locator(".im-legend").inner_text()
    assert pg.locator("img[src=x]").count() == 0
    assert problems == []
    pg.close()


def test_too_many_points_are_counted_per_cell_and_the_page_says_so(
    browser, capsys, use_cache, tmp_path
):
    # the real GTD export (1,783 incidents) with a limit of 200: circles count incidents
    # per grid cell and period; a cell's popup text comes from the file, escaped
    import geopandas as gpd

    import incidentmap as im
    from tests.conftest import INCIDENTS

    evil = "<img src=x onerror=alert(4)>"
    g = geocode_file(INCIDENTS / "gtd_afg_2004_2009_towns.csv", on_bad="keep")
    g["event_type"] = g["event_type"].where(g.index % 2 == 0, evil)
    src = tmp_path / "gtd.gpkg"
    im.write_layer(g, src)
    out = tmp_path / "grid.html"
    code, _, err = run(
        capsys, "map", src, "--kind", "points", "--period", "year", "--max-points", "200",
        "--color-by", "event_type", "--offline", "-o", out,
    )  # fmt: skip
    assert code == 0, err
    assert "drawn as counts per grid cell" in err
    back = gpd.read_file(src)
    # drawn: the incidents placed at a point; those placed only to an area are counted in
    # the areas and named in the legend (issue 16)
    at_point = back.geometry.notna() & ~back["geocode_precision"].isin(["district", "province"])
    placed = back[at_point]
    area_only = int((back.geometry.notna() & ~at_point).sum())
    per_year = placed["date"].astype(str).str[:4].value_counts()
    ctx, pg = open_page(browser, out)
    try:
        note = pg.locator(".im-grid-note").inner_text()
        assert f"{len(placed):,} incidents" in note and "over 200" in note
        assert evil in pg.locator(".im-legend").inner_text()  # a category, shown as text
        assert (
            f"{area_only:,} placed only to a district or province"
            in pg.locator(".im-legend").inner_text()
        )
        years = pg.evaluate("window.incidentmapInstances[0].data.periods")
        for t, label in enumerate(years):
            pg.evaluate(f"window.incidentmapInstances[0].setPeriod({t})")
            s = state(pg)
            assert s["visiblePoints"] == per_year.get(label, 0), label  # every incident counted
        n_items = pg.evaluate("window.incidentmapInstances[0].data.points.n")
        assert n_items <= 200
        pg.evaluate("""() => { const m = window.incidentmapInstances[0];
            m.map.setZoom(12); m.setPeriod(0);
            let done = false;
            m.pointLayer.eachLayer(l => {
                if (!done && l.getRadius) { l.openPopup(); done = true; } });
        }""")
        popup = pg.locator(".im-popup")
        popup.wait_for()
        assert "Incidents" in popup.inner_text()
        pg.wait_for_timeout(300)
        assert pg.locator("img[src=x]").count() == 0
        assert pg.problems == []
    finally:
        ctx.close()


def test_map_is_offline_by_default_and_online_only_when_asked(browser, capsys, use_cache, tmp_path):
    # `map` with no flag writes a page that works with no network (issue 16: it loaded
    # Leaflet, jQuery, Bootstrap and Font Awesome from other hosts and was a grey page)
    sample = ROOT / "geo" / "sample_incidents.csv"
    out = tmp_path / "m.html"
    code, _, err = run(capsys, "map", sample, "--level", "province", "--period", "year", "-o", out)
    assert code == 0, err
    assert "offline" in err
    ctx, pg = open_page(browser, out)
    try:
        assert pg.problems == []  # no request to another host, no script error
        assert pg.evaluate("window.incidentmapInstances[0].areaLayers.length") == 34
        assert "Incidents per province" in pg.locator(".im-legend").inner_text()
    finally:
        ctx.close()
    online = tmp_path / "online.html"
    code, _, err = run(capsys, "map", sample, "--level", "province", "--online", "-o", online)
    assert code == 0, err
    text = online.read_text()
    assert "cdn.jsdelivr.net" in text and "online" in err
    assert "cdn.jsdelivr.net" not in out.read_text()


@pytest.mark.parametrize(
    ("name", "cited"),
    [
        ("acled_afg_2017on_province_level.xlsx", "Armed Conflict Location & Event Data Project"),
        ("ucdp_ged_afg_realcaddish.geojson", "UCDP Georeferenced Event Dataset (GED)"),
        # words in FATALITIES (shifted cells) are unknown tolls, not a refusal
        ("gtd_afg_2004_2009_towns.csv", "Global Terrorism Database (GTD)"),
        # comment lines name the columns and the first day; no options needed
        ("wardiary_points_2004_2009.csv", "wardiary_points_2004_2009.csv"),
        (None, "sample_incidents.csv"),
    ],
)
def test_brief_with_no_options_on_real_files_draws_a_page(
    browser, capsys, use_cache, tmp_path, name, cited
):
    # issue 16: the first command a user types on the ACLED file wrote an empty grid (district
    # level of province-only rows, no period, a script error); now the level comes from the data
    from tests.conftest import INCIDENTS

    src = INCIDENTS / name if name else ROOT / "geo" / "sample_incidents.csv"
    out = tmp_path / "b.html"
    code, _, err = run(capsys, "brief", src, "-o", out)
    assert code == 0, err
    assert "note: level:" in err
    ctx, pg = open_page(browser, out)
    try:
        assert pg.problems == []
        n_periods = pg.evaluate("window.incidentmapInstances[0].data.periods.length")
        assert n_periods >= 2
        assert pg.locator(".im-legend").inner_text().strip()
        assert cited in pg.locator(".leaflet-control-attribution").inner_text()
        if name and name.startswith("acled"):
            # issue 16: 69,172 province-level events sat on 34 stand-in points under cluster
            # bubbles; they are counted in the provinces and not drawn as points
            legend = pg.locator(".im-legend").inner_text()
            assert "69,172 placed only to a district or province" in legend
            assert pg.locator(".im-cluster-box").count() == 0
            drawn = pg.evaluate("window.incidentmapInstances[0].pointLayer.getLayers().length")
            assert drawn == 0
    finally:
        ctx.close()


def _pixel_of(pg, lon, lat):
    return pg.evaluate(
        """([lon, lat]) => { const m = window.incidentmapInstances[0];
            const p = m.map.latLngToContainerPoint([lat, lon]);
            const r = m.map.getContainer().getBoundingClientRect();
            return [r.left + p.x, r.top + p.y]; }""",
        [lon, lat],
    )


def _hover_text(pg, x, y, want, tries=10):
    """Move the mouse onto (x, y) as a hand would and return whether a tooltip says ``want``.

    Leaflet's canvas reads the mouse at most every 32 ms: the last move may arrive before the
    canvas looks, so the hand keeps moving a pixel or two, as a hand does."""
    pg.mouse.move(10, 10)
    pg.mouse.move(x, y, steps=10)
    for i in range(tries):
        pg.wait_for_timeout(80)
        pg.mouse.move(x + (i % 3) - 1, y + (i % 2), steps=2)
        tip = pg.locator(".leaflet-tooltip")
        if tip.count() and want in tip.first.inner_text():
            return True
    return False


def test_area_tooltips_open_under_a_real_mouse_with_points_on_and_off(
    browser, capsys, use_cache, tmp_path
):
    # issue 16: on the README's own briefing the points canvas lay over the areas and took
    # every mouse event, so no province ever showed its tooltip under the mouse
    out = tmp_path / "briefing.html"
    code, _, err = run(
        capsys, "brief", ROOT / "geo" / "sample_incidents.csv", "--group", "isis-k", "-o", out,
        "--level", "province", "--period", "year",
    )  # fmt: skip
    assert code == 0, err
    ctx, pg = open_page(browser, out)
    try:
        ghor = pg.evaluate(
            """() => window.incidentmapInstances[0].data.labels.items
                 .find((it) => it[2] === 'Ghor' && it[3] === 0)"""
        )
        for points_on in (True, False):
            if not points_on:  # the layer control's own checkbox, clicked as a reader would
                pg.get_by_label("Incidents (points)").uncheck()
            x, y = _pixel_of(pg, ghor[0], ghor[1])
            assert _hover_text(pg, x, y, "Ghor"), points_on
        assert pg.problems == []
    finally:
        ctx.close()
