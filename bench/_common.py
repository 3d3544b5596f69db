"""Helpers shared by the benchmarks: isolated runs with peak memory."""

from __future__ import annotations

import multiprocessing as mp
import resource
import time
from collections.abc import Callable
from typing import Any


def _preload() -> None:
    """Import every library any method uses, before any clock starts (same for all methods)."""
    import importlib

    for name in (
        "numpy",
        "pandas",
        "shapely",
        "geopandas",
        "pyogrio",
        "pyproj",
        "incidentmap",
        "incidentmap.geocode",
        "duckdb",
    ):
        try:
            importlib.import_module(name)
        except ImportError:
            pass


def _child(fn: Callable[..., Any], args: tuple[Any, ...], queue: Any) -> None:
    try:
        _preload()
        t0 = time.perf_counter()
        result = fn(*args)
        elapsed = time.perf_counter() - t0
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        queue.put(("ok", elapsed, peak_mb, result))
    except Exception as exc:  # reported, not raised: one peer failing must not hide the others
        queue.put(("error", 0.0, 0.0, f"{type(exc).__name__}: {exc}"))


def isolated(fn: Callable[..., Any], *args: Any) -> tuple[str, float, float, Any]:
    """Run ``fn(*args)`` in a fresh process; return (status, seconds, peak MiB, result)."""
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(fn, args, queue))
    proc.start()
    import queue as queues

    while True:  # a child killed (out of memory) never answers: say so instead of waiting
        try:
            out = queue.get(timeout=1.0)
            break
        except queues.Empty:
            if not proc.is_alive():
                code = proc.exitcode
                why = "killed (out of memory?)" if code is not None and code < 0 else "died"
                return ("error", 0.0, 0.0, f"the process {why}, exit code {code}")
    proc.join()
    return out
