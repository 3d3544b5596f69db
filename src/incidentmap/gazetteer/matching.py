"""Matching names against an index: exact keys, variants and guarded fuzzy scores."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process

from incidentmap.gazetteer.names import (
    FUZZY_MARGIN,
    FUZZY_THRESHOLD,
    dari_skeleton,
    is_arabic,
    loose_key,
    name_key,
    name_keys,
    name_variants,
)
from incidentmap.gazetteer.store import pack_strings, unpack_strings


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

#: prefixes of the skeletons kept among the exact keys (no name's key starts so): Latin
#: skeletons shorter than three letters (``sk:``, too short for the variant tier: only a Dari
#: or Pashto name in a stated province is compared with them) and the skeletons of names in
#: Dari or Pashto script (``dk:``)
SHORT, DARI = "sk:", "dk:"

#: key -> entry id -> (display name, province code, method), in the order they were added
_Slotted = dict[str, dict[str, tuple[str, str, str]]]


def is_spelling_of(alias: str, name: str) -> bool:
    """Tell whether ``alias`` spells ``name`` (Greshk/Gereshk), or is another name for it."""
    a, b = name_key(alias), name_key(name)
    if not a or not b or a.startswith("ar:") or b.startswith("ar:"):
        return True  # scripts other than Latin: trusted as written by GeoNames
    if loose_key(alias) == loose_key(name) or fuzz.ratio(a, b) >= 80:
        return True
    return len(a) >= 5 and fuzz.partial_ratio(a, b) >= 90


class NameIndex:
    """Keys to entries, with exact, variant and fuzzy look-up.

    Names are added to dicts (:meth:`add`); look-ups read a table of arrays compiled
    from them once, which :meth:`to_arrays` and :meth:`from_arrays` keep in a file.
    """

    def __init__(self) -> None:
        self._by_key: _Slotted | None = {}
        self._by_loose: _Slotted | None = {}
        self._table: _Table | None = None

    def add(self, name: str, entry_id: str, display: str, province_code: str, method: str) -> None:
        """Index a name of an entry (the better method wins where a key is taken)."""
        by_key, by_loose = self._dicts()
        self._table = None
        rank = _METHOD_RANK.get(method, 9)
        for key in name_keys(name):
            slot = by_key.setdefault(key, {})
            if entry_id not in slot or rank < _METHOD_RANK.get(slot[entry_id][2], 9):
                slot[entry_id] = (display, province_code, method)
        for variant in name_variants(name):
            lk = loose_key(variant)
            if len(lk) >= 3:
                slot = by_loose.setdefault(lk, {})
            elif lk or is_arabic(variant):
                lk = SHORT + lk if lk else DARI + dari_skeleton(variant)
                slot = by_key.setdefault(lk, {})
            else:
                continue
            slot.setdefault(entry_id, (display, province_code, method))

    def _dicts(self) -> tuple[_Slotted, _Slotted]:
        """Return the dicts names are added to (rebuilt for an index read from a file)."""
        if self._by_key is None or self._by_loose is None:
            assert self._table is not None
            self._by_key, self._by_loose = self._table.dicts()
        return self._by_key, self._by_loose

    def _compiled(self) -> _Table:
        if self._table is None:
            by_key, by_loose = self._dicts()
            self._table = _Table.compile(by_key, by_loose)
        return self._table

    def variant(self, name: str, province_code: str | None = None) -> list[Match]:
        """Entries whose consonant skeleton (:func:`loose_key`) equals the name's.

        A name in Dari or Pashto script is compared by :func:`dari_skeleton` with the
        skeletons of every name, in any script (:meth:`_script_variant`).
        """
        if is_arabic(name):
            return self._script_variant(name, province_code)
        table = self._compiled()
        found: dict[str, Match] = {}
        query = name_key(name)
        for variant in name_variants(name):
            for eid, disp, prov, _meth in table.rows(table.loose, loose_key(variant)):
                if province_code is not None and prov != province_code:
                    continue
                score = round(float(fuzz.ratio(query, name_key(disp))), 1)
                if eid not in found or found[eid].score < score:
                    found[eid] = Match(eid, disp, prov, "variant", score)
        return sorted(found.values(), key=lambda m: -m.score)

    def _script_variant(self, name: str, province_code: str | None) -> list[Match]:
        """Entries whose skeleton equals a Dari or Pashto name's :func:`dari_skeleton`.

        Scored by the skeleton's length (one letter says little): 90 from five letters, 85
        from three, 80 below (enough only in a stated province: see ``Gazetteer._tier``).
        """
        sk = dari_skeleton(name)
        if not sk:
            return []
        table = self._compiled()
        rows = table.rows(table.loose, sk) if len(sk) >= 3 else table.rows(table.exact, SHORT + sk)
        rows += table.rows(table.exact, DARI + sk)
        score = 90.0 if len(sk) >= 5 else 85.0 if len(sk) >= 3 else 80.0
        found = {
            eid: Match(eid, disp, prov, "variant", score)
            for eid, disp, prov, _meth in rows
            if province_code is None or prov == province_code
        }
        return list(found.values())

    def exact(self, name: str, province_code: str | None = None) -> list[Match]:
        """Return the entries whose normalised key equals one of the name's keys."""
        table = self._compiled()
        for key in name_keys(name):
            found = [
                Match(eid, disp, prov, meth, 100.0)
                for eid, disp, prov, meth in table.rows(table.exact, key)
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
        """Return (accepted matches, close candidates) for a fuzzy look-up.

        A name in Dari or Pashto script is scored by its :func:`dari_skeleton` against the
        skeletons of the names (three letters or more), the same threshold and margin.
        """
        table = self._compiled()
        if is_arabic(name):
            query, slots = dari_skeleton(name), table.loose
            query = query if len(query) >= 3 else ""
        else:
            query, slots = name_key(name), table.exact
        keys = table.fuzzy_keys(province_code, slots) if query else []
        if not keys:
            return [], []
        scored = process.extract(query, keys, scorer=fuzz.ratio, limit=12)
        ranked = self._ranked(scored, province_code, slots)
        return _accepted(ranked, threshold, margin), ranked[:5]

    def _ranked(
        self, scored: list[tuple[str, float, int]], province_code: str | None, slots: _Slots
    ) -> list[Match]:
        """Return the entries of the scored keys (in the province), best score first."""
        table = self._compiled()
        best: dict[str, Match] = {}
        for key, score, _ in scored:
            for eid, disp, prov, _meth in table.rows(slots, key):
                if province_code is not None and prov != province_code:
                    continue
                if eid not in best or best[eid].score < score:
                    best[eid] = Match(eid, disp, prov, "fuzzy", round(float(score), 1))
        return sorted(best.values(), key=lambda m: -m.score)

    def names(self) -> list[str]:
        """Return every indexed display name, sorted."""
        table = self._compiled()
        return sorted({table.names[e] for e in table.exact.entry.tolist()})

    # -- kept in a file ---------------------------------------------------------------------------

    def to_arrays(self, prefix: str = "") -> dict[str, np.ndarray]:
        """Return the index as arrays (strings packed as UTF-8), named with ``prefix``."""
        return self._compiled().to_arrays(prefix)

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray], prefix: str = "") -> NameIndex:
        """Return the index :meth:`to_arrays` gave.

        Raises
        ------
        ValueError, KeyError
            If the arrays are damaged or not an index's.
        """
        index = cls()
        index._by_key = index._by_loose = None
        index._table = _Table.from_arrays(arrays, prefix)
        return index


def _accepted(ranked: list[Match], threshold: float, margin: float) -> list[Match]:
    """Return the best match if it reaches the threshold and no other comes within the margin."""
    if not ranked or ranked[0].score < threshold:
        return []
    top = ranked[0]
    if any(m.score >= top.score - margin for m in ranked[1:]):
        return []
    return [top]


_Entry = tuple[str, str, str, str]


@dataclass
class _Slots:
    """Keys in the order they were first added, each with its rows (entry, method)."""

    keys: list[str]
    start: np.ndarray  # the rows of keys[i] are start[i]:start[i + 1]
    entry: np.ndarray  # row -> entry (id, display name, province)
    method: np.ndarray  # row -> method

    @functools.cached_property
    def position(self) -> dict[str, int]:
        return {k: i for i, k in enumerate(self.keys)}

    @functools.cached_property
    def row_key(self) -> np.ndarray:
        return np.repeat(np.arange(len(self.keys)), np.diff(self.start))

    def check(self, n_entries: int, n_methods: int) -> None:
        """Raise ValueError unless the rows fit the keys, entries and methods."""
        start, rows = self.start, len(self.entry)
        ok = len(start) == len(self.keys) + 1 and len(self.method) == rows
        ok = ok and start[0] == 0 and start[-1] == rows and bool(np.all(np.diff(start) >= 0))
        if not (ok and _in_range(self.entry, n_entries) and _in_range(self.method, n_methods)):
            msg = "a name index's rows do not fit its keys"
            raise ValueError(msg)


def _in_range(values: np.ndarray, n: int) -> bool:
    """Tell whether every value is a position in a list of ``n``."""
    return not len(values) or bool(values.min() >= 0 and values.max() < n)


class _Table:
    """A :class:`NameIndex` as arrays: the entries, the methods, exact and loose keys."""

    def __init__(
        self,
        entries: tuple[list[str], list[str], list[str]],
        methods: list[str],
        exact: _Slots,
        loose: _Slots,
    ) -> None:
        self.ids, self.names, self.provinces = entries
        self.methods = methods
        self.exact = exact
        self.loose = loose
        self._fuzzy_keys: dict[tuple[int, str | None], list[str]] = {}

    @classmethod
    def compile(
        cls,
        by_key: _Slotted,
        by_loose: _Slotted,
    ) -> _Table:
        """Return the table of the dicts :meth:`NameIndex.add` fills (their order kept)."""
        entry_of: dict[tuple[str, str, str], int] = {}
        method_of: dict[str, int] = {}

        def slots(by: _Slotted) -> _Slots:
            entry: list[int] = []
            method: list[int] = []
            start = [0]
            for slot in by.values():
                for eid, (disp, prov, meth) in slot.items():
                    entry.append(entry_of.setdefault((eid, disp, prov), len(entry_of)))
                    method.append(method_of.setdefault(meth, len(method_of)))
                start.append(len(entry))
            return _Slots(
                list(by),
                np.array(start, dtype=np.int64),
                np.array(entry, dtype=np.int32),
                np.array(method, dtype=np.int8),
            )

        exact, loose = slots(by_key), slots(by_loose)
        triples = list(entry_of)
        entries = ([t[0] for t in triples], [t[1] for t in triples], [t[2] for t in triples])
        return cls(entries, list(method_of), exact, loose)

    def rows(self, slots: _Slots, key: str) -> list[_Entry]:
        """Return the (id, display name, province, method) of each entry under ``key``."""
        at = slots.position.get(key)
        if at is None:
            return []
        lo, hi = int(slots.start[at]), int(slots.start[at + 1])
        return [
            (self.ids[e], self.names[e], self.provinces[e], self.methods[m])
            for e, m in zip(slots.entry[lo:hi].tolist(), slots.method[lo:hi].tolist(), strict=True)
        ]

    def fuzzy_keys(self, province_code: str | None, slots: _Slots | None = None) -> list[str]:
        """Return the keys in Latin script with an entry in the province (None: any).

        Of the exact keys (names' keys, not the skeletons kept among them), or of ``slots``.
        """
        slots = self.exact if slots is None else slots
        keys = self._fuzzy_keys.get((id(slots), province_code))
        if keys is None:
            ok = np.array([not k.startswith(("ar:", SHORT, DARI)) for k in slots.keys], dtype=bool)
            if province_code is not None:
                in_prov = np.array([p == province_code for p in self.provinces], dtype=bool)
                has = np.zeros(len(slots.keys), dtype=bool)
                has[slots.row_key[in_prov[slots.entry]]] = True
                ok &= has
            keys = [slots.keys[i] for i in np.flatnonzero(ok)]
            self._fuzzy_keys[(id(slots), province_code)] = keys
        return keys

    def dicts(self) -> tuple[_Slotted, _Slotted]:
        """Return the dicts this table was compiled from."""

        def back(slots: _Slots) -> _Slotted:
            return {
                k: {eid: (disp, prov, meth) for eid, disp, prov, meth in self.rows(slots, k)}
                for k in slots.keys
            }

        return back(self.exact), back(self.loose)

    def to_arrays(self, prefix: str) -> dict[str, np.ndarray]:
        counts = [len(self.ids), len(self.methods), len(self.exact.keys), len(self.loose.keys)]
        out = {
            "counts": np.array(counts, dtype=np.int64),
            "ids": pack_strings([str(v) for v in self.ids]),
            "names": pack_strings([str(v) for v in self.names]),
            "provinces": pack_strings([str(v) for v in self.provinces]),
            "methods": pack_strings(self.methods),
        }
        for tag, slots in (("exact", self.exact), ("loose", self.loose)):
            out[f"{tag}_keys"] = pack_strings(slots.keys)
            out[f"{tag}_start"] = slots.start
            out[f"{tag}_entry"] = slots.entry
            out[f"{tag}_method"] = slots.method
        return {f"{prefix}{k}": v for k, v in out.items()}

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray], prefix: str) -> _Table:
        n_entries, n_methods, n_exact, n_loose = (int(v) for v in arrays[f"{prefix}counts"])
        entries = (
            unpack_strings(arrays[f"{prefix}ids"], n_entries),
            unpack_strings(arrays[f"{prefix}names"], n_entries),
            unpack_strings(arrays[f"{prefix}provinces"], n_entries),
        )
        methods = unpack_strings(arrays[f"{prefix}methods"], n_methods)
        built = []
        for tag, n in (("exact", n_exact), ("loose", n_loose)):
            slots = _Slots(
                unpack_strings(arrays[f"{prefix}{tag}_keys"], n),
                np.asarray(arrays[f"{prefix}{tag}_start"], dtype=np.int64),
                np.asarray(arrays[f"{prefix}{tag}_entry"], dtype=np.int32),
                np.asarray(arrays[f"{prefix}{tag}_method"], dtype=np.int8),
            )
            slots.check(n_entries, n_methods)
            built.append(slots)
        return cls(entries, methods, built[0], built[1])
