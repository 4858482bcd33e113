"""The forecast stage: every family decided as of a date, the forecast of each that is not
claimable (sfclaims.deciding.rules.forecast), and the pipeline of the quarters ahead set against the
allocation left."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from sqlalchemy import Engine, select
from sqlmodel import col

from sfclaims.deciding.assessing import assess_at_state
from sfclaims.deciding.decisions import Assessed, current_forecasts
from sfclaims.deciding.rules.catalogue import PROSPECTS, WAITING
from sfclaims.deciding.rules.forecast import Forecast
from sfclaims.platform.framework import Framework
from sfclaims.platform.models import Family, LeadPractitioner
from sfclaims.platform.quarters import Quarter, quarters_after

DEFAULT_QUARTERS = 4


@dataclass(frozen=True)
class QuarterAhead:
    quarter: Quarter
    new: int  # families whose forecast date falls in the quarter
    cumulative: int  # with those claimable at the date and in earlier quarters


@dataclass(frozen=True)
class Pipeline:
    as_of: date
    decided: int
    claimable: int  # at the date
    families: list[Forecast]  # every family not claimable, sorted by family ID
    quarters: list[QuarterAhead]
    later: int  # waiting beyond the last quarter shown
    allocation_left: int | None
    casework: dict[str, Casework]  # by family ID

    def by_status(self) -> list[tuple[str, int]]:
        counts = Counter(f.status for f in self.families)
        return [(status, counts[status]) for status in PROSPECTS]


def forecast_families(
    engine: Engine,
    framework: Framework,
    as_of: date,
    quarters: str,
    quarters_ahead: int = DEFAULT_QUARTERS,
    allocation_left: int | None = None,
) -> Pipeline:
    """Every family as of the date with the forecast of each one that is not claimable: as a
    decide of the date kept them while they are current, else decided now from the same facts
    in one state of the data."""
    kept = current_forecasts(engine, framework, as_of)
    if kept is not None:
        return pipeline_of(engine, kept.families, as_of, quarters, quarters_ahead, allocation_left)
    work: dict[str, Casework] = {}  # read while the cores decide
    assessed = assess_at_state(
        engine,
        framework,
        as_of,
        with_forecast=True,
        while_deciding=lambda: work.update(casework(engine, as_of)),
    )[0]
    return pipeline_of(
        engine, assessed, as_of, quarters, quarters_ahead, allocation_left, casework_read=work
    )


def pipeline_of(
    engine: Engine,
    assessed: list[Assessed],
    as_of: date,
    quarters: str,
    quarters_ahead: int = DEFAULT_QUARTERS,
    allocation_left: int | None = None,
    casework_read: dict[str, Casework] | None = None,
) -> Pipeline:
    """The pipeline of families decided with their forecasts (``with_forecast``), and their
    casework (read here unless ``casework_read`` has it)."""
    families = [a.forecast for a in assessed if a.forecast is not None]
    claimable = sum(a.decision.claimable for a in assessed)
    return Pipeline(
        as_of,
        len(assessed),
        claimable,
        families,
        *pipeline(families, claimable, as_of, quarters, quarters_ahead),
        allocation_left,
        casework_read if casework_read is not None else casework(engine, as_of),
    )


def pipeline(
    families: list[Forecast], claimable: int, as_of: date, kind: str, count: int
) -> tuple[list[QuarterAhead], int]:
    """Per quarter after the date's: the families whose forecast date falls in it, and
    cumulatively with those claimable at the date; and how many wait beyond the last."""
    dates = [f.forecast_date for f in families if f.status == WAITING and f.forecast_date]
    return quarters_ahead(dates, claimable, as_of, kind, count)


def quarters_ahead(
    dates: list[date], claimable: int, as_of: date, kind: str, count: int = DEFAULT_QUARTERS
) -> tuple[list[QuarterAhead], int]:
    """The quarters after the date's, from the waiting families' forecast dates: the families
    becoming claimable in each, cumulatively with those claimable at the date; and how many
    wait beyond the last (``pipeline``, or the decisions a decide stored)."""
    found: list[QuarterAhead] = []
    running = claimable
    ahead = quarters_after(as_of, kind, count)
    for quarter in ahead:
        new = sum(quarter.start <= day <= quarter.end for day in dates)
        running += new
        found.append(QuarterAhead(quarter, new, running))
    last = ahead[-1].end if ahead else as_of
    return found, sum(day > last for day in dates)


class Casework(NamedTuple):
    """Who works with a family and when: what a manager hands work out by."""

    team: str | None
    locality: str | None
    episode_start: date
    episode_end: date | None
    lead_practitioner: str | None  # the latest assigned on or before the date


def casework(engine: Engine, as_of: date) -> dict[str, Casework]:
    """Each family's team, locality, episode and lead practitioner as of the date."""
    with engine.connect() as connection:
        workers: dict[str, tuple[date, str]] = {}
        for family_id, name, worker_id, start in connection.execute(
            select(
                col(LeadPractitioner.family_id),
                col(LeadPractitioner.worker_name),
                col(LeadPractitioner.worker_id),
                col(LeadPractitioner.start_date),
            ).where(col(LeadPractitioner.start_date) <= as_of)
        ):
            if family_id not in workers or start > workers[family_id][0]:
                workers[family_id] = (start, name or worker_id)
        return {
            family_id: Casework(
                team,
                locality,
                start,
                end if end and end <= as_of else None,
                workers.get(family_id, (None, None))[1],
            )
            for family_id, team, locality, start, end in connection.execute(
                select(
                    col(Family.family_id),
                    col(Family.team),
                    col(Family.locality),
                    col(Family.episode_start),
                    col(Family.episode_end),
                )
            )
        }
