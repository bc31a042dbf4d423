"""A lifeline: child processes that end when the process that started them ends,
however it ends (`kill -9` included).

The parent holds the write end of a pipe for as long as it lives; each child
gets the read end and a thread that blocks on it. The kernel closes the write
end when the parent dies, the read returns end-of-file and the child exits.
Linux's parent-death signal (`PR_SET_PDEATHSIG`) would do the same on one
platform only, and fires when the *thread* that forked exits, which in a
threaded server is the request's thread, not the process.
"""

from __future__ import annotations

import os
import threading
from typing import Dict, Tuple

ENV = "LIFT_LIFELINE_FD"

# `python -c` for a Lambda worker: the lifeline, then AWS's runtime interface
# client as `python -m awslambdaric HANDLER` runs it. Inline, so that the
# handler's interpreter imports nothing of Lift's.
WORKER = (
    "import os, sys, threading\n"
    "fd = os.environ.pop('LIFT_LIFELINE_FD', None)\n"
    "if fd is not None:\n"
    "    fd = int(fd); os.set_inheritable(fd, False)\n"
    "    threading.Thread(target=lambda: (os.read(fd, 1), os._exit(137)), daemon=True).start()\n"
    "from awslambdaric.__main__ import main\n"
    "main(sys.argv)\n"
)


class Lifeline:
    """The parent's end: `child()` gives what a `subprocess.Popen` needs."""

    def __init__(self) -> None:
        self._read, self._write = os.pipe()  # both non-inheritable; the read end is passed on by name

    def child(self) -> Tuple[Dict[str, str], Tuple[int, ...]]:
        """The environment entry and the `pass_fds` for a child bound to this process."""
        return {ENV: str(self._read)}, (self._read,)


_MINE: "Lifeline | None" = None


def mine() -> Lifeline:
    """This process's lifeline, made on first use and held until it exits."""
    global _MINE
    if _MINE is None:
        _MINE = Lifeline()
    return _MINE


def watch() -> None:
    """In a child started with a lifeline: exit when the parent is gone."""
    fd = os.environ.pop(ENV, None)
    if fd is None:
        return
    end = int(fd)
    os.set_inheritable(end, False)  # not for this child's own children

    def wait() -> None:
        try:
            os.read(end, 1)  # nothing is ever written: this returns when the parent is gone
        finally:
            os._exit(137)

    threading.Thread(target=wait, name="lifeline", daemon=True).start()
