/* incidentmap: a view you can send. Period, mode, filters, selection and zoom live in the
 * page's address (#p=...&g=...); a reloaded or shared link shows the same view. After every
 * redraw the map's container gets an "incidentmap:view" event summarising it. */
(function () {
  "use strict";
  var IM = window.IncidentMap;
  var KEYS = { group: "g", role: "r", target: "tg", category: "c", minToll: "f", prec: "q", from: "from", to: "to" };

  function parse(hash) {
    var out = {};
    (hash || "").replace(/^#/, "").split("&").forEach(function (kv) {
      if (!kv) return;
      var i = kv.indexOf("=");
      if (i <= 0) return;
      try { out[decodeURIComponent(kv.slice(0, i))] = decodeURIComponent(kv.slice(i + 1)); }
      catch (e) { /* a link cut inside a %-escape: that part is left out */ }
    });
    return out;
  }

  IM.prototype.viewHash = function () {
    /* filters read from the address but not applied yet (the events still decoding) are
     * the view's: an address written meanwhile keeps them */
    var f = this.filterState ? this.filterState(this.pendingFilters) : {}, parts = [];
    function add(k, v) { parts.push(k + "=" + encodeURIComponent(v)); }
    if (this.nPeriods) add("p", this.data.periodStarts[this.t] || this.t);
    if (this.mode === "cumulative") add("m", "c");
    Object.keys(KEYS).forEach(function (k) {
      var v = f[k];
      if (v === null || v === undefined || v === "" || (k === "role" && v === "any")) return;
      add(KEYS[k], Array.isArray(v) ? v.join(",") : v);
    });
    if (this.selection) add("s", this.selection.kind + this.selection.i);
    var c = this.map.getCenter();
    add("z", this.map.getZoom() + "/" + c.lat.toFixed(4) + "/" + c.lng.toFixed(4));
    return "#" + parts.join("&");
  };

  /* read the address into the view; ``whole``: what the address leaves out is reset (a link
   * pasted into an open page), otherwise kept (the first read, before anything is drawn) */
  IM.prototype._readView = function (whole) {
    var h = parse(window.location.hash), self = this;
    if (!Object.keys(h).length && !whole) return;
    if (h.p !== undefined && this.nPeriods) {
      var t = this.data.periodStarts.indexOf(h.p);
      this.t = t >= 0 ? t : Math.max(0, Math.min(this.nPeriods - 1, +h.p || 0));
    }
    if (h.m === "c" || whole) {
      this.mode = h.m === "c" ? "cumulative" : "window";
      if (this.modeSelect) this.modeSelect.value = this.mode;
    }
    var f = {};
    Object.keys(KEYS).forEach(function (k) {
      var v = h[KEYS[k]];
      if (v === undefined) return;
      if (k === "prec") { var q = v.split(",").map(Number).filter(isFinite); if (q.length) f[k] = q; }
      else if (k === "minToll" || k === "from" || k === "to") { if (v !== "" && isFinite(+v)) f[k] = +v; }
      else f[k] = v;  /* a name no event has keeps nothing, and the filter line says so */
    });
    if (Object.keys(f).length || whole) this.pendingFilters = f;
    if (h.s) this.selection = { kind: h.s[0], i: +h.s.slice(1) };
    else if (whole) this.selection = null;
    if (h.z) {
      var z = h.z.split("/").map(Number);
      if (z.length === 3 && z.every(isFinite)) { this.map.setView([z[1], z[2]], z[0], { animate: false }); this.keptView = true; }
    }
    void self;
  };

  IM.prototype.viewSummary = function () {
    var st = this.fStats, a = this.data.areas, areas = 0, unknown = 0, shown = 0, unplaced = 0;
    /* areas holding an incident in view, from the rows (on a fatalities map an area whose
     * tolls are 0 or unknown still holds its incidents); before the rows are decoded, the
     * areas with a value */
    if (a && !this.events) for (var i = 0; i < a.names.length; i++) { if (this.areaValue(i)) areas++; }
    var held = {};
    if (this.events) {
      var ev = this.events, keep = this.keep, now = this.rowsNow();
      for (var k = 0; k < now.length; k++) {
        var r = now[k];
        if (keep && !keep[r]) continue;
        shown += ev.w ? ev.w[r] : 1;
        if (isNaN(ev.f[r])) unknown++;
        if (ev.lm[r] === 2) unplaced += ev.w ? ev.w[r] : 1;  /* in the list, not on the map */
        if (a && ev.a[r] >= 0 && !held[ev.a[r]]) { held[ev.a[r]] = 1; areas++; }
      }
    } else shown = this.visible;
    void st;
    return { period: this.nPeriods ? this.periodText(this.t) : "all dates", mode: this.mode,
             filters: this.filterText ? this.filterText() : "none", incidents: shown,
             areasWithEvents: areas, unknownTolls: unknown, unplaced: unplaced };
  };

  IM.parts.push({
    init: function (m) {
      m._readView();
      var timer = null;
      /* the address as this page last read or wrote it: one that differs when a write comes
       * due was put there by the reader (a pasted link) and is read, never overwritten */
      var known = window.location.hash;
      var write = function () {  /* at most every 150 ms: stepping stays quick */
        if (!m.viewWritten || timer) return;
        timer = setTimeout(function () {
          timer = null;
          if (window.location.hash !== known) return;  /* its hashchange reads it */
          try { history.replaceState(null, "", m.viewHash()); } catch (e) { /* a file: URL may refuse */ }
          known = window.location.hash;
        }, 150);
      };
      m.map.on("moveend zoomend", write);
      setTimeout(function () { m.viewWritten = true; }, 0);
      m._writeView = write;
      /* a link pasted into the open page: the address wins over a write still pending */
      window.addEventListener("hashchange", function () {
        if (timer) { clearTimeout(timer); timer = null; }
        known = window.location.hash;
        if (known === m.viewHash()) return;
        m._readView(true);
        if (m.events) { m.filters = m.pendingFilters || {}; m.pendingFilters = null; m.areaColor = []; m._drawLegend(); m._applyFilters(); }
        else { m.areaColor = []; m._drawLegend(); m.setPeriod(m.t); }
        if (m._drawList) m._drawList();
      });
    },
    draw: function (m) { if (m._writeView) m._writeView(); }
  });
})();
