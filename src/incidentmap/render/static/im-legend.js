/* incidentmap: the legend — the classes shown (the filters' own when a filter is on), the layers, the points. */
(function () {
  "use strict";
  var IM = window.IncidentMap, el = IM.el, fmt = IM.fmt;

  IM.prototype._initLegend = function () {
    var self = this;
    var ctl = L.control({ position: "bottomright" });
    ctl.onAdd = function () {
      self.legendBox = el("div", "im-control im-legend");
      L.DomEvent.disableScrollPropagation(self.legendBox);
      return self.legendBox;
    };
    ctl.addTo(this.map);
  };

  IM.prototype._drawLegend = function () {
    var box = this.legendBox, a = this.data.areas, p = this.data.points;
    if (!box) return;
    box.textContent = "";
    function row(swatch, text) {
      var r = el("div", "im-row"); r.appendChild(swatch); r.appendChild(el("span", null, text));
      box.appendChild(r);
    }
    if (a) {
      box.appendChild(el("h4", null, a.legendTitle + (this.mode === "cumulative" ? " (cumulative)" : "")));
      var nd = el("span", "im-swatch im-nodata"); row(nd, "unknown");
      var z = el("span", "im-swatch"); z.style.background = a.zeroColor; row(z, "0");
      var bins = this.binsNow(), colors = this.colorsNow(), lo = 0;
      var ints = bins.every(function (b) { return Math.abs(b - Math.round(b)) < 1e-9; }) && a.integer;
      for (var k = 0; k < bins.length; k++) {
        var s = el("span", "im-swatch"); s.style.background = colors[k];
        var from = ints ? lo + 1 : lo, to = bins[k], text;
        if (ints) text = from >= to ? fmt(to) : fmt(from) + " \u2013 " + fmt(to);
        else text = (k === 0 ? "> 0" : "> " + fmt(from)) + " \u2013 " + fmt(to);
        row(s, text);
        lo = bins[k];
      }
      if (this.data.surge) {
        var ro = el("span", "im-swatch im-surge-key"); row(ro, "surge (see the panel)");
      }
      if (this.data.hotspots) {
        var hk = el("span", "im-swatch im-hot-key"); row(hk, "hot spot (Gi*, p < 0.05)");
        var ck = el("span", "im-swatch im-cold-key"); row(ck, "cold spot (Gi*, p < 0.05)");
      }
    }
    var st = this.fStats, ev = this.events;  /* filtered: the counts of the rows kept */
    if (this.data.coarse) {
      var note = st ? fmt(st.coarse) + " placed only to a province: shown by province" : this.data.coarse.note;
      var cb = el("span", "im-swatch im-coarse-key", "n"); row(cb, note + " (boxed numbers)");
    }
    var areaOnly = p ? (st ? st.areaOnly : p.areaOnly) : 0;
    var undated = p ? (st && ev && ev.np ? st.undatedPoints : p.undated) : 0;
    if (p && p.n) {
      box.appendChild(el("h4", null, p.legendTitle));
      for (var c = 0; c < p.categories.length; c++) {
        var dot = el("span", "im-dot"); dot.style.background = p.catColors[c];
        row(dot, p.categories[c]);
      }
      if (areaOnly) { var ap = el("span", "im-dot im-approx"); row(ap, fmt(areaOnly) + " placed only to a district or province: " + (this.data.areas ? "counted in the areas, not drawn as points" : "not on this map (no point to draw; a map of areas counts them)")); }
      if (undated && this.nPeriods > 1) { box.appendChild(el("div", "im-undated", fmt(undated) + " not drawn by period: no date, or a date known only to a longer span than one period")); }
      if (p.n > (p.clusterOver || 400)) {
        var cl = el("span", "im-dot im-cluster-key", "n"); cl.style.background = p.clusterColor || "#3f007d";
        row(cl, "cluster of n incidents (click to zoom in)");
      }
      if (p.sizeNote) box.appendChild(el("div", null, p.sizeNote));
      if (p.grid) box.appendChild(el("div", "im-grid-note", p.grid.note));
    } else if (areaOnly) {
      box.appendChild(el("div", "im-undated", fmt(areaOnly) + " placed only to a district or province: " + (this.data.areas ? "counted in the areas" : "not on this map (no point to draw; a map of areas counts them)")));
    }
  };

  /* the legend never runs under the panels above it: on a short window it scrolls */
  IM.prototype._fitLegend = function () {
    var box = this.legendBox;
    if (!box || !box.parentNode) return;
    var above = this.map.getContainer().querySelector(".leaflet-top.leaflet-right");
    box.style.maxHeight = ""; box.style.overflowY = ""; box.style.boxSizing = "";
    if (window.matchMedia && window.matchMedia("(max-width: 600px)").matches) return;  /* print.css folds it */
    var b = box.getBoundingClientRect();
    var top = above ? above.getBoundingClientRect().bottom : this.map.getContainer().getBoundingClientRect().top;
    var room = Math.floor(b.bottom - top - 10);
    if (b.height > room) { box.style.boxSizing = "border-box"; box.style.maxHeight = Math.max(48, room) + "px"; box.style.overflowY = "auto"; }
  };

  IM.parts.push({
    init: function (m) { m.map.on("resize", function () { m._fitLegend(); }); },
    draw: function (m) { m._fitLegend(); }
  });

  void el; void fmt;
})();
