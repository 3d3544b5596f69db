"""One stage of a pipeline in a background thread (reading, converting), one item ahead."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
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
