"""The decisions file of contract.md: CSV, UTF-8, header row, one row per family decided,
sorted by family ID as text."""

from __future__ import annotations

from typing import TextIO

from sfclaims.deciding.rules import Decision
from sfclaims.intake.kinds import LIST_SEPARATOR
from sfclaims.outputs.files import write_plain_csv

DECISION_COLUMNS = ("family_id", "eligible", "claimable", "needs", "reasons")


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
    rows = (decision_row(d) for d in sorted(decisions, key=lambda d: d.family_id))
    write_plain_csv(handle, DECISION_COLUMNS, rows)
