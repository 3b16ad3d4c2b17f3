"""Ingestion speed: Yalu end to end against the bare spaCy model it builds on, and --jobs 2 against 1.

A synthetic corpus (``bench/synthetic.py``: ~200 news-like documents of ~150 words written
from templates and the gazetteer's names) is read

  (a) by ``nlp.pipe`` of the same spaCy model, texts only (the floor),
  (b) by Yalu end to end into an in-memory Store (``graph.app.corpus.ingest_texts``): Yalu's
      spaCy components, records, RDF and store writes (extraction runs in a thread beside the
      writes, which overlaps them with the part of spaCy's work that runs without the GIL),
      and the same into an on-disk store (what ``yalu ingest`` writes; reported, the targets
      are judged in memory), and
  (c) by the model of (a) with its attribute ruler matched on arrays and its lemmas kept, as
      Yalu loads it (``ingest/model.py``: the same annotations, sooner); reported, not judged:
      Yalu's time over (c) is what Yalu's own steps cost, and (c) over (a) what it saves
      inside spaCy,

then by Yalu with ``jobs=2`` (spaCy multiprocessing) and with ``--executor dask`` on a local
cluster of two workers (started before the clock). The synthetic texts are dense: every sentence
holds an event, a date and two or three actors. When ``../shared/corpus`` is present, its
articles (real analysis and news, ~3,000 words) are read the same way by (a) and (b), ten copies
each, every copy a new document (a numbered first line): Yalu's own work grows with what a text
holds, so both are reported and both are judged. Models are loaded and warmed before timing.
The runs take turns, one of each per round, and a ratio is the median of the per-round ratios,
so a change in the machine's load (it is shared) hits both sides of a ratio alike.
Prints words/s, the ratios (targets: Yalu <= 1.15 x spaCy's time; jobs 2 >= 1.7 x jobs 1),
a breakdown of one run by step, PASS/FAIL lines, and writes the "Ingestion" section of
``bench/README.md``. When the jobs target is missed it profiles the parent process (cProfile).

Run: ``python bench/ingest_speed.py`` (``--docs 60 --repeats 1`` for a quick look).
"""
from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import logging
import pstats
import statistics
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from synthetic import machine, news_texts, table, write_section  # noqa: E402

from graph.app.corpus import get_nlp, ingest_texts  # noqa: E402
from graph.store import Store  # noqa: E402
from ingest.model import speed_up  # noqa: E402

OVERHEAD_TARGET = 1.15
JOBS_TARGET = 1.7
SHARED_CORPUS = ROOT.parent / "shared" / "corpus"
COPIES = 10


def real_texts(corpus: Path = SHARED_CORPUS, copies: int = COPIES) -> list[str]:
    """The shared corpus's articles, ``copies`` times, each copy a document of its own; [] when absent."""
    articles = [p.read_text(encoding="utf-8") for p in sorted(corpus.glob("*.txt"))] if corpus.is_dir() else []
    return [f"Copy {n}.\n{text}" for n in range(copies) for text in articles]


def _rounds(runs: dict, repeats: int) -> dict[str, list[float]]:
    """Seconds of each run, once per round and in turn, so a change in the machine's load hits all alike."""
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(repeats):
        for name, fn in runs.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return times


def _ratio(times: dict[str, list[float]], slow: str, fast: str) -> float:
    """The median over rounds of slow/fast, each pair measured back to back."""
    return statistics.median(a / b for a, b in zip(times[slow], times[fast]))


def _breakdown(texts: list[str]) -> list[tuple[str, float]]:
    """Seconds per step of one single-process run: each pipeline component, records, RDF, store."""
    from ingest.pipeline import to_records
    from ingest.records import Document

    nlp = get_nlp()
    documents = [Document.from_text(t) for t in texts]
    steps: list[tuple[str, float]] = []
    start = time.perf_counter()
    docs = [nlp.make_doc(t) for t in texts]
    steps.append(("tokenizer", time.perf_counter() - start))
    for name, proc in nlp.pipeline:
        start = time.perf_counter()
        docs = list(proc.pipe(docs, batch_size=16)) if hasattr(proc, "pipe") else [proc(d) for d in docs]
        steps.append((name, time.perf_counter() - start))
    start = time.perf_counter()
    records = [to_records(d, doc) for d, doc in zip(docs, documents)]
    steps.append(("to_records (ingest.pipeline)", time.perf_counter() - start))
    from graph.build import ntriples

    start = time.perf_counter()
    texts_nt = [ntriples(r) for r in records]
    steps.append(("N-Triples (graph.build.ntriples)", time.perf_counter() - start))
    store = Store()
    start = time.perf_counter()
    for r, nt in zip(records, texts_nt):
        store.add(r, prepared=nt)
    steps.append(("Store.add (one N-Quads load per document)", time.perf_counter() - start))
    return steps


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=200)
    parser.add_argument("--words", type=int, default=150)
    parser.add_argument("--repeats", type=int, default=5, help="rounds; each round runs every measurement once")
    parser.add_argument("--no-dask", action="store_true", help="skip the Dask row")
    parser.add_argument("--no-readme", action="store_true", help="do not write bench/README.md")
    args = parser.parse_args(argv)

    where = machine()
    texts = news_texts(args.docs, words=args.words)
    words = sum(len(t.split()) for t in texts)
    print(f"{len(texts)} synthetic documents, {words} words; {where}")

    import spacy

    from ingest.pipeline import default_model

    model = default_model()
    raw = spacy.load(model)
    list(raw.pipe(texts[:8]))
    as_yalu = spacy.load(model)
    speed_up(as_yalu)
    list(as_yalu.pipe(texts[:8]))
    nlp = get_nlp()
    ingest_texts(Store(), texts[:8])  # warm: gazetteer, patterns, ontology
    del nlp

    def on_disk() -> None:
        with tempfile.TemporaryDirectory(prefix="yalu-bench-") as tmp:
            ingest_texts(Store(Path(tmp) / "store"), texts)

    runs = {"spacy": lambda: list(raw.pipe(texts, batch_size=16)), "yalu": lambda: ingest_texts(Store(), texts),
            "as_yalu": lambda: list(as_yalu.pipe(texts, batch_size=16)),
            "disk": on_disk, "jobs2": lambda: ingest_texts(Store(), texts, jobs=2)}
    articles = real_texts()
    real_words = sum(len(t.split()) for t in articles)
    if articles:
        runs["spacy_real"] = lambda: list(raw.pipe(articles, batch_size=16))
        runs["yalu_real"] = lambda: ingest_texts(Store(), articles)
    else:
        print(f"skipping the real-article rows ({SHARED_CORPUS} is absent)")
    with contextlib.ExitStack() as stack:
        try:
            import distributed
        except ImportError:
            distributed = None
        if distributed is None or args.no_dask:
            print("skipping the Dask row" + (" (dask not installed)" if distributed is None else ""))
        else:
            cluster = stack.enter_context(distributed.LocalCluster(
                n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=logging.ERROR))
            address = cluster.scheduler_address
            ingest_texts(Store(), texts[:8], executor="dask", scheduler=address)  # workers load the model
            runs["dask"] = lambda: ingest_texts(Store(), texts, executor="dask", scheduler=address)
        times = _rounds(runs, args.repeats)
    t_spacy, t_yalu, t_disk, t_jobs2, t_as_yalu = (statistics.median(times[k])
                                                   for k in ("spacy", "yalu", "disk", "jobs2", "as_yalu"))
    t_dask = statistics.median(times["dask"]) if "dask" in times else None
    overhead, speedup = _ratio(times, "yalu", "spacy"), _ratio(times, "yalu", "jobs2")
    disk_overhead = _ratio(times, "disk", "spacy")
    own_overhead = _ratio(times, "yalu", "as_yalu")

    rows = [
        [f"spaCy `nlp.pipe` ({model}), texts only", f"{t_spacy:.2f}", f"{words / t_spacy:,.0f}", "1.00 (floor)"],
        ["spaCy `nlp.pipe`, texts only, as Yalu loads the model (c)", f"{t_as_yalu:.2f}",
         f"{words / t_as_yalu:,.0f}", f"{_ratio(times, 'as_yalu', 'spacy'):.2f} x spaCy"],
        ["Yalu end to end, jobs=1", f"{t_yalu:.2f}", f"{words / t_yalu:,.0f}",
         f"{overhead:.2f} x spaCy; {own_overhead:.2f} x (c)"],
        ["Yalu end to end, jobs=1, on-disk store", f"{t_disk:.2f}", f"{words / t_disk:,.0f}",
         f"{disk_overhead:.2f} x spaCy"],
        ["Yalu end to end, jobs=2", f"{t_jobs2:.2f}", f"{words / t_jobs2:,.0f}",
         f"{speedup:.2f} x faster than jobs=1"],
    ]
    if t_dask is not None:
        rows.append(["Yalu, --executor dask, 2 local workers", f"{t_dask:.2f}", f"{words / t_dask:,.0f}",
                     f"{_ratio(times, 'yalu', 'dask'):.2f} x faster than jobs=1"])
    real_overhead = None
    if "yalu_real" in times:
        t_spacy_real, t_yalu_real = (statistics.median(times[k]) for k in ("spacy_real", "yalu_real"))
        real_overhead = _ratio(times, "yalu_real", "spacy_real")
        rows += [
            [f"shared corpus articles x {COPIES}: spaCy `nlp.pipe`, texts only", f"{t_spacy_real:.2f}",
             f"{real_words / t_spacy_real:,.0f}", "1.00 (floor)"],
            [f"shared corpus articles x {COPIES}: Yalu end to end, jobs=1", f"{t_yalu_real:.2f}",
             f"{real_words / t_yalu_real:,.0f}", f"{real_overhead:.2f} x spaCy"],
        ]
    result = table(["run", "seconds (median)", "words/s", "ratio (median of per-round ratios)"], rows)
    print("\n" + result)

    steps = _breakdown(texts)
    total = sum(s for _, s in steps)
    step_rows = [[name, f"{s:.2f}", f"{100 * s / total:.0f}%"] for name, s in steps]
    breakdown = table(["step (one run, one process)", "seconds", "share"], step_rows)
    print("\n" + breakdown)

    verdicts = [
        f"{'PASS' if overhead <= OVERHEAD_TARGET else 'FAIL'}: on the synthetic texts Yalu takes {overhead:.2f} x "
        f"spaCy's time (target <= {OVERHEAD_TARGET})",
        *([f"{'PASS' if real_overhead <= OVERHEAD_TARGET else 'FAIL'}: on the shared corpus's articles Yalu takes "
           f"{real_overhead:.2f} x spaCy's time (target <= {OVERHEAD_TARGET})"] if real_overhead is not None else []),
        f"{'PASS' if speedup >= JOBS_TARGET else 'FAIL'}: jobs=2 is {speedup:.3f} x jobs=1 (target >= {JOBS_TARGET})",
        f"info: into an on-disk store Yalu takes {disk_overhead:.2f} x spaCy's time",
        f"info: Yalu's own steps: Yalu takes {own_overhead:.2f} x the time of the model as Yalu loads it (c)",
    ]
    profile = ""
    if speedup < JOBS_TARGET:
        prof = cProfile.Profile()
        prof.enable()
        ingest_texts(Store(), texts, jobs=2)
        prof.disable()
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(12)
        text = out.getvalue().replace(sysconfig.get_paths()["purelib"] + "/", "").replace(str(ROOT) + "/", "")
        profile = "\n".join(line for line in text.splitlines()
                            if line.strip() and not line.startswith(("   Ordered", "   List reduced")))
        print("\nparent process of a jobs=2 run (cProfile, by own time):\n" + profile)
    print()
    print("\n".join(verdicts))

    if not args.no_readme:
        body = "\n\n".join([
            "`python bench/ingest_speed.py` — " + " ".join(" ".join(__doc__.split("\n\n")[1:4]).split()),
            f"Measured on {where}; {len(texts)} synthetic documents, {words} words"
            + (f"; {len(articles)} article copies, {real_words} words" if articles else "")
            + f"; {args.repeats} rounds.",
            result, breakdown, "\n".join(f"- {v}" for v in verdicts),
            *([f"Parent process of a jobs=2 run (cProfile, top functions by own time):\n\n```\n{profile}\n```"]
              if profile else []),
        ])
        write_section("Ingestion", body)
        print("\nwrote the 'Ingestion' section of bench/README.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
