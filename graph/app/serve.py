"""``yalu serve``: a SPARQL 1.1 Protocol endpoint over the store, on the standard library's HTTP server.

- ``GET /sparql?query=...`` and ``POST /sparql`` (form ``query=`` or an ``application/sparql-query``
  body; ``/query`` is an alias, Oxigraph's name) answer SELECT and ASK as
  ``application/sparql-results+json`` (``text/csv`` when the Accept header prefers it) and
  CONSTRUCT or DESCRIBE as Turtle (N-Triples when asked for).
- Each query runs with a time limit in one of a pool of long-lived worker processes
  (:mod:`graph.store.pool`): a query over its limit stops only its own worker; answers are cut
  at ``max_rows`` rows, and a cut answer carries the header ``Yalu-Truncated: <max_rows>``.
- ``POST /update`` (``application/sparql-update`` body or form ``update=``) is refused with 403
  unless updates were allowed.
- ``GET /`` is the interactive HTML chart of the store, rendered once at start-up.
- Errors are JSON ``{"error": message}``: 400 for a malformed query (with ``line`` and ``column``),
  503 when the time limit stops a query.

The server binds to a loopback address unless told it may be public: it has no authentication.

    >>> from graph.store import Store
    >>> server = make_server(Store(), port=0)
    >>> server.server_address[0]
    '127.0.0.1'
    >>> server.server_close()
"""
from __future__ import annotations

import ipaddress
import json
import re
import socket
import threading
from functools import partial
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable
from urllib.parse import parse_qs, urlsplit

from rdflib import BNode, Graph, Literal, URIRef, Variable
from rdflib.query import Result

from graph.store import QueryError, QueryPool, QueryResult, StoreError, query_form

RESULTS_JSON = "application/sparql-results+json"
CSV = "text/csv"
TURTLE = "text/turtle"
NTRIPLES = "application/n-triples"
MAX_BODY = 16 * 1024 * 1024
QUERY_PATHS = {"/sparql", "/query"}
_POSITION = re.compile(r"error at (\d+):(\d+)")


class YaluServer(ThreadingHTTPServer):
    """The HTTP server; the handler reads its settings from here."""

    daemon_threads = True
    request_queue_size = 128  # socketserver's 5 drops the connections of a burst of clients: they retry after 1 s

    def __init__(self, address: tuple[str, int], store: Any, *, timeout: float, max_rows: int,
                 allow_updates: bool, page: bytes, log: Callable[[str], None] | None, workers: int):
        # socketserver tries IPv4 for any host; bind an IPv6 literal as IPv6
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        super().__init__(address, Handler)
        self.store = store
        self.query_timeout = timeout
        self.max_rows = max_rows
        self.allow_updates = allow_updates
        self.page = page
        self.log = log
        self.write_lock = threading.Lock()
        self.pool = QueryPool(store, workers=workers)

    def server_close(self) -> None:
        super().server_close()
        self.pool.close()

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{f'[{host}]' if ':' in host else host}:{port}"


def is_loopback(host: str) -> bool:
    """Whether every address ``host`` names is a loopback one (``localhost``, 127.0.0.0/8, ``::1``)."""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return False
    return bool(infos) and all(ipaddress.ip_address(info[4][0].split("%")[0]).is_loopback for info in infos)


def make_server(store: Any, *, host: str = "127.0.0.1", port: int = 7878, timeout: float = 10.0,
                max_rows: int = 10000, allow_updates: bool = False, html: str | Path | None = None,
                public: bool = False, log: Callable[[str], None] | None = None, workers: int = 32) -> YaluServer:
    """A bound, not yet running SPARQL server over ``store``; call ``serve_forever()`` on it.

    Args:
        store: a :class:`graph.store.Store` (writable if ``allow_updates``).
        host: address to bind; a non-loopback one needs ``public=True``.
        port: TCP port (0 picks a free one; see ``server.server_address``).
        timeout: seconds a query may run.
        max_rows: rows (or triples) an answer may hold; more are cut.
        allow_updates: accept ``POST /update``.
        html: a page to serve at ``/``; by default the store's chart, rendered now.
        public: allow a host that other machines can reach.
        log: called with one line per request (None: quiet).
        workers: the most queries that run at once, each in a process of its own; more wait.

    Raises:
        ValueError: a non-loopback host without ``public``.
        OSError: the address cannot be bound.
    """
    if not public and not is_loopback(host):
        raise ValueError(f"host {host!r} is reachable from other machines; pass public=True (--public) to allow it")
    page = Path(html).read_bytes() if html is not None else _chart(store)
    return YaluServer((host, port), store, timeout=timeout, max_rows=max_rows, allow_updates=allow_updates,
                      page=page, log=log, workers=workers)


def _chart(store: Any) -> bytes:
    try:
        from graph.views.network import to_networkx
        from graph.views.render import render_html
    except ImportError:  # the renderer is optional for serving
        return _FALLBACK_PAGE.encode("utf-8")
    return render_html(to_networkx(store), title="Yalu").encode("utf-8")


_FALLBACK_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Yalu SPARQL</title></head>
<body><h1>Yalu</h1><p>SPARQL endpoint: <a href="/sparql">/sparql</a> (GET <code>?query=</code>, or POST).</p></body></html>
"""


class Handler(BaseHTTPRequestHandler):
    """One request of the SPARQL 1.1 Protocol."""

    server: YaluServer
    server_version = "yalu"
    protocol_version = "HTTP/1.1"
    # headers and body are separate writes: with Nagle's algorithm the body of a kept-alive
    # connection waits for the client's delayed ACK, 40 ms a request
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        if self.server.log:
            self.server.log(f"{self.address_string()} {format % args}")

    # ------------------------------------------------------------------ routes
    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path in {"/", "/index.html"}:
            self._send(HTTPStatus.OK, "text/html; charset=utf-8", self.server.page)
        elif url.path in QUERY_PATHS:
            params = parse_qs(url.query, keep_blank_values=True)
            self._query(params.get("query", [None])[0], params)
        elif url.path == "/update":
            self._error(HTTPStatus.METHOD_NOT_ALLOWED, "updates are POSTed to /update")
        else:
            self._error(HTTPStatus.NOT_FOUND, f"no resource {url.path}; the endpoint is /sparql")

    def do_POST(self) -> None:
        url = urlsplit(self.path)
        body = self._body()
        if body is None:
            return
        if url.path not in QUERY_PATHS | {"/update"}:
            self._error(HTTPStatus.NOT_FOUND, f"no resource {url.path}; the endpoint is /sparql")
            return
        ctype = self.headers.get_content_type()
        params = parse_qs(url.query, keep_blank_values=True)
        field = "update" if url.path == "/update" else "query"
        if ctype == "application/x-www-form-urlencoded":
            params.update(parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True))
            text = params.get(field, [None])[0]
        elif ctype == f"application/sparql-{field}":
            text = body.decode("utf-8", "replace")
        else:
            self._error(HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
                        f"send application/sparql-{field} or an application/x-www-form-urlencoded {field}=, not {ctype}")
            return
        if url.path == "/update":
            self._update(text)
        else:
            self._query(text, params)

    # ------------------------------------------------------------------ work
    def _query(self, sparql: str | None, params: dict[str, list[str]]) -> None:
        if not sparql:
            self._error(HTTPStatus.BAD_REQUEST, "give the query as query=")
            return
        if params.get("default-graph-uri") or params.get("named-graph-uri"):
            self._error(HTTPStatus.BAD_REQUEST, "default-graph-uri and named-graph-uri are not supported: "
                                                "queries see the union of all graphs")
            return
        form = query_form(sparql)
        if form is None:
            self._error(HTTPStatus.BAD_REQUEST, "not a SPARQL query (SELECT, ASK, CONSTRUCT or DESCRIBE); "
                                                "updates are POSTed to /update")
            return
        if form in {"CONSTRUCT", "DESCRIBE"}:
            ctype = _negotiate(self.headers.get("Accept"), [TURTLE, NTRIPLES])
        else:
            ctype = _negotiate(self.headers.get("Accept"), [RESULTS_JSON, CSV, "application/json"])
            ctype = CSV if ctype == CSV else RESULTS_JSON
        cap = self.server.max_rows
        try:
            # the worker writes the answer too: a large one then costs this process no time
            body, truncated = self.server.pool.query(sparql, timeout=self.server.query_timeout, terms=True,
                                                     limit=cap + 1, render=partial(_render, form, ctype, cap))
        except QueryError as exc:
            self._error(HTTPStatus.BAD_REQUEST, str(exc), **_position(str(exc)))
            return
        except TimeoutError as exc:
            self._error(HTTPStatus.SERVICE_UNAVAILABLE, str(exc))
            return
        except StoreError as exc:
            self._error(HTTPStatus.INTERNAL_SERVER_ERROR, str(exc))
            return
        extra = {"Yalu-Truncated": str(cap)} if truncated else {}
        self._send(HTTPStatus.OK, f"{ctype}; charset=utf-8", body, extra)

    def _update(self, sparql: str | None) -> None:
        if not self.server.allow_updates:
            self._error(HTTPStatus.FORBIDDEN, "updates are not allowed (start `yalu serve --allow-updates`)")
            return
        if not sparql:
            self._error(HTTPStatus.BAD_REQUEST, "give the update as update= or an application/sparql-update body")
            return
        try:
            with self.server.write_lock:
                self.server.store.update(sparql)
        except QueryError as exc:
            self._error(HTTPStatus.BAD_REQUEST, str(exc), **_position(str(exc)))
            return
        except StoreError as exc:
            self._error(HTTPStatus.INTERNAL_SERVER_ERROR, str(exc))
            return
        self._send(HTTPStatus.NO_CONTENT, None, b"")

    # ------------------------------------------------------------------ replies
    def _body(self) -> bytes | None:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY:
            self.close_connection = True  # the unread body would be taken for the next request
            self._error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE if length > 0 else HTTPStatus.BAD_REQUEST,
                        f"a request body of 0 to {MAX_BODY} bytes with its Content-Length, please")
            return None
        return self.rfile.read(length)

    def _send(self, status: HTTPStatus, ctype: str | None, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _error(self, status: HTTPStatus, message: str, **detail: Any) -> None:
        body = json.dumps({"error": message, "status": int(status), **detail}, ensure_ascii=False).encode("utf-8")
        self._send(status, "application/json; charset=utf-8", body)


def _position(message: str) -> dict[str, int]:
    m = _POSITION.search(message)
    return {"line": int(m.group(1)), "column": int(m.group(2))} if m else {}


def _negotiate(accept: str | None, offers: list[str]) -> str:
    """The offer the Accept header prefers (q-values honoured; the first offer by default)."""
    best, best_q = offers[0], 0.0
    for i, part in enumerate((accept or "").split(",")):
        kind, *options = [p.strip() for p in part.split(";")]
        q = 1.0
        for opt in options:
            key, _, value = opt.partition("=")
            if key.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        family = kind.split("/")[0]
        match = next((o for o in offers if kind in {o, "*/*"} or kind == f"{family}/*" and o.startswith(family + "/")),
                     None)
        if match and q > best_q:
            best, best_q = match, q
    return best


def _render(form: str, ctype: str, cap: int, result: QueryResult) -> tuple[bytes, bool]:
    """The answer's body in ``ctype``, cut at ``cap`` rows, and whether it was cut."""
    truncated = len(result.rows) > cap
    result.rows = result.rows[:cap]
    if form in {"CONSTRUCT", "DESCRIBE"}:
        g = Graph()
        for triple in result.rows:
            g.add(triple)
        g.bind("yalu", "https://w3id.org/yalu/ontology#")
        return g.serialize(format="nt" if ctype == NTRIPLES else "turtle", encoding="utf-8"), truncated
    return _results(result, form, csv=ctype == CSV), truncated


def _results(result: QueryResult, form: str, *, csv: bool) -> bytes:
    if form == "ASK":
        answer = bool(result.boolean)
        if csv:
            return f"boolean\r\n{'true' if answer else 'false'}\r\n".encode()
        return json.dumps({"head": {}, "boolean": answer}).encode()
    if csv:
        out = Result("SELECT")
        out.vars = [Variable(c) for c in result.columns]
        out.bindings = [{Variable(c): v for c, v in zip(result.columns, row) if v is not None} for row in result.rows]
        return out.serialize(format="csv")
    # written here rather than by rdflib's serializer, which takes ten times as long
    bindings = [{c: _json_term(v) for c, v in zip(result.columns, row) if v is not None} for row in result.rows]
    return json.dumps({"head": {"vars": result.columns}, "results": {"bindings": bindings}},
                      ensure_ascii=False).encode("utf-8")


def _json_term(term: Any) -> dict[str, str]:
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
