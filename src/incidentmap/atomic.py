"""Atomic files: the one way incidentmap writes a file, caches included.

Everything goes to a temporary name in the target folder
(``.<name>.incidentmap-tmp-<pid>-<id>``), is flushed to disk and checked, and only then
replaces the target. A failure (disk full, Ctrl-C, a bug) leaves the previous file as it was
and no partial file; temporary files of runs that were killed (their process is gone) are
removed by the next write to the same folder. Two processes never share a temporary name.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from incidentmap.errors import IncidentMapError, OutputExistsError, OutputWriteError, UsageError

__all__ = [
    "SIDECARS",
    "atomic_write",
    "check_output",
    "glob_escape",
    "publish",
    "refuse_inputs",
    "remove_stale_temps",
    "write_bytes",
]


_TMP_MARK = ".incidentmap-tmp-"


_TMP_RE = re.compile(r"^\..*\.incidentmap-tmp-(\d+)-[0-9a-f]+(?:\..*)?$")


#: files that travel with a shapefile (the .fields.csv is incidentmap's name mapping)
SIDECARS = {
    ".shp": (
        ".shx", ".dbf", ".prj", ".cpg", ".fields.csv",
        # written by GIS tools beside a shapefile: a new write must not keep the old ones
        # (a stale .qix spatial index makes spatial queries on the new file find nothing)
        ".qix", ".sbn", ".sbx", ".qpj", ".shp.xml",
    )
}  # fmt: skip


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_temps(folder: Path) -> list[Path]:
    """Remove temporary files left in ``folder`` by incidentmap runs that no longer run.

    Returns
    -------
    list of pathlib.Path
        The files removed.
    """
    removed = []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return removed
    for entry in entries:
        m = _TMP_RE.match(entry.name)
        if m is None or _alive(int(m.group(1))):
            continue
        try:
            if entry.is_dir():
                import shutil

                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink()
            removed.append(entry)
        except OSError:
            pass
    return removed


def publish(
    tmp: str | os.PathLike[str], path: str | os.PathLike[str], *, overwrite: bool = True
) -> None:
    """Move a finished temporary file into place with the usual permissions.

    ``tempfile.mkstemp`` creates files readable by their owner only; a map or a
    layer is meant to be shared, so it gets the mode the umask gives new files.
    Without ``overwrite`` the move fails if ``path`` appeared meanwhile (another run
    writing the same new output): a hard link is created exclusively, in one step
    with the check; where links are not supported the check is made just before.
    """
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    if overwrite:
        os.replace(tmp, path)
        return
    try:
        os.link(tmp, path)
    except FileExistsError:
        msg = f"{path} exists (written meanwhile by another run); use `overwrite` to replace it"
        raise OutputExistsError(msg) from None
    except OSError:  # no hard links here (some network and FAT file systems)
        if Path(path).exists():
            msg = f"{path} exists (written meanwhile by another run); use `overwrite`"
            raise OutputExistsError(msg) from None
        os.replace(tmp, path)
        return
    os.unlink(tmp)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _targets(path: Path) -> list[Path]:
    """Return the file and the sidecars a format writes beside it."""
    ext = path.suffix.lower()
    return [path] + [path.with_suffix(s) for s in SIDECARS.get(ext, ())]


def check_output(path: str | os.PathLike[str], *, overwrite: bool) -> Path:
    """Refuse an output that exists (or whose sidecars exist) unless ``overwrite``."""
    p = Path(path)
    for target in _targets(p):
        if target.exists() and not overwrite:
            what = p if target == p else f"{target} (written with {p.name})"
            raise OutputExistsError(f"{what} exists; use `overwrite` to replace it")
    if p.exists() and p.is_dir():
        raise OutputExistsError(f"{p} is a folder (expected a file name)")
    return p


def _local(path: Any) -> Path | None:
    """Return a file name as a path; None for standard input, a URL or a frame."""
    if not isinstance(path, (str, os.PathLike)) or str(path) in ("", "-") or "://" in str(path):
        return None
    return None if str(path).startswith("/vsi") else Path(path)


def _same(a: Path, b: Path) -> bool:
    """Tell whether two names are one file: the same resolved path, or one file by a link."""
    try:
        if a.resolve() == b.resolve():
            return True
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def refuse_inputs(outputs: Iterable[Any], inputs: Iterable[Any]) -> None:
    """Refuse, before any file is read, an output that is one of the inputs.

    The one check every job that reads files and writes others makes: replacing an input
    with ``overwrite`` destroyed the publisher's file (``geocode self.csv -o self.csv``).
    Compared by resolved path (``x.csv``, ``./x.csv``, a symbolic link) and, when both exist,
    as the same file (a hard link); a shapefile's sidecars count as its file.

    Parameters
    ----------
    outputs : iterable
        The files a job writes (None, standard output and URLs are passed over).
    inputs : iterable
        The files it reads (paths, ``-``, URLs or frames: only paths are compared).

    Raises
    ------
    UsageError
        Naming the output and the input (``field`` ``output``).
    """
    read = [p for p in map(_local, inputs) if p is not None]
    for out in filter(None, map(_local, outputs)):
        for source in read:
            if any(_same(o, i) for o in _targets(out) for i in _targets(source)):
                msg = (
                    f"output {out} is the input {source} (the same file): writing it would "
                    "replace the file being read; give the output another name"
                )
                raise UsageError(msg, field="output")


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike[str], *, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; move it (and its sidecars) in on success.

    Parameters
    ----------
    path : path-like
        The file to write.
    overwrite : bool, default False
        Replace an existing file (and its sidecars).

    Yields
    ------
    pathlib.Path
        Where to write; same folder and suffix as ``path``.

    Raises
    ------
    OutputExistsError
        If the file exists and ``overwrite`` is not set.
    OutputWriteError
        If the folder cannot be written or a file cannot be flushed to disk.
    """
    p = check_output(path, overwrite=overwrite)
    folder = p.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputWriteError(f"{p}: cannot create the folder {folder} ({exc.strerror})") from exc
    remove_stale_temps(folder)
    mark = f"{_TMP_MARK}{os.getpid()}-{secrets.token_hex(4)}"
    stem = f".{_fit(p.stem, p.suffix, mark)}{mark}"
    # a format with sidecars is written with a lower-case suffix (GDAL names the sidecars
    # so): "UP.SHP" is written as .shp and moved to the name asked for
    suffix = p.suffix.lower() if p.suffix.lower() in SIDECARS else p.suffix
    tmp = folder / (stem + suffix)
    try:
        yield tmp
        _publish_all(p, tmp, stem, overwrite=overwrite)
    except OSError as exc:
        if isinstance(exc, IncidentMapError):
            raise  # already says what failed
        raise OutputWriteError(f"{p}: cannot write ({exc.strerror or exc})") from exc
    finally:
        for leftover in _tmp_targets(tmp):
            with contextlib.suppress(OSError):
                leftover.unlink()


#: the longest file name most file systems take (bytes), and room for a sidecar's longer suffix
_NAME_MAX = 255
_SIDECAR_ROOM = 12


def _fit(stem: str, suffix: str, mark: str) -> str:
    """Cut the output's stem so that its temporary name fits in a file name (bytes)."""
    room = _NAME_MAX - _SIDECAR_ROOM - len(f".{mark}{suffix}".encode())
    raw = stem.encode()
    return stem if len(raw) <= room else raw[: max(room, 1)].decode(errors="ignore")


def _publish_all(p: Path, tmp: Path, stem: str, *, overwrite: bool = True) -> None:
    """Flush the written files to disk and move them in: sidecars first, the file last."""
    sidecars = SIDECARS.get(p.suffix.lower(), ())
    written = [t for t in [tmp, *(tmp.parent / (stem + s) for s in sidecars)] if t.exists()]
    if tmp not in written:
        raise OutputWriteError(f"{p}: nothing was written")
    for t in written:
        _fsync(t)
    # sidecars first, the main file last: a reader never sees a .shp without its .dbf
    published = set()
    for t in sorted(written, key=lambda t: t == tmp):
        dest = _destination(p, t, tmp, stem)
        publish(t, dest, overwrite=overwrite or dest != p)  # the main file decides
        published.add(dest)
    _remove_stale(p, published)


def _remove_stale(p: Path, published: set[Path]) -> None:
    """Remove the old sidecars of ``p`` this write did not produce (a stale .qix index)."""
    for stale in _targets(p):
        if stale not in published and stale.exists():
            stale.unlink()


def _destination(p: Path, written: Path, tmp: Path, stem: str) -> Path:
    """Return where a written file goes: the main file to ``p``, a sidecar beside it."""
    return p if written == tmp else p.parent / (p.stem + written.name[len(stem) :])


def _tmp_targets(tmp: Path) -> list[Path]:
    stem = tmp.name[: -len(tmp.suffix)] if tmp.suffix else tmp.name
    return sorted(tmp.parent.glob(glob_escape(stem) + ".*"))


def glob_escape(text: str) -> str:
    """Escape glob metacharacters in a file name."""
    return re.sub(r"([*?\[])", r"[\1]", text)


def write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` atomically, replacing it (caches and small files).

    Parameters
    ----------
    path : path-like
        The file to write; its folder is created if needed.
    data : bytes
        The whole content.

    Raises
    ------
    OutputWriteError
        If the folder or the file cannot be written.
    """
    with atomic_write(path, overwrite=True) as tmp:
        tmp.write_bytes(data)
