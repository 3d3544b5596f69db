# ruff: noqa: E501 (the page's scripts are written inline)
"""The page's filters, read as a reader reads them, against the library's own counts.

Each real file of ../shared/data/incidents (and the sample) is made into a briefing once per
module; Chromium applies each filter and the test compares every count the page shows
(areas, caption, province counts, timeline) with what :func:`incidentmap.filters.select`
and :func:`incidentmap.render.series.area_series` compute for the same filter.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from incidentmap.filters import select
from incidentmap.jobs.load import Source, load
from incidentmap.jobs.report import Report
from incidentmap.options import Filters, MapStyle
from tests.conftest import INCIDENTS, ROOT
from tests.test_browser import CHROMIUM, browser, open_page  # noqa: F401 (fixture)

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium")

FILES = {
    "gtd": (INCIDENTS / "gtd_afg_2004_2009_towns.csv", "district"),
    "sample": (ROOT / "geo" / "sample_incidents.csv", "district"),
    "acled": (INCIDENTS / "acled_afg_2017on_province_level.xlsx", "province"),
    "wardiary": (INCIDENTS / "wardiary_points_2004_2009.csv", "district"),
}


@pytest.fixture(scope="module")
def pages(cache, tmp_path_factory):
    """Build each page once: (path, the loaded frame, its level)."""
    import incidentmap as im

    out = {}
    tmp = tmp_path_factory.mktemp("filters")
    for name, (path, level) in FILES.items():
        if not path.exists():
            continue
        html = tmp / f"{name}.html"
        im.brief(str(path), output=str(html), level=level)
        frame = load(Source(str(path)), Filters(), Report()).frame
        out[name] = (html, frame, level)
    return out


@pytest.fixture(scope="module")
def opened(browser, pages):  # noqa: F811 (the imported fixture)
    """One browser page per file, kept open for the module."""
    out = {}
    for name, (html, frame, level) in pages.items():
        _ctx, pg = open_page(browser, html)
        pg.wait_for_selector("[data-im-events]", timeout=30000)
        out[name] = (pg, frame, level)
    yield out
    for pg, _, _ in out.values():
        pg.context.close()


def _apply(pg, filters: dict) -> dict:
    return pg.evaluate(
        """(f) => { const m = window.incidentmapInstances[0];
            m.filters = {}; m.setFilters(f);
            return { vals: m.vals, labels: m.data.periods, names: m.data.areas.names,
                     caption: m.captionEl ? m.captionEl.textContent : null,
                     stats: m.fStats, coarse: m.fCoarse ? Array.from(m.fCoarse) : null,
                     bins: m.fBins, tl: m.fTimeline ? Array.from(m.fTimeline[1]) : null }; }""",
        filters,
    )


def _expected(frame, level, filters: Filters):
    from incidentmap.errors import UsageError
    from incidentmap.render.series import area_series

    kept, _ = select(frame, filters)
    try:
        series = area_series(kept, None, MapStyle(level=level)) if len(kept) else None
    except UsageError:  # nothing at this level (every row placed only to a province)
        series = None
    return kept, series


def _compare(got, kept, series, level):
    assert got["stats"]["rows"] == len(kept)
    if level == "district":
        only = kept["province_code"].notna() & kept["district_id"].isna()
        assert got["stats"]["coarse"] == int(only.sum())
    if series is None:
        assert all(v in (0, None) for row in got["vals"] for v in row)
        return
    col = {lab: j for j, lab in enumerate(got["labels"])}
    page = np.array([[np.nan if v is None else v for v in row] for row in got["vals"]])
    assert page.shape[0] == len(series.names)
    for j, lab in enumerate(series.labels):
        want = np.nan_to_num(series.values[:, j])
        assert np.allclose(np.nan_to_num(page[:, col[lab]]), want), lab
    # periods the filtered series does not reach hold nothing on the page
    others = [col[lab] for lab in got["labels"] if lab not in series.labels]
    assert np.nansum(page[:, others]) == 0


CASES = {
    "gtd": [
        (
            {"group": "taliban", "role": "perpetrator"},
            Filters(group=("taliban",), group_role="perpetrator"),
        ),
        ({"group": "taliban", "role": "any"}, Filters(group=("taliban",))),
        ({"target": "officials"}, Filters(target=("officials",))),
        ({"category": "explosive/IED"}, Filters(category=("explosive/IED",))),
        ({"minToll": 5}, Filters(min_fatalities=5)),
        ({"prec": [2]}, Filters(precision=("province",))),
        ({"prec": [0, 1]}, Filters(precision=("point", "district"))),
    ],
    "acled": [
        ({"category": "armed attack/clash"}, Filters(category=("armed attack/clash",))),
        ({"minToll": 10}, Filters(min_fatalities=10)),
    ],
    "wardiary": [
        ({"prec": [0]}, Filters(precision=("point",))),
    ],
    "sample": [
        ({"minToll": 1}, Filters(min_fatalities=1)),
        ({"prec": [2]}, Filters(precision=("province",))),
    ],
}


@pytest.mark.parametrize("name", list(CASES))
def test_each_filter_counts_what_the_library_counts(opened, name):
    if name not in opened:
        pytest.skip(f"{name}: file not present")
    pg, frame, level = opened[name]
    for page_filter, lib_filter in CASES[name]:
        got = _apply(pg, page_filter)
        kept, series = _expected(frame, level, lib_filter)
        _compare(got, kept, series, level)
        assert got["caption"].startswith("Filtered (")
        assert f"{len(kept):,} incident" in got["caption"]
    assert not pg.problems


def test_no_filter_shows_the_page_as_written(opened):
    for pg, _, _ in opened.values():
        same = pg.evaluate(
            """() => { const m = window.incidentmapInstances[0];
                m.filters = {}; m._applyFilters();
                const before = JSON.stringify(m.vals), cap = m.captionEl.textContent;
                m.setFilters({prec: [0, 1, 2, 3]});  // every row: recounted by the page
                const r = (x) => x.map(row => row.map(v => v === null ? null : Math.round(v * 1e6) / 1e6));
                const same = JSON.stringify(r(m.vals)) === JSON.stringify(r(m.data.areas.values));
                m.filters = {}; m._applyFilters();
                return [same, JSON.stringify(m.vals) === before, cap === m.data.caption]; }"""
        )
        assert same == [True, True, True]


def test_the_gtd_district_page_shows_the_province_only_incidents(opened):
    if "gtd" not in opened:
        pytest.skip("GTD file not present")
    pg, frame, _ = opened["gtd"]
    only = int((frame["province_code"].notna() & frame["district_id"].isna()).sum())
    assert only == 638  # 639 with the extract's bare-place row (no record, left out)
    caption = pg.evaluate("window.incidentmapInstances[0].data.caption")
    assert "638 placed only to a province: shown by province" in caption
    legend = pg.locator(".im-legend").inner_text()
    assert "638 placed only to a province" in legend
    # the boxes of the current period add up to the page's own province counts
    got = pg.evaluate(
        """() => { const m = window.incidentmapInstances[0]; m.filters = {}; m._applyFilters();
            m.setMode('cumulative'); m.setPeriod(m.nPeriods - 1);
            const boxes = Array.from(document.querySelectorAll('.im-coarse-n')).map(b => +b.textContent.replace(/,/g, ''));
            m.setMode('window'); return [boxes.reduce((a, b) => a + b, 0), m.data.coarse.total]; }"""
    )
    dated = frame[frame["province_code"].notna() & frame["district_id"].isna()]
    assert got[1] == only
    assert got[0] == pytest.approx(
        len(dated) - int(pd.to_datetime(dated["date"]).isna().sum()), abs=10
    )


def test_filters_and_slider_answer_within_100_ms(opened):
    for name in ("wardiary", "acled"):
        if name not in opened:
            continue
        pg, _, _ = opened[name]
        ms = pg.evaluate(
            """() => { const m = window.incidentmapInstances[0], out = [];
                for (let k = 0; k < 5; k++) { const t0 = performance.now();
                    m.setFilters({minToll: k % 2 ? 1 : null, prec: k % 2 ? null : [0, 1, 2]}); out.push(performance.now() - t0); }
                for (let k = 0; k < 10; k++) { const t0 = performance.now(); m.setPeriod(k); out.push(performance.now() - t0); }
                m.filters = {}; m._applyFilters(); return out; }"""
        )
        # the median: the machine running the tests is shared (bench/maps_bench.py reports
        # the 95th percentile on a quiet machine)
        assert np.median(ms) < 100, (name, ms)


def _popup_text(pg):
    """The open popup's text (a closed one fades out for 200 ms: the newest is the last)."""
    pg.wait_for_timeout(300)
    return pg.locator(".leaflet-popup-content").last.inner_text()


def _reset(pg):
    pg.evaluate(
        """() => { const m = window.incidentmapInstances[0]; m.filters = {}; m.selection = null;
            m.map.eachLayer(l => { if (l instanceof L.Popup) m.map.removeLayer(l); });
            m.setMode('window'); m._applyFilters(); m._fitCountry(); }"""
    )


def test_list_rows_open_their_incident_and_markers_select_theirs(opened):
    if "gtd" not in opened:
        pytest.skip("GTD file not present")
    pg, frame, _ = opened["gtd"]
    _reset(pg)
    pg.evaluate("window.incidentmapInstances[0].setPeriod(3)")
    box = pg.locator(".im-events")
    if not pg.evaluate("document.querySelector('.im-events').open"):
        box.locator("summary").click()
    pg.wait_for_function("window.incidentmapInstances[0].listRowsNow !== null")
    rows = box.locator("tbody tr")
    n = rows.count()
    listed = pg.evaluate("window.incidentmapInstances[0].listRowsNow.length")
    assert n == min(listed, 100) and n > 0
    # every row of the period is listed, with its source id (the GTD's own), and the rows no
    # one month holds (undated or a longer span: in every period's list)
    from incidentmap.aggregate import row_periods

    ids = set(box.locator("tbody tr td:nth-child(6)").all_inner_texts())
    month = pd.to_datetime(frame["date"]).dt.strftime("%Y-%m") == "2004-04"
    kept = frame[month.to_numpy() | row_periods(frame, "month").isna().to_numpy()]
    assert ids == {str(v).removesuffix(".0") for v in kept["event_id"].fillna("")}
    # a row placed at a point: clicking it opens that incident's popup
    point_row = pg.evaluate(
        """() => { const m = window.incidentmapInstances[0];
            return m.listRowsNow.filter(x => x.r < m.events.np)[0].r; }"""
    )
    box.locator(f'tbody tr[data-row="{point_row}"]').click()
    pg.wait_for_selector(".leaflet-popup-content", timeout=5000)
    popup = _popup_text(pg)
    date = pg.evaluate(f"window.incidentmapInstances[0].dateText({point_row})")
    assert date in popup
    # the popup opens below the title panel, never under it (issue 28, item 9)
    top = pg.evaluate(
        """() => [document.querySelector('.im-header').getBoundingClientRect().bottom,
                  document.querySelector('.leaflet-popup').getBoundingClientRect().top]"""
    )
    assert top[1] >= top[0]
    # clicking the marker selects its row alone
    pg.evaluate(
        f"""() => {{ const m = window.incidentmapInstances[0];
            m.markerCache[{point_row}].fire('click'); }}"""
    )
    assert pg.evaluate("window.incidentmapInstances[0].listRowsNow.map(x => x.r)") == [point_row]
    # an area-level row (placed only to a province): listed with its area, opens a popup
    pg.evaluate("window.incidentmapInstances[0].select(null)")
    _reset(pg)
    pg.evaluate("window.incidentmapInstances[0].setPeriod(3)")
    area_row = pg.evaluate(
        """() => { const m = window.incidentmapInstances[0];
            return m.listRowsNow.filter(x => x.r >= m.events.np && x.place.endsWith('(province)'))[0]; }"""
    )
    assert area_row["place"].endswith("(province)")
    pg.evaluate(f"window.incidentmapInstances[0].openRow({area_row['r']})")
    assert area_row["date"] in _popup_text(pg)
    assert not pg.problems


def test_the_list_sorts_searches_and_downloads_its_rows(opened):
    if "gtd" not in opened:
        pytest.skip("GTD file not present")
    pg, _, _ = opened["gtd"]
    _reset(pg)
    pg.evaluate("window.incidentmapInstances[0].setMode('cumulative')")
    box = pg.locator(".im-events")
    if not pg.evaluate("document.querySelector('.im-events').open"):
        box.locator("summary").click()
    pg.wait_for_function("window.incidentmapInstances[0].listRowsNow !== null")
    box.locator("th button", has_text="Toll").click()
    tolls = pg.evaluate("window.incidentmapInstances[0].listRowsNow.map(x => x.toll)")
    known = [t for t in tolls if t is not None]
    assert known == sorted(known) and tolls[: len(known)] == known  # unknown last
    box.locator("input[type=search]").fill("taliban")
    groups = pg.evaluate("window.incidentmapInstances[0].listRowsNow.map(x => x.group)")
    assert groups and all("taliban" in g for g in groups)
    with pg.expect_download() as dl:
        box.locator("button", has_text="Download these rows").click()
    text = open(dl.value.path(), encoding="utf-8").read()
    assert (
        text.splitlines()[0]
        == "Date,Place,Group,Category,Toll,Source id,Event type,Actor,Notes,Source"
    )
    assert len(text.splitlines()) == len(groups) + 1
    box.locator("input[type=search]").fill("")
    pg.evaluate("window.incidentmapInstances[0].setMode('window')")


def test_a_copied_address_shows_the_same_view(browser, opened, pages):  # noqa: F811
    if "gtd" not in opened:
        pytest.skip("GTD file not present")
    pg, _, _ = opened["gtd"]
    _reset(pg)
    pg.evaluate(
        """() => { const m = window.incidentmapInstances[0];
            m.setFilters({target: 'officials', minToll: 1}); m.setPeriod(20);
            m.map.setView([34.5, 69.2], 8, {animate: false}); m.select('a', 3); }"""
    )
    # the address is written at most every 150 ms: the last change (the selection) in it
    pg.wait_for_function("location.hash.includes('tg=officials') && location.hash.includes('s=a3')")
    url = pg.evaluate("location.href")
    assert "#" in url and "tg=officials" in url
    seen = pg.evaluate(
        """() => { const m = window.incidentmapInstances[0];
            return [m.t, m.filterText(), m.map.getZoom(), m.captionEl.textContent]; }"""
    )
    ctx, again = open_page(browser, pages["gtd"][0], "#" + url.split("#", 1)[1])
    again.wait_for_selector("[data-im-events]", timeout=30000)
    got = again.evaluate(
        """() => { const m = window.incidentmapInstances[0];
            return [m.t, m.filterText(), m.map.getZoom(), m.captionEl.textContent]; }"""
    )
    assert got == seen
    assert again.evaluate("window.incidentmapInstances[0].selection") == {"kind": "a", "i": 3}
    assert not again.problems
    ctx.close()
    _reset(pg)


def test_a_link_pasted_while_the_page_writes_its_address_wins(opened):
    """The page writes its view into the address at most every 150 ms; a link the reader
    pastes while such a write is due is the view shown, not overwritten by the old one."""
    if "gtd" not in opened:
        pytest.skip("GTD file not present")
    pg, _, _ = opened["gtd"]
    _reset(pg)
    pg.evaluate(
        """() => { const m = window.incidentmapInstances[0];
            m.setPeriod(5);  /* a write of period 5 is now due in 150 ms */
            const until = Date.now() + 250; while (Date.now() < until) {}
            window.location.hash = '#p=20&tg=officials'; }"""
    )
    pg.wait_for_timeout(600)
    got = pg.evaluate(
        """() => { const m = window.incidentmapInstances[0];
            return [location.hash, m.t, m.filterText()]; }"""
    )
    assert "tg=officials" in got[0] and got[1:] == [20, "target officials"], got
    _reset(pg)


def test_a_link_pasted_into_the_open_page_shows_its_view(opened):
    """A changed address in an open page (no reload) shows its view, and a redraw still
    pending from before never writes over it."""
    if "gtd" not in opened:
        pytest.skip("GTD file not present")
    pg, _, _ = opened["gtd"]
    _reset(pg)
    pg.evaluate(
        """() => { const m = window.incidentmapInstances[0];
            m.setFilters({target: 'civilians', minToll: 2});
            m.setPeriod(7); m.setMode('cumulative'); }"""
    )
    pg.wait_for_function("location.hash.includes('f=2') && location.hash.includes('m=c')")
    link = pg.evaluate("location.hash")
    seen = pg.evaluate(
        "() => { const m = window.incidentmapInstances[0]; return [m.t, m.mode, m.filterText(), m.captionEl.textContent]; }"
    )
    _reset(pg)  # back to the defaults
    pg.wait_for_function("!location.hash.includes('m=c')")
    # a step whose address write is still pending when the link arrives
    pg.evaluate("h => { window.incidentmapInstances[0].setPeriod(2); location.hash = h; }", link)
    pg.wait_for_timeout(400)  # longer than the 150 ms write delay
    got = pg.evaluate(
        "() => { const m = window.incidentmapInstances[0]; return [m.t, m.mode, m.filterText(), m.captionEl.textContent]; }"
    )
    assert got == seen
    assert pg.evaluate("location.hash") == link
    # a link with no filters in it clears them
    pg.evaluate(
        "() => { location.hash = '#p=' + window.incidentmapInstances[0].data.periodStarts[3]; }"
    )
    pg.wait_for_timeout(400)
    assert pg.evaluate(
        "[window.incidentmapInstances[0].t, window.incidentmapInstances[0].filterText()]"
    ) == [3, "none"]
    _reset(pg)


def test_every_redraw_says_what_the_view_shows(opened):
    pg, _, _ = opened.get("gtd") or next(iter(opened.values()))
    details = pg.evaluate(
        """() => { const m = window.incidentmapInstances[0], seen = [];
            m.map.getContainer().addEventListener('incidentmap:view', e => seen.push(e.detail));
            m.setPeriod(2); m.setFilters({minToll: 2}); m.filters = {}; m._applyFilters();
            return seen; }"""
    )
    assert len(details) >= 3
    for d in details:
        assert set(d) >= {"period", "filters", "incidents", "areasWithEvents", "unknownTolls"}
    assert "toll" in details[1]["filters"]
    assert details[-1]["filters"] == "none"


def test_text_from_the_file_stays_text_in_filters_and_list(browser, cache, tmp_path):  # noqa: F811
    import incidentmap as im

    evil = "<img src=x onerror=alert(1)>"
    src = tmp_path / "evil.csv"
    src.write_text(
        "event_id,date,latitude,longitude,event_type,actor,fatalities,notes\n"
        f'"{evil}",2023-03-02,34.43,70.45,Explosions,ISKP,2,first\n'
        "b2,2023-04-09,34.53,69.17,Attack,Taliban,,second\n"
    )
    out = tmp_path / "evil.html"
    im.brief(str(src), output=str(out))
    ctx, pg = open_page(browser, out)
    pg.wait_for_selector("[data-im-events]", timeout=30000)
    pg.evaluate("window.incidentmapInstances[0].setMode('cumulative')")
    pg.locator(".im-events summary").click()
    pg.wait_for_function(  # the list is filled after the click's redraw (slower under load)
        "t => (document.querySelector('.im-events tbody') || {innerText: ''}).innerText"
        ".includes(t)",
        arg=evil,
        timeout=30000,
    )
    assert evil in pg.locator(".im-events tbody").inner_text()
    assert pg.locator(".im-events img").count() == 0
    assert not pg.problems
    ctx.close()


def test_page_defects_of_issue_28(opened):
    # no empty "Incidents by category", no cluster or size line where no point is drawn
    if "acled" in opened:
        legend = opened["acled"][0].locator(".im-legend").inner_text()
        assert "Incidents by category" not in legend
        assert "cluster of n" not in legend and "size:" not in legend
        # and no layer to tick that has nothing in it
        control = opened["acled"][0].locator(".leaflet-control-layers").inner_text()
        assert "by province" in control and "points" not in control
    if "wardiary" in opened:  # points, but no toll known: no "size: fatalities"
        assert "size:" not in opened["wardiary"][0].locator(".im-legend").inner_text()
    pg, _, _ = opened.get("gtd") or next(iter(opened.values()))
    _reset(pg)
    # the credit line leaves the scale bar free
    boxes = pg.evaluate(
        """() => [document.querySelector('.leaflet-control-attribution').getBoundingClientRect().toJSON(),
                  document.querySelector('.leaflet-control-scale').getBoundingClientRect().toJSON()]"""
    )
    credit, scale = boxes
    assert credit["left"] >= scale["right"] or credit["bottom"] <= scale["top"]
    for name, (page, _, _) in opened.items():  # nor does it cover the timeline
        credit, timeline = page.evaluate(
            """() => [document.querySelector('.leaflet-control-attribution').getBoundingClientRect().toJSON(),
                      document.querySelector('.im-timeline').getBoundingClientRect().toJSON()]"""
        )
        assert credit["left"] >= timeline["right"] or credit["top"] >= timeline["bottom"], name
    # the timeline's bars fill its width, with a count axis and one label per year
    tl = pg.evaluate(
        """() => { const svg = document.querySelector('.im-timeline svg'), box = svg.getBoundingClientRect();
            const bars = Array.from(svg.querySelectorAll('rect[fill]:not([fill=none])')).filter(r => r.getAttribute('height') !== null && r.querySelector('title'));
            const right = Math.max(...bars.map(r => r.getBoundingClientRect().right));
            const years = Array.from(svg.querySelectorAll('text')).map(t => t.textContent);
            return [box.width, right - box.left, years, document.querySelector('.im-tl-max').textContent,
                    document.querySelector('.im-timeline').getBoundingClientRect().width]; }"""
    )
    width, filled, years, top, control = tl
    assert filled > 0.9 * width
    assert width > 0.85 * (control - 50)
    assert len(years) == len(set(years)) >= 2 and all(y.isdigit() for y in years)
    for name, (page, _, _) in opened.items():  # every year's name whole inside the timeline
        cut = page.evaluate(
            """() => { const svg = document.querySelector('.im-timeline svg').getBoundingClientRect();
                return Array.from(document.querySelectorAll('.im-timeline svg text'))
                    .filter(t => { const b = t.getBoundingClientRect(); return b.right > svg.right + 0.5 || b.left < svg.left - 0.5; })
                    .map(t => t.textContent); }"""
        )
        assert cut == [], (name, cut)
    assert top and top != "0"
    # the page opens on the latest complete period
    m = pg.evaluate(
        "(() => { const m = window.incidentmapInstances[0]; return [m.data.start, m.nPeriods, m.data.partial]; })()"
    )
    assert m[0] == (m[1] - 2 if m[2] else m[1] - 1)


def test_a_damaged_link_opens_the_page_with_what_it_can_read(browser, pages):  # noqa: F811
    """A link cut inside a %-escape, or with a toll that is no number, opens the page (the
    readable parts applied, the rest left out), never a broken page or "toll >= unknown"."""
    if "gtd" not in pages:
        pytest.skip("GTD file not present")
    for frag in ("#g=%E0%A4%A&f=2", "#f=abc&p=zzz&z=abc", "#q=x,y&from=&to=nan"):
        # the link opened as a reader opens it (a page opened and then sent to the link
        # with a reload raced the old page's own address write under load)
        ctx, pg = open_page(browser, pages["gtd"][0], frag)
        pg.wait_for_selector("[data-im-events]", timeout=30000)
        text = pg.evaluate("window.incidentmapInstances[0].filterText()")
        assert "NaN" not in text and "unknown" not in text, (frag, text)
        assert "NaN" not in pg.evaluate("location.hash"), frag
        if frag.startswith("#g="):
            assert text == "toll ≥ 2", text  # the readable part kept
        assert not pg.problems, (frag, pg.problems)
        ctx.close()


def test_an_address_written_before_the_events_are_ready_keeps_its_filters(opened):
    """A link pasted (or opened) while the events are still decoding: the filters it names
    wait for them, and an address written meanwhile keeps them (it wrote the view without
    them, so a reload or a copied link lost "toll >= 2": a flaky test showed it)."""
    pg = opened["gtd"][0]
    got = pg.evaluate(
        """async () => { const m = window.incidentmapInstances[0], ev = m.events;
            m.events = null;  // as before the events are decoded
            location.hash = '#f=2&p=' + m.data.periodStarts[3];
            await new Promise((r) => setTimeout(r, 500));  // a pending write lands (150 ms)
            const written = location.hash, pending = m.pendingFilters;
            m.events = ev; m.filters = m.pendingFilters || {}; m.pendingFilters = null;
            m._applyFilters();
            const text = m.filterText(); m.filters = {}; m._applyFilters();
            return { written, pending, text }; }"""
    )
    assert got["pending"] == {"minToll": 2}
    assert "f=2" in got["written"], got["written"]
    assert got["text"] == "toll \u2265 2"


def test_the_timeline_axis_names_round_counts_at_their_height(opened):
    """The count axis names whole, round counts ("2,500", never "1,822.5"), each at the
    height of a bar of that count; dense pages' cluster circles stay small enough to
    leave their provinces readable."""
    for name, (pg, _, _) in opened.items():
        _reset(pg)
        got = pg.evaluate(
            """() => { const m = window.incidentmapInstances[0];
                const mid = document.querySelector('.im-tl-mid'), top = document.querySelector('.im-tl-max');
                const svg = document.querySelector('.im-timeline svg').getBoundingClientRect();
                const r = mid.getBoundingClientRect();
                return [m.tlMax, top.textContent, mid.textContent, (r.top + r.bottom) / 2 - svg.top]; }"""
        )
        most, top, mid, centre = got
        assert top.replace(",", "").isdigit() or most % 1, (name, top)
        if most < 2:
            assert mid == "", name
            continue
        value = int(mid.replace(",", ""))
        assert str(value)[0] in "125" and set(str(value)[1:].lstrip("5")) <= {"0"}, (name, mid)
        assert 0 < value <= 0.75 * most
        bar_top = 64 - 60 * value / most  # the svg's y of a bar of that count
        assert abs(centre - bar_top) <= 3, (name, mid, centre, bar_top)
        sizes = pg.evaluate(
            "Array.from(document.querySelectorAll('.im-cluster')).map(e => [+e.textContent.replace(/,/g, ''), e.offsetWidth])"
        )
        for n, d in sizes:
            assert d <= 22 + 14 * math.log10(max(n, 1)) + 1, (name, n, d)


def test_the_legend_never_runs_under_the_panels_above_it(opened):
    """On a short window the legend scrolls rather than covering the top-right panels."""
    for name, (pg, _, _) in opened.items():
        _reset(pg)
        for height in (860, 640):
            pg.set_viewport_size({"width": 1280, "height": height})
            pg.wait_for_timeout(300)
            pg.evaluate(
                "window.incidentmapInstances[0].setPeriod(window.incidentmapInstances[0].t)"
            )
            got = pg.evaluate(
                """() => { const leg = document.querySelector('.im-legend').getBoundingClientRect();
                    const above = Array.from(document.querySelectorAll('.leaflet-top.leaflet-right > *'))
                        .map(e => e.getBoundingClientRect().bottom);
                    const box = document.querySelector('.im-legend');
                    return [leg.top, leg.bottom, Math.max(...above), box.scrollHeight > box.clientHeight + 1]; }"""
            )
            legend_top, legend_bottom, panels_bottom, scrolls = got
            room = legend_bottom - panels_bottom - 10
            assert legend_top >= panels_bottom - 0.5 or room < 48, (name, height, got)
            if legend_top < panels_bottom + 9.5:
                assert scrolls, (name, height, got)  # cut short, it scrolls
        pg.set_viewport_size({"width": 1280, "height": 860})
        pg.wait_for_timeout(200)


def test_a_range_brushed_on_the_timeline_counts_what_since_until_keep(opened):
    if "gtd" not in opened:
        pytest.skip("GTD file not present")
    pg, frame, level = opened["gtd"]
    _reset(pg)
    svg = pg.locator(".im-timeline svg")
    box = svg.bounding_box()
    n = pg.evaluate("window.incidentmapInstances[0].nPeriods")
    a, b = 12, 23  # 2005, by month
    pg.keyboard.down("Shift")
    pg.mouse.move(box["x"] + (a + 0.5) * box["width"] / n, box["y"] + 20)
    pg.mouse.down()
    pg.mouse.move(box["x"] + (b + 0.5) * box["width"] / n, box["y"] + 20, steps=6)
    pg.mouse.up()
    pg.keyboard.up("Shift")
    f = pg.evaluate("window.incidentmapInstances[0].filterState()")
    assert (f["from"], f["to"]) == (a, b)
    starts = pg.evaluate("window.incidentmapInstances[0].data.periodStarts")
    until = (pd.Timestamp(starts[b]) + pd.offsets.MonthEnd(0)).strftime("%Y-%m-%d")
    got = _apply(pg, {"from": a, "to": b})
    kept, series = _expected(frame, level, Filters(since=starts[a], until=until))
    _compare(got, kept, series, level)
    # the range is kept in the filter panel's dates too (usable by keyboard)
    assert pg.locator(".im-filters select").nth(-2).input_value() == str(a)
    _reset(pg)


def test_the_page_opens_where_open_says(cache, tmp_path):
    import incidentmap as im

    src = FILES["sample"][0]
    starts = {}
    for how in ("latest", "first", "cumulative"):
        out = tmp_path / f"{how}.html"
        im.brief(str(src), output=str(out), open=how)
        text = out.read_text("utf-8")
        start = int(text.split('"start":', 1)[1].split(",", 1)[0])
        mode = text.split('"mode":"', 1)[1].split('"', 1)[0]
        starts[how] = (start, mode)
    assert starts["first"] == (0, "window")
    assert starts["cumulative"][1] == "cumulative"
    assert starts["latest"][0] >= starts["cumulative"][0] - 1 > 0


def test_filters_and_list_work_from_the_keyboard(opened):
    if "gtd" not in opened:
        pytest.skip("GTD file not present")
    pg, frame, level = opened["gtd"]
    _reset(pg)
    panel = pg.locator(".im-filters")
    panel.locator("summary").focus()
    if not panel.evaluate("d => d.open"):
        pg.keyboard.press("Enter")  # opens the panel
    target = panel.locator('.im-field:has(> span:text-is("Target")) select')
    target.focus()
    target.select_option("civilians")  # what the arrow keys and Enter do on a focused select
    got = _apply(pg, {"target": pg.evaluate("window.incidentmapInstances[0].filterState().target")})
    kept, series = _expected(frame, level, Filters(target=("civilians",)))
    _compare(got, kept, series, level)
    # a list row takes the focus and opens its incident with Enter
    pg.evaluate("window.incidentmapInstances[0].setMode('cumulative')")
    box = pg.locator(".im-events")
    if not pg.evaluate("document.querySelector('.im-events').open"):
        box.locator("summary").focus()
        pg.keyboard.press("Enter")
    pg.wait_for_function("window.incidentmapInstances[0].listRowsNow !== null")
    row = box.locator("tbody tr").first
    row.focus()
    pg.keyboard.press("Enter")
    pg.wait_for_selector(".leaflet-popup-content", timeout=5000)
    assert row.locator("td").first.inner_text() in _popup_text(pg)
    pg.evaluate("window.incidentmapInstances[0].setMode('window')")
    _reset(pg)
    assert not pg.problems


def test_a_rate_per_100000_follows_the_filters(browser, pages, tmp_path):  # noqa: F811
    """per100k: the page ships each area's population and recounts the rate, unknown where the
    table has no population (never 0)."""
    import incidentmap as im
    from incidentmap.render.series import area_series

    if "gtd" not in pages:
        pytest.skip("GTD file not present")
    _, frame, _ = pages["gtd"]
    codes = im.load_boundaries("province")["province_code"].astype(str).tolist()
    pop = pd.DataFrame(
        {
            "province_code": codes[1:],
            "population": [150_000 + 37_000 * i for i in range(1, len(codes))],
        }
    )
    pop_csv = tmp_path / "pop.csv"
    pop.to_csv(pop_csv, index=False)
    out = tmp_path / "rate.html"
    src = FILES["gtd"][0]
    im.brief(
        str(src), output=str(out), level="province", measure="per100k", population=str(pop_csv)
    )
    ctx, pg = open_page(browser, out)
    pg.wait_for_selector("[data-im-events]", timeout=30000)
    got = _apply(pg, {"category": "explosive/IED"})
    kept, _ = select(frame, Filters(category=("explosive/IED",)))
    table = im.read_population(pop_csv) if hasattr(im, "read_population") else pop
    series = area_series(
        kept, None, MapStyle(level="province", measure="per100k"), population=table
    )
    col = {lab: j for j, lab in enumerate(got["labels"])}
    page = np.array([[np.nan if v is None else v for v in row] for row in got["vals"]])
    for j, lab in enumerate(series.labels):
        want, have = series.values[:, j], page[:, col[lab]]
        assert np.array_equal(np.isnan(want), np.isnan(have)), lab  # unknown stays unknown
        assert np.allclose(have[~np.isnan(have)], want[~np.isnan(want)], rtol=1e-6), lab
    assert np.isnan(page[0]).all()  # the province without a population: unknown, never 0
    assert not pg.problems
    ctx.close()
