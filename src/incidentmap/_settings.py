"""Settings every module may read: where the user cache lives.

A leaf module (it imports nothing of incidentmap), so that ``boundaries``,
``gazetteer`` and ``io`` can all use it without importing one another.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["CACHE_ENV", "cache_dir"]

#: environment variable that overrides the cache folder
CACHE_ENV = "INCIDENTMAP_CACHE_DIR"
#: maps: more placed incidents than this are drawn as counts per grid cell and period (a
#: page holding every one of a million incidents is 20 MB and steps at half the speed)
MAX_POINTS = 100_000


def cache_dir() -> Path:
    """Return the folder where boundaries and derived caches are kept.

    ``$INCIDENTMAP_CACHE_DIR`` if set, else the platform's user cache folder
    (``~/.cache/incidentmap`` on Linux).

    Returns
    -------
    pathlib.Path
    """
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("incidentmap", appauthor=False))
