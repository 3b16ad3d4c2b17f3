"""SPARQL with a time limit.

pyoxigraph cannot cancel a running query, so a query with a limit runs outside the caller:
for a store on disk, in a worker process that opens the store read-only (a snapshot of it when
another process is writing it, see :func:`graph.store.open_store`) and is killed when time runs
out; for an in-memory store, which another process cannot open, in a daemon thread that is
abandoned when time runs out (it keeps running, and holding memory, until the query ends or
the interpreter exits). A remote store passes the limit to its HTTP requests.

Workers come from a ``forkserver`` (``spawn`` where there is none) that preloads this module,
so each query pays for a fork and a store opening, not for importing rdflib and pyoxigraph,
and no worker is forked from a process that runs threads (``yalu serve`` does).

    >>> from graph.store import Store
    >>> query_with_timeout(Store(), "ASK { ?d a <https://w3id.org/yalu/ontology#Document> }", timeout=5).boolean
    False
"""
from __future__ import annotations

import multiprocessing as mp
import shutil
import tempfile
import threading
from functools import lru_cache
from typing import Any

from graph.store.base import QueryResult, StoreError
from graph.store.embedded import Store
from graph.store.factory import open_store
from graph.store.sparql import QueryError


def query_with_timeout(store: Any, sparql: str, *, timeout: float, substitutions: dict[str, Any] | None = None,
                       terms: bool = False, limit: int | None = None) -> QueryResult:
    """Answer ``sparql`` like ``store.query``, or give up after ``timeout`` seconds.

    Args:
        store: a :class:`graph.store.Store` or :class:`graph.store.remote.RemoteStore`.
        sparql: a SELECT, ASK, CONSTRUCT or DESCRIBE query.
        timeout: seconds, counted from the call (opening the store included).
        substitutions: variable name -> value, as for ``Store.query``.
        terms: rdflib terms instead of plain values, as for ``Store.query``.
        limit: read at most this many rows.

    Returns:
        The same :class:`graph.store.QueryResult` as ``store.query`` would give.

    Raises:
        TimeoutError: ``"query stopped after {timeout} s"``; the worker process is gone by then.
        QueryError: a malformed or failing query.
        StoreError: the worker could not open the store.
        ValueError: a timeout that is not positive.
    """
    if not timeout > 0:
        raise ValueError(f"timeout must be a positive number of seconds, not {timeout!r}")
    options = {"substitutions": substitutions, "terms": terms, "limit": limit}
    if not isinstance(store, Store):  # remote: the HTTP client enforces the limit
        return store.query(sparql, timeout=timeout, **options)
    if store.path is None:
        return _in_thread(store, sparql, timeout, options)
    scratch = tempfile.mkdtemp(prefix="yalu-query-")  # the worker's snapshot goes here, so a killed one leaves none
    worker, answers = _start(str(store.path), sparql, options, scratch)
    answer = None
    try:
        if answers.poll(timeout):
            answer = answers.recv()
    except EOFError:  # the worker died before answering
        answer = ("died", None)
    finally:
        if answer is None:
            worker.kill()
        worker.join()
        answers.close()
        shutil.rmtree(scratch, ignore_errors=True)
    if answer is None:
        raise TimeoutError(f"query stopped after {timeout} s")
    kind, payload = answer
    if kind == "ok":
        return payload
    if kind == "query":
        raise QueryError(payload)
    if kind == "store":
        raise StoreError(payload)
    if kind == "died":
        raise QueryError(f"the query worker died (exit code {worker.exitcode}); out of memory?")
    raise QueryError(f"query failed: {payload}")


@lru_cache(maxsize=1)
def worker_context():
    """The multiprocessing context query workers start from (a forkserver that has imported the store)."""
    if "forkserver" in mp.get_all_start_methods():
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(["graph.store.timeout"])
        return ctx
    return mp.get_context("spawn")


def _start(location: str, sparql: str, options: dict[str, Any], scratch: str):
    """A started worker process and the end of the pipe its answer comes through."""
    ctx = worker_context()
    answers, sender = ctx.Pipe(duplex=False)
    worker = ctx.Process(target=_work, args=(sender, location, sparql, options, scratch), daemon=True,
                         name="yalu-query")
    worker.start()
    sender.close()  # so that recv() sees EOF when the worker dies
    return worker, answers


def _work(sender, location: str, sparql: str, options: dict[str, Any], scratch: str) -> None:
    tempfile.tempdir = scratch
    try:
        store = open_store(location, read_only=True)
        answer: tuple[str, Any] = ("ok", store.query(sparql, **options))
    except QueryError as exc:
        answer = ("query", str(exc))
    except StoreError as exc:
        answer = ("store", str(exc))
    except Exception as exc:  # noqa: BLE001 - reported to the caller as a failed query
        answer = ("error", f"{exc.__class__.__name__}: {exc}")
    sender.send(answer)
    sender.close()


def _in_thread(store: Store, sparql: str, timeout: float, options: dict[str, Any]) -> QueryResult:
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["result"] = store.query(sparql, **options)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller
            box["error"] = exc

    thread = threading.Thread(target=run, daemon=True, name="yalu-query")
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise TimeoutError(f"query stopped after {timeout} s")
    if "error" in box:
        raise box["error"]
    return box["result"]
