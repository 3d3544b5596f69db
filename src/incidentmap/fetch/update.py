"""Bring an earlier download up to date: rows replaced by event id, deletions removed.

Two ways, by what the publisher offers. ACLED says which rows are new or changed (the
``timestamp`` of each row) and which were deleted (its deletions endpoint): only those
are fetched and applied to the file (:func:`merge_incremental`). UCDP and HDX HAPI have
neither: the request is fetched again whole and compared with the file, row by row, by
event id (:func:`replace_complete`).
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from incidentmap.atomic import atomic_write
from incidentmap.errors import UsageError
from incidentmap.fetch.store import Partial, Row, publish, read_rows

__all__ = ["UpdateCounts", "merge_incremental", "replace_complete"]


@dataclass(frozen=True)
class UpdateCounts:
    """What an update changed.

    Attributes
    ----------
    new, changed, deleted, unchanged : int
        Rows added; rows replaced by a different version; rows removed; rows fetched
        again the same as before.
    rows : int
        Rows in the updated file.
    """

    new: int
    changed: int
    deleted: int
    unchanged: int
    rows: int


def _key(row: Mapping[str, str | None], key: Sequence[str]) -> str:
    return "\x1f".join(row.get(c) or "" for c in key)


def _check_key(path: Path, header: Sequence[str], key: Sequence[str]) -> None:
    missing = [c for c in key if c not in header]
    if missing:
        raise UsageError(
            f"{path} has no column {', '.join(missing)}: it is not a download of this "
            "publisher (update a file written by the same `incidentmap fetch` command)"
        )


def _check_columns(old: Path, header: Sequence[str], columns: Sequence[str] | None) -> None:
    """Refuse rows fetched with other columns than the file has (another kind of request)."""
    if columns is None or set(columns) == set(header):
        return
    raise UsageError(
        f"{old} has other columns than the rows fetched now "
        f"(only in the file: {', '.join(sorted(set(header) - set(columns))) or '-'}; "
        f"only fetched: {', '.join(sorted(set(columns) - set(header))) or '-'}): "
        "download it afresh instead of updating"
    )


@dataclass
class _Tally:
    new: int = 0
    changed: int = 0
    deleted: int = 0
    unchanged: int = 0
    rows: int = 0

    def counts(self) -> UpdateCounts:
        return UpdateCounts(self.new, self.changed, self.deleted, self.unchanged, self.rows)

    def keep(self, values: list[str], newer: Row | None, header: Sequence[str]) -> list[str]:
        """Return the row to write: the file's, or the version fetched now (counted)."""
        if newer is None:
            self.rows += 1
            return values
        now = [newer.get(c, "") for c in header]
        self.compare(values, now)
        return now

    def compare(self, old: Sequence[str] | None, new: Sequence[str]) -> None:
        """Count one row fetched: ``old`` its values in the file (None: a new row)."""
        self.rows += 1
        if old is None:
            self.new += 1
        elif tuple(old) == tuple(new):
            self.unchanged += 1
        else:
            self.changed += 1


def merge_incremental(
    old: Path,
    part: Partial,
    key: Sequence[str],
    deleted: set[str],
    output: Path,
    *,
    overwrite: bool,
) -> UpdateCounts:
    """Apply new and changed rows (by ``key``) and deletions to ``old``; write ``output``.

    The file keeps its columns and its order: a changed row stays where it was, new rows
    are added at the end, deleted rows leave.
    """
    fresh: dict[str, Row] = {_key(r, key): r for r in part.rows()}
    tally = _Tally()
    # the old file is closed before the new one replaces it (the order of the exits)
    with atomic_write(output, overwrite=overwrite) as tmp, read_rows(old) as (header, old_rows):
        _check_key(old, header, key)
        if fresh:
            _check_columns(old, header, part.state.columns)
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(header)
            for row in old_rows:
                k = _key(row, key)
                newer = fresh.pop(k, None)
                if k in deleted:
                    tally.deleted += 1
                    continue
                writer.writerow(tally.keep([row.get(c) or "" for c in header], newer, header))
            for k, row in fresh.items():
                if k not in deleted:
                    now = [row.get(c, "") for c in header]
                    tally.compare(None, now)
                    writer.writerow(now)
    part.discard()
    return tally.counts()


def replace_complete(
    old: Path, part: Partial, key: Sequence[str], output: Path, *, overwrite: bool
) -> UpdateCounts:
    """Compare a complete new download with ``old`` by ``key``; publish the new one."""
    with read_rows(old) as (header, old_rows):
        _check_key(old, header, key)
        columns = [c for c in header if c in set(part.state.columns or header)]
        before = {_key(r, key): [r.get(c) or "" for c in columns] for r in old_rows}
    tally = _Tally()
    for row in part.rows():
        tally.compare(before.pop(_key(row, key), None), [row.get(c) or "" for c in columns])
    tally.deleted = len(before)
    publish(part, output, overwrite=overwrite)
    return tally.counts()
