"""Hot spots are where events happened: Gi* checked on a busy district beside quiet ones.

Gi* counts an area's neighbours with it, so a district with no event beside a busy one
came out ``hot`` (nine such districts on a test file where one district had every event).
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

import incidentmap as im
from tests.test_cli import run


@pytest.fixture
def one_busy_district(tmp_path, use_cache):
    """Events spread over districts for five months, then a sixth month around Jalalabad."""
    rng = np.random.default_rng(7)
    places = [(34.4265, 70.4515), (34.5281, 69.1723), (31.6133, 65.7101), (36.709, 67.1109)]
    rows = ["event_id,date,latitude,longitude,fatalities"]
    for i in range(60):
        lat, lon = places[int(rng.integers(0, len(places)))]
        rows.append(f"S{i},2023-0{1 + i % 5}-{1 + i % 28:02d},{lat},{lon},1")
    districts = im.load_boundaries("district").set_index("district")
    for n, name in enumerate(("Jalalabad", "Surkh Rod", "Bihsud")):
        at = districts.geometry[name].representative_point()
        for i in range(25 - 8 * n):
            rows.append(f"J{n}-{i},2023-06-{1 + i % 30:02d},{at.y:.6f},{at.x:.6f},")
    rows.append("K0,2023-06-30,34.5281,69.1723,2")
    path = tmp_path / "busy.csv"
    path.write_text("\n".join(rows) + "\n")
    return path


def _pandas_latest(path):
    """The latest month's count of each district, by an independent point-in-polygon join."""
    import geopandas as gpd

    src = pd.read_csv(path)
    pts = gpd.GeoDataFrame(
        src, geometry=gpd.points_from_xy(src["longitude"], src["latitude"]), crs=4326
    )
    districts = im.load_boundaries("district")[["district_id", "geometry"]]
    joined = gpd.sjoin(pts[src["date"].str[:7] == "2023-06"], districts, predicate="within")
    return joined.groupby("district_id").size()


def test_no_area_without_an_event_is_called_hot_on_the_command_line(
    capsys, use_cache, one_busy_district
):
    code, out, err = run(
        capsys, "trends", one_busy_district, "--level", "district", "--period", "month",
        "-f", "csv",
    )  # fmt: skip
    assert code == 0, err
    table = pd.read_csv(io.StringIO(out))
    latest = _pandas_latest(one_busy_district)
    table["own"] = table["district_id"].map(latest).fillna(0)
    assert (table["last_count"] == table["own"]).all()
    hot = table[table["hotspot"] == "hot"]
    assert len(hot) and (hot["own"] > 0).all()
    around = table[(table["gi_p"] < 0.05) & (table["gi_z"] > 0) & (table["own"] == 0)]
    assert len(around) >= 1  # the neighbours of Jalalabad: Gi* says their neighbourhood is busy
    n = len(around)
    assert (
        f"note: {n} districts with no event in the latest month lie among hot ones "
        "(gi_p < 0.05) and are not called hot: nothing happened there"
    ) in err


def test_no_area_without_an_event_is_called_hot_in_python(use_cache, one_busy_district):
    res = im.trends(one_busy_district, level="district", period="month")
    areas = res.areas
    assert (areas.loc[areas["hotspot"] == "hot", "last_count"] > 0).all()
    quiet_hot = (areas["gi_p"] < 0.05) & (areas["gi_z"] > 0) & (areas["last_count"] == 0)
    assert res.facts["hot_without_events"] == int(quiet_hot.sum()) > 0
    assert "hot only where the area itself had an event" in res.document()["rules"]["hotspot"]
