"""SPARQL text: which form a query has, and binding values into it.

A value takes the place of its variable as an escaped RDF term, never as pasted text. The
value is then a constant of the query, so the optimizer plans joins from it: Oxigraph plans a
query before it sees pre-bound ``substitutions`` (with an unbound name it scans every label),
and it plans a ``VALUES`` block joined to the pattern less well than a constant in it.

    >>> bind_values('SELECT ?s WHERE { ?s ?p ?o }', {"o": "urn:x"})
    'SELECT ?s WHERE { ?s ?p <urn:x> }'
"""
from __future__ import annotations

import re
from typing import Any, Iterator

from rdflib import Literal, URIRef

_BAD_IRI = re.compile(r'[\x00-\x20<>"{}|^`\\]')


class QueryError(ValueError):
    """A SPARQL query is malformed or failed; the message says where."""


def _rdf_term(name: str, value: Any) -> URIRef | Literal:
    """A substitution value as an rdflib term, with the conversions Store.query applies."""
    if isinstance(value, (URIRef, Literal)):
        term = value
    elif isinstance(value, str) and value.startswith(("http://", "https://", "urn:")):
        term = URIRef(value)
    elif isinstance(value, (bool, int, float)):
        term = Literal(value)
    else:
        term = Literal(str(value))
    if isinstance(term, URIRef) and _BAD_IRI.search(str(term)):
        raise QueryError(f"substitution {name}: {str(term)!r} is not a valid IRI")
    return term


def bind_values(sparql: str, substitutions: dict[str, Any]) -> str:
    """``sparql`` with each variable of ``substitutions`` replaced by its value, as an RDF term.

    Every occurrence where SPARQL allows a term is replaced (sub-queries, OPTIONAL and
    FILTER included), as SEP-0007 substitution defines; the optimizer then plans from
    constants. Where a term cannot stand (a projection, ``AS ?v``, ``GROUP BY ?v``), the
    variable stays and a ``VALUES ?v { term }`` block opening the WHERE group binds it.

    Args:
        sparql: a SELECT, ASK, DESCRIBE or CONSTRUCT query.
        substitutions: variable name -> value (IRI strings become IRIs, as in ``Store.query``).

    Raises:
        QueryError: for a malformed IRI or variable name, or when a variable must be bound by
            VALUES and the query has no WHERE group for it.

    >>> bind_values('SELECT ?s WHERE { ?s ?p ?o }', {"o": 'say "hi"'})
    'SELECT ?s WHERE { ?s ?p "say \\\\"hi\\\\"" }'
    >>> bind_values('SELECT ?o ?s WHERE { ?s ?p ?o }', {"o": "urn:x"})
    'SELECT ?o ?s WHERE { VALUES ?o { <urn:x> } ?s ?p <urn:x> }'
    """
    terms = {}
    for key, value in substitutions.items():
        name = key.lstrip("?$")
        if not re.fullmatch(r"[A-Za-z_0-9\u00b7\u00c0-\ufffd]+", name):
            raise QueryError(f"substitution {name!r} is not a SPARQL variable name")
        terms[name] = _rdf_term(name, value).n3()
    out, kept, last = [], [], 0
    for start, end, name, replaceable in _variables(sparql):
        if name not in terms:
            continue
        if replaceable:
            out.append(sparql[last:start] + terms[name])
            last = end
        elif name not in kept:
            kept.append(name)
    text = "".join(out) + sparql[last:]
    if not kept:
        return text
    at = _where_group(text)
    # one block per variable: Oxigraph plans a one-row table of several variables less well
    clause = "".join(f" VALUES ?{n} {{ {terms[n]} }}" for n in kept)
    return text[:at + 1] + clause + text[at + 1:]


_VAR = re.compile(r"[?$]([A-Za-z_0-9\u00b7\u00c0-\ufffd]+)")
_WORD = re.compile(r"[A-Za-z_][A-Za-z_0-9\-]*(:[^\s{}()<>\"',;]*)?|:[^\s{}()<>\"',;]*|@[A-Za-z][A-Za-z0-9\-]*")
_CLAUSE_END = {"WHERE", "HAVING", "ORDER", "GROUP", "LIMIT", "OFFSET", "VALUES"}


def _tokens(sparql: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, kind) of each variable (``"var"``), word or prefixed name (``"word"``) and
    bracket (the bracket itself), skipping comments, strings and IRIs."""
    i = 0
    while i < len(sparql):
        c = sparql[i]
        if c == "#":
            end = sparql.find("\n", i)
            i = len(sparql) if end < 0 else end
        elif c in "\"'":
            m = _STRING.match(sparql, i)
            i = m.end() if m else i + 1
        elif c == "<" and (m := _IRIREF.match(sparql, i)):
            i = m.end()
        elif c in "?$" and (m := _VAR.match(sparql, i)):
            yield i, m.end(), "var"
            i = m.end()
        elif m := _WORD.match(sparql, i):
            yield i, m.end(), "word"
            i = m.end()
        else:
            if c in "(){}":
                yield i, i + 1, c
            i += 1


def _variables(sparql: str) -> list[tuple[int, int, str, bool]]:
    """Each variable as (start, end, name, whether a term may stand in its place)."""
    found: list[tuple[int, int, str, bool]] = []
    clause, parens, after_as = None, 0, False
    for start, end, kind in _tokens(sparql):
        if kind == "var":
            # a bare variable of a projection, GROUP BY, ORDER BY or VALUES head names a column
            bare = clause in {"SELECT", "GROUP", "ORDER", "VALUES"} and (parens == 0 or clause == "VALUES")
            found.append((start, end, sparql[start + 1:end], not (after_as or bare)))
            after_as = False
        elif kind == "word":
            word = sparql[start:end].upper()
            if word in {"SELECT", "DESCRIBE"} or word in _CLAUSE_END:
                clause, parens = ("SELECT" if word == "SELECT" else None if word in {"WHERE", "DESCRIBE"}
                                  else word), 0
            after_as = word == "AS"
        elif kind == "(":
            parens += 1
        elif kind == ")":
            parens -= 1
        elif parens == 0 or clause == "VALUES":
            clause = None  # a group opens or closes: the clause before it is over
    return found


_IRIREF = re.compile(r'<[^<>"{}|^`\\\x00-\x20]*>')
_STRING = re.compile(r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
                     r'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'', re.S)
_FORMS = {"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"}


def query_form(sparql: str) -> str | None:
    """``SELECT``, ``ASK``, ``CONSTRUCT`` or ``DESCRIBE`` (None for an update or unreadable text).

    >>> query_form("PREFIX s: <http://schema.org/> # SELECT\\nconstruct { ?a s:b ?c } WHERE { ?a s:b ?c }")
    'CONSTRUCT'
    """
    return _scan(sparql)[0]


def _scan(sparql: str) -> tuple[str | None, list[int]]:
    """The query form and where each top-level ``{`` is."""
    depth, groups, form = 0, [], None
    for start, end, kind in _tokens(sparql):
        if kind == "word":
            if depth == 0 and form is None and sparql[start:end].upper() in _FORMS:
                form = sparql[start:end].upper()
        elif kind == "{":
            if depth == 0:
                groups.append(start)
            depth += 1
        elif kind == "}":
            depth -= 1
    return form, groups


def _where_group(sparql: str) -> int:
    """Index of the ``{`` opening the query's WHERE group."""
    form, groups = _scan(sparql)
    if form == "CONSTRUCT" and groups and re.search(r"\bWHERE\s*$", sparql[:groups[0]], re.I):
        raise QueryError("substitutions need CONSTRUCT's template form (CONSTRUCT { ... } WHERE { ... })")
    index = 1 if form == "CONSTRUCT" else 0
    if len(groups) <= index:
        raise QueryError("substitutions need a query with a WHERE group")
    return groups[index]
