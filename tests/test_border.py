"""Across the border (issue 26, class 10): rows that state a neighbour are never snapped in.

Points are taken from the installed district layer's outer border: 1-4 km outside it on the
Pakistani and Iranian sides, and 1-4 km inside it. A row stating Pakistan, Iran or one of
their first-level areas (FATA, KPK, Balochistan, Sistan and Baluchestan... in any spelling and
case) stays unplaced outside Afghanistan, and inside it is placed with a conflict; the same
points with nothing stated are snapped in and counted as "snapped from outside Afghanistan".
"""

from __future__ import annotations

import csv
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import incidentmap as im
from incidentmap.cli import main
from incidentmap.context import METRIC_CRS, context_for
from incidentmap.gazetteer import provinces
from incidentmap.geocode import geocode as geocode_frame
from incidentmap.geocode import geocode_summary
from incidentmap.geocode.border import area_country, country_named
from tests.conftest import DATA

SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

#: what rows of UCDP's, ACLED's and GTD's Pakistani events write, and analysts' lists
PAKISTAN = ("Pakistan", "PAK", "PK", "Islamic Republic of Pakistan")
PAKISTANI_AREAS = (
    "FATA", "F.A.T.A.", "Federally Administered Tribal Areas", "KPK", "K.P.K.", "KP", "K-P",
    "NWFP", "N.W.F.P.", "North-West Frontier Province", "Khyber Pakhtunkhwa",
    "Khyber-Pakhtunkhwa", "Khyber Pakhtunkhwa province", "Khyber Pakhtoonkhwa", "Baluchistan",
    "Balochistan", "Balochistan province", "PK-KP", "PK-BA",
)  # fmt: skip
IRAN = ("Iran", "IRN", "Iran (Islamic Republic of)", "Islamic Republic of Iran")
IRANIAN_AREAS = (
    "Sistan and Baluchestan", "Sīstān va Balūchestān", "Sistan-Baluchestan", "Razavi Khorasan",
    "Khorāsān-e Raẕavī", "South Khorasan", "Khorasan-e Jonubi", "IR-11",
)  # fmt: skip
COUNTRY_HEADERS = ("country", "Country", "COUNTRY", "country_txt", "Country_Txt")
PROVINCE_HEADERS = ("adm_1", "admin1", "Province", "provstate")


def _frame(**cols: list[object]) -> gpd.GeoDataFrame:
    n = len(next(iter(cols.values())))
    return gpd.GeoDataFrame(pd.DataFrame(cols), geometry=[None] * n, crs="EPSG:4326")


@st.composite
def _cased(draw: st.DrawFn, names: tuple[str, ...]) -> str:
    """One of the names, each letter in upper or lower case, with stray spaces around."""
    name = draw(st.sampled_from(names))
    upper = draw(st.lists(st.booleans(), min_size=len(name), max_size=len(name)))
    cased = "".join(c.upper() if u else c.lower() for c, u in zip(name, upper, strict=True))
    return draw(st.sampled_from(["", " "])) + cased + draw(st.sampled_from(["", "  "]))


# ---------------------------------------------------------------------------------------------
# points beside the border, from the installed layer


def _border_points(country: shapely.Geometry) -> dict[str, np.ndarray]:
    """Vertices of the outer border with their outward normal (metres, UTM 42N), by side."""
    ring = max(shapely.get_parts(country), key=lambda g: g.area).exterior
    xy = shapely.get_coordinates(ring)[:-1]
    if not shapely.is_ccw(ring):
        xy = xy[::-1]
    ahead, behind = np.roll(xy, -5, axis=0), np.roll(xy, 5, axis=0)
    d = ahead - behind
    normal = np.column_stack([d[:, 1], -d[:, 0]])  # right of travel on a ccw ring: outward
    normal /= np.linalg.norm(normal, axis=1)[:, None]
    xy, normal = xy[::7], normal[::7]  # enough vertices, a few hundred metres apart
    # keep the vertices where 1-4 km out and in stay 1-4 km from the border, on that side
    rings = shapely.get_parts(shapely.boundary(country))
    ends, part = shapely.get_coordinates(rings, return_index=True)
    same = part[1:] == part[:-1]  # no segment from one ring to the next
    pairs = np.stack([ends[:-1][same], ends[1:][same]], axis=1)
    segments = shapely.STRtree(shapely.linestrings(pairs))
    good = np.ones(len(xy), dtype=bool)
    shapely.prepare(country)
    for km in (1.0, 2.5, 4.0):
        for sign, inside in ((1, False), (-1, True)):
            pts = xy + sign * normal * km * 1000
            _, dist = segments.query_nearest(
                shapely.points(pts), return_distance=True, all_matches=False
            )
            good &= shapely.contains_xy(country, *pts.T) == inside
            good &= np.asarray(dist) > 0.6 * km * 1000
    lon, lat = _degrees(xy)
    pakistan = good & (((lat < 31.0) & (lon > 61.2)) | ((lon > 66.5) & (lat < 36.3)))
    iran = good & (lon < 61.8) & (lat > 30.0) & (lat < 34.8)
    return {
        "pakistan": np.column_stack([xy[pakistan], normal[pakistan]]),
        "iran": np.column_stack([xy[iran], normal[iran]]),
    }


@pytest.fixture(scope="module")
def border(province_layer) -> dict[str, np.ndarray]:
    country = shapely.union_all(province_layer.to_crs(METRIC_CRS).geometry.values)
    return _border_points(country)


@pytest.fixture(scope="module")
def ctx(districts):
    return context_for(districts)


def _at(points: np.ndarray, picks: list[tuple[int, float]], sign: float) -> tuple[list, list]:
    """(longitudes, latitudes) of points ``km`` outside (sign 1) or inside (-1) the border."""
    chosen = np.array([points[i % len(points)] for i, _ in picks])
    km = np.array([k for _, k in picks])
    xy = chosen[:, :2] + sign * chosen[:, 2:] * km[:, None] * 1000
    lon, lat = _degrees(xy)
    return lon.tolist(), lat.tolist()


def _degrees(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Longitudes and latitudes of points in metres (UTM 42N)."""
    pts = gpd.GeoSeries(shapely.points(xy), crs=METRIC_CRS).to_crs(4326)
    return pts.x.to_numpy(), pts.y.to_numpy()


_PICKS = st.lists(st.tuples(st.integers(0, 10**6), st.floats(1.0, 4.0)), min_size=1, max_size=12)


def test_the_border_points_are_where_they_should_be(border, ctx):
    # enough of both sides, and the generated points really are 1-4 km out and in
    assert len(border["pakistan"]) > 500 and len(border["iran"]) > 100
    picks = [(i * 37, 1.0 + (i % 4)) for i in range(40)]
    for side in ("pakistan", "iran"):
        lon, lat = _at(border[side], picks, 1.0)
        assert (ctx.locate(np.array(lon), np.array(lat)) < 0).all()
        lon, lat = _at(border[side], picks, -1.0)
        assert (ctx.locate(np.array(lon), np.array(lat)) >= 0).all()


# ---------------------------------------------------------------------------------------------
# a stated neighbour outside: never snapped in


@SETTINGS
@given(
    picks=_PICKS,
    data=st.data(),
    how=st.sampled_from(["country", "area", "both"]),
)
def test_rows_stating_pakistan_are_never_placed_in_afghanistan(border, ctx, picks, data, how):
    lon, lat = _at(border["pakistan"], picks, 1.0)
    n = len(lon)
    cols: dict[str, list[object]] = {"latitude": lat, "longitude": lon}
    if how in ("country", "both"):
        header = data.draw(st.sampled_from(COUNTRY_HEADERS))
        cols[header] = [data.draw(_cased(PAKISTAN)) for _ in range(n)]
    if how in ("area", "both"):
        cols["stated_province"] = [data.draw(_cased(PAKISTANI_AREAS)) for _ in range(n)]
    g = geocode_frame(_frame(**cols), ctx)
    assert (g["geocode_method"] == "unplaced").all(), g[["geocode_method", "geocode_note"]]
    assert g["province"].isna().all() and g.geometry.isna().all()
    notes = g["geocode_note"].tolist()
    assert all(n.startswith("outside Afghanistan: the row states ") for n in notes), notes
    assert all("Pakistan" in n and "not snapped" in n for n in notes), notes
    s = geocode_summary(g)
    assert s["unplaced_reasons"] == {"outside Afghanistan": n}
    assert s["snapped_from_outside"] == 0 and s["conflicts"] == 0


@SETTINGS
@given(picks=_PICKS, data=st.data())
def test_rows_stating_iran_are_never_placed_in_afghanistan(border, ctx, picks, data):
    lon, lat = _at(border["iran"], picks, 1.0)
    n = len(lon)
    g = geocode_frame(
        _frame(
            latitude=lat,
            longitude=lon,
            country=[data.draw(st.sampled_from([*IRAN, None])) for _ in range(n)],
            stated_province=[data.draw(_cased(IRANIAN_AREAS)) for _ in range(n)],
        ),
        ctx,
    )
    assert (g["geocode_method"] == "unplaced").all()
    assert g["geocode_note"].str.contains("the row states .*Iran", regex=True).all()


@SETTINGS
@given(picks=_PICKS, side=st.sampled_from(["pakistan", "iran"]), data=st.data())
def test_the_same_points_stating_nothing_are_snapped_and_counted(border, ctx, picks, side, data):
    lon, lat = _at(border[side], picks, 1.0)
    n = len(lon)
    # nothing stated, or only Afghanistan / an Afghan province: snapped in, and said
    stated = data.draw(st.sampled_from(["nothing", "afghanistan", "province"]))
    cols: dict[str, list[object]] = {"latitude": lat, "longitude": lon}
    if stated == "afghanistan":
        cols["country"] = ["Afghanistan"] * n
    elif stated == "province":
        cols["stated_province"] = ["Nangarhar" if side == "pakistan" else "Herat"] * n
    g = geocode_frame(_frame(**cols), ctx)
    assert (g["geocode_method"] == "point_snapped").all(), g[["geocode_method", "geocode_note"]]
    assert g["geocode_note"].str.match(r"snapped \d+\.\d km from outside Afghanistan to ").all()
    s = geocode_summary(g)
    assert s["snapped_from_outside"] == n == s["placed_by_point"]


@SETTINGS
@given(picks=_PICKS, data=st.data())
def test_points_inside_stating_a_pakistani_province_are_conflicts(border, ctx, picks, data):
    lon, lat = _at(border["pakistan"], picks, -1.0)
    n = len(lon)
    areas = [data.draw(_cased(PAKISTANI_AREAS)) for _ in range(n)]
    g = geocode_frame(_frame(latitude=lat, longitude=lon, stated_province=areas), ctx)
    plain = geocode_frame(_frame(latitude=lat, longitude=lon), ctx)
    assert (g["geocode_method"] == "point").all()
    assert list(g["district"]) == list(plain["district"])  # the point is kept
    assert g["geocode_conflict"].all()
    for note, area, prov in zip(g["geocode_note"], areas, g["province"], strict=True):
        assert note == (
            f"conflict: the row states {area.strip()} (Pakistan) but the point is in "
            f"Afghanistan ({prov})"
        )
    assert geocode_summary(g)["conflicts"] == n


def test_afghan_rows_stating_afghanistan_are_unchanged(use_cache):
    src = im.read_incidents(DATA / "ucdp.csv")
    assert set(src["country"]) == {"Afghanistan"}
    g = geocode_frame(src)
    without = geocode_frame(src.drop(columns=["country"]))
    cols = ["province", "district", "geocode_method", "geocode_note", "geocode_conflict"]
    pd.testing.assert_frame_equal(g[cols], without[cols])
    assert geocode_summary(g)["snapped_from_outside"] == 0


def test_names_only_rows_stating_a_neighbour(use_cache):
    g = geocode_frame(
        _frame(
            country=["Pakistan", "Pakistan", None, "Afghanistan", "Iran"],
            stated_province=["Khyber Pakhtunkhwa", "Nangarhar", "FATA", "Nangarhar", None],
            stated_district=["Khyber", "Achin", None, "Achin", None],
            stated_place=[None, None, "Torkham", None, "Zahedan"],
        )
    )
    m = list(g["geocode_method"])
    assert m == ["unplaced", "district_name", "unplaced", "district_name", "unplaced"]
    assert g["geocode_note"][0] == (
        "outside Afghanistan: the row states Khyber Pakhtunkhwa (Pakistan); not placed by its names"
    )
    assert bool(g["geocode_conflict"][1]) and "the row states Pakistan" in g["geocode_note"][1]
    assert "the row states FATA (Pakistan)" in g["geocode_note"][2]
    assert not g["geocode_conflict"][3] and pd.isna(g["geocode_note"][3])
    assert g["geocode_note"][4].startswith("outside Afghanistan: the row states Iran")


# ---------------------------------------------------------------------------------------------
# the names table


def test_every_iso_area_of_the_neighbours_is_abroad():
    import pycountry

    names = {"PK": "Pakistan", "IR": "Iran", "TJ": "Tajikistan", "UZ": "Uzbekistan",
             "TM": "Turkmenistan", "CN": "China"}  # fmt: skip
    for code, country in names.items():
        for sub in pycountry.subdivisions.get(country_code=code):
            if sub.parent_code is None:
                assert area_country(sub.name) == country, sub.name
                assert area_country(sub.name.upper()) == country, sub.name
                assert area_country(sub.code) == country, sub.code


def test_no_afghan_province_name_is_abroad():
    for p in provinces().values():
        for name in (p.name, p.name_dari, p.code, p.pcode, p.iso_name, *p.aliases):
            assert area_country(name) is None, name
    # names that only resemble a neighbour's, and ISIS-K's "Khorasan"
    for name in ("Badakhshan", "Balkh", "Nimroz", "Khorasan", "Wilayat Khorasan", "Paktika"):
        assert area_country(name) is None, name


@settings(max_examples=200, deadline=None)
@given(area=_cased(PAKISTANI_AREAS), country=_cased(PAKISTAN))
def test_pakistani_names_in_any_case(area, country):
    assert area_country(area) == "Pakistan"
    assert country_named(country) == ("PK", "Pakistan")


def test_country_numbers_are_not_countries():
    # GTD's country 4 (Afghanistan) and 153 (Pakistan) are GTD's numbers, not ISO's
    assert country_named("153") is None and country_named("4") is None
    assert country_named("Afghanistan") == ("AF", "Afghanistan")
    assert country_named("Unknown") is None


# ---------------------------------------------------------------------------------------------
# a UCDP GED export through the command line


GED_COLUMNS = (
    "id", "relid", "year", "active_year", "code_status", "type_of_violence", "conflict_dset_id",
    "conflict_new_id", "conflict_name", "dyad_dset_id", "dyad_new_id", "dyad_name",
    "side_a_dset_id", "side_a_new_id", "side_a", "side_b_dset_id", "side_b_new_id", "side_b",
    "number_of_sources", "source_article", "source_office", "source_date", "source_headline",
    "source_original", "where_prec", "where_coordinates", "where_description", "adm_1", "adm_2",
    "latitude", "longitude", "geom_wkt", "priogrid_gid", "country", "country_id", "region",
    "event_clarity", "date_prec", "date_start", "date_end", "deaths_a", "deaths_b",
    "deaths_civilians", "deaths_unknown", "best", "high", "low", "gwnoa", "gwnob",
)  # fmt: skip


def _ged_row(i: int, lon: float, lat: float, country: str, adm_1: str) -> dict[str, object]:
    row: dict[str, object] = dict.fromkeys(GED_COLUMNS, "")
    gw = {"Pakistan": 770, "Afghanistan": 700}[country]
    row.update(
        id=400000 + i, relid=f"PAK-2019-1-{i}", year=2019, active_year=1, code_status="Clear",
        type_of_violence=1, conflict_dset_id=209, conflict_new_id=209,
        conflict_name=f"{country}: Government", side_a=f"Government of {country}",
        side_b="TTP" if country == "Pakistan" else "IS", number_of_sources=1,
        where_prec=1, where_coordinates=f"village {i}", adm_1=adm_1, latitude=round(lat, 6),
        longitude=round(lon, 6), geom_wkt=f"POINT ({lon:.6f} {lat:.6f})", country=country,
        country_id=gw, region="Asia", event_clarity=1, date_prec=1,
        date_start=f"2019-05-0{1 + i % 9} 00:00:00.000",
        date_end=f"2019-05-0{1 + i % 9} 00:00:00.000", deaths_a=0, deaths_b=1,
        deaths_civilians=0, deaths_unknown=0, best=1, high=1, low=1, gwnoa=gw,
    )  # fmt: skip
    return row


def _write_ged(path: Path, border: dict[str, np.ndarray]) -> dict[str, int]:
    """A GED export: Pakistani events outside and just inside, Afghan events, unstated ones."""
    pak = border["pakistan"]
    out_lon, out_lat = _at(pak, [(i * 53, 1.0 + i % 3) for i in range(9)], 1.0)
    in_lon, in_lat = _at(pak, [(i * 71, 1.5 + i % 2) for i in range(4)], -1.0)
    rows = [
        _ged_row(i, lo, la, "Pakistan", ["FATA", "Khyber Pakhtunkhwa province", "KPK"][i % 3])
        for i, (lo, la) in enumerate(zip(out_lon, out_lat, strict=True))
    ]
    rows += [
        _ged_row(20 + i, lo, la, "Pakistan", "Federally Administered Tribal Areas")
        for i, (lo, la) in enumerate(zip(in_lon, in_lat, strict=True))
    ]
    # Afghan events: Jalalabad, Khost, Kabul, and one stated Afghan just across the border
    afghan = [(70.45, 34.43, "Nangarhar province"), (69.92, 33.34, "Khost province"),
              (69.17, 34.53, "Kabul province")]  # fmt: skip
    rows += [_ged_row(40 + i, lo, la, "Afghanistan", a) for i, (lo, la, a) in enumerate(afghan)]
    rows.append(_ged_row(50, out_lon[0], out_lat[0], "Afghanistan", ""))
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(GED_COLUMNS))
        writer.writeheader()
        writer.writerows(rows)
    return {"outside": 9, "inside": 4, "afghan": 3, "snapped": 1}


def _geocode_cli(capsys, *args: object) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exc:
        main([str(a) for a in args])
    _, err = capsys.readouterr()
    return int(exc.value.code or 0), err


def test_a_ged_export_through_the_cli(capsys, use_cache, border, tmp_path):
    src = tmp_path / "ged_pakistan.csv"
    want = _write_ged(src, border)
    out = tmp_path / "placed.csv"
    code, err = _geocode_cli(capsys, "geocode", src, "-o", out)
    assert code == 0, err
    assert "preset ucdp" in err
    total = sum(want.values())
    assert f"read: {total} rows" in err
    placed = want["inside"] + want["afghan"] + want["snapped"]
    assert f"placed by point: {placed} (in polygon {placed - 1}, snapped 1," in err
    assert f"conflicts (point or names vs stated province or country): {want['inside']}" in err
    assert f"unplaced: {want['outside']} (outside Afghanistan {want['outside']})" in err
    back = pd.read_csv(out)
    pak = back["country"] == "Pakistan"
    inside = pak & back["geocode_method"].eq("point")
    assert inside.sum() == want["inside"] and back.loc[inside, "geocode_conflict"].all()
    assert back.loc[pak & ~inside, "geocode_method"].eq("unplaced").all()
    assert back.loc[pak & ~inside, "province"].isna().all()
    afghan = back[back["country"] == "Afghanistan"]
    assert list(afghan["geocode_method"]) == ["point", "point", "point", "point_snapped"]
    assert list(afghan["province"][:3]) == ["Nangarhar", "Khost", "Kabul"]
    assert not afghan["geocode_conflict"].any()
    assert "from outside Afghanistan" in afghan["geocode_note"].iloc[3]


def test_the_cli_says_how_many_were_snapped_from_outside(capsys, use_cache, border, tmp_path):
    src = tmp_path / "ged_pakistan.csv"
    want = _write_ged(src, border)
    code, err = _geocode_cli(capsys, "geocode", src, "-o", tmp_path / "placed.csv")
    assert code == 0, err
    assert f"snapped from outside Afghanistan: {want['snapped']}" in err


def test_blocks_count_what_the_whole_file_counts(use_cache, border, tmp_path):
    from incidentmap.pipeline import geocode_to_file

    src = tmp_path / "ged_pakistan.csv"
    _write_ged(src, border)
    one = pd.read_csv(src)
    # the same export 40 times over (new ids): snapped rows in every block
    copies = [one.assign(id=one["id"] + 100 * k) for k in range(40)]
    pd.concat(copies).to_csv(src, index=False)
    whole = geocode_to_file(src, tmp_path / "w.parquet", block_mb=0)
    parts = geocode_to_file(src, tmp_path / "p.parquet", block_mb=0.01)
    assert parts.blocks > 1 and whole.summary["snapped_from_outside"] == 40
    assert parts.summary == whole.summary
