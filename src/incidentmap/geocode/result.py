"""The result of placing rows: codes per row, the output columns made once, and the counts."""

from __future__ import annotations

import functools
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from incidentmap._coded import coded_text
from incidentmap.classify import classify
from incidentmap.context import BoundaryContext
from incidentmap.gazetteer import provinces
from incidentmap.schema import OUTPUT_COLUMNS, safe_names

GEOCODE_COLUMNS = OUTPUT_COLUMNS


POINT_METHODS = ("point", "point_snapped", "point_swapped")


NAME_METHODS = ("district_name", "place_name", "province_name")


#: geocode_method and geocode_precision values, by their codes in :class:`Placement`
METHODS = ("unplaced", "point", "point_snapped", "point_swapped", *NAME_METHODS)


PRECISIONS = ("none", "point", "district", "province")


METHOD_CODE = {m: np.int8(i) for i, m in enumerate(METHODS)}


PRECISION_CODE = {m: np.int8(i) for i, m in enumerate(PRECISIONS)}


@functools.cache
def province_positions() -> dict[str | None, int]:
    """Position of each province code in :func:`provinces` (None: -1)."""
    return {None: -1, **{code: i for i, code in enumerate(provinces())}}


@dataclass(frozen=True)
class PlacedTable:
    """Placed rows without point objects, and how they were placed (for file writers).

    Attributes
    ----------
    frame : pandas.DataFrame
        The output table without geometry (Arrow text).
    summary : dict
        The counts :func:`geocode_summary` gives for it.
    x, y : numpy.ndarray
        Each row's point (NaN: none).
    """

    frame: pd.DataFrame
    summary: dict[str, Any]
    x: np.ndarray
    y: np.ndarray


class Placement:
    """What geocoding found, as codes: turned into columns once, at the end."""

    def __init__(self, n: int) -> None:
        self.district_pos = np.full(n, -1, dtype=np.int64)
        self.province_pos = np.full(n, -1, dtype=np.int64)  # into provinces(), -1 none
        self.method = np.zeros(n, dtype=np.int8)  # METHODS
        self.precision = np.zeros(n, dtype=np.int8)  # PRECISIONS
        self.score = np.full(n, np.nan)
        self.n = n
        self.note: defaultdict[int, list[str]] = defaultdict(list)  # sparse: most rows have none
        self.conflict = np.zeros(n, dtype=bool)
        # points snapped in from outside Afghanistan (not from a gap between districts)
        self.from_outside = np.zeros(n, dtype=bool)
        # the point of each row (NaN: none); the reader's own points where they are these
        self.x = np.full(n, np.nan)
        self.y = np.full(n, np.nan)
        self.given: tuple[np.ndarray, np.ndarray] | None = None
        # notes for many rows at once: (rows, texts, which text for each row)
        self.bulk: list[tuple[np.ndarray, list[str], np.ndarray]] = []

    def notes(self) -> tuple[np.ndarray, list[str]]:
        """Return the notes as codes into a list of texts (-1: no note)."""
        codes = np.full(self.n, -1, dtype=np.int64)
        texts: list[str] = []
        for rows, bulk_texts, which in self.bulk:
            codes[rows] = len(texts) + which
            texts.extend(bulk_texts)
        seen: dict[str, int] = {}
        for row, notes in self.note.items():
            if notes:
                joined = "; ".join(notes)
                before = codes[row]
                full = joined if before < 0 else f"{texts[before]}; {joined}"
                code = seen.get(full)
                if code is None:
                    code = seen[full] = len(texts)
                    texts.append(full)
                codes[row] = code
        return codes, texts

    def summary(self, note_codes: np.ndarray, note_texts: list[str]) -> dict[str, Any]:
        """Return what :func:`geocode_summary` gives for the table, from the codes."""
        counts = np.bincount(self.method, minlength=len(METHODS))
        order = np.argsort(-counts, kind="stable")
        by_method = {METHODS[i]: int(counts[i]) for i in order if counts[i]}
        unplaced = note_codes[self.method == METHOD_CODE["unplaced"]]
        per_note = np.bincount(unplaced + 1, minlength=len(note_texts) + 1)
        reasons: Counter[str] = Counter()
        if per_note[0]:
            reasons["no location"] += int(per_note[0])
        for code in np.flatnonzero(per_note[1:]):
            reasons[_reason(note_texts[code])] += int(per_note[code + 1])
        return {
            "read": self.n,
            "placed_by_point": sum(by_method.get(m, 0) for m in POINT_METHODS),
            "placed_by_name": sum(by_method.get(m, 0) for m in NAME_METHODS),
            "conflicts": int(self.conflict.sum()),
            "unplaced": by_method.get("unplaced", 0),
            "snapped_from_outside": int(
                (self.from_outside & (self.method != METHOD_CODE["unplaced"])).sum()
            ),
            "by_method": by_method,
            "unplaced_reasons": dict(reasons),
        }

    def points(self) -> np.ndarray:
        """Return the geometry of every row: shapely points, None where there is none."""
        geom = np.empty(self.n, dtype=object)
        ok = ~np.isnan(self.x)
        need = ok.copy()
        if self.given is not None:
            mask, given = self.given
            geom[mask] = given
            geom[~ok] = None
            need &= ~mask
        geom[need] = shapely.points(self.x[need], self.y[need])
        return geom

    def frame(
        self, incidents: pd.DataFrame, ctx: BoundaryContext, *, points: bool = True
    ) -> tuple[pd.DataFrame, dict[str, Any]]:
        """Return the output table and its counts (what :func:`geocode_summary` gives).

        The table: canonical columns, the geocode columns, the originals; its ``attrs`` are
        the input's (what the data are), never the counts.
        """
        d = ctx.districts

        # text from codes: object arrays for pandas users, Arrow text for the file writers
        # (points=False), which would otherwise convert every value again
        def coded(codes: np.ndarray, labels: Any) -> Any:
            return coded_text(codes, labels, arrow=not points)

        note_codes, note_texts = self.notes()
        add = {
            "province": coded(self.province_pos, [p.name for p in provinces().values()]),
            "province_code": coded(self.province_pos, list(provinces())),
            "district": coded(self.district_pos, d["district"].to_numpy(dtype=object)),
            "district_id": coded(self.district_pos, d["district_id"].astype(str)),
            "geocode_method": coded(self.method, METHODS),
            "geocode_precision": coded(self.precision, PRECISIONS),
            "geocode_score": self.score,
            "geocode_note": coded(note_codes, note_texts),
            "geocode_conflict": self.conflict,
        }
        # who and what: actor groups, attribution and the shared event category
        extra = classify(incidents, arrow=not points)
        for col in extra.columns:
            add[col] = extra[col].array if not points else extra[col].to_numpy(dtype=object)
        data = _in_order(incidents, _series(add, incidents.index))
        # side by side, not consolidated: pandas would copy every object column into one block
        table = pd.concat(list(data.values()), axis=1, keys=list(data))
        if points:
            geometry = gpd.array.from_shapely(self.points(), crs="EPSG:4326")
            gdf = gpd.GeoDataFrame(table, geometry=geometry, crs="EPSG:4326", copy=False)
        else:
            gdf = table
        gdf.attrs.update(getattr(incidents, "attrs", {}))
        return gdf, self.summary(note_codes, note_texts)


def _in_order(incidents: pd.DataFrame, add: dict[str, pd.Series]) -> dict[str, Any]:
    """Return the columns in output order.

    Canonical columns, the geocode columns after ``input_note``, the originals; an earlier
    geocode's columns (or a frame's own of those names) are kept under new names.
    """
    cols, kept = _columns_kept(incidents)
    data: dict[str, Any] = {}
    for c in cols:
        if c in kept:
            continue
        data[c] = incidents[c]
        if c == "input_note":
            data.update(add)
    if "input_note" not in cols:
        data = {**add, **data}
    data.update({new: incidents[c] for c, new in kept.items()})
    return data


def _columns_kept(incidents: pd.DataFrame) -> tuple[list[Any], dict[str, str]]:
    """Return the non-geometry columns, and new names for those the geocode columns take."""
    geom_name = incidents.geometry.name if isinstance(incidents, gpd.GeoDataFrame) else None
    cols = [c for c in incidents.columns if c not in (geom_name, "geometry")]
    clash = [c for c in GEOCODE_COLUMNS if c in cols]
    return cols, (safe_names(clash, taken=[*cols, *clash]) if clash else {})


def _series(columns: dict[str, Any], index: pd.Index) -> dict[str, pd.Series]:
    """Series without type inference (object arrays stay object: pandas would scan them)."""
    return {k: pd.Series(v, index=index, dtype=v.dtype, copy=False) for k, v in columns.items()}


REASONS = (
    "outside",
    "outside Afghanistan",
    "unknown name",
    "ambiguous",
    "no location",
    "country only",
    "several places",
    "bad coordinates",
)


def _reason(note: str) -> str:
    """Return the reason category of an unplaced row's note: the last one it names."""
    cats = [p.split(":", 1)[0] for p in note.split("; ") if ":" in p]
    cats = [c for c in cats if c in REASONS]
    return cats[-1] if cats else "no location"


def geocode_summary(gdf: pd.DataFrame) -> dict[str, Any]:
    """Count how the rows of a geocoded table were placed.

    Parameters
    ----------
    gdf : pandas.DataFrame
        Output of :func:`geocode`.

    Returns
    -------
    dict
        ``read``, ``placed_by_point``, ``placed_by_name``, ``conflicts``,
        ``unplaced``, ``snapped_from_outside`` (points outside Afghanistan snapped into
        it: rows that state no country or area outside it), ``by_method`` (counts per
        method) and ``unplaced_reasons`` (counts per reason category).
    """
    codes, methods = pd.factorize(gdf["geocode_method"].astype(object), use_na_sentinel=True)
    counts = np.bincount(codes[codes >= 0], minlength=len(methods))
    by_method = {str(m): int(c) for m, c in zip(methods, counts, strict=True)}
    by_method = dict(sorted(by_method.items(), key=lambda kv: -kv[1]))
    reasons: Counter[str] = Counter()
    if "unplaced" in by_method:
        unplaced = codes == list(methods).index("unplaced")
        notes = gdf["geocode_note"].to_numpy(dtype=object)[unplaced]
        ncodes, uniq = pd.factorize(notes, use_na_sentinel=False)
        ncounts = np.bincount(ncodes, minlength=len(uniq))
        for note, count in zip(uniq, ncounts, strict=True):  # once per distinct note
            reasons[_reason(note if isinstance(note, str) else "")] += int(count)
    return {
        "read": len(gdf),
        "placed_by_point": sum(by_method.get(m, 0) for m in POINT_METHODS),
        "placed_by_name": sum(by_method.get(m, 0) for m in NAME_METHODS),
        "conflicts": int(gdf["geocode_conflict"].sum()),
        "unplaced": by_method.get("unplaced", 0),
        "snapped_from_outside": _snapped_from_outside(gdf, codes, list(methods)),
        "by_method": by_method,
        "unplaced_reasons": dict(reasons),
    }


#: the words of a snapped point's note when it came from outside Afghanistan
CROSSED = " km from outside Afghanistan to "


def _snapped_from_outside(gdf: pd.DataFrame, codes: np.ndarray, methods: list[Any]) -> int:
    """Count the placed rows whose note says they were snapped in from outside Afghanistan."""
    placed = np.isin(codes, [i for i, m in enumerate(methods) if m in POINT_METHODS])
    if not placed.any():
        return 0
    notes = gdf["geocode_note"].to_numpy(dtype=object)[placed]
    ncodes, uniq = pd.factorize(notes, use_na_sentinel=True)
    said = np.array([isinstance(u, str) and CROSSED in u for u in uniq] + [False])
    return int(said[ncodes].sum())
