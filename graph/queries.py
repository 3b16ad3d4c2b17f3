"""Saved SPARQL queries: ``graph/queries/*.rq``, one query per file with a comment header.

The header gives ``# title:``, ``# description:`` and one ``# param: NAME  help`` line per
parameter; parameters are bound with substitutions, never pasted into the text.

    >>> q = load_saved("post-holders")
    >>> [p.name for p in q.params]
    ['role', 'year']
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

QUERY_DIR = Path(__file__).resolve().parent / "queries"


@dataclass(frozen=True)
class Param:
    name: str
    help: str
    required: bool


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
            pname, _, phelp = value.strip().partition(" ")
            params.append(Param(pname, phelp.strip(), "required" in phelp))
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


def bind_params(query: SavedQuery, values: dict[str, str]) -> dict[str, str]:
    """Check parameter values against the query's header.

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
    return values
