"""The merge benchmark's peer, run by another Python: recordlinkage needs pandas < 3.

``python bench/merge_peer.py A.parquet B.parquet OUT.parquet SETTINGS_JSON`` links the two
tables with recordlinkage (a sorted-neighbourhood index on ``day``, geographic, numeric and
exact comparisons, incidentmap's weights and threshold), writes the chosen pairs and prints
``{"seconds": ..., "peak_mib": ..., "pairs": ...}``. Libraries are imported before the clock.
"""

from __future__ import annotations

import json
import resource
import sys
import time

import pandas as pd
import recordlinkage as rl


def main(argv: list[str]) -> int:
    a_path, b_path, out_path, settings = argv
    s = json.loads(settings)
    fa, fb = pd.read_parquet(a_path), pd.read_parquet(b_path)
    t0 = time.perf_counter()
    index = rl.Index()
    index.sortedneighbourhood("day", window=s["window"])
    pairs = index.index(fa, fb)
    cmp = rl.Compare()
    km, days, w = s["km"], s["days"], s["weights"]
    cmp.geo("lat", "lon", "lat", "lon", method="linear", offset=0.0, scale=2 * km, label="space")
    cmp.numeric("day", "day", method="linear", offset=0.0, scale=2 * days + 1e-9, label="time")
    cmp.exact("category", "category", label="category")
    cmp.exact("group", "group", label="actors")
    cmp.numeric("fatalities", "fatalities", method="linear", offset=0.0, scale=10.0, label="tolls")
    f = cmp.compute(pairs, fa, fb)
    score = sum(w[k] * f[k] for k in ("space", "time", "category", "actors", "tolls"))
    score = score + w["names"] * 0.5
    chosen = f.index[(score >= s["match"]) & (f["space"] > 0) & (f["time"] > 0)]
    elapsed = time.perf_counter() - t0
    pd.DataFrame({"a": chosen.get_level_values(0), "b": chosen.get_level_values(1)}).to_parquet(
        out_path
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": elapsed, "peak_mib": peak, "pairs": len(pairs)}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
