/* incidentmap a11y: a text summary of the current view for screen readers.
 *
 * One polite aria-live region per map, visually hidden, rewritten after every redraw: the
 * page's script dispatches "incidentmap:view" on the map's container with a summary of the
 * view in its detail (period, filters, incidents shown...); where that event never comes
 * (an older page script), the summary is read from the map object itself after each
 * change a reader makes (slider, keys, clicks). Text only (textContent), never HTML. */
(function () {
  "use strict";

  function fmt(v) {
    if (v === null || v === undefined || isNaN(v)) return "unknown";
    if (Math.abs(v - Math.round(v)) < 1e-9) return Math.round(v).toLocaleString("en-GB");
    return v.toLocaleString("en-GB", { maximumFractionDigits: 2 });
  }

  function first(obj, names) {
    for (var i = 0; i < names.length; i++) {
      var v = obj && obj[names[i]];
      if (v !== undefined && v !== null && v !== "") return v;
    }
    return null;
  }

  /* what the map object says of its view: period, mode, the areas' total and the top three */
  function fromState(inst) {
    var d = inst.data || {}, a = d.areas, out = {};
    if (d.periods && d.periods.length) {
      out.period = inst.periodText ? inst.periodText(inst.t) : d.periods[inst.t];
      if (d.periods.length > 1) out.position = "period " + (inst.t + 1) + " of " + d.periods.length;
    }
    out.mode = inst.mode === "cumulative" ? "cumulative" : null;
    if (a && inst.areaValue) {
      var total = 0, any = false, vals = [];
      for (var i = 0; i < a.names.length; i++) {
        var v = inst.areaValue(i);
        if (v !== null && v !== undefined && !isNaN(v)) {
          any = true; total += v;
          if (v > 0) vals.push([v, a.names[i]]);
        }
      }
      vals.sort(function (x, y) { return y[0] - x[0]; });
      out.measure = a.measure;
      out.level = a.levelName || a.level;
      if (any) out.total = total;
      out.areas = vals.length;
      out.top = vals.slice(0, 3).map(function (x) { return x[1] + " " + fmt(x[0]); });
    }
    return out;
  }

  /* one or two sentences a screen reader says after each change */
  function summary(inst, detail) {
    var s = fromState(inst), parts = [];
    var period = first(detail, ["period", "periodLabel", "label"]) || s.period;
    var title = inst.data && inst.data.title;
    var head = (title ? title + ". " : "") + (period ? "Showing " + period : "Showing all dates");
    if (s.mode) head += ", cumulative";
    if (s.position) head += " (" + s.position + ")";
    parts.push(head + ".");
    var shown = first(detail, ["incidents", "shown", "incidentsShown", "count", "total"]);
    var inAreas = first(detail, ["areasWithEvents", "areas"]);
    if (shown !== null && typeof shown !== "object" && !isNaN(+shown)) {
      var where = inAreas !== null && !isNaN(+inAreas) && s.level ?
        " in " + fmt(+inAreas) + " " + s.level + (+inAreas === 1 ? "" : "s") : "";
      var off = +(first(detail, ["unplaced"]) || 0), n = fmt(+shown) + " incident" + (+shown === 1 ? "" : "s");
      /* an incident placed nowhere is counted, never said to be shown */
      parts.push(off ? n + ": " + fmt(+shown - off) + " shown" + where + ", " + fmt(off) + " not on the map." :
        n + " shown" + where + ".");
      var unknown = first(detail, ["unknownTolls"]);
      if (unknown) parts.push("Death toll unknown for " + fmt(+unknown) + ".");
    } else if (s.total !== undefined && s.measure) {
      parts.push(s.measure + ": " + fmt(s.total) + " in " + fmt(s.areas) + " " + (s.level || "area") + (s.areas === 1 ? "" : "s") + ".");
    }
    if (s.top && s.top.length) parts.push("Most: " + s.top.join(", ") + ".");
    var filters = first(detail, ["filters", "filtersText", "filter"]);
    if (filters && typeof filters === "object") filters = Object.keys(filters).map(function (k) { return k + " " + filters[k]; }).join(", ");
    parts.push("Filters: " + (filters ? filters : "none") + ".");
    var sel = first(detail, ["selection", "selected"]);
    if (sel && typeof sel !== "object") parts.push("Selected: " + sel + ".");
    return parts.join(" ");
  }

  function attach(inst) {
    if (!inst || inst.a11y || !inst.map || !inst.data) return;
    var box = inst.map.getContainer();
    var live = document.createElement("div");
    live.className = "im-a11y-summary";
    live.setAttribute("role", "status");
    live.setAttribute("aria-live", "polite");
    live.setAttribute("aria-atomic", "true");
    /* outside the map's panes, so Leaflet never moves or hides it */
    box.parentNode.insertBefore(live, box);
    var state = { live: live, events: 0, text: "" };
    inst.a11y = state;
    function write(detail) {
      /* no view event: the map's own summary of its view (filters included), else its state */
      var text = summary(inst, detail || (inst.viewSummary ? inst.viewSummary() : {}));
      if (text !== state.text) { state.text = text; live.textContent = text; }
    }
    box.addEventListener("incidentmap:view", function (ev) { state.events++; write(ev.detail); });
    /* fallback: no view event after a change the reader made -> read the state */
    var pending = null;
    function later() {
      var seen = state.events;
      if (pending) clearTimeout(pending);
      pending = setTimeout(function () { pending = null; if (state.events === seen) write(null); }, 60);
    }
    ["input", "change", "click", "keyup"].forEach(function (t) { box.addEventListener(t, later, true); });
    document.addEventListener("keyup", later);
    write(null);
  }

  /* print: the event list runs over the pages after the map's. A list inside the map (a
     control) would be cut at the map's edge: it moves after the map while printing. */
  var moved = [];
  function toPrint() {
    if (moved.length) return;
    document.querySelectorAll(".folium-map .im-events, .leaflet-container .im-events").forEach(function (node) {
      var map = node.closest(".leaflet-container");
      var holder = document.createElement("div");
      holder.className = "im-print-events";
      map.parentNode.insertBefore(holder, map.nextSibling);
      moved.push([node, node.parentNode, node.nextSibling, holder]);
      holder.appendChild(node);
    });
  }
  function fromPrint() {
    moved.forEach(function (m) {
      m[1].insertBefore(m[0], m[2] && m[2].parentNode === m[1] ? m[2] : null);
      m[3].parentNode.removeChild(m[3]);
    });
    moved = [];
  }
  window.addEventListener("beforeprint", toPrint);
  window.addEventListener("afterprint", fromPrint);

  /* small screens: a panel shown by its first line opens on keyboard focus too */
  function focusable(inst) {
    var box = inst.map.getContainer();
    box.querySelectorAll(".im-panel, .im-legend, .im-timeline, .im-header").forEach(function (n) {
      if (!n.hasAttribute("tabindex")) n.setAttribute("tabindex", "0");
    });
  }

  function attachAll() {
    (window.incidentmapInstances || []).forEach(function (inst) {
      attach(inst);
      if (inst && inst.map) focusable(inst);
    });
  }

  window.IncidentMapA11y = { summary: summary, attach: attach, toPrint: toPrint, fromPrint: fromPrint };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", attachAll);
  else setTimeout(attachAll, 0);
  document.addEventListener("incidentmap:view", attachAll, true);
})();
