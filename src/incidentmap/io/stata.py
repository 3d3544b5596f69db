"""Stata ``.dta`` files: the form UCDP (GED, Candidate) and many research replications ship.

Read with pandas' own reader: Stata dates (``%td``, ``%tc``) come back as dates; a value
label set is not applied, so a coded column reads as the codes the publisher's codebook
documents (``type_of_violence`` 1, as in the CSV); every column as objects, so that the
value readers treat them as any other table's.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from incidentmap.errors import InputFileError

__all__ = ["read_stata"]


def read_stata(p: Path) -> pd.DataFrame:
    """Read a Stata file's table: its codes, not their labels (as the codebooks list them).

    Raises
    ------
    InputFileError
        A file Stata's format does not describe (damaged, or another format so named).
    """
    try:
        frame = pd.read_stata(p, convert_categoricals=False)
    except Exception as exc:
        text = " ".join(str(exc).split())[:300] or type(exc).__name__
        raise InputFileError(str(p), f"cannot read as a Stata .dta file ({text})") from exc
    return frame.astype(object).where(frame.notna(), None)
