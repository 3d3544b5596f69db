/* incidentmap: filters in the page. The event table (data.events: one row per incident,
 * columns deflated) is inflated with the browser's own DecompressionStream; every count of
 * the page (areas, legend classes, caption, top areas, timeline, surges, points, province
 * counts) is recounted from it for the filters chosen, by the library's rules. With no
 * filter the page shows the numbers it was written with. */
(function () {
  "use strict";
  var IM = window.IncidentMap, el = IM.el, fmt = IM.fmt;

  /* base85 (RFC 1924, as Python's base64.b85encode, "." for "{"): 5 characters for 4 bytes */
  var B85 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz!#$%&()*+-;<=>?@^_`.|}~";
  function bytesOf(text) {
    var val = new Int16Array(128), n = text.length, full = Math.floor(n / 5), rest = n % 5;
    for (var c = 0; c < 85; c++) val[B85.charCodeAt(c)] = c;
    var out = new Uint8Array(full * 4 + (rest ? rest - 1 : 0)), o = 0;
    for (var g = 0; g <= full; g++) {
      var k = g < full ? 5 : rest;
      if (!k) break;
      var acc = 0;
      for (var j = 0; j < 5; j++) acc = acc * 85 + (j < k ? val[text.charCodeAt(g * 5 + j)] : 84);
      var four = [Math.floor(acc / 16777216) % 256, Math.floor(acc / 65536) % 256, Math.floor(acc / 256) % 256, acc % 256];
      for (var b = 0; b < (k === 5 ? 4 : k - 1); b++) out[o++] = four[b];
    }
    return out;
  }
  function inflate(bytes) {
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
    return new Response(stream).arrayBuffer().then(function (b) { return new Uint8Array(b); });
  }
  /* a column: byte planes back to numbers; zigzag-coded ones back to signed */
  function column(buf, kind, off, n) {
    if (kind === "txt") return new TextDecoder().decode(buf.subarray(off, off + n)).split("\n");
    if (kind[0] === "k") return new Float64Array(n).fill(+kind.slice(1));
    var width = kind === "f32" ? 4 : +kind.slice(1) / 8, out;
    if (kind === "f32") {
      var raw = new Uint8Array(n * 4);
      for (var b = 0; b < 4; b++) for (var i = 0; i < n; i++) raw[i * 4 + b] = buf[off + b * n + i];
      return new Float64Array(new Float32Array(raw.buffer));
    }
    out = new Float64Array(n);
    for (var k = width - 1; k >= 0; k--) {
      var base = off + k * n;
      for (var j = 0; j < n; j++) out[j] = out[j] * 256 + buf[base + j];
    }
    if (kind[0] === "z") for (var z = 0; z < n; z++) out[z] = out[z] % 2 ? -(out[z] + 1) / 2 : out[z] / 2;
    return out;
  }

  /* the table as arrays: t (period, -1 none), a (area), pv (province, for rows placed only
     to one), q, g1, g2, tg, c, f (toll, NaN unknown), w, m, day (-1 none), id */
  function decodeEvents(data, buf) {
    var e = data.events, n = e.n, cols = {};
    e.cols.forEach(function (c) { cols[c[0]] = column(buf, c[1], c[2], c[3]); });
    var ev = { n: n, np: e.np, raw: e };
    ["a", "pv", "q", "g1", "g2", "tg", "c", "lm"].forEach(function (k) {
      var src = cols[k], out = new Int32Array(n);
      for (var i = 0; i < n; i++) out[i] = src ? src[i] - (k === "q" || k === "g1" || k === "g2" || k === "lm" ? 0 : 1) : 0;
      ev[k] = out;
    });
    var f = new Float64Array(n), fc = cols.f;
    var fIsFloat = e.cols.some(function (c) { return c[0] === "f" && c[1] === "f32"; });
    for (var i = 0; i < n; i++) f[i] = fIsFloat ? fc[i] : (fc[i] === 0 ? NaN : fc[i] - 1);
    ev.f = f;
    ev.w = cols.w || null;
    ev.m = cols.m || null;
    var day = new Int32Array(n), d = cols.d, run = 0;
    for (var j = 0; j < n; j++) { run += d ? d[j] : 0; day[j] = d ? run - 1 : -1; }
    ev.day = day;
    ev.base = Date.parse(e.dayBase + "T00:00:00Z");
    var t = new Int32Array(n);
    if (cols.t) { for (var k = 0; k < n; k++) t[k] = cols.t[k] - 1; }
    else {
      var starts = data.periodStarts.map(function (s) { return Math.round((Date.parse(s + "T00:00:00Z") - ev.base) / 864e5); });
      var end = starts[starts.length - 1] + data.lastSpan;
      for (var r = 0; r < n; r++) {
        var dd = day[r], lo = 0, hi = starts.length - 1, p = -1;
        if (dd < 0 || dd >= end) { t[r] = -1; continue; }
        while (lo <= hi) { var mid = (lo + hi) >> 1; if (starts[mid] <= dd) { p = mid; lo = mid + 1; } else hi = mid - 1; }
        t[r] = p;
      }
      (e.tx || []).forEach(function (x) { t[x[0]] = x[1] - 1; });
    }
    ev.t = t;
    /* each period's rows, once: the list and the view summary read only the period shown */
    var nP = data.periods.length, sizes = new Int32Array(nP + 1);
    for (var u = 0; u < n; u++) if (t[u] >= 0) sizes[t[u]]++;
    ev.byT = [];
    for (var v = 0; v < nP; v++) ev.byT.push(new Int32Array(sizes[v]));
    var fill = new Int32Array(nP);
    for (var x = 0; x < n; x++) if (t[x] >= 0) ev.byT[t[x]][fill[t[x]]++] = x;
    ev.id = cols.id || null;
    ev.starts = data.periodStarts.map(function (s) { return Math.round((Date.parse(s + "T00:00:00Z") - ev.base) / 864e5); });
    return ev;
  }

  /* the rows of the period shown (every period up to it in cumulative mode) */
  IM.prototype.rowsNow = function () {
    var ev = this.events;
    if (!this.nPeriods) { var all = []; for (var i = 0; i < ev.n; i++) all.push(i); return all; }
    if (this.mode !== "cumulative") return ev.byT[this.t] || [];
    var out = [];
    for (var t = 0; t <= this.t; t++) for (var k = 0; k < ev.byT[t].length; k++) out.push(ev.byT[t][k]);
    return out;
  };

  /* why no one period holds a row, in render.data.no_period's words */
  var WHY = ["undated", "dated to a day", "dated to a week", "dated to a month", "dated to a quarter", "dated to a year"];
  IM.prototype.noPeriodWhy = function (r) {
    var ev = this.events;
    if (ev.day[r] < 0) return "undated";
    var dp = ev.raw.dayPrecision || {};
    if (!ev.precName) {
      var a = new Array(ev.n).fill("dated to a day");
      ["week", "month", "quarter", "year"].forEach(function (p) { (dp[p] || []).forEach(function (k) { a[k] = "dated to a " + p; }); });
      ev.precName = a;
    }
    return ev.precName[r];
  };
  IM.prototype.noPeriodText = function (counts) {
    var n = 0, said = [];
    WHY.forEach(function (k) { if (counts[k]) { n += counts[k]; said.push(fmt(counts[k]) + " " + k); } });
    if (!n) return "";
    return fmt(n) + " incident" + (n === 1 ? "" : "s") + " in no " + (this.data.periodName || "period") + " (" + said.join(", ") + "): in the totals and the event list, not on the slider";
  };

  /* a row's date precision: 0 year, 1 month, 2 day (a week's rows are dated to their day) */
  IM.prototype.rowPrecision = function (r) {
    var ev = this.events;
    if (!ev.prec) {
      var dp = ev.raw.dayPrecision || {}, a = new Uint8Array(ev.n).fill(2);
      (dp.month || []).forEach(function (k) { a[k] = 1; });
      (dp.year || []).forEach(function (k) { a[k] = 0; });
      ev.prec = a;
    }
    return ev.prec[r];
  };

  IM.prototype.dateText = function (r) {
    var ev = this.events;
    if (ev.day[r] < 0) return "";
    var s = new Date(ev.base + ev.day[r] * 864e5).toISOString().slice(0, 10);
    var dp = ev.raw.dayPrecision;
    if (!ev.spanEndOf) { ev.spanEndOf = {}; (ev.raw.spanEnd || []).forEach(function (x) { ev.spanEndOf[x[0]] = x[1]; }); }
    var more = ev.spanEndOf[r];  /* a stated range, or a week: written as its first and last day */
    if (more) return s + " \u2013 " + new Date(ev.base + (ev.day[r] + more) * 864e5).toISOString().slice(0, 10);
    if (dp && dp.month && dp.month.indexOf(r) >= 0) return s.slice(0, 7);
    if (dp && dp.year && dp.year.indexOf(r) >= 0) return s.slice(0, 4);
    return s;
  };

  /* ---- the filters: state, the rows they keep, and their words ---- */
  var NONE = { group: "", role: "any", target: "", category: "", minToll: null, prec: null, from: null, to: null };
  /* the filters in force, or ``f`` (filters read from an address, waiting for the events) */
  IM.prototype.filterState = function (f) { return Object.assign({}, NONE, f || this.filters || {}); };
  IM.prototype.filterActive = function () {
    var f = this.filterState();
    return !!(f.group || f.target || f.category || f.minToll !== null || f.prec || f.from !== null || f.to !== null);
  };
  IM.prototype.filterText = function () {
    var f = this.filterState(), out = [], ev = this.events;
    if (f.group) out.push("group " + f.group + (f.role === "perpetrator" ? " (perpetrator)" : " (any party)"));
    if (f.target) out.push("target " + f.target);
    if (f.category) out.push("category " + f.category);
    if (f.minToll !== null) out.push("toll \u2265 " + fmt(f.minToll));
    if (f.prec) out.push("placed " + f.prec.map(function (q) { return ["at a point", "to a district", "to a province"][q]; }).join(" or "));
    if (f.from !== null || f.to !== null) {
      var from = f.from === null ? 0 : f.from, to = f.to === null ? this.nPeriods - 1 : f.to;
      out.push("dates " + this.data.periods[from] + " \u2013 " + this.data.periods[to]);
    }
    return out.length ? out.join("; ") : "none";
    void ev;
  };

  IM.prototype._keepMask = function () {
    var ev = this.events, f = this.filterState(), n = ev.n, keep = new Uint8Array(n);
    var gbit = f.group ? ev.raw.groups.indexOf(f.group) : -1;
    var sets = f.role === "perpetrator" ? ev.raw.perpSets : ev.raw.anySets, gcol = f.role === "perpetrator" ? ev.g1 : ev.g2;
    var tgi = f.target ? ev.raw.targets.indexOf(f.target) : -2, ci = f.category ? ev.raw.categories.indexOf(f.category) : -2;
    var d0 = f.from === null ? -Infinity : ev.starts[f.from];
    var d1 = f.to === null ? Infinity : (f.to + 1 < ev.starts.length ? ev.starts[f.to + 1] : ev.starts[f.to] + this.data.lastSpan);
    var dated = f.from !== null || f.to !== null;
    for (var i = 0; i < n; i++) {
      if (f.group && (gbit < 0 || !((sets[gcol[i]] >> gbit) & 1))) continue;
      if (f.target && ev.tg[i] !== tgi) continue;
      if (f.category && ev.c[i] !== ci) continue;
      if (f.minToll !== null && !(ev.f[i] >= f.minToll)) continue;
      if (f.prec && f.prec.indexOf(ev.q[i]) < 0) continue;
      if (dated && (ev.day[i] < 0 || ev.day[i] < d0 || ev.day[i] >= d1)) continue;
      keep[i] = 1;
    }
    return keep;
  };

  /* ---- recounting: the library's rules on the rows kept ---- */
  IM.prototype._recount = function () {
    var ev = this.events, data = this.data, a = data.areas, keep = this.keep;
    var nP = this.nPeriods, nA = a ? a.names.length : 0, kind = ev.raw.measure;
    var inc = new Float64Array(nA * nP), sum = new Float64Array(nA * nP), known = new Float64Array(nA * nP);
    var nPv = ev.raw.provinceNames.length, coarse = new Float64Array(nPv * nP);
    var tl = data.timeline, tlIdx = null, tlc = null;
    if (tl) {
      tlIdx = ev.raw.categories.map(function (c) { var k = tl.categories.indexOf(c); return k; });
      tlc = tl.categories.map(function () { return new Float64Array(nP); });
    }
    var vcol = kind === "fatalities" ? ev.f : ev.m;
    var st = { rows: 0, total: 0, dmin: Infinity, dmax: -Infinity, fsum: 0, fknown: 0, ftolls: 0, byPoint: 0, unplaced: 0, coarse: 0, areas: 0, pmin: 2, pmax: 2, noPeriod: {}, areaOnly: 0, undatedPoints: 0 };
    for (var i = 0; i < ev.n; i++) {
      if (!keep[i]) continue;
      var w = ev.w ? ev.w[i] : 1, t = ev.t[i], ai = ev.a[i];
      st.rows++; st.total += w;
      if (ev.day[i] >= 0) {
        var pr = this.rowPrecision(i);  /* each end of the span at its finest row's precision */
        if (ev.day[i] < st.dmin) { st.dmin = ev.day[i]; st.pmin = pr; } else if (ev.day[i] === st.dmin) st.pmin = Math.max(st.pmin, pr);
        if (ev.day[i] > st.dmax) { st.dmax = ev.day[i]; st.pmax = pr; } else if (ev.day[i] === st.dmax) st.pmax = Math.max(st.pmax, pr);
      }
      if (!isNaN(ev.f[i])) { st.fsum += ev.f[i]; st.fknown += w; st.ftolls++; }  /* incidents, as the headline */
      if (ev.lm[i] === 1) st.byPoint++; else if (ev.lm[i] === 2) st.unplaced++;
      if (ai < 0 && ev.pv[i] >= 0) st.coarse += w;
      if (ev.q[i] === 1 || ev.q[i] === 2) st.areaOnly++;  /* the legend's "placed only to a district or province" */
      if (i < ev.np && t < 0) st.undatedPoints++;
      if (t < 0) {  /* undated, or dated to a span no one period holds: said in the caption */
        if (nP && !data.allDates) { var why = this.noPeriodWhy(i); st.noPeriod[why] = (st.noPeriod[why] || 0) + w; }
        continue;
      }
      if (ai >= 0 && nA) {
        var k = ai * nP + t;
        inc[k] += w;
        if (vcol && !isNaN(vcol[i])) { sum[k] += vcol[i]; known[k] += w; }  /* weighted, as counts_by_area */
      } else if (ev.pv[i] >= 0) coarse[ev.pv[i] * nP + t] += w;
      if (tlc && tlIdx[ev.c[i]] >= 0) tlc[tlIdx[ev.c[i]]][t] += w;
    }
    var vals = [], counts = [], knowns = [];
    for (var r = 0; r < nA; r++) {
      var row = new Array(nP), crow = new Array(nP), krow = new Array(nP), pop = ev.raw.population ? ev.raw.population[r] : null;
      for (var p = 0; p < nP; p++) {
        var x = inc[r * nP + p];
        crow[p] = x; krow[p] = known[r * nP + p];
        if (kind === "incidents") row[p] = x;
        else if (kind === "per100k") row[p] = pop > 0 ? x / pop * 1e5 : null;
        else row[p] = x > 0 ? (known[r * nP + p] > 0 ? sum[r * nP + p] : null) : 0;
      }
      vals.push(row); counts.push(crow); knowns.push(krow);
    }
    var summed = kind === "fatalities" || kind === "m";  /* a column's sum: known apart */
    this.tallies = summed ? counts : null; this.known = summed ? knowns : null;
    this.vals = vals; this.cums = IM.cumulate(vals, this.tallies, this.known);
    this.fCounts = counts; this.fCoarse = coarse; this.fStats = st;
    if (tlc) { var tot = new Float64Array(nP); tlc.forEach(function (c) { for (var q = 0; q < nP; q++) tot[q] += c[q]; }); this.fTimeline = [tlc, tot]; }
    if (a) this._recountClasses();
    if (data.surge) this.fSurge = surges(counts, nP, data.partial, data.partialStart);
  };

  /* np.quantile (linear) of the positive values, as render.classes.class_bins */
  function classBins(values, scheme, k, user, integer, fixed) {
    var v = [];
    values.forEach(function (row) { row.forEach(function (x) { if (x !== null && isFinite(x) && x > 0) v.push(x); }); });
    if (!v.length) return [1];
    v.sort(function (x, y) { return x - y; });
    var top = v[v.length - 1], edges;
    if (scheme === "user") {
      edges = (user || []).filter(function (b) { return b > 0; }).sort(function (x, y) { return x - y; });
      if (!edges.length || edges[edges.length - 1] < top) edges.push(top);
      return integer ? whole(edges) : edges;
    }
    if (scheme === "natural_breaks") return fixed;
    var uniq = 1;
    for (var i = 1; i < v.length; i++) if (v[i] !== v[i - 1]) uniq++;
    k = Math.max(1, Math.min(k, uniq));
    if (k === 1) edges = [top];
    else {
      edges = [];
      for (var j = 1; j <= k; j++) {
        if (scheme === "equal_interval") edges.push(v[0] + (top - v[0]) * j / k);
        else { var pos = (v.length - 1) * j / k, lo = Math.floor(pos); edges.push(lo + 1 < v.length ? v[lo] + (v[lo + 1] - v[lo]) * (pos - lo) : v[lo]); }
      }
      edges = uniqSorted(edges.map(function (e) { return Math.round(e * 1e6) / 1e6; }));
      if (edges[edges.length - 1] < top) edges[edges.length - 1] = top;
    }
    return integer ? whole(edges) : edges;
  }
  function uniqSorted(xs) { return xs.slice().sort(function (x, y) { return x - y; }).filter(function (x, i, s) { return i === 0 || x !== s[i - 1]; }); }
  function whole(xs) { return uniqSorted(xs.map(function (b) { return Math.ceil(b - 1e-9); })); }

  IM.prototype._recountClasses = function () {
    var a = this.data.areas, c = this.events.raw.classes;
    var win = classBins(this.vals, c.scheme, c.k, c.bins, a.integer, a.bins.window);
    var cum = classBins(this.cums, c.scheme, c.k, c.bins, a.integer, a.bins.cumulative);
    this.fBins = { window: win, cumulative: cum };
    this.fColors = c.ramps[Math.max(win.length, cum.length) - 1] || a.colors;
  };

  /* the Surge Tracker rule on the filtered counts, as trends.surge_flags */
  function surges(counts, nP, partial, partialStart) {
    var out = [];
    for (var t = 0; t < nP; t++) out.push([]);
    counts.forEach(function (row, i) {
      for (var t = 4; t < nP; t++) {
        var base = (row[t - 1] + row[t - 2] + row[t - 3] + row[t - 4]) / 4;
        if (base >= 1 && row[t] >= 2 * base) out[t].push([i, row[t], Math.round(base * 100) / 100]);
      }
    });
    if (partial && nP) out[nP - 1] = [];
    if (partialStart && nP > 4) out[4] = [];  /* its baseline holds the period the data begin inside */
    return out;
  }

  /* ---- applying: recount, then redraw every part ---- */
  IM.prototype.setFilters = function (f) {
    this.filters = Object.assign({}, this.filterState(), f || {});
    this._applyFilters();
  };
  IM.prototype.setRange = function (from, to) {
    var full = from === 0 && to === this.nPeriods - 1;
    this.setFilters({ from: full ? null : from, to: full ? null : to });
  };
  IM.prototype._applyFilters = function () {
    var data = this.data, a = data.areas;
    if (!this.events) return;
    var active = this.filterActive();
    if (active) { this.keep = this._keepMask(); this._recount(); }
    else {
      this.keep = null; this.fBins = null; this.fColors = null; this.fSurge = null; this.fStats = null; this.fCoarse = null; this.fTimeline = null;
      if (a) { this.vals = a.values; this.cums = a.cum; this.tallies = a.tallies || null; this.known = a.known || null; }
    }
    var f = this.filterState();
    this._showRange(f.from === null && f.to === null ? null : (f.from === null ? 0 : f.from), f.to === null ? this.nPeriods - 1 : f.to);
    if (this.tlBase) {
      var tl = this.fTimeline;
      this._drawTimelineBars(tl ? tl[0] : this.tlBase.counts, tl ? tl[1] : this.tlBase.total);
    }
    if (this.captionEl) this.captionEl.textContent = this.captionText(active ? this._filteredCaption() : data.caption);
    this.areaColor = [];
    this._drawLegend();
    this._syncFilterInputs();
    this.setPeriod(this.t);
  };

  /* the caption of the filtered rows, in default_caption's words */
  IM.prototype._filteredCaption = function () {
    var s = this.fStats, ev = this.events;
    function day(d, p) {  /* a year-dated row is "2015", a month-dated one "Mar 2015" */
      var o = { year: "numeric", timeZone: "UTC" };
      if (p >= 1) o.month = "short";
      if (p >= 2) o.day = "2-digit";
      return new Date(ev.base + d * 864e5).toLocaleDateString("en-GB", o);
    }
    var counted = fmt(s.total) + " incident" + (s.total === 1 ? "" : "s");
    if (s.total !== s.rows) counted += " in " + fmt(s.rows) + " row" + (s.rows === 1 ? "" : "s");
    var first = s.dmin <= s.dmax ? day(s.dmin, s.pmin) : "", last = first ? day(s.dmax, s.pmax) : "";
    var span = first ? ", " + (first === last ? first : first + " \u2013 " + last) : "";
    /* a sum keeps its fraction (6.5, not 6), as render.data.amount writes it */
    var fsum = Math.round(s.fsum * 100) / 100;
    var fsumText = fsum === Math.round(fsum) ? fmt(fsum) : fsum.toLocaleString("en-GB", { maximumFractionDigits: 2 });
    var deaths = s.ftolls === 0 ? "death tolls unknown" : fsumText + " reported fatalities" + (s.fknown < s.total ? " (tolls known for " + fmt(s.fknown) + " of " + fmt(s.total) + " incidents)" : "");
    var text = "Filtered (" + this.filterText() + "): " + counted + span + "; " + deaths + ". Located by coordinates" + (s.total !== s.rows ? " (rows)" : "") + ": " +
      fmt(s.byPoint) + "; by name: " + fmt(s.rows - s.byPoint - s.unplaced) + "; not on the map: " + fmt(s.unplaced) + ".";
    if (this.data.coarse && s.coarse) text += " " + fmt(s.coarse) + " placed only to a province: shown by province.";
    var held = this.noPeriodText(s.noPeriod);
    return held ? text + " " + held + "." : text;
  };

  /* ---- the panel: one labelled control per filter, usable by keyboard ---- */
  IM.prototype._initFilterPanel = function () {
    var self = this, e = this.data.events;
    var ctl = L.control({ position: "topleft" });
    ctl.onAdd = function () {
      var box = el("details", "im-control im-panel im-filters");
      box.appendChild(el("summary", null, "Filters"));
      var form = el("div", "im-filter-form");
      function field(label, input) {
        var lab = el("label", "im-field"); lab.appendChild(el("span", null, label)); lab.appendChild(input); form.appendChild(lab); return input;
      }
      function select(options, all) {
        var s = el("select"); var o = el("option", null, all); o.value = ""; s.appendChild(o);
        options.forEach(function (v) { var op = el("option", null, v); op.value = v; s.appendChild(op); });
        return s;
      }
      var inputs = self.filterInputs = {};
      if (e.groups.length) {
        inputs.group = field("Group", select(e.groups, "any group"));
        inputs.role = field("as", select([], "any party"));
        var pe = el("option", null, "perpetrator"); pe.value = "perpetrator"; inputs.role.appendChild(pe);
        inputs.role.options[0].value = "any";
      }
      inputs.target = field("Target", select(e.targets, "any target"));
      inputs.category = field("Category", select(e.categories, "any category"));
      inputs.minToll = field("Toll at least", el("input"));
      inputs.minToll.type = "number"; inputs.minToll.min = 0; inputs.minToll.placeholder = "any (unknown kept)";
      var prec = el("fieldset", "im-prec"); prec.appendChild(el("legend", null, "Placed"));
      inputs.prec = ["points", "district rows", "province rows"].map(function (name, q) {
        var lab = el("label"), cb = el("input"); cb.type = "checkbox"; cb.checked = true; cb.value = q;
        lab.appendChild(cb); lab.appendChild(document.createTextNode(" " + name)); prec.appendChild(lab); return cb;
      });
      form.appendChild(prec);
      if (self.nPeriods > 1) {
        inputs.from = field("From", select(self.data.periods, "first period"));
        inputs.to = field("To", select(self.data.periods, "last period"));
        [inputs.from, inputs.to].forEach(function (s) { for (var k = 1; k < s.options.length; k++) s.options[k].value = k - 1; });
      }
      var clear = el("button", "im-clear", "Clear filters"); clear.type = "button";
      form.appendChild(clear);
      self.filterNote = el("div", "im-filter-note");
      form.appendChild(self.filterNote);
      box.appendChild(form);
      function read() {
        var f = {};
        f.group = inputs.group ? inputs.group.value : ""; f.role = inputs.role ? inputs.role.value : "any";
        f.target = inputs.target.value; f.category = inputs.category.value;
        f.minToll = inputs.minToll.value === "" ? null : +inputs.minToll.value;
        var on = inputs.prec.filter(function (c) { return c.checked; }).map(function (c) { return +c.value; });
        f.prec = on.length === 3 ? null : on;
        f.from = inputs.from && inputs.from.value !== "" ? +inputs.from.value : null;
        f.to = inputs.to && inputs.to.value !== "" ? +inputs.to.value : null;
        self.setFilters(f);
      }
      form.addEventListener("change", read);
      inputs.minToll.addEventListener("input", read);
      clear.addEventListener("click", function () { self.filters = {}; self._applyFilters(); });
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      self.filterBox = box;
      return box;
    };
    ctl.addTo(this.map);
  };

  IM.prototype._syncFilterInputs = function () {
    var inp = this.filterInputs, f = this.filterState();
    if (!inp) return;
    if (inp.group) { inp.group.value = f.group; inp.role.value = f.role; }
    inp.target.value = f.target; inp.category.value = f.category;
    if (document.activeElement !== inp.minToll) inp.minToll.value = f.minToll === null ? "" : f.minToll;
    inp.prec.forEach(function (c) { c.checked = !f.prec || f.prec.indexOf(+c.value) >= 0; });
    if (inp.from) { inp.from.value = f.from === null ? "" : f.from; inp.to.value = f.to === null ? "" : f.to; }
    if (this.filterBox && this.filterActive()) this.filterBox.open = true;
    var notes = [];
    if (this.filterActive()) {
      if (this.data.hotspots) notes.push("Hot spots describe all incidents, not the filtered ones.");
      if (this.data.points && this.data.points.w) notes.push("Grid circles count all incidents, not the filtered ones.");
      var cl = this.data.events.classes;
      if (cl && cl.scheme === "natural_breaks") notes.push("Colour classes: the natural breaks of all incidents (kept, so colours compare).");
    }
    if (this.filterNote) this.filterNote.textContent = notes.join(" ");
  };

  IM.parts.push({
    init: function (m) {
      if (!m.data.events) return;
      m._initFilterPanel();
      m.eventsReady = inflate(bytesOf(m.data.events.z)).then(function (buf) {
        m.events = decodeEvents(m.data, buf);
        if (m.pendingFilters) { m.filters = m.pendingFilters; m.pendingFilters = null; }
        m._applyFilters();
        m.map.getContainer().setAttribute("data-im-events", "1");
      });
    }
  });
})();
