"""SPARQL text: which form a query has, and binding values into it.

A value takes the place of its variable as an escaped RDF term, never as pasted text. The
value is then a constant of the query, so the optimizer plans joins from it: Oxigraph plans a
query before it sees pre-bound ``substitutions`` (with an unbound name it scans every label),
and it plans a ``VALUES`` block joined to the pattern less well than a constant in it.

    >>> bind_values('SELECT ?s WHERE { ?s ?p ?o }', {"o": "urn:x"})
    'SELECT ?s WHERE { ?s ?p <urn:x> }'
"""
from __future__ import annotations

import difflib
import functools
import re
from pathlib import Path
from typing import Any, Iterator

import yaml
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


# --- readable queries and errors ------------------------------------------------------------

_WORDS_FILE = Path(__file__).with_name("sparql_words.yaml")
_POSITION = re.compile(r"error at (\d+):(\d+):?\s*(.*)", re.S)
_PREFIX_DECL = re.compile(r"\bPREFIX\s+([A-Za-z][\w.-]*)?:", re.I)
_MAX_EXPECTED = 8  # keywords named in "expected one of ..."
_EXPECTED_ITEM = re.compile(r'"[^"]*"|\[[^\]]*\]|[^,\s][^,]*')


@functools.lru_cache(maxsize=1)
def sparql_words() -> dict[str, Any]:
    """``sparql_words.yaml``: the common ``prefixes``, the query ``forms`` and the ``keywords``."""
    return yaml.safe_load(_WORDS_FILE.read_text(encoding="utf-8"))


def with_common_prefixes(sparql: str) -> tuple[str, int]:
    """``sparql`` with a first line declaring the common prefixes it uses but does not declare.

    Args:
        sparql: a query as a person typed it.

    Returns:
        The query, and how many lines were put before it (0 or 1), for error positions.

    >>> with_common_prefixes("SELECT ?e { ?e a yalu:Meeting }")[0].split("\\n")[0]
    'PREFIX yalu: <https://w3id.org/yalu/ontology#>'
    """
    known = sparql_words()["prefixes"]
    declared = {m.group(1) or "" for m in _PREFIX_DECL.finditer(sparql)}
    used = {sparql[start:end].split(":", 1)[0] for start, end, kind in _tokens(sparql)
            if kind == "word" and ":" in sparql[start:end]}
    missing = sorted(name for name in used - declared if name in known)
    if not missing:
        return sparql, 0
    return " ".join(f"PREFIX {name}: <{known[name]}>" for name in missing) + "\n" + sparql, 1


def readable_syntax_error(sparql: str, message: str, *, shift: int = 0) -> str:
    """A parser's syntax error as a person reads it: the line, a caret, and what was expected in words.

    Args:
        sparql: the query as the person wrote it.
        message: the error, with Oxigraph's ``error at LINE:COLUMN: ...``.
        shift: lines put before ``sparql`` in the text that was parsed (see :func:`with_common_prefixes`).

    Returns:
        ``"SPARQL syntax error at line L, column C: ..."``, the line and a caret under the fault;
        ``message`` unchanged when it has no position.

    >>> print(readable_syntax_error("SELEC ?s { ?s ?p ?o }", "error at 1:10: expected CONSTRUCT"))
    SPARQL syntax error at line 1, column 1: a query starts with SELECT, CONSTRUCT, ASK or DESCRIBE, not "SELEC" (did you mean SELECT?)
      SELEC ?s { ?s ?p ?o }
      ^^^^^
    """
    found = _POSITION.search(message)
    if not found:
        return message
    lines = sparql.split("\n")
    row = min(max(int(found.group(1)) - shift, 1), len(lines))
    column, detail = int(found.group(2)), found.group(3).strip()
    text = lines[row - 1]
    start, width, words = column - 1, 1, sparql_words()
    if form_word := _misplaced_form(sparql):
        row, start, word = form_word
        text, width = lines[row - 1], len(word)
        explained = (f"a query starts with {', '.join(words['forms'][:-1])} or {words['forms'][-1]}, "
                     f"not \"{word}\"{_did_you_mean(word)}")
    elif undeclared := _undeclared_prefix(sparql):
        row, start, word = undeclared
        text, width = lines[row - 1], len(word)
        name = word.split(":", 1)[0]
        common = ", ".join(f"{p}:" for p in words["prefixes"])
        explained = (f'the prefix "{name}:" is not declared; add PREFIX {name}: <...> before the query '
                     f"(declared for you: {common})")
    elif "IRI parsing failed" in detail:
        explained = "not a valid IRI: an IRI in <...> has no spaces, quotes or braces"
        if iri := [m for m in re.finditer(r"<[^>\n]*>?", text) if m.start() < column]:
            start, width = iri[-1].start(), len(iri[-1].group(0))
    else:
        explained = _expected_in_words(detail)
        unclosed = sum(1 if kind == "{" else -1 for _, _, kind in _tokens(sparql) if kind in "{}")
        if row == len(lines) and column > len(text.rstrip()) and unclosed > 0:
            explained = "the query ends with a { not closed by }; " + explained
        if mistyped := _mistyped_word(text, column):
            start, width = mistyped.start(), len(mistyped.group(0))
            explained += _did_you_mean(mistyped.group(0))
    start = min(max(start, 0), len(text))
    return (f"SPARQL syntax error at line {row}, column {start + 1}: {explained}\n"
            f"  {text}\n  {' ' * start}{'^' * max(width, 1)}")


def _misplaced_form(sparql: str) -> tuple[int, int, str] | None:
    """(line, column index, word) of the word standing where SELECT, CONSTRUCT, ASK or DESCRIBE should."""
    tokens = [(start, sparql[start:end]) for start, end, kind in _tokens(sparql) if kind == "word"]
    index = 0
    while index < len(tokens) and tokens[index][1].upper() in {"PREFIX", "BASE"}:
        index += 2 if tokens[index][1].upper() == "PREFIX" else 1  # PREFIX name: <iri>; BASE <iri>
    if index >= len(tokens) or tokens[index][1].upper() in sparql_words()["forms"]:
        return None
    at, word = tokens[index]
    if word.upper() in {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"}:
        return None
    row = sparql.count("\n", 0, at) + 1
    return row, at - (sparql.rfind("\n", 0, at) + 1), word


def _undeclared_prefix(sparql: str) -> tuple[int, int, str] | None:
    """(line, column index, name) of the first prefixed name whose prefix is declared nowhere."""
    declared = {m.group(1) or "" for m in _PREFIX_DECL.finditer(sparql)} | set(sparql_words()["prefixes"])
    for start, end, kind in _tokens(sparql):
        word = sparql[start:end]
        if kind == "word" and ":" in word and word.split(":", 1)[0] not in declared:
            return sparql.count("\n", 0, start) + 1, start - (sparql.rfind("\n", 0, start) + 1), word
    return None


def _mistyped_word(line: str, column: int) -> re.Match[str] | None:
    """The last bare word before the fault that is no SPARQL keyword but looks like one."""
    keywords = set(sparql_words()["keywords"])
    words = [m for m in re.finditer(r"(?<![\w?$:<@\"'])[A-Za-z_]+(?![\w:(])", line) if m.start() < column]
    if words and words[-1].group(0).upper() not in keywords and _did_you_mean(words[-1].group(0)):
        return words[-1]
    return None


def _did_you_mean(word: str) -> str:
    close = difflib.get_close_matches(word.upper(), sparql_words()["keywords"], n=1, cutoff=0.75)
    return f" (did you mean {close[0]}?)" if close else ""


def _expected_in_words(detail: str) -> str:
    """Oxigraph's "expected one of X, Y, [a-z]" without the character classes."""
    found = re.match(r"expected(?: one of)?\s+(.*)", detail, re.S)
    if not found:
        return detail.split("\n")[0] or "not valid SPARQL here"
    items = [item.strip() for item in _EXPECTED_ITEM.findall(found.group(1))]
    keywords = [item for item in items if re.fullmatch(r"[A-Za-z_]+", item)]
    marks = [item for item in items if re.fullmatch(r'"[^\w\s"\\]{1,3}"', item)]
    named = keywords[:_MAX_EXPECTED] + (["..."] if len(keywords) > _MAX_EXPECTED else []) + marks
    if len(keywords) + len(marks) < len(items):
        named.append("a term or a variable")
    return ("expected " + named[0]) if len(named) == 1 else "expected one of " + ", ".join(named)
