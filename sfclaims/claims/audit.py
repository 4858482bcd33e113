"""The audit of a claim run: a reproducible sample of its families, and auditors' verdicts.

A family that fails audit is withdrawn from the draft run; it stays in the run's records with its
verdict. A submitted run takes no more verdicts.
"""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

from sqlalchemy import Connection, Engine, delete, insert, select, update
from sqlmodel import col

from sfclaims.claims import (
    SAMPLE_DRAWN,
    get_run,
    left_to_draw,
    refuse_if_submitted,
    run_family_ids,
    sampled,
    sampled_with_verdicts,
    separate_duties,
)
from sfclaims.deciding.facts import as_stored
from sfclaims.intake.data_state import data_changed
from sfclaims.platform.activity import operating_system_user, record_activity
from sfclaims.platform.db import writing
from sfclaims.platform.errors import RefusedError, UsageError
from sfclaims.platform.given import checked_number, checked_text
from sfclaims.platform.models import AuditSample, AuditVerdict, ClaimedFamily, ClaimRun

VERDICTS = ("pass", "fail")


def refuse_the_maker(connection: Connection, run: ClaimRun, by: str) -> None:
    """Once there are accounts, the person who made a run may not draw, redraw or check its
    sample: internal audit must be independent of the claim."""
    if separate_duties(connection) and by == run.created_by:
        raise RefusedError(
            f"{by} made claim run {run.run_id}, so cannot audit it; internal audit must be "
            f"independent of the claim."
        )


class VerdictGiven(NamedTuple):
    family_id: str
    verdict: str  # pass or fail
    note: str
    where: str = ""  # where it was given (a row of a sheet), for a refusal to name


def record_verdict(
    engine: Engine,
    run_id: str,
    family_id: str,
    verdict: str,
    note: str,
    by: str | None = None,
) -> tuple[str, str]:
    """Keep an auditor's verdict; a failed family is withdrawn from the draft run. The run's and
    the family's IDs as stored (they may be typed in any case)."""
    run_id, (family_id,) = record_verdicts(
        engine, run_id, [VerdictGiven(family_id, verdict, note)], by
    )
    return run_id, family_id


def record_verdicts(
    engine: Engine, run_id: str, given: list[VerdictGiven], by: str | None = None
) -> tuple[str, list[str]]:
    """Keep every verdict, each with the auditor's name, or none: a family not in the run or a
    verdict other than pass or fail refuses them all. Once there are accounts, the person who
    made the run cannot audit it. The run's ID and the families' IDs as stored."""
    for v in given:
        if v.verdict not in VERDICTS:
            raise UsageError(f"The verdict must be pass or fail, not {v.verdict!r}.")
        checked_text(v.note, "the note")
        checked_text(v.family_id, "the family ID", 100)
    by = by or operating_system_user()
    with writing(engine) as connection:
        run = get_run(connection, run_id, lock=True)  # waits for a submission under way
        run_id = run.run_id  # as stored, however it was typed
        refuse_if_submitted(run, "no verdict can be added to it")
        refuse_the_maker(connection, run, by)
        in_run = run_family_ids(connection, run_id)
        standing = {  # the verdict that stands on each family: a sheet's row left as it was
            family: (verdict, note)  # records nothing again
            for family, verdict, note in connection.execute(
                select(
                    col(AuditVerdict.family_id), col(AuditVerdict.verdict), col(AuditVerdict.note)
                )
                .where(col(AuditVerdict.run_id) == run_id)
                .order_by(col(AuditVerdict.recorded_at), col(AuditVerdict.id))
            )
        }
        families = []
        for v in given:
            stored = as_stored(v.family_id, in_run)
            if stored is None and v.where:  # a sheet's row: the whole sheet is refused
                raise RefusedError(
                    f"{v.where}column A (family ID): {v.family_id} is not in claim run "
                    f"{run_id}; nothing was recorded."
                )
            if stored is None:
                raise UsageError(f"Family {v.family_id} is not in claim run {run_id}.")
            if v.where and standing.get(stored) == (v.verdict, v.note):
                continue  # the sheet shows the verdict that stands: nothing new
            families.append((stored, v))
        if families:
            data_changed(connection)  # a fail is AUDIT_FAILED from now on, a pass lifts it
        for family_id, v in families:
            connection.execute(
                insert(AuditVerdict).values(
                    run_id=run_id,
                    family_id=family_id,
                    verdict=v.verdict,
                    note=v.note,
                    recorded_at=datetime.now(UTC),
                    recorded_by=by,
                )
            )
            record_activity(connection, by, f"verdict {v.verdict}", run_id, f"family {family_id}")
            if v.verdict == "fail":
                connection.execute(
                    update(ClaimedFamily)
                    .where(
                        col(ClaimedFamily.run_id) == run_id,
                        col(ClaimedFamily.family_id) == family_id,
                    )
                    .values(withdrawn=True)
                )
    return run_id, [family_id for family_id, _v in families]


VERDICT_SHEET = "Verdicts to record"
VERDICT_HEADERS = ("family ID", "verdict", "note")


def read_verdict_sheet(path: Path) -> list[VerdictGiven]:
    """The verdicts an auditor filled in on the sample pack's sheet; refused whole, naming the
    row and column, on any row that is not a family, pass or fail and a note. A row left blank
    (no verdict, no note) is a family not checked yet."""
    from python_calamine import CalamineWorkbook

    from sfclaims.intake.limits import check_xlsx

    check_xlsx(path, "nothing was recorded")  # bounded before the reader sees it
    try:
        book = CalamineWorkbook.from_path(str(path))
        rows = book.get_sheet_by_name(VERDICT_SHEET).to_python(skip_empty_area=False)
    except Exception as error:  # noqa: BLE001 - any unreadable workbook is the same refusal
        raise RefusedError(
            f"{path.name} cannot be read as the sample pack's workbook with a "
            f"{VERDICT_SHEET!r} sheet ({type(error).__name__})."
        ) from None
    headers = tuple(h.lower() for h in VERDICT_HEADERS)
    if not rows or tuple(str(c).strip().lower() for c in rows[0][:3]) != headers:
        raise RefusedError(
            f"{path.name}, sheet {VERDICT_SHEET!r}: row 1 must be the headers "
            f"{', '.join(VERDICT_HEADERS)}."
        )
    found: list[VerdictGiven] = []
    for number, row in enumerate(rows[1:], start=2):
        family, verdict, note = (
            str(c).strip() if c is not None else "" for c in [*row, "", ""][:3]
        )
        where = f"{path.name}, row {number}, "
        if not (verdict or note):
            continue
        if not family:
            raise RefusedError(f"{where}column A (family ID) is empty; nothing was recorded.")
        if verdict.lower() not in VERDICTS:
            raise RefusedError(
                f"{where}column B (verdict): {verdict!r} is not pass or fail; nothing was recorded."
            )
        if not note:
            raise RefusedError(
                f"{where}column C (note) is empty: say what was checked; nothing was recorded."
            )
        found.append(VerdictGiven(family, verdict.lower(), note, where))
    if not found:
        raise RefusedError(f"{path.name} has no verdict filled in; nothing was recorded.")
    return found


def widen_sample(
    engine: Engine, run_id: str, size: int, seed: int, by: str | None = None
) -> list[str]:
    """More families drawn into the run's audit sample, reproducibly by the seed, its verdicts
    kept (a sample failing more than the council accepts is widened before submission): the
    families added, sorted."""
    checked_number(size, "the number of families to add", least=1)
    checked_number(seed, "the seed")
    by = by or operating_system_user()
    with writing(engine) as connection:
        run = get_run(connection, run_id, lock=True)
        run_id = run.run_id
        refuse_if_submitted(run, "its sample cannot change")
        refuse_the_maker(connection, run, by)
        if run.sample_seed is None:
            raise RefusedError(
                f"Claim run {run_id} has no audit sample to widen yet; draw one first.",
            )
        pool = left_to_draw(connection, run_id)
        if not pool:
            raise RefusedError(f"Every family of claim run {run_id} is in its sample already.")
        added = sorted(random.Random(seed).sample(pool, min(size, len(pool))))
        connection.execute(insert(AuditSample), [{"run_id": run_id, "family_id": f} for f in added])
        total = len(sampled(connection, run_id))
        record_activity(
            connection,
            by,
            SAMPLE_DRAWN,
            run_id,
            f"{total} families, seed {run.sample_seed}; widened by {len(added)}, seed {seed}",
        )
    return added


def sample_run(
    engine: Engine,
    run_id: str,
    size: int | None,
    percent: float | None,
    seed: int,
    by: str | None = None,
) -> list[str]:
    """Draw the run's audit sample, reproducibly, and keep it with the run: its family IDs,
    sorted. Drawing again replaces a sample none of whose families has a verdict yet."""
    if (size is None) == (percent is None):
        raise UsageError("Give either the sample's size or its share of the run, not both.")
    if percent is not None and not 0 < percent <= 100:
        raise UsageError("The sample's share of the run must be more than 0 and at most 100%.")
    if size is not None:
        checked_number(size, "the sample's size", least=1)
    checked_number(seed, "the seed")
    by = by or operating_system_user()
    with writing(engine) as connection:
        run = get_run(connection, run_id, lock=True)
        run_id = run.run_id  # as stored, however typed
        refuse_if_submitted(run, "its sample cannot change")
        refuse_the_maker(connection, run, by)
        checked = sampled_with_verdicts(connection, run_id)
        if checked:
            raise RefusedError(
                f"The audit sample of claim run {run_id} already has verdicts "
                f"({', '.join(checked[:10])}{', …' if len(checked) > 10 else ''}); it stays as "
                f"drawn."
            )
        families = sorted(run_family_ids(connection, run_id, claimed_only=True))
        wanted = size if size is not None else math.ceil(len(families) * (percent or 0) / 100)
        drawn = sorted(random.Random(seed).sample(families, min(wanted, len(families))))
        connection.execute(delete(AuditSample).where(col(AuditSample.run_id) == run_id))
        if drawn:
            connection.execute(
                insert(AuditSample), [{"run_id": run_id, "family_id": f} for f in drawn]
            )
        connection.execute(
            update(ClaimRun)
            .where(col(ClaimRun.run_id) == run_id)
            .values(sample_size=size, sample_percent=percent, sample_seed=seed)
        )
        record_activity(connection, by, SAMPLE_DRAWN, run_id, f"{len(drawn)} families, seed {seed}")
    return drawn
