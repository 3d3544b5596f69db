"""What a location field resolves to: the names found (:class:`Hit`), one or several.

:class:`~.resolver.Gazetteer` finds the hits of each name; here they become one answer
(:class:`Resolution`): one place, the ambiguity, or several names of one field agreed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "Hit",
    "Resolution",
    "one_of",
    "one_per_district",
    "own_names_first",
    "together",
    "within",
]


# ---------------------------------------------------------------------------------------------
# resolving a location field: one or several names, with markers, in a province or not


@dataclass(frozen=True)
class Hit:
    """A name found in the gazetteer.

    Attributes
    ----------
    kind : str
        ``"district"``, ``"place"`` or ``"province"``.
    id : str
        District id, place id or province code.
    name : str
        Display name.
    province_code : str
    district_id : str or None
        The district holding it (None for a province).
    method : str
        ``exact``, ``alias``, ``short`` (one half of an "X wa Y" name),
        ``variant`` (consonant skeleton) or ``fuzzy``.
    score : float
    """

    kind: str
    id: str
    name: str
    province_code: str
    district_id: str | None
    method: str
    score: float


@dataclass
class Resolution:
    """What a location field resolved to.

    ``status`` is ``"ok"`` (``hit`` set), ``"not_a_name"``, ``"unknown"``,
    ``"ambiguous"`` (one name, several places) or ``"several"`` (several names in
    different districts; ``province_code`` is set when they share a province).
    """

    status: str
    hit: Hit | None = None
    candidates: list[Hit] = field(default_factory=list)
    province_code: str | None = None
    notes: list[str] = field(default_factory=list)


def one_of(hits: list[Hit], marker: str | None, prefer: str) -> Resolution:
    """Return the best hit where all lie in one district, else the ambiguity."""
    if marker == "district":
        hits = _of_kind(hits, "district")  # "X district" is a district
    if len({h.district_id for h in hits}) == 1:
        pick = _of_kind(hits, "district" if marker == "district" else prefer)
        return Resolution("ok", max(pick, key=lambda h: h.score))
    one = {h.province_code for h in hits}
    if len(one) == 1 and all(h.kind == "district" and h.method == "short" for h in hits):
        # a short form of several districts of one province (Kapisa's "Kohistan" is both
        # its parts): the name stands for them together, the province holds it
        return Resolution("several", candidates=one_per_district(hits), province_code=one.pop())
    return Resolution("ambiguous", candidates=one_per_district(hits))


def own_names_first(hits: list[Hit]) -> list[Hit]:
    """Drop the places a district's own name names only by another of their names elsewhere.

    "Khanabad" is Kunduz's district (and town); GeoNames also lists it among Taloqan's
    names, "Nadir Shah Kot" among Bati's, "Chahar Burjak" among Chahar Burj's: a district's
    name or alias outweighs a place's other name in another district.
    """
    own = {h.district_id for h in hits if h.kind == "district" and h.method in ("exact", "alias")}
    if not own:
        return hits
    return [h for h in hits if h.kind != "place" or h.method == "exact" or h.district_id in own]


def _of_kind(hits: list[Hit], kind: str) -> list[Hit]:
    """Return the hits of this kind, or all of them when none is."""
    return [h for h in hits if h.kind == kind] or hits


def one_per_district(hits: list[Hit]) -> list[Hit]:
    """Return the best hit of each district (and each province), in order of appearance."""
    seen: dict[str | None, Hit] = {}
    for h in hits:
        key = h.district_id if h.kind != "province" else f"province:{h.id}"
        if key not in seen or seen[key].score < h.score:
            seen[key] = h
    return list(seen.values())


# ---------------------------------------------------------------------------------------------
# several names in one field


def within(inner: Resolution, outer: Resolution) -> Resolution:
    """Resolve "X area of Y district": X if it is a known name inside Y, else Y."""
    if inner.status == "ok" and inner.hit is not None:
        exact = inner.hit.method in ("exact", "alias")
        same = outer.hit is not None and outer.hit.district_id == inner.hit.district_id
        if (outer.status != "ok" and exact) or same:
            return inner
    return outer if outer.status == "ok" else inner


def together(results: list[Resolution]) -> Resolution:
    """Resolve several names of one field: one place if they agree, else the candidates."""
    ok = [r.hit for r in results if r.status == "ok" and r.hit is not None]
    if not ok:
        return _none_found(results)
    hit = _agreed(ok)
    if hit is not None:
        return Resolution("ok", hit)
    provs = {h.province_code for h in ok}
    one = provs.pop() if len(provs) == 1 else None
    return Resolution("several", candidates=one_per_district(ok), province_code=one)


def _none_found(results: list[Resolution]) -> Resolution:
    """Return why no name of a field was found, with every part's notes."""
    status = "not_a_name" if all(r.status == "not_a_name" for r in results) else "unknown"
    return Resolution(status, notes=[n for r in results for n in r.notes])


def _agreed(ok: list[Hit]) -> Hit | None:
    """Return the hit the names agree on (one district, or one province), else None."""
    local = [h for h in ok if h.kind != "province"]
    one_province = len({h.province_code for h in ok}) == 1
    if not local:
        return ok[0] if one_province else None
    if len({h.district_id for h in local}) != 1:
        return None
    if one_province:
        return max(local, key=lambda h: h.score)
    return local[0] if _provinces_hold(ok, local[0].province_code) else None


def _provinces_hold(hits: list[Hit], province_code: str) -> bool:
    """Tell whether every province among the hits is this one."""
    return all(h.kind != "province" or h.province_code == province_code for h in hits)
