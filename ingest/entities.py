"""Recognise and resolve actors and places: the ``yalu_entities`` pipeline component.

Gazetteer names win over statistical NER; NER adds names the gazetteer does not know.
Within a document, short forms ("Xi", "Kim"), acronyms defined in the text ("the
International Liaison Department (ILD)"), qualified descriptors ("China's foreign
ministry") and descriptions ("the North Korean leader") resolve to the full entity, and
a capital stands for its state unless the text uses it as a location.

    >>> import spacy
    >>> from ingest.pipeline import load_nlp
    >>> nlp = load_nlp()
    >>> doc = nlp("Xi Jinping arrived in Pyongyang. Xi said Pyongyang agreed.")
    >>> [(s.text, s.id_) for s in doc.spans["yalu_entities"]]  # doctest: +SKIP
    [('Xi Jinping', 'xi_jinping'), ('Pyongyang', 'pyongyang'), ('Xi', 'xi_jinping'), ('Pyongyang', 'north_korea')]
"""
from __future__ import annotations

import bisect
import hashlib
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable

import yaml
from spacy.attrs import IS_SPACE, ORTH
from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc, Span, Token
from spacy.util import filter_spans

from ontology.actors import COARSE_CLASS, Actor, load_gazetteer

DATA = Path(__file__).resolve().parent / "data"
ENTITIES = "yalu_entities"  # span group: one span per resolved mention, label = class, id = entity key
DEMONYMS = "yalu_demonyms"  # span group: "Chinese", "North Korean" ..., id = state key
DATELINE = "yalu_dateline"  # doc.user_data: {"place": key, "start": token, "end": token} of a news dateline
EMBEDDED = "yalu_embedded"  # doc.user_data: (key, start, end) of bodies named inside a longer name
INFO = "yalu_entity_info"  # doc.user_data: key -> {"label", "cls", "gazetteer"}
YEAR = "yalu_year"  # doc.user_data: the document's year, when its date is known (set by ingest.pipeline)
POSSESSIVE = {"'s", "\u2019s", "'", "\u2019", "s"}


@lru_cache(maxsize=None)
def load_rules(name: str = "entity_rules.yaml") -> dict:
    """A rules file from ``ingest/data``, parsed once."""
    return yaml.safe_load((DATA / name).read_text(encoding="utf-8"))


def entity_key(label: str) -> str:
    """A stable key for a name the gazetteer does not know: a lower-case slug with hyphens.

    Gazetteer ids use underscores, so the two never collide. Accents fold away; letters of
    other scripts stay (IRIs percent-encode them); a name with no letter at all gets a digest.

    >>> entity_key("Hyeonseo Lee"), entity_key("Ñam Öst"), entity_key("김정은")
    ('hyeonseo-lee', 'nam-ost', '김정은')
    """
    # NFC again after dropping the accents: NFKD also splits Hangul syllables into jamo
    text = unicodedata.normalize("NFC", "".join(c for c in unicodedata.normalize("NFKD", label)
                                                if not unicodedata.combining(c)))
    slug = re.sub(r"[\W_]+", "-", text.lower()).strip("-")
    return slug or "x" + hashlib.sha1(label.encode("utf-8", "surrogatepass")).hexdigest()[:12]


class Sentences:
    """The sentences of a doc with O(log n) lookup by token; ``Token.sent`` rescans the doc each time."""

    def __init__(self, doc: Doc):
        self.spans = list(doc.sents)
        self.starts = [s.start for s in self.spans]

    def of(self, i: int) -> Span:
        return self.spans[bisect.bisect_right(self.starts, i) - 1]

    def index(self, i: int) -> int:
        return bisect.bisect_right(self.starts, i) - 1


@dataclass
class _Mention:
    start: int
    end: int
    key: str
    cls: str
    source: str  # "gazetteer" | "ner" | "alias" | "short" | "descriptor" | "dateline"


def _is_possessive(token: Token) -> bool:
    return token.text in POSSESSIVE and token.i > 0 and not token.is_space


class EntityResolver:
    """Find entity mentions and resolve them to gazetteer ids or stable keys."""

    def __init__(self, nlp: Language, gazetteer: dict[str, Actor]):
        self.gaz = gazetteer
        self.rules = load_rules()
        self.names = PhraseMatcher(nlp.vocab, attr="ORTH")
        self.demonyms = PhraseMatcher(nlp.vocab, attr="ORTH")
        self.descriptors = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.descriptor_owners: dict[str, list[str]] = defaultdict(list)
        for actor in gazetteer.values():
            self.names.add(actor.id, list(nlp.tokenizer.pipe(actor.names())))
            if actor.demonyms:
                self.demonyms.add(actor.id, list(nlp.tokenizer.pipe(actor.demonyms)))
            for desc in actor.descriptors:
                self.descriptor_owners[desc.lower()].append(actor.id)
        for desc in self.descriptor_owners:
            self.descriptors.add(desc, [nlp.make_doc(desc)])
        self.capitals = {a.id: a.capital_of for a in gazetteer.values() if a.capital_of}
        self.company_names = Matcher(nlp.vocab)
        suffixes = self.rules["org_heads"]["Company"]
        self.company_suffixes = {nlp.vocab.strings.add(s) for s in suffixes}
        self.company_names.add("company", [[{"POS": "PROPN", "IS_TITLE": True, "OP": "+"},
                                            {"ORTH": {"IN": suffixes}}, {"ORTH": {"IN": suffixes}, "OP": "?"}]],
                               greedy="LONGEST")
        self.leaders_of: dict[str, set[str]] = defaultdict(set)  # state -> persons who ever led it
        for actor in gazetteer.values():
            for role in actor.roles:
                if role.relation == "leaderOf" and gazetteer[role.of].cls == "State":
                    self.leaders_of[role.of].add(actor.id)
        self.not_names = set(self.rules["not_names"])
        self.place_nouns = set(self.rules["place_nouns"])
        self.locative = set(self.rules["locative_prepositions"])
        self.honorifics = set(self.rules["honorifics"])
        self.motion_verbs = set(self.rules["motion_verbs"])
        self.elliptic: dict[str, str] = self.rules["elliptic_names"]

    # ------------------------------------------------------------------ component
    def __call__(self, doc: Doc) -> Doc:
        self.sentences = Sentences(doc)
        table = doc.to_array([ORTH, IS_SPACE]).reshape(len(doc), 2).tolist()  # without a Token each
        self.orths = [orth for orth, _ in table]
        self.spaces = [bool(space) for _, space in table]
        self.texts = [doc.vocab.strings[orth] for orth in self.orths]
        demonyms = [Span(doc, s, e, label="Demonym", span_id=self.nlp_id(doc, m))
                    for m, s, e in self.demonyms(doc)]
        doc.spans[DEMONYMS] = filter_spans(demonyms)
        info: dict[str, dict] = {}
        candidates = self._name_candidates(doc)
        mentions = self._named_after_places(doc, self._gazetteer_mentions(doc), candidates)
        mentions = self._dateline(doc, mentions)
        mentions += self._ner_mentions(doc, mentions, candidates)
        mentions += self._possessed_units(doc, mentions)
        mentions = self._acronyms(doc, mentions, info)
        mentions += self._short_forms(doc, mentions)
        mentions += self._elliptic_names(doc, mentions)
        mentions = self._staff_bodies(doc, mentions)
        mentions = self._descriptor_mentions(doc, mentions)
        mentions += self._leader_descriptions(doc, mentions)
        mentions += self._title_descriptions(doc, mentions)
        self._metonymy(doc, mentions)
        mentions.sort(key=lambda m: m.start)
        spans = []
        for m in mentions:
            spans.append(Span(doc, m.start, m.end, label=m.cls, span_id=m.key))
            if m.key in self.gaz:
                actor = self.gaz[m.key]
                info.setdefault(m.key, {"label": actor.label, "cls": actor.cls, "gazetteer": True})
            else:
                text = _clean(doc[m.start:m.end].text)
                known = info.setdefault(m.key, {"label": text, "cls": m.cls, "gazetteer": False})
                if m.source == "ner" and len(text) > len(known["label"]):
                    known["label"] = text
        doc.spans[ENTITIES] = spans
        doc.user_data[INFO] = info
        return doc

    @staticmethod
    def nlp_id(doc: Doc, match_id: int) -> str:
        return doc.vocab.strings[match_id]

    # ------------------------------------------------------------------ recognition
    def _gazetteer_mentions(self, doc: Doc) -> list[_Mention]:
        by_bounds: dict[tuple[int, int], list[str]] = defaultdict(list)
        for match_id, start, end in self.names(doc):
            key = doc.vocab.strings[match_id]
            if self.gaz[key].cls == "Person":  # "President Trump": the title is a fact, the name is "Trump"
                while start < end - 1 and doc[start].lower_ in _title_words():
                    start += 1
            by_bounds[(start, end)].append(key)
        candidates = [Span(doc, start, end, label=self._namesake(doc, start, keys))
                      for (start, end), keys in by_bounds.items()]
        kept = filter_spans(candidates)
        # "the International Liaison Department of the Central Committee of the Communist Party of China"
        # names the party too: a body after "of" inside a longer name is mentioned there
        doc.user_data[EMBEDDED] = [
            (inner.label_, inner.start, inner.end) for outer in kept if COARSE_CLASS[self.gaz[outer.label_].cls] == "Organization"
            for inner in candidates
            if outer.start < inner.start and inner.end <= outer.end and inner.label_ != outer.label_
            and COARSE_CLASS[self.gaz[inner.label_].cls] in {"Organization", "State"}
            and any(t.lower_ == "of" for t in doc[max(outer.start, inner.start - 2):inner.start])]
        return [_Mention(s.start, s.end, s.label_, self.gaz[s.label_].cls, "gazetteer") for s in kept]

    def _namesake(self, doc: Doc, start: int, keys: list[str]) -> str:
        """Of namesakes ("Ri Yong-ho" the general, "Ri Yong-ho" the minister), the one whose offices the
        words before the name mention; else the one in office in the document's year; else one with any
        office, the most offices first. Never the first entry read: the id breaks a last tie."""
        if len(keys) == 1:
            return keys[0]
        context = {t.lower_ for t in doc[max(0, start - 6):start] if t.is_alpha and len(t) > 2}
        year = doc.user_data.get(YEAR)

        def rank(key: str) -> tuple[int, bool, int, str]:
            roles = self.gaz[key].roles
            titles = " ".join(r.title.lower() for r in roles)
            in_office = year is not None and any(r.held_in(year) for r in roles)
            return sum(word in titles for word in context), in_office, len(roles), key

        return max(keys, key=rank)

    def _name_candidates(self, doc: Doc) -> list[Span]:
        """NER's names, plus company names NER missed ("Liaoning Hongsheng Trading Co.")."""
        ents = list(doc.ents)
        taken = {i for e in ents for i in range(e.start, e.end)}
        if self.company_suffixes.isdisjoint(self.orths):
            return ents  # every company name ends in a suffix
        found = [Span(doc, s, e, label="ORG") for _, s, e in self.company_names(doc)]
        for span in filter_spans(found):
            if not any(i in taken for i in range(span.start, span.end)):
                ents.append(span)
        return ents

    def _named_after_places(self, doc: Doc, mentions: list[_Mention], candidates: list[Span]) -> list[_Mention]:
        """"Dandong Jinxin Trading Company" is a company, not a mention of Dandong.

        An organisation name that NER finds around gazetteer places, ending in a word that
        heads organisation names, wins over the places inside it.
        """
        heads = {w for words in self.rules["org_heads"].values() for w in words}
        drop: set[int] = set()
        for ent in candidates:
            if ent.label_ != "ORG" or _is_headline(self.sentences.of(ent.start)):
                continue
            bounds = self._trim(ent)
            if bounds is None or doc[bounds[1] - 1].text not in heads:
                continue
            inside = [n for n, m in enumerate(mentions) if bounds[0] <= m.start and m.end <= bounds[1]]
            if inside and all(COARSE_CLASS[mentions[n].cls] in {"Place", "State"} for n in inside) and \
                    not any(mentions[n].start == bounds[0] and mentions[n].end == bounds[1] for n in inside):
                drop.update(inside)
        return [m for n, m in enumerate(mentions) if n not in drop]

    def _trim(self, span: Span) -> tuple[int, int] | None:
        start, end = span.start, span.end
        doc = span.doc
        for i in range(start, end):  # a name never runs across a line break or a slash
            if "\n" in self.texts[i] or self.texts[i] in {"/", "|"} or self.spaces[i]:
                end = i
                break
        while start < end and (doc[start].lower_ in {"the", "a", "an"} or doc[start].text in self.honorifics):
            start += 1
        while end > start and (_is_possessive(doc[end - 1]) or doc[end - 1].is_punct):
            end -= 1
        return (start, end) if end > start else None

    def _looks_like_name(self, span: Span, label: str) -> bool:
        text = _clean(span.text)
        if not text or not text[0].isupper() or text in self.not_names or len(span) > 8:
            return False
        if all(t.lower_ in _title_words() or t.is_punct for t in span):
            return False  # "Defense" in "Chinese Defense Minister Wei Fenghe" is part of a title
        if any(t.text in self.not_names for t in span) and len(span) == 1:
            return False
        if label == "PERSON":
            words = [t for t in span if not t.is_punct]
            if len(words) < 2 or any(t.pos_ in {"VERB", "AUX", "ADP", "DET", "PRON"} for t in words):
                return False
            if any(not t.text[:1].isupper() for t in words if t.i == 0 or t.doc[t.i - 1].text != "-"):
                return False
        if label == "ORG":
            words = set(t.text for t in span)
            event_words = set(self.rules["event_name_words"])
            if words & set(self.rules["ordinal_words"]) and words & event_words:
                return False
            if span[-1].text in event_words and len(span) <= 2:
                return False
        return True

    def _ner_class(self, span: Span, label: str) -> str:
        cls = self.rules["ner_classes"][label]
        if cls != "Organization":
            return cls
        last = span[-1].text
        for fine, heads in self.rules["org_heads"].items():
            if last in heads:
                return fine
        return cls

    def _ner_mentions(self, doc: Doc, known: list[_Mention], candidates: list[Span]) -> list[_Mention]:
        taken = _covered(known)
        out = []
        for ent in candidates:
            if ent.label_ not in self.rules["ner_classes"] or _is_headline(self.sentences.of(ent.start)):
                continue
            bounds = self._trim(ent)
            if bounds is None:
                continue
            start, end = bounds
            if ent.label_ == "PERSON":  # titles are facts, not part of the name
                while start < end and doc[start].lower_ in _title_words():
                    start += 1
            if ent.label_ == "ORG" and any(i in taken for i in range(start, end)):
                # "the Justice Department's Criminal Division": the unit after a known body's possessive
                poss = [i for i in range(start, end - 1) if _is_possessive(doc[i]) and i - 1 in taken]
                if poss and not any(i in taken for i in range(poss[-1] + 1, end)):
                    start = poss[-1] + 1
            if start >= end or any(i in taken for i in range(start, end)):
                continue
            span = doc[start:end]
            if not self._looks_like_name(span, ent.label_):
                continue
            label = _clean(span.text)
            out.append(_Mention(start, end, entity_key(label), self._ner_class(span, ent.label_), "ner"))
        return out

    def _possessed_units(self, doc: Doc, mentions: list[_Mention]) -> list[_Mention]:
        """"the FBI's Counterintelligence Division": a Title Case unit name after a body's possessive."""
        heads = {w for cls in ("GovernmentBody", "MilitaryOrganization") for w in self.rules["org_heads"][cls]}
        taken = _covered(mentions)
        out = []
        for m in mentions:
            if COARSE_CLASS.get(m.cls) not in {"Organization", "State"} or m.end + 2 >= len(doc) \
                    or not _is_possessive(doc[m.end]):
                continue
            end = m.end + 1
            while end < len(doc) and end - m.end <= 6 and doc[end].is_title and doc[end].pos_ == "PROPN" \
                    and end not in taken:
                end += 1
            if end > m.end + 2 and doc[end - 1].text in heads:
                span = doc[m.end + 1:end]
                out.append(_Mention(span.start, span.end, entity_key(_clean(span.text)),
                                    self._ner_class(span, "ORG"), "ner"))
        return out

    def _acronyms(self, doc: Doc, mentions: list[_Mention], info: dict) -> list[_Mention]:
        """Names defined in brackets ("the International Liaison Department (ILD)") become aliases."""
        by_start = {m.start: m for m in mentions}
        aliases: dict[str, _Mention] = {}
        for m in mentions:
            i = m.end
            if i + 2 < len(doc) and doc[i].text == "(" and doc[i + 2].text == ")":
                short = doc[i + 1].text
                if short[:1].isupper() and short.isalpha() and short not in self.not_names:
                    aliases.setdefault(short, m)
        if not aliases:
            return mentions
        out: list[_Mention] = []
        for m in mentions:
            text = doc[m.start:m.end].text
            if m.source == "ner" and text in aliases and aliases[text].key != m.key:
                target = aliases[text]
                out.append(_Mention(m.start, m.end, target.key, target.cls, "alias"))
            else:
                out.append(m)
        taken = _covered(out)
        for i, text in enumerate(self.texts):
            target = aliases.get(text)
            if target is not None and i not in taken and i not in by_start:
                out.append(_Mention(i, i + 1, target.key, target.cls, "alias"))
        return out

    def _short_forms(self, doc: Doc, mentions: list[_Mention]) -> list[_Mention]:
        """A lone family or given name ("Xi", "Lee") resolves to the nearest full name that has it.

        Replaces single-token NER guesses ("Wang" as an organisation) in ``mentions`` in place.
        """
        self._head_words(doc, mentions)
        names: dict[str, list[tuple[int, str]]] = defaultdict(list)
        for m in mentions:
            if m.cls != "Person" or m.end - m.start < 2:
                continue
            tokens = [t.text for t in doc[m.start:m.end] if not t.is_punct]
            for part in {tokens[0], tokens[-1]}:
                if part[:1].isupper() and len(part) > 1:
                    names[part].append((m.start, m.key))
        for m in list(mentions):
            if m.source == "ner" and m.end - m.start == 1 and doc[m.start].text in names:
                mentions.remove(m)
        taken = _covered(mentions)
        out = []
        for i, text in enumerate(self.texts):
            if i in taken or text not in names:
                continue
            token = doc[i]
            if token.pos_ not in {"PROPN", "NOUN", "X"}:
                continue
            if token.i + 1 < len(doc) and doc[token.i + 1].pos_ == "PROPN" and not _is_possessive(doc[token.i + 1]):
                continue  # part of a longer, different name
            earlier = [(s, k) for s, k in names[token.text] if s < token.i]
            candidates = earlier or names[token.text]
            start, key = max(candidates) if earlier else min(candidates)
            out.append(_Mention(token.i, token.i + 1, key, "Person", "short"))
        return out

    def _elliptic_names(self, doc: Doc, mentions: list[_Mention]) -> list[_Mention]:
        """"the North" for North Korea, in a text that names North Korea."""
        named = {m.key for m in mentions}
        taken = _covered(mentions)
        out = []
        for i, text in enumerate(self.texts):
            key = self.elliptic.get(text)
            if key is None or key not in named or i in taken or i == 0:
                continue
            token = doc[i]
            nxt = doc[token.i + 1] if token.i + 1 < len(doc) else None
            if doc[token.i - 1].lower_ == "the" and (nxt is None or not nxt.text[:1].isupper()):
                out.append(_Mention(token.i, token.i + 1, key, self.gaz[key].cls, "alias"))
        return out

    def _head_words(self, doc: Doc, mentions: list[_Mention]) -> None:
        """A lone head word NER took for a name ("the Peninsula") is the earlier entity it heads."""
        heads: dict[str, _Mention] = {}
        for m in sorted(mentions, key=lambda m: m.start):
            if m.end - m.start >= 2 and m.cls != "Person":
                heads[doc[m.end - 1].text] = m
            elif m.source == "ner" and m.end - m.start == 1 and doc[m.start].text in heads:
                full = heads[doc[m.start].text]
                if full.start < m.start:
                    m.key, m.cls, m.source = full.key, full.cls, "alias"

    def _qualifier(self, doc: Doc, start: int, demonyms: dict[int, str], mentions: dict[int, _Mention]) -> str | None:
        """The state qualifying a phrase: "Chinese foreign ministry", "China's foreign ministry"."""
        i = start - 1
        if i >= 0 and doc[i].lower_ == "the":
            i -= 1
        if i >= 0 and i in demonyms:
            return demonyms[i]
        if i >= 1 and _is_possessive(doc[i]):
            owner = mentions.get(i - 1)
            if owner is not None and self._state_of(owner.key):
                return self._state_of(owner.key)
        return None

    def _state_of(self, key: str) -> str | None:
        actor = self.gaz.get(key)
        if actor is None:
            return None
        if actor.cls == "State":
            return actor.id
        if actor.capital_of:
            return actor.capital_of
        return None

    def _staff_bodies(self, doc: Doc, mentions: list[_Mention]) -> list[_Mention]:
        """"Foreign Ministry Spokesperson Hua Chunying": a generic body name in a title before a known
        person is the body that person serves in."""
        people = {m.start: m for m in mentions if m.key in self.gaz and m.cls == "Person"}
        if not people:
            return mentions
        for match_id, start, end in self.descriptors(doc):
            j = end
            while j < len(doc) and j not in people and doc[j].lower_ in _title_words():
                j += 1
            person = people.get(j)
            if person is None or j == end:
                continue
            owners = self.descriptor_owners[doc.vocab.strings[match_id]]
            body = next((r.of for r in self.gaz[person.key].roles if r.of in owners), None)
            if body is None:
                continue
            mentions = [m for m in mentions if m.end <= start or m.start >= end]
            mentions.append(_Mention(start, end, body, self.gaz[body].cls, "descriptor"))
        return mentions

    def _descriptor_mentions(self, doc: Doc, mentions: list[_Mention]) -> list[_Mention]:
        """Generic names of bodies ("foreign ministry") resolve through their state.

        A qualified descriptor ("China's Foreign Affairs Ministry") wins over NER's guess at the same
        words, which knows no state."""
        taken = _covered(m for m in mentions if m.source != "ner")
        guessed = _covered(m for m in mentions if m.source == "ner")
        demonyms = {t: s.id_ for s in doc.spans[DEMONYMS] for t in range(s.start, s.end)}
        demonym_at = {s.end - 1: s.id_ for s in doc.spans[DEMONYMS]}
        by_end = {m.end - 1: m for m in mentions}
        resolved: dict[str, str] = {}
        out = []
        for match_id, start, end in sorted(self.descriptors(doc), key=lambda m: m[1]):
            if any(i in taken for i in range(start, end)) or doc[end - 1].tag_ in {"NNS", "NNPS"}:
                continue
            if doc[end - 1].dep_ == "compound":
                continue  # "the army chorus": a modifier, not the body itself
            desc = doc.vocab.strings[match_id]
            owners = self.descriptor_owners[desc]
            state = self._qualifier(doc, start, demonym_at, by_end)
            key = None
            if state is not None:
                key = next((o for o in owners if self.gaz[o].country == state), None)
            elif desc in resolved:
                key = resolved[desc]
            elif end - start > 1:  # a bare one-word descriptor ("army") is too vague to resolve
                sent = self.sentences.of(start)
                sent_states = [(m.start, self._state_of(m.key)) for m in mentions
                               if sent.start <= m.start < sent.end and self._state_of(m.key)]
                sent_states += [(t, demonyms[t]) for t in range(sent.start, sent.end) if t in demonyms]
                if sent_states:
                    first = min(sent_states)[1]
                    key = next((o for o in owners if self.gaz[o].country == first), None)
            if key is None or (state is None and any(i in guessed for i in range(start, end))):
                continue
            resolved[desc] = key
            out.append(_Mention(start, end, key, self.gaz[key].cls, "descriptor"))
        replaced = _covered(out)
        return [m for m in mentions if not (m.source == "ner" and any(i in replaced for i in range(m.start, m.end)))] + out

    def _leader_descriptions(self, doc: Doc, mentions: list[_Mention]) -> list[_Mention]:
        """"the North Korean leader" is the leader of North Korea already named in the document."""
        leader_nouns = set(self.rules["leader_nouns"])
        taken = _covered(mentions)
        out = []
        for span in doc.spans[DEMONYMS]:
            nxt = span.end
            if nxt >= len(doc) or doc[nxt].lower_ not in leader_nouns or nxt in taken:
                continue
            if nxt + 1 < len(doc) and doc[nxt + 1].pos_ == "PROPN":
                continue  # a title before a name, not a description
            leaders = self.leaders_of.get(span.id_, set())
            named = [m for m in mentions if m.key in leaders and m.start < span.start]
            if named:
                out.append(_Mention(span.start, nxt + 1, named[-1].key, "Person", "descriptor"))
        return out

    def _title_descriptions(self, doc: Doc, mentions: list[_Mention]) -> list[_Mention]:
        """"the Chinese minister of Public Security" is the one person already named whose office that is."""
        taken = _covered(mentions)
        out = []
        for span in doc.spans[DEMONYMS]:
            end = span.end
            while end < len(doc) and end - span.end < 7 and (doc[end].lower_ in _title_words() or (
                    doc[end].lower_ == "of" and end + 1 < len(doc) and doc[end + 1].is_title)
                    or (doc[end].is_title and end > span.end and doc[end - 1].lower_ == "of")):
                end += 1
            if end == span.end or any(i in taken for i in range(span.start, end)) or \
                    (end < len(doc) and doc[end].pos_ == "PROPN"):
                continue  # no title, or a title before a name
            words = {t.lower_ for t in doc[span.end:end] if t.is_alpha and t.lower_ != "of"}
            named = {m.key for m in mentions if m.start < span.start and m.key in self.gaz and m.cls == "Person"
                     and self.gaz[m.key].country == span.id_ and any(
                         words <= set(r.title.lower().split()) for r in self.gaz[m.key].roles)}
            if len(named) == 1 and len(words) > 1:
                out.append(_Mention(span.start, end, named.pop(), "Person", "descriptor"))
        return out

    # ------------------------------------------------------------------ metonymy
    def _dateline(self, doc: Doc, mentions: list[_Mention]) -> list[_Mention]:
        """The place of a dateline ("PYONGYANG, July 3 (KCNA) --") is the city, in any case.

        Records where the dateline ends in ``doc.user_data[DATELINE]``: its date is the report's.
        """
        match = find_dateline(doc.text, doc[:_opening_end(doc)].end_char)
        if match is None:
            return mentions
        key = _places_by_name().get(match.group("place").lower())
        place = doc.char_span(match.start("place"), match.end("place"), alignment_mode="expand")
        end = doc.char_span(match.start(), match.end(), alignment_mode="expand")
        if place is None or end is None:
            return mentions
        doc.user_data[DATELINE] = {"place": key, "start": place.start, "end": end.end}
        if key is None:
            return mentions
        kept = [m for m in mentions if m.end <= place.start or m.start >= place.end]
        return kept + [_Mention(place.start, place.end, key, self.gaz[key].cls, "dateline")]

    def _metonymy(self, doc: Doc, mentions: list[_Mention]) -> None:
        """A capital stands for its state unless the text uses it as a place."""
        starts = {m.start for m in mentions if COARSE_CLASS.get(m.cls) == "Place"}
        for m in mentions:
            state = self.capitals.get(m.key)
            if state is None or m.source == "dateline" or self._used_as_place(doc, m, starts):
                continue
            m.key, m.cls = state, self.gaz[state].cls

    def _used_as_place(self, doc: Doc, m: _Mention, place_starts: set[int]) -> bool:
        head = doc[m.end - 1]
        prev = doc[m.start - 1] if m.start > 0 else None
        if prev is not None and prev.lower_ in self.locative:
            return True
        nxt = doc[m.end] if m.end < len(doc) else None
        line_start = m.start == 0 or "\n" in doc[m.start - 1].text_with_ws
        if line_start and nxt is not None and nxt.text in {"\u2014", "\u2013", "-", "--", "("}:
            return True  # a dateline: "BEIJING — China on Tuesday urged ..."

        if head.dep_ == "pobj" and head.head.lower_ in self.locative:
            return True
        if prev is not None and prev.lower_ == "of" and m.start > 1 and doc[m.start - 2].lower_ in self.place_nouns:
            return True  # "the DPRK's capital of Pyongyang"
        if head.dep_ == "dobj" and head.head.lemma_ in self.motion_verbs:  # "visited Beijing"
            return True
        after = m.end
        if after < len(doc) and _is_possessive(doc[after]):
            # "Beijing's Great Hall of the People" / "Beijing's most prestigious venue"
            if after + 1 in place_starts:
                return True
            for t in doc[after + 1: min(after + 5, len(doc))]:
                if t.lower_ in self.place_nouns:
                    return True
                if t.pos_ == "NOUN":
                    break
            return False
        if head.dep_ == "compound" and head.head.lower_ in self.place_nouns:
            return True
        return False


HEADLINE_SENTENCES = 6  # titles, kickers and datelines open a document
OPENING = "yalu_opening_sentences"  # doc.user_data: token index where the opening lines end


def _opening_end(doc: Doc) -> int:
    """Token index where the document's opening lines (title, kicker, dateline) end."""
    for n, sent in enumerate(doc.sents):
        if n == HEADLINE_SENTENCES:
            return sent.start
    return len(doc)


def _is_headline(sent: Span) -> bool:
    """A Title Case line near the top without a full stop: NER guesses on it are mostly wrong."""
    doc = sent.doc
    if sent.start > 0:
        opening = doc.user_data.get(OPENING)
        if opening is None:  # once a doc: it walks the sentences
            opening = doc.user_data[OPENING] = _opening_end(doc)
        if sent.start >= opening:
            return False
    starts_line = sent.start == 0 or "\n" in doc[sent.start - 1].text_with_ws
    ends_line = sent.end == len(doc) or "\n" in sent[-1].text_with_ws or doc[sent.end].is_space
    if not (starts_line and ends_line) or len(sent) > 25 or sent[-1].text in {".", "!", "?"}:
        return False
    words = [t for t in sent if t.is_alpha and len(t) > 3]
    return len(words) >= 3 and sum(t.text[0].isupper() for t in words) / len(words) >= 0.7


def _covered(mentions: Iterable[_Mention]) -> set[int]:
    return {i for m in mentions for i in range(m.start, m.end)}


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip(" \t\n,;:\u2018\u2019'\"()")


@lru_cache(maxsize=1)
def _title_words() -> frozenset[str]:
    return frozenset(load_rules("titles.yaml")["words"])


@lru_cache(maxsize=1)
def _places_by_name() -> dict[str, str]:
    """Lower-cased names of the gazetteer's places ("pyongyang" -> the city), cities first."""
    out: dict[str, str] = {}
    for actor in sorted(load_gazetteer().values(), key=lambda a: a.cls != "City"):
        if COARSE_CLASS[actor.cls] == "Place":
            for name in actor.names():
                out.setdefault(name.lower(), actor.id)
    return out


def find_dateline(text: str, end: int) -> re.Match | None:
    """The first news dateline in ``text[:end]`` ("BEIJING, Nov. 3 (Xinhua) --"), if any.

    A capitalised word and a dash alone ("Kim Jong Un - a leader") count only when the word is a
    known place or written in capitals.

    >>> find_dateline("Title\\n\\nSEOUL, May 2 (Yonhap) -- North Korea fired", 60).group("place")
    'SEOUL'
    >>> find_dateline("Kim Jong Un - a leader", 30) is None
    True
    """
    for match in re.finditer(load_rules()["dateline"], text[:end]):
        place = match.group("place")
        if match.group("date") or match.group("agency") or place.isupper() or place.lower() in _places_by_name():
            return match
    return None


@Language.component("yalu_lines")
def mark_line_starts(doc: Doc) -> Doc:
    """A line break ends a sentence: titles, bylines and datelines are not run into the text.

    Registered spaCy component; runs before the parser, which respects preset boundaries.
    """
    for token in doc[:-1]:
        if "\n" in token.text or "\n" in token.whitespace_:
            nxt = doc[token.i + 1]
            if not nxt.is_space:
                nxt.is_sent_start = True
            elif token.i + 2 < len(doc):
                doc[token.i + 2].is_sent_start = True
    dateline = find_dateline(doc.text, min(len(doc.text), DATELINE_CHARS))
    if dateline is not None:  # the parser reads the report after its dateline as a sentence of its own
        after = doc.char_span(dateline.end(), dateline.end() + 1, alignment_mode="expand")
        if after is not None and after.start < len(doc):
            doc[after.start].is_sent_start = True
    return doc


DATELINE_CHARS = 2000  # a dateline opens the report, within its first lines


@Language.factory("yalu_entities", default_config={})
def make_entity_resolver(nlp: Language, name: str) -> EntityResolver:
    """Registered spaCy factory: ``nlp.add_pipe("yalu_entities")``."""
    return EntityResolver(nlp, load_gazetteer())
