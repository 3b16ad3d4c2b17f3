"""graph.app.evaluate: each scoring rule on a hand-written graph, and equivalence with the shared scorer."""
from __future__ import annotations

import copy
import doctest
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from rdflib import Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, RDFS, SKOS

from graph.app import evaluate
from graph.app.evaluate import RESULT_KEYS, format_report, load_gold, load_graph, normalise, score_graph

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "eval"
SHARED_EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval"
SHARED_GOLD = sorted((SHARED_EVAL / "gold").glob("*.yaml")) if (SHARED_EVAL / "gold").is_dir() else []

V = Namespace("https://example.org/vocab/")
E = Namespace("https://example.org/entity/")
EV = Namespace("https://example.org/event/")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")  # a plain Namespace: pytest probing rdflib's XSD warns


@pytest.fixture(scope="module")
def gold() -> dict[str, Any]:
    return load_gold(FIXTURES / "gold.yaml")


@pytest.fixture()
def graph() -> Graph:
    """The hand-written graph; tests change it, so each gets a fresh parse."""
    return load_graph(FIXTURES / "graph.ttl")


@pytest.fixture(scope="module")
def scorer() -> ModuleType:
    """The shared reference scorer, imported from ../shared (it is not ours, never copied)."""
    path = SHARED_EVAL / "score.py"
    if not path.is_file():
        pytest.skip(f"{path} is absent (../shared is not part of this repository)")
    spec = importlib.util.spec_from_file_location("yalu_shared_score", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up while being defined
    spec.loader.exec_module(module)
    return module


def _figures(result: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in result.items() if k != "detail"}


# ---------------------------------------------------------------------------- the whole fixture


def test_evaluate_fixture_figures(graph, gold) -> None:
    # Worked out by hand from the comments in graph.ttl.
    assert _figures(score_graph(graph, gold)) == {
        "entities": {"precision": 0.692, "recall": 0.8, "f1": 0.742, "tp": 8, "correct": 9, "predicted": 13,
                     "gold": 10},
        "duplicates": 1,
        "merged_nodes": 1,
        "facts": {"precision": 0.75, "recall": 0.857, "f1": 0.8, "tp": 6, "correct": 6, "predicted": 8, "gold": 7},
        "events": {"precision": 0.6, "recall": 1.0, "f1": 0.75, "tp": 2, "correct": 3, "predicted": 5, "gold": 2,
                   "date_accuracy": 0.5, "place_accuracy": 1.0, "with_provenance": 0.667,
                   "not_happened_recorded": 1},
        "must_not_violations": 0,
        "overall_f1": 0.764,
    }


def test_evaluate_dataset_is_read_as_union(graph, gold) -> None:
    ds = Dataset()  # default_union off, as Store.dataset() returns it
    triples = list(graph.triples((None, None, None)))
    for i, triple in enumerate(triples):
        ds.graph(URIRef(f"urn:test:g{i % 3}")).add(triple)
    assert _figures(score_graph(ds, gold)) == _figures(score_graph(graph, gold))


# ---------------------------------------------------------------------------- entities


@pytest.mark.parametrize(("text", "expected"), [
    ("Kim Jong-un", "kim jong un"),
    ("KIM  JONG\u2013UN", "kim jong un"),
    ("The Workers\u2019 Party of Korea's", "workers' party of korea"),
    ("the Great Hall of the People", "great hall of the people"),
    ("U.S.", "u s"),
    ("Theodore", "theodore"),
])
def test_evaluate_normalise(text, expected) -> None:
    assert normalise(text) == expected


def test_evaluate_entity_match_by_name_and_coarse_type(graph, gold) -> None:
    result = score_graph(graph, gold, verbose=True)
    # KCNA typed Person does not match the Organization of that name; Ri is merged with Kim.
    assert result["detail"]["missed_entities"] == ["kcna", "ri_sol_ju"]
    assert ["kcna"] in result["detail"]["unmatched_entities"]
    graph.remove((E.kcna, RDF.type, V.Person))
    graph.add((E.kcna, RDF.type, V.MediaOrganization))  # a fine class reaches Organization
    after = score_graph(graph, gold, verbose=True)
    assert after["detail"]["missed_entities"] == ["ri_sol_ju"]
    assert after["entities"]["tp"] == result["entities"]["tp"] + 1


def test_evaluate_entity_coarse_type_through_subclass_axioms(graph, gold) -> None:
    # e:cpc is a v:Party, which reaches Organization only through the graph's rdfs:subClassOf.
    assert "cpc" not in score_graph(graph, gold, verbose=True)["detail"]["missed_entities"]
    graph.remove((V.Party, RDFS.subClassOf, V.PoliticalParty))
    assert "cpc" in score_graph(graph, gold, verbose=True)["detail"]["missed_entities"]


def test_evaluate_optional_entity_counts_for_precision_only(graph, gold) -> None:
    with_yalu = score_graph(graph, gold)["entities"]
    graph.remove((E.yalu, None, None))
    without = score_graph(graph, gold)["entities"]
    assert (with_yalu["tp"], with_yalu["gold"]) == (without["tp"], without["gold"])
    assert (with_yalu["predicted"], without["predicted"]) == (13, 12)
    assert without["precision"] == round(8 / 12, 3)


def test_evaluate_duplicate_node_is_wrong(graph, gold) -> None:
    result = score_graph(graph, gold, verbose=True)
    assert result["duplicates"] == 1
    assert result["detail"]["duplicate_entities"] == {"xi_jinping": 1}
    graph.remove((E.xi2, None, None))
    after = score_graph(graph, gold)
    assert after["duplicates"] == 0
    assert after["entities"]["precision"] == round(9 / 12, 3)


def test_evaluate_merged_node_is_wrong(graph, gold) -> None:
    result = score_graph(graph, gold, verbose=True)
    assert result["merged_nodes"] == 1
    assert result["detail"]["merged"] == [(["kim", "ri sol ju"], ["kim_jong_un", "ri_sol_ju"])]
    graph.remove((E.ri, SKOS.altLabel, Literal("Kim")))
    after = score_graph(graph, gold)
    assert after["merged_nodes"] == 0
    assert after["entities"]["tp"] == 9


# ---------------------------------------------------------------------------- facts


def _pair_graph(*triples: tuple) -> Graph:
    g = Graph()
    g.add((E.xi, RDF.type, V.Person))
    g.add((E.xi, RDFS.label, Literal("Xi Jinping")))
    g.add((E.cpc, RDF.type, V.PoliticalParty))
    g.add((E.cpc, RDFS.label, Literal("CPC")))
    for triple in triples:
        g.add(triple)
    return g


PAIR_ENTITIES = [{"id": "xi", "type": "Person", "names": ["Xi Jinping"]},
                 {"id": "cpc", "type": "Organization", "names": ["CPC"]}]


@pytest.mark.parametrize(("gold_predicates", "predicted", "tp", "precision"), [
    (["memberOf", "affiliatedWith"], "leaderOf", 2, 1.0),   # leaderOf ⊑ memberOf ⊑ affiliatedWith
    (["memberOf", "affiliatedWith"], "memberOf", 2, 1.0),
    (["memberOf", "affiliatedWith"], "affiliatedWith", 1, 1.0),
    (["affiliatedWith"], "envoyOf", 1, 1.0),                 # envoyOf ⊑ affiliatedWith
    (["leaderOf"], "affiliatedWith", 0, 1.0),                # more general than the gold: right, finds nothing
    (["memberOf"], "partOf", 0, 0.0),
    (["memberOf"], "liaisonWith", 0, 0.0),
])
def test_evaluate_fact_subproperty_implication(gold_predicates, predicted, tp, precision) -> None:
    gold = {"entities": PAIR_ENTITIES, "facts": [["xi", p, "cpc"] for p in gold_predicates]}
    facts = score_graph(_pair_graph((E.xi, V[predicted], E.cpc)), gold)["facts"]
    assert (facts["tp"], facts["predicted"], facts["precision"]) == (tp, 1, precision)


def test_evaluate_fact_counted_once_across_duplicate_triples() -> None:
    gold = {"entities": PAIR_ENTITIES, "facts": [["xi", "memberOf", "cpc"]]}
    g = _pair_graph((E.xi, V.memberOf, E.cpc), (E.xi, URIRef("urn:other#memberOf"), E.cpc))
    assert score_graph(g, gold)["facts"]["predicted"] == 1


@pytest.mark.parametrize(("title", "tp", "precision"), [
    ("Chinese President", 1, 1.0),
    ("PRESIDENT of the People's Republic", 1, 1.0),
    ("General Secretary", 0, 1.0),   # an optional fact of the gold: right, not required
    ("Premier", 0, 0.0),
])
def test_evaluate_fact_literal_containment(gold, title, tp, precision) -> None:
    g = _pair_graph((E.xi, V.title, Literal(title)))
    facts = score_graph(g, gold)["facts"]
    assert (facts["tp"], facts["predicted"], facts["precision"]) == (tp, 1, precision)


def test_evaluate_fact_of_merged_or_unmatched_node_is_not_scored(graph, gold) -> None:
    before = score_graph(graph, gold)["facts"]["predicted"]
    graph.add((E.ri, V.country, E.prc))         # merged subject
    graph.add((E.kim, V.country, E.dandong))    # object not in the gold
    assert score_graph(graph, gold)["facts"]["predicted"] == before


# ---------------------------------------------------------------------------- events


@pytest.mark.parametrize(("date", "found"), [
    ("2019-02", False),      # contradicts the gold's 2019-01-08 / 2019-01-09
    ("2019-01-10", False),
    ("2019-01", True),       # a coarser date that agrees
    ("2019", True),
    ("2019-01-09", True),
])
def test_evaluate_event_date_contradiction(graph, gold, date, found) -> None:
    graph.remove((EV.talks2, None, None))  # leave only ev:talks1 for the Kim–Xi talks
    datatype = {4: XSD.gYear, 7: XSD.gYearMonth, 10: XSD.date}[len(date)]
    graph.set((EV.talks1, V.date, Literal(date, datatype=datatype)))
    events = score_graph(graph, gold, verbose=True)["detail"]["events"]
    assert (("found", "kim_xi_talks") in events) is found


def test_evaluate_event_place_contradiction(graph, gold) -> None:
    graph.set((EV.talks2, V.place, E.dandong))  # not in the gold: no place stated, still matches
    assert ("found", "kim_xi_talks") in score_graph(graph, gold, verbose=True)["detail"]["events"]
    graph.set((EV.talks2, V.place, E.prc))      # a gold place outside the listed ones
    assert ("missed", "kim_xi_talks") in score_graph(graph, gold, verbose=True)["detail"]["events"]


def test_evaluate_event_needs_a_shared_actor(graph, gold) -> None:
    graph.remove((EV.visit, V.agent, E.kim))
    graph.remove((EV.visit, V.participant, E.kim))
    graph.remove((EV.visit, V.participant, E.ri))
    assert ("missed", "kim_visit") in score_graph(graph, gold, verbose=True)["detail"]["events"]


def test_evaluate_second_node_for_an_event_is_wrong(graph, gold) -> None:
    before = score_graph(graph, gold)["events"]
    graph.add((EV.visit2, RDF.type, V.Visit))
    graph.add((EV.visit2, V.agent, E.kim))
    after = score_graph(graph, gold)["events"]
    assert (after["tp"], after["predicted"]) == (before["tp"], before["predicted"] + 1)
    assert after["precision"] < before["precision"]


@pytest.mark.parametrize(("modality", "counted"), [
    ("negated", False), ("hypothetical", False), ("speculative", False), ("planned", False), ("asserted", True),
])
def test_evaluate_modality_excluded_from_asserted(graph, gold, modality, counted) -> None:
    graph.set((EV.nomeet, V.modality, V[modality]))
    result = score_graph(graph, gold)
    assert result["events"]["predicted"] == (6 if counted else 5)
    assert result["events"]["not_happened_recorded"] == (0 if counted else 1)
    assert result["must_not_violations"] == (1 if counted else 0)


def test_evaluate_must_not_violation(graph, gold) -> None:
    graph.remove((EV.nomeet, V.modality, V.negated))
    result = score_graph(graph, gold, verbose=True)
    assert result["must_not_violations"] == 1
    assert result["detail"]["violations"] == ["Kim would not meet South Korean officials during the trip."]


def test_evaluate_must_not_needs_the_stated_date(graph, gold) -> None:
    graph.remove((EV.nomeet, V.modality, V.negated))
    dated = copy.deepcopy(gold)
    dated["must_not"][0]["date"] = "2019-01"
    assert score_graph(graph, dated)["must_not_violations"] == 0  # the prediction states no date
    graph.add((EV.nomeet, V.date, Literal("2019-01-09", datatype=XSD.date)))
    assert score_graph(graph, dated)["must_not_violations"] == 1


def test_evaluate_provenance_share(graph, gold) -> None:
    assert score_graph(graph, gold)["events"]["with_provenance"] == round(4 / 6, 3)
    graph.add((EV.report, URIRef("http://www.w3.org/ns/prov#wasDerivedFrom"), URIRef("https://example.org/doc#m5")))
    assert score_graph(graph, gold)["events"]["with_provenance"] == round(5 / 6, 3)


# ---------------------------------------------------------------------------- gold files


MALFORMED_GOLD = [
    ("entities: [\n", "not valid YAML (line 2)"),
    ("- a\n- b\n", "a gold annotation is a mapping"),
    ("facts: []\n", "entities: missing"),
    ("entities:\n - {id: a, names: [A]}\n", "entities[0]: missing 'type'"),
    ("entities:\n - {id: a, type: Persn, names: [A]}\n", "type 'Persn' is not one of"),
    ("entities:\n - {id: a, type: Person, names: [A]}\n - {id: a, type: State, names: [B]}\n", "duplicate id 'a'"),
    ("entities:\n - {id: a, type: Person, names: [A]}\nfacts:\n - [a, leads, a]\n", "predicate 'leads'"),
    ("entities:\n - {id: a, type: Person, names: [A]}\nfacts:\n - [a, title]\n", "is not [subject, predicate, object]"),
    ("entities:\n - {id: a, type: Person, names: [A]}\nfacts:\n - [a, country, b]\n", "'b' is neither"),
    ("entities:\n - {id: a, type: Person, names: [A]}\nevents:\n - {type: Visit, agent: a}\n", "events[0]: missing 'id'"),
    ("entities:\n - {id: a, type: Person, names: [A]}\nevents:\n - {id: v, type: Visit, agent: b}\n", "'b' is not an entity id"),
    ("entities:\n - {id: a, type: Person, names: [A]}\nmust_not:\n - {type: Visit}\n", "must_not[0]: missing 'evidence'"),
]


@pytest.mark.parametrize(("text", "message"), MALFORMED_GOLD, ids=[m for _, m in MALFORMED_GOLD])
def test_evaluate_load_gold_rejects_malformed(tmp_path, text, message) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad\.yaml") as info:
        load_gold(path)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_evaluate_doctests(monkeypatch) -> None:
    monkeypatch.chdir(ROOT)  # load_gold's example reads the fixture by a repository-relative path
    result = doctest.testmod(evaluate)
    assert result.attempted > 0
    assert result.failed == 0


# ---------------------------------------------------------------------------- equivalence with ../shared


MUTATIONS = {
    "as written": [],
    "negation dropped": [("remove", (EV.nomeet, V.modality, V.negated))],
    "merge undone": [("remove", (E.ri, SKOS.altLabel, Literal("Kim")))],
    "talks dated": [("add", (EV.talks2, V.date, Literal("2019-01", datatype=XSD.gYearMonth)))],
    "kcna typed": [("add", (E.kcna, RDF.type, V.MediaOrganization))],
}


@pytest.mark.parametrize("mutation", MUTATIONS)
def test_evaluate_equals_shared_scorer_on_fixture(scorer, graph, gold, mutation) -> None:
    for op, triple in MUTATIONS[mutation]:
        getattr(graph, op)(triple)
    assert score_graph(graph, gold, verbose=True) == scorer.score(graph, scorer.Gold(gold), True)


@pytest.mark.model
@pytest.mark.corpus
@pytest.mark.parametrize("gold_file", SHARED_GOLD or [None], ids=lambda p: p.stem if p else "absent")
def test_evaluate_equals_shared_scorer_on_corpus(scorer, tmp_path, gold_file) -> None:
    if gold_file is None:
        pytest.skip(f"{SHARED_EVAL / 'gold'} is absent (../shared is not part of this repository)")
    from graph.app.corpus import ingest_paths
    from graph.store import Store

    gold = load_gold(gold_file)
    text = SHARED_EVAL.parent / gold["document"]["file"]
    if not text.is_file():
        pytest.skip(f"{text} is absent")
    store = Store()
    report = ingest_paths(store, [text], date=str(gold["document"]["date"]))
    assert report.added == 1
    nt = tmp_path / "graph.nt"
    store.export("nt", nt)
    exported = scorer.read_graph(str(nt))
    expected = scorer.score(exported, scorer.Gold(gold), True)
    assert score_graph(exported, gold, verbose=True) == expected
    # Read straight from the store (named graphs, ontology included): the same figures.
    assert _figures(score_graph(store.dataset(), gold)) == _figures(expected)


# ---------------------------------------------------------------------------- command line


def test_evaluate_cli_graph_file(capsys) -> None:
    from graph.app.cli import main

    assert main(["eval", str(FIXTURES / "gold.yaml"), "--graph", str(FIXTURES / "graph.ttl")]) == 0
    out = capsys.readouterr().out
    gold, graph = load_gold(FIXTURES / "gold.yaml"), load_graph(FIXTURES / "graph.ttl")
    assert out == format_report(score_graph(graph, gold)) + "\n"
    assert out.splitlines()[0] == "entities  P=0.692 R=0.800 F1=0.742 (tp 8, predicted 13, gold 10)"
    assert out.splitlines()[-1] == "overall F1 0.764"


@pytest.mark.parametrize(("content", "message"), [
    (None, "cannot read"),
    ("entities: [\n", "not valid YAML"),
    ("entities:\n - {id: a, type: Thing, names: [A]}\n", "type 'Thing'"),
], ids=["missing", "not YAML", "bad type"])
def test_evaluate_cli_bad_gold_exits_2(tmp_path, capsys, content, message) -> None:
    from graph.app.cli import main

    path = tmp_path / "gold.yaml"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    assert main(["eval", str(path), "--graph", str(FIXTURES / "graph.ttl")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert str(path) in err and message in err


def test_evaluate_cli_bad_graph_file_exits_2(tmp_path, capsys) -> None:
    from graph.app.cli import main

    bad = tmp_path / "graph.ttl"
    bad.write_text("this is not turtle", encoding="utf-8")
    assert main(["eval", str(FIXTURES / "gold.yaml"), "--graph", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(bad) in err and "not RDF" in err


@pytest.mark.model
def test_evaluate_cli_ingests_docs_json(tmp_path, capsys) -> None:
    from graph.app.cli import main
    from graph.app.corpus import ingest_paths
    from graph.store import Store

    gold, doc = str(FIXTURES / "gold.yaml"), str(FIXTURES / "doc.txt")
    assert main(["eval", gold, doc, "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert tuple(result) == RESULT_KEYS
    assert set(result["events"]) >= {"precision", "recall", "f1", "tp", "predicted", "gold", "date_accuracy",
                                     "place_accuracy", "with_provenance", "not_happened_recorded"}
    # The gold side is fixed by the file, whatever the model extracts.
    assert (result["entities"]["gold"], result["facts"]["gold"], result["events"]["gold"]) == (10, 7, 2)
    assert result["entities"]["predicted"] > 0
    # Without DOCs the store is scored: the same text ingested there, with the gold's date, scores the same.
    store = Store(tmp_path / "store")
    ingest_paths(store, [doc], date="2019-01-10")
    del store  # release the store's lock for the command
    assert main(["--store", str(tmp_path / "store"), "eval", gold, "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == result
