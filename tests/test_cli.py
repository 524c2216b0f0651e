from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Graph

from ltgraph.cli import cli

from .conftest import entry_text

pytestmark = pytest.mark.backends  # each test on the embedded store and on the servers

QUERY = ("SELECT ?name WHERE { <https://w3id.org/ltgraph/id/theory/alpha-theory> "
         "ltg:developedBy ?p . ?p rdfs:label ?name } ORDER BY ?name")


@pytest.fixture
def built(run):
    result = run("build")
    assert result.exit_code == 0, result.output
    return run


def test_build_prints_a_summary_of_counts(run) -> None:
    result = run("build")
    assert result.exit_code == 0, result.output
    assert "2 entries, 3 researchers" in result.output
    assert "passages" in result.output


def test_build_if_stale_skips_when_up_to_date_and_rebuilds_after_a_change(built, tiny_corpus) -> None:
    assert "up to date" in built("build", "--if-stale").output
    path = tiny_corpus / "beta-model.md"
    path.write_text(path.read_text().replace("five-step process", "six-step process"))
    assert "built" in built("build", "--if-stale").output


def test_data_dir_comes_from_the_environment(tmp_path: Path, tiny_corpus: Path, monkeypatch) -> None:
    monkeypatch.setenv("LTGRAPH_DATA_DIR", str(tmp_path / "envdata"))
    result = CliRunner().invoke(cli, ["--corpus-dir", str(tiny_corpus), "build"], obj={})
    assert result.exit_code == 0, result.output
    assert (tmp_path / "envdata" / "CURRENT").is_file()


def test_list_and_show(built) -> None:
    listed = json.loads(built("list", "--json").output)
    assert [e["id"] for e in listed] == ["alpha-theory", "beta-model"]
    assert built("list", "--type", "model").output.startswith("beta-model")
    shown = json.loads(built("show", "alpha-theory", "--json").output)
    assert shown["iri"] == "https://w3id.org/ltgraph/id/theory/alpha-theory"
    assert shown["implications"][0]["tools"] == ["Padlet", "Trello"]
    assert "Alpha Theory (theory, 1999)" in built("show", "alpha-theory").output


def test_show_unknown_slug_is_a_clean_error(built) -> None:
    result = built("show", "nowhere")
    assert result.exit_code == 1
    assert "no entry 'nowhere'" in result.output
    assert "Traceback" not in result.output


def test_commands_before_build_say_to_build(run) -> None:
    result = run("list")
    assert result.exit_code == 1 and "run `ltgraph build` first" in result.output


def test_sparql_formats(built) -> None:
    table = built("sparql", QUERY).output
    assert "Ada Example" in table and "John Dewey" in table and "(2 rows)" in table
    data = json.loads(built("sparql", QUERY, "--format", "json").output)
    assert [b["name"]["value"] for b in data["results"]["bindings"]] == ["Ada Example", "John Dewey"]
    rows = list(csv.reader(io.StringIO(built("sparql", QUERY, "--format", "csv").output)))
    assert rows == [["name"], ["Ada Example"], ["John Dewey"]]
    assert built("sparql", QUERY, "--format", "tsv").output.splitlines()[0] == "?name"
    ask = built("sparql", "ASK { ?s a ltg:LearningTheory }")
    assert ask.output.strip() == "true"
    turtle = built("sparql", "CONSTRUCT { ?e rdfs:label ?l } WHERE { ?e a ltg:Entry ; rdfs:label ?l }",
                   "--format", "turtle").output
    assert len(Graph().parse(data=turtle, format="turtle")) == 0  # ltg:Entry is never asserted
    turtle = built("sparql", "CONSTRUCT { ?e rdfs:label ?l } WHERE { ?e a ltg:LearningTheory ; rdfs:label ?l }",
                   "--format", "turtle").output
    assert len(Graph().parse(data=turtle, format="turtle")) == 1


def test_sparql_from_file_and_bad_syntax(built, tmp_path: Path) -> None:
    query = tmp_path / "q.rq"
    query.write_text(QUERY)
    assert "Ada Example" in built("sparql", "-f", str(query)).output
    bad = built("sparql", "SELECT WHERE {")
    assert bad.exit_code == 1 and "SPARQL syntax error" in bad.output
    assert built("sparql").exit_code == 2


@pytest.mark.parametrize("fmt,parser", [("ttl", "turtle"), ("nt", "nt"), ("jsonld", "json-ld"),
                                        ("xml", "xml")])
def test_export_formats_parse_back(built, tmp_path: Path, fmt: str, parser: str) -> None:
    out = tmp_path / f"graph.{fmt}"
    result = built("export", "--format", fmt, "-o", str(out))
    assert result.exit_code == 0, result.output
    graph = Graph().parse(out, format=parser)
    assert len(graph) > 300


def test_validate_passes_then_fails_with_file_line_messages(run, tiny_corpus) -> None:
    assert run("validate").output.strip() == "valid"
    (tiny_corpus / "alpha-theory.md").write_text(entry_text().replace("## Strengths", "## Perks"))
    result = run("validate")
    assert result.exit_code == 1
    assert "alpha-theory.md:" in result.output and "unknown section '## Perks'" in result.output


def test_build_refuses_a_malformed_corpus_and_keeps_the_previous_generation(built, tiny_corpus) -> None:
    before = built("sparql", QUERY).output
    (tiny_corpus / "beta-model.md").write_text(
        entry_text("beta-model.md").replace("id: alpha-theory, relation", "id: ghost, relation"))
    result = built("build")
    assert result.exit_code == 1
    assert "beta-model.md:" in result.output and "'ghost' does not exist" in result.output
    assert built("sparql", QUERY).output == before


def test_help_for_every_command() -> None:
    runner = CliRunner()
    for command in ["build", "list", "show", "validate", "sparql", "export", "serve"]:
        result = runner.invoke(cli, [command, "--help"], obj={})
        assert result.exit_code == 0 and "Usage:" in result.output


def test_readme_entries_table_is_current() -> None:
    """The README's table is generated (`make readme`); this fails when the corpus moved on."""
    import re
    import sys

    from .conftest import REPO

    sys.path.insert(0, str(REPO / "scripts"))
    try:
        from update_readme import END, START, entries_table
    finally:
        sys.path.pop(0)
    readme = (REPO / "README.md").read_text("utf-8")
    block = re.search(re.escape(START) + "\n(.*?)\n" + re.escape(END), readme, re.S)
    assert block is not None
    assert block.group(1).strip() == entries_table().strip()


def test_a_closed_output_pipe_ends_quietly_like_other_unix_tools(tmp_path: Path, tiny_corpus: Path) -> None:
    """`ltgraph doctor | head -1`: when the reader has gone, exit 141 without a message."""
    import os
    import subprocess
    import sys

    read_end, write_end = os.pipe()
    os.close(read_end)  # nobody will ever read: the first write fails
    try:
        run = subprocess.run([sys.executable, "-m", "ltgraph", "--data-dir", str(tmp_path / "data"),
                              "--corpus-dir", str(tiny_corpus), "validate"],
                             stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=120)
    finally:
        os.close(write_end)
    assert run.returncode == 141, run.stderr
    assert "internal error" not in run.stderr and "Traceback" not in run.stderr


def test_a_bad_setting_is_one_line_and_debug_shows_bugs(monkeypatch) -> None:
    monkeypatch.setenv("LTGRAPH_SPARQL_TIMEOUT", "soon")
    result = CliRunner().invoke(cli, ["list"], obj={})
    assert result.exit_code == 1
    assert "LTGRAPH_SPARQL_TIMEOUT must be a number" in result.output
    assert "Traceback" not in result.output


def test_sparql_formats_must_fit_the_result_and_update_is_explained(service) -> None:
    base = ["--data-dir", str(service.settings.data_dir), "--corpus-dir", str(service.settings.corpus_dir)]
    run = lambda *args: CliRunner().invoke(cli, [*base, "sparql", *args], obj={})  # noqa: E731
    construct = "CONSTRUCT { ?e rdfs:label ?l } WHERE { ?e a ltg:LearningTheory ; rdfs:label ?l }"
    refused = run(construct, "--format", "json")
    assert refused.exit_code == 1 and "return a graph" in refused.output
    turtle = run(construct, "--format", "turtle")
    assert turtle.exit_code == 0 and "@prefix rdfs:" in turtle.output and "Alpha Theory" in turtle.output
    refused = run("SELECT ?s WHERE { ?s ?p ?o } LIMIT 1", "--format", "turtle")
    assert refused.exit_code == 1 and "return a table" in refused.output
    as_json = run("ASK { ?s ?p ?o }", "--format", "json")
    assert as_json.exit_code == 0 and as_json.output.endswith("}\n")
    update = run("INSERT DATA { <urn:a> <urn:b> <urn:c> }")
    assert update.exit_code == 1 and "SPARQL Update is not supported" in update.output


def test_validate_file_judges_by_the_declared_id_and_checks_files_as_one_change(built, tmp_path) -> None:
    """A replacing file and a new file that links to it are validated together."""
    from .conftest import TINY_CORPUS

    replacing = tmp_path / "alpha-theory.md"
    replacing.write_text((TINY_CORPUS / "alpha-theory.md").read_text("utf-8"), "utf-8")
    result = built("validate-file", str(replacing), str(tmp_path / "missing.md"))
    assert result.exit_code == 2  # click: the second file does not exist
    result = built("validate-file", str(replacing))
    assert result.exit_code == 0, result.output
    assert "replacing: alpha-theory" in result.output


def test_validate_file_json_lists_every_problem_with_file_and_line(built, tmp_path) -> None:
    built("new", "Test Theory", "-o", str(tmp_path / "test-theory.md"))
    result = built("validate-file", "--format", "json", str(tmp_path / "test-theory.md"))
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data["valid"] is False and len(data["problems"]) >= 8
    lines = [p["line"] for p in data["problems"]]
    assert lines == sorted(lines) and all(p["file"].endswith("test-theory.md") for p in data["problems"])
    renamed = tmp_path / "draft.md"
    renamed.write_text(entry_text().replace("id: alpha-theory", "id: alpha-theory"), "utf-8")
    result = built("validate-file", str(renamed))
    assert result.exit_code == 1
    assert "rename the file to alpha-theory.md" in result.output


def test_every_command_has_a_whole_summary_and_an_example(runner) -> None:
    commands = runner.invoke(cli, ["--help"]).output.split("Commands:")[1]
    assert "…" not in commands and "..." not in commands
    for name, command in cli.commands.items():
        assert command.short_help, name
        text = runner.invoke(cli, [name, "--help"]).output
        assert "Example:" in text and f"ltgraph {name}" in text, name


def test_counts_read_as_plain_english() -> None:
    from ltgraph.words import counted

    assert counted(1, "problem") == "1 problem" and counted(2, "problem") == "2 problems"
    assert counted(1, "entry") == "1 entry" and counted(3, "entry") == "3 entries"


def test_eval_finds_the_shipped_sets_from_any_directory(built, tmp_path, monkeypatch) -> None:
    """`ltgraph eval --questions heldout` works outside the repository (the sets ship in the
    wheel as ltgraph/_eval)."""
    import tomllib

    from .conftest import REPO

    monkeypatch.chdir(tmp_path)
    result = built("eval", "--questions", "no-such-set")
    assert result.exit_code == 1 and "no-such-set" in result.output
    result = built("eval", "--questions", "heldout", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["hybrid"]["questions"] == len(
        (REPO / "eval" / "heldout.jsonl").read_text("utf-8").splitlines())
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))
    assert pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]["eval"] == "ltgraph/_eval"
    from ltgraph.config import eval_dir

    assert (eval_dir() / "heldout.jsonl").is_file()
