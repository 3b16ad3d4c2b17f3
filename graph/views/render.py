"""The interactive HTML link chart: a networkx projection rendered as one offline page.

pyvis turns nodes and edges into vis-network dictionaries; our own template
(``graph/views/templates/page.html``, ``page.css``, ``app.js``) lays out the page around them, with
vis-network inlined from the copy pyvis ships. pyvis's own templates fetch Bootstrap,
tom-select and vis from CDNs in every ``cdn_resources`` mode (pyvis #228, #229); this page
makes no request beyond itself, and its Content-Security-Policy forbids any.

Every string in the graph comes from untrusted documents. It reaches the page only as JSON
inside ``<script type="application/json">`` with ``<``, ``>`` and ``&`` escaped, and the page
script writes it with ``textContent``, never as HTML.

Positions are computed here rather than by vis physics, so a 10,000-node graph opens in
seconds: a force-directed layout up to ``SPRING_MAX_NODES`` nodes, country clusters above.

    >>> import networkx as nx
    >>> g = nx.MultiDiGraph(title="Demo")
    >>> g.add_node("urn:x:xi", label="Xi Jinping", cls="Person", coarse="Person", country="China")
    >>> g.add_node("urn:x:kim", label="Kim Jong-un", cls="Person", coarse="Person",
    ...            country="North Korea")
    >>> _ = g.add_edge("urn:x:xi", "urn:x:kim", predicate="meets", kind="interaction",
    ...                polarity="cooperative", date="2018-03-26")
    >>> page = render_html(g, title="Xi meets Kim")
    >>> [node["label"] for node in payload_from_html(page)["nodes"]]
    ['Xi Jinping', 'Kim Jong-un']
"""
from __future__ import annotations

import base64
import hashlib
import html
import json
import math
import re
from collections import Counter, defaultdict
from functools import lru_cache
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pyvis
from pyvis.network import Network

TEMPLATES = Path(__file__).with_name("templates")
VIS_DIR = Path(pyvis.__file__).parent / "templates" / "lib" / "vis-9.1.2"

LAYOUTS = ("auto", "spring", "clustered")
SPRING_MAX_NODES = 3000  # "auto" switches to the O(n) clustered layout above this
NX_SPRING_MAX_NODES = 500  # networkx needs scipy from here on, which Yalu does not depend on
PHYSICS_MAX_NODES = 300  # vis physics polishes small layouts; large ones open frozen
BORDERLESS_MIN_NODES = 3000  # above this nodes are drawn without a border
EDGE_LABEL_MAX_EDGES = 1500  # edge labels cost a text measure per edge per frame
LABEL_MAX_CHARS = 40
SEED = 7
PAYLOAD_ID = "yalu-data"

_DATE = re.compile(r"^\s*(\d{4})(?:-(\d{1,2}))?")
_PAYLOAD = re.compile(
    r'<script type="application/json" id="' + PAYLOAD_ID + r'">(.*?)</script>', re.S
)
_SLOT = re.compile(r"\{\{ (\w+) \}\}")
# Characters that could end the <script> element or start an HTML comment inside it, and
# the two line separators older JavaScript parsers treat as newlines.
_JSON_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


@lru_cache(maxsize=1)
def load_style() -> dict[str, Any]:
    """Load the palette and shapes of the link chart from ``graph/views/templates/style.json``.

    Returns:
        The parsed style: ``countries`` (name, color, aliases), ``extra`` colours,
        ``no_country``, shapes per ``coarse`` class, ``polarity`` colours and edge ``kinds``.

    Example:
        >>> load_style()["coarse"]["Person"]["shape"]
        'dot'
    """
    return json.loads((TEMPLATES / "style.json").read_text(encoding="utf-8"))


def render_html(
    graph: nx.MultiDiGraph,
    path: str | Path | None = None,
    *,
    title: str | None = None,
    layout: str = "auto",
) -> str:
    """Render a Yalu network as a self-contained interactive HTML page.

    The page colours nodes by country and shapes them by coarse class, colours edges by
    polarity, and offers search, class and date filters, a timeline of events and a side
    panel with facts and source sentences. It loads nothing from the network. A small
    JavaScript API is exposed as ``window.yalu`` (``search``, ``select``, ``setDateRange``...).

    Args:
        graph: The projection made by ``graph.views.network``: nodes keyed by IRI with ``label``,
            ``cls``, ``coarse``, ``country``, ``aliases``, ``facts``, ``mentions``; edges with
            ``predicate``, ``kind``, ``polarity``, ``event*``, ``date`` and ``sources``.
        path: Where to write the page (UTF-8), or None to only return it.
        title: Page title; defaults to the graph's ``title`` attribute, then "Yalu".
        layout: "spring" (force-directed), "clustered" (nodes grouped by country) or "auto"
            (spring up to ``SPRING_MAX_NODES`` nodes, clustered above).

    Returns:
        The HTML page.

    Raises:
        ValueError: If ``layout`` is not one of ``LAYOUTS``, or two node keys have the same
            string form.

    Example:
        >>> import networkx as nx
        >>> g = nx.MultiDiGraph()
        >>> g.add_node("urn:x:cn", label="China", cls="State", coarse="State", country="China")
        >>> "vis.Network" in render_html(g, title="One state")
        True
    """
    if layout not in LAYOUTS:
        raise ValueError(f"layout {layout!r} is not one of {', '.join(LAYOUTS)}")
    page_title = _scrub(str(title if title is not None else graph.graph.get("title") or "Yalu"))
    payload = build_payload(graph, title=page_title, layout=layout)
    page = _fill_page(payload, page_title)
    if path is not None:
        Path(path).write_text(page, encoding="utf-8")
    return page


def payload_from_html(page: str) -> dict[str, Any]:
    """Read back the JSON data embedded in a page made by :func:`render_html`.

    Args:
        page: The HTML text.

    Returns:
        The payload: ``title``, vis ``nodes``/``edges``/``options``, the parallel
        ``nodeInfo``/``edgeInfo`` records, ``legend``, ``filters``, ``dates``, ``timeline``.

    Raises:
        ValueError: If the page holds no Yalu payload.

    Example:
        >>> import networkx as nx
        >>> payload_from_html(render_html(nx.MultiDiGraph(), title="Empty"))["title"]
        'Empty'
    """
    found = _PAYLOAD.search(page)
    if found is None:
        raise ValueError(f"no <script id={PAYLOAD_ID!r}> payload in the page")
    return json.loads(found.group(1))


def build_payload(graph: nx.MultiDiGraph, *, title: str = "Yalu", layout: str = "auto") -> dict[str, Any]:
    """Turn the graph into the page's data: vis items via pyvis, plus the records the panel shows.

    Args:
        graph: The network to show (see :func:`render_html`).
        title: The page title.
        layout: One of ``LAYOUTS``.

    Returns:
        A JSON-ready dict; ``nodes[i]``/``edges[i]`` are vis items and ``nodeInfo[i]``/
        ``edgeInfo[i]`` the matching Yalu records.

    Example:
        >>> import networkx as nx
        >>> g = nx.MultiDiGraph()
        >>> g.add_node("urn:x:py", label="Pyongyang", cls="City", coarse="Place", country="North Korea")
        >>> build_payload(g)["nodes"][0]["shape"]
        'triangle'
    """
    if layout not in LAYOUTS:
        raise ValueError(f"layout {layout!r} is not one of {', '.join(LAYOUTS)}")
    style = load_style()
    ids = _node_ids(graph)
    n_nodes, n_edges = graph.number_of_nodes(), graph.number_of_edges()
    chosen = layout if layout != "auto" else ("spring" if n_nodes <= SPRING_MAX_NODES else "clustered")
    colours = _country_colours(graph, style)
    positions, groups = (
        _spring_positions(graph) if chosen == "spring" else _clustered_positions(graph, colours)
    )
    physics = chosen == "spring" and n_nodes <= PHYSICS_MAX_NODES

    net = Network(directed=True)
    # pyvis checks `id in net.node_ids` (a list) on every add_node and twice per add_edge,
    # 4.4 s for 10,000 nodes and 20,000 edges; a list with set membership takes 0.1 s.
    net.node_ids = _IdList()
    degree = dict(graph.degree())
    node_info: list[dict[str, Any]] = []
    for key, attrs in graph.nodes(data=True):
        info = _node_record(ids[key], attrs)
        info["ck"] = colours[info["country"]]["name"] if info["coarse"] != "Event" else None
        node_info.append(info)
        x, y = positions[key]
        net.add_node(ids[key], **_vis_node(info, colours, style, degree[key], x, y))

    labels = {info["iri"]: info["label"] for info in node_info}
    parallel: Counter[tuple[str, str]] = Counter()
    edge_info: list[dict[str, Any]] = []
    for index, (u, v, attrs) in enumerate(graph.edges(data=True)):
        eid = f"e{index}"
        info = _edge_record(ids[u], ids[v], attrs)
        edge_info.append(info)
        pair = (min(ids[u], ids[v]), max(ids[u], ids[v]))
        rank = parallel[pair]
        parallel[pair] += 1
        net.add_edge(ids[u], ids[v], **_vis_edge(eid, info, labels, style, rank, n_edges))

    # Assigned, not net.set_options(): that strips every space from the JSON, font names too.
    net.options = _vis_options(n_nodes, physics)
    vis_nodes, vis_edges, _heading, _height, _width, options = net.get_network_data()
    return {
        "version": 1,
        "title": title,
        "layout": chosen,
        "physics": physics,
        "nodes": vis_nodes,
        "edges": vis_edges,
        "options": json.loads(options),
        "nodeInfo": node_info,
        "edgeInfo": edge_info,
        "groups": groups,
        "legend": _legend(node_info, colours, style),
        "filters": _filters(node_info, edge_info),
        "dates": _date_bounds(node_info, edge_info),
        "timeline": _timeline(node_info, edge_info, labels),
    }


class _IdList(list):  # type: ignore[type-arg]
    """pyvis's node-id list with O(1) membership tests."""

    def __init__(self) -> None:
        super().__init__()
        self._members: set[Any] = set()

    def append(self, item: Any) -> None:
        super().append(item)
        self._members.add(item)

    def __contains__(self, item: object) -> bool:
        return item in self._members


# --- records ---------------------------------------------------------------------------


def _text(value: Any) -> str:
    return "" if value is None else _scrub(str(value))


def _opt(value: Any) -> str | None:
    return None if value is None else _scrub(str(value))


def _scrub(text: str) -> str:
    """Replace lone surrogates, which no UTF-8 file can hold, with U+FFFD."""
    if text.isascii():
        return text
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def _local_name(iri: str) -> str:
    return re.split(r"[/#:]", iri.rstrip("/#"))[-1] or iri


def _node_ids(graph: nx.MultiDiGraph) -> dict[Any, str]:
    ids = {key: key if isinstance(key, str) else str(key) for key in graph.nodes}
    if len(set(ids.values())) != len(ids):
        clash = Counter(ids.values()).most_common(1)[0][0]
        raise ValueError(f"node keys collide as strings: {clash!r} appears more than once")
    return ids


def _sources(items: Any, keys: tuple[str, ...]) -> list[dict[str, str | None]]:
    return [{k: _opt(item.get(k)) for k in keys} for item in items or () if isinstance(item, dict)]


def _node_record(iri: str, attrs: dict[str, Any]) -> dict[str, Any]:
    coarse = _text(attrs.get("coarse")) or "Organization"
    date = _opt(attrs.get("date"))
    span = _month_span(date)
    return {
        "iri": iri,
        "label": _text(attrs.get("label")) or _local_name(iri),
        "cls": _text(attrs.get("cls")) or coarse,
        "coarse": coarse,
        "country": _opt(attrs.get("country")),
        "aliases": [_text(a) for a in attrs.get("aliases") or ()],
        "facts": _sources(attrs.get("facts"), ("predicate", "object_label", "source", "sentence", "doc_title")),
        "mentions": _sources(attrs.get("mentions"), ("sentence", "doc_title", "document")),
        "date": date,
        "modality": _opt(attrs.get("modality")),
        "t0": span[0] if span else None,
        "t1": span[1] if span else None,
    }


def _edge_record(source: str, target: str, attrs: dict[str, Any]) -> dict[str, Any]:
    date = _opt(attrs.get("date"))
    span = _month_span(date)
    return {
        "from": source,
        "to": target,
        "predicate": _text(attrs.get("predicate")) or "relatedTo",
        "kind": _edge_kind(attrs),
        "polarity": _opt(attrs.get("polarity")),
        "event": _opt(attrs.get("event")),
        "event_cls": _opt(attrs.get("event_cls")),
        "event_label": _opt(attrs.get("event_label")),
        "date": date,
        "t0": span[0] if span else None,
        "t1": span[1] if span else None,
        "sources": _sources(attrs.get("sources"), ("sentence", "doc_title", "document")),
    }


def _edge_kind(attrs: dict[str, Any]) -> str:
    """The edge's kind; a fact no document states is ``background``, which the chart can hide on its own."""
    kind = _text(attrs.get("kind")) or "fact"
    return "background" if kind == "fact" and attrs.get("stated") is False else kind


def _month_span(date: str | None) -> tuple[int, int] | None:
    """Months covered by an ISO date as ``year*12 + month-1`` bounds; a bare year covers twelve.

    >>> _month_span("2016"), _month_span("2016-05-17"), _month_span("sometime")
    ((24192, 24203), (24196, 24196), None)
    """
    found = _DATE.match(date or "")
    if found is None:
        return None
    year, month = int(found.group(1)), found.group(2)
    if month is None:
        return year * 12, year * 12 + 11
    if not 1 <= int(month) <= 12:
        return year * 12, year * 12 + 11
    return year * 12 + int(month) - 1, year * 12 + int(month) - 1


# --- styling ---------------------------------------------------------------------------


def _norm(name: str) -> str:
    return " ".join(name.replace("\u2019", "'").casefold().split())


def _country_colours(graph: nx.MultiDiGraph, style: dict[str, Any]) -> dict[str | None, dict[str, str]]:
    """Map each ``country`` value in the graph to its legend entry (name and colour)."""
    known: dict[str, dict[str, str]] = {}
    for entry in style["countries"]:
        for name in (entry["name"], *entry["aliases"]):
            known[_norm(name)] = {"name": entry["name"], "color": entry["color"]}
    sizes = Counter(_opt(attrs.get("country")) for _, attrs in graph.nodes(data=True))
    colours: dict[str | None, dict[str, str]] = {None: dict(style["no_country"])}
    extra = iter(style["extra"])
    # Unlisted countries take the spare colours biggest first, so the common ones differ.
    for country, _count in sorted(sizes.items(), key=lambda item: (-item[1], item[0] or "")):
        if country is None:
            continue
        if _norm(country) in known:
            colours[country] = known[_norm(country)]
        else:
            colours[country] = {"name": country, "color": next(extra, style["no_country"]["color"])}
    return colours


def _darker(hex_colour: str, factor: float = 0.7) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return "#{:02x}{:02x}{:02x}".format(int(r * factor), int(g * factor), int(b * factor))


def _lighter(hex_colour: str, mix: float = 0.45) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return "#{:02x}{:02x}{:02x}".format(*(int(c + (255 - c) * mix) for c in (r, g, b)))


def _short(label: str) -> str:
    return label if len(label) <= LABEL_MAX_CHARS else label[: LABEL_MAX_CHARS - 1] + "\u2026"


def _vis_node(
    info: dict[str, Any],
    colours: dict[str | None, dict[str, str]],
    style: dict[str, Any],
    degree: int,
    x: float,
    y: float,
) -> dict[str, Any]:
    shape = style["coarse"].get(info["coarse"], style["coarse"]["Organization"])
    if info["coarse"] == "Event":
        fill, border = shape["color"], shape["border"]
    else:
        fill = colours[info["country"]]["color"]
        border = _darker(fill)
    # Hubs grow with the log of their degree, so a state with 500 links stays on screen.
    size = shape["size"] * min(2.5, 1 + 0.25 * math.log2(1 + degree))
    where = f" \u00b7 {info['country']}" if info["country"] and info["coarse"] != "Event" else ""
    when = f" \u00b7 {info['date']}" if info["date"] else ""
    return {
        "label": _short(info["label"]),
        "shape": shape["shape"],
        "color": {
            "background": fill,
            "border": border,
            "highlight": {"background": _lighter(fill), "border": "#111111"},
            "hover": {"background": _lighter(fill), "border": border},
        },
        "size": round(size, 1),
        "title": f"{info['label']}\n{info['cls']}{where}{when}",
        "x": round(x, 1),
        "y": round(y, 1),
    }


def _vis_edge(
    eid: str,
    info: dict[str, Any],
    labels: dict[str, str],
    style: dict[str, Any],
    rank: int,
    n_edges: int,
) -> dict[str, Any]:
    polarity = style["polarity"].get(info["polarity"] or "none", style["polarity"]["none"])
    kind = style["kinds"].get(info["kind"], style["kinds"]["fact"])
    when = f" ({info['date']})" if info["date"] else ""
    about = f"\n{info['event_label']}" if info["event_label"] else ""
    edge: dict[str, Any] = {
        "id": eid,
        "color": {"color": polarity["color"], "highlight": "#111111", "hover": polarity["color"], "opacity": 0.85},
        "dashes": kind["dashes"],
        "width": kind["width"],
        "title": f"{_short(labels[info['from']])} {info['predicate']} {_short(labels[info['to']])}{when}{about}",
    }
    if n_edges <= EDGE_LABEL_MAX_EDGES:
        edge["label"] = info["predicate"]
    if rank:
        # Parallel edges (a multigraph) fan out instead of drawing on top of each other.
        edge["smooth"] = {"enabled": True, "type": "curvedCW", "roundness": round(0.18 * rank, 2)}
    return edge


def _vis_options(n_nodes: int, physics: bool) -> dict[str, Any]:
    large = n_nodes > 1000
    return {
        "autoResize": True,
        "nodes": {
            # Stroking 10,000 borders costs about a second per frame on a software canvas.
            "borderWidth": 0 if n_nodes > BORDERLESS_MIN_NODES else 1.5,
            "borderWidthSelected": 3,
            "font": {"size": 13, "face": "system-ui, -apple-system, Segoe UI, sans-serif",
                     "color": "#1d2330", "strokeWidth": 3, "strokeColor": "#ffffff"},
            "scaling": {"label": {"drawThreshold": 6}},
        },
        "edges": {
            "smooth": False,
            "arrows": {"to": {"enabled": True, "scaleFactor": 0.45}},
            "font": {"size": 9, "color": "#5b6170", "strokeWidth": 3, "strokeColor": "#ffffff", "align": "middle"},
            "selectionWidth": 2.5,
            "hoverWidth": 0.5,
        },
        "layout": {"improvedLayout": False, "randomSeed": SEED},
        "physics": {
            "enabled": physics,
            "solver": "barnesHut",
            "barnesHut": {"gravitationalConstant": -4000, "springLength": 140, "springConstant": 0.03,
                          "damping": 0.2, "avoidOverlap": 0.2},
            "stabilization": {"enabled": True, "iterations": 100, "updateInterval": 50, "fit": True},
        },
        "interaction": {
            "hover": not large,
            "tooltipDelay": 250,
            "hideEdgesOnDrag": large,
            "hideEdgesOnZoom": large,
            "multiselect": True,
            "navigationButtons": False,
            "keyboard": False,
        },
    }


# --- layout ----------------------------------------------------------------------------


def _spring_positions(graph: nx.MultiDiGraph) -> tuple[dict[Any, tuple[float, float]], list[dict[str, Any]]]:
    """Force-directed positions in pixels: networkx below 500 nodes, a numpy twin above."""
    n = graph.number_of_nodes()
    if n == 0:
        return {}, []
    keys = list(graph.nodes)
    if n < NX_SPRING_MAX_NODES:
        raw = nx.spring_layout(nx.Graph(graph), seed=SEED)
        pos = np.array([raw[key] for key in keys], dtype=np.float64)
    else:
        index = {key: i for i, key in enumerate(keys)}
        pairs = np.array([(index[u], index[v]) for u, v in graph.edges() if u != v], dtype=np.int64).reshape(-1, 2)
        pos = _fruchterman_reingold(n, pairs[:, 0], pairs[:, 1]).astype(np.float64)
    pos = _rein_in(pos)
    radius = 60.0 * math.sqrt(n) + 150.0
    return {key: (float(x) * radius, float(y) * radius) for key, (x, y) in zip(keys, pos)}, []


def _rein_in(pos: np.ndarray) -> np.ndarray:
    """Pull stragglers to a ring just outside the bulk, then rescale to [-1, 1].

    Fruchterman-Reingold has no gravity: isolated nodes and small components drift far out,
    and rescaling to the outliers would shrink the connected core to a dot.
    """
    centre = np.median(pos, axis=0)
    pos = pos - centre
    radius = np.sqrt((pos * pos).sum(axis=1))
    if len(pos) >= 10:
        limit = 1.15 * float(np.quantile(radius, 0.9)) or 1.0
        far = radius > limit
        pos[far] *= (limit / radius[far])[:, None]
    scale = float(np.abs(pos).max()) or 1.0
    return pos / scale


def _fruchterman_reingold(n: int, src: np.ndarray, dst: np.ndarray, *, iterations: int = 50) -> np.ndarray:
    """networkx's Fruchterman-Reingold iteration in float32 with in-place arrays.

    networkx's dense version took 10 s for 2,000 nodes; its sparse one needs scipy.
    """
    rng = np.random.default_rng(SEED)
    pos = rng.random((n, 2), dtype=np.float32)
    k = np.float32(1.0 / math.sqrt(n))
    temperature = 0.1
    cooling = temperature / (iterations + 1)
    for _ in range(iterations):
        dx = pos[:, 0, None] - pos[None, :, 0]
        dy = pos[:, 1, None] - pos[None, :, 1]
        dist2 = dx * dx
        dist2 += dy * dy
        np.maximum(dist2, np.float32(1e-6), out=dist2)
        repulse = np.divide(k * k, dist2, out=dist2)
        dx *= repulse
        dy *= repulse
        disp = np.stack([dx.sum(axis=1), dy.sum(axis=1)], axis=1)
        delta = pos[src] - pos[dst]
        pull = delta * (np.sqrt((delta * delta).sum(axis=1)) / k)[:, None]
        for axis in (0, 1):
            disp[:, axis] += np.bincount(dst, weights=pull[:, axis], minlength=n)
            disp[:, axis] -= np.bincount(src, weights=pull[:, axis], minlength=n)
        length = np.maximum(np.sqrt((disp * disp).sum(axis=1)), 0.01)
        pos += disp * (temperature / length)[:, None]
        temperature -= cooling
    return pos


def _clustered_positions(
    graph: nx.MultiDiGraph, colours: dict[str | None, dict[str, str]]
) -> tuple[dict[Any, tuple[float, float]], list[dict[str, Any]]]:
    """O(n) positions: one sunflower disc per country, hubs in the middle, discs packed in rows."""
    spacing = 24.0
    members: dict[str, list[Any]] = defaultdict(list)
    for key, attrs in graph.nodes(data=True):
        coarse = _text(attrs.get("coarse"))
        members["Events" if coarse == "Event" else colours[_opt(attrs.get("country"))]["name"]].append(key)
    degree = dict(graph.degree())
    palette = {entry["name"]: entry["color"] for entry in colours.values()}
    palette["Events"] = load_style()["coarse"]["Event"]["border"]
    golden = math.pi * (3 - math.sqrt(5))
    discs = sorted(members.items(), key=lambda item: (-len(item[1]), item[0]))
    radii = [spacing * math.sqrt(len(keys)) + 2 * spacing for _, keys in discs]
    font = round(max(28.0, max(radii, default=0) / 6), 1)  # one size, so small discs stay labelled
    gap = spacing + 1.6 * font  # room for the label above each disc
    row_width = math.sqrt(sum((2 * r) ** 2 for r in radii)) * 1.2
    positions: dict[Any, tuple[float, float]] = {}
    groups: list[dict[str, Any]] = []
    x = y = row_height = 0.0
    for (name, keys), r in zip(discs, radii):
        if x > 0 and x + 2 * r > row_width:
            x, y, row_height = 0.0, y + row_height + gap, 0.0
        cx, cy = x + r, y + r
        keys.sort(key=lambda key: (-degree[key], str(key)))
        for i, key in enumerate(keys):
            rho, theta = spacing * math.sqrt(i + 0.5), i * golden
            positions[key] = (cx + rho * math.cos(theta), cy + rho * math.sin(theta))
        groups.append({"label": name, "x": round(cx, 1), "y": round(cy, 1), "r": round(r, 1),
                       "color": palette[name], "font": font})
        x += 2 * r + spacing * 2
        row_height = max(row_height, 2 * r)
    return positions, groups


# --- page data -------------------------------------------------------------------------


def _legend(
    node_info: list[dict[str, Any]], colours: dict[str | None, dict[str, str]], style: dict[str, Any]
) -> dict[str, Any]:
    counts = Counter(info["ck"] for info in node_info if info["ck"] is not None)
    palette = {entry["name"]: entry["color"] for entry in colours.values()}
    return {
        "countries": [{"name": name, "color": palette[name], "count": count}
                      for name, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))],
        "shapes": [{"coarse": coarse, "shape": spec["shape"]} for coarse, spec in style["coarse"].items()],
        "polarity": [{"key": key, **spec} for key, spec in style["polarity"].items()],
        "kinds": [{"key": key, **spec} for key, spec in style["kinds"].items()],
    }


def _filters(node_info: list[dict[str, Any]], edge_info: list[dict[str, Any]]) -> dict[str, Any]:
    entity = Counter((info["coarse"], info["cls"]) for info in node_info if info["coarse"] != "Event")
    events = Counter(info["cls"] for info in node_info if info["coarse"] == "Event")
    # Role edges share their event's class; counting them would count one event thrice.
    events.update(info["event_cls"] for info in edge_info if info["event_cls"] and info["kind"] != "role")
    for info in edge_info:
        if info["event_cls"]:
            events[info["event_cls"]] += 0  # still listed, so it can be switched off
    order = {coarse: i for i, coarse in enumerate(load_style()["coarse"])}
    return {
        "entity": [{"cls": cls, "coarse": coarse, "count": count}
                   for (coarse, cls), count in sorted(entity.items(), key=lambda item: (order.get(item[0][0], 99), item[0][1]))],
        "event": [{"cls": cls, "count": count} for cls, count in sorted(events.items())],
        "kind": [{"kind": kind, "count": count} for kind, count in sorted(Counter(info["kind"] for info in edge_info).items())],
    }


def _date_bounds(node_info: list[dict[str, Any]], edge_info: list[dict[str, Any]]) -> dict[str, int] | None:
    spans = [(info["t0"], info["t1"]) for info in (*node_info, *edge_info) if info["t0"] is not None]
    if not spans:
        return None
    return {"min": min(s for s, _ in spans), "max": max(e for _, e in spans)}


def _timeline(
    node_info: list[dict[str, Any]], edge_info: list[dict[str, Any]], labels: dict[str, str]
) -> list[dict[str, Any]]:
    """Events by date: an event node, or the interaction edges that share an event IRI."""
    items: dict[str, dict[str, Any]] = {}
    for info in node_info:
        if info["coarse"] == "Event":
            items[info["iri"]] = {"label": info["label"], "cls": info["cls"], "date": info["date"],
                                  "t0": info["t0"], "polarity": None, "node": info["iri"], "edges": []}
    for index, info in enumerate(edge_info):
        if info["kind"] != "interaction":
            continue
        key = info["event"] or f"e{index}"
        item = items.setdefault(key, {
            "label": info["event_label"] or f"{labels[info['from']]} {info['predicate']} {labels[info['to']]}",
            "cls": info["event_cls"] or info["predicate"], "date": info["date"], "t0": info["t0"],
            "polarity": info["polarity"], "node": None, "edges": [],
        })
        item["edges"].append(f"e{index}")
        if item["date"] is None and info["date"] is not None:
            item["date"], item["t0"] = info["date"], info["t0"]
        if item["polarity"] is None:
            item["polarity"] = info["polarity"]
    return sorted(items.values(), key=lambda item: (item["date"] is None, item["date"] or "", item["label"]))


# --- page ------------------------------------------------------------------------------


def _script_json(data: Any) -> str:
    """JSON that cannot close its <script> element: markup characters become \\u escapes.

    ``ensure_ascii`` keeps the payload ASCII, so lone surrogates and U+2028/2029 travel as
    escapes too; ``<``, ``>`` and ``&`` only ever occur inside JSON strings, so replacing
    them everywhere is safe.
    """
    text = json.dumps(data, ensure_ascii=True, allow_nan=False, separators=(",", ":"))
    return re.sub(r"[<>&\u2028\u2029]", lambda m: _JSON_ESCAPES[m.group(0)], text)


@lru_cache(maxsize=1)
def _assets() -> dict[str, str]:
    assets = {
        "template": (TEMPLATES / "page.html").read_text(encoding="utf-8"),
        "page_css": (TEMPLATES / "page.css").read_text(encoding="utf-8"),
        "app_js": (TEMPLATES / "app.js").read_text(encoding="utf-8"),
        "vis_js": (VIS_DIR / "vis-network.min.js").read_text(encoding="utf-8"),
        "vis_css": (VIS_DIR / "vis-network.css").read_text(encoding="utf-8"),
    }
    for name in ("app_js", "vis_js"):
        if re.search(r"</script|<!--", assets[name], re.I):
            raise ValueError(f"{name} contains '</script' or '<!--' and cannot be inlined")
    for name in ("page_css", "vis_css"):
        if "</style" in assets[name].lower():
            raise ValueError(f"{name} contains '</style' and cannot be inlined")
    return assets


def _csp_hash(script: str) -> str:
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def _fill_page(payload: dict[str, Any], title: str) -> str:
    assets = _assets()
    # Only our two scripts may run: no inline handlers, no eval, and no fetch of any kind.
    csp = "; ".join([
        "default-src 'none'",
        f"script-src {_csp_hash(assets['vis_js'])} {_csp_hash(assets['app_js'])}",
        "style-src 'unsafe-inline'",
        "img-src data:",
        "base-uri 'none'",
        "form-action 'none'",
    ])
    slots = {
        "title": html.escape(title),
        "csp": html.escape(csp, quote=False),  # ours, no double quotes; keeps it readable
        "vis_css": assets["vis_css"],
        "page_css": assets["page_css"],
        "payload_id": PAYLOAD_ID,
        "payload": _script_json(payload),
        "vis_js": assets["vis_js"],
        "app_js": assets["app_js"],
    }
    # One pass over the template, so text inside a filled slot is never read as a slot.
    return _SLOT.sub(lambda m: slots[m.group(1)], assets["template"])
