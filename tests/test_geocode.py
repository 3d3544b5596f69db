from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

import incidentmap as im
from incidentmap.geocode import GEOCODE_COLUMNS, geocode_summary, locate_points
from incidentmap.geocode import geocode as geocode_frame
from tests.conftest import DATA, ROOT


def _frame(**cols):
    n = len(next(iter(cols.values())))
    return gpd.GeoDataFrame(pd.DataFrame(cols), geometry=[None] * n, crs="EPSG:4326")


def test_point_in_polygon_matches_geopandas_sjoin(districts):
    rng = np.random.default_rng(7)
    n = 20_000
    x = rng.uniform(60.4, 75.0, n)
    y = rng.uniform(29.3, 38.5, n)
    got = locate_points(districts, x, y)
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(x, y), crs="EPSG:4326")
    ref = gpd.sjoin(pts, districts[["geometry"]], how="left", predicate="within")
    ref = ref[~ref.index.duplicated()]["index_right"].fillna(-1).astype(int).to_numpy()
    assert (got == ref).all()
    assert 0.4 < (got >= 0).mean() < 0.6  # the bbox is about half Afghanistan


def test_round_coordinates_on_grid_lines(districts):
    # whole and half degrees: the locator's grid must not drop them
    x, y = np.meshgrid(np.arange(61, 75, 0.5), np.arange(30, 38.5, 0.5))
    x, y = x.ravel(), y.ravel()
    got = locate_points(districts, x, y)
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(x, y), crs="EPSG:4326")
    ref = gpd.sjoin(pts, districts[["geometry"]], how="left", predicate="within")
    ref = ref[~ref.index.duplicated()]["index_right"].fillna(-1).astype(int).to_numpy()
    assert (got == ref).all()


def test_sub_cells_answer_as_the_pieces_do(districts, tmp_path):
    # boundary cells are cut into sub-cells that answer without a test: points on the
    # sub-cell lines, on district vertices and a hair beside them get what testing every
    # piece of their cell gives (the locator without sub-cells), also after a cache round trip
    import shapely

    from incidentmap.locator import PointLocator

    loc = PointLocator(districts.geometry.values)
    assert ((loc.sub >= 0) | (loc.sub == -1)).mean() > 0.5  # most sub-cells need no test
    plain = PointLocator.__new__(PointLocator)
    plain.__dict__.update(loc.__dict__)
    plain.sub = np.full_like(loc.sub, -2)
    rng = np.random.default_rng(11)
    step = loc.cell / loc.split
    x = rng.uniform(60.4, 75.0, 100_000)
    y = rng.uniform(29.3, 38.5, 100_000)
    on_x = loc.x0 + np.round((x - loc.x0) / step) * step
    on_y = loc.y0 + np.round((y - loc.y0) / step) * step
    vx, vy = shapely.get_coordinates(districts.geometry.values)[::7].T
    hair = 1e-9
    xs = np.concatenate([x, on_x, x, on_x, vx, vx + hair, vx - hair, vx])
    ys = np.concatenate([y, y, on_y, on_y, vy, vy, vy + hair, vy - hair])
    want = plain.locate(xs, ys)
    assert np.array_equal(loc.locate(xs, ys), want)
    loc.save(tmp_path / "loc.npz")
    again = PointLocator.load(tmp_path / "loc.npz")
    assert again.split == loc.split
    assert np.array_equal(again.locate(xs, ys), want)


def test_points_snap_swap_outside(use_cache, districts):
    # Jalalabad; swapped Jalalabad; Peshawar (Pakistan, ~50 km out); a point 1-2 km beyond the
    # Torkham border; (0, 0); and a missing point with no names
    f = _frame(
        latitude=[34.43, 70.45, 34.01, 34.115, 0.0, np.nan],
        longitude=[70.45, 34.43, 71.58, 71.105, 0.0, np.nan],
    )
    g = geocode_frame(f)
    assert len(g) == 6
    assert list(g["geocode_method"]) == [
        "point",
        "point_swapped",
        "unplaced",
        "point_snapped",
        "unplaced",
        "unplaced",
    ]
    assert g.iloc[0]["district"] == "Jalalabad" and g.iloc[0]["province_code"] == "AF-NAN"
    assert g.iloc[1]["district"] == "Jalalabad"
    assert "swapped" in g.iloc[1]["geocode_note"]
    assert g.iloc[2]["geocode_note"].startswith("outside: ")
    assert g.iloc[3]["province_code"] == "AF-NAN"
    assert g.iloc[3]["geocode_note"].startswith("snapped ")
    assert " km from outside Afghanistan to " in g.iloc[3]["geocode_note"]  # from Pakistan
    assert g.iloc[5]["geocode_note"].startswith("no location")
    s = geocode_summary(g)
    assert s["read"] == 6 and s["placed_by_point"] == 3 and s["unplaced"] == 3
    assert s["unplaced_reasons"] == {"outside": 2, "no location": 1}
    assert s["snapped_from_outside"] == 1


def test_a_gap_between_districts_is_not_outside_afghanistan(use_cache, province_layer):
    # a point in a sliver no district covers, inside the country's outer border, is snapped
    # to a district but was never outside Afghanistan: neither said nor counted
    import shapely

    country = shapely.union_all(province_layer.geometry.values)
    holes = [shapely.Polygon(r) for g in shapely.get_parts(country) for r in g.interiors]
    assert holes  # the installed geoBoundaries layer has one (35.79 N, 69.23 E)
    at = shapely.point_on_surface(holes[0])
    g = geocode_frame(_frame(latitude=[at.y], longitude=[at.x]))
    assert g["geocode_method"].iloc[0] == "point_snapped"
    assert "outside Afghanistan" not in g["geocode_note"].iloc[0]
    assert geocode_summary(g)["snapped_from_outside"] == 0


def test_snap_distance_is_in_kilometres(use_cache):
    f = _frame(latitude=[34.115], longitude=[71.105])
    assert geocode_frame(f, snap_km=0)["geocode_method"].iloc[0] == "unplaced"
    note = geocode_frame(f, snap_km=5)["geocode_note"].iloc[0]
    km = float(note.split()[1])
    assert 0 < km < 5


def test_conflict_between_point_and_stated_province(use_cache):
    f = _frame(latitude=[34.43], longitude=[70.45], stated_province=["Herat"])
    g = geocode_frame(f)
    r = g.iloc[0]
    assert r["province_code"] == "AF-NAN" and bool(r["geocode_conflict"])
    assert "stated province 'Herat'" in r["geocode_note"]


def test_source_precision(use_cache):
    g = geocode_frame(im.read_incidents(DATA / "acled.csv"))
    prov = g.iloc[2]
    assert prov["geocode_precision"] == "province" and pd.isna(prov["district"])
    assert prov["province_code"] == "AF-PAN"
    u = geocode_frame(im.read_incidents(DATA / "ucdp.csv"))
    assert list(u["geocode_precision"]) == ["point", "province", "none"]
    assert u.iloc[2]["geocode_note"].startswith("country only")


def test_sample_file_names_only(use_cache):
    g = geocode_frame(im.read_incidents(ROOT / "geo" / "sample_incidents.csv"))
    assert len(g) == 52 and g["geocode_method"].ne("unplaced").all()
    assert g.geometry.notna().all()
    by_id = g.set_index("event_id")
    # the March 2023 killings: Herat ("Hirat"), Balkh (Mazar-i-Sharif), Nangarhar ("Ningarhar")
    assert by_id.loc["IM-2023-001", "province_code"] == "AF-HER"
    assert by_id.loc["IM-2023-002", "district"] == "Mazari Sharif"
    assert by_id.loc["IM-2023-003", "province_code"] == "AF-NAN"
    assert by_id.loc["IM-2023-003", "geocode_precision"] == "province"
    assert by_id.loc["IM-2021-005", "province"] == "Kunduz"  # written "Kondoz"
    assert by_id.loc["IM-2018-005", "district"] == "Kabul"  # Dasht-e Barchi, a Kabul place
    assert set(g["actor1_group"]) == {"isis-k"} and set(g["attribution"]) == {"claimed"}
    # the file's own "province" column is kept, renamed, beside the geocoded one
    assert "Kabol" in set(g["province_original"]) and "Hirat" in set(g["province_original"])


def test_names_district_place_province(use_cache):
    f = _frame(
        stated_province=["Kandahar (Province)", None, "Faryab", None, "Narnia", "Balkh", None],
        stated_district=["Maiwand district", "Kohistan", "Kohistan", None, None, None, None],
        stated_place=[None, None, None, "Jalalabad", None, "Nowhere-abad", None],
    )
    g = geocode_frame(f)
    m = list(g["geocode_method"])
    assert m == [
        "district_name",
        "unplaced",
        "district_name",
        "place_name",
        "unplaced",
        "province_name",
        "unplaced",
    ]
    assert g.iloc[0]["district"] == "Maywand"
    assert g.iloc[0]["geocode_precision"] == "district"
    assert g.iloc[1]["geocode_note"].startswith("ambiguous: district 'Kohistan'")
    assert g.iloc[2]["province_code"] == "AF-FYB"
    assert g.iloc[3]["district"] == "Jalalabad" and g.iloc[3]["geocode_precision"] == "point"
    assert "unknown name" in g.iloc[4]["geocode_note"]
    assert "unknown name: place 'Nowhere-abad' in Balkh" in g.iloc[5]["geocode_note"]
    assert geocode_summary(g)["unplaced_reasons"] == {
        "ambiguous": 1,
        "unknown name": 1,
        "no location": 1,
    }


def test_fuzzy_district_within_province(use_cache):
    g = geocode_frame(_frame(stated_province=["Nangarhar"], stated_district=["Muhmand Dra"]))
    r = g.iloc[0]
    assert r["district"] == "Muhmand Dara"
    assert r["geocode_score"] < 100 and "read as Muhmand Dara" in r["geocode_note"]


def test_rows_in_equal_rows_out_and_columns(use_cache):
    src = im.read_incidents(DATA / "acled.csv")
    g = geocode_frame(src)
    assert len(g) == len(src)
    assert list(g["row"]) == list(src["row"])
    for c in GEOCODE_COLUMNS:
        assert c in g.columns
    for c in src.columns:
        if c != "geometry":
            assert c in g.columns


def test_geocode_twice_keeps_previous_columns(use_cache):
    g = geocode_frame(im.read_incidents(DATA / "acled.csv"))
    again = geocode_frame(g)
    assert "province_original" in again.columns
    assert list(again["province"]) == list(g["province"])


def test_far_estimates_bound_the_true_distance(use_cache):
    # the per-cell and per-sub-cell distances that let far points skip measuring are within
    # their stated margin of the true distance to the nearest district (metres, UTM 42N)
    import shapely

    from incidentmap.context import METRIC_CRS, context_for

    ctx = context_for(None)
    rng = np.random.default_rng(3)
    x = rng.uniform(60.5, 75.0, 200_000)
    y = rng.uniform(29.4, 38.5, 200_000)
    out = ctx.locate(x, y) < 0
    x, y = x[out], y[out]
    dist, margin = ctx.far_estimate(x, y)
    known = np.isfinite(dist)
    assert known.mean() > 0.9 and (margin < 1).sum() > 1000  # both kinds are used
    pts = gpd.GeoSeries(gpd.points_from_xy(x[known], y[known]), crs="EPSG:4326")
    country = shapely.union_all(ctx.districts.to_crs(METRIC_CRS).geometry.values)
    # outside every district, the distance to them is the distance to their union's edge:
    # its segments, unsimplified, measured exactly (a tree of segments keeps this quick)
    lines = shapely.get_parts(shapely.boundary(country))
    xy, part = shapely.get_coordinates(lines, return_index=True)
    same = part[1:] == part[:-1]
    segments = shapely.linestrings(np.stack([xy[:-1][same], xy[1:][same]], axis=1))
    _, true_m = shapely.STRtree(segments).query_nearest(
        pts.to_crs(METRIC_CRS).values, return_distance=True, all_matches=False
    )
    true_km = true_m / 1000
    err = np.abs(true_km - dist[known])
    assert (err <= margin[known]).all(), float((err - margin[known]).max())
