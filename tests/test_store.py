"""The Oxigraph store: idempotence, replacement, removal, queries, locking, exports and crash safety.

Records are built by hand (``make_extraction`` in conftest), so most tests need no spaCy;
the crash test runs the real ``yalu ingest`` and is marked ``model`` and ``slow``.
"""
from __future__ import annotations

import dataclasses
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic

from graph.app.cli import main
from graph.build import entity_iri, graph_iri
from graph.store import EXPORT_FORMATS, QueryError, Store, StoreError, open_store, writer_pid
from graph.store.fusion import OCCURRENCES_GRAPH
from ontology.namespace import ONTOLOGY_GRAPH

YALU_BIN = Path(sys.executable).with_name("yalu")
MENTIONS = "SELECT ?e ?d WHERE { ?d <https://w3id.org/yalu/ontology#mentions> ?e }"
TEXT_A = "Xi Jinping met Kim Jong-un in Beijing; China and North Korea signed a trade pact."
TEXT_B = "Wang Yi flew to Pyongyang and said China values its neighbour."


@pytest.fixture()
def two_docs(make_extraction):
    a = make_extraction(TEXT_A, source="a.txt", title="Summit", date="2018-03-26", meeting=True)
    b = make_extraction(TEXT_B, source="b.txt", title="Visit")
    return a, b


@pytest.fixture()
def store(two_docs):
    s = Store()
    for extraction in two_docs:
        s.add(extraction)
    return s


def _named_graphs(store: Store) -> set[str]:
    return {str(g.identifier) for g in store.dataset().graphs() if isinstance(g.identifier, URIRef)
            and str(g.identifier) not in {str(ONTOLOGY_GRAPH), str(OCCURRENCES_GRAPH)} and len(g)}


def _mentioning_docs(store: Store, key: str) -> set[str]:
    return {row[-1] for row in store.query(MENTIONS, substitutions={"e": entity_iri(key)}).rows}


@pytest.fixture()
def locker(tmp_path):
    """Another process holding a store directory open for writing, until the test ends."""
    path = tmp_path / "locked"
    code = ("import sys; from graph.store import Store; s = Store(sys.argv[1]); "
            "print('ready', flush=True); sys.stdin.read()")
    proc = subprocess.Popen([sys.executable, "-c", code, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True)
    try:
        assert proc.stdout.readline().strip() == "ready"
        yield path, proc.pid
    finally:
        proc.stdin.close()
        proc.wait(timeout=30)


# ---------------------------------------------------------------------- writing
def test_store_add_twice_is_unchanged(two_docs):
    s = Store()
    assert s.add(two_docs[0]) == "added"
    size = len(s)
    assert s.add(two_docs[0]) == "unchanged"
    assert len(s) == size
    assert len(s.documents()) == 1


@pytest.mark.parametrize("change", [{"date": "2018"}, {"date": None}, {"title": "Other"}, {"author": "A. Analyst"}])
def test_store_same_text_other_metadata_updates(two_docs, change):
    s = Store()
    s.add(two_docs[0])
    doc = dataclasses.replace(two_docs[0].document, **change)
    assert s.add(dataclasses.replace(two_docs[0], document=doc)) == "updated"
    assert len(s.documents()) == 1
    stored = s.document_metadata(doc.id)
    assert all(stored[key] == value for key, value in change.items())
    assert s.add(dataclasses.replace(two_docs[0], document=doc)) == "unchanged"


def test_store_same_source_new_text_replaces(make_extraction, store, two_docs):
    old = two_docs[0].document.id
    new = make_extraction("Xi Jinping met Kim Jong-un again.", source="a.txt", title="Summit, revised")
    assert store.add(new) == "replaced"
    hashes = {d["hash"] for d in store.documents()}
    assert hashes == {new.document.id, two_docs[1].document.id}
    assert str(graph_iri(old)) not in _named_graphs(store)
    assert not store.query("SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", substitutions={"g": graph_iri(old)}).rows
    # China is no longer named in a.txt, but b.txt still mentions it
    assert _mentioning_docs(store, "china") == {f"https://w3id.org/yalu/doc/{two_docs[1].document.id}"}


@pytest.mark.parametrize("ref", ["hash-prefix", "source", "title"])
def test_store_remove_drops_only_that_document(store, two_docs, ref):
    a, b = (x.document for x in two_docs)
    given = {"hash-prefix": a.id[:10], "source": a.source, "title": a.title}[ref]
    assert store.remove(given) == [a.id]
    assert [d["hash"] for d in store.documents()] == [b.id]
    assert _named_graphs(store) == {str(graph_iri(b.id))}
    # an entity both documents mention survives, with only the other's provenance
    assert _mentioning_docs(store, "china") == {f"https://w3id.org/yalu/doc/{b.id}"}
    # one only the removed document mentioned is gone
    assert _mentioning_docs(store, "kim_jong_un") == set()
    assert not store.query("SELECT ?e WHERE { ?e ?p ?o }", substitutions={"e": entity_iri("kim_jong_un")}).rows


def test_store_remove_unknown_reference_removes_nothing(store):
    size = len(store)
    assert store.remove("no-such-document") == []
    assert len(store) == size


def test_store_keeps_one_named_graph_per_document(store, two_docs):
    assert _named_graphs(store) == {str(graph_iri(x.document.id)) for x in two_docs}
    ds = store.dataset()
    for x in two_docs:
        g = ds.graph(graph_iri(x.document.id))
        doc = URIRef(f"https://w3id.org/yalu/doc/{x.document.id}")
        assert (doc, URIRef("https://w3id.org/yalu/ontology#contentHash"), Literal(x.document.id)) in g


def test_store_documents_lists_metadata(store, two_docs):
    docs = {d["hash"]: d for d in store.documents()}
    a = docs[two_docs[0].document.id]
    assert (a["title"], a["source"], a["date"], a["author"]) == ("Summit", "a.txt", "2018-03-26", None)
    assert docs[two_docs[1].document.id]["title"] == "Visit"


def test_store_stats_counts(store):
    s = store.stats()
    assert s["documents"] == 2
    assert s["entities"]["Person"] == 3  # Xi Jinping, Kim Jong-un, Wang Yi
    assert s["entities"]["State"] == 2
    assert s["events"] == {"Meeting": 1}
    assert s["triples"] == len(store)


def test_store_clear_keeps_the_ontology(store):
    store.clear()
    assert store.documents() == []
    assert store.query("ASK { ?c a <http://www.w3.org/2002/07/owl#Class> }").boolean


# ---------------------------------------------------------------------- queries
def test_store_query_substitutions_bind_values(store):
    q = "SELECT ?name ?e WHERE { ?e <http://www.w3.org/2000/01/rdf-schema#label> ?name }"
    assert store.query(q, substitutions={"name": "Wang Yi"}).rows == [(str(entity_iri("wang_yi")),)]


@pytest.mark.parametrize("hostile", ['"} ; DROP ALL ; {"', "x\" } } ; CLEAR ALL ; SELECT * { \"", "<urn:x> }"])
def test_store_query_substitution_cannot_inject(store, hostile):
    size, docs = len(store), store.documents()
    q = "SELECT ?name ?e WHERE { ?e <http://www.w3.org/2000/01/rdf-schema#label> ?name }"
    assert store.query(q, substitutions={"name": hostile}).rows == []
    bound = store.query("SELECT ?name ?v WHERE { BIND(STR(?name) AS ?v) }", substitutions={"name": hostile})
    assert bound.rows == [(hostile,)]  # a literal, character for character
    assert len(store) == size and store.documents() == docs


@pytest.mark.parametrize("sparql, line", [
    ("SELECT * WHERE { ?s ?p }", 1),
    ("PREFIX x: <urn:x#>\nSELECT ?s WHERE {\n  ?s x:p ?o .\n  FILTER(?o = ) }", 4),
])
def test_store_malformed_query_error_gives_position(store, sparql, line):
    with pytest.raises(QueryError) as err:
        store.query(sparql)
    message = str(err.value)
    assert "\n" not in message
    found = re.search(r"(\d+):(\d+)", message)  # line:column where the parser gave up
    assert found and int(found.group(1)) == line
    assert 1 <= int(found.group(2)) <= len(sparql.splitlines()[line - 1]) + 1


def test_store_update_rejects_malformed_update_with_position(store):
    with pytest.raises(QueryError, match=r"1:\d+"):
        store.update("INSERT DATA { <urn:a> }")


def test_store_query_terms_and_limit(store):
    rows = store.query("SELECT ?e ?n WHERE { ?e <http://www.w3.org/2000/01/rdf-schema#label> ?n } ORDER BY ?n",
                       terms=True, limit=2).rows
    assert len(rows) == 2
    assert all(isinstance(e, URIRef) and isinstance(n, Literal) for e, n in rows)


# ---------------------------------------------------------------------- opening
def test_store_read_only_refuses_writes(tmp_path, two_docs):
    path = tmp_path / "s"
    s = Store(path)
    s.add(two_docs[0])
    s.flush()
    del s
    ro = Store(path, read_only=True)
    for write in (lambda: ro.add(two_docs[1]), lambda: ro.remove(two_docs[0].document.id[:8]), ro.clear,
                  lambda: ro.update("CLEAR ALL")):
        with pytest.raises(StoreError):
            write()
    assert len(ro.documents()) == 1


@pytest.mark.parametrize("opener", [lambda p: Store(p, read_only=True), lambda p: open_store(p, read_only=True)])
def test_store_read_only_on_a_non_store_directory_fails(tmp_path, opener):
    (tmp_path / "notes.txt").write_text("not a store")
    with pytest.raises(StoreError, match="no Yalu store"):
        opener(tmp_path)


def test_store_locked_by_another_process_fails_in_one_line(locker):
    path, pid = locker
    assert writer_pid(path) == pid
    with pytest.raises(StoreError) as err:
        Store(path)
    assert "\n" not in str(err.value) and str(path) in str(err.value)
    with pytest.raises(StoreError, match=rf"being written by another process \(pid {pid}\)"):
        open_store(path)


def test_store_locked_store_opens_read_only_from_a_snapshot(locker):
    path, _ = locker
    s = open_store(path, read_only=True)
    assert s.path == path and s.snapshot != path
    assert s.query("ASK { ?c a <http://www.w3.org/2002/07/owl#Class> }").boolean  # the writer's ontology


def test_store_cli_reports_a_locked_store(locker, capsys):
    path, pid = locker
    assert main(["--store", str(path), "remove", "abc"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and f"pid {pid}" in err


# ---------------------------------------------------------------------- exports
@pytest.mark.parametrize("fmt", sorted(EXPORT_FORMATS))
def test_store_export_parses_back(store, fmt):
    text = store.export(fmt)
    rdflib_format = EXPORT_FORMATS[fmt]
    expected = store.dataset()
    if fmt in {"ttl", "nt"}:
        union = Graph()
        for ctx in expected.graphs():
            union += ctx
        assert isomorphic(Graph().parse(data=text, format=rdflib_format), union)
    else:
        parsed = Dataset()
        parsed.parse(data=text, format=rdflib_format)
        named = {g.identifier for g in expected.graphs() if isinstance(g.identifier, URIRef) and len(g)}
        assert named >= {graph_iri(d["hash"]) for d in store.documents()}
        for name in named:
            assert isomorphic(parsed.graph(name), expected.graph(name)), name


def test_store_export_writes_a_file(store, tmp_path):
    target = tmp_path / "out.ttl"
    assert store.export("ttl", target) is None
    assert len(Graph().parse(target, format="turtle")) > 0


# ---------------------------------------------------------------------- crash safety
ACTORS = ["Xi Jinping", "Kim Jong-un", "Wang Yi", "Ri Yong-ho", "Choe Ryong-hae", "Li Keqiang"]
PLACES = ["Beijing", "Pyongyang", "Dandong", "Sinuiju", "Shenyang"]
SENTENCES = [
    "{a} met {b} in {place} on {day} March {year}.",
    "The two sides discussed trade across the Yalu River and the situation on the Korean Peninsula.",
    "{b} thanked China for its support, and {a} praised the friendship between the two parties.",
    "Later that week {a} visited a factory in {place}.",
]


def _write_texts(folder: Path, n: int = 20) -> None:
    folder.mkdir()
    rng = random.Random(7)
    for i in range(n):
        a, b = rng.sample(ACTORS, 2)
        fill = {"a": a, "b": b, "place": rng.choice(PLACES), "day": 1 + i, "year": 2010 + i % 9}
        body = " ".join(s.format(**fill) for s in SENTENCES)
        (folder / f"note-{i:02d}.txt").write_text(f"Note {i}\n\n{body}\n", encoding="utf-8")


def _stored_count(path: Path) -> int:
    try:
        return len(open_store(path, read_only=True).documents())
    except StoreError:  # not created yet
        return 0


@pytest.mark.model
@pytest.mark.slow
def test_store_survives_sigkill_during_ingest(tmp_path):
    texts, path = tmp_path / "texts", tmp_path / "store"
    _write_texts(texts)
    command = [str(YALU_BIN), "--store", str(path), "ingest", str(texts), "--quiet"]
    rng = random.Random(11)
    for kill in range(5):
        before = _stored_count(path)
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while _stored_count(path) <= before and proc.poll() is None:  # poll for one more committed document
            assert time.monotonic() < deadline, "ingest committed nothing in 120 s"
            time.sleep(0.05)
        time.sleep(rng.uniform(0, 0.4))  # then kill it somewhere in the next documents
        proc.send_signal(signal.SIGKILL)
        proc.wait()

    # the store opens, and every document it lists is complete
    reference = Store()
    from graph.app.corpus import ingest_paths

    ingest_paths(reference, [texts])
    expected = reference.dataset()
    crashed = Store(path)
    listed = crashed.documents()
    assert 1 <= len(listed) <= 20
    ds = crashed.dataset()
    for d in listed:
        name = graph_iri(d["hash"])
        assert len(ds.graph(name)) > 0
        assert isomorphic(ds.graph(name), expected.graph(name)), d["source"]
    assert _named_graphs(crashed) == {str(graph_iri(d["hash"])) for d in listed}  # no half-written graph
    del crashed, ds

    # and running the ingestion again finishes the job
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    stats = subprocess.run([str(YALU_BIN), "--store", str(path), "stats", "-f", "json"], capture_output=True,
                           text=True, timeout=120)
    assert json.loads(stats.stdout)["documents"] == 20
    assert os.path.isdir(path)


def test_store_optimize_keeps_every_quad(tmp_path, two_docs):
    s = Store(tmp_path / "s")
    for extraction in two_docs:
        s.add(extraction)
    before, rows = len(s), s.query(MENTIONS).rows
    s.optimize()
    assert (len(s), sorted(s.query(MENTIONS).rows)) == (before, sorted(rows))


@pytest.mark.model
def test_store_large_ingestion_is_compacted(tmp_path, monkeypatch):
    import graph.app.corpus

    calls = []
    monkeypatch.setattr(graph.app.corpus, "COMPACT_AFTER", 2)
    monkeypatch.setattr(Store, "optimize", lambda self: calls.append(self))
    s = Store(tmp_path / "s")
    graph.app.corpus.ingest_texts(s, [TEXT_A])
    assert calls == []  # one document: below the threshold
    graph.app.corpus.ingest_texts(s, [TEXT_A, TEXT_B, TEXT_B + " Again."])
    assert calls == [s]  # two new documents written (one unchanged)
