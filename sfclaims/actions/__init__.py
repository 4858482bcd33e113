"""What a person does, once for both faces: the command line and the workspace call these.

Each action checks the person's role, leaves every rule to its stage (which refuses with a
typed error, in no face's words), does the work, writes the activity log in the same
transaction as the change (or, for a file written, once it is written), and returns what a face
needs to word the outcome — warnings included, as data. A face only asks, words the answer and
shows it; it never checks a role, a rule or writes the log itself.

A module per role: ``data_officer``, ``claims_team``, ``internal_audit``, ``admin``; all are
named here, so a face says ``from sfclaims.actions import decide``. Beside them, the faces' only
other doors into the engine (tests/test_architecture.py holds them to it): ``accounts`` (the
people stage's own actions, which check the admin role themselves, and each step of signing in),
``shown`` (reads that change nothing), ``service`` (the database, jobs, keys) and ``vocabulary``
(errors, dates, values given).
"""

from __future__ import annotations

from sfclaims.actions.admin import (
    PLAN_LIMIT,
    Verified,
    archive,
    back_up,
    change_settings,
    check_archive,
    create_or_upgrade,
    grant_group_roles,
    purge,
    put_outcome_plan,
    retention_day,
    upgrade,
    verify,
    what_purge_removes,
)
from sfclaims.actions.claims_team import (
    Decisions,
    decide,
    discard,
    explain_family,
    export_submission,
    forecast_files,
    make_run,
    outcomes_report,
    progress_report,
    quarter_files,
    read_family,
    submission_preview,
    submit,
)
from sfclaims.actions.data_officer import Imported, import_extracts, quality_report
from sfclaims.actions.internal_audit import (
    SheetRecorded,
    authority_of,
    draw_sample,
    evidence_pdf,
    record_verdict_sheet,
    record_verdicts,
    widen_sample,
    write_evidence_pdfs,
    write_pack,
)

__all__ = [
    "PLAN_LIMIT",
    "Decisions",
    "Imported",
    "SheetRecorded",
    "Verified",
    "archive",
    "authority_of",
    "back_up",
    "change_settings",
    "check_archive",
    "create_or_upgrade",
    "decide",
    "discard",
    "draw_sample",
    "evidence_pdf",
    "explain_family",
    "export_submission",
    "forecast_files",
    "grant_group_roles",
    "import_extracts",
    "make_run",
    "outcomes_report",
    "progress_report",
    "purge",
    "put_outcome_plan",
    "quality_report",
    "quarter_files",
    "read_family",
    "record_verdict_sheet",
    "record_verdicts",
    "retention_day",
    "submission_preview",
    "submit",
    "upgrade",
    "verify",
    "what_purge_removes",
    "widen_sample",
    "write_evidence_pdfs",
    "write_pack",
]
