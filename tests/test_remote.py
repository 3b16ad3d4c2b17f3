"""RemoteStore: a Yalu store behind a real ``oxigraph serve`` process (and behind ``yalu serve``)."""
from __future__ import annotations

import dataclasses
import json
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from graph.app.serve import make_server
from graph.store import QueryError, Store, StoreError, open_store
from graph.store.queries import load_saved
from graph.store.remote import RemoteStore
from graph.store.timeout import query_with_timeout

YALU_BIN = Path(sys.executable).with_name("yalu")
OXIGRAPH = Path(sys.executable).with_name("oxigraph")
TEXT_A = "Xi Jinping met Kim Jong-un in Beijing; China and North Korea signed a trade pact."
TEXT_B = "Wang Yi flew to Pyongyang and said China values its neighbour."
LABELS = "SELECT ?name ?e WHERE { ?e <http://www.w3.org/2000/01/rdf-schema#label> ?name }"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until_answering(url: str, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"{url}/query?query=ASK%7B%7D", timeout=2):
                return
        except (urllib.error.URLError, ConnectionError):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"oxigraph serve did not start: {proc.stderr.read() if proc.stderr else ''}")
            time.sleep(0.05)  # polling an external process: there is no event to wait on


@pytest.fixture()
def server_url(tmp_path):
    """A fresh ``oxigraph serve`` on a free loopback port, stopped after the test."""
    binary = OXIGRAPH if OXIGRAPH.exists() else shutil.which("oxigraph")
    if not binary:
        pytest.skip("the oxigraph executable (PyPI package `oxigraph`) is not installed")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen([str(binary), "serve", "--location", str(tmp_path / "oxigraph"),
                             "--bind", f"127.0.0.1:{port}", "--timeout-s", "20"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        _wait_until_answering(url, proc)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stderr.close()


@pytest.fixture()
def docs(make_extraction):
    return (make_extraction(TEXT_A, source="a.txt", title="Summit", date="2018-03-26", meeting=True),
            make_extraction(TEXT_B, source="b.txt", title="Visit"))


def _same_store(remote, local: Store) -> None:
    assert remote.documents() == local.documents()
    assert remote.stats() == local.stats()
    entities = load_saved("entities").text
    assert remote.query(entities).rows == local.query(entities).rows
    assert isomorphic(Graph().parse(data=remote.export("ttl"), format="turtle"),
                      Graph().parse(data=local.export("ttl"), format="turtle"))


def test_remote_behaves_like_a_local_store(server_url, docs, make_extraction):
    remote, local = RemoteStore(server_url), Store()
    for x in docs:
        assert remote.add(x) == local.add(x) == "added"
    assert remote.add(docs[0]) == "unchanged"
    _same_store(remote, local)
    retitled = dataclasses.replace(docs[0], document=dataclasses.replace(docs[0].document, title="Retitled", date="2018"))
    assert remote.add(retitled) == local.add(retitled) == "updated"
    assert remote.document_metadata(docs[0].document.id)["title"] == "Retitled"
    _same_store(remote, local)
    revised = make_extraction("Xi Jinping met Kim Jong-un again.", source="a.txt")
    assert remote.add(revised) == local.add(revised) == "replaced"
    _same_store(remote, local)
    assert remote.remove("Visit") == local.remove("Visit") == [docs[1].document.id]
    _same_store(remote, local)
    assert len(remote) == len(local)
    remote.clear()
    assert remote.documents() == []


def test_remote_substitutions_bind_and_cannot_inject(server_url, docs):
    remote = RemoteStore(server_url)
    for x in docs:
        remote.add(x)
    size = len(remote)
    assert remote.query(LABELS, substitutions={"name": "Wang Yi"}).rows == [("https://w3id.org/yalu/id/wang_yi",)]
    for hostile in ('"} ; DROP ALL ; {"', "x\" } } ; CLEAR ALL ; SELECT * { \"", "'''} ; DROP ALL"):
        assert remote.query(LABELS, substitutions={"name": hostile}).rows == []
        echo = remote.query("SELECT ?name ?v WHERE { BIND(STR(?name) AS ?v) }", substitutions={"name": hostile})
        assert echo.rows == [(hostile,)]
    assert len(remote) == size
    with pytest.raises(QueryError, match="not a valid IRI"):
        remote.query(LABELS, substitutions={"name": "http://x> } ; DROP ALL ; { <y"})


def test_remote_saved_query_parameters_match_local(server_url, make_extraction):
    x = make_extraction("Xi Jinping met Kim Jong-un.", source="m.txt", date="2018-03-26", meeting=True)
    remote, local = RemoteStore(server_url), Store()
    remote.add(x), local.add(x)
    timeline = load_saved("actor-timeline")
    assert remote.query(timeline.text, substitutions={"name": "xi jinping"}).records() == \
        local.query(timeline.text, substitutions={"name": "xi jinping"}).records()


def test_remote_malformed_query_gives_position(server_url):
    with pytest.raises(QueryError, match=r"syntax error: .*1:\d+"):
        RemoteStore(server_url).query("SELECT * WHERE { ?s ?p }")


def test_remote_read_only_refuses_writes(server_url, docs):
    RemoteStore(server_url).add(docs[0])
    ro = RemoteStore(server_url, read_only=True)
    for write in (lambda: ro.add(docs[1]), lambda: ro.remove("Summit"), ro.clear):
        with pytest.raises(StoreError, match="read-only"):
            write()
    assert len(ro.documents()) == 1


@pytest.mark.parametrize("suffix", ["", "/", "/query"])
def test_remote_url_forms(server_url, suffix):
    store = open_store(server_url + suffix)
    assert isinstance(store, RemoteStore)
    assert (store.query_url, store.update_url) == (f"{server_url}/query", f"{server_url}/update")


def test_remote_unreachable_endpoint_fails_in_one_line():
    with pytest.raises(StoreError) as err:
        RemoteStore(f"http://127.0.0.1:{_free_port()}")
    assert "no SPARQL endpoint answers" in str(err.value) and "\n" not in str(err.value)


def test_remote_query_with_timeout(server_url):
    store = RemoteStore(server_url)
    with pytest.raises(TimeoutError, match="query stopped after 0.5 s"):
        query_with_timeout(store, "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }", timeout=0.5)
    assert query_with_timeout(store, "ASK { ?s a ?c }", timeout=30).boolean


def test_remote_over_yalu_serve(tmp_path, docs):
    """yalu serve has no Graph Store Protocol: whole graphs go as INSERT DATA, the dataset as a SELECT."""
    local = Store(tmp_path / "served")
    server = make_server(local, port=0, allow_updates=True, timeout=30)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        remote = RemoteStore(server.url + "/sparql")
        for x in docs:
            assert remote.add(x) == "added"
        assert remote._graph_store is False
        assert remote.documents() == local.documents()
        assert remote.remove("a.txt") == [docs[0].document.id]
        assert [d["source"] for d in local.documents()] == ["b.txt"]
        assert isomorphic(Graph().parse(data=remote.export("nt"), format="nt"),
                          Graph().parse(data=local.export("nt"), format="nt"))
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.model
def test_remote_cli_ingests_and_queries_like_a_local_store(server_url, tmp_path):
    text = tmp_path / "summit.txt"
    text.write_text("Xi Jinping met Kim Jong-un in Beijing on 26 March 2018. "
                    "Wang Yi said China and North Korea would deepen their friendship.\n", encoding="utf-8")
    answers = []
    for store in (server_url, str(tmp_path / "local")):
        ingest = subprocess.run([str(YALU_BIN), "--store", store, "ingest", str(text), "--quiet"],
                                capture_output=True, text=True, timeout=300)
        assert ingest.returncode == 0, ingest.stderr
        query = subprocess.run([str(YALU_BIN), "--store", store, "query", "--saved", "entities", "-f", "json"],
                               capture_output=True, text=True, timeout=120)
        assert query.returncode == 0, query.stderr
        answers.append(json.loads(query.stdout))
    assert answers[0] and answers[0] == answers[1]
