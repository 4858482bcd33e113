"""What each action tells the people who chose to hear of it (``people.notifications``), once its
change is committed: the notice's words, with counts, a run's or an import's number and the page
— never a family's ID. Both faces' actions call these, so an event is told whichever face made
it."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from sfclaims.people.accounts import Actor

if TYPE_CHECKING:
    from sfclaims.intake.importing import ImportResult
    from sfclaims.people.notifications import Notice


def _tell(engine: Engine, person: Actor, notice: Notice) -> None:
    from sfclaims.people.notifications import notify

    notify(engine, notice, person.name)


def _things(count: int) -> str:
    return f"{count:,} thing{'s' if count != 1 else ''}"


def import_warned(engine: Engine, person: Actor, result: ImportResult) -> None:
    """An import made with warnings: how many, of what, and its number."""
    from sfclaims.people.notifications import IMPORT_WARNED, Notice

    warnings = result.warnings
    if result.unchanged or not warnings:
        return
    number = result.number
    loaded = sum(f.rows_loaded for f in result.files)
    aside = sum(f.rows_set_aside for f in result.files)
    _tell(
        engine,
        person,
        Notice(
            IMPORT_WARNED,
            f"import {number} warned of {_things(len(warnings))} to check",
            (
                f"Import {number}, made by {person.name}, loaded {loaded:,} rows and set "
                f"{aside:,} aside.",
                f"It warned of {_things(len(warnings))} to check before the families are "
                "decided: "
                + "; ".join(
                    w.about + (f" ({w.kind.replace('_', ' ')})" if w.kind else "") for w in warnings
                )
                + ".",
            ),
            "/imports",
            f"import {number}",
        ),
    )


def draft_ready(
    engine: Engine, person: Actor, run_id: str, families: int, period: str, as_of: date
) -> None:
    """A draft claim run made: ready for internal audit to sample."""
    from sfclaims.people.notifications import DRAFT_READY, Notice

    _tell(
        engine,
        person,
        Notice(
            DRAFT_READY,
            f"draft claim run {run_id} is ready for audit",
            (
                f"Draft claim run {run_id} for {period}, as of {as_of:%d/%m/%Y}, holds "
                f"{families:,} families; made by {person.name}.",
                "Internal audit draws its sample and records a verdict on each sampled family.",
            ),
            f"/audit/{run_id}",
            run_id,
        ),
    )


def left_to_check(engine: Engine, run: str) -> int:
    """The sampled families of the run with no verdict yet."""
    from sfclaims.claims import get_run, sample_status

    with engine.connect() as connection:
        return len(sample_status(connection, get_run(connection, run)).left)


def sample_checked(engine: Engine, person: Actor, run_id: str, left_before: int) -> None:
    """Told once: by the verdicts that left no sampled family without one."""
    from sfclaims.claims import get_run, sample_status
    from sfclaims.people.notifications import SAMPLE_CHECKED, Notice

    with engine.connect() as connection:
        status = sample_status(connection, get_run(connection, run_id))
    if not left_before or status.left or not status.families:
        return
    failed = sum(1 for _f, v in status.families if v is not None and v.verdict == "fail")
    sampled = len(status.families)
    _tell(
        engine,
        person,
        Notice(
            SAMPLE_CHECKED,
            f"the audit sample of {run_id} is checked",
            (
                f"Every one of the {sampled:,} sampled families of claim run {run_id} has a "
                f"verdict: {sampled - failed:,} passed, {failed:,} failed; the last recorded "
                f"by {person.name}.",
                "The claims team may submit the run once the audit's result allows it.",
            ),
            f"/claims/{run_id}",
            run_id,
        ),
    )


def run_submitted(engine: Engine, person: Actor, run_id: str, families: int) -> None:
    from sfclaims.people.notifications import RUN_SUBMITTED, Notice

    _tell(
        engine,
        person,
        Notice(
            RUN_SUBMITTED,
            f"claim run {run_id} is submitted",
            (
                f"Claim run {run_id} is submitted by {person.name} and locked: {families:,} "
                "families are claimed.",
            ),
            f"/claims/{run_id}",
            run_id,
        ),
    )


def drafts_touched(engine: Engine, person: Actor, what: str, how: str, drafts: list[str]) -> None:
    """A change (``what``: "a change of outcome plan", "a purge") that touches the drafts
    standing, or removed them; ``how`` says what it did to them, in a sentence."""
    from sfclaims.people.notifications import DRAFT_TOUCHED, Notice

    if not drafts:
        return
    named = ", ".join(drafts)
    _tell(
        engine,
        person,
        Notice(
            DRAFT_TOUCHED,
            f"{what} touches draft claim run{'s' if len(drafts) != 1 else ''} {named}",
            (f"{what[0].upper()}{what[1:]} by {person.name}: {how}", f"Draft runs: {named}."),
            "/claims",
            named,
        ),
    )


def draft_runs(engine: Engine) -> list[str]:
    """The drafts standing now (not submitted), by ID."""
    from sfclaims.claims import list_runs

    return [r.run_id for r in list_runs(engine) if r.submitted_at is None]
