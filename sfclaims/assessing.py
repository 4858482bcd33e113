"""The assess stage: every family decided as of a date, the decisions file, and the summary."""

from __future__ import annotations

import csv
import json
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TextIO

from sqlalchemy import Engine, delete

from sfclaims.bundle import load_bundles
from sfclaims.db import bulk_load
from sfclaims.framework import Framework
from sfclaims.models import StoredDecision
from sfclaims.rules import Decider, Decision, canonical_codes
from sfclaims.rules.attendance import academic_years_needed
from sfclaims.rules.findings import findings_to_json

DECISION_COLUMNS = ("family_id", "eligible", "claimable", "needs", "reasons")
LIST_SEPARATOR = ";"


def assess(
    engine: Engine, framework: Framework, as_of: date, family_id: str | None = None
) -> list[Decision]:
    """Decide every family whose episode started on or before the date, sorted by family ID."""
    from sfclaims.claims import claimed_families

    bundles = load_bundles(
        engine,
        as_of,
        family_id,
        academic_years_needed(framework, as_of),
        claimed_families(engine),
    )
    decider = Decider(framework)
    return [decider.decide(bundle, as_of) for bundle in bundles]


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


def evidence_json(decision: Decision) -> str:
    return json.dumps(findings_to_json(decision.findings), separators=(",", ":"))


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
            evidence_json(d),
            decided_at,
        )
        for d in decisions
    )
    with engine.begin() as connection:
        connection.execute(delete(StoredDecision).where(StoredDecision.as_of == as_of))
        bulk_load(connection, table, [c.name for c in table.c], rows)
