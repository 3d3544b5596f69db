"""One stage of a pipeline in a background thread (reading, converting), one item ahead."""

from __future__ import annotations

import functools
import os
import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any, TypeVar, cast

__all__ = ["Ahead"]

T = TypeVar("T")


class Ahead(Iterator[T]):
    """Yield ``items``, producing the next one in a background thread meanwhile.

    Reading (Arrow), point placement (GEOS) and writing (Arrow, GDAL) release the
    GIL, so on two cores the next block is read and geocoded while this one is
    written. The thread starts at once and makes one item ahead and no more. An
    error in the producer is raised here; :meth:`close` (or the end) stops it.
    """

    def __init__(self, items: Iterator[T], depth: int = 1, name: str = "incidentmap-read") -> None:
        self._box: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._items = items
        self._worker = threading.Thread(target=self._produce, name=name, daemon=True)
        self._worker.start()

    def _put(self, item: tuple[str, Any]) -> bool:
        box, stop = self._box, self._stop
        while not stop.is_set():
            try:
                box.put(item, timeout=0.1)
                break
            except queue.Full:
                continue
        # hand over, then wait until it is taken: at most two blocks live at once (the one
        # being written, the one being made), not a third waiting in between
        with box.all_tasks_done:
            while box.unfinished_tasks and not stop.is_set():
                box.all_tasks_done.wait(0.1)
        return not stop.is_set()

    def _produce(self) -> None:
        try:
            for item in self._items:
                if not self._put(("item", item)):
                    return
            self._put(("end", None))
        except BaseException as exc:  # raised again in the consumer's thread
            self._put(("error", exc))

    def __iter__(self) -> Ahead[T]:
        return self

    def __next__(self) -> T:
        while not self._stop.is_set():
            try:
                kind, value = self._box.get(timeout=0.1)
            except queue.Empty:
                continue
            self._box.task_done()
            if kind == "item":
                return cast(T, value)
            self._stop.set()
            if kind == "error":
                raise value
            break
        raise StopIteration

    def close(self) -> None:
        """Stop the producer (it finishes the item it is making, then ends)."""
        self._stop.set()


@functools.cache
def _quiet_gdal() -> None:
    """Keep GDAL from printing its own error lines in worker threads.

    pyogrio turns GDAL errors into Python exceptions with a handler installed in the
    calling thread; in a worker thread GDAL's default handler would also print
    "ERROR 1: ..." on standard error. The exception carries the same message.
    """
    import pyogrio

    pyogrio.set_gdal_config_options({"CPL_LOG": os.devnull})


def run_interruptibly(func: Callable[[], Any]) -> Any:
    """Run ``func`` in a worker thread, so that Ctrl-C stops the caller within ~0.1 s.

    GDAL's writers release the GIL; the main thread waits in short steps and so
    sees a KeyboardInterrupt at once. The worker is abandoned (the caller removes
    its temporary file) and ends with the process.
    """
    box: dict[str, Any] = {}
    _quiet_gdal()

    def target() -> None:
        try:
            box["value"] = func()
        except BaseException as exc:  # re-raised in the caller's thread
            box["error"] = exc

    worker = threading.Thread(target=target, name="incidentmap-write", daemon=True)
    worker.start()
    while worker.is_alive():
        worker.join(0.05)
    if "error" in box:
        raise box["error"]
    return box.get("value")
