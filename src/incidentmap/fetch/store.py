"""The download on disk: pages kept in a partial file, the final file published atomically.

While pages arrive they are appended to ``<output>.part`` (CSV in the publisher's
columns) and, after each page is on disk, ``<output>.part.json`` records how far the
download went (pages, rows, bytes) and which request it belongs to. A run that was
interrupted (Ctrl-C, a lost connection, the machine going down) resumes from the next
page when the same request is run again; a different request starts afresh. The finished
file is published through :mod:`incidentmap.atomic`, and the partial files removed.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import json
import os
import shutil
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from incidentmap.atomic import atomic_write, write_bytes
from incidentmap.errors import InputFileError, UsageError

__all__ = [
    "Partial",
    "Row",
    "cell",
    "fingerprint",
    "publish",
    "read_rows",
    "write_source",
]

Row = dict[str, str]
_STATE_VERSION = 1


def cell(value: Any) -> str:
    """Return a value of the API's JSON as the CSV writes it (None blank, true ``true``)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return json.dumps(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def fingerprint(parts: dict[str, Any]) -> str:
    """Return a short hash of the request (publisher, URL, parameters, page size)."""
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


@dataclass
class State:
    """How far a download went: what ``<output>.part.json`` holds."""

    fingerprint: str
    columns: list[str] | None = None
    pages: int = 0
    next_page: int | None = None
    rows: int = 0
    bytes: int = 0
    total_pages: int | None = None
    done: bool = False
    duplicates: int = 0
    resumed_pages: int = 0


class Partial:
    """The partial file of one output and its state.

    Parameters
    ----------
    output : path-like
        The file the download ends in.
    key : str
        :func:`fingerprint` of the request: a partial file of another request is not resumed.
    """

    def __init__(self, output: str | os.PathLike[str], key: str) -> None:
        out = Path(output)
        self.data = out.with_name(out.name + ".part")
        self.state_path = out.with_name(out.name + ".part.json")
        self.state = self._resume(key) or State(key)

    def _resume(self, key: str) -> State | None:
        try:
            raw = json.loads(self.state_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(raw, dict) or raw.get("version") != _STATE_VERSION:
            return None
        if raw.get("fingerprint") != key:
            return None  # another request: start afresh (the old partial is replaced)
        raw.pop("version")
        try:
            state = State(**raw)
        except TypeError:
            return None
        size = self.data.stat().st_size if self.data.exists() else 0
        if size < state.bytes:
            return None  # the partial file lost pages: start afresh
        if size > state.bytes:  # a page was being written when the run stopped
            with open(self.data, "r+b") as fh:
                fh.truncate(state.bytes)
        state.resumed_pages = state.pages
        return state

    def append(
        self,
        columns: Sequence[str],
        rows: Iterable[dict[str, Any]],
        *,
        next_page: int,
        total_pages: int | None,
        done: bool,
        hxl: Mapping[str, str] | None = None,
    ) -> None:
        """Write one page's rows to disk, then record the page in the state.

        ``hxl``: the HXL hashtag of each column, written under the header (HDX's files
        carry one; incidentmap's reader takes the roles it names).
        """
        st = self.state
        if st.pages == 0 and st.bytes == 0:
            self._remove_data()
        st.columns = list(columns)
        n = 0
        with open(self.data, "a", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            if st.bytes == 0:
                writer.writerow(st.columns)
                if hxl:
                    writer.writerow([hxl.get(c, "") for c in st.columns])
            for row in rows:
                writer.writerow([cell(row.get(c)) for c in st.columns])
                n += 1
            fh.flush()
            os.fsync(fh.fileno())
            st.bytes = fh.tell()
        st.pages += 1
        st.rows += n
        st.next_page, st.total_pages, st.done = next_page, total_pages, done
        self._save()

    def _save(self) -> None:
        data = {"version": _STATE_VERSION, **self.state.__dict__}
        data.pop("resumed_pages")
        write_bytes(self.state_path, json.dumps(data, indent=1).encode())

    def _remove_data(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.data.unlink()

    def rows(self) -> Iterator[Row]:
        """Yield the rows downloaded, as text."""
        if self.state.bytes == 0:
            return
        with open(self.data, encoding="utf-8", newline="") as fh:
            yield from _data_rows(csv.DictReader(fh))

    def discard(self) -> None:
        """Remove the partial file and its state (the output was published)."""
        self._remove_data()
        with contextlib.suppress(FileNotFoundError):
            self.state_path.unlink()


def publish(part: Partial, output: Path, *, overwrite: bool) -> None:
    """Move the finished partial file to ``output`` atomically (linked, else copied)."""
    with atomic_write(output, overwrite=overwrite) as tmp:
        try:
            os.link(part.data, tmp)
        except OSError:  # no hard links on this file system
            shutil.copyfile(part.data, tmp)
    part.discard()


@contextlib.contextmanager
def read_rows(path: Path) -> Iterator[tuple[list[str], Iterator[Row]]]:
    """Open a CSV written by an earlier fetch: its header and its rows as text."""
    try:
        fh = open(path, encoding="utf-8-sig", newline="")
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file to update") from None
    with fh:
        reader = csv.DictReader(fh)
        try:
            header = list(reader.fieldnames or [])
        except (csv.Error, UnicodeDecodeError) as exc:
            msg = f"not a CSV written by incidentmap fetch ({exc})"
            raise InputFileError(str(path), msg) from None
        yield header, _data_rows(reader)


def _data_rows(rows: Iterable[Row]) -> Iterator[Row]:
    """Yield the rows, without the HXL hashtag row that may follow the header."""
    it = iter(rows)
    first = next(it, None)
    if first is None:
        return
    values = [v for v in first.values() if isinstance(v, str) and v.strip()]
    if not (values and all(v.startswith("#") for v in values)):
        yield first
    yield from it


def write_source(output: Path, info: dict[str, Any]) -> Path:
    """Write the citation and the request beside the output (``<output>.source.json``)."""
    path = output.with_name(output.name + ".source.json")
    write_bytes(path, (json.dumps(info, indent=2, ensure_ascii=False) + "\n").encode())
    return path


def read_source(output: Path) -> dict[str, Any] | None:
    """Return the ``.source.json`` written beside an earlier download, if there is one."""
    path = output.with_name(output.name + ".source.json")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
