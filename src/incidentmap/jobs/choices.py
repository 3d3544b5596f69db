"""What a request may hold: its fields' types and ranges, and the vocabularies of the data.

The vocabularies live with the data: actor groups, categories, targets.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from incidentmap.options import (
    Filters,
    GeoOptions,
    ReadOptions,
    check_flags,
    check_part,
    check_texts,
    number,
)

__all__ = ["categories", "check_request", "groups", "targets"]


def check_request(
    request: Any,
    *,
    numbers: tuple[str, ...] = (),
    optional: tuple[str, ...] = (),
    flags: tuple[str, ...] = (),
    texts: tuple[str, ...] = (),
) -> None:
    """Check a request's own values as it is made (from its ``__post_init__``).

    Its numbers are read within :data:`incidentmap.options.LIMITS` (a numeric text read as
    a number; None only for those ``optional``), its flags must be True or False, its texts
    text; its source's ``read`` and ``geo`` and its ``filters`` must be the typed parts. One
    :class:`UsageError` naming the field, never a TypeError from deep inside.

    Raises
    ------
    UsageError
    """
    for name in numbers:
        value = number(getattr(request, name), name, required=name not in optional)
        object.__setattr__(request, name, value)
    check_flags(request, *flags)
    check_texts(request, *texts)
    source = getattr(request, "source", None)
    if source is not None:
        check_part(source.read, ReadOptions, "read")
        check_part(source.geo, GeoOptions, "geo")
    if "filters" in {f.name for f in fields(request)}:
        check_part(request.filters, Filters, "filters")


def groups() -> list[str]:
    """Return the actor group ids (``isis-k``, ``taliban``...; ``geo/actor_groups.csv``)."""
    from incidentmap.actors import group_ids

    return list(group_ids())


def categories() -> list[str]:
    """Return the event categories of the project's taxonomy."""
    from incidentmap.categories import CATEGORIES

    return list(CATEGORIES)


def targets() -> list[str]:
    """Return the target taxonomy (:data:`incidentmap.targets.TARGETS`)."""
    from incidentmap.targets import TARGETS

    return list(TARGETS)
