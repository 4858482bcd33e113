"""Decisions kept in the database, for the claim run to reuse while they are current.

An assess stores every family's decision as of its date, with the evidence and records of the
families that can be claimed; a claim run as of the same date takes them from here instead of
deciding again, as long as nothing they rest on has changed since.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import Engine, delete, func, select
from sqlmodel import col

from sfclaims.db import bulk_load
from sfclaims.extracts.kinds import LIST_SEPARATOR
from sfclaims.framework import Framework
from sfclaims.models import ClaimRun, ImportBatch, StoredDecision, table_of
from sfclaims.rules import Decision


@dataclass(frozen=True)
class Assessed:
    """A family decided. For the families that can be claimed, when asked for, the evidence
    (every rule's finding, as JSON) and the family's records (JSON) that a claim keeps."""

    decision: Decision  # without its findings: they stay in the process that decided
    episode_start: date
    evidence: str | None = None
    facts: str | None = None


def store_decisions(
    engine: Engine, assessed: list[Assessed], framework: Framework, as_of: date
) -> None:
    """Keep the decisions as of the date (replacing earlier ones for that date) with their
    reasons, and the evidence and records of the families that can be claimed, for the claim run
    to reuse."""
    table = table_of(StoredDecision)
    shared = {
        "as_of": as_of.isoformat(),
        "framework": framework.label(),
        "framework_sha256": framework.sha256,
        "decided_at": datetime.now(UTC),
    }
    columns = [c.name for c in table.c]

    def row(a: Assessed) -> tuple:
        values = {
            **shared,
            "family_id": a.decision.family_id,
            "eligible": a.decision.eligible,
            "claimable": a.decision.claimable,
            "needs": LIST_SEPARATOR.join(a.decision.needs),
            "reasons": LIST_SEPARATOR.join(a.decision.reasons),
            "evidence": a.evidence,
            "episode_start": a.episode_start.isoformat(),
            "facts": a.facts,
        }
        return tuple(values[c] for c in columns)

    rows = (row(a) for a in assessed)
    with engine.begin() as connection:
        connection.execute(delete(StoredDecision).where(col(StoredDecision.as_of) == as_of))
        bulk_load(connection, table, columns, rows)


def current_claimable(engine: Engine, framework: Framework, as_of: date) -> list[Assessed] | None:
    """The claimable families of the stored decisions as of the date, if those decisions are
    still current: made under this framework, after the newest import and the newest submitted
    claim run. None when they are not, and the families must be decided again."""
    with engine.connect() as connection:
        decided_at, lowest, highest = connection.execute(
            select(
                func.min(col(StoredDecision.decided_at)),
                func.min(col(StoredDecision.framework_sha256)),
                func.max(col(StoredDecision.framework_sha256)),
            ).where(col(StoredDecision.as_of) == as_of)
        ).one()
        imported = connection.execute(select(func.max(col(ImportBatch.imported_at)))).scalar()
        submitted = connection.execute(select(func.max(col(ClaimRun.submitted_at)))).scalar()
        if decided_at is None or lowest != framework.sha256 or highest != framework.sha256:
            return None
        if any(moment is not None and moment >= decided_at for moment in (imported, submitted)):
            return None
        rows = connection.execute(
            select(
                col(StoredDecision.family_id),
                col(StoredDecision.needs),
                col(StoredDecision.evidence),
                col(StoredDecision.episode_start),
                col(StoredDecision.facts),
            )
            .where(col(StoredDecision.as_of) == as_of, col(StoredDecision.claimable))
            .order_by(col(StoredDecision.family_id))
        ).all()
    return [
        Assessed(
            Decision(family_id, as_of, tuple(filter(None, needs.split(LIST_SEPARATOR))), ()),
            start or as_of,  # kept for every decision since it was stored; never blank
            evidence,
            facts,
        )
        for family_id, needs, evidence, start, facts in rows
    ]
