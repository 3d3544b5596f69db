"""Briefing page size and speed: incidentmap vs Folium's own time plugins, same data.

Data: 20,000 synthetic incidents at random places in Afghanistan over 156 weeks (2021-2023),
geocoded; the choropleth is 398 districts x 156 weekly periods.

Folium peer: ``TimeSliderChoropleth`` (a style per district per week) plus
``TimestampedGeoJson`` (one timed feature per incident with the same popup text), built
with the same display geometry and, as a second row, with geoBoundaries' own simplified
ADM2 GeoJSON. Both peers need CDN scripts, so only their size and build time are compared;
incidentmap's offline page is also opened in headless Chromium for time-to-interactive and
the redraw time of a slider step.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from incidentmap.geocode import geocode as geocode_frame


def _incidents(n: int, seed: int) -> Any:
    import shapely

    import incidentmap as im

    d = im.load_boundaries()
    country = shapely.union_all(d.geometry.values)
    shapely.prepare(country)
    rng = np.random.default_rng(seed)
    xs, ys = [], []
    while sum(map(len, xs)) < n:
        x = rng.uniform(60.5, 74.9, n)
        y = rng.uniform(29.4, 38.4, n)
        keep = shapely.contains_xy(country, x, y)
        xs.append(x[keep])
        ys.append(y[keep])
    x = np.concatenate(xs)[:n]
    y = np.concatenate(ys)[:n]
    start = pd.Timestamp("2021-01-04")
    frame = pd.DataFrame(
        {
            "event_id": [f"SYN{i:05d}" for i in range(n)],
            "date": (start + pd.to_timedelta(rng.integers(0, 156 * 7, n), unit="D")).strftime(
                "%Y-%m-%d"
            ),
            "latitude": y,
            "longitude": x,
            "event_type": rng.choice(
                [
                    "Battles",
                    "Explosions/Remote violence",
                    "Violence against civilians",
                    "Strategic developments",
                ],
                n,
            ),
            "actor1": rng.choice(
                [
                    "Islamic State Khorasan Province",
                    "Unidentified armed group",
                    "Military Forces of Afghanistan",
                ],
                n,
            ),
            "fatalities": rng.poisson(1.2, n),
            "notes": [f"Synthetic benchmark incident {i}." for i in range(n)],
        }
    )
    tmp = Path(tempfile.mkdtemp(prefix="im-mapbench-")) / "incidents.csv"
    frame.to_csv(tmp, index=False)
    g = geocode_frame(im.read_incidents(tmp))
    return g, d


def _folium_peer(
    g: Any,
    districts_geojson: dict[str, Any],
    district_ids: list[str],
    counts: pd.DataFrame,
    bins: list[float],
    colors: list[str],
) -> str:
    import folium
    from folium.plugins import TimeSliderChoropleth, TimestampedGeoJson

    starts = sorted(counts["period_start"].unique())
    stamp = {s: str(int(pd.Timestamp(s).timestamp())) for s in starts}

    def color(v: float) -> str:
        if v == 0:
            return "#f4f1ea"
        for b, c in zip(bins, colors, strict=False):
            if v <= b:
                return c
        return colors[-1]

    styledict: dict[str, dict[str, dict[str, Any]]] = {}
    pos = {did: i for i, did in enumerate(district_ids)}
    for did, s, v in zip(
        counts["district_id"], counts["period_start"], counts["incidents"], strict=True
    ):
        styledict.setdefault(str(pos[did]), {})[stamp[s]] = {"color": color(v), "opacity": 0.8}
    m = folium.Map(location=[34, 66], zoom_start=6, tiles=None)
    TimeSliderChoropleth(districts_geojson, styledict=styledict).add_to(m)
    placed = g[g.geometry.notna()]
    feats = []
    for (_, r), geom in zip(placed.iterrows(), placed.geometry, strict=True):
        popup = (
            f"{r['date']:%Y-%m-%d} {r['district']}, {r['province']}<br>{r['event_type']}"
            f"<br>{r['actor']}<br>{r['fatalities']:g}<br>{r['notes']}"
        )
        feats.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [round(geom.x, 5), round(geom.y, 5)]},
                "properties": {
                    "times": [r["date"].strftime("%Y-%m-%d")],
                    "popup": popup,
                    "icon": "circle",
                    "iconstyle": {"radius": 4, "fillColor": "#d95f02"},
                },
            }
        )
    TimestampedGeoJson(
        {"type": "FeatureCollection", "features": feats}, period="P1W", add_last_point=False
    ).add_to(m)
    return m.get_root().render()


def run(n: int, seed: int, browser: bool) -> int:
    import shapely

    from incidentmap.aggregate import counts_by_area
    from incidentmap.render import PageParts, briefing_map
    from incidentmap.render.data import build_payload, display_layers

    g, d = _incidents(n, seed)
    print(
        f"{len(g):,} incidents, {g['geocode_method'].ne('unplaced').sum():,} placed; "
        f"398 districts x weekly periods\n"
    )
    t0 = time.perf_counter()
    m = briefing_map(g, level="district", period="week", title="Benchmark")
    ours_html = m.get_root().render()
    ours_build = time.perf_counter() - t0
    out = Path(tempfile.mkdtemp(prefix="im-mapbench-")) / "briefing.html"
    out.write_text(ours_html, "utf-8")

    payload = build_payload(g, d, parts=PageParts(points=False), level="district", period="week")
    bins = payload["areas"]["bins"]["window"]
    colors = payload["areas"]["colors"]
    disp_d, _ = display_layers(d)
    counts = counts_by_area(g, disp_d, level="district", period="week", sums=[])
    rows = []
    for label, geoms in (
        ("same display geometry", disp_d.geometry.values),
        ("geoBoundaries simplified", None),
    ):
        if geoms is None:
            src = _gb_simplified()
            if src is None:
                continue
            geoms = src
        fc = {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "id": str(i),
                    "properties": {},
                    "geometry": json.loads(shapely.to_geojson(geom)),
                }
                for i, geom in enumerate(geoms)
            ],
        }
        t0 = time.perf_counter()
        peer_html = _folium_peer(
            g, fc, disp_d["district_id"].astype(str).tolist(), counts, bins, colors
        )
        rows.append((label, len(peer_html.encode()), time.perf_counter() - t0))

    ours_size = len(ours_html.encode())
    print(f"{'page':<48}{'MB':>8}{'build s':>9}{'size vs ours':>14}")
    print(
        f"{'incidentmap briefing (offline, Leaflet inlined)':<48}{ours_size / 1e6:>8.2f}"
        f"{ours_build:>9.2f}{1:>13.1f}x"
    )
    for label, size, secs in rows:
        name = f"Folium TSC + TimestampedGeoJson ({label})"
        print(f"{name:<48}{size / 1e6:>8.2f}{secs:>9.2f}{size / ours_size:>13.1f}x")
    if browser:
        _browser(out)
    run_real(browser)
    return 0


#: the real files of ../shared/data/incidents the page is measured on (issue 28)
REAL = (
    "acled_afg_2017on_province_level.xlsx",
    "gtd_afg_2004_2009_towns.csv",
    "wardiary_points_2004_2009.csv",
)

#: the page parts the filters, event list and view added (issue 28)
FILTER_SCRIPTS = ("im-coarse.js", "im-events.js", "im-filters.js", "im-view.js")


def run_real(browser: bool) -> int:
    """Brief each real file: page size with and without the filters' parts, and timings.

    "without" is the page less its event table (``data.events``) and the scripts that read
    it: the size the same page had before the filters (issue 28 allows 25% more).
    """
    import re
    from importlib import resources

    import incidentmap as im

    root = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "incidents"
    static = resources.files("incidentmap.render").joinpath("static")
    import rjsmin  # the page inlines its scripts minified (render.assets)

    scripts = sum(
        len(rjsmin.jsmin(static.joinpath(n).read_text("utf-8")).encode()) for n in FILTER_SCRIPTS
    )
    print(f"\n{'real file (brief, defaults)':<40}{'MB':>7}{'without':>9}{'growth':>8}")
    pages = []
    for name in REAL:
        src = root / name
        if not src.exists():
            continue
        out = Path(tempfile.mkdtemp(prefix="im-mapbench-")) / f"{src.stem}.html"
        im.brief(str(src), output=str(out))
        html = out.read_bytes()
        found = re.search(rb'"events":\{.*?"provinceNames":\[.*?\]\}', html)
        events = len(found.group(0)) if found else 0
        before = len(html) - events - scripts
        print(
            f"{name:<40}{len(html) / 1e6:>7.2f}{before / 1e6:>9.2f}"
            f"{(len(html) / before - 1) * 100:>7.1f}%"
        )
        pages.append(out)
    if browser:
        for out in pages:
            print(f"\n{out.name}")
            _browser(out, filters=True)
    return 0


def run_pages(pages: list[str]) -> int:
    """Open pages written by ``incidentmap map`` / ``brief``: size, time to ready, steps."""
    for page in pages:
        path = Path(page).resolve()
        print(f"{path.name}: {path.stat().st_size / 1e6:.2f} MB")
        _browser(path, filters=True)
        print()
    return 0


def _gb_simplified() -> Any:
    import geopandas as gpd

    from incidentmap.boundaries import boundaries_info

    path = Path(str(boundaries_info().provenance.get("path", "")))
    cand = path / "geoBoundaries-AFG-ADM2_simplified.geojson"
    return gpd.read_file(cand).geometry.values if cand.exists() else None


# time from setPeriod to the painted frame holding the change: rAF, then a task after it
STEPS = """async (n) => {
    const m = window.incidentmapInstances[0], out = [];
    const painted = () => new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)));
    await painted();
    // the page opens on its latest period: step forward from where n steps fit
    const start = Math.max(0, Math.min(m.state().period, m.nPeriods - n - 1));
    m.setPeriod(start);
    await painted();
    for (let i = 1; i <= n; i++) {
        const t0 = performance.now();
        m.setPeriod(start + i);
        await painted();
        out.push(performance.now() - t0);
    }
    return out; }"""


# time from a filter change to the painted frame: each filter of the panel in turn
FILTERS = """async (n) => {
    const m = window.incidentmapInstances[0], out = [];
    await m.eventsReady;
    const painted = () => new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)));
    const e = m.data.events, steps = [
        {category: e.categories[0] || ""}, {minToll: 1}, {prec: [0, 1]},
        {target: e.targets[0] || ""}, {group: e.groups[0] || ""},
        {from: 0, to: Math.max(0, m.nPeriods >> 1)}];
    for (let i = 0; i < n; i++) {
        const t0 = performance.now();
        m.filters = {}; m.setFilters(steps[i % steps.length]);
        await painted();
        out.push(performance.now() - t0);
    }
    m.filters = {}; m._applyFilters();
    return out; }"""


def _browser(path: Path, *, filters: bool = False) -> None:
    import shutil

    from playwright.sync_api import sync_playwright

    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        print("\n(no chromium: browser timings skipped)")
        return
    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=exe,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
            ],
        )
        ready, steps, first, changes = [], [], [], []
        for _ in range(3):
            pg = b.new_page(viewport={"width": 1280, "height": 860})
            pg.route(
                "**/*",
                lambda r: (
                    r.continue_() if r.request.url.startswith(("file:", "data:")) else r.abort()
                ),
            )
            pg.goto(path.as_uri())
            pg.wait_for_selector("[data-im-ready]", timeout=30000)
            ready.append(pg.evaluate("window.incidentmapReadyAt"))
            first += pg.evaluate(STEPS, 5)  # right after the page is ready
            pg.wait_for_timeout(1500)  # a reader looks at the map before stepping
            steps += pg.evaluate(STEPS, 40)
            if filters and pg.evaluate("!!window.incidentmapInstances[0].data.events"):
                changes += pg.evaluate(FILTERS, 18)
            pg.close()
        b.close()
    print(
        f"\nheadless Chromium: interactive {statistics.median(ready):.0f} ms after navigation "
        f"(median of 3; data-im-ready)"
    )
    print(
        f"slider step to next painted frame: median {statistics.median(steps):.1f} ms, "
        f"95th pct {np.percentile(steps, 95):.1f} ms, max {max(steps):.1f} ms "
        f"({len(steps)} steps after 1.5 s on the page)"
    )
    print(
        f"the first 5 steps right after load: median {statistics.median(first):.1f} ms, "
        f"max {max(first):.1f} ms ({len(first)} steps)"
    )
    if changes:
        print(
            f"filter change to next painted frame: median {statistics.median(changes):.1f} ms, "
            f"95th pct {np.percentile(changes, 95):.1f} ms, max {max(changes):.1f} ms "
            f"({len(changes)} changes)"
        )
