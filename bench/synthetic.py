"""Synthetic news-like documents and the records Yalu would read from them, for the benchmarks.

Every document is written from templates with the gazetteer's names (plus invented names it
does not know), so nothing is copied from real text. :func:`stories` returns, per document,
its :class:`~ingest.records.Document` and the :class:`~ingest.records.Extraction` a perfect
reader would produce: entities with character-exact mentions, text facts, gazetteer facts and
memberships (from ``ingest.facts``, as the pipeline adds them), and events with roles, dates,
places and modality. ``bench/ingest_speed.py`` uses the texts; ``bench/query_speed.py`` and
``bench/bulk_load.py`` build stores from the records.

    >>> doc, extraction = next(stories(1))
    >>> len(doc.text.split()) > 100 and len(extraction.events) > 0
    True
"""
from __future__ import annotations

import pickle
import random
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from ingest.records import Document, Entity, Event, Extraction, Fact, Mention  # noqa: E402
from ontology.actors import Actor, load_gazetteer  # noqa: E402

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")
SURNAMES_CN = ("Zhang", "Liu", "Chen", "Yang", "Zhao", "Huang", "Zhou", "Wu", "Xu", "Sun", "Ma", "Zhu", "Hu", "Guo")
GIVEN_CN = ("Wei", "Jun", "Hao", "Lei", "Ming", "Qiang", "Yan", "Hua", "Bin", "Tao", "Xin", "Jie", "Ping", "Gang")
SURNAMES_KP = ("Kim", "Ri", "Pak", "Choe", "Jong", "Kang", "Han", "O", "Jang", "Yun", "Hong", "Ryu")
GIVEN_KP = ("Chol", "Song", "Myong", "Hyok", "Il", "Nam", "Su", "Yong", "Chun", "Hui", "Guk", "Ok", "Jin", "Ho")
FILLER = (
    "Officials described the talks as frank and constructive.",
    "Trade across the border has slowed since the spring, according to customs data.",
    "Analysts said the timing reflected concern over the sanctions regime.",
    "The statement did not mention the nuclear issue directly.",
    "Diplomats in the region were watching the exchange closely.",
    "State media carried photographs of the delegation on its front page.",
    "The two sides have not published a joint communique.",
    "Observers noted that the visit came ahead of a key party meeting.",
    "Shipments of fertiliser and rice were expected to resume later in the year.",
    "A spokesperson declined to give further details at a regular briefing.",
)
PROMINENT = {"xi_jinping": 40, "wang_yi": 15, "li_keqiang": 8, "song_tao": 6, "wu_dawei": 4,
             "kim_jong_un": 40, "ri_yong_ho": 10, "choe_son_hui": 8, "ri_su_yong": 6, "kim_yo_jong": 6}
# North Korea's nuclear tests: six in all, so a synthetic corpus has few test dates, as a real one does
NUCLEAR_TESTS = ("2006-10-09", "2009-05-25", "2013-02-12", "2016-01-06", "2016-09-09", "2017-09-03")
MODALITY = (("asserted", 82), ("negated", 5), ("planned", 6), ("hypothetical", 3), ("speculative", 4))


@dataclass
class _Writer:
    """Builds one document sentence by sentence, recording where each name is written."""

    doc_id: str = ""
    sentences: list[str] = field(default_factory=list)
    spans: list[tuple[int, int, int, str, str]] = field(default_factory=list)  # sent, start, end, text, key
    offset: int = 0

    def write(self, template: str, **slots: tuple[str, str] | str) -> int:
        """Fill ``{slot}``s (a (text, entity key) pair records a mention); returns the sentence index."""
        index = len(self.sentences)
        out = ""
        for piece in re.split(r"(\{\w+\})", template):
            if piece.startswith("{") and piece.endswith("}"):
                value = slots[piece[1:-1]]
                if isinstance(value, tuple):
                    text, key = value
                    start = self.offset + len(out)
                    self.spans.append((index, start, start + len(text), text, key))
                    out += text
                else:
                    out += value
            else:
                out += piece
        out = out[0].upper() + out[1:]
        self.sentences.append(out)
        self.offset += len(out) + 1
        return index

    @property
    def text(self) -> str:
        return " ".join(self.sentences)


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


class _Cast:
    """The actors documents can name, by role."""

    def __init__(self, gaz: dict[str, Actor]):
        self.gaz = gaz
        people = [a for a in gaz.values() if a.cls == "Person"]
        self.cn_people = [a for a in people if a.country == "china"]
        self.kp_people = [a for a in people if a.country == "north_korea"]
        self.other_people = [a for a in people if a.country not in {"china", "north_korea"}]
        # News names leaders far more often than the rest: weight them, so actor queries find rows.
        self.cn_weights = [PROMINENT.get(a.id, 1) for a in self.cn_people]
        self.kp_weights = [PROMINENT.get(a.id, 1) for a in self.kp_people]
        self.cities = [a for a in gaz.values() if a.cls == "City"]
        self.orgs = [a for a in gaz.values() if a.cls in {"GovernmentBody", "PoliticalParty", "MilitaryOrganization",
                                                           "MediaOrganization", "Company", "Organization"}]
        self.states = [gaz[k] for k in ("china", "north_korea", "south_korea", "united_states", "japan", "russia")]
        self.facilities = [a for a in gaz.values() if a.cls == "Facility" and self._in(a, "north_korea")] or \
            [a for a in gaz.values() if a.cls == "Facility"]

    def _in(self, actor: Actor, country: str) -> bool:
        seen = 0
        while actor is not None and seen < 12:
            if actor.country == country or actor.id == country:
                return True
            actor, seen = self.gaz.get(actor.located_in or ""), seen + 1
        return False


def _date(rng: random.Random, year: int) -> tuple[str, str, str]:
    """(ISO, written, precision) for a day or month of ``year``."""
    month = rng.randrange(1, 13)
    if rng.random() < 0.7:
        day = rng.randrange(1, 29)
        return f"{year:04d}-{month:02d}-{day:02d}", f"on {day} {MONTHS[month - 1]} {year}", "day"
    return f"{year:04d}-{month:02d}", f"in {MONTHS[month - 1]} {year}", "month"


def _invented(rng: random.Random, korean: bool) -> str:
    if korean:
        a, b = rng.sample(GIVEN_KP, 2)
        return f"{rng.choice(SURNAMES_KP)} {a}-{b.lower()}"
    return f"{rng.choice(SURNAMES_CN)} {rng.choice(GIVEN_CN)}{rng.choice(GIVEN_CN).lower()}"


def story(rng: random.Random, cast: _Cast, n: int, *, words: int = 150) -> tuple[Document, Extraction]:
    """One synthetic article of about ``words`` words and its records."""
    from ingest.facts import background_facts, inferred_facts

    year = rng.randrange(2009, 2025)
    w = _Writer()
    known: dict[str, Actor | None] = {}
    invented: dict[str, tuple[str, str]] = {}  # key -> (label, cls)
    raw_events: list[dict] = []
    text_facts: list[tuple[str, str, str, bool, int, int, int]] = []

    def ref(actor: Actor) -> tuple[str, str]:
        known[actor.id] = actor
        return actor.label, actor.id

    def new_person(korean: bool) -> tuple[str, str]:
        name = _invented(rng, korean)
        invented[_slug(name)] = (name, "Person")
        return name, _slug(name)

    def modality() -> str:
        return rng.choices([m for m, _ in MODALITY], [k for _, k in MODALITY])[0]

    def event(cls: str, trigger: str, sent: int, *, agents=(), participants=(), targets=(), date=None, place=None,
              mod="asserted") -> None:
        raw_events.append(dict(cls=cls, trigger=trigger, sent=sent, agents=agents, participants=participants,
                               targets=targets, date=date, place=place, modality=mod))

    cn_cast = list(dict.fromkeys(rng.choices(cast.cn_people, cast.cn_weights, k=2)))
    kp_cast = list(dict.fromkeys(rng.choices(cast.kp_people, cast.kp_weights, k=2)))
    city = rng.choice(cast.cities)
    headline = f"{cn_cast[0].label} and {kp_cast[0].label} in {city.label}: talks on trade and security"
    while len(w.text.split()) < words:
        kind = rng.randrange(9)
        iso, written, _ = _date(rng, year)
        mod = modality()
        if kind == 0:
            cn, kp = rng.choice(cn_cast), rng.choice(kp_cast)
            verb = {"asserted": "met", "negated": "did not meet", "planned": "is expected to meet",
                    "hypothetical": "would meet", "speculative": "may have met"}[mod]
            s = w.write(f"{{a}} {verb} {{b}} in {{place}} {written}.", a=ref(cn), b=ref(kp), place=ref(city))
            event("Meeting", verb.split()[-1], s, agents=(cn.id,), participants=(kp.id,), date=iso, place=city.id,
                  mod=mod)
        elif kind == 1:
            guest = rng.choice(cast.cn_people + cast.kp_people)
            dest = rng.choice(cast.cities)
            s = w.write(f"{{a}} visited {{place}} {written} at the head of a delegation.", a=ref(guest),
                        place=ref(dest))
            event("Visit", "visited", s, agents=(guest.id,), targets=(dest.country,) if dest.country else (),
                  date=iso, place=dest.id, mod="asserted")
        elif kind == 2:
            cls, what = "MissileTest", "a missile test"
            past = [t for t in NUCLEAR_TESTS if int(t[:4]) <= year]
            if past and rng.random() < 0.3:  # news recalls the few real tests; it does not invent new ones
                cls, what, iso = "NuclearTest", "a nuclear test", rng.choice(past)
                written = f"on {int(iso[8:])} {MONTHS[int(iso[5:7]) - 1]} {iso[:4]}"
            site = rng.choice(cast.facilities)
            s = w.write(f"{{a}} conducted {what} {written} near {{place}}.", a=ref(cast.states[1]), place=ref(site))
            event(cls, "conducted", s, agents=("north_korea",), date=iso, place=site.id)
        elif kind == 3:
            target = rng.choice(cast.orgs)
            s = w.write(f"{{a}} imposed sanctions on {{b}} {written}.", a=ref(rng.choice(cast.states[3:])),
                        b=ref(target))
            event("Sanction", "imposed", s, agents=(w.spans[-2][4],), targets=(target.id,), date=iso)
        elif kind == 4:
            org = rng.choice(cast.orgs)
            s = w.write("{a} said in a statement that relations with {b} would deepen.", a=ref(org),
                        b=ref(rng.choice(cast.states[:2])))
            event("Statement", "said", s, agents=(org.id,), targets=(w.spans[-1][4],))
        elif kind == 5:
            org = rng.choice([o for o in cast.orgs if o.country in {"china", "north_korea"}] or cast.orgs)
            person = new_person(org.country == "north_korea")
            s = w.write("{a}, a senior official of {b}, led the working-level talks.", a=person, b=ref(org))
            start, end = w.spans[-2][1], w.spans[-1][2]
            text_facts.append((person[1], "memberOf", org.id, False, s, start, end))
            text_facts.append((person[1], "title", "senior official", True, s, start, end))
        elif kind == 6:
            other = rng.choice(cast.other_people)
            s = w.write(f"{{a}} criticized {{b}} {written} over the border incident.", a=ref(other),
                        b=ref(cast.states[rng.randrange(2)]))
            event("Criticism", "criticized", s, agents=(other.id,), targets=(w.spans[-1][4],), date=iso, mod=mod)
        elif kind == 7:
            a, b = cast.states[0], cast.states[1]
            s = w.write(f"{{a}} and {{b}} signed a trade agreement {written}.", a=ref(a), b=ref(b))
            event("Agreement", "signed", s, participants=(a.id, b.id), date=iso)
        else:
            w.write(rng.choice(FILLER))

    doc = Document.from_text(w.text, title=headline, date=f"{year:04d}-12-31", source=f"synthetic:{n:06d}")
    sents = w.sentences

    def mention(sent: int, start: int, end: int) -> Mention:
        return Mention(doc.id, sent, sents[sent], start, end, w.text[start:end])

    by_key: dict[str, list[Mention]] = {}
    for sent, start, end, _, key in w.spans:
        by_key.setdefault(key, []).append(mention(sent, start, end))
    entities = []
    for key, ms in by_key.items():
        actor = known.get(key)
        label, cls = (actor.label, actor.cls) if actor else invented[key]
        entities.append(Entity(key, label, cls, wikidata=actor.wikidata if actor else None,
                               in_gazetteer=actor is not None, mentions=tuple(ms)))
    keys = set(by_key)
    classes = {e.key: e.cls for e in entities}
    facts = [Fact(s, p, o, literal=lit, mention=mention(sent, a, b)) for s, p, o, lit, sent, a, b in text_facts]
    background, memberships = background_facts(keys, classes, cast.gaz, year)
    facts += background
    facts += inferred_facts(keys, classes, facts, cast.gaz)
    events = []
    for i, e in enumerate(raw_events):
        span = [x for x in w.spans if x[0] == e["sent"]]
        ms = (mention(e["sent"], span[0][1], span[-1][2]),) if span else ()
        role = lambda ks: tuple(k for k in ks if k in keys)  # noqa: E731
        events.append(Event(f"e{i}", e["cls"], e["trigger"], agents=role(e["agents"]),
                            participants=role(e["participants"]), targets=role(e["targets"]), date=e["date"],
                            place=e["place"] if e["place"] in keys else None, modality=e["modality"], mentions=ms))
    return doc, Extraction(doc, entities=tuple(entities), facts=tuple(dict.fromkeys(facts)),
                           memberships=tuple(dict.fromkeys(memberships)), events=tuple(events))


def stories(n: int, *, seed: int = 7, words: int = 150) -> Iterator[tuple[Document, Extraction]]:
    """``n`` synthetic articles and their records, the same for the same seed."""
    rng = random.Random(seed)
    cast = _Cast(load_gazetteer())
    for i in range(n):
        yield story(rng, cast, i, words=words)


def news_texts(n: int = 200, *, seed: int = 7, words: int = 150) -> list[str]:
    """The texts alone (for ingestion speed)."""
    return [doc.text for doc, _ in stories(n, seed=seed, words=words)]


def write_records(path: Path, target_triples: int, *, seed: int = 7) -> tuple[int, int]:
    """Pickle Extractions one by one into ``path`` until their graphs hold ``target_triples`` quads.

    Returns (documents, quads). Readers use :func:`read_records`, one record at a time.
    """
    from graph.build import build_graph

    docs = quads = 0
    with open(path, "wb") as out:
        for _, extraction in stories(10**9, seed=seed):
            pickle.dump(extraction, out, protocol=pickle.HIGHEST_PROTOCOL)
            docs += 1
            quads += len(build_graph(extraction))
            if quads >= target_triples:
                break
    return docs, quads


def machine() -> str:
    """One line on where the figures were measured (cores, load, Python, CPU)."""
    import os
    import platform

    cpu = ""
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"{os.cpu_count()} cores ({cpu or platform.machine()}), load average {load:.1f} at start, "
            f"Python {platform.python_version()}")


def write_section(title: str, body: str) -> None:
    """Replace (or append) the ``## title`` section of bench/README.md, leaving other sections alone."""
    readme = ROOT / "bench" / "README.md"
    heading = f"## {title}"
    section = f"{heading}\n\n{body.strip()}\n"
    text = readme.read_text(encoding="utf-8") if readme.exists() else "# Benchmarks\n"
    pattern = re.compile(rf"^{re.escape(heading)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _: section + "\n", text, count=1).rstrip("\n") + "\n"
    else:
        text = text.rstrip("\n") + "\n\n" + section
    readme.write_text(text, encoding="utf-8")


def table(header: list[str], rows: list[list[object]]) -> str:
    """A Markdown table (also readable on a terminal)."""
    cells = [header] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    line = lambda r: "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |"  # noqa: E731
    return "\n".join([line(cells[0]), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(line, cells[1:])])


def read_records(path: Path) -> Iterator[Extraction]:
    with open(path, "rb") as f:
        while True:
            try:
                yield pickle.load(f)
            except EOFError:
                return


if __name__ == "__main__":
    d, x = next(stories(1))
    print(d.title, "\n", d.text, "\n")
    print(len(x.entities), "entities,", len(x.facts), "facts,", len(x.memberships), "memberships,",
          len(x.events), "events")
