"""What a rule returns: whether it passed, the reasons it gives, and the records it relied on."""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

from sfclaims import facts as b
from sfclaims.facts import Source


class Record(NamedTuple):
    """A record a rule looked at, where it came from, and what an auditor looks it up by in the
    case system (its evidence source and reference, who recorded it, ...)."""

    kind: str  # need, assessment, plan, lead practitioner, outcome, attendance, referral, ...
    record_id: str
    source: Source
    note: str = ""
    details: tuple[tuple[str, str], ...] = ()  # (label, value), as the extract gave them

    def __str__(self) -> str:
        note = f" ({self.note})" if self.note else ""
        details = f" — {self.detail_text}" if self.details else ""
        return f"{self.kind} {self.record_id}{note}{details} [{self.source}]"

    @property
    def in_brief(self) -> str:
        """The record and where it came from, without its details (shown beside it elsewhere)."""
        note = f" ({self.note})" if self.note else ""
        return f"{self.kind} {self.record_id}{note} [{self.source.file} row {self.source.row}]"

    @property
    def detail_text(self) -> str:
        return "; ".join(f"{label}: {value}" for label, value in self.details)


class Finding(NamedTuple):
    """One rule's verdict on one family: no reasons means it passed."""

    rule_id: str  # the rule's stable id (catalogue.Rule.id): what readers look results up by
    rule: str  # what the rule checked for this family, in the users' words
    reasons: tuple[str, ...]
    says: str  # one plain-English sentence
    records: tuple[Record, ...] = ()
    headline: str | None = None  # for the per-headline outcome rule
    evidenced_by: tuple[str, ...] = ()  # how a headline's needs were met: outcome, attendance

    @property
    def passed(self) -> bool:
        return not self.reasons


def finding(
    rule_id: str,
    rule: str,
    failed: bool,
    code: str,
    says: str,
    records: tuple[Record, ...] = (),
) -> Finding:
    """A finding that gives one reason code when it fails. ``says`` is the sentence for the
    outcome at hand (the caller words only that one: tens of thousands of families)."""
    return Finding(rule_id, rule, (code,) if failed else (), says, records)


def record_of(
    fact: b.PersonFacts
    | b.NeedFacts
    | b.AssessmentFacts
    | b.PlanFacts
    | b.LeadPractitionerFacts
    | b.OutcomeFacts
    | b.AttendanceFacts
    | b.ReferralFacts
    | b.PreviousClaimFacts,
    note: str = "",
) -> Record:
    """The record for any fact of the bundle, named by its ID (each fact's first field), with
    the evidence fields the extract gave for it."""
    shown = b.EVIDENCE_FIELDS.get(type(fact))
    details = (
        tuple((label, value) for name, label in shown.items() if (value := getattr(fact, name)))
        if shown
        else ()
    )
    return b.new_tuple(Record, (b.RECORD_KINDS[type(fact)], fact[0], fact.source, note, details))


def findings_to_json(findings: tuple[Finding, ...] | list[Finding]) -> list[dict]:
    """The findings as plain data, to store beside a decision or a claimed family."""
    return [
        {
            "rule_id": f.rule_id,
            "rule": f.rule,
            "reasons": f.reasons,
            "says": f.says,
            "headline": f.headline,
            "evidenced_by": f.evidenced_by,
            "records": [
                (kind, rid, *source, note, details)
                for kind, rid, source, note, details in f.records
            ],
        }
        for f in findings
    ]


def findings_from_json(data: list[dict], with_records: bool = True) -> list[Finding]:
    """The findings back from plain data; ``with_records=False`` leaves out the records, for
    a reader that needs only the verdicts (thousands of families, hundreds of thousands of
    records)."""
    return [
        Finding(
            item["rule_id"],
            item["rule"],
            tuple(item["reasons"]),
            item["says"],
            tuple(map(_record, item["records"])) if with_records else (),
            item["headline"],
            tuple(item["evidenced_by"]),
        )
        for item in data
    ]


def _record(kept: list) -> Record:
    """A record as kept: ``[kind, id, file, row, note]`` before records named their import and
    evidence, ``[kind, id, file, row, batch, imported, note, details]`` since."""
    if len(kept) == 5:
        kind, record_id, file, row, note = kept
        return Record(kind, record_id, Source(file, row), note)
    kind, record_id, file, row, batch, imported, note, details = kept
    day = date.fromisoformat(imported) if imported else None
    return Record(kind, record_id, Source(file, row, batch, day), note, tuple(map(tuple, details)))
