"""graph.views.render without a browser: an offline page, a faithful payload, and no markup from data.

Page behaviour (search, filters, panel, XSS in a live DOM) is tested in a real browser in
tests/test_browser.py; here we read the HTML text and the embedded JSON.
"""
from __future__ import annotations

import html
import json
import math
import re

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.views import render
from graph.views.render import build_payload, load_style, payload_from_html, render_html

NS = "https://yalu.example/id/"
HOSTILE = [
    "<script>alert(1)</script>",
    '<img src=x onerror="window.__xss=1">',
    "javascript:alert(1)",
    "</script><script>alert(1)</script>",
    "<!--<script>",
    "{{ payload }}",
    "\u2028\u2029 & &amp; \"quoted\" 'single'",
]


def small_graph(label: str = "Kim Jong-un", sentence: str = "Xi Jinping met Kim Jong-un.") -> nx.MultiDiGraph:
    """Two people, a party and a state, with a fact, a dated and an undated interaction."""
    g = nx.MultiDiGraph(title="Test graph")
    src = [{"sentence": sentence, "doc_title": "KCNA, 2018-03-28", "document": "kcna-1"}]
    g.add_node(NS + "xi", label="Xi Jinping", cls="Person", coarse="Person", country="China", aliases=["Xi"],
               facts=[{"predicate": "leaderOf", "object_label": "CCP", "source": "gazetteer", "sentence": None,
                       "doc_title": None}], mentions=src)
    g.add_node(NS + "kim", label=label, cls="Person", coarse="Person", country="DPRK", aliases=["Kim Jong Un"],
               facts=[], mentions=src)
    g.add_node(NS + "ccp", label="Chinese Communist Party", cls="PoliticalParty", coarse="Organization",
               country="China", aliases=["CCP"], facts=[], mentions=[])
    g.add_node(NS + "prc", label="China", cls="State", coarse="State", country="China", aliases=[], facts=[],
               mentions=[])
    g.add_edge(NS + "xi", NS + "ccp", predicate="leaderOf", kind="fact", polarity=None, event=None, event_cls=None,
               event_label=None, date=None, sources=[])
    g.add_edge(NS + "xi", NS + "kim", predicate="meets", kind="interaction", polarity="cooperative",
               event=NS + "ev1", event_cls="Meeting", event_label="Summit in Beijing", date="2018-03-26", sources=src)
    g.add_edge(NS + "xi", NS + "kim", predicate="meets", kind="interaction", polarity="cooperative", event=None,
               event_cls="Meeting", event_label=None, date=None, sources=src)
    g.add_edge(NS + "prc", NS + "kim", predicate="criticizes", kind="interaction", polarity="conflictual",
               event=None, event_cls="Criticism", event_label=None, date="2016", sources=src)
    return g


def outside_payload(page: str) -> str:
    """The page with the JSON payload element cut out."""
    return re.sub(r'<script type="application/json" id="yalu-data">.*?</script>', "", page, flags=re.S)


def test_render_html_loads_nothing_from_the_network() -> None:
    page = render_html(small_graph())
    assert not re.search(r"<script[^>]*\ssrc\s*=", page, re.I)
    assert not re.search(r"<link[^>]*\shref\s*=", page, re.I)
    assert not re.search(r"url\(\s*['\"]?\s*(https?:)?//", page, re.I)
    assert not re.search(r"@import", page, re.I)
    assert "default-src 'none'" in page


def test_render_html_inlines_vis_network() -> None:
    page = render_html(small_graph())
    vis_js = (render.VIS_DIR / "vis-network.min.js").read_text(encoding="utf-8")
    assert vis_js in page
    assert (render.VIS_DIR / "vis-network.css").read_text(encoding="utf-8") in page
    assert "bootstrap" not in page.lower() and "tom-select" not in page.lower()


def test_render_html_csp_hashes_match_the_inline_scripts() -> None:
    page = render_html(small_graph())
    scripts = re.findall(r"<script>(.*?)</script>", page, re.S)
    assert len(scripts) == 2
    for script in scripts:
        assert render._csp_hash(script) in page


@pytest.mark.parametrize("layout", ["auto", "spring", "clustered"])
def test_render_html_embeds_every_node_and_edge(layout: str) -> None:
    graph = small_graph()
    payload = payload_from_html(render_html(graph, layout=layout))
    assert len(payload["nodes"]) == len(payload["nodeInfo"]) == graph.number_of_nodes()
    assert len(payload["edges"]) == len(payload["edgeInfo"]) == graph.number_of_edges()
    assert {n["id"] for n in payload["nodes"]} == set(graph.nodes)
    assert len({e["id"] for e in payload["edges"]}) == graph.number_of_edges()
    assert sorted((e["from"], e["to"]) for e in payload["edges"]) == sorted((u, v) for u, v in graph.edges())
    assert all(math.isfinite(n["x"]) and math.isfinite(n["y"]) for n in payload["nodes"])


def test_render_html_payload_round_trips() -> None:
    graph = small_graph()
    payload = payload_from_html(render_html(graph))
    for item, info in zip(payload["nodes"], payload["nodeInfo"]):
        attrs = graph.nodes[item["id"]]
        assert info["label"] == attrs["label"] and info["aliases"] == attrs["aliases"]
        assert info["facts"] == attrs["facts"] and info["mentions"] == attrs["mentions"]
    edges = list(graph.edges(data=True))
    for (u, v, attrs), info in zip(edges, payload["edgeInfo"]):
        assert (info["from"], info["to"]) == (u, v)
        for key in ("predicate", "kind", "polarity", "event", "event_cls", "event_label", "date", "sources"):
            assert info[key] == attrs[key]


def test_render_html_styles_by_country_class_and_polarity() -> None:
    style = load_style()
    payload = build_payload(small_graph())
    nodes = {n["id"]: n for n in payload["nodes"]}
    assert nodes[NS + "xi"]["shape"] == "dot" and nodes[NS + "prc"]["shape"] == "star"
    assert nodes[NS + "ccp"]["shape"] == "square"
    china = next(c["color"] for c in style["countries"] if c["name"] == "China")
    dprk = next(c["color"] for c in style["countries"] if c["name"] == "North Korea")
    assert nodes[NS + "xi"]["color"]["background"] == china
    assert nodes[NS + "kim"]["color"]["background"] == dprk  # "DPRK" is an alias
    edges = {(i["predicate"], i["date"]): e for e, i in zip(payload["edges"], payload["edgeInfo"])}
    assert edges[("leaderOf", None)]["dashes"] is True
    assert edges[("criticizes", "2016")]["color"]["color"] == style["polarity"]["conflictual"]["color"]
    assert "smooth" in edges[("meets", None)]  # the parallel meets edge curves away
    assert [c["name"] for c in payload["legend"]["countries"]] == ["China", "North Korea"]


def test_render_html_timeline_orders_dated_events_first() -> None:
    payload = build_payload(small_graph())
    assert [item["date"] for item in payload["timeline"]] == ["2016", "2018-03-26", None]
    assert payload["timeline"][1]["label"] == "Summit in Beijing"
    assert payload["dates"] == {"min": 2016 * 12, "max": 2018 * 12 + 2}


def test_render_html_writes_the_page(tmp_path) -> None:
    target = tmp_path / "graph.html"
    page = render_html(small_graph(), target, title="Written")
    assert target.read_text(encoding="utf-8") == page
    assert "<title>Written</title>" in page


def test_render_html_rejects_unknown_layout() -> None:
    with pytest.raises(ValueError, match="'spiral'"):
        render_html(small_graph(), layout="spiral")


def test_render_html_switches_to_clustered_above_the_spring_limit(monkeypatch) -> None:
    monkeypatch.setattr(render, "SPRING_MAX_NODES", 2)
    payload = build_payload(small_graph())
    assert payload["layout"] == "clustered" and {g["label"] for g in payload["groups"]} == {"China", "North Korea"}


def test_render_html_lays_out_mid_sized_graphs_without_scipy() -> None:
    graph = nx.gnm_random_graph(600, 900, seed=1, directed=True)
    graph = nx.MultiDiGraph(nx.relabel_nodes(graph, {i: f"{NS}n{i}" for i in graph}))
    graph.add_nodes_from(f"{NS}isolate{i}" for i in range(20))
    payload = build_payload(graph)
    xs = [n["x"] for n in payload["nodes"]]
    assert payload["layout"] == "spring" and len(set(xs)) > 500 and all(map(math.isfinite, xs))


@pytest.mark.parametrize("hostile", HOSTILE)
def test_render_html_never_emits_data_as_markup(hostile: str) -> None:
    graph = small_graph(label=hostile, sentence=hostile)
    graph.nodes[NS + "xi"]["aliases"] = [hostile]
    graph.nodes[NS + "xi"]["country"] = hostile
    graph.nodes[NS + "ccp"]["facts"] = [{"predicate": hostile, "object_label": hostile, "source": "text",
                                         "sentence": hostile, "doc_title": hostile}]
    page = render_html(graph, title=hostile)
    assert "<script>alert" not in page
    assert "<img src=x" not in page
    assert "<!--<script" not in page
    assert len(re.findall(r"</script", page, re.I)) == 3  # payload, vis, app: nothing from data
    # Outside the JSON, data appears only as the HTML-escaped <title>.
    rest = outside_payload(page)
    title = re.search(r"<title>(.*?)</title>", rest, re.S).group(1)
    assert title == html.escape(hostile)
    assert hostile not in rest.replace(f"<title>{title}</title>", "")
    payload = payload_from_html(page)
    assert payload["title"] == hostile
    info = {i["iri"]: i for i in payload["nodeInfo"]}
    assert info[NS + "kim"]["label"] == hostile and info[NS + "xi"]["aliases"] == [hostile]
    assert info[NS + "ccp"]["facts"][0]["doc_title"] == hostile
    assert payload["edgeInfo"][1]["sources"][0]["sentence"] == hostile


def test_render_html_payload_is_ascii_without_markup_characters() -> None:
    page = render_html(small_graph(label="金正恩 <b>&</b>\u2028"))
    body = re.search(r'id="yalu-data">(.*?)</script>', page, re.S).group(1)
    assert body.isascii() and not set("<>&\u2028\u2029") & set(body)


def test_render_html_replaces_lone_surrogates() -> None:
    page = render_html(small_graph(label="bad \ud800 label"), title="t\udfff")
    page.encode("utf-8")
    assert payload_from_html(page)["nodeInfo"][1]["label"] == "bad \ufffd label"


@pytest.mark.parametrize(
    ("date", "span"),
    [("2016", (24192, 24203)), ("2016-05", (24196, 24196)), ("2016-05-17", (24196, 24196)),
     ("2016-13", (24192, 24203)), ("undated", None), (None, None), ("", None)],
)
def test_month_span(date: str | None, span: tuple[int, int] | None) -> None:
    assert render._month_span(date) == span


def test_style_json_covers_every_class_and_polarity() -> None:
    style = load_style()
    assert set(style["coarse"]) == {"Person", "State", "Organization", "Place", "Event"}
    assert set(style["polarity"]) == {"cooperative", "conflictual", "neutral", "none"}
    assert set(style["kinds"]) == {"fact", "background", "interaction", "role"}
    colours = [c["color"] for c in style["countries"]] + style["extra"] + [style["no_country"]["color"]]
    assert all(re.fullmatch(r"#[0-9a-f]{6}", c) for c in colours)


@pytest.mark.parametrize("name", ["page.html", "page.css", "app.js"])
def test_templates_are_safe_to_inline(name: str) -> None:
    text = (render.TEMPLATES / name).read_text(encoding="utf-8")
    assert "http://" not in text.replace("http://www.w3.org/2000/svg", "") and "https://" not in text
    if name == "app.js":
        sinks = r"\.(innerHTML|outerHTML)\s*=|insertAdjacentHTML|document\.write|\beval\(|new Function|href"
        assert not re.search(sinks, text.replace("no href", ""))
        assert text.isascii()  # its CSP hash is computed over UTF-8; ASCII keeps it unambiguous


texts = st.text(max_size=40)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(label=texts, alias=texts, sentence=texts, doc=texts, predicate=texts, date=st.none() | texts)
def test_render_html_round_trips_any_unicode(
    label: str, alias: str, sentence: str, doc: str, predicate: str, date: str | None
) -> None:
    g = nx.MultiDiGraph(title=label)
    src = [{"sentence": sentence, "doc_title": doc, "document": doc}]
    g.add_node(NS + "a", label=label, cls="Person", coarse="Person", country=label, aliases=[alias],
               facts=[{"predicate": predicate, "object_label": label, "source": "text", "sentence": sentence,
                       "doc_title": doc}], mentions=src)
    g.add_node(NS + "b", label=alias, cls="Meeting", coarse="Event", country=None, aliases=[], facts=[],
               mentions=[], date=date, modality="asserted")
    g.add_edge(NS + "a", NS + "b", predicate=predicate, kind="interaction", polarity="neutral", event=None,
               event_cls=predicate, event_label=sentence, date=date, sources=src)
    page = render_html(g)
    payload = payload_from_html(page)
    a, b = payload["nodeInfo"]
    assert payload["title"] == (label or "Yalu")
    assert a["label"] == (label or "a") and a["aliases"] == [alias] and a["country"] == label
    assert a["facts"][0] == g.nodes[NS + "a"]["facts"][0] and a["mentions"] == src
    assert b["date"] == date
    edge = payload["edgeInfo"][0]
    assert edge["sources"] == src and edge["event_label"] == sentence and edge["date"] == date
    assert edge["predicate"] == (predicate or "relatedTo")
    assert json.loads(json.dumps(payload)) == payload
