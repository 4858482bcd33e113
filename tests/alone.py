"""A test run in a process of its own, as a command's process is: no thread of the test runner
beside it (xdist's, a browser driver's waiter, a web job's watcher ending), so a fork is as safe
there as in the command (``may_fork``), whatever test ran in this worker just before."""

from __future__ import annotations

import functools
import importlib
import multiprocessing as mp
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any


def in_a_process_of_its_own(test: Callable[..., None]) -> Callable[..., None]:
    """The test, run in a new interpreter (spawned) with the same arguments (its fixtures'
    values, which must be picklable); its failure is raised here, with the child's traceback."""

    @functools.wraps(test)
    def run(*args: Any, **kwargs: Any) -> None:
        context = mp.get_context("spawn")
        hearing, telling = context.Pipe(duplex=False)
        where = (test.__module__, test.__qualname__)
        process = context.Process(target=_run_there, args=(telling, where, args, kwargs))
        process.start()
        telling.close()
        try:
            said = hearing.recv()
        except EOFError:
            said = (RuntimeError(f"the test's process ended with code {process.exitcode}"), "")
        finally:
            process.join()
            hearing.close()
        if said is not None:
            error, trace = said
            error.add_note(f"in the test's own process:\n{trace}")
            raise error

    return run


def _run_there(
    telling: Connection, where: tuple[str, str], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    module, name = where
    test = getattr(importlib.import_module(module), name).__wrapped__
    try:
        test(*args, **kwargs)
        telling.send(None)
    except BaseException as error:  # noqa: BLE001 - carried to the test runner, raised there
        try:
            telling.send((error, traceback.format_exc()))
        except Exception:  # noqa: BLE001 - an error that will not pickle is told as its text
            telling.send((AssertionError(repr(error)), traceback.format_exc()))
