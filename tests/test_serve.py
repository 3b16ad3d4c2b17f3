"""``yalu serve``: the SPARQL 1.1 Protocol endpoint, over a store we write by hand."""
from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, URIRef, Variable
from rdflib.compare import isomorphic
from rdflib.query import Result

from graph.app.cli import main
from graph.app.protocol import RESULTS_JSON, results_body
from graph.app.serve import is_loopback, make_server
from graph.store import QueryResult, Store

YALU_BIN = Path(sys.executable).with_name("yalu")
PEOPLE = """PREFIX yalu: <https://w3id.org/yalu/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?e ?name WHERE { ?e a yalu:Person ; rdfs:label ?name } ORDER BY ?name"""
CONSTRUCT = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
CONSTRUCT { ?e rdfs:label ?name } WHERE { ?e a <https://w3id.org/yalu/ontology#Person> ; rdfs:label ?name }"""
XSD = "http://www.w3.org/2001/XMLSchema#"
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


@pytest.fixture(scope="module")
def store_path(tmp_path_factory, make_extraction):
    path = tmp_path_factory.mktemp("serve") / "store"
    s = Store(path)
    s.add(make_extraction("Xi Jinping met Kim Jong-un in Beijing.", source="a.txt", meeting=True))
    s.add(make_extraction("Wang Yi said China and North Korea are close.", source="b.txt"))
    s.flush()
    return path


def _start(store, **options):
    server = make_server(store, host="127.0.0.1", port=0, **{"timeout": 30, **options})
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _stop(server) -> None:
    server.shutdown()
    server.server_close()


@pytest.fixture()
def serve():
    """Start servers with given options on free ports, in threads; stop them after the test."""
    servers = []

    def start(store, **options):
        servers.append(_start(store, **options))
        return servers[-1].url

    yield start
    for server in servers:
        _stop(server)


@pytest.fixture(scope="module")
def url(store_path):
    """A read-only server over the two-document store, shared by the module."""
    server = _start(Store(store_path, read_only=True))
    yield server.url
    _stop(server)


def request(url, path, *, data=None, headers=None, method=None):
    """(status, headers, body) of one request; HTTP errors are answers too."""
    req = urllib.request.Request(url + path, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=60) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


def get_query(url, sparql, **headers):
    return request(url, "/sparql?" + urllib.parse.urlencode({"query": sparql}), headers=headers)


def names(body: bytes) -> list[str]:
    return [b["name"]["value"] for b in json.loads(body)["results"]["bindings"]]


def test_serve_get_select_answers_sparql_json(url):
    status, headers, body = get_query(url, PEOPLE)
    assert status == 200 and headers.get_content_type() == "application/sparql-results+json"
    data = json.loads(body)
    assert data["head"]["vars"] == ["e", "name"]
    first = data["results"]["bindings"][0]
    assert first["e"] == {"type": "uri", "value": "https://w3id.org/yalu/id/kim_jong_un"}
    assert first["name"] == {"type": "literal", "value": "Kim Jong-un"}
    assert names(body) == ["Kim Jong-un", "Wang Yi", "Xi Jinping"]


@pytest.mark.parametrize("how", ["form", "sparql-query", "query-alias"])
def test_serve_post_answers_like_get(url, how):
    if how == "sparql-query":
        answer = request(url, "/sparql", data=PEOPLE.encode(), headers={"Content-Type": "application/sparql-query"})
    else:
        answer = request(url, "/query" if how == "query-alias" else "/sparql",
                         data=urllib.parse.urlencode({"query": PEOPLE}).encode(),
                         headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert answer[0] == 200
    assert names(answer[2]) == names(get_query(url, PEOPLE)[2])


def test_serve_csv_when_accepted(url):
    status, headers, body = get_query(url, PEOPLE, Accept="text/csv, application/sparql-results+json;q=0.5")
    assert status == 200 and headers.get_content_type() == "text/csv"
    rows = list(csv.reader(io.StringIO(body.decode("utf-8"))))
    assert rows[0] == ["e", "name"] and [r[1] for r in rows[1:]] == ["Kim Jong-un", "Wang Yi", "Xi Jinping"]


def test_serve_ask(url):
    status, _, body = get_query(url, "ASK { ?e a <https://w3id.org/yalu/ontology#Meeting> }")
    assert status == 200 and json.loads(body)["boolean"] is True


@pytest.mark.parametrize("accept, fmt", [("text/turtle", "turtle"), ("application/n-triples", "nt"), (None, "turtle")])
def test_serve_construct_as_rdf(url, store_path, accept, fmt):
    status, headers, body = get_query(url, CONSTRUCT, **({"Accept": accept} if accept else {}))
    assert status == 200 and headers.get_content_type() == {"turtle": "text/turtle", "nt": "application/n-triples"}[fmt]
    got = Graph().parse(data=body.decode("utf-8"), format=fmt)
    assert len(got) == 3
    assert isomorphic(got, Store(store_path, read_only=True).construct(CONSTRUCT))


def test_serve_cuts_answers_at_max_rows(serve, store_path):
    url = serve(Store(store_path, read_only=True), max_rows=2)
    status, headers, body = get_query(url, PEOPLE)
    assert status == 200 and headers["Yalu-Truncated"] == "2"
    assert names(body) == ["Kim Jong-un", "Wang Yi"]
    status, headers, _ = get_query(url, "SELECT ?e WHERE { ?e a <https://w3id.org/yalu/ontology#Meeting> }")
    assert status == 200 and "Yalu-Truncated" not in headers


def test_serve_malformed_query_is_400_with_position(url):
    status, headers, body = get_query(url, "SELECT ?s WHERE {\n  ?s ?p }")
    assert status == 400 and headers.get_content_type() == "application/json"
    error = json.loads(body)
    assert "syntax error" in error["error"] and error["line"] == 2 and error["column"] >= 1


def test_serve_timeout_is_503(serve, store_path):
    url = serve(Store(store_path, read_only=True), timeout=0.5)
    status, _, body = get_query(url, SLOW)
    assert status == 503
    assert json.loads(body)["error"] == "query stopped after 0.5 s"


def test_serve_update_is_forbidden_by_default(url):
    status, _, body = request(url, "/update", data=b"CLEAR ALL", headers={"Content-Type": "application/sparql-update"})
    assert status == 403 and "--allow-updates" in json.loads(body)["error"]
    assert names(get_query(url, PEOPLE)[2]) == ["Kim Jong-un", "Wang Yi", "Xi Jinping"]


def test_serve_update_when_allowed(serve, tmp_path, make_extraction):
    store = Store(tmp_path / "rw")  # held for writing here; the query workers read snapshots of it
    store.add(make_extraction("Xi Jinping spoke.", source="c.txt"))
    url = serve(store, allow_updates=True)
    update = ('INSERT DATA { GRAPH <urn:yalu:test#g> { <urn:yalu:test#p> a <https://w3id.org/yalu/ontology#Person> ;'
              ' <http://www.w3.org/2000/01/rdf-schema#label> "Pak Pong-ju" } }')
    status, _, _ = request(url, "/update", data=urllib.parse.urlencode({"update": update}).encode(),
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 204
    assert names(get_query(url, PEOPLE)[2]) == ["Pak Pong-ju", "Xi Jinping"]
    status, _, body = request(url, "/update", data=b"INSERT DATA { <urn:a> }",
                              headers={"Content-Type": "application/sparql-update"})
    assert status == 400 and json.loads(body)["line"] == 1


def test_serve_root_is_the_chart(url):
    status, headers, body = request(url, "/")
    assert status == 200 and headers.get_content_type() == "text/html"
    assert b"<html" in body.lower() and b"Xi Jinping" in body


def test_serve_root_can_be_a_given_page(serve, store_path, tmp_path):
    page = tmp_path / "page.html"
    page.write_text("<!doctype html><title>ours</title>", encoding="utf-8")
    url = serve(Store(store_path, read_only=True), html=page)
    assert request(url, "/")[2] == page.read_bytes()


@pytest.mark.parametrize("path, data, headers, status", [
    ("/nowhere", None, {}, 404),
    ("/sparql?query=", None, {}, 400),  # an empty query
    ("/sparql?query=CLEAR%20ALL", None, {}, 400),  # an update is not a query
    ("/sparql?query=ASK%7B%7D&default-graph-uri=urn%3Ax", None, {}, 400),
    ("/sparql", b"query=ASK{}", {"Content-Type": "text/plain"}, 415),
    ("/update", None, {}, 405),
])
def test_serve_refuses_bad_requests_in_json(url, path, data, headers, status):
    got, head, body = request(url, path, data=data, headers=headers)
    assert got == status and head.get_content_type() == "application/json"
    assert json.loads(body)["error"]


@pytest.mark.parametrize("host, loopback", [("127.0.0.1", True), ("::1", True), ("localhost", True),
                                            ("0.0.0.0", False), ("8.8.8.8", False)])
def test_serve_knows_loopback_hosts(host, loopback):
    assert is_loopback(host) is loopback


def test_serve_refuses_a_public_host_unless_asked(store_path):
    with pytest.raises(ValueError, match="public"):
        make_server(Store(store_path, read_only=True), host="0.0.0.0", port=0)


def test_serve_cli_refuses_a_public_host(store_path, capsys):
    assert main(["--store", str(store_path), "serve", "--host", "0.0.0.0", "--port", "0"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "--public" in err


def test_serve_cli_serves_the_store(store_path):
    proc = subprocess.Popen([str(YALU_BIN), "--store", str(store_path), "serve", "--port", "0"],
                            stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stderr.readline()  # "yalu: serving STORE at http://127.0.0.1:PORT/sparql ..."
        assert " at http://127.0.0.1:" in line, line
        endpoint = line.split(" at ", 1)[1].split()[0]
        base = endpoint.rsplit("/", 1)[0]
        assert names(get_query(base, PEOPLE)[2]) == ["Kim Jong-un", "Wang Yi", "Xi Jinping"]
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        proc.stderr.close()


def test_serve_slow_query_503s_alone_while_light_queries_answer(store_path, tmp_path):
    page = tmp_path / "page.html"
    page.write_text("<!doctype html><title>ours</title>", encoding="utf-8")
    server = _start(Store(store_path, read_only=True), timeout=5, html=page)
    try:
        warm = [threading.Thread(target=get_query, args=(server.url, PEOPLE)) for _ in range(2)]
        for thread in warm:  # two workers up and reading, so neither query below waits for a start
            thread.start()
        for thread in warm:
            thread.join()
        slow: dict = {}
        thread = threading.Thread(target=lambda: slow.update(answer=get_query(server.url, SLOW)))
        thread.start()
        light = []
        while thread.is_alive():
            light.append((get_query(server.url, PEOPLE), thread.is_alive()))
        thread.join()
        status, _, body = slow["answer"]
        assert status == 503 and json.loads(body)["error"] == "query stopped after 5 s"
        assert [answer[0] for answer, _ in light] == [200] * len(light)
        assert all(names(answer[2]) == ["Kim Jong-un", "Wang Yi", "Xi Jinping"] for answer, _ in light)
        assert any(during for _, during in light)  # answered while the slow query still ran
        assert names(get_query(server.url, PEOPLE)[2]) == ["Kim Jong-un", "Wang Yi", "Xi Jinping"]
    finally:
        _stop(server)


WRITER = """
import sys, time
from graph.store import Store
store = Store(sys.argv[1])
for i in range(int(sys.argv[2])):
    body = " ".join(f"<urn:yalu:test#b{i}_{j}> <urn:yalu:test#n> {j} ." for j in range(int(sys.argv[3])))
    store.update(f"INSERT DATA {{ GRAPH <urn:yalu:test#g{i}> {{ {body} }} }}")  # one transaction
    time.sleep(0.05)
"""
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s <urn:yalu:test#n> ?o }"


def test_serve_reads_during_an_ingest_see_whole_transactions(tmp_path, make_extraction):
    path, batches, size = tmp_path / "store", 12, 100
    store = Store(path)
    store.add(make_extraction("Xi Jinping met Kim Jong-un.", source="a.txt"))
    store.flush()
    del store  # closed: the writer below takes the store
    page = tmp_path / "page.html"
    page.write_text("<!doctype html><title>ours</title>", encoding="utf-8")
    server = _start(Store(path, read_only=True), html=page)
    try:
        writer = subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(batches), str(size)])
        seen, during = [], 0
        while writer.poll() is None:
            status, _, body = get_query(server.url, COUNT)
            assert status == 200, body
            seen.append(int(json.loads(body)["results"]["bindings"][0]["n"]["value"]))
            during += writer.poll() is None
        assert writer.wait() == 0
        status, _, body = get_query(server.url, COUNT)
        final = int(json.loads(body)["results"]["bindings"][0]["n"]["value"])
    finally:
        _stop(server)
    assert during > 0
    assert all(n % size == 0 for n in seen), seen  # never part of a transaction
    assert seen == sorted(seen)
    assert final == batches * size


@pytest.mark.parametrize("term", [
    URIRef("https://w3id.org/yalu/id/kim_jong_un"), BNode("b0"), Literal("Kim Jong-un"), Literal("김정은", lang="ko"),
    Literal(5), Literal("2018-03-26", datatype=URIRef(XSD + "date")), Literal("4.5", datatype=URIRef(XSD + "decimal")), None])
def test_serve_json_results_read_as_rdflib_writes_them(term):
    result = QueryResult(columns=["x", "y"], rows=[(term, Literal("y"))])
    ours = json.loads(results_body(result, "SELECT", RESULTS_JSON))
    theirs = Result("SELECT")
    theirs.vars = [Variable("x"), Variable("y")]
    theirs.bindings = [{v: t for v, t in zip(theirs.vars, result.rows[0]) if t is not None}]
    assert ours == json.loads(theirs.serialize(format="json"))
