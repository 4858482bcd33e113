"""A run's audit sample as kept: the families drawn, those with a verdict, and the check that a
run is audited before it is submitted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, select
from sqlmodel import col

from sfclaims.claims.runs import get_run, run_family_ids, separate_duties
from sfclaims.platform.errors import RefusedError
from sfclaims.platform.models import (
    Activity,
    AuditSample,
    AuditVerdict,
    ClaimRun,
    table_of,
)


def sampled(connection: Connection, run_id: str) -> list[str]:
    """The families of the run's audit sample, sorted."""
    return sorted(
        connection.execute(
            select(col(AuditSample.family_id)).where(col(AuditSample.run_id) == run_id)
        ).scalars()
    )


def sampled_families(engine: Engine, run_id: str) -> list[str]:
    """The run's audit sample (refused while none is drawn)."""
    with engine.connect() as connection:
        run = get_run(connection, run_id)
        found = sampled(connection, run.run_id)
    if not found:
        raise RefusedError(
            f"Claim run {run.run_id} has no audit sample yet.",
            remedy="draw a sample",
            run=run.run_id,
        )
    return found


def sampled_with_verdicts(connection: Connection, run_id: str) -> list[str]:
    """The sampled families of the run that have a verdict in it, sorted."""
    with_verdict = set(
        connection.execute(
            select(col(AuditVerdict.family_id)).where(col(AuditVerdict.run_id) == run_id)
        ).scalars()
    )
    return [f for f in sampled(connection, run_id) if f in with_verdict]


def _not_checked(connection: Connection, run_id: str) -> list[str]:
    """The sampled families of the run with no verdict in it yet, sorted."""
    checked = set(sampled_with_verdicts(connection, run_id))
    return [f for f in sampled(connection, run_id) if f not in checked]


def audit_finished(connection: Connection, run: ClaimRun) -> bool:
    """Whether the run may be submitted as far as its audit goes (``refuse_unless_audited``):
    its sample drawn, and every sampled family with a verdict."""
    return run.sample_seed is not None and not _not_checked(connection, run.run_id)


def refuse_unless_audited(connection: Connection, run: ClaimRun) -> None:
    """A run is submitted only once its audit sample is drawn and every sampled family has a
    verdict (domain.md: the audit and the ledger)."""
    if run.sample_seed is None:
        raise RefusedError(
            f"Claim run {run.run_id} has no audit sample yet, so it cannot be submitted.",
            remedy="draw a sample",
            run=run.run_id,
        )
    _as_drawn(connection, run)
    _not_to_be_widened(connection, run)
    waiting = _not_checked(connection, run.run_id)
    if waiting:
        raise RefusedError(
            f"Claim run {run.run_id} cannot be submitted: {len(waiting)} sampled "
            f"famil{'y has' if len(waiting) == 1 else 'ies have'} no verdict yet "
            f"({', '.join(waiting[:10])}{', …' if len(waiting) > 10 else ''}); internal audit "
            f"must record {'it' if len(waiting) == 1 else 'them'} first.",
            remedy="record verdicts",
            run=run.run_id,
        )


SAMPLE_DRAWN = "audit sample drawn"  # the log's row its drawer writes


@dataclass(frozen=True)
class AuditConclusion:
    """What internal audit found in a run's sample: how many were drawn, checked and failed (the
    verdict that stands on each), against the failure rate past which the council widens a
    sample before it claims (a setting)."""

    sampled: int
    checked: int
    failed: int
    widen_above: int  # percent

    @property
    def finished(self) -> bool:
        return self.sampled > 0 and self.checked == self.sampled

    @property
    def widen(self) -> bool:
        """Whether the failures are more than the council accepts, so more are to be drawn."""
        return self.checked > 0 and self.failed * 100 > self.widen_above * self.checked

    def sentence(self) -> str:
        if not self.sampled:
            return "No audit sample is drawn yet."
        failed = f"{self.failed} failed ({self.failed / max(self.checked, 1):.1%})"
        if not self.finished:
            return (
                f"Internal audit has checked {self.checked} of the {self.sampled} sampled "
                f"families so far: {failed}."
            )
        if self.widen:
            return (
                f"Internal audit checked all {self.sampled} sampled families: {failed}, more "
                f"than the {self.widen_above}% the council accepts, so the sample is widened "
                f"(more families drawn, the verdicts kept) before the claim is submitted."
            )
        return (
            f"Internal audit checked all {self.sampled} sampled families: {failed}, within the "
            f"{self.widen_above}% the council accepts"
            + ("; the failed families are withdrawn from the claim." if self.failed else ".")
        )


def widen_above(connection: Connection) -> int:
    """The failure rate (percent) past which a sample is widened (the settings)."""
    from sfclaims.platform.models import AuthoritySettings
    from sfclaims.platform.settings import settings_missing

    found = connection.execute(select(col(AuthoritySettings.audit_widen_percent))).scalar()
    if found is None:
        raise settings_missing()
    return int(found)


def left_to_draw(connection: Connection, run_id: str) -> list[str]:
    """The run's families that are neither withdrawn nor in its sample, sorted."""
    drawn = set(sampled(connection, run_id))
    return sorted(
        f for f in run_family_ids(connection, run_id, claimed_only=True) if f not in drawn
    )


def _not_to_be_widened(connection: Connection, run: ClaimRun) -> None:
    """A sample failing more than the council accepts is widened before the claim is submitted
    (while any family of the run is left to draw)."""
    found = audit_conclusion(connection, run, widen_above(connection))
    if found.finished and found.widen and left_to_draw(connection, run.run_id):
        raise RefusedError(
            f"Claim run {run.run_id} cannot be submitted yet: {found.sentence()}",
            remedy="widen the sample",
            run=run.run_id,
        )


def audit_conclusion(connection: Connection, run: ClaimRun, widen_above: int) -> AuditConclusion:
    """The run's sample and the verdicts that stand on it (the latest on each family)."""
    standing: dict[str, str] = {}
    for family, verdict in connection.execute(
        select(col(AuditVerdict.family_id), col(AuditVerdict.verdict))
        .where(col(AuditVerdict.run_id) == run.run_id)
        .order_by(col(AuditVerdict.recorded_at), col(AuditVerdict.id))
    ):
        standing[family] = verdict
    drawn = sampled(connection, run.run_id)
    checked = [standing[f] for f in drawn if f in standing]
    return AuditConclusion(len(drawn), len(checked), checked.count("fail"), widen_above)


def _as_drawn(connection: Connection, run: ClaimRun) -> None:
    """The sample a submission checks is the one its drawer wrote: the latest log row drawing
    it (which no login can write in another's name, nor at another time) names the families it
    holds and its seed, and — once there are accounts — someone other than the run's maker."""
    drawn = connection.execute(
        select(col(Activity.who), col(Activity.detail))
        .where(col(Activity.object) == run.run_id, col(Activity.action) == SAMPLE_DRAWN)
        .order_by(col(Activity.id).desc())
        .limit(1)
    ).first()
    holds = len(sampled(connection, run.run_id))
    said = f"{holds} families, seed {run.sample_seed}"
    if drawn is None or not (drawn.detail == said or drawn.detail.startswith(f"{said}; ")):
        raise RefusedError(
            f"Claim run {run.run_id} cannot be submitted: its audit sample holds {holds} "
            f"famil{'y' if holds == 1 else 'ies'} (seed {run.sample_seed}), not what the "
            f"activity log records as drawn"
            f"{f' ({drawn.detail})' if drawn is not None else ''}: it was changed in the "
            f"database. Internal audit must draw the sample again.",
            remedy="draw a sample",
            run=run.run_id,
        )
    if separate_duties(connection) and drawn.who == run.created_by:
        raise RefusedError(
            f"Claim run {run.run_id} cannot be submitted: its audit sample was drawn by "
            f"{drawn.who}, who made the run; internal audit must draw it.",
            remedy="draw a sample",
            run=run.run_id,
        )


@dataclass(frozen=True)
class SampleStatus:
    """A run's audit sample as the auditor works through it: each family with its latest
    verdict in the run (None: to check), and who drew it, when, and how."""

    families: list[tuple[str, AuditVerdict | None]]
    drawn_by: str
    drawn_at: datetime | None
    percent: float | None
    seed: int | None

    @property
    def left(self) -> list[str]:
        return [family for family, verdict in self.families if verdict is None]

    def next_after(self, family_id: str) -> str | None:
        """The next family left to check after this one, else the first left, else None."""
        left = self.left
        later = [f for f in left if f > family_id]
        return later[0] if later else (left[0] if left else None)


def sample_status(connection: Connection, run: ClaimRun) -> SampleStatus:
    """Two queries, whatever the sample's size: its families, and the run's verdicts."""
    latest: dict[str, AuditVerdict] = {}
    for row in connection.execute(
        select(*table_of(AuditVerdict).c)
        .where(col(AuditVerdict.run_id) == run.run_id)
        .order_by(col(AuditVerdict.id))
    ):
        latest[row.family_id] = AuditVerdict(**row._asdict())
    drawn = connection.execute(
        select(col(Activity.who), col(Activity.at))
        .where(col(Activity.object) == run.run_id, col(Activity.action) == SAMPLE_DRAWN)
        .order_by(col(Activity.id).desc())
        .limit(1)
    ).first()
    return SampleStatus(
        [(f, latest.get(f)) for f in sampled(connection, run.run_id)],
        drawn.who if drawn else "",
        drawn.at if drawn else None,
        run.sample_percent,
        run.sample_seed,
    )
