"""How fast the HTML link chart renders in Python and opens in headless Chromium.

Builds synthetic Yalu networks of 500, 2,000 and 10,000 nodes (about two edges per node,
mixed classes, countries and dates), times ``graph.views.render.render_html``, then opens each page
in Debian's Chromium and times navigation start -> ``window.yalu.ready`` (set after the
first frame is drawn with the final layout, all filters, timeline and search wired). Then it
times one search and one date-filter change on the open page. Prints a table with ratios
against the 500-node baseline of the same run, PASS/FAIL against the targets, and writes
the figures into the "HTML rendering" section of ``bench/README.md``.

Run: ``python bench/html_speed.py`` (add ``--quick`` for one repeat per size).
"""
from __future__ import annotations

import argparse
import os
import platform
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from synthetic import write_section  # noqa: E402

from graph.views.render import render_html  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
SIZES = (500, 2000, 10_000)
TARGETS_S = {2000: 3.0, 10_000: 15.0}  # navigation -> interactive, seconds
SECTION = "HTML rendering"

# Synthetic mix, roughly the shares of a news-corpus extraction.
COUNTRIES = ["China", "North Korea", "South Korea", "United States", "Japan", "Russia", None]
COUNTRY_WEIGHTS = [30, 30, 10, 10, 5, 5, 10]
CLASSES = [  # (cls, coarse, weight)
    ("Person", "Person", 45), ("PoliticalParty", "Organization", 4), ("GovernmentBody", "Organization", 12),
    ("MilitaryOrganization", "Organization", 5), ("MediaOrganization", "Organization", 4),
    ("Company", "Organization", 6), ("Group", "Organization", 3), ("City", "Place", 9),
    ("Region", "Place", 4), ("Facility", "Place", 3), ("Meeting", "Event", 5),
]
FACTS = ["memberOf", "leaderOf", "partOf", "locatedIn", "country", "affiliatedWith", "envoyOf"]
INTERACTIONS = [  # (predicate, event class, polarity)
    ("meets", "Meeting", "cooperative"), ("visits", "Visit", "cooperative"),
    ("sanctions", "Sanction", "conflictual"), ("criticizes", "Criticism", "conflictual"),
    ("threatens", "Statement", "conflictual"), ("supports", "Aid", "cooperative"),
    ("cooperatesWith", "Trade", "cooperative"), ("addresses", "Statement", "neutral"),
]


def synthetic_graph(n: int, *, seed: int = 1) -> nx.MultiDiGraph:
    """A Yalu-shaped network of ``n`` nodes and about ``2n`` edges with hubs, dates and sources.

    >>> g = synthetic_graph(200)
    >>> g.number_of_nodes(), 350 < g.number_of_edges() < 450
    (200, True)
    """
    rng = random.Random(seed)
    g = nx.MultiDiGraph(title=f"Synthetic network, {n} nodes")
    keys = [f"https://yalu.example/id/n{i}" for i in range(n)]
    states = {c: f"https://yalu.example/id/state-{i}" for i, c in enumerate(COUNTRIES) if c}
    for country, key in states.items():
        g.add_node(key, label=country, cls="State", coarse="State", country=country, aliases=[], facts=[], mentions=[])
    keys = list(states.values()) + keys[: n - len(states)]
    weights = [w for _, _, w in CLASSES]
    for i, key in enumerate(keys[len(states):]):
        cls, coarse, _ = rng.choices(CLASSES, weights)[0]
        country = rng.choices(COUNTRIES, COUNTRY_WEIGHTS)[0]
        year = rng.randint(2000, 2024)
        attrs = {
            "label": f"{cls} {i}", "cls": cls, "coarse": coarse, "country": None if coarse == "Event" else country,
            "aliases": [f"alias {i}"] if rng.random() < 0.3 else [],
            "facts": [{"predicate": rng.choice(FACTS), "object_label": f"Object {rng.randrange(n)}", "source": "text",
                       "sentence": f"Sentence about {cls} {i} from a document.", "doc_title": f"Document {i % 97}"}],
            "mentions": [{"sentence": f"{cls} {i} was mentioned.", "doc_title": f"Document {i % 89}", "document": f"doc-{i % 89}"}],
        }
        if coarse == "Event":
            attrs.update(date=f"{year}-{rng.randint(1, 12):02d}", modality="asserted")
        g.add_node(key, **attrs)
    coarse_of = dict(g.nodes(data="coarse"))
    events = [k for k in keys if coarse_of[k] == "Event"]
    actors = [k for k in keys if coarse_of[k] != "Event"]

    def hubby() -> str:  # squaring the draw favours early nodes: a few hubs, a long tail
        return actors[int(len(actors) * rng.random() ** 2)]

    for event in events:
        for role in ("agent", "participant"):
            g.add_edge(event, hubby(), predicate=role, kind="role", polarity=None, event=event, event_cls="Meeting",
                       event_label=None, date=g.nodes[event]["date"], sources=[])
    edges = g.number_of_edges()
    while edges < 2 * n:  # counted here: number_of_edges() walks every node
        u, v = rng.choice(actors), hubby()
        if u == v:
            continue
        edges += 1
        src = [{"sentence": f"{g.nodes[u]['label']} and {g.nodes[v]['label']} in one sentence.",
                "doc_title": f"Document {rng.randrange(97)}", "document": f"doc-{rng.randrange(97)}"}]
        if rng.random() < 0.4:
            g.add_edge(u, v, predicate=rng.choice(FACTS), kind="fact", polarity=None, event=None, event_cls=None,
                       event_label=None, date=None, sources=src)
        else:
            pred, ecls, pol = rng.choice(INTERACTIONS)
            date = rng.choice([None, f"{rng.randint(2000, 2024)}", f"{rng.randint(2000, 2024)}-{rng.randint(1, 12):02d}",
                               f"{rng.randint(2000, 2024)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"])
            g.add_edge(u, v, predicate=pred, kind="interaction", polarity=pol, event=None, event_cls=ecls,
                       event_label=None, date=date, sources=src)
    return g


def time_in_browser(page_path: Path, repeats: int) -> dict[str, float]:
    """Median navigation->ready seconds, plus one search and one date filter in ms."""
    from playwright.sync_api import sync_playwright

    ready, search_ms, filter_ms = [], [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for _ in range(repeats):
                page = browser.new_page(viewport={"width": 1280, "height": 800})
                errors: list[str] = []
                page.on("pageerror", lambda exc: errors.append(str(exc)))
                page.goto(page_path.as_uri(), wait_until="commit", timeout=120_000)
                # A selector wait, not wait_for_function: the page CSP forbids the eval that one uses.
                page.wait_for_selector("body[data-ready='1']", state="attached", timeout=120_000)
                if errors:
                    raise RuntimeError(f"page error in {page_path.name}: {errors[0]}")
                # readyAt is performance.now(): milliseconds since this navigation started.
                ready.append(page.evaluate("window.yalu.readyAt") / 1000)
                search_ms.append(page.evaluate(
                    "() => { const t = performance.now(); window.yalu.search('Person 7'); return performance.now() - t; }"))
                filter_ms.append(page.evaluate(
                    "() => { const t = performance.now(); window.yalu.setDateRange('2010', '2015'); return performance.now() - t; }"))
                page.close()
        finally:
            browser.close()
    return {"ready": statistics.median(ready), "search": statistics.median(search_ms),
            "filter": statistics.median(filter_ms)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one browser run per size instead of three")
    parser.add_argument("--no-readme", action="store_true", help="do not write bench/README.md")
    args = parser.parse_args()
    repeats = 1 if args.quick else 3
    load = os.getloadavg()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in SIZES:
            graph = synthetic_graph(n)
            path = Path(tmp) / f"graph-{n}.html"
            start = time.perf_counter()
            page = render_html(graph, path)
            render_s = time.perf_counter() - start
            browser = time_in_browser(path, 1 if n >= 10_000 and not args.quick else repeats)
            rows.append({"n": n, "edges": graph.number_of_edges(), "render": render_s,
                         "mb": len(page.encode("utf-8")) / 1e6, **browser})
            print(f"{n:>6} nodes: render {render_s:.2f} s, ready {browser['ready']:.2f} s", flush=True)

    base = rows[0]
    lines = [
        "| nodes | edges | render_html (s) | page (MB) | open -> interactive (s) | x500 render | x500 open | search (ms) | date filter (ms) | target | result |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    failed = False
    for row in rows:
        target = TARGETS_S.get(row["n"])
        verdict = "-" if target is None else ("PASS" if row["ready"] <= target else "FAIL")
        failed |= verdict == "FAIL"
        lines.append(
            f"| {row['n']:,} | {row['edges']:,} | {row['render']:.2f} | {row['mb']:.1f} | {row['ready']:.2f} | "
            f"{row['render'] / base['render']:.1f} | {row['ready'] / base['ready']:.1f} | {row['search']:.0f} | "
            f"{row['filter']:.0f} | {'<= %g s' % target if target else '-'} | {verdict} |"
        )
    table = "\n".join(lines)
    print()
    print(table)
    notes = (
        "`python bench/html_speed.py`: synthetic networks (about two edges per node, hubs, mixed classes, "
        "countries and dates) rendered by `graph.views.render.render_html`, then opened from `file://` in headless "
        "Debian Chromium (`--disable-gpu`, software canvas). *open -> interactive* is navigation start until "
        "`window.yalu.ready` (first frame drawn with the final layout, filters, timeline and search wired); "
        f"median of {repeats} run(s), one at 10,000 nodes. Layout: force-directed "
        "(networkx below 500 nodes, numpy Fruchterman-Reingold up to 3,000), clustered by country above; vis physics off "
        "above 300 nodes. *search* and *date filter* time one `yalu.search` / `yalu.setDateRange` call on the open page.\n\n"
        f"Measured {time.strftime('%Y-%m-%d')} on {platform.machine()} ({os.cpu_count()} CPUs, load average "
        f"{load[0]:.1f} before / {os.getloadavg()[0]:.1f} after; other jobs share the machine), "
        f"Python {platform.python_version()}, {_chromium_version()}."
    )
    if not args.no_readme:
        write_section(SECTION, f"{notes}\n\n{table}")
        print(f"\nwrote the '{SECTION}' section of bench/README.md")
    print("\nFAIL" if failed else "\nPASS: all targets met")
    return 1 if failed else 0


def _chromium_version() -> str:
    import subprocess

    try:
        out = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired):
        return "Chromium (version unknown)"
    found = re.search(r"Chromium [\d.]+", out)
    return found.group(0) if found else "Chromium (version unknown)"


if __name__ == "__main__":
    sys.exit(main())
