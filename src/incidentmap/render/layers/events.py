"""The event table layer: one row per incident, what the page's filters, list and view recount.

Not drawn by itself: ``im-filters.js`` recomputes the areas, legend, caption, top areas,
timeline, surges and points from it for the filters chosen, ``im-events.js`` lists its rows
and ``im-view.js`` keeps the view in the page's address.

One row per incident of the page (the placed and the unplaced), columnar and
dictionary-encoded, every column a little-endian typed array in one zlib stream sent as
base85 (RFC 1924's alphabet with "." for "{", which a page template would read as its own;
5 characters for 4 bytes, no quote or backslash; the page
inflates it with the browser's own ``DecompressionStream``): period index,
area index at the page's level, province index (for the rows placed only to a province),
precision, the perpetrator's and either party's group sets, target, category, toll (unknown
kept unknown, never 0), weight (a count table's rows count as their weight), day, and the
source ids. The rows drawn as points come first, in the point layer's order: row ``i`` of
the table is point ``i`` of ``data.points``.

Column values are shifted by one so that 0 means "none" (no period, no area, no toll...).
"""

from __future__ import annotations

import base64
import zlib
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from incidentmap.aggregate import row_periods, row_weights
from incidentmap.render.classes import area_colors
from incidentmap.render.encode import pack_ints, plain_text
from incidentmap.render.layers.base import LayerContext, StaticContext
from incidentmap.render.series import AreaSeries

__all__ = [
    "LAYER",
    "PRECISION_CODES",
    "TEXT_FIELDS",
    "EventGroups",
    "EventLayer",
    "event_table",
    "group_sets",
    "point_rows",
    "populations",
    "row_text",
]

#: a row's place precision on the page: point, district, province, not placed
PRECISION_CODES = {"point": 0, "district": 1, "province": 2}


@dataclass(frozen=True)
class EventGroups:
    """Which rows each actor group's filter keeps, by role, as the library's filters decide.

    Attributes
    ----------
    ids : list of str
        Group ids (``isis-k``...), in the page's order.
    perpetrator, any_party : dict of str to numpy.ndarray
        Per group id, one bool per row: kept by ``group_role`` perpetrator / any.
    """

    ids: list[str]
    perpetrator: dict[str, np.ndarray]
    any_party: dict[str, np.ndarray]


def group_sets(incidents: pd.DataFrame) -> EventGroups:
    """Return the groups' rows read from ``actor1_group``/``actor2_group`` and ``attribution``.

    The jobs pass the library's own filter results instead
    (:func:`incidentmap.jobs.brief.run`); this reading, for a page made from a frame
    directly, keeps an uncertain perpetrator out and counts any named second party.
    """
    n = len(incidents)
    a1 = _split(incidents.get("actor1_group"), n)
    a2 = _split(incidents.get("actor2_group"), n)
    att = incidents.get("attribution", pd.Series([None] * n, index=incidents.index))
    ok = ~att.astype(object).isin(["uncertain"]).to_numpy(bool)
    ids = sorted({g for row in a1 + a2 for g in row})
    perp = {g: np.array([g in r for r in a1]) & ok for g in ids}
    anyp = {g: perp[g] | np.array([g in r for r in a2]) for g in ids}
    return EventGroups(ids, perp, anyp)


def _split(col: pd.Series | None, n: int) -> list[set[str]]:
    if col is None:
        return [set()] * n
    codes, uniq = pd.factorize(col.astype(object), use_na_sentinel=True)
    sets = [set(str(u).split("|")) - {""} for u in uniq] + [set()]
    return [sets[c] for c in codes]


def point_rows(incidents: pd.DataFrame) -> np.ndarray:
    """Tell which rows the point layer draws (placed at a point, not only to an area)."""
    geom = incidents.geometry
    placed = (geom.notna() & ~geom.is_empty).to_numpy(bool).copy()
    if "geocode_precision" in incidents.columns:
        placed &= ~incidents["geocode_precision"].isin(["district", "province"]).to_numpy(bool)
    return placed


def _column(values: np.ndarray) -> tuple[str, bytes]:
    """Return the smallest unsigned integer type (or float32) and the column's bytes.

    A column of one value is ``k<value>`` and takes no bytes. Signed integers are
    zigzag-coded (0, -1, 1, -2 -> 0, 1, 2, 3); wider types are sent as byte planes (every
    low byte, then every high byte), which deflate packs far better than interleaved bytes
    when most values are small.
    """
    v = np.asarray(values)
    if v.dtype.kind == "f":
        return "f32", _planes(v.astype("<f4"))
    if len(v) and int(v.min()) == int(v.max()):  # one value: its kind says it, no bytes
        return f"k{int(v[0])}", b""
    kind = "u"
    if len(v) and int(v.min()) < 0:
        v, kind = np.where(v < 0, -2 * v - 1, 2 * v).astype(np.int64), "z"
    top = int(v.max()) if len(v) else 0
    for width, dtype, limit in ((8, "<u1", 255), (16, "<u2", 65535)):
        if top <= limit:
            return f"{kind}{width}", _planes(v.astype(dtype))
    return f"{kind}32", _planes(v.astype("<u4"))


def _planes(v: np.ndarray) -> bytes:
    """Return an array's bytes as byte planes (all first bytes, then all second bytes...)."""
    return v.view(np.uint8).reshape(len(v), v.itemsize).T.tobytes()


def _codes(values: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Dictionary-encode text: (index + 1, 0 for none; the distinct values)."""
    text = values.astype(object).where(values.notna(), None)
    codes, uniq = pd.factorize(text, use_na_sentinel=True)
    return codes.astype(np.int64) + 1, [str(u) for u in uniq]


def _masks(groups: EventGroups, role: dict[str, np.ndarray], n: int) -> tuple[np.ndarray, list]:
    """Return each row's group set as an index into the distinct sets (bit masks)."""
    bits = np.zeros(n, dtype=np.int64)
    for k, g in enumerate(groups.ids[:30]):
        bits |= role[g].astype(np.int64) << k
    codes, uniq = pd.factorize(bits)
    return codes.astype(np.int64), [int(u) for u in uniq]


def event_table(
    incidents: pd.DataFrame,
    series: Any,
    provinces: pd.DataFrame,
    groups: EventGroups | None = None,
    *,
    shared_points: bool = True,
    measure: str | None = None,
) -> dict[str, Any]:
    """Return the page's event table (see the module's docstring).

    Parameters
    ----------
    incidents : pandas.DataFrame
        The page's incidents (geocoded).
    series : AreaSeries
        The page's areas and periods (level, keys, period starts).
    provinces : pandas.DataFrame
        The display provinces (``province_code``), in the page's order.
    groups : EventGroups, optional
        The rows each group filter keeps (default: read from the group columns).
    shared_points : bool, default True
        The point layer draws each placed point (not grid counts): its rows come first.
    measure : str, optional
        A numeric column summed on the map besides the toll (sent as column ``m``).

    Returns
    -------
    dict
        ``n``, ``np`` (rows that are points), ``z`` (the columns, zlib + base64),
        ``cols`` (name, type, byte offset, length), the dictionaries and ``dayBase``.
    """
    pts = point_rows(incidents) if shared_points else np.zeros(len(incidents), dtype=bool)
    order = np.concatenate([np.flatnonzero(pts), _packed_order(incidents, ~pts, series.key)])
    rows = incidents.iloc[order]
    n = len(rows)
    groups = groups or group_sets(incidents)
    groups = EventGroups(
        groups.ids,
        {g: m[order] for g, m in groups.perpetrator.items()},
        {g: m[order] for g, m in groups.any_party.items()},
    )
    cols = {"t": _periods(rows, series), **_places(rows, series, provinces)}
    cols["g1"], perp_sets = _masks(groups, groups.perpetrator, n)
    cols["g2"], any_sets = _masks(groups, groups.any_party, n)
    cols["tg"], targets = _codes(_get(rows, "target", None))
    cols["c"], categories = _codes(_get(rows, "category", None))
    cols.update(_numbers(rows, row_weights(incidents)[order], measure))
    dates = pd.to_datetime(_get(rows, "date", None), errors="coerce")
    base = dates.min() if dates.notna().any() else pd.Timestamp("2000-01-01")
    day = (dates - base).dt.days.fillna(-1).to_numpy(np.int64) + 1
    cols["d"] = np.diff(day, prepend=0)  # delta-coded: a file in date order packs small
    t_exceptions = _period_exceptions(cols, day, series, base)
    span_ends = _span_ends(rows, day)
    blob, spec = _blob(cols, _ids(rows))
    return {
        "n": n,
        "np": int(pts.sum()) if shared_points else 0,
        "z": base64.b85encode(_deflate(bytes(blob))).decode("ascii").replace("{", "."),
        "size": len(blob),
        "cols": spec,
        "groups": groups.ids[:30],
        "perpSets": perp_sets,
        "anySets": any_sets,
        "targets": targets,
        "categories": categories,
        "dayBase": base.strftime("%Y-%m-%d"),
        "dayPrecision": _day_precision(rows),
        **({"tx": t_exceptions} if t_exceptions is not None else {}),
        **({"spanEnd": span_ends} if span_ends else {}),
        "text": row_text(rows.iloc[int(pts.sum()) if shared_points else 0 :]),
    }


#: the text a point's popup shows that the table's other columns do not: for the rows
#: placed only to an area (their popups and the list's download)
TEXT_FIELDS = (
    ("Event type", "event_type"),
    ("Actor", "actor"),
    ("Notes", "notes"),
    ("Source", "source"),
)


def row_text(rows: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """Return the text fields of ``rows`` as each field's distinct values and codes per row.

    Parameters
    ----------
    rows : pandas.DataFrame
        The rows not drawn as points, in the table's order.

    Returns
    -------
    dict
        Per field label: ``values`` (the distinct texts) and ``codes`` (packed, -1 none);
        a field no row holds is left out.
    """
    out: dict[str, dict[str, Any]] = {}
    for label, col in TEXT_FIELDS:
        if col not in rows.columns or not len(rows):
            continue
        codes, uniq = pd.factorize(rows[col].map(plain_text), use_na_sentinel=True)
        if len(uniq):
            out[label] = {"values": [str(u) for u in uniq], "codes": pack_ints(codes)}
    return out


def _span_ends(rows: pd.DataFrame, day: np.ndarray) -> list[list[int]]:
    """Return ``[row, days to its last day]`` for day or week rows that span several days.

    UCDP's 30 July to 1 August 2002, ACLED's weeks: the list writes their range.
    """
    if "date" not in rows.columns or not len(rows):
        return []
    from incidentmap.spans import date_spans

    first, last = date_spans(rows)
    length = (pd.to_datetime(last) - pd.to_datetime(first)).dt.days.to_numpy()
    prec = _get(rows, "date_precision", "day").astype(object).fillna("day").to_numpy()
    keep = (day > 0) & (np.nan_to_num(length, nan=0.0) > 0) & np.isin(prec, ["day", "week"])
    return [[int(i), int(length[i])] for i in np.flatnonzero(keep)]


def _get(rows: pd.DataFrame, col: str, default: Any) -> pd.Series:
    """Return a column, or one of ``default`` values when the frame has none."""
    return rows[col] if col in rows.columns else pd.Series([default] * len(rows), index=rows.index)


def _periods(rows: pd.DataFrame, series: Any) -> np.ndarray:
    """Return each row's period + 1 (0: in no one period)."""
    if series.period is None:
        return np.ones(len(rows), dtype=np.int64)
    starts = pd.DatetimeIndex(series.starts)
    lookup = pd.Series(np.arange(1, len(starts) + 1), index=starts)
    return row_periods(rows, series.period).map(lookup).fillna(0).to_numpy(np.int64)


def _places(rows: pd.DataFrame, series: Any, provinces: pd.DataFrame) -> dict[str, np.ndarray]:
    """Return the area, the province of a row placed only to one, precision and method."""
    pos = {k: i + 1 for i, k in enumerate(series.ids)}
    area = _get(rows, series.key, None).astype(object)
    a = np.array([pos.get(str(v), 0) if pd.notna(v) else 0 for v in area], np.int64)
    ppos = {str(c): i + 1 for i, c in enumerate(provinces["province_code"].astype(str))}
    pcode = _get(rows, "province_code", None).astype(object)
    pv = np.array([ppos.get(str(v), 0) if pd.notna(v) else 0 for v in pcode], np.int64)
    prec = _get(rows, "geocode_precision", "point")
    method = _get(rows, "geocode_method", "point").astype(str)
    return {
        "a": a,
        "pv": np.where(a > 0, 0, pv),
        "q": prec.map(lambda p: PRECISION_CODES.get(p, 3)).to_numpy(np.int64),
        "lm": np.where(method == "unplaced", 2, method.str.startswith("point").astype(int)),
    }


def _numbers(rows: pd.DataFrame, w: np.ndarray, measure: str | None) -> dict[str, np.ndarray]:
    """Return the toll (+1, 0 unknown; float32 when not whole), weight and measure columns."""
    f = pd.to_numeric(_get(rows, "fatalities", None), errors="coerce").to_numpy(float)
    whole = np.all(np.isnan(f) | ((f == np.round(f)) & (f >= 0)))
    out = {"f": np.where(np.isnan(f), 0, f + 1).astype(np.int64) if whole else f}
    if not np.all(w == 1):
        out["w"] = w.astype(np.int64) if np.all(w == np.round(w)) and w.min() >= 0 else w
    if measure and measure in rows.columns and measure != "fatalities":
        out["m"] = pd.to_numeric(rows[measure], errors="coerce").to_numpy(float)
    return out


def _blob(cols: dict[str, np.ndarray], ids: str | None) -> tuple[bytearray, list[list[Any]]]:
    """Return the columns' bytes one after another, and where each one starts."""
    blob, spec = bytearray(), []
    for name, values in cols.items():
        kind, data = _column(values)
        spec.append([name, kind, len(blob), len(values)])
        blob += data
    if ids is not None:
        data = ids.encode("utf-8")
        spec.append(["id", "txt", len(blob), len(data)])
        blob += data
    return blob, spec


def _period_exceptions(
    cols: dict[str, np.ndarray], day: np.ndarray, series: Any, base: pd.Timestamp
) -> list[list[int]] | None:
    """Drop the period column when the page can tell it from the day; return the exceptions.

    The page puts a day in the last period starting on or before it (inside the last
    period's span); rows it would place otherwise (a date known only to a month on a
    weekly page: in no week) are listed as ``[row, period + 1]``. None: the column stays.
    """
    from incidentmap.aggregate import PERIODS

    if series.period is None or not len(series.starts):  # all dates: one period, no column
        return None
    starts = np.array([(pd.Timestamp(s) - base).days for s in series.starts], dtype=np.int64)
    last = pd.Timestamp(series.starts[-1])
    end = int(((pd.Period(last, freq=PERIODS[series.period]) + 1).start_time - base).days)
    d = day - 1
    t = np.searchsorted(starts, d, side="right")  # 1 + the last start on or before the day
    t = np.where((day > 0) & (d < end) & (t > 0), t, 0)
    actual = cols["t"]
    wrong = np.flatnonzero(t != actual)
    if len(wrong) > len(t) // 20:
        return None
    del cols["t"]
    return [[int(i), int(actual[i])] for i in wrong]


def _packed_order(incidents: pd.DataFrame, rest: np.ndarray, key: str) -> np.ndarray:
    """Return the positions of the rows that are not points, by area, category and date.

    Sorted so, the area and category columns are long runs and the days small steps:
    deflate packs them to a byte or two a row.
    """
    pos = np.flatnonzero(rest)
    if not len(pos):
        return pos
    rows = incidents.iloc[pos]
    parts = [
        rows[c].astype(str) if c in rows else pd.Series("", index=rows.index)
        for c in (key, "province_code", "category", "target")
    ]
    dates = pd.to_datetime(rows["date"], errors="coerce") if "date" in rows else None
    frame = pd.DataFrame({f"k{i}": p.to_numpy() for i, p in enumerate(parts)})
    if dates is not None:
        frame["d"] = dates.to_numpy()
    if "fatalities" in rows:  # ties on one day: ordered by toll, which packs smaller
        frame["f"] = pd.to_numeric(rows["fatalities"], errors="coerce").to_numpy()
    return pos[frame.sort_values(list(frame.columns), kind="stable").index.to_numpy()]


def _deflate(data: bytes) -> bytes:
    """Return the zlib stream of the table: "filtered" suits columns of small numbers best."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 15, 9, zlib.Z_FILTERED)
    return packer.compress(data) + packer.flush()


def _ids(rows: pd.DataFrame) -> str | None:
    """Return the source ids joined by newlines (None when the file has none)."""
    if "event_id" not in rows.columns or rows["event_id"].isna().all():
        return None
    text = rows["event_id"].astype(object).map(lambda v: "" if pd.isna(v) else str(v))
    text = text.str.replace(r"\.0$", "", regex=True).str.replace("\n", " ")
    return "\n".join(text.tolist())


def _day_precision(rows: pd.DataFrame) -> dict[str, Any] | None:
    """Return the rows whose date is known only to a month or a year (the list says so)."""
    if "date_precision" not in rows.columns:
        return None
    prec = rows["date_precision"].astype(object).to_numpy()
    out = {p: np.flatnonzero(prec == p).tolist() for p in ("month", "year", "week", "quarter")}
    return {k: v for k, v in out.items() if v} or None


def populations(series: AreaSeries) -> list[float | None] | None:
    """Return each area's population as the series' rates imply it (None: unknown).

    A rate of 0 says the population is known (any positive number gives the same 0).
    """
    counts = series.counts
    if "incidents_per_100k" not in counts.columns:
        return None
    out: list[float | None] = []
    by_area = dict(tuple(counts.groupby(series.key, sort=False)))
    for key in series.ids:
        rows = by_area.get(key)
        if rows is None:
            out.append(None)
            continue
        inc = rows["incidents"].to_numpy(float)
        rate = rows["incidents_per_100k"].to_numpy(float)
        ok = (inc > 0) & (rate > 0)
        if ok.any():
            out.append(round(float(np.median(inc[ok] / rate[ok] * 100_000)), 3))
        elif (rate == 0).any():
            out.append(1.0)
        else:
            out.append(None)
    return out


class EventLayer:
    """The page's event table (``data.events``); nothing on the image."""

    name = "events"

    def title(self, series: AreaSeries) -> str | None:
        """Return None: a table, not named in the layer control."""
        return None

    def payload(self, ctx: LayerContext) -> dict[str, Any] | None:
        """Return the event table of the page's incidents (None when the page has no filters)."""
        if not ctx.parts.events or not len(ctx.incidents):
            return None
        shared = bool(ctx.parts.points) and _drawn_one_by_one(ctx)
        table = event_table(
            ctx.incidents,
            ctx.series,
            ctx.provinces,
            ctx.parts.groups,
            shared_points=shared,
            measure=ctx.style.measure,
        )
        table.update(_classes(ctx))
        pop = populations(ctx.series)
        if pop is not None:
            table["population"] = pop
        if ctx.series.level == "district":
            codes = ctx.provinces["province_code"].astype(str).tolist()
            ppos = {c: i for i, c in enumerate(codes)}
            table["areaProvince"] = [
                ppos.get(str(c), -1) for c in ctx.series.areas["province_code"].tolist()
            ]
        table["provinceNames"] = ctx.provinces["province"].astype(str).tolist()
        return table

    def draw(self, ax: Any, ctx: StaticContext) -> None:
        """Draw nothing: the image shows every incident, unfiltered."""


def _classes(ctx: LayerContext) -> dict[str, Any]:
    """Return what the page recounts the legend's classes with: the measure and the scheme."""
    s = ctx.style
    measure = "incidents" if s.measure == "count" else s.measure
    k = max(s.k, *(len(b) for b in ctx.series.bins.values()))
    return {
        "measure": measure if measure in ("incidents", "per100k", "fatalities") else "m",
        "classes": {
            "scheme": s.scheme,
            "k": s.k,
            "bins": s.bins,
            "ramps": [area_colors(j) for j in range(1, k + 1)],
        },
    }


def _drawn_one_by_one(ctx: LayerContext) -> bool:
    """Tell whether the point layer draws each point (not grid counts)."""
    return int(point_rows(ctx.incidents).sum()) <= ctx.style.max_points


#: the layer's one instance
LAYER = EventLayer()
