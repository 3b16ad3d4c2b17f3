"""Loading a million triples into a fresh on-disk store: Yalu's Store API against pyoxigraph's bulk loader.

Synthetic records (``bench/synthetic.py``) whose graphs hold >= 1,000,000 quads are pickled
to a file first. Then, each in a child process of its own (time and peak memory, ``ru_maxrss``,
are the child's):

  (a) ``Store.add`` per document into a fresh on-disk ``graph.store.Store`` (what ``yalu
      ingest`` does after extraction: the document's N-Triples, loaded as N-Quads into its named
      graph and the union copy in one transaction), then ``Store.optimize`` (``yalu ingest``
      compacts the store after a run of 100 documents or more),
  (b) the N-Triples part of (a) alone: ``graph.build.ntriples``, no store,
  (c) the floor: ``pyoxigraph.Store.bulk_load`` of the same quads (an N-Quads dump of (a)).

Prints time, quads/s, peak memory, size on disk and the ratio to the floor, and writes the
"Bulk load" section of ``bench/README.md``.

Run: ``python bench/bulk_load.py`` (``--triples 200000`` for a quick look).
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import machine, read_records, table, write_records, write_section  # noqa: E402


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _size_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20


def child(kind: str, source: str, target: str) -> int:
    """One measurement; prints JSON with seconds, quads, peak memory (MiB) and size on disk (MiB)."""
    if kind == "store":
        from graph.store import Store

        records = read_records(Path(source))
        start = time.perf_counter()
        store = Store(target)
        for extraction in records:
            store.add(extraction)
        store.flush()
        store.optimize()
        seconds = time.perf_counter() - start
        quads = len(store)
        del store
        size = _size_mb(Path(target))
    elif kind == "ntriples":
        from graph.build import ntriples

        records = read_records(Path(source))
        start = time.perf_counter()
        quads = 0
        for extraction in records:
            quads += ntriples(extraction).count("\n")
        seconds = time.perf_counter() - start
        size = 0.0
    else:
        import pyoxigraph as ox  # the floor: Oxigraph's own loader, outside Yalu's Store

        start = time.perf_counter()
        store = ox.Store(target)
        store.bulk_load(path=source, format=ox.RdfFormat.N_QUADS)
        store.flush()
        seconds = time.perf_counter() - start
        quads = len(store)
        del store
        size = _size_mb(Path(target))
    json.dump({"seconds": seconds, "quads": quads, "peak_mb": _peak_mb(), "disk_mb": size}, sys.stdout)
    return 0


def _measure(kind: str, source: Path, target: Path) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", kind, str(source), str(target)], check=True,
                         stdout=subprocess.PIPE, text=True)
    return json.loads(out.stdout)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--no-readme", action="store_true", help="do not write bench/README.md")
    parser.add_argument("--child", nargs=3, metavar=("KIND", "SOURCE", "TARGET"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(*args.child)

    where = machine()
    print(where)
    with tempfile.TemporaryDirectory(prefix="yalu-bulk-") as tmp:
        tmp_path = Path(tmp)
        records = tmp_path / "records.pickle"
        start = time.perf_counter()
        docs, quads = write_records(records, args.triples)
        print(f"generated {docs} documents ({quads:,} quads) in {time.perf_counter() - start:.0f} s")
        store = _measure("store", records, tmp_path / "store")
        print(f"  Store.add: {store['seconds']:.1f} s", flush=True)
        rdf = _measure("ntriples", records, tmp_path / "unused")
        print(f"  graph.build.ntriples: {rdf['seconds']:.1f} s", flush=True)
        import pyoxigraph as ox

        nquads = tmp_path / "store.nq"
        ox.Store.read_only(str(tmp_path / "store")).dump(str(nquads), format=ox.RdfFormat.N_QUADS)
        floor = _measure("bulk", nquads, tmp_path / "bulk")
        print(f"  pyoxigraph bulk_load: {floor['seconds']:.1f} s", flush=True)

    def row(name: str, m: dict) -> list[str]:
        return [name, f"{m['seconds']:.1f}", f"{m['quads'] / m['seconds']:,.0f}", f"{m['peak_mb']:,.0f}",
                f"{m['disk_mb']:,.0f}" if m["disk_mb"] else "-", f"{m['seconds'] / floor['seconds']:.1f} x"]

    result = table(["load (child process each)", "seconds", "quads/s", "peak RSS MiB", "disk MiB", "vs floor"], [
        row(f"Store.add per document ({docs} documents)", store),
        row("  of which N-Triples text (graph.build.ntriples)", rdf),
        row("pyoxigraph bulk_load of the same quads (floor)", floor),
    ])
    share = rdf["seconds"] / store["seconds"]
    summary = (f"{store['quads']:,} quads in the store (ontology included). Store.add is "
               f"{store['seconds'] / floor['seconds']:.1f} x the bulk loader's time; writing the N-Triples text "
               f"is {100 * share:.0f}% of it; Oxigraph parsing, indexing (each triple twice: its document's graph and "
               f"the union copy) and compacting the rest.")
    print("\n" + result + "\n\n" + summary)
    if not args.no_readme:
        body = "\n\n".join(["`python bench/bulk_load.py` — " + " ".join(__doc__.split("\n\n")[1].split()) + " "
                            + " ".join(__doc__.split("\n\n")[2].split()),
                            f"Measured on {where}.", result, summary])
        write_section("Bulk load", body)
        print("\nwrote the 'Bulk load' section of bench/README.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
