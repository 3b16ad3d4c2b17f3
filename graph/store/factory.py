"""Opening a store by where it is: the one place that tells a directory from a SPARQL endpoint.

Both stores sit beneath this module; neither knows the other.
"""
from __future__ import annotations

from pathlib import Path

from graph.store.embedded import Store, open_directory
from graph.store.remote import RemoteStore


def open_store(location: str | Path | None, *, read_only: bool = False) -> Store | RemoteStore:
    """The store at ``location``: a directory, ``None`` (in memory) or an http(s) SPARQL endpoint.

    A read-only open of a directory that another process is writing (a running ``yalu ingest``
    or ``yalu serve --allow-updates``) reads a snapshot of the store as it was at this moment.

    Args:
        location: a store directory, ``None``, or ``http://host:port`` (Oxigraph server layout)
            or a full ``.../query`` or ``.../sparql`` endpoint URL.
        read_only: refuse writes (and allow opening beside a writer).

    Returns:
        A :class:`graph.store.embedded.Store`, or a :class:`graph.store.remote.RemoteStore` for a URL.

    Raises:
        StoreError: the directory is not a store (read-only), is being written by another
            process (read-write), or cannot be opened.

    >>> open_store(None).stats()["documents"]
    0
    """
    if isinstance(location, str) and location.startswith(("http://", "https://")):
        return RemoteStore(location, read_only=read_only)
    if location is None:
        return Store(None)
    return open_directory(Path(location), read_only=read_only)
