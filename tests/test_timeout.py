"""Queries with a time limit: worker processes for stores on disk, a thread for in-memory ones."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from graph.store import QueryError, Store
import graph.store.timeout as timeout_module
from graph.store.timeout import query_with_timeout

YALU_BIN = Path(sys.executable).with_name("yalu")
# four unconstrained patterns over a few thousand triples: ~10^13 solutions to count
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
FAST = "SELECT ?s ?o WHERE { ?s <urn:yalu:test#p> ?o FILTER(?o < 5) } ORDER BY ?o"


def _fill(store: Store, make_extraction) -> Store:
    body = " ".join(f"<urn:yalu:test#s{i}> <urn:yalu:test#p> {i} ." for i in range(3000))
    store.update(f"INSERT DATA {{ GRAPH <urn:yalu:test#g> {{ {body} }} }}")
    store.add(make_extraction("Xi Jinping met Kim Jong-un.", source="one.txt"))  # so the CLI sees a document
    store.flush()
    return store


@pytest.fixture(scope="module")
def disk_store(tmp_path_factory, make_extraction):
    path = tmp_path_factory.mktemp("timeout") / "store"
    _fill(Store(path), make_extraction)  # written, then closed: workers open it directly
    return Store(path, read_only=True)


@pytest.fixture()
def started(monkeypatch):
    """The worker processes query_with_timeout starts."""
    workers = []
    start = timeout_module._start

    def spy(*args):
        worker, answers = start(*args)
        worker.scratch = Path(args[-1])  # where its snapshot, if any, is written
        workers.append(worker)
        return worker, answers

    monkeypatch.setattr(timeout_module, "_start", spy)
    return workers


def test_timeout_fast_query_matches_store_query(disk_store, started):
    assert query_with_timeout(disk_store, FAST, timeout=30) == disk_store.query(FAST)
    assert len(started) == 1 and started[0].exitcode == 0


def test_timeout_passes_substitutions_terms_and_limit(disk_store):
    q = "SELECT ?o ?s WHERE { ?s <urn:yalu:test#p> ?o }"
    result = query_with_timeout(disk_store, q, timeout=30, substitutions={"o": 7}, terms=True)
    assert result == disk_store.query(q, substitutions={"o": 7}, terms=True)
    assert [str(s) for (s,) in result.rows] == ["urn:yalu:test#s7"]
    assert len(query_with_timeout(disk_store, FAST, timeout=30, limit=2)) == 2


def test_timeout_stops_a_slow_query_and_its_worker(disk_store, started):
    with pytest.raises(TimeoutError, match=r"^query stopped after 0.5 s$"):
        query_with_timeout(disk_store, SLOW, timeout=0.5)
    (worker,) = started
    assert not worker.is_alive()
    assert worker.exitcode == -signal.SIGKILL
    with pytest.raises(ProcessLookupError):
        os.kill(worker.pid, 0)


def test_timeout_reports_malformed_queries_from_the_worker(disk_store):
    with pytest.raises(QueryError, match=r"syntax error: .*1:\d+"):
        query_with_timeout(disk_store, "SELECT * WHERE { ?s ?p }", timeout=30)


def test_timeout_reads_a_store_another_handle_is_writing(tmp_path, make_extraction):
    # the worker is another process, so it reads a snapshot of the store this process writes
    store = _fill(Store(tmp_path / "busy"), make_extraction)
    assert query_with_timeout(store, FAST, timeout=30) == store.query(FAST)


def test_timeout_killed_worker_leaves_no_snapshot(tmp_path, make_extraction, started):
    store = _fill(Store(tmp_path / "busy"), make_extraction)  # held here, so the worker reads a snapshot
    with pytest.raises(TimeoutError):
        query_with_timeout(store, SLOW, timeout=0.5)
    (worker,) = started
    assert worker.exitcode == -signal.SIGKILL and not worker.scratch.exists()


def test_timeout_in_memory_store_uses_a_thread(make_extraction):
    store = _fill(Store(), make_extraction)
    assert query_with_timeout(store, FAST, timeout=30) == store.query(FAST)
    # The abandoned thread runs on until its query ends, so this one is slow but finite:
    # ~10^7 solutions over the ontology alone, seconds rather than hours.
    finite = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g a ?h }"
    with pytest.raises(TimeoutError, match="query stopped after 0.5 s"):
        query_with_timeout(Store(), finite, timeout=0.5)


@pytest.mark.parametrize("bad", [0, -1.0])
def test_timeout_must_be_positive(disk_store, bad):
    with pytest.raises(ValueError, match="positive"):
        query_with_timeout(disk_store, FAST, timeout=bad)


def test_timeout_cli_stops_a_slow_query(disk_store):
    done = subprocess.run([str(YALU_BIN), "--store", str(disk_store.path), "query", "--timeout", "0.5", SLOW],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.strip() == "yalu: error: query stopped after 0.5 s"
    assert done.stdout == ""


def test_timeout_cli_answers_a_fast_query(disk_store):
    done = subprocess.run([str(YALU_BIN), "--store", str(disk_store.path), "query", "--timeout", "30", "-f", "csv",
                           FAST], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[1:] == [f"urn:yalu:test#s{i},{i}" for i in range(5)]
