"""A claim run reuses the decisions `assess` stored, and only while they are current."""

from datetime import date

from sfclaims.assessing import assess_and_store
from sfclaims.claim_runs import create_run, run_contents, submit_run
from sfclaims.decisions import current_claimable
from sfclaims.framework import FRAMEWORK_ROOT, load_framework
from sfclaims.importing import import_folder

FRAMEWORK = load_framework()
AS_OF = date(2025, 9, 30)


def stored(engine):
    return assess_and_store(engine, FRAMEWORK, AS_OF)


def test_stored_decisions_are_current_until_the_data_changes(sample_engine, tmp_path):
    assessed = stored(sample_engine)
    current = current_claimable(sample_engine, FRAMEWORK, AS_OF)
    assert [a.decision.family_id for a in current] == [
        a.decision.family_id for a in assessed if a.decision.claimable
    ]
    assert all(a.facts for a in current)
    folder = tmp_path / "again"
    folder.mkdir()
    (folder / "previous_claims.csv").write_text("Family ID,Claim Period\nF000013,2025-Q1\n")
    import_folder(sample_engine, folder, FRAMEWORK)
    assert current_claimable(sample_engine, FRAMEWORK, AS_OF) is None


def test_stored_decisions_under_another_framework_or_date_are_not_reused(sample_engine):
    stored(sample_engine)
    local = load_framework(FRAMEWORK_ROOT / "local-overlay-example.toml")
    assert current_claimable(sample_engine, local, AS_OF) is None
    assert current_claimable(sample_engine, FRAMEWORK, date(2025, 10, 1)) is None


def test_a_submitted_run_makes_stored_decisions_stale(sample_engine):
    stored(sample_engine)
    run = create_run(sample_engine, FRAMEWORK, "2025-Q3", AS_OF, max_families=2).run_id
    assert current_claimable(sample_engine, FRAMEWORK, AS_OF) is not None  # a draft changes nothing
    submit_run(sample_engine, run)
    assert current_claimable(sample_engine, FRAMEWORK, AS_OF) is None
    claimed = {f.family_id for f in run_contents(sample_engine, run).claimed}
    second = create_run(sample_engine, FRAMEWORK, "2025-Q3", AS_OF).run_id
    assert not claimed & {f.family_id for f in run_contents(sample_engine, second).claimed}


def test_a_run_from_stored_decisions_equals_a_run_decided_afresh(sample_engine):
    fresh_run = create_run(sample_engine, FRAMEWORK, "2025-Q3", AS_OF).run_id
    fresh = run_contents(sample_engine, fresh_run, records=True)
    assert current_claimable(sample_engine, FRAMEWORK, AS_OF) is not None  # the run stored them
    reused_run = create_run(sample_engine, FRAMEWORK, "2025-Q3", AS_OF).run_id
    reused = run_contents(sample_engine, reused_run, records=True)
    keep = (
        "family_id",
        "episode_start",
        "episode_end",
        "needs",
        "evidenced",
        "assessment_completed",
        "plan_start",
        "lead_practitioner_start",
        "attendance_check",
        "rereferral_check",
        "evidence",
        "facts",
    )
    assert [[getattr(f, k) for k in keep] for f in fresh.families] == [
        [getattr(f, k) for k in keep] for f in reused.families
    ]
