"""Decisions kept in the database, for the claim run to reuse while they are current.

An assess stores every family's decision as of its date, with the evidence and records of the
families that can be claimed; a claim run as of the same date takes them from here instead of
deciding again, as long as nothing they rest on has changed since.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, delete, func, select
from sqlmodel import col

from sfclaims.deciding.rules import Decision, canonical_codes
from sfclaims.deciding.rules.catalogue import (
    CANNOT_BE_CLAIMED,
    FIX_A_RECORD,
    TIME_ALONE,
    WAITING,
    describe,
)
from sfclaims.deciding.rules.forecast import Forecast
from sfclaims.deciding.rules.ledger import ALREADY_CLAIMED
from sfclaims.intake.data_state import data_version, decisions_stored
from sfclaims.intake.kinds import LIST_SEPARATOR
from sfclaims.platform.db import bulk_load, one_snapshot, writing
from sfclaims.platform.framework import Framework
from sfclaims.platform.models import StoredDecision, table_of


@dataclass(frozen=True)
class Assessed:
    """A family decided. For the families that can be claimed, when asked for, the evidence
    (every rule's finding, as JSON) and the family's records (JSON) that a claim keeps."""

    decision: Decision  # without its findings: they stay in the process that decided
    episode_start: date
    evidence: str | None = None
    facts: str | None = None
    forecast: Forecast | None = None  # when asked for, of a family that is not claimable


@dataclass(frozen=True)
class SinceBefore:
    """A decide beside the decide before it: the families that became claimable, by the reasons
    they had then; those that stopped being claimable, by the reasons they have now (a family
    may have several); and those that decide did not decide."""

    as_of: date | None  # the decide before: its as-of date (None: there was none)
    decided_at: datetime | None
    claimable_before: int
    claimable_now: int
    became: int
    stopped: int
    new: int  # decided now, not then (a family new to the extracts, or to the date)
    became_by_reason: list[tuple[str, int]]  # most first, then canonical order
    stopped_by_reason: list[tuple[str, int]]

    @property
    def said(self) -> str:
        """The change in one sentence, in no face's words."""
        when = f"{self.as_of:%d/%m/%Y}" if self.as_of else "no date"
        parts = [
            f"{self.became:,} became claimable",
            f"{self.stopped:,} stopped being claimable",
        ]
        if self.new:
            parts.append(f"{self.new:,} decided for the first time")
        return (
            f"Beside the decide before (as of {when}): {', '.join(parts)}; claimable "
            f"{self.claimable_before:,} then, {self.claimable_now:,} now."
        )


def since_before(
    pairs: Iterable[tuple[str | None, str]],
    as_of: date | None,
    decided_at: datetime | None,
    order: dict[str, int] | None = None,
) -> SinceBefore:
    """Each family's reasons at the decide before (None: not decided then; "" claimable) and
    now, as kept (``LIST_SEPARATOR``-joined), counted; ``order`` ranks codes that tie."""
    became: Counter[str] = Counter()
    stopped: Counter[str] = Counter()
    counts = Counter[str]()
    for before, now in pairs:
        if before is None:
            counts["new"] += 1
            counts["claimable now"] += not now
            continue
        counts["claimable before"] += not before
        counts["claimable now"] += not now
        if before and not now:
            counts["became"] += 1
            became.update(before.split(LIST_SEPARATOR))
        elif now and not before:
            counts["stopped"] += 1
            stopped.update(now.split(LIST_SEPARATOR))
    rank = order or {}

    def ranked(found: Counter[str]) -> list[tuple[str, int]]:
        return sorted(found.items(), key=lambda item: (-item[1], rank.get(item[0], 0), item[0]))

    return SinceBefore(
        as_of,
        decided_at,
        counts["claimable before"],
        counts["claimable now"],
        counts["became"],
        counts["stopped"],
        counts["new"],
        ranked(became),
        ranked(stopped),
    )


@dataclass(frozen=True)
class Decided:
    """Families decided, and the state of the data (data_state.py) they were all decided from;
    once kept, beside the decide before."""

    families: list[Assessed]
    data_version: int
    since: SinceBefore | None = None


FIXABLE_NOW = "fixable now"
WAITING_ONLY = "waiting"
OTHER_WORK = "other work"  # needs action that is not a record to put right: attendance, audit
WORK_LISTS = (FIXABLE_NOW, WAITING_ONLY, OTHER_WORK)


@dataclass(frozen=True)
class Totals:
    """A decide's families in brief: how many were decided, eligible, claimable and claimed
    already (claimed as the decide found them)."""

    decided: int
    eligible: int
    claimable: int
    claimed: int


def totals_of(decided: Iterable[tuple[bool, bool, Iterable[str]]]) -> Totals:
    """The totals of decisions given as (eligible, claimable, reason codes)."""
    claimed_code = ALREADY_CLAIMED()
    counts = Counter[str]()
    for eligible, claimable, reasons in decided:
        counts["decided"] += 1
        counts["eligible"] += bool(eligible)
        counts["claimable"] += bool(claimable)
        counts["claimed"] += claimed_code in reasons
    return Totals(counts["decided"], counts["eligible"], counts["claimable"], counts["claimed"])


def totals_as_of(connection: Connection, as_of: date) -> Totals | None:
    """The totals of the decisions kept as of the date (None: none are kept for it)."""
    rows = connection.execute(
        select(
            col(StoredDecision.eligible), col(StoredDecision.claimable), col(StoredDecision.reasons)
        ).where(col(StoredDecision.as_of) == as_of)
    )
    found = totals_of(
        (r.eligible, r.claimable, (r.reasons or "").split(LIST_SEPARATOR)) for r in rows
    )
    return found if found.decided else None


def work_list(family: Assessed) -> str | None:
    """*Fixable now* when some reason is a record to put right and every other one is too or
    waits; *waiting* when every reason waits (the forecast's waiting education need included);
    *other work* for the rest that can still be claimed (poor attendance, a failed audit); None
    for a family that is claimable or cannot be claimed (the decisions file has them all)."""
    waits = family.forecast is not None and family.forecast.status == WAITING
    return _work_list_of(family.decision.reasons, waits)


#: Combinations of reasons kept for what follows from them (a work list, the reasons in words):
#: the benchmark's 50,000 families have 12,800, so a few thousand would be pushed out unused
REASON_COMBINATIONS = 65_536


@functools.lru_cache(maxsize=REASON_COMBINATIONS)
def _work_list_of(reasons: tuple[str, ...], waits: bool) -> str | None:
    if not reasons or any(describe(c).prospect == CANNOT_BE_CLAIMED for c in reasons):
        return None

    def kind(code: str) -> str | None:
        remedy = describe(code).remedy
        if waits or remedy == TIME_ALONE:
            return WAITING_ONLY
        return FIXABLE_NOW if remedy == FIX_A_RECORD else None

    kinds = {kind(code) for code in reasons}
    if kinds == {WAITING_ONLY}:
        return WAITING_ONLY
    return FIXABLE_NOW if None not in kinds else OTHER_WORK


def store_decisions(
    engine: Engine,
    decided: Decided,
    framework: Framework,
    as_of: date,
    with_forecast: bool = False,
) -> SinceBefore:
    """Keep the decisions as of the date (replacing earlier ones for that date) with their
    reasons, the state of the data they rest on, and the evidence and records of the families
    that can be claimed, for the claim run to reuse; decided with the forecast, each other
    family's work list and forecast date too, for the workspace's work-list pages. Each keeps
    the family's reasons at the decide before (the newest kept, as of any date), read in the
    same transaction; the two decides side by side are returned."""
    table = table_of(StoredDecision)
    with writing(engine) as connection:  # the decide before read under the write lock
        before_as_of, before_at, before = _decide_before(connection)
        shared = _shared(decided, framework, as_of, before_as_of, before_at)
        rows = (_row(a, shared, with_forecast, before) for a in decided.families)
        connection.execute(delete(StoredDecision).where(col(StoredDecision.as_of) == as_of))
        bulk_load(connection, table, [*_SHARED, *_OWN], rows)
        decisions_stored(connection)
    return since_before(
        ((before.get(a.decision.family_id), _joined(a.decision.reasons)) for a in decided.families),
        before_as_of,
        before_at,
        {code: i for i, code in enumerate(canonical_codes(framework))},
    )


def _joined(reasons: tuple[str, ...]) -> str:
    return LIST_SEPARATOR.join(reasons)


def _decide_before(connection: Connection) -> tuple[date | None, datetime | None, dict[str, str]]:
    """The newest decide kept (as of any date): its date, when it was made, and each family's
    reasons then."""
    newest = connection.execute(
        select(col(StoredDecision.as_of), col(StoredDecision.decided_at))
        .order_by(col(StoredDecision.decided_at).desc())
        .limit(1)
    ).first()
    if newest is None:
        return None, None, {}
    as_of, at = newest
    reasons = connection.execute(
        select(col(StoredDecision.family_id), col(StoredDecision.reasons)).where(
            col(StoredDecision.as_of) == as_of
        )
    )
    day = as_of if isinstance(as_of, date) else date.fromisoformat(as_of)
    return day, at, {family_id: kept for family_id, kept in reasons}


#: The columns every decision of a decide shares, then each family's own: the order of ``_row``
_SHARED = (
    "as_of",
    "framework",
    "framework_sha256",
    "decided_at",
    "data_version",
    "before_as_of",
    "before_decided_at",
)
_OWN = (
    "family_id",
    "eligible",
    "claimable",
    "needs",
    "reasons",
    "evidence",
    "episode_start",
    "facts",
    "work_list",
    "forecast_date",
    "forecast_status",
    "forecast_actions",
    "reasons_before",
)


def _shared(
    decided: Decided,
    framework: Framework,
    as_of: date,
    before_as_of: date | None,
    before_at: datetime | None,
) -> tuple[Any, ...]:
    """The values of ``_SHARED``."""
    return (
        as_of.isoformat(),
        framework.label(),
        framework.sha256,
        datetime.now(UTC),
        decided.data_version,
        before_as_of.isoformat() if before_as_of else None,
        before_at,
    )


def _row(
    a: Assessed,
    shared: tuple[Any, ...],
    with_forecast: bool,
    before: dict[str, str],
) -> tuple[Any, ...]:
    """A decision's row: ``shared``, then the values of ``_OWN``."""
    d, prospect = a.decision, a.forecast
    return (
        *shared,
        d.family_id,
        d.eligible,
        d.claimable,
        LIST_SEPARATOR.join(d.needs),
        _joined(d.reasons),
        a.evidence,
        a.episode_start.isoformat(),
        a.facts,
        # decided with the forecast: its list ("" for none); without it, not known (None)
        (work_list(a) or "") if with_forecast else None,
        prospect.forecast_date.isoformat() if prospect and prospect.forecast_date else None,
        prospect.status if prospect else None,
        orjson.dumps(prospect.actions).decode() if prospect else None,
        before.get(d.family_id),
    )


def _current(connection: Connection, framework: Framework, as_of: date) -> int | None:
    """The state of the data now, if the decisions kept as of the date were all made under
    this framework from the data in that state; else None (they must be made again)."""
    states = connection.execute(
        select(
            func.min(col(StoredDecision.data_version)),
            func.max(col(StoredDecision.data_version)),
            func.min(col(StoredDecision.framework_sha256)),
            func.max(col(StoredDecision.framework_sha256)),
        ).where(col(StoredDecision.as_of) == as_of)
    ).one()
    now = data_version(connection)
    return now if tuple(states) == (now, now, framework.sha256, framework.sha256) else None


def _needs(kept: str) -> tuple[str, ...]:
    return tuple(filter(None, kept.split(LIST_SEPARATOR)))


def _kept_if_current(
    engine: Engine, framework: Framework, as_of: date, columns: list[Any], claimable: bool
) -> tuple[int, list[Any]] | None:
    """The state of the data and the ``columns`` of the decisions kept as of the date (only
    the claimable ones, if ``claimable``), by family ID, read in one snapshot, if they are
    current (``_current``); else None."""
    with one_snapshot(engine) as connection:
        now = _current(connection, framework, as_of)
        if now is None:
            return None
        query = select(*columns).where(col(StoredDecision.as_of) == as_of)
        if claimable:
            query = query.where(col(StoredDecision.claimable))
        return now, list(connection.execute(query.order_by(col(StoredDecision.family_id))))


def current_claimable(engine: Engine, framework: Framework, as_of: date) -> Decided | None:
    """The claimable families of the stored decisions as of the date, if those decisions are
    still current: made under this framework from the data in the state they are in now. None
    when they are not, and the families must be decided again."""
    columns = [
        col(StoredDecision.family_id),
        col(StoredDecision.needs),
        col(StoredDecision.evidence),
        col(StoredDecision.episode_start),
        col(StoredDecision.facts),
    ]
    kept = _kept_if_current(engine, framework, as_of, columns, claimable=True)
    if kept is None:
        return None
    now, rows = kept
    claimable = [
        Assessed(
            Decision(family_id, as_of, _needs(needs), ()),
            start or as_of,  # kept for every decision since it was stored; never blank
            evidence,
            facts,
        )
        for family_id, needs, evidence, start, facts in rows
    ]
    return Decided(claimable, now)


def current_forecasts(engine: Engine, framework: Framework, as_of: date) -> Decided | None:
    """Every family of the stored decisions as of the date with its forecast, as a decide with
    the forecast kept them, if they are still current (``current_claimable``) and were all made
    with the forecast; else None, and the families must be decided again. What a forecast
    straight after a decide of the same date reads instead of deciding every family again."""
    columns = [
        col(StoredDecision.family_id),
        col(StoredDecision.needs),
        col(StoredDecision.reasons),
        col(StoredDecision.episode_start),
        col(StoredDecision.forecast_status),
        col(StoredDecision.forecast_date),
        col(StoredDecision.forecast_actions),
    ]
    kept = _kept_if_current(engine, framework, as_of, columns, claimable=False)
    if kept is None:
        return None
    now, rows = kept
    families: list[Assessed] = []
    for family_id, needs, reasons, start, status, forecast_date, actions in rows:
        decision = Decision(family_id, as_of, _needs(needs), _needs(reasons))
        if not decision.claimable and status is None:  # kept without its forecast
            return None
        prospects = (
            Forecast(
                family_id,
                status,
                forecast_date,
                decision.reasons,
                tuple(orjson.loads(actions or "[]")),
            )
            if status is not None
            else None
        )
        families.append(Assessed(decision, start or as_of, forecast=prospects))
    return Decided(families, now)
