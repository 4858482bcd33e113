"""Working with millions of small Python objects at once (the import's rows, assess's facts)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def many_objects() -> Iterator[None]:
    """Hundreds of thousands of small, long-lived objects: the cyclic garbage collector would
    scan them again and again (half of assess's load time, a sixth of an import), and they hold
    no cycles to collect."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


#: The collector's thresholds as Python sets them, for a process that runs for days
LONG_RUNNING_THRESHOLDS = gc.get_threshold()


def one_piece_of_work() -> None:
    """For a process that does one piece of work and ends (a command, a web job): what it has
    loaded so far lives as long as it does, so the cyclic collector never looks at it again
    (``gc.freeze``), and young objects are collected after 100,000 new ones rather than 700.
    Its work makes hundreds of thousands of small objects that hold no cycles (decisions,
    cells of a workbook, rows), and scanning them again and again cost a county's decide with
    its work lists about a second."""
    gc.freeze()
    gc.set_threshold(100_000, 50, 100)


def arrow_memory_from_the_system() -> None:
    """Arrow's buffers (an import's columns, read, checked and written out by the million) from
    the C library's allocator rather than Arrow's own (mimalloc): that one hands freed memory
    back to the system and takes it again for the next file, and the kernel clears every page it
    takes again (a fifth of a county's import was spent so; with this, a sixteenth: 9.2-9.6 s ->
    8.8-9.0 s on PostgreSQL). Buffers made before keep the allocator that made them."""
    import pyarrow

    if pyarrow.default_memory_pool().backend_name != "system":
        pyarrow.set_memory_pool(pyarrow.system_memory_pool())


def long_running() -> None:
    """For a process that serves for days (the workspace's server): the collector as Python
    sets it, undoing ``one_piece_of_work`` (which the command line sets before it knows the
    command), so cyclic garbage never waits long to be freed."""
    gc.unfreeze()
    gc.set_threshold(*LONG_RUNNING_THRESHOLDS)
