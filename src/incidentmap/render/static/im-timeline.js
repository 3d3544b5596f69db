/* incidentmap: the timeline under the slider — counts per period stacked by category, a
 * count axis, one label per year, click or drag to move the slider, shift-drag (or the
 * filter panel's dates) to choose a date range. Bars are redrawn when the filters change. */
(function () {
  "use strict";
  var IM = window.IncidentMap, el = IM.el, unpack = IM.unpack;
  var NS = "http://www.w3.org/2000/svg";
  function svgEl(tag, attrs) { var e = document.createElementNS(NS, tag); for (var k in attrs) e.setAttribute(k, attrs[k]); return e; }

  IM.prototype._initTimeline = function () {
    var tl = this.data.timeline, self = this;
    if (!tl || !this.nPeriods) return;
    var n = this.nPeriods, W = Math.max(560, Math.min(760, n * 6)), H = 64;
    this.tlGeom = { W: W, H: H, bw: W / n, n: n };
    this.tlBase = { counts: tl.counts.map(function (c) { return unpack(c); }), total: unpack(tl.total) };
    var ctl = L.control({ position: "bottomleft" });
    ctl.onAdd = function () {
      var box = el("div", "im-control im-timeline");
      var row = el("div", "im-tl-row");
      var axis = el("div", "im-tl-axis");
      axis.setAttribute("aria-hidden", "true");
      self.tlAxis = [el("span", "im-tl-max"), el("span", "im-tl-mid"), el("span", "im-tl-zero", "0")];
      self.tlAxis.forEach(function (s) { axis.appendChild(s); });
      var svg = svgEl("svg", { width: W, height: H + 14, viewBox: "0 0 " + W + " " + (H + 14), role: "img" });
      svg.setAttribute("aria-label", "incidents per period by category (click: go to a period; shift-drag: choose a date range)");
      self.tlBars = svgEl("g", {});
      svg.appendChild(self.tlBars);
      self.tlRange = svgEl("rect", { x: 0, y: 0, width: 0, height: H, fill: "#2a6fdb", "fill-opacity": 0.12, stroke: "#2a6fdb", "stroke-width": 1, visibility: "hidden" });
      svg.appendChild(self.tlRange);
      self.timelineMark = svgEl("rect", { x: 0, y: 0, width: Math.max(W / n, 2), height: H, fill: "none", stroke: "#111", "stroke-width": 1.5 });
      svg.appendChild(self.timelineMark);
      self._timelineYears(svg);
      var dragging = false, brushFrom = null;
      function at(ev) {
        var rect = svg.getBoundingClientRect();
        var x = (ev.touches ? ev.touches[0].clientX : ev.clientX) - rect.left;
        return Math.max(0, Math.min(n - 1, Math.floor(x / rect.width * n)));
      }
      svg.addEventListener("mousedown", function (ev) {
        ev.preventDefault();
        if (ev.shiftKey && self.setRange) { brushFrom = at(ev); self._showRange(brushFrom, brushFrom); return; }
        dragging = true; self.setPeriod(at(ev));
      });
      window.addEventListener("mousemove", function (ev) {
        if (brushFrom !== null) self._showRange(Math.min(brushFrom, at(ev)), Math.max(brushFrom, at(ev)));
        else if (dragging) self.setPeriod(at(ev));
      });
      window.addEventListener("mouseup", function (ev) {
        if (brushFrom !== null) { var t = at(ev); self.setRange(Math.min(brushFrom, t), Math.max(brushFrom, t)); brushFrom = null; }
        dragging = false;
      });
      svg.addEventListener("touchstart", function (ev) { self.setPeriod(at(ev)); }, { passive: true });
      svg.addEventListener("touchmove", function (ev) { self.setPeriod(at(ev)); }, { passive: true });
      row.appendChild(axis); row.appendChild(svg);
      box.appendChild(row);
      var key = el("div", "im-timeline-key");
      tl.categories.forEach(function (name, c) {
        var item = el("span", "im-key"); var dot = el("span", "im-dot"); dot.style.background = tl.colors[c];
        item.appendChild(dot); item.appendChild(el("span", null, name)); key.appendChild(item);
      });
      box.appendChild(key);
      self.timelineSvg = svg; self.timelineBarWidth = W / n;
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      return box;
    };
    ctl.addTo(this.map);
    this._drawTimelineBars(this.tlBase.counts, this.tlBase.total);
    this._fitCredit();
    setTimeout(function () { self._fitCredit(); }, 0);  /* once the credit holds its text */
    this.map.on("resize", function () { self._fitCredit(); });
  };

  /* the credit line (bottom right) wraps beside the timeline, never over it */
  IM.prototype._fitCredit = function () {
    var c = this.map.getContainer(), credit = c.querySelector(".leaflet-control-attribution");
    var tl = c.querySelector(".im-timeline");
    if (!credit || !tl) return;
    credit.style.maxWidth = "";
    if (window.matchMedia && window.matchMedia("(max-width: 600px)").matches) return;  /* print.css lays it out */
    var box = c.getBoundingClientRect(), right = tl.getBoundingClientRect().right - box.left;
    var room = Math.min(0.45 * window.innerWidth, box.width - right - 24);  /* a limit only */
    credit.style.maxWidth = Math.max(160, Math.floor(room)) + "px";
  };

  /* one label per year (every k-th year when there are many), at the first period of each */
  IM.prototype._timelineYears = function (svg) {
    var starts = this.data.periodStarts || [], g = this.tlGeom, years = [];
    for (var t = 0; t < starts.length; t++) {
      var y = starts[t].slice(0, 4);
      if (!years.length || years[years.length - 1][1] !== y) years.push([t, y]);
    }
    if (years.length <= 1) years = [[0, this.data.periods[0]]];
    var every = Math.ceil(years.length / 12), wide = 28, shown = [];  /* "2026" at 10 px */
    years.forEach(function (pair, k) {
      if (k % every && k !== years.length - 1) return;
      var x = pair[0] * g.bw, at = x + 1, anchor = "start";
      if (at + wide > g.W) { at = g.W; anchor = "end"; }  /* a last short year: its name ends at the edge */
      var left = anchor === "end" ? at - wide : at;
      /* never over the year before; the last year's name wins over the one before it */
      while (shown.length && left < shown[shown.length - 1].right + 4) {
        if (k !== years.length - 1) return;
        shown.pop();
      }
      shown.push({ x: x, at: at, anchor: anchor, text: pair[1], right: left + wide });
    });
    shown.forEach(function (s) {
      svg.appendChild(svgEl("line", { x1: s.x, x2: s.x, y1: g.H, y2: g.H + 3, stroke: "#666" }));
      var txt = svgEl("text", { x: s.at, y: g.H + 12, "font-size": 10, fill: "#444", "text-anchor": s.anchor });
      txt.textContent = s.text;
      svg.appendChild(txt);
    });
  };

  IM.prototype._showRange = function (from, to) {
    if (!this.tlRange) return;
    if (from === null || from === undefined) { this.tlRange.setAttribute("visibility", "hidden"); return; }
    var bw = this.tlGeom.bw;
    this.tlRange.setAttribute("x", (from * bw).toFixed(2));
    this.tlRange.setAttribute("width", ((to - from + 1) * bw).toFixed(2));
    this.tlRange.setAttribute("visibility", "visible");
  };

  /* the bars of the counts given (the filters' own, or the page's), with the count axis */
  IM.prototype._drawTimelineBars = function (counts, total) {
    var tl = this.data.timeline, g = this.tlGeom, self = this;
    if (!g || !this.tlBars) return;
    var max = 1;
    for (var t0 = 0; t0 < total.length; t0++) if (total[t0] > max) max = total[t0];
    this.tlBars.textContent = "";
    for (var t = 0; t < g.n; t++) {
      var y = g.H;
      for (var c = 0; c < counts.length; c++) {
        var v = counts[c][t];
        if (!v) continue;
        var h = v / max * (g.H - 4);
        var r = svgEl("rect", { x: (t * g.bw).toFixed(2), y: (y - h).toFixed(2), width: Math.max(g.bw - 0.6, 0.6).toFixed(2), height: h.toFixed(2), fill: tl.colors[c] });
        var tip = document.createElementNS(NS, "title");
        tip.textContent = self.data.periods[t] + ": " + tl.categories[c] + " " + IM.fmt(v);
        r.appendChild(tip);
        this.tlBars.appendChild(r);
        y -= h;
      }
    }
    this.tlAxis[0].textContent = IM.fmt(max);
    /* the middle label: a round count (1, 2, 2.5 or 5 x 10^k) at its own height, never "1,822.5" */
    var mid = 0;
    if (max >= 2) {
      for (var k = Math.pow(10, Math.floor(Math.log10(max))); k >= 1 && !mid; k /= 10) {
        [5, 2.5, 2, 1].forEach(function (f) { var v = f * k; if (!mid && v <= 0.75 * max && v % 1 === 0) mid = v; });
      }
    }
    this.tlAxis[1].textContent = mid ? IM.fmt(mid) : "";
    this.tlAxis[1].style.top = mid ? (59.5 - 60 * mid / max).toFixed(1) + "px" : "";  /* the bar top of mid, less half a line */
    this.tlMax = max;
  };
})();
