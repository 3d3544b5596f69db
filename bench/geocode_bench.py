"""Point in polygon for many incidents: incidentmap vs geopandas.sjoin vs DuckDB spatial.

Each method runs in its own fresh process (so peak memory is its own) on the same points,
saved once to a temporary .npy file. The libraries are imported before the clock starts (in
every process alike); times then include everything else a user pays for on a fresh call:
reading the districts, building the index (incidentmap's grid, sjoin's STRtree, DuckDB's
table load) and the join. Results are compared point by point.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import numpy as np

from bench._common import isolated
from incidentmap.geocode import geocode_counted


def _points(n: int, seed: int, districts_path: str) -> tuple[np.ndarray, np.ndarray]:
    import geopandas as gpd
    import shapely

    d = gpd.read_file(districts_path, layer="districts")
    country = shapely.union_all(d.geometry.values)
    shapely.prepare(country)
    rng = np.random.default_rng(seed)
    xs, ys = [], []
    have = 0
    minx, miny, maxx, maxy = country.bounds
    while have < n:
        x = rng.uniform(minx, maxx, n)
        y = rng.uniform(miny, maxy, n)
        keep = shapely.contains_xy(country, x, y)
        xs.append(x[keep])
        ys.append(y[keep])
        have += int(keep.sum())
    return np.concatenate(xs)[:n], np.concatenate(ys)[:n]


def run_incidentmap(npy: str, gpkg: str) -> np.ndarray:
    import geopandas as gpd

    from incidentmap.locator import PointLocator

    xy = np.load(npy)
    d = gpd.read_file(gpkg, layer="districts")
    return PointLocator(d.geometry.values).locate(xy[0], xy[1])


def run_incidentmap_geocode(npy: str, gpkg: str) -> dict:
    import geopandas as gpd
    import pandas as pd

    xy = np.load(npy)
    d = gpd.read_file(gpkg, layer="districts")
    frame = pd.DataFrame({"latitude": xy[1], "longitude": xy[0]})
    _, summary = geocode_counted(frame, d)  # the counts from the placing, as the CLI takes them
    return summary


def run_incidentmap_geocode_installed(npy: str, gpkg: str) -> dict:
    """``geocode(frame)`` as a user calls it: the installed layer, its index from the cache."""
    import pandas as pd

    xy = np.load(npy)
    frame = pd.DataFrame({"latitude": xy[1], "longitude": xy[0]})
    _, summary = geocode_counted(frame)
    return summary


def run_sjoin(npy: str, gpkg: str) -> np.ndarray:
    import geopandas as gpd

    xy = np.load(npy)
    d = gpd.read_file(gpkg, layer="districts")
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(xy[0], xy[1]), crs=d.crs)
    j = gpd.sjoin(pts, d[["geometry"]], how="left", predicate="within")
    j = j[~j.index.duplicated()]
    return j["index_right"].fillna(-1).astype(np.int64).to_numpy()


def run_duckdb(npy: str, gpkg: str) -> np.ndarray:
    import duckdb
    import geopandas as gpd
    import pandas as pd

    ext = _duckdb_spatial_path()
    xy = np.load(npy)
    d = gpd.read_file(gpkg, layer="districts")
    con = duckdb.connect()
    con.execute(f"LOAD '{ext}'")
    con.execute("SET enable_progress_bar = false")
    pts = pd.DataFrame({"id": np.arange(len(xy[0])), "x": xy[0], "y": xy[1]})
    polys = pd.DataFrame({"idx": np.arange(len(d)), "wkb": d.geometry.to_wkb()})
    con.register("pts_df", pts)
    con.register("polys_df", polys)
    con.execute("CREATE TABLE pts AS SELECT id, ST_Point(x, y) AS geom FROM pts_df")
    con.execute("CREATE TABLE polys AS SELECT idx, ST_GeomFromWKB(wkb) AS geom FROM polys_df")
    res = con.execute(
        "SELECT p.id, min(g.idx) FROM pts p JOIN polys g ON ST_Within(p.geom, g.geom) GROUP BY p.id"
    ).fetchnumpy()
    out = np.full(len(xy[0]), -1, dtype=np.int64)
    out[res["id"]] = res["min(g.idx)"]
    return out


def _duckdb_spatial_path() -> str:
    import duckdb
    import duckdb_ext  # from the duckdb-ext-spatial package

    root = Path(duckdb_ext.__path__[0]) / "extensions" / f"v{duckdb.__version__}"
    found = sorted(root.glob("*/spatial.duckdb_extension"))
    if not found:
        msg = f"no spatial extension for duckdb {duckdb.__version__} under {root}"
        raise RuntimeError(msg)
    return str(found[0])


def run(n: int, seed: int, source: str | None) -> int:
    import shutil

    tmp = Path(tempfile.mkdtemp(prefix="im-bench-"))
    try:
        return _run(tmp, n, seed, source)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _run(tmp: Path, n: int, seed: int, source: str | None) -> int:
    import incidentmap as im

    if source:
        os.environ["INCIDENTMAP_CACHE_DIR"] = str(tmp / "cache")
        im.install_boundaries(source)
    info = im.boundaries_info()
    gpkg = str(info.path)
    t0 = time.perf_counter()
    x, y = _points(n, seed, gpkg)
    npy = str(tmp / "points.npy")
    np.save(npy, np.vstack([x, y]))
    print(
        f"{n:,} random points inside Afghanistan ({info.provenance['districts']} districts, "
        f"{time.perf_counter() - t0:.1f} s to draw); each method in a fresh process, "
        "time includes index build and join"
    )
    results = {}
    for name, fn in [
        ("incidentmap PointLocator", run_incidentmap),
        ("geopandas.sjoin within", run_sjoin),
        ("DuckDB spatial ST_Within", run_duckdb),
    ]:
        status, secs, peak, res = isolated(fn, npy, gpkg)
        results[name] = (status, secs, peak, res)
        if status != "ok":
            print(f"  {name:<28} FAILED: {res}")
    status, secs, peak, summary = isolated(run_incidentmap_geocode, npy, gpkg)
    isolated(run_incidentmap_geocode_installed, npy, gpkg)  # fills the user cache once
    installed = isolated(run_incidentmap_geocode_installed, npy, gpkg)
    ours = results["incidentmap PointLocator"]
    print()
    print(f"{'method':<28}{'seconds':>10}{'peak MiB':>10}{'vs incidentmap':>16}{'agrees':>9}")
    for name, (st, s, p, res) in results.items():
        if st != "ok":
            continue
        agree = "yes" if np.array_equal(res, ours[3]) else f"{(res == ours[3]).mean():.4%}"
        ratio = s / ours[1]
        print(f"{name:<28}{s:>10.2f}{p:>10.0f}{ratio:>15.2f}x{agree:>9}")
    if status == "ok":
        print(
            f"{'incidentmap.geocode (full)':<28}{secs:>10.2f}{peak:>10.0f}"
            f"{secs / ours[1]:>15.2f}x      -   "
            f"(placed {summary['placed_by_point']:,}, unplaced {summary['unplaced']:,})"
        )
    if installed[0] == "ok":
        name = "  same, installed layer"
        sj = results.get("geopandas.sjoin within")
        vs = f" ({sj[1] / installed[1]:.2f}x faster than sjoin)" if sj and sj[0] == "ok" else ""
        print(
            f"{name:<28}{installed[1]:>10.2f}{installed[2]:>10.0f}"
            f"{installed[1] / ours[1]:>15.2f}x      -   (index from the user cache){vs}"
        )
    print("\nratio = method time / incidentmap time (above 1: incidentmap is faster)")
    return 0
