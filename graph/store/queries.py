"""Saved SPARQL queries: ``graph/store/queries/*.rq``, one query per file with a comment header.

The header gives ``# title:``, ``# description:`` and one ``# param: NAME  help`` line per
parameter (``required`` in the help makes it required). ``# param: NAME:key  help`` declares a
name looked up by ``yalu:nameKey``: its value is case-folded as the keys are
(:func:`graph.build.name_key`). Values are written into the query as escaped RDF terms
(:func:`graph.store.sparql.bind_values`), never pasted as text; an absent optional parameter stays an
unbound variable.

    >>> q = load_saved("actor-timeline")
    >>> [(p.name, p.kind) for p in q.params]
    [('name', 'key')]
    >>> bind_params(q, {"name": "Kim  Jong-Un"})
    {'name': rdflib.term.Literal('kim jong-un')}
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rdflib import Literal

from graph.build import name_key

QUERY_DIR = Path(__file__).resolve().parent / "queries"


@dataclass(frozen=True)
class Param:
    name: str
    help: str
    required: bool
    kind: str = "text"  # or "key": matched against yalu:nameKey, so case-folded like the keys


@dataclass(frozen=True)
class SavedQuery:
    name: str
    title: str
    description: str
    params: tuple[Param, ...]
    text: str


def parse_saved(name: str, text: str) -> SavedQuery:
    """Read the header of a ``.rq`` file."""
    meta: dict[str, str] = {}
    params: list[Param] = []
    for line in text.splitlines():
        if not line.startswith("#"):
            continue
        key, _, value = line[1:].strip().partition(":")
        if key == "param":
            declared, _, phelp = value.strip().partition(" ")
            pname, _, kind = declared.partition(":")
            if kind not in {"", "key"}:
                raise ValueError(f"query {name!r}: parameter {pname!r} has unknown kind {kind!r} (known: key)")
            params.append(Param(pname, phelp.strip(), "required" in phelp, kind or "text"))
        elif key in {"title", "description"}:
            meta[key] = value.strip()
    return SavedQuery(name, meta.get("title", name), meta.get("description", ""), tuple(params), text)


@lru_cache(maxsize=None)
def list_saved() -> tuple[SavedQuery, ...]:
    """Every saved query, sorted by name."""
    return tuple(parse_saved(p.stem, p.read_text(encoding="utf-8")) for p in sorted(QUERY_DIR.glob("*.rq")))


def load_saved(name: str) -> SavedQuery:
    """One saved query by file name (without ``.rq``).

    Raises:
        KeyError: naming the known queries when ``name`` is not one of them.
    """
    for q in list_saved():
        if q.name == name:
            return q
    raise KeyError(f"no saved query {name!r}; known: {', '.join(q.name for q in list_saved())}")


def bind_params(query: SavedQuery, values: dict[str, str]) -> dict[str, Literal]:
    """Check parameter values against the query's header; returns them as literals to bind.

    A value is always a plain literal, even one that looks like an IRI.

    Raises:
        ValueError: for an unknown parameter or a missing required one.
    """
    known = {p.name for p in query.params}
    unknown = set(values) - known
    if unknown:
        raise ValueError(f"query {query.name!r} has no parameter {sorted(unknown)[0]!r}; "
                         f"it takes: {', '.join(sorted(known)) or 'none'}")
    missing = [p.name for p in query.params if p.required and p.name not in values]
    if missing:
        raise ValueError(f"query {query.name!r} needs --param {missing[0]}=VALUE")
    keys = {p.name for p in query.params if p.kind == "key"}
    return {k: Literal(name_key(v) if k in keys else v) for k, v in values.items()}
