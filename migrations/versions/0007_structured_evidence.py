"""claims keep the headlines evidenced as data, and every finding names its rule by id

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 07:30:00

Before: ``claimed_families.evidenced`` was text such as ``EDUCATION (attendance);HOUSING
(outcome and attendance)`` and a finding named its rule only by the words shown to people. After:
``evidenced`` is JSON (headline -> how, in canonical order) and each finding kept as evidence
carries the rule's stable id. Stored decisions are a cache that the next assess or claim run
rebuilds, so they are cleared rather than rewritten.
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The words each rule's finding began with up to 0006, and the rule's id (once, here only).
_RULE_IDS_BY_WORDING = (
    ("At least ", "enough_headlines"),
    ("A dependent child or an expectant parent", "dependent_child"),
    ("A whole-family assessment completed", "assessment"),
    ("A family action plan covering the whole family", "plan"),
    ("The plans address every headline need", "plan_addresses_needs"),
    ("A lead practitioner the family recognises", "lead_practitioner"),
    ("The case is closed", "case_closed"),
    ("School attendance in the most recent complete term", "school_attendance"),
    ("No accepted re-referral after the case closed", "no_rereferral"),
    ("Not claimed before", "not_claimed_before"),
)


def _rule_id(finding: dict) -> str:
    if finding.get("headline"):
        return "every_need_met"
    return next(rid for words, rid in _RULE_IDS_BY_WORDING if finding["rule"].startswith(words))


def _evidenced_as_data(text: str) -> str:
    """``EDUCATION (attendance);HOUSING (outcome and attendance)`` as JSON."""
    evidenced = {}
    for item in filter(None, text.split(";")):
        headline, how = item.split(" (", 1)
        evidenced[headline] = how.rstrip(")").split(" and ")
    return json.dumps(evidenced, separators=(",", ":"))


def _evidenced_as_text(data: str) -> str:
    return ";".join(f"{h} ({' and '.join(how)})" for h, how in json.loads(data).items())


def _rewrite(connection: sa.Connection, evidenced, evidence) -> None:  # type: ignore[no-untyped-def]
    rows = connection.execute(
        sa.text("SELECT run_id, family_id, evidenced, evidence FROM claimed_families")
    ).all()
    for run_id, family_id, old_evidenced, old_evidence in rows:
        connection.execute(
            sa.text(
                "UPDATE claimed_families SET evidenced = :evidenced, evidence = :evidence "
                "WHERE run_id = :run_id AND family_id = :family_id"
            ),
            {
                "evidenced": evidenced(old_evidenced),
                "evidence": evidence(old_evidence),
                "run_id": run_id,
                "family_id": family_id,
            },
        )


def _with_rule_ids(evidence: str) -> str:
    findings = json.loads(evidence)
    return json.dumps(
        [
            {"rule_id": _rule_id(f), **{k: v for k, v in f.items() if k != "rule_id"}}
            for f in findings
        ],
        separators=(",", ":"),
        ensure_ascii=False,
    )


def _without_rule_ids(evidence: str) -> str:
    findings = json.loads(evidence)
    return json.dumps(
        [{k: v for k, v in f.items() if k != "rule_id"} for f in findings],
        separators=(",", ":"),
        ensure_ascii=False,
    )


def upgrade() -> None:
    connection = op.get_bind()
    connection.execute(sa.text("DELETE FROM decisions"))
    _rewrite(connection, _evidenced_as_data, _with_rule_ids)


def downgrade() -> None:
    connection = op.get_bind()
    connection.execute(sa.text("DELETE FROM decisions"))
    _rewrite(connection, _evidenced_as_text, _without_rule_ids)
