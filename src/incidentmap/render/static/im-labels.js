/* incidentmap: place names — provinces, towns, then districts when zoomed in; none overlaps another. */
(function () {
  "use strict";
  var IM = window.IncidentMap, el = IM.el, fmt = IM.fmt;

  /* place names: provinces, towns, then districts when zoomed in; none may overlap another */
  IM.prototype._initLabels = function () {
    var lb = this.data.labels;
    if (!lb) return;
    this.map.createPane("im-labels").style.zIndex = 440;
    this.map.getPane("im-labels").style.pointerEvents = "none";
    var group = L.layerGroup();
    this.labelItems = lb.items.map(function (it) {
      var kind = ["province", "town", "district"][it[3]];
      var node = el("span", "im-name im-name-" + kind, it[2]);
      var marker = L.marker([it[1], it[0]], {
        pane: "im-labels", interactive: false, keyboard: false,
        icon: L.divIcon({ className: "im-name-box", html: node, iconSize: null })
      });
      marker.addTo(group);
      return { marker: marker, node: node, rank: it[3], prio: it.length > 4 ? it[4] : it[3], lat: it[1], lon: it[0], w: 0, h: 0 };
    });
    this.labelItems.sort(function (a, b) { return a.prio - b.prio; });  /* stable: input order within */
    this.labelGroup = group;
    group.addTo(this.map);
    var self = this;
    this.map.on("overlayadd overlayremove", function () { self._placeLabels(); });
    if (this.data.layerNames) this._overlay(group, this.data.layerNames.labels);
    this._placeLabels();
  };

  IM.prototype._placeLabels = function () {
    if (!this.labelItems || !this.map.hasLayer(this.labelGroup)) return;
    var map = this.map, zoom = map.getZoom(), size = map.getSize(), placed = [], shown = 0;
    var districtZoom = this.data.labels.districtZoom || 8;
    for (var i = 0; i < this.labelItems.length; i++) {
      var it = this.labelItems[i], node = it.node;
      var want = it.rank < 2 || zoom >= districtZoom;
      if (want) {
        if (!it.w) { node.style.display = ""; it.w = node.offsetWidth || it.w; it.h = node.offsetHeight || it.h; }
        var p = map.latLngToContainerPoint([it.lat, it.lon]);
        /* towns: the dot on the place, the name to its right; areas: centred, else nudged
           up or down by most of a line when the centre is taken */
        /* a town's name right of its dot, else left of it; a province's around its centre */
        var shifts = it.rank === 1 ? [[0, 0], [8 - it.w, 0]] : [[0, 0], [0, -0.8 * it.h], [0, 0.8 * it.h], [-0.3 * it.w, 0], [0.3 * it.w, 0]];
        var found = null;
        for (var s = 0; s < shifts.length && !found; s++) {
          var x0 = (it.rank === 1 ? p.x - 4 : p.x - it.w / 2) + shifts[s][0], y0 = p.y - it.h / 2 + shifts[s][1];
          var box = [x0 - 2, y0 - 1, x0 + it.w + 2, y0 + it.h + 1];
          if (box[2] < 0 || box[0] > size.x || box[3] < 0 || box[1] > size.y) continue;
          var free = true;
          for (var k = 0; free && k < placed.length; k++) {
            var q = placed[k];
            if (box[0] < q[2] && box[2] > q[0] && box[1] < q[3] && box[3] > q[1]) free = false;
          }
          if (free) found = [box, shifts[s]];
        }
        want = !!found;
        if (want) {
          placed.push(found[0]);
          var left = it.rank === 1 && found[1][0] !== 0;
          node.classList.toggle("im-name-left", left);
          node.style.transform = it.rank === 1 ? (left ? "translate(calc(4px - 100%), -50%)" : "translate(-4px, -50%)") :
            "translate(calc(-50% + " + found[1][0].toFixed(1) + "px), calc(-50% + " + found[1][1].toFixed(1) + "px))";
        }
      }
      node.style.display = want ? "" : "none";
      if (want) shown++;
    }
    this.labelsShown = shown;
  };

  void el; void fmt;
})();
