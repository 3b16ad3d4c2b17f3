"""The embedded, persistent Oxigraph store: the only module that touches pyoxigraph.

Each document's triples live in a named graph keyed by its content hash; the ontology in
a graph of its own. Writes are Oxigraph transactions, so a crash leaves the store as it
was before the document being written.

    >>> store = Store()  # in memory; Store("yalu-store") persists to a directory
    >>> store.stats()["documents"]
    0
"""
from __future__ import annotations

import io
import itertools
import os
import shutil
import struct
import sys
import tempfile
import weakref
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph
from rdflib import Literal as RdfLiteral
from rdflib import URIRef

from graph.build import graph_iri, ntriples, ontology_graph
from graph.store import fusion
from graph.store.base import GRAPHS_OF_SOURCE, BaseStore, QueryResult, StoreError, drop_graph, ontology_digest
from graph.store.sparql import QueryError, bind_values
from ingest.records import Extraction
from ontology.namespace import ONTOLOGY_GRAPH, YALU

_XSD = "http://www.w3.org/2001/XMLSchema#"
_NUMBER = {**{ox.NamedNode(_XSD + t): int for t in ("integer", "int", "long")},
           **{ox.NamedNode(_XSD + t): float for t in ("decimal", "double", "float")}}


def _python(term: Any) -> Any:
    if term is None:
        return None
    if type(term) is ox.Literal:
        number = _NUMBER.get(term.datatype)
        if number is not None:
            try:
                return number(term.value)
            except ValueError:
                return term.value
        return term.value
    return term.value if hasattr(term, "value") else str(term)


def _rdflib(term: Any) -> Any:
    """A pyoxigraph term as the rdflib term it stands for (None stays None)."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return RdfLiteral(term.value, lang=term.language)
        dtype = term.datatype.value if term.datatype else None
        plain = dtype in {None, "http://www.w3.org/2001/XMLSchema#string"}
        return RdfLiteral(term.value, datatype=None if plain else URIRef(dtype))
    return RdfLiteral(str(term))  # an RDF-star triple term, shown as its N-Triples text


class Store(BaseStore):
    """A Yalu store: Oxigraph on disk (``path``) or in memory (``path=None``)."""

    def __init__(self, path: str | Path | None = None, *, read_only: bool = False):
        self.path = Path(path) if path is not None else None
        self.read_only = read_only
        try:
            if self.path is None:
                self._store = ox.Store()
            elif read_only:
                if not (self.path / "CURRENT").exists():
                    raise StoreError(f"{self.path}: no Yalu store here (run `yalu ingest` first)")
                self._store = ox.Store.read_only(str(self.path))
            else:
                self.path.mkdir(parents=True, exist_ok=True)
                self._store = ox.Store(str(self.path))
        except StoreError:
            raise
        except (OSError, ValueError, RuntimeError) as exc:
            raise StoreError(f"{self.path}: cannot open the store: {_first_line(exc)}") from exc
        if not read_only:
            self._ensure_ontology()

    # ------------------------------------------------------------------ writing
    def _write(self, action, *args, **kwargs) -> None:
        """One of pyoxigraph's writes (one transaction), its failure raised as a StoreError."""
        try:
            action(*args, **kwargs)
        except (OSError, RuntimeError) as exc:
            raise StoreError(f"{self.path or 'memory'}: cannot write: {_first_line(exc)}") from exc

    def _update(self, sparql: str) -> None:
        self._write(self._store.update, sparql)

    def _ensure_ontology(self) -> None:
        digest = ontology_digest()
        marker = ox.Literal(digest)
        if any(self._store.quads_for_pattern(None, ox.NamedNode(str(YALU.contentHash)), marker,
                                             ox.NamedNode(str(ONTOLOGY_GRAPH)))):
            return
        g = Graph()
        g += ontology_graph()
        g.add((URIRef(str(ONTOLOGY_GRAPH)), YALU.contentHash, RdfLiteral(digest)))
        self._update(drop_graph(str(ONTOLOGY_GRAPH)) + _insert(g, str(ONTOLOGY_GRAPH)))

    def add(self, extraction: Extraction, *, prepared: str | None = None) -> str:
        """Store one document's records; returns ``"added"``, ``"unchanged"``, ``"updated"`` or ``"replaced"``.

        Re-adding an unchanged text with the same title, author and date does nothing; with
        other metadata, its graph is written anew ("updated": event dates may hang on the
        document date); a changed text from the same source replaces the old version's graph in
        the same transaction. ``prepared`` is the document's :func:`graph.build.ntriples`, when
        a worker process already made it.
        """
        doc = extraction.document
        name = graph_iri(doc.id)
        if self._store.contains_named_graph(ox.NamedNode(str(name))):
            if not self.metadata_changed(doc):
                return "unchanged"
            self._update(drop_graph(str(name)) + _insert(prepared or ntriples(extraction), str(name)))
            return "updated"
        old = self._graphs_of_source(doc.source) if doc.source else []
        body = prepared or ntriples(extraction)
        change = fusion.plan(self, added=fusion.reports_of(extraction), removed_graphs=old, extraction=extraction)
        if old or change.delete:
            # the occurrences the document touches change in the transaction that writes it
            self._update(change.delete + "".join(drop_graph(g) for g in old) + fusion.insert_text(change)
                         + _insert(body, str(name)))
            return "replaced" if old else "added"
        # one load is one transaction; Oxigraph parses N-Quads faster than an INSERT DATA. Lenient:
        # the text is graph.build's (IRIs percent-encoded, literals escaped), so validating it again
        # would only cost time (a fifth of the load)
        self._write(self._store.load, _nquads(body, str(name)) + fusion.nquads(change), format=ox.RdfFormat.N_QUADS,
                    lenient=True)
        return "added"

    def _graphs_of_source(self, source: str) -> list[str]:
        rows = self._store.query(bind_values(GRAPHS_OF_SOURCE, {"src": RdfLiteral(source)}))
        return [row["g"].value for row in rows]

    # ------------------------------------------------------------------ reading
    def query(self, sparql: str, *, substitutions: dict[str, Any] | None = None, terms: bool = False,
              limit: int | None = None) -> QueryResult:
        """Run SPARQL over the union of all graphs.

        Args:
            sparql: a SELECT, ASK or CONSTRUCT/DESCRIBE query.
            substitutions: variable name -> value, written into the query as an escaped RDF term
                (:func:`graph.store.sparql.bind_values`), never pasted as text.
            terms: give rdflib terms (URIRef, Literal, BNode) instead of plain Python values.
            limit: stop reading after this many rows.

        Raises:
            QueryError: on a syntax error (the message gives the position) or evaluation failure.
        """
        if substitutions:
            sparql = bind_values(sparql, substitutions)
        value = _rdflib if terms else _python
        try:
            result = self._store.query(sparql)
            if isinstance(result, (bool, ox.QueryBoolean)):  # pyoxigraph 0.5 answers ASK with a QueryBoolean
                return QueryResult(columns=["result"], rows=[(bool(result),)], boolean=bool(result))
            if isinstance(result, ox.QuerySolutions):
                params = {k.lstrip("?$") for k in substitutions or {}}  # a parameter is not a result column
                keep = [(i, v.value) for i, v in enumerate(result.variables) if v.value not in params]
                rows = [tuple(value(sol[i]) for i, _ in keep) for sol in itertools.islice(result, limit)]
                return QueryResult(columns=[c for _, c in keep], rows=rows)
            rows = [(value(t.subject), value(t.predicate), value(t.object)) for t in itertools.islice(result, limit)]
            return QueryResult(columns=["subject", "predicate", "object"], rows=rows)
        except SyntaxError as exc:
            raise QueryError(f"SPARQL syntax error: {_first_line(exc)}") from exc
        except (OSError, RuntimeError, ValueError, TypeError) as exc:
            raise QueryError(f"query failed: {_first_line(exc)}") from exc

    def update(self, sparql: str) -> None:
        """Run a SPARQL 1.1 Update in one transaction.

        Raises:
            StoreError: when the store is read-only or cannot be written.
            QueryError: on a syntax error (the message gives the position).
        """
        if self.read_only:
            raise StoreError(f"{self.path}: the store is open read-only")
        try:
            # the update may touch any named graph: bring the union copy back in step, same transaction
            self._update(sparql.rstrip().rstrip(";") + " ;\n" + RESYNC_UNION)
        except SyntaxError as exc:
            raise QueryError(f"SPARQL syntax error: {_first_line(exc)}") from exc
        except (ValueError, TypeError) as exc:
            raise QueryError(f"update failed: {_first_line(exc)}") from exc

    def construct(self, sparql: str) -> Graph:
        """A CONSTRUCT query's result as an rdflib Graph."""
        g = Graph()
        try:
            triples = self._store.query(sparql)
            data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
        except SyntaxError as exc:
            raise QueryError(f"SPARQL syntax error: {_first_line(exc)}") from exc
        except (TypeError, ValueError) as exc:
            raise QueryError(f"not a CONSTRUCT or DESCRIBE query: {_first_line(exc)}") from exc
        g.parse(data=data.decode("utf-8"), format="nt")
        return g

    def __len__(self) -> int:
        """Quads in the named graphs (documents and ontology), not counting the union copy."""
        copy = self._store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
        return len(self._store) - int(next(iter(copy))["n"].value)

    def dataset(self, *, include_ontology: bool = True) -> Dataset:
        """Every graph of the store as an rdflib Dataset (one named graph per document)."""
        buf = io.BytesIO()
        self._store.dump(buf, format=ox.RdfFormat.N_QUADS)
        ds = Dataset()
        ds.parse(data=buf.getvalue().decode("utf-8"), format="nquads")
        ds.default_context.remove((None, None, None))  # the union copy; the named graphs hold it all
        if not include_ontology:
            ds.remove_graph(ds.graph(URIRef(str(ONTOLOGY_GRAPH))))
        return ds

    def flush(self) -> None:
        if not self.read_only and self.path is not None:
            self._store.flush()

    def optimize(self) -> None:
        """Compact the store's files: after a large ingestion, reads need fewer lookups and less disk.

        Raises:
            StoreError: when the store cannot be written.
        """
        if self.read_only or self.path is None:
            return
        try:
            self._store.optimize()
        except (OSError, RuntimeError) as exc:
            raise StoreError(f"{self.path}: cannot compact: {_first_line(exc)}") from exc


def _insert(g: Graph | str, graph_name: str) -> str:
    """Write a named graph, and its triples into the default graph too.

    The default graph is the deduplicated union of all graphs that queries run on: Oxigraph's
    own union default graph yields a triple once per graph holding it, and an entity named by
    a thousand documents would multiply every join through it a thousandfold.
    """
    body = g if isinstance(g, str) else g.serialize(format="nt")
    return f"INSERT DATA {{ GRAPH <{graph_name}> {{\n{body}\n}} }} ;\nINSERT DATA {{\n{body}\n}}"


def _nquads(body: str, graph_name: str) -> str:
    """:func:`graph.build.ntriples` text as N-Quads in ``graph_name`` and in the default graph.

    The default graph is the deduplicated union that queries run on (see :func:`_insert`). Each
    line of ``body`` ends in " ." and a line break, and only there: literals escape theirs.
    """
    return body.replace(" .\n", f" <{graph_name}> .\n") + body


RESYNC_UNION = ("DELETE { ?s ?p ?o } WHERE { ?s ?p ?o FILTER NOT EXISTS { GRAPH ?g { ?s ?p ?o } } } ;\n"
                "INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or exc.__class__.__name__
    return text.splitlines()[0]


# ---------------------------------------------------------------------- opening
# Oxigraph documents opening a store read-only while another process writes it as undefined
# behaviour; we saw such opens hang and fail on vanished files. So a read-only open of a store
# that another process holds for writing reads a point-in-time snapshot of its files instead.
_SNAPSHOT_TRIES = 10


def open_directory(path: str | Path, *, read_only: bool = False) -> Store:
    """The store in directory ``path``, or a snapshot of it when another process is writing it.

    A read-only open of a directory that another process is writing (a running ``yalu ingest``
    or ``yalu serve --allow-updates``) reads a snapshot of the store as it was at this moment.

    Raises:
        StoreError: the directory is not a store (read-only), is being written by another
            process (read-write), or cannot be opened.
    """
    path = Path(path)
    holder = writer_pid(path)
    if holder is None or holder == os.getpid():
        return Store(path, read_only=read_only)
    if not read_only:
        raise StoreError(f"{path}: the store is being written by another process (pid {holder}); "
                         "wait for it to finish or open the store read-only")
    return _snapshot_store(path)


def writer_pid(path: str | Path) -> int | None:
    """The id of another process holding the store's write lock, or None (also where unknown).

    Oxigraph (RocksDB) takes a POSIX record lock on ``LOCK``; ``F_GETLK`` asks who holds it
    without taking it. The ``struct flock`` layout below is Linux's, so elsewhere this says None.
    """
    if not sys.platform.startswith("linux"):
        return None
    import fcntl

    try:
        fd = os.open(Path(path) / "LOCK", os.O_RDONLY)
    except OSError:
        return None
    try:
        layout = "hhqqi"  # l_type, l_whence, l_start, l_len, l_pid
        answer = fcntl.fcntl(fd, fcntl.F_GETLK, struct.pack(layout, fcntl.F_WRLCK, os.SEEK_SET, 0, 0, 0))
        kind, _, _, _, pid = struct.unpack(layout, answer[:struct.calcsize(layout)])
        return None if kind == fcntl.F_UNLCK else pid
    except OSError:
        return None
    finally:
        os.close(fd)


def store_files(path: str | Path) -> dict[str, int]:
    """The store's data files and their sizes: any committed write changes them (the write-ahead log grows)."""
    return _files(Path(path))


def snapshot_directory(path: str | Path, target: str | Path) -> None:
    """Copy the store in ``path``, as it is at this moment, into the empty directory ``target``.

    The copy (immutable tables hard-linked) reads like the store did at one instant, whether or
    not another process is writing it: a transaction is in it whole or not at all.

    Raises:
        StoreError: the store's files kept changing while they were copied.
    """
    path, target = Path(path), Path(target)
    for _ in range(_SNAPSHOT_TRIES):
        if _copy_files(path, target):
            return
        for entry in os.scandir(target):
            os.unlink(entry.path)
    raise StoreError(f"{path}: cannot read the store while another process writes it: its files kept changing")


def _files(path: Path) -> dict[str, int]:
    out = {}
    for entry in os.scandir(path):
        if entry.name == "LOCK" or entry.name.startswith("LOG") or not entry.is_file():
            continue
        try:
            out[entry.name] = entry.stat().st_size
        except FileNotFoundError:  # deleted by a compaction while we listed
            continue
    return out


def _copy_files(path: Path, target: Path) -> bool:
    """Copy a store's files (hard links for immutable tables); False if they changed meanwhile."""
    before = _files(path)
    try:
        # tables first and CURRENT last, the order in which the writer publishes them
        for name in sorted(before, key=lambda n: (n == "CURRENT", not n.endswith((".sst", ".blob")))):
            if name.endswith((".sst", ".blob")):
                try:
                    os.link(path / name, target / name)
                    continue
                except OSError:
                    pass  # another file system, or no hard links: copy
            shutil.copyfile(path / name, target / name)
    except FileNotFoundError:
        return False
    after = _files(path)
    # the write-ahead logs may grow (a torn last record is ignored on opening); nothing else may change
    return after.keys() == before.keys() and all(after[n] == before[n] for n in after if not n.endswith(".log"))


def _snapshot_store(path: Path) -> Store:
    root = Path(tempfile.mkdtemp(prefix="yalu-snapshot-"))
    failure = "its files kept changing"
    for attempt in range(_SNAPSHOT_TRIES):
        target = root / str(attempt)
        target.mkdir()
        if _copy_files(path, target):
            try:
                store = Store(target, read_only=True)
            except StoreError as exc:
                failure = str(exc)
            else:
                store.path = path  # messages, and query workers, name the live store
                store.snapshot = target
                weakref.finalize(store, shutil.rmtree, root, True)
                return store
        shutil.rmtree(target, ignore_errors=True)
    shutil.rmtree(root, ignore_errors=True)
    raise StoreError(f"{path}: cannot read the store while another process writes it: {failure}")
