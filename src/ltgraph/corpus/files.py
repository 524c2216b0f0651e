"""Entry files on disk: reading them safely (regular files, a byte cap), listing a corpus
directory, loading a corpus with every problem reported at once, references, hashes."""

from __future__ import annotations

import hashlib
import os
import re
import stat
from collections.abc import Iterable
from pathlib import Path

from ltgraph.corpus.parse import parse_entry, problems_of
from ltgraph.corpus.records import Entry
from ltgraph.errors import CorpusError, ValidationError
from ltgraph.words import counted


def read_bytes(path: Path, max_bytes: int) -> bytes:
    """The bytes of a regular file of at most `max_bytes`; `CorpusError` otherwise.

    The size is what reading gives, never what `stat` says (a device says 0 bytes and never
    ends); the file is opened without blocking, so a FIFO cannot hang the reader.
    """
    name = str(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise CorpusError(f"cannot read file: {exc.strerror}", path=name) from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise CorpusError("not a regular file (a device, FIFO, socket or directory); give "
                              "the path of an entry file", path=name)
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        raise CorpusError(f"cannot read file: {exc.strerror}", path=name) from None
    finally:
        os.close(fd)
    if len(data) > max_bytes:
        raise CorpusError(f"file is over the limit of {max_bytes} bytes", path=name)
    return data



def read_entry(path: Path, max_bytes: int = 256 * 1024, check_name: bool = True,
               data: bytes | None = None) -> Entry:
    """Read and parse one file, refusing binary, non-UTF-8, oversized and special files.

    `data`: the file's bytes when the caller has read them already (`read_bytes`).
    """
    name = str(path)
    if data is None:
        data = read_bytes(path, max_bytes)
    if b"\x00" in data:
        raise CorpusError("binary file (contains NUL bytes), expected UTF-8 Markdown", path=name)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise CorpusError(f"not valid UTF-8 (byte {exc.start})", path=name, line=line) from None
    return parse_entry(text.replace("\r\n", "\n").lstrip("\ufeff"), path=name, check_name=check_name)



def entry_files(directory: Path) -> list[Path]:
    """The entry files of a corpus directory, sorted (README-like files are not entries)."""
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.glob("*.md") if p.name[0] != "." and p.stem.lower() != "readme")



def load_corpus(files: Iterable[Path], max_bytes: int = 256 * 1024) -> list[Entry]:
    """Parse every file and check the cross-entry rules; report every problem at once."""
    problems: list[str] = []
    entries: dict[str, Entry] = {}
    for path in files:
        try:
            entry = read_entry(path, max_bytes)
        except CorpusError as exc:
            problems.extend(problems_of(exc))
            continue
        if entry.slug in entries:
            problems.append(f"{path}:2: duplicate id {entry.slug!r} (also in {entries[entry.slug].path})")
            continue
        entries[entry.slug] = entry
    problems.extend(check_references(entries.values(), entries.keys()))
    if problems:
        raise ValidationError(f"{counted(len(problems), 'problem')} in the corpus", problems)
    return sorted(entries.values(), key=lambda e: e.slug)



def check_references(entries: Iterable[Entry], known: Iterable[str]) -> list[str]:
    """Problems with related slugs that do not resolve, as `file:line: message` strings."""
    known_set = set(known)
    problems = []
    for entry in entries:
        for rel in entry.related:
            if rel.target not in known_set:
                line = _related_line(entry, rel.target)
                problems.append(f"{entry.path}:{line}: related entry {rel.target!r} "
                                "does not exist in the corpus")
    return problems



def _related_line(entry: Entry, target: str) -> int:
    if entry.path:
        try:
            for n, text in enumerate(Path(entry.path).read_text("utf-8").split("\n"), 1):
                if re.search(rf"\b{re.escape(target)}\b", text) and "relation" in text:
                    return n
        except OSError:
            pass
    return 1



def corpus_hash(files: Iterable[Path]) -> str:
    """SHA-256 over the names and bytes of the files, order-independent."""
    return listing_hash({p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in files})



def listing_hash(digests: dict[str, str]) -> str:
    """`corpus_hash` from file name -> SHA-256 hex of its bytes (no file is read)."""
    digest = hashlib.sha256()
    for name in sorted(digests):
        digest.update(name.encode() + b"\0" + bytes.fromhex(digests[name]))
    return digest.hexdigest()
