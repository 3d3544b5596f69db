"""Names and transliteration: the keys that make the spellings of one Afghan name equal.

"Hirat" and "Herat", "Sar-e Pul" and "Sari Pul", Dari script: :func:`name_key` folds
case, marks, connectors and Arabic letter forms; :func:`loose_key` goes further (a
consonant skeleton) for the variant tier.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = [
    "FUZZY_MARGIN",
    "FUZZY_THRESHOLD",
    "dari_skeleton",
    "is_arabic",
    "loose_key",
    "name_key",
    "name_keys",
]


#: default minimum rapidfuzz ratio (0-100) for a fuzzy match
FUZZY_THRESHOLD = 88.0


#: a fuzzy match is refused when another name scores within this margin
FUZZY_MARGIN = 10.0


ARABIC = re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")


_ARABIC_MARKS = re.compile(r"[\u064b-\u065f\u0670\u06d6-\u06ed\u0640\u200c\u200d]")


_ARABIC_FOLD = str.maketrans(
    {
        "ي": "ی",
        "ى": "ی",
        "ئ": "ی",
        "ك": "ک",
        "ة": "ه",
        "ۀ": "ه",
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ګ": "گ",
        "ښ": "ش",
        "ې": "ی",
        "ۍ": "ی",
        "ټ": "ت",
        "ډ": "د",
        "ړ": "ر",
        "ڼ": "ن",
    }
)


# words that say what kind of area a name is, not which one
_TYPE_WORDS = (
    "province|provincia|provinz|wilayat|welayat|velayat|wilayate|welayate|velayate|"
    "district|districts|woleswali|wuleswali|uluswali|oluswali|wuluswali|woluswali|"
    "alaqadari|alaqehdari|alaqahdari|alaqadari-e|hokumati|hukumati|hokumat|hukumat|"
    "city|town|village|center|centre|markaz|provincial|capital|area|region|"
    "ولایت|ولسوالی|ولسوالي|شهر|مرکز|ولايت"
)


_TYPE_RE = re.compile(
    rf"^(?:(?:{_TYPE_WORDS})\b[\s\-]*(?:[ei]\b[\s\-]*)?)+|(?:\b(?:{_TYPE_WORDS}))+$"
)


_PAREN_RE = re.compile(r"\s*\(([^)]*)\)\s*")


# ezafe connector written as its own word: "Sar-e Pul", "Mazar i Sharif", "Dara-I-Nur"
_CONNECTOR_RE = re.compile(r"(?<=[a-z])[\s\-]+[ei][\s\-]+(?=[a-z])")


_AW_RE = re.compile(r"[au]w(?=[^aeiouw]|$)")


_DOUBLE_RE = re.compile(r"(.)\1+")


def strip_marks(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _clean(name: str) -> str:
    """Casefold, drop accents and the words that only name an area type."""
    text = unicodedata.normalize("NFKC", str(name)).strip().casefold()
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    text = re.sub(r"['ʿʾ‘’]", "", text)
    text = strip_marks(text) if not ARABIC.search(text) else text
    text = re.sub(r"\s+", " ", text).strip(" ,.;:-")
    for _ in range(2):
        text = _TYPE_RE.sub("", text).strip(" ,.;:-")
    return text


def _skeleton(text: str) -> str:
    if ARABIC.search(text):
        text = _ARABIC_MARKS.sub("", text.translate(_ARABIC_FOLD))
        return "ar:" + re.sub(r"[^\u0600-\u06ff]", "", text)
    text = re.sub(r"[^a-z]", "", text)
    text = re.sub(r"c(?!h)", "k", text)
    text = _AW_RE.sub("u", text)
    for old, new in _LATIN_RULES:
        text = text.replace(old, new)
    text = text.replace("au", "u").replace("uw", "u")
    return _DOUBLE_RE.sub(r"\1", text)


def name_key(name: str, *, drop_connector: bool = False) -> str:
    """Return the comparison key of a place name.

    The key folds case, accents, punctuation and spacing, the words that only
    name an area type ("province", "district", "wilayat-e"...), and common
    transliteration pairs (e/i, o/u, q/k, v/w, y/i, gh/g, ow/aw, doubled letters).
    Dari and Pashto script is folded to one set of letter forms.

    Parameters
    ----------
    name : str
        Any spelling of a place name.
    drop_connector : bool, default False
        Also drop the ezafe connector written as its own word ("Sar-e Pul" ->
        "Sar Pul").

    Returns
    -------
    str
        The key; ``""`` for a name with no letters.

    Examples
    --------
    >>> name_key("Sar-e Pul") == name_key("Sari Pul") == name_key("Sar-i-Pul")
    True
    >>> name_key("Hirat") == name_key("Herat")
    True
    >>> name_key("Paktia") == name_key("Paktika")
    False
    """
    text = _clean(name)
    if drop_connector:
        text = _CONNECTOR_RE.sub(" ", text)
    return _skeleton(text)


# kh/k and gh/g are folded (Khash Rod / Kashroad), sh, ch and zh stay letters of their own
_DIGRAPHS = (("kh", "k"), ("gh", "g"), ("sh", "S"), ("ch", "C"), ("zh", "J"), ("th", "t"),
             ("ph", "f"), ("dh", "d"))  # fmt: skip


def loose_key(name: str) -> str:
    """Return a consonant skeleton of a name, for transliteration variants.

    Digraphs (kh, gh, sh, ch, zh) count as one letter; every vowel after the
    first letter, every ``h``, ``w`` and ``y`` is dropped; q is k; doubled letters
    are one. "Khogiani" and "Khogayani", "Tarin Kowt" and "Tirin Kot", "Chaprahar"
    and "Chaparhar", "Qarehbagh" and "Qarabagh" share a skeleton. Many short names
    share one too, so a match on it is only a candidate (see :meth:`Gazetteer.resolve`).

    Returns
    -------
    str
        ``""`` for Dari/Pashto script or a name without letters.
    """
    text = _clean(name)
    if ARABIC.search(text):
        return ""
    text = re.sub(r"[^a-z]", "", text)
    if not text:
        return ""
    for old, new in _DIGRAPHS:
        text = text.replace(old, new)
    text = text.replace("q", "k").replace("c", "k").replace("v", "w")
    first = "a" if text[0] in "aeiou" else text[0]
    rest = re.sub(r"[aeiouhwy]", "", text[1:])
    return _DOUBLE_RE.sub(r"\1", first + rest)


# Dari and Pashto letters as loose_key writes their sounds: the vowel letters (alef, waw,
# yeh), heh, hah and ain are dropped after the first letter as loose_key drops a e i o u h w y
_DARI_SOUNDS = str.maketrans(
    {
        "ب": "b", "پ": "p", "ت": "t", "ث": "s", "ج": "j", "چ": "C", "خ": "k", "د": "d",
        "ذ": "z", "ر": "r", "ز": "z", "ژ": "J", "س": "s", "ش": "S", "ص": "s", "ض": "z",
        "ط": "t", "ظ": "z", "غ": "g", "ف": "f", "ق": "k", "ک": "k", "گ": "g", "ل": "l",
        "م": "m", "ن": "n", "ځ": "z", "څ": "s", "ږ": "J",
        "ا": "", "و": "", "ی": "", "ه": "", "ح": "", "ع": "", "ء": "",
    }
)  # fmt: skip


# a word's first letter where it is a vowel letter or one loose_key keeps in first place
_DARI_FIRST = {"ا": "a", "ع": "a", "ء": "a", "و": "w", "ی": "y", "ه": "h", "ح": "h"}


# letter forms beyond _ARABIC_FOLD: hamza on waw, the Urdu and Kurdish heh and yeh forms,
# swash kaf; a hamza alone is no letter
_DARI_FOLD = str.maketrans({"ؤ": "و", "ھ": "ه", "ہ": "ه", "ە": "ه", "ۃ": "ه", "ڪ": "ک",
                            "ے": "ی", "ء": ""})  # fmt: skip


# the words that say what kind of area a Dari or Pashto name is (folded letter forms)
_DARI_TYPE_WORDS = frozenset(
    {"ولایت", "ولسوالی", "ولسوال", "علاقهداری", "علاقه", "داری", "شهر", "مرکز", "قریه",
     "منطقه", "ولس", "والی"}
)  # fmt: skip


def is_arabic(name: str) -> bool:
    """Tell whether a name is written in Dari or Pashto (Arabic) script."""
    return ARABIC.search(str(name)) is not None


def dari_words(name: str) -> list[str]:
    """Return the words of a Dari or Pashto name, letter forms folded, area words dropped.

    Folded: Arabic and Persian kaf and yeh, the Pashto letters, hamza forms, teh marbuta and
    the heh forms; dropped: marks, tatweel, ZWNJ; and the words that only say what kind of
    area it is (ولایت, ولسوالی...) at either end.
    """
    text = unicodedata.normalize("NFKC", str(name)).translate(_ARABIC_FOLD)
    text = _ARABIC_MARKS.sub("", text.translate(_DARI_FOLD))
    words = re.findall(r"[\u0600-\u06ff]+", text)
    while words and words[0] in _DARI_TYPE_WORDS:
        words = words[1:]
    while words and words[-1] in _DARI_TYPE_WORDS:
        words = words[:-1]
    return words


def dari_skeleton(name: str) -> str:
    """Return the consonant skeleton of a Dari or Pashto name in :func:`loose_key`'s letters.

    Each letter is written as the sound loose_key keeps ("ق" and "ک" are ``k``, "خ" is ``k``
    as loose_key folds kh, "ش" is ``S``); the vowel letters, heh, hah and ain are dropped
    after the first letter. The Dari "قندوز" and "کندز" and the English "Kunduz" share the
    skeleton ``kndz``; "اروزگان", "ارزگان" and "Uruzgan" share ``arzgn``. A match on it is a
    candidate, as for loose_key, and looked up only against the gazetteer's skeletons.

    Returns
    -------
    str
        ``""`` for a name without Dari or Pashto letters.

    Examples
    --------
    >>> dari_skeleton("قندوز") == dari_skeleton("کندز") == loose_key("Kunduz")
    True
    >>> dari_skeleton("ولسوالی شینوار") == loose_key("Shinwar")
    True
    """
    text = "".join(dari_words(name))
    if not text:
        return ""
    first = _DARI_FIRST.get(text[0], text[0].translate(_DARI_SOUNDS))
    rest = text[1:].translate(_DARI_SOUNDS)
    return _DOUBLE_RE.sub(r"\1", re.sub(r"[^a-zA-Z]", "", first + rest))


def name_variants(name: str) -> list[str]:
    """Return the name, and for "Outer (Inner)" also "Outer" and "Inner"."""
    variants = [str(name)]
    inner = _PAREN_RE.findall(str(name))
    if inner:
        variants += [_PAREN_RE.sub(" ", str(name)).strip(), *inner]
    return [v for v in variants if v.strip()]


def name_keys(name: str) -> list[str]:
    """All keys a name is known or looked up by, most specific first."""
    out: list[str] = []
    variants = [name]
    inner = _PAREN_RE.findall(str(name))
    if inner:
        outer = _PAREN_RE.sub(" ", str(name)).strip()
        variants += [outer, *inner]
    for variant in variants:
        for drop in (False, True):
            key = name_key(variant, drop_connector=drop)
            if key and key not in out:
                out.append(key)
    return out


_LATIN_RULES: tuple[tuple[str, str], ...] = (
    ("q", "k"),
    ("v", "w"),
    ("y", "i"),
    ("e", "i"),
    ("o", "u"),
    ("gh", "g"),
    ("ph", "f"),
)
