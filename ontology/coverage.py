"""How well the gazetteer covers the offices and bodies issue #14 lists, category by category.

The categories are data (``ontology/coverage.yaml``); each names how its members are found.
``python -m ontology.coverage`` prints one row a category (entries found, the share with dated
roles, the share with a Wikidata id) and the entries by class.

    >>> rows = coverage(load_gazetteer(), load_categories())
    >>> rows[0].category
    'PRC party chairmen and general secretaries'
"""
from __future__ import annotations

import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import yaml

from ontology import HERE
from ontology.actors import Actor, GazetteerError, load_gazetteer

CATEGORIES_YAML = HERE / "coverage.yaml"
SELECTORS = ("roles", "entries", "ids")


class CoverageError(ValueError):
    """A category of ``coverage.yaml`` is malformed."""


@dataclass(frozen=True)
class Category:
    """A named group of entries and the selector that finds them (one of ``SELECTORS``)."""

    name: str
    group: str
    selector: str
    spec: dict


@dataclass(frozen=True)
class Row:
    """One line of the report; ``dated`` is None for categories that no office defines."""

    category: str
    group: str
    members: tuple[str, ...]
    dated: float | None
    with_qid: float | None  # None when the category finds no entry


def _ids(value: object) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value or ())  # type: ignore[arg-type]


def load_categories(path: Path = CATEGORIES_YAML) -> list[Category]:
    """The report's categories.

    Raises:
        CoverageError: when a category lacks a name or has no selector, or more than one.
    """
    out = []
    for raw in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
        chosen = [s for s in SELECTORS if s in raw]
        if "category" not in raw or len(chosen) != 1:
            raise CoverageError(f"{path.name}: category {raw!r:.80} needs a name and exactly one of {SELECTORS}")
        out.append(Category(str(raw["category"]), str(raw.get("group", "")), chosen[0], raw[chosen[0]]))
    return out


def members(category: Category, actors: dict[str, Actor]) -> tuple[str, ...]:
    """Ids of the entries the category's selector finds, sorted."""
    spec = category.spec
    if category.selector == "ids":
        return tuple(sorted(i for i in _ids(spec) if i in actors))
    if category.selector == "entries":
        classes, countries = set(_ids(spec.get("class"))), set(_ids(spec.get("country")))
        note = re.compile(spec["note"]) if "note" in spec else None
        return tuple(sorted(a.id for a in actors.values()
                            if a.cls in classes and (not countries or a.country in countries)
                            and (note is None or note.search(a.note or ""))))
    return tuple(sorted(a.id for a in actors.values() if _matching_roles(a, spec)))


def _matching_roles(actor: Actor, spec: dict) -> list:
    bodies, relations = set(_ids(spec.get("of"))), set(_ids(spec.get("relation")))
    title = re.compile(spec["title"]) if "title" in spec else None
    if "country" in spec and actor.country not in set(_ids(spec["country"])):
        return []
    return [r for r in actor.roles if r.of in bodies and (not relations or r.relation in relations)
            and (title is None or title.search(r.title))]


def coverage(actors: dict[str, Actor], categories: list[Category]) -> list[Row]:
    """One row a category: its members, the share whose matching roles are dated, the share with a QID."""
    rows = []
    for cat in categories:
        found = members(cat, actors)
        n = len(found)
        dated = with_qid = None
        if n and cat.selector == "roles":
            dated = sum(all(r.start is not None for r in _matching_roles(actors[i], cat.spec)) for i in found) / n
        if n:
            with_qid = sum(actors[i].wikidata is not None for i in found) / n
        rows.append(Row(cat.name, cat.group, found, dated, with_qid))
    return rows


def by_class(actors: dict[str, Actor]) -> Counter[str]:
    """Entries a fine class."""
    return Counter(a.cls for a in actors.values())


def _percent(share: float | None) -> str:
    return "–" if share is None else f"{share:.0%}"


def report(actors: dict[str, Actor], categories: list[Category]) -> str:
    """The coverage table and the entries by class, as Markdown."""
    lines = ["| group | category | entries | with dated roles | with QID |", "| --- | --- | ---: | ---: | ---: |"]
    for row in coverage(actors, categories):
        lines.append(f"| {row.group} | {row.category} | {len(row.members)} | {_percent(row.dated)} "
                     f"| {_percent(row.with_qid)} |")
    classes = by_class(actors)
    lines += ["", "| class | entries |", "| --- | ---: |"]
    lines += [f"| {cls} | {n} |" for cls, n in sorted(classes.items(), key=lambda kv: (-kv[1], kv[0]))]
    lines.append(f"| **total** | **{sum(classes.values())}** |")
    with_qid = sum(a.wikidata is not None for a in actors.values())
    with_roles = sum(bool(a.roles) for a in actors.values())
    lines += ["", f"{len(actors)} entries; {with_roles} with roles; {with_qid} with a Wikidata id."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """``python -m ontology.coverage``: print the report of the bundled gazetteer."""
    try:
        print(report(load_gazetteer(), load_categories()))
    except (CoverageError, GazetteerError, re.error) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
