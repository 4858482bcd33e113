"""The audit and the ledger: a failed audit stands until the family's records change, and a
family is paid for once."""

from __future__ import annotations

from datetime import date

from sfclaims.deciding.facts import FamilyBundle
from sfclaims.deciding.rules.catalogue import CANNOT_BE_CLAIMED, NEEDS_ACTION, reason, rule
from sfclaims.deciding.rules.findings import Finding, Record, record_of, saying
from sfclaims.platform.framework import Framework

AUDIT_FAILED = reason(
    "AUDIT_FAILED",
    "Failed audit",
    "An auditor's latest verdict on the family in a claim run is fail, and the family's records "
    "are the same as that run kept; once any record changes the family is decided afresh.",
    to_do="Correct the records the auditor found wrong; the family is decided afresh once they change",
    prospect=NEEDS_ACTION,
)
ALREADY_CLAIMED = reason(
    "ALREADY_CLAIMED",
    "Already claimed",
    "The family is in a submitted claim run, or in the authority's record of earlier claims.",
    to_do="Nothing: the family has been claimed",
    prospect=CANNOT_BE_CLAIMED,
)


@rule("no_failed_audit", "No failed audit standing", AUDIT_FAILED)
def no_failed_audit(family: FamilyBundle, _framework: Framework, _as_of: date) -> Finding:
    runs = family.failed_audits
    if not runs:
        return Finding(no_failed_audit.id, no_failed_audit.title, (), "No failed audit stands.")
    return Finding(
        no_failed_audit.id,
        no_failed_audit.title,
        (AUDIT_FAILED(),),
        f"Failed audit in claim run {', '.join(runs)}, and the family's records have not "
        f"changed since.",
        tuple(Record("claim run", run, family.source, "failed audit") for run in runs),
    )


@rule("not_claimed_before", "Not claimed before", ALREADY_CLAIMED)
def not_claimed_before(family: FamilyBundle, _framework: Framework, _as_of: date) -> Finding:
    records = [
        record_of(c, f"claimed before this engine, {c.claim_period}")
        for c in family.previous_claims
    ]
    records += [
        Record("claim run", run, family.source, "submitted") for run in family.claimed_in_runs
    ]

    def claims() -> str:
        return ", ".join(f"{r.kind} {r.record_id} ({r.note})" for r in records)

    return Finding(
        not_claimed_before.id,
        not_claimed_before.title,
        (ALREADY_CLAIMED(),) if records else (),
        saying(lambda: f"Already claimed: {claims()}.") if records else "Never claimed before.",
        tuple(records),
    )
