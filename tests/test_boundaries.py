from __future__ import annotations

import json
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

import incidentmap as im
from incidentmap import boundaries as bnd
from incidentmap.gazetteer import provinces
from tests.conftest import GB, OCHA


def test_geoboundaries_install_counts_crs_validity(districts, province_layer):
    assert len(districts) == 398
    assert len(province_layer) == 34
    assert districts.crs.to_epsg() == 4326 and province_layer.crs.to_epsg() == 4326
    assert districts.is_valid.all() and province_layer.is_valid.all()
    assert list(districts.columns[:5]) == [
        "district_id",
        "district",
        "province_code",
        "province",
        "province_share",
    ]
    assert districts["district_id"].is_unique
    assert set(province_layer["province_code"]) == set(provinces())


def test_province_membership_matches_reference(districts):
    ref = pd.read_csv(GB / "derived" / "afg_adm2_geoboundaries_with_province.csv")
    merged = districts.merge(
        ref, left_on="district_id", right_on="adm2_id_gb", how="outer", indicator=True
    )
    assert (merged["_merge"] == "both").all()
    wrong = merged[merged["province_code"] != merged["adm1_iso"]]
    assert wrong.empty, wrong[["district", "province_code", "adm1_iso"]].to_string()


def test_known_misassignments_are_corrected(districts, cache):
    info = im.boundaries_info()
    fixed = {c["district"]: c["to"] for c in info.provenance["corrections_applied"]}
    assert fixed == {
        "Rukha": "AF-PAN",
        "Unaba": "AF-PAN",
        "Mahmudi Raqi": "AF-KAP",
        "Feroz Nakhchir": "AF-SAM",
        "Jaghatu": "AF-WAR",
        "Naw Bahar": "AF-ZAB",
    }
    by_name = districts.set_index("district_id")
    for shape_id, code in [
        ("17698898B51750891516418", "AF-PAN"),
        ("17698898B88117199286775", "AF-WAR"),
    ]:
        assert by_name.loc[shape_id, "province_code"] == code


def test_provinces_nest_exactly(districts, province_layer):
    ea_d = districts.to_crs("EPSG:6933")
    ea_p = province_layer.to_crs("EPSG:6933").set_index("province_code")
    for code, grp in ea_d.groupby("province_code"):
        prov = ea_p.loc[code, "geometry"]
        # every district lies inside its province, and the province is no more than its districts
        outside = shapely.difference(shapely.union_all(grp.geometry.values), prov).area
        extra = shapely.difference(prov, shapely.union_all(grp.geometry.values)).area
        assert outside < 1.0 and extra < 1.0, code  # square metres
        assert ea_p.loc[code, "n_districts"] == len(grp)


def test_display_names_follow_common_english(province_layer):
    names = dict(zip(province_layer["province_code"], province_layer["province"], strict=True))
    assert names["AF-HER"] == "Herat"
    assert names["AF-NAN"] == "Nangarhar"
    assert names["AF-HEL"] == "Helmand"
    assert names["AF-SAR"] == "Sar-e Pul"


def test_provenance_recorded(cache):
    info = im.boundaries_info()
    p = info.provenance
    assert p["layout"] == "geoboundaries"
    assert p["licence"] == "Public Domain"
    assert "geoBoundaries.org" in p["citation"]
    assert p["districts"] == 398 and p["provinces"] == 34
    assert p["path"] == str(GB.resolve())
    assert len(p["files"]["districts"]["sha256"]) == 64
    assert json.loads((cache / "provenance.json").read_text())["imported"] == p["imported"]


@pytest.fixture
def empty_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("INCIDENTMAP_CACHE_DIR", str(tmp_path / "c"))
    bnd.forget_loaded()
    yield tmp_path / "c"
    bnd.forget_loaded()


def test_not_installed_is_a_clear_error(empty_cache):
    with pytest.raises(im.BoundariesNotInstalledError, match="boundaries install"):
        im.load_boundaries()


def test_ocha_codab_import(empty_cache):
    info = im.install_boundaries(OCHA / "afg_admbnda_adm2_agcho_20180522.gpkg")
    d = im.load_boundaries()
    assert info.provenance["layout"] == "ocha-codab"
    assert len(d) == 399
    assert d["province_code"].nunique() == 34
    raw = gpd.read_file(OCHA / "afg_admbnda_adm2_agcho_20180522.gpkg")
    pc = {p.pcode: c for c, p in provinces().items()}
    assert list(d["province_code"]) == [pc[x] for x in raw["ADM1_PCODE"]]
    assert list(d["district_id"]) == list(raw["ADM2_PCODE"])


def test_generic_import_with_fields(empty_cache):
    src = GB / "derived" / "afg_adm2_geoboundaries_with_province.gpkg"
    im.install_boundaries(
        src, district_field="adm2_name", province_field="adm1_name", id_field="adm2_id_gb"
    )
    d = im.load_boundaries()
    assert len(d) == 398
    raw = gpd.read_file(src)
    assert list(d["province_code"]) == list(raw["adm1_iso"])


def test_generic_import_missing_field(empty_cache):
    src = GB / "derived" / "afg_adm2_geoboundaries_with_province.gpkg"
    with pytest.raises(im.BoundarySourceError, match="no field 'nope'"):
        im.install_boundaries(src, district_field="nope", province_field="adm1_name")
    assert not (empty_cache / "boundaries.gpkg").exists()


def test_unknown_layout(empty_cache):
    src = GB / "derived" / "afg_adm2_geoboundaries_with_province.gpkg"
    with pytest.raises(im.BoundarySourceError, match="unknown district layer layout"):
        im.install_boundaries(src)


def test_zip_of_shapefiles(empty_cache, tmp_path):
    shp_dir = tmp_path / "shp"
    shp_dir.mkdir()
    gpd.read_file(GB / "geoBoundaries-AFG-ADM2.gpkg").to_file(
        shp_dir / "geoBoundaries-AFG-ADM2.shp"
    )
    gpd.read_file(GB / "geoBoundaries-AFG-ADM1.geojson").to_file(
        shp_dir / "geoBoundaries-AFG-ADM1.shp"
    )
    zpath = tmp_path / "geoBoundaries-AFG-all.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        for f in shp_dir.iterdir():
            zf.write(f, f.name)
    im.install_boundaries(zpath)
    d = im.load_boundaries()
    ref = pd.read_csv(GB / "derived" / "afg_adm2_geoboundaries_with_province.csv")
    assert dict(zip(d["district_id"], d["province_code"], strict=True)) == dict(
        zip(ref["adm2_id_gb"], ref["adm1_iso"], strict=True)
    )


def test_download_without_network_says_what_to_do(empty_cache, monkeypatch):
    src = json.loads(json.dumps(bnd.manifest()))
    for spec in src["geoboundaries"]["files"].values():
        # a closed port on this machine: fails at once, like a machine with no network
        spec["url"] = "http://127.0.0.1:9/" + spec["url"].rsplit("/", 1)[1]
    monkeypatch.setattr(bnd.sources, "manifest", lambda: src)
    with pytest.raises(im.DownloadError, match="install `source` PATH"):
        im.install_boundaries()
    assert not (empty_cache / "boundaries.gpkg").exists()


def test_cache_dir_override(monkeypatch, tmp_path):
    monkeypatch.setenv("INCIDENTMAP_CACHE_DIR", str(tmp_path))
    assert im.cache_dir() == Path(tmp_path)
    monkeypatch.delenv("INCIDENTMAP_CACHE_DIR")
    assert im.cache_dir().name == "incidentmap"
