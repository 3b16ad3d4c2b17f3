"""The probe suite's yardstick: load ``tests/probes/*.yaml`` and score extracted events against them.

A probe is one to three sentences with the document date we pass and the events a careful
analyst expects. A probe passes when every expected event is matched by a distinct extracted
event of the same class and modality whose stated fields agree, and no extracted *asserted*
event is left unmatched (unless its class is in the probe's ``allow`` list). Plain data in,
plain verdicts out: no spaCy here, so the scorer is tested on hand-built records.
"""
from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

import yaml

from graph.app.evaluate import maximum_matching
from ingest.records import Event

PROBES = Path(__file__).resolve().parent / "probes"
SUITE = PROBES / "events.yaml"
MODALITIES = ("asserted", "negated", "speculative", "planned", "hypothetical")
REGISTERS = ("wire", "state_media", "legal", "encyclopedic", "transcript")
NOTHING = "(nothing)"  # the row of probes that expect no asserted event
UNSET = object()  # an expected field the text does not state: not checked


class ProbeError(ValueError):
    """A probe file that does not follow the probe format."""


@dataclass(frozen=True)
class Expected:
    """One event a probe expects; a field left ``UNSET`` is not checked."""

    cls: str
    modality: str = "asserted"
    agents: tuple[str, ...] = ()
    participants: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()
    date: object = UNSET  # an ISO prefix, None ("must be undated") or UNSET
    place: object = UNSET  # an entity key, None ("must have no place") or UNSET


@dataclass(frozen=True)
class Probe:
    """A text, the document date passed with it, and what must (and may) be extracted from it."""

    id: str
    register: str
    text: str
    date: str | None
    expect: tuple[Expected, ...]
    allow: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Verdict:
    """A probe's result: ``reasons`` name each failure as ``(kind, detail)``."""

    probe: Probe
    reasons: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    @property
    def passed(self) -> bool:
        return not self.reasons


# ---------------------------------------------------------------- loading
def _iso(value: object, where: str) -> str | None:
    # YAML reads an unquoted 2018-03-28 as a date and 2018 as an int: both mean the ISO text.
    if value is None:
        return None
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str) and value[:4].isdigit():
        return value
    raise ProbeError(f"{where}: date {value!r} is not an ISO date (YYYY, YYYY-MM or YYYY-MM-DD) or null")


def _keys(value: object, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ProbeError(f"{where}: expected an entity key or a list of keys, got {value!r}")


def _expected(row: object, where: str, classes: frozenset[str] | None) -> Expected:
    if not isinstance(row, dict) or "class" not in row:
        raise ProbeError(f"{where}: an expected event needs at least a class, got {row!r}")
    unknown = set(row) - {"class", "modality", "agent", "participants", "target", "date", "place"}
    if unknown:
        raise ProbeError(f"{where}: unknown fields {sorted(unknown)}")
    if classes is not None and row["class"] not in classes:
        raise ProbeError(f"{where}: class {row['class']!r} is not an event class of the ontology")
    modality = row.get("modality", "asserted")
    if modality not in MODALITIES:
        raise ProbeError(f"{where}: modality {modality!r} is not one of {', '.join(MODALITIES)}")
    return Expected(
        cls=row["class"], modality=modality,
        agents=_keys(row.get("agent", []), where), participants=_keys(row.get("participants", []), where),
        targets=_keys(row.get("target", []), where),
        date=_iso(row["date"], where) if "date" in row else UNSET,
        place=row["place"] if "place" in row else UNSET,
    )


def parse_probes(rows: object, *, source: str = "probes", classes: Iterable[str] | None = None) -> tuple[Probe, ...]:
    """Probes from the parsed YAML list ``rows``.

    Args:
        rows: a list of probe mappings (``id``, ``register``, ``text``, ``date``, ``expect``, ``allow``).
        source: named in error messages.
        classes: the event classes allowed in ``expect`` and ``allow``; None checks none.

    Raises:
        ProbeError: a probe is malformed, names an unknown class, modality or register, or an id repeats.
    """
    known = frozenset(classes) if classes is not None else None
    if not isinstance(rows, list):
        raise ProbeError(f"{source}: expected a list of probes")
    probes, seen = [], set()
    for n, row in enumerate(rows):
        where = f"{source}[{n}]"
        if not isinstance(row, dict):
            raise ProbeError(f"{where}: a probe is a mapping, got {row!r}")
        missing = {"id", "register", "text", "date", "expect"} - set(row)
        if missing:
            raise ProbeError(f"{where}: missing {sorted(missing)}")
        where = f"{source}:{row['id']}"
        if row["id"] in seen:
            raise ProbeError(f"{where}: the id is used twice")
        seen.add(row["id"])
        if row["register"] not in REGISTERS:
            raise ProbeError(f"{where}: register {row['register']!r} is not one of {', '.join(REGISTERS)}")
        if not isinstance(row["expect"], list):
            raise ProbeError(f"{where}: expect must be a list (use [] for 'nothing asserted')")
        allow = frozenset(_keys(row.get("allow", []), where))
        if known is not None and allow - known:
            raise ProbeError(f"{where}: allow names unknown classes {sorted(allow - known)}")
        probes.append(Probe(
            id=str(row["id"]), register=row["register"], text=str(row["text"]).strip(),
            date=_iso(row["date"], where), expect=tuple(_expected(e, where, known) for e in row["expect"]),
            allow=allow,
        ))
    return tuple(probes)


def load_suite(path: Path = SUITE, *, classes: Iterable[str] | None = None) -> tuple[float, tuple[Probe, ...]]:
    """The suite's pass-rate threshold and its probes, read from ``path``.

    The file is a mapping with ``threshold`` (0..1) and ``probes`` (a list), or ``include`` (a list of
    sibling files holding probe lists) in place of, or beside, ``probes``.

    Raises:
        ProbeError: the file or a probe in it is malformed.
    """
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("threshold"), (int, float)):
        raise ProbeError(f"{path.name}: expected a mapping with a numeric 'threshold'")
    threshold = float(data["threshold"])
    if not 0 <= threshold <= 1:
        raise ProbeError(f"{path.name}: threshold {threshold} is not between 0 and 1")
    probes = list(parse_probes(data.get("probes", []), source=path.name, classes=classes))
    for name in data.get("include", []):
        part = path.parent / name
        probes += parse_probes(yaml.safe_load(part.read_text(encoding="utf-8")), source=name, classes=classes)
    ids = Counter(p.id for p in probes)
    if ids and ids.most_common(1)[0][1] > 1:
        raise ProbeError(f"{path.name}: probe id {ids.most_common(1)[0][0]!r} is used in two files")
    return threshold, tuple(probes)


# ---------------------------------------------------------------- matching
def mismatches(expected: Expected, event: Event) -> list[tuple[str, str]]:
    """How ``event`` fails to be ``expected``, as ``(kind, detail)`` pairs; empty when it matches."""
    if event.cls != expected.cls:
        return [("class", f"{event.cls} is not {expected.cls}")]
    found: list[tuple[str, str]] = []
    if event.modality != expected.modality:
        found.append(("modality", f"{expected.cls} is {event.modality}, expected {expected.modality}"))
    if not set(expected.agents) <= set(event.agents):
        found.append(("agent", f"{expected.cls} agents {list(event.agents)} lack {sorted(set(expected.agents) - set(event.agents))}"))
    if not set(expected.targets) <= set(event.targets):
        found.append(("target", f"{expected.cls} targets {list(event.targets)} lack {sorted(set(expected.targets) - set(event.targets))}"))
    actors = set(event.participants) | set(event.agents) | set(event.targets)
    if not set(expected.participants) <= actors:
        found.append(("participants", f"{expected.cls} actors {sorted(actors)} lack {sorted(set(expected.participants) - actors)}"))
    if expected.date is not UNSET and event.date != expected.date:
        found.append(("date", f"{expected.cls} dated {event.date}, expected {expected.date}"))
    if expected.place is not UNSET and event.place != expected.place:
        found.append(("place", f"{expected.cls} place {event.place}, expected {expected.place}"))
    return found


def _assign(expect: Sequence[Expected], events: Sequence[Event]) -> dict[int, int]:
    # A distinct event for each expected one (bipartite matching by augmenting paths; probes are tiny).
    return maximum_matching([[j for j, e in enumerate(events) if not mismatches(x, e)] for x in expect])


def score(probe: Probe, events: Sequence[Event]) -> Verdict:
    """Score the events extracted from ``probe.text`` against the probe's expectations."""
    assignment = _assign(probe.expect, events)
    used = set(assignment.values())
    reasons: list[tuple[str, str]] = []
    near: set[int] = set()  # near misses: their differences are reported, not their presence
    for i, expected in enumerate(probe.expect):
        if i in assignment:
            continue
        same = [j for j, e in enumerate(events) if e.cls == expected.cls and j not in used | near]
        if not same:
            got = ", ".join(f"{e.cls}/{e.modality}" for e in events) or "no events"
            reasons.append(("missed", f"no {expected.cls} ({expected.modality}); got {got}"))
            continue
        # Report the nearest candidate's differences: the fewest mismatching fields.
        j = min(same, key=lambda j: len(mismatches(expected, events[j])))
        near.add(j)
        reasons += mismatches(expected, events[j])
    for j, event in enumerate(events):
        if j not in used | near and event.modality == "asserted" and event.cls not in probe.allow:
            reasons.append(("spurious", f"asserted {event.cls} ({event.trigger!r}, agents {list(event.agents)}, "
                                        f"date {event.date}) is not expected"))
    return Verdict(probe, tuple(reasons))


def failure_kind(verdict: Verdict) -> str:
    """One label for a failing verdict: a missed class beside a spurious one is a wrong class."""
    kinds = {kind for kind, _ in verdict.reasons}
    if {"missed", "spurious"} <= kinds:
        return "wrong class"
    for kind, label in (("missed", "missed trigger"), ("spurious", "spurious event"), ("modality", "modality"),
                        ("date", "wrong date")):
        if kind in kinds:
            return label
    return "argument" if kinds else "passed"


# ---------------------------------------------------------------- reporting
def probe_classes(probe: Probe) -> set[str]:
    """The rows a probe counts in: its expected classes, or ``NOTHING`` when it expects none."""
    return {x.cls for x in probe.expect} or {NOTHING}


def table(verdicts: Sequence[Verdict], by: str = "class") -> list[tuple[str, int, int]]:
    """``(row, passed, total)`` by expected class (``by="class"``) or by register, sorted by row."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for v in verdicts:
        rows = probe_classes(v.probe) if by == "class" else {v.probe.register}
        for row in rows:
            counts[row][0] += v.passed
            counts[row][1] += 1
    return sorted((row, p, t) for row, (p, t) in counts.items())


def pass_rate(verdicts: Sequence[Verdict]) -> float:
    """The share of probes that pass (0 for no probes)."""
    return sum(v.passed for v in verdicts) / len(verdicts) if verdicts else 0.0


def report(verdicts: Sequence[Verdict], *, failures: bool = True) -> str:
    """A plain-text report: per-class and per-register tables, the overall rate, failure kinds and failures."""
    lines = [f"{'class':<18} {'pass':>5} {'total':>5} {'rate':>6}"]
    for row, passed, total in table(verdicts):
        lines.append(f"{row:<18} {passed:>5} {total:>5} {passed / total:>6.0%}")
    lines.append("")
    lines.append(f"{'register':<18} {'pass':>5} {'total':>5} {'rate':>6}")
    for row, passed, total in table(verdicts, by="register"):
        lines.append(f"{row:<18} {passed:>5} {total:>5} {passed / total:>6.0%}")
    lines.append("")
    lines.append(f"overall: {sum(v.passed for v in verdicts)}/{len(verdicts)} = {pass_rate(verdicts):.1%}")
    kinds = Counter(failure_kind(v) for v in verdicts if not v.passed)
    if kinds:
        lines.append("failures by kind: " + ", ".join(f"{k} {n}" for k, n in kinds.most_common()))
    if failures:
        for v in verdicts:
            if not v.passed:
                lines.append(f"FAIL {v.probe.id} [{failure_kind(v)}]: {v.probe.text[:100]!r}")
                lines += [f"    {kind}: {detail}" for kind, detail in v.reasons]
    return "\n".join(lines)
