"""Boundaries installed by an older incidentmap lack the province corrections of this one.

``boundaries install`` kept any whole geoBoundaries cache, so a district a newer version
moves to its right province stayed in the wrong one until a user thought of `--force`. Now
the kept cache is held against ``boundaries/province_corrections.csv``: a district whose
province differs is said and the layers are installed again from the copy they came from.
"""

from __future__ import annotations

import csv
import io
import re

import pytest

import incidentmap as im
from incidentmap.boundaries import sources
from tests.conftest import GB, ROOT
from tests.test_cli import run


@pytest.fixture
def own_cache(tmp_path, monkeypatch):
    """A cache of its own (the session's stays as it is), installed from ../shared."""
    monkeypatch.setenv("INCIDENTMAP_CACHE_DIR", str(tmp_path / "cache"))
    from incidentmap.boundaries import forget_loaded

    forget_loaded()
    im.install_boundaries(GB)
    yield tmp_path / "cache"
    forget_loaded()


def test_a_cache_without_this_versions_corrections_is_installed_again(
    own_cache, capsys, monkeypatch
):
    text = (ROOT / "boundaries" / "province_corrections.csv").read_text("utf-8")
    table = list(csv.DictReader(io.StringIO(text)))
    assert sources.stale_corrections(im.load_boundaries("district")) == []
    code, _, err = run(capsys, "boundaries", "install")
    assert code == 0 and "boundaries already installed" in err and "installing" not in err

    # a newer version moves Jalalabad (by name) to Kabul province: the cache lacks it
    newer = [*table, {"district": "Jalalabad", "shape_id": "", "province_code": "AF-KAB"}]
    monkeypatch.setattr(sources, "_corrections", lambda: newer)
    assert sources.stale_corrections(im.load_boundaries("district")) == [
        "Jalalabad: AF-NAN, not AF-KAB"
    ]
    code, _, err = run(capsys, "boundaries", "install")
    assert code == 0, err
    assert "lack this version's province corrections (Jalalabad: AF-NAN, not AF-KAB)" in err
    # from where the cache came from (the copy in ../shared, however its path is written)
    assert re.search(r"installing boundaries: from \S*geoboundaries-afg\n", err), err
    assert "corrected province of Jalalabad: AF-NAN -> AF-KAB" in err
    from incidentmap.boundaries import forget_loaded

    forget_loaded()
    d = im.load_boundaries("district")
    assert d.loc[d["district"] == "Jalalabad", "province_code"].tolist() == ["AF-KAB"]
    code, _, err = run(capsys, "boundaries", "install")
    assert code == 0 and "boundaries already installed" in err


def test_installing_again_from_the_same_unchanged_folder_keeps_the_cache(
    own_cache, capsys, tmp_path
):
    """A notebook begins with ``im.install_boundaries(folder)``: it reinstalled the layers
    on every run. The same folder, its files unchanged, keeps them; a changed file, another
    folder or ``force`` installs again."""
    import shutil

    stamp = (own_cache / "boundaries.gpkg").stat().st_mtime_ns
    code, _, err = run(capsys, "boundaries", "install", "--from", GB)
    assert code == 0 and "already installed from" in err and "--force installs" in err
    info = im.install_boundaries(GB)  # the library: kept as well
    assert (own_cache / "boundaries.gpkg").stat().st_mtime_ns == stamp
    assert info.provenance["path"] == str(GB.resolve())
    copy = tmp_path / "copy"
    shutil.copytree(GB, copy)  # another folder (the same files): installed from there
    code, _, err = run(capsys, "boundaries", "install", "--from", copy)
    assert code == 0 and "installing boundaries: from" in err
    code, _, err = run(capsys, "boundaries", "install", "--from", copy)
    assert code == 0 and "already installed from" in err
    adm1 = next(copy.glob("*ADM1.geojson"))
    adm1.write_bytes(adm1.read_bytes() + b"\n")  # a file changed: installed again
    code, _, err = run(capsys, "boundaries", "install", "--from", copy)
    assert code == 0 and "installing boundaries: from" in err, err
    code, _, err = run(capsys, "boundaries", "install", "--from", copy, "--force")
    assert code == 0 and "installing boundaries: from" in err


def test_a_field_asked_for_installs_again_from_the_same_folder(own_cache, capsys):
    """``--id-field`` (or the district fields) asks for another reading of the same files:
    the CLI kept the cache and ignored it, while the library read the files again."""
    code, _, err = run(capsys, "boundaries", "install", "--from", GB)
    assert code == 0 and "already installed from" in err
    code, _, err = run(capsys, "boundaries", "install", "--from", GB, "--id-field", "shapeName")
    assert "already installed from" not in err and "installing boundaries: from" in err
    with pytest.raises(im.IncidentMapError):  # the library: read again, the same answer
        im.install_boundaries(GB, id_field="shapeName")
