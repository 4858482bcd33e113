"""Claim runs, the ledger, the submission, audit: each command's effect and exit code."""

from __future__ import annotations

import csv
import re
import threading
import time
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, text, update

from sfclaims.claims import create_run, run_contents, submit_run
from sfclaims.claims.audit import record_verdict, sample_run
from sfclaims.deciding.assessing import assess
from sfclaims.deciding.bundle import load_bundles
from sfclaims.intake.importing import import_folder
from sfclaims.outputs.evidence_pack import write_evidence_pack
from sfclaims.outputs.submission import write_submission
from sfclaims.platform.db import open_database
from sfclaims.platform.errors import RefusedError, UsageError
from sfclaims.platform.framework import load_framework
from sfclaims.platform.models import ClaimedFamily
from tests.conftest import PAYING_ON, SAMPLE_AUTHORITY

FRAMEWORK = load_framework(PAYING_ON)  # claims for 2025-26 quarters
AS_OF = date(2025, 9, 30)


@pytest.fixture
def sample(sample_engine):
    return sample_engine


def audited_and_submitted(engine, run: str) -> int:
    """Submit the run the way it must be: its audit sample drawn and every sampled family
    given a verdict (pass) first."""
    for family in sample_run(engine, run, 1, None, 7):
        record_verdict(engine, run, family, "pass", "checked")
    return submit_run(engine, run)


def claimable_ids(engine) -> list[str]:
    return [d.family_id for d in assess(engine, FRAMEWORK, AS_OF) if d.claimable]


def test_a_run_takes_every_claimable_family(sample):
    created = create_run(sample, FRAMEWORK, "2025-Q3", AS_OF)
    contents = run_contents(sample, created.run_id)
    assert created.run_id == "2025-Q3-R1"
    assert sorted(f.family_id for f in contents.claimed) == claimable_ids(sample)
    assert contents.status == "draft" and contents.run.framework == FRAMEWORK.label()


def test_a_discarded_runs_id_is_never_given_again(sample):
    """R1 and R2 made, R1 then R2 discarded: the next run is R3, and each ID's log is its own
    run's alone."""
    from sfclaims.claims import discard_run
    from sfclaims.platform.activity import read_log

    first = create_run(sample, FRAMEWORK, "2025-Q3", AS_OF).run_id
    second = create_run(sample, FRAMEWORK, "2025-Q3", AS_OF, another=True).run_id
    discard_run(sample, first)
    discard_run(sample, second)
    third = create_run(sample, FRAMEWORK, "2025-Q3", AS_OF).run_id
    assert (first, second, third) == ("2025-Q3-R1", "2025-Q3-R2", "2025-Q3-R3")
    assert [e.action for e in read_log(sample, run=third)] == ["claim run made"]
    assert [e.action for e in read_log(sample, run=first)] == [
        "claim run made",
        "claim run discarded",
    ]


def test_a_capped_run_takes_the_earliest_episode_starts_then_family_id(sample):
    bundles = {d.family_id for d in assess(sample, FRAMEWORK, AS_OF) if d.claimable}
    starts = sorted(
        (b.episode_start, b.family_id)
        for b in load_bundles(sample, AS_OF)
        if b.family_id in bundles
    )
    created = create_run(sample, FRAMEWORK, "2025-Q3", AS_OF, max_families=3)
    claimed = [f.family_id for f in run_contents(sample, created.run_id).claimed]
    assert claimed == [family for _, family in starts[:3]]
    assert created.claimable == len(bundles) > 3


def test_submitting_locks_the_run_and_its_families_become_already_claimed(sample):
    run = create_run(sample, FRAMEWORK, "2025-Q3", AS_OF, max_families=2).run_id
    claimed = [f.family_id for f in run_contents(sample, run).claimed]
    assert audited_and_submitted(sample, run) == 2
    decisions = {d.family_id: d for d in assess(sample, FRAMEWORK, AS_OF)}
    for family_id in claimed:
        assert decisions[family_id].reasons == ("ALREADY_CLAIMED",)
    ledger = {b.family_id: b.claimed_in_runs for b in load_bundles(sample, AS_OF)}
    assert {family for family, runs in ledger.items() if runs} == set(claimed)
    assert all(ledger[family] == (run,) for family in claimed)
    second = create_run(sample, FRAMEWORK, "2025-Q4", AS_OF).run_id
    assert not set(claimed) & {f.family_id for f in run_contents(sample, second).claimed}


def test_a_submitted_run_cannot_be_submitted_again_or_take_a_verdict(sample):
    run = create_run(sample, FRAMEWORK, "2025-Q3", AS_OF, max_families=1).run_id
    family = run_contents(sample, run).claimed[0].family_id
    audited_and_submitted(sample, run)
    with pytest.raises(RefusedError, match=f"Claim run {run} was submitted on .* and is locked"):
        submit_run(sample, run)
    with pytest.raises(RefusedError) as refused:
        record_verdict(sample, run, family, "fail", "late evidence")
    assert refused.value.exit_code == 3


def test_submitting_a_run_holding_a_family_already_claimed_is_refused(sample):
    first = create_run(sample, FRAMEWORK, "2025-Q3", AS_OF, max_families=2).run_id
    overlapping = create_run(
        sample, FRAMEWORK, "2025-Q3", AS_OF, max_families=3, another=True
    ).run_id
    audited_and_submitted(sample, first)
    with pytest.raises(RefusedError, match="already claimed"):
        audited_and_submitted(sample, overlapping)
    assert run_contents(sample, overlapping).status == "draft"


def test_families_in_the_record_of_earlier_claims_are_never_in_a_run(sample):
    previous = {"F000086", "F000089", "F000135"}
    run = create_run(sample, FRAMEWORK, "2025-Q3", AS_OF).run_id
    assert not previous & {f.family_id for f in run_contents(sample, run).claimed}


def test_the_database_itself_refuses_a_family_in_two_submitted_runs(sample):
    first = create_run(sample, FRAMEWORK, "2025-Q3", AS_OF, max_families=1).run_id
    second = create_run(sample, FRAMEWORK, "2025-Q3", AS_OF, max_families=1, another=True).run_id
    audited_and_submitted(sample, first)
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError), sample.begin() as connection:  # going round the code
        connection.execute(
            update(ClaimedFamily).where(ClaimedFamily.run_id == second).values(submitted=True)
        )


def test_an_unknown_run_or_a_bad_period_is_a_usage_error(sample):
    with pytest.raises(UsageError, match="There is no claim run NOPE"):
        submit_run(sample, "NOPE")
    with pytest.raises(UsageError, match="not a quarter; write it like 2025-Q3"):
        create_run(sample, FRAMEWORK, "2025-Q5", AS_OF)


def test_a_failed_verdict_withdraws_the_family_and_the_pack_keeps_the_verdict(sample, tmp_path):
    run = create_run(sample, FRAMEWORK, "2025-Q3", AS_OF, max_families=3).run_id
    failed = run_contents(sample, run).claimed[0].family_id
    record_verdict(sample, run, failed, "fail", "no evidence of the housing outcome")
    contents = run_contents(sample, run)
    assert failed not in {f.family_id for f in contents.claimed}
    assert failed in {f.family_id for f in contents.families}
    later = create_run(sample, FRAMEWORK, "2025-Q4", AS_OF).run_id
    assert failed not in {f.family_id for f in run_contents(sample, later).claimed}  # failed
    record_verdict(sample, run, failed, "pass", "the outcome was on file after all")
    again = create_run(sample, FRAMEWORK, "2025-Q4", AS_OF, another=True).run_id
    assert failed in {f.family_id for f in run_contents(sample, again).claimed}
    pack = write_evidence_pack(run_contents(sample, again, [failed]), tmp_path)
    verdicts = list(load_workbook(pack)["Verdicts"].values)
    assert verdicts[1][:4] == (failed, run, "fail", "no evidence of the housing outcome")
    assert verdicts[2][:3] == (failed, run, "pass")


def test_the_sample_is_reproducible_sorted_and_sized(sample):
    run = create_run(sample, FRAMEWORK, "2025-Q3", AS_OF).run_id
    everyone = {f.family_id for f in run_contents(sample, run).claimed}
    one = sample_run(sample, run, 3, None, seed=7)
    assert one == sample_run(sample, run, 3, None, seed=7) == sorted(one)
    assert len(one) == 3 and set(one) <= everyone
    assert len(sample_run(sample, run, None, 50, seed=1)) == -(-len(everyone) // 2)
    with pytest.raises(UsageError):
        sample_run(sample, run, 3, 10, seed=1)


def test_the_submission_has_the_families_totals_and_run_metadata(sample, tmp_path):
    run = create_run(sample, FRAMEWORK, "2025-Q3", AS_OF).run_id
    workbook_path, csv_path = write_submission(run_contents(sample, run), FRAMEWORK, tmp_path)
    workbook = load_workbook(workbook_path)
    assert workbook.sheetnames == ["Submission", "Claimed families", "Log"]
    families = list(workbook["Claimed families"].values)
    assert len(families) - 1 == len(claimable_ids(sample))
    assert families[0][:3] == ("family ID", "episode start", "episode end")
    assert families[0][6] == "headlines met (how evidenced)"
    assert all(row[7] == "pass" and row[8] == "pass" for row in families[1:])
    cover = cover_of(workbook)
    assert cover["families claimed"] == len(families) - 1
    assert (
        cover["Safe from domestic abuse (DOMESTIC_ABUSE)"]
        == (sum("DOMESTIC_ABUSE" in row[6] for row in families[1:]),) * 2
    )
    assert cover["claim run"] == f"{run} (draft)" and cover["quarter claimed for"] == (
        "2025/26 Q2 (July to September 2025)"
    )
    assert cover["engine version"].startswith("sfclaims ")
    with csv_path.open(encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    assert len(rows) == len(families)
    assert rows[0][3:5] == ["headlines identified", "headlines evidenced (how)"]
    assert all(r[8].startswith("pass: ") and r[9].startswith("pass: ") for r in rows[1:])


def cover_of(workbook) -> dict[str, object]:
    """The submission's cover as label -> value (a headline's row: its two counts)."""
    cover: dict[str, object] = {}
    for label, *values in workbook["Submission"].iter_rows(min_row=2, values_only=True):
        if label:
            counts = tuple(v for v in values if isinstance(v, int))
            cover[label] = counts if len(counts) == 2 else values[0]
    return cover


def test_a_submitted_runs_export_is_byte_identical_after_a_reimport_changes_the_family(
    sample, tmp_path
):
    run = create_run(sample, FRAMEWORK, "2025-Q3", AS_OF, max_families=2).run_id
    audited_and_submitted(sample, run)
    family = run_contents(sample, run).claimed[0].family_id
    before = [
        p.read_bytes()
        for p in write_submission(run_contents(sample, run), FRAMEWORK, tmp_path / "before")
    ]
    pack_before = write_evidence_pack(run_contents(sample, run), tmp_path / "before").read_bytes()
    changed = tmp_path / "changed"
    changed.mkdir()
    original = (SAMPLE_AUTHORITY / "outcomes.csv").read_text(encoding="utf-8")
    kept = [line for line in original.splitlines() if f",{family}," not in line]
    (changed / "outcomes.csv").write_text("\n".join(kept) + "\n", encoding="utf-8")
    import_folder(sample, changed, FRAMEWORK)
    assert family not in claimable_ids(sample)
    after = [
        p.read_bytes()
        for p in write_submission(run_contents(sample, run), FRAMEWORK, tmp_path / "after")
    ]
    pack_after = write_evidence_pack(run_contents(sample, run), tmp_path / "after").read_bytes()
    assert before == after and pack_before == pack_after


def test_the_evidence_pack_shows_every_rule_and_the_records_with_file_and_row(sample, tmp_path):
    run = create_run(sample, FRAMEWORK, "2025-Q3", AS_OF, max_families=2).run_id
    workbook = load_workbook(write_evidence_pack(run_contents(sample, run), tmp_path))
    assert workbook.sheetnames == ["Families", "Rules", "Verdicts", "Run", "Log"]
    rules = list(workbook["Rules"].values)
    assert rules[0][5] == "records relied on [source file and row]"
    assert workbook["Rules"]["F2"].alignment.wrap_text, "one record a line, wrapped"
    assert {r[2] for r in rules[1:]} == {"PASS"} and len(rules) - 1 >= 2 * 12
    outcome_lines = [
        line for r in rules[1:] if r[5] for line in r[5].split("\n") if line.startswith("outcome ")
    ]
    assert outcome_lines and all(
        re.fullmatch(
            r"outcome \S+ \((not )?sustained\)( — .*)? "
            r"\[outcomes\.csv row \d+, import \d+ of \d\d/\d\d/\d{4}\]",
            line,
        )
        for line in outcome_lines
    )


def test_a_pack_of_chosen_families_adds_their_records_in_full(sample, tmp_path):
    run = create_run(sample, FRAMEWORK, "2025-Q3", AS_OF, max_families=3).run_id
    chosen = [f.family_id for f in run_contents(sample, run).claimed][:2]
    path = write_evidence_pack(run_contents(sample, run, chosen), tmp_path)
    assert path.name == f"evidence-pack-{run}-2-families.xlsx"
    workbook = load_workbook(path)
    assert workbook.sheetnames == ["Families", "Rules", "Family records", "Verdicts", "Run", "Log"]
    assert [r[0] for r in list(workbook["Families"].values)[1:]] == chosen
    facts = list(workbook["Family records"].values)[1:]
    assert {r[0] for r in facts} == set(chosen)
    assert any(r[1] == "needs" and "date identified" in r[3] for r in facts)
    with pytest.raises(UsageError, match="Family F-NOPE is not in claim run"):
        run_contents(sample, run, [chosen[0], "F-NOPE"])


def test_formula_looking_text_is_written_as_text(engine, tmp_path):
    import csv

    folder = tmp_path / "extracts"
    folder.mkdir()
    for path in SAMPLE_AUTHORITY.glob("*.csv"):
        (folder / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    with (SAMPLE_AUTHORITY / "lead_practitioners.csv").open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    dangerous = ('=HYPERLINK("http://example.invalid","click")', "+cmd|' /C calc'!A0")
    for number, row in enumerate(rows[1:]):
        row[2] = dangerous[number % 2]  # Worker Name
    with (folder / "lead_practitioners.csv").open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    import_folder(engine, folder, FRAMEWORK)
    run = create_run(engine, FRAMEWORK, "2025-Q3", AS_OF).run_id
    everyone = [f.family_id for f in run_contents(engine, run).claimed]
    pack = write_evidence_pack(run_contents(engine, run, everyone), tmp_path / "pack")
    cells = [
        c
        for row in load_workbook(pack)["Family records"].iter_rows()
        for c in row
        if isinstance(c.value, str) and ("HYPERLINK" in c.value or "cmd|" in c.value)
    ]
    assert cells, "the family records carry the worker's name"
    assert all(c.data_type == "s" for c in cells)
    assert any(
        'worker name: =HYPERLINK("http://example.invalid","click")' in c.value for c in cells
    )


def test_a_cell_that_is_only_a_formula_stays_text(tmp_path):
    from sfclaims.platform.workbook import new_workbook, write_table

    path = tmp_path / "t.xlsx"
    workbook = new_workbook(path, "t")
    write_table(
        workbook,
        "s",
        ("value",),
        [('=HYPERLINK("http://x")',), ("+cmd|' /C calc'!A0",), ("http://example.invalid",)],
    )
    workbook.close()
    cells = [row[0] for row in load_workbook(path)["s"].iter_rows(min_row=2)]
    assert [c.value for c in cells] == [
        '=HYPERLINK("http://x")',
        "+cmd|' /C calc'!A0",
        "http://example.invalid",
    ]
    assert all(c.data_type == "s" and c.hyperlink is None for c in cells)


def waiting_on_a_lock(engine, seconds: float = 30) -> bool:
    """Whether some other connection comes to wait on a row lock within the time: asked of
    PostgreSQL's own lock table, not guessed from how long a thread has run."""
    deadline = time.monotonic() + seconds
    with engine.connect() as connection:
        while time.monotonic() < deadline:
            waiting = connection.execute(
                text(  # this test's own database: other tests may run beside it (xdist)
                    "SELECT count(*) FROM pg_locks WHERE NOT granted AND pid <> pg_backend_pid() "
                    "AND pid IN (SELECT pid FROM pg_stat_activity WHERE datname = current_database())"
                )
            ).scalar_one()
            if waiting:
                return True
            connection.rollback()  # a fresh snapshot of the lock table
    return False


@pytest.mark.raw_changes  # changes tables over a raw connection
@pytest.mark.parametrize("sample_url", ["postgres"], indirect=True)
def test_two_submissions_at_once_on_postgresql_cannot_double_claim(sample_url):
    engine = open_database(sample_url)
    first = create_run(engine, FRAMEWORK, "2025-Q3", AS_OF, max_families=2).run_id
    second = create_run(engine, FRAMEWORK, "2025-Q3", AS_OF, max_families=2, another=True).run_id
    for family in sample_run(engine, second, 2, None, 1):
        record_verdict(engine, second, family, "pass", "checked")
    # hold the first submission's transaction open while the second one runs
    outcomes: dict[str, object] = {}
    holder = open_database(sample_url)
    with holder.begin() as held:
        held.execute(
            text("UPDATE claimed_families SET submitted = true WHERE run_id = :r"), {"r": first}
        )
        held.execute(
            text("UPDATE claim_runs SET submitted_at = now() WHERE run_id = :r"), {"r": first}
        )

        def submit_second() -> None:
            try:
                outcomes["second"] = submit_run(open_database(sample_url), second)
            except RefusedError as error:
                outcomes["second"] = error

        thread = threading.Thread(target=submit_second)
        thread.start()
        assert waiting_on_a_lock(engine), "the second submission waits on the first one's rows"
        assert thread.is_alive()
    thread.join(timeout=30)
    assert isinstance(outcomes["second"], RefusedError)
    with engine.connect() as connection:
        submitted = (
            connection.execute(select(ClaimedFamily.family_id).where(ClaimedFamily.submitted))
            .scalars()
            .all()
        )
    assert len(submitted) == len(set(submitted)) == 2
    for used in (engine, holder):
        used.dispose()


def test_two_runs_made_at_the_same_moment_refuse_the_second_plainly(sample, monkeypatch):
    from sfclaims.claims import making as claim_runs

    first = create_run(sample, FRAMEWORK, "2025-Q3", AS_OF, max_families=1).run_id
    monkeypatch.setattr(claim_runs, "_next_run_id", lambda connection, period: first)  # a race lost
    with pytest.raises(RefusedError, match="made at the same moment; nothing was stored"):
        create_run(sample, FRAMEWORK, "2025-Q3", AS_OF, max_families=1, another=True)
    assert len(run_contents(sample, first).families) == 1


def test_a_verdict_racing_a_submission_waits_for_it_and_is_refused(sample_url, monkeypatch):
    """The submission holds the run; a fail verdict arriving meanwhile waits for it, then is
    refused, and what submit says it claimed is what it stored."""
    from sfclaims.claims import ledger as claim_runs

    engine = open_database(sample_url)
    run = create_run(engine, FRAMEWORK, "2025-Q3", AS_OF, max_families=4).run_id
    (checked,) = sample_run(engine, run, 1, None, 1)
    record_verdict(engine, run, checked, "pass", "checked")
    family = next(f.family_id for f in run_contents(engine, run).claimed if f.family_id != checked)
    submit_holds_the_run, verdict_on_its_way = threading.Event(), threading.Event()
    checked_already_claimed = claim_runs._already_claimed

    def pausing(*args):  # inside the submission's transaction, after it took the run
        submit_holds_the_run.set()
        assert verdict_on_its_way.wait(timeout=30)
        if engine.dialect.name == "postgresql":
            assert waiting_on_a_lock(engine), "the verdict waits on the run's row"
        return checked_already_claimed(*args)

    monkeypatch.setattr(claim_runs, "_already_claimed", pausing)
    outcomes: dict[str, object] = {}

    def submit() -> None:
        outcomes["submitted"] = submit_run(open_database(sample_url), run)

    def verdict() -> None:
        assert submit_holds_the_run.wait(timeout=30)
        verdict_on_its_way.set()
        try:
            record_verdict(open_database(sample_url), run, family, "fail", "plan not signed")
            outcomes["verdict"] = "recorded"
        except RefusedError as error:
            outcomes["verdict"] = error

    threads = [threading.Thread(target=submit), threading.Thread(target=verdict)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert isinstance(outcomes["verdict"], RefusedError)
    assert "is locked; no verdict can be added to it" in str(outcomes["verdict"])
    with engine.connect() as connection:
        rows = connection.execute(
            select(ClaimedFamily.family_id, ClaimedFamily.submitted, ClaimedFamily.withdrawn).where(
                ClaimedFamily.run_id == run
            )
        ).all()
        verdicts = connection.execute(text("SELECT count(*) FROM audit_verdicts")).scalar_one()
    assert outcomes["submitted"] == sum(r.submitted for r in rows) == 4
    assert not any(r.submitted and r.withdrawn for r in rows) and verdicts == 1  # the sample's
    engine.dispose()


# --- the database guards the ledger -------------------------------------------------------------

TAMPERING = {
    "change a claimed family": "UPDATE claimed_families SET needs = 'HOUSING' WHERE run_id = :r",
    "remove a claimed family": "DELETE FROM claimed_families WHERE run_id = :r",
    "add a family": (
        "INSERT INTO claimed_families SELECT run_id, 'X' || family_id, position + 100, "
        "withdrawn, false, episode_start, episode_end, needs, evidenced, assessment_completed, "
        "plan_start, lead_practitioner_start, attendance_check, rereferral_check, evidence, facts, "
        "records_sha256 FROM claimed_families WHERE run_id = :r"
    ),
    "un-submit the run": "UPDATE claim_runs SET submitted_at = NULL WHERE run_id = :r",
    "delete the run": "DELETE FROM claim_runs WHERE run_id = :r",
    "change a verdict": "UPDATE audit_verdicts SET verdict = 'pass' WHERE run_id = :r",
    "remove a verdict": "DELETE FROM audit_verdicts WHERE run_id = :r",
    "add a verdict": (
        "INSERT INTO audit_verdicts (run_id, family_id, verdict, note, recorded_at) "
        "SELECT run_id, family_id, 'pass', 'late', recorded_at FROM audit_verdicts "
        "WHERE run_id = :r"
    ),
}


@pytest.fixture
def submitted(sample):
    run = create_run(sample, FRAMEWORK, "2025-Q3", AS_OF, max_families=3).run_id
    families = [f.family_id for f in run_contents(sample, run).claimed]
    record_verdict(sample, run, families[0], "pass", "checked")
    audited_and_submitted(sample, run)
    return sample, run


@pytest.mark.parametrize("tampering", TAMPERING)
def test_the_database_refuses_any_change_to_a_submitted_run_over_a_raw_connection(
    submitted, tampering
):
    engine, run = submitted
    raw = engine.raw_connection()  # as an insider with the login would, beneath sfclaims
    try:
        cursor = raw.cursor()
        sql = TAMPERING[tampering].replace(":r", "?" if engine.dialect.name == "sqlite" else "%s")
        with pytest.raises(Exception, match="submitted and locked") as refused:
            if engine.dialect.name == "sqlite":
                cursor.execute("BEGIN")
            cursor.execute(sql, (run,))
        assert (
            "IntegrityError" in type(refused.value).__name__
            or "RestrictViolation" in type(refused.value).__name__
        )
    finally:
        raw.rollback()
        raw.close()
    assert run_contents(engine, run).status == "submitted"  # still whole: it exports


def test_a_submitted_run_changed_behind_the_triggers_is_refused_not_exported(submitted, tmp_path):
    engine, run = submitted
    with engine.begin() as connection:  # a superuser switches the guard off and edits a row
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql("DROP TRIGGER claimed_families_submitted_locked_update")
        else:
            connection.exec_driver_sql("ALTER TABLE claimed_families DISABLE TRIGGER USER")
        connection.execute(
            text("UPDATE claimed_families SET needs = 'HOUSING' WHERE run_id = :r"), {"r": run}
        )
    with pytest.raises(RefusedError, match=f"Claim run {run} no longer matches what was submitted"):
        write_submission(
            run_contents(engine, run, evidence=False, records=False), FRAMEWORK, tmp_path / "out"
        )
    with pytest.raises(RefusedError, match="tell the database's administrator"):
        run_contents(engine, run)
    assert not (tmp_path / "out").exists()


@pytest.mark.raw_changes  # changes tables over a raw connection
def test_a_draft_run_can_still_change(sample):
    run = create_run(sample, FRAMEWORK, "2025-Q3", AS_OF, max_families=2).run_id
    with sample.begin() as connection:
        connection.execute(text("DELETE FROM claimed_families WHERE run_id = :r"), {"r": run})
        connection.execute(text("DELETE FROM claim_runs WHERE run_id = :r"), {"r": run})


def test_the_submission_opens_with_authority_counts_people_and_a_declaration(sample, tmp_path):
    from sfclaims.platform.settings import change_settings

    change_settings(sample, authority_name="Anytown Council", authority_code="E06000099")
    run = create_run(sample, FRAMEWORK, "2025-Q3", AS_OF, by="carl").run_id
    (path, _csv) = write_submission(
        run_contents(sample, run), FRAMEWORK, tmp_path, ("Anytown Council", "E06000099")
    )
    workbook = load_workbook(path)
    cover = cover_of(workbook)
    assert (cover["authority"], cover["authority code"]) == ("Anytown Council", "E06000099")
    assert cover["quarter claimed for"] == "2025/26 Q2 (July to September 2025)"  # financial
    assert cover["prepared by"].startswith("carl, ")
    assert cover["submitted by"] == "not yet submitted"
    assert cover["declaration"].startswith("I confirm that the families in this claim")
    assert "for the authority's signing officer" in cover
    assert "Improved mental and physical health (HEALTH)" in cover
    assert [*cover][-4:] == ["signature", "name", "role", "date"]
    families = workbook["Claimed families"]
    assert families.page_setup.orientation == "landscape"
    assert families.print_title_rows == "$1:$1"
    assert families.sheet_properties.pageSetUpPr.fitToPage
    assert families.page_setup.fitToHeight == 0  # as many pages down as it takes, one wide


def test_a_runs_submission_totals_are_named_by_the_framework_it_was_made_under(sample, tmp_path):
    """Made under the national framework, exported after a local plan was put in force: its
    totals are the run's own headlines, named as the national framework names them."""
    from sfclaims.actions.frameworks import framework_of_run
    from sfclaims.platform.framework import FRAMEWORK_ROOT
    from sfclaims.platform.settings import change_settings

    run = create_run(sample, FRAMEWORK, "2025-Q3", AS_OF).run_id
    change_settings(sample, framework=FRAMEWORK_ROOT / "local-overlay-example.toml")
    contents = run_contents(sample, run, evidence=False, records=False)
    chosen = framework_of_run(sample, contents.run.framework_sha256)
    assert chosen.sha256 == FRAMEWORK.sha256 == contents.run.framework_sha256


@pytest.mark.parametrize("sample_url", ["postgres"], indirect=True)  # SQLite has no TRUNCATE
@pytest.mark.parametrize(
    "table", ["claimed_families", "claim_runs", "audit_verdicts", "audit_samples"]
)
def test_postgresql_refuses_truncating_the_claim_tables(submitted, table):
    """No row trigger fires on TRUNCATE: a statement trigger refuses it, over a raw connection
    as an insider with the login would, and the submitted run still exports whole. (SQLite's
    DELETE meets the row triggers, tested above.)"""
    engine, run = submitted
    raw = engine.raw_connection()
    try:
        with pytest.raises(Exception, match="claim runs are kept for good"):
            raw.cursor().execute(f"TRUNCATE {table} CASCADE")
    finally:
        raw.rollback()
        raw.close()
    assert run_contents(engine, run).status == "submitted"


def test_a_family_swapped_with_the_plain_digest_recomputed_is_caught_by_the_seal(
    submitted, tmp_path
):
    """An insider switches the guards off, swaps a claimed family for another and recomputes
    the run's plain digest with sfclaims's own function: the seal (a key outside the database)
    no longer holds, so export refuses the run and `sfclaims verify` names it."""
    from sfclaims.actions import verify
    from sfclaims.claims import run_digest
    from sfclaims.people.accounts import Actor
    from sfclaims.platform.roles import ROLES

    engine, run = submitted
    alone = Actor("checker", frozenset(ROLES), single_user=True)
    assert verify(engine, alone).problems == []
    with engine.begin() as connection:
        _first_family_swapped(connection, run)
        connection.execute(
            text("UPDATE claim_runs SET digest = :d WHERE run_id = :r"),
            {"d": run_digest(connection, run), "r": run},
        )
    with pytest.raises(RefusedError, match=f"Claim run {run} no longer matches what was submitted"):
        run_contents(engine, run)
    problems = verify(engine, alone).problems
    assert len(problems) == 1 and problems[0].startswith(f"Claim run {run} no longer matches")


def _first_family_swapped(connection, run: str) -> None:  # type: ignore[no-untyped-def]
    """An insider, the runs' guards off, swaps the run's first family for another."""
    _unguarded_runs(connection)
    connection.execute(
        text(
            "UPDATE claimed_families SET family_id = 'F999999' WHERE run_id = :r "
            "AND position = (SELECT min(position) FROM claimed_families WHERE run_id = :r)"
        ),
        {"r": run},
    )


def _unguarded_runs(connection) -> None:  # type: ignore[no-untyped-def]
    """What an insider with the database's owner login can do: the runs' guards off."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("DROP TRIGGER claimed_families_submitted_locked_update")
        connection.exec_driver_sql("DROP TRIGGER claim_runs_submitted_locked_update")
    else:
        connection.exec_driver_sql("ALTER TABLE claimed_families DISABLE TRIGGER USER")
        connection.exec_driver_sql("ALTER TABLE claim_runs DISABLE TRIGGER USER")


@pytest.mark.raw_changes  # changes tables over a raw connection
def test_a_seal_taken_off_with_a_family_swapped_and_the_digest_recomputed_is_named_by_verify(
    submitted,
):
    """The owner swaps a family, recomputes the plain digest and sets the seal, its key and the
    log's head to NULL: a submitted run holds a seal or it was tampered with."""
    from sfclaims.actions import verify
    from sfclaims.claims import run_digest
    from sfclaims.people.accounts import Actor
    from sfclaims.platform.roles import ROLES

    engine, run = submitted
    with engine.begin() as connection:
        _first_family_swapped(connection, run)
        connection.execute(
            text(
                "UPDATE claim_runs SET digest = :d, seal = NULL, seal_key_id = NULL, "
                "log_head = NULL WHERE run_id = :r"
            ),
            {"d": run_digest(connection, run), "r": run},
        )
    with pytest.raises(RefusedError, match=f"Claim run {run} is submitted but holds no seal"):
        run_contents(engine, run)
    problems = verify(engine, Actor("checker", frozenset(ROLES), single_user=True)).problems
    assert problems == [
        f"Claim run {run} is submitted but holds no seal: its seal was removed in the database "
        f"after submission, so nothing was written — tell the database's administrator."
    ]


@pytest.mark.raw_changes  # changes tables over a raw connection
def test_a_submitted_run_made_a_draft_again_is_named_by_verify_from_the_log(submitted):
    from sfclaims.actions import verify
    from sfclaims.people.accounts import Actor
    from sfclaims.platform.roles import ROLES

    engine, run = submitted
    with engine.begin() as connection:
        _unguarded_runs(connection)
        connection.execute(
            text("UPDATE claimed_families SET submitted = false WHERE run_id = :r"), {"r": run}
        )
        connection.execute(
            text(
                "UPDATE claim_runs SET submitted_at = NULL, seal = NULL, digest = NULL "
                "WHERE run_id = :r"
            ),
            {"r": run},
        )
    problems = verify(engine, Actor("checker", frozenset(ROLES), single_user=True)).problems
    assert len(problems) == 1
    assert problems[0].startswith(
        f"The activity log records claim run {run} as submitted, but the database holds it as "
        f"a draft"
    )


def test_a_seal_covers_who_submitted_the_run(submitted):
    """Digest version 3: who submitted is in the seal, who made it, the sample and its
    verdicts in the digest; changing who submitted (the guards off) breaks the seal."""
    from sfclaims.claims import CURRENT, get_run, verify_submitted

    engine, run = submitted
    with engine.begin() as connection:
        kept = get_run(connection, run)
        assert kept.digest_version == CURRENT == 3
        assert "audit_samples" in kept.digest_covers and "created_by" in kept.digest_covers
        _unguarded_runs(connection)
        connection.execute(
            text("UPDATE claim_runs SET submitted_by = 'someone else' WHERE run_id = :r"),
            {"r": run},
        )
        with pytest.raises(RefusedError, match="no longer matches what was submitted"):
            verify_submitted(connection, get_run(connection, run))
        connection.rollback()


@pytest.mark.parametrize("held", ["", "short key"])
def test_an_empty_or_short_seal_key_is_refused_and_nothing_is_submitted(
    sample, tmp_path, monkeypatch, held
):
    key = tmp_path / "seal-key"
    key.write_text(held)
    monkeypatch.setenv("SFCLAIMS_SEAL_KEY_FILE", str(key))
    run = create_run(sample, FRAMEWORK, "2025-Q3", AS_OF, max_families=3).run_id
    with pytest.raises(RefusedError, match=f"The seal key file {key} holds"):
        audited_and_submitted(sample, run)
    assert run_contents(sample, run).status == "draft"


def test_a_submission_on_a_machine_without_the_seal_key_is_refused_and_makes_none(
    sample, tmp_path, monkeypatch
):
    key = tmp_path / "elsewhere" / "seal-key"
    monkeypatch.setenv("SFCLAIMS_SEAL_KEY_FILE", str(key))
    run = create_run(sample, FRAMEWORK, "2025-Q3", AS_OF, max_families=3).run_id
    with pytest.raises(RefusedError) as refused:
        audited_and_submitted(sample, run)
    assert str(refused.value).startswith(f"There is no seal key at {key}, and a submitted run")
    assert not key.exists() and run_contents(sample, run).status == "draft"


def test_verify_says_every_submitted_run_holds_or_names_the_one_that_does_not(
    submitted, monkeypatch
):
    from tests.test_cli import sfclaims

    engine, run = submitted
    url = engine.url.render_as_string(hide_password=False)
    held = sfclaims(url, "verify")
    assert held.exit_code == 0 and "Every submitted run holds: 1 checked" in held.stderr
    monkeypatch.setenv("SFCLAIMS_SEAL_KEY_FILE", "/nonexistent/seal-key")  # another machine's
    elsewhere = sfclaims(url, "verify")
    assert elsewhere.exit_code == 3
    assert "was sealed with a key this machine does not have" in " ".join(elsewhere.stderr.split())


def _unguarded_log(connection) -> None:  # type: ignore[no-untyped-def]
    """What an insider with the database's owner login can do: the log's guards off."""
    if connection.dialect.name == "sqlite":
        for table in ("activity_log", "log_chain"):
            for action in ("update", "delete"):
                connection.exec_driver_sql(f"DROP TRIGGER {table}_kept_{action}")
    else:
        connection.exec_driver_sql("ALTER TABLE activity_log DISABLE TRIGGER USER")
        connection.exec_driver_sql("ALTER TABLE log_chain DISABLE TRIGGER USER")


TAMPERED_LOG = {
    "the submitted row deleted": (
        "DELETE FROM activity_log WHERE action = 'claim run submitted'",
        "is gone: it was deleted",
    ),
    "a backdated row slipped in": (
        "INSERT INTO activity_log (at, who, action, object, detail) "
        "VALUES ('2024-01-02 09:00:00', 'carl', 'verdict pass', 'X', '')",
        "is in no link of its chain: it was slipped in",
    ),
    "who submitted changed": (
        "UPDATE activity_log SET who = 'someone else' WHERE action = 'claim run submitted'",
        "is not as it was written",
    ),
}


@pytest.mark.raw_changes  # changes tables over a raw connection
@pytest.mark.parametrize("tampering", list(TAMPERED_LOG))
def test_a_log_row_deleted_slipped_in_or_changed_breaks_its_chain_and_verify_names_it(
    submitted, tampering
):
    from sfclaims.actions import verify
    from sfclaims.people.accounts import Actor
    from sfclaims.platform.roles import ROLES

    engine, _run = submitted
    alone = Actor("checker", frozenset(ROLES), single_user=True)
    checked = verify(engine, alone)
    assert checked.problems == [] and checked.log_rows > 5
    statement, named = TAMPERED_LOG[tampering]
    with engine.begin() as connection:
        _unguarded_log(connection)
        connection.exec_driver_sql(statement)
    problems = verify(engine, alone).problems
    assert len(problems) == 1 and named in problems[0], problems


@pytest.mark.raw_changes  # changes tables over a raw connection
def test_a_chain_made_again_by_hand_no_longer_reaches_the_head_the_run_was_sealed_with(
    submitted,
):
    """The insider deletes the row of the run's making and makes the whole chain again with
    sfclaims's own function: the chain holds in itself, but not the head sealed at submission."""
    from sfclaims.actions import verify
    from sfclaims.people.accounts import Actor
    from sfclaims.platform.activity import GENESIS, chain_hash
    from sfclaims.platform.roles import ROLES

    engine, run = submitted
    with engine.begin() as connection:
        _unguarded_log(connection)
        connection.execute(text("DELETE FROM activity_log WHERE action = 'claim run made'"))
        connection.execute(text("DELETE FROM log_chain"))
        previous = GENESIS
        rows = connection.execute(
            text("SELECT id, at, who, action, object, detail FROM activity_log ORDER BY id")
        ).all()
        for position, row in enumerate(rows, start=1):
            previous = chain_hash(previous, tuple(row))
            connection.execute(
                text("INSERT INTO log_chain (position, activity_id, hash) VALUES (:p, :a, :h)"),
                {"p": position, "a": row.id, "h": previous},
            )
    problems = verify(engine, Actor("checker", frozenset(ROLES), single_user=True)).problems
    assert len(problems) == 1, problems
    assert f"no longer holds the chain head claim run {run} was sealed with" in problems[0]


@pytest.mark.parametrize("sample_url", ["postgres"], indirect=True)  # SQLite has no TRUNCATE
@pytest.mark.parametrize("table", ["previous_claims", "log_chain", "activity_log"])
def test_postgresql_refuses_truncating_the_ledger_and_the_log(submitted, table):
    engine, _run = submitted
    raw = engine.raw_connection()
    try:
        with pytest.raises(Exception, match="kept as written|are a ledger"):
            raw.cursor().execute(f"TRUNCATE {table}")
    finally:
        raw.rollback()
        raw.close()


def test_a_quarter_has_one_name_the_authoritys_and_is_typed_either_way(sample, tmp_path):
    """A run made for "2025/26 Q2" is the run of "2025-Q3" (July to September 2025): kept as
    2025-Q3, named 2025/26 Q2 on the cover where the quarters are financial, and 2025-Q3 once
    they are calendar quarters; a second draft typed by the other name is the same quarter's."""
    from sfclaims.claims import check_period
    from sfclaims.platform.settings import change_settings

    assert check_period("2025/26 Q2") == check_period("2025q3") == "2025-Q3"
    assert check_period("2025/2026 q4") == "2026-Q1"  # January to March 2026
    for typed in ("2025/27 Q1", "Q3 2025", "2025-Q5"):
        with pytest.raises(UsageError, match="is not a quarter"):
            check_period(typed)
    run = create_run(sample, FRAMEWORK, "2025/26 Q2", AS_OF, max_families=2).run_id
    assert run.startswith("2025-Q3-")
    with pytest.raises(RefusedError, match="is a draft for 2025/26 Q2 already"):
        create_run(sample, FRAMEWORK, "2025-Q3", AS_OF, max_families=2)
    change_settings(sample, authority_name="Anytown Council", authority_code="E06000099")
    financial = cover_of(
        load_workbook(write_submission(run_contents(sample, run), FRAMEWORK, tmp_path / "f")[0])
    )
    change_settings(sample, quarters="calendar")
    calendar = cover_of(
        load_workbook(write_submission(run_contents(sample, run), FRAMEWORK, tmp_path / "c")[0])
    )
    assert financial["quarter claimed for"] == "2025/26 Q2 (July to September 2025)"
    assert calendar["quarter claimed for"] == "2025-Q3 (July to September 2025)"
