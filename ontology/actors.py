"""The actor gazetteer: canonical names, aliases, classes, countries and time-bounded roles.

Plain data, no RDF: ``ingest`` uses it to recognise and resolve names, ``graph`` to state
background facts. Entries live in ``ontology/gazetteer/*.yaml``.

    >>> gaz = load_gazetteer()
    >>> gaz["xi_jinping"].label
    'Xi Jinping'
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from ontology import GAZETTEER_DIR

# Fine class -> coarse class, as the subclass axioms of yalu.ttl state it (checked by a test).
COARSE_CLASS: dict[str, str] = {
    "Person": "Person",
    "State": "State",
    "Organization": "Organization",
    "PoliticalParty": "Organization",
    "GovernmentBody": "Organization",
    "MilitaryOrganization": "Organization",
    "MediaOrganization": "Organization",
    "Group": "Organization",
    "Company": "Organization",
    "InternationalOrganization": "Organization",
    "Place": "Place",
    "City": "Place",
    "Region": "Place",
    "Facility": "Place",
}
RELATIONS = ("leaderOf", "memberOf", "envoyOf")
APOSTROPHES = ("\u2019", "\u02bc")


class GazetteerError(ValueError):
    """A gazetteer file is malformed or refers to an unknown entry."""


@dataclass(frozen=True)
class Role:
    """An office held by a person, with the years it was held (``end`` None: still held)."""

    title: str
    of: str
    relation: str = "memberOf"
    start: int | None = None
    end: int | None = None

    def held_in(self, year: int | None) -> bool:
        """True when the role was held in ``year`` (any role counts when the year is unknown)."""
        if year is None:
            return True
        return (self.start is None or self.start <= year) and (self.end is None or year <= self.end)


@dataclass(frozen=True)
class Actor:
    """One gazetteer entry."""

    id: str
    label: str
    cls: str
    aliases: tuple[str, ...] = ()
    country: str | None = None
    wikidata: str | None = None
    part_of: str | None = None
    located_in: str | None = None
    capital_of: str | None = None
    liaison_with: tuple[str, ...] = ()
    demonyms: tuple[str, ...] = ()
    descriptors: tuple[str, ...] = ()
    roles: tuple[Role, ...] = field(default_factory=tuple)
    memberships: tuple[Role, ...] = ()  # a state's or body's seats in other bodies ("China in the UN Security Council")
    note: str | None = None
    ambiguous: tuple[str, ...] = ()  # names this entry shares with another: resolved by title and date

    @property
    def coarse(self) -> str:
        return COARSE_CLASS[self.cls]

    def names(self) -> tuple[str, ...]:
        """Label and aliases, each also with curly apostrophes where it has a straight one."""
        out: list[str] = []
        for name in (self.label, *self.aliases):
            out.append(name)
            if "'" in name:
                out.extend(name.replace("'", a) for a in APOSTROPHES)
        return tuple(dict.fromkeys(out))


def _tuple(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value)  # type: ignore[union-attr]


def _actor(raw: dict, source: Path) -> Actor:
    try:
        roles = tuple(
            Role(title=r["title"], of=r["of"], relation=r.get("relation", "memberOf"),
                 start=r.get("start"), end=r.get("end"))
            for r in raw.get("roles") or ()
        )
        actor = Actor(
            id=str(raw["id"]), label=str(raw["label"]), cls=str(raw["class"]),
            aliases=_tuple(raw.get("aliases")), country=raw.get("country"),
            wikidata=raw.get("wikidata"), part_of=raw.get("part_of"),
            located_in=raw.get("located_in"), capital_of=raw.get("capital_of"),
            memberships=tuple(Role(title=m.get("title", "Member"), of=m["of"], start=m.get("start"), end=m.get("end"))
                              for m in raw.get("memberships") or ()),
            liaison_with=_tuple(raw.get("liaison_with")), demonyms=_tuple(raw.get("demonyms")),
            descriptors=_tuple(raw.get("descriptors")), roles=roles, note=raw.get("note"),
            ambiguous=_tuple(raw.get("ambiguous")),
        )
    except (KeyError, TypeError) as exc:
        raise GazetteerError(f"{source.name}: entry {raw!r:.80} lacks or mistypes {exc}") from exc
    if actor.cls not in COARSE_CLASS:
        raise GazetteerError(f"{source.name}: {actor.id} has class {actor.cls!r}; allowed: {sorted(COARSE_CLASS)}")
    for role in roles:
        if role.relation not in RELATIONS:
            raise GazetteerError(f"{source.name}: {actor.id} role relation {role.relation!r} not in {RELATIONS}")
    return actor


def _check_references(actors: dict[str, Actor]) -> None:
    for a in actors.values():
        refs = [a.country, a.part_of, a.located_in, a.capital_of, *a.liaison_with, *(r.of for r in a.roles),
                *(m.of for m in a.memberships)]
        for ref in refs:
            if ref is not None and ref not in actors:
                raise GazetteerError(f"{a.id} refers to unknown gazetteer id {ref!r}")


def read_gazetteer(paths: list[Path]) -> dict[str, Actor]:
    """Read gazetteer YAML files into a dict keyed by id.

    Raises:
        GazetteerError: on a duplicate id, an unknown class or a dangling reference.
    """
    actors: dict[str, Actor] = {}
    for path in paths:
        for raw in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            actor = _actor(raw, path)
            if actor.id in actors:
                raise GazetteerError(f"{path.name}: duplicate gazetteer id {actor.id!r}")
            actors[actor.id] = actor
    _check_references(actors)
    return actors


@lru_cache(maxsize=1)
def load_gazetteer() -> dict[str, Actor]:
    """The bundled gazetteer (``ontology/gazetteer/*.yaml``), loaded once."""
    return read_gazetteer(sorted(GAZETTEER_DIR.glob("*.yaml")))
