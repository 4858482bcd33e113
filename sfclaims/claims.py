"""Claim runs, the ledger and locking."""

from __future__ import annotations

from sqlalchemy import Engine


def claimed_families(engine: Engine) -> dict[str, tuple[str, ...]]:
    """The submitted claim runs that claimed each family."""
    return {}
