"""Extraction on a real Dask cluster (two worker processes) gives the store the local path gives."""
from __future__ import annotations

import sys

import pytest
from rdflib.compare import isomorphic

from graph.app.corpus import ingest_texts
from graph.store import Store
from ingest.records import Document

TEXTS = (
    "Xi Jinping met Kim Jong-un in Beijing on 8 May 2018. The two leaders discussed trade across the Yalu River.",
    "North Korea conducted a missile test on 4 July 2017. China's foreign ministry urged restraint the next day.",
    "Wang Yi visited Pyongyang in September 2018 and held talks with Ri Yong-ho on economic cooperation.",
)


def _summary(store: Store) -> tuple[set[str], set[str], dict[str, object]]:
    entities = {r[0] for r in store.query(
        "SELECT DISTINCT ?e WHERE { ?d <https://w3id.org/yalu/ontology#mentions> ?e }").rows}
    events = {r[0] for r in store.query(
        "SELECT DISTINCT ?e WHERE { ?e <https://w3id.org/yalu/ontology#modality> ?m }").rows}
    ds = store.dataset(include_ontology=False)
    graphs = {str(g.identifier): g for g in ds.graphs() if len(g)}
    return entities, events, graphs


@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed", reason="Dask is an optional extra (yalu[dask])")
    import logging

    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=logging.ERROR) as c:
        yield c


@pytest.fixture(scope="module")
def local_store() -> Store:
    store = Store()
    report = ingest_texts(store, TEXTS)
    assert report.added == len(TEXTS)
    return store


@pytest.mark.model
@pytest.mark.slow
def test_distributed_store_equals_local(cluster, local_store):
    store = Store()
    report = ingest_texts(store, TEXTS, executor="dask", scheduler=cluster.scheduler_address)
    assert (report.added, report.failed) == (len(TEXTS), [])
    entities, events, graphs = _summary(store)
    want_entities, want_events, want_graphs = _summary(local_store)
    assert entities == want_entities and "https://w3id.org/yalu/id/xi_jinping" in entities
    assert events == want_events and events
    # one graph per text, and the occurrences graph (compared too: fusion does not hang on arrival order)
    assert graphs.keys() == want_graphs.keys() and len(graphs) == len(TEXTS) + 1
    for name, g in graphs.items():
        assert isomorphic(g, want_graphs[name]), name


@pytest.mark.model
@pytest.mark.slow
def test_distributed_batches_of_one_give_the_local_records(cluster, nlp):
    from graph.app.distributed import extract_distributed
    from ingest.pipeline import extract

    docs = [Document.from_text(t, date="2018-10-01") for t in TEXTS]
    got = {x.document.id: x for x in extract_distributed(docs, scheduler=cluster.scheduler_address, batch_size=1)}
    assert got == {d.id: extract(d, nlp) for d in docs}


@pytest.mark.model
@pytest.mark.slow
def test_distributed_cli_ingest_with_scheduler(cluster, tmp_path, capsys):
    from graph.app.cli import main

    for i, text in enumerate(TEXTS):
        (tmp_path / f"t{i}.txt").write_text(text, encoding="utf-8")
    code = main(["--store", str(tmp_path / "store"), "ingest", "--quiet", "--executor", "dask",
                 "--scheduler", cluster.scheduler_address, str(tmp_path / "t*.txt")])
    assert code == 0, capsys.readouterr().err
    assert capsys.readouterr().out.startswith(f"{len(TEXTS)} added")


def test_distributed_missing_dask_is_one_line(monkeypatch, tmp_path, capsys):
    from graph.app.cli import main

    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    (tmp_path / "a.txt").write_text(TEXTS[0], encoding="utf-8")
    code = main(["--store", str(tmp_path / "store"), "ingest", "--quiet", "--executor", "dask",
                 str(tmp_path / "a.txt")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "yalu[dask]" in err


def test_distributed_scheduler_needs_dask_executor(tmp_path, capsys):
    from graph.app.cli import main

    (tmp_path / "a.txt").write_text(TEXTS[0], encoding="utf-8")
    code = main(["--store", str(tmp_path / "store"), "ingest", "--scheduler", "tcp://127.0.0.1:8786",
                 str(tmp_path / "a.txt")])
    assert code == 2 and "--scheduler needs --executor dask" in capsys.readouterr().err


def test_distributed_unreachable_scheduler_names_address():
    pytest.importorskip("distributed", reason="Dask is an optional extra (yalu[dask])")
    from graph.app.distributed import ExecutorError, extract_distributed

    with pytest.raises(ExecutorError, match="tcp://127.0.0.1:9"):
        list(extract_distributed([Document.from_text("x")], scheduler="tcp://127.0.0.1:9", timeout=1))
