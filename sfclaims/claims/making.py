"""Making a draft claim run: the claimable families as of a date (with a cap, the earliest
episode starts first, then family ID), each kept with its decision, evidence and records as
they stood, under a run ID never given before."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from importlib.metadata import version
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import Connection, Engine, insert, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from sfclaims.deciding.rules import result_of
from sfclaims.deciding.rules.datachecks import attendance_check, rereferral_check
from sfclaims.deciding.rules.findings import Finding, findings_from_json
from sfclaims.intake.data_state import data_version, kinds_never_imported
from sfclaims.intake.kinds import LIST_SEPARATOR
from sfclaims.intake.records import records_fingerprints
from sfclaims.platform.activity import operating_system_user, record_activity
from sfclaims.platform.dates import check_as_of
from sfclaims.platform.db import bulk_load, writing
from sfclaims.platform.errors import RefusedError, UsageError
from sfclaims.platform.given import checked_number
from sfclaims.platform.models import (
    Activity,
    ClaimedFamily,
    ClaimRun,
    table_of,
)
from sfclaims.platform.quarters import period_named, period_of, quarter_of
from sfclaims.platform.settings import quarter_convention

if TYPE_CHECKING:
    from sfclaims.deciding.decisions import Assessed
    from sfclaims.platform.framework import Framework


def engine_version() -> str:
    return version("sfclaims")


def check_period(period: str) -> str:
    """The quarter as runs keep it, ``2025-Q3``, typed by its calendar name or its financial
    one (``2025/26 Q2``), however it was typed."""
    kept = period_of(period)
    if kept is None:
        raise UsageError(
            f"The period {period!r} is not a quarter; write it like 2025-Q3 (July to September "
            "2025) or, as a financial quarter, 2025/26 Q2."
        )
    return kept


def refuse_outside_the_programme(framework: Framework, period: str, convention: str) -> None:
    """A claim is made only for a period the framework's programme paid results for
    (contract.md, "The programme's calendar"); refused in one sentence naming the last one and
    the outcomes report, which reports the same families with no claim."""
    programme = framework.programme
    if programme.claimable_in(period):
        return
    raise RefusedError(
        f"No claim can be made for {period_named(period, convention)}: "
        f"{_no_more_claims(framework, convention)}; nothing was stored. Its families' needs and "
        f"outcomes are reported without a claim in the outcomes report.",
        remedy="outcomes report",
    )


def _no_more_claims(framework: Framework, convention: str) -> str:
    """Why the framework takes no claim: it pays nothing, or its last claim period is past."""
    programme = framework.programme
    if not programme.pays:
        return f"{framework.name} pays no results: its outcomes are tracked without claims"
    return (
        f"payment by results under {framework.name} ended with its last claim period, "
        f"{period_named(programme.last_claim_period or '', convention)}"
    )


def claims_closed(framework: Framework, as_of: date, convention: str, claimable: int) -> str | None:
    """After the programme's window (the quarter of ``as_of`` past its last claim period, or a
    framework that pays no results), what the claimable families are: families that meet the
    framework but can no longer be claimed. None within the window. Never changes a decision."""
    if framework.programme.claimable_in(quarter_of(as_of, "calendar")) or not claimable:
        return None
    return (
        f"{_no_more_claims(framework, convention)}: the {claimable:,} claimable famil{'y' if claimable == 1 else 'ies'} "
        f"meet{'s' if claimable == 1 else ''} the framework but can no longer be claimed; the "
        f"outcomes report reports their needs and sustained outcomes."
    )


@dataclass(frozen=True)
class RunCreated:
    run_id: str
    families: int
    claimable: int  # before the cap


def create_run(
    engine: Engine,
    framework: Framework,
    period: str,
    as_of: date,
    max_families: int | None = None,
    another: bool = False,
    by: str | None = None,
) -> RunCreated:
    """A draft run of the claimable families as of the date (the earliest episodes first).
    A period holds one draft at a time unless ``another`` is asked for."""
    # deciding is loaded only here: the ledger and the audit need none of it
    from sfclaims.deciding.assessing import assess_and_store, decided_again_citing
    from sfclaims.deciding.decisions import current_claimable

    period = check_period(period)
    check_as_of(as_of)
    with engine.connect() as connection:  # said before any deciding; checked again when stored
        refuse_outside_the_programme(framework, period, quarter_convention(connection))
        refuse_second_draft(connection, period, another)
        missing = [k for k in kinds_never_imported(connection) if k != "previous_claims"]
    if missing:
        raise RefusedError(
            f"No {', '.join(missing)} have ever been imported into this database, so no claim "
            f"can rest on them; import them first."
        )
    if max_families is not None:
        checked_number(max_families, "the cap on families")
    decided = current_claimable(engine, framework, as_of)
    if decided is None:  # no decisions as of the date since the data last changed: decide now
        decided = assess_and_store(engine, framework, as_of)
    claimable = sorted(
        (a for a in decided.families if a.decision.claimable),
        key=lambda a: (a.episode_start, a.decision.family_id),
    )
    chosen = claimable if max_families is None else claimable[:max_families]
    if chosen:  # each decided again from its records, citing them: what the claim keeps
        ids = [a.decision.family_id for a in chosen]
        chosen = decided_again_citing(engine, framework, as_of, ids, decided.data_version)
    if not chosen:
        raise RefusedError(
            f"No family can be claimed as of {as_of:%d/%m/%Y}"
            f"{' within a cap of 0' if claimable else ''}; no claim run was stored.",
            remedy="see why",
            as_of=as_of,
        )
    created_at = datetime.now(UTC)
    try:
        run_id = _store_run(
            engine,
            framework,
            period,
            as_of,
            max_families,
            created_at,
            chosen,
            decided.data_version,
            another,
            by or operating_system_user(),
        )
    except IntegrityError:
        with engine.connect() as connection:
            named = period_named(period, quarter_convention(connection))
        raise RefusedError(
            f"Another claim run for {named} was made at the same moment; nothing was stored — "
            f"run the command again."
        ) from None
    return RunCreated(run_id, len(chosen), len(claimable))


def _store_run(
    engine: Engine,
    framework: Framework,
    period: str,
    as_of: date,
    max_families: int | None,
    created_at: datetime,
    chosen: list[Assessed],
    decided_from: int,
    another: bool,
    by: str,
) -> str:
    """Store the run, if the data are still in the state its families were decided from; no
    change can commit while it is stored."""
    with writing(engine) as connection:
        if data_version(connection, lock=True) != decided_from:
            raise RefusedError(
                "The data changed while the claim run was being made (an import or a submission "
                "finished meanwhile); nothing was stored — run the command again."
            )
        refuse_second_draft(connection, period, another)
        run_id = _next_run_id(connection, period)
        connection.execute(
            insert(ClaimRun).values(
                run_id=run_id,
                period=period,
                as_of=as_of,
                max_families=max_families,
                created_at=created_at,
                framework=framework.label(),
                framework_sha256=framework.sha256,
                engine_version=engine_version(),
                created_by=by,
            )
        )
        record_activity(
            connection,
            by,
            "claim run made",
            run_id,
            f"{period_named(period, quarter_convention(connection))}, as of "
            f"{as_of:%d/%m/%Y}, {len(chosen)} families"
            + (f", capped at {max_families}" if max_families is not None else ""),
        )
        columns = [c.name for c in table_of(ClaimedFamily).c]
        fingerprints = records_fingerprints(connection, (a.decision.family_id for a in chosen))
        rows = [
            _claimed_row(run_id, position, a, as_of, columns, fingerprints)
            for position, a in enumerate(chosen, start=1)
        ]
        bulk_load(connection, table_of(ClaimedFamily), columns, rows)
    return run_id


def refuse_second_draft(connection: Connection, period: str, another: bool) -> None:
    """A second draft for a period is made only when asked for (``another``): refused while the
    period has a draft, in a sentence naming it (the workspace asks the question first)."""
    draft = connection.execute(
        select(col(ClaimRun.run_id))
        .where(col(ClaimRun.period) == period, col(ClaimRun.submitted_at).is_(None))
        .order_by(col(ClaimRun.run_id))
    ).first()
    if draft is not None and not another:
        named = period_named(period, quarter_convention(connection))
        raise RefusedError(
            f"Claim run {draft.run_id} is a draft for {named} already; submit or discard it first.",
            remedy="another draft",
        )


def _next_run_id(connection: Connection, period: str) -> str:
    """The period's next run ID, never one given before: a discarded run's ID stays in the
    activity log (which nothing can delete), so its log and any workbook made from it keep
    meaning that run alone."""
    prefix = f"{period}-R"
    given = connection.execute(
        select(col(ClaimRun.run_id)).where(col(ClaimRun.period) == period)
    ).scalars()
    logged = connection.execute(
        select(col(Activity.object)).where(
            col(Activity.action) == "claim run made", col(Activity.object).startswith(prefix)
        )
    ).scalars()
    numbers = [
        int(tail) for run_id in (*given, *logged) if (tail := run_id[len(prefix) :]).isdigit()
    ]
    return f"{prefix}{max(numbers, default=0) + 1}"


def _claimed_row(
    run_id: str,
    position: int,
    assessed: Assessed,
    as_of: date,
    columns: list[str],
    fingerprints: dict[str, str],
) -> tuple[Any, ...]:
    decision = assessed.decision
    findings = findings_from_json(orjson.loads(assessed.evidence or "[]"), with_records=False)
    facts = orjson.loads(assessed.facts or "{}")

    def first(kind: str, field: str) -> str | None:
        days = [
            item[field]
            for item in facts[kind]
            if item[field] is not None and item[field] <= as_of.isoformat()
        ]
        return min(days, default=None)

    end = facts["episode_end"]
    values = {
        "run_id": run_id,
        "family_id": decision.family_id,
        "position": position,
        "withdrawn": False,
        "submitted": False,
        "episode_start": facts["episode_start"],
        "episode_end": end if end is not None and end <= as_of.isoformat() else None,
        "needs": LIST_SEPARATOR.join(decision.needs),
        "evidenced": orjson.dumps(_evidenced(findings)).decode(),
        "assessment_completed": first("assessments", "completed_date"),
        "plan_start": first("plans", "plan_start"),
        "lead_practitioner_start": first("lead_practitioners", "start_date"),
        "attendance_check": _data_check(result_of(findings, attendance_check)),
        "rereferral_check": _data_check(result_of(findings, rereferral_check)),
        "evidence": assessed.evidence,
        "facts": assessed.facts,
        "records_sha256": fingerprints[decision.family_id],
    }
    return tuple(values[c] for c in columns)


def _data_check(found: Finding) -> str:
    """A data check's result as the submission shows it: ``pass: <what it found>``."""
    return f"{'pass' if found.passed else 'fail'}: {found.says}"


def _evidenced(findings: list[Finding]) -> dict[str, list[str]]:
    """Each evidenced headline, in canonical order, with how its needs were met (outcome,
    attendance): the writers word it."""
    return {f.headline: list(f.evidenced_by) for f in findings if f.headline and f.passed}
