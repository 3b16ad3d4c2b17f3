"""What every Yalu store is, embedded or remote: its errors, its result rows, and its own SPARQL.

The reading queries a store asks of itself (``documents``, ``stats``, ``remove``, ``clear``,
``export``) are :class:`BaseStore`'s methods, so their SPARQL text is the same locally and
remotely; a store supplies ``query``, ``_update``, ``dataset`` and ``__len__``.

    >>> QueryResult(columns=["n"], rows=[(1,), (2,)]).records()
    [{'n': 1}, {'n': 2}]
"""
from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from rdflib import Dataset, Graph

from graph.build import graph_iri
from graph.store import fusion
from ingest.records import Document
from ontology import ONTOLOGY_TTL
from ontology.namespace import YALU

DCTERMS = "http://purl.org/dc/terms/"
# The graphs of earlier versions of a source. The source goes into the query as a constant, first:
# Oxigraph plans before it sees substitutions, and with an unbound source it read every document.
GRAPHS_OF_SOURCE = f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?d <{DCTERMS}source> ?src ; a <{YALU.Document}> }} }}"
# One document's metadata, read from its own graph (``?g``), for a re-ingest to compare with
DOCUMENT_METADATA = f"""SELECT ?title ?author ?date ?source WHERE {{ GRAPH ?g {{ ?d a <{YALU.Document}> .
    OPTIONAL {{ ?d <{DCTERMS}title> ?title }} OPTIONAL {{ ?d <{DCTERMS}creator> ?author }}
    OPTIONAL {{ ?d <{DCTERMS}date> ?date }} OPTIONAL {{ ?d <{DCTERMS}source> ?source }} }} }} LIMIT 1"""
METADATA_FIELDS = ("title", "author", "date")  # what a re-ingest of the same text may change
EXPORT_FORMATS = {"ttl": "turtle", "nt": "nt", "trig": "trig", "nq": "nquads", "jsonld": "json-ld"}


class StoreError(OSError):
    """The store cannot be opened or written (locked, read-only, not a store)."""


@dataclass
class QueryResult:
    """Rows of a SELECT (or the triples of a CONSTRUCT as subject/predicate/object rows)."""

    columns: list[str]
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    boolean: bool | None = None

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        return iter(self.rows)

    def records(self) -> list[dict[str, Any]]:
        """Rows as dicts keyed by column."""
        return [dict(zip(self.columns, row)) for row in self.rows]

    def to_dataframe(self):  # pragma: no cover - needs pandas
        """A pandas DataFrame of the rows (pandas must be installed)."""
        import pandas as pd

        return pd.DataFrame(self.rows, columns=self.columns)

    def _repr_html_(self) -> str:
        from html import escape

        head = "".join(f"<th>{escape(c)}</th>" for c in self.columns)
        body = "".join("<tr>" + "".join(f"<td>{escape('' if v is None else str(v))}</td>" for v in row) + "</tr>"
                       for row in self.rows[:500])
        more = f"<p>{len(self.rows) - 500} more rows</p>" if len(self.rows) > 500 else ""
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{more}"


def ontology_digest() -> str:
    """The hash a store keeps beside the ontology it loaded, to load a changed one again."""
    return hashlib.sha256(ONTOLOGY_TTL.read_bytes()).hexdigest()[:16]


def drop_graph(graph_name: str) -> str:
    """Drop a named graph and whatever of the default (union) graph only it held."""
    return (f"DELETE {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph_name}> {{ ?s ?p ?o }} "
            f"FILTER NOT EXISTS {{ GRAPH ?other {{ ?s ?p ?o }} FILTER(?other != <{graph_name}>) }} }} ;\n"
            f"DROP SILENT GRAPH <{graph_name}> ;\n")


def serialize_dataset(ds: Dataset, fmt: str) -> str:
    """``ds`` as text: ``ttl`` and ``nt`` merge the graphs, ``trig``, ``nq`` and ``jsonld`` keep them.

    Raises:
        ValueError: for an unknown format.
    """
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; choose one of {', '.join(EXPORT_FORMATS)}")
    if fmt in {"ttl", "nt"}:
        union = Graph()
        union.bind("yalu", YALU)
        for ctx in ds.graphs():
            union += ctx
        return union.serialize(format=EXPORT_FORMATS[fmt])
    ds.bind("yalu", YALU)
    return ds.serialize(format=EXPORT_FORMATS[fmt])


class BaseStore:
    """The queries a store asks of itself, written once for the embedded and the remote store."""

    union_copy = True  # whether the default graph is a copy of the union that writes keep in step

    def documents(self) -> list[dict[str, Any]]:
        """Stored documents: hash, title, author, date, source."""
        q = f"""SELECT ?h ?title ?author ?date ?source WHERE {{ GRAPH ?g {{ ?d a <{YALU.Document}> ;
            <{YALU.contentHash}> ?h .
            OPTIONAL {{ ?d <{DCTERMS}title> ?title }} OPTIONAL {{ ?d <{DCTERMS}creator> ?author }}
            OPTIONAL {{ ?d <{DCTERMS}date> ?date }} OPTIONAL {{ ?d <{DCTERMS}source> ?source }} }} }} ORDER BY ?h"""
        res = self.query(q)
        return [dict(zip(("hash", "title", "author", "date", "source"), row)) for row in res.rows]

    def document_metadata(self, doc_id: str) -> dict[str, str | None] | None:
        """The stored title, author, date (ISO) and source of the document with this content hash.

        Returns:
            The metadata, or None when no such document is stored.
        """
        res = self.query(DOCUMENT_METADATA, substitutions={"g": graph_iri(doc_id)}, terms=True)
        if not res.rows:
            return None
        return {key: None if value is None else str(value) for key, value in zip(res.columns, res.rows[0])}

    def metadata_changed(self, document: Document) -> bool | None:
        """Whether ``document``'s title, author or date differ from the stored copy's; None if none is stored."""
        stored = self.document_metadata(document.id)
        if stored is None:
            return None
        return any(stored[key] != getattr(document, key) for key in METADATA_FIELDS)

    def remove(self, ref: str) -> list[str]:
        """Drop documents by content hash (or a unique prefix of it), source path/URL or title.

        Returns the hashes removed; entities asserted by other documents stay.
        """
        found = [d for d in self.documents()
                 if d["hash"].startswith(ref) or ref in {d["source"], d["title"]}]
        if not found:
            return []
        graphs = [str(graph_iri(d["hash"])) for d in found]
        # the occurrences the documents reported change in the same transaction
        change = fusion.plan(self, removed_graphs=graphs, union=self.union_copy)
        self._update(change.delete + "".join(drop_graph(g) for g in graphs)
                     + fusion.insert_text(change, union=self.union_copy))
        return [d["hash"] for d in found]

    def clear(self) -> None:
        """Remove every document and the occurrences (the ontology stays)."""
        for d in self.documents():
            self._update(drop_graph(str(graph_iri(d["hash"]))))
        self._update(drop_graph(str(fusion.OCCURRENCES_GRAPH)))

    def export(self, fmt: str, destination: str | Path | io.TextIOBase | None = None) -> str | None:
        """Serialise the whole store, ontology axioms included.

        ``ttl`` and ``nt`` merge the graphs; ``trig``, ``nq`` and ``jsonld`` keep one named
        graph per document. Returns the text when no destination is given.

        Raises:
            ValueError: for an unknown format.
        """
        text = serialize_dataset(self.dataset(), fmt)
        if destination is None:
            return text
        if isinstance(destination, (str, Path)):
            Path(destination).write_text(text, encoding="utf-8")
        else:
            destination.write(text)
        return None

    def stats(self) -> dict[str, Any]:
        """Counts of documents, entities, events and occurrences by class, and triples."""
        ents = self.query(f"""SELECT ?c (COUNT(DISTINCT ?e) AS ?n) WHERE {{
            GRAPH ?g {{ ?d <{YALU.mentions}> ?e }} ?e a ?c }} GROUP BY ?c ORDER BY DESC(?n)""")
        events = self.query(f"""SELECT ?c (COUNT(DISTINCT ?e) AS ?n) WHERE {{
            ?e a ?c ; <{YALU.modality}> ?m . }} GROUP BY ?c ORDER BY DESC(?n)""")
        occurrences = self.query(f"""SELECT ?c (COUNT(?o) AS ?n) WHERE {{
            ?o a <{YALU.Occurrence}> ; <{YALU.eventClass}> ?c }} GROUP BY ?c ORDER BY DESC(?n)""")
        local = lambda iri: str(iri).rsplit("#", 1)[-1]  # noqa: E731
        return {
            "documents": len(self.documents()),
            "entities": {local(c): n for c, n in ents.rows},
            "events": {local(c): n for c, n in events.rows},
            "occurrences": {local(c): n for c, n in occurrences.rows},
            "triples": len(self),
        }
