"""Placing rows by their names: stated district, place and province, resolved in the gazetteer."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from incidentmap.context import BoundaryContext
from incidentmap.errors import UnknownNameError
from incidentmap.gazetteer import Hit, Resolution, is_not_a_name, provinces, resolve_province
from incidentmap.geocode.result import (
    METHOD_CODE,
    PRECISION_CODE,
    REASONS,
    Placement,
    province_positions,
)
from incidentmap.geocode.rows import Columns, point_xy, try_province
from incidentmap.schema import header_key


def place_names(
    ctx: BoundaryContext, res: Placement, col: Columns, todo: np.ndarray, threshold: float
) -> None:
    """Place the rows in ``todo`` by their stated district, place and province names.

    Each combination of names is resolved once, and its rows placed together.
    """
    rows = np.flatnonzero(todo)
    if len(rows) == 0:
        return
    prov, dist, place = (col.text(c)[rows] for c in _STATED)
    # the source's own precision: a place named for a district-level row stands for its
    # district, any name of a province-level row for its province; a row its p-codes locate
    # (a count for an area) is never placed at a village of the district's name
    level = col.text("source_precision")[rows]
    cap = np.where(np.isin(level, _AREAS), level, None)
    pcoded = np.array([bool(v) and _PROVINCE_PCODE.fullmatch(str(v)) is not None for v in prov])
    area = (cap != None) & pcoded  # noqa: E711 (elementwise)
    group = _groups([prov, dist, place, area, cap])
    order = np.argsort(group, kind="stable")
    pos_of = province_positions()
    for members in np.split(order, np.flatnonzero(np.diff(group[order])) + 1):
        i = members[0]
        named = _resolve_names(ctx, prov[i], dist[i], place[i], bool(area[i]), threshold)
        _capped(ctx, named, cap[i])
        _assign(res, rows[members], named, pos_of[named.province_code])


def _capped(ctx: BoundaryContext, named: _Named, level: str | None) -> None:
    """Hold a placement to the source's own precision (``district`` or ``province``)."""
    if named.method == "unplaced" or level is None:
        return
    if level == "district" and named.precision == "point":
        named.method, named.precision = "district_name", "district"
        named.xy = point_xy(ctx.district_rep[named.district_pos])
        named.notes.append("source precision: district (the place stands for its district)")
    elif level == "province" and named.precision in ("point", "district"):
        named.method, named.precision, named.district_pos = "province_name", "province", -1
        named.xy = point_xy(ctx.province_rep.get(named.province_code))
        named.notes.append("source precision: province")


_STATED = ("stated_province", "stated_district", "stated_place")


def _groups(columns: list[np.ndarray]) -> np.ndarray:
    """Return a group number per row for its combination of values (in order of appearance)."""
    code = np.zeros(len(columns[0]), dtype=np.int64)
    for values in columns:
        k, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=False)
        code = pd.factorize(code * (len(uniques) + 1) + k)[0]
    return code


def _assign(res: Placement, rows: np.ndarray, named: _Named, province_pos: int) -> None:
    """Give the rows of one combination of names its placement and notes."""
    for row in rows.tolist():
        res.note[row].extend(named.notes)
    res.conflict[rows] = named.conflict
    if named.method == "unplaced":
        return
    res.method[rows] = METHOD_CODE[named.method]
    res.district_pos[rows] = named.district_pos
    res.province_pos[rows] = province_pos
    res.x[rows], res.y[rows] = named.xy
    res.score[rows] = named.score
    res.precision[rows] = PRECISION_CODE[named.precision]


#: header keys of a province's name beside its p-code (HDX HAPI, OCHA COD-AB, HXL exports)
_PROVINCE_NAME_KEYS = ("admin1_name", "adm1_name", "adm1_en", "province_name")
_PROVINCE_PCODE = re.compile(r"AF\d{2}", re.IGNORECASE)


def pcode_beside_name(res: Placement, col: Columns) -> None:
    """Flag the rows whose province p-code and the province name beside it disagree.

    ``AF17`` (Badakhshan) beside ``Logar``: the p-code states the province (codes are
    exact), but the row says two things; it gets ``geocode_conflict`` and a note saying
    which one placed it.
    """
    name_col = _province_name_column(col)
    if name_col is None or not _has_pcodes(col):
        return
    codes, names = col.text("stated_province"), col.text(name_col)
    placed_in = [p.name for p in provinces().values()]
    said = _disagreeing(codes, names)
    for row in range(col.n):
        two = said.get((codes[row], names[row]))
        if two is None:
            continue
        pos = res.province_pos[row]
        res.conflict[row] = True
        res.note[row].append(
            f"conflict: p-code {codes[row]!r} is {two[0]} but the province name beside it is "
            f"{names[row]!r} ({two[1]}); {_used(two, placed_in[pos] if pos >= 0 else None)}"
        )


def _has_pcodes(col: Columns) -> bool:
    """Say whether some stated province is a p-code (``AF17``)."""
    if not col.given("stated_province"):
        return False
    values = pd.unique(col.frame["stated_province"].dropna().astype(str).str.strip())
    return any(_PROVINCE_PCODE.fullmatch(v) for v in values)


def _province_name_column(col: Columns) -> str | None:
    by_key = {header_key(c): str(c) for c in col.frame.columns}
    return next((by_key[k] for k in _PROVINCE_NAME_KEYS if k in by_key), None)


def _disagreeing(codes: np.ndarray, names: np.ndarray) -> dict[tuple[str, str], tuple[str, str]]:
    """Return (p-code, name) -> their two provinces, for each pair that disagrees."""
    pairs = {(c, n) for c, n in zip(codes, names, strict=True) if c and n}
    said = {k: _disagree(*k) for k in pairs if _PROVINCE_PCODE.fullmatch(k[0])}
    return {k: v for k, v in said.items() if v is not None}


def _used(said: tuple[str, str], where: str | None) -> str:
    """Say which of a p-code's province and a name's placed the row."""
    if where is None:
        return "not placed"
    if where == said[0]:
        return "placed by the p-code"
    return "placed by the name" if where == said[1] else f"placed in {where}"


def _disagree(code: str, name: str) -> tuple[str, str] | None:
    """Return (the p-code's province, the name's) when both resolve and differ."""
    by_code, by_name = try_province(code.upper()), try_province(name)
    if by_code is None or by_name is None or by_code == by_name:
        return None
    return provinces()[by_code].name, provinces()[by_name].name


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
#: a row's own precision that makes it an area (a count by district or province, located by
#: its p-codes): never placed at a village of the district's name
_AREAS = ("district", "province")
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
    area: bool,
    threshold: float,
) -> _Named:
    """Place one combination of stated province, district and place names.

    ``area``: the row is an area's (p-codes locate it): it goes to a district of the
    stated province or stays at the province, with the reason; never to a place's point.
    """
    search = _Search(ctx, province, threshold)
    search.area = area
    search.read_province()
    search.read(district, "district")
    search.read(place, "place")
    search.drop_weak()
    if search.chosen is not None:
        return search.by_name()
    if not search.by_province():
        search.why_unplaced(bool(province or district or place))
    return search.out


class _Search:
    """The names of one row read field by field: the stated province, then district, place."""

    def __init__(self, ctx: BoundaryContext, province: str | None, threshold: float) -> None:
        self.ctx = ctx
        self.province = province
        self.threshold = threshold
        self.notes: list[str] = []
        self.out = _Named(self.notes)
        #: the stated province's code and score
        self.code: str | None = None
        self.pscore = 100.0
        #: the district or place the fields name
        self.chosen: Hit | None = None
        #: a province the fields name (a place field that is a province's name)
        self.fallback: str | None = None
        #: the row is an area's count (see :func:`_resolve_names`)
        self.area = False

    def read_province(self) -> None:
        """Read the stated province (a note when it names no place, is unknown or fuzzy)."""
        province = self.province
        if not province:
            return
        if is_not_a_name(province):
            self.notes.append(f"no location: province {province!r} names no place")  # GTD's
            return  # "Unknown"
        try:
            m = resolve_province(province, fuzzy_threshold=self.threshold)
        except UnknownNameError as exc:
            self.notes.append(f"unknown name: {exc}")
            return
        self.code, self.pscore = m.id, m.score
        if m.method == "fuzzy":
            self.notes.append(f"province {province!r} read as {m.name} (fuzzy {m.score:.0f})")

    def read(self, text: str | None, field: str) -> None:
        """Read the district or the place field."""
        if not text or (field == "district" and self._district_code(text)):
            return
        self._resolve(text, field)

    def _resolve(self, text: str, field: str) -> None:
        """Resolve the district or the place field in the gazetteer and take what it names."""
        # the gazetteer is built on first use: rows with no names never pay for it
        r = self.ctx.gazetteer.resolve(
            text, self.code, prefer=field, fuzzy_threshold=self.threshold
        )
        same = _one_of(r.candidates, field) if r.status in ("ambiguous", "several") else None
        hit = same if same is not None else (r.hit if r.status == "ok" else None)
        if hit is not None and self.area and not self._area_takes(hit, text, field):
            return
        if hit is not None:
            self.notes.extend(r.notes)  # how the name was read (a Kabul police district...)
            self._found(hit, text, field)
        else:
            self._missed(r, text, field)

    def _area_takes(self, hit: Hit, text: str, field: str) -> bool:
        """Say whether an area's row takes a hit: a district of its stated province only."""
        where = provinces()[self.code].name if self.code else "the stated province"
        if hit.kind == "place":
            self.notes.append(
                f"unknown name: {field} {text!r} names no district of the installed layer in "
                f"{where} (only a place, {_describe(hit)}): a count for an area is never "
                "placed at a village; kept at the province"
            )
            return False
        if hit.kind == "district" and self.code is not None and hit.province_code != self.code:
            self.out.conflict = True
            self.notes.append(
                f"conflict: the p-code states {where} but {field} {text!r} is "
                f"{_describe(hit)}; a count for an area stays in the province its p-code "
                "states"
            )
            return False
        return True

    def _district_code(self, text: str) -> bool:
        """Take a district p-code the layer's ids hold; say whether the text was a p-code."""
        if self.chosen is None and text in self.ctx.pos_by_id:
            self.chosen = _by_id(self.ctx, text)  # when the layer's ids are p-codes
            return True
        if _PCODE.fullmatch(text):
            self.notes.append(
                f"unknown name: district p-code {text!r} is not an id of the installed districts "
                "(install OCHA's COD-AB layer (`source`) to place district p-codes)"
            )
            return True
        return False

    def _found(self, hit: Hit, text: str, field: str) -> None:
        """Take what a field names: the first district or place, or a place inside it."""
        chosen = self.chosen
        if hit.kind == "province":
            self.fallback = self.fallback or hit.province_code
            if field == "district":
                self.notes.append(f"{field} {text!r} names a province, not a district")
        elif chosen is None:
            hit = self._district_of(hit, text) if field == "district" else hit
            self.chosen = hit
            if hit.method in _WEAK:
                self.notes.append(
                    f"{field} {text!r} read as {hit.name} ({hit.method} {hit.score:.0f})"
                )
        elif hit.district_id != chosen.district_id:
            self.notes.append(
                f"{field} {text!r} is in {_describe(hit)}, not in the stated district; "
                "kept the district"
            )
        elif hit.kind == "place" and chosen.kind == "district":
            self.chosen = hit  # the place, inside the stated district: more precise

    def _district_of(self, hit: Hit, text: str) -> Hit:
        """Return the district a district field names: never the point of a village in it."""
        if hit.kind != "place":
            return hit
        self.notes.append(
            f"district {text!r} read as the district of the place of that name "
            f"({_describe(hit)}), not as a point"
        )
        return _by_id(self.ctx, hit.district_id)

    def _missed(self, r: Resolution, text: str, field: str) -> None:
        """Say why a field placed nothing (several, ambiguous, no name, unknown)."""
        if r.status == "several":
            names = ", ".join(_describe(h) for h in r.candidates[:5])
            self.notes.append(f"several places: {field} {text!r} names {names}")
            self.fallback = self.fallback or r.province_code
        elif r.status == "ambiguous":
            names = ", ".join(_describe(h) for h in r.candidates[:5])
            self.notes.append(f"ambiguous: {field} {text!r} matches {names}; give the province")
        elif r.status == "not_a_name":
            self.notes.append(f"no location: {field} {text!r} names no place")
        else:
            where = f" in {provinces()[self.code].name} or elsewhere" if self.code else ""
            self.notes.append(f"unknown name: {field} {text!r}{where}")

    def drop_weak(self) -> None:
        """Keep the stated province over a name that only resembles one in another province.

        Issue 19: a variant match elsewhere moved rows out of the province they name.
        """
        chosen, code = self.chosen, self.code
        if chosen is None or code is None or chosen.province_code == code:
            return
        if not (chosen.method in _WEAK or chosen.score < 100):  # a name that is that place
            return
        self.out.conflict = True
        self.notes.append(
            f"conflict: stated province {self.province!r} but {chosen.name} is in "
            f"{provinces()[chosen.province_code].name} ({chosen.method} {chosen.score:.0f}); "
            "placed to the stated province"
        )
        self.chosen = None

    def by_name(self) -> _Named:
        """Place the row at the chosen place (its point) or district (its centre)."""
        chosen, out, ctx = self.chosen, self.out, self.ctx
        assert chosen is not None
        pos = ctx.pos_by_id[str(chosen.district_id)]
        out.district_pos = pos
        out.province_code = chosen.province_code
        out.score = chosen.score
        if chosen.kind == "place":
            out.method = "place_name"
            out.precision = "point"
            lon, lat = ctx.gazetteer.place_point(chosen.id)
            out.xy = (lon, lat)
            self.notes.append(f"place: {chosen.name} ({ctx.gazetteer.place_source(chosen.id)})")
        else:
            out.method = "district_name"
            out.precision = "district"
            out.xy = point_xy(ctx.district_rep[pos])
        if self.code is not None and chosen.province_code != self.code:
            out.conflict = True
            self.notes.append(
                f"conflict: stated province {self.province!r} but {chosen.name} is in "
                f"{provinces()[chosen.province_code].name}; placed by the name"
            )
        return out

    def by_province(self) -> bool:
        """Place the row to a province the fields name, else the stated one; say if placed."""
        code, fallback, out = self.code, self.fallback, self.out
        prov = fallback or code  # a province named in the place field is more specific
        if code is not None and fallback is not None and fallback != code:
            out.conflict = True
            self.notes.append(
                f"conflict: stated province {self.province!r} but the place field names "
                f"{provinces()[fallback].name}; placed by the place field"
            )
        if prov is None:
            return False
        out.method = "province_name"
        out.precision = "province"
        out.province_code = prov
        out.score = self.pscore if prov == code else 100.0
        out.xy = point_xy(self.ctx.province_rep.get(prov))
        return True

    def why_unplaced(self, named: bool) -> None:
        """Say why a row is unplaced, unless a note already says so."""
        if not named:
            self.notes.append("no location: no coordinates and no place names")
        elif not any(n.split(":", 1)[0] in REASONS for n in self.notes):
            self.notes.append("no location: the names give no province")
