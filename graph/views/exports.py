"""Network exports for other tools: GraphML (yEd, Cytoscape), GEXF (Gephi) and a CSV table of events.

The graph formats come from :func:`graph.views.network.to_networkx`, flattened to the scalar
attributes those formats allow; the CSV has one row per event, from a saved SPARQL query.

    >>> from graph.store import Store
    >>> text = export_network(Store(), "csv")
    >>> text.splitlines()[0]
    'event,class,date,reported,modality,agents,participants,targets,place,trigger,sentence,document'
"""
from __future__ import annotations

import csv
import io
import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import networkx as nx
from rdflib import Dataset
from rdflib.namespace import ORG, RDF, TIME

from graph.store import Store
from graph.store.base import serialize_dataset
from graph.views.network import to_networkx
from ontology.namespace import YALU

NETWORK_FORMATS = ("graphml", "gexf", "csv")
EVENTS_TABLE = Path(__file__).resolve().parent / "queries" / "events_table.rq"
# Node and edge attributes kept as they are (scalars); lists and dicts are flattened below.
_LIST_SEPARATOR = "; "


@lru_cache(maxsize=1)
def _events_table_query() -> str:
    return EVENTS_TABLE.read_text(encoding="utf-8")


def export_network(store: Store, fmt: str, *, include_events: bool = True, only_stated: bool = False) -> str:
    """The store's actor network (or its events as a table) as text.

    Args:
        store: the store to read.
        fmt: ``graphml``, ``gexf`` or ``csv``.
        include_events: for the graph formats, add events as nodes linked to their actors
            (``kind="role"`` edges) besides the actor-to-actor edges.
        only_stated: leave out the facts only the gazetteer or inference asserts (events are
            all stated, so the CSV of events is the same).

    Returns:
        The serialised graph (XML) or the CSV text with a header row.

    Raises:
        ValueError: for an unknown format.

    Example:
        >>> from graph.store import Store
        >>> "<graphml" in export_network(Store(), "graphml")
        True
    """
    if fmt not in NETWORK_FORMATS:
        raise ValueError(f"unknown network format {fmt!r}; choose one of {', '.join(NETWORK_FORMATS)}")
    if fmt == "csv":
        return events_csv(store)
    g = flatten(to_networkx(store, include_events=include_events, only_stated=only_stated))
    buf = io.BytesIO()
    if fmt == "graphml":
        nx.write_graphml(g, buf, encoding="utf-8")
    else:
        for _, _, data in g.edges(data=True):
            data["label"] = data.get("predicate", "")  # Gephi shows an edge's label
        nx.write_gexf(g, buf, encoding="utf-8")
    return buf.getvalue().decode("utf-8")


def stated_dataset(ds: Dataset) -> Dataset:
    """``ds`` with only what the documents state: without the facts the gazetteer or inference
    alone asserts (their triples and assertions) and without the gazetteer's roles (``org:Membership``).

    Events, mentions, entities and the ontology stay; a fact a document states stays even when
    the gazetteer says it too.
    """
    stated, background, dropped = set(), set(), set()
    union = Dataset(ds.store, default_union=True)  # the assertions and roles are in the documents' named graphs
    for node, source in union.subject_objects(YALU.assertedBy):
        fact = (union.value(node, RDF.subject), union.value(node, RDF.predicate), union.value(node, RDF.object))
        if str(source) == "text":
            stated.add(fact)
        else:
            background.add(fact)
            dropped.add(node)
    background -= stated
    for membership in union.subjects(RDF.type, ORG.Membership):
        dropped.add(membership)
        for interval in union.objects(membership, ORG.memberDuring):
            dropped.add(interval)
            dropped.update(union.objects(interval, TIME.hasBeginning))
            dropped.update(union.objects(interval, TIME.hasEnd))
    dropped.update(union.subjects(RDF.type, ORG.Role))
    out = Dataset()
    for ctx in ds.graphs():
        kept = out.graph(ctx.identifier)
        for triple in ctx:
            if triple[0] not in dropped and triple not in background:
                kept.add(triple)
    return out


def export_stated(store: Store, fmt: str) -> str:
    """The store as :meth:`graph.store.Store.export` writes it, but with only what the documents state
    (:func:`stated_dataset`); for ``graphml``, ``gexf`` and ``csv`` see :func:`export_network`."""
    if fmt in NETWORK_FORMATS:
        return export_network(store, fmt, only_stated=True)
    return serialize_dataset(stated_dataset(store.dataset()), fmt)


def events_csv(store: Store) -> str:
    """One CSV row per event: IRI, class, date (the text's; empty when it gives none), reported
    (its document's date), modality, agents, participants, targets, place, trigger, source
    sentence(s) and document title, in the order of the date, else the report's."""
    result = store.query(_events_table_query())
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(result.columns)
    writer.writerows([["" if v is None else v for v in row] for row in result.rows])
    return buf.getvalue()


def flatten(g: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """A copy of ``g`` whose attributes are all str, int, float or bool.

    Lists become ``"; "``-joined strings, ``facts``/``mentions``/``sources`` become JSON
    strings plus a ``*_count``, other dicts JSON strings; None values are left out.
    """
    out = nx.MultiDiGraph()
    out.graph.update(_scalars(g.graph))
    for n, data in g.nodes(data=True):
        out.add_node(n, **_scalars(data))
    for u, v, k, data in g.edges(keys=True, data=True):
        out.add_edge(u, v, key=k, **_scalars(data))
    return out


# Characters XML 1.0 forbids; a label read from a document may still hold one.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _xml_safe(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _scalars(data: dict[str, Any]) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in data.items():
        if value is None:
            continue
        if isinstance(value, str):
            flat[key] = _xml_safe(value)
        elif isinstance(value, (bool, int, float)):
            flat[key] = value
        elif isinstance(value, (list, tuple, set)) and all(isinstance(v, str) for v in value):
            if value:
                flat[key] = _xml_safe(_LIST_SEPARATOR.join(value))
        elif isinstance(value, (list, tuple, dict)):
            flat[f"{key}_count"] = len(value)
            if value:
                flat[key] = _xml_safe(json.dumps(value, ensure_ascii=False, sort_keys=True, default=str))
        else:
            flat[key] = _xml_safe(str(value))
    return flat
