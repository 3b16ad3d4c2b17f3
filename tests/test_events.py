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
    ("North Korea conducted a nuclear test on 25 May 2009.", "NuclearTest", "north_korea"),
    ("North Korea launched a ballistic missile on 7 February 2016.", "MissileTest", "north_korea"),
    ("In April 2016 thirteen North Korean restaurant workers defected to South Korea.", "Defection", "south_korea"),
    ("In May 2016 the Workers' Party of Korea held a congress in Pyongyang.", "PartyCongress", "wpk"),
    ("The United States deployed missile defence units in South Korea in July 2016.", "Deployment", "united_states"),
    ("Peng Dehuai's intervention on the Korean front in 1950 changed the course of the war.", "MilitaryAction", "peng_dehuai"),
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
    e = one(extract_text("A fresh set of Japanese sanctions was imposed on North Korea in October 2006."), "Sanction")
    assert e.agents == ("japan",) and e.targets == ("north_korea",)


def test_events_duration(extract_text):
    e = one(extract_text("Xi Jinping's meeting with Ri Su-yong in May 2016 lasted 20 minutes."), "Meeting")
    assert e.duration == "PT20M"


def test_events_first_person_is_the_author(extract_text):
    r = extract_text("In October 2011 I spent ten days in Hunchun.", author="Jane Roe")
    e = one(r, "Visit")
    assert e.agents == ("jane-roe",) and e.place == "hunchun"


# ---------------------------------------------------------------- dates
@pytest.mark.parametrize("text, date", [
    ("North Korea conducted a nuclear test on 25 May 2009.", "2009-05-25"),
    ("On 3 November Tang Jiaxuan said a fresh framework was needed.", "2009-11-03"),
    ("In May North Korea held a party congress.", "2009-05"),
    ("In 1950 China intervened in Korea.", "1950"),
])
def test_events_date_forms(extract_text, text, date):
    assert [e.date for e in events(extract_text(text, date="2009-12-21"))] == [date]


def test_events_relative_date_counts_from_the_event_in_the_sentence(extract_text):
    r = extract_text("North Korea's rocket launch on 12 December 2012 had been announced two weeks prior "
                     "by Kim Jong-un.")
    assert one(r, "Statement").date == "2012-11-28"


def test_events_relative_to_the_document_date(extract_text):
    r = extract_text("North Korea carried out a nuclear test last year.", date="2010-03-15")
    assert one(r, "NuclearTest").date == "2009"


def test_events_weekday_from_the_document_date(extract_text):
    r = extract_text("Choe Ryong-hae arrived in Beijing on Wednesday.", date="2013-05-24")
    assert one(r, "Visit").date == "2013-05-22"


def test_events_an_undated_event_stays_undated(extract_text):
    # the story's clock does not date what the text leaves undated: "soon" may be weeks later
    r = extract_text("North Korea conducted a nuclear test on 25 May 2009. "
                     "A fresh set of sanctions was soon imposed on North Korea.", date="2009-07-01")
    assert one(r, "NuclearTest").date == "2009-05-25"
    assert one(r, "Sanction").date is None


def test_events_present_tense_news_takes_the_report_date(extract_text):
    r = extract_text("China opposes the sanctions, the foreign ministry says.", date="2019-04-02")
    assert one(r, "Statement").date == "2019-04-02"


def test_events_mentions_of_one_event_join_by_the_story_clock(extract_text):
    r = extract_text("Xi Jinping met Kim Jong-un in Beijing on 8 May 2018. "
                     "At the meeting, Xi praised the North Korean leader.", date="2018-05-09")
    meetings = [e for e in events(r) if e.cls == "Meeting"]
    assert len(meetings) == 1 and meetings[0].date == "2018-05-08"


def test_events_date_of_an_anchoring_clause_is_not_the_events(extract_text):
    r = extract_text("It was Kim Jong-il's first trip to Russia since becoming leader in 1994.", date="2001-08-06")
    assert all(e.date != "1994" for e in r.events)


# ---------------------------------------------------------------- modality
@pytest.mark.parametrize("text, cls", [
    ("Kim Jong-un did not meet Song Tao.", "Meeting"),
    ("The Mongolian envoy has not had an opportunity to meet with Kim Jong-il.", "Meeting"),
    ("China refused to impose sanctions on North Korea.", "Sanction"),
    ("Guessing when Hu Jintao and Kim Jong-il might hold a summit is pointless.", "Meeting"),
    ("Xi Jinping may visit Pyongyang next year.", "Visit"),
    ("Kim Jong-un plans to visit Beijing.", "Visit"),
    ("Kim Yong-nam said Pyongyang was ready to hold talks with Japan.", "Meeting"),
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
    r = extract_text("North Korea conducted its third nuclear test on 12 February 2013. "
                     "Border trade slowed after the nuclear test.")
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
    "Pyongyang's missile and nuclear tests alarm Tokyo.",
    "Sanctions rarely work against isolated states.",
    "Negotiations on a peace treaty have not started.",
    "The weather in Dandong was cold.",
    "Japanese commentators observe that relations are tense.",
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


@pytest.mark.xfail(reason="the misplaced-subject repair held only on the development sentence it was written for; "
                          "with another envoy, date and head of state no Visit is found", strict=True)
def test_events_subject_the_parser_misplaced(extract_text):
    r = extract_text("On 29 July 2010 Wang Jiarui, head of the International Liaison Department, "
                     "arrived in Pyongyang as Hu Jintao's personal envoy.")
    e = one(r, "Visit")
    assert e.agents == ("wang_jiarui",) and e.place == "pyongyang" and e.date == "2010-07-29"


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
    r = extract_text("In May 2014, the defection to South Korea of nine North Korean miners "
                     "prompted debate in Tokyo.")
    assert one(r, "Defection").date == "2014-05"


def test_events_relative_phrase_counts_from_the_story_time(extract_text):
    r = extract_text("On 29 November 2017 North Korea launched a missile. Earlier in the year the US Department "
                     "of the Treasury imposed sanctions on several Chinese trading companies.", date="2017-12-15")
    assert one(r, "Sanction").date == "2017"


def test_events_undated_statement_by_the_same_agent_later_in_the_story_merges(extract_text):
    text = ("At the Chinese foreign ministry's press conference on Tuesday, officials took questions. " +
            "Trade went on. " * 8 + "The Chinese foreign ministry spokeswoman remarked on the report.")
    r = extract_text(text, date="2015-06-17")
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
    r = extract_text("Choe Ryong-hae arrived in Beijing on Wednesday. Choe Ryong-hae held talks with Xi Jinping.",
                     date="2013-05-24")
    assert one(r, "Meeting").place == "beijing"


def test_events_talks_at_another_time_do_not_take_a_visits_place(extract_text):
    r = extract_text("Choe Ryong-hae arrived in Beijing on 22 May 2013. Choe Ryong-hae held talks with Xi Jinping "
                     "on 28 November 2014.", date="2014-12-01")
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


# ---------------------------------------------------------------------------- kinds of construction
# Each case is our own sentence; the kinds come from how wire, state media, legal and transcript texts
# say events. (class, modality, an actor that must take part) per sentence.
@pytest.mark.parametrize("text, cls, actor", [
    ("North Korea test-fired two cruise missiles off its east coast on 3 June 2021.", "MissileTest", "north_korea"),
    ("Wang Yi sat down with Ri Son Gwon in Vientiane on 12 July 2023.", "Meeting", "wang_yi"),
    ("Kim Jong Un received a message of congratulations from Xi Jinping on 9 September 2023.", "Statement",
     "xi_jinping"),
    ("Thae Yong Ho, who defected from the embassy in London in 2016, later entered politics.", "Defection",
     "thae_yong_ho"),
    ("The Treasury designated four Chinese trading firms on 14 March 2019.", "Sanction", "treasury"),
    ("Xi Jinping hosted a banquet in honour of Kim Jong Un on 20 June 2019.", "Meeting", "kim_jong_un"),
    ("At a briefing on 4 May 2022, Zhao Lijian said China opposed unilateral sanctions.", "Statement",
     "zhao_lijian"),
    ("China sent 500 tonnes of maize to North Korea as food aid on 2 February 2004.", "Aid", "china"),
    ("The Ninth Congress of the Workers' Party of Korea opened in Pyongyang on 3 January 2026.", "PartyCongress",
     "pyongyang"),
])
def test_events_construction_kinds(extract_text, text, cls, actor):
    found = [e for e in events(extract_text(text, date="2026-01-10")) if e.cls == cls]
    assert found, f"no asserted {cls}"
    assert any(actor in (*e.agents, *e.participants, *e.targets, e.place) for e in found)


def test_events_a_presupposed_event_keeps_its_modality(extract_text):
    r = extract_text("Had it passed, the resolution would have condemned the 5 April rocket launch by North Korea.",
                     date="2009-04-14")
    assert one(r, "MissileTest").date == "2009-04-05"


def test_events_a_definite_subject_of_another_predicate_stays_asserted(extract_text):
    r = extract_text("The execution of Jang Song Thaek is expected to unsettle Beijing.", date="2013-12-14")
    assert one(r, "Purge").modality == "asserted"


def test_events_a_subject_of_an_occurrence_predicate_takes_its_modality(extract_text):
    r = extract_text("The talks between Wang Yi and Ri Yong Ho are expected to be held in Manila.", date="2017-08-01")
    assert [e.modality for e in r.events if e.cls == "Meeting"] == ["planned"]


def test_events_yes_no_questions_assert_nothing(extract_text):
    r = extract_text("Q: Did Song Tao meet Kim Jong Un during his trip? A: I have no information on that.",
                     date="2019-02-02")
    assert events(r) == []


def test_events_no_subject_negates(extract_text):
    r = extract_text("No senior Chinese official met Kim Yong Nam in Beijing last week.", date="2009-10-10")
    assert [e.modality for e in r.events if e.cls == "Meeting"] == ["negated"]


def test_events_dateline_place_and_date_are_the_reports(extract_text):
    r = extract_text("Pyongyang, March 4 (KCNA) -- Kim Jong Un met here Sunday with Song Tao.", date="2019-03-04")
    meeting = one(r, "Meeting")
    assert meeting.date == "2019-03-03" and meeting.place == "pyongyang"
    assert "pyongyang" not in (*meeting.agents, *meeting.participants)


def test_events_an_agency_in_the_dateline_is_nobody_in_the_event(extract_text):
    r = extract_text("SHENYANG, China (Reuters) - Li Keqiang met Pak Pong Ju in Shenyang on Tuesday.",
                     date="2015-10-15")
    meeting = one(r, "Meeting")
    assert "reuters" not in (*meeting.agents, *meeting.participants)
    assert {"li_keqiang", "pak_pong_ju"} <= {*meeting.agents, *meeting.participants}
