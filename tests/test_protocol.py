"""SPARQL 1.1 Protocol conformance of ``yalu serve``: content negotiation, the service description,
errors, and the two Python clients analysts use (SPARQLWrapper, rdflib's SPARQLStore), for real."""
from __future__ import annotations

import io
import json
import threading
import urllib.error
import urllib.parse
import urllib.request

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDFS
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from rdflib.query import Result
from SPARQLWrapper import CSV, JSON, JSONLD, POST, POSTDIRECTLY, RDFXML, TSV, TURTLE, URLENCODED, XML, SPARQLWrapper

from graph.app.protocol import negotiate
from graph.app.serve import make_server
from graph.store import Store

YALU = "https://w3id.org/yalu/ontology#"
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
PEOPLE = f"""SELECT ?e ?name WHERE {{ ?e a <{YALU}Person> ; <{RDFS.label}> ?name }} ORDER BY ?name"""
ASK_MEETING = f"ASK {{ ?e a <{YALU}Meeting> }}"
CONSTRUCT = f"CONSTRUCT {{ ?e <{RDFS.label}> ?name }} WHERE {{ ?e a <{YALU}Person> ; <{RDFS.label}> ?name }}"
RESULT_FORMATS = {"application/sparql-results+json": "json", "application/sparql-results+xml": "xml",
                  "text/csv": "csv", "text/tab-separated-values": "tsv"}
GRAPH_FORMATS = {"text/turtle": "turtle", "application/n-triples": "nt", "application/ld+json": "json-ld",
                 "application/rdf+xml": "xml"}


@pytest.fixture(scope="module")
def store(tmp_path_factory, make_extraction):
    path = tmp_path_factory.mktemp("protocol") / "store"
    s = Store(path)
    s.add(make_extraction("Xi Jinping met Kim Jong-un in Beijing.", source="a.txt", meeting=True))
    s.add(make_extraction("Wang Yi said China and North Korea are close.", source="b.txt"))
    s.flush()
    del s
    return Store(path, read_only=True)


@pytest.fixture(scope="module")
def url(store):
    server = make_server(store, host="127.0.0.1", port=0, timeout=30, html=__file__)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.url
    server.shutdown()
    server.server_close()


def request(url, path, *, data=None, headers=None, method=None):
    req = urllib.request.Request(url + path, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=60) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


def get(url, sparql, accept=None):
    return request(url, "/sparql?" + urllib.parse.urlencode({"query": sparql}),
                   headers={"Accept": accept} if accept else {})


def people(store) -> list[tuple[str, str]]:
    return [(str(e), str(n)) for e, n in store.query(PEOPLE, terms=True).rows]


# ---------------------------------------------------------------------- negotiation


@pytest.mark.parametrize(("accept", "form", "media"), [
    (None, "SELECT", "application/sparql-results+json"),
    ("*/*", "SELECT", "application/sparql-results+json"),
    ("application/sparql-results+xml", "SELECT", "application/sparql-results+xml"),
    ("application/xml;q=0.2, text/csv", "ASK", "text/csv"),
    ("text/*", "SELECT", "text/csv"),
    ("text/tab-separated-values", "SELECT", "text/tab-separated-values"),
    ("application/json", "SELECT", "application/sparql-results+json"),
    ("text/csv;q=0, application/sparql-results+xml", "SELECT", "application/sparql-results+xml"),
    ("application/rdf+xml", "CONSTRUCT", "application/rdf+xml"),
    ("application/ld+json, text/turtle;q=0.5", "DESCRIBE", "application/ld+json"),
    ("text/html, application/xhtml+xml, */*;q=0.8", "CONSTRUCT", "text/turtle"),  # a browser
    ("text/html", "SELECT", None),
    ("image/png", "CONSTRUCT", None),
])
def test_protocol_negotiate(accept, form, media):
    assert negotiate(accept, form) == media


@pytest.mark.parametrize("media", RESULT_FORMATS)
@pytest.mark.parametrize("method", ["GET", "POST form", "POST direct"])
def test_protocol_select_in_every_results_format_and_method(url, store, media, method):
    if method == "GET":
        status, headers, body = get(url, PEOPLE, media)
    elif method == "POST form":
        status, headers, body = request(url, "/sparql", data=urllib.parse.urlencode({"query": PEOPLE}).encode(),
                                        headers={"Content-Type": "application/x-www-form-urlencoded",
                                                 "Accept": media})
    else:
        status, headers, body = request(url, "/sparql", data=PEOPLE.encode(),
                                        headers={"Content-Type": "application/sparql-query", "Accept": media})
    assert status == 200 and headers.get_content_type() == media
    parsed = Result.parse(io.BytesIO(body), format=RESULT_FORMATS[media])
    assert [(str(row[0]), str(row[1])) for row in parsed] == people(store)


@pytest.mark.parametrize("media", RESULT_FORMATS)
def test_protocol_ask_in_every_results_format(url, media):
    status, headers, body = get(url, ASK_MEETING, media)
    assert status == 200 and headers.get_content_type() == media
    if media in {"text/csv", "text/tab-separated-values"}:
        assert body.decode().split() == [("?" if "tab" in media else "") + "boolean", "true"]
    else:
        assert Result.parse(io.BytesIO(body), format=RESULT_FORMATS[media]).askAnswer is True


@pytest.mark.parametrize("media", GRAPH_FORMATS)
def test_protocol_construct_in_every_rdf_format(url, store, media):
    status, headers, body = get(url, CONSTRUCT, media)
    assert status == 200 and headers.get_content_type() == media
    assert isomorphic(Graph().parse(data=body, format=GRAPH_FORMATS[media]), store.construct(CONSTRUCT))


def test_protocol_tsv_escapes_tabs_and_line_breaks(url):
    sparql = 'SELECT ?s WHERE { BIND("a\\tb\\nc" AS ?s) }'
    body = get(url, sparql, "text/tab-separated-values")[2].decode()
    assert body.splitlines() == ["?s", '"a\\tb\\nc"']
    (row,) = Result.parse(io.BytesIO(body.encode()), format="tsv")
    assert row[0] == Literal("a\tb\nc")


@pytest.mark.parametrize("accept", ["text/turtle", "application/rdf+xml", None])
def test_protocol_service_description_at_the_endpoint(url, accept):
    status, headers, body = request(url, "/sparql", headers={"Accept": accept} if accept else {})
    assert status == 200
    g = Graph().parse(data=body, format=GRAPH_FORMATS[headers.get_content_type()])
    service = URIRef(url + "/sparql")
    assert (service, SD.endpoint, service) in g
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in g
    formats = {str(o).rsplit("/", 1)[-1] for o in g.objects(service, SD.resultFormat)}
    assert {"SPARQL_Results_XML", "SPARQL_Results_JSON", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
            "Turtle", "RDF_XML", "JSON-LD", "N-Triples"} <= formats


# ---------------------------------------------------------------------- errors (W3C protocol tests that apply)


@pytest.mark.parametrize(("path", "data", "headers", "method", "status"), [
    # bad_query_method: neither GET nor POST
    ("/sparql?query=ASK%7B%7D", None, {}, "PUT", 405),
    ("/sparql?query=ASK%7B%7D", None, {}, "DELETE", 405),
    # bad_multiple_queries
    ("/sparql?query=ASK%7B%7D&query=ASK%7B%7D", None, {}, None, 400),
    ("/sparql", b"query=ASK%7B%7D&query=ASK%7B%7D", {"Content-Type": "application/x-www-form-urlencoded"}, None,
     400),
    # bad_query_wrong_media_type, bad_query_missing_form_type
    ("/sparql", b"ASK {}", {"Content-Type": "text/plain"}, None, 415),
    ("/sparql", b"query=ASK%7B%7D", {"Content-Type": ""}, None, 415),
    # bad_query_non_utf8
    ("/sparql", "ASK { ?s ?p 'caf\u00e9' }".encode("latin-1"), {"Content-Type": "application/sparql-query"}, None,
     400),
    # bad_query_syntax
    ("/sparql?query=SELEC%20*%20%7B%7D", None, {}, None, 400),
    # bad_update_get, and an update where a query belongs
    ("/sparql?update=CLEAR%20ALL", None, {}, None, 400),
    ("/sparql", b"query=ASK%7B%7D&update=CLEAR%20ALL", {"Content-Type": "application/x-www-form-urlencoded"},
     None, 400),
    # a query in the body and in the URL
    ("/sparql?query=ASK%7B%7D", b"ASK {}", {"Content-Type": "application/sparql-query"}, None, 400),
    # nothing the client accepts
    ("/sparql?query=ASK%7B%7D", None, {"Accept": "text/html"}, None, 406),
    ("/sparql", None, {"Accept": "image/png"}, None, 406),
])
def test_protocol_bad_requests(url, path, data, headers, method, status):
    got, head, body = request(url, path, data=data, headers=headers, method=method)
    assert got == status, body
    assert json.loads(body)["error"]
    if status == 405:
        assert head["Allow"] == "GET, POST"


# ---------------------------------------------------------------------- real clients


@pytest.mark.parametrize("fmt", [JSON, XML, CSV, TSV])
@pytest.mark.parametrize("how", ["GET", URLENCODED, POSTDIRECTLY])
def test_protocol_sparqlwrapper_select(url, store, fmt, how):
    client = SPARQLWrapper(url + "/sparql")
    client.setQuery(PEOPLE)
    client.setReturnFormat(fmt)
    if how != "GET":
        client.setMethod(POST)
        client.setRequestMethod(how)
    answer = client.query()
    assert answer.info()["content-type"].split(";")[0] == {JSON: "application/sparql-results+json",
                                                           XML: "application/sparql-results+xml", CSV: "text/csv",
                                                           TSV: "text/tab-separated-values"}[fmt]
    converted = answer.convert()
    if fmt == JSON:
        rows = [(b["e"]["value"], b["name"]["value"]) for b in converted["results"]["bindings"]]
    elif fmt == XML:
        rows = [(str(r[0]), str(r[1])) for r in Result.parse(io.StringIO(converted.toxml()), format="xml")]
    else:
        rows = [(str(r[0]), str(r[1])) for r in Result.parse(io.BytesIO(converted), format=fmt)]
    assert rows == people(store)


@pytest.mark.parametrize("fmt", [JSON, XML])
def test_protocol_sparqlwrapper_ask(url, fmt):
    client = SPARQLWrapper(url + "/sparql", returnFormat=fmt)
    client.setQuery(ASK_MEETING)
    converted = client.queryAndConvert()
    answer = converted["boolean"] if fmt == JSON else converted.getElementsByTagName("boolean")[0].firstChild.data
    assert answer in (True, "true")


@pytest.mark.parametrize("fmt", [TURTLE, RDFXML, JSONLD])
def test_protocol_sparqlwrapper_construct(url, store, fmt):
    client = SPARQLWrapper(url + "/sparql", returnFormat=fmt)
    client.setQuery(CONSTRUCT)
    converted = client.queryAndConvert()
    got = converted if isinstance(converted, Graph) else Graph().parse(
        data=converted, format={TURTLE: "turtle", JSONLD: "json-ld"}[fmt])
    assert isomorphic(got, store.construct(CONSTRUCT))


@pytest.mark.parametrize("fmt", ["xml", "json", "csv", "tsv"])
@pytest.mark.parametrize("method", ["GET", "POST", "POST_FORM"])
def test_protocol_rdflib_sparqlstore(url, store, fmt, method):
    remote = Graph(SPARQLStore(url + "/sparql", returnFormat=fmt, method=method))
    rows = [(str(r[0]), str(r[1])) for r in remote.query(PEOPLE)]
    assert rows == people(store)
    if fmt in {"xml", "json"}:  # the CSV and TSV formats have no boolean answer
        assert remote.query(ASK_MEETING).askAnswer is True


def test_protocol_rdflib_sparqlstore_construct_and_triples(url, store):
    remote = Graph(SPARQLStore(url + "/sparql"))
    assert isomorphic(remote.query(CONSTRUCT).graph, store.construct(CONSTRUCT))
    kim = URIRef("https://w3id.org/yalu/id/kim_jong_un")
    assert Literal("Kim Jong-un") in set(remote.objects(kim, RDFS.label))
