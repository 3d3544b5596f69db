"""``--near`` queries over many incidents: incidentmap's NearIndex vs a plain GeoPandas filter.

One process, the same incidents: N random points in Afghanistan (as GeoDataFrame, the way
``incidentmap query`` holds them after loading). The plain filter projects every point to an
azimuthal equidistant CRS centred on the query point and keeps distance <= km (a full scan);
incidentmap reads only the latitude band and computes geodesic distances for its candidates.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

import geopandas as gpd
import numpy as np
from pyproj import CRS

QUERIES = [
    ("Jalalabad", 34.4265, 70.4515, 25.0),
    ("Kabul", 34.5281, 69.1723, 10.0),
    ("Herat", 34.3482, 62.1997, 50.0),
]


def run(n: int, seed: int) -> int:
    from incidentmap.query import Location, NearIndex, incidents_near

    rng = np.random.default_rng(seed)
    x = rng.uniform(60.5, 74.9, n)
    y = rng.uniform(29.4, 38.4, n)
    gdf = gpd.GeoDataFrame({"id": np.arange(n)}, geometry=gpd.points_from_xy(x, y), crs="EPSG:4326")
    t0 = time.perf_counter()
    index = NearIndex(gdf)
    build = time.perf_counter() - t0
    print(f"{n:,} incidents; NearIndex built in {build:.3f} s (once per loaded file)\n")
    print(
        f"{'query':<24}{'matches':>9}{'incidentmap s':>15}{'geopandas s':>13}{'ratio':>8}"
        f"{'agree':>8}"
    )
    for name, lat, lon, km in QUERIES:
        loc = Location(name, (lon, lat))
        ours, got = _time(lambda loc=loc, km=km: incidents_near(gdf, loc, km, index=index))
        aeqd = CRS.from_proj4(f"+proj=aeqd +lat_0={lat} +lon_0={lon} +datum=WGS84 +units=m")

        def plain(aeqd: CRS = aeqd, km: float = km) -> gpd.GeoDataFrame:
            projected = gdf.to_crs(aeqd)
            d = projected.distance(gpd.points_from_xy([0.0], [0.0])[0])
            return gdf[d <= km * 1000]

        theirs, ref = _time(plain)
        a, b = set(got["id"]), set(ref["id"])
        agree = len(a & b) / max(len(a | b), 1)
        print(
            f"{name + f' {km:g} km':<24}{len(got):>9,}{ours:>15.4f}{theirs:>13.4f}"
            f"{theirs / ours:>7.0f}x{agree:>8.2%}"
        )
    print("\nratio = GeoPandas time / incidentmap time; times are the median of 5 runs")
    return 0


def _time(fn: Callable[[], Any]) -> tuple[float, Any]:
    times = []
    result = None
    for _ in range(5):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result
