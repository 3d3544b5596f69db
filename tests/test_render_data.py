from __future__ import annotations

import mapclassify
import numpy as np
import pandas as pd
import pytest
import shapely

import incidentmap as im
from incidentmap.geocode import geocode as geocode_frame
from incidentmap.pipeline import load_incidents
from incidentmap.render import ImageOptions, PageParts, briefing_map, static_map
from incidentmap.render.classes import class_bins
from incidentmap.render.data import display_layers
from incidentmap.render.encode import encode_geometry, pack_ints
from incidentmap.render.series import period_labels


def unpack(p):  # written again here on purpose: the test must not trust the code it checks
    if "k" in p:
        return [p["k"]] * p["n"]
    w = p["w"]
    return [int(p["s"][i : i + w], 36) - 1 for i in range(0, len(p["s"]), w)]


def decode_ring(d):
    xy = np.cumsum(np.array(d).reshape(-1, 2), axis=0) / 1e4
    return xy


@pytest.mark.parametrize("values", [[0, 1, 2, 35, 36, 1295, 1296, -1], [7] * 10, [], [-1, -1]])
def test_pack_ints_round_trip(values):
    assert unpack(pack_ints(values)) == values


@pytest.mark.parametrize("scheme", ["quantiles", "equal_interval", "natural_breaks"])
def test_class_bins_match_mapclassify(scheme):
    rng = np.random.default_rng(5)
    v = (
        rng.poisson(3, 3000).astype(float)
        if scheme != "natural_breaks"
        else np.round(rng.exponential(4, 300), 1)
    )  # mapclassify's pure-Python Jenks is slow: fewer values
    pos = v[v > 0]
    got = class_bins(v, scheme, 5)
    cls = {
        "quantiles": mapclassify.Quantiles,
        "equal_interval": mapclassify.EqualInterval,
        "natural_breaks": mapclassify.FisherJenks,
    }[scheme]
    ref = sorted({round(float(e), 6) for e in cls(pos, k=5).bins})
    assert np.allclose(got, ref)
    assert got[-1] == pos.max()


def test_user_bins_and_zero_only():
    assert class_bins(np.array([0, 3, 12, 40.0]), "user", bins=[5, 10]) == [5, 10, 40]
    assert class_bins(np.zeros(5)) == [1.0]
    with pytest.raises(im.UsageError, match="scheme must be one of"):
        class_bins(np.ones(3), "nope")


def test_period_labels_are_calendar_dates():
    starts = pd.to_datetime(["2023-03-06", "2023-03-13"])
    assert period_labels(starts, "week") == [
        "06 Mar \u2013 12 Mar 2023",
        "13 Mar \u2013 19 Mar 2023",
    ]
    assert period_labels(pd.to_datetime(["2023-04-01"]), "quarter") == ["2023 Q2"]
    assert period_labels(pd.to_datetime(["2023-03-01"]), "month") == ["March 2023"]


def test_display_geometry_keeps_shared_borders(districts, province_layer):
    d, p = display_layers(districts)
    assert len(d) == 398 and len(p) == 34
    assert d.is_valid.all()
    # no gaps and no overlaps between neighbours: the union of the simplified districts has the
    # area of the sum of their areas, and each province is exactly its districts
    ea = d.to_crs("EPSG:6933")
    union = shapely.union_all(ea.geometry.values)
    assert union.area == pytest.approx(ea.area.sum(), rel=1e-6)
    pe = p.to_crs("EPSG:6933").set_index("province_code")
    for code, grp in ea.groupby("province_code"):
        assert (
            shapely.union_all(grp.geometry.values)
            .symmetric_difference(pe.loc[code, "geometry"])
            .area
            < 1.0
        )
    # and they stay close to the real outline (< 0.5 % of the country's area differs)
    real = shapely.union_all(province_layer.to_crs("EPSG:6933").geometry.values)
    assert real.symmetric_difference(union).area / real.area < 0.005


def test_encode_geometry_round_trip(districts):
    d, _ = display_layers(districts)
    for geom in d.geometry.values[:20]:
        enc = encode_geometry(geom)
        polys = enc["d"] if enc["type"] == "MultiPolygon" else [enc["d"]]
        parts = [shapely.Polygon(decode_ring(p[0]), [decode_ring(h) for h in p[1:]]) for p in polys]
        back = shapely.MultiPolygon(parts) if len(parts) > 1 else parts[0]
        assert (
            back.equals_exact(geom.normalize() if False else geom, tolerance=1e-6)
            or back.symmetric_difference(geom).area < 1e-10
        )


def test_static_map_files(use_cache, tmp_path):
    from PIL import Image

    g = geocode_frame(
        im.read_incidents(
            __import__("tests.conftest").conftest.ROOT / "geo" / "sample_incidents.csv"
        )
    )
    for ext in (".png", ".svg", ".pdf"):
        out = tmp_path / f"m{ext}"
        opts = ImageOptions(periods=3)
        static_map(g, out, image=opts, level="province", period="year", title="T")
        assert out.stat().st_size > 1000
    img = Image.open(tmp_path / "m.png")
    assert img.size[0] > 1000
    with pytest.raises(im.UsageError, match="unknown period"):
        static_map(g, tmp_path / "x.png", image=ImageOptions(periods=["1999"]), period="year")
    with pytest.raises(im.UsageError, match=r"\.png, \.svg or \.pdf"):
        static_map(g, tmp_path / "x.gif")


def test_payload_hotspots_match_trends(use_cache):
    """The page's hot-spot layer and ``trends`` agree on a constructed hot block."""
    import pandas as pd

    from incidentmap.render.data import build_payload
    from incidentmap.trends import trends

    prov = im.load_boundaries("province")
    pts = prov.geometry.representative_point()
    hot = {"Nangarhar", "Kunar", "Laghman", "Nuristan", "Kapisa"}
    rows = []
    for name, p in zip(prov["province"], pts, strict=True):
        for k in range(12):
            n = 1 if k < 11 or name not in hot else 40
            rows += [{"date": f"2023-{k + 1:02d}-10", "latitude": p.y, "longitude": p.x}] * n
    rows.append({"date": "2023-12-31", "latitude": pts.iloc[0].y, "longitude": pts.iloc[0].x})
    g = geocode_frame(pd.DataFrame(rows))
    parts = PageParts(points=False, permutations=999)
    payload = build_payload(g, im.load_boundaries(), level="province", period="month",
                            hotspots=True, parts=parts)  # fmt: skip
    h = payload["hotspots"]
    names = payload["areas"]["names"]
    assert len(h["hot"]) == len(payload["periods"]) == 12
    assert len(h["emerging"]) == len(names)
    page_hot = {names[i] for i in h["hot"][-1]}
    assert {"Kunar", "Laghman"} <= page_hot
    t = trends(g, level="province", period="month", permutations=999)
    assert page_hot == set(t.loc[t["hotspot"] == "hot", "province"])
    assert "Getis-Ord Gi*" in h["rule"]


def test_brief_png_counts_the_areas_once_and_both_draw_the_same_series(
    capsys, use_cache, tmp_path, monkeypatch
):
    # the page and the PNG draw one AreaSeries: brief --png counts by area once, and the
    # page's classes and colours are the series' (not re-summed from the page's encoding)
    from incidentmap.cli import main
    from incidentmap.render import series as series_module
    from incidentmap.render.data import build_payload
    from incidentmap.render.series import area_series

    calls = []
    real = series_module.counts_by_area

    def counting(*args, **kwargs):
        calls.append(kwargs.get("level"))
        return real(*args, **kwargs)

    monkeypatch.setattr(series_module, "counts_by_area", counting)
    g, _ = load_incidents(_sample())
    with pytest.raises(SystemExit) as exc:
        main(["brief", str(_sample()), "-o", str(tmp_path / "b.html"), "--level", "province",
              "--period", "year", "--png", str(tmp_path / "b.png")])  # fmt: skip
    assert exc.value.code == 0, capsys.readouterr().err
    assert calls == ["province"]
    assert (tmp_path / "b.png").stat().st_size > 10_000
    s = area_series(g, None, im.MapStyle(level="province", period="year", measure="fatalities"))
    payload = build_payload(g, im.load_boundaries(), series=s, parts=PageParts(points=False))
    assert payload["areas"]["bins"] == s.bins and payload["areas"]["colors"] == s.colors
    assert payload["periods"] == s.labels
    assert s.legend("window")[:2] == [("unknown", "#bdbdbd"), ("0", "#f4f1ea")]


def _sample():
    from tests.conftest import ROOT

    return ROOT / "geo" / "sample_incidents.csv"


def test_count_classes_are_whole_numbers_and_sums_may_be_fractions(use_cache):
    # issue 16: count legends read "> 3 - 7.60"; a count class is whole numbers
    from incidentmap.render.series import area_series

    g, _ = load_incidents(_sample())
    counts = area_series(g, None, im.MapStyle(level="district", period="year", k=5))
    assert counts.integer
    for mode in ("window", "cumulative"):
        assert all(float(b).is_integer() for b in counts.bins[mode])
        assert counts.bins[mode] == sorted(set(counts.bins[mode]))
        assert counts.bins[mode][-1] == np.nanmax(counts.shown(mode))
    labels = [lab for lab, _ in counts.legend("cumulative")]
    assert all("." not in lab for lab in labels)
    g2 = g.assign(fatalities=g["fatalities"] / 3)  # GTD splits a toll: fractions are real
    sums = area_series(g2, None, im.MapStyle(level="province", measure="fatalities"))
    assert not sums.integer


def test_default_title_partial_last_period_and_png_text_as_written(use_cache, tmp_path):
    # issue 16: no default title; a half month ranked as a month; issue 18: "$" as mathtext
    from incidentmap.render.data import default_title
    from incidentmap.render.series import area_series

    g, _ = load_incidents(_sample())  # dates end 7 Nov 2023
    style = im.MapStyle(level="province", period="month")
    assert default_title(g, style) == (
        "sample_incidents, Afghanistan, Mar 2017 \u2013 Nov 2023, events per province, monthly"
    )
    s = area_series(g, None, style)
    assert s.labels[-1] == "November 2023"
    assert s.label(len(s.labels) - 1) == "November 2023 (partial: data to 07 Nov 2023)"
    assert s.label(len(s.labels) - 2) == "October 2023"
    assert area_series(g, None, style, coverage_end="2023-11-30").partial is None
    m = briefing_map(g, level="province", period="year")
    assert m.get_root().title.startswith("sample_incidents, Afghanistan")
    out = tmp_path / "t.png"
    static_map(g, out, title="Losses $5M vs $7M \\frac{", level="province", period="year")
    assert out.stat().st_size > 10_000


def test_each_layer_is_one_key_of_the_page_that_its_script_reads(use_cache):
    # the seam of issue 25: a layer is one module (its part of the page's data, under its
    # name) and one function of incidentmap.js reading that name
    from incidentmap.pipeline import load_incidents
    from incidentmap.render.assets import incidentmap_assets
    from incidentmap.render.data import build_payload
    from incidentmap.render.layers import LAYERS, NAMED

    names = [layer.name for layer in LAYERS]
    _, js = incidentmap_assets()
    assert [n for n in names if f"this.data.{n}" not in js] == []
    g, _ = load_incidents(_sample())
    parts = PageParts(surge=True, timeline=True, layer_names=True, events=True)
    every = build_payload(g, im.load_boundaries(), parts=parts, level="province",
                          period="year", hotspots=True, labels=True)  # fmt: skip
    # every layer, in the protocol's order (rows placed only to a province: district pages)
    # a province page draws its outline from its areas' shapes (not sent twice)
    assert [k for k in every if k in names] == [n for n in names if n not in ("coarse", "outline")]
    district = build_payload(g, im.load_boundaries(), parts=parts, level="district")
    assert district["coarse"]["total"] == 1  # the sample's province-only row, counted
    assert "outline" in district  # province borders above the districts
    assert list(every["layerNames"]) == [layer.name for layer in NAMED]
    assert every["layerNames"]["areas"] == "Incidents by province"
    bare = build_payload(g, im.load_boundaries(), parts=PageParts(choropleth=False, points=False))
    assert [k for k in bare if k in names] == ["outline"]  # the borders are on every page


def test_a_popup_spells_one_place_one_way():
    """District "Hirat" in province "Herat", place "Mazari Sharif" in district "Mazar-i-Sharif":
    each popup shows one spelling (issue 28, item 9); other names are kept as written."""
    import geopandas as gpd

    from incidentmap.render.points import point_layer

    g = gpd.GeoDataFrame(
        {
            "date": pd.to_datetime(["2023-03-01", "2023-03-02", "2023-03-03"]),
            "stated_place": ["Hirat", "Mazari Sharif", "Pul-i-Khumri"],
            "district": ["Hirat", "Mazar-i-Sharif", "Dand"],
            "province": ["Herat", "Balkh", "Kandahar"],
            "category": ["other"] * 3,
            "geocode_precision": ["point"] * 3,
            "geocode_method": ["point"] * 3,
        },
        geometry=gpd.points_from_xy([62.2, 67.1, 65.7], [34.35, 36.7, 31.5]),
        crs="EPSG:4326",
    )
    layer = point_layer(g, [pd.Timestamp("2023-03-01")], "month", "category", None)

    def shown(field):
        codes = layer["text"][field]
        codes = list(range(3)) if codes == "seq" else pack_unpacked(codes)
        return [layer["tables"][field][c] for c in codes]

    assert shown("District") == ["Herat", "Mazar-i-Sharif", "Dand"]
    assert shown("Place") == ["Herat", "Mazar-i-Sharif", "Pul-i-Khumri"]
    assert shown("Province") == ["Herat", "Balkh", "Kandahar"]


def pack_unpacked(packed):
    from incidentmap.render.encode import unpack_ints

    return unpack_ints(packed)


def test_the_event_table_keeps_every_row_and_unknown_tolls_unknown(use_cache):
    """One row per incident (points first, in the point layer's order), tolls NaN stay unknown."""
    import base64
    import zlib

    from incidentmap.render.layers.events import event_table
    from incidentmap.render.series import area_series

    g, _ = load_incidents(_sample())
    series = area_series(g, None, im.MapStyle(level="district"))
    provinces = display_layers(None)[1]
    table = event_table(g, series, provinces)
    assert table["n"] == len(g)
    raw = zlib.decompress(base64.b85decode(table["z"].replace(".", "{")))
    spec = {c[0]: c for c in table["cols"]}
    _, kind, off, n = spec["f"]
    assert kind == "u8" and n == len(g)
    tolls = np.frombuffer(raw[off : off + n], dtype=np.uint8).astype(int) - 1
    unknown = pd.to_numeric(g["fatalities"], errors="coerce").isna().sum()
    assert (tolls == -1).sum() == unknown  # unknown, never 0


def test_the_timeline_keeps_fractional_weighted_counts(use_cache):
    # a weighted table (HAPI's `events`) of 2.5, 1.5, 0.5, 0.5: the page's timeline showed
    # 2, 1, 0, 0 (cut to whole numbers) while its map said 2.5
    from incidentmap.aggregate import weighted
    from incidentmap.render.layers.timeline import timeline

    raw = pd.DataFrame({
        "date": ["2023-01-05", "2023-02-05", "2023-03-05", "2023-04-05"],
        "province": ["Kabul"] * 4, "events": [2.5, 1.5, 0.5, 0.5],
    })  # fmt: skip
    g = weighted(geocode_frame(raw), "events")
    starts = list(pd.date_range("2023-01-01", periods=4, freq="MS"))
    got = timeline(g, "month", starts)
    assert got["total"] == [2.5, 1.5, 0.5, 0.5]
    assert sum(sum(c) for c in got["counts"]) == 5.0
    whole = timeline(geocode_frame(raw), "month", starts)  # whole counts stay packed
    assert isinstance(whole["total"], dict)
