"""Commands that change or check the corpus and the data directory: build, new, add, update,
remove, validate-file, validate, doctor, export-entries."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from ltgraph.cli.base import _fail_cleanly, _service, cli
from ltgraph.errors import LtgraphError, ValidationError
from ltgraph.words import counted


@cli.command(short_help='Build graph and indexes from the corpus.')
@click.option("--if-stale", is_flag=True,
              help="Only build when the data directory is missing or older than the corpus.")
@click.pass_context
@_fail_cleanly
def build(ctx: click.Context, if_stale: bool) -> None:
    """Build the graph (and indexes) from the corpus into the data directory.

    Always repairs: the result is a complete, consistent generation, switched in atomically.

    \b
    Example:
      ltgraph build --if-stale
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


@cli.command(short_help='Write a template for a new entry.')
@click.argument("name")
@click.option("--type", "type_", type=click.Choice(["theory", "model"]), default="theory",
              show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="File to write [default: ./{slug}.md]. Never overwrites.")
@_fail_cleanly
def new(name: str, type_: str, output: Path | None) -> None:
    """Write a template for a new entry, with guidance comments, ready to edit.

    \b
    Example:
      ltgraph new "Gamification" --type model
    """
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


@cli.command(short_help='Add entries from files (one change).')
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
    """Add entries from FILES in one transaction (all or nothing), live at once.

    \b
    Example:
      ltgraph add gamification.md --dry-run
    """
    report = _service(ctx).add(list(files), replace=replace, dry_run=dry_run, strict=strict)
    _report_change(report, "added")


@cli.command(short_help='Replace entries from edited files.')
@click.argument("files", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Validate and report what would change; write nothing.")
@click.option("--strict", is_flag=True,
              help="Refuse names close to an existing entry's or person's (else a warning).")
@click.pass_context
@_fail_cleanly
def update(ctx: click.Context, files: tuple[Path, ...], dry_run: bool, strict: bool) -> None:
    """Replace existing entries from FILES (same as `add --replace`).

    \b
    Example:
      ltgraph update gamification.md
    """
    report = _service(ctx).add(list(files), replace=True, dry_run=dry_run, strict=strict)
    _report_change(report, "replaced")


@cli.command(short_help='Remove an entry and what only it states.')
@click.argument("slug")
@click.option("--force", is_flag=True, help="Also remove other entries' links to this one.")
@click.option("--dry-run", is_flag=True, help="Report what would change; write nothing.")
@click.pass_context
@_fail_cleanly
def remove(ctx: click.Context, slug: str, force: bool, dry_run: bool) -> None:
    """Remove an entry with its items, passages, vectors and unreferenced people.

    \b
    Example:
      ltgraph remove gamification --dry-run
    """
    report = _service(ctx).remove(slug, force=force, dry_run=dry_run)
    _report_change(report, "removed")


@cli.command("validate-file", short_help="Check entry files without writing anything.")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="json: {valid, problems: [{file, line, message}], …} "
              "for editors and CI.")
@click.pass_context
@_fail_cleanly
def validate_file(ctx: click.Context, files: tuple[Path, ...], fmt: str) -> None:
    """Check entry FILES as one change — format, references, people, SHACL — against the
    live corpus, writing nothing. Each file counts as new or as replacing an entry by the id
    it declares. Every problem is listed, in file and line order.

    \b
    Example:
      ltgraph validate-file gamification.md flipped-classroom.md
    """
    service = _service(ctx)
    try:
        report = service.add(list(files), replace=None, dry_run=True)
    except (ValidationError, LtgraphError) as exc:
        if fmt != "json":
            raise
        problems = getattr(exc, "problems", None) or [str(exc)]
        click.echo(json.dumps({"valid": False, "problems": [_located(p) for p in problems]},
                              indent=2, ensure_ascii=False))
        ctx.exit(1)
    if fmt == "json":
        click.echo(json.dumps({"valid": True, "new": report.added, "replacing": report.replaced,
                               "warnings": report.warnings}, indent=2, ensure_ascii=False))
        return
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    parts = [f"{label} {', '.join(slugs)}" for label, slugs in
             (("new:", report.added), ("replacing:", report.replaced)) if slugs]
    click.echo("valid" + (f" ({'; '.join(parts)})" if parts else ""))


def _located(problem: str) -> dict[str, Any]:
    """`file:line: message` as {file, line, message} (line None when there is none)."""
    import re

    match = re.match(r"^(.+?):(\d+): (.*)$", problem, re.S)
    if match:
        return {"file": match.group(1), "line": int(match.group(2)), "message": match.group(3)}
    return {"file": None, "line": None, "message": problem}


@cli.command(short_help='Check that corpus, graph and indexes agree.')
@click.pass_context
@_fail_cleanly
def doctor(ctx: click.Context) -> None:
    """Check that corpus, graph and indexes agree; say how to repair. Exit 1 on a problem.

    \b
    Example:
      ltgraph doctor
    """
    rows = _service(ctx).doctor()
    for check, ok, detail in rows:
        click.echo(f"{'ok  ' if ok else 'FAIL'}  {check:<15} {detail}")
    if not all(ok for _, ok, _ in rows):
        raise click.ClickException("the data directory needs repair: run `ltgraph build`")


@cli.command(short_help="Copy the live data to the servers, or back from them.")
@click.option("--to-server", "to_server", is_flag=True,
              help="Replace what the servers hold with this data directory's live generation.")
@click.option("--from-server", "from_server", is_flag=True,
              help="Make this data directory hold PostgreSQL's live entries (then rebuild).")
@click.pass_context
@_fail_cleanly
def migrate(ctx: click.Context, to_server: bool, from_server: bool) -> None:
    """Copy the data directory's live generation to the servers (LTGRAPH_GRAPH_URL: every named
    graph, in one SPARQL Update, replacing what it held; LTGRAPH_INDEX_URL: the generation, in
    one transaction), or back: the entries PostgreSQL serves become this data directory's
    (those that differ from the bundled corpus as curators' entries) and it is rebuilt.

    \b
    Example:
      LTGRAPH_GRAPH_URL=http://127.0.0.1:7878 ltgraph migrate --to-server
      LTGRAPH_INDEX_URL=postgresql://ltgraph@db/ltgraph ltgraph migrate --from-server
    """
    if to_server == from_server:
        raise click.UsageError("say which way: --to-server or --from-server")
    service = _service(ctx)
    if to_server:
        result = service.migrate_to_server()
        click.echo(f"servers: {counted(result.get('replaced', 0), 'named graph')} written to the "
                   "graph server")
        return
    moved = service.migrate_from_server()
    click.echo(f"data directory: {counted(len(moved['added or changed']), 'entry')} added or "
               f"changed, {counted(len(moved['removed']), 'entry')} of the bundled corpus removed, "
               "rebuilt")


@cli.command(short_help='Check the whole corpus (format, links, SHACL).')
@click.pass_context
@_fail_cleanly
def validate(ctx: click.Context) -> None:
    """Check the corpus: format, references and the SHACL shapes. Exit 1 when invalid.

    \b
    Example:
      ltgraph validate
    """
    problems = _service(ctx).validate()
    if problems:
        raise ValidationError(f"invalid: {counted(len(problems), 'problem')}", problems)
    click.echo("valid")


@cli.command("export-entries", short_help="Copy the curators' entry files out.")
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


