"""The ledger: a family is paid for once."""

from __future__ import annotations

from datetime import date

from sfclaims.bundle import FamilyBundle
from sfclaims.framework import Framework
from sfclaims.rules.catalogue import reason
from sfclaims.rules.findings import Finding, Record, record_of

ALREADY_CLAIMED = reason(
    "ALREADY_CLAIMED",
    "Already claimed",
    "The family is in a submitted claim run, or in the authority's record of earlier claims.",
)
REASONS = (ALREADY_CLAIMED,)


def not_claimed_before(family: FamilyBundle, _framework: Framework, _as_of: date) -> Finding:
    records = [
        record_of(c, f"claimed before this engine, {c.claim_period}")
        for c in family.previous_claims
    ]
    records += [
        Record("claim run", run, family.source, "submitted") for run in family.claimed_in_runs
    ]
    claims = [f"{r.kind} {r.record_id} ({r.note})" for r in records]
    return Finding(
        "Not claimed before",
        (ALREADY_CLAIMED(),) if records else (),
        f"Already claimed: {', '.join(claims)}." if records else "Never claimed before.",
        tuple(records),
    )


RULES = (not_claimed_before,)
