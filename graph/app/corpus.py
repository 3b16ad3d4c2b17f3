"""Ingest texts into a store: read sources, extract with ``ingest``, write one transaction per document.

    >>> from graph.store import Store
    >>> store = Store()
    >>> report = ingest_texts(store, ["Xi Jinping met Kim Jong-un in Beijing."])
    >>> report.added
    1
"""
from __future__ import annotations

import dataclasses
import gc
import itertools
import multiprocessing
import queue
import threading
import time
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Collection, Iterable, Iterator, TypeVar

from graph.build import ntriples
from graph.store import Store
from graph.store.base import METADATA_FIELDS
from ingest.records import Document, Extraction
from ingest.sources import Skipped, iter_documents, metadata_from_text

T = TypeVar("T")
COMPACT_AFTER = 100  # documents written in one run; then the store is compacted (seconds on a million quads)


@dataclass
class IngestReport:
    """What an ingestion run did."""

    added: int = 0
    unchanged: int = 0
    replaced: int = 0
    updated: int = 0  # texts already stored, whose metadata changed
    skipped: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    words: int = 0
    seconds: float = 0.0

    @property
    def stored(self) -> int:
        return self.added + self.unchanged + self.replaced + self.updated

    def summary(self) -> str:
        rate = self.words / self.seconds if self.seconds else 0.0
        return (f"{self.added} added, {self.replaced} replaced, {self.updated} updated, {self.unchanged} unchanged, "
                f"{len(self.skipped)} skipped, {len(self.failed)} failed "
                f"({self.words} words in {self.seconds:.1f} s, {rate:.0f} words/s)")


_NLP: dict[str | None, object] = {}


def get_nlp(model: str | None = None):
    """The extraction pipeline for ``model``, loaded once per process."""
    if model not in _NLP:
        from ingest.pipeline import load_nlp

        _NLP[model] = load_nlp(model)
        # the model's objects live as long as the process: the garbage collector need not walk them again
        gc.freeze()
    return _NLP[model]


def ingest_documents(store: Store, documents: Iterable[Document | Skipped], *, model: str | None = None,
                     jobs: int = 1, on_progress: Callable[[str, str], None] | None = None,
                     executor: str = "local", scheduler: str | None = None,
                     given: Collection[str] = ()) -> IngestReport:
    """Extract and store documents; bad inputs are reported, never raised.

    Args:
        store: where to write.
        documents: records from :func:`ingest.sources.iter_documents` (``Skipped`` ones are counted).
        model: spaCy model name; default the installed English model.
        jobs: spaCy worker processes.
        on_progress: called with (source, status) after each input.
        executor: ``"local"`` (spaCy in this process, ``jobs`` worker processes) or ``"dask"``
            (extraction on Dask workers, see :mod:`graph.app.distributed`; the store is still written here).
        scheduler: with ``executor="dask"``, a running scheduler's address; without it a local
            cluster of ``jobs`` workers is started.
        given: the metadata fields the caller set for every document (``title``, ``author``,
            ``date``); on a text already stored they replace its stored values, others stay
            (:func:`with_stored_metadata`).
    """
    report = IngestReport()
    start = time.perf_counter()
    unreported: deque[Skipped] = deque()  # read perhaps in another thread; progress is told from this one

    def docs() -> Iterator[Document]:
        for item in documents:
            if isinstance(item, Skipped):
                report.skipped.append(str(item))
                unreported.append(item)
                continue
            yield with_stored_metadata(store, item, given=given)

    def tell_skipped() -> None:
        while unreported:
            item = unreported.popleft()
            if on_progress:
                on_progress(item.source, "skipped")

    if executor == "dask":
        from graph.app.distributed import extract_distributed

        extractions = extract_distributed(docs(), model=model, scheduler=scheduler, jobs=jobs)
    elif executor == "local" and jobs > 1:
        extractions = extract_in_workers(docs(), model=model, jobs=jobs)
    elif executor == "local":
        from ingest.pipeline import extract_many

        # extraction in a thread, writes here: spaCy releases the GIL in its matrix work, so the two overlap
        extractions = in_background((ex, ntriples(ex)) for ex in extract_many(docs(), get_nlp(model)))
    else:
        raise ValueError(f"unknown executor {executor!r}; choose local or dask")
    for item in extractions:
        tell_skipped()
        extraction, prepared = item if isinstance(item, tuple) else (item, None)
        doc = extraction.document
        try:
            status = store.add(extraction, prepared=prepared)
        except OSError as exc:
            report.failed.append(f"{doc.source or doc.id[:12]}: {exc}")
            if on_progress:
                on_progress(doc.source or doc.id[:12], "failed")
            continue
        setattr(report, status, getattr(report, status) + 1)
        report.words += len(doc.text.split())
        if on_progress:
            on_progress(doc.source or doc.id[:12], status)
    tell_skipped()
    store.flush()
    if report.added + report.replaced >= COMPACT_AFTER:
        store.optimize()
    report.seconds = time.perf_counter() - start
    return report


def with_stored_metadata(store: Store, document: Document, *, given: Collection[str] = ()) -> Document:
    """``document`` with the title, author and date of its stored copy, except where it is told otherwise.

    A re-ingest changes what it is told: the fields in ``given`` (``--date`` corrected, a title
    added) and values its input states apart from the text (a JSON Lines record's, a page's);
    what the text itself gave, or nothing, leaves the stored value, so that a text read again
    without flags keeps the date it was stored with.
    """
    stored = store.document_metadata(document.id)
    if stored is None:
        return document
    read = metadata_from_text(document.text)
    kept = {key: stored[key] for key in METADATA_FIELDS
            if key not in given and getattr(document, key) in {None, read[key]} and getattr(document, key) != stored[key]}
    return dataclasses.replace(document, **kept) if kept else document


_DONE = object()


def in_background(items: Iterator[T], depth: int = 8) -> Iterator[T]:
    """``items``, produced by a thread of their own up to ``depth`` ahead of the consumer.

    An exception raised while producing is raised here, at the item where it happened. If the
    consumer stops early, the thread stops at its next item.

    >>> list(in_background(iter(range(3))))
    [0, 1, 2]
    """
    buffer: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(entry) -> bool:
        while not stop.is_set():
            try:
                buffer.put(entry, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put((item, None)):
                    return
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, raised there
            put((_DONE, exc))
            return
        put((_DONE, None))

    worker = threading.Thread(target=produce, name="yalu-extract", daemon=True)
    worker.start()
    try:
        while True:
            item, error = buffer.get()
            if error is not None:
                raise error
            if item is _DONE:
                return
            yield item
    finally:
        stop.set()


def _work(batch: list[Document], model: str | None) -> list[tuple[Extraction, str]]:
    """In a worker process: extract a batch and write its N-Triples (the parent only stores them).

    The records go back without their contents: the N-Triples carry them, and the parent, which
    writes for every worker, should not spend its time unpickling what it does not read.
    """
    from ingest.pipeline import extract_many

    return [(Extraction(ex.document), ntriples(ex)) for ex in extract_many(batch, get_nlp(model))]


def extract_in_workers(documents: Iterable[Document], *, model: str | None = None, jobs: int = 2,
                       batch_size: int = 4) -> Iterator[tuple[Extraction, str]]:
    """Extraction and RDF serialisation in ``jobs`` processes, results in input order.

    Each worker loads the pipeline once; at most ``2 * jobs`` batches are in flight, so memory
    stays bounded however long the input. The caller writes the store (Oxigraph has one writer).
    """
    it = iter(documents)
    with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("fork")) as pool:
        pending: deque = deque()
        while True:
            while len(pending) < 2 * jobs:
                batch = list(itertools.islice(it, batch_size))
                if not batch:
                    break
                pending.append(pool.submit(_work, batch, model))
            if not pending:
                return
            yield from pending.popleft().result()


def ingest_paths(store: Store, paths: Iterable[str | Path], *, title: str | None = None,
                 author: str | None = None, date: str | None = None, source: str | None = None,
                 **options) -> IngestReport:
    """Ingest files, directories and globs (text, HTML, JSON Lines) into ``store``."""
    documents = iter_documents(list(paths), title=title, author=author, date=date, source=source)
    given = [key for key, value in (("title", title), ("author", author), ("date", date)) if value]
    return ingest_documents(store, documents, given=given, **options)


def ingest_texts(store: Store, texts: Iterable[str], **options) -> IngestReport:
    """Ingest plain strings (no metadata) into ``store``."""
    return ingest_documents(store, (Document.from_text(t) for t in texts), **options)
