"""Text encodings by class: generated files in each encoding read back to the same text."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import incidentmap as im
from incidentmap.geocode import geocode as geocode_frame
from incidentmap.io.decode import decode_bytes
from incidentmap.io.incidents import read_incidents_facts

# Dari province and district names as Windows-1256 can hold them (Arabic yeh for Persian yeh,
# which cp1256 lacks); Latin text with accents as a Spanish or French source writes it
DARI = [
    "کابل",
    "هرات",
    "ننگرهار",
    "بلخ",
    "قندهار",
    "پکتيا",
    "غزني",
    "سرپل",
    "جلال آباد",
    "مزار شريف",
]
LATIN = ["Explosión", "Café", "Attaque à la bombe", "Défense", "Kaboul", "Hérat", "Mazâr"]
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _csv(names: list[str], notes: list[str]) -> str:
    rows = [
        f"{n},2023-03-0{1 + i % 9},{t}" for i, (n, t) in enumerate(zip(names, notes, strict=False))
    ]
    return "province,date,notes\n" + "\n".join(rows) + "\n"


@SETTINGS
@given(names=st.lists(st.sampled_from(DARI), min_size=1, max_size=40))
def test_windows_1256_short_and_long(names):
    text = _csv(names, ["-"] * len(names))
    got, codec = decode_bytes(text.encode("cp1256"), "t.csv")
    assert codec == "cp1256" and got == text


@SETTINGS
@given(words=st.lists(st.sampled_from(LATIN), min_size=1, max_size=20))
def test_latin_text_is_not_taken_for_arabic(words):
    text = "event_type,notes\n" + "\n".join(f"{w},{w} near Kabul" for w in words) + "\n"
    got, codec = decode_bytes(text.encode("latin-1"), "t.csv")
    assert got == text and codec == ("utf-8" if text.isascii() else "cp1252")


@SETTINGS
@given(
    names=st.lists(st.sampled_from(DARI + LATIN + ["Kabul", "Herat"]), min_size=1, max_size=20),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be"]),
)
def test_unicode_encodings_with_and_without_bom(names, encoding):
    text = _csv(names, names)
    got, _ = decode_bytes(text.encode(encoding), "t.csv")
    assert got.lstrip("\ufeff") == text


def test_utf16_cut_short_is_one_clear_error(tmp_path):
    data = "province,date\nKabul,2023-01-01\n".encode("utf-16-le")[:-1]
    p = tmp_path / "cut.csv"
    p.write_bytes(data)
    with pytest.raises(im.InputFileError, match="odd number of bytes"):
        im.read_incidents(p)


def test_binary_file_refused(tmp_path):
    p = tmp_path / "x.csv"
    p.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    with pytest.raises(im.InputFileError, match="not a text file"):
        im.read_incidents(p)


def test_short_windows_1256_file_is_placed_and_noted(tmp_path, use_cache):
    p = tmp_path / "dari.csv"
    p.write_bytes("province,date\nکابل,2023-01-01\nهرات,2023-01-02\n".encode("cp1256"))
    g, facts = read_incidents_facts(p)
    assert list(g["stated_province"]) == ["کابل", "هرات"]
    assert any("Windows-1256" in n for n in facts.notes)
    r = geocode_frame(g)
    assert list(r["province"]) == ["Kabul", "Herat"]


def test_given_encoding_that_does_not_fit_is_one_line(tmp_path):
    p = tmp_path / "x.csv"
    p.write_bytes("province\nکابل\n".encode("cp1256"))
    with pytest.raises(im.InputFileError, match="cannot decode as utf-8: byte 0x"):
        im.read_incidents(p, encoding="utf-8")
