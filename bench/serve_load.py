"""``yalu serve`` under load, against ``oxigraph serve-read-only`` on the same store, in one run.

Builds an on-disk store from synthetic records (``bench/synthetic.py``), closes it, and starts
both servers on it on loopback ports: ``yalu --store S serve`` (the CLI, as a user starts it;
time limit ``--timeout``) and ``oxigraph serve-read-only`` (PyPI ``oxigraph``). Then, server
after server, each load (mix x clients) runs for ``--seconds`` or ``--requests`` requests,
whichever ends first. A client is a keep-alive HTTP/1.1 connection sending GET /sparql
queries one after another (JSON results); the clients are split over two processes so that the
load generator is not the bottleneck on two cores. Mixes (queries in ``bench/serve_queries/``):

- light: a count, the meetings with their dates, fifty person labels, in turn;
- mixed: two light queries for every heavy one (a cartesian product cut at 10,000 rows);
- heavy: heavy queries only;
- over-limit (Yalu only: Oxigraph has no time limit): the light clients, plus two clients
  sending a query that cannot finish within the time limit, to see it get 503 while the light
  queries do not wait for it.

Prints, per load and server, throughput, p50/p99 latency of all and of the light queries,
failures (any status but 200, per query kind), and Yalu's ratios to Oxigraph; with
``--write`` the "SPARQL endpoint under load" section of ``bench/README.md``.

Run: ``python bench/serve_load.py`` (about three minutes on a busy two-core machine).
"""
from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import machine, stories, table, write_section  # noqa: E402

from graph.store import Store  # noqa: E402

QUERIES = Path(__file__).resolve().parent / "serve_queries"
BIN = Path(sys.executable).parent
MIXES = {
    "light": ["light-count", "light-meetings", "light-people"],
    "mixed": ["light-count", "light-people", "heavy-product", "light-meetings", "light-people", "heavy-product"],
    "heavy": ["heavy-product"],
}
SLOW_CLIENTS = 2


def build(path: Path, documents: int) -> int:
    store = Store(path)
    for _, extraction in stories(documents):
        store.add(extraction)
    store.flush()
    quads = len(store)
    del store
    return quads


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(command: list[str], url: str) -> subprocess.Popen:
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    probe = url + "/query?" + urllib.parse.urlencode({"query": "ASK {}"})
    for _ in range(300):
        try:
            with urllib.request.urlopen(probe, timeout=5):
                return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"{command[0]} did not answer at {url}")


async def _client(host: str, port: int, targets: list[tuple[str, bytes]], stop: float, budget: list[int],
                  out: list[tuple[str, int, float]], offset: int) -> None:
    reader = writer = None
    i = offset
    while time.monotonic() < stop and budget[0] > 0:
        budget[0] -= 1
        kind, request = targets[i % len(targets)]
        i += 1
        began = time.monotonic()
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection(host, port)
            writer.write(request)
            status, close = await _response(reader)
        except (OSError, asyncio.IncompleteReadError, ValueError):
            status, close = 0, True
        out.append((kind, status, time.monotonic() - began))
        if close and writer is not None:
            writer.close()
            reader = writer = None


async def _response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """Read one response; its status and whether the server closes the connection."""
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
    status = int(head[0].split()[1])
    fields = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in head[1:] if h)}
    if fields.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    else:
        await reader.readexactly(int(fields.get("content-length", 0)))
    return status, fields.get("connection", "").lower() == "close"


def _requests(host: str, port: int, path: str, names: list[str]) -> list[tuple[str, bytes]]:
    out = []
    for name in names:
        query = urllib.parse.urlencode({"query": (QUERIES / f"{name}.rq").read_text(encoding="utf-8")})
        out.append((name.split("-")[0], (f"GET {path}?{query} HTTP/1.1\r\nHost: {host}:{port}\r\n"
                                         "Accept: application/sparql-results+json\r\n\r\n").encode()))
    return out


def _process(args: tuple) -> list[tuple[str, int, float]]:
    host, port, path, clients, seconds, requests = args
    out: list[tuple[str, int, float]] = []
    budget = [requests]

    async def run() -> None:
        stop = time.monotonic() + seconds
        await asyncio.gather(*(_client(host, port, _requests(host, port, path, names), stop, budget, out, offset)
                               for offset, names in clients))

    asyncio.run(run())
    return out


def load(url: str, path: str, mix: str, clients: int, *, seconds: float, requests: int, slow: int = 0,
         pool=None) -> dict:
    """One load against one server: its figures."""
    host, port = url.split("//")[1].split(":")
    each = [(k, MIXES[mix]) for k in range(clients)] + [(0, ["over-limit"])] * slow
    halves = [each[0::2], each[1::2]]
    began = time.monotonic()
    parts = pool.map(_process, [(host, int(port), path, half, seconds, requests // 2) for half in halves if half])
    wall = time.monotonic() - began
    done = [r for part in parts for r in part]
    return figures(done, wall)


def figures(done: list[tuple[str, int, float]], wall: float) -> dict:
    def pct(values: list[float], q: float) -> float:
        values = sorted(values)
        return values[min(len(values) - 1, int(q * len(values)))] * 1000 if values else float("nan")

    light = [t for kind, status, t in done if kind == "light" and status == 200]
    ok = [t for _, status, t in done if status == 200]
    failed = Counter(f"{kind} {status}" for kind, status, _ in done if status != 200)
    return {"n": len(done), "rps": len([1 for _, s, _ in done if s == 200 or s == 503]) / wall,
            "p50": pct(ok, 0.5), "p99": pct(ok, 0.99), "light_p50": pct(light, 0.5), "light_p99": pct(light, 0.99),
            "failed": ", ".join(f"{k}: {v}" for k, v in sorted(failed.items())) or "none"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--documents", type=int, default=300, help="synthetic documents in the store")
    parser.add_argument("--seconds", type=float, default=3.0, help="longest a load runs")
    parser.add_argument("--requests", type=int, default=3000, help="most requests a load sends")
    parser.add_argument("--timeout", type=float, default=10.0, help="yalu serve --timeout")
    parser.add_argument("--clients", default="1,10,30,50")
    parser.add_argument("--write", action="store_true", help="write the section of bench/README.md")
    args = parser.parse_args(argv)
    counts = [int(c) for c in args.clients.split(",")]
    oxigraph = shutil.which("oxigraph", path=str(BIN)) or shutil.which("oxigraph")
    if oxigraph is None:
        print("the oxigraph executable (PyPI package `oxigraph`) is not installed", file=sys.stderr)
        return 2
    where = machine()
    root = Path(tempfile.mkdtemp(prefix="yalu-serve-load-"))
    procs: list[subprocess.Popen] = []
    try:
        store = root / "store"
        quads = build(store, args.documents)
        yalu_url = f"http://127.0.0.1:{free_port()}"
        procs.append(start([str(BIN / "yalu"), "--store", str(store), "serve", "--port", yalu_url.rsplit(":", 1)[1],
                            "--timeout", str(args.timeout), "--html", str(QUERIES / "light-count.rq")], yalu_url))
        ox_url = f"http://127.0.0.1:{free_port()}"
        procs.append(start([oxigraph, "serve-read-only", "--location", str(store), "--bind", ox_url.split("//")[1]],
                           ox_url))
        servers = {"yalu serve": (yalu_url, "/sparql"), "oxigraph serve": (ox_url, "/query")}
        loads = [(mix, n, 0) for mix in MIXES for n in counts] + [("light", 30, SLOW_CLIENTS)]
        rows, results = [], {}
        ctx = mp.get_context("fork")
        with ctx.Pool(2) as pool:
            for name, (url, path) in servers.items():  # warm up: every query, and the pool grown to 50 workers
                load(url, path, "mixed", 50, seconds=5, requests=100, pool=pool)
            for mix, n, slow in loads:
                for name, (url, path) in servers.items():
                    if slow and name != "yalu serve":
                        continue
                    got = load(url, path, mix, n, seconds=args.seconds, requests=args.requests, slow=slow, pool=pool)
                    results[name, mix, n, slow] = got
                    label = f"{mix} + {slow} over-limit" if slow else mix
                    rows.append([label, n, name, got["n"], f"{got['rps']:.0f}", f"{got['p50']:.0f}",
                                 f"{got['p99']:.0f}", f"{got['light_p99']:.0f}", got["failed"]])
                    print(" | ".join(map(str, rows[-1])), flush=True)
        ratios = []
        for mix, n, slow in loads:
            if slow:
                continue
            y, o = results["yalu serve", mix, n, 0], results["oxigraph serve", mix, n, 0]
            ratios.append([mix, n, f"{y['rps'] / o['rps']:.2f}", f"{y['p99'] / o['p99']:.2f}"])
        light30, over = results["yalu serve", "light", 30, 0], results["yalu serve", "light", 30, SLOW_CLIENTS]
        mixed30 = results["yalu serve", "mixed", 30, 0]
        summary = (f"Light queries' p99 at 30 clients: {light30['light_p99']:.0f} ms alone, "
                   f"{mixed30['light_p99']:.0f} ms in the mixed load ({mixed30['light_p99'] / light30['light_p99']:.2f} x), "
                   f"{over['light_p99']:.0f} ms beside {SLOW_CLIENTS} clients sending over-limit queries "
                   f"({over['light_p99'] / light30['light_p99']:.2f} x).")
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=30)
        shutil.rmtree(root, ignore_errors=True)
    body = "\n\n".join([
        __doc__.split("\n\n", 1)[1].split("\n\nRun:")[0],
        f"Measured on {where}; {args.documents} synthetic documents, {quads:,} quads; yalu serve --timeout "
        f"{args.timeout:g} (its default: up to 32 query workers, 4 started); each load {args.seconds:g} s or {args.requests} requests.",
        table(["load", "clients", "server", "requests", "answers/s", "p50 ms", "p99 ms", "light p99 ms", "failed"], rows),
        "Yalu over Oxigraph, same run:\n\n" + table(["mix", "clients", "throughput ratio", "p99 ratio"], ratios),
        summary])
    print("\n" + body)
    if args.write:
        write_section("SPARQL endpoint under load", body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
