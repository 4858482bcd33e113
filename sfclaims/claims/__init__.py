"""Claim runs and the ledger, by job: ``making`` a draft run, the ``ledger`` (submit, discard,
list, what is claimed), the audit ``sample`` as kept, the ``digest`` that seals a submitted run,
and the ``contents`` a run holds for the exports and packs; ``runs`` holds what they share.

A claim run takes the claimable families as of a date and keeps, for each, the decision, the
evidence and the family's records as they stood, so nothing later can change what the run claims
or shows. Submitting locks the run; the database refuses a family in two submitted runs. The
audit of a run (drawing the sample, verdicts) is in ``sfclaims.claims.audit``.
"""

from sfclaims.claims.contents import (
    RUN_PAGE,
    RunContents,
    RunPage,
    run_contents,
    run_log,
    run_page,
)
from sfclaims.claims.digest import (
    CURRENT,
    DIGESTS,
    SUBMITTED_ACTION,
    covered,
    run_digest,
    verify_submitted,
)
from sfclaims.claims.ledger import (
    RunListed,
    allocation_left,
    claimed_family_ids,
    discard_run,
    list_runs,
    submission_preview,
    submit_run,
    verdict_authors,
)
from sfclaims.claims.making import (
    RunCreated,
    check_period,
    create_run,
    engine_version,
    refuse_second_draft,
)
from sfclaims.claims.runs import (
    get_run,
    plural,
    refuse_if_submitted,
    run_family_ids,
    separate_duties,
)
from sfclaims.claims.sample import (
    SAMPLE_DRAWN,
    AuditConclusion,
    SampleStatus,
    audit_conclusion,
    audit_finished,
    left_to_draw,
    refuse_unless_audited,
    sample_status,
    sampled,
    sampled_families,
    sampled_with_verdicts,
    widen_above,
)

__all__ = [
    "SAMPLE_DRAWN",
    "AuditConclusion",
    "audit_conclusion",
    "left_to_draw",
    "widen_above",
    "audit_finished",
    "CURRENT",
    "DIGESTS",
    "covered",
    "RunContents",
    "RunCreated",
    "RunListed",
    "SUBMITTED_ACTION",
    "allocation_left",
    "check_period",
    "claimed_family_ids",
    "create_run",
    "discard_run",
    "engine_version",
    "get_run",
    "list_runs",
    "plural",
    "refuse_if_submitted",
    "refuse_unless_audited",
    "run_contents",
    "run_page",
    "RunPage",
    "RUN_PAGE",
    "run_digest",
    "run_family_ids",
    "run_log",
    "SampleStatus",
    "sample_status",
    "refuse_second_draft",
    "sampled",
    "sampled_families",
    "sampled_with_verdicts",
    "separate_duties",
    "submission_preview",
    "submit_run",
    "verdict_authors",
    "verify_submitted",
]
