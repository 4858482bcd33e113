"""Processes that end with the one that started them: a web job's process when its server dies,
a decide's pool workers when their job (or command) dies, however it died; work done by a
copy of the process alongside its own (``alongside``); and a command's process ending at once
when its work is done (``end_now``)."""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection
from typing import NoReturn

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


def may_fork() -> bool:
    """Whether this process may fork a copy of itself: the platform has fork, and no thread but
    a job's watcher (which holds no lock) runs beside the main one, so the copy inherits no lock
    another thread held."""
    import multiprocessing as mp

    return "fork" in mp.get_all_start_methods() and threads_besides_the_watcher() == 0


@contextlib.contextmanager
def alongside(work: Callable[[], None] | None) -> Iterator[None]:
    """``work`` done by a copy of this process (forked: it sees this process's objects as they
    are, with nothing sent to it) while the block runs on the other core; the block's end waits
    for it, and its failure is raised here. Where forking is not safe (``may_fork``), the work
    is done here after the block. The work must not use this process's database connections."""
    if work is None:
        yield
        return
    if not may_fork():
        yield
        work()
        return
    import multiprocessing as mp
    import traceback

    context = mp.get_context("fork")
    hearing, telling = context.Pipe(duplex=False)

    def done_in_the_copy() -> None:
        die_with_parent()
        try:
            work()
            telling.send(None)
        except BaseException as error:  # noqa: BLE001 - carried to the parent, raised there
            telling.send((error, traceback.format_exc()))

    copy = context.Process(target=done_in_the_copy, name="sfclaims: work alongside")
    copy.start()
    telling.close()
    try:
        yield
    finally:
        try:
            failed = hearing.recv()
        except EOFError:  # the copy died without a word (killed, out of memory)
            failed = (RuntimeError(f"the work alongside ended with code {copy.exitcode}"), "")
        copy.join()
        hearing.close()
    if failed is not None:
        error, _trace = failed
        raise error


def end_now(code: object) -> NoReturn:
    """End a process that has done its one piece of work (a command) with the exit code that
    ``SystemExit`` carries, without Python freeing its objects one by one: a county's decisions
    are millions of small objects, and freeing them took a forecast half a second, for nothing
    (the kernel takes the process's memory back at once; a decide's pool workers end so too).
    What ending does that matters is done first: the other threads finished, the exit handlers
    run (temporary folders removed, logs flushed), every database connection closed
    (``db.close_every_engine``), standard output and error flushed."""
    from sfclaims.platform.db import close_every_engine

    if code is None:
        code = 0
    elif not isinstance(code, int):  # a message, as Python prints it when it ends so
        print(code, file=sys.stderr)
        code = 1
    main = threading.main_thread()
    for thread in threading.enumerate():
        if thread is not main and not thread.daemon:
            thread.join()
    close_every_engine()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)
