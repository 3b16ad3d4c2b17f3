"""Keeping the store's occurrences in step with its documents, in the same write.

The occurrences live in one named graph, :data:`OCCURRENCES_GRAPH`: each ``yalu:Occurrence``,
the ``yalu:occurrence`` link from every asserted event to its occurrence, and each event's
``yalu:fusionKey`` (class, year, actor), the index by which a new report finds the reports that
may tell of the same event. When a document comes or goes, :func:`plan` gathers the reports
related to its events, transitively (key lookups, never a scan of the store), fuses them again
with :func:`graph.fusion.fuse`, and returns the update that replaces their occurrences; the
store runs it in the transaction that writes or drops the document. As fusion depends only on
the set of reports, the store's occurrences never depend on the order documents came in.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from rdflib import Literal, Namespace, URIRef

from graph.build import RDF, RDFS, SYMMETRIC_EDGES, actor_edges, date_literal, entity_iri, event_iri, graph_iri, nt_string
from graph.fusion import Occurrence, Report, fuse, fusion_keys, lookup_keys, related
from ingest.records import Extraction
from ontology.namespace import GRAPH_IRI, YALU

OCCURRENCES_GRAPH = GRAPH_IRI["occurrences"]
OCCURRENCE_IRI = Namespace("https://w3id.org/yalu/occurrence/")
_CONTAINERS = (YALU.locatedIn, YALU.capitalOf, YALU.partOf)
_ROLES = {str(YALU.agent): "agents", str(YALU.participant): "participants", str(YALU.target): "targets"}
_DETAILS = (RDF.type, YALU.agent, YALU.participant, YALU.target, YALU.date, YALU.place, YALU.occurrence)


@dataclass(frozen=True)
class Change:
    """What a document's write does to the occurrences: SPARQL deletions to run first, then N-Triples to add."""

    delete: str
    insert: str


def symmetric_classes() -> frozenset[str]:
    """Event classes whose actors all take part alike: those whose actor edge is symmetric (``meets``)."""
    return frozenset(cls for cls, edge in actor_edges().items() if edge in SYMMETRIC_EDGES)


def reports_of(extraction: Extraction) -> list[Report]:
    """The document's asserted events as fusion reports (IRIs as strings)."""
    doc = extraction.document
    iris = lambda keys: frozenset(str(entity_iri(k)) for k in keys)  # noqa: E731
    return [Report(iri=str(event_iri(doc.id, e.key)), doc=str(graph_iri(doc.id)), cls=e.cls,
                   agents=iris(e.agents), participants=iris((*e.agents, *e.participants, *e.targets)),
                   targets=iris(e.targets), date=e.date, place=str(entity_iri(e.place)) if e.place else None)
            for e in extraction.events if e.modality == "asserted"]


def _values(var: str, terms: Iterable[Any]) -> str:
    return f"VALUES ?{var} {{ {' '.join(sorted(t.n3() for t in terms))} }}"


class _Within(dict):
    """Place or actor -> the places and bodies it lies within, read from the store when first asked."""

    def __init__(self, store, facts: dict[str, set[str]]):
        super().__init__()
        self.store = store
        self.facts = facts

    def get(self, key: str, default: Any = None) -> frozenset[str]:
        if key not in self:
            path = "|".join(f"<{p}>" for p in _CONTAINERS)
            rows = self.store.query(f"SELECT DISTINCT ?y WHERE {{ {_values('x', [URIRef(key)])} ?x ({path})+ ?y }}")
            found = {str(y) for (y,) in rows}
            # the new document's own facts are not in the store yet
            for parent in list(self.facts.get(key, ())):
                found |= {parent} | set(self.get(parent))
            self[key] = frozenset(found)
        return self[key]


def _container_facts(extraction: Extraction | None) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for fact in extraction.facts if extraction else ():
        if not fact.literal and YALU[fact.predicate] in _CONTAINERS:
            out.setdefault(str(entity_iri(fact.subject)), set()).add(str(entity_iri(fact.object)))
    return out


def _details(store, iris: set[str]) -> tuple[dict[str, Report], dict[str, str]]:
    """Stored reports by IRI, and the occurrence each is linked to."""
    if not iris:
        return {}, {}
    # each event's IRI written into its own pattern: Oxigraph then reads it by index, where a VALUES
    # list joined with GRAPH ?g { ?e ?p ?o } had it scan (a fifth of an ingestion's time)
    branches = " UNION ".join(f"{{ BIND({URIRef(i).n3()} AS ?e) GRAPH ?g {{ {URIRef(i).n3()} ?p ?o }} }}"
                              for i in sorted(iris))
    rows = store.query(f"SELECT ?e ?g ?p ?o WHERE {{ {_values('p', _DETAILS)} {branches} }}")
    fields: dict[str, dict[str, Any]] = {}
    occurrence: dict[str, str] = {}
    for e, g, p, o in rows:
        if p == str(YALU.occurrence):
            occurrence[e] = o
            continue
        f = fields.setdefault(e, {"iri": e, "agents": set(), "participants": set(), "targets": set()})
        if p in _ROLES:
            f[_ROLES[p]].add(o)
        elif p == str(RDF.type):
            f["doc"], f["cls"] = g, o.rsplit("#", 1)[-1]
        elif p == str(YALU.date):
            f["date"] = o
        else:
            f["place"] = o
    reports = {e: Report(**{k: frozenset(v) if isinstance(v, set) else v for k, v in f.items()})
               for e, f in fields.items() if "cls" in f}
    return reports, occurrence


def _candidates(store, frontier: list[Report]) -> set[str]:
    """IRIs of stored reports that may be related to one of ``frontier``: index lookups only."""
    keys = set().union(*(lookup_keys(r) or set() for r in frontier))
    found: set[str] = set()
    if keys:
        rows = store.query(f"SELECT DISTINCT ?e WHERE {{ {_values('k', map(Literal, keys))} "
                           f"GRAPH <{OCCURRENCES_GRAPH}> {{ ?e <{YALU.fusionKey}> ?k }} }}")
        found |= {e for (e,) in rows}
    undated = {(YALU[r.cls], URIRef(a)) for r in frontier if r.date is None for a in r.participants}
    if undated:  # an undated report may be related to one of any year: look up the actor's reports of the class
        pairs = " ".join(f"({c.n3()} {a.n3()})" for c, a in sorted(undated))
        rows = store.query(f"SELECT DISTINCT ?e WHERE {{ VALUES (?c ?a) {{ {pairs} }} GRAPH ?g {{ ?e a ?c ; "
                           f"<{YALU.participant}> ?a }} GRAPH <{OCCURRENCES_GRAPH}> {{ ?e <{YALU.fusionKey}> ?k }} }}")
        found |= {e for (e,) in rows}
    return found


def plan(store, *, added: Iterable[Report] = (), removed_graphs: Iterable[str] = (),
         extraction: Extraction | None = None, union: bool = True) -> Change:
    """The update that brings the occurrences in step when ``added`` come and ``removed_graphs`` go.

    Args:
        store: the store before the write (anything with ``query``).
        added: the reports of the document being written (:func:`reports_of`).
        removed_graphs: named graphs of documents being dropped or replaced.
        extraction: the document being written, whose place facts are not in the store yet.
        union: also write into and delete from the default graph (the embedded store's union copy).
    """
    added = list(added)
    removed_graphs = list(removed_graphs)
    removed: set[str] = set()
    if removed_graphs:
        rows = store.query(f"SELECT DISTINCT ?e WHERE {{ {_values('g', map(URIRef, removed_graphs))} "
                           f"GRAPH ?g {{ ?e <{YALU.modality}> <{YALU.asserted}> }} }}")
        removed = {e for (e,) in rows}
    symmetric = symmetric_classes()
    within = _Within(store, _container_facts(extraction))
    known, occurrence_of = _details(store, removed)
    frontier = [*added, *known.values()]
    fetched: dict[str, Report] = {}  # a candidate unrelated to this frontier may be related to a later one
    while frontier:
        ids = _candidates(store, frontier) - set(known) - {r.iri for r in added}
        found, more = _details(store, ids - set(fetched))
        fetched.update(found)
        occurrence_of.update(more)
        fresh = [fetched[i] for i in sorted(ids) if i in fetched
                 and any(related(fetched[i], f, symmetric=symmetric, within=within) for f in frontier)]
        known.update((c.iri, c) for c in fresh)
        frontier = fresh
    stale = {occurrence_of[e] for e in known if e in occurrence_of}
    kept = [r for e, r in known.items() if e not in removed]
    occurrences = fuse([*kept, *added], symmetric=symmetric, within=within)
    lines = _occurrence_lines(store, occurrences, extraction)
    lines += [f"<{r.iri}> <{YALU.fusionKey}> {Literal(k).n3()} ." for r in added for k in sorted(fusion_keys(r))]
    return Change(delete=_deletions(stale, removed, union), insert="\n".join(lines) + "\n" if lines else "")


def _deletions(stale: set[str], removed: set[str], union: bool) -> str:
    graph = f"<{OCCURRENCES_GRAPH}>"
    out = []
    for var, triple, iris in (("o", "?o ?p ?v", stale), ("o", f"?e <{YALU.occurrence}> ?o", stale),
                              ("e", f"?e <{YALU.fusionKey}> ?v", removed)):
        if iris:
            copy = triple if union else ""
            out.append(f"DELETE {{ GRAPH {graph} {{ {triple} }} {copy} }} WHERE {{ "
                       f"{_values(var, map(URIRef, iris))} GRAPH {graph} {{ {triple} }} }} ;\n")
    return "".join(out)


def _labels(store, occurrences: list[Occurrence], extraction: Extraction | None) -> dict[str, str]:
    actors = {a for o in occurrences for a in o.participants}
    names: dict[str, set[str]] = {}
    for entity in extraction.entities if extraction else ():
        names.setdefault(str(entity_iri(entity.key)), set()).add(entity.label)
    if actors:
        rows = store.query(f"SELECT ?a ?l WHERE {{ {_values('a', map(URIRef, actors))} ?a <{RDFS.label}> ?l }}")
        for a, label in rows:
            names.setdefault(a, set()).add(label)
    return {a: min(ls) for a, ls in names.items()}  # min: the same label whichever document came first


def _occurrence_lines(store, occurrences: list[Occurrence], extraction: Extraction | None) -> list[str]:
    labels = _labels(store, occurrences, extraction) if occurrences else {}
    lines = []
    for o in occurrences:
        node = f"<{OCCURRENCE_IRI[o.key]}>"
        actors = [*o.agents, *(a for a in o.participants if a not in o.agents and a not in o.targets), *o.targets]
        names = [labels.get(a, a.rsplit("/", 1)[-1]) for a in actors]
        title = f"{o.cls}: {', '.join(names[:4])}" + (f" ({o.date})" if o.date else "")
        lines += [f"{node} <{RDF.type}> <{YALU.Occurrence}> .",
                  f"{node} <{YALU.eventClass}> <{YALU[o.cls]}> .",
                  f"{node} <{RDFS.label}> {nt_string(title)} .",  # labels may hold line breaks
                  f"{node} <{YALU.sourceCount}> {Literal(len(o.sources)).n3()} ."]
        lines += [f"{node} <{YALU[role]}> <{a}> ." for role, found in
                  (("agent", o.agents), ("participant", o.participants), ("target", o.targets)) for a in found]
        if o.date:
            lines.append(f"{node} <{YALU.date}> {date_literal(o.date).n3()} .")
        lines += [f"{node} <{YALU.reportedDate}> {date_literal(d).n3()} ." for d in o.reported_dates]
        if o.conflict:
            lines.append(f"{node} <{YALU.conflict}> {Literal(True).n3()} .")
        if o.place:
            lines.append(f"{node} <{YALU.place}> <{o.place}> .")
        lines += [f"<{m}> <{YALU.occurrence}> {node} ." for m in o.members]
    return lines


def insert_text(change: Change, *, union: bool = True) -> str:
    """``change``'s additions as SPARQL INSERT DATA operations (into the default graph too, with ``union``)."""
    if not change.insert:
        return ""
    copy = f" ;\nINSERT DATA {{\n{change.insert}}}" if union else ""
    return f"INSERT DATA {{ GRAPH <{OCCURRENCES_GRAPH}> {{\n{change.insert}}} }}{copy} ;\n"


def nquads(change: Change) -> str:
    """``change``'s additions as N-Quads in the occurrences graph and in the default graph."""
    return change.insert.replace(" .\n", f" <{OCCURRENCES_GRAPH}> .\n") + change.insert

