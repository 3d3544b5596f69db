"""The vocabularies a request may use that live with the data: actor groups, categories."""

from __future__ import annotations

__all__ = ["categories", "groups", "targets"]


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
