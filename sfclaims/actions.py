"""What a person does, once for both faces: the command line and the workspace call these.

Each action checks the person's role, leaves every rule to its stage (which refuses with a
typed error, in no face's words), does the work, writes the activity log in the same
transaction as the change (or, for a file written, once it is written), and returns what a face
needs to word the outcome — warnings included, as data. A face only asks, words the answer and
shows it; it never checks a role, a rule or writes the log itself.

Accounts are the people stage's own actions (``people.add_account``, ``disable_account``,
``set_password``), which check the admin role themselves.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from sfclaims.errors import NotFoundError, RefusedError, SfclaimsError, UsageError
from sfclaims.exports.files import ready_folder
from sfclaims.given import checked_text
from sfclaims.people import ADMIN, AUDITOR, CLAIMS, DATA_OFFICER, Actor, allowed

if TYPE_CHECKING:
    from sfclaims.archive import Archived
    from sfclaims.assessing import AssessSummary
    from sfclaims.audit import VerdictGiven
    from sfclaims.claim_runs import RunCreated, RunListed
    from sfclaims.decisions import Assessed, Decided
    from sfclaims.forecasting import Pipeline
    from sfclaims.framework import Framework
    from sfclaims.importing import ImportResult
    from sfclaims.retention import Purged
    from sfclaims.rules import Decision
    from sfclaims.settings import Settings
    from sfclaims.upgrading import Step, Upgraded


def _framework(engine: Engine, given: Path | None) -> Framework:
    from sfclaims.settings import framework_in_force

    return framework_in_force(engine, given)


def _framework_of_run(engine: Engine, sealed: str) -> Framework:
    """The framework a run was made under, for its totals' headline names: the one in force or
    the national one, whichever the run's hash names (else the one in force, whose names are
    the nearest there are: a run keeps its own decisions either way)."""
    from sfclaims.framework import load_framework

    in_force = _framework(engine, None)
    if in_force.sha256 != sealed:
        national = load_framework()
        if national.sha256 == sealed:
            return national
    return in_force


# --- the data officer ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Imported:
    result: ImportResult
    reports: list[Path]  # the data-quality workbook and the set-aside rows' CSV


def import_extracts(
    engine: Engine,
    person: Actor,
    folder: Path,
    report_dir: Path,
    *,
    mapping: Path | None = None,
    allow_empty: Iterable[str] = (),
    framework: Path | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> Imported:
    """Import every extract in the folder (one transaction, logged in it) and write the
    data-quality report into ``report_dir``; the result carries its warnings."""
    from sfclaims.exports.quality_report import write_quality_report
    from sfclaims.importing import import_folder

    allowed(person, DATA_OFFICER, "importing extracts")
    result = import_folder(
        engine,
        folder,
        _framework(engine, framework),
        mapping,
        progress=progress,
        allow_empty=[kind.strip().lower() for kind in allow_empty],
        by=person.name,
    )
    return Imported(result, write_quality_report(result, report_dir))


def quality_report(
    engine: Engine, person: Actor, number: int | None, report_dir: Path
) -> list[Path]:
    """An earlier import's data-quality report (the latest import's when ``number`` is None),
    written into ``report_dir`` as the import wrote it."""
    from sfclaims.exports.quality_report import write_quality_report
    from sfclaims.importing import import_as_made

    allowed(person, DATA_OFFICER, "reading an import's data-quality report")
    return write_quality_report(import_as_made(engine, number), report_dir)


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
    from sfclaims.assessing import assess_and_store, summarise
    from sfclaims.claim_runs.making import claims_closed
    from sfclaims.data_state import anything_imported, kinds_never_imported
    from sfclaims.dates import check_as_of
    from sfclaims.settings import quarter_convention

    allowed(person, CLAIMS, "deciding the families")
    check_as_of(as_of)
    chosen = _framework(engine, framework)
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
    # every decision keeps its forecast date and work list: the dashboard's quarters ahead and
    # the work lists read them, whichever face decided
    decided = assess_and_store(engine, chosen, as_of)
    summary = summarise([a.decision for a in decided.families], chosen)
    with engine.connect() as connection:
        closed = claims_closed(chosen, as_of, quarter_convention(connection), summary.claimable)
    warnings += [closed[0].upper() + closed[1:]] if closed else []
    pipeline = _pipeline(engine, decided, as_of) if with_forecast else None
    files = _decisions_files(engine, decided, chosen, as_of, out) if out is not None else []
    return Decisions(decided, summary, chosen, warnings, pipeline, files)


def _decisions_files(
    engine: Engine, decided: Decided, framework: Framework, as_of: date, out: Path
) -> list[Path]:
    from sfclaims.exports.decisions_file import write_decisions
    from sfclaims.exports.files import written_whole
    from sfclaims.exports.work_lists import write_work_lists
    from sfclaims.forecasting import casework

    with written_whole(out) as partial, partial.open("w", newline="", encoding="utf-8") as f:
        write_decisions([a.decision for a in decided.families], f)
    workbook = write_work_lists(
        out.with_suffix(".xlsx"), decided.families, casework(engine, as_of), framework
    )
    return [out, workbook]


def explain_family(
    engine: Engine, person: Actor, as_of: date, family_id: str, framework: Path | None = None
) -> Decision:
    """One family's decision with every rule's finding and the records it relied on (any
    account may read it); an ID no family has, or whose episode starts later, is not found."""
    from sfclaims.assessing import explain

    allowed(person, None, "reading a family's decision")
    checked_text(family_id, "the family ID", 100)
    explained = explain(engine, _framework(engine, framework), as_of, family_id)
    if explained is None:
        raise NotFoundError(
            f"There is no family {family_id} whose episode started on or before {as_of:%d/%m/%Y}."
        )
    return explained


def _pipeline(engine: Engine, decided: Decided, as_of: date) -> Pipeline:
    from sfclaims.claim_runs import allocation_left
    from sfclaims.forecasting import DEFAULT_QUARTERS, pipeline_of
    from sfclaims.settings import read_settings

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
    from sfclaims.claim_runs import allocation_left, create_run

    allowed(person, CLAIMS, "making a claim run")
    chosen = _framework(engine, framework)
    limit = cap if cap is not None else allocation_left(engine)
    return create_run(engine, chosen, period, as_of, limit, another, person.name)


def discard(engine: Engine, person: Actor, run: str) -> tuple[str, int, int]:
    """Remove a draft run: its ID, families and verdicts removed with it."""
    from sfclaims.claim_runs import discard_run

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
    from sfclaims.claim_runs import allocation_left
    from sfclaims.dates import check_as_of
    from sfclaims.forecasting import forecast_families
    from sfclaims.settings import read_settings

    allowed(person, None, "reading the forecast")
    check_as_of(as_of)
    ready_folder(out, "The folder")
    chosen = _framework(engine, framework)
    kind = read_settings(engine).quarters
    left = allocation if allocation is not None else allocation_left(engine)
    pipeline = forecast_families(engine, chosen, as_of, kind, quarters, left)
    return pipeline, _forecast_files(pipeline, kind, chosen, out)


def _forecast_files(pipeline: Pipeline, kind: str, framework: Framework, out: Path) -> list[Path]:
    """The forecast workbook and its CSV, written into ``out``."""
    from sfclaims.exports.files import written_whole
    from sfclaims.exports.forecast import write_forecast, write_forecast_workbook

    csv_path = out / f"forecast-{pipeline.as_of.isoformat()}.csv"
    with written_whole(csv_path) as partial, partial.open("w", newline="", encoding="utf-8") as f:
        write_forecast(pipeline.families, f)
    return [write_forecast_workbook(pipeline, kind, framework, out), csv_path]


def progress_report(
    engine: Engine, person: Actor, as_of: date, out: Path, framework: Path | None = None
) -> Path:
    """Progress per quarter (the authority's convention) with its chart, written into ``out``."""
    from sfclaims.assessing import assess_families
    from sfclaims.dates import check_as_of

    allowed(person, None, "writing the progress report")
    check_as_of(as_of)
    ready_folder(out, "The folder")
    chosen = _framework(engine, framework)
    return _progress_report(engine, assess_families(engine, chosen, as_of), chosen, as_of, out)


def _progress_report(
    engine: Engine, assessed: list[Assessed], framework: Framework, as_of: date, out: Path
) -> Path:
    from sfclaims.exports.progress import progress_rows, write_progress
    from sfclaims.settings import read_settings

    settings = read_settings(engine)
    rows = progress_rows(assessed, settings.quarters)
    return write_progress(rows, as_of, settings.quarters, framework, out, settings.allocation)


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

    from sfclaims.assessing import assess_families
    from sfclaims.dates import check_as_of
    from sfclaims.exports.outcomes import write_outcomes
    from sfclaims.given import checked_number
    from sfclaims.models import Family
    from sfclaims.outcomes_report import Episode, quarter_ends, quarter_outcomes
    from sfclaims.quarters import quarter_of
    from sfclaims.settings import read_settings

    allowed(person, None, "writing the outcomes report")
    check_as_of(as_of)
    checked_number(quarters, "the number of quarters", 1, 8)
    ready_folder(out, "The folder")
    chosen = _framework(engine, framework)
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
    from sfclaims.settings import read_settings

    done = decide(engine, person, as_of, with_forecast=True, out=out / f"decisions-{as_of}.csv")
    assert done.pipeline is not None  # asked for
    written = list(done.files)
    written += _forecast_files(done.pipeline, read_settings(engine).quarters, done.framework, out)
    written.append(_progress_report(engine, done.decided.families, done.framework, as_of, out))
    return sorted(written)


def grant_group_roles(engine: Engine, person: Actor) -> list[tuple[str, str]]:
    """An admin (or the one person before accounts) makes the database's group roles and grants
    them: each group's name with its role."""
    from sfclaims.activity import record_now
    from sfclaims.grants import grant_roles

    allowed(person, ADMIN, "granting the database's group roles")
    groups = grant_roles(engine)
    record_now(
        engine, person.name, "group roles granted", "database", ", ".join(n for n, _ in groups)
    )
    return groups


def export_submission(engine: Engine, person: Actor, run: str, out: Path) -> list[Path]:
    """The submission workbook and CSV for the department, written into ``out`` and logged."""
    from sfclaims.activity import record_now
    from sfclaims.claim_runs import run_contents
    from sfclaims.exports.submission import write_submission
    from sfclaims.settings import read_settings

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
        _framework_of_run(engine, contents.run.framework_sha256),
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
    from sfclaims.claim_runs import submission_preview as preview

    allowed(person, CLAIMS, "submitting a claim run")
    return preview(engine, run)


def submit(engine: Engine, person: Actor, run: str) -> int:
    """Lock the run for good: how many families it claims."""
    from sfclaims.claim_runs import submit_run

    allowed(person, CLAIMS, "submitting a claim run")
    return submit_run(engine, run, person.name)


# --- internal audit -------------------------------------------------------------------------------


def draw_sample(
    engine: Engine,
    person: Actor,
    run: str,
    *,
    size: int | None = None,
    percent: float | None = None,
    seed: int,
) -> list[str]:
    """Draw and keep the run's audit sample (never by the run's maker): the IDs, sorted."""
    from sfclaims.audit import sample_run

    allowed(person, AUDITOR, "drawing an audit sample")
    return sample_run(engine, run, size, percent, seed, person.name)


def widen_sample(engine: Engine, person: Actor, run: str, size: int, seed: int) -> list[str]:
    """Draw more families into the run's sample, its verdicts kept (never by the run's maker):
    the families added, sorted."""
    from sfclaims.audit import widen_sample as widen

    allowed(person, AUDITOR, "widening an audit sample")
    return widen(engine, run, size, seed, person.name)


def record_verdicts(
    engine: Engine, person: Actor, run: str, given: list[VerdictGiven]
) -> tuple[str, list[str]]:
    """Keep every verdict with the auditor's name, or none (never by the run's maker)."""
    from sfclaims.audit import record_verdicts as record

    allowed(person, AUDITOR, "recording audit verdicts")
    return record(engine, run, given, person.name)


@dataclass(frozen=True)
class SheetRecorded:
    run_id: str
    recorded: int  # new verdicts kept
    failed: int  # of them, fails: withdrawn from the run
    already: int  # rows showing a verdict recorded before: nothing new


def record_verdict_sheet(engine: Engine, person: Actor, run: str, sheet: Path) -> SheetRecorded:
    """The verdicts filled in on the sample pack's sheet, recorded all or none (both faces)."""
    from sfclaims.audit import read_verdict_sheet

    allowed(person, AUDITOR, "recording audit verdicts")
    given = read_verdict_sheet(sheet)
    run_id, families = record_verdicts(engine, person, run, given)
    kept = {f.upper() for f in families}
    failed = sum(v.verdict == "fail" and v.family_id.upper() in kept for v in given)
    return SheetRecorded(run_id, len(families), failed, len(given) - len(families))


def write_pack(
    engine: Engine,
    person: Actor,
    run: str,
    out: Path,
    *,
    families: Iterable[str] = (),
    sample: bool = False,
) -> Path:
    """The evidence pack workbook (with the sample: its families in full and the verdicts to
    record), written into ``out`` and logged."""
    from sfclaims.activity import record_now
    from sfclaims.claim_runs import run_contents
    from sfclaims.exports.evidence_pack import write_evidence_pack

    chosen = _pack_families(engine, person, run, out, families, sample)
    contents = run_contents(engine, run, chosen)
    path = write_evidence_pack(contents, out, verdict_sheet=sample)
    record_now(engine, person.name, "evidence pack written", contents.run.run_id, path.name)
    return path


def _pack_families(
    engine: Engine, person: Actor, run: str, out: Path, families: Iterable[str], sample: bool
) -> list[str]:
    """An evidence pack's families (those asked for, then the sample's; none: the whole run),
    once the person may write one into the folder."""
    from sfclaims.claim_runs import sampled_families

    allowed(person, AUDITOR, "writing an evidence pack")
    ready_folder(out, "The folder")
    chosen = list(families)
    if sample:
        chosen += [f for f in sampled_families(engine, run) if f not in chosen]
    return chosen


def write_evidence_pdfs(
    engine: Engine,
    person: Actor,
    run: str,
    out: Path,
    *,
    families: Iterable[str] = (),
    sample: bool = False,
) -> list[Path]:
    """One PDF per family (those asked for, the sample's, or the whole run's): the family's
    evidence page as the auditor sees it, written into ``out`` and logged."""
    from sfclaims.activity import record_now
    from sfclaims.claim_runs import run_contents
    from sfclaims.exports.evidence_pdf import write_family_pdfs

    chosen = _pack_families(engine, person, run, out, families, sample)
    contents = run_contents(engine, run, chosen, records=False)
    paths = write_family_pdfs(contents, out, authority_of(engine))
    record_now(
        engine,
        person.name,
        "evidence PDFs written",
        contents.run.run_id,
        f"{len(paths)} families",
    )
    return paths


def evidence_pdf(engine: Engine, person: Actor, run: str, family: str) -> tuple[str, bytes]:
    """One family's evidence PDF for the browser: its file name and bytes (logged)."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="sfclaims-pdf-") as folder:
        (path,) = write_evidence_pdfs(engine, person, run, Path(folder), families=[family])
        return path.name, path.read_bytes()


def authority_of(engine: Engine) -> str:
    from sfclaims.settings import read_settings

    settings = read_settings(engine)
    named = " ".join(p for p in (settings.authority_name, settings.authority_code) if p)
    return named or "authority not set"


# --- the admin ------------------------------------------------------------------------------------


def change_settings(engine: Engine, person: Actor, **given: object) -> Settings:
    """Change the settings given (the rest stay), logged; nothing given changes nothing."""
    from sfclaims.settings import change_settings as change
    from sfclaims.settings import read_settings

    if all(value is None for value in given.values()):
        return read_settings(engine)
    allowed(person, ADMIN, "changing the settings")
    return change(engine, by=person.name, **given)  # type: ignore[arg-type]


PLAN_LIMIT = 1_000_000  # bytes: a local outcome plan is a page or two of TOML


def put_outcome_plan(engine: Engine, person: Actor, file_name: str, content: bytes) -> Settings:
    """Put an authority's local outcome plan in force from its file (an admin's): kept where
    only the service reads it, named by its hash, and decided under from then on. A file that
    is no plan is refused whole, in a sentence naming the file (never where it is kept), and
    nothing of it stays."""
    from sfclaims.job_files import outcome_plans

    allowed(person, ADMIN, "changing the settings")
    name = checked_text(file_name, "the plan's file name", 200)
    if not name.lower().endswith(".toml") or len(content) > PLAN_LIMIT:
        raise RefusedError(f"A local outcome plan is a .toml file of at most {PLAN_LIMIT:,} bytes.")
    digest = hashlib.sha256(content).hexdigest()
    kept = outcome_plans(engine) / f"local-outcome-plan-{digest[:16]}.toml"
    new = not kept.exists()
    if new:
        kept.write_bytes(content)
        kept.chmod(0o600)
    try:
        return change_settings(engine, person, framework=kept)
    except BaseException as error:
        if new:
            kept.unlink(missing_ok=True)
        if isinstance(error, SfclaimsError):  # said of the file as the person named it
            raise RefusedError(str(error).replace(kept.name, name)) from None
        raise


def purge(engine: Engine, person: Actor, before: date | None) -> tuple[date, Purged]:
    """Remove personal data no claim needs from before the date (default: the retention
    setting's start), logged as counts."""
    from sfclaims.retention import purge as purge_data

    allowed(person, ADMIN, "purging old personal data")
    day = before or retention_day(engine)
    return day, purge_data(engine, day, person.name)


def retention_day(engine: Engine) -> date:
    """The first day the retention setting keeps: what a purge removes by default."""
    from sfclaims.retention import retention_start
    from sfclaims.settings import read_settings

    return retention_start(date.today(), read_settings(engine).retention_months)


def what_purge_removes(engine: Engine, person: Actor, before: date | None) -> Purged:
    """What ``purge`` from before the date (default: the retention setting's start) would
    remove, counted, nothing removed: for its confirmation."""
    from sfclaims.retention import what_would_go

    allowed(person, ADMIN, "purging old personal data")
    return what_would_go(engine, before or retention_day(engine))


# --- the database itself ------------------------------------------------------------------------


def _acting_on_any_schema(engine: Engine, name: str | None = None) -> Actor:
    """Who is acting, on a database whose schema may be behind: before accounts existed
    (migration 0013) one person works alone."""
    from sqlalchemy import inspect

    from sfclaims.activity import operating_system_user
    from sfclaims.people import ROLES, acting

    with engine.connect() as connection:
        if not inspect(connection).has_table("accounts"):
            return Actor(name or operating_system_user(), frozenset(ROLES), single_user=True)
    return acting(engine, name)


def upgrade(
    engine: Engine,
    *,
    backup: bool = True,
    announce: Callable[[str | None, str, list[Step]], None] = lambda *_: None,
) -> Upgraded:
    """Back the database up (beside a SQLite file; pg_dump for PostgreSQL, refused without it
    unless ``backup`` is False) and migrate it to the latest revision, all or nothing; nothing to
    do at the latest. An admin's action once there are accounts."""
    from sfclaims.db import schema_revision
    from sfclaims.upgrading import backup_name, migrate

    allowed(_acting_on_any_schema(engine), ADMIN, "upgrading the database")
    to = backup_name(engine, schema_revision(engine)) if backup else None
    return migrate(engine, backup_to=to, announce=announce)


def create_or_upgrade(
    engine: Engine, announce: Callable[[str | None, str, list[Step]], None] = lambda *_: None
) -> Upgraded:
    """``init``: a new database at the latest schema; one behind that holds data is upgraded as
    ``upgrade`` does it (backed up first); one behind that holds nothing is simply migrated."""
    from sfclaims.upgrading import holds_data, migrate

    if holds_data(engine):
        return upgrade(engine, announce=announce)
    return migrate(engine, announce=announce)


def back_up(engine: Engine, to: Path) -> Path:
    """A consistent copy of the database while it is in use (an admin's action: it holds
    everyone's data)."""
    from sfclaims.upgrading import backup

    allowed(_acting_on_any_schema(engine), ADMIN, "backing up the database")
    return backup(engine, to)


def archive(engine: Engine, person: Actor, out: Path) -> Archived:
    """The close-out archive (contract.md, `archive`), written into ``out`` and logged: an
    admin's or an auditor's, who keep what was claimed for the years after."""
    from datetime import UTC, datetime

    from sfclaims.activity import record_now
    from sfclaims.archive import write_archive

    allowed(person, None, "making the close-out archive")
    if not (person.may(ADMIN) or person.may(AUDITOR)):
        raise RefusedError(
            f"Making the close-out archive needs the admin or the auditor role, and "
            f"{person.name} has neither; ask an admin."
        )
    ready_folder(out, "The folder")
    if any(out.iterdir()):
        raise UsageError(
            f"The folder {out} is not empty: an archive is written into a new or empty folder, "
            f"so that every file in it is the archive's."
        )
    made = write_archive(
        engine,
        out,
        lambda sealed: _framework_of_run(engine, sealed),
        f"{datetime.now(UTC):%d/%m/%Y %H:%M} UTC",
    )
    record_now(engine, person.name, "archive made", "", f"{made.runs} runs, {made.files} files")
    return made


def check_archive(folder: Path) -> tuple[int, list[str]]:
    """An archive checked against its manifest and the manifest's seal (contract.md, `verify
    --archive`): it needs no database, only the folder and, for the seal, the seal key."""
    from sfclaims.archive import archive_problems

    return archive_problems(folder)


@dataclass(frozen=True)
class Verified:
    runs: int  # submitted runs checked
    problems: list[str]  # one sentence per run or log row that does not hold, oldest first
    log_rows: int = 0  # rows of the activity log checked against its chain


def verify(engine: Engine, person: Actor) -> Verified:
    """Check every submitted run against its digest and its seal (the key outside the database),
    and the activity log against its chain and the chain heads the runs' seals hold; each run,
    and the first log row, that does not hold is named. Anyone with an account may check."""
    from sqlalchemy import func, select
    from sqlmodel import col

    from sfclaims.activity import chain_breaks
    from sfclaims.claim_runs import SUBMITTED_ACTION, get_run, list_runs, verify_submitted
    from sfclaims.db import one_snapshot
    from sfclaims.errors import SfclaimsError
    from sfclaims.models import Activity, LogChain

    allowed(person, None, "checking the submitted runs")
    problems: list[str] = []
    runs = {r.run_id: r for r in list_runs(engine)}
    submitted = [r.run_id for r in runs.values() if r.submitted_at is not None]
    with one_snapshot(engine) as connection:
        broken = chain_breaks(connection)
        if broken:
            problems.append(broken)
        logged = connection.execute(
            select(col(Activity.object)).where(col(Activity.action) == SUBMITTED_ACTION)
        ).scalars()
        for run_id in sorted(set(logged) - set(submitted)):  # a run made a draft again, or gone
            problems.append(
                f"The activity log records claim run {run_id} as submitted, but the database "
                f"holds it as {'a draft' if run_id in runs else 'no run at all'}: it was changed "
                f"in the database after submission — tell the database's administrator."
            )
        links = set(connection.execute(select(col(LogChain.hash))).scalars())
        for run_id in submitted:
            run = get_run(connection, run_id)
            try:
                verify_submitted(connection, run)
            except SfclaimsError as refused:
                problems.append(str(refused))
                continue
            if run.log_head and run.log_head not in links:
                problems.append(
                    f"The activity log no longer holds the chain head claim run {run_id} was "
                    f"sealed with: rows written before its submission were changed or removed, "
                    f"and the chain made again."
                )
        rows = connection.execute(select(func.count()).select_from(LogChain)).scalar_one()
    return Verified(len(submitted), problems, rows)
