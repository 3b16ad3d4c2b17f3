"""The SPARQL 1.1 Protocol's side of ``yalu serve``: content negotiation, answers, the service description.

SELECT and ASK answer as SPARQL results in JSON, XML, CSV or TSV; CONSTRUCT and DESCRIBE as
Turtle, N-Triples, JSON-LD or RDF/XML; the ``Accept`` header chooses (q-values honoured, JSON
and Turtle when it allows anything), and a request that accepts none of them gets 406. The
endpoint itself, dereferenced without a query, is its service description (``service.ttl``).

    >>> negotiate("application/sparql-results+xml", "SELECT")
    'application/sparql-results+xml'
    >>> negotiate("text/html", "CONSTRUCT") is None
    True
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable

from rdflib import BNode, Graph, Literal, URIRef, Variable
from rdflib.query import Result
from rdflib.term import Node

from graph.store import QueryResult

RESULTS_JSON = "application/sparql-results+json"
RESULTS_XML = "application/sparql-results+xml"
CSV = "text/csv"
TSV = "text/tab-separated-values"
TURTLE = "text/turtle"
NTRIPLES = "application/n-triples"
JSONLD = "application/ld+json"
RDFXML = "application/rdf+xml"

# what a client may ask for -> what it gets; the first is the default
RESULT_TYPES = {RESULTS_JSON: RESULTS_JSON, "application/json": RESULTS_JSON, RESULTS_XML: RESULTS_XML,
                "application/xml": RESULTS_XML, "text/xml": RESULTS_XML, CSV: CSV, TSV: TSV}
GRAPH_TYPES = {TURTLE: TURTLE, "application/x-turtle": TURTLE, "application/turtle": TURTLE, NTRIPLES: NTRIPLES,
               "text/plain": NTRIPLES, JSONLD: JSONLD, "application/x-json+ld": JSONLD, RDFXML: RDFXML,
               "application/xml": RDFXML, "text/xml": RDFXML}
_RDFLIB_FORMAT = {TURTLE: "turtle", NTRIPLES: "nt", JSONLD: "json-ld", RDFXML: "xml",
                  RESULTS_JSON: "json", RESULTS_XML: "xml", CSV: "csv"}
SERVICE_TTL = Path(__file__).with_name("service.ttl")


def negotiate(accept: str | None, form: str) -> str | None:
    """The media type to answer a ``form`` query with, as the ``Accept`` header prefers.

    Args:
        accept: the request's Accept header (None or empty: anything).
        form: ``SELECT``, ``ASK``, ``CONSTRUCT``, ``DESCRIBE``, or ``GRAPH`` for any RDF graph.

    Returns:
        The media type, or None when the header accepts none that the form can be written in.
    """
    offers = RESULT_TYPES if form in {"SELECT", "ASK"} else GRAPH_TYPES
    default = next(iter(offers.values()))
    if not accept or not accept.strip():
        return default
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(accept.split(",")):
        kind, *options = [p.strip().lower() for p in part.split(";")]
        q = 1.0
        for option in options:
            key, _, value = option.partition("=")
            if key.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if q > 0 and kind:
            ranked.append((-q, index, kind))
    for _, _, kind in sorted(ranked):
        if kind in offers:
            return offers[kind]
        if kind == "*/*":
            return default
        if kind.endswith("/*"):
            family = kind[:-1]
            match = next((media for media in offers.values() if media.startswith(family)), None)
            if match:
                return match
    return None


def offered(form: str) -> str:
    """The media types a ``form`` query can be answered in, for a 406 message."""
    return ", ".join(dict.fromkeys((RESULT_TYPES if form in {"SELECT", "ASK"} else GRAPH_TYPES).values()))


def results_body(result: QueryResult, form: str, media: str) -> bytes:
    """A SELECT or ASK answer (rdflib terms) written as ``media``."""
    if form == "ASK":
        answer = bool(result.boolean)
        if media in {CSV, TSV}:  # the CSV/TSV formats define no boolean: one column named for it
            return f"{'?' if media == TSV else ''}boolean\n{'true' if answer else 'false'}\n".encode()
        if media == RESULTS_JSON:
            return json.dumps({"head": {}, "boolean": answer}).encode()
        out = Result("ASK")
        out.askAnswer = answer
        return out.serialize(format="xml")
    if media == TSV:
        return _tsv(result.columns, result.rows)
    if media == RESULTS_JSON:  # written here rather than by rdflib's serializer, which takes ten times as long
        bindings = [{c: _json_term(v) for c, v in zip(result.columns, row) if v is not None} for row in result.rows]
        return json.dumps({"head": {"vars": result.columns}, "results": {"bindings": bindings}},
                          ensure_ascii=False).encode("utf-8")
    out = Result("SELECT")
    out.vars = [Variable(c) for c in result.columns]
    out.bindings = [{Variable(c): v for c, v in zip(result.columns, row) if v is not None} for row in result.rows]
    return out.serialize(format=_RDFLIB_FORMAT[media])


def graph_body(triples: Iterable[tuple[Node, Node, Node]], media: str) -> bytes:
    """A CONSTRUCT or DESCRIBE answer written as ``media``."""
    g = Graph()
    for triple in triples:
        g.add(triple)
    g.bind("yalu", "https://w3id.org/yalu/ontology#")
    return g.serialize(format=_RDFLIB_FORMAT[media], encoding="utf-8")


def service_description(endpoint: str, media: str) -> bytes:
    """The endpoint's SPARQL 1.1 Service Description, with ``endpoint`` as the service's IRI."""
    g = Graph()
    g.parse(SERVICE_TTL, format="turtle", publicID=endpoint)
    g.bind("sd", "http://www.w3.org/ns/sparql-service-description#")
    g.bind("formats", "http://www.w3.org/ns/formats/")
    return g.serialize(format=_RDFLIB_FORMAT[media], encoding="utf-8")


def _tsv(columns: list[str], rows: list[tuple]) -> bytes:
    """SPARQL 1.1 TSV: ``?var`` heads, terms in Turtle syntax, tabs and line breaks escaped."""
    lines = ["\t".join(f"?{c}" for c in columns)]
    for row in rows:
        lines.append("\t".join("" if v is None else _tsv_term(v) for v in row))
    return ("\n".join(lines) + "\n").encode("utf-8")


def _tsv_term(term: Node) -> str:
    if not isinstance(term, Literal):
        return term.n3()
    # one-line string syntax: rdflib writes a literal with a line break in long quotes, breaking the row
    escaped = str(term).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    escaped = escaped.replace("\t", "\\t")
    suffix = f"@{term.language}" if term.language else f"^^<{term.datatype}>" if term.datatype else ""
    return f'"{escaped}"{suffix}'


def _json_term(term: Node) -> dict[str, str]:
    """An RDF term as SPARQL 1.1 Query Results JSON writes it."""
    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    if isinstance(term, Literal):
        if term.language:
            return {"type": "literal", "value": str(term), "xml:lang": term.language}
        if term.datatype is not None:
            return {"type": "literal", "value": str(term), "datatype": str(term.datatype)}
    return {"type": "literal", "value": str(term)}
