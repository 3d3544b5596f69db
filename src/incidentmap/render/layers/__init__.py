"""The map's layers: one protocol that the page and the static image both draw.

Each layer is one module here holding one object that follows :class:`MapLayer`:

- ``name``: its key in the page's data, the part ``render/static/incidentmap.js`` reads;
- ``payload(ctx)``: that part, encoded with :mod:`incidentmap.render.encode` from a
  :class:`LayerContext` (the incidents, the boundaries, the style, the :class:`PageParts`
  and the area series), or None when the page does not hold the layer;
- ``draw(ax, ctx)``: its drawing on one panel of the static image from a
  :class:`StaticContext` (a no-op for a layer the image does not show);
- ``title(series)``: its name in the page's layer control, or None.

:data:`LAYERS` is the order of the page's data and of the drawing on the image (areas,
then the borders above them); :func:`incidentmap.render.data.build_payload` and
:func:`incidentmap.render.static_map` iterate it. :data:`NAMED` is the order of the
layer control's names (``layerNames``).

A new layer (a heat map, say) is: one module here (its ``payload``, ``draw`` and
``title``; a switch in :class:`~incidentmap.render.style.PageParts` or
:class:`~incidentmap.render.style.MapStyle` if it is optional), its place in
:data:`LAYERS` (and in :data:`NAMED` if the control names it), and its drawing function
in ``incidentmap.js`` reading ``this.data.<name>``, with a browser test in
``tests/test_browser*.py``.
"""

from __future__ import annotations

from incidentmap.render.layers import (
    areas,
    coarse,
    events,
    hotspots,
    labels,
    outline,
    points,
    search,
    surge,
    timeline,
)
from incidentmap.render.layers.base import LayerContext, MapLayer, StaticContext

__all__ = ["LAYERS", "NAMED", "LayerContext", "MapLayer", "StaticContext"]

#: the page's layers in the order of its data; the image draws them in this order too
LAYERS: tuple[MapLayer, ...] = (
    areas.LAYER,
    outline.LAYER,
    surge.LAYER,
    hotspots.LAYER,
    coarse.LAYER,
    points.LAYER,
    timeline.LAYER,
    events.LAYER,
    labels.LAYER,
    search.LAYER,
)

#: the layers the page's layer control names, in its order
NAMED: tuple[MapLayer, ...] = (
    areas.LAYER,
    points.LAYER,
    labels.LAYER,
    surge.LAYER,
    hotspots.LAYER,
    coarse.LAYER,
)
