"""The work of the workspace's jobs (``jobs.Jobs``), each run in a process of its own: it asks
the engine's actions, as the command line does, and gives back what the job's page shows."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from sfclaims.actions.service import Outcome
from sfclaims.actions.vocabulary import SfclaimsError


def import_upload(
    engine: Engine, arguments: dict[str, Any], progress: Callable[[str, int, int], None]
) -> Outcome:
    """Import the uploaded extracts (in the job's folder); the result and its data-quality
    workbook, kept with the job."""
    from sfclaims.actions import import_extracts

    folder: Path = arguments["folder"]
    reports = folder / "reports"
    reports.mkdir(mode=0o700, exist_ok=True)  # a second run, after a question answered
    try:
        done = import_extracts(
            engine,
            arguments["person"],
            folder / "upload",
            reports,
            allow_empty=arguments["allow_empty"],
            progress=progress,
        )
    except SfclaimsError as error:  # a question asked again keeps the answers given before
        error.about["allowed"] = list(arguments["allow_empty"])
        raise
    result = done.result
    shown = {
        "unchanged": result.unchanged,
        "files": [
            {
                "file_name": f.file_name,
                "kind": f.kind,
                "rows_read": f.rows_read,
                "rows_loaded": f.rows_loaded,
                "rows_set_aside": f.rows_set_aside,
                "batch_id": f.batch_id,
            }
            for f in result.files
        ],
        "warnings": [{"text": w.text} for w in result.warnings],
    }
    return shown, done.reports[0].read_bytes()


def decide_families(
    engine: Engine, arguments: dict[str, Any], progress: Callable[[str, int, int], None]
) -> Outcome:
    """Decide every family as of the day (each with its forecast date, which the dashboard of
    any server process reads from the stored decisions)."""
    from sfclaims.actions import decide

    day: date = arguments["day"]
    done = decide(engine, arguments["person"], day)
    claimable = sum(a.decision.claimable for a in done.decided.families)
    shown = {
        "redirect": f"/?as_of={day.isoformat()}",
        "said": f"Every family is decided as of {day:%d/%m/%Y}: {claimable:,} claimable."
        + (f" {since.said}" if (since := done.decided.since) and since.as_of else ""),
    }
    return shown, None


def preview_plan(
    engine: Engine, arguments: dict[str, Any], progress: Callable[[str, int, int], None]
) -> Outcome:
    """Every family decided under the uploaded plan and under the framework in force, side by
    side: what putting it in force would change (nothing is changed here)."""
    from sfclaims.actions import preview_outcome_plan

    key: str = arguments["key"]
    seen = preview_outcome_plan(engine, arguments["person"], arguments["plan"])
    since = seen.since
    return {
        "key": key,
        "name": arguments["name"],
        "framework": seen.framework,
        "sha256": seen.sha256,
        "in_force": seen.in_force,
        "as_of": f"{seen.as_of:%d/%m/%Y}",
        "claimable_before": since.claimable_before,
        "claimable_now": since.claimable_now,
        "became": since.became,
        "stopped": since.stopped,
        "became_by_reason": since.became_by_reason,
        "stopped_by_reason": since.stopped_by_reason,
    }, None


def make_claim_run(
    engine: Engine, arguments: dict[str, Any], progress: Callable[[str, int, int], None]
) -> Outcome:
    """Make the draft run (deciding the families first where no decision is current); its page
    is where the job's page goes once it is made."""
    from sfclaims.actions import make_run

    made = make_run(
        engine,
        arguments["person"],
        arguments["period"],
        arguments["day"],
        cap=arguments["cap"],
        another=arguments["another"],
    )
    said = f"Claim run {made.run_id} is made: {made.families:,} families, a draft."
    return {"redirect": f"/claims/{made.run_id}", "said": said}, None


def evidence_pack(
    engine: Engine, arguments: dict[str, Any], progress: Callable[[str, int, int], None]
) -> Outcome:
    """The run's evidence pack (the sample's or the whole run's), kept with the job until it is
    downloaded and the job purged."""
    from sfclaims.actions import write_pack

    path = write_pack(
        engine,
        arguments["person"],
        arguments["run_id"],
        arguments["folder"],
        sample=arguments["sample"],
    )
    return {"file_name": path.name, "run_id": arguments["run_id"]}, path.read_bytes()


def record_verdict_sheet(
    engine: Engine, arguments: dict[str, Any], progress: Callable[[str, int, int], None]
) -> Outcome:
    """Record the verdicts filled in on the uploaded sample pack (all, or none), as
    `sfclaims audit import-verdicts` does."""
    from sfclaims.actions import record_verdict_sheet as record

    done = record(engine, arguments["person"], arguments["run_id"], arguments["sheet"])
    said = (
        f"{done.recorded:,} verdicts recorded in {done.run_id} ({done.failed:,} fail, withdrawn "
        f"from the run)"
    )
    if done.already:
        said += f"; {done.already:,} showed a verdict already recorded, so nothing new"
    return {"redirect": f"/audit/{done.run_id}", "said": said + "."}, None


def the_quarters_files(
    engine: Engine, arguments: dict[str, Any], progress: Callable[[str, int, int], None]
) -> Outcome:
    """Decide every family as of the day, once, and write the quarter's files from those
    decisions (decisions file, work lists, forecast workbook and CSV, progress report), zipped
    for download."""
    import zipfile

    from sfclaims.actions import quarter_files

    day: date = arguments["day"]
    files = arguments["folder"] / "files"
    files.mkdir(mode=0o700)
    written = quarter_files(engine, arguments["person"], day, files)
    archive = arguments["folder"] / f"quarter-files-{day.isoformat()}.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
        for path in sorted(written):
            bundle.write(path, path.name)
    shown = {
        "as_of": day.isoformat(),
        "file_name": archive.name,
        "files": [p.name for p in sorted(written)],
    }
    return shown, archive.read_bytes()


def the_outcomes_report(
    engine: Engine, arguments: dict[str, Any], progress: Callable[[str, int, int], None]
) -> Outcome:
    """The outcomes report as of the day (this quarter beside the last), for download."""
    from sfclaims.actions import outcomes_report

    day: date = arguments["day"]
    files = arguments["folder"] / "files"
    files.mkdir(mode=0o700)
    written = outcomes_report(engine, arguments["person"], day, files)
    shown = {"as_of": day.isoformat(), "file_name": written.name, "files": [written.name]}
    return shown, written.read_bytes()


def the_archive(
    engine: Engine, arguments: dict[str, Any], progress: Callable[[str, int, int], None]
) -> Outcome:
    """The close-out archive, zipped for download (an admin's or an auditor's)."""
    import zipfile

    from sfclaims.actions import archive

    folder = arguments["folder"] / "archive"
    made = archive(engine, arguments["person"], folder)
    bundle = arguments["folder"] / "sfclaims-archive.zip"
    with zipfile.ZipFile(bundle, "w", zipfile.ZIP_DEFLATED) as zipped:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            zipped.write(path, f"sfclaims-archive/{path.relative_to(folder).as_posix()}")
    shown = {
        "as_of": "now",
        "file_name": bundle.name,
        "files": [f"{made.runs} submitted runs", f"{made.files} files and MANIFEST.sha256"],
    }
    return shown, bundle.read_bytes()
