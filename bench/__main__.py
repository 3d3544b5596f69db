"""Run a benchmark: ``python -m bench geocode [--n 1000000]``."""

from __future__ import annotations

import argparse
import sys

from bench import (
    geocode_bench,
    maps_bench,
    merge_bench,
    near_bench,
    pipeline_bench,
    startup_bench,
    trends_bench,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    sub = parser.add_subparsers(dest="name", required=True)
    g = sub.add_parser("geocode", help="point in polygon: incidentmap vs geopandas.sjoin vs DuckDB")
    g.add_argument("--n", type=int, default=1_000_000, help="number of points")
    g.add_argument("--seed", type=int, default=42)
    g.add_argument(
        "--from",
        dest="source",
        default=None,
        help="boundary source to install into a temporary cache (default: installed)",
    )
    q = sub.add_parser("near", help="--near queries: NearIndex vs a GeoPandas distance filter")
    q.add_argument("--n", type=int, default=1_000_000, help="number of incidents")
    q.add_argument("--seed", type=int, default=42)
    b = sub.add_parser("maps", help="briefing page size/speed vs Folium's time plugins")
    b.add_argument("--n", type=int, default=20_000, help="number of incidents")
    b.add_argument("--seed", type=int, default=42)
    b.add_argument("--no-browser", action="store_true", help="skip the Chromium timings")
    w = sub.add_parser("page", help="open incidentmap pages in Chromium: size, ready, step")
    w.add_argument("pages", nargs="+", help="HTML files written by incidentmap map / brief")
    f = sub.add_parser("pipeline", help="incidentmap geocode file to file vs a GeoPandas script")
    f.add_argument("--n", type=int, default=1_000_000, help="number of incidents")
    f.add_argument("--points", choices=("realistic", "uniform"), default="realistic")
    f.add_argument("--format", dest="fmt", choices=("parquet", "csv", "gpkg"), default="parquet")
    f.add_argument("--seed", type=int, default=42)
    f.add_argument(
        "--repeat", type=int, default=1, help="runs of each side, alternating; medians compared"
    )
    f.add_argument(
        "--blank-share",
        type=float,
        default=pipeline_bench.BLANK_SHARE,
        help="share of rows without coordinates (default: the war diary's, 0.86%%)",
    )
    m = sub.add_parser(
        "merge", help="incidentmap merge vs recordlinkage and splink: time, memory, accuracy"
    )
    m.add_argument(
        "--sizes", default="10000,100000,1000000", help="events per source, comma-separated"
    )
    m.add_argument("--km", type=float, default=5.0)
    m.add_argument("--days", type=float, default=1.0)
    m.add_argument("--seed", type=int, default=42)
    m.add_argument(
        "--peer-max-pairs",
        type=float,
        default=2e7,
        help="skip recordlinkage above this many pairs (27 million took more than 24 GiB)",
    )
    m.add_argument(
        "--peer-python",
        default="",
        help="a Python with recordlinkage and pyarrow installed (recordlinkage needs pandas < 3)",
    )
    m.add_argument(
        "--splink-python",
        default="",
        help="a Python with splink and pyarrow installed (the dense cases' second peer)",
    )
    st = sub.add_parser("startup", help="each command's start-up against bare Python and ogrinfo")
    st.add_argument("--runs", type=int, default=5, help="timed runs of each command")
    st.add_argument("--cache", default=None, help="INCIDENTMAP_CACHE_DIR for the runs")
    t = sub.add_parser("trends", help="Gi* hot spots: numpy over every period vs esda per period")
    t.add_argument("--level", choices=("province", "district"), default="province")
    t.add_argument("--periods", type=int, default=480, help="periods (480: about 9 years of weeks)")
    t.add_argument("--permutations", type=int, default=199)
    t.add_argument("--seed", type=int, default=42)
    t.add_argument("--no-esda", action="store_true", help="time incidentmap only")
    t.add_argument("--input", default=None, help="also time trends() on this incident file")
    args = parser.parse_args(argv)
    if args.name == "startup":
        return startup_bench.main(args)
    if args.name == "trends":
        return trends_bench.run(
            args.level, args.periods, args.permutations, args.seed, not args.no_esda, args.input
        )
    if args.name == "merge":
        sizes = [int(s) for s in args.sizes.split(",") if s]
        return merge_bench.run(
            sizes, args.seed, args.km, args.days, args.peer_max_pairs, args.peer_python,
            splink_python=args.splink_python,
        )  # fmt: skip
    if args.name == "geocode":
        return geocode_bench.run(n=args.n, seed=args.seed, source=args.source)
    if args.name == "near":
        return near_bench.run(n=args.n, seed=args.seed)
    if args.name == "pipeline":
        return pipeline_bench.run(
            n=args.n, points=args.points, fmt=args.fmt, seed=args.seed, repeat=args.repeat,
            blank_share=args.blank_share,
        )  # fmt: skip
    if args.name == "page":
        return maps_bench.run_pages(args.pages)
    if args.name == "maps":
        return maps_bench.run(n=args.n, seed=args.seed, browser=not args.no_browser)
    return 2


if __name__ == "__main__":
    sys.exit(main())
