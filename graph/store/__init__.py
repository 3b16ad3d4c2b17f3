"""The store seam: where records' RDF is kept and how SPARQL reaches it.

``embedded`` is the Oxigraph store on disk or in memory (the only module that touches
pyoxigraph), ``remote`` a store behind a SPARQL endpoint, ``factory`` opens either by location;
``base`` holds what both share, ``sparql`` the query text helpers, ``timeout`` queries with a time
limit, ``pool`` many such queries at once (``yalu serve``), ``queries`` the saved ``queries/*.rq``.
The names below are the package's public face.
"""
from __future__ import annotations

from graph.store.base import EXPORT_FORMATS, QueryResult, StoreError
from graph.store.embedded import Store, writer_pid
from graph.store.factory import open_store
from graph.store.queries import SavedQuery, bind_params, list_saved, load_saved
from graph.store.remote import RemoteStore
from graph.store.sparql import QueryError, bind_values, query_form
from graph.store.pool import QueryPool
from graph.store.timeout import query_with_timeout

__all__ = ["EXPORT_FORMATS", "QueryError", "QueryPool", "QueryResult", "RemoteStore", "SavedQuery", "Store",
           "StoreError", "bind_params", "bind_values", "list_saved", "load_saved", "open_store", "query_form", "query_with_timeout",
           "writer_pid"]
