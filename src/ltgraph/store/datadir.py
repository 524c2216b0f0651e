"""The data directory: immutable generations of derived state, switched by one atomic rename.

Layout::

    DATA_DIR/
      CURRENT                 name of the live generation (replaced atomically)
      lock                    file lock serialising writers
      curated/                the curators' entries: a source, not derived (`curated.py`)
      generations/
        g000001-…/            a full generation (`ltgraph build`)
          .lease              readers hold a shared flock on it; clean-up skips them
          manifest.json       counts, hashes, model, the curators' store version it reflects
          catalog.json        per entry: type, name, links, people, where its data lives
          corpus/*.md         the full effective corpus this generation was built from
          graph.nq            each entry's statements in its own named graph
          graph.nt            the served graph (their union), N-Triples
          passages.jsonl, vectors.npy, tokens.jsonl, bm25/, bm25-entries/   the search index
        g000002-…/            a delta generation (`ltgraph add`, `update`, `remove`)
          manifest.json       as above, plus `base` (a full generation) and `deleted`
          catalog.json
          delta/{slug}.md, .nt, .jsonl, .npy   per entry changed since the base: its file,
                              named graph, passages with their tokens, and vectors

A delta generation is its base minus the base entries listed in `deleted`, plus every entry
in its `delta/` directory. A change writes only the changed entries' files and hard-links the
rest of the delta from the live generation, so its cost does not grow with the corpus;
`ltgraph build` folds everything into a new full generation again.

A writer builds the new generation beside the live one, fsyncs it, then replaces `CURRENT`.
A reader always sees one complete generation: the old one or the new one.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from filelock import FileLock, Timeout

from ltgraph.errors import DataDirError
from ltgraph.store.manifest import DELTA, FULL, MANIFEST, Manifest

__all__ = ["DELTA", "FULL", "MANIFEST", "Manifest", "DataDir", "Lease", "acquire", "link_or_copy",
           "write_pointer", "fsync_dir", "fsync_file"]
KEEP_GENERATIONS = 2


class DataDir:
    """Access to one data directory; cheap to create, does no I/O until asked."""

    def __init__(self, root: Path, lock_timeout: float = 30.0) -> None:
        self.root = Path(root)
        self.lock_timeout = lock_timeout
        self._current: tuple[tuple[int, int, int], str | None] | None = None

    @property
    def generations(self) -> Path:
        return self.root / "generations"

    def current_name(self) -> str | None:
        """The live generation's name; None when there is none.

        Servers ask on every request, so the pointer is read again only when `stat` says it
        changed: a publish renames a new file over it, which always has a new inode.
        """
        path = os.path.join(self.root, "CURRENT")
        try:
            st = os.stat(path)
        except FileNotFoundError:
            return None
        key = (st.st_ino, st.st_mtime_ns, st.st_size)
        cached = self._current
        if cached is not None and cached[0] == key:
            return cached[1]
        try:
            with open(path, encoding="utf-8") as handle:
                name = handle.read().strip() or None
        except FileNotFoundError:
            return None
        self._current = (key, name)
        return name

    def current(self) -> Path:
        """The live generation directory; raises with a repair hint when there is none."""
        name = self.current_name()
        if name is None:
            raise DataDirError(f"no data in {self.root}: run `ltgraph build` first")
        path = self.generations / name
        if not (path / MANIFEST).is_file():
            raise DataDirError(f"generation {name} in {self.root} is incomplete; "
                               "run `ltgraph build` to repair")
        return path

    def manifest(self) -> Manifest:
        return Manifest.read(self.current() / MANIFEST)

    def lock(self) -> FileLock:
        """The writers' lock; acquiring it waits up to `lock_timeout` seconds."""
        self.root.mkdir(parents=True, exist_ok=True)
        return FileLock(str(self.root / "lock"), timeout=self.lock_timeout)

    def new_generation(self) -> tuple[str, Path]:
        """A fresh, empty staging directory for the next generation (call under the lock)."""
        self.generations.mkdir(parents=True, exist_ok=True)
        # Under the lock no other writer is staging: what is there was left by a killed one.
        for abandoned in self.generations.glob(".staging-*"):
            shutil.rmtree(abandoned, ignore_errors=True)
        previous = sorted(p.name for p in self.generations.iterdir() if p.name.startswith("g"))
        number = int(previous[-1][1:7]) + 1 if previous else 1
        name = f"g{number:06d}-{int(time.time())}"
        path = Path(tempfile.mkdtemp(prefix=f".staging-{name}-", dir=self.generations))
        return name, path

    def publish(self, name: str, staging: Path) -> Path:
        """fsync the staged generation, move it in place, and switch CURRENT atomically."""
        (staging / LEASE).touch()  # readers lock it (see `Lease`)
        for path in staging.rglob("*"):
            # A file with several links was linked from a published generation: already durable.
            if path.is_file() and path.stat().st_nlink == 1:
                fsync_file(path)
        # the names inside each directory too (delta/, corpus/, bm25/ and the staging dir)
        for directory in [*(p for p in staging.rglob("*") if p.is_dir()), staging]:
            fsync_dir(directory)
        final = self.generations / name
        os.replace(staging, final)
        fsync_dir(self.generations)
        write_pointer(self.root, name)
        self._collect_garbage(keep=name)
        return final

    def _collect_garbage(self, keep: str) -> None:
        """Drop old generations and abandoned staging dirs, keeping the newest few and the
        full generations they are deltas of.

        A generation a reader holds a `Lease` on, or whose manifest cannot be read, is kept.
        """
        names = sorted(p.name for p in self.generations.iterdir())
        finished = [n for n in names if n.startswith("g")]
        # Readers that still hold an old generation (a `Lease`) keep it: it is skipped below.
        kept = {keep, *finished[-KEEP_GENERATIONS:]}
        for name in list(kept):
            try:
                base = Manifest.read(self.generations / name / MANIFEST).base
            except DataDirError:
                continue
            if base:
                kept.add(base)
        for stale in finished:
            if stale in kept:
                continue
            try:  # never delete what cannot be read: it may be a newer ltgraph's, or evidence
                Manifest.read(self.generations / stale / MANIFEST, older=True)
            except DataDirError:
                continue
            if _unleased(self.generations / stale):  # nor what a reader has open
                shutil.rmtree(self.generations / stale, ignore_errors=True)
        for staging in (n for n in names if n.startswith(".staging-")):
            shutil.rmtree(self.generations / staging, ignore_errors=True)


LEASE = ".lease"


class Lease:
    """A reader's hold on a generation: clean-up skips it while the lease is open.

    A shared `flock` on the generation's `.lease` file; `_collect_garbage` deletes a
    generation only when it can take the lock exclusively. The kernel drops the lock when
    the process dies, so a crashed reader never pins a generation for ever.
    """

    def __init__(self, path: Path) -> None:
        import fcntl

        self.path = path
        self._fd: int | None = os.open(path / LEASE, os.O_RDONLY | os.O_CREAT, 0o644)
        fcntl.flock(self._fd, fcntl.LOCK_SH)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing drops the flock
            self._fd = None


def _unleased(path: Path) -> bool:
    """True when no reader holds a lease on the generation at `path` (checked, not kept)."""
    import fcntl

    try:
        fd = os.open(path / LEASE, os.O_RDONLY)
    except FileNotFoundError:
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(fd)


def acquire(lock: FileLock, what: str, waiting: Callable[[str], None] | None = None) -> FileLock:
    """Acquire the writers' lock or fail with a message saying who to wait for; `waiting`
    hears, once, that another writer holds it (the CLI says so instead of hanging silently)."""
    try:
        lock.acquire(timeout=0)
        return lock
    except Timeout:
        if waiting is not None:
            waiting(f"another ltgraph process is writing to the data directory; waiting up to "
                    f"{lock.timeout:.0f} s for it to finish (LTGRAPH_LOCK_TIMEOUT) …")
    try:
        lock.acquire()
    except Timeout:
        raise DataDirError(f"another ltgraph process is writing to the data directory "
                           f"(lock {lock.lock_file} held for over {lock.timeout:.0f} s); "
                           f"try `{what}` again when it has finished") from None
    return lock


@contextlib.contextmanager
def turn(datadir: DataDir, what: str, waiting: Callable[[str], None] | None,
         dry_run: bool = False) -> Iterator[list[Lease]]:
    """A change's turn: the writers' lock (`acquire`) — or, for a dry run, which writes
    nothing, no lock at all, so that it never waits for a writer. Yields a list for the leases
    a dry run takes on the generations it reads (clean-up keeps those); they end with the turn."""
    leases: list[Lease] = []
    try:
        if dry_run:
            yield leases
        else:
            with acquire(datadir.lock(), what, waiting):
                yield leases
    finally:
        for lease in leases:
            lease.close()


def link_or_copy(source: Path, target: Path) -> None:
    """Hard-link an unchanged file into a new generation or version (files there are never
    modified in place); copy where links are not possible."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def write_pointer(root: Path, name: str) -> None:
    """Point `root/CURRENT` at `name` durably: write a temporary file, fsync it, rename it over
    CURRENT (atomic), fsync the directory. A reader sees the old name or the new one."""
    tmp = root / "CURRENT.tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(name + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, root / "CURRENT")
    fsync_dir(root)


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
