"""Many SPARQL queries with time limits, as ``yalu serve`` runs them: a pool of long-lived workers.

:func:`graph.store.query_with_timeout` starts a process and opens the store for every query,
which is what a time limit costs when pyoxigraph cannot cancel a query. A pool pays that once:

- worker processes each keep the store open read-only and answer one query at a time:
  ``started`` of them are started with the pool, and a query that finds none free starts
  another, up to ``workers`` (they stay, ready for the next burst). Beyond that a query
  waits for a free worker; its time limit counts from its arrival, the wait included. So
  slow queries delay the others only by sharing the processors, until ``workers`` of them
  run at once;
- a query that runs longer than ``lower_after`` seconds goes on at a lower CPU priority
  (niceness 10), so that a few heavy queries do not slow down the many light ones beside them;
  its worker gets its priority back afterwards, or, where raising it again is not allowed, is
  replaced by a new one;
- a query over its limit stops its own worker only: that process is killed, and a new one
  started in the background, while the others go on answering;
- the workers read a *view*: a snapshot of the store's files (:func:`snapshot_directory`,
  tables hard-linked), which nobody writes, so a writer in another process (a running
  ``yalu ingest``) can neither disturb nor be disturbed by them. Every query starts by
  comparing the store's files with the view's; when they differ it gets a new view, at once
  when the change is the pool's own process's (``yalu serve --allow-updates``) or the writer
  has finished, and at most once every ``refresh`` seconds while another process is writing.
  A view holds whole transactions only, so an answer never shows half of a document.

For a store in memory or behind an endpoint the pool is :func:`query_with_timeout` itself.

    >>> from graph.store import Store
    >>> pool = QueryPool(Store())
    >>> pool.query("ASK { ?d a <https://w3id.org/yalu/ontology#Document> }", timeout=5).boolean
    False
    >>> pool.close()
"""
from __future__ import annotations

import os
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from graph.store.base import QueryResult, StoreError
from graph.store.embedded import Store, snapshot_directory, store_files, writer_pid
from graph.store.sparql import QueryError
from graph.store.timeout import query_with_timeout, worker_context

VIEWS = "yalu-views-"  # the prefix of a pool's directory of views: yalu-views-<pid>-<random>
LOWER = 10  # the niceness of a worker whose query runs long: a tenth of a normal process's share of CPU


@dataclass(eq=False)
class _View:
    """A snapshot of the store that workers read; removed once it is neither current nor open."""

    directory: Path
    files: dict[str, int]
    made: float
    readers: int = 0
    broken: bool = False


@dataclass(eq=False)
class _Worker:
    process: Any
    conn: Any
    view: _View | None = None


class QueryPool:
    """Long-lived query workers over one store (see the module's description).

    Args:
        store: a :class:`graph.store.Store`; one in memory, or a remote one, is queried directly.
        workers: the most queries that run at once, each in a process of its own; more wait.
        started: workers started with the pool (at most ``workers``).
        refresh: seconds a view is kept at least while another process writes the store.
        lower_after: seconds after which a running query's worker runs at a lower CPU priority.
    """

    def __init__(self, store: Any, *, workers: int = 32, started: int = 4, refresh: float = 1.0,
                 lower_after: float = 0.5):
        if workers < 1:
            raise ValueError(f"workers must be 1 or more, not {workers!r}")
        started = max(0, min(started, workers))
        self.started = started
        self.store = store
        self.workers = workers
        self.refresh = refresh
        self.lower_after = lower_after
        local = isinstance(store, Store) and store.path is not None
        self.path = Path(store.path) if local else None
        if local:
            _remove_orphans()
        self._scratch = Path(tempfile.mkdtemp(prefix=f"{VIEWS}{os.getpid()}-")) if local else None
        self._view: _View | None = None
        self._idle: list[_Worker] = []
        self._all: set[_Worker] = set()
        self._starting = 0
        self._closed = False
        self._lock = threading.Condition()  # guards the workers
        self._view_lock = threading.Lock()  # guards the views and who reads them
        if local:  # start the workers now, so that the first queries do not wait for them
            with self._lock:
                self._starting = started
            for _ in range(started):
                threading.Thread(target=self._replace, daemon=True, name="yalu-query-start").start()

    def query(self, sparql: str, *, timeout: float, substitutions: dict[str, Any] | None = None,
              terms: bool = False, limit: int | None = None,
              render: Callable[[QueryResult], Any] | None = None) -> Any:
        """Answer ``sparql`` like ``store.query``, or give up after ``timeout`` seconds.

        ``render``, a function that can be pickled (a module's function, or a ``partial`` of one),
        is applied to the result in the worker, and its value returned instead: a large answer's
        writing then takes no time in the caller's process, where it would hold the interpreter
        lock for everyone.

        Raises:
            TimeoutError: ``"query stopped after {timeout} s"`` (waiting for a worker included).
            QueryError: a malformed or failing query.
            StoreError: the store cannot be read, or the pool is closed.
            ValueError: a timeout that is not positive.
        """
        options = {"substitutions": substitutions, "terms": terms, "limit": limit}
        if self.path is None:
            result = query_with_timeout(self.store, sparql, timeout=timeout, **options)
            return render(result) if render is not None else result
        if not timeout > 0:
            raise ValueError(f"timeout must be a positive number of seconds, not {timeout!r}")
        deadline = time.monotonic() + timeout
        worker = self._acquire(deadline, timeout)
        try:
            view = self._view_for(worker)
        except BaseException:
            self._release(worker)
            raise
        answer, lowered = None, False
        try:
            worker.conn.send((str(view.directory), str(self.path), sparql, options, render))
            ready = worker.conn.poll(max(0.0, min(deadline, time.monotonic() + self.lower_after) - time.monotonic()))
            if not ready and time.monotonic() < deadline:
                lowered = _set_priority(worker, LOWER)  # a long query yields the processors to short ones
                ready = worker.conn.poll(max(0.0, deadline - time.monotonic()))
            if ready:
                answer = worker.conn.recv()
        except (EOFError, OSError):  # the worker died
            answer = ("died", None)
        if answer is None or answer[0] == "died":
            code = self._discard(worker)
            if answer is None:
                raise TimeoutError(f"query stopped after {timeout} s")
            raise QueryError(f"the query worker died (exit code {code}); out of memory?")
        if lowered and not _set_priority(worker, 0):
            self._discard(worker)  # without the right to raise its priority again: a new one replaces it
        else:
            self._release(worker)
        kind, payload = answer
        if kind == "ok":
            return payload
        if kind == "query":
            raise QueryError(payload)
        if kind == "store":
            view.broken = True  # the next query takes a new snapshot
            raise StoreError(payload)
        raise QueryError(f"query failed: {payload}")

    def close(self) -> None:
        """Stop every worker and remove the views; queries after this raise StoreError."""
        with self._lock:
            self._closed = True
            workers, self._all, self._idle = list(self._all), set(), []
            self._lock.notify_all()
        for worker in workers:
            worker.process.kill()
            worker.process.join()
            worker.conn.close()
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)

    # ------------------------------------------------------------------ views
    def _view_for(self, worker: _Worker) -> _View:
        """The view ``worker`` is to read now, counted as read by it (and its old one no longer)."""
        with self._view_lock:
            view = self._current_view()
            if worker.view is not view:
                view.readers += 1
                old, worker.view = worker.view, view
                if old is not None:  # the worker closes it on reading its next query
                    old.readers -= 1
                    self._forget(old)
            return view

    def _current_view(self) -> _View:
        view = self._view
        files = store_files(self.path)
        if view is not None and not view.broken and files == view.files:
            return view
        if view is not None and not view.broken and time.monotonic() - view.made < self.refresh \
                and writer_pid(self.path) is not None:  # another process is writing: keep up, not in step
            return view
        directory = Path(tempfile.mkdtemp(prefix="view-", dir=self._scratch))
        try:
            snapshot_directory(self.path, directory)
        except (StoreError, OSError) as exc:
            shutil.rmtree(directory, ignore_errors=True)
            if view is not None and not view.broken:
                return view  # an older state beats no answer
            if isinstance(exc, StoreError):
                raise
            raise StoreError(f"{self.path}: cannot read the store: {exc}") from exc
        self._view = _View(directory, files, time.monotonic())
        if view is not None:
            self._forget(view)
        return self._view

    def _forget(self, view: _View) -> None:
        if view is not self._view and view.readers == 0:
            shutil.rmtree(view.directory, ignore_errors=True)

    # ------------------------------------------------------------------ workers
    def _acquire(self, deadline: float, timeout: float) -> _Worker:
        with self._lock:
            while True:
                if self._closed:
                    raise StoreError(f"{self.path}: the query pool is closed")
                if self._idle:
                    return self._idle.pop()
                if len(self._all) + self._starting < self.workers:
                    self._starting += 1
                    break
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"query stopped after {timeout} s")
                self._lock.wait(left)
        return self._start()

    def _start(self) -> _Worker:
        """A new worker (the caller has counted it in ``_starting``)."""
        try:
            ctx = worker_context()
            conn, child = ctx.Pipe()
            process = ctx.Process(target=_serve, args=(child,), daemon=True, name="yalu-query")
            process.start()
            child.close()  # so that recv() sees EOF when the worker dies
        except BaseException:
            with self._lock:
                self._starting -= 1
                self._lock.notify()
            raise
        worker = _Worker(process, conn)
        with self._lock:
            self._starting -= 1
            self._all.add(worker)
            closed = self._closed
        if closed:
            self._discard(worker)
            raise StoreError(f"{self.path}: the query pool is closed")
        return worker

    def _release(self, worker: _Worker) -> None:
        with self._lock:
            if worker in self._all:
                self._idle.append(worker)
                self._lock.notify()

    def _discard(self, worker: _Worker) -> int | None:
        """Kill ``worker`` (and start another in the background if fewer than ``started`` remain); its exit code."""
        worker.process.kill()
        worker.process.join()
        worker.conn.close()
        with self._view_lock:
            if worker.view is not None:
                worker.view.readers -= 1
                self._forget(worker.view)
                worker.view = None
        with self._lock:
            self._all.discard(worker)
            replace = not self._closed and len(self._all) + self._starting < self.started
            if replace:
                self._starting += 1
        if replace:
            threading.Thread(target=self._replace, daemon=True, name="yalu-query-start").start()
        return worker.process.exitcode

    def _replace(self) -> None:
        """Start a worker counted in ``_starting`` and make it free for queries."""
        try:
            worker = self._start()
        except (StoreError, OSError):
            return  # the next query that finds no free worker starts one
        self._release(worker)


def _remove_orphans() -> None:
    """Remove the views of pools whose process is gone (a server stopped by a signal leaves them)."""
    for entry in Path(tempfile.gettempdir()).glob(f"{VIEWS}*-*"):
        pid = entry.name[len(VIEWS):].split("-")[0]
        if not pid.isdigit():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(entry, ignore_errors=True)
        except OSError:  # alive, another user's
            continue


def _set_priority(worker: _Worker, niceness: int) -> bool:
    """Set the worker process's scheduling niceness; False where that is not allowed."""
    try:
        os.setpriority(os.PRIO_PROCESS, worker.process.pid, niceness)
    except (OSError, AttributeError):  # raising it back needs a privilege; no setpriority on Windows
        return False
    return True


def _serve(conn) -> None:
    """A worker's life: answer queries one by one, reopening the store when the view changes."""
    store, opened = None, None
    while True:
        try:
            directory, location, sparql, options, render = conn.recv()
        except (EOFError, OSError):
            return
        try:
            if directory != opened:
                store, opened = None, None  # close the old view before opening the new one
                store = Store(directory, read_only=True)
                store.path, opened = Path(location), directory  # messages name the live store
            result = store.query(sparql, **options)
            answer: tuple[str, Any] = ("ok", render(result) if render is not None else result)
        except QueryError as exc:
            answer = ("query", str(exc))
        except StoreError as exc:
            answer = ("store", str(exc))
        except Exception as exc:  # noqa: BLE001 - reported to the caller as a failed query
            answer = ("error", f"{exc.__class__.__name__}: {exc}")
        try:
            conn.send(answer)
        except (OSError, ValueError):  # the pool is gone
            return
