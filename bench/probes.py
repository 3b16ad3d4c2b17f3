"""Probe suite pass rate: Yalu's extraction against our own sentences (``tests/probes/events.yaml``).

Each probe is one to three sentences in one of five registers (wire, state media, legal,
encyclopedic, transcript) with the events a careful analyst expects: class, modality,
agents, participants, targets, date and place, or nothing at all. Scoring rules are those of
``tests/probe_scoring.py``. Prints the pass rate by expected class and by register, the overall
rate against the suite's threshold, the failures grouped by kind and, with ``--failures``, every
failing probe with its reasons.

Run: ``python bench/probes.py [--failures]``.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from probe_scoring import SUITE, load_suite, pass_rate, report, score  # noqa: E402

from ingest.pipeline import extract, load_nlp  # noqa: E402
from ingest.records import Document  # noqa: E402


def main() -> int:
    """Score every probe and print the tables; exit 1 when the rate is below the suite's threshold."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--failures", action="store_true", help="list every failing probe with its reasons")
    args = parser.parse_args()
    threshold, probes = load_suite(SUITE)
    nlp = load_nlp()
    verdicts = [score(p, extract(Document.from_text(p.text, date=p.date), nlp).events) for p in probes]
    print(report(verdicts, failures=args.failures))
    rate = pass_rate(verdicts)
    goal = (yaml.safe_load(SUITE.read_text(encoding="utf-8")) or {}).get("goal")
    print(f"threshold {threshold:.0%}: {'PASS' if rate >= threshold else 'FAIL'}")
    if goal is not None:
        print(f"goal {goal:.0%}: {'met' if rate >= goal else 'not met'}")
    return 0 if rate >= threshold else 1


if __name__ == "__main__":
    sys.exit(main())
