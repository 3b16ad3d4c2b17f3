"""Records to RDF: one named graph per document, provenance on everything, interactions from events."""
from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib import Graph, Literal
from rdflib.compare import isomorphic
from rdflib.namespace import PROV, RDF, RDFS, XSD

from graph.build import build_graph, date_literal, entity_iri, event_iri, graph_iri, interactions, name_key
from ingest.records import Document, Entity, Event, Extraction, Fact, Membership, Mention
from ontology.namespace import YALU

GOLDEN = Path(__file__).parent / "golden" / "build_small.ttl"
TEXT = "Xi Jinping met Kim Jong-un in Beijing in March 2018. China did not sanction anyone."


def small() -> Extraction:
    doc = Document.from_text(TEXT, title="Small", date="2018-04-01")

    def m(start: int, end: int) -> Mention:
        return Mention(doc.id, 0, TEXT[:52], start, end, TEXT[start:end])

    return Extraction(
        doc,
        entities=(Entity("xi_jinping", "Xi Jinping", "Person", in_gazetteer=True, wikidata="Q15031",
                         mentions=(m(0, 10),)),
                  Entity("kim_jong_un", "Kim Jong-un", "Person", aliases=("Kim",), mentions=(m(15, 26),)),
                  Entity("beijing", "Beijing", "City", mentions=(m(30, 37),)),
                  Entity("china", "China", "State", mentions=(m(53, 58),))),
        facts=(Fact("xi_jinping", "title", "President", literal=True, mention=m(0, 10)),
               Fact("beijing", "capitalOf", "china", source="gazetteer")),
        memberships=(Membership("xi_jinping", "china", "President", 2013, None),),
        events=(Event("e1", "Meeting", "met", agents=("xi_jinping",), participants=("kim_jong_un",),
                      date="2018-03", place="beijing", mentions=(m(11, 14),)),
                Event("e2", "Sanction", "sanction", agents=("china",), modality="negated",
                      mentions=(m(67, 75),))),
    )


def test_build_matches_the_golden_graph():
    # regenerate with: python -c "from tests.test_build import *; build_graph(small()).serialize(GOLDEN)"
    expected = Graph().parse(GOLDEN, format="turtle")
    assert isomorphic(build_graph(small()), expected)


def test_build_names_the_graph_after_the_content_hash():
    ex = small()
    assert build_graph(ex).identifier == graph_iri(ex.document.id)


def test_build_every_entity_and_event_has_provenance():
    g = build_graph(small())
    for node in [entity_iri(k) for k in ("xi_jinping", "kim_jong_un", "beijing", "china")] + \
            [event_iri(small().document.id, "e1")]:
        assert list(g.objects(node, PROV.wasDerivedFrom)), node


def test_build_dates_carry_their_precision():
    assert date_literal("2018").datatype == XSD.gYear
    assert date_literal("2018-03").datatype == XSD.gYearMonth
    assert date_literal("2018-03-26").datatype == XSD.date


def test_build_asserted_events_state_interactions_negated_ones_do_not():
    g = build_graph(small())
    assert (entity_iri("xi_jinping"), YALU.meets, entity_iri("kim_jong_un")) in g
    assert (entity_iri("kim_jong_un"), YALU.meets, entity_iri("xi_jinping")) in g
    assert not list(g.subject_objects(YALU.sanctions))


def test_build_participant_only_meeting_pairs_everyone():
    e = Event("e1", "Meeting", "talks", participants=("a", "b", "c"))
    pairs = {(a, b) for a, _, b in interactions(e)}
    assert {("a", "b"), ("b", "a"), ("a", "c"), ("b", "c")} <= pairs


def test_build_fact_is_reified_with_its_source():
    g = build_graph(small())
    sources = {str(o) for s in g.subjects(RDF.type, YALU.Assertion) for o in g.objects(s, YALU.assertedBy)}
    assert sources == {"text", "gazetteer"}
    assert (entity_iri("xi_jinping"), YALU.title, Literal("President")) in g


def test_build_a_gazetteer_fact_is_one_assertion_whichever_document_restates_it():
    first = small()
    second = Extraction(Document.from_text("Beijing is the capital of China."), entities=first.entities,
                        facts=first.facts)

    def assertions(ex, source):
        g = build_graph(ex)
        return {a for a in g.subjects(YALU.assertedBy, Literal(source))}, g

    (gaz1, g1), (gaz2, g2) = assertions(first, "gazetteer"), assertions(second, "gazetteer")
    assert gaz1 == gaz2 and len(gaz1) == 1
    assert set(g1.objects(next(iter(gaz1)), PROV.wasDerivedFrom)) == {YALU.gazetteer}
    assert assertions(first, "text")[0].isdisjoint(assertions(second, "text")[0])  # read in each text: its own


def test_build_hostile_keys_make_safe_iris():
    iri = entity_iri('x> <y> "z" {w}\n')
    assert not any(c in str(iri) for c in '<> "{}\n')
    g = Graph()
    g.add((iri, RDFS.label, Literal("x")))
    assert isomorphic(Graph().parse(data=g.serialize(format="nt"), format="nt"), g)


def test_build_ntriples_text_is_the_same_graph():
    from graph.build import ntriples

    text = ntriples(small())
    assert isomorphic(Graph().parse(data=text, format="nt"), build_graph(small()))


def test_build_entities_carry_name_keys_for_label_and_aliases():
    g = build_graph(small())
    assert set(g.objects(entity_iri("kim_jong_un"), YALU.nameKey)) == {Literal("kim jong-un"), Literal("kim")}
    assert name_key("  Ri\tSu\u2011yong  O\u2019Neill ") == "ri su-yong o'neill"


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30))
def test_build_ntriples_is_one_line_per_triple_whatever_the_text(sentence):
    from graph.build import ntriples

    doc = Document.from_text("Xi " + sentence)
    mention = Mention(doc.id, 0, "Xi " + sentence, 0, 2, "Xi")
    ex = Extraction(doc, entities=(Entity("xi", "Xi " + sentence, "Person", mentions=(mention,)),))
    text = ntriples(ex)
    assert text.count("\n") == len(build_graph(ex))  # not splitlines(): it breaks at \x1e, \u2028 too
    assert isomorphic(Graph().parse(data=text, format="nt"), build_graph(ex))


def test_build_event_keeps_its_report_date_beside_its_own():
    from ontology.namespace import YALU

    g = build_graph(small())
    node = event_iri(small().document.id, "e1")
    assert [str(d) for d in g.objects(node, YALU.reportDate)] == [small().document.date]
