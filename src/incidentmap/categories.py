"""One event taxonomy across datasets that each type events their own way.

:func:`categorize` gives every row a ``category`` from :data:`CATEGORIES` and says where
it came from in ``category_source``:

``dataset``
    mapped from the dataset's own type: ACLED ``event_type``/``sub_event_type``, UCDP
    GED ``type_of_violence``, GTD ``attacktype1_txt`` (with ``suicide``), AWSD ``Means of
    attack``;
``keywords``
    read from free text (the event type of another file, or the notes) where no dataset
    type exists: a guess from words, marked as such;
``none``
    nothing to go on (category ``other``).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from incidentmap._coded import coded_text
from incidentmap.errors import UsageError
from incidentmap.schema import header_key

__all__ = ["CATEGORIES", "CATEGORY_COLORS", "categorize", "check_categories"]

#: the shared taxonomy, in legend order
CATEGORIES = (
    "targeted killing",
    "suicide attack",
    "explosive/IED",
    "armed attack/clash",
    "air/drone strike",
    "shelling/rocket/mortar",
    "abduction",
    "attack on civilians",
    "other",
)
#: one colour per category (ColorBrewer Dark2 + Paired, readable on white and in print)
CATEGORY_COLORS = {
    "targeted killing": "#e7298a",
    "suicide attack": "#b2182b",
    "explosive/IED": "#d95f02",
    "armed attack/clash": "#1b9e77",
    "air/drone strike": "#7570b3",
    "shelling/rocket/mortar": "#a6761d",
    "abduction": "#1f78b4",
    "attack on civilians": "#e6ab02",
    "other": "#777777",
}

# ACLED (event type, sub-event type) -> category; "*" is any sub-event type
_ACLED = {
    ("battles", "*"): "armed attack/clash",
    ("explosions/remote violence", "suicide bomb"): "suicide attack",
    ("explosions/remote violence", "air/drone strike"): "air/drone strike",
    ("explosions/remote violence", "shelling/artillery/missile attack"): "shelling/rocket/mortar",
    ("explosions/remote violence", "remote explosive/landmine/ied"): "explosive/IED",
    ("explosions/remote violence", "grenade"): "explosive/IED",
    ("explosions/remote violence", "*"): "explosive/IED",
    ("violence against civilians", "abduction/forced disappearance"): "abduction",
    ("violence against civilians", "*"): "attack on civilians",
    ("riots", "*"): "other",
    ("protests", "*"): "other",
    ("strategic developments", "*"): "other",
}
# UCDP GED type_of_violence (as incidentmap labels it)
_UCDP = {
    "state-based conflict": "armed attack/clash",
    "non-state conflict": "armed attack/clash",
    "one-sided violence": "attack on civilians",
}
# GTD attacktype1_txt
_GTD = {
    "assassination": "targeted killing",
    "armed assault": "armed attack/clash",
    "bombing/explosion": "explosive/IED",
    "hijacking": "abduction",
    "hostage taking (barricade incident)": "abduction",
    "hostage taking (kidnapping)": "abduction",
    "facility/infrastructure attack": "other",
    "unarmed assault": "attack on civilians",
    "unknown": "other",
}
# AWSD Means of attack
_AWSD = {
    "shooting": "armed attack/clash",
    "kidnapping": "abduction",
    "kidnap-killing": "abduction",
    "bodily assault": "attack on civilians",
    "rape/sexual assault": "attack on civilians",
    "aerial bombardment": "air/drone strike",
    "shelling": "shelling/rocket/mortar",
    "landmine": "explosive/IED",
    "roadside ied": "explosive/IED",
    "vehicle-born ied": "explosive/IED",
    "vehicle-borne ied": "explosive/IED",
    "body-borne ied": "suicide attack",
    "complex attack": "armed attack/clash",
    "other explosives": "explosive/IED",
    "unknown": "other",
}
# free text: the first rule that matches wins (most specific first)
_KEYWORDS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (cat, re.compile(rx, re.I))
    for cat, rx in (
        ("suicide attack", r"suicide|self-detonat|\bsvbied\b|\bbbied\b"),
        (
            "targeted killing",
            r"assassinat|targeted killing|gunned down|shot dead|sticky bomb|magnetic bomb",
        ),
        ("air/drone strike", r"air ?strike|drone|aerial|bombard"),
        ("shelling/rocket/mortar", r"rocket|mortar|shell(ing|ed)|artillery|missile"),
        ("explosive/IED", r"\bied\b|roadside bomb|landmine|land mine|explosi|bomb|blast|grenade"),
        ("abduction", r"abduct|kidnap|hostage"),
        (
            "armed attack/clash",
            r"clash|fighting|firefight|battle|ambush|armed attack|complex attack|gunm[ae]n|"
            r"shooting|shots fired|stormed|siege",
        ),
        ("attack on civilians", r"civilian|massacre"),
    )
)


def _keyword(text: object) -> str | None:
    if not isinstance(text, str) or not text.strip():
        return None
    for cat, rx in _KEYWORDS:
        if rx.search(text):
            return cat
    return None


def categorize(
    incidents: pd.DataFrame, dataset: str | None = None, *, arrow: bool = False
) -> pd.DataFrame:
    """Category of every row, and where it came from.

    Parameters
    ----------
    incidents : pandas.DataFrame
        Incidents in the canonical schema; the dataset's own columns
        (``sub_event_type``, ``suicide``) are used when present.
    dataset : str, optional
        The preset (default ``incidents.attrs["preset"]``).
    arrow : bool, default False
        Arrow-backed text columns instead of object columns (for file writers).

    Returns
    -------
    pandas.DataFrame
        ``category`` and ``category_source`` (``dataset``, ``keywords`` or ``none``).
    """
    ds = dataset or incidents.attrs.get("preset", "")
    n = len(incidents)
    by_key = {header_key(c): c for c in incidents.columns}
    has_etype = "event_type" in incidents and bool(incidents["event_type"].notna().any())
    etype = incidents["event_type"] if has_etype else pd.Series([None] * n, dtype=object)
    etype = etype.reset_index(drop=True)
    cat = np.full(n, -1, dtype=np.int64)  # positions in CATEGORIES, -1: not decided
    if ds in ("acled", "acled_admin1"):
        sub_col = by_key.get("sub_event_type")
        sub = incidents[sub_col] if sub_col else pd.Series([None] * n, dtype=object)
        # each distinct (event type, sub-event type) pair once, from the two columns' codes
        ce, ue = pd.factorize(etype, use_na_sentinel=True)
        cs, us = pd.factorize(sub, use_na_sentinel=True)
        pair = (ce.astype(np.int64) + 1) * (len(us) + 1) + (cs + 1)
        uniq, codes = np.unique(pair, return_inverse=True)
        e_of = np.array([None, *ue], dtype=object)[uniq // (len(us) + 1)]
        s_of = np.array([None, *us], dtype=object)[uniq % (len(us) + 1)]
        cat = _codes([_acled(e, s) for e, s in zip(e_of, s_of, strict=True)])[codes.ravel()]
    elif ds in ("ucdp", "gtd", "awsd"):
        table = {"ucdp": _UCDP, "gtd": _GTD, "awsd": _AWSD}[ds]
        codes, uniq = pd.factorize(etype)
        cat = _codes([table.get(str(u).strip().casefold()) for u in uniq], missing=True)[codes]
        if ds == "ucdp" and "actor2" in incidents.columns:  # no type_of_violence column:
            side_b = incidents["actor2"].reset_index(drop=True)  # UCDP's rule, per name
            sc, su = pd.factorize(side_b, use_na_sentinel=True)
            civ_u = np.array(
                [isinstance(v, str) and v.strip().casefold() == "civilians" for v in su] + [False]
            )
            derived = np.where(civ_u[sc], _CAT["attack on civilians"], _CAT["armed attack/clash"])
            cat = np.where((cat < 0) & (sc >= 0), derived, cat)
        if ds == "gtd" and "suicide" in by_key:
            suicide = pd.to_numeric(incidents[by_key["suicide"]], errors="coerce").to_numpy()
            cat = np.where(suicide == 1, _CAT["suicide attack"], cat)
    source = np.where(cat >= 0, 0, -1)  # positions in _SOURCES
    todo = cat < 0
    notes_given = "notes" in incidents and bool(incidents["notes"].notna().any())
    if todo.any() and (notes_given or has_etype):  # free text: the event
        # type as written, then the notes
        for col in ("event_type", "notes"):
            if col not in incidents or not todo.any():
                continue
            # each distinct text once (Arrow text is factorized without Python objects)
            codes, uniq = pd.factorize(incidents[col], use_na_sentinel=True)
            if not len(uniq):
                continue
            found = _codes([_keyword(u) for u in uniq], missing=True)[codes]
            hit = todo & (found >= 0)
            cat[hit] = found[hit]
            source[hit] = 1
            todo &= ~hit
    cat[todo] = _CAT["other"]
    source[todo] = 2
    columns = {  # object columns as they are (pandas would infer text columns), side by side
        "category": _column(cat, CATEGORIES, incidents.index, arrow),
        "category_source": _column(source, _SOURCES, incidents.index, arrow),
    }
    return pd.concat(list(columns.values()), axis=1, keys=list(columns))


_CAT = {c: i for i, c in enumerate(CATEGORIES)}
_SOURCES = ("dataset", "keywords", "none")


def _codes(names: list[str | None], *, missing: bool = False) -> np.ndarray:
    """Positions in CATEGORIES of the names (None: -1); ``missing`` adds a -1 at the end."""
    out = [_CAT[m] if m is not None else -1 for m in names]
    return np.array([*out, -1] if missing else out, dtype=np.int64)


def _column(codes: np.ndarray, labels: tuple[str, ...], index: pd.Index, arrow: bool) -> pd.Series:
    values = coded_text(codes, labels, arrow=arrow)
    return pd.Series(values, index=index, dtype=values.dtype, copy=False)


def _acled(event_type: object, sub: object) -> str | None:
    e = str(event_type).strip().casefold() if isinstance(event_type, str) else ""
    s = str(sub).strip().casefold() if isinstance(sub, str) else "*"
    return _ACLED.get((e, s)) or _ACLED.get((e, "*"))


def check_categories(values: list[str] | None) -> list[str] | None:
    """Refuse unknown categories with the list of the known ones."""
    if not values:
        return None
    bad = [v for v in values if v not in CATEGORIES]
    if bad:
        msg = f"unknown category {bad[0]!r}; categories: {', '.join(CATEGORIES)}"
        raise UsageError(msg)
    return list(values)
