"""What a rule returns: whether it passed, the reasons it gives, and the records it relied on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from sfclaims import bundle as b
from sfclaims.bundle import Source


class Record(NamedTuple):
    """A record a rule looked at, and where it came from."""

    kind: str  # need, assessment, plan, lead practitioner, outcome, attendance, referral, ...
    record_id: str
    source: Source
    note: str = ""

    def __str__(self) -> str:
        note = f" ({self.note})" if self.note else ""
        return f"{self.kind} {self.record_id}{note} [{self.source}]"


@dataclass(frozen=True)
class Finding:
    """One rule's verdict on one family: no reasons means it passed."""

    rule: str  # what the rule checks, in the users' words
    reasons: tuple[str, ...]
    says: str  # one plain-English sentence
    records: tuple[Record, ...] = ()

    @property
    def passed(self) -> bool:
        return not self.reasons


def finding(
    rule: str,
    failed: bool,
    code: str,
    if_passed: str,
    if_failed: str,
    records: tuple[Record, ...] = (),
) -> Finding:
    """A finding that gives one reason code when it fails."""
    if failed:
        return Finding(rule, (code,), if_failed, records)
    return Finding(rule, (), if_passed, records)


_KINDS = {
    b.NeedFacts: ("need", "need_id"),
    b.AssessmentFacts: ("assessment", "assessment_id"),
    b.PlanFacts: ("plan", "plan_id"),
    b.LeadPractitionerFacts: ("lead practitioner", "worker_id"),
    b.OutcomeFacts: ("outcome", "outcome_id"),
    b.ReferralFacts: ("referral", "referral_id"),
    b.PersonFacts: ("person", "person_id"),
    b.PreviousClaimFacts: ("previous claim", "claim_period"),
    b.AttendanceFacts: ("attendance", "upn"),
}


def record_of(fact: object, note: str = "") -> Record:
    """The record for any fact of the bundle, named by its ID."""
    kind, id_field = _KINDS[type(fact)]
    return Record(kind, getattr(fact, id_field), fact.source, note)  # type: ignore[attr-defined]


def findings_to_json(findings: tuple[Finding, ...] | list[Finding]) -> list[dict]:
    """The findings as plain data, to store beside a decision or a claimed family."""
    return [
        {
            "rule": f.rule,
            "reasons": list(f.reasons),
            "says": f.says,
            "records": [
                [r.kind, r.record_id, r.source.file, r.source.row, r.note] for r in f.records
            ],
        }
        for f in findings
    ]


def findings_from_json(data: list[dict]) -> list[Finding]:
    return [
        Finding(
            item["rule"],
            tuple(item["reasons"]),
            item["says"],
            tuple(
                Record(k, i, Source(file, row), note) for k, i, file, row, note in item["records"]
            ),
        )
        for item in data
    ]
