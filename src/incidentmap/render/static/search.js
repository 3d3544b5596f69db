/* incidentmap search: a box that finds provinces, districts and places in any spelling the
 * gazetteer knows (Dari and Pashto script included) and zooms there.
 *
 * The names come from data.search (render/layers/search.py). Matching uses the gazetteer's
 * own keys: nameKey and looseKey below are ports of incidentmap.gazetteer.name_key and
 * loose_key (tests/test_browser_search.py keeps them equal to Python's on every name).
 * Every name is put in the page with textContent, never as HTML. */
(function () {
  "use strict";

  var ARABIC = /[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]/;
  var ARABIC_MARKS = /[\u064b-\u065f\u0670\u06d6-\u06ed\u0640\u200c\u200d]/g;
  var ARABIC_FOLD = { "\u064a": "\u06cc", "\u0649": "\u06cc", "\u0626": "\u06cc", "\u0643": "\u06a9",
    "\u0629": "\u0647", "\u06c0": "\u0647", "\u0623": "\u0627", "\u0625": "\u0627", "\u0622": "\u0627",
    "\u0671": "\u0627", "\u06ab": "\u06af", "\u069a": "\u0634", "\u06d0": "\u06cc", "\u06cd": "\u06cc",
    "\u067c": "\u062a", "\u0689": "\u062f", "\u0693": "\u0631", "\u06bc": "\u0646" };
  var TYPE_WORDS = "province|provincia|provinz|wilayat|welayat|velayat|wilayate|welayate|velayate|" +
    "district|districts|woleswali|wuleswali|uluswali|oluswali|wuluswali|woluswali|" +
    "alaqadari|alaqehdari|alaqahdari|alaqadari-e|hokumati|hukumati|hokumat|hukumat|" +
    "city|town|village|center|centre|markaz|provincial|capital|area|region|" +
    "\u0648\u0644\u0627\u06cc\u062a|\u0648\u0644\u0633\u0648\u0627\u0644\u06cc|" +
    "\u0648\u0644\u0633\u0648\u0627\u0644\u064a|\u0634\u0647\u0631|\u0645\u0631\u06a9\u0632|" +
    "\u0648\u0644\u0627\u064a\u062a";
  /* Python's \b with Unicode word characters, written as lookarounds */
  var W = "[\\p{L}\\p{N}_]";
  var TYPE_RE = new RegExp("^(?:(?:" + TYPE_WORDS + ")(?!" + W + ")[\\s\\-]*(?:[ei](?!" + W + ")[\\s\\-]*)?)+" +
    "|(?:(?<!" + W + ")(?:" + TYPE_WORDS + "))+$", "gu");
  var CONNECTOR_RE = /(?<=[a-z])[\s\-]+[ei][\s\-]+(?=[a-z])/g;
  var PAREN_RE = /\s*\(([^)]*)\)\s*/g;
  var LATIN_RULES = [["q", "k"], ["v", "w"], ["y", "i"], ["e", "i"], ["o", "u"], ["gh", "g"], ["ph", "f"]];
  var DIGRAPHS = [["kh", "k"], ["gh", "g"], ["sh", "S"], ["ch", "C"], ["zh", "J"], ["th", "t"], ["ph", "f"], ["dh", "d"]];

  function all(text, a, b) { return text.split(a).join(b); }
  function stripEnds(text) { return text.replace(/^[ ,.;:\-]+|[ ,.;:\-]+$/g, ""); }

  function clean(name) {
    var text = String(name).normalize("NFKC").trim().toLowerCase();
    text = text.replace(/[\u2019\u2018`]/g, "'").replace(/['\u02bf\u02be\u2018\u2019]/g, "");
    if (!ARABIC.test(text)) text = text.normalize("NFKD").replace(/\p{M}/gu, "");
    text = stripEnds(text.replace(/\s+/g, " "));
    for (var i = 0; i < 2; i++) text = stripEnds(text.replace(TYPE_RE, ""));
    return text;
  }

  function skeleton(text) {
    if (ARABIC.test(text)) {
      var folded = "";
      for (var i = 0; i < text.length; i++) folded += ARABIC_FOLD[text[i]] || text[i];
      return "ar:" + folded.replace(ARABIC_MARKS, "").replace(/[^\u0600-\u06ff]/g, "");
    }
    text = text.replace(/[^a-z]/g, "").replace(/c(?!h)/g, "k").replace(/[au]w(?=[^aeiouw]|$)/g, "u");
    LATIN_RULES.forEach(function (r) { text = all(text, r[0], r[1]); });
    text = all(all(text, "au", "u"), "uw", "u");
    return text.replace(/(.)\1+/g, "$1");
  }

  /* incidentmap.gazetteer.name_key */
  function nameKey(name, dropConnector) {
    var text = clean(name);
    if (dropConnector) text = text.replace(CONNECTOR_RE, " ");
    return skeleton(text);
  }

  /* incidentmap.gazetteer.names.name_variants: the name, and for "Outer (Inner)" both parts */
  function variants(name) {
    var out = [String(name)], inner = [], m;
    PAREN_RE.lastIndex = 0;
    while ((m = PAREN_RE.exec(String(name))) !== null) inner.push(m[1]);
    if (inner.length) out = out.concat([String(name).replace(PAREN_RE, " ").trim()], inner);
    return out.filter(function (v) { return v.trim(); });
  }

  /* incidentmap.gazetteer.name_keys */
  function nameKeys(name) {
    var out = [];
    variants(name).forEach(function (v) {
      [false, true].forEach(function (drop) {
        var k = nameKey(v, drop);
        if (k && out.indexOf(k) < 0) out.push(k);
      });
    });
    return out;
  }

  /* incidentmap.gazetteer.loose_key */
  function looseKey(name) {
    var text = clean(name);
    if (ARABIC.test(text)) return "";
    text = text.replace(/[^a-z]/g, "");
    if (!text) return "";
    DIGRAPHS.forEach(function (d) { text = all(text, d[0], d[1]); });
    text = text.replace(/q/g, "k").replace(/c/g, "k").replace(/v/g, "w");
    var first = "aeiou".indexOf(text[0]) >= 0 ? "a" : text[0];
    return (first + text.slice(1).replace(/[aeiouhwy]/g, "")).replace(/(.)\1+/g, "$1");
  }

  var KINDS = ["province", "district", "place"];
  /* Dari/Pashto letters of the payload's keys are one byte each: s.ar lists them in this order */
  var CODES = "0123456789ABDEFGHIKLMNOPQRTUVWXYZ!#$%&()*+,-.:;=?@[]^_{}~";

  /* the entries with their keys: own (the name's keys) and other (skeletons, Dari/Pashto),
     and a function writing a key's Dari/Pashto letters as the payload does */
  function entries(s, areas, labels) {
    var out = [], table = {};
    for (var c = 0; c < (s.ar || "").length; c++) table[s.ar[c]] = CODES[c];
    out.coded = function (k) {
      var o = "";
      for (var i = 0; i < k.length; i++) o += table[k[i]] || k[i];
      return o;
    };
    function add(name, kind, prov, where, spellings, others) {
      var own = [], other = others ? others.split("|").filter(Boolean) : [];
      spellings.forEach(function (sp) {
        nameKeys(sp).forEach(function (k) {
          k = k.replace(/^ar:/, "");
          if (own.indexOf(k) < 0) own.push(k);
        });
        variants(sp).forEach(function (v) { var l = looseKey(v); if (l.length >= 3) other.push(l); });
      });
      out.push({ name: name, kind: kind, prov: prov, where: where, own: own, other: other, order: out.length });
    }
    (s.p || []).forEach(function (r, i) { add(r[0], 0, i, { box: r.slice(1, 5) }, r[5].split("|"), ""); });
    /* districts: the names and shapes of the page's areas (a district map), else the names
       and points of its labels, in the same order as s.d */
    var named = s.dl && labels ? labels.items.filter(function (it) { return it[3] === 2; }) : [];
    (s.d || []).forEach(function (r, i) {
      if (s.da && areas) add(areas.names[i], 1, r[0], { area: i }, [areas.names[i]], r[1]);
      else if (named[i]) add(named[i][2], 1, r[0], { point: [named[i][1], named[i][0]] }, [named[i][2]], r[1]);
    });
    (s.t || []).forEach(function (r) { add(r[0], 2, r[1], { point: [r[3] / 1000, r[2] / 1000] }, [r[0]], r[4]); });
    return out;
  }

  /* the best tier an entry reaches for the typed text (lower is better; -1: no match) */
  function tier(e, qk, qc, ql) {
    var best = -1;
    function take(t) { if (best < 0 || t < best) best = t; }
    for (var i = 0; i < e.own.length; i++) {
      var k = e.own[i];
      if (k === qk) return 0;
      if (k.lastIndexOf(qk, 0) === 0) take(2);
      else if (qk.length >= 3 && k.indexOf(qk) > 0) take(4);
    }
    for (var j = 0; j < e.other.length; j++) {
      var o = e.other[j];
      if (o === qc || (ql && o === ql)) take(1);
      else if (o.lastIndexOf(qc, 0) === 0 || (ql.length > 3 && o.lastIndexOf(ql, 0) === 0)) take(3);
    }
    return best;
  }

  function find(list, text, limit) {
    var qk = nameKey(text, false).replace(/^ar:/, ""), ql = looseKey(text);
    if (!qk) return [];
    if (ql.length < 3) ql = "";
    var qc = list.coded(qk), hits = [];
    list.forEach(function (e) {
      var t = tier(e, qk, qc, ql);
      if (t >= 0) hits.push([t, e]);
    });
    hits.sort(function (a, b) { return a[0] - b[0] || a[1].kind - b[1].kind || a[1].order - b[1].order; });
    return hits.slice(0, limit || 8).map(function (h) { return h[1]; });
  }

  function attach(inst) {
    if (!inst || inst.search || !inst.data || !inst.data.search || !window.L) return;
    initSearch.call(inst);
  }

  /* the search box of one map: reads this.data.search (render/layers/search.py) */
  function initSearch() {
    var inst = this, s = this.data.search;
    var map = inst.map, list = entries(s, inst.data.areas, inst.data.labels), provs = s.p || [];
    var state = { query: "", results: [], active: -1, picked: null, marker: null, message: "" };
    inst.search = state;
    var uid = "im-search-" + (document.querySelectorAll(".im-search").length + 1);

    var ctl = L.control({ position: "topright" });
    ctl.onAdd = function () {
      var box = document.createElement("div");
      box.className = "im-control im-search";
      box.setAttribute("role", "search");
      var input = document.createElement("input");
      input.type = "search";
      input.className = "im-search-input";
      input.placeholder = "Find a province, district or place";
      input.setAttribute("aria-label", "find a province, district or place (any spelling, Dari too)");
      input.setAttribute("role", "combobox");
      input.setAttribute("aria-autocomplete", "list");
      input.setAttribute("aria-expanded", "false");
      input.setAttribute("aria-controls", uid);
      input.setAttribute("autocomplete", "off");
      input.setAttribute("spellcheck", "false");
      var ul = document.createElement("ul");
      ul.className = "im-search-results";
      ul.id = uid;
      ul.setAttribute("role", "listbox");
      ul.setAttribute("aria-label", "places found");
      var status = document.createElement("div");
      status.className = "im-search-status";
      status.setAttribute("aria-live", "polite");
      box.appendChild(input); box.appendChild(ul); box.appendChild(status);
      state.input = input; state.list = ul; state.status = status;

      function show() {
        ul.textContent = "";
        state.results.forEach(function (e, i) {
          var li = document.createElement("li");
          li.id = uid + "-" + i;
          li.setAttribute("role", "option");
          li.setAttribute("aria-selected", i === state.active ? "true" : "false");
          if (i === state.active) li.className = "im-active";
          var name = document.createElement("span");
          name.className = "im-search-name";
          name.textContent = e.name;
          var what = document.createElement("span");
          what.className = "im-search-kind";
          what.textContent = KINDS[e.kind] + (e.kind > 0 && provs[e.prov] ? ", " + provs[e.prov][0] : "");
          li.appendChild(name); li.appendChild(what);
          li.addEventListener("mousedown", function (ev) { ev.preventDefault(); pick(i); });
          ul.appendChild(li);
        });
        var open = state.results.length > 0;
        ul.style.display = open ? "" : "none";
        input.setAttribute("aria-expanded", open ? "true" : "false");
        if (state.active >= 0) input.setAttribute("aria-activedescendant", uid + "-" + state.active);
        else input.removeAttribute("aria-activedescendant");
        status.textContent = state.message;
      }

      function update() {
        state.query = input.value;
        state.results = state.query.trim() ? find(list, state.query, 8) : [];
        state.active = state.results.length ? 0 : -1;
        state.message = !state.query.trim() ? "" : (state.results.length ? state.results.length + " found" : "nothing found");
        show();
      }

      function pick(i) {
        var e = state.results[i];
        if (!e) return;
        zoomTo(e);
        state.results = []; state.active = -1;
        input.value = e.name;
        state.message = e.name + ", " + KINDS[e.kind] + (e.kind > 0 && provs[e.prov] ? ", " + provs[e.prov][0] : "") + ": shown on the map";
        show();
      }

      input.addEventListener("input", update);
      input.addEventListener("keydown", function (ev) {
        var n = state.results.length;
        if (ev.key === "ArrowDown" && n) { state.active = (state.active + 1) % n; show(); ev.preventDefault(); }
        else if (ev.key === "ArrowUp" && n) { state.active = (state.active - 1 + n) % n; show(); ev.preventDefault(); }
        else if (ev.key === "Enter") { if (n) pick(state.active < 0 ? 0 : state.active); ev.preventDefault(); }
        else if (ev.key === "Escape") {
          if (n) { state.results = []; state.active = -1; show(); }
          else { input.value = ""; state.query = ""; state.message = ""; show(); input.blur(); }
          ev.preventDefault();
        }
        ev.stopPropagation();
      });
      var closing = null;  /* a click on a result lands before the list closes */
      input.addEventListener("blur", function () {
        closing = setTimeout(function () { closing = null; state.results = []; state.active = -1; show(); }, 150);
      });
      input.addEventListener("focus", function () { if (closing) { clearTimeout(closing); closing = null; } });
      ul.style.display = "none";
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      return box;
    };

    function zoomTo(e) {
      if (state.marker) { map.removeLayer(state.marker); state.marker = null; }
      var area = e.where.area !== undefined && inst.areaLayers ? inst.areaLayers[e.where.area] : null;
      if (area && area.getBounds) {
        map.fitBounds(area.getBounds(), { animate: false, maxZoom: 11, padding: [20, 20] });
      } else if (e.where.box) {
        var b = e.where.box;
        map.fitBounds([[b[1] / 100, b[0] / 100], [(b[1] + b[3]) / 100, (b[0] + b[2]) / 100]],
          { animate: false, maxZoom: 11, padding: [20, 20] });
      } else if (e.where.point) {
        map.setView(e.where.point, Math.max(map.getZoom(), 10), { animate: false });
        if (e.kind === 2) state.marker = L.circleMarker(e.where.point, { radius: 9, color: "#111", weight: 2.5, fill: false,
          interactive: false, className: "im-search-mark" }).addTo(map);
      }
      state.picked = { name: e.name, kind: KINDS[e.kind], province: provs[e.prov] ? provs[e.prov][0] : null };
      map.getContainer().dispatchEvent(new CustomEvent("incidentmap:search", { detail: state.picked }));
    }

    ctl.addTo(map);
    var node = ctl.getContainer(), corner = node.parentNode;
    if (corner && corner.firstChild !== node) corner.insertBefore(node, corner.firstChild);
    state.find = function (text) { return find(list, text, 8).map(function (e) { return e.name; }); };
  }

  function attachAll() { (window.incidentmapInstances || []).forEach(attach); }

  if (window.IncidentMap) window.IncidentMap.prototype._initSearch = initSearch;
  window.IncidentMapSearch = { nameKey: nameKey, nameKeys: nameKeys, looseKey: looseKey, attach: attach };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", attachAll);
  else setTimeout(attachAll, 0);
  document.addEventListener("incidentmap:view", attachAll, true);
})();
