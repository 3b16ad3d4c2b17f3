"""Network exports for other tools: GraphML (yEd, Cytoscape), GEXF (Gephi) and a CSV table of events.

The graph formats come from :func:`graph.views.network.to_networkx`, flattened to the scalar
attributes those formats allow; the CSV has one row per event, from a saved SPARQL query.

    >>> from graph.store import Store
    >>> text = export_network(Store(), "csv")
    >>> text.splitlines()[0]
    'event,class,date,modality,agents,participants,targets,place,trigger,sentence,document'
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

from graph.store import Store
from graph.views.network import to_networkx

NETWORK_FORMATS = ("graphml", "gexf", "csv")
EVENTS_TABLE = Path(__file__).resolve().parent / "queries" / "events_table.rq"
# Node and edge attributes kept as they are (scalars); lists and dicts are flattened below.
_LIST_SEPARATOR = "; "


@lru_cache(maxsize=1)
def _events_table_query() -> str:
    return EVENTS_TABLE.read_text(encoding="utf-8")


def export_network(store: Store, fmt: str, *, include_events: bool = True) -> str:
    """The store's actor network (or its events as a table) as text.

    Args:
        store: the store to read.
        fmt: ``graphml``, ``gexf`` or ``csv``.
        include_events: for the graph formats, add events as nodes linked to their actors
            (``kind="role"`` edges) besides the actor-to-actor edges.

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
    g = flatten(to_networkx(store, include_events=include_events))
    buf = io.BytesIO()
    if fmt == "graphml":
        nx.write_graphml(g, buf, encoding="utf-8")
    else:
        for _, _, data in g.edges(data=True):
            data["label"] = data.get("predicate", "")  # Gephi shows an edge's label
        nx.write_gexf(g, buf, encoding="utf-8")
    return buf.getvalue().decode("utf-8")


def events_csv(store: Store) -> str:
    """One CSV row per event: IRI, class, date, modality, agents, participants, targets,
    place, trigger, source sentence(s) and document title."""
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
