"""The Yalu vocabulary as a closed rdflib namespace, kept in sync with ``yalu.ttl`` by a test.

    >>> from ontology.namespace import YALU
    >>> YALU.Meeting
    rdflib.term.URIRef('https://w3id.org/yalu/ontology#Meeting')
"""
from __future__ import annotations

from rdflib.namespace import DefinedNamespace, Namespace
from rdflib.term import URIRef


class YALU(DefinedNamespace):
    """Terms of ``ontology/yalu.ttl``; an unknown name raises AttributeError."""

    _fail = True
    _NS = Namespace("https://w3id.org/yalu/ontology#")

    Actor: URIRef
    Agreement: URIRef
    Aid: URIRef
    Appointment: URIRef
    Assertion: URIRef
    City: URIRef
    Company: URIRef
    Criticism: URIRef
    Defection: URIRef
    Deployment: URIRef
    Document: URIRef
    Event: URIRef
    Exchange: URIRef
    Facility: URIRef
    GovernmentBody: URIRef
    Group: URIRef
    InternationalOrganization: URIRef
    LegalAction: URIRef
    MediaOrganization: URIRef
    Meeting: URIRef
    Mention: URIRef
    MilitaryAction: URIRef
    MilitaryExercise: URIRef
    MilitaryOrganization: URIRef
    MissileTest: URIRef
    Modality: URIRef
    NuclearTest: URIRef
    Occurrence: URIRef
    Organization: URIRef
    PartyCongress: URIRef
    Performance: URIRef
    Person: URIRef
    Place: URIRef
    PoliticalParty: URIRef
    Protest: URIRef
    Purge: URIRef
    Region: URIRef
    Sanction: URIRef
    State: URIRef
    Statement: URIRef
    Trade: URIRef
    Visit: URIRef
    actorEdge: URIRef
    addresses: URIRef
    affiliatedWith: URIRef
    agent: URIRef
    asserted: URIRef
    assertedBy: URIRef
    attacks: URIRef
    cameoCode: URIRef
    capitalOf: URIRef
    conflict: URIRef
    contentHash: URIRef
    cooperatesWith: URIRef
    country: URIRef
    criticizes: URIRef
    date: URIRef
    defectsTo: URIRef
    duration: URIRef
    end: URIRef
    eventClass: URIRef
    envoyOf: URIRef
    fusionKey: URIRef
    gazetteer: URIRef
    gazetteerId: URIRef
    hypothetical: URIRef
    inDocument: URIRef
    interactsWith: URIRef
    leaderOf: URIRef
    liaisonWith: URIRef
    locatedIn: URIRef
    meets: URIRef
    memberOf: URIRef
    mentions: URIRef
    modality: URIRef
    nameKey: URIRef
    negated: URIRef
    occurrence: URIRef
    opposes: URIRef
    partOf: URIRef
    participant: URIRef
    place: URIRef
    planned: URIRef
    ploverType: URIRef
    polarity: URIRef
    purges: URIRef
    reportDate: URIRef
    reportedDate: URIRef
    sanctions: URIRef
    sentence: URIRef
    sentenceIndex: URIRef
    sourceCount: URIRef
    speculative: URIRef
    start: URIRef
    supports: URIRef
    surface: URIRef
    target: URIRef
    threatens: URIRef
    title: URIRef
    trigger: URIRef
    visits: URIRef
    wikidata: URIRef


# Each term as a plain class attribute: DefinedNamespace otherwise checks and builds the URIRef on
# every access, and building a document's graph reads these terms some thousand times.
for _term in YALU.__annotations__:
    type.__setattr__(YALU, _term, URIRef(str(YALU._NS) + _term))
del _term

ENTITY_IRI = Namespace("https://w3id.org/yalu/id/")
DOC_IRI = Namespace("https://w3id.org/yalu/doc/")
GRAPH_IRI = Namespace("https://w3id.org/yalu/graph/")
ONTOLOGY_GRAPH = GRAPH_IRI["ontology"]
