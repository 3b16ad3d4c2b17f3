"""Facts the text states about its entities: the ``yalu_facts`` pipeline component.

Titles before names ("Chinese Foreign Minister Wang Yi": title, country), possessive roles
("Kim Jong-un's envoy Ri Su-yong": envoyOf), appositions ("Daniel Pinkston, deputy director
at the International Crisis Group": title, affiliatedWith), organisational possessives
("the Justice Department's Criminal Division": partOf) and place appositions ("Dandong,
China": locatedIn). Results are plain tuples in ``doc.user_data["yalu_facts"]``:
``(subject, predicate, object, is_literal, start_token, end_token)``.
"""
from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from ingest.entities import DEMONYMS, ENTITIES, Sentences, _is_possessive, load_rules
from ingest.records import Fact, Membership
from ontology.actors import COARSE_CLASS, Actor, load_gazetteer

FACTS = "yalu_facts"
STAFF_NOUNS = {"executives", "executive", "officials", "staff", "employees", "managers", "members", "leaders",
               "directors", "officers", "diplomats", "spokesman", "spokeswoman", "spokesperson"}
OWNED_NOUNS = {"company", "firm", "business", "group", "bank", "organisation", "organization", "employer"}
RESIDENCE = {"living", "based", "residing", "lives", "resident", "headquartered"}
PLACE_TYPE_NOUNS = {"city", "town", "county", "province", "region", "district", "port", "village", "prefecture"}


def _coarse(span: Span) -> str:
    return COARSE_CLASS.get(span.label_, "Other")


class FactFinder:
    """Read titles, roles, affiliations and locations around entity mentions."""

    def __init__(self) -> None:
        titles = load_rules("titles.yaml")
        self.words = set(titles["words"])
        self.weak = set(titles["weak_start"])
        self.inner = set(titles["inner"])
        self.relations: dict[str, str] = titles["relations"]
        self.state_leader_titles = {t.lower() for t in titles["state_leader_titles"]}
        self.deputy_words = set(titles["deputy_words"])
        self.gaz = load_gazetteer()

    def __call__(self, doc: Doc) -> Doc:
        self.sentences = Sentences(doc)
        spans = list(doc.spans[ENTITIES])
        self.by_start = {s.start: s for s in spans}
        self.by_end = {s.end: s for s in spans}
        self.by_end_person = {s.end for s in spans if _coarse(s) == "Person"}
        self.demonym_end = {s.end: s.id_ for s in doc.spans[DEMONYMS]}
        facts: list[tuple] = []
        listed: list[tuple] = []  # the facts of the person before, while a list of names goes on
        for span in spans:
            coarse = _coarse(span)
            if coarse == "Person":
                own = self._title_before(doc, span)
                # "Department Directors Jang Song Thaek, Kim Yong Il and Kim Yang Gon": a plural title
                # before a list of names is each one's
                if not own and listed and doc[span.start - 1].lower_ in {",", "and"} \
                        and (span.start - 1) in self.by_end_person:
                    own = [(span.id_, *f[1:]) for f in listed]
                listed = own if any(f[1] == "title" and f[-1] == "plural" for f in own) or (
                    listed and own and own[0][1:] == listed[0][1:]) else []
                facts += [f[:6] for f in own]
                facts += self._after_person(doc, span)
            elif coarse == "Organization":
                facts += self._org_possessive(doc, span)
                facts += self._owned_by(doc, span)
                facts += self._seat(doc, span)
            elif coarse == "Place":
                facts += self._place_apposition(doc, span)
        doc.user_data[FACTS] = [list(f) for f in dict.fromkeys(facts)]
        return doc

    # ------------------------------------------------------------------ titles
    def _title_before(self, doc: Doc, span: Span) -> list[tuple]:
        """Title words right before a name, and what qualifies them (a state, an owner)."""
        of_state = self._title_of_state(doc, span)
        if of_state:
            return of_state
        i = span.start - 1
        words: list[int] = []
        while i >= 0 and i >= span.start - 12:
            tok = doc[i]
            if self._title_word(tok) and (i + 1) not in self.by_end and (i + 1) not in self.demonym_end:
                words.insert(0, i)
                i -= 1
                continue
            if tok.text == "-" and words:
                i -= 1
                continue
            if tok.lower_ in self.inner and words and i >= 1 and doc[i - 1].lower_ in self.words:
                words.insert(0, i)  # "Secretary of State Mike Pompeo"
                i -= 1
                continue
            # "Assistant Attorney General for National Security John P. Carlin"
            j = i
            while j >= 0 and doc[j].text[:1].isupper() and doc[j].lower_ not in self.words and j > i - 4:
                j -= 1
            if j < i and j >= 1 and doc[j].lower_ in self.inner and doc[j - 1].lower_ in self.words:
                words = list(range(j, i + 1)) + words
                i = j - 1
                continue
            break
        content = [w for w in words if doc[w].lower_ not in self.inner]
        if not content or all(doc[w].lower_ in self.weak for w in content):
            return []
        while words and doc[words[0]].lower_ in self.inner:
            words.pop(0)
        start = words[0]
        title = doc[start:span.start].text.strip(" ,-")
        if i >= 0 and doc[i].lower_ == "former":
            return [(span.id_, "title", title, True, start, span.end)]
        last = doc[words[-1]]
        plural = last.lower_ not in self.words and self._title_word(last)
        if plural:  # "Department Directors Jang Song Thaek, Kim Yong Il and ...": each a director
            title = doc[start:last.i].text_with_ws + _singular(last.text)
        out: list[tuple] = [(span.id_, "title", title, True, start, span.end, "plural" if plural else "")]
        head = doc[words[-1]].lower_
        relation = self.relations.get(head)
        state = self.demonym_end.get(start)
        owner = None
        if state is None and start in self.by_end:
            owner_span = self.by_end[start]
            if _coarse(owner_span) == "State":
                state = owner_span.id_
            elif _coarse(owner_span) == "Organization":  # "Chinese Foreign Ministry spokesman Geng Shuang"
                owner = owner_span
        if start >= 2 and _is_possessive(doc[start - 1]) and (start - 1) in self.by_end:
            owner = self.by_end[start - 1]
            if _coarse(owner) == "State":
                state, owner = owner.id_, None
        elif start >= 1 and doc[start - 1].lower_ in {"its", "their"}:
            # "Liaoning Hongsheng Trading Co. and its general manager Wang Hailong"
            earlier = [s for s in self.by_end.values()
                       if self.sentences.of(span.start).start <= s.start and s.end < start and _coarse(s) == "Organization"]
            owner = max(earlier, key=lambda s: s.end) if earlier else None
        if state is not None:
            out.append((span.id_, "country", state, False, start, span.end))
            deputy = any(doc[w].lower_ in self.deputy_words for w in words)  # "Vice-President Li": not the leader
            if not deputy and (title.lower() in self.state_leader_titles or head in {"president", "leader"} and
                               title.lower().endswith(tuple(self.state_leader_titles))):
                out.append((span.id_, "leaderOf", state, False, start, span.end))
        if owner is not None:
            relation = relation or "affiliatedWith"
            out.append((span.id_, relation if relation != "memberOf" else "affiliatedWith", owner.id_, False,
                        owner.start, span.end))
        elif owner is None and state is None:
            staff_owner = self._staff_owner(doc, span)
            if staff_owner is not None:
                out.append((span.id_, "affiliatedWith", staff_owner.id_, False, staff_owner.start, span.end))
        return out

    def _title_word(self, tok: Token) -> bool:
        """A title word, or its plural ("Secretaries", "Department Directors")."""
        return tok.lower_ in self.words or (tok.lower_.endswith("s") and _singular(tok.lower_) in self.words)

    def _title_of_state(self, doc: Doc, span: Span) -> list[tuple]:
        """"Premier of the People's Republic of China Zhou Enlai": the title, the state, and leadership;
        "Secretaries of the WPK Central Committee Choe Thae Bok": the title and the body."""
        state = self.by_end.get(span.start)
        if state is None or _coarse(state) not in {"State", "Organization"}:
            return []
        k = state.start - 1
        if k >= 0 and doc[k].lower_ == "the":
            k -= 1
        if k < 1 or doc[k].lower_ != "of":
            return []
        start = k
        while start > 0 and self._title_word(doc[start - 1]) and start > k - 4:
            start -= 1
        if start == k:
            return []
        plural = doc[k - 1].lower_ not in self.words
        title = " ".join([t.text for t in doc[start:k - 1]] + [_singular(doc[k - 1].text) if plural else doc[k - 1].text])
        out = [(span.id_, "title", title, True, start, span.end, "plural" if plural else "")]
        if _coarse(state) == "Organization":
            relation = self.relations.get(_singular(doc[k - 1].lower_), "affiliatedWith")
            out.append((span.id_, relation if relation != "memberOf" else "affiliatedWith", state.id_, False,
                        start, span.end, ""))
            return out
        out.append((span.id_, "country", state.id_, False, start, span.end, ""))
        if title.lower() in self.state_leader_titles:
            out.append((span.id_, "leaderOf", state.id_, False, start, span.end, ""))
        return out

    def _staff_owner(self, doc: Doc, span: Span) -> Span | None:
        """"DHID's top executives, general manager Zhou Jianshu": the organisation whose staff is listed."""
        sent = self.sentences.of(span.start)
        for i in range(span.start - 1, max(sent.start, span.start - 40), -1):
            if doc[i].lower_ in STAFF_NOUNS:
                for k in range(i - 1, max(sent.start - 1, i - 4), -1):
                    if _is_possessive(doc[k]) and k in self.by_end and _coarse(self.by_end[k]) == "Organization":
                        return self.by_end[k]
                return None
        return None

    # ------------------------------------------------------------------ after a name
    def _after_person(self, doc: Doc, span: Span) -> list[tuple]:
        out: list[tuple] = []
        i = span.end
        if i < len(doc) and doc[i].text == "(" and i + 2 < len(doc) and doc[i + 2].text == ")":
            i += 3
        # "... of the Justice Department's Criminal Division" after a titled name
        if i < len(doc) and doc[i].lower_ == "of":
            org = self._object_entity(doc, i + 1)
            if org is not None:
                out.append(self._affiliation(span, org))
        if i < len(doc) and (doc[i].text == "," or "\n" in doc[i].text):
            out += self._apposition(doc, span, i + 1) + self._plural_title(doc, span, i + 1)
        elif i + 1 < len(doc) and doc[i].lower_ == "and" and (i + 1) in self.by_start:
            # "Kim Ki Nam and Choe Thae Bok, secretaries of the C.C., the WPK": the plural title is each one's
            other = self.by_start[i + 1]
            if _coarse(other) == "Person" and other.end + 1 < len(doc) and doc[other.end].text == ",":
                out += self._plural_title(doc, span, other.end + 1)
        elif i + 1 < len(doc) and doc[i].lemma_ == "be" and doc[i].dep_ in {"ROOT", "ccomp", "conj"}:
            out += self._apposition(doc, span, i + 1)  # "Jane Smith is a senior fellow at the X Institute"
        return out

    def _plural_title(self, doc: Doc, span: Span, i: int) -> list[tuple]:
        """"..., secretaries of the C.C., the WPK" after "A and B": A's title ("secretary") and body."""
        j = i
        while j < len(doc) and j - i < 4 and doc[j].tag_ in {"NN", "NNS", "JJ"} and doc[j].text != ",":
            j += 1
        if j == i or doc[j - 1].tag_ != "NNS" or doc[j - 1].lemma_.lower() not in self.words:
            return []
        title = " ".join([t.text for t in doc[i:j - 1]] + [doc[j - 1].lemma_])
        out = [(span.id_, "title", title, True, span.start, j)]
        if j < len(doc) and doc[j].lower_ == "of":
            org = self._object_entity(doc, j + 1)
            if org is not None and _coarse(org) in {"Organization", "State"}:
                out.append(self._affiliation(span, org))
        return out

    def _object_entity(self, doc: Doc, i: int) -> Span | None:
        """The entity a prepositional phrase starting at ``i`` names; the possessed one in "X's Y"."""
        while i < len(doc) and doc[i].lower_ in {"the", "a", "an"}:
            i += 1
        found = self.by_start.get(i)
        while found is not None and found.end + 1 < len(doc) and _is_possessive(doc[found.end]) \
                and found.end + 1 in self.by_start:
            found = self.by_start[found.end + 1]
        return found

    def _affiliation(self, person: Span, org: Span) -> tuple:
        if _coarse(org) == "State":
            return (person.id_, "country", org.id_, False, person.start, org.end)
        return (person.id_, "affiliatedWith", org.id_, False, person.start, org.end)

    def _apposition(self, doc: Doc, span: Span, i: int) -> list[tuple]:
        """"NAME, a well-known author ... living in Seoul," / "NAME\\nLecturer in X at the University of Leeds"."""
        sent_end = min(self.sentences.of(span.start).end + 40, len(doc))
        while i < sent_end and (doc[i].is_space or doc[i].lower_ in {"a", "an", "the"}):
            i += 1
        j = i
        title_end = None
        after_org = None
        out: list[tuple] = []
        while j < sent_end:
            tok = doc[j]
            if tok.text in {",", ")", ";", "."} or tok.is_space or (tok.pos_ in {"VERB", "AUX"} and tok.lower_ not in RESIDENCE):
                break
            if tok.lower_ in RESIDENCE:
                title_end = title_end or j
                if j + 2 < len(doc) and doc[j + 1].lower_ in {"in", "at"}:
                    place = self._object_entity(doc, j + 2)
                    if place is not None and _coarse(place) in {"Place", "State"}:
                        out.append((span.id_, "locatedIn", place.id_, False, span.start, place.end))
                break
            if tok.lower_ in {"at", "of", "with"} and j in range(i, sent_end):
                org = self._object_entity(doc, j + 1)
                if org is not None and _coarse(org) in {"Organization", "State"}:
                    title_end = title_end or j
                    out.append(self._affiliation(span, org))
                    after_org = org.end
                    break
            if j in self.by_start and _coarse(self.by_start[j]) == "Person":
                return out  # "Kim Ki Nam, First Vice-Minister Kang Sok Ju": the title is the next name's
            if j in self.by_start and _coarse(self.by_start[j]) == "Organization":
                break
            j += 1
        end = title_end or j
        while end > i and doc[end - 1].lower_ in self.inner:
            end -= 1
        phrase = [t for t in doc[i:end] if not t.is_space]
        first_noun = next((t for t in phrase if t.pos_ in {"NOUN", "PROPN"}), None)
        compound_title = 0 < len(phrase) <= 3 and phrase[-1].lower_ in self.words and all(
            t.pos_ in {"NOUN", "PROPN", "ADJ"} for t in phrase)  # "department director of the C.C."
        if first_noun is not None and first_noun.lower_ not in self.words and not compound_title:
            return [f for f in out if f[1] == "locatedIn"]  # "the sister of leader Kim": no title
        if not phrase or phrase[0].lower_ not in self.words and not any(
                t.lower_ in self.relations or t.lower_ in self.words and t.pos_ == "NOUN" for t in phrase):
            return [f for f in out if f[1] == "locatedIn"] if phrase else out
        if not any(t.lower_ in self.words and t.pos_ in {"NOUN", "PROPN"} for t in phrase):
            return out
        title = doc[phrase[0].i:phrase[-1].i + 1].text
        out.append((span.id_, "title", title, True, span.start, end))
        if after_org is not None or (j < sent_end and doc[j].text == ","):
            out += self._next_title(doc, span, after_org or j, sent_end)
        states = [sid for k, sid in self.demonym_end.items()  # the demonym must qualify the title itself
                  if phrase[0].i < k <= phrase[-1].i and doc[k].lower_ in self.words]
        if len(states) == 1 and _coarse(span) == "Person":  # "Thae Yong-ho, a former North Korean diplomat"
            out.append((span.id_, "country", states[0], False, span.start, end))
        return out

    def _next_title(self, doc: Doc, span: Span, k: int, sent_end: int) -> list[tuple]:
        """Stacked titles: "general secretary of the C.C., the Communist Party of China and president of
        the PRC" gives the person each title and each body (an appositive body is one more affiliation)."""
        out: list[tuple] = []
        if k + 2 < sent_end and doc[k].text == "(" and doc[k + 2].text == ")":
            k += 3  # "the Workers' Party of Korea (WPK)"
        while k < sent_end and doc[k].text == ",":
            if k + 1 < sent_end and doc[k + 1].lower_ in self.words:
                return out + self._apposition(doc, span, k + 1)  # "..., president of X and ..."
            k += 1
            if k < sent_end and doc[k].lower_ == "the":
                k += 1
            body = self.by_start.get(k)
            if body is not None and _coarse(body) == "Organization":
                out.append(self._affiliation(span, body))
                k = body.end
        if k < sent_end and doc[k].lower_ == "and" and k + 1 < sent_end and (
                doc[k + 1].lower_ in self.words or doc[k + 1].lower_ in {"a", "an", "the"}):
            out += self._apposition(doc, span, k + 1)
        return out

    # ------------------------------------------------------------------ organisations and places
    def _org_possessive(self, doc: Doc, span: Span) -> list[tuple]:
        """"the Justice Department's Criminal Division": partOf; "China's foreign ministry": country."""
        i = span.end
        if i + 1 >= len(doc) or not _is_possessive(doc[i]):
            return []
        inner = self.by_start.get(i + 1)
        if inner is None or _coarse(inner) != "Organization":
            return []
        return [(inner.id_, "partOf", span.id_, False, span.start, inner.end)]

    def _seat(self, doc: Doc, span: Span) -> list[tuple]:
        """"X Trading Co., a firm based in Shenyang": where an organisation sits."""
        for i in range(span.end, min(span.end + 8, self.sentences.of(span.start).end - 1)):
            tok = doc[i]
            if tok.lower_ in RESIDENCE and doc[i + 1].lower_ in {"in", "at"}:
                place = self._object_entity(doc, i + 2)
                if place is not None and _coarse(place) in {"Place", "State"}:
                    return [(span.id_, "locatedIn", place.id_, False, span.start, place.end)]
                return []
            if tok.text in {";", "("} or (i in self.by_start) or tok.pos_ in {"VERB", "AUX"} and tok.lower_ not in RESIDENCE:
                return []
        return []

    def _owned_by(self, doc: Doc, span: Span) -> list[tuple]:
        """"Ma Xiaohong and her company, Dandong Hongxiang": the company is the person's."""
        i = span.start - 1
        if i < 2 or doc[i].text != "," or doc[i - 1].lower_ not in OWNED_NOUNS or doc[i - 2].lower_ not in {"her", "his", "their"}:
            return []
        sent = self.sentences.of(span.start)
        people = [s for s in doc.spans[ENTITIES] if sent.start <= s.start < i and _coarse(s) == "Person"]
        if not people:
            return []
        return [(people[-1].id_, "affiliatedWith", span.id_, False, people[-1].start, span.end)]

    def _place_apposition(self, doc: Doc, span: Span) -> list[tuple]:
        """"Dandong, China" / "South Pyong'an province in North Korea" / "the Chinese coastal city of Ningbo"."""
        out: list[tuple] = []
        i = span.end
        if i < len(doc) and doc[i].lower_ in PLACE_TYPE_NOUNS:
            i += 1
        if i + 1 < len(doc) and doc[i].text in {",", "in"}:
            other = self.by_start.get(i + 1)
            # "Dandong, China" / "in North Korea": only a larger unit, so lists of cities are not read as nesting
            # "as a neighbour of the Korean Peninsula, China persisted": a comma before the clause's subject
            clause_subject = doc[i].text == "," and other.root.dep_ in {"nsubj", "nsubjpass"} \
                if other is not None else False
            if other is not None and other.id_ != span.id_ and span.label_ in {"City", "Facility", "Region"} and (
                    _coarse(other) == "State" or (other.label_ == "Region" and span.label_ != "Region")) \
                    and not clause_subject:
                out.append((span.id_, "locatedIn", other.id_, False, span.start, other.end))
        j = span.start - 1
        if j >= 1 and doc[j].lower_ == "of" and doc[j - 1].lower_ in PLACE_TYPE_NOUNS:
            for k in range(j - 2, max(-1, j - 6), -1):
                if k + 1 in self.demonym_end:
                    out.append((span.id_, "locatedIn", self.demonym_end[k + 1], False, k, span.end))
                    break
        return out


@Language.factory("yalu_facts", default_config={})
def make_fact_finder(nlp: Language, name: str) -> FactFinder:
    """Registered spaCy factory: ``nlp.add_pipe("yalu_facts")`` after ``yalu_entities``."""
    return FactFinder()


# ---------------------------------------------------------------------- background knowledge
_PLACE = {"Place", "City", "Region", "Facility"}


def _singular(word: str) -> str:
    """"Secretaries" -> "Secretary", "Directors" -> "Director" (titles are regular nouns)."""
    if word.lower().endswith("ies"):
        return word[:-3] + ("Y" if word.isupper() else "y")
    return word[:-1] if word.lower().endswith("s") and not word.lower().endswith("ss") else word


def _ancestors(start: str | None, step, limit: int = 12) -> list[str]:
    out: list[str] = []
    node = start
    while node is not None and node not in out and len(out) < limit:
        out.append(node)
        node = step(node)
    return out


def background_facts(keys: set[str], classes: dict[str, str], gaz: dict[str, Actor],
                     year: int | None) -> tuple[list[Fact], list[Membership]]:
    """Facts the gazetteer knows between entities of the document, and every role of its people.

    Only entities in ``keys`` are linked: the gazetteer is a lookup, not data to load.
    Roles count when held in ``year`` (the document's year); with no year, current roles.

    >>> gaz = load_gazetteer()
    >>> facts, _ = background_facts({"xi_jinping", "china"}, {}, gaz, 2016)
    >>> ("xi_jinping", "leaderOf", "china") in {(f.subject, f.predicate, f.object) for f in facts}
    True
    """
    facts: list[Fact] = []
    members: list[Membership] = []

    def add(subject: str, predicate: str, obj: str | None) -> None:
        if obj is not None and obj in keys and obj != subject:
            facts.append(Fact(subject, predicate, obj, source="gazetteer"))

    for key in sorted(keys):
        actor = gaz.get(key)
        if actor is None:
            continue
        coarse = COARSE_CLASS[actor.cls]
        located = _ancestors(actor.located_in, lambda k: gaz[k].located_in if k in gaz else None)
        countries = [gaz[k].country for k in [key, *located] if k in gaz and gaz[k].country]
        # an office's seat ("the ILD is in Beijing") says little; a company's seat is a fact analysts use
        if coarse == "Place":
            for place in dict.fromkeys(located + countries):
                add(key, "locatedIn", place)
        elif actor.cls == "Company" and actor.located_in:
            add(key, "locatedIn", actor.located_in)
        if coarse in {"Person", "Organization"} and actor.country:
            add(key, "country", actor.country)
        if actor.capital_of and classes.get(key, actor.cls) == "City":
            add(key, "capitalOf", actor.capital_of)
        for parent in _ancestors(actor.part_of, lambda k: gaz[k].part_of if k in gaz else None):
            add(key, "partOf", parent)
        for other in actor.liaison_with:
            add(key, "liaisonWith", other)
        for seat in actor.memberships:
            if seat.held_in(year) if year is not None else seat.end is None:
                add(key, "memberOf", seat.of)
        for role in actor.roles:
            members.append(Membership(key, role.of, role.title, role.start, role.end))
            current = role.held_in(year) if year is not None else role.end is None
            if current and not (role.relation == "memberOf" and gaz[role.of].cls == "State"):
                add(key, role.relation, role.of)  # a vice-president is of the state (country), not a member of it
    return facts, members


def inferred_facts(keys: set[str], classes: dict[str, str], facts: list[Fact],
                   gaz: dict[str, Actor]) -> list[Fact]:
    """Facts that follow from others: an envoy's, a member's or a unit's country; a company's seat.

    Marked ``source="inferred"``; only entities of the document are linked.
    """
    country: dict[str, str] = {}
    for f in facts:
        if f.predicate == "country" and not f.literal:
            country.setdefault(f.subject, f.object)
    out: list[Fact] = []
    place_names: dict[str, str] | None = None  # built when first needed: it reads the whole gazetteer
    for key in sorted(keys):
        if key in gaz or COARSE_CLASS.get(classes.get(key, ""), "") != "Organization":
            continue
        if place_names is None:
            place_names = {a.label: a.id for a in gaz.values() if a.cls in _PLACE}
        first = key.split("-")[0].capitalize()
        place = place_names.get(first)
        if place and place in keys:
            out.append(Fact(key, "locatedIn", place, source="inferred"))
            for parent in _ancestors(gaz[place].located_in, lambda k: gaz[k].located_in if k in gaz else None):
                if parent in keys:
                    out.append(Fact(key, "locatedIn", parent, source="inferred"))
            state = gaz[place].country
            if state in keys and key not in country:
                country[key] = state
                out.append(Fact(key, "country", state, source="inferred"))
    for f in facts:  # an organisation seated in a known place belongs to that place's state
        if f.predicate == "locatedIn" and not f.literal and f.subject not in country and f.object in gaz \
                and COARSE_CLASS.get(classes.get(f.subject, ""), "") == "Organization":
            state = gaz[f.object].country if gaz[f.object].cls != "State" else f.object
            if state in keys and state != f.subject:
                country[f.subject] = state
                out.append(Fact(f.subject, "country", state, source="inferred"))
    links = [f for f in facts if not f.literal] + out
    for _ in range(2):  # a person's country through the company, a unit's through its parent
        for f in links:
            if f.subject in country or COARSE_CLASS.get(classes.get(f.subject, ""), "") not in {"Person", "Organization"}:
                continue
            target = None
            if f.predicate in {"envoyOf", "affiliatedWith", "memberOf", "leaderOf", "partOf"}:
                target = f.object if classes.get(f.object) == "State" else country.get(f.object)
            if target and target in keys and target != f.subject:
                country[f.subject] = target
                out.append(Fact(f.subject, "country", target, source="inferred"))
    return out
