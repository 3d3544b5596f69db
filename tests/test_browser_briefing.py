"""The briefing page's analysis parts in headless Chromium: timeline, labels, clusters, surges.

One page is built from incidents whose right answers are known: Jalalabad has one incident a
week for four weeks and then three (a surge by ACLED's rule in week 5), Kabul has 450 in
week 6 (more than the page draws one by one: clustered), and one row carries hostile text in
its actor, event type and category.
"""

from __future__ import annotations

import csv
import random
import re

import pytest

from tests.test_browser import CHROMIUM, browser, open_page  # noqa: F401 (fixture)

EVIL_ACTOR = "<img src=x onerror=alert(9)>"
EVIL_TYPE = "<svg onload=alert(8)>"
EVIL_CATEGORY = "<iframe srcdoc='<script>alert(7)</script>'>"
WEEKS = ["2023-01-02", "2023-01-09", "2023-01-16", "2023-01-23", "2023-01-30", "2023-02-06"]
KABUL_N = 450


def _rows() -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for i, day in enumerate(WEEKS[:4]):
        rows.append(
            {
                "event_id": f"J{i}",
                "date": day,
                "latitude": 34.43,
                "longitude": 70.45,
                "event_type": "Explosions",
                "actor": "ISKP",
                "fatalities": 1,
            }
        )
    for i in range(3):
        rows.append(
            {
                "event_id": f"J5{i}",
                "date": "2023-02-01",
                "latitude": 34.43,
                "longitude": 70.45,
                "event_type": "Armed clash",
                "actor": "ISKP",
                "fatalities": 0,
            }
        )
    rnd = random.Random(7)
    for i in range(KABUL_N):
        rows.append(
            {
                "event_id": f"K{i}",
                "date": "2023-02-08",
                "latitude": round(34.52 + rnd.uniform(-0.03, 0.03), 5),
                "longitude": round(69.17 + rnd.uniform(-0.03, 0.03), 5),
                "event_type": "Shelling",
                "actor": "Taliban",
                "fatalities": 0,
            }
        )
    rows.append(
        {
            "event_id": "H1",
            "date": "2023-01-10",
            "latitude": 34.35,
            "longitude": 62.20,
            "event_type": EVIL_TYPE,
            "actor": EVIL_ACTOR,
            "fatalities": 2,
        }
    )
    return rows


def _main(*args: object) -> object:
    from incidentmap.cli import main

    try:
        main([str(a) for a in args])
    except SystemExit as exc:
        return exc.code
    return 0


@pytest.fixture(scope="module")
def page_file(cache, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("briefing")
    raw = tmp / "incidents.csv"
    with raw.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(_rows()[0]))
        w.writeheader()
        w.writerows(_rows())
    geocoded = tmp / "geocoded.csv"
    assert _main("geocode", raw, "-o", geocoded) == 0
    # a geocoded file whose category column was edited by hand: its text reaches the page
    with geocoded.open(newline="", encoding="utf-8") as fh:
        table = list(csv.DictReader(fh))
    for r in table:
        if r["event_id"] == "H1":
            r["category"] = EVIL_CATEGORY
    with geocoded.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(table[0]))
        w.writeheader()
        w.writerows(table)
    out = tmp / "briefing.html"
    code = _main(
        "brief", geocoded, "-o", out, "--period", "week", "--title", "Analysis parts", "--hotspots"
    )
    assert code == 0
    return out


@pytest.fixture
def pg(browser, page_file):  # noqa: F811 (the imported fixture)
    ctx, p = open_page(browser, page_file)
    p.wait_for_timeout(300)
    yield p
    assert p.problems == []
    ctx.close()


def state(p):
    return p.evaluate("window.incidentmapInstances[0].state()")


def set_period(p, t):
    p.evaluate(f"window.incidentmapInstances[0].setPeriod({t})")
    p.wait_for_timeout(120)


def test_timeline_counts_and_click_jumps_the_slider(pg):
    total = pg.evaluate(
        """() => { const tl = window.incidentmapInstances[0].data.timeline;
                   return [tl.categories, window.incidentmapInstances[0].data.periods]; }"""
    )
    cats, periods = total
    assert periods[0].startswith("2 Jan 2023") or "2023" in periods[0]
    assert len(periods) == len(WEEKS)
    svg = pg.locator(".im-timeline svg")
    box = svg.bounding_box()
    n = len(WEEKS)
    for t in (2, 0, n - 1):
        pg.mouse.click(box["x"] + (t + 0.5) * box["width"] / n, box["y"] + box["height"] / 3)
        pg.wait_for_timeout(80)
        s = state(pg)
        assert s["period"] == t
        assert s["label"] == periods[t]
        shown = pg.locator(".im-slider .im-label").inner_text()
        assert shown == pg.evaluate(f"window.incidentmapInstances[0].periodText({t})")
        assert shown.startswith(periods[t])
        assert s["timelineX"] == pytest.approx(t * box["width"] / n, abs=1.0)
    # drag from the first bar to the fourth: the slider follows
    pg.mouse.move(box["x"] + 2, box["y"] + 10)
    pg.mouse.down()
    pg.mouse.move(box["x"] + 3.5 * box["width"] / n, box["y"] + 10, steps=5)
    pg.mouse.up()
    assert state(pg)["period"] == 3
    # the bar heights add up to the counts: one <title> per stacked piece
    tips = pg.locator(".im-timeline svg rect title").evaluate_all(
        "ts => ts.map(t => t.textContent)"
    )
    by_period: dict[str, int] = {}
    for tip in tips:
        label, _, rest = tip.partition(": ")
        by_period[label] = by_period.get(label, 0) + int(rest.rsplit(" ", 1)[1])
    assert sum(by_period.values()) == len(_rows())
    assert by_period[periods[5]] == KABUL_N
    assert "explosive/IED" in cats


def test_labels_are_in_the_dom_and_never_overlap(pg):
    assert pg.locator(".im-name-province").count() == 34
    assert state(pg)["labelsShown"] > 10

    def shown_boxes():
        return pg.evaluate(
            """() => Array.from(document.querySelectorAll('.im-name'))
                 .filter(n => n.style.display !== 'none')
                 .map(n => { const r = n.getBoundingClientRect();
                             return [n.textContent, r.left, r.top, r.right, r.bottom]; })"""
        )

    def assert_no_overlap(boxes):
        for i, a in enumerate(boxes):
            for b in boxes[i + 1 :]:
                overlap = a[1] < b[3] and a[3] > b[1] and a[2] < b[4] and a[4] > b[2]
                assert not overlap, (a, b)

    boxes = shown_boxes()
    names = {b[0] for b in boxes}
    assert {"Nangarhar", "Kunar", "Kandahar", "Herat"} <= names
    assert_no_overlap(boxes)
    assert not any(
        pg.locator(".im-name-district").evaluate_all(
            "ns => ns.map(n => n.style.display !== 'none')"
        )
    )
    # zoomed in on Jalalabad, district names appear, still without overlap
    pg.evaluate(
        "() => { window.incidentmapInstances[0].map.setView([34.43, 70.45], 9, {animate: false}); }"
    )
    pg.wait_for_timeout(300)
    boxes = shown_boxes()
    assert "Jalalabad" in {b[0] for b in boxes}
    assert_no_overlap(boxes)
    # the layer control hides them
    pg.locator(".leaflet-control-layers").hover()
    pg.locator(".leaflet-control-layers-overlays label", has_text="Place names").click()
    pg.wait_for_timeout(150)
    assert shown_boxes() == []
    assert state(pg)["labelsShown"] == 0 or pg.locator(".im-name").count() == 0


def test_clusters_have_a_legend_entry_their_own_colour_and_counts(pg):
    legend = pg.locator(".im-legend")
    assert "cluster of n incidents" in legend.inner_text()
    cluster_colour = pg.evaluate(
        "window.incidentmapInstances[0].data.points.clusterColor.toLowerCase()"
    )
    cat_colours = pg.evaluate(
        "window.incidentmapInstances[0].data.points.catColors.map(c => c.toLowerCase())"
    )
    assert cluster_colour not in cat_colours
    set_period(pg, 5)
    s = state(pg)
    assert s["clustered"] is True
    counts = [int(t.replace(",", "")) for t in pg.locator(".im-cluster").all_inner_texts()]
    assert counts and sum(counts) == KABUL_N
    assert max(counts) > 1
    set_period(pg, 0)
    assert state(pg)["clustered"] is False


def test_surge_panel_and_outlines_follow_the_surge_rule(pg):
    set_period(pg, 3)  # the fourth week: no 4 weeks before it
    assert state(pg)["surge"] == []
    assert "not enough history" in pg.locator(".im-surge").inner_text()
    assert "Surge, " in pg.locator(".im-surge").inner_text()
    set_period(pg, 4)
    s = state(pg)
    assert s["surge"] == ["Jalalabad"]
    text = pg.locator(".im-surge").inner_text()
    assert "Jalalabad: 3 (mean before 1)" in text
    assert "twice the mean count of the 4 weeks before" in text
    colour = pg.evaluate(
        """() => { const m = window.incidentmapInstances[0];
                   const i = m.data.areas.names.indexOf('Jalalabad');
                   return [m.areaLayers[i].options.color, m.areaLayers[i].options.dashArray]; }"""
    )
    assert colour == ["#c1121f", "6 3"]
    set_period(pg, 5)
    assert state(pg)["surge"] == []  # Kabul's 450 come after four empty weeks: below the floor
    # and the data end inside that last week: it is not compared as if it were complete
    assert "not compared: the data end inside this period" in pg.locator(".im-surge").inner_text()


def test_hostile_actor_type_and_category_stay_text(pg):
    # the edited category reaches the timeline key and the points legend as plain text
    assert EVIL_CATEGORY in pg.locator(".im-timeline-key").inner_text()
    assert EVIL_CATEGORY in pg.locator(".im-legend").inner_text()
    assert pg.locator("iframe").count() == 0
    # the actor and the event type in the popup of the Herat incident
    set_period(pg, 1)
    pg.evaluate(
        """() => { const m = window.incidentmapInstances[0];
                   m.map.setView([34.35, 62.20], 10, {animate: false}); }"""
    )
    pg.wait_for_timeout(300)
    pt = pg.evaluate(
        """() => { const m = window.incidentmapInstances[0];
                   const p = m.map.latLngToContainerPoint([34.35, 62.20]);
                   const r = m.map.getContainer().getBoundingClientRect();
                   return [p.x + r.left, p.y + r.top]; }"""
    )
    pg.mouse.click(pt[0], pt[1])
    pg.wait_for_selector(".leaflet-popup-content", timeout=3000)
    popup = pg.locator(".leaflet-popup-content").inner_text()
    assert EVIL_ACTOR in popup and EVIL_TYPE in popup
    assert pg.locator(".leaflet-popup-content img, .leaflet-popup-content svg").count() == 0


def test_prints_on_one_landscape_page(pg):
    pg.emulate_media(media="print")
    pg.wait_for_timeout(200)
    pdf = pg.pdf(prefer_css_page_size=True, print_background=True)
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert pages in (1, 2)  # the map on one page; the short event list after it (print.css)
    size = re.search(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\]", pdf)
    assert size and float(size.group(1)) > float(size.group(2))  # landscape
    # in print, map, legend, timeline and panels are all inside the page's box
    boxes = pg.evaluate(
        """() => ['.leaflet-container', '.im-legend', '.im-timeline', '.im-top', '.im-surge']
             .map(s => { const r = document.querySelector(s).getBoundingClientRect();
                         return [s, r.left, r.top, r.right, r.bottom]; })"""
    )
    width, height = pg.evaluate("[window.innerWidth, window.innerHeight]")
    for sel, left, top, right, bottom in boxes:
        assert left >= 0 and top >= 0 and right <= width + 1 and bottom <= height + 1, sel


def test_hot_spot_layer_calls_no_quiet_neighbour_of_a_dense_district_hot(pg, cache):
    """Kabul's 450 incidents in week 6 and none around it: Gi* scores its quiet neighbours
    high (their neighbourhood holds Kabul), and the page outlined them as hot spots; an
    area with no events is no hot spot (as `trends`), and Kabul alone, among neighbours of
    zeros, is no significant cluster either. The tooltip still says what Gi* makes of an
    area; the layer control hides the outlines."""
    import incidentmap as im

    districts = im.load_boundaries()
    kabul = districts.loc[districts["district"] == "Kabul"].geometry.iloc[0]
    near = set(districts.loc[districts.intersects(kabul.buffer(0.001)), "district"])
    set_period(pg, 5)  # Kabul's 450 incidents
    s = state(pg)
    assert set(s["hot"]) <= {"Kabul"}, s["hot"]  # no quiet neighbour
    n_drawn = pg.evaluate("window.incidentmapInstances[0].hotGroup.getLayers().length")
    assert n_drawn == len(s["hot"]) + len(s["cold"])
    rule = pg.evaluate("window.incidentmapInstances[0].data.hotspots.rule")
    assert "only where it had an incident" in rule
    name = sorted(near - {"Kabul"})[0]
    tip = pg.evaluate(
        """(name) => { const m = window.incidentmapInstances[0];
            const i = m.data.areas.names.indexOf(name);
            const l = m.areaLayers[i]; l.openTooltip(l.getCenter());
            return l.getTooltip().getElement().textContent; }""",
        name,
    )
    assert "Gi*: not a hot or cold spot this period" in tip and "over all periods:" in tip
    # the layer control hides the outlines
    pg.locator(".leaflet-control-layers").hover()
    pg.locator(".leaflet-control-layers-overlays label", has_text="Hot and cold spots").click()
    pg.wait_for_timeout(100)
    assert pg.evaluate("window.incidentmapInstances[0].hotGroup.getLayers().length") == 0
    assert state(pg)["hot"] == []
