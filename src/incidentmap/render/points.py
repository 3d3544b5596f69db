"""Incidents as the page's point layer.

One row per placed incident, or counts per grid cell when there are more than a page can hold.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from incidentmap._settings import MAX_POINTS
from incidentmap.aggregate import row_periods
from incidentmap.errors import UsageError
from incidentmap.render.classes import CLUSTER_COLOR, category_colors
from incidentmap.render.encode import SCALE, pack_ints, plain_text

_PRECISION_CODE = {"point": 0, "district": 1, "province": 2}


#: the grid's first cell size (degrees, about 5.5 km); doubled until the cells fit
_GRID_START = 0.05


_POPUP_FIELDS = (
    ("Date", "date"),
    ("Place", "stated_place"),
    ("District", "district"),
    ("Province", "province"),
    ("Event type", "event_type"),
    ("Actor", "actor"),
    ("Fatalities", "fatalities"),
    ("Injured", "injured"),
    ("Notes", "notes"),
    ("Source", "source"),
    ("Reported by", "source_ids"),
    ("Located", "located"),
)


def _table(values: pd.Series) -> tuple[list[int], list[str]]:
    """Factorise text values: (index per row, -1 for none; the distinct strings)."""
    text = values.map(plain_text)
    codes, uniques = pd.factorize(text, use_na_sentinel=True)
    return codes.astype(int).tolist(), [str(u) for u in uniques]


def point_layer(
    incidents: gpd.GeoDataFrame,
    starts: list[Any],
    period: str | None,
    color_by: str,
    size_by: str | None,
    max_points: int = MAX_POINTS,
) -> dict[str, Any]:
    """Columnar point data: integer columns, and string tables for the popup fields.

    Only incidents placed at a point are drawn: one placed only to a district or province
    has no point (a stand-in at the area's centre would stack with all the others there and
    read as a hot spot); it is counted in the areas, and ``areaOnly`` says how many there
    are. Above ``max_points`` placed incidents, :func:`_grid_points` gives counts per grid
    cell and period instead, and the page says so.
    """
    placed = incidents[incidents.geometry.notna() & ~incidents.geometry.is_empty]
    if "geocode_precision" in placed.columns:
        area_only = placed["geocode_precision"].isin(["district", "province"]).to_numpy(bool)
    else:
        area_only = np.zeros(len(placed), dtype=bool)
    layer = _points_of(placed[~area_only], starts, period, color_by, size_by, max_points)
    layer["areaOnly"] = int(area_only.sum())
    return layer


def _points_of(
    placed: gpd.GeoDataFrame,
    starts: list[Any],
    period: str | None,
    color_by: str,
    size_by: str | None,
    max_points: int,
) -> dict[str, Any]:
    """Return the point data of incidents placed at a point."""
    n = len(placed)
    t = _period_index(placed, starts, period)
    color_by = _color_column(placed, color_by)
    cat_values = placed[color_by].map(plain_text).fillna("(none)")
    cats = _legend_categories(cat_values, color_by)
    ci = _category_index(cat_values, cats)
    xy = shapely.get_coordinates(placed.geometry.values)
    dates = (
        pd.to_datetime(placed["date"])
        if "date" in placed
        else pd.Series(pd.NaT, index=placed.index)
    )
    base = dates.min() if dates.notna().any() else pd.Timestamp("2000-01-01")
    if n > max_points:  # before the popup tables: a million of them are never sent
        return _grid_points(placed, xy, t, ci, cats, starts, base, color_by, max_points)
    radius, size_note = _radius(placed, size_by)
    prec = placed["geocode_precision"].map(lambda p: _PRECISION_CODE.get(p, 0)).to_numpy()
    day = ((dates - base).dt.days).fillna(-1).astype(int).tolist()
    text_packed, tables = _popup_text(placed)
    numbers = _popup_numbers(placed)
    x0, x = _axis(xy[:, 0], n)
    y0, y = _axis(xy[:, 1], n)
    return {
        "n": n,
        "x0": x0,
        "y0": y0,
        "x": x,
        "y": y,
        "c": pack_ints(ci),
        "r": pack_ints(np.round(radius).astype(int)),
        "q": pack_ints(prec.astype(int)),
        "day": pack_ints(day),
        "dayBase": base.strftime("%Y-%m-%d"),
        "text": text_packed,
        "tables": tables,
        "numbers": numbers,
        "popupFields": [label for label, _ in _POPUP_FIELDS],
        "categories": cats,
        "catColors": category_colors(color_by, cats),
        "clusterColor": CLUSTER_COLOR,
        "legendTitle": f"Incidents by {color_by.replace('_', ' ')}",
        "sizeNote": size_note,
        "undated": int((t < 0).sum()),
    }


def _period_index(placed: gpd.GeoDataFrame, starts: list[Any], period: str | None) -> np.ndarray:
    """Return each incident's position in ``starts`` (-1: in no period; 0 without periods)."""
    if period is None:
        return np.zeros(len(placed), dtype=int)
    ps = row_periods(placed, period)  # a date known to the month is in no one week
    lookup = pd.Series(np.arange(len(starts)), index=pd.DatetimeIndex(starts))
    return ps.map(lookup).fillna(-1).astype(int).to_numpy()


def _color_column(placed: gpd.GeoDataFrame, color_by: str) -> str:
    """Return the column the points are coloured by, or refuse one the frame does not have."""
    if color_by == "category" and "category" not in placed.columns:
        color_by = "event_type"  # a frame made by hand, without the analysis columns
    if color_by not in placed.columns:
        msg = f"color_by {color_by!r} is not a column of the incidents"
        raise UsageError(msg)
    return color_by


def _legend_categories(cat_values: pd.Series, color_by: str) -> list[str]:
    """Return the legend's entries: the nine most frequent values (and "other")."""
    top = cat_values.value_counts().index.tolist()
    if color_by != "category":
        return top[:9] + (["other"] if len(top) > 9 else [])
    from incidentmap.categories import CATEGORIES  # the shared taxonomy: fixed order, colours

    # values outside the taxonomy (a geocoded file edited by hand) keep their own
    # entry, the most frequent three; any further ones are drawn as "other"
    extra = [c for c in top if c not in CATEGORIES]
    cats = [c for c in CATEGORIES if c in set(top)] + extra[:3]
    if len(extra) > 3 and "other" not in cats:
        cats.append("other")
    return cats


def _category_index(cat_values: pd.Series, cats: list[str]) -> np.ndarray:
    """Return each value's position in the legend (values left out: "other", else the last)."""
    cat_idx = {c: i for i, c in enumerate(cats)}
    fallback = cat_idx.get("other", len(cats) - 1)
    return cat_values.map(lambda c: cat_idx.get(c, fallback)).to_numpy(dtype=int)


def _radius(placed: gpd.GeoDataFrame, size_by: str | None) -> tuple[np.ndarray, str | None]:
    """Return each circle's radius (pixels) and the legend's note on sizes."""
    if not (size_by and size_by in placed.columns):
        return np.full(len(placed), 5.0), None
    raw = pd.to_numeric(placed[size_by], errors="coerce")
    if raw.isna().all():  # no toll known: every circle the same size, no note on sizes
        return np.full(len(placed), 5.0), None
    sv = raw.fillna(0).clip(lower=0).to_numpy()
    return np.minimum(4 + 2.2 * np.sqrt(sv), 22), f"size: {size_by} (larger = more)"


#: popup fields that are not text: the date (the ``day`` column) and the tolls
_NUMBER_FIELDS = ("fatalities", "injured")


def _popup_text(placed: gpd.GeoDataFrame) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Return the popup's text fields packed (codes per incident) and their string tables."""
    n = len(placed)
    located = (
        placed["geocode_precision"].astype(str) + " (" + placed["geocode_method"].astype(str) + ")"
    )
    text_cols: dict[str, Any] = {}
    tables: dict[str, list[str]] = {}
    names = _one_spelling(placed)
    for label, col in _POPUP_FIELDS:
        if col == "date" or col in _NUMBER_FIELDS:
            continue
        src = (
            located
            if col == "located"
            else names.get(col, placed.get(col, pd.Series([None] * n, index=placed.index)))
        )
        text_cols[label], tables[label] = _table(src)
    # a field with nothing to show is left out
    packed = {label: _packed_codes(codes, n) for label, codes in text_cols.items() if tables[label]}
    return packed, {k: v for k, v in tables.items() if k in packed}


def _skeleton(name: object) -> str:
    """Return a name's consonants (no vowels, no marks): "Hirat" and "Herat" are "hrt"."""
    import re

    return re.sub(r"[^bcdfghjklmnpqrstvwxz]", "", str(name).lower().replace("-i-", ""))


def _one_spelling(placed: gpd.GeoDataFrame) -> dict[str, pd.Series]:
    """Return the place and district columns with one spelling per place in a popup.

    A district named like its province ("Hirat" in "Herat") takes the province's spelling;
    a stated place named like its district ("Mazari Sharif" in "Mazar-i-Sharif") is the
    district's spelling: one popup never shows one place spelt two ways side by side.
    """
    out: dict[str, pd.Series] = {}
    if "district" in placed and "province" in placed:
        d, p = placed["district"], placed["province"]
        same = d.notna() & p.notna() & (d.map(_skeleton) == p.map(_skeleton)) & (d != p)
        out["district"] = d.where(~same, p)
    dist = out.get("district", placed.get("district"))
    if "stated_place" in placed and dist is not None:
        sp = placed["stated_place"]
        same = sp.notna() & dist.notna() & (sp.map(_skeleton) == dist.map(_skeleton))
        out["stated_place"] = sp.where(~same, dist)
    return out


def _packed_codes(codes: list[int], n: int) -> str | dict[str, Any]:
    """Return a field's codes packed, or "seq": one distinct value per incident, in order."""
    return "seq" if codes == list(range(n)) else pack_ints(codes)


def _popup_numbers(placed: gpd.GeoDataFrame) -> dict[str, Any]:
    """Return the tolls the popup shows: packed integers, or values rounded to 0.01."""
    numbers = {}
    for label, col in _POPUP_FIELDS:
        if col not in _NUMBER_FIELDS or col not in placed.columns:
            continue
        v = pd.to_numeric(placed[col], errors="coerce").to_numpy(dtype=float)
        if not np.isnan(v).all():
            numbers[label] = _number_values(v)
    return numbers


def _number_values(v: np.ndarray) -> Any:
    if np.all(np.isnan(v) | (v == np.round(v))) and np.nanmin(v) >= 0:
        return pack_ints(np.where(np.isnan(v), -1, v).astype(np.int64))
    return [None if np.isnan(x) else round(float(x), 2) for x in v]


def _axis(values: np.ndarray, n: int) -> tuple[float, dict[str, Any]]:
    """Return a coordinate's origin (whole degrees) and its values from it, packed."""
    if not n:
        return 0.0, pack_ints([])
    origin = float(np.floor(values.min()))
    return origin, pack_ints(np.round((values - origin) * SCALE).astype(np.int64))


def _grid_points(
    placed: gpd.GeoDataFrame,
    xy: np.ndarray,
    t: np.ndarray,
    ci: np.ndarray,
    cats: list[str],
    starts: list[Any],
    base: pd.Timestamp,
    color_by: str,
    max_points: int,
) -> dict[str, Any]:
    """Count the incidents per grid cell and period: one circle each, at their mean position.

    The cell starts at 0.05 degrees and doubles until there are at most ``max_points``
    cells with incidents (over all periods). Each circle carries its count, fatalities
    and most common category (its colour); the legend says how the points were grouped.
    """
    n = len(placed)
    fat = (
        pd.to_numeric(placed["fatalities"], errors="coerce").to_numpy(dtype=float)
        if "fatalities" in placed.columns
        else np.full(n, np.nan)
    )
    cell = _GRID_START
    tt = t.astype(np.int64) + 1  # undated (-1) first
    while True:
        gx = np.floor(xy[:, 0] / cell).astype(np.int64)
        gy = np.floor(xy[:, 1] / cell).astype(np.int64)
        gx -= gx.min()
        gy -= gy.min()
        ny = int(gy.max()) + 1
        nxy = (int(gx.max()) + 1) * ny
        group, uniq = pd.factorize(tt * nxy + gx * ny + gy, sort=False)
        if len(uniq) <= max_points or cell >= 1.6:
            break
        cell *= 2
    m = len(uniq)
    w = np.bincount(group, minlength=m)
    lon = np.bincount(group, weights=xy[:, 0], minlength=m) / w
    lat = np.bincount(group, weights=xy[:, 1], minlength=m) / w
    known = ~np.isnan(fat)
    fsum = np.bincount(group[known], weights=fat[known], minlength=m)
    fany = np.bincount(group[known], minlength=m) > 0
    # most common category per cell: counts per (cell, category), the largest wins
    per = np.zeros((m, len(cats)), dtype=np.int64)
    np.add.at(per, (group, ci), 1)
    top = per.argmax(axis=1)
    tg = np.asarray(uniq, dtype=np.int64) // nxy - 1  # each circle's period, -1 undated
    if len(starts):  # days count from the first period's start: a circle's date is its period's
        base = min(pd.Timestamp(s) for s in starts)
    start_days = [int((pd.Timestamp(s) - base).days) for s in starts]
    day = np.where(tg >= 0, np.array([*start_days, -1], dtype=np.int64)[tg], -1)
    x0 = float(np.floor(lon.min()))
    y0 = float(np.floor(lat.min()))
    km = cell * 111
    return {
        "n": m,
        "x0": x0,
        "y0": y0,
        "x": pack_ints(np.round((lon - x0) * SCALE).astype(np.int64)),
        "y": pack_ints(np.round((lat - y0) * SCALE).astype(np.int64)),
        "c": pack_ints(top),
        "r": pack_ints(np.round(np.minimum(4 + 2 * np.sqrt(w), 30)).astype(int)),
        "q": pack_ints(np.zeros(m, dtype=int)),
        "w": pack_ints(w),
        "day": pack_ints(day),
        "dayBase": base.strftime("%Y-%m-%d"),
        "text": {"Most common": pack_ints(top)},
        "tables": {"Most common": list(cats)},
        "numbers": {
            "Incidents": pack_ints(w),
            **(
                {"Fatalities": pack_ints(np.where(fany, np.round(fsum), -1).astype(np.int64))}
                if fany.any()
                else {}
            ),
        },
        "popupFields": ["Period from", "Incidents", "Fatalities", "Most common"],
        "categories": cats,
        "catColors": category_colors(color_by, cats),
        "clusterColor": CLUSTER_COLOR,
        "legendTitle": f"Incidents by {color_by.replace('_', ' ')} (most common per cell)",
        "sizeNote": None,
        "undated": int(w[tg < 0].sum()),
        "grid": {
            "incidents": n,
            "cells": m,
            "cellDeg": cell,
            "note": (
                f"{n:,} incidents are more than a page can draw one by one (over {max_points:,}):"
                f" each circle counts those in a {cell:g}\u00b0 cell (about {km:.0f} km) in the"
                " period, at their mean position, coloured by the most common"
                f" {color_by.replace('_', ' ')}. Filter (dates, groups, area) to see each incident."
            ),
        },
    }
