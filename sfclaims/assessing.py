"""The assess stage: every family decided as of a date, the decisions file, and the summary."""

from __future__ import annotations

import csv
import gc
import multiprocessing as mp
import os
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TextIO

from sqlalchemy import Engine, delete

from sfclaims.bundle import FamilyBundle, load_bundles
from sfclaims.db import bulk_load
from sfclaims.framework import Framework
from sfclaims.models import StoredDecision
from sfclaims.rules import Decider, Decision, canonical_codes
from sfclaims.rules.attendance import terms_needed

DECISION_COLUMNS = ("family_id", "eligible", "claimable", "needs", "reasons")
LIST_SEPARATOR = ";"


def assess(
    engine: Engine, framework: Framework, as_of: date, family_id: str | None = None
) -> list[Decision]:
    """Decide every family whose episode started on or before the date, sorted by family ID."""
    from sfclaims.claims import claimed_families

    with many_objects():
        bundles = load_bundles(
            engine, as_of, family_id, terms_needed(framework, as_of), claimed_families(engine)
        )
        return decide_families(bundles, framework, as_of)


@contextmanager
def many_objects() -> Iterator[None]:
    """Hundreds of thousands of small, long-lived objects: the cyclic garbage collector would
    scan them again and again (half the load time), and they hold no cycles to collect."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


PARALLEL_FROM = 4_000  # families; below this, starting a second process costs more than it saves
_SHARED: tuple[list[FamilyBundle], Framework, date] | None = None


def decide_families(
    bundles: list[FamilyBundle], framework: Framework, as_of: date
) -> list[Decision]:
    """Decide each family; on a machine with several cores, large authorities use them all.

    The rules are pure, so the families are split between forked processes that see the loaded
    bundles without copying them, and each decision (with its evidence as JSON) comes back.
    """
    workers = min(os.cpu_count() or 1, 8)
    if len(bundles) < PARALLEL_FROM or workers < 2 or "fork" not in mp.get_all_start_methods():
        decider = Decider(framework)
        return [decider.decide(bundle, as_of) for bundle in bundles]
    global _SHARED
    _SHARED = (bundles, framework, as_of)
    try:
        step = -(-len(bundles) // (workers * 4))
        chunks = [
            (start, min(start + step, len(bundles))) for start in range(0, len(bundles), step)
        ]
        with mp.get_context("fork").Pool(workers) as pool:
            return [d for part in pool.map(_decide_chunk, chunks) for d in part]
    finally:
        _SHARED = None


def _decide_chunk(bounds: tuple[int, int]) -> list[Decision]:
    assert _SHARED is not None
    bundles, framework, as_of = _SHARED
    decider = Decider(framework)
    return [decider.decide(bundle, as_of) for bundle in bundles[bounds[0] : bounds[1]]]


def yes_no(value: bool) -> str:
    return "Y" if value else "N"


def decision_row(decision: Decision) -> tuple[str, str, str, str, str]:
    return (
        decision.family_id,
        yes_no(decision.eligible),
        yes_no(decision.claimable),
        LIST_SEPARATOR.join(decision.needs),
        LIST_SEPARATOR.join(decision.reasons),
    )


def write_decisions(decisions: list[Decision], handle: TextIO) -> None:
    """The decisions file of contract.md: CSV, header row, one row per family, sorted by ID."""
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(DECISION_COLUMNS)
    writer.writerows(decision_row(d) for d in sorted(decisions, key=lambda d: d.family_id))


@dataclass(frozen=True)
class AssessSummary:
    families: int
    eligible: int
    claimable: int
    reasons: list[tuple[str, int]]  # canonical order, only those that apply
    near_misses: list[tuple[str, str]]  # (family ID, its one reason)


def summarise(decisions: list[Decision], framework: Framework) -> AssessSummary:
    counts = Counter(code for d in decisions for code in d.reasons)
    return AssessSummary(
        families=len(decisions),
        eligible=sum(d.eligible for d in decisions),
        claimable=sum(d.claimable for d in decisions),
        reasons=[(code, counts[code]) for code in canonical_codes(framework) if counts[code]],
        near_misses=[(d.family_id, d.reasons[0]) for d in decisions if len(d.reasons) == 1],
    )


def store_decisions(
    engine: Engine, decisions: list[Decision], framework: Framework, as_of: date
) -> None:
    """Keep the decisions as of the date (replacing earlier ones for that date) with evidence."""
    decided_at = datetime.now(UTC)
    table = StoredDecision.__table__  # type: ignore[attr-defined]
    rows = (
        (
            as_of.isoformat(),
            d.family_id,
            d.eligible,
            d.claimable,
            LIST_SEPARATOR.join(d.needs),
            LIST_SEPARATOR.join(d.reasons),
            framework.label(),
            framework.sha256,
            d.evidence,
            decided_at,
        )
        for d in decisions
    )
    with engine.begin() as connection:
        connection.execute(delete(StoredDecision).where(StoredDecision.as_of == as_of))
        bulk_load(connection, table, [c.name for c in table.c], rows)
