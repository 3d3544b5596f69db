/* incidentmap: on a district page, the incidents placed only to a province, counted by
 * province in boxes of their own (data.coarse): never hidden, named in legend and caption. */
(function () {
  "use strict";
  var IM = window.IncidentMap, el = IM.el, fmt = IM.fmt;
  IM.parts.push({
    init: function (m) {
      var c = m.data.coarse;
      if (!c) return;
      c.rows = c.values.map(function (row) { return IM.unpack(row); });
      m.map.createPane("im-coarse").style.zIndex = 445;
      m.coarseGroup = L.layerGroup().addTo(m.map);
      m.coarseMarkers = c.names.map(function (name, i) {
        var box = el("span", "im-coarse-n");
        var mk = L.marker([c.xy[i][1], c.xy[i][0]], { pane: "im-coarse", keyboard: false,
          icon: L.divIcon({ className: "im-coarse-box", html: box, iconSize: null }) });
        mk.bindTooltip(function () { return name + ": " + box.textContent + " placed only to the province (" + m.data.periods[m.t] + ")"; });
        return { marker: mk, box: box };
      });
      if (m.data.layerNames) m._overlay(m.coarseGroup, "Placed only to a province (counts)");
    },
    draw: function (m) {
      var c = m.data.coarse;
      if (!c || !m.coarseMarkers) return;
      var nP = m.nPeriods, shown = 0;
      m.coarseMarkers.forEach(function (it, i) {
        var v = 0;
        for (var t = m.mode === "cumulative" ? 0 : m.t; t <= m.t; t++) v += m.fCoarse ? m.fCoarse[i * nP + t] : (c.rows[i][t] > 0 ? c.rows[i][t] : 0);
        var on = v > 0;
        it.box.textContent = fmt(v);
        if (on && !m.coarseGroup.hasLayer(it.marker)) it.marker.addTo(m.coarseGroup);
        if (!on && m.coarseGroup.hasLayer(it.marker)) m.coarseGroup.removeLayer(it.marker);
        if (on) shown += v;
      });
      m.coarseShown = shown;
    }
  });
})();
