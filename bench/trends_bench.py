"""Gi* hot spots over many periods: incidentmap's numpy conditional randomisation vs esda.

Both sides get the same counts (Poisson, each area its own rate, some periods with no
event), the installed areas' queen contiguity, the same permutations and seed. esda runs
``G_Local(star=True, transform="B")`` once per period, as ``trends`` did before issue 25
(z from the permuted values, ties counted as extreme); incidentmap draws esda's
permutations once and computes every period at once (:func:`incidentmap.hotspots.gi_star`).
The comparison says whether the z-scores and p-values are equal to the last bit.

``--input FILE`` also times ``trends()`` on a real file (read once, before the clock).
"""

from __future__ import annotations

import time
import warnings
from typing import Any

import numpy as np


def _esda(matrix: np.ndarray, w: Any, permutations: int, seed: int) -> tuple[Any, Any]:
    """Gi* per period with esda's G_Local: the method before issue 25."""
    from esda.getisord import G_Local

    z = np.zeros_like(matrix, dtype=float)
    p = np.ones_like(matrix, dtype=float)
    around = np.asarray((w.sparse != 0).astype(float) @ matrix) + matrix
    for t in range(matrix.shape[1]):
        y = matrix[:, t].astype(float)
        if y.sum() == 0 or np.all(y == y[0]):
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            g = G_Local(y, w, transform="B", star=True, permutations=permutations, seed=seed)
        sim = np.asarray(g.rGs)
        spread = sim.std(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            zt = np.where(spread > 0, (g.Gs - sim.mean(axis=1)) / spread, 0.0)
        quiet = around[:, t] == 0
        z[:, t] = np.nan_to_num(np.where(quiet, 0.0, zt))
        obs, tol = g.Gs[:, None], 1e-12 * np.maximum(1.0, np.abs(g.Gs[:, None]))
        above, below = (sim >= obs - tol).sum(axis=1), (sim <= obs + tol).sum(axis=1)
        extreme = np.where(z[:, t] > 0, above, np.where(z[:, t] < 0, below, permutations))
        p[:, t] = np.where(quiet, 1.0, (extreme + 1) / (permutations + 1))
    return z, p


def _counts(n_areas: int, periods: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    rates = rng.gamma(0.6, 2.0, size=(n_areas, 1))
    matrix = rng.poisson(rates, size=(n_areas, periods)).astype(float)
    matrix[:, rng.random(periods) < 0.02] = 0  # a few periods with no event anywhere
    return matrix


def run(
    level: str = "province",
    periods: int = 480,
    permutations: int = 199,
    seed: int = 42,
    esda: bool = True,
    source: str | None = None,
) -> int:
    """Print the timings of both sides and whether they agree; return the exit code."""
    import incidentmap as im
    from incidentmap.hotspots import gi_star, queen_neighbours, queen_weights

    areas = im.load_boundaries(level)
    t0 = time.perf_counter()
    w_sparse = queen_neighbours(areas)
    t_ours_w = time.perf_counter() - t0
    matrix = _counts(len(areas), periods, seed)
    print(f"{len(areas)} {level}s x {periods} periods, {permutations} permutations, seed {seed}")
    t0 = time.perf_counter()
    z, p = gi_star(matrix, w_sparse, permutations, 12345)
    t_ours = time.perf_counter() - t0
    print(f"incidentmap: contiguity {t_ours_w:.3f} s, Gi* {t_ours:.3f} s")
    if esda:
        t0 = time.perf_counter()
        w = queen_weights(areas)
        t_w = time.perf_counter() - t0
        t0 = time.perf_counter()
        z_ref, p_ref = _esda(matrix, w, permutations, 12345)
        t_ref = time.perf_counter() - t0
        print(f"esda:        contiguity {t_w:.3f} s (libpysal), Gi* {t_ref:.3f} s")
        same = np.array_equal(z, z_ref) and np.array_equal(p, p_ref)
        print(
            f"Gi* {t_ref / t_ours:.0f}x faster; z and p equal to the last bit: {same} "
            f"(max |dz| {np.abs(z - z_ref).max():.1e}, p cells differing {(p != p_ref).sum()})"
        )
    if source:
        _time_trends(source)
    return 0


def _time_trends(source: str, runs: int = 5) -> None:
    """Time ``trends()`` on a read file, then ``incidentmap trends FILE`` in fresh processes.

    The command's median over ``runs`` processes is issue 25's figure (3 s on the ACLED
    workbook); the imports of ``scipy.stats`` (no longer on the path) and ``scipy.special``
    (its binomial test) are timed beside it, each in a fresh process.
    """
    import statistics
    import subprocess
    import sys

    from incidentmap.pipeline import load_incidents
    from incidentmap.trends import trends

    g, _ = load_incidents(source)
    for run_no in (1, 2):
        t0 = time.perf_counter()
        trends(g)
        print(f"trends() on {source}, call {run_no}: {time.perf_counter() - t0:.2f} s")
    for what, code in (("import scipy.stats", "import scipy.stats"),
                       ("import scipy.special", "import scipy.special"),
                       ("bare python", "pass")):  # fmt: skip
        took = []
        for _ in range(runs):
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], check=True)
            took.append(time.perf_counter() - t0)
        print(f"{what}: median {statistics.median(took):.2f} s of {runs} processes")
    took = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "incidentmap", "trends", source, "-f", "csv", "-q"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        took.append(time.perf_counter() - t0)
    runs_text = ", ".join(f"{t:.2f}" for t in took)
    print(f"incidentmap trends {source}: median {statistics.median(took):.2f} s ({runs_text})")
