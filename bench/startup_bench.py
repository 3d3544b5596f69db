"""Start-up: how long the quick commands take as fresh processes, against bare Python.

Each command runs ``--runs`` times (default 5) in a fresh process after one warm-up run that
fills the caches (``INCIDENTMAP_CACHE_DIR``, or the user cache); the median wall time is
compared with ``python -c pass`` started the same way, and with the targets of issue 25.
The two ``library`` rows run the library calls behind ``where`` and ``query --near`` in a
bare ``python -c`` (no command line), the part the indexes kept in the cache make quick.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = "geo/sample_incidents.csv"

_WHERE_LIB = (
    "import incidentmap as im\n"
    "from incidentmap.context import district_at\n"
    "d = district_at(70.45, 34.43)\n"
    "assert d is not None and d.district == 'Jalalabad'\n"
)
_QUERY_LIB = (
    "import incidentmap as im\n"
    "from incidentmap.pipeline import load_incidents\n"
    "from incidentmap.query import incidents_in, incidents_near, resolve_location\n"
    "loc = resolve_location('Jalalabad')\n"
    f"g, _ = load_incidents({SAMPLE!r})\n"
    "g = incidents_near(incidents_in(g), loc, 25.0)\n"
    "assert len(g)\n"
)

#: (label, the command after the program, target seconds or None); "python" rows run Python
CASES: tuple[tuple[str, tuple[str, ...], float | None], ...] = (
    ("python -c pass", ("python", "-c", "pass"), None),
    ("ogrinfo --version", ("ogrinfo", "--version"), None),
    ("incidentmap --help", ("incidentmap", "--help"), 0.3),
    ("incidentmap --version", ("incidentmap", "--version"), 0.2),
    ("incidentmap where 34.43 70.45", ("incidentmap", "where", "34.43", "70.45"), 0.5),
    (
        "incidentmap query sample --near Jalalabad --km 25",
        ("incidentmap", "query", SAMPLE, "--near", "Jalalabad", "--km", "25"),
        1.0,
    ),
    ("library: where (district_at)", ("python", "-c", _WHERE_LIB), 0.35),
    ("library: query --near (sample)", ("python", "-c", _QUERY_LIB), 0.7),
)


def _program(name: str) -> list[str] | None:
    """Return how to start a program: this Python, incidentmap beside it, or from PATH."""
    if name == "python":
        return [sys.executable]
    if name == "incidentmap":
        beside = Path(sys.executable).with_name("incidentmap")
        if beside.exists():
            return [str(beside)]
        found = shutil.which("incidentmap")
        return [found] if found else [sys.executable, "-m", "incidentmap"]
    found = shutil.which(name)
    return [found] if found else None


def _time(cmd: list[str], runs: int, env: dict[str, str]) -> tuple[list[float], list[float], str]:
    """Return the wall and CPU times of ``runs`` fresh runs (after one warm-up), and a failure."""
    walls: list[float] = []
    cpus: list[float] = []
    for i in range(runs + 1):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        done = subprocess.run(
            cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False
        )
        elapsed = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if done.returncode != 0:
            err = done.stderr.decode("utf-8", "replace").strip().splitlines()
            return walls, cpus, f"exit {done.returncode}: {err[-1] if err else ''}"
        if i:  # the first run warms the caches (and the OS's file cache)
            walls.append(elapsed)
            cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return walls, cpus, ""


def _row(
    label: str, walls: list[float], cpus: list[float], bare: float, target: float | None
) -> str:
    median = statistics.median(walls)
    goal = f"{target:.2f}" if target is not None else "-"
    verdict = "" if target is None else ("yes" if median <= target else "NO")
    return (
        f"{label:<52}{median:>10.3f}{min(walls):>8.3f}{statistics.median(cpus):>8.3f}"
        f"{median / bare:>10.1f}{goal:>10}  {verdict}"
    )


def run(runs: int = 5, cache: str | None = None) -> int:
    """Time every case; print medians, ratios to bare Python and the targets.

    Returns
    -------
    int
        0 if every command ran, 1 if one failed.
    """
    env = dict(os.environ)
    if cache:
        env["INCIDENTMAP_CACHE_DIR"] = cache
    print(f"{runs} fresh runs each (median), after one warm-up run; cache: "
          f"{env.get('INCIDENTMAP_CACHE_DIR', 'the user cache')}\n")  # fmt: skip
    print(f"{'command':<52}{'median s':>10}{'min s':>8}{'cpu s':>8}{'x python':>10}"
          f"{'target s':>10}  ok")  # fmt: skip
    bare = 0.0
    failed = False
    for label, (name, *rest), target in CASES:
        program = _program(name)
        if program is None:
            print(f"{label:<52}{'(not installed)':>18}")
            continue
        walls, cpus, error = _time([*program, *rest], runs, env)
        if error:
            failed = True
            print(f"{label:<52}  failed: {error}")
            continue
        bare = bare or statistics.median(walls)
        print(_row(label, walls, cpus, bare, target))
    print(
        "\nx python: the median over bare Python's (interpreter start-up is in every row). "
        "cpu s: the median CPU time (user + system) of the process; on a loaded machine "
        "the wall times stretch, the CPU times much less."
    )
    return 1 if failed else 0


def main(args: argparse.Namespace) -> int:
    """Run from ``python -m bench startup [--runs 5] [--cache DIR]``."""
    return run(runs=getattr(args, "runs", 5), cache=getattr(args, "cache", None))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each command")
    parser.add_argument("--cache", default=None, help="INCIDENTMAP_CACHE_DIR for the runs")
    sys.exit(main(parser.parse_args()))
