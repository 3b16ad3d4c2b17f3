"""Ingestion into a store end to end: one node per entity across documents, idempotence, reports."""
from __future__ import annotations

import pytest

from graph.app.corpus import in_background, ingest_paths, ingest_texts
from graph.store import Store

ONE = "Xi Jinping met Kim Jong-un in Beijing on 26 March 2018."
TWO = "On 20 June 2019 Chinese President Xi Jinping arrived in Pyongyang."

pytestmark = pytest.mark.model


def test_corpus_two_documents_one_node_with_both_provenances():
    store = Store()
    report = ingest_texts(store, [ONE, TWO])
    assert report.added == 2
    nodes = store.query("SELECT DISTINCT ?e WHERE { ?e <http://www.w3.org/2000/01/rdf-schema#label> 'Xi Jinping' }")
    assert len(nodes) == 1
    docs = store.query("""SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE {
        <https://w3id.org/yalu/id/xi_jinping> <http://www.w3.org/ns/prov#wasDerivedFrom>/<https://w3id.org/yalu/ontology#inDocument> ?d }""")
    assert docs.rows == [(2,)]


def test_corpus_ingesting_twice_changes_nothing():
    store = Store()
    ingest_texts(store, [ONE])
    before = store.dataset()
    report = ingest_texts(store, [ONE])
    assert (report.added, report.unchanged) == (0, 1)
    after = store.dataset()
    assert len(before) == len(after)


def test_corpus_paths_report_skips_and_words(tmp_path):
    good = tmp_path / "good.txt"
    good.write_text(ONE, encoding="utf-8")
    (tmp_path / "empty.txt").write_text("  \n", encoding="utf-8")
    store = Store()
    report = ingest_paths(store, [tmp_path, tmp_path / "missing.txt"], date="2018-03-28")
    assert report.added == 1 and len(report.skipped) == 2
    assert report.words == len(ONE.split())
    assert "1 added" in report.summary() and "2 skipped" in report.summary()
    assert store.documents()[0]["date"] == "2018-03-28"


MAY = "Kim Jong-un visited Beijing in May."
EVENT_DATES = ("SELECT ?date WHERE { ?e <https://w3id.org/yalu/ontology#modality> ?m ; "
               "<https://w3id.org/yalu/ontology#date> ?date }")  # the report's event, not its occurrence


def test_corpus_reingest_with_other_metadata_updates_it_and_the_dates_it_gives(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text(MAY, encoding="utf-8")
    store = Store()
    ingest_paths(store, [path], date="2017")
    assert [str(d) for d, in store.query(EVENT_DATES).rows] == ["2017-05"]
    report = ingest_paths(store, [path], date="2018-06", title="Kim in Beijing")
    assert (report.updated, report.unchanged, report.added) == (1, 0, 0) and "1 updated" in report.summary()
    assert [str(d) for d, in store.query(EVENT_DATES).rows] == ["2018-05"]
    (doc,) = store.documents()
    assert (str(doc["date"]), doc["title"]) == ("2018-06", "Kim in Beijing")
    again = ingest_paths(store, [path])  # no flags: what was stored stays
    assert (again.updated, again.unchanged) == (0, 1)
    assert store.document_metadata(doc["hash"])["date"] == "2018-06"


def test_corpus_reingest_without_flags_keeps_what_flags_set(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("Talks in Dandong\n\n4 May 2018\n\n" + MAY, encoding="utf-8")  # the text has a date
    store = Store()
    ingest_paths(store, [path], date="2019-01")
    again = ingest_paths(store, [path])
    assert (again.updated, again.unchanged) == (0, 1)
    assert [str(d["date"]) for d in store.documents()] == ["2019-01"]
    told = ingest_paths(store, [path], date="2018-05-04")
    assert told.updated == 1 and [str(d["date"]) for d in store.documents()] == ["2018-05-04"]


def test_corpus_changed_source_replaces_its_old_version(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text(ONE, encoding="utf-8")
    store = Store()
    ingest_paths(store, [path])
    path.write_text(TWO, encoding="utf-8")
    report = ingest_paths(store, [path])
    assert report.replaced == 1 and len(store.documents()) == 1
    assert not store.query("ASK { ?e <http://www.w3.org/2000/01/rdf-schema#label> 'Kim Jong-un' }").boolean


@pytest.mark.slow
def test_corpus_worker_processes_give_the_same_graph():
    from rdflib.compare import isomorphic

    texts = [ONE, TWO, "Wang Yi visited Seoul on 4 July 2014.", "North Korea conducted a nuclear test on 6 January 2016."]
    one, two = Store(), Store()
    ingest_texts(one, texts, jobs=1)
    report = ingest_texts(two, texts, jobs=2)
    assert report.added == 4
    from rdflib import URIRef

    left, right = one.dataset(), two.dataset()
    for d in one.documents():
        name = URIRef(f"https://w3id.org/yalu/graph/{d['hash']}")
        assert len(left.graph(name)) > 10
        assert isomorphic(left.graph(name), right.graph(name))


def test_corpus_in_background_raises_where_production_failed_and_stops_when_left():
    import threading

    def items():
        yield 1
        yield 2
        raise ValueError("bad document")

    seen = []
    with pytest.raises(ValueError, match="bad document"):
        for item in in_background(items()):
            seen.append(item)
    assert seen == [1, 2]

    produced = []

    def endless():
        n = 0
        while True:
            produced.append(n)
            yield n
            n += 1

    stream = in_background(endless(), depth=2)
    assert next(stream) == 0
    stream.close()
    for thread in threading.enumerate():
        if thread.name == "yalu-extract":
            thread.join(timeout=5)
            assert not thread.is_alive()
    assert len(produced) < 10  # it stopped, a few items ahead at most


def test_corpus_progress_tells_skipped_inputs_in_the_calling_thread(tmp_path):
    import threading

    (tmp_path / "a.txt").write_text("Xi Jinping met Kim Jong-un in Beijing.", encoding="utf-8")
    (tmp_path / "empty.txt").write_text("   ", encoding="utf-8")
    calls = []
    report = ingest_paths(Store(), [tmp_path], on_progress=lambda s, st: calls.append((st, threading.current_thread())))
    assert sorted(st for st, _ in calls) == ["added", "skipped"]
    assert {t for _, t in calls} == {threading.current_thread()}
    assert report.added == 1 and len(report.skipped) == 1
