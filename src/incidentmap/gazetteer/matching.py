"""Matching names against an index: exact keys, variants and guarded fuzzy scores."""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz, process

from incidentmap.gazetteer.names import (
    FUZZY_MARGIN,
    FUZZY_THRESHOLD,
    loose_key,
    name_key,
    name_keys,
    name_variants,
)


@dataclass(frozen=True)
class Match:
    """The result of a name look-up.

    Attributes
    ----------
    id : str
        Identifier of what was found (province code, district id or place id).
    name : str
        Its display name.
    province_code : str
        ISO 3166-2 code of its province.
    method : str
        ``"exact"``, ``"alias"`` or ``"fuzzy"``.
    score : float
        100 for exact and alias matches, the rapidfuzz ratio for fuzzy ones.
    """

    id: str
    name: str
    province_code: str
    method: str
    score: float


#: how an index entry was named: its own name, a spelling of it, or another name for it
_METHOD_RANK = {"exact": 0, "alias": 1, "short": 2, "other_name": 3}


def is_spelling_of(alias: str, name: str) -> bool:
    """Tell whether ``alias`` spells ``name`` (Greshk/Gereshk), or is another name for it."""
    a, b = name_key(alias), name_key(name)
    if not a or not b or a.startswith("ar:") or b.startswith("ar:"):
        return True  # scripts other than Latin: trusted as written by GeoNames
    if loose_key(alias) == loose_key(name) or fuzz.ratio(a, b) >= 80:
        return True
    return len(a) >= 5 and fuzz.partial_ratio(a, b) >= 90


class NameIndex:
    """Keys to entries, with exact and fuzzy look-up."""

    def __init__(self) -> None:
        self._by_key: dict[str, dict[str, tuple[str, str, str]]] = {}
        self._by_loose: dict[str, dict[str, tuple[str, str, str]]] = {}

    def add(self, name: str, entry_id: str, display: str, province_code: str, method: str) -> None:
        """Index a name of an entry (the better method wins where a key is taken)."""
        rank = _METHOD_RANK.get(method, 9)
        for key in name_keys(name):
            slot = self._by_key.setdefault(key, {})
            if entry_id not in slot or rank < _METHOD_RANK.get(slot[entry_id][2], 9):
                slot[entry_id] = (display, province_code, method)
        for variant in name_variants(name):
            lk = loose_key(variant)
            if len(lk) >= 3:
                slot = self._by_loose.setdefault(lk, {})
                slot.setdefault(entry_id, (display, province_code, method))

    def variant(self, name: str, province_code: str | None = None) -> list[Match]:
        """Entries whose consonant skeleton (:func:`loose_key`) equals the name's."""
        found: dict[str, Match] = {}
        query = name_key(name)
        for variant in name_variants(name):
            lk = loose_key(variant)
            for eid, (disp, prov, _meth) in self._by_loose.get(lk, {}).items():
                if province_code is not None and prov != province_code:
                    continue
                score = round(float(fuzz.ratio(query, name_key(disp))), 1)
                if eid not in found or found[eid].score < score:
                    found[eid] = Match(eid, disp, prov, "variant", score)
        return sorted(found.values(), key=lambda m: -m.score)

    def exact(self, name: str, province_code: str | None = None) -> list[Match]:
        """Return the entries whose normalised key equals one of the name's keys."""
        for key in name_keys(name):
            slot = self._by_key.get(key)
            if not slot:
                continue
            found = [
                Match(eid, disp, prov, meth, 100.0)
                for eid, (disp, prov, meth) in slot.items()
                if province_code is None or prov == province_code
            ]
            if found:
                return found
        return []

    def fuzzy(
        self,
        name: str,
        province_code: str | None = None,
        *,
        threshold: float = FUZZY_THRESHOLD,
        margin: float = FUZZY_MARGIN,
    ) -> tuple[list[Match], list[Match]]:
        """Return (accepted matches, close candidates) for a fuzzy look-up."""
        query = name_key(name)
        if not query or query.startswith("ar:"):
            return [], []
        keys = [
            k
            for k, slot in self._by_key.items()
            if not k.startswith("ar:")
            and (province_code is None or any(v[1] == province_code for v in slot.values()))
        ]
        if not keys:
            return [], []
        scored = process.extract(query, keys, scorer=fuzz.ratio, limit=12)
        best: dict[str, Match] = {}
        for key, score, _ in scored:
            for eid, (disp, prov, _meth) in self._by_key[key].items():
                if province_code is not None and prov != province_code:
                    continue
                if eid not in best or best[eid].score < score:
                    best[eid] = Match(eid, disp, prov, "fuzzy", round(float(score), 1))
        ranked = sorted(best.values(), key=lambda m: -m.score)
        if not ranked or ranked[0].score < threshold:
            return [], ranked[:5]
        top = ranked[0]
        rivals = [m for m in ranked[1:] if m.score >= top.score - margin]
        if rivals:
            return [], ranked[:5]
        return [top], ranked[:5]

    def names(self) -> list[str]:
        """Return every indexed display name, sorted."""
        return sorted({v[0] for slot in self._by_key.values() for v in slot.values()})
