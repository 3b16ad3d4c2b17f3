"""The ``yalu`` command line, run as a child process: one-line errors, help, and a whole session."""
from __future__ import annotations

import csv
import gc
import io
import json
import re

import networkx as nx
import pytest
from rdflib import Dataset, Graph, Literal
from rdflib.namespace import DCTERMS, RDFS

from graph.app.cli import cli
from graph.build import entity_iri
from graph.store import Store
from graph.views.render import payload_from_html
from ontology.namespace import YALU

SUMMARY = re.compile(r"^\d+ added, \d+ replaced, \d+ updated, \d+ unchanged, \d+ skipped, \d+ failed \(")
GOOD_TEXT = "Xi Jinping met Kim Jong-un in Beijing."


def assert_one_line_error(result, *fragments: str) -> str:
    """Exit code 2, exactly one stderr line, starting ``yalu: error:``, no traceback."""
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("yalu: error: "), lines[0]
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


@pytest.fixture()
def filled(tmp_path, make_extraction):
    """A store holding one hand-made document (no spaCy needed)."""
    path = tmp_path / "store"
    store = Store(path)
    store.add(make_extraction(GOOD_TEXT, source="hand.txt", title="Hand made", date="2018-03-28", meeting=True))
    store.flush()
    del store
    gc.collect()  # releases Oxigraph's lock before the child opens the store
    return path


# ---------------------------------------------------------------- one-line errors

@pytest.mark.parametrize("args,fragment", [
    (["--bogus"], "--bogus"),
    (["nosuchcommand"], "nosuchcommand"),
    (["query", "-f", "xml", "SELECT * {}"], "xml"),
    (["render", "--hops", "0"], "--hops"),
    (["export", "-f", "pdf"], "pdf"),
    (["ingest"], "PATHS"),
    (["ingest", "--jobs", "0", "x.txt"], "--jobs"),
])
def test_cli_bad_argument(yalu, args, fragment):
    assert_one_line_error(yalu(*args), fragment)


@pytest.mark.parametrize("date", ["2018-13-45", "2018-13", "18", "March 2018", "5 March 2018", "2018-3-5"])
def test_cli_bad_date(yalu, tmp_path, date):
    (tmp_path / "a.txt").write_text(GOOD_TEXT)
    line = assert_one_line_error(yalu("ingest", "--date", date, "a.txt"), "--date", date)
    assert "YYYY, YYYY-MM or YYYY-MM-DD" in line
    assert not (tmp_path / "store").exists(), "a bad option must fail before the store is touched"


@pytest.mark.model
@pytest.mark.parametrize("date", ["2018", "2018-03", "2018-03-05"])
def test_cli_date_of_any_precision_is_stored_and_a_correction_updates_it(yalu, tmp_path, date):
    (tmp_path / "a.txt").write_text(GOOD_TEXT)
    first = yalu("ingest", "--date", "2017", "a.txt")
    assert first.returncode == 0, first.stderr
    again = yalu("ingest", "--date", date, "a.txt")
    assert again.returncode == 0 and again.stdout.startswith("0 added, 0 replaced, 1 updated, 0 unchanged")
    stored = yalu("query", "-f", "json", f"SELECT ?d WHERE {{ ?doc <{DCTERMS.date}> ?d }}")
    assert [row["d"] for row in json.loads(stored.stdout)] == [date]


def test_cli_missing_query_file(yalu, filled):
    assert_one_line_error(yalu("query", "--file", "nowhere.rq"), "nowhere.rq")


def test_cli_no_store(yalu):
    assert_one_line_error(yalu("stats"), "no store at")


@pytest.mark.parametrize("args", [["stats"], ["query", "SELECT * { ?s ?p ?o }"], ["export"], ["render"],
                                  ["remove", "abc"]])
def test_cli_empty_store(yalu, tmp_path, args):
    Store(tmp_path / "store").flush()
    gc.collect()
    assert_one_line_error(yalu(*args), "holds no documents")


def test_cli_unknown_saved_query(yalu, filled):
    line = assert_one_line_error(yalu("query", "--saved", "no-such-query"), "no-such-query")
    assert "meetings" in line  # the message lists what is known


@pytest.mark.parametrize("params,fragment", [
    (["--param", "colour=red"], "colour"),
    (["--param", "name"], "KEY=VALUE"),
    ([], "--param name"),
])
def test_cli_bad_saved_query_parameters(yalu, filled, params, fragment):
    assert_one_line_error(yalu("query", "--saved", "actor-timeline", *params), fragment)


@pytest.mark.parametrize(("sparql", "explained", "marked"), [
    ("SELECT * WHERE {", "not closed by }", ""),  # the caret after the end
    ("SELEKT ?x { ?x ?y ?z }", 'not "SELEKT" (did you mean SELECT?)', "SELEKT"),
    ("PREFIX x: <urn:x#>\nSELEC ?x { ?x x:y ?z }", "did you mean SELECT?", "SELEC"),
    ("SELECT ?x { ?x <not an iri> ?z }", "not a valid IRI", "<not an iri>"),
    ("SELECT * { ?s ?p ?o } LIMIT -1", "expected", "-"),
    ("SELECT * { ?s ?p ?o } LIMT 3", "did you mean LIMIT?", "LIMT"),
    ("SELECT ?e {\n  ?e a yalu:Meeting ;\n     foo:bar ?o }", 'the prefix "foo:" is not declared', "foo:bar"),
])
def test_cli_malformed_sparql_shows_the_line_a_caret_and_what_was_expected(yalu, filled, sparql, explained, marked):
    result = yalu("query", sparql)
    assert result.returncode == 2 and "Traceback" not in result.stderr + result.stdout
    first, source, caret = result.stderr.splitlines()
    assert first.startswith("yalu: error: SPARQL syntax error at line ") and explained in first, first
    row, column = (int(n) for n in re.search(r"line (\d+), column (\d+)", first).groups())
    assert source == "  " + sparql.split("\n")[row - 1]
    at = caret.index("^")
    assert at == column + 1 and source[at:at + len(caret.strip())] == marked


@pytest.mark.parametrize("prefix", ["yalu:", "rdf:", "rdfs:", "dcterms:", "prov:"])
def test_cli_query_declares_the_common_prefixes(yalu, filled, prefix):
    sparql = {"yalu:": "SELECT ?e { ?e a yalu:Meeting }", "rdf:": "SELECT ?e { ?e rdf:type ?c }",
              "rdfs:": "SELECT ?e { ?e rdfs:label ?l }", "dcterms:": "SELECT ?d { ?d dcterms:title ?t }",
              "prov:": "SELECT ?e { ?e prov:wasDerivedFrom ?m }"}[prefix]
    result = yalu("query", "-f", "json", sparql)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)
    declared = yalu("query", "-f", "json", "PREFIX rdfs: <urn:other#>\n" + sparql.replace(prefix, "rdfs:"))
    assert declared.returncode == 0 and json.loads(declared.stdout) == [], "a query's own PREFIX wins"


@pytest.mark.parametrize("fmt", ["table", "tsv"])
def test_cli_query_piped_gives_whole_values(yalu, filled, fmt):
    sparql = "SELECT ?s ?label { ?m yalu:sentence ?s . ?e rdfs:label ?label } ORDER BY DESC(STRLEN(?label)) LIMIT 3"
    whole = yalu("query", "-f", "json", sparql)
    rows = json.loads(whole.stdout)
    assert rows and max(len(r["s"]) + len(r["label"]) for r in rows) > 60
    result = yalu("query", "-f", fmt, sparql)
    assert result.returncode == 0 and "\u2026" not in result.stdout
    for row in rows:
        assert row["s"] in result.stdout and row["label"] in result.stdout
    if fmt == "tsv":
        lines = result.stdout.splitlines()
        assert lines[0] == "s\tlabel" and [line.split("\t") for line in lines[1:]] == [[r["s"], r["label"]] for r in rows]


def test_cli_query_needs_exactly_one_source(yalu, filled):
    assert_one_line_error(yalu("query", "SELECT * {}", "--saved", "meetings"), "exactly one")


def test_cli_remove_unknown_document(yalu, filled):
    assert_one_line_error(yalu("remove", "no-such-document"), "no-such-document")


def test_cli_export_to_unwritable_path(yalu, filled, tmp_path):
    assert_one_line_error(yalu("export", "-o", tmp_path / "no" / "such" / "dir.ttl"), "dir.ttl")


def test_cli_render_unknown_ego(yalu, filled, tmp_path):
    assert_one_line_error(yalu("render", "-o", tmp_path / "x.html", "--ego", "Nobody Atall"), "Nobody Atall")
    assert not (tmp_path / "x.html").exists()


def test_cli_query_against_a_non_store_directory(yalu, tmp_path):
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "notes.txt").write_text("not a store")
    assert_one_line_error(yalu("stats", store=tmp_path / "junk"), "junk")


# ---------------------------------------------------------------- help


def test_cli_help_lists_every_command(yalu):
    result = yalu("--help")
    assert result.returncode == 0, result.stderr
    for name in cli.commands:
        assert re.search(rf"^\s+{name}\b", result.stdout, re.M), name


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_cli_help_of_each_command(yalu, command):
    result = yalu(command, "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"Usage: yalu {command}")
    assert result.stderr == ""


def test_cli_version(yalu):
    result = yalu("--version")
    assert result.returncode == 0 and "0." in result.stdout


# ---------------------------------------------------------------- queries on a hand-made store


def test_cli_query_formats(yalu, filled):
    sparql = f"SELECT ?label WHERE {{ <{entity_iri('xi_jinping')}> <{RDFS.label}> ?label }}"
    table = yalu("query", sparql)
    assert table.returncode == 0, table.stderr
    assert "Xi Jinping" in table.stdout and "1 row(s)" in table.stdout
    as_csv = list(csv.reader(io.StringIO(yalu("query", "-f", "csv", sparql).stdout)))
    assert as_csv == [["label"], ["Xi Jinping"]]
    assert json.loads(yalu("query", "-f", "json", sparql).stdout) == [{"label": "Xi Jinping"}]


def test_cli_saved_query_with_parameter(yalu, filled):
    result = yalu("query", "--saved", "actor-timeline", "--param", "name=xi jinping", "-f", "json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [r["type"] for r in rows] == ["Meeting"]


def test_cli_query_list(yalu):
    result = yalu("query", "--list")
    assert result.returncode == 0
    assert re.search(r"^actor-timeline\s", result.stdout, re.M)


# ---------------------------------------------------------------- a whole session with the model

TEXT_A = """Border Talks in Dandong

Chinese Foreign Minister Wang Yi met North Korean Foreign Minister Ri Yong-ho in Dandong on 12 May 2018.
The two ministers discussed trade across the Yalu River.
"""
TEXT_B = """A Visit to Pyongyang

Xi Jinping visited Pyongyang on 20 June 2019 and met Kim Jong-un.
"""

RDF_FORMATS = {"ttl": "turtle", "nt": "nt", "trig": "trig", "nq": "nquads", "jsonld": "json-ld"}


@pytest.mark.model
@pytest.mark.slow
def test_cli_session_end_to_end(yalu, tmp_path):
    (tmp_path / "a.txt").write_text(TEXT_A, encoding="utf-8")
    (tmp_path / "b.txt").write_text(TEXT_B, encoding="utf-8")

    ingest = yalu("ingest", "a.txt", "b.txt", "--date", "2019-06-21")
    assert ingest.returncode == 0, ingest.stderr
    assert SUMMARY.match(ingest.stdout.splitlines()[-1])
    assert ingest.stdout.startswith("2 added")
    again = yalu("ingest", "a.txt")
    assert again.returncode == 0 and again.stdout.startswith("0 added, 0 replaced, 0 updated, 1 unchanged")

    sparql = f"SELECT DISTINCT ?label WHERE {{ ?e a <{YALU.Person}> ; <{RDFS.label}> ?label }} ORDER BY ?label"
    people = json.loads(yalu("query", "-f", "json", sparql).stdout)
    labels = {row["label"] for row in people}
    assert {"Wang Yi", "Xi Jinping"} <= labels
    as_csv = list(csv.reader(io.StringIO(yalu("query", "-f", "csv", sparql).stdout)))
    assert as_csv[0] == ["label"] and {r[0] for r in as_csv[1:]} == labels
    table = yalu("query", sparql)
    assert "Wang Yi" in table.stdout and f"{len(labels)} row(s)" in table.stdout

    for fmt, rdf_format in RDF_FORMATS.items():
        out = tmp_path / f"out.{fmt}"
        result = yalu("export", "-f", fmt, "-o", out)
        assert result.returncode == 0, (fmt, result.stderr)
        g = Dataset() if fmt in {"trig", "nq", "jsonld"} else Graph()
        g.parse(out, format=rdf_format)
        assert (entity_iri("wang_yi"), RDFS.label, Literal("Wang Yi")) in triples_of(g), fmt
    stdout_export = yalu("export", "-f", "nt")
    assert len(Graph().parse(data=stdout_export.stdout, format="nt")) > 0

    graphml = yalu("export", "-f", "graphml", "-o", tmp_path / "net.graphml")
    assert graphml.returncode == 0, graphml.stderr
    net = nx.read_graphml(tmp_path / "net.graphml")
    assert str(entity_iri("wang_yi")) in net
    gexf = yalu("export", "-f", "gexf", "-o", tmp_path / "net.gexf")
    assert gexf.returncode == 0, gexf.stderr
    assert str(entity_iri("xi_jinping")) in nx.read_gexf(tmp_path / "net.gexf")
    events = list(csv.DictReader(io.StringIO(yalu("export", "-f", "csv").stdout)))
    assert any(row["class"].endswith("Meeting") for row in events)

    stats = json.loads(yalu("stats", "-f", "json").stdout)
    assert stats["documents"] == 2 and stats["entities"].get("Person", 0) >= 3
    assert "documents  2" in yalu("stats").stdout

    removed = yalu("remove", "a.txt")
    assert removed.returncode == 0, removed.stderr
    assert removed.stdout.startswith("removed 1 document(s)")
    after = json.loads(yalu("stats", "-f", "json").stdout)
    assert after["documents"] == 1
    ask = f"ASK {{ <{entity_iri('wang_yi')}> ?p ?o }}"
    assert json.loads(yalu("query", "-f", "json", ask).stdout) == [{"result": False}]

    page = tmp_path / "graph.html"
    render = yalu("render", "-o", page, "--title", "Session")
    assert render.returncode == 0, render.stderr
    payload = payload_from_html(page.read_text(encoding="utf-8"))
    names = {node["label"] for node in payload["nodes"]}
    assert {"Xi Jinping", "Kim Jong-un"} <= names and "Wang Yi" not in names


def triples_of(g: Graph) -> set:
    """Every triple of a Graph, or of all the named graphs of a Dataset."""
    if isinstance(g, Dataset):
        return {(s, p, o) for s, p, o, _ in g.quads((None, None, None, None))}
    return set(g)


@pytest.mark.model
@pytest.mark.slow
def test_cli_demo(yalu, tmp_path):
    page = tmp_path / "demo.html"
    result = yalu("demo", "-o", page)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert SUMMARY.match(result.stdout.splitlines()[0].removeprefix("demo: "))
    assert re.search(r"^demo: 3 added", result.stdout, re.M)
    for name in ("meetings", "actor-events", "party-channels"):
        assert f"(yalu query --saved {name})" in result.stdout
    assert len(re.findall(r"^\d+ row\(s\)$", result.stdout, re.M)) == 3
    payload = payload_from_html(page.read_text(encoding="utf-8"))
    assert {"Xi Jinping", "Kim Jong-un"} <= {node["label"] for node in payload["nodes"]}
    rerun = yalu("demo", "-o", page)  # a fresh store each time, not a second copy
    assert re.search(r"^demo: 3 added, 0 replaced, 0 updated, 0 unchanged", rerun.stdout, re.M)
