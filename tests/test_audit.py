"""AUDIT_FAILED: a failed verdict keeps the family out of later runs until its records change."""

from __future__ import annotations

from datetime import date

import pytest

from sfclaims.claims import create_run, discard_run, run_contents
from sfclaims.claims.audit import record_verdict
from sfclaims.deciding.assessing import assess
from sfclaims.intake.importing import import_folder
from sfclaims.platform.errors import RefusedError
from sfclaims.platform.framework import load_framework
from tests.conftest import PAYING_ON, SAMPLE_AUTHORITY

FRAMEWORK = load_framework(PAYING_ON)  # claims for 2025-26 quarters
AS_OF = date(2025, 9, 30)


def decided(engine) -> dict:
    return {d.family_id: d.reasons for d in assess(engine, FRAMEWORK, AS_OF)}


def failed_in_a_draft(engine) -> tuple[str, str]:
    run = create_run(engine, FRAMEWORK, "2025-Q3", AS_OF, max_families=3).run_id
    family = run_contents(engine, run).claimed[0].family_id
    record_verdict(engine, run, family, "fail", "plan not signed")
    return run, family


def test_a_family_failed_at_audit_stays_out_of_the_next_run_with_audit_failed(sample_engine):
    run, family = failed_in_a_draft(sample_engine)
    assert decided(sample_engine)[family] == ("AUDIT_FAILED",)
    later = create_run(sample_engine, FRAMEWORK, "2025-Q4", AS_OF).run_id
    assert family not in {f.family_id for f in run_contents(sample_engine, later).claimed}


def test_a_pass_in_the_same_run_lifts_it(sample_engine):
    run, family = failed_in_a_draft(sample_engine)
    record_verdict(sample_engine, run, family, "pass", "plan found, signed")
    assert decided(sample_engine)[family] == ()


def test_a_changed_record_lifts_it_and_the_family_is_decided_afresh(sample_engine, tmp_path):
    run, family = failed_in_a_draft(sample_engine)
    changed = tmp_path / "changed"
    changed.mkdir()
    plans = (SAMPLE_AUTHORITY / "plans.csv").read_text(encoding="utf-8").splitlines()
    header, rows = plans[0], plans[1:]
    # the family's plan gets a review date: one value of one record, nothing else
    columns = header.split(",")
    review = columns.index("Last Review Date")
    edited = []
    for row in rows:
        cells = row.split(",")
        if cells[columns.index("Family ID")] == family:
            cells[review] = "01/09/2025"
        edited.append(",".join(cells))
    (changed / "plans.csv").write_text("\n".join([header, *edited]) + "\n", encoding="utf-8")
    import_folder(sample_engine, changed, FRAMEWORK)
    assert "AUDIT_FAILED" not in decided(sample_engine)[family]


def test_reimporting_the_same_records_keeps_it(sample_engine, tmp_path):
    run, family = failed_in_a_draft(sample_engine)
    again = tmp_path / "again"
    again.mkdir()
    text = (SAMPLE_AUTHORITY / "plans.csv").read_text(encoding="utf-8").splitlines()
    # the same plans in another order, from another file: the records are the same
    (again / "plans.csv").write_text("\n".join([text[0], *reversed(text[1:])]) + "\n")
    import_folder(sample_engine, again, FRAMEWORK)
    assert decided(sample_engine)[family] == ("AUDIT_FAILED",)


def test_discarding_the_draft_lifts_it(sample_engine):
    run, family = failed_in_a_draft(sample_engine)
    discard_run(sample_engine, run)
    assert decided(sample_engine)[family] == ()


def test_a_hostile_verdict_sheet_is_refused_before_it_is_read(tmp_path):
    """The verdict sheet is a workbook a person uploads: bounded as an extract is, refused in
    the words of what was not done."""
    from sfclaims.claims.audit import read_verdict_sheet
    from tests.extracts.test_limits import far_corner

    path = far_corner(tmp_path / "evidence-pack.xlsx", "XFD1048576")
    with pytest.raises(RefusedError, match="16,384 columns wide.*nothing was recorded"):
        read_verdict_sheet(path)


# --- the audit's conclusion ---------------------------------------------------------------------


def test_a_conclusion_says_how_many_failed_against_the_rate_the_council_accepts():
    from sfclaims.claims import AuditConclusion

    assert AuditConclusion(0, 0, 0, 10).sentence() == "No audit sample is drawn yet."
    assert not AuditConclusion(10, 10, 1, 10).widen  # 10%: not more than accepted
    assert AuditConclusion(10, 10, 2, 10).widen and AuditConclusion(5, 5, 1, 10).widen
    assert AuditConclusion(5, 5, 1, 10).sentence() == (
        "Internal audit checked all 5 sampled families: 1 failed (20.0%), more than the 10% "
        "the council accepts, so the sample is widened (more families drawn, the verdicts "
        "kept) before the claim is submitted."
    )
    assert AuditConclusion(10, 10, 0, 10).sentence().endswith("within the 10% the council accepts.")
    assert AuditConclusion(10, 4, 1, 10).sentence() == (
        "Internal audit has checked 4 of the 10 sampled families so far: 1 failed (25.0%)."
    )


def test_a_sample_failing_a_fifth_is_widened_before_the_claim_is_submitted(sample_engine, tmp_path):
    """One of five sampled families fails (20%, above the 10% accepted): submitting is refused
    and says to widen; five more drawn and passed (1 in 10), the claim goes, and the cover and
    the evidence pack say what internal audit found."""
    from openpyxl import load_workbook

    from sfclaims.claims import submit_run
    from sfclaims.claims.audit import sample_run, widen_sample
    from sfclaims.outputs.evidence_pack import write_evidence_pack
    from sfclaims.outputs.submission import write_submission
    from tests.test_claims import cover_of

    run = create_run(sample_engine, FRAMEWORK, "2025-Q3", AS_OF).run_id
    drawn = sample_run(sample_engine, run, 5, None, 11)
    record_verdict(sample_engine, run, drawn[0], "fail", "no plan on file")
    for family in drawn[1:]:
        record_verdict(sample_engine, run, family, "pass", "checked")
    with pytest.raises(RefusedError) as refused:
        submit_run(sample_engine, run)
    assert str(refused.value) == (
        f"Claim run {run} cannot be submitted yet: Internal audit checked all 5 sampled "
        f"families: 1 failed (20.0%), more than the 10% the council accepts, so the sample is "
        f"widened (more families drawn, the verdicts kept) before the claim is submitted."
    )
    assert refused.value.remedy == "widen the sample"
    added = widen_sample(sample_engine, run, 5, 12)
    assert len(added) == 5 and not set(added) & set(drawn)
    with pytest.raises(RefusedError, match="no verdict yet"):
        submit_run(sample_engine, run)  # the families added are checked first
    for family in added:
        record_verdict(sample_engine, run, family, "pass", "checked")
    assert submit_run(sample_engine, run) > 0
    contents = run_contents(sample_engine, run)
    found = (
        "Internal audit checked all 10 sampled families: 1 failed (10.0%), within the 10% the "
        "council accepts; the failed families are withdrawn from the claim."
    )
    assert contents.conclusion is not None and contents.conclusion.sentence() == found
    cover = cover_of(load_workbook(write_submission(contents, FRAMEWORK, tmp_path)[0]))
    assert cover["internal audit found"] == found
    pack = load_workbook(write_evidence_pack(contents, tmp_path / "pack"))["Run"]
    assert found in [row[1] for row in pack.iter_rows(values_only=True)]
