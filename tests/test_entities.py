"""Recognition and resolution rules of ingest/entities.py, on sentences we wrote."""
from __future__ import annotations

import pytest

from ingest.entities import ENTITIES, entity_key


def spans(nlp, text):
    doc = nlp(text)
    return [(s.text, s.id_, s.label_) for s in doc.spans[ENTITIES]]


def keys_of(nlp, text, surface):
    return {k for t, k, _ in spans(nlp, text) if t == surface}


def test_entities_romanisation_variants_are_one_entity(nlp):
    found = spans(nlp, "Kim Jong Un met officials. Later Kim Jong-un left.")
    assert {k for _, k, _ in found if k == "kim_jong_un"} == {"kim_jong_un"}
    assert sum(k == "kim_jong_un" for _, k, _ in found) == 2


@pytest.mark.parametrize("text", ["Xi Jinping\u2019s visit ended.", "Xi Jinping's visit ended."])
def test_entities_possessives_straight_and_curly(nlp, text):
    assert [k for _, k, _ in spans(nlp, text)] == ["xi_jinping"]


def test_entities_short_form_resolves_to_full_name(nlp):
    found = spans(nlp, "Xi Jinping spoke first. Then Xi left the hall.")
    assert [k for _, k, _ in found] == ["xi_jinping", "xi_jinping"]


def test_entities_short_form_of_unseen_person_uses_last_name(nlp):
    found = spans(nlp, "The activist Hyeonseo Lee spoke in Seoul. Lee said she was tired.")
    assert ("Lee", "hyeonseo-lee", "Person") in found


def test_entities_short_form_overrides_ner_guess(nlp):
    # the statistical model tends to call a lone surname an organisation
    found = spans(nlp, "Wang Yi arrived on Monday. In substance, Wang was asking for negotiations.")
    assert [k for t, k, _ in found if t == "Wang"] == ["wang_yi"]


@pytest.mark.parametrize("text, surface, key", [
    ("Beijing warned Pyongyang against another test.", "Beijing", "china"),
    ("Beijing warned Pyongyang against another test.", "Pyongyang", "north_korea"),
    ("Relations between Beijing and Pyongyang cooled.", "Pyongyang", "north_korea"),
    ("The delegation landed in Beijing on Thursday.", "Beijing", "beijing"),
    ("Kim visited Beijing for a third time.", "Beijing", "beijing"),
    ("They dined at Beijing's most famous hotel.", "Beijing", "beijing"),
    ("The country is still Pyongyang's chief patron.", "Pyongyang", "north_korea"),
])
def test_entities_capital_metonymy_both_ways(nlp, text, surface, key):
    assert keys_of(nlp, text, surface) == {key}


def test_entities_acronym_defined_in_text_is_an_alias(nlp):
    text = ("The Korea Friendship Liaison Bureau (KFLB) hosted the delegation. "
            "Later the KFLB said the visit was useful.")
    found = spans(nlp, text)
    keys = {k for t, k, _ in found if t in {"KFLB", "Korea Friendship Liaison Bureau"}}
    assert len(keys) == 1


@pytest.mark.parametrize("text, key", [
    ("China's foreign ministry issued a statement.", "china_mfa"),
    ("The North Korean foreign ministry replied.", "dprk_mfa"),
    ("Officials at the Chinese foreign ministry declined to comment.", "china_mfa"),
])
def test_entities_qualified_descriptor_resolves_through_its_state(nlp, text, key):
    assert {k for t, k, _ in spans(nlp, text) if t.endswith("foreign ministry")} == {key}


def test_entities_bare_descriptor_takes_the_state_of_its_sentence(nlp):
    found = spans(nlp, "China dealt with the matter via the foreign ministry.")
    assert ("foreign ministry", "china_mfa", "GovernmentBody") in found


def test_entities_one_word_descriptor_needs_a_qualifier(nlp):
    # "the army choir" names no army
    assert not [k for t, k, _ in spans(nlp, "The orchestra and the army choir walked off the stage.") if t == "army"]


def test_entities_leader_description_resolves_to_named_leader(nlp):
    found = spans(nlp, "Kim Jong-un inspected a factory. The North Korean leader smiled.")
    assert ("North Korean leader", "kim_jong_un", "Person") in found


def test_entities_unseen_names_get_stable_keys_and_classes(nlp):
    found = spans(nlp, "Park Sang-hoon of the Tumen Trade Company said trade fell.")
    assert ("Park Sang-hoon", "park-sang-hoon", "Person") in found
    assert any(k == "tumen-trade-company" and c == "Company" for _, k, c in found)


def test_entities_headline_guesses_are_dropped_but_gazetteer_names_kept(nlp):
    found = spans(nlp, "Steady Hands Wanted: Beijing's Pyongyang Puzzle\n\nChina is uneasy.")
    assert all(k in {"china", "north_korea", "beijing", "pyongyang"} for _, k, _ in found)


def test_entities_page_furniture_is_not_an_actor(nlp):
    assert spans(nlp, "Subscribe to our Newsletter") == []


def test_entities_title_in_a_gazetteer_alias_is_left_out_of_the_name(nlp):
    found = spans(nlp, "President Trump spoke.")
    assert ("Trump", "donald_trump", "Person") in found


def test_entities_key_is_an_ascii_slug():
    assert entity_key("Ri Sol-ju") == "ri-sol-ju"
    assert entity_key("Ñam  Öst") == "nam-ost"
    assert entity_key("!!!").startswith("x")


def test_entities_dateline_capital_is_the_city(nlp):
    assert keys_of(nlp, "BEIJING \u2014 China on Tuesday urged restraint.", "BEIJING") == {"beijing"}


@pytest.mark.parametrize("text, unit", [
    ("Lawyers of the Justice Department\u2019s National Security Division filed it.", "National Security Division"),
    ("Agents of the FBI's Counterintelligence Division made arrests.", "Counterintelligence Division"),
])
def test_entities_unit_after_a_known_body_possessive(nlp, text, unit):
    found = spans(nlp, text)
    assert any(t == unit and c == "GovernmentBody" for t, _, c in found), found


def test_entities_company_names_ner_misses(nlp):
    found = spans(nlp, "OFAC designated Liaoning Hongsheng Trading Co., a firm based in Shenyang.")
    assert ("Liaoning Hongsheng Trading Co.", "liaoning-hongsheng-trading-co", "Company") in found


def test_entities_the_north_once_north_korea_is_named(nlp):
    assert keys_of(nlp, "North Korea tested a missile. Sanctions on the North followed.", "North") == {"north_korea"}
    assert keys_of(nlp, "Winter came to the North early.", "North") == set()


# ---------------------------------------------------------------- namesakes resolved by title, then by date

NAMESAKES = [  # three invented men called Ro Tal Gi, and one with another name
    {"id": "ruritania", "label": "Ruritania", "class": "State"},
    {"id": "ruritania_mfa", "label": "Ruritanian Foreign Ministry", "class": "GovernmentBody", "country": "ruritania"},
    {"id": "ruritania_army", "label": "Ruritanian Army", "class": "MilitaryOrganization", "country": "ruritania"},
    {"id": "ro_tal_gi_minister", "label": "Ro Tal Gi", "class": "Person", "ambiguous": ["Ro Tal Gi"],
     "roles": [{"title": "Foreign Minister", "of": "ruritania_mfa", "relation": "leaderOf", "start": 2001, "end": 2005}]},
    {"id": "ro_tal_gi_general", "label": "Ro Tal Gi", "class": "Person", "ambiguous": ["Ro Tal Gi"],
     "roles": [{"title": "Chief of the General Staff", "of": "ruritania_army", "relation": "leaderOf", "start": 2010,
                "end": 2014}]},
    {"id": "ro_tal_gi_poet", "label": "Ro Tal Gi", "class": "Person", "ambiguous": ["Ro Tal Gi"]},
]


def namesake_resolver(nlp, tmp_path, order=1):
    import yaml

    from ingest.entities import EntityResolver
    from ontology.actors import read_gazetteer

    path = tmp_path / "namesakes.yaml"
    path.write_text(yaml.safe_dump(NAMESAKES[::order]), encoding="utf-8")
    return EntityResolver(nlp, read_gazetteer([path]))


def resolve(nlp, resolver, text, year):
    from ingest.entities import YEAR

    doc = nlp.make_doc(text)
    if year is not None:
        doc.user_data[YEAR] = year
    doc = resolver(nlp(doc))
    return [s.id_ for s in doc.spans[ENTITIES] if s.text == "Ro Tal Gi"]


@pytest.mark.parametrize("text, year, key", [
    ("Ro Tal Gi arrived on Monday.", 2003, "ro_tal_gi_minister"),
    ("Ro Tal Gi arrived on Monday.", 2012, "ro_tal_gi_general"),
    ("The foreign minister Ro Tal Gi arrived on Monday.", 2012, "ro_tal_gi_minister"),  # the title beats the date
    ("The army general Ro Tal Gi arrived on Monday.", 2003, "ro_tal_gi_general"),
])
def test_entities_namesake_by_title_then_year(nlp, tmp_path, text, year, key):
    assert resolve(nlp, namesake_resolver(nlp, tmp_path), text, year) == [key]


@pytest.mark.parametrize("year", [None, 1990])
def test_entities_namesake_without_a_decisive_year_is_an_officeholder_not_the_first_entry(nlp, tmp_path, year):
    # no title, no office held that year: one with an office wins, the same whatever order the file lists them
    found = {resolve(nlp, namesake_resolver(nlp, tmp_path, order), "Ro Tal Gi arrived on Monday.", year)[0]
             for order in (1, -1)}
    assert len(found) == 1 and found != {"ro_tal_gi_poet"}


def test_entities_document_date_reaches_the_namesake_choice(extract_text):
    # the two real Ri Yong-ho: the diplomat was foreign minister in 2017, the general long purged
    found = extract_text("Ri Yong Ho arrived in Beijing on Monday.", date="2017-07-01")
    assert "ri_yong_ho_diplomat" in {e.key for e in found.entities}


@pytest.mark.parametrize("text", [
    "PYONGYANG, May 3 (KCNA) -- Kim Jong Un inspected a farm.",
    "Pyongyang, May 3 (KCNA) -- Kim Jong Un inspected a farm.",
    "The committee met in the DPRK's capital of Pyongyang on Friday.",
])
def test_entities_a_dateline_or_a_named_capital_is_the_city(nlp, text):
    doc = nlp(text)
    assert "pyongyang" in [s.id_ for s in doc.spans["yalu_entities"]]
