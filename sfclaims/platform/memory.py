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
