"""Saved queries: headers parse, every query runs, parameters bind as values (never pasted)."""
from __future__ import annotations

import pytest
from rdflib import Literal

from graph.store import Store
from graph.store.queries import bind_params, list_saved, load_saved, parse_saved
from ingest.records import Document, Entity, Event, Extraction, Fact, Membership, Mention

TEXT = "Xi Jinping met Kim Jong-un in Beijing. North Korea tested a bomb. China imposed sanctions."


@pytest.fixture(scope="module")
def store() -> Store:
    doc = Document.from_text(TEXT, title="Test text", date="2018-04-01")

    def m(start: int, end: int) -> Mention:
        return Mention(doc.id, 0, TEXT, start, end, TEXT[start:end])

    entities = (
        Entity("xi_jinping", "Xi Jinping", "Person", mentions=(m(0, 10),)),
        Entity("kim_jong_un", "Kim Jong-un", "Person", aliases=("Kim Jong Un",), mentions=(m(15, 26),)),
        Entity("china", "China", "State", mentions=(m(68, 73),)),
        Entity("north_korea", "North Korea", "State", mentions=(m(39, 50),)),
        Entity("beijing", "Beijing", "City", mentions=(m(30, 37),)),
        Entity("ild", "International Liaison Department", "GovernmentBody", mentions=(m(0, 2),)),
        Entity("wpk", "Workers' Party of Korea", "PoliticalParty", mentions=(m(0, 2),)),
    )
    facts = (
        Fact("xi_jinping", "country", "china", source="gazetteer"),
        Fact("kim_jong_un", "country", "north_korea", source="gazetteer"),
        Fact("beijing", "locatedIn", "china", source="gazetteer"),
        Fact("ild", "liaisonWith", "wpk", source="gazetteer"),
        Fact("xi_jinping", "title", "President", literal=True, source="text", mention=m(0, 10)),
    )
    events = (
        Event("e1", "Meeting", "met", agents=("xi_jinping",), participants=("kim_jong_un",), date="2018-03-26",
              place="beijing", mentions=(m(11, 14),)),
        Event("e2", "NuclearTest", "tested", agents=("north_korea",), date="2017-09-03", mentions=(m(51, 57),)),
        Event("e3", "Sanction", "imposed", agents=("china",), targets=("north_korea",), date="2017-09-23",
              mentions=(m(74, 81),)),
        Event("e4", "Meeting", "meet", agents=("kim_jong_un",), participants=("xi_jinping",), date="2019-01",
              modality="negated", mentions=(m(11, 14),)),
        # undated: the text gives no date, its document does
        Event("e5", "Meeting", "talks", participants=("xi_jinping", "kim_jong_un"), mentions=(m(11, 14),)),
        # a side known only by the place: Beijing is no actor, its state is
        Event("e6", "Visit", "visited", participants=("kim_jong_un", "beijing"), targets=("beijing",),
              place="beijing", date="2018-05", mentions=(m(11, 14),)),
    )
    memberships = (Membership("xi_jinping", "china", "President", 2013, None),
                   Membership("kim_jong_un", "wpk", "Chairman", 2016, 2021))
    s = Store()
    s.add(Extraction(doc, entities, facts, memberships, events))
    return s


def test_queries_every_saved_query_has_a_title_and_runs(store):
    for q in list_saved():
        assert q.title and q.description, q.name
        values = {p.name: {"name": "Kim Jong-un", "a": "Xi Jinping", "b": "Kim Jong-un", "role": "president",
                           "year": "2016", "since": "2000", "until": "2030", "days": "365", "by": "text"}[p.name]
                  for p in q.params}
        result = store.query(q.text, substitutions=bind_params(q, values))
        assert set(values).isdisjoint(result.columns), q.name
        assert result.rows, q.name  # the fixture has an answer for every saved query


def test_queries_meetings_only_asserted_and_in_window(store):
    q = load_saved("meetings")
    rows = store.query(q.text).records()
    # the undated meeting comes in the order of its report's date, with an empty date
    assert [(r["date"], r["reported"], r["type"]) for r in rows] == [
        ("2018-03-26", "2018-04-01", "Meeting"), (None, "2018-04-01", "Meeting"), ("2018-05", "2018-04-01", "Visit")]
    assert [r["date"] for r in store.query(q.text, substitutions={"since": "2018-04"}).records()] == [None, "2018-05"]
    assert len(store.query(q.text, substitutions={"until": "2018-04"}).rows) == 2
    assert store.query(q.text, substitutions={"since": "2019"}).rows == []


def test_queries_meetings_put_actors_not_places_in_the_sides(store):
    rows = store.query(load_saved("meetings").text).records()
    assert [(r["chinese"], r["korean"], r["place"]) for r in rows] == [
        ("Xi Jinping", "Kim Jong-un", "Beijing"), ("Xi Jinping", "Kim Jong-un", None), ("China", "Kim Jong-un", "Beijing")]


def test_queries_actor_events_and_timeline_include_undated_events(store):
    events = store.query(load_saved("actor-events").text).records()
    assert (None, "2018-04-01", "Meeting") in [(r["date"], r["reported"], r["type"]) for r in events]
    assert all("Beijing" not in (r["agents"] + r["targets"]) for r in events)
    whens = [r["date"] or r["reported"] for r in events]
    assert whens == sorted(whens)
    timeline = load_saved("actor-timeline")
    rows = store.query(timeline.text, substitutions=bind_params(timeline, {"name": "Xi Jinping"})).records()
    assert [(r["date"], r["modality"]) for r in rows] == [
        ("2018-03-26", "asserted"), (None, "asserted"), ("2019-01", "negated")]


def test_queries_actor_timeline_matches_aliases_case_insensitively(store):
    q = load_saved("actor-timeline")
    rows = store.query(q.text, substitutions=bind_params(q, {"name": "KIM  Jong Un"})).records()
    assert {(r["modality"], r["role"]) for r in rows} == {("asserted", "participant"), ("negated", "agent")}


def test_queries_post_holders_respects_years(store):
    q = load_saved("post-holders")
    assert [r["person"] for r in store.query(q.text, substitutions={"role": "chairman", "year": "2018"}).records()] \
        == ["Kim Jong-un"]
    assert store.query(q.text, substitutions={"role": "chairman", "year": "2022"}).rows == []


def test_queries_after_nuclear_tests_within_a_window_of_days(store):
    q = load_saved("after-nuclear-tests")
    assert [r["type"] for r in store.query(q.text).records()] == ["Sanction"]  # 20 days after; the summit is not
    assert [(r["testDate"], r["type"]) for r in store.query(q.text, substitutions={"days": "365"}).records()] == \
        [("2017-09-03", "Sanction"), ("2017-09-03", "Meeting")]
    assert store.query(q.text, substitutions={"days": "7"}).rows == []


def test_queries_party_channels(store):
    rows = store.query(load_saved("party-channels").text).records()
    assert [(r["channel"], r["partner"], r["assertedBy"]) for r in rows] == \
        [("International Liaison Department", "Workers' Party of Korea", "gazetteer")]


def test_queries_hostile_parameter_is_a_value(store):
    q = load_saved("actor-timeline")
    before = len(store)
    hostile = bind_params(q, {"name": '") } ; DROP ALL ; SELECT * { ("'})
    assert store.query(q.text, substitutions=hostile).rows == []
    assert len(store) == before


def test_queries_header_parsing_and_parameter_checks():
    q = parse_saved("x", "# title: T\n# description: D\n# param: who  a name, required\nSELECT ?who {}")
    assert (q.title, q.description, q.params[0].name, q.params[0].required) == ("T", "D", "who", True)
    with pytest.raises(ValueError, match="needs --param who"):
        bind_params(q, {})
    with pytest.raises(ValueError, match="no parameter 'nobody'"):
        bind_params(q, {"who": "x", "nobody": "y"})
    with pytest.raises(KeyError, match="no saved query"):
        load_saved("does-not-exist")


def test_queries_key_parameters_are_case_folded_like_name_keys():
    q = parse_saved("x", "# param: who:key  a name, required\n# param: when  a date\nSELECT * {}")
    assert [(p.name, p.kind) for p in q.params] == [("who", "key"), ("when", "text")]
    assert bind_params(q, {"who": " Kim  Jong\u2011Un", "when": "http://x.org/"}) == \
        {"who": Literal("kim jong-un"), "when": Literal("http://x.org/")}  # a value is never an IRI
    with pytest.raises(ValueError, match="unknown kind 'date'"):
        parse_saved("x", "# param: when:date  a date\nSELECT * {}")


def test_queries_co_occurrence_and_fact_sources(store):
    co = load_saved("co-occurrence")
    rows = store.query(co.text, substitutions=bind_params(co, {"a": "xi jinping", "b": "KIM JONG-UN"})).records()
    assert rows == [{"document": "Test text", "sentence": TEXT}]
    facts = load_saved("fact-sources")
    rows = store.query(facts.text, substitutions=bind_params(facts, {"name": "Xi Jinping"})).records()
    assert {(r["predicate"], r["object"], r["assertedBy"]) for r in rows} == \
        {("country", "China", "gazetteer"), ("title", "President", "text")}


@pytest.mark.parametrize(("by", "expected"), [("text", {"text"}), ("gazetteer", {"gazetteer"}),
                                              (None, {"text", "gazetteer"})])
def test_queries_stated_facts_by_who_asserts_them(store, by, expected):
    q = load_saved("stated-facts")
    rows = store.query(q.text, substitutions=bind_params(q, {"by": by} if by else {})).records()
    assert {r["assertedBy"] for r in rows} == expected
    stated = [r for r in rows if r["assertedBy"] == "text"]
    assert all(r["sentence"] == TEXT for r in stated)
    assert (("Xi Jinping", "title", "President") in {(r["subject"], r["predicate"], r["object"]) for r in stated}) \
        == ("text" in expected)
