"""The `ltgraph` command line: thin commands over `ltgraph.service.Service`.

Every `LtgraphError` becomes a one-line message on stderr and exit code 1 (2 for usage
errors, as click does); tracebacks never reach the user.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from pathlib import Path
from typing import Any, Callable

import click

from ltgraph.config import Settings
from ltgraph.errors import LtgraphError, NotFoundError, ValidationError

SPARQL_FORMATS = ("table", "json", "csv", "tsv", "xml", "turtle", "nt", "jsonld")


def _fail_cleanly(func: Callable[..., Any]) -> Callable[..., Any]:
    """Map ltgraph's errors to a one-line message and a non-zero exit."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ValidationError as exc:
            for problem in exc.problems:
                click.echo(problem, err=True)
            raise click.ClickException(str(exc)) from None
        except NotFoundError as exc:
            raise click.ClickException(f"{exc}; `ltgraph list` shows the entries") from None
        except LtgraphError as exc:
            raise click.ClickException(str(exc)) from None
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort, KeyboardInterrupt):
            raise
        except BrokenPipeError:  # `ltgraph … | head`: the reader has gone, as with any Unix tool
            _quiet_exit_on_closed_pipe()
        except Exception as exc:  # a bug: still one line, never a traceback (unless debugging)
            if os.environ.get("LTGRAPH_DEBUG"):
                raise
            raise click.ClickException(f"internal error ({type(exc).__name__}: {exc}); "
                                       "please report it (LTGRAPH_DEBUG=1 shows the traceback)"
                                       ) from None

    return wrapper


def _service(ctx: click.Context) -> Any:
    from ltgraph.service import Service  # keeps `ltgraph --help` fast: no rdflib import

    obj = ctx.find_root().obj
    if "service" not in obj:
        obj["service"] = Service(obj["settings"])
    return obj["service"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Where derived data lives [env LTGRAPH_DATA_DIR; default "
                   "~/.local/share/ltgraph].")
@click.option("--corpus-dir", type=click.Path(file_okay=False, path_type=Path),
              help="The bundled corpus to build from [env LTGRAPH_CORPUS_DIR; default: the "
                   "corpus shipped with ltgraph].")
@click.option("--base-iri", help="Base of minted IRIs [env LTGRAPH_BASE_IRI].")
@click.version_option(package_name="ltgraph")
@click.pass_context
@_fail_cleanly
def cli(ctx: click.Context, data_dir: Path | None, corpus_dir: Path | None,
        base_iri: str | None) -> None:
    """ltgraph: a knowledge graph and semantic search over learning theories.

    Settings come from these options, then LTGRAPH_* environment variables, then defaults.
    """
    ctx.ensure_object(dict)
    ctx.obj["settings"] = Settings.checked(data_dir=data_dir, corpus_dir=corpus_dir,
                                           base_iri=base_iri)


@cli.command()
@click.option("--if-stale", is_flag=True,
              help="Only build when the data directory is missing or older than the corpus.")
@click.pass_context
@_fail_cleanly
def build(ctx: click.Context, if_stale: bool) -> None:
    """Build the graph (and indexes) from the corpus into the data directory.

    Always repairs: the result is a complete, consistent generation, switched in atomically.
    """
    service = _service(ctx)
    if if_stale and not service.is_stale():
        click.echo(f"up to date: {service.settings.data_dir}")
        return
    bar = None

    def progress(stage: str, done: int, total: int) -> None:
        nonlocal bar
        if stage == "embedded":  # the long part: a real progress bar over the passages
            if bar is None:
                bar = click.progressbar(length=total, label="embedding passages", file=sys.stderr)
                bar.__enter__()
            bar.update(done - bar.pos)
            return
        if bar is not None:
            bar.__exit__(None, None, None)
            bar = None
        click.echo(f"{stage} …", err=True)

    report = service.build(progress=progress)
    if bar is not None:
        bar.__exit__(None, None, None)
    click.echo(f"built {report.generation} in {report.seconds:.1f} s: {report.entries} entries, "
               f"{report.researchers} researchers, {report.triples} triples, "
               f"{report.passages} passages -> {service.settings.data_dir}")
    for slug in report.shadowed:
        click.echo(f"note: {slug}: a curator's entry replaces the bundled entry with this id "
                   "(`ltgraph export-entries` gives you the curators' files)", err=True)


def _report_change(report: Any, verb: str) -> None:
    from ltgraph.console import change_summary

    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(change_summary(report, verb))


@cli.command()
@click.argument("name")
@click.option("--type", "type_", type=click.Choice(["theory", "model"]), default="theory",
              show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="File to write [default: ./{slug}.md]. Never overwrites.")
@_fail_cleanly
def new(name: str, type_: str, output: Path | None) -> None:
    """Write a template for a new entry, with guidance comments, ready to edit."""
    from ltgraph.corpus import slugify, template

    text = template(name, type_)
    target = output or Path(f"{slugify(name)}.md")
    try:
        with open(target, "x", encoding="utf-8") as handle:
            handle.write(text)
    except FileExistsError:
        raise click.ClickException(f"{target} already exists; choose another file with -o") from None
    click.echo(f"wrote {target}; edit it, then `ltgraph validate-file {target}` and "
               f"`ltgraph add {target}`")


@cli.command()
@click.argument("files", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--replace", is_flag=True, help="Replace entries that already exist.")
@click.option("--dry-run", is_flag=True, help="Validate and report what would change; write nothing.")
@click.option("--strict", is_flag=True,
              help="Refuse names close to an existing entry's or person's (else a warning).")
@click.pass_context
@_fail_cleanly
def add(ctx: click.Context, files: tuple[Path, ...], replace: bool, dry_run: bool,
        strict: bool) -> None:
    """Add entries from FILES in one transaction (all or nothing), live at once."""
    report = _service(ctx).add(list(files), replace=replace, dry_run=dry_run, strict=strict)
    _report_change(report, "added")


@cli.command()
@click.argument("files", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Validate and report what would change; write nothing.")
@click.option("--strict", is_flag=True,
              help="Refuse names close to an existing entry's or person's (else a warning).")
@click.pass_context
@_fail_cleanly
def update(ctx: click.Context, files: tuple[Path, ...], dry_run: bool, strict: bool) -> None:
    """Replace existing entries from FILES (same as `add --replace`)."""
    report = _service(ctx).add(list(files), replace=True, dry_run=dry_run, strict=strict)
    _report_change(report, "replaced")


@cli.command()
@click.argument("slug")
@click.option("--force", is_flag=True, help="Also remove other entries' links to this one.")
@click.option("--dry-run", is_flag=True, help="Report what would change; write nothing.")
@click.pass_context
@_fail_cleanly
def remove(ctx: click.Context, slug: str, force: bool, dry_run: bool) -> None:
    """Remove an entry with its items, passages, vectors and unreferenced people."""
    report = _service(ctx).remove(slug, force=force, dry_run=dry_run)
    _report_change(report, "removed")


@cli.command("validate-file")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
@_fail_cleanly
def validate_file(ctx: click.Context, files: tuple[Path, ...]) -> None:
    """Check entry files against the format, the live corpus and the shapes (writes nothing)."""
    service = _service(ctx)
    existing = {e.slug for e in service.entries()}
    new = [f for f in files if f.stem not in existing]
    replacing = [f for f in files if f.stem in existing]
    for group, replace in ((new, False), (replacing, True)):
        if group:
            service.add(group, replace=replace, dry_run=True)
    click.echo("valid")


@cli.command()
@click.pass_context
@_fail_cleanly
def doctor(ctx: click.Context) -> None:
    """Check that corpus, graph and indexes agree; say how to repair. Exit 1 on a problem."""
    rows = _service(ctx).doctor()
    for check, ok, detail in rows:
        click.echo(f"{'ok  ' if ok else 'FAIL'}  {check:<15} {detail}")
    if not all(ok for _, ok, _ in rows):
        raise click.ClickException("the data directory needs repair: run `ltgraph build`")


@cli.command("list")
@click.option("--type", "type_", type=click.Choice(["theory", "model"]), help="Only this type.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--markdown", is_flag=True, help="Print a Markdown table (as in the README).")
@click.pass_context
@_fail_cleanly
def list_(ctx: click.Context, type_: str | None, as_json: bool, markdown: bool) -> None:
    """List the entries: slug, type, year, name, researchers."""
    service = _service(ctx)
    entries = service.entries(type_)
    from ltgraph import console

    if markdown:
        click.echo(console.markdown_table(entries), nl=False)
        return
    if as_json:
        click.echo(json.dumps([
            {"id": e.slug, "iri": str(service.iris.entry(e.slug)), "name": e.name,
             "type": e.type, "year": e.year, "researchers": [p.name for p in e.researchers]}
            for e in entries], indent=2, ensure_ascii=False))
        return
    click.echo(console.listing(entries), nl=False)


@cli.command()
@click.argument("slug")
@click.option("--json", "as_json", is_flag=True, help="Print the whole entry as JSON with IRIs.")
@click.pass_context
@_fail_cleanly
def show(ctx: click.Context, slug: str, as_json: bool) -> None:
    """Show one entry."""
    from ltgraph.web.serializers import entry_json

    service = _service(ctx)
    entry = service.entry(slug)
    data = entry_json(entry, service.iris)
    if as_json:
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    from ltgraph.console import entry_text

    click.echo(entry_text(entry, data), nl=False)


@cli.command()
@click.pass_context
@_fail_cleanly
def validate(ctx: click.Context) -> None:
    """Check the corpus: format, references and the SHACL shapes. Exit 1 when invalid."""
    problems = _service(ctx).validate()
    if problems:
        raise ValidationError(f"invalid: {len(problems)} problem(s)", problems)
    click.echo("valid")


@cli.command()
@click.argument("query", required=False)
@click.option("-f", "--file", "file_", type=click.File("r", encoding="utf-8"),
              help="Read the query from a file ('-' for stdin).")
@click.option("--format", "fmt", type=click.Choice(SPARQL_FORMATS), default="table",
              show_default=True, help="Output format; json is W3C SPARQL results JSON.")
@click.pass_context
@_fail_cleanly
def sparql(ctx: click.Context, query: str | None, file_: Any, fmt: str) -> None:
    """Run a SPARQL query (standard prefixes such as ltg:, rdfs:, skos: are predeclared)."""
    from ltgraph.sparql import format_result

    if (query is None) == (file_ is None):
        raise click.UsageError("give a QUERY or -f FILE (exactly one)")
    text = query if query is not None else file_.read()
    result = _service(ctx).sparql(text)
    from ltgraph.rdf.ontology import PREFIXES

    click.echo(format_result(result, fmt, PREFIXES), nl=False)


@cli.command("export-entries")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--overwrite", is_flag=True, help="Replace files of the same name in DIRECTORY.")
@click.pass_context
@_fail_cleanly
def export_entries(ctx: click.Context, directory: Path, overwrite: bool) -> None:
    """Copy the curators' entries (added or changed with `ltgraph add` / `update`) to DIRECTORY.

    For version control and backups: the files are the entries exactly as added, and
    `ltgraph add DIRECTORY/*.md` (or `update`) puts them into another data directory.

    \b
    Example:
      ltgraph export-entries ~/ltgraph-entries && git -C ~/ltgraph-entries add -A
    """
    service = _service(ctx)
    written = service.writer.curated_export(directory, overwrite)
    sources = service.writer.sources()
    click.echo(f"wrote {len(written)} entr{'y' if len(written) == 1 else 'ies'} to {directory}")
    if sources.removed:
        click.echo(f"bundled entries removed by curators (not exported): "
                   f"{', '.join(sorted(sources.removed))}")


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["ttl", "nt", "jsonld", "xml"]), default="ttl",
              show_default=True, help="RDF serialisation.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file instead of stdout.")
@click.pass_context
@_fail_cleanly
def export(ctx: click.Context, fmt: str, output: Path | None) -> None:
    """Export the whole graph (ontology and entries)."""
    data = _service(ctx).export(fmt)
    if output is None:
        click.echo(data.decode("utf-8"), nl=False)
    else:
        output.write_bytes(data)
        click.echo(f"wrote {len(data)} bytes to {output}", err=True)


@cli.command()
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
    """Ask a question in plain language; prints ranked passages and a graph answer."""
    response = _service(ctx).search(question, k=k, theory=theory, kind=kind, type_=type_)
    if as_json:
        click.echo(json.dumps(response, indent=2, ensure_ascii=False))
        return
    from ltgraph.console import search_text

    click.echo(search_text(response, bold=lambda s: click.style(s, bold=True)))


@cli.command("eval")
@click.option("--questions", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("eval/questions.jsonl"), show_default=True,
              help="JSONL file of {q, expected, kind, category} records.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
@_fail_cleanly
def eval_(ctx: click.Context, questions: Path, as_json: bool) -> None:
    """Measure retrieval quality: ltgraph's hybrid search beside keyword-only and dense-only
    (and, for a set with categories, hybrid per category)."""
    from ltgraph.evaluation import evaluate, evaluate_by_category, load_questions

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


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", type=click.IntRange(1, 64), help="Worker processes [default: two per core].")
@click.option("--threads", default=16, show_default=True, type=click.IntRange(2, 256),
              help="Request threads per worker process.")
@click.pass_context
@_fail_cleanly
def serve(ctx: click.Context, host: str, port: int, workers: int | None, threads: int) -> None:
    """Serve the HTTP API, SPARQL endpoint and web pages (waitress, N processes)."""
    from ltgraph.server import serve as run_server

    service = _service(ctx)
    service.datadir.current()  # fail now, with the repair hint, if there is nothing to serve
    try:
        run_server(service.settings, host=host, port=port, workers=workers, threads=threads)
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def _quiet_exit_on_closed_pipe() -> None:
    """Exit with 141 (128 + SIGPIPE) without a message, and without Python complaining at
    shutdown about flushing stdout into the closed pipe."""
    import os
    import sys

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    sys.exit(141)


def main() -> None:
    cli(obj={})
