"""SPARQL text: query forms, and values bound as terms where a term may stand, else by VALUES."""
from __future__ import annotations

import re

import pyoxigraph as ox
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib import Literal

from graph.store.sparql import QueryError, bind_values, query_form, readable_syntax_error, with_common_prefixes


@pytest.mark.parametrize("sparql, form, bound", [
    ("SELECT ?s WHERE { ?s ?p ?o }", "SELECT", "SELECT ?s WHERE { ?s ?p <urn:x> }"),
    ("PREFIX a: <urn:a#> # {?o\nASK { ?s a:p '{?o' . ?s a:q ?o }", "ASK",
     "PREFIX a: <urn:a#> # {?o\nASK { ?s a:p '{?o' . ?s a:q <urn:x> }"),
    ("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o FILTER(?o < 3) }", "CONSTRUCT",
     "CONSTRUCT { ?s ?p <urn:x> } WHERE { ?s ?p <urn:x> FILTER(<urn:x> < 3) }"),
    ('SELECT * { ?s ?p """{ ?o SELECT""" . ?s ?q ?o }', "SELECT", 'SELECT * { ?s ?p """{ ?o SELECT""" . ?s ?q <urn:x> }'),
    ("SELECT ?s { ?s ?p ?oo }", "SELECT", "SELECT ?s { ?s ?p ?oo }"),  # another variable
    ('SELECT ?s { ?s ?p "x"@as . ?s ?q ?o }', "SELECT", 'SELECT ?s { ?s ?p "x"@as . ?s ?q <urn:x> }'),  # "as": Assamese
    ("PREFIX select: <urn:a#> ASK { ?s select:p ?o }", "ASK",  # a prefix is no keyword
     "PREFIX select: <urn:a#> ASK { ?s select:p <urn:x> }"),
])
def test_sparql_bind_values_replaces_the_variable_by_its_term(sparql, form, bound):
    assert query_form(sparql) == form
    assert bind_values(sparql, {"o": "urn:x"}) == bound


@pytest.mark.parametrize("sparql, bound", [
    # a projected, grouped, ordered or BIND-target variable keeps its name and is bound by VALUES
    ("SELECT ?o ?s WHERE { ?s ?p ?o } ORDER BY ?o",
     "SELECT ?o ?s WHERE { VALUES ?o { <urn:x> } ?s ?p <urn:x> } ORDER BY ?o"),
    ("SELECT (COUNT(?s) AS ?n) ?o WHERE { ?s ?p ?o } GROUP BY ?o",
     "SELECT (COUNT(?s) AS ?n) ?o WHERE { VALUES ?o { <urn:x> } ?s ?p <urn:x> } GROUP BY ?o"),
    ("SELECT ?s WHERE { ?s ?p ?q BIND(?q AS ?o) }", "SELECT ?s WHERE { VALUES ?o { <urn:x> } ?s ?p ?q BIND(?q AS ?o) }"),
    # a sub-query's expressions are substituted; its projection is not
    ("SELECT ?s WHERE { { SELECT ?s ?o WHERE { ?s ?p ?o FILTER(STR(?o) != '') } } }",
     "SELECT ?s WHERE { VALUES ?o { <urn:x> } { SELECT ?s ?o WHERE { ?s ?p <urn:x> FILTER(STR(<urn:x>) != '') } } }"),
    ("SELECT ?s WHERE { VALUES ?o { 1 } ?s ?p ?o }", "SELECT ?s WHERE { VALUES ?o { <urn:x> } VALUES ?o { 1 } ?s ?p <urn:x> }"),
])
def test_sparql_bind_values_keeps_variables_where_no_term_may_stand(sparql, bound):
    assert bind_values(sparql, {"o": "urn:x"}) == bound


@pytest.mark.parametrize("sparql", ["CONSTRUCT WHERE { ?s ?p ?o } ORDER BY ?o", "DESCRIBE ?x ORDER BY ?o"])
def test_sparql_bind_values_needs_a_where_group_for_values(sparql):
    with pytest.raises(QueryError, match="substitutions need"):
        bind_values(sparql, {"o": 1})


def test_sparql_bind_values_rejects_bad_names_and_iris():
    with pytest.raises(QueryError, match="not a SPARQL variable name"):
        bind_values("SELECT * { ?s ?p ?o }", {"o }": 1})
    with pytest.raises(QueryError, match="not a valid IRI"):
        bind_values("SELECT * { ?s ?p ?o }", {"o": "http://x/ > ; DROP ALL"})


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40))
def test_sparql_any_string_value_stays_one_literal(value):
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("urn:s"), ox.NamedNode("urn:p"), ox.Literal(value)))
    # a Literal, since a plain str that starts like an IRI ("urn:", "http://") is bound as an IRI
    query = bind_values("SELECT ?s ?v WHERE { ?s <urn:p> ?v FILTER(?v = ?want) }", {"want": Literal(value)})
    assert [(row["s"].value, row["v"].value) for row in store.query(query)] == [("urn:s", value)]


@pytest.mark.parametrize(("sparql", "added"), [
    ("SELECT ?e { ?e a yalu:Meeting ; rdfs:label ?l }", ["rdfs", "yalu"]),
    ("PREFIX yalu: <urn:mine#>\nSELECT ?e { ?e a yalu:Meeting }", []),  # the query's own declaration wins
    ("SELECT ?e { ?e <urn:p> 'yalu:Meeting' }", []),  # in a string, no prefixed name
    ("SELECT ?e { ?e a foo:Bar }", []),  # not a common prefix: left for the parser to report
])
def test_sparql_common_prefixes_are_declared_on_one_line(sparql, added):
    text, shift = with_common_prefixes(sparql)
    assert shift == (1 if added else 0) and text.endswith(sparql)
    declared = re.findall(r"PREFIX (\w+):", text[: len(text) - len(sparql)])
    assert declared == added
    if added:
        ox.Store().query(text)  # parses


@pytest.mark.parametrize("sparql", ["SELEC ?s { ?s ?p ?o }", "SELECT ?s { ?s a nope:X }", "SELECT ?s {\n ?s ?p ?o",
                                    "ASK { ?s ?p ?o } LIMT 1", "SELECT ?s { ?s <a b> ?o }"])
def test_sparql_syntax_error_is_readable(sparql):
    text, shift = with_common_prefixes(sparql)
    with pytest.raises(SyntaxError) as raised:
        ox.Store().query(text)
    message = readable_syntax_error(sparql, str(raised.value), shift=shift)
    first, source, caret = message.split("\n")
    row, column = (int(n) for n in re.match(r"SPARQL syntax error at line (\d+), column (\d+): \S", first).groups())
    assert source == "  " + sparql.split("\n")[row - 1] and caret.index("^") == column + 1
    assert "[" not in first and "\\u{" not in first  # no character classes from the parser's grammar


def test_sparql_error_without_position_is_kept():
    assert readable_syntax_error("SELECT", "query failed: disk full") == "query failed: disk full"
