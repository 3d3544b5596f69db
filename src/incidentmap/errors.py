"""Exceptions raised by incidentmap.

Every exception derives from :class:`IncidentMapError` and from the built-in
exception that best describes it, so callers can catch either. The CLI turns
them into one ``Error: ...`` line and an exit code; the library never prints.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterable, Iterator
from typing import Any


class IncidentMapError(Exception):
    """Base class of every error raised on purpose by incidentmap.

    ``report`` is what the job that failed had said before it failed (its
    :class:`~incidentmap.jobs.report.Report`: the rows read, the warnings, the rows kept),
    or None; the command line prints it before the ``Error:`` line.
    """

    #: exit code the CLI uses for this error (1 = data error, 2 = usage error)
    exit_code: int = 1
    #: the failed job's report so far (set by :func:`carrying`), or None
    report: Any = None


@contextlib.contextmanager
def carrying(report: Any) -> Iterator[None]:
    """Attach ``report`` to an :class:`IncidentMapError` raised inside (unless it has one).

    A job runs its steps inside ``with carrying(report):`` so that what it said before a
    failure (``read: ...``, a warning, ``kept: 0 of N``) travels with the error.
    """
    try:
        yield
    except IncidentMapError as exc:
        if exc.report is None:
            exc.report = _said_before(exc, report)
        raise


#: the warnings a refusal's message carries (the last ones said before it)
_WARNINGS_CARRIED = 3


def _warnings(notes: list[Any]) -> list[Any]:
    """Return the last warnings among a report's notes."""
    return [n for n in notes if getattr(n, "kind", None) == "warning"][-_WARNINGS_CARRIED:]


def _said_before(exc: IncidentMapError, report: Any) -> Any:
    """Put the warnings said before a refusal in its message; return the report as it is.

    ``trends`` with ``target`` officials on UCDP said ``no incidents to compare`` in Python,
    the warning that explains it (``no row of the input is aimed at officials``) only in
    ``e.report``: a refusal now says it too (the report keeps every note said).
    """
    warned = _warnings(list(getattr(report, "notes", None) or ()))
    if isinstance(exc, UsageError) and warned and len(exc.args) == 1:
        said = "; ".join(f"warning: {n.text}" for n in warned)
        exc.args = (f"{exc.args[0]}; {said}",)
    return report


class UsageError(IncidentMapError, ValueError):
    """An argument has a value that is not allowed.

    The message names request fields in back-ticks (`` `bins` ``); ``field`` is the one the
    error is about, when there is one. The command line shows its option names instead.
    """

    exit_code = 2

    def __init__(self, message: str = "", *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class BoundariesNotInstalledError(IncidentMapError, FileNotFoundError):
    """No boundary layers are installed in the cache."""


class BoundarySourceError(IncidentMapError, ValueError):
    """A boundary file cannot be imported (unknown layout, missing field, bad counts)."""


class DownloadError(IncidentMapError, OSError):
    """A file or a publisher's API could not be downloaded, or failed verification."""


class InputFileError(IncidentMapError, ValueError):
    """An incident file cannot be read, or one of its values is not valid.

    Parameters
    ----------
    path : str
        The file (``"-"`` for standard input).
    message : str
        What was expected.
    row : int, optional
        1-based data row (the header is row 0), if the problem is in one row.
    column : str, optional
        The column name, if the problem is in one column.
    keepable : bool, default True
        Whether ``on_bad="keep"`` would keep the row (False for a weight, which
        cannot be left unknown).
    """

    def __init__(
        self,
        path: str,
        message: str,
        *,
        row: int | None = None,
        column: str | None = None,
        keepable: bool = True,
    ) -> None:
        self.path = path
        self.row = row
        self.column = column
        self.keepable = keepable
        self.reason = message
        where = path
        if row is not None:
            where += f", row {row}"
        if column is not None:
            where += f", column {column!r}"
        super().__init__(f"{where}: {message}")


class UnknownNameError(IncidentMapError, LookupError):
    """A place, district or province name is not known to the gazetteer.

    Parameters
    ----------
    name : str
        The name that was looked up.
    suggestions : list of str
        The closest known names, best first.
    kind : str
        What was looked for ("place", "district", "province").
    """

    def __init__(self, name: str, suggestions: list[str], kind: str = "place") -> None:
        self.name = name
        self.suggestions = suggestions
        msg = f"unknown {kind} name {name!r}"
        if suggestions:
            msg += "; did you mean " + ", ".join(repr(s) for s in suggestions) + "?"
        super().__init__(msg)


class UnknownNameAsked(UnknownNameError):
    """A name given as an option (`near`) is not known: a usage error, not the data's.

    Still an :class:`UnknownNameError` (its ``name`` and ``suggestions``); ``field`` names
    the option, and the command line exits 2 with its help hint, as for any value refused.
    """

    exit_code = 2

    def __init__(self, exc: UnknownNameError, field: str) -> None:
        super().__init__(exc.name, exc.suggestions)
        self.args = exc.args
        self.field = field


class BoundaryCacheError(IncidentMapError, OSError):
    """The installed boundary cache is damaged (cut short, missing a layer, unreadable)."""


class OutputWriteError(IncidentMapError, OSError):
    """An output file could not be written completely; nothing was left in its place."""


class OutputExistsError(IncidentMapError, FileExistsError):
    """The output file exists and ``overwrite`` was not given."""

    exit_code = 2


def plural(n: float, word: str, many: str | None = None) -> str:
    """Return ``"1 row"``, ``"2 rows"``, ``"1,234 rows"``: a count and its noun agreeing.

    Parameters
    ----------
    n : number
        The count (shown with thousands separators; a whole float as an integer).
    word : str
        The singular noun (or phrase whose first word is the noun: ``"event id is"``
        needs ``many="event ids are"``).
    many : str, optional
        The plural (default ``word + "s"``).
    """
    text = f"{n:,}" if not isinstance(n, float) or not n.is_integer() else f"{int(n):,}"
    return f"{text} {word if n == 1 else (many or word + 's')}"


def refuse_unknown(given: Iterable[str], known: Iterable[str], what: str) -> None:
    """Raise :class:`UsageError` naming the first of ``given`` not in ``known``.

    Parameters
    ----------
    given, known : iterable of str
        The names asked for, and the names there are.
    what : str
        What the names are, for the message ("read option").
    """
    known = sorted(known)
    names = sorted(set(given) - set(known))
    if names:
        msg = f"unknown {what} {names[0]!r} (known: {', '.join(known)})"
        raise UsageError(msg)


def refuse_choice(value: object, choices: Iterable[str], name: str) -> None:
    """Raise :class:`UsageError` unless ``value`` is one of ``choices``.

    The message is ``"<name> must be one of a, b, c, not 'x'"``.
    """
    choices = list(choices)
    if value not in choices:
        msg = f"{name} must be one of {', '.join(choices)}, not {value!r}"
        raise UsageError(msg)


def one_line(what: object, limit: int | None = 300) -> str:
    """Return ``str(what)`` on one line (whitespace runs as one space), cut after ``limit``.

    Parameters
    ----------
    what : object
        An exception or a message.
    limit : int or None, default 300
        Characters kept before "..."; None keeps them all.

    Returns
    -------
    str
    """
    text = " ".join(str(what).split())
    if limit is None or len(text) <= limit:
        return text
    return text[:limit] + "..."


#: where GDAL's own warnings come from (pyogrio passes them on as RuntimeWarning)
_GDAL_MODULES = ("/pyogrio/", "/osgeo/", "/fiona/")
#: distinct GDAL warnings said for one file; the rest are counted
_GDAL_SAID = 3


@contextlib.contextmanager
def library_warnings(said: list[str], where: str) -> Iterator[None]:
    """Keep the warnings of the libraries incidentmap calls off standard error.

    pandas, geopandas and shapely warn about their own API (a behaviour that changed, a
    copy made): nothing a user can act on, and dropped. GDAL's warnings (through pyogrio)
    are about the file (a geometry it cannot read, a field it changed): each distinct one
    becomes one line of ``said`` (``where: GDAL: ...``), at most three and a count of the
    rest. Nothing is added when the block raises (the error says what matters).

    Parameters
    ----------
    said : list of str
        Receives the lines.
    where : str
        The file (or output) the lines name.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    said.extend(gdal_lines(caught, where))


def gdal_lines(caught: Iterable[warnings.WarningMessage], where: str) -> list[str]:
    """Return GDAL's warnings among ``caught`` as lines naming ``where``, each once."""
    found: list[str] = []
    for w in caught:
        name = str(w.filename or "").replace("\\", "/")
        if not issubclass(w.category, RuntimeWarning) or not any(m in name for m in _GDAL_MODULES):
            continue
        text = one_line(w.message)
        if text not in found:
            found.append(text)
    lines = [f"{where}: GDAL: {text}" for text in found[:_GDAL_SAID]]
    if len(found) > _GDAL_SAID:
        lines.append(f"{where}: GDAL: {plural(len(found) - _GDAL_SAID, 'other warning')}")
    return lines
