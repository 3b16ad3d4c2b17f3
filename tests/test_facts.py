"""Facts read from the text and background facts from the gazetteer, on sentences we wrote."""
from __future__ import annotations

import pytest

from ingest.facts import background_facts, inferred_facts
from ingest.records import Fact
from ontology.actors import load_gazetteer


def triples(result, source=None):
    return {(f.subject, f.predicate, f.object) for f in result.facts if source is None or f.source == source}


def test_facts_title_and_nationality_before_a_name(extract_text):
    r = extract_text("Chinese Foreign Minister Wang Yi arrived in Seoul.")
    assert ("wang_yi", "title", "Foreign Minister") in triples(r, "text")
    assert ("wang_yi", "country", "china") in triples(r, "text")


def test_facts_state_leader_title_states_leadership(extract_text):
    r = extract_text("South Korean President Moon Jae-in met reporters.", date="2018-05-01")
    assert ("moon_jae_in", "leaderOf", "south_korea") in triples(r, "text")
    assert ("moon_jae_in", "title", "President") in triples(r, "text")


def test_facts_former_title_states_no_current_role(extract_text):
    r = extract_text("Former President Park Geun-hye was in court.", date="2019-01-01")
    assert ("park_geun_hye", "leaderOf", "south_korea") not in triples(r, "text")


def test_facts_possessive_envoy(extract_text):
    r = extract_text("Xi Jinping received Kim Jong-un\u2019s envoy Choe Ryong-hae in Beijing.", date="2013-05-24")
    assert ("choe_ryong_hae", "envoyOf", "kim_jong_un") in triples(r, "text")
    assert ("choe_ryong_hae", "title", "envoy") in triples(r, "text")


def test_facts_apposition_gives_title_and_affiliation(extract_text):
    r = extract_text("Daniel Moore, deputy director for Asia at the Harbour Policy Institute, said trade fell.")
    assert ("daniel-moore", "affiliatedWith", "harbour-policy-institute") in triples(r, "text")
    titles = {o for s, p, o in triples(r, "text") if s == "daniel-moore" and p == "title"}
    assert any("deputy director" in t for t in titles)


def test_facts_apposition_after_a_line_break(extract_text):
    article = " ".join(["Trade across the river continued."] * 8)
    r = extract_text(f"{article}\n\nMaria Jones\nSenior Fellow in Korean Studies at the University of Sheffield")
    assert ("maria-jones", "affiliatedWith", "university-of-sheffield") in triples(r, "text")


def test_facts_organisation_staff_title(extract_text):
    r = extract_text("The Tumen Trade Company (TTC) and two of TTC's top executives, "
                     "general manager Zhang Wei and financial manager Li Na, were named.")
    found = triples(r, "text")
    assert ("zhang-wei", "title", "general manager") in found
    assert ("zhang-wei", "affiliatedWith", "tumen-trade-company") in found


def test_facts_organisation_title_owner_before_title(extract_text):
    r = extract_text("Chinese Foreign Ministry spokesman Geng Shuang urged calm.", date="2017-11-29")
    assert ("geng_shuang", "affiliatedWith", "china_mfa") in triples(r, "text")


def test_facts_possessive_unit_is_part_of_its_body(extract_text):
    r = extract_text("Officials of the Justice Department's Criminal Division filed the case.")
    found = triples(r)
    division = [s for s, p, o in found if p == "partOf" and o == "doj"]
    assert division


@pytest.mark.parametrize("text, triple", [
    ("The company was based in Sinuiju, North Korea.", ("sinuiju", "locatedIn", "north_korea")),
    ("Workshops in the Chinese port city of Ningbo took on staff.", ("ningbo", "locatedIn", "china")),
])
def test_facts_place_nesting_from_text(extract_text, text, triple):
    assert triple in triples(r := extract_text(text), "text"), r.facts


def test_facts_list_of_cities_is_not_nesting(extract_text):
    r = extract_text("Rail links reach Harbin, Changchun, Shenyang and Dalian.")
    assert not [t for t in triples(r, "text") if t[1] == "locatedIn"]


def test_facts_background_roles_respect_the_document_year():
    gaz = load_gazetteer()
    facts_2016, members = background_facts({"hu_jintao", "china"}, {}, gaz, 2016)
    facts_2008, _ = background_facts({"hu_jintao", "china"}, {}, gaz, 2008)
    assert ("hu_jintao", "leaderOf", "china") not in {(f.subject, f.predicate, f.object) for f in facts_2016}
    assert ("hu_jintao", "leaderOf", "china") in {(f.subject, f.predicate, f.object) for f in facts_2008}
    assert any(m.person == "hu_jintao" and m.organization == "china" for m in members)


def test_facts_background_links_only_entities_in_the_document():
    gaz = load_gazetteer()
    facts, _ = background_facts({"dandong"}, {}, gaz, 2016)
    assert facts == []  # China and Liaoning are not in the document


def test_facts_background_place_nesting_is_transitive():
    gaz = load_gazetteer()
    facts, _ = background_facts({"dandong", "china"}, {}, gaz, 2016)
    assert Fact("dandong", "locatedIn", "china", source="gazetteer") in facts


def test_facts_inferred_country_of_a_company_named_after_its_city():
    gaz = load_gazetteer()
    keys = {"dandong-jinxin-trading-company", "dandong", "china", "zhang-wei"}
    classes = {"dandong-jinxin-trading-company": "Company", "dandong": "City", "china": "State", "zhang-wei": "Person"}
    facts = [Fact("zhang-wei", "affiliatedWith", "dandong-jinxin-trading-company")]
    out = {(f.subject, f.predicate, f.object) for f in inferred_facts(keys, classes, facts, gaz)}
    assert ("dandong-jinxin-trading-company", "locatedIn", "dandong") in out
    assert ("dandong-jinxin-trading-company", "country", "china") in out
    assert ("zhang-wei", "country", "china") in out


def test_facts_title_with_an_inner_preposition(extract_text):
    r = extract_text("U.S. Secretary of State Mike Pompeo said talks would continue.", date="2018-06-01")
    assert ("mike_pompeo", "title", "Secretary of State") in triples(r, "text")
    assert ("mike_pompeo", "country", "united_states") in triples(r, "text")


@pytest.mark.parametrize("text, key", [
    ("North Korean Foreign Minister Ri Yong-ho met Wang Yi.", "ri_yong_ho_diplomat"),
    ("General Ri Yong-ho inspected the troops.", "ri_yong_ho_general"),
])
def test_facts_namesakes_told_apart_by_their_titles(extract_text, text, key):
    assert key in {e.key for e in extract_text(text, date="2017-01-01").entities}


def test_facts_company_seat_and_its_manager(extract_text):
    r = extract_text("China criticised the move after OFAC designated Liaoning Hongsheng Trading Co., "
                     "a firm based in Shenyang, and its general manager Wang Hailong.", date="2018-08-03")
    found = triples(r)
    company = "liaoning-hongsheng-trading-co"
    assert (company, "locatedIn", "shenyang") in found
    assert ("wang-hailong", "affiliatedWith", company) in found
    assert (company, "country", "china") in found and ("wang-hailong", "country", "china") in found


def test_facts_kinship_is_not_a_title(extract_text):
    r = extract_text("Kim Yo Jong, the sister of leader Kim Jong Un, did not comment.")
    assert not [o for s, p, o in triples(r, "text") if s == "kim_yo_jong" and p == "title"]


def test_facts_copular_title_and_affiliation(extract_text):
    r = extract_text("Trade grew. Jane Smith is a senior fellow at the Asia Policy Institute.")
    found = triples(r, "text")
    assert ("jane-smith", "affiliatedWith", "asia-policy-institute") in found
    assert ("jane-smith", "title", "senior fellow") in found


def test_facts_office_word_is_not_an_organisation(extract_text):
    r = extract_text("Chinese Defense Minister Wei Fenghe visited Pyongyang in August 2019.", date="2019-09-01")
    assert ("wei_fenghe", "title", "Defense Minister") in triples(r, "text")
    assert all(e.key != "defense" for e in r.entities)


def test_facts_nationality_inside_an_apposition(extract_text):
    r = extract_text("Park Min-jun, a former North Korean diplomat, spoke in Seoul.")
    assert ("park-min-jun", "country", "north_korea") in triples(r, "text")


def test_facts_demonym_of_a_field_is_no_nationality(extract_text):
    article = " ".join(["Trade across the river continued."] * 8)
    r = extract_text(f"{article}\n\nMaria Jones\nSenior Fellow in Chinese Politics at the University of Sheffield")
    assert not [o for s, p, o in triples(r, "text") if s == "maria-jones" and p == "country"]


def test_facts_stacked_titles_each_with_its_body(extract_text):
    r = extract_text("Meng Jianzhu met Hu Jintao, general secretary of the Central Committee of the Communist "
                     "Party of China and president of the People's Republic of China, on Monday.", date="2009-06-02")
    facts = {(f.subject, f.predicate, f.object) for f in r.facts if f.source == "text"}
    assert ("hu_jintao", "title", "general secretary") in facts
    assert ("hu_jintao", "title", "president") in facts


def test_facts_a_generic_body_in_a_title_is_the_persons_body(extract_text):
    r = extract_text("Foreign Ministry Spokesperson Mao Ning answered questions on 3 March 2023.", date="2023-03-03")
    assert "china_mfa" in {e.key for e in r.entities}


def test_facts_a_states_seat_in_a_body_is_background(extract_text):
    r = extract_text("China and Russia spoke against the draft at the UN Security Council.", date="2019-12-20")
    facts = {(f.subject, f.predicate, f.object) for f in r.facts}
    assert ("china", "memberOf", "unsc") in facts and ("russia", "memberOf", "unsc") in facts


def test_facts_no_seat_before_it_was_held(extract_text):
    r = extract_text("China spoke at the UN Security Council in 1965.", date="1965-05-01")
    assert ("china", "memberOf", "unsc") not in {(f.subject, f.predicate, f.object) for f in r.facts}


def test_facts_plural_title_before_a_list_of_names(extract_text):
    r = extract_text("Kim Jong Un was accompanied by Department Directors Ri Il Hwan, Kim Song Nam and O Su Yong.",
                     date="2019-06-20")
    facts = triples(r, "text")
    for key in ("ri_il_hwan", "kim_song_nam", "o_su_yong"):
        assert (key, "title", "Department Director") in facts or (key, "title", "Director") in facts, key


def test_facts_title_of_a_body_before_a_name(extract_text):
    r = extract_text("Present were Secretaries of the WPK Central Committee Ri Il Hwan and Kim Song Nam.",
                     date="2019-06-20")
    facts = triples(r, "text")
    assert ("ri_il_hwan", "affiliatedWith", "wpk_central_committee") in facts
    assert ("kim_song_nam", "title", "Secretary") in facts


def test_facts_title_before_the_next_name_is_not_an_apposition(extract_text):
    r = extract_text("Present were Kim Song Nam, First Vice-Minister of Foreign Affairs Choe Son Hui and others.",
                     date="2019-06-20")
    assert not [f for f in triples(r, "text") if f[0] == "kim_song_nam" and f[1] == "title"]


def test_facts_premier_of_a_state_before_a_name_leads_it(extract_text):
    r = extract_text("Premier of the People's Republic of China Li Peng arrived in Pyongyang.", date="1991-05-03")
    facts = triples(r, "text")
    assert ("li_peng", "title", "Premier") in facts and ("li_peng", "leaderOf", "china") in facts
