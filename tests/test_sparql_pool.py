"""The pool of sandboxed query processes: ready before the first query, a spare after a
kill, waiters woken, a bounded queue, publishes without timeouts. Real processes on the
tiny corpus; loops are bounded by counts, never by the wall clock."""

from __future__ import annotations

import contextlib
import threading
import time

import pytest

from ltgraph.rdf.ontology import PREFIXES
from ltgraph.sparql import Job, Limits, PoolBusy, PoolUnavailable, QueryPool, QueryResourceLimit, QueryTimeout

PRODUCT = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def job(query: str = "ASK { ?s ?p ?o }") -> Job:
    return Job(query, PREFIXES, "https://w3id.org/ltgraph/", "json", "turtle", 100, 100_000)


def wait_for(pool: QueryPool, idle: int) -> None:
    """Until `idle` processes are loaded (at most ~60 s of polling)."""
    for _ in range(600):
        if pool.status()["idle"] >= idle:
            return
        time.sleep(0.1)
    raise AssertionError(f"processes did not load: {pool.status()}")


@contextlib.contextmanager
def loaded(generation: str, **limits: object):
    """A pool serving `generation` with every process loaded; closed afterwards."""
    pool = QueryPool(Limits(**limits))  # type: ignore[arg-type]
    try:
        pool.use(generation)
        wait_for(pool, pool.limits.size + pool.limits.spare)
        yield pool
    finally:
        pool.close()


def until_running(pool: QueryPool, count: int = 1) -> None:
    """Until `count` queries hold processes (at most ~2 s of polling)."""
    for _ in range(200):
        if pool.status()["running"] >= count:
            return
        time.sleep(0.01)


@pytest.fixture
def generation(service) -> str:
    return str(service.datadir.current())


def test_processes_are_loaded_before_the_first_query(generation) -> None:
    with loaded(generation, size=2, spare=1, timeout=1.0) as pool:
        # loading is not in the time limit: a 1 s limit is plenty for an ASK
        assert b"true" in pool.run(job()).body


def test_a_killed_process_is_replaced_by_the_spare(generation) -> None:
    with loaded(generation, size=1, spare=1, timeout=1.0) as pool:
        with pytest.raises(QueryTimeout):
            pool.run(job(PRODUCT))
        assert pool.status()["idle"] >= 1  # the spare, ready at once
        assert b"true" in pool.run(job()).body
        wait_for(pool, 2)  # and a new spare loads in the background


def test_a_waiter_is_woken_when_a_slot_frees(generation) -> None:
    with loaded(generation, size=1, spare=1, timeout=1.5, queue=2, wait=30.0) as pool:
        outcome: dict = {}

        def slow() -> None:
            try:
                pool.run(job(PRODUCT))
            except QueryTimeout:
                outcome["slow"] = "timeout"

        thread = threading.Thread(target=slow)
        thread.start()
        until_running(pool)  # the slow query holds the only slot
        assert b"true" in pool.run(job()).body  # waited for the slot, then ran
        thread.join()
        assert outcome == {"slow": "timeout"}


def test_a_full_queue_is_refused_at_once(generation) -> None:
    with loaded(generation, size=1, spare=1, timeout=2.0, queue=0) as pool:
        thread = threading.Thread(target=lambda: pytest.raises(QueryTimeout, pool.run, job(PRODUCT)))
        thread.start()
        until_running(pool)
        with pytest.raises(PoolBusy) as refused:
            pool.run(job())
        assert refused.value.status == 503 and refused.value.retry_after > 0
        thread.join()


def test_processes_that_cannot_load_are_a_503_not_a_hang(tmp_path) -> None:
    pool = QueryPool(Limits(size=1, spare=0, wait=60.0))
    try:
        pool.use(str(tmp_path / "no-such-generation"))
        with pytest.raises(PoolUnavailable) as refused:
            pool.run(job())
        assert refused.value.status == 503
        assert "manifest" in str(refused.value)
    finally:
        pool.close()


def test_queries_right_after_each_publish_succeed(service, tmp_path) -> None:
    """Five publishes; after each, 20 trivial queries with a 1 s limit all succeed and see it."""
    from dataclasses import replace

    from ltgraph.service import Service

    from .conftest import TESTS, FakeEncoder

    served = Service(replace(service.settings, sparql_timeout=1.0), encoder=FakeEncoder())
    try:
        served.warm_up()
        import re

        source = (TESTS / "data" / "new" / "heutagogy.md").read_text("utf-8")
        source = re.sub(r"related:\n(?:  - .*\n)+", "", source)  # links to the bundled corpus
        for round_ in range(5):
            if round_ % 2 == 0:
                path = tmp_path / "heutagogy.md"
                path.write_text(source.replace("Gamification", f"Gamification {round_}"), "utf-8")
                service.add([path])
                expected = b"true"
            else:
                service.remove("heutagogy")
                expected = b"false"
            for _ in range(20):
                rendered = served.public_sparql(
                    "ASK { <https://w3id.org/ltgraph/id/theory/heutagogy> ?p ?o }")
                assert expected in rendered.body
    finally:
        served.close()


def test_a_query_over_the_memory_limit_is_a_400_and_the_pool_recovers(generation) -> None:
    with loaded(generation, size=1, spare=1, timeout=60.0, memory_mb=768) as pool:
        doubling = ('SELECT (STRLEN(?x) AS ?n) WHERE { BIND("ab" AS ?x0) ' + " ".join(
            f"BIND(CONCAT(?x{i}, ?x{i}) AS ?x{i + 1})" for i in range(30)) + " BIND(?x30 AS ?x) }")
        with pytest.raises(QueryResourceLimit) as refused:
            pool.run(job(doubling))
        assert refused.value.status == 400 and "768 MB" in str(refused.value)
        assert b"true" in pool.run(job()).body


def test_wait_loaded_returns_once_every_process_has_loaded(generation, tmp_path) -> None:
    """What a server waits for before it takes requests: then no query finds the queue full
    of others waiting for processes that still load; a process that cannot load ends the
    wait too (it has failed, it is not loading)."""
    pool = QueryPool(Limits(size=2, spare=1))
    try:
        pool.use(generation)
        assert not pool.wait_loaded(0.0)  # just started: all three still load
        assert pool.wait_loaded()
        assert pool.status()["loading"] == 0 and pool.status()["idle"] == 3
    finally:
        pool.close()
    broken = QueryPool(Limits(size=1, spare=0))
    try:
        broken.use(str(tmp_path / "no-such-generation"))
        assert broken.wait_loaded()  # failed, so not loading
        assert broken.status()["loading"] == 0 and broken.status()["idle"] == 0
    finally:
        broken.close()
