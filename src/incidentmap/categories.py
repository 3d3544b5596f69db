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
    has_etype = "event_type" in incidents and bool(incidents["event_type"].notna().any())
    etype = incidents["event_type"] if has_etype else _nones(len(incidents))
    etype = etype.reset_index(drop=True)
    cat = _dataset_codes(incidents, ds, etype)
    source = _by_keywords(incidents, cat, has_etype)
    columns = {  # object columns as they are (pandas would infer text columns), side by side
        "category": _column(cat, CATEGORIES, incidents.index, arrow),
        "category_source": _column(source, _SOURCES, incidents.index, arrow),
    }
    return pd.concat(list(columns.values()), axis=1, keys=list(columns))


def _nones(n: int) -> pd.Series:
    return pd.Series([None] * n, dtype=object)


def _dataset_codes(incidents: pd.DataFrame, ds: str, etype: pd.Series) -> np.ndarray:
    """Positions in CATEGORIES from the dataset's own type (-1: not decided)."""
    by_dataset = _BY_DATASET.get(ds)
    if by_dataset is None:
        return np.full(len(incidents), -1, dtype=np.int64)
    return by_dataset(incidents, etype, {header_key(c): c for c in incidents.columns})


def _acled_codes(incidents: pd.DataFrame, etype: pd.Series, by_key: dict[str, str]) -> np.ndarray:
    """Categories from ACLED's event type and sub-event type."""
    sub_col = by_key.get("sub_event_type")
    sub = incidents[sub_col] if sub_col else _nones(len(incidents))
    # each distinct (event type, sub-event type) pair once, from the two columns' codes
    ce, ue = pd.factorize(etype, use_na_sentinel=True)
    cs, us = pd.factorize(sub, use_na_sentinel=True)
    pair = (ce.astype(np.int64) + 1) * (len(us) + 1) + (cs + 1)
    uniq, codes = np.unique(pair, return_inverse=True)
    e_of = np.array([None, *ue], dtype=object)[uniq // (len(us) + 1)]
    s_of = np.array([None, *us], dtype=object)[uniq % (len(us) + 1)]
    return _codes([_acled(e, s) for e, s in zip(e_of, s_of, strict=True)])[codes.ravel()]


def _table_codes(table: dict[str, str], etype: pd.Series) -> np.ndarray:
    """Categories of a dataset whose event type alone decides (a lookup table)."""
    codes, uniq = pd.factorize(etype)
    return _codes([table.get(str(u).strip().casefold()) for u in uniq], missing=True)[codes]


def _ucdp_codes(incidents: pd.DataFrame, etype: pd.Series, by_key: dict[str, str]) -> np.ndarray:
    """UCDP GED's type of violence; without one, UCDP's rule on side B's name."""
    cat = _table_codes(_UCDP, etype)
    if "actor2" not in incidents.columns:
        return cat
    side_b = incidents["actor2"].reset_index(drop=True)  # no type_of_violence: per name
    sc, su = pd.factorize(side_b, use_na_sentinel=True)
    civ_u = np.array(
        [isinstance(v, str) and v.strip().casefold() == "civilians" for v in su] + [False]
    )
    derived = np.where(civ_u[sc], _CAT["attack on civilians"], _CAT["armed attack/clash"])
    return np.where((cat < 0) & (sc >= 0), derived, cat)


def _gtd_codes(incidents: pd.DataFrame, etype: pd.Series, by_key: dict[str, str]) -> np.ndarray:
    """GTD's attack type; a suicide attack where its ``suicide`` column says so."""
    cat = _table_codes(_GTD, etype)
    if "suicide" not in by_key:
        return cat
    suicide = pd.to_numeric(incidents[by_key["suicide"]], errors="coerce").to_numpy()
    return np.where(suicide == 1, _CAT["suicide attack"], cat)


def _awsd_codes(incidents: pd.DataFrame, etype: pd.Series, by_key: dict[str, str]) -> np.ndarray:
    """AWSD's means of attack."""
    return _table_codes(_AWSD, etype)


#: preset -> the categories its own type columns give
_BY_DATASET = {
    "acled": _acled_codes,
    "acled_admin1": _acled_codes,
    "acled_weekly": _acled_codes,
    "ucdp": _ucdp_codes,
    "gtd": _gtd_codes,
    "awsd": _awsd_codes,
}


def _by_keywords(incidents: pd.DataFrame, cat: np.ndarray, has_etype: bool) -> np.ndarray:
    """Decide the rest of ``cat`` (in place) from free text; return each row's source."""
    source = np.where(cat >= 0, 0, -1)  # positions in _SOURCES
    todo = cat < 0
    notes_given = "notes" in incidents and bool(incidents["notes"].notna().any())
    if todo.any() and (notes_given or has_etype):  # the event type as written, then the notes
        for col in ("event_type", "notes"):
            if col not in incidents or not todo.any():
                continue
            found = _keyword_codes(incidents[col])
            hit = todo & (found >= 0)
            cat[hit] = found[hit]
            source[hit] = 1
            todo &= ~hit
    cat[todo] = _CAT["other"]
    source[todo] = 2
    return source


def _keyword_codes(values: pd.Series) -> np.ndarray:
    """Positions in CATEGORIES that the words of each text give (-1: none)."""
    # each distinct text once (Arrow text is factorized without Python objects)
    codes, uniq = pd.factorize(values, use_na_sentinel=True)
    return _codes([_keyword(u) for u in uniq], missing=True)[codes]


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
