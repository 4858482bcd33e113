"""A claim run reuses the decisions `assess` stored, and only while they are current."""

import threading
from datetime import date

import pytest
from sqlalchemy import text

from sfclaims.claims import create_run, run_contents, submit_run
from sfclaims.claims.audit import record_verdict, sample_run
from sfclaims.deciding.assessing import assess_and_store, assess_at_state
from sfclaims.deciding.decisions import Decided, current_claimable, store_decisions
from sfclaims.intake.data_state import data_version
from sfclaims.intake.importing import import_folder
from sfclaims.platform.db import one_snapshot, open_database
from sfclaims.platform.errors import RefusedError
from sfclaims.platform.framework import FRAMEWORK_ROOT, load_framework
from tests.conftest import PAYING_ON

FRAMEWORK = load_framework(PAYING_ON)  # claims for 2025-26 quarters
AS_OF = date(2025, 9, 30)


def stored(engine):
    return assess_and_store(engine, FRAMEWORK, AS_OF).families


def test_stored_decisions_are_current_until_the_data_changes(sample_engine, tmp_path):
    assessed = stored(sample_engine)
    current = current_claimable(sample_engine, FRAMEWORK, AS_OF)
    assert [a.decision.family_id for a in current.families] == [
        a.decision.family_id for a in assessed if a.decision.claimable
    ]
    assert not any(a.evidence or a.facts for a in current.families)  # deciding cites nothing
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
    sample_run(sample_engine, run, 2, None, 1)
    for family in (f.family_id for f in run_contents(sample_engine, run).claimed):
        record_verdict(sample_engine, run, family, "pass", "checked")
    submit_run(sample_engine, run)
    assert current_claimable(sample_engine, FRAMEWORK, AS_OF) is None
    claimed = {f.family_id for f in run_contents(sample_engine, run).claimed}
    second = create_run(sample_engine, FRAMEWORK, "2025-Q3", AS_OF).run_id
    assert not claimed & {f.family_id for f in run_contents(sample_engine, second).claimed}


def test_a_run_from_stored_decisions_equals_a_run_decided_afresh(sample_engine):
    fresh_run = create_run(sample_engine, FRAMEWORK, "2025-Q3", AS_OF).run_id
    fresh = run_contents(sample_engine, fresh_run, records=True)
    assert current_claimable(sample_engine, FRAMEWORK, AS_OF) is not None  # the run stored them
    reused_run = create_run(sample_engine, FRAMEWORK, "2025-Q3", AS_OF, another=True).run_id
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


def claimable_family(engine) -> str:
    return next(a.decision.family_id for a in stored(engine) if a.decision.claimable)


def test_decisions_made_while_an_import_is_under_way_are_not_current_after_it(sample_url, tmp_path):
    """An assess reads the data while an import is under way (real concurrency: the import
    waits in its open transaction, ordered by events); its decisions, stored after the import
    commits, must not be reused, and the claim run decides again on the data now held."""
    engine = open_database(sample_url)
    family = claimable_family(engine)
    folder = tmp_path / "claimed-elsewhere"
    folder.mkdir()
    (folder / "previous_claims.csv").write_text(f"Family ID,Claim Period\n{family},2025-Q1\n")
    under_way, decided = threading.Event(), threading.Event()

    def wait_once_under_way(name: str, done: int, total: int) -> None:
        if not under_way.is_set():  # the import's transaction is open; it reads its first file
            under_way.set()
            assert decided.wait(timeout=60)

    importer = threading.Thread(
        target=import_folder,
        args=(open_database(sample_url), folder, FRAMEWORK),
        kwargs={"progress": wait_once_under_way},
    )
    importer.start()
    assert under_way.wait(timeout=60)
    assessed, state = assess_at_state(engine, FRAMEWORK, AS_OF, keep_claim_evidence=True)
    decided.set()
    importer.join(timeout=60)
    assert family in {a.decision.family_id for a in assessed if a.decision.claimable}
    store_decisions(engine, Decided(assessed, state), FRAMEWORK, AS_OF)
    assert current_claimable(engine, FRAMEWORK, AS_OF) is None
    run = create_run(engine, FRAMEWORK, "2025-Q3", AS_OF).run_id
    assert family not in {f.family_id for f in run_contents(engine, run).claimed}
    engine.dispose()


def test_a_claim_run_is_not_stored_when_the_data_changed_after_its_families_were_decided(
    sample_engine, tmp_path, monkeypatch
):
    from sfclaims.deciding import assessing

    folder = tmp_path / "next"
    folder.mkdir()
    (folder / "previous_claims.csv").write_text("Family ID,Claim Period\nF000013,2025-Q1\n")
    deciding = assessing.assess_and_store

    def decided_then_imported(*args):
        decided = deciding(*args)
        import_folder(sample_engine, folder, FRAMEWORK)  # commits before the run is stored
        return decided

    monkeypatch.setattr(assessing, "assess_and_store", decided_then_imported)
    with pytest.raises(RefusedError, match="The data changed while the claim run was being made"):
        create_run(sample_engine, FRAMEWORK, "2025-Q3", AS_OF)
    with sample_engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM claim_runs")).scalar_one() == 0


def test_deciding_while_the_data_change_between_ranges_decides_again(sample_engine, monkeypatch):
    from sfclaims.deciding import assessing

    with one_snapshot(sample_engine) as connection:
        now = data_version(connection)
    states = iter([{now - 1, now}, {now}])  # the ranges saw two states, then one
    real = assessing._assess_once

    def once(*args):
        assessed, _states = real(*args)
        return assessed, next(states)

    monkeypatch.setattr(assessing, "_assess_once", once)
    assessed, state = assess_at_state(sample_engine, FRAMEWORK, AS_OF)
    assert state == now and len(assessed) == 149
    monkeypatch.setattr(assessing, "_assess_once", lambda *args: ([], {now - 1, now}))
    with pytest.raises(
        RefusedError, match="The data changed while the families were being decided"
    ):
        assess_at_state(sample_engine, FRAMEWORK, AS_OF)


def test_deciding_without_citing_gives_every_familys_reasons_and_needs_unchanged(sample_engine):
    """Deciding a county builds no records and words no finding's sentence; the reasons and
    needs are the same as when each rule cites the records it relied on and says what it
    found, for every family of the sample authority."""
    from sfclaims.deciding.bundle import load_bundles
    from sfclaims.deciding.rules import Decider

    decider = Decider(FRAMEWORK)
    for bundle in load_bundles(sample_engine, AS_OF):
        cited, plain = decider.decide(bundle, AS_OF), decider.decide(bundle, AS_OF, cite=False)
        assert (plain.needs, plain.reasons) == (cited.needs, cited.reasons), bundle.family_id
        assert any(f.records for f in cited.findings)
        assert all(f.says for f in cited.findings), bundle.family_id
        assert not any(f.says for f in plain.findings if f.rule_id in WORDED_WHEN_SHOWN)


#: rules whose every sentence is worded from the family's records, only when it is shown
WORDED_WHEN_SHOWN = {"dependent_child", "enough_headlines", "case_closed", "every_need_met"}


def test_a_claim_runs_families_are_decided_again_citing_their_records(sample_engine):
    stored(sample_engine)
    run = create_run(sample_engine, FRAMEWORK, "2025-Q3", AS_OF).run_id
    contents = run_contents(sample_engine, run, records=True)
    assert contents.claimed
    for family in contents.claimed:
        assert family.facts
        cited = [r for finding in contents.evidence(family) for r in finding.records]
        assert cited and all(r.kind != "not cited" and r.source.file for r in cited)


@pytest.mark.raw_changes
def test_a_claim_run_never_claims_a_family_on_a_stored_flag_alone(sample_engine):
    """An insider marks a family that is not claimable as claimable among the kept decisions:
    the claim run decides each family it claims again from its records, refuses, stores
    nothing."""
    decided = stored(sample_engine)
    other = next(a.decision.family_id for a in decided if not a.decision.claimable)
    with sample_engine.begin() as connection:
        connection.execute(
            text(
                "UPDATE decisions SET claimable = TRUE, reasons = '' "
                "WHERE family_id = :family AND as_of = :day"
            ),
            {"family": other, "day": AS_OF},
        )
    with pytest.raises(RefusedError, match="cannot be claimed when decided again"):
        create_run(sample_engine, FRAMEWORK, "2025-Q3", AS_OF)
    with sample_engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM claim_runs")).scalar_one() == 0
