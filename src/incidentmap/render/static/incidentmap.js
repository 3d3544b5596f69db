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

  function cumulate(values) {
    return values.map(function (row) {
      var s = 0, out = new Array(row.length);
      for (var i = 0; i < row.length; i++) { s += (row[i] === null ? 0 : row[i]); out[i] = s; }
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
    // cumulative values are computed here, once, from the per-period counts
    a.cum = cumulate(a.values);
    this.vals = a.values; this.cums = a.cum;
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
          val.textContent = a.measure + ": " + fmt(self.areaValue(i)) + " (" +
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
    var o = this.data.outline;
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
    if (this.data.layerNames) this._overlay(this.pointLayer, this.data.layerNames.points);
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
      var d = Math.round(2 * (8 + 3 * Math.sqrt(c.n)));
      var label = el("span", "im-cluster", String(c.n));
      label.style.width = d + "px"; label.style.height = d + "px"; label.style.lineHeight = d + "px";
      label.style.background = color;
      var m = L.marker(ll, { pane: "im-points", keyboard: false, icon: L.divIcon({ className: "im-cluster-box", html: label, iconSize: [d, d] }) });
      m.bindTooltip(fmt(c.n) + (c.n === 1 ? " incident" : " incidents") + " (click to zoom in)");
      m.on("click", function () { map.setView(ll, Math.min(map.getZoom() + 2, 12)); });
      m.addTo(self.pointLayer);
    });
  };

  /* place names: provinces, towns, then districts when zoomed in; none may overlap another */
  IncidentMap.prototype._initLabels = function () {
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

  IncidentMap.prototype._placeLabels = function () {
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
        var shifts = it.rank === 1 ? [[0, 0]] : [[0, 0], [0, -0.8 * it.h], [0, 0.8 * it.h], [-0.3 * it.w, 0], [0.3 * it.w, 0]];
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
          node.style.transform = it.rank === 1 ? "translate(-4px, -50%)" :
            "translate(calc(-50% + " + found[1][0].toFixed(1) + "px), calc(-50% + " + found[1][1].toFixed(1) + "px))";
        }
      }
      node.style.display = want ? "" : "none";
      if (want) shown++;
    }
    this.labelsShown = shown;
  };

  /* Gi* hot and cold spots of the current period, outlined in a layer of their own */
  IncidentMap.prototype._initHotspots = function () {
    var h = this.data.hotspots, self = this;
    if (!h || !this.data.areas) return;
    this.map.createPane("im-hot").style.zIndex = 425;
    this.map.getPane("im-hot").style.pointerEvents = "none";
    this.hotGroup = L.layerGroup().addTo(this.map);
    if (this.data.layerNames) this._overlay(this.hotGroup, this.data.layerNames.hotspots || "Hot and cold spots (Gi*)");
    this.map.on("overlayadd overlayremove", function () { self._drawHotspots(); });
  };

  IncidentMap.prototype._drawHotspots = function () {
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
  IncidentMap.prototype._drawSurge = function () {
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
      else if (!now.length) this.surgeList.appendChild(el("li", "im-muted", "none"));
      now.slice().sort(function (x, y) { return y[1] - x[1]; }).slice(0, 5).forEach(function (row) {
        self.surgeList.appendChild(el("li", null, a.names[row[0]] + ": " + row[1] + " (mean before " + fmt(row[2]) + ")"));
      });
      if (now.length > 5) this.surgeList.appendChild(el("li", "im-muted", "and " + (now.length - 5) + " more (outlined)"));
    }
  };

  /* the timeline (_initTimeline) is in im-timeline.js */

  IncidentMap.prototype._initControls = function () {
    var self = this, data = this.data;
    if (data.title || data.caption) {
      var head = L.control({ position: "topleft" });
      head.onAdd = function () {
        var box = el("div", "im-control im-header");
        if (data.title) box.appendChild(el("div", "im-title", data.title));
        if (data.caption) { self.captionEl = el("div", "im-caption", data.caption); box.appendChild(self.captionEl); }
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

  IncidentMap.prototype._initLegend = function () {
    var self = this;
    var ctl = L.control({ position: "bottomright" });
    ctl.onAdd = function () {
      self.legendBox = el("div", "im-control im-legend");
      L.DomEvent.disableScrollPropagation(self.legendBox);
      return self.legendBox;
    };
    ctl.addTo(this.map);
  };

  IncidentMap.prototype._drawLegend = function () {
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
    if (this.data.coarse) {
      var cb = el("span", "im-swatch im-coarse-key", "n"); row(cb, this.data.coarse.note + " (boxed numbers)");
    }
    if (p && p.n) {
      box.appendChild(el("h4", null, p.legendTitle));
      for (var c = 0; c < p.categories.length; c++) {
        var dot = el("span", "im-dot"); dot.style.background = p.catColors[c];
        row(dot, p.categories[c]);
      }
      if (p.areaOnly) { var ap = el("span", "im-dot im-approx"); row(ap, fmt(p.areaOnly) + " placed only to a district or province: counted in the areas, not drawn as points"); }
      if (p.undated && this.nPeriods > 1) { box.appendChild(el("div", "im-undated", fmt(p.undated) + " not drawn by period: no date, or a date known only to a longer span than one period")); }
      if (p.n > (p.clusterOver || 400)) {
        var cl = el("span", "im-dot im-cluster-key", "n"); cl.style.background = p.clusterColor || "#3f007d";
        row(cl, "cluster of n incidents (click to zoom in)");
      }
      if (p.sizeNote) box.appendChild(el("div", null, p.sizeNote));
      if (p.grid) box.appendChild(el("div", "im-grid-note", p.grid.note));
    } else if (p && p.areaOnly) {
      box.appendChild(el("div", "im-undated", fmt(p.areaOnly) + " placed only to a district or province: counted in the areas"));
    }
  };

  /* a period as the reader sees it: the last one says when the data end inside it */
  IncidentMap.prototype.periodText = function (t) {
    var text = this.data.periods[t];
    if (this.data.partial && t === this.data.periods.length - 1) text += " (partial: data to " + this.data.partial + ")";
    return text;
  };

  IncidentMap.prototype._drawPanel = function () {
    if (!this.topList) return;
    var a = this.data.areas, vals = [];
    for (var i = 0; i < a.values.length; i++) {
      var v = this.areaValue(i);
      if (v) vals.push([v, a.names[i]]);
    }
    vals.sort(function (x, y) { return y[0] - x[0]; });
    this.topTitle.textContent = "Top " + a.levelName + "s, " + this.data.periods[this.t] +
      (this.mode === "cumulative" ? " (cumulative)" : "");
    this.topList.textContent = "";
    if (!vals.length) this.topList.appendChild(el("li", null, "none"));
    for (var k = 0; k < Math.min(5, vals.length); k++) {
      this.topList.appendChild(el("li", null, vals[k][1] + ": " + fmt(vals[k][0])));
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
