"""Commands that read: list, show, search, sparql, export, eval, serve."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from ltgraph.cli.base import _fail_cleanly, _live_entries, _service, cli
from ltgraph.errors import NotFoundError

SPARQL_FORMATS = ("table", "json", "csv", "tsv", "xml", "turtle", "nt", "jsonld")


@cli.command("list", short_help='List the entries.')
@click.option("--type", "type_", type=click.Choice(["theory", "model"]), help="Only this type.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--markdown", is_flag=True, help="Print a Markdown table (as in the README).")
@click.pass_context
@_fail_cleanly
def list_(ctx: click.Context, type_: str | None, as_json: bool, markdown: bool) -> None:
    """List the entries: slug, type, year, name, researchers.

    \b
    Example:
      ltgraph list --type model --json
    """
    settings = ctx.find_root().obj["settings"]
    entries = [e for e in _live_entries(ctx) if type_ is None or e.type == type_]
    from ltgraph import console

    if markdown:
        click.echo(console.markdown_table(entries), nl=False)
        return
    if as_json:
        click.echo(json.dumps([
            {"id": e.slug, "iri": f"{settings.base_iri}id/theory/{e.slug}", "name": e.name,
             "type": e.type, "year": e.year, "researchers": [p.name for p in e.researchers]}
            for e in entries], indent=2, ensure_ascii=False))
        return
    click.echo(console.listing(entries), nl=False)


@cli.command(short_help='Show one entry.')
@click.argument("slug")
@click.option("--json", "as_json", is_flag=True, help="Print the whole entry as JSON with IRIs.")
@click.pass_context
@_fail_cleanly
def show(ctx: click.Context, slug: str, as_json: bool) -> None:
    """Show one entry.

    \b
    Example:
      ltgraph show connectivism --json
    """
    from ltgraph.rdf.iris import Iris
    from ltgraph.web.serializers import entry_json

    settings = ctx.find_root().obj["settings"]
    entry = next((e for e in _live_entries(ctx) if e.slug == slug), None)
    if entry is None:
        raise NotFoundError(f"no entry {slug!r}")
    data = entry_json(entry, Iris(settings.base_iri))
    if as_json:
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    from ltgraph.console import entry_text

    click.echo(entry_text(entry, data), nl=False)


@cli.command(short_help='Run a read-only SPARQL query.')
@click.argument("query", required=False)
@click.option("-f", "--file", "file_", type=click.File("r", encoding="utf-8"),
              help="Read the query from a file ('-' for stdin).")
@click.option("--format", "fmt", type=click.Choice(SPARQL_FORMATS), default="table",
              show_default=True, help="Output format; json is W3C SPARQL results JSON.")
@click.pass_context
@_fail_cleanly
def sparql(ctx: click.Context, query: str | None, file_: Any, fmt: str) -> None:
    """Run a SPARQL query (standard prefixes such as ltg:, rdfs:, skos: are predeclared).

    \b
    Example:
      ltgraph sparql 'SELECT ?e WHERE { ?e a ltg:LearningTheory }' --format csv
    """
    from ltgraph.sparql import format_result

    if (query is None) == (file_ is None):
        raise click.UsageError("give a QUERY or -f FILE (exactly one)")
    text = query if query is not None else file_.read()
    result = _service(ctx).sparql(text)
    from ltgraph.rdf.ontology import PREFIXES

    click.echo(format_result(result, fmt, PREFIXES), nl=False)


@cli.command(short_help='Export the whole graph as RDF.')
@click.option("--format", "fmt", type=click.Choice(["ttl", "nt", "jsonld", "xml"]), default="ttl",
              show_default=True, help="RDF serialisation.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file instead of stdout.")
@click.pass_context
@_fail_cleanly
def export(ctx: click.Context, fmt: str, output: Path | None) -> None:
    """Export the whole graph (ontology and entries).

    \b
    Example:
      ltgraph export --format jsonld -o ltgraph.jsonld
    """
    data = _service(ctx).export(fmt)
    if output is None:
        click.echo(data.decode("utf-8"), nl=False)
    else:
        output.write_bytes(data)
        click.echo(f"wrote {len(data)} bytes to {output}", err=True)


@cli.command(short_help='Ask a question in plain language.')
@click.argument("question")
@click.option("-k", "--k", "k", default=10, show_default=True, type=int, help="Number of results (1-100).")
@click.option("--theory", help="Only passages of this entry (slug).")
@click.option("--kind", help="Only this kind: overview, researcher, concept, implication, "
                             "strength, limitation, network.")
@click.option("--type", "type_", help="Only entries of this type: theory or model.")
@click.option("--json", "as_json", is_flag=True, help="Print the full JSON response.")
@click.pass_context
@_fail_cleanly
def search(ctx: click.Context, question: str, k: int, theory: str | None, kind: str | None,
           type_: str | None, as_json: bool) -> None:
    """Ask a question in plain language; prints ranked passages and a graph answer.

    \b
    Example:
      ltgraph search "who developed connectivism" -k 3
    """
    response = _service(ctx).search(question, k=k, theory=theory, kind=kind, type_=type_)
    if as_json:
        click.echo(json.dumps(response, indent=2, ensure_ascii=False))
        return
    from ltgraph.console import search_text

    click.echo(search_text(response, bold=lambda s: click.style(s, bold=True)))


@cli.command("eval", short_help='Measure retrieval quality on a question set.')
@click.option("--questions", type=click.Path(dir_okay=False, path_type=Path),
              help="JSONL file of {q, expected, kind, category} records, or the name of a "
              "shipped set: questions (default), heldout, test, everyday, situations, passages.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
@_fail_cleanly
def eval_(ctx: click.Context, questions: Path | None, as_json: bool) -> None:
    """Measure retrieval quality: ltgraph's hybrid search beside keyword-only and dense-only
    (and, for a set with categories, hybrid per category).

    \b
    Example:
      ltgraph eval --questions eval/heldout.jsonl
    """
    from ltgraph.config import eval_dir
    from ltgraph.evaluation import evaluate, evaluate_by_category, load_questions

    if questions is None or (not questions.exists() and questions.suffix == ""
                             and (eval_dir() / f"{questions}.jsonl").is_file()):
        questions = eval_dir() / f"{questions or 'questions'}.jsonl"
    service = _service(ctx)
    qs = load_questions(questions)
    search = lambda q, mode: service.search(q, k=10, mode=mode)["results"]  # noqa: E731
    report: dict[str, Any] = {mode: evaluate(qs, search, mode) for mode in ("hybrid", "keyword", "dense")}
    if any(q.category for q in qs):
        report["hybrid_by_category"] = evaluate_by_category(qs, search, "hybrid")
    if as_json:
        click.echo(json.dumps(report, indent=2))
        return
    from ltgraph.console import eval_table

    click.echo(f"{len(qs)} questions from {questions}")
    click.echo(eval_table(report), nl=False)


@cli.command(short_help='Serve the web pages, JSON API and SPARQL.')
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", type=click.IntRange(1, 64), help="Worker processes [default: two per core].")
@click.option("--threads", default=16, show_default=True, type=click.IntRange(2, 256),
              help="Request threads per worker process.")
@click.pass_context
@_fail_cleanly
def serve(ctx: click.Context, host: str, port: int, workers: int | None, threads: int) -> None:
    """Serve the HTTP API, SPARQL endpoint and web pages (waitress, N processes).

    \b
    Example:
      ltgraph serve --port 8080 --workers 2
    """
    from ltgraph.server import serve as run_server

    service = _service(ctx)
    # fail now, with the repair hint, if there is nothing to serve (a stateless reader: nothing
    # in PostgreSQL; else: nothing in the data directory)
    if service.settings.index_url:
        from ltgraph.store.pg_index import EMPTY, live_name

        if live_name(service.settings.index_url) is None:
            raise click.ClickException(EMPTY)
    else:
        service.datadir.current()
    try:
        run_server(service.settings, host=host, port=port, workers=workers, threads=threads)
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


