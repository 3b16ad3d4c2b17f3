"""SHACL shapes (``ontology/shapes.ttl``): Yalu's own graphs conform, broken ones do not."""
from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib import namespace as ns
from rdflib.namespace import PROV, RDF, RDFS, SKOS

from graph.build import build_graph, entity_iri
from graph.store.fusion import OCCURRENCES_GRAPH
from ingest.records import Document, Entity, Event, Extraction, Fact, Mention
from ontology import ONTOLOGY_TTL
from ontology.actors import COARSE_CLASS
from ontology.namespace import YALU
from ontology.validate import load_shapes, validate

pytest.importorskip("pyshacl", reason="pySHACL comes with the test extra")

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "ingest" / "demo"
SH = "http://www.w3.org/ns/shacl#"
TEXT = "Xi Jinping met Kim Jong-un in Beijing."


def hand_made() -> Extraction:
    """A small, valid extraction written by hand (no spaCy): two people, a city, a fact, a meeting."""
    doc = Document.from_text(TEXT, title="Hand made", date="2018-03-28")

    def m(start: int, end: int) -> Mention:
        return Mention(doc.id, 0, TEXT, start, end, TEXT[start:end])

    xi, kim, beijing, met = m(0, 10), m(15, 26), m(30, 37), m(11, 14)
    return Extraction(
        document=doc,
        entities=(
            Entity("xi_jinping", "Xi Jinping", "Person", in_gazetteer=True, wikidata="Q15031", mentions=(xi,)),
            Entity("kim_jong_un", "Kim Jong-un", "Person", aliases=("Kim",), in_gazetteer=True, mentions=(kim,)),
            Entity("beijing", "Beijing", "City", in_gazetteer=True, mentions=(beijing,)),
            Entity("china", "China", "State", in_gazetteer=True),
        ),
        facts=(
            Fact("beijing", "capitalOf", "china", source="gazetteer"),
            Fact("beijing", "country", "china", source="inferred"),
            Fact("xi_jinping", "title", "President", literal=True, source="text", mention=xi),
        ),
        events=(Event("e1", "Meeting", "met", agents=("xi_jinping",), participants=("kim_jong_un",),
                      date="2018-03", place="beijing", mentions=(met,)),),
    )


def first(g: Graph, cls: URIRef) -> URIRef:
    return next(iter(g.subjects(RDF.type, cls)))


def violations(report: str) -> int:
    return report.count("Constraint Violation")


@pytest.fixture(scope="module")
def good() -> Graph:
    return build_graph(hand_made())


def test_shapes_hand_made_graph_conforms(good):
    conforms, report = validate(good)
    assert conforms, report


def test_shapes_validate_leaves_input_unchanged(good):
    before = len(good)
    validate(good)
    assert len(good) == before


# Each breaks one rule of the shapes; the graph must then not conform.
def _drop(pred):
    return lambda g, node: g.remove((node, pred, None))


def _replace(pred, value):
    def run(g, node):
        g.remove((node, pred, None))
        g.add((node, pred, value))
    return run


BREAKERS = {
    "event without provenance": (YALU.Meeting, _drop(PROV.wasDerivedFrom)),
    "event date as plain string": (YALU.Meeting, _replace(YALU.date, Literal("2018-03"))),
    "event date as xsd:dateTime": (YALU.Meeting, _replace(YALU.date, Literal("2018-03-28T00:00:00",
                                                                             datatype=ns.XSD.dateTime))),
    "event date ill-typed": (YALU.Meeting, _replace(YALU.date, Literal("2018-02-30", datatype=ns.XSD.date))),
    "event without modality": (YALU.Meeting, _drop(YALU.modality)),
    "event with unknown modality": (YALU.Meeting, _replace(YALU.modality, YALU.Meeting)),
    "event typed only yalu:Event": (YALU.Meeting, _replace(RDF.type, YALU.Event)),
    "event agent is a literal": (YALU.Meeting, lambda g, n: g.add((n, YALU.agent, Literal("Xi")))),
    "event agent is not an entity": (YALU.Meeting, lambda g, n: g.add((n, YALU.agent, entity_iri("nobody")))),
    "event provenance not a mention": (YALU.Meeting, _replace(PROV.wasDerivedFrom, entity_iri("beijing"))),
    "entity without label": (YALU.Person, _drop(RDFS.label)),
    "entity with two labels": (YALU.Person, lambda g, n: g.add((n, RDFS.label, Literal("Another")))),
    "entity label with language tag": (YALU.Person, _replace(RDFS.label, Literal("Xi", lang="en"))),
    "entity without provenance": (YALU.Person, _drop(PROV.wasDerivedFrom)),
    "entity of a non-entity class": (YALU.Person, _replace(RDF.type, YALU.Meeting)),
    "entity altLabel is an IRI": (YALU.Person, lambda g, n: g.add((n, SKOS.altLabel, entity_iri("x")))),
    "mention start after end": (YALU.Mention, _replace(YALU.start, Literal(10_000))),
    "mention negative start": (YALU.Mention, _replace(YALU.start, Literal(-1))),
    "mention start not an integer": (YALU.Mention, _replace(YALU.start, Literal("0"))),
    "mention without sentence": (YALU.Mention, _drop(YALU.sentence)),
    "mention without document": (YALU.Mention, _drop(YALU.inDocument)),
    "mention in two documents": (YALU.Mention, lambda g, n: g.add((n, YALU.inDocument, URIRef("urn:x:doc")))),
    "assertion by an unknown source": (YALU.Assertion, _replace(YALU.assertedBy, Literal("rumour"))),
    "assertion without provenance": (YALU.Assertion, _drop(PROV.wasDerivedFrom)),
    "assertion without subject": (YALU.Assertion, _drop(RDF.subject)),
    "assertion of a non-fact predicate": (YALU.Assertion, _replace(RDF.predicate, YALU.meets)),
    "document without content hash": (YALU.Document, _drop(YALU.contentHash)),
    "document with a short hash": (YALU.Document, _replace(YALU.contentHash, Literal("abc123"))),
    "country is a city": (YALU.Person, lambda g, n: g.add((n, YALU.country, entity_iri("beijing")))),
    "title is an IRI": (YALU.Person, lambda g, n: g.add((n, YALU.title, entity_iri("china")))),
}


@pytest.mark.parametrize("name", sorted(BREAKERS))
def test_shapes_broken_graph_does_not_conform(good, name):
    cls, breaker = BREAKERS[name]
    g = Graph()
    g += good
    breaker(g, first(g, cls))
    conforms, report = validate(g)
    assert not conforms
    assert violations(report) >= 1


def test_shapes_entity_class_list_matches_ontology():
    shapes = load_shapes()
    listed = {str(v).rsplit("#", 1)[-1] for v in _in_lists(shapes) if str(v) in {str(YALU[c]) for c in COARSE_CLASS}}
    assert listed == set(COARSE_CLASS)


def event_classes() -> list[str]:
    onto = Graph().parse(ONTOLOGY_TTL, format="turtle")
    return sorted(str(c).rsplit("#", 1)[-1] for c in onto.transitive_subjects(RDFS.subClassOf, YALU.Event)
                  if c != YALU.Event)


@pytest.mark.parametrize("cls", event_classes())
def test_shapes_every_event_class_of_the_ontology_is_accepted(good, cls):
    g = Graph()
    g += good
    event = first(g, YALU.Meeting)
    g.remove((event, RDF.type, None))
    g.add((event, RDF.type, YALU[cls]))
    conforms, report = validate(g)
    assert conforms, report


def _in_lists(shapes: Graph) -> set:
    """Every value of every sh:in list in the shapes."""
    out = set()
    for head in shapes.objects(None, URIRef(SH + "in")):
        out.update(shapes.items(head))
    return out


# ---------------------------------------------------------------- Yalu's own output conforms


@pytest.fixture(scope="module")
def demo_store(nlp):
    from graph.store import Store
    from ingest.pipeline import extract
    from ingest.sources import Document as Doc
    from ingest.sources import iter_documents

    store = Store()
    docs = [d for d in iter_documents(sorted(DEMO.glob("*.txt"))) if isinstance(d, Doc)]
    assert len(docs) == len(list(DEMO.glob("*.txt"))) >= 3
    for doc in docs:
        store.add(extract(doc, nlp))
    return store


@pytest.mark.model
def test_shapes_demo_export_conforms(demo_store):
    g = Graph().parse(data=demo_store.export("ttl"), format="turtle")
    assert len(set(g.subjects(RDF.type, YALU.Mention))) > 10
    conforms, report = validate(g)
    assert conforms, report


@pytest.mark.model
def test_shapes_demo_document_graphs_conform_on_their_own(demo_store):
    ds = demo_store.dataset(include_ontology=False)
    graphs = [g for g in ds.graphs() if len(g) and str(g.identifier).startswith("https://w3id.org/yalu/graph/")
              and g.identifier != OCCURRENCES_GRAPH]  # occurrences link events of many documents
    assert len(graphs) >= 3
    for g in graphs:
        own = Graph()
        own += g
        conforms, report = validate(own)
        assert conforms, f"{g.identifier}\n{report}"
