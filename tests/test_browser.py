"""The HTML link chart in a real browser: Debian's Chromium driven by Playwright.

Needs /usr/bin/chromium and the playwright Python package; never downloads a browser
(no ``playwright install``). Marked ``browser``; skipped with the reason when either is missing.
The screenshot test rewrites tests/screenshots/graph.png, the picture the README shows.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

from graph.views.render import render_html

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip(f"Debian chromium is not installed at {CHROMIUM} (apt-get install chromium); "
                "these tests never download a browser", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api",
                               reason="the playwright Python package is missing (pip install -e '.[test]')")

pytestmark = pytest.mark.browser

CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
SCREENSHOT = Path(__file__).parent / "screenshots" / "graph.png"
NS = "https://yalu.example/id/"
XSS_IMG = '<img src=x onerror="window.__xss=1">'
XSS_SCRIPT = "<script>window.__xss=2</script>"


def demo_graph(*, events: bool = False) -> nx.MultiDiGraph:
    """The README demo: China, North Korea, their leaders, parties, capitals and a few dated interactions."""
    g = nx.MultiDiGraph(title="Sino\u2013North Korean relations (demo)")

    def node(key: str, label: str, cls: str, coarse: str, country: str | None, aliases: list[str] = (),
             facts: list[dict[str, Any]] = ()) -> None:
        g.add_node(NS + key, label=label, cls=cls, coarse=coarse, country=country, aliases=list(aliases),
                   facts=list(facts), mentions=[{"sentence": f"{label} was named in the report.",
                                                 "doc_title": "KCNA digest", "document": "kcna-digest"}])

    def fact(pred: str, obj: str, sentence: str | None = None) -> dict[str, Any]:
        return {"predicate": pred, "object_label": obj, "source": "text" if sentence else "gazetteer",
                "sentence": sentence, "doc_title": "Xinhua, 2018-03-28" if sentence else None}

    node("prc", "China", "State", "State", "China", ["PRC"])
    node("dprk", "North Korea", "State", "State", "North Korea", ["DPRK"])
    node("us", "United States", "State", "State", "United States", ["US"])
    node("xi", "Xi Jinping", "Person", "Person", "China", ["Xi"],
         [fact("leaderOf", "Chinese Communist Party", "Xi Jinping, general secretary of the CPC Central Committee, "
                                                      "held talks with Kim Jong-un.")])
    node("kim", "Kim Jong-un", "Person", "Person", "North Korea", ["Kim Jong Un"],
         [fact("leaderOf", "Workers' Party of Korea")])
    node("wang", "Wang Yi", "Person", "Person", "China", [], [fact("memberOf", "Chinese Communist Party")])
    node("ri", "Ri Yong-ho", "Person", "Person", "North Korea")
    node("ccp", "Chinese Communist Party", "PoliticalParty", "Organization", "China", ["CCP", "CPC"])
    node("wpk", "Workers' Party of Korea", "PoliticalParty", "Organization", "North Korea", ["WPK"])
    node("ild", "International Liaison Department", "GovernmentBody", "Organization", "China", ["ILD"])
    node("unsc", "UN Security Council", "InternationalOrganization", "Organization", "United Nations", ["UNSC"])
    node("beijing", "Beijing", "City", "Place", "China")
    node("pyongyang", "Pyongyang", "City", "Place", "North Korea")

    def edge(u: str, v: str, pred: str, kind: str, polarity: str | None = None, date: str | None = None,
             event_cls: str | None = None, event_label: str | None = None, sentence: str | None = None,
             doc: str = "Xinhua, 2018-03-28") -> None:
        sources = [{"sentence": sentence, "doc_title": doc, "document": doc.split(",")[0].lower()}] if sentence else []
        g.add_edge(NS + u, NS + v, predicate=pred, kind=kind, polarity=polarity, event=None, event_cls=event_cls,
                   event_label=event_label, date=date, sources=sources)

    for u, pred, v in [("xi", "leaderOf", "ccp"), ("kim", "leaderOf", "wpk"), ("wang", "memberOf", "ccp"),
                       ("ild", "partOf", "ccp"), ("beijing", "capitalOf", "prc"), ("pyongyang", "capitalOf", "dprk"),
                       ("xi", "leaderOf", "prc"), ("kim", "leaderOf", "dprk"), ("ri", "envoyOf", "dprk"),
                       ("ild", "liaisonWith", "wpk")]:
        edge(u, v, pred, "fact")
    edge("xi", "kim", "meets", "interaction", "cooperative", "2018-03-26", "Meeting",
         "Kim Jong-un's first visit to Beijing", "Xi Jinping held talks with Kim Jong-un in Beijing on Monday.")
    edge("kim", "beijing", "visits", "interaction", "cooperative", "2018-03-26", "Visit", None,
         "Kim Jong-un arrived in Beijing by special train.")
    edge("xi", "kim", "meets", "interaction", "cooperative", "2019-06-20", "Meeting",
         "Xi Jinping's state visit to Pyongyang", "Xi Jinping and Kim Jong-un held talks in Pyongyang.",
         "KCNA, 2019-06-21")
    edge("xi", "pyongyang", "visits", "interaction", "cooperative", "2019-06-20", "Visit", None,
         "Xi Jinping arrived in Pyongyang for a two-day state visit.", "KCNA, 2019-06-21")
    edge("wang", "ri", "meets", "interaction", "cooperative", "2018-05", "Meeting", None,
         "Wang Yi met DPRK Foreign Minister Ri Yong-ho.")
    edge("unsc", "dprk", "sanctions", "interaction", "conflictual", "2017-09-11", "Sanction", "Resolution 2375",
         "The Security Council unanimously adopted resolution 2375, capping oil imports.", "UN press release SC/12983")
    edge("prc", "dprk", "sanctions", "interaction", "conflictual", "2017-09", "Sanction", None,
         "China's commerce ministry banned exports of refined petroleum to North Korea.")
    edge("us", "dprk", "sanctions", "interaction", "conflictual", "2016", "Sanction", None,
         "Washington imposed sanctions on Kim Jong-un for human rights abuses.", "Reuters, 2016-07-06")
    edge("dprk", "us", "threatens", "interaction", "conflictual", "2017-08-08", "Statement", None,
         "North Korea said it was examining a plan to strike Guam.", "KCNA, 2017-08-09")
    edge("prc", "dprk", "criticizes", "interaction", "conflictual", "2016-01-06", "Criticism", None,
         "China firmly opposes the nuclear test, the foreign ministry said.")
    edge("ild", "wpk", "cooperatesWith", "interaction", "cooperative", None, "Exchange", None,
         "The ILD hosted a WPK delegation.")
    if events:
        g.add_node(NS + "summit", label="Xi\u2013Kim summit, Beijing", cls="Meeting", coarse="Event", country=None,
                   aliases=[], facts=[], mentions=[], date="2018-03-26", modality="asserted")
        for role, who in [("agent", "xi"), ("participant", "kim"), ("place", "beijing")]:
            g.add_edge(NS + "summit", NS + who, predicate=role, kind="role", polarity=None, event=NS + "summit",
                       event_cls="Meeting", event_label=None, date="2018-03-26", sources=[])
    return g


def xss_graph() -> nx.MultiDiGraph:
    """Hostile markup in every string field a document can fill."""
    hostile = f"{XSS_IMG} {XSS_SCRIPT} javascript:alert(1)"
    g = nx.MultiDiGraph(title=hostile)
    src = [{"sentence": f"Sentence {XSS_IMG} javascript:alert(1)", "doc_title": f"Doc {XSS_SCRIPT}",
            "document": "javascript:alert(1)"}]
    g.add_node(NS + "evil", label=f"{XSS_IMG} Evil", cls=f"Person{XSS_IMG}", coarse="Person", country=hostile,
               aliases=[hostile], facts=[{"predicate": XSS_SCRIPT, "object_label": XSS_IMG, "source": "text",
                                          "sentence": hostile, "doc_title": hostile}], mentions=src)
    g.add_node(NS + "other", label="Plain", cls="Person", coarse="Person", country=None, aliases=[], facts=[],
               mentions=[])
    g.add_edge(NS + "evil", NS + "other", predicate=XSS_SCRIPT, kind="interaction", polarity="conflictual",
               event=None, event_cls=XSS_IMG, event_label=hostile, date="2020-01-01", sources=src)
    return g


@dataclass
class Opened:
    """A page opened from file:// with everything it logged."""

    page: Any
    url: str
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def js(self, expression: str, arg: Any = None) -> Any:
        return self.page.evaluate(expression, arg)

    def settle(self) -> None:
        """Wait two animation frames, so rAF-throttled filters and clicks have run."""
        self.page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")

    def edge_id(self, source: str, predicate: str, target: str) -> str:
        return self.js("([s, p, t]) => { const d = window.yalu.data;"
                       " const i = d.edgeInfo.findIndex(e => e.from === s && e.predicate === p && e.to === t);"
                       " return d.edges[i].id; }", [NS + source, predicate, NS + target])

    def panel_text(self) -> str:
        return self.page.locator("#panel-body").inner_text()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def open_graph(browser: Any, tmp_path: Path) -> Iterator[Callable[[nx.MultiDiGraph], Opened]]:
    pages = []

    def _open(graph: nx.MultiDiGraph) -> Opened:
        path = tmp_path / f"graph{len(pages)}.html"
        render_html(graph, path)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        pages.append(page)
        opened = Opened(page=page, url=path.as_uri())
        page.on("console", lambda msg: opened.errors.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda exc: opened.errors.append(str(exc)))
        page.on("request", lambda request: opened.requests.append(request.url))

        def on_dialog(dialog: Any) -> None:
            opened.dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", on_dialog)
        page.goto(opened.url)
        # A selector wait, not wait_for_function: the page CSP forbids the eval that one uses.
        page.wait_for_selector("body[data-ready='1']", state="attached", timeout=30_000)
        return opened

    yield _open
    for page in pages:
        page.close()


def test_page_opens_offline_without_errors(open_graph: Callable[[nx.MultiDiGraph], Opened]) -> None:
    opened = open_graph(demo_graph())
    opened.js("() => { window.yalu.search('Kim'); window.yalu.setDateRange('2017', '2018'); }")
    opened.settle()
    assert opened.errors == []
    assert opened.requests == [opened.url]


@pytest.mark.parametrize("events", [False, True])
def test_datasets_hold_every_node_and_edge(open_graph: Callable[[nx.MultiDiGraph], Opened], events: bool) -> None:
    graph = demo_graph(events=events)
    opened = open_graph(graph)
    counts = opened.js("() => [window.yalu.nodes.length, window.yalu.edges.length, window.yalu.visibleCounts()]")
    assert counts[:2] == [graph.number_of_nodes(), graph.number_of_edges()]
    assert counts[2]["nodes"] == graph.number_of_nodes() and counts[2]["edges"] == graph.number_of_edges()
    assert opened.page.locator("#counts").inner_text().startswith(f"{graph.number_of_nodes()} / ")


def test_search_selects_and_focuses_the_node(open_graph: Callable[[nx.MultiDiGraph], Opened]) -> None:
    opened = open_graph(demo_graph())
    assert opened.js("() => window.yalu.search('kim jong un')") == NS + "kim"  # alias, any case
    assert opened.js("() => window.yalu.network.getSelectedNodes()") == [NS + "kim"]
    opened.page.fill("#q", "Wang Yi")
    opened.page.press("#q", "Enter")
    assert opened.js("() => window.yalu.network.getSelectedNodes()") == [NS + "wang"]
    assert opened.page.locator("#panel h2").inner_text() == "Wang Yi"
    opened.page.fill("#q", "CPC")
    opened.page.click("#search button")
    assert opened.js("() => window.yalu.network.getSelectedNodes()") == [NS + "ccp"]
    opened.page.fill("#q", "Nobody at all")
    opened.page.press("#q", "Enter")
    assert "No match" in opened.page.locator("#msg").inner_text()


def test_clicking_an_edge_opens_its_sources(open_graph: Callable[[nx.MultiDiGraph], Opened]) -> None:
    opened = open_graph(demo_graph())
    eid = opened.edge_id("unsc", "sanctions", "dprk")
    hit = opened.js("""(eid) => {
        const y = window.yalu, info = y.edgeInfo.get(eid), pos = y.network.getPositions([info.from, info.to]);
        const dom = y.network.canvasToDOM({x: (pos[info.from].x + pos[info.to].x) / 2,
                                           y: (pos[info.from].y + pos[info.to].y) / 2});
        return {edge: y.network.getEdgeAt(dom), node: y.network.getNodeAt(dom) ?? null, page: y.edgeMidpointDOM(eid)};
    }""", eid)
    assert hit["edge"] == eid and hit["node"] is None  # the midpoint is on this edge alone
    assert opened.page.locator("#panel").is_hidden()
    opened.page.mouse.click(hit["page"]["x"], hit["page"]["y"])
    opened.page.wait_for_selector("#panel:not([hidden])")
    text = opened.panel_text()
    assert "The Security Council unanimously adopted resolution 2375, capping oil imports." in text
    assert "UN press release SC/12983" in text and "2017-09-11" in text


def test_clicking_a_node_opens_its_facts(open_graph: Callable[[nx.MultiDiGraph], Opened]) -> None:
    opened = open_graph(demo_graph())
    point = opened.js("""(id) => { const y = window.yalu, dom = y.network.canvasToDOM(y.network.getPositions([id])[id]);
        const rect = document.getElementById('graph').getBoundingClientRect();
        return {x: rect.left + dom.x, y: rect.top + dom.y, hit: y.network.getNodeAt(dom)}; }""", NS + "xi")
    assert point["hit"] == NS + "xi"
    opened.page.mouse.click(point["x"], point["y"])
    opened.page.wait_for_selector("#panel:not([hidden])")
    text = opened.panel_text()
    assert text.startswith("Xi Jinping") and "held talks with Kim Jong-un." in text
    assert "2019-06-20" in text  # the events list, with dates
    opened.page.keyboard.press("Escape")
    assert opened.page.locator("#panel").is_hidden()


def test_date_filter_hides_out_of_range_interactions(open_graph: Callable[[nx.MultiDiGraph], Opened]) -> None:
    opened = open_graph(demo_graph(events=True))
    old = opened.edge_id("us", "sanctions", "dprk")  # 2016
    new = opened.edge_id("xi", "meets", "kim")  # 2018-03-26
    undated = opened.edge_id("ild", "cooperatesWith", "wpk")
    fact = opened.edge_id("xi", "leaderOf", "ccp")
    hidden = "(ids) => ids.map(id => !!window.yalu.edges.get(id).hidden)"
    assert opened.js(hidden, [old, new, undated, fact]) == [False] * 4

    opened.js("() => window.yalu.setDateRange('2018', '2019-12')")
    assert opened.js(hidden, [old, new, undated, fact]) == [True, False, False, False]
    assert opened.js("(id) => !!window.yalu.nodes.get(id).hidden", NS + "summit") is False

    # The sliders drive the same filter: move "from" past March 2018 and the summit goes too.
    opened.js("""() => { const from = document.getElementById('from');
        from.value = String(2018 * 12 + 5); from.dispatchEvent(new Event('input')); }""")
    opened.settle()
    assert opened.js(hidden, [old, new, undated, fact]) == [True, True, False, False]
    assert opened.js("(id) => !!window.yalu.nodes.get(id).hidden", NS + "summit") is True
    assert opened.page.locator("#from-label").inner_text() == "Jun 2018"
    opened.page.click("#reset")
    assert opened.js(hidden, [old, new, undated, fact]) == [False] * 4


def test_class_checkbox_hides_that_class(open_graph: Callable[[nx.MultiDiGraph], Opened]) -> None:
    opened = open_graph(demo_graph())
    opened.page.locator("#entity li", has_text="Person").locator("input").uncheck()
    assert opened.js("(id) => !!window.yalu.nodes.get(id).hidden", NS + "kim") is True
    assert opened.js("(id) => !!window.yalu.nodes.get(id).hidden", NS + "prc") is False
    meets = opened.edge_id("xi", "meets", "kim")
    assert opened.js("(id) => !!window.yalu.edges.get(id).hidden", meets) is True
    opened.page.locator("#event li", has_text="Sanction").locator("input").uncheck()
    assert opened.js("(id) => !!window.yalu.edges.get(id).hidden", opened.edge_id("unsc", "sanctions", "dprk"))
    assert opened.page.locator(".tl-item", has_text="Resolution 2375").is_hidden()


def test_timeline_selects_the_event(open_graph: Callable[[nx.MultiDiGraph], Opened]) -> None:
    opened = open_graph(demo_graph())
    dates = opened.page.locator(".tl-item .tl-date").all_inner_texts()
    assert [d.split(" ")[0] for d in dates] == sorted(d.split(" ")[0] for d in dates[:-1]) + ["undated"]
    opened.page.locator(".tl-item", has_text="Resolution 2375").click()
    eid = opened.edge_id("unsc", "sanctions", "dprk")
    assert opened.js("() => window.yalu.network.getSelectedEdges()") == [eid]
    assert "capping oil imports" in opened.panel_text()


def test_hostile_strings_render_as_text(open_graph: Callable[[nx.MultiDiGraph], Opened]) -> None:
    opened = open_graph(xss_graph())
    opened.page.fill("#q", "Evil")
    opened.page.press("#q", "Enter")
    text = opened.panel_text()
    assert f"{XSS_IMG} Evil" in text and XSS_SCRIPT in text and "javascript:alert(1)" in text
    opened.page.locator(".tl-item").first.click()
    text = opened.panel_text()
    assert f"Sentence {XSS_IMG} javascript:alert(1)" in text and f"Doc {XSS_SCRIPT}" in text
    # vis-network tooltips take plain strings; hover a node and read the tooltip back.
    point = opened.js("(id) => { const y = window.yalu; y.closePanel(); y.network.fit();"
                      " const d = y.network.canvasToDOM(y.network.getPositions([id])[id]);"
                      " const r = document.getElementById('graph').getBoundingClientRect();"
                      " return {x: r.left + d.x, y: r.top + d.y}; }", NS + "evil")
    opened.page.mouse.move(point["x"], point["y"])
    opened.page.wait_for_selector("div.vis-tooltip", state="visible", timeout=5_000)
    assert XSS_IMG in opened.page.locator("div.vis-tooltip").inner_text()
    opened.settle()
    assert opened.js("() => window.__xss") is None
    assert opened.js("() => [document.images.length, document.scripts.length]") == [0, 3]
    assert opened.page.locator("#title").inner_text().startswith(XSS_IMG)
    assert opened.dialogs == [] and opened.errors == []
    assert opened.requests == [opened.url]  # an <img src=x> would have requested ./x


def test_screenshot_of_the_demo_graph(open_graph: Callable[[nx.MultiDiGraph], Opened]) -> None:
    opened = open_graph(demo_graph())
    opened.page.locator(".tl-item", has_text="first visit to Beijing").click()
    opened.page.wait_for_timeout(600)  # the focus animation
    SCREENSHOT.parent.mkdir(exist_ok=True)
    opened.page.screenshot(path=str(SCREENSHOT))
    assert SCREENSHOT.stat().st_size > 20_000
    assert opened.errors == []
