"""Plain records that cross from ``ingest`` to ``graph``: no spaCy, no RDF.

    >>> doc = Document.from_text("Xi Jinping met Kim Jong-un.", title="Demo")
    >>> doc.id[:12] == doc.id[:12].lower()
    True
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field


def content_hash(text: str) -> str:
    """SHA-256 of the text: a document's identity."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class Document:
    """An input text with its metadata; ``id`` is the content hash of ``text``."""

    id: str
    text: str
    title: str | None = None
    author: str | None = None
    date: str | None = None  # ISO date of publication: YYYY, YYYY-MM or YYYY-MM-DD
    source: str | None = None  # path or URL

    @classmethod
    def from_text(cls, text: str, **meta: str | None) -> Document:
        return cls(id=content_hash(text), text=text, **meta)


@dataclass(frozen=True)
class Mention:
    """Where something was read: a span of one sentence of a document."""

    doc_id: str
    sentence_index: int
    sentence: str
    start: int  # character offsets in the document text
    end: int
    text: str


@dataclass(frozen=True)
class Entity:
    """One real-world entity seen in a document.

    ``key`` is the gazetteer id, or a stable key for names the gazetteer does not know.
    """

    key: str
    label: str
    cls: str  # a fine class of the ontology, e.g. "Person", "City", "PoliticalParty"
    aliases: tuple[str, ...] = ()
    wikidata: str | None = None
    in_gazetteer: bool = False
    mentions: tuple[Mention, ...] = ()


@dataclass(frozen=True)
class Fact:
    """A statement between entities (or an entity and a literal, when ``literal`` is set).

    ``source`` says who asserted it: ``"text"`` or ``"gazetteer"``.
    """

    subject: str
    predicate: str  # leaderOf, memberOf, envoyOf, partOf, locatedIn, capitalOf, country, title, liaisonWith, affiliatedWith
    object: str  # an entity key, or the literal's text
    literal: bool = False
    source: str = "text"
    mention: Mention | None = None


@dataclass(frozen=True)
class Membership:
    """A time-bounded role (W3C ORG membership) from the gazetteer."""

    person: str
    organization: str
    role: str
    start: int | None = None
    end: int | None = None


@dataclass(frozen=True)
class Event:
    """Something that happened (or, with a ``modality`` other than asserted, only mentioned)."""

    key: str  # unique within the document
    cls: str  # an event class of the ontology, e.g. "Meeting"
    trigger: str
    agents: tuple[str, ...] = ()
    participants: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()
    date: str | None = None  # ISO: YYYY, YYYY-MM or YYYY-MM-DD
    place: str | None = None
    modality: str = "asserted"  # asserted, negated, hypothetical, speculative, planned
    duration: str | None = None  # xsd:duration, e.g. PT20M
    mentions: tuple[Mention, ...] = ()


@dataclass(frozen=True)
class Extraction:
    """Everything read from one document."""

    document: Document
    entities: tuple[Entity, ...] = ()
    facts: tuple[Fact, ...] = ()
    memberships: tuple[Membership, ...] = ()
    events: tuple[Event, ...] = field(default_factory=tuple)
