"""Event triggers, arguments, dates, modality and coreference, on sentences we wrote."""
from __future__ import annotations

import pytest

from ingest.events import duration_iso


def events(result, *, asserted_only=True):
    return [e for e in result.events if e.modality == "asserted" or not asserted_only]


def one(result, cls):
    found = [e for e in events(result) if e.cls == cls]
    assert len(found) == 1, [(e.cls, e.agents, e.date, e.modality) for e in result.events]
    return found[0]


def actors(event):
    return set(event.agents) | set(event.participants) | set(event.targets)


# ---------------------------------------------------------------- trigger families
@pytest.mark.parametrize("text, cls, actor", [
    ("Xi Jinping met Kim Jong-un in Beijing on 26 March 2018.", "Meeting", "kim_jong_un"),
    ("Kim Jong-un held talks with Xi Jinping on 8 May 2018.", "Meeting", "xi_jinping"),
    ("Xi Jinping visited Pyongyang on 20 June 2019.", "Visit", "xi_jinping"),
    ("A Korean People's Army delegation arrived in Beijing on 3 December 2015.", "Visit", "kpa"),
    ("Wang Yi said on 9 March 2016 that ties were normal.", "Statement", "wang_yi"),
    ("North Korea denounced South Korea on 12 April 2016.", "Criticism", "south_korea"),
    ("The United States imposed sanctions on North Korea on 2 March 2016.", "Sanction", "north_korea"),
    ("North Korea conducted a nuclear test on 6 January 2016.", "NuclearTest", "north_korea"),
    ("North Korea launched a ballistic missile on 7 February 2016.", "MissileTest", "north_korea"),
    ("In April 2016 thirteen North Korean restaurant workers defected to South Korea.", "Defection", "south_korea"),
    ("In May 2016 the Workers' Party of Korea held a congress in Pyongyang.", "PartyCongress", "wpk"),
    ("The United States deployed missile defence units in South Korea in July 2016.", "Deployment", "united_states"),
    ("Mao Zedong's intervention in the Korean War in 1950 saved the North.", "MilitaryAction", "mao_zedong"),
    ("North Korea executed Jang Song-thaek in December 2013.", "Purge", "jang_song_thaek"),
])
def test_events_trigger_families(extract_text, text, cls, actor):
    event = one(extract_text(text), cls)
    assert actor in actors(event)


# ---------------------------------------------------------------- arguments
def test_events_passive_voice_agent_and_target(extract_text):
    e = one(extract_text("North Korea was sanctioned by the United States on 2 March 2016."), "Sanction")
    assert "united_states" in e.agents and "north_korea" in e.targets


def test_events_coordinated_subjects_are_all_agents(extract_text):
    e = one(extract_text("Xi Jinping and Moon Jae-in met in Beijing on 14 December 2017."), "Meeting")
    assert {"xi_jinping", "moon_jae_in"} <= actors(e)


def test_events_possessive_nominal_with_phrase_and_place(extract_text):
    e = one(extract_text("Xi Jinping's meeting with Ri Su-yong in Beijing in May 2016 was short."), "Meeting")
    assert e.agents == ("xi_jinping",) and "ri_su_yong" in e.participants
    assert e.place == "beijing" and e.date == "2016-05"


def test_events_possessor_of_a_participant_is_not_a_participant(extract_text):
    e = one(extract_text("Xi Jinping met Kim Jong-un's envoy Choe Ryong-hae on 24 May 2013."), "Meeting")
    assert "choe_ryong_hae" in actors(e) and "kim_jong_un" not in actors(e)


def test_events_support_verb_lends_its_subject(extract_text):
    e = one(extract_text("On 2 March 2016 the Security Council imposed new sanctions on North Korea."), "Sanction")
    assert "north_korea" in e.targets and e.agents


def test_events_demonym_actor(extract_text):
    e = one(extract_text("A new round of Chinese sanctions was levied on North Korea in March 2016."), "Sanction")
    assert e.agents == ("china",) and e.targets == ("north_korea",)


def test_events_duration(extract_text):
    e = one(extract_text("Xi Jinping's meeting with Ri Su-yong in May 2016 lasted 20 minutes."), "Meeting")
    assert e.duration == "PT20M"


def test_events_first_person_is_the_author(extract_text):
    r = extract_text("In March 2016 I spent a week in Dandong.", author="Jane Roe")
    e = one(r, "Visit")
    assert e.agents == ("jane-roe",) and e.place == "dandong"


# ---------------------------------------------------------------- dates
@pytest.mark.parametrize("text, date", [
    ("North Korea conducted a nuclear test on 6 January 2016.", "2016-01-06"),
    ("On 17 February Wang Yi endorsed a new approach.", "2016-02-17"),
    ("In May North Korea held a party congress.", "2016-05"),
    ("In 1950 China intervened in Korea.", "1950"),
])
def test_events_date_forms(extract_text, text, date):
    assert [e.date for e in events(extract_text(text, date="2016-09-05"))] == [date]


def test_events_relative_date_counts_from_the_event_in_the_sentence(extract_text):
    r = extract_text("North Korea's nuclear test on 6 January 2016 had been announced three weeks prior "
                     "by Kim Jong-un.")
    assert one(r, "Statement").date == "2015-12-16"


def test_events_relative_to_the_document_date(extract_text):
    r = extract_text("North Korea conducted an underground nuclear test last year.", date="2014-05-01")
    assert one(r, "NuclearTest").date == "2013"


def test_events_weekday_from_the_document_date(extract_text):
    r = extract_text("Kim Jong-un arrived in Beijing on Monday.", date="2018-03-28")
    assert one(r, "Visit").date == "2018-03-26"


def test_events_narrative_time_fills_an_undated_event(extract_text):
    r = extract_text("North Korea conducted a nuclear test on 6 January 2016. "
                     "A new round of sanctions was soon levied on North Korea.")
    assert one(r, "Sanction").date == "2016-01-06"


def test_events_date_of_an_anchoring_clause_is_not_the_events(extract_text):
    r = extract_text("It was Kim Jong-un's first visit to China since taking power in 2011.", date="2018-03-28")
    assert all(e.date != "2011" for e in r.events)


# ---------------------------------------------------------------- modality
@pytest.mark.parametrize("text, cls", [
    ("Kim Jong-un did not meet Song Tao.", "Meeting"),
    ("The Chinese ambassador has not had a chance to meet with Kim Jong-un.", "Meeting"),
    ("China refused to impose sanctions on North Korea.", "Sanction"),
    ("To speculate about a pending meeting between Kim Jong-un and Xi Jinping is fruitless.", "Meeting"),
    ("Xi Jinping may visit Pyongyang next year.", "Visit"),
    ("Kim Jong-un plans to visit Beijing.", "Visit"),
    ("Kim Jong-un said North Korea was willing to hold a summit with the United States.", "Meeting"),
    ("If China imposes sanctions on North Korea, trade will fall.", "Sanction"),
])
def test_events_negated_or_speculative_never_asserted(extract_text, text, cls):
    r = extract_text(text)
    assert not [e for e in events(r) if e.cls == cls]


def test_events_negated_event_is_recorded_with_its_modality(extract_text):
    r = extract_text("Kim Jong-un did not meet Song Tao in November 2017.")
    assert [(e.cls, e.modality) for e in r.events] == [("Meeting", "negated")]


# ---------------------------------------------------------------- coreference and generic mentions
def test_events_coreference_of_mentions(extract_text):
    r = extract_text("North Korea conducted its fourth nuclear test on 6 January 2016. "
                     "Relations cooled after the nuclear test.")
    e = one(r, "NuclearTest")
    assert len(e.mentions) == 2


def test_events_same_actor_statements_in_one_briefing_merge(extract_text):
    r = extract_text("On Friday the foreign ministry spokesman Hong Lei said China wanted calm. "
                     "Hong Lei also said trade would continue.", date="2013-12-13")
    assert len([e for e in events(r) if e.cls == "Statement"]) == 1


def test_events_two_dated_statements_stay_apart(extract_text):
    r = extract_text("Wang Yi said on 17 February 2016 that talks mattered. Wang Yi said again on 9 March 2016 that ties were normal.")
    assert sorted(e.date for e in events(r) if e.cls == "Statement") == ["2016-02-17", "2016-03-09"]


@pytest.mark.parametrize("text", [
    "North Korea's nuclear and missile tests worry China.",
    "Sanctions rarely work against isolated states.",
    "Peace talks have not begun in any case.",
    "The weather in Dandong was cold.",
    "Chinese editorials note that ties are strained.",
])
def test_events_generic_or_eventless_sentences_yield_nothing(extract_text, text):
    assert events(extract_text(text)) == []


def test_events_every_event_has_provenance(extract_text):
    r = extract_text("Xi Jinping met Kim Jong-un in Beijing on 26 March 2018.")
    assert all(m.sentence and m.end > m.start for e in r.events for m in e.mentions)


def test_events_duration_parser():
    assert duration_iso("a mere 20 minutes") == "PT20M"
    assert duration_iso("two hours") == "PT2H"
    assert duration_iso("three days") == "P3D"
    assert duration_iso("years") is None


def test_events_subject_the_parser_misplaced(extract_text):
    r = extract_text("On 17 November 2017 Song Tao, head of the International Liaison Department, "
                     "arrived in Pyongyang as Xi Jinping's special envoy.")
    e = one(r, "Visit")
    assert e.agents == ("song_tao",) and e.place == "pyongyang" and e.date == "2017-11-17"


def test_events_participle_is_not_an_event(extract_text):
    r = extract_text("The bank moved money for a sanctioned entity in North Korea.")
    assert not [e for e in r.events if e.cls == "Sanction"]


def test_events_object_pronoun_refers_to_the_salient_earlier_subject(extract_text):
    r = extract_text("Song Tao met Choe Ryong-hae, but Kim Jong-un did not meet him.", date="2017-11-20")
    negated = [e for e in r.events if e.modality == "negated"]
    assert [(e.agents, e.participants) for e in negated] == [(("kim_jong_un",), ("song_tao",))]


@pytest.mark.parametrize("text, cls, actor", [
    ("Chinese authorities arrested three North Korean defectors in Shenyang in May 2018.", "LegalAction", "north_korea"),
    ("Li Zhanshu led a Chinese delegation to Pyongyang in September 2018.", "Visit", "li_zhanshu"),
    ("Kim Jong-un hosted a banquet for the Chinese delegation on 9 September 2018.", "Meeting", "china"),
    ("Xi Jinping received Kim Jong-un in Beijing on 8 January 2019.", "Meeting", "kim_jong_un"),
])
def test_events_more_trigger_families(extract_text, text, cls, actor):
    assert actor in actors(one(extract_text(text), cls))


def test_events_receiving_a_thing_is_no_meeting(extract_text):
    found = events(extract_text("China received a shipment of coal in May 2018."))
    assert [e.cls for e in found] == ["Trade"]  # a delivery is trade, not a reception
    assert found[0].participants == ("china",) and found[0].date == "2018-05"


def test_events_rejected_verb_does_not_take_the_sentence_date(extract_text):
    r = extract_text("In April 2016, the defection to South Korea of thirteen North Korean workers "
                     "led to speculation in Seoul.")
    assert one(r, "Defection").date == "2016-04"


def test_events_relative_phrase_counts_from_the_story_time(extract_text):
    r = extract_text("On 29 November 2017 North Korea launched a missile. Earlier in the year the US Department "
                     "of the Treasury imposed sanctions on several Chinese trading companies.", date="2017-12-15")
    assert one(r, "Sanction").date == "2017"


def test_events_undated_statement_by_the_same_agent_later_in_the_story_merges(extract_text):
    text = ("At China's foreign ministry briefing on Friday, officials spoke. " + "Trade went on. " * 8 +
            "China's foreign ministry spokesman commented on the announcement.")
    r = extract_text(text, date="2013-12-13")
    assert len([e for e in events(r) if e.cls == "Statement"]) == 1


def test_events_military_exercise(extract_text):
    e = one(extract_text("The People's Liberation Army held exercises near the border in March.", date="2019-04-12"),
            "MilitaryExercise")
    assert e.agents == ("pla",) and e.date == "2019-03"


def test_events_planned_event_does_not_set_the_story_clock(extract_text):
    r = extract_text("Xi Jinping is expected to visit Seoul next year. Moon Jae-in said he welcomed it.",
                     date="2019-04-12")
    assert one(r, "Statement").date != "2020"


def test_events_place_from_the_verb_an_event_noun_is_subject_of(extract_text):
    e = one(extract_text("Talks between China and North Korea resumed in Beijing on 2 June 2016."), "Meeting")
    assert e.place == "beijing" and {"china", "north_korea"} <= set(e.participants)


def test_events_its_refers_to_the_nearest_body_named_before(extract_text):
    r = extract_text("The UN Security Council imposed sanctions on North Korea after its nuclear test in January 2016.")
    assert one(r, "NuclearTest").agents == ("north_korea",)


def test_events_denial_with_a_pronoun_subject(extract_text):
    r = extract_text("North Korea conducted a nuclear test in 2017. Pyongyang denied that it had tested a missile.",
                     date="2018-01-01")
    assert [(e.agents, e.modality) for e in r.events if e.cls == "MissileTest"] == [(("north_korea",), "negated")]


def test_events_a_paragraph_of_conjecture_asserts_nothing(extract_text):
    text = ("If Kim Jong-un visits Beijing again, Xi Jinping may offer economic aid. Some analysts believe "
            "China could impose tougher sanctions on North Korea. A meeting between Xi Jinping and Kim Jong-un "
            "would signal warmer ties. There is no sign that China will sanction North Korea. Rumours that "
            "Kim Jong-un met Xi Jinping secretly in 2017 were never confirmed. China reportedly sanctioned "
            "North Korean banks in 2017. Xi Jinping wants to meet Moon Jae-in. Kim Jong-un threatened to "
            "conduct a seventh nuclear test.")
    assert events(extract_text(text, date="2018-01-01")) == []


def test_events_explicit_date_beats_an_offset_in_the_same_sentence(extract_text):
    r = extract_text("On 17 November 2017 Song Tao arrived in Pyongyang. A year earlier, Wu Dawei "
                     "visited Pyongyang in February 2016.", date="2017-11-30")
    assert sorted(e.date for e in events(r) if e.cls == "Visit") == ["2016-02", "2017-11-17"]


def test_events_talks_during_a_visit_take_its_place(extract_text):
    r = extract_text("Kim Jong-un arrived in Beijing on Monday. Kim Jong-un held talks with Xi Jinping.",
                     date="2018-03-28")
    assert one(r, "Meeting").place == "beijing"


def test_events_talks_at_another_time_do_not_take_a_visits_place(extract_text):
    r = extract_text("Kim Jong-un arrived in Beijing on 26 March 2018. Kim Jong-un held talks with Xi Jinping "
                     "on 20 June 2019.", date="2019-07-01")
    assert one(r, "Meeting").place is None


# ---------------------------------------------------------------- trigger matching
WORDS = ["Kim", "met", "Xi", "and", "they", "held", "joint", "military", "exercise", "after", "a", "press",
         "conference", ";", "Xi", "said", "the", "nuclear", "bomb", "test", "had", "been", "put", "it", "."]
LEMMAS = ["Kim", "meet", "Xi", "and", "they", "hold", "joint", "military", "exercise", "after", "a", "press",
          "conference", ";", "Xi", "say", "the", "nuclear", "bomb", "test", "have", "be", "put", "it", "."]
POS = ["PROPN", "VERB", "PROPN", "CCONJ", "PRON", "VERB", "ADJ", "ADJ", "NOUN", "ADP", "DET", "NOUN",
       "NOUN", "PUNCT", "PROPN", "VERB", "DET", "ADJ", "NOUN", "NOUN", "AUX", "AUX", "VERB", "PRON", "PUNCT"]


@pytest.mark.parametrize("extra", [
    [],
    [("any-verb", [{"POS": "VERB"}])],  # names no word: the whole doc is matched
    [("not-it", [{"LEMMA": "put"}, {"LOWER": "it", "OP": "!"}])],
])
def test_events_trigger_matcher_finds_what_the_matcher_finds(extra):
    import spacy
    from spacy.matcher import Matcher
    from spacy.tokens import Doc

    from ingest.events import TriggerMatcher, load_triggers

    patterns = {row["id"]: row["pattern"] for row in load_triggers()} | dict(extra)
    vocab = spacy.blank("en").vocab
    doc = Doc(vocab, words=WORDS, lemmas=LEMMAS, pos=POS)
    plain = Matcher(vocab)
    for key, pattern in patterns.items():
        plain.add(key, [pattern])
    expected = plain(doc)
    assert len(expected) >= 6
    assert TriggerMatcher(vocab, patterns)(doc) == expected
