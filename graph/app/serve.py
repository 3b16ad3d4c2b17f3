"""``yalu serve``: a SPARQL 1.1 Protocol endpoint over the store, on the standard library's HTTP server.

- ``GET /sparql?query=...`` and ``POST /sparql`` (form ``query=`` or an ``application/sparql-query``
  body; ``/query`` is an alias, Oxigraph's name) answer SELECT and ASK as SPARQL results in JSON,
  XML, CSV or TSV and CONSTRUCT or DESCRIBE as Turtle, N-Triples, JSON-LD or RDF/XML, as the
  Accept header asks (:mod:`graph.app.protocol`; 406 when it accepts none of them).
- ``GET /sparql`` without a query is the endpoint's SPARQL 1.1 Service Description.
- Each query runs with a time limit in one of a pool of long-lived worker processes
  (:mod:`graph.store.pool`): a query over its limit stops only its own worker; answers are cut
  at ``max_rows`` rows, and a cut answer carries the header ``Yalu-Truncated: <max_rows>``.
- ``POST /update`` (``application/sparql-update`` body or form ``update=``) is refused with 403
  unless updates were allowed.
- ``GET /`` is the interactive HTML chart of the store, rendered once at start-up.
- Errors are JSON ``{"error": message}``: 400 for a malformed query (with ``line`` and ``column``)
  or request (two queries, a body not UTF-8), 405 for another method, 415 for another body type,
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

from graph.app.protocol import graph_body, negotiate, offered, results_body, service_description
from graph.store import QueryError, QueryPool, QueryResult, StoreError, query_form

MAX_BODY = 16 * 1024 * 1024
QUERY_PATHS = {"/sparql", "/query"}
_POSITION = re.compile(r"error at (\d+):(\d+)")
_HOST = re.compile(r"(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?")


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
            if "query" not in params and "update" not in params:
                self._describe_service(url.path)
            elif "update" in params:
                self._error(HTTPStatus.BAD_REQUEST, "updates are POSTed to /update, never sent by GET")
            elif (text := self._one(params, "query")) is not None:
                self._query(text, params)
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
        try:
            decoded = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            self._error(HTTPStatus.BAD_REQUEST, f"the request body is not UTF-8 (byte {exc.start})")
            return
        if ctype == "application/x-www-form-urlencoded":
            for key, values in parse_qs(decoded, keep_blank_values=True).items():
                params.setdefault(key, []).extend(values)
            if {"query", "update"} <= params.keys():
                self._error(HTTPStatus.BAD_REQUEST, "give query= or update=, not both")
                return
            text = self._one(params, field)
            if text is None:
                return
        elif ctype == f"application/sparql-{field}":
            if field in params:
                self._error(HTTPStatus.BAD_REQUEST, f"give the {field} in the body or as {field}=, not both")
                return
            text = decoded
        else:
            self._error(HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
                        f"send application/sparql-{field} or an application/x-www-form-urlencoded {field}=, not {ctype}")
            return
        if url.path == "/update":
            self._update(text)
        else:
            self._query(text, params)

    def do_PUT(self) -> None:
        self._error(HTTPStatus.METHOD_NOT_ALLOWED, "a SPARQL endpoint answers GET and POST",
                    headers={"Allow": "GET, POST"})

    do_DELETE = do_PATCH = do_PUT

    # ------------------------------------------------------------------ work
    def _one(self, params: dict[str, list[str]], field: str) -> str | None:
        """The one value of ``field`` ("" when missing); None, after answering 400, when it is given twice."""
        values = params.get(field, [])
        if len(values) > 1:
            self._error(HTTPStatus.BAD_REQUEST, f"give one {field}=, not {len(values)}")
            return None
        return values[0] if values else ""

    def _describe_service(self, path: str) -> None:
        media = negotiate(self.headers.get("Accept"), "GRAPH")
        if media is None:
            self._error(HTTPStatus.NOT_ACCEPTABLE, f"the service description is written as {offered('GRAPH')}")
            return
        host = self.headers.get("Host") or ""
        base = f"http://{host}" if _HOST.fullmatch(host) else self.server.url  # the name the client used
        self._send(HTTPStatus.OK, f"{media}; charset=utf-8", service_description(base + path, media))

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
        media = negotiate(self.headers.get("Accept"), form)
        if media is None:
            self._error(HTTPStatus.NOT_ACCEPTABLE, f"a {form} answer is written as {offered(form)}")
            return
        cap = self.server.max_rows
        try:
            # the worker writes the answer too: a large one then costs this process no time
            body, truncated = self.server.pool.query(sparql, timeout=self.server.query_timeout, terms=True,
                                                     limit=cap + 1, render=partial(_render, form, media, cap))
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
        self._send(HTTPStatus.OK, f"{media}; charset=utf-8", body, extra)

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

    def _error(self, status: HTTPStatus, message: str, *, headers: dict[str, str] | None = None,
               **detail: Any) -> None:
        body = json.dumps({"error": message, "status": int(status), **detail}, ensure_ascii=False).encode("utf-8")
        self._send(status, "application/json; charset=utf-8", body, headers)


def _position(message: str) -> dict[str, int]:
    m = _POSITION.search(message)
    return {"line": int(m.group(1)), "column": int(m.group(2))} if m else {}


def _render(form: str, media: str, cap: int, result: QueryResult) -> tuple[bytes, bool]:
    """The answer's body as ``media``, cut at ``cap`` rows, and whether it was cut (run in the worker)."""
    truncated = len(result.rows) > cap
    result.rows = result.rows[:cap]
    if form in {"CONSTRUCT", "DESCRIBE"}:
        return graph_body(result.rows, media), truncated
    return results_body(result, form, media), truncated
