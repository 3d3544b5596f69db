"""The label layer: province, district and town names that read without a basemap.

On the page (``data.labels``) the script places the names at each zoom, in priority order,
none over another (``_placeLabels`` in ``incidentmap.js``): the capital first, then the
towns where the page's incidents happened (so that Mazar-i-Sharif, Herat, Kunduz or
Lashkar Gah keep their names: placed after the province names, they found the place taken
by "BALKH" or "HERAT" and were dropped), then the province names (nudged around them), the
other towns, and the districts when zoomed in.

On the image each panel names the provinces and, at district level, the towns, placed
greedily in the same order by the extent of their text as the renderer draws it: a
province's name is tried at its point, then above, below, left and right of it, a town's
right of its dot, then left of it; a name is left out where every position overlaps a
name or another layer's text already on the panel, or leaves the panel.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import shapely
from shapely.ops import polylabel

from incidentmap.display import area_labels
from incidentmap.render.layers.base import LayerContext, StaticContext
from incidentmap.render.series import AreaSeries

__all__ = [
    "EVENT_TOWN",
    "LAYER",
    "NEAR_DEGREES",
    "LabelLayer",
    "clear_of_towns",
    "event_towns",
    "place_labels",
]

#: a town is where an incident happened when the incident is placed this near (about 11 km)
NEAR_DEGREES = 0.1

#: the priority of a town where incidents happened: after the capital (-1), before the
#: province names (0)
EVENT_TOWN = -0.5

#: the positions a name is tried at, in font sizes: at its point, above, below, left, right
_SHIFTS = ((0.0, 0.0), (0.0, 0.9), (0.0, -0.9), (-0.6, 0.0), (0.6, 0.0))

#: a town's name: right of its dot, else left of it
_TOWN_SHIFTS = ((0.45, 0.0), (-0.45, 0.0))


def event_towns(items: list[list[Any]], lon: np.ndarray, lat: np.ndarray) -> list[list[Any]]:
    """Raise the priority of the towns near which incidents happened.

    Parameters
    ----------
    items : list of list
        Label items ``[lon, lat, name, rank]`` (rank 1: a town), an optional priority fifth.
    lon, lat : numpy.ndarray
        The incidents' points (NaN where a row has none).

    Returns
    -------
    list of list
        The items, each town with an incident within :data:`NEAR_DEGREES` (and no priority
        of its own) given :data:`EVENT_TOWN`.
    """
    ok = np.isfinite(lon) & np.isfinite(lat)
    x, y = lon[ok], lat[ok]
    out = []
    for it in items:
        if it[3] == 1 and len(it) == 4 and len(x):
            near = (np.abs(x - it[0]) <= NEAR_DEGREES) & (np.abs(y - it[1]) <= NEAR_DEGREES)
            if near.any():
                it = [*it, EVENT_TOWN]
        out.append(it)
    return out


#: screen pixels per degree of longitude at the page's opening zoom on a 1280 x 860 window
#: (Leaflet zoom 5.75): the size a name takes on the map when it first opens
_PX_PER_DEGREE = 256 * 2**5.75 / 360


def _name_box(lon: float, lat: float, name: str, rank: int) -> Any:
    """Return the box a name takes on the page at its opening zoom, in degrees.

    A province's name is centred on its point in 11 px capitals (about 8 px a letter); a
    town's begins at its dot, in 11 px letters (about 6.5 px each). Both are 16 px tall.
    """
    kx = 1 / _PX_PER_DEGREE
    ky = kx * math.cos(math.radians(lat))
    if rank == 1:
        return shapely.box(
            lon - 5 * kx, lat - 8 * ky, lon + (10 + 6.5 * len(name)) * kx, lat + 8 * ky
        )
    half = 4.2 * len(name) * kx
    return shapely.box(lon - half, lat - 8 * ky, lon + half, lat + 8 * ky)


def clear_of_towns(items: list[list[Any]], provinces: Any) -> list[list[Any]]:
    """Move a province's name off the towns named before it (the capital, event towns).

    Where a province's name, at the page's opening zoom, would cover such a town's name,
    its point moves to the visual centre of what is left of the province once every
    position that would cover one is taken out; it stays where nothing is left.

    Parameters
    ----------
    items : list of list
        Label items as :func:`event_towns` returns them.
    provinces : geopandas.GeoDataFrame
        The display provinces (``province`` and geometry).

    Returns
    -------
    list of list
        The items, province points moved where needed.
    """
    first = [it for it in items if it[3] == 1 and len(it) > 4 and it[4] < 0]
    towns = [_name_box(it[0], it[1], it[2], 1) for it in first]
    if not towns:
        return items
    shapes = dict(zip(provinces["province"].astype(str), provinces.geometry, strict=True))
    return [
        _off_towns(it, shapes[str(it[2])], towns) if it[3] == 0 and str(it[2]) in shapes else it
        for it in items
    ]


def _off_towns(item: list[Any], shape: Any, towns: list[Any]) -> list[Any]:
    """Return a province's label item, moved off the towns' names its own name would cover."""
    own = _name_box(item[0], item[1], str(item[2]), 0)
    hit = [t for t in towns if t.intersects(own)]
    if not hit:
        return item
    x0, y0, x1, y1 = own.bounds
    hx, hy = (x1 - x0) / 2, (y1 - y0) / 2
    # every centre from which the name would cover one of those towns' names
    taken = shapely.union_all(
        [shapely.box(a - hx, b - hy, c + hx, d + hy) for a, b, c, d in (t.bounds for t in hit)]
    )
    free = shape.difference(taken)
    if free.is_empty:
        return item
    parts = getattr(free, "geoms", [free])
    pt = polylabel(max(parts, key=lambda g: g.area), tolerance=0.01)
    return [round(pt.x, 3), round(pt.y, 3), *item[2:]]


def _points(incidents: Any) -> tuple[np.ndarray, np.ndarray]:
    """Return the incidents' longitudes and latitudes (NaN where a row has no point)."""
    geom = getattr(incidents, "geometry", None)
    if geom is None or len(incidents) == 0:
        return np.zeros(0), np.zeros(0)
    empty = geom.isna().to_numpy() | geom.is_empty.to_numpy()
    lon = np.full(len(incidents), np.nan)
    lat = np.full(len(incidents), np.nan)
    if (~empty).any():
        lon[~empty] = geom[~empty].x.to_numpy()
        lat[~empty] = geom[~empty].y.to_numpy()
    return lon, lat


def place_labels(ax: Any, items: list[tuple[float, float, str, int]], *, gid: str) -> list[Any]:
    """Place names on one panel without overlap, greedily, by their text's extent.

    A name overlaps neither the names placed before it nor the texts other layers wrote
    on the panel before it.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        The panel (its limits and aspect set: the names are measured as drawn).
    items : list of tuple
        ``(lon, lat, name, rank)`` in priority order; rank 0 is a province (centred,
        capitals), 1 a town (a dot, the name to its right, else to its left).
    gid : str
        The ``gid`` of every text placed (tests and SVG readers find the names by it).

    Returns
    -------
    list of matplotlib.text.Text
        The names placed (the others are not drawn).
    """
    ax.apply_aspect()
    renderer = ax.figure.canvas.get_renderer()
    frame = ax.get_window_extent(renderer)
    # what other layers wrote on the panel (the counts of rows placed only to a province)
    taken: list[Any] = [t.get_window_extent(renderer) for t in ax.texts if t.get_visible()]
    placed = []
    for lon, lat, name, rank in items:
        text, dot = _name(ax, lon, lat, name, rank == 1, gid)
        box = _free_place(text, rank == 1, frame, taken, renderer)
        if box is None:
            text.remove()
            if dot is not None:
                dot.remove()
            continue
        taken.append(box)
        placed.append(text)
    return placed


def _name(ax: Any, lon: float, lat: float, name: str, town: bool, gid: str) -> tuple[Any, Any]:
    """Draw one name (and a town's dot) at its point: a province's in capitals."""
    import matplotlib.patheffects as pe

    text = ax.text(
        lon,
        lat,
        name if town else name.upper(),
        fontsize=5.0 if town else 4.6,
        fontweight="bold",
        color="#222" if town else "#444",
        ha="left" if town else "center",
        va="center",
        gid=gid,
        path_effects=[pe.withStroke(linewidth=1.6, foreground="white")],
        zorder=6,
    )
    if not town:
        return text, None
    (dot,) = ax.plot([lon], [lat], "o", ms=1.8, color="#222", zorder=6, gid=gid + "-dot")
    return text, dot


def _free_place(text: Any, town: bool, frame: Any, taken: list[Any], renderer: Any) -> Any:
    """Return a name's extent at its first free position (None: no position is free).

    Free: inside the panel and clear of the names placed before it. A town's name is
    tried right of its dot, then left of it; an area's at :data:`_SHIFTS`.
    """
    from matplotlib.transforms import ScaledTranslation

    ax, size = text.axes, text.get_fontsize()
    for dx, dy in _TOWN_SHIFTS if town else _SHIFTS:
        if town:
            text.set_horizontalalignment("left" if dx > 0 else "right")
        shift = ScaledTranslation(dx * size / 72, dy * size / 72, ax.figure.dpi_scale_trans)
        text.set_transform(ax.transData + shift)
        box = text.get_window_extent(renderer).padded(1.0)
        if _inside(box, frame) and not any(box.overlaps(b) for b in taken):
            return box
    return None


def _inside(box: Any, frame: Any) -> bool:
    """Tell whether one extent lies wholly inside another."""
    return bool(
        frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 <= box.y1 <= frame.y1
    )


class LabelLayer:
    """Place names: on the page (``data.labels``) and on every panel of the image."""

    name = "labels"

    def title(self, series: AreaSeries) -> str | None:
        """Return the layer's name in the layer control."""
        return "Place names"

    def payload(self, ctx: LayerContext) -> dict[str, Any] | None:
        """Return the names with their anchor points and priorities.

        The towns where the page's incidents happened come before the province names
        (:func:`event_towns`).
        """
        if not ctx.style.labels:
            return None
        out = area_labels(ctx.boundaries, ctx.districts, ctx.provinces)
        lon, lat = _points(ctx.incidents)
        out["items"] = clear_of_towns(event_towns(out["items"], lon, lat), ctx.provinces)
        return out

    def draw(self, ax: Any, ctx: StaticContext) -> None:
        """Name the provinces and, at district level, the towns, none over another."""
        if not ctx.style.labels:
            return
        districts = ctx.boundaries.display_layers[0]
        provinces = ctx.boundaries.display_layers[1]
        items = area_labels(ctx.boundaries, districts.iloc[:0], provinces)["items"]
        wanted = [
            it for it in items if it[3] == 0 or (it[3] == 1 and ctx.series.level == "district")
        ]
        wanted.sort(key=lambda it: it[4] if len(it) > 4 else it[3])
        place_labels(ax, [(it[0], it[1], it[2], it[3]) for it in wanted], gid="im-label")


#: the layer's one instance
LAYER = LabelLayer()
