r"""The merged event list: one row per event, its values taken by a documented rule.

For an event reported by several sources:

* **place** (coordinates, province, district and every ``geocode_*`` column) from the
  row placed most precisely (a point before a district before a province; a point its
  source's coordinates give before a town's point a place name gives); a tie goes to the
  source named first;
* **date**, ``date_precision`` and ``date_end`` (a stated last day: UCDP's) from the row
  whose date is most precise (the shortest interval); a tie goes to the source named first;
* **tolls**: ``fatalities`` and ``injured`` are the lowest a source reported (a floor:
  "at least"), ``fatalities_high`` and ``injured_high`` the highest; unknown stays
  unknown when no source knows it;
* **text and codes** (event type, actors, groups, attribution, category, notes, source)
  from the first source named that has a value;
* every source's own ``event_id``, ``date``, ``event_type``, ``actor``, ``actor2``,
  ``fatalities``, ``injured``, ``notes``, ``source`` and ``stated_place`` under its
  name as a prefix (``acled_event_id``), so nothing a source said is lost.

``citations`` gives the credits the publishers of its sources ask for (``; `` between
two), so a page or a layer made from the merged list credits them.

``merge_id`` names the event (``E000001``...), numbered by date and then by the lowest
``source:event_id`` of its rows, so it does not depend on the order of the rows;
``sources`` lists the sources that reported it and ``source_ids`` their ids
(``acled:AFG123|gtd:200401050004``; a ``|`` or ``\`` inside an id is written ``\|``,
``\\``: :func:`split_ids` reads them back); ``merge_review`` names the rows of other
events that a person should compare with it.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from incidentmap.io.frames import csv_safe_text
from incidentmap.merge.decisions import strip_safe
from incidentmap.merge.records import LEVELS, Records

__all__ = [
    "PLACE_COLUMNS", "PREFIXED", "join_id", "merged_frame", "pending_events", "readable_merged",
    "source_counts", "split_ids",
]  # fmt: skip

#: columns that travel with the chosen place
PLACE_COLUMNS = (
    "latitude", "longitude", "stated_province", "stated_district", "stated_place",
    "source_precision", "province", "province_code", "district", "district_id",
    "geocode_method", "geocode_precision", "geocode_score", "geocode_note",
    "geocode_conflict", "geometry",
)  # fmt: skip
_DATE_COLUMNS = ("date", "date_precision", "date_end")
_TEXT_COLUMNS = (
    "event_type", "actor", "actor2", "notes", "source", "actor1_group", "actor2_group",
    "attribution", "category", "category_source", "input_note",
)  # fmt: skip
#: each source's own columns, kept under its name
PREFIXED = (
    "event_id", "date", "event_type", "actor", "actor2", "fatalities", "injured", "notes",
    "source", "stated_place",
)  # fmt: skip
_LEVEL_RANK = {lv: k for k, lv in enumerate(LEVELS)}
#: the columns of a source the merged rows are made of (the others are not copied)
_USED = {*PLACE_COLUMNS, *_DATE_COLUMNS, *_TEXT_COLUMNS, *PREFIXED, "fatalities", "injured"}


def join_id(name: str, event: object) -> str:
    r"""Return ``source:event_id`` as ``source_ids`` holds it (``|`` and ``\`` escaped)."""
    text = str(event).replace("\\", "\\\\").replace("|", "\\|")
    return f"{name}:{text}"


def split_ids(text: str) -> list[str]:
    r"""Return the ``source:event_id`` keys of a ``source_ids`` cell, unescaped.

    ``a:x\|y|b:B1`` -> ``["a:x|y", "b:B1"]``: the inverse of joining :func:`join_id`
    keys with ``|``.
    """
    out, part, escaped = [], [], False
    for ch in text:
        if escaped:
            part.append(ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == "|":
            out.append("".join(part))
            part = []
        else:
            part.append(ch)
    out.append("".join(part))
    return out


def readable_merged(frame: pd.DataFrame) -> pd.DataFrame:
    """Read a merged list's text cells as written, without a spreadsheet-safe ``'``.

    A list written ``csv_safe`` holds ``'+93`` for ``+93`` (and no cell starting with
    ``= + - @``); the ``'`` goes, by the rule the pairs file is read with
    (:func:`~incidentmap.merge.decisions.strip_safe`): a source's ``*_event_id`` keeps
    its ``'`` where ``source_ids`` (never quoted) names the id with it. A frame that is not
    a merged list (no ``source_ids``), or holds a cell a csv-safe writer would have
    quoted, is returned as given.
    """
    if "source_ids" not in frame:
        return frame
    text = [c for c in frame.columns
            if c != "geometry" and pd.api.types.is_string_dtype(frame[c].dtype)]  # fmt: skip
    cells = {c: frame[c].to_numpy(dtype=object) for c in text}
    if any(csv_safe_text(v) is not v for column in cells.values() for v in column):
        return frame  # written as is: a "+93" stands unquoted
    keys = {k for v in frame["source_ids"].dropna().astype(str) for k in split_ids(v)}
    out = frame.copy()
    for col, values in cells.items():
        name = col.removesuffix("_event_id") if col.endswith("_event_id") else None
        quoted = [isinstance(v, str) and v.startswith("'") and f"{name}:{v}" not in keys
                  for v in values]  # fmt: skip
        if any(quoted):
            out[col] = [strip_safe(v) if q else v for v, q in zip(values, quoted, strict=True)]
    return out


def _long(sources: list[Records], labels: np.ndarray) -> pd.DataFrame:
    """Every row of every source with its event label, source order and ranks."""
    parts = []
    for s, r in enumerate(sources):
        keep = [c for c in r.frame.columns if c in _USED]
        f = r.frame[keep].copy()
        f["_source"] = s
        f["_level"] = [_LEVEL_RANK[lv] for lv in r.level]
        f["_by_name"] = _by_name(r.frame)
        f["_span"] = np.nan_to_num(r.hi - r.lo, nan=np.inf)
        f["_key"] = [f"{r.name}:{e}" for e in r.event_id]
        f["_ids"], f["_names"] = _carried(r)
        f["_citations"] = _citations_of(r)
        parts.append(f)
    long = pd.concat(parts, ignore_index=True, sort=False)
    long["_event"] = labels
    return long


def _by_name(frame: pd.DataFrame) -> np.ndarray:
    """1 for a row placed by a name (a town's point), 0 by its coordinates: those first."""
    if "geocode_method" not in frame:
        return np.zeros(len(frame), dtype=np.int8)
    method = frame["geocode_method"].astype("string").fillna("")
    return (~method.str.startswith("point")).to_numpy(dtype=np.int8)


def _citations_of(r: Records) -> np.ndarray:
    """Each row's publishers' credits: the layout's citation, or a merged list's own column."""
    own = str(r.frame.attrs.get("citation") or "")
    out = np.full(len(r), own, dtype=object)
    if "citations" in r.frame:  # a merged list merged again keeps what its rows credit
        held = r.frame["citations"].astype(object).to_numpy()
        has = np.array([isinstance(v, str) and bool(v.strip()) for v in held], dtype=bool)
        out[has] = held[has]
    return out


def _credits(long: pd.DataFrame, index: pd.Index) -> pd.Series:
    """Per event, the distinct credits of its rows in source order (``; `` between two)."""
    order = np.argsort(long["_source"].to_numpy(), kind="stable")
    out: dict[int, list[str]] = {}
    for e, text in zip(long["_event"].to_numpy()[order], long["_citations"].to_numpy()[order],
                       strict=True):  # fmt: skip
        seen = out.setdefault(int(e), [])
        for part in str(text).split("; "):
            if part and part not in seen:
                seen.append(part)
    return pd.Series({e: "; ".join(v) or None for e, v in out.items()}, dtype=object).reindex(index)


def _carried(r: Records) -> tuple[np.ndarray, np.ndarray]:
    """Return each row's ``source_ids`` and ``sources`` (a merged list's own).

    A row of a merged list (it has ``source_ids``) keeps what it already holds
    (``acled:1|gtd:7``); any other row is its own ``source:event_id``.
    """
    own = np.array([join_id(r.name, e) for e in r.event_id], dtype=object)
    names = np.full(len(r), r.name, dtype=object)
    if "source_ids" not in r.frame:
        return own, names
    ids = r.frame["source_ids"].astype(object).to_numpy()
    has = np.array([isinstance(v, str) and bool(v.strip()) for v in ids], dtype=bool)
    own[has] = ids[has]
    if "sources" in r.frame:
        said = r.frame["sources"].astype(object).to_numpy()
        names[has] = [v if isinstance(v, str) and v.strip() else r.name for v in said[has]]
    return own, names


def _carried_columns(r: Records) -> list[str]:
    """Return a merged list's per-source columns (``acled_event_id``...) of its sources."""
    if "sources" not in r.frame:
        return []
    names = {n for v in r.frame["sources"].dropna().astype(str) for n in v.split("|")}
    return [c for c in r.frame.columns
            if any(c == f"{n}_{col}" for n in names - {r.name} for col in PREFIXED)]  # fmt: skip


def _pick(long: pd.DataFrame, by: list[str], columns: tuple[str, ...]) -> pd.DataFrame:
    """Per event, the columns of the first row in the order ``by``."""
    cols = [c for c in columns if c in long.columns]
    keys = long[[*by, "_source", "_event"]].sort_values([*by, "_source"], kind="stable")
    rows = keys.drop_duplicates("_event").index.to_numpy()
    first = long.loc[rows, [*cols, "_event"]]
    return first.set_index("_event")


def _first_known(long: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    cols = [c for c in columns if c in long.columns]
    order = np.argsort(long["_source"].to_numpy(), kind="stable")
    ordered = long[[*cols, "_event"]].iloc[order]
    values = ordered[cols].astype(object)
    for c in cols:
        raw = values[c].to_numpy(dtype=object)
        codes, uniques = pd.factorize(raw, use_na_sentinel=True)
        blank_unique = np.array(
            [isinstance(u, str) and not u.strip() for u in uniques] + [False], dtype=bool
        )
        blank = blank_unique[codes]
        if blank.any():
            values[c] = values[c].mask(blank)
    values["_event"] = ordered["_event"].to_numpy()
    return values.groupby("_event", sort=False).first()


def _tolls(long: pd.DataFrame) -> pd.DataFrame:
    """Per event, the lowest and highest toll its sources gave (a source's rows added)."""
    out = pd.DataFrame(index=pd.Index(long["_event"].unique(), name="_event"))
    for col in ("fatalities", "injured"):
        if col in long:
            values = pd.to_numeric(long[col], errors="coerce")
            per_source = _known_sums(values, [long["_event"], long["_source"]])
            grouped = per_source.groupby(level=0)
            out[col] = grouped.min()
            out[f"{col}_high"] = grouped.max()
    return out


def _known_sums(values: pd.Series, keys: Any, *, strict: bool = True) -> pd.Series:
    """Add the tolls of each group of rows; ``strict``: unknown when one of them is unknown."""
    sums = values.groupby(keys).sum(min_count=1)
    return sums.where(~values.isna().groupby(keys).any()) if strict else sums


def _one_per_event(values: pd.Series, col: str, *, carried: bool = False) -> pd.Series:
    r"""Per event, one source's value: its rows' tolls added, texts joined with ``|``.

    (A ``|`` or ``\`` inside a text is written ``\|``, ``\\``: :func:`split_ids` reads
    them back.)

    An event holds two rows of one source only when a person matched both with one row of
    another source (one incident the source split in two rows). A toll one of the rows
    does not know makes the source's unknown, except in a merged list's per-source column
    (``carried``: blank where the row holds no row of that source).
    """
    if values.index.is_unique:
        return values
    if col in ("fatalities", "injured"):  # one part unknown: the source's toll unknown
        numbers = pd.to_numeric(values, errors="coerce")  # carried: blank is absent
        return _known_sums(numbers, numbers.index, strict=not carried)
    if col == "date":
        return values.groupby(level=0).min()
    split = values.index.duplicated(keep=False)
    text = values[split].map(lambda v: None if pd.isna(v) or v == "" else join_id("", v)[1:])
    joined = text.groupby(level=0).agg(lambda v: "|".join(dict.fromkeys(v.dropna())) or None)
    return pd.concat([values[~split].astype(object), joined.astype(object)])


def _prefixed(long: pd.DataFrame, sources: list[Records]) -> pd.DataFrame:
    out = pd.DataFrame(index=pd.Index(long["_event"].unique(), name="_event"))
    for s, r in enumerate(sources):
        rows = long[long["_source"] == s].set_index("_event")
        for col in PREFIXED:
            name = f"{r.name}_{col}"
            if col == "event_id":
                ids = pd.Series(r.event_id, index=rows.index)
                out[name] = _one_per_event(ids, col).reindex(out.index)
            elif col in rows:
                out[name] = _one_per_event(rows[col], col).reindex(out.index)
        for name in _carried_columns(r):
            if name not in out:
                values = pd.Series(r.frame[name].to_numpy(), index=rows.index)
                kind = name.rpartition("_")[2]
                out[name] = _one_per_event(values, kind, carried=True).reindex(out.index)
    return out


def _joined(parts: list[pd.Series], index: pd.Index) -> pd.Series:
    """Join per-source texts with ``|`` in source order, skipping the sources absent."""
    out = pd.Series("", index=index, dtype=object)
    for part in parts:
        value = part.reindex(index)
        has = value.notna().to_numpy()
        glue = np.where((out != "").to_numpy() & has, "|", "")
        out = out + glue + value.fillna("").astype(object)
    return out


def _lowest_key(long: pd.DataFrame) -> pd.Series:
    """Per event, the lowest ``source:event_id`` of its rows (a sort, not a Python min)."""
    first = long[["_event", "_key"]].sort_values(["_event", "_key"], kind="stable")
    first = first.drop_duplicates("_event")
    return pd.Series(first["_key"].to_numpy(), index=first["_event"].to_numpy())


def _membership(long: pd.DataFrame, sources: list[Records]) -> pd.DataFrame:
    index = pd.Index(np.unique(long["_event"].to_numpy()), name="_event")
    names, keys = [], []
    for s in range(len(sources)):
        rows = long[long["_source"] == s]
        events = rows["_event"].to_numpy()
        said = pd.Series(rows["_names"].to_numpy(), index=events, dtype=object)
        names.append(said.groupby(level=0).agg("|".join) if not said.index.is_unique else said)
        ids = pd.Series(rows["_ids"].to_numpy(), index=events, dtype=object)
        keys.append(ids.groupby(level=0).agg("|".join) if not ids.index.is_unique else ids)
    grouped = long.groupby("_event", sort=True)
    sources_of = _joined(names, index).map(lambda v: "|".join(dict.fromkeys(v.split("|"))))
    return pd.DataFrame(
        {
            "sources": sources_of,
            "source_ids": _joined(keys, index),
            "n_sources": [len(v.split("|")) for v in sources_of],
            "citations": _credits(long, index),
            "_first": _lowest_key(long).reindex(index),
            "_date": grouped["date"].min().reindex(index) if "date" in long else pd.NaT,
        },
        index=index,
    )


def _said(long: pd.DataFrame, texts: dict[str, list[str]]) -> pd.Series:
    """Per event, the texts said of its rows (by each row's own ``source:event_id``)."""
    rows = np.flatnonzero(long["_key"].isin(list(texts)).to_numpy()) if texts else []
    keys, events = long["_key"].to_numpy(), long["_event"].to_numpy()
    out: dict[int, list[str]] = {}
    for k in rows:  # in source order, as the rows are
        out.setdefault(int(events[k]), []).extend(texts[keys[k]])
    return pd.Series({e: "; ".join(t) for e, t in out.items()}, dtype=object)


def merged_frame(
    sources: list[Records], labels: np.ndarray, review: dict[str, list[str]], notes: dict[str, str]
) -> gpd.GeoDataFrame:
    """Build the merged list.

    Parameters
    ----------
    sources : list of Records
        The sources, in the order named.
    labels : numpy.ndarray
        An event label per row (rows of all sources, source after source).
    review : dict
        ``source:event_id`` -> the other rows to compare it with (``gtd:1 (0.62)``).
    notes : dict
        ``source:event_id`` -> why the row was not compared (no date, no place).

    Returns
    -------
    geopandas.GeoDataFrame
        One row per event, in ``merge_id`` order.
    """
    long = _long(sources, labels)
    place = _pick(long, ["_level", "_by_name"], PLACE_COLUMNS)
    when = _pick(long, ["_span"], _DATE_COLUMNS)
    text = _first_known(long, _TEXT_COLUMNS)
    member = _membership(long, sources)
    parts = [member, when, text, _tolls(long), place.drop(columns="geometry", errors="ignore")]
    out = pd.concat(parts, axis=1)
    out["geometry"] = place["geometry"] if "geometry" in place else None
    out = out.join(_prefixed(long, sources))
    out["_date"] = pd.to_datetime(out["_date"], errors="coerce")
    out = out.sort_values(["_date", "_first"], kind="stable", na_position="last")
    out.insert(0, "merge_id", [f"E{k:06d}" for k in range(1, len(out) + 1)])
    out.insert(0, "row", np.arange(1, len(out) + 1))
    out.insert(2, "event_id", out["merge_id"].to_numpy())
    out["merge_review"] = _said(long, review).reindex(out.index)
    out["merge_note"] = _said(long, {k: [v] for k, v in notes.items()}).reindex(out.index)
    out = out.drop(columns=["_date", "_first"]).reset_index(drop=True)
    return gpd.GeoDataFrame(out, geometry="geometry", crs="EPSG:4326")


def source_counts(
    sources: list[Records], labels: np.ndarray, review: dict, notes: dict
) -> dict[str, dict[str, int]]:
    """Count each source's rows: merged, alone, not compared and in pairs to review.

    Parameters
    ----------
    sources : list of Records
    labels : numpy.ndarray
        An event label per row (rows of all sources, source after source).
    review, notes : dict
        ``source:event_id`` -> the rows to compare it with, why it was not compared.

    Returns
    -------
    dict
        Source name -> ``rows``, ``merged``, ``alone``, ``not_compared``, ``review``.
    """
    size = np.bincount(labels, minlength=len(labels))
    out = {}
    start = 0
    for r in sources:
        mine = labels[start : start + len(r)]
        start += len(r)
        prefix = f"{r.name}:"
        out[r.name] = {
            "rows": len(r),
            "merged": int((size[mine] > 1).sum()),
            "alone": int((size[mine] == 1).sum()),
            "not_compared": sum(k.startswith(prefix) for k in notes),
            "review": sum(k.startswith(prefix) for k in review),
        }
    return out


def pending_events(records: list[Records], labels: np.ndarray, review: dict[str, list[str]]) -> int:
    """Return how many events hold a row of a pair left for review.

    Parameters
    ----------
    records : list of Records
    labels : numpy.ndarray
        An event label per row (rows of all sources, source after source).
    review : dict
        ``source:event_id`` -> the rows to compare it with.

    Returns
    -------
    int
    """
    offsets = np.cumsum([0] + [len(r) for r in records])
    where = {f"{r.name}:{e}": offsets[k] + n for k, r in enumerate(records)
             for n, e in enumerate(r.event_id)}  # fmt: skip
    return len({int(labels[where[key]]) for key in review})
