"""Who was targeted: one taxonomy read from each publisher's codebook.

The briefing this project exists for asks who was attacked ("ISIS-K's killings of Taliban
officials"), and each dataset says it its own way:

* GTD: ``targtype1`` (codes 1-22, or ``targtype1_txt`` / the R export's ``TARGET.TYPE.1``
  labels), per the GTD Codebook (START, 2021), "Target/Victim Information";
* ACLED: ``civilian_targeting`` ("Civilian targeting"), ``inter2`` (the second actor's
  interaction code, as a number 1-8 or, since 2025, as text) and ``actor2`` (its name:
  "Government of Afghanistan (2021-)", "Police Forces of Afghanistan (2021-)"...), per the
  ACLED Codebook (2024), "Actors" and "Interaction";
* UCDP GED: ``type_of_violence`` 3 (one-sided violence: civilians) and ``side_b`` (the
  government's forces in state-based conflict), per the UCDP GED Codebook 25.1;
* AWSD: aid workers, by the database's definition;
* an event type that is a target by definition: HDX HAPI's ``civilian_targeting`` (its
  conflict-event codebook: ACLED's civilian targeting, aggregated) and ACLED's "Violence
  against civilians" (ACLED Codebook: violence by an organised armed group against unarmed
  non-combatants) where the file has no ``civilian_targeting`` column, for the rows nothing
  more specific names.

:data:`TARGETS` is the taxonomy; :func:`target_of` gives each row's target (``unknown`` when
the row does not say). The rules are in the tables below, each cited to its codebook.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from incidentmap._coded import coded_text
from incidentmap.errors import UsageError
from incidentmap.schema import header_key

__all__ = ["TARGETS", "check_targets", "target_of"]

#: the taxonomy: who an attack was aimed at
TARGETS = (
    "officials",  # officials of the government of the day (the de facto authorities since 2021)
    "security forces",  # army, police, intelligence, militias in the state's service
    "civilians",
    "religious",  # religious figures and places
    "media",
    "aid workers",
    "foreigners",  # diplomats, foreign forces, tourists
    "other",  # armed groups, parties, other named targets
    "unknown",
)
_POS = {t: i for i, t in enumerate(TARGETS)}

#: GTD targtype1 codes (GTD Codebook, "targtype1") -> target
GTD_CODES = {
    1: "civilians",  # Business
    2: "officials",  # Government (General)
    3: "security forces",  # Police
    4: "security forces",  # Military
    5: "civilians",  # Abortion Related
    6: "civilians",  # Airports & Aircraft
    7: "foreigners",  # Government (Diplomatic)
    8: "civilians",  # Educational Institution
    9: "civilians",  # Food or Water Supply
    10: "media",  # Journalists & Media
    11: "civilians",  # Maritime
    12: "aid workers",  # NGO
    13: "other",  # Other
    14: "civilians",  # Private Citizens & Property
    15: "religious",  # Religious Figures/Institutions
    16: "civilians",  # Telecommunication
    17: "other",  # Terrorists/Non-State Militia
    18: "foreigners",  # Tourists
    19: "civilians",  # Transportation
    20: "unknown",  # Unknown
    21: "civilians",  # Utilities
    22: "other",  # Violent Political Party
}
#: GTD's labels for the same codes (``targtype1_txt``)
GTD_LABELS = {
    "business": 1, "government (general)": 2, "police": 3, "military": 4,
    "abortion related": 5, "airports & aircraft": 6, "government (diplomatic)": 7,
    "educational institution": 8, "food or water supply": 9, "journalists & media": 10,
    "maritime": 11, "ngo": 12, "other": 13, "private citizens & property": 14,
    "religious figures/institutions": 15, "telecommunication": 16,
    "terrorists/non-state militia": 17, "tourists": 18, "transportation": 19, "unknown": 20,
    "utilities": 21, "violent political party": 22,
}  # fmt: skip
#: ACLED inter codes (ACLED Codebook, "Interaction") -> target
ACLED_INTER = {
    1: "security forces",  # State forces
    2: "other",  # Rebel groups
    3: "other",  # Political militias
    4: "other",  # Identity militias
    5: "civilians",  # Rioters
    6: "civilians",  # Protesters
    7: "civilians",  # Civilians
    8: "foreigners",  # External/Other forces
}
ACLED_INTER_TEXT = {
    "state forces": 1, "rebel group": 2, "rebel groups": 2, "political militia": 3,
    "political militias": 3, "identity militia": 4, "identity militias": 4, "rioters": 5,
    "protesters": 6, "civilians": 7, "external/other forces": 8,
}  # fmt: skip
#: words in a named actor or target that say more than its interaction code
_NAMED = (
    (re.compile(r"\bgovernment of\b|\bofficials?\b|\bgovernor|\bdistrict chief|\bminist"
                r"|\bmayor|\bjudges?\b|\bprosecutor", re.I), "officials"),
    (re.compile(r"\bpolice\b|\bmilitary\b|\barmy\b|\bsecurity forces\b|\bintelligence\b"
                r"|\bnds\b|\bgdi\b", re.I), "security forces"),
    (re.compile(r"\bjournalists?\b|\bmedia\b|\breporters?\b", re.I), "media"),
    (re.compile(r"\baid workers?\b|\bngo\b|\bhumanitarian", re.I), "aid workers"),
    (re.compile(r"\bclerics?\b|\bmullahs?\b|\bimams?\b|\bmosques?\b|\breligious\b|\bulema\b"
                r"|\bshrine|\bsikhs?\b|\bhindus?\b", re.I), "religious"),
    (re.compile(r"\bembass|\bforeign|\bunited nations\b|\bnato\b|\bisaf\b|\bdiplomat", re.I),
     "foreigners"),
    (re.compile(r"\bcivilians?\b|\bstudents?\b|\bteachers?\b|\bworkers\b", re.I), "civilians"),
)  # fmt: skip


def check_targets(wanted: list[str]) -> list[str]:
    """Return the targets asked for, or refuse one not in :data:`TARGETS`."""
    bad = [t for t in wanted if t not in _POS]
    if bad:
        msg = f"`target`: {bad[0]!r} is not one of {', '.join(TARGETS)}"
        raise UsageError(msg, field="target")
    return wanted


def target_of(incidents: pd.DataFrame, dataset: str = "", *, arrow: bool = False) -> pd.Series:
    """Return each row's target in :data:`TARGETS` (``unknown`` where nothing says).

    Parameters
    ----------
    incidents : pandas.DataFrame
        Incidents with their original columns.
    dataset : str, optional
        The preset the file was read as (``awsd``: aid workers by definition).
    arrow : bool, default False
        Arrow text instead of objects (for the file writers).

    Returns
    -------
    pandas.Series
        Named ``target``, on the incidents' index.
    """
    n = len(incidents)
    by_key = {header_key(str(c)): c for c in incidents.columns}
    codes = np.full(n, -1, dtype=np.int64)
    if dataset == "awsd":
        codes[:] = _POS["aid workers"]
    for step in (_gtd, _ucdp, _ucdp_sides, _acled, _named_target, _event_type):
        todo = codes < 0
        if not todo.any():
            break
        got = step(incidents, by_key)
        if got is not None:
            codes = np.where(todo & (got >= 0), got, codes)
    codes = np.where(codes < 0, _POS["unknown"], codes)
    values = coded_text(codes, TARGETS, arrow=arrow)
    return pd.Series(values, index=incidents.index, name="target", dtype=values.dtype, copy=False)


def _per_value(values: pd.Series, rule: dict[object, str] | None, fn: object = None) -> np.ndarray:
    """Apply a rule once per distinct value: positions in TARGETS, -1 where it says nothing."""
    codes, uniq = pd.factorize(values.astype(object), use_na_sentinel=True)
    decided = []
    for u in uniq:
        t = fn(u) if fn is not None else rule.get(u) if rule is not None else None  # type: ignore[operator]
        decided.append(_POS[t] if t else -1)
    out = np.array([*decided, -1], dtype=np.int64)
    return out[codes]


def _gtd_target(value: object) -> str | None:
    text = str(value).strip().casefold()
    code = GTD_LABELS.get(text)
    if code is None:
        try:
            code = int(float(text))
        except (ValueError, OverflowError):
            return None
    return GTD_CODES.get(code)


def _gtd(incidents: pd.DataFrame, by_key: dict[str, str]) -> np.ndarray | None:
    for key in ("targtype1_txt", "targtype1", "target_type1", "target_type"):
        if key in by_key:
            return _per_value(incidents[by_key[key]], None, _gtd_target)
    return None


def _ucdp(incidents: pd.DataFrame, by_key: dict[str, str]) -> np.ndarray | None:
    if "type_of_violence" not in by_key:
        return None
    tov = pd.to_numeric(incidents[by_key["type_of_violence"]], errors="coerce").to_numpy()
    out = np.full(len(incidents), -1, dtype=np.int64)
    out[tov == 3] = _POS["civilians"]  # one-sided violence: against civilians
    out[tov == 2] = _POS["other"]  # non-state conflict: two organised armed groups
    gov = _government_side(incidents, by_key)  # state-based: the government's forces a party
    if gov is not None:
        out[(tov == 1) & gov] = _POS["security forces"]
    return out


def _government_side(incidents: pd.DataFrame, by_key: dict[str, str]) -> np.ndarray | None:
    """Rows where a government is one of the sides (GED: ``side_a`` in state-based)."""
    sides = [by_key[k] for k in ("side_a", "side_b") if k in by_key]
    if not sides:
        return None
    hit = np.zeros(len(incidents), dtype=bool)
    for col in sides:
        hit |= (
            incidents[col]
            .astype("string")
            .str.contains("Government of", na=False)
            .to_numpy(dtype=bool)
        )
    return hit


def _ucdp_sides(incidents: pd.DataFrame, by_key: dict[str, str]) -> np.ndarray | None:
    """Return the target of a GED table without ``type_of_violence`` from its sides.

    Side B "Civilians" is one-sided violence; a government on either side is a state-based
    conflict, its forces a party; two named sides, neither a government nor civilians, are a
    non-state conflict between organised armed groups: "other" (UCDP GED Codebook,
    "side_a", "side_b", "type_of_violence").
    """
    if "side_a" not in by_key or "side_b" not in by_key or "type_of_violence" in by_key:
        return None
    b = incidents[by_key["side_b"]].astype("string")
    out = np.full(len(incidents), -1, dtype=np.int64)
    named = incidents[by_key["side_a"]].astype("string").str.strip().fillna("") != ""
    named &= b.str.strip().fillna("") != ""
    out[named.to_numpy(dtype=bool)] = _POS["other"]
    gov = _government_side(incidents, by_key)
    if gov is not None:
        out[gov] = _POS["security forces"]
    civ = b.str.strip().str.casefold() == "civilians"
    out[civ.fillna(False).to_numpy(dtype=bool)] = _POS["civilians"]
    return out


def _acled_inter(value: object) -> str | None:
    text = str(value).strip().casefold()
    code = ACLED_INTER_TEXT.get(text)
    if code is None:
        try:
            code = int(float(text))
        except (ValueError, OverflowError):
            return None
    return ACLED_INTER.get(code)


def _acled(incidents: pd.DataFrame, by_key: dict[str, str]) -> np.ndarray | None:
    if "inter2" not in by_key and "civilian_targeting" not in by_key:
        return None
    out = np.full(len(incidents), -1, dtype=np.int64)
    inter = (
        _per_value(incidents[by_key["inter2"]], None, _acled_inter)
        if "inter2" in by_key
        else np.full(len(incidents), -1, dtype=np.int64)
    )
    if "civilian_targeting" in by_key:
        ct = incidents[by_key["civilian_targeting"]].astype("string").str.strip().str.casefold()
        out[(ct == "civilian targeting").fillna(False).to_numpy(dtype=bool)] = _POS["civilians"]
    named = _named_actor2(incidents, by_key)
    if named is not None:  # the name refines the code: state forces -> officials or not,
        # civilians -> media, aid workers, religious; never foreign forces or militias
        refines = (inter < 0) | (inter == _POS["security forces"]) | (inter == _POS["civilians"])
        out = np.where((out < 0) & refines & (named >= 0), named, out)
    return np.where(out < 0, inter, out)


def _named(value: object) -> str | None:
    text = str(value)
    for pattern, target in _NAMED:
        if pattern.search(text):
            return target
    return None


def _named_target(incidents: pd.DataFrame, by_key: dict[str, str]) -> np.ndarray | None:
    """Return the target a column naming it says (GTD's ``target1``, a file's ``target``)."""
    # a file's own ``target`` column is read as ``target_original`` (``target`` is ours)
    for key in ("target1", "target", "target_original", "victim", "victims"):
        if key in by_key:
            return _per_value(incidents[by_key[key]], None, _named)
    return None


#: event types that name their target by definition (HDX HAPI's code, ACLED's label)
_EVENT_TYPES = {"civilian_targeting": "civilians", "violence against civilians": "civilians"}


def _event_type(incidents: pd.DataFrame, by_key: dict[str, str]) -> np.ndarray | None:
    """Return the target an event type names by definition (HAPI ``civilian_targeting``)."""
    col = by_key.get("event_type")
    if col is None or "civilian_targeting" in by_key:  # where ACLED's own column says it
        return None
    rule = lambda v: _EVENT_TYPES.get(str(v).strip().casefold())  # noqa: E731
    return _per_value(incidents[col], None, rule)


def _named_actor2(incidents: pd.DataFrame, by_key: dict[str, str]) -> np.ndarray | None:
    """Return the target ACLED's second actor's name says ("Police Forces of ...")."""
    col = by_key.get("actor2")
    if col is None:
        return None
    return _per_value(incidents[col], None, _named)
