"""Processes that end with the one that started them: a web job's process when its server dies,
a decide's pool workers when their job (or command) dies, however it died."""

from __future__ import annotations

import signal
import sys


def die_with_parent() -> None:
    """Ask the kernel to kill this process the moment its parent ends (SIGKILL included), so
    nothing a job started outlives it. Linux only; elsewhere a no-op."""
    if sys.platform == "linux":
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
