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

from typing import TYPE_CHECKING

from sfclaims.platform.lazily import names_from

if TYPE_CHECKING:  # the names, typed; at run time each is imported when first asked for
    from sfclaims.actions.admin import (
        PLAN_LIMIT,
        PlanPreview,
        Verified,
        archive,
        back_up,
        change_settings,
        check_archive,
        create_or_upgrade,
        grant_group_roles,
        keep_outcome_plan,
        kept_plan,
        preview_outcome_plan,
        purge,
        put_kept_plan,
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

#: Where each name lives: a command imports only what it uses, so it starts quickly.
_WHERE = {
    "Decisions": ("sfclaims.actions.claims_team", "Decisions"),
    "Imported": ("sfclaims.actions.data_officer", "Imported"),
    "PLAN_LIMIT": ("sfclaims.actions.admin", "PLAN_LIMIT"),
    "PlanPreview": ("sfclaims.actions.admin", "PlanPreview"),
    "keep_outcome_plan": ("sfclaims.actions.admin", "keep_outcome_plan"),
    "kept_plan": ("sfclaims.actions.admin", "kept_plan"),
    "preview_outcome_plan": ("sfclaims.actions.admin", "preview_outcome_plan"),
    "put_kept_plan": ("sfclaims.actions.admin", "put_kept_plan"),
    "SheetRecorded": ("sfclaims.actions.internal_audit", "SheetRecorded"),
    "Verified": ("sfclaims.actions.admin", "Verified"),
    "archive": ("sfclaims.actions.admin", "archive"),
    "authority_of": ("sfclaims.actions.internal_audit", "authority_of"),
    "back_up": ("sfclaims.actions.admin", "back_up"),
    "change_settings": ("sfclaims.actions.admin", "change_settings"),
    "check_archive": ("sfclaims.actions.admin", "check_archive"),
    "create_or_upgrade": ("sfclaims.actions.admin", "create_or_upgrade"),
    "decide": ("sfclaims.actions.claims_team", "decide"),
    "discard": ("sfclaims.actions.claims_team", "discard"),
    "draw_sample": ("sfclaims.actions.internal_audit", "draw_sample"),
    "evidence_pdf": ("sfclaims.actions.internal_audit", "evidence_pdf"),
    "explain_family": ("sfclaims.actions.claims_team", "explain_family"),
    "export_submission": ("sfclaims.actions.claims_team", "export_submission"),
    "forecast_files": ("sfclaims.actions.claims_team", "forecast_files"),
    "grant_group_roles": ("sfclaims.actions.admin", "grant_group_roles"),
    "import_extracts": ("sfclaims.actions.data_officer", "import_extracts"),
    "make_run": ("sfclaims.actions.claims_team", "make_run"),
    "outcomes_report": ("sfclaims.actions.claims_team", "outcomes_report"),
    "progress_report": ("sfclaims.actions.claims_team", "progress_report"),
    "purge": ("sfclaims.actions.admin", "purge"),
    "quality_report": ("sfclaims.actions.data_officer", "quality_report"),
    "quarter_files": ("sfclaims.actions.claims_team", "quarter_files"),
    "read_family": ("sfclaims.actions.claims_team", "read_family"),
    "record_verdict_sheet": ("sfclaims.actions.internal_audit", "record_verdict_sheet"),
    "record_verdicts": ("sfclaims.actions.internal_audit", "record_verdicts"),
    "retention_day": ("sfclaims.actions.admin", "retention_day"),
    "submission_preview": ("sfclaims.actions.claims_team", "submission_preview"),
    "submit": ("sfclaims.actions.claims_team", "submit"),
    "upgrade": ("sfclaims.actions.admin", "upgrade"),
    "verify": ("sfclaims.actions.admin", "verify"),
    "what_purge_removes": ("sfclaims.actions.admin", "what_purge_removes"),
    "widen_sample": ("sfclaims.actions.internal_audit", "widen_sample"),
    "write_evidence_pdfs": ("sfclaims.actions.internal_audit", "write_evidence_pdfs"),
    "write_pack": ("sfclaims.actions.internal_audit", "write_pack"),
}

__all__ = [
    "Decisions",
    "Imported",
    "PLAN_LIMIT",
    "PlanPreview",
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
    "keep_outcome_plan",
    "kept_plan",
    "make_run",
    "outcomes_report",
    "preview_outcome_plan",
    "progress_report",
    "purge",
    "put_kept_plan",
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


__getattr__ = names_from(__name__, _WHERE)
