"""The claims team's actions: decide every family, explain one, the forecast, the progress and
outcomes reports, the quarter's files, claim runs made, exported, submitted and discarded."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from sfclaims.actions.frameworks import framework_in_force, framework_of_run
from sfclaims.outputs.files import ready_folder
from sfclaims.people.accounts import Actor, allowed
from sfclaims.platform.errors import NotFoundError, RefusedError
from sfclaims.platform.given import checked_text
from sfclaims.platform.roles import CLAIMS

if TYPE_CHECKING:
    from sfclaims.claims import RunCreated, RunListed
    from sfclaims.deciding.assessing import AssessSummary, Explained
    from sfclaims.deciding.decisions import Assessed, Decided
    from sfclaims.deciding.forecasting import Casework, Pipeline
    from sfclaims.deciding.rules import Decision
    from sfclaims.platform.framework import Framework


# --- the claims team ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Decisions:
    decided: Decided
    summary: AssessSummary
    framework: Framework
    warnings: list[str] = field(default_factory=list)  # kinds never imported, and what follows
    pipeline: Pipeline | None = None  # with_forecast: the quarters ahead
    files: list[Path] = field(default_factory=list)  # out: the decisions file and work lists


def decide(
    engine: Engine,
    person: Actor,
    as_of: date,
    *,
    with_forecast: bool = False,
    framework: Path | None = None,
    out: Path | None = None,
) -> Decisions:
    """Decide every family as of the date and keep the decisions (refused as of a future date,
    or on a database nothing was imported into); with ``with_forecast``, the pipeline too; with
    ``out``, the decisions file there and the work lists beside it."""
    from sfclaims.claims.making import claims_closed
    from sfclaims.deciding.assessing import assess_and_store, summarise
    from sfclaims.deciding.forecasting import casework
    from sfclaims.intake.data_state import anything_imported, kinds_never_imported
    from sfclaims.platform.dates import check_as_of
    from sfclaims.platform.settings import quarter_convention

    allowed(person, CLAIMS, "deciding the families")
    check_as_of(as_of)
    chosen = framework_in_force(engine, framework)
    with engine.connect() as connection:  # (nothing imported at all is refused by the stage)
        never = [k for k in kinds_never_imported(connection) if k != "previous_claims"]
        never = never if anything_imported(connection) else []
    warnings = (
        [
            f"No {', '.join(never)} have ever been imported into this database; every family is "
            f"decided as if it had none."
        ]
        if never
        else []
    )
    # every decision keeps its forecast: the dashboard's quarters ahead, the work lists and the
    # forecast read them, whichever face decided; the files are written while they are kept
    files = [out, out.with_suffix(".xlsx")] if out is not None else []
    work: dict[str, Casework] = {}  # what the work lists show of each family, read meanwhile
    decided = assess_and_store(
        engine,
        chosen,
        as_of,
        meanwhile=(lambda d: _decisions_files(d, work, chosen, as_of, files)) if files else None,
        while_deciding=(lambda: work.update(casework(engine, as_of))) if files else None,
    )
    summary = summarise([a.decision for a in decided.families], chosen)
    with engine.connect() as connection:
        closed = claims_closed(chosen, as_of, quarter_convention(connection), summary.claimable)
    warnings += [closed[0].upper() + closed[1:]] if closed else []
    pipeline = _pipeline(engine, decided, as_of) if with_forecast else None
    return Decisions(decided, summary, chosen, warnings, pipeline, files)


def _decisions_files(
    decided: Decided,
    casework: dict[str, Casework],
    framework: Framework,
    as_of: date,
    paths: list[Path],
) -> AbstractContextManager[None]:
    """The decisions file and the work lists beside it, at ``paths``: the work lists (the
    longer to write) by a copy of this process while the block keeps the decisions, the
    decisions file by this process once they are kept."""
    from sfclaims.outputs.decisions_file import write_decisions
    from sfclaims.outputs.files import written_alongside
    from sfclaims.outputs.work_lists import write_work_lists

    decisions, lists = paths

    def write_lists(to: Sequence[Path]) -> None:
        write_work_lists(to[0], decided.families, casework, framework)

    def write_file(to: Sequence[Path]) -> None:
        with to[0].open("w", newline="", encoding="utf-8") as f:
            write_decisions([a.decision for a in decided.families], f)

    return written_alongside([lists], write_lists, [decisions], write_file)


def explain_family(
    engine: Engine, person: Actor, as_of: date, family_id: str, framework: Path | None = None
) -> Decision:
    """One family's decision with every rule's finding and the records it relied on (any
    account may read it); an ID no family has, or whose episode starts later, is not found."""
    return read_family(engine, person, as_of, family_id, framework).decision


def read_family(
    engine: Engine, person: Actor, as_of: date, family_id: str, framework: Path | None = None
) -> Explained:
    """The family's decision, its facts and its forecast, as the family's page shows them and
    ``assess --family`` prints them: one read for both faces."""
    from sfclaims.deciding.assessing import explained

    allowed(person, None, "reading a family's decision")
    checked_text(family_id, "the family ID", 100)
    found = explained(engine, framework_in_force(engine, framework), as_of, family_id)
    if found is None:
        raise NotFoundError(
            f"There is no family {family_id} whose episode started on or before {as_of:%d/%m/%Y}."
        )
    return found


def _pipeline(engine: Engine, decided: Decided, as_of: date) -> Pipeline:
    from sfclaims.claims import allocation_left
    from sfclaims.deciding.forecasting import DEFAULT_QUARTERS, pipeline_of
    from sfclaims.platform.settings import read_settings

    kind = read_settings(engine).quarters
    left = allocation_left(engine)
    return pipeline_of(engine, decided.families, as_of, kind, DEFAULT_QUARTERS, left)


def make_run(
    engine: Engine,
    person: Actor,
    period: str,
    as_of: date,
    *,
    cap: int | None = None,
    another: bool = False,
    framework: Path | None = None,
) -> RunCreated:
    """A draft claim run of the claimable families (capped by the allocation left unless a cap
    is given), logged as made."""
    from sfclaims.actions.telling import draft_ready
    from sfclaims.claims import allocation_left, create_run

    allowed(person, CLAIMS, "making a claim run")
    chosen = framework_in_force(engine, framework)
    limit = cap if cap is not None else allocation_left(engine)
    made = create_run(engine, chosen, period, as_of, limit, another, person.name)
    draft_ready(engine, person, made.run_id, made.families, period, as_of)
    return made


def discard(engine: Engine, person: Actor, run: str) -> tuple[str, int, int]:
    """Remove a draft run: its ID, families and verdicts removed with it."""
    from sfclaims.claims import discard_run

    allowed(person, CLAIMS, "discarding a claim run")
    return discard_run(engine, run, person.name)


def forecast_files(
    engine: Engine,
    person: Actor,
    as_of: date,
    out: Path,
    *,
    quarters: int = 4,
    allocation: int | None = None,
    framework: Path | None = None,
) -> tuple[Pipeline, list[Path]]:
    """The pipeline as of the date (against the allocation left, unless given), written as the
    forecast workbook and CSV into ``out``."""
    from sfclaims.claims import allocation_left
    from sfclaims.deciding.forecasting import forecast_families
    from sfclaims.platform.dates import check_as_of
    from sfclaims.platform.settings import read_settings

    allowed(person, None, "reading the forecast")
    check_as_of(as_of)
    ready_folder(out, "The folder")
    chosen = framework_in_force(engine, framework)
    kind = read_settings(engine).quarters
    left = allocation if allocation is not None else allocation_left(engine)
    pipeline = forecast_families(engine, chosen, as_of, kind, quarters, left)
    return pipeline, _forecast_files(pipeline, kind, chosen, out)


def _forecast_files(pipeline: Pipeline, kind: str, framework: Framework, out: Path) -> list[Path]:
    """The forecast workbook and its CSV, written into ``out``."""
    from sfclaims.outputs.files import written_whole
    from sfclaims.outputs.forecast import write_forecast, write_forecast_workbook

    csv_path = out / f"forecast-{pipeline.as_of.isoformat()}.csv"
    with written_whole(csv_path) as partial, partial.open("w", newline="", encoding="utf-8") as f:
        write_forecast(pipeline.families, f)
    return [write_forecast_workbook(pipeline, kind, framework, out), csv_path]


def progress_report(
    engine: Engine, person: Actor, as_of: date, out: Path, framework: Path | None = None
) -> Path:
    """Progress per quarter (the authority's convention) with its chart, written into ``out``."""
    from sfclaims.deciding.assessing import assess_families
    from sfclaims.platform.dates import check_as_of

    allowed(person, None, "writing the progress report")
    check_as_of(as_of)
    ready_folder(out, "The folder")
    chosen = framework_in_force(engine, framework)
    return _progress_report(engine, assess_families(engine, chosen, as_of), chosen, as_of, out)


def _progress_report(
    engine: Engine, assessed: list[Assessed], framework: Framework, as_of: date, out: Path
) -> Path:
    from sfclaims.deciding.decisions import totals_as_of
    from sfclaims.outputs.overview import quarter_before
    from sfclaims.outputs.progress import (
        QuarterBefore,
        beside_the_last,
        progress_rows,
        totals_now,
        write_progress,
    )
    from sfclaims.platform.quarters import quarter_of
    from sfclaims.platform.settings import read_settings

    settings = read_settings(engine)
    rows = progress_rows(assessed, settings.quarters)
    name, last_day = quarter_before(as_of, settings.quarters)
    with engine.connect() as connection:
        before = QuarterBefore(name, last_day, totals_as_of(connection, last_day))
    this_quarter = quarter_of(as_of, settings.quarters)
    beside = beside_the_last(totals_now(assessed), before, as_of, this_quarter)
    return write_progress(
        rows, as_of, settings.quarters, framework, out, settings.allocation, beside
    )


def outcomes_report(
    engine: Engine,
    person: Actor,
    as_of: date,
    out: Path,
    quarters: int = 2,
    framework: Path | None = None,
) -> Path:
    """The outcomes report (contract.md, `report outcomes`): the ``quarters`` up to the one
    holding the date, each decided as of its last day; any account may write it, under any
    framework, one that pays by results or none."""
    from sqlalchemy import select
    from sqlmodel import col

    from sfclaims.deciding.assessing import assess_families
    from sfclaims.deciding.outcomes_report import Episode, quarter_ends, quarter_outcomes
    from sfclaims.outputs.outcomes import write_outcomes
    from sfclaims.platform.dates import check_as_of
    from sfclaims.platform.given import checked_number
    from sfclaims.platform.models import Family
    from sfclaims.platform.quarters import quarter_of
    from sfclaims.platform.settings import read_settings

    allowed(person, None, "writing the outcomes report")
    check_as_of(as_of)
    checked_number(quarters, "the number of quarters", 1, 8)
    ready_folder(out, "The folder")
    chosen = framework_in_force(engine, framework)
    convention = read_settings(engine).quarters
    with engine.connect() as connection:
        episodes = {
            row.family_id: Episode(row.episode_start, row.episode_end, row.team)
            for row in connection.execute(
                select(
                    col(Family.family_id),
                    col(Family.episode_start),
                    col(Family.episode_end),
                    col(Family.team),
                )
            )
        }
    figures = [
        quarter_outcomes(
            quarter_of(first, convention),
            first,
            last,
            assess_families(engine, chosen, last),
            episodes,
            chosen,
        )
        for first, last in quarter_ends(as_of, quarters)
    ]
    return write_outcomes(figures, chosen, as_of, out)


def quarter_files(engine: Engine, person: Actor, as_of: date, out: Path) -> list[Path]:
    """The quarter's files from one decide, at one state of the data: the decisions file and
    the work lists, the forecast workbook and CSV, and the progress report, written into
    ``out`` (an import landing meanwhile changes none of them: each is made from the same
    decisions, kept as ``decide`` keeps them)."""
    from sfclaims.platform.settings import read_settings

    done = decide(engine, person, as_of, with_forecast=True, out=out / f"decisions-{as_of}.csv")
    assert done.pipeline is not None  # asked for
    written = list(done.files)
    written += _forecast_files(done.pipeline, read_settings(engine).quarters, done.framework, out)
    written.append(_progress_report(engine, done.decided.families, done.framework, as_of, out))
    return sorted(written)


def export_submission(engine: Engine, person: Actor, run: str, out: Path) -> list[Path]:
    """The submission workbook and CSV for the department, written into ``out`` and logged."""
    from sfclaims.claims import run_contents
    from sfclaims.outputs.submission import write_submission
    from sfclaims.platform.activity import record_now
    from sfclaims.platform.settings import read_settings

    allowed(person, CLAIMS, "exporting a claim run")
    settings = read_settings(engine)
    if not (settings.authority_name and settings.authority_code):
        raise RefusedError(
            "The submission names the authority claiming, and its name and code are not set.",
            remedy="name the authority",
        )
    ready_folder(out, "The folder")
    contents = run_contents(engine, run, evidence=False, records=False)
    paths = write_submission(
        contents,
        framework_of_run(engine, contents.run.framework_sha256),
        out,
        (settings.authority_name, settings.authority_code),
        settings.results_payment,
    )
    record_now(
        engine,
        person.name,
        "submission exported",
        contents.run.run_id,
        ", ".join(p.name for p in paths),
    )
    return paths


def submission_preview(engine: Engine, person: Actor, run: str) -> RunListed:
    """What submitting the run would lock, shown before it is asked for."""
    from sfclaims.claims import submission_preview as preview

    allowed(person, CLAIMS, "submitting a claim run")
    return preview(engine, run)


def submit(engine: Engine, person: Actor, run: str) -> int:
    """Lock the run for good: how many families it claims."""
    from sfclaims.actions.telling import run_submitted
    from sfclaims.claims import get_run, submit_run

    allowed(person, CLAIMS, "submitting a claim run")
    families = submit_run(engine, run, person.name)
    with engine.connect() as connection:
        run_submitted(engine, person, get_run(connection, run).run_id, families)
    return families
