"""Find events and their arguments: the ``yalu_events`` pipeline component.

Triggers come from ``data/triggers.jsonl`` (spaCy Matcher patterns: verbs, event nouns,
multi-word cues). Arguments come from the dependency parse: subjects and ``by``-phrases
are agents, ``with``/``between`` objects participants, ``on``/``against`` objects targets,
``in``/``at`` places; possessors of event nouns ("Xi's meeting") are agents; support
verbs ("held talks", "imposed sanctions") lend their subject. Negation, speculation,
plans and conditions found on the trigger or on a word governing it set the modality.
Each event is a plain dict in ``doc.user_data["yalu_events"]``; dates stay raw text here
and are normalised against the document date when records are built.
"""
from __future__ import annotations

import bisect
import datetime
import json
import re
from collections import defaultdict
from functools import lru_cache
from pathlib import Path
from typing import Callable

from spacy.attrs import IDS
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc, Span, Token
from spacy.vocab import Vocab

from ingest.dates import DateValue, find_dates, parse_date, shift_date
from ingest.entities import DATELINE, DEMONYMS, EMBEDDED, ENTITIES, INFO, Sentences, load_rules
from ingest.records import Document, Event, Fact, Mention
from ontology.actors import COARSE_CLASS, load_gazetteer

DATA = Path(__file__).resolve().parent / "data"
EVENTS = "yalu_events"
AUTHOR = "@author"  # stands for the document's author until records are built
PLACE_TYPE_NOUNS = {"city", "town", "county", "province", "region", "district", "port", "village", "capital"}
REPORTING = {"say", "report", "tell", "announce", "state", "add", "write"}
UNITS = {"minute": "M", "minutes": "M", "hour": "H", "hours": "H", "day": "D", "days": "D"}
SPAN_ANCHOR = datetime.date(2000, 6, 15)
WORD_ATTRS = ("LEMMA", "LOWER", "ORTH")  # token attributes that name a word
NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
           "ten": 10, "twenty": 20, "thirty": 30, "forty": 40, "forty-five": 45, "ninety": 90, "a": 1, "an": 1}


@lru_cache(maxsize=1)
def load_triggers() -> tuple[dict, ...]:
    """Trigger rows of ``data/triggers.jsonl``, one JSON object per line."""
    lines = (DATA / "triggers.jsonl").read_text(encoding="utf-8").splitlines()
    return tuple(json.loads(line) for line in lines if line.strip())


def duration_iso(text: str) -> str | None:
    """"a mere 20 minutes" -> "PT20M"; None when the text is not a simple duration.

    >>> duration_iso("a mere 20 minutes")
    'PT20M'
    """
    m = re.search(r"\b(\d+|[a-z-]+)\s+(minutes?|hours?|days?)\b", text.lower())
    if not m:
        return None
    amount = int(m.group(1)) if m.group(1).isdigit() else NUMBERS.get(m.group(1))
    if amount is None:
        return None
    unit = UNITS[m.group(2)]
    return f"P{amount}D" if unit == "D" else f"PT{amount}{unit}"


class TriggerMatcher:
    """spaCy's ``Matcher`` over the trigger patterns, run only where a trigger can be.

    The Matcher tries every pattern at every token and calls each ``IN`` list once per token:
    that was half of this component's time. When every token of every pattern names its words
    (``LEMMA``, ``LOWER`` or ``ORTH``: a value or an ``IN`` list), a match lies inside a run of
    tokens that each carry a word of its pattern, so matching each run with just the patterns
    its words name finds the same matches, in the same order. Patterns that do not name their
    words are matched on the whole doc.
    """

    def __init__(self, vocab: Vocab, patterns: dict[str, list[dict]]):
        self.vocab = vocab
        self.patterns = list(patterns.items())
        self.matchers: dict[tuple[int, ...], Matcher] = {}  # by the patterns it holds
        named: dict[int, dict[int, set[int]]] | None = defaultdict(lambda: defaultdict(set))
        for n, (_, pattern) in enumerate(self.patterns):
            for token in pattern:
                words = _named_words(token)
                if words is None or token.get("OP") == "!":
                    named = None
                    break
                attr, values = words
                for value in values:
                    named[IDS[attr]][vocab.strings.add(value) if isinstance(value, str) else value].add(n)
            if named is None:
                break
        # attribute -> word -> the patterns naming it; plain dicts, which pickle (spawned workers)
        self.named = None if named is None else {a: dict(words) for a, words in named.items()}
        self.words = {w for words in (named or {}).values() for w in words}

    def __call__(self, doc: Doc) -> list[tuple[int, int, int]]:
        if self.named is None:
            return self._matcher(tuple(range(len(self.patterns))))(doc)
        if not len(doc):
            return []
        attrs = list(self.named)
        lookups = [self.named[a] for a in attrs]
        runs: list[tuple[int, int, set[int]]] = []  # start, end, the patterns its words name
        for i, values in enumerate(doc.to_array(attrs).reshape(len(doc), len(attrs)).tolist()):
            if self.words.isdisjoint(values):
                continue
            which = {n for words, value in zip(lookups, values) for n in words.get(value, ())}
            if not which:
                continue
            if runs and runs[-1][1] == i:
                runs[-1] = (runs[-1][0], i + 1, runs[-1][2] | which)
            else:
                runs.append((i, i + 1, which))
        out = []
        for start, end, which in runs:
            matcher = self._matcher(tuple(sorted(which)))
            out += [(key, start + s, start + e) for key, s, e in matcher(doc[start:end])]
        return out

    def _matcher(self, which: tuple[int, ...]) -> Matcher:
        matcher = self.matchers.get(which)
        if matcher is None:
            matcher = self.matchers[which] = Matcher(self.vocab)
            for n in which:
                key, pattern = self.patterns[n]
                matcher.add(key, [pattern])
        return matcher


def _named_words(token: dict) -> tuple[str, list] | None:
    """The attribute and words a pattern token requires, when it requires some."""
    for attr in WORD_ATTRS:
        value = token.get(attr)
        if isinstance(value, (str, int)):
            return attr, [value]
        if isinstance(value, dict) and set(value) == {"IN"}:
            return attr, list(value["IN"])
    return None


class EventFinder:
    """Trigger matching, argument extraction and modality for one document."""

    def __init__(self, nlp: Language):
        self.rows = {row["id"]: row for row in load_triggers()}
        self.gaz = load_gazetteer()
        self.order = {key: n for n, key in enumerate(self.rows)}
        self.matcher = TriggerMatcher(nlp.vocab, {row["id"]: row["pattern"] for row in self.rows.values()})
        r = load_rules("event_rules.yaml")
        self.support = set(r["support_verbs"])
        self.quantifiers = set(r["quantifier_nouns"])
        self.people = set(r["people_nouns"])
        self.person_pronouns = set(r["person_pronouns"])
        self.author_pronouns = set(r["author_pronouns"])
        self.negation = set(r["negation_words"])
        self.negation_verbs = set(r["negation_verbs"])
        self.cues = [("speculative", set(r["speculative_words"])), ("planned", set(r["planned_words"])),
                     ("hypothetical", set(r["hypothetical_words"]))]
        self.presupposing = set(r["presupposing_prepositions"])
        self.anchoring = set(r["anchoring_words"])
        self.generic_det = set(r["generic_determiners"])
        self.habitual = set(r["habitual_words"])
        self.located_classes = set(r["located_classes"])
        self.needed_words = {k: set(v) for k, v in r["needed_words"].items()}
        self.speaker_nouns = set(r["speaker_nouns"])
        self.receiving = set(r["receiving_verbs"])
        self.occurrence_verbs = set(r["occurrence_verbs"])
        self.question_openers = set(r["question_openers"])
        self.reaction_classes = set(r["reaction_classes"])
        self.attending = set(r["attending_verbs"])
        self.retinue = set(r["retinue_nouns"])
        self.hearsay = set(r["hearsay_nouns"])
        self.sitting_nouns = set(r["sitting_nouns"])
        self.deliberative = set(r["deliberative_heads"])

    # ------------------------------------------------------------------ component
    def __call__(self, doc: Doc) -> Doc:
        self.text = doc.text  # slices of it are span texts: Span.text joins its tokens anew each time
        entities = list(doc.spans[ENTITIES])  # a span group makes new Span objects on each pass
        self.span_at = {i: s for s in entities for i in range(s.start, s.end)}
        self.demonym_at = {i: s.id_ for s in doc.spans[DEMONYMS] for i in range(s.start, s.end)}
        self.known = {k for k, v in doc.user_data.get(INFO, {}).items() if v.get("gazetteer")}
        self.embedded = doc.user_data.get(EMBEDDED, [])
        self.persons = [s for s in entities if s.label_ == "Person"]
        self.person_starts = [s.start for s in self.persons]
        self.coarse_of = {s.id_: COARSE_CLASS.get(s.label_) for s in entities}
        self.sentences = Sentences(doc)
        self.sent_starts = self.sentences.starts
        self.dateline = doc.user_data.get(DATELINE)
        self.date_cache: dict[int, list[Span]] = {}
        self.sent_ents: dict[int, list[Span]] = defaultdict(list)  # Span.ents rebuilds every entity
        for ent in doc.ents:
            self.sent_ents[self.sentences.of(ent.start).start].append(ent)
        found: dict[int, list[tuple[dict, int, int]]] = defaultdict(list)
        for match_id, start, end in self.matcher(doc):
            row = self.rows[doc.vocab.strings[match_id]]
            head = _head(row, start, end)
            if head in self.span_at and not self._named_event(doc[head], row["class"]):
                continue  # "Six-Party Talks", "National People's Congress" are names, not events
            found[head].append((row, start, end))
        # a verb that fails its own conditions ("led to speculation") is no trigger, and owns no date;
        # of the rows that hold, the longest match wins, then the row listed first
        heads: dict[int, tuple[dict, int, int]] = {}
        for head, options in found.items():
            valid = [v for v in options if v[0]["kind"] == "noun" or self._verb_ok(doc[head], v[0])]
            if valid:
                heads[head] = max(valid, key=lambda v: (v[2] - v[1], -self.order[v[0]["id"]]))
        # "a message of greeting": the inner noun names the same event as the outer one
        self.head_class = {h: v[0]["class"] for h, v in heads.items()}
        heads = {h: v for h, v in heads.items() if not self._restates(doc[h])}
        triggers = set(heads)
        events = []
        for head, (row, start, end) in sorted(heads.items()):
            event = self._event(doc, row, doc[head], doc[start:end], triggers)
            if event is not None:
                event["sentence_index"] = self.sentences.index(head)
                events.append(event)
        self._reaction_targets(doc, events)
        doc.user_data[EVENTS] = events
        return doc

    def _reaction_targets(self, doc: Doc, events: list[dict]) -> None:
        """"condemned the launch by the DPRK", "sanctions over its nuclear test": whoever acted in the event
        reacted to is the target of the reaction."""
        by_head = {e["head"]: e for e in events}
        for event in events:
            if event["cls"] not in self.reaction_classes or event["targets"]:
                continue
            for child in doc[event["head"]].children:
                objects = [child] if child.dep_ in {"dobj", "nsubjpass"} else [
                    g for g in child.children if g.dep_ == "pobj"] if child.dep_ == "prep" and child.lower_ in {
                    "over", "for", "against", "on", "after"} else []
                for obj in objects:
                    reacted = by_head.get(obj.i)
                    if reacted is not None and reacted is not event:
                        event["targets"] = _unique(k for k in reacted["agents"] if k not in event["agents"])

    # ------------------------------------------------------------------ one trigger
    def _event(self, doc: Doc, row: dict, tok: Token, span: Span, triggers: set[int]) -> dict | None:
        cls = row["class"]
        roles: dict[str, list[str]] = {"agents": [], "participants": [], "targets": []}
        place: list[str] = []
        anchor = tok  # the token dates and modality attach to
        specific = True
        anaphoric = False
        if row["kind"] == "noun":
            anchor, supported = self._support(tok)
            participle = None if supported else self._participle(tok)
            received = not supported and tok.dep_ == "dobj" and tok.head.lemma_ in self.receiving
            if participle is not None:  # "the launch announced by the DPRK on 22 November"
                anchor = participle
            elif received:  # "received a message from Xi on Monday": the receiving dates it
                anchor = tok.head
            dates = self._dates(doc, anchor, tok, triggers)
            if not dates and anchor.i == tok.i and tok.dep_ in {"nsubj", "nsubjpass"} and tok.head.pos_ == "VERB" \
                    and tok.head.i not in triggers:
                dates = self._dates(doc, tok.head, tok, triggers)  # "China's imports fell 20 percent in April"
            specific, anaphoric = self._specificity(tok, supported or bool(dates) or participle is not None)
            self._noun_roles(tok, cls, roles, place)
            if supported:
                self._verb_roles(anchor, cls, {"object": "none"}, roles, place, skip=tok)
            elif participle is not None:
                for child in participle.children:
                    if child.dep_ in {"prep", "agent"}:
                        self._prep_role(child, cls, roles, place, owner_is_noun=False)
                    elif child.dep_ == "nsubj" and child.lower_ not in {"which", "that"}:
                        roles["agents"] += self._resolve(child)  # "the test the DPRK conducted"
            elif received:
                for subject in tok.head.children:
                    if subject.dep_ == "nsubj":  # the addressee of a message, a partner in trade
                        roles["participants" if cls == "Trade" else "targets"] += self._resolve(subject)
            elif not any(roles.values()):
                self._setting_roles(tok, cls, roles)
        else:
            self._verb_roles(tok, cls, row, roles, place)
            specific = not self._habitual(tok)
            dates = self._dates(doc, tok, tok, triggers)
        if not specific and not anaphoric:
            return None
        if cls == "Statement" and tok.lemma_.lower() in self.sitting_nouns and any(
                self._deliberative(c) for c in tok.children if c.dep_ in {"compound", "poss", "nmod"}):
            cls = "Meeting"  # "the Security Council briefing" is the Council sitting, not one speaker
        named = self.span_at.get(tok.i)
        if named is not None:  # "the Eighth Congress of the WPK opened": the party holds it, not the congress
            holders_of = [k for k, s, e in self.embedded if named.start <= s and e <= named.end] or [
                p for p in [self.gaz[named.id_].part_of if named.id_ in self.gaz else None] if p]
            for role in roles.values():
                role[:] = [k for k in role if k != named.id_]
            roles["agents"] += holders_of
        holders = {tok.i, anchor.i}
        if tok.dep_ in {"nsubj", "nsubjpass"}:
            holders.add(tok.head.i)  # "the meeting lasted 20 minutes"
        duration = None
        for e in self.sent_ents[self.sentences.of(tok.i).start]:
            found = duration_iso(self._text(e)) if e.label_ in {"TIME", "DATE"} else None
            if found and self._attached(e.root, holders):
                duration = found
                break
        return {
            "cls": cls, "trigger": span.text, "kind": row["kind"], "head": tok.i,
            "start": span.start_char, "end": span.end_char,
            "agents": _unique(roles["agents"]),
            "participants": _unique(roles["participants"]),
            "targets": _unique(t for t in roles["targets"] if t not in roles["agents"]),
            "place": place[0] if place else None,
            "dates": dates, "duration": duration,
            "modality": self._modality(anchor, tok, triggers, presupposed=row["kind"] == "noun" and anchor.i != tok.i
                                       and anchor.dep_ == "acl" or (row["kind"] == "noun" and anchor.i == tok.i
                                       and (bool(dates) or _definite(tok)))),
            "specific": specific, "anaphoric": anaphoric,
            "present": tok.tag_ in {"VBZ", "VBP"},
            "definite": row["kind"] == "noun" and _definite(tok),
        }

    def _verb_ok(self, tok: Token, row: dict) -> bool:
        if tok.dep_ == "amod":
            return False  # "a sanctioned entity": a participle describing, not an event
        needs = row.get("needs")
        if needs == "place":  # "arrived in Beijing", "arrived here" (where the dispatch was filed)
            return any(self._is_place(k) for p in tok.children if p.dep_ == "prep"
                       and p.lower_ in {"in", "to", "at", "into"} for k in self._prep_objects(p)) or (
                bool(self.dateline and self.dateline["place"])
                and any(c.dep_ == "advmod" and c.lower_ == "here" for c in tok.children))
        if needs == "at":
            return any(p.dep_ == "prep" and p.lower_ in {"at", "before"} for p in tok.children)
        if needs == "delegation":  # "led a Chinese delegation to Pyongyang"
            return any(c.dep_ == "dobj" and c.lemma_ in {"delegation", "mission", "team"} for c in tok.children) \
                and any(self._is_place(k) for p in tok.children if p.dep_ == "prep" and p.lower_ in {"to", "in"}
                        for k in self._prep_objects(p))
        if needs == "guest":  # "hosted a banquet for the delegation", "received Kim": someone is received
            objs = [c for c in tok.children if c.dep_ == "dobj"]
            preps = [p for p in tok.children if p.dep_ == "prep" and p.lower_ == "for"]
            for o in objs:
                preps += [p for p in o.children if p.dep_ == "prep" and p.lower_ == "for"]
            return any(self._resolve(o) for o in objs) or any(self._prep_objects(p) for p in preps) \
                or bool(self._honoured(tok))
        if needs in self.needed_words:  # "test-fired two missiles", "froze the assets of", "sent troops"
            return any(self._has_word(o, self.needed_words[needs]) for o in _objects(tok))
        if needs == "with":  # "talked with Kim", "spoke by phone with Xi"
            return any(p.dep_ == "prep" and p.lower_ == "with" and self._prep_objects(p) for p in tok.children)
        if needs == "place_for":  # "left for Beijing"
            return any(self._is_place(k) for p in tok.children if p.dep_ == "prep" and p.lower_ == "for"
                       for k in self._prep_objects(p))
        if needs == "non_actor_object":  # "welcomed the decision" is a statement; "welcomed Kim" a reception
            objs = [c for c in tok.children if c.dep_ == "dobj"]
            return bool(objs) and not any(self._resolve(o) for o in objs)
        if needs == "call_to":  # "called on Pyongyang to ...", "called for restraint"
            return any(p.dep_ == "prep" and p.lower_ in {"on", "upon", "for"} for p in tok.children)
        if needs in {"speaker_subject", "not_speaker_subject"}:
            speaker = any(self._speaks(s) for s in tok.children if s.dep_ in {"nsubj", "nsubjpass"})
            return speaker == (needs == "speaker_subject")
        if needs == "actor_object":  # "designated three companies": the object is someone, not somewhere
            return any(self._names_actor(o) for o in _objects(tok))
        if needs == "state_flight":  # "fled North Korea", "escaped to China", "fled across the border"
            if any(self._is_place(k) for o in _objects(tok) for k in self._resolve(o)):
                return True
            return any(p.dep_ == "prep" and p.lower_ in {"from", "to", "into", "across"}
                       and (any(self._is_place(k) for k in self._prep_objects(p))
                            or any(o.lemma_ in {"border", "river", "frontier"} for o in p.children))
                       for p in tok.children)
        if needs == "to_actor":  # "sold coal to North Korea"
            return any(p.dep_ == "prep" and p.lower_ in {"to", "from"} and self._prep_objects(p) for p in tok.children)
        if needs == "from_post":  # "removed from all posts", "expelled from the party"
            return any(p.dep_ == "prep" and p.lower_ in {"from", "of"}
                       and any(self._has_word(o, self.needed_words["post"]) or self._resolve(o)
                               for o in p.children if o.dep_ == "pobj")
                       for p in tok.children)
        if needs == "as_post":  # "named him ambassador", "chose Ri as foreign minister"
            return any(p.dep_ == "prep" and p.lower_ == "as" for p in tok.children) or \
                any(c.dep_ in {"oprd", "ccomp", "xcomp"} and c.pos_ in {"NOUN", "PROPN"} for c in tok.children)
        return True

    def _has_word(self, tok: Token, words: list[str]) -> bool:
        """The object or one of its modifiers is one of ``words`` ("two ballistic missiles", "its assets")."""
        return tok.lower_ in words or any(c.lower_ in words for c in tok.children
                                           if c.dep_ in {"compound", "amod", "nmod", "pobj", "prep"}) \
            or any(g.lower_ in words for c in tok.children if c.dep_ == "prep" for g in c.children)

    def _speaks(self, subject: Token) -> bool:
        span = self.span_at.get(subject.i)
        if span is not None:
            return span.label_ == "MediaOrganization"
        return subject.lower_ in self.speaker_nouns or subject.lemma_ in self.speaker_nouns

    def _names_actor(self, tok: Token) -> bool:
        return any(self.coarse_of.get(self.span_at[t.i].id_) not in {None, "Place"}
                   for t in tok.subtree if t.i in self.span_at) or bool(self._resolve(tok))

    # ------------------------------------------------------------------ arguments
    def _support(self, noun: Token) -> tuple[Token, bool]:
        """The verb that carries an event noun ("held a congress"), through quantifiers ("a round of")."""
        node = noun
        if node.dep_ == "pobj" and node.head.lower_ == "of" and node.head.head.lemma_ in self.quantifiers:
            node = node.head.head
        if node.dep_ in {"dobj", "nsubjpass", "attr", "conj"} and node.head.pos_ in {"VERB", "AUX"} \
                and node.head.lemma_ in self.support:
            return node.head, True
        return noun, False

    def _named_event(self, noun: Token, cls: str) -> bool:
        """A name that is an event a support verb reports ("signed the Treaty of Friendship", "the Armistice
        Agreement was signed"); a congress named as a setting or as what opened ("at the 18th National
        Congress", "the Eighth Congress opened")."""
        if noun.dep_ in {"dobj", "nsubjpass"} and noun.head.lemma_ in self.support and noun.head.pos_ == "VERB":
            return True
        if cls != "PartyCongress":
            return False
        return (noun.dep_ == "pobj" and noun.head.lower_ in {"at", "during", "to", "before"}) or (
            noun.dep_ in {"nsubj", "nsubjpass"} and noun.head.lemma_ in self.occurrence_verbs)

    def _restates(self, noun: Token) -> bool:
        """An event noun after "of" that names the same kind of event as the noun it modifies ("a message
        of greeting"), or the medium of what a speaking verb says ("lashed out ... in a commentary")."""
        outer = noun.head.head
        if noun.dep_ != "pobj" or outer.i == noun.i or outer.i not in self.head_class:
            return False
        if noun.head.lower_ == "of":
            return self.head_class[outer.i] == self.head_class.get(noun.i)
        return noun.head.lower_ in {"in", "through", "via"} and self.head_class.get(noun.i) == "Statement" \
            and self.head_class[outer.i] in {"Statement", "Criticism"} and outer.pos_ == "VERB"

    def _participle(self, noun: Token) -> Token | None:
        """A past participle or a relative clause that tells of the event noun it modifies ("the treaty
        signed in 1961", "the nuclear test the DPRK conducted on Tuesday")."""
        for child in noun.children:
            if child.dep_ == "acl" and child.tag_ == "VBN":
                return child
            if child.dep_ == "relcl" and child.lemma_ in self.support:
                return child
        return None

    def _setting_roles(self, noun: Token, cls: str, roles: dict) -> None:
        """"At a briefing on Monday, the spokesman said ...": who acts in the clause the event frames."""
        prep = noun.head
        if noun.dep_ != "pobj" or prep.lower_ not in {"in", "at", "during", "as"} or prep.head.pos_ not in {"VERB", "AUX"}:
            return
        acts = prep.lower_ == "as" or cls in {"Statement", "Criticism"}  # "sent rice as flood relief": the sender gives it
        for child in prep.head.children:
            if child.dep_ == "nsubj":
                roles["agents" if acts else "participants"] += self._resolve(child)
            elif child.dep_ == "prep" and child.lower_ == "to" and prep.lower_ == "as":
                roles["targets"] += [k for k in self._prep_objects(child) if not self._is_city(k)]

    def _specificity(self, noun: Token, anchored: bool) -> tuple[bool, bool]:
        """(specific, anaphoric): a dated, owned or supported event noun is one event; "the talks" refers back."""
        dets = {c.lower_ for c in noun.children if c.dep_ in {"det", "amod"}}
        if dets & self.generic_det:
            return False, False
        owned = any(c.dep_ == "poss" for c in noun.children)
        # "talks with Xi", "sanctions against North Korea": who takes part is named
        named_by = noun.tag_ in {"NN", "NNP"} and any(  # "U.S. sanctions" is a regime, not one event
            c.dep_ in {"compound", "nmod"} and c.i in self.span_at for c in noun.children)
        if anchored or named_by or any(
                p.dep_ in {"prep", "agent"} and p.lower_ in {"with", "between", "against", "on", "from", "of", "by"}
                and self._prep_objects(p) for p in noun.children):
            return True, False  # "remarks by Geng", "the Security Council briefing": who is named
        if noun.tag_ in {"NNS", "NNPS"}:
            return False, bool(dets & {"the", "these", "those"} or owned)
        ordinal = any(c.dep_ == "amod" and c.lower_ in {"first", "second", "third", "fourth", "fifth", "sixth",
                                                         "seventh", "latest", "recent"} for c in noun.children)
        if owned or ordinal:
            return True, False
        if dets & {"a", "an"}:
            return True, False
        return False, bool(dets & {"the", "this", "that"})

    def _noun_roles(self, noun: Token, cls: str, roles: dict, place: list) -> None:
        if noun.dep_ == "pobj" and noun.head.lower_ == "on" and noun.head.head.pos_ in {"NOUN", "PROPN", "PRON"}:
            roles["agents"] += self._resolve(noun.head.head)  # "Meng and his party on a visit to the DPRK"
        if noun.dep_ in {"nsubj", "nsubjpass"}:  # "talks ... resumed in Beijing": where the verb says
            for prep in noun.head.children:
                if prep.dep_ == "prep" and prep.lower_ in {"in", "at"}:
                    place.extend(a for a in self._prep_objects(prep) if self._is_place(a))
        for child in noun.children:
            if child.dep_ == "poss":
                roles["agents"] += self._resolve(child)
            elif child.dep_ in {"compound", "amod", "nmod", "npadvmod"} and child.i < noun.i:
                for t in child.subtree:
                    found = self._entity_or_demonym(t)
                    if cls in self.located_classes and t.i in self.span_at and any(self._is_place(k) for k in found):
                        place.extend(found)  # "the Singapore summit": where, not who
                    else:
                        roles["agents"] += found
            elif child.dep_ in {"prep", "agent"}:
                self._prep_role(child, cls, roles, place, owner_is_noun=True)
                for inner in child.children:  # "a message of greeting from Xi"
                    if inner.dep_ == "pobj" and self._restates(inner):
                        self._noun_roles(inner, cls, roles, place)

    def _verb_roles(self, verb: Token, cls: str, row: dict, roles: dict, place: list, skip: Token | None = None) -> None:
        subjects = [c for c in verb.children if c.dep_ in {"nsubj", "nsubjpass", "csubj"} and (skip is None or c.i != skip.i)]
        passive = any(c.dep_ in {"nsubjpass", "auxpass"} for c in verb.children)
        head = verb
        while not subjects and head.dep_ in {"xcomp", "conj", "acl", "advcl", "dobj", "pobj", "prep"} and head.head.i != head.i:
            head = head.head
            subjects = [c for c in head.children if c.dep_ in {"nsubj", "nsubjpass"} and (skip is None or c.i != skip.i)]
            passive = passive and head.i == verb.i
        if not subjects and skip is None and verb.dep_ == "ROOT":
            subjects = self._stray_subject(verb)
        obj_role = row.get("object", "none")
        for s in subjects:
            # "The field of scientific research in the DPRK conducted ...": the body or state the subject
            # phrase names, when its head names none
            actors = self._resolve(s) or self._named_within(s)
            if skip is not None and verb.lemma_ in self.attending:
                roles["participants"] += actors  # "Kim watched the drill": there, not its agent
            elif not passive:
                roles["agents"] += actors
            elif obj_role == "target":
                roles["targets"] += actors
            elif obj_role in {"participant", "visitor"}:
                roles["participants"] += actors
            # otherwise a passive subject is the theme ("the test had been telegraphed"), not an actor
        for child in verb.children:
            if skip is not None and child.i == skip.i:
                continue
            if child.dep_ == "dobj" and cls == "Meeting":  # "hosted a banquet for the delegation"
                for p in child.children:
                    if p.dep_ == "prep" and p.lower_ == "for":
                        roles["participants"] += self._prep_objects(p)
                roles["participants"] += self._honoured(verb)
            if child.dep_ == "dobj" and obj_role != "none":
                actors = self._resolve(child)
                if obj_role == "place":
                    (place if any(self._is_place(a) for a in actors) else roles["participants"]).extend(actors)
                elif obj_role == "visitor":
                    roles["participants"] += actors
                elif obj_role == "target":  # "shelled Yeonpyeong Island": where it happened
                    place.extend(a for a in actors if self._is_city(a))
                    roles["targets"] += [a for a in actors if not self._is_city(a)] or self._owner_in(child)
                else:
                    roles["participants"] += actors
            elif child.dep_ == "dative":
                roles["targets"] += self._resolve(child)
            elif child.dep_ == "advmod" and child.lower_ == "here" and self.dateline and self.dateline["place"]:
                place.append(self.dateline["place"])  # "met here Thursday": where the dispatch was filed
            elif child.dep_ in {"prep", "agent"}:
                self._prep_role(child, cls, roles, place, owner_is_noun=False)

    def _deliberative(self, tok: Token) -> bool:
        """A body that sits (a council, a committee, an assembly) named by ``tok``."""
        span = self.span_at.get(tok.i)
        return span is not None and span.text.split()[-1].lower() in self.deliberative

    def _named_within(self, phrase: Token) -> list[str]:
        """The one state or organisation named inside a noun phrase whose head is no actor."""
        found = _unique(self.span_at[t.i].id_ for t in phrase.subtree if t.i in self.span_at
                        and t.i == self.span_at[t.i].end - 1
                        and COARSE_CLASS.get(self.span_at[t.i].label_) in {"State", "Organization"})
        return found if len(found) == 1 else []

    def _owner_in(self, obj: Token) -> list[str]:
        """Whose thing a verb acts on: "froze the assets of X", "banned imports of North Korean coal"."""
        out: list[str] = []
        for prep in obj.children:
            if prep.dep_ == "prep" and prep.lower_ in {"of", "from"}:
                for pobj in prep.children:
                    if pobj.dep_ == "pobj":
                        out += self._resolve(pobj) or [k for t in pobj.subtree for k in self._entity_or_demonym(t)]
        return _unique(out)

    def _honoured(self, verb: Token) -> list[str]:
        """Who "a banquet in honour of Kim" honours, wherever the parse hangs the phrase."""
        out: list[str] = []
        for t in verb.subtree:
            if t.lower_ in {"honour", "honor"} and t.head.lower_ == "in":
                for p in t.children:
                    if p.dep_ == "prep" and p.lower_ == "of":
                        out += self._prep_objects(p)
        return out

    def _stray_subject(self, verb: Token) -> list[Token]:
        """A name the parser hung elsewhere ("On 17 November Song Tao, head of ..., arrived"): the first
        actor before the verb that is not inside a prepositional, possessive or compound phrase."""
        for i in range(self.sentences.of(verb.i).start, verb.i):
            span = self.span_at.get(i)
            tok = verb.doc[i]
            if span is None or i != span.end - 1 or COARSE_CLASS.get(span.label_) == "Place":
                continue
            if tok.dep_ in {"appos", "nsubj", "npadvmod", "dep", "ROOT"}:
                return [tok]
        return []

    def _prep_role(self, prep: Token, cls: str, roles: dict, place: list, owner_is_noun: bool) -> None:
        word = prep.lower_
        actors = self._prep_objects(prep)
        if not actors:
            return
        if prep.dep_ == "agent" or word == "by":
            roles["agents"] += actors
        elif word == "with" and cls == "Visit" and any(c.dep_ == "advmod" and c.lower_ in {"together", "along"}
                                                       for c in prep.children):
            roles["agents"] += actors  # "visited Pyongyang together with Hu Yaobang": both went
        elif word in {"with", "between", "among", "alongside"} or (word == "for" and cls == "Meeting"):
            roles["participants"] += actors
        elif word in {"on", "against", "upon"}:
            if cls in {"Sanction", "Criticism", "MilitaryAction", "LegalAction", "Purge", "Protest"}:
                roles["targets"] += actors
        elif word == "for" and cls == "Visit":
            place.extend(a for a in actors if self._is_place(a))  # "left Pyongyang for Beijing"
        elif word in {"to", "into"}:
            if cls == "Visit":
                place.extend(a for a in actors if self._is_place(a))
                roles["participants"] += [a for a in actors if not self._is_place(a)]
            elif cls in {"Defection", "Criticism", "Statement", "Aid"}:
                roles["targets"] += [a for a in actors if not self._is_city(a)]
        elif word in {"in", "at", "inside"}:
            found = [a for a in actors if self._is_place(a)]
            if not found:  # "at the National Centre for the Performing Arts in Beijing"
                found = [a for obj in prep.children if obj.dep_ == "pobj" for p in obj.children
                         if p.dep_ == "prep" and p.lower_ in {"in", "at"} for a in self._prep_objects(p)
                         if self._is_place(a)]
            place.extend(found)
        elif word in {"from", "to"} and cls == "Trade":
            roles["participants"] += actors  # "imports from North Korea", "exports to the DPRK"
        elif word == "from" and cls in {"Statement", "Criticism", "Aid"}:
            roles["agents"] += actors  # "a message from Xi", "aid from China"
        elif word == "from" and cls in {"Defection", "MissileTest", "NuclearTest"}:
            place.extend(a for a in actors if self._is_city(a))
            rest = [a for a in actors if not self._is_city(a)]
            roles["participants" if cls == "Defection" else "agents"] += rest
        elif word == "of" and owner_is_noun:
            key = "targets" if cls in {"Purge", "Sanction", "LegalAction"} else "agents"
            roles[key] += actors
        # "the defection to South Korea of twelve North Korean waitresses": a parse that hangs
        # the next phrase on a place name means it belongs to the event
        for obj in prep.children:
            if obj.dep_ == "pobj" and obj.i in self.span_at and COARSE_CLASS.get(self.span_at[obj.i].label_) in {"State", "Place"}:
                for nested in obj.children:
                    if nested.dep_ == "prep":
                        self._prep_role(nested, cls, roles, place, owner_is_noun)

    def _prep_objects(self, prep: Token) -> list[str]:
        out: list[str] = []
        for obj in prep.children:
            if obj.dep_ in {"pobj", "pcomp"}:
                out += self._resolve(obj)
        return out

    def _resolve(self, tok: Token) -> list[str]:
        """The actors a noun phrase's head stands for, with its conjuncts; never its possessors."""
        out: list[str] = []
        if self.dateline and self.dateline["start"] <= tok.i < self.dateline["end"]:
            return out  # "Pyongyang, May 3 (KCNA) --" says where the report was filed; nobody acts there
        span = self.span_at.get(tok.i)
        if span is None and tok.lower_ in {"who", "which", "that"} and tok.dep_ in {"nsubj", "nsubjpass"} \
                and tok.head.dep_ == "relcl":
            antecedent = tok.head.head  # "Park, who escaped North Korea": Park escaped
            return self._resolve(antecedent) or self._named_within(antecedent)
        if span is None and tok.i in self.demonym_at and tok.pos_ in {"NOUN", "PROPN"} and tok.tag_ in {"NNS", "NNPS"}:
            out.append(self.demonym_at[tok.i])  # "229 North Koreans fled": the people of a state
        if span is not None:
            out.append(span.id_)
            if span.id_ not in self.known and span.start in self.demonym_at and span.label_ != "Person":
                out.append(self.demonym_at[span.start])  # "the Chinese Art Troupe" acts for China
        elif tok.lower_ in self.person_pronouns:
            person = self._antecedent(tok)
            if person:
                out.append(person)
        elif tok.lower_ in self.author_pronouns:
            out.append(AUTHOR)
        elif tok.lower_ == "its" or (tok.lower_ == "it" and tok.dep_ == "nsubj"):
            body = self._nearest_body(tok)  # "sanctions on North Korea after its nuclear test"
            if body:
                out.append(body)
        elif tok.lower_ in PLACE_TYPE_NOUNS:
            for c in tok.children:
                if c.dep_ == "prep" and c.lower_ == "of":
                    out += self._prep_objects(c)
        elif tok.lemma_ in self.retinue and any(c.dep_ == "poss" and c.lower_ in self.person_pronouns for c in tok.children):
            node = tok  # "Meng, minister of ..., and his party": the person the retinue is coordinated with
            while node.dep_ in {"conj", "appos"} and node.head.i != node.i and node.i not in self.span_at:
                node = node.head
            leader = self.span_at.get(node.i)
            person = leader.id_ if leader is not None and leader.label_ == "Person" else \
                self._antecedent(next(c for c in tok.children if c.dep_ == "poss"))
            if person:
                out.append(person)  # "Meng and his party on a visit": Meng's party
        elif tok.lower_ in self.people or tok.lemma_.lower() in self.people:
            for c in tok.children:
                if c.dep_ in {"amod", "compound", "poss", "nmod"} and c.i < tok.i:
                    for t in c.subtree:
                        out += self._entity_or_demonym(t)
                elif c.dep_ == "prep" and c.lower_ in {"for", "of", "from"}:
                    out += self._prep_objects(c)  # "a spokesman for the Foreign Ministry"
        elif tok.pos_ == "NOUN":
            for c in tok.children:
                if c.dep_ == "acl":  # "a train carrying Kim"
                    for g in c.children:
                        if g.dep_ == "dobj":
                            out += self._resolve(g)
        for c in tok.children:
            if c.dep_ in {"conj", "appos"}:
                out += self._resolve(c)
        return _unique(out)

    def _entity_or_demonym(self, tok: Token) -> list[str]:
        if tok.i in self.span_at:
            span = self.span_at[tok.i]
            return [span.id_] if tok.i == span.end - 1 else []
        if tok.i in self.demonym_at:
            return [self.demonym_at[tok.i]] if tok.i + 1 not in self.demonym_at else []
        return []

    def _nearest_body(self, pronoun: Token) -> str | None:
        """The nearest state or organisation named before "its" in the same sentence."""
        sent = self.sentences.of(pronoun.i)
        for i in range(pronoun.i - 1, sent.start - 1, -1):
            span = self.span_at.get(i)
            if span is not None and COARSE_CLASS.get(span.label_) in {"State", "Organization"}:
                return span.id_
        return None

    def _antecedent(self, pronoun: Token) -> str | None:
        """The nearest person named before a pronoun, within three sentences."""
        idx = bisect.bisect_right(self.sent_starts, pronoun.i) - 1
        earliest = self.sent_starts[max(0, idx - 2)]
        lo = bisect.bisect_left(self.person_starts, earliest)
        hi = bisect.bisect_left(self.person_starts, pronoun.i)
        # an object pronoun never refers to its own verb's subject ("Kim did not meet him")
        subjects = {c.i for c in pronoun.head.children if c.dep_ in {"nsubj", "nsubjpass"}} \
            if pronoun.dep_ in {"dobj", "pobj", "dative"} else set()
        candidates = [p for p in self.persons[lo:hi] if not any(i in subjects for i in range(p.start, p.end))]
        if not candidates:
            return None
        # subjects are the most salient antecedents ("Song met Choe, but Kim did not meet him": Song)
        salient = [p for p in candidates if p.root.dep_ in {"nsubj", "nsubjpass"}]
        return (salient or candidates)[-1].id_

    def _is_place(self, key: str) -> bool:
        return self.coarse_of.get(key) in {"Place", "State"}

    def _is_city(self, key: str) -> bool:
        return self.coarse_of.get(key) == "Place"

    # ------------------------------------------------------------------ time
    def _attached(self, tok: Token, anchors: set[int]) -> bool:
        node = tok
        for _ in range(8):
            if node.i in anchors:
                return True
            if node.head.i == node.i:
                return False
            node = node.head
        return False

    def _dates(self, doc: Doc, anchor: Token, tok: Token, triggers: set[int]) -> list[dict]:
        """Date expressions attached to this event, else the sentence's one free date."""
        own, free = [], []
        for ent in self._date_spans(self.sentences.of(tok.i)):
            if self.dateline and self.dateline["start"] <= ent.start < self.dateline["end"]:
                continue  # the dateline dates the report, not the event
            text = self._text(ent)
            nxt = doc[ent.end] if ent.end < len(doc) else None
            relative = nxt is not None and nxt.lower_ in {"prior", "earlier", "later", "before", "after", "ago"}
            if relative:
                text = f"{text} {nxt.text}"
            item = {"text": text, "relative": relative, "start": ent.start_char}
            root = ent.root  # Span.root walks the span's tokens
            node, owner = root, None
            for _ in range(10):
                if node.lower_ in self.anchoring and node.dep_ in {"prep", "mark", "advmod"}:
                    owner = -1  # "since taking power in 2011" dates another event
                    break
                if node.i == anchor.i:
                    owner = tok.i
                    break
                if node.i in triggers and node.i != root.i:
                    owner = node.i
                    break
                if node.head.i == node.i:
                    break
                node = node.head
            if owner == tok.i:
                own.append(item)
            elif owner is None:
                free.append(item)
        if own:
            return own
        if tok.dep_ in {"advcl", "conj", "xcomp"} and tok.head.i in triggers and tok.i == anchor.i:
            return self._dates(doc, tok.head, tok.head, triggers)  # "toured China in 1987, performing in ..."
        return free[:1] if len(free) == 1 else []

    # ------------------------------------------------------------------ modality
    def _habitual(self, verb: Token) -> bool:
        """"often met", "has been arguing for years": a cue on the verb or one step below it."""
        def cue(tok: Token) -> bool:  # "for years", not "to 15 years of hard labour"
            return tok.lower_ in self.habitual and not any(c.dep_ == "nummod" for c in tok.children)

        return any(cue(child) or any(cue(g) for g in child.children) for child in verb.children)

    def _date_spans(self, sent: Span) -> list[Span]:
        if sent.start not in self.date_cache:
            self.date_cache[sent.start] = date_spans(sent, self.sent_ents[sent.start], text=self._text(sent))
        return self.date_cache[sent.start]

    def _text(self, span: Span) -> str:
        return self.text[span.start_char:span.end_char]

    def _modality(self, anchor: Token, tok: Token, triggers: set[int], *, presupposed: bool = False) -> str:
        """The event's modality from cues on it or on the words that govern it.

        A presupposed event (a definite or dated event noun: "the 24 March launch") keeps its own
        modality when another event's verb governs it ("would have condemned the launch"), and when it
        is the subject of a predicate that does not tell whether it happens ("the execution is expected
        to have an impact", unlike "the talks are expected to resume").
        """
        if tok.dep_ in {"nsubj", "nsubjpass"} and tok.head.lemma_ in self.occurrence_verbs and any(
                c.dep_ == "neg" for c in tok.head.children):
            return "negated"  # "the planned exchanges did not take place"
        for node in (tok, anchor):
            found = self._own_cues(node)
            if found:
                return found
        if self._polar_question(self.sentences.of(tok.i)):
            return "speculative"  # "Did Song Tao meet Kim during his trip?": asked, not told
        node = anchor
        for _ in range(6):
            if node.dep_ in {"nsubj", "nsubjpass", "csubj"} and node.i not in {tok.i, anchor.i}:
                break
            if node.dep_ == "pobj" and node.head.lower_ in self.presupposing:
                break
            if node.dep_ == "pobj" and node.head.lower_ in {"in", "at"} and node.head.head.pos_ in {"VERB", "AUX"} \
                    and node.head.i < node.head.head.i:
                break  # "In a meeting today, the Council failed to ...": the setting, not what failed
            parent = node.head
            if presupposed and parent.i != node.i and parent.i in triggers and parent.i not in {tok.i, anchor.i}:
                break
            if presupposed and node.dep_ in {"nsubj", "nsubjpass"} and node.i in {tok.i, anchor.i} \
                    and not self._tells_occurrence(parent):
                break
            if parent.i == node.i or node.dep_ in {"advcl", "relcl", "parataxis", "appos"}:
                break
            if parent.lemma_ in REPORTING and node.dep_ == "ccomp":
                break
            lemma = parent.lemma_.lower()
            if node.dep_ in {"acl", "ccomp"} and lemma in self.hearsay:
                return "speculative"  # "Reports that Kim met Hu were never confirmed"
            # the governing word's own cues first: "may be preparing a test" is speculative, not planned
            found = self._own_cues(parent) if parent.pos_ in {"VERB", "AUX", "NOUN", "ADJ"} else None
            if found:
                return found
            if lemma in self.negation_verbs:
                return "negated"
            for name, words in self.cues:
                if lemma in words or parent.lower_ in words:
                    return name
            if node.dep_ in {"nsubj", "nsubjpass", "csubj"}:
                break
            node = parent
        return "asserted"

    def _tells_occurrence(self, predicate: Token) -> bool:
        """Whether a predicate says that its subject event takes place ("will be held", "is expected to resume")."""
        node = predicate
        for _ in range(3):
            if node.lemma_ in self.occurrence_verbs:
                return True
            nxt = [c for c in node.children if c.dep_ in {"xcomp", "ccomp"}]
            if not nxt:
                return False
            node = nxt[0]
        return False

    def _polar_question(self, sent: Span) -> bool:
        """A yes/no question ("Q: Has the PLA moved troops ...?"): it opens with an auxiliary, ends with "?"."""
        words = [t for t in sent if not t.is_punct and not t.is_space and t.text not in {"Q", "Question"}]
        return bool(words) and sent.text.rstrip().endswith("?") and words[0].lower_ in self.question_openers

    def _own_cues(self, node: Token) -> str | None:
        for c in node.children:
            word = c.lower_
            if c.dep_ == "neg" or (c.dep_ == "det" and word == "no") or (c.dep_ == "amod" and word == "little"):
                return "negated"
            if c.dep_ in {"nsubj", "nsubjpass"} and (word in {"nobody", "none", "nothing"} or any(
                    g.dep_ == "det" and g.lower_ in {"no", "neither"} for g in c.children)):
                return "negated"  # "No senior leader met him"
            if c.dep_ in {"aux", "amod", "advmod", "mark", "acomp"}:
                if c.tag_ == "MD" and word in {"will", "shall", "'ll"}:
                    return "planned"
                for name, words in self.cues:
                    if word in words or c.lemma_ in words:
                        return name
        return None


def date_spans(sent: Span, ents: list[Span] | None = None, *, text: str | None = None) -> list[Span]:
    """Date expressions of a sentence: the date grammar's, then NER's (``ents``) where they do not overlap.

    ``text`` is ``sent.text``, when the caller has it.
    """
    doc = sent.doc
    spans = []
    # Any anchor will do: only the spans are used here; values are computed with the real one later.
    for start, end, _ in find_dates(sent.text if text is None else text, anchor=SPAN_ANCHOR):
        span = doc.char_span(sent.start_char + start, sent.start_char + end, alignment_mode="expand")
        if span is not None:
            spans.append(span)
    taken = {i for s in spans for i in range(s.start, s.end)}
    for ent in sent.ents if ents is None else ents:
        if ent.label_ == "DATE" and not any(i in taken for i in range(ent.start, ent.end)):
            spans.append(ent)
    return sorted(spans, key=lambda s: s.start)


def _objects(verb: Token) -> list[Token]:
    """A verb's direct objects, its passive subjects ("missiles were fired"), or the noun its relative
    clause tells of ("the missile the DPRK launched")."""
    found = [c for c in verb.children if c.dep_ in {"dobj", "nsubjpass", "attr", "oprd"}]
    if not found and verb.dep_ == "relcl":
        found.append(verb.head)
    return found


def _definite(noun: Token) -> bool:
    return any(c.dep_ == "poss" or (c.dep_ == "det" and c.lower_ in {"the", "this", "that"}) for c in noun.children)


def _head(row: dict, start: int, end: int) -> int:
    """The token a trigger's match stands on: a noun's last word, a verb's first, unless the row says."""
    where = row.get("head") or ("last" if row["kind"] == "noun" else "first")
    return end - 1 if where == "last" else start


def _unique(items) -> list[str]:
    return list(dict.fromkeys(i for i in items if i))


@Language.factory("yalu_events", default_config={})
def make_event_finder(nlp: Language, name: str) -> EventFinder:
    """Registered spaCy factory: ``nlp.add_pipe("yalu_events")`` after ``yalu_entities``."""
    return EventFinder(nlp)


# ---------------------------------------------------------------------- from raw events to records
def _parse_dates(raw: dict, parse: Callable[[str], DateValue | None], base: DateValue | None) -> DateValue | None:
    """The event's date: an expression the document date resolves (``parse``) wins over an offset
    from the story's time ("A year earlier, ... in February 2016" is February 2016)."""
    values = [v for v in (parse(item["text"]) for item in raw["dates"] if not item["relative"]) if v is not None]
    if values:  # "winter drills between Feb. 8 and 12": the most precise of the event's own dates
        return max(values, key=lambda v: len(v.iso))
    for item in raw["dates"]:
        # "three weeks prior", "earlier in the year", "a year earlier": from the story's time
        value = shift_date(base, item["text"]) if base else None
        if value is not None:
            return value
    return None


def _site_state(place: str) -> str | None:
    """The state a gazetteer place lies in ("sohae" -> "north_korea"), through its containing places."""
    gaz = load_gazetteer()
    seen: set[str] = set()
    while place in gaz and place not in seen:
        seen.add(place)
        actor = gaz[place]
        if actor.cls == "State":
            return place
        if actor.country:
            return actor.country
        place = actor.located_in
    return None


def _conflict(a: str | None, b: str | None) -> bool:
    return bool(a and b and not (a.startswith(b) or b.startswith(a)))


def resolve_events(raw_events: list[dict], *, document: Document, anchor: datetime.date | None,
                   sentences: list[str], facts: list[Fact], classes: dict[str, str]) -> list[Event]:
    """Dates against the document date, coreference of mentions, and narrative time.

    Several mentions of one event become one record: an event noun that refers back ("the
    meeting") joins the latest event of its class; another mention of the same class and
    modality joins an event when their dates and places agree and they share an actor
    (anywhere in the text, if their narrative dates are the same) or have affiliated actors
    (within a few sentences). An event without a date of its own takes the latest date the
    text gave before it (narrative time), if that was recent enough. ``sentences`` are the
    document's sentence texts, stripped, which the mentions quote.
    """
    rules = load_rules("event_rules.yaml")
    inherit = rules.get("agent_inheritance", {})
    undated_merge = set(rules.get("undated_merge_classes", ()))
    site_agent = set(rules.get("site_agent_classes", ()))
    related: dict[str, set[str]] = defaultdict(set)
    inside: dict[str, set[str]] = defaultdict(set)
    for f in facts:
        if f.literal:
            continue
        if f.predicate in {"memberOf", "leaderOf", "affiliatedWith", "partOf", "envoyOf", "country"}:
            related[f.subject].add(f.object)
            related[f.object].add(f.subject)
        elif f.predicate in {"locatedIn", "capitalOf"}:
            inside[f.subject].add(f.object)

    parsed: dict[str, DateValue | None] = {}  # each date expression is parsed once a document

    def parse(text: str) -> DateValue | None:
        if text not in parsed:
            parsed[text] = parse_date(text, anchor=anchor)
        return parsed[text]

    timeline: list[tuple[int, DateValue]] = []  # (sentence, date) of every explicit date, in order
    for raw in raw_events:
        sentence_base = next((v for v in (parse(i["text"]) for i in raw["dates"] if not i["relative"]) if v), None)
        base = sentence_base or (timeline[-1][1] if timeline else None)
        raw["date"] = _parse_dates(raw, parse, base)
        if raw["date"] is not None and raw["modality"] == "asserted":  # plans do not move the story's clock
            timeline.append((raw["sentence_index"], raw["date"]))
        recent = timeline and raw["sentence_index"] - timeline[-1][0] <= NARRATIVE_SENTENCES
        if raw["date"] is not None:
            raw["narrative"] = raw["date"]
        elif recent:
            raw["narrative"] = timeline[-1][1]
        elif anchor is not None and raw["kind"] == "verb" and raw.get("present"):
            raw["narrative"] = parse_date("today", anchor=anchor)
            raw["news"] = True
        else:
            raw["narrative"] = None

    def actors(ev: dict) -> set[str]:
        return set(ev["agents"]) | set(ev["participants"]) | set(ev["targets"])

    def places_agree(a: str | None, b: str | None) -> bool:
        return not a or not b or a == b or b in inside[a] or a in inside[b]

    def compatible(chain: dict, raw: dict) -> bool:
        if chain["cls"] != raw["cls"] or chain["modality"] != raw["modality"]:
            return False
        if _conflict(chain["date"] and chain["date"].iso, raw["date"] and raw["date"].iso):
            return False
        if not places_agree(chain["place"], raw["place"]):
            return False
        ours, theirs = actors(chain), actors(raw)
        near = raw["sentence_index"] - chain["last_sentence"] <= MERGE_SENTENCES
        if raw.get("definite") and raw["date"] is None and ours & theirs:
            return True  # "Kim's visit to China", paragraphs later, is the visit already told
        if not ours or not theirs:
            return near
        if ours & theirs:
            same_time = (chain["narrative"] is not None and raw["narrative"] is not None
                         and not _conflict(chain["narrative"].iso, raw["narrative"].iso))
            # a spokesman quoted again later in the story, with nothing to date it, is the same briefing
            undated_repeat = raw["narrative"] is None and raw["cls"] in undated_merge
            return near or same_time or undated_repeat
        return near and any(related[x] & theirs for x in ours)

    merged: list[dict] = []
    by_class: dict[str, list[dict]] = defaultdict(list)

    def candidates(cls: str) -> list[dict]:
        return list(reversed(by_class[cls][-CHAIN_WINDOW:]))  # bounded: long documents stay linear

    for raw in raw_events:
        if not raw["agents"] and raw["cls"] in site_agent and raw["place"]:
            # "the satellite was launched from Sohae": whoever holds the site launched it
            raw["agents"] = [state] if (state := _site_state(raw["place"])) else []
        if not actors(raw) and raw["specific"] and raw["kind"] == "noun":
            donors = [m for cls in inherit.get(raw["cls"], ()) for m in by_class[cls][-1:]]
            donor = max(donors, key=lambda m: m["last_sentence"], default=None)
            if donor is not None and donor["agents"]:
                raw["agents"] = list(donor["agents"])
        if raw["anaphoric"]:
            target = next((m for m in candidates(raw["cls"]) if compatible(m, raw)), None)
            if target is not None and raw["modality"] == "asserted":
                target["mentions"].append(raw)
                target["last_sentence"] = raw["sentence_index"]
            continue
        if not actors(raw):
            continue
        target = next((m for m in candidates(raw["cls"]) if compatible(m, raw)), None)
        if target is None:
            chain = {**raw, "mentions": [raw], "last_sentence": raw["sentence_index"]}
            merged.append(chain)
            by_class[raw["cls"]].append(chain)
            continue
        target["last_sentence"] = raw["sentence_index"]
        for role in ("agents", "participants", "targets"):
            target[role] = list(dict.fromkeys(target[role] + raw[role]))
        target["date"] = target["date"] or raw["date"]
        target["narrative"] = target["date"] or target["narrative"] or raw["narrative"]
        if raw["place"] and (not target["place"] or target["place"] in inside[raw["place"]]):
            target["place"] = raw["place"]  # keep the most specific place
        target["duration"] = target["duration"] or raw["duration"]
        target["mentions"].append(raw)

    for ev in merged:  # talks held during a visit happen where the visitor went
        if ev["cls"] == "Meeting" and not ev["place"] and ev["modality"] == "asserted":
            date = ev["date"] or ev["narrative"]
            host = next((v for v in by_class["Visit"] if v["place"] and v["modality"] == "asserted"
                         and set(v["agents"]) & actors(ev) and date is not None
                         and (v["date"] or v["narrative"]) is not None
                         and not _conflict(date.iso, (v["date"] or v["narrative"]).iso)), None)
            if host is not None:
                ev["place"] = host["place"]

    out: list[Event] = []
    for n, ev in enumerate(merged):
        # the text's own date, or the day of the report for what it tells as that day's news; the story's
        # clock only groups mentions ("his visit to China" in a dispatch of April is not dated April)
        date = ev["date"] or (ev["narrative"] if ev.get("news") else None)
        participants = [k for k in ev["participants"] if k not in ev["agents"]]
        mentions = tuple(
            Mention(document.id, m["sentence_index"], sentences[m["sentence_index"]], m["start"], m["end"],
                    m["trigger"])
            for m in ev["mentions"])
        out.append(Event(
            key=f"e{n + 1}", cls=ev["cls"], trigger=ev["trigger"], agents=tuple(ev["agents"]),
            participants=tuple(participants), targets=tuple(ev["targets"]),
            date=date.iso if date else None, place=ev["place"], modality=ev["modality"],
            duration=ev["duration"], mentions=mentions))
    return out


NARRATIVE_SENTENCES = 6
MERGE_SENTENCES = 4
CHAIN_WINDOW = 50
