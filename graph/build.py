"""From ``ingest`` records to RDF: one named graph per document.

Every entity, fact and event keeps its provenance (PROV-O): mentions with the document,
sentence text and character offsets. Facts are direct triples plus a reified
``yalu:Assertion`` saying who asserted them (the text, the gazetteer, or inference).

    >>> from ingest.records import Document, Entity, Extraction
    >>> doc = Document.from_text("Xi Jinping spoke.")
    >>> g = build_graph(Extraction(doc, entities=(Entity("xi_jinping", "Xi Jinping", "Person"),)))
    >>> (entity_iri("xi_jinping"), RDF.type, YALU.Person) in g
    True
"""
from __future__ import annotations

import hashlib
from functools import lru_cache
from types import SimpleNamespace
from urllib.parse import quote

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib import namespace as rdflib_ns

from ingest.records import Event, Extraction, Fact, Membership, Mention
from ontology import ONTOLOGY_TTL
from ontology.namespace import DOC_IRI, ENTITY_IRI, GRAPH_IRI, YALU


def _terms(namespace, names: str | None = None) -> SimpleNamespace:
    """A namespace's terms as plain attributes.

    rdflib checks and rebuilds a term on every attribute access, and a document's graph reads
    these some hundred thousand times per thousand documents.

    >>> _terms(rdflib_ns.RDF).type
    rdflib.term.URIRef('http://www.w3.org/1999/02/22-rdf-syntax-ns#type')
    """
    return SimpleNamespace(**{n: namespace[n] for n in (names.split() if names else namespace.__annotations__)})


DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD = map(_terms, (rdflib_ns.DCTERMS, rdflib_ns.OWL, rdflib_ns.PROV, rdflib_ns.RDF,
                                                       rdflib_ns.RDFS, rdflib_ns.SKOS, rdflib_ns.XSD))
ORG = _terms(Namespace("http://www.w3.org/ns/org#"), "Membership Role member memberDuring organization role")
TIME = _terms(Namespace("http://www.w3.org/2006/time#"), "Instant Interval hasBeginning hasEnd inXSDgYear")
WIKIDATA = Namespace("http://www.wikidata.org/entity/")
EVENT_IRI = Namespace("https://w3id.org/yalu/event/")
MEMBERSHIP_IRI = Namespace("https://w3id.org/yalu/membership/")
ASSERTION_IRI = Namespace("https://w3id.org/yalu/assertion/")
DATE_TYPES = {4: XSD.gYear, 7: XSD.gYearMonth, 10: XSD.date}
_KEY_CHARS = str.maketrans({"\u2018": "'", "\u2019": "'", "\u02bc": "'", "\u2010": "-", "\u2011": "-",
                            "\u2012": "-", "\u2013": "-", "\u2014": "-"})


@lru_cache(maxsize=8192)
def _safe(key: str) -> str:
    """Percent-encode everything but unreserved characters, so no key can break an IRI."""
    return quote(key, safe="-._~")


@lru_cache(maxsize=8192)
def entity_iri(key: str) -> URIRef:
    """The IRI of an entity key (gazetteer id or stable key)."""
    return ENTITY_IRI[_safe(key)]


@lru_cache(maxsize=256)
def document_iri(doc_id: str) -> URIRef:
    return DOC_IRI[_safe(doc_id)]


def graph_iri(doc_id: str) -> URIRef:
    """The named graph holding one document's triples."""
    return GRAPH_IRI[_safe(doc_id)]


def mention_iri(mention: Mention, iri=URIRef) -> URIRef:
    """The IRI of a mention: its document's, with its character offsets; made by ``iri``."""
    return iri(f"{document_iri(mention.doc_id)}#m{mention.start}-{mention.end}")


def event_iri(doc_id: str, key: str) -> URIRef:
    return EVENT_IRI[f"{_safe(doc_id[:16])}-{_safe(key)}"]


def date_literal(iso: str, lit=Literal) -> Literal:
    """An ISO date of any precision as xsd:gYear, xsd:gYearMonth or xsd:date, made by ``lit``."""
    return lit(iso, datatype=DATE_TYPES.get(len(iso), XSD.string))


def name_key(name: str) -> str:
    """The ``yalu:nameKey`` of a label or alias: how a typed name finds an entity.

    >>> name_key("  Kim  Jong\u2011un ")
    'kim jong-un'
    """
    return " ".join(name.translate(_KEY_CHARS).casefold().split())


@lru_cache(maxsize=1)
def ontology_graph() -> Graph:
    """The ontology (``ontology/yalu.ttl``), parsed once."""
    return Graph().parse(ONTOLOGY_TTL, format="turtle")


@lru_cache(maxsize=1)
def actor_edges() -> dict[str, URIRef]:
    """Event class local name -> the interaction property stated between its actors."""
    g = ontology_graph()
    return {str(cls).rsplit("#", 1)[-1]: edge for cls, edge in g.subject_objects(YALU.actorEdge)}


SYMMETRIC_EDGES = {YALU.meets, YALU.cooperatesWith, YALU.interactsWith}


def _mention(g, mention: Mention) -> URIRef:
    node = mention_iri(mention, g.iri)
    g.add((node, RDF.type, YALU.Mention))
    g.add((node, YALU.inDocument, document_iri(mention.doc_id)))
    g.add((node, YALU.sentence, g.lit(mention.sentence)))
    g.add((node, YALU.sentenceIndex, g.lit(mention.sentence_index)))
    g.add((node, YALU.start, g.lit(mention.start)))
    g.add((node, YALU.end, g.lit(mention.end)))
    g.add((node, YALU.surface, g.lit(mention.text)))
    return node


def _fact(g, fact: Fact, doc: URIRef) -> None:
    subject = entity_iri(fact.subject)
    predicate = YALU[fact.predicate]
    obj = g.lit(fact.object) if fact.literal else entity_iri(fact.object)
    g.add((subject, predicate, obj))
    value = fact.object if fact.literal else obj  # the lexical form, whichever sink made the term
    digest = hashlib.sha1(f"{subject}|{predicate}|{value}|{fact.source}".encode()).hexdigest()[:16]
    background = fact.source == "gazetteer" and fact.mention is None
    # a gazetteer fact is the gazetteer's, not the document's: one node however many documents restate it
    node = ASSERTION_IRI[digest] if background else g.iri(f"{doc}#a{digest}")
    g.add((node, RDF.type, YALU.Assertion))
    g.add((node, RDF.subject, subject))
    g.add((node, RDF.predicate, predicate))
    g.add((node, RDF.object, obj))
    g.add((node, YALU.assertedBy, g.lit(fact.source)))
    source = YALU.gazetteer if background else _mention(g, fact.mention) if fact.mention else doc
    g.add((node, PROV.wasDerivedFrom, source))


def _membership(g, m: Membership) -> None:
    digest = hashlib.sha1(f"{m.person}|{m.organization}|{m.role}|{m.start}".encode()).hexdigest()[:16]
    node = MEMBERSHIP_IRI[digest]
    role = MEMBERSHIP_IRI[f"role-{hashlib.sha1(m.role.encode()).hexdigest()[:12]}"]
    g.add((node, RDF.type, ORG.Membership))
    g.add((node, ORG.member, entity_iri(m.person)))
    g.add((node, ORG.organization, entity_iri(m.organization)))
    g.add((node, ORG.role, role))
    g.add((role, RDF.type, ORG.Role))
    g.add((role, RDFS.label, g.lit(m.role)))
    if m.start is not None or m.end is not None:
        interval = g.iri(f"{node}#during")
        g.add((node, ORG.memberDuring, interval))
        g.add((interval, RDF.type, TIME.Interval))
        for pred, year in ((TIME.hasBeginning, m.start), (TIME.hasEnd, m.end)):
            if year is not None:
                instant = g.iri(f"{interval}-{'start' if pred == TIME.hasBeginning else 'end'}")
                g.add((interval, pred, instant))
                g.add((instant, RDF.type, TIME.Instant))
                g.add((instant, TIME.inXSDgYear, g.lit(f"{year:04d}", datatype=XSD.gYear)))


def _event(g, event: Event, doc_id: str, labels: dict[str, str], report_date: str | None = None) -> None:
    node = event_iri(doc_id, event.key)
    g.add((node, RDF.type, YALU[event.cls]))
    g.add((node, YALU.trigger, g.lit(event.trigger)))
    g.add((node, YALU.modality, YALU[event.modality]))
    names = [labels.get(k, k) for k in (*event.agents, *event.participants, *event.targets)]
    title = f"{event.cls}: {', '.join(names[:4])}" + (f" ({event.date})" if event.date else "")
    g.add((node, RDFS.label, g.lit(title)))
    for role, keys in ((YALU.agent, event.agents), (YALU.target, event.targets)):
        for key in keys:
            g.add((node, role, entity_iri(key)))
    for key in (*event.agents, *event.participants, *event.targets):
        g.add((node, YALU.participant, entity_iri(key)))
    if event.date:
        g.add((node, YALU.date, date_literal(event.date, g.lit)))
    if report_date:  # undated events still sort by when they were reported
        g.add((node, YALU.reportDate, date_literal(report_date, g.lit)))
    if event.place:
        g.add((node, YALU.place, entity_iri(event.place)))
    if event.duration:
        g.add((node, YALU.duration, g.lit(event.duration, datatype=XSD.duration)))
    for mention in event.mentions:
        g.add((node, PROV.wasDerivedFrom, _mention(g, mention)))
    if event.modality == "asserted":
        _interactions(g, event)


def interactions(event: Event) -> list[tuple[str, URIRef, str]]:
    """The actor-to-actor edges an asserted event states: (from key, property, to key)."""
    edge = actor_edges().get(event.cls, YALU.interactsWith)
    out: list[tuple[str, URIRef, str]] = []
    sources = list(event.agents) or list(event.participants)
    others = list(event.targets) + [k for k in event.participants if k not in sources]
    if not event.agents and not event.targets and edge in SYMMETRIC_EDGES:
        others = list(event.participants)  # "talks between A and B": every pair meets
    for a in sources:
        for b in others:
            if a != b:
                out.append((a, edge, b))
    if edge in SYMMETRIC_EDGES:
        out += [(b, e, a) for a, e, b in out]
    return list(dict.fromkeys(out))


def _interactions(g, event: Event) -> None:
    for a, edge, b in interactions(event):
        g.add((entity_iri(a), edge, entity_iri(b)))


class _Triples(list):
    """A list that takes ``add`` like a Graph: writing triples without rdflib's indexes.

    ``_fill`` makes its literals with the sink's ``lit`` and the IRIs it builds with its ``iri``:
    rdflib terms here.
    """

    add = list.append
    lit = staticmethod(Literal)
    iri = staticmethod(URIRef)


class _Written(str):
    """A literal already in N-Triples syntax."""


class _NTriples(_Triples):
    """A sink whose literals are N-Triples text: rdflib's Literal costs more than the rest of a triple.

    IRIs are plain strings, which rdflib would check again; the text of a literal is made once
    per document (a sentence is the text of each of its mentions).
    """

    iri = staticmethod(str)

    def __init__(self):
        super().__init__()
        self.written: dict[tuple, _Written] = {}

    def lit(self, value, datatype=None) -> _Written:
        if type(value) is int:
            return _Written(f'"{value}"{_INTEGER}')
        found = self.written.get((value, datatype))
        if found is None:
            text = f'"{value.translate(_NT_ESCAPES)}"'
            found = _Written(text if datatype is None or datatype == XSD.string else f"{text}^^<{datatype}>")
            self.written[value, datatype] = found
        return found


def triples(extraction: Extraction) -> list[tuple]:
    """Every triple read from one document, as rdflib terms (duplicates possible)."""
    sink = _Triples()
    _fill(sink, extraction)
    return sink


def build_graph(extraction: Extraction) -> Graph:
    """All triples read from one document, in a graph named after its content hash."""
    g = Graph(identifier=graph_iri(extraction.document.id))
    g.bind("yalu", YALU)
    for triple in triples(extraction):
        g.add(triple)
    return g


def ntriples(extraction: Extraction) -> str:
    """The document's triples as N-Triples text: what the store writes, without building a Graph.

    Isomorphic to ``build_graph(extraction)`` (a test checks it), and much cheaper to make, which
    matters when every document of a corpus passes through here.
    """
    sink = _NTriples()
    _fill(sink, extraction)
    # subjects and predicates are always IRIs; an object is an IRI unless the sink wrote it as a literal
    lines = dict.fromkeys("<%s> <%s> %s ." % (s, p, o if type(o) is _Written else f"<{o}>") for s, p, o in sink)
    return "\n".join(lines) + "\n"


_NT_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})


def nt_string(text: str) -> str:
    """A plain string literal as N-Triples writes it, on one line whatever the text holds.

    >>> nt_string('say "hi"\\nnow')
    '"say \\\\"hi\\\\"\\\\nnow"'
    """
    return '"%s"' % text.translate(_NT_ESCAPES)
_INTEGER = f"^^<{XSD.integer}>"


def _fill(g, extraction: Extraction) -> None:
    doc = extraction.document
    d = document_iri(doc.id)
    g.add((d, RDF.type, YALU.Document))
    g.add((d, YALU.contentHash, g.lit(doc.id)))
    for pred, value in ((DCTERMS.title, doc.title), (DCTERMS.creator, doc.author), (DCTERMS.source, doc.source)):
        if value:
            g.add((d, pred, g.lit(value)))
    if doc.date:
        g.add((d, DCTERMS.date, date_literal(doc.date[:10], g.lit)))
    labels = {}
    for entity in extraction.entities:
        node = entity_iri(entity.key)
        labels[entity.key] = entity.label
        g.add((node, RDF.type, YALU[entity.cls]))
        g.add((node, RDFS.label, g.lit(entity.label)))
        for alias in entity.aliases:
            g.add((node, SKOS.altLabel, g.lit(alias)))
        for name in (entity.label, *entity.aliases):
            g.add((node, YALU.nameKey, g.lit(name_key(name))))
        if entity.in_gazetteer:
            g.add((node, YALU.gazetteerId, g.lit(entity.key)))
        if entity.wikidata:
            g.add((node, YALU.wikidata, g.lit(entity.wikidata)))
            g.add((node, OWL.sameAs, WIKIDATA[_safe(entity.wikidata)]))
        g.add((d, YALU.mentions, node))
        for mention in entity.mentions:
            g.add((node, PROV.wasDerivedFrom, _mention(g, mention)))
        if not entity.mentions:
            g.add((node, PROV.wasDerivedFrom, d))
    for fact in extraction.facts:
        _fact(g, fact, d)
    for membership in extraction.memberships:
        _membership(g, membership)
    for event in extraction.events:
        _event(g, event, doc.id, labels, doc.date)
