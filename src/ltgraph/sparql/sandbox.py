"""The wall around a query process: once sealed, it can open no socket and no file.

A query process loads its generation's graph into memory, warms up, and then calls `seal()`,
which installs a seccomp filter (through libseccomp, via `pyseccomp`). From then on the
kernel answers EPERM to every system call that could reach the network (`socket`,
`socketpair`, `connect`, `bind`, `listen`, `accept`), open or change a file (`open`,
`openat`, `openat2`, `creat`, `truncate`, `unlink`, `rename`, `mkdir`, `link`, `symlink`,
`chmod`, `chown`, `mknod`, `open_by_handle_at`), start a program (`execve`, `execveat`,
`fork`, `vfork`), or work around the filter (`io_uring_*`, which performs opens of its
own; `ptrace`, `process_vm_writev`, `kill`, `mount`, `unshare`, `setns`, `bpf`). The
process keeps only the pipe to its parent, which it inherited already open.

This holds whatever the query text is: `SERVICE <http://…>` then fails inside the engine
with "Operation not permitted", even if the text guard were bypassed or disabled. The
filter is inherited by every thread and cannot be removed (no_new_privs is set with it).

Where seccomp or libseccomp is not available the query process refuses to start and the
endpoint answers 503, unless the operator sets `LTGRAPH_SPARQL_SANDBOX=off` after putting
another wall in place (see the README's deployment section).
"""

from __future__ import annotations

import errno

from ltgraph.errors import LtgraphError

#: System calls a sealed query process may not make (EPERM).
DENIED = (
    # network
    "socket", "socketpair", "connect", "bind", "listen", "accept", "accept4",
    # files: opening, creating, changing
    "open", "openat", "openat2", "creat", "open_by_handle_at", "name_to_handle_at",
    "truncate", "unlink", "unlinkat", "rename", "renameat", "renameat2", "mkdir", "mkdirat",
    "rmdir", "link", "linkat", "symlink", "symlinkat", "chmod", "fchmodat", "chown",
    "lchown", "fchownat", "mknod", "mknodat", "chdir", "chroot", "pivot_root", "mount",
    "umount2", "swapon", "swapoff",
    # programs and other processes
    "execve", "execveat", "fork", "vfork", "ptrace", "process_vm_readv", "process_vm_writev",
    "kill", "setns", "unshare", "bpf", "perf_event_open", "userfaultfd",
    # io_uring performs opens and connects that seccomp does not see one by one
    "io_uring_setup", "io_uring_enter", "io_uring_register",
)


class SandboxUnavailable(LtgraphError):
    """The OS-level wall cannot be installed on this host."""

    status = 503
    title = "SPARQL sandbox unavailable"


def seal() -> None:
    """Install the filter in the calling process; raise SandboxUnavailable if impossible."""
    try:
        import pyseccomp as seccomp
    except (ImportError, OSError) as exc:  # OSError: libseccomp.so missing
        raise SandboxUnavailable(f"seccomp is not available ({exc}); install libseccomp2 or "
                                 "set LTGRAPH_SPARQL_SANDBOX=off behind another wall") from None
    try:
        seccomp_filter = seccomp.SyscallFilter(seccomp.ALLOW)
        for name in DENIED:
            try:
                seccomp_filter.add_rule(seccomp.ERRNO(errno.EPERM), name)
            except (ValueError, RuntimeError, OSError):
                continue  # a call this architecture does not have (e.g. `open` on arm64)
        seccomp_filter.load()
    except (RuntimeError, OSError, ValueError) as exc:
        raise SandboxUnavailable(f"the seccomp filter could not be installed ({exc}); set "
                                 "LTGRAPH_SPARQL_SANDBOX=off only behind another wall") from None
