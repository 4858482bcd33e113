"""What a rule returns: whether it passed, the reasons it gives, and the records it relied on.

Deciding a county needs only the reasons; the records behind them, and the sentence that says
what was found, are built when a face shows them (a family's page, a claimed family's evidence),
by the same rule functions, so what is shown is what decided. ``citing(False)`` decides without
building them: ``record_of`` then gives ``NOT_CITED`` at once and ``saying`` an empty sentence,
and a finding's records and sentence mean nothing until it is decided again citing.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from datetime import date
from typing import Any, NamedTuple

from sfclaims.deciding import facts as b
from sfclaims.deciding.facts import Source


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


_CITING: ContextVar[bool] = ContextVar("citing", default=True)


@contextlib.contextmanager
def citing(on: bool) -> Iterator[None]:
    """Whether the rules build the records behind their findings while the block runs."""
    token = _CITING.set(on)
    try:
        yield
    finally:
        _CITING.reset(token)


def is_citing() -> bool:
    """Whether the records behind a finding are wanted now (a rule may skip its own work for
    them, as ``record_of`` does)."""
    return _CITING.get()


def saying(words: Callable[[], str]) -> str:
    """The finding's sentence, worded (``words()``) only while citing: a decide for the reasons
    alone never shows it, and wording it (its dates, its lists) is much of a rule's work."""
    return words() if _CITING.get() else ""


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
    the evidence fields the extract gave for it (``NOT_CITED`` while not citing)."""
    if not _CITING.get():
        return NOT_CITED
    shown = b.EVIDENCE_FIELDS.get(type(fact))
    details = (
        tuple(
            (label, _shown(value))
            for name, label in shown.items()
            if (value := getattr(fact, name))
        )
        if shown
        else ()
    )
    return b.new_tuple(Record, (b.RECORD_KINDS[type(fact)], fact[0], fact.source, note, details))


def records_of(facts: Iterable[Any]) -> tuple[Record, ...]:
    """The record for each fact (``record_of``); none while not citing (the facts not looked at)."""
    if not _CITING.get():
        return ()
    return tuple(record_of(fact) for fact in facts)


def _shown(value: object) -> str:
    """A record's detail as people read it: a date as DD/MM/YYYY, the rest as the extract gave
    it."""
    return f"{value:%d/%m/%Y}" if isinstance(value, date) else str(value)


#: What ``record_of`` gives while the rules decide without citing: one record for all, so a
#: finding's records cost nothing (and are never shown: a face decides again, citing).
NOT_CITED = Record("not cited", "", Source("", 0))


def findings_to_json(findings: tuple[Finding, ...] | list[Finding]) -> list[dict[Any, Any]]:
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


def findings_from_json(data: list[dict[Any, Any]], with_records: bool = True) -> list[Finding]:
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


def _record(kept: list[Any]) -> Record:
    """A record as kept: ``[kind, id, file, row, note]`` before records named their import and
    evidence, ``[kind, id, file, row, batch, imported, note, details]`` since."""
    if len(kept) == 5:
        kind, record_id, file, row, note = kept
        return Record(kind, record_id, Source(file, row), note)
    kind, record_id, file, row, batch, imported, note, details = kept
    day = date.fromisoformat(imported) if imported else None
    return Record(kind, record_id, Source(file, row, batch, day), note, tuple(map(tuple, details)))
