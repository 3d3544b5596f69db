"""The incident filters several commands share, as one bundle of options."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import typer

from incidentmap.cli._options import Choice, Precision, extend_options
from incidentmap.jobs.choices import categories, groups, targets
from incidentmap.options import GROUP_ROLES, Filters

__all__ = ["filter_options", "filters_from"]


def _group_choices() -> Any:
    return Choice("Group", {g.replace("-", "_"): g for g in groups()})  # type: ignore[misc]


def _category_choices() -> Any:
    return Choice("Category", {re.sub(r"\W", "_", c): c for c in categories()})  # type: ignore[misc]


Group = _group_choices()
Category = _category_choices()
GroupRole = Choice("GroupRole", {r: r for r in GROUP_ROLES})  # type: ignore[misc]
Target = Choice("Target", {re.sub(r"\W", "_", t): t for t in targets()})  # type: ignore[misc]

_FILTER_OPTIONS: list[tuple[str, Any, Any]] = [
    ("since", str | None, typer.Option(None, "--since", help="Keep events on or after this date.")),
    (
        "until",
        str | None,
        typer.Option(None, "--until", help="Keep events on or before this date."),
    ),
    (
        "event_type",
        list[str] | None,
        typer.Option(None, "--event-type", help="Keep this event type (repeatable)."),
    ),
    ("actor", str | None, typer.Option(None, "--actor", help="Keep actors containing this text.")),
    (
        "actor_regex",
        bool,
        typer.Option(False, "--actor-regex", help="Treat --actor as a regular expression."),
    ),
    (
        "min_fatalities",
        float | None,
        typer.Option(None, "--min-fatalities", min=0, help="Keep events with at least this many."),
    ),
    (
        "max_fatalities",
        float | None,
        typer.Option(None, "--max-fatalities", min=0, help="Keep events with at most this many."),
    ),
    (
        "precision",
        list[Precision] | None,
        typer.Option(None, "--precision", help="Keep this geocode precision (repeatable)."),
    ),
    (
        "group",
        list[Group] | None,
        typer.Option(None, "--group", help="Keep events of this actor group (repeatable)."),
    ),
    (
        "group_role",
        GroupRole,
        typer.Option(
            "any",
            "--group-role",
            help="any: the group is either party; perpetrator: actor1 / side_a / gname; "
            "target: the group was attacked (actor2 / side_b).",
        ),
    ),
    (
        "attribution",
        str | None,
        typer.Option(
            None,
            "--attribution",
            help="Keep these attributions, comma-separated: sole, joint, uncertain, claimed, "
            "suspected (with --group the default is all but uncertain).",
        ),
    ),
    (
        "category",
        list[Category] | None,
        typer.Option(None, "--category", help="Keep this event category (repeatable)."),
    ),
    (
        "target",
        list[Target] | None,
        typer.Option(
            None,
            "--target",
            help="Keep events aimed at these (repeatable): officials, security forces, "
            "civilians, religious, media, aid workers, foreigners, other, unknown.",
        ),
    ),
    (
        "weight",
        str | None,
        typer.Option(
            None,
            "--weight",
            help="A column of numbers of incidents: each row counts as that many in counts, "
            "maps and trends. Default: a column named as a count of events (HDX HAPI's and "
            "ACLED's events); 'none' counts each row as one.",
        ),
    ),
]


def filter_options(func: Callable[..., Any]) -> Any:
    """Add the shared incident filters; they arrive as ``filters: dict``."""
    return extend_options(func, _FILTER_OPTIONS, "filters")


def filters_from(filters: dict[str, Any]) -> Filters:
    """Build the :class:`~incidentmap.options.Filters` of the collected options."""
    return Filters(**{k: (v or None) if isinstance(v, list) else v for k, v in filters.items()})
