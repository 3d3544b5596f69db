"""Issue 28, items 4 and 7 and the label defect, in a real headless Chromium (offline):
the search box, print, a phone-sized window, the screen-reader summary, and town names."""

from __future__ import annotations

import io

import numpy as np
import pytest
import shapely

import incidentmap as im
from incidentmap.gazetteer import geonames_places, loose_key, name_key, provinces
from incidentmap.gazetteer.names import name_keys
from incidentmap.pipeline import load_incidents
from tests.conftest import INCIDENTS, ROOT
from tests.test_browser import browser, open_page  # noqa: F401  (the Chromium fixture)

SAMPLE = ROOT / "geo" / "sample_incidents.csv"
GTD = INCIDENTS / "gtd_afg_2004_2009_towns.csv"
HOSTILE = "<img src=x onerror=alert(1)>"
HOSTILE_PLACE = "<script>alert(2)</script> Kot"


@pytest.fixture(scope="module")
def sample_page(cache, tmp_path_factory):
    out = tmp_path_factory.mktemp("search") / "sample.html"
    from incidentmap.cli import main

    try:
        main(
            ["brief", str(SAMPLE), "-o", str(out), "--level", "province", "--period", "year", "-q"]
        )
    except SystemExit as exc:
        assert exc.code == 0
    return out


@pytest.fixture
def page(browser, sample_page):  # noqa: F811
    ctx, pg = open_page(browser, sample_page)
    yield pg
    assert pg.problems == []
    ctx.close()


def _state(pg):
    return pg.evaluate(
        """() => { const m = window.incidentmapInstances[0], c = m.map.getCenter();
           return {lat: c.lat, lon: c.lng, zoom: m.map.getZoom(), picked: m.search.picked,
                   period: m.t}; }"""
    )


def _province(name):
    layer = im.load_boundaries("province")
    return layer.loc[layer["province"] == name].geometry.iloc[0]


@pytest.mark.parametrize("typed", ["Mazar", "مزار", "Mazari Sharif", "masar-i-scharif"])
def test_search_finds_mazar_in_any_spelling_and_zooms_to_balkh(page, typed):
    box = page.locator(".im-search-input")
    box.fill(typed)
    first = page.locator(".im-search-results li").first
    assert "Mazar" in first.inner_text()
    box.press("Enter")
    s = _state(page)
    assert s["picked"]["province"] == "Balkh"
    assert "Mazar" in s["picked"]["name"]
    assert s["zoom"] >= 9
    assert _province("Balkh").contains(shapely.Point(s["lon"], s["lat"]))


def test_search_finds_provinces_by_their_dari_names_and_aliases(page):
    box = page.locator(".im-search-input")
    for typed, want in (("هرات", "Herat"), ("Hirat", "Herat"), ("Nangarhar", "Nangarhar")):
        box.fill(typed)
        box.press("Enter")
        s = _state(page)
        assert s["picked"]["kind"] == "province" and s["picked"]["name"] == want
        assert _province(want).contains(shapely.Point(s["lon"], s["lat"]))


def test_search_is_keyboard_usable_and_leaves_the_slider_alone(page):
    before = _state(page)["period"]
    page.focus(".im-search-input")
    page.keyboard.type("Kabul")
    box = page.locator(".im-search-input")
    assert box.get_attribute("aria-expanded") == "true"
    options = page.locator(".im-search-results li[role=option]")
    n = options.count()
    assert n >= 3
    first_id = box.get_attribute("aria-activedescendant")
    page.keyboard.press("ArrowDown")
    second_id = box.get_attribute("aria-activedescendant")
    assert second_id != first_id
    assert page.locator(f"#{second_id}").get_attribute("aria-selected") == "true"
    page.keyboard.press("ArrowUp")
    assert box.get_attribute("aria-activedescendant") == first_id
    page.keyboard.press("ArrowUp")  # wraps to the last
    assert box.get_attribute("aria-activedescendant").endswith(f"-{n - 1}")
    page.keyboard.press("ArrowLeft")  # the text field keeps its keys: the slider stays
    assert _state(page)["period"] == before
    page.keyboard.press("Escape")
    assert box.get_attribute("aria-expanded") == "false"
    assert box.input_value() == "Kabul"
    page.keyboard.press("Escape")
    assert box.input_value() == ""
    page.focus(".im-search-input")
    page.keyboard.type("Kandahar")
    page.keyboard.press("Enter")
    s = _state(page)
    assert s["picked"]["name"] == "Kandahar" and s["picked"]["kind"] == "province"
    assert "shown on the map" in page.locator(".im-search-status").inner_text()


def test_hostile_names_are_shown_as_text(page):
    page.evaluate(
        """([bad, place]) => { const m = window.incidentmapInstances[0];
           window.IncidentMapSearch.attach({map: m.map, data: {search: {
             p: [[bad, 6500, 3300, 100, 100, bad]], d: [],
             t: [[place, 0, 66000, 34000, ""]]}}}); }""",
        [HOSTILE, HOSTILE_PLACE],
    )
    boxes = page.locator(".im-search-input")
    assert boxes.count() == 2
    for typed, want in (("img src", HOSTILE), ("script", HOSTILE_PLACE)):
        hostile = boxes.nth(0)  # the newest box is first in its corner
        hostile.fill(typed)
        names = page.locator(".im-search-results li .im-search-name").all_inner_texts()
        assert want in names
        hostile.press("Enter")
    assert page.locator(".im-search img, .im-search script").count() == 0
    assert page.evaluate("document.querySelectorAll('img[src=x]').length") == 0
    assert page.problems == []


def _names_for_parity():
    names = {"Sar-e Pul", "Mazar i Sharif", "Wilayat-e Balkh", "Kabul city", "Dara-I-Nur",
             "Khost (Matun)", "ولسوالی نهرین", "Qal'a-ye Now", "Chaghcharan", "Tarin Kowt",
             "Lashkar Gāh", "ʿAlī Shēr", "Pul-e Khumri district", "Shahr-e Naw"}  # fmt: skip
    for p in provinces().values():
        names |= {p.name, p.name_dari, *p.aliases}
    names |= set(im.load_boundaries("district")["district"].astype(str))
    for c in geonames_places():
        names |= {c["name"], *c.get("alternatenames", [])}
    return sorted(n for n in names if n and n.strip())


def test_the_page_keys_names_exactly_as_the_gazetteer_does(page):
    names = _names_for_parity()
    assert len(names) > 1500
    got = page.evaluate(
        """(names) => names.map((n) => { const s = window.IncidentMapSearch;
           return [s.nameKey(n, false), s.nameKey(n, true), s.looseKey(n), s.nameKeys(n)]; })""",
        names,
    )
    want = [
        [name_key(n), name_key(n, drop_connector=True), loose_key(n), name_keys(n)] for n in names
    ]
    wrong = [(n, g, w) for n, g, w in zip(names, got, want, strict=True) if g != w]
    assert wrong == []


def _pdf_pages(pg, fmt):
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pg.pdf(format=fmt, landscape=True, print_background=True)))
    return [p.extract_text() for p in reader.pages]


def test_print_puts_the_map_on_page_one_and_the_event_list_after(page):
    own_list = page.locator(".im-events").count() > 0
    for fmt in ("A4", "Letter"):
        pages = _pdf_pages(page, fmt)
        assert len(pages) == (2 if own_list else 1)  # 7 events fit one page after the map's
        first = pages[0]
        for part in ("Incidents per province", "Top provinces", "52 incidents", "suicide attack"):
            assert part in first, (fmt, part)
        assert "Incidents by province" not in first  # the layer control is not printed
        assert "Filters" not in first
    if not own_list:  # a list of that class, in the map as the page's own is
        page.evaluate(
            """() => { const m = window.incidentmapInstances[0];
               const c = L.control({position: 'bottomright'});
               c.onAdd = () => { const d = document.createElement('div');
                 d.className = 'im-control im-events'; d.style.maxHeight = '200px';
                 d.style.overflow = 'auto'; const t = document.createElement('table');
                 for (let i = 0; i < 150; i++) {
                   t.insertRow().insertCell().textContent = 'EVROW' + i + ' x'; }
                 d.appendChild(t); return d; };
               c.addTo(m.map); }"""
        )
    heading = page.locator(".im-events").inner_text().strip().split("\n")[0].strip()
    assert heading
    for fmt in ("A4", "Letter"):
        pages = _pdf_pages(page, fmt)
        assert len(pages) >= 2
        assert "Incidents per province" in pages[0]
        assert heading not in pages[0]
        assert heading in pages[1]
    # after printing, the list is back where it was
    assert page.locator(".im-events").evaluate("(n) => !!n.closest('.leaflet-container')")
    assert page.locator(".im-print-events").count() == 0


def test_a_phone_sized_window_overlaps_nothing(browser, sample_page):  # noqa: F811
    ctx = browser.new_context(viewport={"width": 390, "height": 844})
    pg = ctx.new_page()
    errors = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.goto(sample_page.as_uri())
    pg.wait_for_selector("[data-im-ready]")
    boxes = pg.evaluate(
        """() => [...document.querySelectorAll('.leaflet-control')]
             .filter((n) => n.offsetParent && getComputedStyle(n).display !== 'none')
             .map((n) => { const b = n.getBoundingClientRect();
                           const name = n.className.split(' ').slice(0, 3).join(' ');
                           return [name, b.left, b.top, b.right, b.bottom]; })"""
    )
    assert len(boxes) >= 6
    for name, x0, y0, x1, y1 in boxes:
        assert x0 >= -0.5 and x1 <= 390.5 and y0 >= -0.5 and y1 <= 844.5, name
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            w = min(a[3], b[3]) - max(a[1], b[1])
            h = min(a[4], b[4]) - max(a[2], b[2])
            assert w <= 0.5 or h <= 0.5, f"{a[0]} over {b[0]}"
    # the country stays in sight: most of its outline's box is under no control
    country = pg.evaluate(
        """() => { const m = window.incidentmapInstances[0];
                   const b = m.outlineLayer.getBounds();
                   const p = m.map.latLngToContainerPoint(b.getNorthWest()),
                         q = m.map.latLngToContainerPoint(b.getSouthEast());
                   return [p.x, p.y, q.x, q.y]; }"""
    )
    grid = np.zeros((844, 390), dtype=bool)
    for _n, x0, y0, x1, y1 in boxes:
        grid[max(0, int(y0)) : int(np.ceil(y1)), max(0, int(x0)) : int(np.ceil(x1))] = True
    cx0, cy0, cx1, cy1 = (round(v) for v in country)
    cx0, cy0 = max(cx0, 0), max(cy0, 0)
    part = grid[cy0:cy1, cx0:cx1]
    assert part.size > 0.25 * 390 * 844 * 0.5  # a good part of the screen is the country
    assert part.mean() < 0.2
    # the search box still works at this size
    pg.fill(".im-search-input", "Mazar")
    pg.press(".im-search-input", "Enter")
    assert pg.evaluate("window.incidentmapInstances[0].search.picked.province") == "Balkh"
    assert errors == []
    ctx.close()


def test_the_screen_reader_summary_follows_the_period(page):
    live = page.locator(".im-a11y-summary")
    assert live.get_attribute("aria-live") == "polite"
    first = live.inner_text()
    label = page.evaluate(
        "window.incidentmapInstances[0].data.periods[window.incidentmapInstances[0].t]"
    )
    assert label in first and "incidents" in first.lower()
    page.evaluate("window.incidentmapInstances[0].setPeriod(0)")
    page.wait_for_timeout(100)
    then = live.inner_text()
    label0 = page.evaluate("window.incidentmapInstances[0].data.periods[0]")
    assert then != first and label0 in then
    # keyboard: the slider's arrow moves the period and the summary says so
    page.focus(".im-slider input[type=range]")
    page.keyboard.press("ArrowRight")
    page.wait_for_timeout(150)
    label1 = page.evaluate("window.incidentmapInstances[0].data.periods[1]")
    assert label1 in live.inner_text()
    # without the page's view event, the summary is read from the map's own state
    text = page.evaluate("window.IncidentMapA11y.summary(window.incidentmapInstances[0], {})")
    assert label1 in text and "Filters: none" in text
    # never seen: the summary takes no room on the screen
    box = live.bounding_box()
    assert box is None or (box["width"] <= 1 and box["height"] <= 1)


# -- the label defect: towns where events happened keep their names at the opening zoom -----


@pytest.fixture(scope="module")
def gtd_page(cache, tmp_path_factory):
    out = tmp_path_factory.mktemp("labels") / "gtd.html"
    from incidentmap.cli import main

    try:
        main(["brief", str(GTD), "-o", str(out), "-q"])
    except SystemExit as exc:
        assert exc.code == 0
    return out


TOWNS = {"Herat": "Herat", "Mazar-e Sharif": "Balkh", "Kunduz": "Kunduz", "Lashkar Gah": "Helmand"}


def _shown(pg):
    return pg.evaluate(
        """() => { const m = window.incidentmapInstances[0];
           return m.labelItems.filter((x) => x.node.style.display !== 'none')
                              .map((x) => [x.rank, x.node.textContent]); }"""
    )


def test_towns_with_events_come_before_the_province_names(browser, gtd_page):  # noqa: F811
    g, _ = load_incidents(GTD)
    ctx, pg = open_page(browser, gtd_page)
    try:
        items = pg.evaluate("window.incidentmapInstances[0].data.labels.items")
        towns = {it[2]: it for it in items if it[3] == 1}
        pts = g.geometry[~(g.geometry.isna() | g.geometry.is_empty)]
        for town in TOWNS:
            it = towns[town]
            near = ((pts.x - it[0]).abs() <= 0.1) & ((pts.y - it[1]).abs() <= 0.1)
            assert near.any(), town  # events happened there, by the library's placing
            assert len(it) > 4 and it[4] < 0, town
        shown = _shown(pg)
        names = {n for rank, n in shown if rank == 1}
        assert {"Herat", "Mazar-e Sharif"} <= names
        provinces_shown = [n for rank, n in shown if rank == 0]
        assert len(provinces_shown) >= 22
        assert pg.problems == []
    finally:
        ctx.close()


def test_kunduz_and_lashkar_gah_are_named_at_the_opening_zoom(browser, gtd_page):  # noqa: F811
    ctx, pg = open_page(browser, gtd_page)
    try:
        names = {n for rank, n in _shown(pg) if rank == 1}
        assert set(TOWNS) <= names
    finally:
        ctx.close()


def test_search_on_a_district_map_zooms_to_the_page_own_district(browser, gtd_page):  # noqa: F811
    ctx, pg = open_page(browser, gtd_page)
    try:
        assert pg.evaluate("window.incidentmapInstances[0].data.search.da") == 1
        layer = im.load_boundaries("district")
        # the district by its name; in Dari, the town (the gazetteer has no Dari district names)
        for typed, kind in (("Nahrin", "district"), ("نهرین", "place")):
            pg.fill(".im-search-input", typed)
            pg.press(".im-search-input", "Enter")
            s = _state(pg)
            assert s["picked"] == {"name": "Nahrin", "kind": kind, "province": "Baghlan"}
            shape = layer.loc[layer["district"] == "Nahrin"].geometry.iloc[0]
            assert shape.contains(shapely.Point(s["lon"], s["lat"]))
            assert s["zoom"] >= 8
        pg.fill(".im-search-input", "مزار")
        pg.press(".im-search-input", "Enter")
        assert _state(pg)["picked"]["province"] == "Balkh"
        assert pg.problems == []
    finally:
        ctx.close()


def test_search_finds_a_district_on_a_province_map(page):
    assert page.evaluate("window.incidentmapInstances[0].data.search.dl") == 1
    layer = im.load_boundaries("district")
    for typed, district, province in (("Nahrin", "Nahrin", "Baghlan"), ("Hirat", "Hirat", "Herat")):
        page.fill(".im-search-input", typed)
        names = page.locator(".im-search-results li").all_inner_texts()
        assert any(district in n and "district" in n for n in names), names
        index = next(i for i, n in enumerate(names) if "district" in n)
        for _ in range(index):
            page.keyboard.press("ArrowDown")
        page.press(".im-search-input", "Enter")
        s = _state(page)
        assert s["picked"] == {"name": district, "kind": "district", "province": province}
        shape = layer.loc[layer["district"] == district].geometry.iloc[0]
        assert shape.contains(shapely.Point(s["lon"], s["lat"]))
