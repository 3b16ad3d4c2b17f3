"""Project the store onto networkx: actors and places as nodes, facts and interactions as edges.

Nodes carry ``label``, ``cls``, ``coarse``, ``country``, ``aliases``, ``facts`` and
``mentions``; edges carry ``predicate``, ``kind`` (fact, interaction, role), ``polarity``,
``event``, ``event_cls``, ``event_label``, ``date`` and ``sources``. A symmetric interaction
(``meets``, ``cooperatesWith``, ``interactsWith``) is one edge per pair and event, drawn from
the smaller IRI to the larger.

    >>> from graph.store import Store
    >>> from graph.app.corpus import ingest_texts
    >>> store = Store()
    >>> _ = ingest_texts(store, ["Xi Jinping met Kim Jong-un in Beijing in March 2018."])
    >>> g = to_networkx(store)
    >>> [d["predicate"] for _, _, d in g.edges("https://w3id.org/yalu/id/kim_jong_un", data=True)]
    ['meets']
"""
from __future__ import annotations

from collections import defaultdict
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

import networkx as nx

from graph.build import actor_edges, ontology_graph
from graph.store import Store
from ontology.actors import COARSE_CLASS
from ontology.namespace import YALU

NETWORK_QUERIES = Path(__file__).resolve().parent / "queries"
SYMMETRIC = {"meets", "cooperatesWith", "interactsWith"}
CENTRALITY_COLUMNS = ("node", "label", "class", "country", "degree", "betweenness")
BROKER_COLUMNS = ("node", "label", "country", "brokerage")
COMMUNITY_COLUMNS = ("community", "node", "label", "class")


def _local(iri: str | None) -> str | None:
    return None if iri is None else str(iri).rsplit("#", 1)[-1]


@lru_cache(maxsize=None)
def _query(name: str) -> str:
    return (NETWORK_QUERIES / f"{name}.rq").read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def polarities() -> dict[str, str]:
    """Interaction property local name -> cooperative, conflictual or neutral (from the ontology)."""
    g = ontology_graph()
    return {_local(str(p)): str(o) for p, o in g.subject_objects(YALU.polarity)}


@lru_cache(maxsize=1)
def event_classes() -> frozenset[str]:
    from rdflib.namespace import RDFS

    g = ontology_graph()
    out = set()
    frontier = [YALU.Event]
    while frontier:
        cls = frontier.pop()
        out.add(_local(str(cls)))
        frontier += list(g.subjects(RDFS.subClassOf, cls))
    return frozenset(out)


def _source(sentence: str | None, doc: str | None, title: str | None) -> dict[str, Any] | None:
    if not sentence:
        return None
    return {"sentence": sentence, "document": doc, "doc_title": title}


def _in_window(date: str | None, since: str | None, until: str | None) -> bool:
    if date is None:
        return True
    if since and date < since[: len(date)]:
        return False
    if until and date[: len(until)] > until:
        return False
    return True


def to_networkx(store: Store, *, include_events: bool = False, since: str | None = None,
                until: str | None = None, ego: str | None = None, hops: int = 1,
                classes: Iterable[str] | None = None, countries: Iterable[str] | None = None,
                include_facts: bool = True, only_stated: bool = False) -> nx.MultiDiGraph:
    """The store as a typed, dated multigraph.

    Args:
        store: the store to read.
        include_events: add event nodes linked to their actors and place (``kind="role"`` edges).
        since, until: keep only events (and their edges) dated in this ISO window; undated ones stay.
        ego: a name or alias; keep the actor's neighbourhood of ``hops`` steps.
        classes: keep nodes of these classes (fine or coarse, e.g. ``{"Person", "State"}``).
        countries: keep nodes whose country (a state's own label, the state a place is located
            in) is one of these labels.
        include_facts: add fact edges (leaderOf, partOf, ...) besides interactions.
        only_stated: keep only the facts a document states, not gazetteer background or inference.
            Fact edges carry ``asserted_by`` (the sorted kinds of their assertions) and ``stated``
            (a document states them) either way, so a view can tell them apart.
    """
    g = nx.MultiDiGraph(title="Yalu")
    for e, cls, label, country, country_label, aliases in store.query(_query("nodes")).rows:
        fine = _local(cls)
        if fine not in COARSE_CLASS:
            continue
        node = g.nodes.get(e)
        if node is not None:  # an entity typed twice (rare): keep the more specific class
            if COARSE_CLASS[fine] == fine:
                continue
        coarse = COARSE_CLASS[fine]
        g.add_node(e, label=label, cls=fine, coarse=coarse,
                   country=label if coarse == "State" else country_label,
                   aliases=sorted(set(filter(None, (aliases or "").split("\u001f")))),
                   facts=[], mentions=[], degree=0)
    for e, sentence, doc, title in store.query(_query("mentions")).rows:
        if e in g and len(g.nodes[e]["mentions"]) < 50:
            src = _source(sentence, doc, title)
            if src and src not in g.nodes[e]["mentions"]:
                g.nodes[e]["mentions"].append(src)
    fact_sources: dict[tuple[str, str, str], list[dict]] = defaultdict(list)
    asserted_by: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for s, p, o, source, sentence, doc, title in store.query(_query("facts")).rows:
        if s not in g or (only_stated and source != "text"):
            continue
        asserted_by[(s, _local(p), o)].add(source)
        pred = _local(p)
        obj_label = g.nodes[o]["label"] if o in g else o
        entry = {"predicate": pred, "object_label": obj_label, "source": source, "sentence": sentence,
                 "doc_title": title}
        if entry not in g.nodes[s]["facts"]:
            g.nodes[s]["facts"].append(entry)
        node = g.nodes[s]
        if pred == "locatedIn" and node["coarse"] == "Place" and not node["country"] and o in g \
                and g.nodes[o]["coarse"] == "State":  # ingest states a place's country as locatedIn
            node["country"] = g.nodes[o]["label"]
        if o in g and include_facts:
            src = _source(sentence, doc, title)
            if src:
                fact_sources[(s, pred, o)].append(src)
            else:
                fact_sources.setdefault((s, pred, o), [])
    for (s, pred, o), sources in fact_sources.items():
        kinds = sorted(asserted_by[(s, pred, o)])
        g.add_edge(s, o, key=f"{pred}", predicate=pred, kind="fact", polarity=None, event=None,
                   event_cls=None, event_label=None, date=None, sources=sources, asserted_by=kinds,
                   stated="text" in kinds)
    _add_events(g, store, include_events=include_events, since=since, until=until)
    g = _filter(g, ego=ego, hops=hops, classes=classes, countries=countries)
    for n in g.nodes:
        g.nodes[n]["degree"] = g.degree(n)
    return g


def _add_events(g: nx.MultiDiGraph, store: Store, *, include_events: bool, since: str | None,
                until: str | None) -> None:
    events: dict[str, dict[str, Any]] = {}
    for ev, cls, label, date, modality, role, actor, sentence, doc, title in store.query(_query("events")).rows:
        fine = _local(cls)
        if fine not in event_classes() or fine == "Event":
            continue
        rec = events.setdefault(ev, {"cls": fine, "label": label, "date": date, "modality": _local(modality),
                                     "roles": defaultdict(list), "sources": []})
        if role and actor and actor not in rec["roles"][_local(role)]:
            rec["roles"][_local(role)].append(actor)
        src = _source(sentence, doc, title)
        if src and src not in rec["sources"]:
            rec["sources"].append(src)
    edges = actor_edges()
    for ev, rec in events.items():
        if not _in_window(rec["date"], since, until):
            continue
        agents = [a for a in rec["roles"]["agent"] if a in g]
        targets = [a for a in rec["roles"]["target"] if a in g]
        participants = [a for a in rec["roles"]["participant"] if a in g and a not in agents and a not in targets]
        if include_events:
            g.add_node(ev, label=rec["label"], cls=rec["cls"], coarse="Event", country=None, aliases=[],
                       facts=[], mentions=rec["sources"], date=rec["date"], modality=rec["modality"], degree=0)
            for role in ("agent", "participant", "target", "place"):
                for actor in rec["roles"][role]:
                    if actor in g and actor != ev and (role != "participant" or actor in participants):
                        g.add_edge(actor, ev, key=f"{role}:{ev}", predicate=role, kind="role", polarity=None,
                                   event=ev, event_cls=rec["cls"], event_label=rec["label"], date=rec["date"],
                                   sources=rec["sources"])
        if rec["modality"] != "asserted":
            continue
        pred = _local(str(edges.get(rec["cls"], YALU.interactsWith)))
        sources_ = agents or participants
        others = targets + [p for p in participants if p not in sources_]
        pairs = [(a, b) for a in sources_ for b in others if a != b]
        if not agents and pred in SYMMETRIC:  # "talks between A and B": no agent, the participants meet
            pairs += [(a, b) for i, a in enumerate(participants) for b in participants[i + 1:]]
        if pred in SYMMETRIC:
            pairs = [(a, b) for a, b in pairs if a < b] + [(b, a) for a, b in pairs if b < a]
        for a, b in dict.fromkeys(pairs):
            g.add_edge(a, b, key=f"{pred}:{ev}", predicate=pred, kind="interaction",
                       polarity=polarities().get(pred, "neutral"), event=ev, event_cls=rec["cls"],
                       event_label=rec["label"], date=rec["date"], sources=rec["sources"])


def find_node(g: nx.Graph, name: str) -> str | None:
    """The node whose label or alias is ``name`` (case-insensitive), else None."""
    wanted = name.casefold()
    for n, data in g.nodes(data=True):
        if data.get("label", "").casefold() == wanted or wanted in (a.casefold() for a in data.get("aliases", [])):
            return n
    return None


def _filter(g: nx.MultiDiGraph, *, ego: str | None, hops: int, classes: Iterable[str] | None,
            countries: Iterable[str] | None) -> nx.MultiDiGraph:
    if classes:
        wanted = set(classes) | {"Event"}
        keep = [n for n, d in g.nodes(data=True) if d["cls"] in wanted or d["coarse"] in wanted]
        g = g.subgraph(keep).copy()
    if countries:
        wanted = {c.casefold() for c in countries}
        keep = [n for n, d in g.nodes(data=True)
                if d["coarse"] == "Event" or (d.get("country") or "").casefold() in wanted]
        g = g.subgraph(keep).copy()
    if classes or countries:  # an event whose every actor was filtered out says nothing here
        g.remove_nodes_from([n for n, d in g.nodes(data=True) if d["coarse"] == "Event" and not g.degree(n)])
    if ego:
        center = find_node(g, ego)
        if center is None:
            raise KeyError(f"no actor named {ego!r} in the graph")
        keep = nx.ego_graph(g.to_undirected(as_view=True), center, radius=hops).nodes
        g = g.subgraph(keep).copy()
    return g


def centrality(g: nx.MultiDiGraph, *, top: int | None = None):
    """Degree and betweenness centrality of every actor, highest betweenness first.

    Returns a pandas DataFrame when pandas is installed, else a list of dicts.
    """
    simple = nx.Graph(g.to_undirected())
    between = nx.betweenness_centrality(simple) if simple.number_of_nodes() else {}
    degree = nx.degree_centrality(simple) if simple.number_of_nodes() > 1 else {n: 0.0 for n in simple}
    rows = [{"node": n, "label": g.nodes[n]["label"], "class": g.nodes[n]["cls"],
             "country": g.nodes[n].get("country"), "degree": degree.get(n, 0.0),
             "betweenness": between.get(n, 0.0)} for n in g.nodes]
    rows.sort(key=lambda r: (-r["betweenness"], -r["degree"], r["label"]))
    return _tidy(rows[:top] if top else rows, CENTRALITY_COLUMNS)


def brokers(g: nx.MultiDiGraph, side_a: str = "China", side_b: str = "North Korea", *, top: int | None = 10):
    """Actors that lie on shortest paths between the actors of two countries (by country label).

    Returns a DataFrame (or list of dicts) with each broker's share of those paths.
    """
    simple = nx.Graph(g.to_undirected())
    a = [n for n in simple if (g.nodes[n].get("country") or "") == side_a]
    b = [n for n in simple if (g.nodes[n].get("country") or "") == side_b]
    scores = nx.betweenness_centrality_subset(simple, a, b, normalized=True) if a and b else {}
    rows = [{"node": n, "label": g.nodes[n]["label"], "country": g.nodes[n].get("country"),
             "brokerage": s} for n, s in scores.items() if s > 0]
    rows.sort(key=lambda r: (-r["brokerage"], r["label"]))
    return _tidy(rows[:top] if top else rows, BROKER_COLUMNS)


def communities(g: nx.MultiDiGraph):
    """Greedy-modularity communities: one row per node with its community number."""
    simple = nx.Graph(g.to_undirected())
    groups = nx.community.greedy_modularity_communities(simple) if simple.number_of_edges() else [set(simple)]
    rows = [{"community": i, "node": n, "label": g.nodes[n]["label"], "class": g.nodes[n]["cls"]}
            for i, members in enumerate(groups) for n in sorted(members)]
    return _tidy(rows, COMMUNITY_COLUMNS)


def _tidy(rows: list[dict[str, Any]], columns: tuple[str, ...]):
    try:
        import pandas as pd
    except ImportError:
        return rows
    return pd.DataFrame(rows, columns=list(columns))
