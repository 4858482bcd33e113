"""The quarter at a glance, from the decisions assess stored: families, eligible, claimable,
claimed, the allocation left, the reasons, and the near misses by reason and team; and one
family's claims and verdicts. Read-only, and quick on a large authority: no family is decided
again here (the web workspace's dashboard reads it on every page)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Engine, func, select
from sqlmodel import col

from sfclaims.claims import allocation_left, claimed_family_ids
from sfclaims.claims.making import claims_closed
from sfclaims.deciding.decisions import SinceBefore, since_before, totals_as_of
from sfclaims.deciding.forecasting import QuarterAhead, quarters_ahead
from sfclaims.deciding.rules import canonical_codes
from sfclaims.deciding.rules.catalogue import near_miss
from sfclaims.intake.data_state import data_version
from sfclaims.intake.kinds import LIST_SEPARATOR
from sfclaims.platform.models import AuditVerdict, ClaimedFamily, ClaimRun, Family, StoredDecision
from sfclaims.platform.quarters import quarter_containing, quarter_of
from sfclaims.platform.settings import framework_in_force, quarter_convention, read_settings


@dataclass(frozen=True)
class Glance:
    as_of: date
    decided_at: datetime | None
    families: int
    eligible: int
    claimable: int
    claimed: int
    allocation_left: int | None
    reasons: list[tuple[str, int]]  # most frequent first
    teams: list[str]
    decided_from: int | None = None  # the state of the data they were decided from
    data_now: int | None = None  # the state of the data as the figures were read
    # the quarters ahead and how many wait beyond them, from the forecast dates the decide kept
    # (None when it was decided without the forecast)
    ahead: tuple[list[QuarterAhead], int] | None = None
    #: after the programme's window: the claimable families can no longer be claimed
    closed: str | None = None
    #: beside the decide before it (None: the first, or kept before decides were compared)
    since: SinceBefore | None = None
    #: the quarter before: its name, its last day, and, when decided as of that day, the
    #: families decided and claimable then (None, None: not decided as of it)
    last_quarter: tuple[str, date, int | None, int | None] | None = None

    @property
    def stale(self) -> bool:
        """Whether the data changed (an import, a verdict, a submission) after the families
        were decided: the figures are then those of the data as they were."""
        return self.decided_from != self.data_now


def decided_dates(engine: Engine) -> list[date]:
    """The as-of dates with stored decisions, newest first."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(col(StoredDecision.as_of)).distinct().order_by(col(StoredDecision.as_of).desc())
        )
        return [_day(d) for d in rows.scalars()]


def glance(engine: Engine, as_of: date) -> Glance | None:
    """The quarter as of the date, or None when no decisions are stored for it."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(
                col(StoredDecision.eligible),
                col(StoredDecision.claimable),
                col(StoredDecision.reasons),
                col(StoredDecision.decided_at),
                col(StoredDecision.data_version),
                col(StoredDecision.work_list),
                col(StoredDecision.forecast_date),
                col(StoredDecision.reasons_before),
                col(StoredDecision.before_as_of),
                col(StoredDecision.before_decided_at),
            ).where(col(StoredDecision.as_of) == as_of)
        ).all()
        now = data_version(connection)
        quarters = quarter_convention(connection)
        last_name, last_day = quarter_before(as_of, quarters)
        then = totals_as_of(connection, last_day)
        claimed = len(claimed_family_ids(connection))  # the ledger now, not as decided
        teams = sorted(
            t
            for t in connection.execute(select(col(Family.team)).distinct()).scalars()
            if t is not None
        )
    if not rows:
        return None
    counts: Counter[str] = Counter()
    for row in rows:
        if row.reasons:
            counts.update(row.reasons.split(LIST_SEPARATOR))
    claimable = sum(bool(row.claimable) for row in rows)
    ahead = None
    settings = read_settings(engine)
    if all(row.work_list is not None for row in rows):  # decided with the forecast
        dates = [_day(row.forecast_date) for row in rows if row.forecast_date]
        ahead = quarters_ahead(dates, claimable, as_of, settings.quarters)
    in_force = framework_in_force(engine)
    closed = claims_closed(in_force, as_of, settings.quarters, claimable)
    first = rows[0]
    since = (
        since_before(
            ((row.reasons_before, row.reasons) for row in rows),
            _day(first.before_as_of),
            first.before_decided_at,
            {code: i for i, code in enumerate(canonical_codes(in_force))},
        )
        if first.before_as_of is not None
        else None
    )
    return Glance(
        as_of,
        max(row.decided_at for row in rows),
        len(rows),
        sum(bool(row.eligible) for row in rows),
        claimable,
        claimed,
        allocation_left(engine),
        counts.most_common(),
        teams,
        min(row.data_version or 0 for row in rows),
        now,
        ahead,
        closed[0].upper() + closed[1:] if closed else None,
        since,
        (
            last_name,
            last_day,
            then.decided if then else None,
            then.claimable if then else None,
        ),
    )


def quarter_before(as_of: date, quarters: str) -> tuple[str, date]:
    """The quarter before the date's, named in the authority's convention, and its last day."""
    last_day = quarter_containing(as_of, quarters).start - timedelta(days=1)
    return quarter_of(last_day, quarters), last_day


def _day(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


@dataclass(frozen=True)
class NearMiss:
    family_id: str
    reason: str
    team: str | None
    locality: str | None


def near_misses(
    engine: Engine, as_of: date, reason: str | None = None, team: str | None = None
) -> list[NearMiss]:
    """Families one reason from claimable as of the date (``catalogue.near_miss``), by family
    ID; a reason and a team narrow them."""
    query = (
        select(
            col(StoredDecision.family_id),
            col(StoredDecision.reasons),
            col(Family.team),
            col(Family.locality),
        )
        .join(Family, col(Family.family_id) == col(StoredDecision.family_id))
        .where(
            col(StoredDecision.as_of) == as_of,
            col(StoredDecision.reasons) != "",
            ~col(StoredDecision.reasons).contains(LIST_SEPARATOR),
        )
        .order_by(col(StoredDecision.family_id))
    )
    if reason:
        query = query.where(col(StoredDecision.reasons) == reason)
    if team:
        query = query.where(col(Family.team) == team)
    with engine.connect() as connection:
        return [NearMiss(*row) for row in connection.execute(query) if near_miss((row[1],))]


@dataclass(frozen=True)
class WorkListed:
    family_id: str
    reasons: tuple[str, ...]
    forecast_date: date | None
    team: str | None
    locality: str | None


@dataclass(frozen=True)
class WorkLists:
    """One work list as of a date, a page of it, narrowed to a team: its families, how many
    each list holds (for the team), and the teams there are. ``kept`` is False when the
    decisions as of the date were made without the forecast, so no list was kept with them."""

    families: list[WorkListed]
    counts: dict[str, int]
    total: int
    teams: list[str]
    kept: bool


def work_lists(
    engine: Engine, as_of: date, listed: str, team: str | None, page: int, per_page: int
) -> WorkLists:
    """A page of the work list (``decisions.WORK_LISTS``) as of the date, by family ID, from the
    decisions stored with their work lists: three queries, whatever the authority's size."""

    decided = col(StoredDecision.as_of) == as_of
    with engine.connect() as connection:
        by_list = connection.execute(
            select(col(StoredDecision.work_list), func.count())
            .join(Family, col(Family.family_id) == col(StoredDecision.family_id))
            .where(decided, *([col(Family.team) == team] if team else []))
            .group_by(col(StoredDecision.work_list))
        ).all()
        kept = (
            connection.execute(  # decided with the forecast: every row has its list
                select(col(StoredDecision.work_list)).where(decided).limit(1)
            ).scalar()
            is not None
        )
        rows = connection.execute(
            select(
                col(StoredDecision.family_id),
                col(StoredDecision.reasons),
                col(StoredDecision.forecast_date),
                col(Family.team),
                col(Family.locality),
            )
            .join(Family, col(Family.family_id) == col(StoredDecision.family_id))
            .where(
                decided,
                col(StoredDecision.work_list) == listed,
                *([col(Family.team) == team] if team else []),
            )
            .order_by(col(StoredDecision.family_id))
            .offset((max(page, 1) - 1) * per_page)
            .limit(per_page)
        ).all()
        teams = sorted(
            t
            for t in connection.execute(
                select(col(Family.team)).distinct().where(col(Family.team).is_not(None))
            ).scalars()
            if t
        )
    counts = {name: n for name, n in by_list if name}
    return WorkLists(
        [
            WorkListed(f, tuple(r.split(LIST_SEPARATOR)) if r else (), d, t, loc)
            for f, r, d, t, loc in rows
        ],
        counts,
        counts.get(listed, 0),
        teams,
        kept,
    )


@dataclass(frozen=True)
class ClaimHistory:
    run_id: str
    period: str
    status: str
    withdrawn: bool
    verdicts: list[tuple[str, str, str | None, datetime]]  # verdict, note, by, when


def team_and_locality(engine: Engine, family_id: str) -> tuple[str | None, str | None]:
    """The family's team and locality, as the families extract gives them."""
    with engine.connect() as connection:
        row = connection.execute(
            select(col(Family.team), col(Family.locality)).where(col(Family.family_id) == family_id)
        ).first()
    return (row.team, row.locality) if row is not None else (None, None)


def family_history(engine: Engine, family_id: str) -> list[ClaimHistory]:
    """Every claim run that holds the family, oldest first, with the verdicts on it there."""
    with engine.connect() as connection:
        runs = connection.execute(
            select(
                col(ClaimRun.run_id),
                col(ClaimRun.period),
                col(ClaimRun.submitted_at),
                col(ClaimedFamily.withdrawn),
            )
            .join(ClaimedFamily, col(ClaimedFamily.run_id) == col(ClaimRun.run_id))
            .where(col(ClaimedFamily.family_id) == family_id)
            .order_by(col(ClaimRun.created_at))
        ).all()
        verdicts = connection.execute(
            select(
                col(AuditVerdict.run_id),
                col(AuditVerdict.verdict),
                col(AuditVerdict.note),
                col(AuditVerdict.recorded_by),
                col(AuditVerdict.recorded_at),
            )
            .where(col(AuditVerdict.family_id) == family_id)
            .order_by(col(AuditVerdict.recorded_at), col(AuditVerdict.id))
        ).all()
    return [
        ClaimHistory(
            run_id,
            period,
            "submitted" if submitted else "draft",
            bool(withdrawn),
            [(v, n, by, at) for r, v, n, by, at in verdicts if r == run_id],
        )
        for run_id, period, submitted, withdrawn in runs
    ]
