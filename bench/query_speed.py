"""Saved-query latency on a store of a million triples: Oxigraph (Yalu's Store) against rdflib in memory.

Builds an on-disk Store of >= 1,000,000 triples (counted per named graph) with
``graph.store.Store.add`` on synthetic records (``bench/synthetic.py``: thousands of
news-like documents with entities, mentions, facts, memberships and events), then runs every
saved query of ``graph/store/queries/*.rq`` with fixed parameters: on the Store (``Store.query``,
union default graph) and on an rdflib ``Dataset(default_union=True)`` holding the same quads,
in a child process. One warm-up run, then the median of 5 runs each. rdflib is capped: a
query's runs stop once they have used 60 s and a single run is cut off at 60 s, on both engines (pyoxigraph cannot cancel a query, so the Oxigraph warm-up run goes through ``graph.store.timeout.query_with_timeout``), and the table
says how many runs the median covers. Row counts of the two engines are compared.

Targets: rdflib/Oxigraph >= 20 x per query; Oxigraph < 100 ms per saved query.

Run: ``python bench/query_speed.py`` (``--triples 200000`` for a quick look).
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import machine, stories, table, write_section  # noqa: E402

from graph.store import Store  # noqa: E402
from graph.store.queries import bind_params, list_saved  # noqa: E402

RUNS = 5
RDFLIB_BUDGET_S = 60.0
RDFLIB_CAP_S = 60.0
SPEEDUP_TARGET = 20.0
LATENCY_TARGET_MS = 100.0
PARAMS = {
    "actor-timeline": {"name": "Kim Jong-un"},
    "co-occurrence": {"a": "Xi Jinping", "b": "Kim Jong-un"},
    "fact-sources": {"name": "Kim Jong-un"},
    "actor-events": {"since": "2016-03", "until": "2016-03"},
    "meetings": {"since": "2016", "until": "2016"},
    "post-holders": {"role": "foreign minister", "year": "2016"},
}


def build_store(path: Path, triples: int) -> tuple[int, int, float]:
    """Fill a fresh store with synthetic documents until it holds ``triples`` quads: (docs, quads, seconds)."""
    store = Store(path)
    start = time.perf_counter()
    docs = 0
    for _, extraction in stories(10**9):
        store.add(extraction)
        docs += 1
        if docs % 100 == 0 and len(store) >= triples:
            break
    store.flush()
    store.optimize()  # as `yalu ingest` does after a large run
    return docs, len(store), time.perf_counter() - start


def _timeout(signum, frame):
    raise TimeoutError


def rdflib_child(nquads: str) -> int:
    """Load the quads into rdflib and time the queries given as JSON on stdin; JSON results on stdout."""
    from rdflib import Dataset, Literal

    jobs = json.load(sys.stdin)
    start = time.perf_counter()
    ds = Dataset(default_union=True)
    ds.parse(nquads, format="nquads")
    load_s = time.perf_counter() - start
    signal.signal(signal.SIGALRM, _timeout)
    out = {"load_s": load_s, "quads": len(ds), "queries": {}}
    for name, text, params in jobs:
        bindings = {k: Literal(v) for k, v in params.items()}
        runs: list[float] = []
        rows = None
        error = None
        for i in range(RUNS + 1):
            signal.setitimer(signal.ITIMER_REAL, RDFLIB_CAP_S)
            t = time.perf_counter()
            try:
                rows = len(list(ds.query(text, initBindings=bindings)))
            except TimeoutError:
                runs.append(float("inf"))
                break
            except Exception as exc:  # noqa: BLE001 - rdflib's own failures are a result to report
                error = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
                break
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            elapsed = time.perf_counter() - t
            if i > 0 or elapsed > RDFLIB_BUDGET_S / 4:  # a slow first run counts: no time for a warm-up
                runs.append(elapsed)
            if sum(runs) + elapsed >= RDFLIB_BUDGET_S and runs:
                break
        out["queries"][name] = {"runs": runs, "rows": rows, "error": error}
        print(f"  rdflib {name}: {len(runs)} run(s), rows {rows}", file=sys.stderr, flush=True)
    json.dump(out, sys.stdout)
    return 0


def oxigraph_runs(store: Store, text: str, params: dict[str, str]) -> tuple[list[float], int | None]:
    """Warm-up run in a worker cut off at the cap (pyoxigraph cannot cancel a query), then 5 runs here."""
    from graph.store.timeout import query_with_timeout

    start = time.perf_counter()
    try:
        rows = len(query_with_timeout(store, text, timeout=RDFLIB_CAP_S, substitutions=params))
    except TimeoutError:
        return [float("inf")], None
    if time.perf_counter() - start > RDFLIB_BUDGET_S / 4:  # far over target already: one run is the figure
        return [time.perf_counter() - start], rows
    runs = []
    for _ in range(RUNS):
        t = time.perf_counter()
        store.query(text, substitutions=params)
        runs.append(time.perf_counter() - t)
    return runs, rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--no-readme", action="store_true", help="do not write bench/README.md")
    parser.add_argument("--rdflib-child", metavar="NQUADS", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.rdflib_child:
        return rdflib_child(args.rdflib_child)

    where = machine()
    print(where)
    with tempfile.TemporaryDirectory(prefix="yalu-bench-") as tmp:
        path = Path(tmp) / "store"
        docs, quads, build_s = build_store(path, args.triples)
        print(f"built the store: {docs} documents, {quads:,} quads in {build_s:.0f} s (Store.add)")
        import pyoxigraph as ox  # the bench reads the store's files directly only to hand rdflib the same quads

        nquads = Path(tmp) / "store.nq"
        ox.Store.read_only(str(path)).dump(str(nquads), format=ox.RdfFormat.N_QUADS)
        store = Store(path, read_only=True)
        distinct = store.query("SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o { ?s ?p ?o } }").rows[0][0]

        jobs = []
        ox_results = {}
        for q in list_saved():
            params = bind_params(q, PARAMS.get(q.name, {}))
            ox_results[q.name] = oxigraph_runs(store, q.text, params)
            print(f"  oxigraph {q.name}: median {1000 * statistics.median(ox_results[q.name][0]):.1f} ms "
                  f"({len(ox_results[q.name][0])} run(s)), "
                  f"rows {ox_results[q.name][1]}", flush=True)
            jobs.append((q.name, q.text, params))
        print("rdflib: loading the same quads in a child process ...", flush=True)
        child = subprocess.run([sys.executable, __file__, "--rdflib-child", str(nquads)], input=json.dumps(jobs),
                               capture_output=False, stdout=subprocess.PIPE, text=True, check=True)
        rd = json.loads(child.stdout)

    rows, verdicts, speedups = [], [], []
    for name, (ox_runs, ox_rows) in ox_results.items():
        r = rd["queries"][name]
        if r.get("error"):
            ox_ms = 1000 * statistics.median(ox_runs) if ox_runs != [float("inf")] else float("inf")
            ox_cell = f"> {RDFLIB_CAP_S:.0f} s (cut off)" if ox_ms == float("inf") else f"{ox_ms:,.1f}"
            rows.append([name, ox_cell, f"error: {r['error']}", "-", "" if ox_rows is None else ox_rows, ""])
            verdicts.append(f"{'PASS' if ox_ms < LATENCY_TARGET_MS else 'FAIL'}: {name} on Oxigraph {ox_cell} "
                            f"(target < {LATENCY_TARGET_MS:.0f} ms)")
            verdicts.append(f"n/a: {name} rdflib/Oxigraph (rdflib fails the query: {r['error']})")
            continue
        ox_capped = ox_runs == [float("inf")]
        rd_capped = float("inf") in r["runs"]
        ox_ms = 1000 * (RDFLIB_CAP_S if ox_capped else statistics.median(ox_runs))
        rd_ms = 1000 * (RDFLIB_CAP_S if rd_capped else statistics.median(r["runs"]))
        if ox_capped:
            ratio = "? (both cut off)" if rd_capped else f"<= {rd_ms / ox_ms:.2g} x"
            speedup = float("nan")
        else:
            speedup = rd_ms / ox_ms
            speedups.append(speedup)
            ratio = f"{'>= ' if rd_capped else ''}{speedup:,.0f} x"
        cut = f"> {RDFLIB_CAP_S:.0f} s (cut off)"
        runs = "" if len(ox_runs) == RUNS else f" ({len(ox_runs)} run)"
        same = "" if ox_capped or rd_capped else ("yes" if r["rows"] == ox_rows else f"no (rdflib {r['rows']})")
        rows.append([name, cut if ox_capped else f"{ox_ms:,.1f}{runs}",
                     cut if rd_capped else f"{rd_ms:,.1f} ({len(r['runs'])} run{'s' if len(r['runs']) > 1 else ''})",
                     ratio, "" if ox_rows is None else ox_rows, same])
        verdicts.append(f"{'PASS' if ox_ms < LATENCY_TARGET_MS else 'FAIL'}: {name} on Oxigraph "
                        f"{cut if ox_capped else f'{ox_ms:,.1f} ms'} (target < {LATENCY_TARGET_MS:.0f} ms)")
        verdicts.append(f"{'PASS' if speedup >= SPEEDUP_TARGET else 'FAIL'}: {name} rdflib/Oxigraph {ratio} "
                        f"(target >= {SPEEDUP_TARGET:.0f} x)")
    result = table(["saved query", "Oxigraph ms (median of 5)", "rdflib ms (median)", "speed-up", "rows",
                    "same rows"], rows)
    summary = (f"{docs} synthetic documents; {quads:,} quads in the store ({distinct:,} distinct triples); "
               f"Store.add took {build_s:.0f} s; rdflib parsed the N-Quads in {rd['load_s']:.0f} s (its union "
               f"holds {rd['quads']:,} distinct triples). "
               f"Geometric mean speed-up over the queries Oxigraph finished: "
               f"{statistics.geometric_mean(speedups) if speedups else float('nan'):,.0f} x (an rdflib run that was "
               f"cut off counts at the cap, so its ratio is a lower bound).")
    print("\n" + result + "\n\n" + summary + "\n")
    print("\n".join(verdicts))
    if not args.no_readme:
        body = "\n\n".join([
            "`python bench/query_speed.py` — " + " ".join(__doc__.split("\n\n")[1].split()),
            f"Measured on {where}.", result, summary, "\n".join(f"- {v}" for v in verdicts)])
        write_section("Queries", body)
        print("\nwrote the 'Queries' section of bench/README.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
