"""One real event, one node: which reports in the store tell of the same occurrence.

A pure function over plain records, so the answer depends only on the set of reports, never on
the order documents arrived in. Two reports are one occurrence when their classes agree, their
actors overlap as the class allows, their dates are compatible (the same day, a day apart, or
one a month or year holding the other) and their places do not conflict. Reports are placed
from the most precise date to the least: a month or year joins the one finer occurrence it fits,
and an undated report joins only when it fits exactly one occurrence.

    >>> a = Report("e1", "d1", "Meeting", participants=frozenset({"kim", "xi"}), date="2018-03-26")
    >>> b = Report("e2", "d2", "Meeting", participants=frozenset({"kim", "xi"}), date="2018-03")
    >>> c = Report("e3", "d3", "Meeting", participants=frozenset({"kim", "xi"}), date="2018-05-08")
    >>> [(o.members, o.date) for o in fuse([c, b, a])]
    [(('e1', 'e2'), '2018-03-26'), (('e3',), '2018-05-08')]
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date as Date
from datetime import timedelta
from typing import Iterable, Mapping

# Reports a day apart are one occurrence with conflicting dates: time zones and next-day reporting
# shift a date by one, while repeated meetings or tests of the same actors are days or weeks apart.
DAY_TOLERANCE = 1
PRECISIONS = (10, 7, 4, 0)  # day, month, year, undated: the order reports are placed in

Within = Mapping[str, frozenset[str]]  # a place or actor -> what it lies within (its ancestors)


@dataclass(frozen=True)
class Report:
    """One document's asserted event, as fusion sees it: IRIs or keys as plain strings.

    ``participants`` holds every actor, agents and targets included.
    """

    iri: str
    doc: str
    cls: str
    agents: frozenset[str] = frozenset()
    participants: frozenset[str] = frozenset()
    targets: frozenset[str] = frozenset()
    date: str | None = None
    place: str | None = None


@dataclass(frozen=True)
class Occurrence:
    """One real-world event as reported anywhere in the store.

    ``date`` is the most precise date every report agrees with; ``reported_dates`` are the dates
    the reports give when they disagree (``conflict``).
    """

    key: str  # a hash of the sorted member IRIs: the same reports make the same occurrence
    cls: str
    members: tuple[str, ...]
    sources: tuple[str, ...]
    agents: tuple[str, ...]
    participants: tuple[str, ...]
    targets: tuple[str, ...]
    date: str | None
    reported_dates: tuple[str, ...]
    conflict: bool
    place: str | None


def _day(iso: str) -> Date | None:
    try:
        return Date.fromisoformat(iso)
    except ValueError:
        return None


def dates_fit(a: str, b: str) -> bool:
    """Whether two reported dates can be one occurrence's: one holds the other, or days a day apart.

    >>> dates_fit("2018-03", "2018-03-26"), dates_fit("2018-03-26", "2018-03-27"), dates_fit("2018-03", "2018-05")
    (True, True, False)
    """
    if a.startswith(b) or b.startswith(a):
        return True
    da, db = (_day(a), _day(b)) if len(a) == len(b) == 10 else (None, None)
    return da is not None and db is not None and abs((da - db).days) <= DAY_TOLERANCE


def _near(x: str, y: str, within: Within) -> bool:
    return x == y or y in within.get(x, ()) or x in within.get(y, ())


def _places_fit(a: Report, b: Report, within: Within) -> bool:
    return a.place is None or b.place is None or _near(a.place, b.place, within)


def _actors_fit(a: Report, b: Report, symmetric: frozenset[str], within: Within) -> bool:
    shared = a.participants & b.participants
    if a.cls in symmetric or not (a.agents and b.agents):
        # the same pair who met: two shared actors, or the one actor a report names
        return bool(shared) and len(shared) >= min(2, len(a.participants), len(b.participants))
    if not a.agents & b.agents:
        return False
    return not (a.targets and b.targets) or any(_near(x, y, within) for x in a.targets for y in b.targets)


def related(a: Report, b: Report, *, symmetric: frozenset[str] = frozenset(), within: Within | None = None) -> bool:
    """Whether ``a`` and ``b`` could be one occurrence: all but an undated report's date fits.

    Clusters only ever join related reports, so re-fusing the reports related (transitively) to a
    changed document's gives the same occurrences as re-fusing the whole store.
    """
    within = {} if within is None else within
    if a.doc == b.doc and a.date != b.date and len(a.date or "") == len(b.date or "") == 10:
        return False  # one text telling of two days tells of two events
    return (a.cls == b.cls and (a.date is None or b.date is None or dates_fit(a.date, b.date))
            and _places_fit(a, b, within) and _actors_fit(a, b, symmetric, within))


def _fits(r: Report, members: list[Report], symmetric: frozenset[str], within: Within) -> bool:
    """A coarser report fits an occurrence: related to one member, its date and place conflict with none."""
    return (any(related(r, m, symmetric=symmetric, within=within) for m in members)
            and all((m.date is None or dates_fit(r.date or m.date, m.date)) and _places_fit(r, m, within)
                    for m in members))


def _components(reports: list[Report], symmetric: frozenset[str], within: Within) -> list[list[Report]]:
    parent = list(range(len(reports)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, a in enumerate(reports):
        for j in range(i + 1, len(reports)):
            if related(a, reports[j], symmetric=symmetric, within=within):
                parent[root(j)] = root(i)
    groups: dict[int, list[Report]] = {}
    for i, r in enumerate(reports):
        groups.setdefault(root(i), []).append(r)
    return list(groups.values())


def fuse(reports: Iterable[Report], *, symmetric: frozenset[str] = frozenset(),
         within: Within | None = None) -> list[Occurrence]:
    """Group reports into occurrences; the result depends on the set of reports only.

    Args:
        reports: asserted events of any documents (an IRI may appear once).
        symmetric: event classes whose actors all take part alike (a Meeting): reports fit when
            they share two actors, or the one a report names; in other classes the agents must
            overlap and the targets, when both name some, too.
        within: a place or actor -> those it lies within, so "Beijing" fits "China".

    Returns:
        The occurrences, sorted by class, date and key.
    """
    within = {} if within is None else within
    by_precision: dict[int, list[Report]] = {}
    for r in sorted(set(reports), key=lambda r: r.iri):
        by_precision.setdefault(len(r.date or ""), []).append(r)
    groups: list[list[Report]] = []
    for precision in PRECISIONS:
        finer = [list(g) for g in groups]  # placements read the finer occurrences only, never each other
        left = []
        for r in by_precision.get(precision, []):
            fits = [i for i, members in enumerate(finer) if _fits(r, members, symmetric, within)]
            if len(fits) == 1:
                groups[fits[0]].append(r)
            else:
                left.append(r)
        if precision:
            groups += _components(left, symmetric, within)
        else:  # an undated report that fits no occurrence, or several, cannot be told apart: it stands alone
            groups += [[r] for r in left]
    return sorted((_occurrence(g, within) for g in groups), key=lambda o: (o.cls, o.date or "", o.key))


def _agreed_date(dates: list[str]) -> str | None:
    """The most precise date every reported date holds or equals; else their common month or year."""
    for d in sorted(dates, key=len, reverse=True):
        if all(d.startswith(other) for other in dates):
            return d
    for precision in (7, 4):
        if len({d[:precision] for d in dates}) == 1:
            return dates[0][:precision]
    return None


def _agreed_place(places: set[str], within: Within) -> str | None:
    """The place that lies within every other reported place, if one does."""
    for p in sorted(places):
        if all(q == p or q in within.get(p, ()) for q in places):
            return p
    return None


def _occurrence(group: list[Report], within: Within) -> Occurrence:
    members = tuple(sorted(r.iri for r in group))
    dates = sorted({r.date for r in group if r.date})
    agreed = _agreed_date(dates) if dates else None
    conflict = any(not (a.startswith(b) or b.startswith(a)) for a in dates for b in dates)
    return Occurrence(
        key=hashlib.sha1("\n".join(members).encode()).hexdigest()[:16],
        cls=group[0].cls,
        members=members,
        sources=tuple(sorted({r.doc for r in group})),
        agents=tuple(sorted(set().union(*(r.agents for r in group)))),
        participants=tuple(sorted(set().union(*(r.participants for r in group)))),
        targets=tuple(sorted(set().union(*(r.targets for r in group)))),
        date=agreed,
        reported_dates=tuple(dates) if conflict else (),
        conflict=conflict,
        place=_agreed_place({r.place for r in group if r.place}, within),
    )


def fusion_keys(report: Report) -> set[str]:
    """The index keys a report is stored under: class, year (or "-" undated) and each actor."""
    year = report.date[:4] if report.date else "-"
    return {f"{report.cls}|{year}|{actor}" for actor in report.participants}


def lookup_keys(report: Report) -> set[str] | None:
    """The keys under which the reports related to a dated one are stored; None for an undated one.

    An undated report may be related to a report of any year, so no key finds its candidates.
    """
    if report.date is None:
        return None
    years = {report.date[:4]}
    day = _day(report.date) if len(report.date) == 10 else None
    if day is not None:
        years |= {str((day + timedelta(days=k)).year) for k in (-DAY_TOLERANCE, DAY_TOLERANCE)}
    return {f"{report.cls}|{y}|{actor}" for y in (*years, "-") for actor in report.participants}
