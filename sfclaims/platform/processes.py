"""Processes that end with the one that started them: a web job's process when its server dies,
a decide's pool workers when their job (or command) dies, however it died."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from multiprocessing.connection import Connection

#: The one thread of a job's process beside its main one: it only waits to hear that the server
#: has gone (``end_with``), holding no lock, so the process may still fork its decide's pool.
WATCHER = "sfclaims: ends with its server"


def die_with_parent() -> None:
    """Ask the kernel to kill this process the moment its parent ends (SIGKILL included), so
    nothing a job started outlives it. Linux only; elsewhere a no-op."""
    if sys.platform == "linux":
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def end_with(server_alive: Connection) -> None:
    """The process ends the moment its server does, however the server died: the server holds
    the other end of this pipe and never writes, so its end closing (by the kernel, at the
    server's death, SIGKILL included) is all that is ever read. A job forked by Python's
    forkserver has the forkserver as its parent, which outlives the server while any job lives,
    so the parent's death alone (``die_with_parent``) cannot say it."""

    def watch() -> None:
        with contextlib.suppress(EOFError, OSError):
            server_alive.recv_bytes()
        os.kill(os.getpid(), signal.SIGKILL)

    threading.Thread(target=watch, name=WATCHER, daemon=True).start()


def threads_besides_the_watcher() -> int:
    """How many threads run beside the main one and ``end_with``'s watcher."""
    return sum(
        1
        for thread in threading.enumerate()
        if thread is not threading.main_thread() and thread.name != WATCHER
    )
