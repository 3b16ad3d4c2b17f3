"""Network exports (GraphML, GEXF, CSV) on a store built from hand-made records, no spaCy."""
from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import networkx as nx
import pytest

from graph.store import Store
from graph.views.exports import NETWORK_FORMATS, export_network, export_stated, flatten, stated_dataset
from graph.views.network import to_networkx
from graph.views.render import build_payload
from ingest.records import Document, Entity, Event, Extraction, Fact, Membership, Mention

ID = "https://w3id.org/yalu/id/"
TEXT = "Li Wei met Pak Sol in Dandong on 4 May 2021. They agreed to reopen the bridge."
SENTENCE = "Li Wei met Pak Sol in Dandong on 4 May 2021."


def _extraction() -> Extraction:
    doc = Document.from_text(TEXT, title="A bridge meeting", date="2021-05-05")

    def m(start: int, end: int) -> Mention:
        return Mention(doc.id, 0, SENTENCE, start, end, TEXT[start:end])

    li = Entity("li_wei_test", "Li Wei", "Person", aliases=("Minister Li",), mentions=(m(0, 6),))
    pak = Entity("pak_sol_test", "Pak Sol", "Person", mentions=(m(11, 18),))
    dandong = Entity("dandong", "Dandong", "City", in_gazetteer=True, mentions=(m(22, 29),))
    china = Entity("china", "China", "State", in_gazetteer=True)
    facts = (Fact("li_wei_test", "country", "china", source="gazetteer"),
             Fact("dandong", "locatedIn", "china", source="gazetteer"))
    meeting = Event("e1", "Meeting", "met", agents=("li_wei_test",), participants=("pak_sol_test",),
                    date="2021-05-04", place="dandong", mentions=(m(7, 10),))
    return Extraction(doc, entities=(li, pak, dandong, china), facts=facts, events=(meeting,))


@pytest.fixture(scope="module")
def store() -> Store:
    s = Store()
    assert s.add(_extraction()) == "added"
    return s


def _parse(fmt: str, text: str) -> nx.Graph:
    buf = io.BytesIO(text.encode("utf-8"))
    return nx.read_graphml(buf) if fmt == "graphml" else nx.read_gexf(buf)


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_exports_graph_formats_round_trip(store, fmt):
    g = _parse(fmt, export_network(store, fmt))
    li, pak = ID + "li_wei_test", ID + "pak_sol_test"
    assert {li, pak, ID + "dandong", ID + "china"} <= set(g.nodes)
    node = g.nodes[li]
    assert node["label"] == "Li Wei"
    assert node["cls"] == "Person" and node["coarse"] == "Person"
    assert node["country"] == "China"
    assert node["aliases"] == "Minister Li"
    assert int(node["degree"]) == g.degree(li)
    assert json.loads(node["mentions"])[0]["sentence"] == SENTENCE
    meets = [d for u, v, d in g.edges(data=True) if (u, v) in {(li, pak), (pak, li)} and d["predicate"] == "meets"]
    assert meets and meets[0]["kind"] == "interaction"
    assert meets[0]["polarity"] == "cooperative"
    assert meets[0]["date"] == "2021-05-04"
    assert meets[0]["event"].startswith("https://w3id.org/yalu/event/")
    fact = [d for u, v, d in g.edges(data=True) if (u, v) == (li, ID + "china")]
    assert fact and fact[0]["predicate"] == "country" and fact[0]["kind"] == "fact"
    event = meets[0]["event"]
    assert g.nodes[event]["cls"] == "Meeting"
    roles = {d["predicate"] for u, v, d in g.edges(data=True) if v == event}
    assert roles == {"agent", "participant", "place"}


def test_exports_csv_one_row_per_event(store):
    rows = list(csv.DictReader(io.StringIO(export_network(store, "csv"))))
    assert len(rows) == 1
    row = rows[0]
    assert row["event"].startswith("https://w3id.org/yalu/event/")
    assert (row["class"], row["date"], row["modality"]) == ("Meeting", "2021-05-04", "asserted")
    assert (row["agents"], row["participants"], row["targets"]) == ("Li Wei", "Pak Sol", "")
    assert (row["place"], row["trigger"]) == ("Dandong", "met")
    assert row["sentence"] == SENTENCE
    assert row["document"] == "A bridge meeting"


def test_exports_flatten_leaves_only_scalars():
    g = nx.MultiDiGraph()
    g.add_node("a", label="A", aliases=["x", "y"], facts=[{"p": 1}], gone=None, empty=[])
    g.add_edge("a", "a", key="k", sources=[], date=None, predicate="meets")
    flat = flatten(g)
    assert flat.nodes["a"] == {"label": "A", "aliases": "x; y", "facts": '[{"p": 1}]', "facts_count": 1}
    assert flat.edges["a", "a", "k"] == {"predicate": "meets"}


def test_exports_unknown_format_names_choices(store):
    with pytest.raises(ValueError, match="'dot'.*graphml, gexf, csv"):
        export_network(store, "dot")


@pytest.mark.parametrize("fmt", NETWORK_FORMATS)
def test_exports_cli_writes_file(tmp_path, fmt):
    path = tmp_path / "store"
    s = Store(path)
    s.add(_extraction())
    s.flush()
    del s  # release the store's lock before the CLI opens it
    out = tmp_path / f"x.{fmt}"
    proc = subprocess.run([sys.executable, "-m", "graph.app.cli", "--store", str(path), "export", "-f", fmt,
                           "-o", str(out)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    text = out.read_text(encoding="utf-8")
    if fmt == "csv":
        assert len(list(csv.DictReader(io.StringIO(text)))) == 1
    else:
        assert ID + "pak_sol_test" in _parse(fmt, text)


def test_exports_control_characters_never_break_xml():
    from graph.views.exports import flatten
    import networkx as nx

    g = nx.MultiDiGraph()
    g.add_node("n", label="bad\x0bname\x00", aliases=["a\x1fb"], facts=[{"x": "\x0c"}])
    flat = flatten(g)
    for fmt_writer in (nx.write_graphml, nx.write_gexf):
        import io
        buf = io.BytesIO()
        fmt_writer(flat, buf)
        assert b"bad" in buf.getvalue()


def _mixed() -> Extraction:
    """A text fact, a gazetteer fact also stated by the text, a gazetteer-only fact, an inferred one, a role."""
    doc = Document.from_text(TEXT, title="Stated or not", date="2021-05-05")
    m = Mention(doc.id, 0, SENTENCE, 0, 6, "Li Wei")
    entities = (Entity("li_wei_test", "Li Wei", "Person", mentions=(m,)),
                Entity("pak_sol_test", "Pak Sol", "Person", mentions=(m,)),
                Entity("dandong", "Dandong", "City", in_gazetteer=True, mentions=(m,)),
                Entity("china", "China", "State", in_gazetteer=True, mentions=(m,)))
    facts = (Fact("li_wei_test", "affiliatedWith", "pak_sol_test", source="text", mention=m),
             Fact("dandong", "locatedIn", "china", source="text", mention=m),
             Fact("dandong", "locatedIn", "china", source="gazetteer"),
             Fact("li_wei_test", "country", "china", source="gazetteer"),
             Fact("pak_sol_test", "country", "china", source="inferred"))
    meeting = Event("e1", "Meeting", "met", agents=("li_wei_test",), participants=("pak_sol_test",),
                    date="2021-05-04", place="dandong", mentions=(m,))
    return Extraction(doc, entities=entities, facts=facts, memberships=(Membership("li_wei_test", "china", "Mayor",
                                                                                    2019, None),), events=(meeting,))


@pytest.fixture(scope="module")
def mixed() -> Store:
    s = Store()
    s.add(_mixed())
    return s


STATED = {(ID + "li_wei_test", "affiliatedWith", ID + "pak_sol_test"), (ID + "dandong", "locatedIn", ID + "china")}
BACKGROUND = {(ID + "li_wei_test", "country", ID + "china"), (ID + "pak_sol_test", "country", ID + "china")}


def test_exports_only_stated_keeps_what_the_text_states(mixed):
    from rdflib import URIRef
    from rdflib.namespace import ORG

    full, stated = mixed.dataset(), stated_dataset(mixed.dataset())
    yalu = "https://w3id.org/yalu/ontology#"

    def facts(ds) -> set[tuple[str, str, str]]:
        return {(str(s), str(p).rsplit("#", 1)[-1], str(o)) for s, p, o, _ in ds.quads((None, None, None, None))
                if str(p).startswith(yalu) and str(p).rsplit("#", 1)[-1] in {"affiliatedWith", "locatedIn", "country"}}

    assert facts(full) == STATED | BACKGROUND
    assert facts(stated) == STATED
    kinds = {str(o) for _, _, o, _ in stated.quads((None, URIRef(yalu + "assertedBy"), None, None))}
    assert kinds == {"text"}
    assert not list(stated.quads((None, None, ORG.Membership, None)))
    assert list(stated.quads((None, None, URIRef(yalu + "Meeting"), None)))  # events stay
    assert len(list(stated.quads((None, None, None, None)))) < len(list(full.quads((None, None, None, None))))


@pytest.mark.parametrize("fmt", ["ttl", "nq", "graphml"])
def test_exports_only_stated_in_every_kind_of_format(mixed, fmt):
    text = export_stated(mixed, fmt)
    full = mixed.export(fmt) if fmt != "graphml" else export_network(mixed, fmt)
    assert ID + "li_wei_test" in text and len(text) < len(full)
    if fmt == "graphml":
        g = _parse(fmt, text)
        assert {d["predicate"] for _, _, d in g.edges(data=True)} >= {"affiliatedWith", "locatedIn"}
        assert "country" not in {d["predicate"] for _, _, d in g.edges(data=True)}


def test_exports_network_fact_edges_say_who_asserts_them(mixed):
    edges = {(u, d["predicate"], v): d for u, v, d in to_networkx(mixed).edges(data=True) if d["kind"] == "fact"}
    assert edges[(ID + "dandong", "locatedIn", ID + "china")]["asserted_by"] == ["gazetteer", "text"]
    assert edges[(ID + "dandong", "locatedIn", ID + "china")]["stated"] is True
    assert edges[(ID + "pak_sol_test", "country", ID + "china")]["stated"] is False
    payload = build_payload(to_networkx(mixed))
    kinds = {(e["from"], info["predicate"], e["to"]): info["kind"]  # edgeInfo runs parallel to edges
             for e, info in zip(payload["edges"], payload["edgeInfo"])}
    assert kinds[(ID + "pak_sol_test", "country", ID + "china")] == "background"
    assert kinds[(ID + "li_wei_test", "affiliatedWith", ID + "pak_sol_test")] == "fact"


def test_exports_csv_keeps_undated_events_in_the_order_of_their_report():
    s = Store()
    s.add(_extraction())  # a meeting dated 2021-05-04, reported 2021-05-05
    doc = Document.from_text("Li Wei met Pak Sol again.", title="Undated", date="2020-11")
    m = Mention(doc.id, 0, doc.text, 0, 6, "Li Wei")
    s.add(Extraction(doc, entities=(Entity("li_wei_test", "Li Wei", "Person", mentions=(m,)),),
                     events=(Event("e1", "Meeting", "met", agents=("li_wei_test",), mentions=(m,)),)))
    rows = list(csv.DictReader(io.StringIO(export_network(s, "csv"))))
    assert [(r["date"], r["reported"]) for r in rows] == [("", "2020-11"), ("2021-05-04", "2021-05-05")]
