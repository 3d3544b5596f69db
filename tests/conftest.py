"""Shared fixtures: the reference data beside the checkout and an installed boundary cache."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("INCIDENTMAP_SHARED_DATA", ROOT.parent / "shared" / "data"))
GB = SHARED / "boundaries" / "geoboundaries-afg"
OCHA = SHARED / "boundaries" / "ocha-codab-afg-2018-HUMANITARIAN-USE-ONLY"
GAZ = SHARED / "gazetteer"
DATA = ROOT / "tests" / "data"
INCIDENTS = SHARED / "incidents"


def pytest_configure(config: pytest.Config) -> None:
    if not GB.exists():
        raise pytest.UsageError(
            f"reference data not found at {SHARED} (set INCIDENTMAP_SHARED_DATA)"
        )


@pytest.fixture(scope="session")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache with the geoBoundaries layers installed from ../shared (no network)."""
    path = tmp_path_factory.mktemp("cache")
    os.environ["INCIDENTMAP_CACHE_DIR"] = str(path)
    import incidentmap as im

    im.install_boundaries(GB)
    return path


@pytest.fixture
def use_cache(cache: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the library at the session cache (tests that move the cache restore it)."""
    monkeypatch.setenv("INCIDENTMAP_CACHE_DIR", str(cache))
    return cache


@pytest.fixture(scope="session")
def districts(cache: Path):
    import incidentmap as im

    return im.load_boundaries("district")


@pytest.fixture(scope="session")
def province_layer(cache: Path):
    import incidentmap as im

    return im.load_boundaries("province")
