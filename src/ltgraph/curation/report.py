"""What a writer reports, and how it reports a data directory it cannot write."""

from __future__ import annotations

import errno
import functools
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from ltgraph.errors import DataDirError

Progress = Callable[[str, int, int], None]
#: OS errors that say the data directory cannot be written (not a bug): full, read-only, denied.
STORAGE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM}


def storage_errors(method: Callable[..., Report]) -> Callable[..., Report]:
    """Report a full, read-only or forbidden data directory as what it is, with the path.

    Every writer stages beside the live state and publishes with one rename, so a failed
    write leaves the data directory as it was; the message says so.
    """

    @functools.wraps(method)
    def wrapper(self: Any, *args: object, **kwargs: object) -> Report:
        try:
            return method(self, *args, **kwargs)
        except OSError as exc:
            if exc.errno not in STORAGE_ERRNOS:
                raise
            where = exc.filename or self.datadir.root
            raise DataDirError(f"cannot write {where}: {exc.strerror}; nothing was changed "
                               "(free some space or make the data directory writable, then "
                               "run the command again)") from None

    return wrapper


@dataclass(frozen=True)
class Report:
    """What a build or a change did (or, for a dry run, would do)."""

    generation: str
    entries: int
    researchers: int
    #: Served triples (full builds only: a change does not count the whole graph).
    triples: int | None
    passages: int
    seconds: float
    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    embedded: int = 0
    dry_run: bool = False
    #: Near-duplicate names of entries and people (errors with `strict`).
    warnings: list[str] = field(default_factory=list)
    #: Bundled entries a curator's entry of the same id replaces (full builds report them).
    shadowed: list[str] = field(default_factory=list)


def listing(report: Report, changes: dict[str, list[str]]) -> Report:
    """`report` with the entries a change added, replaced and removed."""
    return replace(report, added=changes.get("added", []), replaced=changes.get("replaced", []),
                   removed=changes.get("removed", []))


def progress_of(progress: Progress | None, stage: str, done: int, total: int) -> None:
    if progress is not None:
        progress(stage, done, total)
