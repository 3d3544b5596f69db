"""A district named by the words of its name, and Kabul's police districts.

The layer writes "Dara-I-Pech"; reports write "Pech", "Pech Dara", "Pech Valley". It writes
"Hisa-i-Awali Kohistan" and "Hisa-i-Duwumi Kohistan" (the first and second part of Kapisa's
Kohistan); reports write "Kohistan 1", "Kohistan II", or "Kohistan" for both. A name's
*signature* is the set of its distinctive words, each by its consonant skeleton, with the
words that only say "valley" or "part" left out and the ordinals written ``#1``/``#2``;
in a stated province a name takes the district with its signature, or the districts whose
signature holds it and only ordinals besides.

Kabul city's police districts (nahia, "PD 9", "ناحیه نهم", 1 to 22) are parts of the city,
not districts of the layer: :func:`police_district` reads their number.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from incidentmap.gazetteer.names import (
    dari_skeleton,
    dari_words,
    is_arabic,
    loose_key,
    name_key,
    strip_marks,
)

__all__ = ["ORDINALS", "police_district", "signature", "word_matches"]

#: the words of a district's name that say what it is (a valley, a part), not which one
_GENERIC = frozenset(
    "dara darah darra darrah darreh dareh valley hisa hissa hesa hese hisai hissai hesai "
    "hisae hissae i e y ye wa o district woluswali wuleswali uluswali area markaz center "
    "centre دره حصه ولسوالی".split()
)

#: the words for "first" and "second" (part): Hisa-i-Awal, Hisa-i-Duwum
_FIRST = frozenset("awal awali aval avali avval awwal first 1 one اول یکم".split())
_SECOND = frozenset("duwum duwumi dowom dowomi dovom dovomi doum duvum duwom dowum second 2 ii "
                    "two دوم".split())  # fmt: skip

#: the ordinals' marks in a signature
ORDINALS = frozenset({"#1", "#2"})


def _words(name: str) -> list[str]:
    """Return the words of a name, in Latin letters casefolded, or Dari letters folded."""
    if is_arabic(name):
        digits = re.findall(r"\d+", unicodedata.normalize("NFKC", name))
        return dari_words(name) + digits
    text = strip_marks(unicodedata.normalize("NFKC", name).casefold())
    return re.findall(r"[a-z0-9]+", text.replace("'", "").replace("\u2019", ""))


def _word_key(word: str, skeleton: bool) -> str:
    """Return one word's mark in a signature ("" for a word that says nothing)."""
    if word in _FIRST:
        return "#1"
    if word in _SECOND:
        return "#2"
    if word in _GENERIC or word.isdigit():
        return ""
    if is_arabic(word):
        return dari_skeleton(word)
    return loose_key(word) if skeleton else name_key(word)


def signature(name: str, *, skeleton: bool = False) -> frozenset[str]:
    """Return a name's distinctive words and its ordinals (``#1``, ``#2``).

    Each word by its :func:`name_key` (a known spelling of the word), or with ``skeleton``
    by its consonant skeleton (what a name in Dari script is compared by: Dari writes no
    short vowels).

    Examples
    --------
    >>> signature("Dara-I-Pech") == signature("Pech Dara") == signature("Pech")
    True
    >>> sorted(signature("Hisa-i-Awali Kohistan")) == sorted(signature("Kohistan 1"))
    True
    """
    return frozenset(k for w in _words(str(name)) if (k := _word_key(w, skeleton)))


def word_matches(name: str, districts: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """Return the (id, name) of the districts a name names by the words of their names.

    ``districts`` are one province's (id, name). The districts with the name's
    :func:`signature`; else those whose signature holds it and only ordinals besides
    ("Kohistan": both parts of Kapisa's Kohistan). A name of ordinals alone names none.
    """
    skeleton = is_arabic(name)
    sig = signature(name, skeleton=skeleton)
    if not sig - ORDINALS:
        return []
    rows = [(did, dname, signature(dname, skeleton=skeleton)) for did, dname in districts]
    same = [(did, dname) for did, dname, s in rows if s == sig]
    return same or [(did, dname) for did, dname, s in rows if sig < s and s - sig <= ORDINALS]


# ---------------------------------------------------------------------------------------------
# Kabul's police districts

_EN_ORDINALS = (
    "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth "
    "thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth "
    "twenty-first twenty-second"
).split()

#: Dari ordinals and numbers, 1 to 22, letter forms folded as :func:`dari_words` folds them
_DARI_NUMBERS = {
    **{w: i for i, w in enumerate(
        "اول دوم سوم چهارم پنجم ششم هفتم هشتم نهم دهم یازدهم دوازدهم سیزدهم چهاردهم پانزدهم "
        "شانزدهم هفدهم هجدهم نوزدهم بیستم".split(), start=1)},
    **{w: i for i, w in enumerate(
        "یک دو سه چهار پنج شش هفت هشت نه ده یازده دوازده سیزده چهارده پانزده شانزده هفده هجده "
        "نوزده بیست".split(), start=1)},
    "یکم": 1, "پونزدهم": 15, "هفتدهم": 17, "هژدهم": 18, "هیجدهم": 18,
    "بیست و یکم": 21, "بیست و دوم": 22, "بیست و یک": 21, "بیست و دو": 22,
}  # fmt: skip

_LATIN_WORD = (
    r"(?:police\s+|security\s+)?(?:pd|p\s*d|nahia|nahiya|nahiyah|nahya|naheya|district|zone)"
)
_NUMBER = r"(\d{1,2}|" + "|".join(_EN_ORDINALS) + r")(?:st|nd|rd|th)?"
_LATIN_PD = re.compile(
    rf"^(?:{_LATIN_WORD}\s*(?:no\s*|number\s*)?{_NUMBER}|{_NUMBER}\s+{_LATIN_WORD})$"
)
_KABUL = re.compile(r"\b(?:of\s+|in\s+)?kabul(?:\s+city)?\b|\bcity\b")
_DARI_PD = ("ناحیه", "ناحیهی", "حوزه", "حوزهی")
_DARI_FILLER = frozenset({"کابل", "شهر", "امنیتی", "پولیس", "پلیس", "شماره", "نمبر"})
_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")


def police_district(text: str) -> int | None:
    """Return the number of the Kabul police district a text names (1-22), else None.

    "PD 9", "PD9", "Nahia 9", "District 9", "Police District 9", "Kabul PD 9", "9th
    district", "District 9 of Kabul city", "ninth police district", "ناحیه نهم",
    "ناحیه ۹", "حوزه نهم شهر کابل".
    """
    text = unicodedata.normalize("NFKC", str(text)).translate(_DIGITS).casefold().strip()
    number = _dari_number(text) if is_arabic(text) else _latin_number(text)
    return number if number is not None and 1 <= number <= 22 else None


def _latin_number(text: str) -> int | None:
    text = _KABUL.sub(" ", re.sub(r"[#.:,\-]", " ", text))
    m = _LATIN_PD.match(" ".join(text.split()))
    if m is None:
        return None
    said = next(g for g in m.groups() if g)
    return int(said) if said.isdigit() else _EN_ORDINALS.index(said) + 1


def _dari_number(text: str) -> int | None:
    words = [w for w in dari_words(text) if w not in _DARI_FILLER]
    digits = re.findall(r"\d+", text)
    if not words or words[0] not in _DARI_PD:
        return None
    rest = " ".join(words[1:])
    if digits and not rest:
        return int(digits[0])
    return _DARI_NUMBERS.get(rest) if not digits else None
