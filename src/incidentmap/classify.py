"""Who and what, in one step: actor groups, attribution, the event category and the target.

:func:`classify` is the only place rows are classified: :func:`incidentmap.geocode` calls
it for the incidents it places, and :func:`incidentmap.pipeline.load_incidents` for a
geocoded file written before these columns existed.
"""

from __future__ import annotations

import pandas as pd

from incidentmap.actors import actor_groups
from incidentmap.categories import categorize
from incidentmap.targets import target_of

__all__ = ["CLASS_COLUMNS", "classify"]

#: the columns :func:`classify` adds
CLASS_COLUMNS = (
    "actor1_group",
    "actor2_group",
    "attribution",
    "category",
    "category_source",
    "target",
)


def classify(
    incidents: pd.DataFrame, dataset: str | None = None, *, arrow: bool = False
) -> pd.DataFrame:
    """Return the actor groups, attribution and category of every row, side by side.

    Parameters
    ----------
    incidents : pandas.DataFrame
        Incidents in the canonical schema.
    dataset : str, optional
        The preset the file was read with (default ``incidents.attrs["preset"]``).
    arrow : bool, default False
        Text columns as Arrow strings (for the file writers) instead of objects.

    Returns
    -------
    pandas.DataFrame
        ``actor1_group``, ``actor2_group``, ``attribution``, ``category``,
        ``category_source``, ``target`` (:mod:`incidentmap.targets`), on the index of
        ``incidents``.
    """
    groups = actor_groups(incidents, dataset, arrow=arrow)
    kinds = categorize(incidents, dataset, arrow=arrow)
    ds = dataset or str(incidents.attrs.get("preset", ""))
    target = target_of(incidents, ds, arrow=arrow)
    return pd.concat([groups, kinds, target], axis=1)
