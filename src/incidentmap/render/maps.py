"""Folium maps of incidents with one time slider for every layer.

:func:`choropleth_map`, :func:`point_map` and :func:`briefing_map` return
``folium.Map`` objects the caller can keep editing; :func:`save_map` writes one
HTML file atomically. ``offline=True`` inlines Leaflet (from xstatic-leaflet)
and incidentmap's own script and styles, so the page asks no other host for
anything (unless tiles are added).
"""

from __future__ import annotations

import html
import json
import os
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import pandas as pd
from branca.element import Element, MacroElement
from jinja2 import Template

from incidentmap._settings import MAX_POINTS
from incidentmap.atomic import atomic_write, check_output
from incidentmap.context import BoundaryContext, context_for
from incidentmap.errors import UsageError
from incidentmap.render.assets import incidentmap_assets, leaflet_assets, script_safe
from incidentmap.render.data import build_payload, default_caption

__all__ = [
    "TILES",
    "IncidentLayers",
    "briefing_map",
    "choropleth_map",
    "point_map",
    "save_map",
]

#: tile choices: name -> (folium tiles name or URL, attribution)
TILES: dict[str, tuple[str, str] | None] = {
    "none": None,
    "osm": ("OpenStreetMap", ""),
    "carto": ("CartoDB positron", ""),
    "carto-dark": ("CartoDB dark_matter", ""),
}


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


def _base_map(*, offline: bool, tiles: str) -> folium.Map:
    if tiles not in TILES:
        msg = f"tiles must be one of {', '.join(TILES)}, not {tiles!r}"
        raise UsageError(msg)
    m = folium.Map(
        location=[34.0, 66.0], zoom_start=6, tiles=None, control_scale=True, zoom_snap=0.25
    )
    spec = TILES[tiles]
    if spec is not None:
        folium.TileLayer(spec[0], name=tiles, control=False).add_to(m)
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


def _districts(boundaries: gpd.GeoDataFrame | BoundaryContext | None) -> BoundaryContext:
    return context_for(boundaries)


def _new_map(
    incidents: gpd.GeoDataFrame,
    boundaries: gpd.GeoDataFrame | None,
    *,
    offline: bool,
    tiles: str,
    **payload_options: Any,
) -> tuple[folium.Map, dict[str, Any]]:
    """Build the page data and the base map every map function starts from."""
    payload = build_payload(
        incidents, _districts(boundaries), source_label=_source(incidents), **payload_options
    )
    return _base_map(offline=offline, tiles=tiles), payload


def _source(incidents: gpd.GeoDataFrame) -> str | None:
    path = incidents.attrs.get("path")
    return Path(str(path)).name if path else None


def choropleth_map(
    incidents: gpd.GeoDataFrame,
    *,
    level: str = "province",
    period: str | None = "month",
    measure: str = "incidents",
    scheme: str = "quantiles",
    k: int = 5,
    bins: list[float] | None = None,
    mode: str = "window",
    offline: bool = False,
    tiles: str = "osm",
    title: str | None = None,
    boundaries: gpd.GeoDataFrame | None = None,
    population: pd.DataFrame | None = None,
    labels: bool = True,
    hotspots: bool = False,
) -> folium.Map:
    """Choropleth of incident counts (or a summed column) by area, with a time slider.

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        Geocoded incidents.
    level : {"province", "district"}, default "province"
    period : {"day", "week", "month", "quarter", "year"} or None, default "month"
    measure : str, default "incidents"
        ``incidents`` (or ``count``), ``per100k`` (with ``population``), or a numeric
        column to sum (``fatalities``).
    scheme : {"quantiles", "natural_breaks", "equal_interval", "user"}, default "quantiles"
    k : int, default 5
        Number of colour classes.
    bins : list of float, optional
        Upper class bounds for ``scheme="user"``.
    mode : {"window", "cumulative"}, default "window"
    offline : bool, default False
        Inline every script and stylesheet (no CDN).
    tiles : {"none", "osm", "carto", "carto-dark"}, default "osm"
    title : str, optional
    boundaries : geopandas.GeoDataFrame, optional
        District layer; default the installed one.
    population : pandas.DataFrame, optional
        ``province_code`` or ``district_id`` and ``population``, for ``per100k``.
    labels : bool, default True
        Province, town and (zoomed in) district names, placed without overlap.
    hotspots : bool, default False
        A layer outlining each period's Gi* hot and cold spots; emerging hot-spot
        categories in the area tooltips.

    Returns
    -------
    folium.Map
    """
    m, payload = _new_map(
        incidents,
        boundaries,
        offline=offline,
        tiles=tiles,
        population=population,
        labels=labels,
        hotspots=hotspots,
        choropleth=True,
        points=False,
        level=level,
        period=period,
        measure=measure,
        scheme=scheme,
        k=k,
        bins=bins,
        mode=mode,
        title=title,
    )
    IncidentLayers(payload).add_to(m)
    return m


def point_map(
    incidents: gpd.GeoDataFrame,
    *,
    period: str | None = "month",
    color_by: str = "category",
    size_by: str | None = "fatalities",
    mode: str = "window",
    offline: bool = False,
    tiles: str = "osm",
    title: str | None = None,
    boundaries: gpd.GeoDataFrame | None = None,
    labels: bool = True,
    max_points: int = MAX_POINTS,
) -> folium.Map:
    """One marker per placed incident, with a time slider.

    Markers are coloured by ``color_by`` and sized by ``size_by``; incidents
    located only to a district or province are drawn hollow and dashed;
    dense periods are clustered on a screen grid until zoomed in.

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        Geocoded incidents.
    period : str or None, default "month"
    color_by : str, default "category"
    size_by : str or None, default "fatalities"
    mode : {"window", "cumulative"}, default "window"
    offline : bool, default False
    tiles : str, default "osm"
    title : str, optional
    boundaries : geopandas.GeoDataFrame, optional
    labels : bool, default True
        Place names, as for :func:`choropleth_map`.
    max_points : int, default 100000
        With more placed incidents than this, circles count the incidents per grid
        cell and period instead (the cell doubles from 0.05 degrees until the circles
        fit), and the legend says so.

    Returns
    -------
    folium.Map
    """
    m, payload = _new_map(
        incidents,
        boundaries,
        offline=offline,
        tiles=tiles,
        labels=labels,
        choropleth=False,
        points=True,
        max_points=max_points,
        period=period,
        mode=mode,
        color_by=color_by,
        size_by=size_by,
        title=title,
    )
    IncidentLayers(payload).add_to(m)
    return m


def briefing_map(
    incidents: gpd.GeoDataFrame,
    *,
    title: str | None = None,
    caption: str | None = None,
    level: str = "district",
    period: str | None = "month",
    measure: str = "incidents",
    scheme: str = "quantiles",
    k: int = 5,
    bins: list[float] | None = None,
    mode: str = "window",
    color_by: str = "category",
    offline: bool = True,
    tiles: str = "none",
    boundaries: gpd.GeoDataFrame | None = None,
    population: pd.DataFrame | None = None,
    hotspots: bool = False,
    max_points: int = MAX_POINTS,
) -> folium.Map:
    """Build the briefing page: choropleth and points under one slider, legend, panels, credits.

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        Geocoded incidents.
    title : str, optional
        Page title.
    caption : str, optional
        Default: the date range and the counts (placed by point / by name / unplaced).
    level, period, measure, scheme, k, bins, mode, color_by
        As for :func:`choropleth_map` and :func:`point_map`.
    offline : bool, default True
        One self-contained file.
    tiles : str, default "none"
    boundaries : geopandas.GeoDataFrame, optional
    population : pandas.DataFrame, optional
        For ``measure="per100k"``.
    hotspots : bool, default False
        Add the Gi* hot and cold spot layer, as for :func:`choropleth_map`.
    max_points : int, default 100000
        Above it, the points are counted per grid cell, as for :func:`point_map`.

    Notes
    -----
    Besides the layers, the page has a timeline of the counts per period stacked by
    category (click or drag it to move the slider), a panel of the areas surging in the
    current period (outlined on the map), place names that read without a basemap, and
    a print stylesheet that fits map, legend, timeline and panels on one landscape page.

    Returns
    -------
    folium.Map
    """
    m, payload = _new_map(
        incidents,
        boundaries,
        offline=offline,
        tiles=tiles,
        population=population,
        timeline=True,
        surge=True,
        hotspots=hotspots,
        labels=True,
        choropleth=True,
        points=True,
        level=level,
        period=period,
        measure=measure,
        scheme=scheme,
        k=k,
        bins=bins,
        mode=mode,
        color_by=color_by,
        title=title,
        caption=caption or default_caption(incidents),
        top_areas=True,
        layer_names=True,
        max_points=max_points,
    )
    if title:
        m.get_root().title = html.escape(title)  # branca's <title> template does not escape
    IncidentLayers(payload).add_to(m)
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
        msg = f"{p}: a map is written as .html (use --png for .png, .svg or .pdf)"
        raise UsageError(msg)
    check_output(p, overwrite=overwrite)
    html_text = m.get_root().render()
    with atomic_write(p, overwrite=overwrite) as tmp:
        tmp.write_text(html_text, encoding="utf-8")
    return p
