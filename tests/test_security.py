"""Hostile strings from documents: safe IRIs, no triple or SPARQL injection, escaped HTML, no shell."""
from __future__ import annotations

import ast
import gc
import io
import json
import re
from pathlib import Path
from urllib.parse import unquote

import networkx as nx
import pytest
from rdflib import Dataset, Graph, URIRef
from rdflib.compare import isomorphic

from graph.store.fusion import OCCURRENCES_GRAPH
from graph.build import build_graph, entity_iri, graph_iri
from graph.store import EXPORT_FORMATS, Store
from graph.views.render import PAYLOAD_ID, payload_from_html
from ingest.records import Document, Entity, Event, Extraction, Fact, Mention
from ontology.namespace import ENTITY_IRI, ONTOLOGY_GRAPH, YALU

ROOT = Path(__file__).resolve().parents[1]
EVIL = "https://evil.example/"
HOSTILE_KEYS = [
    "a>b", "a b", 'say "hi"', "it's", "{x}", "line\nbreak", "tab\there", "back\\slash", "pipe|caret^`tick`",
    "percent%20already", "hash#frag", "slash/../up", "?query=1&x", "<>", "", " ", "Kim Jong-un", "김정은", "习近平",
    "emoji😀", "rtl\u202eevil", "zero\u200bwidth",
    f'x> <{EVIL}s> <{EVIL}p> <{EVIL}o> .\n<y',
    'x" } } ; DROP ALL ; INSERT DATA { <urn:a> <urn:b> "c',
]
# Characters an IRI may not hold (RFC 3987 excludes them; N-Triples and SPARQL cannot write them in <...>).
NOT_IN_IRI = re.compile(r'[\x00-\x20<>"{}|\\^`\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2028\u2029]')


@pytest.mark.parametrize("key", HOSTILE_KEYS, ids=repr)
def test_security_entity_iri_is_a_valid_iri(key):
    iri = entity_iri(key)
    assert isinstance(iri, URIRef)
    assert iri.startswith(str(ENTITY_IRI))
    rest = iri[len(str(ENTITY_IRI)):]
    assert not NOT_IN_IRI.search(rest), iri
    assert "#" not in rest and "/" not in rest and "?" not in rest
    assert unquote(rest) == key  # nothing lost: the key can be read back


def test_security_entity_iris_are_distinct():
    iris = [entity_iri(k) for k in HOSTILE_KEYS]
    assert len(set(iris)) == len(iris)
    assert entity_iri("a b") != entity_iri("a%20b")


@pytest.mark.parametrize("name", ["김정은", "习近平", "Ким Чен Ын", "!!!"])
def test_security_entity_key_is_stable_across_processes(name):
    import os
    import subprocess
    import sys

    code = "import sys; from ingest.entities import entity_key; print(entity_key(sys.argv[1]))"
    keys = {subprocess.run([sys.executable, "-c", code, name], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": seed}).stdout.strip() for seed in ("1", "2")}
    assert len(keys) == 1, keys
    (key,) = keys
    assert not NOT_IN_IRI.search(str(entity_iri(key)))


def hostile_extraction() -> Extraction:
    """Every hostile key as an entity with a hostile label and alias, linked by a fact and an event."""
    text = "Hostile names: " + " ; ".join(HOSTILE_KEYS)
    doc = Document.from_text(text, title='Title "quoted" <b>{}</b>\nsecond line', source="evil\n<source>.txt")
    entities, at = [], len("Hostile names: ")
    for n, key in enumerate(HOSTILE_KEYS):
        mention = Mention(doc.id, 0, text, at, at + len(key), key)
        at += len(key) + 3
        entities.append(Entity(key, f"{key} label", "Person", aliases=(f'alias "{n}" \\ {{}}',), mentions=(mention,)))
    keys = [e.key for e in entities]
    facts = (Fact(keys[0], "memberOf", keys[-1], mention=entities[0].mentions[0]),
             Fact(keys[1], "title", 'Minister "of" <Things>\n{x}', literal=True, mention=entities[1].mentions[0]))
    event = Event(f'ev"> <{EVIL}x', "Meeting", 'met"> .', agents=(keys[-2],), participants=tuple(keys[:4]),
                  targets=(keys[-1],), mentions=(entities[0].mentions[0],))
    return Extraction(doc, tuple(entities), facts=facts, events=(event,))


@pytest.fixture(scope="module")
def hostile_store():
    extraction = hostile_extraction()
    store = Store()
    assert store.add(extraction) == "added"
    return store, extraction


def all_iris(g: Graph) -> set[str]:
    triples = g.quads((None, None, None, None)) if isinstance(g, Dataset) else ((*t, None) for t in g)
    return {str(term) for quad in triples for term in quad[:3] if isinstance(term, URIRef)}


@pytest.mark.parametrize("fmt", sorted(EXPORT_FORMATS))
def test_security_hostile_names_round_trip_rdf_exports(hostile_store, fmt):
    store, extraction = hostile_store
    expected = build_graph(extraction)
    text = store.export(fmt)
    if fmt in {"trig", "nq", "jsonld"}:
        parsed = Dataset()
        parsed.parse(data=text, format=EXPORT_FORMATS[fmt])
        doc_graph = Graph()
        doc_graph += parsed.graph(graph_iri(extraction.document.id))
    else:
        parsed = Graph().parse(data=text, format=EXPORT_FORMATS[fmt])
        ontology = store.dataset().graph(URIRef(str(ONTOLOGY_GRAPH)))
        occurrences = store.dataset().graph(URIRef(str(OCCURRENCES_GRAPH)))  # the corpus-level events
        doc_graph = parsed - ontology - occurrences
    assert isomorphic(doc_graph, expected), fmt
    assert not any(i.startswith(EVIL) for i in all_iris(parsed))
    assert all(not NOT_IN_IRI.search(i) for i in all_iris(parsed))


def test_security_no_triples_injected_into_the_store(hostile_store):
    store, extraction = hostile_store
    assert store.query(f'ASK {{ ?s ?p ?o FILTER(STRSTARTS(STR(?s), "{EVIL}") || STRSTARTS(STR(?o), "{EVIL}")) }}'
                       ).boolean is False
    assert store.query("ASK { <urn:a> <urn:b> ?o }").boolean is False
    ds = store.dataset()
    names = {str(g.identifier) for g in ds.graphs() if len(g)}
    # DROP ALL never ran; the asserted event has its corpus-level occurrence
    assert names == {str(ONTOLOGY_GRAPH), str(OCCURRENCES_GRAPH), str(graph_iri(extraction.document.id))}
    assert len(ds.graph(graph_iri(extraction.document.id))) == len(build_graph(extraction))


@pytest.mark.parametrize("fmt", ["graphml", "gexf", "csv"])
def test_security_hostile_names_in_network_exports(hostile_store, fmt):
    from graph.views.exports import export_network

    store, extraction = hostile_store
    text = export_network(store, fmt)
    if fmt == "csv":
        assert text.count("\n") >= 2  # header and the event, newlines inside cells quoted
        return
    g = (nx.read_graphml if fmt == "graphml" else nx.read_gexf)(io.BytesIO(text.encode("utf-8")))
    for key in HOSTILE_KEYS[-2:]:
        assert str(entity_iri(key)) in g


# ---------------------------------------------------------------- SPARQL parameters


@pytest.fixture()
def filled(tmp_path, make_extraction) -> Path:
    path = tmp_path / "store"
    store = Store(path)
    store.add(make_extraction("Xi Jinping met Kim Jong-un in Beijing.", source="hand.txt", meeting=True,
                              date="2018-03-26"))
    store.flush()
    del store
    gc.collect()
    return path


def dump(yalu, store: Path) -> set[str]:
    """The store's quads, as N-Quads lines (Yalu's graphs have no blank nodes, so lines compare)."""
    return set(yalu("export", "-f", "nq", store=store).stdout.splitlines())


@pytest.mark.parametrize("value", [
    'x") } ; DROP ALL ; #',
    'x" . ?s ?p ?o } #',
    "x' || true || '",
    "}} UNION {{ ?actor ?p ?label }}",
    "Xi Jinping\" ) || (\"1\" = \"1",
    "https://w3id.org/yalu/id/xi_jinping",
    "xi jinping\n.",
    "",
])
def test_security_hostile_saved_query_parameter(yalu, filled, value):
    before = dump(yalu, filled)
    result = yalu("query", "--saved", "actor-timeline", "--param", f"name={value}", "-f", "json", store=filled)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []
    assert dump(yalu, filled) == before


def test_security_saved_query_parameter_still_works(yalu, filled):
    # The control for the test above: an honest value does find the meeting.
    result = yalu("query", "--saved", "actor-timeline", "--param", "name=Xi Jinping", "-f", "json", store=filled)
    assert [row["type"] for row in json.loads(result.stdout)] == ["Meeting"]


@pytest.mark.parametrize("update", ["DROP ALL", "CLEAR ALL", "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
                                    "DELETE WHERE { ?s ?p ?o }"])
def test_security_query_command_cannot_update(yalu, filled, update):
    before = dump(yalu, filled)
    result = yalu("query", update, store=filled)
    assert result.returncode == 2 and result.stderr.startswith("yalu: error:")
    assert dump(yalu, filled) == before


# ---------------------------------------------------------------- HTML


HOSTILE_HTML = ["<script>alert(1)</script>", "<img src=x onerror=alert(2)>", "javascript:alert(3)"]


def _outside_payload(page: str) -> str:
    return re.sub(r'<script type="application/json" id="' + PAYLOAD_ID + r'">.*?</script>', "", page, flags=re.S)


def assert_page_is_inert(page: str) -> dict:
    outside = _outside_payload(page)
    assert outside != page, "the page has no data island"
    for needle in ("<script>alert", "<img"):  # escaped text (&lt;img ...) is fine, raw markup is not
        assert needle not in outside, needle
    assert not re.search(r"<[^>]*\bonerror\s*=", outside, re.I)
    island = re.search(r'id="' + PAYLOAD_ID + r'">(.*?)</script>', page, re.S)[1]
    assert not re.search(r"<\s*/?\s*(script|img)", island, re.I), "raw markup inside the data island"
    assert not re.search(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", page, re.I)
    return payload_from_html(page)


@pytest.mark.model
def test_security_hostile_document_through_ingest_and_render(yalu, tmp_path):
    text = ("Talks in Beijing\n\n"
            f"Kim Jong-un met Xi Jinping in Beijing on 26 March 2018 {HOSTILE_HTML[0]} and the two "
            f"leaders discussed trade {HOSTILE_HTML[1]} near Dandong, said Wang Yi {HOSTILE_HTML[2]}.\n")
    (tmp_path / "evil.txt").write_text(text, encoding="utf-8")
    title = "<script>alert('title')</script>"
    ingest = yalu("ingest", "evil.txt", "--title", title, "--source", "javascript:alert('src')")
    assert ingest.returncode == 0, ingest.stderr
    page_path = tmp_path / "page.html"
    render = yalu("render", "-o", page_path, "--title", "<img src=x onerror=alert('page')>")
    assert render.returncode == 0, render.stderr
    page = page_path.read_text(encoding="utf-8")
    payload = assert_page_is_inert(page)
    data = json.dumps(payload, ensure_ascii=False)
    for needle in HOSTILE_HTML:
        assert needle in data, f"{needle!r} should reach the page as data"  # so the checks above mean something
    assert payload["title"] == "<img src=x onerror=alert('page')>"


# ---------------------------------------------------------------- hostile names through the pipeline


@pytest.mark.model
def test_security_hostile_names_through_the_pipeline(yalu, tmp_path):
    text = ('Kim "The Marshal" Jong-un met {Xi} Jinping in Beijing.\n\n'
            "Officials of the <Ministry> of \"State\" Security} met Li {Zhao}xing in Pyongyang.\n\n"
            "Choe Ryong-hae|Pak Pong-ju and O'Brien-Smith met Zhang`Dejiang in Dandong.\n\n"
            "John Doe> <https://evil.example/p> <https://evil.example/o> met Wang Yi in Shenyang.\n\n"
            "김정은 met 习近平 and Ri\u00a0Yong\u2011ho in Sinuiju.\n")
    (tmp_path / "names.txt").write_text(text, encoding="utf-8")
    ingest = yalu("ingest", "names.txt")
    assert ingest.returncode == 0, ingest.stderr
    sentences = {}
    for fmt, rdf_format in EXPORT_FORMATS.items():
        out = yalu("export", "-f", fmt)
        assert out.returncode == 0, (fmt, out.stderr)
        g = Dataset() if fmt in {"trig", "nq", "jsonld"} else Graph()
        g.parse(data=out.stdout, format=rdf_format)
        iris = all_iris(g)
        assert {str(entity_iri("wang_yi")), str(entity_iri("beijing"))} <= iris, fmt
        assert not [i for i in iris if NOT_IN_IRI.search(i)], fmt
        assert not [i for i in iris if i.startswith(EVIL)], fmt
        triples = g.quads((None, YALU.sentence, None, None)) if isinstance(g, Dataset) else \
            ((*t, None) for t in g.triples((None, YALU.sentence, None)))
        sentences[fmt] = {str(quad[2]) for quad in triples}
    evil = "John Doe> <https://evil.example/p> <https://evil.example/o> met Wang Yi in Shenyang."
    assert evil in sentences["ttl"]  # the hostile sentence is stored as a literal, unchanged
    assert all(found == sentences["ttl"] for found in sentences.values())
    for fmt in ("graphml", "gexf", "csv"):
        out = yalu("export", "-f", fmt, "-o", tmp_path / f"net.{fmt}")
        assert out.returncode == 0, (fmt, out.stderr)


# ---------------------------------------------------------------- no shell


def _python_files() -> list[Path]:
    return sorted(p for package in ("ingest", "graph", "ontology", "bench") for p in (ROOT / package).rglob("*.py"))


SHELL_CALLS = {("os", "system"), ("os", "popen"), ("subprocess", "getoutput"), ("subprocess", "getstatusoutput"),
               ("asyncio", "create_subprocess_shell"), ("os", "execlp"), ("os", "spawnlp")}


@pytest.mark.parametrize("path", _python_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_security_no_shell_is_ever_invoked(path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        for kw in node.keywords:
            if kw.arg == "shell" and not (isinstance(kw.value, ast.Constant) and kw.value.value is False):
                found.append(f"line {node.lineno}: shell={ast.unparse(kw.value)}")
        func = node.func
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            if (func.value.id, func.attr) in SHELL_CALLS:
                found.append(f"line {node.lineno}: {func.value.id}.{func.attr}")
    assert found == []


def test_security_shell_check_sees_the_packages():
    names = {p.relative_to(ROOT).parts[0] for p in _python_files()}
    assert {"ingest", "graph", "ontology"} <= names
