"""Settings every module may read: where the user cache lives.

A leaf module (it imports nothing of incidentmap), so that ``boundaries``,
``gazetteer`` and ``io`` can all use it without importing one another.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["CACHE_ENV", "UNWRITABLE_CACHE", "cache_dir", "cache_not_written"]

#: environment variable that overrides the cache folder
CACHE_ENV = "INCIDENTMAP_CACHE_DIR"
#: maps: more placed incidents than this are drawn as counts per grid cell and period (a
#: page holding every one of a million incidents is 20 MB and steps at half the speed)
MAX_POINTS = 100_000


#: cache folders this process could not write to -> why (the CLI says it once, at the end)
UNWRITABLE_CACHE: dict[str, str] = {}


def cache_not_written(error: BaseException) -> None:
    """Record that an index could not be kept in the cache (it was built in memory)."""
    cause = error.__cause__ if isinstance(error.__cause__, OSError) else None
    why = (cause.strerror if cause is not None else None) or " ".join(str(error).split())[:200]
    UNWRITABLE_CACHE.setdefault(str(cache_dir()), why)


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
