/* incidentmap: one time slider that drives every time-aware layer of a Leaflet map.
 *
 * Written for incidentmap (no dependencies but Leaflet). Every text that comes from the
 * input data is put in the page with textContent, never innerHTML, so it cannot run. */
(function () {
  "use strict";

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  /* numbers as a briefing writes them: 69,172; 3.50; unknown, never 0 */
  function fmt(v) {
    if (v === null || v === undefined || isNaN(v)) return "unknown";
    if (Math.abs(v - Math.round(v)) < 1e-9) return Math.round(v).toLocaleString("en-GB");
    var d = v < 10 ? 2 : 1;
    return v.toLocaleString("en-GB", { minimumFractionDigits: d, maximumFractionDigits: d });
  }

  /* geometry arrives as delta-encoded integers of 1e-4 degree; rebuild GeoJSON */
  function ring(d) {
    var out = new Array(d.length / 2), x = 0, y = 0;
    for (var i = 0, j = 0; i < d.length; i += 2, j++) { x += d[i]; y += d[i + 1]; out[j] = [x / 1e4, y / 1e4]; }
    return out;
  }
  function decode(g) {
    if (!g || !g.d) return g;
    switch (g.type) {
      case "Polygon": return { type: "Polygon", coordinates: g.d.map(ring) };
      case "MultiPolygon": return { type: "MultiPolygon", coordinates: g.d.map(function (p) { return p.map(ring); }) };
      case "LineString": return { type: "LineString", coordinates: ring(g.d) };
      case "MultiLineString": return { type: "MultiLineString", coordinates: g.d.map(ring) };
    }
    return g;
  }
  function decodeCollection(fc) {
    fc.features.forEach(function (f) { f.geometry = decode(f.geometry); });
    return fc;
  }

  /* integers packed as fixed-width base-36 strings (value + 1; 0 means none) */
  function unpack(p, n) {
    if (p === null || p === undefined) return null;
    if (Array.isArray(p)) return p;
    if (p.k !== undefined) { var c = new Array(p.n); for (var j = 0; j < p.n; j++) c[j] = p.k; return c; }
    var w = p.w, m = p.s.length / w, out = new Array(m);
    for (var i = 0; i < m; i++) out[i] = parseInt(p.s.substr(i * w, w), 36) - 1;
    return out;
  }

  /* each area's values summed up to each period; a column's sum (tallies and known given)
     is unknown while the area has incidents and none with a known value, as
     render.series.cumulate */
  function cumulate(values, tallies, known) {
    return values.map(function (row, r) {
      var s = 0, n = 0, k = 0, out = new Array(row.length);
      for (var i = 0; i < row.length; i++) {
        s += (row[i] === null ? 0 : row[i]);
        if (tallies) { n += tallies[r][i] || 0; k += known[r][i] || 0; }
        out[i] = tallies && n > 0 && k === 0 ? null : s;
      }
      return out;
    });
  }

  function IncidentMap(map, data) {
    this.map = map;
    this.data = data;
    this.t = data.start || 0;
    this.mode = data.mode || "window";
    this.playing = null;
    this.nPeriods = data.periods.length;
    this.areaLayers = [];
    this.areaColor = [];
    this.pointLayer = null;
    this.visible = 0;
    this._initAreas();
    this._initOutline();
    this._initPoints();
    this._initLabels();
    this._initHotspots();
    this._initControls();
    var self0 = this;
    IncidentMap.parts.forEach(function (part) { if (part.init) part.init(self0); });
    this.setPeriod(this.t);
    if (!this.keptView) this._fitCountry();
    var self = this;
    map.on("zoomend", function () { self._drawPoints(); });
    /* a popup opens below the title panel, never under it */
    map.on("popupopen", function (e) {
      var o = self.popupOptions();
      e.popup.options.autoPanPaddingTopLeft = o.autoPanPaddingTopLeft;
      if (e.popup._adjustPan) e.popup._adjustPan();
    });
    map.on("zoomend moveend", function () { self._placeLabels(); });
    this._prepareMarkers();
    /* printing: the page is resized to the sheet; keep the same centre and zoom, fill it */
    window.addEventListener("beforeprint", function () { map.invalidateSize({ pan: false }); self._placeLabels(); });
    window.addEventListener("afterprint", function () { map.invalidateSize({ pan: false }); self._placeLabels(); });
    map.getContainer().setAttribute("data-im-ready", "1");
    if (window.performance && !window.incidentmapReadyAt) window.incidentmapReadyAt = performance.now();
  }

  IncidentMap.prototype._initAreas = function () {
    var a = this.data.areas;
    if (!a) return;
    var self = this;
    this.map.createPane("im-areas").style.zIndex = 410;
    a.values = a.values.map(function (row) {
      var v = unpack(row);
      for (var i = 0; i < v.length; i++) if (v[i] === -1) v[i] = null;
      return v;
    });
    if (a.tallies) { a.tallies = a.tallies.map(function (row) { return unpack(row); }); a.known = a.known.map(function (row) { return unpack(row); }); }
    // cumulative values are computed here, once, from the per-period counts
    a.cum = cumulate(a.values, a.tallies, a.known);
    this.vals = a.values; this.cums = a.cum; this.tallies = a.tallies || null; this.known = a.known || null;
    /* restyling 400 areas: canvas beats SVG. The points are drawn by this same canvas, above
       the areas: a second canvas on top would take every mouse event, and no area would ever
       show its tooltip under the mouse (with the points layer on or off). */
    this.areaRenderer = L.canvas({ pane: "im-areas", padding: 0.1 });
    var layer = L.geoJSON(decodeCollection(a.geojson), {
      pane: "im-areas",
      renderer: this.areaRenderer,
      style: function () {
        return { color: a.lineColor || "#555", weight: a.lineWeight || 0.6, fillOpacity: 0.8,
                 fillColor: a.zeroColor };
      },
      onEachFeature: function (feature, lyr) {
        var i = feature.properties.i;
        self.areaLayers[i] = lyr;
        var tip = el("div");
        var name = el("strong", null, feature.properties.n);
        var sub = el("div", "im-tip-sub", feature.properties.p || "");
        var val = el("div", "im-tip-val");
        var hs = el("div", "im-tip-sub");
        tip.appendChild(name); tip.appendChild(sub); tip.appendChild(val); tip.appendChild(hs);
        lyr.bindTooltip(function () {
          var v = self.areaValue(i), part = self.knownText(i, v, " incidents; ");
          val.textContent = a.measure + ": " + fmt(v) + " (" + part +
            self.data.periods[self.t] + (self.mode === "cumulative" ? ", cumulative)" : ")");
          var h = self.data.hotspots;
          if (h) {
            var now = h.hot[self.t].indexOf(i) >= 0 ? "hot spot" : (h.cold[self.t].indexOf(i) >= 0 ? "cold spot" : "not a hot or cold spot");
            hs.textContent = "Gi*: " + now + " this period; over all periods: " + (h.emerging[i] || "no pattern");
          }
          return tip;
        }, { sticky: true });
        lyr.on("mouseover", function () { lyr.setStyle({ weight: 2.5 }); });
        lyr.on("click", function () { if (self.select) self.select("a", i); });
        lyr.on("mouseout", function () {
          var surging = (self.surgeOutlined || []).indexOf(i) >= 0;
          lyr.setStyle({ weight: surging ? 3 : (a.lineWeight || 0.6) });
        });
      }
    });
    layer.addTo(this.map);
    this.areaGroup = layer;
    if (this.data.layerNames) this._overlay(layer, this.data.layerNames.areas);
  };

  /* fit the country between the controls stacked at the top and bottom left */
  IncidentMap.prototype._fitCountry = function () {
    var layer = this.outlineLayer || (this.areaLayers.length ? L.featureGroup(this.areaLayers.filter(Boolean)) : null);
    var bounds = layer && layer.getBounds().isValid() ? layer.getBounds() : L.latLngBounds(this.data.bounds || [[29.3, 60.4], [38.6, 75.0]]);
    var c = this.map.getContainer();
    function stack(sel) {
      var h = 0;
      c.querySelectorAll(sel + " .leaflet-control").forEach(function (n) { h += n.offsetHeight + 10; });
      return h;
    }
    var top = stack(".leaflet-top.leaflet-left"), bottom = stack(".leaflet-bottom.leaflet-left");
    var room = c.clientHeight - top - bottom;
    if (room < c.clientHeight * 0.45) { top = Math.min(top, 20); bottom = Math.min(bottom, 20); }
    this.map.fitBounds(bounds, { paddingTopLeft: [10, top], paddingBottomRight: [10, bottom], animate: false });
    this._placeLabels();
  };

  IncidentMap.prototype._initOutline = function () {
    /* a province choropleth's outline is its areas' own shapes (not sent twice) */
    var a = this.data.areas;
    var o = this.data.outline || (a && a.level === "province" ? a.geojson : null);
    if (!o) return;
    this.map.createPane("im-outline").style.zIndex = 420;
    this.map.getPane("im-outline").style.pointerEvents = "none";
    this.outlineLayer = L.geoJSON(decodeCollection(o), { pane: "im-outline", interactive: false,
      style: { color: "#222", weight: 1.3, fill: false } }).addTo(this.map);
  };

  IncidentMap.prototype._initPoints = function () {
    var p = this.data.points;
    if (!p) return;
    this.map.createPane("im-points").style.zIndex = 450;  /* cluster boxes (DOM markers) */
    this.renderer = this.areaRenderer || L.canvas({ pane: "im-points", padding: 0.2 });
    this.pointLayer = L.layerGroup().addTo(this.map);
    var x = unpack(p.x), y = unpack(p.y);
    p.lon = x.map(function (v) { return p.x0 + v / 1e4; });
    p.lat = y.map(function (v) { return p.y0 + v / 1e4; });
    p.c = unpack(p.c); p.r = unpack(p.r); p.q = unpack(p.q); p.day = unpack(p.day);
    p.w = p.w ? unpack(p.w) : null;  /* counts per grid cell: too many incidents to draw */
    Object.keys(p.text).forEach(function (f) {
      p.text[f] = p.text[f] === "seq" ? null : unpack(p.text[f]);
    });
    Object.keys(p.numbers).forEach(function (f) {
      var v = unpack(p.numbers[f]);
      p.numbers[f] = v.map(function (z) { return z === -1 ? null : z; });
    });
    // each point's period: the last period start on or before its date
    var base = new Date(p.dayBase + "T00:00:00Z").getTime();
    var starts = this.data.periodStarts.map(function (s) {
      return Math.round((new Date(s + "T00:00:00Z").getTime() - base) / 86400000);
    });
    var byPeriod = [];
    for (var k = 0; k < this.nPeriods; k++) byPeriod.push([]);
    for (var i = 0; i < p.n; i++) {
      var d = p.day[i];
      if (d < 0 || this.data.allDates) { if (this.data.allDates && this.nPeriods) byPeriod[0].push(i); continue; }
      var lo = 0, hi = starts.length - 1, t = -1;
      while (lo <= hi) { var mid = (lo + hi) >> 1; if (starts[mid] <= d) { t = mid; lo = mid + 1; } else hi = mid - 1; }
      if (t >= 0 && (t < starts.length - 1 || d < starts[t] + this.data.lastSpan)) byPeriod[t].push(i);
    }
    p.dateText = function (i) {
      if (p.day[i] < 0) return null;
      return new Date(base + p.day[i] * 86400000).toISOString().slice(0, 10);  /* UTC: a calendar date */
    };
    this.byPeriod = byPeriod;
    if (this.data.layerNames && p.n) this._overlay(this.pointLayer, this.data.layerNames.points);  /* no empty layer to tick */
  };

  IncidentMap.prototype._overlay = function (layer, name) {
    if (!this.layerControl) {
      this.layerControl = L.control.layers(null, null, { collapsed: false, position: "topright" });
      this.layerControl.addTo(this.map);
    }
    // the layer control writes names as HTML: pass them escaped
    this.layerControl.addOverlay(layer, el("span", null, name).outerHTML);
  };

  IncidentMap.prototype.areaValue = function (i) {
    var a = this.data.areas;
    return (this.mode === "cumulative" ? this.cums : this.vals)[i][this.t];
  };

  IncidentMap.prototype.colorFor = function (v) {
    var a = this.data.areas;
    if (v === null || v === undefined || isNaN(v)) return a.nodataColor;
    if (v === 0) return a.zeroColor;
    var bins = this.binsNow(), colors = this.colorsNow();
    for (var k = 0; k < bins.length; k++) { if (v <= bins[k]) return colors[k]; }
    return colors[colors.length - 1];
  };

  /* the class bounds and colours shown: the filters' own when a filter is on */
  IncidentMap.prototype.binsNow = function () { return (this.fBins || this.data.areas.bins)[this.mode]; };
  IncidentMap.prototype.colorsNow = function () { return this.fColors || this.data.areas.colors; };

  IncidentMap.prototype._drawAreas = function () {
    if (!this.data.areas) return;
    for (var i = 0; i < this.areaLayers.length; i++) {
      var lyr = this.areaLayers[i];
      if (!lyr) continue;
      var c = this.colorFor(this.areaValue(i));
      if (this.areaColor[i] !== c) {
        this.areaColor[i] = c;
        lyr.setStyle({ fillColor: c });
      }
    }
  };

  IncidentMap.prototype._currentPoints = function () {
    if (!this.byPeriod) return [];
    var out = [];
    if (this.mode === "cumulative") {
      for (var k = 0; k <= this.t; k++) out = out.concat(this.byPeriod[k]);
    } else out = this.byPeriod[this.t];
    var keep = this.keep, np = this.events ? this.events.np : 0;
    if (!keep || !np) return out;
    return out.filter(function (i) { return i >= np || keep[i]; });
  };

  IncidentMap.prototype._popup = function (i) {
    var p = this.data.points;
    var box = el("div", "im-popup");
    var dl = el("dl");
    for (var k = 0; k < p.popupFields.length; k++) {
      var f = p.popupFields[k], v = null;
      if (f === "Date" || f === "Period from") v = p.dateText(i);
      else if (p.numbers[f]) v = p.numbers[f][i];
      else if (p.tables[f]) v = p.text[f] === null ? p.tables[f][i] : (p.text[f][i] >= 0 ? p.tables[f][p.text[f][i]] : null);
      if ((v === null || v === undefined) && f === "Fatalities") v = "unknown";  /* said, as an area row's */
      if (v === null || v === undefined || v === "") continue;
      dl.appendChild(el("dt", null, p.popupFields[k]));
      dl.appendChild(el("dd", null, v));
    }
    box.appendChild(dl);
    return box;
  };

  /* make the markers of every period in idle time, so that stepping only adds and removes */
  IncidentMap.prototype._prepareMarkers = function () {
    var p = this.data.points, self = this, next = 0;
    if (!p || !p.n) return;
    var cache = this.markerCache || (this.markerCache = {});
    var idle = window.requestIdleCallback || function (f) { return setTimeout(function () {
      f({ timeRemaining: function () { return 8; } }); }, 30); };
    function work(deadline) {
      while (next < p.n && deadline.timeRemaining() > 2) {
        var end = Math.min(p.n, next + 200);
        for (; next < end; next++) if (!cache[next]) cache[next] = self._marker(next);
      }
      if (next < p.n) idle(work);
    }
    idle(work);
  };

  IncidentMap.prototype._marker = function (i) {
    var p = this.data.points, self = this;
    var approx = p.q[i] > 0, col = p.catColors[p.c[i]];
    if (p.w) {  /* a grid cell's count: a circle sized by it, its count on hover */
      var g = L.circleMarker([p.lat[i], p.lon[i]], {
        renderer: this.renderer, radius: p.r[i], color: "#222", weight: 0.8,
        fillColor: col, fillOpacity: 0.7
      });
      g.bindTooltip(fmt(p.w[i]) + (p.w[i] === 1 ? " incident" : " incidents"));
      g.bindPopup(function () { return self._popup(i); }, this.popupOptions());
      return g;
    }
    var m = L.circleMarker([p.lat[i], p.lon[i]], {
      renderer: this.renderer, radius: p.r[i], color: approx ? col : "#222",
      weight: approx ? 2 : 0.8, dashArray: approx ? "3 3" : null,
      fillColor: col, fillOpacity: approx ? 0.15 : 0.85
    });
    m.bindPopup(function () { return self._popup(i); }, this.popupOptions());
    m.on("click", function () { if (self.select) self.select("p", i); });
    return m;
  };

  /* popups open below the title panel, never under it */
  IncidentMap.prototype.popupOptions = function () {
    var c = this.map.getContainer(), head = c.querySelector(".im-header"), top = 10;
    if (head) top = head.getBoundingClientRect().bottom - c.getBoundingClientRect().top + 12;
    return { maxWidth: 340, autoPanPaddingTopLeft: L.point(10, Math.max(10, top)), autoPanPaddingBottomRight: L.point(10, 10) };
  };

  IncidentMap.prototype._drawPoints = function () {
    if (!this.pointLayer) return;
    var p = this.data.points, self = this, map = this.map;
    this.pointLayer.clearLayers();
    var idx = this._currentPoints();
    this.visible = idx.length;
    if (p.w) { var tot = 0; for (var v = 0; v < idx.length; v++) tot += p.w[idx[v]]; this.visible = tot; }
    var cluster = idx.length > (p.clusterOver || 400) && map.getZoom() < (p.clusterUntilZoom || 11);
    this.clustered = cluster;
    if (!cluster) {
      // markers are made once per incident and reused: stepping makes no garbage
      var cache = this.markerCache || (this.markerCache = {});
      for (var n = 0; n < idx.length; n++) {
        var i = idx[n], m = cache[i];
        if (!m) m = cache[i] = this._marker(i);
        m.addTo(this.pointLayer);
      }
      return;
    }
    // dense: group by a 40-pixel grid on screen, one circle with the count per cell
    var cells = {}, size = 40;
    var zoom = map.getZoom();
    for (var j = 0; j < idx.length; j++) {
      var lat = p.lat[idx[j]], lon = p.lon[idx[j]];
      var pt = map.project([lat, lon], zoom);
      var key = Math.floor(pt.x / size) + ":" + Math.floor(pt.y / size);
      var c = cells[key] || (cells[key] = { n: 0, lat: 0, lon: 0 });
      var wt = p.w ? p.w[idx[j]] : 1;
      c.n += wt; c.lat += lat * wt; c.lon += lon * wt;
    }
    var color = p.clusterColor || "#3f007d";
    Object.keys(cells).forEach(function (key) {
      var c = cells[key], ll = [c.lat / c.n, c.lon / c.n];
      var d = Math.round(22 + 14 * Math.log10(Math.max(c.n, 1)));  /* 22 px for 1, 64 for 1,000: no circle hides a province */
      var label = el("span", "im-cluster", fmt(c.n));  /* 1,234; a weighted 2.5, never 0.30000000000000004 */
      label.style.width = d + "px"; label.style.height = d + "px"; label.style.lineHeight = d + "px";
      label.style.background = color;
      var m = L.marker(ll, { pane: "im-points", keyboard: false, icon: L.divIcon({ className: "im-cluster-box", html: label, iconSize: [d, d] }) });
      m.bindTooltip(fmt(c.n) + (c.n === 1 ? " incident" : " incidents") + " (click to zoom in)");
      m.on("click", function () { map.setView(ll, Math.min(map.getZoom() + 2, 12)); });
      m.addTo(self.pointLayer);
    });
  };

  /* in files of their own: the timeline (im-timeline.js), names (im-labels.js), the surge and
     hot-spot layers and "known for k of n" (im-panels.js), the legend (im-legend.js) */

  /* a caption, then what the run's filters left out though it may belong (always said) */
  IncidentMap.prototype.captionText = function (text) {
    var out = this.data.leftOut;
    return out ? (text ? text + " " : "") + out : text;
  };

  IncidentMap.prototype._initControls = function () {
    var self = this, data = this.data, caption = this.captionText(data.caption);
    if (data.title || caption) {
      var head = L.control({ position: "topleft" });
      head.onAdd = function () {
        var box = el("div", "im-control im-header");
        if (data.title) box.appendChild(el("div", "im-title", data.title));
        if (caption) { self.captionEl = el("div", "im-caption", caption); box.appendChild(self.captionEl); }
        return box;
      };
      head.addTo(this.map);
    }
    this._initTimeline();  /* bottom corners stack upwards: added first, it sits under the slider */
    if (this.nPeriods > 0) this._initSlider();
    this._initLegend();
    if (data.surge && data.areas) {
      var rp = L.control({ position: "topright" });
      rp.onAdd = function () {
        var box = el("div", "im-control im-panel im-surge");
        self.surgeTitle = el("h4"); self.surgeList = el("ol");
        box.appendChild(self.surgeTitle); box.appendChild(self.surgeList);
        box.appendChild(el("div", "im-rule", data.surge.rule));
        return box;
      };
      rp.addTo(this.map);
    }
    if (data.topAreas && data.areas) {
      var panel = L.control({ position: "topright" });
      panel.onAdd = function () {
        var box = el("div", "im-control im-panel im-top");
        self.topTitle = el("h4");
        self.topList = el("ol");
        box.appendChild(self.topTitle); box.appendChild(self.topList);
        return box;
      };
      panel.addTo(this.map);
    }
    if (data.attribution) {
      this.map.attributionControl.addAttribution(
        data.attribution.map(function (s) {
          var span = el("span", null, s); return span.outerHTML;
        }).join(" | "));
    }
    document.addEventListener("keydown", function (ev) {
      var tag = (ev.target && ev.target.tagName) || "";
      var type = tag === "INPUT" ? ev.target.type : "";
      // the range input moves itself with the arrows; text fields keep their keys
      if (tag === "INPUT" && type !== "checkbox" && type !== "radio" && type !== "button") return;
      if (tag === "SELECT" || tag === "TEXTAREA" || ev.target.isContentEditable) return;
      if (ev.key === "ArrowRight") { self.step(1); ev.preventDefault(); }
      else if (ev.key === "ArrowLeft") { self.step(-1); ev.preventDefault(); }
      else if (ev.key === " " && tag !== "BUTTON") { self.togglePlay(); ev.preventDefault(); }
    });
  };

  IncidentMap.prototype._initSlider = function () {
    var self = this;
    var ctl = L.control({ position: "bottomleft" });
    ctl.onAdd = function () {
      var box = el("div", "im-control im-slider");
      box.setAttribute("role", "group");
      box.setAttribute("aria-label", "time slider");
      var prev = el("button", null, "\u25C0"); prev.title = "previous period (\u2190)";
      self.playBtn = el("button", null, "\u25B6"); self.playBtn.title = "play / pause (space)";
      var next = el("button", null, "\u25B6\u2758"); next.title = "next period (\u2192)";
      next.textContent = "\u25B6|"; prev.textContent = "|\u25C0";
      self.range = el("input");
      self.range.type = "range"; self.range.min = 0; self.range.max = self.nPeriods - 1;
      self.range.step = 1; self.range.value = self.t;
      self.range.setAttribute("aria-label", "period");
      self.label = el("span", "im-label");
      self.label.setAttribute("aria-live", "polite");
      var mode = el("select");
      [["window", "this period"], ["cumulative", "cumulative"]].forEach(function (o) {
        var opt = el("option", null, o[1]); opt.value = o[0]; mode.appendChild(opt);
      });
      mode.value = self.mode;
      self.modeSelect = mode;
      prev.addEventListener("click", function () { self.step(-1); });
      next.addEventListener("click", function () { self.step(1); });
      self.playBtn.addEventListener("click", function () { self.togglePlay(); });
      self.range.addEventListener("input", function () { self.setPeriod(+self.range.value); });
      mode.addEventListener("change", function () { self.setMode(mode.value); });
      [prev, self.playBtn, next, self.range, self.label, mode].forEach(function (n) { box.appendChild(n); });
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      return box;
    };
    ctl.addTo(this.map);
  };

  /* a period as the reader sees it: the last one says when the data end inside it */
  IncidentMap.prototype.periodText = function (t) {
    var text = this.data.periods[t];
    if (this.data.partialStart && t === 0) text += " (partial: data from " + this.data.partialStart + ")";
    if (this.data.partial && t === this.data.periods.length - 1) text += " (partial: data to " + this.data.partial + ")";
    return text;
  };

  IncidentMap.prototype._drawPanel = function () {
    if (!this.topList) return;
    var a = this.data.areas, vals = [];
    for (var i = 0; i < a.values.length; i++) {
      var v = this.areaValue(i);
      if (v) vals.push([v, a.names[i], i]);
    }
    vals.sort(function (x, y) { return y[0] - x[0]; });
    this.topTitle.textContent = "Top " + a.levelName + "s, " + this.data.periods[this.t] +
      (this.mode === "cumulative" ? " (cumulative)" : "");
    this.topList.textContent = "";
    if (!vals.length) this.topList.appendChild(el("li", null, "none"));
    for (var k = 0; k < Math.min(5, vals.length); k++) {
      var known = this.knownText(vals[k][2], vals[k][0], "");
      this.topList.appendChild(el("li", null, vals[k][1] + ": " + fmt(vals[k][0]) + (known ? " (" + known + ")" : "")));
    }
  };

  IncidentMap.prototype.setPeriod = function (t) {
    if (this.nPeriods === 0) { this._drawPoints(); this._drawLegend(); this._drawParts(); return; }
    this.t = Math.max(0, Math.min(this.nPeriods - 1, t | 0));
    if (this.range) this.range.value = this.t;
    if (this.label) this.label.textContent = this.periodText(this.t);
    this._drawAreas();
    this._drawSurge();
    this._drawHotspots();
    this._drawPoints();
    this._drawPanel();
    if (this.timelineMark) this.timelineMark.setAttribute("x", (this.t * this.timelineBarWidth).toFixed(2));
    if (!this.legendDrawn) { this._drawLegend(); this.legendDrawn = true; }
    this._drawParts();
  };

  /* the parts of other files (filters, event list, view), then the view event */
  IncidentMap.prototype._drawParts = function () {
    var self = this;
    IncidentMap.parts.forEach(function (part) { if (part.draw) part.draw(self); });
    var detail = this.viewSummary ? this.viewSummary() : { period: this.data.periods[this.t] };
    var ev;
    try { ev = new CustomEvent("incidentmap:view", { detail: detail }); }
    catch (e) { ev = document.createEvent("CustomEvent"); ev.initCustomEvent("incidentmap:view", false, false, detail); }
    this.map.getContainer().dispatchEvent(ev);
  };

  IncidentMap.prototype.step = function (d) {
    var t = this.t + d;
    if (t < 0 || t >= this.nPeriods) return;
    this.setPeriod(t);
  };

  IncidentMap.prototype.setMode = function (m) {
    this.mode = m === "cumulative" ? "cumulative" : "window";
    if (this.modeSelect) this.modeSelect.value = this.mode;
    this.areaColor = [];
    this._drawLegend();
    this.setPeriod(this.t);
  };

  IncidentMap.prototype.togglePlay = function () {
    var self = this;
    if (this.playing) {
      clearInterval(this.playing); this.playing = null;
      if (this.playBtn) this.playBtn.textContent = "\u25B6";
      return;
    }
    if (this.t >= this.nPeriods - 1) this.setPeriod(0);
    if (this.playBtn) this.playBtn.textContent = "\u23F8";
    this.playing = setInterval(function () {
      if (self.t >= self.nPeriods - 1) { self.togglePlay(); return; }
      self.step(1);
    }, this.data.interval || 700);
  };

  /* for tests and scripts: the state a reader sees */
  IncidentMap.prototype.state = function () {
    var fills = {}, self = this;
    if (this.data.areas) {
      for (var i = 0; i < this.areaLayers.length; i++) {
        if (this.areaLayers[i]) fills[this.data.areas.names[i]] = this.areaColor[i];
      }
    }
    return { period: this.t, label: this.data.periods[this.t], mode: this.mode,
             visiblePoints: this.visible, clustered: !!this.clustered,
             markers: this.pointLayer ? this.pointLayer.getLayers().length : 0, fills: fills,
             playing: !!this.playing, labelsShown: this.labelsShown || 0,
             surge: (this.surgeOutlined || []).map(function (i) { return self.data.areas.names[i]; }),
             timelineX: this.timelineMark ? +this.timelineMark.getAttribute("x") : null,
             hot: this.hotShown ? this.hotShown.hot : null, cold: this.hotShown ? this.hotShown.cold : null };
  };

  IncidentMap.parts = [];
  IncidentMap.el = el; IncidentMap.fmt = fmt; IncidentMap.unpack = unpack; IncidentMap.cumulate = cumulate;
  window.IncidentMap = IncidentMap;
  window.incidentmapInstances = window.incidentmapInstances || [];
})();
