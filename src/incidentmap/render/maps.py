"""Folium maps of incidents with one time slider for every layer.

:func:`choropleth_map`, :func:`point_map` and :func:`briefing_map` return
``folium.Map`` objects the caller can keep editing; :func:`save_map` writes one
HTML file atomically. ``PageOptions(offline=True)`` (the default) inlines Leaflet
(from xstatic-leaflet) and incidentmap's own script and styles, so the page asks no
other host for anything (unless tiles are added). Each page draws the layers of
:data:`incidentmap.render.layers.LAYERS` that its :class:`PageParts` hold.
"""

from __future__ import annotations

import html
import json
import os
import urllib.parse
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import pandas as pd
from branca.element import Element, MacroElement
from jinja2 import Template

from incidentmap.atomic import atomic_write, check_output
from incidentmap.context import context_for
from incidentmap.errors import UsageError, refuse_choice
from incidentmap.render.assets import incidentmap_assets, leaflet_assets, script_safe
from incidentmap.render.data import (
    build_payload,
    default_caption,
    default_title,
    incidents_credit,
    off_map_caption,
)
from incidentmap.render.layers.events import EventGroups
from incidentmap.render.series import AreaSeries
from incidentmap.render.style import MapStyle, PageOptions, PageParts

#: a choropleth shows provinces unless asked
_CHOROPLETH = MapStyle(level="province")

__all__ = [
    "TILES",
    "IncidentLayers",
    "briefing_map",
    "choropleth_map",
    "point_map",
    "save_map",
]

_CARTO = (
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors '
    '&copy; <a href="https://carto.com/attributions">CARTO</a>'
)

#: tile choices: name -> (folium tiles name or URL, attribution)
TILES: dict[str, tuple[str, str] | None] = {
    "none": None,
    "osm": ("OpenStreetMap", ""),
    "carto": ("https://{s}.basemaps.cartocdn.com/light_all/{z}/{x}/{y}.png?api_key=", _CARTO),
    "carto-dark": ("https://{s}.basemaps.cartocdn.com/dark_all/{z}/{x}/{y}.png?api_key=", _CARTO),
}
#: the environment variable holding a CARTO basemaps key (written into the page)
CARTO_KEY = "CARTO_API_KEY"


def tiles_url(tiles: str) -> tuple[str, str] | None:
    """Return the tiles' URL (or folium name) and credit; refuse CARTO's without a key.

    CARTO's basemaps answer "API key required" on every tile since August 2026
    (https://carto.com/basemaps/apikey/): a page drawn on them would show that, not a map.
    """
    refuse_choice(tiles, TILES, "tiles")
    spec = TILES[tiles]
    if spec is None or not tiles.startswith("carto"):
        return spec
    key = os.environ.get(CARTO_KEY, "").strip()
    if not key:
        msg = (
            f"`tiles` {tiles}: CARTO's basemaps need an API key since August 2026 "
            f"(https://carto.com/basemaps/apikey/): set {CARTO_KEY} (the page holds it), or "
            "choose `tiles` osm"
        )
        raise UsageError(msg, field="tiles")
    return spec[0] + urllib.parse.quote(key), spec[1]


class IncidentLayers(MacroElement):
    """A Folium element drawing incidentmap's layers, slider, legend and panels.

    Parameters
    ----------
    payload : dict
        From :func:`incidentmap.render.data.build_payload`.
    """

    _template = Template(
        """
{% macro script(this, kwargs) %}
window.incidentmapInstances.push(new IncidentMap({{ this._parent.get_name() }}, {{ this.data }}));
{% endmacro %}
"""
    )

    def __init__(self, payload: dict[str, Any]) -> None:
        super().__init__()
        self._name = "IncidentLayers"
        self.payload = payload
        text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        self.data = script_safe(text)

    def render(self, **kwargs: Any) -> None:
        """Add incidentmap's script and styles to the page once, then render."""
        figure = self.get_root()
        css, js = incidentmap_assets()
        figure.header.add_child(
            Element(f"<style>{script_safe(css)}</style>\n<script>{script_safe(js)}</script>"),
            name="incidentmap_assets",
        )
        super().render(**kwargs)


def _base_map(*, offline: bool, tiles: str | None) -> folium.Map:
    if tiles is None:
        tiles = "none" if offline else "osm"
    spec = tiles_url(tiles)
    m = folium.Map(
        location=[34.0, 66.0], zoom_start=6, tiles=None, control_scale=True, zoom_snap=0.25
    )
    if spec is not None:
        folium.TileLayer(spec[0], attr=spec[1] or None, name=tiles, control=False).add_to(m)
    if offline:
        # Leaflet inline instead of folium's CDN links (jQuery, Bootstrap... are not needed)
        m.default_js = []
        m.default_css = []
        css, js = leaflet_assets()
        m.get_root().header.add_child(
            Element(f"<style>{script_safe(css)}</style>\n<script>{script_safe(js)}</script>"),
            name="leaflet_inline",
        )
    m.get_root().header.add_child(
        Element(
            "<style>html,body{margin:0;height:100%;background:#eef2f5}"
            ".leaflet-container{background:#eef2f5}</style>"
        ),
        name="incidentmap_page",
    )
    # the page's script fits the country between its own controls (a fit here would be
    # animated by Leaflet and land after it)
    return m


@dataclass(frozen=True)
class _PageData:
    """The data a page is drawn from besides the incidents."""

    boundaries: gpd.GeoDataFrame | None = None
    population: pd.DataFrame | None = None
    series: AreaSeries | None = None


def _page(
    incidents: gpd.GeoDataFrame,
    style: MapStyle,
    page: PageOptions,
    parts: PageParts,
    data: _PageData,
) -> folium.Map:
    """Return the base map with incidentmap's layers drawn from the page's data."""
    payload = build_payload(
        incidents,
        context_for(data.boundaries),
        style,
        parts=replace(parts, source_label=style.credit or incidents_credit(incidents)),
        population=data.population,
        series=data.series,
    )
    m = _base_map(offline=page.offline, tiles=page.tiles)
    IncidentLayers(payload).add_to(m)
    return m


def choropleth_map(
    incidents: gpd.GeoDataFrame,
    style: MapStyle | None = None,
    *,
    page: PageOptions | None = None,
    boundaries: gpd.GeoDataFrame | None = None,
    population: pd.DataFrame | None = None,
    series: AreaSeries | None = None,
    **style_kwargs: Any,
) -> folium.Map:
    """Choropleth of incident counts (or a summed column) by area, with a time slider.

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        Geocoded incidents.
    style : MapStyle, optional
        Level (default ``province`` here), period, measure (``incidents``, ``per100k``
        with ``population``, or a numeric column summed), colour classes, mode, title,
        labels, hot spots (a layer outlining each period's Gi* hot and cold spots, emerging
        categories in the tooltips); ``**style_kwargs`` set single fields on top.
    page : PageOptions, optional
        Caption (default none), ``offline`` (default True: every script and stylesheet
        inlined, one file that works without network) and ``tiles`` (``none``, ``osm``,
        ``carto``, ``carto-dark``; default ``none`` offline, ``osm`` online).
    boundaries : geopandas.GeoDataFrame, optional
        District layer; default the installed one.
    population : pandas.DataFrame, optional
        ``province_code`` or ``district_id`` and ``population``, for ``per100k``.
    series : AreaSeries, optional
        The area-by-period values, when the caller has them (computed here otherwise).
    **style_kwargs
        Fields of :class:`MapStyle` (``level="district"``, ``period="week"``...).

    Returns
    -------
    folium.Map
    """
    s = MapStyle.of(style or _CHOROPLETH, **style_kwargs)
    pg = page or PageOptions()
    caption = pg.caption or off_map_caption(incidents, s.period)
    parts = PageParts(choropleth=True, points=False, caption=caption, left_out=pg.left_out)
    return _page(incidents, s, pg, parts, _PageData(boundaries, population, series))


def point_map(
    incidents: gpd.GeoDataFrame,
    style: MapStyle | None = None,
    *,
    page: PageOptions | None = None,
    boundaries: gpd.GeoDataFrame | None = None,
    **style_kwargs: Any,
) -> folium.Map:
    """One marker per placed incident, with a time slider.

    Markers are coloured by ``color_by`` and sized by ``size_by``; incidents
    placed only to a district or province are not drawn (the legend counts them);
    dense periods are clustered on a screen grid until zoomed in.

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        Geocoded incidents.
    style : MapStyle, optional
        Period, mode, point colours (``color_by``) and sizes (``size_by``), title,
        labels, and ``max_points``: with more placed incidents, circles count the
        incidents per grid cell and period instead (the cell doubles from 0.05 degrees
        until the circles fit), and the legend says so.
    page : PageOptions, optional
        As for :func:`choropleth_map`.
    boundaries : geopandas.GeoDataFrame, optional
    **style_kwargs
        Fields of :class:`MapStyle` on top of ``style``.

    Returns
    -------
    folium.Map
    """
    s = MapStyle.of(style, **style_kwargs)
    pg = page or PageOptions()
    caption = pg.caption or off_map_caption(incidents, s.period)
    parts = PageParts(choropleth=False, points=True, caption=caption, left_out=pg.left_out)
    return _page(incidents, s, pg, parts, _PageData(boundaries))


def briefing_map(
    incidents: gpd.GeoDataFrame,
    style: MapStyle | None = None,
    *,
    page: PageOptions | None = None,
    boundaries: gpd.GeoDataFrame | None = None,
    population: pd.DataFrame | None = None,
    series: AreaSeries | None = None,
    groups: EventGroups | None = None,
    **style_kwargs: Any,
) -> folium.Map:
    """Build the briefing page: choropleth and points under one slider, legend, panels, credits.

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        Geocoded incidents.
    style : MapStyle, optional
        As for :func:`choropleth_map` and :func:`point_map` (level ``district`` by
        default; names always shown); the title is the page's title.
    page : PageOptions, optional
        Caption (default: the date range and the counts, placed by point / by name /
        unplaced), ``offline`` (default True: one self-contained file) and ``tiles``
        (default ``none``).
    boundaries : geopandas.GeoDataFrame, optional
    population : pandas.DataFrame, optional
        For ``measure="per100k"``.
    series : AreaSeries, optional
        The area-by-period values (the brief job computes them once for page and image).
    groups : EventGroups, optional
        The rows each actor group's filter keeps (the brief job passes the library's own
        filter results); default read from the group columns.
    **style_kwargs
        Fields of :class:`MapStyle` on top of ``style``.

    Notes
    -----
    Besides the layers, the page has a timeline of the counts per period stacked by
    category (click or drag it to move the slider), a panel of the areas surging in the
    current period (outlined on the map), place names that read without a basemap, a
    print stylesheet that fits map, legend, timeline and panels on one landscape page,
    filters (group, target, category, minimum toll, precision, a date range brushed on
    the timeline) that every count of the page follows, a list of the events in view
    linked to the map, and the view kept in the page's address (``#...``).

    Returns
    -------
    folium.Map
    """
    s = MapStyle.of(style, **style_kwargs)
    if s.title is None:
        s = replace(s, title=default_title(incidents, s))
    pg = page or PageOptions()
    parts = PageParts(
        surge=True,
        timeline=True,
        top_areas=True,
        layer_names=True,
        caption=pg.caption or default_caption(incidents, s.level, s.period),
        left_out=pg.left_out,
        events=True,
        groups=groups,
    )
    data = _PageData(boundaries, population, series)
    m = _page(
        incidents, replace(s, labels=True), replace(pg, tiles=pg.tiles or "none"), parts, data
    )
    if s.title:
        m.get_root().title = html.escape(s.title)  # branca's <title> template does not escape
    return m


def save_map(m: folium.Map, path: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
    """Write a map to one HTML file, atomically.

    Parameters
    ----------
    m : folium.Map
    path : path-like
    overwrite : bool, default False

    Returns
    -------
    pathlib.Path

    Raises
    ------
    OutputExistsError
        If the file exists and ``overwrite`` is not set.
    UsageError
        If the file name does not end in .html.
    """
    p = Path(path)
    if p.suffix.lower() not in (".html", ".htm"):
        msg = f"{p}: a map is written as .html (use `png` for .png, .svg or .pdf)"
        raise UsageError(msg)
    check_output(p, overwrite=overwrite)
    html_text = m.get_root().render()
    with atomic_write(p, overwrite=overwrite) as tmp:
        tmp.write_text(html_text, encoding="utf-8")
    return p
