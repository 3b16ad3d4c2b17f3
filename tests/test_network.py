"""graph.views.network: the store projected onto networkx, and the analyses over it.

No spaCy here: the store is filled from hand-made ``ingest.records``, so every node, edge,
date and sentence below is one we wrote and the assertions follow from the fixture alone.
"""
from __future__ import annotations

import networkx as nx
import pandas as pd
import pytest

from graph.build import entity_iri, event_iri
from graph.store import Store
from graph.views.network import brokers, centrality, communities, to_networkx
from ingest.records import Document, Entity, Event, Extraction, Fact, Mention

TEXT = """Xi Jinping leads the Chinese Communist Party.
Xi Jinping met Kim Jong-un in Beijing on 26 March 2018.
Talks between Song Tao and Choe Ryong-hae were held in Pyongyang on 17 November 2017.
The United Nations imposed sanctions on North Korea on 11 September 2017.
Kim Jong-un did not meet Song Tao.
Xi Jinping may visit Pyongyang.
Sergey Lavrov addressed Xi Jinping.
Sergey Lavrov met Choe Ryong-hae in October 2017."""
SECOND = "As general secretary, Xi Jinping heads the Chinese Communist Party."

# key, label, class, aliases, country key
ACTORS = [
    ("china", "China", "State", (), None),
    ("north_korea", "North Korea", "State", ("DPRK",), None),
    ("russia", "Russia", "State", (), None),
    ("united_nations", "United Nations", "InternationalOrganization", ("UN",), None),
    ("xi_jinping", "Xi Jinping", "Person", ("Xi",), "china"),
    ("song_tao", "Song Tao", "Person", (), "china"),
    ("kim_jong_un", "Kim Jong-un", "Person", ("Kim",), "north_korea"),
    ("choe_ryong_hae", "Choe Ryong-hae", "Person", (), "north_korea"),
    ("sergey_lavrov", "Sergey Lavrov", "Person", (), "russia"),
    ("ccp", "Chinese Communist Party", "PoliticalParty", ("CCP",), "china"),
    ("wpk", "Workers' Party of Korea", "PoliticalParty", ("WPK",), "north_korea"),
    ("beijing", "Beijing", "City", (), "china"),
    ("pyongyang", "Pyongyang", "City", (), "north_korea"),
]


def mention(doc: Document, sentence_index: int) -> Mention:
    """The whole of one line of ``doc`` as a mention."""
    lines = doc.text.split("\n")
    start = sum(len(line) + 1 for line in lines[:sentence_index])
    sentence = lines[sentence_index]
    return Mention(doc.id, sentence_index, sentence, start, start + len(sentence), sentence)


def first_extraction() -> Extraction:
    doc = Document.from_text(TEXT, title="Hand-made wire", date="2018-04-01")
    entities = tuple(Entity(key, label, cls, aliases=aliases, in_gazetteer=True) for key, label, cls, aliases, _ in ACTORS)
    # as ingest states them: people and organisations have a country, places are located in one
    facts = [Fact(key, "locatedIn" if cls == "City" else "country", country, source="gazetteer")
             for key, _, cls, _, country in ACTORS if country]
    facts += [
        Fact("xi_jinping", "leaderOf", "ccp", mention=mention(doc, 0)),
        Fact("kim_jong_un", "leaderOf", "wpk", source="gazetteer"),
        Fact("beijing", "capitalOf", "china", source="gazetteer"),
        Fact("xi_jinping", "title", "President", literal=True, source="gazetteer"),
    ]
    events = (
        Event("e1", "Meeting", "met", agents=("xi_jinping",), participants=("kim_jong_un",), date="2018-03-26",
              place="beijing", mentions=(mention(doc, 1),)),
        Event("e2", "Meeting", "talks", participants=("song_tao", "choe_ryong_hae"), date="2017-11-17",
              place="pyongyang", mentions=(mention(doc, 2),)),
        Event("e3", "Sanction", "imposed sanctions", agents=("united_nations",), targets=("north_korea",),
              date="2017-09-11", mentions=(mention(doc, 3),)),
        Event("e4", "Meeting", "meet", agents=("kim_jong_un",), participants=("song_tao",), modality="negated",
              mentions=(mention(doc, 4),)),
        Event("e5", "Visit", "visit", agents=("xi_jinping",), place="pyongyang", participants=("wpk",),
              modality="speculative", mentions=(mention(doc, 5),)),
        Event("e6", "Statement", "addressed", agents=("sergey_lavrov",), targets=("xi_jinping",),
              mentions=(mention(doc, 6),)),
        Event("e7", "Meeting", "met", agents=("sergey_lavrov",), participants=("choe_ryong_hae",), date="2017-10",
              mentions=(mention(doc, 7),)),
    )
    return Extraction(doc, entities=entities, facts=tuple(facts), events=events)


def second_extraction() -> Extraction:
    doc = Document.from_text(SECOND, title="Second wire")
    entities = tuple(Entity(k, label, cls, in_gazetteer=True) for k, label, cls, *_ in ACTORS if k in {"xi_jinping", "ccp"})
    return Extraction(doc, entities=entities, facts=(Fact("xi_jinping", "leaderOf", "ccp", mention=mention(doc, 0)),))


@pytest.fixture(scope="module")
def store() -> Store:
    store = Store()
    assert store.add(first_extraction()) == "added"
    assert store.add(second_extraction()) == "added"
    return store


@pytest.fixture(scope="module")
def graph(store) -> nx.MultiDiGraph:
    return to_networkx(store)


def iri(key: str) -> str:
    return str(entity_iri(key))


def ev(key: str) -> str:
    return str(event_iri(first_extraction().document.id, key))


def interaction(g: nx.MultiDiGraph, a: str, b: str, event_key: str) -> dict | None:
    """The interaction edge for one event between two actors, in either direction."""
    for u, v in ((iri(a), iri(b)), (iri(b), iri(a))):
        for data in g.get_edge_data(u, v, default={}).values():
            if data["kind"] == "interaction" and data["event"] == ev(event_key):
                return data
    return None


def labels(g: nx.MultiDiGraph) -> set[str]:
    return {d["label"] for n, d in g.nodes(data=True) if d["coarse"] != "Event"}


def test_network_nodes_are_actors_and_places_with_class_country_aliases(graph):
    assert labels(graph) == {label for _, label, *_ in ACTORS}
    xi = graph.nodes[iri("xi_jinping")]
    assert (xi["cls"], xi["coarse"], xi["country"], xi["aliases"]) == ("Person", "Person", "China", ["Xi"])
    ccp = graph.nodes[iri("ccp")]
    assert (ccp["cls"], ccp["coarse"], ccp["country"]) == ("PoliticalParty", "Organization", "China")
    beijing = graph.nodes[iri("beijing")]  # a place's country is the state it is located in
    assert (beijing["cls"], beijing["coarse"], beijing["country"]) == ("City", "Place", "China")
    dprk = graph.nodes[iri("north_korea")]  # a state's country is itself
    assert (dprk["cls"], dprk["coarse"], dprk["country"], dprk["aliases"]) == ("State", "State", "North Korea", ["DPRK"])
    assert graph.nodes[iri("united_nations")]["country"] is None


def test_network_node_degree_counts_edges_of_the_projection(graph):
    for n, d in graph.nodes(data=True):
        assert d["degree"] == graph.degree(n)
    assert graph.nodes[iri("xi_jinping")]["degree"] > 0


def test_network_fact_edges_are_typed_and_carry_every_source(graph):
    edges = graph.get_edge_data(iri("xi_jinping"), iri("ccp"))
    assert set(edges) == {"leaderOf"}
    fact = edges["leaderOf"]
    assert (fact["kind"], fact["predicate"], fact["polarity"], fact["event"]) == ("fact", "leaderOf", None, None)
    assert {s["sentence"] for s in fact["sources"]} == {TEXT.split("\n")[0], SECOND}
    assert {s["doc_title"] for s in fact["sources"]} == {"Hand-made wire", "Second wire"}
    assert graph.get_edge_data(iri("beijing"), iri("china"))["capitalOf"]["sources"] == []  # gazetteer: no sentence


def test_network_literal_facts_stay_on_the_node(graph):
    assert "President" not in graph
    facts = graph.nodes[iri("xi_jinping")]["facts"]
    assert {"predicate": "title", "object_label": "President", "source": "gazetteer"}.items() <= \
        next(f for f in facts if f["predicate"] == "title").items()


def test_network_without_facts_keeps_only_interactions(store):
    g = to_networkx(store, include_facts=False)
    assert {d["kind"] for *_, d in g.edges(data=True)} == {"interaction"}


@pytest.mark.parametrize(("a", "b", "key", "predicate", "polarity", "date", "line"), [
    ("xi_jinping", "kim_jong_un", "e1", "meets", "cooperative", "2018-03-26", 1),
    ("song_tao", "choe_ryong_hae", "e2", "meets", "cooperative", "2017-11-17", 2),  # participants only
    ("united_nations", "north_korea", "e3", "sanctions", "conflictual", "2017-09-11", 3),
    ("sergey_lavrov", "xi_jinping", "e6", "addresses", "neutral", None, 6),
    ("sergey_lavrov", "choe_ryong_hae", "e7", "meets", "cooperative", "2017-10", 7),
])
def test_network_events_become_interaction_edges(graph, a, b, key, predicate, polarity, date, line):
    edge = interaction(graph, a, b, key)
    assert edge is not None, f"no {predicate} edge between {a} and {b}"
    assert (edge["predicate"], edge["polarity"], edge["date"]) == (predicate, polarity, date)
    assert edge["event_cls"] == first_extraction().events[int(key[1:]) - 1].cls
    assert [s["sentence"] for s in edge["sources"]] == [TEXT.split("\n")[line]]
    assert edge["sources"][0]["doc_title"] == "Hand-made wire"


def test_network_directed_interactions_point_from_agent_to_target(graph):
    assert graph.has_edge(iri("united_nations"), iri("north_korea"))
    assert not graph.has_edge(iri("north_korea"), iri("united_nations"))
    assert graph.has_edge(iri("sergey_lavrov"), iri("xi_jinping"), key=f"addresses:{ev('e6')}")


def test_network_symmetric_interactions_are_one_edge_per_pair(graph):
    both = [graph.get_edge_data(u, v, default={}) for u, v in
            ((iri("xi_jinping"), iri("kim_jong_un")), (iri("kim_jong_un"), iri("xi_jinping")))]
    assert sum(f"meets:{ev('e1')}" in edges for edges in both) == 1


@pytest.mark.parametrize(("key", "modality"), [("e4", "negated"), ("e5", "speculative")])
def test_network_unasserted_events_make_no_interaction_edge(store, graph, key, modality):
    assert not any(d["event"] == ev(key) for *_, d in graph.edges(data=True))
    with_events = to_networkx(store, include_events=True)
    assert with_events.nodes[ev(key)]["modality"] == modality  # still visible as an event
    assert not any(d["event"] == ev(key) and d["kind"] == "interaction" for *_, d in with_events.edges(data=True))


def test_network_include_events_adds_event_nodes_with_role_edges(store, graph):
    assert not any(d["coarse"] == "Event" for _, d in graph.nodes(data=True))
    g = to_networkx(store, include_events=True)
    node = g.nodes[ev("e1")]
    assert (node["cls"], node["coarse"], node["date"], node["modality"]) == ("Meeting", "Event", "2018-03-26", "asserted")
    roles = {(u, d["predicate"]) for u, _, d in g.in_edges(ev("e1"), data=True)}
    assert roles == {(iri("xi_jinping"), "agent"), (iri("kim_jong_un"), "participant"), (iri("beijing"), "place")}
    assert {d["kind"] for *_, d in g.in_edges(ev("e1"), data=True)} == {"role"}
    assert {(u, d["predicate"]) for u, _, d in g.in_edges(ev("e3"), data=True)} == {
        (iri("united_nations"), "agent"), (iri("north_korea"), "target")}
    assert interaction(g, "xi_jinping", "kim_jong_un", "e1") is not None  # interactions stay


@pytest.mark.parametrize(("since", "until", "kept", "dropped"), [
    ("2018", None, {"e1", "e6"}, {"e2", "e3", "e7"}),
    (None, "2017-12-31", {"e2", "e3", "e6", "e7"}, {"e1"}),
    ("2017-10-15", "2017-11", {"e2", "e6", "e7"}, {"e1", "e3"}),  # month-precise e7 overlaps the window
    ("2017-09-11", "2017-09-11", {"e3", "e6"}, {"e1", "e2", "e7"}),
])
def test_network_window_drops_dated_interactions_outside_it_and_keeps_undated(store, since, until, kept, dropped):
    g = to_networkx(store, since=since, until=until)
    events = {d["event"] for *_, d in g.edges(data=True) if d["kind"] == "interaction"}
    assert events == {ev(k) for k in kept}
    assert not events & {ev(k) for k in dropped}
    assert labels(g) == {label for _, label, *_ in ACTORS}  # the window filters edges, not actors


def test_network_window_applies_to_event_nodes(store):
    g = to_networkx(store, include_events=True, since="2018")
    assert ev("e1") in g and ev("e3") not in g
    assert ev("e6") in g  # undated


@pytest.mark.parametrize("name", ["Kim Jong-un", "kim", "KIM JONG-UN"])
def test_network_ego_keeps_the_neighbourhood_by_label_or_alias(store, name):
    g = to_networkx(store, ego=name, hops=1)
    assert set(g) == {iri("kim_jong_un"), iri("xi_jinping"), iri("north_korea"), iri("wpk")}


def test_network_ego_hops_widen_the_neighbourhood(store):
    one = set(to_networkx(store, ego="Kim", hops=1))
    two = set(to_networkx(store, ego="Kim", hops=2))
    assert one < two
    assert {iri("ccp"), iri("sergey_lavrov"), iri("united_nations"), iri("china")} <= two - one
    assert iri("song_tao") not in two  # three steps: Kim - Xi - China - Song


def test_network_ego_counts_event_nodes_as_a_step(store):
    g = to_networkx(store, ego="Kim", hops=1, include_events=True, include_facts=False)
    assert set(g) == {iri("kim_jong_un"), iri("xi_jinping"), ev("e1"), ev("e4")}  # Song is behind e4
    assert iri("song_tao") in to_networkx(store, ego="Kim", hops=2, include_events=True, include_facts=False)


def test_network_ego_unknown_actor_is_a_key_error_naming_it(store):
    with pytest.raises(KeyError, match="Nobody Known"):
        to_networkx(store, ego="Nobody Known")


@pytest.mark.parametrize(("classes", "expected"), [
    ({"Person"}, {"Xi Jinping", "Song Tao", "Kim Jong-un", "Choe Ryong-hae", "Sergey Lavrov"}),
    ({"Organization"}, {"United Nations", "Chinese Communist Party", "Workers' Party of Korea"}),  # coarse
    ({"PoliticalParty", "City"}, {"Chinese Communist Party", "Workers' Party of Korea", "Beijing", "Pyongyang"}),
    ({"State"}, {"China", "North Korea", "Russia"}),
])
def test_network_classes_filter_fine_or_coarse(store, classes, expected):
    assert labels(to_networkx(store, classes=classes)) == expected


@pytest.mark.parametrize(("countries", "expected"), [
    ({"North Korea"}, {"North Korea", "Kim Jong-un", "Choe Ryong-hae", "Workers' Party of Korea", "Pyongyang"}),
    ({"china", "RUSSIA"}, {"China", "Xi Jinping", "Song Tao", "Chinese Communist Party", "Beijing", "Russia",
                           "Sergey Lavrov"}),
])
def test_network_countries_filter_by_label_case_insensitively(store, countries, expected):
    assert labels(to_networkx(store, countries=countries)) == expected


def test_network_filters_drop_events_left_without_actors(store):
    g = to_networkx(store, include_events=True, countries={"Russia"})
    events = {n for n, d in g.nodes(data=True) if d["coarse"] == "Event"}
    assert events == {ev("e6"), ev("e7")}  # Lavrov's; the others lost every actor
    assert all(g.degree(n) for n in events)


def test_network_filters_combine(store):
    g = to_networkx(store, classes={"Person"}, countries={"China", "North Korea"}, since="2018")
    assert labels(g) == {"Xi Jinping", "Song Tao", "Kim Jong-un", "Choe Ryong-hae"}
    assert [(u, v, d["predicate"]) for u, v, d in g.edges(data=True)] in (
        [(iri("xi_jinping"), iri("kim_jong_un"), "meets")], [(iri("kim_jong_un"), iri("xi_jinping"), "meets")])


def test_network_centrality_is_a_tidy_frame_highest_betweenness_first(graph):
    df = centrality(graph)
    assert isinstance(df, pd.DataFrame)
    assert list(df.columns) == ["node", "label", "class", "country", "degree", "betweenness"]
    assert sorted(df["node"]) == sorted(graph.nodes)
    assert list(df["betweenness"]) == sorted(df["betweenness"], reverse=True)
    assert df["degree"].between(0, 1).all() and df["betweenness"].between(0, 1).all()
    hub = df.iloc[0]
    assert hub["betweenness"] > 0
    assert len(centrality(graph, top=3)) == 3


def test_network_brokers_between_chinese_and_north_korean_actors(store):
    g = to_networkx(store, include_facts=False)  # interactions only: Lavrov is the one go-between
    df = brokers(g, "China", "North Korea")
    assert list(df.columns) == ["node", "label", "country", "brokerage"]
    assert df.iloc[0]["label"] == "Sergey Lavrov"
    assert (df["brokerage"] > 0).all()
    assert list(df["brokerage"]) == sorted(df["brokerage"], reverse=True)
    assert "United Nations" not in set(df["label"])  # on no path between the two sides


def test_network_brokers_without_one_side_is_an_empty_frame_with_columns(store):
    g = to_networkx(store, countries={"China"})
    df = brokers(g, "China", "North Korea")
    assert df.empty
    assert list(df.columns) == ["node", "label", "country", "brokerage"]


def test_network_communities_put_every_node_in_exactly_one(graph):
    df = communities(graph)
    assert list(df.columns) == ["community", "node", "label", "class"]
    assert sorted(df["node"]) == sorted(graph.nodes)
    assert df["node"].is_unique
    by_node = dict(zip(df["label"], df["community"]))
    assert by_node["Xi Jinping"] == by_node["Chinese Communist Party"]


def test_network_analyses_of_an_empty_store_are_empty_frames():
    g = to_networkx(Store())
    assert g.number_of_nodes() == 0
    assert list(centrality(g).columns) == ["node", "label", "class", "country", "degree", "betweenness"]
    assert list(communities(g).columns) == ["community", "node", "label", "class"]
    assert brokers(g).empty
