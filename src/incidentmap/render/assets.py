"""Scripts and stylesheets a map page needs, for inlining into one offline HTML file.

Leaflet comes from the ``xstatic-leaflet`` package (its images are turned into data URIs so
the page asks nothing of the network); the slider, legend and panels are incidentmap's own
(``render/static``).
"""

from __future__ import annotations

import base64
import functools
import re
from importlib import resources
from pathlib import Path

__all__ = ["LEAFLET_VERSION", "incidentmap_assets", "leaflet_assets", "script_safe"]


def _leaflet_dir() -> Path:
    import xstatic.pkg.leaflet as xleaflet

    return Path(xleaflet.BASE_DIR)


def _version() -> str:
    import xstatic.pkg.leaflet as xleaflet

    return str(xleaflet.VERSION)


LEAFLET_VERSION = _version()


@functools.cache
def leaflet_assets() -> tuple[str, str]:
    """Return Leaflet's (CSS, JS), self-contained.

    Returns
    -------
    tuple of str
        The stylesheet with its ``url(images/...)`` references replaced by
        data URIs, and the minified script without its source-map comment.
    """
    base = _leaflet_dir()
    css = (base / "leaflet.css").read_text("utf-8")

    def inline(match: re.Match[str]) -> str:
        img = base / match.group(1)
        data = base64.b64encode(img.read_bytes()).decode("ascii")
        return f"url(data:image/png;base64,{data})"

    css = re.sub(r"url\((images/[\w.-]+\.png)\)", inline, css)
    js = (base / "leaflet.js").read_text("utf-8")
    js = re.sub(r"//# sourceMappingURL=\S+\s*$", "", js)
    return css, js


@functools.cache
def incidentmap_assets() -> tuple[str, str]:
    """Return incidentmap's own (CSS, JS) for the slider, legend and panels.

    ``incidentmap.css`` and ``incidentmap.js`` come first (the map object and its
    panels), then every other stylesheet and script of ``render/static`` in name order
    (parts that attach to the map object, such as the search box or the print layout),
    minified by rcssmin and rjsmin (whitespace and comments only).
    """
    static = resources.files("incidentmap.render").joinpath("static")
    parts: dict[str, list[str]] = {"css": [], "js": []}
    for kind in parts:
        names = sorted(f.name for f in static.iterdir() if f.name.endswith(f".{kind}"))
        first = f"incidentmap.{kind}"
        for name in [first, *(n for n in names if n != first)]:
            parts[kind].append(static.joinpath(name).read_text("utf-8"))
    import rcssmin
    import rjsmin

    # minified (comments and spaces only: no name is changed, so the page's data keys stay)
    return rcssmin.cssmin("\n".join(parts["css"])), rjsmin.jsmin("\n".join(parts["js"]))


def script_safe(text: str) -> str:
    """Make text safe to place inside an HTML ``<script>`` or ``<style>`` element.

    ``</script>``, ``<!--`` and the JavaScript line separators cannot end or
    confuse the element: ``<`` before ``/`` and ``!`` is escaped the way JSON
    and JavaScript both read back unchanged.
    """
    return (
        text.replace("</", "<\\/")
        .replace("<!--", "<\\!--")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )
