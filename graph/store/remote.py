"""A Yalu store behind a SPARQL 1.1 endpoint (Oxigraph server, or ``yalu serve``), over HTTP.

``RemoteStore`` offers the methods the CLI uses on :class:`graph.store.Store`. The store's own
reading queries (``documents``, ``stats``, ``remove``, ``clear``, ``export``) are
:class:`graph.store.base.BaseStore`'s, shared with the embedded store, so their SPARQL text is the
same locally and remotely; they reach the server through ``query`` and ``_update``. Queries go to
``<url>/query`` with Oxigraph's ``union-default-graph`` flag (a Store queries the union of its
graphs too), updates to ``<url>/update``, and whole named graphs to ``<url>/store?graph=IRI`` (the
SPARQL 1.1 Graph Store Protocol) when the server has it, else as ``INSERT DATA``. Only the standard
library speaks HTTP.

The protocol has no pre-bound variables, so ``substitutions`` become a ``VALUES`` block at the
start of the query's WHERE group (on the same line, so error lines do not move), each value
written as an escaped RDF term, never pasted as text; rdflib's SPARQLStore does the same with
``initBindings``.

    >>> RemoteStore("http://127.0.0.1:7878").query_url  # doctest: +SKIP
    'http://127.0.0.1:7878/query'
"""
from __future__ import annotations

import json
import socket
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from rdflib import BNode, Dataset, Graph, Literal, URIRef

from graph.build import graph_iri, ntriples, ontology_graph
from graph.store import fusion
from graph.store.base import GRAPHS_OF_SOURCE, BaseStore, QueryResult, StoreError, ontology_digest
from graph.store.sparql import QueryError, bind_values
from ingest.records import Extraction
from ontology.namespace import ONTOLOGY_GRAPH, YALU

XSD = "http://www.w3.org/2001/XMLSchema#"
INTEGER_TYPES = {XSD + t for t in ("integer", "int", "long")}
FLOAT_TYPES = {XSD + t for t in ("decimal", "double", "float")}
RESULTS_JSON = "application/sparql-results+json"
NTRIPLES = "application/n-triples"
NQUADS = "application/n-quads"


class RemoteStore(BaseStore):
    """A store at a SPARQL endpoint: ``http://host:port`` (Oxigraph layout) or ``.../query`` / ``.../sparql``.

    Args:
        url: the server, or its query endpoint (the update endpoint is its sibling ``update``).
        read_only: refuse writes.
        timeout: seconds an HTTP request may wait for the server.

    Raises:
        StoreError: when no SPARQL endpoint answers at ``url``.
    """

    union_copy = False  # the server answers over its own union of graphs

    def __init__(self, url: str, *, read_only: bool = False, timeout: float = 300.0):
        url = url.rstrip("/")
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise StoreError(f"{url}: not an http(s) URL of a SPARQL endpoint")
        if parts.path.endswith(("/query", "/sparql")):
            base = url.rsplit("/", 1)[0]
            self.query_url = url
        else:
            base = url
            self.query_url = f"{base}/query"
        self.update_url = f"{base}/update"
        self.store_url = f"{base}/store"
        self.url = self.path = url
        self.read_only = read_only
        self.timeout = timeout
        self._graph_store: bool | None = None  # whether the server speaks the Graph Store Protocol
        self.query("ASK { }")  # fail early, with one line, if nothing answers
        if not read_only:
            self._ensure_ontology()

    def __repr__(self) -> str:
        return f"RemoteStore({self.url!r}{', read_only=True' if self.read_only else ''})"

    # ------------------------------------------------------------------ HTTP
    def _http(self, method: str, url: str, *, body: bytes | None = None, content_type: str | None = None,
              accept: str | None = None, timeout: float | None = None) -> tuple[int, str, bytes, Any]:
        headers = {"User-Agent": "yalu"}
        if content_type:
            headers["Content-Type"] = content_type
        if accept:
            headers["Accept"] = accept
        request = urllib.request.Request(url, data=body, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=timeout or self.timeout) as response:
                return response.status, response.headers.get_content_type(), response.read(), response.headers
        except urllib.error.HTTPError as exc:
            return exc.code, exc.headers.get_content_type() if exc.headers else "", exc.read(), exc.headers
        except (TimeoutError, socket.timeout):
            raise TimeoutError(f"query stopped after {timeout or self.timeout} s") from None
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, (TimeoutError, socket.timeout)):
                raise TimeoutError(f"query stopped after {timeout or self.timeout} s") from None
            raise StoreError(f"{self.url}: no SPARQL endpoint answers: {exc.reason}") from None

    def _writable(self) -> None:
        if self.read_only:
            raise StoreError(f"{self.url}: the store is open read-only")

    def _update(self, sparql: str) -> None:
        self._writable()
        status, _, body, _ = self._http("POST", self.update_url, body=sparql.encode("utf-8"),
                                     content_type="application/sparql-update")
        if status == 400:
            raise QueryError(f"SPARQL syntax error: {_message(body)}")
        if status >= 300:
            raise StoreError(f"{self.update_url}: cannot write (HTTP {status}): {_message(body)}")

    def update(self, sparql: str) -> None:
        """Run a SPARQL 1.1 Update on the server (one request, one transaction on Oxigraph).

        Raises:
            StoreError: read-only, or the server refused the update.
            QueryError: on a syntax error.
        """
        self._update(sparql)

    def _put_graph(self, name: str, graph: Graph | str) -> None:
        """Replace one named graph (a Graph or N-Triples text): Graph Store Protocol PUT, else DROP +
        INSERT DATA in one update."""
        if self._graph_store is not False:
            target = f"{self.store_url}?{urllib.parse.urlencode({'graph': name})}"
            text = graph if isinstance(graph, str) else graph.serialize(format="nt")
            status, _, body, _ = self._http("PUT", target, body=text.encode("utf-8"), content_type=NTRIPLES)
            if status < 300:
                self._graph_store = True
                return
            if status not in {404, 405, 406, 415, 501}:
                raise StoreError(f"{target}: cannot write (HTTP {status}): {_message(body)}")
            self._graph_store = False
        self._update(f"DROP SILENT GRAPH <{name}> ;\n" + _insert(graph, name))

    # ------------------------------------------------------------------ writing
    def _ensure_ontology(self) -> None:
        digest = ontology_digest()
        if self.query("ASK { GRAPH ?g { ?g ?hash ?digest } }",
                      substitutions={"g": URIRef(str(ONTOLOGY_GRAPH)), "hash": YALU.contentHash,
                                     "digest": Literal(digest)}).boolean:
            return
        g = Graph()
        g += ontology_graph()
        g.add((URIRef(str(ONTOLOGY_GRAPH)), YALU.contentHash, Literal(digest)))
        self._put_graph(str(ONTOLOGY_GRAPH), g)

    def add(self, extraction: Extraction, *, prepared: str | None = None) -> str:
        """Store one document's records; returns ``"added"``, ``"unchanged"``, ``"updated"`` or ``"replaced"``.

        A replacement (same source, changed text) is one update request, so Oxigraph applies
        it in one transaction; the same text with other metadata is written anew, as for
        :meth:`Store.add`. ``prepared`` is the document's N-Triples, as for :meth:`Store.add`.
        """
        self._writable()
        doc = extraction.document
        name = str(graph_iri(doc.id))
        if self.query("ASK { GRAPH ?g { ?s ?p ?o } }", substitutions={"g": URIRef(name)}).boolean:
            if not self.metadata_changed(doc):
                return "unchanged"
            self._put_graph(name, prepared or ntriples(extraction))
            return "updated"
        old = self._graphs_of_source(doc.source) if doc.source else []
        graph = prepared or ntriples(extraction)
        change = fusion.plan(self, added=fusion.reports_of(extraction), removed_graphs=old, extraction=extraction,
                             union=False)
        if old or change.delete or change.insert:
            # one request: the occurrences the document touches change in the transaction that writes it
            drops = "".join(f"DROP SILENT GRAPH <{g}> ;\n" for g in old)
            self._update(change.delete + drops + fusion.insert_text(change, union=False) + _insert(graph, name))
            return "replaced" if old else "added"
        self._put_graph(name, graph)
        return "added"

    def _graphs_of_source(self, source: str) -> list[str]:
        return [row[0] for row in self.query(GRAPHS_OF_SOURCE, substitutions={"src": Literal(source)}).rows]

    def flush(self) -> None:
        """Nothing to do: the server commits each request."""

    def optimize(self) -> None:
        """Nothing to do: the server looks after its own files."""

    # ------------------------------------------------------------------ reading
    def _ask_server(self, sparql: str, *, union: bool = True, accept: str = f"{RESULTS_JSON}, {NTRIPLES};q=0.9",
                    timeout: float | None = None) -> tuple[str, bytes]:
        url = self.query_url + ("?union-default-graph" if union else "")
        status, ctype, body, headers = self._http("POST", url, body=urllib.parse.urlencode({"query": sparql}).encode(),
                                         content_type="application/x-www-form-urlencoded", accept=accept,
                                         timeout=timeout)
        if status == 400:
            raise QueryError(f"SPARQL syntax error: {_message(body)}")
        if status in {408, 503, 504} and b"timeout" in body.lower():
            raise TimeoutError(f"query stopped by the server: {_message(body)}")
        if status >= 300:
            raise QueryError(f"query failed (HTTP {status}): {_message(body)}")
        if headers.get("Yalu-Truncated"):  # yalu serve --max-rows: a cut answer must not pass for a whole one
            raise QueryError(f"{self.query_url} cut the answer at {headers['Yalu-Truncated']} rows "
                             "(its --max-rows); ask for fewer")
        return ctype, body

    def query(self, sparql: str, *, substitutions: dict[str, Any] | None = None, terms: bool = False,
              limit: int | None = None, timeout: float | None = None) -> QueryResult:
        """Run SPARQL over the union of all graphs, as :meth:`graph.store.Store.query` does.

        Raises:
            QueryError: on a syntax error (the message gives the position) or a failed query.
            TimeoutError: when the server does not answer within ``timeout`` seconds.
            StoreError: when the server cannot be reached.
        """
        text = bind_values(sparql, substitutions) if substitutions else sparql
        ctype, body = self._ask_server(text, timeout=timeout)
        value = _rdflib if terms else _python
        if ctype in {RESULTS_JSON, "application/json"}:
            data = json.loads(body)
            if "boolean" in data:
                return QueryResult(columns=["result"], rows=[(bool(data["boolean"]),)], boolean=bool(data["boolean"]))
            params = {k.lstrip("?$") for k in substitutions or {}}
            columns = [c for c in data["head"]["vars"] if c not in params]  # as Store.query gives them
            bindings = data["results"]["bindings"][:limit]
            return QueryResult(columns=columns, rows=[tuple(value(b.get(c)) for c in columns) for b in bindings])
        graph = _parse_graph(ctype, body)
        rows = [tuple(value(_json_term(t)) for t in triple) for triple in graph][:limit]
        return QueryResult(columns=["subject", "predicate", "object"], rows=rows)

    def construct(self, sparql: str) -> Graph:
        """A CONSTRUCT query's result as an rdflib Graph."""
        ctype, body = self._ask_server(sparql, accept=NTRIPLES)
        if ctype in {RESULTS_JSON, "application/json"}:
            raise QueryError("not a CONSTRUCT or DESCRIBE query")
        return _parse_graph(ctype, body)

    def __len__(self) -> int:
        q = "SELECT (COUNT(*) AS ?n) WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"
        _, body = self._ask_server(q, union=False, accept=RESULTS_JSON)
        return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])

    def dataset(self, *, include_ontology: bool = True) -> Dataset:
        """Every graph as an rdflib Dataset: Graph Store Protocol GET, else a SELECT over all quads."""
        ds = Dataset()
        status, _, body, _ = self._http("GET", self.store_url, accept=NQUADS)
        if status < 300:
            ds.parse(data=body.decode("utf-8"), format="nquads")
        else:
            q = "SELECT ?s ?p ?o ?g WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"
            _, answer = self._ask_server(q, union=False, accept=RESULTS_JSON)
            for b in json.loads(answer)["results"]["bindings"]:
                s, p, o = (_rdflib(b[k]) for k in ("s", "p", "o"))
                ds.graph(_rdflib(b["g"]) if "g" in b else None).add((s, p, o))
        if not include_ontology:
            ds.remove_graph(ds.graph(URIRef(str(ONTOLOGY_GRAPH))))
        return ds


def _insert(g: Graph | str, graph_name: str) -> str:
    """Write a named graph only (for servers that query the union of their graphs themselves)."""
    body = g if isinstance(g, str) else g.serialize(format="nt")
    return f"INSERT DATA {{ GRAPH <{graph_name}> {{\n{body}\n}} }}"


# ---------------------------------------------------------------------- terms
def _message(body: bytes) -> str:
    text = body.decode("utf-8", "replace").strip()
    try:
        data = json.loads(text)
        text = str(data.get("error") or data.get("message") or text) if isinstance(data, dict) else text
    except ValueError:
        pass
    return text.splitlines()[0] if text else "no message"


def _parse_graph(ctype: str, body: bytes) -> Graph:
    formats = {NTRIPLES: "nt", "text/turtle": "turtle", "application/rdf+xml": "xml", "application/ld+json": "json-ld"}
    g = Graph()
    g.parse(data=body.decode("utf-8"), format=formats.get(ctype, "nt"))
    return g


def _json_term(term: Any) -> dict[str, str]:
    """An rdflib term as a SPARQL JSON results binding."""
    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    out = {"type": "literal", "value": str(term)}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype:
        out["datatype"] = str(term.datatype)
    return out


def _python(binding: dict[str, str] | None) -> Any:
    """A SPARQL JSON binding as the plain value Store.query gives."""
    if binding is None:
        return None
    if binding["type"] in {"literal", "typed-literal"}:
        dtype = binding.get("datatype", "")
        try:
            if dtype in INTEGER_TYPES:
                return int(binding["value"])
            if dtype in FLOAT_TYPES:
                return float(binding["value"])
        except ValueError:
            pass
    return binding["value"]


def _rdflib(binding: dict[str, str] | None) -> Any:
    if binding is None:
        return None
    kind = binding["type"]
    if kind == "uri":
        return URIRef(binding["value"])
    if kind == "bnode":
        return BNode(binding["value"])
    if kind in {"literal", "typed-literal"}:
        dtype = binding.get("datatype")
        plain = dtype in {None, XSD + "string"}
        return Literal(binding["value"], lang=binding.get("xml:lang"), datatype=None if plain else URIRef(dtype))
    return Literal(json.dumps(binding["value"]))  # an RDF-star triple, as text


