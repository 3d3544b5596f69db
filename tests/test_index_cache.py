"""The indexes kept beside the boundary cache: read back, rebuilt when damaged or stale.

The gazetteer's name index, the point locator, the district table and the province shapes
of an installed layer are kept as ``.npz`` files in the cache, stamped with the layer (and,
for the gazetteer, the version of the name data). A second run reads them; a file cut
short, with a bad CRC, or stamped for other data is built again; a cache that cannot be
written builds them in memory. What is read back answers as the in-memory build does.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import incidentmap as im
from incidentmap import _settings
from incidentmap import boundaries as bnd
from incidentmap.context import BoundaryContext, district_at
from incidentmap.gazetteer import Gazetteer, geonames_places, provinces
from incidentmap.geocode import geocode
from tests.conftest import GB

#: file name prefix of each index, and the context attribute that reads it
INDEXES = {
    "gazetteer-v1-": "gazetteer",
    "locator-": "locator",
    "districts-": "district_table",
    "provinces-": "province_geometry",
}

NAMES = [
    "Jalalabad", "Greshk (District)", "Gereshk", "Jalalabad, Nangarhar", "Lash", "Khost",
    "Kabul city", "Sar-e Pul", "Sari Pul", "Hirat", "Ningarhar", "Surkh Rod", "Tirin Kot",
    "Marjah area of Nad Ali district", "Mazar-i-Sharif", "Kunduz", "Spin Boldak", "unknown",
]  # fmt: skip


@pytest.fixture(scope="module")
def kept(cache: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[object]]:
    """A cache of the installed layer where every index was built on first use; its answers."""
    target = tmp_path_factory.mktemp("kept")
    for path in [cache / "boundaries.gpkg", cache / "provenance.json", *cache.glob("*.json")]:
        shutil.copy2(path, target / path.name)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("INCIDENTMAP_CACHE_DIR", str(target))
        bnd.forget_loaded()
        answers = _answers(_fresh())
    bnd.forget_loaded()
    assert all(_index(target, prefix).is_file() for prefix in INDEXES)
    return target, answers


@pytest.fixture
def own_cache(kept, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of that cache, indexes included, that this test may damage."""
    target = tmp_path / "cache"
    shutil.copytree(kept[0], target)
    monkeypatch.setenv("INCIDENTMAP_CACHE_DIR", str(target))
    bnd.forget_loaded()
    yield target
    bnd.forget_loaded()


@pytest.fixture
def first(kept) -> list[object]:
    """What the indexes answered when they were built."""
    return kept[1]


def _fresh() -> BoundaryContext:
    """A new context of the installed layer (nothing derived yet, not the shared one)."""
    return BoundaryContext(im.load_boundaries("district"))


def _index(cache: Path, prefix: str) -> Path:
    found = sorted(cache.glob(f"{prefix}*.npz"))
    assert len(found) == 1, found
    return found[0]


def _arrays(path: Path) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as data:
        return {k: data[k] for k in data.files}


def _answers(ctx: BoundaryContext) -> list[object]:
    """What each index answers, in plain values."""
    gaz = ctx.gazetteer
    rng = np.random.default_rng(5)
    lon, lat = rng.uniform(60.4, 75.0, 3000), rng.uniform(29.3, 38.5, 3000)
    codes = list(provinces())
    out: list[object] = [ctx.locate(lon, lat).tolist(), ctx.district_table]
    out += [sorted(ctx.province_geometry), sorted(ctx.province_rep)]
    out += [shapely.to_wkb(ctx.province_geometry[c]) for c in sorted(ctx.province_geometry)]
    for i, name in enumerate(NAMES):
        scope = codes[i % len(codes)] if i % 2 else None
        out += [gaz.resolve(name), gaz.resolve(name, scope), gaz.district(name, scope)]
        out += [gaz.place(name, scope), gaz.suggest(name)]
    return out


def test_a_second_run_reads_the_indexes_it_kept(own_cache, first):
    files = {prefix: _index(own_cache, prefix) for prefix in INDEXES}
    written = {prefix: path.stat().st_mtime_ns for prefix, path in files.items()}
    assert _answers(_fresh()) == first
    assert {prefix: path.stat().st_mtime_ns for prefix, path in files.items()} == written


def test_what_the_file_says_is_what_the_gazetteer_answers(own_cache):
    """Proof that the file is read: a place moved in the file is moved in the answer."""
    gaz = _fresh().gazetteer
    lon, lat = gaz.place_point(gaz.place("Jalalabad")[0].id)
    path = _index(own_cache, "gazetteer-v1-")
    arrays = _arrays(path)
    arrays["records_lonlat"] = arrays["records_lonlat"] + 1.0
    with path.open("wb") as fh:
        np.savez(fh, **arrays)
    gaz = _fresh().gazetteer
    assert gaz.place_point(gaz.place("Jalalabad")[0].id) == (lon + 1.0, lat + 1.0)


def test_the_gazetteer_index_is_stamped_with_its_layer_and_name_data(own_cache):
    """A new layer, or changed name files, rules or GeoNames package, make another stamp."""
    from incidentmap.gazetteer import name_data_version

    with np.load(_index(own_cache, "gazetteer-v1-"), allow_pickle=False) as data:
        stamp = str(data["stamp"][()])
    layer = im.load_boundaries("district").attrs["layer_key"]
    assert stamp == f"{layer}\n{name_data_version()}"


def _cut_short(path: Path) -> None:
    with path.open("r+b") as fh:
        fh.truncate(path.stat().st_size // 3)


def _bad_crc(path: Path) -> None:
    """Change bytes inside the largest array (its CRC no longer matches)."""
    with zipfile.ZipFile(path) as z:
        big = max(z.infolist(), key=lambda i: i.file_size)
        start = big.header_offset + 30 + len(big.filename.encode()) + len(big.extra)
    data = bytearray(path.read_bytes())
    middle = start + big.file_size // 2
    data[middle : middle + 16] = bytes(255 - b for b in data[middle : middle + 16])
    path.write_bytes(bytes(data))


def _stale(path: Path) -> None:
    """The same arrays stamped for other data (another layer, older name data)."""
    arrays = _arrays(path)
    arrays["stamp"] = np.array("another layer\nv0")
    with path.open("wb") as fh:
        np.savez(fh, **arrays)


def _foreign(path: Path) -> None:
    """A file of the right stamp whose arrays do not fit together (counts, offsets cut)."""
    arrays = _arrays(path)
    for key, value in arrays.items():
        if key == "stamp" or value.ndim != 1 or value.dtype == np.uint8:
            continue
        arrays[key] = value[: len(value) // 2] if len(value) > 1 else value + 1
    with path.open("wb") as fh:
        np.savez(fh, **arrays)


@pytest.mark.parametrize("damage", [_cut_short, _bad_crc, _stale, _foreign])
@pytest.mark.parametrize("prefix", list(INDEXES))
def test_a_damaged_or_stale_index_is_built_again(own_cache, first, prefix, damage):
    path = _index(own_cache, prefix)
    good = _arrays(path)
    damage(path)
    assert _answers(_fresh()) == first
    again = _arrays(_index(own_cache, prefix))  # written again, whole
    assert sorted(again) == sorted(good)
    assert all(np.array_equal(again[k], good[k]) for k in good)


def test_a_cache_that_cannot_be_written_builds_in_memory(own_cache, first, monkeypatch):
    """A folder where an index would go: never fatal, built in memory, said once."""
    for prefix in INDEXES:
        path = _index(own_cache, prefix)
        path.unlink()
        path.mkdir()
    monkeypatch.setattr(_settings, "UNWRITABLE_CACHE", {})
    assert _answers(_fresh()) == first
    assert list(_settings.UNWRITABLE_CACHE) == [str(own_cache)]
    assert all(_index(own_cache, prefix).is_dir() for prefix in INDEXES)


def test_a_new_install_removes_the_indexes_of_the_old_layer(own_cache):
    assert len(list(own_cache.glob("*.npz"))) == len(INDEXES)
    im.install_boundaries(GB, force=True)  # the same folder unchanged is kept without force
    assert not list(own_cache.glob("*.npz")) and not list(own_cache.glob("*.npy"))


# ---------------------------------------------------------------------------------------------
# read back = built in memory, over the real gazetteer's names


@pytest.fixture(scope="module")
def both(cache):
    """(gazetteer read back from the cache, gazetteer built in memory) of the installed layer."""
    os.environ["INCIDENTMAP_CACHE_DIR"] = str(cache)
    bnd.forget_loaded()
    districts = im.load_boundaries("district")
    _ = BoundaryContext(districts).gazetteer  # kept (or already there)
    path = _index(cache, "gazetteer-v1-")
    written = path.stat().st_mtime_ns
    kept = BoundaryContext(districts).gazetteer
    assert path.stat().st_mtime_ns == written  # read back, not built again
    return kept, Gazetteer(districts)


@pytest.fixture(scope="module")
def real_names(cache):
    """District names of the layer, GeoNames names and other names of places."""
    names = {str(n) for n in im.load_boundaries("district")["district"]}
    for city in geonames_places():
        names |= {city["name"], *city.get("alternatenames", [])[:5]}
    return sorted(n for n in names if n.strip())


def _spelt(name: str, how: int, at: int) -> str:
    """The name as a file might write it: cut, doubled, upper, with a type word..."""
    at = at % max(len(name), 1)
    return [
        name,
        name[:at] + name[at + 1 :],
        name[:at] + name[at : at + 1] * 2 + name[at + 1 :],
        name.upper(),
        f"{name} district",
        f"{name} (village)",
        f"near {name}, {name[::-1]}",
    ][how]


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    pick=st.integers(min_value=0, max_value=10**6),
    how=st.integers(min_value=0, max_value=6),
    at=st.integers(min_value=0, max_value=40),
    scope=st.one_of(st.none(), st.sampled_from(sorted(provinces()))),
)
def test_read_back_answers_as_built_in_memory(both, real_names, pick, how, at, scope):
    kept, built = both
    name = _spelt(real_names[pick % len(real_names)], how, at)
    assert kept.resolve(name, scope) == built.resolve(name, scope)
    assert kept.resolve(name, scope, prefer="district") == built.resolve(
        name, scope, prefer="district"
    )
    assert kept.district(name, scope) == built.district(name, scope)
    assert kept.place(name, scope) == built.place(name, scope)
    if pick % 10 == 0:
        assert kept.suggest(name) == built.suggest(name)


# ---------------------------------------------------------------------------------------------
# where: the district holding a point from the kept indexes alone


def test_district_at_is_the_district_geocode_gives(use_cache):
    import geopandas as gpd
    import pandas as pd

    rng = np.random.default_rng(11)
    lat, lon = rng.uniform(29.3, 38.5, 300), rng.uniform(60.4, 75.0, 300)
    frame = gpd.GeoDataFrame(
        pd.DataFrame({"latitude": lat, "longitude": lon}), geometry=[None] * 300, crs="EPSG:4326"
    )
    placed = geocode(frame, snap_km=0.0)
    for r, x, y in zip(placed.itertuples(), lon, lat, strict=True):
        hit = district_at(x, y)
        if r.geocode_method != "point":
            assert hit is None
            continue
        assert hit is not None
        got = (hit.district, hit.district_id, hit.province, hit.province_code)
        assert got == (r.district, r.district_id, r.province, r.province_code)


def test_district_at_reads_no_layer(own_cache):
    """Once the indexes are kept, a fresh process answers without the layer or GeoPandas."""
    code = (
        "import sys\n"
        "from incidentmap.context import district_at\n"
        "d = district_at(70.45, 34.43)\n"
        "print(d.district, d.province_code, *(m in sys.modules for m in ('pyogrio', 'pandas')))\n"
    )
    for prefix in ("locator-", "districts-"):
        _index(own_cache, prefix).unlink()
    env = dict(os.environ, INCIDENTMAP_CACHE_DIR=str(own_cache))
    built = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert built.returncode == 0, built.stderr
    assert built.stdout.split()[:2] == ["Jalalabad", "AF-NAN"]  # built the indexes, kept them
    assert _index(own_cache, "locator-").is_file() and _index(own_cache, "districts-").is_file()
    again = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert again.returncode == 0, again.stderr
    assert again.stdout.split() == ["Jalalabad", "AF-NAN", "False", "False"]


# ---------------------------------------------------------------------------------------------
# the province names (their ISO names come from pycountry: 0.2 s to load)


def test_province_names_are_kept_and_answer_as_built(own_cache):
    from incidentmap.gazetteer.admin1 import build_province_index, province_index

    province_index.cache_clear()
    try:
        province_index()  # built and kept
        (path,) = own_cache.glob("province-names-*.npz")
        written = path.stat().st_mtime_ns
        province_index.cache_clear()
        kept, built = province_index(), build_province_index()
        assert path.stat().st_mtime_ns == written
        names = [n for p in provinces().values() for n in (p.name, p.iso_name, *p.aliases)]
        for name in names + [n[:-1] for n in names] + [n.upper() + "x" for n in names]:
            assert kept.exact(name) == built.exact(name), name
            assert kept.fuzzy(name) == built.fuzzy(name), name
        _cut_short(path)
        province_index.cache_clear()
        assert province_index().exact("Ningarhar") == built.exact("Ningarhar")
        assert np.load(path)["stamp"].ndim == 0  # written again, whole
    finally:
        province_index.cache_clear()
