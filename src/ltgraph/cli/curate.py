"""Commands that change or check the corpus and the data directory: build, new, add, update,
remove, validate-file, validate, doctor, export-entries."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from ltgraph.cli.base import _fail_cleanly, _service, cli
from ltgraph.errors import ValidationError


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


@cli.command()
@click.pass_context
@_fail_cleanly
def validate(ctx: click.Context) -> None:
    """Check the corpus: format, references and the SHACL shapes. Exit 1 when invalid."""
    problems = _service(ctx).validate()
    if problems:
        raise ValidationError(f"invalid: {len(problems)} problem(s)", problems)
    click.echo("valid")


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


