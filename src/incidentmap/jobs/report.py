"""What a job did, as data: counts and notes, never prose to parse and never ``DataFrame.attrs``.

A :class:`Note` names what it is about (``field``: a request field such as ``weight``, or a
column) and says it in the library's words. The command line prints each note on its own
line (``note: ...``, ``warning: ...``) and turns the request fields a text names in back-ticks
(`` `weight` ``) into its option names; a notebook shows the same report as a table.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

__all__ = ["KINDS", "Note", "Report"]

#: how a note is shown: ``note:``/``warning:`` lines, or ``info`` (a plain result line)
KINDS = ("note", "warning", "info")


@dataclass(frozen=True)
class Note:
    """One thing a job says about a run.

    Attributes
    ----------
    code : str
        What kind of note this is (``read``, ``weight``, ``kept``, ``wrote``...): stable, for
        programs that act on notes.
    text : str
        The sentence, in the library's words; request fields appear in back-ticks.
    field : str, optional
        The request field or column the note is about.
    kind : {"note", "warning", "info"}, default "note"
        ``info`` lines are results (``read: ...``, ``wrote: ...``), printed as they are.
    """

    code: str
    text: str
    field: str | None = None
    kind: str = "note"

    def line(self) -> str:
        """Return the note as one line, ``note:``/``warning:`` before it unless it is info."""
        return self.text if self.kind == "info" else f"{self.kind}: {self.text}"


@dataclass
class Report:
    """The counts and notes of one run of a job.

    Attributes
    ----------
    counts : dict
        Named numbers (``rows_read``, ``kept``, ``matched``...).
    notes : list of Note
        What the run says, in order.
    """

    counts: dict[str, Any] = field(default_factory=dict)
    notes: list[Note] = field(default_factory=list)

    def add(self, code: str, text: str, *, field: str | None = None, kind: str = "note") -> None:
        """Append a note."""
        self.notes.append(Note(code, text, field, kind))

    def extend(self, other: Report) -> None:
        """Take another report's notes and counts (a step's report into the job's)."""
        self.notes.extend(other.notes)
        self.counts.update(other.counts)

    def lines(self) -> list[str]:
        """Every note as the line the command line prints (fields left in back-ticks)."""
        return [n.line() for n in self.notes]

    def __str__(self) -> str:
        return "\n".join(self.lines())

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{html.escape(n.kind)}</td><td>{html.escape(n.code)}</td>"
            f"<td>{html.escape(n.text)}</td></tr>"
            for n in self.notes
        )
        counts = "".join(
            f"<tr><td>{html.escape(str(k))}</td><td>{html.escape(_number(v))}</td></tr>"
            for k, v in self.counts.items()
        )
        return (
            "<table><thead><tr><th>count</th><th>value</th></tr></thead>"
            f"<tbody>{counts}</tbody></table>"
            "<table><thead><tr><th>kind</th><th>code</th><th>note</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>"
        )


def _number(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else str(value)
