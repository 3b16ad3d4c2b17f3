/* Yalu link chart: filters, search, timeline and the details panel around vis-network.
 *
 * Every string in the payload comes from untrusted documents, so this file writes text with
 * textContent only: no innerHTML, no href, no inline handlers (the page CSP forbids them).
 * The page is exposed as window.yalu for tests and for analysts at the console.
 */
(function () {
  "use strict";

  var data = JSON.parse(document.getElementById("yalu-data").textContent);
  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  var LIST_CAP = 150; // rows per panel section; a hub can have thousands of links

  function $(id) { return document.getElementById(id); }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  // --- data --------------------------------------------------------------------------

  var nodeInfo = new Map();
  var edgeInfo = new Map();
  var incident = new Map(); // node id -> edge ids
  data.nodes.forEach(function (n, i) { nodeInfo.set(n.id, data.nodeInfo[i]); incident.set(n.id, []); });
  data.edges.forEach(function (e, i) {
    edgeInfo.set(e.id, data.edgeInfo[i]);
    incident.get(e.from).push(e.id);
    if (e.to !== e.from) incident.get(e.to).push(e.id);
  });
  var polarityColour = Object.create(null); // lookups by untrusted keys: no prototype
  data.legend.polarity.forEach(function (p) { polarityColour[p.key] = p.color; });
  var polarityRules = document.createElement("style");
  polarityRules.textContent = data.legend.polarity.map(function (p) {
    // Keys and colours are ours (style.json), never document text.
    return ".tl-item.pol-" + p.key.replace(/[^a-z]/g, "") + " { border-left-color: " + p.color.replace(/[^#0-9a-fA-F]/g, "") + "; }";
  }).join("\n");
  document.head.appendChild(polarityRules);

  var timings = { parsed: performance.now() };
  var nodes = new vis.DataSet(data.nodes);
  var edges = new vis.DataSet(data.edges);
  var container = $("graph");
  var network = new vis.Network(container, { nodes: nodes, edges: edges }, data.options);
  timings.network = performance.now();
  timings.draws = 0;
  network.on("afterDrawing", function () { timings.draws += 1; });

  var yalu = {
    ready: false,
    readyAt: null,
    timings: timings,
    data: data,
    network: network,
    nodes: nodes,
    edges: edges,
    nodeInfo: nodeInfo,
    edgeInfo: edgeInfo
  };
  window.yalu = yalu;

  // Ready = the page is wired (filters, search, timeline) and a frame has been drawn with the
  // final layout. The bench times navigation start -> readyAt.
  var laidOut = !(data.physics && data.nodes.length);
  var wired = false;

  function markReady() {
    if (yalu.ready) return;
    yalu.readyAt = timings.ready = performance.now();
    yalu.ready = true;
    document.body.setAttribute("data-ready", "1");
  }

  function finishStart() {
    if (!laidOut || !wired || yalu.ready) return;
    network.once("afterDrawing", markReady);
    // Ask for the next frame rather than network.redraw(): that draws synchronously and the
    // frame vis already queued would then draw everything a second time.
    network.body.emitter.emit("_requestRedraw");
    if (!data.nodes.length) requestAnimationFrame(markReady);
  }

  // With physics off vis fits the view itself when it initialises (and with physics on,
  // after stabilising), so there is no fit() here: it would measure every label again.
  if (!laidOut) {
    network.once("stabilizationIterationsDone", function () {
      // Stabilisation is capped at 100 iterations; then the layout stays put.
      network.setOptions({ physics: false });
      timings.stabilized = performance.now();
      laidOut = true;
      finishStart();
    });
  }

  if (data.groups && data.groups.length) {
    // Country discs of the clustered layout, drawn under the nodes as canvas text.
    network.on("beforeDrawing", function (ctx) {
      ctx.save();
      data.groups.forEach(function (g) {
        ctx.beginPath();
        ctx.arc(g.x, g.y, g.r, 0, 2 * Math.PI);
        ctx.globalAlpha = 0.07;
        ctx.fillStyle = g.color;
        ctx.fill();
        ctx.globalAlpha = 0.8;
        ctx.fillStyle = g.color;
        ctx.font = "bold " + g.font + "px system-ui, sans-serif";
        ctx.textAlign = "center";
        ctx.fillText(g.label, g.x, g.y - g.r - 12);
      });
      ctx.restore();
    });
  }

  // --- dates -------------------------------------------------------------------------

  function monthText(m) {
    var month = ((m % 12) + 12) % 12;
    return MONTHS[month] + " " + Math.floor(m / 12);
  }

  // "2016" -> Jan 2016 (as start) or Dec 2016 (as end); "2016-05[-17]" -> May 2016.
  function parseMonth(value, asEnd) {
    if (value === null || value === undefined || value === "") return null;
    if (typeof value === "number") return value;
    var m = /^\s*(\d{4})(?:-(\d{1,2}))?/.exec(String(value));
    if (!m) return null;
    var year = parseInt(m[1], 10);
    var month = m[2] ? parseInt(m[2], 10) : 0;
    if (!(month >= 1 && month <= 12)) return year * 12 + (asEnd ? 11 : 0);
    return year * 12 + month - 1;
  }

  // --- filters -----------------------------------------------------------------------

  var state = {
    countryOff: new Set(),
    entityOff: new Set(),
    eventOff: new Set(),
    kindOff: new Set(),
    from: data.dates ? data.dates.min : null,
    to: data.dates ? data.dates.max : null
  };
  var nodeHidden = new Map();
  var edgeHidden = new Map();
  // The payload starts with everything shown; only changes are sent to the DataSets.
  nodeInfo.forEach(function (_, id) { nodeHidden.set(id, false); });
  edgeInfo.forEach(function (_, id) { edgeHidden.set(id, false); });

  function inRange(t0, t1) {
    if (t0 === null || t0 === undefined || state.from === null) return true;
    return t1 >= state.from && t0 <= state.to;
  }

  function hideNode(info) {
    if (info.coarse === "Event") return state.eventOff.has(info.cls) || !inRange(info.t0, info.t1);
    return state.entityOff.has(info.cls) || state.countryOff.has(info.ck);
  }

  // a fact a document states ("fact") or background from the gazetteer or inference ("background"): undated
  function isFact(info) { return info.kind === "fact" || info.kind === "background"; }

  function hideEdge(info) {
    if (state.kindOff.has(info.kind)) return true;
    if (info.event_cls && state.eventOff.has(info.event_cls)) return true;
    if (!isFact(info) && !inRange(info.t0, info.t1)) return true;
    return nodeHidden.get(info.from) || nodeHidden.get(info.to);
  }

  function applyFilters() {
    var nodeChanges = [];
    var edgeChanges = [];
    nodeInfo.forEach(function (info, id) {
      var hidden = hideNode(info);
      if (nodeHidden.get(id) !== hidden) {
        nodeHidden.set(id, hidden);
        nodeChanges.push({ id: id, hidden: hidden });
      }
    });
    edgeInfo.forEach(function (info, id) {
      var hidden = hideEdge(info);
      if (edgeHidden.get(id) !== hidden) {
        edgeHidden.set(id, hidden);
        edgeChanges.push({ id: id, hidden: hidden });
      }
    });
    if (nodeChanges.length) nodes.update(nodeChanges);
    if (edgeChanges.length) edges.update(edgeChanges);
    updateTimeline();
    updateCounts();
  }

  function visibleCounts() {
    var n = 0;
    var e = 0;
    nodeHidden.forEach(function (h) { if (!h) n += 1; });
    edgeHidden.forEach(function (h) { if (!h) e += 1; });
    return { nodes: n, edges: e, totalNodes: nodeInfo.size, totalEdges: edgeInfo.size };
  }

  function updateCounts() {
    var c = visibleCounts();
    $("counts").textContent = c.nodes + " / " + c.totalNodes + " nodes \u00b7 " + c.edges + " / " + c.totalEdges + " links";
  }

  var checkboxes = { country: new Map(), entity: new Map(), event: new Map(), kind: new Map() };
  var offSets = { country: state.countryOff, entity: state.entityOff, event: state.eventOff, kind: state.kindOff };

  function setFilter(group, key, visible) {
    var off = offSets[group];
    if (!off) throw new Error("unknown filter group: " + group);
    if (visible) off.delete(key); else off.add(key);
    var box = checkboxes[group].get(key);
    if (box) box.checked = !!visible;
    applyFilters();
    return visibleCounts();
  }

  function svgShape(shape, colour) {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("width", "14");
    svg.setAttribute("height", "14");
    svg.setAttribute("viewBox", "0 0 14 14");
    svg.setAttribute("class", "icon");
    var part;
    if (shape === "dot") {
      part = document.createElementNS(ns, "circle");
      part.setAttribute("cx", "7"); part.setAttribute("cy", "7"); part.setAttribute("r", "5.5");
    } else if (shape === "square" || shape === "box") {
      part = document.createElementNS(ns, "rect");
      part.setAttribute("x", shape === "box" ? "0.5" : "1.5");
      part.setAttribute("y", shape === "box" ? "3" : "1.5");
      part.setAttribute("width", shape === "box" ? "13" : "11");
      part.setAttribute("height", shape === "box" ? "8" : "11");
      part.setAttribute("rx", shape === "box" ? "2" : "0");
    } else {
      part = document.createElementNS(ns, "polygon");
      var points = {
        star: "7,0.6 8.8,5 13.4,5.2 9.8,8.1 11,12.8 7,10.2 3,12.8 4.2,8.1 0.6,5.2 5.2,5",
        triangle: "7,1 13,12.5 1,12.5",
        diamond: "7,0.5 13.5,7 7,13.5 0.5,7"
      };
      part.setAttribute("points", points[shape] || points.diamond);
    }
    part.setAttribute("fill", colour);
    part.setAttribute("stroke", "#444");
    part.setAttribute("stroke-width", "0.8");
    svg.appendChild(part);
    return svg;
  }

  function lineSwatch(colour, dashes) {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("width", "24");
    svg.setAttribute("height", "10");
    svg.setAttribute("class", "icon");
    var line = document.createElementNS(ns, "line");
    line.setAttribute("x1", "1"); line.setAttribute("y1", "5");
    line.setAttribute("x2", "23"); line.setAttribute("y2", "5");
    line.setAttribute("stroke", colour);
    line.setAttribute("stroke-width", "2.2");
    if (dashes === true) line.setAttribute("stroke-dasharray", "5 4");
    else if (dashes) line.setAttribute("stroke-dasharray", dashes.join(" "));
    svg.appendChild(line);
    return svg;
  }

  function checkRow(list, group, key, label, count, icon) {
    var li = el("li");
    var lab = el("label");
    var box = document.createElement("input");
    box.type = "checkbox";
    box.checked = !offSets[group].has(key);
    box.addEventListener("change", function () { setFilter(group, key, box.checked); });
    checkboxes[group].set(key, box);
    lab.appendChild(box);
    if (icon) lab.appendChild(icon);
    lab.appendChild(el("span", "name", label));
    if (count !== undefined) lab.appendChild(el("span", "count", count));
    li.appendChild(lab);
    list.appendChild(li);
  }

  function emptyRow(list, text) { list.appendChild(el("li", "empty", text)); }

  function buildSide() {
    var shapeOf = Object.create(null);
    data.legend.shapes.forEach(function (s) { shapeOf[s.coarse] = s.shape; });

    var countries = $("countries");
    data.legend.countries.forEach(function (c) {
      var sw = el("span", "swatch");
      sw.style.background = c.color;
      checkRow(countries, "country", c.name, c.name, c.count, sw);
    });
    if (!data.legend.countries.length) emptyRow(countries, "none");

    var entity = $("entity");
    data.filters.entity.forEach(function (f) {
      checkRow(entity, "entity", f.cls, f.cls, f.count, svgShape(shapeOf[f.coarse] || "square", "#c9ccd3"));
    });
    if (!data.filters.entity.length) emptyRow(entity, "none");

    var events = $("event");
    data.filters.event.forEach(function (f) {
      checkRow(events, "event", f.cls, f.cls, f.count, svgShape(shapeOf.Event || "box", "#fff3c4"));
    });
    if (!data.filters.event.length) emptyRow(events, "none");

    var kinds = $("kinds");
    var kindStyle = Object.create(null);
    data.legend.kinds.forEach(function (k) { kindStyle[k.key] = k; });
    data.filters.kind.forEach(function (f) {
      var spec = kindStyle[f.kind] || { label: f.kind, dashes: false };
      checkRow(kinds, "kind", f.kind, spec.label, f.count, lineSwatch("#666", spec.dashes));
    });

    var pol = $("polarity");
    data.legend.polarity.forEach(function (p) {
      var li = el("li");
      li.appendChild(lineSwatch(p.color, false));
      li.appendChild(el("span", "name", p.label));
      pol.appendChild(li);
    });

    var from = $("from");
    var to = $("to");
    if (!data.dates) {
      $("dates").querySelector(".range").hidden = true;
      $("dates").querySelector(".hint").textContent = "No dated interactions or events.";
    } else {
      [from, to].forEach(function (input) {
        input.min = String(data.dates.min);
        input.max = String(data.dates.max);
      });
      var pending = false;
      var onSlide = function (which) {
        var a = parseInt(from.value, 10);
        var b = parseInt(to.value, 10);
        if (a > b) { if (which === "from") to.value = String(a); else from.value = String(b); }
        state.from = parseInt(from.value, 10);
        state.to = parseInt(to.value, 10);
        showRange();
        // Sliders fire many input events per second; filter once per frame.
        if (!pending) {
          pending = true;
          requestAnimationFrame(function () { pending = false; applyFilters(); });
        }
      };
      from.addEventListener("input", function () { onSlide("from"); });
      to.addEventListener("input", function () { onSlide("to"); });
      showRange();
    }
  }

  function showRange() {
    if (!data.dates) return;
    $("from").value = String(state.from);
    $("to").value = String(state.to);
    $("from-label").textContent = monthText(state.from);
    $("to-label").textContent = monthText(state.to);
  }

  function setDateRange(from, to) {
    if (!data.dates) return null;
    var a = parseMonth(from, false);
    var b = parseMonth(to, true);
    state.from = Math.max(data.dates.min, a === null ? data.dates.min : a);
    state.to = Math.min(data.dates.max, b === null ? data.dates.max : b);
    if (state.from > state.to) state.to = state.from;
    showRange();
    applyFilters();
    return getDateRange();
  }

  function getDateRange() {
    if (!data.dates) return null;
    return { from: monthText(state.from), to: monthText(state.to), fromMonth: state.from, toMonth: state.to };
  }

  function resetFilters() {
    ["country", "entity", "event", "kind"].forEach(function (group) {
      offSets[group].clear();
      checkboxes[group].forEach(function (box) { box.checked = true; });
    });
    if (data.dates) { state.from = data.dates.min; state.to = data.dates.max; showRange(); }
    applyFilters();
  }

  // --- panel -------------------------------------------------------------------------

  var panel = $("panel");
  var body = $("panel-body");

  function openPanel() {
    body.textContent = "";
    panel.hidden = false;
    panel.scrollTop = 0;
    return body;
  }

  function closePanel() {
    panel.hidden = true;
    body.textContent = "";
    markTimeline(null);
  }

  function heading(text) { body.appendChild(el("h3", null, text)); }

  function nodeLink(id) {
    var info = nodeInfo.get(id);
    var b = el("button", "link", info ? info.label : id);
    b.type = "button";
    b.addEventListener("click", function () { selectNode(id); });
    return b;
  }

  function sourceBlock(src) {
    var box = el("div", "src");
    if (src.sentence) box.appendChild(el("blockquote", null, src.sentence));
    var doc = src.doc_title || src.document;
    if (doc) box.appendChild(el("div", "doc", (src.doc_title && src.document && src.document !== src.doc_title)
      ? src.doc_title + " \u2014 " + src.document : doc));
    return box;
  }

  function capped(list, items, render) {
    items.slice(0, LIST_CAP).forEach(function (item) { list.appendChild(render(item)); });
    if (items.length > LIST_CAP) list.appendChild(el("li", "more", "\u2026 and " + (items.length - LIST_CAP) + " more"));
  }

  function byDate(a, b) {
    var da = edgeInfo.get(a).date || "9999";
    var db = edgeInfo.get(b).date || "9999";
    return da < db ? -1 : da > db ? 1 : 0;
  }

  function edgeRow(eid, selfId) {
    var info = edgeInfo.get(eid);
    var li = el("li");
    if (info.date) li.appendChild(el("span", "date", info.date));
    var dot = el("span", "pol");
    dot.style.background = polarityColour[info.polarity || "none"] || "#999";
    li.appendChild(dot);
    var outgoing = info.from === selfId;
    var b = el("button", "link", info.predicate + (outgoing ? " \u2192 " : " \u2190 ")
      + (nodeInfo.get(outgoing ? info.to : info.from) || {}).label);
    b.type = "button";
    b.addEventListener("click", function () { selectEdge(eid); });
    li.appendChild(b);
    if (info.event_label) li.appendChild(el("div", "doc", info.event_label));
    return li;
  }

  function showNode(id) {
    var info = nodeInfo.get(id);
    if (!info) return;
    openPanel();
    body.appendChild(el("h2", null, info.label));
    var sub = info.cls + (info.country && info.coarse !== "Event" ? " \u00b7 " + info.country : "");
    if (info.date) sub += " \u00b7 " + info.date;
    if (info.modality) sub += " \u00b7 " + info.modality;
    body.appendChild(el("p", "sub", sub));
    body.appendChild(el("div", "iri", info.iri));
    if (info.aliases.length) {
      heading("Also known as");
      body.appendChild(el("p", null, info.aliases.join(", ")));
    }
    if (info.facts.length) {
      heading("Facts");
      var facts = el("ul");
      capped(facts, info.facts, function (f) {
        var li = el("li");
        li.appendChild(el("strong", null, f.predicate));
        li.appendChild(document.createTextNode(" " + (f.object_label || "")));
        if (f.source) li.appendChild(el("span", "badge", f.source));
        if (f.sentence || f.doc_title) li.appendChild(sourceBlock(f));
        return li;
      });
      body.appendChild(facts);
    }
    var mine = incident.get(id) || [];
    var events = mine.filter(function (e) { return edgeInfo.get(e).kind === "interaction"; }).sort(byDate);
    if (events.length) {
      heading("Events (" + events.length + ")");
      var ul = el("ul");
      capped(ul, events, function (e) { return edgeRow(e, id); });
      body.appendChild(ul);
    }
    var roles = mine.filter(function (e) { return edgeInfo.get(e).kind === "role"; }).sort(byDate);
    if (roles.length) {
      heading(info.coarse === "Event" ? "Participants" : "Roles in events");
      var rl = el("ul");
      capped(rl, roles, function (e) { return edgeRow(e, id); });
      body.appendChild(rl);
    }
    var links = mine.filter(function (e) { return isFact(edgeInfo.get(e)); });
    if (links.length) {
      heading("Links (" + links.length + ")");
      var ll = el("ul");
      capped(ll, links, function (e) { return edgeRow(e, id); });
      body.appendChild(ll);
    }
    if (info.mentions.length) {
      heading("Mentions (" + info.mentions.length + ")");
      var ml = el("ul");
      capped(ml, info.mentions, function (m) { var li = el("li"); li.appendChild(sourceBlock(m)); return li; });
      body.appendChild(ml);
    }
  }

  function showEdges(ids, title) {
    ids = ids.filter(function (id) { return edgeInfo.has(id); });
    if (!ids.length) return;
    openPanel();
    if (title) body.appendChild(el("h2", null, title));
    ids.forEach(function (eid, i) {
      var info = edgeInfo.get(eid);
      // One link: its event description (or predicate) heads the panel; a grouped event
      // has its own heading and numbers the links under it.
      var head = el(title ? "h3" : "h2", null, title ? "Link " + (i + 1) : (info.event_label || info.predicate));
      body.appendChild(head);
      var line = el("p", "sub");
      line.appendChild(nodeLink(info.from));
      line.appendChild(document.createTextNode(" " + info.predicate + " "));
      line.appendChild(nodeLink(info.to));
      body.appendChild(line);
      var meta = [info.kind];
      if (info.polarity) meta.push(info.polarity);
      if (info.event_cls) meta.push(info.event_cls);
      meta.push(info.date ? info.date : "undated");
      var m = el("p", "sub");
      var dot = el("span", "pol");
      dot.style.background = polarityColour[info.polarity || "none"] || "#999";
      m.appendChild(dot);
      meta.forEach(function (part, k) {
        if (k) m.appendChild(document.createTextNode(" \u00b7 "));
        m.appendChild(el("span", "nowrap", part));
      });
      body.appendChild(m);
      if (info.event_label && title) body.appendChild(el("p", null, info.event_label));
      if (info.event) body.appendChild(el("div", "iri", info.event));
      if (!title) heading("Sources (" + info.sources.length + ")");
      var ul = el("ul");
      capped(ul, info.sources, function (s) { var li = el("li"); li.appendChild(sourceBlock(s)); return li; });
      if (!info.sources.length) ul.appendChild(el("li", "empty", "No source sentence recorded."));
      body.appendChild(ul);
    });
  }

  // --- selection ---------------------------------------------------------------------

  function focusOn(position) {
    // Centre the target in the part of the canvas the details panel leaves visible.
    var shift = panel.hidden ? 0 : -(panel.offsetWidth + 10) / 2;
    network.moveTo({
      position: position,
      scale: Math.max(network.getScale(), 0.9),
      offset: { x: shift, y: 0 },
      animation: { duration: 350, easingFunction: "easeInOutQuad" }
    });
  }

  function selectNode(id) {
    if (!nodeInfo.has(id)) return false;
    network.selectNodes([id]);
    showNode(id);
    if (!nodeHidden.get(id)) focusOn(network.getPositions([id])[id]);
    markTimeline(timelineByNode.get(id));
    return true;
  }

  function selectEdges(ids, title, item) {
    ids = ids.filter(function (id) { return edgeInfo.has(id); });
    if (!ids.length) return false;
    network.setSelection({ nodes: [], edges: ids }, { unselectAll: true, highlightEdges: false });
    var info = edgeInfo.get(ids[0]);
    showEdges(ids, title);
    if (!edgeHidden.get(ids[0])) {
      var pos = network.getPositions([info.from, info.to]);
      focusOn({ x: (pos[info.from].x + pos[info.to].x) / 2, y: (pos[info.from].y + pos[info.to].y) / 2 });
    }
    markTimeline(item !== undefined ? item : timelineByEdge.get(ids[0]));
    return true;
  }

  function selectEdge(id) { return selectEdges([id]); }

  function select(id) {
    if (nodeInfo.has(id)) return selectNode(id);
    if (edgeInfo.has(id)) return selectEdge(id);
    return false;
  }

  network.on("click", function (params) {
    if (params.nodes.length) {
      showNode(params.nodes[0]);
      markTimeline(timelineByNode.get(params.nodes[0]));
    } else if (params.edges.length) {
      showEdges([params.edges[0]]);
      markTimeline(timelineByEdge.get(params.edges[0]));
    } else {
      closePanel();
    }
  });

  // --- search ------------------------------------------------------------------------

  function norm(text) {
    return String(text).normalize("NFKD").replace(/[\u0300-\u036f]/g, "")
      .replace(/[\u2019\u02bc]/g, "'").toLowerCase().replace(/\s+/g, " ").trim();
  }

  var names = [];
  nodeInfo.forEach(function (info, id) {
    names.push({ key: norm(info.label), id: id, alias: false });
    info.aliases.forEach(function (a) { names.push({ key: norm(a), id: id, alias: true }); });
  });

  function findNode(query) {
    var q = norm(query);
    if (!q) return null;
    var best = null;
    var bestScore = Infinity;
    names.forEach(function (entry) {
      var rank;
      if (entry.key === q) rank = 0;
      else if (entry.key.indexOf(q) === 0) rank = 2;
      else if (entry.key.indexOf(" " + q) >= 0) rank = 4;
      else if (entry.key.indexOf(q) > 0) rank = 6;
      else return;
      if (entry.alias) rank += 1;
      // Prefer what is on screen, then the better-connected node.
      var score = rank * 1e7 + (nodeHidden.get(entry.id) ? 5e6 : 0) - Math.min(incident.get(entry.id).length, 4e6);
      if (score < bestScore) { bestScore = score; best = entry.id; }
    });
    return best;
  }

  function search(query) {
    var id = findNode(query);
    var msg = $("msg");
    if (id === null) {
      msg.textContent = String(query).trim() ? "No match for \u201c" + String(query).trim() + "\u201d" : "";
      return null;
    }
    msg.textContent = nodeHidden.get(id) ? "\u201c" + nodeInfo.get(id).label + "\u201d is hidden by filters" : "";
    selectNode(id);
    return id;
  }

  var datalistFilled = false;
  $("q").addEventListener("focus", function () {
    // Filled on first use: a datalist of 10,000 names costs layout time at load.
    if (datalistFilled) return;
    datalistFilled = true;
    var list = $("names");
    var seen = new Set();
    var frag = document.createDocumentFragment();
    nodeInfo.forEach(function (info) {
      [info.label].concat(info.aliases).forEach(function (name) {
        if (seen.has(name) || seen.size > 20000) return;
        seen.add(name);
        var opt = document.createElement("option");
        opt.value = name;
        frag.appendChild(opt);
      });
    });
    list.appendChild(frag);
  });
  $("search").addEventListener("submit", function (ev) {
    ev.preventDefault();
    search($("q").value);
  });
  $("fit").addEventListener("click", function () { network.fit({ animation: { duration: 300 } }); });
  $("reset").addEventListener("click", resetFilters);
  $("close").addEventListener("click", closePanel);
  document.addEventListener("keydown", function (ev) {
    if (ev.key === "Escape") closePanel();
    if (ev.key === "/" && document.activeElement !== $("q")) { ev.preventDefault(); $("q").focus(); }
  });

  // --- timeline ----------------------------------------------------------------------

  var timelineItems = [];
  var timelineYears = []; // [marker element, indexes of its items]
  var timelineByNode = new Map();
  var timelineByEdge = new Map();
  var activeItem = null;

  function buildTimeline() {
    var box = $("tl-items");
    var frag = document.createDocumentFragment();
    var year = null;
    if (!data.timeline.length) frag.appendChild(el("div", "empty", "No events."));
    data.timeline.forEach(function (item, i) {
      var itemYear = item.date ? item.date.slice(0, 4) : "undated";
      if (itemYear !== year) {
        year = itemYear;
        var marker = el("div", "tl-year", year);
        frag.appendChild(marker);
        timelineYears.push([marker, []]);
      }
      timelineYears[timelineYears.length - 1][1].push(i);
      // Plain elements with a class per polarity and one delegated click listener: a
      // 10,000-node graph has about 10,000 events.
      var b = el("button", "tl-item pol-" + (item.polarity || "none"));
      b.type = "button";
      b.setAttribute("data-i", String(i));
      b.title = (item.date || "undated") + " \u00b7 " + item.cls + "\n" + item.label;
      b.appendChild(el("span", "tl-date", (item.date || "undated") + " \u00b7 " + item.cls));
      b.appendChild(el("span", "tl-label", item.label));
      frag.appendChild(b);
      timelineItems.push(b);
      if (item.node) timelineByNode.set(item.node, i);
      item.edges.forEach(function (e) { timelineByEdge.set(e, i); });
    });
    box.appendChild(frag);
    box.addEventListener("click", function (ev) {
      var b = ev.target.closest(".tl-item");
      if (b) selectTimeline(parseInt(b.getAttribute("data-i"), 10));
    });
  }

  function selectTimeline(i) {
    var item = data.timeline[i];
    if (!item) return false;
    if (item.node) return selectNode(item.node);
    return selectEdges(item.edges, item.edges.length > 1 ? item.label : null, i);
  }

  function markTimeline(i) {
    if (activeItem !== null && timelineItems[activeItem]) timelineItems[activeItem].classList.remove("active");
    activeItem = i === undefined ? null : i;
    if (activeItem !== null && timelineItems[activeItem]) {
      var b = timelineItems[activeItem];
      b.classList.add("active");
      b.scrollIntoView({ block: "nearest", inline: "center" });
    }
  }

  function updateTimeline() {
    data.timeline.forEach(function (item, i) {
      var hidden = item.node ? !!nodeHidden.get(item.node)
        : item.edges.every(function (e) { return edgeHidden.get(e); });
      if (timelineItems[i].hidden !== hidden) timelineItems[i].hidden = hidden;
    });
    timelineYears.forEach(function (entry) {
      var empty = entry[1].every(function (i) { return timelineItems[i].hidden; });
      if (entry[0].hidden !== empty) entry[0].hidden = empty;
    });
  }

  // --- start -------------------------------------------------------------------------

  $("title").textContent = data.title;
  buildSide();
  buildTimeline();
  updateCounts();

  // window.yalu, for tests and analysts at the console:
  //   ready, readyAt, timings        start-up state (readyAt: ms since navigation start)
  //   network, nodes, edges          the vis Network and its DataSets; data: the parsed payload
  //   nodeInfo, edgeInfo             Map id -> Yalu record (facts, sources, dates...)
  //   search(text) -> id | null      best label/alias match: selected, focused, panel opened
  //   findNode(text) -> id | null    the same match, without selecting
  //   select(id), selectNode(id), selectEdge(id), selectEdges([ids]), selectTimeline(i)
  //   setDateRange(from, to)         "2016", "2016-05", "2016-05-17", a month index or null (open)
  //   getDateRange(), setFilter("country"|"entity"|"event"|"kind", key, visible), resetFilters()
  //   visibleCounts(), isHidden(id), showNode(id), showEdges([ids]), closePanel(), edgeMidpointDOM(id)
  yalu.search = search;
  yalu.findNode = findNode;
  yalu.select = select;
  yalu.selectNode = selectNode;
  yalu.selectEdge = selectEdge;
  yalu.selectEdges = selectEdges;
  yalu.selectTimeline = selectTimeline;
  yalu.setDateRange = setDateRange;
  yalu.getDateRange = getDateRange;
  yalu.setFilter = setFilter;
  yalu.resetFilters = resetFilters;
  yalu.visibleCounts = visibleCounts;
  yalu.showNode = showNode;
  yalu.showEdges = showEdges;
  yalu.closePanel = closePanel;
  yalu.isHidden = function (id) { return nodeInfo.has(id) ? !!nodeHidden.get(id) : !!edgeHidden.get(id); };
  yalu.edgeMidpointDOM = function (id) {
    var info = edgeInfo.get(id);
    var pos = network.getPositions([info.from, info.to]);
    var mid = network.canvasToDOM({ x: (pos[info.from].x + pos[info.to].x) / 2, y: (pos[info.from].y + pos[info.to].y) / 2 });
    var rect = container.getBoundingClientRect();
    return { x: rect.left + mid.x, y: rect.top + mid.y };
  };

  timings.wired = performance.now();
  wired = true;
  finishStart();
})();
