"""How to read an incident file: one value instead of twenty keywords in every signature."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from incidentmap.errors import UsageError, refuse_unknown

#: names a delimiter may be given by, besides one character
DELIMITER_NAMES = {"\\t": "\t", "tab": "\t", "TAB": "\t"}


def check_delimiter(delimiter: str | None) -> str | None:
    """Return the delimiter as one character (``tab`` -> a tab), or refuse it.

    Raises
    ------
    UsageError
        Neither one character nor a name of one.
    """
    if delimiter is None or len(delimiter) == 1:
        return delimiter
    if delimiter not in DELIMITER_NAMES:
        msg = f"--delimiter must be one character (or 'tab'), not {delimiter!r}"
        raise UsageError(msg)
    return DELIMITER_NAMES[delimiter]


__all__ = ["ReadOptions"]


@dataclass(frozen=True)
class ReadOptions:
    """The options of :func:`incidentmap.read_incidents`, as one value.

    Attributes
    ----------
    preset : str, default "auto"
        Column layout (``auto`` detects it from the header).
    lat, lon, date, province, district, place, event_id : str, optional
        Column names that override the preset's choice.
    encoding, delimiter, sheet, layer, comment, header, columns : optional
        How to read the table (see :func:`incidentmap.io.read_table`).
    day_one : str, optional
        The date column counts days, day 1 being this date.
    dayfirst : bool, optional
        How to read ``a/b/yy`` dates when the values do not decide it.
    coordinates : bool, default True
        False ignores coordinate columns (names only).
    on_bad : {"error", "keep"}, default "error"
        Refuse the first unreadable value, or keep the row with a note.
    decimal : {"point", "comma"}, optional
        The file's decimal mark (default: what its coordinates, else tolls, show).
    """

    preset: str = "auto"
    lat: str | None = None
    lon: str | None = None
    date: str | None = None
    province: str | None = None
    district: str | None = None
    place: str | None = None
    event_id: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | int | None = None
    layer: str | None = None
    comment: str | None = None
    header: bool = True
    columns: list[str] | None = None
    day_one: str | None = None
    dayfirst: bool | None = None
    coordinates: bool = True
    on_bad: str = "error"
    decimal: str | None = None

    @classmethod
    def of(cls, read: ReadOptions | None = None, **kwargs: Any) -> ReadOptions:
        """Return ``read`` (default options) with ``kwargs`` on top; unknown names refused."""
        base = read if read is not None else cls()
        refuse_unknown(kwargs, {f.name for f in fields(cls)}, "read option")
        out = replace(base, **kwargs) if kwargs else base
        check_delimiter(out.delimiter)  # refused here, before any file is read
        if out.decimal not in (None, "point", "comma"):
            raise UsageError(f"--decimal must be point or comma, not {out.decimal!r}")
        return out

    def kwargs(self) -> dict[str, Any]:
        """Return the options as keywords of :func:`incidentmap.read_incidents`."""
        return asdict(self)
