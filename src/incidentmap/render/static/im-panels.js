/* incidentmap: the surge panel and outlines, and the Gi* hot and cold spots of the current period. */
(function () {
  "use strict";
  var IM = window.IncidentMap, el = IM.el, fmt = IM.fmt;

  /* Gi* hot and cold spots of the current period, outlined in a layer of their own */
  IM.prototype._initHotspots = function () {
    var h = this.data.hotspots, self = this;
    if (!h || !this.data.areas) return;
    this.map.createPane("im-hot").style.zIndex = 425;
    this.map.getPane("im-hot").style.pointerEvents = "none";
    this.hotGroup = L.layerGroup().addTo(this.map);
    if (this.data.layerNames) this._overlay(this.hotGroup, this.data.layerNames.hotspots || "Hot and cold spots (Gi*)");
    this.map.on("overlayadd overlayremove", function () { self._drawHotspots(); });
  };

  IM.prototype._drawHotspots = function () {
    var h = this.data.hotspots, self = this;
    if (!this.hotGroup) return;
    this.hotGroup.clearLayers();
    this.hotShown = { hot: [], cold: [] };
    if (!this.map.hasLayer(this.hotGroup)) return;
    [["hot", "#111111", null], ["cold", "#2166ac", "4 3"]].forEach(function (kind) {
      (h[kind[0]][self.t] || []).forEach(function (i) {
        var lyr = self.areaLayers[i];
        if (!lyr) return;
        L.polygon(lyr.getLatLngs(), { pane: "im-hot", interactive: false, fill: false, color: kind[1], weight: 3.5, dashArray: kind[2] }).addTo(self.hotGroup);
        self.hotShown[kind[0]].push(self.data.areas.names[i]);
      });
    });
  };

  /* surging areas: the surge rule on the slider's periods; outlined on the map and listed */
  IM.prototype._drawSurge = function () {
    var r = this.data.surge, a = this.data.areas;
    if (!r || !a) return;
    var now = this.mode === "cumulative" ? [] : ((this.fSurge || r.byPeriod)[this.t] || []);
    var show = !this.surgeOff;
    var self = this;
    (this.surgeOutlined || []).forEach(function (i) {
      if (self.areaLayers[i]) self.areaLayers[i].setStyle({ color: a.lineColor || "#555", weight: a.lineWeight || 0.6, dashArray: null });
    });
    this.surgeOutlined = [];
    if (show) now.forEach(function (row) {
      var lyr = self.areaLayers[row[0]];
      if (lyr) { lyr.setStyle({ color: "#c1121f", weight: 3, dashArray: "6 3" }); lyr.bringToFront(); self.surgeOutlined.push(row[0]); }
    });
    /* the points share the areas' canvas: keep them above the outlined areas */
    if (this.surgeOutlined.length && this.pointLayer) this.pointLayer.eachLayer(function (l) { if (l.bringToFront) l.bringToFront(); });
    if (this.surgeList) {
      this.surgeTitle.textContent = "Surge, " + this.data.periods[this.t];
      this.surgeList.textContent = "";
      if (this.mode === "cumulative") this.surgeList.appendChild(el("li", "im-muted", "(shown per period, not cumulative)"));
      else if (this.t < 4) this.surgeList.appendChild(el("li", "im-muted", "not enough history (the rule needs the 4 periods before)"));
      else if (this.data.partial && this.t === this.data.periods.length - 1) this.surgeList.appendChild(el("li", "im-muted", "not compared: the data end inside this period (" + this.data.partial + ")"));
      else if (this.data.partialStart && this.t === 4) this.surgeList.appendChild(el("li", "im-muted", "not compared: the 4 periods before begin with one the data begin inside (" + this.data.partialStart + ")"));
      else if (!now.length) this.surgeList.appendChild(el("li", "im-muted", "none"));
      now.slice().sort(function (x, y) { return y[1] - x[1]; }).slice(0, 5).forEach(function (row) {
        self.surgeList.appendChild(el("li", null, a.names[row[0]] + ": " + row[1] + " (mean before " + fmt(row[2]) + ")"));
      });
      if (now.length > 5) this.surgeList.appendChild(el("li", "im-muted", "and " + (now.length - 5) + " more (outlined)"));
    }
  };

  /* a column's sum known for some of the area's incidents only: "known for 1 of 2" + tail */
  IM.prototype.knownText = function (i, v, tail) {
    if (!this.tallies || v === null || v === undefined || isNaN(v)) return "";
    var n = 0, k = 0, from = this.mode === "cumulative" ? 0 : this.t;
    for (var t = from; t <= this.t; t++) { n += this.tallies[i][t] || 0; k += this.known[i][t] || 0; }
    return k > 0 && k < n ? "known for " + fmt(k) + " of " + fmt(n) + tail : "";
  };

  /* the open panels of the top-left column (events, filters) end above the slider and the
     timeline: the tallest is cut first, each scrolls; none is ever covered, none covers */
  IM.prototype._fitPanels = function () {
    var c = this.map.getContainer(), boxes = [];
    c.querySelectorAll(".leaflet-top.leaflet-left details.im-panel").forEach(function (d) { boxes.push(d); });
    boxes.forEach(function (d) { d.style.maxHeight = ""; d.style.overflowY = ""; d.style.boxSizing = ""; });
    if (!boxes.length || (window.matchMedia && window.matchMedia("(max-width: 600px)").matches)) return;  /* print.css folds them */
    var floor = c.getBoundingClientRect().bottom;
    c.querySelectorAll(".leaflet-bottom.leaflet-left .leaflet-control").forEach(function (n) {
      var r = n.getBoundingClientRect();
      if (r.height) floor = Math.min(floor, r.top);
    });
    var column = c.querySelectorAll(".leaflet-top.leaflet-left .leaflet-control");
    var over = column[column.length - 1].getBoundingClientRect().bottom - (floor - 8);
    var open = boxes.filter(function (d) { return d.open; }).map(function (d) { return [d, d.getBoundingClientRect().height]; });
    if (over <= 0 || !open.length) return;
    open.sort(function (x, y) { return y[1] - x[1]; });
    var level = 0, sum = 0;  /* the height that takes ``over`` off the tallest panels */
    for (var k = 0; k < open.length; k++) {
      sum += open[k][1];
      level = (sum - over) / (k + 1);
      if (k === open.length - 1 || level >= open[k + 1][1]) break;
    }
    level = Math.max(96, Math.floor(level));
    open.forEach(function (o) {
      if (o[1] <= level) return;
      o[0].style.boxSizing = "border-box"; o[0].style.maxHeight = level + "px"; o[0].style.overflowY = "auto";
    });
  };

  IM.parts.push({
    init: function (m) {
      var c = m.map.getContainer();
      /* a panel opened or closed (toggle does not bubble: caught on its way down) */
      c.addEventListener("toggle", function () { m._fitPanels(); }, true);
      m.map.on("resize", function () { m._fitPanels(); });
    },
    draw: function (m) { m._fitPanels(); }
  });

  void el; void fmt;
})();
