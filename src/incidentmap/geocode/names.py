"""Placing rows by their names: stated district, place and province, resolved in the gazetteer."""

from __future__ import annotations

import re

import numpy as np

from incidentmap.context import BoundaryContext
from incidentmap.errors import UnknownNameError
from incidentmap.gazetteer import Hit, is_not_a_name, provinces, resolve_province
from incidentmap.geocode.result import (
    METHOD_CODE,
    PRECISION_CODE,
    REASONS,
    Placement,
    province_positions,
)
from incidentmap.geocode.rows import Columns, point_xy


def place_names(
    ctx: BoundaryContext, res: Placement, col: Columns, todo: np.ndarray, threshold: float
) -> None:
    """Place the rows in ``todo`` by their stated district, place and province names."""
    prov_t = col.text("stated_province")
    dist_t = col.text("stated_district")
    place_t = col.text("stated_place")
    memo: dict[tuple[str | None, str | None, str | None], _Named] = {}
    pos_of = province_positions()
    for row in np.flatnonzero(todo):
        key = (prov_t[row], dist_t[row], place_t[row])
        if key not in memo:
            memo[key] = _resolve_names(ctx, *key, threshold)
        named = memo[key]
        res.note[row].extend(named.notes)
        res.conflict[row] = named.conflict
        if named.method == "unplaced":
            continue
        res.method[row] = METHOD_CODE[named.method]
        res.district_pos[row] = named.district_pos
        res.province_pos[row] = pos_of[named.province_code]
        res.x[row], res.y[row] = named.xy
        res.score[row] = named.score
        res.precision[row] = PRECISION_CODE[named.precision]


class _Named:
    """The outcome of placing one combination of stated names."""

    __slots__ = (
        "conflict",
        "district_pos",
        "method",
        "notes",
        "precision",
        "province_code",
        "score",
        "xy",
    )

    def __init__(self, notes: list[str]) -> None:
        self.method = "unplaced"
        self.district_pos = -1
        self.province_code: str | None = None
        self.xy = (np.nan, np.nan)
        self.score = np.nan
        self.precision = "none"
        self.conflict = False
        self.notes = notes


_PCODE = re.compile(r"AF\d{4}", re.IGNORECASE)
#: matches that only resemble a name: never enough to leave the stated province
_WEAK = ("variant", "fuzzy", "short")


def _by_id(ctx: BoundaryContext, district_id: str) -> Hit:
    """Return the district whose id a row states (OCHA's layer: its ids are p-codes)."""
    pos = ctx.pos_by_id[district_id]
    return Hit(
        kind="district", id=district_id, name=str(ctx.district_names[pos]),
        province_code=str(ctx.province_codes[pos]), district_id=district_id,
        method="exact", score=100.0,
    )  # fmt: skip


def _one_of(candidates: list[Hit], field: str) -> Hit | None:
    """Return the one candidate a field means, when several entries are one answer.

    Entries that are the same district are one candidate (the district entry preferred);
    in the district field, the one district among towns named like it is the answer
    ("Dashti Archi": the district, and the town Dasht-e Archi).
    """
    ids = {str(h.district_id) for h in candidates}
    districts = [h for h in candidates if h.kind == "district"]
    if len(candidates) >= 2 and len(ids) == 1 and "None" not in ids:
        return districts[0] if districts else candidates[0]
    if field == "district" and len(districts) == 1:
        return districts[0]
    return None


def _describe(hit: Hit) -> str:
    where = provinces()[hit.province_code].name
    return f"{hit.name} ({where})" if hit.kind != "province" else f"{hit.name} province"


def _resolve_names(
    ctx: BoundaryContext,
    province: str | None,
    district: str | None,
    place: str | None,
    threshold: float,
) -> _Named:
    """Place one combination of stated province, district and place names."""
    notes: list[str] = []
    out = _Named(notes)
    code: str | None = None
    pscore = 100.0
    if province and is_not_a_name(province):
        notes.append(f"no location: province {province!r} names no place")  # GTD's "Unknown"
    elif province:
        try:
            m = resolve_province(province, fuzzy_threshold=threshold)
            code, pscore = m.id, m.score
            if m.method == "fuzzy":
                notes.append(f"province {province!r} read as {m.name} (fuzzy {m.score:.0f})")
        except UnknownNameError as exc:
            notes.append(f"unknown name: {exc}")
    chosen: Hit | None = None
    fallback_province: str | None = None
    for text, field, prefer in ((district, "district", "district"), (place, "place", "place")):
        if not text:
            continue
        if field == "district" and chosen is None and text in ctx.pos_by_id:
            chosen = _by_id(ctx, text)  # a district p-code, when the layer's ids are p-codes
            continue
        if field == "district" and _PCODE.fullmatch(text):
            notes.append(
                f"unknown name: district p-code {text!r} is not an id of the installed districts "
                "(install OCHA's COD-AB layer with --from to place district p-codes)"
            )
            continue
        # the gazetteer is built on first use: rows with no names never pay for it
        r = ctx.gazetteer.resolve(text, code, prefer=prefer, fuzzy_threshold=threshold)
        same = _one_of(r.candidates, field) if r.status in ("ambiguous", "several") else None
        if (r.status == "ok" and r.hit is not None) or same is not None:
            hit = r.hit if same is None else same
            if hit.kind == "province":
                fallback_province = fallback_province or hit.province_code
                if field == "district":
                    notes.append(f"{field} {text!r} names a province, not a district")
                continue
            if chosen is None:
                chosen = hit
                if hit.method in ("variant", "fuzzy", "short"):
                    notes.append(
                        f"{field} {text!r} read as {hit.name} ({hit.method} {hit.score:.0f})"
                    )
            elif hit.district_id != chosen.district_id:
                notes.append(
                    f"{field} {text!r} is in {_describe(hit)}, not in the stated district; "
                    "kept the district"
                )
            elif hit.kind == "place" and chosen.kind == "district":
                chosen = hit  # the place, inside the stated district: more precise
        elif r.status == "several":
            names = ", ".join(_describe(h) for h in r.candidates[:5])
            notes.append(f"several places: {field} {text!r} names {names}")
            fallback_province = fallback_province or r.province_code
        elif r.status == "ambiguous":
            names = ", ".join(_describe(h) for h in r.candidates[:5])
            notes.append(f"ambiguous: {field} {text!r} matches {names}; give the province")
        elif r.status == "not_a_name":
            notes.append(f"no location: {field} {text!r} names no place")
        else:
            where = f" in {provinces()[code].name} or elsewhere" if code else ""
            notes.append(f"unknown name: {field} {text!r}{where}")
    weak = chosen is not None and (chosen.method in _WEAK or chosen.score < 100)
    if chosen is not None and code is not None and chosen.province_code != code and weak:
        # the stated province wins over a name that only resembles one in another province
        # (issue 19: a variant match elsewhere moved rows out of the province they name)
        out.conflict = True
        notes.append(
            f"conflict: stated province {province!r} but {chosen.name} is in "
            f"{provinces()[chosen.province_code].name} ({chosen.method} {chosen.score:.0f}); "
            "placed to the stated province"
        )
        chosen = None
    if chosen is not None:
        pos = ctx.pos_by_id[str(chosen.district_id)]
        out.district_pos = pos
        out.province_code = chosen.province_code
        out.score = chosen.score
        if chosen.kind == "place":
            out.method = "place_name"
            out.precision = "point"
            lon, lat = ctx.gazetteer.place_point(chosen.id)
            out.xy = (lon, lat)
            notes.append(f"place: {chosen.name} ({ctx.gazetteer.place_source(chosen.id)})")
        else:
            out.method = "district_name"
            out.precision = "district"
            out.xy = point_xy(ctx.district_rep[pos])
        if code is not None and chosen.province_code != code:
            out.conflict = True
            notes.append(
                f"conflict: stated province {province!r} but {chosen.name} is in "
                f"{provinces()[chosen.province_code].name}; placed by the name"
            )
        return out
    prov = fallback_province or code  # a province named in the place field is more specific
    if code is not None and fallback_province is not None and fallback_province != code:
        out.conflict = True
        notes.append(
            f"conflict: stated province {province!r} but the place field names "
            f"{provinces()[fallback_province].name}; placed by the place field"
        )
    if prov is not None:
        out.method = "province_name"
        out.precision = "province"
        out.province_code = prov
        out.score = pscore if prov == code else 100.0
        out.xy = point_xy(ctx.province_rep.get(prov))
        return out
    if not (province or district or place):
        notes.append("no location: no coordinates and no place names")
    elif not any(n.split(":", 1)[0] in REASONS for n in notes):
        notes.append("no location: the names give no province")
    return out
