"""Fusion: reports of one real event, in many documents, become one occurrence (graph/fusion.py,
graph/store/fusion.py). Pure clustering first, then the store keeping occurrences in step."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.build import event_iri
from graph.fusion import Report, dates_fit, fuse
from graph.store import Store
from graph.store.fusion import OCCURRENCES_GRAPH, symmetric_classes
from ingest.records import Document, Entity, Event, Extraction, Fact, Mention
from ontology.namespace import YALU

SYMMETRIC = symmetric_classes()


def report(iri: str, cls: str, actors: str, date: str | None = None, *, agents: str = "", targets: str = "",
           place: str | None = None, doc: str | None = None) -> Report:
    return Report(iri, doc or f"doc-{iri}", cls, agents=frozenset(agents.split()),
                  participants=frozenset(actors.split()) | frozenset(agents.split()) | frozenset(targets.split()),
                  targets=frozenset(targets.split()), date=date, place=place)


def clusters(reports: list[Report], within=None) -> set[frozenset[str]]:
    return {frozenset(o.members) for o in fuse(reports, symmetric=SYMMETRIC, within=within)}


# ---------------------------------------------------------------- the pure function


@pytest.mark.parametrize("a, b, fit", [
    ("2018-03-26", "2018-03-26", True), ("2018-03", "2018-03-26", True), ("2018", "2018-03-26", True),
    ("2018-03-26", "2018-03-27", True), ("2018-03-26", "2018-03-28", False), ("2018-03", "2018-05", False),
    ("2017-12-31", "2018-01-01", True), ("2018-03", "2019", False),
])
def test_fusion_dates_fit(a, b, fit):
    assert dates_fit(a, b) == fit == dates_fit(b, a)


@pytest.mark.parametrize("reports, expected", [
    # one summit, reported by day, by month and by year
    ([report("a", "Meeting", "kim xi", "2018-03-26"), report("b", "Meeting", "xi kim", "2018-03"),
      report("c", "Meeting", "kim xi", "2018")], [{"a", "b", "c"}]),
    # the same pair in March and in May: two meetings
    ([report("a", "Meeting", "kim xi", "2018-03-26"), report("b", "Meeting", "kim xi", "2018-05-08")],
     [{"a"}, {"b"}]),
    # a Visit and the Meeting held during it are distinct
    ([report("a", "Meeting", "kim xi", "2018-03-26"), report("b", "Visit", "", "2018-03-26", agents="kim")],
     [{"a"}, {"b"}]),
    # two missile tests a week apart
    ([report("a", "MissileTest", "", "2017-11-29", agents="dprk"),
      report("b", "MissileTest", "", "2017-12-06", agents="dprk")], [{"a"}, {"b"}]),
    # different visitors to the same city on the same day
    ([report("a", "Visit", "", "2018-03-26", agents="kim", targets="beijing"),
      report("b", "Visit", "", "2018-03-26", agents="moon", targets="beijing")], [{"a"}, {"b"}]),
    # a meeting with an extra participant named in one report is the same meeting
    ([report("a", "Meeting", "kim xi", "2018-03-26"), report("b", "Meeting", "kim xi peng", "2018-03-26")],
     [{"a", "b"}]),
    # sharing one of two leaders is not the same meeting
    ([report("a", "Meeting", "kim xi", "2018-06-12"), report("b", "Meeting", "kim trump", "2018-06-12")],
     [{"a"}, {"b"}]),
    # conflicting places keep reports apart
    ([report("a", "Meeting", "kim xi", "2018-05", place="dalian"),
      report("b", "Meeting", "kim xi", "2018-05", place="pyongyang")], [{"a"}, {"b"}]),
    # a month report that fits two day occurrences joins neither
    ([report("a", "Meeting", "kim xi", "2018-03-20"), report("b", "Meeting", "kim xi", "2018-03-26"),
      report("c", "Meeting", "kim xi", "2018-03")], [{"a"}, {"b"}, {"c"}]),
    # an undated report joins the one occurrence it fits, and no other
    ([report("a", "Meeting", "kim xi", "2018-03-26"), report("b", "Meeting", "kim xi")], [{"a", "b"}]),
    ([report("a", "Meeting", "kim xi", "2018-03-26"), report("b", "Meeting", "kim xi", "2018-05-08"),
      report("c", "Meeting", "kim xi")], [{"a"}, {"b"}, {"c"}]),
    # one text telling of two days tells of two events
    ([report("a", "Meeting", "kim xi", "2018-03-26", doc="d"), report("b", "Meeting", "kim xi", "2018-03-27", doc="d")],
     [{"a"}, {"b"}]),
])
def test_fusion_clusters(reports, expected):
    assert clusters(reports) == {frozenset(e) for e in expected}


def test_fusion_places_and_targets_fit_what_they_lie_within():
    within = {"beijing": frozenset({"china"}), "great_hall": frozenset({"beijing", "china"})}
    reports = [report("a", "Visit", "", "2018-03-26", agents="kim", targets="beijing", place="great_hall"),
               report("b", "Visit", "", "2018-03", agents="kim", targets="china", place="beijing")]
    assert clusters(reports) == {frozenset({"a"}), frozenset({"b"})}
    (occurrence,) = fuse(reports, symmetric=SYMMETRIC, within=within)
    assert occurrence.place == "great_hall" and occurrence.date == "2018-03-26"


def test_fusion_conflicting_days_are_kept_and_flagged():
    reports = [report("a", "Meeting", "kim xi", "2018-03-26"), report("b", "Meeting", "kim xi", "2018-03-27"),
               report("c", "Meeting", "kim xi", "2018-03-26")]
    (o,) = fuse(reports, symmetric=SYMMETRIC)
    assert (o.conflict, o.reported_dates, o.date, len(o.sources)) == (True, ("2018-03-26", "2018-03-27"), "2018-03", 3)


def test_fusion_agreeing_dates_give_the_most_precise():
    (o,) = fuse([report("a", "Meeting", "kim xi", "2018"), report("b", "Meeting", "kim xi", "2018-03-26")],
                symmetric=SYMMETRIC)
    assert (o.conflict, o.reported_dates, o.date) == (False, (), "2018-03-26")


POOL = [report("a", "Meeting", "kim xi", "2018-03-26"), report("b", "Meeting", "kim xi", "2018-03-27"),
        report("c", "Meeting", "kim xi", "2018-03"), report("d", "Meeting", "kim xi", "2018-05"),
        report("e", "Meeting", "kim xi"), report("f", "Meeting", "kim xi peng", "2018"),
        report("g", "MissileTest", "", "2017-11-29", agents="dprk"), report("h", "MissileTest", "", "2017-11", agents="dprk"),
        report("i", "MissileTest", "", "2017-12-06", agents="dprk"), report("j", "MissileTest", "", None, agents="dprk")]


@settings(max_examples=200, deadline=None)
@given(st.permutations(POOL), st.integers(min_value=1, max_value=len(POOL)))
def test_fusion_does_not_depend_on_order(order, n):
    subset = order[:n]
    assert fuse(subset, symmetric=SYMMETRIC) == fuse(sorted(subset, key=lambda r: r.iri), symmetric=SYMMETRIC)


# ---------------------------------------------------------------- the store


ACTORS = {"kim": ("Kim Jong-un", "Person"), "xi": ("Xi Jinping", "Person"), "dprk": ("North Korea", "State"),
          "beijing": ("Beijing", "City"), "china": ("China", "State")}


def extraction(name: str, events: list[tuple], *, facts: tuple[Fact, ...] = ()) -> Extraction:
    """A hand-made document: ``events`` are (class, agents, participants, targets, date, place)."""
    doc = Document.from_text(f"A report named {name}: {events}.", title=name, source=f"{name}.txt")
    mention = Mention(doc.id, 0, doc.text, 0, 1, "A")
    used = {k for e in events for group in e[1:4] for k in group.split()} | {e[5] for e in events if e[5]}
    used |= {k for f in facts for k in (f.subject, f.object)}
    entities = tuple(Entity(k, ACTORS[k][0], ACTORS[k][1], mentions=(mention,)) for k in sorted(used))
    records = tuple(Event(f"ev{i}", cls, cls.lower(), agents=tuple(a.split()), participants=tuple(p.split()),
                          targets=tuple(t.split()), date=date, place=place, mentions=(mention,))
                    for i, (cls, a, p, t, date, place) in enumerate(events))
    return Extraction(doc, entities=entities, facts=facts, events=records)


DOCS = {
    "kcna": extraction("kcna", [("Meeting", "kim", "xi", "", "2018-03-26", "beijing"),
                                ("MissileTest", "dprk", "", "", "2017-11-29", None)]),
    "xinhua": extraction("xinhua", [("Meeting", "xi", "kim", "", "2018-03-27", None)]),
    "wire": extraction("wire", [("Meeting", "", "kim xi", "", "2018-03", None),
                                ("Visit", "kim", "", "china", "2018-03", None)],
                       facts=(Fact("beijing", "capitalOf", "china", source="gazetteer"),)),
    "brief": extraction("brief", [("Visit", "kim", "", "beijing", "2018-03-26", "beijing"),
                                  ("Meeting", "kim", "xi", "", "2018-05-08", None)]),
    "late": extraction("late", [("MissileTest", "dprk", "", "", "2017-12-06", None),
                                ("Meeting", "kim", "xi", "", None, None)]),
}


def occurrence_triples(store: Store) -> set[tuple]:
    rows = store.query(f"SELECT ?s ?p ?o WHERE {{ GRAPH <{OCCURRENCES_GRAPH}> {{ ?s ?p ?o }} }}")
    return set(rows.rows)


def occurrence_clusters(store: Store) -> set[frozenset[str]]:
    rows = store.query(f"SELECT ?e ?o WHERE {{ GRAPH <{OCCURRENCES_GRAPH}> {{ ?e <{YALU.occurrence}> ?o }} }}")
    out: dict[str, set[str]] = {}
    for e, o in rows:
        out.setdefault(o, set()).add(e.rsplit("/", 1)[-1])
    return {frozenset(v) for v in out.values()}


def store_of(names) -> Store:
    store = Store()
    for name in names:
        store.add(DOCS[name])
    return store


@pytest.fixture(scope="module")
def everything() -> set[tuple]:
    return occurrence_triples(store_of(sorted(DOCS)))


def test_fusion_store_links_reports_to_one_occurrence():
    store = store_of(sorted(DOCS))
    rows = store.query("""PREFIX yalu: <https://w3id.org/yalu/ontology#>
        SELECT ?n ?date ?conflict (COUNT(?e) AS ?reports) WHERE {
          ?o a yalu:Occurrence ; yalu:eventClass yalu:Meeting ; yalu:sourceCount ?n ; yalu:date ?date .
          OPTIONAL { ?o yalu:conflict ?conflict } ?e yalu:occurrence ?o } GROUP BY ?n ?date ?conflict ORDER BY ?date""")
    # March: KCNA (26th), Xinhua (27th) and the wire (March) flagged; May alone; the undated fits two: alone
    assert rows.rows == [(3, "2018-03", "true", 3), (1, "2018-05-08", None, 1)]
    stats = store.stats()
    assert stats["events"]["Meeting"] == 5 and stats["occurrences"]["Meeting"] == 3
    assert stats["occurrences"]["Visit"] == 1  # Beijing lies in China: the wire's and the brief's visit
    assert stats["occurrences"]["MissileTest"] == 2


def test_fusion_store_reingest_is_idempotent(everything):
    store = store_of(sorted(DOCS))
    assert [store.add(d) for d in DOCS.values()] == ["unchanged"] * len(DOCS)
    assert occurrence_triples(store) == everything


def test_fusion_store_remove_the_only_report_removes_its_occurrence():
    store = store_of(["kcna"])
    assert store.stats()["occurrences"] == {"Meeting": 1, "MissileTest": 1}
    store.remove("kcna.txt")
    assert occurrence_triples(store) == set()
    assert len(store.query(f"SELECT * WHERE {{ ?o a <{YALU.Occurrence}> }}")) == 0


def test_fusion_store_replacing_a_document_updates_its_occurrences():
    store = store_of(["kcna", "xinhua"])
    assert len(occurrence_clusters(store)) == 2  # the meeting, both reports; the test
    changed = extraction("xinhua", [("Meeting", "xi", "kim", "", "2018-04-20", None)])
    assert store.add(changed) == "replaced"
    assert occurrence_triples(store) == occurrence_triples(_with(["kcna"], changed))


def _with(names, *extra: Extraction) -> Store:
    store = store_of(names)
    for e in extra:
        store.add(e)
    return store


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(order=st.permutations(sorted(DOCS)), cut=st.integers(min_value=0, max_value=len(DOCS) - 1))
def test_fusion_store_does_not_depend_on_order_nor_on_removals(everything, order, cut):
    store = store_of(order)
    assert occurrence_triples(store) == everything
    gone = order[cut]
    store.remove(f"{gone}.txt")
    assert occurrence_triples(store) == occurrence_triples(store_of(sorted(set(DOCS) - {gone})))


# ---------------------------------------------------------------- fusion quality on our own texts

FIXTURES = Path(__file__).parent / "fixtures" / "fusion"


def pairwise(predicted: dict[str, str], gold: dict[str, str]) -> tuple[float, float]:
    """Pairwise precision and recall of a clustering: item -> cluster, over the items gold labels."""
    items = sorted(gold)
    pairs = [(a, b) for i, a in enumerate(items) for b in items[i + 1:]]
    same_pred = {p for p in pairs if p[0] in predicted and predicted.get(p[0]) == predicted.get(p[1])}
    same_gold = {p for p in pairs if gold[p[0]] == gold[p[1]]}
    precision = len(same_pred & same_gold) / len(same_pred) if same_pred else 1.0
    recall = len(same_pred & same_gold) / len(same_gold) if same_gold else 1.0
    return precision, recall


@pytest.mark.parametrize("predicted, gold, expected", [
    ({"a": 1, "b": 1, "c": 2}, {"a": "x", "b": "x", "c": "y"}, (1.0, 1.0)),
    ({"a": 1, "b": 1, "c": 1}, {"a": "x", "b": "x", "c": "y"}, (1 / 3, 1.0)),
    ({"a": 1, "b": 2, "c": 3}, {"a": "x", "b": "x", "c": "y"}, (1.0, 0.0)),
])
def test_fusion_pairwise_scores(predicted, gold, expected):
    assert pairwise(predicted, gold) == pytest.approx(expected)


def fusion_scores(extract_text) -> tuple[float, float]:
    """Ingest our own texts into one store; pairwise precision and recall of its occurrences against gold."""
    spec = yaml.safe_load((FIXTURES / "gold.yaml").read_text(encoding="utf-8"))["texts"]
    store = Store()
    gold: dict[str, str] = {}
    for name, entry in spec.items():
        x = extract_text((FIXTURES / name).read_text(encoding="utf-8"), date=str(entry["date"]))
        store.add(x)
        for event in x.events:
            if event.modality == "asserted" and event.cls in entry["events"]:
                gold[str(event_iri(x.document.id, event.key))] = entry["events"][event.cls]
    missing = {c for e in spec.values() for c in e["events"].values()} - set(gold.values())
    gold.update({f"missing:{c}": c for c in missing})  # a report not extracted counts against recall
    rows = store.query(f"SELECT ?e ?o WHERE {{ ?e <{YALU.occurrence}> ?o }}")
    return pairwise(dict(rows.rows), gold)


def test_fusion_quality_on_our_own_texts(extract_text):
    precision, recall = fusion_scores(extract_text)
    assert precision >= 0.95 and recall >= 0.90, (precision, recall)
