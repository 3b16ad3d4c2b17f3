"""Extraction on a Dask cluster; the store is written by the calling process only.

Workers each load the spaCy pipeline once and turn batches of :class:`~ingest.records.Document`
into :class:`~ingest.records.Extraction` records (frozen dataclasses, sent back pickled). The
client yields them as they complete, so the caller writes them into the store in one process:
Oxigraph has a single writer. Dask is an optional extra: ``pip install 'yalu[dask]'``.

    >>> from graph.store import Store
    >>> from graph.app.corpus import ingest_texts
    >>> store = Store()
    >>> report = ingest_texts(store, ["Xi Jinping met Kim Jong-un."], executor="dask", jobs=1)  # doctest: +SKIP
"""
from __future__ import annotations

import logging
from contextlib import ExitStack
from itertools import islice
from typing import Any, Iterable, Iterator

from ingest.records import Document, Extraction

EXECUTORS = ("local", "dask")
INSTALL_HINT = "pip install 'yalu[dask]'"

# The pipeline of each worker process, by model name: loaded by the first batch, kept after it.
_NLP: dict[str | None, Any] = {}


class ExecutorError(ValueError):
    """Dask is not installed, or the scheduler cannot be reached."""


def _import_distributed():
    try:
        import distributed
    except ImportError as exc:
        raise ExecutorError(f"--executor dask needs Dask, which is not installed ({INSTALL_HINT})") from exc
    return distributed


def extract_batch(documents: list[Document], model: str | None = None) -> list[Extraction]:
    """Read a batch of documents with this process's pipeline (run on a Dask worker)."""
    from ingest.pipeline import extract_many, load_nlp

    if model not in _NLP:
        _NLP[model] = load_nlp(model)
    return list(extract_many(documents, _NLP[model]))


def _batches(documents: Iterable[Document], size: int) -> Iterator[list[Document]]:
    it = iter(documents)
    while batch := list(islice(it, size)):
        yield batch


def extract_distributed(documents: Iterable[Document], *, model: str | None = None, scheduler: str | None = None,
                        jobs: int = 1, batch_size: int = 8, timeout: float = 30.0) -> Iterator[Extraction]:
    """Extract documents on Dask workers, yielding records as batches complete (not in input order).

    Args:
        documents: the documents to read (consumed lazily: at most two batches per worker are in flight).
        model: spaCy model each worker loads; default the installed English model.
        scheduler: address of a running scheduler (``tcp://host:8786``); without it a
            ``LocalCluster`` of ``jobs`` single-threaded worker processes is started and stopped.
        jobs: workers of the local cluster (ignored with ``scheduler``).
        batch_size: documents per task.
        timeout: seconds to wait for the scheduler.

    Raises:
        ExecutorError: when Dask is missing or the scheduler cannot be reached.
        ingest.pipeline.ModelError: when a worker cannot load ``model``.

    Example:
        >>> docs = [Document.from_text("Xi Jinping met Kim Jong-un.")]
        >>> [x.document.id for x in extract_distributed(docs, jobs=1)] == [docs[0].id]  # doctest: +SKIP
        True
    """
    distributed = _import_distributed()
    with ExitStack() as stack:
        if scheduler is None:
            cluster = stack.enter_context(distributed.LocalCluster(
                n_workers=jobs, threads_per_worker=1, processes=True, dashboard_address=None,
                silence_logs=logging.ERROR))
            address: Any = cluster
        else:
            address = scheduler
        try:
            client = stack.enter_context(distributed.Client(address, timeout=timeout, set_as_default=False))
        except (OSError, TimeoutError) as exc:
            raise ExecutorError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from exc
        workers = max(1, len(client.scheduler_info().get("workers", {})))
        window = 2 * workers
        batches = _batches(documents, batch_size)
        pending = distributed.as_completed(loop=client.loop)
        for batch in islice(batches, window):
            pending.add(client.submit(extract_batch, batch, model, pure=False))
        for future in pending:
            extractions = future.result()
            future.release()
            nxt = next(batches, None)
            if nxt is not None:
                pending.add(client.submit(extract_batch, nxt, model, pure=False))
            yield from extractions
