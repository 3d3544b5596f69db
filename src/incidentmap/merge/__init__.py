"""Merge several incident lists into one event list without counting an event twice.

Modelled on R's ``meltt`` (Donnay et al. 2019) without its limits: candidates from
indexes (:mod:`~incidentmap.merge.candidates`), windows widened by each source's own
precision (:mod:`~incidentmap.merge.records`), a calibrated probability for each pair
(:mod:`~incidentmap.merge.score`) and for each pair given its rows' other candidates
(:mod:`~incidentmap.merge.posterior`), one-to-one matches that maximise the total score
whatever the order (:mod:`~incidentmap.merge.assign`), and a value rule for the merged
rows (:mod:`~incidentmap.merge.combine`).
"""

from __future__ import annotations

from incidentmap.merge.core import (
    DECISIONS,
    PAIR_COLUMNS,
    MergeResult,
    merge_incidents,
    source_name,
)
from incidentmap.merge.score import COEFFICIENTS, INTERCEPT, LISTED, MARGIN, MATCH, REVIEW, WEIGHTS

__all__ = [
    "COEFFICIENTS",
    "DECISIONS",
    "INTERCEPT",
    "LISTED",
    "MARGIN",
    "MATCH",
    "PAIR_COLUMNS",
    "REVIEW",
    "WEIGHTS",
    "MergeResult",
    "merge_incidents",
    "source_name",
]
