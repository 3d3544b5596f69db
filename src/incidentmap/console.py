"""The ``incidentmap`` program: the command line, started so that Ctrl-C is answered at once.

The console script and ``python -m incidentmap`` start here. The command line's modules
load pandas, GeoPandas and Folium (a second or two); Ctrl-C pressed meanwhile gets the
same one line as during a run, never Python's traceback.
"""

from __future__ import annotations

import sys

__all__ = ["main"]

#: what Ctrl-C prints, however early it comes
ABORTED = "Aborted (interrupted); no output was written."


def main(argv: list[str] | None = None) -> None:
    """Load the command line and run it (see :func:`incidentmap.cli.main`).

    Parameters
    ----------
    argv : list of str, optional
        Arguments (default ``sys.argv[1:]``).
    """
    args = sys.argv[1:] if argv is None else argv
    if args == ["--version"]:  # answered before the command line (typer, rich) is loaded
        from importlib.metadata import version

        sys.stdout.write(f"incidentmap {version('incidentmap')}\n")
        sys.exit(0)
    try:
        from incidentmap.cli import main as run
    except KeyboardInterrupt:
        if "--debug" in (sys.argv[1:] if argv is None else argv):
            raise
        sys.stderr.write(ABORTED + "\n")
        sys.exit(130)
    run(argv)
