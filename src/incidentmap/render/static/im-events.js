/* incidentmap: the events of the current view (period, filters, visible area) as a list
 * linked to the map: sortable, searchable, a row zooms to its incident, a marker or area
 * selects its rows; "Download these rows" writes a CSV in the browser (a Blob, offline). */
(function () {
  "use strict";
  var IM = window.IncidentMap, el = IM.el, fmt = IM.fmt, SHOW = 100;
  var COLS = [["date", "Date"], ["place", "Place"], ["group", "Group"], ["category", "Category"], ["toll", "Toll"], ["id", "Source id"]];
  /* what a point's popup shows besides: in every popup and in the download, not in the list */
  var MORE = [["eventType", "Event type"], ["actor", "Actor"], ["notes", "Notes"], ["source", "Source"]];

  /* one text field of a row: a point's from the point layer, another's from the table */
  IM.prototype.rowField = function (r, label) {
    var ev = this.events, p = this.data.points, t;
    if (r < ev.np && p) {
      if (!p.tables || !p.tables[label]) return "";
      var code = p.text[label] === null ? r : p.text[label][r];
      return code >= 0 ? p.tables[label][code] : "";
    }
    t = ev.raw.text && ev.raw.text[label];
    if (!t) return "";
    if (!t.c) t.c = IM.unpack(t.codes);
    var k = t.c[r - ev.np];
    return k >= 0 ? t.values[k] : "";
  };

  IM.prototype.eventRow = function (r) {
    var ev = this.events, raw = ev.raw, p = this.data.points, a = this.data.areas, place = "";
    if (r < ev.np && p && p.tables.Place) {
      var code = p.text.Place === null ? r : p.text.Place[r];
      place = code >= 0 ? p.tables.Place[code] : "";
    }
    if (!place && ev.a[r] >= 0 && a) place = a.names[ev.a[r]] + (ev.q[r] > 0 ? " (" + a.level + ")" : "");
    if (!place && ev.pv[r] >= 0) place = raw.provinceNames[ev.pv[r]] + " (province)";
    if (!place || ev.lm[r] === 2) place = "not placed";  /* in the list, not on the map */
    var mask = raw.perpSets[ev.g1[r]] || 0, groups = [], self = this;
    raw.groups.forEach(function (g, k) { if ((mask >> k) & 1) groups.push(g); });
    var row = { r: r, date: this.dateText(r), place: place, group: groups.join(", "),
                category: ev.c[r] >= 0 ? raw.categories[ev.c[r]] : "", toll: isNaN(ev.f[r]) ? null : ev.f[r],
                id: ev.id ? ev.id[r] : "" };
    MORE.forEach(function (c) { row[c[0]] = self.rowField(r, c[1]); });
    return row;
  };

  /* the rows in view: period, filters, selection, the visible area (positions only) */
  IM.prototype.rowsInView = function () {
    var ev = this.events, keep = this.keep, out = [], b = this.map.getBounds(), sel = this.selection;
    var p = this.data.points, now = Array.prototype.slice.call(this.rowsNow());
    Array.prototype.push.apply(now, this.rowsInNoPeriod());
    for (var k = 0; k < now.length; k++) {
      var r = now[k];
      if (keep && !keep[r]) continue;
      if (sel && (sel.kind === "p" ? r !== sel.i : ev.a[r] !== sel.i)) continue;
      if (r < ev.np && p && p.lat) { if (!b.contains([p.lat[r], p.lon[r]])) continue; }
      else {
        var lyr = ev.a[r] >= 0 ? this.areaLayers[ev.a[r]] : null;
        if (lyr && !b.intersects(lyr.getBounds())) continue;
        var cx = !lyr && ev.pv[r] >= 0 && this.data.coarse ? this.data.coarse.xy[ev.pv[r]] : null;
        if (cx && !b.contains([cx[1], cx[0]])) continue;
      }
      out.push(r);
    }
    return out;
  };

  /* the rows no one period holds (undated, or dated to a longer span): in every period's list */
  IM.prototype.rowsInNoPeriod = function () {
    var ev = this.events;
    if (!this.nPeriods || this.data.allDates) return [];
    if (!ev.noT) { ev.noT = []; for (var i = 0; i < ev.n; i++) if (ev.t[i] < 0) ev.noT.push(i); }
    return ev.noT;
  };

  IM.prototype.listRows = function () {
    var self = this, q = (this.listQuery || "").toLowerCase();
    var rows = this.rowsInView().map(function (r) { return self.eventRow(r); });
    if (q) rows = rows.filter(function (x) { return COLS.some(function (c) { return String(x[c[0]] === null ? "" : x[c[0]]).toLowerCase().indexOf(q) >= 0; }); });
    var key = this.listSort || "date", dir = this.listDir || 1;
    rows.sort(function (x, y) {
      var u = x[key], v = y[key];
      if (u === v) return x.r - y.r;
      if (u === null || u === "") return 1;
      if (v === null || v === "") return -1;
      return (u < v ? -1 : 1) * dir;
    });
    return rows;
  };

  IM.prototype.select = function (kind, i) {
    this.selection = kind ? { kind: kind, i: i } : null;
    this._drawList();
    if (this._writeView) this._writeView();
  };

  IM.prototype.openRow = function (r) {
    var ev = this.events, p = this.data.points;
    var map = this.map;  /* one incident's popup at a time */
    map.eachLayer(function (l) { if (l instanceof L.Popup) map.removeLayer(l); });
    if (r < ev.np && p && p.lat) {
      var m = this.markerCache && this.markerCache[r] ? this.markerCache[r] : this._marker(r);
      if (this.markerCache) this.markerCache[r] = m;
      this.map.setView([p.lat[r], p.lon[r]], Math.max(this.map.getZoom(), 10), { animate: false });
      if (!this.pointLayer.hasLayer(m)) m.addTo(this.pointLayer);
      m.openPopup();
      return;
    }
    var lyr = ev.a[r] >= 0 ? this.areaLayers[ev.a[r]] : null, x = this.eventRow(r), at = null;
    var c = this.data.coarse;
    if (lyr) { this.map.fitBounds(lyr.getBounds(), { animate: false, maxZoom: 9 }); at = lyr.getCenter(); }
    else if (c && ev.pv[r] >= 0) { at = L.latLng(c.xy[ev.pv[r]][1], c.xy[ev.pv[r]][0]); this.map.setView(at, Math.max(this.map.getZoom(), 7), { animate: false }); }
    if (!at) return;
    var box = el("div", "im-popup"), dl = el("dl");
    [["Date", x.date], ["Place", x.place], ["Group", x.group], ["Category", x.category], ["Event type", x.eventType], ["Actor", x.actor],
     ["Fatalities", x.toll === null ? "unknown" : fmt(x.toll)], ["Notes", x.notes], ["Source", x.source], ["Source id", x.id]].forEach(function (kv) {
      if (kv[1] === "" || kv[1] === null) return;
      dl.appendChild(el("dt", null, kv[0])); dl.appendChild(el("dd", null, kv[1]));
    });
    box.appendChild(dl);
    L.popup(this.popupOptions()).setLatLng(at).setContent(box).openOn(this.map);
  };

  IM.prototype._initList = function () {
    var self = this, ctl = L.control({ position: "topleft" });
    ctl.onAdd = function () {
      var box = el("details", "im-control im-panel im-events");
      self.listTitle = el("summary", null, "Events in view");
      box.appendChild(self.listTitle);
      var bar = el("div", "im-events-bar");
      var search = el("input"); search.type = "search"; search.placeholder = "search the list"; search.setAttribute("aria-label", "search the events listed");
      var dl = el("button", null, "Download these rows"); dl.type = "button";
      var clear = el("button", null, "Clear selection"); clear.type = "button";
      bar.appendChild(search); bar.appendChild(dl); bar.appendChild(clear);
      box.appendChild(bar);
      var table = el("table"), head = el("tr");
      COLS.forEach(function (c) {
        var th = el("th"), b = el("button", null, c[1]); b.type = "button";
        b.addEventListener("click", function () { self.listDir = self.listSort === c[0] ? -(self.listDir || 1) : 1; self.listSort = c[0]; self._drawList(); });
        th.appendChild(b); head.appendChild(th);
      });
      var thead = el("thead"); thead.appendChild(head); table.appendChild(thead);
      self.listBody = el("tbody"); table.appendChild(self.listBody);
      var wrap = el("div", "im-events-wrap"); wrap.appendChild(table); box.appendChild(wrap);
      self.listMore = el("div", "im-muted-note"); box.appendChild(self.listMore);
      search.addEventListener("input", function () { self.listQuery = search.value; self._drawList(); });
      clear.addEventListener("click", function () { self.select(null); });
      dl.addEventListener("click", function () { self.downloadRows(); });
      box.addEventListener("toggle", function () { self._drawList(); });
      L.DomEvent.disableClickPropagation(box); L.DomEvent.disableScrollPropagation(box);
      self.listBox = box;
      return box;
    };
    ctl.addTo(this.map);
    this.map.on("moveend", function () { self._drawList(); });
  };

  IM.prototype._drawList = function () {
    if (!this.events || !this.listBody) return;
    var self = this, rows;
    if (!this.listBox.open && !this.listQuery) {  /* closed: the count alone, no rows made */
      this.listRowsNow = null;
      this.listTitle.textContent = "Events in view (" + fmt(this.rowsInView().length) + (this.selection ? ", selected" : "") + ")";
      return;
    }
    rows = this.listRows();
    this.listRowsNow = rows;
    this.listTitle.textContent = "Events in view (" + fmt(rows.length) + (this.selection ? ", selected" : "") + ")";
    this.listBody.textContent = "";
    rows.slice(0, SHOW).forEach(function (x) {
      var tr = el("tr"); tr.tabIndex = 0; tr.setAttribute("data-row", x.r);
      COLS.forEach(function (c) { tr.appendChild(el("td", null, c[0] === "toll" ? (x.toll === null ? "unknown" : fmt(x.toll)) : x[c[0]])); });
      /* the list is drawn again as the map moves: the row leaves the page, and Leaflet, no
         longer finding it inside the control, would take the click as one on the map */
      tr.addEventListener("click", function (ev) { ev.stopPropagation(); self.openRow(x.r); });
      tr.addEventListener("keydown", function (ev) { if (ev.key === "Enter") self.openRow(x.r); });
      self.listBody.appendChild(tr);
    });
    var more = rows.length > SHOW ? "first " + SHOW + " of " + fmt(rows.length) + " shown (all are downloaded)" : "";
    var ev = this.events, noT = 0;
    rows.forEach(function (x) { if (ev.t[x.r] < 0) noT++; });
    if (noT) more = (more ? more + "; " : "") + fmt(noT) + " in no " + (this.data.periodName || "period") + " (undated, or dated to a longer span): listed in every one";
    this.listMore.textContent = more;
  };

  function csvCell(v) {
    var s = v === null || v === undefined ? "" : String(v);
    if (/^[=+\-@]/.test(s)) s = "'" + s;  /* a spreadsheet runs no formula from the data */
    return /[",\n\r]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  }
  IM.prototype.rowsCsv = function () {
    var rows = this.listRowsNow || this.listRows();  /* every row in view, not only those shown */
    var cols = COLS.concat(MORE);
    var lines = [cols.map(function (c) { return c[1]; }).join(",")];
    rows.forEach(function (x) { lines.push(cols.map(function (c) { return csvCell(x[c[0]]); }).join(",")); });
    return lines.join("\r\n") + "\r\n";
  };
  IM.prototype.downloadRows = function () {
    var url = URL.createObjectURL(new Blob([this.rowsCsv()], { type: "text/csv;charset=utf-8" }));
    var a = el("a"); a.href = url; a.download = "incidents-in-view.csv";
    document.body.appendChild(a); a.click(); a.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
  };

  IM.parts.push({
    init: function (m) { if (m.data.events) m._initList(); },
    draw: function (m) { m._drawList(); }
  });
})();
