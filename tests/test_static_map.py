"""The PNG for slides (issue 28, item 8): names that do not collide, a total per panel,
every period of the title shown or the title saying which, the page's spelling of names."""

from __future__ import annotations

import re

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")

import incidentmap as im
from incidentmap.aggregate import counts_by_area
from incidentmap.pipeline import load_incidents
from incidentmap.render.static_map import static_figure, static_map
from incidentmap.render.style import ImageOptions, MapStyle
from tests.conftest import INCIDENTS, ROOT

SAMPLE = ROOT / "geo" / "sample_incidents.csv"
GTD = INCIDENTS / "gtd_afg_2004_2009_towns.csv"


@pytest.fixture(scope="module")
def sample(cache):
    g, _ = load_incidents(SAMPLE)
    return g


@pytest.fixture(scope="module")
def gtd(cache):
    g, _ = load_incidents(GTD)  # the real file, read as it is
    return g


def _labels(fig):
    """Each panel's names as drawn: (axes, text, extent in pixels)."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    out = []
    for ax in fig.axes:
        texts = [t for t in ax.texts if t.get_gid() == "im-label"]
        out.append((ax, [(t.get_text(), t.get_window_extent(renderer)) for t in texts]))
    return out


def _assert_apart(panels):
    for ax, names in panels:
        frame = ax.get_window_extent()
        for i, (a, box) in enumerate(names):
            assert frame.x0 - 0.5 <= box.x0 and box.x1 <= frame.x1 + 0.5, a
            assert frame.y0 - 0.5 <= box.y0 and box.y1 <= frame.y1 + 0.5, a
            for b, other in names[i + 1 :]:
                assert not box.overlaps(other), f"{a!r} and {b!r} overlap"


def test_province_names_do_not_collide_and_are_spelt_as_on_the_page(sample):
    fig = static_figure(
        sample, MapStyle(level="province", period="year"), image=ImageOptions(periods=3)
    )
    try:
        panels = _labels(fig)
        _assert_apart(panels)
        shown = [p for p in panels if p[1]]
        assert len(shown) == 3
        provinces = set(im.load_boundaries("province")["province"].str.upper())
        for _ax, names in shown:
            texts = {t for t, _ in names}
            assert texts <= provinces  # the boundary layer's names, as the page writes them
            assert len(texts) >= 25  # most of the 34 fit a panel 5 inches wide
    finally:
        matplotlib.pyplot.close(fig)


def test_district_level_names_towns_too_none_overlapping(gtd):
    fig = static_figure(
        gtd, MapStyle(level="district", period="year"), image=ImageOptions(periods=2)
    )
    try:
        panels = _labels(fig)
        _assert_apart(panels)
        renderer = fig.canvas.get_renderer()
        for ax, names in panels:  # nor over any other text on the panel (other layers' counts)
            others = [t.get_window_extent(renderer) for t in ax.texts if t.get_gid() != "im-label"]
            for name, box in names:
                assert not any(box.overlaps(o) for o in others), name
        texts = {t for _ax, names in panels for t, _ in names}
        assert {"Kabul", "Kandahar"} <= texts  # towns, in the page's spelling
        assert "HELMAND" in texts
    finally:
        matplotlib.pyplot.close(fig)


def test_no_names_when_the_style_says_so(sample):
    fig = static_figure(sample, MapStyle(level="province", period="year", labels=False))
    try:
        assert not any(names for _ax, names in _labels(fig))
    finally:
        matplotlib.pyplot.close(fig)


def _expected_totals(g, level, period):
    """Incidents per period as the library counts them (province-only rows on a district map)."""
    layer = im.load_boundaries(level)
    c = counts_by_area(g, layer, level=level, period=period, sums=())
    per = c.groupby("period_start")["incidents"].sum()
    if level == "district":
        prov = counts_by_area(
            g, im.load_boundaries("province"), level="province", period=period, sums=()
        )
        per = prov.groupby("period_start")["incidents"].sum()  # every row placed to a province
    return per


def _panel_totals(fig):
    out = {}
    for ax in fig.axes:
        title = ax.get_title()
        if title:
            label, _, total = title.partition("\n")
            m = re.match(r"([\d,]+) incidents?", total)
            assert m, title
            out[label.split(" (partial")[0]] = int(m.group(1).replace(",", ""))
    return out


@pytest.mark.parametrize(("which", "level"), [("sample", "province"), ("gtd", "district")])
def test_every_panel_says_its_total_as_the_library_counts_it(request, which, level):
    g = request.getfixturevalue(which)
    fig = static_figure(g, MapStyle(level=level, period="year"), image=ImageOptions(periods=None))
    try:
        got = _panel_totals(fig)
    finally:
        matplotlib.pyplot.close(fig)
    expected = _expected_totals(g, level, "year")
    want = {str(pd.Timestamp(t).year): int(v) for t, v in expected.items()}
    assert got == want
    assert sum(got.values()) > 0


def test_every_period_of_the_title_is_shown_by_default(sample, tmp_path):
    fig = static_figure(
        sample, MapStyle(level="province", period="year"), image=ImageOptions(periods=None)
    )
    try:
        titles = [ax.get_title().split("\n")[0] for ax in fig.axes if ax.get_title()]
        suptitle = fig._suptitle.get_text()
    finally:
        matplotlib.pyplot.close(fig)
    years = sorted(pd.to_datetime(sample["date"]).dt.year.unique())
    assert [t.split(" ")[0] for t in titles] == [str(y) for y in years]
    assert "shown" not in suptitle and "of 7" not in suptitle
    # and the file is written
    out = static_map(
        sample,
        tmp_path / "all.png",
        MapStyle(level="province", period="year"),
        image=ImageOptions(periods=None),
    )
    assert out.stat().st_size > 10_000


def test_the_title_says_which_periods_when_not_all(sample):
    years = sorted(pd.to_datetime(sample["date"]).dt.year.unique())
    fig = static_figure(
        sample, MapStyle(level="province", period="year"), image=ImageOptions(periods=6)
    )
    try:
        suptitle = fig._suptitle.get_text()
    finally:
        matplotlib.pyplot.close(fig)
    suptitle = " ".join(suptitle.split())  # the title wraps to the image's width
    assert f"shown: {years[1]} to {years[-1]} (6 of {len(years)} periods)" in suptitle
    chosen = [str(years[0]), str(years[3]), str(years[-1])]
    fig = static_figure(
        sample, MapStyle(level="province", period="year"), image=ImageOptions(periods=chosen)
    )
    try:
        suptitle = fig._suptitle.get_text()
        titles = [ax.get_title().split("\n")[0].split(" ")[0] for ax in fig.axes if ax.get_title()]
    finally:
        matplotlib.pyplot.close(fig)
    assert titles == chosen
    suptitle = " ".join(suptitle.split())
    assert f"shown: {', '.join(chosen)} (3 of {len(years)} periods)" in suptitle


@pytest.mark.parametrize("periods", [1, 2, 4, 12])
def test_title_legend_and_foot_fit_the_image_and_never_meet(sample, periods):
    """A one-panel slide cut its title and its credit at the right edge, and the foot's
    lines ran under the legend; each now wraps to the width and keeps its own band."""
    style = MapStyle(
        level="district", period="month", credit="A very long credit line " * 12,
        title="A long title that a one-panel image cannot hold on one line, by design here",
    )  # fmt: skip
    image = ImageOptions(periods=periods, left_out="Left out " * 30)
    fig = static_figure(sample, style, image=image)
    try:
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        box = fig.bbox
        texts = [fig._suptitle, *fig.texts]
        for t in texts:
            ext = t.get_window_extent(renderer)
            assert box.x0 - 1 <= ext.x0 and ext.x1 <= box.x1 + 1, t.get_text()[:40]
            assert box.y0 - 1 <= ext.y0 and ext.y1 <= box.y1 + 1, t.get_text()[:40]
        legend = fig.legends[0].get_window_extent(renderer)
        foot = fig.texts[-1].get_window_extent(renderer)  # the foot: drawn last
        assert fig.texts[-1].get_text().startswith("Left out")
        assert foot.y1 <= legend.y0 + 1  # the legend stands above the foot
        panels = [ax.get_window_extent(renderer) for ax in fig.axes if ax.get_title()]
        assert min(p.y0 for p in panels) >= legend.y1 - 1  # and under the panels
        assert (
            fig._suptitle.get_window_extent(renderer).y0
            >= max(ax.title.get_window_extent(renderer).y1 for ax in fig.axes if ax.get_title()) - 1
        )
    finally:
        matplotlib.pyplot.close(fig)


@pytest.mark.parametrize("which", ["sample", "gtd"])
def test_a_fatalities_panel_totals_the_known_tolls_and_says_the_unknown(request, which):
    # README's fatalities PNG said "Fatalities: 226 (1 placed only to a province)": the one
    # province-only row (toll unknown) was added as a fatality; a year with no toll known
    # said "Fatalities: 0"
    from incidentmap.render.series import area_series, province_only
    from incidentmap.render.static_map import panel_total

    g = request.getfixturevalue(which)
    placed = g[g["province_code"].notna()]
    tolls = pd.to_numeric(placed["fatalities"], errors="coerce")
    s = area_series(g, None, MapStyle(level="district", period=None, measure="fatalities"))
    text = panel_total(s, "window", 0)
    head, _, detail = text.partition("\n")
    assert head == f"Fatalities: {tolls.sum():,.0f}", text
    known = int(tolls.notna().sum())
    assert (f"known for {known:,} of {len(placed):,} incidents" in detail) == (known < len(placed))
    coarse = int(province_only(placed).sum())
    assert (f"incl. {coarse:,} placed only to a province" in detail) == bool(coarse)
    # by year: a year with no toll known is "unknown", never 0
    s = area_series(g, None, MapStyle(level="district", period="year", measure="fatalities"))
    years = pd.to_datetime(placed["date"]).dt.year
    for t, start in enumerate(s.starts):
        head = panel_total(s, "window", t).partition("\n")[0]
        of_year = tolls[years == pd.Timestamp(start).year]
        want = "unknown" if of_year.notna().sum() == 0 else f"{of_year.sum():,.0f}"
        assert head == f"Fatalities: {want}", (start, head)


def test_a_district_image_says_what_its_boxes_count(sample, tmp_path):
    fig = static_figure(
        sample, MapStyle(level="district", period="year", measure="fatalities"),
        image=ImageOptions(periods=None),
    )  # fmt: skip
    try:
        texts = [t.get_text() for t in fig.texts]
        details = [t.get_text() for ax in fig.axes for t in ax.texts if "known for" in t.get_text()]
    finally:
        matplotlib.pyplot.close(fig)
    assert any("Boxed numbers: incidents placed only to a province (a count, not fatalities)"
               in t for t in texts)  # fmt: skip
    assert details  # the known-for details under the panels, not in their titles


def test_a_rate_has_no_total(sample):
    from incidentmap.render.series import area_series
    from incidentmap.render.static_map import panel_total

    pop = pd.DataFrame(
        {"province_code": im.load_boundaries("province")["province_code"], "population": 1_000_000}
    )
    s = area_series(
        sample, None, MapStyle(level="province", period="year", measure="per100k"), population=pop
    )
    assert panel_total(s, "window", 0) == ""
    counts = area_series(sample, None, MapStyle(level="province", period="year"))
    assert panel_total(counts, "cumulative", len(counts.labels) - 1) == f"{len(sample)} incidents"
    assert np.nansum(counts.values) == len(sample)


# -- the default palette for colour-blind readers (issue 28, item 7) ------------------------

#: two colours a reader tells apart at a glance: CAM02-UCS distance (about 1 is the least a
#: reader with normal vision can tell; the default ramp's closest neighbours are 15 apart)
DISTINCT = 10.0


@pytest.mark.parametrize("cvd", ["deuteranomaly", "protanomaly", "tritanomaly"])
def test_neighbouring_default_classes_stay_apart_for_colour_blind_readers(cvd):
    from colorspacious import cspace_convert, deltaE
    from matplotlib.colors import to_rgb

    from incidentmap.render.classes import NODATA_COLOR, ZERO_COLOR, area_colors

    k = MapStyle().k
    legend = [NODATA_COLOR, ZERO_COLOR, *area_colors(k)]  # the legend's order, top to bottom
    rgb = np.array([to_rgb(c) for c in legend])
    seen = np.clip(
        cspace_convert(rgb, {"name": "sRGB1+CVD", "cvd_type": cvd, "severity": 100}, "sRGB1"), 0, 1
    )
    apart = [float(deltaE(seen[i], seen[i + 1], input_space="sRGB1")) for i in range(len(seen) - 1)]
    assert min(apart) >= DISTINCT, dict(zip(legend[1:], np.round(apart, 1), strict=True))
    # "unknown" (grey) is not mistaken for any class either
    unknown = [float(deltaE(seen[0], c, input_space="sRGB1")) for c in seen[2:]]
    assert min(unknown) >= DISTINCT
    # and the ramp still reads in order: lightness falls class by class
    light = cspace_convert(seen[1:], "sRGB1", "CAM02-UCS")[:, 0]
    assert np.all(np.diff(light) < 0)


def test_an_image_says_the_incidents_no_period_holds(tmp_path):
    """Undated rows and a month-dated row under weekly panels: the foot says how many are on
    no panel and why (they were left out without a word)."""
    src = tmp_path / "undated.csv"
    src.write_text(
        "date,latitude,longitude,fatalities,date_precision\n"
        "2023-03-02,34.43,70.45,1,\n2023-03-05,34.43,70.45,2,\n"
        ",34.43,70.45,1,\n2023-02,36.7,67.1,3,month\n"
    )
    g, _ = load_incidents(src)
    fig = static_figure(g, MapStyle(level="district", period="week"))
    try:
        texts = [t.get_text() for t in fig.texts]
    finally:
        matplotlib.pyplot.close(fig)
    said = "2 incidents in no week (1 undated, 1 dated to a month): on no panel."
    assert any(said in t for t in texts), texts


@pytest.mark.parametrize("periods", [1, 12])
def test_the_title_never_touches_the_panels_titles(sample, periods):
    """Four rows of panels put the figure's title on the first row's titles (it was placed at
    a share of the height): it keeps a gap whatever the rows."""
    fig = static_figure(
        sample, MapStyle(level="province", period="month"), image=ImageOptions(periods=periods)
    )
    try:
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        title = fig._suptitle.get_window_extent(renderer)
        for ax in fig.axes:
            if ax.get_title():
                below = ax.title.get_window_extent(renderer)
                assert below.y1 < title.y0 - 5, (below, title)
    finally:
        matplotlib.pyplot.close(fig)


def test_a_panels_detail_meets_neither_the_next_title_nor_the_legend(sample):
    """README's fatalities image drew each top panel's "(known for 8 of 49 incidents...)"
    over the title of the panel under it, and the last one into the legend's title."""
    style = MapStyle(level="district", period="month", measure="fatalities", mode="cumulative")
    fig = static_figure(sample, style, image=ImageOptions(periods=6))
    try:
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        titled = [ax for ax in fig.axes if ax.get_title()]
        details = [(ax, t) for ax in titled for t in ax.texts if t.get_text().startswith("(known")]
        assert len(details) == 6
        legend = fig.legends[0].get_window_extent(renderer)
        for _ax, text in details:
            box = text.get_window_extent(renderer)
            for other in titled:
                title = other.title.get_window_extent(renderer)
                assert not box.overlaps(title), (text.get_text(), other.get_title())
            assert not box.overlaps(legend), text.get_text()
    finally:
        matplotlib.pyplot.close(fig)
