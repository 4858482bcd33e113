"""assess end to end: the sample authority's decisions, the decisions file, stored decisions."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from sqlalchemy import select

from sfclaims.deciding.assessing import (
    assess,
    assess_and_store,
    explain,
    summarise,
)
from sfclaims.deciding.decisions import store_decisions, work_list
from sfclaims.deciding.rules.catalogue import near_miss
from sfclaims.intake.importing import import_folder
from sfclaims.outputs.decisions_file import write_decisions
from sfclaims.platform.framework import FRAMEWORK_ROOT, load_framework
from sfclaims.platform.models import StoredDecision
from tests.conftest import SAMPLE_AUTHORITY, SAMPLE_DECISIONS

SAMPLE_AS_OF = date(2025, 9, 30)


def decisions_text(engine, framework=None, as_of=SAMPLE_AS_OF) -> str:
    handle = io.StringIO()
    write_decisions(assess(engine, framework or load_framework(), as_of), handle)
    return handle.getvalue()


def test_the_sample_authority_gives_the_expected_decisions_for_every_family(engine):
    import_folder(engine, SAMPLE_AUTHORITY, load_framework())
    assert decisions_text(engine) == SAMPLE_DECISIONS.read_text(encoding="utf-8")


def test_a_family_starting_after_the_date_has_no_row(sample_engine):
    rows = list(csv.DictReader(io.StringIO(decisions_text(sample_engine))))
    assert len(rows) == 149
    assert [r["family_id"] for r in rows] == sorted(r["family_id"] for r in rows)


def test_an_overlay_changes_the_decisions_that_depend_on_it(sample_engine):
    local = load_framework(FRAMEWORK_ROOT / "local-overlay-example.toml")
    national = {
        r["family_id"]: r for r in csv.DictReader(io.StringIO(decisions_text(sample_engine)))
    }
    overlay = {
        r["family_id"]: r for r in csv.DictReader(io.StringIO(decisions_text(sample_engine, local)))
    }
    changed = [f for f in national if national[f]["reasons"] != overlay[f]["reasons"]]
    assert changed, (
        "four terms of attendance and twelve months for domestic abuse change some families"
    )

    def codes(row: dict) -> set[str]:
        return set(filter(None, row["reasons"].split(";")))

    for family_id in changed:
        added = codes(overlay[family_id]) - codes(national[family_id])
        lifted = codes(national[family_id]) - codes(overlay[family_id])
        assert added <= {
            "NEED_WITHOUT_OUTCOME:EDUCATION",
            "OUTCOME_NOT_SUSTAINED:DOMESTIC_ABUSE",
            "OUTCOME_NOT_SUSTAINED:EDUCATION",
            "REREFERRAL_CHECK_FAILED",  # a re-referral dated by the episode it started
        }
        # its readings: re-referrals only within six months, severe absence improved
        assert lifted <= {"REREFERRAL_CHECK_FAILED", "NEED_WITHOUT_OUTCOME:EDUCATION"}


def test_each_decide_is_kept_beside_the_one_before_with_what_moved_by_reason(sample_engine):
    """Decided under the national framework, then under the local plan: the second decide says
    which families became or stopped being claimable and why, the counts of a by-hand
    comparison of the two decisions files, and the dashboard reads the same from the store."""
    from collections import Counter

    from sfclaims.outputs.overview import glance

    local = load_framework(FRAMEWORK_ROOT / "local-overlay-example.toml")
    first = assess_and_store(sample_engine, load_framework(), SAMPLE_AS_OF)
    assert first.since is not None and first.since.as_of is None  # nothing before it
    national = {a.decision.family_id: a.decision.reasons for a in first.families}
    second = assess_and_store(sample_engine, local, SAMPLE_AS_OF)
    overlay = {a.decision.family_id: a.decision.reasons for a in second.families}

    became = [f for f in overlay if national[f] and not overlay[f]]
    stopped = [f for f in overlay if overlay[f] and not national[f]]
    assert became or stopped, "the local plan moves some family across"
    since = second.since
    assert since is not None and since.as_of == SAMPLE_AS_OF
    assert (since.became, since.stopped, since.new) == (len(became), len(stopped), 0)
    assert since.claimable_before == sum(not r for r in national.values())
    assert since.claimable_now == sum(not r for r in overlay.values())
    assert dict(since.became_by_reason) == Counter(c for f in became for c in national[f])
    assert dict(since.stopped_by_reason) == Counter(c for f in stopped for c in overlay[f])
    assert f"{len(became)} became claimable, {len(stopped)} stopped" in since.said

    seen = glance(sample_engine, SAMPLE_AS_OF)
    assert seen is not None and seen.since is not None
    assert (seen.since.became, seen.since.stopped) == (since.became, since.stopped)
    assert seen.since.stopped_by_reason == since.stopped_by_reason
    assert seen.since.decided_at is not None


def test_decisions_are_stored_with_their_reasons_and_no_records_of_any_family(sample_engine):
    """Deciding keeps each family's reasons and the state they rest on; the records behind them
    are cited when a face shows them or a claim run keeps them, never stored with a decision."""
    framework = load_framework()
    decided = assess_and_store(sample_engine, framework, SAMPLE_AS_OF)
    store_decisions(sample_engine, decided, framework, SAMPLE_AS_OF)  # again: replaces them
    assessed = decided.families
    claimable = next(a.decision.family_id for a in assessed if a.decision.claimable)
    with sample_engine.connect() as connection:
        rows = {r.family_id: r for r in connection.execute(select(StoredDecision)).all()}
    assert len(rows) == 149
    kept = rows[claimable]
    assert kept.framework == framework.label() and kept.framework_sha256 == framework.sha256
    assert kept.claimable and kept.reasons == ""
    assert kept.evidence is None and kept.facts is None
    not_claimable = rows["F000006"]
    assert not_claimable.reasons.startswith("NEED_WITHOUT_OUTCOME:HEALTH")
    assert not_claimable.evidence is None and not_claimable.facts is None


def test_every_column_of_a_kept_decision_is_written(sample_engine):
    """A decision's row is written by its columns' names, every one of the table's: a column
    added to the table and not to the row would be left empty for every family."""
    from sfclaims.deciding import decisions

    written = [*decisions._SHARED, *decisions._OWN]
    assert sorted(written) == sorted(c.name for c in StoredDecision.__table__.columns)
    decided = assess_and_store(sample_engine, load_framework(), SAMPLE_AS_OF)
    with sample_engine.connect() as connection:
        kept = {r.family_id: r for r in connection.execute(select(StoredDecision)).all()}
    for a in decided.families:
        row = kept[a.decision.family_id]
        assert (row.eligible, row.claimable, row.episode_start) == (
            a.decision.eligible,
            a.decision.claimable,
            a.episode_start,
        )
        assert row.work_list == (work_list(a) or "") and row.reasons_before is None
        assert row.forecast_status == (a.forecast.status if a.forecast else None)


def test_the_summary_counts_and_lists_the_near_misses(sample_engine):
    framework = load_framework()
    decisions = assess(sample_engine, framework, SAMPLE_AS_OF)
    summary = summarise(decisions, framework)
    assert summary.families == 149
    assert summary.claimable == sum(d.claimable for d in decisions) > 0
    one_reason = [d for d in decisions if len(d.reasons) == 1]
    assert summary.near_misses == [
        (d.family_id, d.reasons[0]) for d in one_reason if near_miss(d.reasons)
    ]
    assert 0 < len(summary.near_misses) < len(one_reason)
    counts = dict(summary.reasons)
    assert counts["EPISODE_OPEN"] == sum("EPISODE_OPEN" in d.reasons for d in decisions)


def test_near_misses_hold_no_reason_that_cannot_be_put_right(sample_engine):
    """The summary's and the workspace's near misses are one list: one reason each, a record to
    fix or time alone, never one that cannot be cleared (not eligible, claimed already), an open
    case, poor attendance or a failed audit."""
    from sfclaims.deciding.assessing import assess_and_store
    from sfclaims.outputs.overview import near_misses

    framework = load_framework()
    decided = assess_and_store(sample_engine, framework, SAMPLE_AS_OF).families
    summary = summarise([a.decision for a in decided], framework)
    shown = [(n.family_id, n.reason) for n in near_misses(sample_engine, SAMPLE_AS_OF)]
    assert shown == summary.near_misses
    never = {
        "NOT_ELIGIBLE",
        "NO_DEPENDENT_CHILD",
        "ALREADY_CLAIMED",
        "EPISODE_OPEN",
        "ATTENDANCE_CHECK_FAILED",
        "AUDIT_FAILED",
        "REREFERRAL_CHECK_FAILED",
    }
    assert not {reason.split(":")[0] for _f, reason in shown} & never
    assert {reason.split(":")[0] for _f, reason in shown} >= {"NEED_WITHOUT_OUTCOME"}


def test_deciding_on_several_processes_gives_the_same_decisions_as_one(sample_engine, monkeypatch):
    from sfclaims.deciding import assessing

    framework = load_framework()
    one = assess(sample_engine, framework, SAMPLE_AS_OF)
    monkeypatch.setattr(assessing, "PARALLEL_FROM", 10)
    monkeypatch.setattr(assessing.os, "cpu_count", lambda: 2)
    several = assess(sample_engine, framework, SAMPLE_AS_OF)
    assert several == one


def test_what_is_read_while_deciding_is_read_while_the_cores_decide_in_the_state_decided(
    sample_engine, monkeypatch
):
    """The command's own process reads the work lists' casework while the pool's processes
    decide (they are alive as it reads), and it reads the state of the data the families were
    decided in."""
    import multiprocessing as mp

    from sfclaims.deciding import assessing
    from sfclaims.intake.data_state import data_version
    from sfclaims.platform.db import one_snapshot

    monkeypatch.setattr(assessing, "PARALLEL_FROM", 10)
    monkeypatch.setattr(assessing.os, "cpu_count", lambda: 2)
    seen: list[tuple[int, int]] = []

    def meanwhile() -> None:
        with one_snapshot(sample_engine) as connection:
            seen.append((len(mp.active_children()), data_version(connection)))

    assessed, state = assessing.assess_at_state(
        sample_engine, load_framework(), SAMPLE_AS_OF, while_deciding=meanwhile
    )
    assert len(seen) == 1 and seen[0][0] >= 2, "read before or after the pool, not while"
    assert seen[0][1] == state and len(assessed) == len(
        assess(sample_engine, load_framework(), SAMPLE_AS_OF)
    )


def test_explaining_one_family_gives_the_same_decision_with_every_finding(sample_engine):
    framework = load_framework()
    decided = {d.family_id: d for d in assess(sample_engine, framework, SAMPLE_AS_OF)}
    for family_id in ("F000006", "F000004", "F000086"):
        explained = explain(sample_engine, framework, SAMPLE_AS_OF, family_id)
        assert explained == decided[family_id]
        assert explained.findings and {c for f in explained.findings for c in f.reasons} == set(
            explained.reasons
        )
    assert explain(sample_engine, framework, SAMPLE_AS_OF, "NOBODY") is None


def test_two_dates_decided_at_once_each_get_their_own_dates_decisions(sample_engine, monkeypatch):
    """Two decides at the same moment, each on the pool (many processes), in threads as the
    web workspace runs them: each returns exactly what its date gives decided alone, 5 times.
    The threads start together at a barrier, so their pools overlap."""
    import threading

    from sfclaims.deciding import assessing

    framework = load_framework()
    dates = (SAMPLE_AS_OF, date(2025, 3, 31))
    alone = {day: assess(sample_engine, framework, day) for day in dates}
    assert alone[dates[0]] != alone[dates[1]]
    monkeypatch.setattr(assessing, "PARALLEL_FROM", 10)
    monkeypatch.setattr(assessing.os, "cpu_count", lambda: 2)
    for _round in range(5):
        start = threading.Barrier(len(dates))
        got: dict = {}

        def decide(day: date, start: threading.Barrier, got: dict) -> None:
            start.wait()
            got[day] = assess(sample_engine, framework, day)

        threads = [threading.Thread(target=decide, args=(day, start, got)) for day in dates]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert not any(thread.is_alive() for thread in threads), "a decide hung"
        assert got == alone


def test_a_record_cites_its_import_by_the_number_imports_so_far_gives_it(sample_engine, tmp_path):
    """One number per import: a second import of the outcomes alone is cited by its outcomes'
    records under the number Imports so far shows; the rest cite the first import's."""
    import shutil

    from sfclaims.intake.importing import imports_so_far

    folder = tmp_path / "again"
    folder.mkdir()
    shutil.copy(SAMPLE_AUTHORITY / "outcomes.csv", folder / "outcomes.csv")
    with (folder / "outcomes.csv").open("a") as f:
        f.write("\n")  # other bytes, the same rows: imported again
    import_folder(sample_engine, folder, load_framework())
    latest, first = imports_so_far(sample_engine)[:2]
    assert latest.number != first.number and latest.number > len(first.batches)
    decision = explain(sample_engine, load_framework(), SAMPLE_AS_OF, "F000006")
    assert decision is not None
    cited = {r.source.file: r.source.import_number for f in decision.findings for r in f.records}
    assert cited["outcomes.csv"] == latest.number
    assert {n for file, n in cited.items() if file != "outcomes.csv"} == {first.number}


def test_a_familys_facts_come_in_the_order_of_their_files_whatever_order_the_database_keeps(
    sample_engine,
):
    """A row changed in place moves to the end of its table on PostgreSQL (a new version of the
    row), so a plain read returns it last; the facts still come in the order of the files, and
    the evidence the same on either database, however often the family is decided."""
    from sfclaims.deciding.bundle import load_bundles

    family = "F000006"
    before = load_bundles(sample_engine, SAMPLE_AS_OF, family_id=family)[0]
    evidence = explain(sample_engine, load_framework(), SAMPLE_AS_OF, family).evidence
    assert len(before.needs) > 1 and len(before.outcomes) > 1
    first_need, first_outcome = before.needs[0].need_id, before.outcomes[0].outcome_id
    with sample_engine.begin() as connection:
        connection.exec_driver_sql(
            f"UPDATE needs SET status = status WHERE need_id = '{first_need}'"
        )
        connection.exec_driver_sql(
            f"UPDATE outcomes SET status = status WHERE outcome_id = '{first_outcome}'"
        )
    with sample_engine.connect() as connection:  # the database's own order has moved
        stored = connection.exec_driver_sql(
            f"SELECT need_id FROM needs WHERE family_id = '{family}'"
        ).scalars()
        if sample_engine.dialect.name == "postgresql":
            assert list(stored)[-1] == first_need
    after = load_bundles(sample_engine, SAMPLE_AS_OF, family_id=family)[0]
    assert [n.source.row for n in after.needs] == sorted(n.source.row for n in after.needs)
    assert after.needs == before.needs and after.outcomes == before.outcomes
    assert explain(sample_engine, load_framework(), SAMPLE_AS_OF, family).evidence == evidence


def test_families_read_for_their_reasons_alone_decide_alike_and_are_never_cited(sample_engine):
    """A decide reads every family without the fields only evidence shows (an outcome's evidence
    source and reference, who recorded it, a need's indicator, ...): the same reasons and
    forecasts as families read whole, and such a family is refused where evidence is wanted."""
    import pytest

    from sfclaims.deciding.bundle import UNCITED, load_bundles_at_state
    from sfclaims.deciding.facts import bundle_to_json
    from sfclaims.deciding.rules import Decider
    from sfclaims.deciding.rules.forecast import forecast

    framework = load_framework()
    whole, _ = load_bundles_at_state(sample_engine, SAMPLE_AS_OF)
    lean, _ = load_bundles_at_state(sample_engine, SAMPLE_AS_OF, cited=False)
    assert any(o.evidence_source for b in whole for o in b.outcomes)
    assert not any(o.evidence_source or o.recorded_by for b in lean for o in b.outcomes)
    # every fact as read whole, but for its source (one placeholder) and the evidence's fields
    for table in ("people", "needs", "assessments", "plans", "lead_practitioners", "outcomes"):
        as_read = [f for b in lean for f in getattr(b, table)]
        kind = type(as_read[0])
        left_out = {"source": UNCITED, **kind._field_defaults}
        assert as_read == [f._replace(**left_out) for b in whole for f in getattr(b, table)], table
    assert [a for b in lean for v in b.attendance.values() for a in v] == [
        a._replace(source=UNCITED) for b in whole for v in b.attendance.values() for a in v
    ]
    decider = Decider(framework)
    decided = [[decider.decide(b, SAMPLE_AS_OF, cite=False) for b in bs] for bs in (whole, lean)]
    assert [d.reasons for d in decided[0]] == [d.reasons for d in decided[1]]
    assert [
        forecast(b, d, framework, SAMPLE_AS_OF)
        for b, d in zip(whole, decided[0], strict=True)
        if not d.claimable
    ] == [
        forecast(b, d, framework, SAMPLE_AS_OF)
        for b, d in zip(lean, decided[1], strict=True)
        if not d.claimable
    ]
    with pytest.raises(ValueError, match="for its reasons alone and cannot be cited"):
        decider.decide(lean[0], SAMPLE_AS_OF)
    with pytest.raises(ValueError, match="cannot be kept with a claim"):
        bundle_to_json(lean[0])


@pytest.mark.parametrize("plan", ["national", "local-overlay-example.toml"])
def test_families_read_for_their_reasons_leave_out_the_rows_no_rule_looks_at(sample_engine, plan):
    """Read for its reasons alone, a family leaves out the outcomes not achieved by the date and
    the referrals of services or decisions the framework does not count (``read_for_reasons``):
    the same reasons and forecasts as read whole, under the national framework and a local plan;
    a family read whole is never read so."""
    from sfclaims.deciding.bundle import load_bundles_at_state
    from sfclaims.deciding.rules import Decider, read_for_reasons
    from sfclaims.deciding.rules.forecast import forecast

    framework = load_framework(None if plan == "national" else FRAMEWORK_ROOT / plan)
    reads = read_for_reasons(framework, SAMPLE_AS_OF)
    whole, _ = load_bundles_at_state(sample_engine, SAMPLE_AS_OF)
    lean, _ = load_bundles_at_state(sample_engine, SAMPLE_AS_OF, cited=False, reads=reads)
    for table in ("outcomes", "referrals"):
        left_out = sum(len(getattr(b, table)) for b in whole) - sum(
            len(getattr(b, table)) for b in lean
        )
        assert left_out > 0, f"no {table} left out: the test would prove nothing"
    decider = Decider(framework)
    decided = [[decider.decide(b, SAMPLE_AS_OF, cite=False) for b in bs] for bs in (whole, lean)]
    assert [(d.needs, d.reasons) for d in decided[0]] == [(d.needs, d.reasons) for d in decided[1]]
    forecasts = [
        [
            forecast(b, d, framework, SAMPLE_AS_OF)
            for b, d in zip(bundles, decisions, strict=True)
            if not d.claimable
        ]
        for bundles, decisions in zip((whole, lean), decided, strict=True)
    ]
    assert forecasts[0] == forecasts[1]
    with pytest.raises(ValueError, match="read whole is read with every row"):
        load_bundles_at_state(sample_engine, SAMPLE_AS_OF, reads=reads)
