"""What the data supports, said before anything is drawn or counted.

A page drawn by district from rows placed only to a province is an empty grid; a toll left
blank is not a zero; a file that ends in the middle of a month does not have that month.
:func:`data_fitness` measures these once, and :func:`check_fit` turns a request the data
cannot meet into one clear refusal, and a request it meets only in part into notes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from incidentmap.errors import UsageError

__all__ = ["Fitness", "check_fit", "data_fitness"]


@dataclass(frozen=True)
class Fitness:
    """What a table of placed incidents can give.

    Attributes
    ----------
    rows : int
        Rows in the table.
    placed : int
        Rows placed in a province (any precision).
    district_rows : int
        Rows placed to a district or a point (counted in district maps).
    province_rows : int
        Rows placed only to a province (counted in province maps only).
    dated : int
        Rows with a date.
    first, last : pandas.Timestamp or None
        The first and last date.
    tolls_known : int
        Rows whose death toll is known (a number, zero included).
    point_rows : int
        Rows placed by a point of their own (what a map of points draws).
    """

    rows: int
    placed: int
    district_rows: int
    province_rows: int
    dated: int
    first: pd.Timestamp | None
    last: pd.Timestamp | None
    tolls_known: int
    point_rows: int = 0

    def default_level(self) -> str:
        """Return the finest level most placed rows reach: ``district`` or ``province``."""
        return "district" if self.district_rows * 2 >= max(self.placed, 1) else "province"


def data_fitness(incidents: pd.DataFrame) -> Fitness:
    """Measure what a table of geocoded incidents can give (levels, dates, tolls).

    Parameters
    ----------
    incidents : pandas.DataFrame
        Geocoded incidents (``geocode_precision``, ``province_code``, ``district_id``).

    Returns
    -------
    Fitness
    """
    n = len(incidents)
    prec = _column(incidents, "geocode_precision")
    has_province = _column(incidents, "province_code").notna().to_numpy(bool)
    has_district = _column(incidents, "district_id").notna().to_numpy(bool)
    district = has_district & prec.isin(["point", "district"]).to_numpy(bool)
    dates = pd.to_datetime(_column(incidents, "date"), errors="coerce").dropna()
    tolls = pd.to_numeric(_column(incidents, "fatalities"), errors="coerce")
    return Fitness(
        rows=n,
        placed=int(has_province.sum()),
        district_rows=int(district.sum()),
        province_rows=int((has_province & ~district).sum()),
        dated=len(dates),
        first=dates.min() if len(dates) else None,
        last=dates.max() if len(dates) else None,
        tolls_known=int(np.isfinite(tolls.to_numpy(dtype=float)).sum()),
        point_rows=int((prec == "point").sum()),
    )


def _level_notes(fit: Fitness, chosen: str, *, asked: bool) -> list[str]:
    """Say which level was chosen and why, or what an asked district level leaves out."""
    if not asked:
        return [
            f"level: {chosen} ({fit.district_rows:,} of {fit.placed:,} placed rows reach a "
            f"district, {fit.province_rows:,} only a province); `level` to choose"
        ]
    if chosen == "district" and fit.province_rows:
        return [
            f"{fit.province_rows:,} of {fit.placed:,} placed rows are placed only to a province "
            "and are not in the district counts (a page shows them by province; `level` "
            "province counts them)"
        ]
    return []


def _column(incidents: pd.DataFrame, name: str) -> pd.Series:
    if name in incidents.columns:
        return incidents[name]
    return pd.Series([None] * len(incidents), index=incidents.index, dtype=object)


def check_fit(
    fit: Fitness,
    *,
    level: str | None,
    period: str | None,
    measure: str = "incidents",
    points: bool = False,
) -> tuple[str, list[str]]:
    """Refuse what the data cannot give; say what it gives only in part.

    Parameters
    ----------
    fit : Fitness
        From :func:`data_fitness`.
    level : {"district", "province"} or None
        The level asked for; None chooses :meth:`Fitness.default_level`.
    period : str or None
        The period asked for (None: all dates together).
    measure : str, default "incidents"
        What is counted (``fatalities`` says how many tolls are known).
    points : bool, default False
        A map of points alone: refused when no row has a point (it would be empty).

    Returns
    -------
    str
        The level to use.
    list of str
        Notes for the reader (each one line).

    Raises
    ------
    UsageError
        When nothing is placed, when district level is asked of rows placed only to
        provinces, or when periods are asked of rows without dates.
    """
    notes: list[str] = []
    if fit.placed == 0:
        msg = f"nothing to draw: none of the {fit.rows:,} rows is placed on the map"
        raise UsageError(msg)
    if points and fit.point_rows == 0:
        msg = (
            f"`kind` points: no row has a point to draw ({fit.placed:,} of {fit.rows:,} are "
            "placed only to a district or a province); `kind` choropleth, or a briefing, counts "
            "them by area"
        )
        raise UsageError(msg)
    chosen = level or fit.default_level()
    if chosen == "district" and fit.district_rows == 0:
        msg = (
            f"`level` district: all {fit.placed:,} placed rows are placed only to a province "
            "(the data name no district or point); use `level` province"
        )
        raise UsageError(msg)
    notes.extend(_level_notes(fit, chosen, asked=level is not None))
    if period is not None and fit.dated == 0:
        msg = "no row has a date: periods cannot be drawn; use `period` none for all dates"
        raise UsageError(msg)
    if measure not in ("incidents", "count", "per100k") or fit.tolls_known < fit.rows:
        notes.append(f"tolls known for {fit.tolls_known:,} of {fit.rows:,} rows")
    return chosen, notes
