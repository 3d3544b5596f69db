"""What every placing step reads from a row: its columns, trimmed text, a point's coordinates."""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import pandas as pd
import shapely

from incidentmap.errors import UnknownNameError
from incidentmap.gazetteer import resolve_province


class Columns:
    """The canonical columns of an incident table, read once each."""

    def __init__(self, frame: pd.DataFrame, n: int) -> None:
        self.frame = frame
        self.n = n

    def num(self, name: str) -> np.ndarray:
        """Return a numeric column as floats (NaN where missing or absent)."""
        if name not in self.frame.columns:
            return np.full(self.n, np.nan)
        return pd.to_numeric(self.frame[name], errors="coerce").to_numpy(
            dtype=float, na_value=np.nan
        )

    def given(self, name: str) -> bool:
        """Whether the column is there with at least one value."""
        return name in self.frame.columns and not self.frame[name].isna().all()

    def text(self, name: str) -> np.ndarray:
        """Return the column's stripped texts as an object array (None: blank or absent)."""
        if not self.given(name):
            return np.array([None], dtype=object).repeat(self.n)
        codes, uniques = pd.factorize(self.frame[name], use_na_sentinel=True)  # each text once
        texts = [_stripped(v) for v in uniques]
        return np.array([*texts, None], dtype=object)[codes]


def _stripped(v: Any) -> str | None:
    if v is None or (isinstance(v, float) and np.isnan(v)) or str(v).strip() == "":
        return None
    return str(v).strip()


@functools.lru_cache(maxsize=4096)
def try_province(name: str) -> str | None:
    """Return the province code a name resolves to, or None."""
    try:
        return resolve_province(name).id
    except UnknownNameError:
        return None


def point_xy(point: Any) -> tuple[float, float]:
    """Return a point's (x, y), NaN for a missing or empty point."""
    if point is None or shapely.is_empty(point):
        return (np.nan, np.nan)
    return (float(shapely.get_x(point)), float(shapely.get_y(point)))
