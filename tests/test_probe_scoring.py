"""The probe scorer on hand-built Event records (no spaCy), and the probe files' own validity."""
from __future__ import annotations

import pytest
from probe_scoring import (NOTHING, ProbeError, failure_kind, load_suite, parse_probes, pass_rate, report,
                           score, table)

from ingest.records import Event


def probe(expect, *, allow=(), date="2004-04-21", register="wire"):
    row = {"id": "p", "register": register, "text": "A sentence.", "date": date, "expect": expect}
    if allow:
        row["allow"] = list(allow)
    return parse_probes([row])[0]


def ev(cls, **fields):
    return Event(key=f"e-{cls}", cls=cls, trigger=cls.lower(), **fields)


MEETING = {"class": "Meeting", "participants": ["xi_jinping", "kim_jong_un"], "date": "2018-03-26",
           "place": "beijing"}


# ---------------------------------------------------------------- matching rules
@pytest.mark.parametrize("event", [
    ev("Meeting", participants=("xi_jinping", "kim_jong_un"), date="2018-03-26", place="beijing"),
    ev("Meeting", agents=("xi_jinping",), participants=("kim_jong_un", "wang_yi"), date="2018-03-26",
       place="beijing"),
    ev("Meeting", agents=("kim_jong_un",), targets=("xi_jinping",), date="2018-03-26", place="beijing"),
])
def test_probe_scoring_participants_may_sit_in_any_role(event):
    assert score(probe([MEETING]), [event]).passed


@pytest.mark.parametrize("event, kind", [
    (ev("Meeting", participants=("xi_jinping",), date="2018-03-26", place="beijing"), "participants"),
    (ev("Meeting", participants=("xi_jinping", "kim_jong_un"), date="2018-03", place="beijing"), "date"),
    (ev("Meeting", participants=("xi_jinping", "kim_jong_un"), date=None, place="beijing"), "date"),
    (ev("Meeting", participants=("xi_jinping", "kim_jong_un"), date="2018-03-26", place="dandong"), "place"),
    (ev("Meeting", participants=("xi_jinping", "kim_jong_un"), date="2018-03-26", place="beijing",
        modality="planned"), "modality"),
    (ev("Visit", agents=("kim_jong_un",), date="2018-03-26", place="beijing"), "missed"),
])
def test_probe_scoring_a_disagreeing_field_fails(event, kind):
    verdict = score(probe([MEETING]), [event])
    assert not verdict.passed and kind in {k for k, _ in verdict.reasons}


def test_probe_scoring_agents_and_targets_are_checked_in_their_roles():
    expect = [{"class": "Sanction", "agent": ["unsc"], "target": ["north_korea"]}]
    assert score(probe(expect), [ev("Sanction", agents=("unsc", "china"), targets=("north_korea",))]).passed
    swapped = score(probe(expect), [ev("Sanction", agents=("north_korea",), targets=("unsc",))])
    assert {k for k, _ in swapped.reasons} == {"agent", "target"}


def test_probe_scoring_null_date_means_undated():
    expect = [{"class": "Defection", "date": None}]
    assert score(probe(expect), [ev("Defection")]).passed
    assert not score(probe(expect), [ev("Defection", date="2004")]).passed


def test_probe_scoring_unstated_fields_are_not_checked():
    assert score(probe([{"class": "Aid"}]), [ev("Aid", agents=("china",), date="1997-05", place="dandong")]).passed


def test_probe_scoring_spurious_asserted_event_fails_unless_allowed():
    expect = [{"class": "Visit", "agent": "kim_jong_un"}]
    events = [ev("Visit", agents=("kim_jong_un",)), ev("Meeting", participants=("xi_jinping",))]
    assert [k for k, _ in score(probe(expect), events).reasons] == ["spurious"]
    assert score(probe(expect, allow=["Meeting"]), events).passed


def test_probe_scoring_unmatched_non_asserted_events_are_fine():
    events = [ev("NuclearTest", modality="hypothetical"), ev("Visit", modality="planned")]
    assert score(probe([]), events).passed


def test_probe_scoring_nothing_expected_and_something_asserted():
    verdict = score(probe([]), [ev("Statement", agents=("hua_chunying",))])
    assert failure_kind(verdict) == "spurious event"


def test_probe_scoring_each_expected_event_needs_its_own_match():
    expect = [{"class": "MissileTest", "date": "2017-07-04"}, {"class": "MissileTest", "date": "2017-07-28"}]
    one = [ev("MissileTest", date="2017-07-04")]
    both = [ev("MissileTest", date="2017-07-28"), ev("MissileTest", date="2017-07-04")]
    assert not score(probe(expect), one).passed
    assert score(probe(expect), both).passed


def test_probe_scoring_matching_is_not_greedy():
    # The first expectation fits both events; only giving it the second one lets both match.
    expect = [{"class": "Meeting", "participants": ["wang_yi"]},
              {"class": "Meeting", "participants": ["wang_yi", "ri_yong_ho_diplomat"]}]
    events = [ev("Meeting", participants=("wang_yi", "ri_yong_ho_diplomat")), ev("Meeting", participants=("wang_yi",))]
    assert score(probe(expect), events).passed


def test_probe_scoring_a_near_miss_is_reported_by_its_fields_not_as_spurious():
    verdict = score(probe([{"class": "NuclearTest", "place": "punggye_ri"}, {"class": "Criticism"}]),
                    [ev("NuclearTest", place=None)])
    assert [k for k, _ in verdict.reasons] == ["place", "missed"] and failure_kind(verdict) == "missed trigger"


def test_probe_scoring_missed_class_beside_a_spurious_one_is_a_wrong_class():
    verdict = score(probe([{"class": "Criticism"}]), [ev("Statement")])
    assert failure_kind(verdict) == "wrong class"


# ---------------------------------------------------------------- loading and reporting
@pytest.mark.parametrize("rows, message", [
    ([{"id": "a", "register": "wire", "text": "x", "date": None}], "missing"),
    ([{"id": "a", "register": "tabloid", "text": "x", "date": None, "expect": []}], "register"),
    ([{"id": "a", "register": "wire", "text": "x", "date": "March 3", "expect": []}], "ISO date"),
    ([{"id": "a", "register": "wire", "text": "x", "date": None, "expect": [{"class": "Meeting",
                                                                              "modality": "maybe"}]}], "modality"),
    ([{"id": "a", "register": "wire", "text": "x", "date": None, "expect": [{"class": "Meeting", "who": "x"}]}],
     "unknown fields"),
    ([{"id": "a", "register": "wire", "text": "x", "date": None, "expect": [{"class": "Summit"}]}], "Summit"),
    ([{"id": "a", "register": "wire", "text": "x", "date": None, "expect": []}] * 2, "used twice"),
])
def test_probe_scoring_malformed_probes_are_named(rows, message):
    with pytest.raises(ProbeError, match=message):
        parse_probes(rows, classes={"Meeting"})


def test_probe_scoring_yaml_dates_read_as_iso_text():
    import datetime

    p = parse_probes([{"id": "a", "register": "legal", "text": "x", "date": datetime.date(2009, 6, 12),
                       "expect": [{"class": "Sanction", "date": 2009}]}])[0]
    assert p.date == "2009-06-12" and p.expect[0].date == "2009"


def test_probe_scoring_tables_and_rate():
    passed = score(probe([{"class": "Aid"}]), [ev("Aid")])
    failed = score(probe([], register="legal"), [ev("Aid")])
    assert table([passed, failed]) == [(NOTHING, 0, 1), ("Aid", 1, 1)]
    assert table([passed, failed], by="register") == [("legal", 0, 1), ("wire", 1, 1)]
    assert pass_rate([passed, failed]) == 0.5
    assert "FAIL p [spurious event]" in report([passed, failed])


# ---------------------------------------------------------------- the suite's own file
def test_probe_suite_file_is_valid_and_covers_every_event_class():
    classes = event_classes()
    threshold, probes = load_suite(classes=classes)
    assert 0 < threshold <= 1 and len(probes) >= 200
    counts = {c: sum(c in {x.cls for x in p.expect} for p in probes) for c in classes}
    assert min(counts.values()) >= 6, counts
    assert {p.register for p in probes} >= {"wire", "state_media", "legal", "encyclopedic", "transcript"}
    assert sum(not p.expect or any(x.modality != "asserted" for x in p.expect) for p in probes) >= 40


def event_classes() -> set[str]:
    """The subclasses of yalu:Event in ontology/yalu.ttl, read with rdflib (transitively)."""
    from rdflib import RDFS, Graph

    from ontology import ONTOLOGY_TTL
    from ontology.namespace import YALU

    graph = Graph().parse(ONTOLOGY_TTL)
    found = set(graph.transitive_subjects(RDFS.subClassOf, YALU.Event)) - {YALU.Event}
    return {str(s).split("#")[-1] for s in found}
