"""The probe suite: our own sentences in five registers, each stating the events an analyst expects.

``tests/probes/events.yaml`` holds the probes and the pass rate the suite must reach; the
scoring rules are in ``tests/probe_scoring.py`` (tested on their own in ``test_probe_scoring.py``).
Run ``pytest tests/test_probes.py -s`` or ``python bench/probes.py`` to see the per-class table.
"""
from __future__ import annotations

import pytest
from probe_scoring import load_suite, pass_rate, report, score


def test_probes_name_only_gazetteer_actors_and_places():
    from ontology.actors import load_gazetteer

    known = set(load_gazetteer())
    _, probes = load_suite()
    unknown = {(p.id, key) for p in probes for x in p.expect
               for key in (*x.agents, *x.participants, *x.targets, *([x.place] if isinstance(x.place, str) else []))
               if key not in known}
    assert not unknown, sorted(unknown)


@pytest.mark.model
def test_probes_pass_rate(nlp):
    from ingest.pipeline import extract
    from ingest.records import Document

    threshold, probes = load_suite()
    verdicts = [score(p, extract(Document.from_text(p.text, date=p.date), nlp).events) for p in probes]
    print("\n" + report(verdicts))
    assert pass_rate(verdicts) >= threshold, f"probe pass rate {pass_rate(verdicts):.1%} < {threshold:.0%}"
