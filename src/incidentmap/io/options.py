"""How to read an incident file: one value instead of twenty keywords in every signature."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from incidentmap.errors import refuse_unknown

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

    @classmethod
    def of(cls, read: ReadOptions | None = None, **kwargs: Any) -> ReadOptions:
        """Return ``read`` (default options) with ``kwargs`` on top; unknown names refused."""
        base = read if read is not None else cls()
        refuse_unknown(kwargs, {f.name for f in fields(cls)}, "read option")
        return replace(base, **kwargs) if kwargs else base

    def kwargs(self) -> dict[str, Any]:
        """Return the options as keywords of :func:`incidentmap.read_incidents`."""
        return asdict(self)
