"""Measure a graph against a gold annotation: precision, recall and F1 of entities, facts, events.

The rules are those of the shared evaluation's vocabulary contract, so the figures are the
ones its scorer prints for the same graph. The graph is read only through that contract:
classes and properties are matched by *local name* (after the last ``#``, ``/`` or ``:``),
names by a normalised form (case, quotes, dashes, possessives and a leading "the" ignored).

- **Entities.** A node whose class (or a superclass, via ``rdfs:subClassOf``) is ``State``,
  ``Person``, ``Organization`` or ``Place`` matches the gold entity of that coarse type
  sharing one of its names. A second node for a gold entity is a duplicate (wrong); a node
  fitting several gold entities is a merged node (wrong).
- **Facts.** Fact triples between matched nodes. A specific predicate also states the
  general one (``leaderOf`` ⊑ ``memberOf`` ⊑ ``affiliatedWith``, ``envoyOf`` ⊑
  ``affiliatedWith``, ``capitalOf`` ⊑ ``locatedIn``); a literal is right when it contains
  the gold text. Optional facts may be predicted but are not required.
- **Events.** An event node matches a gold event of its class when they share an actor and
  its date and place do not contradict the gold; each gold event is matched once. Events
  with a not-happened modality (negated, hypothetical, …) are not asserted; asserting an
  event of the gold's ``must_not`` list is a violation.

    >>> from rdflib import Graph
    >>> g = Graph().parse(format="turtle", data='''
    ...     @prefix y: <https://w3id.org/yalu/ontology#> .
    ...     @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
    ...     y:xi a y:Person ; rdfs:label "Xi Jinping" ; y:country y:prc .
    ...     y:prc a y:State ; rdfs:label "China" .''')
    >>> gold = {"entities": [
    ...     {"id": "xi", "type": "Person", "names": ["Xi Jinping"]},
    ...     {"id": "cn", "type": "State", "names": ["China", "PRC"]}],
    ...     "facts": [["xi", "country", "cn"]]}
    >>> result = score_graph(g, gold)
    >>> result["entities"]["f1"], result["facts"]["f1"], result["overall_f1"]
    (1.0, 1.0, 0.667)
"""
from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

import yaml
from rdflib import Dataset, Graph, Literal
from rdflib.namespace import RDF, RDFS
from rdflib.term import Node
from rdflib.util import guess_format

#: Coarse entity types, in order of precedence for a node typed with several.
COARSE_TYPES = ("State", "Person", "Organization", "Place")
#: Fine classes the contract names, for graphs that do not ship their ``rdfs:subClassOf`` axioms.
FINE_TYPES = {
    "PoliticalParty": "Organization", "GovernmentBody": "Organization", "MilitaryOrganization": "Organization",
    "MediaOrganization": "Organization", "Group": "Organization", "Company": "Organization",
    "InternationalOrganization": "Organization", "City": "Place", "Region": "Place", "Facility": "Place",
    "Country": "State",
}
FACT_PREDICATES = frozenset({"leaderOf", "memberOf", "envoyOf", "partOf", "locatedIn", "affiliatedWith",
                             "country", "title", "capitalOf", "liaisonWith"})
#: Direct sub-property axioms of the contract; :data:`IMPLIED` is their transitive closure.
SUBPROPERTY_OF = {"leaderOf": "memberOf", "memberOf": "affiliatedWith", "envoyOf": "affiliatedWith",
                  "capitalOf": "locatedIn"}
NAME_PREDICATES = frozenset({"label", "prefLabel", "altLabel", "name", "hiddenLabel"})
ACTOR_PREDICATES = frozenset({"agent", "participant", "target"})
DATE_PREDICATES = frozenset({"date", "startDate", "time", "onDate"})
PLACE_PREDICATES = frozenset({"place", "location"})
PROVENANCE_PREDICATES = frozenset({"wasDerivedFrom", "evidence", "mention", "source", "hadPrimarySource"})
MODALITY_PREDICATES = frozenset({"modality", "factuality", "status"})
#: A modality whose local name contains one of these marks an event that did not happen.
NOT_HAPPENED = ("negated", "hypothetical", "speculative", "denied", "planned", "possible", "unlikely")
GOLD_TYPES = (*COARSE_TYPES, "Any")
RESULT_KEYS = ("entities", "duplicates", "merged_nodes", "facts", "events", "must_not_violations", "overall_f1")


def _implied(predicate: str) -> frozenset[str]:
    found: list[str] = []
    while predicate in SUBPROPERTY_OF:
        predicate = SUBPROPERTY_OF[predicate]
        found.append(predicate)
    return frozenset(found)


IMPLIED = {p: _implied(p) for p in SUBPROPERTY_OF}

_LOCAL_SPLIT = re.compile(r"[#/:]")
_DASHES = re.compile(r"[\-\u2010-\u2015]")
_POSSESSIVE = re.compile(r"'s\b")
_PUNCTUATION = re.compile(r"[^\w' ]")
_SPACES = re.compile(r"\s+")
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})


def local_name(term: object) -> str:
    """The part of an IRI after its last ``#``, ``/`` or ``:`` (``"…ontology#Meeting"`` → ``"Meeting"``)."""
    return _LOCAL_SPLIT.split(str(term))[-1]


def normalise(text: object) -> str:
    """A name as compared: NFKC, lower case, straight quotes, no dashes, possessive or leading "the".

    >>> normalise("The Workers’ Party of Korea's")
    "workers' party of korea"
    """
    t = unicodedata.normalize("NFKC", str(text)).lower().translate(_QUOTES)
    t = _POSSESSIVE.sub("", _DASHES.sub(" ", t))
    t = _SPACES.sub(" ", _PUNCTUATION.sub(" ", t)).strip()
    return t[4:] if t.startswith("the ") else t


# ---------------------------------------------------------------------------- gold


def load_gold(path: str | Path) -> dict[str, Any]:
    """Read and check a gold annotation file (the format of the shared evaluation).

    Args:
        path: a YAML file with ``entities`` and optionally ``facts``, ``optional_facts``,
            ``events``, ``optional_events``, ``must_not`` and ``document``.

    Returns:
        The parsed mapping, unchanged.

    Raises:
        OSError: the file cannot be read.
        ValueError: it is not YAML, or not a gold annotation; the message names the file
            and the first bad entry.

    >>> load_gold("tests/fixtures/eval/gold.yaml")["document"]["date"]
    datetime.date(2019, 1, 10)
    """
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ValueError(f"{path}: not valid YAML{where}: {problem}") from None
    check_gold(data, source=str(path))
    return data


def check_gold(data: object, *, source: str = "gold") -> None:
    """Raise ValueError naming ``source`` and the first entry that breaks the gold format."""
    def fail(where: str, reason: str) -> None:
        raise ValueError(f"{source}: {where}: {reason}")

    if not isinstance(data, dict):
        raise ValueError(f"{source}: a gold annotation is a mapping with 'entities', not {type(data).__name__}")
    for key in ("entities", "facts", "optional_facts", "events", "optional_events", "must_not"):
        if key == "entities" and key not in data:
            fail("entities", "missing (the list of gold entities)")
        if data.get(key) is not None and not isinstance(data[key], list):
            fail(key, f"must be a list, not {type(data[key]).__name__}")
    if data.get("document") is not None and not isinstance(data["document"], dict):
        fail("document", "must be a mapping (file, title, date, …)")
    ids: set[str] = set()
    for i, ent in enumerate(data["entities"] or []):
        where = f"entities[{i}]"
        if not isinstance(ent, dict):
            fail(where, "must be a mapping with id, type and names")
        for key in ("id", "type", "names"):
            if key not in ent:
                fail(where, f"missing {key!r}")
        if not isinstance(ent["id"], str):
            fail(where, f"id {ent['id']!r} is not a string")
        if ent["id"] in ids:
            fail(where, f"duplicate id {ent['id']!r}")
        ids.add(ent["id"])
        if ent["type"] not in GOLD_TYPES:
            fail(where, f"type {ent['type']!r} is not one of {', '.join(GOLD_TYPES)}")
        if not isinstance(ent["names"], list) or not ent["names"]:
            fail(where, "names must be a non-empty list")
    for key in ("facts", "optional_facts"):
        for i, fact in enumerate(data.get(key) or []):
            where = f"{key}[{i}]"
            if not isinstance(fact, list) or len(fact) != 3:
                fail(where, f"{fact!r} is not [subject, predicate, object]")
            subj, pred, obj = fact
            if subj not in ids:
                fail(where, f"subject {subj!r} is not an entity id")
            if pred not in FACT_PREDICATES:
                fail(where, f"predicate {pred!r} is not one of {', '.join(sorted(FACT_PREDICATES))}")
            if not (isinstance(obj, str) and obj.startswith("=")) and obj not in ids:
                fail(where, f"object {obj!r} is neither an entity id nor a literal written '=text'")
    event_ids: set[str] = set()
    for key in ("events", "optional_events", "must_not"):
        for i, event in enumerate(data.get(key) or []):
            where = f"{key}[{i}]"
            if not isinstance(event, dict):
                fail(where, "must be a mapping with at least a type")
            needed = {"events": ("id", "type"), "optional_events": ("type",), "must_not": ("type", "evidence")}[key]
            for name in needed:
                if name not in event:
                    fail(where, f"missing {name!r}")
            if "id" in event:
                if event["id"] in event_ids:
                    fail(where, f"duplicate event id {event['id']!r}")
                event_ids.add(event["id"])
            if key == "must_not" and not isinstance(event["evidence"], str):
                fail(where, "evidence must be a string")
            if not isinstance(event.get("participants", []), list):
                fail(where, "participants must be a list of entity ids")
            for role in ("agent", "target"):
                if event.get(role) is not None and not isinstance(event[role], str):
                    fail(where, f"{role} must be one entity id (list others under participants)")
            places = event.get("place") or []
            for actor in (event.get("agent"), event.get("target"), *event.get("participants", []),
                          *(places if isinstance(places, list) else [places])):
                if actor is not None and actor not in ids:
                    fail(where, f"{actor!r} is not an entity id")


@dataclass(frozen=True)
class _Gold:
    entities: dict[str, dict[str, Any]]
    names: dict[str, frozenset[str]]
    required: tuple[str, ...]
    facts: frozenset[tuple]
    allowed_facts: frozenset[tuple]  # required and optional
    events: tuple[dict[str, Any], ...]
    optional_events: tuple[dict[str, Any], ...]
    must_not: tuple[dict[str, Any], ...]

    @classmethod
    def of(cls, data: dict[str, Any]) -> _Gold:
        entities = {e["id"]: e for e in data.get("entities") or []}
        facts = frozenset(tuple(f) for f in data.get("facts") or [])
        return cls(
            entities=entities,
            names={eid: frozenset(normalise(n) for n in e["names"]) for eid, e in entities.items()},
            required=tuple(eid for eid, e in entities.items() if not e.get("optional")),
            facts=facts,
            allowed_facts=facts | {tuple(f) for f in data.get("optional_facts") or []},
            events=tuple(data.get("events") or []),
            optional_events=tuple(data.get("optional_events") or []),
            must_not=tuple(data.get("must_not") or []),
        )

    def candidates(self, node: _Node, coarse: str | None) -> set[str]:
        """Gold entities of the node's coarse type (or ``Any``) sharing one of its names."""
        return {eid for eid, e in self.entities.items()
                if e["type"] in ("Any", coarse) and not node.names.isdisjoint(self.names[eid])}


# ---------------------------------------------------------------------------- graph


@dataclass
class _Node:
    iri: Node
    types: set[str] = field(default_factory=set)  # local names, superclasses included
    names: set[str] = field(default_factory=set)  # normalised


@dataclass
class _Event:
    iri: Node
    types: set[str]
    actors: set[str] = field(default_factory=set)  # gold ids
    date: str | None = None
    place: str | None = None
    provenance: bool = False
    modality: str | None = None

    @property
    def happened(self) -> bool:
        return not (self.modality and any(mark in self.modality for mark in NOT_HAPPENED))


def load_graph(path: str | Path) -> Dataset:
    """Read any RDF file rdflib parses (format guessed from the extension, Turtle otherwise).

    Raises:
        OSError: the file cannot be read.
        ValueError: it does not parse.
    """
    ds = Dataset(default_union=True)
    try:
        ds.parse(str(path), format=guess_format(str(path)) or "turtle")
    except OSError:
        raise
    except Exception as exc:  # noqa: BLE001 - rdflib's parsers raise many unrelated types
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
        raise ValueError(f"{path}: not RDF: {first}") from None
    return ds


def _union(graph: Graph) -> Graph:
    """Read a Dataset as the union of its graphs (a view over the same store, nothing copied)."""
    if isinstance(graph, Dataset) and not graph.default_union:
        return Dataset(store=graph.store, default_union=True)
    return graph


def _superclasses(graph: Graph) -> Callable[[str], frozenset[str]]:
    parents: dict[str, set[str]] = defaultdict(set)
    for sub, sup in graph.subject_objects(RDFS.subClassOf):
        parents[local_name(sub)].add(local_name(sup))
    for fine, coarse in FINE_TYPES.items():
        parents[fine].add(coarse)
    cache: dict[str, frozenset[str]] = {}

    def closure(name: str) -> frozenset[str]:
        if name not in cache:
            seen: set[str] = set()
            todo = [name]
            while todo:
                current = todo.pop()
                if current not in seen:
                    seen.add(current)
                    todo.extend(parents.get(current, ()))
            cache[name] = frozenset(seen)
        return cache[name]

    return closure


def _typed_nodes(graph: Graph) -> dict[Node, _Node]:
    """Every typed node with its types (closed upwards) and normalised names, in graph order."""
    up = _superclasses(graph)
    nodes: dict[Node, _Node] = {}
    for subject, cls in graph.subject_objects(RDF.type):
        nodes.setdefault(subject, _Node(subject)).types.update(up(local_name(cls)))
    for subject, predicate, obj in graph.triples((None, None, None)):
        if isinstance(obj, Literal) and subject in nodes and local_name(predicate) in NAME_PREDICATES:
            nodes[subject].names.add(normalise(obj))
    return nodes


def _coarse(types: Iterable[str]) -> str | None:
    return next((c for c in COARSE_TYPES if c in types), None)


# ---------------------------------------------------------------------------- scoring


def _figures(correct: int, predicted: int, found: int, gold: int) -> dict[str, Any]:
    """P = correct/predicted, R = found/gold; F1 from the rounded P and R, as the shared scorer does."""
    p = round(correct / predicted, 3) if predicted else 0.0
    r = round(found / gold, 3) if gold else 0.0
    f1 = round(2 * p * r / (p + r), 3) if p + r else 0.0
    return {"precision": p, "recall": r, "f1": f1, "tp": found, "correct": correct, "predicted": predicted,
            "gold": gold}


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _dates_agree(gold_date: Any, date: str | None) -> bool:
    """Either date missing, or one is a prefix of the other ("2016-05" agrees with "2016-05-17")."""
    if gold_date is None or date is None:
        return True
    return any(date.startswith(str(d)) or str(d).startswith(date) for d in _as_list(gold_date))


def _actors(gold_event: dict[str, Any], roles: tuple[str, ...]) -> set[str]:
    return set(gold_event.get("participants", [])) | {gold_event[r] for r in roles if gold_event.get(r)}


def score_graph(graph: Graph, gold: dict[str, Any], *, verbose: bool = False) -> dict[str, Any]:
    """Score a graph against a gold annotation.

    Args:
        graph: an rdflib Graph or Dataset (a Dataset is read as the union of its graphs), e.g.
            ``Store.dataset()`` or :func:`load_graph` of an exported file. Ship the ontology's
            ``rdfs:subClassOf`` axioms with it so fine classes reach their coarse type.
        gold: a gold annotation, as returned by :func:`load_gold`.
        verbose: add ``detail``: missed, duplicate, merged and unmatched entities, missed and
            wrong facts, found and missed events, violations, unmatched events.

    Returns:
        ``entities``, ``facts`` and ``events`` figures (``precision``, ``recall``, ``f1``,
        ``tp``, ``predicted``, ``gold``; events add ``date_accuracy``, ``place_accuracy``,
        ``with_provenance``, ``not_happened_recorded``), ``duplicates``, ``merged_nodes``,
        ``must_not_violations`` and ``overall_f1`` (the mean of the three F1).

    Raises:
        ValueError: ``gold`` is not a gold annotation.

    >>> from rdflib import Graph
    >>> score_graph(Graph(), {"entities": [{"id": "xi", "type": "Person", "names": ["Xi"]}]})["entities"]
    {'precision': 0.0, 'recall': 0.0, 'f1': 0.0, 'tp': 0, 'correct': 0, 'predicted': 0, 'gold': 1}
    """
    check_gold(gold, source="gold")
    g = _union(graph)
    ref = _Gold.of(gold)
    nodes = _typed_nodes(g)
    ents = _match_entities(nodes, ref)
    entities = _figures(len(ents.nodes_of), ents.predicted, len(ents.found), len(ref.required))
    predicted_facts, hits = _predicted_facts(g, ref, ents.to_gold)
    facts = _figures(sum(right for _, right in predicted_facts), len(predicted_facts), len(hits), len(ref.facts))
    events = _read_events(g, nodes, ents.to_gold)
    asserted = sorted((e for e in events if e.happened), key=lambda e: str(e.iri))  # as the shared scorer reads them
    matched = _match_events(ref, asserted)
    violations = _violations(ref, asserted)

    event_figures = _figures(len(matched.used), len(asserted), matched.found, len(ref.events))
    event_figures.update(
        date_accuracy=round(matched.dates_right / matched.found, 3) if matched.found else 0.0,
        place_accuracy=round(matched.places_right / matched.found, 3) if matched.found else 0.0,
        with_provenance=round(sum(e.provenance for e in events) / len(events), 3) if events else 0.0,
        not_happened_recorded=len(events) - len(asserted),
    )
    duplicates = {gid: len(iris) - 1 for gid, iris in ents.nodes_of.items() if len(iris) > 1}
    result: dict[str, Any] = {
        "entities": entities, "duplicates": sum(duplicates.values()), "merged_nodes": len(ents.merged),
        "facts": facts, "events": event_figures, "must_not_violations": len(violations),
        "overall_f1": round((entities["f1"] + facts["f1"] + event_figures["f1"]) / 3, 3),
    }
    if verbose:
        result["detail"] = {
            "missed_entities": sorted(eid for eid in ref.required if eid not in ents.nodes_of),
            "duplicate_entities": duplicates,
            "merged": ents.merged,
            "unmatched_entities": ents.unmatched,
            "missed_facts": sorted(str(f) for f in ref.facts - hits),
            "wrong_facts": sorted(str(key) for key, right in predicted_facts if not right),
            "events": matched.outcomes,
            "violations": violations,
            "unmatched_events": [(sorted(e.types - {"Event"}), sorted(e.actors), e.date)
                                 for i, e in enumerate(asserted) if i not in matched.used],
        }
    return result


@dataclass
class _EntityMatch:
    predicted: int = 0  # nodes of a coarse type
    to_gold: dict[Node, str] = field(default_factory=dict)  # nodes matching exactly one gold entity
    nodes_of: dict[str, list[Node]] = field(default_factory=lambda: defaultdict(list))
    merged: list[tuple[list[str], list[str]]] = field(default_factory=list)
    unmatched: list[list[str]] = field(default_factory=list)
    found: list[str] = field(default_factory=list)  # required gold entities with a node


def _match_entities(nodes: dict[Node, _Node], ref: _Gold) -> _EntityMatch:
    """Send each node of a coarse type to one gold entity, to several (merged) or to none."""
    match = _EntityMatch()
    for iri, node in nodes.items():
        coarse = _coarse(node.types)
        if coarse is None:
            continue
        match.predicted += 1
        ids = ref.candidates(node, coarse)
        if len(ids) == 1:
            match.to_gold[iri] = gid = ids.pop()
            match.nodes_of[gid].append(iri)
        elif ids:
            match.merged.append((sorted(node.names)[:3], sorted(ids)))
        else:
            match.unmatched.append(sorted(node.names)[:2] or [local_name(iri)])
    match.found = [eid for eid in ref.required if eid in match.nodes_of]
    return match


def _predicted_facts(g: Graph, ref: _Gold, to_gold: dict[Node, str]) -> tuple[list[tuple[tuple, bool]], set[tuple]]:
    """Distinct fact statements between matched nodes, each with whether it is right; and the gold facts hit."""
    # Literal gold facts as (subject, predicate, normalised text, fact, required).
    literal_gold = [(s, p, normalise(o[1:]), (s, p, o), (s, p, o) in ref.facts)
                    for s, p, o in ref.allowed_facts if isinstance(o, str) and o.startswith("=")]
    predicted: list[tuple[tuple, bool]] = []
    hits: set[tuple] = set()
    seen: set[tuple] = set()
    for subject, predicate, obj in g.triples((None, None, None)):
        name = local_name(predicate)
        if name not in FACT_PREDICATES or subject not in to_gold:
            continue
        gs = to_gold[subject]
        if isinstance(obj, Literal):
            key = (gs, name, normalise(obj))
            if key in seen:
                continue
            contained = [(fact, req) for s, p, text, fact, req in literal_gold
                         if s == gs and p == name and text in key[2]]
            right = bool(contained)
            hits |= {fact for fact, req in contained if req}
        elif obj in to_gold:
            key = (gs, name, to_gold[obj])
            if key in seen:
                continue
            stated = {name} | IMPLIED.get(name, frozenset())
            hits |= {(gs, q, key[2]) for q in stated} & ref.facts
            # A general predicate where the gold has a specific one is right too, though it finds nothing.
            comparable = stated | {q for q, general in IMPLIED.items() if name in general}
            right = any((gs, q, key[2]) in ref.allowed_facts for q in comparable)
        else:
            continue
        seen.add(key)
        predicted.append((key, right))
    return predicted, hits


def _read_events(g: Graph, nodes: dict[Node, _Node], to_gold: dict[Node, str]) -> list[_Event]:
    """Typed nodes of an Event class that are not also entities, with what the contract reads of them."""
    events: list[_Event] = []
    for iri, node in nodes.items():
        if "Event" not in node.types or _coarse(node.types):
            continue
        event = _Event(iri, node.types)
        for predicate, obj in g.predicate_objects(iri):
            name = local_name(predicate)
            if name in ACTOR_PREDICATES and obj in to_gold:
                event.actors.add(to_gold[obj])
            elif name in DATE_PREDICATES and isinstance(obj, Literal):
                event.date = str(obj)[:10]
            elif name in PLACE_PREDICATES and obj in to_gold:
                event.place = to_gold[obj]
            elif name in PROVENANCE_PREDICATES:
                event.provenance = True
            elif name in MODALITY_PREDICATES:
                event.modality = local_name(obj).lower()
        events.append(event)
    return events


def _fits(gold_event: dict[str, Any], event: _Event) -> bool:
    """Same class, a shared actor (if the gold names any), and no contradicting place or date."""
    if gold_event["type"] not in event.types:
        return False
    actors = _actors(gold_event, ("agent", "target"))
    if actors and actors.isdisjoint(event.actors):
        return False
    if gold_event.get("place") and event.place and event.place not in _as_list(gold_event["place"]):
        return False
    return _dates_agree(gold_event.get("date"), event.date)


@dataclass
class _EventMatch:
    used: set[int] = field(default_factory=set)  # indexes of asserted events matched to a gold event
    outcomes: list[tuple[str, str]] = field(default_factory=list)  # ("found" | "missed", required gold id)
    found: int = 0
    dates_right: int = 0
    places_right: int = 0


def maximum_matching(candidates: list[list[int]]) -> dict[int, int]:
    """A maximum one-to-one matching (augmenting paths): row -> the column it takes.

    ``candidates[row]`` lists the columns the row may take, in the order to try them; earlier rows
    are placed first, so a later row never takes a column an earlier one needs.

    >>> maximum_matching([[0, 1], [0]])
    {0: 1, 1: 0}
    """
    owner: dict[int, int] = {}  # column -> row

    def augment(row: int, seen: set[int]) -> bool:
        for column in candidates[row]:
            if column not in seen:
                seen.add(column)
                if column not in owner or augment(owner[column], seen):
                    owner[column] = row
                    return True
        return False

    for row in range(len(candidates)):
        augment(row, set())
    return {row: column for column, row in sorted(owner.items(), key=lambda item: item[1])}


def _match_events(ref: _Gold, asserted: list[_Event]) -> _EventMatch:
    """A maximum one-to-one matching of gold events to asserted events (augmenting paths).

    Required gold events are placed first, so an optional one never takes a prediction a required one
    needs; each gold event tries the predictions that state a date, then a place, first.
    """
    golds = [(True, e) for e in ref.events] + [(False, e) for e in ref.optional_events]
    candidates = [sorted((i for i, e in enumerate(asserted) if _fits(gold_event, e)),
                         key=lambda i: (asserted[i].date is None, asserted[i].place is None, i))
                  for _, gold_event in golds]
    by_gold = maximum_matching(candidates)
    match = _EventMatch(used=set(by_gold.values()))
    for g, (required, gold_event) in enumerate(golds):
        if not required:
            continue
        if g not in by_gold:
            match.outcomes.append(("missed", gold_event["id"]))
            continue
        event = asserted[by_gold[g]]
        match.found += 1
        match.dates_right += gold_event.get("date") is None or bool(
            event.date and _dates_agree(gold_event["date"], event.date))
        match.places_right += gold_event.get("place") is None or event.place in _as_list(gold_event["place"])
        match.outcomes.append(("found", gold_event["id"]))
    return match


def _violations(ref: _Gold, asserted: list[_Event]) -> list[str]:
    """Evidence (first 80 characters) of each must-not event that some asserted event states."""
    found: list[str] = []
    for bad in ref.must_not:
        actors = _actors(bad, ("agent",))
        # Only what the prediction states can violate: an event without a date never matches a dated must-not.
        if any(bad["type"] in e.types and actors <= e.actors
               and (not bad.get("date") or bool(e.date and _dates_agree(bad["date"], e.date)))
               and (not bad.get("place") or e.place in _as_list(bad["place"])) for e in asserted):
            found.append(bad["evidence"][:80])
    return found


def format_report(result: dict[str, Any]) -> str:
    """The figures of :func:`score_graph` as the lines the shared scorer prints."""
    lines = []
    for key in ("entities", "facts", "events"):
        m = result[key]
        lines.append(f"{key:9s} P={m['precision']:.3f} R={m['recall']:.3f} F1={m['f1']:.3f} "
                     f"(tp {m['tp']}, predicted {m['predicted']}, gold {m['gold']})")
    ev = result["events"]
    lines.append(f"events: date accuracy {ev['date_accuracy']}, place accuracy {ev['place_accuracy']}, "
                 f"with provenance {ev['with_provenance']}, recorded as not happened {ev['not_happened_recorded']}")
    lines.append(f"duplicate entity nodes {result['duplicates']}, merged nodes {result['merged_nodes']}, "
                 f"must-not violations {result['must_not_violations']}")
    for key, value in result.get("detail", {}).items():
        lines.append(f"{key}: {value}")
    lines.append(f"overall F1 {result['overall_f1']}")
    return "\n".join(lines)
